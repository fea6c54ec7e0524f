//! The pure model: profile + price book in, plan out. No I/O, no async, no terminal.

pub mod plan;

pub use plan::*;
