//! Fleets of long-running processes: ECS tasks (one process each) and EC2 instances running a
//! process manager (pm2, gunicorn, ...). This module is the machinery both run on; `search.rs`
//! is the one evaluation both go through (the shape search, the choice, the verdict, the
//! figures), and `ecs.rs` / `ec2.rs` say only what differs (shapes, memory, billing).
//!
//! A process holds `concurrency` requests at once. The I/O part of a request overlaps freely;
//! the CPU parts share the process's usable vCPUs (the unit's vCPUs per process, as many as the
//! runtime can use: one core for an event loop or a GIL, every core for threads), one request
//! on at most `request.threads` of them. A request alone takes
//! `(duration_ms - cpu_ms) + cpu_ms / min(threads, vcpus)` and a process serves at most
//! `min(concurrency / wall_s, vcpus * 1000 / cpu_ms)` requests per second. The fleet follows
//! the traffic curve through target-tracking autoscaling (`traffic::follow`); what the running
//! capacity cannot carry is shed. Latency (`queue.rs`) has the CPU as a queue and the slots as
//! another, per process and per step; `sim.rs` (tests only) is the discrete-event simulation
//! that referees it. Fan-out jobs are gathered (`asyncio.gather` / `Promise.all`) inside the
//! processes.

pub mod consumers;
pub mod ec2;
pub mod ecs;
pub mod kcl;
mod queue;
pub mod search;
#[cfg(test)]
mod sim;

pub use queue::{FleetCache, Outcome, Wait, latency, p99_within, peak_cpu_utilization};

use super::Assessment;
use super::demand::Demand;
use super::plan::Latency;
use super::traffic::{Curve, MONTH_S};
use super::words::{fmt_num, pct, round_to};
use crate::profile::Request;

/// Target tracking releases capacity about 15 minutes after load drops (PRICES.md §8).
pub const SCALE_IN_S: f64 = 900.0;
/// Floor on a request's wall time, so a zero-duration request cannot divide by zero.
const MIN_WALL_MS: f64 = 1e-3;
/// Floor on the vCPUs a process can use.
const MIN_VCPUS: f64 = 1e-3;

/// One process's steady-state performance.
///
/// The requests in flight share the process's CPU: it can use `vcpus` (the unit's vCPUs per
/// process, capped by the runtime: one core for an event loop or a GIL, unless one request's
/// own threads use more; every core for a threaded runtime), and one request's CPU part runs
/// on at most `request_vcpus` of them (`request.threads`). A request alone takes
/// `io_ms + cpu_ms / request_vcpus` ([`Process::wall_ms`]); under load its CPU part queues
/// (`queue.rs`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Process {
    /// Requests the process holds at once (configured).
    pub concurrency: u32,
    /// vCPUs the process's requests can use together.
    pub vcpus: f64,
    /// vCPUs one request's CPU part can use (`min(threads, vcpus)`).
    pub request_vcpus: f64,
    /// The part of a request that waits on I/O, ms.
    pub io_ms: f64,
    /// The CPU work of a request, vCPU-ms (at one full vCPU).
    pub cpu_ms: f64,
    /// Wall time of one request alone in this process, ms.
    pub wall_ms: f64,
    /// Most requests per second the process serves.
    pub throughput_rps: f64,
    /// Effective concurrency: requests in flight at full throughput (`<= concurrency`).
    pub slots: f64,
    /// True when the CPU, not the concurrency setting, limits throughput.
    pub cpu_bound: bool,
}

impl Process {
    /// A process holding `concurrency` requests on `vcpus` vCPUs of its unit (the task's
    /// vCPUs, an instance's vCPUs over its processes).
    pub fn new(request: &Request, concurrency: u32, vcpus: f64) -> Process {
        let share = if vcpus.is_finite() {
            vcpus.max(MIN_VCPUS)
        } else {
            1.0
        };
        let threads = request.threads.max(1) as f64;
        let vcpus = if request.runtime.uses_all_cores() {
            share
        } else {
            share.min(threads)
        };
        let request_vcpus = threads.min(vcpus);
        let cpu_ms = request.cpu_ms.max(0.0);
        let io_ms = (request.duration_ms - cpu_ms).max(0.0);
        let wall_ms = (io_ms + cpu_ms / request_vcpus).max(MIN_WALL_MS);
        let conc = concurrency.max(1);
        let by_concurrency = conc as f64 * 1000.0 / wall_ms;
        let by_cpu = if cpu_ms > 0.0 {
            vcpus * 1000.0 / cpu_ms
        } else {
            f64::INFINITY
        };
        let throughput_rps = by_concurrency.min(by_cpu);
        Process {
            concurrency: conc,
            vcpus,
            request_vcpus,
            io_ms,
            cpu_ms,
            wall_ms,
            throughput_rps,
            slots: (throughput_rps * wall_ms / 1000.0).min(conc as f64),
            cpu_bound: by_cpu < by_concurrency,
        }
    }

