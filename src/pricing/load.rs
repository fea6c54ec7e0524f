//! Price books: the built-in ones, loading from a folder, validation, provenance and age,
//! a plain-text rendering for `planner pricing show`, and atomic writing for
//! `planner pricing refresh`.

use super::book::{PriceBook, Tier};
use std::fmt::{self, Write as _};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The price books built into the binary: `(region, YAML text)`, sorted by region.
pub const BUILT_IN: &[(&str, &str)] = &[
    (
        "eu-west-1",
        include_str!("../../pricing-cache/eu-west-1.yaml"),
    ),
    (
        "us-east-1",
        include_str!("../../pricing-cache/us-east-1.yaml"),
    ),
];

/// `LoadedBook::origin` of a built-in book.
pub const BUILT_IN_ORIGIN: &str = "built-in";

/// A book older than this many days gets a staleness warning.
pub const STALE_AFTER_DAYS: i64 = 90;

/// A price book and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedBook {
    pub book: PriceBook,
    /// `"built-in"` or the path of the file it was read from.
    pub origin: String,
}

impl LoadedBook {
    /// How a report names the book: built-in or the file it came from.
    pub fn provenance(&self) -> String {
        if self.origin == BUILT_IN_ORIGIN {
            format!("planner built-in price book `{}`", self.book.region)
        } else {
            format!("price book `{}`", self.origin)
        }
    }
}

/// Everything that can go wrong loading, validating or writing a price book.
#[derive(Debug, thiserror::Error)]
pub enum PricingError {
    /// The YAML does not parse into a price book.
    #[error("{}", parse_message(origin, *line, *column, field.as_deref(), message))]
    Parse {
        /// File path, or `built-in pricing-cache/<region>.yaml`.
        origin: String,
        /// 1-based, where YAML locates the fault.
        line: Option<usize>,
        column: Option<usize>,
        /// Dotted path of the offending field, when known.
        field: Option<String>,
        message: String,
    },
    /// The book parses but breaks a rule (tiers, prices, sources, dates).
    #[error("{origin}: field `{field}`: {message}")]
    Invalid {
        origin: String,
        field: String,
        message: String,
    },
    /// No book for this region (built in, or in the given folder).
    #[error("{}", unknown_region_message(region, available, suggestion.as_deref(), searched))]
    UnknownRegion {
        region: String,
        /// Regions that do have a book where we looked.
        available: Vec<String>,
        /// The closest available region name, if any is close.
        suggestion: Option<String>,
        /// `"built-in"` or the folder searched.
        searched: String,
    },
    /// A book file that is not a readable regular UTF-8 file within the size limit.
    #[error("{}{}: cannot read price book: {reason}", path.display(), reason.position().map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default())]
    Unreadable {
        path: PathBuf,
        reason: crate::input::ReadError,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// Serialising a book to YAML failed.
    #[error("cannot serialise the {region} price book: {message}")]
    Serialize { region: String, message: String },
}

impl PricingError {
    /// Process exit code category (SPEC section 2): 2 bad input, 1 runtime failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            PricingError::Parse { .. }
            | PricingError::Invalid { .. }
            | PricingError::UnknownRegion { .. }
            | PricingError::Unreadable { .. } => 2,
            PricingError::Io { .. } | PricingError::Serialize { .. } => 1,
        }
    }
}

fn parse_message(
    origin: &str,
    line: Option<usize>,
    column: Option<usize>,
    field: Option<&str>,
    message: &str,
) -> String {
    let mut s = origin.to_string();
    if let Some(line) = line {
        let _ = write!(s, ":{line}");
        if let Some(column) = column {
            let _ = write!(s, ":{column}");
        }
    }
    s.push_str(": ");
    if let Some(field) = field {
        let _ = write!(s, "field `{field}`: ");
    }
    s.push_str(message);
    s
}

