//! A fleet's queueing. Each process (requests routed to the running units' processes at
//! random, so each sees a Poisson share of the step's rate) is two queues in one:
//!
//! - **the CPU**: the requests it holds share its usable vCPUs (processor sharing, one
//!   request's CPU part on at most `request_vcpus` of them): `m = vcpus / request_vcpus`
//!   servers of `s = cpu_ms / request_vcpus` ms each. The number of requests on the CPU is the
//!   M/M/m birth–death chain whatever the work's distribution (a symmetric queue is
//!   insensitive), so the chance that a request shares the CPU, `P_w`, is Erlang C (its
//!   generalisation for fractional `m`) and the mean extra time is `P_w s / (m - a)`, exactly.
//!   The shape of the extra time is taken as exponential with that mean and a variance `κ`
//!   times the M/M/m wait's: `P(extra > t) = (P_w / κ) e^(-t (m - a) / (κ s))`, with
//!   `κ = 0.275 + 0.75 ρ` (within `[0.5, 1]`) fitted to processor sharing of equal CPU parts
//!   and checked against the discrete-event simulation in `sim.rs`.
//! - **the slots**: a request waits for one of `concurrency` slots, holding it for its I/O and
//!   its CPU work: an M/D/c queue (Erlang C's chance of waiting, half M/M/c's mean wait, as
//!   Kingman's formula gives for a constant hold).
//!
//! The two waits are combined into one exponential with the chance of either and the sum of
//! their means; p50 and p99 mix the steps of the day by requests served.

use super::{FleetRun, Process, Scaling, Unit, keeps_up, meets_given, simulate};
use crate::model::demand::Demand;
use crate::model::latency::erlang_c;
use crate::model::plan::Latency;
use crate::model::traffic::Curve;
use crate::profile::Request;

/// Most of its capacity a queue is taken to run at; the overflow is shed by the fleet walk.
const MAX_LOAD: f64 = 0.99;

/// The variance factor of the CPU's extra time at CPU utilisation `rho` (see the module doc).
fn kappa(rho: f64) -> f64 {
    (0.275 + 0.75 * rho).clamp(0.5, 1.0)
}

/// Chance that a request finds all `m` CPU servers busy, at `a` erlangs: Erlang C, with the
/// birth–death chain's last rate `m` when `m` is fractional (a request using 2 of 3 vCPUs).
pub fn cpu_wait_probability(m: f64, a: f64) -> f64 {
    if a <= 0.0 {
        return 0.0;
    }
    if a >= m {
        return 1.0;
    }
    let whole = m.round();
    if (m - whole).abs() < 1e-9 {
        return erlang_c(whole as u64, a);
    }
    // P(n) ∝ a^n / n! up to floor(m), then a geometric tail of ratio a / m.
    let floor = m.floor() as u64;
    let (mut term, mut below) = (1.0_f64, 1.0_f64);
    for i in 1..=floor {
        term *= a / i as f64;
        below += term;
    }
    let rho = a / m;
    let tail = term * rho / (1.0 - rho);
    tail / (below + tail)
}

/// One process's queueing at one step: the extra time over its wall time alone is, with
/// probability `p`, exponential of rate `decay` per ms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wait {
    pub p: f64,
    pub decay: f64,
    /// The CPU's busy share.
    pub cpu_utilization: f64,
}

