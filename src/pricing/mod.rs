//! Price book: load (embedded or folder), provenance, atomic write.

mod book;
mod diff;
pub mod keys;
mod load;

pub use book::{Allowance, Instance, Missing, Price, PriceBook, Quota, Rate, Tier};
pub use diff::{BookDiff, Jump, Moved, PLAUSIBLE_FACTOR, diff, jumps, tiers_text};
pub use load::{
    BUILT_IN, BUILT_IN_ORIGIN, LoadedBook, PricingError, STALE_AFTER_DAYS, age_days, built_in,
    built_in_regions, civil_from_days, days_from_civil, load, parse_date, regions_in, show,
    staleness_warning, today_utc, write_atomic,
};
