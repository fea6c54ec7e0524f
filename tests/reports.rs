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
    clickstream => "clickstream",
    order_events => "order-events",
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

/// Each example's break-even names both sides (SPEC §5): the recommended option and the
/// other camp's cheapest, which is cheaper below and above; every recommended workload has
/// the sensitivity table.
#[test]
fn every_break_even_names_both_sides_and_every_report_has_the_sensitivity_table() {
    let labels = ["Lambda", "Step Functions", "ECS Fargate", "EC2"];
    for name in [
        "checkout-api",
        "webhook-receiver",
        "high-throughput-api",
        "image-fanout",
        "order-workflow",
        "marketplace",
        "clickstream",
    ] {
        let md = render(name, report::Format::Markdown);
        let lines: Vec<&str> = md
            .lines()
            .filter(|l| l.trim_start().starts_with("Break-even:"))
            .collect();
        assert!(!lines.is_empty(), "{name}: no break-even");
        for l in lines {
            let named = labels.iter().filter(|p| l.contains(*p)).count();
            assert!(named >= 2, "{name}: {l}");
            assert!(
                !l.contains("the two cheapest options"),
                "{name}: the old wording: {l}"
            );
        }
        assert!(md.contains(": what would change the answer"), "{name}");
        assert!(md.contains("| Input "), "{name}");
        let json: serde_json::Value =
            serde_json::from_str(&render(name, report::Format::Json)).unwrap();
        for w in json["workloads"].as_array().unwrap() {
            let r = &w["recommendation"];
            assert!(r.get("break_even").is_some(), "{name}: {r}");
            if let Some(b) = r["break_even"].as_object() {
                assert_ne!(b["cheaper_below"], b["cheaper_above"], "{name}");
                assert!(b["average_rps"].is_number());
            }
            assert!(!w["sensitivity"].as_array().unwrap().is_empty(), "{name}");
        }
    }
}

