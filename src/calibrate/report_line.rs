//! The invocation report Lambda appends to a function's log: the text `REPORT` line (with the
//! `XRAY` line that may follow it) or, with the JSON log format, the `platform.report` record.
//! `Invoke` with `LogType=Tail` returns the last 4 KB of the log, base64-encoded.

use base64::Engine as _;
use serde_json::Value;

/// One invocation's report.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    pub request_id: Option<String>,
    pub duration_ms: f64,
    pub billed_duration_ms: f64,
    pub memory_size_mb: u32,
    pub max_memory_used_mb: u32,
    /// Cold start (on-demand): INIT time.
    pub init_duration_ms: Option<f64>,
    /// Cold start (SnapStart): time to restore the snapshot.
    pub restore_duration_ms: Option<f64>,
    pub billed_restore_duration_ms: Option<f64>,
    pub xray_trace_id: Option<String>,
    /// `timeout`, `error`, ... when the report states one (success is usually left out of the
    /// text line).
    pub status: Option<String>,
    pub error_type: Option<String>,
}

impl Report {
    /// A cold start: INIT ran or a snapshot was restored for this invocation.
    pub fn is_cold(&self) -> bool {
        self.init_duration_ms.is_some() || self.restore_duration_ms.is_some()
    }

    pub fn is_timeout(&self) -> bool {
        self.status.as_deref() == Some("timeout")
    }
}

/// Decode a base64 log tail. `None` when it is not valid base64.
pub fn decode_tail(b64: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// The last invocation report in a decoded log tail, text or JSON format.
pub fn parse_tail(log: &str) -> Option<Report> {
    let lines: Vec<&str> = log.lines().collect();
    for (i, line) in lines.iter().enumerate().rev() {
        if let Some(mut r) = parse_text_report(line) {
            if r.xray_trace_id.is_none()
                && let Some(next) = lines.get(i + 1)
            {
                r.xray_trace_id = xray_trace_id(next);
            }
            return Some(r);
        }
        if let Some(r) = parse_json_report(line) {
            return Some(r);
        }
    }
    None
}

/// Fields of the text REPORT line, longest names first so that `Duration` is never taken from
/// inside `Billed Duration`.
const TEXT_KEYS: [&str; 10] = [
    "Billed Restore Duration",
    "Restore Duration",
    "Billed Duration",
    "Init Duration",
    "Max Memory Used",
    "Memory Size",
    "Error Type",
    "RequestId",
    "Duration",
    "Status",
];

/// Parse a text `REPORT RequestId: ...` line. Fields are separated by tabs in the log (some
/// documentation shows spaces); unknown fields are ignored.
pub fn parse_text_report(line: &str) -> Option<Report> {
    let start = line.find("REPORT RequestId:")?;
    let text = &line[start + "REPORT ".len()..];
    let mut r = Report::default();
    let mut have_duration = false;
    let mut have_billed = false;
    for key in TEXT_KEYS {
        let Some(value) = field(text, key) else {
            continue;
        };
        let num = || number(value);
        match key {
            "RequestId" => r.request_id = Some(value.to_string()),
            "Duration" => {
                r.duration_ms = num()?;
                have_duration = true;
            }
            "Billed Duration" => {
                r.billed_duration_ms = num()?;
                have_billed = true;
            }
            "Memory Size" => r.memory_size_mb = num()? as u32,
            "Max Memory Used" => r.max_memory_used_mb = num()? as u32,
            "Init Duration" => r.init_duration_ms = num(),
            "Restore Duration" => r.restore_duration_ms = num(),
            "Billed Restore Duration" => r.billed_restore_duration_ms = num(),
            "Status" => r.status = Some(value.to_string()),
            "Error Type" => r.error_type = Some(value.to_string()),
            _ => {}
        }
    }
    r.xray_trace_id = xray_trace_id(text);
    (have_duration && have_billed).then_some(r)
}

/// The first token after `key: ` where `key` stands as a whole field name.
fn field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let pat = format!("{key}: ");
    let mut from = 0;
    while let Some(i) = text[from..].find(&pat) {
        let at = from + i;
        let before = &text[..at];
        let whole = before.is_empty() || before.ends_with([' ', '\t']);
        // `Duration` inside `Billed Duration` / `Init Duration`, etc.: a longer key ends here.
        let inside_longer = TEXT_KEYS.iter().any(|long| {
            long.len() > key.len()
                && long.ends_with(key)
                && before.ends_with(&long[..long.len() - key.len()])
        });
        if whole && !inside_longer {
            let rest = &text[at + pat.len()..];
            let end = rest.find(['\t', ' ']).unwrap_or(rest.len());
            let value = rest[..end].trim();
            if !value.is_empty() {
                return Some(value);
            }
        }
        from = at + pat.len();
    }
    None
}

