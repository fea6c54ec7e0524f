//! The operations that change files from what AWS says: a price refresh ([`refresh`]) and a
//! calibration record ([`calibration`]). Each is prepare (check everything that can be bad
//! input, before any AWS call), run (the AWS part, reporting progress to a callback) and
//! commit (write atomically). The command line and the TUI call the same steps and keep only
//! how they show progress and results.

pub mod calibration;
pub mod refresh;

/// Today's date (UTC) as `YYYY-MM-DD`, the date a book or a calibration is stamped with.
pub fn today() -> String {
    let (y, m, d) = crate::pricing::today_utc();
    format!("{y:04}-{m:02}-{d:02}")
}
