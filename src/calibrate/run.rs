//! Driving a run: per memory size set `$LATEST`'s memory, publish a version, alias it, invoke
//! the alias; then — whatever happened — delete what was created and restore the memory.
//!
//! Cancellation is cooperative: the run checks the [`Cancel`] flag between control-plane
//! steps and stops invoking at once, so no create call is ever abandoned halfway (a version
//! whose number was never seen could not be cleaned up). Everything created is recorded in a
//! ledger *before* the call that creates it, and cleanup works from the ledger.

use super::analysis::SizeSamples;
use super::aws::{AwsError, FunctionInfo, Invocation, Lambda, Outcome};
use super::plan::alias_name;
use std::sync::Arc;
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

/// Resources the run has created (or is about to), for cleanup.
#[derive(Debug, Default)]
struct Ledger {
    memory_touched: bool,
    aliases: Vec<String>,
    versions: Vec<String>,
}

/// Run a calibration and always clean up after it. `info` is the function's configuration as
/// read before the run; its memory is what gets restored.
pub async fn calibrate(
    lambda: &Lambda,
    info: &FunctionInfo,
    opts: &Options,
    mut cancel: Cancel,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> RunOutcome {
    let mut ledger = Ledger::default();
    let mut samples = Vec::new();
    let result = execute(
        lambda,
        info,
        opts,
        &mut cancel,
        &mut ledger,
        &mut samples,
        progress,
    )
    .await;
    let (cleaned, leftovers) = cleanup(lambda, info, opts, &mut ledger, progress).await;
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
    ledger: &mut Ledger,
    samples: &mut Vec<SizeSamples>,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<(), AwsError> {
    let f = opts.function.as_str();
    let n = opts.sizes.len();
    for (i, &m) in opts.sizes.iter().enumerate() {
        let tag = format!("[{}/{n}] {m} MB", i + 1);
        check(cancel)?;
        progress(Progress::Step(format!("{tag}: setting $LATEST's memory")));
        ledger.memory_touched = true;
        lambda.set_memory(f, m).await?;
        check(cancel)?;

        progress(Progress::Step(format!("{tag}: publishing a version")));
        let description = format!("planner calibrate {m} MB ({})", opts.run_id);
        let (version, got) = lambda.publish_version(f, &description).await?;
        let ours = got.as_deref() == Some(description.as_str());
        if ours {
            ledger.versions.push(version.clone());
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
        ledger.aliases.push(alias.clone());
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
            ledger.aliases.retain(|a| a != &alias);
            if ours && lambda.delete_version(f, &version).await.is_ok() {
                ledger.versions.retain(|v| v != &version);
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
    while (out.len() as u32) < total {
        while started < total && (set.len() as u32) < opts.concurrency.max(1) {
            let (inv, f, a, p) = (
                invoker.clone(),
                function.clone(),
                alias.clone(),
                payload.clone(),
            );
            let jitter = lambda.jitter();
            set.spawn(async move { inv.invoke(&f, &a, &p, jitter).await });
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
                    if !matches!(inv.outcome, Outcome::Ok { .. }) {
                        errors += 1;
                    }
                    out.push(inv);
                    progress(Progress::Invoked {
                        memory_mb,
                        done: out.len() as u32,
                        total,
                        errors,
                        throttles,
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

/// Delete every alias and version in the ledger and restore `$LATEST`'s memory.
async fn cleanup(
    lambda: &Lambda,
    info: &FunctionInfo,
    opts: &Options,
    ledger: &mut Ledger,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> (Vec<String>, Vec<Leftover>) {
    let f = opts.function.as_str();
    let region = &opts.region;
    let mut cleaned = Vec::new();
    let mut leftovers = Vec::new();
    for alias in std::mem::take(&mut ledger.aliases) {
        progress(Progress::Step(format!("cleanup: deleting alias {alias}")));
        match lambda.delete_alias(f, &alias).await {
            Ok(()) => cleaned.push(format!("deleted alias {alias}")),
            Err(e) => leftovers.push(Leftover {
                what: format!("alias {alias} of {}", info.name),
                command: format!(
                    "aws lambda delete-alias --function-name {} --name {alias} --region {region}",
                    info.name
                ),
                error: e.to_string(),
            }),
        }
    }
    for version in std::mem::take(&mut ledger.versions) {
        progress(Progress::Step(format!(
            "cleanup: deleting version {version}"
        )));
        match lambda.delete_version(f, &version).await {
            Ok(()) => cleaned.push(format!("deleted version {version}")),
            Err(e) => leftovers.push(Leftover {
                what: format!("version {version} of {}", info.name),
                command: format!(
                    "aws lambda delete-function --function-name {} --qualifier {version} --region {region}",
                    info.name
                ),
                error: e.to_string(),
            }),
        }
    }
    if ledger.memory_touched {
        progress(Progress::Step(format!(
            "cleanup: restoring $LATEST's memory to {} MB",
            info.memory_mb
        )));
        match lambda.set_memory(f, info.memory_mb).await {
            Ok(()) => {
                ledger.memory_touched = false;
                cleaned.push(format!("restored $LATEST's memory to {} MB", info.memory_mb));
            }
            Err(e) => leftovers.push(Leftover {
                what: format!(
                    "$LATEST of {} may not be at its original {} MB",
                    info.name, info.memory_mb
                ),
                command: format!(
                    "aws lambda update-function-configuration --function-name {} --memory-size {} --region {region}",
                    info.name, info.memory_mb
                ),
                error: e.to_string(),
            }),
        }
    }
    (cleaned, leftovers)
}
