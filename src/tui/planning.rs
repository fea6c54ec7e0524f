//! Re-planning after an edit. `model::plan` is pure but not cheap (a whole profile can take
//! hundreds of milliseconds), so the loop runs it on a blocking thread: `update` asks for it
//! with a generation number and drops answers older than the latest request.
//!
//! Only the workloads that changed are re-planned when the profile has no free tier (without
//! one, workloads do not affect each other); platform knobs re-plan everything.

use crate::model::billing::FreeTier;
use crate::model::{self, Demand, Plan, WorkloadPlan};
use crate::pricing::PriceBook;
use crate::profile::Profile;
use std::collections::BTreeSet;
use std::sync::Arc;

/// What is out of date in a document's plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stale {
    /// These workloads (by index).
    Workloads(BTreeSet<usize>),
    All,
}

impl Stale {
    /// Add `more` to what is already stale.
    pub fn merge(self, more: Stale) -> Stale {
        match (self, more) {
            (Stale::Workloads(mut a), Stale::Workloads(b)) => {
                a.extend(b);
                Stale::Workloads(a)
            }
            _ => Stale::All,
        }
    }
}

/// A request to re-plan a document.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRequest {
    pub doc: usize,
    pub generation: u64,
    pub profile: Profile,
    pub book: PriceBook,
    pub source: String,
    /// The last plan applied, valid for the workloads not in `stale` (shared with the
    /// screen: only the first stage reads it).
    pub previous: Arc<Plan>,
    pub stale: Stale,
}

/// What a stage of a re-plan sends back to the screen.
#[derive(Debug, Clone, PartialEq)]
pub enum Replanned {
    /// A whole new plan.
    Whole(Box<Plan>),
    /// New plans of these workloads (by index); the rest of the plan stands. An edit to one
    /// workload sends one workload back, not the twenty of the profile.
    Workloads(Vec<(usize, WorkloadPlan)>),
}

impl Replanned {
    /// Bring `plan` up to date.
    pub fn apply(self, plan: &mut Plan) {
        match self {
            Replanned::Whole(whole) => *plan = *whole,
            Replanned::Workloads(fresh) => {
                for (wi, wp) in fresh {
                    if let Some(slot) = plan.workloads.get_mut(wi) {
                        *slot = wp;
                    }
                }
                plan.pricing.cited = model::cited(&plan.workloads);
            }
        }
    }
}

/// How far a re-plan has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Every option, figure, risk and the recommendation; the cost curves and break-even
    /// rates are still the previous plan's.
    Figures,
    /// And the cost curves, break-even rates and near-tie bands; the sensitivity flips are
    /// still the previous plan's.
    Curves,
    /// Everything.
    Complete,
}

/// Which workloads a request re-plans on their own: `None` means the whole profile (a free
/// tier links the workloads, or the workload list changed).
fn only(req: &PlanRequest) -> Option<&BTreeSet<usize>> {
    match &req.stale {
        Stale::Workloads(set)
            if !req.profile.free_tier
                && req.previous.workloads.len() == req.profile.workloads.len()
                && set.iter().all(|&i| i < req.profile.workloads.len()) =>
        {
            Some(set)
        }
        _ => None,
    }
}

/// The first stage of a re-plan ([`Stage::Figures`]): about a tenth of the work of the whole
/// plan. Re-planned workloads keep the previous plan's cost curve and break-even rate (the
/// screen marks them as updating) until [`complete`] replaces them.
pub fn figures(req: &PlanRequest) -> Replanned {
    match only(req) {
        Some(set) => Replanned::Workloads(
            set.iter()
                .filter_map(|&wi| {
                    let w = req.profile.workloads.get(wi)?;
                    let old = req.previous.workloads.get(wi)?;
                    let demand = Demand::in_profile(w, FreeTier::none(), &req.profile);
                    let book = req.book.with_account_quotas(&req.profile.quotas);
                    let mut fresh = model::workload_figures(&demand, &req.profile.platforms, &book);
                    keep_curve(&mut fresh, old);
                    Some((wi, fresh))
                })
                .collect(),
        ),
        None => {
            let mut plan = model::plan_figures(&req.profile, &req.book, &req.source);
            for (wp, old) in plan.workloads.iter_mut().zip(&req.previous.workloads) {
                if wp.name == old.name {
                    keep_curve(wp, old);
                }
            }
            Replanned::Whole(Box::new(plan))
        }
    }
}

