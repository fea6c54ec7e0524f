#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The network lines (#12) as a user meets them: a profile's `network:` section planned with
//! the shipped us-east-1 book. Each of these fails on the code before the section existed.

use planner::model::{LineItem, OptionPlan, Platform};
use std::path::Path;

fn plan(yaml: &str) -> planner::model::Plan {
    let profile = planner::profile::parse(yaml, Path::new("test.yaml")).unwrap();
    let book = planner::pricing::built_in("us-east-1").unwrap().book;
    planner::model::plan_figures(&profile, &book, "test")
}

fn option(plan: &planner::model::Plan, p: Platform) -> &OptionPlan {
    plan.workloads[0]
        .options
        .iter()
        .find(|o| o.platform == p)
        .unwrap()
}

fn lines<'a>(o: &'a OptionPlan, item: &str) -> Vec<&'a LineItem> {
    o.cost_breakdown.iter().filter(|l| l.item == item).collect()
}

fn quantity(o: &OptionPlan, item: &str, unit: &str) -> f64 {
    lines(o, item)
        .iter()
        .filter(|l| l.unit == unit)
        .map(|l| l.quantity)
        .sum()
}

fn cost(o: &OptionPlan, item: &str) -> f64 {
    lines(o, item).iter().map(|l| l.cost_usd).sum()
}

fn cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A 2,000 req/s API (the example), with `network` and `lambda` settings spliced in.
fn api(network: &str, lambda: &str) -> String {
    format!(
        "version: 1
name: API
workloads:
  - name: api
    kind: service
    traffic: {{ rps: 2000 }}
    request: {{ duration_ms: 100, cpu_ms: 10, memory_mb: 256 }}
network: {{ {network} }}
platforms:
  lambda: {{ {lambda} }}
  ecs: {{ vcpu: 1, memory_gb: 2, max_tasks: 1000 }}
  ec2: {{ instance_type: m7g.large, max_instances: 500 }}
"
    )
}

/// In public subnets every task-hour and instance-hour holds a public IPv4 address, and the
/// internet-facing ALB one per AZ: the line counts the fleet's unit-hours from its curve
/// (`task_hours`), not peak × 730.
#[test]
fn public_subnet_fleets_pay_an_address_per_unit_hour() {
    let p = plan(&api("subnet: public", ""));
    for (platform, hours_key) in [
        (Platform::Ecs, "task_hours"),
        (Platform::Ec2, "instance_hours"),
    ] {
        let o = option(&p, platform);
        let unit_hours = o.config[hours_key].as_f64().unwrap();
        assert!(unit_hours > 0.0);
        let ip = quantity(o, "public_ipv4", "IP-hour");
        assert!(
            (ip - (unit_hours + 2.0 * 730.0)).abs() < 1e-6,
            "{platform:?}: {ip} vs {unit_hours}"
        );
        assert!((cost(o, "public_ipv4") - ip * 0.005).abs() < 1e-9);
        // No NAT gateway in public subnets.
        assert!(lines(o, "nat_gateway").is_empty());
        // The line is inside the option's total.
        let sum: f64 = o.cost_breakdown.iter().map(|l| l.cost_usd).sum();
        assert!((o.monthly_cost_usd - sum).abs() < 1e-6);
    }
    // Lambda never has a public address (no ALB in front of it here).
    assert!(lines(option(&p, Platform::Lambda), "public_ipv4").is_empty());
}

/// An internet-facing ALB holds an address in each AZ; private subnets' NAT gateways one each.
#[test]
fn alb_and_nat_gateways_hold_an_address_per_az() {
    let p = plan(&api("availability_zones: 3", ""));
    let o = option(&p, Platform::Ecs);
    assert!((quantity(o, "public_ipv4", "IP-hour") - 6.0 * 730.0).abs() < 1e-9);
    assert_eq!(cents(cost(o, "public_ipv4")), 21.90);
    assert_eq!(
        cents(quantity(o, "nat_gateway", "NAT gateway-hour")),
        3.0 * 730.0
    );
    // A private front door: an internal ALB has no public address, only the NAT gateways.
    let p = plan(&api(
        "availability_zones: 3, front_door: private",
        "ingress: none",
    ));
    let o = option(&p, Platform::Ecs);
    assert!((quantity(o, "public_ipv4", "IP-hour") - 3.0 * 730.0).abs() < 1e-9);
    assert!(lines(o, "data_transfer").is_empty());
}

