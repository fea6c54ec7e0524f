//! What would change the answer: for each of a few inputs of a workload, the nearest value
//! below and above today's at which the recommendation flips, and to what.
//!
//! The inputs: the average rate, the traffic's peak-to-average ratio (diurnal and bursty
//! shapes), the request's duration (its CPU share kept), its CPU share (its duration kept),
//! its memory, the concurrency per task or process of the fleet in question, and the prices
//! of the recommended option and of its runner-up. Each is searched from ×1 outward to
//! ×[`SPAN`] and ×1/[`SPAN`] (within the profile's valid range): a probe at each end; where
//! the answer differs there, [`REFINE_STEPS`] probes narrow the bracket (at the interpolated
//! crossing of the two options' costs, or its middle where one is not feasible) and a last
//! interpolation places the flip. A probe re-plans the cost and feasibility of the four
//! options ([`super::price`]) and picks as the recommendation does
//! ([`super::recommend::pick`]); the rate scans the cost curve's points (no re-plan), and
//! the prices need none at all (every price of one platform times k is its bill times k).
//! So a workload costs at most [`MAX_REPLANS`] re-plans (four options each), 10 when nothing
//! flips. The cost: a flip and back between two probes goes unseen, and a flip is placed to
//! within the accuracy of a linear interpolation of costs that step (whole tasks, instances).

use super::demand::Demand;
use super::plan::{Platform, Priced, WorkloadPlan};
use super::recommend::pick;
use crate::pricing::PriceBook;
use crate::profile::Platforms;
use serde::Serialize;

/// How far each input is searched: from ×1/SPAN to ×SPAN.
pub const SPAN: f64 = 10.0;

/// The factors probed on the way up from ×1 (their inverses on the way down).
pub const SCAN: [f64; 1] = [SPAN];

/// The rate's factors: the cost curve's (super::CHART_SCALES), which are already planned.
const RATE_SCAN: [f64; 3] = [2.0, 5.0, SPAN];

/// Probes that narrow the bracket around a flip before the last interpolation places it.
pub const REFINE_STEPS: usize = 2;

/// The prices' refinement, which costs no re-plan.
const PRICE_REFINE_STEPS: usize = 8;

/// The most re-plans a workload's search costs: four re-planned inputs, each two ways, each
/// a scan and a refinement; the concurrency (a whole number, bracketed with two more
/// halvings); and the rate's refinements (its scan is the cost curve's). An input that flips
/// nowhere costs one re-plan a way.
pub const MAX_REPLANS: usize =
    4 * 2 * (SCAN.len() + REFINE_STEPS) + 2 * (SCAN.len() + REFINE_STEPS + 2) + 2 * REFINE_STEPS;

/// An input the search varies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Input {
    /// The average request rate (a job's runs per month).
    AverageRate,
    /// The traffic's peak-to-average ratio.
    PeakToAverage,
    /// Each request's duration, its CPU share kept.
    Duration,
    /// The share of each request's duration that is CPU time, its duration kept.
    CpuShare,
    /// Each request's (or item's, or task step's) memory.
    Memory,
    /// Concurrent requests per ECS task or per EC2 process (the platform given).
    Concurrency(Platform),
    /// Every price of one platform's bill.
    Prices(Platform),
}

impl Input {
    /// A stable identifier for the JSON report.
    pub fn id(self) -> String {
        match self {
            Input::AverageRate => "average_rps".into(),
            Input::PeakToAverage => "peak_to_average".into(),
            Input::Duration => "duration_ms".into(),
            Input::CpuShare => "cpu_share".into(),
            Input::Memory => "memory_mb".into(),
            Input::Concurrency(p) => format!("{}.{}", p.id(), concurrency_key(p)),
            Input::Prices(p) => format!("prices.{}", p.id()),
        }
    }

