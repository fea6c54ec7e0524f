//! EC2 instances running a process manager (pm2 cluster, gunicorn workers, ...): processes per
//! instance (`auto` = one per vCPU, fewer if memory says so), the `instance_type: auto` search,
//! and EC2's billing (the one place it lives): instance-hours at the on-demand price. Fan-out
//! jobs run on an always-on fleet.

use super::search::{self, Candidate, Fleet, JobRun, Settings, Words};
use super::{MONTH_HOURS, Process, Unit, gather, makespan};
use crate::model::Assessment;
use crate::model::billing;
use crate::model::demand::Demand;
use crate::model::plan::{LineItem, OptionPlan, Platform, Priced};
use crate::model::traffic::MONTH_S;
use crate::model::words::{fmt_num, pct, round_to};
use crate::pricing::{Instance, Missing, Price, PriceBook, Tier};
use crate::profile::{AutoOr, Ec2Config, Job, Purchase};
use serde_json::json;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// Memory kept for the OS, the agent and the process manager: 10% of the instance's memory,
/// at least 512 MiB.
pub const OS_RESERVE_SHARE: f64 = 0.10;
pub const OS_RESERVE_MIN_MIB: f64 = 512.0;

/// MiB left for the application's processes on `inst`.
pub fn available_mib(inst: &Instance) -> f64 {
    let total = inst.memory_gib * 1024.0;
    (total - (total * OS_RESERVE_SHARE).max(OS_RESERVE_MIN_MIB)).max(0.0)
}

/// How many processes an instance runs and whether their memory fits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Layout {
    pub processes: u32,
    /// All processes fit in memory (with at least one process).
    pub fits: bool,
    /// `auto` started fewer processes than vCPUs because memory ran out.
    pub memory_limited: bool,
}

/// Processes per instance: `auto` = one per vCPU (pm2 `-i max`, gunicorn workers = vCPUs),
/// fewer when their memory does not fit; a fixed count must fit as given.
pub fn layout(inst: &Instance, setting: &AutoOr<u32>, memory_mb: u32) -> Layout {
    let mem = memory_mb.max(1) as f64;
    let fit = (available_mib(inst) / mem + 1e-9).floor().max(0.0) as u32;
    match setting {
        AutoOr::Auto => {
            let want = inst.vcpu.max(1);
            Layout {
                processes: want.min(fit).max(1),
                fits: fit >= 1,
                memory_limited: fit < want,
            }
        }
        AutoOr::Fixed(p) => {
            let p = (*p).max(1);
            Layout {
                processes: p,
                fits: p <= fit,
                memory_limited: false,
            }
        }
    }
}

/// The instance-hour price as a one-tier price, so the line is built like every other.
fn hourly_price(inst: &Instance) -> Price {
    Price {
        unit: "instance-hour".to_string(),
        tiers: vec![Tier {
            upto: None,
            usd: inst.on_demand_hourly,
        }],
        source: inst.source.clone(),
    }
}

/// EC2's bill: `instance_hours` of `inst` at the on-demand price.
pub fn bill(instance_hours: f64, inst: &Instance) -> LineItem {
    billing::line("instances", instance_hours, &hourly_price(inst))
}

/// Evaluate the workload on EC2.
pub fn evaluate(d: &Demand, cfg: &Ec2Config, book: &PriceBook) -> OptionPlan {
    search::evaluate::<Instances>(d, cfg, book)
}

/// What [`evaluate`] says of the option's cost and feasibility (for the cost curve and
/// break-even).
pub fn price(d: &Demand, cfg: &Ec2Config, book: &PriceBook) -> Priced {
    search::price::<Instances>(d, cfg, book)
}

/// An instance type with the processes it runs.
#[derive(Debug, Clone, Copy)]
pub struct Kind<'a> {
    pub name: &'a str,
    pub inst: &'a Instance,
    pub layout: Layout,
}

/// EC2 as the fleet search sees it: the configuration and the instance types to search.
pub struct Instances<'a> {
    cfg: &'a Ec2Config,
    types: Vec<(&'a str, &'a Instance)>,
}

impl Instances<'_> {
    /// Average CPU use per vCPU over the month.
    fn cpu_utilization(inst: &Instance, hours: f64, cpu_s: f64) -> f64 {
        if hours > 0.0 {
            cpu_s / (hours * 3600.0 * inst.vcpu.max(1) as f64)
        } else {
            0.0
        }
    }
}

