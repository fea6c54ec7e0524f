#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Billing rules checked against AWS's own published worked examples, to the cent, with the
//! free-tier choice AWS makes in each. Sources and the arithmetic are in
//! docs/aws-worked-examples.md; prices come from the shipped us-east-1 book.

use planner::model::billing::{FreeTier, total};
use planner::model::lambda::{self, OWN_LINES, Provisioned, Usage};
use planner::pricing::PriceBook;
use planner::profile::Architecture;

fn book() -> PriceBook {
    planner::pricing::built_in("us-east-1")
        .expect("built-in us-east-1 book")
        .book
}

fn cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn lambda_free() -> FreeTier {
    FreeTier {
        lambda_requests: 1_000_000.0,
        lambda_gb_s: 400_000.0,
        sfn_transitions: 0.0,
        data_out_gb: 0.0,
        sqs_requests: 0.0,
    }
}

fn on_demand(requests: f64, duration_ms: f64, memory_mb: u32) -> Usage {
    Usage {
        arch: Architecture::X86_64,
        memory_mb,
        requests,
        duration_ms,
        provisioned: None,
        cold_starts: 0.0,
        init_ms: 0.0,
        ephemeral_storage_mb: 512,
    }
}

/// Lambda pricing page, example 1 (mobile backend): 3M requests, 120 ms, 1536 MB, x86,
/// free tier applied. AWS: $2.33 compute + $0.40 requests = $2.73.
#[test]
fn lambda_example_1_mobile_backend() {
    let lines = lambda::bill(
        &on_demand(3e6, 120.0, 1536),
        OWN_LINES,
        &book(),
        lambda_free(),
    )
    .unwrap();
    let duration: f64 = lines
        .iter()
        .filter(|l| l.item == "duration" || (l.item == "free_tier" && l.unit == "GB-second"))
        .map(|l| l.cost_usd)
        .sum();
    assert_eq!(cents(duration), 2.33);
    assert_eq!(cents(total(&lines)), 2.73);
}

/// Example 2 (streaming telemetry): 7.44M requests, 2 s, 1024 MB, x86, no free tier.
/// AWS: $1.49 + $248.00 = $249.49.
#[test]
fn lambda_example_2_telemetry() {
    let lines = lambda::bill(
        &on_demand(7.44e6, 2000.0, 1024),
        OWN_LINES,
        &book(),
        FreeTier::none(),
    )
    .unwrap();
    let by = |item: &str| lines.iter().find(|l| l.item == item).unwrap().cost_usd;
    assert_eq!(cents(by("requests")), 1.49);
    assert_eq!(cents(by("duration")), 248.00);
    assert_eq!(cents(total(&lines)), 249.49);
}

/// Example 3 (ML on support tickets): 6M requests, 280 ms, 4096 MB, 2048 MB ephemeral
/// storage, free tier applied. AWS: $105.33 + $1 + $0.08 = $106.41.
#[test]
fn lambda_example_3_ephemeral_storage() {
    let mut usage = on_demand(6e6, 280.0, 4096);
    usage.ephemeral_storage_mb = 2048;
    let lines = lambda::bill(&usage, OWN_LINES, &book(), lambda_free()).unwrap();
    let storage = lines
        .iter()
        .find(|l| l.item == "ephemeral_storage")
        .unwrap();
    assert!((storage.quantity - 2_520_000.0).abs() < 1e-6);
    assert_eq!(cents(storage.cost_usd), 0.08);
    assert_eq!(cents(total(&lines)), 106.41);
}

/// Provisioned concurrency example 1 (mobile launch): PC 100 for 8 h at 1536 MB serving
/// 500,000 requests of 100 ms; 2.5M more on demand at 120 ms; free tier on all requests and
/// on on-demand duration. AWS: $18 + $0.40 + $0.73 + $0.83 = $19.96.
#[test]
fn lambda_provisioned_example_1() {
    let mut usage = on_demand(3e6, 120.0, 1536);
    usage.provisioned = Some(Provisioned {
        concurrency: 100,
        seconds: 8.0 * 3600.0,
        invocations: 500_000.0,
        duration_ms: 100.0,
    });
    let lines = lambda::bill(&usage, OWN_LINES, &book(), lambda_free()).unwrap();
    let by = |item: &str| lines.iter().find(|l| l.item == item).unwrap().cost_usd;
    assert_eq!(cents(by("provisioned_concurrency")), 18.00);
    assert_eq!(cents(by("provisioned_duration")), 0.73);
    assert_eq!(cents(total(&lines)), 19.96);
}

