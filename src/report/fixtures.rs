//! Hand-built plans for the report tests. The numbers are plausible, not computed: the
//! renderers are under test here, not the model.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::model::sensitivity::{Flip, Input, Sensitivity};
use crate::model::{BreakEven, Versus};
use crate::model::{
    Capacity, CostCurve, Latency, LineItem, OptionPlan, Plan, Platform, Provenance, Recommendation,
    WorkloadPlan,
};
use crate::profile::WorkloadKind;

const LAMBDA_PAGE: &str = "https://aws.amazon.com/lambda/pricing/";
const FARGATE_PAGE: &str = "https://aws.amazon.com/fargate/pricing/";
const EC2_SKU: &str = "Price List API AmazonEC2 SKU XYZ123 (2026-07-01)";
const ELB_PAGE: &str = "https://aws.amazon.com/elasticloadbalancing/pricing/";
const SFN_PAGE: &str = "https://aws.amazon.com/step-functions/pricing/";

fn item(item: &str, quantity: f64, unit: &str, unit_price: f64, source: &str) -> LineItem {
    LineItem {
        item: item.to_string(),
        quantity,
        unit: unit.to_string(),
        unit_price_usd: unit_price,
        cost_usd: quantity * unit_price,
        source: source.to_string(),
    }
}

fn config(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), v.clone()))
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn option(
    platform: Platform,
    feasible: bool,
    breakdown: Vec<LineItem>,
    config: BTreeMap<String, Value>,
    throughput_rps: f64,
    capacity: (f64, &str),
    latency: (f64, f64),
    risks: &[&str],
) -> OptionPlan {
    OptionPlan {
        platform,
        outcome: crate::model::Outcome::Evaluated,
        feasible,
        monthly_cost_usd: breakdown.iter().map(|l| l.cost_usd).sum(),
        cost_breakdown: breakdown,
        config,
        throughput_rps,
        capacity: Capacity {
            peak: capacity.0,
            unit: capacity.1.to_string(),
        },
        latency_ms: Latency {
            p50: latency.0,
            p99: latency.1,
        },
        risks: risks.iter().map(|r| (*r).to_string()).collect(),
        limits_failed: usize::from(!feasible),
        quota_requests: Vec::new(),
        throttled_share: 0.0,
        makespan_s: None,
        capacity_rps: Vec::new(),
        alternative: None,
        purchase: None,
    }
}

fn provenance() -> Provenance {
    Provenance {
        source: "built-in price book".to_string(),
        as_of: "2026-07-20".to_string(),
        cited: vec![
            LAMBDA_PAGE.to_string(),
            FARGATE_PAGE.to_string(),
            SFN_PAGE.to_string(),
            EC2_SKU.to_string(),
            ELB_PAGE.to_string(),
        ],
    }
}

fn assumptions() -> Vec<String> {
    vec![
        "A month is 730 hours (2,628,000 s).".to_string(),
        "Traffic follows a diurnal curve with the stated peak-to-average ratio.".to_string(),
    ]
}

