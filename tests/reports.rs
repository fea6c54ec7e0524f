#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Snapshot tests of the Markdown and JSON reports for every example profile: any change in
//! a modelled figure shows up here for review (`cargo insta review`, or `INSTA_UPDATE=always`
//! and read the diff).

use planner::{model, pricing, profile, report};
use std::path::Path;

fn render(name: &str, format: report::Format) -> String {
    let path = format!("profiles/{name}.yaml");
    let profile = profile::load(Path::new(&path)).unwrap();
    let book = pricing::load(&profile.region, None).unwrap();
    let plan = model::plan(&profile, &book.book, &book.provenance());
    report::render(&plan, format)
}

macro_rules! report_snapshots {
    ($($test:ident => $name:literal),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                let md = render($name, report::Format::Markdown);
                insta::assert_snapshot!(concat!($name, ".md"), md);
                let json = render($name, report::Format::Json);
                insta::assert_snapshot!(concat!($name, ".json"), json);
                // Deterministic: the same inputs give the same bytes.
                assert_eq!(md, render($name, report::Format::Markdown));
            }
        )*
    };
}

report_snapshots! {
    checkout_api => "checkout-api",
    webhook_receiver => "webhook-receiver",
    high_throughput_api => "high-throughput-api",
    image_fanout => "image-fanout",
    order_workflow => "order-workflow",
    marketplace => "marketplace",
}

#[test]
fn every_example_profile_has_a_snapshot_test() {
    let mut names: Vec<String> = std::fs::read_dir("profiles")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let source = include_str!("reports.rs");
    for name in names {
        assert!(
            source.contains(&format!("=> \"{name}\"")),
            "no snapshot test for {name}"
        );
    }
}

/// The built-in us-east-1 book with TEST Compute Savings Plan rates (not AWS's figures: the
/// shipped book has none with a source) for m7g.large, arm64 Fargate and arm64 Lambda duration.
fn book_with_savings_plans() -> pricing::PriceBook {
    use planner::profile::{Architecture, Purchase};
    let mut book = pricing::load("us-east-1", None).unwrap().book;
    book.instances.get_mut("m7g.large").unwrap().rates.insert(
        "savings_plan_1y".into(),
        pricing::Rate {
            hourly: 0.0612,
            source: "test rate".into(),
        },
    );
    for (key, usd) in [
        (
            pricing::keys::lambda_savings_plan(
                "duration",
                Architecture::Arm64,
                Purchase::SavingsPlan1y,
            ),
            0.0000113334,
        ),
        (
            pricing::keys::fargate_vcpu(Architecture::Arm64, Purchase::SavingsPlan1y),
            0.02590,
        ),
        (
            pricing::keys::fargate_memory(Architecture::Arm64, Purchase::SavingsPlan1y),
            0.002848,
        ),
    ] {
        book.prices.insert(
            key,
            pricing::Price {
                unit: "hour".into(),
                tiers: vec![pricing::Tier { upto: None, usd }],
                source: "test rate".into(),
            },
        );
    }
    book
}

fn committed_plan(book: &pricing::PriceBook) -> model::Plan {
    let profile =
        profile::load(Path::new("tests/fixtures/profiles/valid/commitment.yaml")).unwrap();
    let provenance = pricing::load("us-east-1", None).unwrap().provenance();
    model::plan(&profile, book, &provenance)
}

#[test]
fn a_commitment_prices_the_fleets_and_shows_on_demand_beside_it() {
    let plan = committed_plan(&book_with_savings_plans());
    let json: serde_json::Value =
        serde_json::from_str(&report::render(&plan, report::Format::Json)).unwrap();
    let options = json["workloads"][0]["options"].as_array().unwrap();
    for platform in ["lambda", "ecs", "ec2"] {
        let o = options.iter().find(|o| o["platform"] == platform).unwrap();
        assert_eq!(o["feasible"], true, "{platform}: {}", o["risks"]);
        assert_eq!(o["purchase"], "savings_plan_1y", "{platform}");
        let cost = o["monthly_cost_usd"].as_f64().unwrap();
        assert_eq!(o["committed_monthly_cost_usd"].as_f64().unwrap(), cost);
        let on_demand = o["on_demand_monthly_cost_usd"].as_f64().unwrap();
        assert!(cost < on_demand, "{platform}: {cost} vs {on_demand}");
        // A diurnal curve: the plan covers the baseline only, not every hour.
        let share = o["committed_share"].as_f64().unwrap();
        assert!(share > 0.0 && share < 1.0, "{platform}: {share}");
    }
    // Step Functions has no purchase options: no purchase fields.
    let sfn = options
        .iter()
        .find(|o| o["platform"] == "step_functions")
        .unwrap();
    assert!(sfn.get("purchase").is_none());

    let md = report::render(&plan, report::Format::Markdown);
    assert!(md.contains("| Bought as "), "{md}");
    assert!(md.contains("On demand [$/mo]"), "{md}");
    assert!(
        md.contains(
            "**Bought as:** 1-year Compute Savings Plan (no upfront), sized to the steady baseline"
        ),
        "{md}"
    );
    assert!(md.contains("Priced with"), "{md}");
}

#[test]
fn without_a_rate_in_the_book_a_commitment_cannot_be_priced() {
    let book = pricing::load("us-east-1", None).unwrap().book;
    let plan = committed_plan(&book);
    let ec2 = &plan.workloads[0].options[3];
    assert!(!ec2.feasible);
    assert!(
        ec2.risks[0].contains("ec2.savings_plan_1y.m7g.large"),
        "{:?}",
        ec2.risks
    );
}
