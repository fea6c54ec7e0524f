//! A workload's `calibration` block: what `planner calibrate` measured on a real Lambda
//! function, and the I/O + CPU fit the model uses instead of the request's stated durations.
//!
//! It may be written inline under a workload, but `planner calibrate` writes it to a sidecar
//! file next to the profile (`checkout.yaml` -> `checkout.calibration.yaml`) so that the
//! user's profile, its comments and layout, are never rewritten. [`super::load`] merges the
//! sidecar into the profile; a sidecar block replaces an inline one for the same workload.

use super::error::{ProfileError, ProfileErrorKind, ProfileErrors};
use super::positions::PositionMap;
use super::types::{Architecture, Profile};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Measurements of one workload's function and the fit derived from them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Calibration {
    /// UTC date of the run, `YYYY-MM-DD`.
    pub date: String,
    /// The function measured (name or ARN).
    pub function: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default)]
    pub architecture: Architecture,
    /// Successful invocations measured, all sizes together.
    pub invocations: u64,
    /// duration = io_ms + cpu_ms / min(memory / 1769, threads); absent when the sizes could not
    /// separate the parts (fewer than two sizes with different vCPU shares).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fit: Option<CalibrationFit>,
    /// Per memory size, what was measured.
    #[serde(default)]
    pub sizes: Vec<MeasuredSize>,
}

/// The least-squares fit of the handler duration over memory sizes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CalibrationFit {
    /// The part of the duration that does not speed up with more CPU.
    pub io_ms: f64,
    /// The CPU part at one full vCPU.
    pub cpu_ms: f64,
    /// vCPUs the CPU part can use (as the fit assumed).
    #[serde(default = "one")]
    pub threads: u32,
    /// Root-mean-square error of the fit over the measured sizes.
    #[serde(default)]
    pub rmse_ms: f64,
    /// Largest error of the fit at a measured size, percent of the measured value.
    #[serde(default)]
    pub max_error_pct: f64,
}

fn one() -> u32 {
    1
}

/// Where a size's durations came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeasureSource {
    /// The REPORT line (or `platform.report` record) of each invocation.
    #[default]
    Report,
    /// Client-side timing (no log tail came back): includes network and invoke overhead.
    Client,
}

/// One memory size as measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasuredSize {
    pub memory_mb: u32,
    /// Successful invocations the statistics are drawn from.
    pub invocations: u64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub mean_ms: f64,
    /// Mean billed duration (INIT included where billed).
    pub billed_ms: f64,
    #[serde(default)]
    pub max_memory_used_mb: u32,
    #[serde(default)]
    pub cold_start_share: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_ms: Option<f64>,
    pub cost_per_million_usd: f64,
    #[serde(default)]
    pub errors: u64,
    #[serde(default)]
    pub timeouts: u64,
    #[serde(default)]
    pub throttles: u64,
    #[serde(default)]
    pub missing_tails: u64,
    #[serde(default)]
    pub source: MeasureSource,
}

/// The sidecar file: calibration blocks by workload name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sidecar {
    pub version: u32,
    #[serde(default)]
    pub workloads: BTreeMap<String, Calibration>,
}

impl Default for Sidecar {
    fn default() -> Self {
        Sidecar {
            version: 1,
            workloads: BTreeMap::new(),
        }
    }
}

/// The sidecar next to a profile: `x.yaml` -> `x.calibration.yaml` (`x` -> `x.calibration.yaml`).
pub fn sidecar_path(profile: &Path) -> PathBuf {
    let stem = profile
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "profile".to_string());
    profile.with_file_name(format!("{stem}.calibration.yaml"))
}

