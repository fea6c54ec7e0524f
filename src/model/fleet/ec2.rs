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
use crate::model::words::{pct, round_to};
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

    /// The layout's processes share the vCPUs, up to one each.
    fn unit(&self, d: &Demand, k: &Kind) -> Unit {
        let share = (k.inst.vcpu as f64 / k.layout.processes as f64).min(1.0);
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
            "cpu_share_per_process".into(),
            json!(round_to(c.unit.process.cpu_share, 3)),
        );
        m.insert("instance_hours".into(), json!(round_to(c.hours, 1)));
        m.insert(
            "avg_cpu_utilization".into(),
            json!(round_to(
                Instances::cpu_utilization(k.inst, c.hours, c.cpu_s),
                4
            )),
        );
        match job {
            None => {}
            Some(run) => {
                m.insert("instances".into(), json!(run.units));
            }
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::billing::FreeTier;
    use crate::model::testkit::{book, fanout, req, service};
    use crate::profile::{FleetIngress, Workload};

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
        let b = book();
        // 2 GiB: the 512 MiB floor; 16 GiB: 10%.
        let small = &b.instances["t3.small"];
        assert_eq!(available_mib(small), 2048.0 - 512.0);
        let big = &b.instances["m7g.xlarge"];
        assert_eq!(big.memory_gib, 16.0);
        assert!((available_mib(big) - 16384.0 * 0.9).abs() < 1e-9);
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
        // cheapest type wins: t4g.small ($0.0168/h), well within its CPU baseline.
        assert_eq!(p.config["instance_type"], json!("t4g.small"));
        let cheapest = 2.0 * 730.0 * 0.0168;
        assert!((p.monthly_cost_usd - cheapest).abs() < 1e-6);

        // 6 GB processes do not fit the 2 and 4 GiB types (t4g.small, c7g.large, ...); of the
        // types that hold them, t4g.large ($0.0672/h) is the cheapest.
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
            json!("t4g.large"),
            "{:?}",
            p.config
        );
        assert!(p.feasible);
        assert!((p.monthly_cost_usd - 2.0 * 730.0 * 0.0672).abs() < 1e-6);
    }

    #[test]
    fn cost_tie_goes_to_fewer_instances() {
        // m7g.xlarge: 4 vCPU at twice the price of m7g.large's 2, the same cost for the same
        // capacity (and "m7g.large" sorts first by name).
        let mut b = book();
        b.instances
            .retain(|name, _| name == "m7g.large" || name == "m7g.xlarge");
        assert_eq!(
            b.instances["m7g.xlarge"].on_demand_hourly,
            2.0 * b.instances["m7g.large"].on_demand_hourly
        );
        // 100 ms of I/O × 50 in flight = 500 req/s per process, one process per vCPU.
        let w = service(2400.0, req(100.0, 0.0, 256));
        let d = Demand::new(&w, FreeTier::none());
        let cfg = Ec2Config {
            min_instances: 1,
            ingress: FleetIngress::None,
            ..Ec2Config::default()
        };
        let p = evaluate(&d, &cfg, &b);
        // 2,400 / (1,000 × 0.6) = 4 m7g.large or 2,400 / (2,000 × 0.6) = 2 m7g.xlarge.
        assert_eq!(
            p.config["instance_type"],
            json!("m7g.xlarge"),
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
        // The cheaper types at a 20% baseline (t4g.small, t3.small) are passed over for one
        // that stays within its baseline.
        for over in ["t3.small", "t4g.small"] {
            assert_ne!(auto.config["instance_type"], json!(over));
        }
        assert!(auto.feasible);
        assert!(
            auto.risks.iter().all(|r| !r.contains("baseline")),
            "{:?}",
            auto.risks
        );
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
        let b = book();
        let cfg = Ec2Config::default();
        let n = 200;
        let start = std::time::Instant::now();
        for _ in 0..n {
            std::hint::black_box(evaluate(&d, &cfg, &b));
        }
        println!("ec2 auto: {:?} per evaluation", start.elapsed() / n);
    }
}
