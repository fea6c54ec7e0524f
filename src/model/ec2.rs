//! EC2 instances running a process manager (pm2 cluster, gunicorn workers, ...): processes per
//! instance (`auto` = one per vCPU, fewer if memory says so), the `instance_type: auto` search,
//! and EC2's billing (the one place it lives): instance-hours at the on-demand price.

use super::billing;
use super::demand::{Demand, DemandWork};
use super::fleet::{self, FleetCache, Names, Process, Scaling, Unit};
use super::ingress;
use super::plan::{Capacity, Latency, LineItem, OptionPlan, Platform, Priced};
use super::traffic::MONTH_S;
use super::words::{pct, round_to};
use crate::pricing::{Instance, Missing, Price, PriceBook, Tier, keys};
use crate::profile::{AutoOr, Ec2Config, FleetIngress, Job, Purchase};
use serde_json::json;
use std::collections::BTreeMap;

/// Memory kept for the OS, the agent and the process manager: 10% of the instance's memory,
/// at least 512 MiB.
pub const OS_RESERVE_SHARE: f64 = 0.10;
pub const OS_RESERVE_MIN_MIB: f64 = 512.0;

const NAMES: Names = Names {
    units: "instances",
    max_key: "max_instances",
};

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
    OptionPlan::answer(Platform::Ec2, cfg.enabled, || {
        try_evaluate(d, cfg, book, plan_of)
    })
}

/// What [`evaluate`] says of the option's cost and feasibility, without the chosen type's
/// latency mix when the SLO is decided without it (for the cost curve and break-even).
pub fn price(d: &Demand, cfg: &Ec2Config, book: &PriceBook) -> Priced {
    OptionPlan::answer(Platform::Ec2, cfg.enabled, || {
        try_evaluate(d, cfg, book, priced_of)
    })
}

/// One evaluated instance type.
#[derive(Debug, Clone)]
struct Candidate<'b> {
    name: &'b str,
    inst: &'b Instance,
    layout: Layout,
    unit: Unit,
    /// Meets the SLO or deadline (memory aside).
    meets: bool,
    /// Average CPU use per vCPU is within a burstable type's baseline (always true otherwise).
    within_baseline: bool,
    cpu_utilization: f64,
    instance_hours: f64,
    cost: f64,
    peak_units: f64,
    /// Fan-out only: instances and makespan, and the instances the deadline needs if over max.
    job: Option<JobRun>,
}

#[derive(Debug, Clone, Copy)]
struct JobRun {
    instances: u32,
    makespan_s: f64,
    short_of: Option<Option<u32>>,
    busy_share: f64,
}

fn scaling(cfg: &Ec2Config) -> Scaling {
    Scaling {
        target_utilization: cfg.target_utilization,
        scale_out_s: cfg.scale_out_minutes * 60.0,
        min: cfg.min_instances,
        max: cfg.max_instances,
    }
}

fn unit_for(d: &Demand, cfg: &Ec2Config, inst: &Instance, layout: Layout) -> Unit {
    let share = (inst.vcpu as f64 / layout.processes as f64).min(1.0);
    Unit::new(
        layout.processes,
        Process::new(&d.request, cfg.concurrency_per_process, share),
    )
}

/// The search `evaluate` and `price` share; `finish` turns the chosen type into the answer.
fn try_evaluate<T: From<OptionPlan>>(
    d: &Demand,
    cfg: &Ec2Config,
    book: &PriceBook,
    finish: impl FnOnce(Chosen) -> T,
) -> Result<T, Missing> {
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
    match &d.work {
        DemandWork::Fanout(job) => Ok(fanout(d, cfg, job, &types).into()),
        DemandWork::Service | DemandWork::Workflow(_) => {
            if cfg.ingress == FleetIngress::Alb {
                book.price(keys::ALB_HOURS)?;
                book.price(keys::ALB_LCU)?;
            }
            service(d, cfg, book, &types, finish)
        }
    }
}