/// Parse and validate sidecar text (no workload-name check: see [`merge_sidecar`]).
pub fn parse_sidecar(text: &str, path: &Path) -> Result<Sidecar, ProfileErrors> {
    let positions = PositionMap::build(text);
    super::load::shape_problem(&positions, path)?;
    let to_error = |e: serde_yaml::Error| {
        let loc = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((0, 0));
        let msg = e.to_string();
        let msg = match e.location() {
            Some(l) => msg.replacen(
                &format!(" at line {} column {}", l.line(), l.column()),
                "",
                1,
            ),
            None => msg,
        };
        ProfileErrors::from(ProfileError::new(
            ProfileErrorKind::Structure,
            path,
            loc,
            "",
            format!("invalid calibration file: {msg}"),
        ))
    };
    // As YAML values first: a workload named twice is refused (a map type keeps the last).
    let value: serde_yaml::Value = serde_yaml::from_str(text).map_err(to_error)?;
    if let Some(field) = super::load::control_character_at(&value, "") {
        return Err(ProfileError::new(
            ProfileErrorKind::Structure,
            path,
            positions.value(&field),
            field,
            super::load::CONTROL_CHARACTER,
        )
        .into());
    }
    let sidecar: Sidecar = serde_yaml::from_str(text).map_err(to_error)?;
    let mut errors = Vec::new();
    if sidecar.version != 1 {
        errors.push(ProfileError::new(
            ProfileErrorKind::Invalid,
            path,
            positions.value("version"),
            "version",
            format!(
                "unsupported version {}; this planner reads version 1",
                sidecar.version
            ),
        ));
    }
    for (name, cal) in &sidecar.workloads {
        let p = format!("workloads.{name}");
        errors.extend(super::validate::check_calibration_at(
            &positions, path, &p, cal,
        ));
    }
    if errors.is_empty() {
        Ok(sidecar)
    } else {
        errors.sort_by_key(|e| (e.line, e.column));
        Err(ProfileErrors(errors))
    }
}

/// Read the sidecar of the profile at `profile_path` (if there is one) and put its blocks into
/// the workloads they name. A block naming no workload of the profile is an error.
pub fn merge_sidecar(profile: &mut Profile, profile_path: &Path) -> Result<(), ProfileErrors> {
    let path = sidecar_path(profile_path);
    let text = match crate::input::read_text(&path, crate::input::MAX_DOCUMENT_BYTES) {
        Ok(t) => t,
        Err(crate::input::ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(());
        }
        Err(e) => {
            return Err(ProfileError::new(
                ProfileErrorKind::Unreadable,
                &path,
                e.position().unwrap_or((0, 0)),
                "",
                format!("cannot read calibration file: {e}"),
            )
            .into());
        }
    };
    let sidecar = parse_sidecar(&text, &path)?;
    let positions = PositionMap::build(&text);
    let names: Vec<String> = profile.workloads.iter().map(|w| w.name.clone()).collect();
    let mut errors = Vec::new();
    for (name, cal) in sidecar.workloads {
        match profile.workloads.iter_mut().find(|w| w.name == name) {
            Some(w) => w.calibration = Some(cal),
            None => {
                let field = format!("workloads.{name}");
                let mut msg = format!("no workload named `{name}` in {}", profile_path.display());
                if let Some(s) = super::suggest::closest(&name, &names) {
                    msg.push_str(&format!("; did you mean `{s}`?"));
                }
                msg.push_str(" (remove the block, or run `planner calibrate` again)");
                errors.push(ProfileError::new(
                    ProfileErrorKind::Invalid,
                    &path,
                    positions.key(&field),
                    field,
                    msg,
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ProfileErrors(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sidecar_names() {
        assert_eq!(
            sidecar_path(Path::new("p/checkout.yaml")),
            PathBuf::from("p/checkout.calibration.yaml")
        );
        assert_eq!(
            sidecar_path(Path::new("checkout")),
            PathBuf::from("checkout.calibration.yaml")
        );
    }

    #[test]
    fn sidecar_rejects_unknown_keys_and_bad_values() {
        let text = "version: 1\nworkloads:\n  api:\n    date: 2026-07-01\n    function: f\n    invocations: 10\n    fit: { io_ms: -5, cpu_ms: 10 }\n";
        let err = parse_sidecar(text, Path::new("x.calibration.yaml")).unwrap_err();
        let s = err.to_string();
        assert!(s.contains("workloads.api.fit.io_ms"), "{s}");
        let text = "version: 1\nworkloads:\n  api:\n    date: 2026-07-01\n    function: f\n    invocations: 10\n    bogus: 1\n";
        let err = parse_sidecar(text, Path::new("x.calibration.yaml")).unwrap_err();
        assert!(err.to_string().contains("bogus"), "{err}");
    }
}
