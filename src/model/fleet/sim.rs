//! A discrete-event simulation of a fleet's processes: the referee for the latency model in
//! `queue.rs`. Seeded and deterministic.
//!
//! Requests arrive as a Poisson stream (its rate may step) and go to a process of a running
//! unit at random. A process holds `concurrency` requests; the others wait for a slot in
//! arrival order. A request with a slot does its CPU part, sharing the process's usable vCPUs
//! with the other requests on the CPU (processor sharing, one request on at most
//! `request_vcpus`), then its I/O (a delay). Units can be added or removed on a schedule (the
//! autoscaler's lag); a removed unit drains the requests it holds.

use super::Process;
use std::collections::VecDeque;

/// splitmix64: small, seeded, good enough for exponential draws.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1].
    fn unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 1.0) / (1u64 << 53) as f64
    }

    fn exp(&mut self, rate: f64) -> f64 {
        -self.unit().ln() / rate
    }

    fn below(&mut self, n: usize) -> usize {
        ((self.unit() * n as f64) as usize).min(n - 1)
    }
}

/// One process's state.
#[derive(Default)]
struct Proc {
    /// Requests on the CPU: (work left in vCPU-ms, arrival).
    cpu: Vec<(f64, f64)>,
    /// Requests in their I/O: (end, arrival).
    io: Vec<(f64, f64)>,
    /// Requests waiting for a slot: arrival.
    queue: VecDeque<f64>,
    /// When `cpu`'s work was last brought up to date.
    last: f64,
}

impl Proc {
    fn rate(&self, p: &Process) -> f64 {
        let n = self.cpu.len() as f64;
        if n > 0.0 {
            p.request_vcpus.min(p.vcpus / n)
        } else {
            0.0
        }
    }

    fn next_event(&self, p: &Process) -> f64 {
        let cpu = if self.cpu.is_empty() {
            f64::INFINITY
        } else {
            let least = self.cpu.iter().map(|j| j.0).fold(f64::INFINITY, f64::min);
            self.last + least / self.rate(p)
        };
        self.io.iter().map(|j| j.0).fold(cpu, f64::min)
    }

    fn advance(&mut self, p: &Process, to: f64) {
        let done = self.rate(p) * (to - self.last);
        for j in &mut self.cpu {
            j.0 -= done;
        }
        self.last = to;
    }

    fn start(&mut self, p: &Process, now: f64, arrival: f64) {
        if p.cpu_ms > 0.0 {
            self.cpu.push((p.cpu_ms, arrival));
        } else {
            self.io.push((now + p.io_ms, arrival));
        }
    }

    fn held(&self) -> usize {
        self.cpu.len() + self.io.len()
    }
}

/// What to simulate: rates and running units as step functions of time (ms from 0).
pub struct Scenario {
    pub process: Process,
    pub processes_per_unit: u32,
    /// (from ms, requests per second).
    pub rate: Vec<(f64, f64)>,
    /// (from ms, units running).
    pub units: Vec<(f64, u32)>,
    /// Requests arriving in [from, to) ms are measured.
    pub measure: (f64, f64),
    pub seed: u64,
}

fn at<T: Copy>(steps: &[(f64, T)], t: f64) -> Option<T> {
    steps.iter().rev().find(|s| s.0 <= t).map(|s| s.1)
}

