//! The keys the models read, and the one catalogue of them: every price key with its unit and
//! where the price comes from (a Price List item, or modelled from another key). The price
//! refresh and the tests derive their lists from [`prices`] and [`QUOTAS`]; nothing else lists
//! keys by hand.

use crate::profile::{Architecture, Purchase};

pub fn lambda_requests(arch: Architecture) -> String {
    format!("lambda.requests.{}", arch.as_str())
}
pub fn lambda_duration(arch: Architecture) -> String {
    format!("lambda.duration.{}", arch.as_str())
}
pub fn lambda_provisioned_concurrency(arch: Architecture) -> String {
    format!("lambda.provisioned_concurrency.{}", arch.as_str())
}
pub fn lambda_provisioned_duration(arch: Architecture) -> String {
    format!("lambda.provisioned_duration.{}", arch.as_str())
}
/// A Compute Savings Plan's Lambda rate: `what` is `duration`, `provisioned_concurrency` or
/// `provisioned_duration` (`lambda.savings_plan_1y.duration.arm64`). Requests have none: a
/// Savings Plan does not cover them.
pub fn lambda_savings_plan(what: &str, arch: Architecture, purchase: Purchase) -> String {
    format!("lambda.{}.{what}.{}", purchase.as_str(), arch.as_str())
}
/// The Lambda lines a Compute Savings Plan covers (AWS: "Lambda duration and provisioned
/// concurrency", https://aws.amazon.com/savingsplans/compute-pricing/), by their breakdown
/// item; INIT duration is duration.
pub const LAMBDA_SAVINGS_PLAN_LINES: [&str; 3] = [
    "duration",
    "provisioned_concurrency",
    "provisioned_duration",
];
pub const LAMBDA_EPHEMERAL_STORAGE: &str = "lambda.ephemeral_storage";
/// Free tier keys (in `free_tier:`): shared by both architectures.
pub const LAMBDA_FREE_REQUESTS: &str = "lambda.requests";
pub const LAMBDA_FREE_DURATION: &str = "lambda.duration";

pub const SFN_STANDARD_TRANSITIONS: &str = "step_functions.standard.transitions";
pub const SFN_EXPRESS_REQUESTS: &str = "step_functions.express.requests";
pub const SFN_EXPRESS_DURATION: &str = "step_functions.express.duration";

/// Fargate's market for a purchase option: `fargate` (on-demand), `fargate_spot`,
/// `fargate_savings_plan_1y`, ... (an option Fargate does not offer names a key no book has).
fn fargate_market(purchase: Purchase) -> String {
    if purchase == Purchase::OnDemand {
        "fargate".to_string()
    } else {
        format!("fargate_{}", purchase.as_str())
    }
}
pub fn fargate_vcpu(arch: Architecture, purchase: Purchase) -> String {
    format!("ecs.{}.vcpu.{}", fargate_market(purchase), arch.as_str())
}
pub fn fargate_memory(arch: Architecture, purchase: Purchase) -> String {
    format!("ecs.{}.memory.{}", fargate_market(purchase), arch.as_str())
}
pub const FARGATE_EPHEMERAL_STORAGE: &str = "ecs.fargate.ephemeral_storage";

pub const ALB_HOURS: &str = "elb.alb.hours";
pub const ALB_LCU: &str = "elb.alb.lcu";
pub const APIGW_HTTP_REQUESTS: &str = "apigateway.http.requests";
pub const APIGW_REST_REQUESTS: &str = "apigateway.rest.requests";

/// The book's EC2 instance-type table (`instances:`), as a missing key: `instance_type: auto`
/// needs at least one type, a fixed `instance_type` its own entry.
pub const EC2_INSTANCES: &str = "instances";

