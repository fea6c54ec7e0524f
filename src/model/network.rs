//! The network lines of the whole bill, from the profile's `network:` section: public IPv4
//! addresses, NAT gateways (or interface VPC endpoints) and data transfer out to the
//! internet. Billed here only; the platforms' billing calls [`fleet`] and [`serverless`], so
//! the fleet search, the cost curve and the break-even all see them.
//!
//! What each option pays for:
//! - `public_ipv4`: $ per address-hour, in use or idle. A task or instance in a public subnet
//!   has one for every hour it runs (the fleet's unit-hours, not its peak); an internet-facing
//!   ALB has one per Availability Zone; a NAT gateway has one. Lambda never has one.
//! - `nat_gateway`: hours of each NAT gateway (one per AZ, or one shared) and the GB it
//!   processes, for fleets in private subnets and for Lambda in a VPC; with
//!   `egress: vpc_endpoints`, `vpc_endpoints` lines instead (endpoint-hours in each AZ + GB).
//!   The traffic through it is `egress_kb_per_request` per request or item (calls to AWS APIs
//!   and third parties); responses to clients go back through the front door, not the NAT.
//! - `data_transfer`: responses to clients through a public front door, `response_kb` per
//!   request (the whole `payload_kb` by default), with the volume tiers; the same on every
//!   platform. The account's free 100 GB a month is credited with the rest of the free tier
//!   (`free_tier: true`), once per profile.
//!
//! Each option is priced as if it had the VPC to itself: NAT gateways and endpoints shared by
//! several workloads are paid once by the account, not once per workload.

use super::billing;
use super::demand::Demand;
use super::plan::LineItem;
use super::traffic::MONTH_S;
use crate::pricing::{Missing, PriceBook, keys};
use crate::profile::{Egress, FrontDoor, NatGateways, Network, Subnet, Work};

/// Hours in the month the always-on network parts (ALB nodes, NAT gateways, endpoints) run.
const MONTH_H: f64 = MONTH_S / 3600.0;

/// KB in a GB (GB = 2^30 bytes, as AWS bills data).
const KB_PER_GB: f64 = 1024.0 * 1024.0;

/// What an option puts in the network: its own units' addresses (fleets in public subnets)
/// and whether it has an ALB of its own.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Footprint {
    /// Unit-hours a month of tasks or instances with a public IPv4 address each (zero for
    /// private subnets and for Lambda).
    pub public_unit_hours: f64,
    /// The option runs behind its own Application Load Balancer.
    pub alb: bool,
    /// The option's compute sits in the VPC's private subnets and reaches out through the
    /// egress (fleets in private subnets, Lambda in a VPC).
    pub private: bool,
    /// The option's own processes read a stream's records (KCL workers; Lambda's event
    /// source mapping polls from outside the function's VPC): through the egress too.
    pub reads_stream: bool,
}

/// The network lines of a fleet (ECS, EC2) that runs `unit_hours` unit-hours a month, behind
/// its own ALB when `alb`. Nothing when the demand carries no network section.
pub fn fleet(
    d: &Demand,
    unit_hours: f64,
    alb: bool,
    book: &PriceBook,
) -> Result<Vec<LineItem>, Missing> {
    let Some(net) = d.network else {
        return Ok(Vec::new());
    };
    let public = net.subnet == Subnet::Public;
    lines(
        d,
        net,
        Footprint {
            public_unit_hours: if public { unit_hours } else { 0.0 },
            alb,
            private: !public,
            reads_stream: true,
        },
        book,
    )
}

/// The network lines of a serverless option (Lambda, Step Functions' task states): in the
/// VPC only when `lambda_in_vpc`, never with a public address of its own; `alb` when Lambda
/// sits behind an ALB.
pub fn serverless(d: &Demand, alb: bool, book: &PriceBook) -> Result<Vec<LineItem>, Missing> {
    let Some(net) = d.network else {
        return Ok(Vec::new());
    };
    lines(
        d,
        net,
        Footprint {
            public_unit_hours: 0.0,
            alb,
            private: net.lambda_in_vpc,
            reads_stream: false,
        },
        book,
    )
}

