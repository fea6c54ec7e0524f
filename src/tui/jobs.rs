//! Background jobs: the registry kept in the app state (plain data, changed only by
//! `App::update`) and the runner the loop uses to spawn, cancel and reap them.
//!
//! A worker is a tokio task holding a clone of the loop's bounded `Sender<Action>`, a
//! [`Cancel`] and its [`JobId`]. It never touches the app: it reports progress with
//! `try_send` (progress may be dropped; a newer one follows) and its end with `send`.

use super::action::Action;
use crate::calibrate::{Cancel, CancelHandle, cancel_pair};
use crate::pricing::LoadedBook;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::Sender;

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
    /// Measure `function` at `sizes` and write `workload`'s calibration into the sidecar of
    /// `profile`. The run always cleans up (restores memory, deletes versions and aliases).
    Calibrate {
        profile: PathBuf,
        workload: String,
        threads: u32,
        function: String,
        region: String,
        sizes: Vec<u32>,
        invocations: u32,
        book: Box<crate::pricing::PriceBook>,
    },
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

/// The loop's side of the jobs: their cancel handles and tasks.
pub struct Runner {
    tx: Sender<Action>,
    running: HashMap<JobId, (CancelHandle, tokio::task::JoinHandle<()>)>,
}

impl Runner {
    pub fn new(tx: Sender<Action>) -> Runner {
        Runner {
            tx,
            running: HashMap::new(),
        }
    }

    /// Start `kind` as job `id`.
    pub fn spawn(&mut self, id: JobId, kind: JobKind) {
        self.spawn_body(id, move |tx, cancel| run(id, kind, tx, cancel));
    }

    /// Start job `id` running `body`, which gets the sender for its progress and its cancel
    /// flag; its outcome is sent as `JobFinished`.
    pub fn spawn_body<F, Fut>(&mut self, id: JobId, body: F)
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
        self.running.retain(|_, (_, t)| !t.is_finished());
        self.running.insert(id, (handle, task));
    }

    /// Ask job `id` to stop; it answers with `JobFinished { Cancelled }` (or its real end).
    pub fn cancel(&self, id: JobId) {
        if let Some((h, _)) = self.running.get(&id) {
            h.cancel();
        }
    }

    /// Cancel every job and wait up to `wait` for them to finish (cleanup included).
    pub async fn shutdown(&mut self, wait: Duration) {
        for (h, _) in self.running.values() {
            h.cancel();
        }
        let tasks: Vec<_> = self.running.drain().map(|(_, (_, t))| t).collect();
        let _ = tokio::time::timeout(wait, futures_util::future::join_all(tasks)).await;
    }
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

async fn run(id: JobId, kind: JobKind, tx: Sender<Action>, mut cancel: Cancel) -> JobOutcome {
    match kind {
        JobKind::RefreshPrices {
            region,
            dir,
            endpoint_url,
        } => {
            // The book is written only at the very end, atomically: dropping the download
            // midway leaves the previous book untouched.
            let work = async {
                let sdk = crate::aws::pricing::load_config().await;
                refresh_prices(id, &region, &dir, endpoint_url.as_deref(), &sdk, &tx).await
            };
            tokio::select! {
                r = work => r,
                () = cancel.cancelled() => JobOutcome::Cancelled,
            }
        }
        JobKind::Calibrate {
            profile,
            workload,
            threads,
            function,
            region,
            sizes,
            invocations,
            book,
        } => {
            let job = Calibration {
                profile,
                workload,
                threads,
                function,
                region,
                sizes,
                invocations,
                book: *book,
            };
            calibrate(id, job, &tx, cancel).await
        }
    }
}

struct Calibration {
    profile: PathBuf,
    workload: String,
    threads: u32,
    function: String,
    region: String,
    sizes: Vec<u32>,
    invocations: u32,
    book: crate::pricing::PriceBook,
}

