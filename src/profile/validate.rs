//! The rules a parsed profile must follow beyond its types, each problem located in the file.

use super::error::{ProfileError, ProfileErrorKind, TraceLocation};
use super::fargate::{
    describe_memory_options, fargate_memory_options, fargate_sizes, fargate_vcpu_sizes,
    is_valid_fargate_size,
};
use super::positions::PositionMap;
use super::trace::{fmt_num, parse_trace_within};
use super::types::*;
use std::collections::HashMap;
use std::path::Path;

/// Lambda memory range, MB (also used for workflow task steps).
pub const LAMBDA_MEMORY_MB: (u32, u32) = (128, 10_240);
/// Lambda ephemeral storage range, MB.
pub const LAMBDA_EPHEMERAL_MB: (u32, u32) = (512, 10_240);
/// Fargate ephemeral storage range, GB (20 GB included).
pub const FARGATE_EPHEMERAL_GB: (f64, f64) = (20.0, 200.0);
/// Most vCPUs a request's CPU part can use.
pub const MAX_THREADS: u32 = 64;
/// Largest peak-to-average ratio: a whole day's traffic in one minute.
pub const MAX_PEAK_TO_AVERAGE: f64 = 1440.0;
/// The largest magnitude any number in a profile or sidecar may have: beyond it no figure
/// means anything, and products of such numbers overflow to infinity. Fields have tighter
/// ranges of their own ([`limits`]).
pub const MAX_FIGURE: f64 = 1e15;

/// Upper bounds of a profile's open-ended numbers: each the largest value that still
/// describes a workload on AWS (the README's "Input limits" lists them).
pub mod limits {
    /// Average requests per second of one workload (a million).
    pub const RPS: f64 = 1e6;
    /// Requests a month: [`RPS`] for 730 hours.
    pub const MONTHLY_REQUESTS: f64 = RPS * 2_628_000.0;
    /// A request's (or a job item's) duration: one day, in ms.
    pub const DURATION_MS: f64 = 86_400_000.0;
    /// A workflow's or a step's duration: one year (Standard's longest execution), in ms.
    pub const WORKFLOW_MS: f64 = 31_536_000_000.0;
    /// Request and response size: 1 GiB, in KB.
    pub const PAYLOAD_KB: f64 = 1_048_576.0;
    /// Items in one run of a job (a billion).
    pub const ITEMS: u64 = 1_000_000_000;
    /// Runs of a job a month: one a second.
    pub const RUNS_PER_MONTH: f64 = 2_628_000.0;
    /// A job's deadline: a month, in s.
    pub const DEADLINE_S: f64 = 2_628_000.0;
    /// Anything measured on one Lambda invocation: its 15-minute timeout, in ms.
    pub const INVOCATION_MS: f64 = 900_000.0;
    /// Scale-out lag of a fleet: a day, in minutes.
    pub const SCALE_OUT_MINUTES: f64 = 1440.0;
    /// Application log bytes per request: CloudWatch's largest log event (1 MB, 1,048,576
    /// bytes less its 26 bytes of overhead).
    pub const LOG_BYTES_PER_REQUEST: f64 = 1_048_550.0;

    /// Workloads in one profile. Each costs the model a few milliseconds (four platforms, each
    /// searched at the chart's scales of the rate), so 500 report within about a second.
    pub const WORKLOADS: usize = 500;
    /// Steps in all of a profile's workflows together (each task state searches its Lambda
    /// memory at every scale: about a third of a millisecond each).
    pub const WORKFLOW_STEPS: usize = 2_000;
    /// Workloads with `shape: trace` in one profile (each models up to
    /// `model::traffic::MAX_CURVE_STEPS` steps, about seven times a synthetic day).
    pub const TRACE_WORKLOADS: usize = 20;
    /// A stream's provisioned shards (the model's bound, far above the default account quota).
    pub const SHARDS: u32 = 100_000;
    /// A Kinesis stream's longest retention: 365 days.
    pub const RETENTION_HOURS: f64 = 8_760.0;
    /// Rows in one trace, and in all of a profile's traces together.
    pub const TRACE_ROWS: usize = super::super::trace::MAX_TRACE_ROWS;
}

struct Checker<'a> {
    file: &'a Path,
    pos: &'a PositionMap,
    errors: Vec<ProfileError>,
}

impl Checker<'_> {
    /// A problem with the value at `path`.
    fn at(&mut self, path: &str, msg: impl Into<String>) {
        let loc = self.pos.value(path);
        self.errors.push(ProfileError::new(
            ProfileErrorKind::Invalid,
            self.file,
            loc,
            path,
            msg,
        ));
    }

    /// A problem with the key at `path` being there at all.
    fn at_key(&mut self, path: &str, msg: impl Into<String>) {
        let loc = self.pos.key(path);
        self.errors.push(ProfileError::new(
            ProfileErrorKind::Invalid,
            self.file,
            loc,
            path,
            msg,
        ));
    }

    /// A finite number no larger in magnitude than [`MAX_FIGURE`].
    fn finite(&mut self, path: &str, v: f64) -> bool {
        if !v.is_finite() {
            self.at(path, format!("{v} is not a finite number"));
            false
        } else if v.abs() > MAX_FIGURE {
            self.at(
                path,
                format!("{v:e} is beyond any figure planner models (at most {MAX_FIGURE:e})"),
            );
            false
        } else {
            true
        }
    }

    /// v ≤ max (checked only when v is a number at all; the range's low end is checked on
    /// its own).
    fn at_most(&mut self, path: &str, v: f64, max: f64, unit: &str) {
        if v.is_finite() && v.abs() <= MAX_FIGURE && v > max {
            self.at(
                path,
                format!(
                    "{} is out of range (at most {}{unit})",
                    fmt_num(v),
                    fmt_num(max)
                ),
            );
        }
    }

    /// v ≥ 0.
    fn non_negative(&mut self, path: &str, v: f64) {
        if self.finite(path, v) && v < 0.0 {
            self.at(path, format!("{} is out of range (≥ 0)", fmt_num(v)));
        }
    }

    /// v > 0.
    fn positive(&mut self, path: &str, v: f64) {
        if self.finite(path, v) && v <= 0.0 {
            self.at(path, format!("{} is out of range (> 0)", fmt_num(v)));
        }
    }

    fn range_u32(&mut self, path: &str, v: u32, (lo, hi): (u32, u32), unit: &str) {
        if v < lo || v > hi {
            self.at(path, format!("{v} is out of range ({lo}..={hi}{unit})"));
        }
    }

    fn at_least_one(&mut self, path: &str, v: u64) {
        if v < 1 {
            self.at(path, format!("{v} is out of range (≥ 1)"));
        }
    }

    /// 0 < v ≤ 1.
    fn utilization(&mut self, path: &str, v: f64) {
        if self.finite(path, v) && (v <= 0.0 || v > 1.0) {
            self.at(path, format!("{} is out of range (0 < x ≤ 1)", fmt_num(v)));
        }
    }
}

