//! What a workload asks of a platform: the per-request work, the traffic curve (or the job),
//! the SLO, and the free allowance left for it. Scaled copies drive the cost-vs-rate chart
//! and the break-even search.

use super::billing::FreeTier;
use super::plan::Deadline;
use super::traffic::{Curve, MONTH_S};
use super::words::{fmt_num, pct, round_to};
use crate::profile::{LogsConfig, Network, Request, Step, Work, Workload, WorkloadKind};
use std::borrow::Cow;

/// Throttled or shed share tolerated when the profile states no SLO.
pub const DEFAULT_MAX_THROTTLED_SHARE: f64 = 0.0001;
/// Share of a fan-out deadline kept as headroom when the profile states none (SPEC §5): a run
/// planned to end at 119.9 s of 120 misses on the first slow start.
pub const DEFAULT_DEADLINE_MARGIN: f64 = 0.10;

#[derive(Debug, Clone, PartialEq)]
pub struct Demand<'a> {
    pub workload: &'a Workload,
    /// Work per request. For a workflow run in one process or one function, all its steps in
    /// sequence (wait steps and callback waits included: a process or function holds the
    /// request meanwhile).
    pub request: Request,
    /// Requests per second over the representative period (flat zero for fan-out jobs).
    pub curve: Curve,
    /// The workload's kind with its sections, matched by every platform (a job's runs scaled
    /// with the demand; the traffic as stated: platforms serve `curve`).
    pub work: Cow<'a, Work>,
    pub free: FreeTier,
    /// How far this demand is scaled from the profile's stated traffic.
    pub scale: f64,
    /// What the options log to CloudWatch Logs, billed by `model::logs` (`None`: no logs
    /// lines, as in the model's unit tests; a profile's plan always sets it).
    pub logs: Option<LogsConfig>,
    /// The profile's `network:` section, which the network lines are billed from
    /// (`model::network`); `None` leaves them out (the model's tests of other lines).
    pub network: Option<&'a Network>,
}

impl<'a> Demand<'a> {
    pub fn new(workload: &'a Workload, free: FreeTier) -> Demand<'a> {
        let request = match workload.work.workflow() {
            Some(wf) if !wf.steps.is_empty() => Request {
                duration_ms: wf
                    .steps
                    .iter()
                    .map(|s| s.duration_ms + s.callback_ms())
                    .sum(),
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
            logs: None,
            network: None,
        }
    }

    /// `workload` of `profile` as every plan bills it: with the profile's `logs:` and
    /// `network:` sections (the model's unit tests build bare demands with [`Demand::new`]).
    pub fn in_profile(
        workload: &'a Workload,
        free: FreeTier,
        profile: &'a crate::profile::Profile,
    ) -> Demand<'a> {
        Demand::new(workload, free)
            .with_logs(profile.logs)
            .with_network(&profile.network)
    }

    /// This demand with the profile's `logs:` section billed on every option.
    pub fn with_logs(mut self, logs: LogsConfig) -> Demand<'a> {
        self.logs = Some(logs);
        self
    }

    /// The same demand with the profile's `network:` section billed.
    pub fn with_network(mut self, network: &'a Network) -> Demand<'a> {
        self.network = Some(network);
        self
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

    /// The same demand with the work of each request changed by `edit`, given a request's
    /// (or a workflow task step's) duration, CPU time and memory: on a workflow with steps,
    /// every task step is edited (waits are not work) and the request run in one process is
    /// their sum again, as [`Demand::new`] makes it. The traffic is kept. For the
    /// sensitivity search ([`super::sensitivity`]).
    pub fn with_work_edited(&self, edit: impl Fn(&mut f64, &mut f64, &mut u32)) -> Demand<'a> {
        let mut d = self.clone();
        let has_steps = d.work.workflow().is_some_and(|wf| !wf.steps.is_empty());
        if has_steps && let Some(wf) = d.work.to_mut().workflow_mut() {
            for s in wf.steps.iter_mut().filter(|s| !s.wait) {
                edit(&mut s.duration_ms, &mut s.cpu_ms, &mut s.memory_mb);
            }
            d.request.duration_ms = wf
                .steps
                .iter()
                .map(|s| s.duration_ms + s.callback_ms())
                .sum();
            d.request.cpu_ms = wf.steps.iter().map(|s| s.cpu_ms).sum();
            d.request.memory_mb = wf
                .steps
                .iter()
                .map(|s| s.memory_mb)
                .max()
                .unwrap_or(d.request.memory_mb);
        } else {
            let r = &mut d.request;
            edit(&mut r.duration_ms, &mut r.cpu_ms, &mut r.memory_mb);
        }
        d
    }

    /// Whether [`Demand::with_work_edited`] reaches all the work: not on a workflow without
    /// steps, whose Step Functions task state reads the profile's request.
    pub fn work_editable(&self) -> bool {
        self.work.workflow().is_none_or(|wf| !wf.steps.is_empty())
    }

    /// The same demand with the traffic's peak-to-average ratio changed (a diurnal or bursty
    /// shape only: `None` otherwise, or for a job).
    pub fn with_peak_to_average(&self, ratio: f64) -> Option<Demand<'a>> {
        let t = self.work.traffic()?;
        if !matches!(
            t.shape,
            crate::profile::Shape::Diurnal | crate::profile::Shape::Bursty
        ) {
            return None;
        }
        let mut t = t.clone();
        t.peak_to_average = ratio;
        let mut d = self.clone();
        d.curve = Curve::from_traffic(&t).scaled(self.scale);
        Some(d)
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

    /// The workflow step with the longest callback wait, if any step waits for one.
    pub fn callback_step(&self) -> Option<&'a Step> {
        self.workload
            .work
            .workflow()?
            .steps
            .iter()
            .filter(|s| s.callback_ms() > 0.0)
            .max_by(|a, b| a.callback_ms().total_cmp(&b.callback_ms()))
    }