fn unknown_region_message(
    region: &str,
    available: &[String],
    suggestion: Option<&str>,
    searched: &str,
) -> String {
    let mut s = format!("no price book for region `{region}` ({searched})");
    if let Some(suggestion) = suggestion {
        let _ = write!(s, "; did you mean `{suggestion}`?");
    }
    if available.is_empty() {
        s.push_str("; no regions available there");
    } else {
        let _ = write!(s, "; available: {}", available.join(", "));
    }
    s
}

impl PriceBook {
    /// Parse and validate a price book. `origin` names the text in errors (a file path).
    pub fn parse(yaml: &str, origin: &str) -> Result<PriceBook, PricingError> {
        let book: PriceBook = serde_yaml::from_str(yaml).map_err(|e| yaml_error(&e, origin))?;
        book.validate(origin)?;
        Ok(book)
    }

    /// Check the rules every book must keep: tiers ascending with an open last tier,
    /// finite non-negative prices, a non-empty source on every figure, a valid `made` date.
    pub fn validate(&self, origin: &str) -> Result<(), PricingError> {
        let invalid = |field: String, message: String| PricingError::Invalid {
            origin: origin.to_string(),
            field,
            message,
        };
        if !is_region_name(&self.region) {
            return Err(invalid(
                "region".into(),
                format!(
                    "`{}` is not a region name (lowercase letters, digits and `-`)",
                    self.region
                ),
            ));
        }
        if parse_date(&self.made).is_none() {
            return Err(invalid(
                "made".into(),
                format!("`{}` is not a date in the form YYYY-MM-DD", self.made),
            ));
        }
        if self.source.trim().is_empty() {
            return Err(invalid("source".into(), "must not be empty".into()));
        }
        for (key, price) in &self.prices {
            let at = |what: &str| format!("prices.{key}.{what}");
            if price.unit.trim().is_empty() {
                return Err(invalid(at("unit"), "must not be empty".into()));
            }
            if price.source.trim().is_empty() {
                return Err(invalid(
                    at("source"),
                    "every price must name its source".into(),
                ));
            }
            check_tiers(&price.tiers).map_err(|(i, message)| match i {
                Some(i) => invalid(format!("prices.{key}.tiers[{i}]"), message),
                None => invalid(at("tiers"), message),
            })?;
        }
        for (name, inst) in &self.instances {
            let at = |what: &str| format!("instances.{name}.{what}");
            if inst.arch != "x86_64" && inst.arch != "arm64" {
                return Err(invalid(
                    at("arch"),
                    format!("`{}` is not one of: x86_64, arm64", inst.arch),
                ));
            }
            if inst.vcpu == 0 {
                return Err(invalid(at("vcpu"), "must be at least 1".into()));
            }
            if !(inst.memory_gib.is_finite() && inst.memory_gib > 0.0) {
                return Err(invalid(
                    at("memory_gib"),
                    "must be a positive number".into(),
                ));
            }
            if !(inst.on_demand_hourly.is_finite() && inst.on_demand_hourly >= 0.0) {
                return Err(invalid(
                    at("on_demand_hourly"),
                    "must be a finite, non-negative price".into(),
                ));
            }
            if let Some(b) = inst.baseline_cpu_share
                && !(b.is_finite() && b > 0.0 && b <= 1.0)
            {
                return Err(invalid(
                    at("baseline_cpu_share"),
                    "must be a share in (0, 1]".into(),
                ));
            }
            if inst.source.trim().is_empty() {
                return Err(invalid(
                    at("source"),
                    "every instance must name its source".into(),
                ));
            }
            for (purchase, rate) in &inst.rates {
                check_rate(purchase, rate)
                    .map_err(|message| invalid(at(&format!("rates.{purchase}")), message))?;
            }
        }
        for (key, a) in &self.free_tier {
            check_amount(("quantity", a.quantity), &a.unit, &a.source, "allowance")
                .map_err(|(field, message)| invalid(format!("free_tier.{key}.{field}"), message))?;
        }
        for (key, q) in &self.quotas {
            check_amount(("value", q.value), &q.unit, &q.source, "quota")
                .map_err(|(field, message)| invalid(format!("quotas.{key}.{field}"), message))?;
        }
        Ok(())
    }

