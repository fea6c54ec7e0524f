//! Reading a profile: YAML text -> `Profile`, with every problem located in the file.

use super::error::{ProfileError, ProfileErrorKind, ProfileErrors};
use super::positions::{PositionMap, join};
use super::recover;
use super::suggest::{backquoted, closest};
use super::types::{Profile, ProfileFile};
use super::validate::validate;
use std::path::Path;

/// Read, parse and validate the profile at `path`, loading any trace CSV it names (relative to
/// the profile's folder) and merging its calibration sidecar (`x.yaml` -> `x.calibration.yaml`)
/// when there is one. Every problem found is returned, in file order.
pub fn load(path: &Path) -> Result<Profile, ProfileErrors> {
    let mut profile = load_without_sidecar(path)?;
    super::calibration::merge_sidecar(&mut profile, path)?;
    Ok(profile)
}

/// The shape problem [`PositionMap::build`] found (nesting too deep, a second document), as
/// the error of the file at `path`.
pub(super) fn shape_problem(positions: &PositionMap, path: &Path) -> Result<(), ProfileErrors> {
    match positions.problem() {
        Some((at, message)) => Err(ProfileError::new(
            ProfileErrorKind::Syntax,
            path,
            *at,
            "",
            format!("invalid YAML: {message}"),
        )
        .into()),
        None => Ok(()),
    }
}

/// What a key or value holding a control character is told.
pub(super) const CONTROL_CHARACTER: &str =
    "contains a control character (an escape sequence?); only printable text is allowed";

/// The path (as serde_yaml spells it) of the first key or string value under `value` that
/// holds a control character other than tab, line feed and carriage return.
pub(super) fn control_character_at(value: &serde_yaml::Value, at: &str) -> Option<String> {
    use serde_yaml::Value;
    let bad = |s: &str| {
        s.chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    };
    match value {
        Value::String(s) if bad(s) => Some(at.to_string()),
        Value::Sequence(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| control_character_at(v, &format!("{at}[{i}]"))),
        Value::Mapping(map) => map.iter().find_map(|(k, v)| {
            let key = match k {
                Value::String(s) => s.clone(),
                other => serde_yaml::to_string(other)
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
            };
            let here = join(at, &key);
            if bad(&key) {
                return Some(here);
            }
            control_character_at(v, &here)
        }),
        Value::Tagged(t) => control_character_at(&t.value, at),
        _ => None,
    }
}

/// Every file [`load`] reads for the profile at `path`: the profile, its calibration sidecar
/// and the trace CSVs its workloads name (whether or not each exists).
pub fn input_files(profile: &Profile, path: &Path) -> Vec<std::path::PathBuf> {
    let base = path.parent().unwrap_or_else(|| Path::new(""));
    let traces = profile
        .workloads
        .iter()
        .filter_map(|w| w.work.traffic()?.trace.as_ref())
        .map(|t| base.join(t));
    [path.to_path_buf(), super::calibration::sidecar_path(path)]
        .into_iter()
        .chain(traces)
        .collect()
}

/// [`load`] without merging the calibration sidecar.
pub fn load_without_sidecar(path: &Path) -> Result<Profile, ProfileErrors> {
    let text = crate::input::read_text(path, crate::input::MAX_DOCUMENT_BYTES).map_err(|e| {
        ProfileError::new(
            ProfileErrorKind::Unreadable,
            path,
            e.position().unwrap_or((0, 0)),
            "",
            format!("cannot read profile: {e}"),
        )
    })?;
    parse(&text, path)
}

/// Parse and validate profile `text`. `path` names the file in messages and is where trace
/// paths are resolved from (its folder).
pub fn parse(text: &str, path: &Path) -> Result<Profile, ProfileErrors> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);

    // 1. YAML syntax, after the shape checks that keep the parsers safe.
    let positions = PositionMap::build(text);
    shape_problem(&positions, path)?;
    let value: serde_yaml::Value =
        serde_yaml::from_str(text).map_err(|e| syntax_error(&e, path, &positions))?;
    if matches!(value, serde_yaml::Value::Null) {
        return Err(ProfileError::new(
            ProfileErrorKind::Structure,
            path,
            (1, 1),
            "",
            "the profile is empty; expected a mapping with `version: 1`, `name` and `workloads`",
        )
        .into());
    }

    // Control characters (an escape sequence written as "\e" or "\x1b") in any key or value
    // would reach a terminal through messages and reports: refused where they are.
    if let Some(field) = control_character_at(&value, "") {
        let pos = if positions.contains(&field) {
            positions.value(&field)
        } else {
            (0, 0)
        };
        return Err(ProfileError::new(
            ProfileErrorKind::Structure,
            path,
            pos,
            field,
            CONTROL_CHARACTER,
        )
        .into());
    }

    // 2. Structure: keys, types, allowed values; every problem, not only serde's first.
    let (file, mut errors, replaced) = match serde_yaml::from_str::<ProfileFile>(text) {
        Ok(file) => (Some(file), Vec::new(), Vec::new()),
        Err(e) => structure_problems(&e, value, path, &positions),
    };

    // 3. Rules of the model, and trace files; each workload typed by its kind. Also run when
    // the structure had problems (past them), so one pass finds the rule problems too; a
    // rule about a value planner stood in for is not the user's and is left out.
    let base = path.parent().unwrap_or_else(|| Path::new(""));
    if let Some(file) = file {
        match validate(file, &positions, path, base) {
            Ok(profile) if errors.is_empty() => return Ok(profile),
            Ok(_) => {}
            Err(rules) => errors.extend(
                rules
                    .into_iter()
                    .filter(|e| !replaced.iter().any(|r| stood_in(r, &e.field))),
            ),
        }
    }
    errors.sort_by_key(|e| (e.line, e.column));
    Err(ProfileErrors(errors))
}

