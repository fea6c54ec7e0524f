//! Kinesis Data Streams: the stream a `kind: stream` workload's records go through, billed on
//! every option (whoever consumes the records, the stream is there: its lines are part of
//! each option's bill), and the records' iterator age as the consumer keeps up with them.
//! The one place the stream's billing rules and limits live; Lambda's event source mapping
//! (`lambda::stream_at`) and the fleets' KCL workers (`fleet::search`) each describe how they
//! read it ([`Reader`]) and add their own compute. The KCL's DynamoDB lease table is billed
//! here too ([`lease_table`]).
//!
//! Rules, from AWS's documentation:
//! - A shard takes 1 MB/s or 1,000 records/s of writes and serves 2 MB/s of reads shared by
//!   the consumers that poll it (5 GetRecords calls/s per shard); an enhanced fan-out
//!   consumer gets its own 2 MB/s per shard. A partition key maps to one shard, so one key
//!   never gets more than one shard's write limits, however many shards the stream has.
//!   https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html
//! - A record's data is at most 10 MiB (records of 1 to 10 MiB ride on burst capacity).
//! - Provisioned: shard-hours, PUT payload units (each record in 25 KB chunks, rounded up),
//!   extended retention per shard-hour (beyond 24 h, up to 7 days) and long-term retention per
//!   GB-month (beyond 7 days). On-demand: per stream-hour, per GB written and read (each
//!   record rounded up to 1 KB), extended retention per GB-month. Enhanced fan-out:
//!   consumer-shard-hours and GB retrieved (provisioned), GB retrieved (on-demand).
//!   https://aws.amazon.com/kinesis/data-streams/pricing/
//! - On-demand streams start at 4 MB/s of write and accommodate up to twice their peak of the
//!   last 30 days; a day that repeats is always within it. AWS does not say how many shards an
//!   on-demand stream has: the model takes enough for twice the peak's writes, at least 4 (the
//!   starting capacity), which is what its consumers' parallelism follows. On-demand is
//!   On-demand Standard; the account-level On-demand Advantage mode is not modelled.

use super::assess::{Assessment, QuotaNeed};
use super::billing;
use super::demand::Demand;
use super::plan::LineItem;
use super::traffic::{Curve, MONTH_S};
use super::words::{fmt_num, round_to};
use crate::format::count;
use crate::pricing::{Missing, PriceBook, keys};
use crate::profile::{Stream, StreamCapacity};
use serde_json::json;
use std::collections::BTreeMap;

/// Writes one shard takes: MB/s and records/s.
pub const SHARD_IN_MB_S: f64 = 1.0;
pub const SHARD_IN_RECORDS_S: f64 = 1_000.0;
/// Reads one shard serves to its shared-throughput consumers together, MB/s (an enhanced
/// fan-out consumer has its own as much).
pub const SHARD_OUT_MB_S: f64 = 2.0;
/// GetRecords calls one shard serves per second, all shared consumers together.
pub const GET_RECORDS_PER_S: f64 = 5.0;
/// A PUT payload unit: 25 KB of a record.
pub const PUT_UNIT_KB: f64 = 25.0;
/// A record's data at most, KB (10 MiB), and the size above which it rides on burst capacity.
pub const MAX_RECORD_KB: f64 = 10_240.0;
pub const BURST_RECORD_KB: f64 = 1_024.0;
/// An on-demand stream's starting write capacity, MB/s (and 4,000 records/s).
pub const ON_DEMAND_START_MB_S: f64 = 4.0;
/// The busiest a shard's consumer is planned to be at the peak (`shards: auto`): a consumer at
/// 100% never works off a burst or a retry.
pub const PROCESS_UTILIZATION: f64 = 0.9;
/// How often a shared-throughput consumer polls a shard when it has caught up: Lambda "polls
/// each shard ... at a base rate of once per second"
/// (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html); the KCL's
/// `idleTimeBetweenReadsInMillis` defaults to 1,000 ms.
pub const POLL_S: f64 = 1.0;
/// How long an enhanced fan-out consumer waits for a record: pushed as it arrives (AWS quotes
/// about 70 ms propagation, https://docs.aws.amazon.com/streams/latest/dev/enhanced-consumers.html).
pub const EFO_PUSH_S: f64 = 0.07;
/// KB in a GB (AWS bills data in GB of 2^30 bytes).
const KB_PER_GB: f64 = 1024.0 * 1024.0;
const MONTH_H: f64 = MONTH_S / 3600.0;

/// How the stream's capacity is bought.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Provisioned,
    OnDemand,
}

