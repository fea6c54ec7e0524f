//! Lambda reading an SQS queue through an event source mapping (ESM), `kind: queue`.
//!
//! AWS runs the pollers: they long-poll the queue, gather a batch (up to `batch_size`, for at
//! most the batching window), invoke the function synchronously and delete what it handled.
//! For a standard queue the mapping starts with 5 concurrent batches and adds up to 300 a
//! minute while messages wait, at most 1,000 (the book's quotas, from
//! https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html); `max_concurrency`
//! (2–1,000), the function's concurrency wall ([`Concurrency`]) and, for FIFO, the message
//! groups with messages (one batch in flight per group) cap it. Messages beyond what that
//! concurrency handles wait in the queue: a backlog, not throttling.
//!
//! The walk is a fluid model over the traffic curve (per step: arrivals, the concurrency the
//! mapping has, what it handles, the backlog carried); a message's age is the wait for the
//! backlog ahead of it, the batch filling, its place in the batch (a handler takes a batch's
//! messages one after another) and its handling, plus a visibility timeout for each message a
//! failure sent back. Checked against a discrete-event simulation in the tests.

use super::{Concurrency, OWN_LINES, Usage, bill, cold_starts, duration_ms, environments_wanted};
use crate::model::assess::Assessment;
use crate::model::demand::Demand;
use crate::model::plan::{Capacity, Figures, Latency, OptionPlan, Platform};
use crate::model::sqs::{self, Requests, Retries};
use crate::model::words::{fmt_num, pct, round_to};
use crate::pricing::{Missing, PriceBook, keys};
use crate::profile::{AutoOr, LambdaConfig, Queue, QueueType};
use serde_json::json;

/// Lambda's default function timeout, s: the least planner assumes a team sets.
pub const DEFAULT_TIMEOUT_S: f64 = 3.0;
/// Largest batch payload Lambda passes to one synchronous invocation, KB (6 MB).
const BATCH_PAYLOAD_KB: f64 = super::SYNC_PAYLOAD_KB;

/// The function timeout planner assumes for a queue consumer: twice a full batch's handling,
/// at least Lambda's 3 s default, at most its 15 minutes.
pub fn function_timeout_s(full_batch_s: f64) -> f64 {
    (2.0 * full_batch_s)
        .ceil()
        .clamp(DEFAULT_TIMEOUT_S, super::TIMEOUT_MS / 1000.0)
}

/// The visibility timeout: the profile's, else the six function timeouts AWS recommends.
pub fn visibility_s(q: &Queue, timeout_s: f64) -> f64 {
    q.visibility_timeout_s
        .unwrap_or(sqs::VISIBILITY_PER_TIMEOUT * timeout_s)
}

/// The mapping's settings for one walk.
#[derive(Debug, Clone, Copy)]
pub struct Mapping {
    /// Handling of one message at the function's memory, ms.
    pub message_ms: f64,
    /// Largest batch (the profile's, within the 6 MB invocation payload).
    pub batch: f64,
    pub window_s: f64,
    /// Concurrent batches the mapping may run at most (every cap together).
    pub cap: f64,
    /// Concurrent batches it starts with, and adds a minute.
    pub start: f64,
    pub per_minute: f64,
    /// Visibility timeout: how long a returned message waits to be received again, s.
    pub visibility_s: f64,
    pub retries: Retries,
    pub cold_start_ms: f64,
}

/// What a month of messages does to the mapping.
#[derive(Debug, Clone, Default)]
pub struct Walk {
    /// Invocations (batches, attempts included) in one period of the curve.
    pub invocations: f64,
    /// Handling ms of those invocations, summed.
    pub invocation_ms: f64,
    /// Messages those invocations handled (attempts: a returned message counts again).
    pub handled: f64,
    pub cold_starts: f64,
    pub receives: f64,
    pub empty_receives: f64,
    pub deletes: f64,
    pub peak_concurrency: f64,
    pub peak_in_flight: f64,
    /// Most messages waiting, and the step at which the backlog was largest.
    pub peak_backlog: f64,
    pub peak_backlog_step: Option<usize>,
    /// Backlog left at the end of the period after the first lap: the mapping cannot keep up
    /// when it grows lap after lap.
    pub growing: bool,
    pub age: sqs::Ages,
}

/// Walk the curve (`rate` messages/s at steps of `step_s`): two laps, the second measured
/// (the backlog at the end of a day is the next day's start).
pub fn walk(rates: &[f64], step_s: f64, m: &Mapping) -> Walk {
    let gathers = Gathered::of(rates, m.batch, m.window_s, m.retries.attempts);
    walk_gathered(rates, step_s, m, &gathers)
}