/// The measured requests' latencies, sorted (ms).
pub fn run(s: &Scenario) -> Vec<f64> {
    let p = &s.process;
    let per_unit = s.processes_per_unit.max(1) as usize;
    let most = s.units.iter().map(|u| u.1).max().unwrap_or(1).max(1) as usize;
    let mut procs: Vec<Proc> = (0..most * per_unit).map(|_| Proc::default()).collect();
    let mut rng = Rng(s.seed);
    let changes: Vec<f64> = s
        .rate
        .iter()
        .map(|r| r.0)
        .chain(s.units.iter().map(|u| u.0))
        .collect();
    let next_change = |t: f64| {
        changes
            .iter()
            .copied()
            .filter(|&c| c > t)
            .fold(f64::INFINITY, f64::min)
    };
    let mut now = 0.0;
    let mut lat = Vec::new();
    let draw = |rng: &mut Rng, t: f64| {
        let r = at(&s.rate, t).unwrap_or(0.0) / 1000.0;
        if r > 0.0 {
            t + rng.exp(r)
        } else {
            f64::INFINITY
        }
    };
    let mut arrival = draw(&mut rng, now);
    let end = s.measure.1;
    loop {
        let change = next_change(now);
        let (who, when) = procs
            .iter()
            .enumerate()
            .map(|(i, q)| (i, q.next_event(p)))
            .fold(
                (usize::MAX, f64::INFINITY),
                |a, b| if b.1 < a.1 { b } else { a },
            );
        let t = arrival.min(change).min(when);
        if t.is_infinite() || (t >= end && procs.iter().all(|q| q.held() == 0)) {
            break;
        }
        now = t;
        if t == when {
            let q = &mut procs[who];
            q.advance(p, now);
            let mut k = 0;
            while k < q.cpu.len() {
                if q.cpu[k].0 <= 1e-6 {
                    let (_, a) = q.cpu.swap_remove(k);
                    q.io.push((now + p.io_ms, a));
                } else {
                    k += 1;
                }
            }
            let mut k = 0;
            while k < q.io.len() {
                if q.io[k].0 <= now {
                    let (_, a) = q.io.swap_remove(k);
                    if a >= s.measure.0 && a < s.measure.1 {
                        lat.push(now - a);
                    }
                    if let Some(w) = q.queue.pop_front() {
                        q.start(p, now, w);
                    }
                } else {
                    k += 1;
                }
            }
        } else if t == arrival {
            arrival = if now < end {
                draw(&mut rng, now)
            } else {
                f64::INFINITY
            };
            let running = at(&s.units, now).unwrap_or(1).max(1) as usize * per_unit;
            let q = &mut procs[rng.below(running)];
            q.advance(p, now);
            if q.held() < p.concurrency as usize {
                q.start(p, now, now);
            } else {
                q.queue.push_back(now);
            }
        } else {
            // A rate change: redraw the next arrival at the new rate (memoryless).
            arrival = if now < end {
                draw(&mut rng, now)
            } else {
                f64::INFINITY
            };
        }
    }
    lat.sort_by(f64::total_cmp);
    lat
}

/// The `q` quantile of sorted latencies.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 * q) as usize).min(sorted.len() - 1);
    sorted[i]
}

#[cfg(test)]
mod tests {
    use super::super::queue::Wait;
    use super::super::{FleetRun, Process, Unit, latency};
    use super::*;
    use crate::model::traffic::Curve;
    use crate::profile::{Request, Runtime};

    fn request(duration_ms: f64, cpu_ms: f64, threads: u32, runtime: Runtime) -> Request {
        Request {
            duration_ms,
            cpu_ms,
            threads,
            runtime,
            ..Request::default()
        }
    }

    /// The analytic p50 and p99 of `units` units of `unit` at a flat `rps`.
    fn analytic(unit: &Unit, units: f64, rps: f64) -> (f64, f64) {
        let curve = Curve {
            step_s: 60.0,
            rps: vec![rps],
        };
        let run = fleet_run(vec![units]);
        let l = latency(&curve, unit, &run);
        (l.p50, l.p99)
    }

    fn fleet_run(running: Vec<f64>) -> FleetRun {
        FleetRun {
            peak_units: running.iter().copied().fold(0.0, f64::max),
            fewest_units: running.iter().copied().fold(f64::INFINITY, f64::min),
            required_peak: 0.0,
            running,
            unit_hours: 0.0,
            shed_share: 0.0,
            shed_by_max_share: 0.0,
            worst: None,
            cpu_vcpu_seconds: 0.0,
            requests: 0.0,
        }
    }

