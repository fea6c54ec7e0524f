//! The one evaluation both fleets go through. A platform says what its shapes are (Fargate
//! task sizes, EC2 instance types), what one costs and what it risks ([`Fleet`]); this module
//! runs the rest: the kind dispatch, the ALB, the search over the shapes, the choice, the
//! verdict and the figures of the chosen one.
//!
//! A service's search simulates each shape's fleet once per distinct unit (the
//! [`FleetCache`]), visiting shapes by a cost floor when the platform knows one and stopping
//! once the floor passes the cheapest feasible cost found; the SLO's latency is checked in
//! cost order only until the cheapest shape that meets it is found.

use super::{FleetCache, FleetRun, Scaling, Unit, cost_cmp, cpu_risks};
use crate::model::Assessment;
use crate::model::demand::Demand;
use crate::model::ingress;
use crate::model::kinesis;
use crate::model::network;
use crate::model::plan::{Capacity, Figures, Latency, LineItem, OptionPlan, Platform, Priced};
use crate::model::words::{self, fmt_num, pct, round_to};
use crate::pricing::{Missing, PriceBook, keys};
use crate::profile::{FleetIngress, Job, Purchase, Work};
use serde_json::json;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// Words for a fleet's sentences and figures.
#[derive(Debug, Clone, Copy)]
pub struct Words {
    /// What the search chooses: "task size", "instance type".
    pub shape: &'static str,
    /// What scales: "tasks", "instances".
    pub units: &'static str,
    /// The settings that bound them: "min_tasks", "max_tasks"; "min_instances", ...
    pub min_key: &'static str,
    pub max_key: &'static str,
    /// The setting for the requests a process holds: "concurrency_per_task", ...
    pub concurrency_key: &'static str,
    /// The figures for one unit's throughput and effective concurrency: "task_rps", ...
    pub rps_key: &'static str,
    pub slots_key: &'static str,
    /// What holds the requests: "task", "process".
    pub holder: &'static str,
    /// Why there is nothing to choose from.
    pub nothing: &'static str,
}

/// The settings every fleet has, as configured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    pub target_utilization: f64,
    pub scale_out_minutes: f64,
    pub min: u32,
    pub max: u32,
    /// Requests one process holds at once.
    pub concurrency: u32,
    pub ingress: FleetIngress,
}

impl Settings {
    pub fn scaling(&self) -> Scaling {
        Scaling {
            target_utilization: self.target_utilization,
            scale_out_s: self.scale_out_minutes * 60.0,
            min: self.min,
            max: self.max,
        }
    }
}

/// A month of a fleet's units as a commitment sees it: the unit-hours billed, and the part of
/// them the steady baseline runs (the units running at every step of the day, all month).
/// A Reserved Instance or Savings Plan is sized to that baseline, so it covers those hours
/// and the rest (the curve above its minimum) is billed on demand: a commitment sized to
/// the peak would be paid for while idle every quiet hour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Usage {
    pub hours: f64,
    /// At most `hours`.
    pub steady_hours: f64,
}

impl Usage {
    /// `hours` with `steady_units` running all month.
    pub fn new(hours: f64, steady_units: f64) -> Usage {
        let hours = hours.max(0.0);
        Usage {
            hours,
            steady_hours: (steady_units.max(0.0) * super::MONTH_HOURS).min(hours),
        }
    }

    /// The hours above the steady baseline.
    pub fn above_steady(&self) -> f64 {
        (self.hours - self.steady_hours).max(0.0)
    }
}

/// Units running at every step of a service fleet's day: its steady baseline.
fn steady_units(run: &super::FleetRun) -> f64 {
    run.fewest_units
}

/// One shape evaluated for the workload: a service's fleet over the month, or a job's runs.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<S> {
    pub shape: S,
    pub unit: Unit,
    /// The shape holds the processes' memory.
    pub fits: bool,
    /// Meets the SLO or deadline (memory aside). A service's latency is checked only once the
    /// candidate is settled.
    pub meets: bool,
    settled: bool,
    /// Chosen before other shapes that meet the goals (EC2: within a burstable type's CPU
    /// baseline).
    pub preferred: bool,
    /// Unit-hours billed a month, and the steady part a commitment covers.
    pub hours: f64,
    pub usage: Usage,
    /// vCPU-seconds of CPU work a month.
    pub cpu_s: f64,
    pub cost: f64,
    pub peak_units: f64,
}

/// How a fan-out job's units are billed: launched for each run and billed per second (with
/// the platform's minimum), or always on (billed every hour of the month).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunMode {
    PerRun,
    AlwaysOn,
}

impl RunMode {
    pub fn id(self) -> &'static str {
        match self {
            RunMode::PerRun => "per_run",
            RunMode::AlwaysOn => "always_on",
        }
    }
}

