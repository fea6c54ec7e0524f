//! The app state: the documents, the view, the jobs, and what reading them answers; the
//! helpers `update` (in `update`) and the job handling (in `jobs`) change it through. Every
//! change of state happens in `App::update`, synchronously, with no I/O; it returns the
//! effects (write a file, reload, quit) for the loop to carry out.

mod jobs;
mod update;

use super::action::{Action, Effect};
use super::jobs::{CalibrationJob, Job, JobId, JobKind, JobOutcome, JobStatus};
use super::keymap::{self, Binding, Context};
use super::params::{Group, Param};
use super::planning::{PlanRequest, Stage, Stale};
use crate::model::{self, Plan, Platform, WorkloadPlan};
use crate::pricing::LoadedBook;
use crate::profile::Profile;
use crate::report;
use std::path::{Path, PathBuf};

/// One profile file (or built-in example) and what became of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Where it came from (`profiles/NAME.yaml` for built-in examples).
    pub path: PathBuf,
    /// A built-in example: saves and exports go to the current folder.
    pub builtin: bool,
    /// The loaded profile, or every problem found, one per line.
    pub state: Result<Loaded, String>,
}

/// A valid profile, its edits and its plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// As in the file.
    pub original: Profile,
    /// With the user's edits.
    pub edited: Profile,
    /// What was last saved to a new file, if anything.
    pub saved: Option<Profile>,
    pub book: LoadedBook,
    /// The price book's provenance, for the plan.
    pub source: String,
    /// `model::plan` of `edited`, once `stale` is `None` (shared with a running re-plan).
    pub plan: std::sync::Arc<Plan>,
    /// What changed since `plan` was made (a re-plan is running).
    pub stale: Option<Stale>,
    /// The figures are re-planned, but these workloads' cost curves and break-even rates are
    /// still the previous ones (the second stage of the re-plan is running).
    pub curves_stale: Option<Stale>,
    /// The latest re-plan asked for; older answers are dropped.
    pub generation: u64,
}

impl Loaded {
    pub fn new(profile: Profile, book: LoadedBook) -> Loaded {
        let source = book.provenance();
        let plan = std::sync::Arc::new(model::plan(&profile, &book.book, &source));
        Loaded {
            original: profile.clone(),
            edited: profile,
            saved: None,
            book,
            source,
            plan,
            stale: None,
            curves_stale: None,
            generation: 0,
        }
    }

    pub fn modified(&self) -> bool {
        self.edited != self.original
    }

    /// Workload `wi`'s cost curve and break-even rate are from before the last edit.
    pub fn curve_stale(&self, wi: usize) -> bool {
        let hit = |s: &Option<Stale>| match s {
            Some(Stale::All) => true,
            Some(Stale::Workloads(set)) => set.contains(&wi),
            None => false,
        };
        hit(&self.stale) || hit(&self.curves_stale)
    }

    /// Edits that are neither in the file nor in a saved copy.
    pub fn unsaved(&self) -> bool {
        self.modified() && self.saved.as_ref() != Some(&self.edited)
    }

    /// Mark `what` out of date and ask for a re-plan of this document.
    fn replan(&mut self, doc: usize, what: Stale) -> Effect {
        // Workloads whose curves were still being re-planned are re-planned again in full.
        let stale = [self.stale.take(), self.curves_stale.clone()]
            .into_iter()
            .flatten()
            .fold(what, Stale::merge);
        self.stale = Some(stale.clone());
        self.generation += 1;
        Effect::Plan(Box::new(PlanRequest {
            doc,
            generation: self.generation,
            profile: self.edited.clone(),
            book: self.book.book.clone(),
            source: self.source.clone(),
            previous: std::sync::Arc::clone(&self.plan),
            stale,
        }))
    }
}

/// A selectable row of the workload list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    Workload { doc: usize, wi: usize },
    Invalid { doc: usize },
}

impl Row {
    pub fn doc(self) -> usize {
        match self {
            Row::Workload { doc, .. } | Row::Invalid { doc } => doc,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Plan,
    Breakdown,
    Jobs,
}

impl Tab {
    pub const ALL: [Tab; 3] = [Tab::Plan, Tab::Breakdown, Tab::Jobs];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Plan => "Plan",
            Tab::Breakdown => "Breakdown",
            Tab::Jobs => "Jobs",
        }
    }

    fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Workloads,
    Params,
    Platforms,
}

