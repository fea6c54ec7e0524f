//! SDK edges: everything that talks to AWS. The Price List refresh (`pricing`, with its pure
//! item mapping in `pricing_map`) and the Lambda calls calibration makes (`lambda`) share one
//! configuration loader ([`load_config`]), one credentials check ([`check_credentials`]) and
//! one reading of SDK failures ([`classify`]).

pub mod lambda;
pub mod pricing;
pub mod pricing_map;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::ProvideCredentials;
use aws_credential_types::provider::error::CredentialsError as ProviderError;
// The SDK crates share these types; any crate's re-export names them.
use aws_sdk_lambda::error::{ProvideErrorMetadata, SdkError};
use std::time::SystemTime;

/// How the SDK retries a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retries {
    /// The SDK's standard retries with backoff (`AWS_MAX_ATTEMPTS`, `AWS_RETRY_MODE` apply).
    Standard,
    /// None: the caller sees every throttle and retries as it sees fit (calibration).
    Off,
}

/// Load the AWS SDK configuration once: the standard chain for credentials (environment,
/// AWS_PROFILE with SSO or credential_process, container and instance roles), region and
/// endpoint, with `region` and `endpoint_url` overriding what the chain finds.
///
/// `given` replaces the chain (tests pass static credentials); the overrides still apply.
pub async fn load_config(
    given: Option<&SdkConfig>,
    region: Option<&str>,
    endpoint_url: Option<&str>,
    retries: Retries,
) -> SdkConfig {
    if let Some(sdk) = given {
        let mut b = sdk.to_builder();
        if let Some(r) = region {
            b = b.region(Region::new(r.to_string()));
        }
        if let Some(url) = endpoint_url {
            b = b.endpoint_url(url);
        }
        if retries == Retries::Off {
            b = b.retry_config(RetryConfig::disabled());
        }
        return b.build();
    }
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(r) = region {
        loader = loader.region(Region::new(r.to_string()));
    }
    if let Some(url) = endpoint_url {
        loader = loader.endpoint_url(url);
    }
    if retries == Retries::Off {
        loader = loader.retry_config(RetryConfig::disabled());
    }
    loader.load().await
}

/// An AWS API planner calls, as messages name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Api {
    pub name: &'static str,
    /// The IAM permissions its calls need, as a sentence.
    pub needs: &'static str,
}

/// The AWS Price List API (`planner pricing refresh`).
pub const PRICE_LIST: Api = Api {
    name: "the AWS Price List API",
    needs: "The call needs the IAM permission pricing:GetProducts",
};

/// AWS Lambda (`planner calibrate`).
pub const LAMBDA: Api = Api {
    name: "AWS Lambda",
    needs: "Calibration needs the IAM permissions lambda:GetFunctionConfiguration, \
            lambda:UpdateFunctionConfiguration, lambda:PublishVersion, lambda:CreateAlias, \
            lambda:DeleteAlias, lambda:DeleteFunction and lambda:InvokeFunction",
};

/// Credentials that cannot sign a call, with what to do about it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CredentialsError {
    #[error(
        "no AWS credentials found ({detail}). Set AWS_PROFILE (after `aws sso login` for SSO \
         profiles), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run on an instance with \
         a role. {}",
        api.needs
    )]
    Missing { api: Api, detail: String },
    /// The detail, when there is one, is ` (why)`.
    #[error(
        "the AWS credentials have expired{0}: refresh them (e.g. `aws sso login`, or new \
         temporary keys) and run again"
    )]
    Expired(String),
}

/// Resolve credentials before any call to `api`, so that a missing or expired login gets its
/// own message instead of a failed request.
pub async fn check_credentials(sdk: &SdkConfig, api: Api) -> Result<(), CredentialsError> {
    let Some(provider) = sdk.credentials_provider() else {
        return Err(CredentialsError::Missing {
            api,
            detail: "no credentials provider is configured".into(),
        });
    };
    match provider.provide_credentials().await {
        Ok(creds) => match creds.expiry() {
            Some(t) if t <= SystemTime::now() => Err(CredentialsError::Expired(String::new())),
            _ => Ok(()),
        },
        Err(e) => {
            let detail = error_chain(&e);
            let lower = detail.to_ascii_lowercase();
            Err(match e {
                ProviderError::CredentialsNotLoaded(_) => CredentialsError::Missing { api, detail },
                _ if lower.contains("expired") => CredentialsError::Expired(format!(" ({detail})")),
                _ => CredentialsError::Missing { api, detail },
            })
        }
    }
}

/// What an SDK failure means, whatever the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The service throttled the call (after the SDK's own retries, if any).
    Throttled,
    /// The service refused the credentials as expired.
    ExpiredCredentials,
    /// The service refused the credentials or the permission.
    AccessDenied,
    /// The resource is being changed by another call (Lambda).
    Conflict,
    /// The resource does not exist.
    NotFound,
    /// The request did not get through (connection, DNS, a dispatch timeout).
    Network,
    /// The client stopped waiting for the answer.
    Timeout,
    /// Anything else: the service's own code and message say what.
    Other,
}

/// Codes services answer when they throttle.
const THROTTLED: [&str; 4] = [
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "RequestLimitExceeded",
];

/// Codes services answer for expired credentials.
const EXPIRED: [&str; 3] = ["ExpiredTokenException", "ExpiredToken", "RequestExpired"];

/// Codes services answer for credentials or permissions they refuse.
const DENIED: [&str; 7] = [
    "AccessDeniedException",
    "AccessDenied",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "MissingAuthenticationToken",
];

/// Read an SDK failure.
pub fn classify<E, R>(err: &SdkError<E, R>) -> Failure
where
    E: ProvideErrorMetadata,
{
    match err {
        // The HTTP client's connect or read timeout and the SDK's attempt timeout are the
        // same failure to a user (whichever fires first): no answer in time.
        SdkError::DispatchFailure(d) if d.is_timeout() => Failure::Timeout,
        SdkError::DispatchFailure(d) if d.is_io() => Failure::Network,
        SdkError::TimeoutError(_) => Failure::Timeout,
        SdkError::ServiceError(ctx) => match ctx.err().code().unwrap_or("") {
            c if THROTTLED.contains(&c) => Failure::Throttled,
            c if EXPIRED.contains(&c) => Failure::ExpiredCredentials,
            c if DENIED.contains(&c) => Failure::AccessDenied,
            "ResourceConflictException" => Failure::Conflict,
            "ResourceNotFoundException" => Failure::NotFound,
            _ => Failure::Other,
        },
        _ => Failure::Other,
    }
}

/// The service's own answer as `Code: message` (or `Code`); `None` when no service answered
/// with a code.
pub fn service_answer<E, R>(err: &SdkError<E, R>) -> Option<String>
where
    E: ProvideErrorMetadata,
{
    let e = err.as_service_error()?;
    let code = e.code().filter(|c| !c.is_empty())?;
    Some(match e.message().filter(|m| !m.is_empty()) {
        Some(m) => format!("{code}: {m}"),
        None => code.to_string(),
    })
}

/// An error and its sources as `a: b: c` (Display only, never Debug), skipping a level
/// whose text the previous one already shows.
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(e) = source {
        let text = e.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = e.source();
    }
    out
}

/// The innermost cause, the readable part of a connection failure ("Connection refused (os
/// error 111)", "dns error: failed to lookup address information").
pub fn innermost(err: &(dyn std::error::Error + 'static)) -> String {
    let mut last = err;
    while let Some(e) = last.source() {
        last = e;
    }
    last.to_string()
}