    /// The book's age in days on `today` (`None` when `made` is not a valid date).
    pub fn age_days(&self, today: (i32, u32, u32)) -> Option<i64> {
        age_days(&self.made, today)
    }

    /// A warning when the book is older than [`STALE_AFTER_DAYS`]; callers print it.
    pub fn staleness_warning(&self, today: (i32, u32, u32)) -> Option<String> {
        staleness_warning(&self.region, &self.made, today)
    }
}

/// An instance type's rate under `purchase` (#12): a purchase option a profile can name other
/// than `on_demand` (the list price is `on_demand_hourly`), a positive finite price per
/// instance-hour, and a source. A misspelt option would otherwise never be read, leaving the
/// purchase unpriced without a word.
fn check_rate(purchase: &str, rate: &super::Rate) -> Result<(), String> {
    use crate::profile::Purchase;
    match Purchase::parse(purchase) {
        Some(Purchase::OnDemand) => {
            return Err("the on-demand price is `on_demand_hourly`, not a rate".into());
        }
        Some(_) => {}
        None => {
            let others: Vec<Purchase> = Purchase::ALL
                .into_iter()
                .filter(|p| *p != Purchase::OnDemand)
                .collect();
            return Err(format!(
                "`{purchase}` is not a purchase option; one of: {}",
                Purchase::list(&others)
            ));
        }
    }
    if !(rate.hourly.is_finite() && rate.hourly > 0.0) {
        return Err("`hourly` must be a positive, finite price".into());
    }
    if rate.source.trim().is_empty() {
        return Err("every rate must name its source".into());
    }
    Ok(())
}

