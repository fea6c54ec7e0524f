//! Report tests: file snapshots of the Markdown and JSON for three fixture plans, plus
//! structural checks (SPEC §6 keys, escaping, whitespace, determinism).

use std::collections::BTreeSet;

use serde_json::Value;

use super::fixtures::{fanout_plan, infeasible_plan, service_plan};
use super::{Format, json, markdown, render};
use crate::model::Plan;

fn plans() -> Vec<(&'static str, Plan)> {
    vec![
        ("service", service_plan()),
        ("fanout", fanout_plan()),
        ("infeasible", infeasible_plan()),
    ]
}

#[test]
fn markdown_snapshots() {
    for (name, plan) in plans() {
        insta::assert_snapshot!(format!("{name}_markdown"), markdown(&plan));
    }
}

#[test]
fn json_snapshots() {
    for (name, plan) in plans() {
        insta::assert_snapshot!(format!("{name}_json"), json(&plan));
    }
}

#[test]
fn render_dispatches_on_format() {
    let plan = service_plan();
    assert_eq!(render(&plan, Format::Markdown), markdown(&plan));
    assert_eq!(render(&plan, Format::Json), json(&plan));
    assert_eq!(Format::from_id("json"), Some(Format::Json));
    assert_eq!(Format::from_id("markdown"), Some(Format::Markdown));
    assert_eq!(Format::from_id("html"), None);
    assert_eq!(Format::default(), Format::Markdown);
}

#[test]
fn output_is_deterministic() {
    for (_, plan) in plans() {
        assert_eq!(markdown(&plan), markdown(&plan.clone()));
        assert_eq!(json(&plan), json(&plan.clone()));
    }
}

#[test]
fn no_trailing_spaces_and_one_final_newline() {
    for (name, plan) in plans() {
        for (fmt, text) in [("markdown", markdown(&plan)), ("json", json(&plan))] {
            assert!(text.ends_with('\n'), "{name} {fmt}: no final newline");
            assert!(
                !text.ends_with("\n\n"),
                "{name} {fmt}: blank line at the end"
            );
            for (i, line) in text.lines().enumerate() {
                assert_eq!(
                    line,
                    line.trim_end(),
                    "{name} {fmt}: trailing whitespace on line {}",
                    i + 1
                );
            }
        }
    }
}

#[test]
fn pipe_in_workload_name_is_escaped_in_tables() {
    let md = markdown(&infeasible_plan());
    let rows: Vec<&str> = md.lines().filter(|l| l.starts_with("| legacy")).collect();
    assert_eq!(
        rows.len(),
        1,
        "the name heads the workload's first summary row"
    );
    assert!(rows[0].starts_with("| legacy \\| batch "), "{}", rows[0]);
    // Every table row has the same number of unescaped separators as its header.
    for table in md.split("\n\n").filter(|b| b.starts_with('|')) {
        let counts: BTreeSet<usize> = table
            .lines()
            .map(|l| l.replace("\\|", "").matches('|').count())
            .collect();
        assert_eq!(counts.len(), 1, "ragged table:\n{table}");
    }
}

#[test]
fn tables_line_up() {
    for (name, plan) in plans() {
        let md = markdown(&plan);
        for table in md.split("\n\n").filter(|b| b.starts_with('|')) {
            let widths: BTreeSet<usize> = table.lines().map(|l| l.chars().count()).collect();
            assert_eq!(
                widths.len(),
                1,
                "{name}: table rows differ in width:\n{table}"
            );
        }
    }
}

