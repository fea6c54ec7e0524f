//! The SDK edge of calibration: every call it makes to AWS Lambda, with its own retry policy.
//!
//! The SDK's retries are turned off ([`super::Retries::Off`]) so throttles are seen and
//! counted; control-plane calls are paced below Lambda's 15 requests/s quota and retried here
//! on throttles and `ResourceConflictException` with exponential backoff. What an invocation's
//! log tail says is read by `calibrate`: this module hands back what Lambda answered.

use super::{CredentialsError, Failure, LAMBDA, classify};
use crate::profile::Architecture;
use aws_sdk_lambda::Client;
use aws_sdk_lambda::config::timeout::TimeoutConfig;
use aws_sdk_lambda::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{LastUpdateStatus, LogType, State};
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A failed AWS call (runtime failure: exit code 1).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AwsError {
    #[error("{op} failed: {message}")]
    Call { op: &'static str, message: String },
    /// Missing or expired credentials.
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    #[error("{0}")]
    Function(String),
    #[error("cancelled")]
    Cancelled,
}

impl AwsError {
    pub fn exit_code(&self) -> u8 {
        1
    }

    /// The service's own code and message when it answered (`AccessDeniedException: User …
    /// is not authorized …`); otherwise the SDK's chain of causes (timeouts, connections).
    /// Expired credentials get the message that says what to do.
    fn call<E, R>(op: &'static str, e: &SdkError<E, R>) -> AwsError
    where
        E: std::error::Error + ProvideErrorMetadata + 'static,
        R: std::fmt::Debug,
    {
        let message =
            super::service_answer(e).unwrap_or_else(|| DisplayErrorContext(e).to_string());
        if classify(e) == Failure::ExpiredCredentials {
            return AwsError::Credentials(CredentialsError::Expired(format!(" ({op}: {message})")));
        }
        AwsError::Call { op, message }
    }
}

/// Resolve credentials before any call to Lambda (see [`super::check_credentials`]).
pub async fn check_credentials(sdk: &aws_config::SdkConfig) -> Result<(), AwsError> {
    Ok(super::check_credentials(sdk, LAMBDA).await?)
}

/// Timing knobs; the defaults suit real AWS, tests shrink them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tuning {
    /// Least time between two control-plane calls (Lambda allows 15 a second).
    pub control_interval: Duration,
    /// First backoff after a throttle or conflict; doubles up to `backoff_max`.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// Tries of one call or invocation before a throttle counts as final.
    pub max_attempts: u32,
    /// Polling interval while a configuration update is in progress.
    pub update_poll: Duration,
    /// Longest wait for a configuration update.
    pub update_wait: Duration,
    /// Time allowed for a control-plane call.
    pub control_timeout: Duration,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            control_interval: Duration::from_millis(100),
            backoff_base: Duration::from_millis(200),
            backoff_max: Duration::from_secs(10),
            max_attempts: 8,
            update_poll: Duration::from_secs(1),
            update_wait: Duration::from_secs(300),
            control_timeout: Duration::from_secs(60),
        }
    }
}

impl Tuning {
    /// Backoff before try `attempt + 1` (0-based), with up to 50% jitter.
    pub fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        let base = self.backoff_base.as_secs_f64() * 2f64.powi(attempt.min(20) as i32);
        let capped = base.min(self.backoff_max.as_secs_f64());
        Duration::from_secs_f64(capped * (0.5 + 0.5 * jitter.clamp(0.0, 1.0)))
    }
}

/// What calibration needs to know about the function.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionInfo {
    pub name: String,
    pub arn: String,
    pub memory_mb: u32,
    pub timeout_s: u32,
    pub architecture: Architecture,
    pub ephemeral_storage_mb: u32,
    /// `Text` or `JSON`.
    pub log_format: String,
    /// SnapStart is on for published versions.
    pub snap_start: bool,
    pub runtime: Option<String>,
    pub state: String,
    pub last_update_status: String,
    pub description: Option<String>,
}

