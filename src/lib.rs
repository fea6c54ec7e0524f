//! planner: where should a workload's concurrency live on AWS, and what does it cost?
//!
//! The model (`model`) is pure: a profile and a price book in, a plan out. The report
//! renderers (`report`) are pure too. I/O lives in `profile::load`, `pricing::load`,
//! `atomic` and `commands`.

pub mod atomic;
pub mod aws;
pub mod calibrate;
pub mod cli;
pub mod commands;
pub mod format;
pub mod model;
pub mod pricing;
pub mod profile;
pub mod report;
pub mod tui;