#[test]
fn markdown_has_the_spec_sections() {
    let md = markdown(&service_plan());
    for heading in [
        "# Concurrency plan: Checkout API",
        "## Summary",
        "## Recommendation",
        "## Workload: checkout-api",
        "### Lambda: $52.02/mo, ✓ feasible",
        "### Step Functions: ✗ not feasible",
        "## Assumptions",
        "## Price book",
    ] {
        assert!(md.lines().any(|l| l == heading), "missing {heading:?}");
    }
    assert!(md.contains("```mermaid\n---\nconfig:"));
    assert!(md.contains("xychart-beta\n"));
    assert!(!md.contains("line \"Step Functions\""));
    assert!(
        !md.contains("line \"EC2\""),
        "EC2 is infeasible at 1,000 req/s"
    );
}

#[test]
fn markdown_states_why_nothing_is_feasible() {
    let md = markdown(&infeasible_plan());
    assert!(md.contains("no feasible option. No option meets the SLO"));
    assert!(md.contains(
        "No priced platform is feasible at any of these rates: there is nothing to chart."
    ));
    assert!(md.contains(
        "Not feasible at any of these rates: Lambda, Step Functions, ECS Fargate. \
             Not priced (see the warning above): EC2."
    ));
    // Feasible at one rate only: no line, but the point stays, in the table.
    let mut plan = infeasible_plan();
    plan.workloads[0].cost_curve.series[0].1[1] = Some(12.5);
    let md = markdown(&plan);
    assert!(
        md.contains("No platform is feasible at every rate, so no line is drawn"),
        "{md}"
    );
    assert!(md.contains(" 12.50 |"), "{md}");
    assert!(!md.contains("```mermaid"));
}

/// EC2 is feasible at three of the four rates: its line cannot be drawn without a gap in a
/// Mermaid xychart, so it is not drawn, but its three points stay, in the table under the
/// chart, with a gap where it is not feasible.
#[test]
fn a_chart_with_a_partly_infeasible_line_keeps_its_points() {
    let md = markdown(&service_plan());
    assert!(md.contains("line \"Lambda\""), "{md}");
    assert!(!md.contains("line \"EC2\""), "{md}");
    assert!(
        md.contains("Not drawn as a line, feasible at some rates only (a Mermaid xychart cannot leave gaps): EC2; its points are in the table."),
        "{md}"
    );
    let row = |rate: &str| {
        md.lines()
            .find(|l| l.starts_with('|') && l.split('|').nth(1).is_some_and(|c| c.trim() == rate))
            .unwrap_or_default()
            .to_string()
    };
    assert!(row("100").ends_with(" 135.60 |"), "{}", row("100"));
    assert!(row("1,000").ends_with(" — |"), "{}", row("1,000"));
    assert!(md.contains("—: not feasible at that rate."));
}

/// The break-even names both options and which is cheaper on each side; the sensitivity
/// table lists each flip, a bracketed one as a range, and an input without one says so.
#[test]
fn markdown_names_the_break_even_sides_and_the_sensitivity() {
    let md = markdown(&service_plan());
    assert!(
        md.contains(
            "Break-even: below 62.8 req/s Lambda is cheaper than ECS Fargate; above it, ECS \
             Fargate (this profile: 49.5 req/s)."
        ),
        "{md}"
    );
    assert!(md.contains("### checkout-api: what would change the answer"));
    assert!(md.contains("| average rate [req/s]"), "{md}");
    assert!(md.contains("| nothing feasible |"), "{md}");
    assert!(md.contains("240–540"), "{md}");
    assert!(md.contains("no flip within ×1–×10"), "{md}");
    let root: Value = serde_json::from_str(&json(&service_plan())).unwrap_or(Value::Null);
    let r = &root["workloads"][0]["recommendation"];
    assert_eq!(r["break_even"]["cheaper_below"], "lambda");
    assert_eq!(r["break_even"]["cheaper_above"], "ecs");
    assert_eq!(r["break_even"]["average_rps"], 62.75);
    assert_eq!(r["compared_with"], "ecs");
    let s = &root["workloads"][0]["sensitivity"][0];
    assert_eq!(s["input"], "average_rps");
    assert_eq!(s["up"]["to"], "ecs");
}