/// A fan-out job on one shape: the units each run works on, and what a month of runs bills.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JobRun {
    pub units: u32,
    /// Seconds from the start of a run to its last item.
    pub makespan_s: f64,
    /// Units the deadline (or the month's work) needs, when more than the max (or `None` if
    /// no count can meet it).
    pub short_of: Option<Option<u32>>,
    /// Unit-hours billed a month.
    pub hours: f64,
    pub mode: RunMode,
    /// The billing the platform weighed and did not choose, when it has a choice (EC2).
    pub other: Option<Alternative>,
}

impl JobRun {
    /// When a run lasts longer than the time between runs, the runs overlap, each with its
    /// own units (`units`: "tasks", "instances"): the sentence that says so.
    pub fn overlap(&self, job: &Job, units: &str) -> Option<String> {
        if job.runs_per_month <= 0.0 {
            return None;
        }
        let interval = crate::model::traffic::MONTH_S / job.runs_per_month;
        (self.makespan_s > interval).then(|| {
            format!(
                "A run takes {:.0} s but one starts every {:.0} s: runs overlap, each with its own {units}.",
                self.makespan_s, interval
            )
        })
    }

    /// The run meets the usable deadline (`Demand::usable_deadline_s`) with its unit count.
    pub fn meets(&self, usable_deadline_s: Option<f64>) -> bool {
        self.short_of.is_none() && usable_deadline_s.is_none_or(|dl| self.makespan_s <= dl)
    }
}

/// The run mode not chosen, with its figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Alternative {
    pub mode: RunMode,
    pub units: u32,
    pub makespan_s: f64,
    pub hours: f64,
    /// It meets the deadline.
    pub meets: bool,
}

/// What a fleet platform says for itself; [`evaluate`] and [`price`] do the rest.
pub trait Fleet<'a>: Sized {
    type Config;
    /// One shape the fleet may take (a task size, an instance type with its layout).
    type Shape: Copy;
    const PLATFORM: Platform;
    const WORDS: Words;

    fn enabled(cfg: &Self::Config) -> bool;
    /// The fleet configured by `cfg`, with its prices from `book`.
    fn new(cfg: &'a Self::Config, book: &'a PriceBook) -> Result<Self, Missing>;
    /// What fan-out jobs need beyond the prices (read only for them).
    fn for_jobs(self, _book: &'a PriceBook) -> Result<Self, Missing> {
        Ok(self)
    }
    /// The shapes to search for `d`, or why there are none.
    fn shapes(&self, d: &Demand) -> Result<Vec<Self::Shape>, String>;
    fn settings(&self) -> Settings;
    fn unit(&self, d: &Demand, s: &Self::Shape) -> Unit;
    /// The shape holds the processes' memory.
    fn fits(&self, d: &Demand, s: &Self::Shape) -> bool;
    /// A monthly cost no service fleet of `s` can go under, given the curve's mean rate (by
    /// default none is known: every shape is simulated).
    fn cost_floor(&self, _s: &Self::Shape, _unit: &Unit, _mean_rps: f64) -> f64 {
        0.0
    }
    /// How the units are bought.
    fn purchase(&self) -> Purchase;
    /// The bill's total for `u` of `s` at the configured purchase, without building lines.
    fn cost(&self, s: &Self::Shape, u: Usage) -> f64;
    /// The same hours' total all on demand (the figure shown beside another purchase).
    fn on_demand_cost(&self, s: &Self::Shape, hours: f64) -> f64;
    fn bill(&self, s: &Self::Shape, u: Usage) -> Vec<LineItem>;
    /// See [`Candidate::preferred`]; `cpu_s` is the month's CPU work. By default every shape.
    fn preferred(&self, _s: &Self::Shape, _hours: f64, _cpu_s: f64) -> bool {
        true
    }
    /// Orders shapes of equal cost and unit count.
    fn tie_break(a: &Self::Shape, b: &Self::Shape) -> Ordering;
    /// The shape's memory, for the last resort when no shape holds the processes.
    fn memory_gb(s: &Self::Shape) -> f64;
    /// A job's runs on units of `unit`, held to `d`'s usable deadline.
    fn job(&self, d: &Demand, job: &Job, unit: &Unit) -> JobRun;
    /// The sentence when the deadline needs `needed` units, more than the max.
    fn too_few(&self, d: &Demand, c: &Candidate<Self::Shape>, run: &JobRun, needed: u32) -> String;
    /// The sentence when no unit count meets the deadline.
    fn never_in_time(&self, d: &Demand, c: &Candidate<Self::Shape>, run: &JobRun) -> String;
    /// The platform's findings on a job's runs, after the deadline's.
    fn job_findings(&self, d: &Demand, job: &Job, run: &JobRun) -> Assessment;
    /// The platform's findings on the chosen shape (memory, pricing terms, CPU use), before
    /// the CPU risks both fleets share.
    fn findings(&self, d: &Demand, c: &Candidate<Self::Shape>) -> Assessment;
    /// The chosen configuration beyond the [`Settings`]: a service's (`job` `None`) or a
    /// job's.
    fn config(
        &self,
        c: &Candidate<Self::Shape>,
        job: Option<&JobRun>,
    ) -> BTreeMap<String, serde_json::Value>;
}

