//! Typed workload profile (SPEC §3). Field names are interface: keep them.
//!
//! These types only describe the file. Loading, defaults that need context and validation
//! live in `load.rs` / `validate.rs`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// `auto` or a fixed value, as used by `memory_mb: auto`, `instance_type: auto`, ...
///
/// Deserialized by hand (not `untagged`) so a wrong value says what is expected:
/// `memory_mb: "big"` gives "invalid value `big`, expected a number or `auto`".
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum AutoOr<T> {
    Fixed(T),
    #[serde(serialize_with = "auto_tag::serialize")]
    Auto,
}

/// `auto` unless stated: every `AutoOr` setting defaults to it.
impl<T> Default for AutoOr<T> {
    fn default() -> Self {
        AutoOr::Auto
    }
}

impl<T> AutoOr<T> {
    pub fn fixed(&self) -> Option<&T> {
        match self {
            AutoOr::Fixed(v) => Some(v),
            AutoOr::Auto => None,
        }
    }
}

/// The schema of `auto` or a fixed value: written by hand next to the hand-written
/// `Deserialize` (which serde's attributes cannot describe to schemars), so the two stay
/// side by side: what `T` takes, or the string `auto`.
impl<T: JsonSchema> JsonSchema for AutoOr<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("AutoOr_{}", T::schema_name()).into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let fixed = generator.subschema_for::<T>();
        schemars::json_schema!({
            "anyOf": [fixed, { "const": "auto" }]
        })
    }
}

mod auto_tag {
    use serde::Serializer;

    pub fn serialize<S: Serializer>(s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("auto")
    }
}

mod auto_or_de {
    use super::AutoOr;
    use serde::de::value::{
        BoolDeserializer, F64Deserializer, I64Deserializer, StrDeserializer, U64Deserializer,
    };
    use serde::de::{self, Deserialize, Deserializer, IntoDeserializer, Unexpected, Visitor};
    use std::fmt;
    use std::marker::PhantomData;

    struct AutoOrVisitor<T>(PhantomData<T>);

    /// Deserialize `T` from one scalar; on failure report "expected <what T takes> or `auto`".
    fn fixed<'de, T, D, E>(d: D, unexpected: Unexpected<'_>) -> Result<AutoOr<T>, E>
    where
        T: Deserialize<'de>,
        D: Deserializer<'de, Error = de::value::Error>,
        E: de::Error,
    {
        T::deserialize(d)
            .map(AutoOr::Fixed)
            .map_err(|_| E::invalid_value(unexpected, &expected::<T>()))
    }

    /// What `T` (or `auto`) looks like, in words.
    fn expected<'de, T: Deserialize<'de>>() -> &'static str {
        let s: StrDeserializer<'_, de::value::Error> = "x".into_deserializer();
        let f: F64Deserializer<de::value::Error> = 0.5.into_deserializer();
        if T::deserialize(s).is_ok() {
            "a name or `auto`"
        } else if T::deserialize(f).is_ok() {
            "a number or `auto`"
        } else {
            "a whole number ≥ 0 or `auto`"
        }
    }

    impl<'de, T: Deserialize<'de>> Visitor<'de> for AutoOrVisitor<T> {
        type Value = AutoOr<T>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str(expected::<T>())
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            if v == "auto" {
                return Ok(AutoOr::Auto);
            }
            let d: StrDeserializer<'_, de::value::Error> = v.into_deserializer();
            // A word where a number belongs: "a number or `auto`" says it all (the finer
            // "whole number ≥ 0" is for numbers of the wrong kind).
            T::deserialize(d)
                .map(AutoOr::Fixed)
                .map_err(|_| E::invalid_value(Unexpected::Str(v), &"a number or `auto`"))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            let d: U64Deserializer<de::value::Error> = v.into_deserializer();
            fixed(d, Unexpected::Unsigned(v))
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            let d: I64Deserializer<de::value::Error> = v.into_deserializer();
            fixed(d, Unexpected::Signed(v))
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            let d: F64Deserializer<de::value::Error> = v.into_deserializer();
            fixed(d, Unexpected::Float(v))
        }

        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            let d: BoolDeserializer<de::value::Error> = v.into_deserializer();
            fixed(d, Unexpected::Bool(v))
        }
    }

    impl<'de, T: Deserialize<'de>> Deserialize<'de> for AutoOr<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(AutoOrVisitor(PhantomData))
        }
    }
}

/// A validated profile: what the model, the report and the TUI read. Built from a
/// [`ProfileFile`] by validation (`profile::parse`); serialises back to the same YAML.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    pub version: u32,
    pub name: String,
    pub region: String,
    pub free_tier: bool,
    pub workloads: Vec<Workload>,
    pub platforms: Platforms,
    /// The account's own adjustable quotas, by the price book's quota key
    /// (`pricing::keys::ADJUSTABLE_QUOTAS`): hard limits in place of the book's defaults.
    pub quotas: BTreeMap<String, f64>,
    /// What the options log to CloudWatch Logs (the `logs:` section).
    pub logs: LogsConfig,
    /// Subnets, egress, Availability Zones and front door (`network:`), for every workload.
    #[serde(skip_serializing_if = "Network::is_default")]
    pub network: Network,
    /// The Savings Plan the profile states for every platform it covers (already applied to
    /// the platforms' `purchase`; kept for the report).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitment: Option<Commitment>,
}

/// A profile as the file spells it (SPEC §3): every workload section optional whatever its
/// kind. Validation checks it and turns it into a [`Profile`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileFile {
    pub version: u32,
    pub name: String,
    #[serde(default = "default_region")]
    pub region: String,
    #[serde(default)]
    pub free_tier: bool,
    pub workloads: Vec<WorkloadFile>,
    #[serde(default)]
    pub platforms: Platforms,
    /// The account's own quotas (Service Quotas), e.g. `lambda.concurrent_executions: 5000`.
    #[serde(default)]
    pub quotas: BTreeMap<String, f64>,
    /// CloudWatch Logs: application bytes per request, retention, Lambda's log format.
    #[serde(default)]
    pub logs: LogsConfig,
    /// Subnets, egress, Availability Zones and front door, for every workload.
    #[serde(default, skip_serializing_if = "Network::is_default")]
    pub network: Network,
    /// A Savings Plan for every platform it covers: `commitment: { savings_plan: compute_1y }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitment: Option<Commitment>,
}

