//! Fuzzing the whole path a profile takes (`profile::parse`, then `model::plan` and both
//! reports when it parses): generated YAML trees with profile-like keys, hostile numbers,
//! escapes and encodings, and mutations of a valid profile. Each case must finish without a
//! panic within a generous bound (a hang guard, not a speed test), and no report may show a
//! non-finite figure or recommend an option it cannot price.
//!
//! The case counts keep the whole file to a few seconds in the test profile; CI runs it with
//! the rest of `cargo test`.

#![allow(clippy::unwrap_used, clippy::panic)]

use planner::pricing::PriceBook;
use planner::profile::parse;
use planner::report::{Format, render};
use proptest::prelude::*;
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const VALID: &str = include_str!("fixtures/profiles/valid/spec-example.yaml");

/// The most one case may take: a hang guard (the slowest valid case takes a small fraction).
const CASE_BOUND: Duration = Duration::from_secs(2);

fn book() -> &'static PriceBook {
    static BOOK: OnceLock<PriceBook> = OnceLock::new();
    BOOK.get_or_init(|| planner::pricing::built_in("us-east-1").unwrap().book)
}

/// Numbers an attacker or a careless user writes, spelled as YAML would take them.
const HOSTILE_NUMBERS: &[&str] = &[
    "1e308",
    "-1e308",
    "1.7976931348623157e308",
    "1e309",
    "-0",
    "-0.0",
    ".nan",
    ".NaN",
    ".inf",
    "-.inf",
    "+.inf",
    "99999999999999999999999999",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "4.9e-324",
    "2.2250738585072014e-308",
    "1e-400",
    "0x7fffffff",
    "0o777",
    "1_000",
    "0",
    "1",
    "1e15",
    "1000000",
    "2628000",
    "86400000",
    "31536000000",
    "1048576",
    "1000000000",
    "0.5",
    "1440",
];

/// Keys a profile uses, so that generated trees reach the validators and the model.
const KEYS: &[&str] = &[
    "version",
    "name",
    "region",
    "free_tier",
    "workloads",
    "kind",
    "traffic",
    "rps",
    "monthly_requests",
    "peak_to_average",
    "shape",
    "request",
    "duration_ms",
    "cpu_ms",
    "threads",
    "memory_mb",
    "payload_kb",
    "slo",
    "p99_latency_ms",
    "max_throttled_share",
    "job",
    "items",
    "runs_per_month",
    "deadline_s",
    "workflow",
    "transitions",
    "steps",
    "platforms",
    "lambda",
    "ecs",
    "ec2",
    "step_functions",
    "quotas",
    "\"\\e[2J\"",
    "\"k\\tey\"",
];

/// Plain words for string values.
const WORDS: &[&str] = &[
    "service",
    "fanout",
    "workflow",
    "diurnal",
    "bursty",
    "flat",
    "trace",
    "auto",
    "us-east-1",
    "xx-yyyy-1",
    "arm64",
    "standard",
    "express",
    "\"\\e]0;title\\a\"",
    "\"\\x1b[31m\"",
    "\"a\\u0000b\"",
    "'tab\there'",
    "~",
    "null",
    "true",
    "\"\"",
    "&a x",
    "*a",
    "!!str 5",
];

/// A YAML node, rendered in block or flow style.
#[derive(Debug, Clone)]
enum Node {
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(HOSTILE_NUMBERS).prop_map(str::to_string),
        2 => prop::sample::select(WORDS).prop_map(str::to_string),
        1 => "[a-z0-9 .:-]{0,8}",
    ]
}

fn node() -> impl Strategy<Value = Node> {
    scalar()
        .prop_map(Node::Scalar)
        .prop_recursive(6, 48, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Node::Seq),
                prop::collection::vec(
                    (prop::sample::select(KEYS).prop_map(str::to_string), inner),
                    0..6
                )
                .prop_map(Node::Map),
            ]
        })
}

