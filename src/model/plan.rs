//! The model's output: what the report, the TUI and calibration read. Serialises to the
//! JSON keys fixed by SPEC §6 (report-only fields are skipped there by the JSON renderer).

use serde::Serialize;
use std::collections::BTreeMap;

/// The four platforms, with their fixed identifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    Lambda,
    StepFunctions,
    Ecs,
    Ec2,
}

impl Platform {
    /// How many platforms there are. The pattern lists every variant, so a new platform does
    /// not compile until it is counted here, and then `ALL` must list it too.
    pub const COUNT: usize = match Platform::Lambda {
        Platform::Lambda | Platform::StepFunctions | Platform::Ecs | Platform::Ec2 => 4,
    };

    /// In this order everywhere (declaration order, so `p as usize` is `p`'s index): also the
    /// "less to operate" order used on near-ties.
    pub const ALL: [Platform; Platform::COUNT] = [
        Platform::Lambda,
        Platform::StepFunctions,
        Platform::Ecs,
        Platform::Ec2,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Platform::Lambda => "lambda",
            Platform::StepFunctions => "step_functions",
            Platform::Ecs => "ecs",
            Platform::Ec2 => "ec2",
        }
    }

    /// A human label for tables and prose.
    pub fn label(self) -> &'static str {
        match self {
            Platform::Lambda => "Lambda",
            Platform::StepFunctions => "Step Functions",
            Platform::Ecs => "ECS Fargate",
            Platform::Ec2 => "EC2",
        }
    }

    /// A label of at most 7 characters, for narrow table columns.
    pub fn short(self) -> &'static str {
        match self {
            Platform::Lambda => "lambda",
            Platform::StepFunctions => "step_fn",
            Platform::Ecs => "ecs",
            Platform::Ec2 => "ec2",
        }
    }

    /// Operational burden rank: lower is less to operate.
    pub fn ops_rank(self) -> u8 {
        match self {
            Platform::Lambda | Platform::StepFunctions => 0,
            Platform::Ecs => 1,
            Platform::Ec2 => 2,
        }
    }

    /// Serverless (Lambda, Step Functions) rather than servers (ECS, EC2): the two camps of
    /// the article's question, which the break-even compares.
    pub fn serverless(self) -> bool {
        match self {
            Platform::Lambda | Platform::StepFunctions => true,
            Platform::Ecs | Platform::Ec2 => false,
        }
    }

    /// The camp in words, for prose.
    pub fn camp(self) -> &'static str {
        if self.serverless() {
            "serverless"
        } else {
            "server"
        }
    }

    pub fn from_id(id: &str) -> Option<Platform> {
        Platform::ALL.into_iter().find(|p| p.id() == id)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub profile: String,
    pub region: String,
    pub pricing: Provenance,
    pub free_tier: bool,
    pub workloads: Vec<WorkloadPlan>,
    /// Modelling assumptions worth stating in the report, in plain words.
    pub assumptions: Vec<String>,
    /// What the totals leave out (databases, CDN, support plan, ...), in plain words.
    pub not_included: Vec<String>,
}

/// A figure the book lacks, and the options it leaves unpriced.
#[derive(Debug, Clone, PartialEq)]
pub struct MissingFigure {
    pub missing: crate::pricing::Missing,
    /// (workload name, platform) of each option it leaves unpriced.
    pub options: Vec<(String, Platform)>,
}