/// [`walk`], with the batches a receive gathers at each step made beforehand
/// ([`Gathered::of`] the same `rates` and `m`'s batch, window and attempts): the memory
/// search walks one curve at many sizes, and they are the same at each.
pub fn walk_gathered(rates: &[f64], step_s: f64, m: &Mapping, gathers: &Gathered) -> Walk {
    let mut backlog = 0.0;
    let mut used_prev = 0.0_f64;
    let mut out = Walk::default();
    let mut end_of_first = 0.0;
    // Reused every step: the places in a batch.
    let mut spots: Vec<(f64, f64, f64)> = Vec::with_capacity(10);
    // Each place's run of steps at one age (without a backlog a step's ages are the last
    // step's), and its ages' bins (first try warm, cold, returned).
    let mut runs = [Run::default(); sqs::PER_CALL as usize];
    // The wait of the last step measured, when its batch was gathered (its places' ages).
    let mut last_gathered_wait: Option<f64> = None;
    let mut slots = [[sqs::AgeSlot::default(); 3]; sqs::PER_CALL as usize];
    for lap in 0..2 {
        let measure = lap == 1;
        for (i, &rate) in rates.iter().enumerate() {
            let rate = rate.max(0.0);
            let attempts_rate = rate * m.retries.attempts;
            let start_backlog = backlog;
            // The concurrency the mapping may reach this step: from what it ran, up by its
            // scaling rate, never below the batches it starts with, within every cap.
            let avail = (used_prev + m.per_minute * step_s / 60.0)
                .max(m.start)
                .min(m.cap)
                .max(1.0);
            let capacity = avail * 1000.0 / m.message_ms.max(1e-9) * step_s;
            let inflow = attempts_rate * step_s;
            let handled = (backlog + inflow).min(capacity);
            backlog = backlog + inflow - handled;
            let queued = start_backlog > 1e-9 || backlog > 1e-9;
            // A batch: full from a backlog; else what the window gathers, or a receive returns.
            let gathered = (m.window_s <= 0.0 && !queued)
                .then(|| gathers.at(i))
                .flatten();
            let batch = if queued {
                m.batch
            } else if let Some((mean, _)) = gathered {
                mean
            } else {
                (rate * m.window_s).clamp(1.0, m.batch)
            };
            let batch_ms = batch * m.message_ms;
            let inv = handled / batch;
            let wanted = environments_wanted(inv / step_s, batch_ms, f64::INFINITY);
            let used = if queued { avail } else { wanted.min(avail) };
            if !measure {
                used_prev = used;
                continue;
            }
            let created = (used - used_prev).max(0.0);
            used_prev = used;
            let cold = cold_starts(created, inv, inv / step_s);
            out.invocations += inv;
            out.invocation_ms += inv * batch_ms;
            out.handled += handled;
            out.cold_starts += cold;
            let per_receive = batch.min(sqs::PER_CALL);
            out.receives += handled / per_receive;
            out.deletes += inv * (batch / sqs::PER_CALL).ceil();
            let idle = (m.start - used).max(0.0);
            out.empty_receives += sqs::empty_receives_per_s(idle, attempts_rate) * step_s;
            out.peak_concurrency = out.peak_concurrency.max(used);
            out.peak_in_flight = out.peak_in_flight.max(used * batch);
            if backlog > out.peak_backlog {
                out.peak_backlog = backlog;
                out.peak_backlog_step = Some(i);
            }
            // Message age: the backlog ahead (drained at this step's rate), the batch filling,
            // the place in the batch, the handling; cold starts and returned messages apart.
            let drain = handled / step_s;
            let wait_ms = if drain > 0.0 {
                (start_backlog + backlog) / 2.0 / drain * 1000.0
            } else {
                0.0
            };
            let fill_ms = if m.window_s > 0.0 && !queued {
                (batch / rate.max(1e-9)).min(m.window_s) * 1000.0
            } else {
                0.0
            };
            let weight = rate * step_s;
            let cold_share = if inv > 0.0 {
                (cold / inv).clamp(0.0, 1.0)
            } else {
                0.0
            };
            // A gathered batch with the last step's wait: every place's age is the last
            // step's, only the weights gather.
            let shares = gathered.map(|(_, shares)| shares);
            if let Some(shares) = shares
                && last_gathered_wait == Some(wait_ms)
            {
                for (run, &share) in runs.iter_mut().zip(shares) {
                    let w = weight * share;
                    run.warm += w * (1.0 - cold_share);
                    run.cold += w * cold_share;
                }
                continue;
            }
            last_gathered_wait = shares.map(|_| wait_ms);
            places_into(&mut spots, batch, fill_ms, shares);
            for (k, &(share, place, fill_wait)) in spots.iter().enumerate() {
                let age = wait_ms + fill_wait + m.message_ms * place;
                let (Some(run), Some(slot)) = (runs.get_mut(k), slots.get_mut(k)) else {
                    continue;
                };
                if age != run.age {
                    run.settle(&mut out.age, slot, m);
                    run.age = age;
                }
                let w = weight * share;
                run.warm += w * (1.0 - cold_share);
                run.cold += w * cold_share;
            }
        }
        if lap == 0 {
            end_of_first = backlog;
        }
    }
    for (run, slot) in runs.iter_mut().zip(slots.iter_mut()) {
        run.settle(&mut out.age, slot, m);
        for s in slot {
            out.age.settle(s);
        }
    }
    out.growing = sqs::backlog_grows(end_of_first, backlog);
    out
}

/// A place in a batch over a run of steps at which its messages' age is the same (no
/// backlog, the same batch): the weight of their first tries, warm and cold, gathered, to go
/// into the ages once when the run ends (three ages: warm, cold, and returned).
#[derive(Debug, Clone, Copy)]
struct Run {
    age: f64,
    warm: f64,
    cold: f64,
}

impl Default for Run {
    fn default() -> Run {
        Run {
            age: f64::NAN,
            warm: 0.0,
            cold: 0.0,
        }
    }
}