/// An amount in a unit that names its source (a free tier allowance, a quota): the amount
/// (`(field, value)`) finite and non-negative, the unit and the source not empty. `what` names
/// the figure in the message about its source. `Err((field, message))`.
fn check_amount(
    (field, amount): (&'static str, f64),
    unit: &str,
    source: &str,
    what: &str,
) -> Result<(), (&'static str, String)> {
    if !(amount.is_finite() && amount >= 0.0) {
        return Err((field, "must be a finite, non-negative number".into()));
    }
    if unit.trim().is_empty() {
        return Err(("unit", "must not be empty".into()));
    }
    if source.trim().is_empty() {
        return Err(("source", format!("every {what} must name its source")));
    }
    Ok(())
}

/// `Err((tier index or None, message))`.
fn check_tiers(tiers: &[Tier]) -> Result<(), (Option<usize>, String)> {
    if tiers.is_empty() {
        return Err((None, "needs at least one tier".into()));
    }
    let last = tiers.len() - 1;
    let mut previous = 0.0_f64;
    for (i, tier) in tiers.iter().enumerate() {
        if !(tier.usd.is_finite() && tier.usd >= 0.0) {
            return Err((
                Some(i),
                format!("usd {} must be a finite, non-negative price", tier.usd),
            ));
        }
        match (tier.upto, i == last) {
            (Some(_), true) => {
                return Err((Some(i), "the last tier must be open (no `upto`)".into()));
            }
            (None, false) => {
                return Err((
                    Some(i),
                    "only the last tier may be open; this one needs `upto`".into(),
                ));
            }
            (Some(upto), false) => {
                if !(upto.is_finite() && upto > previous) {
                    return Err((
                        Some(i),
                        format!(
                            "upto {upto} must be finite and greater than the previous bound {previous}"
                        ),
                    ));
                }
                previous = upto;
            }
            (None, true) => {}
        }
    }
    Ok(())
}

fn yaml_error(e: &serde_yaml::Error, origin: &str) -> PricingError {
    let location = e.location();
    let mut text = e.to_string();
    if let Some(loc) = &location {
        let suffix = format!(" at line {} column {}", loc.line(), loc.column());
        if let Some(stripped) = text.strip_suffix(&suffix) {
            text = stripped.to_string();
        }
    }
    // serde_yaml prefixes deserialisation errors with the dotted path of the field.
    let mut field = None;
    if let Some((head, rest)) = text.split_once(": ")
        && !head.is_empty()
        && head
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-[]".contains(c))
    {
        field = Some(head.to_string());
        text = rest.to_string();
    }
    PricingError::Parse {
        origin: origin.to_string(),
        line: location.as_ref().map(|l| l.line()),
        column: location.as_ref().map(|l| l.column()),
        field,
        message: text,
    }
}

/// Lowercase letters, digits and `-` only (also keeps file names safe).
fn is_region_name(region: &str) -> bool {
    !region.is_empty()
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Regions with a built-in book.
pub fn built_in_regions() -> Vec<String> {
    BUILT_IN.iter().map(|(r, _)| (*r).to_string()).collect()
}

/// The built-in book for `region`.
pub fn built_in(region: &str) -> Result<LoadedBook, PricingError> {
    match BUILT_IN.iter().find(|(r, _)| *r == region) {
        Some((r, yaml)) => {
            let book = PriceBook::parse(yaml, &format!("built-in pricing-cache/{r}.yaml"))?;
            check_region_matches(&book, region, &format!("built-in pricing-cache/{r}.yaml"))?;
            Ok(LoadedBook {
                book,
                origin: BUILT_IN_ORIGIN.to_string(),
            })
        }
        None => Err(unknown_region(region, built_in_regions(), BUILT_IN_ORIGIN)),
    }
}

/// Load the book for `region`: from `dir/<region>.yaml` when a folder is given, else the
/// built-in one. The book is validated; an unknown region lists the available ones.
pub fn load(region: &str, dir: Option<&Path>) -> Result<LoadedBook, PricingError> {
    let Some(dir) = dir else {
        return built_in(region);
    };
    let searched = dir.display().to_string();
    if !is_region_name(region) {
        return Err(unknown_region(region, regions_in(dir)?, &searched));
    }
    let path = dir.join(format!("{region}.yaml"));
    let text = match crate::input::read_text(&path, crate::input::MAX_DOCUMENT_BYTES) {
        Ok(text) => text,
        Err(crate::input::ReadError::Io(e)) if e.kind() == io::ErrorKind::NotFound => {
            return Err(unknown_region(region, regions_in(dir)?, &searched));
        }
        Err(reason) => return Err(PricingError::Unreadable { path, reason }),
    };
    let origin = path.display().to_string();
    let book = PriceBook::parse(&text, &origin)?;
    check_region_matches(&book, region, &origin)?;
    Ok(LoadedBook { book, origin })
}

fn check_region_matches(book: &PriceBook, region: &str, origin: &str) -> Result<(), PricingError> {
    if book.region == region {
        Ok(())
    } else {
        Err(PricingError::Invalid {
            origin: origin.to_string(),
            field: "region".into(),
            message: format!(
                "the file is for `{}` but was loaded as `{region}`",
                book.region
            ),
        })
    }
}

/// Regions with a `<region>.yaml` in `dir`, sorted.
pub fn regions_in(dir: &Path) -> Result<Vec<String>, PricingError> {
    let entries = fs::read_dir(dir).map_err(|source| PricingError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut regions = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| PricingError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let name = entry.file_name();
        if let Some(region) = name.to_str().and_then(|n| n.strip_suffix(".yaml"))
            && is_region_name(region)
        {
            regions.push(region.to_string());
        }
    }
    regions.sort();
    Ok(regions)
}

fn unknown_region(region: &str, available: Vec<String>, searched: &str) -> PricingError {
    let suggestion = available
        .iter()
        .map(|r| (strsim::levenshtein(region, r), r))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, r)| r.clone());
    PricingError::UnknownRegion {
        region: region.to_string(),
        available,
        suggestion,
        searched: searched.to_string(),
    }
}

