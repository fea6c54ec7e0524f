#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The binary as a user runs it: exit codes, stdout/stderr, files written.

use assert_cmd::Command;
use std::fs;
use std::path::Path;

fn planner() -> Command {
    let mut cmd = Command::cargo_bin("planner").unwrap();
    cmd.env("NO_COLOR", "1");
    cmd
}

fn example_profiles() -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir("profiles")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| p.display().to_string())
        .collect();
    v.sort();
    assert!(v.len() >= 6, "at least six example profiles");
    v
}

#[test]
fn report_on_every_example_profile_succeeds() {
    for profile in example_profiles() {
        let out = planner().args(["report", &profile]).output().unwrap();
        assert!(
            out.status.success(),
            "{profile}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let md = String::from_utf8(out.stdout).unwrap();
        assert!(md.starts_with("# Concurrency plan: "), "{profile}");
        assert!(md.contains("## Recommendation"));
        assert!(md.contains("```mermaid\n---") || md.contains("xychart-beta"));
    }
}

#[test]
fn json_report_has_the_spec_keys() {
    let out = planner()
        .args(["report", "profiles/checkout-api.yaml", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["profile"], "Checkout API");
    assert_eq!(v["region"], "us-east-1");
    assert!(v["pricing"]["as_of"].is_string());
    let options = v["workloads"][0]["options"].as_array().unwrap();
    let platforms: Vec<&str> = options
        .iter()
        .map(|o| o["platform"].as_str().unwrap())
        .collect();
    assert_eq!(platforms, ["lambda", "step_functions", "ecs", "ec2"]);
    for o in options {
        for key in [
            "feasible",
            "monthly_cost_usd",
            "cost_breakdown",
            "config",
            "throughput_rps",
            "capacity",
            "latency_ms",
            "risks",
        ] {
            assert!(o.get(key).is_some(), "option lacks {key}");
        }
    }
}

#[test]
fn report_output_file_is_written_whole() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("plan.md");
    planner()
        .args(["report", "profiles/webhook-receiver.yaml", "-o"])
        .arg(&target)
        .assert()
        .success()
        .stdout("");
    let md = fs::read_to_string(&target).unwrap();
    assert!(md.starts_with("# Concurrency plan: Partner webhooks"));
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file left"
    );
}

#[test]
fn bad_output_path_fails_before_work_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("missing-folder/plan.md");
    let out = planner()
        .args(["report", "profiles/checkout-api.yaml", "-o"])
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot write"));
    assert!(!target.exists());
}

