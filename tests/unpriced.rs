//! #12 "unpriced is not infeasible": an option whose figures the book lacks is `unpriced`,
//! only that option, never recommended, and it names a key the models read.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use planner::model::{self, Plan, Status};
use planner::pricing::{self, Missing, PriceBook, keys};
use planner::profile::{self, Profile};
use std::path::Path;

fn example_profiles() -> Vec<Profile> {
    let mut paths: Vec<_> = std::fs::read_dir("profiles")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    paths.iter().map(|p| profile::load(p).unwrap()).collect()
}

fn book(region: &str) -> PriceBook {
    pricing::built_in(region).unwrap().book
}

fn plan(profile: &Profile, book: &PriceBook) -> Plan {
    model::plan_figures(profile, book, "test")
}

/// Every unpriced option names a figure the models read, which `keys::describe` can say in
/// words, and is neither feasible nor recommended; no reason calls another option "the only
/// option" because of it.
fn check_unpriced(plan: &Plan, at: &str) {
    for w in &plan.workloads {
        for o in &w.options {
            let Some(m) = o.missing() else {
                assert_ne!(o.status(), Status::Unpriced, "{at}");
                continue;
            };
            assert_eq!(o.status(), Status::Unpriced, "{at}");
            assert!(!o.feasible, "{at}");
            assert!(
                keys::describe(m).is_some(),
                "{at}: {:?} names no key of pricing::keys",
                m
            );
            assert_ne!(w.recommendation.platform, Some(o.platform), "{at}");
            assert!(
                !w.recommendation.reason.contains("the only option"),
                "{at}: {}",
                w.recommendation.reason
            );
            assert!(
                w.recommendation.reason.contains("Could not be priced")
                    || w.recommendation.platform.is_none(),
                "{at}: {}",
                w.recommendation.reason
            );
        }
    }
}

#[test]
fn every_unpriced_option_names_a_key_the_models_read() {
    for region in pricing::built_in_regions() {
        let book = book(&region);
        for profile in example_profiles() {
            let mut profile = profile;
            profile.region = region.clone();
            check_unpriced(
                &plan(&profile, &book),
                &format!("{} in {region}", profile.name),
            );
        }
    }
}

/// Take one price out of the us-east-1 book: exactly the options that read it become
/// `unpriced`, naming it; every other option is as before.
#[test]
fn a_book_lacking_one_price_leaves_exactly_its_options_unpriced() {
    let full = book("us-east-1");
    let profiles = example_profiles();
    let before: Vec<Plan> = profiles.iter().map(|p| plan(p, &full)).collect();
    let mut used = 0;
    for key in keys::prices().into_iter().map(|p| p.key) {
        let mut lacking = full.clone();
        assert!(lacking.prices.remove(&key).is_some(), "{key}");
        for (profile, before) in profiles.iter().zip(&before) {
            let after = plan(profile, &lacking);
            check_unpriced(&after, &format!("{} without {key}", profile.name));
            for (i, (wb, wa)) in before.workloads.iter().zip(&after.workloads).enumerate() {
                // With the free tier, what a workload is credited depends on the options
                // chosen before it: compare the first workload only.
                let same_credit = !profile.free_tier || i == 0;
                for (ob, oa) in wb.options.iter().zip(&wa.options) {
                    let at = format!("{} {} without {key}", wa.name, oa.platform.id());
                    // Step Functions `type: auto` keeps the type it can price.
                    let fell_back = oa.config.get("type_choice").is_some_and(|c| {
                        c.as_str().is_some_and(|c| c.contains("cannot be priced"))
                    });
                    if oa.status() == Status::Unpriced {
                        used += 1;
                        let m = oa.missing().unwrap();
                        assert_eq!(
                            (m.what, m.key.as_str()),
                            (Missing::PRICE, key.as_str()),
                            "{at}"
                        );
                        assert_ne!(ob.status(), Status::Unpriced, "{at}");
                    } else if same_credit && !fell_back {
                        // Not reading the key: the same option, to the cent.
                        assert_eq!(oa.status(), ob.status(), "{at}");
                        assert_eq!(oa.monthly_cost_usd, ob.monthly_cost_usd, "{at}");
                    }
                }
            }
        }
    }
    assert!(
        used > 20,
        "the examples read most keys: {used} options went unpriced"
    );
}

/// The profile's `enabled: false` is `disabled`: not evaluated, not "not feasible".
#[test]
fn a_disabled_platform_is_disabled_not_infeasible() {
    let profile = profile::load(Path::new(
        "tests/fixtures/profiles/valid/fixed-platforms.yaml",
    ))
    .unwrap();
    let plan = plan(&profile, &book("us-east-1"));
    for w in &plan.workloads {
        let ec2 = w
            .options
            .iter()
            .find(|o| o.platform == model::Platform::Ec2)
            .unwrap();
        assert_eq!(ec2.status(), Status::Disabled);
        assert!(!ec2.evaluated());
        assert!(
            w.recommendation
                .reason
                .contains("Disabled in the profile: EC2."),
            "{}",
            w.recommendation.reason
        );
        assert!(
            !w.recommendation.reason.contains("Not feasible: EC2"),
            "{}",
            w.recommendation.reason
        );
    }
    let json: serde_json::Value = serde_json::from_str(&planner::report::json(&plan)).unwrap();
    let ec2 = &json["workloads"][0]["options"][3];
    assert_eq!(ec2["status"], "disabled");
    assert!(ec2["monthly_cost_usd"].is_null() && ec2["latency_ms"]["p50"].is_null());
}
