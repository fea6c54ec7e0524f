//! CloudWatch custom metrics: the metrics the Kinesis Client Library publishes from a fleet's
//! KCL workers (#13), billed here only (item `cloudwatch_metrics`). AWS: "There is a nominal
//! charge for the metrics uploaded to CloudWatch by the KCL; specifically, Amazon CloudWatch
//! Custom Metrics and Amazon CloudWatch API Requests charges apply"
//! (https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-kcl.html).
//!
//! - What a metric is: CloudWatch bills each unique combination of namespace, metric name and
//!   dimension values as one custom metric, per metric-month with volume tiers, "prorated by
//!   the hour and metered only when" it is sent (https://aws.amazon.com/cloudwatch/pricing/).
//! - Which the KCL sends: the page's "List of metrics" (KCL 2.x), by scope, each metric of
//!   level DETAILED or SUMMARY; `metricsLevel` DETAILED (the default) sends both, SUMMARY the
//!   SUMMARY ones, NONE none ([`KCL_SCOPES`]). The KCL names each scope's metrics by its
//!   dimensions: per shard `Operation` and `ShardId`, per worker `Operation` and
//!   `WorkerIdentifier` (KCL 2.x single stream: "all the metrics dimensions ... are enabled
//!   by default", `MetricsConfig.metricsEnabledDimensions` = all), per application
//!   `Operation` only. So a shard's metrics are the same series whoever holds
//!   its lease, while each worker's are its own: a worker started by a scale-out (a new
//!   `WorkerIdentifier`) adds series for the hours it runs.
//! - How it sends them: each worker buffers its datums for `metricsBufferTimeMillis` (10 s),
//!   one datum per series (accumulated as statistics), and publishes them in PutMetricData
//!   calls of 20 datums (amazon-kinesis-client `MetricsConfig`, `CloudWatchPublisherRunnable`,
//!   `CloudWatchMetricsPublisher.BATCH_SIZE`; https://github.com/awslabs/amazon-kinesis-client).
//!
//! Every metric of the list is billed as sent every hour its scope exists: some are sent only
//! when their event happens (`ExpiredIterator`, the lease-taking and shard-end metrics), so
//! the line is the most the metrics cost. The KCL's source sends a few more than the page
//! lists (an application-wide `MillisBehindLatest` under `ApplicationTracker`): not counted.
//! The fleet's search sizes its units before these lines are added, so a shape with more,
//! smaller units is not charged its extra workers' metrics when shapes are compared.

use super::billing;
use super::plan::LineItem;
use super::traffic::MONTH_S;
use crate::pricing::{Missing, PriceBook, keys};
use crate::profile::KclMetricsLevel;

/// Hours in the model's month (730).
const MONTH_H: f64 = MONTH_S / 3600.0;

/// Seconds a KCL worker buffers its metrics before publishing them (`metricsBufferTimeMillis`,
/// 10,000 ms by default).
pub const KCL_FLUSH_S: f64 = 10.0;

/// Datums the KCL puts in one PutMetricData call (`CloudWatchMetricsPublisher.BATCH_SIZE`:
/// "CloudWatch API has a limit of 20 MetricDatums per request").
pub const PUT_BATCH: f64 = 20.0;

/// One scope of the KCL's "List of metrics": its operations' metrics, all levels together
/// (what DETAILED sends) and those of level SUMMARY.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scope {
    pub detailed: u32,
    pub summary: u32,
}

/// The KCL 2.x metrics, counted from https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-kcl.html
/// (the page's copy in awsdocs/amazon-kinesis-data-streams-developer-guide
/// `doc_source/monitoring-with-kcl.md` @c624b87):
/// - per shard, `ProcessTask`: 11 (7 SUMMARY: DataBytesProcessed, RecordsProcessed,
///   ExpiredIterator, MillisBehindLatest, RecordProcessor.processRecords.Time, Success, Time);
/// - per worker, `RenewAllLeases` 6 (4 SUMMARY) and `TakeLeases` 12 (5 SUMMARY);
/// - per application, `InitializeTask` 5 (3), `ShutdownTask` 7 (3), `ShardSyncTask` 4 (2),
///   `BlockOnParentTask` 2 (2), `PeriodicShardSyncManager` 4 (4).
pub const KCL_SCOPES: KclScopes = KclScopes {
    per_shard: Scope {
        detailed: 11,
        summary: 7,
    },
    per_worker: Scope {
        detailed: 6 + 12,
        summary: 4 + 5,
    },
    application: Scope {
        detailed: 5 + 7 + 4 + 2 + 4,
        summary: 3 + 3 + 2 + 2 + 4,
    },
};

/// The KCL's metrics by scope.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KclScopes {
    pub per_shard: Scope,
    pub per_worker: Scope,
    pub application: Scope,
}

