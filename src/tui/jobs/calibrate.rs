//! The calibration job: what `planner calibrate --yes` does, with progress per size.

use super::{JobId, JobOutcome, Track, progress};
use crate::aws::lambda::{AwsError, Tuning};
use crate::calibrate::{Cancel, Options, Progress};
use crate::ops::{self, calibration};
use crate::pricing::PriceBook;
use crate::tui::action::Action;
use std::path::PathBuf;
use tokio::sync::mpsc::Sender;

/// What a calibration job measures and where the result goes: measure `function` at `sizes`
/// and write `workload`'s calibration into the sidecar of `profile`.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationJob {
    pub profile: PathBuf,
    pub workload: String,
    pub threads: u32,
    pub function: String,
    pub region: String,
    pub sizes: Vec<u32>,
    pub invocations: u32,
    pub book: Box<PriceBook>,
    /// `None`: the Region's endpoint (or the SDK's `AWS_ENDPOINT_URL_LAMBDA` /
    /// `AWS_ENDPOINT_URL`); tests point it at a local server.
    pub endpoint_url: Option<String>,
}

/// Run `job` as job `id`; `track` follows what it changes in the account.
pub(super) async fn run(
    id: JobId,
    job: CalibrationJob,
    sdk: &aws_config::SdkConfig,
    tuning: Tuning,
    track: &Track,
    tx: &Sender<Action>,
    cancel: Cancel,
) -> JobOutcome {
    let sidecar = match calibration::check_sidecar(&job.profile) {
        Ok(path) => path,
        Err(e) => return JobOutcome::Failed(format!("{e:#}")),
    };
    progress(
        tx,
        id,
        0,
        0,
        format!("reading {}'s configuration", job.function),
    );
    let mut waiting = cancel.clone();
    let (lambda, info) = tokio::select! {
        r = calibration::connect(sdk, tuning, &job.function) => match r {
            Ok(connected) => connected,
            Err(e) => return JobOutcome::Failed(e.to_string()),
        },
        // Nothing was created yet.
        () = waiting.cancelled() => return JobOutcome::Cancelled,
    };
    track.set_info(info.clone());
    let total = job.sizes.len() as u64 * u64::from(job.invocations);
    let opts = Options {
        function: job.function.clone(),
        region: job.region.clone(),
        sizes: job.sizes.clone(),
        invocations: job.invocations,
        concurrency: 1,
        payload: b"{}".to_vec(),
        run_id: calibration::run_id(),
    };
    let mut sizes = SizeProgress::new(&job.sizes, job.invocations);
    let mut on_progress = |p: Progress| match p {
        Progress::Step(s) => progress(tx, id, sizes.done(), total, s),
        Progress::Invoked {
            memory_mb,
            done,
            errors,
            throttles,
            p50_ms,
            ..
        } => {
            sizes.record(SizeCount {
                memory_mb,
                done,
                errors,
                throttles,
                p50_ms,
            });
            progress(tx, id, sizes.done(), total, sizes.note());
        }
    };
    let outcome = match calibration::run(
        &lambda,
        &info,
        &opts,
        &sidecar,
        cancel,
        &track.ledger(),
        &mut on_progress,
    )
    .await
    {
        Ok(outcome) => outcome,
        Err(e) => return JobOutcome::Failed(format!("{e:#}")),
    };
    if !outcome.leftovers.is_empty() {
        let left: Vec<String> = outcome
            .leftovers
            .iter()
            .map(|l| format!("{} ({}): {}", l.what, l.error, l.command))
            .collect();
        return JobOutcome::Failed(format!("cleanup FAILED, left: {}", left.join("; ")));
    }
    match outcome.error {
        Some(AwsError::Cancelled) => return JobOutcome::Cancelled,
        Some(e) => return JobOutcome::Failed(format!("{e} (cleaned up)")),
        None => {}
    }
    let found = match calibration::analyze(&outcome, &info, job.threads, &job.book) {
        Ok(a) => a,
        Err(e) => return JobOutcome::Failed(format!("{e:#}")),
    };
    match calibration::commit(
        &sidecar,
        &job.workload,
        &found,
        &ops::today(),
        &info,
        &job.region,
    ) {
        Ok(()) => JobOutcome::Calibrated(format!(
            "{} invocations measured; wrote {} and reloaded",
            found.measured,
            sidecar.display()
        )),
        Err(e) => JobOutcome::Failed(format!("{e:#}")),
    }
}

/// Invocations per memory size so far, for the Jobs tab's note.
#[derive(Debug, Clone, PartialEq)]
pub struct SizeProgress {
    invocations: u32,
    /// In the order the sizes run.
    sizes: Vec<SizeCount>,
}

/// One memory size's invocations so far.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SizeCount {
    pub memory_mb: u32,
    pub done: u32,
    pub errors: u32,
    pub throttles: u32,
    /// Median duration of the successful ones.
    pub p50_ms: Option<f64>,
}

impl SizeProgress {
    pub fn new(sizes: &[u32], invocations: u32) -> SizeProgress {
        SizeProgress {
            invocations,
            sizes: sizes
                .iter()
                .map(|&memory_mb| SizeCount {
                    memory_mb,
                    done: 0,
                    errors: 0,
                    throttles: 0,
                    p50_ms: None,
                })
                .collect(),
        }
    }

    pub fn record(&mut self, count: SizeCount) {
        if let Some(s) = self
            .sizes
            .iter_mut()
            .find(|s| s.memory_mb == count.memory_mb)
        {
            *s = count;
        }
    }

    /// Invocations done, all sizes.
    pub fn done(&self) -> u64 {
        self.sizes.iter().map(|s| u64::from(s.done)).sum()
    }

    /// Each size's count, compact: `512 MB ✓ 1,441 ms, 1 error · 1024 MB 7/20 · 2048 MB`
    /// (done with its median duration, under way, not started).
    pub fn note(&self) -> String {
        self.sizes
            .iter()
            .map(|c| {
                let m = c.memory_mb;
                let mut s = if c.done >= self.invocations {
                    match c.p50_ms {
                        Some(ms) => format!("{m} MB ✓ {} ms", crate::format::ms(ms)),
                        None => format!("{m} MB ✓"),
                    }
                } else if c.done > 0 {
                    format!("{m} MB {}/{}", c.done, self.invocations)
                } else {
                    format!("{m} MB")
                };
                if c.errors > 0 {
                    s.push_str(&format!(
                        ", {} error{}",
                        c.errors,
                        if c.errors == 1 { "" } else { "s" }
                    ));
                }
                if c.throttles > 0 {
                    s.push_str(&format!(", {} throttled", c.throttles));
                }
                s
            })
            .collect::<Vec<_>>()
            .join(" · ")
    }
}