/// Preferred order: fits and meets the goals, within any CPU-credit baseline, cheapest, fewer
/// instances. When nothing fits and meets, the one that comes closest: memory fits, most
/// throughput per instance, cheapest.
fn choose<'b>(cands: &[Candidate<'b>]) -> Option<Candidate<'b>> {
    let by_cost = |a: &&Candidate, b: &&Candidate| {
        fleet::cost_cmp(a.cost, b.cost)
            .then(a.peak_units.total_cmp(&b.peak_units))
            .then(a.name.cmp(b.name))
    };
    let good = |c: &&Candidate| c.layout.fits && c.meets;
    if let Some(best) = cands
        .iter()
        .filter(good)
        .filter(|c| c.within_baseline)
        .min_by(by_cost)
        .or_else(|| cands.iter().filter(good).min_by(by_cost))
    {
        return Some(best.clone());
    }
    let fitting: Vec<&Candidate> = cands.iter().filter(|c| c.layout.fits).collect();
    if let Some(top) = fitting
        .iter()
        .map(|c| c.unit.throughput_rps())
        .max_by(f64::total_cmp)
    {
        return fitting
            .into_iter()
            .filter(|c| c.unit.throughput_rps() >= top * (1.0 - 1e-12))
            .min_by(by_cost)
            .cloned();
    }
    cands
        .iter()
        .max_by(|a, b| {
            a.inst
                .memory_gib
                .total_cmp(&b.inst.memory_gib)
                .then(b.cost.total_cmp(&a.cost))
        })
        .cloned()
}

fn service<'b, T: From<OptionPlan>>(
    d: &'b Demand,
    cfg: &'b Ec2Config,
    book: &PriceBook,
    types: &[(&'b str, &'b Instance)],
    finish: impl FnOnce(Chosen<'b>) -> T,
) -> Result<T, Missing> {
    let scaling = scaling(cfg);
    let mut cache = FleetCache::new(&d.curve, &d.request, scaling);
    let slo = d.p99_target_ms().is_some();
    let mean = d.curve.mean();
    let floor_units = scaling.min as f64;

    // Visit types by a cost lower bound (the fleet never runs below its minimum, nor below the
    // mean rate at full use), and stop once the bound passes the best feasible cost found.
    let mut order: Vec<(f64, &'b str, &'b Instance, Layout, Unit)> = types
        .iter()
        .map(|&(name, inst)| {
            let lay = layout(inst, &cfg.processes_per_instance, d.request.memory_mb);
            let unit = unit_for(d, cfg, inst, lay);
            let units = floor_units.max(mean / unit.throughput_rps().max(1e-12));
            (
                units * fleet::MONTH_HOURS * inst.on_demand_hourly,
                name,
                inst,
                lay,
                unit,
            )
        })
        .collect();
    order.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(b.1)));
    let mut cands: Vec<Candidate> = Vec::with_capacity(order.len());
    let mut best: Option<f64> = None;
    for (bound, name, inst, lay, unit) in order {
        if best.is_some_and(|b| bound > b) {
            break;
        }
        let o = cache.get(&unit, false);
        let run = &o.run;
        let cpu_utilization = if run.unit_hours > 0.0 {
            run.cpu_vcpu_seconds / (run.unit_hours * 3600.0 * inst.vcpu.max(1) as f64)
        } else {
            0.0
        };
        let within_baseline = inst.baseline_cpu_share.is_none_or(|b| cpu_utilization <= b);
        let cost = run.unit_hours * inst.on_demand_hourly;
        let mut meets = fleet::meets(d, &scaling, run, None);
        // The latency mix only for a type that could be chosen.
        if slo && meets && lay.fits && (!within_baseline || best.is_none_or(|b| cost <= b)) {
            meets = cache.meets(d, &unit);
        }
        let o = cache.get(&unit, false);
        let run = &o.run;
        let c = Candidate {
            name,
            inst,
            layout: lay,
            unit,
            meets,
            within_baseline,
            cpu_utilization,
            instance_hours: run.unit_hours,
            cost,
            peak_units: run.peak_units,
            job: None,
        };
        if c.layout.fits && c.meets && c.within_baseline {
            best = Some(best.map_or(c.cost, |b: f64| b.min(c.cost)));
        }
        cands.push(c);
    }
    let Some(c) = choose(&cands) else {
        return Ok(OptionPlan::infeasible(Platform::Ec2, "No instance type to evaluate.").into());
    };
    let run = &cache.get(&c.unit, false).run;
    let mut lines = vec![bill(run.unit_hours, c.inst)];
    if cfg.ingress == FleetIngress::Alb {
        lines.extend(ingress::alb(
            &d.curve,
            d.request.payload_kb,
            c.unit.wall_ms(),
            book,
        )?);
    }
    Ok(finish(Chosen {
        d,
        cfg,
        c,
        cache,
        scaling,
        lines,
    }))
}

