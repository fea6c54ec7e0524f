//! The recommendation: the cheapest feasible option, preferring less to operate on near-ties,
//! with its reason; and the search for the rate at which two options' costs cross.

use super::plan::{OptionPlan, Platform, Recommendation, Status};
use crate::format::usd;

/// Options within this share of the cheapest count as a near-tie.
pub const NEAR_TIE: f64 = 0.10;

/// The platform [`choose`] recommends among options whose feasible cost is given (`None`:
/// not feasible): the cheapest, or on a near-tie the one with less to operate. The searches
/// that re-plan only costs ([`super::sensitivity`]) decide with it, so that they agree with
/// the report.
pub fn pick(costs: impl IntoIterator<Item = (Platform, Option<f64>)>) -> Option<Platform> {
    let feasible: Vec<(Platform, f64)> = costs
        .into_iter()
        .filter_map(|(p, c)| Some((p, c?)))
        .collect();
    let cheapest = feasible
        .iter()
        .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))?
        .1;
    let tie_limit = cheapest * (1.0 + NEAR_TIE);
    feasible
        .iter()
        .filter(|(_, c)| *c <= tie_limit + 1e-9)
        .min_by(|a, b| {
            a.0.ops_rank()
                .cmp(&b.0.ops_rank())
                .then(a.1.total_cmp(&b.1))
                .then(a.0.cmp(&b.0))
        })
        .map(|(p, _)| *p)
}

/// Pick from evaluated options. The comparison with the other camp and the near-tie band are
/// filled in by the caller (they need the model at other rates).
pub fn choose(options: &[OptionPlan]) -> Recommendation {
    let mut feasible: Vec<&OptionPlan> = options
        .iter()
        .filter(|o| o.status() == Status::Ok)
        .collect();
    // Options the book could not price are left out of the comparison: the cheapest feasible
    // option is only the cheapest of those priced, and the reason says so.
    let unpriced = unpriced_sentence(options);
    let priced = if unpriced.is_empty() { "" } else { "priced " };
    if feasible.is_empty() {
        let why = options
            .iter()
            .map(|o| {
                let first = o
                    .risks
                    .first()
                    .map(String::as_str)
                    .unwrap_or("not feasible");
                format!("{}: {}", o.platform.label(), first)
            })
            .collect::<Vec<_>>()
            .join(" ");
        return Recommendation {
            platform: None,
            reason: format!(
                "No {priced}option meets the workload's limits and SLO. {why}{}",
                pinned_alternatives(options, None)
            ),
            versus: None,
            band: None,
        };
    }
    feasible.sort_by(|a, b| {
        a.monthly_cost_usd
            .total_cmp(&b.monthly_cost_usd)
            .then(a.platform.cmp(&b.platform))
    });
    let cheapest = feasible[0];
    let picked = pick(
        feasible
            .iter()
            .map(|o| (o.platform, Some(o.monthly_cost_usd))),
    );
    let chosen = feasible
        .iter()
        .find(|o| Some(o.platform) == picked)
        .copied()
        .unwrap_or(cheapest);

    let mut reason = if chosen.platform == cheapest.platform {
        match feasible.get(1) {
            Some(next) => format!(
                "{} is the cheapest {priced}option that meets the limits and SLO: {}/month against {} for {}.",
                chosen.platform.label(),
                usd(chosen.monthly_cost_usd),
                usd(next.monthly_cost_usd),
                next.platform.label()
            ),
            None => format!(
                "{} is the only {priced}option that meets the limits and SLO, at {}/month.",
                chosen.platform.label(),
                usd(chosen.monthly_cost_usd)
            ),
        }
    } else {
        format!(
            "{} costs {}/month, within {:.0}% of the cheapest ({} at {}), and leaves less to operate.",
            chosen.platform.label(),
            usd(chosen.monthly_cost_usd),
            NEAR_TIE * 100.0,
            cheapest.platform.label(),
            usd(cheapest.monthly_cost_usd)
        )
    };
    if !chosen.quota_requests.is_empty() {
        reason.push_str(&format!(
            " It depends on a quota request: {}.",
            chosen.quota_requests.join("; ")
        ));
    }
    let labels = |status: Status| -> Vec<&str> {
        options
            .iter()
            .filter(|o| o.status() == status)
            .map(|o| o.platform.label())
            .collect()
    };
    let infeasible = labels(Status::Infeasible);
    if !infeasible.is_empty() {
        reason.push_str(&format!(" Not feasible: {}.", infeasible.join(", ")));
    }
    let disabled = labels(Status::Disabled);
    if !disabled.is_empty() {
        reason.push_str(&format!(
            " Disabled in the profile: {}.",
            disabled.join(", ")
        ));
    }
    reason.push_str(&unpriced);
    reason.push_str(&pinned_alternatives(options, Some(chosen)));
    reason.push_str(&purchase_flip(&feasible, chosen));
    Recommendation {
        platform: Some(chosen.platform),
        reason,
        versus: None,
        band: None,
    }
}

