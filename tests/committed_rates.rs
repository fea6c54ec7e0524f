#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! #12 rates: the shipped us-east-1 book carries Compute Savings Plans rates (Fargate
//! Linux/x86, EC2 `m7g.large`), so `purchase: savings_plan_1y` / `savings_plan_3y` on those
//! is priced and feasible (`status: ok`) with the book's rate applied, worked here by hand.
//! What the book still lacks stays `unpriced`, naming the key.

use planner::pricing::keys;
use planner::profile::{Architecture, Purchase};
use planner::{model, pricing, profile, report};
use std::path::Path;

mod report_json;
use report_json::{cents, line, option};

/// A steady service the fleets serve at their minimum: 2 Fargate tasks of 0.5 vCPU / 1 GB
/// (Linux/x86) and 2 `m7g.large`, all month, so every unit-hour is baseline and all of it is
/// billed at the committed rate.
fn profile_text(purchase: &str) -> String {
    format!(
        "version: 1
name: Committed steady API
workloads:
  - name: api
    kind: service
    traffic: {{ rps: 5, shape: flat }}
    request: {{ duration_ms: 50, cpu_ms: 5, memory_mb: 128 }}
platforms:
  lambda: {{ architecture: x86_64, purchase: {lambda} }}
  step_functions: {{ enabled: false }}
  ecs: {{ architecture: x86_64, vcpu: 0.5, memory_gb: 1, min_tasks: 2, ingress: none,
         purchase: {ecs} }}
  ec2: {{ instance_type: m7g.large, min_instances: 2, ingress: none, purchase: {purchase} }}
",
        // Lambda and Fargate offer only some options: on demand where they do not.
        lambda = if purchase.starts_with("savings_plan") {
            purchase
        } else {
            "on_demand"
        },
        ecs = if purchase.starts_with("reserved") {
            "on_demand"
        } else {
            purchase
        },
    )
}

fn report_json(purchase: &str) -> serde_json::Value {
    let profile = profile::parse(&profile_text(purchase), Path::new("committed.yaml")).unwrap();
    let book = pricing::load("us-east-1", None).unwrap();
    let plan = model::plan(&profile, &book.book, &book.provenance());
    serde_json::from_str(&report::render(&plan, report::Format::Json)).unwrap()
}

/// By hand, from the book's rates (us-east-1, Compute Savings Plans, no upfront; see the
/// `source` of each in `pricing-cache/us-east-1.yaml`): a 730-hour month of 2 tasks is 730
/// vCPU-hours and 1,460 GB-hours; of 2 instances, 1,460 instance-hours.
///
/// | purchase        | Fargate vCPU            | Fargate GB               | m7g.large             |
/// |-----------------|-------------------------|--------------------------|-----------------------|
/// | savings_plan_1y | 730 × $0.032384 = 23.64 | 1460 × $0.003556 = 5.19  | 1460 × $0.0599 = 87.45 |
/// | savings_plan_3y | 730 × $0.022264 = 16.25 | 1460 × $0.00244475 = 3.57 | 1460 × $0.0414 = 60.44 |
/// | on demand       | 730 × $0.04048 = 29.55  | 1460 × $0.004445 = 6.49  | 1460 × $0.0816 = 119.14 |
#[test]
fn savings_plans_on_fargate_x86_and_m7g_large_are_priced_at_the_book_rates() {
    for (purchase, (vcpu, vcpu_rate), (memory, gb_rate), (instances, ec2_rate)) in [
        (
            "savings_plan_1y",
            (23.64, 0.032384),
            (5.19, 0.003556),
            (87.45, 0.0599),
        ),
        (
            "savings_plan_3y",
            (16.25, 0.022264),
            (3.57, 0.00244475),
            (60.44, 0.0414),
        ),
    ] {
        // The rates worked with above are the book's.
        let book = pricing::load("us-east-1", None).unwrap().book;
        let p = Purchase::parse(purchase).unwrap();
        let price = |key: String| book.prices[&key].tiers[0].usd;
        assert_eq!(
            price(keys::fargate_vcpu(Architecture::X86_64, p)),
            vcpu_rate
        );
        assert_eq!(
            price(keys::fargate_memory(Architecture::X86_64, p)),
            gb_rate
        );
        assert_eq!(book.instances["m7g.large"].rate(p).unwrap().0, ec2_rate);

        let json = report_json(purchase);
        let ecs = option(&json, "ecs");
        assert_eq!(ecs["status"], "ok", "{purchase}: {}", ecs["risks"]);
        assert_eq!(ecs["purchase"], purchase);
        assert_eq!(ecs["committed_share"].as_f64().unwrap(), 1.0, "{purchase}");
        let (q, usd) = line(ecs, "vcpu");
        assert!((q - 730.0).abs() < 1e-6, "{purchase}: {q} vCPU-hours");
        assert_eq!(cents(usd), vcpu, "{purchase}");
        let (q, usd) = line(ecs, "memory");
        assert!((q - 1460.0).abs() < 1e-6, "{purchase}: {q} GB-hours");
        assert_eq!(cents(usd), memory, "{purchase}");

        let ec2 = option(&json, "ec2");
        assert_eq!(ec2["status"], "ok", "{purchase}: {}", ec2["risks"]);
        assert_eq!(ec2["purchase"], purchase);
        assert_eq!(ec2["committed_share"].as_f64().unwrap(), 1.0, "{purchase}");
        let (q, usd) = line(ec2, "instances");
        assert!((q - 1460.0).abs() < 1e-6, "{purchase}: {q} instance-hours");
        assert_eq!(cents(usd), instances, "{purchase}");
        // The same fleets on demand, beside them (the JSON rounds both totals to the cent):
        // the plan saves 1,460 h × ($0.0816 − rate) on EC2, and on Fargate 730 × ($0.04048 −
        // vCPU rate) + 1,460 × ($0.004445 − GB rate).
        let saved = |o: &serde_json::Value| {
            o["on_demand_monthly_cost_usd"].as_f64().unwrap()
                - o["monthly_cost_usd"].as_f64().unwrap()
        };
        assert!(
            (saved(ec2) - 1460.0 * (0.0816 - ec2_rate)).abs() < 0.011,
            "{purchase}: {}",
            saved(ec2)
        );
        assert!(
            (saved(ecs) - 730.0 * (0.04048 - vcpu_rate) - 1460.0 * (0.004445 - gb_rate)).abs()
                < 0.011,
            "{purchase}: {}",
            saved(ecs)
        );
    }
}

/// No citable Lambda Savings Plans rate, Reserved Instance or EC2 Spot rate is in the shipped
/// book: those purchases stay `unpriced` (never `infeasible`), naming the key to enter.
#[test]
fn what_the_book_lacks_stays_unpriced_naming_the_key() {
    let json = report_json("savings_plan_1y");
    let lambda = option(&json, "lambda");
    assert_eq!(lambda["status"], "unpriced");
    assert!(
        lambda["risks"]
            .to_string()
            .contains("lambda.savings_plan_1y.duration.x86_64"),
        "{}",
        lambda["risks"]
    );
    for (purchase, key) in [
        ("reserved_1y", "ec2.reserved_1y.m7g.large"),
        ("spot", "ec2.spot.m7g.large"),
    ] {
        let json = report_json(purchase);
        let ec2 = option(&json, "ec2");
        assert_eq!(ec2["status"], "unpriced", "{purchase}");
        assert!(ec2["risks"].to_string().contains(key), "{}", ec2["risks"]);
    }
}