impl MissingFigure {
    /// "ECS Fargate (checkout-api), EC2 (checkout-api, thumbnails)": the platforms, each
    /// with its workloads.
    pub fn options_text(&self) -> String {
        let mut by_platform: Vec<(Platform, Vec<&str>)> = Vec::new();
        for (w, p) in &self.options {
            match by_platform.iter_mut().find(|(q, _)| q == p) {
                Some((_, ws)) => ws.push(w),
                None => by_platform.push((*p, vec![w])),
            }
        }
        by_platform
            .iter()
            .map(|(p, ws)| format!("{} ({})", p.label(), ws.join(", ")))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Plan {
    /// Every figure the book lacks for this plan, in order of first need, each with the
    /// options it leaves unpriced (empty when every option could be priced).
    pub fn missing_figures(&self) -> Vec<MissingFigure> {
        let mut out: Vec<MissingFigure> = Vec::new();
        for w in &self.workloads {
            for o in &w.options {
                let Some(m) = o.missing() else { continue };
                let at = (w.name.clone(), o.platform);
                match out.iter_mut().find(|f| f.missing == *m) {
                    Some(f) => f.options.push(at),
                    None => out.push(MissingFigure {
                        missing: m.clone(),
                        options: vec![at],
                    }),
                }
            }
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Provenance {
    /// Where the book came from, e.g. "built-in price book" or a file path.
    pub source: String,
    /// The date the book was made (YYYY-MM-DD).
    pub as_of: String,
    /// Distinct sources cited by the prices actually used, for the report's provenance section.
    pub cited: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkloadPlan {
    pub name: String,
    pub kind: crate::profile::WorkloadKind,
    /// Always the four platforms, in `Platform::ALL` order.
    pub options: Vec<OptionPlan>,
    pub recommendation: Recommendation,
    /// Monthly cost against average request rate, per platform (the report's chart).
    pub cost_curve: CostCurve,
    /// Average request rate of the workload as given (requests/s; items/s for fan-out jobs).
    pub average_rps: f64,
    /// Calibration note, when the workload was calibrated.
    pub notes: Vec<String>,
    /// The traffic the options were planned for, per step of the day (for the TUI's chart;
    /// not in the reports). All zero for fan-out jobs.
    pub traffic: super::traffic::Curve,
    /// A fan-out job's deadline and the margin its options keep (`None` without one).
    pub deadline: Option<Deadline>,
    /// What would change the recommendation: per input, the nearest value below and above
    /// today's at which it flips (computed with the cost curve; empty until then).
    pub sensitivity: Vec<super::sensitivity::Sensitivity>,
}

/// A fan-out job's deadline as the options were held to it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Deadline {
    /// The deadline the profile states, seconds.
    pub deadline_s: f64,
    /// Share of it kept as headroom (`job.deadline_margin`, 10% by default).
    pub margin: f64,
    /// What a run may take: `deadline_s × (1 − margin)`.
    pub usable_s: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    /// `None` when no option is feasible.
    pub platform: Option<Platform>,
    pub reason: String,
    /// The recommended option against the cheapest feasible option of the other camp
    /// (SPEC §5): which one that is and where, if anywhere, their costs cross. `None` when
    /// nothing is feasible or the curve was not computed yet.
    pub versus: Option<Versus>,
    /// Two fleets (ECS and EC2) that cost within the near-tie share of each other at the
    /// stated rate: the range of rates over which they stay so, reported as a band rather
    /// than as a crossing (they swap places on noise).
    pub band: Option<Band>,
}

impl Recommendation {
    /// The break-even of SPEC §6 (`recommendation.break_even`), when the costs cross.
    pub fn break_even(&self) -> Option<&BreakEven> {
        self.versus.as_ref()?.break_even.as_ref()
    }
}

/// The recommended option against the cheapest feasible option of the other camp.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Versus {
    /// The recommended option.
    pub recommended: Platform,
    /// The cheapest option of the other camp that is feasible at the stated rate; `None`
    /// when no option of that camp is.
    pub other: Option<Platform>,
    /// Where their costs cross, within [`Versus::searched`].
    pub break_even: Option<BreakEven>,
    /// Which of the two is cheaper at the stated rate (when there is no crossing, at every
    /// rate searched).
    pub cheaper_now: Option<Platform>,
    /// The range of scale factors of the stated rate searched for a crossing.
    pub searched: (f64, f64),
}

/// Where two options' monthly costs cross (SPEC §6 `break_even`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BreakEven {
    pub cheaper_below: Platform,
    pub cheaper_above: Platform,
    /// The average rate at the crossing (the unit of the workload's `average_rps`).
    pub average_rps: f64,
    /// Whether each side's cheaper option is feasible just past the crossing (1% below it,
    /// 1% above it): the option that is cheaper beyond a break-even may miss a limit or the
    /// SLO there (a queue's fleet that cannot scale out before its backlog ages, say), and
    /// then the crossing does not flip the answer.
    pub below_feasible: bool,
    pub above_feasible: bool,
}

/// Two options that cost within the near-tie share of each other over a range of rates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Band {
    pub platforms: [Platform; 2],
    /// The lowest average rate of the band; `None` when it reaches below the range searched.
    pub from_rps: Option<f64>,
    /// The highest; `None` when it reaches beyond the range searched.
    pub to_rps: Option<f64>,
    /// The range of average rates searched (the chart's).
    pub searched_rps: (f64, f64),
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CostCurve {
    /// Average request rates (x axis), ascending.
    pub rates: Vec<f64>,
    /// Per platform, monthly cost at each rate; `None` where the option is not feasible.
    pub series: Vec<(Platform, Vec<Option<f64>>)>,
}

/// What became of an option (SPEC §6 `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Evaluated, priced and feasible.
    Ok,
    /// Evaluated and ruled out (a limit, the SLO, a deadline), or not applicable to the kind.
    Infeasible,
    /// A price (or quota) it needs is missing from the book: never recommended, never called
    /// infeasible.
    Unpriced,
    /// `enabled: false` in the profile.
    Disabled,
}

impl Status {
    /// The identifier of SPEC §6.
    pub fn id(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Infeasible => "infeasible",
            Status::Unpriced => "unpriced",
            Status::Disabled => "disabled",
        }
    }

    /// A short phrase for tables and headings.
    pub fn label(self) -> &'static str {
        match self {
            Status::Ok => "feasible",
            Status::Infeasible => "not feasible",
            Status::Unpriced => "unpriced",
            Status::Disabled => "disabled",
        }
    }
}

