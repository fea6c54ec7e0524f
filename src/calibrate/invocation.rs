//! One invocation as calibration counts it: what Lambda answered ([`crate::aws::lambda::Call`])
//! read through the REPORT line of its log tail.

use super::report_line::{self, Report};
use crate::aws::lambda::{Call, Reply};

/// One invocation, as the client saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    /// Wall time of the successful try, measured on the client.
    pub client_ms: f64,
    /// Throttled tries before it (each backed off).
    pub throttles: u32,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The function ran and returned; `report` is `None` when no log tail came back or it held
    /// no REPORT.
    Ok {
        report: Option<Report>,
        executed_version: Option<String>,
    },
    /// `X-Amz-Function-Error` (`Unhandled`, `Handled`): the handler failed.
    FunctionError {
        kind: String,
        report: Option<Report>,
    },
    /// The function hit its timeout (report `Status: timeout` or "Task timed out"), or the
    /// client gave up waiting.
    Timeout { client_side: bool },
    /// Still throttled after every try.
    Throttled,
}

impl Invocation {
    /// Read what Lambda answered: the REPORT line, a timeout told by the report or the error
    /// body, a handler error.
    pub fn read(call: Call) -> Invocation {
        let outcome = match call.reply {
            Reply::Returned {
                log_tail,
                executed_version,
                function_error,
            } => {
                let report = log_tail
                    .as_deref()
                    .and_then(report_line::decode_tail)
                    .and_then(|log| report_line::parse_tail(&log));
                let timed_out = report.as_ref().is_some_and(Report::is_timeout);
                match function_error {
                    None if timed_out => Outcome::Timeout { client_side: false },
                    None => Outcome::Ok {
                        report,
                        executed_version,
                    },
                    Some((_, body))
                        if timed_out
                            || body.contains("Task timed out")
                            || body.contains("Sandbox.Timedout") =>
                    {
                        Outcome::Timeout { client_side: false }
                    }
                    Some((kind, _)) => Outcome::FunctionError { kind, report },
                }
            }
            Reply::ClientTimeout => Outcome::Timeout { client_side: true },
            Reply::Throttled => Outcome::Throttled,
        };
        Invocation {
            client_ms: call.client_ms,
            throttles: call.throttles,
            outcome,
        }
    }
}