/// $ a month each unit-hour of a fleet adds to its network lines (a public IPv4 address in a
/// public subnet): what the fleet search adds to each shape's cost, so that a shape with
/// fewer, larger units is seen to pay for fewer addresses.
pub fn per_unit_hour_usd(d: &Demand, book: &PriceBook) -> Result<f64, Missing> {
    match d.network {
        Some(net) if net.subnet == Subnet::Public => Ok(book.price(keys::PUBLIC_IPV4)?.unit_usd()),
        Some(_) | None => Ok(0.0),
    }
}

fn lines(
    d: &Demand,
    net: &Network,
    f: Footprint,
    book: &PriceBook,
) -> Result<Vec<LineItem>, Missing> {
    let mut out = Vec::new();
    let nat = f.private && net.egress == Egress::NatGateway;
    let addresses = address_hours(net, f, nat);
    if addresses > 0.0 {
        let mut l = billing::priced(book, "public_ipv4", keys::PUBLIC_IPV4, addresses)?;
        l.unit = "IP-hour".into();
        out.push(l);
    }
    if f.private {
        let reads = if f.reads_stream {
            stream_read_gb(d)
        } else {
            0.0
        };
        out.extend(egress(net, egress_gb(d, net) + reads, book)?);
    }
    out.extend(data_transfer(d, net, book)?);
    Ok(out)
}

/// Public IPv4 address-hours a month: the units' own, one per AZ for an internet-facing ALB,
/// one per NAT gateway.
fn address_hours(net: &Network, f: Footprint, nat: bool) -> f64 {
    let alb = if f.alb && net.front_door == FrontDoor::Public {
        f64::from(net.availability_zones) * MONTH_H
    } else {
        0.0
    };
    let nat = if nat {
        nat_gateways(net) * MONTH_H
    } else {
        0.0
    };
    f.public_unit_hours.max(0.0) + alb + nat
}

/// NAT gateways the option pays for the hours (and public address) of: one per AZ, one
/// shared, or none when the VPC's existing gateways are already paid for.
pub fn nat_gateways(net: &Network) -> f64 {
    match net.nat_gateways {
        NatGateways::PerAz => f64::from(net.availability_zones),
        NatGateways::Shared => 1.0,
        NatGateways::Existing => 0.0,
    }
}

/// GB a month through the NAT gateway or the endpoints: `egress_kb_per_request` for every
/// request (or fan-out item).
fn egress_gb(d: &Demand, net: &Network) -> f64 {
    d.monthly_requests().max(0.0) * net.egress_kb_per_request.max(0.0) / KB_PER_GB
}

/// GB a month a stream's consumer reads from Kinesis (a public AWS endpoint: through the NAT
/// gateway, or a Kinesis interface endpoint with `egress: vpc_endpoints`).
pub(crate) fn stream_read_gb(d: &Demand) -> f64 {
    match &*d.work {
        Work::Stream { .. } => {
            d.monthly_requests().max(0.0) * d.request.payload_kb.max(0.0) / KB_PER_GB
        }
        Work::Service { .. } | Work::Fanout { .. } | Work::Workflow { .. } | Work::Queue { .. } => {
            0.0
        }
    }
}

/// The private subnets' way out for a month: NAT gateway hours and `gb` GB processed, or
/// interface endpoint hours in each AZ and `gb` GB processed, or nothing (isolated subnets).
pub fn egress(net: &Network, gb: f64, book: &PriceBook) -> Result<Vec<LineItem>, Missing> {
    match net.egress {
        Egress::NatGateway if net.nat_gateways == NatGateways::Existing => {
            // The gateways are the VPC's: only the GB this workload sends through them.
            let data = billing::priced(book, "nat_gateway", keys::NAT_GATEWAY_DATA, gb)?;
            Ok(if data.quantity > 0.0 {
                vec![data]
            } else {
                Vec::new()
            })
        }
        Egress::NatGateway => {
            let mut hours = billing::priced(
                book,
                "nat_gateway",
                keys::NAT_GATEWAY_HOURS,
                nat_gateways(net) * MONTH_H,
            )?;
            hours.unit = "NAT gateway-hour".into();
            let data = billing::priced(book, "nat_gateway", keys::NAT_GATEWAY_DATA, gb)?;
            Ok(with_data(hours, data))
        }
        Egress::VpcEndpoints => {
            let endpoint_hours =
                f64::from(net.interface_endpoints) * f64::from(net.availability_zones) * MONTH_H;
            let mut hours = billing::priced(
                book,
                "vpc_endpoints",
                keys::VPC_ENDPOINT_HOURS,
                endpoint_hours,
            )?;
            hours.unit = "endpoint-AZ-hour".into();
            let data = billing::priced(book, "vpc_endpoints", keys::VPC_ENDPOINT_DATA, gb)?;
            Ok(with_data(hours, data))
        }
        Egress::None => Ok(Vec::new()),
    }
}

