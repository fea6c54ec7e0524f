//! The knobs the parameter pane edits: which apply to a workload, how each reads, steps,
//! parses typed text and resets. Pure: a `Profile` in, a changed `Profile` (or a refusal) out.
//!
//! Every change is made on a copy and checked (`check`) before it is kept, so an invalid
//! value is refused with a message and never reaches the model. Stepping lives in `step.rs`,
//! typed text in `text.rs`.

mod step;
mod text;

use crate::format;
use crate::pricing::PriceBook;
use crate::profile::{
    self, Architecture, AutoOr, KclMetricsLevel, LAMBDA_MEMORY_MB, MAX_PEAK_TO_AVERAGE, Profile,
    Purchase, Runtime, Shape, StreamCapacity, WorkflowType, Workload, WorkloadKind,
};

/// One editable knob.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Param {
    Rps,
    MonthlyRequests,
    PeakToAverage,
    Shape,
    Items,
    RunsPerMonth,
    DeadlineS,
    Transitions,
    StreamCapacity,
    StreamShards,
    StreamBatchSize,
    StreamParallelization,
    /// kind: stream: the KCL's `MetricsLevel` on the fleets (their `cloudwatch_metrics`).
    StreamKclMetrics,
    DurationMs,
    CpuMs,
    MemoryMb,
    PayloadKb,
    Runtime,
    /// kind: queue: the queue's type, batch size, mapping's max concurrency, failure share.
    QueueType,
    QueueBatch,
    QueueMaxConcurrency,
    QueueFailureShare,
    LambdaMemory,
    LambdaArch,
    LambdaProvisioned,
    LambdaPurchase,
    SfnType,
    EcsVcpu,
    EcsMemory,
    EcsPurchase,
    Ec2Instance,
    Ec2Processes,
    Ec2Purchase,
}

/// Where a knob lives: shown as a heading in the pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Workload,
    Platforms,
}

const LAMBDA_MEMORY_STEPS: [u32; 11] = [
    128, 256, 512, 1024, 1769, 2048, 3008, 4096, 6144, 8192, 10240,
];
const REQUEST_MEMORY_STEPS: [u32; 12] = [
    128, 256, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144, 8192, 10240,
];
/// The runtimes in the order `+` walks them: one core per process, then every core.
const RUNTIMES: [Runtime; 8] = [
    Runtime::OneCore,
    Runtime::Nodejs,
    Runtime::Python,
    Runtime::Ruby,
    Runtime::AllCores,
    Runtime::Go,
    Runtime::Java,
    Runtime::Dotnet,
];

impl Param {
    /// The knobs for workload `wi` of `p`, in display order.
    pub fn for_workload(w: &Workload) -> Vec<Param> {
        use Param::*;
        let mut v = Vec::new();
        match w.kind() {
            WorkloadKind::Service | WorkloadKind::Workflow | WorkloadKind::Stream => {
                let t = w.work.traffic();
                if t.is_some_and(|t| t.rps.is_none() && t.monthly_requests.is_some()) {
                    v.push(MonthlyRequests);
                } else {
                    v.push(Rps);
                }
                v.extend([PeakToAverage, Shape]);
            }
            WorkloadKind::Fanout => v.extend([Items, RunsPerMonth, DeadlineS]),
            WorkloadKind::Queue => v.extend([Rps, PeakToAverage, Shape]),
        }
        let has_steps = w.work.workflow().is_some_and(|wf| !wf.steps.is_empty());
        if w.kind() == WorkloadKind::Workflow {
            v.push(Transitions);
        }
        if w.kind() == WorkloadKind::Stream {
            v.extend([
                StreamCapacity,
                StreamShards,
                StreamBatchSize,
                StreamParallelization,
                StreamKclMetrics,
            ]);
        }
        if !has_steps {
            v.extend([DurationMs, CpuMs, MemoryMb]);
        }
        v.extend([PayloadKb, Runtime]);
        if w.kind() == WorkloadKind::Queue {
            v.extend([
                QueueType,
                QueueBatch,
                QueueMaxConcurrency,
                QueueFailureShare,
            ]);
        }
        v.extend([
            LambdaMemory,
            LambdaArch,
            LambdaProvisioned,
            LambdaPurchase,
            SfnType,
            EcsVcpu,
            EcsMemory,
            EcsPurchase,
            Ec2Instance,
            Ec2Processes,
            Ec2Purchase,
        ]);
        v
    }

