//! Traffic: a workload's request rate as a curve over a representative period.
//!
//! Synthetic shapes are one day at one-minute steps; a trace keeps its own step and length.
//! The curve is treated as repeating (the day after looks the same), which is what lets fleets
//! carry their scaled-in capacity across midnight.

use crate::profile::{Shape, Traffic};

/// Seconds in a billing month: 730 hours, as AWS's calculator uses.
pub const MONTH_S: f64 = 730.0 * 3600.0;

const DAY_MINUTES: usize = 1440;

/// The most steps the model walks for a trace: a week at one-minute steps. A longer trace is
/// resampled to whole multiples of its interval ([`Curve::resampled`]): every option is
/// searched over the curve at a dozen rates, so a two-million-row trace walked step by step
/// would take seconds per workload, and AWS's own scaling (Lambda's 10-second window, fleets'
/// minutes of scale-out) does not resolve finer detail over such spans.
pub const MAX_CURVE_STEPS: usize = 7 * DAY_MINUTES;

/// Requests per second at fixed steps over a repeating period.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Curve {
    pub step_s: f64,
    pub rps: Vec<f64>,
}

impl Curve {
    /// The curve a profile's `traffic` block describes. `trace_data` must be loaded for traces.
    pub fn from_traffic(t: &Traffic) -> Curve {
        let stated_mean = t
            .rps
            .or_else(|| t.monthly_requests.map(|m| m / MONTH_S))
            .unwrap_or(0.0);
        match t.shape {
            Shape::Flat => Curve::flat(stated_mean),
            Shape::Diurnal => Curve::diurnal(stated_mean, t.peak_to_average),
            Shape::Bursty => Curve::bursty(stated_mean, t.peak_to_average),
            Shape::Trace => match &t.trace_data {
                Some(trace) if !trace.rps.is_empty() && trace.step_s > 0.0 => {
                    let curve = Curve::resampled(&trace.rps, trace.step_s, MAX_CURVE_STEPS);
                    // A stated rate rescales the trace's shape; otherwise the trace is the truth.
                    if t.rps.is_some() || t.monthly_requests.is_some() {
                        let mean = curve.mean();
                        if mean > 0.0 {
                            return curve.scaled(stated_mean / mean);
                        }
                    }
                    curve
                }
                _ => Curve::flat(stated_mean),
            },
        }
    }

    /// A curve of at most `max_steps` steps for `rps` at `step_s`: as is when it fits, else
    /// each step the mean of `k` consecutive ones (`k` the smallest whole factor that fits;
    /// the last step may average fewer), keeping the mean and the peak: the step holding the
    /// peak is raised to it and the others lowered in proportion to keep every request.
    pub fn resampled(rps: &[f64], step_s: f64, max_steps: usize) -> Curve {
        if rps.len() <= max_steps || max_steps == 0 {
            return Curve {
                step_s,
                rps: rps.to_vec(),
            };
        }
        let k = rps.len().div_ceil(max_steps);
        let mut out: Vec<f64> = rps
            .chunks(k)
            .map(|c| c.iter().sum::<f64>() / c.len() as f64)
            .collect();
        let (peak_at, peak) = rps
            .iter()
            .copied()
            .enumerate()
            .fold(
                (0, 0.0_f64),
                |best, (i, r)| if r > best.1 { (i, r) } else { best },
            );
        let bucket = peak_at / k;
        // Requests (in units of step_s) of the last, possibly short, bucket and the others.
        let weight = |b: usize| rps[b * k..].len().min(k) as f64;
        let extra = (peak - out[bucket]) * weight(bucket);
        let others: f64 = out
            .iter()
            .enumerate()
            .filter(|&(b, _)| b != bucket)
            .map(|(b, r)| r * weight(b))
            .sum();
        if extra > 0.0 && others > 0.0 {
            let keep = ((others - extra) / others).max(0.0);
            for (b, r) in out.iter_mut().enumerate() {
                if b != bucket {
                    *r *= keep;
                }
            }
            out[bucket] = peak;
        }
        Curve {
            step_s: step_s * k as f64,
            rps: out,
        }
    }

    pub fn flat(mean: f64) -> Curve {
        Curve {
            step_s: 60.0,
            rps: vec![mean.max(0.0); DAY_MINUTES],
        }
    }

