//! Lambda's bill: requests, duration and INIT at the tiers of the month's aggregate,
//! provisioned concurrency, ephemeral storage and the free tier. The one place Lambda's billing
//! rules live; Step Functions' task states and calibration bill through it too.

use super::FREE_EPHEMERAL_MB;
use crate::model::billing::{self, FreeTier};
use crate::model::plan::LineItem;
use crate::pricing::{Missing, Price, PriceBook, keys};
use crate::profile::Architecture;

/// Names of the breakdown lines: a function of its own uses `requests`/`duration`, a Step
/// Functions task state `lambda_requests`/`lambda_duration`.
#[derive(Debug, Clone, Copy)]
pub struct LineNames {
    pub requests: &'static str,
    pub duration: &'static str,
}

pub const OWN_LINES: LineNames = LineNames {
    requests: "requests",
    duration: "duration",
};
pub const TASK_LINES: LineNames = LineNames {
    requests: "lambda_requests",
    duration: "lambda_duration",
};

/// A month of one function's invocations, ready to price.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    pub arch: Architecture,
    pub memory_mb: u32,
    /// Billed requests (all invocations, on-demand and provisioned).
    pub requests: f64,
    /// Handler duration of an on-demand invocation, before rounding up to the billed 1 ms.
    pub duration_ms: f64,
    pub provisioned: Option<Provisioned>,
    /// On-demand cold starts a month, each billed `init_ms` of INIT.
    pub cold_starts: f64,
    pub init_ms: f64,
    pub ephemeral_storage_mb: u32,
}

/// Provisioned concurrency: configured for `seconds` of the month, serving `invocations`
/// of the month's requests, each taking `duration_ms`.
#[derive(Debug, Clone, Copy)]
pub struct Provisioned {
    pub concurrency: u32,
    pub seconds: f64,
    pub invocations: f64,
    pub duration_ms: f64,
}

/// Lambda's bill for a month of `usage`: its lines, with credits for what is left of the free
/// tier (what a recommended option uses of it is taken off by the caller, `FreeTier::after`).
pub fn bill(
    usage: &Usage,
    names: LineNames,
    book: &PriceBook,
    free: FreeTier,
) -> Result<Vec<LineItem>, Missing> {
    let arch = usage.arch;
    let gb = usage.memory_mb as f64 / 1024.0;
    let billed_s = |ms: f64| ms.max(0.0).ceil() / 1000.0;
    let pc_invocations = usage
        .provisioned
        .map_or(0.0, |p| p.invocations.min(usage.requests));
    let on_demand_invocations = usage.requests - pc_invocations;
    let mut lines = Vec::new();

    let req_price = book.price(&keys::lambda_requests(arch))?;
    lines.push(billing::line(names.requests, usage.requests, req_price));

    let dur_price = book.price(&keys::lambda_duration(arch))?;
    let on_demand_gb_s = on_demand_invocations * billed_s(usage.duration_ms) * gb;
    let init_gb_s = usage.cold_starts * billed_s(usage.init_ms) * gb;
    lines.push(billing::line(names.duration, on_demand_gb_s, dur_price));
    if init_gb_s > 0.0 {
        lines.push(billing::line(INIT_LINE, init_gb_s, dur_price));
    }
    price_duration(&mut lines, names, dur_price);

    let mut invoked_s = on_demand_invocations * billed_s(usage.duration_ms)
        + usage.cold_starts * billed_s(usage.init_ms);
    if let Some(pc) = usage.provisioned.filter(|p| p.concurrency > 0) {
        // Provisioned time is billed in 5-minute increments.
        let pc_seconds = (pc.seconds / 300.0).ceil() * 300.0;
        lines.push(billing::priced(
            book,
            "provisioned_concurrency",
            &keys::lambda_provisioned_concurrency(arch),
            pc.concurrency as f64 * gb * pc_seconds,
        )?);
        lines.push(billing::priced(
            book,
            "provisioned_duration",
            &keys::lambda_provisioned_duration(arch),
            pc_invocations * billed_s(pc.duration_ms) * gb,
        )?);
        invoked_s += pc_invocations * billed_s(pc.duration_ms);
    }

    if usage.ephemeral_storage_mb > FREE_EPHEMERAL_MB {
        let extra_gb = (usage.ephemeral_storage_mb - FREE_EPHEMERAL_MB) as f64 / 1024.0;
        lines.push(billing::priced(
            book,
            "ephemeral_storage",
            keys::LAMBDA_EPHEMERAL_STORAGE,
            extra_gb * invoked_s,
        )?);
    }

    // The free tier covers requests and on-demand duration, not provisioned concurrency
    // (as AWS's own provisioned-concurrency example 1 applies it).
    if let Some((credit, _)) = billing::free_credit(
        usage.requests,
        free.lambda_requests,
        req_price,
        "Lambda requests",
    ) {
        lines.push(credit);
    }
    if let Some((credit, _)) = billing::free_credit(
        on_demand_gb_s + init_gb_s,
        free.lambda_gb_s,
        dur_price,
        "Lambda duration",
    ) {
        lines.push(credit);
    }
    Ok(lines)
}