/// Names that must be present and unique within a list (workloads, a workflow's steps).
struct UniqueNames<'a> {
    seen: HashMap<&'a str, usize>,
    /// The list's key, e.g. "steps".
    list: &'static str,
    /// What a name is, e.g. "step name".
    what: &'static str,
    /// What must be unique, e.g. "state names".
    plural: &'static str,
}

impl<'a> UniqueNames<'a> {
    fn new(list: &'static str, what: &'static str, plural: &'static str) -> Self {
        UniqueNames {
            seen: HashMap::new(),
            list,
            what,
            plural,
        }
    }

    /// Item `i` at path `p` is named `name`.
    fn check(&mut self, c: &mut Checker<'_>, p: &str, i: usize, name: &'a str) {
        if name.trim().is_empty() {
            c.at(&format!("{p}.name"), "must not be empty");
        } else if let Some(first) = self.seen.get(name) {
            c.at(
                &format!("{p}.name"),
                format!(
                    "duplicate {} `{name}` (also {}[{first}]); {} must be unique",
                    self.what, self.list, self.plural
                ),
            );
        } else {
            self.seen.insert(name, i);
        }
    }
}

/// Check every rule, collecting all problems; load trace files into `traffic.trace_data`;
/// then type the profile: each workload's kind with exactly the sections it needs. `base` is
/// the folder trace paths are relative to.
pub(crate) fn validate(
    mut profile: ProfileFile,
    pos: &PositionMap,
    file: &Path,
    base: &Path,
) -> Result<Profile, Vec<ProfileError>> {
    let mut c = Checker {
        file,
        pos,
        errors: Vec::new(),
    };

    if profile.version != 1 {
        c.at(
            "version",
            format!(
                "unsupported version {}; this planner reads version 1",
                profile.version
            ),
        );
    }
    if profile.name.trim().is_empty() {
        c.at("name", "must not be empty");
    }
    if !is_region_code(&profile.region) {
        c.at(
            "region",
            format!(
                "`{}` is not an AWS Region code (like `us-east-1`)",
                profile.region
            ),
        );
    }
    if profile.workloads.is_empty() {
        c.at("workloads", "at least one workload is needed");
    }

    check_scale(&mut c, &profile.workloads);

    let mut names = UniqueNames::new("workloads", "workload name", "names");
    for (i, w) in profile.workloads.iter().enumerate().take(limits::WORKLOADS) {
        let p = format!("workloads[{i}]");
        names.check(&mut c, &p, i, &w.name);
        check_workload(&mut c, &p, w);
    }

    // Trace files, once the traffic around them is known to be sound: at most
    // `limits::TRACE_WORKLOADS` of them and `limits::TRACE_ROWS` rows in all.
    let mut rows_left = limits::TRACE_ROWS;
    let traced = profile
        .workloads
        .iter_mut()
        .enumerate()
        .take(limits::WORKLOADS)
        .filter_map(|(i, w)| Some((i, w.traffic.as_mut()?)))
        .filter(|(_, t)| t.shape == Shape::Trace && t.trace.is_some())
        .take(limits::TRACE_WORKLOADS);
    for (i, t) in traced {
        let Some(rel) = t.trace.as_ref() else {
            continue;
        };
        let field = format!("workloads[{i}].traffic.trace");
        let csv = base.join(rel);
        let loc = pos.value(&field);
        let trace_err = |line: usize, msg: String| {
            let mut e = ProfileError::new(ProfileErrorKind::Trace, file, loc, field.clone(), msg);
            e.trace = Some(TraceLocation {
                file: csv.clone(),
                line,
            });
            e
        };
        if rows_left == 0 {
            c.errors.push(trace_err(
                0,
                format!(
                    "not read: the profile's other traces already hold {} rows, the most planner reads for one profile",
                    crate::format::count(limits::TRACE_ROWS as f64)
                ),
            ));
            continue;
        }
        match crate::input::read_text(&csv, crate::input::MAX_TRACE_BYTES) {
            Err(e) => c.errors.push(trace_err(
                e.position().map_or(0, |(line, _)| line),
                format!("cannot read trace: {e}"),
            )),
            Ok(text) => match parse_trace_within(&text, rows_left) {
                Ok(data)
                    if data.rps.iter().all(|&r| r <= 0.0)
                        && (t.rps.is_some_and(|r| r > 0.0)
                            || t.monthly_requests.is_some_and(|m| m > 0.0)) =>
                {
                    c.errors.push(trace_err(
                        0,
                        "the trace has no requests, so it has no shape to scale to the stated rate"
                            .to_string(),
                    ));
                }
                Ok(data) => {
                    rows_left = rows_left.saturating_sub(data.rps.len());
                    t.trace_data = Some(data);
                }
                Err(issues) => c
                    .errors
                    .extend(issues.into_iter().map(|is| trace_err(is.line, is.message))),
            },
        }
    }

    check_platforms(&mut c, &profile.platforms);
    check_quotas(&mut c, &profile.quotas);
    check_logs(&mut c, &profile.logs);
    check_network(&mut c, &profile.network, &profile.platforms);
    if let Some(commitment) = profile.commitment {
        apply_commitment(&mut profile.platforms, commitment);
    }
    let workloads: Vec<Option<Workload>> = profile
        .workloads
        .into_iter()
        .enumerate()
        .map(|(i, w)| typed(&mut c, &format!("workloads[{i}]"), w))
        .collect();
    match workloads.into_iter().collect::<Option<Vec<_>>>() {
        Some(workloads) if c.errors.is_empty() => Ok(Profile {
            version: profile.version,
            name: profile.name,
            region: profile.region,
            free_tier: profile.free_tier,
            workloads,
            platforms: profile.platforms,
            quotas: profile.quotas,
            logs: profile.logs,
            network: profile.network,
            commitment: profile.commitment,
        }),
        // Every untyped workload has said why.
        Some(_) | None => Err(c.errors),
    }
}