/// The hours line, and the data line when any data passes (a line of zero GB is noise; its
/// price still had to be in the book).
fn with_data(hours: LineItem, data: LineItem) -> Vec<LineItem> {
    if data.quantity > 0.0 {
        vec![hours, data]
    } else {
        vec![hours]
    }
}

/// KB each request sends to its client: `response_kb`, or the whole payload by default.
pub fn response_kb(d: &Demand, net: &Network) -> f64 {
    net.response_kb
        .fixed()
        .copied()
        .unwrap_or(d.request.payload_kb)
        .max(0.0)
}

/// GB a month sent to clients on the internet: responses through a public front door. A
/// fan-out job's items answer no client; a private front door's clients are in the VPC.
pub fn data_out_gb(d: &Demand, net: &Network) -> f64 {
    let answered = match &*d.work {
        Work::Service { .. } | Work::Workflow { .. } => d.monthly_requests(),
        // A fan-out job's items, a queue's messages and a stream's records answer no client.
        Work::Fanout { .. } | Work::Queue { .. } | Work::Stream { .. } => 0.0,
    };
    match net.front_door {
        FrontDoor::Public => answered.max(0.0) * response_kb(d, net) / KB_PER_GB,
        FrontDoor::Private => 0.0,
    }
}

fn data_transfer(d: &Demand, net: &Network, book: &PriceBook) -> Result<Vec<LineItem>, Missing> {
    transfer_out(data_out_gb(d, net), d.free.data_out_gb, book)
}

/// `gb` GB of data transfer out to the internet in a month, with its volume tiers, less the
/// `free_gb` left of the account's free 100 GB (a `free_tier` line of its own).
pub fn transfer_out(gb: f64, free_gb: f64, book: &PriceBook) -> Result<Vec<LineItem>, Missing> {
    if gb <= 0.0 {
        return Ok(Vec::new());
    }
    let price = book.price(keys::DATA_TRANSFER_OUT)?;
    let mut out = vec![billing::line("data_transfer", gb, price)];
    if let Some((credit, _)) =
        billing::free_credit(gb, free_gb, price, "100 GB of data transfer out")
    {
        out.push(credit);
    }
    Ok(out)
}

/// The network assumptions in plain words, for the report.
pub fn assumptions(net: &Network) -> Vec<String> {
    let azs = net.availability_zones;
    let zones = if azs == 1 {
        "one Availability Zone".to_string()
    } else {
        format!("{azs} Availability Zones")
    };
    let subnet = match net.subnet {
        Subnet::Public => format!(
            "ECS tasks and EC2 instances run in public subnets of {zones}, each with its own public IPv4 address ($ per address-hour for every hour it runs); they reach the internet directly, with no NAT gateway."
        ),
        Subnet::Private => format!(
            "ECS tasks and EC2 instances run in private subnets of {zones}, without public addresses; {}",
            egress_words(net)
        ),
    };
    let lambda = if net.lambda_in_vpc {
        format!(
            "Lambda functions (and Step Functions' task states) run in the VPC's private subnets: {}",
            egress_words(net)
        )
    } else {
        "Lambda runs outside a VPC: no NAT gateway and no public address of its own.".to_string()
    };
    let front = match net.front_door {
        FrontDoor::Public => {
            let per = match net.response_kb.fixed() {
                Some(kb) => format!("{} KB", crate::model::words::fmt_num(*kb)),
                None => "the whole `payload_kb`".to_string(),
            };
            format!(
                "Clients reach the front door from the internet: an internet-facing ALB has a public IPv4 address in each of the {zones}; each response sends {per} out to the internet (data transfer out, with its volume tiers; the same on every platform). The account's free 100 GB a month is credited only with the free tier (`free_tier: true`)."
            )
        }
        FrontDoor::Private => "The front door is private (an internal ALB, a private REST API): clients are inside the VPC, so there is no public address on the ALB and no data transfer out to the internet.".to_string(),
    };
    let rpc = net.requests_per_connection;
    let alb = if rpc <= 1.0 {
        "An ALB sees one new connection per request (no keep-alive reuse, the costly case; `network.requests_per_connection` says otherwise) and at most the 10 free listener rules.".to_string()
    } else {
        format!(
            "An ALB sees a new connection every {} requests (keep-alive, `network.requests_per_connection`) and at most the 10 free listener rules.",
            crate::model::words::fmt_num(rpc)
        )
    };
    vec![
        subnet,
        lambda,
        front,
        alb,
        "Each option is priced as if it had the VPC to itself: NAT gateways, endpoints and ALBs shared by several workloads are paid once by the account, not once per workload; traffic within the Region (between Availability Zones, to S3 or DynamoDB through their free gateway endpoints) is not counted.".to_string(),
    ]
}