fn number(s: &str) -> Option<f64> {
    s.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0)
}

/// `XRAY TraceId: 1-5e34a614-10bdxmplf1fb44f07bc535a1 SegmentId: ... Sampled: true`.
fn xray_trace_id(text: &str) -> Option<String> {
    let i = text.find("XRAY TraceId: ")?;
    let rest = &text[i + "XRAY TraceId: ".len()..];
    let end = rest.find(['\t', ' ']).unwrap_or(rest.len());
    let id = rest[..end].trim();
    (!id.is_empty()).then(|| id.to_string())
}

/// Parse one JSON log line if it is a `platform.report` event.
pub fn parse_json_report(line: &str) -> Option<Report> {
    let line = line.trim();
    if !line.starts_with('{') || !line.contains("platform.report") {
        return None;
    }
    let v: Value = serde_json::from_str(line).ok()?;
    if v.get("type")?.as_str()? != "platform.report" {
        return None;
    }
    let rec = v.get("record")?;
    let m = rec.get("metrics")?;
    let f = |k: &str| m.get(k).and_then(Value::as_f64).filter(|x| x.is_finite());
    let trace = rec
        .get("tracing")
        .and_then(|t| t.get("value"))
        .and_then(Value::as_str)
        .and_then(|s| {
            s.split(';')
                .find_map(|part| part.strip_prefix("Root="))
                .map(str::to_string)
        });
    Some(Report {
        request_id: rec
            .get("requestId")
            .and_then(Value::as_str)
            .map(str::to_string),
        duration_ms: f("durationMs")?,
        billed_duration_ms: f("billedDurationMs")?,
        memory_size_mb: f("memorySizeMB").unwrap_or(0.0) as u32,
        max_memory_used_mb: f("maxMemoryUsedMB").unwrap_or(0.0) as u32,
        init_duration_ms: f("initDurationMs"),
        restore_duration_ms: f("restoreDurationMs"),
        billed_restore_duration_ms: f("billedRestoreDurationMs"),
        xray_trace_id: trace,
        status: rec
            .get("status")
            .and_then(Value::as_str)
            .map(str::to_string),
        error_type: rec
            .get("errorType")
            .and_then(Value::as_str)
            .map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Lines as AWS documents them.

    /// Lambda developer guide, "Best practices" (Max Memory Used); note the mixed tab/space.
    const BEST_PRACTICES: &str = "REPORT RequestId: 3604209a-e9a3-11e6-939a-754dd98c7be3\tDuration: 12.34 ms\tBilled Duration: 100 ms Memory Size: 128 MB\tMax Memory Used: 18 MB";

    /// Lambda developer guide, Python logging: a cold start with X-Ray tracing.
    const COLD_XRAY: &str = "START RequestId: 1ef64e7a-xmpl-4a4c-b9e6-2d9d2f7bb6a1 Version: $LATEST\n\
        END RequestId: 1ef64e7a-xmpl-4a4c-b9e6-2d9d2f7bb6a1\n\
        REPORT RequestId: 1ef64e7a-xmpl-4a4c-b9e6-2d9d2f7bb6a1\tDuration: 3.69 ms\tBilled Duration: 4 ms\tMemory Size: 128 MB\tMax Memory Used: 56 MB\tInit Duration: 132.33 ms\t\n\
        XRAY TraceId: 1-5e34a66a-474xmpl7c2534a87870b4370\tSegmentId: 073cxmpl3e442861\tSampled: true\n";

    /// SnapStart: `Restore Duration` and `Billed Restore Duration` on a restored environment
    /// (as the SnapStart monitoring page and SAM CLI docs show it).
    const SNAPSTART: &str = "REPORT RequestId: 8c360c87-d4b7-4423-b5f3-af02be3c1763\tDuration: 2338.66 ms\tBilled Duration: 2521 ms\tMemory Size: 3009 MB\tMax Memory Used: 173 MB\tRestore Duration: 398.97 ms\tBilled Restore Duration: 182 ms\t";

    /// Telemetry API schema reference, `platform.report` example.
    const JSON_REPORT: &str = r#"{"time":"2022-10-12T00:01:15.000Z","type":"platform.report","record":{"metrics":{"billedDurationMs":694,"durationMs":693.92,"initDurationMs":397.68,"maxMemoryUsedMB":84,"memorySizeMB":128},"requestId":"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa","status":"success","tracing":{"spanId":"54565fb41ac79632","type":"X-Amzn-Trace-Id","value":"Root=1-62e900b2-710d76f009d6e7785905449a;Parent=0efbd19962d95b05;Sampled=1"}}}"#;

    #[test]
    fn best_practices_line() {
        let r = parse_text_report(BEST_PRACTICES).unwrap();
        assert_eq!(
            r.request_id.as_deref(),
            Some("3604209a-e9a3-11e6-939a-754dd98c7be3")
        );
        assert_eq!(r.duration_ms, 12.34);
        assert_eq!(r.billed_duration_ms, 100.0);
        assert_eq!(r.memory_size_mb, 128);
        assert_eq!(r.max_memory_used_mb, 18);
        assert!(!r.is_cold());
    }

    #[test]
    fn cold_start_with_xray_on_the_next_line() {
        let r = parse_tail(COLD_XRAY).unwrap();
        assert_eq!(r.duration_ms, 3.69);
        assert_eq!(r.billed_duration_ms, 4.0);
        assert_eq!(r.max_memory_used_mb, 56);
        assert_eq!(r.init_duration_ms, Some(132.33));
        assert!(r.is_cold());
        assert_eq!(
            r.xray_trace_id.as_deref(),
            Some("1-5e34a66a-474xmpl7c2534a87870b4370")
        );
    }

    #[test]
    fn snapstart_restore() {
        let r = parse_text_report(SNAPSTART).unwrap();
        assert_eq!(r.duration_ms, 2338.66);
        assert_eq!(r.billed_duration_ms, 2521.0);
        assert_eq!(r.memory_size_mb, 3009);
        assert_eq!(r.restore_duration_ms, Some(398.97));
        assert_eq!(r.billed_restore_duration_ms, Some(182.0));
        assert_eq!(r.init_duration_ms, None);
        assert!(r.is_cold());
    }

    #[test]
    fn timeout_status() {
        let line = "REPORT RequestId: 5ce6a15a-f156-11e8-b8aa-25371a5ca2a3\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\tStatus: timeout";
        let r = parse_text_report(line).unwrap();
        assert!(r.is_timeout());
        let line = "REPORT RequestId: x\tDuration: 12.00 ms\tBilled Duration: 12 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\tStatus: error\tError Type: Runtime.ExitError";
        let r = parse_text_report(line).unwrap();
        assert_eq!(r.status.as_deref(), Some("error"));
        assert_eq!(r.error_type.as_deref(), Some("Runtime.ExitError"));
    }

    #[test]
    fn json_platform_report() {
        let tail = format!(
            "{{\"time\":\"2022-10-12T00:01:14.000Z\",\"type\":\"platform.start\",\"record\":{{\"requestId\":\"6d68ca91\"}}}}\n{{\"timestamp\":\"x\",\"level\":\"INFO\",\"message\":\"hi\"}}\n{JSON_REPORT}\n"
        );
        let r = parse_tail(&tail).unwrap();
        assert_eq!(r.duration_ms, 693.92);
        assert_eq!(r.billed_duration_ms, 694.0);
        assert_eq!(r.memory_size_mb, 128);
        assert_eq!(r.max_memory_used_mb, 84);
        assert_eq!(r.init_duration_ms, Some(397.68));
        assert_eq!(r.status.as_deref(), Some("success"));
        assert_eq!(
            r.xray_trace_id.as_deref(),
            Some("1-62e900b2-710d76f009d6e7785905449a")
        );
    }

    #[test]
    fn last_report_wins_and_junk_is_ignored() {
        let tail = format!("garbage\n{BEST_PRACTICES}\n{SNAPSTART}\n");
        assert_eq!(parse_tail(&tail).unwrap().duration_ms, 2338.66);
        assert_eq!(parse_tail("no report here\n"), None);
        assert_eq!(parse_tail("REPORT RequestId: x\tDuration: abc ms"), None);
        // A truncated first line of the 4 KB tail.
        assert_eq!(parse_tail("ort\",\"record\":{\"metrics\""), None);
    }

    #[test]
    fn decodes_base64() {
        assert_eq!(decode_tail("UkVQT1JU").as_deref(), Some("REPORT"));
        assert_eq!(decode_tail("%%%"), None);
    }
}
