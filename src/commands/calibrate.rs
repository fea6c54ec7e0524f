//! `planner calibrate`: the command-line glue around a calibration (validation, plan,
//! confirmation, Ctrl-C, progress, results); the steps are `ops::calibration`'s.

use crate::aws::lambda::{AwsError, Tuning};
use crate::calibrate::plan::{self, DEFAULT_MAX_INVOCATIONS, MemorySizes, OutOfRange};
use crate::calibrate::render;
use crate::calibrate::run::{self, Options, Progress, SharedLedger};
use crate::cli::CalibrateArgs;
use crate::error::UsageError;
use crate::ops::{self, calibration};
use crate::pricing;
use crate::profile;
use anyhow::{Context, Result, anyhow};
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
}

/// Check the flags; returns the memory sizes, deduplicated in the order given.
pub fn validate_args(args: &CalibrateArgs) -> Result<Vec<u32>> {
    let mut sizes = MemorySizes::default();
    for &m in &args.memory {
        sizes.add(m).map_err(|OutOfRange(m)| {
            usage(format!("--memory {m} is out of range (128..=10240 MB)"))
        })?;
    }
    let Some(sizes) = sizes.into_list() else {
        return Err(usage("--memory needs at least one size"));
    };
    if args.invocations == 0 {
        return Err(usage("--invocations must be at least 1"));
    }
    if args.concurrency == 0 || args.concurrency > 100 {
        return Err(usage(format!(
            "--concurrency {} is out of range (1..=100)",
            args.concurrency
        )));
    }
    let total = sizes.len() as u64 * args.invocations as u64;
    if total > args.max_invocations as u64 {
        return Err(usage(format!(
            "{} sizes × {} invocations = {total} invocations, more than the cap of {}; lower \
             --invocations or raise --max-invocations (default {DEFAULT_MAX_INVOCATIONS})",
            sizes.len(),
            args.invocations,
            args.max_invocations
        )));
    }
    Ok(sizes)
}

fn read_payload(path: Option<&Path>) -> Result<Vec<u8>> {
    let Some(path) = path else {
        return Ok(b"{}".to_vec());
    };
    let bytes = crate::input::read_bytes(path, crate::input::MAX_PAYLOAD_BYTES)
        .map_err(|e| usage(format!("cannot read payload {}: {e}", path.display())))?;
    serde_json::from_slice::<serde_json::Value>(&bytes).map_err(|e| {
        usage(format!(
            "payload {} is not valid JSON (Lambda requires JSON): {e}",
            path.display()
        ))
    })?;
    if bytes.len() > 6 * 1024 * 1024 {
        return Err(usage(format!(
            "payload {} is larger than Lambda's 6 MB synchronous limit",
            path.display()
        )));
    }
    Ok(bytes)
}