// CloudWatch Logs (billed by `model::logs`).
/// Standard-class ingestion: what a fleet's (or any non-vended) log events cost per GB.
pub const LOGS_INGESTION: &str = "logs.ingestion";
/// Lambda's logs, billed as vended logs with volume tiers since 2025-05-01.
pub const LOGS_VENDED_INGESTION: &str = "logs.vended_ingestion";
/// Archived (stored) log data, per GB-month of compressed size.
pub const LOGS_STORAGE: &str = "logs.storage";
// CloudWatch metrics (billed by `model::cloudwatch`): the KCL's custom metrics (#13).
/// A custom metric (one namespace, name and set of dimension values), per metric-month,
/// with volume tiers; prorated by the hour it is sent.
pub const CLOUDWATCH_METRICS: &str = "cloudwatch.metrics";
/// CloudWatch API requests (PutMetricData among them), each.
pub const CLOUDWATCH_REQUESTS: &str = "cloudwatch.requests";

// Network (#12): public IPv4, NAT gateways, interface endpoints, data transfer out.
/// A public IPv4 address, in use or idle, per address-hour.
pub const PUBLIC_IPV4: &str = "vpc.public_ipv4";
/// A NAT gateway provisioned, per gateway-hour; and each GB it processes.
pub const NAT_GATEWAY_HOURS: &str = "vpc.nat_gateway.hours";
pub const NAT_GATEWAY_DATA: &str = "vpc.nat_gateway.data";
/// An interface VPC endpoint (PrivateLink) in one AZ, per hour; and each GB it processes.
pub const VPC_ENDPOINT_HOURS: &str = "vpc.interface_endpoint.hours";
pub const VPC_ENDPOINT_DATA: &str = "vpc.interface_endpoint.data";
/// Data transfer out from the Region to the internet, per GB, with its volume tiers. Also the
/// free-tier key of the account's free 100 GB a month.
pub const DATA_TRANSFER_OUT: &str = "data_transfer.out.internet";

// Queues (#13, kind: queue): SQS requests and EventBridge Pipes requests, per request (each
// 64 KB chunk one request). The free tier key `sqs.requests` is the 1M requests a month that
// standard and FIFO queues share.
pub const SQS_STANDARD_REQUESTS: &str = "sqs.standard.requests";
pub const SQS_FIFO_REQUESTS: &str = "sqs.fifo.requests";
pub const SQS_FREE_REQUESTS: &str = "sqs.requests";
pub const PIPES_REQUESTS: &str = "pipes.requests";
// Kinesis Data Streams and the KCL's DynamoDB lease table (#13 streams), billed by
// `model::kinesis`. https://aws.amazon.com/kinesis/data-streams/pricing/
/// Provisioned: a shard, per shard-hour.
pub const KINESIS_SHARD_HOURS: &str = "kinesis.shard_hours";
/// Provisioned: PUT payload units (25 KB chunks of a record), each.
pub const KINESIS_PUT_UNITS: &str = "kinesis.put_payload_units";
/// Provisioned: extended retention (beyond 24 h, up to 7 days), per shard-hour.
pub const KINESIS_EXTENDED_RETENTION: &str = "kinesis.extended_retention";
/// Long-term retention (data older than 7 days), per GB-month; both capacity modes.
pub const KINESIS_LONG_TERM_RETENTION: &str = "kinesis.long_term_retention";
/// Provisioned: an enhanced fan-out consumer on a shard, per consumer-shard-hour.
pub const KINESIS_EFO_HOURS: &str = "kinesis.efo.consumer_shard_hours";
/// Provisioned: data an enhanced fan-out consumer retrieves, per GB.
pub const KINESIS_EFO_DATA: &str = "kinesis.efo.data";
/// On-demand: a stream, per stream-hour.
pub const KINESIS_ON_DEMAND_STREAM_HOURS: &str = "kinesis.on_demand.stream_hours";
/// On-demand: data written (each record rounded up to 1 KB), per GB.
pub const KINESIS_ON_DEMAND_DATA_IN: &str = "kinesis.on_demand.data_in";
/// On-demand: data read by shared-throughput consumers, per GB.
pub const KINESIS_ON_DEMAND_DATA_OUT: &str = "kinesis.on_demand.data_out";
/// On-demand: data an enhanced fan-out consumer retrieves, per GB.
pub const KINESIS_ON_DEMAND_EFO_DATA: &str = "kinesis.on_demand.efo_data";
/// On-demand: extended retention (beyond 24 h, up to 7 days), per GB-month stored.
pub const KINESIS_ON_DEMAND_EXTENDED_RETENTION: &str = "kinesis.on_demand.extended_retention";
/// DynamoDB on-demand: write and read request units, each; storage per GB-month.
pub const DYNAMODB_WRITE_UNITS: &str = "dynamodb.on_demand.write_request_units";
pub const DYNAMODB_READ_UNITS: &str = "dynamodb.on_demand.read_request_units";
pub const DYNAMODB_STORAGE: &str = "dynamodb.storage";

