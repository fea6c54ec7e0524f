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

/// `fixed-platforms.yaml` with EC2 enabled and its `instance_type` / `purchase` replaced.
fn ec2_profile(dir: &Path, instance_type: &str, purchase: &str) -> std::path::PathBuf {
    let text = fs::read_to_string("tests/fixtures/profiles/valid/fixed-platforms.yaml").unwrap();
    let text = text
        .replace(
            "enabled: false, instance_type: c7i.xlarge",
            &format!("instance_type: {instance_type}"),
        )
        .replace(
            "purchase: savings_plan_1y",
            &format!("purchase: {purchase}"),
        );
    let path = dir.join(format!("{instance_type}-{purchase}.yaml"));
    fs::write(&path, text).unwrap();
    path
}

/// An instance type the book does not list is an error at its line, with the nearest types
/// it does list (one close enough is offered as "did you mean"). Before, `check` passed it.
#[test]
fn check_suggests_known_instance_types() {
    let dir = tempfile::tempdir().unwrap();
    let typo = ec2_profile(dir.path(), "m5.larg", "on_demand");
    let out = planner().arg("check").arg(&typo).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(":15:25: platforms.ec2.instance_type: `m5.larg` is not an instance type the us-east-1 price book knows; did you mean `m5.large`?"), "{}", stderr(&out));

    let far = ec2_profile(dir.path(), "m99.huge", "on_demand");
    let out = planner().arg("check").arg(&far).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("`m99.huge` is not an instance type the us-east-1 price book knows; the closest it knows: `m5.large`"), "{}", stderr(&out));

    let known = ec2_profile(dir.path(), "m5.large", "on_demand");
    planner().arg("check").arg(&known).assert().success();
}

/// The built-in us-east-1 book without anything about savings plans (no price key, no
/// instance field naming one), written to `dir` for `--pricing`.
fn book_without_savings_plans(dir: &Path) {
    use serde_yaml::Value;
    let text = fs::read_to_string("pricing-cache/us-east-1.yaml").unwrap();
    let mut book: Value = serde_yaml::from_str(&text).unwrap();
    let strip = |m: &mut serde_yaml::Mapping| {
        m.retain(|k, _| !k.as_str().is_some_and(|k| k.contains("savings_plan")));
    };
    if let Some(Value::Mapping(prices)) = book.get_mut("prices") {
        strip(prices);
    }
    if let Some(Value::Mapping(types)) = book.get_mut("instances") {
        for (_, t) in types.iter_mut() {
            if let Value::Mapping(fields) = t {
                strip(fields);
            }
        }
    }
    fs::write(
        dir.join("us-east-1.yaml"),
        serde_yaml::to_string(&book).unwrap(),
    )
    .unwrap();
}

/// A purchase option the book has no price for (for this instance type) is an error at the
/// `purchase` line naming the missing price, found the way the model looks the price up.
/// Before, `check` passed it and the report showed EC2 unpriced.
#[test]
fn check_refuses_a_purchase_the_book_cannot_price() {
    let dir = tempfile::tempdir().unwrap();
    let books = tempfile::tempdir().unwrap();
    book_without_savings_plans(books.path());
    let path = ec2_profile(dir.path(), "c7i.xlarge", "savings_plan_1y");
    let out = planner()
        .arg("check")
        .arg(&path)
        .arg("--pricing")
        .arg(books.path())
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(":16:20: platforms.ec2.purchase: purchase `savings_plan_1y` cannot be priced: the us-east-1 price book has no price `"),
        "{err}"
    );
}

/// `-o FILE` picks the format by the extension (`.json` JSON; `.md`, `.markdown` and any
/// other Markdown); an explicit `--format` wins. Before, `-o plan.json` wrote Markdown.
#[test]
fn output_format_follows_the_extension() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, format: Option<&str>| {
        let path = dir.path().join(name);
        let mut cmd = planner();
        cmd.args(["report", "profiles/checkout-api.yaml", "-o"])
            .arg(&path);
        if let Some(f) = format {
            cmd.args(["--format", f]);
        }
        cmd.assert().success();
        fs::read_to_string(&path).unwrap()
    };
    let json = write("plan.json", None);
    assert!(
        serde_json::from_str::<serde_json::Value>(&json).is_ok(),
        "{json}"
    );
    let upper = write("PLAN.JSON", None);
    assert!(upper.starts_with('{'));
    for name in ["plan.md", "plan.markdown", "plan.txt", "plan"] {
        let text = write(name, None);
        assert!(text.starts_with('#'), "{name}: {text}");
    }
    assert!(write("forced.json", Some("markdown")).starts_with('#'));
    assert!(write("forced.md", Some("json")).starts_with('{'));
}

/// Completion scripts generate for each shell and know the subcommands.
#[test]
fn completions_generate_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = planner().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        let script = stdout(&out);
        for sub in ["report", "check", "diff", "schema", "calibrate", "pricing"] {
            assert!(script.contains(sub), "{shell} completion lacks `{sub}`");
        }
    }
    let out = planner().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// The man page is roff for planner(1) and documents every command and its options.
#[test]
fn man_page_documents_the_commands() {
    let out = planner().arg("man").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let page = stdout(&out);
    assert!(
        page.starts_with(".ie") || page.starts_with(".TH"),
        "{}",
        &page[..80]
    );
    assert!(page.contains(".TH planner 1"), "{}", &page[..200]);
    for section in [
        "PLANNER REPORT",
        "PLANNER CHECK",
        "PLANNER DIFF",
        "PLANNER PRICING REFRESH",
        "PLANNER CALIBRATE",
    ] {
        assert!(page.contains(section), "man page lacks {section}");
    }
    assert!(page.contains("fail\\-above"), "options are documented");
}