// ------------------------------------------------------------------ dates

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
pub fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400; // [0, 399]
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// The date `days` after 1970-01-01 (inverse of [`days_from_civil`]).
pub fn civil_from_days(days: i64) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let day = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let month = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let year = yoe + era * 400 + i64::from(month <= 2);
    // The casts are within range for any date a book can carry.
    (year as i32, month as u32, day as u32)
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Parse a strict `YYYY-MM-DD` date.
pub fn parse_date(s: &str) -> Option<(i32, u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        s.get(r.clone())
            .filter(|t| t.bytes().all(|c| c.is_ascii_digit()))?
            .parse()
            .ok()
    };
    let year = i32::try_from(digits(0..4)?).ok()?;
    let month = digits(5..7)?;
    let day = digits(8..10)?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some((year, month, day))
}

/// Whole days from `made` (YYYY-MM-DD) to `today`; negative when `made` is in the future.
/// `None` when either date is invalid.
pub fn age_days(made: &str, today: (i32, u32, u32)) -> Option<i64> {
    let (y, m, d) = parse_date(made)?;
    let (ty, tm, td) = today;
    if !(1..=12).contains(&tm) || td == 0 || td > days_in_month(ty, tm) {
        return None;
    }
    Some(days_from_civil(ty, tm, td) - days_from_civil(y, m, d))
}

/// The warning text for a book older than [`STALE_AFTER_DAYS`], else `None`.
pub fn staleness_warning(region: &str, made: &str, today: (i32, u32, u32)) -> Option<String> {
    let age = age_days(made, today)?;
    (age > STALE_AFTER_DAYS).then(|| {
        format!(
            "the {region} price book was made {made}, {age} days ago (over {STALE_AFTER_DAYS}); \
             prices may have changed: run `planner pricing refresh --region {region}`"
        )
    })
}

/// Today's date (UTC) from the system clock. The only impure function here.
pub fn today_utc() -> (i32, u32, u32) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    civil_from_days(i64::try_from(secs / 86_400).unwrap_or(0))
}

// ------------------------------------------------------------------ show

