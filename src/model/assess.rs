//! The verdict on one option: why it cannot work, and the limits worth knowing, in the order
//! they were found. Each platform collects its findings here instead of setting a `feasible`
//! flag and pushing to a list by hand; [`OptionPlan`](super::OptionPlan) reads both from it.
//! Adjustable quotas are checked here too ([`Assessment::quota`]), one way for every platform.

use crate::format::count;
use crate::pricing::Quota;

/// What an evaluation found. Feasible until a finding says otherwise.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Assessment {
    findings: Vec<Finding>,
}

#[derive(Debug, Clone, PartialEq)]
struct Finding {
    /// The option cannot be used as configured.
    blocks: bool,
    /// The option needs more of an adjustable quota than AWS's default (what, in a phrase):
    /// it works once the account's quota is raised.
    quota_request: Option<String>,
    text: String,
}

/// An adjustable quota an option needs: how much, and the quota it is checked against
/// (the account's own value stated in the profile, or the book's default).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuotaNeed<'a> {
    /// AWS's name for the quota, e.g. "Lambda concurrent executions".
    pub name: &'a str,
    pub quota: &'a Quota,
    /// How much of it the option needs at its peak.
    pub need: f64,
    /// What the need counts, in plain words (e.g. "concurrent executions", "vCPUs").
    pub unit: &'a str,
}

impl Assessment {
    pub fn new() -> Assessment {
        Assessment::default()
    }

    /// The option cannot work: `why`, in plain words.
    pub fn infeasible(&mut self, why: impl Into<String>) {
        self.findings.push(Finding {
            blocks: true,
            quota_request: None,
            text: why.into(),
        });
    }

    /// A limit, cost or caveat worth knowing that does not rule the option out.
    pub fn risk(&mut self, text: impl Into<String>) {
        self.findings.push(Finding {
            blocks: false,
            quota_request: None,
            text: text.into(),
        });
    }

    /// The one check of an adjustable quota, for every platform. Within the quota: nothing
    /// to say. Over a value the profile states (the account's real quota): the option cannot
    /// work as planned. Over the book's default: the option stays feasible, with a risk
    /// naming the quota, the need and the default, and it counts as depending on a quota
    /// request ([`Assessment::quota_requests`]).
    pub fn quota(&mut self, q: QuotaNeed<'_>) {
        if q.need <= q.quota.value {
            return;
        }
        let (need, value) = (count(q.need.ceil()), count(q.quota.value));
        if q.quota.stated {
            self.infeasible(format!(
                "Needs {need} {} at its peak, over the account's {} quota of {value} \
                 (stated in the profile).",
                q.unit, q.name
            ));
        } else {
            let what = format!(
                "{need} {} at its peak, over the {} quota's default of {value}",
                q.unit, q.name
            );
            self.findings.push(Finding {
                blocks: false,
                text: format!(
                    "Needs a quota request: {what}. Ask AWS (Service Quotas) before relying \
                     on it, or state the account's quota under `quotas:` in the profile."
                ),
                quota_request: Some(what),
            });
        }
    }

    /// What the option needs beyond AWS's default quotas, one phrase a quota: it depends on
    /// a quota request for each.
    pub fn quota_requests(&self) -> impl Iterator<Item = &str> {
        self.findings
            .iter()
            .filter_map(|f| f.quota_request.as_deref())
    }

    /// `text` rules the option out when `breaks`, else it is a risk worth knowing (a limit
    /// the option hits, within or beyond what the workload allows).
    pub fn infeasible_if(&mut self, breaks: bool, text: impl Into<String>) {
        if breaks {
            self.infeasible(text);
        } else {
            self.risk(text);
        }
    }

    /// How many findings rule the option out.
    pub fn failures(&self) -> usize {
        self.findings.iter().filter(|f| f.blocks).count()
    }

    /// No finding rules the option out.
    pub fn feasible(&self) -> bool {
        !self.findings.iter().any(|f| f.blocks)
    }

    /// The first finding that rules the option out.
    pub fn blocker(&self) -> Option<&str> {
        self.findings
            .iter()
            .find(|f| f.blocks)
            .map(|f| f.text.as_str())
    }

    /// Every finding's text, in the order found (what the report lists as risks).
    pub fn risks(&self) -> impl Iterator<Item = &str> {
        self.findings.iter().map(|f| f.text.as_str())
    }

    /// Adds `other`'s findings after this one's.
    pub fn extend(&mut self, other: Assessment) {
        self.findings.extend(other.findings);
    }

    /// `(feasible, risks)`, for the plan.
    pub fn into_parts(self) -> (bool, Vec<String>) {
        let feasible = self.feasible();
        (
            feasible,
            self.findings.into_iter().map(|f| f.text).collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feasible_until_a_finding_blocks_and_keeps_the_order() {
        let mut a = Assessment::new();
        a.risk("first");
        assert!(a.feasible());
        a.infeasible("second");
        a.risk("third");
        assert!(!a.feasible());
        let mut b = Assessment::new();
        b.risk("fourth");
        a.extend(b);
        assert_eq!(
            a.clone().into_parts(),
            (
                false,
                vec![
                    "first".into(),
                    "second".into(),
                    "third".into(),
                    "fourth".into()
                ]
            )
        );
        assert_eq!(a.risks().count(), 4);
    }
}
