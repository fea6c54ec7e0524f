//! Every user intent and every message the loop feeds back into `App::update`, and the
//! effects `update` asks the loop to carry out.

use super::app::Document;
use super::jobs::{JobId, JobKind, JobOutcome};
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// `q`: quit (after a confirm when there are unsaved edits).
    Quit,
    /// Ctrl-c: quit now.
    ForceQuit,
    /// Esc: close overlay, cancel edit, clear filter, go back. Never quits.
    Back,
    OpenHelp,
    OpenPalette,
    /// Jump to tab N (0-based).
    Tab(usize),
    NextTab,
    PrevTab,
    FocusNext,
    FocusPrev,
    Up,
    Down,
    /// Left / right: previous / next platform on the breakdown tab.
    Left,
    Right,
    Top,
    Bottom,
    PageUp,
    PageDown,
    /// `/`: filter the workload list.
    StartFilter,
    /// Enter: edit the selected parameter / open the detail / run the palette choice.
    Enter,
    /// `+` / `-`: step the selected parameter.
    Step(i32),
    /// `=`: reset the selected parameter to the file's value.
    Reset,
    /// Reset every edit of the selected profile.
    ResetAll,
    /// `c`: switch the chart between cost-vs-rate and the day's traffic (small screens).
    ToggleChart,
    /// Ctrl-r: reload the profiles from disk.
    Reload,
    /// `e`: export the report (asks for a path).
    Export,
    /// `s`: save the edited profile to a new file (asks for a path).
    Save,
    /// `w`: Jobs tab (again: back).
    JobsTab,
    /// `x` on the Jobs tab: cancel the selected running job.
    CancelJob,
    /// `R`: refresh the selected profile's price book from the AWS Price List API (asks first).
    RefreshPrices,
    /// `C`: calibrate the selected workload against a deployed Lambda function (asks first).
    StartCalibration,
    /// Typed character in a text input (edit, filter, palette, path prompt).
    Input(char),
    Backspace,
    /// `y` / `n` in a confirm dialog.
    Confirm(bool),
    // ---- messages from the loop
    /// The profiles were (re)read from disk.
    ProfileReloaded(Vec<Document>),
    /// A file was written (what, path).
    Written {
        what: String,
        path: PathBuf,
    },
    /// Writing failed: (what, message).
    WriteFailed {
        what: String,
        error: String,
    },
    /// The target exists: ask before replacing it.
    Exists {
        path: PathBuf,
        contents: String,
        what: String,
    },
    /// A re-plan reached `stage` (the figures first, then the curves).
    Planned {
        doc: usize,
        generation: u64,
        stage: super::planning::Stage,
        update: super::planning::Replanned,
    },
    /// The status message `generation` has been shown long enough.
    ClearStatus(u64),
    /// A job's progress: `done` of `total` steps, and what it is doing. May be dropped.
    JobProgress {
        id: JobId,
        done: u64,
        total: u64,
        note: String,
    },
    /// A job ended.
    JobFinished {
        id: JobId,
        result: JobOutcome,
    },
}

/// Work `update` hands to the loop: the only way the app touches the world.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Quit,
    /// Re-read the profiles from where they came from.
    Reload,
    /// Re-plan a document (off the UI thread in the loop).
    Plan(Box<super::planning::PlanRequest>),
    /// Write `contents` to `path` atomically. Without `replace`, an existing file is not
    /// touched: the loop answers `Action::Exists`.
    Write {
        path: PathBuf,
        contents: String,
        what: String,
        replace: bool,
    },
    /// Start a background job (listed in the Jobs tab as `id`).
    Spawn {
        id: JobId,
        kind: JobKind,
    },
    /// Ask a running job to stop.
    Cancel(JobId),
}
