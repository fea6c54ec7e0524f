//! Front doors: an Application Load Balancer for fleets (and optionally Lambda), API Gateway
//! or a function URL for Lambda. Billed here only.

use super::billing;
use super::plan::LineItem;
use super::traffic::Curve;
use crate::pricing::{Missing, PriceBook, keys};
use crate::profile::LambdaIngress;

/// One ALB running all month: ALB-hours plus LCU-hours. LCUs per hour are the largest of the
/// four dimensions (new connections 25/s; active connections 3,000, counted as the connections
/// open at a time, sampled per minute; processed bytes 1 GB/h for instance/IP targets or
/// 0.4 GB/h for Lambda targets; rule evaluations 1,000/s).
///
/// A client sends `requests_per_connection` requests over one connection (HTTP keep-alive; 1,
/// the default, is a new connection per request, the costly case); each request holds a
/// connection for `duration_ms`; the listener has no more than the 10 free rules.
pub fn alb(
    curve: &Curve,
    payload_kb: f64,
    duration_ms: f64,
    requests_per_connection: f64,
    target: AlbTarget,
    book: &PriceBook,
) -> Result<Vec<LineItem>, Missing> {
    let hours_price = book.price(keys::ALB_HOURS)?;
    let lcu_price = book.price(keys::ALB_LCU)?;
    let hours = super::traffic::MONTH_S / 3600.0;
    // Each dimension is proportional to the request rate, so the largest is the same one at
    // every step: LCUs per request per second, times the day's request-seconds.
    let lcu_per_rps = lcu_per_rps(duration_ms, payload_kb, requests_per_connection, target);
    let rps_steps: f64 = curve.rps.iter().map(|r| r.max(0.0)).sum();
    let lcu_hours_per_period = lcu_per_rps * rps_steps * curve.step_s / 3600.0;
    let lcu_hours = lcu_hours_per_period * curve.periods_per_month();
    let mut alb_hours = billing::line("ingress", hours, hours_price);
    alb_hours.unit = "ALB-hour".to_string();
    let lcu = billing::line("ingress", lcu_hours, lcu_price);
    Ok(vec![alb_hours, lcu])
}

/// What an ALB's targets are: the processed-bytes LCU dimension is 1 GB an hour for
/// instances, containers and IP addresses, 0.4 GB an hour for Lambda functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlbTarget {
    Instances,
    Lambda,
}

impl AlbTarget {
    /// GB an hour one LCU processes.
    fn gb_per_lcu_hour(self) -> f64 {
        match self {
            AlbTarget::Instances => 1.0,
            AlbTarget::Lambda => 0.4,
        }
    }
}

/// The largest request body an ALB sends to a Lambda target, and the largest response it
/// takes back, KB: "The maximum size of the request body that you can send to a Lambda
/// function is 1 MB", "The maximum size of the response JSON that the Lambda function can send
/// is 1 MB" (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html).
pub const ALB_LAMBDA_BODY_KB: f64 = 1024.0;

/// The longest idle timeout an Application Load Balancer can be set to: a request whose
/// connection sends nothing for longer is closed. "The range for the idle timeout is 1 to
/// 4,000 seconds" (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-load-balancer-attributes.html#connection-idle-timeout).
pub const ALB_IDLE_TIMEOUT_MAX_S: f64 = 4_000.0;

/// How long a deploy or scale-in lets a target finish its requests in flight by default (a
/// target group's deregistration delay: "The default value is 300 seconds";
/// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html#deregistration-delay).
pub const DRAIN_DEFAULT_S: f64 = 300.0;

/// ALB LCUs per request per second: a new connection every `requests_per_connection`
/// requests, each request on a connection open for `duration_ms` (by Little's law
/// `rate × duration` connections are busy at a time; idle kept-alive connections between
/// requests are not counted), `payload_kb` processed.
fn lcu_per_rps(
    duration_ms: f64,
    payload_kb: f64,
    requests_per_connection: f64,
    target: AlbTarget,
) -> f64 {
    let new_connections = 1.0_f64 / 25.0 / requests_per_connection.max(1.0);
    let active_connections = duration_ms / 1000.0 / 3000.0;
    let processed_gb_per_hour = 3600.0 * payload_kb / (1024.0 * 1024.0) / target.gb_per_lcu_hour();
    new_connections
        .max(active_connections)
        .max(processed_gb_per_hour)
}

/// Lambda's front door for `monthly_requests` requests of `payload_kb` each, arriving over
/// `curve` (an ALB bills its LCUs by the hour), each taking `duration_ms`.
pub fn lambda_front(
    ingress: LambdaIngress,
    curve: &Curve,
    monthly_requests: f64,
    payload_kb: f64,
    duration_ms: f64,
    requests_per_connection: f64,
    book: &PriceBook,
) -> Result<Vec<LineItem>, Missing> {
    match ingress {
        LambdaIngress::FunctionUrl | LambdaIngress::None => Ok(Vec::new()),
        LambdaIngress::Alb => alb(
            curve,
            payload_kb,
            duration_ms,
            requests_per_connection,
            AlbTarget::Lambda,
            book,
        ),
        LambdaIngress::ApiGatewayHttp => {
            // HTTP APIs meter requests in 512 KB increments.
            let metered = monthly_requests * (payload_kb / 512.0).ceil().max(1.0);
            billing::priced(book, "ingress", keys::APIGW_HTTP_REQUESTS, metered).map(|l| vec![l])
        }
        LambdaIngress::ApiGatewayRest => {
            billing::priced(book, "ingress", keys::APIGW_REST_REQUESTS, monthly_requests)
                .map(|l| vec![l])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{AlbTarget, lcu_per_rps};

    #[test]
    fn active_connections_are_those_open_at_a_time() {
        // AWS's example: 1 new connection a second, each lasting 2 minutes, is 120 active
        // connections = 0.04 LCU (as is the new-connection dimension itself).
        assert!((lcu_per_rps(120_000.0, 0.0, 1.0, AlbTarget::Instances) - 0.04).abs() < 1e-12);
        // Held 10 minutes: 600 open at a time = 0.2 LCU, more than the 0.04 of new ones.
        assert!((lcu_per_rps(600_000.0, 0.0, 1.0, AlbTarget::Instances) - 0.2).abs() < 1e-12);
        // Short requests: the new connections decide.
        assert!((lcu_per_rps(3_000.0, 0.0, 1.0, AlbTarget::Instances) - 0.04).abs() < 1e-12);
    }
}
