//! The new book: what was mapped, checked for completeness and joined with what the Price
//! List does not carry (kept from the previous book).

use super::item::tidy;
use super::map::{Conflict, FoundInstance, Mapped};
use super::{FARGATE_SPOT_SHARE, SERVICES, rules, spot_keys};
use crate::pricing::{Instance, LoadedBook, Price, PriceBook, Tier};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// Why the API's answer cannot become a book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssembleError {
    /// The API returned no product at all for the region.
    NoProducts,
    /// Prices the book needs that no item gave.
    Missing(Vec<Missing>),
    /// Several items for one key with different prices.
    Conflicts(Vec<Conflict>),
}

/// A figure the book needs that no usable item gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    /// The book key (`lambda.requests.arm64`, `instances.m7g.large`).
    pub key: String,
    /// What was looked for: `AWSLambda usagetype Request in us-east-1`.
    pub wanted: String,
    /// The items that would have filled it but were refused, each `SKU X (usagetype): why`.
    pub refused: Vec<String>,
}

impl Missing {
    fn new(key: String, wanted: String, mapped: &Mapped) -> Missing {
        let refused = mapped
            .skipped
            .iter()
            .filter(|s| s.key.as_deref() == Some(key.as_str()))
            .map(|s| format!("{}: {}", s.item, s.reason))
            .collect();
        Missing {
            key,
            wanted,
            refused,
        }
    }
}

/// The new book and what the user should know about how it was made.
#[derive(Debug, Clone)]
pub struct Assembled {
    pub book: PriceBook,
    /// Lines for stderr: what was kept, modelled or left out.
    pub notes: Vec<String>,
}

/// Which EC2 instance types to ask for: those of the previous book and of the built-in
/// us-east-1 book (the curated list).
pub fn wanted_instance_types(
    previous: Option<&PriceBook>,
    reference: &PriceBook,
) -> BTreeSet<String> {
    previous
        .into_iter()
        .chain(std::iter::once(reference))
        .flat_map(|b| b.instances.keys().cloned())
        .collect()
}

