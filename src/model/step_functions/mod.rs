//! AWS Step Functions: workflows (Standard or Express state machines whose task states run on
//! Lambda, `workflow.rs`) and fan-out jobs (a Map state over the items, Inline or Distributed,
//! `map.rs`).
//!
//! Step Functions' own billing lives here (Standard state transitions; Express requests and
//! GB-hours, from GB-seconds with 100 ms / 64 MB rounding). Task states are Lambda functions:
//! their environments, cold starts, `auto` memory and bill are Lambda's own
//! (`lambda::walk_environments`, `lambda::cold_starts`, `lambda::search_memory`,
//! `lambda::bill_functions` for a workflow's task states billed together, `lambda::bill` for a
//! Map's item function).
//!
//! Assumptions (stated in the option's config and risks where they matter):
//! - Orchestration overhead per transition is not modelled (0 ms): AWS publishes no figure.
//!   Latency is the execution duration plus Lambda cold starts in task states.
//! - API quotas are token buckets; the model uses the refill rate only (the bucket absorbs
//!   bursts shorter than the curve's step), so throttling is slightly pessimistic.
//! - Each task state is its own Lambda function (own memory, own warm pool); all share the
//!   account's Lambda concurrency limit.
//! - Workflows: `type: auto` evaluates Standard and Express and keeps the cheaper feasible
//!   (`choose_type`); a pinned type is kept and a cheaper feasible other type is named.
//!   A step's callback wait (`.waitForTaskToken`) is Standard-only.
//! - Distributed Map: the parent is a Standard execution; AWS bills it one state transition per
//!   child execution started. Each child takes a batch of items (ItemBatcher) and runs them in
//!   one Lambda invocation. Children are Express (cheaper) unless a batch runs over Express'
//!   5-minute limit, then Standard (each child bills its own transitions).
//! - Inline Map iterations are not billed as transitions themselves; the states inside an
//!   iteration are (one Task state per item here).

mod map;
mod workflow;

pub use workflow::history_events;

use super::assess::Assessment;
use super::billing::{self, FreeTier};
use super::demand::Demand;
use super::plan::{Alternative, Figures, LineItem, OptionPlan, Platform};
use crate::pricing::{Missing, Price, PriceBook, keys};
use crate::profile::{LambdaConfig, StateMachineType, StepFunctionsConfig, Work, WorkflowType};
use serde_json::json;

/// Longest Express execution: 5 minutes.
pub const EXPRESS_MAX_MS: f64 = 300_000.0;
/// Longest Standard execution: 1 year (AWS, `concepts-standard-vs-express.md`; PRICES.md §2).
pub const STANDARD_MAX_MS: f64 = 365.0 * 24.0 * 3600.0 * 1000.0;
/// Standard execution history limit: the execution fails beyond it.
pub const HISTORY_MAX_EVENTS: f64 = 25_000.0;
/// Inline Map: "up to 40 concurrent iterations".
pub const INLINE_MAP_MAX_CONCURRENCY: f64 = 40.0;
/// Distributed Map: 10,000 parallel child executions unless told otherwise.
pub const DISTRIBUTED_MAP_MAX_CONCURRENCY: f64 = 10_000.0;
/// Input/output per state or execution: 256 KiB.
pub const PAYLOAD_MAX_KB: f64 = 256.0;
/// Open Standard executions per account and Region.
pub const MAX_OPEN_EXECUTIONS: f64 = 1_000_000.0;
/// Express billing granularity.
pub const EXPRESS_DURATION_STEP_MS: f64 = 100.0;
pub const EXPRESS_MEMORY_STEP_MB: u32 = 64;
/// Per-transition orchestration overhead the latency model adds. AWS publishes no figure for
/// either type, so the model adds nothing and says so.
pub const TRANSITION_OVERHEAD_MS: f64 = 0.0;

/// Transitions a fan-out run's parent makes besides its Map iterations: entering the Map
/// state, the state after it, and the end (an assumption: "a handful").
pub const FANOUT_PARENT_TRANSITIONS: f64 = 3.0;
/// Transitions billed per Inline Map iteration: the one Task state inside it (AWS does not
/// bill the iteration itself).
pub const INLINE_ITEM_TRANSITIONS: f64 = 1.0;
/// History events per Inline Map iteration running one Lambda Task: MapIterationStarted,
/// TaskStateEntered, TaskScheduled, TaskStarted, TaskSucceeded, TaskStateExited,
/// MapIterationSucceeded.
pub const INLINE_ITEM_EVENTS: f64 = 7.0;
/// History events of the parent around the Map: ExecutionStarted, MapStateEntered,
/// MapStateStarted, MapStateSucceeded, MapStateExited, ExecutionSucceeded, and a few spare.
pub const FANOUT_PARENT_EVENTS: f64 = 10.0;