/// A service evaluated on all four platforms; Step Functions does not fit a plain service.
pub fn service_workload(name: &str) -> WorkloadPlan {
    let lambda = option(
        Platform::Lambda,
        true,
        vec![
            item(
                "requests",
                130_000_000.0,
                "requests",
                0.000_000_2,
                LAMBDA_PAGE,
            ),
            item(
                "duration",
                1_950_000.0,
                "GB-s",
                0.000_013_333_4,
                LAMBDA_PAGE,
            ),
            item(
                "init_duration",
                1_234.5,
                "GB-s",
                0.000_013_333_4,
                LAMBDA_PAGE,
            ),
        ],
        config(&[
            ("architecture", json!("arm64")),
            ("memory_mb", json!(512)),
            ("provisioned_concurrency", json!(0)),
        ]),
        1_666.7,
        (40.0, "concurrent executions"),
        (121.0, 412.5),
        &["Cold starts add about 300 ms to 0.8% of requests."],
    );
    let step_functions = OptionPlan::infeasible(
        Platform::StepFunctions,
        "A Step Functions state machine does not fit a request/response service.",
    );
    let mut ecs = option(
        Platform::Ecs,
        true,
        vec![
            item("vcpu", 1_095.0, "vCPU-hours", 0.032_384, FARGATE_PAGE),
            item("memory", 2_190.0, "GB-hours", 0.003_556_25, FARGATE_PAGE),
            item("ingress", 730.0, "ALB-hours", 0.0225, ELB_PAGE),
        ],
        config(&[
            ("architecture", json!("arm64")),
            ("memory_gb", json!(1.0)),
            ("tasks_max", json!(6)),
            ("tasks_min", json!(2)),
            ("vcpu", json!(0.5)),
        ]),
        2_500.0,
        (6.0, "tasks"),
        (120.0, 180.25),
        &[],
    );
    ecs.throttled_share = 0.000_02;
    let ec2 = option(
        Platform::Ec2,
        true,
        vec![
            item("instances", 1_460.0, "instance-hours", 0.0816, EC2_SKU),
            item("ingress", 730.0, "ALB-hours", 0.0225, ELB_PAGE),
        ],
        config(&[
            ("instance_type", json!("m7g.large")),
            ("process_manager", json!("pm2")),
            ("processes_per_instance", json!(2)),
        ]),
        3_000.0,
        (2.0, "instances"),
        (120.0, 160.0),
        &["Scale-out takes 5 minutes; the peak is absorbed by min_instances."],
    );
    WorkloadPlan {
        name: name.to_string(),
        kind: WorkloadKind::Service,
        options: vec![lambda, step_functions, ecs, ec2],
        recommendation: Recommendation {
            platform: Some(Platform::Lambda),
            reason: "Cheapest feasible option; ECS Fargate is within 10% but has more to \
                     operate"
                .to_string(),
            versus: Some(Versus {
                recommended: Platform::Lambda,
                other: Some(Platform::Ecs),
                break_even: Some(BreakEven {
                    cheaper_below: Platform::Lambda,
                    cheaper_above: Platform::Ecs,
                    below_feasible: true,
                    above_feasible: true,
                    average_rps: 62.75,
                }),
                cheaper_now: Some(Platform::Lambda),
                searched: (1.0 / 128.0, 128.0),
            }),
            band: None,
        },
        cost_curve: CostCurve {
            rates: vec![1.0, 10.0, 100.0, 1_000.0],
            series: vec![
                (
                    Platform::Lambda,
                    vec![Some(0.52), Some(5.2), Some(52.0), Some(520.0)],
                ),
                (Platform::StepFunctions, vec![None, None, None, None]),
                (
                    Platform::Ecs,
                    vec![Some(53.9), Some(53.9), Some(80.85), Some(431.2)],
                ),
                (
                    Platform::Ec2,
                    vec![Some(135.6), Some(135.6), Some(135.6), None],
                ),
            ],
        },
        average_rps: 49.47,
        notes: Vec::new(),
        traffic: crate::model::traffic::Curve::flat(0.0),
        deadline: None,
        sensitivity: vec![
            Sensitivity {
                input: Input::AverageRate,
                today: 49.47,
                down: None,
                up: Some(Flip {
                    value: 62.75,
                    factor: 62.75 / 49.47,
                    to: Some(Platform::Ecs),
                    between: None,
                }),
                searched: (0.1, 10.0),
            },
            Sensitivity {
                input: Input::Duration,
                today: 120.0,
                down: None,
                up: Some(Flip {
                    value: 540.0,
                    factor: 4.5,
                    to: None,
                    between: Some((240.0, 540.0)),
                }),
                searched: (0.1, 10.0),
            },
            Sensitivity {
                input: Input::Prices(Platform::Lambda),
                today: 1.0,
                down: None,
                up: None,
                searched: (1.0, 10.0),
            },
        ],
    }
}

/// Plan 1: one service with all four platforms.
pub fn service_plan() -> Plan {
    Plan {
        profile: "Checkout API".to_string(),
        region: "us-east-1".to_string(),
        pricing: provenance(),
        free_tier: false,
        workloads: vec![service_workload("checkout-api")],
        assumptions: assumptions(),
        not_included: crate::model::not_included(),
    }
}