/// Plain-text rendering of a book for `planner pricing show`. Deterministic for the same
/// book, origin and `today`.
pub fn show(loaded: &LoadedBook, today: (i32, u32, u32)) -> String {
    let book = &loaded.book;
    let mut out = String::new();
    let _ = writeln!(out, "Price book  {}", book.region);
    let _ = writeln!(out, "Origin      {}", loaded.origin);
    let age = match book.age_days(today) {
        Some(1) => " (1 day old)".to_string(),
        Some(d) if d >= 0 => format!(" ({d} days old)"),
        Some(d) => format!(" ({} days in the future)", -d),
        None => String::new(),
    };
    let _ = writeln!(out, "Made        {}{age}", book.made);
    let _ = writeln!(out, "Source      {}", one_line(&book.source));
    if let Some(w) = book.staleness_warning(today) {
        let _ = writeln!(out, "{w}");
    }

    let _ = writeln!(out, "\nPrices ({}) in USD per unit", book.prices.len());
    if book.prices.is_empty() {
        let _ = writeln!(out, "  (none)");
    }
    for (key, price) in &book.prices {
        let _ = writeln!(out, "  {key}  per {}", price.unit);
        let mut from = 0.0_f64;
        for tier in &price.tiers {
            let range = match (tier.upto, from == 0.0) {
                (None, true) => "flat".to_string(),
                (None, false) => format!("over {}", Num(from)),
                (Some(upto), true) => format!("first {}", Num(upto)),
                (Some(upto), false) => format!("{} to {}", Num(from), Num(upto)),
            };
            let _ = writeln!(out, "      {range:<30} {}", Num(tier.usd));
            if let Some(upto) = tier.upto {
                from = upto;
            }
        }
        let _ = writeln!(out, "      source: {}", one_line(&price.source));
    }

    let _ = writeln!(
        out,
        "\nEC2 instances ({}), on-demand Linux, USD per hour",
        book.instances.len()
    );
    if book.instances.is_empty() {
        let _ = writeln!(out, "  (none)");
    } else {
        let mut sources: Vec<&str> = Vec::new();
        let _ = writeln!(
            out,
            "  {:<14} {:<7} {:>5} {:>8} {:>10} {:>9}  src",
            "type", "arch", "vCPU", "GiB", "$/hour", "baseline"
        );
        for (name, inst) in &book.instances {
            let n = match sources.iter().position(|s| *s == inst.source.as_str()) {
                Some(i) => i + 1,
                None => {
                    sources.push(&inst.source);
                    sources.len()
                }
            };
            let baseline = inst
                .baseline_cpu_share
                .map_or_else(|| "-".to_string(), |b| format!("{}%", Num(b * 100.0)));
            let _ = writeln!(
                out,
                "  {:<14} {:<7} {:>5} {:>8} {:>10} {:>9}  [{n}]",
                name,
                inst.arch,
                inst.vcpu,
                Num(inst.memory_gib).to_string(),
                Num(inst.on_demand_hourly).to_string(),
                baseline
            );
        }
        for (i, s) in sources.iter().enumerate() {
            let _ = writeln!(out, "  [{}] {}", i + 1, one_line(s));
        }
    }

    let _ = writeln!(out, "\nFree tier ({}), per month", book.free_tier.len());
    if book.free_tier.is_empty() {
        let _ = writeln!(out, "  (none)");
    }
    for (key, a) in &book.free_tier {
        let _ = writeln!(out, "  {key}  {} {}", Num(a.quantity), a.unit);
        let _ = writeln!(out, "      source: {}", one_line(&a.source));
    }

    let _ = writeln!(out, "\nQuotas ({})", book.quotas.len());
    if book.quotas.is_empty() {
        let _ = writeln!(out, "  (none)");
    }
    for (key, q) in &book.quotas {
        let _ = writeln!(out, "  {key}  {} {}", Num(q.value), q.unit);
        let _ = writeln!(out, "      source: {}", one_line(&q.source));
    }
    out
}