/// The workload as its kind: the sections it needs, or a problem for each one missing (and
/// `None`). Sections that do not apply to the kind were reported by [`check_workload`].
fn typed(c: &mut Checker<'_>, p: &str, w: WorkloadFile) -> Option<Workload> {
    let kind = w.kind.as_str();
    let traffic = |c: &mut Checker<'_>, t: Option<Traffic>| {
        if t.is_none() {
            c.at(
                &format!("{p}.traffic"),
                format!("kind: {kind} needs `traffic` with `monthly_requests` or `rps`"),
            );
        }
        t
    };
    let work = match w.kind {
        WorkloadKind::Service => traffic(c, w.traffic).map(|traffic| Work::Service { traffic }),
        WorkloadKind::Fanout => match w.job {
            Some(job) => Some(Work::Fanout { job }),
            None => {
                c.at(
                    &format!("{p}.job"),
                    "kind: fanout needs `job` with `items` and `runs_per_month`",
                );
                None
            }
        },
        WorkloadKind::Workflow => {
            let traffic = traffic(c, w.traffic);
            if w.workflow.is_none() {
                c.at(
                    &format!("{p}.workflow"),
                    "kind: workflow needs `workflow` with `transitions`",
                );
            }
            match (traffic, w.workflow) {
                (Some(traffic), Some(workflow)) => Some(Work::Workflow { traffic, workflow }),
                _ => None,
            }
        }
        // The `queue:` section is optional: every setting has a default.
        WorkloadKind::Queue => traffic(c, w.traffic).map(|traffic| Work::Queue {
            traffic,
            queue: w.queue.unwrap_or_default(),
        }),
        // Every stream setting has a default: `stream:` may be left out.
        WorkloadKind::Stream => traffic(c, w.traffic).map(|traffic| Work::Stream {
            traffic,
            stream: w.stream.unwrap_or_default(),
        }),
    }?;
    Some(Workload {
        name: w.name,
        work,
        request: w.request,
        slo: w.slo,
        calibration: w.calibration,
    })
}

/// `us-east-1`, `ap-southeast-2`, `us-gov-west-1`, `eu-central-2`, ...
fn is_region_code(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    let Some((last, rest)) = parts.split_last() else {
        return false;
    };
    rest.len() >= 2
        && rest
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && rest.first().is_some_and(|p| p.len() == 2)
        && !last.is_empty()
        && last.chars().all(|c| c.is_ascii_digit())
}

/// The limits of what one profile may ask planner to plan (see [`limits`]): each refused at
/// the first item past it, naming the limit.
fn check_scale(c: &mut Checker<'_>, workloads: &[WorkloadFile]) {
    if workloads.len() > limits::WORKLOADS {
        c.at_key(
            &format!("workloads[{}]", limits::WORKLOADS),
            format!(
                "the profile has {} workloads; planner plans at most {} in one profile (split it into several)",
                workloads.len(),
                limits::WORKLOADS
            ),
        );
    }
    let workloads = &workloads[..workloads.len().min(limits::WORKLOADS)];
    let mut steps = 0;
    for (i, w) in workloads.iter().enumerate() {
        let Some(wf) = w.workflow.as_ref() else {
            continue;
        };
        if steps + wf.steps.len() > limits::WORKFLOW_STEPS {
            let first_over = limits::WORKFLOW_STEPS - steps;
            c.at_key(
                &format!("workloads[{i}].workflow.steps[{first_over}]"),
                format!(
                    "one step too many: planner plans at most {} workflow steps in one profile, all workflows together",
                    crate::format::count(limits::WORKFLOW_STEPS as f64)
                ),
            );
            break;
        }
        steps += wf.steps.len();
    }
    let traced = workloads.iter().enumerate().filter(|(_, w)| {
        w.traffic
            .as_ref()
            .is_some_and(|t| t.shape == Shape::Trace && t.trace.is_some())
    });
    if let Some((i, _)) = traced.clone().nth(limits::TRACE_WORKLOADS) {
        c.at(
            &format!("workloads[{i}].traffic.trace"),
            format!(
                "one trace too many: planner replays at most {} traces in one profile (the other workloads can state `rps` and a shape)",
                limits::TRACE_WORKLOADS
            ),
        );
    }
}