impl Wait {
    /// A process of `p` receiving `lambda` requests per second.
    pub fn at(p: &Process, lambda: f64) -> Wait {
        let per_ms = lambda.max(0.0) / 1000.0;
        // The CPU: m servers of s ms.
        let (p_cpu, decay_cpu, rho) = if p.cpu_ms > 0.0 && per_ms > 0.0 {
            let m = p.vcpus / p.request_vcpus;
            let s = p.cpu_ms / p.request_vcpus;
            let a = (per_ms * s).min(MAX_LOAD * m);
            let rho = a / m;
            let pw = cpu_wait_probability(m, a);
            let k = kappa(rho);
            let room = (m - a) / s;
            ((pw / k).min(1.0), room / k, rho)
        } else {
            (0.0, 0.0, 0.0)
        };
        // The slots: held for the I/O and the CPU work (the wait for the CPU is counted
        // above, whether it is spent holding a slot or waiting for one). The hold is about
        // constant, so the wait is M/D/c's: Erlang C's chance and, as Kingman's formula has
        // it for constant service, half M/M/c's mean.
        let c = p.concurrency.max(1);
        let hold = p.wall_ms;
        let a = (per_ms * hold).min(MAX_LOAD * c as f64);
        let p_slot = erlang_c(u64::from(c), a);
        let mean_slot = if p_slot > 0.0 {
            0.5 * p_slot * hold / (c as f64 - a)
        } else {
            0.0
        };
        let chance = 1.0 - (1.0 - p_cpu) * (1.0 - p_slot);
        let mean = if p_cpu > 0.0 { p_cpu / decay_cpu } else { 0.0 } + mean_slot;
        let (p, decay) = if chance > 0.0 && mean > 0.0 {
            (chance, chance / mean)
        } else {
            (0.0, 0.0)
        };
        Wait {
            p,
            decay,
            cpu_utilization: rho,
        }
    }
}

/// Requests per second one process receives at a step: the served rate over the running
/// units' processes. `None` when the step serves nothing.
fn per_process(rate: f64, units: f64, unit: &Unit) -> Option<(f64, f64)> {
    let served = rate.max(0.0).min(units * unit.throughput_rps());
    if served <= 0.0 || units <= 0.0 {
        return None;
    }
    Some((served, served / (units * unit.processes as f64)))
}

/// The day's requests as a mixture of the steps' waits, weighted by requests served.
/// Consecutive steps with the same per-process rate share one solve.
fn mix(curve: &Curve, unit: &Unit, run: &FleetRun) -> QueueMix {
    let mut mix = QueueMix::new(unit.wall_ms());
    mix_until(curve, unit, run, &mut mix, |_| true);
    mix
}

/// [`mix`] into `mix`, handing `go_on` each waiting population as it is sealed (no later
/// step can add to it: populations are sealed in the order [`QueueMix::tail`] sums them);
/// stops, returning `false`, as soon as `go_on` does.
fn mix_until(
    curve: &Curve,
    unit: &Unit,
    run: &FleetRun,
    mix: &mut QueueMix,
    mut go_on: impl FnMut((f64, f64)) -> bool,
) -> bool {
    let mut last: Option<(f64, Wait)> = None;
    for (&rate, &units) in curve.rps.iter().zip(&run.running) {
        let Some((served, lambda)) = per_process(rate, units, unit) else {
            continue;
        };
        let wait = match last {
            Some((l, w)) if l == lambda => w,
            _ => {
                let w = Wait::at(&unit.process, lambda);
                last = Some((lambda, w));
                w
            }
        };
        if let Some(sealed) = mix.add(served * curve.step_s, wait.p, wait.decay)
            && !go_on(sealed)
        {
            return false;
        }
    }
    true
}

/// At least the total weight [`mix`] gives the day (its requests served, each step's at most
/// those offered): the run's requests offered over one period of the curve.
fn offered_weight(curve: &Curve, run: &FleetRun) -> f64 {
    run.requests / curve.periods_per_month()
}