/// How many metrics (series) the KCL sends at `level`: per shard, per worker, for the
/// application.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KclSeries {
    pub per_shard: f64,
    pub per_worker: f64,
    pub application: f64,
}

impl KclSeries {
    pub fn at(level: KclMetricsLevel) -> KclSeries {
        let pick = |s: Scope| match level {
            KclMetricsLevel::Detailed => f64::from(s.detailed),
            KclMetricsLevel::Summary => f64::from(s.summary),
            KclMetricsLevel::None => 0.0,
        };
        KclSeries {
            per_shard: pick(KCL_SCOPES.per_shard),
            per_worker: pick(KCL_SCOPES.per_worker),
            application: pick(KCL_SCOPES.application),
        }
    }

    /// The metrics at once of `shards` shards read by `workers` workers.
    pub fn count(&self, shards: f64, workers: f64) -> f64 {
        shards * self.per_shard + workers * self.per_worker + self.application
    }
}

/// A month of a KCL fleet's metrics: the metric-months (the series, each prorated by the
/// hours it is sent) and the PutMetricData requests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KclMonth {
    pub metric_months: f64,
    pub requests: f64,
}

/// The KCL's metrics for a month of `shards` shards (all month) read by workers that run
/// `worker_hours` (the fleet's unit-hours times its KCL processes per unit).
pub fn kcl_month(level: KclMetricsLevel, shards: f64, worker_hours: f64) -> KclMonth {
    let s = KclSeries::at(level);
    let shards = shards.max(0.0);
    let worker_hours = worker_hours.max(0.0);
    let metric_hours =
        (shards * s.per_shard + s.application) * MONTH_H + s.per_worker * worker_hours;
    // Each worker publishes, every flush, a datum for its own series and for its share of
    // the shards' and the application's: in calls of 20 datums (the last one partly full).
    let workers = (worker_hours / MONTH_H).max(1.0);
    let datums = (shards * s.per_shard + s.application) / workers + s.per_worker;
    let calls_per_flush = if datums > 0.0 {
        (datums / PUT_BATCH).ceil()
    } else {
        0.0
    };
    KclMonth {
        metric_months: metric_hours / MONTH_H,
        requests: worker_hours * 3600.0 / KCL_FLUSH_S * calls_per_flush,
    }
}

/// The `cloudwatch_metrics` lines of a KCL fleet (none at `metricsLevel` NONE): its custom
/// metrics (tiered) and its PutMetricData requests.
pub fn kcl(
    level: KclMetricsLevel,
    shards: f64,
    worker_hours: f64,
    book: &PriceBook,
) -> Result<Vec<LineItem>, Missing> {
    let m = kcl_month(level, shards, worker_hours);
    if m.metric_months <= 0.0 {
        return Ok(Vec::new());
    }
    Ok(vec![
        billing::priced(
            book,
            "cloudwatch_metrics",
            keys::CLOUDWATCH_METRICS,
            m.metric_months,
        )?,
        billing::priced(
            book,
            "cloudwatch_metrics",
            keys::CLOUDWATCH_REQUESTS,
            m.requests,
        )?,
    ])
}

/// What the KCL's metrics cost at `level` against the level below it, when they are billed:
/// a finding that names the setting that sends fewer (`summary`, then `none`).
pub fn kcl_finding(
    level: KclMetricsLevel,
    shards: f64,
    worker_hours: f64,
    book: &PriceBook,
) -> Result<Option<String>, Missing> {
    let cost = |l| -> Result<f64, Missing> {
        Ok(super::billing::total(&kcl(l, shards, worker_hours, book)?))
    };
    let now = cost(level)?;
    let s = KclSeries::at(level);
    let what = format!(
        "The KCL's CloudWatch metrics cost ${}/month at `kcl_metrics_level: {}` ({} metrics a shard, {} a worker, {} for the application, and their PutMetricData requests)",
        crate::format::count(now.round()),
        level.as_str(),
        s.per_shard,
        s.per_worker,
        s.application
    );
    Ok(match level {
        KclMetricsLevel::None => None,
        KclMetricsLevel::Detailed => Some(format!(
            "{what}: `summary` sends {} a shard and {} a worker for ${}/month, `none` stops them.",
            KclSeries::at(KclMetricsLevel::Summary).per_shard,
            KclSeries::at(KclMetricsLevel::Summary).per_worker,
            crate::format::count(cost(KclMetricsLevel::Summary)?.round())
        )),
        KclMetricsLevel::Summary => Some(format!("{what}: `none` stops them.")),
    })
}