#[test]
fn invalid_profile_report_exits_2_naming_file_line_and_field() {
    let out = planner()
        .args(["report", "tests/fixtures/profiles/invalid/unknown-key.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("tests/fixtures/profiles/invalid/unknown-key.yaml:7:5: workloads[0].requst"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    assert!(!err.contains("panicked"));
}

/// Every invalid fixture: `planner check` exits 2 and prints exactly the expected problems.
#[test]
fn check_prints_every_problem_of_every_invalid_fixture() {
    let dir = Path::new("tests/fixtures/profiles/invalid");
    let mut count = 0;
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        count += 1;
        let expected = fs::read_to_string(path.with_extension("expected")).unwrap();
        let out = planner().arg("check").arg(&path).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", path.display());
        let err = String::from_utf8_lossy(&out.stderr);
        for line in expected.lines().filter(|l| !l.is_empty()) {
            assert!(
                err.contains(line),
                "{}: missing `{line}` in\n{err}",
                path.display()
            );
        }
        assert!(!err.contains("panicked"), "{}", path.display());
    }
    assert!(count >= 15, "only {count} invalid fixtures");
}

#[test]
fn check_accepts_valid_profiles_at_once() {
    let mut cmd = planner();
    cmd.arg("check");
    for p in example_profiles() {
        cmd.arg(p);
    }
    cmd.arg("tests/fixtures/profiles/valid/trace.yaml");
    cmd.assert().success();
}

#[test]
fn check_reports_problems_across_several_files() {
    let out = planner()
        .args([
            "check",
            "profiles/checkout-api.yaml",
            "tests/fixtures/profiles/invalid/memory-out-of-range.yaml",
            "tests/fixtures/profiles/invalid/bad-enum.yaml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("memory-out-of-range.yaml"));
    assert!(err.contains("bad-enum.yaml"));
    assert!(err.contains("2 problems found"));
}

#[test]
fn unknown_region_is_bad_input() {
    let out = planner()
        .args([
            "report",
            "profiles/checkout-api.yaml",
            "--region",
            "mars-north-1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("mars-north-1"));
}

#[test]
fn unknown_flag_is_bad_input() {
    planner().args(["report", "--frobnicate"]).assert().code(2);
}

#[test]
fn missing_profile_is_bad_input() {
    let out = planner()
        .args(["report", "no/such/profile.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/profile.yaml"));
}

#[test]
fn tui_without_a_terminal_exits_2_with_a_hint() {
    let out = planner().output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("planner report"));
}

#[test]
fn pricing_show_lists_the_book_with_provenance() {
    let out = planner()
        .args(["pricing", "show", "--region", "us-east-1"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("us-east-1"));
    assert!(text.contains("lambda.duration.arm64"));
    assert!(text.contains("m7g.large"));
}

/// #12: in eu-west-1 the book has no EC2 prices. EC2 is `unpriced` (not infeasible), never
/// recommended, and no other option wins "as the only one" because of it; the report's banner
/// and standard error name the missing figure and how to get it; the exit code stays 0.
#[test]
fn eu_west_1_reports_unpriced_options_with_a_banner_and_a_warning() {
    for profile in [
        "profiles/high-throughput-api.yaml",
        "profiles/checkout-api.yaml",
    ] {
        let out = planner()
            .args(["report", profile, "--region", "eu-west-1"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let md = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(!md.contains("the only option"), "{md}");
        assert!(
            md.contains("> **Warning: some options could not be priced.**"),
            "{md}"
        );
        assert!(
            md.contains("> - `instances` (EC2 on-demand Linux prices"),
            "{md}"
        );
        assert!(
            md.contains("planner pricing refresh --region eu-west-1"),
            "{md}"
        );
        assert!(md.contains("### EC2: unpriced"), "{md}");
        assert!(!md.contains("instance type `any`"), "{md}");
        assert!(
            md.contains("; EC2 (the eu-west-1 price book has no EC2 instance prices"),
            "{md}"
        );
        // ECS's compute is priced in eu-west-1, but the default network (private subnets
        // behind NAT gateways) is not: the book has no eu-west-1 NAT gateway price.
        assert!(
            md.contains(
                "ECS Fargate (the eu-west-1 price book has no price `vpc.nat_gateway.hours`)"
            ),
            "{md}"
        );
        assert!(md.contains("the only priced option"), "{md}");
        // One warning, listing the missing figure.
        assert_eq!(
            stderr
                .matches("warning: the eu-west-1 price book lacks")
                .count(),
            1,
            "{stderr}"
        );
        assert!(
            stderr.contains("  - `instances` (EC2 on-demand"),
            "{stderr}"
        );
        assert!(
            stderr.contains("EC2 (quote-api)") || stderr.contains("EC2 (checkout-api)"),
            "{stderr}"
        );
        assert!(
            stderr.contains("planner pricing refresh --region eu-west-1"),
            "{stderr}"
        );
    }
    let out = planner()
        .args([
            "report",
            "profiles/checkout-api.yaml",
            "--region",
            "eu-west-1",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let options = &v["workloads"][0]["options"];
    let status: Vec<&str> = (0..4)
        .map(|i| options[i]["status"].as_str().unwrap())
        .collect();
    assert_eq!(status, ["ok", "infeasible", "unpriced", "unpriced"]);
    assert_eq!(options[3]["feasible"], false);
    assert!(options[3]["monthly_cost_usd"].is_null());
    assert!(options[3]["latency_ms"]["p99"].is_null());
    let missing: Vec<&str> = (0..2)
        .map(|i| v["missing_prices"][i]["key"].as_str().unwrap())
        .collect();
    assert!(missing.contains(&"instances"), "{missing:?}");
    assert!(missing.contains(&"vpc.nat_gateway.hours"), "{missing:?}");
    assert_eq!(v["workloads"][0]["recommendation"]["platform"], "lambda");
    // Nothing is missing in us-east-1: no warning.
    let out = planner()
        .args(["report", "profiles/checkout-api.yaml"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("lacks"));
}
