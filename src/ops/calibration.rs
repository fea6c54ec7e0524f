//! Calibration record: measure a deployed Lambda function and write what was found into the
//! profile's calibration sidecar.
//!
//! [`check_sidecar`] reads the sidecar before any AWS call; [`connect`] checks the
//! credentials and reads the function's configuration; [`run`] measures (and always cleans
//! up); [`analyze`] prices what was measured; [`commit`] merges it into the sidecar and
//! writes it atomically.

use crate::atomic::AtomicFile;
use crate::aws::Retries;
use crate::aws::lambda::{self, AwsError, FunctionInfo, Lambda, Tuning};
use crate::calibrate::run::{self, Cancel, Options, Progress, RunOutcome, SharedLedger};
use crate::calibrate::{Analysis, analysis};
use crate::error::UsageError;
use crate::pricing::PriceBook;
use crate::profile::{self, Sidecar};
use anyhow::{Context, Result, anyhow};
use aws_config::SdkConfig;
use std::path::{Path, PathBuf};

/// Header of the sidecar file.
pub const SIDECAR_HEADER: &str = "# Written by `planner calibrate`: measurements of real Lambda functions, merged into\n\
# the profile next to this file by the loader (a block here replaces an inline `calibration:`).\n\
# Delete a workload's block (or the file) to go back to the profile's own durations.\n";

/// Read the sidecar at `path`; an empty one when there is none yet.
fn read_sidecar(path: &Path) -> Result<Sidecar> {
    match crate::input::read_text(path, crate::input::MAX_DOCUMENT_BYTES) {
        Ok(text) => Ok(profile::parse_sidecar(&text, path)?),
        Err(crate::input::ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
            Ok(Sidecar::default())
        }
        Err(e) => Err(UsageError(format!("cannot read {}: {e}", path.display())).into()),
    }
}

/// Check that the sidecar of `profile` can be read (a broken one fails before any AWS call);
/// its path.
pub fn check_sidecar(profile: &Path) -> Result<PathBuf> {
    let path = profile::sidecar_path(profile);
    read_sidecar(&path)?;
    Ok(path)
}

/// A run's unique suffix for the aliases it creates.
pub fn run_id() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!("{secs:x}")
}

/// The AWS configuration a calibration uses: the standard chain (or `given`) in `region`,
/// `endpoint_url` when given, and no SDK retries (the Lambda client counts and paces them).
pub async fn load_config(
    given: Option<&SdkConfig>,
    region: &str,
    endpoint_url: Option<&str>,
) -> SdkConfig {
    crate::aws::load_config(given, Some(region), endpoint_url, Retries::Off).await
}

/// Check the credentials, then wait until `function` is ready: the Lambda client and the
/// function's configuration as read before anything changes.
pub async fn connect(
    sdk: &SdkConfig,
    tuning: Tuning,
    function: &str,
) -> Result<(Lambda, FunctionInfo), AwsError> {
    lambda::check_credentials(sdk).await?;
    let client = Lambda::new(sdk, tuning);
    let info = client.wait_ready(function).await?;
    Ok((client, info))
}

/// Measure as `opts` says, recording what it creates in `ledger`; cleanup always runs. The
/// sidecar at `sidecar` must be writable first: a bad path fails before the run.
pub async fn run(
    lambda: &Lambda,
    info: &FunctionInfo,
    opts: &Options,
    sidecar: &Path,
    cancel: Cancel,
    ledger: &SharedLedger,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<RunOutcome> {
    drop(
        AtomicFile::create(sidecar)
            .map_err(|e| UsageError(format!("cannot write {}: {e}", sidecar.display())))?,
    );
    Ok(run::calibrate_tracked(lambda, info, opts, cancel, ledger, progress).await)
}

/// Price and fit what a run measured.
pub fn analyze(
    outcome: &RunOutcome,
    info: &FunctionInfo,
    threads: u32,
    book: &PriceBook,
) -> Result<Analysis> {
    analysis::analyze(&outcome.samples, info, threads, book)
        .map_err(|m| anyhow!("cannot price Lambda: {m}"))
}

/// Write `workload`'s calibration into the sidecar at `sidecar`, keeping the other
/// workloads' blocks; fails (writing nothing) when no invocation succeeded.
pub fn commit(
    sidecar: &Path,
    workload: &str,
    found: &Analysis,
    date: &str,
    info: &FunctionInfo,
    region: &str,
) -> Result<()> {
    if found.measured == 0 {
        return Err(anyhow!(
            "no invocation succeeded; nothing was written to {}",
            sidecar.display()
        ));
    }
    // Read again: another calibration may have written its block since the check.
    let mut file = read_sidecar(sidecar)?;
    file.workloads.insert(
        workload.to_string(),
        found.to_calibration(date, info, region),
    );
    let yaml = serde_yaml::to_string(&file).context("serializing the calibration")?;
    AtomicFile::create(sidecar)
        .and_then(|f| f.commit(format!("{SIDECAR_HEADER}{yaml}").as_bytes()))
        .with_context(|| format!("writing {}", sidecar.display()))?;
    Ok(())
}
