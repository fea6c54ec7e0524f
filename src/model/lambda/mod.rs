//! AWS Lambda: duration by memory, billing ([`bill()`], the one place Lambda's billing rules
//! live), concurrency against the limit and the scaling rate, cold starts and throttling
//! (`walk`), fan-out jobs (`fanout`), and the `memory_mb: auto` search. Step Functions task
//! states are Lambda functions and use the same pieces: `walk_environments` and `cold_starts`,
//! `search_memory`, `cold_per_run`, and `bill` (`bill_functions` for several).

mod bill;
mod fanout;
pub mod queue;
pub mod stream;
mod walk;

pub use bill::{
    LineNames, OWN_LINES, Provisioned, TASK_LINES, Usage, bill, bill_functions, under_savings_plan,
};
pub use fanout::{Waves, cold_per_run, run_waves};
pub use walk::{Growth, cold_starts, environments_wanted, walk_environments};

use super::assess::{Assessment, QuotaNeed};
use super::demand::Demand;
use super::ingress;
use super::plan::{Capacity, Figures, Latency, OptionPlan, Platform};
use super::traffic::MONTH_S;
use super::words::{self, pct};
use crate::pricing::{Missing, PriceBook, keys};
use crate::profile::{AutoOr, LambdaConfig, Request, Work};
use fanout::fanout_at;
use serde_json::json;
use std::collections::BTreeMap;
use walk::simulate;

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

/// Concurrency AWS keeps unreserved: a function can reserve at most the account's quota less
/// this (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html).
pub const UNRESERVED_MIN: u32 = 100;

/// What bounds a function's concurrency: a reserved concurrency the team chose (stated,
/// a hard limit), else the account's concurrent executions quota: the account's own value
/// when the profile states it (a hard limit), or AWS's default from the book (a request
/// away, so not a wall: the function runs at what it needs and the quota check says so).
#[derive(Debug, Clone, PartialEq)]
pub struct Concurrency {
    pub reserved: Option<u32>,
    pub account: crate::pricing::Quota,
}

impl Concurrency {
    pub fn of(cfg: &LambdaConfig, book: &PriceBook) -> Result<Concurrency, Missing> {
        Ok(Concurrency {
            reserved: cfg.concurrency_limit,
            account: book.quota(keys::Q_LAMBDA_CONCURRENCY)?.clone(),
        })
    }

    /// The hard limit the model enforces (throttles beyond it), if any.
    pub fn wall(&self) -> Option<u32> {
        self.reserved.or_else(|| {
            self.account
                .stated
                .then(|| self.account.value.clamp(1.0, u32::MAX as f64) as u32)
        })
    }

    /// The hard limit as a number of executions (infinite without one).
    pub fn limit(&self) -> f64 {
        self.wall().map_or(f64::INFINITY, f64::from)
    }