impl Run {
    /// The run's messages into `ages` (through the place's `slots`); the run left empty.
    fn settle(&mut self, ages: &mut sqs::Ages, slots: &mut [sqs::AgeSlot; 3], m: &Mapping) {
        let returned = m.retries.returned;
        let [warm, cold, back] = slots;
        ages.add_in(warm, self.warm * (1.0 - returned), self.age);
        ages.add_in(
            cold,
            self.cold * (1.0 - returned),
            self.age + m.cold_start_ms,
        );
        // A message sent back waits the visibility timeout, then its turn again.
        ages.add_in(
            back,
            (self.warm + self.cold) * returned,
            self.age * 2.0 + m.visibility_s * 1000.0,
        );
        self.warm = 0.0;
        self.cold = 0.0;
    }
}

/// The batch a receive gathers without a window or a backlog at each step of a curve: its
/// mean, and the share of its messages at each place ([`gathered_tail_into`]). They depend on
/// the step's rate and the mapping's batch and retries only, not on the function's memory.
#[derive(Debug, Clone, Default)]
pub struct Gathered {
    /// Places in a gathered batch.
    len: usize,
    /// Each step's mean batch.
    means: Vec<f64>,
    /// Each step's shares, `len` apiece.
    shares: Vec<f64>,
}

impl Gathered {
    /// The batches of at most `batch` gathered at each of `rates` (messages/s, each message
    /// received `attempts` times); none with a batching window (the window gathers).
    pub fn of(rates: &[f64], batch: f64, window_s: f64, attempts: f64) -> Gathered {
        if window_s > 0.0 {
            return Gathered::default();
        }
        let len = tail_len(batch);
        let mut tail = Vec::with_capacity(len);
        let mut out = Gathered {
            len,
            means: Vec::with_capacity(rates.len()),
            shares: Vec::with_capacity(rates.len() * len),
        };
        for &rate in rates {
            // The walk's arrivals, attempts included.
            gathered_tail_into(&mut tail, rate.max(0.0) * attempts, batch);
            let mean: f64 = tail.iter().sum();
            out.means.push(mean);
            out.shares.extend(tail.iter().map(|p| p / mean.max(1e-12)));
        }
        out
    }

    /// Step `i`'s mean batch and shares by place.
    fn at(&self, i: usize) -> Option<(f64, &[f64])> {
        let mean = *self.means.get(i)?;
        let from = i.checked_mul(self.len)?;
        Some((mean, self.shares.get(from..from.checked_add(self.len)?)?))
    }
}

/// Places in a gathered batch of at most `max` messages.
fn tail_len(max: f64) -> usize {
    max.clamp(1.0, sqs::PER_CALL) as usize
}

/// The batch a receive returns without a window or a backlog: the message that ended the
/// poll and those arriving within [`sqs::GATHER_S`] (Poisson), at most `max` and 10, as
/// P(batch ≥ k) for k = 1, 2, ... into `tail` (cleared first; its sum is the mean batch).
fn gathered_tail_into(tail: &mut Vec<f64>, rate: f64, max: f64) {
    tail.clear();
    let n = rate.max(0.0) * sqs::GATHER_S;
    let cap = tail_len(max);
    // P(N ≥ j) for the extra messages N ~ Poisson(n), j = 0..cap-1.
    let (mut pmf, mut below): (f64, f64) = ((-n).exp(), 0.0);
    for j in 0..cap {
        tail.push((1.0 - below).max(0.0));
        below += pmf;
        pmf *= n / (j as f64 + 1.0);
    }
}

/// The places messages take in their batch, with their shares and the wait for the batch to
/// fill: for a gathered batch, place k for the share P(batch ≥ k)/E[batch] (`gathered`, by
/// place); else `batch` places spread evenly (at most 8 points), the first waiting the whole
/// fill.
fn places_into(out: &mut Vec<(f64, f64, f64)>, batch: f64, fill_ms: f64, gathered: Option<&[f64]>) {
    out.clear();
    if let Some(shares) = gathered {
        out.extend(
            shares
                .iter()
                .enumerate()
                .map(|(k, &share)| (share, k as f64 + 1.0, 0.0)),
        );
        return;
    }
    const POINTS: usize = 8;
    out.extend((0..POINTS).map(|k| {
        let u = (k as f64 + 0.5) / POINTS as f64;
        (
            1.0 / POINTS as f64,
            (u * batch).floor() + 1.0,
            fill_ms * (1.0 - u),
        )
    }));
}

/// The largest batch of a queue's messages: the profile's, within the 6 MB invocation
/// payload.
fn largest_batch(d: &Demand, q: &Queue) -> f64 {
    let payload_kb = d.request.payload_kb.max(0.0);
    f64::from(q.batch_size.max(1)).min((BATCH_PAYLOAD_KB / payload_kb.max(1e-9)).floor().max(1.0))
}

/// The batches a receive gathers at each step of `d`'s curve from queue `q` ([`Gathered`]),
/// the same at every memory size: made once for a memory search's walks.
pub(super) fn gathered(d: &Demand, q: &Queue) -> Gathered {
    let batch = largest_batch(d, q);
    Gathered::of(
        &d.curve.rps,
        batch,
        q.batching_window_s,
        Retries::of(q, batch).attempts,
    )
}