    pub fn group(self) -> Group {
        if (self as u8) >= (Param::LambdaMemory as u8) {
            Group::Platforms
        } else {
            Group::Workload
        }
    }

    /// The knob's label for a workload of `kind`: the rate and the monthly count in the
    /// kind's own unit (messages for a queue, records for a stream).
    pub fn label_for(self, kind: WorkloadKind) -> std::borrow::Cow<'static, str> {
        match (self, kind) {
            (Param::Rps, k) => format!("rate [{}]", k.rate_unit()).into(),
            (Param::MonthlyRequests, WorkloadKind::Queue) => "messages/mo".into(),
            (Param::MonthlyRequests, WorkloadKind::Stream) => "records/mo".into(),
            (p, _) => p.label().into(),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Param::Rps => "rate [req/s]",
            Param::MonthlyRequests => "requests/mo",
            Param::PeakToAverage => "peak/average",
            Param::Shape => "shape",
            Param::Items => "items/run",
            Param::RunsPerMonth => "runs/mo",
            Param::DeadlineS => "deadline [s]",
            Param::Transitions => "transitions",
            Param::StreamCapacity => "stream capacity",
            Param::StreamShards => "shards",
            Param::StreamBatchSize => "batch size",
            Param::StreamParallelization => "λ parallelization",
            Param::StreamKclMetrics => "KCL metrics",
            Param::DurationMs => "duration [ms]",
            Param::CpuMs => "cpu [ms]",
            Param::MemoryMb => "memory [MB]",
            Param::PayloadKb => "payload [KB]",
            Param::Runtime => "runtime",
            Param::QueueType => "queue type",
            Param::QueueBatch => "batch size",
            Param::QueueMaxConcurrency => "λ max concurrency",
            Param::QueueFailureShare => "failure share",
            Param::LambdaMemory => "λ memory [MB]",
            Param::LambdaArch => "λ arch",
            Param::LambdaPurchase => "λ purchase",
            Param::LambdaProvisioned => "λ provisioned",
            Param::SfnType => "sfn type",
            Param::EcsVcpu => "ecs vCPU",
            Param::EcsMemory => "ecs memory [GB]",
            Param::EcsPurchase => "ecs purchase",
            Param::Ec2Instance => "ec2 instance",
            Param::Ec2Processes => "ec2 processes",
            Param::Ec2Purchase => "ec2 purchase",
        }
    }

    /// What typed text this knob takes (shown while editing).
    pub fn hint(self) -> &'static str {
        match self {
            Param::Shape => "flat, diurnal or bursty",
            Param::LambdaArch => "x86_64 or arm64",
            Param::LambdaPurchase => "on_demand, savings_plan_1y, savings_plan_3y",
            Param::Runtime => "one_core, nodejs, python, ruby, all_cores, go, java or dotnet",
            Param::SfnType => "standard or express",
            Param::QueueType => "standard or fifo",
            Param::QueueMaxConcurrency => "2 to 1000, or auto",
            Param::QueueFailureShare => "a share, 0 to 0.99",
            Param::StreamCapacity => "auto, provisioned or on_demand",
            Param::StreamShards => "a number or auto",
            Param::StreamBatchSize => "1 to 10,000 records",
            Param::StreamParallelization => "1 to 10 batches per shard",
            Param::StreamKclMetrics => "detailed, summary or none (the fleets' KCL)",
            Param::EcsPurchase => "on_demand, spot, savings_plan_1y, savings_plan_3y",
            Param::Ec2Purchase => {
                "on_demand, spot, reserved_1y/3y, savings_plan_1y/3y, instance_savings_plan_1y/3y"
            }
            Param::Ec2Instance => "an instance type or auto",
            Param::LambdaMemory | Param::EcsVcpu | Param::EcsMemory | Param::Ec2Processes => {
                "a number or auto"
            }
            Param::DeadlineS => "seconds, or none",
            _ => "a number",
        }
    }

    /// The current value as shown in the pane.
    pub fn value(self, p: &Profile, wi: usize) -> String {
        let Some(w) = p.workloads.get(wi) else {
            return String::new();
        };
        let pl = &p.platforms;
        match self {
            Param::Rps => num(w.work.traffic().and_then(|t| t.rps)),
            Param::MonthlyRequests => num(w.work.traffic().and_then(|t| t.monthly_requests)),
            Param::PeakToAverage => num(w.work.traffic().map(|t| t.peak_to_average)),
            Param::Shape => w
                .work
                .traffic()
                .map_or("—", |t| shape_name(t.shape))
                .to_string(),
            Param::Items => num(w.work.job().map(|j| j.items as f64)),
            Param::RunsPerMonth => num(w.work.job().map(|j| j.runs_per_month)),
            Param::DeadlineS => match w.work.job().and_then(|j| j.deadline_s) {
                Some(d) => format::decimal(d, 2),
                None => "none".into(),
            },
            Param::Transitions => num(w.work.workflow().map(|wf| f64::from(wf.transitions))),
            Param::StreamCapacity => w
                .work
                .stream()
                .map_or("—", |s| s.capacity.as_str())
                .to_string(),
            Param::StreamShards => match w.work.stream().map(|s| &s.shards) {
                Some(AutoOr::Fixed(n)) => format::decimal(f64::from(*n), 0),
                Some(AutoOr::Auto) => "auto".into(),
                None => "—".into(),
            },
            Param::StreamBatchSize => num(w.work.stream().map(|s| f64::from(s.batch_size))),
            Param::StreamParallelization => {
                num(w.work.stream().map(|s| f64::from(s.parallelization_factor)))
            }
            Param::StreamKclMetrics => w
                .work
                .stream()
                .map_or("—", |s| s.kcl_metrics_level.as_str())
                .to_string(),
            Param::DurationMs => format::decimal(w.request.duration_ms, 1),
            Param::CpuMs => format::decimal(w.request.cpu_ms, 1),
            Param::MemoryMb => format::decimal(f64::from(w.request.memory_mb), 0),
            Param::PayloadKb => format::decimal(w.request.payload_kb, 2),
            Param::Runtime => w.request.runtime.as_str().into(),
            Param::QueueType => w.work.queue().map_or("—", |q| q.kind.as_str()).into(),
            Param::QueueBatch => num(w.work.queue().map(|q| f64::from(q.batch_size))),
            Param::QueueMaxConcurrency => match w.work.queue() {
                Some(q) => auto_num(q.max_concurrency.fixed().map(|&m| f64::from(m))),
                None => "—".into(),
            },
            Param::QueueFailureShare => num(w.work.queue().map(|q| q.failure_share)),
            Param::LambdaMemory => auto_num(pl.lambda.memory_mb.fixed().map(|&m| f64::from(m))),
            Param::LambdaArch => pl.lambda.architecture.as_str().into(),
            Param::LambdaPurchase => pl.lambda.purchase.as_str().into(),
            Param::LambdaProvisioned => {
                format::decimal(f64::from(pl.lambda.provisioned_concurrency), 0)
            }
            Param::SfnType => pl.step_functions.kind.as_str().into(),
            Param::EcsVcpu => auto_num(pl.ecs.vcpu.fixed().copied()),
            Param::EcsMemory => auto_num(pl.ecs.memory_gb.fixed().copied()),
            Param::EcsPurchase => pl.ecs.purchase().as_str().into(),
            Param::Ec2Instance => match &pl.ec2.instance_type {
                AutoOr::Fixed(t) => t.clone(),
                AutoOr::Auto => "auto".into(),
            },
            Param::Ec2Processes => {
                auto_num(pl.ec2.processes_per_instance.fixed().map(|&n| f64::from(n)))
            }
            Param::Ec2Purchase => pl.ec2.purchase.as_str().into(),
        }
    }

    /// Step up (`dir > 0`) or down. Returns a note to show when the step changed something
    /// else too. Refusals come back as `Err(message)`; `p` is then unchanged.
    pub fn step(
        self,
        p: &mut Profile,
        wi: usize,
        dir: i32,
        book: &PriceBook,
    ) -> Result<Option<String>, String> {
        let mut q = p.clone();
        let note = self.step_in(&mut q, wi, dir, book)?;
        check(&q, wi)?;
        *p = q;
        Ok(note)
    }

    /// Set from typed text.
    pub fn set_text(
        self,
        p: &mut Profile,
        wi: usize,
        text: &str,
        book: &PriceBook,
    ) -> Result<Option<String>, String> {
        let mut q = p.clone();
        let note = self.set_in(&mut q, wi, text.trim(), book)?;
        check(&q, wi)?;
        *p = q;
        Ok(note)
    }

    /// Copy this knob's value from `orig` (the profile as in the file).
    pub fn reset(self, p: &mut Profile, orig: &Profile, wi: usize) {
        let (Some(w), Some(o)) = (p.workloads.get_mut(wi), orig.workloads.get(wi)) else {
            return;
        };
        match self {
            Param::Rps | Param::MonthlyRequests => {
                if let (Some(t), Some(ot)) = (w.work.traffic_mut(), o.work.traffic()) {
                    t.rps = ot.rps;
                    t.monthly_requests = ot.monthly_requests;
                }
            }
            Param::PeakToAverage | Param::Shape => {
                if let (Some(t), Some(ot)) = (w.work.traffic_mut(), o.work.traffic()) {
                    t.peak_to_average = ot.peak_to_average;
                    t.shape = ot.shape;
                }
            }
            Param::Items | Param::RunsPerMonth | Param::DeadlineS => {
                if let (Some(j), Some(oj)) = (w.work.job_mut(), o.work.job()) {
                    j.clone_from(oj);
                }
            }
            Param::Transitions => {
                if let (Some(wf), Some(owf)) = (w.work.workflow_mut(), o.work.workflow()) {
                    wf.transitions = owf.transitions;
                }
            }
            Param::StreamCapacity
            | Param::StreamShards
            | Param::StreamBatchSize
            | Param::StreamParallelization
            | Param::StreamKclMetrics => {
                if let (Some(s), Some(os)) = (w.work.stream_mut(), o.work.stream()) {
                    s.clone_from(os);
                }
            }
            Param::DurationMs | Param::CpuMs => {
                w.request.duration_ms = o.request.duration_ms;
                w.request.cpu_ms = o.request.cpu_ms;
            }
            Param::MemoryMb => w.request.memory_mb = o.request.memory_mb,
            Param::PayloadKb => w.request.payload_kb = o.request.payload_kb,
            Param::Runtime => w.request.runtime = o.request.runtime,
            Param::QueueType
            | Param::QueueBatch
            | Param::QueueMaxConcurrency
            | Param::QueueFailureShare => {
                if let (Some(q), Some(oq)) = (w.work.queue_mut(), o.work.queue()) {
                    q.clone_from(oq);
                }
            }
            Param::LambdaMemory => {
                p.platforms.lambda.memory_mb = orig.platforms.lambda.memory_mb.clone()
            }
            Param::LambdaArch => {
                p.platforms.lambda.architecture = orig.platforms.lambda.architecture
            }
            Param::LambdaProvisioned => {
                p.platforms.lambda.provisioned_concurrency =
                    orig.platforms.lambda.provisioned_concurrency;
            }
            Param::LambdaPurchase => p.platforms.lambda.purchase = orig.platforms.lambda.purchase,
            Param::SfnType => p.platforms.step_functions.kind = orig.platforms.step_functions.kind,
            Param::EcsVcpu | Param::EcsMemory => {
                p.platforms.ecs.vcpu = orig.platforms.ecs.vcpu.clone();
                p.platforms.ecs.memory_gb = orig.platforms.ecs.memory_gb.clone();
            }
            Param::EcsPurchase => {
                p.platforms.ecs.spot = orig.platforms.ecs.spot;
                p.platforms.ecs.purchase = orig.platforms.ecs.purchase;
            }
            Param::Ec2Instance => {
                p.platforms.ec2.instance_type = orig.platforms.ec2.instance_type.clone();
            }
            Param::Ec2Processes => {
                p.platforms.ec2.processes_per_instance =
                    orig.platforms.ec2.processes_per_instance.clone();
            }
            Param::Ec2Purchase => p.platforms.ec2.purchase = orig.platforms.ec2.purchase,
        }
    }
}

