//! The pure model: profile + price book in, plan out. No I/O, no async, no terminal.
//!
//! Each platform module exposes `evaluate(&Demand, &Config, &PriceBook) -> OptionPlan`.
//! Billing rules live in exactly one place each: Lambda's in `lambda.rs` (Step Functions task
//! states call it), Fargate's in `ecs.rs`, EC2's in `ec2.rs`, front doors in `ingress.rs`.

pub mod billing;
pub mod demand;
pub mod ec2;
pub mod ecs;
pub mod fleet;
pub mod ingress;
pub mod lambda;
pub mod latency;
pub mod plan;
pub mod recommend;
pub mod step_functions;
pub mod traffic;
pub mod words;

pub use demand::Demand;
pub use plan::*;

use crate::pricing::PriceBook;
use crate::profile::{Platforms, Profile, WorkloadKind};
use billing::FreeTier;

/// Scale factors of the stated rate at which the cost-vs-rate chart is drawn.
pub const CHART_SCALES: [f64; 7] = [0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0];

/// Plan every workload of a profile against a price book. `pricing_source` says where the
/// book came from (for the report's provenance).
pub fn plan(profile: &Profile, book: &PriceBook, pricing_source: &str) -> Plan {
    let mut free = if profile.free_tier {
        FreeTier::from_book(book)
    } else {
        FreeTier::none()
    };
    let mut workloads = Vec::with_capacity(profile.workloads.len());
    for w in &profile.workloads {
        let demand = Demand::new(w, free);
        let wp = plan_workload(&demand, &profile.platforms, book);
        // The free tier is credited once per profile: the recommended option consumes it.
        if let Some(chosen) = wp
            .recommendation
            .platform
            .and_then(|p| wp.options.iter().find(|o| o.platform == p))
        {
            free = free.after(&chosen.cost_breakdown);
        }
        workloads.push(wp);
    }
    let mut cited: Vec<String> = workloads
        .iter()
        .flat_map(|w| w.options.iter())
        .flat_map(|o| o.cost_breakdown.iter())
        .map(|l| l.source.clone())
        .collect();
    cited.sort();
    cited.dedup();
    Plan {
        profile: profile.name.clone(),
        region: profile.region.clone(),
        pricing: Provenance {
            source: pricing_source.to_string(),
            as_of: book.made.clone(),
            cited,
        },
        free_tier: profile.free_tier,
        workloads,
        assumptions: assumptions(profile),
    }
}

/// Evaluate one platform for a demand.
pub fn evaluate(
    platform: Platform,
    d: &Demand,
    platforms: &Platforms,
    book: &PriceBook,
) -> OptionPlan {
    match platform {
        Platform::Lambda => lambda::evaluate(d, &platforms.lambda, book),
        Platform::StepFunctions => {
            step_functions::evaluate(d, &platforms.step_functions, &platforms.lambda, book)
        }
        Platform::Ecs => ecs::evaluate(d, &platforms.ecs, book),
        Platform::Ec2 => ec2::evaluate(d, &platforms.ec2, book),
    }
}

