//! What changed between two price books: moved prices (old and new), added and removed
//! keys. Pure; `planner pricing refresh` prints it before writing.

use super::book::{PriceBook, Tier};
use std::fmt::{self, Write as _};

/// One figure that is in both books with different values.
#[derive(Debug, Clone, PartialEq)]
pub struct Moved {
    /// `prices.<key>` or `instances.<type>`.
    pub key: String,
    pub old: String,
    pub new: String,
}

/// The difference between an old and a new book.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BookDiff {
    pub moved: Vec<Moved>,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// Figures present in both books with the same value.
    pub unchanged: usize,
}

impl BookDiff {
    pub fn is_empty(&self) -> bool {
        self.moved.is_empty() && self.added.is_empty() && self.removed.is_empty()
    }
}

/// Compare the prices and the instance types' hourly prices (and sizes) of two books.
/// Sources, free tier and quotas are not compared.
pub fn diff(old: &PriceBook, new: &PriceBook) -> BookDiff {
    let mut d = BookDiff::default();
    let mut compare = |key: String, a: Option<String>, b: Option<String>| match (a, b) {
        (Some(a), Some(b)) if a == b => d.unchanged += 1,
        (Some(a), Some(b)) => d.moved.push(Moved {
            key,
            old: a,
            new: b,
        }),
        (Some(_), None) => d.removed.push(key),
        (None, Some(_)) => d.added.push(key),
        (None, None) => {}
    };
    let mut keys: Vec<&String> = old.prices.keys().chain(new.prices.keys()).collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        let show = |b: &PriceBook| {
            b.prices
                .get(k)
                .map(|p| format!("{} per {}", tiers_text(&p.tiers), p.unit))
        };
        compare(format!("prices.{k}"), show(old), show(new));
    }
    let mut names: Vec<&String> = old.instances.keys().chain(new.instances.keys()).collect();
    names.sort();
    names.dedup();
    for n in names {
        let show = |b: &PriceBook| {
            b.instances.get(n).map(|i| {
                format!(
                    "{} per hour ({}, {} vCPU, {} GiB)",
                    i.on_demand_hourly, i.arch, i.vcpu, i.memory_gib
                )
            })
        };
        compare(format!("instances.{n}"), show(old), show(new));
        // Its rates under other purchase options (Reserved Instances, ...), each a figure.
        let rate = |b: &PriceBook, r: &str| {
            b.instances
                .get(n)
                .and_then(|i| i.rates.get(r))
                .map(|r| format!("{} per hour", r.hourly))
        };
        let mut rates: Vec<&String> = [old, new]
            .iter()
            .filter_map(|b| b.instances.get(n))
            .flat_map(|i| i.rates.keys())
            .collect();
        rates.sort();
        rates.dedup();
        for r in rates {
            compare(
                format!("instances.{n}.rates.{r}"),
                rate(old, r),
                rate(new, r),
            );
        }
    }
    d
}

/// How far a refreshed figure may move against the previous book before the refresh stops
/// and asks for `--accept-changes`: AWS moves prices by a few percent to a few tens of percent,
/// and Regions differ by less than ×2; a figure ten times higher or lower is far more likely
/// a broken answer (a unit or a decimal point off) than a real change.
pub const PLAUSIBLE_FACTOR: f64 = 10.0;

/// A figure that moved by more than a factor between two books.
#[derive(Debug, Clone, PartialEq)]
pub struct Jump {
    /// `prices.<key>` (with ` tier N` when not the first) or `instances.<type>`.
    pub figure: String,
    /// The book key it belongs to (`lambda.requests.arm64`, `instances.m7g.large`).
    pub key: String,
    pub old: f64,
    pub new: f64,
    /// The unit the figures are in (`request`, `hour`).
    pub unit: String,
}

/// The figures of `new` that moved by more than `factor` (up or down) against `old`: each
/// price tier (compared by position) and each instance type's hourly price present in both.
/// A new figure that is not a positive finite number always counts; an old one that is not
/// (a hand-edited zero) gives no scale, so a new figure replacing it does not.
pub fn jumps(old: &PriceBook, new: &PriceBook, factor: f64) -> Vec<Jump> {
    let positive = |x: f64| x.is_finite() && x > 0.0;
    let far = |a: f64, b: f64| !positive(b) || (positive(a) && (b > a * factor || b < a / factor));
    let mut out = Vec::new();
    for (key, p) in &new.prices {
        let Some(before) = old.prices.get(key) else {
            continue;
        };
        for (i, (a, b)) in before.tiers.iter().zip(&p.tiers).enumerate() {
            if far(a.usd, b.usd) {
                out.push(Jump {
                    figure: match i {
                        0 => format!("prices.{key}"),
                        _ => format!("prices.{key} tier {}", i + 1),
                    },
                    key: key.clone(),
                    old: a.usd,
                    new: b.usd,
                    unit: p.unit.clone(),
                });
            }
        }
    }
    for (name, inst) in &new.instances {
        if let Some(before) = old.instances.get(name)
            && far(before.on_demand_hourly, inst.on_demand_hourly)
        {
            out.push(Jump {
                figure: format!("instances.{name}"),
                key: format!("instances.{name}"),
                old: before.on_demand_hourly,
                new: inst.on_demand_hourly,
                unit: "hour".into(),
            });
        }
    }
    out
}

