//! A `kind: stream` on a fleet (ECS, EC2): Kinesis Client Library workers. Each slot of a
//! process (`concurrency_per_task` / `concurrency_per_process`) is a record processor holding
//! one shard's lease and processing its records in order, one at a time; a shard has one lease
//! owner at a time (https://docs.aws.amazon.com/streams/latest/dev/shared-throughput-kcl-consumers.html).
//! The fleet is sized by the shared search (records as requests, no ALB); this adds the
//! stream (`model::kinesis`), the KCL's DynamoDB lease table, its CloudWatch metrics
//! (`model::cloudwatch`) and the iterator age.

use super::search::Words;
use crate::model::assess::Assessment;
use crate::model::cloudwatch;
use crate::model::demand::Demand;
use crate::model::kinesis::{self, Reader};
use crate::model::plan::{Latency, OptionPlan};
use crate::model::words::fmt_num;
use crate::pricing::{Missing, PriceBook};
use crate::profile::Stream;
use serde_json::json;

/// Records a KCL GetRecords call returns at most (`maxRecords`, 10,000 by default).
pub const KCL_MAX_RECORDS: f64 = 10_000.0;

/// How the KCL reads a stream when a record takes `record_ms` on a worker: one record
/// processor a shard, records one at a time, up to `KCL_MAX_RECORDS` a call.
pub fn reader(record_ms: f64) -> Reader {
    Reader {
        lanes: 1.0,
        record_ms: record_ms.max(1e-3),
        batch_max: KCL_MAX_RECORDS,
        window_s: 0.0,
    }
}

/// What the fleet's search chose, as KCL workers: a record's handling time on one unit's
/// process, the record processors (shard leases) a unit holds, the fewest units the fleet
/// runs over the day, and the hours its KCL workers (processes) run a month.
#[derive(Debug, Clone, Copy)]
pub struct Workers {
    pub record_ms: f64,
    pub per_unit: f64,
    pub fewest: f64,
    pub worker_hours: f64,
}

