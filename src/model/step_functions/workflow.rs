//! Workflows: a Standard or Express state machine started per request, its task states Lambda
//! functions with Lambda's own warm pools, cold starts and bill.

use super::{
    EXPRESS_MAX_MS, Evaluated, HISTORY_MAX_EVENTS, MAX_OPEN_EXECUTIONS, PAYLOAD_MAX_KB,
    TRANSITION_OVERHEAD_MS, express_billed_mb, express_billed_ms, express_gb_s, express_lines,
    round1, transition_lines, type_id,
};
use crate::model::assess::Assessment;
use crate::model::demand::Demand;
use crate::model::lambda::{self, TASK_LINES, Usage};
use crate::model::latency::LatencyMix;
use crate::model::plan::{Capacity, Figures, Latency};
use crate::model::traffic::Curve;
use crate::model::words::pct;
use crate::pricing::{Missing, PriceBook, keys};
use crate::profile::{LambdaConfig, Request, StateMachineType, StepFunctionsConfig, Workflow};
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
                runtime: base.runtime,
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

/// Cold starts per period of a task state's function taking `duration_ms` and invoked once
/// per execution, `served[t]` executions/s at step `t`: Lambda's own walk of its environments
/// (mean concurrency plus Poisson headroom, within the concurrency `limit`; new environments
/// where that rises above what ran in the last `lambda::WARM_S`) and Lambda's cold starts
/// (the new environments, or under sparse traffic the invocations that find none warm).
/// The executions that reach the function are already within the account's limits (see
/// `Bound`), so the walk adds environments without Lambda's scaling-rate ramp.
fn task_cold_starts(served: &[f64], step_s: f64, duration_ms: f64, limit: f64) -> f64 {
    let wanted: Vec<f64> = served
        .iter()
        .map(|&r| lambda::environments_wanted(r, duration_ms, limit))
        .collect();
    let mut cold = 0.0;
    lambda::walk_environments(&wanted, step_s, 0.0, f64::INFINITY, |t, growth| {
        let rate = served[t];
        cold += lambda::cold_starts(growth.created, rate * step_s, rate);
    });
    cold
}

/// The workflow, as configured (`cfg.kind`), for the executions the quotas let through.
pub(super) fn evaluate(
    d: &Demand,
    cfg: &StepFunctionsConfig,
    lambda: &LambdaConfig,
    book: &PriceBook,
    wf: &Workflow,
) -> Result<Evaluated, Missing> {
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
        let cold = task_cold_starts(&served_rates, step, t.duration_ms, limit) * periods;
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

    // Limits.
    let mut verdict = Assessment::new();
    if express && exec_ms > EXPRESS_MAX_MS {
        verdict.infeasible(format!(
            "An execution takes {:.0} s, over Express' 5-minute limit: use a Standard workflow.",
            exec_ms / 1000.0
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

    Ok(Evaluated {
        lines,
        verdict,
        figures: Figures {
            config,
            throughput_rps: bound.rate,
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
}