    /// The concurrency a fan-out job runs at: its wall; without one, AWS's default quota
    /// when that meets the deadline (`makespan_s` of a concurrency), else the least
    /// concurrency that does (a quota request away), or every item at once when none does.
    pub fn for_job(
        &self,
        items: f64,
        deadline_s: Option<f64>,
        makespan_s: impl Fn(f64) -> f64,
    ) -> f64 {
        if let Some(w) = self.wall() {
            return f64::from(w);
        }
        let default = self.account.value.max(1.0);
        let meets = |c: f64| deadline_s.is_none_or(|dl| makespan_s(c) <= dl);
        if items <= default || meets(default) {
            return default;
        }
        if !meets(items) {
            return items;
        }
        let (mut lo, mut hi) = (default, items);
        while hi - lo > 1.0 {
            let mid = ((lo + hi) / 2.0).floor();
            if meets(mid) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        hi
    }

    /// The concurrency the function can count on: its wall, else the default quota (for
    /// the throughput figure).
    pub fn capacity(&self) -> f64 {
        self.wall().map_or(self.account.value, f64::from).max(1.0)
    }

    /// `cfg` with the wall as its `concurrency_limit`, for the walk and the waves, which
    /// throttle beyond it ([`wall`]); no wall, no limit.
    pub fn applied(&self, cfg: &LambdaConfig) -> LambdaConfig {
        LambdaConfig {
            concurrency_limit: self.wall(),
            ..cfg.clone()
        }
    }

    /// The account quota check ([`Assessment::quota`]) for a function that peaks at `peak`
    /// concurrent executions: a reserved concurrency needs the quota to hold it and the 100
    /// AWS keeps unreserved.
    pub fn check(&self, verdict: &mut Assessment, peak: f64) {
        let (need, unit) = match self.reserved {
            Some(r) => (
                f64::from(r) + f64::from(UNRESERVED_MIN),
                format!(
                    "concurrent executions (the {} reserved plus the {UNRESERVED_MIN} AWS keeps \
                     unreserved)",
                    crate::format::count(f64::from(r))
                ),
            ),
            None => (peak, "concurrent executions".to_string()),
        };
        verdict.quota(QuotaNeed {
            name: keys::quota_name(keys::Q_LAMBDA_CONCURRENCY).unwrap_or("Lambda concurrency"),
            quota: &self.account,
            need,
            unit: &unit,
        });
    }
}

/// The concurrency limit the walk and the waves enforce: `cfg.concurrency_limit` as
/// [`Concurrency::applied`] set it, none (effectively unbounded) without one.
pub fn wall(cfg: &LambdaConfig) -> u32 {
    cfg.concurrency_limit.unwrap_or(u32::MAX).max(1)
}

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

/// Evaluate the workload on Lambda.
pub fn evaluate(d: &Demand, cfg: &LambdaConfig, book: &PriceBook) -> OptionPlan {
    evaluate_near(d, cfg, book, None)
}

/// [`evaluate`], its `auto` memory searched from `hint` (the sizes found for the same
/// workload at neighbouring rates, [`search_memory_near`]): the same plan, in fewer walks
/// when the hint is good.
pub fn evaluate_near(
    d: &Demand,
    cfg: &LambdaConfig,
    book: &PriceBook,
    hint: Option<MemoryHint>,
) -> OptionPlan {
    OptionPlan::answer(Platform::Lambda, cfg.enabled, || {
        try_evaluate(d, cfg, book, hint)
    })
}

/// The memory size chosen in a plan of [`evaluate`] (`config.memory_mb`).
pub fn memory_of(plan: &OptionPlan) -> Option<u32> {
    plan.config
        .get("memory_mb")
        .and_then(serde_json::Value::as_u64)
        .and_then(|m| u32::try_from(m).ok())
}

fn try_evaluate(
    d: &Demand,
    cfg: &LambdaConfig,
    book: &PriceBook,
    hint: Option<MemoryHint>,
) -> Result<OptionPlan, Missing> {
    let scaling = book.quota(keys::Q_LAMBDA_SCALING)?.value;
    let concurrency = Concurrency::of(cfg, book)?;
    let cfg = &concurrency.applied(cfg);
    // Fail on a missing price before searching.
    book.price(&keys::lambda_requests(cfg.architecture))?;
    book.price(&keys::lambda_duration(cfg.architecture))?;
    let floor = d.request.memory_mb.clamp(MIN_MEMORY_MB, MAX_MEMORY_MB);
    match cfg.memory_mb {
        AutoOr::Fixed(m) => option_at(
            d,
            cfg,
            book,
            &concurrency,
            scaling,
            None,
            m.clamp(MIN_MEMORY_MB, MAX_MEMORY_MB),
        ),
        AutoOr::Auto => {
            // A queue's walks at every size share the batches its receives gather.
            let gathers = match &*d.work {
                Work::Queue { queue, .. } => Some(queue::gathered(d, queue)),
                Work::Service { .. }
                | Work::Workflow { .. }
                | Work::Fanout { .. }
                | Work::Stream { .. } => None,
            };
            search_memory_near(
                &d.request,
                floor,
                hint,
                |m| option_at(d, cfg, book, &concurrency, scaling, gathers.as_ref(), m),
                |plan| plan.feasible,
                closest,
            )
        }
    }
}

/// When no memory size is feasible: of the smallest size and the fastest useful one, the one
/// that fails the fewest limits, the cheaper (smallest) on a tie, saying so and what the other
/// would cost. More memory that does not cure a failure (a concurrency wall, a payload
/// limit) is not worth showing at three times the price.
fn closest(mut smallest: OptionPlan, mut fastest: OptionPlan) -> OptionPlan {
    let memory = |o: &OptionPlan| memory_of(o).unwrap_or_default();
    let failing = |o: &OptionPlan| o.limits_failed;
    let take_fastest = failing(&fastest) < failing(&smallest);
    let (shown, other) = if take_fastest {
        (&mut fastest, &smallest)
    } else {
        (&mut smallest, &fastest)
    };
    let why = if take_fastest {
        "the size that fails the fewest limits"
    } else {
        "the cheapest of the sizes that fail the fewest limits"
    };
    let other_failure = other
        .risks
        .first()
        .map(|r| format!(" and still fails ({})", r.trim_end_matches('.')))
        .unwrap_or_default();
    let note = format!(
        "No memory size meets every limit: shown at {} MB, {why}. At {} MB it would cost \
         {}/month{other_failure}.",
        crate::format::count(memory(shown) as f64),
        crate::format::count(memory(other) as f64),
        crate::format::usd(other.monthly_cost_usd),
    );
    shown.risks.push(note);
    if take_fastest { fastest } else { smallest }
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
    at: impl FnMut(u32) -> Result<T, E>,
    meets: impl Fn(&T) -> bool,
) -> Result<T, E> {
    search_memory_near(request, floor, None, at, meets, |_, fastest| fastest)
}

/// Where a memory search's answer is expected, from the sizes the search found for the same
/// workload at neighbouring rates: a `guess`, at least the size found at a lower rate and at
/// most the one found at a higher rate (more traffic needs no less memory to meet the same
/// SLO). The search checks what it is told before it trusts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryHint {
    pub guess: u32,
    pub at_least: Option<u32>,
    pub at_most: Option<u32>,
}

