//! `planner calibrate` against the fake Lambda REST API of `tests/common` (a local HTTP server),
//! driven through the real SDK client with static test credentials. The fake function's
//! durations follow a known I/O + CPU model with noise and cold starts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{ARN, FN, Fake, Logs, background_fake, client, serve};
use planner::aws::lambda::{self as aws, Lambda};
use planner::calibrate::Outcome;
use planner::calibrate::run::{self, Options, Progress, RunOutcome};
use planner::calibrate::{analysis, report_line};
use planner::profile::MeasureSource;
use std::sync::{Arc, Mutex};

// ---------------------------------------------------------------------------------------------
// Helpers.

fn options(sizes: &[u32], invocations: u32, concurrency: u32) -> Options {
    Options {
        function: FN.to_string(),
        region: "us-east-1".to_string(),
        sizes: sizes.to_vec(),
        invocations,
        concurrency,
        payload: b"{}".to_vec(),
        run_id: "t1".to_string(),
    }
}

struct Setup {
    fake: Arc<Mutex<Fake>>,
    lambda: Lambda,
}

async fn setup(fake: Fake) -> Setup {
    let fake = Arc::new(Mutex::new(fake));
    let url = serve(fake.clone()).await;
    Setup {
        fake,
        lambda: client(&url).await,
    }
}

async fn run_with(s: &Setup, opts: &Options, cancel: run::Cancel) -> (RunOutcome, Vec<Progress>) {
    let info = s.lambda.wait_ready(FN).await.unwrap();
    let mut seen = Vec::new();
    let outcome = run::calibrate(&s.lambda, &info, opts, cancel, &mut |p| seen.push(p)).await;
    (outcome, seen)
}

fn book() -> planner::pricing::PriceBook {
    planner::pricing::load("us-east-1", None).unwrap().book
}

// ---------------------------------------------------------------------------------------------
// Tests.

#[tokio::test]
async fn fit_recovers_the_known_parts_and_the_function_is_left_as_it_was() {
    let mut fake = Fake::new(Logs::Text);
    fake.envs = 2;
    fake.io_ms = 200.0;
    fake.cpu_ms = 300.0;
    let s = setup(fake).await;
    let before = s.fake.lock().unwrap().state();
    let info = s.lambda.wait_ready(FN).await.unwrap();
    assert_eq!(info.memory_mb, 256);
    assert_eq!(info.architecture, planner::profile::Architecture::Arm64);

    let opts = options(&[512, 1024, 1769, 3008], 30, 2);
    let (outcome, progress) = run_with(&s, &opts, run::Cancel::never()).await;
    assert!(outcome.completed(), "{:?}", outcome.error);
    assert!(outcome.leftovers.is_empty(), "{:?}", outcome.leftovers);
    assert_eq!(
        s.fake.lock().unwrap().state(),
        before,
        "configuration changed"
    );
    assert!(
        outcome
            .cleaned
            .iter()
            .any(|c| c.contains("restored $LATEST's memory to 256 MB"))
    );
    assert!(progress.iter().any(|p| matches!(
        p,
        Progress::Invoked {
            memory_mb: 3008,
            done: 30,
            total: 30,
            ..
        }
    )));

    let a = analysis::analyze(&outcome.samples, &info, 1, &book()).unwrap();
    let fit = a.fit.as_ref().unwrap();
    assert!((fit.io_ms - 200.0).abs() / 200.0 < 0.05, "io {fit:?}");
    assert!((fit.cpu_ms - 300.0).abs() / 300.0 < 0.05, "cpu {fit:?}");
    assert!(fit.io_se_ms.is_some());
    // Each size's last progress report carries the median of what it measured.
    for st in &a.sizes {
        let last = progress.iter().rev().find_map(|p| match p {
            Progress::Invoked {
                memory_mb, p50_ms, ..
            } if *memory_mb == st.memory_mb => *p50_ms,
            _ => None,
        });
        let p50 = st.duration.unwrap().p50;
        assert!(
            last.is_some_and(|ms| (ms - p50).abs() < 1e-9),
            "{last:?} vs {p50}"
        );
    }
    for st in &a.sizes {
        assert_eq!(st.ok, 30);
        assert_eq!(st.source, MeasureSource::Report);
        assert_eq!(st.cold_starts, 2, "{st:?}");
        assert!((st.cold_start_share - 2.0 / 30.0).abs() < 1e-9);
        assert_eq!(st.init_mean_ms, Some(250.0));
        assert_eq!(st.max_memory_used_mb, Some(80));
        let d = st.duration.unwrap();
        assert!(d.p50 <= d.p90 && d.p90 <= d.p99);
        assert!(st.cost_per_invocation_usd.unwrap() > 0.0);
    }
    // 1,769 and 3,008 MB both have a full vCPU for one thread: the larger is no faster.
    assert!(matches!(a.best.speed, Some(1769 | 3008)));
    assert_eq!(a.best.cost, Some(512));
    assert!(a.predicted_cheapest.is_some());

    // The calibration block round-trips through the profile's sidecar parser.
    let cal = a.to_calibration("2026-07-01", &info, "us-east-1");
    let mut sidecar = planner::profile::Sidecar::default();
    sidecar.workloads.insert("api".into(), cal.clone());
    let text = serde_yaml::to_string(&sidecar).unwrap();
    let back =
        planner::profile::parse_sidecar(&text, std::path::Path::new("x.calibration.yaml")).unwrap();
    assert_eq!(back.workloads["api"], cal);
    assert_eq!(cal.invocations, 120);
}