/// Rules that tie knobs together (the loader's, for the fields edited here).
pub fn check(p: &Profile, wi: usize) -> Result<(), String> {
    let Some(w) = p.workloads.get(wi) else {
        return Ok(());
    };
    if let Some(t) = w.work.traffic() {
        if t.peak_to_average > 1.0 && t.shape == Shape::Flat {
            return Err(format!(
                "peak/average {} has no effect with shape flat; pick diurnal or bursty first",
                format::decimal(t.peak_to_average, 2)
            ));
        }
        if t.peak_to_average > 1.0 && t.shape == Shape::Trace {
            return Err("a trace brings its own peak; peak/average stays 1".into());
        }
    }
    let r = &w.request;
    if r.cpu_ms > r.duration_ms {
        return Err(format!(
            "cpu {} ms exceeds duration {} ms",
            format::decimal(r.cpu_ms, 1),
            format::decimal(r.duration_ms, 1)
        ));
    }
    if let Some(q) = w.work.queue() {
        check_queue(q)?;
    }
    let ecs = &p.platforms.ecs;
    if let (Some(&v), Some(&m)) = (ecs.vcpu.fixed(), ecs.memory_gb.fixed())
        && !profile::is_valid_fargate_size(v, m)
    {
        return Err(format!(
            "{} vCPU with {} GB is not a Fargate task size",
            format::decimal(v, 2),
            format::decimal(m, 2)
        ));
    }
    Ok(())
}

