//! EC2 instances running a process manager (pm2 cluster, gunicorn workers, ...): processes per
//! instance (`auto` = one per vCPU, fewer if memory says so), the `instance_type: auto` search,
//! and EC2's billing (the one place it lives): instance-hours at the purchase option's rate
//! (on-demand, Spot, Reserved Instances, Savings Plans; a commitment covers the steady
//! baseline and the rest is on demand), per second with a 60 s minimum for instances
//! launched per run. Fan-out jobs run on instances
//! launched for each run or on an always-on fleet, whichever is cheaper; a process gathering
//! items holds every item in flight in memory.

use super::search::{self, Alternative, Candidate, Fleet, JobRun, RunMode, Settings, Usage, Words};
use super::{Launch, MONTH_HOURS, Process, Unit, cost_cmp, gather, makespan};
use crate::model::Assessment;
use crate::model::billing;
use crate::model::demand::Demand;
use crate::model::plan::{LineItem, OptionPlan, Platform, Priced};
use crate::model::traffic::MONTH_S;
use crate::model::words::{fmt_num, pct, round_to};
use crate::pricing::{Instance, Missing, Price, PriceBook, Tier, keys};
use crate::profile::{AutoOr, Ec2Config, Job, Purchase};
use serde_json::json;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// Memory kept for the OS, the agent and the process manager: 10% of the instance's memory,
/// at least 512 MiB.
pub const OS_RESERVE_SHARE: f64 = 0.10;
pub const OS_RESERVE_MIN_MIB: f64 = 512.0;

/// Assumed time from `RunInstances` to an instance's processes doing work (boot, user data,
/// process manager). AWS publishes no figure; a measured ECS-on-EC2 scale-out began after
/// about 2.5 minutes (PRICES.md §8), taken here as the start time. The launch quota's wait
/// comes on top ([`Launch`]).
pub const INSTANCE_STARTUP_S: f64 = 150.0;
/// Linux On-Demand instances bill per second with a 60-second minimum each time one starts:
/// https://aws.amazon.com/about-aws/whats-new/2017/10/announcing-amazon-ec2-per-second-billing/
pub const MIN_BILLED_S: f64 = 60.0;

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
pub fn layout(inst: &Instance, setting: &AutoOr<u32>, memory_mb: u64) -> Layout {
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

/// An instance-hour rate as a one-tier price, so the line is built like every other.
fn hourly_price(usd: f64, source: &str) -> Price {
    Price {
        unit: "instance-hour".to_string(),
        tiers: vec![Tier { upto: None, usd }],
        source: source.to_string(),
    }
}

/// EC2's bill: `instance_hours` of `inst` at the on-demand price.
pub fn bill(instance_hours: f64, inst: &Instance) -> LineItem {
    billing::line(
        "instances",
        instance_hours,
        &hourly_price(inst.on_demand_hourly, &inst.source),
    )
}

/// EC2's bill under `purchase`, whose rate for `inst` is `rate` (with its source): Spot bills
/// every hour at the Spot rate; a commitment (Reserved Instances, Savings Plans) bills the
/// steady hours at its rate and the hours above them on demand.
pub fn bill_bought(
    u: Usage,
    inst: &Instance,
    purchase: Purchase,
    rate: (f64, &str),
) -> Vec<LineItem> {
    let bought = hourly_price(rate.0, rate.1);
    if purchase == Purchase::OnDemand {
        return vec![bill(u.hours, inst)];
    }
    if !purchase.is_commitment() {
        return vec![billing::bought_line(
            "instances",
            u.hours,
            &bought,
            purchase,
        )];
    }
    let mut lines = Vec::with_capacity(2);
    if u.steady_hours > 0.0 {
        lines.push(billing::bought_line(
            "instances",
            u.steady_hours,
            &bought,
            purchase,
        ));
    }
    if u.above_steady() > 0.0 || lines.is_empty() {
        lines.push(bill(u.above_steady(), inst));
    }
    lines
}

/// The total of [`bill_bought`], without building lines.
fn cost_bought(u: Usage, inst: &Instance, purchase: Purchase, rate: f64) -> f64 {
    if purchase.is_commitment() {
        u.steady_hours * rate + u.above_steady() * inst.on_demand_hourly
    } else {
        u.hours * rate
    }
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
    /// How instances launched per run start (fan-out jobs).
    launch: Launch,
}

impl Instances<'_> {
    /// The type's rate under the configured purchase (every searched type has one; the
    /// on-demand price stands in should one not).
    fn rate<'k>(&self, k: &Kind<'k>) -> (f64, &'k str) {
        k.inst
            .rate(self.cfg.purchase)
            .unwrap_or((k.inst.on_demand_hourly, k.inst.source.as_str()))
    }

    /// Average CPU use per vCPU over the month.
    fn cpu_utilization(inst: &Instance, hours: f64, cpu_s: f64) -> f64 {
        if hours > 0.0 {
            cpu_s / (hours * 3600.0 * inst.vcpu.max(1) as f64)
        } else {
            0.0
        }
    }
}