    /// The input in words, with the workload kind's units (`req/s` and "request", `msg/s` and
    /// "message", ...).
    pub fn label(self, kind: crate::profile::WorkloadKind) -> String {
        match self {
            Input::AverageRate => format!("average rate [{}]", kind.rate_unit()),
            Input::PeakToAverage => "peak-to-average ratio".into(),
            Input::Duration => format!("{} duration [ms]", kind.noun()),
            Input::CpuShare => "CPU share of the duration".into(),
            Input::Memory => format!("memory per {} [MB]", kind.noun()),
            Input::Concurrency(p) => match p {
                Platform::Ec2 => "concurrency per EC2 process".into(),
                Platform::Ecs | Platform::Lambda | Platform::StepFunctions => {
                    format!("concurrency per {} task", p.label())
                }
            },
            Input::Prices(p) => format!("{} prices", p.label()),
        }
    }
}

/// The profile key of a fleet's concurrency per unit.
fn concurrency_key(p: Platform) -> &'static str {
    match p {
        Platform::Ec2 => "concurrency_per_process",
        Platform::Ecs | Platform::Lambda | Platform::StepFunctions => "concurrency_per_task",
    }
}

/// One input's search.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sensitivity {
    pub input: Input,
    /// Today's value (for prices: 1, as a factor).
    pub today: f64,
    /// The nearest flip below today's value, if any within the range searched.
    pub down: Option<Flip>,
    /// The nearest flip above.
    pub up: Option<Flip>,
    /// The factors of today's value searched: (lowest, highest); 1 on a side not searched.
    pub searched: (f64, f64),
}

impl Sensitivity {
    /// The flip nearest today's value (on a log scale), if any.
    pub fn nearest(&self) -> Option<&Flip> {
        [&self.down, &self.up]
            .into_iter()
            .flatten()
            .min_by(|a, b| a.factor.ln().abs().total_cmp(&b.factor.ln().abs()))
    }
}

/// Where the recommendation flips.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Flip {
    /// The value at which it flips (the first value found that flips, within the search's
    /// precision), in the input's unit.
    pub value: f64,
    /// That value over today's.
    pub factor: f64,
    /// What is recommended there (`None`: nothing is feasible).
    pub to: Option<Platform>,
    /// When the flip could not be interpolated (an option is not feasible on one side of it:
    /// a limit that starts or stops biting), the values between which it lies, nearer to
    /// today's first; `value` is then the outer one.
    pub between: Option<(f64, f64)>,
}

