//! Price book: built-in books, tier arithmetic, missing prices, loading and writing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use planner::pricing::{
    self, BUILT_IN, LoadedBook, PriceBook, PricingError, keys, load, show, write_atomic,
};
use planner::profile::{Architecture, Purchase};
use std::fs;

const ARCHS: [Architecture; 2] = [Architecture::X86_64, Architecture::Arm64];

fn us() -> PriceBook {
    pricing::built_in("us-east-1").unwrap().book
}

fn eu() -> PriceBook {
    pricing::built_in("eu-west-1").unwrap().book
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn every_built_in_book_parses_and_validates() {
    assert!(BUILT_IN.len() >= 2);
    for (region, yaml) in BUILT_IN {
        let book = PriceBook::parse(yaml, region).unwrap();
        assert_eq!(&book.region, region);
        assert_eq!(book.made, "2026-11-26");
        let loaded = load(region, None).unwrap();
        assert_eq!(loaded.origin, "built-in");
        assert_eq!(loaded.book, book);
    }
}

#[test]
fn us_east_1_has_every_key_the_models_read() {
    let book = us();
    let price_keys: Vec<String> = keys::prices().into_iter().map(|p| p.key).collect();
    for p in keys::prices() {
        let price = book.price(&p.key).unwrap();
        assert!(!price.source.trim().is_empty(), "{}", p.key);
        assert_eq!(price.unit, p.unit, "{}", p.key);
    }
    // Nothing in the book that no model reads (catches typos in keys): the keys every book
    // has, and the optional Savings Plans rates (#12) in their catalogued unit.
    let optional = keys::savings_plan_prices();
    for (key, price) in &book.prices {
        if price_keys.contains(key) {
            continue;
        }
        let unit = optional.iter().find(|(k, _)| k == key).map(|(_, u)| *u);
        assert_eq!(unit, Some(price.unit.as_str()), "{key}");
    }

    for key in keys::QUOTAS {
        book.quota(key).unwrap();
    }
    assert_eq!(book.quota(keys::Q_LAMBDA_SCALING).unwrap().value, 1000.0);
    assert_eq!(
        book.quota(keys::Q_SFN_STANDARD_STARTS).unwrap().value,
        300.0
    );
    assert_eq!(
        book.quota(keys::Q_SFN_STANDARD_TRANSITIONS).unwrap().value,
        1500.0
    );
    assert_eq!(
        book.quota(keys::Q_SFN_EXPRESS_STARTS).unwrap().value,
        6000.0
    );
    assert_eq!(book.quota(keys::Q_FARGATE_LAUNCH).unwrap().value, 20.0);
    assert_eq!(
        book.quota(keys::Q_LAMBDA_CONCURRENCY).unwrap().value,
        1000.0
    );
    assert_eq!(
        book.quota(keys::Q_FARGATE_ON_DEMAND_VCPUS).unwrap().value,
        6.0
    );
    assert!(
        book.quotas.values().all(|q| !q.stated),
        "a book holds defaults, never an account's own quota"
    );

    assert_eq!(book.free(keys::LAMBDA_FREE_REQUESTS), 1_000_000.0);
    assert_eq!(book.free(keys::LAMBDA_FREE_DURATION), 400_000.0);
    assert_eq!(book.free(keys::SFN_STANDARD_TRANSITIONS), 4_000.0);
    assert_eq!(
        book.free(keys::APIGW_HTTP_REQUESTS),
        0.0,
        "12-month offers stay out"
    );
    // The account's free 100 GB of data transfer out (#12) is non-expiring too.
    assert_eq!(book.free(keys::DATA_TRANSFER_OUT), 100.0);
    // SQS's first 1M requests a month (#13), standard and FIFO together.
    assert_eq!(book.free(keys::SQS_FREE_REQUESTS), 1_000_000.0);
    assert_eq!(book.free_tier.len(), 5);
}

#[test]
fn hourly_fargate_units_and_modelled_spot() {
    let book = us();
    for arch in ARCHS {
        // Spot at the share of the observed rate ($0.01334053 against $0.04048), not AWS's
        // best-case 70% off.
        let share = 0.01334053 / 0.04048;
        let od = book
            .price(&keys::fargate_vcpu(arch, Purchase::OnDemand))
            .unwrap();
        let spot = book
            .price(&keys::fargate_vcpu(arch, Purchase::Spot))
            .unwrap();
        assert_eq!(od.unit, "vCPU-hour");
        assert!((spot.unit_usd() - share * od.unit_usd()).abs() < 1e-8);
        assert!(spot.source.contains("ESTIMATE") && spot.source.contains("tomgregory.com"));
        let od = book
            .price(&keys::fargate_memory(arch, Purchase::OnDemand))
            .unwrap();
        let spot = book
            .price(&keys::fargate_memory(arch, Purchase::Spot))
            .unwrap();
        assert_eq!(od.unit, "GB-hour");
        assert!((spot.unit_usd() - share * od.unit_usd()).abs() < 1e-8);
    }
    let x86 = book
        .price(&keys::fargate_vcpu(
            Architecture::X86_64,
            Purchase::OnDemand,
        ))
        .unwrap();
    assert_eq!(x86.unit_usd(), 0.04048);
}

#[test]
fn lambda_duration_walks_the_tiers() {
    let book = us();
    let x86 = book
        .price(&keys::lambda_duration(Architecture::X86_64))
        .unwrap();
    assert!(close(x86.cost(10e9), 6e9 * 0.0000166667 + 4e9 * 0.000015));
    assert!(close(x86.cost(6e9), 6e9 * 0.0000166667));
    assert!(close(
        x86.cost(20e9),
        6e9 * 0.0000166667 + 9e9 * 0.000015 + 5e9 * 0.0000133334
    ));
    assert_eq!(x86.cost(0.0), 0.0);
    assert_eq!(x86.cost(-5.0), 0.0);
    let arm = book
        .price(&keys::lambda_duration(Architecture::Arm64))
        .unwrap();
    assert!(close(
        arm.cost(20e9),
        7.5e9 * 0.0000133334 + 11.25e9 * 0.0000120001 + 1.25e9 * 0.0000106667
    ));
}

#[test]
fn express_and_api_gateway_tiers() {
    let book = us();
    let express = book.price(keys::SFN_EXPRESS_DURATION).unwrap();
    // Priced per GB-hour, as AWS's Express example does: 17,361.11 GB-h = $382.97.
    assert_eq!(express.unit, "GB-hour");
    let gb_h = 100e6 * 10.0 * (64.0 / 1024.0) / 3600.0;
    assert_eq!((express.cost(gb_h) * 100.0).round() / 100.0, 382.97);
    let http = book.price(keys::APIGW_HTTP_REQUESTS).unwrap();
    assert!(close(http.cost(400e6), 300.0 + 90.0));
    let rest = book.price(keys::APIGW_REST_REQUESTS).unwrap();
    assert!(close(
        rest.cost(21e9),
        333.0 * 3.5 + 667.0 * 2.8 + 19_000.0 * 2.38 + 1_000.0 * 1.51
    ));
}

/// #12: the eu-west-1 book holds every figure PRICES.md §9 sources (each saying when the
/// source is a third party's copy), and lacks exactly those with no source: Step Functions
/// Express, Fargate Spot and ephemeral storage, Lambda Provisioned Concurrency on arm64, EC2.
#[test]
fn eu_west_1_has_the_sourced_figures_and_lacks_the_rest() {
    use Architecture::{Arm64, X86_64};
    let book = eu();
    for key in [
        keys::lambda_requests(X86_64),
        keys::lambda_requests(Arm64),
        keys::lambda_duration(X86_64),
        keys::lambda_duration(Arm64),
        keys::lambda_provisioned_concurrency(X86_64),
        keys::lambda_provisioned_duration(X86_64),
        keys::LAMBDA_EPHEMERAL_STORAGE.to_string(),
        keys::SFN_STANDARD_TRANSITIONS.to_string(),
        keys::fargate_vcpu(X86_64, Purchase::OnDemand),
        keys::fargate_memory(X86_64, Purchase::OnDemand),
        keys::fargate_vcpu(Arm64, Purchase::OnDemand),
        keys::fargate_memory(Arm64, Purchase::OnDemand),
        keys::ALB_HOURS.to_string(),
        keys::ALB_LCU.to_string(),
        keys::APIGW_HTTP_REQUESTS.to_string(),
        keys::APIGW_REST_REQUESTS.to_string(),
    ] {
        let price = book.price(&key).unwrap();
        assert!(!price.source.is_empty(), "{key}");
        // A third party's copy says so in words.
        if !price.source.contains("aws.amazon.com") && !price.source.contains("AWS Price List API")
        {
            assert!(
                price.source.contains("THIRD-PARTY"),
                "{key}: {}",
                price.source
            );
        }
    }
    // Lambda's duration tiers 2-3 and API Gateway's own eu-west-1 tiers.
    let duration = book.price(&keys::lambda_duration(X86_64)).unwrap();
    assert_eq!(duration.tiers.len(), 3);
    assert_eq!(duration.tiers[1].usd, 0.000015);
    let http = book.price(keys::APIGW_HTTP_REQUESTS).unwrap();
    assert_eq!(http.tiers[0].usd, 0.00000111);
    let err = book.price(keys::SFN_EXPRESS_REQUESTS).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the eu-west-1 price book has no price `step_functions.express.requests`"
    );
    for key in [
        keys::SFN_EXPRESS_DURATION.to_string(),
        keys::FARGATE_EPHEMERAL_STORAGE.to_string(),
        keys::fargate_vcpu(X86_64, Purchase::Spot),
        keys::lambda_provisioned_concurrency(Arm64),
        keys::lambda_provisioned_duration(Arm64),
    ] {
        assert!(book.price(&key).is_err(), "{key} has no eu-west-1 source");
    }
    assert!(book.instance("m7g.large").is_err());
    assert!(book.instances.is_empty());
}

