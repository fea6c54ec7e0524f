//! A function's execution environments over the traffic curve: how many are wanted, how fast
//! Lambda adds them, the cold starts and throttling that follow. Step Functions' task states
//! walk their environments here too (`walk_environments`, `cold_starts`).

use super::{WARM_S, duration_ms};
use crate::model::demand::Demand;
use crate::model::latency::{self, LatencyMix, erlang_b};
use crate::model::traffic::WindowMax;
use crate::profile::LambdaConfig;

/// What a month of traffic does to one function at a given memory size.
#[derive(Debug, Clone)]
pub(super) struct Simulation {
    pub(super) duration_ms: f64,
    pub(super) requests: f64,
    pub(super) throttled: f64,
    pub(super) cold_starts: f64,
    pub(super) provisioned_served: f64,
    pub(super) peak_concurrency: f64,
    pub(super) latency: LatencyMix,
    pub(super) worst_throttle_step: Option<(usize, f64)>,
    pub(super) scaling_throttled: f64,
}

/// Execution environments wanted for `rate` invocations/s of `duration_ms` each: the mean
/// concurrency (Little's law) plus Poisson headroom, within the concurrency `limit`.
pub fn environments_wanted(rate: f64, duration_ms: f64, limit: f64) -> f64 {
    let a = rate * duration_ms / 1000.0;
    if a > 0.0 {
        (a + 2.0 * a.sqrt()).min(limit)
    } else {
        0.0
    }
}

/// Cold starts among `served` invocations arriving at `rate`/s in a step that added `created`
/// environments: the new environments or, where traffic is too sparse to keep one warm, the
/// invocations that find none (no invocation in the `WARM_S` before them), whichever is more;
/// never more than were served.
pub fn cold_starts(created: f64, served: f64, rate: f64) -> f64 {
    let sparse = if rate * WARM_S < 40.0 {
        served * (-rate * WARM_S).exp()
    } else {
        0.0 // e^-40: an invocation always finds a warm environment
    };
    created.max(sparse).min(served)
}

/// How a function's environments grew in one step of [`walk_environments`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Growth {
    /// Environment-seconds short while the ramp was under way.
    pub deficit_area: f64,
    /// New environments (each a cold start).
    pub created: f64,
}

/// One function's execution environments over the repeating period, `wanted[t]` at step `t`.
/// Warm at the start of a step: what ran in the last `WARM_S`, or `provisioned`. New
/// environments come as a burst of `scaling_per_10s` at once, then a ramp at the scaling rate
/// until the step's want is reached. Two passes: the first warms the pool from the day before;
/// `on_step(t, growth)` sees each step of the second.
pub fn walk_environments(
    wanted: &[f64],
    step_s: f64,
    provisioned: f64,
    scaling_per_10s: f64,
    mut on_step: impl FnMut(usize, Growth),
) {
    let n = wanted.len();
    let scale_rate = scaling_per_10s / 10.0; // environments per second
    let warm_steps = ((WARM_S / step_s).round() as usize).max(1);
    let window = warm_steps.min(n);
    // Environments in use over the last WARM_S; every step is pushed once a pass.
    let mut recent = WindowMax::new(window, 2 * n);
    // When every step's need can be met within the step (the burst plus a step's ramp covers
    // the day's peak), what is in use never depends on what was warm before, so the warming
    // pass only has to replay the window before midnight: the same result at half the work.
    let peak_want = wanted.iter().copied().fold(0.0, f64::max);
    let warm_from = if peak_want <= scaling_per_10s + scale_rate * step_s {
        n - window
    } else {
        0
    };
    for pass in 0..2 {
        let from = if pass == 0 { warm_from } else { 0 };
        for (t, &want) in wanted.iter().enumerate().skip(from) {
            let warm = recent.max().map_or(provisioned, |v| v.max(provisioned));
            let deficit = (want - warm).max(0.0);
            let ramped = (deficit - scaling_per_10s).max(0.0);
            let ramp_s = if scale_rate > 0.0 {
                ramped / scale_rate
            } else {
                f64::INFINITY
            };
            let deficit_area = if ramped <= 0.0 {
                0.0
            } else if ramp_s <= step_s {
                ramped * ramp_s / 2.0
            } else {
                ramped * step_s - scale_rate * step_s * step_s / 2.0
            };
            let reached = if ramp_s <= step_s {
                want
            } else {
                warm + scaling_per_10s + scale_rate * step_s
            };
            let in_use = if deficit > 0.0 { reached } else { want };
            recent.push(pass * n + t, in_use);
            if pass == 1 {
                on_step(
                    t,
                    Growth {
                        deficit_area,
                        created: (reached - warm).max(0.0),
                    },
                );
            }
        }
    }
}