/// Search each input of `wp` (planned for `d` by `super::workload_figures`) for the values
/// that flip its recommendation. `chart` holds the cost curve's options, by scale. The
/// inputs are independent: they are searched on the machine's cores.
pub fn search(
    wp: &WorkloadPlan,
    d: &Demand,
    platforms: &Platforms,
    book: &PriceBook,
) -> Vec<Sensitivity> {
    let Some(recommended) = wp.recommendation.platform else {
        return Vec::new();
    };
    let today = Some(recommended);
    let decide = |d: &Demand, platforms: &Platforms| -> Costs {
        Platform::ALL.map(|p| super::price(p, d, platforms, book).feasible_cost())
    };
    // The cost curve's points, as the scale of the stated rate each was planned at: what
    // each option costs there when feasible (the curve keeps exactly that).
    let base = d.average_rps();
    let curve = &wp.cost_curve;
    let chart: Vec<(f64, Costs)> = curve
        .rates
        .iter()
        .enumerate()
        .filter(|_| base > 0.0)
        .map(|(i, r)| {
            let costs = Platform::ALL.map(|p| {
                curve
                    .series
                    .iter()
                    .find(|(q, _)| *q == p)
                    .and_then(|(_, c)| c.get(i).copied().flatten())
            });
            (r / base, costs)
        })
        .collect();
    let chart = &chart;
    let now: Costs = Platform::ALL.map(|p| {
        wp.options
            .get(p as usize)
            .and_then(|o| Priced::from(o).feasible_cost())
    });
    let now = &now;
    let mut tasks: Vec<Task> = Vec::new();

    // The average rate: the chart's points first.
    let rate = d.average_rps();
    if rate > 0.0 {
        tasks.push(Box::new(move || {
            let probe = |k: f64| {
                let cached = chart
                    .iter()
                    .find(|(s, _)| (s / k - 1.0).abs() < 1e-9)
                    .map(|(_, costs)| *costs);
                Some(cached.unwrap_or_else(|| decide(&d.scaled(k), platforms)))
            };
            // The chart's points for the scan (no re-plan), then the refinement's probes.
            input(
                Input::AverageRate,
                rate,
                today,
                now,
                &RATE_SCAN,
                REFINE_STEPS,
                |k| k,
                probe,
            )
        }));
    }

    // The peak-to-average ratio of a shaped traffic curve.
    if let Some(ratio) = d
        .work
        .traffic()
        .map(|t| t.peak_to_average)
        .filter(|_| d.with_peak_to_average(1.0).is_some())
    {
        tasks.push(Box::new(move || {
            let max = crate::profile::MAX_PEAK_TO_AVERAGE;
            let value = |k: f64| (ratio * k).clamp(1.0, max);
            input(
                Input::PeakToAverage,
                ratio,
                today,
                now,
                &SCAN,
                REFINE_STEPS,
                |k| value(k) / ratio,
                |k| {
                    d.with_peak_to_average(value(k))
                        .map(|d| decide(&d, platforms))
                },
            )
        }));
    }

    // The work of each request: duration, CPU share, memory.
    if d.work_editable() && d.request.duration_ms > 0.0 {
        let duration = d.request.duration_ms;
        tasks.push(Box::new(move || {
            input(
                Input::Duration,
                duration,
                today,
                now,
                &SCAN,
                REFINE_STEPS,
                |k| k,
                |k| {
                    let d = d.with_work_edited(|dur, cpu, _| {
                        *dur *= k;
                        *cpu *= k;
                    });
                    Some(decide(&d, platforms))
                },
            )
        }));
        let share = d.request.cpu_ms / duration;
        if share > 0.0 {
            tasks.push(Box::new(move || {
                let value = |k: f64| (share * k).min(1.0);
                input(
                    Input::CpuShare,
                    share,
                    today,
                    now,
                    &SCAN,
                    REFINE_STEPS,
                    |k| value(k) / share,
                    |k| {
                        let factor = value(k) / share;
                        let d = d.with_work_edited(|dur, cpu, _| *cpu = (*cpu * factor).min(*dur));
                        Some(decide(&d, platforms))
                    },
                )
            }));
        }
        let memory = f64::from(d.request.memory_mb);
        tasks.push(Box::new(move || {
            let (lo, hi) = crate::profile::LAMBDA_MEMORY_MB;
            let clamp = |mb: f64| mb.round().clamp(f64::from(lo), f64::from(hi));
            input(
                Input::Memory,
                memory,
                today,
                now,
                &SCAN,
                REFINE_STEPS,
                |k| clamp(memory * k) / memory,
                |k| {
                    let factor = clamp(memory * k) / memory;
                    let d = d.with_work_edited(|_, _, m| {
                        *m = clamp(f64::from(*m) * factor) as u32;
                    });
                    Some(decide(&d, platforms))
                },
            )
        }));
    }

    // The concurrency per unit of the fleet in question.
    if let Some(fleet) = fleet_in_question(wp) {
        tasks.push(Box::new(move || {
            // Only the fleet reads its own settings (each platform is evaluated from its own
            // section of `platforms`): the other options cost what they cost today at every
            // probe, priced once here rather than at each.
            let others: Costs = Platform::ALL.map(|p| {
                if p == fleet {
                    None
                } else {
                    super::price(p, d, platforms, book).feasible_cost()
                }
            });
            let today_n = f64::from(match fleet {
                Platform::Ec2 => platforms.ec2.concurrency_per_process,
                Platform::Ecs | Platform::Lambda | Platform::StepFunctions => {
                    platforms.ecs.concurrency_per_task
                }
            });
            let n = |k: f64| (today_n * k).round().max(1.0);
            input(
                Input::Concurrency(fleet),
                today_n,
                today,
                now,
                &SCAN,
                REFINE_STEPS,
                |k| n(k) / today_n,
                |k| {
                    let mut p = platforms.clone();
                    let v = n(k) as u32;
                    match fleet {
                        Platform::Ec2 => p.ec2.concurrency_per_process = v,
                        Platform::Ecs | Platform::Lambda | Platform::StepFunctions => {
                            p.ecs.concurrency_per_task = v
                        }
                    }
                    let mut costs = others;
                    costs[fleet as usize] = super::price(fleet, d, &p, book).feasible_cost();
                    Some(costs)
                },
            )
        }));
    }

    let mut out = run(tasks);
    out.extend(prices(wp, recommended));
    // Tornado order: the input whose flip is nearest first; those without one last.
    out.sort_by(|a, b| {
        let near = |s: &Sensitivity| s.nearest().map_or(f64::INFINITY, |f| f.factor.ln().abs());
        near(a).total_cmp(&near(b))
    });
    out
}

