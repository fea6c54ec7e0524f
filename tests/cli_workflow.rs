#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The command line in a team's workflow (#15): `check` finding every problem at once, the
//! price book's instance types and purchases checked, `-o` picking the format, the schema,
//! completions and man page, and `diff` for pull requests.

use assert_cmd::Command;
use std::fs;
use std::path::Path;

fn planner() -> Command {
    let mut cmd = Command::cargo_bin("planner").unwrap();
    cmd.env("NO_COLOR", "1");
    cmd
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// (line, column) of a `FILE:LINE:COL: ...` message.
fn position(line: &str) -> (usize, usize) {
    let mut parts = line.split(':').skip(1);
    let l = parts.next().unwrap().parse().unwrap();
    let c = parts.next().unwrap().parse().unwrap();
    (l, c)
}

/// A file with eighteen problems of every sort (unknown keys at four depths, wrong types,
/// values outside their set, a missing key, rule problems): one run of `check` prints them
/// all, in file order. (Before, it printed the first and stopped: six runs to find them.)
#[test]
fn check_prints_every_problem_in_one_pass() {
    let out = planner()
        .args([
            "check",
            "tests/fixtures/profiles/invalid/many-problems.yaml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    let problems: Vec<&str> = err.lines().filter(|l| l.contains(".yaml:")).collect();
    assert_eq!(problems.len(), 18, "{err}");
    assert!(err.ends_with("18 problems found\n"), "{err}");
    let positions: Vec<_> = problems.iter().map(|l| position(l)).collect();
    let mut sorted = positions.clone();
    sorted.sort();
    assert_eq!(positions, sorted, "in file order:\n{err}");
    for expected in [
        "workloads[0].requst: unknown key `requst`; did you mean `request`?",
        "workloads[0].request.memory_mb: 20000 is out of range",
        "workloads[1].slo.p99_latency: unknown key",
        "workloads[2].kind: missing required key `kind`",
        "platforms.ecs.min_tasks: min_tasks 5 exceeds max_tasks 2",
        "quotas.lambda.concurrent_executions: invalid type: string \"many\", expected a number",
    ] {
        assert!(err.contains(expected), "missing `{expected}` in\n{err}");
    }
}

/// The README's example: an unknown key and an out-of-range value, both reported.
#[test]
fn check_reports_the_readme_example_in_full() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.yaml");
    fs::write(
        &path,
        "version: 1\nname: Broken\nworkloads:\n  - name: api\n    kind: service\n    traffic: { rps: 10 }\n    requst: { duration_ms: 80 }\n    request:\n      memory_mb: 20000\n",
    )
    .unwrap();
    let out = planner().arg("check").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(":7:5: workloads[0].requst: unknown key `requst`; did you mean `request`?"),
        "{err}"
    );
    assert!(
        err.contains(
            ":9:18: workloads[0].request.memory_mb: 20000 is out of range (128..=10240 MB)"
        ),
        "{err}"
    );
    assert!(err.ends_with("2 problems found\n"), "{err}");
}
