//! `planner report`: plan a profile and render the report.

use crate::atomic::AtomicFile;
use crate::cli::FormatArg;
use crate::error::UsageError;
use crate::pricing::{self, LoadedBook};
use crate::profile::{self, Profile};
use crate::{model, report};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Load a profile and the price book for its region (or the overriding `--region`).
pub(super) fn load_inputs(
    path: &Path,
    region: Option<&str>,
    pricing_dir: Option<&Path>,
) -> Result<(Profile, LoadedBook)> {
    let mut profile = profile::load(path)?;
    let book = super::book_for(&profile, path, region, pricing_dir)?;
    if let Some(r) = region {
        profile.region = r.to_string();
    }
    if let Some(warning) = book.book.staleness_warning(pricing::today_utc()) {
        eprintln!("warning: {warning}");
    }
    Ok((profile, book))
}

pub fn run(
    path: &Path,
    format: Option<FormatArg>,
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
    if let Some(out) = &out {
        let book_file = pricing_dir.map(|d| d.join(format!("{}.yaml", profile.region)));
        let inputs = profile::input_files(&profile, path)
            .into_iter()
            .chain(book_file);
        if let Some(input) = inputs.into_iter().find(|i| out.is_same_file(i)) {
            return Err(UsageError(format!(
                "refusing to write the report over {}, which is one of its inputs; choose another -o file",
                input.display()
            ))
            .into());
        }
    }
    let plan = model::plan(&profile, &book.book, &book.provenance());
    if let Some(warning) = report::unpriced_warning(&plan) {
        eprintln!("{warning}");
    }
    let format = match (format, output) {
        (Some(FormatArg::Markdown), _) => report::Format::Markdown,
        (Some(FormatArg::Json), _) => report::Format::Json,
        (None, Some(path)) => report::Format::for_path(path),
        (None, None) => report::Format::Markdown,
    };
    let text = report::render(&plan, format);
    match out {
        Some(file) => {
            let target: PathBuf = file.target().to_path_buf();
            file.commit(text.as_bytes())
                .with_context(|| format!("writing {}", target.display()))?;
            eprintln!("wrote {}", target.display());
        }
        None => super::to_stdout(&text)?,
    }
    Ok(ExitCode::SUCCESS)
}