// Quotas.
/// Shards of all provisioned streams in the account and Region.
pub const Q_KINESIS_SHARDS: &str = "kinesis.shards";
/// An on-demand stream's write throughput, MB/s (records/s: 1,000 times it).
pub const Q_KINESIS_ON_DEMAND_WRITE: &str = "kinesis.on_demand_write_mb_per_s";
/// New execution environments per 10 seconds, per function.
pub const Q_LAMBDA_SCALING: &str = "lambda.scaling_per_10s";
/// Concurrent executions of all functions in the account and Region.
pub const Q_LAMBDA_CONCURRENCY: &str = "lambda.concurrent_executions";
pub const Q_SFN_STANDARD_STARTS: &str = "step_functions.standard.start_execution_per_s";
pub const Q_SFN_STANDARD_TRANSITIONS: &str = "step_functions.standard.state_transitions_per_s";
pub const Q_SFN_EXPRESS_STARTS: &str = "step_functions.express.start_execution_per_s";
pub const Q_FARGATE_LAUNCH: &str = "ecs.fargate.task_launches_per_s";
/// Fargate task launches the token bucket allows at once.
pub const Q_FARGATE_LAUNCH_BURST: &str = "ecs.fargate.task_launch_burst";
/// EC2 `RunInstances` resource tokens: instances launched per second once the bucket is spent,
/// and the bucket's size.
pub const Q_EC2_LAUNCH: &str = "ec2.run_instances_per_s";
pub const Q_EC2_LAUNCH_BURST: &str = "ec2.run_instances_burst";
/// vCPUs of Fargate On-Demand tasks running at once in the account and Region.
pub const Q_FARGATE_ON_DEMAND_VCPUS: &str = "ecs.fargate.on_demand_vcpus";

// Queue quotas (#13, kind: queue).
/// Largest SQS message, KB.
pub const Q_SQS_MESSAGE_KB: &str = "sqs.message_kb";
/// In-flight messages (received, not deleted) of a standard queue; of a FIFO queue.
pub const Q_SQS_IN_FLIGHT_STANDARD: &str = "sqs.standard.in_flight";
pub const Q_SQS_IN_FLIGHT_FIFO: &str = "sqs.fifo.in_flight";
/// FIFO API calls a second per action (Send, Receive, Delete), without and with
/// high-throughput mode.
pub const Q_SQS_FIFO_CALLS: &str = "sqs.fifo.calls_per_s";
pub const Q_SQS_FIFO_HT_CALLS: &str = "sqs.fifo.high_throughput.calls_per_s";
/// Lambda's SQS event source mapping: concurrent batches it starts with, adds a minute, and
/// runs at most.
pub const Q_LAMBDA_SQS_START: &str = "lambda.sqs.initial_batches";
pub const Q_LAMBDA_SQS_SCALE_PER_MIN: &str = "lambda.sqs.scale_per_minute";
pub const Q_LAMBDA_SQS_MAX: &str = "lambda.sqs.max_batches";

/// Every quota key a model reads.
pub const QUOTAS: [&str; 20] = [
    Q_LAMBDA_SCALING,
    Q_LAMBDA_CONCURRENCY,
    Q_SFN_STANDARD_STARTS,
    Q_SFN_STANDARD_TRANSITIONS,
    Q_SFN_EXPRESS_STARTS,
    Q_FARGATE_LAUNCH,
    Q_FARGATE_LAUNCH_BURST,
    Q_EC2_LAUNCH,
    Q_EC2_LAUNCH_BURST,
    Q_FARGATE_ON_DEMAND_VCPUS,
    Q_SQS_MESSAGE_KB,
    Q_SQS_IN_FLIGHT_STANDARD,
    Q_SQS_IN_FLIGHT_FIFO,
    Q_SQS_FIFO_CALLS,
    Q_SQS_FIFO_HT_CALLS,
    Q_LAMBDA_SQS_START,
    Q_LAMBDA_SQS_SCALE_PER_MIN,
    Q_LAMBDA_SQS_MAX,
    Q_KINESIS_SHARDS,
    Q_KINESIS_ON_DEMAND_WRITE,
];

