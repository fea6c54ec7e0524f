#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The profile JSON Schema (`planner schema`, `profile.schema.json`): current, and right
//! about the files planner reads, checked with an independent validator (boon).

use planner::profile::{ProfileErrorKind, SCHEMA_FILE, parse, schema_json};
use std::fs;
use std::path::PathBuf;

fn yaml_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
}

/// The schema compiled by boon, and a validator of YAML text: `Err` lists what boon found.
struct Validator {
    schemas: boon::Schemas,
    index: boon::SchemaIndex,
}

impl Validator {
    fn new() -> Self {
        let schema: serde_json::Value = serde_json::from_str(&schema_json()).unwrap();
        let mut schemas = boon::Schemas::new();
        let mut compiler = boon::Compiler::new();
        let url = "https://planner.invalid/profile.schema.json";
        compiler.add_resource(url, schema).unwrap();
        let index = compiler.compile(url, &mut schemas).unwrap();
        Validator { schemas, index }
    }

    /// `None` when the text is not one YAML document (the schema has nothing to say).
    fn validate(&self, text: &str) -> Option<Result<(), String>> {
        let yaml: serde_yaml::Value = serde_yaml::from_str(text).ok()?;
        let json: serde_json::Value = serde_json::to_value(&yaml).ok()?;
        Some(
            self.schemas
                .validate(&json, self.index)
                .map_err(|e| format!("{e:#}")),
        )
    }
}

/// `profile.schema.json` is what `planner schema` prints: regenerate it with
/// `cargo run -- schema > profile.schema.json` when the profile types change.
#[test]
fn committed_schema_is_current() {
    let committed = fs::read_to_string(SCHEMA_FILE).unwrap();
    assert!(
        committed == schema_json(),
        "{SCHEMA_FILE} is stale: run `cargo run -- schema > {SCHEMA_FILE}`"
    );
}

/// Every example profile (and valid fixture) passes the schema, and the examples point
/// editors at it.
#[test]
fn schema_accepts_every_valid_profile() {
    let v = Validator::new();
    let mut files = yaml_files("profiles");
    files.extend(yaml_files("tests/fixtures/profiles/valid"));
    assert!(files.len() >= 10);
    for f in files {
        let text = fs::read_to_string(&f).unwrap();
        if let Some(Err(e)) = v.validate(&text) {
            panic!("{} fails the schema:\n{e}", f.display());
        }
        if f.starts_with("profiles") {
            assert!(
                text.starts_with("# yaml-language-server: $schema=../profile.schema.json\n"),
                "{} lacks the schema line",
                f.display()
            );
        }
    }
}

/// Fixtures that are not wrong in structure the schema can see (it checks keys, types and
/// allowed values): control characters in a value (any string is a string to JSON Schema).
const STRUCTURE_THE_SCHEMA_CANNOT_SEE: [&str; 1] = ["escape-sequence.yaml"];

/// Every invalid fixture with a structural problem (unknown key, wrong type, value outside
/// its set, missing key) fails the schema. Those whose problems are only the model's rules
/// (ranges, contradicting fields, trace files: `memory-out-of-range`, `negative-rps`,
/// `both-rps-and-monthly`, ...) may pass it: the schema does not carry them.
#[test]
fn schema_rejects_structurally_invalid_fixtures() {
    let v = Validator::new();
    let mut rejected = 0;
    let mut passing_rules_only = Vec::new();
    for f in yaml_files("tests/fixtures/profiles/invalid") {
        let text = fs::read_to_string(&f).unwrap();
        let errors = parse(&text, &f).expect_err("invalid fixture");
        let structural = errors.iter().any(|e| e.kind == ProfileErrorKind::Structure);
        let name = f.file_name().unwrap().to_str().unwrap();
        match v.validate(&text) {
            None => {} // not one YAML document: a syntax problem.
            Some(Err(_)) => rejected += 1,
            Some(Ok(())) if structural && !STRUCTURE_THE_SCHEMA_CANNOT_SEE.contains(&name) => {
                panic!("{name} has a structural problem but passes the schema:\n{errors}")
            }
            Some(Ok(())) => passing_rules_only.push(name.to_string()),
        }
    }
    assert!(rejected >= 10, "only {rejected} fixtures rejected");
    assert!(
        passing_rules_only
            .iter()
            .any(|n| n == "memory-out-of-range.yaml"),
        "{passing_rules_only:?}"
    );
    eprintln!("pass the schema (rules only): {passing_rules_only:?}");
}
