//! The pure model: profile + price book in, plan out. No I/O, no async, no terminal.
//!
//! Each platform module exposes `evaluate(&Demand, &Config, &PriceBook) -> OptionPlan` (and
//! the cost-only `price`). A workload's kind is a [`Demand`]'s `work`, matched exhaustively
//! by every platform; an option's findings are an [`Assessment`], its total the sum of its
//! lines ([`OptionPlan::new`]). Billing rules live in exactly one place each: Lambda's in
//! `lambda.rs` (Step Functions task states call it), Fargate's in `fleet/ecs.rs`, EC2's in
//! `fleet/ec2.rs`, front doors in `ingress.rs`, CloudWatch Logs in `logs.rs`. ECS and EC2 share one search
//! (`fleet/search.rs`): each says what its shapes are, what one costs and what it risks.

pub mod assess;
pub mod billing;
pub mod cloudwatch;
pub mod cores;
pub mod demand;
pub mod fleet;
pub mod ingress;
pub mod kinesis;
pub mod lambda;
pub mod latency;
pub mod logs;
pub mod network;
pub mod plan;
pub mod recommend;
pub mod sensitivity;
pub mod sqs;
pub mod step_functions;
pub mod traffic;
pub mod words;

pub use assess::Assessment;
pub use demand::Demand;
pub use fleet::{ec2, ecs};
pub use plan::*;

use crate::pricing::PriceBook;
use crate::profile::{AutoOr, Platforms, Profile, WorkloadKind};
use billing::FreeTier;

/// Scale factors of the stated rate at which the cost-vs-rate chart is drawn.
pub const CHART_SCALES: [f64; 7] = [0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0];

/// Plan every workload of a profile against a price book. `pricing_source` says where the
/// book came from (for the report's provenance).
pub fn plan(profile: &Profile, book: &PriceBook, pricing_source: &str) -> Plan {
    plan_to(profile, book, pricing_source, true)
}

/// [`plan`] without the cost curves and break-even rates: every option, figure, risk and
/// recommendation, at about a tenth of the work. [`complete_plan`] adds the rest.
pub fn plan_figures(profile: &Profile, book: &PriceBook, pricing_source: &str) -> Plan {
    plan_to(profile, book, pricing_source, false)
}

fn plan_to(profile: &Profile, book: &PriceBook, pricing_source: &str, full: bool) -> Plan {
    // The account's own quotas, where the profile states them, in place of AWS's defaults.
    let book = &*book.with_account_quotas(&profile.quotas);
    // The figures in file order (the free tier passes from workload to workload through the
    // recommended options), then the curves, which are independent: in parallel.
    let mut free = free_tier(profile, book);
    let mut workloads = Vec::with_capacity(profile.workloads.len());
    let mut demands = Vec::with_capacity(profile.workloads.len());
    for w in &profile.workloads {
        let demand = Demand::in_profile(w, free, profile);
        let wp = workload_figures(&demand, &profile.platforms, book);
        free = after_choice(free, &wp);
        workloads.push(wp);
        demands.push(demand);
    }
    if full {
        let mut jobs: Vec<_> = workloads.iter_mut().zip(&demands).collect();
        complete_all(&mut jobs, &profile.platforms, book);
    }
    Plan {
        profile: profile.name.clone(),
        region: profile.region.clone(),
        pricing: Provenance {
            source: pricing_source.to_string(),
            as_of: book.made.clone(),
            cited: cited(&workloads),
        },
        free_tier: profile.free_tier,
        workloads,
        assumptions: assumptions(profile),
        not_included: not_included(),
    }
}