/// Express billed duration: rounded up to the next 100 ms (at least 100 ms).
pub fn express_billed_ms(duration_ms: f64) -> f64 {
    // The small epsilon keeps 1000.0000000001 (float noise) at 1,000 ms.
    let steps = (duration_ms.max(0.0) / EXPRESS_DURATION_STEP_MS - 1e-9)
        .ceil()
        .max(1.0);
    steps * EXPRESS_DURATION_STEP_MS
}

/// Express billed memory: 64 MB chunks (at least one).
pub fn express_billed_mb(memory_mb: u32) -> u32 {
    memory_mb.div_ceil(EXPRESS_MEMORY_STEP_MB).max(1) * EXPRESS_MEMORY_STEP_MB
}

/// GB-seconds billed for `executions` Express executions of `duration_ms` using `memory_mb`.
pub fn express_gb_s(executions: f64, duration_ms: f64, memory_mb: u32) -> f64 {
    executions * express_billed_ms(duration_ms) / 1000.0 * express_billed_mb(memory_mb) as f64
        / 1024.0
}

/// Express's lines: `requests` executions and `gb_s` GB-seconds (billed per GB-hour).
fn express_lines(book: &PriceBook, requests: f64, gb_s: f64) -> Result<Vec<LineItem>, Missing> {
    Ok(vec![
        billing::priced(
            book,
            "express_requests",
            keys::SFN_EXPRESS_REQUESTS,
            requests,
        )?,
        billing::priced(
            book,
            "express_duration",
            keys::SFN_EXPRESS_DURATION,
            gb_s / 3600.0,
        )?,
    ])
}

/// Standard's lines: `used` state transitions at `price`, less what is left of the free tier.
fn transition_lines(used: f64, price: &Price, free: FreeTier) -> Vec<LineItem> {
    let mut lines = vec![billing::line("state_transitions", used, price)];
    if let Some((credit, _)) = billing::free_credit(
        used,
        free.sfn_transitions,
        price,
        "Step Functions state transitions",
    ) {
        lines.push(credit);
    }
    lines
}

/// An option evaluated but not yet a plan: its cost lines, verdict and figures, so a finding
/// can still be added (the Standard/Express comparison) and options compared by the total
/// their lines make.
#[derive(Debug, Clone)]
struct Evaluated {
    /// The type the state machine runs as (a Distributed Map's parent: Standard).
    kind: StateMachineType,
    lines: Vec<LineItem>,
    verdict: Assessment,
    figures: Figures,
}

impl Evaluated {
    fn total(&self) -> f64 {
        billing::total(&self.lines)
    }

    fn into_plan(self) -> OptionPlan {
        OptionPlan::new(
            Platform::StepFunctions,
            self.lines,
            self.verdict,
            self.figures,
        )
    }
}

/// Evaluate the workload on Step Functions.
pub fn evaluate(
    d: &Demand,
    cfg: &StepFunctionsConfig,
    lambda: &LambdaConfig,
    book: &PriceBook,
) -> OptionPlan {
    OptionPlan::answer(Platform::StepFunctions, cfg.enabled, || {
        try_evaluate(d, cfg, lambda, book)
    })
}

fn try_evaluate(
    d: &Demand,
    cfg: &StepFunctionsConfig,
    lambda: &LambdaConfig,
    book: &PriceBook,
) -> Result<OptionPlan, Missing> {
    match &*d.work {
        Work::Service { .. } => Ok(OptionPlan::infeasible(
            Platform::StepFunctions,
            SERVICE_NOT_A_FRONT_END,
        )),
        Work::Workflow { workflow: wf, .. } => {
            let (chosen, alternative) = choose_type(cfg.kind, |kind| {
                workflow::evaluate(d, kind, lambda, book, wf)
            })?;
            let mut plan = chosen.into_plan();
            plan.alternative = alternative;
            Ok(plan)
        }
        Work::Fanout { job } => Ok(map::evaluate(d, cfg, lambda, book, job)?.into_plan()),
        Work::Queue { .. } => Ok(OptionPlan::infeasible(
            Platform::StepFunctions,
            QUEUE_NOT_A_CONSUMER,
        )),
        Work::Stream { .. } => Ok(OptionPlan::infeasible(
            Platform::StepFunctions,
            STREAM_NOT_A_CONSUMER,
        )),
    }
}

