//! The TUI's calibration job for real: `Runner::spawn` runs `JobKind::Calibrate` against the
//! fake Lambda REST API of `tests/common` (the real SDK client, static test credentials), and
//! what the job reports drives the `App` (progress, the result, the reload). Also quit's wait
//! for a calibration still cleaning up (`jobs::finish_calibrations`), with no terminal.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{FN, Fake, Logs, fast, serve, static_sdk};
use planner::model::Platform;
use planner::tui::action::{Action, Effect};
use planner::tui::app::{App, Overlay, Question};
use planner::tui::jobs::{
    AwsSetup, Finish, JobId, JobKind, JobOutcome, JobStatus, Runner, Track, finish_calibrations,
};
use planner::tui::source::{Options, Source};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::sync::mpsc::{Receiver, channel};

const TODAY: (i32, u32, u32) = (2026, 1, 15);

/// The shop fixture copied into a folder of its own (the sidecar is written beside it).
fn shop() -> (tempfile::TempDir, Source, App) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        Path::new("tests/fixtures/tui/shop.yaml"),
        dir.path().join("shop.yaml"),
    )
    .unwrap();
    let source = Source::Folder(dir.path().to_path_buf());
    let app = App::new(source.load(&Options::default()).unwrap(), TODAY);
    (dir, source, app)
}

fn lambda(app: &App) -> (f64, f64) {
    let (_, _, wp) = app.selected().unwrap();
    let o = wp
        .options
        .iter()
        .find(|o| o.platform == Platform::Lambda)
        .unwrap();
    (o.monthly_cost_usd, o.latency_ms.p50)
}

/// The confirm flow of `C`: the function and sizes typed, the plan shown, `y`. Returns the
/// job the app asks the loop to spawn.
fn start(app: &mut App, sizes: &str) -> (JobId, JobKind) {
    app.update(Action::StartCalibration);
    app.input = format!("{FN} {sizes}");
    app.update(Action::Enter);
    assert!(
        matches!(
            app.view.overlay,
            Overlay::Confirm(Question::Calibrate { .. })
        ),
        "{:?} {:?}",
        app.view.overlay,
        app.refusal
    );
    let mut effects = app.update(Action::Confirm(true));
    let Some(Effect::Spawn { id, kind }) = effects.pop() else {
        panic!("{effects:?}")
    };
    (id, kind)
}

async fn runner_for(fake: Fake) -> (Arc<Mutex<Fake>>, String, Runner, Receiver<Action>) {
    let fake = Arc::new(Mutex::new(fake));
    let url = serve(fake.clone()).await;
    let (tx, rx) = channel(64);
    let runner = Runner::with_aws(
        tx,
        AwsSetup {
            sdk: Some(static_sdk(None).await),
            tuning: fast(),
        },
    );
    (fake, url, runner, rx)
}

async fn next(rx: &mut Receiver<Action>) -> Action {
    tokio::time::timeout(Duration::from_secs(30), rx.recv())
        .await
        .expect("the job went quiet")
        .expect("the channel closed")
}

/// Feed the job's messages to the app (effects run, re-plans in line) until it finishes;
/// `each` sees every message first. Returns the progress notes seen.
async fn drive(
    app: &mut App,
    source: &Source,
    rx: &mut Receiver<Action>,
    mut each: impl FnMut(&mut App, &Action),
) -> Vec<String> {
    let mut notes = Vec::new();
    loop {
        let msg = next(rx).await;
        each(app, &msg);
        if let Action::JobProgress { note, .. } = &msg {
            notes.push(note.clone());
        }
        let done = matches!(msg, Action::JobFinished { .. });
        planner::tui::dispatch(app, msg, source, &Options::default());
        if done {
            return notes;
        }
    }
}

