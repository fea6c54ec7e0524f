//! `planner calibrate`: measure a deployed Lambda function at several memory sizes (as AWS
//! Lambda Power Tuning does), fit the workload's I/O and CPU parts, and write the result into
//! the profile's calibration sidecar.
//!
//! Pure parts: [`report_line`] (REPORT / `platform.report` parser), [`stats`], [`fit`],
//! [`analysis`] (per-size statistics, costs through `model::lambda::bill`, best memory),
//! [`plan`] (what a run will do and the most it can cost). The SDK edge is [`aws`]; [`run`]
//! drives a run and always cleans up.

pub mod analysis;
pub mod aws;
pub mod command;
pub mod fit;
pub mod plan;
pub mod render;
pub mod report_line;
pub mod run;
pub mod stats;

pub use analysis::SizeSamples;
pub use analysis::{Analysis, SizeStats};
pub use aws::{AwsError, FunctionInfo, Lambda, Tuning};
pub use plan::{Plan, Request as PlanRequest};
pub use run::{
    Cancel, CancelHandle, Ledger, Leftover, Options, Progress, RunOutcome, SharedLedger, calibrate,
    calibrate_tracked, cancel_pair,
};
