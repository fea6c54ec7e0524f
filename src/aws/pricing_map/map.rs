//! The items of a download mapped to the book's keys: what was found, skipped or in conflict.

use super::item::{
    Base, Product, arch_of, base_of, on_demand_dimensions, parse_memory_gib, parse_product,
    reserved_no_upfront, tiers,
};
use super::{Rule, rules};
use crate::pricing::Price;
use std::collections::{BTreeMap, BTreeSet};

/// A figure read from one item.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub sku: String,
    pub usagetype: String,
    pub published: Option<String>,
    pub price: Price,
}

/// An EC2 instance type read from one item.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundInstance {
    pub sku: String,
    pub usagetype: String,
    pub published: Option<String>,
    pub hourly: f64,
    pub vcpu: Option<u32>,
    pub memory_gib: Option<f64>,
    pub arch: Option<&'static str>,
    /// Standard Reserved Instance rates with no upfront payment (`terms.Reserved`), per
    /// instance-hour, by purchase option.
    pub reserved: Vec<(crate::profile::Purchase, f64)>,
}

/// An item that was not understood: named, counted and skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub service: String,
    /// `SKU X (usagetype)` or `item #N` when even the SKU is unreadable.
    pub item: String,
    pub reason: String,
    /// The book key the item would have filled (`prices.<key>`-less key, or
    /// `instances.<type>`), when a rule wanted it: a refusal then names it.
    pub key: Option<String>,
}

/// Two items claim one key with different prices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub key: String,
    pub skus: Vec<String>,
}

/// Everything read from the downloaded items.
#[derive(Debug, Clone, Default)]
pub struct Mapped {
    pub prices: BTreeMap<String, Found>,
    pub instances: BTreeMap<String, FoundInstance>,
    pub skipped: Vec<Skipped>,
    pub conflicts: Vec<Conflict>,
    /// Items read per service (in download order).
    pub read: Vec<(String, usize)>,
    /// Items read that no rule wants (other products of the same service).
    pub ignored: usize,
}

impl Mapped {
    /// All products read.
    pub fn total_read(&self) -> usize {
        self.read.iter().map(|(_, n)| n).sum()
    }

    /// Read one service's items (each a JSON string as `GetProducts` returns them).
    pub fn add_service(
        &mut self,
        service: &str,
        region: &str,
        instance_types: &BTreeSet<String>,
        items: &[String],
    ) {
        let rules: Vec<Rule> = rules()
            .into_iter()
            .filter(|r| r.service == service)
            .collect();
        self.read.push((service.to_string(), items.len()));
        for (i, text) in items.iter().enumerate() {
            let product = match parse_product(text) {
                Ok(p) => p,
                Err(reason) => {
                    self.skipped.push(Skipped {
                        service: service.into(),
                        item: format!("item #{}", i + 1),
                        reason,
                        key: None,
                    });
                    continue;
                }
            };
            let name = format!("SKU {} ({})", product.sku, product.attr("usagetype"));
            // Free-tier rows carry `location` "Any"; other Regions' rows are not ours.
            if product.attr("location") == "Any" || product.attr("regionCode") != region {
                self.ignored += 1;
                continue;
            }
            if service == "AmazonEC2" {
                self.add_instance(&product, instance_types, name);
                continue;
            }
            let Some(rule) = rules.iter().find(|r| {
                r.usagetype == product.usage() && r.family.is_none_or(|f| f == product.family)
            }) else {
                self.ignored += 1;
                continue;
            };
            let price = on_demand_dimensions(&product).and_then(|dims| {
                let tiers = tiers(&dims, rule.unit)?;
                let converted = dims
                    .first()
                    .filter(|d| base_of(&d.unit) != base_of(rule.unit))
                    .map(|d| {
                        format!(
                            " Priced per {} in the Price List, converted to {}.",
                            d.unit, rule.unit
                        )
                    });
                Ok(Price {
                    unit: rule.unit.to_string(),
                    tiers,
                    source: format!(
                        "AWS Price List API {service} {region} SKU {} {} (published {}).{}",
                        product.sku,
                        product.attr("usagetype"),
                        product.published.as_deref().unwrap_or("unknown"),
                        converted.unwrap_or_default()
                    ),
                })
            });
            match price {
                Ok(price) => self.put_price(&rule.key, &product, price),
                Err(reason) => self.skipped.push(Skipped {
                    service: service.into(),
                    item: name,
                    reason,
                    key: Some(rule.key.clone()),
                }),
            }
        }
    }

    fn put_price(&mut self, key: &str, product: &Product, price: Price) {
        let found = Found {
            sku: product.sku.clone(),
            usagetype: product.attr("usagetype").to_string(),
            published: product.published.clone(),
            price,
        };
        match self.prices.get(key) {
            None => {
                self.prices.insert(key.to_string(), found);
            }
            Some(old) if old.price.tiers == found.price.tiers => {}
            Some(old) => {
                let skus = vec![old.sku.clone(), found.sku];
                match self.conflicts.iter_mut().find(|c| c.key == key) {
                    Some(c) => c.skus.extend(skus.into_iter().skip(1)),
                    None => self.conflicts.push(Conflict {
                        key: key.to_string(),
                        skus,
                    }),
                }
            }
        }
    }