    /// The CPU's busy share at `rps` requests per second.
    pub fn cpu_utilization(&self, rps: f64) -> f64 {
        rps.max(0.0) * self.cpu_ms / 1000.0 / self.vcpus
    }
}

/// A scaling unit (a task, an instance) of identical processes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Unit {
    pub processes: u32,
    pub process: Process,
}

impl Unit {
    pub fn new(processes: u32, process: Process) -> Unit {
        Unit {
            processes: processes.max(1),
            process,
        }
    }

    pub fn throughput_rps(&self) -> f64 {
        self.processes as f64 * self.process.throughput_rps
    }

    pub fn slots(&self) -> f64 {
        self.processes as f64 * self.process.slots
    }

    pub fn wall_ms(&self) -> f64 {
        self.process.wall_ms
    }

    /// Identity for caching fleet runs: units with equal processes behave alike.
    pub(super) fn key(&self) -> [u64; 6] {
        let p = &self.process;
        [
            u64::from(self.processes) << 32 | u64::from(p.concurrency),
            p.vcpus.to_bits(),
            p.request_vcpus.to_bits(),
            p.io_ms.to_bits(),
            p.cpu_ms.to_bits(),
            p.wall_ms.to_bits(),
        ]
    }
}

/// How the fleet scales.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scaling {
    /// Share of a unit's throughput the autoscaler aims to use.
    pub target_utilization: f64,
    /// Lag before added capacity serves traffic, seconds.
    pub scale_out_s: f64,
    pub min: u32,
    pub max: u32,
}

impl Scaling {
    fn target(&self) -> f64 {
        if self.target_utilization.is_finite() && self.target_utilization > 0.0 {
            self.target_utilization.clamp(0.01, 1.0)
        } else {
            1.0
        }
    }
}

/// `x.ceil()` for the per-step counts of a fleet walk. `f64::ceil` is a library call on the
/// baseline x86-64 target (rounding instructions arrived with SSE4.1) and was a tenth of a
/// fleet's walk; truncating to an integer and stepping up is exact below 2^63, and every
/// caller's value is a count far below that (larger values and NaN take `ceil`; negative
/// values give 0, as `ceil` then `max(0)` would).
#[inline]
pub(super) fn ceil_count(x: f64) -> f64 {
    if x.is_nan() || x >= 9.0e18 {
        return x.ceil();
    }
    let t = x as u64 as f64;
    if t < x { t + 1.0 } else { t }
}

/// Units required at the target utilization to carry `rps`.
pub fn units_required(rps: f64, unit_rps: f64, target_utilization: f64) -> f64 {
    if rps <= 0.0 || unit_rps <= 0.0 {
        return 0.0;
    }
    // A hair of tolerance so that an exact multiple does not round up by float noise.
    ceil_count(rps / (unit_rps * target_utilization) - 1e-9)
}

