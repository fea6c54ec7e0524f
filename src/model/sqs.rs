//! Amazon SQS for `kind: queue`: what the queue's requests are (producers' sends, consumers'
//! receives, empty receives, deletes), the one place they are billed ([`bill`], the
//! `sqs_requests` line), and the queue's own limits and retry arithmetic, which every platform
//! reads.
//!
//! Sources:
//! - Pricing: https://aws.amazon.com/sqs/pricing/ — every API action is a request; each 64 KB
//!   chunk of a payload is one request; 1M requests a month free (standard and FIFO
//!   together). The page gives no worked example: the tests check the published rate by hand.
//! - Long polling waits at most 20 s
//!   (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-short-and-long-polling.html);
//!   a receive returns at most 10 messages, a batch action carries at most 10
//!   (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html).
//! - FIFO throughput: 300 API calls a second per action, 3,000 messages with batches of 10;
//!   high-throughput mode more (the book's quotas)
//!   (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html).

use super::billing::{self, FreeTier};
use super::plan::LineItem;
use crate::pricing::{Missing, PriceBook, keys};
use crate::profile::{Queue, QueueType};

/// The longest long-poll wait, s: an idle poller makes one (empty) receive per 20 s.
pub const LONG_POLL_S: f64 = 20.0;
/// Most messages one ReceiveMessage returns, and one DeleteMessageBatch / SendMessageBatch
/// carries.
pub const PER_CALL: f64 = 10.0;
/// Each 64 KB chunk of a request's payload is billed as one request.
pub const CHUNK_KB: f64 = 64.0;
/// How long a receive gathers messages that arrived meanwhile, s: a long poll returns as soon
/// as a message is there, with the others that arrived within its round trip. AWS publishes no
/// figure; 20 ms is an in-Region API round trip.
pub const GATHER_S: f64 = 0.02;
/// Visibility timeout AWS recommends for a Lambda consumer: at least six times the function's
/// timeout (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html).
pub const VISIBILITY_PER_TIMEOUT: f64 = 6.0;
/// A poison message without a DLQ is received until the queue's retention drops it: 4 days by
/// default (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html).
pub const DEFAULT_RETENTION_S: f64 = 345_600.0;

/// Requests billed per call carrying `kb` of payload (at least one).
pub fn chunks(kb: f64) -> f64 {
    (kb.max(0.0) / CHUNK_KB).ceil().max(1.0)
}

/// Messages one receive returns when messages arrive at `rate`/s and the consumer takes at
/// most `max` a call: the first one and those arriving within [`GATHER_S`].
pub fn messages_per_receive(rate: f64, max: f64) -> f64 {
    (1.0 + rate.max(0.0) * GATHER_S).clamp(1.0, max.clamp(1.0, PER_CALL))
}

/// Empty receives a second from `idle` pollers long-polling a queue that gets `rate`
/// messages/s: each waits up to 20 s, and comes back empty when no message arrives for it
/// meanwhile (its share of the arrivals, Poisson).
pub fn empty_receives_per_s(idle: f64, rate: f64) -> f64 {
    if idle <= 0.0 {
        return 0.0;
    }
    idle / LONG_POLL_S * (-rate.max(0.0) * LONG_POLL_S / idle).exp()
}

/// Messages' ages, weighted, in log-spaced bins (1% wide): O(1) to add, one pass for a
/// quantile. A day's walk adds tens of thousands of populations (every step, every place in
/// a batch), too many for [`crate::model::latency::LatencyMix`]'s exact tails.
#[derive(Debug, Clone, Default)]
pub struct Ages {
    bins: Vec<f64>,
    total: f64,
}

/// The last age one source of ages added, its bin, and the weight added at it since it
/// last went into the bin, for [`Ages::add_in`].
#[derive(Debug, Clone, Copy)]
pub struct AgeSlot {
    ms: f64,
    bin: usize,
    pending: f64,
}

impl Default for AgeSlot {
    /// No age yet (NaN equals no age).
    fn default() -> AgeSlot {
        AgeSlot {
            ms: f64::NAN,
            bin: 0,
            pending: 0.0,
        }
    }
}

/// Bin width: each bin's upper edge is 1% above its lower one.
const AGE_BIN_RATIO: f64 = 1.01;

