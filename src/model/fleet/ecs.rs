//! Amazon ECS on Fargate: one process per task (no process manager) holding
//! `concurrency_per_task` requests, valid task sizes only, the `vcpu: auto` / `memory_gb: auto`
//! search, and Fargate's billing (the one place it lives): per second by vCPU and GB, by
//! architecture and purchase option (on-demand, Fargate Spot, a Compute Savings Plan on the
//! steady baseline with the rest on demand) as priced in the book, ephemeral storage above
//! the free 20 GB. Fan-out
//! jobs start their tasks per run, at the account's launch rate, and a task gathering items
//! holds every item in flight in memory. On-Demand tasks count toward the account's Fargate
//! vCPU quota.

use super::search::{self, Candidate, Fleet, JobRun, RunMode, Settings, Usage, Words};
use super::{Launch, Process, Unit, gather};
use crate::model::Assessment;
use crate::model::assess::QuotaNeed;
use crate::model::billing;
use crate::model::demand::Demand;
use crate::model::plan::{LineItem, OptionPlan, Platform, Priced};
use crate::model::words::{fmt_num, round_to};
use crate::pricing::{Missing, Price, PriceBook, Quota, keys};
use crate::profile as fargate;
use crate::profile::{AutoOr, EcsConfig, Job, Purchase};
use serde_json::json;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// Ephemeral storage included with every task, GB.
pub const FREE_EPHEMERAL_GB: f64 = 20.0;
/// Most ephemeral storage a Fargate task can have, GB.
pub const MAX_EPHEMERAL_GB: f64 = 200.0;
/// Assumed time from RunTask to a task doing work (ENI, image pull, start). AWS publishes no
/// figure (PRICES.md §8: the task lifecycle has no timings; a measured Fargate scale-out began
/// after about 30 s), so a conservative minute; billing starts with the image download, so it
/// is billed. The launch quota's wait comes on top ([`Launch`]).
pub const TASK_STARTUP_S: f64 = 60.0;
/// Fargate bills per second with a one-minute minimum per task (PRICES.md §3,
/// https://aws.amazon.com/fargate/pricing/).
pub const MIN_BILLED_S: f64 = 60.0;
/// Memory the task needs beyond the process's own `memory_mb`: none. The Fargate agent runs
/// outside the task's memory, and `memory_mb` is what the process needs.
pub const MEMORY_OVERHEAD_MB: u32 = 0;

fn same(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

/// Every valid (vCPU, memory GB) task size, smallest first (the table lives in
/// `profile::fargate_sizes`, which validation uses too).
pub fn task_sizes() -> Vec<(f64, f64)> {
    fargate::fargate_sizes()
        .into_iter()
        .flat_map(|(v, gbs)| gbs.into_iter().map(move |g| (v, g)))
        .collect()
}

/// Whether `vcpu` with `memory_gb` is a valid Fargate task size.
pub fn is_valid_size(vcpu: f64, memory_gb: f64) -> bool {
    fargate::is_valid_fargate_size(vcpu, memory_gb)
}

/// The prices one task size is billed at.
#[derive(Debug, Clone, Copy)]
pub struct FargatePrices<'a> {
    /// vCPU and memory for the hours billed at the purchase's own rate: Spot's under Spot,
    /// otherwise on-demand (a Savings Plan's hours above its baseline are on demand).
    pub vcpu: &'a Price,
    pub memory: &'a Price,
    /// Needed only when the task has more than the free 20 GB of ephemeral storage (never
    /// covered by a Savings Plan).
    pub storage: Option<&'a Price>,
    /// The purchase and, under a Savings Plan, its vCPU and memory rates for the steady
    /// task-hours.
    pub purchase: Purchase,
    pub committed: Option<(&'a Price, &'a Price)>,
    /// The on-demand vCPU and memory prices (the figure shown beside another purchase).
    pub on_demand: (&'a Price, &'a Price),
}