/// Collapse runs of whitespace (folded YAML may carry newlines) into single spaces.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A number as Rust's shortest round-trip decimal, never in exponent form.
struct Num(f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

// ------------------------------------------------------------------ write

/// Serialise `book` to `dir/<region>.yaml` atomically: validate, write a temp file in the
/// same folder, fsync it, rename it over the target, then fsync the folder. A failure at
/// any step leaves an existing book untouched. Returns the path written.
pub fn write_atomic(dir: &Path, book: &PriceBook) -> Result<PathBuf, PricingError> {
    write_atomic_with(dir, book, |_| Ok(()))
}

/// [`write_atomic`] with a hook run on the synced temp file just before the rename (tests
/// use it to inject a failure).
fn write_atomic_with(
    dir: &Path,
    book: &PriceBook,
    before_rename: impl FnOnce(&Path) -> io::Result<()>,
) -> Result<PathBuf, PricingError> {
    let target = dir.join(format!("{}.yaml", book.region));
    book.validate(&target.display().to_string())?;
    let body = serde_yaml::to_string(book).map_err(|e| PricingError::Serialize {
        region: book.region.clone(),
        message: e.to_string(),
    })?;
    let text = format!(
        "# planner price book: {region}. Written by planner; format: see src/pricing/book.rs.\n\
         # Every figure names its source; `made` is when this book was made.\n{body}",
        region = book.region
    );

    let io_err = |source| PricingError::Io {
        path: target.clone(),
        source,
    };
    let mut file = crate::atomic::AtomicFile::create(&target).map_err(io_err)?;
    file.commit_with(text.as_bytes(), before_rename)
        .map_err(io_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_before_rename_leaves_the_existing_book_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("us-east-1.yaml");
        fs::write(&target, "old book\n").unwrap();
        let book = built_in("us-east-1").unwrap().book;
        let err = write_atomic_with(dir.path(), &book, |_| {
            Err(io::Error::other("simulated crash before rename"))
        })
        .unwrap_err();
        assert_eq!(err.exit_code(), 1);
        assert_eq!(fs::read_to_string(&target).unwrap(), "old book\n");
        // No temp file is left behind.
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("us-east-1.yaml")]);
    }

    #[test]
    fn allowances_and_quotas_are_checked_alike() {
        let book = built_in("us-east-1").unwrap().book;
        let field_of = |b: &PriceBook| match b.validate("test") {
            Err(PricingError::Invalid { field, message, .. }) => format!("{field}: {message}"),
            other => panic!("{other:?}"),
        };
        let (key, _) = book.free_tier.iter().next().unwrap();
        let mut b = book.clone();
        b.free_tier.get_mut(key).unwrap().source = " ".into();
        assert_eq!(
            field_of(&b),
            format!("free_tier.{key}.source: every allowance must name its source")
        );
        let (key, _) = book.quotas.iter().next().unwrap();
        let mut b = book.clone();
        b.quotas.get_mut(key).unwrap().value = -1.0;
        assert_eq!(
            field_of(&b),
            format!("quotas.{key}.value: must be a finite, non-negative number")
        );
        let mut b = book.clone();
        b.quotas.get_mut(key).unwrap().unit = String::new();
        assert_eq!(
            field_of(&b),
            format!("quotas.{key}.unit: must not be empty")
        );
    }

    /// #12: an instance's `rates:` are checked like every other figure: a purchase option a
    /// profile can name (not on-demand), a positive price, a source. Before, a misspelt
    /// option or a zero rate loaded silently.
    #[test]
    fn instance_rates_are_checked() {
        let book = built_in("us-east-1").unwrap().book;
        let field_of = |b: &PriceBook| match b.validate("test") {
            Err(PricingError::Invalid { field, message, .. }) => format!("{field}: {message}"),
            other => panic!("{other:?}"),
        };
        let with = |purchase: &str, hourly: f64, source: &str| {
            let mut b = book.clone();
            let inst = b.instances.get_mut("t4g.small").unwrap();
            inst.rates.clear();
            inst.rates.insert(
                purchase.into(),
                super::super::Rate {
                    hourly,
                    source: source.into(),
                },
            );
            b
        };
        assert!(with("reserved_1y", 0.01, "AWS").validate("test").is_ok());
        assert_eq!(
            field_of(&with("reserved_2y", 0.01, "AWS")),
            "instances.t4g.small.rates.reserved_2y: `reserved_2y` is not a purchase option; \
             one of: spot, reserved_1y, reserved_3y, savings_plan_1y, savings_plan_3y, \
             instance_savings_plan_1y or instance_savings_plan_3y"
        );
        assert_eq!(
            field_of(&with("on_demand", 0.01, "AWS")),
            "instances.t4g.small.rates.on_demand: the on-demand price is `on_demand_hourly`, \
             not a rate"
        );
        for bad in [0.0, -0.01, f64::NAN, f64::INFINITY] {
            assert_eq!(
                field_of(&with("spot", bad, "AWS")),
                "instances.t4g.small.rates.spot: `hourly` must be a positive, finite price"
            );
        }
        assert_eq!(
            field_of(&with("spot", 0.01, " ")),
            "instances.t4g.small.rates.spot: every rate must name its source"
        );
    }

    #[test]
    fn civil_round_trip() {
        for days in [
            -800_000_i64,
            -1,
            0,
            1,
            59,
            60,
            365,
            10_957,
            20_000,
            2_000_000,
        ] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }
}