/// " Could not be priced, so not compared: ECS Fargate (the eu-west-1 price book has no
/// price `...`)." naming each unpriced option and the first figure it lacks; empty when every
/// option could be priced.
fn unpriced_sentence(options: &[OptionPlan]) -> String {
    let named: Vec<String> = options
        .iter()
        .filter_map(|o| Some(format!("{} ({})", o.platform.label(), o.missing()?)))
        .collect();
    if named.is_empty() {
        String::new()
    } else {
        format!(
            " Could not be priced, so not compared: {}.",
            named.join("; ")
        )
    }
}

/// The option [`pick`] recommends of `feasible` when each costs `cost` (the on-demand bill,
/// to ask whether a purchase decides the choice).
fn pick_by<'o>(
    feasible: &[&'o OptionPlan],
    cost: impl Fn(&OptionPlan) -> f64,
) -> Option<&'o OptionPlan> {
    let p = pick(feasible.iter().map(|o| (o.platform, Some(cost(o)))))?;
    feasible.iter().find(|o| o.platform == p).copied()
}

/// When an option is bought other than on demand (Spot, a commitment), whether the choice
/// would be the same with every option on demand: the sentence that says so, or that the
/// purchase decides it.
fn purchase_flip(feasible: &[&OptionPlan], chosen: &OptionPlan) -> String {
    if feasible.iter().all(|o| o.purchase.is_none()) {
        return String::new();
    }
    let on_demand = |o: &OptionPlan| {
        o.purchase
            .as_ref()
            .map_or(o.monthly_cost_usd, |b| b.on_demand_monthly_cost_usd)
    };
    let Some(cheapest) = pick_by(feasible, on_demand) else {
        return String::new();
    };
    let bought: Vec<String> = feasible
        .iter()
        .filter_map(|o| {
            o.purchase
                .as_ref()
                .map(|b| format!("{} as {}", o.platform.label(), b.purchase.describe()))
        })
        .collect();
    if cheapest.platform == chosen.platform {
        format!(
            " Priced with {}; all on demand, the choice would be the same.",
            bought.join(", ")
        )
    } else {
        format!(
            " Priced with {}: that purchase decides it. All on demand, {} would be chosen at \
             {}/month against {} for {}.",
            bought.join(", "),
            cheapest.platform.label(),
            usd(on_demand(cheapest)),
            usd(on_demand(chosen)),
            chosen.platform.label()
        )
    }
}

/// Sentences naming each setting the profile pins where another would be feasible and cost
/// less ([`OptionPlan::alternative`]), and whether it would beat the `chosen` option.
fn pinned_alternatives(options: &[OptionPlan], chosen: Option<&OptionPlan>) -> String {
    let mut out = String::new();
    for o in options {
        let Some(alt) = &o.alternative else { continue };
        let beats = match chosen {
            Some(c) if c.platform != o.platform && alt.monthly_cost_usd < c.monthly_cost_usd => {
                format!(", less than {}", c.platform.label())
            }
            Some(_) => String::new(),
            None => " and be feasible".to_string(),
        };
        out.push_str(&format!(
            " The profile pins {} to `{}`: `{}` would cost {}/month{beats}.",
            o.platform.label(),
            alt.pinned,
            alt.setting,
            usd(alt.monthly_cost_usd),
        ));
    }
    out
}