/// Why Step Functions is not an option for a queue, in each queue's Step Functions section;
/// the reasoning once, in the report's assumptions ([`QUEUE_ASSUMPTION`]).
pub const QUEUE_NOT_A_CONSUMER: &str =
    "A state machine adds nothing to a queue's consumer (see the assumptions).";

/// The reasoning behind [`QUEUE_NOT_A_CONSUMER`], once per report that has a queue.
pub const QUEUE_ASSUMPTION: &str = "Step Functions is not an option for a queue: the way to \
     put one behind SQS is an EventBridge Pipe (SQS source, batches) starting an Express \
     workflow per batch whose task is the handler on Lambda. Its pollers scale like Lambda's \
     event source mapping and the handler is the same function, so it bills the Lambda option's \
     lines plus a Pipes request per batch (per 64 KB chunk) and Express's \
     request and duration per batch: dearer than Lambda at every rate, with no concurrency \
     gained. It pays only when a batch's handling is itself a multi-step workflow (model that as \
     kind: workflow).";

/// Why Step Functions is not an option for a stream (the reasoning is in the assumptions,
/// `kinesis::assumptions`).
pub const STREAM_NOT_A_CONSUMER: &str = "A state machine is not a Kinesis consumer: it would run behind EventBridge Pipes, one Express execution per batch on top of what Lambda's event source mapping does alone (see the assumptions).";

/// Why Step Functions is not an option for a service, in each service's Step Functions
/// section: one sentence; the reasoning is said once, in the report's assumptions
/// ([`SERVICE_ASSUMPTION`]).
pub const SERVICE_NOT_A_FRONT_END: &str =
    "A state machine is not a request/response front end (see the assumptions).";

/// The reasoning behind [`SERVICE_NOT_A_FRONT_END`], once per report that has a service.
pub const SERVICE_ASSUMPTION: &str = "Step Functions is not an option for a service: a state \
     machine orchestrates steps, it does not serve requests. Express synchronous workflows can \
     answer a caller, but they add a per-request orchestration charge and latency on top of \
     the same function, with no concurrency benefit; a service runs on Lambda, ECS or EC2.";

/// What each type promises, for the findings that name a type.
fn semantics(kind: StateMachineType) -> &'static str {
    match kind {
        StateMachineType::Express => {
            "at-least-once, executions of at most 5 minutes, no callbacks, history in CloudWatch Logs only"
        }
        StateMachineType::Standard => "exactly-once, executions of up to a year",
    }
}

fn other_type(kind: StateMachineType) -> StateMachineType {
    match kind {
        StateMachineType::Standard => StateMachineType::Express,
        StateMachineType::Express => StateMachineType::Standard,
    }
}

fn type_name(kind: StateMachineType) -> &'static str {
    match kind {
        StateMachineType::Standard => "Standard",
        StateMachineType::Express => "Express",
    }
}