/// How far the model got with an option: what [`OptionPlan::status`] and the reports' `null`
/// figures follow from.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Evaluated: its cost, latency and capacity are figures ([`OptionPlan::new`]).
    Evaluated,
    /// Not evaluated: the platform does not fit the workload's kind, no shape fits, or a
    /// figure came out non-finite ([`OptionPlan::infeasible`]); infeasible, without figures.
    NotEvaluated,
    /// The book lacks a figure the option needs.
    Unpriced(crate::pricing::Missing),
    /// Left out by the profile (`enabled: false`).
    Disabled,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptionPlan {
    pub platform: Platform,
    /// How far the model got (see [`OptionPlan::status`]). Not in the JSON as such.
    #[serde(skip)]
    pub outcome: Outcome,
    /// True only when the option was evaluated and meets every limit ([`Status::Ok`]).
    pub feasible: bool,
    pub monthly_cost_usd: f64,
    pub cost_breakdown: Vec<LineItem>,
    /// The chosen configuration (memory, task size, instance type, ...).
    pub config: BTreeMap<String, serde_json::Value>,
    /// Requests per second the option sustains at its peak capacity.
    pub throughput_rps: f64,
    pub capacity: Capacity,
    pub latency_ms: Latency,
    /// Every limit that bites, and why an option is infeasible, in plain words.
    pub risks: Vec<String>,
    /// How many of `risks` rule the option out (0 when feasible): how far an infeasible
    /// configuration is from working, for the searches' "closest" choice. Not in the JSON.
    pub limits_failed: usize,
    /// What the option needs beyond AWS's default adjustable quotas, one phrase a quota (each
    /// also among `risks`): it depends on a quota request, and the recommendation says so.
    /// Not in the JSON.
    pub quota_requests: Vec<String>,
    /// Share of requests throttled or shed (0..=1).
    pub throttled_share: f64,
    /// Fan-out jobs: time for one run's items, in seconds.
    pub makespan_s: Option<f64>,
    /// Fleets: requests/s the running capacity carries (at 100% utilisation) at each step of
    /// the traffic curve, lagging the curve as autoscaling does. Empty where the platform
    /// scales per request (Lambda, Step Functions) or for fan-out jobs.
    pub capacity_rps: Vec<f64>,
    /// A setting the profile pins, when another one would be feasible and cost less (the
    /// recommendation names it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alternative: Option<Alternative>,
    /// How the option's capacity is bought, when not on demand: the bill above is at that
    /// purchase, and this says what the same configuration costs on demand.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purchase: Option<Bought>,
}

/// An option bought other than on demand (Spot, Reserved Instances, Savings Plans).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bought {
    pub purchase: crate::profile::Purchase,
    /// The same configuration's monthly bill on demand.
    pub on_demand_monthly_cost_usd: f64,
    /// A commitment covers only the units running all month (the curve's minimum): how many
    /// that is, and their share of the unit-hours (0 for Spot, which has no commitment).
    pub committed_units: f64,
    pub committed_share: f64,
}

/// A feasible setting that would cost less than the one the profile pins.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alternative {
    /// The pinned setting, as the profile spells it (`type: express`).
    pub pinned: String,
    /// The setting that would cost less (`type: standard`).
    pub setting: String,
    pub monthly_cost_usd: f64,
}

