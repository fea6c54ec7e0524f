//! `planner check`: validate profiles.

use crate::profile;
use anyhow::Result;
use std::path::PathBuf;
use std::process::ExitCode;

pub fn run(paths: &[PathBuf]) -> Result<ExitCode> {
    let mut problems = 0usize;
    for path in paths {
        match profile::load(path) {
            Ok(p) => super::to_stdout(&format!(
                "ok: {} ({} workload{})\n",
                crate::format::terminal_safe(&path.display().to_string()),
                p.workloads.len(),
                if p.workloads.len() == 1 { "" } else { "s" }
            ))?,
            Err(errors) => {
                for e in errors.iter() {
                    eprintln!("{}", crate::format::terminal_safe(&e.to_string()));
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
