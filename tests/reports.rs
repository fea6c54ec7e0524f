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
        assert!(
            md.contains("- CloudWatch Logs: the application logs 256 bytes a request"),
            "{name}"
        );
    }
}
