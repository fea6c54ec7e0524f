//! Reading one `GetProducts` item: its product part, the prices of its only on-demand term,
//! and their conversion into the book's unit and tiers.

use crate::pricing::Tier;
use serde_json::Value;
use std::collections::BTreeMap;

/// The time base of a unit: prices per second and per hour convert into each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Base {
    Count,
    Second,
    Hour,
}

pub(super) fn base_of(unit: &str) -> Base {
    let u = unit.to_ascii_lowercase();
    if u.contains("second") {
        Base::Second
    } else if u.contains("hour") || u.contains("hrs") {
        Base::Hour
    } else {
        Base::Count
    }
}
/// One price dimension of an on-demand term.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Dimension {
    pub(super) unit: String,
    pub(super) begin: f64,
    pub(super) end: Option<f64>,
    pub(super) usd: f64,
}

/// The product part of an item, read before deciding whether it is wanted.
#[derive(Debug, Clone)]
pub(super) struct Product {
    pub(super) sku: String,
    pub(super) family: String,
    pub(super) attributes: BTreeMap<String, String>,
    /// `publicationDate` as YYYY-MM-DD.
    pub(super) published: Option<String>,
    pub(super) raw: Value,
}

impl Product {
    pub(super) fn attr(&self, name: &str) -> &str {
        self.attributes.get(name).map_or("", String::as_str)
    }

    /// `usagetype` without a region prefix: `USE1-Fargate-GB-Hours` -> `Fargate-GB-Hours`,
    /// `EU-Request` -> `Request`; `Lambda-GB-Second` (us-east-1) stays as it is.
    pub(super) fn usage(&self) -> &str {
        strip_region_prefix(self.attr("usagetype"))
    }
}

/// Drop a leading `XXXN-` segment made of capitals and digits (AWS's region prefixes).
pub fn strip_region_prefix(usagetype: &str) -> &str {
    match usagetype.split_once('-') {
        Some((head, rest))
            if !head.is_empty()
                && head
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) =>
        {
            rest
        }
        _ => usagetype,
    }
}

pub(super) fn parse_product(text: &str) -> Result<Product, String> {
    let raw: Value = serde_json::from_str(text).map_err(|e| format!("not JSON ({e})"))?;
    let product = raw
        .get("product")
        .ok_or_else(|| "no `product` object".to_string())?;
    let sku = product
        .get("sku")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| "no `product.sku`".to_string())?
        .to_string();
    let attributes = product
        .get("attributes")
        .and_then(Value::as_object)
        .ok_or_else(|| format!("SKU {sku}: no `product.attributes` object"))?
        .iter()
        .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
        .collect();
    let family = product
        .get("productFamily")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let published = raw
        .get("publicationDate")
        .and_then(Value::as_str)
        .and_then(|d| d.get(..10))
        .map(str::to_string);
    Ok(Product {
        sku,
        family,
        attributes,
        published,
        raw,
    })
}

/// The item's Standard Reserved Instance rates with no upfront payment, per instance-hour:
/// `terms.Reserved` terms whose `termAttributes` say `OfferingClass` standard, `PurchaseOption`
/// No Upfront, `LeaseContractLength` 1yr or 3yr, with one hourly (`Hrs`) dimension. Partial
/// and all upfront terms (an upfront fee plus a lower hourly rate) and Convertible ones are
/// left out: planner prices the no-upfront kind.
pub(super) fn reserved_no_upfront(p: &Product) -> Vec<(crate::profile::Purchase, f64)> {
    use crate::profile::Purchase;
    let Some(terms) = p
        .raw
        .get("terms")
        .and_then(|t| t.get("Reserved"))
        .and_then(Value::as_object)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for term in terms.values() {
        let attr = |name: &str| {
            term.get("termAttributes")
                .and_then(|a| a.get(name))
                .and_then(Value::as_str)
                .unwrap_or("")
        };
        if attr("OfferingClass") != "standard" || attr("PurchaseOption") != "No Upfront" {
            continue;
        }
        let purchase = match attr("LeaseContractLength") {
            "1yr" => Purchase::Reserved1y,
            "3yr" => Purchase::Reserved3y,
            _ => continue,
        };
        let Some(dims) = term.get("priceDimensions").and_then(Value::as_object) else {
            continue;
        };
        let hourly: Vec<f64> = dims
            .values()
            .filter(|d| d.get("unit").and_then(Value::as_str) == Some("Hrs"))
            .filter_map(|d| d.get("pricePerUnit")?.get("USD")?.as_str())
            .filter_map(|t| parse_price(t).ok())
            .collect();
        if let [usd] = hourly.as_slice() {
            out.push((purchase, *usd));
        }
    }
    out.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
    out
}

