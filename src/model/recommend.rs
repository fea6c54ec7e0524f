//! The recommendation: the cheapest feasible option, preferring less to operate on near-ties,
//! with its reason and the break-even rate at which the two cheapest swap places.

use super::plan::{OptionPlan, Platform, Recommendation};

/// Options within this share of the cheapest count as a near-tie.
pub const NEAR_TIE: f64 = 0.10;

/// Pick from evaluated options. `break_even` is filled in by the caller (it needs the model).
pub fn choose(options: &[OptionPlan]) -> (Recommendation, Option<(Platform, Platform)>) {
    let mut feasible: Vec<&OptionPlan> = options.iter().filter(|o| o.feasible).collect();
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
        return (
            Recommendation {
                platform: None,
                reason: format!("No option meets the workload's limits and SLO. {why}"),
                break_even_rps: None,
            },
            None,
        );
    }
    feasible.sort_by(|a, b| {
        a.monthly_cost_usd
            .total_cmp(&b.monthly_cost_usd)
            .then(a.platform.cmp(&b.platform))
    });
    let cheapest = feasible[0];
    let tie_limit = cheapest.monthly_cost_usd * (1.0 + NEAR_TIE);
    let chosen = feasible
        .iter()
        .filter(|o| o.monthly_cost_usd <= tie_limit + 1e-9)
        .min_by(|a, b| {
            a.platform
                .ops_rank()
                .cmp(&b.platform.ops_rank())
                .then(a.monthly_cost_usd.total_cmp(&b.monthly_cost_usd))
        })
        .copied()
        .unwrap_or(cheapest);

    let mut reason = if chosen.platform == cheapest.platform {
        match feasible.get(1) {
            Some(next) => format!(
                "{} is the cheapest option that meets the limits and SLO: ${:.2}/month against ${:.2} for {}.",
                chosen.platform.label(),
                chosen.monthly_cost_usd,
                next.monthly_cost_usd,
                next.platform.label()
            ),
            None => format!(
                "{} is the only option that meets the limits and SLO, at ${:.2}/month.",
                chosen.platform.label(),
                chosen.monthly_cost_usd
            ),
        }
    } else {
        format!(
            "{} costs ${:.2}/month, within {:.0}% of the cheapest ({} at ${:.2}), and leaves less to operate.",
            chosen.platform.label(),
            chosen.monthly_cost_usd,
            NEAR_TIE * 100.0,
            cheapest.platform.label(),
            cheapest.monthly_cost_usd
        )
    };
    let infeasible: Vec<String> = options
        .iter()
        .filter(|o| !o.feasible)
        .map(|o| o.platform.label().to_string())
        .collect();
    if !infeasible.is_empty() {
        reason.push_str(&format!(" Not feasible: {}.", infeasible.join(", ")));
    }
    let pair = feasible
        .get(1)
        .map(|next| (cheapest.platform, next.platform));
    (
        Recommendation {
            platform: Some(chosen.platform),
            reason,
            break_even_rps: None,
        },
        pair,
    )
}

/// Where the cost difference of two options changes sign: `samples` are `(scale, diff)` pairs
/// already computed (sorted by scale, including scale 1); the bracket nearest to scale 1 is
/// narrowed by bisection on a log scale with `diff`. Returns the scale factor.
pub fn crossing_in(
    samples: &[(f64, f64)],
    mut diff: impl FnMut(f64) -> Option<f64>,
) -> Option<f64> {
    let sign = |v: f64| v > 0.0;
    let bracket = samples
        .windows(2)
        .filter(|w| w[0].1 != 0.0 && w[1].1 != 0.0 && sign(w[0].1) != sign(w[1].1))
        .min_by(|x, y| {
            let distance = |w: &[(f64, f64)]| (w[0].0.ln().abs()).min(w[1].0.ln().abs());
            distance(x).total_cmp(&distance(y))
        })?;
    let (mut lo, mut hi) = (bracket[0].0, bracket[1].0);
    let sign_lo = sign(bracket[0].1);
    // 12 halvings of the log bracket: the rate to well under 0.1% for brackets up to 5x.
    for _ in 0..12 {
        let mid = (lo * hi).sqrt();
        match diff(mid) {
            Some(v) if sign(v) == sign_lo => lo = mid,
            Some(_) => hi = mid,
            None => break,
        }
    }
    Some((lo * hi).sqrt())
}

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
    fn cheapest_feasible_wins() {
        let opts = [
            opt(Platform::Lambda, 100.0, true),
            opt(Platform::StepFunctions, 10.0, false),
            opt(Platform::Ecs, 50.0, true),
            opt(Platform::Ec2, 40.0, true),
        ];
        let (r, pair) = choose(&opts);
        assert_eq!(r.platform, Some(Platform::Ec2));
        assert_eq!(pair, Some((Platform::Ec2, Platform::Ecs)));
    }

    #[test]
    fn near_tie_prefers_less_to_operate() {
        let opts = [
            opt(Platform::Lambda, 108.0, true),
            opt(Platform::Ecs, 104.0, true),
            opt(Platform::Ec2, 100.0, true),
        ];
        assert_eq!(choose(&opts).0.platform, Some(Platform::Lambda));
        let opts = [
            opt(Platform::Lambda, 111.0, true),
            opt(Platform::Ec2, 100.0, true),
        ];
        assert_eq!(choose(&opts).0.platform, Some(Platform::Ec2));
    }

    #[test]
    fn nothing_feasible() {
        let opts = [opt(Platform::Lambda, 1.0, false)];
        assert_eq!(choose(&opts).0.platform, None);
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
    fn crossing_prefers_the_bracket_nearest_the_stated_rate() {
        // Sign changes near 0.05 and near 3: the one at 3 is nearer to 1 on a log scale.
        let f = |s: f64| (s - 0.05) * (s - 3.0);
        let k = crossing_in(&samples(f), |s| Some(f(s))).unwrap_or(0.0);
        assert!((k - 3.0).abs() < 0.01, "{k}");
    }
}
