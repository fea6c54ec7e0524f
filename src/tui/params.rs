//! The knobs the parameter pane edits: which apply to a workload, how each reads, steps,
//! parses typed text and resets. Pure: a `Profile` in, a changed `Profile` (or a refusal) out.
//!
//! Every change is made on a copy and checked (`check`) before it is kept, so an invalid
//! value is refused with a message and never reaches the model.

use crate::format;
use crate::pricing::PriceBook;
use crate::profile::{
    self, Architecture, AutoOr, LAMBDA_MEMORY_MB, MAX_PEAK_TO_AVERAGE, Profile, Purchase, Shape,
    StateMachineType, Workload, WorkloadKind,
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
    DurationMs,
    CpuMs,
    MemoryMb,
    PayloadKb,
    LambdaMemory,
    LambdaArch,
    LambdaProvisioned,
    SfnType,
    EcsVcpu,
    EcsMemory,
    EcsSpot,
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
const PURCHASES: [Purchase; 4] = [
    Purchase::OnDemand,
    Purchase::Spot,
    Purchase::Reserved1y,
    Purchase::SavingsPlan1y,
];

impl Param {
    /// The knobs for workload `wi` of `p`, in display order.
    pub fn for_workload(w: &Workload) -> Vec<Param> {
        use Param::*;
        let mut v = Vec::new();
        match w.kind() {
            WorkloadKind::Service | WorkloadKind::Workflow => {
                let t = w.work.traffic();
                if t.is_some_and(|t| t.rps.is_none() && t.monthly_requests.is_some()) {
                    v.push(MonthlyRequests);
                } else {
                    v.push(Rps);
                }
                v.extend([PeakToAverage, Shape]);
            }
            WorkloadKind::Fanout => v.extend([Items, RunsPerMonth, DeadlineS]),
        }
        let has_steps = w.work.workflow().is_some_and(|wf| !wf.steps.is_empty());
        if w.kind() == WorkloadKind::Workflow {
            v.push(Transitions);
        }
        if !has_steps {
            v.extend([DurationMs, CpuMs, MemoryMb]);
        }
        v.push(PayloadKb);
        v.extend([
            LambdaMemory,
            LambdaArch,
            LambdaProvisioned,
            SfnType,
            EcsVcpu,
            EcsMemory,
            EcsSpot,
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
            Param::DurationMs => "duration [ms]",
            Param::CpuMs => "cpu [ms]",
            Param::MemoryMb => "memory [MB]",
            Param::PayloadKb => "payload [KB]",
            Param::LambdaMemory => "λ memory [MB]",
            Param::LambdaArch => "λ arch",
            Param::LambdaProvisioned => "λ provisioned",
            Param::SfnType => "sfn type",
            Param::EcsVcpu => "ecs vCPU",
            Param::EcsMemory => "ecs memory [GB]",
            Param::EcsSpot => "ecs spot",
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
            Param::SfnType => "standard or express",
            Param::EcsSpot => "yes or no",
            Param::Ec2Purchase => "on_demand, spot, reserved_1y, savings_plan_1y",
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
            Param::DurationMs => format::decimal(w.request.duration_ms, 1),
            Param::CpuMs => format::decimal(w.request.cpu_ms, 1),
            Param::MemoryMb => format::decimal(f64::from(w.request.memory_mb), 0),
            Param::PayloadKb => format::decimal(w.request.payload_kb, 2),
            Param::LambdaMemory => auto_num(pl.lambda.memory_mb.fixed().map(|&m| f64::from(m))),
            Param::LambdaArch => pl.lambda.architecture.as_str().into(),
            Param::LambdaProvisioned => {
                format::decimal(f64::from(pl.lambda.provisioned_concurrency), 0)
            }
            Param::SfnType => match pl.step_functions.kind {
                StateMachineType::Standard => "standard".into(),
                StateMachineType::Express => "express".into(),
            },
            Param::EcsVcpu => auto_num(pl.ecs.vcpu.fixed().copied()),
            Param::EcsMemory => auto_num(pl.ecs.memory_gb.fixed().copied()),
            Param::EcsSpot => yes_no(pl.ecs.spot),
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
            Param::DurationMs | Param::CpuMs => {
                w.request.duration_ms = o.request.duration_ms;
                w.request.cpu_ms = o.request.cpu_ms;
            }
            Param::MemoryMb => w.request.memory_mb = o.request.memory_mb,
            Param::PayloadKb => w.request.payload_kb = o.request.payload_kb,
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
            Param::SfnType => p.platforms.step_functions.kind = orig.platforms.step_functions.kind,
            Param::EcsVcpu | Param::EcsMemory => {
                p.platforms.ecs.vcpu = orig.platforms.ecs.vcpu.clone();
                p.platforms.ecs.memory_gb = orig.platforms.ecs.memory_gb.clone();
            }
            Param::EcsSpot => p.platforms.ecs.spot = orig.platforms.ecs.spot,
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

    fn step_in(
        self,
        p: &mut Profile,
        wi: usize,
        dir: i32,
        book: &PriceBook,
    ) -> Result<Option<String>, String> {
        let up = dir > 0;
        let pl = &mut p.platforms;
        let w = p.workloads.get_mut(wi).ok_or("no workload selected")?;
        match self {
            Param::Rps | Param::MonthlyRequests => {
                let t = w.work.traffic_mut().ok_or("this workload has no traffic")?;
                let slot = if self == Param::Rps {
                    &mut t.rps
                } else {
                    &mut t.monthly_requests
                };
                let v = slot.unwrap_or(0.0);
                let floor = if self == Param::Rps { 0.01 } else { 1000.0 };
                *slot = Some(geometric(v, up, floor));
            }
            Param::PeakToAverage => {
                let t = w.work.traffic_mut().ok_or("this workload has no traffic")?;
                let v = t.peak_to_average;
                let step = if v >= 10.0 { 5.0 } else { 0.5 };
                t.peak_to_average =
                    (if up { v + step } else { v - step }).clamp(1.0, MAX_PEAK_TO_AVERAGE);
            }
            Param::Shape => {
                let t = w.work.traffic_mut().ok_or("this workload has no traffic")?;
                let mut shapes = vec![Shape::Flat, Shape::Diurnal, Shape::Bursty];
                if t.trace.is_some() {
                    shapes.push(Shape::Trace);
                }
                t.shape = cycle(&shapes, &t.shape, up);
                return Ok(fix_shape(t));
            }
            Param::Items => {
                let j = w.work.job_mut().ok_or("this workload has no job")?;
                j.items = geometric(j.items as f64, up, 1.0).round().max(1.0) as u64;
            }
            Param::RunsPerMonth => {
                let j = w.work.job_mut().ok_or("this workload has no job")?;
                j.runs_per_month = geometric(j.runs_per_month, up, 1.0);
            }
            Param::DeadlineS => {
                let j = w.work.job_mut().ok_or("this workload has no job")?;
                j.deadline_s = Some(match j.deadline_s {
                    Some(d) => geometric(d, up, 1.0),
                    None => 60.0,
                });
            }
            Param::Transitions => {
                let wf = w
                    .work
                    .workflow_mut()
                    .ok_or("this workload has no workflow")?;
                let min = u32::try_from(wf.steps.len()).unwrap_or(1).max(1);
                wf.transitions = if up {
                    wf.transitions.saturating_add(1)
                } else {
                    wf.transitions.saturating_sub(1).max(min)
                };
            }
            Param::DurationMs => {
                let r = &mut w.request;
                r.duration_ms = geometric(r.duration_ms, up, 1.0).max(r.cpu_ms);
            }
            Param::CpuMs => {
                let r = &mut w.request;
                let step = (r.duration_ms / 10.0).round().max(1.0);
                r.cpu_ms =
                    (if up { r.cpu_ms + step } else { r.cpu_ms - step }).clamp(0.0, r.duration_ms);
            }
            Param::MemoryMb => {
                w.request.memory_mb = next_in(&REQUEST_MEMORY_STEPS, w.request.memory_mb, up);
            }
            Param::PayloadKb => {
                let v = w.request.payload_kb;
                w.request.payload_kb = if up {
                    if v <= 0.0 { 1.0 } else { v * 2.0 }
                } else if v <= 0.5 {
                    0.0
                } else {
                    v / 2.0
                };
            }
            Param::LambdaMemory => {
                pl.lambda.memory_mb = match pl.lambda.memory_mb.fixed() {
                    None if up => AutoOr::Fixed(LAMBDA_MEMORY_STEPS[0]),
                    None => AutoOr::Auto,
                    Some(&m) if !up && m <= LAMBDA_MEMORY_STEPS[0] => AutoOr::Auto,
                    Some(&m) => AutoOr::Fixed(next_in(&LAMBDA_MEMORY_STEPS, m, up)),
                };
            }
            Param::LambdaArch => pl.lambda.architecture = toggle_arch(pl.lambda.architecture),
            Param::LambdaProvisioned => {
                let v = pl.lambda.provisioned_concurrency;
                let n = if up {
                    if v < 10 {
                        v + 1
                    } else {
                        (f64::from(v) * 1.25).round() as u32
                    }
                } else if v <= 10 {
                    v.saturating_sub(1)
                } else {
                    (f64::from(v) / 1.25).round() as u32
                };
                pl.lambda.provisioned_concurrency = n.min(pl.lambda.concurrency_limit);
            }
            Param::SfnType => {
                pl.step_functions.kind = match pl.step_functions.kind {
                    StateMachineType::Standard => StateMachineType::Express,
                    StateMachineType::Express => StateMachineType::Standard,
                }
            }
            Param::EcsVcpu => {
                let sizes = profile::fargate_vcpu_sizes();
                pl.ecs.vcpu = step_auto_f64(&sizes, pl.ecs.vcpu.fixed().copied(), up);
                return Ok(fit_ecs_memory(&mut pl.ecs));
            }
            Param::EcsMemory => {
                let options = ecs_memory_options(pl.ecs.vcpu.fixed().copied());
                pl.ecs.memory_gb = step_auto_f64(&options, pl.ecs.memory_gb.fixed().copied(), up);
            }
            Param::EcsSpot => pl.ecs.spot = !pl.ecs.spot,
            Param::Ec2Instance => {
                let mut names: Vec<Option<&String>> = vec![None];
                names.extend(book.instances.keys().map(Some));
                let cur = pl.ec2.instance_type.fixed();
                let next = cycle(&names, &cur, up);
                pl.ec2.instance_type = match next {
                    Some(n) => AutoOr::Fixed(n.clone()),
                    None => AutoOr::Auto,
                };
            }
            Param::Ec2Processes => {
                pl.ec2.processes_per_instance = match pl.ec2.processes_per_instance.fixed() {
                    None if up => AutoOr::Fixed(1),
                    None => AutoOr::Auto,
                    Some(&1) if !up => AutoOr::Auto,
                    Some(&n) => AutoOr::Fixed(if up { n + 1 } else { n - 1 }),
                };
            }
            Param::Ec2Purchase => pl.ec2.purchase = cycle(&PURCHASES, &pl.ec2.purchase, up),
        }
        Ok(None)
    }

    fn set_in(
        self,
        p: &mut Profile,
        wi: usize,
        text: &str,
        book: &PriceBook,
    ) -> Result<Option<String>, String> {
        let pl = &mut p.platforms;
        let w = p.workloads.get_mut(wi).ok_or("no workload selected")?;
        let lower = text.to_ascii_lowercase();
        match self {
            Param::Rps | Param::MonthlyRequests => {
                let v = number(text, 0.0, f64::MAX)?;
                let t = w.work.traffic_mut().ok_or("this workload has no traffic")?;
                if self == Param::Rps {
                    t.rps = Some(v);
                } else {
                    t.monthly_requests = Some(v);
                }
            }
            Param::PeakToAverage => {
                let v = number(text, 1.0, MAX_PEAK_TO_AVERAGE)?;
                w.work
                    .traffic_mut()
                    .ok_or("this workload has no traffic")?
                    .peak_to_average = v;
            }
            Param::Shape => {
                let t = w.work.traffic_mut().ok_or("this workload has no traffic")?;
                t.shape = match lower.as_str() {
                    "flat" => Shape::Flat,
                    "diurnal" => Shape::Diurnal,
                    "bursty" => Shape::Bursty,
                    "trace" if t.trace.is_some() => Shape::Trace,
                    _ => return Err(format!("`{text}` is not a shape (flat, diurnal, bursty)")),
                };
                return Ok(fix_shape(t));
            }
            Param::Items => {
                let v = number(text, 1.0, 1e12)?;
                if v.fract() != 0.0 {
                    return Err(format!("{text} is not a whole number"));
                }
                w.work.job_mut().ok_or("this workload has no job")?.items = v as u64;
            }
            Param::RunsPerMonth => {
                let v = number(text, 0.0, f64::MAX)?;
                w.work
                    .job_mut()
                    .ok_or("this workload has no job")?
                    .runs_per_month = v;
            }
            Param::DeadlineS => {
                let j = w.work.job_mut().ok_or("this workload has no job")?;
                j.deadline_s = if lower == "none" || lower.is_empty() {
                    None
                } else {
                    let v = number(text, 0.0, f64::MAX)?;
                    if v <= 0.0 {
                        return Err(format!("{text} is out of range (> 0, or none)"));
                    }
                    Some(v)
                };
            }
            Param::Transitions => {
                let v = whole(text, 1, u32::MAX)?;
                w.work
                    .workflow_mut()
                    .ok_or("this workload has no workflow")?
                    .transitions = v;
            }
            Param::DurationMs => {
                let v = number(text, 0.0, f64::MAX)?;
                if v <= 0.0 {
                    return Err(format!("{text} is out of range (> 0)"));
                }
                w.request.duration_ms = v;
            }
            Param::CpuMs => w.request.cpu_ms = number(text, 0.0, f64::MAX)?,
            Param::MemoryMb => {
                w.request.memory_mb = whole(text, LAMBDA_MEMORY_MB.0, LAMBDA_MEMORY_MB.1)?;
            }
            Param::PayloadKb => w.request.payload_kb = number(text, 0.0, f64::MAX)?,
            Param::LambdaMemory => {
                pl.lambda.memory_mb = if lower == "auto" {
                    AutoOr::Auto
                } else {
                    AutoOr::Fixed(whole(text, LAMBDA_MEMORY_MB.0, LAMBDA_MEMORY_MB.1)?)
                };
            }
            Param::LambdaArch => pl.lambda.architecture = arch(&lower)?,
            Param::LambdaProvisioned => {
                pl.lambda.provisioned_concurrency = whole(text, 0, pl.lambda.concurrency_limit)?;
            }
            Param::SfnType => {
                pl.step_functions.kind = match lower.as_str() {
                    "standard" => StateMachineType::Standard,
                    "express" => StateMachineType::Express,
                    _ => return Err(format!("`{text}` is not standard or express")),
                }
            }
            Param::EcsVcpu => {
                pl.ecs.vcpu = if lower == "auto" {
                    AutoOr::Auto
                } else {
                    let v = number(text, 0.0, f64::MAX)?;
                    if profile::fargate_memory_options(v).is_none() {
                        return Err(format!(
                            "{text} is not a Fargate vCPU size ({})",
                            list(&profile::fargate_vcpu_sizes())
                        ));
                    }
                    AutoOr::Fixed(v)
                };
                return Ok(fit_ecs_memory(&mut pl.ecs));
            }
            Param::EcsMemory => {
                pl.ecs.memory_gb = if lower == "auto" {
                    AutoOr::Auto
                } else {
                    let v = number(text, 0.0, f64::MAX)?;
                    let options = ecs_memory_options(pl.ecs.vcpu.fixed().copied());
                    if !options.iter().any(|o| (o - v).abs() < 1e-9) {
                        return Err(match pl.ecs.vcpu.fixed() {
                            Some(&c) => format!(
                                "{text} GB does not go with {} vCPU ({})",
                                format::decimal(c, 2),
                                profile::describe_memory_options(c).unwrap_or_default()
                            ),
                            None => format!("{text} GB is not a Fargate memory size"),
                        });
                    }
                    AutoOr::Fixed(v)
                };
            }
            Param::EcsSpot => {
                pl.ecs.spot = match lower.as_str() {
                    "yes" | "true" | "y" | "on" => true,
                    "no" | "false" | "n" | "off" => false,
                    _ => return Err(format!("`{text}` is not yes or no")),
                }
            }
            Param::Ec2Instance => {
                pl.ec2.instance_type = if lower == "auto" {
                    AutoOr::Auto
                } else if book.instances.contains_key(text) {
                    AutoOr::Fixed(text.to_string())
                } else {
                    let names: Vec<&String> = book.instances.keys().collect();
                    return Err(match profile::closest(text, &names) {
                        Some(c) => {
                            format!("`{text}` is not in the price book; did you mean `{c}`?")
                        }
                        None => format!("`{text}` is not in the price book"),
                    });
                };
            }
            Param::Ec2Processes => {
                pl.ec2.processes_per_instance = if lower == "auto" {
                    AutoOr::Auto
                } else {
                    AutoOr::Fixed(whole(text, 1, 1024)?)
                };
            }
            Param::Ec2Purchase => {
                pl.ec2.purchase = PURCHASES
                    .into_iter()
                    .find(|p| p.as_str() == lower)
                    .ok_or_else(|| {
                        format!("`{text}` is not on_demand, spot, reserved_1y or savings_plan_1y")
                    })?;
            }
        }
        Ok(None)
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

fn num(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_string(), |v| format::decimal(v, 2))
}

fn auto_num(v: Option<f64>) -> String {
    v.map_or_else(|| "auto".to_string(), |v| format::decimal(v, 2))
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
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

/// A ×1.25 step rounded to three significant digits; down to `floor`, then zero.
fn geometric(v: f64, up: bool, floor: f64) -> f64 {
    let next = if up {
        if v <= 0.0 { floor } else { v * 1.25 }
    } else if v <= floor {
        0.0
    } else {
        v / 1.25
    };
    round_sig(next, 3)
}

fn round_sig(v: f64, digits: i32) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let mag = v.abs().log10().floor() as i32;
    // Divide or multiply by an exact power of ten, so 938 x 10^5 stays a whole number.
    let k = mag - (digits - 1);
    if k >= 0 {
        let p = 10f64.powi(k);
        (v / p).round() * p
    } else {
        let p = 10f64.powi(-k);
        (v * p).round() / p
    }
}

fn next_in(steps: &[u32], v: u32, up: bool) -> u32 {
    let found = if up {
        steps.iter().copied().find(|&s| s > v)
    } else {
        steps.iter().rev().copied().find(|&s| s < v)
    };
    found.unwrap_or(v)
}

fn cycle<T: PartialEq + Clone>(items: &[T], cur: &T, up: bool) -> T {
    let n = items.len();
    let i = items.iter().position(|x| x == cur).unwrap_or(0);
    let j = if up { (i + 1) % n } else { (i + n - 1) % n };
    items.get(j).cloned().unwrap_or_else(|| cur.clone())
}

fn step_auto_f64(options: &[f64], cur: Option<f64>, up: bool) -> AutoOr<f64> {
    let first = options.first().copied();
    match cur {
        None if up => first.map_or(AutoOr::Auto, AutoOr::Fixed),
        None => AutoOr::Auto,
        Some(v) if !up && first.is_some_and(|f| v <= f + 1e-9) => AutoOr::Auto,
        Some(v) => {
            let next = if up {
                options.iter().copied().find(|&o| o > v + 1e-9)
            } else {
                options.iter().rev().copied().find(|&o| o < v - 1e-9)
            };
            AutoOr::Fixed(next.unwrap_or(v))
        }
    }
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

fn toggle_arch(a: Architecture) -> Architecture {
    match a {
        Architecture::X86_64 => Architecture::Arm64,
        Architecture::Arm64 => Architecture::X86_64,
    }
}

fn arch(s: &str) -> Result<Architecture, String> {
    match s {
        "x86_64" | "x86" => Ok(Architecture::X86_64),
        "arm64" | "arm" => Ok(Architecture::Arm64),
        _ => Err(format!("`{s}` is not x86_64 or arm64")),
    }
}

/// A number in `lo..=hi`, accepting `1,000` and `1_000` and `_`-free scientific notation.
fn number(text: &str, lo: f64, hi: f64) -> Result<f64, String> {
    let clean: String = text.chars().filter(|c| *c != ',' && *c != '_').collect();
    let v: f64 = clean
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    if !v.is_finite() {
        return Err(format!("`{text}` is not a finite number"));
    }
    if v < lo || v > hi {
        let hi_text = if hi == f64::MAX {
            String::new()
        } else {
            format::decimal(hi, 2)
        };
        return Err(format!(
            "{text} is out of range ({}..{hi_text})",
            format::decimal(lo, 2)
        ));
    }
    Ok(v)
}

fn whole(text: &str, lo: u32, hi: u32) -> Result<u32, String> {
    let v = number(text, f64::from(lo), f64::from(hi))?;
    if v.fract() != 0.0 {
        return Err(format!("{text} is not a whole number"));
    }
    Ok(v as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometric_steps_round_and_reach_zero() {
        assert_eq!(geometric(100.0, true, 1.0), 125.0);
        assert_eq!(geometric(125.0, false, 1.0), 100.0);
        assert_eq!(geometric(1.0, false, 1.0), 0.0);
        assert_eq!(geometric(0.0, true, 1.0), 1.0);
        assert_eq!(geometric(49.47, true, 0.01), 61.8);
        assert_eq!(geometric(75_000_000.0, true, 1000.0), 93_800_000.0);
        assert_eq!(geometric(0.05, true, 0.01), 0.0625);
    }

    #[test]
    fn numbers_refuse_garbage_and_out_of_range() {
        assert!(number("abc", 0.0, 10.0).is_err());
        assert!(number("11", 0.0, 10.0).is_err());
        assert_eq!(number("1,000", 0.0, f64::MAX), Ok(1000.0));
        assert!(whole("1.5", 0, 10).is_err());
    }

    #[test]
    fn auto_steps_walk_options() {
        let o = [0.25, 0.5, 1.0];
        assert_eq!(step_auto_f64(&o, None, true), AutoOr::Fixed(0.25));
        assert_eq!(step_auto_f64(&o, Some(0.25), false), AutoOr::Auto);
        assert_eq!(step_auto_f64(&o, Some(0.5), true), AutoOr::Fixed(1.0));
        assert_eq!(step_auto_f64(&o, Some(1.0), true), AutoOr::Fixed(1.0));
    }
}
