//! CloudWatch Logs: what an option writes to its log groups and keeps there, billed here only
//! (SPEC §6 item `logs`). Every platform's billing calls [`lambda`] or [`fleet`], so every
//! total (the plan's, the cost curve's and the break-even search's) includes its logs.
//!
//! - Application logs: the profile's `logs.bytes_per_request` for every request (every item
//!   of a fan-out job), the same bytes on every platform.
//! - Lambda's own lines for every invocation (START/END/REPORT in the text format; with the
//!   JSON format, the `platform.*` events the system log level lets through).
//! - Ingestion: Lambda's logs (its own lines and what the function prints) are vended logs
//!   with volume tiers since 2025-05-01 (`logs.vended_ingestion`); a fleet's logs are
//!   Standard-class ingestion (`logs.ingestion`).
//! - Storage: the steady-state archive, a month's ingestion compressed ([`STORED_SHARE`]) and
//!   kept for the retention (`logs.storage`, per GB-month).

use super::billing;
use super::demand::Demand;
use super::plan::LineItem;
use super::traffic::MONTH_S;
use crate::pricing::{Missing, PriceBook, keys};
use crate::profile::{LambdaLogFormat, LogsConfig, Retention, SystemLogLevel};

/// Bytes in one GB as CloudWatch bills it: AWS's own examples count 1 TB as 1,024 GB.
pub const BYTES_PER_GB: f64 = 1024.0 * 1024.0 * 1024.0;

/// Lambda's text-format lines, measured on the lines AWS's docs print (request id of 36
/// characters, newline included; https://docs.aws.amazon.com/lambda/latest/dg/ruby-logging.html):
/// `START RequestId: 8f507cfc-xmpl-4697-b07a-ac58fc914c95 Version: $LATEST` (71 bytes),
/// `END RequestId: …` (52 bytes) and
/// `REPORT RequestId: …\tDuration: 15.74 ms\tBilled Duration: 16 ms\tMemory Size: 128 MB\tMax Memory Used: 56 MB\t`
/// (141 bytes): 264 bytes an invocation (a cold start's `Init Duration` adds 25 more, not
/// counted).
pub const TEXT_START_BYTES: f64 = 71.0;
pub const TEXT_END_BYTES: f64 = 52.0;
pub const TEXT_REPORT_BYTES: f64 = 141.0;

/// Lambda's JSON-format system events, measured the same way on the telemetry schema's
/// events (https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html):
/// `{"time":"2024-11-02T16:51:31.587Z","type":"platform.start","record":{"requestId":"…","version":"$LATEST"}}`
/// (141 bytes), `platform.report` with its four metrics and status (234 bytes), and at
/// DEBUG `platform.runtimeDone` (195 bytes). At INFO, AWS's default, Lambda sends "start" and
/// "report"; at WARN neither (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html).
pub const JSON_START_BYTES: f64 = 141.0;
pub const JSON_REPORT_BYTES: f64 = 234.0;
pub const JSON_RUNTIME_DONE_BYTES: f64 = 195.0;

/// Stored size over ingested size. CloudWatch bills archived logs on their compressed size;
/// AWS's "Monitoring with logs" example (https://aws.amazon.com/cloudwatch/pricing/) assumes
/// 30 GB ingested "compresses to 6GB".
pub const STORED_SHARE: f64 = 0.2;

/// Days priced for `retention_days: never`: a log group that never expires grows every
/// month, so it is priced as the longest retention CloudWatch offers (3,653 days, ten years),
/// the archive it reaches after ten years.
pub const NEVER_EXPIRE_DAYS: f64 = 3653.0;

/// Bytes Lambda writes of its own for one invocation, by log format and system log level.
pub fn platform_bytes_per_invocation(cfg: &LogsConfig) -> f64 {
    match cfg.lambda_log_format {
        LambdaLogFormat::Text => TEXT_START_BYTES + TEXT_END_BYTES + TEXT_REPORT_BYTES,
        LambdaLogFormat::Json => match cfg.lambda_system_log_level {
            SystemLogLevel::Warn => 0.0,
            SystemLogLevel::Info => JSON_START_BYTES + JSON_REPORT_BYTES,
            SystemLogLevel::Debug => JSON_START_BYTES + JSON_REPORT_BYTES + JSON_RUNTIME_DONE_BYTES,
        },
    }
}

