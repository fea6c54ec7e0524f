//! The JSON report: the keys fixed by SPEC §6, plus a few documented extras.
//!
//! Built from view structs below rather than by serialising the plan types, so that the
//! contract stays fixed while the plan types evolve. Field order in the output is the
//! declaration order here; `config` keys are sorted (a `BTreeMap`).
//!
//! Rounding: `monthly_cost_usd` and `cost_usd` to cents (2 decimals), `unit_price_usd` to 10
//! decimals, `quantity` to 4, `throughput_rps` and rates to 3, latencies to 2 (ms),
//! `capacity.peak` to 2, `makespan_s` to 3, `throttled_share` to 6. Non-finite numbers (which
//! the model should never produce) become `null`.
//!
//! Extra keys beyond SPEC §6: top level `free_tier`, `assumptions`; `pricing.cited`;
//! per workload `average_rps`, `notes`, `cost_curve { rates, series[] { platform,
//! monthly_cost_usd[] } }` (`null` where the platform is not feasible); per line item
//! `source`; per option `throttled_share` and, for fan-out jobs, `makespan_s` (`null` where unknown)
//! and, with a deadline, `deadline_s` and `deadline_margin` (the share of the deadline a run
//! must leave free: a feasible option's `makespan_s` is at most `deadline_s × (1 − margin)`);
//! `recommendation.compared_with` (the option of the other camp the break-even compares the
//! recommended one with; `null` when none is feasible) and `recommendation.near_tie_band`
//! (`{ platforms: [ecs, ec2], from_rps, to_rps }`: the rates over which the two fleets stay
//! within the near-tie share of each other, an end `null` where the band runs past the rates
//! searched; `null` when they are not near-tied at the stated rate); per workload
//! `sensitivity[] { input, today, down, up, searched }`, each of `down`/`up` `null` or
//! `{ value, factor, to, between }` (`to` `null`: nothing feasible there; `between` `null`
//! when the flip is interpolated between two options' costs, else `[nearer, farther]`: the
//! values between which a limit starts or stops biting), `searched` the factors of today's
//! value searched `[lowest, highest]`; top level `not_included` (what the totals leave out)
//! and `missing_prices` (`[{ key, what, description, options[] { workload, platform } }]`:
//! each figure the book lacks and the options it leaves `unpriced`; empty when none).
//!
//! `status` is `ok`, `infeasible`, `unpriced` or `disabled`; `feasible` is true exactly when it
//! is `ok`. `monthly_cost_usd` and `latency_ms.p50`/`p99` are `null` when the option was not
//! evaluated: unpriced, disabled, or not applicable to the kind (SPEC §6).
//! An option bought other than on demand (`platforms.<p>.purchase`, or the profile's
//! `commitment`) adds `purchase` (as the profile spells it) and `on_demand_monthly_cost_usd` (the same configuration on demand)
//! beside `monthly_cost_usd`, which is the bill as bought; a commitment (Reserved Instances,
//! Savings Plans) also adds `committed_monthly_cost_usd` (equal to `monthly_cost_usd`),
//! `committed_units` (the steady baseline it is sized to) and `committed_share` (the share of
//! unit-hours it covers; the rest is billed on demand).

use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

use crate::model::sensitivity::{Flip, Sensitivity};
use crate::model::{
    Band, BreakEven, CostCurve, Deadline, LineItem, OptionPlan, Plan, Recommendation, WorkloadPlan,
};

/// Renders `plan` as pretty-printed JSON (two-space indent) with a trailing newline.
pub fn json(plan: &Plan) -> String {
    let view = PlanView::from(plan);
    // Serialising these view structs cannot fail: every map key is a string and every value
    // is plain data. Fall back to an empty object rather than panic, just in case.
    let mut out = serde_json::to_string_pretty(&view).unwrap_or_else(|_| "{}".to_string());
    out.push('\n');
    out
}

#[derive(Serialize)]
struct PlanView<'a> {
    profile: &'a str,
    region: &'a str,
    pricing: PricingView<'a>,
    free_tier: bool,
    workloads: Vec<WorkloadView<'a>>,
    assumptions: &'a [String],
    not_included: &'a [String],
    missing_prices: Vec<MissingView>,
}

#[derive(Serialize)]
struct MissingView {
    key: String,
    /// `price`, `quota`, `instance type` or `EC2 instance prices`.
    what: &'static str,
    description: Option<String>,
    options: Vec<MissingOptionView>,
}

#[derive(Serialize)]
struct MissingOptionView {
    workload: String,
    platform: &'static str,
}

#[derive(Serialize)]
struct PricingView<'a> {
    source: &'a str,
    as_of: &'a str,
    cited: &'a [String],
}

#[derive(Serialize)]
struct WorkloadView<'a> {
    name: &'a str,
    kind: &'a str,
    options: Vec<OptionView<'a>>,
    recommendation: RecommendationView<'a>,
    average_rps: Option<f64>,
    cost_curve: CostCurveView,
    notes: &'a [String],
    sensitivity: Vec<SensitivityView>,
}