/// Whether a rule problem at `field` may come from the stand-in at `replaced`: at or under
/// it, or about the sections of the workload whose `kind` was stood in for (which of
/// `traffic`, `job` and `workflow` it needs).
fn stood_in(replaced: &str, field: &str) -> bool {
    let kind_section = replaced.strip_suffix(".kind").is_some_and(|w| {
        field == w
            || ["traffic", "job", "workflow"]
                .iter()
                .any(|s| field == join(w, s))
    });
    kind_section || recover::covers(replaced, field)
}

/// Every structural problem, starting from serde's `first`: the tree is patched past each
/// ([`recover`]) and read again, up to [`recover::MAX_PASSES`] times. Returns the profile as
/// patched when it then reads (for the rule checks), the problems, and the paths whose
/// values were stood in for.
fn structure_problems(
    first: &serde_yaml::Error,
    value: serde_yaml::Value,
    path: &Path,
    positions: &PositionMap,
) -> (Option<ProfileFile>, Vec<ProfileError>, Vec<String>) {
    let mut patcher = recover::Patcher::new(value);
    let (err, problem) = structure_error(first, path, positions, false);
    let mut going = patcher.apply(fix(&err, problem));
    let mut errors = vec![err];
    let mut budget = recover::REREAD_BYTES;
    let mut passes = 0;
    while going && passes < recover::MAX_PASSES {
        let Ok(text) = serde_yaml::to_string(&patcher.tree) else {
            break;
        };
        if text.len() > budget {
            break;
        }
        budget -= text.len();
        passes += 1;
        match serde_yaml::from_str::<ProfileFile>(&text) {
            Ok(file) => {
                let replaced = patcher.replaced_paths().map(str::to_string).collect();
                return (Some(file), errors, replaced);
            }
            Err(e) => {
                let (err, problem) = structure_error(&e, path, positions, true);
                going = match patcher.replaced(&err.field).map(str::to_string) {
                    Some(at) => patcher.next_stand_in(&at, &err.allowed),
                    None => {
                        let going = patcher.apply(fix(&err, problem));
                        errors.push(err);
                        going
                    }
                };
            }
        }
    }
    // Stopped before the file read whole: say so (last, once sorted), or the list would
    // look complete.
    let last = errors
        .iter()
        .map(|e| (e.line, e.column))
        .max()
        .unwrap_or((0, 0));
    errors.push(ProfileError::new(
        ProfileErrorKind::Structure,
        path,
        last,
        "",
        if going {
            "more problems may follow: check reads past a limited number of problems in a file this size; fix these and run it again"
        } else {
            "more problems may follow this one: check cannot read past it; fix it and run check again"
        },
    ));
    (None, errors, Vec::new())
}

/// What kind of structural problem serde reported.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Problem {
    UnknownKey,
    MissingKey,
    /// A value of the wrong type or outside its allowed set.
    BadValue,
}

fn fix(err: &ProfileError, problem: Problem) -> recover::Fix<'_> {
    match problem {
        Problem::UnknownKey => recover::Fix::Remove(&err.field),
        Problem::MissingKey | Problem::BadValue => recover::Fix::Replace {
            path: &err.field,
            allowed: &err.allowed,
            skip_none: problem == Problem::MissingKey,
        },
    }
}

fn location(e: &serde_yaml::Error) -> Option<(usize, usize)> {
    e.location().map(|l| (l.line(), l.column()))
}

/// serde_yaml's message without its ` at line L column C` for the given location.
fn message_without_location(e: &serde_yaml::Error) -> String {
    let text = e.to_string();
    match location(e) {
        Some((l, c)) => text.replacen(&format!(" at line {l} column {c}"), "", 1),
        None => text,
    }
}

fn syntax_error(e: &serde_yaml::Error, path: &Path, positions: &PositionMap) -> ProfileErrors {
    let full = message_without_location(e);
    let (field, msg) = split_path(&full, positions);
    let field = if field == "." { "" } else { field };
    let loc = location(e).unwrap_or((0, 0));
    if let Some(rest) = msg.strip_prefix("duplicate entry with key ") {
        let key = rest.trim_matches('"');
        let field = join(field, key);
        let loc = if positions.contains(&field) {
            positions.key(&field)
        } else {
            loc
        };
        return ProfileError::new(
            ProfileErrorKind::Structure,
            path,
            loc,
            field,
            format!("key `{key}` appears more than once"),
        )
        .into();
    }
    let msg = if msg.contains("more than one document") {
        "a profile is one YAML document; found more than one (`---`)".to_string()
    } else {
        format!("invalid YAML: {msg}")
    };
    ProfileError::new(ProfileErrorKind::Syntax, path, loc, field, msg).into()
}