/// Days the log groups keep their events.
pub fn retention_days(r: Retention) -> f64 {
    match r {
        Retention::Days(d) => d.max(0) as f64,
        Retention::Never => NEVER_EXPIRE_DAYS,
    }
}

/// The logs of an option that runs on Lambda (a function of its own, Step Functions' task
/// states): `requests` that ran the code (application logs) and `invocations` of Lambda
/// functions (Lambda's own lines), all of it vended logs.
pub fn lambda(
    d: &Demand,
    requests: f64,
    invocations: f64,
    book: &PriceBook,
) -> Result<Vec<LineItem>, Missing> {
    let Some(cfg) = &d.logs else {
        return Ok(Vec::new());
    };
    let bytes = requests.max(0.0) * cfg.bytes_per_request
        + invocations.max(0.0) * platform_bytes_per_invocation(cfg);
    bill(bytes, keys::LOGS_VENDED_INGESTION, cfg.retention_days, book)
}

/// The logs of an option that runs on a fleet (ECS, EC2): the application's lines for every
/// request, Standard-class ingestion.
pub fn fleet(d: &Demand, book: &PriceBook) -> Result<Vec<LineItem>, Missing> {
    let Some(cfg) = &d.logs else {
        return Ok(Vec::new());
    };
    let bytes = d.monthly_requests().max(0.0) * cfg.bytes_per_request;
    bill(bytes, keys::LOGS_INGESTION, cfg.retention_days, book)
}

/// The `logs` lines for `bytes` ingested a month at `ingestion` (a price key), and their
/// steady-state archive: a month's ingestion, compressed, kept `retention` (none: no lines).
pub fn bill(
    bytes: f64,
    ingestion: &str,
    retention: Retention,
    book: &PriceBook,
) -> Result<Vec<LineItem>, Missing> {
    if bytes <= 0.0 {
        return Ok(Vec::new());
    }
    let gb = bytes / BYTES_PER_GB;
    let months_kept = retention_days(retention) * 86_400.0 / MONTH_S;
    Ok(vec![
        billing::priced(book, "logs", ingestion, gb)?,
        billing::priced(
            book,
            "logs",
            keys::LOGS_STORAGE,
            gb * STORED_SHARE * months_kept,
        )?,
    ])
}