/// p50 and p99 over the day: per step, the processes' CPU and slot queues ([`Wait`]), mixed
/// by requests served.
pub fn latency(curve: &Curve, unit: &Unit, run: &FleetRun) -> Latency {
    let wall = unit.wall_ms();
    let mix = mix(curve, unit, run);
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

/// The busiest a process's CPU gets over the day (its share of the step's requests' CPU work
/// over its usable vCPUs), and the step.
pub fn peak_cpu_utilization(curve: &Curve, unit: &Unit, run: &FleetRun) -> Option<(usize, f64)> {
    curve
        .rps
        .iter()
        .zip(&run.running)
        .enumerate()
        .filter_map(|(i, (&rate, &units))| {
            per_process(rate, units, unit).map(|(_, l)| (i, unit.process.cpu_utilization(l)))
        })
        .fold(None, |best: Option<(usize, f64)>, (i, u)| match best {
            Some((_, b)) if b >= u => best,
            _ => Some((i, u)),
        })
}

/// Whether [`latency`]'s p99 is within `target_ms`, without solving for the quantile: the
/// share of the day's requests still waiting `target - wall` ms after their wall time is
/// evaluated once (the quantile needs a search). Under 1% the p99 is within target, over it
/// the p99 is not (the tail falls with `t`); `None` when the share is within the solve's
/// rounding of 1%, or the target is the wall time itself: then solve the quantile.
pub fn p99_within(curve: &Curve, unit: &Unit, run: &FleetRun, target_ms: f64) -> Option<bool> {
    let t = target_ms - unit.wall_ms();
    if t.is_nan() || t == 0.0 {
        return None;
    }
    if t < 0.0 {
        // Every request takes at least its wall time.
        return Some(false);
    }
    // A shape far over the target is known long before the day's end: the tail at `t` sums
    // non-negative terms population by population, and a float sum of those never falls, so
    // once the populations sealed so far wait over the limit, the whole day does. The limit
    // is the whole mix's, so it is bounded from above here: the mix weighs each step by the
    // requests it serves, at most those offered, whose total the run keeps (the 1e-9 covers
    // the sums' rounding, under 1e-11 for the longest curve).
    let over = 0.01 * offered_weight(curve, run) * (1.0 + 1e-6) * (1.0 + 1e-9);
    let mut sealed = 0.0;
    let mut mix = QueueMix::new(unit.wall_ms());
    let whole_day = mix_until(curve, unit, run, &mut mix, |(wp, d)| {
        sealed += QueueMix::term(wp, d, t);
        sealed < over || sealed.is_nan()
    });
    if !whole_day {
        return Some(false);
    }
    // The last population ends the sum [`QueueMix::tail`] makes, in the same order.
    let waiting = mix
        .waiting
        .last()
        .map_or(sealed, |&(wp, d)| sealed + QueueMix::term(wp, d, t));
    let limit = 0.01 * mix.total;
    if waiting <= limit * (1.0 - 1e-6) {
        Some(true)
    } else if waiting >= limit * (1.0 + 1e-6) {
        Some(false)
    } else {
        None
    }
}

/// A mixture of waiting populations sharing one base time: the same model as
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

    /// Adds a population; returns the waiting one this seals (the last, when this one does
    /// not merge with it), if any.
    fn add(&mut self, weight: f64, p_wait: f64, decay_per_ms: f64) -> Option<(f64, f64)> {
        if !(weight > 0.0 && weight.is_finite()) {
            return None;
        }
        self.total += weight;
        let p = p_wait.clamp(0.0, 1.0);
        if p > 0.0 && decay_per_ms > 0.0 {
            match self.waiting.last_mut() {
                Some((wp, d)) if *d == decay_per_ms => *wp += weight * p,
                last => {
                    let sealed = last.map(|l| *l);
                    self.waiting.push((weight * p, decay_per_ms));
                    return sealed;
                }
            }
        }
        None
    }

    /// What one waiting population `(wp, d)` adds to [`QueueMix::tail`] at `t`.
    fn term(wp: f64, d: f64, t: f64) -> f64 {
        wp * (-t * d).exp()
    }

    /// Weight of requests still waiting `t` ms after their base time, and its derivative.
    fn tail(&self, t: f64) -> (f64, f64) {
        self.waiting.iter().fold((0.0, 0.0), |(g, dg), &(wp, d)| {
            let e = Self::term(wp, d, t);
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
        // Every population alone is a lower bound of the tail, so the root is at or right of
        // the latest time any one of them reaches the target: start there (a day of steps
        // with a population each would take many steps from 0).
        let mut t = self
            .waiting
            .iter()
            .map(|&(wp, d)| (wp.ln() - ln_target) / d)
            .fold(0.0_f64, f64::max);
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
    /// [`p99_within`] a target, once asked for: (the target, the answer).
    p99_within: Option<(f64, Option<bool>)>,
    /// [`keeps_up`] once asked for, under the demand's figures it read besides the cache's
    /// curve and this entry's unit and run: a search asks it of every shape with this unit.
    keeps_up: Option<(KeepsUpKey, bool)>,
}

/// What [`keeps_up`] reads of a demand beyond its curve: whether excess work waits (a
/// stream) and the iterator-age target, to the bit.
type KeepsUpKey = (bool, Option<u64>);

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
                    p99_within: None,
                    keeps_up: None,
                });
                self.entries.len() - 1
            }
        }
    }

    /// What [`meets`](super::meets) says of `unit`'s fleet without its latency (the max, the shedding
    /// allowance, a stream's iterator age), with [`keeps_up`]'s answer kept for the entry
    /// while `d` is the cache's demand (its curve) and asks the same of it.
    pub fn meets_limits(&mut self, d: &Demand, unit: &Unit) -> bool {
        let scaling = self.scaling;
        let ours = std::ptr::eq(&d.curve, self.curve);
        let idx = self.index(unit);
        let Outcome {
            unit,
            run,
            keeps_up: kept,
            ..
        } = &mut self.entries[idx];
        meets_given(d, &scaling, run, None, || {
            let key = (d.buffers_excess(), d.p99_iterator_age_s().map(f64::to_bits));
            match *kept {
                Some((k, answer)) if ours && k == key => answer,
                _ => {
                    let answer = keeps_up(d, unit, run);
                    if ours {
                        *kept = Some((key, answer));
                    }
                    answer
                }
            }
        })
    }

    /// Whether `unit`'s fleet meets `d`'s limits and SLO, as [`meets`](super::meets) with the exact
    /// latency would say. The p99 is solved only when [`p99_within`] cannot decide (the
    /// share waiting at the target is within rounding of 1%).
    pub fn meets(&mut self, d: &Demand, unit: &Unit) -> bool {
        if !self.meets_limits(d, unit) {
            return false;
        }
        let curve = self.curve;
        let idx = self.index(unit);
        let o = &mut self.entries[idx];
        let Some(target) = d.p99_target_ms() else {
            return true;
        };
        if let Some(lat) = o.latency {
            return lat.p99 <= target;
        }
        let within = match o.p99_within {
            Some((t, answer)) if t == target => answer,
            _ => {
                let answer = p99_within(curve, &o.unit, &o.run, target);
                o.p99_within = Some((target, answer));
                answer
            }
        };
        if let Some(answer) = within {
            return answer;
        }
        // The limits are met (above): the latency decides.
        self.get(unit, true)
            .latency
            .is_none_or(|lat| lat.p99 <= target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`p99_within`] as it was before it could stop early: the whole day's mix, then its
    /// tail at the target.
    fn p99_within_whole_day(
        curve: &Curve,
        unit: &Unit,
        run: &FleetRun,
        target: f64,
    ) -> Option<bool> {
        let t = target - unit.wall_ms();
        if t.is_nan() || t == 0.0 {
            return None;
        }
        if t < 0.0 {
            return Some(false);
        }
        let mix = mix(curve, unit, run);
        let (waiting, limit) = (mix.tail(t).0, 0.01 * mix.total);
        if waiting <= limit * (1.0 - 1e-6) {
            Some(true)
        } else if waiting >= limit * (1.0 + 1e-6) {
            Some(false)
        } else {
            None
        }
    }

    /// The cache's limits check keeps a stream's iterator-age answer per unit: asked again
    /// (as a search asks it for every shape of a unit) it says what [`meets`](super::meets)
    /// says; a demand with another target or curve gets its own answer, not the kept one.
    #[test]
    fn kept_iterator_age_answers_are_the_demands_own() {
        use super::super::{Process, meets};
        use crate::model::billing::FreeTier;
        use crate::model::testkit::stream;
        use crate::profile::{Shape, Slo, Stream};
        let with_target = |age_s: f64| {
            let mut w = stream(3000.0, Shape::Bursty, 4.0, 1.5, 4.0, Stream::default());
            w.slo = Some(Slo {
                p99_iterator_age_s: Some(age_s),
                ..Slo::default()
            });
            w
        };
        let (tight, loose) = (with_target(1.5), with_target(600.0));
        let d = Demand::new(&tight, FreeTier::none());
        let other = Demand::new(&loose, FreeTier::none());
        let scaling = Scaling {
            target_utilization: 0.7,
            scale_out_s: 180.0,
            min: 1,
            max: 1000,
        };
        let mut cache = FleetCache::new(&d.curve, &d.request, scaling);
        let (mut kept, mut differ) = (0, 0);
        for concurrency in [1, 8, 64] {
            let unit = Unit::new(1, Process::new(&d.request, concurrency, 1.0));
            let run = simulate(&d.curve, &d.request, &unit, &scaling);
            let want = meets(&d, &scaling, &unit, &run, None);
            let want_other = meets(&other, &scaling, &unit, &run, None);
            for _ in 0..2 {
                assert_eq!(cache.meets_limits(&d, &unit), want, "{concurrency}");
                assert_eq!(
                    cache.meets_limits(&other, &unit),
                    want_other,
                    "{concurrency}"
                );
            }
            kept += usize::from(cache.entries.iter().any(|e| e.keeps_up.is_some()));
            differ += usize::from(want != want_other);
        }
        assert!(kept > 0 && differ > 0, "kept {kept}, differ {differ}");
    }

    /// Stopping once the populations sealed so far wait over the limit gives the whole day's
    /// answer, on shapes from far over the SLO (stopped in the morning) to well within it,
    /// on a day with lag (shed steps) and a floor of idle units.
    #[test]
    fn p99_within_stops_early_with_the_whole_days_answer() {
        use super::super::{Process, Scaling, simulate};
        let r = Request {
            duration_ms: 120.0,
            cpu_ms: 30.0,
            ..Request::default()
        };
        let (mut decided, mut stopped) = (0, 0);
        for concurrency in [1, 4, 16, 50, 200] {
            for (vcpus, target) in [(0.25, 0.95), (1.0, 0.6), (4.0, 0.9)] {
                let unit = Unit::new(1, Process::new(&r, concurrency, vcpus));
                let curve = Curve::diurnal(300.0, 4.0);
                let scaling = Scaling {
                    target_utilization: target,
                    scale_out_s: 300.0,
                    min: 2,
                    max: 100_000,
                };
                let run = simulate(&curve, &r, &unit, &scaling);
                for slo in [121.0, 125.0, 150.0, 200.0, 400.0, 1000.0] {
                    let whole = p99_within_whole_day(&curve, &unit, &run, slo);
                    assert_eq!(
                        p99_within(&curve, &unit, &run, slo),
                        whole,
                        "{concurrency} {vcpus} {slo}"
                    );
                    decided += usize::from(whole.is_some());
                    // Where it stopped: fewer populations solved than the day has.
                    let over = 0.01 * offered_weight(&curve, &run) * (1.0 + 1e-6) * (1.0 + 1e-9);
                    let mut sealed = 0.0;
                    let mut part = QueueMix::new(unit.wall_ms());
                    let t = slo - unit.wall_ms();
                    if !mix_until(&curve, &unit, &run, &mut part, |(wp, d)| {
                        sealed += QueueMix::term(wp, d, t);
                        sealed < over
                    }) {
                        assert_eq!(whole, Some(false));
                        stopped += 1;
                    }
                }
            }
        }
        assert!(decided > 40 && stopped > 5, "{decided} {stopped}");
    }

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