impl Ages {
    pub fn new() -> Ages {
        Ages::default()
    }

    fn bin(ms: f64) -> usize {
        // ln(1.01), computed once (the same value `AGE_BIN_RATIO.ln()` gives each time).
        static LN_RATIO: std::sync::LazyLock<f64> = std::sync::LazyLock::new(|| AGE_BIN_RATIO.ln());
        if ms <= 1.0 {
            0
        } else {
            (ms.ln() / *LN_RATIO).ceil().min(5_000.0) as usize
        }
    }

    /// `weight` messages of age `ms`.
    pub fn add(&mut self, weight: f64, ms: f64) {
        if !(weight > 0.0 && weight.is_finite() && ms.is_finite()) {
            return;
        }
        self.add_to_bin(Ages::bin(ms.max(0.0)), weight);
        self.total += weight;
    }

    /// [`Ages::add`] for a source of ages that repeat (a walk adds the same few ages step
    /// after step: no backlog, the same places in a batch): while `ms` is the age `slot` last
    /// saw, the weight gathers in the slot, and goes into the age's bin, worked out once,
    /// when the age changes or at [`Ages::settle`] (call it before reading a quantile). The
    /// same bins and total; a bin's sum in another order, which moves it by rounding only.
    #[allow(clippy::eq_op)] // `x - x`: the finiteness test below
    pub fn add_in(&mut self, slot: &mut AgeSlot, weight: f64, ms: f64) {
        // Finite and positive, as `add` asks: `x - x` is 0 for a finite x, NaN otherwise (a
        // float compare; `is_finite` compiles to a dozen bit tests).
        if !(weight > 0.0 && weight - weight == 0.0 && ms - ms == 0.0) {
            return;
        }
        if ms != slot.ms {
            self.settle(slot);
            *slot = AgeSlot {
                ms,
                bin: Ages::bin(ms.max(0.0)),
                pending: 0.0,
            };
        }
        slot.pending += weight;
        self.total += weight;
    }

    /// The weight gathered in `slot` into its bin.
    pub fn settle(&mut self, slot: &mut AgeSlot) {
        if slot.pending > 0.0 {
            self.add_to_bin(slot.bin, slot.pending);
            slot.pending = 0.0;
        }
    }

    /// `weight` into bin `b` (the total is its caller's).
    fn add_to_bin(&mut self, b: usize, weight: f64) {
        if self.bins.len() <= b {
            self.bins.resize(b + 1, 0.0);
        }
        self.bins[b] += weight;
    }

    /// The age `q` of the messages are within, ms (the bin's upper edge: at most 1% high).
    pub fn quantile(&self, q: f64) -> f64 {
        if self.total <= 0.0 {
            return 0.0;
        }
        let target = q.clamp(0.0, 1.0) * self.total;
        let mut seen = 0.0;
        for (b, w) in self.bins.iter().enumerate() {
            seen += w;
            if seen >= target * (1.0 - 1e-12) && *w > 0.0 {
                return AGE_BIN_RATIO.powi(b as i32);
            }
        }
        AGE_BIN_RATIO.powi(self.bins.len().saturating_sub(1) as i32)
    }
}

/// Whether a queue's backlog grows day after day: a walk of two days leaves more at the end
/// of the second (`end_of_second`) than of the first (`end_of_first`), and more than a
/// message. Its consumers cannot keep up.
pub fn backlog_grows(end_of_first: f64, end_of_second: f64) -> bool {
    end_of_second > end_of_first + 1e-6 && end_of_second > 1.0
}

/// The config key a queue option carries, `true`, when its consumers cannot keep up and the
/// backlog grows day after day: its message ages have no bound (the figures are those after
/// the walk's second day). Absent otherwise.
pub const BACKLOG_GROWS: &str = "backlog_grows";

/// The finding of a queue option whose p99 message age (`p99_ms`) misses the SLO
/// (`target_s`); a backlog that `grows` day after day has no p99 worth quoting.
pub fn age_slo_missed(p99_ms: f64, target_s: f64, grows: bool) -> String {
    let target = crate::model::words::fmt_num(target_s);
    if grows {
        format!("p99 message age grows without bound, missing the {target} s SLO.")
    } else {
        format!(
            "p99 message age {} misses the {target} s SLO.",
            crate::model::words::duration(p99_ms / 1000.0)
        )
    }
}

