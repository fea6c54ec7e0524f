//! AWS's Savings Plans bulk offer, read for `planner pricing refresh --savings-plans-offer
//! FILE` (#12). The Savings Plans rates are not in the Price List `GetProducts`: AWS publishes
//! them as their own bulk file per Region, listed by
//! `https://pricing.us-east-1.amazonaws.com/savingsPlan/v1.0/aws/AWSComputeSavingsPlan/current/region_index.json`
//! (each entry's `versionUrl`). The user downloads the Region's file; this reads it.
//!
//! The file's shape: `products[]` (`sku`, `productFamily` `ComputeSavingsPlans` or
//! `EC2InstanceSavingsPlans`, `attributes.purchaseOption`, `attributes.purchaseTerm`) and
//! `terms.savingsPlan[]` (`sku` of a product, `description`, `leaseContractLength.duration`
//! in years, `rates[]` of `discountedServiceCode`, `discountedUsageType`,
//! `discountedOperation`, `discountedRate.price`). Only no-upfront plans are read (the
//! purchase options planner models), and only the rates planner prices: Fargate Linux
//! vCPU and GB (`AmazonECS`), Lambda duration and provisioned concurrency (`AWSLambda`),
//! and EC2 Linux shared-tenancy instance-hours (`AmazonEC2` `BoxUsage:<type>` with operation
//! `RunInstances`). A Region's file runs to hundreds of MB: the rates are filtered while the
//! file streams, so only those kept are held.

use crate::pricing::{self, PriceBook, keys};
use crate::profile::{Architecture, Purchase};
use serde::Deserialize;
use serde::de::{Deserializer, SeqAccess, Visitor};
use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;

use super::strip_region_prefix;

/// What an offer gives the book: a price key's rate or an instance type's rate.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    /// A Fargate or Lambda Savings Plans key (`ecs.fargate_savings_plan_1y.vcpu.arm64`).
    Price(String),
    /// An EC2 instance type's rate under a purchase option, as a profile spells it
    /// (`savings_plan_1y`, `instance_savings_plan_3y`, ...).
    Instance {
        instance_type: String,
        purchase: &'static str,
    },
}

/// The book's name of the figure: the price key, or `instances.m7g.large.rates.savings_plan_1y`.
impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Target::Price(key) => f.write_str(key),
            Target::Instance {
                instance_type,
                purchase,
            } => write!(f, "instances.{instance_type}.rates.{purchase}"),
        }
    }
}

/// One rate read from the offer, with the words its `source` gets.
#[derive(Debug, Clone, PartialEq)]
pub struct OfferRate {
    pub usd: f64,
    pub source: String,
}

/// The rates an offer file gives for one Region.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OfferRates {
    pub rates: BTreeMap<Target, OfferRate>,
    /// Targets the offer gives two different rates for: left out, never guessed.
    pub conflicts: Vec<Target>,
    /// Rates whose price is not a positive number: left out.
    pub refused: usize,
}

impl OfferRates {
    /// Enter the rates in `book`: Fargate and Lambda keys as flat prices in the catalogue's
    /// unit, EC2 rates under the instance types the book lists (others are not priced by the
    /// book, so their rates are not needed). Returns how many figures were entered.
    pub fn apply(&self, book: &mut PriceBook) -> usize {
        let units = keys::savings_plan_prices();
        let mut entered = 0;
        for (target, rate) in &self.rates {
            match target {
                Target::Price(key) => {
                    let Some((_, unit)) = units.iter().find(|(k, _)| k == key) else {
                        continue;
                    };
                    book.prices.insert(
                        key.clone(),
                        pricing::Price {
                            unit: (*unit).to_string(),
                            tiers: vec![pricing::Tier {
                                upto: None,
                                usd: rate.usd,
                            }],
                            source: rate.source.clone(),
                        },
                    );
                    entered += 1;
                }
                Target::Instance {
                    instance_type,
                    purchase,
                } => {
                    if let Some(inst) = book.instances.get_mut(instance_type) {
                        inst.rates.insert(
                            (*purchase).to_string(),
                            pricing::Rate {
                                hourly: rate.usd,
                                source: rate.source.clone(),
                            },
                        );
                        entered += 1;
                    }
                }
            }
        }
        entered
    }
}