/// The instance type a service's search chose, its fleet runs and its bill.
struct Chosen<'a> {
    d: &'a Demand<'a>,
    cfg: &'a Ec2Config,
    c: Candidate<'a>,
    cache: FleetCache<'a>,
    scaling: Scaling,
    lines: Vec<LineItem>,
}

fn priced_of(mut ch: Chosen) -> Priced {
    let mut feasible = ch.cache.meets(ch.d, &ch.c.unit);
    common_risks(ch.d, ch.cfg, &ch.c, &mut feasible, &mut Vec::new());
    Priced::billed(&ch.lines, feasible)
}

fn plan_of(mut ch: Chosen) -> OptionPlan {
    let (d, cfg) = (ch.d, ch.cfg);
    let o = ch.cache.get(&ch.c.unit, true);
    let c = &ch.c;
    let latency = o.latency.unwrap_or(Latency {
        p50: c.unit.wall_ms(),
        p99: c.unit.wall_ms(),
    });
    let run = &o.run;
    let (mut feasible, mut risks) = fleet::assess(d, &ch.scaling, run, Some(latency), NAMES);
    common_risks(d, cfg, c, &mut feasible, &mut risks);
    let mut config = base_config(cfg, c);
    config.insert(
        "request_wall_ms".into(),
        json!(round_to(c.unit.wall_ms(), 1)),
    );
    OptionPlan {
        platform: Platform::Ec2,
        feasible,
        monthly_cost_usd: billing::total(&ch.lines),
        cost_breakdown: ch.lines,
        config,
        throughput_rps: run.peak_units * c.unit.throughput_rps(),
        capacity: Capacity {
            peak: run.peak_units,
            unit: "instances".into(),
        },
        latency_ms: latency,
        risks,
        throttled_share: run.shed_share,
        makespan_s: None,
        capacity_rps: run
            .running
            .iter()
            .map(|u| u * c.unit.throughput_rps())
            .collect(),
    }
}

