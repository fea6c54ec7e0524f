//! Stepping a knob up or down: geometric steps for rates and sizes, the next option in a
//! list for choices.

use super::*;

impl Param {
    pub(super) fn step_in(
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
            Param::StreamCapacity => {
                let s = w.work.stream_mut().ok_or("this workload has no stream")?;
                let modes = [
                    StreamCapacity::Auto,
                    StreamCapacity::Provisioned,
                    StreamCapacity::OnDemand,
                ];
                s.capacity = cycle(&modes, &s.capacity, up);
            }
            Param::StreamShards => {
                let s = w.work.stream_mut().ok_or("this workload has no stream")?;
                s.shards = match (&s.shards, up) {
                    (AutoOr::Auto, true) => AutoOr::Fixed(1),
                    (AutoOr::Auto, false) => AutoOr::Auto,
                    (AutoOr::Fixed(n), true) => AutoOr::Fixed(n.saturating_add(1).min(100_000)),
                    (AutoOr::Fixed(1), false) => AutoOr::Auto,
                    (AutoOr::Fixed(n), false) => AutoOr::Fixed(n.saturating_sub(1).max(1)),
                };
            }
            Param::StreamBatchSize => {
                let s = w.work.stream_mut().ok_or("this workload has no stream")?;
                let v = geometric(f64::from(s.batch_size), up, 1.0).round();
                s.batch_size = v.clamp(1.0, 10_000.0) as u32;
            }
            Param::StreamKclMetrics => {
                let s = w.work.stream_mut().ok_or("this workload has no stream")?;
                let levels = [
                    KclMetricsLevel::Detailed,
                    KclMetricsLevel::Summary,
                    KclMetricsLevel::None,
                ];
                s.kcl_metrics_level = cycle(&levels, &s.kcl_metrics_level, up);
            }
            Param::StreamParallelization => {
                let s = w.work.stream_mut().ok_or("this workload has no stream")?;
                s.parallelization_factor = if up {
                    (s.parallelization_factor + 1).min(10)
                } else {
                    s.parallelization_factor.saturating_sub(1).max(1)
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
            Param::Runtime => w.request.runtime = cycle(&RUNTIMES, &w.request.runtime, up),
            Param::QueueType => {
                let q = w.work.queue_mut().ok_or("this workload has no queue")?;
                return Ok(set_queue_type(q, toggle_queue(q.kind)));
            }
            Param::QueueBatch => {
                let q = w.work.queue_mut().ok_or("this workload has no queue")?;
                q.batch_size = next_in(&QUEUE_BATCH_STEPS, q.batch_size, up);
                if q.batch_size > 10 && q.batching_window_s < 1.0 {
                    q.batching_window_s = 1.0;
                    return Ok(Some(
                        "batching window set to 1 s (a batch over 10 needs one)".into(),
                    ));
                }
            }
            Param::QueueMaxConcurrency => {
                let q = w.work.queue_mut().ok_or("this workload has no queue")?;
                q.max_concurrency = match q.max_concurrency.fixed() {
                    None if up => AutoOr::Auto,
                    None => AutoOr::Fixed(1000),
                    Some(&m) if up && m >= 1000 => AutoOr::Auto,
                    Some(&m) => AutoOr::Fixed(next_in(&QUEUE_CONCURRENCY_STEPS, m, up)),
                };
            }
            Param::QueueFailureShare => {
                let q = w.work.queue_mut().ok_or("this workload has no queue")?;
                let v = q.failure_share;
                q.failure_share = if up {
                    if v <= 0.0 { 0.001 } else { (v * 2.0).min(0.5) }
                } else if v <= 0.001 {
                    0.0
                } else {
                    v / 2.0
                };
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
            Param::LambdaPurchase => {
                pl.lambda.purchase = cycle(&Purchase::LAMBDA, &pl.lambda.purchase, up)
            }
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
                pl.lambda.provisioned_concurrency =
                    n.min(pl.lambda.concurrency_limit.unwrap_or(u32::MAX));
            }
            Param::SfnType => {
                let types = [
                    WorkflowType::Auto,
                    WorkflowType::Standard,
                    WorkflowType::Express,
                ];
                pl.step_functions.kind = cycle(&types, &pl.step_functions.kind, up);
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
            Param::EcsPurchase => {
                pl.ecs.purchase = cycle(&Purchase::FARGATE, &pl.ecs.purchase(), up);
                pl.ecs.spot = false;
            }
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
            Param::Ec2Purchase => pl.ec2.purchase = cycle(&Purchase::EC2, &pl.ec2.purchase, up),
        }
        Ok(None)
    }
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

fn toggle_arch(a: Architecture) -> Architecture {
    match a {
        Architecture::X86_64 => Architecture::Arm64,
        Architecture::Arm64 => Architecture::X86_64,
    }
}

/// Batch sizes `+`/`-` walk (AWS: 1–10,000 for a standard queue, 10 for FIFO).
const QUEUE_BATCH_STEPS: [u32; 9] = [1, 2, 5, 10, 25, 100, 500, 1000, 10_000];
/// Event source mapping maximum concurrencies `+`/`-` walk (AWS: 2–1,000; then `auto`).
const QUEUE_CONCURRENCY_STEPS: [u32; 9] = [2, 5, 10, 20, 50, 100, 200, 500, 1000];

fn toggle_queue(t: crate::profile::QueueType) -> crate::profile::QueueType {
    use crate::profile::QueueType;
    match t {
        QueueType::Standard => QueueType::Fifo,
        QueueType::Fifo => QueueType::Standard,
    }
}

/// Switch a queue's type, moving the settings the new type refuses (FIFO: batches of at most
/// 10, no batching window; standard: no message groups or high-throughput mode).
pub(super) fn set_queue_type(
    q: &mut crate::profile::Queue,
    t: crate::profile::QueueType,
) -> Option<String> {
    use crate::profile::QueueType;
    q.kind = t;
    match t {
        QueueType::Fifo => {
            let moved = q.batch_size > 10 || q.batching_window_s > 0.0;
            q.batch_size = q.batch_size.min(10);
            q.batching_window_s = 0.0;
            moved.then(|| "FIFO: batch size at most 10, no batching window".to_string())
        }
        QueueType::Standard => {
            q.message_groups = None;
            q.high_throughput = false;
            None
        }
    }
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
    fn auto_steps_walk_options() {
        let o = [0.25, 0.5, 1.0];
        assert_eq!(step_auto_f64(&o, None, true), AutoOr::Fixed(0.25));
        assert_eq!(step_auto_f64(&o, Some(0.25), false), AutoOr::Auto);
        assert_eq!(step_auto_f64(&o, Some(0.5), true), AutoOr::Fixed(1.0));
        assert_eq!(step_auto_f64(&o, Some(1.0), true), AutoOr::Fixed(1.0));
    }
}