#[derive(Deserialize)]
struct Offer {
    #[serde(default)]
    version: Option<String>,
    #[serde(default, rename = "publicationDate")]
    publication_date: Option<String>,
    #[serde(default, rename = "regionCode")]
    region_code: Option<String>,
    #[serde(default)]
    products: Vec<Product>,
    terms: Terms,
}

#[derive(Deserialize)]
struct Product {
    sku: String,
    #[serde(default, rename = "productFamily")]
    family: String,
    #[serde(default)]
    attributes: ProductAttributes,
}

#[derive(Deserialize, Default)]
struct ProductAttributes {
    #[serde(default, rename = "purchaseOption")]
    purchase_option: String,
    #[serde(default, rename = "purchaseTerm")]
    purchase_term: String,
}

#[derive(Deserialize)]
struct Terms {
    #[serde(default, rename = "savingsPlan")]
    savings_plan: Vec<Term>,
}

#[derive(Deserialize)]
struct Term {
    sku: String,
    #[serde(default)]
    description: String,
    #[serde(default, rename = "leaseContractLength")]
    lease: Option<Lease>,
    #[serde(default, deserialize_with = "wanted_rows")]
    rates: Vec<Row>,
}

#[derive(Deserialize)]
struct Lease {
    duration: u32,
}

#[derive(Deserialize)]
struct Row {
    #[serde(default, rename = "discountedServiceCode")]
    service: String,
    #[serde(rename = "discountedUsageType")]
    usage: String,
    #[serde(default, rename = "discountedOperation")]
    operation: String,
    #[serde(default, rename = "discountedRegionCode")]
    region: Option<String>,
    #[serde(rename = "discountedRate")]
    rate: DiscountedRate,
}

#[derive(Deserialize)]
struct DiscountedRate {
    price: String,
}

/// `rates[]`, keeping only the rows planner prices while the array streams.
fn wanted_rows<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Row>, D::Error> {
    struct Rows;
    impl<'de> Visitor<'de> for Rows {
        type Value = Vec<Row>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an array of Savings Plans rates")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Row>, A::Error> {
            let mut kept = Vec::new();
            while let Some(row) = seq.next_element::<Row>()? {
                if kind(&row).is_some() {
                    kept.push(row);
                }
            }
            Ok(kept)
        }
    }
    d.deserialize_seq(Rows)
}

/// What a row rates, by its service and usage type (region prefix stripped), before the
/// plan's term: a Fargate or Lambda line, or an EC2 Linux instance type.
enum Kind {
    Fargate {
        vcpu: bool,
        arch: Architecture,
    },
    Lambda {
        what: &'static str,
        arch: Architecture,
    },
    Instance(String),
}

fn kind(row: &Row) -> Option<Kind> {
    use Architecture::{Arm64, X86_64};
    let usage = strip_region_prefix(&row.usage);
    match row.service.as_str() {
        "AmazonECS" => {
            let (vcpu, arch) = match usage {
                "Fargate-vCPU-Hours:perCPU" => (true, X86_64),
                "Fargate-ARM-vCPU-Hours:perCPU" => (true, Arm64),
                "Fargate-GB-Hours" => (false, X86_64),
                "Fargate-ARM-GB-Hours" => (false, Arm64),
                _ => return None,
            };
            Some(Kind::Fargate { vcpu, arch })
        }
        "AWSLambda" => {
            let (what, arch) = match usage {
                "Lambda-GB-Second" => ("duration", X86_64),
                "Lambda-GB-Second-ARM" => ("duration", Arm64),
                "Lambda-Provisioned-Concurrency" => ("provisioned_concurrency", X86_64),
                "Lambda-Provisioned-Concurrency-ARM" => ("provisioned_concurrency", Arm64),
                "Lambda-Provisioned-GB-Second" => ("provisioned_duration", X86_64),
                "Lambda-Provisioned-GB-Second-ARM" => ("provisioned_duration", Arm64),
                _ => return None,
            };
            Some(Kind::Lambda { what, arch })
        }
        // Linux (`RunInstances` with no suffix), shared tenancy (`BoxUsage`).
        "AmazonEC2" if row.operation == "RunInstances" => usage
            .strip_prefix("BoxUsage:")
            .map(|t| Kind::Instance(t.to_string())),
        _ => None,
    }
}