impl Focus {
    const ORDER: [Focus; 3] = [Focus::Workloads, Focus::Params, Focus::Platforms];
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Typing a value for the selected parameter.
    Editing,
    /// Typing a filter for the workload list.
    Filter,
    /// The `:` command palette.
    Palette,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    Export,
    Save,
    /// Function name and memory sizes for a calibration.
    Calibrate,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Question {
    /// Quit with unsaved edits?
    Quit,
    /// Quit and cancel the running jobs?
    QuitJobs,
    /// Refresh `region`'s price book into `dir` from the AWS Price List API?
    RefreshPrices { region: String, dir: PathBuf },
    /// Run this calibration? `plan` says what it calls, the cap and the most it can cost.
    Calibrate { plan: String, job: CalibrationJob },
    /// Reload and drop unsaved edits?
    Reload,
    /// Replace an existing file?
    Replace {
        path: PathBuf,
        contents: String,
        what: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    None,
    Help,
    /// Asking for a path.
    Prompt(PromptKind),
    Confirm(Question),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    Cost,
    Traffic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    Info,
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub text: String,
    pub kind: StatusKind,
    /// Lets the loop clear exactly this message after a few seconds.
    pub generation: u64,
}

/// Tab, focus, mode and overlay.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    pub tab: Tab,
    pub focus: Focus,
    pub mode: Mode,
    pub overlay: Overlay,
    pub chart: ChartKind,
}

/// The selections, as indices into the current lists.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection {
    pub row: usize,
    pub param: usize,
    /// Index into `Platform::ALL`.
    pub platform: usize,
    /// Breakdown line.
    pub line: usize,
    pub palette: usize,
    pub help_scroll: u16,
    /// Row of the Jobs tab.
    pub job: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct App {
    pub docs: Vec<Document>,
    /// Rows of the workload list after the filter.
    pub rows: Vec<Row>,
    pub view: View,
    pub sel: Selection,
    pub filter: String,
    /// The text being typed (parameter value, palette query or path).
    pub input: String,
    /// Why the last typed or stepped value was refused.
    pub refusal: Option<String>,
    pub status: Option<Status>,
    generation: u64,
    /// Today (UTC), for the price book's age in the header.
    pub today: (i32, u32, u32),
    /// Set once the app should stop.
    pub quitting: bool,
    /// Colours (or none, for `NO_COLOR`).
    pub theme: super::theme::Theme,
    /// The document a pending save is for, and what it writes.
    pending_save: Option<(usize, Profile)>,
    /// Background jobs, oldest first.
    pub jobs: Vec<Job>,
    next_job: JobId,
    /// Where price refreshes write (`--pricing`, else `pricing-cache`).
    pub pricing_dir: Option<PathBuf>,
    /// The Price List endpoint for refreshes (tests point it at a local server).
    pub pricing_endpoint: Option<String>,
    /// The Lambda endpoint for calibrations (`None`: the Region's, or the SDK's
    /// `AWS_ENDPOINT_URL_LAMBDA` / `AWS_ENDPOINT_URL`; tests point it at a local server).
    pub lambda_endpoint: Option<String>,
}

/// Rows a page moves.
const PAGE: usize = 10;

impl App {
    pub fn new(docs: Vec<Document>, today: (i32, u32, u32)) -> App {
        let mut app = App {
            docs,
            rows: Vec::new(),
            view: View {
                tab: Tab::Plan,
                focus: Focus::Workloads,
                mode: Mode::Normal,
                overlay: Overlay::None,
                chart: ChartKind::Cost,
            },
            sel: Selection::default(),
            filter: String::new(),
            input: String::new(),
            refusal: None,
            status: None,
            generation: 0,
            today,
            quitting: false,
            theme: super::theme::Theme::new(true),
            pending_save: None,
            jobs: Vec::new(),
            next_job: 1,
            pricing_dir: None,
            pricing_endpoint: None,
            lambda_endpoint: None,
        };
        app.rebuild_rows();
        app.select_recommended_platform();
        app
    }

    // ------------------------------------------------------------------ reading

    pub fn row(&self) -> Option<Row> {
        self.rows.get(self.sel.row).copied()
    }

    pub fn doc(&self) -> Option<&Document> {
        self.row().and_then(|r| self.docs.get(r.doc()))
    }

    /// The selected workload: its document, index and plan.
    pub fn selected(&self) -> Option<(&Loaded, usize, &WorkloadPlan)> {
        let Row::Workload { doc, wi } = self.row()? else {
            return None;
        };
        let loaded = self.docs.get(doc)?.state.as_ref().ok()?;
        Some((loaded, wi, loaded.plan.workloads.get(wi)?))
    }

