//! Traffic traces: CSV `timestamp,requests` at a fixed interval, and a small RFC 3339 parser.

use super::types::TraceData;

/// At most this many row problems are reported for one trace file.
const MAX_ROW_ERRORS: usize = 10;

/// A problem in a trace CSV: 1-based line (0 for the file as a whole) and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceIssue {
    pub line: usize,
    pub message: String,
}

fn issue(line: usize, message: impl Into<String>) -> TraceIssue {
    TraceIssue {
        line,
        message: message.into(),
    }
}

/// The most rows one trace may have, and the most all of a profile's traces may have together
/// (a file named by two workloads counts twice): two million rows, a little over 23 days at
/// one-second steps. Parsing that many takes about half a second and 16 MB.
pub const MAX_TRACE_ROWS: usize = 2_000_000;

/// Parse a trace: rows `timestamp,requests` with an optional header line; timestamps RFC 3339
/// or epoch seconds, all rows the same interval apart (at least 1 s); requests ≥ 0; at least
/// two rows, at most [`MAX_TRACE_ROWS`]. Blank lines and lines starting with `#` are skipped.
/// The result holds requests per second at each step (`requests / step_s`).
pub fn parse_trace(text: &str) -> Result<TraceData, Vec<TraceIssue>> {
    parse_trace_within(text, MAX_TRACE_ROWS)
}

/// [`parse_trace`] refusing more than `max_rows` rows (at the first row past it, so a long
/// file is not read to its end). One pass, keeping only the rates: a trace of two million
/// rows is not copied.
pub fn parse_trace_within(text: &str, max_rows: usize) -> Result<TraceData, Vec<TraceIssue>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut requests_per_row: Vec<f64> = Vec::new();
    let mut issues = Vec::new();
    let mut first = true;
    // The previous row's time, and the interval the first two rows set.
    let mut previous: Option<f64> = None;
    let mut step: Option<f64> = None;
    for (i, raw) in text.split('\n').enumerate() {
        let line_no = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (time_field, rest) = match line.split_once(',') {
            Some((t, r)) => (unquote(t), Some(r)),
            None => (unquote(line), None),
        };
        let is_first = std::mem::replace(&mut first, false);
        if is_first && !time_field.starts_with(|c: char| c.is_ascii_digit()) {
            continue; // header
        }
        let requests_field = match rest.map(unquote) {
            Some(r) if !rest.is_some_and(|r| r.contains(',')) => r,
            _ => {
                let found = line.split(',').count();
                issues.push(issue(
                    line_no,
                    format!("expected 2 fields `timestamp,requests`, found {found}"),
                ));
                if issues.len() >= MAX_ROW_ERRORS {
                    break;
                }
                continue;
            }
        };
        if requests_per_row.len() >= max_rows {
            return Err(vec![issue(
                line_no,
                format!(
                    "more than {} rows; planner reads at most {} rows of traces per profile (a coarser interval holds more time)",
                    crate::format::count(max_rows as f64),
                    crate::format::count(MAX_TRACE_ROWS as f64)
                ),
            )]);
        }
        let Some(t) = parse_timestamp(time_field) else {
            issues.push(issue(
                line_no,
                format!(
                    "timestamp `{time_field}` is neither RFC 3339 (like 2026-01-05T10:00:00Z) nor epoch seconds"
                ),
            ));
            if issues.len() >= MAX_ROW_ERRORS {
                break;
            }
            continue;
        };
        let requests = match requests_field.parse::<f64>() {
            Ok(r) if r.is_finite() && r >= 0.0 => r,
            Ok(_) => {
                issues.push(issue(
                    line_no,
                    format!("requests `{requests_field}` must be a number ≥ 0"),
                ));
                if issues.len() >= MAX_ROW_ERRORS {
                    break;
                }
                continue;
            }
            Err(_) => {
                issues.push(issue(
                    line_no,
                    format!("requests `{requests_field}` is not a number"),
                ));
                if issues.len() >= MAX_ROW_ERRORS {
                    break;
                }
                continue;
            }
        };
        if let Some(prev) = previous.replace(t) {
            let gap = t - prev;
            match step {
                None if gap <= 0.0 => {
                    return Err(vec![issue(
                        line_no,
                        "timestamp is not after the previous row's; rows must be in time order",
                    )]);
                }
                None if gap < 1.0 => {
                    return Err(vec![issue(
                        line_no,
                        format!("interval {} s is shorter than 1 s", fmt_num(gap)),
                    )]);
                }
                None => step = Some(gap),
                Some(step) if (gap - step).abs() > 1e-6 => {
                    issues.push(issue(
                        line_no,
                        format!(
                            "irregular interval: {} s after the previous row, expected {} s (the first interval); the trace needs a fixed interval",
                            fmt_num(gap),
                            fmt_num(step)
                        ),
                    ));
                    if issues.len() >= MAX_ROW_ERRORS {
                        break;
                    }
                }
                Some(_) => {}
            }
        }
        requests_per_row.push(requests);
    }
    if !issues.is_empty() {
        return Err(issues);
    }
    let (Some(step), true) = (step, requests_per_row.len() >= 2) else {
        return Err(vec![issue(
            0,
            format!(
                "a trace needs at least 2 rows `timestamp,requests`, found {}",
                requests_per_row.len()
            ),
        )]);
    };
    for r in &mut requests_per_row {
        *r /= step;
    }
    Ok(TraceData {
        step_s: step,
        rps: requests_per_row,
    })
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .unwrap_or(s)
        .trim()
}