impl OptionPlan {
    /// A queue option whose consumers cannot keep up: the backlog, and with it every message
    /// age, grows day after day (config `backlog_grows`), so its latency figures are no
    /// bound and read as "unbounded".
    pub fn backlog_grows(&self) -> bool {
        self.config
            .get(super::sqs::BACKLOG_GROWS)
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false)
    }

    /// `attempt`'s answer for `platform` (an [`OptionPlan`], or anything made from one), or an
    /// infeasible option saying why there is none: disabled in the profile, or a price or quota
    /// missing from the book. Every platform's `evaluate` (and the fleets' `price`) starts here.
    pub fn answer<T: From<OptionPlan>>(
        platform: Platform,
        enabled: bool,
        attempt: impl FnOnce() -> Result<T, crate::pricing::Missing>,
    ) -> T {
        if !enabled {
            return OptionPlan::disabled(platform).into();
        }
        attempt().unwrap_or_else(|missing| OptionPlan::unpriced(platform, missing).into())
    }

    /// An option the profile leaves out (`enabled: false`).
    pub fn disabled(platform: Platform) -> OptionPlan {
        OptionPlan {
            outcome: Outcome::Disabled,
            ..OptionPlan::infeasible(platform, "Disabled in the profile.")
        }
    }

    /// An option the book cannot price: `missing` is the first figure it lacks.
    pub fn unpriced(platform: Platform, missing: crate::pricing::Missing) -> OptionPlan {
        let why = format!(
            "Cannot price {}: {missing}. It is left out of the comparison, not ruled out.",
            platform.label()
        );
        OptionPlan {
            outcome: Outcome::Unpriced(missing),
            ..OptionPlan::infeasible(platform, why)
        }
    }

    /// What became of the option (SPEC §6 `status`).
    pub fn status(&self) -> Status {
        match self.outcome {
            Outcome::Unpriced(_) => Status::Unpriced,
            Outcome::Disabled => Status::Disabled,
            Outcome::Evaluated | Outcome::NotEvaluated if self.feasible => Status::Ok,
            Outcome::Evaluated | Outcome::NotEvaluated => Status::Infeasible,
        }
    }

    /// Whether the option has figures to show (cost, latency, capacity): only when it was
    /// evaluated. The reports show `null` / a dash otherwise.
    pub fn evaluated(&self) -> bool {
        match self.outcome {
            Outcome::Evaluated => true,
            Outcome::NotEvaluated | Outcome::Unpriced(_) | Outcome::Disabled => false,
        }
    }

    /// The figure the book lacks, when the option is unpriced.
    pub fn missing(&self) -> Option<&crate::pricing::Missing> {
        match &self.outcome {
            Outcome::Unpriced(m) => Some(m),
            Outcome::Evaluated | Outcome::NotEvaluated | Outcome::Disabled => None,
        }
    }

    /// An option that cannot be evaluated (wrong kind, no shape fits): infeasible, with no
    /// figures.
    pub fn infeasible(platform: Platform, why: impl Into<String>) -> OptionPlan {
        OptionPlan {
            platform,
            outcome: Outcome::NotEvaluated,
            feasible: false,
            monthly_cost_usd: 0.0,
            cost_breakdown: Vec::new(),
            config: BTreeMap::new(),
            throughput_rps: 0.0,
            capacity: Capacity {
                peak: 0.0,
                unit: String::new(),
            },
            latency_ms: Latency { p50: 0.0, p99: 0.0 },
            risks: vec![why.into()],
            limits_failed: 1,
            quota_requests: Vec::new(),
            throttled_share: 0.0,
            makespan_s: None,
            capacity_rps: Vec::new(),
            alternative: None,
            purchase: None,
        }
    }

    /// An evaluated option: billed `lines` (its total is theirs), feasible and with the risks
    /// `verdict` found, and its `figures`.
    pub fn new(
        platform: Platform,
        lines: Vec<LineItem>,
        verdict: crate::model::Assessment,
        figures: Figures,
    ) -> OptionPlan {
        let quota_requests = verdict.quota_requests().map(String::from).collect();
        let limits_failed = verdict.failures();
        let (feasible, risks) = verdict.into_parts();
        OptionPlan {
            platform,
            outcome: Outcome::Evaluated,
            feasible,
            monthly_cost_usd: super::billing::total(&lines),
            cost_breakdown: lines,
            config: figures.config,
            throughput_rps: figures.throughput_rps,
            capacity: figures.capacity,
            latency_ms: figures.latency_ms,
            risks,
            limits_failed,
            quota_requests,
            throttled_share: figures.throttled_share,
            makespan_s: figures.makespan_s,
            capacity_rps: figures.capacity_rps,
            alternative: None,
            purchase: None,
        }
    }
}