/// The price dimensions of the item's only on-demand term, sorted by `beginRange`.
pub(super) fn on_demand_dimensions(p: &Product) -> Result<Vec<Dimension>, String> {
    let terms = p
        .raw
        .get("terms")
        .and_then(|t| t.get("OnDemand"))
        .and_then(Value::as_object)
        .ok_or("no `terms.OnDemand`")?;
    let mut iter = terms.values();
    let (Some(term), None) = (iter.next(), iter.next()) else {
        return Err(format!(
            "{} on-demand terms, expected exactly one",
            terms.len()
        ));
    };
    let dims = term
        .get("priceDimensions")
        .and_then(Value::as_object)
        .filter(|d| !d.is_empty())
        .ok_or("the on-demand term has no `priceDimensions`")?;
    let mut out = Vec::new();
    for (code, d) in dims {
        let field = |name: &str| d.get(name).and_then(Value::as_str);
        let usd_text = d
            .get("pricePerUnit")
            .and_then(|p| p.get("USD"))
            .and_then(Value::as_str)
            .ok_or_else(|| format!("price dimension {code} has no `pricePerUnit.USD`"))?;
        let usd = parse_price(usd_text)
            .map_err(|why| format!("price dimension {code}: USD `{usd_text}` {why}"))?;
        let begin_text = field("beginRange").unwrap_or("0");
        let begin = parse_number(begin_text).ok_or_else(|| {
            format!("price dimension {code}: beginRange `{begin_text}` is not a number")
        })?;
        let end = match field("endRange").unwrap_or("Inf") {
            "Inf" => None,
            t => Some(parse_number(t).ok_or_else(|| {
                format!("price dimension {code}: endRange `{t}` is not a number")
            })?),
        };
        let unit = field("unit")
            .filter(|u| !u.is_empty())
            .ok_or_else(|| format!("price dimension {code} has no `unit`"))?;
        out.push(Dimension {
            unit: unit.to_string(),
            begin,
            end,
            usd,
        });
    }
    out.sort_by(|a, b| a.begin.total_cmp(&b.begin));
    Ok(out)
}

/// A price the book may take: a finite number above zero that is not subnormal. Every key
/// the refresh reads is a charge AWS makes (there is no free or negative on-demand rate among
/// them), so a zero (`0`, `-0`, or `1e-400`, which reads as 0) is a broken answer, not a
/// price. `Err` says why, after the value (`is negative`).
pub(super) fn parse_price(s: &str) -> Result<f64, &'static str> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| "is not a number, so not a price")?;
    if v.is_nan() {
        Err("is not a number (NaN), so not a price")
    } else if v.is_infinite() {
        Err("is infinite, so not a price")
    } else if v < 0.0 {
        Err("is negative: a price must be above $0")
    } else if v == 0.0 {
        Err("is zero (or too small to be told from zero): a price must be above $0")
    } else if !v.is_normal() {
        Err("is too small to be a price (a subnormal number): a price must be above $0")
    } else {
        Ok(v)
    }
}

