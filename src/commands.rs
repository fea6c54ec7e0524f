//! The commands: glue between the CLI, the loaders, the model and the renderers.

use crate::atomic::AtomicFile;
use crate::cli::{Cli, Command, FormatArg, PricingCommand};
use crate::pricing::{self, LoadedBook, PricingError};
use crate::profile::{self, Profile, ProfileErrors};
use crate::{model, report};
use anyhow::{Context, Result};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Bad input the user can fix (exit code 2) that is not a profile or price-book error.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// The exit code for an error: 2 for bad input, 1 for runtime failures.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<ProfileErrors>() {
            return e.exit_code() as u8;
        }
        if let Some(e) = cause.downcast_ref::<PricingError>() {
            return e.exit_code();
        }
        if cause.downcast_ref::<UsageError>().is_some() {
            return 2;
        }
        if let Some(e) = cause.downcast_ref::<crate::calibrate::AwsError>() {
            return e.exit_code();
        }
    }
    1
}

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        None => tui(cli.path.as_deref(), cli.region, cli.pricing),
        Some(Command::Report {
            profile,
            format,
            output,
        }) => report_cmd(
            &profile,
            format,
            output.as_deref(),
            cli.region.as_deref(),
            cli.pricing.as_deref(),
        ),
        Some(Command::Check { profiles }) => check(&profiles),
        Some(Command::Calibrate(args)) => {
            crate::calibrate::command::run(&args, cli.region.as_deref(), cli.pricing.as_deref())
        }
        Some(Command::Pricing {
            command: PricingCommand::Show,
        }) => pricing_show(cli.region.as_deref(), cli.pricing.as_deref()),
    }
}

fn tui(path: Option<&Path>, region: Option<String>, pricing: Option<PathBuf>) -> Result<ExitCode> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(UsageError(
            "the interactive planner needs a terminal; for a report use `planner report PROFILE` \
             (add `--format json` for JSON)"
                .into(),
        )
        .into());
    }
    crate::tui::run(path, crate::tui::source::Options { region, pricing })
}

/// Load a profile and the price book for its region (or the overriding `--region`).
pub fn load_inputs(
    path: &Path,
    region: Option<&str>,
    pricing_dir: Option<&Path>,
) -> Result<(Profile, LoadedBook)> {
    let mut profile = profile::load(path)?;
    if let Some(r) = region {
        profile.region = r.to_string();
    }
    let book = pricing::load(&profile.region, pricing_dir)?;
    if let Some(warning) = book.book.staleness_warning(pricing::today_utc()) {
        eprintln!("warning: {warning}");
    }
    Ok((profile, book))
}

fn report_cmd(
    path: &Path,
    format: FormatArg,
    output: Option<&Path>,
    region: Option<&str>,
    pricing_dir: Option<&Path>,
) -> Result<ExitCode> {
    // Open the output first so a bad path fails before any work.
    let out = match output {
        Some(p) if p != Path::new("-") => Some(
            AtomicFile::create(p)
                .map_err(|e| UsageError(format!("cannot write {}: {e}", p.display())))?,
        ),
        _ => None,
    };
    let (profile, book) = load_inputs(path, region, pricing_dir)?;
    let plan = model::plan(&profile, &book.book, &provenance(&book));
    let format = match format {
        FormatArg::Markdown => report::Format::Markdown,
        FormatArg::Json => report::Format::Json,
    };
    let text = report::render(&plan, format);
    match out {
        Some(file) => {
            let target: PathBuf = file.target().to_path_buf();
            file.commit(text.as_bytes())
                .with_context(|| format!("writing {}", target.display()))?;
            eprintln!("wrote {}", target.display());
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(text.as_bytes())
                .and_then(|_| stdout.flush())
                .context("writing the report to stdout")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// How the report names the price book: built-in or the file it came from.
pub fn provenance(book: &LoadedBook) -> String {
    if book.origin == pricing::BUILT_IN_ORIGIN {
        format!("planner built-in price book `{}`", book.book.region)
    } else {
        format!("price book `{}`", book.origin)
    }
}

fn check(paths: &[PathBuf]) -> Result<ExitCode> {
    let mut problems = 0usize;
    for path in paths {
        match profile::load(path) {
            Ok(p) => println!(
                "ok: {} ({} workload{})",
                path.display(),
                p.workloads.len(),
                if p.workloads.len() == 1 { "" } else { "s" }
            ),
            Err(errors) => {
                for e in errors.iter() {
                    eprintln!("{e}");
                }
                problems += errors.len();
            }
        }
    }
    if problems > 0 {
        eprintln!(
            "{problems} problem{} found",
            if problems == 1 { "" } else { "s" }
        );
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

fn pricing_show(region: Option<&str>, pricing_dir: Option<&Path>) -> Result<ExitCode> {
    let region = region.unwrap_or("us-east-1");
    let book = pricing::load(region, pricing_dir)?;
    let today = pricing::today_utc();
    print!("{}", pricing::show(&book, today));
    if let Some(warning) = book.book.staleness_warning(today) {
        eprintln!("warning: {warning}");
    }
    Ok(ExitCode::SUCCESS)
}