/// The quotas an account can have raised (Service Quotas calls them adjustable), with the
/// name AWS gives each: the keys a profile's `quotas:` may state. A value stated there is the
/// account's real quota, a hard limit; the book's value is only the default, a request away.
/// The others in [`QUOTAS`] are fixed by AWS (Lambda's scaling rate) or not modelled as
/// adjustable (Fargate's launch rate).
pub const ADJUSTABLE_QUOTAS: [(&str, &str); 7] = [
    (Q_LAMBDA_CONCURRENCY, "Lambda concurrent executions"),
    (
        Q_SFN_STANDARD_STARTS,
        "Step Functions Standard StartExecution rate",
    ),
    (
        Q_SFN_STANDARD_TRANSITIONS,
        "Step Functions Standard StateTransition rate",
    ),
    (
        Q_SFN_EXPRESS_STARTS,
        "Step Functions Express StartExecution rate",
    ),
    (
        Q_FARGATE_ON_DEMAND_VCPUS,
        "Fargate On-Demand vCPU resource count",
    ),
    (Q_KINESIS_SHARDS, "Kinesis Data Streams shards per Region"),
    (
        Q_KINESIS_ON_DEMAND_WRITE,
        "Kinesis Data Streams on-demand stream write throughput",
    ),
];

/// AWS's name for an adjustable quota key (`None`: not one a profile may state).
pub fn quota_name(key: &str) -> Option<&'static str> {
    ADJUSTABLE_QUOTAS
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, name)| *name)
}

/// Where a price comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// An on-demand Price List item: the service code, the `usagetype` without its region
    /// prefix (`USE1-`, `EU-`, ...), and the `productFamily` where several families share the
    /// usagetype.
    PriceList {
        service: &'static str,
        usagetype: &'static str,
        family: Option<&'static str>,
    },
    /// No published rate: modelled from the price of key `from` (Fargate Spot).
    Modelled { from: String },
    /// Entered from the AWS pricing page `page`, with no Price List `usagetype` confirmed for
    /// it: `pricing refresh` keeps the previous book's figure (CloudWatch Logs, network).
    Published { page: &'static str },
}

/// One price a model reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceKey {
    pub key: String,
    /// The book's unit (a Price List item in another time base is converted to it).
    pub unit: &'static str,
    pub origin: Origin,
}