impl<'a> FargatePrices<'a> {
    pub fn from_book(book: &'a PriceBook, cfg: &EcsConfig) -> Result<FargatePrices<'a>, Missing> {
        let purchase = cfg.purchase();
        let arch = cfg.architecture;
        let on_demand = (
            book.price(&keys::fargate_vcpu(arch, Purchase::OnDemand))?,
            book.price(&keys::fargate_memory(arch, Purchase::OnDemand))?,
        );
        let own = (
            book.price(&keys::fargate_vcpu(arch, purchase))?,
            book.price(&keys::fargate_memory(arch, purchase))?,
        );
        let (vcpu, memory, committed) = if purchase.is_commitment() {
            (on_demand.0, on_demand.1, Some(own))
        } else {
            (own.0, own.1, None)
        };
        Ok(FargatePrices {
            vcpu,
            memory,
            storage: if cfg.ephemeral_storage_gb > FREE_EPHEMERAL_GB {
                Some(book.price(keys::FARGATE_EPHEMERAL_STORAGE)?)
            } else {
                None
            },
            purchase,
            committed,
            on_demand,
        })
    }
}

/// Fargate's bill for `task_hours` task-hours of one size: `vcpu` (vCPU-hours), `memory`
/// (GB-hours) and `ephemeral_storage` (GB-hours above the free 20 GB, when any), all at
/// `prices.vcpu` / `prices.memory`.
pub fn bill(
    task_hours: f64,
    vcpu: f64,
    memory_gb: f64,
    storage_gb: f64,
    prices: &FargatePrices,
) -> Vec<LineItem> {
    let line = |item: &str, qty: f64, price: &Price| match prices.purchase {
        Purchase::Spot => billing::bought_line(item, qty, price, prices.purchase),
        _ => billing::line(item, qty, price),
    };
    let mut lines = vec![
        line("vcpu", task_hours * vcpu, prices.vcpu),
        line("memory", task_hours * memory_gb, prices.memory),
    ];
    let extra = storage_gb - FREE_EPHEMERAL_GB;
    if extra > 0.0
        && let Some(price) = prices.storage
    {
        lines.push(billing::line(
            "ephemeral_storage",
            task_hours * extra,
            price,
        ));
    }
    lines
}

/// Fargate's bill for a month of usage `u` at the purchase in `prices`: under a Savings Plan,
/// the steady task-hours' vCPU and memory at the plan's rates, then the whole [`bill`] of the
/// hours above them (storage for every hour: the plan does not cover it).
pub fn bill_usage(
    u: Usage,
    vcpu: f64,
    memory_gb: f64,
    storage_gb: f64,
    prices: &FargatePrices,
) -> Vec<LineItem> {
    let Some((c_vcpu, c_memory)) = prices.committed.filter(|_| u.steady_hours > 0.0) else {
        return bill(u.hours, vcpu, memory_gb, storage_gb, prices);
    };
    let mut lines = vec![
        billing::bought_line("vcpu", u.steady_hours * vcpu, c_vcpu, prices.purchase),
        billing::bought_line(
            "memory",
            u.steady_hours * memory_gb,
            c_memory,
            prices.purchase,
        ),
    ];
    let rest = bill(u.above_steady(), vcpu, memory_gb, storage_gb, prices);
    let extra = (storage_gb - FREE_EPHEMERAL_GB).max(0.0);
    for mut l in rest {
        if l.item == "ephemeral_storage" {
            // Storage for every task-hour, on demand.
            l = billing::line(
                "ephemeral_storage",
                u.hours * extra,
                prices.storage.unwrap_or(c_memory),
            );
        } else if l.quantity <= 0.0 {
            continue;
        }
        lines.push(l);
    }
    lines
}

/// The same total as `bill_usage`, without building lines (for the size search).
fn cost(u: Usage, vcpu: f64, memory_gb: f64, storage_gb: f64, prices: &FargatePrices) -> f64 {
    let extra = (storage_gb - FREE_EPHEMERAL_GB).max(0.0);
    let storage = prices.storage.map_or(0.0, |p| p.cost(u.hours * extra));
    match prices.committed {
        Some((c_vcpu, c_memory)) => {
            c_vcpu.cost(u.steady_hours * vcpu)
                + c_memory.cost(u.steady_hours * memory_gb)
                + prices.vcpu.cost(u.above_steady() * vcpu)
                + prices.memory.cost(u.above_steady() * memory_gb)
                + storage
        }
        None => {
            prices.vcpu.cost(u.hours * vcpu) + prices.memory.cost(u.hours * memory_gb) + storage
        }
    }
}

/// Evaluate the workload on ECS Fargate.
pub fn evaluate(d: &Demand, cfg: &EcsConfig, book: &PriceBook) -> OptionPlan {
    search::evaluate::<Fargate>(d, cfg, book)
}

/// What [`evaluate`] says of the option's cost and feasibility (for the cost curve and
/// break-even).
pub fn price(d: &Demand, cfg: &EcsConfig, book: &PriceBook) -> Priced {
    search::price::<Fargate>(d, cfg, book)
}

/// The candidate task sizes the profile allows, or why there are none.
fn candidates(cfg: &EcsConfig) -> Result<Vec<Size>, String> {
    let sizes: Vec<Size> = task_sizes()
        .into_iter()
        .filter(|(v, _)| cfg.vcpu.fixed().is_none_or(|f| same(*f, *v)))
        .filter(|(_, g)| cfg.memory_gb.fixed().is_none_or(|f| same(*f, *g)))
        .map(|(vcpu, memory_gb)| Size { vcpu, memory_gb })
        .collect();
    if !sizes.is_empty() {
        return Ok(sizes);
    }
    let vcpus: Vec<String> = fargate::fargate_vcpu_sizes()
        .iter()
        .map(|v| fmt_num(*v))
        .collect();
    Err(match (&cfg.vcpu, &cfg.memory_gb) {
        (AutoOr::Fixed(v), AutoOr::Fixed(g)) => match fargate::describe_memory_options(*v) {
            Some(options) => format!(
                "{} vCPU with {} GB is not a valid Fargate task size ({} vCPU takes {}).",
                fmt_num(*v),
                fmt_num(*g),
                fmt_num(*v),
                options
            ),
            None => format!(
                "{} vCPU is not a Fargate task size (valid: {} vCPU).",
                fmt_num(*v),
                vcpus.join(", ")
            ),
        },
        (AutoOr::Fixed(v), AutoOr::Auto) => format!(
            "{} vCPU is not a Fargate task size (valid: {} vCPU).",
            fmt_num(*v),
            vcpus.join(", ")
        ),
        (AutoOr::Auto, AutoOr::Fixed(g)) => {
            format!("No Fargate task size has {} GB of memory.", fmt_num(*g))
        }
        (AutoOr::Auto, AutoOr::Auto) => "No Fargate task size is available.".to_string(),
    })
}

/// A task size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Size {
    pub vcpu: f64,
    pub memory_gb: f64,
}