/// The Lambda option of a queue at `memory_mb`; `gathers`: [`gathered`] for `d` and `q`, if
/// made already.
pub(super) fn queue_at(
    d: &Demand,
    q: &Queue,
    cfg: &LambdaConfig,
    book: &PriceBook,
    concurrency: &Concurrency,
    gathers: Option<&Gathered>,
    memory_mb: u32,
) -> Result<OptionPlan, Missing> {
    let start = book.quota(keys::Q_LAMBDA_SQS_START)?.value;
    let per_minute = book.quota(keys::Q_LAMBDA_SQS_SCALE_PER_MIN)?.value;
    let esm_max = book.quota(keys::Q_LAMBDA_SQS_MAX)?.value;
    let message_ms = duration_ms(&d.request, memory_mb);
    let payload_kb = d.request.payload_kb.max(0.0);
    let batch = largest_batch(d, q);
    let full_batch_s = batch * message_ms / 1000.0;
    let timeout_s = function_timeout_s(full_batch_s + q.batching_window_s);
    let visibility = visibility_s(q, timeout_s);
    let groups = match q.kind {
        QueueType::Fifo => q.message_groups.map(f64::from),
        QueueType::Standard => None,
    };
    let set = match q.max_concurrency {
        AutoOr::Fixed(c) => f64::from(c),
        AutoOr::Auto => esm_max,
    };
    let caps = [
        (set, CapBy::Mapping),
        (concurrency.limit(), CapBy::Function),
        (groups.unwrap_or(f64::INFINITY), CapBy::Groups),
    ];
    let (cap, by) = caps
        .iter()
        .copied()
        .fold((f64::INFINITY, CapBy::Mapping), |a, b| {
            if b.0 < a.0 { b } else { a }
        });
    let mapping = Mapping {
        message_ms,
        batch,
        window_s: q.batching_window_s,
        cap: cap.max(1.0),
        start: start.min(cap.max(1.0)),
        per_minute,
        visibility_s: visibility,
        retries: Retries::of(q, batch),
        cold_start_ms: cfg.cold_start_ms,
    };
    let w = match gathers {
        Some(g) => walk_gathered(&d.curve.rps, d.curve.step_s, &mapping, g),
        None => walk(&d.curve.rps, d.curve.step_s, &mapping),
    };
    let periods = d.curve.periods_per_month();
    let messages = d.monthly_requests();
    let invocations = w.invocations * periods;
    let usage = Usage {
        arch: cfg.architecture,
        memory_mb,
        requests: invocations,
        duration_ms: if w.invocations > 0.0 {
            w.invocation_ms / w.invocations
        } else {
            message_ms
        },
        provisioned: None,
        cold_starts: w.cold_starts * periods,
        init_ms: cfg.cold_start_ms,
        ephemeral_storage_mb: cfg.ephemeral_storage_mb,
    };
    let mut lines = bill(&usage, OWN_LINES, book, d.free)?;
    let requests = Requests {
        sends: messages * sqs::chunks(payload_kb),
        receives: w.receives * periods * sqs::chunks(batch.min(sqs::PER_CALL) * payload_kb),
        empty_receives: w.empty_receives * periods,
        deletes: w.deletes * periods,
    };
    lines.extend(sqs::bill(q.kind, &requests, d.free, book)?);
    lines.extend(crate::model::network::serverless(d, false, book)?);
    lines.extend(crate::model::logs::lambda(
        d,
        messages * mapping.retries.attempts,
        invocations,
        book,
    )?);
    let latency = Latency {
        p50: w.age.quantile(0.5),
        p99: w.age.quantile(0.99),
    };

    let mut verdict = Assessment::new();
    if full_batch_s * 1000.0 > super::TIMEOUT_MS {
        verdict.infeasible(format!(
            "A batch of {} messages takes {}, over Lambda's 15-minute timeout: lower `batch_size`.",
            fmt_num(batch),
            crate::model::words::duration(full_batch_s)
        ));
    }
    if d.request.memory_mb > super::MAX_MEMORY_MB {
        verdict.infeasible(format!(
            "A message needs {} MB, over Lambda's 10,240 MB maximum.",
            d.request.memory_mb
        ));
    }
    visibility_findings(
        q,
        full_batch_s + q.batching_window_s,
        timeout_s,
        visibility,
        &mut verdict,
    );
    if w.growing {
        verdict.infeasible(format!(
            "The function cannot keep up: {} concurrent batches ({}) handle {} msg/s, and the backlog grows day after day.",
            crate::format::count(mapping.cap.round()),
            by.words(),
            crate::format::rps(mapping.cap * 1000.0 / message_ms.max(1e-9))
        ));
    } else if w.peak_backlog >= 1.0 {
        let when = w
            .peak_backlog_step
            .map(|i| format!(" at {}", d.curve.time_of_step(i)))
            .unwrap_or_default();
        let cause = if w.peak_concurrency + 1e-9 >= mapping.cap {
            format!(
                "concurrency is capped at {} ({})",
                fmt_num(mapping.cap.round()),
                by.words()
            )
        } else {
            format!(
                "the mapping adds at most {} concurrent batches a minute",
                fmt_num(per_minute)
            )
        };
        verdict.risk(format!(
            "A backlog of {} messages builds{when}: {cause}; messages wait in the queue meanwhile.",
            crate::format::count(w.peak_backlog.round())
        ));
    }
    if let Some(target) = d.p99_age_target_s()
        && latency.p99 > target * 1000.0
    {
        verdict.infeasible(sqs::age_slo_missed(latency.p99, target, w.growing));
    }
    if let (Some(&m), Some(r)) = (q.max_concurrency.fixed(), concurrency.reserved)
        && m > r
    {
        verdict.risk(format!(
            "`max_concurrency` {m} is above the function's reserved concurrency {r}: the mapping's invocations are throttled and messages return to the queue (AWS advises max concurrency ≤ reserved)."
        ));
    }
    concurrency.check(&mut verdict, w.peak_concurrency);
    sqs::limits(
        q,
        d.curve.peak() * mapping.retries.attempts,
        w.peak_in_flight,
        payload_kb,
        book,
        &mut verdict,
    )?;
    retry_findings(q, &mapping.retries, messages, visibility, &mut verdict);
    sqs::dlq_risks(q, &mut verdict);

    let mut config = super::base_config(cfg, memory_mb);
    config.insert("ingress".into(), json!("sqs_event_source_mapping"));
    config.insert("duration_ms".into(), json!(round_to(usage.duration_ms, 1)));
    config.insert("queue_type".into(), json!(q.kind.as_str()));
    config.insert("batch_size".into(), json!(q.batch_size));
    config.insert(
        "mean_batch".into(),
        // What the invocations handled, not what arrived: a backlog that grows is not handled.
        json!(round_to(
            if w.invocations > 0.0 {
                w.handled / w.invocations
            } else {
                0.0
            },
            2
        )),
    );
    config.insert("batching_window_s".into(), json!(q.batching_window_s));
    config.insert(
        "max_concurrency".into(),
        match q.max_concurrency {
            AutoOr::Fixed(m) => json!(m),
            AutoOr::Auto => json!("auto"),
        },
    );
    config.insert("function_timeout_s".into(), json!(timeout_s));
    config.insert(
        "visibility_timeout_s".into(),
        json!(round_to(visibility, 1)),
    );
    config.insert("max_receives".into(), json!(q.max_receives));
    config.insert(
        "partial_batch_response".into(),
        json!(q.partial_batch_response),
    );
    config.insert(
        "peak_backlog_messages".into(),
        json!(w.peak_backlog.round()),
    );
    if w.growing {
        config.insert(sqs::BACKLOG_GROWS.into(), json!(true));
    }
    Ok(OptionPlan::new(
        Platform::Lambda,
        lines,
        verdict,
        Figures {
            config,
            throughput_rps: mapping.cap * 1000.0 / message_ms.max(1e-9),
            capacity: Capacity {
                peak: w.peak_concurrency,
                unit: "concurrent executions".into(),
            },
            latency_ms: latency,
            throttled_share: 0.0,
            makespan_s: None,
            capacity_rps: Vec::new(),
        },
    ))
}

