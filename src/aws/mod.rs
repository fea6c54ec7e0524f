//! SDK edges: the AWS Price List refresh (`pricing`, with its pure item mapping in
//! `pricing_map`).

pub mod pricing;
pub mod pricing_map;