/// What the book lacks to price this EC2 configuration at all (a purchase option it has no
/// prices for, a fixed instance type it does not list), as the model finds it; `None` when
/// EC2 is disabled or can be priced. `planner check` reports it at the profile's line.
pub fn missing_price(cfg: &Ec2Config, book: &PriceBook) -> Option<Missing> {
    if !cfg.enabled {
        return None;
    }
    Instances::new(cfg, book).err()
}

impl<'a> Fleet<'a> for Instances<'a> {
    type Config = Ec2Config;
    type Shape = Kind<'a>;
    const PLATFORM: Platform = Platform::Ec2;
    const WORDS: Words = Words {
        shape: "instance type",
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

    /// A fixed type must be in the book with a rate for the purchase option; `auto` searches
    /// the types that have one, and needs at least one.
    fn new(cfg: &'a Ec2Config, book: &'a PriceBook) -> Result<Instances<'a>, Missing> {
        let unpriced = |what: &str| Missing {
            region: book.region.clone(),
            what: Missing::PRICE,
            key: format!("ec2.{}.{}", cfg.purchase.as_str(), what),
        };
        let types: Vec<(&str, &Instance)> = match &cfg.instance_type {
            AutoOr::Fixed(name) => {
                let inst = book.instance(name)?;
                if inst.rate(cfg.purchase).is_none() {
                    return Err(unpriced(name));
                }
                vec![(name.as_str(), inst)]
            }
            AutoOr::Auto => book
                .instances
                .iter()
                .filter(|(_, v)| v.rate(cfg.purchase).is_some())
                .map(|(k, v)| (k.as_str(), v))
                .collect(),
        };
        if types.is_empty() {
            if cfg.purchase != Purchase::OnDemand && !book.instances.is_empty() {
                return Err(unpriced("auto"));
            }
            return Err(book.missing(Missing::INSTANCES, keys::EC2_INSTANCES));
        }
        Ok(Instances {
            cfg,
            types,
            launch: Launch {
                start_s: INSTANCE_STARTUP_S,
                burst: f64::INFINITY,
                per_s: 0.0,
            },
        })
    }

    fn for_jobs(self, book: &'a PriceBook) -> Result<Instances<'a>, Missing> {
        Ok(Instances {
            launch: Launch::from_book(
                INSTANCE_STARTUP_S,
                keys::Q_EC2_LAUNCH_BURST,
                keys::Q_EC2_LAUNCH,
                book,
            )?,
            ..self
        })
    }

    fn shapes(&self, d: &Demand) -> Result<Vec<Kind<'a>>, String> {
        let setting = &self.cfg.processes_per_instance;
        Ok(self
            .types
            .iter()
            .map(|&(name, inst)| Kind {
                name,
                inst,
                layout: layout(
                    inst,
                    setting,
                    d.process_memory_mb(self.cfg.concurrency_per_process),
                ),
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

    /// The fleet never runs below its minimum, nor below the mean rate at full use, and no
    /// hour costs less than the cheaper of the purchase's rate and on-demand.
    fn cost_floor(&self, k: &Kind, unit: &Unit, mean_rps: f64) -> f64 {
        let units =
            (self.cfg.min_instances as f64).max(mean_rps / unit.throughput_rps().max(1e-12));
        units * MONTH_HOURS * self.rate(k).0.min(k.inst.on_demand_hourly)
    }

    fn purchase(&self) -> Purchase {
        self.cfg.purchase
    }

    fn cost(&self, k: &Kind, u: Usage) -> f64 {
        cost_bought(u, k.inst, self.cfg.purchase, self.rate(k).0)
    }

    fn on_demand_cost(&self, k: &Kind, hours: f64) -> f64 {
        hours * k.inst.on_demand_hourly
    }

    fn bill(&self, k: &Kind, u: Usage) -> Vec<LineItem> {
        bill_bought(u, k.inst, self.cfg.purchase, self.rate(k))
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

    /// Instances launched for each run (billed per second from launch, at least 60 s each)
    /// or an always-on fleet, whichever meets the usable deadline and costs less (the same
    /// instance type, so fewer instance-hours); see [`Instances::per_run`] and
    /// [`Instances::always_on`]. Each process gathers items with `concurrency_per_process` in
    /// flight.
    fn job(&self, d: &Demand, job: &Job, unit: &Unit) -> JobRun {
        let usable = d.usable_deadline_s();
        let per_run = self.per_run(job, unit, usable);
        let always_on = self.always_on(job, unit, usable);
        let take_per_run = match (per_run.meets(usable), always_on.meets(usable)) {
            (true, false) => true,
            (false, true) => false,
            (true, true) | (false, false) => {
                cost_cmp(per_run.hours, always_on.hours) != std::cmp::Ordering::Greater
            }
        };
        let (chosen, other) = if take_per_run {
            (per_run, always_on)
        } else {
            (always_on, per_run)
        };
        JobRun {
            other: Some(Alternative {
                mode: other.mode,
                units: other.units,
                makespan_s: other.makespan_s,
                hours: other.hours,
                meets: other.meets(usable),
            }),
            ..chosen
        }
    }

    fn too_few(&self, d: &Demand, _c: &Candidate<Kind>, run: &JobRun, needed: u32) -> String {
        let what = match run.mode {
            RunMode::PerRun => format!("meet {}", d.deadline_words()),
            RunMode::AlwaysOn => "finish the items in time".to_string(),
        };
        format!(
            "Needs {needed} instances to {what} but max_instances is {}: a run takes {:.0} s.",
            self.cfg.max_instances, run.makespan_s
        )
    }

    fn never_in_time(&self, d: &Demand, c: &Candidate<Kind>, _run: &JobRun) -> String {
        format!(
            "No number of instances meets {}: one item alone takes {:.1} s, and instances launched per run start after {:.0} s.",
            d.deadline_words(),
            c.unit.wall_ms() / 1000.0,
            INSTANCE_STARTUP_S
        )
    }

    /// Overlapping runs (per run), or the fleet's idle time (always on).
    fn job_findings(&self, _d: &Demand, job: &Job, run: &JobRun) -> Assessment {
        let mut verdict = Assessment::new();
        match run.mode {
            RunMode::PerRun => {
                if let Some(overlap) = run.overlap(job, "instances") {
                    verdict.risk(overlap);
                }
            }
            RunMode::AlwaysOn => {
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
            }
        }
        verdict
    }

    /// Memory (processes that do not fit, or fewer than vCPUs), and a burstable type's CPU
    /// credits.
    fn findings(&self, d: &Demand, c: &Candidate<Kind>) -> Assessment {
        let (k, mem) = (
            c.shape,
            d.process_memory_mb(self.cfg.concurrency_per_process),
        );
        let avail = available_mib(k.inst);
        // A job's process holds its items in flight.
        let per = d.request.memory_mb as u64;
        let items = if d.work.job().is_some() && mem > per {
            format!(
                " ({} items of {per} MB in flight)",
                self.cfg.concurrency_per_process
            )
        } else {
            String::new()
        };
        let mut verdict = Assessment::new();
        if !k.layout.fits {
            verdict.infeasible(match self.cfg.processes_per_instance {
                AutoOr::Fixed(p) => format!(
                    "{p} processes of {mem} MB{items} need {} MB but {} leaves {avail:.0} MB after the OS reserve.",
                    p as u64 * mem,
                    k.name
                ),
                AutoOr::Auto => format!(
                    "{} cannot hold one process of {mem} MB{items}: it leaves {avail:.0} MB after the OS reserve.",
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
        if self.cfg.purchase == Purchase::Spot {
            verdict.risk(spot_risk(self.cfg.min_instances, c.peak_units));
        }
        let used = Instances::cpu_utilization(k.inst, c.hours, c.cpu_s);
        if let Some(base) = k.inst.baseline_cpu_share
            && used > base
        {
            verdict.risk(format!(
                "Average CPU use of {} per vCPU is above {}'s {} baseline: a burstable (T) type bills the surplus CPU credits in unlimited mode (not priced here) and is throttled in standard mode; a flex type runs above its baseline only part of the time.",
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
            if run.mode == RunMode::PerRun {
                m.insert("instance_startup_s".into(), json!(INSTANCE_STARTUP_S));
                m.insert(
                    "last_instance_start_s".into(),
                    json!(round_to(self.launch.last_start_s(run.units), 1)),
                );
            }
            if let Some(other) = run.other {
                m.insert(
                    "run_mode_choice".into(),
                    json!(run_mode_choice(run, &other, k.inst.on_demand_hourly)),
                );
            }
        }
        m
    }
}

impl Instances<'_> {
    /// Instances launched for each run: as many as the usable deadline needs (at least one,
    /// at most `max_instances`), the last working once the `RunInstances` quota lets it start
    /// ([`Launch::last_start_s`]); each billed for the run, at least 60 s. `min_instances`
    /// bounds the always-on fleet, not these.
    fn per_run(&self, job: &Job, unit: &Unit, usable: Option<f64>) -> JobRun {
        let launch = self.launch;
        let g = gather(
            job.items,
            unit.throughput_rps(),
            unit.wall_ms(),
            |n| launch.last_start_s(n),
            usable,
            1,
            self.cfg.max_instances,
        );
        JobRun {
            units: g.units,
            makespan_s: g.makespan_s,
            short_of: g.short_of,
            hours: job.runs_per_month.max(0.0) * g.units as f64 * g.makespan_s.max(MIN_BILLED_S)
                / 3600.0,
            mode: RunMode::PerRun,
            other: None,
        }
    }

    /// An always-on fleet of `min_instances` unless the usable deadline (or the month's total
    /// work) needs more; then that many, always on, billed 730 h each. No start-up: the
    /// instances are running when a run starts.
    fn always_on(&self, job: &Job, unit: &Unit, usable: Option<f64>) -> JobRun {
        let cfg = self.cfg;
        let unit_rps = unit.throughput_rps();
        let g = gather(
            job.items,
            unit_rps,
            unit.wall_ms(),
            |_| 0.0,
            usable,
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
            mode: RunMode::AlwaysOn,
            other: None,
        }
    }
}

/// What Spot risks: interruptions with two minutes' notice and no SLA, and a price that moves
/// by Availability Zone and hour (the book's rate is one reading, its `source`). A fleet that
/// can run on one instance has no second to carry it through an interruption.
fn spot_risk(min_instances: u32, peak: f64) -> String {
    let single = if min_instances <= 1 || peak <= 1.0 {
        " With a single instance at times, an interruption stops the service: Spot suits \
         stateless fleets that tolerate losing an instance, not a stateful single instance."
    } else {
        " Run the fleet across several instance types and AZs, stateless, so an interruption \
         only shrinks it."
    };
    format!(
        "Spot Instances can be interrupted with 2 minutes' notice and have no SLA; the Spot \
         price varies by Availability Zone and hour, so the book's Spot rate is an estimate.{single}"
    )
}

/// The run-mode choice in the configuration, as the Map choice is shown: "per run $0.36/mo
/// (3 instances), always on $3,175.50 (30 instances, infeasible)".
fn run_mode_choice(run: &JobRun, other: &Alternative, hourly: f64) -> String {
    let part = |mode: RunMode, units: u32, hours: f64, meets: bool| {
        format!(
            "{} {}/mo ({} {}{})",
            match mode {
                RunMode::PerRun => "per run",
                RunMode::AlwaysOn => "always on",
            },
            crate::format::usd(hours * hourly),
            units,
            if units == 1 { "instance" } else { "instances" },
            if meets { "" } else { ", misses the deadline" }
        )
    };
    let chosen = part(run.mode, run.units, run.hours, run.short_of.is_none());
    let not = part(other.mode, other.units, other.hours, other.meets);
    format!("{chosen}; not {not}")
}

#[cfg(test)]
mod tests;
