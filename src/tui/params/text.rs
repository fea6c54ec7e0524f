//! Typed text for a knob: parsed, range-checked, applied.

use super::*;

impl Param {
    pub(super) fn set_in(
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
            Param::StreamCapacity => {
                let s = w.work.stream_mut().ok_or("this workload has no stream")?;
                s.capacity = match lower.as_str() {
                    "auto" => StreamCapacity::Auto,
                    "provisioned" => StreamCapacity::Provisioned,
                    "on_demand" | "on-demand" => StreamCapacity::OnDemand,
                    _ => {
                        return Err(format!(
                            "`{text}` is not a capacity (auto, provisioned, on_demand)"
                        ));
                    }
                };
            }
            Param::StreamShards => {
                let s = w.work.stream_mut().ok_or("this workload has no stream")?;
                s.shards = if lower == "auto" {
                    AutoOr::Auto
                } else {
                    AutoOr::Fixed(whole(text, 1, 100_000)?)
                };
            }
            Param::StreamBatchSize => {
                let v = whole(text, 1, 10_000)?;
                w.work
                    .stream_mut()
                    .ok_or("this workload has no stream")?
                    .batch_size = v;
            }
            Param::StreamKclMetrics => {
                let s = w.work.stream_mut().ok_or("this workload has no stream")?;
                s.kcl_metrics_level = match lower.as_str() {
                    "detailed" => KclMetricsLevel::Detailed,
                    "summary" => KclMetricsLevel::Summary,
                    "none" => KclMetricsLevel::None,
                    _ => {
                        return Err(format!(
                            "`{text}` is not a KCL metrics level (detailed, summary, none)"
                        ));
                    }
                };
            }
            Param::StreamParallelization => {
                let v = whole(text, 1, 10)?;
                w.work
                    .stream_mut()
                    .ok_or("this workload has no stream")?
                    .parallelization_factor = v;
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
            Param::Runtime => {
                w.request.runtime = RUNTIMES
                    .into_iter()
                    .find(|r| r.as_str() == lower)
                    .ok_or_else(|| format!("`{text}` is not {}", Param::Runtime.hint()))?;
            }
            Param::QueueType => {
                let t = match lower.as_str() {
                    "standard" => crate::profile::QueueType::Standard,
                    "fifo" => crate::profile::QueueType::Fifo,
                    _ => return Err(format!("`{text}` is not standard or fifo")),
                };
                let q = w.work.queue_mut().ok_or("this workload has no queue")?;
                return Ok(super::step::set_queue_type(q, t));
            }
            Param::QueueBatch => {
                let q = w.work.queue_mut().ok_or("this workload has no queue")?;
                q.batch_size = whole(text, 1, 10_000)?;
            }
            Param::QueueMaxConcurrency => {
                let q = w.work.queue_mut().ok_or("this workload has no queue")?;
                q.max_concurrency = if lower == "auto" {
                    AutoOr::Auto
                } else {
                    AutoOr::Fixed(whole(text, 2, 1000)?)
                };
            }
            Param::QueueFailureShare => {
                let q = w.work.queue_mut().ok_or("this workload has no queue")?;
                q.failure_share = number(text, 0.0, 0.99)?;
            }
            Param::LambdaMemory => {
                pl.lambda.memory_mb = if lower == "auto" {
                    AutoOr::Auto
                } else {
                    AutoOr::Fixed(whole(text, LAMBDA_MEMORY_MB.0, LAMBDA_MEMORY_MB.1)?)
                };
            }
            Param::LambdaArch => pl.lambda.architecture = arch(&lower)?,
            Param::LambdaPurchase => {
                pl.lambda.purchase = Purchase::parse(&lower)
                    .filter(|p| Purchase::LAMBDA.contains(p))
                    .ok_or_else(|| {
                        format!("`{text}` is not {}", Purchase::list(&Purchase::LAMBDA))
                    })?;
            }
            Param::LambdaProvisioned => {
                pl.lambda.provisioned_concurrency =
                    whole(text, 0, pl.lambda.concurrency_limit.unwrap_or(u32::MAX))?;
            }
            Param::SfnType => {
                pl.step_functions.kind = match lower.as_str() {
                    "auto" => WorkflowType::Auto,
                    "standard" => WorkflowType::Standard,
                    "express" => WorkflowType::Express,
                    _ => return Err(format!("`{text}` is not auto, standard or express")),
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
            Param::EcsPurchase => {
                pl.ecs.purchase = Purchase::parse(&lower)
                    .filter(|p| Purchase::FARGATE.contains(p))
                    .ok_or_else(|| {
                        format!("`{text}` is not {}", Purchase::list(&Purchase::FARGATE))
                    })?;
                pl.ecs.spot = false;
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
                pl.ec2.purchase = Purchase::parse(&lower)
                    .ok_or_else(|| format!("`{text}` is not {}", Purchase::list(&Purchase::EC2)))?;
            }
        }
        Ok(None)
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
    fn numbers_refuse_garbage_and_out_of_range() {
        assert!(number("abc", 0.0, 10.0).is_err());
        assert!(number("11", 0.0, 10.0).is_err());
        assert_eq!(number("1,000", 0.0, f64::MAX), Ok(1000.0));
        assert!(whole("1.5", 0, 10).is_err());
    }
}