/// Every price key a model reads, with its unit and origin.
pub fn prices() -> Vec<PriceKey> {
    use Architecture::{Arm64, X86_64};
    let listed = |service, usagetype, key: String, unit| PriceKey {
        key,
        unit,
        origin: Origin::PriceList {
            service,
            usagetype,
            family: None,
        },
    };
    let lambda = |usagetype, key: String, unit| listed("AWSLambda", usagetype, key, unit);
    let mut v = vec![
        lambda("Request", lambda_requests(X86_64), "request"),
        lambda("Request-ARM", lambda_requests(Arm64), "request"),
        lambda("Lambda-GB-Second", lambda_duration(X86_64), "GB-second"),
        lambda("Lambda-GB-Second-ARM", lambda_duration(Arm64), "GB-second"),
        lambda(
            "Lambda-Provisioned-Concurrency",
            lambda_provisioned_concurrency(X86_64),
            "GB-second",
        ),
        lambda(
            "Lambda-Provisioned-Concurrency-ARM",
            lambda_provisioned_concurrency(Arm64),
            "GB-second",
        ),
        lambda(
            "Lambda-Provisioned-GB-Second",
            lambda_provisioned_duration(X86_64),
            "GB-second",
        ),
        lambda(
            "Lambda-Provisioned-GB-Second-ARM",
            lambda_provisioned_duration(Arm64),
            "GB-second",
        ),
        // One ephemeral-storage price for both architectures: the x86 SKU's.
        lambda(
            "Lambda-Storage-GB-Second",
            LAMBDA_EPHEMERAL_STORAGE.into(),
            "GB-second",
        ),
        listed(
            "AmazonStates",
            "StateTransition",
            SFN_STANDARD_TRANSITIONS.into(),
            "transition",
        ),
        listed(
            "AmazonStates",
            "StepFunctions-Request",
            SFN_EXPRESS_REQUESTS.into(),
            "request",
        ),
        // Billed per GB-second; the book keeps Express duration per GB-hour, as AWS's own
        // example prices it.
        listed(
            "AmazonStates",
            "StepFunctions-GB-Second",
            SFN_EXPRESS_DURATION.into(),
            "GB-hour",
        ),
    ];
    for (usagetype, key, unit) in [
        (
            "Fargate-vCPU-Hours:perCPU",
            fargate_vcpu(X86_64, Purchase::OnDemand),
            "vCPU-hour",
        ),
        (
            "Fargate-ARM-vCPU-Hours:perCPU",
            fargate_vcpu(Arm64, Purchase::OnDemand),
            "vCPU-hour",
        ),
        (
            "Fargate-GB-Hours",
            fargate_memory(X86_64, Purchase::OnDemand),
            "GB-hour",
        ),
        (
            "Fargate-ARM-GB-Hours",
            fargate_memory(Arm64, Purchase::OnDemand),
            "GB-hour",
        ),
        (
            "Fargate-EphemeralStorage-GB-Hours",
            FARGATE_EPHEMERAL_STORAGE.into(),
            "GB-hour",
        ),
    ] {
        v.push(listed("AmazonECS", usagetype, key, unit));
    }
    v.push(listed(
        "AmazonApiGateway",
        "ApiGatewayHttpRequest",
        APIGW_HTTP_REQUESTS.into(),
        "request",
    ));
    v.push(listed(
        "AmazonApiGateway",
        "ApiGatewayRequest",
        APIGW_REST_REQUESTS.into(),
        "request",
    ));
    for (usagetype, key, unit) in [
        ("LoadBalancerUsage", ALB_HOURS, "ALB-hour"),
        ("LCUUsage", ALB_LCU, "LCU-hour"),
    ] {
        v.push(PriceKey {
            key: key.into(),
            unit,
            origin: Origin::PriceList {
                service: "AWSELB",
                usagetype,
                family: Some("Load Balancer-Application"),
            },
        });
    }
    // CloudWatch Logs: the Price List (`AmazonCloudWatch`) is thought to carry these as
    // `DataProcessing-Bytes`, `VendedLog-Bytes` and `TimedStorage-ByteHrs`, but no item was
    // seen to confirm the names, families and units: refresh keeps them from the last book.
    // CloudWatch metrics likewise (`CW:MetricMonitorUsage`, whose tiers come back as several
    // price dimensions, and `CW:Requests`, seen only in third-party notes).
    // Network prices likewise: entered from AWS's pages, kept by refresh from the previous book.
    const CLOUDWATCH: &str = "https://aws.amazon.com/cloudwatch/pricing/";
    const VPC: &str = "https://aws.amazon.com/vpc/pricing/";
    const PRIVATELINK: &str = "https://aws.amazon.com/privatelink/pricing/";
    for (key, unit, page) in [
        (LOGS_INGESTION, "GB", CLOUDWATCH),
        (LOGS_VENDED_INGESTION, "GB", CLOUDWATCH),
        (LOGS_STORAGE, "GB-month", CLOUDWATCH),
        (CLOUDWATCH_METRICS, "metric-month", CLOUDWATCH),
        (CLOUDWATCH_REQUESTS, "request", CLOUDWATCH),
        (PUBLIC_IPV4, "IP-hour", VPC),
        (NAT_GATEWAY_HOURS, "NAT gateway-hour", VPC),
        (NAT_GATEWAY_DATA, "GB", VPC),
        (VPC_ENDPOINT_HOURS, "endpoint-AZ-hour", PRIVATELINK),
        (VPC_ENDPOINT_DATA, "GB", PRIVATELINK),
        (
            DATA_TRANSFER_OUT,
            "GB",
            "https://aws.amazon.com/ec2/pricing/on-demand/",
        ),
    ] {
        v.push(PriceKey {
            key: key.into(),
            unit,
            origin: Origin::Published { page },
        });
    }
    // Queues (#13): entered from AWS's pricing pages; the Price List items (`AWSQueueService`,
    // `AWSEvents`) were not seen to confirm their usagetypes, so refresh keeps them from the
    // previous book.
    for (key, page) in [
        (SQS_STANDARD_REQUESTS, "https://aws.amazon.com/sqs/pricing/"),
        (SQS_FIFO_REQUESTS, "https://aws.amazon.com/sqs/pricing/"),
        (
            PIPES_REQUESTS,
            "https://aws.amazon.com/eventbridge/pricing/",
        ),
    ] {
        v.push(PriceKey {
            key: key.into(),
            unit: "request",
            origin: Origin::Published { page },
        });
    }
    // Kinesis Data Streams (provisioned shard-hours, PUT payload units, extended retention)
    // and DynamoDB on-demand: Price List items by the usage types AWS bills them under
    // (`Storage-ShardHour`, `PutRequestPayloadUnits`, `Extended-ShardHour`;
    // `WriteRequestUnits`, `ReadRequestUnits`, `TimedStorage-ByteHrs`). The rest of Kinesis
    // (enhanced fan-out, on-demand, long-term retention) is entered from the pricing page:
    // no Price List usage type was confirmed for them, so refresh keeps them.
    for (usagetype, key, unit) in [
        ("Storage-ShardHour", KINESIS_SHARD_HOURS, "shard-hour"),
        (
            "PutRequestPayloadUnits",
            KINESIS_PUT_UNITS,
            "PUT payload unit",
        ),
        (
            "Extended-ShardHour",
            KINESIS_EXTENDED_RETENTION,
            "shard-hour",
        ),
    ] {
        v.push(listed("AmazonKinesis", usagetype, key.into(), unit));
    }
    for (usagetype, key, unit) in [
        ("WriteRequestUnits", DYNAMODB_WRITE_UNITS, "write unit"),
        ("ReadRequestUnits", DYNAMODB_READ_UNITS, "read unit"),
        ("TimedStorage-ByteHrs", DYNAMODB_STORAGE, "GB-month"),
    ] {
        v.push(listed("AmazonDynamoDB", usagetype, key.into(), unit));
    }
    const KINESIS: &str = "https://aws.amazon.com/kinesis/data-streams/pricing/";
    for (key, unit) in [
        (KINESIS_LONG_TERM_RETENTION, "GB-month"),
        (KINESIS_EFO_HOURS, "consumer-shard-hour"),
        (KINESIS_EFO_DATA, "GB"),
        (KINESIS_ON_DEMAND_STREAM_HOURS, "stream-hour"),
        (KINESIS_ON_DEMAND_DATA_IN, "GB"),
        (KINESIS_ON_DEMAND_DATA_OUT, "GB"),
        (KINESIS_ON_DEMAND_EFO_DATA, "GB"),
        (KINESIS_ON_DEMAND_EXTENDED_RETENTION, "GB-month"),
    ] {
        v.push(PriceKey {
            key: key.into(),
            unit,
            origin: Origin::Published { page: KINESIS },
        });
    }
    // Fargate Spot has no fixed published rate: modelled from on-demand at an observed
    // Spot rate's share (see `aws::pricing_map::FARGATE_SPOT_SHARE`).
    for arch in [X86_64, Arm64] {
        for (key, unit) in [
            (
                fargate_vcpu as fn(Architecture, Purchase) -> String,
                "vCPU-hour",
            ),
            (fargate_memory, "GB-hour"),
        ] {
            v.push(PriceKey {
                key: key(arch, Purchase::Spot),
                unit,
                origin: Origin::Modelled {
                    from: key(arch, Purchase::OnDemand),
                },
            });
        }
    }
    v
}