    pub fn p99_target_ms(&self) -> Option<f64> {
        self.workload.slo.as_ref().and_then(|s| s.p99_latency_ms)
    }

    /// A queue's p99 message-age target, s (`slo.p99_message_age_s`).
    pub fn p99_age_target_s(&self) -> Option<f64> {
        self.workload.slo.as_ref().and_then(|s| s.p99_message_age_s)
    }

    /// A stream's SLO on its records' age when processed, p99, seconds.
    pub fn p99_iterator_age_s(&self) -> Option<f64> {
        self.workload
            .slo
            .as_ref()
            .and_then(|s| s.p99_iterator_age_s)
    }

    pub fn max_throttled_share(&self) -> f64 {
        self.workload
            .slo
            .as_ref()
            .and_then(|s| s.max_throttled_share)
            .unwrap_or(DEFAULT_MAX_THROTTLED_SHARE)
    }

    /// The share of a fan-out job's deadline kept as headroom: the profile's
    /// `job.deadline_margin`, 10% by default.
    pub fn deadline_margin(&self) -> f64 {
        self.work
            .job()
            .and_then(|j| j.deadline_margin)
            .filter(|m| m.is_finite())
            .map_or(DEFAULT_DEADLINE_MARGIN, |m| m.clamp(0.0, 1.0))
    }

    /// The time a fan-out run may take and still count as meeting its deadline: the deadline
    /// less the margin. The one rule every platform's fan-out (fleets, Lambda, Step Functions
    /// Map) is judged by; `None` when the job states no deadline (or this is not a job).
    pub fn usable_deadline_s(&self) -> Option<f64> {
        let deadline = self.work.job()?.deadline_s?;
        Some(deadline * (1.0 - self.deadline_margin()))
    }

    /// The deadline the options are held to, for the report.
    pub fn deadline(&self) -> Option<Deadline> {
        let deadline_s = self.work.job()?.deadline_s?;
        Some(Deadline {
            deadline_s,
            margin: self.deadline_margin(),
            usable_s: self.usable_deadline_s()?,
        })
    }

    /// The deadline in words, with its margin: "the 120 s deadline less its 10% margin
    /// (108 s)"; "the 120 s deadline" when the margin is zero. Empty without a deadline.
    pub fn deadline_words(&self) -> String {
        let Some(deadline) = self.work.job().and_then(|j| j.deadline_s) else {
            return String::new();
        };
        let margin = self.deadline_margin();
        if margin > 0.0 {
            format!(
                "the {} s deadline less its {} margin ({} s)",
                fmt_num(round_to(deadline, 1)),
                pct(margin),
                fmt_num(round_to(deadline * (1.0 - margin), 1))
            )
        } else {
            format!("the {} s deadline", fmt_num(round_to(deadline, 1)))
        }
    }

    /// Memory one process needs when it holds `in_flight` requests or items at once, MB. A
    /// service's `memory_mb` is the process's; a fan-out job's is each item's, and a process
    /// gathering items holds every item in flight in memory at once (8 items of 4 GB need
    /// 32 GB, not 4).
    pub fn process_memory_mb(&self, in_flight: u32) -> u64 {
        let per = self.request.memory_mb as u64;
        match &*self.work {
            Work::Fanout { .. } => per * in_flight.max(1) as u64,
            Work::Service { .. }
            | Work::Workflow { .. }
            | Work::Queue { .. }
            | Work::Stream { .. } => per,
        }
    }