impl Mode {
    pub fn id(self) -> &'static str {
        match self {
            Mode::Provisioned => "provisioned",
            Mode::OnDemand => "on_demand",
        }
    }
}

/// How one option's consumer reads the stream: what a shard's records get of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reader {
    /// Batches of one shard processed at once (Lambda's parallelization factor; 1 for a KCL
    /// record processor).
    pub lanes: f64,
    /// Time to process one record, ms (a batch takes its records' times in sequence).
    pub record_ms: f64,
    /// Records per batch at most (Lambda's batch size within its 6 MB payload; the KCL's
    /// `maxRecords`, 10,000).
    pub batch_max: f64,
    /// Seconds a batch may wait to fill (Lambda's batching window; 0 for the KCL).
    pub window_s: f64,
}

impl Reader {
    /// Records one shard's consumer processes per second, all its lanes together.
    pub fn per_shard_rps(&self) -> f64 {
        self.lanes * 1000.0 / self.record_ms.max(1e-3)
    }

    /// Records one partition key's records are processed at: in order, one at a time.
    pub fn per_key_rps(&self) -> f64 {
        1000.0 / self.record_ms.max(1e-3)
    }
}

/// The stream as one option uses it: its capacity, its bill, its findings, and how its records
/// age before they are processed.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamPlan {
    pub mode: Mode,
    /// The shards the consumer reads: provisioned, or what on-demand is taken to run.
    pub shards: u32,
    pub lines: Vec<LineItem>,
    pub verdict: Assessment,
    /// Iterator age (a record's age when processed), seconds.
    pub p50_s: f64,
    pub p99_s: f64,
    /// Batches a month and their mean records, as the reader takes them.
    pub batches: f64,
    pub mean_batch: f64,
    /// The most batches in flight at once (concurrent invocations, busy record processors).
    pub peak_in_flight: f64,
    /// The mode the profile left to planner and the other one's monthly cost, when priced.
    pub other: Option<(Mode, f64)>,
}

impl StreamPlan {
    /// The stream's settings for an option's `config`.
    pub fn config(&self, s: &Stream) -> BTreeMap<String, serde_json::Value> {
        let mut c = BTreeMap::new();
        c.insert("stream_capacity".into(), json!(self.mode.id()));
        c.insert("stream_capacity_choice".into(), json!(s.capacity.as_str()));
        c.insert("shards".into(), json!(self.shards));
        c.insert(
            "shards_choice".into(),
            json!(if s.shards.fixed().is_some() {
                "fixed"
            } else {
                "auto"
            }),
        );
        c.insert("retention_hours".into(), json!(s.retention_hours));
        c.insert("enhanced_fan_out".into(), json!(s.enhanced_fan_out));
        c.insert("other_consumers".into(), json!(s.other_consumers));
        c.insert(
            "mean_batch_records".into(),
            json!(round_to(self.mean_batch, 1)),
        );
        c.insert(
            "stream_monthly_cost_usd".into(),
            json!(round_to(billing::total(&self.lines), 2)),
        );
        c
    }
}

/// What the traffic asks of the stream: peak and mean, records and MB/s.
#[derive(Debug, Clone, Copy)]
struct Load {
    peak_rps: f64,
    peak_mb_s: f64,
    record_kb: f64,
    records: f64,
}

impl Load {
    fn of(d: &Demand) -> Load {
        let record_kb = d.request.payload_kb.max(0.0);
        let peak_rps = d.curve.peak();
        Load {
            peak_rps,
            peak_mb_s: peak_rps * record_kb / 1024.0,
            record_kb,
            records: d.monthly_requests().max(0.0),
        }
    }
}

/// Shared-throughput consumers polling each shard: the others, and this one unless it reads
/// through enhanced fan-out.
fn sharing(s: &Stream) -> f64 {
    f64::from(s.other_consumers) + if s.enhanced_fan_out { 0.0 } else { 1.0 }
}

/// Shards the writes need (1 MB/s or 1,000 records/s each) and the shared reads (2 MB/s each).
fn throughput_shards(load: &Load, s: &Stream) -> (f64, f64) {
    let write = (load.peak_mb_s / SHARD_IN_MB_S)
        .max(load.peak_rps / SHARD_IN_RECORDS_S)
        .ceil();
    let read = (load.peak_mb_s * sharing(s) / SHARD_OUT_MB_S).ceil();
    (write, read)
}

/// The shards a provisioned stream gets: the profile's, or (`auto`) enough for the peak's
/// writes, the shared reads and the consumer's processing (a shard's records are processed by
/// one consumer, at most `lanes` batches at a time, planned at [`PROCESS_UTILIZATION`]).
pub fn provisioned_shards(d: &Demand, s: &Stream, r: &Reader) -> u32 {
    provisioned_shards_at(&Load::of(d), s, r)
}