/// Add the cost curves and break-even rates to a plan of `profile` made by [`plan_figures`]
/// (or refresh them): every workload, or those whose index `only` holds.
pub fn complete_plan(
    plan: &mut Plan,
    profile: &Profile,
    book: &PriceBook,
    only: Option<&std::collections::BTreeSet<usize>>,
) {
    // The free tier passes through every workload, but only the ones completed need their
    // demand (a diurnal curve is worth not building twenty times for one edit).
    let wanted = |i: &usize| only.is_none_or(|set| set.contains(i));
    let book = &*book.with_account_quotas(&profile.quotas);
    let mut free = free_tier(profile, book);
    let mut demands = Vec::new();
    for (i, (w, wp)) in profile.workloads.iter().zip(&plan.workloads).enumerate() {
        if wanted(&i) {
            demands.push(Demand::in_profile(w, free, profile));
        }
        free = after_choice(free, wp);
    }
    let mut jobs: Vec<_> = plan
        .workloads
        .iter_mut()
        .enumerate()
        .filter(|(i, _)| wanted(i))
        .map(|(_, wp)| wp)
        .zip(&demands)
        .collect();
    complete_all(&mut jobs, &profile.platforms, book);
}

/// [`complete_workload`] for each pair, spread over the machine's cores (a workload's result
/// does not depend on which thread plans it, or when).
fn complete_all(
    jobs: &mut [(&mut WorkloadPlan, &Demand)],
    platforms: &Platforms,
    book: &PriceBook,
) {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(jobs.len());
    if threads <= 1 {
        for (wp, d) in jobs.iter_mut() {
            complete_workload(wp, d, platforms, book);
        }
        return;
    }
    // Workloads differ a lot in cost: each thread takes the next one as it frees up.
    let queue = std::sync::Mutex::new(jobs.iter_mut());
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    loop {
                        let next = match queue.lock() {
                            Ok(mut q) => q.next(),
                            Err(_) => None, // another thread panicked: stop; it re-raises
                        };
                        let Some((wp, d)) = next else { break };
                        complete_workload(wp, d, platforms, book);
                    }
                })
            })
            .collect();
        for handle in handles {
            // A panic in the model is a bug; re-raise it on this thread.
            if let Err(e) = handle.join() {
                std::panic::resume_unwind(e);
            }
        }
    });
}

/// The free tier a profile starts with.
fn free_tier(profile: &Profile, book: &PriceBook) -> FreeTier {
    if profile.free_tier {
        FreeTier::from_book(book)
    } else {
        FreeTier::none()
    }
}

/// What is left of the free tier once `wp`'s recommended option has used its share: the free
/// tier is credited once per profile, through each workload's recommended option.
fn after_choice(free: FreeTier, wp: &WorkloadPlan) -> FreeTier {
    match wp
        .recommendation
        .platform
        .and_then(|p| wp.options.iter().find(|o| o.platform == p))
    {
        Some(chosen) => free.after(&chosen.cost_breakdown),
        None => free,
    }
}

/// Distinct sources cited by the prices the options use, sorted.
pub fn cited(workloads: &[WorkloadPlan]) -> Vec<String> {
    let mut cited: Vec<String> = workloads
        .iter()
        .flat_map(|w| w.options.iter())
        .flat_map(|o| o.cost_breakdown.iter())
        .map(|l| l.source.clone())
        .collect();
    cited.sort();
    cited.dedup();
    cited
}

/// Evaluate one platform for a demand.
pub fn evaluate(
    platform: Platform,
    d: &Demand,
    platforms: &Platforms,
    book: &PriceBook,
) -> OptionPlan {
    let option = match platform {
        Platform::Lambda => lambda::evaluate(d, &platforms.lambda, book),
        Platform::StepFunctions => {
            step_functions::evaluate(d, &platforms.step_functions, &platforms.lambda, book)
        }
        Platform::Ecs => ecs::evaluate(d, &platforms.ecs, book),
        Platform::Ec2 => ec2::evaluate(d, &platforms.ec2, book),
    };
    // Every figure finite before anything shows or compares it.
    option.checked()
}

/// What [`evaluate`] says of one platform's cost and feasibility, for the cost curve and the
/// break-even search: the fleets skip the chosen size's latency mix where the SLO is decided
/// without it (equal to `Priced::from(&evaluate(..))`, which `tests/properties.rs` checks).
pub fn price(platform: Platform, d: &Demand, platforms: &Platforms, book: &PriceBook) -> Priced {
    match platform {
        Platform::Ecs => ecs::price(d, &platforms.ecs, book),
        Platform::Ec2 => ec2::price(d, &platforms.ec2, book),
        Platform::Lambda | Platform::StepFunctions => {
            Priced::from(&evaluate(platform, d, platforms, book))
        }
    }
}

