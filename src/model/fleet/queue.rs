//! A fleet's queueing: per-step M/M/c latency over the running units' slots, the cheap bound
//! that settles most SLO checks without it, and the cache of runs an `auto` search shares.

use super::{FleetRun, Scaling, Unit, ceil_count, meets, simulate};
use crate::model::demand::Demand;
use crate::model::plan::Latency;
use crate::model::traffic::Curve;
use crate::profile::Request;

/// One step's queue: the served rate, and the servers (the running units' effective slots)
/// with their offered load in erlangs, capped at 99% of them (the overflow is shed). `None`
/// when the step serves nothing.
fn step_queue(rate: f64, units: f64, unit: &Unit) -> Option<(f64, u64, f64)> {
    let served = rate.max(0.0).min(units * unit.throughput_rps());
    if served <= 0.0 {
        return None;
    }
    let servers = (ceil_count(units * unit.slots() - 1e-9) as u64).max(1);
    let offered = (served * unit.wall_ms() / 1000.0).min(servers as f64 * 0.99);
    Some((served, servers, offered))
}

/// p50 and p99 over the day: per step, an M/M/c queue ([`step_queue`]), mixed by requests
/// served. Consecutive steps with the same servers and rate are merged.
pub fn latency(curve: &Curve, unit: &Unit, run: &FleetRun) -> Latency {
    let wall = unit.wall_ms();
    let mut mix = QueueMix::new(wall);
    let mut last: Option<(u64, f64, f64, f64)> = None; // servers, offered, p_wait, decay
    for (&rate, &units) in curve.rps.iter().zip(&run.running) {
        let Some((served, servers, offered)) = step_queue(rate, units, unit) else {
            continue;
        };
        let (p_wait, decay) = match last {
            Some((s, a, p, dcy)) if s == servers && a == offered => (p, dcy),
            _ => {
                let p = crate::model::latency::erlang_c(servers, offered);
                let dcy = (servers as f64 - offered) / wall;
                last = Some((servers, offered, p, dcy));
                (p, dcy)
            }
        };
        mix.add(served * curve.step_s, p_wait, decay);
    }
    if mix.total <= 0.0 {
        return Latency {
            p50: wall,
            p99: wall,
        };
    }
    Latency {
        p50: mix.quantile(0.5),
        p99: mix.quantile(0.99),
    }
}

/// Whether [`latency`]'s p99 is surely within `target_ms`, decided without Erlang C (most of
/// a fleet's cost); `false` means "cannot tell". At a step with `c` servers at `a` erlangs a
/// request waits with probability at most `ρ = a / c` (Erlang B's recurrence
/// `B(k) = a B(k-1) / (k + a B(k-1))` keeps `B(c) <= a / (c + a)`, which is `C <= ρ`; past
/// the Halfin–Whitt threshold, at most 1), so the requests still waiting `t` ms after their
/// service time are at most the requests-weighted sum of `ρ e^(-t (c - a) / wall)`. When
/// that is under 1% at `t = target - wall`, so is the exact share: the p99 is within target.
/// First, without a single `exp`: if even the step with the least room drains fast enough
/// that `e^(-t (c - a) / wall) <= 1%`, every step's share is.
pub fn p99_surely_within(curve: &Curve, unit: &Unit, run: &FleetRun, target_ms: f64) -> bool {
    let wall = unit.wall_ms();
    let t = target_ms - wall;
    if t.is_nan() || t <= 0.0 {
        return false;
    }
    let steps = || {
        curve
            .rps
            .iter()
            .zip(&run.running)
            .filter_map(|(&rate, &units)| step_queue(rate, units, unit))
    };
    let least_room = steps()
        .map(|(_, servers, offered)| servers as f64 - offered)
        .fold(f64::INFINITY, f64::min);
    // Margins here and below for the rounding in the exact solve.
    if t * least_room / wall >= 100.0_f64.ln() * (1.0 + 1e-9) {
        return true;
    }
    let (mut total, mut waiting) = (0.0, 0.0);
    for (served, servers, offered) in steps() {
        let weight = served * curve.step_s;
        let c = servers as f64;
        let p_wait = if c > crate::model::latency::HALFIN_WHITT_SERVERS {
            1.0
        } else {
            offered / c
        };
        total += weight;
        waiting += weight * p_wait * (-t * (c - offered) / wall).exp();
    }
    waiting <= 0.01 * total * (1.0 - 1e-9)
}

/// A mixture of M/M/c populations sharing one service time: the same model as
/// `latency::LatencyMix::add_mmc` + `quantile` (base time plus, with probability `p_wait`, an
/// exponential wait of rate `decay`), specialised so that a day of steps stays fast: only the
/// waiting parts are kept, and the quantile is solved by safeguarded Newton steps.
#[derive(Debug, Clone)]
struct QueueMix {
    base_ms: f64,
    total: f64,
    /// (weight × p_wait, decay per ms) of the populations that may wait.
    waiting: Vec<(f64, f64)>,
}

impl QueueMix {
    fn new(base_ms: f64) -> QueueMix {
        QueueMix {
            base_ms,
            total: 0.0,
            waiting: Vec::new(),
        }
    }

