//! The pure model: profile + price book in, plan out. No I/O, no async, no terminal.
//!
//! Each platform module exposes `evaluate(&Demand, &Config, &PriceBook) -> OptionPlan`.
//! Billing rules live in exactly one place each: Lambda's in `lambda.rs` (Step Functions task
//! states call it), Fargate's in `ecs.rs`, EC2's in `ec2.rs`, front doors in `ingress.rs`.

pub mod billing;
pub mod demand;
pub mod ec2;
pub mod ecs;
pub mod fleet;
pub mod ingress;
pub mod latency;
pub mod plan;
pub mod traffic;

pub use demand::Demand;
pub use plan::*;