/// Evaluate the workload on fleet `F`.
pub fn evaluate<'a, F: Fleet<'a>>(
    d: &Demand,
    cfg: &'a F::Config,
    book: &'a PriceBook,
) -> OptionPlan {
    OptionPlan::answer(F::PLATFORM, F::enabled(cfg), || {
        try_evaluate::<F, _>(d, cfg, book, plan_of)
    })
}

/// What [`evaluate`] says of the option's cost and feasibility, without the chosen shape's
/// latency mix when the SLO is decided without it (for the cost curve and break-even).
pub fn price<'a, F: Fleet<'a>>(d: &Demand, cfg: &'a F::Config, book: &'a PriceBook) -> Priced {
    OptionPlan::answer(F::PLATFORM, F::enabled(cfg), || {
        try_evaluate::<F, _>(d, cfg, book, priced_of)
    })
}

/// The search `evaluate` and `price` share; `finish` turns a service's choice into the answer.
fn try_evaluate<'a, F: Fleet<'a>, T: From<OptionPlan>>(
    d: &Demand,
    cfg: &'a F::Config,
    book: &'a PriceBook,
    finish: impl FnOnce(Chosen<F, F::Shape>) -> T,
) -> Result<T, Missing> {
    let fleet = F::new(cfg, book)?;
    let shapes = match fleet.shapes(d) {
        Ok(s) => s,
        Err(why) => return Ok(OptionPlan::infeasible(F::PLATFORM, why).into()),
    };
    // What each unit-hour adds to the network lines (a public address), in every shape's cost.
    let per_unit_hour = network::per_unit_hour_usd(d, book)?;
    match &*d.work {
        Work::Fanout { job } => {
            Ok(fanout(d, &fleet.for_jobs(book)?, job, shapes, per_unit_hour, book)?.into())
        }
        Work::Stream { stream, .. } => {
            // KCL workers: the service's search sizes the fleet for the records (each slot
            // a record processor), then the stream, the lease table and the iterator age.
            // A unit that handles a record faster needs fewer provisioned shards: each
            // shape's cost counts the stream it needs (as the report shows it, to 0.1 ms).
            let stream_cost = kinesis::StreamCost::new(d, stream, book)?;
            let stream_cost =
                |unit: &Unit| stream_cost.read_by(&super::kcl::reader(round_to(unit.wall_ms(), 1)));
            let per_process = fleet.settings().concurrency;
            let mut workers = None;
            let o = service(
                d,
                fleet,
                book,
                shapes,
                per_unit_hour,
                &stream_cost,
                |mut ch| {
                    let w = super::kcl::Workers {
                        // The figure the report shows (`request_wall_ms`, to 0.1 ms).
                        record_ms: round_to(ch.c.unit.wall_ms(), 1),
                        per_unit: f64::from(ch.c.unit.processes) * f64::from(per_process),
                        fewest: ch.cache.get(&ch.c.unit, false).run.fewest_units,
                        worker_hours: ch.c.hours * f64::from(ch.c.unit.processes),
                    };
                    workers = Some(w);
                    let mut o = plan_of(ch);
                    o.config
                        .insert("record_processors_per_unit".into(), json!(w.per_unit));
                    o.config.insert("fewest_units".into(), json!(w.fewest));
                    o
                },
            )?;
            Ok(super::kcl::consume(d, stream, o, workers, F::WORDS, book)?.into())
        }
        Work::Service { .. } | Work::Workflow { .. } | Work::Queue { .. } => {
            if front(d, fleet.settings()) == FleetIngress::Alb {
                // Fail on a missing ALB price before searching.
                book.price(keys::ALB_HOURS)?;
                book.price(keys::ALB_LCU)?;
            }
            service(d, fleet, book, shapes, per_unit_hour, &|_| 0.0, finish)
        }
    }
}

/// Cheapest first; ties: fewer units, then the platform's order.
fn by_cost<'a, F: Fleet<'a>>(a: &Candidate<F::Shape>, b: &Candidate<F::Shape>) -> Ordering {
    cost_cmp(a.cost, b.cost)
        .then(a.peak_units.total_cmp(&b.peak_units))
        .then(F::tie_break(&a.shape, &b.shape))
}