/// [`search_memory`], with `closest` choosing what to show when no size meets the criterion
/// (given the plans at the floor and at the fastest useful size, in that order), starting
/// from `hint` when there is one: the guess, then steps of 1,
/// 2, 4, ... MB (or a 64th of the gap between the bounds, doubling) away from it (down while sizes meet, up while they miss; each at most to the
/// hint's bound on that side first, and up past the bound only once the fastest useful size
/// is known to meet) until a size that misses and one that meets bracket the answer, which
/// a bisection then finds. The answer is the same as without the hint (`meets` is monotone
/// in memory, so the smallest size that meets lies in any such bracket); a guess a few MB
/// off costs a few plans where the whole range costs a dozen, and a plan no size cures
/// costs two or three, as without a hint.
pub fn search_memory_near<T, E>(
    request: &Request,
    floor: u32,
    hint: Option<MemoryHint>,
    mut at: impl FnMut(u32) -> Result<T, E>,
    meets: impl Fn(&T) -> bool,
    closest: impl FnOnce(T, T) -> T,
) -> Result<T, E> {
    let useful_max = if request.cpu_ms > 0.0 {
        ((MB_PER_VCPU * request.threads.max(1) as f64).ceil() as u32).clamp(floor, MAX_MEMORY_MB)
    } else {
        floor
    };
    if let Some(h) = hint.filter(|_| useful_max > floor) {
        let guess = h.guess.clamp(floor, useful_max);
        // The first step: a guess between bounds far apart is further off (order-events'
        // break-even probes: about a 30th of the gap).
        let first_step = match (h.at_least, h.at_most) {
            (Some(l), Some(u)) if u > l => ((u - l) / 64).max(1),
            _ => 1,
        };
        let first = at(guess)?;
        if meets(&first) {
            // Down from the guess to a size that misses.
            let (mut hi, mut best, mut step) = (guess, first, first_step);
            while hi > floor {
                let mut x = hi.saturating_sub(step).max(floor);
                if let Some(l) = h.at_least.filter(|&l| l > floor && l - 1 < hi) {
                    x = x.max(l - 1);
                }
                let plan = at(x)?;
                if !meets(&plan) {
                    return bisect(x, hi, best, at, meets);
                }
                (hi, best, step) = (x, plan, step.saturating_mul(2));
            }
            // The floor meets.
            return Ok(best);
        }
        // Up from the guess to a size that meets, at most to the hint's upper bound. Past it
        // (or without one) the fastest useful size first, as the whole search does: a plan
        // no size cures costs no more walks than there.
        let (mut lo, mut step) = (guess, first_step);
        let mut top = h.at_most.filter(|&u| u > guess && u < useful_max);
        loop {
            let Some(t) = top else {
                let fastest = at(useful_max)?;
                if !meets(&fastest) {
                    let at_floor = if guess == floor { first } else { at(floor)? };
                    if meets(&at_floor) {
                        return Ok(at_floor);
                    }
                    return Ok(closest(at_floor, fastest));
                }
                return gallop_up(lo, useful_max, fastest, at, meets);
            };
            let x = lo.saturating_add(step).min(t);
            let plan = at(x)?;
            if meets(&plan) {
                return bisect(lo, x, plan, at, meets);
            }
            if x == t {
                // The bound missed too.
                top = None;
            }
            (lo, step) = (x, step.saturating_mul(2));
        }
    }
    let at_floor = at(floor)?;
    if meets(&at_floor) || useful_max == floor {
        return Ok(at_floor);
    }
    let best = at(useful_max)?;
    if !meets(&best) {
        // Nothing meets the criterion: the caller says which comes closest.
        return Ok(closest(at_floor, best));
    }
    bisect(floor, useful_max, best, at, meets)
}

