//! Number, unit and currency formatting shared by the report and the TUI.
//!
//! Every function is pure and deterministic: the same number always gives the same text,
//! whatever the locale. Thousands are separated by `,`, the decimal mark is `.`, and a value
//! that rounds to zero never shows a minus sign. Non-finite values (NaN, ±∞) render as `—`.
//!
//! Two families:
//! - with their symbol, for prose: [`usd`] (`$1,234.56`), [`usd_unit_price`]
//!   (`$0.0000166667`), [`share`] (`0.10%`), [`quantity`] (`1,234.50 GB-s`);
//! - bare numbers, for table cells whose column header carries the unit (`Cost [$/mo]`,
//!   `p99 [ms]`): [`money`], [`unit_price`], [`ms`], [`rps`], [`number`], [`count`],
//!   [`seconds`], [`quantity_value`], [`decimal`].

/// Shown for NaN and infinities.
pub const NOT_A_NUMBER: &str = "—";

/// Significant digits kept by [`usd_unit_price`]: enough for `$0.0000166667`.
const UNIT_PRICE_SIGNIFICANT: i32 = 6;
/// Significant digits kept for sub-cent money amounts (`$0.0042`).
const SUB_CENT_SIGNIFICANT: i32 = 2;
/// The most decimals any money amount shows; smaller amounts show as zero.
const MAX_MONEY_DECIMALS: usize = 10;

