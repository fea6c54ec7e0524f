//! Workload profiles: YAML -> typed `Profile`, validated.

mod types;

pub use types::*;
