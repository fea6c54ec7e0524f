//! Background jobs in the TUI: the registry's transitions driven through `update` with no
//! terminal, the price refresh confirm and its result applied at once, and the runner with a
//! real job against a local Price List server (cancel, and a failure) in this process.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use planner::model::Platform;
use planner::tui::action::{Action, Effect};
use planner::tui::app::{App, Overlay, Question, Tab};
use planner::tui::jobs::{JobKind, JobOutcome, JobStatus, Runner};
use planner::tui::source::{Options, Source};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::Duration;

const TODAY: (i32, u32, u32) = (2026, 1, 15);

fn shop() -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        Path::new("tests/fixtures/tui/shop.yaml"),
        dir.path().join("shop.yaml"),
    )
    .unwrap();
    let source = Source::Folder(dir.path().to_path_buf());
    let app = App::new(source.load(&Options::default()).unwrap(), TODAY);
    (dir, app)
}

/// Apply an action and its effects, re-planning in line; jobs are not started.
fn act(app: &mut App, action: Action) {
    planner::tui::dispatch(app, action, &Source::BuiltIn, &Options::default());
}

fn fake_job(app: &mut App, title: &str) -> u64 {
    let effect = app.start_job(
        title.into(),
        JobKind::RefreshPrices {
            region: "us-east-1".into(),
            dir: PathBuf::from("unused"),
            endpoint_url: None,
        },
    );
    match effect {
        Effect::Spawn { id, .. } => id,
        other => panic!("{other:?}"),
    }
}

fn lambda_cost(app: &App) -> f64 {
    let (_, _, wp) = app.selected().unwrap();
    wp.options
        .iter()
        .find(|o| o.platform == Platform::Lambda)
        .unwrap()
        .monthly_cost_usd
}

#[test]
fn a_job_runs_reports_progress_and_finishes() {
    let (_d, mut app) = shop();
    assert_eq!(app.running_jobs(), 0);
    let id = fake_job(&mut app, "job a");
    assert_eq!(app.running_jobs(), 1);
    assert_eq!(app.jobs[0].status, JobStatus::Running);
    assert_eq!(app.jobs[0].progress, None);

    act(
        &mut app,
        Action::JobProgress {
            id,
            done: 3,
            total: 6,
            note: "AWSLambda: 12 products".into(),
        },
    );
    assert_eq!(app.jobs[0].progress, Some(0.5));
    assert_eq!(app.jobs[0].note, "AWSLambda: 12 products");

    act(
        &mut app,
        Action::JobFinished {
            id,
            result: JobOutcome::Done("all good".into()),
        },
    );
    assert_eq!(app.jobs[0].status, JobStatus::Done("all good".into()));
    assert_eq!(app.running_jobs(), 0);
    // Progress after the end is ignored.
    act(
        &mut app,
        Action::JobProgress {
            id,
            done: 1,
            total: 6,
            note: "late".into(),
        },
    );
    assert_eq!(app.jobs[0].note, "AWSLambda: 12 products");
    assert!(app.status.as_ref().unwrap().text.contains("all good"));
}

#[test]
fn x_cancels_the_selected_running_job_only() {
    let (_d, mut app) = shop();
    let a = fake_job(&mut app, "job a");
    let b = fake_job(&mut app, "job b");
    act(&mut app, Action::JobsTab);
    assert_eq!(app.view.tab, Tab::Jobs);
    // The newest job is selected; move to the first.
    assert_eq!(app.sel.job, 1);
    act(&mut app, Action::Up);
    assert_eq!(app.sel.job, 0);
    assert_eq!(app.update(Action::CancelJob), vec![Effect::Cancel(a)]);
    assert!(app.jobs[0].cancelling);
    assert_eq!(
        app.jobs[0].status,
        JobStatus::Running,
        "until the job says so"
    );
    act(
        &mut app,
        Action::JobFinished {
            id: a,
            result: JobOutcome::Cancelled,
        },
    );
    assert_eq!(app.jobs[0].status, JobStatus::Cancelled);
    assert_eq!(app.jobs[1].status, JobStatus::Running);
    assert_eq!(app.running_jobs(), 1);
    // x on a finished job does nothing.
    assert!(app.update(Action::CancelJob).is_empty());
    // The key is bound on the Jobs tab.
    let key = crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char('x'),
        crossterm::event::KeyModifiers::NONE,
    );
    assert_eq!(
        planner::tui::keymap::lookup(&app.contexts(), &key),
        Some(Action::CancelJob)
    );
    act(
        &mut app,
        Action::JobFinished {
            id: b,
            result: JobOutcome::Failed("no network".into()),
        },
    );
    assert_eq!(app.jobs[1].status, JobStatus::Failed("no network".into()));
    let status = app.status.as_ref().unwrap();
    assert!(
        status.text.contains("job b failed: no network"),
        "{}",
        status.text
    );
}