/// The CPU findings both fleets share, in plain words: a request that could use more vCPUs
/// than a process gives it, a process whose CPU (not its concurrency setting) caps what it
/// serves, and how busy the CPU gets. `holder` names what holds the requests ("task",
/// "process"); `busiest` is a service's busiest step (its clock time) and the CPU's busy share
/// then.
pub fn cpu_risks(
    d: &Demand,
    p: &Process,
    holder: &str,
    busiest: Option<(String, f64)>,
) -> Assessment {
    let mut verdict = Assessment::new();
    let threads = d.request.threads.max(1) as f64;
    if d.request.cpu_ms > 0.0 && threads > 1.0 && threads > p.request_vcpus + 1e-9 {
        verdict.risk(format!(
            "A request's CPU part could use {} vCPUs but a {holder} gives it {}: it takes {} ms of CPU time instead of {}.",
            fmt_num(threads),
            fmt_num(round_to(p.request_vcpus, 2)),
            fmt_num(round_to(p.cpu_ms / p.request_vcpus, 1)),
            fmt_num(round_to(p.cpu_ms / threads, 1))
        ));
    }
    let kind = d.kind();
    let one = match kind.noun() {
        n if n.starts_with(['a', 'e', 'i', 'o', 'u']) => format!("an {n}"),
        n => format!("a {n}"),
    };
    if p.cpu_bound {
        verdict.risk(format!(
            "The CPU, not the concurrency, caps a {holder} at {} {} ({} vCPU, {} ms of CPU {}), whatever its {} {} in flight.",
            fmt_num(round_to(p.throughput_rps, 1)),
            d.kind().rate_unit(),
            fmt_num(round_to(p.vcpus, 2)),
            fmt_num(round_to(p.cpu_ms, 1)),
            one,
            p.concurrency,
            kind.nouns(),
        ));
    }
    if let Some((when, busy)) = busiest
        && busy >= BUSY_CPU
    {
        verdict.risk(format!(
            "At the busiest step ({when}) a {holder}'s CPU is {} busy: {} wait for it, and the p99 includes that wait.",
            pct(busy),
            kind.nouns()
        ));
    }
    verdict
}

/// CPU utilisation from which the report says requests queue for the CPU.
pub const BUSY_CPU: f64 = 0.25;

/// A month of the fleet following the curve.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetRun {
    /// Units running at each step of the curve.
    pub running: Vec<f64>,
    /// Most units running at once.
    pub peak_units: f64,
    /// Fewest units running at once (0 on an empty curve): the steady baseline a
    /// commitment covers, kept here so a search over shapes that share a unit reads it
    /// instead of scanning the day again for each shape.
    pub fewest_units: f64,
    /// Most units the curve requires at the target utilization (before the max cap).
    pub required_peak: f64,
    /// Unit-hours a month.
    pub unit_hours: f64,
    /// Share of requests shed (lag or max reached).
    pub shed_share: f64,
    /// Share of requests shed even with `max` units running: the part the max causes.
    pub shed_by_max_share: f64,
    /// The step with the largest shed share, and that share.
    pub worst: Option<(usize, f64)>,
    /// vCPU-seconds of CPU work a month (served requests × cpu_ms at one full vCPU).
    pub cpu_vcpu_seconds: f64,
    /// Requests a month.
    pub requests: f64,
}

impl FleetRun {
    pub fn max_hit(&self, scaling: &Scaling) -> bool {
        self.required_peak > scaling.max.max(scaling.min) as f64
    }
}

/// Run the fleet over the curve: required units per step, autoscaled capacity, shed load.
pub fn simulate(curve: &Curve, request: &Request, unit: &Unit, scaling: &Scaling) -> FleetRun {
    let unit_rps = unit.throughput_rps();
    let target = scaling.target();
    let max = scaling.max.max(scaling.min) as f64;
    let required: Vec<f64> = curve
        .rps
        .iter()
        .map(|&r| units_required(r, unit_rps, target))
        .collect();
    let required_peak = required.iter().copied().fold(0.0, f64::max);
    let running = super::traffic::follow(
        &required,
        curve.step_s,
        scaling.scale_out_s.max(0.0),
        SCALE_IN_S,
        scaling.min as f64,
        max,
    );
    let max_rps = max * unit_rps;
    let (mut offered, mut shed, mut shed_max, mut unit_steps) = (0.0, 0.0, 0.0, 0.0);
    let mut worst: Option<(usize, f64)> = None;
    for (i, (&rate, &units)) in curve.rps.iter().zip(&running).enumerate() {
        let rate = rate.max(0.0);
        let lost = (rate - units * unit_rps).max(0.0);
        offered += rate;
        shed += lost;
        shed_max += (rate - max_rps).max(0.0);
        unit_steps += units;
        if lost > 0.0 && rate > 0.0 {
            let share = lost / rate;
            if worst.is_none_or(|(_, s)| share > s) {
                worst = Some((i, share));
            }
        }
    }
    let periods = curve.periods_per_month();
    let step = curve.step_s;
    let share = |x: f64| if offered > 0.0 { x / offered } else { 0.0 };
    let fewest = running.iter().copied().fold(f64::INFINITY, f64::min);
    FleetRun {
        peak_units: running.iter().copied().fold(0.0, f64::max),
        fewest_units: if fewest.is_finite() { fewest } else { 0.0 },
        running,
        required_peak,
        unit_hours: unit_steps * step * periods / 3600.0,
        shed_share: share(shed),
        shed_by_max_share: share(shed_max),
        worst,
        cpu_vcpu_seconds: (offered - shed) * step * periods * request.cpu_ms.max(0.0) / 1000.0,
        requests: offered * step * periods,
    }
}