/// The fleet's option `o` (from the search, which chose `workers`; `None` when it chose
/// nothing) as a KCL consumer of the stream.
pub fn consume(
    d: &Demand,
    s: &Stream,
    o: OptionPlan,
    workers: Option<Workers>,
    words: Words,
    book: &PriceBook,
) -> Result<OptionPlan, Missing> {
    let Some(Workers {
        record_ms,
        per_unit,
        fewest,
        worker_hours,
    }) = workers.filter(|_| o.evaluated())
    else {
        return Ok(o);
    };
    let reader = reader(record_ms);
    let sp = kinesis::plan(d, s, &reader, Some(&o.capacity_rps), book)?;
    let shards = f64::from(sp.shards);
    let mut verdict = Assessment::new();
    verdict.extend(sp.verdict.clone());
    let held = fewest * per_unit;
    if held < shards {
        verdict.infeasible(format!(
            "At its smallest the fleet runs {} {} of {} record processors: {} leases for {} \
             shards, so {} shards go unread until it scales out (a shard's lease has one \
             owner). Raise `{}` or the record processors per process.",
            fmt_num(fewest),
            words.units,
            fmt_num(per_unit),
            fmt_num(held),
            fmt_num(shards),
            fmt_num(shards - held),
            words.min_key
        ));
    }
    if let Some(net) = d.network
        && net.subnet == crate::profile::Subnet::Private
        && net.egress == crate::profile::Egress::NatGateway
    {
        let gb = crate::model::network::stream_read_gb(d);
        verdict.risk(format!(
            "The workers read {} GB a month from Kinesis through the NAT gateway (billed per GB \
             processed): a Kinesis interface VPC endpoint (`egress: vpc_endpoints`) processes \
             it for less.",
            crate::format::count(gb.round())
        ));
    }
    let mut lines = sp.lines.clone();
    lines.extend(kinesis::lease_table(shards, o.capacity.peak, book)?);
    let level = s.kcl_metrics_level;
    lines.extend(cloudwatch::kcl(level, shards, worker_hours, book)?);
    if let Some(finding) = cloudwatch::kcl_finding(level, shards, worker_hours, book)? {
        verdict.risk(finding);
    }
    let mut config = sp.config(s);
    config.insert("consumer".into(), json!("kcl"));
    config.insert("ingress".into(), json!("none"));
    config.insert("kcl_metrics_level".into(), json!(level.as_str()));
    config.insert(
        "record_duration_ms".into(),
        json!(crate::model::words::round_to(record_ms, 2)),
    );
    let throughput = o.throughput_rps.min(shards * reader.per_shard_rps());
    let mut plan = o.with_more(lines, verdict);
    plan.config.extend(config);
    plan.throughput_rps = throughput;
    plan.latency_ms = Latency {
        p50: sp.p50_s * 1000.0,
        p99: sp.p99_s * 1000.0,
    };
    Ok(plan)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use crate::model::billing::FreeTier;
    use crate::model::demand::Demand;
    use crate::model::testkit::{book, stream};
    use crate::model::{Platform, evaluate};
    use crate::profile::{
        AutoOr, EcsConfig, Egress, FleetIngress, Network, Platforms, Shape, Stream, StreamCapacity,
        Subnet,
    };

    fn platforms(min_tasks: u32, per_task: u32) -> Platforms {
        Platforms {
            ecs: EcsConfig {
                min_tasks,
                concurrency_per_task: per_task,
                ingress: FleetIngress::Alb,
                ..EcsConfig::default()
            },
            ..Platforms::default()
        }
    }

    fn clicks(shards: u32) -> crate::profile::Workload {
        let s = Stream {
            capacity: StreamCapacity::Provisioned,
            shards: AutoOr::Fixed(shards),
            ..Stream::default()
        };
        stream(500.0, Shape::Flat, 1.0, 1.0, 4.0, s)
    }

    /// A shard's lease has one owner: 2 tasks of 4 record processors hold 8 of 12 shards'
    /// leases, and 4 shards go unread; 2 tasks of 8 hold them all. No ALB for a stream's
    /// workers, and the KCL's lease table is billed (`dynamodb`).
    #[test]
    fn a_fleet_with_fewer_record_processors_than_shards_leaves_shards_unread() {
        let w = clicks(12);
        let d = Demand::new(&w, FreeTier::none());
        let short = evaluate(Platform::Ecs, &d, &platforms(2, 4), &book());
        assert!(!short.feasible);
        assert!(
            short
                .risks
                .iter()
                .any(|r| r.contains("8 leases for 12 shards, so 4 shards go unread")),
            "{:?}",
            short.risks
        );
        let enough = evaluate(Platform::Ecs, &d, &platforms(2, 8), &book());
        assert!(enough.feasible, "{:?}", enough.risks);
        let items: Vec<&str> = enough
            .cost_breakdown
            .iter()
            .map(|l| l.item.as_str())
            .collect();
        assert!(
            items.contains(&"dynamodb") && items.contains(&"kinesis_shards"),
            "{items:?}"
        );
        assert!(!items.contains(&"ingress"), "{items:?}");
        assert_eq!(enough.config["ingress"], "none");
        assert_eq!(enough.config["consumer"], "kcl");
    }

    /// From private subnets behind a NAT gateway the workers read the records through it
    /// (billed per GB); Lambda's event source mapping polls from outside the function's VPC.
    #[test]
    fn fleets_read_the_stream_through_the_nat_gateway() {
        let w = clicks(12);
        let net = Network {
            subnet: Subnet::Private,
            egress: Egress::NatGateway,
            lambda_in_vpc: true,
            egress_kb_per_request: 0.0,
            ..Network::default()
        };
        let d = Demand::new(&w, FreeTier::none()).with_network(&net);
        let ecs = evaluate(Platform::Ecs, &d, &platforms(2, 8), &book());
        let gb = 500.0 * crate::model::traffic::MONTH_S / (1024.0 * 1024.0);
        let nat_gb: f64 = ecs
            .cost_breakdown
            .iter()
            .filter(|l| l.item == "nat_gateway" && l.unit == "GB")
            .map(|l| l.quantity)
            .sum();
        assert!((nat_gb - gb).abs() < 1e-6, "{nat_gb} {gb}");
        assert!(
            ecs.risks
                .iter()
                .any(|r| r.contains("interface VPC endpoint"))
        );
        let lambda = evaluate(Platform::Lambda, &d, &Platforms::default(), &book());
        assert!(
            !lambda
                .cost_breakdown
                .iter()
                .any(|l| l.item == "nat_gateway" && l.unit == "GB" && l.quantity > 0.0)
        );
    }

    /// Step Functions is listed, infeasible, with the reason.
    #[test]
    fn step_functions_is_not_a_stream_consumer() {
        let w = clicks(1);
        let d = Demand::new(&w, FreeTier::none());
        let p = evaluate(Platform::StepFunctions, &d, &Platforms::default(), &book());
        assert!(!p.feasible);
        assert!(p.risks[0].contains("not a Kinesis consumer"));
    }
}