/// [`provisioned_shards`] for the traffic's `load`.
fn provisioned_shards_at(load: &Load, s: &Stream, r: &Reader) -> u32 {
    if let Some(&n) = s.shards.fixed() {
        return n.max(1);
    }
    let (write, read) = throughput_shards(load, s);
    let process = (load.peak_rps / (r.per_shard_rps() * PROCESS_UTILIZATION)).ceil();
    write.max(read).max(process).clamp(1.0, u32::MAX as f64) as u32
}

/// The shards an on-demand stream is taken to run: twice the peak's writes, at least 4.
pub fn on_demand_shards(d: &Demand, s: &Stream) -> u32 {
    on_demand_shards_at(&Load::of(d), s)
}

/// [`on_demand_shards`] for the traffic's `load`.
fn on_demand_shards_at(load: &Load, s: &Stream) -> u32 {
    let (write, _) = throughput_shards(load, s);
    (2.0 * write)
        .max(ON_DEMAND_START_MB_S)
        .clamp(1.0, u32::MAX as f64) as u32
}

/// The stream for one option: as pinned, or (`capacity: auto`) the cheaper of provisioned and
/// on-demand among those with no blocking finding (provisioned when neither works).
/// `fleet_rps`, when given, is what the consumer's fleet carries at each step of the curve
/// (lagging it as autoscaling does): records beyond it wait in the stream too.
pub fn plan(
    d: &Demand,
    s: &Stream,
    r: &Reader,
    fleet_rps: Option<&[f64]>,
    book: &PriceBook,
) -> Result<StreamPlan, Missing> {
    let one = |mode| plan_mode(d, s, r, mode, fleet_rps, book);
    match s.capacity {
        StreamCapacity::Provisioned => one(Mode::Provisioned),
        StreamCapacity::OnDemand => one(Mode::OnDemand),
        StreamCapacity::Auto => {
            let (mut p, mut o) = (one(Mode::Provisioned)?, one(Mode::OnDemand)?);
            let cost = |x: &StreamPlan| billing::total(&x.lines);
            let take_on_demand = match (p.verdict.feasible(), o.verdict.feasible()) {
                (true, true) => cost(&o) < cost(&p),
                (false, true) => true,
                (true, false) | (false, false) => false,
            };
            if take_on_demand {
                o.other = Some((Mode::Provisioned, cost(&p)));
                Ok(o)
            } else {
                p.other = Some((Mode::OnDemand, cost(&o)));
                Ok(p)
            }
        }
    }
}

fn plan_mode(
    d: &Demand,
    s: &Stream,
    r: &Reader,
    mode: Mode,
    fleet_rps: Option<&[f64]>,
    book: &PriceBook,
) -> Result<StreamPlan, Missing> {
    let load = Load::of(d);
    let shards = match mode {
        Mode::Provisioned => provisioned_shards(d, s, r),
        Mode::OnDemand => on_demand_shards(d, s),
    };
    let lines = bill(&load, s, mode, f64::from(shards), book)?;
    let mut verdict = limits(&load, s, mode, shards, book)?;
    let polls_every = poll_interval(s);
    let wait_s = if s.enhanced_fan_out {
        EFO_PUSH_S
    } else {
        polls_every
    };
    let gather_s = wait_s.max(r.window_s);
    let capacity = f64::from(shards) * r.per_shard_rps();
    let backlog = Backlog::capped(&d.curve, capacity, fleet_rps);
    // The busiest key's own records, processed one at a time in order.
    let hot = Backlog::of(&d.curve.scaled(s.hot_key()), r.per_key_rps());
    // Batches: a lane gathers what arrives while it waits (at least one record, at most the
    // batch size); behind a backlog it takes full batches.
    let (mut batches, mut records, mut in_flight) = (0.0, 0.0, 0.0_f64);
    for (i, &rps) in d.curve.rps.iter().enumerate() {
        let lanes = f64::from(shards) * r.lanes;
        let per_lane = rps / lanes.max(1.0);
        let n = if backlog.queued.get(i).copied().unwrap_or(0.0) > 0.0 {
            r.batch_max
        } else {
            (per_lane * gather_s).clamp(1.0, r.batch_max.max(1.0))
        };
        let arrivals = rps * d.curve.step_s;
        batches += arrivals / n;
        records += arrivals;
        in_flight = in_flight.max((rps * r.record_ms / 1000.0).min(lanes));
    }
    let periods = d.curve.periods_per_month();
    let mean_batch = if batches > 0.0 {
        records / batches
    } else {
        0.0
    };
    let peak_batch = (load.peak_rps / (f64::from(shards) * r.lanes).max(1.0) * gather_s)
        .clamp(1.0, r.batch_max.max(1.0));
    let batch_s = peak_batch * r.record_ms / 1000.0;
    // Waiting to be fetched (half the interval on average), then for the records ahead of it
    // in its batch and in the backlog.
    let [median, tail] = backlog.quantiles(&d.curve, [0.5, 0.99]);
    let mut p50 = gather_s / 2.0 + batch_s / 2.0 + median;
    let mut p99 = gather_s * 0.99 + batch_s + tail;
    let hot_share = s.hot_key();
    if hot_share >= 0.01 {
        // A key with 1% of the records or more is part of the p99.
        let [hot_median, hot_tail] = hot.quantiles(&d.curve, [0.5, 0.99]);
        p99 = p99.max(gather_s * 0.99 + hot_tail);
        if hot_share >= 0.5 {
            p50 = p50.max(gather_s / 2.0 + hot_median);
        }
    }
    age_findings(
        &mut verdict,
        d,
        s,
        &AgeFacts {
            capacity,
            backlog: &backlog,
            hot: &hot,
            p99,
            shards,
            per_shard: r.per_shard_rps(),
            per_key: r.per_key_rps(),
        },
    );
    Ok(StreamPlan {
        mode,
        shards,
        lines,
        verdict,
        p50_s: p50,
        p99_s: p99,
        batches: batches * periods,
        mean_batch,
        peak_in_flight: in_flight.ceil().max(1.0),
        other: None,
    })
}