/// Every platform at each of `scales`. The scales are independent, so they are evaluated on
/// the machine's cores ([`cores::map`], the highest rates, the dearest to plan, first);
/// the output is the same whatever the thread count.
fn evaluate_scales(
    d: &Demand,
    platforms: &Platforms,
    book: &PriceBook,
    scales: &[f64],
) -> Vec<Vec<Priced>> {
    let mut dearest_first: Vec<(usize, f64)> = scales.iter().copied().enumerate().collect();
    dearest_first.sort_by(|a, b| b.1.total_cmp(&a.1));
    let planned = cores::map(&dearest_first, |&(_, s)| {
        let scaled = d.scaled(s);
        Platform::ALL
            .iter()
            .map(|&p| price(p, &scaled, platforms, book))
            .collect::<Vec<Priced>>()
    });
    let mut out: Vec<Vec<Priced>> = vec![Vec::new(); scales.len()];
    for ((i, _), row) in dearest_first.into_iter().zip(planned) {
        if let Some(slot) = out.get_mut(i) {
            *slot = row;
        }
    }
    out
}

/// Scales beyond the chart where the break-even search also looks (1/128 to 128 times).
const FAR_SCALES: [f64; 4] = [1.0 / 128.0, 1.0 / 24.0, 24.0, 128.0];

/// All four options, the recommendation, the break-even rate and the cost curve.
pub fn plan_workload(d: &Demand, platforms: &Platforms, book: &PriceBook) -> WorkloadPlan {
    let mut wp = workload_figures(d, platforms, book);
    complete_workload(&mut wp, d, platforms, book);
    wp
}

/// The four options at the stated rate and the recommendation. The cost curve is empty and
/// there is no break-even rate yet: [`complete_workload`] adds them.
pub fn workload_figures(d: &Demand, platforms: &Platforms, book: &PriceBook) -> WorkloadPlan {
    let options: Vec<OptionPlan> = Platform::ALL
        .iter()
        .map(|&p| evaluate(p, d, platforms, book))
        .collect();
    let recommendation = recommend::choose(&options);
    WorkloadPlan {
        name: d.workload.name.clone(),
        kind: d.workload.kind(),
        options,
        recommendation,
        cost_curve: CostCurve::default(),
        average_rps: d.average_rps(),
        notes: d.calibration_notes(),
        traffic: d.curve.clone(),
        deadline: d.deadline(),
        sensitivity: Vec::new(),
    }
}

/// Add the cost curve (every platform at the chart's scales of the rate), the break-even
/// against the other camp, the near-tie band of the fleets and the sensitivity search to
/// `wp`, made by [`workload_figures`] for `d`.
pub fn complete_workload(
    wp: &mut WorkloadPlan,
    d: &Demand,
    platforms: &Platforms,
    book: &PriceBook,
) {
    let rows = curve_rows(wp, d, platforms, book);
    // The sensitivity search reads the cost curve, not the break-even or the band: it runs
    // beside them (the break-even search probes one rate at a time, so it alone would leave
    // a core idle). Each result lands in its own field: the same plan as one after the other.
    let (against, sensitivity) = std::thread::scope(|scope| {
        let wp = &*wp;
        let searched = scope.spawn(move || sensitivity::search(wp, d, platforms, book));
        let against = against_the_other_camp(wp, d, platforms, book, &rows);
        match searched.join() {
            Ok(s) => (against, s),
            // A panic in the model is a bug; re-raise it on this thread.
            Err(e) => std::panic::resume_unwind(e),
        }
    });
    (wp.recommendation.versus, wp.recommendation.band) = against;
    wp.sensitivity = sensitivity;
}

/// The sensitivity search ("what would change the answer") of `wp`, whose cost curve
/// [`complete_curves`] has made (its points are the rate's first probes).
pub fn complete_sensitivity(
    wp: &mut WorkloadPlan,
    d: &Demand,
    platforms: &Platforms,
    book: &PriceBook,
) {
    wp.sensitivity = sensitivity::search(wp, d, platforms, book);
}

