//! Latency: queueing delay from the Erlang C (M/M/c) model over concurrency slots, mixed over
//! the day's steps (and, for Lambda, over warm and cold starts) into p50 and p99.

/// The load below which blocking ([`erlang_b`]) and waiting ([`erlang_c`]) with `c` servers
/// count as 0: `c - a > 10 sqrt(a) + 10`, more than ten standard deviations of headroom (both
/// are then below e^-50). A caller with the same `c` at every step computes it once.
pub fn negligible_load(c: u64) -> f64 {
    // c - a = 10 s + 10 with s = sqrt(a): s = -5 + sqrt(25 - 10 + c).
    let s = -5.0 + (15.0 + c as f64).sqrt();
    if s > 0.0 { s * s } else { 0.0 }
}

/// Probability that an arrival is blocked in an M/M/c/c loss system (Erlang B), `c` servers
/// and `a` erlangs of offered load. Lambda's concurrency limit behaves like this: a request
/// over the limit is throttled, not queued.
pub fn erlang_b(c: u64, a: f64) -> f64 {
    if a <= 0.0 {
        return 0.0;
    }
    if c == 0 {
        return 1.0;
    }
    let cf = c as f64;
    // Far below the limit the blocking probability is negligible; skip the O(c) recurrence.
    if a < negligible_load(c) {
        return 0.0;
    }
    // Far above the limit, blocking tends to 1 - c/a.
    if cf > 5_000.0 && a > cf {
        return 1.0 - cf / a;
    }
    1.0 / inv_erlang_b(c, a)
}

/// How far below `min(a, c)` [`inv_erlang_b`] starts its recurrence: the fewest steps `m`
/// whose factors `k / a` multiply to at most e^-42 (2^-60), from
/// `sum (a - k) / a >= m (a - top) / a + m (m - 1) / (2a)` over the `m` steps up to `top`.
fn erlang_b_steps(a: f64, top: u64) -> u64 {
    let gap = 2.0 * (a - top as f64) - 1.0;
    ((-gap + (gap * gap + 336.0 * a).sqrt()) / 2.0)
        .ceil()
        .max(0.0) as u64
}

/// `1 / B(c, a)` by the reciprocal recurrence `1/B(k) = 1 + (k/a) / B(k-1)`: multiplies and
/// adds with every term positive (no division in the chain, no cancellation). A perturbation
/// of `1/B(k-1)` by a share `d` leaves one of `d (1 - B(k)) <= d k / a` in `1/B(k)`, so the
/// recurrence forgets where it started while `k < a`: it starts at `1/B = 1` (off by a share
/// under 1) far enough below `min(a, c)` that the steps up to it shrink that to 2^-60, under
/// a rounding error, rather than at `B(0) = 1` (`c` steps: a thousand for Lambda's default
/// limit, at each step of the day, each time an overloaded function is planned).
fn inv_erlang_b(c: u64, a: f64) -> f64 {
    let top = c.min(a.max(0.0).floor() as u64);
    let from = top.saturating_sub(erlang_b_steps(a, top));
    inv_erlang_b_up(from, 1.0, c, a)
}

/// `1/B(c, a)` from `1/B(k0, a) = inv_b` by the reciprocal recurrence
/// `1/B(k) = 1 + (k/a) / B(k-1)`, four steps at a time: `1/B(k+3) = 1 + x3 + x3 x2 +
/// x3 x2 x1 + x3 x2 x1 x0 / B(k-1)` with `x_i = (k+i)/a`. Every term is positive, so
/// regrouping costs no accuracy, and the chain that carries 1/B from one group to the next is
/// one multiply-add instead of four: the loop runs at the speed of the multiplier rather than
/// of its latency.
fn inv_erlang_b_up(k0: u64, mut inv_b: f64, c: u64, a: f64) -> f64 {
    let inv_a = 1.0 / a;
    let mut k = k0 + 1;
    let mut kf = k as f64;
    while k + 3 <= c {
        let x0 = kf * inv_a;
        let x1 = (kf + 1.0) * inv_a;
        let x2 = (kf + 2.0) * inv_a;
        let x3 = (kf + 3.0) * inv_a;
        let p32 = x3 * x2;
        let p321 = p32 * x1;
        inv_b = (1.0 + x3 + p32 + p321) + p321 * x0 * inv_b;
        k += 4;
        kf += 4.0;
    }
    while k <= c {
        inv_b = 1.0 + kf * inv_a * inv_b;
        k += 1;
        kf += 1.0;
    }
    inv_b
}

