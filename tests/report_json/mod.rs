//! Shared by the integration tests that read a JSON report (`--format json`): the first
//! workload's option of a platform, a breakdown line, and a figure rounded to the cent.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;

/// The first workload's option for `platform` (its JSON id: `lambda`, `ecs`, ...).
pub fn option<'a>(json: &'a Value, platform: &str) -> &'a Value {
    json["workloads"][0]["options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["platform"] == platform)
        .unwrap()
}

/// The breakdown line `item` of `o`: (quantity, cost in USD).
pub fn line(o: &Value, item: &str) -> (f64, f64) {
    let l = o["cost_breakdown"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["item"] == item)
        .unwrap_or_else(|| panic!("no `{item}` line: {}", o["cost_breakdown"]));
    (
        l["quantity"].as_f64().unwrap(),
        l["cost_usd"].as_f64().unwrap(),
    )
}

/// `usd` rounded to the cent.
pub fn cents(usd: f64) -> f64 {
    (usd * 100.0).round() / 100.0
}