/// The queue rules the knobs can break (the loader's `check_queue`, for the fields edited
/// here).
fn check_queue(q: &crate::profile::Queue) -> Result<(), String> {
    use crate::profile::QueueType;
    let max = match q.kind {
        QueueType::Fifo => 10,
        QueueType::Standard => 10_000,
    };
    if q.batch_size < 1 || q.batch_size > max {
        return Err(format!(
            "batch size {} is out of range (1..={max} for a {} queue)",
            q.batch_size,
            q.kind.as_str()
        ));
    }
    if q.kind == QueueType::Standard && q.batch_size > 10 && q.batching_window_s < 1.0 {
        return Err("a batch over 10 needs a batching window of at least 1 s".into());
    }
    if let Some(&m) = q.max_concurrency.fixed()
        && !(2..=1000).contains(&m)
    {
        return Err(format!("max concurrency {m} is out of range (2..=1000)"));
    }
    if !(0.0..1.0).contains(&q.failure_share) {
        return Err("failure share is out of range (0..1)".into());
    }
    Ok(())
}

fn num(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_string(), |v| format::decimal(v, 2))
}

fn auto_num(v: Option<f64>) -> String {
    v.map_or_else(|| "auto".to_string(), |v| format::decimal(v, 2))
}

fn shape_name(s: Shape) -> &'static str {
    match s {
        Shape::Flat => "flat",
        Shape::Diurnal => "diurnal",
        Shape::Bursty => "bursty",
        Shape::Trace => "trace",
    }
}