    fn add(&mut self, weight: f64, p_wait: f64, decay_per_ms: f64) {
        if !(weight > 0.0 && weight.is_finite()) {
            return;
        }
        self.total += weight;
        let p = p_wait.clamp(0.0, 1.0);
        if p > 0.0 && decay_per_ms > 0.0 {
            match self.waiting.last_mut() {
                Some((wp, d)) if *d == decay_per_ms => *wp += weight * p,
                _ => self.waiting.push((weight * p, decay_per_ms)),
            }
        }
    }

    /// Weight of requests still waiting `t` ms after their base time, and its derivative.
    fn tail(&self, t: f64) -> (f64, f64) {
        self.waiting.iter().fold((0.0, 0.0), |(g, dg), &(wp, d)| {
            let e = wp * (-t * d).exp();
            (g + e, dg - d * e)
        })
    }

    fn quantile(&self, q: f64) -> f64 {
        let target = (1.0 - q) * self.total;
        let (g0, _) = self.tail(0.0);
        if g0 <= target {
            return self.base_ms;
        }
        // ln g(t) is convex and decreasing (log-sum-exp of linear terms): Newton from the left
        // never overshoots, and is exact in one step for a single population.
        let ln_target = target.ln();
        let mut t = 0.0_f64;
        for _ in 0..200 {
            let (g, dg) = self.tail(t);
            if g <= 0.0 || dg >= 0.0 {
                break;
            }
            let h = g.ln() - ln_target;
            if h <= 1e-12 {
                break;
            }
            let step = h / (-dg / g);
            t += step;
            if step <= 1e-9 * t.max(1e-6) {
                break;
            }
        }
        self.base_ms + t
    }
}

/// Fleet runs for several unit shapes over the same curve, computed once per distinct shape
/// (an `auto` search meets the same shape many times: task sizes differing only in memory,
/// instance types with the same vCPUs).
#[derive(Debug)]
pub struct FleetCache<'a> {
    curve: &'a Curve,
    request: &'a Request,
    scaling: Scaling,
    entries: Vec<Outcome>,
}

/// A unit shape's run, and its latency once asked for.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub unit: Unit,
    pub run: FleetRun,
    pub latency: Option<Latency>,
    /// [`p99_surely_within`] a target, once asked for: (the target, the answer).
    p99_surely_within: Option<(f64, bool)>,
}

impl<'a> FleetCache<'a> {
    pub fn new(curve: &'a Curve, request: &'a Request, scaling: Scaling) -> FleetCache<'a> {
        FleetCache {
            curve,
            request,
            scaling,
            entries: Vec::new(),
        }
    }

    /// The run for `unit`, with its latency when `with_latency`.
    pub fn get(&mut self, unit: &Unit, with_latency: bool) -> &Outcome {
        let idx = self.index(unit);
        let curve = self.curve;
        let entry = &mut self.entries[idx];
        if with_latency && entry.latency.is_none() {
            entry.latency = Some(latency(curve, &entry.unit, &entry.run));
        }
        &self.entries[idx]
    }

    /// Where `unit`'s shape is in the cache, simulating it first if it is new.
    fn index(&mut self, unit: &Unit) -> usize {
        let key = unit.key();
        match self.entries.iter().position(|e| e.unit.key() == key) {
            Some(i) => i,
            None => {
                let run = simulate(self.curve, self.request, unit, &self.scaling);
                self.entries.push(Outcome {
                    unit: *unit,
                    run,
                    latency: None,
                    p99_surely_within: None,
                });
                self.entries.len() - 1
            }
        }
    }

    /// Whether `unit`'s fleet meets `d`'s limits and SLO, as [`meets`] with the exact
    /// latency would say. The latency mix (most of a fleet's cost) is computed only when
    /// [`p99_surely_within`] cannot decide.
    pub fn meets(&mut self, d: &Demand, unit: &Unit) -> bool {
        let scaling = self.scaling;
        let curve = self.curve;
        let idx = self.index(unit);
        let o = &mut self.entries[idx];
        if !meets(d, &scaling, &o.run, None) {
            return false;
        }
        let Some(target) = d.p99_target_ms() else {
            return true;
        };
        if let Some(lat) = o.latency {
            return lat.p99 <= target;
        }
        let surely = match o.p99_surely_within {
            Some((t, answer)) if t == target => answer,
            _ => {
                let answer = p99_surely_within(curve, &o.unit, &o.run, target);
                o.p99_surely_within = Some((target, answer));
                answer
            }
        };
        if surely {
            return true;
        }
        let o = self.get(unit, true);
        meets(d, &scaling, &o.run, o.latency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_mix_matches_latency_mix() {
        use crate::model::latency::LatencyMix;
        let steps = [
            (4_u64, 2.4, 3.0),
            (10, 8.0, 1.0),
            (40, 30.0, 2.0),
            (40, 39.5, 0.2),
            (200, 90.0, 5.0),
        ];
        let mut reference = LatencyMix::new();
        let mut mix = QueueMix::new(120.0);
        for (c, a, w) in steps {
            reference.add_mmc(w, 120.0, c, a);
            let a = a.min(c as f64 * 0.99);
            mix.add(
                w,
                crate::model::latency::erlang_c(c, a),
                (c as f64 - a) / 120.0,
            );
        }
        for q in [0.5, 0.9, 0.99, 0.999] {
            let (r, m) = (reference.quantile(q), mix.quantile(q));
            assert!((r - m).abs() < 1e-3 * r, "q {q}: {r} vs {m}");
        }
    }
}