    /// A day with one smooth peak mid-afternoon: `base + (peak - base) * s^k`, where `s` is a
    /// raised cosine and the trough is `mean / peak_to_average`; `k` is chosen so that the
    /// mean and the peak are exactly the stated ones.
    pub fn diurnal(mean: f64, peak_to_average: f64) -> Curve {
        let p = peak_to_average.max(1.0);
        if p <= 1.0 + 1e-9 || mean <= 0.0 {
            return Curve::flat(mean);
        }
        let base = 1.0 / p;
        let peak_minute = 14.0 * 60.0;
        let s: Vec<f64> = (0..DAY_MINUTES)
            .map(|i| {
                let phase =
                    2.0 * std::f64::consts::PI * (i as f64 - peak_minute) / DAY_MINUTES as f64;
                (1.0 + phase.cos()) / 2.0
            })
            .collect();
        // mean of base + (p - base) * s^k must be 1: find k where mean(s^k) = target. The mean
        // falls as k grows and is convex in k, so Newton's method from the left converges fast;
        // a bracket keeps every step safe (a step leaving it bisects instead).
        let target = (1.0 - base) / (p - base);
        let k = solve_power(&s, target);
        let rps = s
            .iter()
            .map(|v| mean * (base + (p - base) * v.powf(k)))
            .collect();
        Curve { step_s: 60.0, rps }.renormalised(mean)
    }

    /// A quiet base with short bursts at `peak_to_average` times the mean: bursts of five
    /// minutes, evenly spaced, adding up to the time that keeps the mean exact.
    pub fn bursty(mean: f64, peak_to_average: f64) -> Curve {
        let p = peak_to_average.max(1.0);
        if p <= 1.0 + 1e-9 || mean <= 0.0 {
            return Curve::flat(mean);
        }
        // Base level half the mean (or lower for mild bursts), bursts at the peak.
        let base = 0.5_f64.min(1.0 / p);
        let burst_share = (1.0 - base) / (p - base);
        let burst_minutes =
            ((burst_share * DAY_MINUTES as f64).round() as usize).clamp(1, DAY_MINUTES);
        let burst_len = 5.min(burst_minutes);
        let bursts = burst_minutes.div_ceil(burst_len);
        let spacing = DAY_MINUTES / bursts.max(1);
        let mut level = vec![base; DAY_MINUTES];
        let mut left = burst_minutes;
        for b in 0..bursts {
            let start = b * spacing + spacing / 2;
            for m in 0..burst_len.min(left) {
                level[(start + m) % DAY_MINUTES] = p;
            }
            left = left.saturating_sub(burst_len);
        }
        // Re-solve the base so the mean is exact with the whole-minute bursts, peak unchanged.
        let burst_count = level.iter().filter(|&&v| v == p).count() as f64;
        let quiet = DAY_MINUTES as f64 - burst_count;
        let base = if quiet > 0.0 {
            ((DAY_MINUTES as f64 - burst_count * p) / quiet).max(0.0)
        } else {
            1.0
        };
        let rps = level
            .iter()
            .map(|&v| mean * if v == p { p } else { base })
            .collect();
        Curve { step_s: 60.0, rps }
    }

    fn renormalised(self, mean: f64) -> Curve {
        let m = self.mean();
        if m > 0.0 { self.scaled(mean / m) } else { self }
    }

    pub fn scaled(&self, factor: f64) -> Curve {
        Curve {
            step_s: self.step_s,
            rps: self.rps.iter().map(|r| r * factor).collect(),
        }
    }

    pub fn mean(&self) -> f64 {
        if self.rps.is_empty() {
            0.0
        } else {
            self.rps.iter().sum::<f64>() / self.rps.len() as f64
        }
    }

    /// When step `i` starts, as a clock time within the period ("14:02", "day 2 00:01").
    pub fn time_of_step(&self, i: usize) -> String {
        super::words::clock(i as f64 * self.step_s, self.step_s * self.rps.len() as f64)
    }

    pub fn peak(&self) -> f64 {
        self.rps.iter().copied().fold(0.0, f64::max)
    }

    /// Requests in a 730-hour month at this curve's mean.
    pub fn monthly_requests(&self) -> f64 {
        self.mean() * MONTH_S
    }