#[tokio::test]
async fn the_job_measures_writes_the_sidecar_and_the_figures_move() {
    let (dir, source, mut app) = shop();
    let before_figures = lambda(&app);
    let mut fake = Fake::new(Logs::Text);
    fake.io_ms = 200.0;
    fake.cpu_ms = 300.0;
    let (fake, url, mut runner, mut rx) = runner_for(fake).await;
    let before = fake.lock().unwrap().state();
    app.lambda_endpoint = Some(url.clone());
    let (id, kind) = start(&mut app, "512,1024,1769");
    let JobKind::Calibrate(job) = &kind else {
        panic!("{kind:?}")
    };
    assert_eq!(job.endpoint_url.as_deref(), Some(url.as_str()));
    runner.spawn(id, kind);

    let mut fractions = Vec::new();
    let notes = drive(&mut app, &source, &mut rx, |app, msg| {
        if matches!(msg, Action::JobProgress { .. })
            && let Some(p) = app.jobs[0].progress
        {
            fractions.push(p);
        }
    })
    .await;
    // Per size: invocations done (and errors when there are any), size after size; a size
    // done shows its median duration.
    let done = |part: &str, mb: &str| {
        part.strip_prefix(&format!("{mb} MB ✓ "))
            .and_then(|rest| rest.strip_suffix(" ms"))
            .is_some_and(|ms| ms.replace(',', "").parse::<f64>().is_ok_and(|v| v > 0.0))
    };
    assert!(
        notes.iter().any(|n| {
            let parts: Vec<&str> = n.split(" · ").collect();
            parts.len() == 3
                && done(parts[0], "512")
                && parts[1].starts_with("1024 MB ")
                && parts[1].ends_with("/20")
                && parts[2] == "1769 MB"
        }),
        "{notes:#?}"
    );
    assert!(
        notes.iter().any(|n| {
            let parts: Vec<&str> = n.split(" · ").collect();
            parts.len() == 3
                && done(parts[0], "512")
                && done(parts[1], "1024")
                && done(parts[2], "1769")
        }),
        "{notes:#?}"
    );
    assert!(fractions.windows(2).all(|w| w[0] <= w[1]), "{fractions:?}");

    let job = &app.jobs[0];
    let JobStatus::Done(msg) = &job.status else {
        panic!("{:?}", job.status)
    };
    assert!(msg.contains("60 invocations measured"), "{msg}");
    // The function is as it was: memory, versions, aliases.
    assert_eq!(fake.lock().unwrap().state(), before);

    // The sidecar was written and the app reloaded it: the workload is calibrated, its
    // Lambda figures moved, and the plan says where they come from.
    let sidecar = dir.path().join("shop.calibration.yaml");
    assert!(sidecar.exists());
    // The sidecar is not listed as a profile of its own.
    assert_eq!(app.docs.len(), 1);
    let (l, wi, wp) = app.selected().unwrap();
    let cal = l.edited.workloads[wi].calibration.as_ref().unwrap();
    assert_eq!(cal.invocations, 60);
    assert_eq!(cal.sizes.len(), 3);
    let fit = cal.fit.as_ref().unwrap();
    assert!((fit.io_ms - 200.0).abs() / 200.0 < 0.1, "{fit:?}");
    let note = format!("Calibrated on {} from 60 invocations", cal.date);
    assert!(
        wp.notes.iter().any(|n| n.starts_with(&note)),
        "{:#?}",
        wp.notes
    );
    let after_figures = lambda(&app);
    assert!(
        after_figures.1 > before_figures.1 * 2.0,
        "{after_figures:?} vs {before_figures:?}"
    );
    assert!(after_figures.0 > before_figures.0, "cost did not move");
    runner.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn x_halfway_cancels_restores_the_function_and_writes_nothing() {
    let (dir, source, mut app) = shop();
    let mut fake = Fake::new(Logs::Text);
    // Let 25 invocations through: all of 512 MB and 5 of 1024 MB; the 26th waits.
    fake.gate = Some(Arc::new(Semaphore::new(25)));
    let (fake, url, mut runner, mut rx) = runner_for(fake).await;
    let before = fake.lock().unwrap().state();
    app.lambda_endpoint = Some(url);
    let (id, kind) = start(&mut app, "512,1024,2048");
    runner.spawn(id, kind);

    app.update(Action::JobsTab);
    let mut cancelled = false;
    let mut cancel_note = String::new();
    drive(&mut app, &source, &mut rx, |app, msg| {
        if !cancelled
            && matches!(msg, Action::JobProgress { note, .. } if note.contains("1024 MB 5/20"))
        {
            cancelled = true;
            let effects = app.update(Action::CancelJob);
            assert_eq!(effects, vec![Effect::Cancel(id)]);
            runner.cancel(id);
            cancel_note = app.jobs[0].note.clone();
        }
    })
    .await;
    assert!(cancelled, "never saw 1024 MB 5/20");
    assert_eq!(cancel_note, "cancelling…");
    assert_eq!(app.jobs[0].status, JobStatus::Cancelled);
    assert_eq!(app.running_jobs(), 0);
    assert!(!dir.path().join("shop.calibration.yaml").exists());

    runner.shutdown(Duration::from_secs(1)).await;
    let f = fake.lock().unwrap();
    assert_eq!(f.state(), before, "not restored after cancel");
    assert_eq!(f.invocations_run, 25);
    // The second size's alias and version were created, then deleted by the cleanup; the
    // third size never started.
    let alias = f
        .calls
        .iter()
        .find(|c| c.starts_with("DELETE /aliases/planner-calibrate-1024-"));
    assert!(alias.is_some(), "{:#?}", f.calls);
    assert_eq!(f.calls.iter().filter(|c| *c == "POST /versions").count(), 2);
    assert_eq!(f.next_version, 6);
}

#[tokio::test]
async fn a_failing_aws_call_is_a_failed_job_with_a_readable_message() {
    let (dir, source, mut app) = shop();
    let mut fake = Fake::new(Logs::Text);
    fake.deny_get_configuration = true;
    let (fake, url, mut runner, mut rx) = runner_for(fake).await;
    app.lambda_endpoint = Some(url);
    let (id, kind) = start(&mut app, "512,1024");
    runner.spawn(id, kind);
    drive(&mut app, &source, &mut rx, |_, _| {}).await;
    let JobStatus::Failed(msg) = &app.jobs[0].status else {
        panic!("{:?}", app.jobs[0].status)
    };
    assert!(msg.starts_with("GetFunctionConfiguration failed"), "{msg}");
    assert_eq!(
        msg,
        "GetFunctionConfiguration failed: AccessDeniedException: User: \
         arn:aws:iam::123456789012:user/t is not authorized to perform: \
         lambda:GetFunctionConfiguration on resource: calib-fn"
    );
    let status = &app.status.as_ref().unwrap().text;
    assert!(
        status.contains("failed: GetFunctionConfiguration"),
        "{status}"
    );
    assert!(!dir.path().join("shop.calibration.yaml").exists());
    // Read-only: nothing else was called.
    assert!(
        fake.lock()
            .unwrap()
            .calls
            .iter()
            .all(|c| c == "GET /configuration")
    );
}

// ------------------------------------------------------------------ quit

#[tokio::test]
async fn quit_waits_past_the_second_for_a_cleanup_to_finish() {
    let (tx, mut rx) = channel(64);
    let mut runner = Runner::new(tx);
    let cleaned = Arc::new(AtomicBool::new(false));
    let flag = cleaned.clone();
    runner.spawn_tracked(
        1,
        Some(Track::new(FN, "us-east-1")),
        move |_tx, mut cancel| async move {
            cancel.cancelled().await;
            // The cleanup takes longer than quit's first second.
            tokio::time::sleep(Duration::from_millis(1500)).await;
            flag.store(true, Ordering::SeqCst);
            JobOutcome::Cancelled
        },
    );
    // A job that is not a calibration is not waited for past the second.
    runner.spawn_body(2, |_tx, _cancel| std::future::pending());
    runner.shutdown(Duration::from_secs(1)).await;
    assert!(!cleaned.load(Ordering::SeqCst));
    let waiting: Vec<JobId> = runner.cleaning_up().into_iter().map(|(id, _)| id).collect();
    assert_eq!(waiting, vec![1]);

    let mut out = Vec::new();
    let finish = finish_calibrations(
        &mut runner,
        &mut rx,
        Duration::from_secs(120),
        std::future::pending(),
        &mut out,
    )
    .await;
    let out = String::from_utf8(out).unwrap();
    assert_eq!(finish, Finish::Finished { ok: true }, "{out}");
    assert!(cleaned.load(Ordering::SeqCst), "cleanup was cut short");
    assert!(
        out.starts_with(&format!(
            "planner: waiting for the calibration of {FN} to restore its configuration"
        )),
        "{out}"
    );
    assert!(out.contains("cancelled and cleaned up"), "{out}");
}

#[tokio::test]
async fn quit_lets_the_real_job_restore_the_function() {
    let (_dir, _source, mut app) = shop();
    let mut fake = Fake::new(Logs::Text);
    fake.gate = Some(Arc::new(Semaphore::new(3)));
    let deletes = Arc::new(Semaphore::new(0));
    fake.delete_gate = Some(deletes.clone());
    let (fake, url, mut runner, mut rx) = runner_for(fake).await;
    let before = fake.lock().unwrap().state();
    app.lambda_endpoint = Some(url);
    let (id, kind) = start(&mut app, "512,1024");
    runner.spawn(id, kind);
    // Wait until it is invoking (memory set, version and alias created).
    while fake.lock().unwrap().invocations_run < 3 {
        let _ = next(&mut rx).await;
    }
    // Quit: the cleanup's deletes are held up past the second.
    runner.shutdown(Duration::from_secs(1)).await;
    assert_eq!(runner.cleaning_up().len(), 1);
    let release = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        deletes.add_permits(10);
    });
    let mut out = Vec::new();
    let finish = finish_calibrations(
        &mut runner,
        &mut rx,
        Duration::from_secs(60),
        std::future::pending(),
        &mut out,
    )
    .await;
    release.await.unwrap();
    let out = String::from_utf8(out).unwrap();
    assert_eq!(finish, Finish::Finished { ok: true }, "{out}");
    assert_eq!(fake.lock().unwrap().state(), before, "{out}");
}

