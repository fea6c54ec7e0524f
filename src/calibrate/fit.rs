//! Least-squares fit of the model's duration law to measured durations:
//! `duration(m) = io + cpu / min(m / 1769, threads)` (the same law as
//! `model::lambda::duration_ms`, with vCPUs capped at 6).

use crate::model::lambda::vcpus;
use serde::Serialize;

/// The fitted parts and how well they fit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Fit {
    pub io_ms: f64,
    /// CPU part at one full vCPU.
    pub cpu_ms: f64,
    pub threads: u32,
    /// Root-mean-square residual over the points, ms.
    pub rmse_ms: f64,
    /// Largest |residual| / measured, percent.
    pub max_error_pct: f64,
    /// Coefficient of determination (1 when exact; 0 with no spread to explain).
    pub r_squared: f64,
    /// Standard errors of io and cpu (ms), when there are more points than parameters.
    pub io_se_ms: Option<f64>,
    pub cpu_se_ms: Option<f64>,
    /// Points the fit used.
    pub points: usize,
}

impl Fit {
    /// The fitted duration at `memory_mb`.
    pub fn predict(&self, memory_mb: u32) -> f64 {
        self.io_ms + self.cpu_ms * inverse_share(memory_mb, self.threads)
    }
}

/// Why there is no fit.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FitError {
    #[error("a fit needs measurements at two or more memory sizes")]
    TooFewPoints,
    #[error(
        "every size measured gives the code the same CPU share (min(memory/1769, threads) is equal), \
         so I/O and CPU cannot be told apart; include a size below {0} MB"
    )]
    NoSpread(u32),
}

/// 1 / min(vCPU share, threads): how many times longer the CPU part takes than at one vCPU.
pub fn inverse_share(memory_mb: u32, threads: u32) -> f64 {
    1.0 / vcpus(memory_mb).min(threads.max(1) as f64)
}

/// Fit `io` and `cpu` (both ≥ 0) to `(memory_mb, duration_ms)` points by ordinary least squares.
pub fn fit(points: &[(u32, f64)], threads: u32) -> Result<Fit, FitError> {
    let weighted: Vec<(u32, f64, f64)> = points.iter().map(|&(m, y)| (m, y, 1.0)).collect();
    fit_weighted(&weighted, threads)
}

