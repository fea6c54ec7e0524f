//! Driving a run: per memory size set `$LATEST`'s memory, publish a version, alias it, invoke
//! the alias; then — whatever happened — delete what was created and restore the memory.
//!
//! Cancellation is cooperative: the run checks the [`Cancel`] flag between control-plane
//! steps and stops invoking at once, so no create call is ever abandoned halfway (a version
//! whose number was never seen could not be cleaned up). Everything created is recorded in a
//! ledger *before* the call that creates it, and cleanup works from the ledger.

use super::analysis::SizeSamples;
use super::invocation::{Invocation, Outcome};
use super::plan::alias_name;
use crate::aws::lambda::{AwsError, FunctionInfo, Lambda};
use std::sync::{Arc, Mutex};
use tokio::sync::watch;
use tokio::task::JoinSet;

/// What to run.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// The function as the user named it (name, ARN or partial ARN).
    pub function: String,
    pub region: String,
    pub sizes: Vec<u32>,
    pub invocations: u32,
    pub concurrency: u32,
    pub payload: Vec<u8>,
    pub run_id: String,
}

/// Progress reports while a run goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// A control-plane step or cleanup action, in words.
    Step(String),
    /// Invocations of one size so far.
    Invoked {
        memory_mb: u32,
        done: u32,
        total: u32,
        errors: u32,
        throttles: u32,
        /// Median duration of the successful invocations so far (the REPORT line's, or the
        /// client's timing without one).
        p50_ms: Option<f64>,
    },
}

/// The receiving side of a cancellation request.
#[derive(Debug, Clone)]
pub struct Cancel(watch::Receiver<bool>);

/// The sending side: `cancel()` asks the run to stop and clean up.
#[derive(Debug, Clone)]
pub struct CancelHandle(Arc<watch::Sender<bool>>);

pub fn cancel_pair() -> (CancelHandle, Cancel) {
    let (tx, rx) = watch::channel(false);
    (CancelHandle(Arc::new(tx)), Cancel(rx))
}

impl CancelHandle {
    pub fn cancel(&self) {
        self.0.send_replace(true);
    }
}

impl Cancel {
    /// A flag that is never raised.
    pub fn never() -> Cancel {
        let (tx, rx) = watch::channel(false);
        std::mem::forget(tx);
        Cancel(rx)
    }

