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
            crate::format::count(r.batch_max),
            crate::format::count(round_to(full_batch_ms / 1000.0, 0))
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use crate::model::billing::FreeTier;
    use crate::model::demand::Demand;
    use crate::model::testkit::{book, book_with_quotas, stream};
    use crate::pricing::keys;
    use crate::profile::{AutoOr, LambdaConfig, Shape, Stream, StreamCapacity};

    fn lambda(s: Stream, rps: f64, ms: f64) -> crate::model::OptionPlan {
        let w = stream(rps, Shape::Flat, 1.0, 1.0, ms, s);
        let d = Demand::new(&w, FreeTier::none());
        let cfg = LambdaConfig {
            memory_mb: AutoOr::Fixed(1769),
            ..LambdaConfig::default()
        };
        crate::model::lambda::evaluate(&d, &cfg, &book())
    }

    fn provisioned(pf: u32) -> Stream {
        Stream {
            capacity: StreamCapacity::Provisioned,
            parallelization_factor: pf,
            bisect_on_error: true,
            ..Stream::default()
        }
    }

    /// One batch per shard at a time, times the parallelization factor: 2,000 records/s at
    /// 10 ms a record need 23 shards one batch at a time (100 records/s a shard at 90%), 6 at
    /// a factor of 4; the concurrent batches never exceed shards × factor.
    #[test]
    fn the_parallelization_factor_multiplies_a_shards_batches() {
        let one = lambda(provisioned(1), 2_000.0, 10.0);
        let four = lambda(provisioned(4), 2_000.0, 10.0);
        assert!(
            one.feasible && four.feasible,
            "{:?} {:?}",
            one.risks,
            four.risks
        );
        assert_eq!(one.config["shards"], 23);
        assert_eq!(four.config["shards"], 6);
        assert!(
            four.capacity.peak <= 24.0 && four.capacity.peak >= 20.0,
            "{}",
            four.capacity.peak
        );
        assert!((four.throughput_rps - 6.0 * 4.0 * 100.0).abs() < 1e-6);
        assert!(
            four.risks
                .iter()
                .any(|r| r.contains("each partition key's records stay in order"))
        );
        assert!(!one.risks.iter().any(|r| r.contains("stay in order")));
    }

    /// Each invocation is one batch, its duration the records' (batch size 100 at 200
    /// records/s a shard: full batches of 100 records of 10 ms = 1 s each); the stream is
    /// part of the bill; failed batches are retried (bisected: as two invocations).
    #[test]
    fn invocations_are_batches_and_retries_cost_more() {
        let p = lambda(
            Stream {
                shards: AutoOr::Fixed(10),
                parallelization_factor: 10,
                ..provisioned(1)
            },
            2_000.0,
            10.0,
        );
        let records = 2_000.0 * crate::model::traffic::MONTH_S;
        let requests = p
            .cost_breakdown
            .iter()
            .find(|l| l.item == "requests")
            .unwrap();
        assert!((requests.quantity - records / 20.0).abs() / requests.quantity < 1e-9);
        assert!(p.cost_breakdown.iter().any(|l| l.item == "kinesis_shards"));
        assert!(
            p.cost_breakdown
                .iter()
                .any(|l| l.item == "kinesis_put_units")
        );
        let failing = |bisect| {
            lambda(
                Stream {
                    failure_share: 0.01,
                    bisect_on_error: bisect,
                    shards: AutoOr::Fixed(10),
                    parallelization_factor: 10,
                    ..provisioned(1)
                },
                2_000.0,
                10.0,
            )
        };
        let (plain, bisected) = (failing(false), failing(true));
        let reqs = |o: &crate::model::OptionPlan| {
            o.cost_breakdown
                .iter()
                .find(|l| l.item == "requests")
                .unwrap()
                .quantity
        };
        assert!((reqs(&plain) / requests.quantity - 1.01).abs() < 1e-9);
        assert!((reqs(&bisected) / requests.quantity - 1.02).abs() < 1e-9);
        assert!(plain.risks.iter().any(|r| r.contains("poison record")));
        assert!(!bisected.risks.iter().any(|r| r.contains("poison record")));
    }

    /// The concurrent batches count against the account's concurrency: 600 shards × 10
    /// batches is over the 1,000 default (a quota request), over a stated quota infeasible.
    #[test]
    fn shards_times_the_factor_is_checked_against_the_concurrency_quota() {
        let s = Stream {
            shards: AutoOr::Fixed(600),
            parallelization_factor: 10,
            ..provisioned(1)
        };
        let p = lambda(s.clone(), 2_000.0, 10.0);
        assert!(p.feasible);
        assert!(
            p.quota_requests
                .iter()
                .any(|q| q.contains("6,000 concurrent executions"))
        );
        let w = stream(2_000.0, Shape::Flat, 1.0, 1.0, 10.0, s);
        let d = Demand::new(&w, FreeTier::none());
        let stated = book_with_quotas(&[(keys::Q_LAMBDA_CONCURRENCY, 1000.0)]);
        let p = crate::model::lambda::evaluate(&d, &LambdaConfig::default(), &stated);
        assert!(!p.feasible);
    }

    /// A full batch must fit Lambda's 15 minutes: a batch of 10,000 records of 1 KB is cut to
    /// 6,144 by the 6 MB payload; at 200 ms a record that is 1,229 s.
    #[test]
    fn a_full_batch_over_the_timeout_is_refused() {
        let s = Stream {
            batch_size: 10_000,
            ..provisioned(1)
        };
        let p = lambda(s.clone(), 10.0, 200.0);
        assert!(!p.feasible);
        assert!(
            p.risks
                .iter()
                .any(|r| r.contains("6,144 records takes 1,229 s")),
            "{:?}",
            p.risks
        );
        assert!(lambda(s, 10.0, 100.0).feasible);
    }

    /// The iterator age is the latency: the SLO holds or rules the option out.
    #[test]
    fn the_iterator_age_slo_rules() {
        let w = stream(2_000.0, Shape::Flat, 1.0, 1.0, 10.0, provisioned(4));
        let mut strict = w.clone();
        strict.slo = Some(crate::profile::Slo {
            p99_iterator_age_s: Some(0.5),
            ..Default::default()
        });
        let cfg = LambdaConfig {
            memory_mb: AutoOr::Fixed(1769),
            ..LambdaConfig::default()
        };
        let d = Demand::new(&strict, FreeTier::none());
        let p = crate::model::lambda::evaluate(&d, &cfg, &book());
        assert!(!p.feasible);
        assert!(p.risks.iter().any(|r| r.contains("iterator age")));
        assert!(p.latency_ms.p99 > 1000.0);
    }
}