impl FunctionInfo {
    fn from_output(
        c: &aws_sdk_lambda::operation::get_function_configuration::GetFunctionConfigurationOutput,
        fallback: &str,
    ) -> Self {
        FunctionInfo {
            name: c.function_name().unwrap_or(fallback).to_string(),
            arn: c.function_arn().unwrap_or(fallback).to_string(),
            memory_mb: c.memory_size().unwrap_or(128).max(0) as u32,
            timeout_s: c.timeout().unwrap_or(3).max(1) as u32,
            architecture: match c.architectures().first().map(|a| a.as_str()) {
                Some("arm64") => Architecture::Arm64,
                _ => Architecture::X86_64,
            },
            ephemeral_storage_mb: c
                .ephemeral_storage()
                .map_or(512, |e| e.size().max(0) as u32),
            log_format: c
                .logging_config()
                .and_then(|l| l.log_format())
                .map_or_else(|| "Text".to_string(), |f| f.as_str().to_string()),
            snap_start: c
                .snap_start()
                .and_then(|s| s.apply_on())
                .is_some_and(|a| a.as_str() == "PublishedVersions"),
            runtime: c.runtime().map(|r| r.as_str().to_string()),
            state: c
                .state()
                .map_or_else(String::new, |s| s.as_str().to_string()),
            last_update_status: c
                .last_update_status()
                .map_or_else(String::new, |s| s.as_str().to_string()),
            description: c.description().map(str::to_string),
        }
    }
}

/// One invocation, as the client saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// Wall time of the last try, measured on the client.
    pub client_ms: f64,
    /// Throttled tries before it (each backed off).
    pub throttles: u32,
    pub reply: Reply,
}

/// What Lambda answered an invocation.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// The function ran.
    Returned {
        /// The base64 log tail (`X-Amz-Log-Result`), when one came back.
        log_tail: Option<String>,
        executed_version: Option<String>,
        /// `X-Amz-Function-Error` (`Unhandled`, `Handled`) and the response body: the
        /// handler failed.
        function_error: Option<(String, String)>,
    },
    /// The client gave up waiting.
    ClientTimeout,
    /// Still throttled after every try.
    Throttled,
}

/// The Lambda calls calibration makes, over one shared SDK configuration.
pub struct Lambda {
    control: Client,
    sdk: aws_config::SdkConfig,
    tuning: Tuning,
    last_control: Mutex<Option<Instant>>,
    seed: Mutex<u64>,
}