#[test]
fn quit_with_running_jobs_asks_first_and_ctrl_c_does_not() {
    let (_d, mut app) = shop();
    fake_job(&mut app, "job a");
    assert!(app.update(Action::Quit).is_empty());
    assert_eq!(app.view.overlay, Overlay::Confirm(Question::QuitJobs));
    assert!(app.update(Action::Confirm(false)).is_empty());
    assert!(!app.quitting);
    app.update(Action::Quit);
    assert_eq!(app.update(Action::Confirm(true)), vec![Effect::Quit]);
    assert!(app.quitting);

    let (_d, mut app) = shop();
    fake_job(&mut app, "job a");
    assert_eq!(app.update(Action::ForceQuit), vec![Effect::Quit]);
}

#[test]
fn refresh_asks_first_then_starts_a_job() {
    let (_d, mut app) = shop();
    act(&mut app, Action::Down);
    assert!(app.update(Action::RefreshPrices).is_empty());
    let Overlay::Confirm(Question::RefreshPrices { region, dir }) = app.view.overlay.clone() else {
        panic!("{:?}", app.view.overlay)
    };
    assert_eq!(region, "us-east-1");
    assert_eq!(dir, PathBuf::from("pricing-cache"));
    // No: nothing starts.
    assert!(app.update(Action::Confirm(false)).is_empty());
    assert!(app.jobs.is_empty());

    app.pricing_dir = Some(PathBuf::from("my-prices"));
    app.update(Action::RefreshPrices);
    let effects = app.update(Action::Confirm(true));
    assert_eq!(
        effects,
        vec![Effect::Spawn {
            id: 1,
            kind: JobKind::RefreshPrices {
                region: "us-east-1".into(),
                dir: PathBuf::from("my-prices"),
                endpoint_url: None,
            }
        }]
    );
    assert_eq!(app.running_jobs(), 1);
    assert_eq!(app.jobs[0].title, "refresh us-east-1 prices");
}

#[test]
fn a_refreshed_book_applies_at_once() {
    let (_d, mut app) = shop();
    act(&mut app, Action::Down);
    let before = lambda_cost(&app);
    let id = fake_job(&mut app, "refresh us-east-1 prices");
    let mut book = planner::pricing::built_in("us-east-1").unwrap();
    for price in book.book.prices.values_mut() {
        for tier in &mut price.tiers {
            tier.usd *= 2.0;
        }
    }
    book.origin = "pricing-cache/us-east-1.yaml".into();
    act(
        &mut app,
        Action::JobFinished {
            id,
            result: JobOutcome::PricesRefreshed {
                path: PathBuf::from("pricing-cache/us-east-1.yaml"),
                book: Box::new(book),
                message: "wrote pricing-cache/us-east-1.yaml".into(),
            },
        },
    );
    let after = lambda_cost(&app);
    assert!(after > before * 1.5, "{after} vs {before}");
    let status = &app.status.as_ref().unwrap().text;
    assert!(status.contains("pricing-cache/us-east-1.yaml"), "{status}");
    let (l, _, _) = app.selected().unwrap();
    assert_eq!(l.book.origin, "pricing-cache/us-east-1.yaml");
}

// ------------------------------------------------------------------ a real job

/// A Price List endpoint that answers every request with `status` and `error_type`, or
/// never answers when `status` is 0.
fn endpoint(status: u16, error_type: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut len = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end().to_ascii_lowercase();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("content-length:") {
                        len = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; len];
                let _ = reader.read_exact(&mut body);
                if status == 0 {
                    std::thread::sleep(Duration::from_secs(30));
                    return;
                }
                let payload = format!(r#"{{"__type":"{error_type}","message":"denied"}}"#);
                let mut out = stream;
                let _ = write!(
                    out,
                    "HTTP/1.1 {status} Error\r\nContent-Type: application/x-amz-json-1.1\r\n\
                     X-Amzn-Errortype: {error_type}\r\nContent-Length: {}\r\n\
                     Connection: close\r\n\r\n{payload}",
                    payload.len()
                );
            });
        }
    });
    url
}

async fn static_sdk() -> aws_config::SdkConfig {
    use aws_sdk_pricing::config::{Credentials, Region};
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .credentials_provider(Credentials::new("AKIDTEST", "test-secret", None, None, "t"))
        .region(Region::new("us-east-1"))
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .load()
        .await
}

