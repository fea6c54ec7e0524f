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
}
