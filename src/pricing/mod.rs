//! Price book: load (embedded or folder), provenance, atomic write.

mod book;

pub use book::{Allowance, Instance, Missing, Price, PriceBook, Quota, Tier, keys};