#[tokio::test]
async fn throttles_errors_timeouts_and_missing_tails_are_counted_apart() {
    let mut fake = Fake::new(Logs::Text);
    fake.throttle_every = 4;
    fake.error_every = 7;
    fake.timeout_every = 11;
    fake.no_tail_every = 5;
    let s = setup(fake).await;
    let before = s.fake.lock().unwrap().state();
    let (outcome, _) = run_with(&s, &options(&[512, 1769], 30, 1), run::Cancel::never()).await;
    assert!(outcome.completed(), "{:?}", outcome.error);
    assert_eq!(s.fake.lock().unwrap().state(), before);
    let info = s.lambda.wait_ready(FN).await.unwrap();
    let a = analysis::analyze(&outcome.samples, &info, 1, &book()).unwrap();
    let total_throttles: usize = a.sizes.iter().map(|x| x.throttles).sum();
    assert!(total_throttles >= 10, "{total_throttles}");
    for st in &a.sizes {
        assert_eq!(st.attempted, 30);
        assert_eq!(st.throttled_out, 0);
        assert!(st.function_errors >= 2, "{st:?}");
        assert!(st.timeouts >= 2, "{st:?}");
        assert!(st.missing_tails >= 3, "{st:?}");
        assert_eq!(st.ok + st.function_errors + st.timeouts, 30);
        // Only successful invocations with a report are in the statistics.
        assert_eq!(st.duration.unwrap().n, st.ok - st.missing_tails);
        // No timed-out duration (30 s) leaks into them.
        assert!(st.duration.unwrap().max < 10_000.0);
    }
    // Invocations that were never throttled to the end all ran.
    let run = s.fake.lock().unwrap().invocations_run;
    assert_eq!(run, 60);
}

#[tokio::test]
async fn without_log_tails_it_falls_back_to_client_timing() {
    let mut fake = Fake::new(Logs::Text);
    fake.no_tail_every = 1;
    let s = setup(fake).await;
    let (outcome, _) = run_with(&s, &options(&[512, 1024], 5, 1), run::Cancel::never()).await;
    assert!(outcome.completed());
    let info = s.lambda.wait_ready(FN).await.unwrap();
    let a = analysis::analyze(&outcome.samples, &info, 1, &book()).unwrap();
    for st in &a.sizes {
        assert_eq!(st.source, MeasureSource::Client);
        assert_eq!(st.missing_tails, 5);
        assert!(st.duration.is_some());
    }
    assert!(a.notes.iter().any(|n| n.contains("client-side")));
}