/// [`bisect`] after steps of 1, 2, 4, ... MB up from `lo` (which misses) while they miss:
/// the size found is the same, in fewer plans when it lies near `lo`.
fn gallop_up<T, E>(
    mut lo: u32,
    hi: u32,
    at_hi: T,
    mut at: impl FnMut(u32) -> Result<T, E>,
    meets: impl Fn(&T) -> bool,
) -> Result<T, E> {
    let mut step = 1_u32;
    loop {
        let x = lo.saturating_add(step);
        if x >= hi {
            return bisect(lo, hi, at_hi, at, meets);
        }
        let plan = at(x)?;
        if meets(&plan) {
            return bisect(lo, x, plan, at, meets);
        }
        (lo, step) = (x, step.saturating_mul(2));
    }
}

/// The smallest size in `(lo, hi]` that meets, at 1 MB resolution, with its plan: `lo`
/// misses and `hi` meets (its plan `at_hi`).
fn bisect<T, E>(
    mut lo: u32,
    mut hi: u32,
    at_hi: T,
    mut at: impl FnMut(u32) -> Result<T, E>,
    meets: impl Fn(&T) -> bool,
) -> Result<T, E> {
    let mut best = at_hi;
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

/// The Lambda option at `memory_mb`; `gathers`: a queue's [`queue::gathered`], made once for
/// a memory search.
#[allow(clippy::too_many_arguments)]
fn option_at(
    d: &Demand,
    cfg: &LambdaConfig,
    book: &PriceBook,
    concurrency: &Concurrency,
    scaling: f64,
    gathers: Option<&queue::Gathered>,
    memory_mb: u32,
) -> Result<OptionPlan, Missing> {
    match &*d.work {
        Work::Fanout { job } => {
            return fanout_at(d, job, cfg, book, concurrency, scaling, memory_mb);
        }
        Work::Queue { queue, .. } => {
            return queue::queue_at(d, queue, cfg, book, concurrency, gathers, memory_mb);
        }
        Work::Stream { stream, .. } => {
            return stream::stream_at(d, stream, cfg, book, concurrency, memory_mb);
        }
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
        &d.curve,
        requests,
        d.request.payload_kb,
        sim.duration_ms,
        d.network.map_or(1.0, |n| n.requests_per_connection),
        book,
    )?);
    lines.extend(super::network::serverless(
        d,
        cfg.ingress == crate::profile::LambdaIngress::Alb,
        book,
    )?);
    // Every request that ran is one invocation: its application logs and Lambda's own lines.
    lines.extend(super::logs::lambda(d, served, served, book)?);
    // Under a Compute Savings Plan: sized to the steady baseline, the quietest minute's rate
    // held all month (its share of the month's requests).
    let bought = if cfg.purchase.is_commitment() {
        let on_demand = crate::model::billing::total(&lines);
        let quietest = d.curve.rps.iter().copied().fold(f64::INFINITY, f64::min);
        let mean = d.curve.mean();
        let steady = if quietest.is_finite() && mean > 0.0 {
            (quietest / mean).clamp(0.0, 1.0)
        } else {
            0.0
        };
        lines = under_savings_plan(lines, cfg.architecture, cfg.purchase, steady, book)?;
        Some(crate::model::plan::Bought {
            purchase: cfg.purchase,
            on_demand_monthly_cost_usd: on_demand,
            committed_units: 0.0,
            committed_share: steady,
        })
    } else {
        None
    };
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
    let limit = wall(cfg) as f64;
    if sim.duration_ms > TIMEOUT_MS {
        verdict.infeasible(match d.callback_step() {
            Some(step) => format!(
                "An invocation would hold the workflow {} (step `{}` waits {} for a \
                 callback), over Lambda's 15-minute timeout: run it on Step Functions Standard.",
                words::duration(sim.duration_ms / 1000.0),
                step.name,
                words::duration(step.callback_ms() / 1000.0)
            ),
            None => format!(
                "An invocation takes {:.0} s, over Lambda's 15-minute timeout.",
                sim.duration_ms / 1000.0
            ),
        });
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
    if cfg.ingress == crate::profile::LambdaIngress::Alb {
        // `payload_kb` is request + response; an ALB takes at most 1 MB each way.
        let body = ingress::ALB_LAMBDA_BODY_KB;
        if d.request.payload_kb > 2.0 * body {
            verdict.infeasible(format!(
                "Payload of {:.0} KB (request + response) is over what an ALB passes to and from a Lambda target: 1 MB each way.",
                d.request.payload_kb
            ));
        } else if d.request.payload_kb > body {
            verdict.risk(format!(
                "Payload of {:.0} KB (request + response): behind an ALB the request body and the response may each be at most 1 MB.",
                d.request.payload_kb
            ));
        }
    }
    if throttled_share > 0.0 {
        let peak_need = d.curve.peak() * sim.duration_ms / 1000.0;
        let when = sim
            .worst_throttle_step
            .map(|(t, share)| format!(" (worst at {}: {})", d.curve.time_of_step(t), pct(share)))
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
        verdict.infeasible_if(throttled_share > d.max_throttled_share(), finding);
    }
    if let Some(target) = d.p99_target_ms()
        && latency.p99 > target
    {
        verdict.infeasible(format!(
            "p99 latency {:.0} ms misses the {:.0} ms SLO (cold starts add {:.0} ms).",
            latency.p99, target, cfg.cold_start_ms
        ));
    }
    concurrency.check(&mut verdict, sim.peak_concurrency);
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
    let mut plan = OptionPlan::new(
        Platform::Lambda,
        lines,
        verdict,
        Figures {
            config,
            throughput_rps: {
                let c = concurrency.capacity();
                (c * 1000.0 / sim.duration_ms.max(1.0)).min(10.0 * c)
            },
            capacity: Capacity {
                peak: sim.peak_concurrency,
                unit: "concurrent executions".into(),
            },
            latency_ms: latency,
            throttled_share,
            makespan_s: None,
            capacity_rps: Vec::new(),
        },
    );
    plan.purchase = bought;
    Ok(plan)
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
    use crate::model::testkit::{book, book_with_quotas, flat_service as service};
    use crate::profile::Slo;

    /// A request whose useful sizes run from `floor` to 1,769 MB per thread.
    fn cpu_request(threads: u32) -> Request {
        Request {
            duration_ms: 100.0,
            cpu_ms: 50.0,
            threads,
            runtime: Default::default(),
            memory_mb: 128,
            payload_kb: 1.0,
        }
    }

    /// The size `search_memory_near` finds (each "plan" is its size) for sizes meeting from
    /// `smallest` up, and how many sizes it planned.
    fn found(
        request: &Request,
        floor: u32,
        smallest: u32,
        hint: Option<MemoryHint>,
    ) -> (u32, usize) {
        let mut planned = 0;
        let size = search_memory_near(
            request,
            floor,
            hint,
            |m| {
                planned += 1;
                Ok::<u32, ()>(m)
            },
            |&m| m >= smallest,
            |_, fastest| fastest,
        );
        (size.unwrap_or_default(), planned)
    }

    proptest::proptest! {
        /// Whatever the hint (right, a few MB off, or wrong, its bounds crossed), the search
        /// finds the size the whole bisection finds: the hint only orders the probes.
        #[test]
        fn a_memory_hint_never_changes_the_size_found(
            threads in 1u32..4,
            floor in 128u32..1024,
            smallest in 100u32..7200,
            guess in 0u32..12_000,
            at_least in proptest::option::of(0u32..12_000),
            at_most in proptest::option::of(0u32..12_000),
        ) {
            let request = cpu_request(threads);
            let hint = MemoryHint { guess, at_least, at_most };
            let (whole, _) = found(&request, floor, smallest, None);
            let (hinted, _) = found(&request, floor, smallest, Some(hint));
            proptest::prop_assert_eq!(hinted, whole);
        }
    }

    #[test]
    fn a_good_hint_takes_a_few_plans_where_the_whole_range_takes_a_dozen() {
        let request = cpu_request(1);
        let (size, whole) = found(&request, 256, 566, None);
        assert_eq!(size, 566);
        assert!(whole >= 11, "{whole} plans");
        let exact = MemoryHint {
            guess: 566,
            at_least: Some(560),
            at_most: Some(600),
        };
        assert_eq!(found(&request, 256, 566, Some(exact)), (566, 2));
        // 5 MB low, then 5 MB high: a step up (or down) of 1, 2, 4, 8 and a short bisection.
        for guess in [561, 571] {
            let near = MemoryHint { guess, ..exact };
            let (size, planned) = found(&request, 256, 566, Some(near));
            assert_eq!(size, 566);
            assert!(planned <= 7, "{guess}: {planned} plans");
        }
    }

    #[test]
    fn a_hint_costs_no_more_than_the_whole_search_when_no_size_meets() {
        let request = cpu_request(1);
        let (_, whole) = found(&request, 256, u32::MAX, None);
        assert_eq!(whole, 2, "the floor and the fastest useful size");
        for guess in [256, 600] {
            let hint = MemoryHint {
                guess,
                at_least: Some(256),
                at_most: None,
            };
            let (_, planned) = found(&request, 256, u32::MAX, Some(hint));
            assert!(planned <= 3, "{guess}: {planned} plans");
        }
    }

    #[test]
    fn duration_scales_cpu_part_with_memory() {
        let req = Request {
            duration_ms: 120.0,
            cpu_ms: 30.0,
            threads: 1,
            runtime: Default::default(),
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

    /// The shipped book with a TEST Compute Savings Plan rate for x86 duration (on demand
    /// $0.0000166667): $0.0000140000 per GB-second (16% off).
    fn book_with_savings_plan() -> PriceBook {
        let mut b = book();
        b.prices.insert(
            keys::lambda_savings_plan(
                "duration",
                crate::profile::Architecture::X86_64,
                crate::profile::Purchase::SavingsPlan1y,
            ),
            crate::pricing::Price {
                unit: "GB-second".into(),
                tiers: vec![crate::pricing::Tier {
                    upto: None,
                    usd: 0.000014,
                }],
                source: "test rate".into(),
            },
        );
        b
    }

    #[test]
    fn a_savings_plan_discounts_duration_on_the_steady_baseline_not_requests() {
        let cfg = LambdaConfig {
            memory_mb: AutoOr::Fixed(128),
            purchase: crate::profile::Purchase::SavingsPlan1y,
            ..LambdaConfig::default()
        };
        let b = book_with_savings_plan();
        // Flat: the whole month's duration is steady, all at the plan's rate.
        let w = service(10.0, 100.0, 0.0, 128);
        let d = Demand::new(&w, FreeTier::none());
        let o = evaluate(&d, &cfg, &b);
        let requests = 10.0 * MONTH_S;
        let expected = requests * 0.0000002 + requests * 0.1 * 0.125 * 0.000014;
        assert!(
            (o.monthly_cost_usd - expected).abs() < 0.01,
            "{}",
            o.monthly_cost_usd
        );
        let req = o
            .cost_breakdown
            .iter()
            .find(|l| l.item == "requests")
            .unwrap();
        assert_eq!(req.unit, "request", "requests are not covered");
        let bought = o.purchase.as_ref().unwrap();
        assert!((bought.committed_share - 1.0).abs() < 1e-9);
        // Diurnal: only the quietest minute's share is covered, so it saves less.
        let mut bursty = w.clone();
        if let crate::profile::Work::Service { traffic } = &mut bursty.work {
            traffic.shape = crate::profile::Shape::Diurnal;
            traffic.peak_to_average = 3.0;
        }
        let d = Demand::new(&bursty, FreeTier::none());
        let od = evaluate(
            &d,
            &LambdaConfig {
                purchase: crate::profile::Purchase::OnDemand,
                ..cfg.clone()
            },
            &b,
        );
        let sp = evaluate(&d, &cfg, &b);
        let share = sp.purchase.as_ref().unwrap().committed_share;
        assert!(share > 0.0 && share < 1.0, "{share}");
        let saved = 1.0 - sp.monthly_cost_usd / od.monthly_cost_usd;
        let flat_saved = 1.0 - o.monthly_cost_usd / bought.on_demand_monthly_cost_usd;
        assert!(saved > 0.0 && saved < flat_saved, "{saved} vs {flat_saved}");
        // The shipped book has no Lambda Savings Plans rate: it cannot be priced.
        let o = evaluate(&d, &cfg, &book());
        assert!(!o.feasible);
        assert!(
            o.risks[0].contains("lambda.savings_plan_1y.duration.x86_64"),
            "{:?}",
            o.risks
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
            p99_message_age_s: None,
            p99_iterator_age_s: None,
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
    fn default_concurrency_quota_is_a_request_away_not_a_wall() {
        // 2,000 concurrent executions wanted.
        let w = service(2000.0, 1000.0, 0.0, 128);
        let d = Demand::new(&w, FreeTier::none());
        let o = evaluate(&d, &LambdaConfig::default(), &book());
        assert!(o.throttled_share < 1e-6, "{}", o.throttled_share);
        assert!(o.feasible, "{:?}", o.risks);
        assert!(
            o.quota_requests
                .iter()
                .any(|q| q.contains("2,000 concurrent executions")
                    && q.contains("Lambda concurrent executions quota's default of 1,000")),
            "{:?}",
            o.quota_requests
        );
        // The account's quota, stated in the profile: a hard limit.
        let stated = book_with_quotas(&[(keys::Q_LAMBDA_CONCURRENCY, 1000.0)]);
        let o = evaluate(&d, &LambdaConfig::default(), &stated);
        assert!(o.throttled_share > 0.45, "{}", o.throttled_share);
        assert!(!o.feasible);
        assert!(o.quota_requests.is_empty());
        // Stated high enough: nothing to ask for.
        let stated = book_with_quotas(&[(keys::Q_LAMBDA_CONCURRENCY, 5000.0)]);
        let o = evaluate(&d, &LambdaConfig::default(), &stated);
        assert!(o.feasible && o.quota_requests.is_empty(), "{:?}", o.risks);
    }

    #[test]
    fn a_reserved_concurrency_needs_the_quota_to_hold_it() {
        let w = service(10.0, 100.0, 0.0, 128);
        let d = Demand::new(&w, FreeTier::none());
        let cfg = LambdaConfig {
            concurrency_limit: Some(3000),
            ..LambdaConfig::default()
        };
        let o = evaluate(&d, &cfg, &book());
        assert!(o.feasible);
        assert!(
            o.quota_requests
                .iter()
                .any(|q| q.contains("3,100 concurrent executions")),
            "{:?}",
            o.quota_requests
        );
    }

    #[test]
    fn a_nightly_fanout_is_not_walled_by_the_default_quota() {
        // 10,000 items of 60 s, a 600 s deadline: at 1,000 at once it takes ten waves
        // (over 600 s); the default quota is a request away, so the job runs at the least
        // concurrency that meets the deadline and says it needs the request.
        let w = crate::model::testkit::fanout(
            10_000,
            30.0,
            Some(600.0),
            crate::model::testkit::req(60_000.0, 0.0, 128),
        );
        let d = Demand::new(&w, FreeTier::none());
        let o = evaluate(&d, &LambdaConfig::default(), &book());
        assert!(o.feasible, "{:?}", o.risks);
        assert!(
            o.makespan_s.unwrap_or(f64::INFINITY) <= 600.0,
            "{:?}",
            o.makespan_s
        );
        assert!(o.capacity.peak > 1000.0, "{:?}", o.capacity);
        assert!(
            o.quota_requests.iter().any(|q| q.contains(&format!(
                "{} concurrent executions",
                crate::format::count(o.capacity.peak)
            ))),
            "{:?}",
            o.quota_requests
        );
        // Without a deadline the default quota is enough: nothing to ask for.
        let w2 = crate::model::testkit::fanout(
            10_000,
            30.0,
            None,
            crate::model::testkit::req(60_000.0, 0.0, 128),
        );
        let o = evaluate(
            &Demand::new(&w2, FreeTier::none()),
            &LambdaConfig::default(),
            &book(),
        );
        assert_eq!(o.capacity.peak, 1000.0);
        assert!(o.quota_requests.is_empty(), "{:?}", o.quota_requests);
        let stated = book_with_quotas(&[(keys::Q_LAMBDA_CONCURRENCY, 1000.0)]);
        let o = evaluate(&d, &LambdaConfig::default(), &stated);
        assert!(!o.feasible, "{:?}", o.makespan_s);
    }

    #[test]
    fn an_infeasible_auto_memory_shows_the_closest_size_and_says_so() {
        // A reserved concurrency of 10 against 100 concurrent executions throttles at every
        // size: more memory only trims the CPU part. Shown at the floor (128 MB), not at the
        // fastest useful size (1,769 MB) at several times the price.
        let w = service(100.0, 1000.0, 100.0, 128);
        let d = Demand::new(&w, FreeTier::none());
        let cfg = LambdaConfig {
            concurrency_limit: Some(10),
            ..LambdaConfig::default()
        };
        let o = evaluate(&d, &cfg, &book());
        assert!(!o.feasible);
        assert_eq!(
            o.config["memory_mb"],
            serde_json::json!(128),
            "{:?}",
            o.risks
        );
        let note = o
            .risks
            .iter()
            .find(|r| r.starts_with("No memory size meets every limit"))
            .unwrap_or_else(|| panic!("{:?}", o.risks));
        assert!(note.contains("shown at 128 MB"), "{note}");
        assert!(note.contains("At 1,769 MB it would cost $"), "{note}");
        assert!(note.contains("still fails (Throttles"), "{note}");
        assert!(
            o.risks[0].starts_with("Throttles"),
            "what failed comes first"
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
