//! Builders the model's tests share: the test price book and workloads.

use crate::pricing::PriceBook;
use crate::profile::{Job, Request, Slo, Traffic, Work, Workload};

/// The shipped us-east-1 book.
pub fn book() -> PriceBook {
    serde_yaml::from_str(include_str!("../../pricing-cache/us-east-1.yaml"))
        .expect("us-east-1 book parses")
}

/// The us-east-1 book with the account's own quotas stated (`(key, value)` pairs), as a
/// profile's `quotas:` states them: hard limits.
pub fn book_with_quotas(stated: &[(&str, f64)]) -> PriceBook {
    let stated = stated.iter().map(|&(k, v)| (k.to_string(), v)).collect();
    book().with_account_quotas(&stated).into_owned()
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
            runtime: Default::default(),
            memory_mb,
            payload_kb: 1.0,
        },
        slo: None,
        calibration: None,
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
        p99_message_age_s: None,
        p99_iterator_age_s: None,
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
                deadline_margin: None,
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

/// A `kind: stream` workload: `rps` records a second of `record_kb`, each taking
/// `duration_ms` (no CPU), read as `stream` says.
pub fn stream(
    rps: f64,
    shape: crate::profile::Shape,
    peak_to_average: f64,
    record_kb: f64,
    duration_ms: f64,
    stream: crate::profile::Stream,
) -> Workload {
    Workload {
        name: "clicks".into(),
        work: Work::Stream {
            traffic: Traffic {
                monthly_requests: None,
                rps: Some(rps),
                peak_to_average,
                shape,
                trace: None,
                trace_data: None,
            },
            stream,
        },
        request: Request {
            duration_ms,
            memory_mb: 512,
            payload_kb: record_kb,
            ..Request::default()
        },
        slo: None,
        calibration: None,
    }
}
