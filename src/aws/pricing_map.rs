//! Pure part of `planner pricing refresh`: which Price List products to ask for, how to read
//! one `GetProducts` item (a JSON string), and how items become the price book's keys.
//!
//! Items are selected by their attributes (`regionCode`, the `usagetype` without its region
//! prefix, `productFamily`), never by the prefix itself, and only `terms.OnDemand` is read.
//! An item that a rule wants but whose shape is not understood is named and skipped, never
//! priced as zero; a price the book needs that no item gave is an error (see `assemble`).

use crate::pricing::{Instance, LoadedBook, Price, PriceBook, Tier, keys};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

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
pub const SERVICES: [&str; 6] = [
    "AWSLambda",
    "AmazonStates",
    "AmazonECS",
    "AmazonEC2",
    "AWSELB",
    "AmazonApiGateway",
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

/// The time base of a unit: prices per second and per hour convert into each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    Count,
    Second,
    Hour,
}

fn base_of(unit: &str) -> Base {
    let u = unit.to_ascii_lowercase();
    if u.contains("second") {
        Base::Second
    } else if u.contains("hour") || u.contains("hrs") {
        Base::Hour
    } else {
        Base::Count
    }
}

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
            keys::Origin::Modelled { .. } => None,
        })
        .collect()
}

/// Fargate Spot has no fixed published rate ("up to a 70% discount off the regular Fargate
/// price", https://aws.amazon.com/fargate/pricing/): the book models it as this share of the
/// on-demand price, recomputed from each refreshed on-demand figure.
pub const FARGATE_SPOT_SHARE: f64 = 0.3;

/// `(on-demand key, Spot key)` pairs: the catalogue's modelled keys.
fn spot_keys() -> Vec<(String, String)> {
    keys::prices()
        .into_iter()
        .filter_map(|p| match p.origin {
            keys::Origin::Modelled { from } => Some((from, p.key)),
            keys::Origin::PriceList { .. } => None,
        })
        .collect()
}

// ------------------------------------------------------------------ items

/// One price dimension of an on-demand term.
#[derive(Debug, Clone, PartialEq)]
struct Dimension {
    unit: String,
    begin: f64,
    end: Option<f64>,
    usd: f64,
}

/// The product part of an item, read before deciding whether it is wanted.
#[derive(Debug, Clone)]
struct Product {
    sku: String,
    family: String,
    attributes: BTreeMap<String, String>,
    /// `publicationDate` as YYYY-MM-DD.
    published: Option<String>,
    raw: Value,
}

impl Product {
    fn attr(&self, name: &str) -> &str {
        self.attributes.get(name).map_or("", String::as_str)
    }

    /// `usagetype` without a region prefix: `USE1-Fargate-GB-Hours` -> `Fargate-GB-Hours`,
    /// `EU-Request` -> `Request`; `Lambda-GB-Second` (us-east-1) stays as it is.
    fn usage(&self) -> &str {
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

fn parse_product(text: &str) -> Result<Product, String> {
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

/// The price dimensions of the item's only on-demand term, sorted by `beginRange`.
fn on_demand_dimensions(p: &Product) -> Result<Vec<Dimension>, String> {
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
        let usd = parse_number(usd_text)
            .filter(|u| *u >= 0.0)
            .ok_or_else(|| format!("price dimension {code}: USD `{usd_text}` is not a price"))?;
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

fn parse_number(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Round to 12 significant digits: undoes the noise of a unit conversion so that a
/// Price List decimal comes back as the same decimal.
fn tidy(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    format!("{x:.11e}").parse().unwrap_or(x)
}

/// Dimensions -> book tiers in the book's unit. Tiers must start at 0, be contiguous and end
/// open.
fn tiers(dims: &[Dimension], book_unit: &str) -> Result<Vec<Tier>, String> {
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

// ------------------------------------------------------------------ mapping

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
}

/// An item that was not understood: named, counted and skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub service: String,
    /// `SKU X (usagetype)` or `item #N` when even the SKU is unreadable.
    pub item: String,
    pub reason: String,
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
            }),
        }
    }
}

/// `"8 GiB"` -> 8.0.
fn parse_memory_gib(s: &str) -> Option<f64> {
    let n = s.trim().strip_suffix("GiB")?.trim().replace(',', "");
    n.parse().ok().filter(|v: &f64| v.is_finite() && *v > 0.0)
}

/// Graviton types are arm64; other 64-bit processors x86_64; unknown otherwise.
fn arch_of(p: &Product) -> Option<&'static str> {
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

// ------------------------------------------------------------------ the new book

/// Why the API's answer cannot become a book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssembleError {
    /// The API returned no product at all for the region.
    NoProducts,
    /// Prices the book needs that no item gave: `(key, what was looked for)`.
    Missing(Vec<(String, String)>),
    /// Several items for one key with different prices.
    Conflicts(Vec<Conflict>),
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
            None => missing.push((
                rule.key.clone(),
                format!("{} usagetype {} in {region}", rule.service, rule.usagetype),
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
                        "MODELLED, not a published rate: {:.0}% of the on-demand ${} (AWS Price List \
                         SKU {}, published {}), i.e. AWS's stated \"up to a 70% discount off the \
                         regular Fargate price\" (https://aws.amazon.com/fargate/pricing/). An \
                         upper-bound discount: real Spot prices vary and are usually higher",
                        FARGATE_SPOT_SHARE * 100.0,
                        found.price.unit_usd(),
                        found.sku,
                        found.published.as_deref().unwrap_or("unknown"),
                    ),
                },
            );
        }
    }
    if !missing.is_empty() {
        return Err(AssembleError::Missing(missing));
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
            (None, _) if prev.is_some_and(|b| b.instances.contains_key(&name)) => missing.push((
                format!("instances.{name}"),
                format!("AmazonEC2 BoxUsage:{name}, Linux, shared tenancy, in {region}"),
            )),
            (None, _) => absent.push(name),
        }
    }
    if !missing.is_empty() {
        return Err(AssembleError::Missing(missing));
    }
    if instances.is_empty() {
        return Err(AssembleError::Missing(vec![(
            "instances".into(),
            format!("any AmazonEC2 Linux instance type of the curated list in {region}"),
        )]));
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
    Some(Instance {
        arch,
        vcpu,
        memory_gib,
        on_demand_hourly: found.hourly,
        source,
        baseline_cpu_share,
    })
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
    fn memory_and_arch() {
        assert_eq!(parse_memory_gib("8 GiB"), Some(8.0));
        assert_eq!(parse_memory_gib("0.5 GiB"), Some(0.5));
        assert_eq!(parse_memory_gib("1,024 GiB"), Some(1024.0));
        assert_eq!(parse_memory_gib("NA"), None);
    }

    /// The real eu-west-1 t2.micro item: OnDemand $0.0126/h next to 12 Reserved terms, no
    /// `regionCode` (a 2021 item; current ones have it).
    #[test]
    fn real_ec2_item_reads_only_the_on_demand_term() {
        let page: Value = serde_json::from_str(include_str!(
            "../../tests/fixtures/pricing-api/ec2-getproducts-t2micro-eu-west-1-linux-shared.json"
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

    #[test]
    fn ec2_query_restricts_instance_types() {
        let types: BTreeSet<String> = ["m7g.large", "t3.small"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let q = queries("eu-west-1", &types);
        assert_eq!(q.len(), 6);
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
