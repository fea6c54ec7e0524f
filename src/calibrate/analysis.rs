//! From raw invocations to what the run found: per-size statistics and costs (through
//! `model::lambda::bill`, the one place Lambda billing lives), the I/O + CPU fit, and the best
//! memory for cost, for speed and balanced.

use super::fit::{self, Fit, FitError};
use super::invocation::{Invocation, Outcome};
use super::stats::{self, Summary};
use crate::aws::lambda::FunctionInfo;
use crate::model::billing::{self, FreeTier};
use crate::model::lambda::{self, OWN_LINES, Usage};
use crate::pricing::{Missing, PriceBook};
use crate::profile::{Architecture, Calibration, CalibrationFit, MeasureSource, MeasuredSize};

/// Everything one memory size produced.
#[derive(Debug, Clone, PartialEq)]
pub struct SizeSamples {
    pub memory_mb: u32,
    /// The version invoked (through the run's alias).
    pub version: String,
    pub invocations: Vec<Invocation>,
}

/// One memory size, summarized. Only successful invocations enter the statistics; errors,
/// timeouts, throttles and missing tails are counted apart.
#[derive(Debug, Clone, PartialEq)]
pub struct SizeStats {
    pub memory_mb: u32,
    pub attempted: usize,
    pub ok: usize,
    pub function_errors: usize,
    pub timeouts: usize,
    /// Throttled tries (each retried after a backoff).
    pub throttles: usize,
    /// Invocations still throttled after every try (never ran).
    pub throttled_out: usize,
    /// Successful invocations whose log tail was missing or held no report.
    pub missing_tails: usize,
    pub source: MeasureSource,
    /// Handler duration (REPORT `Duration`, or client time when no report came back).
    pub duration: Option<Summary>,
    /// Mean duration of warm invocations (all when none was warm): what the fit uses.
    pub warm_mean_ms: Option<f64>,
    /// Precision of `warm_mean_ms` (n / sample variance): the fit's weight for this size.
    pub warm_weight: Option<f64>,
    /// Client-side wall time of successful invocations (network and invoke overhead included).
    pub client: Option<Summary>,
    pub billed_mean_ms: Option<f64>,
    pub max_memory_used_mb: Option<u32>,
    pub cold_starts: usize,
    pub cold_start_share: f64,
    pub init_mean_ms: Option<f64>,
    pub restore_mean_ms: Option<f64>,
    pub cost_per_invocation_usd: Option<f64>,
}

impl SizeStats {
    pub fn cost_per_million_usd(&self) -> Option<f64> {
        self.cost_per_invocation_usd.map(|c| c * 1e6)
    }
}

/// The best memory among those measured.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Best {
    pub cost: Option<u32>,
    pub speed: Option<u32>,
    /// Least (cost / cheapest) + (duration / fastest): Power Tuning's balanced strategy with
    /// equal weights.
    pub balanced: Option<u32>,
}

/// What the fit predicts for a size that was not necessarily measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Predicted {
    pub memory_mb: u32,
    pub duration_ms: f64,
    pub cost_per_invocation_usd: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    pub sizes: Vec<SizeStats>,
    pub fit: Result<Fit, FitError>,
    pub best: Best,
    /// The cheapest size over 128–10,240 MB by the fit (64 MB steps plus the measured sizes),
    /// no smaller than the largest `Max Memory Used` seen.
    pub predicted_cheapest: Option<Predicted>,
    /// Successful invocations measured, all sizes.
    pub measured: usize,
    pub notes: Vec<String>,
}

/// The cost of one invocation billed for `billed_ms` at `memory_mb`, from the book.
pub fn invocation_cost(
    book: &PriceBook,
    arch: Architecture,
    memory_mb: u32,
    billed_ms: f64,
    ephemeral_storage_mb: u32,
) -> Result<f64, Missing> {
    let usage = Usage {
        arch,
        memory_mb,
        requests: 1.0,
        duration_ms: billed_ms,
        provisioned: None,
        cold_starts: 0.0,
        init_ms: 0.0,
        ephemeral_storage_mb,
    };
    Ok(billing::total(&lambda::bill(
        &usage,
        OWN_LINES,
        book,
        FreeTier::none(),
    )?))
}