/// Where the cost difference of two options changes sign: `samples` are `(scale, diff)` pairs
/// already computed (sorted by scale, including scale 1); the bracket nearest to scale 1 is
/// narrowed with `diff` until it is within [`CROSSING_TOLERANCE`]. Returns the scale factor.
///
/// Each call of `diff` plans two options, so the search counts calls: it interpolates on a
/// log scale (regula falsi, Illinois variant: the end that stays put has its weight halved,
/// so a curved or stepped difference still closes in from both sides), which needs 3 to 7
/// calls where a bisection needs 12; after two calls in a row that fail to halve the bracket
/// it bisects, so a difference that defeats interpolation still converges.
pub fn crossing_in(samples: &[(f64, f64)], diff: impl FnMut(f64) -> Option<f64>) -> Option<f64> {
    crossing_within(samples, CROSSING_TOLERANCE, diff)
}

/// [`crossing_in`], located to within `tolerance` (a share of the scale) rather than
/// [`CROSSING_TOLERANCE`]: the near-tie band's ends need less precision than a break-even.
pub fn crossing_within(
    samples: &[(f64, f64)],
    tolerance: f64,
    diff: impl FnMut(f64) -> Option<f64>,
) -> Option<f64> {
    let bracket = brackets(samples).min_by(|x, y| near_end(x).total_cmp(&near_end(y)))?;
    locate(bracket, tolerance, f64::INFINITY, diff)
}

/// How far a scale is from the stated rate (scale 1), as a reader weighs it: twice the rate
/// is as near as half of it.
fn distance(scale: f64) -> f64 {
    scale.ln().abs()
}

/// The distance of a bracket's nearest point (its nearer end, or none when it holds the
/// stated rate): no crossing inside it is nearer than that.
fn near_end(bracket: &[(f64, f64); 2]) -> f64 {
    nearest_in(bracket[0].0.ln(), bracket[1].0.ln())
}

/// The [`distance`] of the point of `[lo, hi]` (in ln(scale)) nearest the stated rate.
fn nearest_in(lo: f64, hi: f64) -> f64 {
    if lo <= 0.0 && hi >= 0.0 {
        0.0
    } else {
        lo.abs().min(hi.abs())
    }
}

/// The neighbouring samples (sorted by scale) between which the difference changes sign.
fn brackets(samples: &[(f64, f64)]) -> impl Iterator<Item = [(f64, f64); 2]> + '_ {
    let sign = |v: f64| v > 0.0;
    samples
        .windows(2)
        .filter(move |w| w[0].1 != 0.0 && w[1].1 != 0.0 && sign(w[0].1) != sign(w[1].1))
        .map(|w| [w[0], w[1]])
}

/// The crossing nearest the stated rate (by [`distance`]): among the brackets of `samples`
/// (`(scale, diff)`, sorted by scale: the chart's points) and of the `far` scales beyond
/// them, probed nearest first (one, then the other side at the same distance) for as long as
/// a crossing nearer than the nearest located could still lie past the samples on that side.
/// Each bracket that could hold a nearer crossing is located ([`crossing_in`]'s search); the
/// far probes' samples are added to `samples`. A crossing two probes apart with the same sign
/// at both goes unseen, as it does between the chart's points.
///
/// So a cheap near probe never hides a nearer crossing on the other side (1/24 and 24 are
/// equally near: both are probed before either's bracket wins), and the dearest probes (a
/// fleet at 128 times a busy service's rate) are made only when a nearer crossing could be
/// there.
pub fn nearest_crossing(
    samples: &mut Vec<(f64, f64)>,
    far: &[f64],
    mut diff: impl FnMut(f64) -> Option<f64>,
) -> Option<f64> {
    let mut far = far.to_vec();
    far.sort_by(|x, y| distance(*x).total_cmp(&distance(*y)));
    let mut far = far.into_iter();
    let mut best: Option<f64> = None;
    // The brackets located so far, by their lower end (far probes only add samples beyond
    // the others, so a bracket, once found, stays one).
    let mut located: Vec<f64> = Vec::new();
    loop {
        let mut open: Vec<[(f64, f64); 2]> = brackets(samples)
            .filter(|b| !located.contains(&b[0].0))
            .collect();
        open.sort_by(|x, y| near_end(x).total_cmp(&near_end(y)));
        for b in open {
            if best.is_some_and(|k| distance(k) <= near_end(&b)) {
                break;
            }
            located.push(b[0].0);
            let bound = best.map_or(f64::INFINITY, distance);
            if let Some(k) = locate(b, CROSSING_TOLERANCE, bound, &mut diff)
                && distance(k) < bound
            {
                best = Some(k);
            }
        }
        // The next far scale whose side could still hold a nearer crossing.
        loop {
            let Some(s) = far.next() else {
                return best;
            };
            let outer = if s < 1.0 {
                samples.first()
            } else {
                samples.last()
            };
            if best.is_some_and(|k| distance(k) <= distance(outer.map_or(1.0, |p| p.0))) {
                continue;
            }
            if let Some(v) = diff(s) {
                samples.push((s, v));
                samples.sort_by(|x, y| x.0.total_cmp(&y.0));
                break;
            }
        }
    }
}