/// The candidate to take: the cheapest that fits and meets the goals, preferred ones first.
/// When none does, the one that comes closest: memory fits, most throughput per unit, then
/// cheapest; when nothing fits, the most memory.
fn choose<'a, F: Fleet<'a>>(cands: &[Candidate<F::Shape>]) -> Option<usize> {
    let by_cost = |a: &usize, b: &usize| by_cost::<F>(&cands[*a], &cands[*b]);
    let all = || 0..cands.len();
    let good = |i: &usize| cands[*i].fits && cands[*i].meets;
    if let Some(best) = all()
        .filter(good)
        .filter(|i| cands[*i].preferred)
        .min_by(by_cost)
        .or_else(|| all().filter(good).min_by(by_cost))
    {
        return Some(best);
    }
    let throughput = |i: &usize| cands[*i].unit.throughput_rps();
    let fitting = || all().filter(|i| cands[*i].fits);
    if let Some(top) = fitting().map(|i| throughput(&i)).max_by(f64::total_cmp) {
        return fitting()
            .filter(|i| throughput(i) >= top * (1.0 - 1e-12))
            .min_by(by_cost);
    }
    all().max_by(|a, b| {
        F::memory_gb(&cands[*a].shape)
            .total_cmp(&F::memory_gb(&cands[*b].shape))
            .then(cands[*b].cost.total_cmp(&cands[*a].cost))
    })
}

/// Every shape a service's fleet may take, visited by cost floor until the floor passes the
/// cheapest feasible cost found, with the SLO settled as far as the choice needs. A shape's
/// cost is its compute, `per_unit_hour` for each unit-hour, and `per_fleet` of its unit (what
/// else the fleet's unit decides a month: a stream's shards), which the floors leave out.
fn search<'a, F: Fleet<'a>>(
    d: &Demand,
    fleet: &F,
    cache: &mut FleetCache,
    shapes: Vec<F::Shape>,
    per_unit_hour: f64,
    per_fleet: &dyn Fn(&Unit) -> f64,
) -> Vec<Candidate<F::Shape>> {
    let slo = d.p99_target_ms().is_some();
    let mean = d.curve.mean();
    let mut order: Vec<(f64, F::Shape, Unit)> = shapes
        .into_iter()
        .map(|s| {
            let unit = fleet.unit(d, &s);
            (fleet.cost_floor(&s, &unit, mean), s, unit)
        })
        .collect();
    order.sort_by(|a, b| a.0.total_cmp(&b.0).then(F::tie_break(&a.1, &b.1)));
    let mut cands: Vec<Candidate<F::Shape>> = Vec::with_capacity(order.len());
    // The cheapest cost of a preferred candidate known to fit and meet every goal.
    let mut best: Option<f64> = None;
    for (floor, shape, unit) in order {
        if slo
            && floor > 0.0
            && best.is_none_or(|b| floor <= b)
            && let Some(cost) = settle::<F>(d, cache, &mut cands, floor, true)
        {
            best = Some(best.map_or(cost, |b| b.min(cost)));
        }
        if best.is_some_and(|b| floor > b) {
            break;
        }
        let meets = cache.meets_limits(d, &unit);
        let run = &cache.get(&unit, false).run;
        let usage = Usage::new(run.unit_hours, steady_units(run));
        let c = Candidate {
            shape,
            unit,
            fits: fleet.fits(d, &shape),
            meets,
            settled: !slo,
            preferred: fleet.preferred(&shape, run.unit_hours, run.cpu_vcpu_seconds),
            hours: run.unit_hours,
            usage,
            cpu_s: run.cpu_vcpu_seconds,
            cost: fleet.cost(&shape, usage) + per_unit_hour * run.unit_hours + per_fleet(&unit),
            peak_units: run.peak_units,
        };
        if c.settled && c.fits && c.meets && c.preferred {
            best = Some(best.map_or(c.cost, |b| b.min(c.cost)));
        }
        cands.push(c);
    }
    if slo && settle::<F>(d, cache, &mut cands, f64::INFINITY, true).is_none() {
        settle::<F>(d, cache, &mut cands, f64::INFINITY, false);
    }
    cands
}

/// Checks the SLO of the unsettled candidates that fit and meet the other goals, cheapest
/// first (only the preferred ones when `preferred`) and below `below`, until one meets it:
/// that one's cost. The others stay unsettled: dearer than the choice, they cannot be it.
fn settle<'a, F: Fleet<'a>>(
    d: &Demand,
    cache: &mut FleetCache,
    cands: &mut [Candidate<F::Shape>],
    below: f64,
    preferred: bool,
) -> Option<f64> {
    loop {
        let i = (0..cands.len())
            .filter(|&i| {
                let c = &cands[i];
                !c.settled && c.fits && c.meets && (c.preferred || !preferred) && c.cost < below
            })
            .min_by(|&a, &b| by_cost::<F>(&cands[a], &cands[b]))?;
        let c = &mut cands[i];
        c.settled = true;
        c.meets = cache.meets(d, &c.unit);
        if c.meets {
            return Some(c.cost);
        }
    }
}