#[derive(Serialize)]
struct SensitivityView {
    input: String,
    today: Option<f64>,
    down: Option<FlipView>,
    up: Option<FlipView>,
    searched: [Option<f64>; 2],
}

#[derive(Serialize)]
struct FlipView {
    value: Option<f64>,
    factor: Option<f64>,
    to: Option<&'static str>,
    between: Option<[Option<f64>; 2]>,
}

impl From<&Sensitivity> for SensitivityView {
    fn from(s: &Sensitivity) -> Self {
        let flip = |f: &Flip| FlipView {
            value: round(f.value, 4),
            factor: round(f.factor, 4),
            to: f.to.map(|p| p.id()),
            between: f.between.map(|(a, b)| [round(a, 4), round(b, 4)]),
        };
        SensitivityView {
            input: s.input.id(),
            today: round(s.today, 4),
            down: s.down.as_ref().map(flip),
            up: s.up.as_ref().map(flip),
            searched: [round(s.searched.0, 4), round(s.searched.1, 4)],
        }
    }
}

#[derive(Serialize)]
struct OptionView<'a> {
    platform: &'static str,
    status: &'static str,
    feasible: bool,
    monthly_cost_usd: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purchase: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    on_demand_monthly_cost_usd: Option<Option<f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    committed_monthly_cost_usd: Option<Option<f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    committed_units: Option<Option<f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    committed_share: Option<Option<f64>>,
    cost_breakdown: Vec<LineItemView<'a>>,
    config: &'a BTreeMap<String, Value>,
    throughput_rps: Option<f64>,
    capacity: CapacityView<'a>,
    latency_ms: LatencyView,
    risks: &'a [String],
    throttled_share: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    makespan_s: Option<Option<f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deadline_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deadline_margin: Option<f64>,
}

#[derive(Serialize)]
struct LineItemView<'a> {
    item: &'a str,
    quantity: Option<f64>,
    unit: &'a str,
    unit_price_usd: Option<f64>,
    cost_usd: Option<f64>,
    source: &'a str,
}

#[derive(Serialize)]
struct CapacityView<'a> {
    peak: Option<f64>,
    unit: &'a str,
}

#[derive(Serialize)]
struct LatencyView {
    p50: Option<f64>,
    p99: Option<f64>,
}

#[derive(Serialize)]
struct RecommendationView<'a> {
    platform: Option<&'static str>,
    reason: &'a str,
    break_even: Option<BreakEvenView>,
    compared_with: Option<&'static str>,
    near_tie_band: Option<BandView>,
}

#[derive(Serialize)]
struct BreakEvenView {
    cheaper_below: &'static str,
    cheaper_above: &'static str,
    average_rps: Option<f64>,
    /// Whether `cheaper_below` / `cheaper_above` is feasible just past the crossing.
    below_feasible: bool,
    above_feasible: bool,
}

