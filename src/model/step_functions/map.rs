//! Fan-out jobs: a Map state over the items, Inline (iterations inside the parent, 40 at a
//! time) or Distributed (a child execution per item), each item one Lambda invocation.

use super::{
    DISTRIBUTED_MAP_MAX_CONCURRENCY, EXPRESS_MAX_MS, EXPRESS_MEMORY_STEP_MB, Evaluated,
    FANOUT_PARENT_EVENTS, FANOUT_PARENT_TRANSITIONS, HISTORY_MAX_EVENTS, INLINE_ITEM_EVENTS,
    INLINE_ITEM_TRANSITIONS, INLINE_MAP_MAX_CONCURRENCY, PAYLOAD_MAX_KB, TRANSITION_OVERHEAD_MS,
    express_billed_mb, express_gb_s, express_lines, round1, transition_lines, type_id,
};
use crate::model::assess::Assessment;
use crate::model::demand::Demand;
use crate::model::lambda::{self, TASK_LINES, Usage};
use crate::model::latency::LatencyMix;
use crate::model::plan::{Capacity, Figures, Latency};
use crate::model::words::pct;
use crate::pricing::{Missing, PriceBook, keys};
use crate::profile::{Job, LambdaConfig, MapMode, StateMachineType, StepFunctionsConfig};
use serde_json::json;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Map {
    Inline,
    Distributed,
}