/// The calibration job: what `planner calibrate --yes` does, with progress per size.
async fn calibrate(id: JobId, job: Calibration, tx: &Sender<Action>, cancel: Cancel) -> JobOutcome {
    use crate::calibrate::{AwsError, Lambda, Options, Progress, Tuning, analysis, aws, run};
    let sdk = aws::load_config(&job.region, None).await;
    let lambda = Lambda::new(&sdk, Tuning::default());
    progress(
        tx,
        id,
        0,
        0,
        format!("reading {}'s configuration", job.function),
    );
    let mut waiting = cancel.clone();
    let info = tokio::select! {
        r = lambda.wait_ready(&job.function) => match r {
            Ok(info) => info,
            Err(e) => return JobOutcome::Failed(e.to_string()),
        },
        // Nothing was created yet.
        () = waiting.cancelled() => return JobOutcome::Cancelled,
    };
    let total = job.sizes.len() as u64 * u64::from(job.invocations);
    let run_id = format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    );
    let opts = Options {
        function: job.function.clone(),
        region: job.region.clone(),
        sizes: job.sizes.clone(),
        invocations: job.invocations,
        concurrency: 1,
        payload: b"{}".to_vec(),
        run_id,
    };
    let mut per_size: HashMap<u32, u64> = HashMap::new();
    let mut on_progress = |p: Progress| match p {
        Progress::Step(s) => {
            let done = per_size.values().sum();
            progress(tx, id, done, total, s);
        }
        Progress::Invoked {
            memory_mb,
            done,
            total: of,
            errors,
            throttles,
        } => {
            per_size.insert(memory_mb, u64::from(done));
            let sum = per_size.values().sum();
            progress(
                tx,
                id,
                sum,
                total,
                format!("{memory_mb} MB: {done}/{of}, {errors} errors, {throttles} throttled"),
            );
        }
    };
    let outcome = run::calibrate(&lambda, &info, &opts, cancel, &mut on_progress).await;
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
    let a = match analysis::analyze(&outcome.samples, &info, job.threads, &job.book) {
        Ok(a) => a,
        Err(m) => return JobOutcome::Failed(format!("cannot price Lambda: {m}")),
    };
    let path = crate::profile::sidecar_path(&job.profile);
    if a.measured == 0 {
        return JobOutcome::Failed(format!(
            "no invocation succeeded; nothing was written to {}",
            path.display()
        ));
    }
    let mut sidecar = match std::fs::read_to_string(&path) {
        Ok(text) => match crate::profile::parse_sidecar(&text, &path) {
            Ok(s) => s,
            Err(e) => return JobOutcome::Failed(e.to_string()),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => crate::profile::Sidecar::default(),
        Err(e) => return JobOutcome::Failed(format!("cannot read {}: {e}", path.display())),
    };
    let (y, m, d) = crate::pricing::today_utc();
    let date = format!("{y:04}-{m:02}-{d:02}");
    sidecar.workloads.insert(
        job.workload.clone(),
        a.to_calibration(&date, &info, &job.region),
    );
    let yaml = match serde_yaml::to_string(&sidecar) {
        Ok(y) => y,
        Err(e) => return JobOutcome::Failed(e.to_string()),
    };
    let text = format!("{}{yaml}", crate::calibrate::command::SIDECAR_HEADER);
    match crate::atomic::AtomicFile::create(&path).and_then(|f| f.commit(text.as_bytes())) {
        Ok(_) => JobOutcome::Calibrated(format!(
            "{} invocations measured; wrote {} and reloaded",
            a.measured,
            path.display()
        )),
        Err(e) => JobOutcome::Failed(format!("{}: {e}", path.display())),
    }
}

/// The price refresh job: what `planner pricing refresh --region REGION --out DIR` does,
/// reporting each service as a step of the gauge. `sdk` is the loaded AWS configuration.
pub async fn refresh_prices(
    id: JobId,
    region: &str,
    dir: &std::path::Path,
    endpoint_url: Option<&str>,
    sdk: &aws_config::SdkConfig,
    tx: &Sender<Action>,
) -> JobOutcome {
    use crate::aws::{pricing as price_list, pricing_map};
    use crate::pricing::{self, PricingError};
    if let Err(e) = price_list::validate_region(region) {
        return JobOutcome::Failed(e.to_string());
    }
    if let Err(e) = std::fs::create_dir_all(dir) {
        return JobOutcome::Failed(format!("cannot create {}: {e}", dir.display()));
    }
    let previous = match pricing::load(region, Some(dir)) {
        Ok(book) => Some(book),
        Err(PricingError::UnknownRegion { .. }) => pricing::built_in(region).ok(),
        Err(e) => {
            return JobOutcome::Failed(format!(
                "the existing book is not valid ({e}); fix or remove it, then refresh again"
            ));
        }
    };
    let reference = match pricing::built_in("us-east-1") {
        Ok(b) => b.book,
        Err(e) => return JobOutcome::Failed(e.to_string()),
    };
    let (y, m, d) = pricing::today_utc();
    let made = format!("{y:04}-{m:02}-{d:02}");
    let wanted = pricing_map::wanted_instance_types(previous.as_ref().map(|l| &l.book), &reference);
    let total = pricing_map::queries(region, &wanted).len() as u64;
    let client = match price_list::client(sdk, endpoint_url) {
        Ok(c) => c,
        Err(e) => return JobOutcome::Failed(e.to_string()),
    };
    let endpoint = price_list::endpoint_name(sdk, endpoint_url);
    if let Err(e) = price_list::check_credentials(sdk).await {
        return JobOutcome::Failed(e.to_string());
    }
    let mut done = 0u64;
    progress(
        tx,
        id,
        0,
        total,
        format!("reading {region} prices from {endpoint}"),
    );
    let mut on_page = |p: price_list::Progress<'_>| {
        if p.done {
            done += 1;
        }
        progress(
            tx,
            id,
            done,
            total,
            format!("{}: {} products", p.service, p.items),
        );
    };
    let refreshed = match price_list::refresh(
        &client,
        &endpoint,
        region,
        &made,
        previous.as_ref(),
        &reference,
        &mut on_page,
    )
    .await
    {
        Ok(r) => r,
        Err(e) => return JobOutcome::Failed(e.to_string()),
    };
    let book = refreshed.assembled.book;
    let moved = previous
        .as_ref()
        .map(|p| pricing::diff(&p.book, &book).moved.len());
    match pricing::write_atomic(dir, &book) {
        Ok(path) => {
            let changes = match moved {
                Some(n) => format!("; {n} price(s) moved"),
                None => String::new(),
            };
            let message = format!(
                "wrote {} ({} products read{changes})",
                path.display(),
                refreshed.mapped.total_read()
            );
            JobOutcome::PricesRefreshed {
                book: Box::new(LoadedBook {
                    book,
                    origin: path.display().to_string(),
                }),
                path,
                message,
            }
        }
        Err(e) => JobOutcome::Failed(e.to_string()),
    }
}
