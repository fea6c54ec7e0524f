//! Workflows: a Standard or Express state machine started per request, its task states Lambda
//! functions with Lambda's own warm pools, cold starts and bill.

use super::{
    EXPRESS_MAX_MS, Evaluated, HISTORY_MAX_EVENTS, MAX_OPEN_EXECUTIONS, PAYLOAD_MAX_KB,
    STANDARD_MAX_MS, TRANSITION_OVERHEAD_MS, express_billed_mb, express_billed_ms, express_gb_s,
    express_lines, round1, transition_lines,
};
use crate::model::assess::{Assessment, QuotaNeed};
use crate::model::demand::Demand;
use crate::model::lambda::{self, TASK_LINES, Usage};
use crate::model::latency::LatencyMix;
use crate::model::plan::{Capacity, Figures, Latency};
use crate::model::traffic::Curve;
use crate::model::words::{self, pct};
use crate::pricing::{Missing, PriceBook, keys};
use crate::profile::{LambdaConfig, Request, StateMachineType, Workflow};
use serde_json::json;
use std::collections::BTreeMap;

/// Estimated Standard history events of one execution: each transition enters and exits a
/// state (2 events), each Lambda task adds scheduled/started/succeeded (3), plus the
/// execution's start and end events and a spare.
pub fn history_events(transitions: f64, task_states: usize) -> f64 {
    2.0 * transitions + 3.0 * task_states as f64 + 3.0
}

