//! AWS Lambda: duration by memory, billing (the one place Lambda's billing rules live),
//! concurrency against the limit and the scaling rate, cold starts, throttling, and the
//! `memory_mb: auto` search. Step Functions task states are Lambda functions and use the same
//! pieces: `walk_environments` and `cold_starts`, `search_memory`, `cold_per_run`, and `bill`
//! (`bill_functions` for several).

use super::assess::Assessment;
use super::billing::{self, FreeTier};
use super::demand::Demand;
use super::ingress;
use super::latency::{self, LatencyMix, erlang_b};
use super::plan::{Capacity, Figures, Latency, LineItem, OptionPlan, Platform};
use super::traffic::{MONTH_S, WindowMax};
use super::words::{clock, pct};
use crate::pricing::{Missing, Price, PriceBook, keys};
use crate::profile::{Architecture, AutoOr, Job, LambdaConfig, Request, Work};
use serde_json::json;
use std::collections::BTreeMap;

pub const MIN_MEMORY_MB: u32 = 128;
pub const MAX_MEMORY_MB: u32 = 10_240;
/// Memory at which a function has the equivalent of one vCPU.
pub const MB_PER_VCPU: f64 = 1_769.0;
/// Longest invocation (15 minutes).
pub const TIMEOUT_MS: f64 = 900_000.0;
/// Synchronous invocation payload limit (request and response), KB.
pub const SYNC_PAYLOAD_KB: f64 = 6.0 * 1024.0;
/// Asynchronous invocation payload limit, KB.
pub const ASYNC_PAYLOAD_KB: f64 = 1024.0;
/// Free ephemeral storage, MB.
pub const FREE_EPHEMERAL_MB: u32 = 512;
/// How long an idle execution environment is assumed to stay warm. AWS does not publish it;
/// observed values are 5 to 15 minutes.
pub const WARM_S: f64 = 600.0;

/// vCPUs a function gets at `memory_mb` (6 at most).
pub fn vcpus(memory_mb: u32) -> f64 {
    (memory_mb as f64 / MB_PER_VCPU).min(6.0)
}

/// Handler duration at `memory_mb`: the I/O part plus the CPU part spread over the vCPUs the
/// function has and the code can use.
pub fn duration_ms(req: &Request, memory_mb: u32) -> f64 {
    let io = (req.duration_ms - req.cpu_ms).max(0.0);
    if req.cpu_ms <= 0.0 {
        return io;
    }
    let cpus = vcpus(memory_mb).min(req.threads.max(1) as f64);
    io + req.cpu_ms / cpus
}

/// Names of the breakdown lines: a function of its own uses `requests`/`duration`, a Step
/// Functions task state `lambda_requests`/`lambda_duration`.
#[derive(Debug, Clone, Copy)]
pub struct LineNames {
    pub requests: &'static str,
    pub duration: &'static str,
}

pub const OWN_LINES: LineNames = LineNames {
    requests: "requests",
    duration: "duration",
};
pub const TASK_LINES: LineNames = LineNames {
    requests: "lambda_requests",
    duration: "lambda_duration",
};

/// A month of one function's invocations, ready to price.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    pub arch: Architecture,
    pub memory_mb: u32,
    /// Billed requests (all invocations, on-demand and provisioned).
    pub requests: f64,
    /// Handler duration of an on-demand invocation, before rounding up to the billed 1 ms.
    pub duration_ms: f64,
    pub provisioned: Option<Provisioned>,
    /// On-demand cold starts a month, each billed `init_ms` of INIT.
    pub cold_starts: f64,
    pub init_ms: f64,
    pub ephemeral_storage_mb: u32,
}

/// Provisioned concurrency: configured for `seconds` of the month, serving `invocations`
/// of the month's requests, each taking `duration_ms`.
#[derive(Debug, Clone, Copy)]
pub struct Provisioned {
    pub concurrency: u32,
    pub seconds: f64,
    pub invocations: f64,
    pub duration_ms: f64,
}