pub fn default_region() -> String {
    "us-east-1".to_string()
}

/// The `kind:` of a workload, as a tag (its data is in [`Work`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkloadKind {
    Service,
    Fanout,
    Workflow,
    Queue,
    /// Records consumed from a Kinesis data stream.
    Stream,
}

impl WorkloadKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Service => "service",
            WorkloadKind::Fanout => "fanout",
            WorkloadKind::Workflow => "workflow",
            WorkloadKind::Queue => "queue",
            WorkloadKind::Stream => "stream",
        }
    }

    /// What the workload's average rate counts, per second: "req/s" or "items/s".
    pub fn rate_unit(self) -> &'static str {
        match self {
            WorkloadKind::Service | WorkloadKind::Workflow => "req/s",
            WorkloadKind::Fanout => "items/s",
            WorkloadKind::Queue => "msg/s",
            WorkloadKind::Stream => "records/s",
        }
    }

    /// What one unit of the workload's work is called: "request", "item", "message",
    /// "record" (and [`nouns`](Self::nouns) for the plural).
    pub fn noun(self) -> &'static str {
        match self {
            WorkloadKind::Service | WorkloadKind::Workflow => "request",
            WorkloadKind::Fanout => "item",
            WorkloadKind::Queue => "message",
            WorkloadKind::Stream => "record",
        }
    }

    /// The plural of [`noun`](Self::noun).
    pub fn nouns(self) -> &'static str {
        match self {
            WorkloadKind::Service | WorkloadKind::Workflow => "requests",
            WorkloadKind::Fanout => "items",
            WorkloadKind::Queue => "messages",
            WorkloadKind::Stream => "records",
        }
    }

    /// Whether the workload runs as batch jobs (makespan and deadline, not a rate curve).
    pub fn is_job(self) -> bool {
        match self {
            WorkloadKind::Service
            | WorkloadKind::Workflow
            | WorkloadKind::Queue
            | WorkloadKind::Stream => false,
            WorkloadKind::Fanout => true,
        }
    }

    /// What the report calls the time an option takes per unit of work: a request's
    /// "latency", for a queue a message's "message age" (time in the queue until handled), for
    /// a stream its records' "iterator age" (their age when processed).
    pub fn latency_word(self) -> &'static str {
        match self {
            WorkloadKind::Service | WorkloadKind::Workflow | WorkloadKind::Fanout => "latency",
            WorkloadKind::Queue => "message age",
            WorkloadKind::Stream => "iterator age",
        }
    }
}

/// What a workload is, with exactly the sections its kind needs.
#[derive(Debug, Clone, PartialEq)]
pub enum Work {
    /// Requests answered one by one.
    Service { traffic: Traffic },
    /// Runs of a batch of independent items (`Promise.all`, `asyncio.gather`, a Map).
    Fanout { job: Job },
    /// An orchestrated multi-step execution per request.
    Workflow {
        traffic: Traffic,
        workflow: Workflow,
    },
    /// Messages arriving at a rate into an SQS queue, each handled by a consumer.
    Queue { traffic: Traffic, queue: Queue },
    /// Records (the traffic's rate) put into a Kinesis data stream and consumed from it.
    Stream { traffic: Traffic, stream: Stream },
}

impl Work {
    pub fn kind(&self) -> WorkloadKind {
        match self {
            Work::Service { .. } => WorkloadKind::Service,
            Work::Fanout { .. } => WorkloadKind::Fanout,
            Work::Workflow { .. } => WorkloadKind::Workflow,
            Work::Queue { .. } => WorkloadKind::Queue,
            Work::Stream { .. } => WorkloadKind::Stream,
        }
    }

    /// The queue's settings, for a queue.
    pub fn queue(&self) -> Option<&Queue> {
        match self {
            Work::Queue { queue, .. } => Some(queue),
            Work::Service { .. }
            | Work::Fanout { .. }
            | Work::Workflow { .. }
            | Work::Stream { .. } => None,
        }
    }

    pub fn queue_mut(&mut self) -> Option<&mut Queue> {
        match self {
            Work::Queue { queue, .. } => Some(queue),
            Work::Service { .. }
            | Work::Fanout { .. }
            | Work::Workflow { .. }
            | Work::Stream { .. } => None,
        }
    }

    /// The request traffic, for the kinds that have one.
    pub fn traffic(&self) -> Option<&Traffic> {
        match self {
            Work::Service { traffic }
            | Work::Workflow { traffic, .. }
            | Work::Queue { traffic, .. }
            | Work::Stream { traffic, .. } => Some(traffic),
            Work::Fanout { .. } => None,
        }
    }

    pub fn traffic_mut(&mut self) -> Option<&mut Traffic> {
        match self {
            Work::Service { traffic }
            | Work::Workflow { traffic, .. }
            | Work::Queue { traffic, .. }
            | Work::Stream { traffic, .. } => Some(traffic),
            Work::Fanout { .. } => None,
        }
    }

    pub fn job(&self) -> Option<&Job> {
        match self {
            Work::Fanout { job } => Some(job),
            Work::Service { .. }
            | Work::Workflow { .. }
            | Work::Queue { .. }
            | Work::Stream { .. } => None,
        }
    }

    pub fn job_mut(&mut self) -> Option<&mut Job> {
        match self {
            Work::Fanout { job } => Some(job),
            Work::Service { .. }
            | Work::Workflow { .. }
            | Work::Queue { .. }
            | Work::Stream { .. } => None,
        }
    }

    pub fn workflow(&self) -> Option<&Workflow> {
        match self {
            Work::Workflow { workflow, .. } => Some(workflow),
            Work::Service { .. }
            | Work::Fanout { .. }
            | Work::Queue { .. }
            | Work::Stream { .. } => None,
        }
    }