/// Narrow `bracket` (its ends' differences of opposite signs) with `diff` to within
/// `tolerance` (a share of the scale): [`crossing_in`]'s interpolation. `None` as soon as
/// the bracket lies entirely at or beyond `bound` (a [`distance`]): a crossing already found
/// is at least as near.
fn locate(
    bracket: [(f64, f64); 2],
    tolerance: f64,
    bound: f64,
    mut diff: impl FnMut(f64) -> Option<f64>,
) -> Option<f64> {
    let sign = |v: f64| v > 0.0;
    // Work in x = ln(scale).
    let (mut lo, mut f_lo) = (bracket[0].0.ln(), bracket[0].1);
    let (mut hi, mut f_hi) = (bracket[1].0.ln(), bracket[1].1);
    let tolerance = (1.0 + tolerance).ln();
    let mut stuck: Option<bool> = None; // which end stayed put last time (true: lo)
    let mut slow = 0; // steps in a row that did not halve the bracket
    for _ in 0..40 {
        if nearest_in(lo, hi) >= bound {
            return None;
        }
        let width = hi - lo;
        if width <= tolerance {
            break;
        }
        let x = if slow >= 2 {
            (lo + hi) / 2.0
        } else {
            lo + width * f_lo / (f_lo - f_hi)
        };
        // At least 0.4 tolerance inside both ends: once the interpolation has closed in on
        // the crossing from one side, this lands the next probe just across it.
        let x = x.clamp(lo + 0.4 * tolerance, hi - 0.4 * tolerance);
        let Some(v) = diff(x.exp()) else { break };
        if v == 0.0 {
            return Some(x.exp());
        }
        if sign(v) == sign(f_lo) {
            lo = x;
            f_lo = v;
            if stuck == Some(false) {
                f_hi /= 2.0;
            }
            stuck = Some(false);
        } else {
            hi = x;
            f_hi = v;
            if stuck == Some(true) {
                f_lo /= 2.0;
            }
            stuck = Some(true);
        }
        slow = if hi - lo > width / 2.0 { slow + 1 } else { 0 };
    }
    Some(((lo + hi) / 2.0).exp())
}

/// How closely the break-even rate is located: the bracket around it is narrowed until its
/// ends are within this share of each other.
pub const CROSSING_TOLERANCE: f64 = 0.001;

#[cfg(test)]
mod tests {
    use super::*;

    fn opt(platform: Platform, cost: f64, feasible: bool) -> OptionPlan {
        let mut o = OptionPlan::infeasible(platform, "x");
        o.feasible = feasible;
        o.monthly_cost_usd = cost;
        o.risks.clear();
        o
    }

    #[test]
    fn the_reason_says_when_the_purchase_decides_the_choice() {
        let bought = |mut o: OptionPlan, on_demand: f64| {
            o.purchase = Some(crate::model::plan::Bought {
                purchase: crate::profile::Purchase::SavingsPlan1y,
                on_demand_monthly_cost_usd: on_demand,
                committed_units: 2.0,
                committed_share: 1.0,
            });
            o
        };
        // EC2 under a Savings Plan at $70 beats Lambda's $90; on demand ($100) it would not.
        let opts = [
            opt(Platform::Lambda, 90.0, true),
            opt(Platform::StepFunctions, 0.0, false),
            opt(Platform::Ecs, 200.0, true),
            bought(opt(Platform::Ec2, 70.0, true), 100.0),
        ];
        let r = choose(&opts);
        assert_eq!(r.platform, Some(Platform::Ec2));
        assert!(
            r.reason.contains(
                "Priced with EC2 as 1-year Compute Savings Plan (no upfront): that purchase \
                 decides it. All on demand, Lambda would be chosen at $90.00/month against \
                 $100.00 for EC2."
            ),
            "{}",
            r.reason
        );
        // Cheapest either way: said so.
        let opts = [
            opt(Platform::Lambda, 190.0, true),
            opt(Platform::StepFunctions, 0.0, false),
            opt(Platform::Ecs, 200.0, true),
            bought(opt(Platform::Ec2, 70.0, true), 100.0),
        ];
        let r = choose(&opts);
        assert!(
            r.reason.contains("the choice would be the same"),
            "{}",
            r.reason
        );
    }