/// The purchase option a no-upfront plan of `family` and `years` is, if planner models it.
fn purchase(family: &str, years: u32) -> Option<Purchase> {
    match (family, years) {
        ("ComputeSavingsPlans", 1) => Some(Purchase::SavingsPlan1y),
        ("ComputeSavingsPlans", 3) => Some(Purchase::SavingsPlan3y),
        ("EC2InstanceSavingsPlans", 1) => Some(Purchase::InstanceSavingsPlan1y),
        ("EC2InstanceSavingsPlans", 3) => Some(Purchase::InstanceSavingsPlan3y),
        _ => None,
    }
}

/// The rate's target under `purchase`: EC2 Instance Savings Plans cover EC2 only.
fn target(kind: Kind, purchase: Purchase) -> Option<Target> {
    let compute = matches!(purchase, Purchase::SavingsPlan1y | Purchase::SavingsPlan3y);
    match kind {
        Kind::Fargate { vcpu: true, arch } if compute => {
            Some(Target::Price(keys::fargate_vcpu(arch, purchase)))
        }
        Kind::Fargate { vcpu: false, arch } if compute => {
            Some(Target::Price(keys::fargate_memory(arch, purchase)))
        }
        Kind::Lambda { what, arch } if compute => Some(Target::Price(keys::lambda_savings_plan(
            what, arch, purchase,
        ))),
        Kind::Instance(instance_type) => Some(Target::Instance {
            instance_type,
            purchase: purchase.as_str(),
        }),
        Kind::Fargate { .. } | Kind::Lambda { .. } => None,
    }
}

