//! `planner calibrate`: measure a deployed Lambda function at several memory sizes (as AWS
//! Lambda Power Tuning does), fit the workload's I/O and CPU parts, and write the result into
//! the profile's calibration sidecar.
//!
//! Pure parts: [`report_line`] (REPORT / `platform.report` parser), [`stats`], [`fit`],
//! [`analysis`] (per-size statistics, costs through `model::lambda::bill`, best memory),
//! [`plan`] (what a run will do and the most it can cost), [`invocation`] (what one
//! invocation's answer says). The SDK edge is `crate::aws::lambda`; [`run`] drives a run and
//! always cleans up. The command line and the TUI run it through `crate::ops::calibration`.

pub mod analysis;
pub mod fit;
pub mod invocation;
pub mod plan;
pub mod render;
pub mod report_line;
pub mod run;
pub mod stats;

pub use analysis::SizeSamples;
pub use analysis::{Analysis, SizeStats};
pub use invocation::{Invocation, Outcome};
pub use plan::{Plan, Request as PlanRequest};
pub use run::{
    Cancel, CancelHandle, Ledger, Leftover, Options, Progress, RunOutcome, SharedLedger, calibrate,
    calibrate_tracked, cancel_pair,
};