#[tokio::test]
async fn json_log_format_reports_are_parsed() {
    let s = setup(Fake::new(Logs::Json)).await;
    let (outcome, _) = run_with(&s, &options(&[512, 2048], 10, 1), run::Cancel::never()).await;
    assert!(outcome.completed());
    let info = s.lambda.wait_ready(FN).await.unwrap();
    assert_eq!(info.log_format, "JSON");
    let first = &outcome.samples[0].invocations[0];
    match &first.outcome {
        Outcome::Ok {
            report: Some(r),
            executed_version,
        } => {
            assert_eq!(r.init_duration_ms, Some(250.0));
            assert_eq!(
                r.xray_trace_id.as_deref(),
                Some("1-5e34a66a-474xmpl7c2534a87870b4370")
            );
            assert_eq!(executed_version.as_deref(), Some("4"));
        }
        other => panic!("{other:?}"),
    }
    let a = analysis::analyze(&outcome.samples, &info, 1, &book()).unwrap();
    assert!(
        a.sizes
            .iter()
            .all(|x| x.source == MeasureSource::Report && x.cold_starts == 1)
    );
    assert!(a.fit.is_ok());
}

#[tokio::test]
async fn snapstart_restores_count_as_cold_starts() {
    let s = setup(Fake::new(Logs::SnapStart)).await;
    let (outcome, _) = run_with(&s, &options(&[1024], 6, 1), run::Cancel::never()).await;
    assert!(outcome.completed());
    let info = s.lambda.wait_ready(FN).await.unwrap();
    assert!(info.snap_start);
    let a = analysis::analyze(&outcome.samples, &info, 1, &book()).unwrap();
    let st = &a.sizes[0];
    assert_eq!(st.cold_starts, 1);
    assert_eq!(st.restore_mean_ms, Some(412.5));
    assert_eq!(st.init_mean_ms, None);
    assert!(a.notes.iter().any(|n| n.contains("SnapStart")));
    // One size cannot separate I/O from CPU.
    assert!(a.fit.is_err());
}

#[tokio::test]
async fn a_cancelled_run_still_cleans_up() {
    let (handle, cancel) = run::cancel_pair();
    let mut fake = Fake::new(Logs::Text);
    fake.cancel_after = Some((30, handle)); // halfway through the second of three sizes
    let s = setup(fake).await;
    let before = s.fake.lock().unwrap().state();
    let (outcome, progress) = run_with(&s, &options(&[512, 1024, 2048], 20, 2), cancel).await;
    assert_eq!(outcome.error, Some(aws::AwsError::Cancelled));
    assert!(outcome.leftovers.is_empty(), "{:?}", outcome.leftovers);
    assert_eq!(
        s.fake.lock().unwrap().state(),
        before,
        "not restored after cancel"
    );
    assert!(outcome.samples.len() == 2 && outcome.samples[1].invocations.len() < 20);
    assert!(
        progress
            .iter()
            .any(|p| matches!(p, Progress::Step(s) if s.starts_with("cleanup: deleting alias")))
    );
    // The third size never started.
    assert!(
        !s.fake
            .lock()
            .unwrap()
            .calls
            .iter()
            .any(|c| c == "POST /versions")
            || {
                let f = s.fake.lock().unwrap();
                f.next_version == 6
            }
    );
}

#[tokio::test]
async fn an_sdk_failure_halfway_still_cleans_up() {
    let mut fake = Fake::new(Logs::Text);
    fake.fail_publish_at = Some(5); // the second size's PublishVersion fails
    let s = setup(fake).await;
    let before = s.fake.lock().unwrap().state();
    let (outcome, _) = run_with(&s, &options(&[512, 1024, 2048], 5, 1), run::Cancel::never()).await;
    match &outcome.error {
        Some(aws::AwsError::Call { op, .. }) => assert_eq!(*op, "PublishVersion"),
        other => panic!("{other:?}"),
    }
    assert!(outcome.leftovers.is_empty());
    assert_eq!(s.fake.lock().unwrap().state(), before);
}

#[tokio::test]
async fn a_failed_cleanup_names_what_is_left_and_how_to_remove_it() {
    let mut fake = Fake::new(Logs::Text);
    fake.fail_delete_alias = true;
    let s = setup(fake).await;
    let (outcome, _) = run_with(&s, &options(&[512], 3, 1), run::Cancel::never()).await;
    assert!(outcome.completed());
    let commands: Vec<&str> = outcome
        .leftovers
        .iter()
        .map(|l| l.command.as_str())
        .collect();
    assert_eq!(
        commands,
        [
            "aws lambda delete-alias --function-name calib-fn --name planner-calibrate-512-t1 --region us-east-1",
            "aws lambda delete-function --function-name calib-fn --qualifier 4 --region us-east-1",
        ]
    );
    // The memory was still restored.
    assert_eq!(s.fake.lock().unwrap().memory, 256);
}