/// Whether a service fleet meets the SLO: no max hit, shed share within the allowance, p99
/// within target (when there is one and `latency` is given). Cheap: no strings.
pub fn meets(
    d: &Demand,
    scaling: &Scaling,
    unit: &Unit,
    run: &FleetRun,
    latency: Option<Latency>,
) -> bool {
    meets_given(d, scaling, run, latency, || keeps_up(d, unit, run))
}

/// [`meets`] with [`keeps_up`]'s answer for `run` handed in (asked only when the cheaper
/// checks pass), so that the [`FleetCache`] can keep it for a unit whose fleet it has run.
fn meets_given(
    d: &Demand,
    scaling: &Scaling,
    run: &FleetRun,
    latency: Option<Latency>,
    keeps_up: impl FnOnce() -> bool,
) -> bool {
    let sheds = !d.buffers_excess() && run.shed_share > d.max_throttled_share();
    if run.max_hit(scaling) || sheds || !keeps_up() {
        return false;
    }
    match (d.p99_target_ms(), latency) {
        (Some(target), Some(lat)) => lat.p99 <= target,
        _ => true,
    }
}

/// A stream's fleet keeps its records' iterator age within the SLO: the records its running
/// units cannot carry wait in the stream (a backlog that lags its scale-out), and that wait
/// plus a poll interval must fit the p99 target. Always true for other kinds. Reads of `d`
/// only its kind ([`Demand::buffers_excess`]), its iterator-age target and its curve: the
/// key [`FleetCache`] keeps the answer under.
fn keeps_up(d: &Demand, unit: &Unit, run: &FleetRun) -> bool {
    if !d.buffers_excess() {
        return true;
    }
    let Some(target) = d.p99_iterator_age_s() else {
        return true;
    };
    let caps: Vec<f64> = run
        .running
        .iter()
        .map(|u| u * unit.throughput_rps())
        .collect();
    let backlog = crate::model::kinesis::Backlog::capped(&d.curve, f64::INFINITY, Some(&caps));
    backlog.drains && backlog.quantile(&d.curve, 0.99) + crate::model::kinesis::POLL_S <= target
}

/// How a fleet's units start for a fan-out run: the account's launch quota as a token bucket
/// (`burst` launches at once, then `per_s` a second) and the time from launch to a unit doing
/// work. Fargate: burst 100, 20 tasks/s; EC2 `RunInstances`: burst 1,000, 2 instances/s (the
/// book's quotas, with sources).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Launch {
    /// Seconds from launch to a unit doing work.
    pub start_s: f64,
    /// Launches the bucket allows at once.
    pub burst: f64,
    /// Launches a second once the burst is spent.
    pub per_s: f64,
}

impl Launch {
    /// Units that work `start_s` after they are launched, at the account's token bucket from
    /// the book: `burst_key` launches at once, then `rate_key` a second.
    pub fn from_book(
        start_s: f64,
        burst_key: &str,
        rate_key: &str,
        book: &crate::pricing::PriceBook,
    ) -> Result<Launch, crate::pricing::Missing> {
        Ok(Launch {
            start_s,
            burst: book.quota(burst_key)?.value,
            per_s: book.quota(rate_key)?.value,
        })
    }

