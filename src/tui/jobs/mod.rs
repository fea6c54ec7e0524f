//! Background jobs: the registry kept in the app state (plain data, changed only by
//! `App::update`) and the runner the loop uses to spawn, cancel and reap them.
//!
//! A worker is a tokio task holding a clone of the loop's bounded `Sender<Action>`, a
//! [`Cancel`] and its [`JobId`]. It never touches the app: it reports progress with
//! `try_send` (progress may be dropped; a newer one follows) and its end with `send`.
//!
//! On quit the loop cancels every job and waits at most a second; a calibration still
//! restoring its function after that is waited for once the terminal is back
//! ([`finish_calibrations`]), and if it cannot finish, what may be left is printed with the
//! commands that remove it.
//!
//! The jobs themselves are in `refresh` and `calibrate`: each runs the steps of its
//! operation (`crate::ops`) and turns what they report into `Action`s.

mod calibrate;
mod refresh;

pub use calibrate::{CalibrationJob, SizeCount, SizeProgress};
pub use refresh::refresh_prices;

use super::action::Action;
use crate::aws::lambda::{FunctionInfo, Tuning};
use crate::calibrate::{Cancel, CancelHandle, Leftover, SharedLedger, cancel_pair};
use crate::pricing::LoadedBook;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{Receiver, Sender};

pub type JobId = u64;

#[derive(Debug, Clone, PartialEq)]
pub enum JobStatus {
    Running,
    Done(String),
    Failed(String),
    Cancelled,
}

/// One background job as the Jobs tab shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: JobId,
    pub title: String,
    pub started: Instant,
    /// 0..=1 once the job has reported a total.
    pub progress: Option<f32>,
    /// What it is doing now (the latest progress note).
    pub note: String,
    pub status: JobStatus,
    /// Cancel was asked for and the job has not finished yet.
    pub cancelling: bool,
}

impl Job {
    pub fn running(&self) -> bool {
        self.status == JobStatus::Running
    }
}

/// What a job does.
#[derive(Debug, Clone, PartialEq)]
pub enum JobKind {
    /// Rebuild `region`'s price book from the AWS Price List API into `dir`.
    RefreshPrices {
        region: String,
        dir: PathBuf,
        /// `None`: the standard endpoint (or `AWS_ENDPOINT_URL`).
        endpoint_url: Option<String>,
    },
    /// Measure a Lambda function and write a workload's calibration into its profile's
    /// sidecar. The run always cleans up (restores memory, deletes versions and aliases).
    Calibrate(CalibrationJob),
}

/// How a job ended.
#[derive(Debug, Clone, PartialEq)]
pub enum JobOutcome {
    Done(String),
    /// A new price book was written: apply it at once.
    PricesRefreshed {
        path: PathBuf,
        book: Box<LoadedBook>,
        message: String,
    },
    /// A calibration was written to the sidecar: reload the profile.
    Calibrated(String),
    Failed(String),
    Cancelled,
}

/// How jobs reach AWS. The default loads the standard configuration (credential chain,
/// environment) for each job and paces Lambda calls for real AWS; tests give a loaded
/// configuration with static credentials and faster timings.
#[derive(Debug, Clone, Default)]
pub struct AwsSetup {
    /// Use this configuration instead of loading one (the job's Region and endpoint URL are
    /// still applied).
    pub sdk: Option<aws_config::SdkConfig>,
    /// Pacing and retries of calibration's Lambda calls.
    pub tuning: Tuning,
}

/// What a calibration job has changed in the account so far, shared between the job and the
/// runner: if quit stops waiting for the job's cleanup, this says what may be left.
#[derive(Debug, Clone)]
pub struct Track(Arc<Mutex<Tracked>>);

#[derive(Debug)]
struct Tracked {
    function: String,
    region: String,
    /// The configuration read before anything changed (what cleanup restores).
    info: Option<FunctionInfo>,
    ledger: SharedLedger,
}

impl Track {
    pub fn new(function: &str, region: &str) -> Track {
        Track(Arc::new(Mutex::new(Tracked {
            function: function.to_string(),
            region: region.to_string(),
            info: None,
            ledger: SharedLedger::default(),
        })))
    }