/// Build the book for `region` made on `made` (YYYY-MM-DD) from what was read, keeping from
/// `previous` (or, for instance details, `reference`) what the Price List does not carry.
pub fn assemble(
    region: &str,
    made: &str,
    mapped: &Mapped,
    previous: Option<&LoadedBook>,
    reference: &PriceBook,
) -> Result<Assembled, AssembleError> {
    if mapped.total_read() == 0 {
        return Err(AssembleError::NoProducts);
    }
    if !mapped.conflicts.is_empty() {
        return Err(AssembleError::Conflicts(mapped.conflicts.clone()));
    }
    let prev = previous.map(|l| &l.book);
    let prev_name = previous.map_or_else(String::new, |l| {
        if l.origin == crate::pricing::BUILT_IN_ORIGIN {
            format!("the built-in {} book (made {})", l.book.region, l.book.made)
        } else {
            format!("{} (made {})", l.origin, l.book.made)
        }
    });
    let mut notes = Vec::new();

    // Prices: every key the rules cover must be there.
    let mut prices = BTreeMap::new();
    let mut missing = Vec::new();
    for rule in rules() {
        match mapped.prices.get(&rule.key) {
            Some(found) => {
                prices.insert(rule.key.clone(), found.price.clone());
            }
            None => missing.push(Missing::new(
                rule.key.clone(),
                format!("{} usagetype {} in {region}", rule.service, rule.usagetype),
                mapped,
            )),
        }
    }
    // Fargate Spot, modelled from the refreshed on-demand prices.
    for (on_demand, spot) in spot_keys() {
        if let Some(found) = mapped.prices.get(&on_demand) {
            let tiers = found
                .price
                .tiers
                .iter()
                .map(|t| Tier {
                    upto: t.upto,
                    usd: tidy(t.usd * FARGATE_SPOT_SHARE),
                })
                .collect();
            prices.insert(
                spot.clone(),
                Price {
                    unit: found.price.unit.clone(),
                    tiers,
                    source: format!(
                        "ESTIMATE, not a published rate: {:.2}% of the on-demand ${} (AWS Price \
                         List SKU {}, published {}): the share of an observed Fargate Spot rate \
                         ($0.01334053 per vCPU-hour against $0.04048 on demand, Linux/x86, \
                         tomgregory.com \"AWS Fargate Spot vs Fargate price comparison\", \
                         eu-west-1, undated). AWS states only \"up to a 70% discount\" \
                         (https://aws.amazon.com/fargate/pricing/); the rate moves with supply \
                         and demand",
                        FARGATE_SPOT_SHARE * 100.0,
                        found.price.unit_usd(),
                        found.sku,
                        found.published.as_deref().unwrap_or("unknown"),
                    ),
                },
            );
        }
    }
    // Keys of the previous book refresh does not produce stay, with their own sources.
    if let Some(prev) = prev {
        let kept: Vec<&String> = prev
            .prices
            .keys()
            .filter(|k| !prices.contains_key(*k))
            .collect();
        if !kept.is_empty() {
            notes.push(format!(
                "kept from {prev_name}, not in the Price List: {}",
                kept.iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        for k in kept {
            prices.insert(k.clone(), prev.prices[k].clone());
        }
    }

    // Instances: every type of the previous book must come back; others are optional.
    let mut instances = BTreeMap::new();
    let mut absent = Vec::new();
    for name in wanted_instance_types(prev, reference) {
        let before = prev
            .and_then(|b| b.instances.get(&name))
            .or_else(|| reference.instances.get(&name));
        match (mapped.instances.get(&name), before) {
            (Some(found), before) => match instance(region, found, before, &prev_name) {
                Some(inst) => {
                    instances.insert(name, inst);
                }
                None => absent.push(format!("{name} (no vCPU/memory in the item)")),
            },
            (None, _) if prev.is_some_and(|b| b.instances.contains_key(&name)) => {
                missing.push(Missing::new(
                    format!("instances.{name}"),
                    format!("AmazonEC2 BoxUsage:{name}, Linux, shared tenancy, in {region}"),
                    mapped,
                ));
            }
            (None, _) => absent.push(name),
        }
    }
    if !missing.is_empty() {
        return Err(AssembleError::Missing(missing));
    }
    if instances.is_empty() {
        return Err(AssembleError::Missing(vec![Missing {
            key: "instances".into(),
            wanted: format!("any AmazonEC2 Linux instance type of the curated list in {region}"),
            refused: mapped
                .skipped
                .iter()
                .filter(|s| {
                    s.key
                        .as_deref()
                        .is_some_and(|k| k.starts_with("instances."))
                })
                .map(|s| format!("{}: {}", s.item, s.reason))
                .collect(),
        }]));
    }
    if !absent.is_empty() {
        notes.push(format!(
            "EC2 instance types not offered in {region} (left out): {}",
            absent.join(", ")
        ));
    }

    let mut source = format!(
        "AWS Price List API (GetProducts: {}) read {made}; each price names its SKU and \
         publication date. Fargate Spot is modelled as {:.0}% of on-demand.",
        SERVICES.join(", "),
        FARGATE_SPOT_SHARE * 100.0
    );
    let (free_tier, quotas) = match prev {
        Some(p) => {
            let _ = write!(
                source,
                " Free tier allowances and quotas (not in the Price List) kept from {prev_name}."
            );
            (p.free_tier.clone(), p.quotas.clone())
        }
        None => {
            notes.push(format!(
                "no previous {region} book: the new one has no free tier allowances or quotas \
                 (the Price List carries neither); add them by hand if the model needs them"
            ));
            (BTreeMap::new(), BTreeMap::new())
        }
    };
    Ok(Assembled {
        book: PriceBook {
            region: region.to_string(),
            made: made.to_string(),
            source,
            prices,
            instances,
            free_tier,
            quotas,
        },
        notes,
    })
}

fn instance(
    region: &str,
    found: &FoundInstance,
    before: Option<&Instance>,
    prev_name: &str,
) -> Option<Instance> {
    fn take<T>(api: Option<T>, old: Option<T>, what: &str, kept: &mut Vec<String>) -> Option<T> {
        api.or_else(|| {
            kept.push(what.to_string());
            old
        })
    }
    let mut kept = Vec::new();
    let arch = take(
        found.arch.map(str::to_string),
        before.map(|b| b.arch.clone()),
        "arch",
        &mut kept,
    )?;
    let vcpu = take(found.vcpu, before.map(|b| b.vcpu), "vCPU", &mut kept)?;
    let memory_gib = take(
        found.memory_gib,
        before.map(|b| b.memory_gib),
        "memory",
        &mut kept,
    )?;
    let baseline_cpu_share = before.and_then(|b| b.baseline_cpu_share);
    if baseline_cpu_share.is_some() {
        kept.push("baseline_cpu_share".into());
    }
    let mut source = format!(
        "AWS Price List API AmazonEC2 {region} SKU {} {} (Linux, Shared, OnDemand; published {})",
        found.sku,
        found.usagetype,
        found.published.as_deref().unwrap_or("unknown")
    );
    if !kept.is_empty() {
        let from = if prev_name.is_empty() {
            "the built-in us-east-1 book"
        } else {
            prev_name
        };
        let _ = write!(
            source,
            "; {} not in the Price List item, kept from {from}",
            kept.join(", ")
        );
    }
    // Rates the Price List does not carry (Savings Plans, Spot) stay as the book had them;
    // the Reserved Instance rates are refreshed.
    let mut rates = before.map(|b| b.rates.clone()).unwrap_or_default();
    rates.extend(found.reserved.iter().map(|&(purchase, hourly)| {
        (
            purchase.as_str().to_string(),
            crate::pricing::Rate {
                hourly,
                source: format!(
                    "AWS Price List API AmazonEC2 {} SKU {} ({}) terms.Reserved: Standard, \
                         No Upfront, {} (published {})",
                    region,
                    found.sku,
                    found.usagetype,
                    match purchase {
                        crate::profile::Purchase::Reserved3y => "3yr",
                        _ => "1yr",
                    },
                    found.published.as_deref().unwrap_or("unknown")
                ),
            },
        )
    }));
    Some(Instance {
        arch,
        vcpu,
        memory_gib,
        on_demand_hourly: found.hourly,
        source,
        baseline_cpu_share,
        rates,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::profile::Purchase;

    /// The Reserved Instance rates read from the real t2.micro item (`map.rs`'s test) enter
    /// the book's instance with their SKU and date; rates refresh cannot fetch (Savings Plans)
    /// stay as the previous book had them.
    #[test]
    fn reserved_rates_enter_the_book_and_other_rates_are_kept() {
        let found = FoundInstance {
            sku: "STTHYT3WDDQU8UBR".into(),
            usagetype: "EU-BoxUsage:t2.micro".into(),
            published: Some("2021-01-15".into()),
            hourly: 0.0126,
            vcpu: Some(1),
            memory_gib: Some(1.0),
            arch: Some("x86_64"),
            reserved: vec![
                (Purchase::Reserved1y, 0.0089),
                (Purchase::Reserved3y, 0.0063),
            ],
        };
        let mut before = instance("eu-west-1", &found, None, "").unwrap();
        before.rates.insert(
            "savings_plan_1y".into(),
            crate::pricing::Rate {
                hourly: 0.0099,
                source: "entered by hand".into(),
            },
        );
        before.rates.get_mut("reserved_1y").unwrap().hourly = 0.5;
        let inst = instance("eu-west-1", &found, Some(&before), "the old book").unwrap();
        assert_eq!(inst.rate(Purchase::Reserved1y).unwrap().0, 0.0089);
        assert_eq!(inst.rate(Purchase::Reserved3y).unwrap().0, 0.0063);
        let (_, source) = inst.rate(Purchase::Reserved3y).unwrap();
        assert!(
            source.contains("SKU STTHYT3WDDQU8UBR")
                && source.contains("Standard, No Upfront, 3yr")
                && source.contains("published 2021-01-15"),
            "{source}"
        );
        assert_eq!(inst.rate(Purchase::SavingsPlan1y).unwrap().0, 0.0099);
        assert!(inst.rate(Purchase::Spot).is_none());
    }
}