    /// Seconds from the start of a run until the last of `n` units works: the `n`-th launch
    /// waits `(n - burst) / per_s` for tokens (none within the burst), then starts. The model
    /// lets every unit wait for the last (items are not handed to the early ones first), so a
    /// ramp's makespan errs long, on the side of the deadline.
    pub fn last_start_s(&self, n: u32) -> f64 {
        let over = (n as f64 - self.burst.max(1.0)).max(0.0);
        let wait = if self.per_s > 0.0 {
            over / self.per_s
        } else {
            0.0
        };
        self.start_s.max(0.0) + wait
    }
}

/// A fan-out run gathered inside `units` units started together.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gather {
    /// Units working on each run.
    pub units: u32,
    /// Seconds from the start of a run to its last item (start-up included).
    pub makespan_s: f64,
    /// Units the deadline needs, when more than `max` (or `None` if no count can meet it).
    pub short_of: Option<Option<u32>>,
}

/// Makespan of `items` over `units` units of `unit_rps` each: start-up, the items spread over
/// the fleet's throughput, then one item's wall time for the last to finish.
pub fn makespan(items: u64, units: u32, unit_rps: f64, wall_ms: f64, startup_s: f64) -> f64 {
    let rate = units.max(1) as f64 * unit_rps;
    let spread = if rate > 0.0 {
        items as f64 / rate
    } else {
        f64::INFINITY
    };
    startup_s + spread + wall_ms / 1000.0
}

/// The fewest units in `[min, max]` (at least 1, at most one per item) whose makespan meets
/// `deadline_s` (the usable deadline, margin taken off: `Demand::usable_deadline_s`); `min`
/// when there is no deadline. `startup_s(n)` is the start-up of a run on
/// `n` units (it may grow with `n`, e.g. under a launch-rate quota), so the makespan falls
/// with `n` only up to a point: past it no unit count helps.
pub fn gather(
    items: u64,
    unit_rps: f64,
    wall_ms: f64,
    startup_s: impl Fn(u32) -> f64,
    deadline_s: Option<f64>,
    min: u32,
    max: u32,
) -> Gather {
    let min = min.max(1);
    let max = max.max(min);
    let at = |n: u32| makespan(items, n, unit_rps, wall_ms, startup_s(n));
    let done = |units: u32, short_of: Option<Option<u32>>| Gather {
        units,
        makespan_s: at(units),
        short_of,
    };
    let Some(deadline) = deadline_s else {
        return done(min, None);
    };
    if at(min) <= deadline {
        return done(min, None);
    }
    let useful = (items.clamp(1, u32::MAX as u64) as u32).max(min);
    // Closed form ignoring any growth of the start-up with n, then step up from there.
    let room = deadline - startup_s(min) - wall_ms / 1000.0;
    if room <= 0.0 || unit_rps <= 0.0 {
        // Start-up and one item alone overrun the deadline.
        return done(min, Some(None));
    }
    let mut n = {
        let need = (items as f64 / (unit_rps * room) - 1e-9).ceil();
        if need.is_finite() {
            need.clamp(min as f64, useful as f64) as u32
        } else {
            useful
        }
    };
    while at(n) > deadline && n < useful && at(n + 1) < at(n) {
        n += 1;
    }
    if at(n) > deadline {
        // No unit count meets the deadline: show the fastest count within the max.
        return done(n.min(max), Some(None));
    }
    if n > max {
        return done(max, Some(Some(n)));
    }
    done(n, None)
}

/// Orders monthly costs, treating costs within a billionth of each other as equal (so that
/// ties fall to the next criterion rather than to float rounding).
pub fn cost_cmp(a: f64, b: f64) -> std::cmp::Ordering {
    if (a - b).abs() <= 1e-9 * a.abs().max(b.abs()) {
        std::cmp::Ordering::Equal
    } else {
        a.total_cmp(&b)
    }
}