/// What caps the mapping's concurrency.
#[derive(Debug, Clone, Copy, PartialEq)]
enum CapBy {
    Mapping,
    Function,
    Groups,
}

impl CapBy {
    fn words(self) -> &'static str {
        match self {
            CapBy::Mapping => "the event source mapping's maximum concurrency",
            CapBy::Function => "the function's concurrency limit",
            CapBy::Groups => "one batch per FIFO message group",
        }
    }
}

/// A visibility timeout shorter than a batch takes returns messages while they are handled
/// (every one handled twice): infeasible. Below the six function timeouts AWS recommends: a
/// risk of duplicates when a batch is slow or retried.
pub fn visibility_findings(
    q: &Queue,
    batch_s: f64,
    timeout_s: f64,
    visibility: f64,
    verdict: &mut Assessment,
) {
    if q.visibility_timeout_s.is_none() {
        return;
    }
    if visibility < batch_s {
        verdict.infeasible(format!(
            "The visibility timeout ({} s) is shorter than a batch takes ({} s): messages reappear while still being handled and are processed twice.",
            fmt_num(round_to(visibility, 1)),
            fmt_num(round_to(batch_s, 1))
        ));
    } else if visibility < sqs::VISIBILITY_PER_TIMEOUT * timeout_s {
        verdict.risk(format!(
            "The visibility timeout ({} s) is under the six function timeouts AWS recommends ({} s for a {} s timeout): a slow or retried batch may be delivered twice.",
            fmt_num(round_to(visibility, 1)),
            fmt_num(sqs::VISIBILITY_PER_TIMEOUT * timeout_s),
            fmt_num(timeout_s)
        ));
    }
}