fn list(v: &[f64]) -> String {
    v.iter()
        .map(|x| format::decimal(*x, 2))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Switching to flat (or trace) drops a peak the shape cannot carry.
fn fix_shape(t: &mut crate::profile::Traffic) -> Option<String> {
    if matches!(t.shape, Shape::Flat | Shape::Trace) && t.peak_to_average > 1.0 {
        t.peak_to_average = 1.0;
        return Some("peak/average set to 1 for this shape".into());
    }
    None
}

/// After a vCPU change, move a fixed memory to the nearest size that goes with it.
fn fit_ecs_memory(ecs: &mut crate::profile::EcsConfig) -> Option<String> {
    let (Some(&v), Some(&m)) = (ecs.vcpu.fixed(), ecs.memory_gb.fixed()) else {
        return None;
    };
    if profile::is_valid_fargate_size(v, m) {
        return None;
    }
    let options = profile::fargate_memory_options(v)?;
    let nearest = options
        .iter()
        .copied()
        .min_by(|a, b| (a - m).abs().total_cmp(&(b - m).abs()))?;
    ecs.memory_gb = AutoOr::Fixed(nearest);
    Some(format!(
        "ecs memory moved to {} GB to fit {} vCPU",
        format::decimal(nearest, 2),
        format::decimal(v, 2)
    ))
}

fn ecs_memory_options(vcpu: Option<f64>) -> Vec<f64> {
    match vcpu.and_then(profile::fargate_memory_options) {
        Some(m) => m,
        None => {
            let mut all: Vec<f64> = profile::fargate_sizes()
                .into_iter()
                .flat_map(|(_, m)| m)
                .collect();
            all.sort_by(f64::total_cmp);
            all.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
            all
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rate knob speaks the kind's unit: a queue's rate is messages a second, a stream's
    /// records (it said "req/s" for every kind before).
    #[test]
    fn the_rate_knob_is_labelled_in_the_kinds_unit() {
        assert_eq!(Param::Rps.label_for(WorkloadKind::Queue), "rate [msg/s]");
        assert_eq!(
            Param::Rps.label_for(WorkloadKind::Stream),
            "rate [records/s]"
        );
        assert_eq!(Param::Rps.label_for(WorkloadKind::Service), "rate [req/s]");
        assert_eq!(
            Param::MonthlyRequests.label_for(WorkloadKind::Queue),
            "messages/mo"
        );
        assert_eq!(Param::Shape.label_for(WorkloadKind::Stream), "shape");
    }
}