/// Hours in a billing month (730).
pub const MONTH_HOURS: f64 = MONTH_S / 3600.0;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::words::{clock, pct};

    fn req(duration_ms: f64, cpu_ms: f64) -> Request {
        Request {
            duration_ms,
            cpu_ms,
            ..Request::default()
        }
    }

    #[test]
    fn io_bound_process_uses_all_its_slots() {
        let p = Process::new(&req(100.0, 0.0), 50, 1.0);
        assert!((p.throughput_rps - 500.0).abs() < 1e-9);
        assert!((p.slots - 50.0).abs() < 1e-9);
        assert!(!p.cpu_bound);
    }

    #[test]
    fn cpu_heavy_process_gets_fewer_effective_slots() {
        // 120 ms wall, 30 ms CPU on a full vCPU: CPU caps at 33.3 rps, slots = 33.3 × 0.12 = 4.
        let p = Process::new(&req(120.0, 30.0), 50, 1.0);
        assert!((p.throughput_rps - 1000.0 / 30.0).abs() < 1e-9);
        assert!((p.slots - 4.0).abs() < 1e-9);
        assert!(p.cpu_bound);
        // A quarter vCPU: CPU part takes 120 ms, wall 210 ms, 8.33 rps.
        let q = Process::new(&req(120.0, 30.0), 50, 0.25);
        assert!((q.wall_ms - 210.0).abs() < 1e-9);
        assert!((q.throughput_rps - 250.0 / 30.0).abs() < 1e-9);
        assert!(q.slots < p.slots);
    }

    #[test]
    fn runtime_and_threads_set_the_usable_vcpus() {
        use crate::profile::Runtime;
        let node = req(30.0, 10.0);
        let go = Request {
            runtime: Runtime::Go,
            ..node.clone()
        };
        // One core for Node.js whatever the task; every core for Go.
        let p = Process::new(&node, 50, 4.0);
        assert_eq!((p.vcpus, p.request_vcpus), (1.0, 1.0));
        assert!((p.throughput_rps - 100.0).abs() < 1e-9);
        let p = Process::new(&go, 50, 4.0);
        assert_eq!((p.vcpus, p.request_vcpus), (4.0, 1.0));
        assert!((p.throughput_rps - 400.0).abs() < 1e-9);
        // A request with 4 threads uses 4 vCPUs even in a one-core runtime: 2.5 ms of CPU.
        let threaded = Request {
            threads: 4,
            ..node.clone()
        };
        let p = Process::new(&threaded, 50, 4.0);
        assert_eq!((p.vcpus, p.request_vcpus), (4.0, 4.0));
        assert!((p.wall_ms - 22.5).abs() < 1e-9);
        // A quarter vCPU: the CPU part takes four times as long.
        let p = Process::new(&node, 50, 0.25);
        assert!((p.wall_ms - 60.0).abs() < 1e-9);
        assert!((p.cpu_utilization(15.0) - 0.6).abs() < 1e-9);
    }

    #[test]
    fn flat_curve_needs_ceil_of_rate_over_target_throughput() {
        let unit = Unit::new(1, Process::new(&req(100.0, 0.0), 10, 1.0)); // 100 rps
        let scaling = Scaling {
            target_utilization: 0.6,
            scale_out_s: 180.0,
            min: 1,
            max: 1000,
        };
        let curve = Curve::flat(1000.0);
        let run = simulate(&curve, &req(100.0, 0.0), &unit, &scaling);
        assert_eq!(run.peak_units, (1000.0_f64 / (100.0 * 0.6)).ceil());
        assert_eq!(run.peak_units, 17.0);
        assert_eq!(run.shed_share, 0.0);
        assert!((run.unit_hours - 17.0 * 730.0).abs() < 1e-6);
    }

    #[test]
    fn capacity_after_scale_out_covers_the_peak_at_target() {
        let r = req(100.0, 0.0);
        let unit = Unit::new(1, Process::new(&r, 10, 1.0));
        let scaling = Scaling {
            target_utilization: 0.6,
            scale_out_s: 180.0,
            min: 2,
            max: 1000,
        };
        let curve = Curve::diurnal(500.0, 4.0);
        let run = simulate(&curve, &r, &unit, &scaling);
        let lag = 3;
        let n = curve.rps.len();
        for t in 0..n {
            // Capacity at t covers what was required `lag` steps earlier.
            let earlier = curve.rps[(t + n - lag) % n];
            assert!(run.running[t] * 100.0 * 0.6 >= earlier - 1e-6, "step {t}");
        }
        // The diurnal rise sheds a little, far below 1%.
        assert!(run.shed_share < 0.01);
        let lat = latency(&curve, &unit, &run);
        assert!(lat.p50 >= 100.0 && lat.p99 >= lat.p50);
    }

    #[test]
    fn lag_sheds_on_a_burst_and_is_reported() {
        let r = req(100.0, 0.0);
        let unit = Unit::new(1, Process::new(&r, 10, 1.0));
        let scaling = Scaling {
            target_utilization: 0.6,
            scale_out_s: 180.0,
            min: 1,
            max: 1000,
        };
        let mut curve = Curve::flat(50.0);
        for v in curve.rps.iter_mut().skip(600).take(10) {
            *v = 1000.0;
        }
        let run = simulate(&curve, &r, &unit, &scaling);
        assert!(run.shed_share > 0.0);
        assert_eq!(run.worst.map(|w| w.0), Some(600));
        assert_eq!(run.shed_by_max_share, 0.0);
    }

    #[test]
    fn gather_adds_units_to_meet_a_deadline() {
        // 10,000 items, 10 items/s per unit, 1 s per item, 60 s start-up, 120 s deadline.
        let g = gather(10_000, 10.0, 1000.0, |_| 60.0, Some(120.0), 1, 100);
        // Needs 10,000 / (10 × 59) = 16.9 -> 17 units.
        assert_eq!(g.units, 17);
        assert!(g.makespan_s <= 120.0);
        assert!(makespan(10_000, 16, 10.0, 1000.0, 60.0) > 120.0);
        let capped = gather(10_000, 10.0, 1000.0, |_| 60.0, Some(120.0), 1, 10);
        assert_eq!(capped.units, 10);
        assert_eq!(capped.short_of, Some(Some(17)));
        let impossible = gather(10, 10.0, 1000.0, |_| 60.0, Some(30.0), 1, 10);
        assert_eq!(impossible.short_of, Some(None));
    }

    #[test]
    fn formatting_helpers() {
        assert_eq!(clock(14.0 * 3600.0 + 120.0, 86_400.0), "14:02");
        assert_eq!(clock(86_400.0 + 60.0, 7.0 * 86_400.0), "day 2 00:01");
        assert_eq!(fmt_num(3.0), "3");
        assert_eq!(fmt_num(0.25), "0.25");
        assert_eq!(pct(0.004), "0.4%");
        assert_eq!(pct(4.4e-9), "under 0.001%");
        assert_eq!(pct(0.0), "0%");
    }
}
#[cfg(test)]
mod speed {
    use super::*;