/// `s` with every control character but line feed and tab written out as `\u{1b}`, so that
/// text from a file or a server (a value, a message) cannot drive the terminal it is printed
/// on: set its title, clear it, move the cursor.
pub fn terminal_safe(s: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !s.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unsafe_char(c) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A monthly or total amount in USD, with `$`: `$1,234.56`, `-$12.00`, `$0.0042`.
///
/// Rule: amounts of at least one cent (and exact zero) show cents (2 decimals); non-zero
/// amounts below one cent show two significant digits (at most 10 decimals), so that
/// small-but-real costs are not printed as `$0.00`.
pub fn usd(x: f64) -> String {
    with_dollar(&money(x))
}

/// [`usd`] without the `$`, for `[$]` table columns: `1,234.56`, `-12.00`, `0.0042`.
pub fn money(x: f64) -> String {
    if !x.is_finite() {
        return NOT_A_NUMBER.to_string();
    }
    if x == 0.0 || x.abs() >= 0.01 {
        return fixed(x, 2);
    }
    let d = decimals_for_significant(x, SUB_CENT_SIGNIFICANT).min(MAX_MONEY_DECIMALS);
    let s = fixed(x, d);
    if parse_abs(&s) >= 0.01 {
        // Rounding to two significant digits reached a whole cent (0.00999 -> 0.010).
        return fixed(x, 2);
    }
    if parse_abs(&s) == 0.0 {
        return "0.00".to_string();
    }
    s
}

/// A price per unit in USD, with `$`: `$0.0000166667`, `$0.20`, `$0.0416`, `$1,234.50`.
///
/// Rule: six significant digits, trailing zeros trimmed, but at least 2 decimals.
pub fn usd_unit_price(x: f64) -> String {
    with_dollar(&unit_price(x))
}

/// [`usd_unit_price`] without the `$`, for `Unit price [$]` columns.
pub fn unit_price(x: f64) -> String {
    if !x.is_finite() {
        return NOT_A_NUMBER.to_string();
    }
    if x == 0.0 {
        return "0.00".to_string();
    }
    let d = decimals_for_significant(x, UNIT_PRICE_SIGNIFICANT);
    trim_decimals(&fixed(x, d), 2)
}

/// Milliseconds, bare: one decimal below 10 ms (`2.5`), whole milliseconds from 10 ms
/// (`120`, `1,250`).
/// [`ms`], or "unbounded" for a latency that grows without bound (a queue's backlog that
/// grows day after day, `OptionPlan::backlog_grows`).
pub fn ms_or_unbounded(x: f64, unbounded: bool) -> String {
    if unbounded {
        "unbounded".to_string()
    } else {
        ms(x)
    }
}

pub fn ms(x: f64) -> String {
    if !x.is_finite() {
        return NOT_A_NUMBER.to_string();
    }
    if x.abs() < 10.0 {
        fixed(x, 1)
    } else {
        fixed(x, 0)
    }
}

/// Seconds, bare: one decimal (`12.3`, `1,234.5`).
pub fn seconds(x: f64) -> String {
    if !x.is_finite() {
        return NOT_A_NUMBER.to_string();
    }
    fixed(x, 1)
}

/// A rate per second, bare: the [`number`] rule (`1,234`, `41.2`, `2.75`, `0.0114`).
pub fn rps(x: f64) -> String {
    number(x)
}

/// A general quantity, bare, trailing zeros trimmed: whole numbers from 100 (`1,234`), one
/// decimal from 10 (`41.2`), two from 1 (`2.75`), three significant digits below 1
/// (`0.0114`). Used for rates and capacities.
pub fn number(x: f64) -> String {
    if !x.is_finite() {
        return NOT_A_NUMBER.to_string();
    }
    let a = x.abs();
    let d = if a == 0.0 || a >= 100.0 {
        0
    } else if a >= 10.0 {
        1
    } else if a >= 1.0 {
        2
    } else {
        decimals_for_significant(x, 3).min(MAX_MONEY_DECIMALS)
    };
    trim_decimals(&fixed(x, d), 0)
}

/// A whole count, rounded: `130,000,000`.
pub fn count(x: f64) -> String {
    if !x.is_finite() {
        return NOT_A_NUMBER.to_string();
    }
    fixed(x, 0)
}

/// A share (0..=1) as a percentage: `0%`, `<0.01%`, `0.10%`, `12.5%`, `100.0%`.
///
/// Rule: two decimals below 10 %, one decimal from 10 %; a non-zero share that would show
/// as `0.00%` shows as `<0.01%`.
pub fn share(x: f64) -> String {
    if !x.is_finite() {
        return NOT_A_NUMBER.to_string();
    }
    let pct = x * 100.0;
    if pct == 0.0 {
        return "0%".to_string();
    }
    if pct > 0.0 && pct < 0.005 {
        return "<0.01%".to_string();
    }
    let d = if pct.abs() < 10.0 { 2 } else { 1 };
    format!("{}%", fixed(pct, d))
}

/// A line-item quantity with its unit: `130,000,000 requests`, `1,234.50 GB-s`.
pub fn quantity(q: f64, unit: &str) -> String {
    let v = quantity_value(q, unit);
    if unit.is_empty() {
        v
    } else {
        format!("{v} {unit}")
    }
}

/// A line-item quantity, bare, with a precision that suits its unit: counted units
/// (requests, transitions, executions, invocations, items, runs) are whole numbers; other
/// units (GB-s, hours, LCU-hours, ...) show 2 decimals, or three significant digits when
/// smaller than 0.01.
pub fn quantity_value(q: f64, unit: &str) -> String {
    if !q.is_finite() {
        return NOT_A_NUMBER.to_string();
    }
    if is_counted_unit(unit) {
        return count(q);
    }
    let a = q.abs();
    if a == 0.0 || a >= 0.01 {
        fixed(q, 2)
    } else {
        fixed(q, decimals_for_significant(q, 3).min(MAX_MONEY_DECIMALS))
    }
}

/// A plain number with at most `max_decimals` decimals, trailing zeros trimmed:
/// `decimal(12.0, 1)` = `12`, `decimal(2.26, 1)` = `2.3`, `decimal(1234.0, 2)` = `1,234`.
pub fn decimal(x: f64, max_decimals: usize) -> String {
    if !x.is_finite() {
        return NOT_A_NUMBER.to_string();
    }
    trim_decimals(&fixed(x, max_decimals), 0)
}

/// `x` with exactly `decimals` decimals and thousands separators; no `-0`.
pub fn fixed(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return NOT_A_NUMBER.to_string();
    }
    let raw = format!("{:.*}", decimals, x.abs());
    let (int, frac) = match raw.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (raw.as_str(), None),
    };
    let is_zero = raw.bytes().all(|b| b == b'0' || b == b'.');
    let mut out = String::with_capacity(raw.len() + raw.len() / 3 + 1);
    if x.is_sign_negative() && !is_zero {
        out.push('-');
    }
    out.push_str(&group_thousands(int));
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