/// How often each shared consumer gets to poll a shard: once a second, or less often when
/// more consumers share the shard's 5 GetRecords calls a second.
fn poll_interval(s: &Stream) -> f64 {
    POLL_S.max(sharing(s) / GET_RECORDS_PER_S)
}

/// The stream's own limits: the record size, the busiest key, the shards' throughput, the
/// GetRecords calls, and the quotas.
fn limits(
    load: &Load,
    s: &Stream,
    mode: Mode,
    shards: u32,
    book: &PriceBook,
) -> Result<Assessment, Missing> {
    let mut v = Assessment::new();
    if load.record_kb > MAX_RECORD_KB {
        v.infeasible(format!(
            "A record of {} KB is over Kinesis's 10 MiB record limit.",
            fmt_num(round_to(load.record_kb, 1))
        ));
    } else if load.record_kb > BURST_RECORD_KB {
        v.risk(format!(
            "Records of {} KB: Kinesis takes records over 1 MiB on a shard's burst capacity, \
             for occasional large records, not a steady flow.",
            fmt_num(round_to(load.record_kb, 1))
        ));
    }
    let hot_rps = load.peak_rps * s.hot_key();
    let hot_mb = hot_rps * load.record_kb / 1024.0;
    if hot_rps > SHARD_IN_RECORDS_S || hot_mb > SHARD_IN_MB_S {
        v.infeasible(format!(
            "The busiest partition key writes {} records/s ({} MB/s) at peak, over one shard's \
             1,000 records/s or 1 MB/s: a key lives on one shard, so its writes are throttled \
             however many shards the stream has. Spread it (a suffix on the key).",
            count(hot_rps.ceil()),
            fmt_num(round_to(hot_mb, 2))
        ));
    }
    let (write, read) = throughput_shards(load, s);
    let n = f64::from(shards);
    match mode {
        Mode::Provisioned => {
            if n < write {
                v.infeasible(format!(
                    "{} shards take {} records/s or {} MB/s of writes; the peak puts {} records/s \
                     ({} MB/s): writes are throttled (needs {} shards).",
                    count(n),
                    count(n * SHARD_IN_RECORDS_S),
                    fmt_num(n * SHARD_IN_MB_S),
                    count(load.peak_rps.ceil()),
                    fmt_num(round_to(load.peak_mb_s, 2)),
                    count(write)
                ));
            }
            if n < read {
                v.infeasible(format!(
                    "{} shared consumers read {} MB/s at peak, over the {} MB/s {} shards serve \
                     them (2 MB/s each, shared): reads are throttled. Use enhanced fan-out or \
                     {} shards.",
                    fmt_num(sharing(s)),
                    fmt_num(round_to(load.peak_mb_s * sharing(s), 2)),
                    fmt_num(n * SHARD_OUT_MB_S),
                    count(n),
                    count(read)
                ));
            }
            v.quota(QuotaNeed {
                name: keys::quota_name(keys::Q_KINESIS_SHARDS).unwrap_or("Kinesis shards"),
                quota: book.quota(keys::Q_KINESIS_SHARDS)?,
                need: n,
                unit: "shards",
            });
        }
        Mode::OnDemand => {
            v.quota(QuotaNeed {
                name: keys::quota_name(keys::Q_KINESIS_ON_DEMAND_WRITE)
                    .unwrap_or("Kinesis on-demand write throughput"),
                quota: book.quota(keys::Q_KINESIS_ON_DEMAND_WRITE)?,
                need: load.peak_mb_s.max(load.peak_rps / SHARD_IN_RECORDS_S),
                unit: "MB/s of writes (1,000 records/s a MB/s)",
            });
        }
    }
    if sharing(s) > GET_RECORDS_PER_S {
        v.risk(format!(
            "{} consumers share each shard's 5 GetRecords calls a second: each polls every {} s, \
             which adds to the iterator age. Enhanced fan-out gives a consumer its own pipe.",
            fmt_num(sharing(s)),
            fmt_num(round_to(poll_interval(s), 2))
        ));
    }
    Ok(v)
}