/// Every platform at every chart scale. The scales are independent, so they are evaluated on
/// the machine's cores (scoped threads; results land by index, so the output is the same
/// whatever the thread count).
fn evaluate_scales(d: &Demand, platforms: &Platforms, book: &PriceBook) -> Vec<Vec<OptionPlan>> {
    let at = |s: f64| -> Vec<OptionPlan> {
        let scaled = d.scaled(s);
        Platform::ALL
            .iter()
            .map(|&p| evaluate(p, &scaled, platforms, book))
            .collect()
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(CHART_SCALES.len());
    if threads <= 1 {
        return CHART_SCALES.iter().map(|&s| at(s)).collect();
    }
    let mut out: Vec<Vec<OptionPlan>> = vec![Vec::new(); CHART_SCALES.len()];
    std::thread::scope(|scope| {
        let at = &at;
        let chunks: Vec<_> = out
            .chunks_mut(CHART_SCALES.len().div_ceil(threads))
            .zip(CHART_SCALES.chunks(CHART_SCALES.len().div_ceil(threads)))
            .map(|(slots, scales)| {
                scope.spawn(move || {
                    for (slot, &s) in slots.iter_mut().zip(scales) {
                        *slot = at(s);
                    }
                })
            })
            .collect();
        for handle in chunks {
            // A panic in the model is a bug; re-raise it on this thread.
            if let Err(e) = handle.join() {
                std::panic::resume_unwind(e);
            }
        }
    });
    out
}

/// Scales beyond the chart where the break-even search also looks (1/128 to 128 times).
const FAR_SCALES: [f64; 4] = [1.0 / 128.0, 1.0 / 24.0, 24.0, 128.0];

/// All four options, the recommendation, the break-even rate and the cost curve.
pub fn plan_workload(d: &Demand, platforms: &Platforms, book: &PriceBook) -> WorkloadPlan {
    let base_rate = d.average_rps();
    // Every platform at every chart scale (the stated rate is scale 1: the options).
    let mut at_scales = evaluate_scales(d, platforms, book);
    let one = CHART_SCALES.iter().position(|&s| s == 1.0).unwrap_or(0);
    let options = std::mem::take(&mut at_scales[one]);
    let cost_curve = CostCurve {
        rates: CHART_SCALES.iter().map(|s| s * base_rate).collect(),
        series: Platform::ALL
            .iter()
            .enumerate()
            .map(|(i, &p)| {
                let costs = CHART_SCALES
                    .iter()
                    .enumerate()
                    .map(|(k, _)| {
                        let o = if k == one {
                            &options[i]
                        } else {
                            &at_scales[k][i]
                        };
                        o.feasible.then_some(o.monthly_cost_usd)
                    })
                    .collect();
                (p, costs)
            })
            .collect(),
    };

    let (mut recommendation, pair) = recommend::choose(&options);
    if let Some((a, b)) = pair {
        let priced = |o: &OptionPlan| (!o.cost_breakdown.is_empty()).then_some(o.monthly_cost_usd);
        let diff_at = |s: f64| -> Option<f64> {
            let scaled = d.scaled(s);
            Some(
                priced(&evaluate(a, &scaled, platforms, book))?
                    - priced(&evaluate(b, &scaled, platforms, book))?,
            )
        };
        let mut samples: Vec<(f64, f64)> = CHART_SCALES
            .iter()
            .enumerate()
            .filter_map(|(k, &s)| {
                let row = if k == one { &options } else { &at_scales[k] };
                Some((s, priced(&row[a as usize])? - priced(&row[b as usize])?))
            })
            .collect();
        let mut found = recommend::crossing_in(&samples, diff_at);
        if found.is_none() {
            samples.extend(FAR_SCALES.iter().filter_map(|&s| Some((s, diff_at(s)?))));
            samples.sort_by(|x, y| x.0.total_cmp(&y.0));
            found = recommend::crossing_in(&samples, diff_at);
        }
        recommendation.break_even_rps = found.map(|s| s * base_rate);
    }
    WorkloadPlan {
        name: d.workload.name.clone(),
        kind: d.workload.kind.as_str().to_string(),
        options,
        recommendation,
        cost_curve,
        average_rps: base_rate,
        notes: d.calibration_notes(),
    }
}

fn assumptions(profile: &Profile) -> Vec<String> {
    let mut a = vec![
        "A month is 730 hours (2,628,000 s), as AWS's pricing calculator uses; prices are USD, on-demand unless stated.".to_string(),
        "Traffic follows a representative day at one-minute steps (a trace replays its own steps), repeated every day of the month.".to_string(),
        format!(
            "Without an SLO, an option may throttle or shed at most {} of requests.",
            words::pct(demand::DEFAULT_MAX_THROTTLED_SHARE)
        ),
        "Latency is the handler duration plus the Erlang C (M/M/c) queueing delay over the concurrency slots, plus Lambda cold starts; network and front-door latency are not included.".to_string(),
        format!(
            "Lambda environments stay warm for {:.0} minutes after use; cold starts come from rises in concurrency, and INIT time is billed (AWS bills INIT for on-demand functions since August 2025).",
            lambda::WARM_S / 60.0
        ),
        "Volume price tiers are applied per workload, not across the account.".to_string(),
        "An ALB is assumed to see one new connection per request (no keep-alive reuse) and at most the 10 free listener rules.".to_string(),
    ];
    if profile.free_tier {
        a.push("The AWS free tier (non-expiring allowances only) is credited once per profile: workloads consume it in file order, through their recommended option.".to_string());
    } else {
        a.push("No free tier is credited (set `free_tier: true` in the profile to credit the non-expiring AWS free tier).".to_string());
    }
    if profile
        .workloads
        .iter()
        .any(|w| w.kind == WorkloadKind::Workflow)
    {
        a.push("On Lambda, ECS and EC2 a workflow runs all its steps in sequence in one function or process, waits included.".to_string());
    }
    a
}

#[cfg(test)]
pub(crate) mod testutil {
    use crate::pricing::PriceBook;
    use crate::profile::{Request, Traffic, Workload, WorkloadKind};

    /// The shipped us-east-1 book.
    pub fn book() -> PriceBook {
        serde_yaml::from_str(include_str!("../../pricing-cache/us-east-1.yaml"))
            .expect("us-east-1 book parses")
    }

    pub fn service(rps: f64, duration_ms: f64, cpu_ms: f64, memory_mb: u32) -> Workload {
        Workload {
            name: "svc".into(),
            kind: WorkloadKind::Service,
            traffic: Some(Traffic {
                monthly_requests: None,
                rps: Some(rps),
                peak_to_average: 1.0,
                shape: Default::default(),
                trace: None,
                trace_data: None,
            }),
            request: Request {
                duration_ms,
                cpu_ms,
                threads: 1,
                memory_mb,
                payload_kb: 1.0,
            },
            slo: None,
            job: None,
            workflow: None,
            calibration: None,
        }
    }
}
