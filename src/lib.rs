//! planner: where should a workload's concurrency live on AWS, and what does it cost?

pub mod model;
pub mod pricing;
pub mod profile;