/// Ask on the terminal; `Ok(true)` to go ahead.
fn confirm() -> Result<bool> {
    eprint!("Proceed? [y/N] ");
    std::io::stderr().flush().ok();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the answer")?;
    Ok(matches!(
        line.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

/// Progress on stderr: one updating line on a terminal, a line per quarter otherwise.
fn progress_printer() -> impl FnMut(Progress) + Send {
    let tty = std::io::stderr().is_terminal();
    move |p| match p {
        Progress::Step(s) => {
            if tty {
                eprint!("\r\x1b[2K");
            }
            eprintln!("{s}");
        }
        Progress::Invoked {
            memory_mb,
            done,
            total,
            errors,
            throttles,
            p50_ms,
        } => {
            let p50 = p50_ms
                .map(|ms| format!(", p50 {} ms", crate::format::ms(ms)))
                .unwrap_or_default();
            let line = format!(
                "  {memory_mb} MB: {done}/{total} invocations, {errors} errors, {throttles} throttles{p50}"
            );
            if tty {
                eprint!("\r\x1b[2K{line}");
                if done == total {
                    eprintln!();
                }
            } else if done == total
                || (done * 4) % total < 4 && (done * 4) / total != ((done - 1) * 4) / total
            {
                eprintln!("{line}");
            }
        }
    }
}

pub fn run(
    args: &CalibrateArgs,
    region: Option<&str>,
    pricing_dir: Option<&Path>,
) -> Result<ExitCode> {
    // Everything that can be bad input is checked before any AWS call.
    let sizes = validate_args(args)?;
    let payload = read_payload(args.payload.as_deref())?;
    let profile = profile::load(&args.profile)?;
    let Some(workload) = profile.workloads.iter().find(|w| w.name == args.workload) else {
        let names: Vec<String> = profile.workloads.iter().map(|w| w.name.clone()).collect();
        let hint = profile::closest(&args.workload, &names)
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_else(|| format!(" (workloads: {})", names.join(", ")));
        return Err(usage(format!(
            "no workload named `{}` in {}{hint}",
            args.workload,
            args.profile.display()
        )));
    };
    if workload
        .work
        .workflow()
        .is_some_and(|w| !w.steps.is_empty())
    {
        eprintln!(
            "warning: `{}` is a workflow with steps; the model takes its work from the steps, so the \
             calibration is recorded but not used for it",
            workload.name
        );
    }
    let threads = workload.request.threads.max(1);
    let region = region.unwrap_or(&profile.region).to_string();
    let book = pricing::load(&region, pricing_dir)?.book;
    let sidecar_path = calibration::check_sidecar(&args.profile)?;

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    // The AWS configuration is loaded once, for every call of the run.
    let sdk = rt.block_on(calibration::load_config(
        None,
        &region,
        args.endpoint_url.as_deref(),
    ));
    let (lambda, info) = rt.block_on(calibration::connect(
        &sdk,
        Tuning::default(),
        &args.function,
    ))?;

    let req = plan::Request {
        function: args.function.clone(),
        region: region.clone(),
        sizes: sizes.clone(),
        invocations: args.invocations,
        concurrency: args.concurrency,
        payload_bytes: payload.len(),
        run_id: calibration::run_id(),
    };
    let plan = plan::build(&req, &info, &book).map_err(|m| anyhow!("cannot price Lambda: {m}"))?;
    if args.dry_run {
        super::to_stdout(&plan.text)?;
        eprintln!("dry run: nothing was changed");
        return Ok(ExitCode::SUCCESS);
    }
    eprint!("{}", plan.text);
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            return Err(usage(
                "refusing to change the function without confirmation: stdin is not a terminal; \
                 review the plan (--dry-run) and pass --yes",
            ));
        }
        if !confirm()? {
            eprintln!("cancelled: nothing was changed");
            return Ok(ExitCode::from(1));
        }
    }
    let opts = Options {
        function: args.function.clone(),
        region: region.clone(),
        sizes,
        invocations: args.invocations,
        concurrency: args.concurrency,
        payload,
        run_id: req.run_id.clone(),
    };
    let (handle, cancel) = run::cancel_pair();
    let mut printer = progress_printer();
    let outcome = rt.block_on(async {
        // Ctrl-C asks the run to stop; cleanup still runs (a second Ctrl-C only says so).
        let watcher = tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("\ninterrupted: stopping and cleaning up (deleting what was created, restoring memory)");
                handle.cancel();
                while tokio::signal::ctrl_c().await.is_ok() {
                    eprintln!("still cleaning up; please wait so that nothing is left behind");
                }
            }
        });
        // A bad output path fails before the run, not after it.
        let outcome = calibration::run(
            &lambda,
            &info,
            &opts,
            &sidecar_path,
            cancel,
            &SharedLedger::default(),
            &mut printer,
        )
        .await;
        watcher.abort();
        outcome
    })?;

    if !outcome.cleaned.is_empty() {
        eprintln!("cleanup: {}", outcome.cleaned.join("; "));
    }
    let clean = outcome.leftovers.is_empty();
    if !clean {
        eprintln!("cleanup FAILED: these are left in the account:");
        for l in &outcome.leftovers {
            eprintln!("  - {} ({})", l.what, l.error);
        }
        eprintln!("remove them with:");
        for l in &outcome.leftovers {
            eprintln!("  {}", l.command);
        }
    } else {
        eprintln!(
            "the function is as it was: aliases and versions created were deleted, memory restored"
        );
    }
    match &outcome.error {
        Some(AwsError::Cancelled) => {
            eprintln!("cancelled: the partial measurements were not written");
            return Ok(ExitCode::from(1));
        }
        Some(e) => return Err(anyhow!(e.clone()).context("calibration stopped")),
        None => {}
    }

    let a = calibration::analyze(&outcome, &info, threads, &book)?;
    let date = ops::today();
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(render::results(&a, &info, &date).as_bytes())
        .and_then(|_| stdout.flush())
        .context("writing the results to stdout")?;
    calibration::commit(&sidecar_path, &args.workload, &a, &date, &info, &region)?;
    eprintln!(
        "wrote {} (workload `{}`); `planner report {}` now uses it",
        sidecar_path.display(),
        args.workload,
        args.profile.display()
    );
    Ok(if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