/// What a figure the book lacks is, in words, for the report's banner: a price key's unit and
/// the Price List item a refresh reads it from (or the key it is modelled from), a quota, an
/// EC2 instance type. `None` when the key is none the models read (a bug, or a figure no
/// catalogue lists yet).
/// `ec2.<purchase>.<type>` (the key an EC2 option bought other than on demand reports when
/// the book has no such rate for the type) in words.
fn ec2_rate_words(key: &str) -> Option<String> {
    let rest = key.strip_prefix("ec2.")?;
    let (purchase, instance_type) = rest.split_once('.')?;
    let purchase = Purchase::parse(purchase)?;
    Some(format!(
        "EC2 {} rate of `{instance_type}` per instance-hour, the type's `rates:` in the book",
        purchase.describe()
    ))
}

pub fn describe(missing: &super::Missing) -> Option<String> {
    use super::Missing;
    let key = missing.key.as_str();
    match missing.what {
        Missing::PRICE => prices()
            .into_iter()
            .find(|p| p.key == key)
            .map(|p| match p.origin {
                Origin::PriceList {
                    service, usagetype, ..
                } => format!("price per {}, Price List `{service}` `{usagetype}`", p.unit),
                Origin::Modelled { from } => {
                    format!("price per {}, modelled from `{from}`", p.unit)
                }
                Origin::Published { page } => {
                    format!("price per {}, published on {page}", p.unit)
                }
            })
            .or_else(|| {
                savings_plan_prices()
                    .into_iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, unit)| {
                        format!(
                            "Compute Savings Plans rate per {unit}, from the Savings Plans offer \
                             (not in the Price List `GetProducts`: enter it with its source)"
                        )
                    })
            })
            .or_else(|| ec2_rate_words(key)),
        Missing::QUOTA => QUOTAS
            .contains(&key)
            .then(|| format!("service quota{}", quota_name(key).map_or(String::new(), |n| format!(" ({n})")))),
        Missing::INSTANCE_TYPE => Some(format!(
            "EC2 on-demand Linux price of `{key}` per instance-hour, Price List `AmazonEC2` `BoxUsage:{key}`"
        )),
        Missing::INSTANCES if key == EC2_INSTANCES => Some(
            "EC2 on-demand Linux prices per instance-hour, the `instances:` table; Price List `AmazonEC2` `BoxUsage:*`".to_string(),
        ),
        _ => None,
    }
}

