//! AWS Step Functions: workflows (Standard or Express state machines whose task states run on
//! Lambda) and fan-out jobs (a Map state over the items, Inline or Distributed).
//!
//! Step Functions' own billing lives here (Standard state transitions; Express requests and
//! GB-hours, from GB-seconds with 100 ms / 64 MB rounding). Task states are Lambda functions and are billed
//! through `lambda::bill` only.
//!
//! Assumptions (stated in the option's config and risks where they matter):
//! - Orchestration overhead per transition is not modelled (0 ms): AWS publishes no figure.
//!   Latency is the execution duration plus Lambda cold starts in task states.
//! - API quotas are token buckets; the model uses the refill rate only (the bucket absorbs
//!   bursts shorter than the curve's step), so throttling is slightly pessimistic.
//! - Each task state is its own Lambda function (own memory, own warm pool); all share the
//!   account's Lambda concurrency limit.
//! - Distributed Map: the parent is a Standard execution; AWS bills it one state transition per
//!   child execution started. Children are Express (cheaper) unless an item runs over Express'
//!   5-minute limit, then Standard (each child bills its own transitions).
//! - Inline Map iterations are not billed as transitions themselves; the states inside an
//!   iteration are (one Task state per item here).

use super::billing::{self, FreeTier};
use super::demand::{Demand, DemandWork};
use super::lambda::{self, TASK_LINES, Usage};
use super::latency::LatencyMix;
use super::plan::{Capacity, Latency, LineItem, OptionPlan, Platform};
use super::traffic::{Curve, MONTH_S};
use crate::pricing::{Missing, PriceBook, keys};
use crate::profile::{
    Job, LambdaConfig, MapMode, Request, StateMachineType, StepFunctionsConfig, Workflow,
};
use serde_json::json;
use std::collections::BTreeMap;

/// Longest Express execution: 5 minutes.
pub const EXPRESS_MAX_MS: f64 = 300_000.0;
/// Standard execution history limit: the execution fails beyond it.
pub const HISTORY_MAX_EVENTS: f64 = 25_000.0;
/// Inline Map: "up to 40 concurrent iterations".
pub const INLINE_MAP_MAX_CONCURRENCY: f64 = 40.0;
/// Distributed Map: 10,000 parallel child executions unless told otherwise.
pub const DISTRIBUTED_MAP_MAX_CONCURRENCY: f64 = 10_000.0;
/// Input/output per state or execution: 256 KiB.
pub const PAYLOAD_MAX_KB: f64 = 256.0;
/// Open Standard executions per account and Region.
pub const MAX_OPEN_EXECUTIONS: f64 = 1_000_000.0;
/// Express billing granularity.
pub const EXPRESS_DURATION_STEP_MS: f64 = 100.0;
pub const EXPRESS_MEMORY_STEP_MB: u32 = 64;
/// Per-transition orchestration overhead the latency model adds. AWS publishes no figure for
/// either type, so the model adds nothing and says so.
pub const TRANSITION_OVERHEAD_MS: f64 = 0.0;

/// Transitions a fan-out run's parent makes besides its Map iterations: entering the Map
/// state, the state after it, and the end (an assumption: "a handful").
pub const FANOUT_PARENT_TRANSITIONS: f64 = 3.0;
/// Transitions billed per Inline Map iteration: the one Task state inside it (AWS does not
/// bill the iteration itself).
pub const INLINE_ITEM_TRANSITIONS: f64 = 1.0;
/// History events per Inline Map iteration running one Lambda Task: MapIterationStarted,
/// TaskStateEntered, TaskScheduled, TaskStarted, TaskSucceeded, TaskStateExited,
/// MapIterationSucceeded.
pub const INLINE_ITEM_EVENTS: f64 = 7.0;
/// History events of the parent around the Map: ExecutionStarted, MapStateEntered,
/// MapStateStarted, MapStateSucceeded, MapStateExited, ExecutionSucceeded, and a few spare.
pub const FANOUT_PARENT_EVENTS: f64 = 10.0;

/// Express billed duration: rounded up to the next 100 ms (at least 100 ms).
pub fn express_billed_ms(duration_ms: f64) -> f64 {
    // The small epsilon keeps 1000.0000000001 (float noise) at 1,000 ms.
    let steps = (duration_ms.max(0.0) / EXPRESS_DURATION_STEP_MS - 1e-9)
        .ceil()
        .max(1.0);
    steps * EXPRESS_DURATION_STEP_MS
}

/// Express billed memory: 64 MB chunks (at least one).
pub fn express_billed_mb(memory_mb: u32) -> u32 {
    memory_mb.div_ceil(EXPRESS_MEMORY_STEP_MB).max(1) * EXPRESS_MEMORY_STEP_MB
}

/// GB-seconds billed for `executions` Express executions of `duration_ms` using `memory_mb`.
pub fn express_gb_s(executions: f64, duration_ms: f64, memory_mb: u32) -> f64 {
    executions * express_billed_ms(duration_ms) / 1000.0 * express_billed_mb(memory_mb) as f64
        / 1024.0
}

/// Estimated Standard history events of one execution: each transition enters and exits a
/// state (2 events), each Lambda task adds scheduled/started/succeeded (3), plus the
/// execution's start and end events and a spare.
pub fn history_events(transitions: f64, task_states: usize) -> f64 {
    2.0 * transitions + 3.0 * task_states as f64 + 3.0
}

/// Evaluate the workload on Step Functions.
pub fn evaluate(
    d: &Demand,
    cfg: &StepFunctionsConfig,
    lambda: &LambdaConfig,
    book: &PriceBook,
) -> OptionPlan {
    OptionPlan::answer(Platform::StepFunctions, cfg.enabled, || {
        try_evaluate(d, cfg, lambda, book)
    })
}

fn try_evaluate(
    d: &Demand,
    cfg: &StepFunctionsConfig,
    lambda: &LambdaConfig,
    book: &PriceBook,
) -> Result<OptionPlan, Missing> {
    match &d.work {
        DemandWork::Service => Ok(OptionPlan::infeasible(
            Platform::StepFunctions,
            "A state machine is not a request/response front end: it orchestrates steps, it \
             does not serve requests. Express synchronous workflows can answer a caller, but \
             they add a per-request orchestration charge and latency on top of the same \
             function, with no concurrency benefit. Use Lambda, ECS or EC2 for a service.",
        )),
        DemandWork::Workflow(wf) => {
            {
                let mut plan = workflow(d, cfg, lambda, book, wf)?;
                // The other workflow type, for comparison: the choice is also about
                // semantics, so it is named, not made.
                let other = match cfg.kind {
                    StateMachineType::Standard => StateMachineType::Express,
                    StateMachineType::Express => StateMachineType::Standard,
                };
                let alt_cfg = StepFunctionsConfig {
                    kind: other,
                    ..cfg.clone()
                };
                if let Ok(alt) = workflow(d, &alt_cfg, lambda, book, wf)
                    && alt.feasible
                    && alt.monthly_cost_usd < plan.monthly_cost_usd
                {
                    let semantics = match other {
                        StateMachineType::Express => {
                            "at-least-once, executions of at most 5 minutes, history in CloudWatch Logs only"
                        }
                        StateMachineType::Standard => "exactly-once, executions of up to a year",
                    };
                    plan.risks.push(format!(
                        "{} workflows would cost {}/month instead of {} ({semantics}); set `type: {}` to model it.",
                        if other == StateMachineType::Express { "Express" } else { "Standard" },
                        crate::format::usd(alt.monthly_cost_usd),
                        crate::format::usd(plan.monthly_cost_usd),
                        type_id(other)
                    ));
                }
                Ok(plan)
            }
        }
        DemandWork::Fanout(job) => fanout(d, cfg, lambda, book, job),
    }
}