/// `planner schema` prints the JSON Schema (the one `profile.schema.json` holds).
#[test]
fn schema_prints_the_profile_schema() {
    let out = planner().arg("schema").output().unwrap();
    assert!(out.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(schema["title"], "planner workload profile");
    assert_eq!(schema["additionalProperties"], false);
    assert!(schema["properties"]["workloads"].is_object());
    assert_eq!(
        stdout(&out),
        fs::read_to_string("profile.schema.json").unwrap()
    );
}

/// checkout-api with twice its traffic, written beside a copy of the original.
fn doubled_checkout(dir: &Path) -> std::path::PathBuf {
    let text = fs::read_to_string("profiles/checkout-api.yaml").unwrap();
    assert!(text.contains("monthly_requests: 130000000"));
    let path = dir.join("checkout-doubled.yaml");
    fs::write(
        &path,
        text.replace("monthly_requests: 130000000", "monthly_requests: 260000000"),
    )
    .unwrap();
    path
}

/// `diff` of two profiles: the recommended cost, every option's cost and the risks that
/// changed; `--fail-above` exits 1 past the threshold and 0 below it.
#[test]
fn diff_of_two_profiles_shows_costs_and_gates_on_the_rise() {
    let dir = tempfile::tempdir().unwrap();
    let doubled = doubled_checkout(dir.path());
    let out = planner()
        .args(["diff", "profiles/checkout-api.yaml"])
        .arg(&doubled)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("## planner diff: `profiles/checkout-api.yaml` → `"),
        "{text}"
    );
    assert!(text.contains("### checkout-api"), "{text}");
    assert!(
        text.contains(
            "**Recommendation changed:** Lambda ($231.62/month) → ECS Fargate ($406.06/month)."
        ),
        "{text}"
    );
    assert!(
        text.contains("| Lambda | $231.62 | $463.24 | +$231.62 (+100.0%) |"),
        "{text}"
    );
    assert!(text.contains("Risks changed:"), "{text}");
    assert!(text.contains("20 vCPUs of running tasks"), "{text}");

    let gate = |percent: &str| {
        planner()
            .args(["diff", "profiles/checkout-api.yaml"])
            .arg(&doubled)
            .args(["--fail-above", percent])
            .output()
            .unwrap()
    };
    let fail = gate("20");
    assert_eq!(fail.status.code(), Some(1));
    assert!(
        stderr(&fail).contains("checkout-api: the recommended option's monthly cost rose by "),
        "{}",
        stderr(&fail)
    );
    assert_eq!(gate("90").status.code(), Some(0));
    // Cheaper is never a failure.
    let cheaper = planner()
        .arg("diff")
        .arg(&doubled)
        .args(["profiles/checkout-api.yaml", "--fail-above", "0"])
        .output()
        .unwrap();
    assert_eq!(cheaper.status.code(), Some(0));
}

/// `diff` of two JSON reports (as `report -o x.json` writes them), of a JSON report against
/// a profile, and of a file against itself.
#[test]
fn diff_reads_json_reports() {
    let dir = tempfile::tempdir().unwrap();
    let doubled = doubled_checkout(dir.path());
    let (old_json, new_json) = (dir.path().join("old.json"), dir.path().join("new.json"));
    planner()
        .args(["report", "profiles/checkout-api.yaml", "-o"])
        .arg(&old_json)
        .assert()
        .success();
    planner()
        .arg("report")
        .arg(&doubled)
        .arg("-o")
        .arg(&new_json)
        .assert()
        .success();

    let from_profiles = planner()
        .args(["diff", "profiles/checkout-api.yaml"])
        .arg(&doubled)
        .output()
        .unwrap();
    let from_json = planner()
        .arg("diff")
        .arg(&old_json)
        .arg(&new_json)
        .output()
        .unwrap();
    assert_eq!(from_json.status.code(), Some(0));
    let body = |out: &std::process::Output| stdout(out).split_once('\n').unwrap().1.to_string();
    assert_eq!(
        body(&from_json),
        body(&from_profiles),
        "the same changes either way"
    );

    let mixed = planner()
        .arg("diff")
        .arg(&old_json)
        .arg(&doubled)
        .args(["--fail-above", "50"])
        .output()
        .unwrap();
    assert_eq!(mixed.status.code(), Some(1));

    let same = planner()
        .arg("diff")
        .arg(&old_json)
        .args(["profiles/checkout-api.yaml", "--fail-above", "0"])
        .output()
        .unwrap();
    assert_eq!(same.status.code(), Some(0));
    assert!(
        stdout(&same).contains("No change in recommendations, costs or risks."),
        "{}",
        stdout(&same)
    );

    // A JSON file that is not a report is bad input.
    let junk = dir.path().join("junk.json");
    fs::write(&junk, "{\"a\": 1}").unwrap();
    let out = planner()
        .arg("diff")
        .arg(&junk)
        .arg(&old_json)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// A file with more problems than `check` reads past at once says more may follow, rather
/// than passing its first ones off as the whole list.
#[test]
fn check_says_when_more_problems_may_follow() {
    let mut text = String::from("version: 1\nname: many\nworkloads:\n");
    for i in 0..300 {
        text.push_str(&format!(
            "  - name: w{i}\n    kind: service\n    traffic: {{ rps: 1 }}\n    bogus: 1\n"
        ));
    }
    let errors = planner::profile::parse(&text, Path::new("many.yaml")).unwrap_err();
    let last = errors.iter().last().unwrap();
    assert!(errors.len() > 100, "{}", errors.len());
    assert!(
        last.message.starts_with("more problems may follow"),
        "{last}"
    );
    assert!(
        errors
            .iter()
            .filter(|e| e.message.starts_with("more problems"))
            .count()
            == 1
    );
}