fn check_workload(c: &mut Checker<'_>, p: &str, w: &WorkloadFile) {
    // Sections that do not apply to the kind (the ones it needs are checked as it is typed).
    match w.kind {
        WorkloadKind::Service
        | WorkloadKind::Workflow
        | WorkloadKind::Queue
        | WorkloadKind::Stream => {}
        WorkloadKind::Fanout => {
            if w.traffic.is_some() {
                c.at_key(
                    &format!("{p}.traffic"),
                    "`traffic` does not apply to kind: fanout; describe the runs under `job`",
                );
            }
        }
    }
    match w.kind {
        WorkloadKind::Service
        | WorkloadKind::Workflow
        | WorkloadKind::Queue
        | WorkloadKind::Stream => {
            if w.job.is_some() {
                c.at_key(&format!("{p}.job"), "`job` only applies to kind: fanout");
            }
        }
        WorkloadKind::Fanout => {}
    }
    match w.kind {
        WorkloadKind::Service
        | WorkloadKind::Fanout
        | WorkloadKind::Queue
        | WorkloadKind::Stream => {
            if w.workflow.is_some() {
                c.at_key(
                    &format!("{p}.workflow"),
                    "`workflow` only applies to kind: workflow",
                );
            }
        }
        WorkloadKind::Workflow => {}
    }
    check_queue_sections(c, p, w);
    match w.kind {
        WorkloadKind::Service
        | WorkloadKind::Fanout
        | WorkloadKind::Workflow
        | WorkloadKind::Queue => {
            if w.stream.is_some() {
                c.at_key(
                    &format!("{p}.stream"),
                    "`stream` only applies to kind: stream",
                );
            }
            if w.slo
                .as_ref()
                .is_some_and(|s| s.p99_iterator_age_s.is_some())
            {
                c.at_key(
                    &format!("{p}.slo.p99_iterator_age_s"),
                    "`p99_iterator_age_s` only applies to kind: stream (use `p99_latency_ms`)",
                );
            }
        }
        WorkloadKind::Stream => {
            if let Some(s) = &w.stream {
                check_stream(c, &format!("{p}.stream"), s);
            }
            if w.slo.as_ref().is_some_and(|s| s.p99_latency_ms.is_some()) {
                c.at_key(
                    &format!("{p}.slo.p99_latency_ms"),
                    "a stream's latency is its records' iterator age: state `p99_iterator_age_s`",
                );
            }
        }
    }

    if let Some(t) = &w.traffic {
        check_traffic(c, &format!("{p}.traffic"), t, w.kind);
    }
    check_request(c, &format!("{p}.request"), &w.request);
    if let Some(s) = &w.slo {
        let sp = format!("{p}.slo");
        if let Some(v) = s.p99_latency_ms {
            let f = format!("{sp}.p99_latency_ms");
            c.positive(&f, v);
            c.at_most(&f, v, limits::DURATION_MS, " ms, a day");
        }
        if let Some(v) = s.p99_iterator_age_s {
            let f = format!("{sp}.p99_iterator_age_s");
            c.positive(&f, v);
            c.at_most(
                &f,
                v,
                limits::RETENTION_HOURS * 3600.0,
                " s, the longest retention",
            );
        }
        if let Some(v) = s.max_throttled_share {
            let f = format!("{sp}.max_throttled_share");
            if c.finite(&f, v) && !(0.0..=1.0).contains(&v) {
                c.at(&f, format!("{} is out of range (0..=1)", fmt_num(v)));
            }
        }
    }
    if let Some(j) = &w.job {
        let jp = format!("{p}.job");
        let items = format!("{jp}.items");
        c.at_least_one(&items, j.items);
        if j.items > limits::ITEMS {
            c.at(
                &items,
                format!("{} is out of range (at most {})", j.items, limits::ITEMS),
            );
        }
        let runs = format!("{jp}.runs_per_month");
        c.non_negative(&runs, j.runs_per_month);
        c.at_most(
            &runs,
            j.runs_per_month,
            limits::RUNS_PER_MONTH,
            ", one a second",
        );
        if let Some(d) = j.deadline_s {
            let f = format!("{jp}.deadline_s");
            c.positive(&f, d);
            c.at_most(&f, d, limits::DEADLINE_S, " s, a month");
        }
        if let Some(m) = j.deadline_margin {
            let f = format!("{jp}.deadline_margin");
            if c.finite(&f, m) && !(0.0..1.0).contains(&m) {
                c.at(
                    &f,
                    format!(
                        "{} is out of range (0..1, a share of the deadline)",
                        fmt_num(m)
                    ),
                );
            }
        }
    }
    if let Some(wf) = &w.workflow {
        check_workflow(c, &format!("{p}.workflow"), wf);
    }
    if let Some(q) = &w.queue {
        check_queue(c, &format!("{p}.queue"), q);
    }
    if let Some(cal) = &w.calibration {
        check_calibration(c, &format!("{p}.calibration"), cal);
    }
}

/// The `queue:` section and the `slo.p99_message_age_s` field belong to kind: queue only; a
/// queue's SLO is its messages' age, not a request's latency.
fn check_queue_sections(c: &mut Checker<'_>, p: &str, w: &WorkloadFile) {
    let age = w.slo.as_ref().and_then(|s| s.p99_message_age_s);
    let latency = w.slo.as_ref().and_then(|s| s.p99_latency_ms);
    match w.kind {
        WorkloadKind::Service
        | WorkloadKind::Fanout
        | WorkloadKind::Workflow
        | WorkloadKind::Stream => {
            if w.queue.is_some() {
                c.at_key(&format!("{p}.queue"), "`queue` only applies to kind: queue");
            }
            if age.is_some() {
                c.at_key(
                    &format!("{p}.slo.p99_message_age_s"),
                    "`p99_message_age_s` only applies to kind: queue (use `p99_latency_ms`)",
                );
            }
        }
        WorkloadKind::Queue => {
            if latency.is_some() {
                c.at_key(
                    &format!("{p}.slo.p99_latency_ms"),
                    "a queue's SLO is its messages' age: use `p99_message_age_s`",
                );
            }
        }
    }
    if let Some(v) = age {
        let f = format!("{p}.slo.p99_message_age_s");
        c.positive(&f, v);
        c.at_most(
            &f,
            v,
            queue_limits::RETENTION_S,
            " s, 14 days (SQS's longest retention)",
        );
    }
}

/// The ranges AWS sets on a queue's settings (each with its source).
pub mod queue_limits {
    /// Lambda's SQS batch size: 1–10,000 for a standard queue, 10 for FIFO
    /// (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-parameters.html).
    pub const BATCH_STANDARD: u32 = 10_000;
    pub const BATCH_FIFO: u32 = 10;
    /// A batch over 10 needs a batching window of at least 1 s (the same page;
    /// https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html).
    pub const BATCH_WITHOUT_WINDOW: u32 = 10;
    /// `MaximumBatchingWindowInSeconds`: 0–300 s; not supported for FIFO queues.
    pub const WINDOW_S: f64 = 300.0;
    /// Event source mapping maximum concurrency: 2–1,000
    /// (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html).
    pub const MAX_CONCURRENCY: (u32, u32) = (2, 1000);
    /// Visibility timeout: 0 s – 12 h
    /// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html).
    pub const VISIBILITY_S: f64 = 43_200.0;
    /// A redrive policy's `maxReceiveCount`: 1–1,000
    /// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html).
    pub const MAX_RECEIVES: (u32, u32) = (1, 1000);
    /// Longest message retention, 14 days
    /// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html).
    pub const RETENTION_S: f64 = 1_209_600.0;
    /// Message groups planner models at most (a million: beyond it a FIFO queue orders
    /// nothing worth the name).
    pub const MESSAGE_GROUPS: u32 = 1_000_000;
}