/// Lambda's bill for a month of `usage`, crediting what is left of the free tier. Returns the
/// lines and the free tier left afterwards.
pub fn bill(
    usage: &Usage,
    names: LineNames,
    book: &PriceBook,
    free: FreeTier,
) -> Result<Vec<LineItem>, Missing> {
    let arch = usage.arch;
    let gb = usage.memory_mb as f64 / 1024.0;
    let billed_s = |ms: f64| ms.max(0.0).ceil() / 1000.0;
    let pc_invocations = usage
        .provisioned
        .map_or(0.0, |p| p.invocations.min(usage.requests));
    let on_demand_invocations = usage.requests - pc_invocations;
    let mut lines = Vec::new();

    let req_price = book.price(&keys::lambda_requests(arch))?;
    lines.push(billing::line(names.requests, usage.requests, req_price));

    let dur_price = book.price(&keys::lambda_duration(arch))?;
    let on_demand_gb_s = on_demand_invocations * billed_s(usage.duration_ms) * gb;
    let init_gb_s = usage.cold_starts * billed_s(usage.init_ms) * gb;
    lines.push(billing::line(names.duration, on_demand_gb_s, dur_price));
    if init_gb_s > 0.0 {
        lines.push(billing::line(INIT_LINE, init_gb_s, dur_price));
    }
    price_duration(&mut lines, names, dur_price);

    let mut invoked_s = on_demand_invocations * billed_s(usage.duration_ms)
        + usage.cold_starts * billed_s(usage.init_ms);
    if let Some(pc) = usage.provisioned.filter(|p| p.concurrency > 0) {
        // Provisioned time is billed in 5-minute increments.
        let pc_seconds = (pc.seconds / 300.0).ceil() * 300.0;
        lines.push(billing::priced(
            book,
            "provisioned_concurrency",
            &keys::lambda_provisioned_concurrency(arch),
            pc.concurrency as f64 * gb * pc_seconds,
        )?);
        lines.push(billing::priced(
            book,
            "provisioned_duration",
            &keys::lambda_provisioned_duration(arch),
            pc_invocations * billed_s(pc.duration_ms) * gb,
        )?);
        invoked_s += pc_invocations * billed_s(pc.duration_ms);
    }

    if usage.ephemeral_storage_mb > FREE_EPHEMERAL_MB {
        let extra_gb = (usage.ephemeral_storage_mb - FREE_EPHEMERAL_MB) as f64 / 1024.0;
        lines.push(billing::priced(
            book,
            "ephemeral_storage",
            keys::LAMBDA_EPHEMERAL_STORAGE,
            extra_gb * invoked_s,
        )?);
    }

    // The free tier covers requests and on-demand duration, not provisioned concurrency
    // (as AWS's own provisioned-concurrency example 1 applies it).
    if let Some((credit, _)) = billing::free_credit(
        usage.requests,
        free.lambda_requests,
        req_price,
        "Lambda requests",
    ) {
        lines.push(credit);
    }
    if let Some((credit, _)) = billing::free_credit(
        on_demand_gb_s + init_gb_s,
        free.lambda_gb_s,
        dur_price,
        "Lambda duration",
    ) {
        lines.push(credit);
    }
    Ok(lines)
}

/// The breakdown line of INIT duration billed for cold starts.
const INIT_LINE: &str = "init_duration";

/// Prices the duration lines among `lines` (`names.duration` and INIT) at the tiers of their
/// aggregate: Lambda's duration tiers apply to the month's total GB-seconds, INIT and
/// invocations together, so every duration line pays the same average unit price.
fn price_duration(lines: &mut [LineItem], names: LineNames, price: &Price) {
    let is_duration = |l: &LineItem| l.item == names.duration || l.item == INIT_LINE;
    let total: f64 = lines
        .iter()
        .filter(|l| is_duration(l))
        .map(|l| l.quantity)
        .sum();
    let unit = if total > 0.0 {
        price.cost(total) / total
    } else {
        price.unit_usd()
    };
    for l in lines.iter_mut().filter(|l| is_duration(l)) {
        l.unit_price_usd = unit;
        l.cost_usd = l.quantity * unit;
    }
}