/// Give `fresh` `old`'s cost curve, break-even, near-tie band and sensitivity (until the
/// second stage replaces them).
fn keep_curve(fresh: &mut WorkloadPlan, old: &WorkloadPlan) {
    fresh.cost_curve = old.cost_curve.clone();
    fresh.recommendation.versus = old.recommendation.versus.clone();
    fresh.recommendation.band = old.recommendation.band;
    fresh.sensitivity = old.sensitivity.clone();
}

/// The second and third stages together: [`curves`], then [`sensitivity`].
pub fn complete(profile: &Profile, book: &PriceBook, update: &mut Replanned) {
    curves(profile, book, update);
    sensitivity(profile, book, update);
}

/// The second stage: the cost curves, break-even rates and near-tie bands of the workloads
/// re-planned by [`figures`] for a request with this profile and book (a whole re-plan gets
/// its sensitivity flips too). It does not read the previous plan.
pub fn curves(profile: &Profile, book: &PriceBook, update: &mut Replanned) {
    match update {
        Replanned::Whole(plan) => model::complete_plan(plan, profile, book, None),
        Replanned::Workloads(_) => {
            by_workload(profile, book, update, model::complete_curves);
        }
    }
}

/// The third stage: the sensitivity flips of the workloads [`curves`] completed (a whole
/// re-plan has them already).
pub fn sensitivity(profile: &Profile, book: &PriceBook, update: &mut Replanned) {
    by_workload(profile, book, update, model::complete_sensitivity);
}

/// `step` for each workload of a by-workload update. Only a profile without a free tier is
/// re-planned by workload: no free tier passes between them.
fn by_workload(
    profile: &Profile,
    book: &PriceBook,
    update: &mut Replanned,
    step: fn(&mut WorkloadPlan, &Demand, &crate::profile::Platforms, &PriceBook),
) {
    let Replanned::Workloads(fresh) = update else {
        return;
    };
    let book = book.with_account_quotas(&profile.quotas);
    for (wi, wp) in fresh.iter_mut() {
        if let Some(w) = profile.workloads.get(*wi) {
            let demand = Demand::in_profile(w, FreeTier::none(), profile);
            step(wp, &demand, &profile.platforms, &book);
        }
    }
}

/// The whole plan for the request's profile (both stages).
pub fn compute(req: &PlanRequest) -> Plan {
    let mut update = figures(req);
    complete(&req.profile, &req.book, &mut update);
    let mut plan = (*req.previous).clone();
    update.apply(&mut plan);
    plan.profile = req.profile.name.clone();
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::PriceBook;

    fn shop() -> (Profile, PriceBook) {
        let text = include_str!("../../tests/fixtures/tui/shop.yaml");
        let profile = crate::profile::parse(text, std::path::Path::new("shop.yaml")).unwrap();
        (profile, crate::pricing::built_in("us-east-1").unwrap().book)
    }

    /// A request to re-plan `stale` of `profile`, after a plan of `before`.
    fn request(before: &Profile, profile: &Profile, book: &PriceBook, stale: Stale) -> PlanRequest {
        PlanRequest {
            doc: 0,
            generation: 1,
            profile: profile.clone(),
            book: book.clone(),
            source: "test".into(),
            previous: model::plan(before, book, "test").into(),
            stale,
        }
    }

    #[test]
    fn a_partial_plan_equals_the_whole_plan() {
        let (before, book) = shop();
        let mut profile = before.clone();
        if let Some(t) = profile.workloads[0].work.traffic_mut() {
            t.rps = Some(77.0);
        }
        let req = request(&before, &profile, &book, Stale::Workloads([0].into()));
        let whole = model::plan(&profile, &book, "test");
        assert_eq!(compute(&req), whole);
        // The first stage has every figure but keeps the previous curve, and sends back the
        // edited workload only.
        let update = figures(&req);
        assert!(matches!(&update, Replanned::Workloads(w) if w.len() == 1 && w[0].0 == 0));
        let mut quick = (*req.previous).clone();
        update.apply(&mut quick);
        assert_eq!(quick.workloads[0].options, whole.workloads[0].options);
        assert_eq!(
            quick.workloads[0].recommendation.platform,
            whole.workloads[0].recommendation.platform
        );
        assert_eq!(
            quick.workloads[0].cost_curve,
            req.previous.workloads[0].cost_curve
        );
        assert_ne!(quick.workloads[0].cost_curve, whole.workloads[0].cost_curve);
    }

    #[test]
    fn both_stages_of_a_whole_profile_equal_the_plan() {
        let (before, book) = shop();
        let mut profile = before.clone();
        profile.free_tier = !profile.free_tier;
        let req = request(&before, &profile, &book, Stale::All);
        assert_eq!(compute(&req), model::plan(&profile, &book, "test"));
    }
}