/// One input's search, to run on any thread.
type Task<'a> = Box<dyn Fn() -> Sensitivity + Send + Sync + 'a>;

/// Each task's result, in order, the tasks spread over the machine's cores
/// ([`super::cores::map`]).
fn run(tasks: Vec<Task>) -> Vec<Sensitivity> {
    super::cores::map(&tasks, |t| t())
}

/// The prices: the recommended option's up, its runner-up's down. No re-plan: every price of
/// one platform times k is its bill times k (its sizes and settings are chosen by relative
/// cost, which does not change).
fn prices(wp: &WorkloadPlan, recommended: Platform) -> Vec<Sensitivity> {
    let today = Some(recommended);
    let costs: Vec<(Platform, Option<f64>)> = wp
        .options
        .iter()
        .map(|o| (o.platform, Priced::from(o).feasible_cost()))
        .collect();
    let scaled = |who: Platform, k: f64| -> Costs {
        Platform::ALL.map(|p| {
            let c = costs.get(p as usize).and_then(|c| c.1);
            c.map(|c| if p == who { c * k } else { c })
        })
    };
    let runner_up = costs
        .iter()
        .filter(|(p, _)| *p != recommended)
        .filter_map(|&(p, c)| Some((p, c?)))
        .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
        .map(|(p, _)| p);
    let mut out = Vec::new();
    let now: Costs = Platform::ALL.map(|p| costs.get(p as usize).and_then(|c| c.1));
    let mut mine = input(
        Input::Prices(recommended),
        1.0,
        today,
        &now,
        &SCAN,
        PRICE_REFINE_STEPS,
        |k| k,
        |k| (k > 1.0).then(|| scaled(recommended, k)),
    );
    mine.searched.0 = 1.0;
    out.push(mine);
    if let Some(other) = runner_up {
        let mut theirs = input(
            Input::Prices(other),
            1.0,
            today,
            &now,
            &SCAN,
            PRICE_REFINE_STEPS,
            |k| k,
            |k| (k < 1.0).then(|| scaled(other, k)),
        );
        theirs.searched.1 = 1.0;
        out.push(theirs);
    }
    out
}

/// The fleet whose concurrency per unit matters most to the answer: the recommended option
/// if it is a fleet, else the fleet the break-even compares with, else the cheaper feasible
/// fleet. `None` when neither fleet is feasible.
fn fleet_in_question(wp: &WorkloadPlan) -> Option<Platform> {
    let r = wp.recommendation.platform?;
    if !r.serverless() {
        return Some(r);
    }
    wp.options
        .iter()
        .filter(|o| o.feasible && !o.platform.serverless())
        .min_by(|a, b| a.monthly_cost_usd.total_cmp(&b.monthly_cost_usd))
        .map(|o| o.platform)
}

/// The feasible monthly cost of each platform (`None`: not feasible), in `Platform::ALL` order:
/// what a probe learns, and all [`pick`] needs.
pub type Costs = [Option<f64>; Platform::COUNT];