impl Lambda {
    pub fn new(sdk: &aws_config::SdkConfig, tuning: Tuning) -> Lambda {
        let conf = aws_sdk_lambda::config::Builder::from(sdk)
            .timeout_config(
                TimeoutConfig::builder()
                    .operation_timeout(tuning.control_timeout)
                    .build(),
            )
            .build();
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x9e37_79b9, |d| d.as_nanos() as u64)
            | 1;
        Lambda {
            control: Client::from_conf(conf),
            sdk: sdk.clone(),
            tuning,
            last_control: Mutex::new(None),
            seed: Mutex::new(seed),
        }
    }

    pub fn tuning(&self) -> Tuning {
        self.tuning
    }

    /// A number in [0, 1) for backoff jitter (xorshift; no need for a real RNG).
    pub fn jitter(&self) -> f64 {
        let mut s = self.seed.lock().unwrap_or_else(|p| p.into_inner());
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        (*s >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Wait until the next control-plane call may go.
    async fn pace(&self) {
        let wait = {
            let mut last = self.last_control.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let next = last.map_or(now, |t| t + self.tuning.control_interval);
            let at = next.max(now);
            *last = Some(at);
            at - now
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// One control-plane call with pacing and retries on throttles and conflicts.
    async fn control<T, E, F, Fut>(&self, op: &'static str, mut call: F) -> Result<T, AwsError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, aws_sdk_lambda::config::http::HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let mut attempt = 0;
        loop {
            self.pace().await;
            match call().await {
                Ok(v) => return Ok(v),
                Err(e)
                    if matches!(classify(&e), Failure::Throttled | Failure::Conflict)
                        && attempt + 1 < self.tuning.max_attempts =>
                {
                    tokio::time::sleep(self.tuning.backoff(attempt, self.jitter())).await;
                    attempt += 1;
                }
                Err(e) => return Err(AwsError::call(op, &e)),
            }
        }
    }

    pub async fn get_configuration(&self, function: &str) -> Result<FunctionInfo, AwsError> {
        let out = self
            .control("GetFunctionConfiguration", || {
                self.control
                    .get_function_configuration()
                    .function_name(function)
                    .send()
            })
            .await?;
        Ok(FunctionInfo::from_output(&out, function))
    }

    /// Wait until `$LATEST` is Active and no update is in progress.
    pub async fn wait_ready(&self, function: &str) -> Result<FunctionInfo, AwsError> {
        let started = Instant::now();
        let mut poll = Duration::from_millis(100).min(self.tuning.update_poll);
        loop {
            let info = self.get_configuration(function).await?;
            let state_ok = info.state.is_empty() || info.state == State::Active.as_str();
            let failed = info.last_update_status == LastUpdateStatus::Failed.as_str();
            let busy = info.last_update_status == LastUpdateStatus::InProgress.as_str()
                || info.state == State::Pending.as_str();
            if failed {
                return Err(AwsError::Function(format!(
                    "the last configuration update of {function} failed; fix the function first"
                )));
            }
            if state_ok && !busy {
                return Ok(info);
            }
            if !busy {
                return Err(AwsError::Function(format!(
                    "{function} is in state {}; it must be Active",
                    info.state
                )));
            }
            if started.elapsed() > self.tuning.update_wait {
                return Err(AwsError::Function(format!(
                    "{function} is still updating after {} s",
                    self.tuning.update_wait.as_secs()
                )));
            }
            // Updates usually finish within a second or two: poll soon, then back off.
            tokio::time::sleep(poll).await;
            poll = (poll * 2).min(self.tuning.update_poll);
        }
    }

    /// Set `$LATEST`'s memory and wait for the update to finish.
    pub async fn set_memory(&self, function: &str, memory_mb: u32) -> Result<(), AwsError> {
        self.control("UpdateFunctionConfiguration", || {
            self.control
                .update_function_configuration()
                .function_name(function)
                .memory_size(memory_mb as i32)
                .send()
        })
        .await?;
        let info = self.wait_ready(function).await?;
        if info.memory_mb != memory_mb {
            return Err(AwsError::Function(format!(
                "{function} reports {} MB after being set to {memory_mb} MB",
                info.memory_mb
            )));
        }
        Ok(())
    }

    /// Publish `$LATEST` as a version; returns the version and its description (which tells a
    /// version just made from one Lambda handed back because nothing changed).
    pub async fn publish_version(
        &self,
        function: &str,
        description: &str,
    ) -> Result<(String, Option<String>), AwsError> {
        let out = self
            .control("PublishVersion", || {
                self.control
                    .publish_version()
                    .function_name(function)
                    .description(description)
                    .send()
            })
            .await?;
        let version = out.version().map(str::to_string).ok_or(AwsError::Call {
            op: "PublishVersion",
            message: "the response names no version".to_string(),
        })?;
        Ok((version, out.description().map(str::to_string)))
    }

    pub async fn create_alias(
        &self,
        function: &str,
        alias: &str,
        version: &str,
    ) -> Result<(), AwsError> {
        self.control("CreateAlias", || {
            self.control
                .create_alias()
                .function_name(function)
                .name(alias)
                .function_version(version)
                .description("planner calibrate (temporary)")
                .send()
        })
        .await?;
        Ok(())
    }

    /// Delete an alias; one already gone counts as deleted.
    pub async fn delete_alias(&self, function: &str, alias: &str) -> Result<(), AwsError> {
        self.control("DeleteAlias", || async {
            gone_is_deleted(
                self.control
                    .delete_alias()
                    .function_name(function)
                    .name(alias)
                    .send()
                    .await,
            )
        })
        .await
    }

    /// Delete a published version; one already gone counts as deleted.
    pub async fn delete_version(&self, function: &str, version: &str) -> Result<(), AwsError> {
        self.control("DeleteFunction", || async {
            gone_is_deleted(
                self.control
                    .delete_function()
                    .function_name(function)
                    .qualifier(version)
                    .send()
                    .await,
            )
        })
        .await
    }

    /// A client for invocations: same configuration, with time for the function's timeout.
    pub fn invoker(&self, function_timeout_s: u32) -> Invoker {
        let conf = aws_sdk_lambda::config::Builder::from(&self.sdk)
            .timeout_config(
                TimeoutConfig::builder()
                    .operation_timeout(Duration::from_secs(function_timeout_s as u64 + 30))
                    .build(),
            )
            .build();
        Invoker {
            client: Client::from_conf(conf),
            tuning: self.tuning,
        }
    }
}

/// A delete's answer, where a resource already gone counts as deleted.
fn gone_is_deleted<T, E: ProvideErrorMetadata, R>(
    answer: Result<T, SdkError<E, R>>,
) -> Result<(), SdkError<E, R>> {
    match answer {
        Err(e) if classify(&e) == Failure::NotFound => Ok(()),
        Err(e) => Err(e),
        Ok(_) => Ok(()),
    }
}

/// Invokes a function (cheaply cloned into tasks).
#[derive(Clone)]
pub struct Invoker {
    client: Client,
    tuning: Tuning,
}

impl Invoker {
    /// Invoke `function:qualifier` synchronously with `LogType=Tail`, retrying throttles with
    /// backoff. Other SDK failures are returned as errors.
    pub async fn invoke(
        &self,
        function: &str,
        qualifier: &str,
        payload: &[u8],
        jitter: f64,
    ) -> Result<Call, AwsError> {
        let mut throttles = 0u32;
        loop {
            let started = Instant::now();
            let result = self
                .client
                .invoke()
                .function_name(function)
                .qualifier(qualifier)
                .log_type(LogType::Tail)
                .payload(Blob::new(payload.to_vec()))
                .send()
                .await;
            let client_ms = started.elapsed().as_secs_f64() * 1000.0;
            match result {
                Ok(out) => {
                    let function_error = out.function_error().map(|kind| {
                        let body = out
                            .payload()
                            .map(|b| String::from_utf8_lossy(b.as_ref()).into_owned())
                            .unwrap_or_default();
                        (kind.to_string(), body)
                    });
                    return Ok(Call {
                        client_ms,
                        throttles,
                        reply: Reply::Returned {
                            log_tail: out.log_result().map(str::to_string),
                            executed_version: out.executed_version().map(str::to_string),
                            function_error,
                        },
                    });
                }
                Err(SdkError::TimeoutError(_)) => {
                    return Ok(Call {
                        client_ms,
                        throttles,
                        reply: Reply::ClientTimeout,
                    });
                }
                Err(e) if classify(&e) == Failure::Throttled => {
                    throttles += 1;
                    if throttles >= self.tuning.max_attempts {
                        return Ok(Call {
                            client_ms,
                            throttles,
                            reply: Reply::Throttled,
                        });
                    }
                    // Vary the jitter per try without shared state.
                    let j = (jitter + 0.618_034 * throttles as f64).fract();
                    tokio::time::sleep(self.tuning.backoff(throttles - 1, j)).await;
                }
                Err(e) => return Err(AwsError::call("Invoke", &e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let t = Tuning::default();
        assert_eq!(t.backoff(0, 1.0), Duration::from_millis(200));
        assert_eq!(t.backoff(1, 1.0), Duration::from_millis(400));
        assert_eq!(t.backoff(10, 1.0), Duration::from_secs(10));
        assert_eq!(t.backoff(0, 0.0), Duration::from_millis(100));
    }
}