    pub fn params(&self) -> Vec<Param> {
        self.selected()
            .and_then(|(l, wi, _)| l.edited.workloads.get(wi))
            .map(Param::for_workload)
            .unwrap_or_default()
    }

    pub fn param(&self) -> Option<Param> {
        self.params().get(self.sel.param).copied()
    }

    pub fn platform(&self) -> Platform {
        Platform::ALL
            .get(self.sel.platform)
            .copied()
            .unwrap_or(Platform::Lambda)
    }

    /// Whether a knob differs from the file.
    pub fn param_modified(&self, p: Param) -> bool {
        self.selected()
            .is_some_and(|(l, wi, _)| p.value(&l.edited, wi) != p.value(&l.original, wi))
    }

    /// Jobs still running.
    pub fn running_jobs(&self) -> usize {
        self.jobs.iter().filter(|j| j.running()).count()
    }

    /// The job selected in the Jobs tab.
    pub fn job(&self) -> Option<&Job> {
        self.jobs.get(self.sel.job)
    }

    pub fn any_unsaved(&self) -> bool {
        self.docs
            .iter()
            .any(|d| d.state.as_ref().is_ok_and(Loaded::unsaved))
    }

    /// The keymap contexts in force, most specific first.
    pub fn contexts(&self) -> Vec<Context> {
        match &self.view.overlay {
            Overlay::Help => return vec![Context::Help],
            Overlay::Confirm(_) => return vec![Context::Confirm],
            Overlay::Prompt(_) => return vec![Context::Input],
            Overlay::None => {}
        }
        if self.view.mode != Mode::Normal {
            return vec![Context::Input];
        }
        let pane = match (self.view.tab, self.view.focus) {
            (Tab::Plan, Focus::Workloads) => Some(Context::Workloads),
            (Tab::Plan, Focus::Params) => Some(Context::Params),
            (Tab::Plan, Focus::Platforms) => Some(Context::Platforms),
            (Tab::Jobs, _) => Some(Context::Jobs),
            _ => None,
        };
        pane.into_iter().chain([Context::Global]).collect()
    }

    /// Palette entries matching the query, best first.
    pub fn palette(&self) -> Vec<&'static Binding> {
        let mut scored: Vec<(usize, usize, &'static Binding)> = keymap::palette_entries()
            .into_iter()
            .enumerate()
            .filter_map(|(i, bd)| keymap::fuzzy(&self.input, bd.description).map(|s| (s, i, bd)))
            .collect();
        scored.sort_by_key(|&(s, i, _)| (s, i));
        scored.into_iter().map(|(_, _, bd)| bd).collect()
    }

