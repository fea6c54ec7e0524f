//! `planner pricing refresh`: download a region's prices from the AWS Price List API
//! (`GetProducts`, aws-sdk-pricing) and turn them into a price book.
//!
//! The SDK configuration is loaded once ([`super::load_config`]) with the standard credential chain;
//! the Price List client talks to one of the API's own endpoints (us-east-1, eu-central-1 or
//! ap-south-1; [`api_region`]), or to `--endpoint-url` (tests point it at a local server).

use super::pricing_map::{self, AssembleError, Assembled, Mapped, Missing, Query};
use super::{CredentialsError, Failure, PRICE_LIST, classify, error_chain, innermost};
use crate::format::terminal_safe;
use crate::pricing::{Jump, LoadedBook, PLAUSIBLE_FACTOR, PriceBook};
use aws_config::SdkConfig;
use aws_sdk_pricing::Client;
use aws_sdk_pricing::config::interceptors::AfterDeserializationInterceptorContextRef;
use aws_sdk_pricing::config::timeout::TimeoutConfig;
use aws_sdk_pricing::config::{ConfigBag, Intercept, Region, RuntimeComponents};
use aws_sdk_pricing::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_pricing::types::{Filter, FilterType};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Regions that serve the Price List Query API.
pub const API_REGIONS: [&str; 3] = ["us-east-1", "eu-central-1", "ap-south-1"];

/// Results per `GetProducts` page (the API's maximum).
pub const PAGE_SIZE: i32 = 100;

/// A safety stop: no service of ours has anywhere near this many pages.
const MAX_PAGES: usize = 500;

/// How long the client waits for a connection to the Price List endpoint.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one `GetProducts` attempt (send and read a page of up to 100 products, a few
/// hundred KB) may take before it is abandoned (and retried, as the SDK's retries allow).
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);

/// Environment variable that replaces [`ATTEMPT_TIMEOUT`] (whole seconds, 1 to 3600; the
/// connect timeout is never longer than it). For slow links, and for tests.
pub const TIMEOUT_ENV: &str = "PLANNER_PRICE_LIST_TIMEOUT";

/// Why a refresh failed. Each variant says what the user can do.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    #[error(
        "`{0}` is not an AWS Region code (like us-east-1, eu-west-2, ap-southeast-1): lowercase \
         letters and digits separated by `-`, ending in a number"
    )]
    InvalidRegion(String),
    #[error(
        "the AWS Price List API has no products for region `{0}`: check the Region code \
         (`aws ec2 describe-regions` lists them)"
    )]
    UnknownRegion(String),
    #[error("`{0}` is not an endpoint URL: it must start with http:// or https://")]
    InvalidEndpoint(String),
    /// Missing or expired credentials.
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    #[error(
        "access denied by the AWS Price List API ({0}): the credentials need the IAM \
         permission pricing:GetProducts"
    )]
    AccessDenied(String),
    #[error(
        "the AWS Price List API kept throttling {service} after the SDK's retries with backoff: \
         wait a minute and run again (AWS_MAX_ATTEMPTS or AWS_RETRY_MODE=adaptive allow more \
         retries)"
    )]
    Throttled { service: String },
    #[error(
        "cannot reach the AWS Price List API at {endpoint}: {detail}. Check the network \
         connection (and HTTPS_PROXY if you use a proxy)"
    )]
    Network { endpoint: String, detail: String },
    #[error("the AWS Price List API failed for {service}: {detail}")]
    Api { service: String, detail: String },
    #[error("{}", missing_message(region, missing))]
    MissingPrices {
        region: String,
        missing: Vec<Missing>,
    },
    /// The server answered 200 with something that is not a `GetProducts` answer (an empty
    /// body, `{}`): a broken endpoint or proxy, not an unknown Region.
    #[error(
        "{endpoint} answered GetProducts for {service} with HTTP 200 and {answer}, not a Price \
         List answer (it has no FormatVersion): check --endpoint-url, AWS_ENDPOINT_URL or the \
         proxy in between (nothing was written)"
    )]
    NotPriceList {
        service: String,
        endpoint: String,
        /// `an empty body`, or `the body `{}``.
        answer: String,
    },
    #[error("{}", implausible_message(against, jumps))]
    Implausible {
        /// The book compared with, in words.
        against: String,
        /// Each figure that moved too far, with the item it came from (`SKU X (usagetype)`).
        jumps: Vec<(Jump, String)>,
    },
    #[error("{TIMEOUT_ENV}=`{0}` is not a whole number of seconds from 1 to 3600")]
    InvalidTimeout(String),
    #[error("{}", conflict_message(.0))]
    Conflicts(Vec<pricing_map::Conflict>),
    #[error("interrupted: the previous price book is untouched")]
    Interrupted,
}