    /// Simulated p50 and p99 of `units` units of `unit` at a flat `rps`, over about
    /// `requests` requests after a warm-up.
    fn simulated(unit: &Unit, units: u32, rps: f64, requests: f64, seed: u64) -> (f64, f64) {
        let span = requests / rps * 1000.0;
        let warm = span / 10.0;
        let lat = run(&Scenario {
            process: unit.process,
            processes_per_unit: unit.processes,
            rate: vec![(0.0, rps)],
            units: vec![(0.0, units)],
            measure: (warm, warm + span),
            seed,
        });
        (quantile(&lat, 0.5), quantile(&lat, 0.99))
    }

    /// One grid point: `units` units of `processes` processes on `vcpus` each, each process
    /// at `rho` of its capacity (the CPU's or the slots', whichever is less). Returns the
    /// analytic and simulated p50 and p99.
    fn point(
        req: &Request,
        concurrency: u32,
        vcpus: f64,
        processes: u32,
        units: u32,
        rho: f64,
        requests: f64,
    ) -> (f64, f64, f64, f64) {
        let unit = Unit::new(processes, Process::new(req, concurrency, vcpus));
        let per_process = rho * unit.process.throughput_rps;
        let rps = per_process * (processes * units) as f64;
        let (a50, a99) = analytic(&unit, units as f64, rps);
        let seed =
            ((rho * 1000.0) as u64) ^ (((vcpus * 64.0) as u64) << 20) ^ u64::from(concurrency);
        let (s50, s99) = simulated(&unit, units, rps, requests, seed);
        (a50, a99, s50, s99)
    }

    /// The grid: CPU utilisation × CPU share of the request × concurrency × usable vCPUs
    /// (with the runtime and threads that give them). `heavy` runs the larger grid.
    fn grid(heavy: bool) -> Vec<(String, f64, f64)> {
        let rhos: &[f64] = if heavy {
            &[0.3, 0.45, 0.6, 0.75, 0.9]
        } else {
            &[0.3, 0.6, 0.8]
        };
        // (duration, cpu): I/O-bound to CPU-bound.
        let shapes: &[(f64, f64)] = if heavy {
            &[(100.0, 10.0), (30.0, 10.0), (60.0, 40.0), (20.0, 20.0)]
        } else {
            &[(100.0, 10.0), (30.0, 10.0), (20.0, 20.0)]
        };
        // (task vCPUs, runtime, threads): 0.25 and 1 vCPU one-core, 2 and 4 vCPU all cores,
        // 4 vCPU with requests of 2 threads.
        let cpus: &[(f64, Runtime, u32)] = &[
            (0.25, Runtime::Nodejs, 1),
            (1.0, Runtime::Nodejs, 1),
            (2.0, Runtime::Go, 1),
            (4.0, Runtime::Java, 1),
            (4.0, Runtime::Go, 2),
        ];
        let concurrencies: &[u32] = if heavy { &[50, 200] } else { &[50] };
        let requests = if heavy { 1_000_000.0 } else { 120_000.0 };
        let mut out = Vec::new();
        for &rho in rhos {
            for &(dur, cpu) in shapes {
                for &(vcpus, runtime, threads) in cpus {
                    for &conc in concurrencies {
                        let req = request(dur, cpu, threads, runtime);
                        let (a50, a99, s50, s99) = point(&req, conc, vcpus, 1, 2, rho, requests);
                        let err = a99 / s99 - 1.0;
                        // At 90% with 50 slots, requests in their I/O hold most slots and a
                        // full process makes the rest wait in arrival order instead of sharing
                        // the CPU: a lighter tail than processor sharing. The model does not
                        // see it and is up to ~17% high there (conservative), never low.
                        let high = if rho >= 0.9 && conc <= 50 { 0.20 } else { 0.10 };
                        out.push((
                            format!(
                                "rho {rho} dur {dur} cpu {cpu} vcpu {vcpus} {} threads {threads} conc {conc}: p50 {a50:.1}/{s50:.1} p99 {a99:.1}/{s99:.1} ({:+.1}%)",
                                runtime.as_str(),
                                err * 100.0
                            ),
                            err,
                            high,
                        ));
                    }
                }
            }
        }
        out
    }