/// What the iterator age's findings read.
struct AgeFacts<'a> {
    capacity: f64,
    backlog: &'a Backlog,
    hot: &'a Backlog,
    p99: f64,
    shards: u32,
    per_shard: f64,
    per_key: f64,
}

/// The backlog's findings: a consumer that falls behind for good, records that expire before
/// they are read (data loss), the SLO, and an iterator age that grows at peak.
fn age_findings(v: &mut Assessment, d: &Demand, s: &Stream, f: &AgeFacts<'_>) {
    let retention_s = s.retention_hours * 3600.0;
    if !f.backlog.drains {
        v.infeasible(format!(
            "The consumer processes at most {} records/s ({} shards × {} records/s each), below \
             the average {} records/s: the backlog grows without end and records expire after \
             {} h (data loss).",
            count(f.capacity.floor()),
            count(f64::from(f.shards)),
            fmt_num(round_to(f.per_shard, 1)),
            count(d.curve.mean().ceil()),
            fmt_num(s.retention_hours)
        ));
        return;
    }
    if !f.hot.drains {
        v.infeasible(format!(
            "The busiest partition key averages {} records/s, over the {} records/s its records \
             are processed at (one at a time, in order): its backlog grows without end.",
            fmt_num(round_to(d.curve.mean() * s.hot_key(), 1)),
            fmt_num(round_to(f.per_key, 1))
        ));
        return;
    }
    let worst = f.backlog.worst_s.max(f.hot.worst_s);
    if worst > retention_s {
        v.infeasible(format!(
            "At peak the oldest records wait {} to be processed, longer than the stream's {} h \
             retention: they expire unread (data loss).",
            super::words::duration(worst),
            fmt_num(s.retention_hours)
        ));
    }
    if let Some(target) = d.p99_iterator_age_s()
        && f.p99 > target
    {
        v.infeasible(format!(
            "p99 iterator age {} misses the {} s SLO.",
            age_words(f.p99),
            fmt_num(target)
        ));
    }
    if worst > 60.0 {
        let when = f
            .backlog
            .worst_step
            .map(|i| format!(" (worst at {})", d.curve.time_of_step(i)))
            .unwrap_or_default();
        v.risk(format!(
            "Iterator age grows at peak: the consumer falls behind and the oldest record waits \
             {}{when}; it catches up afterwards.",
            super::words::duration(worst)
        ));
    }
}

/// An age in seconds, in words ("1.4 s", "3 min").
pub fn age_words(s: f64) -> String {
    if s < 60.0 {
        format!("{} s", fmt_num(round_to(s, 1)))
    } else {
        super::words::duration(s)
    }
}

/// The records waiting when a consumer of `capacity` records/s follows the curve: a fluid
/// queue at the curve's steps over a day that repeats (the day runs twice so that step 0
/// starts with what the previous night left).
#[derive(Debug, Clone, PartialEq)]
pub struct Backlog {
    /// Records queued at the end of each step.
    pub queued: Vec<f64>,
    /// The wait behind the queue at each step, seconds.
    pub wait_s: Vec<f64>,
    pub worst_s: f64,
    pub worst_step: Option<usize>,
    /// The consumer keeps up over the day (else the queue grows without end).
    pub drains: bool,
}

impl Backlog {
    pub fn of(curve: &Curve, capacity: f64) -> Backlog {
        Backlog::capped(curve, capacity, None)
    }