impl OptionPlan {
    /// This evaluated option with more `lines` on its bill (its total stays theirs) and
    /// `verdict`'s findings after its own (a stream's consumer fleet adds the stream). An
    /// option not evaluated is returned as it is.
    pub fn with_more(
        mut self,
        lines: Vec<LineItem>,
        verdict: crate::model::Assessment,
    ) -> OptionPlan {
        if !self.evaluated() {
            return self;
        }
        self.cost_breakdown.extend(lines);
        self.monthly_cost_usd = super::billing::total(&self.cost_breakdown);
        self.quota_requests
            .extend(verdict.quota_requests().map(String::from));
        self.limits_failed += verdict.failures();
        let (feasible, risks) = verdict.into_parts();
        self.feasible = self.feasible && feasible;
        self.risks.extend(risks);
        self
    }
}

impl OptionPlan {
    /// The name of the first figure of this option that is not a finite number, if any: its
    /// total, a line of its bill, its throughput, capacity, latency, throttled share, makespan
    /// or capacity over the day. The model should never produce one; if it does, the option
    /// must not be shown with it ([`OptionPlan::checked`]).
    pub fn non_finite_figure(&self) -> Option<String> {
        let scalars = [
            ("monthly_cost_usd", self.monthly_cost_usd),
            ("throughput_rps", self.throughput_rps),
            ("capacity.peak", self.capacity.peak),
            ("latency_ms.p50", self.latency_ms.p50),
            ("latency_ms.p99", self.latency_ms.p99),
            ("throttled_share", self.throttled_share),
            ("makespan_s", self.makespan_s.unwrap_or(0.0)),
            (
                "purchase.on_demand_monthly_cost_usd",
                self.purchase
                    .as_ref()
                    .map_or(0.0, |b| b.on_demand_monthly_cost_usd),
            ),
            (
                "alternative.monthly_cost_usd",
                self.alternative
                    .as_ref()
                    .map_or(0.0, |a| a.monthly_cost_usd),
            ),
        ];
        if let Some((name, _)) = scalars.iter().find(|(_, v)| !v.is_finite()) {
            return Some((*name).to_string());
        }
        if let Some(l) = self.cost_breakdown.iter().find(|l| {
            ![l.quantity, l.unit_price_usd, l.cost_usd]
                .iter()
                .all(|v| v.is_finite())
        }) {
            return Some(format!("cost_breakdown `{}`", l.item));
        }
        if self.capacity_rps.iter().any(|v| !v.is_finite()) {
            return Some("capacity over the day".to_string());
        }
        let config_number = |v: &serde_json::Value| v.as_f64().is_some_and(|x| !x.is_finite());
        self.config
            .iter()
            .find(|(_, v)| config_number(v))
            .map(|(k, _)| format!("config `{k}`"))
    }

    /// This option, or (when one of its figures is not finite: an overflow the input limits
    /// should have prevented) an infeasible option without figures saying which, so that no
    /// report ever shows `inf` or `NaN`, nor recommends what it cannot price. (Not
    /// [`Status::Unpriced`]: no price is missing, the workload is beyond the model.)
    pub fn checked(self) -> OptionPlan {
        match self.non_finite_figure() {
            None => self,
            Some(figure) => OptionPlan::infeasible(
                self.platform,
                format!(
                    "Cannot price {}: its {figure} is not a finite number (the workload is beyond what planner models).",
                    self.platform.label()
                ),
            ),
        }
    }
}

/// What an evaluation measured of an option, besides its bill and verdict (the fields of
/// [`OptionPlan`] of the same names).
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub config: BTreeMap<String, serde_json::Value>,
    pub throughput_rps: f64,
    pub capacity: Capacity,
    pub latency_ms: Latency,
    pub throttled_share: f64,
    pub makespan_s: Option<f64>,
    pub capacity_rps: Vec<f64>,
}

/// An option as the cost curve and the break-even search see it: what [`OptionPlan`] says of
/// its cost and feasibility, and nothing else (no latency figures, risks or configuration),
/// so a platform can skip the work only those need.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Priced {
    pub monthly_cost_usd: f64,
    /// False when the option could not be priced at all (its breakdown is empty).
    pub priced: bool,
    pub feasible: bool,
    /// Lambda's memory size, MB: where the break-even search starts its probes' memory
    /// searches (`lambda::MemoryHint`). `None` for the other platforms.
    pub lambda_memory_mb: Option<u32>,
}

impl Priced {
    /// An option billed `lines` (none: it could not be priced).
    pub fn billed(lines: &[LineItem], feasible: bool) -> Priced {
        Priced::of(super::billing::total(lines), !lines.is_empty(), feasible)
    }