    #[test]
    fn the_reason_says_when_the_choice_depends_on_a_quota_request() {
        let mut lambda = opt(Platform::Lambda, 10.0, true);
        lambda.quota_requests = vec![
            "2,000 concurrent executions at its peak, over the Lambda concurrent executions \
             quota's default of 1,000"
                .into(),
        ];
        let opts = [
            lambda,
            opt(Platform::StepFunctions, 0.0, false),
            opt(Platform::Ecs, 50.0, true),
            opt(Platform::Ec2, 40.0, true),
        ];
        let r = choose(&opts);
        assert_eq!(r.platform, Some(Platform::Lambda));
        assert!(
            r.reason.contains(
                "It depends on a quota request: 2,000 concurrent executions at its peak, over \
                 the Lambda concurrent executions quota's default of 1,000."
            ),
            "{}",
            r.reason
        );
        // Without one, nothing is said.
        let r = choose(&[opt(Platform::Lambda, 10.0, true)]);
        assert!(!r.reason.contains("quota"), "{}", r.reason);
    }

    #[test]
    fn a_cheaper_setting_the_profile_ruled_out_is_named() {
        // The profile pins Express ($500, more than ECS's $50); Standard would cost $5.
        let mut sfn = opt(Platform::StepFunctions, 500.0, true);
        sfn.alternative = Some(crate::model::plan::Alternative {
            pinned: "type: express".into(),
            setting: "type: standard".into(),
            monthly_cost_usd: 5.0,
        });
        let opts = [sfn.clone(), opt(Platform::Ecs, 50.0, true)];
        let r = choose(&opts);
        assert_eq!(r.platform, Some(Platform::Ecs));
        assert!(
            r.reason.ends_with(
                "The profile pins Step Functions to `type: express`: `type: standard` would cost \
                 $5.00/month, less than ECS Fargate."
            ),
            "{}",
            r.reason
        );
        // Nothing feasible: the ruled-out setting is named as the way out.
        sfn.feasible = false;
        let r = choose(&[sfn]);
        assert!(
            r.reason
                .ends_with("would cost $5.00/month and be feasible."),
            "{}",
            r.reason
        );
    }

    fn unpriced(platform: Platform) -> OptionPlan {
        OptionPlan::unpriced(
            platform,
            crate::pricing::Missing {
                region: "eu-west-1".into(),
                what: crate::pricing::Missing::INSTANCES,
                key: crate::pricing::keys::EC2_INSTANCES.into(),
            },
        )
    }

    /// #12: an unpriced option never wins, is not "not feasible", and the one priced option
    /// left is not "the only option that meets the limits".
    #[test]
    fn unpriced_options_are_named_not_ruled_out() {
        let opts = [
            opt(Platform::Lambda, 100.0, true),
            OptionPlan::infeasible(Platform::StepFunctions, "not for a service"),
            unpriced(Platform::Ecs),
            unpriced(Platform::Ec2),
        ];
        let r = choose(&opts);
        assert_eq!(r.platform, Some(Platform::Lambda));
        assert!(!r.reason.contains("the only option"), "{}", r.reason);
        assert!(
            r.reason
                .starts_with("Lambda is the only priced option that meets the limits and SLO"),
            "{}",
            r.reason
        );
        assert!(
            r.reason.contains(" Not feasible: Step Functions."),
            "{}",
            r.reason
        );
        assert!(
            r.reason.ends_with(
                " Could not be priced, so not compared: ECS Fargate (the eu-west-1 price book has \
                 no EC2 instance prices: its `instances:` table is empty); EC2 (the eu-west-1 \
                 price book has no EC2 instance prices: its `instances:` table is empty)."
            ),
            "{}",
            r.reason
        );
        // Cheaper than the priced option or not, an unpriced option never wins.
        let r = choose(&[unpriced(Platform::Lambda), opt(Platform::Ec2, 500.0, true)]);
        assert_eq!(r.platform, Some(Platform::Ec2));
        // Nothing priced: no recommendation, and the reason says "priced".
        let r = choose(&[unpriced(Platform::Lambda), unpriced(Platform::Ec2)]);
        assert_eq!(r.platform, None);
        assert!(
            r.reason.starts_with("No priced option meets"),
            "{}",
            r.reason
        );
    }

