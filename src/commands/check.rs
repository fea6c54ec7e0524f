//! `planner check`: validate profiles.

use crate::profile;
use anyhow::Result;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Validate each profile, and that a price book exists for its region (the profile's, or
/// `--region`), in the built-in books or `--pricing DIR`.
pub fn run(
    paths: &[PathBuf],
    region: Option<&str>,
    pricing_dir: Option<&Path>,
) -> Result<ExitCode> {
    let mut problems = 0usize;
    for path in paths {
        let loaded = profile::load(path).and_then(|p| {
            match super::book_for(&p, path, region, pricing_dir) {
                Ok(_) => Ok(p),
                Err(e) => match e.downcast::<profile::ProfileErrors>() {
                    Ok(errors) => Err(errors),
                    Err(other) => Err(profile::ProfileErrors(vec![profile::ProfileError::new(
                        profile::ProfileErrorKind::Invalid,
                        path,
                        (0, 0),
                        "",
                        format!("{other:#}"),
                    )])),
                },
            }
        });
        match loaded {
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
