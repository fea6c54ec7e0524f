//! The limits of what one profile may ask planner to plan (README "Input limits"): each is
//! refused at the first item past it, naming the file, line, field and the limit; inputs at
//! the limits load.

#![allow(clippy::unwrap_used, clippy::panic)]

use planner::profile::{MAX_TRACE_ROWS, limits, load};
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

const HEAD: &str = "version: 1\nname: scale\nregion: us-east-1\nworkloads:\n";

fn service(i: usize) -> String {
    format!(
        "  - name: s{i}\n    kind: service\n    traffic: {{ rps: 5 }}\n    request: {{ duration_ms: 100, memory_mb: 512 }}\n"
    )
}

fn traced(i: usize, csv: &str) -> String {
    format!(
        "  - name: t{i}\n    kind: service\n    traffic: {{ rps: 5, shape: trace, trace: {csv} }}\n    request: {{ duration_ms: 100, memory_mb: 512 }}\n"
    )
}

/// `rows` rows one second apart, epoch seconds, no header (row n is line n).
fn trace(rows: usize) -> String {
    let mut s = String::with_capacity(rows * 12);
    for i in 0..rows {
        writeln!(s, "{},1", 1_000_000 + i).unwrap();
    }
    s
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    fs::write(&p, text).unwrap();
    p
}

/// The line of `needle` in `text` (1-based).
fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn more_workloads_than_the_limit_are_refused_at_the_first_past_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = HEAD.to_string();
    for i in 0..limits::WORKLOADS {
        text.push_str(&service(i));
    }
    let at_limit = write(dir.path(), "ok.yaml", &text);
    assert!(
        load(&at_limit).is_ok(),
        "{} workloads load",
        limits::WORKLOADS
    );

    text.push_str(&service(limits::WORKLOADS));
    let over = write(dir.path(), "p.yaml", &text);
    let e = load(&over).unwrap_err().to_string();
    let line = line_of(&text, &format!("name: s{}", limits::WORKLOADS));
    assert!(e.starts_with(&format!("{}:{line}:", over.display())), "{e}");
    assert!(
        e.contains(&format!("workloads[{}]", limits::WORKLOADS)),
        "{e}"
    );
    assert!(e.contains("at most 500"), "{e}");
}

#[test]
fn workflow_steps_past_the_limit_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let steps = limits::WORKFLOW_STEPS + 1;
    let mut text = format!(
        "{HEAD}  - name: w\n    kind: workflow\n    traffic: {{ rps: 1 }}\n    workflow:\n      transitions: {steps}\n      steps:\n"
    );
    for i in 0..steps {
        writeln!(text, "        - {{ name: s{i}, duration_ms: 10 }}").unwrap();
    }
    let p = write(dir.path(), "p.yaml", &text);
    let e = load(&p).unwrap_err().to_string();
    let line = line_of(&text, &format!("name: s{}, ", limits::WORKFLOW_STEPS));
    assert!(e.starts_with(&format!("{}:{line}:", p.display())), "{e}");
    assert!(e.contains("workloads[0].workflow.steps[2000]"), "{e}");
    assert!(e.contains("at most 2,000 workflow steps"), "{e}");
}

#[test]
fn more_traces_than_the_limit_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "t.csv", &trace(10));
    let mut text = HEAD.to_string();
    for i in 0..=limits::TRACE_WORKLOADS {
        text.push_str(&traced(i, "t.csv"));
    }
    let p = write(dir.path(), "p.yaml", &text);
    let e = load(&p).unwrap_err().to_string();
    assert!(
        e.contains(&format!(
            "workloads[{}].traffic.trace",
            limits::TRACE_WORKLOADS
        )),
        "{e}"
    );
    assert!(e.contains("at most 20 traces"), "{e}");
}

#[test]
fn a_trace_past_the_row_limit_is_refused_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "t.csv", &trace(MAX_TRACE_ROWS + 1));
    let p = write(
        dir.path(),
        "p.yaml",
        &format!("{HEAD}{}", traced(0, "t.csv")),
    );
    let e = load(&p).unwrap_err().to_string();
    assert!(e.contains(&format!("t.csv:{}", MAX_TRACE_ROWS + 1)), "{e}");
    assert!(e.contains("2,000,000 rows"), "{e}");

    // At the limit it loads.
    write(dir.path(), "t.csv", &trace(MAX_TRACE_ROWS));
    assert!(load(&p).is_ok());
}

#[test]
fn a_profiles_traces_share_the_row_limit() {
    let dir = tempfile::tempdir().unwrap();
    let half = MAX_TRACE_ROWS / 2;
    write(dir.path(), "t.csv", &trace(half + 1));
    let text = format!("{HEAD}{}{}", traced(0, "t.csv"), traced(1, "t.csv"));
    let p = write(dir.path(), "p.yaml", &text);
    let e = load(&p).unwrap_err().to_string();
    // The first trace loads; the second runs out at its row `half`.
    assert!(e.contains("workloads[1].traffic.trace"), "{e}");
    assert!(!e.contains("workloads[0]"), "{e}");
    assert!(e.contains(&format!("t.csv:{half}")), "{e}");
}

#[test]
fn a_long_trace_is_planned_at_a_coarser_step_and_the_report_says_so() {
    let dir = tempfile::tempdir().unwrap();
    // Two weeks at one-minute steps, one spike: modelled at 10,080 two-minute steps.
    let mut csv = String::new();
    for i in 0..2 * 10_080 {
        let requests = if i == 777 { 60_000 } else { 600 };
        writeln!(csv, "{},{requests}", 1_000_000 + 60 * i).unwrap();
    }
    write(dir.path(), "t.csv", &csv);
    let p = write(
        dir.path(),
        "p.yaml",
        &format!("{HEAD}{}", traced(0, "t.csv")),
    );
    let profile = load(&p).unwrap();
    let book = planner::pricing::built_in("us-east-1").unwrap().book;
    let plan = planner::model::plan(&profile, &book, "built-in");
    let curve = &plan.workloads[0].traffic;
    assert_eq!((curve.rps.len(), curve.step_s), (10_080, 120.0));
    // rps: 5 rescales the trace's mean; its peak stays 100 times the other rows.
    assert!((curve.mean() - 5.0).abs() < 1e-9, "{}", curve.mean());
    assert!(curve.peak() > 90.0 * curve.rps[0], "{}", curve.peak());
    let json = planner::report::json(&plan);
    assert!(json.contains("modelled at a coarser step"), "{json}");
}