    pub fn workflow_mut(&mut self) -> Option<&mut Workflow> {
        match self {
            Work::Workflow { workflow, .. } => Some(workflow),
            Work::Service { .. }
            | Work::Fanout { .. }
            | Work::Queue { .. }
            | Work::Stream { .. } => None,
        }
    }

    /// The stream a `kind: stream` workload consumes.
    pub fn stream(&self) -> Option<&Stream> {
        match self {
            Work::Stream { stream, .. } => Some(stream),
            Work::Service { .. }
            | Work::Fanout { .. }
            | Work::Workflow { .. }
            | Work::Queue { .. } => None,
        }
    }

    pub fn stream_mut(&mut self) -> Option<&mut Stream> {
        match self {
            Work::Stream { stream, .. } => Some(stream),
            Work::Service { .. }
            | Work::Fanout { .. }
            | Work::Workflow { .. }
            | Work::Queue { .. } => None,
        }
    }
}

/// A validated workload. Serialises as the file spells it ([`WorkloadFile`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(into = "WorkloadFile")]
pub struct Workload {
    pub name: String,
    pub work: Work,
    pub request: Request,
    pub slo: Option<Slo>,
    /// What `planner calibrate` measured (inline, or merged from the sidecar file).
    pub calibration: Option<super::calibration::Calibration>,
}

impl Workload {
    pub fn kind(&self) -> WorkloadKind {
        self.work.kind()
    }
}

impl From<Workload> for WorkloadFile {
    fn from(w: Workload) -> WorkloadFile {
        let kind = w.kind();
        let (traffic, job, workflow, queue, stream) = match w.work {
            Work::Service { traffic } => (Some(traffic), None, None, None, None),
            Work::Fanout { job } => (None, Some(job), None, None, None),
            Work::Workflow { traffic, workflow } => {
                (Some(traffic), None, Some(workflow), None, None)
            }
            Work::Queue { traffic, queue } => (Some(traffic), None, None, Some(queue), None),
            Work::Stream { traffic, stream } => (Some(traffic), None, None, None, Some(stream)),
        };
        WorkloadFile {
            name: w.name,
            kind,
            traffic,
            request: w.request,
            slo: w.slo,
            job,
            workflow,
            queue,
            stream,
            calibration: w.calibration,
        }
    }
}

/// A workload as the file spells it: the sections of every kind, each optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkloadFile {
    pub name: String,
    pub kind: WorkloadKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic: Option<Traffic>,
    #[serde(default)]
    pub request: Request,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slo: Option<Slo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<Job>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow: Option<Workflow>,
    /// kind: queue: the SQS queue and how its consumers read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<Queue>,
    /// `kind: stream`: the Kinesis data stream and how its consumer reads it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<Stream>,
    /// What `planner calibrate` measured (inline, or merged from the sidecar file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<super::calibration::Calibration>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    #[default]
    Flat,
    Diurnal,
    Bursty,
    Trace,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Traffic {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monthly_requests: Option<f64>,
    /// Average requests per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rps: Option<f64>,
    #[serde(default = "one")]
    pub peak_to_average: f64,
    #[serde(default)]
    pub shape: Shape,
    /// CSV `timestamp,requests`, relative to the profile file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<PathBuf>,
    /// Requests per second at each step of the loaded trace (filled by the loader, not YAML).
    #[serde(skip)]
    pub trace_data: Option<TraceData>,
}

/// A replayed traffic trace: requests per second at a fixed step.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TraceData {
    pub step_s: f64,
    pub rps: Vec<f64>,
}

fn one() -> f64 {
    1.0
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// Handler wall time when it has one full vCPU.
    #[serde(default = "default_duration_ms")]
    pub duration_ms: f64,
    /// Part of `duration_ms` that is CPU work.
    #[serde(default)]
    pub cpu_ms: f64,
    /// How many vCPUs the CPU part of one request can use.
    #[serde(default = "one_u32")]
    pub threads: u32,
    /// How a process's runtime spreads its requests over cores: one core (an event loop or a
    /// GIL) or every core the process has (threads). Fleets only: Lambda runs one request per
    /// environment.
    #[serde(default)]
    pub runtime: Runtime,
    /// Memory one request/process needs.
    #[serde(default = "default_memory_mb")]
    pub memory_mb: u32,
    /// Request + response size.
    #[serde(default = "one")]
    pub payload_kb: f64,
}

fn default_duration_ms() -> f64 {
    100.0
}
fn one_u32() -> u32 {
    1
}
fn default_memory_mb() -> u32 {
    128
}

impl Default for Request {
    fn default() -> Self {
        Request {
            duration_ms: default_duration_ms(),
            cpu_ms: 0.0,
            threads: 1,
            runtime: Runtime::default(),
            memory_mb: default_memory_mb(),
            payload_kb: 1.0,
        }
    }
}

/// A process's runtime, as far as its parallelism across requests goes: how many cores the
/// requests it holds can keep busy at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Runtime {
    /// One core per process, whatever the task or instance has: an event loop or a GIL.
    #[default]
    OneCore,
    Nodejs,
    Python,
    Ruby,
    /// Every core the process has: requests run on threads (goroutines, a thread pool).
    AllCores,
    Go,
    Java,
    Dotnet,
}