    fn best<T>(mut f: impl FnMut() -> T) -> std::time::Duration {
        (0..300)
            .map(|_| {
                let t = std::time::Instant::now();
                std::hint::black_box(f());
                t.elapsed()
            })
            .min()
            .unwrap_or_default()
    }

    /// `cargo test --release -- --ignored parts_speed --nocapture`
    #[test]
    #[ignore]
    fn parts_speed() {
        let r = Request {
            duration_ms: 120.0,
            cpu_ms: 30.0,
            ..Request::default()
        };
        let curve = Curve::diurnal(500.0, 4.0);
        let unit = Unit::new(1, Process::new(&r, 50, 1.0));
        let s = Scaling {
            target_utilization: 0.6,
            scale_out_s: 180.0,
            min: 2,
            max: 10000,
        };
        let run = simulate(&curve, &r, &unit, &s);
        println!("simulate {:?}", best(|| simulate(&curve, &r, &unit, &s)));
        println!("latency {:?}", best(|| latency(&curve, &unit, &run)));
        println!(
            "p99_within {:?}",
            best(|| p99_within(&curve, &unit, &run, 400.0))
        );
        println!(
            "waits {:?}",
            best(|| {
                curve
                    .rps
                    .iter()
                    .map(|&r| Wait::at(&unit.process, r / 10.0).p)
                    .sum::<f64>()
            })
        );
        let erl = || {
            let mut acc = 0.0;
            for (&rate, &units) in curve.rps.iter().zip(&run.running) {
                let served = rate.min(units * unit.throughput_rps());
                let servers = ((units * unit.slots() - 1e-9).ceil() as u64).max(1);
                acc += crate::model::latency::erlang_c(
                    servers,
                    (served * unit.wall_ms() / 1000.0).min(servers as f64 * 0.99),
                );
            }
            acc
        };
        println!("erlang_c {:?}", best(erl));
        println!(
            "follow {:?}",
            best(|| crate::model::traffic::follow(&run.running, 60.0, 180.0, 900.0, 2.0, 1e4))
        );
    }
}