/// Weighted least squares over `(memory_mb, duration_ms, weight)` points; a good weight is the
/// precision of each measured mean, n / variance, since Lambda's noise grows with duration.
/// When the unconstrained optimum has a negative part, that part is fixed at 0 and the other
/// refitted (the constrained optimum of a 2-parameter problem lies on that edge).
pub fn fit_weighted(points: &[(u32, f64, f64)], threads: u32) -> Result<Fit, FitError> {
    let mut pts: Vec<(f64, f64, f64)> = points
        .iter()
        .filter(|(_, y, _)| y.is_finite())
        .map(|&(m, y, w)| (inverse_share(m, threads), y, w))
        .collect();
    let n = pts.len();
    if n < 2 {
        return Err(FitError::TooFewPoints);
    }
    // Unusable weights: fall back to ordinary least squares. Otherwise normalize to mean 1.
    if pts.iter().any(|p| !(p.2.is_finite() && p.2 > 0.0)) {
        pts.iter_mut().for_each(|p| p.2 = 1.0);
    } else {
        let mean_w = pts.iter().map(|p| p.2).sum::<f64>() / n as f64;
        pts.iter_mut().for_each(|p| p.2 /= mean_w);
    }
    let nf = n as f64;
    let sw: f64 = pts.iter().map(|p| p.2).sum();
    let mx = pts.iter().map(|p| p.2 * p.0).sum::<f64>() / sw;
    let my = pts.iter().map(|p| p.2 * p.1).sum::<f64>() / sw;
    let sxx: f64 = pts.iter().map(|p| p.2 * (p.0 - mx).powi(2)).sum();
    let sxy: f64 = pts.iter().map(|p| p.2 * (p.0 - mx) * (p.1 - my)).sum();
    if sxx <= 1e-12 * mx.max(1.0) {
        let full = (crate::model::lambda::MB_PER_VCPU * threads.max(1) as f64).ceil() as u32;
        return Err(FitError::NoSpread(full));
    }
    let mut cpu = sxy / sxx;
    let mut io = my - cpu * mx;
    if cpu < 0.0 {
        cpu = 0.0;
        io = my.max(0.0);
    } else if io < 0.0 {
        io = 0.0;
        let sxx0: f64 = pts.iter().map(|p| p.2 * p.0 * p.0).sum();
        let sxy0: f64 = pts.iter().map(|p| p.2 * p.0 * p.1).sum();
        cpu = (sxy0 / sxx0).max(0.0);
    }
    let resid: Vec<f64> = pts.iter().map(|&(x, y, _)| y - (io + cpu * x)).collect();
    let sse: f64 = resid.iter().map(|r| r * r).sum();
    let wsse: f64 = pts.iter().zip(&resid).map(|(p, r)| p.2 * r * r).sum();
    let mean_y = pts.iter().map(|p| p.1).sum::<f64>() / nf;
    let sst: f64 = pts.iter().map(|p| (p.1 - mean_y).powi(2)).sum();
    let max_error_pct = pts
        .iter()
        .zip(&resid)
        .map(|(p, r)| {
            if p.1 > 0.0 {
                (r / p.1).abs() * 100.0
            } else {
                0.0
            }
        })
        .fold(0.0, f64::max);
    let (io_se, cpu_se) = if n > 2 {
        let s2 = wsse / (nf - 2.0);
        (
            Some((s2 * (1.0 / sw + mx * mx / sxx)).sqrt()),
            Some((s2 / sxx).sqrt()),
        )
    } else {
        (None, None)
    };
    Ok(Fit {
        io_ms: io,
        cpu_ms: cpu,
        threads: threads.max(1),
        rmse_ms: (sse / nf).sqrt(),
        max_error_pct,
        r_squared: if sst > 0.0 { 1.0 - sse / sst } else { 0.0 },
        io_se_ms: io_se,
        cpu_se_ms: cpu_se,
        points: n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::lambda::duration_ms;
    use crate::profile::Request;

    fn req(io: f64, cpu: f64, threads: u32) -> Request {
        Request {
            duration_ms: io + cpu,
            cpu_ms: cpu,
            threads,
            ..Request::default()
        }
    }

    #[test]
    fn recovers_the_model_exactly() {
        let r = req(80.0, 400.0, 1);
        let pts: Vec<(u32, f64)> = [256, 512, 1024, 1769, 3008]
            .iter()
            .map(|&m| (m, duration_ms(&r, m)))
            .collect();
        let f = fit(&pts, 1).unwrap();
        assert!((f.io_ms - 80.0).abs() < 1e-6, "{f:?}");
        assert!((f.cpu_ms - 400.0).abs() < 1e-6, "{f:?}");
        assert!(f.rmse_ms < 1e-6);
        assert!((f.r_squared - 1.0).abs() < 1e-9);
        for m in [128, 700, 2048, 10240] {
            assert!((f.predict(m) - duration_ms(&r, m)).abs() < 1e-6);
        }
    }

    #[test]
    fn multithreaded_code() {
        let r = req(20.0, 900.0, 4);
        let pts: Vec<(u32, f64)> = [1024, 2048, 4096, 8192]
            .iter()
            .map(|&m| (m, duration_ms(&r, m)))
            .collect();
        let f = fit(&pts, 4).unwrap();
        assert!((f.io_ms - 20.0).abs() < 1e-6 && (f.cpu_ms - 900.0).abs() < 1e-6);
    }

    #[test]
    fn constrained_to_non_negative_parts() {
        // Slower with more memory: no CPU part.
        let f = fit(&[(512, 100.0), (1024, 110.0)], 1).unwrap();
        assert_eq!(f.cpu_ms, 0.0);
        assert!((f.io_ms - 105.0).abs() < 1e-9);
        // Faster than pure CPU scaling would allow: no I/O part.
        let f = fit(&[(512, 1000.0), (1024, 400.0)], 1).unwrap();
        assert_eq!(f.io_ms, 0.0);
        assert!(f.cpu_ms > 0.0);
    }

    #[test]
    fn weights_favour_precise_points() {
        // The noisy point at 256 MB is off by +200 ms; with little weight it barely moves the fit.
        let r = req(100.0, 300.0, 1);
        let mut pts: Vec<(u32, f64, f64)> = [256, 1024, 1769, 3008]
            .iter()
            .map(|&m| (m, duration_ms(&r, m), 100.0))
            .collect();
        pts[0].1 += 200.0;
        pts[0].2 = 0.01;
        let f = fit_weighted(&pts, 1).unwrap();
        assert!(
            (f.io_ms - 100.0).abs() < 2.0 && (f.cpu_ms - 300.0).abs() < 2.0,
            "{f:?}"
        );
        // Bad weights fall back to equal ones.
        pts[0].2 = f64::NAN;
        assert!(fit_weighted(&pts, 1).is_ok());
    }

    #[test]
    fn degenerate_inputs() {
        assert_eq!(fit(&[(512, 1.0)], 1), Err(FitError::TooFewPoints));
        assert!(matches!(
            fit(&[(2048, 10.0), (4096, 10.0)], 1),
            Err(FitError::NoSpread(1769))
        ));
    }
}
