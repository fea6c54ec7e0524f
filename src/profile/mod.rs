//! Workload profiles: YAML -> typed `Profile`, validated.
//!
//! [`load`] reads a file, [`parse`] reads text; both return every problem found as
//! [`ProfileErrors`], each located by file, line, column and field path.

mod calibration;
mod error;
mod fargate;
mod load;
mod positions;
mod recover;
mod schema;
mod suggest;
mod trace;
mod types;
mod validate;

pub use calibration::{
    Calibration, CalibrationFit, MeasureSource, MeasuredSize, Sidecar, merge_sidecar,
    parse_sidecar, sidecar_path,
};
pub use error::{ProfileError, ProfileErrorKind, ProfileErrors, TraceLocation};
pub use fargate::{
    describe_memory_options, fargate_memory_options, fargate_sizes, fargate_vcpu_sizes,
    is_valid_fargate_size,
};
pub use load::{input_files, load, load_without_sidecar, parse};
pub use positions::PositionMap;
pub use schema::{SCHEMA_FILE, schema_json};
pub use suggest::{closest, nearest};
pub use trace::{
    MAX_TRACE_ROWS, TraceIssue, parse_rfc3339, parse_timestamp, parse_trace, parse_trace_within,
};
pub use types::*;
pub use validate::{
    FARGATE_EPHEMERAL_GB, LAMBDA_EPHEMERAL_MB, LAMBDA_MEMORY_MB, MAX_PEAK_TO_AVERAGE, MAX_THREADS,
    limits,
};