/// Provisioned concurrency example 2 (Cyber Monday): PC 7 for 24 h at 4096 MB serving all
/// 2M requests of 280 ms; no free tier. AWS: $10.08 + $21.78 + $0.40 = $32.26.
#[test]
fn lambda_provisioned_example_2() {
    let mut usage = on_demand(2e6, 280.0, 4096);
    usage.provisioned = Some(Provisioned {
        concurrency: 7,
        seconds: 24.0 * 3600.0,
        invocations: 2e6,
        duration_ms: 280.0,
    });
    let lines = lambda::bill(&usage, OWN_LINES, &book(), FreeTier::none()).unwrap();
    let by = |item: &str| lines.iter().find(|l| l.item == item).unwrap().cost_usd;
    assert_eq!(cents(by("provisioned_concurrency")), 10.08);
    assert_eq!(cents(by("provisioned_duration")), 21.78);
    assert_eq!(cents(total(&lines)), 32.26);
}

/// Durable Functions example, the page's only Arm arithmetic: 32,000,000 GB-s on Arm less
/// the 400,000 free = $421.34; 2M requests less 1M free = $0.20.
#[test]
fn lambda_arm_duration_with_free_tier() {
    let mut usage = on_demand(2e6, 16_000.0, 1024);
    usage.arch = Architecture::Arm64;
    let lines = lambda::bill(&usage, OWN_LINES, &book(), lambda_free()).unwrap();
    let duration: f64 = lines
        .iter()
        .filter(|l| l.item == "duration" || (l.item == "free_tier" && l.unit == "GB-second"))
        .map(|l| l.cost_usd)
        .sum();
    assert_eq!(cents(duration), 421.34);
    let requests: f64 = lines
        .iter()
        .filter(|l| l.item == "requests" || (l.item == "free_tier" && l.unit == "request"))
        .map(|l| l.cost_usd)
        .sum();
    assert_eq!(cents(requests), 0.20);
}

fn fargate(
    arch: Architecture,
    task_hours: f64,
    vcpu: f64,
    memory_gb: f64,
    storage_gb: f64,
) -> Vec<planner::model::LineItem> {
    use planner::model::ecs::{FargatePrices, bill};
    use planner::profile::EcsConfig;
    let book = book();
    let cfg = EcsConfig {
        architecture: arch,
        ephemeral_storage_gb: storage_gb,
        ..EcsConfig::default()
    };
    let prices = FargatePrices::from_book(&book, &cfg).unwrap();
    bill(task_hours, vcpu, memory_gb, storage_gb, &prices)
}

fn line_cents(lines: &[planner::model::LineItem], item: &str) -> f64 {
    cents(lines.iter().find(|l| l.item == item).unwrap().cost_usd)
}

/// Fargate pricing page, example 1 (Linux/x86): 5 tasks × 600 s a day × 30 days, 1 vCPU,
/// 2 GB, 30 GB ephemeral storage. AWS: $1.01 + $0.22 + $0.03 = $1.26.
#[test]
fn fargate_example_1_linux_x86() {
    let hours = 5.0 * 600.0 * 30.0 / 3600.0;
    let lines = fargate(Architecture::X86_64, hours, 1.0, 2.0, 30.0);
    assert_eq!(line_cents(&lines, "vcpu"), 1.01);
    assert_eq!(line_cents(&lines, "memory"), 0.22);
    assert_eq!(line_cents(&lines, "ephemeral_storage"), 0.03);
    assert_eq!(cents(total(&lines)), 1.26);
}

/// Example 2 (Linux/ARM): the same tasks on Graviton. AWS: $0.81 + $0.18 + $0.03 = $1.02.
#[test]
fn fargate_example_2_linux_arm() {
    let hours = 5.0 * 600.0 * 30.0 / 3600.0;
    let lines = fargate(Architecture::Arm64, hours, 1.0, 2.0, 30.0);
    assert_eq!(line_cents(&lines, "vcpu"), 0.81);
    assert_eq!(line_cents(&lines, "memory"), 0.18);
    assert_eq!(line_cents(&lines, "ephemeral_storage"), 0.03);
    assert_eq!(cents(total(&lines)), 1.02);
}