fn check_queue(c: &mut Checker<'_>, p: &str, q: &Queue) {
    let fifo = q.kind == QueueType::Fifo;
    let batch = format!("{p}.batch_size");
    let max_batch = if fifo {
        queue_limits::BATCH_FIFO
    } else {
        queue_limits::BATCH_STANDARD
    };
    if q.batch_size < 1 || q.batch_size > max_batch {
        c.at(
            &batch,
            format!(
                "{} is out of range (1..={max_batch} for a {} queue)",
                q.batch_size,
                q.kind.as_str()
            ),
        );
    }
    let window = format!("{p}.batching_window_s");
    if c.finite(&window, q.batching_window_s) {
        if !(0.0..=queue_limits::WINDOW_S).contains(&q.batching_window_s) {
            c.at(
                &window,
                format!(
                    "{} is out of range (0..=300 s)",
                    fmt_num(q.batching_window_s)
                ),
            );
        } else if fifo && q.batching_window_s > 0.0 {
            c.at(
                &window,
                "Lambda supports no batching window for FIFO queues; remove it",
            );
        } else if !fifo
            && q.batch_size > queue_limits::BATCH_WITHOUT_WINDOW
            && q.batch_size <= max_batch
            && q.batching_window_s < 1.0
        {
            c.at(
                &batch,
                format!(
                    "a batch of {} needs `batching_window_s` of at least 1 (AWS refuses a batch over 10 without a window)",
                    q.batch_size
                ),
            );
        }
    }
    if let AutoOr::Fixed(m) = q.max_concurrency {
        c.range_u32(
            &format!("{p}.max_concurrency"),
            m,
            queue_limits::MAX_CONCURRENCY,
            "",
        );
    }
    if let Some(v) = q.visibility_timeout_s {
        let f = format!("{p}.visibility_timeout_s");
        if c.finite(&f, v) && !(0.0..=queue_limits::VISIBILITY_S).contains(&v) {
            c.at(
                &f,
                format!("{} is out of range (0..=43200 s, 12 hours)", fmt_num(v)),
            );
        }
    }
    if let Some(r) = q.max_receives {
        c.range_u32(
            &format!("{p}.max_receives"),
            r,
            queue_limits::MAX_RECEIVES,
            "",
        );
    }
    let fail = format!("{p}.failure_share");
    if c.finite(&fail, q.failure_share) && !(0.0..1.0).contains(&q.failure_share) {
        c.at(
            &fail,
            format!(
                "{} is out of range (0..1, a share of handling attempts)",
                fmt_num(q.failure_share)
            ),
        );
    }
    match (fifo, q.message_groups) {
        (true, Some(g)) => c.range_u32(
            &format!("{p}.message_groups"),
            g,
            (1, queue_limits::MESSAGE_GROUPS),
            "",
        ),
        (false, Some(_)) => c.at_key(
            &format!("{p}.message_groups"),
            "`message_groups` only applies to `type: fifo`",
        ),
        (_, None) => {}
    }
    if q.high_throughput && !fifo {
        c.at_key(
            &format!("{p}.high_throughput"),
            "`high_throughput` only applies to `type: fifo`",
        );
    }
}

/// A Kinesis stream's settings: each within what Kinesis and Lambda's event source mapping
/// accept (https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html,
/// https://docs.aws.amazon.com/streams/latest/dev/kinesis-extended-retention.html).
fn check_stream(c: &mut Checker<'_>, p: &str, s: &Stream) {
    if let AutoOr::Fixed(n) = s.shards {
        c.range_u32(&format!("{p}.shards"), n, (1, limits::SHARDS), " shards");
    }
    c.at_least_one(&format!("{p}.partition_keys"), s.partition_keys);
    if let Some(h) = s.hot_key_share {
        let f = format!("{p}.hot_key_share");
        if c.finite(&f, h) && !(h > 0.0 && h <= 1.0) {
            c.at(&f, format!("{} is out of range (0 < x ≤ 1)", fmt_num(h)));
        }
    }
    let f = format!("{p}.retention_hours");
    if c.finite(&f, s.retention_hours)
        && !(24.0..=limits::RETENTION_HOURS).contains(&s.retention_hours)
    {
        c.at(
            &f,
            format!(
                "{} is out of range (24..=8760 hours: a day to a year)",
                fmt_num(s.retention_hours)
            ),
        );
    }
    c.range_u32(
        &format!("{p}.other_consumers"),
        s.other_consumers,
        (0, 20),
        " consumers",
    );
    c.range_u32(
        &format!("{p}.batch_size"),
        s.batch_size,
        (1, 10_000),
        " records",
    );
    let f = format!("{p}.batching_window_s");
    c.non_negative(&f, s.batching_window_s);
    c.at_most(&f, s.batching_window_s, 300.0, " s");
    c.range_u32(
        &format!("{p}.parallelization_factor"),
        s.parallelization_factor,
        (1, 10),
        " concurrent batches per shard",
    );
    let f = format!("{p}.failure_share");
    if c.finite(&f, s.failure_share) && !(0.0..=1.0).contains(&s.failure_share) {
        c.at(
            &f,
            format!("{} is out of range (0..=1)", fmt_num(s.failure_share)),
        );
    }
}

/// Check a calibration block found at `p` in the file whose positions are `pos`.
pub(crate) fn check_calibration_at(
    pos: &PositionMap,
    file: &Path,
    p: &str,
    cal: &super::calibration::Calibration,
) -> Vec<ProfileError> {
    let mut c = Checker {
        file,
        pos,
        errors: Vec::new(),
    };
    check_calibration(&mut c, p, cal);
    c.errors
}

fn check_calibration(c: &mut Checker<'_>, p: &str, cal: &super::calibration::Calibration) {
    if super::trace::parse_rfc3339(&format!("{}T00:00:00Z", cal.date)).is_none() {
        c.at(
            &format!("{p}.date"),
            format!("`{}` is not a date (YYYY-MM-DD)", cal.date),
        );
    }
    if cal.function.trim().is_empty() {
        c.at(&format!("{p}.function"), "names no function");
    }
    if let Some(fit) = &cal.fit {
        let fp = format!("{p}.fit");
        for (name, v) in [
            ("io_ms", fit.io_ms),
            ("cpu_ms", fit.cpu_ms),
            ("rmse_ms", fit.rmse_ms),
        ] {
            let f = format!("{fp}.{name}");
            c.non_negative(&f, v);
            c.at_most(&f, v, limits::INVOCATION_MS, " ms, Lambda's timeout");
        }
        c.non_negative(&format!("{fp}.max_error_pct"), fit.max_error_pct);
        if fit.threads < 1 || fit.threads > MAX_THREADS {
            c.at(
                &format!("{fp}.threads"),
                format!("{} is out of range (1..={MAX_THREADS})", fit.threads),
            );
        }
        if fit.io_ms.is_finite() && fit.cpu_ms.is_finite() && fit.io_ms + fit.cpu_ms <= 0.0 {
            c.at(&fp, "io_ms + cpu_ms must be > 0");
        }
    }
    for (i, s) in cal.sizes.iter().enumerate() {
        let sp = format!("{p}.sizes[{i}]");
        c.range_u32(
            &format!("{sp}.memory_mb"),
            s.memory_mb,
            LAMBDA_MEMORY_MB,
            " MB",
        );
        for (name, v) in [
            ("p50_ms", s.p50_ms),
            ("p90_ms", s.p90_ms),
            ("p99_ms", s.p99_ms),
            ("mean_ms", s.mean_ms),
            ("billed_ms", s.billed_ms),
            ("init_ms", s.init_ms.unwrap_or(0.0)),
        ] {
            let f = format!("{sp}.{name}");
            c.non_negative(&f, v);
            c.at_most(&f, v, limits::INVOCATION_MS, " ms, Lambda's timeout");
        }
        c.non_negative(
            &format!("{sp}.cost_per_million_usd"),
            s.cost_per_million_usd,
        );
        let f = format!("{sp}.cold_start_share");
        if c.finite(&f, s.cold_start_share) && !(0.0..=1.0).contains(&s.cold_start_share) {
            c.at(
                &f,
                format!("{} is out of range (0..=1)", fmt_num(s.cold_start_share)),
            );
        }
    }
}