/// [`complete_workload`] but the sensitivity search: the cost curve, the break-even and the
/// near-tie band (the TUI draws them before the slower search is done).
pub fn complete_curves(wp: &mut WorkloadPlan, d: &Demand, platforms: &Platforms, book: &PriceBook) {
    let rows = curve_rows(wp, d, platforms, book);
    (wp.recommendation.versus, wp.recommendation.band) =
        against_the_other_camp(wp, d, platforms, book, &rows);
}

/// Every option at each of the chart's scales (at scale 1, `wp`'s own), by scale; the cost
/// curve made of them is set in `wp`.
fn curve_rows(
    wp: &mut WorkloadPlan,
    d: &Demand,
    platforms: &Platforms,
    book: &PriceBook,
) -> Vec<Vec<Priced>> {
    let base_rate = d.average_rps();
    let others: Vec<f64> = CHART_SCALES.iter().copied().filter(|&s| s != 1.0).collect();
    let mut at_others = evaluate_scales(d, platforms, book, &others).into_iter();
    // The options at each chart scale; scale 1 is the plan's own.
    let rows: Vec<Vec<Priced>> = CHART_SCALES
        .iter()
        .map(|&s| {
            if s == 1.0 {
                wp.options.iter().map(Priced::from).collect()
            } else {
                at_others.next().unwrap_or_default()
            }
        })
        .collect();
    wp.cost_curve = CostCurve {
        rates: CHART_SCALES.iter().map(|s| s * base_rate).collect(),
        series: Platform::ALL
            .iter()
            .enumerate()
            .map(|(i, &p)| {
                let costs = rows
                    .iter()
                    .map(|row| row.get(i).and_then(Priced::feasible_cost))
                    .collect();
                (p, costs)
            })
            .collect(),
    };
    rows
}

/// The break-even against the other camp and, where the fleets matter, their near-tie band,
/// from the chart's `rows` (by scale, as [`curve_rows`] makes them).
fn against_the_other_camp(
    wp: &WorkloadPlan,
    d: &Demand,
    platforms: &Platforms,
    book: &PriceBook,
    rows: &[Vec<Priced>],
) -> (Option<Versus>, Option<Band>) {
    let chart: Vec<(f64, &[Priced])> = CHART_SCALES
        .iter()
        .copied()
        .zip(rows.iter().map(Vec::as_slice))
        .collect();
    let against = versus(wp, d, platforms, book, &chart);
    let band = if fleets_matter(wp.recommendation.platform, against.as_ref()) {
        fleet_band(wp, d, platforms, book, &chart)
    } else {
        None
    };
    (against, band)
}

/// Whether which of the two fleets is cheaper bears on the answer: a fleet is recommended,
/// or the other camp (a fleet) takes over at a break-even in the range searched. When a
/// serverless option wins at every rate, the fleets' near-tie is noise in the report.
fn fleets_matter(recommended: Option<Platform>, versus: Option<&Versus>) -> bool {
    let fleet_recommended = recommended.is_some_and(|p| !p.serverless());
    let fleets_take_over =
        versus.is_some_and(|v| v.break_even.is_some() && v.other.is_some_and(|p| !p.serverless()));
    fleet_recommended || fleets_take_over
}