/// Example 3 (EKS pods on Fargate, x86): 10 pods × 1 h a day × 30 days, 0.25 vCPU, 1 GB, no
/// extra storage. AWS: $3.04 + $1.33 = $4.37.
#[test]
fn fargate_example_3_pods() {
    let lines = fargate(Architecture::X86_64, 10.0 * 30.0, 0.25, 1.0, 20.0);
    assert_eq!(line_cents(&lines, "vcpu"), 3.04);
    assert_eq!(line_cents(&lines, "memory"), 1.33);
    assert!(lines.iter().all(|l| l.item != "ephemeral_storage"));
    assert_eq!(cents(total(&lines)), 4.37);
}

/// Step Functions pricing page, Express example: 100M workflows a month, 10 s each, 64 MB
/// billed. AWS: requests $100.00, duration $60.00 + $120.00 + $202.97 = $382.97.
#[test]
fn step_functions_express_example() {
    use planner::model::step_functions::express_gb_s;
    use planner::pricing::keys;
    let book = book();
    let gb_h = express_gb_s(100e6, 10_000.0, 64) / 3600.0;
    assert_eq!(cents(gb_h), 17_361.11);
    let duration = book.price(keys::SFN_EXPRESS_DURATION).unwrap().cost(gb_h);
    assert_eq!(cents(duration), 382.97);
    let requests = book.price(keys::SFN_EXPRESS_REQUESTS).unwrap().cost(100e6);
    assert_eq!(cents(requests), 100.00);
}

/// Step Functions Standard: $0.025 per 1,000 transitions after the 4,000 free a month (the
/// rate and allowance from the pricing page; AWS's page has no worked Standard example).
#[test]
fn step_functions_standard_transitions() {
    use planner::pricing::keys;
    let book = book();
    let price = book.price(keys::SFN_STANDARD_TRANSITIONS).unwrap();
    assert_eq!(book.free(keys::SFN_STANDARD_TRANSITIONS), 4_000.0);
    assert_eq!(cents(price.cost(1_000_000.0 - 4_000.0)), 24.90);
}

/// CloudWatch pricing page, Logs, "Monitoring with logs" example: 1 GB a day of access logs
/// for a 30-day month (30 GB ingested), archived for one month, compressing to 6 GB. AWS:
/// ingestion 0 to 5 GB free, 25 GB × $0.50 = $12.50; archive 0 to 5 GB free, 1 GB × $0.03 =
/// $0.03; logs $12.53 (its three metrics are free). planner credits no CloudWatch free tier,
/// so its lines are the whole 30 GB and the steady-state archive of a month kept 30 days.
#[test]
fn cloudwatch_logs_monitoring_with_logs_example() {
    use planner::model::logs::{BYTES_PER_GB, bill};
    use planner::pricing::keys;
    use planner::profile::Retention;
    let lines = bill(
        30.0 * BYTES_PER_GB,
        keys::LOGS_INGESTION,
        Retention::Days(30),
        &book(),
    )
    .unwrap();
    let (ingestion, archive) = (&lines[0], &lines[1]);
    assert_eq!(
        (ingestion.item.as_str(), ingestion.unit.as_str()),
        ("logs", "GB")
    );
    assert_eq!(cents(ingestion.cost_usd), 15.00);
    // The archive: 30 GB compressed to the example's 6 GB, kept 30 of the 730-hour month's
    // 30.4 days: 5.92 GB.
    assert_eq!(archive.unit, "GB-month");
    assert_eq!(cents(archive.quantity), 5.92);
    assert_eq!(cents(archive.cost_usd), 0.18);
    // With the example's 5 GB free of each, AWS's own figures.
    let free = 5.0;
    assert_eq!(
        cents((ingestion.quantity - free) * ingestion.unit_price_usd),
        12.50
    );
    assert_eq!(
        cents((archive.quantity - free) * archive.unit_price_usd),
        0.03
    );
    assert_eq!(
        cents(
            (ingestion.quantity - free) * ingestion.unit_price_usd
                + (archive.quantity - free) * archive.unit_price_usd
        ),
        12.53
    );
}