fn service<'d, 'a, F: Fleet<'a>, T: From<OptionPlan>>(
    d: &'d Demand<'d>,
    fleet: F,
    book: &PriceBook,
    shapes: Vec<F::Shape>,
    per_unit_hour: f64,
    per_fleet: &dyn Fn(&Unit) -> f64,
    finish: impl FnOnce(Chosen<'d, F, F::Shape>) -> T,
) -> Result<T, Missing> {
    let mut cache = FleetCache::new(&d.curve, &d.request, fleet.settings().scaling());
    let searched = shapes.len();
    let cands = search(d, &fleet, &mut cache, shapes, per_unit_hour, per_fleet);
    let Some(c) = choose::<F>(&cands).map(|i| cands[i]) else {
        return Ok(OptionPlan::infeasible(F::PLATFORM, F::WORDS.nothing).into());
    };
    let mut lines = fleet.bill(&c.shape, c.usage);
    let alb = front(d, fleet.settings()) == FleetIngress::Alb;
    if alb {
        lines.extend(ingress::alb(
            &d.curve,
            d.request.payload_kb,
            c.unit.wall_ms(),
            d.network.map_or(1.0, |n| n.requests_per_connection),
            ingress::AlbTarget::Instances,
            book,
        )?);
    }
    lines.extend(crate::model::logs::fleet(d, book)?);
    lines.extend(network::fleet(d, c.hours, alb, book)?);
    let queue = match d.work.queue() {
        Some(q) => {
            let consumed =
                super::consumers::consume(d, q, &cache.get(&c.unit, false).run, &c.unit, book)?;
            lines.extend(consumed.lines.iter().cloned());
            Some(consumed)
        }
        None => None,
    };
    Ok(finish(Chosen {
        d,
        fleet,
        c,
        cache,
        lines,
        searched,
        queue,
    }))
}

/// The front door a fleet has: its `ingress`, but none for a queue's consumers or a stream's
/// workers (they pull from the queue or read the stream; nothing connects to them).
fn front(d: &Demand, s: Settings) -> FleetIngress {
    match &*d.work {
        Work::Queue { .. } | Work::Stream { .. } => FleetIngress::None,
        Work::Service { .. } | Work::Workflow { .. } | Work::Fanout { .. } => s.ingress,
    }
}

/// The shape a service's search chose, its fleet runs and its bill.
struct Chosen<'d, F, S> {
    d: &'d Demand<'d>,
    fleet: F,
    c: Candidate<S>,
    cache: FleetCache<'d>,
    lines: Vec<LineItem>,
    /// How many shapes the search had to choose from.
    searched: usize,
    /// A queue's consumers: the message age, backlog and queue findings
    /// ([`super::consumers::consume`]).
    queue: Option<super::consumers::Consumed>,
}

fn priced_of<'a, F: Fleet<'a>>(mut ch: Chosen<F, F::Shape>) -> Priced {
    let feasible = ch.cache.meets(ch.d, &ch.c.unit)
        && ch.fleet.findings(ch.d, &ch.c).feasible()
        && holding(ch.d, front(ch.d, ch.fleet.settings())).feasible()
        && ch.queue.as_ref().is_none_or(|q| q.findings.feasible());
    Priced::billed(&ch.lines, feasible)
}

fn plan_of<'a, F: Fleet<'a>>(mut ch: Chosen<F, F::Shape>) -> OptionPlan {
    let (d, c) = (ch.d, ch.c);
    let o = ch.cache.get(&c.unit, true);
    let mut latency = o.latency.unwrap_or(Latency {
        p50: c.unit.wall_ms(),
        p99: c.unit.wall_ms(),
    });
    if let Some(q) = &ch.queue {
        // A message's age: the backlog's wait on top of a worker's handling.
        latency = Latency {
            p50: latency.p50.max(q.age.p50),
            p99: latency.p99.max(q.age.p99),
        };
    }
    let run = &o.run;
    let mut verdict = assess(
        d,
        &ch.fleet.settings().scaling(),
        run,
        Some(latency),
        F::WORDS,
    );
    let busiest = super::peak_cpu_utilization(&d.curve, &c.unit, run)
        .map(|(i, busy)| (d.curve.time_of_step(i), busy));
    verdict.extend(findings(d, &ch.fleet, &c, busiest.clone()));
    closest_note::<F>(&mut verdict, ch.searched);
    verdict.extend(holding(d, front(d, ch.fleet.settings())));
    let mut config = config(&ch.fleet, &c, None);
    if let Some(q) = ch.queue.take() {
        verdict.extend(q.findings);
        config.extend(q.config);
        config.insert("ingress".into(), json!("sqs_long_polling"));
    }
    config.insert("runtime".into(), json!(d.request.runtime.as_str()));
    if let Some((_, busy)) = &busiest {
        config.insert("peak_cpu_utilization".into(), json!(round_to(*busy, 3)));
    }
    config.insert(
        "request_wall_ms".into(),
        json!(round_to(c.unit.wall_ms(), 1)),
    );
    let figures = Figures {
        config,
        throughput_rps: run.peak_units * c.unit.throughput_rps(),
        capacity: Capacity {
            peak: run.peak_units,
            unit: F::WORDS.units.into(),
        },
        latency_ms: latency,
        throttled_share: if d.work.queue().is_some() {
            0.0
        } else {
            run.shed_share
        },
        makespan_s: None,
        capacity_rps: run
            .running
            .iter()
            .map(|u| u * c.unit.throughput_rps())
            .collect(),
    };
    let bought = bought(&ch.fleet, &c, &ch.lines);
    let mut plan = OptionPlan::new(F::PLATFORM, ch.lines, verdict, figures);
    plan.purchase = bought;
    plan
}