/// What a stored fit predicts at each of `sizes`: the duration by the fit's law
/// ([`fit::inverse_share`]) and the cost of one invocation billed for it, priced like the
/// measured sizes (through `lambda::bill`).
pub fn fitted(
    fit: &CalibrationFit,
    arch: Architecture,
    ephemeral_storage_mb: u32,
    book: &PriceBook,
    sizes: &[u32],
) -> Result<Vec<Predicted>, Missing> {
    sizes
        .iter()
        .map(|&m| {
            let d = fit.io_ms + fit.cpu_ms * fit::inverse_share(m, fit.threads);
            Ok(Predicted {
                memory_mb: m,
                duration_ms: d,
                cost_per_invocation_usd: invocation_cost(
                    book,
                    arch,
                    m,
                    d.ceil(),
                    ephemeral_storage_mb,
                )?,
            })
        })
        .collect()
}

/// Summarize one size.
pub fn size_stats(
    s: &SizeSamples,
    info: &FunctionInfo,
    book: &PriceBook,
) -> Result<SizeStats, Missing> {
    let mut st = SizeStats {
        memory_mb: s.memory_mb,
        attempted: s.invocations.len(),
        ok: 0,
        function_errors: 0,
        timeouts: 0,
        throttles: 0,
        throttled_out: 0,
        missing_tails: 0,
        source: MeasureSource::Report,
        duration: None,
        warm_mean_ms: None,
        warm_weight: None,
        client: None,
        billed_mean_ms: None,
        max_memory_used_mb: None,
        cold_starts: 0,
        cold_start_share: 0.0,
        init_mean_ms: None,
        restore_mean_ms: None,
        cost_per_invocation_usd: None,
    };
    let mut reports = Vec::new();
    let mut client_ok = Vec::new();
    for inv in &s.invocations {
        st.throttles += inv.throttles as usize;
        match &inv.outcome {
            Outcome::Ok { report, .. } => {
                st.ok += 1;
                client_ok.push(inv.client_ms);
                match report {
                    Some(r) => reports.push(r),
                    None => st.missing_tails += 1,
                }
            }
            Outcome::FunctionError { .. } => st.function_errors += 1,
            Outcome::Timeout { .. } => st.timeouts += 1,
            Outcome::Throttled => st.throttled_out += 1,
        }
    }
    st.client = stats::summarize(&client_ok);
    let cost = |billed: f64| {
        invocation_cost(
            book,
            info.architecture,
            s.memory_mb,
            billed,
            info.ephemeral_storage_mb,
        )
    };
    if reports.is_empty() {
        if client_ok.is_empty() {
            return Ok(st);
        }
        // No log tail at all: client timing stands in (and says so).
        st.source = MeasureSource::Client;
        st.duration = st.client;
        st.warm_mean_ms = st.client.map(|c| c.mean);
        st.warm_weight = precision(&client_ok);
        let billed: Vec<f64> = client_ok.iter().map(|c| c.ceil()).collect();
        st.billed_mean_ms = stats::mean(billed.iter().copied());
        let mut total = 0.0;
        for b in &billed {
            total += cost(*b)?;
        }
        st.cost_per_invocation_usd = Some(total / billed.len() as f64);
        return Ok(st);
    }
    let durations: Vec<f64> = reports.iter().map(|r| r.duration_ms).collect();
    st.duration = stats::summarize(&durations);
    let warm: Vec<f64> = reports
        .iter()
        .filter(|r| !r.is_cold())
        .map(|r| r.duration_ms)
        .collect();
    let fit_sample = if warm.is_empty() { &durations } else { &warm };
    st.warm_mean_ms = stats::mean(fit_sample.iter().copied());
    st.warm_weight = precision(fit_sample);
    st.billed_mean_ms = stats::mean(reports.iter().map(|r| r.billed_duration_ms));
    st.max_memory_used_mb = reports.iter().map(|r| r.max_memory_used_mb).max();
    st.cold_starts = reports.iter().filter(|r| r.is_cold()).count();
    st.cold_start_share = st.cold_starts as f64 / reports.len() as f64;
    st.init_mean_ms = stats::mean(reports.iter().filter_map(|r| r.init_duration_ms));
    st.restore_mean_ms = stats::mean(reports.iter().filter_map(|r| r.restore_duration_ms));
    let mut total = 0.0;
    for r in &reports {
        // Billed Duration includes billed INIT; SnapStart restore is billed apart (not here).
        total += cost(r.billed_duration_ms)?;
    }
    st.cost_per_invocation_usd = Some(total / reports.len() as f64);
    Ok(st)
}