/// Above this many servers Erlang C is the Halfin–Whitt approximation, not the recurrence.
pub const HALFIN_WHITT_SERVERS: f64 = 5_000.0;

/// Probability that an arrival has to wait in an M/M/c queue (Erlang C). 1 when the system
/// is at or over capacity.
pub fn erlang_c(c: u64, a: f64) -> f64 {
    if a <= 0.0 {
        return 0.0;
    }
    let cf = c as f64;
    if c == 0 || a >= cf {
        return 1.0;
    }
    if a < negligible_load(c) {
        return 0.0;
    }
    if cf > HALFIN_WHITT_SERVERS {
        return halfin_whitt(cf, a);
    }
    let b = erlang_b_below(c, a);
    let rho = a / cf;
    b / (1.0 - rho * (1.0 - b))
}

/// Erlang B for `a < c` by the reciprocal recurrence `1/B(k) = 1 + (k/a)/B(k-1)`, started a
/// few standard deviations below `a`: the recurrence forgets its start there (relative errors
/// shrink by `k/a` a step), so the steps from 0 are skipped. Called per step of the day.
fn erlang_b_below(c: u64, a: f64) -> f64 {
    let start = (a - 6.0 * a.sqrt() - 5.0).floor();
    let (k0, inv_b) = if start >= 1.0 {
        // Below the mean the Poisson terms grow roughly geometrically by a/k.
        (start as u64, a / (a - start))
    } else {
        (0, 1.0)
    };
    1.0 / inv_erlang_b_up(k0, inv_b, c, a)
}