/// What the option's purchase (when not on demand) saves: the on-demand bill of the same
/// configuration beside it, and how much of the fleet a commitment covers.
fn bought<'a, F: Fleet<'a>>(
    fleet: &F,
    c: &Candidate<F::Shape>,
    lines: &[LineItem],
) -> Option<crate::model::plan::Bought> {
    let purchase = fleet.purchase();
    if purchase == Purchase::OnDemand {
        return None;
    }
    let total = crate::model::billing::total(lines);
    let on_demand = total - fleet.cost(&c.shape, c.usage) + fleet.on_demand_cost(&c.shape, c.hours);
    let committed = purchase.is_commitment() && c.usage.steady_hours > 0.0;
    Some(crate::model::plan::Bought {
        purchase,
        on_demand_monthly_cost_usd: on_demand,
        committed_units: if committed {
            c.usage.steady_hours / super::MONTH_HOURS
        } else {
            0.0
        },
        committed_share: if committed && c.hours > 0.0 {
            c.usage.steady_hours / c.hours
        } else {
            0.0
        },
    })
}

/// A fan-out job: the processes gather items (`asyncio.gather`, `Promise.all`) with their
/// concurrency in flight; how many units a run gets is the platform's [`Fleet::job`].
fn fanout<'a, F: Fleet<'a>>(
    d: &Demand,
    fleet: &F,
    job: &Job,
    shapes: Vec<F::Shape>,
    per_unit_hour: f64,
    book: &PriceBook,
) -> Result<OptionPlan, Missing> {
    let cpu_s = job.items as f64 * job.runs_per_month.max(0.0) * d.request.cpu_ms.max(0.0) / 1000.0;
    let mut runs = Vec::with_capacity(shapes.len());
    let cands: Vec<Candidate<F::Shape>> = shapes
        .into_iter()
        .map(|shape| {
            let unit = fleet.unit(d, &shape);
            let run = fleet.job(d, job, &unit);
            runs.push(run);
            // Units launched per run have no steady baseline; an always-on fleet is all
            // baseline.
            let steady = match run.mode {
                RunMode::PerRun => 0.0,
                RunMode::AlwaysOn => run.units as f64,
            };
            let usage = Usage::new(run.hours, steady);
            Candidate {
                shape,
                unit,
                fits: fleet.fits(d, &shape),
                meets: run.meets(d.usable_deadline_s()),
                settled: true,
                preferred: fleet.preferred(&shape, run.hours, cpu_s),
                hours: run.hours,
                usage,
                cpu_s,
                cost: fleet.cost(&shape, usage) + per_unit_hour * run.hours,
                peak_units: run.units as f64,
            }
        })
        .collect();
    let searched = cands.len();
    let Some(i) = choose::<F>(&cands) else {
        return Ok(OptionPlan::infeasible(F::PLATFORM, F::WORDS.nothing));
    };
    let (c, run) = (&cands[i], &runs[i]);
    let mut verdict = Assessment::new();
    match run.short_of {
        Some(Some(needed)) => verdict.infeasible(fleet.too_few(d, c, run, needed)),
        Some(None) => verdict.infeasible(fleet.never_in_time(d, c, run)),
        None => {
            if !run.meets(d.usable_deadline_s()) {
                verdict.infeasible(format!(
                    "A run takes {:.0} s, missing {}.",
                    run.makespan_s,
                    d.deadline_words()
                ));
            }
        }
    }
    verdict.extend(fleet.job_findings(d, job, run));
    verdict.extend(findings(d, fleet, c, None));
    closest_note::<F>(&mut verdict, searched);
    let mut config = config(fleet, c, Some(run));
    config.insert("item_wall_ms".into(), json!(round_to(c.unit.wall_ms(), 1)));
    config.insert("runtime".into(), json!(d.request.runtime.as_str()));
    config.insert("run_mode".into(), json!(run.mode.id()));
    config.insert(
        "process_memory_mb".into(),
        json!(d.process_memory_mb(fleet.settings().concurrency)),
    );
    config.insert("ingress".into(), json!("none"));
    let figures = Figures {
        config,
        throughput_rps: run.units as f64 * c.unit.throughput_rps(),
        capacity: Capacity {
            peak: run.units as f64,
            unit: F::WORDS.units.into(),
        },
        latency_ms: Latency {
            p50: gathered_item_ms(&c.unit.process),
            p99: gathered_item_ms(&c.unit.process),
        },
        throttled_share: 0.0,
        makespan_s: Some(run.makespan_s),
        capacity_rps: Vec::new(),
    };
    let mut lines = fleet.bill(&c.shape, c.usage);
    lines.extend(crate::model::logs::fleet(d, book)?);
    lines.extend(network::fleet(d, c.hours, false, book)?);
    let bought = bought(fleet, c, &lines);
    let mut plan = OptionPlan::new(F::PLATFORM, lines, verdict, figures);
    plan.purchase = bought;
    Ok(plan)
}