/// Plan 2: a fan-out job with makespans, the free tier credited on Lambda.
pub fn fanout_plan() -> Plan {
    let mut lambda = option(
        Platform::Lambda,
        true,
        vec![
            item(
                "requests",
                7_200_000.0,
                "requests",
                0.000_000_2,
                LAMBDA_PAGE,
            ),
            item(
                "duration",
                5_760_000.0,
                "GB-s",
                0.000_013_333_4,
                LAMBDA_PAGE,
            ),
            LineItem {
                item: "free_tier".to_string(),
                quantity: 400_000.0,
                unit: "GB-s".to_string(),
                unit_price_usd: 0.000_013_333_4,
                cost_usd: -5.333_36,
                source: LAMBDA_PAGE.to_string(),
            },
        ],
        config(&[("architecture", json!("arm64")), ("memory_mb", json!(1024))]),
        1_250.0,
        (1_000.0, "concurrent executions"),
        (800.0, 1_100.0),
        &["Account concurrency limit of 1,000 caps the fan-out at 1,000 items at once."],
    );
    lambda.makespan_s = Some(8.0);
    let mut sfn = option(
        Platform::StepFunctions,
        false,
        vec![
            item(
                "state_transitions",
                28_800_000.0,
                "state transitions",
                0.000_025,
                SFN_PAGE,
            ),
            item(
                "lambda_requests",
                7_200_000.0,
                "requests",
                0.000_000_2,
                LAMBDA_PAGE,
            ),
            item(
                "lambda_duration",
                5_760_000.0,
                "GB-s",
                0.000_013_333_4,
                LAMBDA_PAGE,
            ),
        ],
        config(&[("map", json!("inline")), ("type", json!("standard"))]),
        50.0,
        (40.0, "concurrent iterations"),
        (800.0, 1_050.0),
        &[
            "Inline Map runs at most 40 iterations at once: makespan 200 s misses the 120 s \
             deadline.",
        ],
    );
    sfn.makespan_s = Some(200.0);
    let mut ecs = option(
        Platform::Ecs,
        true,
        vec![
            item("vcpu", 40.0, "vCPU-hours", 0.032_384, FARGATE_PAGE),
            item("memory", 80.0, "GB-hours", 0.003_556_25, FARGATE_PAGE),
        ],
        config(&[("tasks_max", json!(20)), ("vcpu", json!(1))]),
        33.3,
        (20.0, "tasks"),
        (800.0, 950.0),
        &[],
    );
    ecs.makespan_s = Some(75.5);
    let ec2 = OptionPlan {
        risks: vec!["Disabled in the profile (platforms.ec2.enabled: false).".to_string()],
        ..OptionPlan::disabled(Platform::Ec2)
    };
    Plan {
        profile: "Media jobs".to_string(),
        region: "eu-west-1".to_string(),
        pricing: provenance(),
        free_tier: true,
        workloads: vec![WorkloadPlan {
            name: "thumbnails".to_string(),
            kind: WorkloadKind::Fanout,
            options: vec![lambda, sfn, ecs, ec2],
            recommendation: Recommendation {
                platform: Some(Platform::Ecs),
                reason: "Cheapest option that meets the 120 s deadline.".to_string(),
                versus: None,
                band: None,
            },
            cost_curve: CostCurve {
                rates: vec![0.1, 1.0, 10.0],
                series: vec![
                    (Platform::Lambda, vec![Some(0.02), Some(7.25), Some(72.5)]),
                    (Platform::StepFunctions, vec![Some(1.0), None, None]),
                    (Platform::Ecs, vec![Some(0.5), Some(1.83), Some(18.3)]),
                    (Platform::Ec2, vec![None, None, None]),
                ],
            },
            average_rps: 2.74,
            notes: vec!["Calibrated against arn:aws:lambda:eu-west-1:123456789012:function:thumbs on 2026-07-01.".to_string()],
            traffic: crate::model::traffic::Curve::flat(0.0),
            deadline: Some(crate::model::Deadline {
                deadline_s: 120.0,
                margin: 0.1,
                usable_s: 108.0,
            }),
            sensitivity: Vec::new(),
        }],
        assumptions: assumptions(),
        not_included: crate::model::not_included(),
    }
}

/// Plan 3: nothing feasible; the workload name carries a `|`.
pub fn infeasible_plan() -> Plan {
    let mut workload = service_workload("legacy | batch");
    for o in &mut workload.options {
        if o.platform != Platform::StepFunctions {
            o.feasible = false;
            o.risks
                .push("p99 latency exceeds the 100 ms SLO.".to_string());
        }
    }
    // The book has no EC2 prices: that option is unpriced, not infeasible.
    if let Some(ec2) = workload
        .options
        .iter_mut()
        .find(|o| o.platform == Platform::Ec2)
    {
        *ec2 = OptionPlan::unpriced(
            Platform::Ec2,
            crate::pricing::Missing {
                region: "us-west-2".to_string(),
                what: crate::pricing::Missing::INSTANCES,
                key: crate::pricing::keys::EC2_INSTANCES.to_string(),
            },
        );
    }
    workload.recommendation = Recommendation {
        platform: None,
        reason: "No option meets the SLO (p99 ≤ 100 ms).".to_string(),
        versus: None,
        band: None,
    };
    workload.cost_curve = CostCurve {
        rates: vec![1.0, 10.0],
        series: Platform::ALL
            .iter()
            .map(|p| (*p, vec![None, None]))
            .collect(),
    };
    Plan {
        profile: "Legacy".to_string(),
        region: "us-west-2".to_string(),
        pricing: Provenance {
            source: "pricing-cache/us-west-2.yaml".to_string(),
            as_of: "2026-01-15".to_string(),
            cited: Vec::new(),
        },
        free_tier: false,
        workloads: vec![workload],
        assumptions: Vec::new(),
        not_included: crate::model::not_included(),
    }
}