    /// [`Backlog::of`] with the capacity at step `i` at most `caps[i]` where given (a
    /// fleet's running capacity).
    pub fn capped(curve: &Curve, capacity: f64, caps: Option<&[f64]>) -> Backlog {
        let n = curve.rps.len();
        let cap: Vec<f64> = (0..n)
            .map(|i| {
                caps.and_then(|c| c.get(i))
                    .map_or(capacity, |&c| c.min(capacity))
                    .max(0.0)
            })
            .collect();
        let mean_capacity = cap.iter().sum::<f64>() / n.max(1) as f64;
        let drains = capacity > 0.0 && curve.mean() < mean_capacity;
        if drains && curve.rps.iter().zip(&cap).all(|(&rps, &c)| rps <= c) {
            // No step is short: nothing ever waits (the walk below would find as much).
            return Backlog {
                queued: vec![0.0; n],
                wait_s: vec![0.0; n],
                worst_s: 0.0,
                worst_step: None,
                drains,
            };
        }
        let mut queued = vec![0.0; n];
        let mut wait_s = vec![f64::INFINITY; n];
        let mut q = 0.0_f64;
        if drains {
            for pass in 0..2 {
                for (i, (&rps, &c)) in curve.rps.iter().zip(&cap).enumerate() {
                    q = (q + (rps - c) * curve.step_s).max(0.0);
                    if pass == 1 {
                        queued[i] = q;
                    }
                }
            }
            // The wait behind the queue: until the capacity from this step on has served it.
            for i in 0..n {
                let (mut left, mut t) = (queued[i], 0.0);
                let mut j = i;
                while left > 0.0 && t < curve.step_s * n as f64 {
                    j = (j + 1) % n;
                    let c = cap[j];
                    if c * curve.step_s >= left {
                        t += left / c.max(1e-9);
                        left = 0.0;
                    } else {
                        left -= c * curve.step_s;
                        t += curve.step_s;
                    }
                }
                wait_s[i] = t;
            }
        }
        let (worst_step, worst_s) = wait_s
            .iter()
            .copied()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map_or((None, 0.0), |(i, w)| (Some(i), w));
        Backlog {
            queued,
            wait_s,
            worst_s,
            worst_step: worst_step.filter(|_| worst_s > 0.0),
            drains,
        }
    }

    /// The `q` quantile of the wait over the records (each step weighted by its arrivals).
    pub fn quantile(&self, curve: &Curve, q: f64) -> f64 {
        let [wait] = self.quantiles(curve, [q]);
        wait
    }

    /// [`Backlog::quantile`] at each of `qs`, the steps put in order once.
    pub fn quantiles<const N: usize>(&self, curve: &Curve, qs: [f64; N]) -> [f64; N] {
        // In order of wait (steps of equal wait in step order). Most steps have none: they
        // keep their place without being sorted, between any below zero and the rest.
        let pairs = || self.wait_s.iter().copied().zip(curve.rps.iter().copied());
        let none = |p: &(f64, f64)| p.0.to_bits() == 0.0_f64.to_bits();
        let mut waits: Vec<(f64, f64)> = pairs().filter(|p| !none(p)).collect();
        waits.sort_by(|a, b| a.0.total_cmp(&b.0));
        let below = waits.partition_point(|p| p.0.total_cmp(&0.0).is_lt());
        let (under, over) = waits.split_at(below);
        let ordered = || {
            under
                .iter()
                .copied()
                .chain(pairs().filter(none))
                .chain(over.iter().copied())
        };
        let total: f64 = ordered().map(|p| p.1).sum();
        qs.map(|q| {
            if total <= 0.0 {
                return 0.0;
            }
            let (mut seen, mut last) = (0.0, 0.0);
            for (wait, weight) in ordered() {
                seen += weight;
                if seen >= q * total {
                    return wait;
                }
                last = wait;
            }
            last
        })
    }
}

/// What the stream costs a month for each reader a fleet's search tries (a provisioned
/// stream's shards follow the reader's speed: a slower record processor needs more of them):
/// the capacity mode's bill as [`plan`] chooses it (the cheaper of the two under `capacity:
/// auto`), without the limits and the iterator age. The traffic's load and the on-demand bill
/// are worked out once, a provisioned bill once for each shard count.
pub struct StreamCost<'a> {
    s: &'a Stream,
    book: &'a PriceBook,
    load: Load,
    on_demand: Option<f64>,
    provisioned: std::cell::RefCell<Vec<(u32, f64)>>,
}