    pub fn kind(&self) -> WorkloadKind {
        self.workload.kind()
    }

    /// Whether work beyond a fleet's capacity waits rather than being shed: a stream's records
    /// stay in the stream until a consumer reads them (its iterator age grows instead).
    pub fn buffers_excess(&self) -> bool {
        match &*self.work {
            Work::Stream { .. } => true,
            // A queue's workers are sized to keep up; a backlog they let build is judged in
            // `fleet::consumers::consume` (the message age) and by the shedding allowance.
            Work::Service { .. }
            | Work::Fanout { .. }
            | Work::Workflow { .. }
            | Work::Queue { .. } => false,
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::plan_workload;
    use crate::model::testkit::{book, fanout, req};
    use crate::profile::{EcsConfig, FleetIngress, Platforms};

    fn with_margin(mut w: Workload, margin: Option<f64>) -> Workload {
        if let Some(job) = w.work.job_mut() {
            job.deadline_margin = margin;
        }
        w
    }

    #[test]
    fn usable_deadline_keeps_the_margin() {
        let w = fanout(100, 30.0, Some(120.0), req(100.0, 0.0, 128));
        let d = Demand::new(&w, FreeTier::none());
        assert_eq!(d.deadline_margin(), 0.10);
        assert!((d.usable_deadline_s().unwrap() - 108.0).abs() < 1e-9);
        assert_eq!(
            d.deadline_words(),
            "the 120 s deadline less its 10% margin (108 s)"
        );
        let w = with_margin(w, Some(0.25));
        let d = Demand::new(&w, FreeTier::none());
        assert!((d.usable_deadline_s().unwrap() - 90.0).abs() < 1e-9);
        let w = with_margin(w, Some(0.0));
        let d = Demand::new(&w, FreeTier::none());
        assert_eq!(d.usable_deadline_s(), Some(120.0));
        assert_eq!(d.deadline_words(), "the 120 s deadline");
        let w = fanout(100, 30.0, None, req(100.0, 0.0, 128));
        assert_eq!(Demand::new(&w, FreeTier::none()).usable_deadline_s(), None);
    }

    /// The reviewer's three plans (119.9 s of 120, 899.8 of 900, 3,595 of 3,600): on every
    /// platform, a feasible fan-out now ends at least 10% before its deadline.
    #[test]
    fn every_platform_keeps_ten_percent_headroom() {
        let platforms = Platforms {
            ecs: EcsConfig {
                concurrency_per_task: 4,
                max_tasks: 2000,
                ingress: FleetIngress::None,
                ..EcsConfig::default()
            },
            ..Platforms::default()
        };
        for (items, deadline) in [(10_000, 120.0), (200_000, 900.0), (1_000_000, 3600.0)] {
            let w = fanout(items, 30.0, Some(deadline), req(800.0, 600.0, 512));
            let d = Demand::new(&w, FreeTier::none());
            let wp = plan_workload(&d, &platforms, &book());
            let feasible: Vec<_> = wp.options.iter().filter(|o| o.feasible).collect();
            assert!(!feasible.is_empty(), "{deadline}: {:?}", wp.options);
            for o in feasible {
                let m = o.makespan_s.unwrap_or(f64::INFINITY);
                assert!(m <= 0.9 * deadline, "{:?} {m} of {deadline}", o.platform);
            }
        }
    }

    #[test]
    fn the_margin_is_the_profiles_to_set() {
        // 2 items of 1 GB in flight per 1 vCPU task: tasks are added until the run fits.
        let cfg = EcsConfig {
            concurrency_per_task: 2,
            max_tasks: 1000,
            ingress: FleetIngress::None,
            ..EcsConfig::default()
        };
        let at = |margin: Option<f64>| {
            let w = with_margin(
                fanout(10_000, 730.0, Some(120.0), req(800.0, 600.0, 1024)),
                margin,
            );
            let d = Demand::new(&w, FreeTier::none());
            let p = crate::model::fleet::ecs::evaluate(&d, &cfg, &book());
            assert!(p.feasible, "{:?}", p.risks);
            p.makespan_s.unwrap_or(f64::INFINITY)
        };
        let none = at(Some(0.0));
        assert!(none > 108.0 && none <= 120.0, "{none}");
        assert!(at(None) <= 108.0);
        assert!(at(Some(0.2)) <= 96.0);
    }
}
