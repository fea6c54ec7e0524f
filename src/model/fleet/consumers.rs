//! A queue's consumers on a fleet (ECS, EC2), `kind: queue`: each process runs its
//! `concurrency_per_task` / `concurrency_per_process` workers, each long-polling the queue
//! (up to 10 messages a receive, 20 s waits; an idle worker makes 3 empty receives a minute)
//! and deleting what it handled in batches. The fleet is the service search's (a worker is a
//! request slot; autoscaling follows the message rate with the platform's scale-out lag, as a
//! backlog-per-worker target tracks it); here: the SQS requests its workers make, the backlog
//! its capacity leaves during a burst (messages wait in the queue, nothing is shed), the
//! message age that follows, and the queue's findings.

use super::{FleetRun, Unit};
use crate::model::assess::Assessment;
use crate::model::demand::Demand;
use crate::model::plan::{Latency, LineItem};
use crate::model::sqs::{self, Requests, Retries};
use crate::model::words::round_to;
use crate::pricing::{Missing, PriceBook};
use crate::profile::Queue;
use serde_json::json;
use std::collections::BTreeMap;

/// What a fleet's workers do to the queue in a month.
#[derive(Debug, Clone)]
pub struct Consumed {
    /// The `sqs_requests` line (and its free-tier credit).
    pub lines: Vec<LineItem>,
    /// Message age from the backlog: the wait for the capacity a burst outran, plus handling.
    pub age: Latency,
    pub findings: Assessment,
    pub config: BTreeMap<String, serde_json::Value>,
}

/// The queue's side of a fleet consuming it: `run` is the fleet's month (units at each step),
/// `unit` one task or instance.
pub fn consume(
    d: &Demand,
    q: &Queue,
    run: &FleetRun,
    unit: &Unit,
    book: &PriceBook,
) -> Result<Consumed, Missing> {
    let workers_per_unit = unit.slots();
    let wall_ms = unit.wall_ms();
    // A worker handles the messages it received one after another and deletes them with one
    // DeleteMessageBatch: failures return one message at a time (its own).
    let retries = Retries::of(
        &Queue {
            partial_batch_response: true,
            ..q.clone()
        },
        1.0,
    );
    let step_s = d.curve.step_s;
    let (mut receives, mut empty, mut deletes, mut peak_busy) = (0.0, 0.0, 0.0, 0.0_f64);
    let (mut backlog, mut peak_backlog, mut peak_step) = (0.0, 0.0_f64, None);
    let mut age = sqs::Ages::new();
    let mut end_of_first = 0.0;
    for lap in 0..2 {
        for (i, &rate) in d.curve.rps.iter().enumerate() {
            let attempts = rate.max(0.0) * retries.attempts;
            let units = run.running.get(i).copied().unwrap_or(0.0);
            let capacity = units * unit.throughput_rps();
            let start = backlog;
            let handled = (backlog + attempts * step_s).min(capacity * step_s);
            backlog = backlog + attempts * step_s - handled;
            if lap == 0 {
                continue;
            }
            let workers = units * workers_per_unit;
            let busy = (handled / step_s * wall_ms / 1000.0).min(workers);
            peak_busy = peak_busy.max(busy);
            let per_receive = if backlog > 1e-9 {
                sqs::PER_CALL
            } else {
                sqs::messages_per_receive(attempts, sqs::PER_CALL)
            };
            receives += handled / per_receive;
            deletes += handled * (1.0 - retries.returned) / per_receive;
            empty += sqs::empty_receives_per_s(workers - busy, attempts) * step_s;
            if backlog > peak_backlog {
                peak_backlog = backlog;
                peak_step = Some(i);
            }
            let drain = handled / step_s;
            let wait_ms = if drain > 0.0 {
                (start + backlog) / 2.0 / drain * 1000.0
            } else {
                0.0
            };
            age.add(rate * step_s, wait_ms + wall_ms);
        }
        if lap == 0 {
            end_of_first = backlog;
        }
    }
    let periods = d.curve.periods_per_month();
    let messages = d.monthly_requests();
    let payload_kb = d.request.payload_kb.max(0.0);
    let requests = Requests {
        sends: messages * sqs::chunks(payload_kb),
        receives: receives * periods,
        empty_receives: empty * periods,
        deletes: deletes * periods,
    };
    let lines = sqs::bill(q.kind, &requests, d.free, book)?;

    let mut findings = Assessment::new();
    let timeout_s = crate::model::lambda::queue::function_timeout_s(wall_ms / 1000.0);
    let visibility = crate::model::lambda::queue::visibility_s(q, timeout_s);
    crate::model::lambda::queue::visibility_findings(
        q,
        wall_ms / 1000.0,
        timeout_s,
        visibility,
        &mut findings,
    );
    let age = Latency {
        p50: age.quantile(0.5),
        p99: age.quantile(0.99),
    };
    let grows = sqs::backlog_grows(end_of_first, backlog);
    if grows {
        findings.infeasible(
            "The workers cannot keep up: the backlog grows day after day (raise the max units or the workers per unit).",
        );
    } else if peak_backlog >= 1.0 {
        let when = peak_step
            .map(|i| format!(" at {}", d.curve.time_of_step(i)))
            .unwrap_or_default();
        findings.risk(format!(
            "A backlog of {} messages builds{when} while the fleet scales out; messages wait in the queue meanwhile.",
            crate::format::count(peak_backlog.round())
        ));
    }
    if let Some(target) = d.p99_age_target_s()
        && age.p99 > target * 1000.0
    {
        findings.infeasible(sqs::age_slo_missed(age.p99, target, grows));
    }
    sqs::limits(
        q,
        d.curve.peak() * retries.attempts,
        peak_busy.max(1.0),
        payload_kb,
        book,
        &mut findings,
    )?;
    crate::model::lambda::queue::retry_findings(q, &retries, messages, visibility, &mut findings);
    sqs::dlq_risks(q, &mut findings);
    let mut config = BTreeMap::new();
    config.insert("queue_type".into(), json!(q.kind.as_str()));
    config.insert("workers_per_unit".into(), json!(workers_per_unit));
    config.insert("messages_per_receive_max".into(), json!(sqs::PER_CALL));
    config.insert("wait_time_s".into(), json!(sqs::LONG_POLL_S));
    config.insert(
        "visibility_timeout_s".into(),
        json!(round_to(visibility, 1)),
    );
    config.insert("max_receives".into(), json!(q.max_receives));
    config.insert("peak_backlog_messages".into(), json!(peak_backlog.round()));
    if grows {
        config.insert(sqs::BACKLOG_GROWS.into(), json!(true));
    }
    Ok(Consumed {
        lines,
        age,
        findings,
        config,
    })
}
