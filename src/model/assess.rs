//! The verdict on one option: why it cannot work, and the limits worth knowing, in the order
//! they were found. Each platform collects its findings here instead of setting a `feasible`
//! flag and pushing to a list by hand; [`OptionPlan`](super::OptionPlan) reads both from it.

/// What an evaluation found. Feasible until a finding says otherwise.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Assessment {
    findings: Vec<Finding>,
}

#[derive(Debug, Clone, PartialEq)]
struct Finding {
    /// The option cannot be used as configured.
    blocks: bool,
    text: String,
}

impl Assessment {
    pub fn new() -> Assessment {
        Assessment::default()
    }

    /// The option cannot work: `why`, in plain words.
    pub fn infeasible(&mut self, why: impl Into<String>) {
        self.findings.push(Finding {
            blocks: true,
            text: why.into(),
        });
    }

    /// A limit, cost or caveat worth knowing that does not rule the option out.
    pub fn risk(&mut self, text: impl Into<String>) {
        self.findings.push(Finding {
            blocks: false,
            text: text.into(),
        });
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