impl RefreshError {
    /// Process exit code (SPEC section 2): 2 bad input, 1 runtime failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            RefreshError::InvalidRegion(_)
            | RefreshError::UnknownRegion(_)
            | RefreshError::InvalidEndpoint(_)
            | RefreshError::InvalidTimeout(_) => 2,
            _ => 1,
        }
    }
}

fn missing_message(region: &str, missing: &[Missing]) -> String {
    let mut s = format!(
        "the AWS Price List API did not return {} price{} the {region} book needs (nothing was \
         written):",
        missing.len(),
        if missing.len() == 1 { "" } else { "s" }
    );
    for m in missing {
        let _ = write!(s, "\n  {}: no usable item for {}", m.key, m.wanted);
        for refused in &m.refused {
            let _ = write!(s, "\n    refused {refused}");
        }
    }
    terminal_safe(&s).into_owned()
}

fn implausible_message(against: &str, jumps: &[(Jump, String)]) -> String {
    let mut s = format!(
        "the Price List answer moves {} figure{} by more than x{PLAUSIBLE_FACTOR} (up or down) \
         against {against}, which looks like a broken answer rather than a price change \
         (nothing was written):",
        jumps.len(),
        if jumps.len() == 1 { "" } else { "s" }
    );
    for (jump, item) in jumps {
        let _ = write!(s, "\n  {jump} ({item})");
    }
    s.push_str(
        "\nCheck these figures against https://aws.amazon.com/pricing/; if they are right, run \
         `planner pricing refresh` again with --accept-changes to write the book anyway",
    );
    terminal_safe(&s).into_owned()
}

fn conflict_message(conflicts: &[pricing_map::Conflict]) -> String {
    let mut s = "several Price List items give different prices for one figure (nothing was \
                 written):"
        .to_string();
    for c in conflicts {
        let _ = write!(s, "\n  {}: SKUs {}", c.key, c.skus.join(", "));
    }
    terminal_safe(&s).into_owned()
}

/// Check the shape of a Region code: `us-east-1`, `us-gov-west-1`, `ap-southeast-2`.
pub fn validate_region(region: &str) -> Result<(), RefreshError> {
    let parts: Vec<&str> = region.split('-').collect();
    let ok = parts.len() >= 3
        && parts.iter().all(|p| !p.is_empty())
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[0].len() == 2
        && parts
            .last()
            .is_some_and(|p| p.len() <= 2 && p.chars().all(|c| c.is_ascii_digit()));
    if ok {
        Ok(())
    } else {
        Err(RefreshError::InvalidRegion(region.to_string()))
    }
}

/// The Price List endpoint region: the configured region when it serves the API, else
/// us-east-1. Independent of the region being priced.
pub fn api_region(configured: Option<&str>) -> &'static str {
    API_REGIONS
        .iter()
        .find(|r| Some(**r) == configured)
        .copied()
        .unwrap_or(API_REGIONS[0])
}

/// The per-attempt timeout: [`ATTEMPT_TIMEOUT`], or `TIMEOUT_ENV` when set.
pub fn attempt_timeout() -> Result<Duration, RefreshError> {
    match std::env::var(TIMEOUT_ENV) {
        Err(_) => Ok(ATTEMPT_TIMEOUT),
        Ok(text) => text
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|s| (1..=3600).contains(s))
            .map(Duration::from_secs)
            .ok_or_else(|| RefreshError::InvalidTimeout(terminal_safe(&text).into_owned())),
    }
}

/// The client's timeouts: connect within [`CONNECT_TIMEOUT`] (or `attempt`, if shorter), each
/// attempt within `attempt`. Without them a server that accepts the connection and never
/// answers would hold the refresh forever.
fn timeouts(attempt: Duration) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT.min(attempt))
        .read_timeout(attempt)
        .operation_attempt_timeout(attempt)
        .build()
}