// ---------------------------------------------------------------------------------------------
// Workflows
// ---------------------------------------------------------------------------------------------

/// A state of the workflow as the model runs it.
#[derive(Debug, Clone)]
struct Task {
    name: String,
    /// Lambda memory (task states); 0 for waits.
    memory_mb: u32,
    /// Modelled duration: Lambda duration at its memory, or the wait as stated.
    duration_ms: f64,
    wait: bool,
}

fn tasks(d: &Demand, wf: &Workflow) -> Vec<Task> {
    let base = &d.workload.request;
    if wf.steps.is_empty() {
        // No steps listed: the workload's request is the one task state.
        let memory = base
            .memory_mb
            .clamp(lambda::MIN_MEMORY_MB, lambda::MAX_MEMORY_MB);
        return vec![Task {
            name: "request".into(),
            memory_mb: memory,
            duration_ms: lambda::duration_ms(base, memory),
            wait: false,
        }];
    }
    wf.steps
        .iter()
        .map(|s| {
            if s.wait {
                return Task {
                    name: s.name.clone(),
                    memory_mb: 0,
                    duration_ms: s.duration_ms.max(0.0),
                    wait: true,
                };
            }
            let memory = s
                .memory_mb
                .clamp(lambda::MIN_MEMORY_MB, lambda::MAX_MEMORY_MB);
            let req = Request {
                duration_ms: s.duration_ms,
                cpu_ms: s.cpu_ms,
                threads: base.threads,
                memory_mb: s.memory_mb,
                payload_kb: base.payload_kb,
            };
            Task {
                name: s.name.clone(),
                memory_mb: memory,
                duration_ms: lambda::duration_ms(&req, memory),
                wait: false,
            }
        })
        .collect()
}

/// The binding per-second limit on executions, with what it is.
#[derive(Debug, Clone)]
struct Bound {
    rate: f64,
    what: String,
}

/// Cold starts per period of a function with `duration_ms` serving `served` executions/s per
/// step: like Lambda's own model, environments wanted are mean concurrency plus Poisson
/// headroom; a new environment (a cold start) is needed where that rises above what ran in
/// the last `lambda::WARM_S`. The period repeats, so a first pass warms the pool.
fn cold_starts(served: &[f64], step_s: f64, duration_ms: f64) -> f64 {
    let n = served.len();
    if n == 0 || duration_ms <= 0.0 {
        return 0.0;
    }
    let warm_steps = ((lambda::WARM_S / step_s).round() as usize).max(1);
    let wanted: Vec<f64> = served
        .iter()
        .map(|r| {
            let a = r * duration_ms / 1000.0;
            if a > 0.0 { a + 2.0 * a.sqrt() } else { 0.0 }
        })
        .collect();
    let mut cold = 0.0;
    for t in 0..n {
        let mut warm = 0.0_f64;
        for back in 1..=warm_steps.min(n) {
            warm = warm.max(wanted[(t + n - back) % n]);
        }
        let reqs = served[t] * step_s;
        cold += (wanted[t] - warm).max(0.0).min(reqs);
    }
    cold
}

