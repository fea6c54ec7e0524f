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
/// Assumes each request opens a new connection (no keep-alive reuse, the costly case), holds
/// it for `duration_ms`, and that the listener has no more than the 10 free rules.
/// The longest idle timeout an Application Load Balancer can be set to: a request whose
/// connection sends nothing for longer is closed. "The range for the idle timeout is 1 to
/// 4,000 seconds" (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-load-balancer-attributes.html#connection-idle-timeout).
pub const ALB_IDLE_TIMEOUT_MAX_S: f64 = 4_000.0;

/// How long a deploy or scale-in lets a target finish its requests in flight by default (a
/// target group's deregistration delay: "The default value is 300 seconds";
/// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html#deregistration-delay).
pub const DRAIN_DEFAULT_S: f64 = 300.0;

pub fn alb(
    curve: &Curve,
    payload_kb: f64,
    duration_ms: f64,
    book: &PriceBook,
) -> Result<Vec<LineItem>, Missing> {
    let hours_price = book.price(keys::ALB_HOURS)?;
    let lcu_price = book.price(keys::ALB_LCU)?;
    let hours = super::traffic::MONTH_S / 3600.0;
    // Each dimension is proportional to the request rate, so the largest is the same one at
    // every step: LCUs per request per second, times the day's request-seconds.
    let lcu_per_rps = lcu_per_rps(duration_ms, payload_kb);
    let rps_steps: f64 = curve.rps.iter().map(|r| r.max(0.0)).sum();
    let lcu_hours_per_period = lcu_per_rps * rps_steps * curve.step_s / 3600.0;
    let lcu_hours = lcu_hours_per_period * curve.periods_per_month();
    let mut alb_hours = billing::line("ingress", hours, hours_price);
    alb_hours.unit = "ALB-hour".to_string();
    let lcu = billing::line("ingress", lcu_hours, lcu_price);
    Ok(vec![alb_hours, lcu])
}

/// ALB LCUs per request per second: one new connection each, open for `duration_ms` (by
/// Little's law `rate × duration` connections are open at a time), `payload_kb` processed.
fn lcu_per_rps(duration_ms: f64, payload_kb: f64) -> f64 {
    let new_connections = 1.0_f64 / 25.0;
    let active_connections = duration_ms / 1000.0 / 3000.0;
    let processed_gb_per_hour = 3600.0 * payload_kb / (1024.0 * 1024.0);
    new_connections
        .max(active_connections)
        .max(processed_gb_per_hour)
}

/// Lambda's front door for `monthly_requests` requests of `payload_kb` each.
pub fn lambda_front(
    ingress: LambdaIngress,
    monthly_requests: f64,
    payload_kb: f64,
    book: &PriceBook,
) -> Result<Vec<LineItem>, Missing> {
    match ingress {
        LambdaIngress::FunctionUrl | LambdaIngress::None => Ok(Vec::new()),
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
    use super::lcu_per_rps;

    #[test]
    fn active_connections_are_those_open_at_a_time() {
        // AWS's example: 1 new connection a second, each lasting 2 minutes, is 120 active
        // connections = 0.04 LCU (as is the new-connection dimension itself).
        assert!((lcu_per_rps(120_000.0, 0.0) - 0.04).abs() < 1e-12);
        // Held 10 minutes: 600 open at a time = 0.2 LCU, more than the 0.04 of new ones.
        assert!((lcu_per_rps(600_000.0, 0.0) - 0.2).abs() < 1e-12);
        // Short requests: the new connections decide.
        assert!((lcu_per_rps(3_000.0, 0.0) - 0.04).abs() < 1e-12);
    }
}
