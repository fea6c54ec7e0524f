//! planner: where should a workload's concurrency live on AWS, and what does it cost?
//!
//! The model (`model`) is pure: a profile and a price book in, a plan out. The report
//! renderers (`report`) are pure too. I/O lives in `input` (reading files), `profile::load`,
//! `pricing::load`, `atomic` (writing files), `aws` (every SDK call), `ops` (refresh and calibration, shared by the command
//! line and the TUI) and `commands`.
//!
//! Dependency direction: `main -> commands -> {tui, ops, ...}`, `tui -> ops`,
//! `ops -> {aws, calibrate, pricing, profile}`; nothing below `commands` imports it or `cli`.

pub mod atomic;
pub mod aws;
pub mod calibrate;
pub mod cli;
pub mod commands;
pub mod error;
pub mod format;
pub mod input;
pub mod model;
pub mod ops;
pub mod pricing;
pub mod profile;
pub mod report;
pub mod tui;