/// The recommendation among `costs`.
fn pick_from(costs: &Costs) -> Option<Platform> {
    pick(Platform::ALL.iter().copied().zip(costs.iter().copied()))
}

/// One input searched both ways. `factor(k)` is the factor of today's value a probe at `k`
/// actually applies (an input clamped to its valid range applies less); `probe(k)` is what
/// each option costs there (`None`: nothing to probe that way).
#[allow(clippy::too_many_arguments)]
fn input(
    input: Input,
    today_value: f64,
    today: Option<Platform>,
    today_costs: &Costs,
    scan: &[f64],
    refine: usize,
    factor: impl Fn(f64) -> f64,
    mut probe: impl FnMut(f64) -> Option<Costs>,
) -> Sensitivity {
    let up: Vec<f64> = scan.to_vec();
    let down: Vec<f64> = scan.iter().map(|k| 1.0 / k).collect();
    // A whole number (requests per task) is not interpolated: its flip is bracketed, and
    // exact once the bracket's ends are neighbours.
    let discrete = match input {
        Input::Concurrency(_) => true,
        Input::AverageRate
        | Input::PeakToAverage
        | Input::Duration
        | Input::CpuShare
        | Input::Memory
        | Input::Prices(_) => false,
    };
    let refine = if discrete { refine + 2 } else { refine };
    let (up_flip, hi) = side(
        today,
        today_costs,
        &up,
        refine,
        discrete,
        &factor,
        &mut probe,
    );
    let (down_flip, lo) = side(
        today,
        today_costs,
        &down,
        refine,
        discrete,
        &factor,
        &mut probe,
    );
    let flip = |(k, to, between): SideFlip| Flip {
        value: today_value * factor(k),
        factor: factor(k),
        to,
        between: between
            .map(|(a, b)| (today_value * factor(a), today_value * factor(b)))
            .filter(|(a, b)| !discrete || (a - b).abs() > 1.0 + 1e-9),
    };
    Sensitivity {
        input,
        today: today_value,
        down: down_flip.map(flip),
        up: up_flip.map(flip),
        searched: (lo, hi),
    }
}

/// Search one way from ×1 through `scan`: the first factor found to flip the answer and
/// what it flips to, and the furthest factor searched. Probes that apply the same factor as
/// the last (an input at its bound) are skipped. The bracket around a flip is then narrowed
/// `refine` times: at the point where the margin between today's option and the one it
/// flips to, taken as linear in the factor, reaches zero (a cost crossing), or at the
/// bracket's geometric middle where either is not feasible at an end (a limit that bites);
/// the flip is placed by a last interpolation, without a probe, where one is possible (not
/// for a `discrete` input, whose bracket is only halved).
fn side(
    today: Option<Platform>,
    today_costs: &Costs,
    scan: &[f64],
    refine: usize,
    discrete: bool,
    factor: &impl Fn(f64) -> f64,
    probe: &mut impl FnMut(f64) -> Option<Costs>,
) -> (Option<SideFlip>, f64) {
    let mut inside = (1.0, Some(*today_costs));
    let mut furthest = 1.0;
    for &k in scan {
        if (factor(k) - factor(inside.0)).abs() < 1e-12 {
            continue;
        }
        let Some(costs) = probe(k) else { break };
        furthest = factor(k);
        let rec = pick_from(&costs);
        if rec == today {
            inside = (k, Some(costs));
            continue;
        }
        let mut flipped = (k, costs, rec);
        let estimate =
            |inside: &(f64, Option<Costs>), flipped: &(f64, Costs, Option<Platform>)| match (
                &inside.1, today, flipped.2,
            ) {
                (Some(inner), Some(r), Some(w)) if !discrete => {
                    interpolate(inside.0, inner, flipped.0, &flipped.1, r, w)
                }
                _ => None,
            };
        for _ in 0..refine {
            let (lo, hi) = (inside.0.min(flipped.0), inside.0.max(flipped.0));
            // Keep a probe a little inside the bracket, so that each one narrows it.
            let guard = (hi / lo).powf(0.05);
            let mid = estimate(&inside, &flipped)
                .map_or((lo * hi).sqrt(), |m| m.clamp(lo * guard, hi / guard));
            if (factor(mid) - factor(inside.0)).abs() < 1e-12
                || (factor(mid) - factor(flipped.0)).abs() < 1e-12
            {
                break;
            }
            let Some(costs) = probe(mid) else { break };
            let r = pick_from(&costs);
            if r == today {
                inside = (mid, Some(costs));
            } else {
                flipped = (mid, costs, r);
            }
        }
        let found = match estimate(&inside, &flipped) {
            Some(at) => (at, flipped.2, None),
            None => (flipped.0, flipped.2, Some((inside.0, flipped.0))),
        };
        return (Some(found), furthest);
    }
    (None, furthest)
}