/// The type a workflow (or an Inline Map's parent) runs as, `eval` evaluating one type.
///
/// `auto` is searched like `memory_mb: auto`: both types, the cheaper feasible one kept (when
/// neither is feasible, Standard, which has fewer limits, shows why); `type_choice` in the
/// config says in words why. A pinned type is kept; when the other type is feasible and costs
/// less, or the pin is infeasible and the other is not, a finding names it, and it is returned
/// as the plan's [`Alternative`] for the recommendation to name.
fn choose_type(
    pin: WorkflowType,
    mut eval: impl FnMut(StateMachineType) -> Result<Evaluated, Missing>,
) -> Result<(Evaluated, Option<Alternative>), Missing> {
    let Some(kind) = pin.pinned() else {
        let (standard, express) = (
            eval(StateMachineType::Standard),
            eval(StateMachineType::Express),
        );
        let (mut chosen, note) = match (standard, express) {
            (Err(missing), Err(_)) => return Err(missing),
            (Ok(only), Err(missing)) | (Err(missing), Ok(only)) => {
                let note = format!(
                    "auto: {} (the other type cannot be priced: {missing})",
                    type_name(only.kind)
                );
                (only, note)
            }
            (Ok(standard), Ok(express)) => pick_type(standard, express),
        };
        if chosen.kind == StateMachineType::Express {
            chosen.verdict.risk(
                "Express runs a workflow at least once (asynchronous starts may repeat a step) \
                 and keeps its history in CloudWatch Logs only: pin `type: standard` if a step \
                 must run exactly once.",
            );
        }
        chosen
            .figures
            .config
            .insert("type_choice".into(), json!(note));
        return Ok((chosen, None));
    };
    let mut chosen = eval(kind)?;
    let other = other_type(kind);
    let Ok(alt) = eval(other) else {
        return Ok((chosen, None));
    };
    let pinned_infeasible = !chosen.verdict.feasible();
    if !alt.verdict.feasible() || !(alt.total() < chosen.total() || pinned_infeasible) {
        return Ok((chosen, None));
    }
    chosen.verdict.risk(format!(
        "{} workflows would cost {}/month instead of {} ({}){}; set `type: {}` (or `auto`) to use them.",
        type_name(other),
        crate::format::usd(alt.total()),
        crate::format::usd(chosen.total()),
        semantics(other),
        if pinned_infeasible {
            format!(" and can run it where {} cannot", type_name(kind))
        } else {
            String::new()
        },
        other.as_str()
    ));
    let alternative = Alternative {
        pinned: format!("type: {}", kind.as_str()),
        setting: format!("type: {}", other.as_str()),
        monthly_cost_usd: alt.total(),
    };
    Ok((chosen, Some(alternative)))
}

/// `auto` between two evaluated types: the cheaper feasible one, with the reason in words.
fn pick_type(standard: Evaluated, express: Evaluated) -> (Evaluated, String) {
    let costs = format!(
        "Standard {}/month, Express {}/month",
        crate::format::usd(standard.total()),
        crate::format::usd(express.total())
    );
    let why_not = |e: &Evaluated| e.verdict.blocker().unwrap_or("infeasible").to_string();
    match (standard.verdict.feasible(), express.verdict.feasible()) {
        (true, true) => {
            let chosen = if express.total() < standard.total() {
                express
            } else {
                standard
            };
            let note = format!(
                "auto: {}, the cheaper feasible type ({costs})",
                type_name(chosen.kind)
            );
            (chosen, note)
        }
        (true, false) => {
            let note = format!(
                "auto: Standard, as Express cannot run it: {}",
                why_not(&express)
            );
            (standard, note)
        }
        (false, true) => {
            let note = format!(
                "auto: Express, as Standard cannot run it: {}",
                why_not(&standard)
            );
            (express, note)
        }
        (false, false) => {
            let note = format!(
                "auto: neither type can run it; Standard shown (Express: {})",
                why_not(&express)
            );
            (standard, note)
        }
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Builders the Step Functions tests share (the price book is the shipped one,
/// `testkit::book`).
#[cfg(test)]
pub(crate) mod kit {
    use crate::model::plan::{LineItem, OptionPlan};
    use crate::profile::{
        AutoOr, Job, LambdaConfig, MapMode, Request, Shape, StateMachineType, Step,
        StepFunctionsConfig, Traffic, Work, Workflow, WorkflowType, Workload,
    };

    pub fn traffic(monthly: f64) -> Traffic {
        Traffic {
            monthly_requests: Some(monthly),
            rps: None,
            peak_to_average: 1.0,
            shape: Shape::Flat,
            trace: None,
            trace_data: None,
        }
    }

    pub fn step(name: &str, duration_ms: f64, memory_mb: u32, wait: bool) -> Step {
        Step {
            name: name.into(),
            duration_ms,
            cpu_ms: 0.0,
            memory_mb,
            wait,
            callback_wait_s: None,
        }
    }

    pub fn workflow_workload(
        monthly: f64,
        transitions: u32,
        duration_ms: Option<f64>,
        memory_mb: u32,
        steps: Vec<Step>,
    ) -> Workload {
        Workload {
            name: "wf".into(),
            work: Work::Workflow {
                traffic: traffic(monthly),
                workflow: Workflow {
                    transitions,
                    duration_ms,
                    memory_mb,
                    steps,
                },
            },
            request: Request::default(),
            slo: None,
            calibration: None,
        }
    }

    pub fn fanout_workload(
        items: u64,
        runs: f64,
        deadline_s: Option<f64>,
        duration_ms: f64,
    ) -> Workload {
        Workload {
            name: "fan".into(),
            work: Work::Fanout {
                job: Job {
                    items,
                    runs_per_month: runs,
                    deadline_s,
                    deadline_margin: None,
                },
            },
            request: Request {
                duration_ms,
                memory_mb: 1024,
                ..Request::default()
            },
            slo: None,
            calibration: None,
        }
    }

    /// A configuration pinning `kind`.
    pub fn cfg(kind: StateMachineType, map: MapMode) -> StepFunctionsConfig {
        StepFunctionsConfig {
            enabled: true,
            kind: match kind {
                StateMachineType::Standard => WorkflowType::Standard,
                StateMachineType::Express => WorkflowType::Express,
            },
            map,
            items_per_batch: AutoOr::Auto,
        }
    }

    pub fn lambda_cfg() -> LambdaConfig {
        LambdaConfig {
            memory_mb: AutoOr::Auto,
            ..LambdaConfig::default()
        }
    }

    pub fn line<'a>(plan: &'a OptionPlan, item: &str) -> &'a LineItem {
        plan.cost_breakdown
            .iter()
            .find(|l| l.item == item)
            .unwrap_or_else(|| panic!("no `{item}` line in {:?}", plan.cost_breakdown))
    }

    pub fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }
}

