//! `planner diff OLD NEW`: what changed between two profiles or two JSON reports.

use crate::error::UsageError;
use crate::{model, report};
use anyhow::Result;
use serde_json::Value;
use std::path::Path;
use std::process::ExitCode;

/// Print the changes from `old` to `new` on stdout; with `fail_above`, exit 1 when a
/// workload's recommended monthly cost rose by more than that many percent.
pub fn run(
    old: &Path,
    new: &Path,
    fail_above: Option<f64>,
    region: Option<&str>,
    pricing_dir: Option<&Path>,
) -> Result<ExitCode> {
    if let Some(p) = fail_above
        && !p.is_finite()
    {
        return Err(UsageError(format!("--fail-above {p}: expected a percentage")).into());
    }
    let before = report_of(old, region, pricing_dir)?;
    let after = report_of(new, region, pricing_dir)?;
    let diff = report::diff::diff(
        &before,
        &after,
        &old.display().to_string(),
        &new.display().to_string(),
    );
    super::to_stdout(&diff.text)?;
    let Some(limit) = fail_above else {
        return Ok(ExitCode::SUCCESS);
    };
    let above = diff.above(limit);
    for (name, rise) in &above {
        let rise = if rise.is_infinite() {
            "from nothing to a cost".to_string()
        } else {
            format!("by {rise:.1}%")
        };
        eprintln!(
            "{}: the recommended option's monthly cost rose {rise}, more than --fail-above {limit}%",
            crate::format::terminal_safe(name)
        );
    }
    Ok(if above.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Whether the file at `path` holding `text` is a JSON report (else a profile): its name
/// ends in `.json`, or its text starts with `{`.
fn is_json_report(path: &Path, text: &str) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        || text.trim_start().starts_with('{')
}

/// The JSON report of `path`: read as it is, or planned from the profile.
fn report_of(path: &Path, region: Option<&str>, pricing_dir: Option<&Path>) -> Result<Value> {
    let text = crate::input::read_text(path, crate::input::MAX_DOCUMENT_BYTES)
        .map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())))?;
    if is_json_report(path, &text) {
        let value: Value = serde_json::from_str(&text)
            .map_err(|e| UsageError(format!("{}: not a JSON report: {e}", path.display())))?;
        if !value.get("workloads").is_some_and(Value::is_array) {
            return Err(UsageError(format!(
                "{}: not a planner JSON report (no `workloads` list)",
                path.display()
            ))
            .into());
        }
        return Ok(value);
    }
    let (profile, book) = super::report::load_inputs(path, region, pricing_dir)?;
    let plan = model::plan(&profile, &book.book, &book.provenance());
    Ok(serde_json::from_str(&report::json(&plan))?)
}
