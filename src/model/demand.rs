//! What a workload asks of a platform: the per-request work, the traffic curve (or the job),
//! the SLO, and the free allowance left for it. Scaled copies drive the cost-vs-rate chart
//! and the break-even search.

use super::billing::FreeTier;
use super::traffic::{Curve, MONTH_S};
use crate::profile::{Request, Work, Workload, WorkloadKind};
use std::borrow::Cow;

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
    /// The workload's kind with its sections, matched by every platform (a job's runs scaled
    /// with the demand; the traffic as stated: platforms serve `curve`).
    pub work: Cow<'a, Work>,
    pub free: FreeTier,
    /// How far this demand is scaled from the profile's stated traffic.
    pub scale: f64,
}

impl<'a> Demand<'a> {
    pub fn new(workload: &'a Workload, free: FreeTier) -> Demand<'a> {
        let request = match workload.work.workflow() {
            Some(wf) if !wf.steps.is_empty() => Request {
                duration_ms: wf.steps.iter().map(|s| s.duration_ms).sum(),
                cpu_ms: wf.steps.iter().map(|s| s.cpu_ms).sum(),
                threads: workload.request.threads,
                runtime: workload.request.runtime,
                memory_mb: wf
                    .steps
                    .iter()
                    .map(|s| s.memory_mb)
                    .max()
                    .unwrap_or(workload.request.memory_mb),
                payload_kb: workload.request.payload_kb,
            },
            Some(_) | None => calibrated(workload),
        };
        let curve = workload
            .work
            .traffic()
            .map_or_else(|| Curve::flat(0.0), Curve::from_traffic);
        Demand {
            workload,
            request,
            curve,
            work: Cow::Borrowed(&workload.work),
            free,
            scale: 1.0,
        }
    }

    /// The same workload at `factor` times its traffic (or runs per month).
    pub fn scaled(&self, factor: f64) -> Demand<'a> {
        let mut d = self.clone();
        d.curve = self.curve.scaled(factor);
        if self.work.job().is_some()
            && let Some(job) = d.work.to_mut().job_mut()
        {
            job.runs_per_month *= factor;
        }
        d.scale = self.scale * factor;
        d
    }

    /// Average rate: requests/s, or items/s over the month for a fan-out job.
    pub fn average_rps(&self) -> f64 {
        match self.work.job() {
            Some(job) => job.items as f64 * job.runs_per_month / MONTH_S,
            None => self.curve.mean(),
        }
    }

    pub fn monthly_requests(&self) -> f64 {
        match self.work.job() {
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
        self.workload.kind()
    }

    /// Report notes on the workload's calibration: when and from how much it was measured,
    /// and measured against modelled duration at each measured memory size.
    pub fn calibration_notes(&self) -> Vec<String> {
        let Some(cal) = &self.workload.calibration else {
            return Vec::new();
        };
        let mut notes = vec![match &cal.fit {
            Some(fit) => format!(
                "Calibrated on {} from {} invocations of `{}`: I/O {:.1} ms + CPU {:.1} ms at one vCPU \
                 (fit RMSE {:.1} ms, worst {:.1}%); these replace the profile's duration_ms/cpu_ms.",
                cal.date,
                cal.invocations,
                cal.function,
                fit.io_ms,
                fit.cpu_ms,
                fit.rmse_ms,
                fit.max_error_pct
            ),
            None => format!(
                "Calibrated on {} from {} invocations of `{}`; the sizes measured could not \
                 separate I/O from CPU, so the profile's duration_ms/cpu_ms are used.",
                cal.date, cal.invocations, cal.function
            ),
        }];
        for s in &cal.sizes {
            let modelled = super::lambda::duration_ms(&self.request, s.memory_mb);
            notes.push(format!(
                "At {} MB: measured p50 {:.1} ms (mean {:.1}, p99 {:.1}), modelled {:.1} ms.",
                s.memory_mb, s.p50_ms, s.mean_ms, s.p99_ms, modelled
            ));
        }
        notes
    }
}

/// The workload's request, with a calibration fit's I/O and CPU parts in place of the stated
/// `duration_ms` / `cpu_ms` (at one vCPU the duration is I/O + CPU).
fn calibrated(workload: &Workload) -> Request {
    let mut request = workload.request.clone();
    if let Some(fit) = workload.calibration.as_ref().and_then(|c| c.fit.as_ref()) {
        request.duration_ms = fit.io_ms + fit.cpu_ms;
        request.cpu_ms = fit.cpu_ms;
        request.threads = fit.threads.max(1);
    }
    request
}