    fn add_instance(&mut self, p: &Product, wanted: &BTreeSet<String>, name: String) {
        let itype = p.attr("instanceType");
        let is_box = p.usage() == format!("BoxUsage:{itype}");
        let linux_shared = p.family == "Compute Instance"
            && p.attr("operatingSystem") == "Linux"
            && p.attr("tenancy") == "Shared"
            && p.attr("preInstalledSw") == "NA"
            && p.attr("capacitystatus") == "Used"
            && p.attr("licenseModel") == "No License required";
        if itype.is_empty() || !is_box || !linux_shared || !wanted.contains(itype) {
            self.ignored += 1;
            return;
        }
        let result = on_demand_dimensions(p).and_then(|dims| match dims.as_slice() {
            [d] if base_of(&d.unit) == Base::Hour && d.end.is_none() => Ok(d.usd),
            [d] => Err(format!("unit `{}` is not per hour", d.unit)),
            _ => Err(format!("{} price dimensions, expected one", dims.len())),
        });
        match result {
            Ok(hourly) => {
                let found = FoundInstance {
                    sku: p.sku.clone(),
                    usagetype: p.attr("usagetype").to_string(),
                    published: p.published.clone(),
                    hourly,
                    vcpu: p.attr("vcpu").trim().parse().ok().filter(|v| *v > 0),
                    memory_gib: parse_memory_gib(p.attr("memory")),
                    arch: arch_of(p),
                    reserved: reserved_no_upfront(p),
                };
                match self.instances.get(itype) {
                    Some(old) if old.hourly != hourly => {
                        self.conflicts.push(Conflict {
                            key: format!("instances.{itype}"),
                            skus: vec![old.sku.clone(), p.sku.clone()],
                        });
                    }
                    Some(_) => {}
                    None => {
                        self.instances.insert(itype.to_string(), found);
                    }
                }
            }
            Err(reason) => self.skipped.push(Skipped {
                service: "AmazonEC2".into(),
                item: name,
                reason,
                key: Some(format!("instances.{itype}")),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use serde_json::Value;

    /// The real eu-west-1 t2.micro item: OnDemand $0.0126/h next to 12 Reserved terms, no
    /// `regionCode` (a 2021 item; current ones have it).
    #[test]
    fn real_ec2_item_reads_only_the_on_demand_term() {
        let page: Value = serde_json::from_str(include_str!(
            "../../../tests/fixtures/pricing-api/ec2-getproducts-t2micro-eu-west-1-linux-shared.json"
        ))
        .unwrap();
        let text = page["PriceList"][0].as_str().unwrap();
        let mut item: Value = serde_json::from_str(text).unwrap();
        assert_eq!(item["terms"]["Reserved"].as_object().unwrap().len(), 12);
        let wanted: BTreeSet<String> = ["t2.micro".to_string()].into();
        // Without regionCode the item is not taken: rows are selected by regionCode.
        let mut m = Mapped::default();
        m.add_service("AmazonEC2", "eu-west-1", &wanted, &[text.to_string()]);
        assert!(m.instances.is_empty());
        assert_eq!(m.ignored, 1);

        item["product"]["attributes"]["regionCode"] = "eu-west-1".into();
        let mut m = Mapped::default();
        m.add_service("AmazonEC2", "eu-west-1", &wanted, &[item.to_string()]);
        let t2 = &m.instances["t2.micro"];
        assert_eq!(t2.hourly, 0.0126);
        assert_eq!(
            (t2.vcpu, t2.memory_gib, t2.arch),
            (Some(1), Some(1.0), Some("x86_64"))
        );
        assert_eq!(t2.sku, "STTHYT3WDDQU8UBR");
        assert_eq!(t2.usagetype, "EU-BoxUsage:t2.micro");
        assert_eq!(t2.published.as_deref(), Some("2021-01-15"));
        assert!(m.skipped.is_empty());
        // Of the 12 Reserved terms, the Standard no-upfront ones: 1yr $0.0089, 3yr $0.0063.
        use crate::profile::Purchase;
        assert_eq!(
            t2.reserved,
            vec![
                (Purchase::Reserved1y, 0.0089),
                (Purchase::Reserved3y, 0.0063)
            ]
        );

        // Not in the wanted list: ignored, not skipped.
        let mut m = Mapped::default();
        m.add_service(
            "AmazonEC2",
            "eu-west-1",
            &BTreeSet::new(),
            &[item.to_string()],
        );
        assert_eq!((m.instances.len(), m.ignored), (0, 1));
    }
}