    /// Every point's error within -10% and its allowance above.
    fn check(points: Vec<(String, f64, f64)>) {
        let worst = points
            .iter()
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .map(|w| w.0.clone());
        for (line, _, _) in &points {
            println!("{line}");
        }
        println!("worst: {worst:?}");
        let bad: Vec<&String> = points
            .iter()
            .filter(|p| p.1 < -0.10 || p.1 > p.2)
            .map(|p| &p.0)
            .collect();
        assert!(
            bad.is_empty(),
            "analytic p99 off by more than allowed: {bad:#?}"
        );
    }

    /// The analytic p99 is within 10% of the simulated one over a grid of CPU utilisations,
    /// I/O- to CPU-bound requests and usable vCPUs.
    #[test]
    fn analytic_p99_matches_the_simulation() {
        check(grid(false));
    }

    /// The larger grid (utilisations 0.3–0.9, concurrencies 50 and 200, a million requests a
    /// point): within 10%, but for 90% busy processes of 50 slots (up to 20% high).
    /// `cargo test --lib sim -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn analytic_p99_matches_the_simulation_on_the_full_grid() {
        check(grid(true));
    }

    /// A step up in traffic while the autoscaler lags: 600 → 800 req/s on 1-vCPU Node.js
    /// tasks sized for 600 at 60%; for the 3 minutes before 4 tasks are added the CPUs are 80%
    /// busy. The day's mix of steps gives the p99 the simulation measures.
    #[test]
    fn autoscaling_lag_matches_the_simulation() {
        let req = request(30.0, 10.0, 1, Runtime::Nodejs);
        let unit = Unit::new(1, Process::new(&req, 50, 1.0));
        let minute = 60_000.0;
        let mut rps = vec![600.0; 5];
        rps.extend(vec![800.0; 15]);
        let mut running = vec![10.0; 8];
        running.extend(vec![14.0; 12]);
        // Measured from minute 1 (a warm-up): the curve's steps 1..20.
        let curve = Curve {
            step_s: 60.0,
            rps: rps[1..].to_vec(),
        };
        let day = latency(&curve, &unit, &fleet_run(running[1..].to_vec()));
        let lat = run(&Scenario {
            process: unit.process,
            processes_per_unit: 1,
            rate: vec![(0.0, 600.0), (5.0 * minute, 800.0)],
            units: vec![(0.0, 10), (8.0 * minute, 14)],
            measure: (minute, 20.0 * minute),
            seed: 11,
        });
        let (s50, s99) = (quantile(&lat, 0.5), quantile(&lat, 0.99));
        println!(
            "lag: p50 {:.1}/{s50:.1} p99 {:.1}/{s99:.1}",
            day.p50, day.p99
        );
        assert!(
            (day.p99 / s99 - 1.0).abs() <= 0.10,
            "{day:?} vs {s50} {s99}"
        );
        // The lag shows: the p99 is above the steady state's at 60%.
        let steady = analytic(&unit, 14.0, 800.0).1;
        assert!(day.p99 > steady * 1.1, "{} vs {steady}", day.p99);
    }

    /// The simulation itself: an M/M/c-like I/O-bound process (no CPU) and a lone request.
    #[test]
    fn simulation_sanity() {
        let req = request(100.0, 0.0, 1, Runtime::Nodejs);
        let unit = Unit::new(1, Process::new(&req, 50, 1.0));
        let (p50, p99) = simulated(&unit, 1, 1.0, 2_000.0, 1);
        assert!((p50 - 100.0).abs() < 1e-6 && (p99 - 100.0).abs() < 1e-6);
        // CPU-bound, one core, very light load: the wall time alone.
        let req = request(30.0, 10.0, 1, Runtime::Nodejs);
        let unit = Unit::new(1, Process::new(&req, 50, 0.25));
        let (p50, _) = simulated(&unit, 1, 0.1, 2_000.0, 2);
        assert!((p50 - 60.0).abs() < 1e-6, "{p50}");
        let w = Wait::at(&unit.process, 0.0);
        assert_eq!(w.p, 0.0);
    }
}