/// A Price List client from the shared configuration; `endpoint_url` overrides the endpoint.
/// Timeouts: [`timeouts`] with [`attempt_timeout`].
pub fn client(sdk: &SdkConfig, endpoint_url: Option<&str>) -> Result<Client, RefreshError> {
    let mut builder = aws_sdk_pricing::config::Builder::from(sdk)
        .region(Region::new(api_region(sdk.region().map(|r| r.as_ref()))))
        .timeout_config(timeouts(attempt_timeout()?));
    if let Some(url) = endpoint_url {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(RefreshError::InvalidEndpoint(url.to_string()));
        }
        builder = builder.endpoint_url(url);
    }
    Ok(Client::from_conf(builder.build()))
}

/// Where the client sends requests, for messages.
pub fn endpoint_name(sdk: &SdkConfig, endpoint_url: Option<&str>) -> String {
    endpoint_url
        .or(sdk.endpoint_url())
        .map(str::to_string)
        .unwrap_or_else(|| {
            format!(
                "api.pricing.{}.amazonaws.com",
                api_region(sdk.region().map(|r| r.as_ref()))
            )
        })
}

/// Resolve credentials before any call (see [`super::check_credentials`]).
pub async fn check_credentials(sdk: &SdkConfig) -> Result<(), RefreshError> {
    Ok(super::check_credentials(sdk, PRICE_LIST).await?)
}

/// Progress of one service's download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress<'a> {
    pub service: &'a str,
    /// Pages read so far.
    pub pages: usize,
    /// Products read so far.
    pub items: usize,
    /// The service is complete.
    pub done: bool,
}

/// Download every page of one service's products (the `PriceList` JSON strings).
pub async fn fetch_service(
    client: &Client,
    query: &Query,
    endpoint: &str,
    progress: &mut (dyn FnMut(Progress<'_>) + Send),
) -> Result<Vec<String>, RefreshError> {
    let mut filters = Vec::new();
    for f in &query.filters {
        let kind = match f.kind {
            "ANY_OF" => FilterType::AnyOf,
            _ => FilterType::TermMatch,
        };
        let filter = Filter::builder()
            .r#type(kind)
            .field(f.field)
            .value(&f.value)
            .build()
            .map_err(|e| RefreshError::Api {
                service: query.service.into(),
                detail: e.to_string(),
            })?;
        filters.push(filter);
    }
    let mut items = Vec::new();
    let mut token: Option<String> = None;
    let mut seen = BTreeSet::new();
    for page in 1..=MAX_PAGES {
        let body = LastBody::default();
        let out = client
            .get_products()
            .service_code(query.service)
            .format_version("aws_v1")
            .max_results(PAGE_SIZE)
            .set_filters(Some(filters.clone()))
            .set_next_token(token.take())
            .customize()
            .interceptor(body.clone())
            .send()
            .await
            .map_err(|e| map_sdk_error(query.service, endpoint, e))?;
        if out.format_version().is_none() {
            return Err(RefreshError::NotPriceList {
                service: query.service.into(),
                endpoint: terminal_safe(endpoint).into_owned(),
                answer: body.describe(),
            });
        }
        items.extend(out.price_list().iter().cloned());
        let next = out.next_token().filter(|t| !t.is_empty());
        progress(Progress {
            service: query.service,
            pages: page,
            items: items.len(),
            done: next.is_none(),
        });
        match next {
            None => return Ok(items),
            Some(t) if !seen.insert(t.to_string()) => {
                return Err(RefreshError::Api {
                    service: query.service.into(),
                    detail: "the API repeated a NextToken (pagination loop)".into(),
                });
            }
            Some(t) => token = Some(t.to_string()),
        }
    }
    Err(RefreshError::Api {
        service: query.service.into(),
        detail: format!("more than {MAX_PAGES} pages of products"),
    })
}

/// Keeps the body of the last answer to a request (up to [`LastBody::KEPT`] bytes), so that
/// an answer the SDK reads as an empty output can be named in the error.
#[derive(Debug, Clone, Default)]
struct LastBody(Arc<Mutex<Option<Vec<u8>>>>);

impl LastBody {
    /// Enough of a body to recognise it in a message.
    const KEPT: usize = 200;

    /// `an empty body`, or `the body `...`` (terminal-safe, cut at [`Self::KEPT`] bytes).
    fn describe(&self) -> String {
        let kept = self.0.lock().ok().and_then(|g| g.clone());
        match kept {
            None => "a body that could not be read".into(),
            Some(b) if b.iter().all(u8::is_ascii_whitespace) => "an empty body".into(),
            Some(b) => {
                let text = String::from_utf8_lossy(&b);
                let cut = if b.len() >= Self::KEPT { " ..." } else { "" };
                format!("the body `{}`{cut}", terminal_safe(text.trim()))
            }
        }
    }
}

impl Intercept for LastBody {
    fn name(&self) -> &'static str {
        "planner::LastBody"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), aws_sdk_pricing::error::BoxError> {
        let body = context.response().body().bytes().map(|b| {
            let end = b.len().min(Self::KEPT);
            b[..end].to_vec()
        });
        if let Ok(mut slot) = self.0.lock() {
            *slot = body;
        }
        Ok(())
    }
}

/// Turn an SDK failure into a message the user can act on. Text from the server (its error
/// code and message, a connection error) is made terminal-safe here, so every caller (the
/// CLI, the TUI, the library) gets a message that cannot drive a terminal.
pub fn map_sdk_error<E, R>(service: &str, endpoint: &str, err: SdkError<E, R>) -> RefreshError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let answer = super::service_answer(&err).map(|a| terminal_safe(&a).into_owned());
    let endpoint = terminal_safe(endpoint);
    let api = |detail: String| RefreshError::Api {
        service: service.to_string(),
        detail,
    };
    match classify(&err) {
        Failure::Network => RefreshError::Network {
            endpoint: endpoint.to_string(),
            detail: terminal_safe(&innermost(&err)).into_owned(),
        },
        Failure::Timeout => RefreshError::Network {
            endpoint: endpoint.to_string(),
            detail: format!(
                "no answer within {} s (the limit per attempt; {TIMEOUT_ENV}=SECONDS changes it)",
                attempt_timeout().unwrap_or(ATTEMPT_TIMEOUT).as_secs()
            ),
        },
        Failure::Throttled => RefreshError::Throttled {
            service: service.to_string(),
        },
        Failure::ExpiredCredentials => RefreshError::Credentials(CredentialsError::Expired(
            format!(" ({})", answer.unwrap_or_default()),
        )),
        Failure::AccessDenied => RefreshError::AccessDenied(answer.unwrap_or_default()),
        Failure::Conflict | Failure::NotFound | Failure::Other => {
            api(answer.unwrap_or_else(|| terminal_safe(&error_chain(&err)).into_owned()))
        }
    }
}