/// Retries in plain words: what the failure share costs and where failed messages go.
pub fn retry_findings(
    q: &Queue,
    r: &Retries,
    messages: f64,
    visibility: f64,
    verdict: &mut Assessment,
) {
    if q.failure_share <= 0.0 {
        return;
    }
    let whole = if q.partial_batch_response {
        String::new()
    } else {
        " Without partial batch responses one failure returns its whole batch.".to_string()
    };
    verdict.risk(format!(
        "{} of handling attempts fail: {} attempts a message on average, {} of messages wait a further visibility timeout ({} s).{whole}",
        pct(q.failure_share),
        fmt_num(round_to(r.attempts, 3)),
        pct(r.returned),
        fmt_num(round_to(visibility, 1))
    ));
    let to_dlq = messages * r.to_dlq;
    if let Some(receives) = q.max_receives {
        verdict.risk(if to_dlq >= 1.0 {
            format!(
                "About {} messages a month go to the dead-letter queue after {receives} receives: someone must watch and redrive it.",
                crate::format::count(to_dlq.round())
            )
        } else {
            format!(
                "Transient failures alone send fewer than one message a month to the dead-letter queue (after {receives} receives); a poison message goes there after {receives} visibility timeouts."
            )
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping(message_ms: f64, batch: f64, cap: f64) -> Mapping {
        Mapping {
            message_ms,
            batch,
            window_s: 0.0,
            cap,
            start: 5.0f64.min(cap),
            per_minute: 300.0,
            visibility_s: 60.0,
            retries: Retries {
                returned: 0.0,
                attempts: 1.0,
                to_dlq: 0.0,
            },
            cold_start_ms: 0.0,
        }
    }

    /// A discrete-event simulation of the mapping: Poisson arrivals at `rates` (msg/s, one
    /// rate a step of `step_s`) into a FIFO queue, `cap` pollers each taking up to `batch`
    /// messages that wait when it polls, or the next to arrive and those arriving within
    /// [`sqs::GATHER_S`] after it, and handling them one after another. Returns the messages'
    /// ages, ms.
    fn simulate(rates: &[f64], step_s: f64, message_ms: f64, batch: usize, cap: usize) -> Vec<f64> {
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut uniform = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut arrivals = Vec::new();
        for (i, &rate) in rates.iter().enumerate() {
            let (from, to) = (i as f64 * step_s, (i + 1) as f64 * step_s);
            let mut t = from;
            loop {
                t += -(1.0 - uniform()).ln() / rate;
                if t >= to {
                    break;
                }
                arrivals.push(t * 1000.0);
            }
        }
        let mut free_at = vec![0.0f64; cap];
        let mut ages = Vec::with_capacity(arrivals.len());
        let mut next = 0;
        while next < arrivals.len() {
            let (p, &at) = free_at
                .iter()
                .enumerate()
                .min_by(|a, b| a.1.total_cmp(b.1))
                .unwrap();
            let poll = at.max(arrivals[next]);
            let gather = if at >= arrivals[next] {
                poll
            } else {
                poll + sqs::GATHER_S * 1000.0
            };
            let mut end = next + 1;
            while end < arrivals.len() && end - next < batch && arrivals[end] <= gather {
                end += 1;
            }
            let mut done = poll;
            for a in &arrivals[next..end] {
                done += message_ms;
                ages.push(done - a);
            }
            free_at[p] = done;
            next = end;
        }
        ages
    }

    fn quantile(mut v: Vec<f64>, q: f64) -> f64 {
        v.sort_by(f64::total_cmp);
        v[((v.len() as f64 * q) as usize).min(v.len() - 1)]
    }

    /// Uncapped, a message's age is its batch's handling: the walk and the simulation agree.
    #[test]
    fn age_without_backlog_matches_a_simulation() {
        let w = walk(&[40.0; 60], 60.0, &mapping(180.0, 10.0, 1000.0));
        let sim = simulate(&[40.0; 60], 60.0, 180.0, 10, 1000);
        let (p50, p99) = (w.age.quantile(0.5), w.age.quantile(0.99));
        let (s50, s99) = (quantile(sim.clone(), 0.5), quantile(sim, 0.99));
        assert!(w.peak_backlog < 1.0);
        assert!((p50 - s50).abs() / s50 < 0.25, "{p50} vs {s50}");
        assert!((p99 - s99).abs() / s99 < 0.25, "{p99} vs {s99}");
    }

    /// Capped below the load of a burst, a backlog builds and drains: the walk's backlog,
    /// its p50 and p99 ages are within a simulation's.
    #[test]
    fn backlog_under_a_cap_matches_a_simulation() {
        // 10 minutes at 100 msg/s then 50 minutes at 10, against 10 batches of 200 ms
        // messages (50 msg/s): 30,000 messages short by 50/s for 600 s.
        let mut rates = vec![100.0; 10];
        rates.extend([10.0; 50]);
        let w = walk(&rates, 60.0, &mapping(200.0, 10.0, 10.0));
        assert!(
            (w.peak_backlog - 30_000.0).abs() / 30_000.0 < 0.05,
            "{}",
            w.peak_backlog
        );
        assert!(!w.growing);
        let sim = simulate(&rates, 60.0, 200.0, 10, 10);
        for q in [0.5, 0.99] {
            let (wq, sq) = (
                w.age.quantile(q) / 1000.0,
                quantile(sim.clone(), q) / 1000.0,
            );
            assert!((wq - sq).abs() / sq < 0.2, "p{q}: {wq} s vs {sq} s");
        }
    }

    /// The walk as it was before its runs, remembered bins and shared gathered batches: one
    /// add of every age, step after step (the figures the faster walk must reproduce).
    fn reference_walk(rates: &[f64], step_s: f64, m: &Mapping) -> Walk {
        let mut backlog = 0.0;
        let mut used_prev = 0.0_f64;
        let mut out = Walk::default();
        let mut end_of_first = 0.0;
        // Reused every step: the gathered batch's tail and the places in a batch.
        let mut tail: Vec<f64> = Vec::with_capacity(sqs::PER_CALL as usize);
        let mut spots: Vec<(f64, f64, f64)> = Vec::with_capacity(10);
        for lap in 0..2 {
            let measure = lap == 1;
            for (i, &rate) in rates.iter().enumerate() {
                let rate = rate.max(0.0);
                let attempts_rate = rate * m.retries.attempts;
                let start_backlog = backlog;
                // The concurrency the mapping may reach this step: from what it ran, up by its
                // scaling rate, never below the batches it starts with, within every cap.
                let avail = (used_prev + m.per_minute * step_s / 60.0)
                    .max(m.start)
                    .min(m.cap)
                    .max(1.0);
                // A batch: full from a backlog; else what the window gathers, or a receive returns.
                let gathered = m.window_s <= 0.0;
                let free_batch = if gathered {
                    reference_tail(&mut tail, attempts_rate, m.batch);
                    tail.iter().sum()
                } else {
                    (rate * m.window_s).clamp(1.0, m.batch)
                };
                let capacity = avail * 1000.0 / m.message_ms.max(1e-9) * step_s;
                let inflow = attempts_rate * step_s;
                let handled = (backlog + inflow).min(capacity);
                backlog = backlog + inflow - handled;
                let queued = start_backlog > 1e-9 || backlog > 1e-9;
                let batch = if queued { m.batch } else { free_batch };
                let gathered = gathered && !queued;
                let batch_ms = batch * m.message_ms;
                let inv = handled / batch;
                let wanted = environments_wanted(inv / step_s, batch_ms, f64::INFINITY);
                let used = if queued { avail } else { wanted.min(avail) };
                if !measure {
                    used_prev = used;
                    continue;
                }
                let created = (used - used_prev).max(0.0);
                used_prev = used;
                let cold = cold_starts(created, inv, inv / step_s);
                out.invocations += inv;
                out.invocation_ms += inv * batch_ms;
                out.cold_starts += cold;
                let per_receive = batch.min(sqs::PER_CALL);
                out.receives += handled / per_receive;
                out.deletes += inv * (batch / sqs::PER_CALL).ceil();
                let idle = (m.start - used).max(0.0);
                out.empty_receives += sqs::empty_receives_per_s(idle, attempts_rate) * step_s;
                out.peak_concurrency = out.peak_concurrency.max(used);
                out.peak_in_flight = out.peak_in_flight.max(used * batch);
                if backlog > out.peak_backlog {
                    out.peak_backlog = backlog;
                    out.peak_backlog_step = Some(i);
                }
                // Message age: the backlog ahead (drained at this step's rate), the batch filling,
                // the place in the batch, the handling; cold starts and returned messages apart.
                let drain = handled / step_s;
                let wait_ms = if drain > 0.0 {
                    (start_backlog + backlog) / 2.0 / drain * 1000.0
                } else {
                    0.0
                };
                let fill_ms = if m.window_s > 0.0 && !queued {
                    (batch / rate.max(1e-9)).min(m.window_s) * 1000.0
                } else {
                    0.0
                };
                let weight = rate * step_s;
                let cold_share = if inv > 0.0 {
                    (cold / inv).clamp(0.0, 1.0)
                } else {
                    0.0
                };
                let returned = m.retries.returned;
                reference_places(
                    &mut spots,
                    batch,
                    fill_ms,
                    gathered.then_some(tail.as_slice()),
                );
                for &(share, place, fill_wait) in &spots {
                    let age = wait_ms + fill_wait + m.message_ms * place;
                    let w = weight * share;
                    let first = w * (1.0 - returned);
                    out.age.add(first * (1.0 - cold_share), age);
                    out.age.add(first * cold_share, age + m.cold_start_ms);
                    // A message sent back waits the visibility timeout, then its turn again.
                    out.age
                        .add(w * returned, age * 2.0 + m.visibility_s * 1000.0);
                }
            }
            if lap == 0 {
                end_of_first = backlog;
            }
        }
        out.growing = backlog > end_of_first + 1e-6 && backlog > 1.0;
        out
    }

    fn reference_tail(tail: &mut Vec<f64>, rate: f64, max: f64) {
        tail.clear();
        let n = rate.max(0.0) * sqs::GATHER_S;
        let cap = max.clamp(1.0, sqs::PER_CALL) as usize;
        // P(N ≥ j) for the extra messages N ~ Poisson(n), j = 0..cap-1.
        let (mut pmf, mut below): (f64, f64) = ((-n).exp(), 0.0);
        for j in 0..cap {
            tail.push((1.0 - below).max(0.0));
            below += pmf;
            pmf *= n / (j as f64 + 1.0);
        }
    }

    fn reference_places(
        out: &mut Vec<(f64, f64, f64)>,
        batch: f64,
        fill_ms: f64,
        gathered: Option<&[f64]>,
    ) {
        out.clear();
        if let Some(tail) = gathered {
            let mean: f64 = tail.iter().sum();
            out.extend(
                tail.iter()
                    .enumerate()
                    .map(|(k, p)| (p / mean.max(1e-12), k as f64 + 1.0, 0.0)),
            );
            return;
        }
        const POINTS: usize = 8;
        out.extend((0..POINTS).map(|k| {
            let u = (k as f64 + 0.5) / POINTS as f64;
            (
                1.0 / POINTS as f64,
                (u * batch).floor() + 1.0,
                fill_ms * (1.0 - u),
            )
        }));
    }

    /// The walk gives the figures the straightforward one did (before its runs of steps,
    /// remembered bins and gathered batches shared across sizes): the same counts to rounding,
    /// the same p50 and p99 ages, on a bursty and a diurnal day, with and without a batching
    /// window, failures, cold starts and a backlog.
    #[test]
    fn the_walk_matches_the_straightforward_one() {
        let bursty = crate::model::traffic::Curve::bursty(40.0, 6.0).rps;
        let diurnal = crate::model::traffic::Curve::diurnal(300.0, 3.0).rps;
        let retries = Retries {
            returned: 0.01,
            attempts: 1.0 / 0.99,
            to_dlq: 0.0,
        };
        let cases = [
            (bursty.clone(), mapping(357.3, 10.0, 1000.0)),
            (
                bursty.clone(),
                Mapping {
                    retries,
                    cold_start_ms: 400.0,
                    ..mapping(200.0, 10.0, 1000.0)
                },
            ),
            (
                bursty.clone(),
                Mapping {
                    retries,
                    ..mapping(300.0, 10.0, 30.0)
                },
            ),
            (
                diurnal.clone(),
                Mapping {
                    window_s: 2.0,
                    cold_start_ms: 250.0,
                    ..mapping(120.0, 25.0, 1000.0)
                },
            ),
            (diurnal, mapping(180.0, 1.0, 100.0)),
            (
                bursty,
                Mapping {
                    window_s: 0.5,
                    retries,
                    ..mapping(90.0, 10.0, 20.0)
                },
            ),
        ];
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0);
        for (i, (rates, m)) in cases.iter().enumerate() {
            let (new, old) = (walk(rates, 60.0, m), reference_walk(rates, 60.0, m));
            for (what, a, b) in [
                ("invocations", new.invocations, old.invocations),
                ("invocation_ms", new.invocation_ms, old.invocation_ms),
                ("cold_starts", new.cold_starts, old.cold_starts),
                ("receives", new.receives, old.receives),
                ("empty_receives", new.empty_receives, old.empty_receives),
                ("deletes", new.deletes, old.deletes),
                (
                    "peak_concurrency",
                    new.peak_concurrency,
                    old.peak_concurrency,
                ),
                ("peak_in_flight", new.peak_in_flight, old.peak_in_flight),
                ("peak_backlog", new.peak_backlog, old.peak_backlog),
            ] {
                assert!(close(a, b), "case {i} {what}: {a} vs {b}");
            }
            assert_eq!(new.peak_backlog_step, old.peak_backlog_step, "case {i}");
            assert_eq!(new.growing, old.growing, "case {i}");
            for q in [0.5, 0.9, 0.99, 0.999] {
                assert_eq!(new.age.quantile(q), old.age.quantile(q), "case {i} p{q}");
            }
        }
        // Some case builds a backlog and some gathers without one.
        assert!(
            cases
                .iter()
                .any(|(r, m)| walk(r, 60.0, m).peak_backlog > 100.0)
        );
    }

    /// The mapping cannot reach more than its cap: a load it cannot carry grows the backlog.
    #[test]
    fn a_cap_below_the_average_load_never_catches_up() {
        let w = walk(&[100.0; 60], 60.0, &mapping(200.0, 10.0, 10.0));
        assert!(w.growing);
    }

    /// The mapping scales by 300 concurrent batches a minute from 5: a sudden load needing
    /// 1,000 waits for the ramp (a backlog), one needing 200 does not.
    #[test]
    fn the_mapping_ramps_by_300_a_minute() {
        let mut rates = vec![0.0; 30];
        rates.extend([5000.0; 10]);
        rates.extend([0.0; 20]);
        let w = walk(&rates, 60.0, &mapping(200.0, 10.0, 1000.0));
        assert!(w.peak_backlog > 10_000.0, "{}", w.peak_backlog);
        let fast = Mapping {
            per_minute: f64::INFINITY,
            ..mapping(200.0, 10.0, 1000.0)
        };
        assert!(walk(&rates, 60.0, &fast).peak_backlog < 1.0);
    }

    /// An idle queue: the mapping's five pollers make 3 empty receives a minute each.
    #[test]
    fn idle_pollers_bill_empty_receives() {
        let w = walk(&[0.0; 60], 60.0, &mapping(200.0, 10.0, 1000.0));
        assert!(
            (w.empty_receives - 5.0 * 3.0 * 60.0).abs() < 1e-6,
            "{}",
            w.empty_receives
        );
        let busy = walk(&[40.0; 60], 60.0, &mapping(200.0, 10.0, 1000.0));
        assert!(busy.empty_receives < 1.0);
    }

    #[test]
    fn visibility_shorter_than_a_batch_is_infeasible_and_under_six_timeouts_a_risk() {
        let q = Queue {
            visibility_timeout_s: Some(1.0),
            ..Queue::default()
        };
        let mut v = Assessment::new();
        visibility_findings(&q, 1.8, 4.0, 1.0, &mut v);
        assert!(!v.feasible());
        let q = Queue {
            visibility_timeout_s: Some(10.0),
            ..Queue::default()
        };
        let mut v = Assessment::new();
        visibility_findings(&q, 1.8, 4.0, 10.0, &mut v);
        assert!(v.feasible() && v.risks().count() == 1);
        let mut v = Assessment::new();
        visibility_findings(&Queue::default(), 1.8, 4.0, 24.0, &mut v);
        assert_eq!(v.risks().count(), 0);
    }
}