fn parse_number(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Round to 12 significant digits: undoes the noise of a unit conversion so that a
/// Price List decimal comes back as the same decimal.
pub(super) fn tidy(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    format!("{x:.11e}").parse().unwrap_or(x)
}

/// Dimensions -> book tiers in the book's unit. Tiers must start at 0, be contiguous and end
/// open.
pub(super) fn tiers(dims: &[Dimension], book_unit: &str) -> Result<Vec<Tier>, String> {
    let target = base_of(book_unit);
    let mut out = Vec::new();
    let mut expect = 0.0;
    for (i, d) in dims.iter().enumerate() {
        let source = base_of(&d.unit);
        // (price multiplier, quantity multiplier) from the item's unit to the book's.
        let (price_k, qty_k) = match (source, target) {
            (a, b) if a == b => (1.0, 1.0),
            (Base::Second, Base::Hour) => (3600.0, 1.0 / 3600.0),
            (Base::Hour, Base::Second) => (1.0 / 3600.0, 3600.0),
            _ => {
                return Err(format!(
                    "unit `{}` cannot be converted to the book's `{book_unit}`",
                    d.unit
                ));
            }
        };
        if d.begin != expect {
            return Err(format!(
                "price tiers are not contiguous (a tier begins at {} where {expect} was expected)",
                d.begin
            ));
        }
        let last = i + 1 == dims.len();
        match (d.end, last) {
            (None, true) => {}
            (None, false) => return Err("an open tier (endRange Inf) is not the last".into()),
            (Some(_), true) => return Err("the last tier is not open (endRange Inf)".into()),
            (Some(end), false) if end <= d.begin => {
                return Err(format!("tier range {}..{end} is empty", d.begin));
            }
            (Some(_), false) => {}
        }
        out.push(Tier {
            upto: d.end.map(|e| tidy(e * qty_k)),
            usd: tidy(d.usd * price_k),
        });
        if let Some(end) = d.end {
            expect = end;
        }
    }
    if out.is_empty() {
        return Err("no price dimensions".into());
    }
    Ok(out)
}
/// `"8 GiB"` -> 8.0.
pub(super) fn parse_memory_gib(s: &str) -> Option<f64> {
    let n = s.trim().strip_suffix("GiB")?.trim().replace(',', "");
    n.parse().ok().filter(|v: &f64| v.is_finite() && *v > 0.0)
}

/// Graviton types are arm64; other 64-bit processors x86_64; unknown otherwise.
pub(super) fn arch_of(p: &Product) -> Option<&'static str> {
    let cpu = p.attr("physicalProcessor").to_ascii_lowercase();
    let arch = p.attr("processorArchitecture").to_ascii_lowercase();
    if cpu.contains("graviton") || arch.contains("arm") {
        Some("arm64")
    } else if arch.contains("64-bit") || cpu.contains("intel") || cpu.contains("amd") {
        Some("x86_64")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn region_prefix_is_stripped_only_when_it_is_one() {
        assert_eq!(
            strip_region_prefix("USE1-Fargate-GB-Hours"),
            "Fargate-GB-Hours"
        );
        assert_eq!(strip_region_prefix("EU-Request"), "Request");
        assert_eq!(
            strip_region_prefix("EU-BoxUsage:t2.micro"),
            "BoxUsage:t2.micro"
        );
        assert_eq!(strip_region_prefix("Lambda-GB-Second"), "Lambda-GB-Second");
        assert_eq!(strip_region_prefix("Request"), "Request");
        assert_eq!(
            strip_region_prefix("Outposts-LCUUsage"),
            "Outposts-LCUUsage"
        );
    }

    #[test]
    fn gb_seconds_become_gb_hours_with_their_tiers() {
        let dims = [
            Dimension {
                unit: "GB-Second".into(),
                begin: 0.0,
                end: Some(3_600_000.0),
                usd: 0.00001667,
            },
            Dimension {
                unit: "GB-Second".into(),
                begin: 3_600_000.0,
                end: None,
                usd: 0.00000833,
            },
        ];
        let t = tiers(&dims, "GB-hour").unwrap();
        assert_eq!(t[0].upto, Some(1000.0));
        assert_eq!(t[0].usd, 0.060012);
        assert_eq!(t[1].usd, 0.029988);
        assert!(tiers(&dims, "request").is_err());
    }

    #[test]
    fn gaps_and_open_middles_are_not_understood() {
        let d = |begin, end| Dimension {
            unit: "Requests".into(),
            begin,
            end,
            usd: 1.0,
        };
        assert!(tiers(&[d(0.0, Some(5.0)), d(6.0, None)], "request").is_err());
        assert!(tiers(&[d(0.0, None), d(5.0, None)], "request").is_err());
        assert!(tiers(&[d(1.0, None)], "request").is_err());
        assert!(tiers(&[d(0.0, Some(5.0))], "request").is_err());
        assert_eq!(tiers(&[d(0.0, None)], "request").unwrap().len(), 1);
    }

    #[test]
    fn only_positive_normal_prices_are_prices() {
        assert_eq!(parse_price("0.0000166667"), Ok(0.0000166667));
        assert_eq!(parse_price(" 1e-6 "), Ok(0.000001));
        for (bad, why) in [
            ("0", "zero"),
            ("-0", "zero"),
            ("0.0000000000", "zero"),
            ("1e-400", "zero"),
            ("1e-310", "subnormal"),
            ("-1", "negative"),
            ("NaN", "NaN"),
            ("inf", "infinite"),
            ("n/a", "not a number"),
        ] {
            let e = parse_price(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn memory_and_arch() {
        assert_eq!(parse_memory_gib("8 GiB"), Some(8.0));
        assert_eq!(parse_memory_gib("0.5 GiB"), Some(0.5));
        assert_eq!(parse_memory_gib("1,024 GiB"), Some(1024.0));
        assert_eq!(parse_memory_gib("NA"), None);
    }
}