impl<'a> StreamCost<'a> {
    /// The stream `s` of `d`; a price it needs missing from `book` fails here.
    pub fn new(d: &Demand, s: &'a Stream, book: &'a PriceBook) -> Result<StreamCost<'a>, Missing> {
        let load = Load::of(d);
        let on_demand = match s.capacity {
            StreamCapacity::Provisioned => None,
            StreamCapacity::OnDemand | StreamCapacity::Auto => {
                let shards = on_demand_shards_at(&load, s);
                let lines = bill(&load, s, Mode::OnDemand, f64::from(shards), book)?;
                Some(billing::total(&lines))
            }
        };
        let cost = StreamCost {
            s,
            book,
            load,
            on_demand,
            provisioned: std::cell::RefCell::new(Vec::new()),
        };
        if s.capacity != StreamCapacity::OnDemand {
            cost.provisioned(1)?;
        }
        Ok(cost)
    }

    fn provisioned(&self, shards: u32) -> Result<f64, Missing> {
        if let Some(&(_, c)) = self.provisioned.borrow().iter().find(|p| p.0 == shards) {
            return Ok(c);
        }
        let lines = bill(
            &self.load,
            self.s,
            Mode::Provisioned,
            f64::from(shards),
            self.book,
        )?;
        let c = billing::total(&lines);
        self.provisioned.borrow_mut().push((shards, c));
        Ok(c)
    }

    /// The month's cost read by `r` (its prices were checked by [`StreamCost::new`]).
    pub fn read_by(&self, r: &Reader) -> f64 {
        let provisioned = match self.s.capacity {
            StreamCapacity::OnDemand => None,
            StreamCapacity::Provisioned | StreamCapacity::Auto => self
                .provisioned(provisioned_shards_at(&self.load, self.s, r))
                .ok(),
        };
        match (provisioned, self.on_demand) {
            (Some(p), Some(o)) => p.min(o),
            (Some(c), None) | (None, Some(c)) => c,
            (None, None) => 0.0,
        }
    }
}

/// The stream's bill for a month: the capacity mode's lines, retention and enhanced fan-out.
fn bill(
    load: &Load,
    s: &Stream,
    mode: Mode,
    shards: f64,
    book: &PriceBook,
) -> Result<Vec<LineItem>, Missing> {
    let mut lines = Vec::new();
    // Each record rounded up to 1 KB (on-demand data) or to 25 KB chunks (PUT payload units).
    let billed_gb = load.records * load.record_kb.max(0.001).ceil() / KB_PER_GB;
    let data_gb = load.records * load.record_kb / KB_PER_GB;
    let gb_per_hour = data_gb / MONTH_H;
    let readers = f64::from(s.other_consumers) + if s.enhanced_fan_out { 0.0 } else { 1.0 };
    let hours = s.retention_hours.max(24.0);
    match mode {
        Mode::Provisioned => {
            lines.push(billing::priced(
                book,
                "kinesis_shards",
                keys::KINESIS_SHARD_HOURS,
                shards * MONTH_H,
            )?);
            let units = (load.record_kb.max(0.001) / PUT_UNIT_KB).ceil();
            lines.push(billing::priced(
                book,
                "kinesis_put_units",
                keys::KINESIS_PUT_UNITS,
                load.records * units,
            )?);
            if hours > 24.0 {
                lines.push(billing::priced(
                    book,
                    "kinesis_retention",
                    keys::KINESIS_EXTENDED_RETENTION,
                    shards * MONTH_H,
                )?);
            }
            if s.enhanced_fan_out {
                lines.push(billing::priced(
                    book,
                    "kinesis_efo",
                    keys::KINESIS_EFO_HOURS,
                    shards * MONTH_H,
                )?);
                lines.push(billing::priced(
                    book,
                    "kinesis_efo",
                    keys::KINESIS_EFO_DATA,
                    data_gb,
                )?);
            }
        }
        Mode::OnDemand => {
            lines.push(billing::priced(
                book,
                "kinesis_on_demand",
                keys::KINESIS_ON_DEMAND_STREAM_HOURS,
                MONTH_H,
            )?);
            lines.push(billing::priced(
                book,
                "kinesis_on_demand",
                keys::KINESIS_ON_DEMAND_DATA_IN,
                billed_gb,
            )?);
            if readers > 0.0 {
                lines.push(billing::priced(
                    book,
                    "kinesis_on_demand",
                    keys::KINESIS_ON_DEMAND_DATA_OUT,
                    billed_gb * readers,
                )?);
            }
            if hours > 24.0 {
                // Data older than a day and up to 7 days is stored all month.
                lines.push(billing::priced(
                    book,
                    "kinesis_retention",
                    keys::KINESIS_ON_DEMAND_EXTENDED_RETENTION,
                    gb_per_hour * (hours.min(168.0) - 24.0),
                )?);
            }
            if s.enhanced_fan_out {
                lines.push(billing::priced(
                    book,
                    "kinesis_efo",
                    keys::KINESIS_ON_DEMAND_EFO_DATA,
                    billed_gb,
                )?);
            }
        }
    }
    if hours > 168.0 {
        lines.push(billing::priced(
            book,
            "kinesis_retention",
            keys::KINESIS_LONG_TERM_RETENTION,
            gb_per_hour * (hours - 168.0),
        )?);
    }
    Ok(lines)
}