/// CloudWatch pricing page, Logs, vended-logs example: 72 TB of VPC flow logs delivered to
/// CloudWatch Logs in a month, archived for one month, compressing to 30 TB. AWS: ingestion
/// 10 TB × 1,024 × $0.50 + 20 TB × $0.25 + 20 TB × $0.10 + 22 TB × $0.05 = $13,414.40;
/// archive 30 × 1,024 × $0.03 = $921.60; $14,336.00. Lambda's logs are billed at these
/// vended-log tiers (`logs.vended_ingestion`).
#[test]
fn cloudwatch_vended_logs_example() {
    use planner::model::logs::{BYTES_PER_GB, bill};
    use planner::pricing::keys;
    use planner::profile::Retention;
    let book = book();
    let tb = 1024.0;
    let ingestion = book
        .price(keys::LOGS_VENDED_INGESTION)
        .unwrap()
        .cost(72.0 * tb);
    assert_eq!(cents(ingestion), 13_414.40);
    let archive = book.price(keys::LOGS_STORAGE).unwrap().cost(30.0 * tb);
    assert_eq!(cents(archive), 921.60);
    assert_eq!(cents(ingestion + archive), 14_336.00);
    // The same through planner's bill: the ingestion line walks the tiers.
    let lines = bill(
        72.0 * tb * BYTES_PER_GB,
        keys::LOGS_VENDED_INGESTION,
        Retention::Days(30),
        &book,
    )
    .unwrap();
    assert_eq!(cents(lines[0].cost_usd), 13_414.40);
}

// ------------------------------------------------------------------ network (#12)
//
// The stored copies of https://aws.amazon.com/vpc/pricing/ and
// https://aws.amazon.com/privatelink/pricing/ hold the rates but not the worked examples'
// text, so these check the lines from the published rates by hand, to the cent.

fn network(f: impl FnOnce(&mut planner::profile::Network)) -> planner::profile::Network {
    let mut n = planner::profile::Network::default();
    f(&mut n);
    n
}

/// VPC pricing page, NAT gateway: $0.045 per NAT gateway-hour and $0.045 per GB processed in
/// US East (N. Virginia). One gateway for one hour processing 1 GB: $0.045 + $0.045 = $0.09.
/// A month of two (one per AZ, the default) processing 100 GB: 2 × 730 × $0.045 = $65.70
/// plus 100 × $0.045 = $4.50, $70.20.
#[test]
fn nat_gateway_hours_and_data_processed() {
    use planner::pricing::keys;
    let book = book();
    let hour = book.price(keys::NAT_GATEWAY_HOURS).unwrap().cost(1.0);
    let gb = book.price(keys::NAT_GATEWAY_DATA).unwrap().cost(1.0);
    assert_eq!(cents(hour + gb), 0.09);

    let lines = planner::model::network::egress(&network(|_| {}), 100.0, &book).unwrap();
    assert!(lines.iter().all(|l| l.item == "nat_gateway"));
    assert_eq!(cents(total(&lines)), 70.20);
    // One gateway shared by the AZs: 730 × $0.045 + $4.50 = $37.35.
    let shared = network(|n| n.nat_gateways = planner::profile::NatGateways::Shared);
    let lines = planner::model::network::egress(&shared, 100.0, &book).unwrap();
    assert_eq!(cents(total(&lines)), 37.35);
}

/// PrivateLink pricing page: $0.01 per VPC endpoint per AZ per hour, $0.01 per GB for the
/// first PB. Three interface endpoints in two AZs for a month, 100 GB: 3 × 2 × 730 × $0.01 =
/// $43.80 plus $1.00.
#[test]
fn interface_endpoints_per_az_hour_and_data() {
    let n = network(|n| n.egress = planner::profile::Egress::VpcEndpoints);
    let lines = planner::model::network::egress(&n, 100.0, &book()).unwrap();
    assert!(lines.iter().all(|l| l.item == "vpc_endpoints"));
    assert_eq!(cents(total(&lines)), 44.80);
}

/// VPC pricing page, public IPv4: $0.005 per IP per hour, in use or idle. One address all
/// month: 730 × $0.005 = $3.65; a task running 10 minutes: 1/6 h, under a tenth of a cent.
#[test]
fn public_ipv4_per_address_hour() {
    use planner::pricing::keys;
    let price = book().price(keys::PUBLIC_IPV4).unwrap().clone();
    assert_eq!(cents(price.cost(730.0)), 3.65);
    assert!(price.cost(1.0 / 6.0) < 0.001);
}