    /// A cost that is not a finite number is no price at all: such an option is unpriced and
    /// infeasible (see [`OptionPlan::checked`]).
    fn of(monthly_cost_usd: f64, priced: bool, feasible: bool) -> Priced {
        let finite = monthly_cost_usd.is_finite();
        Priced {
            monthly_cost_usd: if finite { monthly_cost_usd } else { 0.0 },
            priced: priced && finite,
            feasible: feasible && finite,
            lambda_memory_mb: None,
        }
    }

    /// The cost, when the option could be priced.
    pub fn cost(&self) -> Option<f64> {
        self.priced.then_some(self.monthly_cost_usd)
    }

    /// The cost, when the option is feasible.
    pub fn feasible_cost(&self) -> Option<f64> {
        self.feasible.then_some(self.monthly_cost_usd)
    }
}

impl From<&OptionPlan> for Priced {
    fn from(o: &OptionPlan) -> Priced {
        Priced {
            lambda_memory_mb: (o.platform == Platform::Lambda)
                .then(|| super::lambda::memory_of(o))
                .flatten(),
            ..Priced::of(o.monthly_cost_usd, !o.cost_breakdown.is_empty(), o.feasible)
        }
    }
}

impl From<OptionPlan> for Priced {
    fn from(o: OptionPlan) -> Priced {
        Priced::from(&o)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineItem {
    /// Fixed names per platform (SPEC §6), e.g. `requests`, `duration`, `vcpu`, `free_tier`.
    pub item: String,
    pub quantity: f64,
    pub unit: String,
    /// For tiered prices: the average price paid per unit.
    pub unit_price_usd: f64,
    pub cost_usd: f64,
    /// The price book entry's source (page or SKU).
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Capacity {
    /// The most tasks, instances or concurrent executions the option runs.
    pub peak: f64,
    /// e.g. "concurrent executions", "tasks", "instances".
    pub unit: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Latency {
    pub p50: f64,
    pub p99: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn priced_option(cost: f64) -> OptionPlan {
        let line = LineItem {
            item: "requests".to_string(),
            quantity: 1.0,
            unit: "requests".to_string(),
            unit_price_usd: cost,
            cost_usd: cost,
            source: "test".to_string(),
        };
        let mut o = OptionPlan::infeasible(Platform::Lambda, "x");
        o.outcome = Outcome::Evaluated;
        o.feasible = true;
        o.risks.clear();
        o.limits_failed = 0;
        o.monthly_cost_usd = cost;
        o.cost_breakdown = vec![line];
        o
    }

    #[test]
    fn a_non_finite_figure_makes_the_option_unpriced_and_infeasible() {
        let fine = priced_option(12.5);
        assert_eq!(fine.clone().checked(), fine);
        for bad in [f64::INFINITY, f64::NAN, f64::NEG_INFINITY] {
            let o = priced_option(bad).checked();
            assert!(!o.feasible);
            // Beyond the model, not a missing price: infeasible, without figures.
            assert_eq!(o.status(), Status::Infeasible);
            assert!(!o.evaluated() && o.missing().is_none());
            assert!(o.cost_breakdown.is_empty());
            assert!(o.monthly_cost_usd.is_finite());
            assert!(o.risks[0].contains("monthly_cost_usd"), "{:?}", o.risks);
            let p = Priced::from(&priced_option(bad));
            assert_eq!((p.cost(), p.feasible_cost()), (None, None));
        }
        let mut o = priced_option(1.0);
        o.latency_ms.p99 = f64::INFINITY;
        let o = o.checked();
        assert!(
            !o.feasible && o.risks[0].contains("latency_ms.p99"),
            "{:?}",
            o.risks
        );
        let mut o = priced_option(1.0);
        o.capacity_rps = vec![1.0, f64::NAN];
        assert!(!o.checked().feasible);
        let mut o = priced_option(1.0);
        o.config
            .insert("memory_mb".to_string(), serde_json::json!(f64::INFINITY));
        // serde_json stores a non-finite float as null: nothing non-finite can hide there.
        assert!(o.checked().feasible);
    }

    #[test]
    fn all_lists_every_platform_once_in_declaration_order() {
        for (i, p) in Platform::ALL.iter().enumerate() {
            assert_eq!(*p as usize, i, "{p:?}");
            assert_eq!(Platform::from_id(p.id()), Some(*p));
            assert!(p.short().len() <= 7, "{p:?}");
        }
    }
}