/// How failures and retries multiply a queue's work: each handling attempt fails with the
/// queue's `failure_share`; a failed message (or, without partial batch responses, its whole
/// batch) returns to the queue after the visibility timeout, and with `max_receives` goes to
/// the DLQ after that many receives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Retries {
    /// Share of attempts that send a message back: its own failure, or its batch's.
    pub returned: f64,
    /// Attempts per message (1 without failures).
    pub attempts: f64,
    /// Share of messages redriven to the DLQ (0 without one: they stay until retention).
    pub to_dlq: f64,
}

impl Retries {
    /// The retry arithmetic for messages handled in batches of `batch`.
    pub fn of(q: &Queue, batch: f64) -> Retries {
        let f = q.failure_share.clamp(0.0, 0.999);
        let returned = if q.partial_batch_response {
            f
        } else {
            1.0 - (1.0 - f).powf(batch.max(1.0))
        }
        .clamp(0.0, 0.999);
        // Geometric: attempts until success, at most `max_receives` of them.
        let (attempts, to_dlq) = match q.max_receives {
            Some(r) => {
                let r = r.max(1) as i32;
                (
                    (1.0 - returned.powi(r)) / (1.0 - returned),
                    returned.powi(r),
                )
            }
            None => (1.0 / (1.0 - returned), 0.0),
        };
        Retries {
            returned,
            attempts,
            to_dlq,
        }
    }
}

/// A month of the queue's requests, by action.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Requests {
    /// Producers' SendMessage calls, one a message (chunked by its size).
    pub sends: f64,
    /// ReceiveMessage calls that returned messages (chunked by what they carried).
    pub receives: f64,
    /// ReceiveMessage calls that waited 20 s and returned nothing.
    pub empty_receives: f64,
    /// DeleteMessageBatch calls, up to 10 receipt handles each.
    pub deletes: f64,
}

impl Requests {
    /// The requests of `messages` sent a month of `payload_kb` each, received `attempts`
    /// times each in receives of `per_receive` messages, deleted once in batches of up to 10
    /// (per handled batch of `batch` messages), with `empty` empty receives.
    pub fn of(
        messages: f64,
        payload_kb: f64,
        attempts: f64,
        per_receive: f64,
        batch: f64,
        empty: f64,
    ) -> Requests {
        let per_receive = per_receive.max(1.0);
        let receives = messages * attempts / per_receive * chunks(per_receive * payload_kb);
        let batches = messages / batch.max(1.0);
        Requests {
            // Producers send one message a call: those that batch pay less (say so).
            sends: messages * chunks(payload_kb),
            receives,
            empty_receives: empty,
            deletes: batches * (batch.max(1.0) / PER_CALL).ceil(),
        }
    }

    pub fn total(&self) -> f64 {
        self.sends + self.receives + self.empty_receives + self.deletes
    }
}

/// The book's price key for a queue type's requests.
pub fn price_key(kind: QueueType) -> &'static str {
    match kind {
        QueueType::Standard => keys::SQS_STANDARD_REQUESTS,
        QueueType::Fifo => keys::SQS_FIFO_REQUESTS,
    }
}

/// The `sqs_requests` line of a month's requests, with the free tier's credit (1M requests
/// a month, standard and FIFO together) as a line of its own.
pub fn bill(
    kind: QueueType,
    requests: &Requests,
    free: FreeTier,
    book: &PriceBook,
) -> Result<Vec<LineItem>, Missing> {
    let price = book.price(price_key(kind))?;
    let total = requests.total();
    let mut lines = vec![billing::line("sqs_requests", total, price)];
    if let Some((credit, _)) =
        billing::free_credit(total, free.sqs_requests, price, "SQS 1M requests")
    {
        lines.push(credit);
    }
    Ok(lines)
}