/// Split serde_yaml's `path: message` into its parts.
fn split_path<'a>(msg: &'a str, positions: &PositionMap) -> (&'a str, &'a str) {
    let mut from = 0;
    while let Some(i) = msg[from..].find(": ") {
        let at = from + i;
        let prefix = &msg[..at];
        if positions.contains(prefix)
            || (!prefix.is_empty() && !prefix.contains(char::is_whitespace))
        {
            return (prefix, &msg[at + 2..]);
        }
        from = at + 2;
    }
    ("", msg)
}

/// serde's structural error as a located problem. `relocate`: serde read a patched copy of
/// the file ([`structure_problems`]), so its line and column are not the file's: the problem
/// is located by its path instead (the key for an unknown key, the mapping for a missing one,
/// else the value).
fn structure_error(
    e: &serde_yaml::Error,
    path: &Path,
    positions: &PositionMap,
    relocate: bool,
) -> (ProfileError, Problem) {
    let full = message_without_location(e);
    let (field, msg) = split_path(&full, positions);
    let field = if field == "." { "" } else { field };
    let loc = match location(e) {
        Some(l) if !relocate => l,
        _ => positions.value(field),
    };
    let mut err = ProfileError::new(ProfileErrorKind::Structure, path, loc, field, "");
    let mut problem = Problem::BadValue;
    let names = backquoted(msg);

    if let (Some(_), Some((bad, allowed))) =
        (msg.strip_prefix("unknown field "), names.split_first())
    {
        err.field = join(field, bad);
        if relocate {
            (err.line, err.column) = positions.key(&err.field);
        }
        problem = Problem::UnknownKey;
        err.allowed = allowed.to_vec();
        err.suggestion = closest(bad, allowed).map(str::to_string);
        err.message = match (&err.suggestion, allowed.is_empty()) {
            (Some(s), _) => format!("unknown key `{bad}`; did you mean `{s}`?"),
            (None, true) => format!("unknown key `{bad}`; this mapping takes no keys"),
            (None, false) => format!("unknown key `{bad}`; valid keys: {}", quote_list(allowed)),
        };
    } else if let (Some(_), Some((bad, allowed))) =
        (msg.strip_prefix("unknown variant "), names.split_first())
    {
        err.allowed = allowed.to_vec();
        err.suggestion = closest(bad, allowed).map(str::to_string);
        err.message = format!("`{bad}` is not one of {}", quote_list(allowed));
        if let Some(s) = &err.suggestion {
            err.message.push_str(&format!("; did you mean `{s}`?"));
        }
    } else if let (Some(_), Some(missing)) = (msg.strip_prefix("missing field "), names.first()) {
        err.field = join(field, missing);
        err.message = format!("missing required key `{missing}`");
        problem = Problem::MissingKey;
    } else if let (Some(_), Some(dup)) = (msg.strip_prefix("duplicate field "), names.first()) {
        err.field = join(field, dup);
        err.message = format!("key `{dup}` appears more than once");
    } else {
        err.message = readable_types(msg);
    }
    (err, problem)
}

fn quote_list(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Replace Rust type names in serde messages with words a profile author knows.
fn readable_types(msg: &str) -> String {
    let mut out = msg.replace("unit value", "null");
    for (rust, words) in [
        ("expected u32", "expected a whole number ≥ 0"),
        ("expected u64", "expected a whole number ≥ 0"),
        ("expected f64", "expected a number"),
        ("expected a sequence", "expected a list"),
        ("expected a borrowed string", "expected a string"),
    ] {
        out = out.replace(rust, words);
    }
    if let Some(i) = out.find("expected struct ") {
        out.truncate(i);
        out.push_str("expected a mapping");
    } else if let Some(i) = out.find("expected enum ") {
        out.truncate(i);
        out.push_str("expected a single value");
    }
    // serde_yaml's wording for a mapping or list where a plain enum value belongs.
    out = out.replace(
        "expected a YAML tag starting with '!'",
        "expected a plain value (like `kind: service`)",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_serde_paths() {
        let p = PositionMap::build("workloads:\n  - name: a\n");
        assert_eq!(
            split_path("workloads[0]: unknown field `x`", &p),
            ("workloads[0]", "unknown field `x`")
        );
        assert_eq!(
            split_path("invalid type: string \"a\", expected u32", &p),
            ("", "invalid type: string \"a\", expected u32")
        );
    }

    #[test]
    fn readable_type_names() {
        assert_eq!(
            readable_types("invalid type: string \"a\", expected f64"),
            "invalid type: string \"a\", expected a number"
        );
        assert_eq!(
            readable_types("invalid type: sequence, expected struct Request"),
            "invalid type: sequence, expected a mapping"
        );
    }
}