    /// The default path a prompt offers.
    pub fn default_path(&self, kind: PromptKind) -> Option<PathBuf> {
        let doc = self.doc()?;
        let stem = doc.path.file_stem().map_or_else(
            || "profile".to_string(),
            |s| s.to_string_lossy().into_owned(),
        );
        let dir = if doc.builtin {
            PathBuf::new()
        } else {
            doc.path.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        Some(match kind {
            PromptKind::Save | PromptKind::Calibrate => dir.join(format!("{stem}.edited.yaml")),
            PromptKind::Export => dir.join(format!("{stem}.report.md")),
        })
    }

    // ------------------------------------------------------------------ helpers

    fn quit(&mut self) -> Vec<Effect> {
        self.quitting = true;
        vec![Effect::Quit]
    }

    fn info(&mut self, text: String) {
        self.set_status(text, StatusKind::Info);
    }

    fn error(&mut self, text: String) {
        self.set_status(text, StatusKind::Error);
    }

    fn set_status(&mut self, text: String, kind: StatusKind) {
        self.generation += 1;
        self.status = Some(Status {
            text,
            kind,
            generation: self.generation,
        });
    }

    fn back(&mut self) {
        if self.refusal.take().is_some() {
            return;
        }
        if !self.filter.is_empty() {
            self.filter.clear();
            self.rebuild_rows();
        } else if self.view.tab != Tab::Plan {
            self.view.tab = Tab::Plan;
        } else if self.view.focus != Focus::Workloads {
            self.view.focus = Focus::Workloads;
        }
    }

    fn cycle_focus(&mut self, fwd: bool) {
        let n = Focus::ORDER.len();
        let i = Focus::ORDER
            .iter()
            .position(|f| *f == self.view.focus)
            .unwrap_or(0);
        let j = if fwd { (i + 1) % n } else { (i + n - 1) % n };
        self.view.focus = Focus::ORDER[j];
        self.view.tab = Tab::Plan;
    }

    fn move_platform(&mut self, fwd: bool) {
        let n = Platform::ALL.len();
        self.sel.platform = if fwd {
            (self.sel.platform + 1) % n
        } else {
            (self.sel.platform + n - 1) % n
        };
        self.sel.line = 0;
    }

    fn move_by(&mut self, delta: i64) {
        let (cur, len) = match (self.view.tab, self.view.focus) {
            (Tab::Breakdown, _) => {
                let len = self
                    .selected()
                    .and_then(|(_, _, wp)| wp.options.get(self.sel.platform))
                    .map_or(0, |o| o.cost_breakdown.len());
                (&mut self.sel.line, len)
            }
            (Tab::Jobs, _) => (&mut self.sel.job, self.jobs.len()),
            (Tab::Plan, Focus::Workloads) => {
                let len = self.rows.len();
                let before = self.sel.row;
                self.sel.row = clamp_move(before, delta, len);
                if self.sel.row != before {
                    self.row_changed();
                }
                return;
            }
            (Tab::Plan, Focus::Params) => {
                let len = self.params().len();
                (&mut self.sel.param, len)
            }
            (Tab::Plan, Focus::Platforms) => (&mut self.sel.platform, Platform::ALL.len()),
        };
        *cur = clamp_move(*cur, delta, len);
        self.refusal = None;
    }

    fn row_changed(&mut self) {
        self.refusal = None;
        let n = self.params().len();
        self.sel.param = self.sel.param.min(n.saturating_sub(1));
        self.sel.line = 0;
        self.select_recommended_platform();
    }

    fn select_recommended_platform(&mut self) {
        if let Some(p) = self
            .selected()
            .and_then(|(_, _, wp)| wp.recommendation.platform)
        {
            self.sel.platform = p as usize;
        }
    }

    fn enter(&mut self) {
        match (self.view.tab, self.view.focus) {
            (Tab::Plan, Focus::Workloads) if self.selected().is_some() => {
                self.view.focus = Focus::Params;
            }
            (Tab::Plan, Focus::Params) if self.param().is_some() => {
                self.input.clear();
                self.refusal = None;
                self.view.mode = Mode::Editing;
            }
            (Tab::Plan, Focus::Platforms) => {
                self.sel.line = 0;
                self.view.tab = Tab::Breakdown;
            }
            _ => {}
        }
    }

    fn step(&mut self, dir: i32) -> Vec<Effect> {
        self.apply(|p, profile, wi, book| p.step(profile, wi, dir, book))
            .unwrap_or_default()
    }

    /// Apply a change to the selected knob and ask for a re-plan. `None` when refused.
    fn apply(
        &mut self,
        f: impl FnOnce(
            Param,
            &mut Profile,
            usize,
            &crate::pricing::PriceBook,
        ) -> Result<Option<String>, String>,
    ) -> Option<Vec<Effect>> {
        let param = self.param()?;
        let Some(Row::Workload { doc, wi }) = self.row() else {
            return None;
        };
        let Some(Ok(l)) = self.docs.get_mut(doc).map(|d| d.state.as_mut()) else {
            return None;
        };
        match f(param, &mut l.edited, wi, &l.book.book) {
            Ok(note) => {
                let effect = l.replan(doc, stale_for(param, wi));
                self.refusal = None;
                if let Some(n) = note {
                    self.info(n);
                }
                self.keep_param(param);
                Some(vec![effect])
            }
            Err(msg) => {
                self.refusal = Some(format!("{}: {msg}", param.label()));
                None
            }
        }
    }

    /// After a change that may reshape the list (rate <-> monthly), keep the cursor on `p`.
    fn keep_param(&mut self, p: Param) {
        if let Some(i) = self.params().iter().position(|q| *q == p) {
            self.sel.param = i;
        }
    }

    fn reset(&mut self) -> Vec<Effect> {
        let Some(param) = self.param() else {
            return Vec::new();
        };
        let Some(Row::Workload { doc, wi }) = self.row() else {
            return Vec::new();
        };
        let Some(Ok(l)) = self.docs.get_mut(doc).map(|d| d.state.as_mut()) else {
            return Vec::new();
        };
        let original = l.original.clone();
        param.reset(&mut l.edited, &original, wi);
        let effect = l.replan(doc, stale_for(param, wi));
        self.refusal = None;
        self.keep_param(param);
        self.info(format!("{} reset to the file's value", param.label()));
        vec![effect]
    }

    fn reset_all(&mut self) -> Vec<Effect> {
        let Some(row) = self.row() else {
            return Vec::new();
        };
        let doc = row.doc();
        let Some(Ok(l)) = self.docs.get_mut(doc).map(|d| d.state.as_mut()) else {
            return Vec::new();
        };
        l.edited = l.original.clone();
        let effect = l.replan(doc, Stale::All);
        self.info("every edit of this profile reset".into());
        vec![effect]
    }

    fn rebuild_rows(&mut self) {
        let keep = self.row();
        let f = self.filter.to_lowercase();
        self.rows = self
            .docs
            .iter()
            .enumerate()
            .flat_map(|(di, d)| -> Vec<Row> {
                match &d.state {
                    Ok(l) => l
                        .edited
                        .workloads
                        .iter()
                        .enumerate()
                        .filter(|(_, w)| {
                            f.is_empty()
                                || w.name.to_lowercase().contains(&f)
                                || l.edited.name.to_lowercase().contains(&f)
                        })
                        .map(|(wi, _)| Row::Workload { doc: di, wi })
                        .collect(),
                    Err(_) => {
                        let name = d.path.display().to_string().to_lowercase();
                        if f.is_empty() || name.contains(&f) {
                            vec![Row::Invalid { doc: di }]
                        } else {
                            Vec::new()
                        }
                    }
                }
            })
            .collect();
        self.sel.row = keep
            .and_then(|k| self.rows.iter().position(|r| *r == k))
            .unwrap_or(0);
        self.row_changed();
    }

    fn reloaded(&mut self, mut docs: Vec<Document>) {
        let key = self
            .selected()
            .map(|(l, wi, _)| (l.original.name.clone(), wi));
        // A re-plan of the old documents may still be running and answers by document index
        // and generation: the new documents start past every generation asked for so far, so
        // such an answer is dropped instead of landing on a different profile.
        let past = self
            .docs
            .iter()
            .filter_map(|d| d.state.as_ref().ok())
            .map(|l| l.generation)
            .max()
            .unwrap_or(0)
            + 1;
        for l in docs.iter_mut().filter_map(|d| d.state.as_mut().ok()) {
            l.generation = l.generation.max(past);
        }
        self.docs = docs;
        self.filter.clear();
        self.sel.row = 0;
        self.rebuild_rows();
        if let Some((name, wi)) = key
            && let Some(i) = self.rows.iter().position(|r| match r {
                Row::Workload { doc, wi: w } => {
                    *w == wi
                        && self.docs.get(*doc).is_some_and(|d| {
                            d.state.as_ref().is_ok_and(|l| l.original.name == name)
                        })
                }
                Row::Invalid { .. } => false,
            })
        {
            self.sel.row = i;
            self.row_changed();
        }
        let bad = self.docs.iter().filter(|d| d.state.is_err()).count();
        let text = if bad == 0 {
            format!("reloaded {} profile(s)", self.docs.len())
        } else {
            format!("reloaded {} profile(s); {bad} invalid", self.docs.len())
        };
        self.info(text);
    }

    /// Every group heading's position in the parameter list (for the pane).
    pub fn param_groups(params: &[Param]) -> Vec<(usize, Group)> {
        let mut out = Vec::new();
        let mut last = None;
        for (i, p) in params.iter().enumerate() {
            if last != Some(p.group()) {
                out.push((i, p.group()));
                last = Some(p.group());
            }
        }
        out
    }
}

/// What a change of `param` on workload `wi` puts out of date.
fn stale_for(param: Param, wi: usize) -> Stale {
    match param.group() {
        Group::Workload => Stale::Workloads([wi].into()),
        Group::Platforms => Stale::All,
    }
}

fn clamp_move(cur: usize, delta: i64, len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    let max = (len - 1) as i64;
    (cur as i64).saturating_add(delta).clamp(0, max) as usize
}

/// Lexically the same file (`./a.yaml` and `a.yaml`); no I/O here. The loop still asks
/// before replacing any existing file.
fn same_file(a: &Path, b: &Path) -> bool {
    let norm = |p: &Path| -> PathBuf {
        p.components()
            .filter(|c| !matches!(c, std::path::Component::CurDir))
            .collect()
    };
    norm(a) == norm(b)
}