/// A state of the workflow as the model runs it.
#[derive(Debug, Clone)]
struct Task {
    name: String,
    /// Lambda memory (task states); 0 for waits.
    memory_mb: u32,
    /// Modelled duration: Lambda duration at its memory, or the wait as stated.
    duration_ms: f64,
    wait: bool,
    /// Then waiting for a callback (`.waitForTaskToken`), ms; 0 for none.
    callback_ms: f64,
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
            callback_ms: 0.0,
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
                    callback_ms: s.callback_ms(),
                };
            }
            let memory = s
                .memory_mb
                .clamp(lambda::MIN_MEMORY_MB, lambda::MAX_MEMORY_MB);
            let req = Request {
                duration_ms: s.duration_ms,
                cpu_ms: s.cpu_ms,
                threads: base.threads,
                runtime: base.runtime,
                memory_mb: s.memory_mb,
                payload_kb: base.payload_kb,
            };
            Task {
                name: s.name.clone(),
                memory_mb: memory,
                duration_ms: lambda::duration_ms(&req, memory),
                wait: false,
                callback_ms: s.callback_ms(),
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

/// Cold starts per period of a task state's function taking `duration_ms` and invoked once
/// per execution, `served[t]` executions/s at step `t`: Lambda's own walk of its environments
/// (mean concurrency plus Poisson headroom, within the concurrency `limit`; new environments
/// where that rises above what ran in the last `lambda::WARM_S`) and Lambda's cold starts
/// (the new environments, or under sparse traffic the invocations that find none warm).
/// Environments come at Lambda's own scaling rule (`scaling_per_10s` in any 10 s); the
/// executions that reach the function are already within the account's limits (see `Bound`),
/// and Step Functions retries an invocation Lambda throttles while it scales, so a shortfall
/// delays task states rather than failing executions.
fn task_cold_starts(
    served: &[f64],
    step_s: f64,
    duration_ms: f64,
    limit: f64,
    scaling_per_10s: f64,
) -> f64 {
    let wanted: Vec<f64> = served
        .iter()
        .map(|&r| lambda::environments_wanted(r, duration_ms, limit))
        .collect();
    let mut cold = 0.0;
    lambda::walk_environments(&wanted, step_s, 0.0, scaling_per_10s, |t, growth| {
        let rate = served[t];
        cold += lambda::cold_starts(growth.created, rate * step_s, rate);
    });
    cold
}

/// The workflow as a state machine of type `kind`, for the executions the quotas let through.
pub(super) fn evaluate(
    d: &Demand,
    kind: StateMachineType,
    lambda: &LambdaConfig,
    book: &PriceBook,
    wf: &Workflow,
) -> Result<Evaluated, Missing> {
    let express = kind == StateMachineType::Express;
    // Fail early, naming the first missing figure.
    let (start_key, start_quota) = if express {
        book.price(keys::SFN_EXPRESS_REQUESTS)?;
        book.price(keys::SFN_EXPRESS_DURATION)?;
        (
            keys::Q_SFN_EXPRESS_STARTS,
            book.quota(keys::Q_SFN_EXPRESS_STARTS)?,
        )
    } else {
        book.price(keys::SFN_STANDARD_TRANSITIONS)?;
        (
            keys::Q_SFN_STANDARD_STARTS,
            book.quota(keys::Q_SFN_STANDARD_STARTS)?,
        )
    };
    let transition_quota = if express {
        None
    } else {
        Some(book.quota(keys::Q_SFN_STANDARD_TRANSITIONS)?)
    };

    let tasks = tasks(d, wf);
    let lambda_tasks: Vec<&Task> = tasks.iter().filter(|t| !t.wait).collect();
    let scaling = if lambda_tasks.is_empty() {
        f64::INFINITY
    } else {
        book.price(&keys::lambda_requests(lambda.architecture))?;
        book.price(&keys::lambda_duration(lambda.architecture))?;
        book.quota(keys::Q_LAMBDA_SCALING)?.value
    };
    let transitions = wf.transitions as f64;
    let steps_ms: f64 = tasks.iter().map(|t| t.duration_ms + t.callback_ms).sum();
    let exec_ms = wf.duration_ms.unwrap_or(steps_ms) + TRANSITION_OVERHEAD_MS * transitions;
    let lambda_ms: f64 = lambda_tasks.iter().map(|t| t.duration_ms).sum();
    let concurrency = lambda::Concurrency::of(lambda, book)?;
    let limit = concurrency.limit();

    // Executions per second the platform lets through: StartExecution refill, Standard's
    // StateTransition refill over the transitions per execution, and the Lambda concurrency
    // limit shared by the task functions.
    // Rate quotas throttle only where the profile states the account's value; AWS's
    // defaults are a quota request away (checked below).
    let mut bounds = Vec::new();
    if start_quota.stated {
        let q = start_quota.value;
        bounds.push(Bound {
            rate: q,
            what: format!(
                "the {} StartExecution quota ({q:.0}/s refill)",
                if express { "Express" } else { "Standard" }
            ),
        });
    }
    if let Some(tq) = transition_quota
        && tq.stated
        && transitions > 0.0
    {
        let q = tq.value;
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

    // What the workflow sustains at the quotas as they stand (defaults included): the
    // throughput figure, not a limit on the traffic.
    let sustains = {
        let mut r = bound.rate.min(start_quota.value);
        if let Some(tq) = transition_quota
            && transitions > 0.0
        {
            r = r.min(tq.value / transitions);
        }
        if lambda_ms > 0.0 {
            r = r.min(concurrency.capacity() * 1000.0 / lambda_ms);
        }
        r
    };

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
        let cold = task_cold_starts(&served_rates, step, t.duration_ms, limit, scaling) * periods;
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

    // Step Functions' own lines, then the task states' Lambda.
    let mut config = BTreeMap::new();
    let mut lines = if express {
        let gb_s: f64 = pops
            .iter()
            .map(|&(w, ms)| express_gb_s(w, ms, wf.memory_mb))
            .sum();
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
        express_lines(book, executions, gb_s)?
    } else {
        config.insert("semantics".into(), json!("exactly-once"));
        transition_lines(
            executions * transitions,
            book.price(keys::SFN_STANDARD_TRANSITIONS)?,
            d.free,
        )
    };
    lines.extend(lambda::bill_functions(&usages, TASK_LINES, book, d.free)?);
    // The task states' functions log: the application's lines once an execution, Lambda's
    // own for every invocation.
    let invocations: f64 = usages.iter().map(|u| u.requests).sum();
    lines.extend(crate::model::logs::lambda(
        d,
        executions,
        invocations,
        book,
    )?);
    lines.extend(crate::model::network::serverless(d, false, book)?);

    // Limits.
    let mut verdict = Assessment::new();
    if lambda_ms > 0.0 {
        concurrency.check(&mut verdict, peak_served * lambda_ms / 1000.0);
    }
    verdict.quota(QuotaNeed {
        name: keys::quota_name(start_key).unwrap_or("StartExecution"),
        quota: start_quota,
        need: peak_served,
        unit: "executions started per second",
    });
    if let Some(tq) = transition_quota {
        verdict.quota(QuotaNeed {
            name: keys::quota_name(keys::Q_SFN_STANDARD_TRANSITIONS).unwrap_or("StateTransition"),
            quota: tq,
            need: peak_served * transitions,
            unit: "state transitions per second",
        });
    }
    if express && let Some(t) = tasks.iter().find(|t| t.callback_ms > 0.0) {
        verdict.infeasible(format!(
            "Step `{}` waits {} for a callback (`.waitForTaskToken`), which Express workflows \
             do not support: use a Standard workflow.",
            t.name,
            words::duration(t.callback_ms / 1000.0)
        ));
    }
    if express && exec_ms > EXPRESS_MAX_MS {
        verdict.infeasible(format!(
            "An execution takes {:.0} s, over Express' 5-minute limit: use a Standard workflow.",
            exec_ms / 1000.0
        ));
    }
    if !express && exec_ms > STANDARD_MAX_MS {
        verdict.infeasible(format!(
            "An execution takes {}, over Standard's 1-year limit.",
            words::duration(exec_ms / 1000.0)
        ));
    }
    let events = history_events(transitions, lambda_tasks.len());
    if !express {
        config.insert("history_events_estimate".into(), json!(events));
        if events > HISTORY_MAX_EVENTS {
            verdict.infeasible(format!(
                "About {events:.0} history events per execution (2 per transition, 3 more per \
                 Lambda task), over Standard's 25,000: the execution fails. Split it into \
                 child workflows."
            ));
        } else if events > 0.8 * HISTORY_MAX_EVENTS {
            verdict.risk(format!(
                "About {events:.0} history events per execution, close to Standard's 25,000 \
                 (retries add more): the execution fails beyond it."
            ));
        }
        let open = peak_served * exec_ms / 1000.0;
        if open > MAX_OPEN_EXECUTIONS {
            verdict.infeasible(format!(
                "About {open:.0} executions open at the peak, over the 1,000,000 open \
                 Standard executions per account and Region."
            ));
        }
    }
    for t in &lambda_tasks {
        if t.duration_ms > lambda::TIMEOUT_MS {
            verdict.infeasible(format!(
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
        verdict.infeasible(format!(
            "Task state `{}` needs {} MB, over Lambda's 10,240 MB maximum.",
            s.name, s.memory_mb
        ));
    }
    if d.request.payload_kb > PAYLOAD_MAX_KB {
        verdict.infeasible(format!(
            "Payload of {:.0} KB exceeds the 256 KB state input/output limit: pass an S3 \
             reference instead.",
            d.request.payload_kb
        ));
    }
    if throttled_share > 0.0 {
        let finding = format!(
            "Throttles {} of executions: the peak of {:.1} starts/s exceeds {} \
             ({:.1} executions/s).",
            pct(throttled_share),
            curve.peak(),
            bound.what,
            bound.rate
        );
        verdict.infeasible_if(throttled_share > d.max_throttled_share(), finding);
    }
    if let Some(target) = d.p99_target_ms()
        && latency.p99 > target
    {
        verdict.infeasible(format!(
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
        verdict.risk(format!(
            "A task state starts cold in {} of executions, each adding about {:.0} ms.",
            pct(cold_share),
            lambda.cold_start_ms
        ));
    }

    config.insert("type".into(), json!(kind.as_str()));
    config.insert("transitions_per_execution".into(), json!(wf.transitions));
    config.insert("execution_duration_ms".into(), json!(round1(exec_ms)));
    config.insert("executions_per_month".into(), json!(executions.round()));
    config.insert(
        "start_execution_quota_per_s".into(),
        json!(start_quota.value),
    );
    if let Some(q) = transition_quota {
        config.insert("state_transition_quota_per_s".into(), json!(q.value));
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
                .map(|t| {
                    let mut state = if t.wait {
                        json!({"name": t.name, "wait": true, "duration_ms": round1(t.duration_ms)})
                    } else {
                        json!({"name": t.name, "memory_mb": t.memory_mb, "duration_ms": round1(t.duration_ms)})
                    };
                    if t.callback_ms > 0.0 {
                        state["callback_wait_s"] = json!(round1(t.callback_ms / 1000.0));
                    }
                    state
                })
                .collect::<Vec<_>>()
        ),
    );
    config.insert(
        "orchestration_overhead_ms".into(),
        json!(TRANSITION_OVERHEAD_MS),
    );

    Ok(Evaluated {
        kind,
        lines,
        verdict,
        figures: Figures {
            config,
            throughput_rps: sustains,
            capacity: Capacity {
                peak: peak_served * exec_ms / 1000.0,
                unit: "concurrent executions".into(),
            },
            latency_ms: latency,
            throttled_share,
            makespan_s: None,
            capacity_rps: Vec::new(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::super::evaluate;
    use super::super::kit::*;
    use super::*;
    use crate::model::billing::FreeTier;
    use crate::model::testkit::book;
    use crate::model::traffic::MONTH_S;
    use crate::profile::{MapMode, Slo};

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
            data_out_gb: 0.0,
            sqs_requests: 0.0,
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
    fn sparse_traffic_leaves_task_states_cold() {
        // 1,000 executions a month (one every 44 minutes) of one 100 ms task state: flat
        // traffic never raises the environments wanted, but with no execution in the 10
        // minutes before, almost every one finds its function cold, as on Lambda alone:
        // e^(-rate · 600 s) of them, rate = 1,000 / 2,628,000 s.
        let w = workflow_workload(1_000.0, 2, None, 64, vec![step("a", 100.0, 128, false)]);
        let d = Demand::new(&w, FreeTier::none());
        let plan = evaluate(
            &d,
            &cfg(StateMachineType::Standard, MapMode::Auto),
            &lambda_cfg(),
            &book(),
        );
        let rate = 1_000.0 / MONTH_S;
        let cold = 1_000.0 * (-rate * lambda::WARM_S).exp();
        let init = line(&plan, "init_duration");
        assert!(
            close(init.quantity, cold * 0.3 * 0.125, 1e-6),
            "{} vs {}",
            init.quantity,
            cold * 0.3 * 0.125
        );
        // p50 and p99 both pay the 300 ms cold start, as the Lambda option does.
        assert!(
            close(plan.latency_ms.p50, 400.0, 1e-6),
            "{:?}",
            plan.latency_ms
        );
        let lambda_alone = lambda::evaluate(
            &Demand::new(
                &crate::model::testkit::flat_service(rate, 100.0, 0.0, 128),
                FreeTier::none(),
            ),
            &lambda_cfg(),
            &book(),
        );
        assert!(close(
            lambda_alone.latency_ms.p50,
            plan.latency_ms.p50,
            1e-6
        ));
        assert!(
            plan.risks
                .iter()
                .any(|r| r.starts_with("A task state starts cold in")),
            "{:?}",
            plan.risks
        );
    }

    #[test]
    fn start_execution_quota_throttles() {
        // 500 executions/s flat against the account's stated 300/s refill: 40% throttled.
        let w = workflow_workload(
            500.0 * MONTH_S,
            2,
            None,
            64,
            vec![step("wait", 100.0, 128, true)],
        );
        let stated =
            crate::model::testkit::book_with_quotas(&[(keys::Q_SFN_STANDARD_STARTS, 300.0)]);
        let plan = evaluate(
            &Demand::new(&w, FreeTier::none()),
            &cfg(StateMachineType::Standard, MapMode::Auto),
            &lambda_cfg(),
            &stated,
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

        // AWS's default 300/s is a quota request away: nothing throttled, the option stays
        // feasible and says what it needs.
        let plan = evaluate(
            &Demand::new(&w, FreeTier::none()),
            &cfg(StateMachineType::Standard, MapMode::Auto),
            &lambda_cfg(),
            &book(),
        );
        assert_eq!(plan.throttled_share, 0.0);
        assert!(plan.feasible, "{:?}", plan.risks);
        assert!(
            plan.quota_requests
                .iter()
                .any(|q| q.contains("500 executions started per second")
                    && q.contains("StartExecution")
                    && q.contains("default of 300")),
            "{:?}",
            plan.quota_requests
        );

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
            p99_message_age_s: None,
            p99_iterator_age_s: None,
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
}

#[cfg(test)]
mod callback_tests {
    use super::super::evaluate;
    use super::super::kit::*;
    use super::*;
    use crate::model::billing::FreeTier;
    use crate::model::testkit::book;
    use crate::profile::{MapMode, StepFunctionsConfig, WorkflowType};

    /// 100,000 approvals a month: a 100 ms Lambda sends the task token, a person answers
    /// within 4 hours, a 200 ms Lambda records the answer.
    fn approval() -> crate::profile::Workload {
        let mut ask = step("ask", 100.0, 128, false);
        ask.callback_wait_s = Some(4.0 * 3600.0);
        workflow_workload(
            100_000.0,
            4,
            None,
            64,
            vec![ask, step("record", 200.0, 128, false)],
        )
    }

    #[test]
    fn express_cannot_wait_for_a_callback_and_standard_can() {
        let w = approval();
        let d = Demand::new(&w, FreeTier::none());
        let express = evaluate(
            &d,
            &cfg(StateMachineType::Express, MapMode::Auto),
            &lambda_cfg(),
            &book(),
        );
        assert!(!express.feasible);
        assert!(
            express.risks[0]
                .contains("(`.waitForTaskToken`), which Express workflows do not support"),
            "{:?}",
            express.risks
        );
        // The pin is kept; Standard is named, and returned for the recommendation to name.
        assert_eq!(express.config["type"], json!("express"));
        assert!(
            express.risks.iter().any(|r| r
                .starts_with("Standard workflows would cost $10.10/month")
                && r.contains("can run it where Express cannot")),
            "{:?}",
            express.risks
        );
        let alt = express.alternative.clone().unwrap();
        assert_eq!(alt.setting, "type: standard");
        assert_eq!(alt.pinned, "type: express");

        // `auto` (the default) takes Standard and says why. 4 transitions × 100,000 = $10,
        // plus the two functions; the callback is waited for, not billed.
        let auto = evaluate(&d, &StepFunctionsConfig::default(), &lambda_cfg(), &book());
        assert!(auto.feasible, "{:?}", auto.risks);
        assert_eq!(auto.config["type"], json!("standard"));
        assert!(
            auto.config["type_choice"]
                .as_str()
                .is_some_and(|s| s
                    .starts_with("auto: Standard, as Express cannot run it: Step `ask` waits 4 h")),
            "{:?}",
            auto.config["type_choice"]
        );
        assert!(auto.alternative.is_none());
        assert!(close(line(&auto, "state_transitions").cost_usd, 10.0, 1e-9));
        // The execution lasts the callback: 4 h and 300 ms.
        assert!(
            close(auto.latency_ms.p50, 14_400_300.0, 1.0),
            "{:?}",
            auto.latency_ms
        );
    }

    #[test]
    fn auto_takes_the_cheaper_feasible_type() {
        // 100,000 executions of 8 transitions and a 1 s wait: Standard $20.00, Express $0.20.
        let w = workflow_workload(
            100_000.0,
            8,
            None,
            64,
            vec![step("wait", 1000.0, 128, true)],
        );
        let d = Demand::new(&w, FreeTier::none());
        let auto = evaluate(&d, &StepFunctionsConfig::default(), &lambda_cfg(), &book());
        assert_eq!(auto.config["type"], json!("express"));
        assert!(
            close(auto.monthly_cost_usd, 0.20, 0.005),
            "{}",
            auto.monthly_cost_usd
        );
        assert_eq!(
            auto.config["type_choice"],
            json!(
                "auto: Express, the cheaper feasible type (Standard $20.00/month, Express $0.20/month)"
            )
        );
        assert!(auto.risks.iter().any(|r| r.contains("at least once")));
        // Pinned Standard stays Standard and names Express.
        let pinned = StepFunctionsConfig {
            kind: WorkflowType::Standard,
            ..StepFunctionsConfig::default()
        };
        let standard = evaluate(&d, &pinned, &lambda_cfg(), &book());
        assert_eq!(standard.config["type"], json!("standard"));
        assert!(close(
            standard.alternative.unwrap().monthly_cost_usd,
            0.20,
            0.005
        ));
    }

    #[test]
    fn a_workflow_runs_at_most_a_year_on_standard() {
        let mut wait = step("wait", 0.0, 128, true);
        wait.callback_wait_s = Some(400.0 * 86_400.0);
        let w = workflow_workload(10.0, 2, None, 64, vec![wait]);
        let plan = evaluate(
            &Demand::new(&w, FreeTier::none()),
            &StepFunctionsConfig::default(),
            &lambda_cfg(),
            &book(),
        );
        assert!(!plan.feasible);
        assert!(
            plan.risks.iter().any(|r| r.contains("1-year limit")),
            "{:?}",
            plan.risks
        );
    }
}

#[cfg(test)]
mod scaling_tests {
    use super::super::evaluate;
    use super::super::kit::*;
    use super::*;
    use crate::model::billing::FreeTier;
    use crate::model::testkit::book;
    use crate::profile::{MapMode, Shape, TraceData};

    #[test]
    fn task_states_add_environments_at_lambdas_scaling_rule() {
        // One minute a day at 6,000 Express executions/s of one 2 s task state: about 12,219
        // environments wanted (12,000 + Poisson headroom), of which Lambda adds 6,000 in the
        // minute (1,000 per 10 s): 6,000 cold starts a day, not 12,219.
        let mut w = workflow_workload(1.0, 2, None, 64, vec![step("a", 2000.0, 128, false)]);
        if let Some(t) = w.work.traffic_mut() {
            let mut rps = vec![0.0; 1440];
            rps[720] = 6000.0;
            t.shape = Shape::Trace;
            t.monthly_requests = None;
            t.trace_data = Some(TraceData { step_s: 60.0, rps });
        }
        let d = Demand::new(&w, FreeTier::none());
        let lambda = LambdaConfig {
            concurrency_limit: Some(20_000),
            ..lambda_cfg()
        };
        let plan = evaluate(
            &d,
            &cfg(StateMachineType::Express, MapMode::Auto),
            &lambda,
            &book(),
        );
        let periods = d.curve.periods_per_month();
        let cold_per_day = line(&plan, "init_duration").quantity / (0.3 * 0.125) / periods;
        assert!(close(cold_per_day, 6000.0, 1e-6), "{cold_per_day}");
    }
}
