//! Fan-out jobs on Lambda: one asynchronous invocation per item, run in waves up to the
//! concurrency limit at the scaling rate. Step Functions' Map state runs its items the same way
//! (`run_waves`, `cold_per_run`).

use super::{
    ASYNC_PAYLOAD_KB, Concurrency, OWN_LINES, TIMEOUT_MS, Usage, WARM_S, base_config, bill,
    duration_ms, round1,
};
use crate::model::assess::Assessment;
use crate::model::demand::Demand;
use crate::model::latency::LatencyMix;
use crate::model::plan::{Capacity, Figures, Latency, OptionPlan, Platform};
use crate::model::traffic::MONTH_S;
use crate::model::words::pct;
use crate::pricing::{Missing, PriceBook};
use crate::profile::{Job, LambdaConfig};
use serde_json::json;

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

/// A fan-out job on Lambda: a driver invokes one function per item asynchronously; Lambda
/// runs up to the concurrency limit at once, adding environments at the scaling rate.
pub(super) fn fanout_at(
    d: &Demand,
    job: &Job,
    cfg: &LambdaConfig,
    book: &PriceBook,
    concurrency: &Concurrency,
    scaling: f64,
    memory_mb: u32,
) -> Result<OptionPlan, Missing> {
    let dur = duration_ms(&d.request, memory_mb);
    let items = job.items as f64;
    let limit = concurrency.for_job(items, d.usable_deadline_s(), |c| {
        run_waves(items, c, scaling, dur, cfg.cold_start_ms).makespan_s
    });
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
    let mut lines = bill(&usage, OWN_LINES, book, d.free)?;
    // One invocation an item.
    lines.extend(crate::model::logs::lambda(
        d,
        items * runs,
        items * runs,
        book,
    )?);
    lines.extend(crate::model::network::serverless(d, false, book)?);
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
    if let Some(usable) = d.usable_deadline_s()
        && run.makespan_s > usable
    {
        verdict.infeasible(format!(
            "A run takes {:.0} s, missing {} ({:.0} items at most {:.0} at once).",
            run.makespan_s,
            d.deadline_words(),
            items,
            run.environments
        ));
    }
    if run.environments >= limit && items > limit {
        let what = match concurrency.wall() {
            Some(_) => "the concurrency limit",
            None => "the account's default concurrency quota",
        };
        verdict.risk(format!(
            "The run is capped by {what} of {}: {:.0} waves of items.",
            crate::format::count(limit),
            (items / limit).ceil()
        ));
    }
    concurrency.check(&mut verdict, run.environments);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::billing::FreeTier;
    use crate::model::testkit::{book, fanout, req};

    #[test]
    fn a_run_inside_the_margin_misses_the_deadline() {
        // 10,000 items of 1 s at 1,000 at once, 500 ms cold start: 10.5 s a run. An 11.5 s
        // deadline leaves 10.35 s after its 10% margin; 12 s leaves 10.8 s.
        let cfg = LambdaConfig {
            cold_start_ms: 500.0,
            concurrency_limit: Some(1000),
            ..LambdaConfig::default()
        };
        let at = |deadline: f64| {
            let w = fanout(10_000, 30.0, Some(deadline), req(1000.0, 0.0, 128));
            let d = Demand::new(&w, FreeTier::none());
            super::super::evaluate(&d, &cfg, &book())
        };
        let tight = at(11.5);
        assert!((tight.makespan_s.unwrap() - 10.5).abs() < 0.01);
        assert!(!tight.feasible);
        assert!(
            tight.risks[0].contains("missing the 11.5 s deadline less its 10% margin (10.4 s)"),
            "{:?}",
            tight.risks
        );
        assert!(at(12.0).feasible);
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
}