#[test]
fn fanout_shows_makespan() {
    let md = markdown(&fanout_plan());
    assert!(md.contains("makespan 8.0 s per run"));
    assert!(md.contains("makespan 200.0 s per run"));
    // The headroom against the deadline and its margin.
    assert!(md.contains(
        "makespan 8.0 s per run of the 120.0 s deadline (10.0% kept free: 108.0 s usable), 100.0 s to spare"
    ));
    assert!(md.contains("makespan 200.0 s per run of the 120.0 s deadline (10.0% kept free: 108.0 s usable), 92.0 s over"));
    let json = json(&fanout_plan());
    assert!(json.contains("\"deadline_s\": 120.0"), "{json}");
    assert!(json.contains("\"deadline_margin\": 0.1"), "{json}");
    assert!(md.contains("[items/s]"));
}

const TOP: &[&str] = &["profile", "region", "pricing", "workloads"];
const TOP_EXTRA: &[&str] = &["free_tier", "assumptions", "not_included", "missing_prices"];
const PRICING: &[&str] = &["source", "as_of"];
const PRICING_EXTRA: &[&str] = &["cited"];
const WORKLOAD: &[&str] = &["name", "kind", "options", "recommendation"];
const WORKLOAD_EXTRA: &[&str] = &["average_rps", "cost_curve", "notes", "sensitivity"];
const OPTION: &[&str] = &[
    "platform",
    "status",
    "feasible",
    "monthly_cost_usd",
    "cost_breakdown",
    "config",
    "throughput_rps",
    "capacity",
    "latency_ms",
    "risks",
];
const OPTION_EXTRA: &[&str] = &[
    "throttled_share",
    "makespan_s",
    "deadline_s",
    "deadline_margin",
];
const LINE_ITEM: &[&str] = &["item", "quantity", "unit", "unit_price_usd", "cost_usd"];
const LINE_ITEM_EXTRA: &[&str] = &["source"];
const CAPACITY: &[&str] = &["peak", "unit"];
const LATENCY: &[&str] = &["p50", "p99"];
const RECOMMENDATION: &[&str] = &["platform", "reason", "break_even"];
const RECOMMENDATION_EXTRA: &[&str] = &["compared_with", "near_tie_band"];

/// Asserts that `v` is an object holding every SPEC key and otherwise only documented extras.
fn keys<'a>(
    v: &'a Value,
    spec: &[&str],
    extra: &[&str],
    at: &str,
) -> &'a serde_json::Map<String, Value> {
    let Some(obj) = v.as_object() else {
        panic!("{at}: not an object: {v}");
    };
    let have: BTreeSet<&str> = obj.keys().map(String::as_str).collect();
    for k in spec {
        assert!(have.contains(k), "{at}: missing SPEC key {k:?}");
    }
    for k in &have {
        assert!(
            spec.contains(k) || extra.contains(k),
            "{at}: undocumented key {k:?}"
        );
    }
    obj
}

fn num(v: &Value, at: &str) {
    assert!(v.is_number(), "{at}: not a number: {v}");
}

fn string(v: &Value, at: &str) {
    assert!(v.is_string(), "{at}: not a string: {v}");
}

