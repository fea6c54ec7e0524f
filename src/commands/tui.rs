//! No command: the interactive planner.

use crate::error::UsageError;
use anyhow::Result;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn run(
    path: Option<&Path>,
    region: Option<String>,
    pricing: Option<PathBuf>,
) -> Result<ExitCode> {
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
