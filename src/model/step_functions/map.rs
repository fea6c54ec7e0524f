//! Fan-out jobs: a Map state over the items, Inline (iterations inside the parent, 40 at a
//! time, each item one Lambda invocation) or Distributed (a child execution per batch of items,
//! AWS's ItemBatcher: the batch runs its items one after another in one Lambda invocation; the
//! batch size pinned or, `auto`, the cheapest feasible). The 256 KiB state limit is checked on
//! an Inline Map's items and results and on a Distributed child's batch.

use super::{
    DISTRIBUTED_MAP_MAX_CONCURRENCY, EXPRESS_MAX_MS, EXPRESS_MEMORY_STEP_MB, Evaluated,
    FANOUT_PARENT_EVENTS, FANOUT_PARENT_TRANSITIONS, HISTORY_MAX_EVENTS, INLINE_ITEM_EVENTS,
    INLINE_ITEM_TRANSITIONS, INLINE_MAP_MAX_CONCURRENCY, PAYLOAD_MAX_KB, TRANSITION_OVERHEAD_MS,
    choose_type, express_billed_mb, express_gb_s, express_lines, round1, transition_lines,
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
    let inline = || inline(d, cfg, lambda, book, job);
    let distributed = || distributed(d, cfg, lambda, book, job);
    match cfg.map {
        MapMode::Inline => inline(),
        MapMode::Distributed => distributed(),
        MapMode::Auto => {
            let inline = inline()?;
            let distributed = distributed()?;
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

/// An Inline Map, its parent of the configured type (`auto`: the cheaper feasible,
/// `super::choose_type`).
fn inline(
    d: &Demand,
    cfg: &StepFunctionsConfig,
    lambda: &LambdaConfig,
    book: &PriceBook,
    job: &Job,
) -> Result<Evaluated, Missing> {
    let (chosen, _) = choose_type(cfg.kind, |parent| {
        map_run(d, lambda, book, job, Map::Inline, parent, 1)
    })?;
    Ok(chosen)
}

/// A Distributed Map ([`distributed_batches`]), saying why its parent is Standard when the
/// profile asks for Express or leaves the type to planner: AWS runs a Distributed Map only
/// in a Standard workflow, so the type applies to the child executions.
fn distributed(
    d: &Demand,
    cfg: &StepFunctionsConfig,
    lambda: &LambdaConfig,
    book: &PriceBook,
    job: &Job,
) -> Result<Evaluated, Missing> {
    let mut plan = distributed_batches(d, cfg, lambda, book, job)?;
    let children = plan
        .figures
        .config
        .get("child_type")
        .and_then(|c| c.as_str())
        .unwrap_or("standard")
        .to_string();
    let asked = match cfg.kind {
        crate::profile::WorkflowType::Express => Some("type: express"),
        crate::profile::WorkflowType::Auto => Some("type: auto"),
        crate::profile::WorkflowType::Standard => None,
    };
    if let Some(asked) = asked {
        plan.figures.config.insert(
            "type_choice".into(),
            json!(format!(
                "{asked} applies to the child executions ({children}): the parent of a \
                 Distributed Map is Standard, the only type AWS runs one in"
            )),
        );
    }
    Ok(plan)
}

/// A Distributed Map (its parent Standard) with the items per child execution the profile
/// pins, or (`auto`) the cheapest batch size that is feasible ([`batch_sizes`]); when none is,
/// one item per child, whose findings say why.
fn distributed_batches(
    d: &Demand,
    cfg: &StepFunctionsConfig,
    lambda: &LambdaConfig,
    book: &PriceBook,
    job: &Job,
) -> Result<Evaluated, Missing> {
    let run = |batch: u64| {
        map_run(
            d,
            lambda,
            book,
            job,
            Map::Distributed,
            StateMachineType::Standard,
            batch,
        )
    };
    if let Some(&n) = cfg.items_per_batch.fixed() {
        return run(u64::from(n.max(1)));
    }
    let mut best: Option<(u64, Evaluated)> = None;
    // What one item per child would cost, for the note.
    let mut single: Option<f64> = None;
    let mut keep = |batch: u64, plan: Evaluated, single: &mut Option<f64>| {
        if batch == 1 {
            *single = Some(plan.total());
        }
        if best.as_ref().is_none_or(|(_, b)| plan.total() < b.total()) {
            best = Some((batch, plan));
        }
    };
    let sizes = batch_sizes(d, lambda, book, job)?;
    // The largest size tried that is feasible, and the next one, which is not.
    let mut edge: (Option<u64>, Option<u64>) = (None, None);
    for &batch in &sizes {
        let plan = run(batch)?;
        if plan.verdict.feasible() {
            edge = (Some(batch), None);
            keep(batch, plan, &mut single);
        } else if edge.0.is_some() && edge.1.is_none() {
            edge.1 = Some(batch);
        }
    }
    // Between them, the largest feasible size (whatever limit ends feasibility: the deadline
    // with its margin, a state size, a timeout).
    if let (Some(mut lo), Some(mut hi)) = edge {
        let mut found = None;
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            let plan = run(mid)?;
            if plan.verdict.feasible() {
                lo = mid;
                found = Some((mid, plan));
            } else {
                hi = mid;
            }
        }
        if let Some((batch, plan)) = found {
            keep(batch, plan, &mut single);
        }
    }
    let note = match (&best, single) {
        (None, _) => "auto: no batch size is feasible; one item per child shown".to_string(),
        (Some((1, _)), _) => "auto: one item per child, the cheapest feasible size".to_string(),
        (Some((batch, plan)), Some(one)) => format!(
            "auto: {batch} items per child, the cheapest feasible size ({}/month; one item \
             per child: {}/month)",
            crate::format::usd(plan.total()),
            crate::format::usd(one)
        ),
        (Some((batch, plan)), None) => format!(
            "auto: {batch} items per child, the cheapest feasible size ({}/month; one item \
             per child is infeasible)",
            crate::format::usd(plan.total())
        ),
    };
    let (_, mut chosen) = match best {
        Some(b) => b,
        None => (1, run(1)?),
    };
    chosen
        .figures
        .config
        .insert("batch_choice".into(), json!(note));
    Ok(chosen)
}

/// The most items one child execution can take: its input (the batch's items, `payload_kb`
/// each, counted whole: request and response) within the 256 KiB state limit, its one Lambda
/// invocation (the items one after another) within Lambda's 15-minute timeout, and no more
/// than the job's items. At least 1.
fn max_batch(d: &Demand, job: &Job, dur_ms: f64) -> u64 {
    let by_payload = (PAYLOAD_MAX_KB / d.request.payload_kb.max(1e-9)).floor();
    let by_timeout = (lambda::TIMEOUT_MS / dur_ms.max(1e-9)).floor();
    let most = by_payload.min(by_timeout).min(job.items as f64);
    if most.is_finite() && most >= 1.0 {
        most as u64
    } else {
        1
    }
}

/// Batch sizes `auto` tries for a Distributed Map: 1, 2, 5, 10, 20, 50, ... up to the most a
/// child can take ([`max_batch`]), that most itself, the most whose child still fits Express'
/// 5 minutes, and the largest that (at the floor memory) meets the deadline. Larger batches
/// start fewer children (fewer transitions, requests and cold starts), so cost falls as the
/// batch grows while the run's makespan rises: the cheapest feasible size is at or next to
/// the largest that meets the deadline and the limits, which is in the list.
fn batch_sizes(
    d: &Demand,
    lambda: &LambdaConfig,
    book: &PriceBook,
    job: &Job,
) -> Result<Vec<u64>, Missing> {
    let scaling = book.quota(keys::Q_LAMBDA_SCALING)?.value;
    let floor = d
        .request
        .memory_mb
        .clamp(lambda::MIN_MEMORY_MB, lambda::MAX_MEMORY_MB);
    let memory = lambda.memory_mb.fixed().copied().unwrap_or(floor);
    let dur = lambda::duration_ms(&d.request, memory);
    let most = max_batch(d, job, dur);
    let mut sizes: Vec<u64> = Vec::new();
    let mut step = 1u64;
    while step <= most {
        for k in [1, 2, 5] {
            if step * k <= most {
                sizes.push(step * k);
            }
        }
        step = step.saturating_mul(10);
    }
    sizes.push(most);
    let express_most = ((EXPRESS_MAX_MS - lambda.cold_start_ms) / dur.max(1e-9)).floor();
    if express_most >= 1.0 && express_most < most as f64 {
        sizes.push(express_most as u64);
    }
    if let Some(deadline) = d.usable_deadline_s() {
        // The most children at once: the Map's own cap, within a hard Lambda limit if any
        // (a default quota is a request away).
        let concurrency =
            DISTRIBUTED_MAP_MAX_CONCURRENCY.min(lambda::Concurrency::of(lambda, book)?.limit());
        let meets = |b: u64| {
            let (batches, batch_ms) = batches(job.items, b, dur);
            lambda::run_waves(
                batches,
                concurrency,
                scaling,
                batch_ms,
                lambda.cold_start_ms,
            )
            .makespan_s
                <= deadline
        };
        if meets(1) {
            let (mut lo, mut hi) = (1u64, most);
            if meets(hi) {
                lo = hi;
            }
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if meets(mid) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            sizes.push(lo);
        }
    }
    sizes.sort_unstable();
    sizes.dedup();
    Ok(sizes)
}

/// Children and the longest child's run for `items` in batches of `batch`, each item taking
/// `dur_ms`: `(children, ms)`.
fn batches(items: u64, batch: u64, dur_ms: f64) -> (f64, f64) {
    let batch = batch.clamp(1, items.max(1));
    (items.div_ceil(batch) as f64, batch as f64 * dur_ms)
}

/// One Map run: `map` mode, its parent of type `parent` (a Distributed Map's is Standard),
/// `batch` items per Distributed child (1 for Inline).
fn map_run(
    d: &Demand,
    lambda: &LambdaConfig,
    book: &PriceBook,
    job: &Job,
    map: Map,
    parent: StateMachineType,
    batch: u64,
) -> Result<Evaluated, Missing> {
    let scaling = book.quota(keys::Q_LAMBDA_SCALING)?.value;
    book.price(&keys::lambda_requests(lambda.architecture))?;
    book.price(&keys::lambda_duration(lambda.architecture))?;
    let parent_express = map == Map::Inline && parent == StateMachineType::Express;
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
    let batch = match map {
        Map::Inline => 1,
        Map::Distributed => batch.clamp(1, job.items.max(1)),
    };
    // Lambda's concurrency for the children (one invocation a batch): the account's default
    // quota unless the deadline needs more (judged at the request's own memory).
    let lambda_concurrency = lambda::Concurrency::of(lambda, book)?;
    let (floor_children, floor_batch_ms) = batches(
        job.items,
        batch,
        lambda::duration_ms(&d.request, d.request.memory_mb),
    );
    let limit = lambda_concurrency.for_job(floor_children, d.usable_deadline_s(), |c| {
        lambda::run_waves(
            floor_children,
            map_limit.min(c),
            scaling,
            floor_batch_ms,
            lambda.cold_start_ms,
        )
        .makespan_s
    });
    let concurrency = map_limit.min(limit);
    let memory = item_memory(d, lambda, job, concurrency, scaling, batch);
    let dur = lambda::duration_ms(&d.request, memory);
    // Each child (or Inline iteration) is one Lambda invocation running its batch's items one
    // after another.
    let (children, batch_ms) = batches(job.items, batch, dur);
    let child_ms = if children > 0.0 {
        items * dur / children
    } else {
        0.0
    };
    let run = lambda::run_waves(
        children,
        concurrency,
        scaling,
        batch_ms,
        lambda.cold_start_ms,
    );
    let makespan_s = run.makespan_s;
    let cold_per_run = lambda::cold_per_run(runs, run.environments);
    // A fan-out job states no workflow memory: Express bills its 64 MB minimum step.
    let memory_wf = EXPRESS_MEMORY_STEP_MB;
    // Distributed children: Express unless a batch runs over Express' limit.
    let children_express = batch_ms + lambda.cold_start_ms <= EXPRESS_MAX_MS;

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
            transitions = runs * (FANOUT_PARENT_TRANSITIONS + children);
            if children_express {
                express_requests = runs * children;
                express_gb = express_gb_s(runs * (children - cold_per_run), child_ms, memory_wf)
                    + express_gb_s(
                        runs * cold_per_run,
                        child_ms + lambda.cold_start_ms,
                        memory_wf,
                    );
            } else {
                transitions += runs * children * INLINE_ITEM_TRANSITIONS;
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

    // The items' Lambda: one invocation per child, running its batch.
    let usage = Usage {
        arch: lambda.architecture,
        memory_mb: memory,
        requests: children * runs,
        duration_ms: child_ms,
        provisioned: None,
        cold_starts: cold_per_run * runs,
        init_ms: lambda.cold_start_ms,
        ephemeral_storage_mb: lambda.ephemeral_storage_mb,
    };
    lines.extend(lambda::bill(&usage, TASK_LINES, book, d.free)?);
    // The items' application logs and Lambda's own lines for every child's invocation.
    lines.extend(crate::model::logs::lambda(
        d,
        d.monthly_requests(),
        usage.requests,
        book,
    )?);
    lines.extend(crate::model::network::serverless(d, false, book)?);
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
            state_size(
                &mut verdict,
                items * d.request.payload_kb,
                &format!(
                    "An Inline Map's input holds every item and its output every result: \
                     {items:.0} items"
                ),
                "use a Distributed Map reading the items from S3 (ItemReader) and writing \
                 results to S3 (ResultWriter)",
            );
        }
        Map::Distributed => {
            if !children_express {
                verdict.risk(format!(
                    "A child takes {:.0} s, over Express' 5-minute limit: children run as \
                     Standard executions, billed per transition.",
                    (batch_ms + lambda.cold_start_ms) / 1000.0
                ));
            }
            if batch > 1 {
                state_size(
                    &mut verdict,
                    batch as f64 * d.request.payload_kb,
                    &format!(
                        "A child's input holds its batch and its output the results: {batch} items"
                    ),
                    "batch fewer items per child",
                );
                if batch_ms > lambda::TIMEOUT_MS {
                    verdict.infeasible(format!(
                        "A child's {batch} items take {:.0} s in one invocation, over Lambda's \
                         15-minute timeout: batch fewer items per child.",
                        batch_ms / 1000.0
                    ));
                }
            }
            if let Ok(q) = book.quota(keys::Q_SFN_STANDARD_TRANSITIONS) {
                let start_rate = concurrency * 1000.0 / batch_ms.max(1.0);
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
    if limit < map_limit && children > limit {
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
        let children_words = if batch > 1 {
            format!(" in {children:.0} children of {batch}")
        } else {
            String::new()
        };
        verdict.infeasible(format!(
            "A run takes {makespan_s:.0} s, missing {} ({items:.0} items{children_words}, at \
             most {:.0} at once).",
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
        json!(
            if parent_express {
                StateMachineType::Express
            } else {
                StateMachineType::Standard
            }
            .as_str()
        ),
    );
    config.insert(
        "map".into(),
        json!(match map {
            Map::Inline => "inline",
            Map::Distributed => "distributed",
        }),
    );
    if map == Map::Distributed {
        config.insert("items_per_batch".into(), json!(batch));
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
        kind: if parent_express {
            StateMachineType::Express
        } else {
            StateMachineType::Standard
        },
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

/// The 256 KiB state input/output limit for `total_kb` of items and results (`payload_kb`
/// counts an item's request and response together): over twice the limit, the input or the
/// output is over it whatever the split, and the option cannot work; over the limit, it works
/// only if neither half is, a risk.
fn state_size(verdict: &mut Assessment, total_kb: f64, what: &str, fix: &str) {
    if total_kb > 2.0 * PAYLOAD_MAX_KB {
        verdict.infeasible(format!(
            "{what} and their results come to {total_kb:.0} KB, so the input or the output is \
             over Step Functions' 256 KiB state limit: {fix}."
        ));
    } else if total_kb > PAYLOAD_MAX_KB {
        verdict.risk(format!(
            "{what} and their results come to {total_kb:.0} KB: within Step Functions' 256 KiB \
             state limit only if neither the items nor the results pass it alone."
        ));
    }
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
    batch: u64,
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
        let (children, batch_ms) = batches(job.items, batch, lambda::duration_ms(&d.request, m));
        lambda::run_waves(
            children,
            concurrency,
            scaling,
            batch_ms,
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

    /// `c` with one item per Distributed Map child (no batching).
    fn one_per_child(c: StepFunctionsConfig) -> StepFunctionsConfig {
        StepFunctionsConfig {
            items_per_batch: AutoOr::Fixed(1),
            ..c
        }
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
            &one_per_child(cfg(StateMachineType::Standard, MapMode::Distributed)),
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

        // Without a deadline, auto takes the cheaper: with one item per child, inline avoids
        // the children's charges.
        let w = fanout_workload(400, 30.0, None, 1000.0);
        let d = Demand::new(&w, FreeTier::none());
        let auto = evaluate(
            &d,
            &one_per_child(cfg(StateMachineType::Standard, MapMode::Auto)),
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
            &one_per_child(cfg(StateMachineType::Standard, MapMode::Distributed)),
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
        // Express parent: no history limit, but the whole run must fit in 5 minutes (and its
        // 5,000 items and results in 256 KiB: 50 bytes each).
        let mut w = w.clone();
        w.request.payload_kb = 0.05;
        let d = Demand::new(&w, FreeTier::none());
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

#[cfg(test)]
mod batching_tests {
    use super::super::evaluate;
    use super::super::kit::*;
    use super::*;
    use crate::model::billing::FreeTier;
    use crate::model::testkit::book;
    use crate::profile::AutoOr;

    fn distributed_cfg(items_per_batch: AutoOr<u32>) -> StepFunctionsConfig {
        StepFunctionsConfig {
            items_per_batch,
            ..cfg(StateMachineType::Standard, MapMode::Distributed)
        }
    }

    /// The profile asks for Express: a Distributed Map's parent is Standard all the same,
    /// and the plan says why, once, where it shows the type (it used to show `type =
    /// standard` without a word).
    #[test]
    fn an_express_distributed_map_says_why_its_parent_is_standard() {
        let w = fanout_workload(10_000, 730.0, Some(120.0), 1000.0);
        let d = Demand::new(&w, FreeTier::none());
        let express = StepFunctionsConfig {
            items_per_batch: AutoOr::Auto,
            ..cfg(StateMachineType::Express, MapMode::Distributed)
        };
        let p = evaluate(&d, &express, &lambda_cfg(), &book());
        assert_eq!(p.config["type"], json!("standard"));
        assert_eq!(p.config["child_type"], json!("express"));
        assert_eq!(
            p.config["type_choice"],
            json!(
                "type: express applies to the child executions (express): the parent of a \
                 Distributed Map is Standard, the only type AWS runs one in"
            )
        );
        // Asked for Standard: nothing to explain.
        let standard = evaluate(&d, &distributed_cfg(AutoOr::Auto), &lambda_cfg(), &book());
        assert!(!standard.config.contains_key("type_choice"));
    }

    #[test]
    fn auto_batches_items_per_child_within_the_deadline() {
        // 10,000 items of 1 s, 1,000 at once, 120 s deadline. One item per child: 10,003
        // transitions and 10,000 child starts a run. Batches of b run one after another in
        // their child, 10,000 / b children: the largest b that meets the deadline less its
        // 10% margin (108 s) is 107 (94 children of 107 s, started at once, + 0.3 s cold
        // start), so 97 transitions.
        let w = fanout_workload(10_000, 730.0, Some(120.0), 1000.0);
        let d = Demand::new(&w, FreeTier::none());
        let one = evaluate(
            &d,
            &distributed_cfg(AutoOr::Fixed(1)),
            &lambda_cfg(),
            &book(),
        );
        let auto = evaluate(&d, &distributed_cfg(AutoOr::Auto), &lambda_cfg(), &book());
        assert!(
            one.feasible && auto.feasible,
            "{:?} {:?}",
            one.risks,
            auto.risks
        );
        assert_eq!(one.config["transitions_per_run"], json!(10_003.0));
        assert_eq!(auto.config["items_per_batch"], json!(107));
        assert_eq!(auto.config["transitions_per_run"], json!(3.0 + 94.0));
        assert!(close(
            line(&auto, "express_requests").quantity,
            730.0 * 94.0,
            1e-6
        ));
        assert!(close(
            line(&auto, "lambda_requests").quantity,
            730.0 * 94.0,
            1e-6
        ));
        // The same Lambda GB-seconds (but for billing a child's invocation to the whole ms):
        // every item still runs its second.
        let (batched, single) = (
            line(&auto, "lambda_duration").quantity,
            line(&one, "lambda_duration").quantity,
        );
        assert!(close(batched / single, 1.0, 1e-5), "{batched} vs {single}");
        assert!(auto.makespan_s.unwrap() <= 108.0, "{:?}", auto.makespan_s);
        assert!(auto.monthly_cost_usd < one.monthly_cost_usd / 2.0);
        assert!(
            auto.config["batch_choice"]
                .as_str()
                .is_some_and(|s| s.starts_with("auto: 107 items per child")),
            "{:?}",
            auto.config["batch_choice"]
        );
        // A pinned size is respected, and a run that misses the deadline says so.
        let pinned = evaluate(
            &d,
            &distributed_cfg(AutoOr::Fixed(200)),
            &lambda_cfg(),
            &book(),
        );
        assert_eq!(pinned.config["items_per_batch"], json!(200));
        assert!(!pinned.feasible);
        assert!(
            pinned
                .risks
                .iter()
                .any(|r| r.contains("50 children of 200")),
            "{:?}",
            pinned.risks
        );
    }

    #[test]
    fn batches_stay_within_the_state_size_and_lambda_timeout() {
        // 20 KB items: 12 fit a child's 256 KiB input, whatever the deadline allows.
        let mut w = fanout_workload(10_000, 1.0, None, 100.0);
        w.request.payload_kb = 20.0;
        let d = Demand::new(&w, FreeTier::none());
        let auto = evaluate(&d, &distributed_cfg(AutoOr::Auto), &lambda_cfg(), &book());
        assert!(auto.feasible, "{:?}", auto.risks);
        assert_eq!(auto.config["items_per_batch"], json!(12));
        let pinned = evaluate(
            &d,
            &distributed_cfg(AutoOr::Fixed(100)),
            &lambda_cfg(),
            &book(),
        );
        assert!(!pinned.feasible);
        assert!(
            pinned.risks.iter().any(|r| r.contains("256 KiB")),
            "{:?}",
            pinned.risks
        );
        // 10 s items: 90 fit one 15-minute invocation.
        let w = fanout_workload(10_000, 1.0, None, 10_000.0);
        let d = Demand::new(&w, FreeTier::none());
        let auto = evaluate(&d, &distributed_cfg(AutoOr::Auto), &lambda_cfg(), &book());
        assert_eq!(auto.config["items_per_batch"], json!(90));
        let pinned = evaluate(
            &d,
            &distributed_cfg(AutoOr::Fixed(91)),
            &lambda_cfg(),
            &book(),
        );
        assert!(
            pinned.risks.iter().any(|r| r.contains("15-minute timeout")),
            "{:?}",
            pinned.risks
        );
    }

    #[test]
    fn an_inline_maps_items_and_results_must_fit_the_state_limit() {
        // 3,000 items of 20 KB: 60,000 KB through one Inline Map's input and output.
        let mut w = fanout_workload(3_000, 1.0, None, 100.0);
        w.request.payload_kb = 20.0;
        let d = Demand::new(&w, FreeTier::none());
        let inline = evaluate(
            &d,
            &cfg(StateMachineType::Standard, MapMode::Inline),
            &lambda_cfg(),
            &book(),
        );
        assert!(!inline.feasible);
        assert!(
            inline
                .risks
                .iter()
                .any(|r| r.contains("256 KiB state limit")),
            "{:?}",
            inline.risks
        );
        // 20 items of 20 KB (400 KB in all) fit only if neither half passes 256 KiB: a risk.
        let mut w = fanout_workload(20, 1.0, None, 100.0);
        w.request.payload_kb = 20.0;
        let d = Demand::new(&w, FreeTier::none());
        let inline = evaluate(
            &d,
            &cfg(StateMachineType::Standard, MapMode::Inline),
            &lambda_cfg(),
            &book(),
        );
        assert!(inline.feasible, "{:?}", inline.risks);
        assert!(inline.risks.iter().any(|r| r.contains("only if neither")));
    }
}
