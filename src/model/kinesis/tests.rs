#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use super::*;
use crate::model::billing::FreeTier;
use crate::model::testkit::{book, stream};
use crate::profile::{Shape, Stream};

fn flat(rps: f64, kb: f64, ms: f64, s: Stream) -> crate::profile::Workload {
    stream(rps, Shape::Flat, 1.0, kb, ms, s)
}

fn kcl() -> Reader {
    Reader {
        lanes: 1.0,
        record_ms: 1.0,
        batch_max: 10_000.0,
        window_s: 0.0,
    }
}