/// The bill of several functions of one architecture in one account (Step Functions' task
/// states): each billed by [`bill`] in turn, the free tier consumed once (what one function
/// uses is gone for the next), the lines merged into one per item, and the duration priced at
/// the tiers of the functions' aggregate (identical to each one's own below the first tier).
pub fn bill_functions(
    usages: &[Usage],
    names: LineNames,
    book: &PriceBook,
    free: FreeTier,
) -> Result<Vec<LineItem>, Missing> {
    let mut free = free;
    let mut merged: Vec<LineItem> = Vec::new();
    for usage in usages {
        let lines = bill(usage, names, book, free)?;
        free = free.after(&lines);
        for l in lines {
            match merged
                .iter_mut()
                .find(|m| m.item == l.item && m.unit == l.unit && m.source == l.source)
            {
                Some(m) => {
                    m.quantity += l.quantity;
                    m.cost_usd += l.cost_usd;
                    m.unit_price_usd = if m.quantity != 0.0 {
                        m.cost_usd / m.quantity
                    } else {
                        m.unit_price_usd
                    };
                }
                None => merged.push(l),
            }
        }
    }
    if let [first, _, ..] = usages {
        price_duration(
            &mut merged,
            names,
            book.price(&keys::lambda_duration(first.arch))?,
        );
    }
    Ok(merged)
}