impl<'a> Fleet<'a> for Instances<'a> {
    type Config = Ec2Config;
    type Shape = Kind<'a>;
    const PLATFORM: Platform = Platform::Ec2;
    const WORDS: Words = Words {
        units: "instances",
        min_key: "min_instances",
        max_key: "max_instances",
        concurrency_key: "concurrency_per_process",
        rps_key: "instance_rps",
        slots_key: "effective_concurrency_per_instance",
        holder: "process",
        nothing: "No instance type to evaluate.",
    };

    fn enabled(cfg: &Ec2Config) -> bool {
        cfg.enabled
    }

    /// Only on-demand is priced; a fixed type must be in the book, and `auto` needs one.
    fn new(cfg: &'a Ec2Config, book: &'a PriceBook) -> Result<Instances<'a>, Missing> {
        if cfg.purchase != Purchase::OnDemand {
            let what = cfg.instance_type.fixed().map_or("auto", |s| s.as_str());
            return Err(Missing {
                region: book.region.clone(),
                what: "price",
                key: format!("ec2.{}.{}", cfg.purchase.as_str(), what),
            });
        }
        let types: Vec<(&str, &Instance)> = match &cfg.instance_type {
            AutoOr::Fixed(name) => vec![(name.as_str(), book.instance(name)?)],
            AutoOr::Auto => book
                .instances
                .iter()
                .map(|(k, v)| (k.as_str(), v))
                .collect(),
        };
        if types.is_empty() {
            return Err(Missing {
                region: book.region.clone(),
                what: "instance type",
                key: "any".to_string(),
            });
        }
        Ok(Instances { cfg, types })
    }

    fn shapes(&self, d: &Demand) -> Result<Vec<Kind<'a>>, String> {
        let setting = &self.cfg.processes_per_instance;
        Ok(self
            .types
            .iter()
            .map(|&(name, inst)| Kind {
                name,
                inst,
                layout: layout(inst, setting, d.request.memory_mb),
            })
            .collect())
    }

    fn settings(&self) -> Settings {
        let cfg = self.cfg;
        Settings {
            target_utilization: cfg.target_utilization,
            scale_out_minutes: cfg.scale_out_minutes,
            min: cfg.min_instances,
            max: cfg.max_instances,
            concurrency: cfg.concurrency_per_process,
            ingress: cfg.ingress,
        }
    }

    /// The layout's processes share the vCPUs evenly (each using as many as its runtime can).
    fn unit(&self, d: &Demand, k: &Kind) -> Unit {
        let share = k.inst.vcpu as f64 / k.layout.processes as f64;
        Unit::new(
            k.layout.processes,
            Process::new(&d.request, self.cfg.concurrency_per_process, share),
        )
    }

    fn fits(&self, _d: &Demand, k: &Kind) -> bool {
        k.layout.fits
    }

    /// The fleet never runs below its minimum, nor below the mean rate at full use.
    fn cost_floor(&self, k: &Kind, unit: &Unit, mean_rps: f64) -> f64 {
        let units =
            (self.cfg.min_instances as f64).max(mean_rps / unit.throughput_rps().max(1e-12));
        units * MONTH_HOURS * k.inst.on_demand_hourly
    }

    fn cost(&self, k: &Kind, hours: f64) -> f64 {
        hours * k.inst.on_demand_hourly
    }

    fn bill(&self, k: &Kind, hours: f64) -> Vec<LineItem> {
        vec![bill(hours, k.inst)]
    }

    /// Within a burstable type's CPU-credit baseline (always, for the others).
    fn preferred(&self, k: &Kind, hours: f64, cpu_s: f64) -> bool {
        let used = Instances::cpu_utilization(k.inst, hours, cpu_s);
        k.inst.baseline_cpu_share.is_none_or(|b| used <= b)
    }

    /// By name.
    fn tie_break(a: &Kind, b: &Kind) -> Ordering {
        a.name.cmp(b.name)
    }

    fn memory_gb(k: &Kind) -> f64 {
        k.inst.memory_gib
    }

    /// An always-on fleet of `min_instances` unless the deadline (or the month's total work)
    /// needs more; then that many, always on. Each process gathers items with
    /// `concurrency_per_process` in flight.
    fn job(&self, job: &Job, unit: &Unit) -> JobRun {
        let cfg = self.cfg;
        let unit_rps = unit.throughput_rps();
        let g = gather(
            job.items,
            unit_rps,
            unit.wall_ms(),
            |_| 0.0,
            job.deadline_s,
            cfg.min_instances.max(1),
            cfg.max_instances,
        );
        // The month's items must fit in the month: runs back to back at most.
        let monthly_items = job.items as f64 * job.runs_per_month.max(0.0);
        let for_volume = if unit_rps > 0.0 {
            (monthly_items / (MONTH_S * unit_rps) - 1e-9)
                .ceil()
                .max(1.0)
        } else {
            f64::INFINITY
        };
        let max = cfg.max_instances.max(cfg.min_instances).max(1);
        let mut instances = g.units;
        let mut short_of = g.short_of;
        if for_volume > instances as f64 {
            if for_volume > max as f64 {
                instances = max;
                if short_of.is_none() {
                    short_of = Some(Some(for_volume.min(u32::MAX as f64) as u32));
                }
            } else {
                instances = for_volume as u32;
            }
        }
        JobRun {
            units: instances,
            makespan_s: makespan(job.items, instances, unit_rps, unit.wall_ms(), 0.0),
            short_of,
            hours: instances as f64 * MONTH_HOURS,
        }
    }

    fn too_few(&self, _job: &Job, _c: &Candidate<Kind>, run: &JobRun, needed: u32) -> String {
        format!(
            "Needs {needed} instances to finish the items in time but max_instances is {}: a run takes {:.0} s.",
            self.cfg.max_instances, run.makespan_s
        )
    }

    fn never_in_time(&self, job: &Job, c: &Candidate<Kind>, _run: &JobRun) -> String {
        format!(
            "No number of instances meets the {:.0} s deadline: one item alone takes {:.1} s.",
            job.deadline_s.unwrap_or_default(),
            c.unit.wall_ms() / 1000.0
        )
    }

    /// A run past the deadline (when the count was not the limit), and the fleet's idle time.
    fn job_findings(&self, job: &Job, run: &JobRun) -> Assessment {
        let mut verdict = Assessment::new();
        let deadline = job.deadline_s.unwrap_or_default();
        if run.makespan_s > deadline && job.deadline_s.is_some() && run.short_of.is_none() {
            verdict.infeasible(format!(
                "A run takes {:.0} s, missing the {deadline:.0} s deadline.",
                run.makespan_s
            ));
        }
        let busy_share = (job.runs_per_month.max(0.0) * run.makespan_s / MONTH_S).min(1.0);
        verdict.risk(format!(
            "The job runs on {} always-on {} (billed 730 h each), busy {} of the month.",
            run.units,
            if run.units == 1 {
                "instance"
            } else {
                "instances"
            },
            pct(busy_share)
        ));
        verdict
    }

    /// Memory (processes that do not fit, or fewer than vCPUs), and a burstable type's CPU
    /// credits.
    fn findings(&self, d: &Demand, c: &Candidate<Kind>) -> Assessment {
        let (k, mem) = (c.shape, d.request.memory_mb);
        let avail = available_mib(k.inst);
        let mut verdict = Assessment::new();
        if !k.layout.fits {
            verdict.infeasible(match self.cfg.processes_per_instance {
                AutoOr::Fixed(p) => format!(
                    "{p} processes of {mem} MB need {} MB but {} leaves {avail:.0} MB after the OS reserve.",
                    p as u64 * mem as u64,
                    k.name
                ),
                AutoOr::Auto => format!(
                    "{} cannot hold one process of {mem} MB: it leaves {avail:.0} MB after the OS reserve.",
                    k.name
                ),
            });
        } else if k.layout.memory_limited {
            verdict.risk(format!(
                "Memory fits only {} {} of {mem} MB on {} ({} vCPUs): one per vCPU (pm2 -i max) would run out of memory.",
                k.layout.processes,
                if k.layout.processes == 1 { "process" } else { "processes" },
                k.name,
                k.inst.vcpu
            ));
        }
        let usable = k.layout.processes as f64 * c.unit.process.vcpus;
        let vcpus = k.inst.vcpu as f64;
        if k.layout.fits && !k.layout.memory_limited && usable < vcpus - 1e-9 {
            verdict.risk(format!(
                "{} {} whose requests can use {} vCPU each (runtime {}) keep {} of {}'s {} vCPUs busy at most: the rest are idle.",
                k.layout.processes,
                if k.layout.processes == 1 { "process" } else { "processes" },
                fmt_num(round_to(c.unit.process.vcpus, 2)),
                d.request.runtime.as_str(),
                fmt_num(round_to(usable, 2)),
                k.name,
                k.inst.vcpu
            ));
        }
        let used = Instances::cpu_utilization(k.inst, c.hours, c.cpu_s);
        if let Some(base) = k.inst.baseline_cpu_share
            && used > base
        {
            verdict.risk(format!(
                "Average CPU use of {} per vCPU is above {}'s {} baseline: in unlimited mode the surplus CPU credits are billed (not priced here); in standard mode the CPU is throttled.",
                pct(used),
                k.name,
                pct(base)
            ));
        }
        verdict
    }

    fn config(
        &self,
        c: &Candidate<Kind>,
        job: Option<&JobRun>,
    ) -> BTreeMap<String, serde_json::Value> {
        let (cfg, k) = (self.cfg, c.shape);
        let mut m = BTreeMap::new();
        m.insert("instance_type".into(), json!(k.name));
        m.insert("architecture".into(), json!(k.inst.arch));
        m.insert("vcpu".into(), json!(k.inst.vcpu));
        m.insert("memory_gib".into(), json!(k.inst.memory_gib));
        m.insert("processes_per_instance".into(), json!(k.layout.processes));
        m.insert(
            "process_manager".into(),
            serde_json::to_value(cfg.process_manager).unwrap_or(serde_json::Value::Null),
        );
        m.insert("purchase".into(), json!(cfg.purchase.as_str()));
        m.insert(
            "os_reserve_mib".into(),
            json!(round_to(
                k.inst.memory_gib * 1024.0 - available_mib(k.inst),
                0
            )),
        );
        m.insert(
            "usable_vcpus_per_process".into(),
            json!(round_to(c.unit.process.vcpus, 3)),
        );
        m.insert("instance_hours".into(), json!(round_to(c.hours, 1)));
        m.insert(
            "avg_cpu_utilization".into(),
            json!(round_to(
                Instances::cpu_utilization(k.inst, c.hours, c.cpu_s),
                4
            )),
        );
        if let Some(run) = job {
            m.insert("instances".into(), json!(run.units));
        }
        m
    }
}

#[cfg(test)]
mod tests;