/// The report's sentences on the KCL's metrics: one for each `kcl_metrics_level` the
/// profile's streams use, in file order.
pub fn assumptions(profile: &crate::profile::Profile) -> Vec<String> {
    let mut levels: Vec<KclMetricsLevel> = Vec::new();
    for w in &profile.workloads {
        if let Some(s) = w.work.stream()
            && !levels.contains(&s.kcl_metrics_level)
        {
            levels.push(s.kcl_metrics_level);
        }
    }
    levels.into_iter().map(kcl_assumption).collect()
}

/// The report's sentence on the KCL's metrics at `level`.
pub fn kcl_assumption(level: KclMetricsLevel) -> String {
    let s = KclSeries::at(level);
    match level {
        KclMetricsLevel::None => {
            "The KCL's CloudWatch metrics are off (`kcl_metrics_level: none`): none are billed."
                .to_string()
        }
        KclMetricsLevel::Detailed | KclMetricsLevel::Summary => format!(
            "The KCL's CloudWatch metrics at `kcl_metrics_level: {}` are billed as custom metrics (item `cloudwatch_metrics`): {} a shard, {} a worker for the hours it runs (each worker its own `WorkerIdentifier`) and {} for the application, every metric of AWS's list taken as sent every hour (an upper bound: some are sent only when their event happens), plus the PutMetricData requests (each worker every {} s, {} datums a call); no CloudWatch free tier is credited.",
            level.as_str(),
            s.per_shard,
            s.per_worker,
            s.application,
            KCL_FLUSH_S,
            PUT_BATCH,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::billing::total;
    use crate::model::testkit::book;

    /// The series a small fleet sends, by hand from the page's list: 4 shards and 2 workers
    /// at DETAILED are 4 × 11 + 2 × 18 + 22 = 102 metrics; at SUMMARY 4 × 7 + 2 × 9 + 14 = 60;
    /// at NONE none (and no lines).
    #[test]
    fn series_by_level_for_four_shards_and_two_workers() {
        let at = |l| KclSeries::at(l).count(4.0, 2.0);
        assert_eq!(at(KclMetricsLevel::Detailed), 102.0);
        assert_eq!(at(KclMetricsLevel::Summary), 60.0);
        assert_eq!(at(KclMetricsLevel::None), 0.0);
        // Two workers all month: 102 metric-months at $0.30 = $30.60.
        let b = book();
        let two = 2.0 * MONTH_H;
        let m = kcl_month(KclMetricsLevel::Detailed, 4.0, two);
        assert!((m.metric_months - 102.0).abs() < 1e-9);
        let lines = kcl(KclMetricsLevel::Detailed, 4.0, two, &b).unwrap();
        assert!((lines[0].cost_usd - 30.60).abs() < 1e-9, "{lines:?}");
        assert!(lines.iter().all(|l| l.item == "cloudwatch_metrics"));
        assert!(kcl(KclMetricsLevel::None, 4.0, two, &b).unwrap().is_empty());
    }

    /// Workers that come and go add their series for the hours they run: a third worker for
    /// half the month adds 18 × 0.5 = 9 metric-months at DETAILED.
    #[test]
    fn a_worker_is_billed_for_the_hours_it_runs() {
        let two = kcl_month(KclMetricsLevel::Detailed, 4.0, 2.0 * MONTH_H);
        let more = kcl_month(KclMetricsLevel::Detailed, 4.0, 2.5 * MONTH_H);
        assert!((more.metric_months - two.metric_months - 9.0).abs() < 1e-9);
    }

    /// PutMetricData by hand: 4 shards and 2 workers at DETAILED, each worker flushing
    /// (44 + 22) / 2 + 18 = 51 datums every 10 s in 3 calls of at most 20: 2 workers × 730 h
    /// × 360 flushes × 3 = 1,576,800 requests a month, at $0.01 per 1,000 = $15.768.
    #[test]
    fn put_metric_data_requests_by_hand() {
        let m = kcl_month(KclMetricsLevel::Detailed, 4.0, 2.0 * MONTH_H);
        assert!((m.requests - 1_576_800.0).abs() < 1e-6, "{}", m.requests);
        let lines = kcl(KclMetricsLevel::Detailed, 4.0, 2.0 * MONTH_H, &book()).unwrap();
        assert_eq!(lines[1].unit, "request");
        assert!((lines[1].cost_usd - 15.768).abs() < 1e-9);
        // SUMMARY: (28 + 14) / 2 + 9 = 30 datums, 2 calls a flush.
        let s = kcl_month(KclMetricsLevel::Summary, 4.0, 2.0 * MONTH_H);
        assert!((s.requests - 2.0 * 730.0 * 360.0 * 2.0).abs() < 1e-6);
    }

    /// AWS's worked example of hourly proration ("Amazon CloudWatch metrics cost",
    /// https://docs.aws.amazon.com/solutions/latest/live-streaming-on-aws-with-amazon-s3/amazon-cloudwatch-metrics-cost.html):
    /// 11 metrics for one hour of a 720-hour month at $0.30 a metric-month is $0.005.
    #[test]
    fn aws_proration_example_to_the_tenth_of_a_cent() {
        let b = book();
        let l = billing::priced(&b, "x", keys::CLOUDWATCH_METRICS, 11.0 * 1.0 / 720.0).unwrap();
        assert_eq!((l.cost_usd * 1000.0).round() / 1000.0, 0.005);
    }

    /// On ECS, the KCL workers' option carries the `cloudwatch_metrics` lines: 12 shards at
    /// DETAILED are 12 × 11 + 22 metrics all month plus 18 for each worker's hours, at
    /// SUMMARY 12 × 7 + 14 plus 9 for the same worker-hours; NONE bills none, and the option
    /// costs that much less. Lambda's event source mapping publishes no KCL metrics.
    #[test]
    fn the_kcl_workers_option_bills_its_metrics_by_level() {
        use crate::model::billing::FreeTier;
        use crate::model::demand::Demand;
        use crate::model::testkit::stream;
        use crate::model::{Platform, evaluate};
        use crate::profile::{
            AutoOr, EcsConfig, FleetIngress, Platforms, Shape, Stream, StreamCapacity,
        };
        let platforms = Platforms {
            ecs: EcsConfig {
                min_tasks: 2,
                concurrency_per_task: 8,
                ingress: FleetIngress::Alb,
                ..EcsConfig::default()
            },
            ..Platforms::default()
        };
        let b = book();
        let at = |level| {
            let s = Stream {
                capacity: StreamCapacity::Provisioned,
                shards: AutoOr::Fixed(12),
                kcl_metrics_level: level,
                ..Stream::default()
            };
            let w = stream(500.0, Shape::Flat, 1.0, 1.0, 4.0, s);
            let d = Demand::new(&w, FreeTier::none());
            let ecs = evaluate(Platform::Ecs, &d, &platforms, &b);
            assert!(ecs.feasible, "{:?}", ecs.risks);
            let lambda = evaluate(Platform::Lambda, &d, &Platforms::default(), &b);
            assert!(
                !lambda
                    .cost_breakdown
                    .iter()
                    .any(|l| l.item == "cloudwatch_metrics")
            );
            let metrics: Vec<_> = ecs
                .cost_breakdown
                .iter()
                .filter(|l| l.item == "cloudwatch_metrics")
                .cloned()
                .collect();
            let says = |t: &str| ecs.risks.iter().any(|r| r.contains(t));
            match level {
                KclMetricsLevel::Detailed => {
                    assert!(says("`summary` sends 7 a shard"), "{:?}", ecs.risks)
                }
                KclMetricsLevel::Summary => assert!(says("`none` stops them"), "{:?}", ecs.risks),
                KclMetricsLevel::None => assert!(!says("CloudWatch metrics cost")),
            }
            assert_eq!(ecs.config["kcl_metrics_level"], level.as_str());
            (ecs.monthly_cost_usd, metrics)
        };
        let (detailed_cost, detailed) = at(KclMetricsLevel::Detailed);
        let (summary_cost, summary) = at(KclMetricsLevel::Summary);
        let (none_cost, none) = at(KclMetricsLevel::None);
        assert!(none.is_empty());
        assert_eq!(detailed.len(), 2);
        assert_eq!(detailed[0].unit, "metric-month");
        let workers_d = (detailed[0].quantity - (12.0 * 11.0 + 22.0)) / 18.0;
        let workers_s = (summary[0].quantity - (12.0 * 7.0 + 14.0)) / 9.0;
        assert!(workers_d >= 2.0 - 1e-9, "{workers_d}");
        assert!(
            (workers_d - workers_s).abs() < 1e-9,
            "{workers_d} {workers_s}"
        );
        assert!((detailed_cost - none_cost - total(&detailed)).abs() < 1e-6);
        assert!((summary_cost - none_cost - total(&summary)).abs() < 1e-6);
        assert!(total(&summary) < total(&detailed));
    }

    /// The published tiers worked by hand (us-east-1): 300,000 metric-months are 10,000 at
    /// $0.30, 240,000 at $0.10 and 50,000 at $0.05: $3,000 + $24,000 + $2,500 = $29,500; and
    /// 1.2M are $3,000 + $24,000 + $37,500 + 200,000 at $0.02 ($4,000) = $68,500.
    #[test]
    fn custom_metric_tiers_by_hand() {
        let b = book();
        let cost =
            |q: f64| total(&[billing::priced(&b, "x", keys::CLOUDWATCH_METRICS, q).unwrap()]);
        assert!((cost(300_000.0) - 29_500.0).abs() < 1e-6);
        assert!((cost(1_200_000.0) - 68_500.0).abs() < 1e-6);
        assert!((cost(50.0) - 15.0).abs() < 1e-9);
    }
}