/// Keep-alive: ten requests a connection cut the new-connection LCUs tenfold. At 2,000 req/s
/// that is 80 LCUs (2,000 / 25) against 8; the processed bytes (1 KB a request, 6.87 GB/h)
/// stay under 8, so the ALB's LCU-hours fall from 58,400 to 5,840 a month.
#[test]
fn keep_alive_lowers_the_alb_lcus() {
    let lcu = |rpc: &str| {
        let p = plan(&api(&format!("requests_per_connection: {rpc}"), ""));
        quantity(option(&p, Platform::Ecs), "ingress", "LCU-hour")
    };
    assert!((lcu("1") - 58_400.0).abs() < 1e-6, "{}", lcu("1"));
    assert!((lcu("10") - 5_840.0).abs() < 1e-6, "{}", lcu("10"));
}

/// Lambda behind an ALB against API Gateway at 2,000 req/s (5.256 billion requests a month).
/// HTTP API: 300M × $1.00/M + 4,956M × $0.90/M = $4,760.40. ALB: 730 h × $0.0225 = $16.43
/// plus 80 LCUs (new connections; the bytes are 6.87 GB/h ÷ 0.4 GB per LCU for Lambda
/// targets = 17.2) × 730 h × $0.008 = $467.20, and its two public addresses $7.30.
#[test]
fn lambda_behind_an_alb_is_far_cheaper_than_api_gateway_at_2000_rps() {
    let http = plan(&api("", "ingress: api_gateway_http"));
    let http = option(&http, Platform::Lambda);
    assert_eq!(cents(cost(http, "ingress")), 4_760.40);
    assert!(lines(http, "public_ipv4").is_empty());

    let alb = plan(&api("", "ingress: alb"));
    let alb = option(&alb, Platform::Lambda);
    assert_eq!(cents(cost(alb, "ingress")), 483.63);
    assert!((quantity(alb, "ingress", "LCU-hour") - 80.0 * 730.0).abs() < 1e-6);
    assert_eq!(cents(cost(alb, "public_ipv4")), 7.30);
    assert!(alb.monthly_cost_usd + 4_000.0 < http.monthly_cost_usd);
}

/// Lambda in a VPC pays the NAT gateways (and their addresses); outside it, neither.
#[test]
fn lambda_in_a_vpc_pays_the_nat_gateways() {
    let p = plan(&api("lambda_in_vpc: true, egress_kb_per_request: 2", ""));
    let o = option(&p, Platform::Lambda);
    // 2 NAT gateways all month + 5.256 billion × 2 KB = 10,025 GB processed.
    assert_eq!(
        cents(quantity(o, "nat_gateway", "NAT gateway-hour")),
        1_460.0
    );
    let gb = 2000.0 * 2_628_000.0 * 2.0 / (1024.0 * 1024.0);
    assert!((quantity(o, "nat_gateway", "GB") - gb).abs() < 1e-6);
    assert_eq!(cents(cost(o, "public_ipv4")), 7.30);
    let p = plan(&api("", ""));
    let o = option(&p, Platform::Lambda);
    assert!(lines(o, "nat_gateway").is_empty());
}

/// `nat_gateways: existing`: the VPC's gateways are already paid for, so an option pays only
/// the GB it sends through them: no gateway-hours and no gateway addresses.
#[test]
fn existing_nat_gateways_bill_only_the_data_processed() {
    let own = plan(&api("egress_kb_per_request: 2", ""));
    let shared = plan(&api("egress_kb_per_request: 2, nat_gateways: existing", ""));
    let gb = 2000.0 * 2_628_000.0 * 2.0 / (1024.0 * 1024.0);
    for platform in [Platform::Ecs, Platform::Ec2] {
        let (a, b) = (option(&own, platform), option(&shared, platform));
        assert_eq!(
            cents(quantity(a, "nat_gateway", "NAT gateway-hour")),
            1_460.0
        );
        assert_eq!(quantity(b, "nat_gateway", "NAT gateway-hour"), 0.0);
        assert!((quantity(b, "nat_gateway", "GB") - gb).abs() < 1e-6);
        assert_eq!(cents(cost(b, "nat_gateway")), cents(gb * 0.045));
        // The ALB's two addresses stay; the gateways' two go.
        assert_eq!(cents(cost(a, "public_ipv4") - cost(b, "public_ipv4")), 7.30);
    }
}

