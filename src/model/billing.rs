//! Turning priced quantities into cost lines. Every line the models emit is made here, so
//! tier walking, unit prices and free-tier credits work the same everywhere.

use super::plan::LineItem;
use crate::pricing::{Missing, Price, PriceBook};

/// A cost line for `quantity` units of a priced key, walking the price's tiers.
pub fn line(item: &str, quantity: f64, price: &Price) -> LineItem {
    let cost = price.cost(quantity);
    LineItem {
        item: item.to_string(),
        quantity,
        unit: price.unit.clone(),
        unit_price_usd: if quantity > 0.0 {
            cost / quantity
        } else {
            price.unit_usd()
        },
        cost_usd: cost,
        source: price.source.clone(),
    }
}

/// A line bought other than on demand (a Savings Plan's or Reserved Instance's rate, Spot):
/// as [`line`], with the purchase named in its unit ("vCPU-hour, 1-year Compute Savings Plan
/// (no upfront)") so the breakdown tells it from the on-demand line of the same item.
pub fn bought_line(
    item: &str,
    quantity: f64,
    price: &Price,
    purchase: crate::profile::Purchase,
) -> LineItem {
    let mut l = line(item, quantity, price);
    l.unit = format!("{}, {}", price.unit, purchase.describe());
    l
}

/// Look a key up and price `quantity` of it.
pub fn priced(book: &PriceBook, item: &str, key: &str, quantity: f64) -> Result<LineItem, Missing> {
    Ok(line(item, quantity, book.price(key)?))
}

/// The free-tier credit for `used` units against an allowance of `remaining` units: a line of
/// its own with a negative cost, priced at the first tier (the free tier covers the first
/// units of the month). Returns the credit line (if any) and the allowance used.
pub fn free_credit(
    used: f64,
    remaining: f64,
    price: &Price,
    what: &str,
) -> Option<(LineItem, f64)> {
    let credited = used.min(remaining).max(0.0);
    if credited <= 0.0 {
        return None;
    }
    let unit_price = price.unit_usd();
    Some((
        LineItem {
            item: "free_tier".to_string(),
            quantity: credited,
            unit: price.unit.clone(),
            unit_price_usd: -unit_price,
            cost_usd: -credited * unit_price,
            source: format!("AWS free tier ({what})"),
        },
        credited,
    ))
}

/// Sum of a breakdown's costs.
pub fn total(lines: &[LineItem]) -> f64 {
    lines.iter().map(|l| l.cost_usd).sum()
}

/// The monthly free allowances still unused when a workload is priced (zero when the
/// profile does not ask for the free tier). The allowance is credited once per profile: the
/// workloads consume it in file order, each through its recommended option.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FreeTier {
    pub lambda_requests: f64,
    pub lambda_gb_s: f64,
    pub sfn_transitions: f64,
    /// GB of data transfer out to the internet (the account's free 100 GB a month).
    pub data_out_gb: f64,
    /// SQS requests (1M a month, standard and FIFO together).
    pub sqs_requests: f64,
}

impl FreeTier {
    pub fn none() -> FreeTier {
        FreeTier::default()
    }

    /// The full monthly allowance stated in the book.
    pub fn from_book(book: &PriceBook) -> FreeTier {
        use crate::pricing::keys;
        FreeTier {
            lambda_requests: book.free(keys::LAMBDA_FREE_REQUESTS),
            lambda_gb_s: book.free(keys::LAMBDA_FREE_DURATION),
            sfn_transitions: book.free(keys::SFN_STANDARD_TRANSITIONS),
            data_out_gb: book.free(keys::DATA_TRANSFER_OUT),
            sqs_requests: book.free(keys::SQS_FREE_REQUESTS),
        }
    }

    /// What is left after an option's usage, read from its breakdown lines.
    pub fn after(&self, lines: &[LineItem]) -> FreeTier {
        let used = |names: &[&str]| -> f64 {
            lines
                .iter()
                .filter(|l| names.contains(&l.item.as_str()))
                .map(|l| l.quantity)
                .sum()
        };
        FreeTier {
            lambda_requests: (self.lambda_requests - used(&["requests", "lambda_requests"]))
                .max(0.0),
            lambda_gb_s: (self.lambda_gb_s
                - used(&["duration", "init_duration", "lambda_duration"]))
            .max(0.0),
            sfn_transitions: (self.sfn_transitions - used(&["state_transitions"])).max(0.0),
            data_out_gb: (self.data_out_gb - used(&["data_transfer"])).max(0.0),
            sqs_requests: (self.sqs_requests - used(&["sqs_requests"])).max(0.0),
        }
    }
}