/// The Halfin–Whitt approximation of Erlang C for many servers.
fn halfin_whitt(c: f64, a: f64) -> f64 {
    let beta = (c - a) / a.sqrt();
    let phi = (-beta * beta / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let big_phi = normal_cdf(beta);
    1.0 / (1.0 + beta * big_phi / phi)
}

fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// Complementary error function (Numerical Recipes' erfcc, relative error < 1.2e-7).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// One population of requests: they take `base_ms`, and a share `p_wait` of them also waits
/// an exponential time with rate `decay_per_ms` (the M/M/c waiting time).
#[derive(Debug, Clone, Copy)]
struct Component {
    weight: f64,
    base_ms: f64,
    p_wait: f64,
    decay_per_ms: f64,
}

/// A mixture of request populations (steps of the day, warm and cold starts) whose
/// latency quantiles are wanted.
#[derive(Debug, Clone, Default)]
pub struct LatencyMix {
    parts: Vec<Component>,
}

impl LatencyMix {
    pub fn new() -> Self {
        Self::default()
    }

    /// Requests (weight) that take exactly `base_ms`.
    pub fn add_fixed(&mut self, weight: f64, base_ms: f64) {
        self.add_queued(weight, base_ms, 0.0, 0.0);
    }

    /// Requests served by `servers` slots each taking `service_ms`, at `offered` erlangs:
    /// base time plus the Erlang C wait. Offered load at or above the servers is capped just
    /// below it (the overflow is counted as shed by the caller).
    pub fn add_mmc(&mut self, weight: f64, service_ms: f64, servers: u64, offered: f64) {
        let c = servers as f64;
        let a = offered.min(c * 0.99);
        let p_wait = erlang_c(servers, a);
        // P(W > t) = C * exp(-(c*mu - lambda) t), mu = 1/service.
        let decay = (c - a) / service_ms.max(1e-9);
        self.add_queued(weight, service_ms, p_wait, decay);
    }

    fn add_queued(&mut self, weight: f64, base_ms: f64, p_wait: f64, decay_per_ms: f64) {
        if !(weight > 0.0 && weight.is_finite()) {
            return;
        }
        let p_wait = p_wait.clamp(0.0, 1.0);
        // Populations with the same latency distribution merge: most steps of a day share a
        // handful of distinct ones, and the quantile search walks every part.
        let (p_wait, decay_per_ms) = if p_wait == 0.0 {
            (0.0, 0.0)
        } else {
            (p_wait, decay_per_ms)
        };
        if let Some(part) =
            self.parts.iter_mut().rev().take(8).find(|p| {
                p.base_ms == base_ms && p.p_wait == p_wait && p.decay_per_ms == decay_per_ms
            })
        {
            part.weight += weight;
            return;
        }
        self.parts.push(Component {
            weight,
            base_ms,
            p_wait,
            decay_per_ms,
        });
    }

    fn tail(&self, x: f64) -> f64 {
        let total: f64 = self.parts.iter().map(|p| p.weight).sum();
        if total <= 0.0 {
            return 0.0;
        }
        let over: f64 = self
            .parts
            .iter()
            .map(|p| {
                let share = if x < p.base_ms {
                    1.0
                } else if p.p_wait > 0.0 && p.decay_per_ms > 0.0 {
                    p.p_wait * (-(x - p.base_ms) * p.decay_per_ms).exp()
                } else {
                    0.0
                };
                p.weight * share
            })
            .sum();
        over / total
    }

    /// The latency `q` (e.g. 0.99) of requests fall under, in ms.
    pub fn quantile(&self, q: f64) -> f64 {
        if self.parts.is_empty() {
            return 0.0;
        }
        let target = 1.0 - q;
        let mut lo = 0.0_f64;
        let mut hi = self
            .parts
            .iter()
            .map(|p| p.base_ms)
            .fold(0.0, f64::max)
            .max(1.0);
        while self.tail(hi) > target && hi < 1e9 {
            hi *= 2.0;
        }
        // To 0.01 ms (or 1e-6 relative): plenty for a report in whole milliseconds.
        while hi - lo > 0.01_f64.max(hi * 1e-6) {
            let mid = (lo + hi) / 2.0;
            if self.tail(mid) > target {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        // Where the tail steps down at a population's base time inside the bracket, that base
        // is the quantile exactly (a mixture of warm and rare cold starts has its p50 at the
        // warm duration, not 0.01 ms past it).
        self.parts
            .iter()
            .map(|p| p.base_ms)
            .filter(|&b| b > lo && b <= hi && self.tail(b) <= target)
            .fold(hi, f64::min)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erlang_c_textbook_value() {
        // 10 agents, 8 erlangs: P(wait) ≈ 0.4092 (standard call-centre table value).
        let c = erlang_c(10, 8.0);
        assert!((c - 0.4092).abs() < 1e-3, "{c}");
        // One server: P(wait) = rho.
        assert!((erlang_c(1, 0.5) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn waiting_is_never_likelier_than_the_utilisation() {
        // The fleets' latency bound rests on Erlang C <= a / c.
        for c in [1_u64, 2, 3, 7, 20, 64, 300, 1000, 4999] {
            for rho in [0.01, 0.2, 0.5, 0.8, 0.9, 0.97, 0.99] {
                let a = c as f64 * rho;
                assert!(erlang_c(c, a) <= rho * (1.0 + 1e-12), "c {c} a {a}");
            }
        }
    }

    #[test]
    fn erlang_b_textbook_value() {
        // 10 servers, 5 erlangs: blocking ≈ 0.01838.
        let b = erlang_b(10, 5.0);
        assert!((b - 0.01838).abs() < 1e-4, "{b}");
    }

    /// Erlang B as it was computed: the textbook recurrence from `B(0) = 1`, one division a
    /// step.
    fn erlang_b_from_zero(c: u64, a: f64) -> f64 {
        let mut b = 1.0;
        for k in 1..=c {
            b = a * b / (k as f64 + a * b);
        }
        b
    }

    #[test]
    fn erlang_b_started_near_the_limit_matches_the_full_recurrence() {
        for c in [
            1_u64, 2, 3, 5, 10, 40, 100, 300, 721, 1000, 2500, 4999, 5000,
        ] {
            let near = negligible_load(c);
            let loads = [0.3, 0.6, 0.9, 0.99, 1.0, 1.01, 1.1, 1.5, 3.6, 10.0, 100.0]
                .map(|x| x * c as f64)
                .into_iter()
                .chain([near, near * 1.0001, c as f64 + 0.5, c as f64 - 0.5]);
            for a in loads {
                let (fast, exact) = (erlang_b(c, a), erlang_b_from_zero(c, a));
                if a < near {
                    assert_eq!(fast, 0.0, "c {c} a {a}");
                    continue;
                }
                assert!(
                    (fast - exact).abs() <= 1e-12 * exact,
                    "c {c} a {a}: {fast} vs {exact}"
                );
            }
        }
        // Overloaded, Lambda's default limit: about a hundred steps, not a thousand.
        assert!(
            erlang_b_steps(3600.0, 1000) < 120,
            "{}",
            erlang_b_steps(3600.0, 1000)
        );
    }

    #[test]
    fn halfin_whitt_close_to_exact_at_scale() {
        let exact = {
            let b = erlang_b(4000, 3900.0);
            b / (1.0 - (3900.0 / 4000.0) * (1.0 - b))
        };
        let approx = halfin_whitt(4000.0, 3900.0);
        assert!((exact - approx).abs() < 0.02, "{exact} vs {approx}");
    }

    #[test]
    fn mixture_quantiles() {
        let mut mix = LatencyMix::new();
        mix.add_fixed(98.0, 100.0);
        mix.add_fixed(2.0, 400.0);
        // Fixed populations are steps of the tail: their quantiles are exact.
        assert_eq!(mix.quantile(0.5), 100.0);
        assert_eq!(mix.quantile(0.99), 400.0);
        let mut rare = LatencyMix::new();
        rare.add_fixed(1e6, 1268.2);
        rare.add_fixed(33.0, 1568.2);
        assert_eq!(rare.quantile(0.5), 1268.2);
        assert_eq!(rare.quantile(0.99), 1268.2);

        // M/M/1 at rho 0.5, service 10 ms: P(W > t) = 0.5 exp(-t/20); p99 wait = 20 ln 50.
        let mut q = LatencyMix::new();
        q.add_mmc(1.0, 10.0, 1, 0.5);
        let expected = 10.0 + 20.0 * 50.0_f64.ln();
        assert!(
            (q.quantile(0.99) - expected).abs() < 0.02,
            "{}",
            q.quantile(0.99)
        );
    }

    #[test]
    fn fast_erlang_c_matches_the_full_recurrence() {
        for c in [
            1_u64, 2, 3, 5, 10, 17, 40, 100, 250, 400, 1000, 2500, 3000, 4999, 6000,
        ] {
            for rho in [0.05, 0.3, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.97, 0.99] {
                let a = c as f64 * rho;
                let fast = erlang_c(c, a);
                let exact = if c > 5_000 || (c as f64 - a) > 10.0 * a.sqrt() + 10.0 {
                    fast
                } else {
                    let b = erlang_b(c, a);
                    b / (1.0 - rho * (1.0 - b))
                };
                assert!(
                    (fast - exact).abs() <= 1e-9 * exact.max(1e-300) + 1e-15,
                    "c {c} a {a}: {fast} vs {exact}"
                );
            }
        }
    }
}