/// The recommended option against the cheapest feasible option of the other camp (SPEC §5),
/// and where their costs cross: searched from the chart's points outward, then from 1/128
/// to 128 times the stated rate.
fn versus(
    wp: &WorkloadPlan,
    d: &Demand,
    platforms: &Platforms,
    book: &PriceBook,
    chart: &[(f64, &[Priced])],
) -> Option<Versus> {
    let a = wp.recommendation.platform?;
    let searched = (FAR_SCALES[0], FAR_SCALES[FAR_SCALES.len() - 1]);
    let cost = |p: Platform| wp.options.iter().find(|o| o.platform == p);
    let other = wp
        .options
        .iter()
        .filter(|o| o.feasible && o.platform.serverless() != a.serverless())
        .min_by(|x, y| {
            x.monthly_cost_usd
                .total_cmp(&y.monthly_cost_usd)
                .then(x.platform.cmp(&y.platform))
        })
        .map(|o| o.platform);
    let Some(b) = other else {
        return Some(Versus {
            recommended: a,
            other: None,
            break_even: None,
            cheaper_now: None,
            searched,
        });
    };
    let (cost_a, cost_b) = (
        cost(a).map_or(0.0, |o| o.monthly_cost_usd),
        cost(b).map_or(0.0, |o| o.monthly_cost_usd),
    );
    let cheaper_now = if cost_a <= cost_b { a } else { b };
    // The probes close in on one rate: Lambda's memory search at each starts from the sizes
    // found at the probes around it.
    let memories = std::cell::RefCell::new(MemoryTrail::of(chart));
    let price_at = |p: Platform, s: f64| -> Priced {
        memories
            .borrow_mut()
            .price(p, s, &d.scaled(s), platforms, book)
    };
    let diff_at = |s: f64| -> Option<f64> { Some(price_at(a, s).cost()? - price_at(b, s).cost()?) };
    let mut samples: Vec<(f64, f64)> = chart
        .iter()
        .filter_map(|&(s, row)| {
            Some((
                s,
                row.get(a as usize)?.cost()? - row.get(b as usize)?.cost()?,
            ))
        })
        .collect();
    // Beyond the chart, the nearer scales first, each only while a crossing nearer than the
    // nearest found could lie past it: a fleet at 128 times a busy service's rate is the
    // costliest plan of all.
    let found = recommend::nearest_crossing(&mut samples, &FAR_SCALES, diff_at);
    let base_rate = d.average_rps();
    let break_even = found.filter(|k| (k * base_rate).is_finite()).map(|k| {
        // The side below the crossing: the bracket's lower end, a sample the search kept.
        let a_below = samples
            .iter()
            .rev()
            .find(|(s, v)| *s < k && *v != 0.0)
            .map_or(cheaper_now == a, |(_, v)| *v < 0.0);
        let (cheaper_below, cheaper_above) = if a_below { (a, b) } else { (b, a) };
        let feasible_at = |p: Platform, s: f64| price_at(p, s).feasible;
        BreakEven {
            cheaper_below,
            cheaper_above,
            average_rps: k * base_rate,
            below_feasible: feasible_at(cheaper_below, k * 0.99),
            above_feasible: feasible_at(cheaper_above, k * 1.01),
        }
    });
    Some(Versus {
        recommended: a,
        other: Some(b),
        break_even,
        cheaper_now: Some(cheaper_now),
        searched,
    })
}

/// The `auto` memory sizes Lambda's search found at the rates (scales) a search has probed,
/// and the chart's: each new probe's memory search starts from its neighbours'
/// ([`lambda::MemoryHint`]).
#[derive(Debug)]
struct MemoryTrail {
    /// `(ln scale, memory MB)` of the feasible Lambda plans.
    found: Vec<(f64, u32)>,
}

impl MemoryTrail {
    /// The trail of the chart's feasible Lambda plans.
    fn of(chart: &[(f64, &[Priced])]) -> MemoryTrail {
        let found = chart
            .iter()
            .filter_map(|&(s, row)| {
                let p = row.get(Platform::Lambda as usize)?;
                Some((s.ln(), p.lambda_memory_mb.filter(|_| p.feasible)?))
            })
            .collect();
        MemoryTrail { found }
    }

    /// Where the size at scale `s` is expected: between the nearest sizes found below and
    /// above it, guessed on a straight line through them on log-log axes (the size rises
    /// about as a power of the rate), or on the line through the two nearest on one side.
    fn hint(&self, s: f64) -> Option<lambda::MemoryHint> {
        let x = s.ln();
        let nearest = |below: bool| {
            let mut side: Vec<(f64, u32)> = self
                .found
                .iter()
                .copied()
                .filter(|f| if below { f.0 <= x } else { f.0 >= x })
                .collect();
            side.sort_by(|a, b| (a.0 - x).abs().total_cmp(&(b.0 - x).abs()));
            side
        };
        let (below, above) = (nearest(true), nearest(false));
        let line = match (below.first(), above.first()) {
            (Some(&b), Some(&a)) => Some((b, a)),
            _ => below.get(..2).or(above.get(..2)).map(|p| (p[0], p[1])),
        };
        let near = below.first().or(above.first())?.1;
        let guess = line
            .filter(|(p, q)| p.0 != q.0)
            .map(|((x0, m0), (x1, m1))| {
                let (l0, l1) = (f64::from(m0).ln(), f64::from(m1).ln());
                (l0 + (l1 - l0) * (x - x0) / (x1 - x0)).exp().round()
            })
            .filter(|g| g.is_finite() && *g >= 1.0 && *g <= f64::from(u32::MAX))
            .map_or(near, |g| g as u32);
        Some(lambda::MemoryHint {
            guess,
            at_least: below.first().map(|f| f.1),
            at_most: above.first().map(|f| f.1),
        })
    }

