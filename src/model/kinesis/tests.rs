#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use super::*;
use crate::model::billing::FreeTier;
use crate::model::demand::Demand;
use crate::model::testkit::{book, stream};
use crate::model::traffic::Curve;
use crate::profile::{Shape, Stream};

fn flat(rps: f64, kb: f64, ms: f64, s: Stream) -> crate::profile::Workload {
    stream(rps, Shape::Flat, 1.0, kb, ms, s)
}

fn kcl() -> Reader {
    Reader {
        lanes: 1.0,
        record_ms: 1.0,
        batch_max: 10_000.0,
        window_s: 0.0,
    }
}

fn provisioned() -> Stream {
    Stream {
        capacity: StreamCapacity::Provisioned,
        ..Stream::default()
    }
}

fn plan_of(w: &crate::profile::Workload, r: &Reader) -> StreamPlan {
    let d = Demand::new(w, FreeTier::none());
    plan(&d, w.work.stream().unwrap(), r, None, &book()).unwrap()
}

fn line_cost(p: &StreamPlan, unit: &str) -> f64 {
    p.lines
        .iter()
        .filter(|l| l.unit == unit)
        .map(|l| l.cost_usd)
        .sum()
}

fn cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// AWS's provisioned-mode example (https://aws.amazon.com/kinesis/data-streams/pricing/):
/// 100 records/s of 35 KB is 3.4 MB/s, so 4 shards; a 35 KB record is 2 PUT payload units.
/// A day: 4 shards × 24 h × $0.015 = $1.44, and 100 × 2 × 86,400 = 17.28 million PUT
/// payload units × $0.014 = $0.24; $1.68 in all.
#[test]
fn aws_provisioned_example_to_the_cent() {
    let w = flat(100.0, 35.0, 1.0, provisioned());
    let p = plan_of(&w, &kcl());
    assert_eq!(p.shards, 4);
    let day = |x: f64| x * 24.0 / MONTH_H;
    assert_eq!(cents(day(line_cost(&p, "shard-hour"))), 1.44);
    assert_eq!(cents(day(line_cost(&p, "PUT payload unit"))), 0.24);
    assert_eq!(cents(day(billing::total(&p.lines))), 1.68);
    let units: f64 = p
        .lines
        .iter()
        .filter(|l| l.item == "kinesis_put_units")
        .map(|l| l.quantity)
        .sum();
    assert!(
        (units * 24.0 / MONTH_H - 17_280_000.0).abs() < 1.0,
        "{units}"
    );
}

/// On-demand bills data in GB with each record rounded up to 1 KB ("4.5 KB each ... counts
/// each record as 5 KB", the pricing page), per stream-hour, and reads per GB for each shared
/// consumer: 1,000 records/s of 4.5 KB, this consumer and one other.
#[test]
fn on_demand_rounds_each_record_up_to_a_kilobyte() {
    let s = Stream {
        capacity: StreamCapacity::OnDemand,
        other_consumers: 1,
        ..Stream::default()
    };
    let w = flat(1000.0, 4.5, 1.0, s);
    let p = plan_of(&w, &kcl());
    let records = 1000.0 * MONTH_S;
    let gb = records * 5.0 / (1024.0 * 1024.0);
    let q = |key_usd: f64| {
        p.lines
            .iter()
            .find(|l| {
                l.item == "kinesis_on_demand"
                    && l.unit == "GB"
                    && (l.unit_price_usd - key_usd).abs() < 1e-12
            })
            .map(|l| l.quantity)
            .unwrap()
    };
    assert!((q(0.08) - gb).abs() < 1e-6);
    assert!((q(0.04) - 2.0 * gb).abs() < 1e-6);
    assert!(
        (q(0.04) * 0.04 + q(0.08) * 0.08 + 730.0 * 0.04 - billing::total(&p.lines)).abs() < 1e-6
    );
}

/// A partition key lives on one shard: 10% of 12,000 records/s on one key is over one shard's
/// 1,000 records/s however many shards there are.
#[test]
fn a_hot_key_over_one_shard_throttles_whatever_the_shards() {
    let s = Stream {
        hot_key_share: Some(0.1),
        shards: crate::profile::AutoOr::Fixed(500),
        ..provisioned()
    };
    let w = flat(12_000.0, 0.5, 1.0, s);
    let p = plan_of(&w, &kcl());
    assert!(!p.verdict.feasible());
    assert!(
        p.verdict
            .risks()
            .any(|r| r.contains("busiest partition key writes 1,200")),
        "{:?}",
        p.verdict
    );
    // Spread over 50,000 keys it fits.
    let mut w2 = w.clone();
    w2.work.stream_mut().unwrap().hot_key_share = None;
    w2.work.stream_mut().unwrap().partition_keys = 50_000;
    assert!(plan_of(&w2, &kcl()).verdict.feasible());
}

