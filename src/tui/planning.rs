//! Re-planning after an edit. `model::plan` is pure but not cheap (a whole profile can take
//! hundreds of milliseconds), so the loop runs it on a blocking thread: `update` asks for it
//! with a generation number and drops answers older than the latest request.
//!
//! Only the workloads that changed are re-planned when the profile has no free tier (without
//! one, workloads do not affect each other); platform knobs re-plan everything.

use crate::model::billing::FreeTier;
use crate::model::{self, Demand, Plan};
use crate::pricing::PriceBook;
use crate::profile::Profile;
use std::collections::BTreeSet;

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
    /// The last plan applied, valid for the workloads not in `stale`.
    pub previous: Plan,
    pub stale: Stale,
}

/// The plan for the request's profile.
pub fn compute(req: &PlanRequest) -> Plan {
    let only = match &req.stale {
        Stale::Workloads(set)
            if !req.profile.free_tier
                && req.previous.workloads.len() == req.profile.workloads.len() =>
        {
            set
        }
        _ => return model::plan(&req.profile, &req.book, &req.source),
    };
    let mut plan = req.previous.clone();
    for &wi in only {
        let (Some(w), Some(slot)) = (req.profile.workloads.get(wi), plan.workloads.get_mut(wi))
        else {
            return model::plan(&req.profile, &req.book, &req.source);
        };
        let demand = Demand::new(w, FreeTier::none());
        *slot = model::plan_workload(&demand, &req.profile.platforms, &req.book);
    }
    let mut cited: Vec<String> = plan
        .workloads
        .iter()
        .flat_map(|w| w.options.iter())
        .flat_map(|o| o.cost_breakdown.iter())
        .map(|l| l.source.clone())
        .collect();
    cited.sort();
    cited.dedup();
    plan.pricing.cited = cited;
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_plan_equals_the_whole_plan() {
        let text = include_str!("../../tests/fixtures/tui/shop.yaml");
        let path = std::path::Path::new("shop.yaml");
        let mut profile = crate::profile::parse(text, path).unwrap();
        let book = crate::pricing::built_in("us-east-1").unwrap().book;
        let previous = model::plan(&profile, &book, "test");
        if let Some(t) = profile.workloads[0].traffic.as_mut() {
            t.rps = Some(77.0);
        }
        let req = PlanRequest {
            doc: 0,
            generation: 1,
            profile: profile.clone(),
            book: book.clone(),
            source: "test".into(),
            previous,
            stale: Stale::Workloads([0].into()),
        };
        assert_eq!(compute(&req), model::plan(&profile, &book, "test"));
    }
}