    #[test]
    fn a_disabled_option_is_named_as_disabled() {
        let opts = [
            opt(Platform::Lambda, 10.0, true),
            OptionPlan::disabled(Platform::Ec2),
        ];
        let r = choose(&opts);
        assert!(
            r.reason.ends_with(" Disabled in the profile: EC2."),
            "{}",
            r.reason
        );
        assert!(!r.reason.contains("Not feasible"), "{}", r.reason);
    }

    #[test]
    fn cheapest_feasible_wins() {
        let opts = [
            opt(Platform::Lambda, 100.0, true),
            opt(Platform::StepFunctions, 10.0, false),
            opt(Platform::Ecs, 50.0, true),
            opt(Platform::Ec2, 40.0, true),
        ];
        let r = choose(&opts);
        assert_eq!(r.platform, Some(Platform::Ec2));
    }

    #[test]
    fn near_tie_prefers_less_to_operate() {
        let opts = [
            opt(Platform::Lambda, 108.0, true),
            opt(Platform::Ecs, 104.0, true),
            opt(Platform::Ec2, 100.0, true),
        ];
        assert_eq!(choose(&opts).platform, Some(Platform::Lambda));
        let opts = [
            opt(Platform::Lambda, 111.0, true),
            opt(Platform::Ec2, 100.0, true),
        ];
        assert_eq!(choose(&opts).platform, Some(Platform::Ec2));
    }

    #[test]
    fn nothing_feasible() {
        let opts = [opt(Platform::Lambda, 1.0, false)];
        assert_eq!(choose(&opts).platform, None);
    }

    fn samples(f: impl Fn(f64) -> f64) -> Vec<(f64, f64)> {
        [0.01, 0.1, 1.0, 10.0, 100.0]
            .iter()
            .map(|&s| (s, f(s)))
            .collect()
    }

    #[test]
    fn crossing_finds_linear_break_even() {
        // Fixed cost 100 vs 2 per unit of scale: equal at 50.
        let f = |s: f64| 2.0 * s - 100.0;
        let k = crossing_in(&samples(f), |s| Some(f(s))).unwrap_or(0.0);
        assert!((k - 50.0).abs() < 0.1, "{k}");
        let g = |s: f64| 100.0 - 2.0 * s;
        let k = crossing_in(&samples(g), |s| Some(g(s))).unwrap_or(0.0);
        assert!((k - 50.0).abs() < 0.1, "{k}");
        assert_eq!(crossing_in(&samples(|s| s), Some), None);
    }

    #[test]
    fn crossing_finds_a_step_and_a_curve_within_tolerance_in_few_calls() {
        // A fleet's cost steps as instances are added: the crossing is at a step.
        let stepped = |s: f64| (s * 3.0).ceil() * 10.0 - 25.0 * s.sqrt() - 20.0;
        // A smooth, curved difference.
        let curved = |s: f64| s.powf(1.7) - 7.0;
        for f in [&stepped as &dyn Fn(f64) -> f64, &curved] {
            let mut calls = 0;
            let k = crossing_in(&samples(f), |s| {
                calls += 1;
                Some(f(s))
            })
            .unwrap_or(0.0);
            // The sign changes within the tolerance around k.
            let (a, b) = (
                k / (1.0 + CROSSING_TOLERANCE),
                k * (1.0 + CROSSING_TOLERANCE),
            );
            assert!(
                f(a) <= 0.0 && f(b) >= 0.0,
                "k {k}: f({a}) {}, f({b}) {}",
                f(a),
                f(b)
            );
            assert!(calls <= 24, "{calls} calls");
        }
        // A smooth difference needs far fewer calls than 12 halvings of a 10x bracket.
        let mut calls = 0;
        crossing_in(&samples(curved), |s| {
            calls += 1;
            Some(curved(s))
        });
        assert!(calls <= 8, "{calls} calls");
    }