#[tokio::test]
async fn quit_stops_waiting_and_prints_what_may_be_left_with_the_commands() {
    let (_dir, _source, mut app) = shop();
    let mut fake = Fake::new(Logs::Text);
    fake.gate = Some(Arc::new(Semaphore::new(3)));
    // The cleanup never gets to delete anything.
    fake.delete_gate = Some(Arc::new(Semaphore::new(0)));
    let (fake, url, mut runner, mut rx) = runner_for(fake).await;
    app.lambda_endpoint = Some(url);
    let (id, kind) = start(&mut app, "512,1024");
    runner.spawn(id, kind);
    while fake.lock().unwrap().invocations_run < 3 {
        let _ = next(&mut rx).await;
    }
    runner.shutdown(Duration::from_secs(1)).await;
    let mut out = Vec::new();
    // A second Ctrl-C (here: at once) stops the wait.
    let finish = finish_calibrations(
        &mut runner,
        &mut rx,
        Duration::from_secs(120),
        async {},
        &mut out,
    )
    .await;
    let out = String::from_utf8(out).unwrap();
    let Finish::Abandoned { leftovers } = finish else {
        panic!("{finish:?}\n{out}")
    };
    let commands: Vec<&str> = leftovers.iter().map(|l| l.command.as_str()).collect();
    assert_eq!(commands.len(), 3, "{out}");
    assert!(
        commands[0].starts_with(
            "aws lambda delete-alias --function-name calib-fn --name planner-calibrate-512-"
        ),
        "{out}"
    );
    assert_eq!(
        commands[1..],
        [
            "aws lambda delete-function --function-name calib-fn --qualifier 4 --region us-east-1",
            "aws lambda update-function-configuration --function-name calib-fn --memory-size 256 --region us-east-1",
        ],
        "{out}"
    );
    assert!(out.contains("stopped waiting (interrupted)"), "{out}");
    for c in &commands {
        assert!(out.contains(c), "{out}");
    }
    // What it says is what is there.
    let f = fake.lock().unwrap();
    assert_eq!(f.memory, 512);
    assert_eq!(f.versions.keys().collect::<Vec<_>>(), [&4]);
}