#[test]
fn at_least_30_instance_types_covering_tmcr_in_both_archs() {
    let book = us();
    assert!(book.instances.len() >= 30, "{}", book.instances.len());
    for family in ['t', 'm', 'c', 'r'] {
        for arch in ["x86_64", "arm64"] {
            assert!(
                book.instances
                    .iter()
                    .any(|(n, i)| n.starts_with(family) && i.arch == arch),
                "{family} {arch}"
            );
        }
    }
    for (name, inst) in &book.instances {
        assert!(inst.source.contains("karpenter"), "{name}");
        // A CPU baseline: the burstable T family and the flex types.
        assert_eq!(
            inst.baseline_cpu_share.is_some(),
            name.starts_with('t') || name.contains("-flex."),
            "{name}"
        );
        // Graviton names carry a `g`.
        let family = name.split('.').next().unwrap();
        assert_eq!(family.contains('g'), inst.arch == "arm64", "{name}");
    }
    let t3 = book.instance("t3.large").unwrap();
    assert_eq!(t3.baseline_cpu_share, Some(0.3));
    let m7g = book.instance("m7g.xlarge").unwrap();
    assert_eq!(
        (m7g.vcpu, m7g.memory_gib, m7g.on_demand_hourly),
        (4, 16.0, 0.1632)
    );
}