    pub fn is_cancelled(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once cancellation is asked for (never, if the handle is gone unraised).
    pub async fn cancelled(&mut self) {
        if self.0.wait_for(|c| *c).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Something cleanup could not remove or restore, with the command that does it.
#[derive(Debug, Clone, PartialEq)]
pub struct Leftover {
    pub what: String,
    pub command: String,
    pub error: String,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutcome {
    /// Measurements, complete or not (a cancelled or failed run keeps what it got).
    pub samples: Vec<SizeSamples>,
    /// Why the run stopped early (`AwsError::Cancelled` on cancel); `None` when it finished.
    pub error: Option<AwsError>,
    /// What cleanup did, in order.
    pub cleaned: Vec<String>,
    /// What cleanup could not do; empty when the account is as it was.
    pub leftovers: Vec<Leftover>,
}

impl RunOutcome {
    pub fn completed(&self) -> bool {
        self.error.is_none()
    }
}

/// Resources the run has created (or is about to), for cleanup: an entry is added *before* the
/// call that creates it and removed once it is deleted (or restored).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ledger {
    /// `$LATEST`'s memory may differ from the original.
    pub memory_touched: bool,
    pub aliases: Vec<String>,
    pub versions: Vec<String>,
}

impl Ledger {
    /// Nothing is left to remove or restore.
    pub fn is_clean(&self) -> bool {
        !self.memory_touched && self.aliases.is_empty() && self.versions.is_empty()
    }

    /// What would be left if nothing more were cleaned up, each with the command that removes
    /// it; `error` says why it is left.
    pub fn leftovers(&self, info: &FunctionInfo, region: &str, error: &str) -> Vec<Leftover> {
        let mut left: Vec<Leftover> = self
            .aliases
            .iter()
            .map(|a| alias_leftover(info, region, a, error))
            .collect();
        left.extend(
            self.versions
                .iter()
                .map(|v| version_leftover(info, region, v, error)),
        );
        if self.memory_touched {
            left.push(memory_leftover(info, region, error));
        }
        left
    }
}

/// The run's [`Ledger`], shared so that someone else (the TUI, when it stops waiting for a
/// cleanup) can say what may be left while the run is still going.
#[derive(Debug, Clone, Default)]
pub struct SharedLedger(Arc<Mutex<Ledger>>);

impl SharedLedger {
    /// What the run has created and not yet removed, now.
    pub fn snapshot(&self) -> Ledger {
        match self.0.lock() {
            Ok(l) => l.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Ledger) -> T) -> T {
        match self.0.lock() {
            Ok(mut l) => f(&mut l),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }
}

fn alias_leftover(info: &FunctionInfo, region: &str, alias: &str, error: &str) -> Leftover {
    Leftover {
        what: format!("alias {alias} of {}", info.name),
        command: format!(
            "aws lambda delete-alias --function-name {} --name {alias} --region {region}",
            info.name
        ),
        error: error.to_string(),
    }
}

fn version_leftover(info: &FunctionInfo, region: &str, version: &str, error: &str) -> Leftover {
    Leftover {
        what: format!("version {version} of {}", info.name),
        command: format!(
            "aws lambda delete-function --function-name {} --qualifier {version} --region {region}",
            info.name
        ),
        error: error.to_string(),
    }
}

fn memory_leftover(info: &FunctionInfo, region: &str, error: &str) -> Leftover {
    Leftover {
        what: format!(
            "$LATEST of {} may not be at its original {} MB",
            info.name, info.memory_mb
        ),
        command: format!(
            "aws lambda update-function-configuration --function-name {} --memory-size {} --region {region}",
            info.name, info.memory_mb
        ),
        error: error.to_string(),
    }
}

/// Run a calibration and always clean up after it. `info` is the function's configuration as
/// read before the run; its memory is what gets restored.
pub async fn calibrate(
    lambda: &Lambda,
    info: &FunctionInfo,
    opts: &Options,
    cancel: Cancel,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> RunOutcome {
    calibrate_tracked(
        lambda,
        info,
        opts,
        cancel,
        &SharedLedger::default(),
        progress,
    )
    .await
}

/// [`calibrate`], keeping its ledger in `ledger` where others can read it while it runs.
pub async fn calibrate_tracked(
    lambda: &Lambda,
    info: &FunctionInfo,
    opts: &Options,
    mut cancel: Cancel,
    ledger: &SharedLedger,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> RunOutcome {
    let mut samples = Vec::new();
    let result = execute(
        lambda,
        info,
        opts,
        &mut cancel,
        ledger,
        &mut samples,
        progress,
    )
    .await;
    let (cleaned, leftovers) = cleanup(lambda, info, opts, ledger, progress).await;
    RunOutcome {
        samples,
        error: result.err(),
        cleaned,
        leftovers,
    }
}

async fn execute(
    lambda: &Lambda,
    info: &FunctionInfo,
    opts: &Options,
    cancel: &mut Cancel,
    ledger: &SharedLedger,
    samples: &mut Vec<SizeSamples>,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<(), AwsError> {
    let f = opts.function.as_str();
    let n = opts.sizes.len();
    for (i, &m) in opts.sizes.iter().enumerate() {
        let tag = format!("[{}/{n}] {m} MB", i + 1);
        check(cancel)?;
        progress(Progress::Step(format!("{tag}: setting $LATEST's memory")));
        ledger.with(|l| l.memory_touched = true);
        lambda.set_memory(f, m).await?;
        check(cancel)?;

        progress(Progress::Step(format!("{tag}: publishing a version")));
        let description = format!("planner calibrate {m} MB ({})", opts.run_id);
        let (version, got) = lambda.publish_version(f, &description).await?;
        let ours = got.as_deref() == Some(description.as_str());
        if ours {
            ledger.with(|l| l.versions.push(version.clone()));
        } else {
            progress(Progress::Step(format!(
                "{tag}: Lambda handed back existing version {version} (code and configuration \
                 unchanged since it was published); it is used but will not be deleted"
            )));
        }
        check(cancel)?;

        let alias = alias_name(m, &opts.run_id);
        progress(Progress::Step(format!(
            "{tag}: creating alias {alias} -> version {version}"
        )));
        ledger.with(|l| l.aliases.push(alias.clone()));
        lambda.create_alias(f, &alias, &version).await?;
        check(cancel)?;

        let (invocations, stopped) =
            invoke_all(lambda, info, opts, m, &alias, cancel, progress).await;
        samples.push(SizeSamples {
            memory_mb: m,
            version: version.clone(),
            invocations,
        });
        if let Some(e) = stopped {
            return Err(e);
        }

        // Tidy up this size now; anything that fails stays in the ledger for the final cleanup.
        progress(Progress::Step(format!("{tag}: deleting alias and version")));
        if lambda.delete_alias(f, &alias).await.is_ok() {
            ledger.with(|l| l.aliases.retain(|a| a != &alias));
            if ours && lambda.delete_version(f, &version).await.is_ok() {
                ledger.with(|l| l.versions.retain(|v| v != &version));
            }
        }
    }
    Ok(())
}

fn check(cancel: &Cancel) -> Result<(), AwsError> {
    if cancel.is_cancelled() {
        Err(AwsError::Cancelled)
    } else {
        Ok(())
    }
}

/// Invoke `alias` `opts.invocations` times, `opts.concurrency` at a time. Returns what came
/// back and, if the run must stop (cancel, an SDK failure), why.
async fn invoke_all(
    lambda: &Lambda,
    info: &FunctionInfo,
    opts: &Options,
    memory_mb: u32,
    alias: &str,
    cancel: &mut Cancel,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> (Vec<Invocation>, Option<AwsError>) {
    let invoker = lambda.invoker(info.timeout_s);
    let function: Arc<str> = Arc::from(opts.function.as_str());
    let alias: Arc<str> = Arc::from(alias);
    let payload: Arc<[u8]> = Arc::from(opts.payload.as_slice());
    let total = opts.invocations;
    let mut set: JoinSet<Result<Invocation, AwsError>> = JoinSet::new();
    let mut started = 0u32;
    let mut out = Vec::with_capacity(total as usize);
    let (mut errors, mut throttles) = (0u32, 0u32);
    let mut durations: Vec<f64> = Vec::with_capacity(total as usize); // sorted
    while (out.len() as u32) < total {
        while started < total && (set.len() as u32) < opts.concurrency.max(1) {
            let (inv, f, a, p) = (
                invoker.clone(),
                function.clone(),
                alias.clone(),
                payload.clone(),
            );
            let jitter = lambda.jitter();
            set.spawn(async move { inv.invoke(&f, &a, &p, jitter).await.map(Invocation::read) });
            started += 1;
        }
        tokio::select! {
            biased;
            _ = cancel.cancelled() => {
                set.abort_all();
                return (out, Some(AwsError::Cancelled));
            }
            joined = set.join_next() => match joined {
                Some(Ok(Ok(inv))) => {
                    throttles += inv.throttles;
                    match &inv.outcome {
                        Outcome::Ok { report, .. } => {
                            let ms = report.as_ref().map_or(inv.client_ms, |r| r.duration_ms);
                            let at = durations.partition_point(|&d| d < ms);
                            durations.insert(at, ms);
                        }
                        _ => errors += 1,
                    }
                    out.push(inv);
                    progress(Progress::Invoked {
                        memory_mb,
                        done: out.len() as u32,
                        total,
                        errors,
                        throttles,
                        p50_ms: super::stats::quantile(&durations, 0.5),
                    });
                }
                Some(Ok(Err(e))) => {
                    set.abort_all();
                    return (out, Some(e));
                }
                Some(Err(e)) => {
                    set.abort_all();
                    return (out, Some(AwsError::Function(format!("an invocation task failed: {e}"))));
                }
                None => break,
            }
        }
    }
    (out, None)
}

/// Delete every alias and version in the ledger and restore `$LATEST`'s memory. An entry
/// leaves the ledger only once it is gone, so the ledger always holds what may be left.
async fn cleanup(
    lambda: &Lambda,
    info: &FunctionInfo,
    opts: &Options,
    ledger: &SharedLedger,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> (Vec<String>, Vec<Leftover>) {
    let f = opts.function.as_str();
    let region = &opts.region;
    let mut cleaned = Vec::new();
    let mut leftovers = Vec::new();
    let todo = ledger.snapshot();
    for alias in todo.aliases {
        progress(Progress::Step(format!("cleanup: deleting alias {alias}")));
        match lambda.delete_alias(f, &alias).await {
            Ok(()) => {
                ledger.with(|l| l.aliases.retain(|a| a != &alias));
                cleaned.push(format!("deleted alias {alias}"));
            }
            Err(e) => leftovers.push(alias_leftover(info, region, &alias, &e.to_string())),
        }
    }
    for version in todo.versions {
        progress(Progress::Step(format!(
            "cleanup: deleting version {version}"
        )));
        match lambda.delete_version(f, &version).await {
            Ok(()) => {
                ledger.with(|l| l.versions.retain(|v| v != &version));
                cleaned.push(format!("deleted version {version}"));
            }
            Err(e) => leftovers.push(version_leftover(info, region, &version, &e.to_string())),
        }
    }
    if todo.memory_touched {
        progress(Progress::Step(format!(
            "cleanup: restoring $LATEST's memory to {} MB",
            info.memory_mb
        )));
        match lambda.set_memory(f, info.memory_mb).await {
            Ok(()) => {
                ledger.with(|l| l.memory_touched = false);
                cleaned.push(format!(
                    "restored $LATEST's memory to {} MB",
                    info.memory_mb
                ));
            }
            Err(e) => leftovers.push(memory_leftover(info, region, &e.to_string())),
        }
    }
    (cleaned, leftovers)
}
