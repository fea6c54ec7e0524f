//! Builders the model's tests share: the test price book and workloads.

use crate::pricing::{Instance, Price, PriceBook, Quota, Tier, keys};
use crate::profile::{Architecture, Job, Request, Slo, Traffic, Work, Workload};
use std::collections::BTreeMap;

/// The shipped us-east-1 book.
pub fn book() -> PriceBook {
    serde_yaml::from_str(include_str!("../../pricing-cache/us-east-1.yaml"))
        .expect("us-east-1 book parses")
}

/// A flat service of `rps` requests a second.
pub fn flat_service(rps: f64, duration_ms: f64, cpu_ms: f64, memory_mb: u32) -> Workload {
    Workload {
        name: "svc".into(),
        work: Work::Service {
            traffic: Traffic {
                monthly_requests: None,
                rps: Some(rps),
                peak_to_average: 1.0,
                shape: Default::default(),
                trace: None,
                trace_data: None,
            },
        },
        request: Request {
            duration_ms,
            cpu_ms,
            threads: 1,
            memory_mb,
            payload_kb: 1.0,
        },
        slo: None,
        calibration: None,
    }
}

fn price(unit: &str, usd: f64) -> Price {
    Price {
        unit: unit.into(),
        tiers: vec![Tier { upto: None, usd }],
        source: "PRICES.md (test)".into(),
    }
}

pub fn instance(
    arch: &str,
    vcpu: u32,
    memory_gib: f64,
    hourly: f64,
    baseline: Option<f64>,
) -> Instance {
    Instance {
        arch: arch.into(),
        vcpu,
        memory_gib,
        on_demand_hourly: hourly,
        source: "PRICES.md §4 (test)".into(),
        baseline_cpu_share: baseline,
    }
}

/// A small us-east-1 book (PRICES.md figures) for the fleet tests.
pub fn fleet_book() -> PriceBook {
    let mut prices = BTreeMap::new();
    for (arch, v, m) in [
        (Architecture::X86_64, 0.04048, 0.004445),
        (Architecture::Arm64, 0.03238, 0.00356),
    ] {
        prices.insert(keys::fargate_vcpu(arch, false), price("vCPU-hour", v));
        prices.insert(keys::fargate_memory(arch, false), price("GB-hour", m));
        prices.insert(keys::fargate_vcpu(arch, true), price("vCPU-hour", v * 0.3));
        prices.insert(keys::fargate_memory(arch, true), price("GB-hour", m * 0.3));
    }
    prices.insert(
        keys::FARGATE_EPHEMERAL_STORAGE.into(),
        price("GB-hour", 0.000111),
    );
    prices.insert(keys::ALB_HOURS.into(), price("ALB-hour", 0.0225));
    prices.insert(keys::ALB_LCU.into(), price("LCU-hour", 0.008));
    let mut instances = BTreeMap::new();
    instances.insert(
        "t3.small".into(),
        instance("x86_64", 2, 2.0, 0.0208, Some(0.2)),
    );
    instances.insert("m5.large".into(), instance("x86_64", 2, 8.0, 0.096, None));
    instances.insert("m7g.large".into(), instance("arm64", 2, 8.0, 0.0816, None));
    instances.insert(
        "m7g.xlarge".into(),
        instance("arm64", 4, 16.0, 0.1632, None),
    );
    instances.insert("c7g.large".into(), instance("arm64", 2, 4.0, 0.0725, None));
    let mut quotas = BTreeMap::new();
    quotas.insert(
        keys::Q_FARGATE_LAUNCH.into(),
        Quota {
            value: 20.0,
            unit: "task launches per second".into(),
            source: "PRICES.md §3 (test)".into(),
        },
    );
    PriceBook {
        region: "us-east-1".into(),
        made: "2026-01-01".into(),
        source: "test".into(),
        prices,
        instances,
        free_tier: BTreeMap::new(),
        quotas,
    }
}

pub fn service(rps: f64, request: Request) -> Workload {
    Workload {
        name: "api".into(),
        work: Work::Service {
            traffic: Traffic {
                monthly_requests: None,
                rps: Some(rps),
                peak_to_average: 1.0,
                shape: crate::profile::Shape::Flat,
                trace: None,
                trace_data: None,
            },
        },
        request,
        slo: None,
        calibration: None,
    }
}

pub fn with_slo(mut w: Workload, p99: Option<f64>, shed: Option<f64>) -> Workload {
    w.slo = Some(Slo {
        p99_latency_ms: p99,
        max_throttled_share: shed,
    });
    w
}

pub fn fanout(items: u64, runs: f64, deadline_s: Option<f64>, request: Request) -> Workload {
    Workload {
        name: "batch".into(),
        work: Work::Fanout {
            job: Job {
                items,
                runs_per_month: runs,
                deadline_s,
            },
        },
        request,
        slo: None,
        calibration: None,
    }
}

pub fn req(duration_ms: f64, cpu_ms: f64, memory_mb: u32) -> Request {
    Request {
        duration_ms,
        cpu_ms,
        memory_mb,
        ..Request::default()
    }
}