/// How often a KCL record processor checkpoints its shard, seconds. The KCL leaves it to the
/// application; the model takes once a minute, the interval of AWS's KCL sample record
/// processor (`CHECKPOINT_INTERVAL_MILLIS = 60000`).
pub const KCL_CHECKPOINT_S: f64 = 60.0;
/// How often a KCL worker renews each lease it holds: `failoverTimeMillis`, 10 s by default
/// (https://docs.aws.amazon.com/streams/latest/dev/kcl-dynamoDB.html).
pub const KCL_RENEW_S: f64 = 10.0;
/// How often each KCL worker lists the lease table (a scan) to take or balance leases: twice
/// `failoverTimeMillis`.
pub const KCL_SCAN_S: f64 = 20.0;
/// A lease item's size, KB (shard id, owner, counter, checkpoint: well under 1 KB).
pub const KCL_LEASE_KB: f64 = 1.0;

/// The KCL's DynamoDB lease table (on-demand capacity) for `shards` leases held by `workers`
/// processes: a write each checkpoint and each renewal, and each worker's scans (eventually
/// consistent: half a read unit per 4 KB). Billed as item `dynamodb`.
pub fn lease_table(shards: f64, workers: f64, book: &PriceBook) -> Result<Vec<LineItem>, Missing> {
    let writes = shards * MONTH_S * (1.0 / KCL_CHECKPOINT_S + 1.0 / KCL_RENEW_S);
    let scan_units = (shards * KCL_LEASE_KB / 4.0).ceil() * 0.5;
    let reads = workers.max(1.0) * MONTH_S / KCL_SCAN_S * scan_units;
    let storage_gb = shards * KCL_LEASE_KB / KB_PER_GB;
    Ok(vec![
        billing::priced(book, "dynamodb", keys::DYNAMODB_WRITE_UNITS, writes)?,
        billing::priced(book, "dynamodb", keys::DYNAMODB_READ_UNITS, reads)?,
        billing::priced(book, "dynamodb", keys::DYNAMODB_STORAGE, storage_gb)?,
    ])
}

/// The report's assumptions for a profile with streams.
pub fn assumptions() -> Vec<String> {
    vec![
        format!(
            "Streams: the Kinesis data stream is a line of every option (every consumer needs it). `capacity: auto` takes the cheaper of provisioned and on-demand that carries the traffic; provisioned `shards: auto` are enough for the peak's writes (1 MB/s or 1,000 records/s a shard), the shared reads (2 MB/s a shard) and the consumer's processing; an on-demand stream is taken to run shards for twice its peak's writes (at least 4), which is what its consumers' parallelism follows. A shared consumer polls each shard every {} s (more rarely when more than 5 share its GetRecords calls); enhanced fan-out pushes records as they arrive.",
            fmt_num(POLL_S)
        ),
        "Streams: the iterator age (a record's age when processed, the stream's latency) is the wait to be fetched (the poll interval or batching window), the records ahead of it in its batch, and the backlog when the consumer falls behind at peak (a fluid queue over the day, the busiest key on its own); records older than the retention are lost.".to_string(),
        "Streams on Lambda: the event source mapping runs one batch per shard times the parallelization factor, each invocation one batch, its duration the per-record duration times its records; pollers' GetRecords are not billed. A failed batch is retried once (as two halves with `bisect_on_error`); failed records then go to the on-failure destination (not billed).".to_string(),
        format!(
            "Streams on ECS and EC2: KCL 2.x workers; each of a process's `concurrency_per_task`/`concurrency_per_process` slots is a record processor holding one shard's lease and processing its records in order; checkpoints every {} s, lease renewals every {} s, each worker scanning the lease table every {} s, on a DynamoDB on-demand table (item `dynamodb`). Records are read through the NAT gateway (or a Kinesis interface endpoint) from private subnets.",
            fmt_num(KCL_CHECKPOINT_S),
            fmt_num(KCL_RENEW_S),
            fmt_num(KCL_SCAN_S)
        ),
        "Streams on Step Functions: no option. A state machine has no Kinesis event source of its own; EventBridge Pipes can start an Express workflow per batch, but Pipes then hold the shard's position and the workflow adds a per-batch execution to what Lambda's event source mapping does alone, so the serverless answer is Lambda.".to_string(),
    ]
}

#[cfg(test)]
mod tests;