/// Walk the traffic curve: concurrency by Little's law, Erlang B blocking against the
/// concurrency limit, environments added at most at the scaling rate
/// ([`walk_environments`]), cold starts where concurrency rises above what stayed warm or
/// traffic is too sparse to keep an environment ([`cold_starts`]).
pub(super) fn simulate(
    d: &Demand,
    cfg: &LambdaConfig,
    memory_mb: u32,
    scaling_per_10s: f64,
) -> Simulation {
    let dur = duration_ms(&d.request, memory_mb);
    let curve = &d.curve;
    let step = curve.step_s;
    let limit = super::wall(cfg);
    let pc = cfg.provisioned_concurrency.min(limit) as f64;
    let wanted: Vec<f64> = curve
        .rps
        .iter()
        .map(|&r| environments_wanted(r, dur, limit as f64))
        .collect();

    let mut sim = Simulation {
        duration_ms: dur,
        requests: 0.0,
        throttled: 0.0,
        cold_starts: 0.0,
        provisioned_served: 0.0,
        peak_concurrency: 0.0,
        latency: LatencyMix::new(),
        worst_throttle_step: None,
        scaling_throttled: 0.0,
    };
    let no_blocking_below = latency::negligible_load(limit as u64);
    // Warm and cold requests, mixed into the latency once at the end: two populations whose
    // weights add up step by step as the mix would add them.
    let (mut warm_weight, mut cold_weight) = (0.0, 0.0);
    walk_environments(&wanted, step, pc, scaling_per_10s, |t, growth| {
        let (want, rate) = (wanted[t], curve.rps[t]);
        let reqs = rate * step;
        if reqs <= 0.0 {
            return;
        }
        let offered = rate * dur / 1000.0;
        // Blocking at the concurrency limit, and the invocation-rate quota (10 x limit).
        let mut blocked = if offered < no_blocking_below {
            0.0
        } else {
            erlang_b(limit as u64, offered)
        };
        let rate_quota = 10.0 * limit as f64;
        if rate > rate_quota {
            blocked = blocked.max(1.0 - rate_quota / rate);
        }
        // Shortfall while environments are still being added.
        let scaling_share = if want > 0.0 {
            (growth.deficit_area / (want * step)).min(1.0)
        } else {
            0.0
        };
        let throttled_share = 1.0 - (1.0 - blocked) * (1.0 - scaling_share);
        let throttled = reqs * throttled_share;
        let served = reqs - throttled;
        let cold = cold_starts(growth.created, served, rate);
        sim.requests += reqs;
        sim.throttled += throttled;
        sim.scaling_throttled += reqs * scaling_share;
        sim.cold_starts += cold;
        sim.provisioned_served += served * (pc / offered.max(pc).max(1e-12)).min(1.0);
        sim.peak_concurrency = sim.peak_concurrency.max(offered.min(limit as f64));
        if throttled_share > 0.0
            && sim
                .worst_throttle_step
                .is_none_or(|(_, s)| throttled_share > s)
        {
            sim.worst_throttle_step = Some((t, throttled_share));
        }
        let warm_served = served - cold;
        if warm_served > 0.0 && warm_served.is_finite() {
            warm_weight += warm_served;
        }
        if cold > 0.0 && cold.is_finite() {
            cold_weight += cold;
        }
    });
    // With two parts the order they are added in cannot change a sum.
    sim.latency.add_fixed(warm_weight, dur);
    sim.latency.add_fixed(cold_weight, dur + cfg.cold_start_ms);
    sim
}

#[cfg(test)]
mod tests {
    use super::super::evaluate;
    use crate::model::billing::FreeTier;
    use crate::model::demand::Demand;
    use crate::model::testkit::{book, flat_service as service};
    use crate::profile::{LambdaConfig, Shape};

    #[test]
    fn concurrency_is_rate_times_duration() {
        let w = service(200.0, 100.0, 0.0, 128);
        let d = Demand::new(&w, FreeTier::none());
        let o = evaluate(&d, &LambdaConfig::default(), &book());
        assert!(o.feasible, "{:?}", o.risks);
        assert!((o.capacity.peak - 20.0).abs() < 1e-9, "{}", o.capacity.peak);
        assert_eq!(o.throttled_share, 0.0);
        // Flat traffic, no cold starts after warm-up: p99 is the duration.
        assert!(
            (o.latency_ms.p99 - 100.0).abs() < 1e-6,
            "{:?}",
            o.latency_ms
        );
    }

    #[test]
    fn throttles_over_the_concurrency_limit() {
        let w = service(2000.0, 1000.0, 0.0, 128);
        let d = Demand::new(&w, FreeTier::none());
        // A reserved concurrency of 1,000 is a hard limit.
        let reserved = LambdaConfig {
            concurrency_limit: Some(1000),
            ..LambdaConfig::default()
        };
        let o = evaluate(&d, &reserved, &book());
        // 2,000 concurrent wanted against 1,000: about half throttled.
        assert!(
            o.throttled_share > 0.45 && o.throttled_share < 0.55,
            "{}",
            o.throttled_share
        );
        assert!(!o.feasible);
        assert!(
            o.risks.iter().any(|r| r.contains("Throttles")),
            "{:?}",
            o.risks
        );
    }

    #[test]
    fn bursts_cause_cold_starts_and_raise_p99() {
        let mut w = service(2.0, 100.0, 0.0, 128);
        if let Some(t) = w.work.traffic_mut() {
            t.shape = Shape::Bursty;
            t.peak_to_average = 50.0;
        }
        let d = Demand::new(&w, FreeTier::none());
        let o = evaluate(&d, &LambdaConfig::default(), &book());
        assert!(o.cost_breakdown.iter().any(|l| l.item == "init_duration"));
        assert!(o.latency_ms.p50 < 101.0);
    }

    #[test]
    fn sparse_traffic_is_mostly_cold() {
        // One request every 30 minutes: no environment survives the gap.
        let w = service(1.0 / 1800.0, 100.0, 0.0, 128);
        let d = Demand::new(&w, FreeTier::none());
        let o = evaluate(&d, &LambdaConfig::default(), &book());
        assert!((o.latency_ms.p50 - 400.0).abs() < 1.0, "{:?}", o.latency_ms);
    }
}