/// [`Jump`] figures in plain decimals: `0.0000002 -> 0.02 per request`.
impl fmt::Display for Jump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} -> {} per {}",
            self.figure,
            Plain(self.old),
            Plain(self.new),
            self.unit
        )
    }
}

/// `0.0000166667 to 6000000000, 0.000015 to 15000000000, 0.0000133334 above`, or a flat
/// price alone.
pub fn tiers_text(tiers: &[Tier]) -> String {
    if let [t] = tiers
        && t.upto.is_none()
    {
        return Plain(t.usd).to_string();
    }
    let mut s = String::new();
    for (i, t) in tiers.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        match t.upto {
            Some(u) => {
                let _ = write!(s, "{} to {}", Plain(t.usd), Plain(u));
            }
            None => {
                let _ = write!(s, "{} above", Plain(t.usd));
            }
        }
    }
    s
}

/// A number in plain decimal notation (Rust's shortest round-trip form; never exponents).
struct Plain(f64);

impl fmt::Display for Plain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Display for BookDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return writeln!(f, "  no figure changed ({} unchanged)", self.unchanged);
        }
        for m in &self.moved {
            writeln!(f, "  changed {}: {} -> {}", m.key, m.old, m.new)?;
        }
        for k in &self.added {
            writeln!(f, "  added   {k}")?;
        }
        for k in &self.removed {
            writeln!(f, "  removed {k}")?;
        }
        writeln!(
            f,
            "  {} changed, {} added, {} removed, {} unchanged",
            self.moved.len(),
            self.added.len(),
            self.removed.len(),
            self.unchanged
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::pricing::built_in;

    #[test]
    fn a_moved_price_shows_old_and_new() {
        let old = built_in("us-east-1").unwrap().book;
        let mut new = old.clone();
        new.prices.get_mut("lambda.requests.arm64").unwrap().tiers[0].usd = 0.00000021;
        new.prices.remove("elb.alb.lcu");
        new.instances.get_mut("m7g.large").unwrap().on_demand_hourly = 0.09;
        let d = diff(&old, &new);
        assert_eq!(d.moved.len(), 2);
        assert_eq!(d.moved[0].key, "prices.lambda.requests.arm64");
        assert_eq!(d.moved[0].old, "0.0000002 per request");
        assert_eq!(d.moved[0].new, "0.00000021 per request");
        assert_eq!(d.removed, vec!["prices.elb.alb.lcu".to_string()]);
        assert!(
            d.to_string()
                .contains("instances.m7g.large: 0.0816 per hour")
        );
        assert!(diff(&old, &old).is_empty());
    }

    #[test]
    fn jumps_past_the_factor_are_named_either_way() {
        let old = built_in("us-east-1").unwrap().book;
        assert!(jumps(&old, &old, PLAUSIBLE_FACTOR).is_empty());
        let mut new = old.clone();
        // x9.9 and /9.9 pass; x10.1, /10.1 and a tier of a tiered price do not.
        new.prices.get_mut("lambda.requests.arm64").unwrap().tiers[0].usd *= 9.9;
        new.prices.get_mut("lambda.requests.x86_64").unwrap().tiers[0].usd /= 9.9;
        new.prices.get_mut("elb.alb.lcu").unwrap().tiers[0].usd *= 10.1;
        new.prices.get_mut("lambda.duration.x86_64").unwrap().tiers[2].usd /= 10.1;
        new.instances.get_mut("m7g.large").unwrap().on_demand_hourly = 0.0;
        // A zero in the old book gives no scale: its repair is no jump.
        let mut old = old;
        old.prices.get_mut("elb.alb.hours").unwrap().tiers[0].usd = 0.0;
        let j = jumps(&old, &new, PLAUSIBLE_FACTOR);
        let figures: Vec<&str> = j.iter().map(|j| j.figure.as_str()).collect();
        assert_eq!(
            figures,
            [
                "prices.elb.alb.lcu",
                "prices.lambda.duration.x86_64 tier 3",
                "instances.m7g.large"
            ]
        );
        assert_eq!(
            j[2].to_string(),
            "instances.m7g.large: 0.0816 -> 0 per hour"
        );
    }

    #[test]
    fn tiers_read_in_order() {
        let t = [
            Tier {
                upto: Some(1000.0),
                usd: 0.06,
            },
            Tier {
                upto: None,
                usd: 0.03,
            },
        ];
        assert_eq!(tiers_text(&t), "0.06 to 1000, 0.03 above");
    }
}
