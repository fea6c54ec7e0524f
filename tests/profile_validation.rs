//! Profile fixtures: every valid one loads; every invalid one fails with exactly the messages in
//! its sibling `NAME.expected` (one line per problem). Run from the crate root.
//! `UPDATE_EXPECTED=1 cargo test --test profile_validation` rewrites the `.expected` files.

#![allow(clippy::unwrap_used, clippy::panic)]

use planner::profile::{Shape, load, parse};
use std::fs;
use std::path::{Path, PathBuf};

fn yaml_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| Path::new(dir).join(p.file_name().unwrap()))
        .collect();
    files.sort();
    files
}

#[test]
fn valid_profiles_load() {
    let files = yaml_files("tests/fixtures/profiles/valid");
    assert!(files.len() >= 3);
    for f in files {
        if let Err(e) = load(&f) {
            panic!("{} should load, got:\n{e}", f.display());
        }
    }
}

#[test]
fn invalid_profiles_report_expected_problems() {
    let files = yaml_files("tests/fixtures/profiles/invalid");
    assert!(files.len() >= 15, "only {} invalid fixtures", files.len());
    let update = std::env::var_os("UPDATE_EXPECTED").is_some();
    let mut failures = Vec::new();
    for f in files {
        let expected_path = f.with_extension("expected");
        let actual = match load(&f) {
            Ok(_) => "<loaded without error>".to_string(),
            Err(e) => {
                assert_eq!(e.exit_code(), 2);
                assert!(!e.is_empty());
                e.to_string()
            }
        };
        if update {
            fs::write(&expected_path, format!("{actual}\n")).unwrap();
            continue;
        }
        let expected = fs::read_to_string(&expected_path)
            .unwrap_or_else(|_| panic!("missing {}", expected_path.display()));
        if expected.trim_end() != actual {
            failures.push(format!(
                "{}:\n  expected: {}\n  actual:   {}",
                f.display(),
                expected.trim_end(),
                actual
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn trace_is_loaded_into_trace_data() {
    let p = load(Path::new("tests/fixtures/profiles/valid/trace.yaml")).unwrap();
    let t = p.workloads[0].work.traffic().unwrap();
    assert_eq!(t.shape, Shape::Trace);
    let d = t.trace_data.as_ref().unwrap();
    assert_eq!(d.step_s, 300.0);
    assert_eq!(d.rps, vec![1.0, 2.0, 4.0, 3.0, 0.0]);
}

#[test]
fn unreadable_profile_is_bad_input() {
    let e = load(Path::new("tests/fixtures/profiles/nope.yaml")).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert_eq!(
        e.to_string(),
        "tests/fixtures/profiles/nope.yaml: cannot read profile: file not found"
    );
}

#[test]
fn unknown_key_carries_suggestion_and_allowed_keys() {
    let e = load(Path::new(
        "tests/fixtures/profiles/invalid/unknown-key.yaml",
    ))
    .unwrap_err();
    let e = &e.0[0];
    assert_eq!(e.field, "workloads[0].requst");
    assert_eq!(e.suggestion.as_deref(), Some("request"));
    assert!(e.allowed.iter().any(|k| k == "traffic"));
    assert_eq!(e.exit_code(), 2);
}

#[test]
fn every_problem_is_reported_in_file_order() {
    let text = "version: 3\nname: ''\nworkloads:\n  - name: a\n    kind: service\n    traffic: { rps: 1, monthly_requests: 5 }\n    request: { memory_mb: 64, threads: 0 }\n  - name: a\n    kind: fanout\n    job: { items: 0, runs_per_month: -1 }\n";
    let e = parse(text, Path::new("p.yaml")).unwrap_err();
    let lines: Vec<String> = e.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        lines,
        vec![
            "p.yaml:1:10: version: unsupported version 3; this planner reads version 1",
            "p.yaml:2:7: name: must not be empty",
            "p.yaml:6:14: workloads[0].traffic: give one of `monthly_requests` or `rps`, not both",
            "p.yaml:7:27: workloads[0].request.memory_mb: 64 is out of range (128..=10240 MB)",
            "p.yaml:7:40: workloads[0].request.threads: 0 is out of range (1..=64)",
            "p.yaml:8:11: workloads[1].name: duplicate workload name `a` (also workloads[0]); names must be unique",
            "p.yaml:10:19: workloads[1].job.items: 0 is out of range (≥ 1)",
            "p.yaml:10:38: workloads[1].job.runs_per_month: -1 is out of range (≥ 0)",
        ]
    );
}

#[test]
fn auto_or_accepts_auto_and_fixed() {
    let text = "version: 1\nname: x\nworkloads:\n  - { name: a, kind: service, traffic: { rps: 1 } }\nplatforms:\n  lambda: { memory_mb: 1024 }\n  ecs: { vcpu: auto, memory_gb: 2 }\n  ec2: { instance_type: auto, processes_per_instance: 8 }\n";
    let p = parse(text, Path::new("p.yaml")).unwrap();
    assert_eq!(p.platforms.lambda.memory_mb.fixed(), Some(&1024));
    assert_eq!(p.platforms.ecs.vcpu.fixed(), None);
    assert_eq!(p.platforms.ecs.memory_gb.fixed(), Some(&2.0));
    assert_eq!(p.platforms.ec2.instance_type.fixed(), None);
    assert_eq!(p.platforms.ec2.processes_per_instance.fixed(), Some(&8));
}

/// A profile's `quotas:` are the account's own: hard limits in place of the book's defaults.
#[test]
fn stated_quotas_are_hard_limits_defaults_are_a_request_away() {
    let mut p = load(Path::new(
        "tests/fixtures/profiles/valid/account-quotas.yaml",
    ))
    .unwrap();
    assert_eq!(p.quotas.get("lambda.concurrent_executions"), Some(&1000.0));
    let book = planner::pricing::built_in("us-east-1").unwrap().book;
    // 2,000 concurrent executions against the account's stated 1,000: throttled, infeasible.
    let plan = planner::model::plan(&p, &book, "test");
    let lambda = &plan.workloads[0].options[0];
    assert!(!lambda.feasible, "{:?}", lambda.risks);
    assert!(plan.workloads[0].recommendation.platform.is_none());
    // Not stated: AWS's default 1,000 is a request away; Lambda is recommended and the
    // reason says it depends on the request.
    p.quotas.clear();
    let plan = planner::model::plan(&p, &book, "test");
    let w = &plan.workloads[0];
    assert!(w.options[0].feasible, "{:?}", w.options[0].risks);
    assert!(
        w.recommendation
            .reason
            .contains("It depends on a quota request: 2,000 concurrent executions"),
        "{}",
        w.recommendation.reason
    );
}