/// Bills each task state's function through `lambda::bill`, consuming the free tier once
/// (what one step uses is gone for the next), and merges the lines into one per item. The
/// Lambda duration tiers apply to the month's aggregate, so the merged duration is re-walked
/// through the tiers as `lambda::bill` does for one function (identical below the first tier).
fn bill_tasks(
    usages: &[Usage],
    lambda: &LambdaConfig,
    book: &PriceBook,
    free: FreeTier,
) -> Result<Vec<LineItem>, Missing> {
    let mut free = free;
    let mut merged: Vec<LineItem> = Vec::new();
    for usage in usages {
        let lines = lambda::bill(usage, TASK_LINES, book, free)?;
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
    if usages.len() > 1 {
        let price = book.price(&keys::lambda_duration(lambda.architecture))?;
        let is_duration = |l: &LineItem| l.item == TASK_LINES.duration || l.item == "init_duration";
        let total_gb_s: f64 = merged
            .iter()
            .filter(|l| is_duration(l))
            .map(|l| l.quantity)
            .sum();
        if total_gb_s > 0.0 {
            let unit = price.cost(total_gb_s) / total_gb_s;
            for l in merged.iter_mut().filter(|l| is_duration(l)) {
                l.unit_price_usd = unit;
                l.cost_usd = l.quantity * unit;
            }
        }
    }
    Ok(merged)
}

fn workflow(
    d: &Demand,
    cfg: &StepFunctionsConfig,
    lambda: &LambdaConfig,
    book: &PriceBook,
    wf: &Workflow,
) -> Result<OptionPlan, Missing> {
    let express = cfg.kind == StateMachineType::Express;
    // Fail early, naming the first missing figure.
    let start_quota = if express {
        book.price(keys::SFN_EXPRESS_REQUESTS)?;
        book.price(keys::SFN_EXPRESS_DURATION)?;
        book.quota(keys::Q_SFN_EXPRESS_STARTS)?.value
    } else {
        book.price(keys::SFN_STANDARD_TRANSITIONS)?;
        book.quota(keys::Q_SFN_STANDARD_STARTS)?.value
    };
    let transition_quota = if express {
        None
    } else {
        Some(book.quota(keys::Q_SFN_STANDARD_TRANSITIONS)?.value)
    };

    let tasks = tasks(d, wf);
    let lambda_tasks: Vec<&Task> = tasks.iter().filter(|t| !t.wait).collect();
    if !lambda_tasks.is_empty() {
        book.price(&keys::lambda_requests(lambda.architecture))?;
        book.price(&keys::lambda_duration(lambda.architecture))?;
    }
    let transitions = wf.transitions as f64;
    let steps_ms: f64 = tasks.iter().map(|t| t.duration_ms).sum();
    let exec_ms = wf.duration_ms.unwrap_or(steps_ms) + TRANSITION_OVERHEAD_MS * transitions;
    let lambda_ms: f64 = lambda_tasks.iter().map(|t| t.duration_ms).sum();
    let limit = lambda.concurrency_limit.max(1) as f64;

    // Executions per second the platform lets through: StartExecution refill, Standard's
    // StateTransition refill over the transitions per execution, and the Lambda concurrency
    // limit shared by the task functions.
    let mut bounds = vec![Bound {
        rate: start_quota,
        what: format!(
            "the {} StartExecution quota ({start_quota:.0}/s refill)",
            if express { "Express" } else { "Standard" }
        ),
    }];
    if let Some(q) = transition_quota
        && transitions > 0.0
    {
        bounds.push(Bound {
            rate: q / transitions,
            what: format!(
                "the StateTransition quota ({q:.0}/s refill, {transitions:.0} per execution)"
            ),
        });
    }
    if lambda_ms > 0.0 {
        bounds.push(Bound {
            rate: limit * 1000.0 / lambda_ms,
            what: format!("the Lambda concurrency limit of {limit:.0} shared by the task states"),
        });
    }
    let bound = bounds
        .iter()
        .cloned()
        .min_by(|a, b| a.rate.total_cmp(&b.rate))
        .unwrap_or(Bound {
            rate: f64::INFINITY,
            what: String::new(),
        });

    // Walk the curve: what gets through, what is throttled.
    let curve: &Curve = &d.curve;
    let step = curve.step_s;
    let periods = curve.periods_per_month();
    let served_rates: Vec<f64> = curve.rps.iter().map(|r| r.min(bound.rate)).collect();
    let offered: f64 = curve.rps.iter().sum::<f64>() * step;
    let served_per_period: f64 = served_rates.iter().sum::<f64>() * step;
    let throttled_share = if offered > 0.0 {
        ((offered - served_per_period) / offered).max(0.0)
    } else {
        0.0
    };
    let executions = served_per_period * periods;
    let peak_served = served_rates.iter().copied().fold(0.0, f64::max);

    // Task states: cold starts, Lambda usage.
    let mut usages = Vec::new();
    let mut colds = Vec::new();
    for t in &lambda_tasks {
        let cold = cold_starts(&served_rates, step, t.duration_ms) * periods;
        colds.push(cold);
        usages.push(Usage {
            arch: lambda.architecture,
            memory_mb: t.memory_mb,
            requests: executions,
            duration_ms: t.duration_ms,
            provisioned: None,
            cold_starts: cold,
            init_ms: lambda.cold_start_ms,
            ephemeral_storage_mb: lambda.ephemeral_storage_mb,
        });
    }

    // Latency populations (first order: a cold start in at most one task state).
    let total_cold: f64 = colds.iter().sum::<f64>().min(executions);
    let mut pops: Vec<(f64, f64)> = vec![(executions - total_cold, exec_ms)];
    if total_cold > 0.0 {
        pops.push((total_cold, exec_ms + lambda.cold_start_ms));
    }
    let mut mix = LatencyMix::new();
    for &(w, ms) in &pops {
        mix.add_fixed(w, ms);
    }
    let latency = Latency {
        p50: mix.quantile(0.5),
        p99: mix.quantile(0.99),
    };

    // Step Functions' own lines.
    let mut lines = Vec::new();
    let mut config = BTreeMap::new();
    if express {
        lines.push(billing::priced(
            book,
            "express_requests",
            keys::SFN_EXPRESS_REQUESTS,
            executions,
        )?);
        let gb_s: f64 = pops
            .iter()
            .map(|&(w, ms)| express_gb_s(w, ms, wf.memory_mb))
            .sum();
        lines.push(billing::priced(
            book,
            "express_duration",
            keys::SFN_EXPRESS_DURATION,
            gb_s / 3600.0,
        )?);
        config.insert(
            "billed_duration_ms".into(),
            json!(express_billed_ms(exec_ms)),
        );
        config.insert(
            "billed_memory_mb".into(),
            json!(express_billed_mb(wf.memory_mb)),
        );
        config.insert("memory_mb".into(), json!(wf.memory_mb));
        config.insert(
            "semantics".into(),
            json!("at-least-once (asynchronous) / at-most-once (synchronous)"),
        );
    } else {
        let price = book.price(keys::SFN_STANDARD_TRANSITIONS)?;
        let used = executions * transitions;
        lines.push(billing::line("state_transitions", used, price));
        if let Some((credit, _)) = billing::free_credit(
            used,
            d.free.sfn_transitions,
            price,
            "Step Functions state transitions",
        ) {
            lines.push(credit);
        }
        config.insert("semantics".into(), json!("exactly-once"));
    }
    lines.extend(bill_tasks(&usages, lambda, book, d.free)?);

    // Limits.
    let mut risks = Vec::new();
    let mut feasible = true;
    if express && exec_ms > EXPRESS_MAX_MS {
        feasible = false;
        risks.push(format!(
            "An execution takes {:.0} s, over Express' 5-minute limit: use a Standard workflow.",
            exec_ms / 1000.0
        ));
    }
    let events = history_events(transitions, lambda_tasks.len());
    if !express {
        config.insert("history_events_estimate".into(), json!(events));
        if events > HISTORY_MAX_EVENTS {
            feasible = false;
            risks.push(format!(
                "About {events:.0} history events per execution (2 per transition, 3 more per \
                 Lambda task), over Standard's 25,000: the execution fails. Split it into \
                 child workflows."
            ));
        } else if events > 0.8 * HISTORY_MAX_EVENTS {
            risks.push(format!(
                "About {events:.0} history events per execution, close to Standard's 25,000 \
                 (retries add more): the execution fails beyond it."
            ));
        }
        let open = peak_served * exec_ms / 1000.0;
        if open > MAX_OPEN_EXECUTIONS {
            feasible = false;
            risks.push(format!(
                "About {open:.0} executions open at the peak, over the 1,000,000 open \
                 Standard executions per account and Region."
            ));
        }
    }
    for t in &lambda_tasks {
        if t.duration_ms > lambda::TIMEOUT_MS {
            feasible = false;
            risks.push(format!(
                "Task state `{}` takes {:.0} s, over Lambda's 15-minute timeout.",
                t.name,
                t.duration_ms / 1000.0
            ));
        }
    }
    if let Some(s) = wf
        .steps
        .iter()
        .find(|s| !s.wait && s.memory_mb > lambda::MAX_MEMORY_MB)
    {
        feasible = false;
        risks.push(format!(
            "Task state `{}` needs {} MB, over Lambda's 10,240 MB maximum.",
            s.name, s.memory_mb
        ));
    }
    if d.request.payload_kb > PAYLOAD_MAX_KB {
        feasible = false;
        risks.push(format!(
            "Payload of {:.0} KB exceeds the 256 KB state input/output limit: pass an S3 \
             reference instead.",
            d.request.payload_kb
        ));
    }
    if throttled_share > 0.0 {
        risks.push(format!(
            "Throttles {} of executions: the peak of {:.1} starts/s exceeds {} \
             ({:.1} executions/s).",
            super::words::pct(throttled_share),
            curve.peak(),
            bound.what,
            bound.rate
        ));
        if throttled_share > d.max_throttled_share() {
            feasible = false;
        }
    }
    if let Some(target) = d.p99_target_ms()
        && latency.p99 > target
    {
        feasible = false;
        risks.push(format!(
            "p99 latency {:.0} ms misses the {:.0} ms SLO (cold starts add {:.0} ms).",
            latency.p99, target, lambda.cold_start_ms
        ));
    }
    let cold_share = if executions > 0.0 {
        total_cold / executions
    } else {
        0.0
    };
    if cold_share > 0.001 {
        risks.push(format!(
            "A task state starts cold in {} of executions, each adding about {:.0} ms.",
            super::words::pct(cold_share),
            lambda.cold_start_ms
        ));
    }

    config.insert("type".into(), json!(type_id(cfg.kind)));
    config.insert("transitions_per_execution".into(), json!(wf.transitions));
    config.insert("execution_duration_ms".into(), json!(round1(exec_ms)));
    config.insert("executions_per_month".into(), json!(executions.round()));
    config.insert("start_execution_quota_per_s".into(), json!(start_quota));
    if let Some(q) = transition_quota {
        config.insert("state_transition_quota_per_s".into(), json!(q));
    }
    config.insert("architecture".into(), json!(lambda.architecture.as_str()));
    config.insert(
        "lambda_peak_concurrency".into(),
        json!(round1(peak_served * lambda_ms / 1000.0)),
    );
    config.insert(
        "task_states".into(),
        json!(
            tasks
                .iter()
                .map(|t| if t.wait {
                    json!({"name": t.name, "wait": true, "duration_ms": round1(t.duration_ms)})
                } else {
                    json!({"name": t.name, "memory_mb": t.memory_mb, "duration_ms": round1(t.duration_ms)})
                })
                .collect::<Vec<_>>()
        ),
    );
    config.insert(
        "orchestration_overhead_ms".into(),
        json!(TRANSITION_OVERHEAD_MS),
    );

    Ok(OptionPlan {
        platform: Platform::StepFunctions,
        feasible,
        monthly_cost_usd: billing::total(&lines),
        cost_breakdown: lines,
        config,
        throughput_rps: bound.rate,
        capacity: Capacity {
            peak: peak_served * exec_ms / 1000.0,
            unit: "concurrent executions".into(),
        },
        latency_ms: latency,
        risks,
        throttled_share,
        makespan_s: None,
        capacity_rps: Vec::new(),
    })
}

// ---------------------------------------------------------------------------------------------
// Fan-out jobs: a Map state
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Map {
    Inline,
    Distributed,
}

fn fanout(
    d: &Demand,
    cfg: &StepFunctionsConfig,
    lambda: &LambdaConfig,
    book: &PriceBook,
    job: &Job,
) -> Result<OptionPlan, Missing> {
    match cfg.map {
        MapMode::Inline => map_run(d, cfg, lambda, book, job, Map::Inline),
        MapMode::Distributed => map_run(d, cfg, lambda, book, job, Map::Distributed),
        MapMode::Auto => {
            // Evaluate both; the cheaper feasible one wins, else Distributed (the one with
            // fewer limits) shows why it does not fit.
            let inline = map_run(d, cfg, lambda, book, job, Map::Inline)?;
            let distributed = map_run(d, cfg, lambda, book, job, Map::Distributed)?;
            let note = format!(
                "auto: inline {}{}, distributed {}{}",
                crate::format::usd(inline.monthly_cost_usd),
                if inline.feasible { "" } else { " (infeasible)" },
                crate::format::usd(distributed.monthly_cost_usd),
                if distributed.feasible {
                    ""
                } else {
                    " (infeasible)"
                },
            );
            let mut chosen = match (inline.feasible, distributed.feasible) {
                (true, true) if inline.monthly_cost_usd <= distributed.monthly_cost_usd => inline,
                (true, false) => inline,
                _ => distributed,
            };
            chosen.config.insert("map_choice".into(), json!(note));
            Ok(chosen)
        }
    }
}

fn map_run(
    d: &Demand,
    cfg: &StepFunctionsConfig,
    lambda: &LambdaConfig,
    book: &PriceBook,
    job: &Job,
    map: Map,
) -> Result<OptionPlan, Missing> {
    let scaling = book.quota(keys::Q_LAMBDA_SCALING)?.value;
    book.price(&keys::lambda_requests(lambda.architecture))?;
    book.price(&keys::lambda_duration(lambda.architecture))?;
    // The parent: Distributed Map runs in a Standard parent; Inline in the configured type.
    let parent_express = map == Map::Inline && cfg.kind == StateMachineType::Express;
    let transitions_price = if parent_express {
        None
    } else {
        Some(book.price(keys::SFN_STANDARD_TRANSITIONS)?)
    };

    let items = job.items as f64;
    let runs = job.runs_per_month;
    let limit = lambda.concurrency_limit.max(1) as f64;
    let map_limit = match map {
        Map::Inline => INLINE_MAP_MAX_CONCURRENCY,
        Map::Distributed => DISTRIBUTED_MAP_MAX_CONCURRENCY,
    };
    let concurrency = map_limit.min(limit);
    let memory = item_memory(d, lambda, job, concurrency, scaling);
    let dur = lambda::duration_ms(&d.request, memory);
    let run = lambda::run_waves(items, concurrency, scaling, dur, lambda.cold_start_ms);
    let makespan_s = run.makespan_s;
    let interval_s = if runs > 0.0 {
        MONTH_S / runs
    } else {
        f64::INFINITY
    };
    let cold_per_run = if interval_s <= lambda::WARM_S {
        0.0
    } else {
        run.environments
    };
    // A fan-out job states no workflow memory: Express bills its 64 MB minimum step.
    let memory_wf = EXPRESS_MEMORY_STEP_MB;
    // Distributed children: Express unless an item runs over Express' limit.
    let children_express = dur + lambda.cold_start_ms <= EXPRESS_MAX_MS;

    let mut lines = Vec::new();
    let mut config = BTreeMap::new();
    let mut risks = Vec::new();
    let mut feasible = true;

    // Step Functions' own charges.
    let mut transitions = 0.0;
    let mut express_requests = 0.0;
    let mut express_gb = 0.0;
    match map {
        Map::Inline => {
            if parent_express {
                express_requests = runs;
                express_gb = express_gb_s(runs, makespan_s * 1000.0, memory_wf);
            } else {
                transitions = runs * (FANOUT_PARENT_TRANSITIONS + items * INLINE_ITEM_TRANSITIONS);
            }
        }
        Map::Distributed => {
            // One transition per child started (AWS), plus the parent's own.
            transitions = runs * (FANOUT_PARENT_TRANSITIONS + items);
            if children_express {
                express_requests = runs * items;
                express_gb = express_gb_s(runs * (items - cold_per_run), dur, memory_wf)
                    + express_gb_s(runs * cold_per_run, dur + lambda.cold_start_ms, memory_wf);
            } else {
                transitions += runs * items * INLINE_ITEM_TRANSITIONS;
            }
        }
    }
    if let Some(price) = transitions_price
        && transitions > 0.0
    {
        lines.push(billing::line("state_transitions", transitions, price));
        if let Some((credit, _)) = billing::free_credit(
            transitions,
            d.free.sfn_transitions,
            price,
            "Step Functions state transitions",
        ) {
            lines.push(credit);
        }
    }
    if express_requests > 0.0 {
        lines.push(billing::priced(
            book,
            "express_requests",
            keys::SFN_EXPRESS_REQUESTS,
            express_requests,
        )?);
        lines.push(billing::priced(
            book,
            "express_duration",
            keys::SFN_EXPRESS_DURATION,
            express_gb / 3600.0,
        )?);
    }

    // The items' Lambda.
    let usage = Usage {
        arch: lambda.architecture,
        memory_mb: memory,
        requests: items * runs,
        duration_ms: dur,
        provisioned: None,
        cold_starts: cold_per_run * runs,
        init_ms: lambda.cold_start_ms,
        ephemeral_storage_mb: lambda.ephemeral_storage_mb,
    };
    lines.extend(bill_tasks(&[usage], lambda, book, d.free)?);

    // Limits.
    match map {
        Map::Inline => {
            if parent_express {
                if makespan_s * 1000.0 > EXPRESS_MAX_MS {
                    feasible = false;
                    risks.push(format!(
                        "A run takes {makespan_s:.0} s inside one Express execution, over \
                         Express' 5-minute limit: use a Standard parent or a Distributed Map."
                    ));
                }
            } else {
                let events = FANOUT_PARENT_EVENTS + items * INLINE_ITEM_EVENTS;
                config.insert("history_events_estimate".into(), json!(events));
                if events > HISTORY_MAX_EVENTS {
                    feasible = false;
                    risks.push(format!(
                        "Inline Map iterations count toward the parent's history: about \
                         {events:.0} events ({INLINE_ITEM_EVENTS:.0} per item), over \
                         Standard's 25,000. Use a Distributed Map."
                    ));
                } else if events > 0.8 * HISTORY_MAX_EVENTS {
                    risks.push(format!(
                        "About {events:.0} history events per run, close to Standard's 25,000."
                    ));
                }
            }
            if items > INLINE_MAP_MAX_CONCURRENCY {
                risks.push(format!(
                    "Inline Map runs at most 40 iterations at once: {:.0} waves of items.",
                    (items / concurrency).ceil()
                ));
            }
        }
        Map::Distributed => {
            if !children_express {
                risks.push(format!(
                    "An item takes {:.0} s, over Express' 5-minute limit: children run as \
                     Standard executions, billed per transition.",
                    (dur + lambda.cold_start_ms) / 1000.0
                ));
            }
            if let Ok(q) = book.quota(keys::Q_SFN_STANDARD_TRANSITIONS) {
                let start_rate = concurrency * 1000.0 / dur.max(1.0);
                if start_rate > q.value {
                    risks.push(format!(
                        "The Map Run starts about {start_rate:.0} children/s; each start is a \
                         billed parent transition. If these count toward the StateTransition \
                         quota ({:.0}/s) the run slows down.",
                        q.value
                    ));
                }
            }
        }
    }
    if limit < map_limit && items > limit {
        risks.push(format!(
            "The Map is capped by the Lambda concurrency limit of {limit:.0} (the Map allows \
             {map_limit:.0})."
        ));
    }
    if dur > lambda::TIMEOUT_MS {
        feasible = false;
        risks.push(format!(
            "An item takes {:.0} s, over Lambda's 15-minute timeout.",
            dur / 1000.0
        ));
    }
    if d.request.payload_kb > PAYLOAD_MAX_KB {
        feasible = false;
        risks.push(format!(
            "Item payload of {:.0} KB exceeds the 256 KB state input/output limit: pass S3 \
             references.",
            d.request.payload_kb
        ));
    }
    if let Some(deadline) = job.deadline_s
        && makespan_s > deadline
    {
        feasible = false;
        risks.push(format!(
            "A run takes {makespan_s:.0} s, missing the {deadline:.0} s deadline ({items:.0} \
             items, at most {:.0} at once).",
            run.environments
        ));
    }
    let cold_share = if items > 0.0 {
        cold_per_run / items
    } else {
        0.0
    };
    if cold_share > 0.001 {
        risks.push(format!(
            "Each run starts cold: {cold_per_run:.0} new environments, {} of items wait an \
             extra {:.0} ms.",
            super::words::pct(cold_share),
            lambda.cold_start_ms
        ));
    }
    let mut mix = LatencyMix::new();
    mix.add_fixed(items - cold_per_run, dur);
    mix.add_fixed(cold_per_run, dur + lambda.cold_start_ms);

    config.insert(
        "type".into(),
        json!(type_id(if parent_express {
            StateMachineType::Express
        } else {
            StateMachineType::Standard
        })),
    );
    config.insert(
        "map".into(),
        json!(match map {
            Map::Inline => "inline",
            Map::Distributed => "distributed",
        }),
    );
    if map == Map::Distributed {
        config.insert(
            "child_type".into(),
            json!(if children_express {
                "express"
            } else {
                "standard"
            }),
        );
    }
    if express_requests > 0.0 {
        config.insert(
            "billed_memory_mb".into(),
            json!(express_billed_mb(memory_wf)),
        );
    }
    config.insert("map_concurrency".into(), json!(concurrency));
    config.insert(
        "transitions_per_run".into(),
        json!(if runs > 0.0 { transitions / runs } else { 0.0 }),
    );
    config.insert("architecture".into(), json!(lambda.architecture.as_str()));
    config.insert("memory_mb".into(), json!(memory));
    config.insert(
        "memory_choice".into(),
        json!(if lambda.memory_mb.fixed().is_some() {
            "fixed"
        } else {
            "auto"
        }),
    );
    config.insert("duration_ms".into(), json!(round1(dur)));
    config.insert(
        "orchestration_overhead_ms".into(),
        json!(TRANSITION_OVERHEAD_MS),
    );

    Ok(OptionPlan {
        platform: Platform::StepFunctions,
        feasible,
        monthly_cost_usd: billing::total(&lines),
        cost_breakdown: lines,
        config,
        throughput_rps: run.environments * 1000.0 / dur.max(1.0),
        capacity: Capacity {
            peak: run.environments,
            unit: "concurrent executions".into(),
        },
        latency_ms: Latency {
            p50: mix.quantile(0.5),
            p99: mix.quantile(0.99),
        },
        risks,
        throttled_share: 0.0,
        makespan_s: Some(makespan_s),
        capacity_rps: Vec::new(),
    })
}

/// The items' Lambda memory: fixed in the profile, or (`auto`) the smallest size from the
/// request's memory up that meets the deadline. Below the size where the CPU part stops
/// speeding up, GB-s per item only grow with memory while the makespan falls, so the smallest
/// size meeting the deadline is the cheapest; found by bisection at 1 MB, as Lambda's own
/// `auto` does. With no deadline (or none reachable) the floor, or the fastest size, is used.
fn item_memory(
    d: &Demand,
    lambda: &LambdaConfig,
    job: &Job,
    concurrency: f64,
    scaling: f64,
) -> u32 {
    let floor = d
        .request
        .memory_mb
        .clamp(lambda::MIN_MEMORY_MB, lambda::MAX_MEMORY_MB);
    if let Some(m) = lambda.memory_mb.fixed() {
        return (*m).clamp(lambda::MIN_MEMORY_MB, lambda::MAX_MEMORY_MB);
    }
    let Some(deadline) = job.deadline_s else {
        return floor;
    };
    let meets = |m: u32| {
        let dur = lambda::duration_ms(&d.request, m);
        lambda::run_waves(
            job.items as f64,
            concurrency,
            scaling,
            dur,
            lambda.cold_start_ms,
        )
        .makespan_s
            <= deadline
    };
    if d.request.cpu_ms <= 0.0 || meets(floor) {
        return floor;
    }
    let useful_max = ((lambda::MB_PER_VCPU * d.request.threads.max(1) as f64).ceil() as u32)
        .clamp(floor, lambda::MAX_MEMORY_MB);
    if !meets(useful_max) {
        return useful_max;
    }
    let (mut lo, mut hi) = (floor, useful_max);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if meets(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

fn type_id(kind: StateMachineType) -> &'static str {
    match kind {
        StateMachineType::Standard => "standard",
        StateMachineType::Express => "express",
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::{Price, Quota, Tier};
    use crate::profile::{Architecture, AutoOr, Shape, Slo, Step, Traffic, Work, Workload};

    fn price(unit: &str, tiers: &[(Option<f64>, f64)]) -> Price {
        Price {
            unit: unit.into(),
            tiers: tiers
                .iter()
                .map(|&(upto, usd)| Tier { upto, usd })
                .collect(),
            source: "test".into(),
        }
    }

    fn quota(value: f64) -> Quota {
        Quota {
            value,
            unit: "per second".into(),
            source: "test".into(),
        }
    }

    /// PRICES.md's us-east-1 figures.
    fn book() -> PriceBook {
        let mut b = PriceBook {
            region: "us-east-1".into(),
            made: "2025-01-01".into(),
            source: "test".into(),
            prices: BTreeMap::new(),
            instances: BTreeMap::new(),
            free_tier: BTreeMap::new(),
            quotas: BTreeMap::new(),
        };
        for arch in [Architecture::X86_64, Architecture::Arm64] {
            b.prices.insert(
                keys::lambda_requests(arch),
                price("request", &[(None, 0.0000002)]),
            );
        }
        b.prices.insert(
            keys::lambda_duration(Architecture::X86_64),
            price(
                "GB-second",
                &[
                    (Some(6e9), 0.0000166667),
                    (Some(15e9), 0.000015),
                    (None, 0.0000133334),
                ],
            ),
        );
        b.prices.insert(
            keys::lambda_duration(Architecture::Arm64),
            price(
                "GB-second",
                &[
                    (Some(7.5e9), 0.0000133334),
                    (Some(18.75e9), 0.0000120001),
                    (None, 0.0000106667),
                ],
            ),
        );
        b.prices.insert(
            keys::SFN_STANDARD_TRANSITIONS.into(),
            price("state transition", &[(None, 0.000025)]),
        );
        b.prices.insert(
            keys::SFN_EXPRESS_REQUESTS.into(),
            price("request", &[(None, 0.000001)]),
        );
        b.prices.insert(
            keys::SFN_EXPRESS_DURATION.into(),
            price(
                "GB-hour",
                &[(Some(1000.0), 0.06), (Some(5000.0), 0.03), (None, 0.01642)],
            ),
        );
        b.quotas
            .insert(keys::Q_SFN_STANDARD_STARTS.into(), quota(300.0));
        b.quotas
            .insert(keys::Q_SFN_STANDARD_TRANSITIONS.into(), quota(1500.0));
        b.quotas
            .insert(keys::Q_SFN_EXPRESS_STARTS.into(), quota(6000.0));
        b.quotas
            .insert(keys::Q_LAMBDA_SCALING.into(), quota(1000.0));
        b
    }

    fn traffic(monthly: f64) -> Traffic {
        Traffic {
            monthly_requests: Some(monthly),
            rps: None,
            peak_to_average: 1.0,
            shape: Shape::Flat,
            trace: None,
            trace_data: None,
        }
    }

    fn step(name: &str, duration_ms: f64, memory_mb: u32, wait: bool) -> Step {
        Step {
            name: name.into(),
            duration_ms,
            cpu_ms: 0.0,
            memory_mb,
            wait,
        }
    }

    fn workflow_workload(
        monthly: f64,
        transitions: u32,
        duration_ms: Option<f64>,
        memory_mb: u32,
        steps: Vec<Step>,
    ) -> Workload {
        Workload {
            name: "wf".into(),
            work: Work::Workflow {
                traffic: traffic(monthly),
                workflow: Workflow {
                    transitions,
                    duration_ms,
                    memory_mb,
                    steps,
                },
            },
            request: Request::default(),
            slo: None,
            calibration: None,
        }
    }

    fn fanout_workload(
        items: u64,
        runs: f64,
        deadline_s: Option<f64>,
        duration_ms: f64,
    ) -> Workload {
        Workload {
            name: "fan".into(),
            work: Work::Fanout {
                job: Job {
                    items,
                    runs_per_month: runs,
                    deadline_s,
                },
            },
            request: Request {
                duration_ms,
                memory_mb: 1024,
                ..Request::default()
            },
            slo: None,
            calibration: None,
        }
    }

    fn cfg(kind: StateMachineType, map: MapMode) -> StepFunctionsConfig {
        StepFunctionsConfig {
            enabled: true,
            kind,
            map,
        }
    }

    fn lambda_cfg() -> LambdaConfig {
        LambdaConfig {
            memory_mb: AutoOr::Auto,
            ..LambdaConfig::default()
        }
    }

    fn line<'a>(plan: &'a OptionPlan, item: &str) -> &'a LineItem {
        plan.cost_breakdown
            .iter()
            .find(|l| l.item == item)
            .unwrap_or_else(|| panic!("no `{item}` line in {:?}", plan.cost_breakdown))
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    /// AWS's Express example (pricing page, example 4; docs/aws-worked-examples.md §3):
    /// 100 M executions a month, 10 s each, 64 MB billed.
    ///
    /// AWS prices the duration per GB-hour ($0.06 / $0.03 / $0.01642 over 1,000 / 4,000 /
    /// the rest), as the book does: 17,361.11 GB-h = $60.00 + $120.00 + $202.97 = $382.97.
    #[test]
    fn express_pricing_example() {
        let gb_s = express_gb_s(100e6, 10_000.0, 64);
        assert!(close(gb_s, 62_500_000.0, 1e-3));
        let duration = book()
            .price(keys::SFN_EXPRESS_DURATION)
            .unwrap()
            .cost(gb_s / 3600.0);
        assert_eq!((duration * 100.0).round() / 100.0, 382.97, "{duration}");

        // End to end: one 10 s wait state (no Lambda), 100 M executions a month.
        let w = workflow_workload(
            100e6,
            2,
            Some(10_000.0),
            64,
            vec![step("wait", 10_000.0, 128, true)],
        );
        let d = Demand::new(&w, FreeTier::none());
        let plan = evaluate(
            &d,
            &cfg(StateMachineType::Express, MapMode::Auto),
            &lambda_cfg(),
            &book(),
        );
        assert!(plan.feasible, "{:?}", plan.risks);
        let req = line(&plan, "express_requests");
        assert!(close(req.quantity, 100e6, 1.0));
        assert!(close(req.cost_usd, 100.0, 1e-6));
        let dur = line(&plan, "express_duration");
        assert!(close(dur.quantity, 62.5e6 / 3600.0, 1e-3));
        assert!(close(dur.cost_usd, 382.97, 0.005), "{}", dur.cost_usd);
        assert!(close(plan.monthly_cost_usd, 482.97, 0.005));
        assert!(
            !plan
                .cost_breakdown
                .iter()
                .any(|l| l.item.starts_with("lambda_"))
        );
        // Little's law: 38 executions/s × 10 s.
        assert!(close(plan.capacity.peak, 100e6 / MONTH_S * 10.0, 1e-6));
        assert_eq!(plan.capacity.unit, "concurrent executions");
    }

    #[test]
    fn standard_transitions_with_and_without_free_tier() {
        let w = workflow_workload(
            100_000.0,
            8,
            None,
            64,
            vec![step("wait", 1000.0, 128, true)],
        );
        let c = cfg(StateMachineType::Standard, MapMode::Auto);
        let plan = evaluate(
            &Demand::new(&w, FreeTier::none()),
            &c,
            &lambda_cfg(),
            &book(),
        );
        let st = line(&plan, "state_transitions");
        assert!(close(st.quantity, 800_000.0, 1e-3));
        assert!(close(st.cost_usd, 20.0, 1e-6));
        assert!(close(plan.monthly_cost_usd, 20.0, 1e-6));
        assert!(!plan.cost_breakdown.iter().any(|l| l.item == "free_tier"));

        let free = FreeTier {
            sfn_transitions: 4_000.0,
            ..FreeTier::none()
        };
        let plan = evaluate(&Demand::new(&w, free), &c, &lambda_cfg(), &book());
        let credit = line(&plan, "free_tier");
        assert!(close(credit.quantity, 4_000.0, 1e-9));
        assert!(close(credit.cost_usd, -0.10, 1e-9));
        assert!(close(plan.monthly_cost_usd, 19.90, 1e-6));

        // Under the allowance: the workshop's (3 × 1,000) × $0.000025 = $0.075, all credited.
        let w = workflow_workload(1_000.0, 3, None, 64, vec![step("wait", 1000.0, 128, true)]);
        let plan = evaluate(&Demand::new(&w, free), &c, &lambda_cfg(), &book());
        assert!(close(
            line(&plan, "state_transitions").cost_usd,
            0.075,
            1e-9
        ));
        assert!(close(plan.monthly_cost_usd, 0.0, 1e-9));
    }

    #[test]
    fn express_rounding() {
        assert_eq!(express_billed_ms(901.0), 1000.0);
        assert_eq!(express_billed_ms(1000.0), 1000.0);
        assert_eq!(express_billed_ms(1000.0 + 1e-10), 1000.0);
        assert_eq!(express_billed_ms(1.0), 100.0);
        assert_eq!(express_billed_mb(65), 128);
        assert_eq!(express_billed_mb(64), 64);
        assert_eq!(express_billed_mb(1), 64);
        // 1 M executions of 901 ms at 65 MB: 1 s × 0.125 GB each.
        let w = workflow_workload(
            1e6,
            2,
            Some(901.0),
            65,
            vec![step("wait", 901.0, 128, true)],
        );
        let plan = evaluate(
            &Demand::new(&w, FreeTier::none()),
            &cfg(StateMachineType::Express, MapMode::Auto),
            &lambda_cfg(),
            &book(),
        );
        assert!(close(
            line(&plan, "express_duration").quantity,
            125_000.0 / 3600.0,
            1e-6
        ));
        assert_eq!(plan.config["billed_duration_ms"], json!(1000.0));
        assert_eq!(plan.config["billed_memory_mb"], json!(128));
    }

    #[test]
    fn express_five_minute_limit() {
        let w = workflow_workload(
            10_000.0,
            4,
            None,
            64,
            vec![step("wait", 300_001.0, 128, true)],
        );
        let d = Demand::new(&w, FreeTier::none());
        let express = evaluate(
            &d,
            &cfg(StateMachineType::Express, MapMode::Auto),
            &lambda_cfg(),
            &book(),
        );
        assert!(!express.feasible);
        assert!(
            express.risks.iter().any(|r| r.contains("5-minute")),
            "{:?}",
            express.risks
        );
        let standard = evaluate(
            &d,
            &cfg(StateMachineType::Standard, MapMode::Auto),
            &lambda_cfg(),
            &book(),
        );
        assert!(standard.feasible, "{:?}", standard.risks);
    }

    #[test]
    fn service_is_infeasible() {
        let w = Workload {
            name: "api".into(),
            work: Work::Service {
                traffic: traffic(1e6),
            },
            request: Request::default(),
            slo: None,
            calibration: None,
        };
        let plan = evaluate(
            &Demand::new(&w, FreeTier::none()),
            &StepFunctionsConfig::default(),
            &lambda_cfg(),
            &book(),
        );
        assert!(!plan.feasible);
        assert_eq!(plan.platform, Platform::StepFunctions);
        assert!(plan.risks[0].contains("request/response"));
    }

    #[test]
    fn disabled_is_infeasible() {
        let w = workflow_workload(1e6, 4, None, 64, vec![]);
        let c = StepFunctionsConfig {
            enabled: false,
            ..StepFunctionsConfig::default()
        };
        let plan = evaluate(
            &Demand::new(&w, FreeTier::none()),
            &c,
            &lambda_cfg(),
            &book(),
        );
        assert!(!plan.feasible);
        assert_eq!(plan.risks, vec!["Disabled in the profile.".to_string()]);
    }

    #[test]
    fn missing_quota_or_price_names_the_key() {
        let w = workflow_workload(1e6, 4, None, 64, vec![step("a", 100.0, 128, false)]);
        let d = Demand::new(&w, FreeTier::none());
        let mut b = book();
        b.quotas.remove(keys::Q_SFN_STANDARD_STARTS);
        let plan = evaluate(
            &d,
            &cfg(StateMachineType::Standard, MapMode::Auto),
            &lambda_cfg(),
            &b,
        );
        assert!(!plan.feasible);
        assert!(
            plan.risks[0].contains(keys::Q_SFN_STANDARD_STARTS),
            "{:?}",
            plan.risks
        );

        let mut b = book();
        b.prices.remove(keys::SFN_EXPRESS_DURATION);
        let plan = evaluate(
            &d,
            &cfg(StateMachineType::Express, MapMode::Auto),
            &lambda_cfg(),
            &b,
        );
        assert!(!plan.feasible);
        assert!(
            plan.risks[0].contains(keys::SFN_EXPRESS_DURATION),
            "{:?}",
            plan.risks
        );

        let mut b = book();
        b.prices
            .remove(&keys::lambda_duration(Architecture::X86_64));
        let plan = evaluate(
            &d,
            &cfg(StateMachineType::Standard, MapMode::Auto),
            &lambda_cfg(),
            &b,
        );
        assert!(!plan.feasible);
        assert!(
            plan.risks[0].contains("lambda.duration.x86_64"),
            "{:?}",
            plan.risks
        );
    }

    #[test]
    fn task_states_bill_their_lambda_once() {
        // 1 M executions, two task states (128 MB × 100 ms, 256 MB × 300 ms) and a wait.
        let steps = vec![
            step("reserve", 100.0, 128, false),
            step("hold", 5_000.0, 128, true),
            step("charge", 300.0, 256, false),
        ];
        let w = workflow_workload(1e6, 6, None, 64, steps);
        let c = cfg(StateMachineType::Standard, MapMode::Auto);
        let plan = evaluate(
            &Demand::new(&w, FreeTier::none()),
            &c,
            &lambda_cfg(),
            &book(),
        );
        let req = line(&plan, "lambda_requests");
        assert!(close(req.quantity, 2e6, 1e-3));
        assert!(close(req.cost_usd, 0.4, 1e-9));
        let dur = line(&plan, "lambda_duration");
        let gb_s = 1e6 * (0.1 * 0.125 + 0.3 * 0.25);
        assert!(close(dur.quantity, gb_s, 1e-3), "{}", dur.quantity);
        assert!(close(dur.cost_usd, gb_s * 0.0000166667, 1e-6));
        assert_eq!(
            plan.cost_breakdown
                .iter()
                .filter(|l| l.item == "lambda_duration")
                .count(),
            1
        );
        // Latency: the steps in sequence, the wait included.
        assert!(
            close(plan.latency_ms.p50, 5_400.0, 1.0),
            "{:?}",
            plan.latency_ms
        );

        // The free tier is credited once across both functions, not once per function.
        let free = FreeTier {
            lambda_requests: 1e6,
            lambda_gb_s: 400_000.0,
            sfn_transitions: 0.0,
        };
        let plan = evaluate(&Demand::new(&w, free), &c, &lambda_cfg(), &book());
        let credited_requests: f64 = plan
            .cost_breakdown
            .iter()
            .filter(|l| l.item == "free_tier" && l.unit == "request")
            .map(|l| l.quantity)
            .sum();
        assert!(
            close(credited_requests, 1e6, 1e-6),
            "{:?}",
            plan.cost_breakdown
        );
        let credited_gb_s: f64 = plan
            .cost_breakdown
            .iter()
            .filter(|l| l.item == "free_tier" && l.unit == "GB-second")
            .map(|l| l.quantity)
            .sum();
        assert!(close(credited_gb_s, gb_s, 1e-3), "{credited_gb_s}");
    }

    #[test]
    fn start_execution_quota_throttles() {
        // 500 executions/s flat against Standard's 300/s refill: 40% throttled.
        let w = workflow_workload(
            500.0 * MONTH_S,
            2,
            None,
            64,
            vec![step("wait", 100.0, 128, true)],
        );
        let plan = evaluate(
            &Demand::new(&w, FreeTier::none()),
            &cfg(StateMachineType::Standard, MapMode::Auto),
            &lambda_cfg(),
            &book(),
        );
        assert!(
            close(plan.throttled_share, 0.4, 1e-9),
            "{}",
            plan.throttled_share
        );
        assert!(!plan.feasible);
        assert!(close(plan.throughput_rps, 300.0, 1e-9));
        assert!(plan.risks.iter().any(|r| r.contains("StartExecution")));
        // Only started executions are billed.
        assert!(close(
            line(&plan, "state_transitions").quantity,
            300.0 * MONTH_S * 2.0,
            1.0
        ));

        // Express's 6,000/s lets it through.
        let plan = evaluate(
            &Demand::new(&w, FreeTier::none()),
            &cfg(StateMachineType::Express, MapMode::Auto),
            &lambda_cfg(),
            &book(),
        );
        assert_eq!(plan.throttled_share, 0.0);
        assert!(plan.feasible, "{:?}", plan.risks);
    }

    #[test]
    fn history_limit() {
        let w = workflow_workload(
            1_000.0,
            13_000,
            None,
            64,
            vec![step("wait", 100.0, 128, true)],
        );
        let plan = evaluate(
            &Demand::new(&w, FreeTier::none()),
            &cfg(StateMachineType::Standard, MapMode::Auto),
            &lambda_cfg(),
            &book(),
        );
        assert!(!plan.feasible);
        assert!(
            plan.risks.iter().any(|r| r.contains("25,000")),
            "{:?}",
            plan.risks
        );
        assert_eq!(history_events(8.0, 2), 25.0);
    }

    #[test]
    fn slo_misses_are_infeasible() {
        let mut w = workflow_workload(1e6, 4, None, 64, vec![step("a", 400.0, 128, false)]);
        w.slo = Some(Slo {
            p99_latency_ms: Some(300.0),
            max_throttled_share: None,
        });
        let plan = evaluate(
            &Demand::new(&w, FreeTier::none()),
            &cfg(StateMachineType::Express, MapMode::Auto),
            &lambda_cfg(),
            &book(),
        );
        assert!(!plan.feasible);
        assert!(plan.risks.iter().any(|r| r.contains("SLO")));
    }

    #[test]
    fn inline_vs_distributed_makespan() {
        // 400 items of 1 s, 5 s deadline. Inline: 40 at a time, 10 waves ≈ 10.3 s.
        // Distributed: all 400 at once ≈ 1.3 s.
        let w = fanout_workload(400, 30.0, Some(5.0), 1000.0);
        let d = Demand::new(&w, FreeTier::none());
        let inline = evaluate(
            &d,
            &cfg(StateMachineType::Standard, MapMode::Inline),
            &lambda_cfg(),
            &book(),
        );
        let distributed = evaluate(
            &d,
            &cfg(StateMachineType::Standard, MapMode::Distributed),
            &lambda_cfg(),
            &book(),
        );
        let mi = inline.makespan_s.unwrap();
        let md = distributed.makespan_s.unwrap();
        assert!(close(mi, 10.3, 0.05), "{mi}");
        assert!(close(md, 1.3, 0.05), "{md}");
        assert_eq!(inline.capacity.peak, 40.0);
        assert_eq!(distributed.capacity.peak, 400.0);
        assert!(!inline.feasible);
        assert!(inline.risks.iter().any(|r| r.contains("deadline")));
        assert!(distributed.feasible, "{:?}", distributed.risks);

        // Inline: parent transitions + 1 per item. Distributed: + 1 per child started, and
        // each child billed as an Express execution (1 s, 64 MB).
        let st = line(&inline, "state_transitions");
        assert!(close(st.quantity, 30.0 * 403.0, 1e-9));
        let st = line(&distributed, "state_transitions");
        assert!(close(st.quantity, 30.0 * 403.0, 1e-9));
        assert!(close(
            line(&distributed, "express_requests").quantity,
            12_000.0,
            1e-9
        ));
        // Runs every day: every run starts cold, so each child bills 1 s + 300 ms INIT = 1.3 s.
        assert!(close(
            line(&distributed, "express_duration").quantity,
            12_000.0 * 1.3 / 16.0 / 3600.0,
            1e-9
        ));
        assert!(close(
            line(&distributed, "lambda_requests").quantity,
            12_000.0,
            1e-9
        ));

        // Auto picks the one that meets the deadline.
        let auto = evaluate(
            &d,
            &cfg(StateMachineType::Standard, MapMode::Auto),
            &lambda_cfg(),
            &book(),
        );
        assert_eq!(auto.config["map"], json!("distributed"));
        assert!(auto.feasible);

        // Without a deadline, auto takes the cheaper: inline avoids the children's charges.
        let w = fanout_workload(400, 30.0, None, 1000.0);
        let d = Demand::new(&w, FreeTier::none());
        let auto = evaluate(
            &d,
            &cfg(StateMachineType::Standard, MapMode::Auto),
            &lambda_cfg(),
            &book(),
        );
        assert_eq!(auto.config["map"], json!("inline"));
    }

    #[test]
    fn distributed_capped_by_lambda_concurrency() {
        let w = fanout_workload(20_000, 1.0, None, 1000.0);
        let d = Demand::new(&w, FreeTier::none());
        let plan = evaluate(
            &d,
            &cfg(StateMachineType::Standard, MapMode::Distributed),
            &lambda_cfg(),
            &book(),
        );
        assert_eq!(plan.capacity.peak, 1000.0);
        assert!(
            plan.risks
                .iter()
                .any(|r| r.contains("Lambda concurrency limit"))
        );
    }

    #[test]
    fn inline_history_and_express_parent_limits() {
        // 5,000 items inline: 35,010 events in a Standard parent.
        let w = fanout_workload(5_000, 1.0, None, 100.0);
        let d = Demand::new(&w, FreeTier::none());
        let plan = evaluate(
            &d,
            &cfg(StateMachineType::Standard, MapMode::Inline),
            &lambda_cfg(),
            &book(),
        );
        assert!(!plan.feasible);
        assert!(
            plan.risks.iter().any(|r| r.contains("25,000")),
            "{:?}",
            plan.risks
        );
        // Express parent: no history limit, but the whole run must fit in 5 minutes.
        let plan = evaluate(
            &d,
            &cfg(StateMachineType::Express, MapMode::Inline),
            &lambda_cfg(),
            &book(),
        );
        assert!(plan.feasible, "{:?}", plan.risks);
        assert!(close(line(&plan, "express_requests").quantity, 1.0, 1e-12));
        let w = fanout_workload(5_000, 1.0, None, 3_000.0);
        let d = Demand::new(&w, FreeTier::none());
        let plan = evaluate(
            &d,
            &cfg(StateMachineType::Express, MapMode::Inline),
            &lambda_cfg(),
            &book(),
        );
        assert!(!plan.feasible);
        assert!(plan.risks.iter().any(|r| r.contains("5-minute")));
    }

    #[test]
    fn auto_memory_meets_the_deadline() {
        // 40 CPU-bound items of 2 s at one vCPU: at 1,024 MB each takes 3.46 s; a 3 s deadline
        // (300 ms cold start included) needs 2,700 ms per item: 1,311 MB.
        let mut w = fanout_workload(40, 1.0, Some(3.0), 2000.0);
        w.request.cpu_ms = 2000.0;
        let d = Demand::new(&w, FreeTier::none());
        let c = cfg(StateMachineType::Standard, MapMode::Inline);
        let plan = evaluate(&d, &c, &lambda_cfg(), &book());
        assert_eq!(plan.config["memory_mb"], json!(1311));
        assert!(plan.feasible, "{:?}", plan.risks);
        let fixed = LambdaConfig {
            memory_mb: AutoOr::Fixed(1024),
            ..LambdaConfig::default()
        };
        let plan = evaluate(&d, &c, &fixed, &book());
        assert_eq!(plan.config["memory_mb"], json!(1024));
        assert!(!plan.feasible);
    }
}