#[cfg(test)]
mod tests {
    use super::kit::*;
    use super::*;
    use crate::model::testkit::book;
    use crate::model::traffic::MONTH_S;
    use crate::profile::{Architecture, MapMode, Request, Work, Workload};
    use serde_json::json;

    /// AWS's Express example (pricing page, example 4; docs/aws-worked-examples.md §3):
    /// 100 M executions a month, 10 s each, 64 MB billed.
    ///
    /// AWS prices the duration per GB-hour ($0.06 / $0.03 / $0.01642 over 1,000 / 4,000 /
    /// the rest), as the book does: 17,361.11 GB-h = $60.00 + $120.00 + $202.97 = $382.97.
    #[test]
    fn express_pricing_example() {
        let gb_s = express_gb_s(100e6, 10_000.0, 64);
        assert!(close(gb_s, 62_500_000.0, 1e-3));
        let duration = book()
            .price(keys::SFN_EXPRESS_DURATION)
            .unwrap()
            .cost(gb_s / 3600.0);
        assert_eq!((duration * 100.0).round() / 100.0, 382.97, "{duration}");

        // End to end: one 10 s wait state (no Lambda), 100 M executions a month.
        let w = workflow_workload(
            100e6,
            2,
            Some(10_000.0),
            64,
            vec![step("wait", 10_000.0, 128, true)],
        );
        let d = Demand::new(&w, FreeTier::none());
        let plan = evaluate(
            &d,
            &cfg(StateMachineType::Express, MapMode::Auto),
            &lambda_cfg(),
            &book(),
        );
        assert!(plan.feasible, "{:?}", plan.risks);
        let req = line(&plan, "express_requests");
        assert!(close(req.quantity, 100e6, 1.0));
        assert!(close(req.cost_usd, 100.0, 1e-6));
        let dur = line(&plan, "express_duration");
        assert!(close(dur.quantity, 62.5e6 / 3600.0, 1e-3));
        assert!(close(dur.cost_usd, 382.97, 0.005), "{}", dur.cost_usd);
        assert!(close(plan.monthly_cost_usd, 482.97, 0.005));
        assert!(
            !plan
                .cost_breakdown
                .iter()
                .any(|l| l.item.starts_with("lambda_"))
        );
        // Little's law: 38 executions/s × 10 s.
        assert!(close(plan.capacity.peak, 100e6 / MONTH_S * 10.0, 1e-6));
        assert_eq!(plan.capacity.unit, "concurrent executions");
    }