/// Pinned shards below the peak's writes (1,000 records/s or 1 MB/s each) throttle.
#[test]
fn too_few_pinned_shards_throttle_writes() {
    let s = Stream {
        shards: crate::profile::AutoOr::Fixed(2),
        ..provisioned()
    };
    let fast = Reader {
        record_ms: 0.1,
        ..kcl()
    };
    let p = plan_of(&flat(3_000.0, 0.5, 0.1, s), &fast);
    assert!(
        p.verdict
            .blocker()
            .is_some_and(|b| b.contains("writes are throttled (needs 3 shards)")),
        "{:?}",
        p.verdict
    );
    // Auto sizes for them.
    let p = plan_of(&flat(3_000.0, 0.5, 0.1, provisioned()), &fast);
    assert_eq!(p.shards, 3);
    // A consumer that takes 1 ms a record needs 3,000 / (1,000 × 90%): 4 shards.
    assert_eq!(
        plan_of(&flat(3_000.0, 0.5, 0.1, provisioned()), &kcl()).shards,
        4
    );
    assert!(p.verdict.feasible(), "{:?}", p.verdict);
}

/// The shared consumers split a shard's 2 MB/s: four of them reading 1 MB/s of writes need 2
/// shards' reads where 1 takes the writes; enhanced fan-out gives this one its own.
#[test]
fn shared_reads_split_two_megabytes_a_shard() {
    let s = Stream {
        shards: crate::profile::AutoOr::Fixed(1),
        other_consumers: 3,
        ..provisioned()
    };
    // 1,000 records/s of 1 KB: 0.98 MB/s written, 3.9 MB/s read by four.
    let p = plan_of(&flat(1_000.0, 1.0, 0.1, s.clone()), &kcl());
    assert!(
        p.verdict.risks().any(|r| r.contains("reads are throttled")),
        "{:?}",
        p.verdict
    );
    let auto = Stream {
        shards: crate::profile::AutoOr::Auto,
        ..s
    };
    assert_eq!(plan_of(&flat(1_000.0, 1.0, 0.1, auto), &kcl()).shards, 2);
}

/// More than five shared consumers share a shard's 5 GetRecords calls a second: each polls
/// less often than once a second, and the records wait longer to be read.
#[test]
fn get_records_calls_are_shared_by_the_consumers() {
    let quiet = plan_of(&flat(100.0, 1.0, 1.0, provisioned()), &kcl());
    let crowded = Stream {
        other_consumers: 9,
        ..provisioned()
    };
    let crowded = plan_of(&flat(100.0, 1.0, 1.0, crowded), &kcl());
    assert!(
        crowded.p99_s > quiet.p99_s + 0.9,
        "{} {}",
        crowded.p99_s,
        quiet.p99_s
    );
    assert!(
        crowded
            .verdict
            .risks()
            .any(|r| r.contains("5 GetRecords calls"))
    );
    // Enhanced fan-out: pushed as they arrive.
    let efo = Stream {
        enhanced_fan_out: true,
        ..provisioned()
    };
    let efo = plan_of(&flat(100.0, 1.0, 1.0, efo), &kcl());
    assert!(efo.p99_s < quiet.p99_s / 2.0);
    assert!(efo.lines.iter().any(|l| l.item == "kinesis_efo"));
}

/// A record's data is at most 10 MiB; over 1 MiB rides on burst capacity (a risk).
#[test]
fn records_over_ten_mebibytes_are_refused() {
    let big = plan_of(&flat(1.0, 11_000.0, 1.0, provisioned()), &kcl());
    assert!(big.verdict.blocker().is_some_and(|b| b.contains("10 MiB")));
    let large = plan_of(&flat(1.0, 2_000.0, 1.0, provisioned()), &kcl());
    assert!(large.verdict.feasible());
    assert!(large.verdict.risks().any(|r| r.contains("burst capacity")));
}

/// The account's shard quota (20,000 by default in us-east-1) and an on-demand stream's write
/// quota (10 GB/s): over the default, a quota request; over a stated quota, infeasible.
#[test]
fn shard_and_on_demand_quotas_are_checked() {
    let many = Stream {
        shards: crate::profile::AutoOr::Fixed(25_000),
        ..provisioned()
    };
    let w = flat(100.0, 1.0, 1.0, many);
    let p = plan_of(&w, &kcl());
    assert!(p.verdict.feasible());
    assert!(
        p.verdict
            .quota_requests()
            .any(|q| q.contains("25,000 shards"))
    );
    let d = Demand::new(&w, FreeTier::none());
    let stated = crate::model::testkit::book_with_quotas(&[(keys::Q_KINESIS_SHARDS, 500.0)]);
    let p = plan(&d, w.work.stream().unwrap(), &kcl(), None, &stated).unwrap();
    assert!(!p.verdict.feasible());

    let od = Stream {
        capacity: StreamCapacity::OnDemand,
        partition_keys: 10_000_000,
        ..Stream::default()
    };
    // 12 million records/s of 1 KB: 11,719 MB/s of writes.
    let p = plan_of(&flat(12_000_000.0, 1.0, 0.001, od), &kcl());
    assert!(
        p.verdict
            .quota_requests()
            .any(|q| q.contains("MB/s of writes")),
        "{:?}",
        p.verdict
    );
}