/// What a month of traffic does to one function at a given memory size.
#[derive(Debug, Clone)]
struct Simulation {
    duration_ms: f64,
    requests: f64,
    throttled: f64,
    cold_starts: f64,
    provisioned_served: f64,
    peak_concurrency: f64,
    latency: LatencyMix,
    worst_throttle_step: Option<(usize, f64)>,
    scaling_throttled: f64,
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
fn simulate(d: &Demand, cfg: &LambdaConfig, memory_mb: u32, scaling_per_10s: f64) -> Simulation {
    let dur = duration_ms(&d.request, memory_mb);
    let curve = &d.curve;
    let step = curve.step_s;
    let limit = cfg.concurrency_limit.max(1);
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

/// Evaluate the workload on Lambda.
pub fn evaluate(d: &Demand, cfg: &LambdaConfig, book: &PriceBook) -> OptionPlan {
    OptionPlan::answer(Platform::Lambda, cfg.enabled, || try_evaluate(d, cfg, book))
}

fn try_evaluate(d: &Demand, cfg: &LambdaConfig, book: &PriceBook) -> Result<OptionPlan, Missing> {
    let scaling = book.quota(keys::Q_LAMBDA_SCALING)?.value;
    // Fail on a missing price before searching.
    book.price(&keys::lambda_requests(cfg.architecture))?;
    book.price(&keys::lambda_duration(cfg.architecture))?;
    let floor = d.request.memory_mb.clamp(MIN_MEMORY_MB, MAX_MEMORY_MB);
    match cfg.memory_mb {
        AutoOr::Fixed(m) => option_at(d, cfg, book, scaling, m.clamp(MIN_MEMORY_MB, MAX_MEMORY_MB)),
        AutoOr::Auto => search_memory(
            &d.request,
            floor,
            |m| option_at(d, cfg, book, scaling, m),
            |plan| plan.feasible,
        ),
    }
}

/// The smallest memory size from `floor` up whose plan (made by `at`) `meets` the criterion,
/// with that plan. Below the memory where the CPU part stops speeding up, more memory only
/// shortens the CPU part, so cost (GB-s) rises with memory while latency, throttling and
/// makespans fall: the cheapest size meeting the criterion is the smallest one, found by
/// bisection at 1 MB resolution. When no size meets it, the plan at the fastest useful size,
/// which comes closest. The plan returned is the one the search made last at that size, so no
/// size is planned twice. Lambda's `auto` memory (the SLO) and Step Functions' Map items (the
/// deadline) both search here.
pub fn search_memory<T, E>(
    request: &Request,
    floor: u32,
    mut at: impl FnMut(u32) -> Result<T, E>,
    meets: impl Fn(&T) -> bool,
) -> Result<T, E> {
    let useful_max = if request.cpu_ms > 0.0 {
        ((MB_PER_VCPU * request.threads.max(1) as f64).ceil() as u32).clamp(floor, MAX_MEMORY_MB)
    } else {
        floor
    };
    let at_floor = at(floor)?;
    if meets(&at_floor) || useful_max == floor {
        return Ok(at_floor);
    }
    let mut best = at(useful_max)?;
    if !meets(&best) {
        // Nothing meets the criterion: show the fastest size, which comes closest.
        return Ok(best);
    }
    let (mut lo, mut hi) = (floor, useful_max);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        let plan = at(mid)?;
        if meets(&plan) {
            hi = mid;
            best = plan;
        } else {
            lo = mid;
        }
    }
    Ok(best)
}

/// Cold starts of one run of a batch that brings up `environments`: all of them, unless runs
/// come often enough (`runs` a month) for the environments to stay warm in between.
pub fn cold_per_run(runs: f64, environments: f64) -> f64 {
    let interval_s = if runs > 0.0 {
        MONTH_S / runs
    } else {
        f64::INFINITY
    };
    if interval_s <= WARM_S {
        0.0
    } else {
        environments
    }
}

fn option_at(
    d: &Demand,
    cfg: &LambdaConfig,
    book: &PriceBook,
    scaling: f64,
    memory_mb: u32,
) -> Result<OptionPlan, Missing> {
    match &*d.work {
        Work::Fanout { job } => return fanout_at(d, job, cfg, book, scaling, memory_mb),
        Work::Service { .. } | Work::Workflow { .. } => {}
    }
    let sim = simulate(d, cfg, memory_mb, scaling);
    let periods = d.curve.periods_per_month();
    let requests = sim.requests * periods;
    let served = (sim.requests - sim.throttled) * periods;
    let usage = Usage {
        arch: cfg.architecture,
        memory_mb,
        requests: served,
        duration_ms: sim.duration_ms,
        provisioned: (cfg.provisioned_concurrency > 0).then_some(Provisioned {
            concurrency: cfg.provisioned_concurrency,
            seconds: MONTH_S,
            invocations: sim.provisioned_served * periods,
            duration_ms: sim.duration_ms,
        }),
        cold_starts: sim.cold_starts * periods,
        init_ms: cfg.cold_start_ms,
        ephemeral_storage_mb: cfg.ephemeral_storage_mb,
    };
    let mut lines = bill(&usage, OWN_LINES, book, d.free)?;
    lines.extend(ingress::lambda_front(
        cfg.ingress,
        requests,
        d.request.payload_kb,
        book,
    )?);
    let throttled_share = if requests > 0.0 {
        sim.throttled * periods / requests
    } else {
        0.0
    };
    let latency = Latency {
        p50: sim.latency.quantile(0.5),
        p99: sim.latency.quantile(0.99),
    };

    let mut verdict = Assessment::new();
    let limit = cfg.concurrency_limit.max(1) as f64;
    if sim.duration_ms > TIMEOUT_MS {
        verdict.infeasible(format!(
            "An invocation takes {:.0} s, over Lambda's 15-minute timeout.",
            sim.duration_ms / 1000.0
        ));
    }
    if d.request.memory_mb > MAX_MEMORY_MB {
        verdict.infeasible(format!(
            "A request needs {} MB, over Lambda's 10,240 MB maximum.",
            d.request.memory_mb
        ));
    }
    if d.request.payload_kb > SYNC_PAYLOAD_KB {
        verdict.infeasible(format!(
            "Payload of {:.0} KB exceeds the 6 MB synchronous invocation limit.",
            d.request.payload_kb
        ));
    }
    if throttled_share > 0.0 {
        let peak_need = d.curve.peak() * sim.duration_ms / 1000.0;
        let when = sim
            .worst_throttle_step
            .map(|(t, share)| {
                format!(
                    " (worst at {}: {})",
                    clock(
                        t as f64 * d.curve.step_s,
                        d.curve.step_s * d.curve.rps.len() as f64
                    ),
                    pct(share)
                )
            })
            .unwrap_or_default();
        let cause = if sim.scaling_throttled > sim.throttled * 0.5 {
            format!(
                "concurrency rises faster than Lambda adds environments ({:.0} per 10 s)",
                scaling
            )
        } else {
            format!(
                "peak concurrency {:.0} against a limit of {:.0}",
                peak_need, limit
            )
        };
        let finding = format!(
            "Throttles {} of requests: {cause}{when}.",
            pct(throttled_share)
        );
        if throttled_share > d.max_throttled_share() {
            verdict.infeasible(finding);
        } else {
            verdict.risk(finding);
        }
    }
    if let Some(target) = d.p99_target_ms()
        && latency.p99 > target
    {
        verdict.infeasible(format!(
            "p99 latency {:.0} ms misses the {:.0} ms SLO (cold starts add {:.0} ms).",
            latency.p99, target, cfg.cold_start_ms
        ));
    }
    let cold_share = if served > 0.0 {
        usage.cold_starts / served
    } else {
        0.0
    };
    if cold_share > 0.001 {
        verdict.risk(format!(
            "Cold starts on {} of requests, each adding about {:.0} ms.",
            pct(cold_share),
            cfg.cold_start_ms
        ));
    }

    let mut config = base_config(cfg, memory_mb);
    config.insert("duration_ms".into(), json!(round1(sim.duration_ms)));
    Ok(OptionPlan::new(
        Platform::Lambda,
        lines,
        verdict,
        Figures {
            config,
            throughput_rps: (limit * 1000.0 / sim.duration_ms.max(1.0)).min(10.0 * limit),
            capacity: Capacity {
                peak: sim.peak_concurrency,
                unit: "concurrent executions".into(),
            },
            latency_ms: latency,
            throttled_share,
            makespan_s: None,
            capacity_rps: Vec::new(),
        },
    ))
}

/// A fan-out job on Lambda: a driver invokes one function per item asynchronously; Lambda
/// runs up to the concurrency limit at once, adding environments at the scaling rate.
fn fanout_at(
    d: &Demand,
    job: &Job,
    cfg: &LambdaConfig,
    book: &PriceBook,
    scaling: f64,
    memory_mb: u32,
) -> Result<OptionPlan, Missing> {
    let dur = duration_ms(&d.request, memory_mb);
    let items = job.items as f64;
    let limit = cfg.concurrency_limit.max(1) as f64;
    let runs = job.runs_per_month;
    let run = run_waves(items, limit, scaling, dur, cfg.cold_start_ms);
    let cold_per_run = cold_per_run(runs, run.environments);
    // Async events: the first 256 KB is one request, each further 64 KB one more.
    let per_item_requests = 1.0 + ((d.request.payload_kb - 256.0).max(0.0) / 64.0).ceil();
    let usage = Usage {
        arch: cfg.architecture,
        memory_mb,
        requests: items * runs * per_item_requests,
        duration_ms: dur,
        provisioned: None,
        cold_starts: cold_per_run * runs,
        init_ms: cfg.cold_start_ms,
        ephemeral_storage_mb: cfg.ephemeral_storage_mb,
    };
    let lines = bill(&usage, OWN_LINES, book, d.free)?;
    let mut verdict = Assessment::new();
    if dur > TIMEOUT_MS {
        verdict.infeasible(format!(
            "An item takes {:.0} s, over Lambda's 15-minute timeout.",
            dur / 1000.0
        ));
    }
    if d.request.payload_kb > ASYNC_PAYLOAD_KB {
        verdict.infeasible(format!(
            "Item payload of {:.0} KB exceeds the 1 MB asynchronous invocation limit.",
            d.request.payload_kb
        ));
    }
    if let Some(deadline) = job.deadline_s
        && run.makespan_s > deadline
    {
        verdict.infeasible(format!(
            "A run takes {:.0} s, missing the {:.0} s deadline ({:.0} items at most {:.0} at once).",
            run.makespan_s, deadline, items, run.environments
        ));
    }
    if run.environments >= limit && items > limit {
        verdict.risk(format!(
            "The run is capped by the concurrency limit of {limit:.0}: {:.0} waves of items.",
            (items / limit).ceil()
        ));
    }
    let cold_share = if items > 0.0 {
        cold_per_run / items
    } else {
        0.0
    };
    let mut latency = LatencyMix::new();
    latency.add_fixed(items - cold_per_run, dur);
    latency.add_fixed(cold_per_run, dur + cfg.cold_start_ms);
    if cold_share > 0.001 {
        verdict.risk(format!(
            "Each run starts cold: {:.0} new environments, {} of items wait an extra {:.0} ms.",
            cold_per_run,
            pct(cold_share),
            cfg.cold_start_ms
        ));
    }
    let mut config = base_config(cfg, memory_mb);
    config.insert("duration_ms".into(), json!(round1(dur)));
    config.insert("invocation".into(), json!("asynchronous, one per item"));
    Ok(OptionPlan::new(
        Platform::Lambda,
        lines,
        verdict,
        Figures {
            config,
            throughput_rps: run.environments * 1000.0 / dur.max(1.0),
            capacity: Capacity {
                peak: run.environments,
                unit: "concurrent executions".into(),
            },
            latency_ms: Latency {
                p50: latency.quantile(0.5),
                p99: latency.quantile(0.99),
            },
            throttled_share: 0.0,
            makespan_s: Some(run.makespan_s),
            capacity_rps: Vec::new(),
        },
    ))
}

/// How a batch of `items` runs on functions: concurrency ramps up at the scaling rate
/// (`per_10s` new environments every 10 s, the first batch at once) to at most `limit`;
/// each environment starts cold once, then takes items one after another.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Waves {
    pub makespan_s: f64,
    /// Most environments running at once.
    pub environments: f64,
}