    #[test]
    fn express_rounding() {
        assert_eq!(express_billed_ms(901.0), 1000.0);
        assert_eq!(express_billed_ms(1000.0), 1000.0);
        assert_eq!(express_billed_ms(1000.0 + 1e-10), 1000.0);
        assert_eq!(express_billed_ms(1.0), 100.0);
        assert_eq!(express_billed_mb(65), 128);
        assert_eq!(express_billed_mb(64), 64);
        assert_eq!(express_billed_mb(1), 64);
        // 1 M executions of 901 ms at 65 MB: 1 s × 0.125 GB each.
        let w = workflow_workload(
            1e6,
            2,
            Some(901.0),
            65,
            vec![step("wait", 901.0, 128, true)],
        );
        let plan = evaluate(
            &Demand::new(&w, FreeTier::none()),
            &cfg(StateMachineType::Express, MapMode::Auto),
            &lambda_cfg(),
            &book(),
        );
        assert!(close(
            line(&plan, "express_duration").quantity,
            125_000.0 / 3600.0,
            1e-6
        ));
        assert_eq!(plan.config["billed_duration_ms"], json!(1000.0));
        assert_eq!(plan.config["billed_memory_mb"], json!(128));
    }

    #[test]
    fn service_is_infeasible() {
        let w = Workload {
            name: "api".into(),
            work: Work::Service {
                traffic: traffic(1e6),
            },
            request: Request::default(),
            slo: None,
            calibration: None,
        };
        let plan = evaluate(
            &Demand::new(&w, FreeTier::none()),
            &StepFunctionsConfig::default(),
            &lambda_cfg(),
            &book(),
        );
        assert!(!plan.feasible);
        assert_eq!(plan.platform, Platform::StepFunctions);
        assert!(plan.risks[0].contains("request/response"));
    }

    #[test]
    fn disabled_is_infeasible() {
        let w = workflow_workload(1e6, 4, None, 64, vec![]);
        let c = StepFunctionsConfig {
            enabled: false,
            ..StepFunctionsConfig::default()
        };
        let plan = evaluate(
            &Demand::new(&w, FreeTier::none()),
            &c,
            &lambda_cfg(),
            &book(),
        );
        assert!(!plan.feasible);
        assert_eq!(plan.risks, vec!["Disabled in the profile.".to_string()]);
    }

    #[test]
    fn missing_quota_or_price_names_the_key() {
        let w = workflow_workload(1e6, 4, None, 64, vec![step("a", 100.0, 128, false)]);
        let d = Demand::new(&w, FreeTier::none());
        let mut b = book();
        b.quotas.remove(keys::Q_SFN_STANDARD_STARTS);
        let plan = evaluate(
            &d,
            &cfg(StateMachineType::Standard, MapMode::Auto),
            &lambda_cfg(),
            &b,
        );
        assert!(!plan.feasible);
        assert!(
            plan.risks[0].contains(keys::Q_SFN_STANDARD_STARTS),
            "{:?}",
            plan.risks
        );

        let mut b = book();
        b.prices.remove(keys::SFN_EXPRESS_DURATION);
        let plan = evaluate(
            &d,
            &cfg(StateMachineType::Express, MapMode::Auto),
            &lambda_cfg(),
            &b,
        );
        assert!(!plan.feasible);
        assert!(
            plan.risks[0].contains(keys::SFN_EXPRESS_DURATION),
            "{:?}",
            plan.risks
        );

        let mut b = book();
        b.prices
            .remove(&keys::lambda_duration(Architecture::X86_64));
        let plan = evaluate(
            &d,
            &cfg(StateMachineType::Standard, MapMode::Auto),
            &lambda_cfg(),
            &b,
        );
        assert!(!plan.feasible);
        assert!(
            plan.risks[0].contains("lambda.duration.x86_64"),
            "{:?}",
            plan.risks
        );
    }

    #[test]
    fn the_cheaper_other_type_is_named_after_the_findings() {
        // 100,000 executions of 8 transitions and 1 s: Standard $20.00; Express 100,000 ×
        // ($0.000001 + 1 s × 64 MB at $0.06/GB-h) = $0.10 + $0.10 = $0.20, cheaper: named
        // last, after every finding of the chosen type.
        let w = workflow_workload(
            100_000.0,
            8,
            None,
            64,
            vec![step("wait", 1000.0, 128, true)],
        );
        let plan = evaluate(
            &Demand::new(&w, FreeTier::none()),
            &cfg(StateMachineType::Standard, MapMode::Auto),
            &lambda_cfg(),
            &book(),
        );
        assert!(plan.feasible, "{:?}", plan.risks);
        let last = plan.risks.last().cloned().unwrap_or_default();
        assert!(
            last.starts_with("Express workflows would cost $0.20/month instead of $20.00"),
            "{:?}",
            plan.risks
        );
    }
}