/// Everything a refresh produced, before it is written.
#[derive(Debug, Clone)]
pub struct Refreshed {
    pub assembled: Assembled,
    pub mapped: Mapped,
}

/// Download `region`'s products with `client` and build the new book, keeping from
/// `previous` what the Price List does not carry. `progress` sees every page.
pub async fn refresh(
    client: &Client,
    endpoint: &str,
    region: &str,
    made: &str,
    previous: Option<&LoadedBook>,
    reference: &PriceBook,
    progress: &mut (dyn FnMut(Progress<'_>) + Send),
) -> Result<Refreshed, RefreshError> {
    validate_region(region)?;
    let wanted = pricing_map::wanted_instance_types(previous.map(|l| &l.book), reference);
    let mut mapped = Mapped::default();
    for query in pricing_map::queries(region, &wanted) {
        let items = fetch_service(client, &query, endpoint, progress).await?;
        mapped.add_service(query.service, region, &wanted, &items);
    }
    let assembled =
        pricing_map::assemble(region, made, &mapped, previous, reference).map_err(|e| match e {
            AssembleError::NoProducts => RefreshError::UnknownRegion(region.to_string()),
            AssembleError::Missing(missing) => RefreshError::MissingPrices {
                region: region.to_string(),
                missing,
            },
            AssembleError::Conflicts(c) => RefreshError::Conflicts(c),
        })?;
    Ok(Refreshed { assembled, mapped })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn region_codes() {
        for ok in [
            "us-east-1",
            "eu-west-2",
            "ap-southeast-1",
            "us-gov-west-1",
            "il-central-1",
        ] {
            assert!(validate_region(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "us-east",
            "US-EAST-1",
            "useast1",
            "us-east-1a",
            "us--1",
            "u-east-1",
            "us-east-100",
        ] {
            let e = validate_region(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
        }
    }

    #[test]
    fn api_region_is_one_that_serves_the_api() {
        assert_eq!(api_region(Some("eu-central-1")), "eu-central-1");
        assert_eq!(api_region(Some("ap-south-1")), "ap-south-1");
        assert_eq!(api_region(Some("eu-west-1")), "us-east-1");
        assert_eq!(api_region(None), "us-east-1");
    }
}