fn check_traffic(c: &mut Checker<'_>, p: &str, t: &Traffic, kind: WorkloadKind) {
    match (t.monthly_requests, t.rps) {
        (Some(_), Some(_)) => c.at(p, "give one of `monthly_requests` or `rps`, not both"),
        (None, None) => c.at(p, "needs one of `monthly_requests` or `rps`"),
        (Some(m), None) => {
            let f = format!("{p}.monthly_requests");
            c.non_negative(&f, m);
            c.at_most(&f, m, limits::MONTHLY_REQUESTS, "");
        }
        (None, Some(r)) => {
            let f = format!("{p}.rps");
            c.non_negative(&f, r);
            c.at_most(&f, r, limits::RPS, &format!(" {}", kind.rate_unit()));
        }
    }
    let pta = format!("{p}.peak_to_average");
    let v = t.peak_to_average;
    if c.finite(&pta, v) {
        if !(1.0..=MAX_PEAK_TO_AVERAGE).contains(&v) {
            c.at(
                &pta,
                format!("{} is out of range (1..={MAX_PEAK_TO_AVERAGE})", fmt_num(v)),
            );
        } else if v > 1.0 && t.shape == Shape::Flat {
            c.at(
                &pta,
                format!(
                    "{} has no effect with shape: flat (the default); set shape: diurnal or bursty",
                    fmt_num(v)
                ),
            );
        } else if v > 1.0 && t.shape == Shape::Trace {
            c.at(
                &pta,
                format!(
                    "{} conflicts with shape: trace, whose peak comes from the trace; remove it",
                    fmt_num(v)
                ),
            );
        }
    }
    match (t.shape, &t.trace) {
        (Shape::Trace, None) => c.at(
            &format!("{p}.shape"),
            "shape: trace needs `trace: FILE.csv` (rows `timestamp,requests`)",
        ),
        (Shape::Trace, Some(_)) | (_, None) => {}
        (_, Some(_)) => c.at_key(&format!("{p}.trace"), "`trace` needs shape: trace"),
    }
}

fn check_request(c: &mut Checker<'_>, p: &str, r: &Request) {
    let dur = format!("{p}.duration_ms");
    c.positive(&dur, r.duration_ms);
    c.at_most(&dur, r.duration_ms, limits::DURATION_MS, " ms, a day");
    check_cpu(c, p, r.cpu_ms, r.duration_ms);
    if r.threads < 1 || r.threads > MAX_THREADS {
        c.at(
            &format!("{p}.threads"),
            format!("{} is out of range (1..={MAX_THREADS})", r.threads),
        );
    }
    c.range_u32(
        &format!("{p}.memory_mb"),
        r.memory_mb,
        LAMBDA_MEMORY_MB,
        " MB",
    );
    let payload = format!("{p}.payload_kb");
    c.non_negative(&payload, r.payload_kb);
    c.at_most(&payload, r.payload_kb, limits::PAYLOAD_KB, " KB, 1 GiB");
}

/// cpu_ms within 0..=duration_ms.
fn check_cpu(c: &mut Checker<'_>, p: &str, cpu: f64, duration: f64) {
    let f = format!("{p}.cpu_ms");
    if !c.finite(&f, cpu) {
        return;
    }
    if cpu < 0.0 {
        c.at(&f, format!("{} is out of range (≥ 0)", fmt_num(cpu)));
    } else if duration.is_finite() && cpu > duration {
        c.at(
            &f,
            format!(
                "cpu_ms {} exceeds duration_ms {}",
                fmt_num(cpu),
                fmt_num(duration)
            ),
        );
    }
}

fn check_workflow(c: &mut Checker<'_>, p: &str, wf: &Workflow) {
    c.at_least_one(&format!("{p}.transitions"), u64::from(wf.transitions));
    if let Some(d) = wf.duration_ms {
        let f = format!("{p}.duration_ms");
        c.positive(&f, d);
        c.at_most(&f, d, limits::WORKFLOW_MS, " ms, a year");
    }
    if wf.memory_mb < 1 {
        c.at(&format!("{p}.memory_mb"), "0 is out of range (≥ 1 MB)");
    }
    let steps = wf.steps.len();
    if wf.transitions >= 1 && (wf.transitions as usize) < steps {
        c.at(
            &format!("{p}.transitions"),
            format!(
                "{} is fewer than the {steps} steps; every step is at least one state transition",
                wf.transitions
            ),
        );
    }
    let mut names = UniqueNames::new("steps", "step name", "state names");
    for (i, s) in wf.steps.iter().enumerate() {
        let sp = format!("{p}.steps[{i}]");
        names.check(c, &sp, i, &s.name);
        let f = format!("{sp}.duration_ms");
        c.non_negative(&f, s.duration_ms);
        c.at_most(&f, s.duration_ms, limits::WORKFLOW_MS, " ms, a year");
        check_cpu(c, &sp, s.cpu_ms, s.duration_ms);
        c.range_u32(
            &format!("{sp}.memory_mb"),
            s.memory_mb,
            LAMBDA_MEMORY_MB,
            " MB",
        );
        if let Some(w) = s.callback_wait_s {
            c.positive(&format!("{sp}.callback_wait_s"), w);
        }
    }
}