/// The job as the configured Map mode runs it; `auto` evaluates both and keeps the cheaper
/// feasible one, else Distributed (the one with fewer limits) shows why it does not fit.
pub(super) fn evaluate(
    d: &Demand,
    cfg: &StepFunctionsConfig,
    lambda: &LambdaConfig,
    book: &PriceBook,
    job: &Job,
) -> Result<Evaluated, Missing> {
    match cfg.map {
        MapMode::Inline => map_run(d, cfg, lambda, book, job, Map::Inline),
        MapMode::Distributed => map_run(d, cfg, lambda, book, job, Map::Distributed),
        MapMode::Auto => {
            let inline = map_run(d, cfg, lambda, book, job, Map::Inline)?;
            let distributed = map_run(d, cfg, lambda, book, job, Map::Distributed)?;
            let (inline_ok, distributed_ok) =
                (inline.verdict.feasible(), distributed.verdict.feasible());
            let infeasible = |ok: bool| if ok { "" } else { " (infeasible)" };
            let note = format!(
                "auto: inline {}{}, distributed {}{}",
                crate::format::usd(inline.total()),
                infeasible(inline_ok),
                crate::format::usd(distributed.total()),
                infeasible(distributed_ok),
            );
            let neither = !inline_ok && !distributed_ok;
            let mut chosen = match (inline_ok, distributed_ok) {
                (true, true) if inline.total() <= distributed.total() => inline,
                (true, false) => inline,
                // Neither works: the one that fails fewer limits (Distributed on a tie).
                (false, false) if inline.verdict.failures() < distributed.verdict.failures() => {
                    inline
                }
                (true, true) | (false, _) => distributed,
            };
            if neither {
                let shown = chosen
                    .figures
                    .config
                    .get("map")
                    .and_then(|m| m.as_str())
                    .unwrap_or("distributed")
                    .to_string();
                chosen.verdict.risk(format!(
                    "Neither Map mode meets every limit: shown as {shown}, the one that fails \
                     fewer ({note})."
                ));
            }
            chosen
                .figures
                .config
                .insert("map_choice".into(), json!(note));
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
) -> Result<Evaluated, Missing> {
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
    let map_limit = match map {
        Map::Inline => INLINE_MAP_MAX_CONCURRENCY,
        Map::Distributed => DISTRIBUTED_MAP_MAX_CONCURRENCY,
    };
    // Lambda's concurrency for the items: the account's default quota unless the deadline
    // needs more (judged at the request's own memory).
    let lambda_concurrency = lambda::Concurrency::of(lambda, book)?;
    let floor_ms = lambda::duration_ms(&d.request, d.request.memory_mb);
    let limit = lambda_concurrency.for_job(items, d.usable_deadline_s(), |c| {
        lambda::run_waves(
            items,
            map_limit.min(c),
            scaling,
            floor_ms,
            lambda.cold_start_ms,
        )
        .makespan_s
    });
    let concurrency = map_limit.min(limit);
    let memory = item_memory(d, lambda, job, concurrency, scaling);
    let dur = lambda::duration_ms(&d.request, memory);
    let run = lambda::run_waves(items, concurrency, scaling, dur, lambda.cold_start_ms);
    let makespan_s = run.makespan_s;
    let cold_per_run = lambda::cold_per_run(runs, run.environments);
    // A fan-out job states no workflow memory: Express bills its 64 MB minimum step.
    let memory_wf = EXPRESS_MEMORY_STEP_MB;
    // Distributed children: Express unless an item runs over Express' limit.
    let children_express = dur + lambda.cold_start_ms <= EXPRESS_MAX_MS;

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
    let mut lines = Vec::new();
    if let Some(price) = transitions_price
        && transitions > 0.0
    {
        lines.extend(transition_lines(transitions, price, d.free));
    }
    if express_requests > 0.0 {
        lines.extend(express_lines(book, express_requests, express_gb)?);
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
    lines.extend(lambda::bill(&usage, TASK_LINES, book, d.free)?);

    // Limits.
    let mut config = BTreeMap::new();
    let mut verdict = Assessment::new();
    lambda_concurrency.check(&mut verdict, run.environments);
    match map {
        Map::Inline => {
            if parent_express {
                if makespan_s * 1000.0 > EXPRESS_MAX_MS {
                    verdict.infeasible(format!(
                        "A run takes {makespan_s:.0} s inside one Express execution, over \
                         Express' 5-minute limit: use a Standard parent or a Distributed Map."
                    ));
                }
            } else {
                let events = FANOUT_PARENT_EVENTS + items * INLINE_ITEM_EVENTS;
                config.insert("history_events_estimate".into(), json!(events));
                if events > HISTORY_MAX_EVENTS {
                    verdict.infeasible(format!(
                        "Inline Map iterations count toward the parent's history: about \
                         {events:.0} events ({INLINE_ITEM_EVENTS:.0} per item), over \
                         Standard's 25,000. Use a Distributed Map."
                    ));
                } else if events > 0.8 * HISTORY_MAX_EVENTS {
                    verdict.risk(format!(
                        "About {events:.0} history events per run, close to Standard's 25,000."
                    ));
                }
            }
            if items > INLINE_MAP_MAX_CONCURRENCY {
                verdict.risk(format!(
                    "Inline Map runs at most 40 iterations at once: {:.0} waves of items.",
                    (items / concurrency).ceil()
                ));
            }
        }
        Map::Distributed => {
            if !children_express {
                verdict.risk(format!(
                    "An item takes {:.0} s, over Express' 5-minute limit: children run as \
                     Standard executions, billed per transition.",
                    (dur + lambda.cold_start_ms) / 1000.0
                ));
            }
            if let Ok(q) = book.quota(keys::Q_SFN_STANDARD_TRANSITIONS) {
                let start_rate = concurrency * 1000.0 / dur.max(1.0);
                if start_rate > q.value {
                    verdict.risk(format!(
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
        verdict.risk(format!(
            "The Map is capped by the Lambda concurrency limit of {limit:.0} (the Map allows \
             {map_limit:.0})."
        ));
    }
    if dur > lambda::TIMEOUT_MS {
        verdict.infeasible(format!(
            "An item takes {:.0} s, over Lambda's 15-minute timeout.",
            dur / 1000.0
        ));
    }
    if d.request.payload_kb > PAYLOAD_MAX_KB {
        verdict.infeasible(format!(
            "Item payload of {:.0} KB exceeds the 256 KB state input/output limit: pass S3 \
             references.",
            d.request.payload_kb
        ));
    }
    if let Some(usable) = d.usable_deadline_s()
        && makespan_s > usable
    {
        verdict.infeasible(format!(
            "A run takes {makespan_s:.0} s, missing {} ({items:.0} items, at most {:.0} at \
             once).",
            d.deadline_words(),
            run.environments
        ));
    }
    let cold_share = if items > 0.0 {
        cold_per_run / items
    } else {
        0.0
    };
    if cold_share > 0.001 {
        verdict.risk(format!(
            "Each run starts cold: {cold_per_run:.0} new environments, {} of items wait an \
             extra {:.0} ms.",
            pct(cold_share),
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

    Ok(Evaluated {
        lines,
        verdict,
        figures: Figures {
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
            throttled_share: 0.0,
            makespan_s: Some(makespan_s),
            capacity_rps: Vec::new(),
        },
    })
}

/// The items' Lambda memory: fixed in the profile, or (`auto`) Lambda's own memory search
/// (`lambda::search_memory`) for the smallest size from the request's memory up whose run
/// meets the deadline. With no deadline the floor is used; with none reachable, the fastest
/// useful size.
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
    let Some(deadline) = d.usable_deadline_s() else {
        return floor;
    };
    let makespan = |m: u32| {
        let dur = lambda::duration_ms(&d.request, m);
        lambda::run_waves(
            job.items as f64,
            concurrency,
            scaling,
            dur,
            lambda.cold_start_ms,
        )
        .makespan_s
    };
    let searched: Result<(u32, f64), std::convert::Infallible> = lambda::search_memory(
        &d.request,
        floor,
        |m| Ok((m, makespan(m))),
        |&(_, makespan_s)| makespan_s <= deadline,
    );
    match searched {
        Ok((memory, _)) => memory,
        Err(never) => match never {},
    }
}

#[cfg(test)]
mod tests {
    use super::super::evaluate;
    use super::super::kit::*;
    use super::*;
    use crate::model::billing::FreeTier;
    use crate::model::testkit::book;
    use crate::profile::AutoOr;

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
        // The account's quota, stated: a hard limit.
        let plan = evaluate(
            &d,
            &cfg(StateMachineType::Standard, MapMode::Distributed),
            &lambda_cfg(),
            &crate::model::testkit::book_with_quotas(&[(keys::Q_LAMBDA_CONCURRENCY, 1000.0)]),
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
    fn auto_map_says_which_mode_it_shows_when_neither_works() {
        // Items of 3 s against a 1 s deadline: no Map mode meets it.
        let w = fanout_workload(100, 30.0, Some(1.0), 3_000.0);
        let plan = evaluate(
            &Demand::new(&w, FreeTier::none()),
            &cfg(StateMachineType::Standard, MapMode::Auto),
            &lambda_cfg(),
            &book(),
        );
        assert!(!plan.feasible);
        assert!(
            plan.risks
                .iter()
                .any(|r| r.starts_with("Neither Map mode meets every limit: shown as")),
            "{:?}",
            plan.risks
        );
    }

    #[test]
    fn auto_memory_meets_the_deadline() {
        // 40 CPU-bound items of 2 s at one vCPU: at 1,024 MB each takes 3.46 s; a 3 s deadline
        // less its 10% margin (2.7 s, 300 ms cold start included) needs 2,400 ms per item:
        // 1,769 × 2,000 / 2,400 = 1,474.2 -> 1,475 MB (1,311 MB without the margin).
        let mut w = fanout_workload(40, 1.0, Some(3.0), 2000.0);
        w.request.cpu_ms = 2000.0;
        let d = Demand::new(&w, FreeTier::none());
        let c = cfg(StateMachineType::Standard, MapMode::Inline);
        let plan = evaluate(&d, &c, &lambda_cfg(), &book());
        assert_eq!(plan.config["memory_mb"], json!(1475));
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