    /// The break-even's rule, as the report states it: of two crossings, the one nearer the
    /// stated rate (by ratio: 15 times is nearer than 1/33) wins, whichever side is cheaper
    /// to probe. The chart's points are 0.1 to 10; beyond them the search probes 1/24 and 24,
    /// then 1/128 and 128.
    #[test]
    fn the_crossing_nearest_the_stated_rate_wins_beyond_the_chart() {
        let chart = [0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0];
        let far = [1.0 / 128.0, 1.0 / 24.0, 24.0, 128.0];
        // Cost differences that cross at `lo` and `hi` (in scale).
        let two = |lo: f64, hi: f64| move |s: f64| (s.ln() - lo.ln()) * (s.ln() - hi.ln());
        let search = |lo: f64, hi: f64| {
            let f = two(lo, hi);
            let mut samples: Vec<(f64, f64)> = chart.iter().map(|&s| (s, f(s))).collect();
            let mut probes = Vec::new();
            let k = nearest_crossing(&mut samples, &far, |s| {
                probes.push(s);
                Some(f(s))
            });
            (k.unwrap_or(f64::NAN), probes)
        };
        let near = |k: f64, want: f64| (k / want - 1.0).abs() < 2.0 * CROSSING_TOLERANCE;
        // 0.03 lies past the cheap 1/24 probe, 15 before the dear 24 one: 15 is nearer
        // (ln 15 = 2.7 < ln 33 = 3.5). Probing the low scales first would find 0.03.
        let (k, probes) = search(0.03, 15.0);
        assert!(near(k, 15.0), "{k}");
        // Nothing past 1/24 or 24 could be nearer than 15: 1/128 and 128 are not probed.
        assert!(
            !probes.contains(&(1.0 / 128.0)) && !probes.contains(&128.0),
            "{probes:?}"
        );
        // 1/24 and 24 are equally near: a crossing between 1/24 and the chart (0.05, 1/20)
        // does not hide a nearer one between the chart and 24 (11).
        let (k, _) = search(0.05, 11.0);
        assert!(near(k, 11.0), "{k}");
        // The mirror: 1/15 is nearer than 30.
        let (k, _) = search(1.0 / 15.0, 30.0);
        assert!(near(k, 1.0 / 15.0), "{k}");
        // One crossing past 1/24 (high-throughput-api's kind, at 0.0405): found; 128 is
        // probed too, since a crossing just past 24 would be nearer (ln 24 < ln 24.7).
        let one = |s: f64| s.ln() - 0.0405_f64.ln();
        let mut samples: Vec<(f64, f64)> = chart.iter().map(|&s| (s, one(s))).collect();
        let mut probes = Vec::new();
        let k = nearest_crossing(&mut samples, &far, |s| {
            probes.push(s);
            Some(one(s))
        })
        .unwrap_or(f64::NAN);
        assert!(near(k, 0.0405), "{k}");
        assert_eq!(&probes[..3], &[1.0 / 24.0, 24.0, 1.0 / 128.0][..]);
        assert!(probes.contains(&128.0), "{probes:?}");
        // With a second crossing at 45 (as high-throughput-api has, where a throttled
        // Lambda's bill falls below ECS's): 0.0405 is nearer, and [24, 128] is given up as
        // soon as it lies wholly farther than 0.0405 (a probe or two, not a location).
        let (k, probes) = search(0.0405, 45.0);
        assert!(near(k, 0.0405), "{k}");
        let past_24 = probes.iter().filter(|&&s| s > 24.0).count();
        assert!(past_24 <= 3, "{probes:?}");
        // No crossing anywhere: every far scale probed, none found.
        let (k, probes) = search(1e-6, 1e6);
        assert!(k.is_nan() && probes == [1.0 / 24.0, 24.0, 1.0 / 128.0, 128.0]);
    }

    #[test]
    fn crossing_prefers_the_bracket_nearest_the_stated_rate() {
        // Sign changes near 0.05 and near 3: the one at 3 is nearer to 1 on a log scale.
        let f = |s: f64| (s - 0.05) * (s - 3.0);
        let k = crossing_in(&samples(f), |s| Some(f(s))).unwrap_or(0.0);
        assert!((k - 3.0).abs() < 0.01, "{k}");
    }
}