fn check_platforms(c: &mut Checker<'_>, pl: &Platforms) {
    let l = &pl.lambda;
    if let Some(&m) = l.memory_mb.fixed() {
        c.range_u32("platforms.lambda.memory_mb", m, LAMBDA_MEMORY_MB, " MB");
    }
    if let Some(limit) = l.concurrency_limit {
        c.at_least_one("platforms.lambda.concurrency_limit", u64::from(limit));
        if limit >= 1 && l.provisioned_concurrency > limit {
            c.at(
                "platforms.lambda.provisioned_concurrency",
                format!(
                    "provisioned_concurrency {} exceeds concurrency_limit {limit}",
                    l.provisioned_concurrency
                ),
            );
        }
    }
    c.range_u32(
        "platforms.lambda.ephemeral_storage_mb",
        l.ephemeral_storage_mb,
        LAMBDA_EPHEMERAL_MB,
        " MB",
    );
    c.non_negative("platforms.lambda.cold_start_ms", l.cold_start_ms);
    c.at_most(
        "platforms.lambda.cold_start_ms",
        l.cold_start_ms,
        limits::INVOCATION_MS,
        " ms, Lambda's timeout",
    );

    if let Some(&n) = pl.step_functions.items_per_batch.fixed() {
        c.at_least_one("platforms.step_functions.items_per_batch", u64::from(n));
    }

    check_ecs(c, &pl.ecs);
    check_purchases(c, pl);

    let e = &pl.ec2;
    let p = "platforms.ec2";
    if let Some(&n) = e.processes_per_instance.fixed() {
        c.at_least_one(&format!("{p}.processes_per_instance"), u64::from(n));
    }
    c.at_least_one(
        &format!("{p}.concurrency_per_process"),
        u64::from(e.concurrency_per_process),
    );
    c.at_least_one(&format!("{p}.max_instances"), u64::from(e.max_instances));
    if e.min_instances > e.max_instances {
        c.at(
            &format!("{p}.min_instances"),
            format!(
                "min_instances {} exceeds max_instances {}",
                e.min_instances, e.max_instances
            ),
        );
    }
    c.utilization(&format!("{p}.target_utilization"), e.target_utilization);
    c.non_negative(&format!("{p}.scale_out_minutes"), e.scale_out_minutes);
    c.at_most(
        &format!("{p}.scale_out_minutes"),
        e.scale_out_minutes,
        limits::SCALE_OUT_MINUTES,
        " minutes, a day",
    );
    if e.instance_type.fixed().is_some_and(|t| t.trim().is_empty()) {
        c.at(
            &format!("{p}.instance_type"),
            "must not be empty (or `auto`)",
        );
    }
}

/// The profile's `commitment` prices every platform it covers whose own purchase is
/// on-demand: Lambda, ECS (unless on Spot) and EC2. A platform stating another purchase keeps
/// it.
fn apply_commitment(pl: &mut Platforms, commitment: Commitment) {
    let purchase = commitment.savings_plan.purchase();
    if pl.lambda.purchase == Purchase::OnDemand {
        pl.lambda.purchase = purchase;
    }
    if pl.ecs.purchase() == Purchase::OnDemand {
        pl.ecs.purchase = purchase;
    }
    if pl.ec2.purchase == Purchase::OnDemand {
        pl.ec2.purchase = purchase;
    }
}

/// A purchase option the platform offers, and `spot: true` agreeing with `purchase`.
fn check_purchases(c: &mut Checker<'_>, pl: &Platforms) {
    if !Purchase::LAMBDA.contains(&pl.lambda.purchase) {
        c.at(
            "platforms.lambda.purchase",
            format!(
                "Lambda is not bought as `{}`: {}",
                pl.lambda.purchase.as_str(),
                Purchase::list(&Purchase::LAMBDA)
            ),
        );
    }
    let ecs = &pl.ecs;
    if !Purchase::FARGATE.contains(&ecs.purchase) {
        c.at(
            "platforms.ecs.purchase",
            format!(
                "Fargate is not bought as `{}`: {}",
                ecs.purchase.as_str(),
                Purchase::list(&Purchase::FARGATE)
            ),
        );
    } else if ecs.spot && !matches!(ecs.purchase, Purchase::OnDemand | Purchase::Spot) {
        c.at(
            "platforms.ecs.spot",
            format!(
                "`spot: true` contradicts `purchase: {}`; say one of them",
                ecs.purchase.as_str()
            ),
        );
    }
}

/// The account's quotas: each key one the book catalogues as adjustable (the closest
/// suggested), each value a positive number.
fn check_quotas(c: &mut Checker<'_>, quotas: &std::collections::BTreeMap<String, f64>) {
    let known: Vec<&str> = crate::pricing::keys::ADJUSTABLE_QUOTAS
        .iter()
        .map(|(k, _)| *k)
        .collect();
    for (key, &value) in quotas {
        let path = format!("quotas.{key}");
        if crate::pricing::keys::QUOTAS.contains(&key.as_str())
            && crate::pricing::keys::quota_name(key).is_none()
        {
            c.at_key(
                &path,
                format!(
                    "`{key}` is not an adjustable quota (planner uses AWS's fixed value); \
                     adjustable: {}",
                    known.join(", ")
                ),
            );
        } else if crate::pricing::keys::quota_name(key).is_none() {
            let hint = super::suggest::closest(key, &known)
                .map(|k| format!("; did you mean `{k}`?"))
                .unwrap_or_else(|| format!("; known quotas: {}", known.join(", ")));
            c.at_key(&path, format!("unknown quota `{key}`{hint}"));
        } else {
            c.positive(&path, value);
        }
    }
}