/// How private subnets reach out, in words.
fn egress_words(net: &Network) -> String {
    let kb = if net.egress_kb_per_request > 0.0 {
        format!(
            "{} KB a request passes through it",
            crate::model::words::fmt_num(net.egress_kb_per_request)
        )
    } else {
        "no data a request is stated to pass through it (`network.egress_kb_per_request`)"
            .to_string()
    };
    match (net.egress, net.nat_gateways) {
        (Egress::NatGateway, NatGateways::PerAz) => format!(
            "they reach the internet and AWS APIs through a NAT gateway in each AZ (hours, GB processed and a public address each); {kb}."
        ),
        (Egress::NatGateway, NatGateways::Existing) => format!(
            "they reach the internet and AWS APIs through the VPC's existing NAT gateways, already paid for by the account (only the GB processed are this workload's); {kb}."
        ),
        (Egress::NatGateway, NatGateways::Shared) => format!(
            "they reach the internet and AWS APIs through one NAT gateway shared by the AZs (hours, GB processed and a public address); {kb}."
        ),
        (Egress::VpcEndpoints, _) => format!(
            "they reach AWS APIs through {} interface VPC endpoints in each AZ (hours and GB processed) and have no internet access; {kb}.",
            net.interface_endpoints
        ),
        (Egress::None, _) => {
            "they have no way out (isolated subnets): nothing is billed for egress.".to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::billing::{FreeTier, total};
    use crate::model::testkit::{book, req, service};

    fn net() -> Network {
        Network::default()
    }

    #[test]
    fn private_fleet_pays_nat_per_az_and_its_addresses() {
        // 2 AZs, a NAT gateway each, an internet-facing ALB: 2 × 730 h of NAT ($65.70),
        // 4 addresses × 730 h ($14.60), nothing processed.
        let w = service(0.0, req(50.0, 0.0, 128));
        let n = net();
        let d = Demand::new(&w, FreeTier::none()).with_network(&n);
        let lines = fleet(&d, 1460.0, true, &book()).unwrap();
        let ip = lines.iter().find(|l| l.item == "public_ipv4").unwrap();
        assert!((ip.quantity - 4.0 * 730.0).abs() < 1e-9);
        assert!((ip.cost_usd - 14.60).abs() < 1e-9);
        let nat: f64 = lines
            .iter()
            .filter(|l| l.item == "nat_gateway")
            .map(|l| l.cost_usd)
            .sum();
        assert!((nat - 65.70).abs() < 1e-9);
        assert!((total(&lines) - 80.30).abs() < 1e-9);
    }

    #[test]
    fn no_network_section_no_lines() {
        let w = service(100.0, req(50.0, 0.0, 128));
        let d = Demand::new(&w, FreeTier::none());
        assert!(fleet(&d, 1460.0, true, &book()).unwrap().is_empty());
        assert!(serverless(&d, false, &book()).unwrap().is_empty());
    }
}
