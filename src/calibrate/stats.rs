//! Summary statistics of a set of durations.

use serde::Serialize;

/// Percentiles and mean of a sample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    pub n: usize,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub mean: f64,
    pub min: f64,
    pub max: f64,
}

/// The `p`-th quantile (0..=1) of sorted values, linearly interpolated between closest ranks
/// (the usual "type 7" estimator). `None` for an empty sample.
pub fn quantile(sorted: &[f64], p: f64) -> Option<f64> {
    let (first, last) = (sorted.first()?, sorted.last()?);
    if sorted.len() == 1 {
        return Some(*first);
    }
    let h = (sorted.len() - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let (a, b) = (sorted.get(lo)?, sorted.get(hi).unwrap_or(last));
    Some(a + (b - a) * (h - lo as f64))
}

/// Summarize finite values; `None` when there are none.
pub fn summarize(values: &[f64]) -> Option<Summary> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(Summary {
        n: v.len(),
        p50: quantile(&v, 0.5)?,
        p90: quantile(&v, 0.9)?,
        p99: quantile(&v, 0.99)?,
        mean: v.iter().sum::<f64>() / v.len() as f64,
        min: *v.first()?,
        max: *v.last()?,
    })
}

/// Mean of finite values; `None` when there are none.
pub fn mean(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values
        .into_iter()
        .filter(|x| x.is_finite())
        .fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| sum / n as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        let s = summarize(&v).unwrap();
        assert_eq!(s.n, 100);
        assert!((s.p50 - 50.5).abs() < 1e-9);
        assert!((s.p90 - 90.1).abs() < 1e-9);
        assert!((s.p99 - 99.01).abs() < 1e-9);
        assert!((s.mean - 50.5).abs() < 1e-9);
        assert_eq!((s.min, s.max), (1.0, 100.0));
    }

    #[test]
    fn edge_cases() {
        assert_eq!(summarize(&[]), None);
        assert_eq!(summarize(&[f64::NAN]), None);
        let s = summarize(&[7.0]).unwrap();
        assert_eq!((s.p50, s.p99, s.mean), (7.0, 7.0, 7.0));
        assert_eq!(mean([1.0, 2.0, f64::INFINITY]), Some(1.5));
        assert_eq!(mean([]), None);
    }
}