/// ECS Fargate as the fleet search sees it: the configuration, its prices and (for fan-out
/// jobs) how tasks start: the account's launch quota (burst, then a rate) and the start time.
pub struct Fargate<'a> {
    cfg: &'a EcsConfig,
    prices: FargatePrices<'a>,
    launch: Launch,
    /// The account's Fargate On-Demand vCPU quota (stated, or AWS's default).
    vcpu_quota: &'a Quota,
}

impl Fargate<'_> {
    /// MB the task must hold: the process's (a job's items in flight) and the overhead.
    fn memory_needed_mb(&self, d: &Demand) -> u64 {
        d.process_memory_mb(self.cfg.concurrency_per_task) + MEMORY_OVERHEAD_MB as u64
    }

    /// " holding 16 items of 1024 MB in flight" for a job's process; empty for a service's.
    fn holding(&self, d: &Demand) -> String {
        let per = d.request.memory_mb as u64;
        if d.work.job().is_some() && d.process_memory_mb(self.cfg.concurrency_per_task) > per {
            format!(
                " holding {} items of {per} MB in flight",
                self.cfg.concurrency_per_task
            )
        } else {
            String::new()
        }
    }
}

impl<'a> Fleet<'a> for Fargate<'a> {
    type Config = EcsConfig;
    type Shape = Size;
    const PLATFORM: Platform = Platform::Ecs;
    const WORDS: Words = Words {
        shape: "task size",
        units: "tasks",
        min_key: "min_tasks",
        max_key: "max_tasks",
        concurrency_key: "concurrency_per_task",
        rps_key: "task_rps",
        slots_key: "effective_concurrency_per_task",
        holder: "task",
        nothing: "No Fargate task size is available.",
    };

    fn enabled(cfg: &EcsConfig) -> bool {
        cfg.enabled
    }

    fn new(cfg: &'a EcsConfig, book: &'a PriceBook) -> Result<Fargate<'a>, Missing> {
        Ok(Fargate {
            cfg,
            prices: FargatePrices::from_book(book, cfg)?,
            launch: Launch {
                start_s: TASK_STARTUP_S,
                burst: f64::INFINITY,
                per_s: 0.0,
            },
            vcpu_quota: book.quota(keys::Q_FARGATE_ON_DEMAND_VCPUS)?,
        })
    }

    fn for_jobs(self, book: &'a PriceBook) -> Result<Fargate<'a>, Missing> {
        Ok(Fargate {
            launch: Launch::from_book(
                TASK_STARTUP_S,
                keys::Q_FARGATE_LAUNCH_BURST,
                keys::Q_FARGATE_LAUNCH,
                book,
            )?,
            ..self
        })
    }

    fn shapes(&self, _d: &Demand) -> Result<Vec<Size>, String> {
        candidates(self.cfg)
    }

    fn settings(&self) -> Settings {
        let cfg = self.cfg;
        Settings {
            target_utilization: cfg.target_utilization,
            scale_out_minutes: cfg.scale_out_minutes,
            min: cfg.min_tasks,
            max: cfg.max_tasks,
            concurrency: cfg.concurrency_per_task,
            ingress: cfg.ingress,
        }
    }

    /// One process per task, on the task's vCPUs (as many as its runtime can use).
    fn unit(&self, d: &Demand, s: &Size) -> Unit {
        Unit::new(
            1,
            Process::new(&d.request, self.cfg.concurrency_per_task, s.vcpu),
        )
    }

    /// The process's memory (a job's items in flight, `Demand::process_memory_mb`) fits.
    fn fits(&self, d: &Demand, s: &Size) -> bool {
        self.memory_needed_mb(d) as f64 <= s.memory_gb * 1024.0 + 1e-9
    }

    fn purchase(&self) -> Purchase {
        self.prices.purchase
    }

    fn cost(&self, s: &Size, u: Usage) -> f64 {
        let storage = self.cfg.ephemeral_storage_gb;
        cost(u, s.vcpu, s.memory_gb, storage, &self.prices)
    }

    fn on_demand_cost(&self, s: &Size, hours: f64) -> f64 {
        let on_demand = FargatePrices {
            vcpu: self.prices.on_demand.0,
            memory: self.prices.on_demand.1,
            purchase: Purchase::OnDemand,
            committed: None,
            ..self.prices
        };
        let u = Usage::new(hours, 0.0);
        cost(
            u,
            s.vcpu,
            s.memory_gb,
            self.cfg.ephemeral_storage_gb,
            &on_demand,
        )
    }

    fn bill(&self, s: &Size, u: Usage) -> Vec<LineItem> {
        let storage = self.cfg.ephemeral_storage_gb;
        bill_usage(u, s.vcpu, s.memory_gb, storage, &self.prices)
    }

    /// The smaller size.
    fn tie_break(a: &Size, b: &Size) -> Ordering {
        a.vcpu
            .total_cmp(&b.vcpu)
            .then(a.memory_gb.total_cmp(&b.memory_gb))
    }

    fn memory_gb(s: &Size) -> f64 {
        s.memory_gb
    }

    /// Each run starts N tasks (RunTask) that each gather items with `concurrency_per_task`
    /// in flight; N = 1 unless the usable deadline needs more (up to `max_tasks`). The last
    /// task works once the launch quota lets it start ([`Launch::last_start_s`]). Billed per
    /// task from its start, at least a minute.
    fn job(&self, d: &Demand, job: &Job, unit: &Unit) -> JobRun {
        let launch = self.launch;
        let g = gather(
            job.items,
            unit.throughput_rps(),
            unit.wall_ms(),
            |n| launch.last_start_s(n),
            d.usable_deadline_s(),
            1,
            self.cfg.max_tasks,
        );
        JobRun {
            units: g.units,
            makespan_s: g.makespan_s,
            short_of: g.short_of,
            hours: job.runs_per_month * g.units as f64 * g.makespan_s.max(MIN_BILLED_S) / 3600.0,
            mode: RunMode::PerRun,
            other: None,
        }
    }

    fn too_few(&self, d: &Demand, _c: &Candidate<Size>, run: &JobRun, needed: u32) -> String {
        format!(
            "Needs {needed} tasks per run to meet {} but max_tasks is {}: a run takes {:.0} s.",
            d.deadline_words(),
            self.cfg.max_tasks,
            run.makespan_s
        )
    }

    fn never_in_time(&self, d: &Demand, c: &Candidate<Size>, run: &JobRun) -> String {
        format!(
            "No number of tasks meets {}: start-up ({:.0} s, more past the launch quota's burst of {:.0}) and one item ({:.1} s) leave too little time; the fastest run takes {:.0} s.",
            d.deadline_words(),
            TASK_STARTUP_S,
            self.launch.burst,
            c.unit.wall_ms() / 1000.0,
            run.makespan_s
        )
    }

    /// Runs that overlap start their own tasks.
    fn job_findings(&self, _d: &Demand, job: &Job, run: &JobRun) -> Assessment {
        let mut verdict = Assessment::new();
        if let Some(overlap) = run.overlap(job, "tasks") {
            verdict.risk(overlap);
        }
        verdict
    }

    /// Memory, storage, Spot, idle vCPUs.
    fn findings(&self, d: &Demand, c: &Candidate<Size>) -> Assessment {
        let (cfg, s) = (self.cfg, c.shape);
        let mut verdict = Assessment::new();
        if !c.fits {
            let need = self.memory_needed_mb(d);
            let what = self.holding(d);
            if cfg.memory_gb.fixed().is_some() || need as f64 <= 120.0 * 1024.0 {
                verdict.infeasible(format!(
                    "The process{what} needs {need} MB but a {} GB task has {:.0} MB.",
                    fmt_num(s.memory_gb),
                    s.memory_gb * 1024.0
                ));
            } else {
                verdict.infeasible(format!(
                    "The process{what} needs {need} MB, more than the largest Fargate task (120 GB)."
                ));
            }
        }
        if cfg.ephemeral_storage_gb > MAX_EPHEMERAL_GB {
            verdict.infeasible(format!(
                "{} GB of ephemeral storage is over Fargate's 200 GB maximum.",
                fmt_num(cfg.ephemeral_storage_gb)
            ));
        }
        let spot = cfg.purchase() == Purchase::Spot;
        if spot {
            verdict.risk(format!(
                "Fargate Spot tasks can be interrupted with 2 minutes' notice and have no SLA; \
                 the Spot price moves with supply and demand, so the book's Spot rate is an \
                 estimate from one observed rate.{}",
                if cfg.min_tasks <= 1 || c.peak_units <= 1.0 {
                    " With a single task at times, an interruption stops the service until a \
                     replacement starts."
                } else {
                    ""
                }
            ));
        }
        if !spot {
            verdict.quota(QuotaNeed {
                name: keys::quota_name(keys::Q_FARGATE_ON_DEMAND_VCPUS).unwrap_or("Fargate vCPU"),
                quota: self.vcpu_quota,
                need: c.peak_units * s.vcpu,
                unit: "vCPUs of running tasks",
            });
        }
        let usable = c.unit.process.vcpus;
        if s.vcpu > usable + 1e-9 {
            verdict.risk(format!(
                "A {} vCPU task runs one process whose requests can use {} vCPU (runtime {}): the other {} vCPU are paid for but idle.",
                fmt_num(s.vcpu),
                fmt_num(usable),
                d.request.runtime.as_str(),
                fmt_num(s.vcpu - usable)
            ));
        }
        verdict
    }

    fn config(
        &self,
        c: &Candidate<Size>,
        job: Option<&JobRun>,
    ) -> BTreeMap<String, serde_json::Value> {
        let cfg = self.cfg;
        let mut m = BTreeMap::new();
        m.insert("vcpu".into(), json!(c.shape.vcpu));
        m.insert("memory_gb".into(), json!(c.shape.memory_gb));
        m.insert("architecture".into(), json!(cfg.architecture.as_str()));
        m.insert("spot".into(), json!(cfg.purchase() == Purchase::Spot));
        m.insert("purchase".into(), json!(cfg.purchase().as_str()));
        m.insert(
            "ephemeral_storage_gb".into(),
            json!(cfg.ephemeral_storage_gb),
        );
        m.insert("usable_vcpus".into(), json!(c.unit.process.vcpus));
        m.insert("memory_overhead_mb".into(), json!(MEMORY_OVERHEAD_MB));
        match job {
            None => {
                m.insert("task_hours".into(), json!(round_to(c.hours, 1)));
            }
            Some(run) => {
                m.insert("tasks_per_run".into(), json!(run.units));
                m.insert("task_startup_s".into(), json!(TASK_STARTUP_S));
                m.insert(
                    "last_task_start_s".into(),
                    json!(round_to(self.launch.last_start_s(run.units), 1)),
                );
                m.insert(
                    "billed_task_s_per_run".into(),
                    json!(round_to(
                        run.units as f64 * run.makespan_s.max(MIN_BILLED_S),
                        1
                    )),
                );
            }
        }
        m
    }
}

#[cfg(test)]
mod tests;