    fn with<T>(&self, f: impl FnOnce(&mut Tracked) -> T) -> T {
        match self.0.lock() {
            Ok(mut t) => f(&mut t),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    /// The function being calibrated, as the user named it.
    pub fn function(&self) -> String {
        self.with(|t| t.function.clone())
    }

    /// The ledger the run keeps (what it created and has not removed yet).
    pub fn ledger(&self) -> SharedLedger {
        self.with(|t| t.ledger.clone())
    }

    /// Record the function's configuration as read before the run.
    pub fn set_info(&self, info: FunctionInfo) {
        self.with(|t| t.info = Some(info));
    }

    /// What may be left in the account if the job stops now, with the commands that remove
    /// it; empty when nothing was changed or everything was cleaned up.
    pub fn leftovers(&self) -> Vec<Leftover> {
        self.with(|t| match &t.info {
            Some(info) => t.ledger.snapshot().leftovers(
                info,
                &t.region,
                "its cleanup did not finish before planner stopped waiting",
            ),
            // Nothing is created before the configuration has been read.
            None => Vec::new(),
        })
    }
}

/// A running job as the runner holds it.
struct Running {
    cancel: CancelHandle,
    task: tokio::task::JoinHandle<()>,
    /// Set for calibrations: quit waits for their cleanup.
    track: Option<Track>,
}

/// The loop's side of the jobs: their cancel handles and tasks.
pub struct Runner {
    tx: Sender<Action>,
    aws: AwsSetup,
    running: HashMap<JobId, Running>,
}

impl Runner {
    pub fn new(tx: Sender<Action>) -> Runner {
        Runner::with_aws(tx, AwsSetup::default())
    }

    /// A runner whose jobs reach AWS as `aws` says (tests: static credentials).
    pub fn with_aws(tx: Sender<Action>, aws: AwsSetup) -> Runner {
        Runner {
            tx,
            aws,
            running: HashMap::new(),
        }
    }

    /// A sender into the channel the jobs report on.
    pub fn sender(&self) -> Sender<Action> {
        self.tx.clone()
    }

    /// Start `kind` as job `id`.
    pub fn spawn(&mut self, id: JobId, kind: JobKind) {
        let aws = self.aws.clone();
        let track = match &kind {
            JobKind::Calibrate(job) => Some(Track::new(&job.function, &job.region)),
            JobKind::RefreshPrices { .. } => None,
        };
        let job_track = track.clone();
        self.spawn_tracked(id, track, move |tx, cancel| {
            run(id, kind, aws, job_track, tx, cancel)
        });
    }

    /// Start job `id` running `body`, which gets the sender for its progress and its cancel
    /// flag; its outcome is sent as `JobFinished`.
    pub fn spawn_body<F, Fut>(&mut self, id: JobId, body: F)
    where
        F: FnOnce(Sender<Action>, Cancel) -> Fut,
        Fut: std::future::Future<Output = JobOutcome> + Send + 'static,
    {
        self.spawn_tracked(id, None, body);
    }

    /// [`Runner::spawn_body`] for a job that changes an AWS account and must be let finish
    /// its cleanup on quit; `track` says what it has changed so far.
    pub fn spawn_tracked<F, Fut>(&mut self, id: JobId, track: Option<Track>, body: F)
    where
        F: FnOnce(Sender<Action>, Cancel) -> Fut,
        Fut: std::future::Future<Output = JobOutcome> + Send + 'static,
    {
        let tx = self.tx.clone();
        let (handle, cancel) = cancel_pair();
        let work = body(tx.clone(), cancel);
        let task = tokio::spawn(async move {
            let outcome = work.await;
            // Fails only once the loop has stopped; nobody is left to tell.
            let _ = tx
                .send(Action::JobFinished {
                    id,
                    result: outcome,
                })
                .await;
        });
        self.running.retain(|_, r| !r.task.is_finished());
        self.running.insert(
            id,
            Running {
                cancel: handle,
                task,
                track,
            },
        );
    }

    /// Ask job `id` to stop; it answers with `JobFinished { Cancelled }` (or its real end).
    pub fn cancel(&self, id: JobId) {
        if let Some(r) = self.running.get(&id) {
            r.cancel.cancel();
        }
    }

    /// Cancel every job and wait up to `wait` for them to finish (cleanup included). Jobs
    /// still running after that stay listed (see [`Runner::cleaning_up`]).
    pub async fn shutdown(&mut self, wait: Duration) {
        for r in self.running.values() {
            r.cancel.cancel();
        }
        let _ = tokio::time::timeout(wait, async {
            while self.running.values().any(|r| !r.task.is_finished()) {
                tokio::time::sleep(POLL).await;
            }
        })
        .await;
        self.running.retain(|_, r| !r.task.is_finished());
    }

    /// Calibrations still running (after [`Runner::shutdown`]: still cleaning up), by id.
    pub fn cleaning_up(&self) -> Vec<(JobId, Track)> {
        let mut v: Vec<(JobId, Track)> = self
            .running
            .iter()
            .filter(|(_, r)| !r.task.is_finished())
            .filter_map(|(id, r)| r.track.clone().map(|t| (*id, t)))
            .collect();
        v.sort_by_key(|(id, _)| *id);
        v
    }
}

/// How often waits check whether tasks have finished.
const POLL: Duration = Duration::from_millis(20);

/// How quit's wait for calibrations ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Finish {
    /// No calibration was still running.
    Nothing,
    /// Every calibration finished its cleanup; `ok` is false when one reported a failure
    /// (its message, with anything left, was printed).
    Finished { ok: bool },
    /// Stopped waiting (after `within`, or on `interrupt`); what may be left was printed.
    Abandoned { leftovers: Vec<Leftover> },
}

/// After the terminal is restored: wait up to `within` for calibrations still cleaning up
/// (draining `rx` meanwhile, so their last messages get through), saying on `out` what they
/// do and how they end. If they do not end in time, or `interrupt` fires (a second Ctrl-C),
/// print what may be left and the commands that remove it.
pub async fn finish_calibrations<W: std::io::Write>(
    runner: &mut Runner,
    rx: &mut Receiver<Action>,
    within: Duration,
    interrupt: impl std::future::Future<Output = ()>,
    out: &mut W,
) -> Finish {
    let waiting = runner.cleaning_up();
    if waiting.is_empty() {
        return Finish::Nothing;
    }
    for (_, t) in &waiting {
        let _ = writeln!(
            out,
            "planner: waiting for the calibration of {} to restore its configuration and delete \
             the versions/aliases it created (up to {} s; Ctrl-C stops waiting)…",
            t.function(),
            within.as_secs()
        );
    }
    let mut pending: HashMap<JobId, Track> = waiting.into_iter().collect();
    let mut ok = true;
    let deadline = tokio::time::Instant::now() + within;
    tokio::pin!(interrupt);
    let stopped = loop {
        while let Ok(msg) = rx.try_recv() {
            report(msg, &mut pending, &mut ok, out);
        }
        // A job that ended without a word (it panicked) counts as finished; one that ended
        // normally has sent its outcome (read above) before its task finished.
        pending.retain(|id, _| {
            runner
                .running
                .get(id)
                .is_some_and(|r| !r.task.is_finished())
        });
        if pending.is_empty() {
            break None;
        }
        tokio::select! {
            msg = rx.recv() => match msg {
                Some(msg) => report(msg, &mut pending, &mut ok, out),
                // Every sender is gone: no job is left to finish.
                None => break None,
            },
            () = tokio::time::sleep_until(deadline) => break Some("after waiting"),
            () = &mut interrupt => break Some("interrupted"),
            () = tokio::time::sleep(POLL * 10) => {}
        }
    };
    let Some(why) = stopped else {
        return Finish::Finished { ok };
    };
    let mut ids: Vec<JobId> = pending.keys().copied().collect();
    ids.sort_unstable();
    let mut leftovers = Vec::new();
    for id in ids {
        let Some(t) = pending.get(&id) else { continue };
        let left = t.leftovers();
        if left.is_empty() {
            let _ = writeln!(
                out,
                "planner: stopped waiting ({why}) for the calibration of {}; it had nothing left \
                 to remove or restore",
                t.function()
            );
            continue;
        }
        let _ = writeln!(
            out,
            "planner: stopped waiting ({why}) for the calibration of {}; these may be left in \
             the account:",
            t.function()
        );
        for l in &left {
            let _ = writeln!(out, "  - {}", l.what);
        }
        let _ = writeln!(out, "remove them with:");
        for l in &left {
            let _ = writeln!(out, "  {}", l.command);
        }
        leftovers.extend(left);
    }
    Finish::Abandoned { leftovers }
}

/// Print how a calibration quit is waiting for ended (other messages are dropped).
fn report<W: std::io::Write>(
    msg: Action,
    pending: &mut HashMap<JobId, Track>,
    ok: &mut bool,
    out: &mut W,
) {
    let Action::JobFinished { id, result } = msg else {
        return;
    };
    let Some(t) = pending.remove(&id) else {
        return;
    };
    let f = t.function();
    let line = match result {
        JobOutcome::Cancelled => format!(
            "planner: the calibration of {f} was cancelled and cleaned up: the function is as it \
             was; nothing was written"
        ),
        JobOutcome::Failed(m) => {
            *ok = false;
            format!("planner: the calibration of {f} failed: {m}")
        }
        JobOutcome::Calibrated(m) | JobOutcome::Done(m) => {
            format!("planner: the calibration of {f} finished: {m}")
        }
        JobOutcome::PricesRefreshed { message, .. } => message,
    };
    let _ = writeln!(out, "{line}");
}

/// Send a progress report; dropped when the channel is full (a newer one follows).
pub fn progress(tx: &Sender<Action>, id: JobId, done: u64, total: u64, note: String) {
    let _ = tx.try_send(Action::JobProgress {
        id,
        done,
        total,
        note,
    });
}

async fn run(
    id: JobId,
    kind: JobKind,
    aws: AwsSetup,
    track: Option<Track>,
    tx: Sender<Action>,
    mut cancel: Cancel,
) -> JobOutcome {
    match kind {
        JobKind::RefreshPrices {
            region,
            dir,
            endpoint_url,
        } => {
            // The book is written only at the very end, atomically: dropping the download
            // midway leaves the previous book untouched.
            let work = async {
                let sdk = crate::ops::refresh::load_config(aws.sdk.as_ref()).await;
                refresh_prices(id, &region, &dir, endpoint_url.as_deref(), &sdk, &tx).await
            };
            tokio::select! {
                r = work => r,
                () = cancel.cancelled() => JobOutcome::Cancelled,
            }
        }
        JobKind::Calibrate(job) => {
            let sdk = crate::ops::calibration::load_config(
                aws.sdk.as_ref(),
                &job.region,
                job.endpoint_url.as_deref(),
            )
            .await;
            let track = track.unwrap_or_else(|| Track::new(&job.function, &job.region));
            calibrate::run(id, job, &sdk, aws.tuning, &track, &tx, cancel).await
        }
    }
}