/// Format a number without a trailing `.0` for whole values.
pub(crate) fn fmt_num(x: f64) -> String {
    if x.is_finite() && x == x.trunc() && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// Seconds since the Unix epoch from epoch seconds (`1767607200`, `1767607200.5`) or RFC 3339.
pub fn parse_timestamp(s: &str) -> Option<f64> {
    let s = s.trim();
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return s.parse::<f64>().ok().filter(|x| x.is_finite());
    }
    parse_rfc3339(s)
}

/// Parse an RFC 3339 date-time (`2026-01-05T10:00:00Z`, `2026-01-05T10:00:00.250+02:00`;
/// `t`/space for `T` and `z` for `Z` are accepted) into seconds since the Unix epoch.
pub fn parse_rfc3339(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from + len)?;
        if part.iter().all(u8::is_ascii_digit) {
            Some(part.iter().fold(0i64, |a, d| a * 10 + i64::from(d - b'0')))
        } else {
            None
        }
    };
    let year = num(0, 4)?;
    let month = num(5, 2)?;
    let day = num(8, 2)?;
    let hour = num(11, 2)?;
    let minute = num(14, 2)?;
    let second = num(17, 2)?;
    if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut i = 19;
    let mut frac = 0.0;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        let mut end = start;
        while b.get(end).is_some_and(u8::is_ascii_digit) {
            end += 1;
        }
        if end == start {
            return None;
        }
        frac = s.get(i..end)?.parse::<f64>().ok()?;
        i = end;
    }
    let offset = match b.get(i..)? {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let digits = [*h1, *h2, *m1, *m2];
            if !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let oh = i64::from(h1 - b'0') * 10 + i64::from(h2 - b'0');
            let om = i64::from(m1 - b'0') * 10 + i64::from(m2 - b'0');
            if oh > 23 || om > 59 {
                return None;
            }
            let off = oh * 3600 + om * 60;
            if *sign == b'-' { -off } else { off }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset;
    Some(secs as f64 + frac)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_utc_and_offsets() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(parse_rfc3339("2026-01-05T10:00:00Z"), Some(1_767_607_200.0));
        assert_eq!(
            parse_rfc3339("2026-01-05T12:00:00+02:00"),
            Some(1_767_607_200.0)
        );
        assert_eq!(
            parse_rfc3339("2026-01-05T05:30:00-04:30"),
            Some(1_767_607_200.0)
        );
        assert_eq!(parse_rfc3339("2026-01-05t10:00:00z"), Some(1_767_607_200.0));
        assert_eq!(parse_rfc3339("2026-01-05 10:00:00Z"), Some(1_767_607_200.0));
        assert_eq!(
            parse_rfc3339("2026-01-05T10:00:00.250Z"),
            Some(1_767_607_200.25)
        );
        assert_eq!(parse_rfc3339("2000-02-29T00:00:00Z"), Some(951_782_400.0));
        assert_eq!(parse_rfc3339("1969-12-31T23:59:59Z"), Some(-1.0));
    }

    #[test]
    fn rfc3339_rejects_malformed() {
        for s in [
            "",
            "2026-01-05",
            "2026-01-05T10:00:00",
            "2026-13-05T10:00:00Z",
            "2026-02-29T10:00:00Z",
            "2100-02-29T10:00:00Z",
            "2026-01-32T10:00:00Z",
            "2026-01-05T24:00:00Z",
            "2026-01-05T10:60:00Z",
            "2026-01-05T10:00:00.Z",
            "2026-01-05T10:00:00+2:00",
            "2026-01-05T10:00:00+24:00",
            "2026-01-05X10:00:00Z",
            "2026-01-05T10:00:00Zjunk",
            "20a6-01-05T10:00:00Z",
            "2026-01-05T10:00:00+02:00:00",
            "２０２６-01-05T10:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(s), None, "{s}");
        }
    }

    #[test]
    fn timestamps_epoch_or_rfc3339() {
        assert_eq!(parse_timestamp("1767607200"), Some(1_767_607_200.0));
        assert_eq!(parse_timestamp(" 60.5 "), Some(60.5));
        assert_eq!(parse_timestamp("1.2.3"), None);
        assert_eq!(parse_timestamp("-5"), None);
    }

    #[test]
    fn trace_with_header_and_mixed_formats() {
        let t = "timestamp,requests\n2026-01-05T10:00:00Z,600\n1767607260,1200\r\n\n2026-01-05T11:02:00+01:00,0\n";
        let d = parse_trace(t).unwrap();
        assert_eq!(d.step_s, 60.0);
        assert_eq!(d.rps, vec![10.0, 20.0, 0.0]);
    }

    #[test]
    fn trace_problems() {
        let e = parse_trace("0,1\n60,x\n").unwrap_err();
        assert_eq!(e[0].line, 2);
        let e = parse_trace("0,1\n60,1\n180,1\n").unwrap_err();
        assert_eq!(e[0].line, 3);
        assert!(e[0].message.contains("irregular interval"));
        let e = parse_trace("0,1\n").unwrap_err();
        assert_eq!(e[0].line, 0);
        let e = parse_trace("60,1\n0,1\n").unwrap_err();
        assert_eq!(e[0].line, 2);
        let e = parse_trace("0,1,2\n").unwrap_err();
        assert!(e[0].message.contains("2 fields"));
        let e = parse_trace("0,-1\n60,1\n").unwrap_err();
        assert!(e[0].message.contains("≥ 0"));
    }
}