/// `lines` (a function's own bill, [`bill`] with [`OWN_LINES`]) under a Compute Savings Plan
/// sized to the steady baseline: of each line the plan covers (duration and INIT,
/// provisioned concurrency and its duration), `steady_share` of the quantity is billed at the
/// plan's rate and the rest stays at the line's own price; provisioned concurrency, configured
/// all month, is all steady. Requests, ephemeral storage and free-tier credits are untouched
/// (the plan does not cover them). AWS: Compute Savings Plans apply to "Lambda duration and
/// provisioned concurrency", up to 17% off (https://aws.amazon.com/savingsplans/compute-pricing/).
pub fn under_savings_plan(
    lines: Vec<LineItem>,
    arch: Architecture,
    purchase: crate::profile::Purchase,
    steady_share: f64,
    book: &PriceBook,
) -> Result<Vec<LineItem>, Missing> {
    let share = steady_share.clamp(0.0, 1.0);
    let mut out = Vec::with_capacity(lines.len() + 3);
    for l in lines {
        let what = match l.item.as_str() {
            "duration" | INIT_LINE => "duration",
            "provisioned_concurrency" => "provisioned_concurrency",
            "provisioned_duration" => "provisioned_duration",
            _ => {
                out.push(l);
                continue;
            }
        };
        let covered = if what == "provisioned_concurrency" {
            1.0
        } else {
            share
        };
        let rate = book.price(&keys::lambda_savings_plan(what, arch, purchase))?;
        if covered > 0.0 && l.quantity > 0.0 {
            out.push(billing::bought_line(
                &l.item,
                l.quantity * covered,
                rate,
                purchase,
            ));
        }
        if covered < 1.0 || l.quantity <= 0.0 {
            let rest = 1.0 - covered;
            out.push(LineItem {
                quantity: l.quantity * rest,
                cost_usd: l.cost_usd * rest,
                ..l
            });
        }
    }
    Ok(out)
}

/// The breakdown line of INIT duration billed for cold starts.
const INIT_LINE: &str = "init_duration";

/// Prices the duration lines among `lines` (`names.duration` and INIT) at the tiers of their
/// aggregate: Lambda's duration tiers apply to the month's total GB-seconds, INIT and
/// invocations together, so every duration line pays the same average unit price.
fn price_duration(lines: &mut [LineItem], names: LineNames, price: &Price) {
    let is_duration = |l: &LineItem| l.item == names.duration || l.item == INIT_LINE;
    let total: f64 = lines
        .iter()
        .filter(|l| is_duration(l))
        .map(|l| l.quantity)
        .sum();
    let unit = if total > 0.0 {
        price.cost(total) / total
    } else {
        price.unit_usd()
    };
    for l in lines.iter_mut().filter(|l| is_duration(l)) {
        l.unit_price_usd = unit;
        l.cost_usd = l.quantity * unit;
    }
}

/// The bill of several functions of one architecture in one account (Step Functions' task
/// states): each billed by [`bill`] in turn, the free tier consumed once (what one function
/// uses is gone for the next), the lines merged into one per item, and the duration priced at
/// the tiers of the functions' aggregate (identical to each one's own below the first tier).
pub fn bill_functions(
    usages: &[Usage],
    names: LineNames,
    book: &PriceBook,
    free: FreeTier,
) -> Result<Vec<LineItem>, Missing> {
    let mut free = free;
    let mut merged: Vec<LineItem> = Vec::new();
    for usage in usages {
        let lines = bill(usage, names, book, free)?;
        free = free.after(&lines);
        for l in lines {
            match merged
                .iter_mut()
                .find(|m| m.item == l.item && m.unit == l.unit && m.source == l.source)
            {
                Some(m) => {
                    m.quantity += l.quantity;
                    m.cost_usd += l.cost_usd;
                    m.unit_price_usd = if m.quantity != 0.0 {
                        m.cost_usd / m.quantity
                    } else {
                        m.unit_price_usd
                    };
                }
                None => merged.push(l),
            }
        }
    }
    if let [first, _, ..] = usages {
        price_duration(
            &mut merged,
            names,
            book.price(&keys::lambda_duration(first.arch))?,
        );
    }
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testkit::book;

    #[test]
    fn functions_billed_together_walk_the_tiers_on_their_aggregate() {
        // Two functions of 5 billion GB-s each: alone, each stays in the first tier (6 billion
        // GB-s); together they cross it, so both pay the aggregate's average unit price.
        let usage = Usage {
            arch: Architecture::X86_64,
            memory_mb: 1024,
            requests: 5e9,
            duration_ms: 1000.0,
            provisioned: None,
            cold_starts: 0.0,
            init_ms: 0.0,
            ephemeral_storage_mb: FREE_EPHEMERAL_MB,
        };
        let b = book();
        let alone = bill_functions(&[usage], TASK_LINES, &b, FreeTier::none()).unwrap();
        assert_eq!(
            alone,
            bill(&usage, TASK_LINES, &b, FreeTier::none()).unwrap()
        );
        let both = bill_functions(&[usage, usage], TASK_LINES, &b, FreeTier::none()).unwrap();
        let duration: Vec<_> = both
            .iter()
            .filter(|l| l.item == "lambda_duration")
            .collect();
        assert_eq!(duration.len(), 1);
        let expected = 6e9 * 0.0000166667 + 4e9 * 0.000015;
        assert!(
            (duration[0].cost_usd - expected).abs() < 1e-3,
            "{} vs {expected}",
            duration[0].cost_usd
        );
    }
}