pub fn run_waves(items: f64, limit: f64, per_10s: f64, duration_ms: f64, cold_ms: f64) -> Waves {
    if items <= 0.0 {
        return Waves {
            makespan_s: 0.0,
            environments: 0.0,
        };
    }
    let target = items.min(limit).max(1.0);
    let dur_s = (duration_ms / 1000.0).max(1e-6);
    let cold_s = cold_ms / 1000.0;
    // Environments available at time t: per_10s * (1 + floor(t/10)), up to target. Each
    // environment added at time s completes items from s + cold_s at 1/dur_s per second.
    let batch = per_10s.max(1.0);
    let done_by = |t: f64| -> f64 {
        let mut total = 0.0;
        let mut k = 0.0;
        loop {
            let start = k * 10.0;
            let added = (target - k * batch).clamp(0.0, batch);
            if added <= 0.0 || start > t {
                break;
            }
            let working = (t - start - cold_s).max(0.0);
            total += added * (working / dur_s).floor();
            k += 1.0;
        }
        total
    };
    // Find the first time all items are done (each finishes a whole item at a time).
    let mut hi = cold_s + dur_s * (items / target).ceil() + 10.0 * (target / batch).ceil() + dur_s;
    while done_by(hi) < items {
        hi *= 2.0;
    }
    let mut lo = 0.0;
    for _ in 0..60 {
        let mid = (lo + hi) / 2.0;
        if done_by(mid) >= items {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Waves {
        makespan_s: hi,
        environments: target,
    }
}

fn base_config(cfg: &LambdaConfig, memory_mb: u32) -> BTreeMap<String, serde_json::Value> {
    let mut c = BTreeMap::new();
    c.insert("architecture".into(), json!(cfg.architecture.as_str()));
    c.insert("memory_mb".into(), json!(memory_mb));
    c.insert(
        "memory_choice".into(),
        json!(if cfg.memory_mb.fixed().is_some() {
            "fixed"
        } else {
            "auto"
        }),
    );
    c.insert("concurrency_limit".into(), json!(cfg.concurrency_limit));
    c.insert(
        "provisioned_concurrency".into(),
        json!(cfg.provisioned_concurrency),
    );
    c.insert(
        "ephemeral_storage_mb".into(),
        json!(cfg.ephemeral_storage_mb),
    );
    c.insert(
        "ingress".into(),
        serde_json::to_value(cfg.ingress).unwrap_or(serde_json::Value::Null),
    );
    c
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::billing::FreeTier;
    use crate::model::testkit::{book, flat_service as service};
    use crate::profile::{Shape, Slo};

    #[test]
    fn duration_scales_cpu_part_with_memory() {
        let req = Request {
            duration_ms: 120.0,
            cpu_ms: 30.0,
            threads: 1,
            memory_mb: 128,
            payload_kb: 1.0,
        };
        assert!((duration_ms(&req, 1769) - 120.0).abs() < 1e-9);
        assert!(
            (duration_ms(&req, 3538) - 120.0).abs() < 1e-9,
            "one thread cannot use two vCPUs"
        );
        assert!((duration_ms(&req, 884) - (90.0 + 30.0 * 1769.0 / 884.0)).abs() < 1e-9);
        let two = Request { threads: 2, ..req };
        assert!((duration_ms(&two, 3538) - 105.0).abs() < 1e-9);
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
    fn monthly_cost_matches_hand_arithmetic() {
        // 10 rps flat for a month at 128 MB, 100 ms, x86: requests and GB-s by hand.
        let w = service(10.0, 100.0, 0.0, 128);
        let d = Demand::new(&w, FreeTier::none());
        let cfg = LambdaConfig {
            memory_mb: AutoOr::Fixed(128),
            ..LambdaConfig::default()
        };
        let o = evaluate(&d, &cfg, &book());
        let requests = 10.0 * MONTH_S;
        let expected = requests * 0.0000002 + requests * 0.1 * 0.125 * 0.0000166667;
        assert!(
            (o.monthly_cost_usd - expected).abs() < 0.01,
            "{} vs {expected}",
            o.monthly_cost_usd
        );
    }

    #[test]
    fn auto_memory_is_the_floor_without_slo_and_grows_for_slo() {
        let w = service(5.0, 400.0, 300.0, 256);
        let d = Demand::new(&w, FreeTier::none());
        let o = evaluate(&d, &LambdaConfig::default(), &book());
        assert_eq!(o.config["memory_mb"], serde_json::json!(256));
        let mut w2 = w.clone();
        w2.slo = Some(Slo {
            p99_latency_ms: Some(600.0),
            max_throttled_share: None,
        });
        let d2 = Demand::new(&w2, FreeTier::none());
        let o2 = evaluate(&d2, &LambdaConfig::default(), &book());
        assert!(o2.feasible, "{:?}", o2.risks);
        let m = o2.config["memory_mb"].as_u64().unwrap() as u32;
        // Smallest memory with 100 + 300 * 1769 / m + cold start <= 600 ms... cold starts are
        // rare on flat traffic, so p99 = duration: 300 * 1769 / m <= 500 -> m >= 1061.4.
        assert_eq!(m, 1062, "{:?}", o2.latency_ms);
    }

    #[test]
    fn throttles_over_the_concurrency_limit() {
        let w = service(2000.0, 1000.0, 0.0, 128);
        let d = Demand::new(&w, FreeTier::none());
        let o = evaluate(&d, &LambdaConfig::default(), &book());
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

    #[test]
    fn waves_follow_limit_and_scaling() {
        // 10,000 items of 1 s at 1,000 concurrency: 10 waves, cold start once.
        let w = run_waves(10_000.0, 1000.0, 1000.0, 1000.0, 500.0);
        assert_eq!(w.environments, 1000.0);
        assert!((w.makespan_s - 10.5).abs() < 0.01, "{}", w.makespan_s);
        // 3,000 concurrency: environments arrive 1,000 per 10 s; the first thousand work
        // from t = 0, so 30,000 items finish when 1000 t + 1000 (t - 10) + 1000 (t - 20) = 30,000.
        let w = run_waves(30_000.0, 3000.0, 1000.0, 1000.0, 0.0);
        assert!((w.makespan_s - 20.0).abs() < 0.01, "{}", w.makespan_s);
    }

    #[test]
    fn functions_billed_together_walk_the_tiers_on_their_aggregate() {
        // Two functions of 5 billion GB-s each: alone, each stays in the first tier (6 billion
        // GB-s); together they cross it, so both pay the aggregate's average unit price.
        let usage = Usage {
            arch: Architecture::X86_64,
            memory_mb: 1024,
            requests: 5e9,
            duration_ms: 1000.0,
            provisioned: None,
            cold_starts: 0.0,
            init_ms: 0.0,
            ephemeral_storage_mb: FREE_EPHEMERAL_MB,
        };
        let b = book();
        let alone = bill_functions(&[usage], TASK_LINES, &b, FreeTier::none()).unwrap();
        assert_eq!(
            alone,
            bill(&usage, TASK_LINES, &b, FreeTier::none()).unwrap()
        );
        let both = bill_functions(&[usage, usage], TASK_LINES, &b, FreeTier::none()).unwrap();
        let duration: Vec<_> = both
            .iter()
            .filter(|l| l.item == "lambda_duration")
            .collect();
        assert_eq!(duration.len(), 1);
        let expected = 6e9 * 0.0000166667 + 4e9 * 0.000015;
        assert!(
            (duration[0].cost_usd - expected).abs() < 1e-3,
            "{} vs {expected}",
            duration[0].cost_usd
        );
    }

    #[test]
    fn missing_price_is_named_not_zero() {
        let mut b = book();
        b.prices.remove("lambda.duration.x86_64");
        let w = service(1.0, 100.0, 0.0, 128);
        let o = evaluate(
            &Demand::new(&w, FreeTier::none()),
            &LambdaConfig::default(),
            &b,
        );
        assert!(!o.feasible);
        assert!(
            o.risks[0].contains("lambda.duration.x86_64"),
            "{:?}",
            o.risks
        );
    }
}