impl Runtime {
    /// Whether the requests a process holds can use every core it has (else one).
    pub fn uses_all_cores(self) -> bool {
        match self {
            Runtime::OneCore | Runtime::Nodejs | Runtime::Python | Runtime::Ruby => false,
            Runtime::AllCores | Runtime::Go | Runtime::Java | Runtime::Dotnet => true,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Runtime::OneCore => "one_core",
            Runtime::Nodejs => "nodejs",
            Runtime::Python => "python",
            Runtime::Ruby => "ruby",
            Runtime::AllCores => "all_cores",
            Runtime::Go => "go",
            Runtime::Java => "java",
            Runtime::Dotnet => "dotnet",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Slo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p99_latency_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_throttled_share: Option<f64>,
    /// kind: queue: the p99 of a message's age when it is handled (time in the queue,
    /// batching and handling included), seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p99_message_age_s: Option<f64>,
    /// `kind: stream`: the records' age when processed (iterator age), p99, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p99_iterator_age_s: Option<f64>,
}

/// `stream.capacity`: how the Kinesis data stream's capacity is bought.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StreamCapacity {
    /// The cheaper of provisioned and on-demand that carries the traffic.
    #[default]
    Auto,
    Provisioned,
    OnDemand,
}

impl StreamCapacity {
    pub fn as_str(self) -> &'static str {
        match self {
            StreamCapacity::Auto => "auto",
            StreamCapacity::Provisioned => "provisioned",
            StreamCapacity::OnDemand => "on_demand",
        }
    }
}

/// `kind: stream`: a Kinesis data stream and how the workload's consumer reads it. The
/// traffic's rate counts records per second; `request.payload_kb` is a record's size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Stream {
    /// `auto` (default: the cheaper that carries the traffic), `provisioned` or `on_demand`.
    #[serde(default)]
    pub capacity: StreamCapacity,
    /// Provisioned shards: a number, or `auto` (enough for the peak in and out and the
    /// consumer's processing).
    #[serde(default)]
    pub shards: AutoOr<u32>,
    /// Distinct partition keys the producers use.
    #[serde(default = "default_partition_keys")]
    pub partition_keys: u64,
    /// Share of records on the busiest key (default: 1 / `partition_keys`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hot_key_share: Option<f64>,
    /// Hours a record stays readable: 24 (default) to 8,760.
    #[serde(default = "default_retention_hours")]
    pub retention_hours: f64,
    /// Other consumers reading the same stream through the shared 2 MB/s per shard.
    #[serde(default)]
    pub other_consumers: u32,
    /// This consumer reads through enhanced fan-out (its own 2 MB/s per shard).
    #[serde(default)]
    pub enhanced_fan_out: bool,
    /// Lambda event source mapping: records per batch (1–10,000).
    #[serde(default = "default_batch_size")]
    pub batch_size: u32,
    /// Lambda: seconds to gather a batch (0–300).
    #[serde(default)]
    pub batching_window_s: f64,
    /// Lambda: concurrent batches per shard (1–10).
    #[serde(default = "one_u32")]
    pub parallelization_factor: u32,
    /// Lambda: split a failed batch in two and retry each half.
    #[serde(default)]
    pub bisect_on_error: bool,
    /// Share of batches that fail and are retried.
    #[serde(default)]
    pub failure_share: f64,
    /// ECS / EC2: the KCL's `metricsLevel`, which of its CloudWatch metrics it publishes
    /// (`detailed`, the KCL's default; `summary`; `none`).
    #[serde(default)]
    pub kcl_metrics_level: KclMetricsLevel,
}

/// `stream.kcl_metrics_level`: the KCL's `MetricsLevel`, which of the metrics it publishes to
/// CloudWatch as custom metrics (billed per metric-month and per PutMetricData request).
/// https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-kcl.html
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum KclMetricsLevel {
    /// Every metric (the KCL's default).
    #[default]
    Detailed,
    /// The metrics of level SUMMARY only.
    Summary,
    /// No metrics at all.
    None,
}

impl KclMetricsLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            KclMetricsLevel::Detailed => "detailed",
            KclMetricsLevel::Summary => "summary",
            KclMetricsLevel::None => "none",
        }
    }
}

fn default_partition_keys() -> u64 {
    1_000
}
fn default_retention_hours() -> f64 {
    24.0
}
fn default_batch_size() -> u32 {
    100
}

impl Default for Stream {
    fn default() -> Self {
        Stream {
            capacity: StreamCapacity::Auto,
            shards: AutoOr::Auto,
            partition_keys: default_partition_keys(),
            hot_key_share: None,
            retention_hours: default_retention_hours(),
            other_consumers: 0,
            enhanced_fan_out: false,
            batch_size: default_batch_size(),
            batching_window_s: 0.0,
            parallelization_factor: 1,
            bisect_on_error: false,
            failure_share: 0.0,
            kcl_metrics_level: KclMetricsLevel::Detailed,
        }
    }
}

