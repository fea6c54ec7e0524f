//! planner: where should a workload's concurrency live on AWS, and what does it cost?

pub mod format;
pub mod model;
pub mod pricing;
pub mod profile;
pub mod report;