    /// [`price`] of `p` for `d`, the demand at scale `s`; Lambda's `auto` memory searched
    /// from [`MemoryTrail::hint`], its size kept when the plan meets every limit.
    fn price(
        &mut self,
        p: Platform,
        s: f64,
        d: &Demand,
        platforms: &Platforms,
        book: &PriceBook,
    ) -> Priced {
        if p != Platform::Lambda || platforms.lambda.memory_mb != AutoOr::Auto {
            return price(p, d, platforms, book);
        }
        let plan = lambda::evaluate_near(d, &platforms.lambda, book, self.hint(s)).checked();
        let priced = Priced::from(&plan);
        if let Some(m) = priced.lambda_memory_mb.filter(|_| priced.feasible) {
            self.found.push((s.ln(), m));
        }
        priced
    }
}

/// How closely the near-tie band's ends are located (a share of the rate).
const BAND_TOLERANCE: f64 = 0.02;

/// The range of rates, around the stated one and within the chart's, over which ECS and EC2
/// both stay feasible and within [`recommend::NEAR_TIE`] of each other, when they are at the
/// stated rate: two fleets that swap places on noise, reported as a band (SPEC §5).
fn fleet_band(
    wp: &WorkloadPlan,
    d: &Demand,
    platforms: &Platforms,
    book: &PriceBook,
    chart: &[(f64, &[Priced])],
) -> Option<Band> {
    let pair = [Platform::Ecs, Platform::Ec2];
    // Below zero inside the band: how far the dearer one is above the near-tie limit.
    let gap = |x: Option<f64>, y: Option<f64>| match (x, y) {
        (Some(x), Some(y)) if x.min(y) > 0.0 => x.max(y) / x.min(y) - 1.0 - recommend::NEAR_TIE,
        (Some(x), Some(y)) if x == y => -recommend::NEAR_TIE,
        _ => 1.0,
    };
    let now = gap(
        wp.options
            .get(pair[0] as usize)
            .and_then(|o| Priced::from(o).feasible_cost()),
        wp.options
            .get(pair[1] as usize)
            .and_then(|o| Priced::from(o).feasible_cost()),
    );
    if now > 0.0 {
        return None;
    }
    let gap_at = |s: f64| -> Option<f64> {
        let scaled = d.scaled(s);
        Some(gap(
            price(pair[0], &scaled, platforms, book).feasible_cost(),
            price(pair[1], &scaled, platforms, book).feasible_cost(),
        ))
    };
    let samples: Vec<(f64, f64)> = chart
        .iter()
        .filter_map(|&(s, row)| {
            Some((
                s,
                gap(
                    row.get(pair[0] as usize)?.feasible_cost(),
                    row.get(pair[1] as usize)?.feasible_cost(),
                ),
            ))
        })
        .collect();
    let below: Vec<(f64, f64)> = samples.iter().copied().filter(|(s, _)| *s <= 1.0).collect();
    let above: Vec<(f64, f64)> = samples.iter().copied().filter(|(s, _)| *s >= 1.0).collect();
    let base_rate = d.average_rps();
    let edge = |side: &[(f64, f64)]| {
        recommend::crossing_within(side, BAND_TOLERANCE, gap_at)
            .map(|k| k * base_rate)
            .filter(|r| r.is_finite())
    };
    let (first, last) = (
        chart.first().map_or(1.0, |c| c.0),
        chart.last().map_or(1.0, |c| c.0),
    );
    Some(Band {
        platforms: pair,
        from_rps: edge(&below),
        to_rps: edge(&above),
        searched_rps: (first * base_rate, last * base_rate),
    })
}