#[test]
fn a_failed_refresh_is_a_failed_job_and_the_old_book_survives() {
    let url = endpoint(400, "AccessDeniedException");
    let dir = tempfile::tempdir().unwrap();
    let old_book = planner::pricing::built_in("us-east-1").unwrap().book;
    let path = planner::pricing::write_atomic(dir.path(), &old_book).unwrap();
    let old = std::fs::read_to_string(&path).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let outcome = rt.block_on(async {
        let sdk = static_sdk().await;
        planner::tui::jobs::refresh_prices(7, "us-east-1", dir.path(), Some(&url), &sdk, &tx).await
    });
    let JobOutcome::Failed(msg) = outcome else {
        panic!("{outcome:?}")
    };
    assert!(msg.contains("pricing:GetProducts"), "{msg}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), old);
    // It reported progress on its job id before failing.
    let first = rx.try_recv().unwrap();
    assert!(
        matches!(first, Action::JobProgress { id: 7, done: 0, .. }),
        "{first:?}"
    );
}

#[test]
fn the_runner_cancels_a_refresh_midway_and_the_old_book_survives() {
    let url = endpoint(0, "");
    let dir = tempfile::tempdir().unwrap();
    let old_book = planner::pricing::built_in("us-east-1").unwrap().book;
    let path = planner::pricing::write_atomic(dir.path(), &old_book).unwrap();
    let old = std::fs::read_to_string(&path).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (_d, mut app) = shop();
    let id = fake_job(&mut app, "refresh us-east-1 prices");
    rt.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::channel(64);
        let mut runner = Runner::new(tx);
        let out = dir.path().to_path_buf();
        runner.spawn_body(id, move |tx, mut cancel| async move {
            let sdk = static_sdk().await;
            tokio::select! {
                r = planner::tui::jobs::refresh_prices(id, "us-east-1", &out, Some(&url), &sdk, &tx) => r,
                () = cancel.cancelled() => JobOutcome::Cancelled,
            }
        });
        // Feed what the job says into the app until it has started downloading.
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(5), rx.recv())
                .await
                .unwrap()
                .unwrap();
            let started = matches!(msg, Action::JobProgress { .. });
            act(&mut app, msg);
            if started {
                break;
            }
        }
        assert!(app.jobs[0].note.contains("reading us-east-1 prices"), "{}", app.jobs[0].note);
        act(&mut app, Action::JobsTab);
        let Effect::Cancel(cancel) = app.update(Action::CancelJob).remove(0) else {
            panic!()
        };
        runner.cancel(cancel);
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(5), rx.recv())
                .await
                .unwrap()
                .unwrap();
            let done = matches!(msg, Action::JobFinished { .. });
            act(&mut app, msg);
            if done {
                break;
            }
        }
        runner.shutdown(Duration::from_secs(1)).await;
    });
    assert_eq!(app.jobs[0].status, JobStatus::Cancelled);
    assert_eq!(app.running_jobs(), 0);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), old);
}

// ------------------------------------------------------------------ calibration

#[test]
fn calibration_asks_for_the_function_shows_the_plan_then_starts_a_job() {
    let (_d, mut app) = shop();
    app.update(Action::StartCalibration);
    assert_eq!(
        app.view.overlay,
        Overlay::Prompt(planner::tui::app::PromptKind::Calibrate)
    );
    assert_eq!(app.input, "cart-api 512,1024,2048");
    // A bad size is refused inline.
    app.update(Action::Input('9'));
    app.update(Action::Input('9'));
    app.update(Action::Input('9'));
    app.update(Action::Input('9'));
    app.update(Action::Input('9'));
    assert!(app.update(Action::Enter).is_empty());
    let refusal = app.refusal.clone().unwrap();
    assert!(refusal.contains("out of range"), "{refusal}");
    for _ in 0..5 {
        app.update(Action::Backspace);
    }
    assert!(app.update(Action::Enter).is_empty());
    let Overlay::Confirm(Question::Calibrate { plan, .. }) = app.view.overlay.clone() else {
        panic!("{:?}", app.view.overlay)
    };
    assert!(plan.contains("60 invocations"), "{plan}");
    assert!(plan.contains("cap 1000"), "{plan}");
    assert!(plan.contains("at most $"), "{plan}");
    assert!(plan.contains("shop.calibration.yaml"), "{plan}");
    assert!(app.jobs.is_empty(), "nothing runs before yes");
    let effects = app.update(Action::Confirm(true));
    let [Effect::Spawn { id, kind }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let JobKind::Calibrate(job) = kind else {
        panic!("{kind:?}")
    };
    assert_eq!(job.function, "cart-api");
    assert_eq!(job.sizes, vec![512, 1024, 2048]);
    assert_eq!(app.jobs[0].title, "calibrate cart-api on cart-api");
    // Success reloads the profile so the calibration is used.
    let effects = app.update(Action::JobFinished {
        id: *id,
        result: JobOutcome::Calibrated("wrote shop.calibration.yaml".into()),
    });
    assert_eq!(effects, vec![Effect::Reload]);
    assert!(matches!(app.jobs[0].status, JobStatus::Done(_)));
}

#[test]
fn calibration_of_a_built_in_example_is_refused() {
    let mut app = App::new(Source::BuiltIn.load(&Options::default()).unwrap(), TODAY);
    app.update(Action::StartCalibration);
    assert_eq!(app.view.overlay, Overlay::None);
    assert!(app.status.as_ref().unwrap().text.contains("sidecar"));
}