#[test]
fn json_has_exactly_the_spec_keys() {
    for (name, plan) in plans() {
        let text = json(&plan);
        let root: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => panic!("{name}: invalid JSON: {e}"),
        };
        let top = keys(&root, TOP, TOP_EXTRA, name);
        string(&top["profile"], "profile");
        string(&top["region"], "region");
        let pricing = keys(&top["pricing"], PRICING, PRICING_EXTRA, "pricing");
        string(&pricing["source"], "pricing.source");
        string(&pricing["as_of"], "pricing.as_of");
        let workloads = top["workloads"].as_array().cloned().unwrap_or_default();
        assert!(!workloads.is_empty(), "{name}: no workloads");
        for w in &workloads {
            let wo = keys(w, WORKLOAD, WORKLOAD_EXTRA, "workload");
            string(&wo["name"], "workload.name");
            string(&wo["kind"], "workload.kind");
            let options = wo["options"].as_array().cloned().unwrap_or_default();
            let platforms: Vec<&str> = options
                .iter()
                .filter_map(|o| o["platform"].as_str())
                .collect();
            assert_eq!(platforms, ["lambda", "step_functions", "ecs", "ec2"]);
            for o in &options {
                let oo = keys(o, OPTION, OPTION_EXTRA, "option");
                assert!(oo["feasible"].is_boolean());
                let status = oo["status"].as_str().unwrap_or_default();
                assert!(
                    ["ok", "infeasible", "unpriced", "disabled"].contains(&status),
                    "{status}"
                );
                assert_eq!(oo["feasible"], status == "ok", "{o}");
                // A number for an evaluated option, null for one that has no figures.
                let figure = |v: &Value, at: &str| {
                    if !v.is_null() {
                        num(v, at);
                    }
                    if ["unpriced", "disabled"].contains(&status) {
                        assert!(v.is_null(), "{at} of a {status} option: {v}");
                    }
                };
                figure(&oo["monthly_cost_usd"], "monthly_cost_usd");
                num(&oo["throughput_rps"], "throughput_rps");
                assert!(oo["config"].is_object());
                assert!(
                    oo["risks"]
                        .as_array()
                        .is_some_and(|r| r.iter().all(Value::is_string))
                );
                let cap = keys(&oo["capacity"], CAPACITY, &[], "capacity");
                num(&cap["peak"], "capacity.peak");
                string(&cap["unit"], "capacity.unit");
                let lat = keys(&oo["latency_ms"], LATENCY, &[], "latency_ms");
                figure(&lat["p50"], "p50");
                figure(&lat["p99"], "p99");
                for l in oo["cost_breakdown"].as_array().cloned().unwrap_or_default() {
                    let lo = keys(&l, LINE_ITEM, LINE_ITEM_EXTRA, "cost_breakdown[]");
                    string(&lo["item"], "item");
                    num(&lo["quantity"], "quantity");
                    string(&lo["unit"], "unit");
                    num(&lo["unit_price_usd"], "unit_price_usd");
                    num(&lo["cost_usd"], "cost_usd");
                }
            }
            let rec = keys(
                &wo["recommendation"],
                RECOMMENDATION,
                RECOMMENDATION_EXTRA,
                "recommendation",
            );
            assert!(rec["platform"].is_string() || rec["platform"].is_null());
            string(&rec["reason"], "reason");
        }
    }
}

#[test]
fn json_recommendation_is_null_when_nothing_is_feasible() {
    let root: Value = serde_json::from_str(&json(&infeasible_plan())).unwrap_or(Value::Null);
    assert_eq!(
        root["workloads"][0]["recommendation"]["platform"],
        Value::Null
    );
    assert_eq!(root["workloads"][0]["name"], "legacy | batch");
}

#[test]
fn json_rounds_money_to_cents_and_keeps_unit_prices() {
    let root: Value = serde_json::from_str(&json(&service_plan())).unwrap_or(Value::Null);
    let lambda = &root["workloads"][0]["options"][0];
    assert_eq!(lambda["monthly_cost_usd"], 52.02);
    assert_eq!(lambda["cost_breakdown"][1]["unit_price_usd"], 0.0000133334);
    assert_eq!(lambda["cost_breakdown"][1]["cost_usd"], 26.0);
}