/// `node` as flow YAML (`{a: [1, 2]}`).
fn flow(node: &Node) -> String {
    match node {
        Node::Scalar(s) => s.clone(),
        Node::Seq(items) => format!(
            "[{}]",
            items.iter().map(flow).collect::<Vec<_>>().join(", ")
        ),
        Node::Map(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|(k, v)| format!("{k}: {}", flow(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// `node` as block YAML at `indent` spaces, written into `out`.
fn block(node: &Node, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match node {
        Node::Scalar(s) => {
            out.push_str(s);
            out.push('\n');
        }
        Node::Seq(items) if items.is_empty() => out.push_str("[]\n"),
        Node::Map(entries) if entries.is_empty() => out.push_str("{}\n"),
        Node::Seq(items) => {
            out.push('\n');
            for item in items {
                out.push_str(&format!("{pad}- "));
                block(item, indent + 2, out);
            }
        }
        Node::Map(entries) => {
            out.push('\n');
            for (k, v) in entries {
                out.push_str(&format!("{pad}{k}: "));
                block(v, indent + 2, out);
            }
        }
    }
}

/// A profile-shaped document: the fixed head a profile needs, then a generated tree in block or
/// flow style, with an optional BOM and CRLF line ends.
fn document(tree: &Node, flow_style: bool, bom: bool, crlf: bool) -> String {
    let mut body = String::new();
    if flow_style {
        body.push_str(&format!("workloads: {}\n", flow(tree)));
    } else {
        body.push_str("workloads: ");
        block(tree, 2, &mut body);
    }
    let mut text = format!("version: 1\nname: fuzz\nregion: us-east-1\n{body}");
    if crlf {
        text = text.replace('\n', "\r\n");
    }
    if bom {
        text.insert(0, '\u{feff}');
    }
    text
}

/// Every number in `v` is finite.
fn all_finite(v: &serde_json::Value, at: &str) -> Result<(), String> {
    use serde_json::Value;
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(x) if x.is_finite() => Ok(()),
            _ => Err(format!("{at}: {n}")),
        },
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, x)| all_finite(x, &format!("{at}[{i}]"))),
        Value::Object(map) => map
            .iter()
            .try_for_each(|(k, x)| all_finite(x, &format!("{at}.{k}"))),
        Value::Null | Value::Bool(_) | Value::String(_) => Ok(()),
    }
}

/// [`check_case`] on a thread of its own, failing the case if it has not finished in ten times
/// [`CASE_BOUND`]: a case that never ends (a loop over an unbounded count) fails with its
/// input rather than hanging the test run. Whether the text parsed.
fn run(text: &str) -> bool {
    let (tx, rx) = std::sync::mpsc::channel();
    let owned = text.to_string();
    std::thread::spawn(move || {
        let parsed = std::panic::catch_unwind(|| check_case(&owned));
        let _ = tx.send(parsed);
    });
    match rx.recv_timeout(CASE_BOUND * 10) {
        Ok(Ok(parsed)) => parsed,
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(_) => panic!(
            "no answer within {:?} (a hang?) for\n{text}",
            CASE_BOUND * 10
        ),
    }
}

/// The fuzz seed: `PLANNER_FUZZ_SEED` when set (a number), else a fixed one.
fn fuzz_seed() -> proptest::test_runner::RngSeed {
    let seed = std::env::var("PLANNER_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x0070_6c61_6e6e_6572);
    proptest::test_runner::RngSeed::Fixed(seed)
}

/// Parse, and when it parses plan and render both reports; check the reports. Whether it
/// parsed.
fn check_case(text: &str) -> bool {
    let start = Instant::now();
    let Ok(profile) = parse(text, Path::new("fuzz/p.yaml")) else {
        assert!(
            start.elapsed() < CASE_BOUND,
            "parse took {:?}",
            start.elapsed()
        );
        return false;
    };
    let plan = planner::model::plan(&profile, book(), "built-in price book");
    let json = render(&plan, Format::Json);
    let markdown = render(&plan, Format::Markdown);
    assert!(
        start.elapsed() < CASE_BOUND,
        "took {:?} for\n{text}",
        start.elapsed()
    );

    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    if let Err(at) = all_finite(&value, "") {
        panic!("non-finite figure at {at} for\n{text}");
    }
    for w in value["workloads"].as_array().unwrap() {
        let Some(chosen) = w["recommendation"]["platform"].as_str() else {
            continue;
        };
        let option = w["options"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["platform"] == chosen)
            .unwrap();
        assert_eq!(option["feasible"], true, "{text}");
        assert!(
            option["monthly_cost_usd"].is_number(),
            "recommended an unpriced option for\n{text}"
        );
    }
    for word in markdown.split(|c: char| !c.is_alphanumeric()) {
        assert!(
            !matches!(word, "inf" | "NaN" | "nan" | "Inf" | "infinity"),
            "`{word}` in the Markdown report for\n{text}"
        );
    }
    true
}

/// A number for a field: sometimes hostile, mostly an ordinary one in `lo..hi` (so that most
/// profiles reach the model with one or two hostile figures).
fn number(lo: u32, hi: u32) -> impl Strategy<Value = String> {
    prop_oneof![
        1 => prop::sample::select(HOSTILE_NUMBERS).prop_map(str::to_string),
        5 => (lo..hi).prop_map(|n| n.to_string()),
    ]
}

/// A workload of each kind with every number drawn from [`number`]: most reach the model.
fn workload() -> impl Strategy<Value = String> {
    let service = (
        number(1, 10_000),
        prop::sample::select(&["flat", "diurnal", "bursty"][..]),
        number(1, 20),
        (
            number(200, 5000),
            number(0, 200),
            number(128, 10_240),
            number(0, 1000),
        ),
        number(300, 20_000),
    )
        .prop_map(|(rps, shape, peak, (duration, cpu, memory, payload), p99)| {
            let peak = if shape == "flat" { String::new() } else { format!(", peak_to_average: {peak}") };
            format!(
                "  - name: s\n    kind: service\n    traffic: {{ rps: {rps}, shape: {shape}{peak} }}\n    request: {{ duration_ms: {duration}, cpu_ms: {cpu}, memory_mb: {memory}, payload_kb: {payload} }}\n    slo: {{ p99_latency_ms: {p99} }}\n"
            )
        });
    let fanout = (
        number(1, 1_000_000),
        number(1, 10_000),
        number(60, 100_000),
        number(1, 10_000),
        number(128, 10_240),
    )
        .prop_map(
        |(items, runs, deadline, duration, memory)| {
            format!(
                "  - name: f\n    kind: fanout\n    job: {{ items: {items}, runs_per_month: {runs}, deadline_s: {deadline} }}\n    request: {{ duration_ms: {duration}, memory_mb: {memory} }}\n"
            )
        },
    );
    let workflow = (
        number(1, 100_000_000),
        number(2, 100),
        number(1, 100_000),
        number(1, 10_000),
        number(1, 100_000),
    )
        .prop_map(
        |(monthly, transitions, duration, step_ms, wait)| {
            format!(
                "  - name: w\n    kind: workflow\n    traffic: {{ monthly_requests: {monthly} }}\n    workflow:\n      transitions: {transitions}\n      duration_ms: {duration}\n      steps:\n        - {{ name: a, duration_ms: {step_ms} }}\n        - {{ name: b, wait: true, callback_wait_s: {wait} }}\n"
            )
        },
    );
    prop_oneof![service, fanout, workflow]
}

/// The first numeric value of the valid profile (`key: 123`) at or after byte `at`, as its
/// byte range.
fn number_at(text: &str, at: usize) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut i = at.min(text.len());
    while i < bytes.len() {
        if bytes[i] == b':' && bytes.get(i + 1) == Some(&b' ') {
            let start = i + 2;
            let end = start
                + text[start..]
                    .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                    .unwrap_or(text.len() - start);
            if end > start {
                return Some((start, end));
            }
        }
        i += 1;
    }
    None
}

proptest! {
    // A fixed seed by default, so CI runs the same cases every time (a failure is the code's,
    // never the draw's); `PLANNER_FUZZ_SEED=N` draws other cases.
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        rng_seed: fuzz_seed(),
        ..ProptestConfig::default()
    })]

    #[test]
    fn generated_yaml_trees(tree in node(), flow_style: bool, bom: bool, crlf: bool) {
        run(&document(&tree, flow_style, bom, crlf));
    }

    #[test]
    fn workloads_with_hostile_numbers(workloads in prop::collection::vec(workload(), 1..3), free_tier: bool) {
        let mut text = format!("version: 1\nname: fuzz\nregion: us-east-1\nfree_tier: {free_tier}\nworkloads:\n");
        for (i, w) in workloads.iter().enumerate() {
            text.push_str(&w.replacen("name: ", &format!("name: w{i}"), 1));
        }
        run(&text);
    }

    #[test]
    fn valid_profile_with_hostile_numbers(
        picks in prop::collection::vec((0usize..4000, prop::sample::select(HOSTILE_NUMBERS)), 1..4),
        bom: bool,
        crlf: bool,
    ) {
        let mut text = VALID.to_string();
        for (at, number) in picks {
            if let Some((start, end)) = number_at(&text, at % text.len()) {
                text.replace_range(start..end, number);
            }
        }
        if crlf {
            text = text.replace('\n', "\r\n");
        }
        if bom {
            text.insert(0, '\u{feff}');
        }
        run(&text);
    }

    #[test]
    fn valid_profile_with_escapes_and_tabs(
        at in 0usize..4000,
        insert in prop::sample::select(&[
            "\\e", "\"\\e[2J\"", "\t", "\r", "\u{feff}", "\u{0}", "\u{7f}", "\u{85}", "\u{2028}",
            "\"\\x1b]0;t\\x07\"", "'\\e'", "\u{1b}[31m", "\n\t- x",
        ][..]),
    ) {
        let at = VALID.char_indices().map(|(i, _)| i).nth(at % VALID.chars().count()).unwrap_or(0);
        let text = format!("{}{}{}", &VALID[..at], insert, &VALID[at..]);
        run(&text);
    }
}

/// The largest value of every open-ended field at once: the worst valid case still plans.
#[test]
fn every_field_at_its_limit_plans_finitely() {
    let text = VALID
        .replace("monthly_requests: 130000000", "rps: 1000000")
        .replace("monthly_requests: 2000000", "rps: 1000000")
        .replace("duration_ms: 120", "duration_ms: 86400000")
        .replace("payload_kb: 4", "payload_kb: 1048576")
        .replace("items: 10000", "items: 1000000000")
        .replace("runs_per_month: 720", "runs_per_month: 2628000")
        .replace("deadline_s: 120", "deadline_s: 2628000")
        .replace("transitions: 8", "transitions: 1000000000");
    assert!(run(&text), "the profile at the limits must parse");
}