/// What no option's total includes, in every report: costs that depend on what the code
/// does beyond serving the workload, or on the account, not on the platform chosen. Only
/// things no cost line models are listed here.
pub fn not_included() -> Vec<String> {
    [
        "Databases and caches the code calls (RDS, Aurora, DynamoDB tables, ElastiCache, OpenSearch).",
        "Storage beyond what a line prices: S3 storage and requests (a Distributed Map's item and result files included), EBS volumes and snapshots of EC2 instances, EFS, ECR image storage.",
        "Edge and DNS: CloudFront, Route 53 hosted zones and queries, AWS WAF, Shield Advanced.",
        "Monitoring beyond logs and the KCL's metrics: the application's own CloudWatch metrics, alarms and dashboards, X-Ray traces, Container Insights.",
        "Secrets and keys: Secrets Manager, Systems Manager parameters, KMS requests.",
        "Operating-system licences (EC2 prices are Linux, shared tenancy), the AWS Support plan, taxes, and credits or negotiated discounts on the account.",
        "The people's time to build and operate each option (weighed only on near-ties).",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn assumptions(profile: &Profile) -> Vec<String> {
    let mut a = vec![
        "A month is 730 hours (2,628,000 s), as AWS's pricing calculator uses; prices are USD, on-demand unless stated.".to_string(),
        "Traffic follows a representative day at one-minute steps (a trace replays its own steps), repeated every day of the month.".to_string(),
        format!(
            "Without an SLO, an option may throttle or shed at most {} of requests.",
            words::pct(demand::DEFAULT_MAX_THROTTLED_SHARE)
        ),
        "Latency is the handler duration plus, on ECS and EC2, the wait for a concurrency slot and for the CPU the requests in flight share (each process uses one core, or every core for `runtime: go`, `java`, `dotnet`; checked against a discrete-event simulation), and on Lambda cold starts (one request per environment, so no CPU queue); network and front-door latency are not included.".to_string(),
        format!(
            "Lambda environments stay warm for {:.0} minutes after use; cold starts come from rises in concurrency, and INIT time is billed (AWS bills INIT for on-demand functions since August 2025).",
            lambda::WARM_S / 60.0
        ),
        "Volume price tiers are applied per workload, not across the account.".to_string(),
    ];
    a.extend(network::assumptions(&profile.network));
    if profile
        .workloads
        .iter()
        .any(|w| w.kind() == WorkloadKind::Stream)
    {
        a.extend(kinesis::assumptions());
        a.extend(cloudwatch::assumptions(profile));
    }
    if let Some(rows) = profile
        .workloads
        .iter()
        .filter_map(|w| w.work.traffic()?.trace_data.as_ref())
        .map(|t| t.rps.len())
        .filter(|&n| n > traffic::MAX_CURVE_STEPS)
        .max()
    {
        a.push(format!(
            "A trace longer than {} steps (the longest here has {}) is modelled at a coarser step: each step the mean of whole runs of its rows, with the trace's mean and its peak row kept; bursts shorter than the coarser step are smoothed, except the highest.",
            crate::format::count(traffic::MAX_CURVE_STEPS as f64),
            crate::format::count(rows as f64)
        ));
    }
    a.extend(logs::assumptions(&profile.logs));
    a.push("Adjustable quotas (Lambda concurrent executions, Fargate On-Demand vCPUs, Step Functions start and transition rates) are AWS's defaults from the price book unless the profile states the account's own under `quotas:`. A stated quota (or a Lambda reserved concurrency) is a hard limit; an option that needs more than a default stays feasible and says it needs a quota request.".to_string());
    if !profile.quotas.is_empty() {
        let stated: Vec<String> = profile
            .quotas
            .iter()
            .map(|(k, v)| format!("`{k}` = {}", crate::format::count(*v)))
            .collect();
        a.push(format!(
            "The account's quotas, as the profile states them: {}.",
            stated.join(", ")
        ));
    }
    if profile.free_tier {
        a.push("The AWS free tier (non-expiring allowances only) is credited once per profile: workloads consume it in file order, through their recommended option.".to_string());
    } else {
        a.push("No free tier is credited (set `free_tier: true` in the profile to credit the non-expiring AWS free tier).".to_string());
    }
    if profile.platforms.step_functions.enabled
        && profile
            .workloads
            .iter()
            .any(|w| w.kind() == WorkloadKind::Service)
    {
        a.push(step_functions::SERVICE_ASSUMPTION.to_string());
    }
    if profile
        .workloads
        .iter()
        .any(|w| w.kind() == WorkloadKind::Queue)
    {
        if profile.platforms.step_functions.enabled {
            a.push(step_functions::QUEUE_ASSUMPTION.to_string());
        }
        a.push(format!(
            "A queue's `sqs_requests` include the producers' sends (one SendMessage a message; producers that batch pay less), the consumers' receives (up to 10 messages each), DeleteMessageBatch calls and empty receives: each idle long-poller makes one every {:.0} s, and Lambda's event source mapping keeps at least its starting pollers polling (AWS does not publish how many poll an idle queue; planner takes the 5 concurrent batches it starts with). Each 64 KB of a call's payload is one request. A Lambda handler takes its batch's messages one after another; planner sets its timeout to twice a full batch (at least 3 s) and, unless the profile states one, the visibility timeout to the six function timeouts AWS recommends.",
            sqs::LONG_POLL_S
        ));
    }
    if profile
        .workloads
        .iter()
        .any(|w| w.kind() == WorkloadKind::Workflow)
    {
        a.push("On Lambda, ECS and EC2 a workflow runs all its steps in sequence in one function or process, waits and callback waits included: it holds the request meanwhile.".to_string());
    }
    if profile
        .workloads
        .iter()
        .any(|w| w.kind() == WorkloadKind::Fanout)
    {
        a.push("A Distributed Map reads its items from S3 and writes its results to S3; each child execution runs its batch of items one after another in one Lambda invocation.".to_string());
    }
    if profile
        .workloads
        .iter()
        .any(|w| w.kind() == WorkloadKind::Fanout)
    {
        a.push(format!(
            "A fan-out run must leave {} of its deadline free (the job's `deadline_margin` can say otherwise). Fleet units start at the book's launch quotas, then take {:.0} s (a Fargate task) or {:.0} s (an EC2 instance) to work; AWS publishes neither start time. A process gathering items holds every item in flight in memory.",
            words::pct(demand::DEFAULT_DEADLINE_MARGIN),
            ecs::TASK_STARTUP_S,
            ec2::INSTANCE_STARTUP_S
        ));
    }
    a
}

#[cfg(test)]
pub(crate) mod testkit;

#[cfg(test)]
mod tests {
    use super::*;

    fn trail(points: &[(f64, u32)]) -> MemoryTrail {
        MemoryTrail {
            found: points.iter().map(|&(s, m)| (s.ln(), m)).collect(),
        }
    }

    /// Between two sizes the guess is on the log-log line through them (order-events' chart:
    /// 298 MB at 5 times its rate, 1,062 MB at 10), bounded by them.
    #[test]
    fn a_probe_between_two_sizes_is_guessed_on_their_log_log_line() {
        let t = trail(&[(1.0, 256), (5.0, 298), (10.0, 1062)]);
        let mid = (5.0_f64 * 10.0).sqrt();
        let h = t.hint(mid).unwrap();
        assert_eq!(h.guess, (298.0_f64 * 1062.0).sqrt().round() as u32);
        assert_eq!((h.at_least, h.at_most), (Some(298), Some(1062)));
        // Beyond the last size: the line through the two nearest, no upper bound.
        let h = t.hint(20.0).unwrap();
        let slope = (1062.0_f64 / 298.0).ln() / 2.0_f64.ln();
        assert_eq!(h.guess, (1062.0 * 2.0_f64.powf(slope)).round() as u32);
        assert_eq!((h.at_least, h.at_most), (Some(1062), None));
        // One size: itself, as a bound on its side.
        let h = trail(&[(1.0, 256)]).hint(0.5).unwrap();
        assert_eq!((h.guess, h.at_least, h.at_most), (256, None, Some(256)));
        assert!(trail(&[]).hint(2.0).is_none());
    }
}