/// A consumer slower than the average rate never catches up: records expire (data loss).
/// One that keeps up on average but not at peak builds a backlog that drains: its age is the
/// iterator age's tail.
#[test]
fn a_consumer_behind_for_good_loses_records_and_one_behind_at_peak_ages_them() {
    let slow = Reader {
        record_ms: 10.0, // 100 records/s a shard
        ..kcl()
    };
    let s = Stream {
        shards: crate::profile::AutoOr::Fixed(2),
        ..provisioned()
    };
    let p = plan_of(&flat(300.0, 1.0, 1.0, s.clone()), &slow);
    assert!(
        p.verdict.blocker().is_some_and(|b| b.contains("data loss")),
        "{:?}",
        p.verdict
    );
    let w = stream(150.0, Shape::Bursty, 4.0, 1.0, 1.0, s);
    let p = plan_of(&w, &slow);
    assert!(p.verdict.feasible(), "{:?}", p.verdict);
    assert!(p.p99_s > 60.0, "{}", p.p99_s);
    assert!(p.verdict.risks().any(|r| r.contains("Iterator age grows")));
}

/// The fluid backlog against a discrete-event simulation: records arrive one by one over a
/// bursty day (each second's arrivals evenly spread) and a FIFO consumer serves `capacity`
/// a second; the p99 wait agrees within a curve step.
#[test]
fn the_backlog_matches_a_discrete_event_simulation() {
    let curve = Curve::bursty(100.0, 4.0);
    let capacity = 180.0;
    let fluid = Backlog::of(&curve, capacity);
    // Discrete: two days (the second measured), per-record FIFO.
    let mut free_at = 0.0_f64;
    let mut waits: Vec<f64> = Vec::new();
    let day = curve.step_s * curve.rps.len() as f64;
    for pass in 0..2 {
        let mut carry = 0.0;
        for (i, &rps) in curve.rps.iter().enumerate() {
            let start = pass as f64 * day + i as f64 * curve.step_s;
            let n = rps * curve.step_s + carry;
            let whole = n.floor();
            carry = n - whole;
            for k in 0..whole as usize {
                let t = start + (k as f64 + 0.5) * curve.step_s / whole;
                let begin = free_at.max(t);
                free_at = begin + 1.0 / capacity;
                if pass == 1 {
                    waits.push(begin - t);
                }
            }
        }
    }
    waits.sort_by(f64::total_cmp);
    let p99 = waits[(waits.len() as f64 * 0.99) as usize];
    let model = fluid.quantile(&curve, 0.99);
    assert!(p99 > 10.0, "the test needs a backlog: {p99}");
    assert!(
        (model - p99).abs() <= curve.step_s,
        "model {model} s, simulated {p99} s"
    );
}

/// The KCL lease table on DynamoDB on-demand, by hand: 10 shards, 2 workers. Writes: a
/// checkpoint a minute and a renewal every 10 s per lease, 10 × 2,628,000 × (1/60 + 1/10) =
/// 3,066,000 × $0.625/M = $1.92. Reads: each worker scans the 10 leases (1 KB each: 3 × 4 KB,
/// 1.5 units eventually consistent) every 20 s: 2 × 131,400 × 1.5 = 394,200 × $0.125/M =
/// $0.05.
#[test]
fn the_lease_table_to_the_cent() {
    let lines = lease_table(10.0, 2.0, &book()).unwrap();
    assert!(lines.iter().all(|l| l.item == "dynamodb"));
    assert_eq!(lines[0].quantity.round(), 3_066_000.0);
    assert_eq!(cents(lines[0].cost_usd), 1.92);
    assert_eq!(lines[1].quantity.round(), 394_200.0);
    assert_eq!(cents(lines[1].cost_usd), 0.05);
}

/// `capacity: auto` takes the cheaper that works: a steady, busy stream is cheaper
/// provisioned; a trickle is cheaper on demand... unless on-demand's stream-hour dominates:
/// 1 record/s costs $29.20 a month on demand against one shard's $10.95.
#[test]
fn auto_capacity_takes_the_cheaper_mode() {
    let busy = plan_of(&flat(3_000.0, 1.5, 1.0, Stream::default()), &kcl());
    assert_eq!(busy.mode, Mode::Provisioned);
    assert!(
        busy.other
            .is_some_and(|(m, c)| m == Mode::OnDemand && c > billing::total(&busy.lines))
    );
    let trickle = plan_of(&flat(1.0, 1.0, 1.0, Stream::default()), &kcl());
    assert_eq!(trickle.mode, Mode::Provisioned);
    assert_eq!(
        cents(billing::total(&trickle.lines) - line_cost(&trickle, "PUT payload unit")),
        10.95
    );
}