/// The queue's own limits at a peak of `peak_rate` messages/s with `in_flight` messages
/// received and not yet deleted at the busiest moment: findings for every platform.
pub fn limits(
    q: &Queue,
    peak_rate: f64,
    in_flight: f64,
    payload_kb: f64,
    book: &PriceBook,
    verdict: &mut super::Assessment,
) -> Result<(), Missing> {
    use super::words::fmt_num;
    let max_kb = book.quota(keys::Q_SQS_MESSAGE_KB)?.value;
    if payload_kb > max_kb {
        verdict.infeasible(format!(
            "A message of {} KB is over SQS's {} KB maximum (store the body in S3 and send a pointer).",
            fmt_num(payload_kb.round()),
            fmt_num(max_kb)
        ));
    }
    match q.kind {
        QueueType::Standard => {
            let cap = book.quota(keys::Q_SQS_IN_FLIGHT_STANDARD)?.value;
            if in_flight > cap {
                verdict.infeasible(format!(
                    "{} messages in flight at the peak, over a standard queue's {} (SQS refuses receives beyond it with OverLimit).",
                    crate::format::count(in_flight),
                    crate::format::count(cap)
                ));
            }
        }
        QueueType::Fifo => {
            let cap = book.quota(keys::Q_SQS_IN_FLIGHT_FIFO)?.value;
            if in_flight > cap {
                verdict.risk(format!(
                    "{} messages in flight at the peak, over a FIFO queue's {}: SQS returns no error but holds back delivery.",
                    crate::format::count(in_flight),
                    crate::format::count(cap)
                ));
            }
            let calls = book
                .quota(if q.high_throughput {
                    keys::Q_SQS_FIFO_HT_CALLS
                } else {
                    keys::Q_SQS_FIFO_CALLS
                })?
                .value;
            let mode = if q.high_throughput {
                "high-throughput mode"
            } else {
                "a FIFO queue"
            };
            let batched = calls * PER_CALL;
            if peak_rate > batched {
                verdict.infeasible(format!(
                    "Peak of {} msg/s is over {mode}'s {} messages/s per API action even in batches of 10 ({} calls/s).",
                    fmt_num(peak_rate.round()),
                    crate::format::count(batched),
                    crate::format::count(calls)
                ));
            } else if peak_rate > calls {
                verdict.risk(format!(
                    "Peak of {} msg/s is over {mode}'s {} API calls/s per action: producers must send in batches (SendMessageBatch) and consumers receive up to 10 a call.",
                    fmt_num(peak_rate.round()),
                    crate::format::count(calls)
                ));
            }
        }
    }
    Ok(())
}