/// The high-throughput example's ECS and EC2 run within the near-tie band: reported as a
/// band, and the break-even is serverless against servers (Lambda against ECS Fargate).
#[test]
fn high_throughput_reports_the_fleets_band_not_their_crossing() {
    let md = render("high-throughput-api", report::Format::Markdown);
    assert!(
        md.contains("Near-tie: ECS Fargate and EC2 stay within 10% of each other "),
        "{md}"
    );
    assert!(
        md.contains("Break-even: below ")
            && md.contains(" Lambda is cheaper than ECS Fargate; above it, ECS Fargate"),
        "{md}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&render("high-throughput-api", report::Format::Json)).unwrap();
    let r = &json["workloads"][0]["recommendation"];
    assert_eq!(r["break_even"]["cheaper_below"], "lambda");
    assert_eq!(r["break_even"]["cheaper_above"], "ecs");
    assert_eq!(
        r["near_tie_band"]["platforms"],
        serde_json::json!(["ecs", "ec2"])
    );
}

/// Why Step Functions cannot serve a service is said once per report (in the assumptions),
/// not in full in every service's section.
#[test]
fn the_step_functions_front_end_reasoning_is_said_once() {
    let md = render("marketplace", report::Format::Markdown);
    assert_eq!(md.matches("orchestrates steps").count(), 1, "{md}");
    assert_eq!(
        md.matches("A state machine is not a request/response front end (see the assumptions).")
            .count(),
        2
    );
}

/// The whole bill: every priced option of every example profile has its CloudWatch Logs in
/// the JSON breakdown (ingestion in GB and storage in GB-month, item `logs`), the total adds
/// them, and the Markdown's assumptions say how logs are counted.
#[test]
fn every_priced_option_bills_its_logs() {
    for name in [
        "checkout-api",
        "webhook-receiver",
        "high-throughput-api",
        "image-fanout",
        "order-workflow",
        "marketplace",
        "clickstream",
    ] {
        let json: serde_json::Value =
            serde_json::from_str(&render(name, report::Format::Json)).unwrap();
        for w in json["workloads"].as_array().unwrap() {
            for o in w["options"].as_array().unwrap() {
                let lines = o["cost_breakdown"].as_array().unwrap();
                if lines.is_empty() {
                    continue; // not applicable to the kind
                }
                let units: Vec<&str> = lines
                    .iter()
                    .filter(|l| l["item"] == "logs")
                    .map(|l| l["unit"].as_str().unwrap())
                    .collect();
                assert_eq!(
                    units,
                    ["GB", "GB-month"],
                    "{name} {} {}",
                    w["name"],
                    o["platform"]
                );
            }
        }
        let md = render(name, report::Format::Markdown);
        // The clickstream logs a line per batch, not per record.
        let bytes = if name == "clickstream" { 8 } else { 256 };
        assert!(
            md.contains(&format!(
                "- CloudWatch Logs: the application logs {bytes} bytes a request"
            )),
            "{name}"
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

/// The shipped book prices a Compute Savings Plan where it has a rate (EC2 `m7g.large`, #12)
/// and leaves the rest unpriced, naming the key: it has no Lambda or arm64 Fargate rate.
#[test]
fn without_a_rate_in_the_book_a_commitment_cannot_be_priced() {
    let book = pricing::load("us-east-1", None).unwrap().book;
    let plan = committed_plan(&book);
    let options = &plan.workloads[0].options;
    let ec2 = &options[3];
    assert!(ec2.feasible, "{:?}", ec2.risks);
    for (o, key) in [
        (&options[0], "lambda.savings_plan_1y.duration.arm64"),
        (&options[2], "ecs.fargate_savings_plan_1y.vcpu.arm64"),
    ] {
        assert!(!o.feasible);
        assert!(o.risks[0].contains(key), "{:?}", o.risks);
    }
}

/// The fleets' near-tie band is reported only where it bears on the answer: a fleet is
/// recommended (high-throughput-api) or takes over at the break-even (checkout-api); not where
/// Lambda wins at every rate (marketplace's admin-api and seller-onboarding).
#[test]
fn the_fleets_band_is_reported_only_where_the_fleets_matter() {
    let json: serde_json::Value =
        serde_json::from_str(&render("marketplace", report::Format::Json)).unwrap();
    for w in json["workloads"].as_array().unwrap() {
        if w["name"] == "admin-api" || w["name"] == "seller-onboarding" {
            assert!(
                w["recommendation"]["near_tie_band"].is_null(),
                "{}",
                w["name"]
            );
        }
    }
    let md = render("marketplace", report::Format::Markdown);
    assert!(!md.contains("Near-tie:"), "{md}");
    let md = render("high-throughput-api", report::Format::Markdown);
    assert!(md.contains("Near-tie: ECS Fargate and EC2"), "{md}");
}

/// A break-even past which the other camp's option misses a limit or the SLO does not flip
/// the answer, and the report says so: order-events' EC2 workers cannot scale out before the
/// backlog ages past the SLO at 302 msg/s, and webhook-receiver's ECS sheds its spikes at
/// 53 req/s. Before, both reports said "above it, EC2" (or ECS) as if it took over there.
#[test]
fn a_break_even_past_which_the_other_option_is_infeasible_says_so() {
    for name in ["order-events", "webhook-receiver"] {
        let json: serde_json::Value =
            serde_json::from_str(&render(name, report::Format::Json)).unwrap();
        let be = &json["workloads"][0]["recommendation"]["break_even"];
        assert_eq!(be["above_feasible"], false, "{name}: {be}");
        assert_eq!(be["below_feasible"], true, "{name}: {be}");
        let md = render(name, report::Format::Markdown);
        assert!(md.contains("is not feasible just above it"), "{name}: {md}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&render("checkout-api", report::Format::Json)).unwrap();
    let be = &json["workloads"][0]["recommendation"]["break_even"];
    assert_eq!(
        (&be["below_feasible"], &be["above_feasible"]),
        (&serde_json::json!(true), &serde_json::json!(true)),
        "{be}"
    );
}

/// A queue its consumers cannot keep up with (order-events at 900,000 msg/s): the backlog
/// grows day after day, so no option's message age has a bound. The report says
/// "unbounded" rather than the age after the walk's second day (some 650 days), the JSON
/// marks the options `backlog_grows` (its p99 stays a finite number), and a Lambda batch
/// still holds at most `batch_size` messages.
#[test]
fn a_backlog_that_grows_day_after_day_reads_unbounded() {
    let text = std::fs::read_to_string("profiles/order-events.yaml")
        .unwrap()
        .replace("rps: 40,", "rps: 900000,");
    let profile = profile::parse(&text, Path::new("huge.yaml")).unwrap();
    let book = pricing::load(&profile.region, None).unwrap();
    let plan = model::plan(&profile, &book.book, &book.provenance());
    let md = report::render(&plan, report::Format::Markdown);
    // The summary's rows of the three options evaluated (Step Functions has none for a queue).
    let rows: Vec<&str> = md
        .lines()
        .skip_while(|l| !l.starts_with("| Workload"))
        .take_while(|l| l.starts_with('|'))
        .filter(|l| {
            ["Lambda", "ECS Fargate", "EC2"]
                .iter()
                .any(|p| l.contains(&format!("| {p} ")))
        })
        .collect();
    assert_eq!(rows.len(), 3, "{md}");
    for row in rows {
        assert!(row.contains("| unbounded |"), "{row}");
    }
    assert!(
        md.contains("message age unbounded (the backlog grows day after day)"),
        "{md}"
    );
    assert!(md.contains("p99 message age grows without bound, missing the 30 s SLO."));
    assert!(!md.contains("days misses the"), "{md}");
    let json: serde_json::Value =
        serde_json::from_str(&report::render(&plan, report::Format::Json)).unwrap();
    let options = json["workloads"][0]["options"].as_array().unwrap();
    let growing: Vec<&str> = options
        .iter()
        .filter(|o| o["config"]["backlog_grows"] == true)
        .map(|o| o["platform"].as_str().unwrap())
        .collect();
    assert_eq!(growing, ["lambda", "ecs", "ec2"]);
    for o in options
        .iter()
        .filter(|o| o["config"]["backlog_grows"] == true)
    {
        assert!(o["latency_ms"]["p99"].as_f64().unwrap().is_finite());
    }
    assert_eq!(options[0]["config"]["mean_batch"], 10.0);
}

/// The fleet search counts the stream a unit size needs: a KCL record processor holds one
/// shard and handles its records one at a time, so a unit that handles a record faster needs
/// fewer provisioned shards. A 50 records/s stream on ECS: two 0.5-vCPU tasks (6 ms a record,
/// 2 shards) cost $169.44 a month, three 0.25-vCPU tasks (10 ms, 3 shards) $183.12 though
/// their compute is cheaper; the search chose the latter when it weighed compute alone.
#[test]
fn the_fleet_search_counts_the_shards_a_unit_size_needs() {
    let text = std::fs::read_to_string("profiles/clickstream.yaml")
        .unwrap()
        .replace("rps: 3000,", "rps: 50,")
        .replace("min_tasks: 30, ", "");
    let profile = profile::parse(&text, Path::new("small-stream.yaml")).unwrap();
    let book = pricing::load(&profile.region, None).unwrap().book;
    let w = &profile.workloads[0];
    let d = model::Demand::in_profile(w, model::billing::FreeTier::none(), &profile);
    let auto = model::evaluate(model::Platform::Ecs, &d, &profile.platforms, &book);
    let mut quarter = profile.platforms.clone();
    quarter.ecs.vcpu = planner::profile::AutoOr::Fixed(0.25);
    let small = model::evaluate(model::Platform::Ecs, &d, &quarter, &book);
    assert!(auto.feasible && small.feasible);
    assert_eq!(auto.config["vcpu"], 0.5, "{:?}", auto.config);
    assert_eq!(
        (
            auto.config["shards"].clone(),
            small.config["shards"].clone()
        ),
        (2.into(), 3.into())
    );
    assert!(
        auto.monthly_cost_usd + 10.0 < small.monthly_cost_usd,
        "{} vs {}",
        auto.monthly_cost_usd,
        small.monthly_cost_usd
    );
}