fn group_thousands(digits: &str) -> String {
    let n = digits.len();
    let mut out = String::with_capacity(n + n / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (n - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Decimals needed to show `sig` significant digits of `x` (non-zero, finite).
fn decimals_for_significant(x: f64, sig: i32) -> usize {
    let magnitude = x.abs().log10().floor() as i32;
    (sig - 1 - magnitude).max(0) as usize
}

/// Drops trailing zeros after the decimal mark, keeping at least `min_decimals`.
fn trim_decimals(s: &str, min_decimals: usize) -> String {
    let Some((int, frac)) = s.split_once('.') else {
        return s.to_string();
    };
    let trimmed = frac.trim_end_matches('0');
    let keep = if trimmed.len() >= min_decimals {
        trimmed
    } else {
        &frac[..min_decimals.min(frac.len())]
    };
    if keep.is_empty() {
        int.to_string()
    } else {
        format!("{int}.{keep}")
    }
}

fn parse_abs(s: &str) -> f64 {
    s.replace([',', '-'], "").parse::<f64>().unwrap_or(0.0)
}

fn with_dollar(amount: &str) -> String {
    match amount.strip_prefix('-') {
        Some(rest) => format!("-${rest}"),
        None if amount == NOT_A_NUMBER => amount.to_string(),
        None => format!("${amount}"),
    }
}

fn is_counted_unit(unit: &str) -> bool {
    let u = unit.to_ascii_lowercase();
    [
        "request",
        "transition",
        "execution",
        "invocation",
        "item",
        "run",
    ]
    .iter()
    .any(|w| u.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usd_cents_and_thousands() {
        assert_eq!(usd(0.0), "$0.00");
        assert_eq!(usd(-0.0), "$0.00");
        assert_eq!(usd(1234.56), "$1,234.56");
        assert_eq!(terminal_safe("a\tb\nc"), "a\tb\nc");
        assert_eq!(
            terminal_safe("x\u{1b}]0;pwned\u{7}\u{9b}2J"),
            "x\\u{1b}]0;pwned\\u{7}\\u{9b}2J"
        );
        assert_eq!(usd(1_234.555_1), "$1,234.56");
        assert_eq!(usd(1_000_000.0), "$1,000,000.00");
        assert_eq!(usd(0.01), "$0.01");
        assert_eq!(usd(12.0), "$12.00");
        assert_eq!(usd(-12.0), "-$12.00");
        assert_eq!(usd(-0.001), "-$0.0010");
        assert_eq!(usd(-0.000_000_000_01), "$0.00");
    }

    #[test]
    fn usd_sub_cent_keeps_two_significant_digits() {
        assert_eq!(usd(0.0042), "$0.0042");
        assert_eq!(usd(0.004_249), "$0.0042");
        assert_eq!(usd(0.000_000_2), "$0.00000020");
        assert_eq!(usd(0.009_99), "$0.01");
        assert_eq!(usd(0.005), "$0.0050");
        assert_eq!(usd(0.006), "$0.0060");
        assert_eq!(usd(1e-12), "$0.00");
    }

    #[test]
    fn money_is_usd_without_symbol() {
        assert_eq!(money(1234.56), "1,234.56");
        assert_eq!(money(-3.5), "-3.50");
        assert_eq!(money(f64::NAN), "—");
        assert_eq!(usd(f64::INFINITY), "—");
    }

    #[test]
    fn unit_prices_keep_six_significant_digits() {
        assert_eq!(usd_unit_price(0.000_016_666_7), "$0.0000166667");
        assert_eq!(usd_unit_price(0.000_016_666_666_67), "$0.0000166667");
        assert_eq!(usd_unit_price(0.000_000_2), "$0.0000002");
        assert_eq!(usd_unit_price(0.000_000_030_9), "$0.0000000309");
        assert_eq!(usd_unit_price(0.2), "$0.20");
        assert_eq!(usd_unit_price(0.0416), "$0.0416");
        assert_eq!(usd_unit_price(0.040_48), "$0.04048");
        assert_eq!(usd_unit_price(0.008), "$0.008");
        assert_eq!(usd_unit_price(1234.5), "$1,234.50");
        assert_eq!(usd_unit_price(0.0), "$0.00");
        assert_eq!(unit_price(0.025), "0.025");
    }

    #[test]
    fn ms_and_seconds() {
        assert_eq!(ms(0.0), "0.0");
        assert_eq!(ms(2.54), "2.5");
        assert_eq!(ms(9.96), "10.0");
        assert_eq!(ms(120.4), "120");
        assert_eq!(ms(1250.0), "1,250");
        assert_eq!(seconds(12.34), "12.3");
        assert_eq!(seconds(3600.0), "3,600.0");
    }

    #[test]
    fn rates() {
        assert_eq!(rps(0.0), "0");
        assert_eq!(rps(1.0), "1");
        assert_eq!(rps(2.75), "2.75");
        assert_eq!(rps(41.23), "41.2");
        assert_eq!(rps(50.0), "50");
        assert_eq!(rps(1234.4), "1,234");
        assert_eq!(rps(12_345_678.0), "12,345,678");
        assert_eq!(rps(0.011_415), "0.0114");
        assert_eq!(rps(0.1), "0.1");
        assert_eq!(number(0.04), "0.04");
        assert_eq!(number(58.8), "58.8");
        assert_eq!(number(1000.0), "1,000");
    }

    #[test]
    fn counts() {
        assert_eq!(count(0.0), "0");
        assert_eq!(count(999.0), "999");
        assert_eq!(count(1000.0), "1,000");
        assert_eq!(count(130_000_000.4), "130,000,000");
        assert_eq!(count(-1500.0), "-1,500");
    }

    #[test]
    fn shares() {
        assert_eq!(share(0.0), "0%");
        assert_eq!(share(0.000_01), "<0.01%");
        assert_eq!(share(0.001), "0.10%");
        assert_eq!(share(0.125), "12.5%");
        assert_eq!(share(1.0), "100.0%");
    }

    #[test]
    fn quantities_follow_their_unit() {
        assert_eq!(quantity(130_000_000.0, "requests"), "130,000,000 requests");
        assert_eq!(
            quantity(1.6e7, "state transitions"),
            "16,000,000 state transitions"
        );
        assert_eq!(quantity(1234.5, "GB-s"), "1,234.50 GB-s");
        assert_eq!(quantity(730.0, "hours"), "730.00 hours");
        assert_eq!(quantity(0.001_234, "GB-s"), "0.00123 GB-s");
        assert_eq!(quantity(5.0, ""), "5.00");
        assert_eq!(quantity_value(0.0, "GB-s"), "0.00");
    }

    #[test]
    fn decimals_and_fixed() {
        assert_eq!(decimal(12.0, 1), "12");
        assert_eq!(decimal(2.26, 1), "2.3");
        assert_eq!(decimal(1234.0, 2), "1,234");
        assert_eq!(fixed(-0.004, 2), "0.00");
        assert_eq!(fixed(123_456.789, 1), "123,456.8");
        assert_eq!(fixed(f64::NAN, 1), "—");
    }
}
