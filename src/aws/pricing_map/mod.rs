//! Pure part of `planner pricing refresh`: which Price List products to ask for, how to read
//! one `GetProducts` item (a JSON string), and how items become the price book's keys.
//!
//! Items are selected by their attributes (`regionCode`, the `usagetype` without its region
//! prefix, `productFamily`), never by the prefix itself, and only `terms.OnDemand` is read.
//! An item that a rule wants but whose shape is not understood is named and skipped, never
//! priced as zero; a price the book needs that no item gave is an error (see `assemble`).
//!
//! This file holds the queries and the rules derived from `pricing::keys::prices()`;
//! `item` reads one item (product, on-demand term, price dimensions, unit conversion), `map`
//! turns the items of a download into the book's keys, and `assemble` builds the book.

mod assemble;
mod item;
mod map;
mod savings_plans;

pub use assemble::{AssembleError, Assembled, Missing, assemble, wanted_instance_types};
pub use item::strip_region_prefix;
pub use map::{Conflict, Found, FoundInstance, Mapped, Skipped};
pub use savings_plans::{OfferRate, OfferRates, Target as OfferTarget, read_offer};

use crate::pricing::keys;
use std::collections::BTreeSet;

/// A `GetProducts` filter: `(type, field, value)`. Types are the API's names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// `TERM_MATCH` or `ANY_OF`.
    pub kind: &'static str,
    pub field: &'static str,
    pub value: String,
}

/// One service to download, with the filters that keep the download small.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub service: &'static str,
    pub filters: Vec<Filter>,
}

/// The services planner bills, in download order.
pub const SERVICES: [&str; 8] = [
    "AWSLambda",
    "AmazonStates",
    "AmazonECS",
    "AmazonEC2",
    "AWSELB",
    "AmazonApiGateway",
    "AmazonKinesis",
    "AmazonDynamoDB",
];

/// The queries for `region`. EC2 is restricted to Linux, shared tenancy, no pre-installed
/// software, on-demand capacity in use, and to `instance_types` (one `ANY_OF` filter).
pub fn queries(region: &str, instance_types: &BTreeSet<String>) -> Vec<Query> {
    let term = |field: &'static str, value: &str| Filter {
        kind: "TERM_MATCH",
        field,
        value: value.to_string(),
    };
    SERVICES
        .iter()
        .map(|&service| {
            let mut filters = vec![term("regionCode", region)];
            match service {
                "AmazonEC2" => {
                    filters.extend([
                        term("productFamily", "Compute Instance"),
                        term("operatingSystem", "Linux"),
                        term("tenancy", "Shared"),
                        term("preInstalledSw", "NA"),
                        term("capacitystatus", "Used"),
                        term("licenseModel", "No License required"),
                        term("marketoption", "OnDemand"),
                    ]);
                    if !instance_types.is_empty() {
                        filters.push(Filter {
                            kind: "ANY_OF",
                            field: "instanceType",
                            value: instance_types.iter().cloned().collect::<Vec<_>>().join(","),
                        });
                    }
                }
                "AWSELB" => filters.push(term("productFamily", "Load Balancer-Application")),
                _ => {}
            }
            Query { service, filters }
        })
        .collect()
}

// ------------------------------------------------------------------ rules

/// One priced key of the book and the Price List item that carries it.
#[derive(Debug, Clone)]
struct Rule {
    service: &'static str,
    /// The `usagetype` without its region prefix (`USE1-`, `EU-`, ...).
    usagetype: &'static str,
    /// `productFamily` the item must have, when several families share a usagetype.
    family: Option<&'static str>,
    key: String,
    /// The book's unit.
    unit: &'static str,
}

/// The catalogue's Price List keys (`keys::prices`) as rules.
fn rules() -> Vec<Rule> {
    keys::prices()
        .into_iter()
        .filter_map(|p| match p.origin {
            keys::Origin::PriceList {
                service,
                usagetype,
                family,
            } => Some(Rule {
                service,
                usagetype,
                family,
                key: p.key,
                unit: p.unit,
            }),
            keys::Origin::Modelled { .. } | keys::Origin::Published { .. } => None,
        })
        .collect()
}

/// Fargate Spot has no fixed published rate: AWS states only "up to a 70% discount off the
/// regular Fargate price" (https://aws.amazon.com/fargate/pricing/), the best case. The book
/// models it as this share of the on-demand price, recomputed from each refreshed on-demand
/// figure: the one observed Spot rate with a source, $0.01334053 per vCPU-hour against
/// $0.04048 on demand (Linux/x86; $0.00146489 per GB-hour against $0.004445, the same share),
/// i.e. about 67% off (tomgregory.com, "AWS Fargate Spot vs Fargate price comparison",
/// eu-west-1, whose on-demand rates equal us-east-1's; undated). An estimate: the real rate
/// moves with supply and demand.
pub const FARGATE_SPOT_SHARE: f64 = 0.01334053 / 0.04048;

/// `(on-demand key, Spot key)` pairs: the catalogue's modelled keys.
fn spot_keys() -> Vec<(String, String)> {
    keys::prices()
        .into_iter()
        .filter_map(|p| match p.origin {
            keys::Origin::Modelled { from } => Some((from, p.key)),
            keys::Origin::PriceList { .. } | keys::Origin::Published { .. } => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn ec2_query_restricts_instance_types() {
        let types: BTreeSet<String> = ["m7g.large", "t3.small"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let q = queries("eu-west-1", &types);
        assert_eq!(q.len(), SERVICES.len());
        let ec2 = q.iter().find(|q| q.service == "AmazonEC2").unwrap();
        assert!(ec2.filters.contains(&Filter {
            kind: "ANY_OF",
            field: "instanceType",
            value: "m7g.large,t3.small".into()
        }));
        assert!(
            q.iter()
                .all(|q| q.filters[0].field == "regionCode" && q.filters[0].value == "eu-west-1")
        );
    }
}