#[test]
fn unknown_region_lists_the_available_ones() {
    let err = load("us-east-2", None).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    let msg = err.to_string();
    assert!(msg.contains("us-east-2"), "{msg}");
    assert!(msg.contains("eu-west-1, us-east-1"), "{msg}");
    match err {
        PricingError::UnknownRegion { suggestion, .. } => {
            assert_eq!(suggestion.as_deref(), Some("us-east-1"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn load_from_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = BUILT_IN.iter().find(|(r, _)| *r == "eu-west-1").unwrap().1;
    fs::write(dir.path().join("eu-west-1.yaml"), yaml).unwrap();
    let loaded = load("eu-west-1", Some(dir.path())).unwrap();
    assert_eq!(
        loaded.origin,
        dir.path().join("eu-west-1.yaml").display().to_string()
    );
    assert_eq!(loaded.book, eu());

    let err = load("us-east-1", Some(dir.path())).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(err.to_string().contains("available: eu-west-1"), "{err}");
    // A path-like region never reaches the file system.
    assert_eq!(load("../etc", Some(dir.path())).unwrap_err().exit_code(), 2);
    // A missing folder is an I/O failure.
    let missing = dir.path().join("nope");
    assert_eq!(
        load("eu-west-1", Some(&missing)).unwrap_err().exit_code(),
        1
    );
}

#[test]
fn a_file_for_another_region_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = BUILT_IN.iter().find(|(r, _)| *r == "eu-west-1").unwrap().1;
    fs::write(dir.path().join("us-east-1.yaml"), yaml).unwrap();
    let err = load("us-east-1", Some(dir.path())).unwrap_err();
    assert!(
        matches!(err, PricingError::Invalid { ref field, .. } if field == "region"),
        "{err}"
    );
}

const MINIMAL: &str = "\
region: us-east-1
made: \"2026-01-01\"
source: test
prices:
  lambda.requests.x86_64:
    unit: request
    tiers:
      - usd: 0.0000002
    source: test page
";

#[test]
fn parse_errors_name_file_line_column_and_field() {
    let bad = MINIMAL.replace("unit: request", "unit: request\n    colour: blue");
    let err = PriceBook::parse(&bad, "books/us-east-1.yaml").unwrap_err();
    assert_eq!(err.exit_code(), 2);
    match &err {
        PricingError::Parse {
            origin,
            line,
            column,
            field,
            message,
        } => {
            assert_eq!(origin, "books/us-east-1.yaml");
            assert_eq!(*line, Some(7));
            assert!(column.is_some());
            assert_eq!(field.as_deref(), Some("prices.lambda.requests.x86_64"));
            assert!(message.contains("colour"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string().starts_with("books/us-east-1.yaml:7:"),
        "{err}"
    );

    let err = PriceBook::parse("region: [", "x.yaml").unwrap_err();
    assert!(
        matches!(err, PricingError::Parse { line: Some(_), .. }),
        "{err:?}"
    );
}

fn invalid_field(yaml: &str) -> String {
    match PriceBook::parse(yaml, "t.yaml").unwrap_err() {
        PricingError::Invalid { field, .. } => field,
        other => panic!("{other:?}"),
    }
}

#[test]
fn validation_rules() {
    PriceBook::parse(MINIMAL, "t.yaml").unwrap();
    let tiers = |t: &str| MINIMAL.replace("      - usd: 0.0000002\n", t);
    // Last tier must be open.
    assert_eq!(
        invalid_field(&tiers("      - upto: 10\n        usd: 1\n")),
        "prices.lambda.requests.x86_64.tiers[0]"
    );
    // Only the last tier may be open.
    assert_eq!(
        invalid_field(&tiers("      - usd: 1\n      - usd: 0.5\n")),
        "prices.lambda.requests.x86_64.tiers[0]"
    );
    // Ascending bounds.
    assert_eq!(
        invalid_field(&tiers(
            "      - upto: 10\n        usd: 1\n      - upto: 5\n        usd: 1\n      - usd: 1\n"
        )),
        "prices.lambda.requests.x86_64.tiers[1]"
    );
    // Non-negative prices.
    assert_eq!(
        invalid_field(&tiers("      - usd: -1\n")),
        "prices.lambda.requests.x86_64.tiers[0]"
    );
    // No tiers at all.
    assert_eq!(
        invalid_field(&MINIMAL.replace("    tiers:\n      - usd: 0.0000002\n", "    tiers: []\n")),
        "prices.lambda.requests.x86_64.tiers"
    );
    // Every price names its source.
    assert_eq!(
        invalid_field(&MINIMAL.replace("source: test page", "source: \"  \"")),
        "prices.lambda.requests.x86_64.source"
    );
    // Dates are real dates.
    assert_eq!(
        invalid_field(&MINIMAL.replace("2026-01-01", "2026-02-30")),
        "made"
    );
}

#[test]
fn age_and_staleness() {
    assert_eq!(pricing::age_days("2026-11-26", (2026, 11, 26)), Some(0));
    assert_eq!(pricing::age_days("2026-11-26", (2027, 2, 24)), Some(90));
    assert_eq!(pricing::age_days("2024-02-28", (2024, 3, 1)), Some(2));
    assert_eq!(pricing::age_days("2026-11-26", (2026, 11, 25)), Some(-1));
    assert_eq!(pricing::age_days("26-11-2026", (2026, 11, 25)), None);
    assert_eq!(pricing::age_days("2026-11-26", (2026, 13, 1)), None);

    let book = us();
    assert_eq!(
        book.staleness_warning((2027, 2, 24)),
        None,
        "90 days is not stale"
    );
    let w = book.staleness_warning((2027, 2, 25)).unwrap();
    assert!(w.contains("91 days"), "{w}");
    assert!(
        w.contains("planner pricing refresh --region us-east-1"),
        "{w}"
    );
}

#[test]
fn show_is_deterministic_and_complete() {
    let loaded = load("us-east-1", None).unwrap();
    let a = show(&loaded, (2026, 12, 1));
    let b = show(&loaded, (2026, 12, 1));
    assert_eq!(a, b);
    assert!(a.contains("Price book  us-east-1"));
    assert!(a.contains("Origin      built-in"));
    assert!(a.contains("Made        2026-11-26 (5 days old)"));
    assert!(a.contains("lambda.duration.x86_64  per GB-second"));
    assert!(a.contains("first 6000000000"));
    assert!(a.contains("6000000000 to 15000000000"));
    assert!(a.contains("over 15000000000"));
    assert!(a.contains("0.0000166667"));
    assert!(a.contains("m7g.xlarge"));
    assert!(a.contains("Free tier (5)"));
    assert!(a.contains("ecs.fargate.task_launches_per_s  20"));
    assert!(!a.contains("warning"));
    for key in loaded.book.prices.keys() {
        assert!(a.contains(key.as_str()), "{key}");
    }
    let stale = show(&loaded, (2027, 6, 1));
    assert!(stale.contains("the us-east-1 price book"));
}

#[test]
fn write_atomic_round_trips_and_replaces() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("us-east-1.yaml");
    fs::write(&target, "old\n").unwrap();
    let book = us();
    let path = write_atomic(dir.path(), &book).unwrap();
    assert_eq!(path, target);
    let loaded: LoadedBook = load("us-east-1", Some(dir.path())).unwrap();
    assert_eq!(loaded.book, book);
    // Only the book is left in the folder (no temp files).
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn write_atomic_refuses_an_invalid_book_and_keeps_the_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("us-east-1.yaml");
    fs::write(&target, "old\n").unwrap();
    let mut book = us();
    book.prices
        .get_mut(&keys::lambda_requests(Architecture::X86_64))
        .unwrap()
        .source
        .clear();
    let err = write_atomic(dir.path(), &book).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert_eq!(fs::read_to_string(&target).unwrap(), "old\n");
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn write_atomic_into_a_missing_folder_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let err = write_atomic(&dir.path().join("missing"), &us()).unwrap_err();
    assert_eq!(err.exit_code(), 1);
}

#[test]
fn every_file_in_pricing_cache_is_built_in_and_loads_from_the_folder() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("pricing-cache");
    assert_eq!(
        pricing::regions_in(&dir).unwrap(),
        pricing::built_in_regions()
    );
    for region in pricing::built_in_regions() {
        let from_dir = load(&region, Some(&dir)).unwrap();
        assert_eq!(from_dir.book, load(&region, None).unwrap().book);
    }
}

#[test]
fn every_book_has_every_quota_the_models_read() {
    for book in [us(), pricing::built_in("eu-west-1").unwrap().book] {
        for key in keys::QUOTAS {
            let q = book.quota(key).unwrap();
            assert!(!q.source.trim().is_empty(), "{} {key}", book.region);
        }
    }
}

/// #12 rates: every rate other than on-demand in a shipped book (Fargate Spot and Savings
/// Plans keys, Lambda Savings Plans keys, each instance type's `rates:`) lies above zero and
/// below the on-demand price it discounts, in the same unit, and names its source: a mistyped
/// figure (a digit dropped or doubled, a rate entered for the wrong key) fails here. The
/// us-east-1 book carries Compute Savings Plans rates (Fargate Linux/x86, `m7g.large`), each
/// marked THIRD-PARTY with the copy it was read from.
#[test]
fn every_discounted_rate_is_below_its_on_demand_price_and_above_zero() {
    use Purchase::{SavingsPlan1y, SavingsPlan3y, Spot};
    let mut checked = 0;
    for book in [us(), eu()] {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for arch in ARCHS {
            for p in [Spot, SavingsPlan1y, SavingsPlan3y] {
                pairs.push((
                    keys::fargate_vcpu(arch, p),
                    keys::fargate_vcpu(arch, Purchase::OnDemand),
                ));
                pairs.push((
                    keys::fargate_memory(arch, p),
                    keys::fargate_memory(arch, Purchase::OnDemand),
                ));
            }
            for p in [SavingsPlan1y, SavingsPlan3y] {
                pairs.push((
                    keys::lambda_savings_plan("duration", arch, p),
                    keys::lambda_duration(arch),
                ));
                pairs.push((
                    keys::lambda_savings_plan("provisioned_concurrency", arch, p),
                    keys::lambda_provisioned_concurrency(arch),
                ));
                pairs.push((
                    keys::lambda_savings_plan("provisioned_duration", arch, p),
                    keys::lambda_provisioned_duration(arch),
                ));
            }
        }
        for (key, on_demand) in pairs {
            let Some(rate) = book.prices.get(&key) else {
                continue;
            };
            let od = book.price(&on_demand).unwrap();
            assert_eq!(rate.unit, od.unit, "{}: {key}", book.region);
            // Flat rates, compared with on-demand's first (dearest) tier.
            assert_eq!(rate.tiers.len(), 1, "{}: {key}", book.region);
            let (usd, list) = (rate.tiers[0].usd, od.tiers[0].usd);
            assert!(
                usd > 0.0 && usd < list,
                "{}: {key} {usd} vs on demand {list}",
                book.region
            );
            assert!(!rate.source.trim().is_empty(), "{key}");
            checked += 1;
        }
        for (name, inst) in &book.instances {
            for (purchase, rate) in &inst.rates {
                assert!(
                    rate.hourly > 0.0 && rate.hourly < inst.on_demand_hourly,
                    "{}: {name} {purchase} {} vs on demand {}",
                    book.region,
                    rate.hourly,
                    inst.on_demand_hourly
                );
                checked += 1;
            }
        }
    }
    // Fargate Spot (4 keys) and the #12 Compute Savings Plans rates: Fargate x86 (4 keys)
    // and m7g.large (2 rates).
    assert!(checked >= 10, "{checked}");
    let book = us();
    for p in [SavingsPlan1y, SavingsPlan3y] {
        for key in [
            keys::fargate_vcpu(Architecture::X86_64, p),
            keys::fargate_memory(Architecture::X86_64, p),
        ] {
            assert!(book.prices[&key].source.contains("THIRD-PARTY"), "{key}");
        }
        let (_, source) = book.instances["m7g.large"].rate(p).unwrap();
        assert!(source.contains("THIRD-PARTY"), "m7g.large {p:?}");
    }
}