#[test]
fn the_fake_speaks_the_documented_report_format() {
    let mut f = Fake::new(Logs::Text);
    f.versions.insert(4, (1024, String::new()));
    f.aliases.insert("a".into(), "4".into());
    let reply = f.invoke("a");
    let tail = &reply
        .headers
        .iter()
        .find(|(k, _)| k == "X-Amz-Log-Result")
        .unwrap()
        .1;
    let r = report_line::parse_tail(&report_line::decode_tail(tail).unwrap()).unwrap();
    assert_eq!(r.memory_size_mb, 1024);
    assert!(r.is_cold());
}

// ---------------------------------------------------------------------------------------------
// The command line, end to end: the real binary against the fake, in a thread of its own.

const PROFILE: &str = "version: 1\nname: Calibration test\nworkloads:\n  - name: api   # measured by planner calibrate\n    kind: service\n    traffic: { rps: 20 }\n    request: { duration_ms: 1000, cpu_ms: 100, memory_mb: 256 }\n";

fn planner() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("planner").unwrap();
    for var in [
        "AWS_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_SESSION_TOKEN",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("AWS_ACCESS_KEY_ID", "AKIDTEST")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent/config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
        .env("NO_COLOR", "1");
    cmd
}

/// `planner calibrate PROFILE --workload api --function FN --endpoint-url URL`.
fn calibrate_cmd(profile: &std::path::Path, url: &str) -> assert_cmd::Command {
    let mut c = planner();
    c.args([
        "calibrate",
        profile.to_str().unwrap(),
        "--workload",
        "api",
        "--function",
        FN,
        "--endpoint-url",
        url,
    ]);
    c
}

#[test]
fn cli_calibrates_writes_the_sidecar_and_the_report_uses_it() {
    let mut fake = Fake::new(Logs::Text);
    fake.io_ms = 200.0;
    fake.cpu_ms = 300.0;
    let (fake, url) = background_fake(fake);
    let before = fake.lock().unwrap().state();
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("svc.yaml");
    std::fs::write(&profile, PROFILE).unwrap();

    let out = calibrate_cmd(&profile, &url)
        .args(["--memory", "512,1024,1769", "--invocations", "30", "--yes"])
        .write_stdin("")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("Fit: duration = "), "{stdout}");
    assert!(stdout.contains("| 512 | 30 |"), "{stdout}");
    assert!(stderr.contains("most it can cost"), "{stderr}");
    assert!(stderr.contains("the function is as it was"), "{stderr}");
    assert_eq!(fake.lock().unwrap().state(), before);

    // The user's file is untouched; the sidecar holds the block.
    assert_eq!(std::fs::read_to_string(&profile).unwrap(), PROFILE);
    let sidecar = std::fs::read_to_string(dir.path().join("svc.calibration.yaml")).unwrap();
    assert!(
        sidecar.starts_with("# Written by `planner calibrate`"),
        "{sidecar}"
    );
    assert!(sidecar.contains("  api:\n"), "{sidecar}");
    let loaded = planner::profile::load(&profile).unwrap();
    let cal = loaded.workloads[0].calibration.as_ref().unwrap();
    let fit = cal.fit.as_ref().unwrap();
    assert!((fit.io_ms - 200.0).abs() / 200.0 < 0.05, "{fit:?}");
    assert_eq!(cal.sizes.len(), 3);
    assert_eq!(cal.invocations, 90);
    assert_eq!(cal.function, ARN);

    // The report says so and shows measured against modelled.
    let report = planner()
        .args(["report", profile.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&report.stdout);
    assert!(report.status.success());
    assert!(
        text.contains(&format!("Calibrated on {} from 90 invocations", cal.date)),
        "{text}"
    );
    assert!(text.contains("At 512 MB: measured p50"), "{text}");
}

