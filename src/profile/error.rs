//! Errors found while loading a profile: where (file, line, column, field) and what.

use std::path::{Path, PathBuf};

/// What went wrong, broadly. Every kind is bad input (exit code 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileErrorKind {
    /// The profile file could not be read (missing, unreadable, not UTF-8).
    Unreadable,
    /// The text is not valid YAML.
    Syntax,
    /// Valid YAML that does not fit the profile format: unknown key, wrong type, missing field,
    /// value not among the allowed ones.
    Structure,
    /// A value that breaks a rule of the model (out of range, contradicting another field, ...).
    Invalid,
    /// The traffic trace CSV named by the profile is missing or malformed.
    Trace,
}

/// Where in a trace CSV a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceLocation {
    /// The CSV file, as resolved against the profile's folder.
    pub file: PathBuf,
    /// 1-based line in the CSV; 0 when the problem is the file as a whole.
    pub line: usize,
}

/// One problem in a profile.
///
/// Displays as `FILE:LINE:COLUMN: FIELD: MESSAGE`, e.g.
/// `profiles/x.yaml:12:7: workloads[0].request.memory_mb: 20000 is out of range (128..=10240 MB)`.
/// Parts that are unknown are left out (`FILE: MESSAGE` for an unreadable file).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", render(self))]
pub struct ProfileError {
    pub kind: ProfileErrorKind,
    /// The profile file, as given to `load`/`parse`.
    pub file: PathBuf,
    /// 1-based line in the profile; 0 when unknown.
    pub line: usize,
    /// 1-based column in the profile; 0 when unknown.
    pub column: usize,
    /// Path of the field at fault, like `workloads[0].request.memory_mb`; empty for the whole file.
    pub field: String,
    /// What is wrong, including any hint or suggestion.
    pub message: String,
    /// Allowed values or keys, when the problem is a value/key outside a fixed set.
    pub allowed: Vec<String>,
    /// The closest allowed value or key, when there is a plausible one.
    pub suggestion: Option<String>,
    /// For trace problems: the CSV file and line.
    pub trace: Option<TraceLocation>,
}

fn render(e: &ProfileError) -> String {
    let mut out = e.file.display().to_string();
    if e.line > 0 {
        out.push_str(&format!(":{}", e.line));
        if e.column > 0 {
            out.push_str(&format!(":{}", e.column));
        }
    }
    out.push_str(": ");
    if !e.field.is_empty() {
        out.push_str(&e.field);
        out.push_str(": ");
    }
    if let Some(t) = &e.trace {
        out.push_str(&t.file.display().to_string());
        if t.line > 0 {
            out.push_str(&format!(":{}", t.line));
        }
        out.push_str(": ");
    }
    out.push_str(&e.message);
    out
}

impl ProfileError {
    pub fn new(
        kind: ProfileErrorKind,
        file: &Path,
        (line, column): (usize, usize),
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        ProfileError {
            kind,
            file: file.to_path_buf(),
            line,
            column,
            field: field.into(),
            message: message.into(),
            allowed: Vec::new(),
            suggestion: None,
            trace: None,
        }
    }

    /// Process exit code for this error: every profile problem is bad input (2), including an
    /// unreadable file (SPEC §2).
    pub fn exit_code(&self) -> u8 {
        2
    }
}

/// Every problem found in one profile, in file order. Never empty when returned as an error.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", render_all(&self.0))]
pub struct ProfileErrors(pub Vec<ProfileError>);

fn render_all(errors: &[ProfileError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

impl ProfileErrors {
    /// Process exit code: 2 (bad input).
    pub fn exit_code(&self) -> u8 {
        2
    }

    pub fn iter(&self) -> std::slice::Iter<'_, ProfileError> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<ProfileError> for ProfileErrors {
    fn from(e: ProfileError) -> Self {
        ProfileErrors(vec![e])
    }
}

impl IntoIterator for ProfileErrors {
    type Item = ProfileError;
    type IntoIter = std::vec::IntoIter<ProfileError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a ProfileErrors {
    type Item = &'a ProfileError;
    type IntoIter = std::slice::Iter<'a, ProfileError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}