    /// How many times the curve's period fits into a month (weights per-step sums).
    pub fn periods_per_month(&self) -> f64 {
        let period = self.step_s * self.rps.len() as f64;
        if period > 0.0 { MONTH_S / period } else { 0.0 }
    }
}

/// Capacity a fleet actually runs when autoscaling follows `required` (units per step) with
/// a scale-out lag and a slower scale-in, never below `min` nor above `max`.
///
/// Scale-out: capacity at step `t` covers what was required `lag` earlier. Scale-in: capacity
/// is only released once it has been unneeded for `scale_in_s` (target tracking scales in
/// about 15 minutes after load drops). The period repeats, so step 0 sees the end of the day.
/// A sliding-window maximum keeps it O(n), which matters inside an `auto` search.
pub fn follow(
    required: &[f64],
    step_s: f64,
    lag_s: f64,
    scale_in_s: f64,
    min: f64,
    max: f64,
) -> Vec<f64> {
    let n = required.len();
    if n == 0 {
        return Vec::new();
    }
    let lag = (lag_s / step_s).round() as usize;
    let window = ((scale_in_s / step_s).round() as usize).max(1);
    let hi = max.max(min);
    if window >= n {
        let need = required.iter().copied().fold(0.0_f64, f64::max);
        return vec![need.clamp(min, hi); n];
    }
    // Step t looks at virtual positions t - lag - window + 1 ..= t - lag (mod n).
    // Positions run from -(lag + window) to n: one wrap-around is an addition (a division
    // per step was a tenth of the walk); a lag longer than the period wraps more.
    let value = |p: isize| {
        let len = n as isize;
        let i = if (0..len).contains(&p) {
            p
        } else if (-len..0).contains(&p) {
            p + len
        } else {
            p.rem_euclid(len)
        };
        required[i as usize]
    };
    let first = -(lag as isize) - window as isize + 1;
    // Position `first + k` is pushed as step `k`: every position once, in order.
    let mut need = WindowMax::new(window, n + window);
    for k in 0..window - 1 {
        need.push(k, value(first + k as isize));
    }
    let mut out = Vec::with_capacity(n);
    for t in 0..n {
        let k = t + window - 1;
        need.push(k, value(first + k as isize));
        out.push(need.max().unwrap_or(0.0).clamp(min, hi));
    }
    out
}

/// The maximum of the values pushed at the last `window` steps (the step just pushed and the
/// `window - 1` before it), kept as a monotonic queue of `(step, value)` whose values fall from
/// front to back: O(1) amortised a push. Steps must be pushed in increasing order. Every push
/// is kept in one `Vec` with a moving front, sized up front, so pushing never allocates.
#[derive(Debug, Clone)]
pub struct WindowMax {
    window: usize,
    queue: Vec<(usize, f64)>,
    front: usize,
}

impl WindowMax {
    /// A window of `window` steps (at least one), for at most `pushes` pushes.
    pub fn new(window: usize, pushes: usize) -> WindowMax {
        WindowMax {
            window: window.max(1),
            queue: Vec::with_capacity(pushes),
            front: 0,
        }
    }

    /// `value` at `step`; steps older than the window drop out.
    #[inline(always)]
    pub fn push(&mut self, step: usize, value: f64) {
        while self.queue.len() > self.front && self.queue.last().is_some_and(|&(_, v)| v <= value) {
            self.queue.pop();
        }
        self.queue.push((step, value));
        while self
            .queue
            .get(self.front)
            .is_some_and(|&(s, _)| s + self.window <= step)
        {
            self.front += 1;
        }
    }

    /// The window's maximum; `None` before the first push.
    #[inline(always)]
    pub fn max(&self) -> Option<f64> {
        self.queue.get(self.front).map(|&(_, v)| v)
    }
}

