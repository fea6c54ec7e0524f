//! Errors every command shares, and the exit code of any error (SPEC section 2): 2 for bad
//! input the user can fix, 1 for runtime failures.

use crate::aws::lambda::AwsError;
use crate::aws::pricing::RefreshError;
use crate::pricing::PricingError;
use crate::profile::ProfileErrors;

/// Bad input the user can fix (exit code 2) that is not a profile or price-book error.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

impl UsageError {
    /// Process exit code: 2 (bad input).
    pub fn exit_code(&self) -> u8 {
        2
    }
}

/// The exit code for an error: that of the first domain error in its chain of causes, else 1.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<ProfileErrors>() {
            return e.exit_code();
        }
        if let Some(e) = cause.downcast_ref::<PricingError>() {
            return e.exit_code();
        }
        if let Some(e) = cause.downcast_ref::<RefreshError>() {
            return e.exit_code();
        }
        if let Some(e) = cause.downcast_ref::<UsageError>() {
            return e.exit_code();
        }
        if let Some(e) = cause.downcast_ref::<AwsError>() {
            return e.exit_code();
        }
    }
    1
}
