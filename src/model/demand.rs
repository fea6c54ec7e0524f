//! What a workload asks of a platform: the per-request work, the traffic curve (or the job),
//! the SLO, and the free allowance left for it. Scaled copies drive the cost-vs-rate chart
//! and the break-even search.

use super::billing::FreeTier;
use super::traffic::{Curve, MONTH_S};
use crate::profile::{Job, Request, Workload, WorkloadKind};

/// Throttled or shed share tolerated when the profile states no SLO.
pub const DEFAULT_MAX_THROTTLED_SHARE: f64 = 0.0001;

#[derive(Debug, Clone, PartialEq)]
pub struct Demand<'a> {
    pub workload: &'a Workload,
    /// Work per request. For a workflow run in one process or one function, all its steps in
    /// sequence (wait steps included: a process or function holds the request meanwhile).
    pub request: Request,
    /// Requests per second over the representative period (flat zero for fan-out jobs).
    pub curve: Curve,
    /// Fan-out jobs: items and runs (runs scaled with the demand).
    pub job: Option<Job>,
    pub free: FreeTier,
    /// How far this demand is scaled from the profile's stated traffic.
    pub scale: f64,
}

impl<'a> Demand<'a> {
    pub fn new(workload: &'a Workload, free: FreeTier) -> Demand<'a> {
        let request = match (workload.kind, &workload.workflow) {
            (WorkloadKind::Workflow, Some(wf)) if !wf.steps.is_empty() => Request {
                duration_ms: wf.steps.iter().map(|s| s.duration_ms).sum(),
                cpu_ms: wf.steps.iter().map(|s| s.cpu_ms).sum(),
                threads: workload.request.threads,
                memory_mb: wf
                    .steps
                    .iter()
                    .map(|s| s.memory_mb)
                    .max()
                    .unwrap_or(workload.request.memory_mb),
                payload_kb: workload.request.payload_kb,
            },
            _ => workload.request.clone(),
        };
        let curve = match (&workload.traffic, workload.kind) {
            (Some(t), WorkloadKind::Service | WorkloadKind::Workflow) => Curve::from_traffic(t),
            _ => Curve::flat(0.0),
        };
        Demand {
            workload,
            request,
            curve,
            job: workload.job.clone(),
            free,
            scale: 1.0,
        }
    }

    /// The same workload at `factor` times its traffic (or runs per month).
    pub fn scaled(&self, factor: f64) -> Demand<'a> {
        let mut d = self.clone();
        d.curve = self.curve.scaled(factor);
        if let Some(job) = &mut d.job {
            job.runs_per_month *= factor;
        }
        d.scale = self.scale * factor;
        d
    }

    /// Average rate: requests/s, or items/s over the month for a fan-out job.
    pub fn average_rps(&self) -> f64 {
        match &self.job {
            Some(job) => job.items as f64 * job.runs_per_month / MONTH_S,
            None => self.curve.mean(),
        }
    }

    pub fn monthly_requests(&self) -> f64 {
        match &self.job {
            Some(job) => job.items as f64 * job.runs_per_month,
            None => self.curve.monthly_requests(),
        }
    }

    pub fn p99_target_ms(&self) -> Option<f64> {
        self.workload.slo.as_ref().and_then(|s| s.p99_latency_ms)
    }

    pub fn max_throttled_share(&self) -> f64 {
        self.workload
            .slo
            .as_ref()
            .and_then(|s| s.max_throttled_share)
            .unwrap_or(DEFAULT_MAX_THROTTLED_SHARE)
    }

    pub fn kind(&self) -> WorkloadKind {
        self.workload.kind
    }
}