#[test]
fn cli_refuses_without_a_terminal_or_yes_and_dry_run_changes_nothing() {
    let (fake, url) = background_fake(Fake::new(Logs::Text));
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("svc.yaml");
    std::fs::write(&profile, PROFILE).unwrap();
    let base = |extra: &[&str]| {
        let mut c = calibrate_cmd(&profile, &url);
        c.args(extra).write_stdin("");
        c
    };

    let out = base(&[]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("refusing"));

    let out = base(&["--dry-run"]).output().unwrap();
    assert!(out.status.success());
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(plan.contains("most it can cost: $"), "{plan}");
    assert!(
        plan.contains("restore $LATEST's memory to 256 MB"),
        "{plan}"
    );
    assert!(
        plan.contains("512, 1024, 2048 MB; 20 invocations each (60 in all)"),
        "{plan}"
    );

    // Read-only so far: only GetFunctionConfiguration.
    assert!(
        fake.lock()
            .unwrap()
            .calls
            .iter()
            .all(|c| c == "GET /configuration")
    );
    assert!(!dir.path().join("svc.calibration.yaml").exists());

    // Bad input is refused before any AWS call.
    let calls = fake.lock().unwrap().calls.len();
    for (args, msg) in [
        (
            &["--memory", "512,1024", "--invocations", "600"][..],
            "more than the cap of 1000",
        ),
        (&["--memory", "64"][..], "out of range (128..=10240 MB)"),
        (&["--workload", "apj"][..], "did you mean `api`?"),
    ] {
        let mut c = planner();
        c.args([
            "calibrate",
            profile.to_str().unwrap(),
            "--function",
            FN,
            "--yes",
        ]);
        if !args.contains(&"--workload") {
            c.args(["--workload", "api"]);
        }
        let out = c
            .args(args)
            .args(["--endpoint-url", &url])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(msg),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(fake.lock().unwrap().calls.len(), calls);
}

#[test]
fn a_sidecar_naming_no_workload_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("svc.yaml");
    std::fs::write(&profile, PROFILE).unwrap();
    std::fs::write(
        dir.path().join("svc.calibration.yaml"),
        "version: 1\nworkloads:\n  apx:\n    date: 2026-07-01\n    function: f\n    invocations: 3\n",
    )
    .unwrap();
    let out = planner()
        .args(["check", profile.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("svc.calibration.yaml:3:3: workloads.apx: no workload named `apx`")
            && err.contains("did you mean `api`?"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// Credentials: calibration gets the same actionable messages as `planner pricing refresh`.

/// Without credentials nothing is called; with credentials Lambda calls expired, the first
/// call is not retried. Either way: exit 1, a message that says what to do, nothing written.
#[test]
fn cli_credentials_problems_say_what_to_do() {
    for expired in [false, true] {
        let mut fake = Fake::new(Logs::Text);
        fake.expired_token = expired;
        let (fake, url) = background_fake(fake);
        let dir = tempfile::tempdir().unwrap();
        let profile = dir.path().join("svc.yaml");
        std::fs::write(&profile, PROFILE).unwrap();
        let mut cmd = calibrate_cmd(&profile, &url);
        cmd.arg("--yes").write_stdin("");
        if !expired {
            cmd.env_remove("AWS_ACCESS_KEY_ID")
                .env_remove("AWS_SECRET_ACCESS_KEY");
        }
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        let (message, hint, calls): (&str, &str, &[&str]) = if expired {
            (
                "error: the AWS credentials have expired (GetFunctionConfiguration: \
                 ExpiredTokenException: The security token included in the request is expired)",
                "aws sso login",
                &["GET /configuration"],
            )
        } else {
            (
                "error: no AWS credentials found",
                "lambda:InvokeFunction",
                &[],
            )
        };
        assert!(stderr.contains(message), "{stderr}");
        assert!(stderr.contains(hint), "{stderr}");
        assert_eq!(fake.lock().unwrap().calls, calls);
        assert!(!dir.path().join("svc.calibration.yaml").exists());
    }
}

#[tokio::test]
async fn expired_static_credentials_fail_before_any_call() {
    let fake = Arc::new(Mutex::new(Fake::new(Logs::Text)));
    let url = serve(fake.clone()).await;
    let expired = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(&url)
        .credentials_provider(aws_sdk_lambda::config::Credentials::new(
            "AKIDTEST",
            "secret",
            Some("token".into()),
            Some(expired),
            "test",
        ))
        .load()
        .await;
    let err = match planner::ops::calibration::connect(&sdk, common::fast(), FN).await {
        Ok(_) => panic!("expired credentials were accepted"),
        Err(e) => e,
    };
    assert!(matches!(err, aws::AwsError::Credentials(_)), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("the AWS credentials have expired: refresh them"),
        "{err}"
    );
    assert!(fake.lock().unwrap().calls.is_empty());
}