/// n / sample variance of the values (the precision of their mean); `None` when it cannot be
/// estimated (fewer than two values, or no spread).
fn precision(values: &[f64]) -> Option<f64> {
    let n = values.len();
    if n < 2 {
        return None;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    (var > 0.0).then(|| n as f64 / var)
}

/// Analyze a whole run. `threads` is how many vCPUs the workload's CPU part can use.
pub fn analyze(
    samples: &[SizeSamples],
    info: &FunctionInfo,
    threads: u32,
    book: &PriceBook,
) -> Result<Analysis, Missing> {
    let mut sizes = Vec::with_capacity(samples.len());
    for s in samples {
        sizes.push(size_stats(s, info, book)?);
    }
    // Weighted by each mean's precision; a size without one makes the fit unweighted.
    let points: Vec<(u32, f64, f64)> = sizes
        .iter()
        .filter_map(|s| {
            s.warm_mean_ms
                .map(|d| (s.memory_mb, d, s.warm_weight.unwrap_or(f64::NAN)))
        })
        .collect();
    let fit = fit::fit_weighted(&points, threads);
    let best = best(&sizes);
    let predicted_cheapest = match &fit {
        Ok(f) => predicted_cheapest(f, info, book, &sizes)?,
        Err(_) => None,
    };
    let mut notes = Vec::new();
    if sizes.iter().any(|s| s.source == MeasureSource::Client) {
        notes.push(
            "Some sizes returned no log tail: their durations are client-side times, which include \
             network and invoke overhead (enable logging, or check that the invoker may read the tail)."
                .to_string(),
        );
    }
    if sizes.iter().any(|s| s.restore_mean_ms.is_some()) {
        notes.push(
            "SnapStart restores were measured; their cost (SnapStart cache and restore charges) is not \
             in the per-invocation costs."
                .to_string(),
        );
    }
    let measured = sizes.iter().map(|s| s.ok).sum();
    Ok(Analysis {
        sizes,
        fit,
        best,
        predicted_cheapest,
        measured,
        notes,
    })
}

fn best(sizes: &[SizeStats]) -> Best {
    let usable: Vec<(u32, f64, f64)> = sizes
        .iter()
        .filter_map(|s| Some((s.memory_mb, s.cost_per_invocation_usd?, s.duration?.mean)))
        .collect();
    let pick = |key: &dyn Fn(&(u32, f64, f64)) -> f64| {
        usable
            .iter()
            .min_by(|a, b| key(a).total_cmp(&key(b)).then(a.0.cmp(&b.0)))
            .map(|x| x.0)
    };
    let min_cost = usable.iter().map(|x| x.1).fold(f64::INFINITY, f64::min);
    let min_dur = usable.iter().map(|x| x.2).fold(f64::INFINITY, f64::min);
    Best {
        cost: pick(&|x| x.1),
        speed: pick(&|x| x.2 + x.1 * 1e-9),
        balanced: pick(&|x| {
            x.1 / min_cost.max(f64::MIN_POSITIVE) + x.2 / min_dur.max(f64::MIN_POSITIVE)
        }),
    }
}

fn predicted_cheapest(
    f: &Fit,
    info: &FunctionInfo,
    book: &PriceBook,
    sizes: &[SizeStats],
) -> Result<Option<Predicted>, Missing> {
    // Never below the most memory an invocation was seen to use.
    let floor = sizes
        .iter()
        .filter_map(|s| s.max_memory_used_mb)
        .max()
        .unwrap_or(0)
        .max(lambda::MIN_MEMORY_MB);
    let mut candidates: Vec<u32> = (lambda::MIN_MEMORY_MB..=lambda::MAX_MEMORY_MB)
        .step_by(64)
        .filter(|&m| m >= floor)
        .collect();
    candidates.extend(sizes.iter().map(|s| s.memory_mb));
    // The size where one more MB stops buying CPU (threads × 1,769 MB).
    candidates.push(
        ((lambda::MB_PER_VCPU * f.threads as f64).ceil() as u32)
            .clamp(lambda::MIN_MEMORY_MB, lambda::MAX_MEMORY_MB),
    );
    let mut best: Option<Predicted> = None;
    for m in candidates {
        let d = f.predict(m);
        let c = invocation_cost(
            book,
            info.architecture,
            m,
            d.ceil(),
            info.ephemeral_storage_mb,
        )?;
        if best.is_none_or(|b| c < b.cost_per_invocation_usd) {
            best = Some(Predicted {
                memory_mb: m,
                duration_ms: d,
                cost_per_invocation_usd: c,
            });
        }
    }
    Ok(best)
}

impl Analysis {
    /// The profile's `calibration` block for this run.
    pub fn to_calibration(&self, date: &str, info: &FunctionInfo, region: &str) -> Calibration {
        Calibration {
            date: date.to_string(),
            function: info.arn.clone(),
            region: Some(region.to_string()),
            architecture: info.architecture,
            invocations: self.measured as u64,
            fit: self.fit.as_ref().ok().map(|f| CalibrationFit {
                io_ms: round(f.io_ms, 3),
                cpu_ms: round(f.cpu_ms, 3),
                threads: f.threads,
                rmse_ms: round(f.rmse_ms, 3),
                max_error_pct: round(f.max_error_pct, 3),
            }),
            sizes: self
                .sizes
                .iter()
                .filter_map(|s| {
                    let d = s.duration?;
                    Some(MeasuredSize {
                        memory_mb: s.memory_mb,
                        invocations: s.ok as u64,
                        p50_ms: round(d.p50, 3),
                        p90_ms: round(d.p90, 3),
                        p99_ms: round(d.p99, 3),
                        mean_ms: round(d.mean, 3),
                        billed_ms: round(s.billed_mean_ms.unwrap_or(0.0), 3),
                        max_memory_used_mb: s.max_memory_used_mb.unwrap_or(0),
                        cold_start_share: round(s.cold_start_share, 4),
                        init_ms: s.init_mean_ms.map(|v| round(v, 3)),
                        cost_per_million_usd: round(s.cost_per_million_usd().unwrap_or(0.0), 6),
                        errors: s.function_errors as u64,
                        timeouts: s.timeouts as u64,
                        throttles: s.throttles as u64,
                        missing_tails: s.missing_tails as u64,
                        source: s.source,
                    })
                })
                .collect(),
        }
    }
}

fn round(x: f64, decimals: i32) -> f64 {
    let k = 10f64.powi(decimals);
    (x * k).round() / k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_fit_predicts_by_its_law_and_prices_through_the_bill() {
        let book = crate::pricing::load("us-east-1", None).unwrap().book;
        let fit = CalibrationFit {
            io_ms: 60.0,
            cpu_ms: 400.0,
            threads: 1,
            rmse_ms: 0.0,
            max_error_pct: 0.0,
        };
        let p = fitted(&fit, Architecture::Arm64, 512, &book, &[1769, 3538]).unwrap();
        // A full vCPU from 1,769 MB on: one thread is no faster with more.
        assert!((p[0].duration_ms - 460.0).abs() < 1e-9);
        assert!((p[1].duration_ms - 460.0).abs() < 1e-9);
        let at_1769 = invocation_cost(&book, Architecture::Arm64, 1769, 460.0, 512).unwrap();
        assert_eq!(p[0].cost_per_invocation_usd, at_1769);
        assert!(p[1].cost_per_invocation_usd > p[0].cost_per_invocation_usd);
    }
}
