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

/// Lambda's scaling rule, as AWS states it: at most `per_10s` new execution environments in
/// any 10-second window, per function. The window slides: environments created at time `s`
/// stop counting at `s + 10`, when as many may be created again. `grow` adds environments as
/// fast as the rule allows (the greedy schedule: a burst of what the window has room for at
/// once, then one each time an earlier creation leaves the window), so a function short of
/// capacity gets `per_10s` every 10 s: 6,000 a minute at the default 1,000, whatever the
/// length of the curve's steps.
#[derive(Debug, Clone)]
struct ScalingWindow {
    per_10s: f64,
    /// Creations of the last 10 s: (time in s, environments), oldest first.
    recent: std::collections::VecDeque<(f64, f64)>,
}

/// Scaling window length, s.
const SCALING_WINDOW_S: f64 = 10.0;
/// Slack on times that are sums of steps and windows (float noise must not delay a burst).
const TIME_EPS: f64 = 1e-6;

impl ScalingWindow {
    fn new(per_10s: f64) -> ScalingWindow {
        ScalingWindow {
            per_10s,
            recent: std::collections::VecDeque::new(),
        }
    }

    /// Creations still in the window at `now`, after dropping those that left it.
    fn in_window(&mut self, now: f64) -> f64 {
        while self
            .recent
            .front()
            .is_some_and(|&(s, _)| s + SCALING_WINDOW_S <= now + TIME_EPS)
        {
            self.recent.pop_front();
        }
        self.recent.iter().map(|&(_, n)| n).sum()
    }

    /// Create up to `short` environments at `now`, as many as the window has room for.
    fn create(&mut self, now: f64, short: f64) -> f64 {
        let room = (self.per_10s - self.in_window(now)).max(0.0);
        let add = short.min(room);
        if add > 0.0 {
            self.recent.push_back((now, add));
        }
        add
    }

    /// Grow from `have` towards `want` over `[start, start + step_s)`: the environments in use
    /// at the end of the step, with the environment-seconds short meanwhile.
    fn grow(&mut self, start: f64, step_s: f64, have: f64, want: f64) -> (f64, f64) {
        if !self.per_10s.is_finite() {
            return (want.max(have), 0.0);
        }
        let end = start + step_s;
        let (mut now, mut have, mut area) = (start, have, 0.0);
        loop {
            have += self.create(now, want - have);
            if have >= want {
                return (want, area);
            }
            // Room comes back when the oldest creation in the window leaves it.
            let next = self
                .recent
                .front()
                .map_or(f64::INFINITY, |&(s, _)| s + SCALING_WINDOW_S);
            if next >= end - TIME_EPS {
                return (have, area + (want - have) * (end - now));
            }
            area += (want - have) * (next - now);
            now = next;
        }
    }
}