/// Data transfer out to the internet (EC2 pricing page): $0.09 per GB for the first 10 TB,
/// $0.085 for the next 40 TB, $0.07 for the next 100 TB, $0.05 beyond (TB = 1,024 GB).
/// 200,000 GB: 10,240 × 0.09 + 40,960 × 0.085 + 102,400 × 0.07 + 46,400 × 0.05
/// = 921.60 + 3,481.60 + 7,168.00 + 2,320.00 = $13,891.20.
/// With the free 100 GB a month: 500 GB costs 400 × $0.09 = $36.00.
#[test]
fn data_transfer_out_tiers_and_free_100_gb() {
    let book = book();
    let lines = planner::model::network::transfer_out(200_000.0, 0.0, &book).unwrap();
    assert_eq!(cents(total(&lines)), 13_891.20);
    assert_eq!(book.free(planner::pricing::keys::DATA_TRANSFER_OUT), 100.0);
    let lines = planner::model::network::transfer_out(500.0, 100.0, &book).unwrap();
    assert_eq!(line_cents(&lines, "data_transfer"), 45.00);
    assert_eq!(line_cents(&lines, "free_tier"), -9.00);
    assert_eq!(cents(total(&lines)), 36.00);
}

/// A one-tier price for the Savings Plans example below.
fn flat(unit: &str, usd: f64) -> planner::pricing::Price {
    planner::pricing::Price {
        unit: unit.into(),
        tiers: vec![planner::pricing::Tier { upto: None, usd }],
        source: "AWS Savings Plans User Guide example (illustrative rates)".into(),
    }
}

/// AWS Savings Plans User Guide, "Understanding how Savings Plans apply to your usage"
/// (https://docs.aws.amazon.com/savingsplans/latest/userguide/sp-applying.html), the example
/// with illustrative rates: in one hour, 1× c5.9xlarge Linux (on demand $4.00, Compute
/// Savings Plans rate $2.00) and 10 vCPU and 5 GB of Fargate (vCPU $1.50 → $1.00, GB $2.00 →
/// $1.00), under a $25.00/hour 1-year Compute Savings Plan that covers all usage (scenario
/// 1, with a c5.24xlarge Windows at $8.00 that planner does not model). Covered usage pays
/// the plan's rate: $2.00 for the instance, $10.00 + $5.00 for Fargate; on demand the same
/// usage costs $4.00 and $15.00 + $10.00.
#[test]
fn savings_plans_user_guide_example_scenario_1() {
    use planner::model::fleet::search::Usage as Hours;
    use planner::model::{ec2, ecs};
    use planner::pricing::Instance;
    use planner::profile::Purchase;
    let c5 = Instance {
        arch: "x86_64".into(),
        vcpu: 36,
        memory_gib: 72.0,
        on_demand_hourly: 4.00,
        source: "example".into(),
        baseline_cpu_share: None,
        rates: Default::default(),
    };
    // One instance steady for the hour: all of it at the plan's rate.
    let hour = Hours {
        hours: 1.0,
        steady_hours: 1.0,
    };
    let lines = ec2::bill_bought(hour, &c5, Purchase::SavingsPlan1y, (2.00, "example"));
    assert_eq!(cents(total(&lines)), 2.00);
    assert_eq!(cents(ec2::bill(1.0, &c5).cost_usd), 4.00);

    // Fargate: 10 vCPU and 5 GB for the hour, as one task of that size.
    let (od_vcpu, od_gb) = (flat("vCPU-hour", 1.50), flat("GB-hour", 2.00));
    let (sp_vcpu, sp_gb) = (flat("vCPU-hour", 1.00), flat("GB-hour", 1.00));
    let prices = ecs::FargatePrices {
        vcpu: &od_vcpu,
        memory: &od_gb,
        storage: None,
        purchase: Purchase::SavingsPlan1y,
        committed: Some((&sp_vcpu, &sp_gb)),
        on_demand: (&od_vcpu, &od_gb),
    };
    let lines = ecs::bill_usage(hour, 10.0, 5.0, 20.0, &prices);
    let by_item = |item: &str| cents(lines.iter().find(|l| l.item == item).unwrap().cost_usd);
    assert_eq!((by_item("vcpu"), by_item("memory")), (10.00, 5.00));
    // With the Windows instance's $8.00, the hour's $25.00 commitment is used exactly.
    assert_eq!(cents(total(&lines) + 2.00 + 8.00), 25.00);

    // Usage above the steady baseline is billed on demand: a second hour of the same task
    // that the plan does not cover costs $15.00 + $10.00.
    let two = Hours {
        hours: 2.0,
        steady_hours: 1.0,
    };
    let lines = ecs::bill_usage(two, 10.0, 5.0, 20.0, &prices);
    assert_eq!(cents(total(&lines)), 15.00 + 25.00);
}