/// Compute Savings Plans rates for Fargate and Lambda: optional keys. They come from the Savings Plans
/// offer (its own bulk price list, not `GetProducts`), so `pricing refresh` cannot fetch
/// them; a book holds them only where a rate was entered with its source (the shipped
/// us-east-1 book: Fargate Linux/x86, #12), and a profile buying Fargate or Lambda under a
/// Savings Plan in a book without them cannot be priced.
pub fn savings_plan_prices() -> Vec<(String, &'static str)> {
    use Architecture::{Arm64, X86_64};
    let mut v = Vec::new();
    for purchase in [Purchase::SavingsPlan1y, Purchase::SavingsPlan3y] {
        for arch in [X86_64, Arm64] {
            v.push((fargate_vcpu(arch, purchase), "vCPU-hour"));
            v.push((fargate_memory(arch, purchase), "GB-hour"));
            for what in LAMBDA_SAVINGS_PLAN_LINES {
                v.push((lambda_savings_plan(what, arch, purchase), "GB-second"));
            }
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjustable_quotas_are_quotas_the_models_read() {
        for (key, _) in ADJUSTABLE_QUOTAS {
            assert!(QUOTAS.contains(&key), "{key}");
        }
    }

    #[test]
    fn keys_are_unique_and_modelled_ones_name_a_listed_key() {
        let all = prices();
        let mut names: Vec<&str> = all.iter().map(|p| p.key.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), all.len());
        for p in &all {
            if let Origin::Modelled { from } = &p.origin {
                let base = all.iter().find(|q| &q.key == from);
                assert!(
                    base.is_some_and(
                        |b| matches!(b.origin, Origin::PriceList { .. }) && b.unit == p.unit
                    ),
                    "{} is modelled from {from}",
                    p.key
                );
            }
        }
    }
}
