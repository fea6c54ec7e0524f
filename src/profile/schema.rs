//! The JSON Schema of the profile format, generated from the very types the loader reads
//! ([`ProfileFile`] and what it holds, `#[derive(JsonSchema)]` beside `Deserialize`), so it
//! cannot drift from them. Editors use it through the `yaml-language-server` line the
//! examples start with; `profile.schema.json` at the repository's top is this text, kept
//! current by a test.
//!
//! A new profile field needs nothing here: derive `JsonSchema` on its type next to
//! `Deserialize` (serde's attributes — `default`, `rename`, `deny_unknown_fields` — are read
//! by schemars too); a type with a hand-written `Deserialize` gets a hand-written
//! `JsonSchema` beside it (see `AutoOr`).
//!
//! The schema checks structure (keys, types, allowed values); the model's rules (ranges,
//! fields that contradict each other) are `check`'s.

use super::types::ProfileFile;

/// The schema's file name in the repository, as the examples' schema line names it.
pub const SCHEMA_FILE: &str = "profile.schema.json";

/// The schema, pretty-printed JSON ending in a newline.
pub fn schema_json() -> String {
    let mut schema = schemars::schema_for!(ProfileFile);
    schema.insert("title".into(), "planner workload profile".into());
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
