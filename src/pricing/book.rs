//! The price book's data: one region's prices, each naming its source. Pure data + lookups.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One region's price book, as stored in `pricing-cache/<region>.yaml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceBook {
    pub region: String,
    /// When the book was made (YYYY-MM-DD).
    pub made: String,
    /// How the book was made, e.g. "entered from AWS pricing pages" or "AWS Price List API".
    pub source: String,
    /// Priced dimensions by key (see `keys`).
    #[serde(default)]
    pub prices: BTreeMap<String, Price>,
    /// EC2 instance types by name.
    #[serde(default)]
    pub instances: BTreeMap<String, Instance>,
    /// Monthly free-tier allowances by key (quantity in the priced key's unit).
    #[serde(default)]
    pub free_tier: BTreeMap<String, Allowance>,
    /// Service quotas and rates the models treat as limits.
    #[serde(default)]
    pub quotas: BTreeMap<String, Quota>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    /// The unit one `usd` buys, e.g. "request", "GB-second", "vCPU-hour".
    pub unit: String,
    /// Price tiers in ascending order; a flat price is one tier without `upto`.
    pub tiers: Vec<Tier>,
    /// AWS page or Price List SKU (with publication date) the figure came from.
    pub source: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// Cumulative monthly quantity this tier ends at; `None` for the open last tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upto: Option<f64>,
    pub usd: f64,
}

impl Price {
    /// The first tier's price per unit.
    pub fn unit_usd(&self) -> f64 {
        self.tiers.first().map_or(0.0, |t| t.usd)
    }

    /// Cost of `quantity` units in one month, walking the tiers.
    pub fn cost(&self, quantity: f64) -> f64 {
        if quantity <= 0.0 {
            return 0.0;
        }
        let mut cost = 0.0;
        let mut start = 0.0;
        for tier in &self.tiers {
            let end = tier.upto.unwrap_or(f64::INFINITY);
            if quantity > start {
                cost += (quantity.min(end) - start) * tier.usd;
            }
            start = end;
            if quantity <= end {
                break;
            }
        }
        cost
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instance {
    /// `x86_64` or `arm64`.
    pub arch: String,
    pub vcpu: u32,
    pub memory_gib: f64,
    /// On-demand Linux price per instance-hour.
    pub on_demand_hourly: f64,
    pub source: String,
    /// Burstable (T family): sustained CPU above the baseline costs credits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_cpu_share: Option<f64>,
    /// Hourly rates other than on-demand, by purchase option as a profile spells it
    /// (`reserved_1y`, `savings_plan_1y`, `spot`, ...), each with its own source. A purchase
    /// missing here is not priced for this type.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rates: BTreeMap<String, Rate>,
}

/// One hourly rate of an instance type under a purchase option.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rate {
    /// Effective price per instance-hour (no upfront: the hourly charge; an upfront fee
    /// would be amortised over the term's hours).
    pub hourly: f64,
    pub source: String,
}

impl Instance {
    /// The rate per instance-hour for `purchase` (on-demand: the list price), with its
    /// source; `None` when the book has no such rate for this type.
    pub fn rate(&self, purchase: crate::profile::Purchase) -> Option<(f64, &str)> {
        match purchase {
            crate::profile::Purchase::OnDemand => {
                Some((self.on_demand_hourly, self.source.as_str()))
            }
            other => self
                .rates
                .get(other.as_str())
                .map(|r| (r.hourly, r.source.as_str())),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allowance {
    pub quantity: f64,
    pub unit: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    pub value: f64,
    pub unit: String,
    pub source: String,
    /// The profile states this value (the account's own quota): a hard limit. False for the
    /// book's figure, which is AWS's default and only a quota request away. Never in a file.
    #[serde(skip)]
    pub stated: bool,
}

/// A figure the model needs that this region's book lacks: the option that needs it is
/// `unpriced` (SPEC §5), and the report names the key ([`crate::pricing::keys::describe`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.sentence())]
pub struct Missing {
    pub region: String,
    /// [`Missing::PRICE`], [`Missing::QUOTA`], [`Missing::INSTANCE_TYPE`] or
    /// [`Missing::INSTANCES`].
    pub what: &'static str,
    pub key: String,
}

impl Missing {
    /// A key of the book's `prices:`.
    pub const PRICE: &'static str = "price";
    /// A key of the book's `quotas:`.
    pub const QUOTA: &'static str = "quota";
    /// A named EC2 instance type of the book's `instances:`.
    pub const INSTANCE_TYPE: &'static str = "instance type";
    /// Any EC2 instance type at all (`instance_type: auto` on a book without `instances:`);
    /// `key` is [`crate::pricing::keys::EC2_INSTANCES`].
    pub const INSTANCES: &'static str = "EC2 instance prices";

    /// "the eu-west-1 price book has no price `ecs.fargate.vcpu.arm64`", or, for a book
    /// without instance types, "... has no EC2 instance prices: its `instances:` table is
    /// empty".
    fn sentence(&self) -> String {
        if self.what == Missing::INSTANCES {
            format!(
                "the {} price book has no EC2 instance prices: its `instances:` table is empty",
                self.region
            )
        } else {
            format!(
                "the {} price book has no {} `{}`",
                self.region, self.what, self.key
            )
        }
    }
}

impl PriceBook {
    pub fn price(&self, key: &str) -> Result<&Price, Missing> {
        self.prices
            .get(key)
            .ok_or_else(|| self.missing(Missing::PRICE, key))
    }

    pub fn instance(&self, name: &str) -> Result<&Instance, Missing> {
        self.instances
            .get(name)
            .ok_or_else(|| self.missing(Missing::INSTANCE_TYPE, name))
    }

    pub fn quota(&self, key: &str) -> Result<&Quota, Missing> {
        self.quotas
            .get(key)
            .ok_or_else(|| self.missing(Missing::QUOTA, key))
    }

    /// The free allowance for a priced key, zero when the book states none.
    pub fn free(&self, key: &str) -> f64 {
        self.free_tier.get(key).map_or(0.0, |a| a.quantity)
    }

    /// This book with the account's own quotas (a profile's `quotas:`, keyed by quota key) in
    /// place of the defaults: each stated value is marked [`Quota::stated`], a hard limit.
    /// Borrowed unchanged when the profile states none.
    pub fn with_account_quotas<'a>(
        &'a self,
        stated: &BTreeMap<String, f64>,
    ) -> std::borrow::Cow<'a, PriceBook> {
        if stated.is_empty() {
            return std::borrow::Cow::Borrowed(self);
        }
        let mut book = self.clone();
        for (key, &value) in stated {
            let entry = book.quotas.entry(key.clone()).or_insert_with(|| Quota {
                value,
                unit: String::new(),
                source: String::new(),
                stated: true,
            });
            entry.value = value;
            entry.stated = true;
            entry.source = "the account's quota, stated in the profile".into();
        }
        std::borrow::Cow::Owned(book)
    }

    pub(crate) fn missing(&self, what: &'static str, key: &str) -> Missing {
        Missing {
            region: self.region.clone(),
            what,
            key: key.to_string(),
        }
    }
}