/// [`Backlog::capped`] and [`Backlog::quantile`] as they were before the shortcuts (no step
/// short: nothing waits; steps with no wait kept in place rather than sorted): the referee
/// the fast ones must match to the bit.
fn backlog_as_it_was(curve: &Curve, capacity: f64, caps: Option<&[f64]>) -> (Backlog, [f64; 3]) {
    let n = curve.rps.len();
    let at = |i: usize| {
        caps.and_then(|c| c.get(i))
            .map_or(capacity, |&c| c.min(capacity))
            .max(0.0)
    };
    let mean_capacity = (0..n).map(at).sum::<f64>() / n.max(1) as f64;
    let drains = capacity > 0.0 && curve.mean() < mean_capacity;
    let mut queued = vec![0.0; n];
    let mut wait_s = vec![f64::INFINITY; n];
    let mut q = 0.0_f64;
    if drains {
        for pass in 0..2 {
            for (i, &rps) in curve.rps.iter().enumerate() {
                q = (q + (rps - at(i)) * curve.step_s).max(0.0);
                if pass == 1 {
                    queued[i] = q;
                }
            }
        }
        for i in 0..n {
            let (mut left, mut t) = (queued[i], 0.0);
            let mut j = i;
            while left > 0.0 && t < curve.step_s * n as f64 {
                j = (j + 1) % n;
                let c = at(j);
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
    let quantile = |q: f64| {
        let mut pairs: Vec<(f64, f64)> = wait_s
            .iter()
            .copied()
            .zip(curve.rps.iter().copied())
            .collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let total: f64 = pairs.iter().map(|p| p.1).sum();
        if total <= 0.0 {
            return 0.0;
        }
        let mut seen = 0.0;
        for (wait, weight) in &pairs {
            seen += weight;
            if seen >= q * total {
                return *wait;
            }
        }
        pairs.last().map_or(0.0, |p| p.0)
    };
    let quantiles = [quantile(0.5), quantile(0.99), quantile(1.0)];
    let backlog = Backlog {
        queued,
        wait_s,
        worst_s,
        worst_step: worst_step.filter(|_| worst_s > 0.0),
        drains,
    };
    (backlog, quantiles)
}

/// The backlog's shortcuts change no figure: over flat, diurnal and bursty days, consumers
/// that keep up, lag a fleet's scale-out, barely drain or never do, the walk and its
/// quantiles are the referee's to the bit.
#[test]
fn the_backlog_shortcuts_match_the_full_walk_to_the_bit() {
    let curves = [
        Curve::flat(100.0),
        Curve::diurnal(100.0, 3.0),
        Curve::bursty(100.0, 4.0),
        Curve::bursty(3000.0, 4.0),
    ];
    for curve in &curves {
        let peak = curve.peak();
        // A fleet's capacity lagging the curve's rises by three steps, in whole units of 60/s.
        let lagging: Vec<f64> = (0..curve.rps.len())
            .map(|i| {
                let past = curve.rps[i.saturating_sub(3)..=i]
                    .iter()
                    .copied()
                    .fold(f64::INFINITY, f64::min);
                (past / 60.0).ceil() * 60.0
            })
            .collect();
        let mean = curve.mean();
        for capacity in [
            peak * 1.2,
            peak,
            peak * 0.7,
            mean * 1.01,
            mean,
            mean * 0.5,
            0.0,
        ] {
            for caps in [None, Some(lagging.as_slice())] {
                let fast = Backlog::capped(curve, capacity, caps);
                let (old, quantiles) = backlog_as_it_was(curve, capacity, caps);
                assert_eq!(fast.drains, old.drains, "{capacity}");
                assert_eq!(fast.worst_step, old.worst_step, "{capacity}");
                assert_eq!(fast.worst_s.to_bits(), old.worst_s.to_bits(), "{capacity}");
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&fast.queued), bits(&old.queued), "{capacity}");
                assert_eq!(bits(&fast.wait_s), bits(&old.wait_s), "{capacity}");
                let got = [0.5, 0.99, 1.0].map(|q| fast.quantile(curve, q).to_bits());
                assert_eq!(
                    got,
                    quantiles.map(f64::to_bits),
                    "{capacity} {}",
                    caps.is_some()
                );
                let together = fast.quantiles(curve, [0.5, 0.99, 1.0]).map(f64::to_bits);
                assert_eq!(together, got, "{capacity} {}", caps.is_some());
            }
        }
    }
}