/// A flip found one way: its factor, what it flips to, and (when not interpolated) the
/// factors between which it lies.
type SideFlip = (f64, Option<Platform>, Option<(f64, f64)>);

/// How far `r` is from losing to `w` at these costs (≤ 0: `r` still wins over `w`), by the
/// recommendation's rule: on a near-tie the one with less to operate. `None` when either is
/// not feasible.
fn margin(costs: &Costs, r: Platform, w: Platform) -> Option<f64> {
    let (cr, cw) = (costs[r as usize]?, costs[w as usize]?);
    let tie = 1.0 + super::recommend::NEAR_TIE;
    Some(match r.ops_rank().cmp(&w.ops_rank()) {
        std::cmp::Ordering::Less => cr - tie * cw,
        std::cmp::Ordering::Greater => tie * cr - cw,
        std::cmp::Ordering::Equal => cr - cw,
    })
}

/// The factor between `k_in` (where `r` wins) and `k_out` (where `w` does) at which the
/// margin between them, taken as linear in k (as a bill is in a rate, a duration or a
/// price), reaches zero; `None` when either is not feasible at
/// either end.
fn interpolate(
    k_in: f64,
    inner: &Costs,
    k_out: f64,
    outer: &Costs,
    r: Platform,
    w: Platform,
) -> Option<f64> {
    // The pick breaks exact ties (and near-ties with a third option) its own way: a margin
    // on the wrong side at an end counts as zero there.
    let (m_in, m_out) = (margin(inner, r, w)?.min(0.0), margin(outer, r, w)?.max(0.0));
    if m_out - m_in <= 0.0 {
        return Some(k_out);
    }
    let share = -m_in / (m_out - m_in);
    Some(k_in + (k_out - k_in) * share)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lambda (cost `lambda(k)`, feasible where `fits(k)`), ECS at a flat $50, nothing else.
    fn costs(lambda: f64, fits: bool) -> Costs {
        [fits.then_some(lambda), None, Some(50.0), None]
    }

    #[test]
    fn a_cost_crossing_is_interpolated_without_more_probes() {
        // Lambda's bill is linear in the input: $10 × k. It stays recommended up to 10% over
        // ECS (less to operate): 10k ≤ 55, so it flips to ECS at ×5.5.
        let mut calls = 0;
        let (flip, furthest) = side(
            Some(Platform::Lambda),
            &costs(10.0, true),
            &SCAN,
            REFINE_STEPS,
            false,
            &|k| k,
            &mut |k| {
                calls += 1;
                Some(costs(10.0 * k, true))
            },
        );
        let (k, to, between) = flip.unwrap_or((0.0, None, None));
        assert_eq!(to, Some(Platform::Ecs));
        assert!((k - 5.5).abs() < 1e-9, "{k}");
        assert_eq!(between, None);
        assert_eq!(furthest, SPAN);
        assert!(calls <= SCAN.len() + REFINE_STEPS, "{calls}");
        // Down: Lambda only gets cheaper, nothing flips; one probe.
        let mut calls = 0;
        let (flip, furthest) = side(
            Some(Platform::Lambda),
            &costs(10.0, true),
            &[0.1],
            REFINE_STEPS,
            false,
            &|k| k,
            &mut |k| {
                calls += 1;
                Some(costs(10.0 * k, true))
            },
        );
        assert_eq!((flip, furthest, calls), (None, 0.1, 1));
    }

    #[test]
    fn a_limit_that_bites_is_bracketed() {
        // Lambda ($1) stops fitting above ×3 (a limit): the flip lies in a range around it.
        let (flip, _) = side(
            Some(Platform::Lambda),
            &costs(1.0, true),
            &SCAN,
            REFINE_STEPS,
            false,
            &|k| k,
            &mut |k| Some(costs(1.0, k <= 3.0)),
        );
        let (k, to, between) = flip.unwrap_or((0.0, None, None));
        assert_eq!(to, Some(Platform::Ecs));
        let (inside, outside) = between.unwrap_or((0.0, 0.0));
        assert!(
            inside <= 3.0 && outside > 3.0 && k == outside,
            "{inside} {outside}"
        );
        // Two halvings of ×1..×10 on a log scale.
        assert!(
            outside / inside <= SPAN.powf(0.25) + 1e-9,
            "{inside} {outside}"
        );
    }

    #[test]
    fn the_search_costs_at_most_its_stated_re_plans() {
        assert_eq!(MAX_REPLANS, 38);
    }

    #[test]
    fn a_clamped_input_stops_at_its_bound() {
        // A share of 0.5 can only double: ×10 applies ×2.
        let factor = |k: f64| (0.5 * k).min(1.0) / 0.5;
        let mut probed = Vec::new();
        let (flip, furthest) = side(
            Some(Platform::Lambda),
            &costs(1.0, true),
            &SCAN,
            REFINE_STEPS,
            false,
            &factor,
            &mut |k| {
                probed.push(factor(k));
                Some(costs(1.0, true))
            },
        );
        assert_eq!(flip, None);
        assert_eq!(furthest, 2.0);
        assert_eq!(probed, vec![2.0]);
    }

    /// The example profile's search agrees with the full model: just past each flip it
    /// finds, the full plan recommends what the flip says (checked for the rate and the
    /// duration, which the search interpolates or brackets).
    #[test]
    fn the_flips_agree_with_the_full_model() {
        use crate::model::{Demand, billing::FreeTier, plan_workload};
        let profile = crate::profile::load(std::path::Path::new("profiles/checkout-api.yaml"))
            .unwrap_or_else(|e| panic!("{e}"));
        let book = crate::model::testkit::book();
        let w = &profile.workloads[0];
        let d = Demand::new(w, FreeTier::none());
        let wp = plan_workload(&d, &profile.platforms, &book);
        assert!(wp.sensitivity.len() >= 6, "{:?}", wp.sensitivity);
        let mut checked = 0;
        for s in &wp.sensitivity {
            for f in [&s.down, &s.up].into_iter().flatten() {
                // A little past the flip, on its side of today.
                let past = if f.factor > 1.0 { 1.03 } else { 1.0 / 1.03 };
                let k = f.factor * past;
                let at = match s.input {
                    Input::AverageRate => d.scaled(k),
                    Input::Duration => d.with_work_edited(|dur, cpu, _| {
                        *dur *= k;
                        *cpu *= k;
                    }),
                    _ => continue,
                };
                let there = plan_workload(&at, &profile.platforms, &book);
                assert_eq!(
                    there.recommendation.platform, f.to,
                    "{:?} at ×{k}: {:?}",
                    s.input, f
                );
                checked += 1;
            }
        }
        assert!(checked >= 2, "{checked}");
        // The figures alone (the TUI's first stage, on each keystroke) leave the search to the
        // second stage, with the cost curve.
        let mut figures = crate::model::workload_figures(&d, &profile.platforms, &book);
        assert!(figures.sensitivity.is_empty());
        crate::model::complete_workload(&mut figures, &d, &profile.platforms, &book);
        assert_eq!(figures.sensitivity, wp.sensitivity);
    }
}