/// The report's assumptions about logs, in plain words.
pub fn assumptions(cfg: &LogsConfig) -> Vec<String> {
    let retention = match cfg.retention_days {
        Retention::Days(d) => format!("kept {d} days"),
        Retention::Never => format!(
            "never expire (priced as the archive after {:.0} days, CloudWatch's longest retention)",
            NEVER_EXPIRE_DAYS
        ),
    };
    let lambda = match (cfg.lambda_log_format, cfg.lambda_system_log_level) {
        (LambdaLogFormat::Text, _) => format!(
            "Lambda writes its START, END and REPORT lines in text ({:.0} bytes an invocation)",
            platform_bytes_per_invocation(cfg)
        ),
        (LambdaLogFormat::Json, SystemLogLevel::Warn) => {
            "Lambda writes no lines of its own for a successful invocation (JSON format, system log level WARN)".to_string()
        }
        (LambdaLogFormat::Json, level) => format!(
            "Lambda writes its JSON platform events at system log level {} ({:.0} bytes an invocation)",
            match level {
                SystemLogLevel::Debug => "DEBUG",
                SystemLogLevel::Info | SystemLogLevel::Warn => "INFO",
            },
            platform_bytes_per_invocation(cfg)
        ),
    };
    vec![format!(
        "CloudWatch Logs: the application logs {} bytes a request (an item for a fan-out job) on every platform; {lambda}. Lambda's logs are billed as vended logs (volume tiers), a fleet's as Standard-class ingestion; log groups are {retention}, stored compressed to {} of their size. No CloudWatch free tier, Logs Insights queries or metric filters are counted.",
        crate::format::count(cfg.bytes_per_request),
        super::words::pct(STORED_SHARE),
    )]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::billing::total;
    use crate::model::testkit::book;

    #[test]
    fn text_lines_are_about_a_quarter_kilobyte_and_json_warn_drops_them() {
        let mut cfg = LogsConfig::default();
        assert_eq!(platform_bytes_per_invocation(&cfg), 264.0);
        cfg.lambda_log_format = LambdaLogFormat::Json;
        assert_eq!(platform_bytes_per_invocation(&cfg), 375.0);
        cfg.lambda_system_log_level = SystemLogLevel::Warn;
        assert_eq!(platform_bytes_per_invocation(&cfg), 0.0);
        cfg.lambda_system_log_level = SystemLogLevel::Debug;
        assert_eq!(platform_bytes_per_invocation(&cfg), 570.0);
    }

    #[test]
    fn storage_follows_retention() {
        // 1 GB a month kept 30 days: 0.2 GB compressed for 30 of the month's 30.42 days.
        let b = book();
        let at = |r| bill(BYTES_PER_GB, keys::LOGS_INGESTION, r, &b).unwrap();
        let month = at(Retention::Days(30));
        assert_eq!(month.len(), 2);
        assert!((month[0].cost_usd - 0.50).abs() < 1e-12);
        let stored = 0.2 * 30.0 * 86_400.0 / MONTH_S;
        assert!((month[1].quantity - stored).abs() < 1e-12);
        assert_eq!(month[1].unit, "GB-month");
        let year = at(Retention::Days(365));
        assert!((year[1].quantity / month[1].quantity - 365.0 / 30.0).abs() < 1e-9);
        assert!(total(&at(Retention::Never)) > total(&year));
        assert!(at_zero(&b).is_empty());
    }

    fn at_zero(b: &PriceBook) -> Vec<LineItem> {
        bill(0.0, keys::LOGS_INGESTION, Retention::Days(30), b).unwrap()
    }

    use crate::model::billing::FreeTier;
    use crate::model::plan::{OptionPlan, Platform};
    use crate::model::testkit::{fanout, flat_service, req};
    use crate::profile::{AutoOr, LambdaConfig, Platforms, Workload};

    fn logs_lines(o: &OptionPlan) -> Vec<&LineItem> {
        o.cost_breakdown
            .iter()
            .filter(|l| l.item == "logs")
            .collect()
    }

    fn on_lambda(w: &Workload, cfg: LogsConfig) -> OptionPlan {
        let d = Demand::new(w, FreeTier::none()).with_logs(cfg);
        let lambda = LambdaConfig {
            memory_mb: AutoOr::Fixed(128),
            ..LambdaConfig::default()
        };
        crate::model::lambda::evaluate(&d, &lambda, &book())
    }

    /// No application logs: what Lambda writes of its own.
    fn platform_only(format: LambdaLogFormat, level: SystemLogLevel) -> LogsConfig {
        LogsConfig {
            bytes_per_request: 0.0,
            lambda_log_format: format,
            lambda_system_log_level: level,
            ..LogsConfig::default()
        }
    }

    #[test]
    fn a_lambda_service_pays_for_its_start_end_report_lines() {
        // 10 requests a second for a month: 26.28M invocations of 264 bytes of text lines.
        let w = flat_service(10.0, 100.0, 0.0, 128);
        let o = on_lambda(
            &w,
            platform_only(LambdaLogFormat::Text, SystemLogLevel::Info),
        );
        let invocations = 10.0 * MONTH_S;
        let gb = invocations * 264.0 / BYTES_PER_GB;
        let lines = logs_lines(&o);
        assert_eq!(lines.len(), 2, "{:?}", o.cost_breakdown);
        assert_eq!(lines[0].unit, "GB");
        assert!((lines[0].quantity - gb).abs() < 1e-9);
        assert!((lines[0].cost_usd - gb * 0.50).abs() < 1e-9);
        assert!(
            lines[0].source.contains("Vended logs"),
            "{}",
            lines[0].source
        );
        // Storage: a month's ingestion compressed to a fifth, kept 30 days.
        let stored = gb * STORED_SHARE * 30.0 * 86_400.0 / MONTH_S;
        assert!((lines[1].quantity - stored).abs() < 1e-9);
        // The estimate: Lambda's own lines cost about 70% of its request charge.
        // Measured lines give 61% (ingestion at $0.50 per GiB against $0.20 per million).
        let requests = o
            .cost_breakdown
            .iter()
            .find(|l| l.item == "requests")
            .map_or(0.0, |l| l.cost_usd);
        let share = (lines[0].cost_usd + lines[1].cost_usd) / requests;
        assert!((0.60..0.63).contains(&share), "{share}");
        // In the total.
        let without = on_lambda(
            &w,
            platform_only(LambdaLogFormat::Json, SystemLogLevel::Warn),
        );
        assert!(
            (o.monthly_cost_usd - without.monthly_cost_usd - lines[0].cost_usd - lines[1].cost_usd)
                .abs()
                < 1e-9
        );
    }

    #[test]
    fn json_format_at_warn_drops_lambdas_own_lines() {
        let w = flat_service(10.0, 100.0, 0.0, 128);
        let warn = on_lambda(
            &w,
            platform_only(LambdaLogFormat::Json, SystemLogLevel::Warn),
        );
        assert!(logs_lines(&warn).is_empty(), "{:?}", warn.cost_breakdown);
        let info = on_lambda(
            &w,
            platform_only(LambdaLogFormat::Json, SystemLogLevel::Info),
        );
        let text = on_lambda(
            &w,
            platform_only(LambdaLogFormat::Text, SystemLogLevel::Info),
        );
        // JSON at INFO writes start and report only, but each is longer than in text.
        assert!(logs_lines(&info)[0].quantity > logs_lines(&text)[0].quantity);
    }

    #[test]
    fn retention_changes_storage_not_ingestion() {
        let w = flat_service(10.0, 100.0, 0.0, 128);
        let at = |days| {
            on_lambda(
                &w,
                LogsConfig {
                    retention_days: Retention::Days(days),
                    ..LogsConfig::default()
                },
            )
        };
        let (month, year) = (at(30), at(365));
        let (m, y) = (logs_lines(&month), logs_lines(&year));
        assert_eq!(m[0], y[0]);
        assert!((y[1].quantity / m[1].quantity - 365.0 / 30.0).abs() < 1e-9);
        assert!(year.monthly_cost_usd > month.monthly_cost_usd);
    }

    /// Application logs are the same bytes on every platform, in every total, the cost
    /// curve's and break-even's `price` included.
    #[test]
    fn application_logs_are_billed_on_every_platform() {
        use crate::model::step_functions::kit::{step, workflow_workload};
        let cfg = LogsConfig {
            bytes_per_request: 1000.0,
            ..platform_only(LambdaLogFormat::Json, SystemLogLevel::Warn)
        };
        let workflow = workflow_workload(
            2_000_000.0,
            4,
            None,
            64,
            vec![step("a", 50.0, 128, false), step("b", 80.0, 128, false)],
        );
        let job = fanout(1000, 30.0, None, req(200.0, 0.0, 128));
        for (w, requests) in [(&workflow, 2e6), (&job, 30_000.0)] {
            let d = Demand::new(w, FreeTier::none()).with_logs(cfg);
            let gb = requests * 1000.0 / BYTES_PER_GB;
            for p in Platform::ALL {
                let o = crate::model::evaluate(p, &d, &Platforms::default(), &book());
                let lines = logs_lines(&o);
                assert_eq!(lines.len(), 2, "{p:?}: {:?}", o.risks);
                assert!((lines[0].quantity - gb).abs() < 1e-9, "{p:?}");
                let priced = crate::model::price(p, &d, &Platforms::default(), &book());
                assert!(
                    (priced.monthly_cost_usd - o.monthly_cost_usd).abs() < 1e-9,
                    "{p:?}"
                );
                // Without the logs section, no lines: the same option costs less.
                let bare = crate::model::evaluate(
                    p,
                    &Demand::new(w, FreeTier::none()),
                    &Platforms::default(),
                    &book(),
                );
                assert!(logs_lines(&bare).is_empty());
                let logs_cost: f64 = lines.iter().map(|l| l.cost_usd).sum();
                assert!(
                    (o.monthly_cost_usd - bare.monthly_cost_usd - logs_cost).abs() < 1e-6,
                    "{p:?}"
                );
            }
        }
    }
}