/// A fan-out job on an always-on fleet: each process gathers items (`asyncio.gather`,
/// `Promise.all`) with `concurrency_per_process` in flight. The fleet is `min_instances`
/// unless the deadline (or the month's total work) needs more; then that many, always on.
fn job_run(cfg: &Ec2Config, job: &Job, unit: &Unit) -> JobRun {
    let unit_rps = unit.throughput_rps();
    let g = fleet::gather(
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
    let makespan_s = fleet::makespan(job.items, instances, unit_rps, unit.wall_ms(), 0.0);
    JobRun {
        instances,
        makespan_s,
        short_of,
        busy_share: (job.runs_per_month.max(0.0) * makespan_s / MONTH_S).min(1.0),
    }
}

fn fanout(d: &Demand, cfg: &Ec2Config, job: &Job, types: &[(&str, &Instance)]) -> OptionPlan {
    let cands: Vec<Candidate> = types
        .iter()
        .map(|&(name, inst)| {
            let lay = layout(inst, &cfg.processes_per_instance, d.request.memory_mb);
            let unit = unit_for(d, cfg, inst, lay);
            let jr = job_run(cfg, job, &unit);
            let hours = jr.instances as f64 * fleet::MONTH_HOURS;
            let cpu_s =
                job.items as f64 * job.runs_per_month.max(0.0) * d.request.cpu_ms.max(0.0) / 1000.0;
            let cpu_utilization = cpu_s / (hours * 3600.0 * inst.vcpu.max(1) as f64);
            Candidate {
                name,
                inst,
                layout: lay,
                unit,
                meets: jr.short_of.is_none() && job.deadline_s.is_none_or(|dl| jr.makespan_s <= dl),
                within_baseline: inst.baseline_cpu_share.is_none_or(|b| cpu_utilization <= b),
                cpu_utilization,
                instance_hours: hours,
                cost: hours * inst.on_demand_hourly,
                peak_units: jr.instances as f64,
                job: Some(jr),
            }
        })
        .collect();
    let Some(c) = choose(&cands) else {
        return OptionPlan::infeasible(Platform::Ec2, "No instance type to evaluate.");
    };
    let Some(jr) = c.job else {
        return OptionPlan::infeasible(Platform::Ec2, "No instance type to evaluate.");
    };
    let lines = vec![bill(c.instance_hours, c.inst)];
    let mut feasible = true;
    let mut risks = Vec::new();
    let deadline = job.deadline_s.unwrap_or_default();
    match jr.short_of {
        Some(Some(needed)) => {
            feasible = false;
            risks.push(format!(
                "Needs {needed} instances to finish the items in time but max_instances is {}: a run takes {:.0} s.",
                cfg.max_instances, jr.makespan_s
            ));
        }
        Some(None) => {
            feasible = false;
            risks.push(format!(
                "No number of instances meets the {deadline:.0} s deadline: one item alone takes {:.1} s.",
                c.unit.wall_ms() / 1000.0
            ));
        }
        None => {}
    }
    if jr.makespan_s > deadline && job.deadline_s.is_some() && jr.short_of.is_none() {
        feasible = false;
        risks.push(format!(
            "A run takes {:.0} s, missing the {deadline:.0} s deadline.",
            jr.makespan_s
        ));
    }
    risks.push(format!(
        "The job runs on {} always-on {} (billed 730 h each), busy {} of the month.",
        jr.instances,
        if jr.instances == 1 {
            "instance"
        } else {
            "instances"
        },
        pct(jr.busy_share)
    ));
    common_risks(d, cfg, &c, &mut feasible, &mut risks);
    let mut config = base_config(cfg, &c);
    config.insert("item_wall_ms".into(), json!(round_to(c.unit.wall_ms(), 1)));
    config.insert("instances".into(), json!(jr.instances));
    config.insert("ingress".into(), json!("none"));
    OptionPlan {
        platform: Platform::Ec2,
        feasible,
        monthly_cost_usd: billing::total(&lines),
        cost_breakdown: lines,
        config,
        throughput_rps: jr.instances as f64 * c.unit.throughput_rps(),
        capacity: Capacity {
            peak: jr.instances as f64,
            unit: "instances".into(),
        },
        latency_ms: Latency {
            p50: c.unit.wall_ms(),
            p99: c.unit.wall_ms(),
        },
        risks,
        throttled_share: 0.0,
        makespan_s: Some(jr.makespan_s),
        capacity_rps: Vec::new(),
    }
}

fn common_risks(
    d: &Demand,
    cfg: &Ec2Config,
    c: &Candidate,
    feasible: &mut bool,
    risks: &mut Vec<String>,
) {
    let mem = d.request.memory_mb;
    let avail = available_mib(c.inst);
    if !c.layout.fits {
        *feasible = false;
        match cfg.processes_per_instance {
            AutoOr::Fixed(p) => risks.push(format!(
                "{p} processes of {mem} MB need {} MB but {} leaves {avail:.0} MB after the OS reserve.",
                p as u64 * mem as u64,
                c.name
            )),
            AutoOr::Auto => risks.push(format!(
                "{} cannot hold one process of {mem} MB: it leaves {avail:.0} MB after the OS reserve.",
                c.name
            )),
        }
    } else if c.layout.memory_limited {
        risks.push(format!(
            "Memory fits only {} {} of {mem} MB on {} ({} vCPUs): one per vCPU (pm2 -i max) would run out of memory.",
            c.layout.processes,
            if c.layout.processes == 1 { "process" } else { "processes" },
            c.name,
            c.inst.vcpu
        ));
    }
    if let Some(base) = c.inst.baseline_cpu_share
        && c.cpu_utilization > base
    {
        risks.push(format!(
            "Average CPU use of {} per vCPU is above {}'s {} baseline: in unlimited mode the surplus CPU credits are billed (not priced here); in standard mode the CPU is throttled.",
            pct(c.cpu_utilization),
            c.name,
            pct(base)
        ));
    }
    fleet::cpu_risks(d, &c.unit.process, "process", risks);
}

fn base_config(cfg: &Ec2Config, c: &Candidate) -> BTreeMap<String, serde_json::Value> {
    let mut m = BTreeMap::new();
    m.insert("instance_type".into(), json!(c.name));
    m.insert("architecture".into(), json!(c.inst.arch));
    m.insert("vcpu".into(), json!(c.inst.vcpu));
    m.insert("memory_gib".into(), json!(c.inst.memory_gib));
    m.insert("processes_per_instance".into(), json!(c.layout.processes));
    m.insert(
        "concurrency_per_process".into(),
        json!(cfg.concurrency_per_process),
    );
    m.insert(
        "process_manager".into(),
        serde_json::to_value(cfg.process_manager).unwrap_or(serde_json::Value::Null),
    );
    m.insert("purchase".into(), json!(cfg.purchase.as_str()));
    m.insert("min_instances".into(), json!(cfg.min_instances));
    m.insert("max_instances".into(), json!(cfg.max_instances));
    m.insert("target_utilization".into(), json!(cfg.target_utilization));
    m.insert("scale_out_minutes".into(), json!(cfg.scale_out_minutes));
    m.insert(
        "ingress".into(),
        serde_json::to_value(cfg.ingress).unwrap_or(serde_json::Value::Null),
    );
    m.insert(
        "os_reserve_mib".into(),
        json!(round_to(
            c.inst.memory_gib * 1024.0 - available_mib(c.inst),
            0
        )),
    );
    m.insert(
        "cpu_share_per_process".into(),
        json!(round_to(c.unit.process.cpu_share, 3)),
    );
    m.insert(
        "instance_rps".into(),
        json!(round_to(c.unit.throughput_rps(), 2)),
    );
    m.insert(
        "effective_concurrency_per_instance".into(),
        json!(round_to(c.unit.slots(), 2)),
    );
    m.insert(
        "instance_hours".into(),
        json!(round_to(c.instance_hours, 1)),
    );
    m.insert(
        "avg_cpu_utilization".into(),
        json!(round_to(c.cpu_utilization, 4)),
    );
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::billing::FreeTier;
    use crate::model::testkit::{fanout, fleet_book as book, instance, req, service};
    use crate::profile::Workload;

    fn eval(w: &Workload, cfg: &Ec2Config) -> OptionPlan {
        let d = Demand::new(w, FreeTier::none());
        evaluate(&d, cfg, &book())
    }

    fn fixed(name: &str) -> Ec2Config {
        Ec2Config {
            instance_type: AutoOr::Fixed(name.to_string()),
            ingress: FleetIngress::None,
            ..Ec2Config::default()
        }
    }

    #[test]
    fn flat_service_on_m7g_large() {
        // 2 processes (one per vCPU) × 50 in flight of 100 ms: 1,000 req/s per instance.
        // 3,000 req/s at 60% -> 5 instances, 730 h each.
        let w = service(3000.0, req(100.0, 0.0, 512));
        let p = eval(&w, &fixed("m7g.large"));
        assert!(p.feasible, "{:?}", p.risks);
        assert_eq!(p.config["processes_per_instance"], json!(2));
        assert_eq!(p.capacity.peak, (3000.0_f64 / (1000.0 * 0.6)).ceil());
        assert_eq!(p.capacity.unit, "instances");
        assert_eq!(p.cost_breakdown.len(), 1);
        let line = &p.cost_breakdown[0];
        assert_eq!(line.item, "instances");
        assert!((line.quantity - 5.0 * 730.0).abs() < 1e-6);
        assert!((p.monthly_cost_usd - 5.0 * 730.0 * 0.0816).abs() < 1e-6);
        assert_eq!(p.config["process_manager"], json!("pm2"));
        assert_eq!(p.config["purchase"], json!("on_demand"));
    }

    #[test]
    fn min_instances_hold_at_low_traffic() {
        let p = eval(&service(1.0, req(100.0, 0.0, 512)), &fixed("m7g.large"));
        assert_eq!(p.capacity.peak, 2.0);
        assert!((p.monthly_cost_usd - 2.0 * 730.0 * 0.0816).abs() < 1e-6);
    }

    #[test]
    fn missing_instance_type_is_named() {
        let p = eval(&service(10.0, req(100.0, 0.0, 512)), &fixed("x9z.huge"));
        assert!(!p.feasible);
        assert!(p.risks[0].contains("x9z.huge"), "{:?}", p.risks);
        assert!(p.risks[0].contains("instance type"), "{:?}", p.risks);
    }

    #[test]
    fn other_purchase_options_have_no_price_yet() {
        let cfg = Ec2Config {
            purchase: Purchase::Spot,
            ..fixed("m7g.large")
        };
        let p = eval(&service(10.0, req(100.0, 0.0, 512)), &cfg);
        assert!(!p.feasible);
        assert!(p.risks[0].contains("ec2.spot.m7g.large"), "{:?}", p.risks);
    }

    #[test]
    fn memory_limits_processes() {
        // t3.small: 2 GiB less 512 MiB reserve = 1,536 MiB: one 1,024 MB process, not two.
        let w = service(10.0, req(100.0, 0.0, 1024));
        let p = eval(&w, &fixed("t3.small"));
        assert_eq!(p.config["processes_per_instance"], json!(1));
        assert!(p.feasible, "{:?}", p.risks);
        assert!(
            p.risks
                .iter()
                .any(|r| r.starts_with("Memory fits only 1 process of")),
            "{:?}",
            p.risks
        );
        // A fixed count that does not fit is infeasible.
        let cfg = Ec2Config {
            processes_per_instance: AutoOr::Fixed(4),
            ..fixed("m7g.large")
        };
        let p = eval(&service(10.0, req(100.0, 0.0, 2048)), &cfg);
        assert!(!p.feasible);
        assert!(
            p.risks
                .iter()
                .any(|r| r.contains("8192 MB") && r.contains("m7g.large")),
            "{:?}",
            p.risks
        );
        // Nothing fits at all.
        let p = eval(&service(10.0, req(100.0, 0.0, 4096)), &fixed("t3.small"));
        assert!(!p.feasible);
        assert!(
            p.risks
                .iter()
                .any(|r| r.contains("cannot hold one process")),
            "{:?}",
            p.risks
        );
    }

    #[test]
    fn available_memory_reserve() {
        let small = instance("x86_64", 2, 2.0, 0.02, None);
        assert_eq!(available_mib(&small), 2048.0 - 512.0);
        let big = instance("x86_64", 4, 16.0, 0.2, None);
        assert!((available_mib(&big) - 16384.0 * 0.9).abs() < 1e-9);
    }

    #[test]
    fn auto_picks_the_cheapest_type() {
        let w = service(500.0, req(100.0, 0.0, 512));
        let p = eval(
            &w,
            &Ec2Config {
                ingress: FleetIngress::None,
                ..Ec2Config::default()
            },
        );
        assert!(p.feasible, "{:?}", p.risks);
        // I/O-bound, 500 req/s: the minimum of 2 instances of any type carries it, so the
        // cheapest type wins: t3.small ($0.0208/h), well within its CPU baseline.
        assert_eq!(p.config["instance_type"], json!("t3.small"));
        let cheapest = 2.0 * 730.0 * 0.0208;
        assert!((p.monthly_cost_usd - cheapest).abs() < 1e-6);

        // 6 GB processes do not fit t3.small or c7g.large; of the types that hold them,
        // m7g.large ($0.0816/h) is cheaper than m5.large ($0.096/h).
        let w = service(500.0, req(100.0, 0.0, 6 * 1024));
        let p = eval(
            &w,
            &Ec2Config {
                ingress: FleetIngress::None,
                ..Ec2Config::default()
            },
        );
        assert_eq!(
            p.config["instance_type"],
            json!("m7g.large"),
            "{:?}",
            p.config
        );
        assert!(p.feasible);
    }

    #[test]
    fn cost_tie_goes_to_fewer_instances() {
        // 4 vCPU at twice the price of 2 vCPU: the same cost for the same capacity.
        let mut b = book();
        b.instances.clear();
        b.instances
            .insert("a.large".into(), instance("x86_64", 2, 8.0, 0.1, None));
        b.instances
            .insert("b.xlarge".into(), instance("x86_64", 4, 16.0, 0.2, None));
        // 100 ms of I/O × 50 in flight = 500 req/s per process, one process per vCPU.
        let w = service(2400.0, req(100.0, 0.0, 256));
        let d = Demand::new(&w, FreeTier::none());
        let cfg = Ec2Config {
            min_instances: 1,
            ingress: FleetIngress::None,
            ..Ec2Config::default()
        };
        let p = evaluate(&d, &cfg, &b);
        // 2,400 / (1,000 × 0.6) = 4 a.large or 2,400 / (2,000 × 0.6) = 2 b.xlarge.
        assert_eq!(
            p.config["instance_type"],
            json!("b.xlarge"),
            "{:?}",
            p.config
        );
        assert_eq!(p.capacity.peak, 2.0);
    }

    #[test]
    fn burstable_over_baseline_warns_and_auto_avoids_it() {
        // 40 ms of CPU per request at 30 req/s = 1.2 vCPU-s/s over 2 instances × 2 vCPU: 30%,
        // above t3.small's 20% baseline.
        let w = service(30.0, req(60.0, 40.0, 256));
        let p = eval(&w, &fixed("t3.small"));
        assert!(
            p.risks
                .iter()
                .any(|r| r.contains("baseline") && r.contains("unlimited mode")),
            "{:?}",
            p.risks
        );
        let auto = eval(
            &w,
            &Ec2Config {
                ingress: FleetIngress::None,
                ..Ec2Config::default()
            },
        );
        assert_ne!(auto.config["instance_type"], json!("t3.small"));
        assert!(auto.feasible);
    }

    #[test]
    fn fanout_on_an_always_on_fleet() {
        // 10,000 items of 800 ms (600 ms CPU): a process does 1.67 items/s, an m7g.large 3.33.
        let w = fanout(10_000, 720.0, Some(600.0), req(800.0, 600.0, 1024));
        let p = eval(&w, &fixed("m7g.large"));
        assert!(p.feasible, "{:?}", p.risks);
        let n = p.capacity.peak;
        let m = p.makespan_s.unwrap();
        assert!(m <= 600.0);
        // No start-up: items / (n × 3.33) + 0.8 s, and n - 1 would miss.
        assert!((m - (10_000.0 / (n * 1000.0 / 300.0) + 0.8)).abs() < 1e-6);
        assert!(10_000.0 / ((n - 1.0) * 1000.0 / 300.0) + 0.8 > 600.0);
        assert!((p.monthly_cost_usd - n * 730.0 * 0.0816).abs() < 1e-6);
        assert!(p.risks.iter().any(|r| r.contains("always-on")));

        // No deadline: the minimum fleet.
        let w = fanout(100, 30.0, None, req(800.0, 600.0, 1024));
        let p = eval(&w, &fixed("m7g.large"));
        assert_eq!(p.capacity.peak, 2.0);
    }

    #[test]
    fn disabled() {
        let cfg = Ec2Config {
            enabled: false,
            ..Ec2Config::default()
        };
        let p = eval(&service(1.0, req(100.0, 0.0, 128)), &cfg);
        assert_eq!(p.risks, vec!["Disabled in the profile.".to_string()]);
    }

    /// `cargo test --release -- --ignored auto_type_speed --nocapture`
    #[test]
    #[ignore]
    fn auto_type_speed() {
        let mut w = crate::model::testkit::with_slo(
            service(500.0, req(120.0, 30.0, 512)),
            Some(400.0),
            None,
        );
        if let Some(t) = w.work.traffic_mut() {
            t.shape = crate::profile::Shape::Diurnal;
            t.peak_to_average = 4.0;
        }
        let d = Demand::new(&w, FreeTier::none());
        let mut b = book();
        for i in 0..40 {
            b.instances.insert(
                format!("z{i}.large"),
                instance("x86_64", 2 + (i % 4) * 2, 8.0, 0.05 + i as f64 * 0.01, None),
            );
        }
        let cfg = Ec2Config::default();
        let n = 200;
        let start = std::time::Instant::now();
        for _ in 0..n {
            std::hint::black_box(evaluate(&d, &cfg, &b));
        }
        println!("ec2 auto: {:?} per evaluation", start.elapsed() / n);
    }
}
