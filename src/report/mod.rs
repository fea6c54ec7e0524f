//! Pure renderers of a [`Plan`](crate::model::Plan): the Markdown report and the JSON report
//! (SPEC §6). Both are deterministic: no wall-clock time, stable ordering, fixed decimals.
//! `planner report` and the TUI export call these same functions.

pub mod diff;
mod json;
mod markdown;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod tests;

pub use json::json;
pub use markdown::markdown;

use crate::model::Plan;

/// The report formats `planner report --format` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Format {
    #[default]
    Markdown,
    Json,
}

impl Format {
    /// Both formats, in the order menus list them.
    pub const ALL: [Format; 2] = [Format::Markdown, Format::Json];

    /// The identifier used on the command line (`--format markdown|json`).
    pub fn id(self) -> &'static str {
        match self {
            Format::Markdown => "markdown",
            Format::Json => "json",
        }
    }

    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Markdown => "md",
            Format::Json => "json",
        }
    }

    pub fn from_id(id: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.id() == id)
    }

    /// The format a report written to `path` takes, by its extension: `.json` is JSON,
    /// anything else (`.md`, `.markdown`, none, unknown) Markdown. `planner report -o` (when
    /// `--format` is not given) and the TUI's export both choose with it.
    pub fn for_path(path: &std::path::Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("json") => Format::Json,
            _ => Format::Markdown,
        }
    }
}

/// The warning `planner report` prints on standard error when the book lacks figures some
/// options need (`None` when every option could be priced): one line a missing figure, and
/// how to get them. The report itself says the same in its banner.
pub fn unpriced_warning(plan: &Plan) -> Option<String> {
    let missing = plan.missing_figures();
    if missing.is_empty() {
        return None;
    }
    let mut out = format!(
        "warning: the {} price book lacks {} figure{} some options need; they are reported `unpriced` (not compared, never recommended):",
        plan.region,
        missing.len(),
        if missing.len() == 1 { "" } else { "s" }
    );
    for f in &missing {
        let what = crate::pricing::keys::describe(&f.missing)
            .map_or_else(String::new, |d| format!(" ({d})"));
        out.push_str(&format!(
            "\n  - `{}`{what}: {}",
            f.missing.key,
            f.options_text()
        ));
    }
    out.push_str(&format!(
        "\n  Get them with `planner pricing refresh --region {}` or `--pricing DIR`.",
        plan.region
    ));
    Some(out)
}

/// Renders `plan` in `format`. The text always ends with exactly one newline.
pub fn render(plan: &Plan, format: Format) -> String {
    match format {
        Format::Markdown => markdown(plan),
        Format::Json => json(plan),
    }
}