/// The poison-message and DLQ findings every platform shares, in plain words.
pub fn dlq_risks(q: &Queue, verdict: &mut super::Assessment) {
    match (q.max_receives, q.kind) {
        (None, QueueType::Standard) => verdict.risk(
            "No dead-letter queue (`max_receives` unset): a message that always fails is received again after every visibility timeout until the queue's retention drops it (4 days by default), billed each time.",
        ),
        (None, QueueType::Fifo) => verdict.risk(
            "No dead-letter queue (`max_receives` unset): a message that always fails blocks its message group — nothing behind it in the group is delivered — until the queue's retention drops it (4 days by default).",
        ),
        (Some(r), QueueType::Fifo) => verdict.risk(format!(
            "A failing message holds its message group for up to {r} receives (each after the visibility timeout) before it goes to the dead-letter queue."
        )),
        (Some(_), QueueType::Standard) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testkit::book;

    /// The SQS pricing page gives no worked example: by hand from its published rate, $0.40
    /// per million standard requests, $0.50 FIFO, the first 1M a month free. 3M messages of
    /// 3 KB sent one a call, received and deleted in tens: 3M sends + 300k receives + 300k
    /// deletes = 3.6M requests = $1.44; with the free tier $1.04.
    #[test]
    fn bills_requests_at_the_published_rate() {
        let r = Requests::of(3e6, 3.0, 1.0, 10.0, 10.0, 0.0);
        assert_eq!(r.sends, 3e6);
        assert_eq!(r.receives, 3e5);
        assert_eq!(r.deletes, 3e5);
        let lines = bill(QueueType::Standard, &r, FreeTier::none(), &book()).unwrap();
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].item, "sqs_requests");
        assert!((billing::total(&lines) - 1.44).abs() < 0.005, "{lines:?}");
        let free = FreeTier {
            sqs_requests: 1e6,
            ..FreeTier::none()
        };
        let lines = bill(QueueType::Standard, &r, free, &book()).unwrap();
        assert!((billing::total(&lines) - 1.04).abs() < 0.005, "{lines:?}");
        let lines = bill(QueueType::Fifo, &r, FreeTier::none(), &book()).unwrap();
        assert!((billing::total(&lines) - 1.80).abs() < 0.005, "{lines:?}");
    }

    /// Each 64 KB chunk is a request: a 256 KB message sent is 4 requests; a 65 KB one 2.
    #[test]
    fn each_64_kb_chunk_is_a_request() {
        assert_eq!(chunks(0.5), 1.0);
        assert_eq!(chunks(64.0), 1.0);
        assert_eq!(chunks(65.0), 2.0);
        assert_eq!(chunks(256.0), 4.0);
        let r = Requests::of(1e6, 256.0, 1.0, 1.0, 1.0, 0.0);
        assert_eq!(r.sends, 4e6);
        assert_eq!(r.receives, 4e6);
    }

    /// An idle long-poller makes 3 empty receives a minute (one per 20 s): five of Lambda's
    /// pollers on an idle queue make 657,000 a month.
    #[test]
    fn idle_pollers_make_three_receives_a_minute() {
        assert!((empty_receives_per_s(1.0, 0.0) * 60.0 - 3.0).abs() < 1e-12);
        let month = empty_receives_per_s(5.0, 0.0) * crate::model::traffic::MONTH_S;
        assert!((month - 657_000.0).abs() < 1e-6);
        // Busy enough that every poll finds a message: no empty receives.
        assert!(empty_receives_per_s(5.0, 40.0) < 1e-60);
    }

    #[test]
    fn retries_multiply_attempts_and_whole_batches_return_without_partial_responses() {
        let q = Queue {
            failure_share: 0.1,
            max_receives: Some(3),
            ..Queue::default()
        };
        let r = Retries::of(&q, 10.0);
        assert!((r.attempts - (1.0 + 0.1 + 0.01)).abs() < 1e-12);
        assert!((r.to_dlq - 0.001).abs() < 1e-12);
        let whole = Retries::of(
            &Queue {
                partial_batch_response: false,
                ..q.clone()
            },
            10.0,
        );
        assert!((whole.returned - (1.0 - 0.9f64.powi(10))).abs() < 1e-12);
        assert!(whole.attempts > 1.5, "{whole:?}");
        let no_dlq = Retries::of(
            &Queue {
                max_receives: None,
                ..q
            },
            10.0,
        );
        assert!((no_dlq.attempts - 1.0 / 0.9).abs() < 1e-12);
        assert_eq!(no_dlq.to_dlq, 0.0);
    }

    /// Each limit fails when ignored: FIFO's 300 calls/s (risk) and 3,000 messages/s
    /// (infeasible), high-throughput mode's higher figure, the message size, in-flight.
    #[test]
    fn queue_limits_bite() {
        let b = book();
        let fifo = Queue {
            kind: QueueType::Fifo,
            ..Queue::default()
        };
        let check = |q: &Queue, peak: f64, in_flight: f64, kb: f64| {
            let mut v = crate::model::Assessment::new();
            limits(q, peak, in_flight, kb, &b, &mut v).unwrap();
            v
        };
        let first = |v: &crate::model::Assessment| v.risks().next().unwrap_or("").to_string();
        assert_eq!(check(&fifo, 250.0, 10.0, 3.0).risks().count(), 0);
        let v = check(&fifo, 1000.0, 10.0, 3.0);
        assert!(
            v.feasible() && first(&v).contains("300 API calls/s"),
            "{v:?}"
        );
        let v = check(&fifo, 5000.0, 10.0, 3.0);
        assert!(
            !v.feasible() && first(&v).contains("3,000 messages/s"),
            "{v:?}"
        );
        let ht = Queue {
            high_throughput: true,
            ..fifo.clone()
        };
        assert!(check(&ht, 5000.0, 10.0, 3.0).feasible());
        let std = Queue::default();
        assert!(check(&std, 50_000.0, 10.0, 3.0).feasible());
        assert!(!check(&std, 10.0, 10.0, 2048.0).feasible());
        assert!(check(&std, 10.0, 10.0, 1000.0).feasible());
        assert!(!check(&std, 10.0, 130_000.0, 3.0).feasible());
        assert!(check(&fifo, 10.0, 130_000.0, 3.0).feasible());
    }
}