/// Each status and its figures in the JSON: `ok` and an evaluated `infeasible` option have
/// numbers; an unpriced, disabled or not-applicable option has `null` cost and latencies.
#[test]
fn json_status_and_null_figures_per_status() {
    let option = |plan: &Plan, p: &str| -> Value {
        let root: Value = serde_json::from_str(&json(plan)).unwrap_or(Value::Null);
        root["workloads"][0]["options"]
            .as_array()
            .and_then(|o| o.iter().find(|o| o["platform"] == p).cloned())
            .unwrap_or(Value::Null)
    };
    let nulls = |o: &Value| {
        [
            o["monthly_cost_usd"].is_null(),
            o["latency_ms"]["p50"].is_null(),
            o["latency_ms"]["p99"].is_null(),
        ]
    };
    // ok: figures.
    let lambda = option(&service_plan(), "lambda");
    assert_eq!(
        (&lambda["status"], &lambda["feasible"]),
        (&"ok".into(), &true.into())
    );
    assert_eq!(nulls(&lambda), [false; 3]);
    // Not applicable to the kind: infeasible, no figures.
    let sfn = option(&service_plan(), "step_functions");
    assert_eq!(sfn["status"], "infeasible");
    assert_eq!(nulls(&sfn), [true; 3]);
    // Evaluated and infeasible: figures.
    let lambda = option(&infeasible_plan(), "lambda");
    assert_eq!(
        (&lambda["status"], &lambda["feasible"]),
        (&"infeasible".into(), &false.into())
    );
    assert_eq!(nulls(&lambda), [false; 3]);
    // Unpriced and disabled: no figures, never feasible.
    let ec2 = option(&infeasible_plan(), "ec2");
    assert_eq!(
        (&ec2["status"], &ec2["feasible"]),
        (&"unpriced".into(), &false.into())
    );
    assert_eq!(nulls(&ec2), [true; 3]);
    let ec2 = option(&fanout_plan(), "ec2");
    assert_eq!(
        (&ec2["status"], &ec2["feasible"]),
        (&"disabled".into(), &false.into())
    );
    assert_eq!(nulls(&ec2), [true; 3]);
    // The missing figure, named at the top.
    let root: Value = serde_json::from_str(&json(&infeasible_plan())).unwrap_or(Value::Null);
    assert_eq!(root["missing_prices"][0]["key"], "instances");
    assert_eq!(root["missing_prices"][0]["options"][0]["platform"], "ec2");
    let none: Value = serde_json::from_str(&json(&service_plan())).unwrap_or(Value::Null);
    assert_eq!(none["missing_prices"], Value::Array(Vec::new()));
    assert!(
        none["not_included"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
    );
}

#[test]
fn markdown_banners_unpriced_options_and_lists_what_is_not_included() {
    let md = markdown(&infeasible_plan());
    let banner = md
        .find("> **Warning: some options could not be priced.**")
        .unwrap_or(usize::MAX);
    assert!(banner < md.find("## Summary").unwrap_or(0), "{md}");
    assert!(
        md.contains("> - `instances` (EC2 on-demand Linux prices"),
        "{md}"
    );
    assert!(
        md.contains("`planner pricing refresh --region us-west-2`"),
        "{md}"
    );
    assert!(md.contains("### EC2: unpriced"), "{md}");
    assert!(md.contains("**Why it is not priced:**"), "{md}");
    // The summary shows the status in place of a cost.
    assert!(
        md.lines()
            .any(|l| l.contains("| EC2 ") && l.contains("unpriced") && l.contains("—")),
        "{md}"
    );
    let fanout = markdown(&fanout_plan());
    assert!(
        fanout
            .lines()
            .any(|l| l.contains("| EC2 ") && l.contains("disabled")),
        "{fanout}"
    );
    assert!(fanout.contains("### EC2: disabled"), "{fanout}");
    // Without unpriced options, no banner; every report lists what it leaves out.
    let service = markdown(&service_plan());
    assert!(!service.contains("Warning: some options"));
    for md in [&md, &fanout, &service] {
        assert!(
            md.contains("## Not included\n\nThe monthly costs above leave out:"),
            "{md}"
        );
        assert!(md.contains("- Databases and caches"), "{md}");
    }
}