#[derive(Serialize)]
struct BandView {
    platforms: [&'static str; 2],
    from_rps: Option<f64>,
    to_rps: Option<f64>,
}

impl From<&BreakEven> for BreakEvenView {
    fn from(b: &BreakEven) -> Self {
        BreakEvenView {
            cheaper_below: b.cheaper_below.id(),
            cheaper_above: b.cheaper_above.id(),
            average_rps: round(b.average_rps, 3),
            below_feasible: b.below_feasible,
            above_feasible: b.above_feasible,
        }
    }
}

impl From<&Band> for BandView {
    fn from(b: &Band) -> Self {
        BandView {
            platforms: [b.platforms[0].id(), b.platforms[1].id()],
            from_rps: b.from_rps.and_then(|r| round(r, 3)),
            to_rps: b.to_rps.and_then(|r| round(r, 3)),
        }
    }
}

#[derive(Serialize)]
struct CostCurveView {
    rates: Vec<Option<f64>>,
    series: Vec<SeriesView>,
}

#[derive(Serialize)]
struct SeriesView {
    platform: &'static str,
    monthly_cost_usd: Vec<Option<f64>>,
}

impl<'a> From<&'a Plan> for PlanView<'a> {
    fn from(plan: &'a Plan) -> Self {
        PlanView {
            profile: &plan.profile,
            region: &plan.region,
            pricing: PricingView {
                source: &plan.pricing.source,
                as_of: &plan.pricing.as_of,
                cited: &plan.pricing.cited,
            },
            free_tier: plan.free_tier,
            workloads: plan.workloads.iter().map(WorkloadView::from).collect(),
            assumptions: &plan.assumptions,
            not_included: &plan.not_included,
            missing_prices: plan
                .missing_figures()
                .into_iter()
                .map(|f| MissingView {
                    description: crate::pricing::keys::describe(&f.missing),
                    key: f.missing.key,
                    what: f.missing.what,
                    options: f
                        .options
                        .into_iter()
                        .map(|(workload, p)| MissingOptionView {
                            workload,
                            platform: p.id(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

impl<'a> From<&'a WorkloadPlan> for WorkloadView<'a> {
    fn from(w: &'a WorkloadPlan) -> Self {
        WorkloadView {
            name: &w.name,
            kind: w.kind.as_str(),
            options: w
                .options
                .iter()
                .map(|o| OptionView::new(o, w.kind.is_job(), w.deadline.as_ref()))
                .collect(),
            recommendation: RecommendationView::from(&w.recommendation),
            average_rps: round(w.average_rps, 3),
            cost_curve: CostCurveView::from(&w.cost_curve),
            notes: &w.notes,
            sensitivity: w.sensitivity.iter().map(SensitivityView::from).collect(),
        }
    }
}

impl<'a> OptionView<'a> {
    /// `makespan_s` is listed for every option of a job (`null` where unknown) and for any
    /// other option that has one.
    /// `deadline_s` and `deadline_margin` are the job's, on each of its options.
    fn new(o: &'a OptionPlan, job: bool, deadline: Option<&Deadline>) -> Self {
        let deadline = deadline.filter(|_| job);
        // Figures only for an evaluated option: the others have none (SPEC §6).
        let figure = |x: f64, decimals: i32| round(x, decimals).filter(|_| o.evaluated());
        let status = o.status();
        let bought = o.purchase.as_ref().filter(|_| o.evaluated());
        let committed = bought.filter(|b| b.purchase.is_commitment());
        OptionView {
            platform: o.platform.id(),
            status: status.id(),
            feasible: status == crate::model::Status::Ok,
            monthly_cost_usd: figure(o.monthly_cost_usd, 2),
            purchase: bought.map(|b| b.purchase.as_str()),
            on_demand_monthly_cost_usd: bought.map(|b| round(b.on_demand_monthly_cost_usd, 2)),
            committed_monthly_cost_usd: committed.map(|_| round(o.monthly_cost_usd, 2)),
            committed_units: committed.map(|b| round(b.committed_units, 2)),
            committed_share: committed.map(|b| round(b.committed_share, 4)),
            cost_breakdown: o.cost_breakdown.iter().map(LineItemView::from).collect(),
            config: &o.config,
            throughput_rps: round(o.throughput_rps, 3),
            capacity: CapacityView {
                peak: round(o.capacity.peak, 2),
                unit: &o.capacity.unit,
            },
            latency_ms: LatencyView {
                p50: figure(o.latency_ms.p50, 2),
                p99: figure(o.latency_ms.p99, 2),
            },
            risks: &o.risks,
            throttled_share: round(o.throttled_share, 6),
            makespan_s: match o.makespan_s {
                Some(m) => Some(round(m, 3)),
                None if job => Some(None),
                None => None,
            },
            deadline_s: deadline.and_then(|d| round(d.deadline_s, 3)),
            deadline_margin: deadline.and_then(|d| round(d.margin, 4)),
        }
    }
}

impl<'a> From<&'a LineItem> for LineItemView<'a> {
    fn from(l: &'a LineItem) -> Self {
        LineItemView {
            item: &l.item,
            quantity: round(l.quantity, 4),
            unit: &l.unit,
            unit_price_usd: round(l.unit_price_usd, 10),
            cost_usd: round(l.cost_usd, 2),
            source: &l.source,
        }
    }
}

impl<'a> From<&'a Recommendation> for RecommendationView<'a> {
    fn from(r: &'a Recommendation) -> Self {
        RecommendationView {
            platform: r.platform.map(|p| p.id()),
            reason: &r.reason,
            break_even: r.break_even().map(BreakEvenView::from),
            compared_with: r.versus.as_ref().and_then(|v| v.other).map(|p| p.id()),
            near_tie_band: r.band.as_ref().map(BandView::from),
        }
    }
}

impl From<&CostCurve> for CostCurveView {
    fn from(c: &CostCurve) -> Self {
        CostCurveView {
            rates: c.rates.iter().map(|&r| round(r, 3)).collect(),
            series: c
                .series
                .iter()
                .map(|(platform, costs)| SeriesView {
                    platform: platform.id(),
                    monthly_cost_usd: costs.iter().map(|c| c.and_then(|c| round(c, 2))).collect(),
                })
                .collect(),
        }
    }
}

/// `x` rounded to `decimals` places; `None` (JSON `null`) when not finite. Never `-0`.
fn round(x: f64, decimals: i32) -> Option<f64> {
    if !x.is_finite() {
        return None;
    }
    let scale = 10f64.powi(decimals);
    let r = (x * scale).round() / scale;
    if !r.is_finite() {
        // Scaling overflowed: the value is far beyond the precision asked for.
        return Some(x);
    }
    Some(if r == 0.0 { 0.0 } else { r })
}