impl Stream {
    /// Share of the records on the busiest partition key.
    pub fn hot_key(&self) -> f64 {
        self.hot_key_share
            .unwrap_or(1.0 / self.partition_keys.max(1) as f64)
            .clamp(0.0, 1.0)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Job {
    pub items: u64,
    pub runs_per_month: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline_s: Option<f64>,
    /// Share of the deadline kept as headroom (default 10%): a run must finish within
    /// `deadline_s × (1 − deadline_margin)`. See `Demand::usable_deadline_s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline_margin: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Workflow {
    pub transitions: u32,
    /// Express: execution duration (default: sum of the steps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<f64>,
    /// Express: memory the execution uses.
    #[serde(default = "default_workflow_memory_mb")]
    pub memory_mb: u32,
    #[serde(default)]
    pub steps: Vec<Step>,
}

fn default_workflow_memory_mb() -> u32 {
    64
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub name: String,
    #[serde(default)]
    pub duration_ms: f64,
    #[serde(default)]
    pub cpu_ms: f64,
    #[serde(default = "default_memory_mb")]
    pub memory_mb: u32,
    /// No Lambda runs in the step: a Wait state of `duration_ms`, or (with
    /// `callback_wait_s`) a task token sent by a service integration such as SQS or SNS.
    #[serde(default)]
    pub wait: bool,
    /// Seconds the step then waits for a callback: it hands out a task token (a human
    /// approval, a partner system) and the workflow resumes when the token comes back
    /// (Step Functions' `.waitForTaskToken`). Whoever runs the workflow holds it meanwhile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_wait_s: Option<f64>,
}

impl Step {
    /// The callback wait in ms (0 for a step that waits for none).
    pub fn callback_ms(&self) -> f64 {
        self.callback_wait_s.map_or(0.0, |s| s.max(0.0) * 1000.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub enum Architecture {
    #[default]
    #[serde(rename = "x86_64")]
    X86_64,
    #[serde(rename = "arm64")]
    Arm64,
}

impl Architecture {
    pub fn as_str(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64",
            Architecture::Arm64 => "arm64",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Platforms {
    #[serde(default)]
    pub lambda: LambdaConfig,
    #[serde(default)]
    pub step_functions: StepFunctionsConfig,
    #[serde(default)]
    pub ecs: EcsConfig,
    #[serde(default)]
    pub ec2: Ec2Config,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LambdaIngress {
    #[default]
    FunctionUrl,
    ApiGatewayHttp,
    ApiGatewayRest,
    /// An Application Load Balancer with the function as its target.
    Alb,
    /// Invoked directly (SDK, event source): no front door billed.
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FleetIngress {
    #[default]
    Alb,
    None,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LambdaConfig {
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub architecture: Architecture,
    #[serde(default)]
    pub memory_mb: AutoOr<u32>,
    #[serde(default)]
    pub provisioned_concurrency: u32,
    /// A reserved concurrency the team chose for the function: a hard limit. Not stated
    /// (the default), the function shares the account's concurrent executions quota
    /// (`quotas: lambda.concurrent_executions`, or the book's default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency_limit: Option<u32>,
    #[serde(default = "default_cold_start_ms")]
    pub cold_start_ms: f64,
    #[serde(default = "default_ephemeral_mb")]
    pub ephemeral_storage_mb: u32,
    #[serde(default)]
    pub ingress: LambdaIngress,
    /// `on_demand` (default), `savings_plan_1y`, `savings_plan_3y` (Compute Savings Plans).
    #[serde(default)]
    pub purchase: Purchase,
}

fn yes() -> bool {
    true
}
fn default_cold_start_ms() -> f64 {
    300.0
}
fn default_ephemeral_mb() -> u32 {
    512
}

impl Default for LambdaConfig {
    fn default() -> Self {
        LambdaConfig {
            enabled: true,
            architecture: Architecture::default(),
            memory_mb: AutoOr::Auto,
            provisioned_concurrency: 0,
            concurrency_limit: None,
            cold_start_ms: default_cold_start_ms(),
            ephemeral_storage_mb: default_ephemeral_mb(),
            ingress: LambdaIngress::default(),
            purchase: Purchase::default(),
        }
    }
}

/// A Step Functions state machine's type, as the model runs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StateMachineType {
    Standard,
    Express,
}

impl StateMachineType {
    pub fn as_str(self) -> &'static str {
        match self {
            StateMachineType::Standard => "standard",
            StateMachineType::Express => "express",
        }
    }
}

/// `platforms.step_functions.type`: a type the profile pins, or `auto` (the default): the
/// cheaper feasible of Standard and Express, searched like `memory_mb: auto`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkflowType {
    #[default]
    Auto,
    Standard,
    Express,
}

impl WorkflowType {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkflowType::Auto => "auto",
            WorkflowType::Standard => "standard",
            WorkflowType::Express => "express",
        }
    }

    /// The pinned type; `None` for `auto`.
    pub fn pinned(self) -> Option<StateMachineType> {
        match self {
            WorkflowType::Auto => None,
            WorkflowType::Standard => Some(StateMachineType::Standard),
            WorkflowType::Express => Some(StateMachineType::Express),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MapMode {
    /// Inline when the items fit its limits, else Distributed.
    #[default]
    Auto,
    Inline,
    Distributed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepFunctionsConfig {
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default, rename = "type")]
    pub kind: WorkflowType,
    /// Fan-out jobs: which Map state runs the items.
    #[serde(default)]
    pub map: MapMode,
    /// Distributed Map: items per child execution (ItemBatcher `MaxItemsPerBatch`); `auto`
    /// (the default): the cheapest size that meets the deadline and the limits.
    #[serde(default)]
    pub items_per_batch: AutoOr<u32>,
}

impl Default for StepFunctionsConfig {
    fn default() -> Self {
        StepFunctionsConfig {
            enabled: true,
            kind: WorkflowType::default(),
            map: MapMode::default(),
            items_per_batch: AutoOr::Auto,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EcsConfig {
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub vcpu: AutoOr<f64>,
    #[serde(default)]
    pub memory_gb: AutoOr<f64>,
    #[serde(default)]
    pub architecture: Architecture,
    /// Fargate Spot; the same as `purchase: spot` (kept for profiles that say `spot: true`).
    #[serde(default)]
    pub spot: bool,
    /// `on_demand` (default), `spot`, `savings_plan_1y`, `savings_plan_3y`.
    #[serde(default)]
    pub purchase: Purchase,
    #[serde(default = "default_min_fleet")]
    pub min_tasks: u32,
    #[serde(default = "default_max_tasks")]
    pub max_tasks: u32,
    #[serde(default = "default_target_utilization")]
    pub target_utilization: f64,
    #[serde(default = "default_concurrency_per_process")]
    pub concurrency_per_task: u32,
    #[serde(default = "default_ecs_scale_out_minutes")]
    pub scale_out_minutes: f64,
    /// Ephemeral storage per task; the first 20 GB are free.
    #[serde(default = "default_ecs_storage_gb")]
    pub ephemeral_storage_gb: f64,
    #[serde(default)]
    pub ingress: FleetIngress,
}

fn default_min_fleet() -> u32 {
    2
}
fn default_max_tasks() -> u32 {
    100
}
fn default_target_utilization() -> f64 {
    0.6
}
fn default_concurrency_per_process() -> u32 {
    50
}
fn default_ecs_scale_out_minutes() -> f64 {
    3.0
}
fn default_ecs_storage_gb() -> f64 {
    20.0
}

impl EcsConfig {
    /// How the tasks are bought: `spot: true` is `purchase: spot`.
    pub fn purchase(&self) -> Purchase {
        if self.spot {
            Purchase::Spot
        } else {
            self.purchase
        }
    }
}

impl Default for EcsConfig {
    fn default() -> Self {
        EcsConfig {
            enabled: true,
            vcpu: AutoOr::Auto,
            memory_gb: AutoOr::Auto,
            architecture: Architecture::default(),
            spot: false,
            purchase: Purchase::default(),
            min_tasks: default_min_fleet(),
            max_tasks: default_max_tasks(),
            target_utilization: default_target_utilization(),
            concurrency_per_task: default_concurrency_per_process(),
            scale_out_minutes: default_ecs_scale_out_minutes(),
            ephemeral_storage_gb: default_ecs_storage_gb(),
            ingress: FleetIngress::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProcessManager {
    #[default]
    Pm2,
    Gunicorn,
    Uvicorn,
    Puma,
    Systemd,
}

/// How capacity is bought: the one list of purchase options, their spelling and which
/// platforms offer them (parsing, validation, the TUI and the report all read it here).
/// Reserved Instances and Savings Plans are the no-upfront kind: billed per hour, with
/// nothing paid in advance. The `savings_plan_*` options are Compute Savings Plans (EC2,
/// Fargate and Lambda); `instance_savings_plan_*` are EC2 Instance Savings Plans (one
/// instance family in one Region).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Purchase {
    #[default]
    #[serde(rename = "on_demand")]
    OnDemand,
    #[serde(rename = "spot")]
    Spot,
    #[serde(rename = "reserved_1y")]
    Reserved1y,
    #[serde(rename = "reserved_3y")]
    Reserved3y,
    #[serde(rename = "savings_plan_1y")]
    SavingsPlan1y,
    #[serde(rename = "savings_plan_3y")]
    SavingsPlan3y,
    #[serde(rename = "instance_savings_plan_1y")]
    InstanceSavingsPlan1y,
    #[serde(rename = "instance_savings_plan_3y")]
    InstanceSavingsPlan3y,
}

impl Purchase {
    /// Every option, in the order the TUI cycles them.
    pub const ALL: [Purchase; 8] = [
        Purchase::OnDemand,
        Purchase::Spot,
        Purchase::Reserved1y,
        Purchase::Reserved3y,
        Purchase::SavingsPlan1y,
        Purchase::SavingsPlan3y,
        Purchase::InstanceSavingsPlan1y,
        Purchase::InstanceSavingsPlan3y,
    ];
    /// What EC2 offers: every option.
    pub const EC2: [Purchase; 8] = Purchase::ALL;
    /// What Lambda offers: on-demand and Compute Savings Plans (on duration and provisioned
    /// concurrency; requests are not discounted).
    pub const LAMBDA: [Purchase; 3] = [
        Purchase::OnDemand,
        Purchase::SavingsPlan1y,
        Purchase::SavingsPlan3y,
    ];
    /// What Fargate offers (ECS): on-demand, Fargate Spot, Compute Savings Plans.
    pub const FARGATE: [Purchase; 4] = [
        Purchase::OnDemand,
        Purchase::Spot,
        Purchase::SavingsPlan1y,
        Purchase::SavingsPlan3y,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Purchase::OnDemand => "on_demand",
            Purchase::Spot => "spot",
            Purchase::Reserved1y => "reserved_1y",
            Purchase::Reserved3y => "reserved_3y",
            Purchase::SavingsPlan1y => "savings_plan_1y",
            Purchase::SavingsPlan3y => "savings_plan_3y",
            Purchase::InstanceSavingsPlan1y => "instance_savings_plan_1y",
            Purchase::InstanceSavingsPlan3y => "instance_savings_plan_3y",
        }
    }

    /// The option named `s` (as a profile spells it).
    pub fn parse(s: &str) -> Option<Purchase> {
        Purchase::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The options of `offered`, spelled for a message: "on_demand, spot or savings_plan_1y".
    pub fn list(offered: &[Purchase]) -> String {
        let names: Vec<&str> = offered.iter().map(|p| p.as_str()).collect();
        match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            Some((last, _)) => (*last).to_string(),
            None => String::new(),
        }
    }

    /// In words, for the report: "1-year Compute Savings Plan (no upfront)".
    pub fn describe(self) -> &'static str {
        match self {
            Purchase::OnDemand => "On-Demand",
            Purchase::Spot => "Spot",
            Purchase::Reserved1y => "1-year Standard Reserved Instances (no upfront)",
            Purchase::Reserved3y => "3-year Standard Reserved Instances (no upfront)",
            Purchase::SavingsPlan1y => "1-year Compute Savings Plan (no upfront)",
            Purchase::SavingsPlan3y => "3-year Compute Savings Plan (no upfront)",
            Purchase::InstanceSavingsPlan1y => "1-year EC2 Instance Savings Plan (no upfront)",
            Purchase::InstanceSavingsPlan3y => "3-year EC2 Instance Savings Plan (no upfront)",
        }
    }

    /// A 1- or 3-year commitment (Reserved Instances, Savings Plans): sized to the steady
    /// baseline, with the rest billed on demand. On-demand and Spot commit to nothing.
    pub fn is_commitment(self) -> bool {
        match self {
            Purchase::OnDemand | Purchase::Spot => false,
            Purchase::Reserved1y
            | Purchase::Reserved3y
            | Purchase::SavingsPlan1y
            | Purchase::SavingsPlan3y
            | Purchase::InstanceSavingsPlan1y
            | Purchase::InstanceSavingsPlan3y => true,
        }
    }
}

/// A commitment the account holds (or would buy), stated once for the profile:
/// `commitment: { savings_plan: compute_1y }`. It prices every platform it covers whose own
/// `purchase` is `on_demand` (the default); a platform that states another purchase keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Commitment {
    pub savings_plan: SavingsPlanTerm,
}

/// The Compute Savings Plans a profile's `commitment` can name (no upfront).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum SavingsPlanTerm {
    #[serde(rename = "compute_1y")]
    Compute1y,
    #[serde(rename = "compute_3y")]
    Compute3y,
}

impl SavingsPlanTerm {
    /// The purchase option it stands for on each platform it covers.
    pub fn purchase(self) -> Purchase {
        match self {
            SavingsPlanTerm::Compute1y => Purchase::SavingsPlan1y,
            SavingsPlanTerm::Compute3y => Purchase::SavingsPlan3y,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ec2Config {
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub instance_type: AutoOr<String>,
    #[serde(default)]
    pub process_manager: ProcessManager,
    #[serde(default)]
    pub processes_per_instance: AutoOr<u32>,
    #[serde(default = "default_concurrency_per_process")]
    pub concurrency_per_process: u32,
    #[serde(default = "default_min_fleet")]
    pub min_instances: u32,
    #[serde(default = "default_max_instances")]
    pub max_instances: u32,
    #[serde(default = "default_target_utilization")]
    pub target_utilization: f64,
    #[serde(default = "default_ec2_scale_out_minutes")]
    pub scale_out_minutes: f64,
    #[serde(default)]
    pub purchase: Purchase,
    #[serde(default)]
    pub ingress: FleetIngress,
}

fn default_max_instances() -> u32 {
    100
}
fn default_ec2_scale_out_minutes() -> f64 {
    5.0
}

impl Default for Ec2Config {
    fn default() -> Self {
        Ec2Config {
            enabled: true,
            instance_type: AutoOr::Auto,
            process_manager: ProcessManager::default(),
            processes_per_instance: AutoOr::Auto,
            concurrency_per_process: default_concurrency_per_process(),
            min_instances: default_min_fleet(),
            max_instances: default_max_instances(),
            target_utilization: default_target_utilization(),
            scale_out_minutes: default_ec2_scale_out_minutes(),
            purchase: Purchase::default(),
            ingress: FleetIngress::default(),
        }
    }
}

// ------------------------------------------------------------------ logs

/// The `logs:` section: what every option writes to CloudWatch Logs (SPEC §5, "the whole
/// bill"). Billed by `model::logs`, the one place logs are priced.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogsConfig {
    /// Bytes the application logs per request (per item for a fan-out job), on every
    /// platform: about one structured access-log line by default. 0 logs nothing.
    #[serde(default = "default_log_bytes_per_request")]
    pub bytes_per_request: f64,
    /// How long the log groups keep their events: one of CloudWatch's retention settings
    /// (1, 3, 5, 7, 14, 30, ... 3653 days) or `never` (never expire, AWS's default).
    #[serde(default)]
    pub retention_days: Retention,
    /// Lambda's log format: `text` (AWS's default for managed runtimes) or `json`.
    #[serde(default)]
    pub lambda_log_format: LambdaLogFormat,
    /// Lambda's system log level (JSON format only): `info` (default), `debug` or `warn`.
    #[serde(default)]
    pub lambda_system_log_level: SystemLogLevel,
}

/// One structured access-log line (method, path, status, latency, request id, timestamp)
/// is about 200 to 300 bytes.
pub const DEFAULT_LOG_BYTES_PER_REQUEST: f64 = 256.0;

fn default_log_bytes_per_request() -> f64 {
    DEFAULT_LOG_BYTES_PER_REQUEST
}

impl Default for LogsConfig {
    fn default() -> LogsConfig {
        LogsConfig {
            bytes_per_request: DEFAULT_LOG_BYTES_PER_REQUEST,
            retention_days: Retention::default(),
            lambda_log_format: LambdaLogFormat::default(),
            lambda_system_log_level: SystemLogLevel::default(),
        }
    }
}

/// A log group's retention: a number of days, or never expire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retention {
    /// As the profile states it; `validate` holds it to CloudWatch's allowed values.
    Days(i64),
    Never,
}

/// 30 days: a retention a team sets on purpose (AWS's own default, never expire, keeps every
/// event for ever, a cost that grows every month).
impl Default for Retention {
    fn default() -> Retention {
        Retention::Days(30)
    }
}

impl Serialize for Retention {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Retention::Days(d) => s.serialize_i64(*d),
            Retention::Never => s.serialize_str("never"),
        }
    }
}

/// A whole number of days among CloudWatch's retention settings, or `never`.
impl JsonSchema for Retention {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Retention".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "anyOf": [
                { "type": "integer", "enum": crate::profile::validate::LOG_RETENTION_DAYS },
                { "const": "never" }
            ]
        })
    }
}

impl<'de> Deserialize<'de> for Retention {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Retention, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Retention;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a whole number of days or `never`")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Retention, E> {
                Ok(Retention::Days(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Retention, E> {
                Ok(Retention::Days(i64::try_from(v).unwrap_or(i64::MAX)))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Retention, E> {
                if v.fract() == 0.0 && v.abs() < 1e15 {
                    Ok(Retention::Days(v as i64))
                } else {
                    Err(E::invalid_value(serde::de::Unexpected::Float(v), &self))
                }
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Retention, E> {
                match v {
                    "never" => Ok(Retention::Never),
                    _ => Err(E::invalid_value(serde::de::Unexpected::Str(v), &self)),
                }
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LambdaLogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SystemLogLevel {
    Debug,
    #[default]
    Info,
    Warn,
}

// ------------------------------------------------------------------ network (#12)

/// The profile's `network:` section: where the fleets' tasks and instances sit, how private
/// subnets reach the internet and AWS APIs, whether Lambda runs in the VPC, how much each
/// request sends to clients, and the front door's reach. It applies to every workload.
///
/// The defaults are the common production layout: tasks and instances in private subnets of
/// two Availability Zones behind an internet-facing ALB, one NAT gateway per AZ for egress,
/// Lambda outside the VPC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Network {
    /// Subnets the fleets' tasks and instances run in.
    #[serde(default)]
    pub subnet: Subnet,
    /// Availability Zones the VPC's subnets (and the ALB, NAT gateways and endpoints) span.
    #[serde(default = "default_availability_zones")]
    pub availability_zones: u32,
    /// How private subnets (and a VPC Lambda) reach the internet and AWS APIs.
    #[serde(default)]
    pub egress: Egress,
    /// With `egress: nat_gateway`: one NAT gateway per AZ (AWS's advice for availability) or
    /// one shared by the VPC.
    #[serde(default)]
    pub nat_gateways: NatGateways,
    /// With `egress: vpc_endpoints`: interface endpoints in each AZ (the services reached:
    /// ECR api and dkr and CloudWatch Logs, say; the S3 and DynamoDB gateway endpoints are
    /// free and not counted).
    #[serde(default = "default_interface_endpoints")]
    pub interface_endpoints: u32,
    /// KB each request (or fan-out item) sends and receives through the NAT gateway or the
    /// endpoints: calls to AWS APIs and third parties. Responses to clients go through the
    /// front door, not the NAT gateway.
    #[serde(default)]
    pub egress_kb_per_request: f64,
    /// KB each request sends to its client: data transfer out to the internet. `auto` (the
    /// default) counts the whole `payload_kb` (request + response), an upper bound.
    #[serde(default)]
    pub response_kb: AutoOr<f64>,
    /// Lambda functions (and Step Functions' task states) attached to the VPC's private
    /// subnets: they reach out through its `egress`.
    #[serde(default)]
    pub lambda_in_vpc: bool,
    /// Requests a client sends over one connection to an ALB (HTTP keep-alive). 1 counts a
    /// new connection per request, the costly case and the default.
    #[serde(default = "default_requests_per_connection")]
    pub requests_per_connection: f64,
    /// Whether clients reach the front door from the internet (`public`: an internet-facing
    /// ALB, a regional API) or only from inside the VPC (`private`: an internal ALB, a private
    /// REST API; no data transfer out to the internet).
    #[serde(default)]
    pub front_door: FrontDoor,
}

fn default_availability_zones() -> u32 {
    2
}
fn default_interface_endpoints() -> u32 {
    3
}
fn default_requests_per_connection() -> f64 {
    1.0
}

impl Default for Network {
    fn default() -> Self {
        Network {
            subnet: Subnet::default(),
            availability_zones: default_availability_zones(),
            egress: Egress::default(),
            nat_gateways: NatGateways::default(),
            interface_endpoints: default_interface_endpoints(),
            egress_kb_per_request: 0.0,
            response_kb: AutoOr::Auto,
            lambda_in_vpc: false,
            requests_per_connection: default_requests_per_connection(),
            front_door: FrontDoor::default(),
        }
    }
}

impl Network {
    /// The section as every profile without one has it.
    pub fn is_default(&self) -> bool {
        *self == Network::default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Subnet {
    /// Each task and instance has its own public IPv4 address and reaches the internet
    /// through it.
    Public,
    /// No public addresses on tasks and instances; outbound traffic through `egress`.
    #[default]
    Private,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Egress {
    #[default]
    NatGateway,
    /// Interface VPC endpoints (PrivateLink) to the AWS APIs the workload calls; no internet.
    VpcEndpoints,
    /// No way out (isolated subnets): nothing billed.
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NatGateways {
    /// One NAT gateway in each Availability Zone (AWS's advice for availability).
    #[default]
    PerAz,
    /// One NAT gateway for the whole VPC.
    Shared,
    /// The VPC's NAT gateways are already there, paid for by the account whatever this
    /// workload does: only the GB it sends through them are its cost.
    Existing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FrontDoor {
    #[default]
    Public,
    Private,
}

/// `queue.type`: an SQS standard queue (at-least-once, best-effort order) or a FIFO queue
/// (exactly-once, ordered within a message group).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum QueueType {
    #[default]
    Standard,
    Fifo,
}

impl QueueType {
    pub fn as_str(self) -> &'static str {
        match self {
            QueueType::Standard => "standard",
            QueueType::Fifo => "fifo",
        }
    }
}

/// kind: queue: the SQS queue and how its consumers read it (Lambda's event source mapping,
/// or the fleets' long-polling workers). See the README's profile section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Queue {
    /// `standard` (default) or `fifo`.
    #[serde(default, rename = "type")]
    pub kind: QueueType,
    /// FIFO high-throughput mode (per-message-group throughput limits).
    #[serde(default)]
    pub high_throughput: bool,
    /// FIFO only: distinct message groups that have messages at a time (ordering holds
    /// within a group, so at most this many batches run at once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_groups: Option<u32>,
    /// Messages per Lambda invocation (and per ReceiveMessage of a worker, at most 10).
    #[serde(default = "default_queue_batch_size")]
    pub batch_size: u32,
    /// Lambda's `MaximumBatchingWindowInSeconds` (0–300).
    #[serde(default)]
    pub batching_window_s: f64,
    /// Lambda's event source mapping maximum concurrency (2–1,000), or `auto`: no cap.
    #[serde(default)]
    pub max_concurrency: AutoOr<u32>,
    /// The queue's visibility timeout, s; default 6 × the function timeout AWS recommends
    /// (planner's function timeout: a batch's duration with headroom, see `model::queue`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility_timeout_s: Option<f64>,
    /// Redrive to a dead-letter queue after this many receives; not stated: no DLQ.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_receives: Option<u32>,
    /// Share of handling attempts that fail and are retried (default 0).
    #[serde(default)]
    pub failure_share: f64,
    /// Lambda `ReportBatchItemFailures`: only failed messages return to the queue (default
    /// true); without it a failure returns the whole batch.
    #[serde(default = "yes")]
    pub partial_batch_response: bool,
}

fn default_queue_batch_size() -> u32 {
    10
}

impl Default for Queue {
    fn default() -> Self {
        Queue {
            kind: QueueType::default(),
            high_throughput: false,
            message_groups: None,
            batch_size: default_queue_batch_size(),
            batching_window_s: 0.0,
            max_concurrency: AutoOr::Auto,
            visibility_timeout_s: None,
            max_receives: None,
            failure_share: 0.0,
            partial_batch_response: true,
        }
    }
}
