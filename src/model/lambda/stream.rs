//! A `kind: stream` on Lambda: a Kinesis event source mapping. Lambda's pollers read each
//! shard and invoke the function with a batch of its records, one batch per shard at a time
//! times the parallelization factor (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html);
//! records of one partition key stay in order whatever the factor. The stream is billed by
//! `model::kinesis`; the invocations through [`super::bill`], one invocation per batch, its
//! duration the per-record duration times the batch's records (the model's assumption: a
//! handler loops over its batch).

use super::{Concurrency, MAX_MEMORY_MB, OWN_LINES, TIMEOUT_MS, Usage, base_config, bill};
use crate::model::assess::Assessment;
use crate::model::demand::Demand;
use crate::model::kinesis::{self, Reader};
use crate::model::plan::{Capacity, Figures, Latency, OptionPlan, Platform};
use crate::model::words::{fmt_num, pct, round_to};
use crate::pricing::{Missing, PriceBook};
use crate::profile::{LambdaConfig, Stream};
use serde_json::json;

/// An event source mapping's batch at most, KB: Lambda's 6 MB invocation payload.
pub const BATCH_PAYLOAD_KB: f64 = 6.0 * 1024.0;

/// How the event source mapping reads the stream at `memory_mb`.
pub fn reader(d: &Demand, s: &Stream, memory_mb: u32) -> Reader {
    let per_payload = (BATCH_PAYLOAD_KB / d.request.payload_kb.max(1e-3)).floor();
    Reader {
        lanes: f64::from(s.parallelization_factor.clamp(1, 10)),
        record_ms: super::duration_ms(&d.request, memory_mb).max(1e-3),
        batch_max: f64::from(s.batch_size.max(1)).min(per_payload).max(1.0),
        window_s: s.batching_window_s.max(0.0),
    }
}

pub(super) fn stream_at(
    d: &Demand,
    s: &Stream,
    cfg: &LambdaConfig,
    book: &PriceBook,
    concurrency: &Concurrency,
    memory_mb: u32,
) -> Result<OptionPlan, Missing> {
    let r = reader(d, s, memory_mb);
    let sp = kinesis::plan(d, s, &r, None, book)?;
    // Retries: each failed batch once more, whole or (bisected) as two halves.
    let failed = sp.batches * s.failure_share.clamp(0.0, 1.0);
    let retries = failed * if s.bisect_on_error { 2.0 } else { 1.0 };
    let record_ms = (sp.batches + failed) * sp.mean_batch * r.record_ms;
    let invocations = sp.batches + retries;
    let duration_ms = if invocations > 0.0 {
        record_ms / invocations
    } else {
        0.0
    };
    let usage = Usage {
        arch: cfg.architecture,
        memory_mb,
        requests: invocations,
        duration_ms,
        provisioned: None,
        // The mapping keeps its shards' environments busy: cold starts are rare.
        cold_starts: 0.0,
        init_ms: cfg.cold_start_ms,
        ephemeral_storage_mb: cfg.ephemeral_storage_mb,
    };
    let mut lines = bill(&usage, OWN_LINES, book, d.free)?;
    lines.extend(sp.lines.iter().cloned());
    lines.extend(crate::model::network::serverless(d, false, book)?);
    lines.extend(crate::model::logs::lambda(
        d,
        d.monthly_requests(),
        invocations,
        book,
    )?);

    let mut verdict = Assessment::new();
    verdict.extend(sp.verdict.clone());
    let full_batch_ms = r.batch_max * r.record_ms;
    if full_batch_ms > TIMEOUT_MS {
        verdict.infeasible(format!(
            "A full batch of {} records takes {} s, over Lambda's 15-minute timeout: lower \
             `batch_size`.",
            fmt_num(r.batch_max),
            fmt_num(round_to(full_batch_ms / 1000.0, 0))
        ));
    }
    if d.request.memory_mb > MAX_MEMORY_MB {
        verdict.infeasible(format!(
            "A record needs {} MB, over Lambda's 10,240 MB maximum.",
            d.request.memory_mb
        ));
    }
    let peak = f64::from(sp.shards) * r.lanes;
    if let Some(wall) = concurrency.wall()
        && f64::from(wall) < sp.peak_in_flight
    {
        verdict.infeasible(format!(
            "Needs {} concurrent batches at peak, over the function's concurrency limit of {wall}.",
            fmt_num(sp.peak_in_flight)
        ));
    }
    concurrency.check(&mut verdict, peak);
    if !s.bisect_on_error {
        verdict.risk(
            "Without `bisect_on_error`, a record that always fails (a poison record) is retried \
             with its whole batch until it expires from the stream, and its shard makes no \
             progress meanwhile: set bisect-on-error, a retry limit and an on-failure \
             destination.",
        );
    }
    if s.failure_share > 0.0 {
        verdict.risk(format!(
            "{} of batches fail and are retried: {} extra invocations a month.",
            pct(s.failure_share),
            crate::format::count(retries.round())
        ));
    }
    if r.lanes > 1.0 {
        verdict.risk(format!(
            "With a parallelization factor of {}, a shard's records are processed {} batches at \
             a time: each partition key's records stay in order, records of different keys in a \
             shard do not.",
            fmt_num(r.lanes),
            fmt_num(r.lanes)
        ));
    }

    let mut config = base_config(cfg, memory_mb);
    config.insert("ingress".into(), json!("none"));
    config.insert("event_source".into(), json!("kinesis"));
    config.insert("duration_ms".into(), json!(round_to(duration_ms, 1)));
    config.insert("record_duration_ms".into(), json!(round_to(r.record_ms, 2)));
    config.insert("batch_size".into(), json!(s.batch_size));
    config.insert("batching_window_s".into(), json!(s.batching_window_s));
    config.insert(
        "parallelization_factor".into(),
        json!(s.parallelization_factor),
    );
    config.insert("bisect_on_error".into(), json!(s.bisect_on_error));
    config.insert("invocations".into(), json!(invocations.round()));
    config.extend(sp.config(s));
    Ok(OptionPlan::new(
        Platform::Lambda,
        lines,
        verdict,
        Figures {
            config,
            throughput_rps: f64::from(sp.shards) * r.per_shard_rps(),
            capacity: Capacity {
                peak: sp.peak_in_flight,
                unit: "concurrent batches".into(),
            },
            latency_ms: Latency {
                p50: sp.p50_s * 1000.0,
                p99: sp.p99_s * 1000.0,
            },
            throttled_share: 0.0,
            makespan_s: None,
            capacity_rps: Vec::new(),
        },
    ))
}