/// Data transfer out is the same line on every platform, and the free 100 GB is credited
/// only with the free tier, once per profile.
#[test]
fn data_transfer_is_the_same_everywhere_and_free_100_gb_only_with_the_free_tier() {
    let p = plan(&api("", ""));
    let gb = 2000.0 * 2_628_000.0 / (1024.0 * 1024.0);
    for platform in [Platform::Lambda, Platform::Ecs, Platform::Ec2] {
        let o = option(&p, platform);
        assert!((quantity(o, "data_transfer", "GB") - gb).abs() < 1e-6);
    }
    let free = plan(&api("", "").replace("name: API\n", "name: API\nfree_tier: true\n"));
    let credited: f64 = option(&free, Platform::Ecs)
        .cost_breakdown
        .iter()
        .filter(|l| l.item == "free_tier" && l.unit == "GB")
        .map(|l| l.cost_usd)
        .sum();
    assert_eq!(cents(credited), -9.00);
}

/// The cost curve and the break-even price options with `model::price`, which the fleets
/// answer without building the chosen shape's latency mix: it must carry the network lines
/// too, at every scale (equal to the full evaluation's total).
#[test]
fn the_cost_curve_sees_the_network_lines() {
    use planner::model::{Demand, billing::FreeTier, evaluate, price};
    let profile = planner::profile::parse(
        &api("subnet: public, egress_kb_per_request: 1", "ingress: alb"),
        Path::new("test.yaml"),
    )
    .unwrap();
    let book = planner::pricing::built_in("us-east-1").unwrap().book;
    let w = &profile.workloads[0];
    let base = Demand::new(w, FreeTier::none()).with_network(&profile.network);
    for scale in [0.1, 1.0, 5.0] {
        let d = base.scaled(scale);
        for p in [Platform::Lambda, Platform::Ecs, Platform::Ec2] {
            let full = evaluate(p, &d, &profile.platforms, &book);
            assert!(!lines(&full, "public_ipv4").is_empty(), "{p:?} at {scale}");
            let priced = price(p, &d, &profile.platforms, &book).cost().unwrap();
            assert!(
                (priced - full.monthly_cost_usd).abs() < 1e-6,
                "{p:?} at {scale}: {priced} vs {}",
                full.monthly_cost_usd
            );
        }
    }
}

/// A profile saved from the TUI keeps its `network:` section (and one without it stays
/// without): the section serialises back to what parses to the same profile.
#[test]
fn the_network_section_round_trips() {
    let path = Path::new("tests/fixtures/profiles/valid/network.yaml");
    let profile = planner::profile::load(path).unwrap();
    assert_eq!(profile.network.availability_zones, 3);
    let yaml = serde_yaml::to_string(&profile).unwrap();
    assert!(yaml.contains("network:"), "{yaml}");
    let again = planner::profile::parse(&yaml, path).unwrap();
    assert_eq!(again, profile);

    let plain = planner::profile::parse(&api("", ""), Path::new("t.yaml")).unwrap();
    assert!(plain.network.is_default());
    assert!(!serde_yaml::to_string(&plain).unwrap().contains("network:"));
}

/// An ALB passes at most 1 MB each way to and from a Lambda target: 3 MB of request +
/// response cannot fit (an API Gateway-free function URL takes up to 6 MB); 1.5 MB might.
#[test]
fn an_alb_caps_a_lambda_targets_payload() {
    let with_payload = |kb: &str, lambda: &str| {
        plan(&api("", lambda).replace(
            "memory_mb: 256 }",
            &format!("memory_mb: 256, payload_kb: {kb} }}"),
        ))
    };
    let p = with_payload("3000", "ingress: alb");
    let o = option(&p, Platform::Lambda);
    assert!(!o.feasible);
    assert!(
        o.risks.iter().any(|r| r.contains("1 MB each way")),
        "{:?}",
        o.risks
    );
    assert!(option(&with_payload("3000", ""), Platform::Lambda).feasible);
    let p = with_payload("1500", "ingress: alb");
    let o = option(&p, Platform::Lambda);
    assert!(o.feasible);
    assert!(
        o.risks.iter().any(|r| r.contains("at most 1 MB")),
        "{:?}",
        o.risks
    );
}