/// How long one item of a gather takes in a process that keeps `concurrency` items in flight
/// until the run is done: by Little's law, the items in flight over the process's throughput
/// (when the CPU caps it, the items share the CPU and each takes longer than its own wall
/// time), and never less than that wall time. Every item sees the same closed loop, so it is
/// both the p50 and the p99.
fn gathered_item_ms(p: &super::Process) -> f64 {
    if p.throughput_rps > 0.0 {
        (f64::from(p.concurrency) * 1000.0 / p.throughput_rps).max(p.wall_ms)
    } else {
        p.wall_ms
    }
}

/// When the search had shapes to choose from and none works, say which one the figures show
/// ([`choose`]'s closest) after what failed.
fn closest_note<'a, F: Fleet<'a>>(verdict: &mut Assessment, searched: usize) {
    if searched > 1 && !verdict.feasible() {
        verdict.risk(format!(
            "No {shape} meets every limit: shown with the one that comes closest (the memory \
             fits, the most throughput per {holder}, then the cheapest).",
            shape = F::WORDS.shape,
            holder = F::WORDS.holder
        ));
    }
}

/// The chosen configuration: the settings and the unit's figures, then the platform's.
fn config<'a, F: Fleet<'a>>(
    fleet: &F,
    c: &Candidate<F::Shape>,
    job: Option<&JobRun>,
) -> BTreeMap<String, serde_json::Value> {
    let s = fleet.settings();
    let mut m = fleet.config(c, job);
    m.insert(F::WORDS.min_key.into(), json!(s.min));
    m.insert(F::WORDS.max_key.into(), json!(s.max));
    m.insert(F::WORDS.concurrency_key.into(), json!(s.concurrency));
    m.insert(
        F::WORDS.rps_key.into(),
        json!(round_to(c.unit.throughput_rps(), 2)),
    );
    m.insert(
        F::WORDS.slots_key.into(),
        json!(round_to(c.unit.slots(), 2)),
    );
    m.insert("target_utilization".into(), json!(s.target_utilization));
    m.insert("scale_out_minutes".into(), json!(s.scale_out_minutes));
    m.insert(
        "ingress".into(),
        serde_json::to_value(s.ingress).unwrap_or(serde_json::Value::Null),
    );
    m
}

/// The findings on the chosen shape that do not depend on the workload kind: the platform's,
/// then the CPU's.
fn findings<'a, F: Fleet<'a>>(
    d: &Demand,
    fleet: &F,
    c: &Candidate<F::Shape>,
    busiest: Option<(String, f64)>,
) -> Assessment {
    let mut verdict = fleet.findings(d, c);
    verdict.extend(cpu_risks(d, &c.unit.process, F::WORDS.holder, busiest));
    verdict
}

/// A process holds each request for its whole duration (a workflow's callback waits
/// included): behind an ALB no longer than its longest idle timeout; and a deploy or scale-in
/// waits for requests in flight only so long (the default deregistration delay), so a
/// callback wait held longer is a risk.
fn holding(d: &Demand, ingress: FleetIngress) -> Assessment {
    let mut verdict = Assessment::new();
    let held_s = d.request.duration_ms / 1000.0;
    let callback = d.callback_step().map(|s| {
        format!(
            " (step `{}` waits {} for a callback)",
            s.name,
            words::duration(s.callback_ms() / 1000.0)
        )
    });
    let because = callback.clone().unwrap_or_default();
    match ingress {
        FleetIngress::Alb if held_s > ingress::ALB_IDLE_TIMEOUT_MAX_S => {
            verdict.infeasible(format!(
                "A request is held open {}{because}, over the ALB's longest idle timeout \
                 (4,000 s): the load balancer closes the connection. Run the workflow on Step \
                 Functions Standard.",
                words::duration(held_s)
            ));
        }
        FleetIngress::Alb | FleetIngress::None => {
            if callback.is_some() && held_s > ingress::DRAIN_DEFAULT_S {
                verdict.risk(format!(
                    "A request is held open {}{because}: a deploy or scale-in meanwhile loses \
                     it unless the workflow's state is kept outside the process.",
                    words::duration(held_s)
                ));
            }
        }
    }
    verdict
}