/// CloudWatch's retention settings, in days (`PutRetentionPolicy`'s `retentionInDays`;
/// https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html).
pub const LOG_RETENTION_DAYS: [i64; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// The `logs:` section: bytes a number of bytes, retention one CloudWatch allows (the
/// nearest suggested), a system log level only where Lambda filters by level (JSON format).
fn check_logs(c: &mut Checker<'_>, l: &LogsConfig) {
    c.non_negative("logs.bytes_per_request", l.bytes_per_request);
    c.at_most(
        "logs.bytes_per_request",
        l.bytes_per_request,
        limits::LOG_BYTES_PER_REQUEST,
        " bytes, CloudWatch's largest log event",
    );
    if let Retention::Days(days) = l.retention_days
        && !LOG_RETENTION_DAYS.contains(&days)
    {
        let nearest = LOG_RETENTION_DAYS
            .iter()
            .min_by_key(|&&d| (d - days).unsigned_abs())
            .copied()
            .unwrap_or(30);
        c.at(
            "logs.retention_days",
            format!(
                "CloudWatch Logs cannot keep events {days} days; did you mean {nearest}? \
                 (allowed: {}, or `never`)",
                LOG_RETENTION_DAYS
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    if l.lambda_log_format == LambdaLogFormat::Text
        && l.lambda_system_log_level != SystemLogLevel::Info
    {
        c.at(
            "logs.lambda_system_log_level",
            "Lambda filters system logs by level only in the JSON log format: set \
             `lambda_log_format: json` too (in text it always writes START, END and REPORT)",
        );
    }
}

fn list_sizes(v: &[f64]) -> String {
    v.iter().map(|x| fmt_num(*x)).collect::<Vec<_>>().join(", ")
}

fn check_ecs(c: &mut Checker<'_>, e: &EcsConfig) {
    let p = "platforms.ecs";
    let vcpu_f = format!("{p}.vcpu");
    let mem_f = format!("{p}.memory_gb");
    let vcpu = e.vcpu.fixed().copied();
    let mem = e.memory_gb.fixed().copied();
    let vcpu_ok = match vcpu {
        Some(v) if c.finite(&vcpu_f, v) => {
            if fargate_memory_options(v).is_some() {
                true
            } else {
                c.at(
                    &vcpu_f,
                    format!(
                        "{} is not a Fargate vCPU size ({})",
                        fmt_num(v),
                        list_sizes(&fargate_vcpu_sizes())
                    ),
                );
                false
            }
        }
        _ => false,
    };
    let m = match mem {
        Some(m) if c.finite(&mem_f, m) => m,
        _ => f64::NAN,
    };
    if m.is_nan() {
        // memory_gb is `auto` (or already reported)
    } else if vcpu_ok {
        let v = vcpu.unwrap_or_default();
        if !is_valid_fargate_size(v, m) {
            c.at(
                &mem_f,
                format!(
                    "{} vCPU with {} GB is not a Fargate task size; {} vCPU takes {}",
                    fmt_num(v),
                    fmt_num(m),
                    fmt_num(v),
                    describe_memory_options(v).unwrap_or_default()
                ),
            );
        }
    } else if vcpu.is_none()
        && !fargate_sizes()
            .iter()
            .any(|&(v, _)| is_valid_fargate_size(v, m))
    {
        c.at(
            &mem_f,
            format!(
                "{} GB is not a Fargate memory size (0.5, 1, 2, ... 30 GB in 1 GB steps, then 4 and 8 GB steps up to 120)",
                fmt_num(m)
            ),
        );
    }
    c.at_least_one(&format!("{p}.max_tasks"), u64::from(e.max_tasks));
    if e.min_tasks > e.max_tasks {
        c.at(
            &format!("{p}.min_tasks"),
            format!(
                "min_tasks {} exceeds max_tasks {}",
                e.min_tasks, e.max_tasks
            ),
        );
    }
    c.utilization(&format!("{p}.target_utilization"), e.target_utilization);
    c.at_least_one(
        &format!("{p}.concurrency_per_task"),
        u64::from(e.concurrency_per_task),
    );
    c.non_negative(&format!("{p}.scale_out_minutes"), e.scale_out_minutes);
    c.at_most(
        &format!("{p}.scale_out_minutes"),
        e.scale_out_minutes,
        limits::SCALE_OUT_MINUTES,
        " minutes, a day",
    );
    let st = format!("{p}.ephemeral_storage_gb");
    let s = e.ephemeral_storage_gb;
    if c.finite(&st, s) && !(FARGATE_EPHEMERAL_GB.0..=FARGATE_EPHEMERAL_GB.1).contains(&s) {
        c.at(
            &st,
            format!(
                "{} is out of range ({}..={} GB)",
                fmt_num(s),
                fmt_num(FARGATE_EPHEMERAL_GB.0),
                fmt_num(FARGATE_EPHEMERAL_GB.1)
            ),
        );
    }
}

// ------------------------------------------------------------------ network (#12)

/// Most Availability Zones a Region has (us-east-1 has six).
const MAX_AVAILABILITY_ZONES: u32 = 6;

/// The `network:` section, and what it asks of the front doors: an ALB spans at least two
/// Availability Zones; only REST APIs (and internal ALBs) can be private.
fn check_network(c: &mut Checker<'_>, n: &Network, pl: &Platforms) {
    let p = "network";
    c.range_u32(
        &format!("{p}.availability_zones"),
        n.availability_zones,
        (1, MAX_AVAILABILITY_ZONES),
        " Availability Zones",
    );
    c.non_negative(
        &format!("{p}.egress_kb_per_request"),
        n.egress_kb_per_request,
    );
    if let Some(&kb) = n.response_kb.fixed() {
        c.non_negative(&format!("{p}.response_kb"), kb);
    }
    let rpc = n.requests_per_connection;
    if c.finite(&format!("{p}.requests_per_connection"), rpc) && rpc < 1.0 {
        c.at(
            &format!("{p}.requests_per_connection"),
            format!(
                "{} is out of range (≥ 1: each connection carries at least one request)",
                fmt_num(rpc)
            ),
        );
    }
    let albs = (pl.ecs.enabled && pl.ecs.ingress == FleetIngress::Alb)
        || (pl.ec2.enabled && pl.ec2.ingress == FleetIngress::Alb)
        || (pl.lambda.enabled && pl.lambda.ingress == LambdaIngress::Alb);
    if albs && n.availability_zones == 1 {
        c.at(
            &format!("{p}.availability_zones"),
            "an Application Load Balancer needs subnets in at least two Availability Zones \
             (set 2, or `ingress: none` on the platforms that use an ALB)",
        );
    }
    if n.front_door == FrontDoor::Private && pl.lambda.enabled {
        // Where the profile states the ingress, there; else at the front door it asks for.
        let at = if c.pos.contains("platforms.lambda.ingress") {
            "platforms.lambda.ingress"
        } else {
            "network.front_door"
        };
        match pl.lambda.ingress {
            LambdaIngress::ApiGatewayHttp => c.at(
                at,
                "an HTTP API cannot be private (`network.front_door: private`): only REST APIs \
                 have a private endpoint type; use `api_gateway_rest` or `alb` (internal)",
            ),
            LambdaIngress::FunctionUrl => c.at(
                at,
                "a function URL is always reachable from the internet, so it cannot be the \
                 private front door `network.front_door: private` asks for; use \
                 `api_gateway_rest`, `alb` (internal) or `none`",
            ),
            LambdaIngress::ApiGatewayRest | LambdaIngress::Alb | LambdaIngress::None => {}
        }
    }
}