/// One function's execution environments over the repeating period, `wanted[t]` at step `t`.
/// Warm at the start of a step: what ran in the last `WARM_S`, or `provisioned`. New
/// environments come at Lambda's scaling rule ([`ScalingWindow`]: at most `scaling_per_10s`
/// in any 10 s) until the step's want is reached. Two passes: the first warms the pool from the
/// day before; `on_step(t, growth)` sees each step of the second.
pub fn walk_environments(
    wanted: &[f64],
    step_s: f64,
    provisioned: f64,
    scaling_per_10s: f64,
    mut on_step: impl FnMut(usize, Growth),
) {
    let n = wanted.len();
    let warm_steps = ((WARM_S / step_s).round() as usize).max(1);
    let window = warm_steps.min(n);
    // Environments in use over the last WARM_S; every step is pushed once a pass.
    let mut recent = WindowMax::new(window, 2 * n);
    let mut scaling = ScalingWindow::new(scaling_per_10s);
    // When every step's need can be met within the step whatever came before (a function short
    // all step long gets `scaling_per_10s` in each whole 10 s of it), what is in use never
    // depends on what was warm before, so the warming pass only has to replay the window
    // before midnight: the same result at half the work.
    let peak_want = wanted.iter().copied().fold(0.0, f64::max);
    let warm_from = if peak_want <= scaling_per_10s * (step_s / SCALING_WINDOW_S).floor() {
        n - window
    } else {
        0
    };
    for pass in 0..2 {
        let from = if pass == 0 { warm_from } else { 0 };
        for (t, &want) in wanted.iter().enumerate().skip(from) {
            let warm = recent.max().map_or(provisioned, |v| v.max(provisioned));
            let start = (pass * n + t) as f64 * step_s;
            let (in_use, deficit_area) = if want > warm {
                scaling.grow(start, step_s, warm, want)
            } else {
                (want, 0.0)
            };
            recent.push(pass * n + t, in_use);
            if pass == 1 {
                on_step(
                    t,
                    Growth {
                        deficit_area,
                        created: (in_use - warm).max(0.0),
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
    use super::walk_environments;
    use crate::model::billing::FreeTier;
    use crate::model::demand::Demand;
    use crate::model::testkit::{book, flat_service as service};
    use crate::profile::{LambdaConfig, Shape};

    /// The referee for Lambda's scaling rule: time in ticks of 0.1 s, environments added at
    /// each tick as long as the function is short and the last 10 s (100 ticks) created fewer
    /// than `per_10s`. Returns, per step of `wanted` (a ramp from nothing, so what is warm at
    /// a step's start is what ran at the end of the one before), the environments created and
    /// the environment-seconds short.
    fn referee(wanted: &[f64], step_s: f64, per_10s: f64) -> Vec<(f64, f64)> {
        let ticks_per_step = (step_s * 10.0).round() as usize;
        let mut created_at: Vec<f64> = Vec::new();
        let (mut have, mut in_window) = (0.0, 0.0);
        let mut out = Vec::new();
        for &want in wanted {
            let (mut created, mut area) = (0.0, 0.0);
            for _ in 0..ticks_per_step {
                let tick = created_at.len();
                if tick >= 100 {
                    in_window -= created_at[tick - 100];
                }
                let add = (want - have).max(0.0).min((per_10s - in_window).max(0.0));
                created_at.push(add);
                in_window += add;
                have += add;
                created += add;
                area += (want - have).max(0.0) * 0.1;
            }
            out.push((created, area));
        }
        out
    }

    /// A long ramp: 15 minutes of nothing (longer than an environment stays warm), then the
    /// environments wanted rise to 60,000 in 20 minutes and hold for 10.
    fn ramp(step_s: f64) -> Vec<f64> {
        let steps = |minutes: f64| (minutes * 60.0 / step_s).round() as usize;
        let mut w = vec![0.0; steps(15.0)];
        let rise = steps(20.0);
        w.extend((1..=rise).map(|i| 60_000.0 * i as f64 / rise as f64));
        w.extend(vec![60_000.0; steps(10.0)]);
        w
    }

    fn walked(wanted: &[f64], step_s: f64) -> Vec<(f64, f64)> {
        let mut out = vec![(0.0, 0.0); wanted.len()];
        walk_environments(wanted, step_s, 0.0, 1000.0, |t, g| {
            out[t] = (g.created, g.deficit_area)
        });
        out
    }

    #[test]
    fn scaling_matches_the_event_level_referee_at_any_step() {
        for step_s in [60.0, 10.0, 30.0] {
            let wanted = ramp(step_s);
            let (walk, sim) = (walked(&wanted, step_s), referee(&wanted, step_s, 1000.0));
            for (t, (w, s)) in walk.iter().zip(&sim).enumerate() {
                assert!(
                    (w.0 - s.0).abs() < 1e-6 && (w.1 - s.1).abs() <= 1e-9 * s.1.max(1.0),
                    "step {t} of {step_s} s: walk {w:?}, referee {s:?}"
                );
            }
            // AWS's rule itself: never more than 1,000 in 10 s, so a step gets at most
            // 1,000 per whole 10 s it spans; and 60,000 take 10 minutes to add.
            let cap = 1000.0 * (step_s / 10.0_f64).ceil();
            assert!(walk.iter().all(|&(c, _)| c <= cap + 1e-6), "{step_s}");
            let total: f64 = walk.iter().map(|&(c, _)| c).sum();
            assert!((total - 60_000.0).abs() < 1e-6, "{total}");
        }
    }

    #[test]
    fn scaling_adds_a_thousand_per_ten_seconds_not_more() {
        // From nothing to 10,000 wanted in one 60-s step: bursts of 1,000 at 0, 10, ..., 50 s,
        // 6,000 in the step (not 1,000 + 100/s = 7,000), short 9,000, 8,000, ... 4,000 for
        // 10 s each.
        let mut wanted = vec![0.0; 20];
        wanted.push(10_000.0);
        let walk = walked(&wanted, 60.0);
        assert_eq!(walk[20].0, 6000.0);
        assert!((walk[20].1 - 390_000.0).abs() < 1e-6, "{:?}", walk[20]);
        // With 10-s steps, 1,000 a step (not 2,000).
        let mut wanted = vec![0.0; 120];
        wanted.extend([10_000.0; 3]);
        let walk = walked(&wanted, 10.0);
        assert_eq!(
            walk[120..].iter().map(|g| g.0).collect::<Vec<_>>(),
            [1000.0; 3]
        );
    }

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