/// The verdict on a service fleet's month: the max, shedding (scale-out lag, the allowance)
/// and the p99 SLO.
pub fn assess(
    d: &Demand,
    scaling: &Scaling,
    run: &FleetRun,
    latency: Option<Latency>,
    words: Words,
) -> Assessment {
    let mut verdict = Assessment::new();
    let allowed = d.max_throttled_share();
    let max = scaling.max.max(scaling.min);
    if run.max_hit(scaling) {
        let mut s = format!(
            "Needs {} {} at peak but {} is {}",
            crate::format::count(run.required_peak.round()),
            words.units,
            words.max_key,
            crate::format::count(f64::from(max))
        );
        if run.shed_by_max_share > 0.0 {
            // Queued messages and stream records wait for the fleet; requests are shed.
            let kind = d.workload.kind();
            let waits = d.work.queue().is_some() || d.buffers_excess();
            let what = if waits {
                format!(
                    "leaving {} of {} to wait",
                    pct(run.shed_by_max_share),
                    kind.nouns()
                )
            } else {
                format!(
                    "shedding {} of {}",
                    pct(run.shed_by_max_share),
                    kind.nouns()
                )
            };
            s.push_str(&format!(
                ": {max} {} cannot carry the peak, {what}",
                words.units,
            ));
        } else {
            s.push_str(&format!(
                ": at peak they run above the {:.0}% target utilization",
                scaling.target() * 100.0
            ));
        }
        s.push('.');
        verdict.infeasible(s);
    }
    let lag_share = (run.shed_share - run.shed_by_max_share).max(0.0);
    // A queue's consumers shed nothing: what they cannot take waits as a backlog
    // (`consumers::consume` reports it and the age it costs). The search still sizes them to
    // keep up with the curve, as a service: a fleet that lets the backlog build is judged
    // by the same allowance (conservative; see the README).
    let queue = d.work.queue().is_some();
    // A stream's records wait for the fleet to scale out: the iterator age says so.
    if lag_share > 0.0 && !queue && !d.buffers_excess() {
        let when = run
            .worst
            .map(|(i, share)| {
                format!(
                    " (worst at {}, when {} are shed)",
                    d.curve.time_of_step(i),
                    pct(share)
                )
            })
            .unwrap_or_default();
        verdict.risk(format!(
            "Scale-out lag of {} min sheds {} of requests{when}.",
            fmt_num(scaling.scale_out_s / 60.0),
            pct(lag_share)
        ));
    }
    if run.shed_share > allowed && !d.buffers_excess() {
        verdict.infeasible(if queue {
            format!(
                "Scale-out lag of {} min leaves {} of messages waiting for capacity (a backlog), above the {} planner sizes a queue's workers for.",
                fmt_num(scaling.scale_out_s / 60.0),
                pct(run.shed_share),
                pct(allowed)
            )
        } else {
            format!(
                "Sheds {} of requests in all, above the {} allowed.",
                pct(run.shed_share),
                pct(allowed)
            )
        });
    }
    if let (Some(target), Some(lat)) = (d.p99_target_ms(), latency)
        && lat.p99 > target
    {
        verdict.infeasible(format!(
            "p99 latency {:.0} ms misses the {:.0} ms SLO.",
            lat.p99, target
        ));
    }
    if let Some(risk) = single_az(run, scaling.min, words) {
        verdict.risk(risk);
    } else if d.network.is_some_and(|n| n.availability_zones == 1) {
        verdict.risk(format!(
            "One Availability Zone: `network.availability_zones` is 1, so every {} runs in the \
             same AZ and its outage stops the service. Production spreads a fleet over at least two.",
            words.units.trim_end_matches('s')
        ));
    }
    verdict
}

/// A service fleet that runs a single unit at some step of the day runs in one Availability
/// Zone then: that AZ's outage (or the unit's own failure) stops the service until a
/// replacement starts. Production wants at least two, one per AZ.
fn single_az(run: &FleetRun, min: u32, words: Words) -> Option<String> {
    let fewest = run.running.iter().copied().fold(f64::INFINITY, f64::min);
    (fewest.is_finite() && fewest < 2.0).then(|| {
        format!(
            "One Availability Zone: at quiet times a single {unit} serves everything ({min_key} \
             is {min}), so one AZ's outage, or that {unit}'s failure, stops the service until a \
             replacement starts. Run at least 2 in production ({min_key}: 2, spread over two AZs).",
            unit = words.units.trim_end_matches('s'),
            min_key = words.min_key
        )
    })
}