/// Read `region`'s rates from an offer file (`reader`; `file` names it in each source). An
/// offer for another Region, or text that is not an offer, is an error.
pub fn read_offer<R: Read>(reader: R, region: &str, file: &str) -> Result<OfferRates, String> {
    let offer: Offer = serde_json::from_reader(std::io::BufReader::new(reader))
        .map_err(|e| format!("{file} is not a Savings Plans offer file: {e}"))?;
    if let Some(r) = offer.region_code.as_deref()
        && r != region
    {
        return Err(format!(
            "{file} is the Savings Plans offer for {r}, not {region}: download {region}'s file"
        ));
    }
    let plans: BTreeMap<&str, &Product> = offer
        .products
        .iter()
        .filter(|p| p.attributes.purchase_option == "No Upfront")
        .map(|p| (p.sku.as_str(), p))
        .collect();
    let version = offer.version.as_deref().unwrap_or("?");
    let published = offer
        .publication_date
        .as_deref()
        .map_or("?", |d| d.get(..10).unwrap_or(d));
    let mut found: BTreeMap<Target, Vec<OfferRate>> = BTreeMap::new();
    let mut refused = 0;
    for term in &offer.terms.savings_plan {
        let Some(plan) = plans.get(term.sku.as_str()) else {
            continue;
        };
        let years = term.lease.as_ref().map(|l| l.duration).or_else(|| {
            plan.attributes
                .purchase_term
                .strip_suffix("yr")
                .and_then(|y| y.parse().ok())
        });
        let Some(purchase) = years.and_then(|y| purchase(&plan.family, y)) else {
            continue;
        };
        for row in &term.rates {
            if row.region.as_deref().is_some_and(|r| r != region) {
                continue;
            }
            let Some(target) = kind(row).and_then(|k| target(k, purchase)) else {
                continue;
            };
            let usd = match row.rate.price.trim().parse::<f64>() {
                Ok(usd) if usd.is_finite() && usd > 0.0 => usd,
                _ => {
                    refused += 1;
                    continue;
                }
            };
            let source = format!(
                "AWS Savings Plans offer (AWSComputeSavingsPlan {region}, version {version}, \
                 published {published}; file {file}): {} (SKU {}), discountedUsageType {}{}",
                term.description,
                term.sku,
                row.usage,
                if row.operation.is_empty() {
                    String::new()
                } else {
                    format!(", discountedOperation {}", row.operation)
                }
            );
            found
                .entry(target)
                .or_default()
                .push(OfferRate { usd, source });
        }
    }
    let mut out = OfferRates {
        refused,
        ..OfferRates::default()
    };
    for (target, rates) in found {
        let first = rates[0].usd;
        if rates.iter().all(|r| r.usd == first) {
            out.rates.insert(target, rates[0].clone());
        } else {
            out.conflicts.push(target);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A us-east-1 offer in the bulk file's shape (field names and nesting as AWS publishes
    /// them; the rates are test figures): a 1-year and a 3-year no-upfront Compute plan, a
    /// 1-year no-upfront EC2 Instance plan, and an all-upfront plan that is not read. Rows
    /// planner does not price (Windows, EKS Fargate, another service) are skipped.
    const OFFER: &str = r#"{
      "formatVersion": "v1.0", "disclaimer": "test", "offerCode": "AWSComputeSavingsPlan",
      "version": "20261001000000", "publicationDate": "2026-10-01T00:00:00Z",
      "regionCode": "us-east-1",
      "products": [
        {"sku": "CSP1NU", "productFamily": "ComputeSavingsPlans", "serviceCode": "ComputeSavingsPlans",
         "usageType": "ComputeSP:1yrNoUpfront", "operation": "",
         "attributes": {"purchaseOption": "No Upfront", "purchaseTerm": "1yr", "granularity": "hourly",
                        "instanceType": "", "locationType": "AWS Region", "location": "Any"}},
        {"sku": "CSP3NU", "productFamily": "ComputeSavingsPlans",
         "attributes": {"purchaseOption": "No Upfront", "purchaseTerm": "3yr"}},
        {"sku": "CSP1AU", "productFamily": "ComputeSavingsPlans",
         "attributes": {"purchaseOption": "All Upfront", "purchaseTerm": "1yr"}},
        {"sku": "ISP1NU", "productFamily": "EC2InstanceSavingsPlans",
         "attributes": {"purchaseOption": "No Upfront", "purchaseTerm": "1yr", "instanceType": "m7g"}}
      ],
      "terms": {"savingsPlan": [
        {"sku": "CSP1NU", "description": "1 year No Upfront Compute Savings Plan",
         "effectiveDate": "2026-10-01T00:00:00Z",
         "leaseContractLength": {"duration": 1, "unit": "year"},
         "rates": [
           {"discountedSku": "A1", "discountedUsageType": "USE1-Fargate-vCPU-Hours:perCPU",
            "discountedOperation": "", "discountedServiceCode": "AmazonECS", "rateCode": "CSP1NU.A1",
            "unit": "Hrs", "discountedRate": {"price": "0.0300", "currency": "USD"}},
           {"discountedUsageType": "USE1-Fargate-ARM-GB-Hours", "discountedOperation": "",
            "discountedServiceCode": "AmazonECS", "discountedRate": {"price": "0.0025", "currency": "USD"}},
           {"discountedUsageType": "USE1-Fargate-vCPU-Hours:perCPU", "discountedOperation": "",
            "discountedServiceCode": "AmazonEKS", "discountedRate": {"price": "0.0299", "currency": "USD"}},
           {"discountedUsageType": "Lambda-GB-Second-ARM", "discountedOperation": "Invoke",
            "discountedServiceCode": "AWSLambda", "unit": "Lambda-GB-Second",
            "discountedRate": {"price": "0.0000110000", "currency": "USD"}},
           {"discountedUsageType": "Lambda-Provisioned-Concurrency", "discountedOperation": "Invoke",
            "discountedServiceCode": "AWSLambda", "discountedRate": {"price": "0.0000035000", "currency": "USD"}},
           {"discountedUsageType": "BoxUsage:m7g.large", "discountedOperation": "RunInstances",
            "discountedServiceCode": "AmazonEC2", "discountedInstanceType": "m7g.large",
            "discountedRegionCode": "us-east-1", "discountedRate": {"price": "0.06", "currency": "USD"}},
           {"discountedUsageType": "BoxUsage:m7g.large", "discountedOperation": "RunInstances:0002",
            "discountedServiceCode": "AmazonEC2", "discountedRate": {"price": "0.15", "currency": "USD"}},
           {"discountedUsageType": "DedicatedUsage:m7g.large", "discountedOperation": "RunInstances",
            "discountedServiceCode": "AmazonEC2", "discountedRate": {"price": "0.07", "currency": "USD"}},
           {"discountedUsageType": "BoxUsage:t4g.small", "discountedOperation": "RunInstances",
            "discountedServiceCode": "AmazonEC2", "discountedRate": {"price": "0", "currency": "USD"}},
           {"discountedUsageType": "BoxUsage:z9.huge", "discountedOperation": "RunInstances",
            "discountedServiceCode": "AmazonEC2", "discountedRate": {"price": "9.0", "currency": "USD"}}
         ]},
        {"sku": "CSP3NU", "description": "3 year No Upfront Compute Savings Plan",
         "leaseContractLength": {"duration": 3, "unit": "year"},
         "rates": [
           {"discountedUsageType": "USE1-Fargate-vCPU-Hours:perCPU", "discountedOperation": "",
            "discountedServiceCode": "AmazonECS", "discountedRate": {"price": "0.0200", "currency": "USD"}}
         ]},
        {"sku": "CSP1AU", "description": "1 year All Upfront Compute Savings Plan",
         "leaseContractLength": {"duration": 1, "unit": "year"},
         "rates": [
           {"discountedUsageType": "USE1-Fargate-vCPU-Hours:perCPU", "discountedOperation": "",
            "discountedServiceCode": "AmazonECS", "discountedRate": {"price": "0.0100", "currency": "USD"}}
         ]},
        {"sku": "ISP1NU", "description": "1 year No Upfront m7g EC2 Instance Savings Plan in us-east-1",
         "leaseContractLength": {"duration": 1, "unit": "year"},
         "rates": [
           {"discountedUsageType": "BoxUsage:m7g.large", "discountedOperation": "RunInstances",
            "discountedServiceCode": "AmazonEC2", "discountedRate": {"price": "0.05", "currency": "USD"}},
           {"discountedUsageType": "USE1-Fargate-vCPU-Hours:perCPU", "discountedOperation": "",
            "discountedServiceCode": "AmazonECS", "discountedRate": {"price": "0.0010", "currency": "USD"}}
         ]}
      ]}
    }"#;

    fn read(region: &str) -> Result<OfferRates, String> {
        read_offer(OFFER.as_bytes(), region, "offer.json")
    }

    #[test]
    fn no_upfront_rates_of_the_lines_planner_prices_are_read() {
        use Architecture::{Arm64, X86_64};
        use Purchase::{InstanceSavingsPlan1y, SavingsPlan1y, SavingsPlan3y};
        let r = read("us-east-1").unwrap();
        let usd = |t: Target| r.rates.get(&t).map(|x| x.usd);
        let price = |k: String| usd(Target::Price(k));
        let inst = |t: &str, purchase: Purchase| {
            usd(Target::Instance {
                instance_type: t.into(),
                purchase: purchase.as_str(),
            })
        };
        assert_eq!(price(keys::fargate_vcpu(X86_64, SavingsPlan1y)), Some(0.03));
        assert_eq!(price(keys::fargate_vcpu(X86_64, SavingsPlan3y)), Some(0.02));
        assert_eq!(
            price(keys::fargate_memory(Arm64, SavingsPlan1y)),
            Some(0.0025)
        );
        assert_eq!(
            price(keys::lambda_savings_plan("duration", Arm64, SavingsPlan1y)),
            Some(0.000011)
        );
        assert_eq!(
            price(keys::lambda_savings_plan(
                "provisioned_concurrency",
                X86_64,
                SavingsPlan1y
            )),
            Some(0.0000035)
        );
        // Linux shared tenancy only (not Windows `RunInstances:0002`, not `DedicatedUsage`).
        assert_eq!(inst("m7g.large", SavingsPlan1y), Some(0.06));
        assert_eq!(inst("m7g.large", InstanceSavingsPlan1y), Some(0.05));
        // A zero price is refused, not entered.
        assert_eq!(inst("t4g.small", SavingsPlan1y), None);
        assert_eq!(r.refused, 1);
        // The all-upfront plan and the EC2 Instance plan's Fargate row are not read; nor is
        // EKS Fargate: 8 rates in all (z9.huge is read, the book decides if it is needed).
        assert_eq!(r.rates.len(), 8, "{:?}", r.rates.keys().collect::<Vec<_>>());
        assert!(r.conflicts.is_empty());
        let source = &r.rates[&Target::Price(keys::fargate_vcpu(X86_64, SavingsPlan1y))].source;
        assert_eq!(
            source,
            "AWS Savings Plans offer (AWSComputeSavingsPlan us-east-1, version 20261001000000, \
             published 2026-10-01; file offer.json): 1 year No Upfront Compute Savings Plan \
             (SKU CSP1NU), discountedUsageType USE1-Fargate-vCPU-Hours:perCPU"
        );
    }

    #[test]
    fn rates_enter_the_book_in_its_units_and_only_for_its_instance_types() {
        let mut book = crate::pricing::built_in("us-east-1").unwrap().book;
        let before = book.clone();
        let r = read("us-east-1").unwrap();
        // 5 Fargate/Lambda keys and 2 m7g.large rates; z9.huge is no type of the book.
        assert_eq!(r.apply(&mut book), 7);
        let key = keys::fargate_memory(Architecture::Arm64, Purchase::SavingsPlan1y);
        assert_eq!(book.prices[&key].unit, "GB-hour");
        assert_eq!(book.prices[&key].unit_usd(), 0.0025);
        let key =
            keys::lambda_savings_plan("duration", Architecture::Arm64, Purchase::SavingsPlan1y);
        assert_eq!(book.prices[&key].unit, "GB-second");
        let m7g = &book.instances["m7g.large"];
        assert_eq!(m7g.rate(Purchase::SavingsPlan1y).unwrap().0, 0.06);
        assert_eq!(m7g.rate(Purchase::InstanceSavingsPlan1y).unwrap().0, 0.05);
        assert!(!book.instances.contains_key("z9.huge"));
        assert_eq!(book.instances["t4g.small"], before.instances["t4g.small"]);
        book.validate("test").unwrap();
    }

    #[test]
    fn another_regions_file_or_not_an_offer_is_an_error_and_conflicts_are_left_out() {
        let e = read("eu-west-1").unwrap_err();
        assert_eq!(
            e,
            "offer.json is the Savings Plans offer for us-east-1, not eu-west-1: download \
             eu-west-1's file"
        );
        let e = read_offer("{\"products\": 3}".as_bytes(), "us-east-1", "x.json").unwrap_err();
        assert!(
            e.starts_with("x.json is not a Savings Plans offer file: "),
            "{e}"
        );
        // The same target at two prices (a second 1-year plan disagreeing): not guessed.
        let twice = OFFER.replace(
            r#""sku": "CSP3NU", "description": "3 year No Upfront Compute Savings Plan",
         "leaseContractLength": {"duration": 3, "unit": "year"},"#,
            r#""sku": "CSP3NU", "description": "3 year No Upfront Compute Savings Plan",
         "leaseContractLength": {"duration": 1, "unit": "year"},"#,
        );
        let r = read_offer(twice.as_bytes(), "us-east-1", "offer.json").unwrap();
        let key = Target::Price(keys::fargate_vcpu(
            Architecture::X86_64,
            Purchase::SavingsPlan1y,
        ));
        assert!(!r.rates.contains_key(&key));
        assert_eq!(r.conflicts, vec![key]);
    }
}