/// The exponent `k > 0` with `mean(s_i^k) = target`, for `s_i` in `[0, 1]` and `target` in
/// `(0, 1)`. Safeguarded Newton on `f(k) = mean(s^k) - target`, which falls and is convex in k:
/// about ten evaluations instead of the hundred a bisection needs.
fn solve_power(s: &[f64], target: f64) -> f64 {
    // ln s for the points that are not 0 (s^k = 0 there for every k > 0).
    let ln: Vec<f64> = s.iter().filter(|&&v| v > 0.0).map(|v| v.ln()).collect();
    let n = s.len().max(1) as f64;
    // f(k) and f'(k).
    let eval = |k: f64| -> (f64, f64) {
        let (mut sum, mut slope) = (0.0, 0.0);
        for &l in &ln {
            let e = (k * l).exp();
            sum += e;
            slope += e * l;
        }
        (sum / n - target, slope / n)
    };
    let (mut lo, mut hi) = (1e-6_f64, 1.0_f64);
    while eval(hi).0 > 0.0 && hi < 1e6 {
        lo = hi;
        hi *= 2.0;
    }
    let mut k = lo;
    for _ in 0..100 {
        let (f, df) = eval(k);
        if f.abs() <= 1e-15 {
            return k;
        }
        if f > 0.0 {
            lo = k;
        } else {
            hi = k;
        }
        let newton = k - f / df;
        let next = if newton.is_finite() && newton > lo && newton < hi {
            newton
        } else {
            (lo * hi).sqrt()
        };
        if (next - k).abs() <= 1e-14 * k {
            return next;
        }
        k = next;
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
    }

    #[test]
    fn long_traces_are_resampled_keeping_mean_and_peak() {
        // Three weeks at one-minute steps with a single one-minute spike: resampled to the
        // week's 10,080 steps of three minutes each.
        let n = 3 * MAX_CURVE_STEPS;
        let mut rps: Vec<f64> = (0..n).map(|i| 100.0 + (i % 1440) as f64 / 10.0).collect();
        rps[5000] = 5000.0;
        let c = Curve::resampled(&rps, 60.0, MAX_CURVE_STEPS);
        assert_eq!((c.rps.len(), c.step_s), (MAX_CURVE_STEPS, 180.0));
        let mean = rps.iter().sum::<f64>() / n as f64;
        assert!(close(c.mean(), mean), "{} vs {mean}", c.mean());
        assert_eq!(c.peak(), 5000.0);
        assert_eq!(c.rps[5000 / 3], 5000.0);
        // The trace's own volume is what a month of it is billed for.
        assert!(close(c.monthly_requests(), mean * MONTH_S));

        // A length that is no multiple: the last step averages fewer rows; mean within 0.01%.
        let rps: Vec<f64> = (0..MAX_CURVE_STEPS * 2 + 7)
            .map(|i| (i % 97) as f64)
            .collect();
        let c = Curve::resampled(&rps, 1.0, MAX_CURVE_STEPS);
        assert!(c.rps.len() <= MAX_CURVE_STEPS);
        let mean = rps.iter().sum::<f64>() / rps.len() as f64;
        assert!(
            (c.mean() / mean - 1.0).abs() < 1e-3,
            "{} vs {mean}",
            c.mean()
        );
        assert_eq!(c.peak(), 96.0);

        // Short traces are kept as they are.
        let short = vec![1.0, 2.0, 3.0];
        assert_eq!(Curve::resampled(&short, 60.0, MAX_CURVE_STEPS).rps, short);
    }

    #[test]
    fn a_trace_of_two_million_rows_is_modelled_at_a_week_of_steps() {
        let t = Traffic {
            trace_data: Some(crate::profile::TraceData {
                step_s: 1.0,
                rps: vec![3.0; 2_000_000],
            }),
            monthly_requests: None,
            rps: None,
            peak_to_average: 1.0,
            shape: Shape::Trace,
            trace: Some("t.csv".into()),
        };
        let c = Curve::from_traffic(&t);
        assert!(c.rps.len() <= MAX_CURVE_STEPS, "{}", c.rps.len());
        assert!(close(c.mean(), 3.0));
    }

    #[test]
    fn shapes_keep_mean_and_peak() {
        for p in [1.0, 1.5, 2.0, 4.0, 10.0, 50.0] {
            for c in [Curve::diurnal(100.0, p), Curve::bursty(100.0, p)] {
                assert!(close(c.mean(), 100.0), "mean {} for p {p}", c.mean());
                assert!(
                    (c.peak() / 100.0 - p).abs() < 0.02 * p,
                    "peak {} for p {p}",
                    c.peak()
                );
                assert!(c.rps.iter().all(|r| *r >= 0.0));
                assert_eq!(c.rps.len(), 1440);
            }
        }
    }

    #[test]
    fn diurnal_exponent_matches_a_plain_bisection() {
        // The curve's exponent solves mean(s^k) = target; check it against 200 bisection
        // steps over the same equation (the way it was solved before Newton).
        let s: Vec<f64> = (0..DAY_MINUTES)
            .map(|i| (1.0 + (2.0 * std::f64::consts::PI * i as f64 / 1440.0).cos()) / 2.0)
            .collect();
        let mean_pow = |k: f64| s.iter().map(|v| v.powf(k)).sum::<f64>() / s.len() as f64;
        for target in [0.9, 0.5, 0.2, 0.05, 0.01, 0.001] {
            let (mut lo, mut hi) = (1e-6_f64, 1e6_f64);
            for _ in 0..200 {
                let mid = (lo * hi).sqrt();
                if mean_pow(mid) > target {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let k = solve_power(&s, target);
            assert!(close(k, lo), "target {target}: newton {k}, bisection {lo}");
            assert!(close(mean_pow(k), target));
        }
    }

    #[test]
    fn monthly_requests_round_trip() {
        let t = Traffic {
            monthly_requests: Some(130_000_000.0),
            rps: None,
            peak_to_average: 4.0,
            shape: Shape::Diurnal,
            trace: None,
            trace_data: None,
        };
        let c = Curve::from_traffic(&t);
        assert!((c.monthly_requests() - 130_000_000.0).abs() < 1.0);
    }

    #[test]
    fn follow_lags_rises_and_holds_scale_in() {
        let mut req = vec![1.0; 60];
        for r in req.iter_mut().skip(20).take(5) {
            *r = 5.0;
        }
        let cap = follow(&req, 60.0, 180.0, 900.0, 2.0, 100.0);
        assert_eq!(cap[20], 2.0, "not yet scaled out");
        assert_eq!(cap[23], 5.0, "scaled out after 3 minutes");
        assert_eq!(cap[40], 5.0, "held through the scale-in window");
        assert_eq!(cap[45], 2.0, "released to the minimum");
    }

    /// The definition `follow` implements, one window scan per step.
    fn naive_follow(
        required: &[f64],
        step_s: f64,
        lag_s: f64,
        scale_in_s: f64,
        min: f64,
        max: f64,
    ) -> Vec<f64> {
        let n = required.len();
        if n == 0 {
            return Vec::new();
        }
        let lag = (lag_s / step_s).round() as usize;
        let window = ((scale_in_s / step_s).round() as usize).max(1);
        (0..n)
            .map(|t| {
                // Capacity decided at t - lag, looking back over the scale-in window from there.
                let mut need = 0.0_f64;
                for back in lag..lag + window {
                    let i = (t + n * (1 + back / n) - back) % n;
                    need = need.max(required[i]);
                }
                need.clamp(min, max.max(min))
            })
            .collect()
    }

    #[test]
    fn window_max_matches_a_scan() {
        let values = [
            3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0, 5.0, 0.0, 0.0, 0.0,
        ];
        for window in 1..6 {
            let mut w = WindowMax::new(window, values.len());
            assert_eq!(w.max(), None);
            for (step, &v) in values.iter().enumerate() {
                w.push(step, v);
                let from = (step + 1).saturating_sub(window);
                let scan = values[from..=step].iter().copied().fold(f64::MIN, f64::max);
                assert_eq!(w.max(), Some(scan), "window {window} step {step}");
            }
        }
    }

    #[test]
    fn follow_matches_the_naive_window_maximum() {
        let mut seed = 7_u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as f64 / (1u64 << 31) as f64
        };
        for n in [1_usize, 5, 17, 60, 1440] {
            let req: Vec<f64> = (0..n).map(|_| (next() * 20.0).floor()).collect();
            for (lag, scale_in) in [
                (0.0, 60.0),
                (180.0, 900.0),
                (300.0, 900.0),
                (60.0, 3600.0 * 30.0),
                (7200.0, 600.0),
            ] {
                let a = naive_follow(&req, 60.0, lag, scale_in, 2.0, 15.0);
                let b = follow(&req, 60.0, lag, scale_in, 2.0, 15.0);
                assert_eq!(a, b, "n {n} lag {lag} scale_in {scale_in}");
            }
        }
    }
}
