//! AWS Lambda: duration by memory, billing ([`bill()`], the one place Lambda's billing rules
//! live), concurrency against the limit and the scaling rate, cold starts and throttling
//! (`walk`), fan-out jobs (`fanout`), and the `memory_mb: auto` search. Step Functions task
//! states are Lambda functions and use the same pieces: `walk_environments` and `cold_starts`,
//! `search_memory`, `cold_per_run`, and `bill` (`bill_functions` for several).

mod bill;
mod fanout;
mod walk;

pub use bill::{LineNames, OWN_LINES, Provisioned, TASK_LINES, Usage, bill, bill_functions};
pub use fanout::{Waves, cold_per_run, run_waves};
pub use walk::{Growth, cold_starts, environments_wanted, walk_environments};

use super::assess::Assessment;
use super::demand::Demand;
use super::ingress;
use super::plan::{Capacity, Figures, Latency, OptionPlan, Platform};
use super::traffic::MONTH_S;
use super::words::pct;
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
    use crate::profile::Slo;

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
