//! `App::update`: every user intent and background message changes the state here,
//! synchronously, with no I/O, and returns the effects for the loop to carry out.

use super::*;

impl App {
    // ------------------------------------------------------------------ update

    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::ForceQuit => return self.quit(),
            Action::ProfileReloaded(docs) => {
                self.reloaded(docs);
                return Vec::new();
            }
            Action::Written { what, path } => {
                if let Some((doc, profile)) = self.pending_save.take()
                    && what == "profile"
                    && let Some(Ok(l)) = self.docs.get_mut(doc).map(|d| d.state.as_mut())
                {
                    l.saved = Some(profile);
                }
                let verb = if what == "profile" {
                    "saved the edited profile to"
                } else {
                    "exported the report to"
                };
                self.info(format!("{verb} {}", path.display()));
                return Vec::new();
            }
            Action::WriteFailed { what, error } => {
                self.pending_save = None;
                self.error(format!("could not write the {what}: {error}"));
                return Vec::new();
            }
            Action::Exists {
                path,
                contents,
                what,
            } => {
                self.view.overlay = Overlay::Confirm(Question::Replace {
                    path,
                    contents,
                    what,
                });
                return Vec::new();
            }
            Action::Planned {
                doc,
                generation,
                stage,
                update,
            } => {
                if let Some(Ok(l)) = self.docs.get_mut(doc).map(|d| d.state.as_mut())
                    && l.generation == generation
                {
                    let plan = std::sync::Arc::make_mut(&mut l.plan);
                    update.apply(plan);
                    plan.profile = l.edited.name.clone();
                    l.curves_stale = match stage {
                        Stage::Figures => l.stale.take(),
                        Stage::Curves | Stage::Complete => None,
                    };
                    l.stale = None;
                }
                return Vec::new();
            }
            Action::ClearStatus(g) => {
                if self.status.as_ref().is_some_and(|s| s.generation == g) {
                    self.status = None;
                }
                return Vec::new();
            }
            Action::JobProgress {
                id,
                done,
                total,
                note,
            } => {
                if let Some(j) = self.jobs.iter_mut().find(|j| j.id == id && j.running()) {
                    if total > 0 {
                        j.progress = Some((done.min(total) as f32) / (total as f32));
                    }
                    j.note = note;
                }
                return Vec::new();
            }
            Action::JobFinished { id, result } => return self.job_finished(id, result),
            _ => {}
        }
        match self.view.overlay.clone() {
            Overlay::Help => return self.update_help(action),
            Overlay::Confirm(q) => return self.update_confirm(q, action),
            Overlay::Prompt(kind) => return self.update_prompt(kind, action),
            Overlay::None => {}
        }
        match self.view.mode {
            Mode::Editing => return self.update_editing(action),
            Mode::Filter => return self.update_filter(action),
            Mode::Palette => return self.update_palette(action),
            Mode::Normal => {}
        }
        self.update_normal(action)
    }

    fn update_normal(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Quit => {
                if self.running_jobs() > 0 {
                    self.view.overlay = Overlay::Confirm(Question::QuitJobs);
                } else if self.any_unsaved() {
                    self.view.overlay = Overlay::Confirm(Question::Quit);
                } else {
                    return self.quit();
                }
            }
            Action::Back => self.back(),
            Action::OpenHelp => {
                self.sel.help_scroll = 0;
                self.view.overlay = Overlay::Help;
            }
            Action::OpenPalette => {
                self.input.clear();
                self.sel.palette = 0;
                self.view.mode = Mode::Palette;
            }
            Action::Tab(i) => {
                if let Some(&t) = Tab::ALL.get(i) {
                    self.view.tab = t;
                }
            }
            Action::NextTab => {
                self.view.tab = Tab::ALL[(self.view.tab.index() + 1) % Tab::ALL.len()]
            }
            Action::PrevTab => {
                let n = Tab::ALL.len();
                self.view.tab = Tab::ALL[(self.view.tab.index() + n - 1) % n];
            }
            Action::CancelJob => {
                if let Some(j) = self.jobs.get_mut(self.sel.job)
                    && j.running()
                {
                    j.cancelling = true;
                    j.note = "cancelling…".into();
                    return vec![Effect::Cancel(j.id)];
                }
            }
            Action::StartCalibration => match self.selected() {
                Some(_) if self.doc().is_some_and(|d| d.builtin) => self.error(
                    "calibration writes a sidecar beside the profile: open a profile file (planner FILE.yaml)"
                        .into(),
                ),
                Some((l, wi, _)) => {
                    let name = l.edited.workloads.get(wi).map(|w| w.name.clone());
                    self.input = format!("{} 512,1024,2048", name.unwrap_or_default());
                    self.refusal = None;
                    self.view.overlay = Overlay::Prompt(PromptKind::Calibrate);
                }
                None => self.error("select a workload to calibrate".into()),
            },
            Action::RefreshPrices => match self.doc().map(|d| &d.state) {
                Some(Ok(l)) => {
                    let region = l.book.book.region.clone();
                    let dir = self
                        .pricing_dir
                        .clone()
                        .unwrap_or_else(|| PathBuf::from("pricing-cache"));
                    self.view.overlay = Overlay::Confirm(Question::RefreshPrices { region, dir });
                }
                Some(Err(_)) => {
                    self.error("this profile is invalid: fix the file, then Ctrl-r".into())
                }
                None => {}
            },
            Action::JobsTab => {
                self.view.tab = if self.view.tab == Tab::Jobs {
                    Tab::Plan
                } else {
                    Tab::Jobs
                };
            }
            Action::FocusNext | Action::FocusPrev => {
                let fwd = action == Action::FocusNext;
                if self.view.tab == Tab::Breakdown {
                    self.move_platform(fwd);
                } else {
                    self.cycle_focus(fwd);
                }
            }
            Action::Left | Action::Right => {
                let fwd = action == Action::Right;
                if self.view.tab == Tab::Breakdown {
                    self.move_platform(fwd);
                } else {
                    self.cycle_focus(fwd);
                }
            }
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-(PAGE as i64)),
            Action::PageDown => self.move_by(PAGE as i64),
            Action::Top => self.move_by(i64::MIN / 2),
            Action::Bottom => self.move_by(i64::MAX / 2),
            Action::StartFilter => {
                self.view.mode = Mode::Filter;
                self.view.focus = Focus::Workloads;
            }
            Action::Enter => self.enter(),
            Action::Step(dir) => return self.step(dir),
            Action::Reset => return self.reset(),
            Action::ResetAll => return self.reset_all(),
            Action::ToggleChart => {
                self.view.chart = match self.view.chart {
                    ChartKind::Cost => ChartKind::Traffic,
                    ChartKind::Traffic => ChartKind::Cost,
                }
            }
            Action::Reload => {
                if self.any_unsaved() {
                    self.view.overlay = Overlay::Confirm(Question::Reload);
                } else {
                    return vec![Effect::Reload];
                }
            }
            Action::Export | Action::Save => {
                let kind = if action == Action::Save {
                    PromptKind::Save
                } else {
                    PromptKind::Export
                };
                match self.doc().map(|d| d.state.is_ok()) {
                    Some(true) => {
                        if let Some(p) = self.default_path(kind) {
                            self.input = p.display().to_string();
                            self.view.overlay = Overlay::Prompt(kind);
                        }
                    }
                    Some(false) => {
                        self.error("this profile is invalid: fix the file, then Ctrl-r".into())
                    }
                    None => {}
                }
            }
            _ => {}
        }
        Vec::new()
    }

    fn update_help(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Back | Action::OpenHelp | Action::Quit => self.view.overlay = Overlay::None,
            Action::Down => self.sel.help_scroll = self.sel.help_scroll.saturating_add(1),
            Action::Up => self.sel.help_scroll = self.sel.help_scroll.saturating_sub(1),
            _ => {}
        }
        Vec::new()
    }

    fn update_confirm(&mut self, q: Question, action: Action) -> Vec<Effect> {
        let yes = match action {
            Action::Confirm(b) => b,
            Action::Back => false,
            _ => return Vec::new(),
        };
        self.view.overlay = Overlay::None;
        if !yes {
            if matches!(q, Question::Replace { .. }) {
                self.pending_save = None;
                self.info("not written".into());
            }
            return Vec::new();
        }
        match q {
            Question::Quit => self.quit(),
            Question::QuitJobs => {
                if self.any_unsaved() {
                    self.view.overlay = Overlay::Confirm(Question::Quit);
                    Vec::new()
                } else {
                    self.quit()
                }
            }
            Question::Calibrate { job, .. } => {
                let title = format!("calibrate {} on {}", job.workload, job.function);
                vec![self.start_job(title, JobKind::Calibrate(job))]
            }
            Question::RefreshPrices { region, dir } => {
                let title = format!("refresh {region} prices");
                let kind = JobKind::RefreshPrices {
                    region,
                    dir,
                    endpoint_url: self.pricing_endpoint.clone(),
                };
                vec![self.start_job(title, kind)]
            }
            Question::Reload => vec![Effect::Reload],
            Question::Replace {
                path,
                contents,
                what,
            } => vec![Effect::Write {
                path,
                contents,
                what,
                replace: true,
            }],
        }
    }

    fn update_prompt(&mut self, kind: PromptKind, action: Action) -> Vec<Effect> {
        match action {
            Action::Input(c) => self.input.push(c),
            Action::Backspace => {
                self.input.pop();
            }
            Action::Back => {
                self.view.overlay = Overlay::None;
                self.input.clear();
            }
            Action::Enter if kind == PromptKind::Calibrate => match self.calibration() {
                Ok(q) => {
                    self.input.clear();
                    self.refusal = None;
                    self.view.overlay = Overlay::Confirm(q);
                }
                Err(msg) => self.refusal = Some(msg),
            },
            Action::Enter => {
                let path = PathBuf::from(self.input.trim());
                if path.as_os_str().is_empty() {
                    self.refusal = Some("give a file name".into());
                    return Vec::new();
                }
                let effect = match kind {
                    PromptKind::Export => self.export_effect(path),
                    PromptKind::Save | PromptKind::Calibrate => self.save_effect(path),
                };
                match effect {
                    Ok(e) => {
                        self.view.overlay = Overlay::None;
                        self.input.clear();
                        self.refusal = None;
                        return vec![e];
                    }
                    Err(msg) => self.refusal = Some(msg),
                }
            }
            _ => {}
        }
        Vec::new()
    }

    fn export_effect(&self, path: PathBuf) -> Result<Effect, String> {
        let Some(Ok(l)) = self.doc().map(|d| &d.state) else {
            return Err("no valid profile selected".into());
        };
        let format = report::Format::for_path(&path);
        Ok(Effect::Write {
            path,
            contents: report::render(&l.plan, format),
            what: "report".into(),
            replace: false,
        })
    }

    fn save_effect(&mut self, path: PathBuf) -> Result<Effect, String> {
        let row = self.row().ok_or("no profile selected")?;
        let doc = self.docs.get(row.doc()).ok_or("no profile selected")?;
        let Ok(l) = &doc.state else {
            return Err("this profile is invalid".into());
        };
        if !doc.builtin && same_file(&path, &doc.path) {
            return Err("that is the profile itself; save the edits to a new file".into());
        }
        let yaml = serde_yaml::to_string(&l.edited).map_err(|e| e.to_string())?;
        let contents = format!(
            "# {} with edits made in planner (the original file is unchanged).\n{yaml}",
            doc.path.display()
        );
        self.pending_save = Some((row.doc(), l.edited.clone()));
        Ok(Effect::Write {
            path,
            contents,
            what: "profile".into(),
            replace: false,
        })
    }

    fn update_editing(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Input(c) => {
                self.input.push(c);
                self.refusal = None;
            }
            Action::Backspace => {
                self.input.pop();
                self.refusal = None;
            }
            Action::Back => {
                self.view.mode = Mode::Normal;
                self.input.clear();
                self.refusal = None;
            }
            Action::Enter => {
                let text = self.input.clone();
                if let Some(effects) =
                    self.apply(|p, profile, wi, book| p.set_text(profile, wi, &text, book))
                {
                    self.view.mode = Mode::Normal;
                    self.input.clear();
                    return effects;
                }
            }
            _ => {}
        }
        Vec::new()
    }

    fn update_filter(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Input(c) => {
                self.filter.push(c);
                self.rebuild_rows();
            }
            Action::Backspace => {
                self.filter.pop();
                self.rebuild_rows();
            }
            Action::Enter => self.view.mode = Mode::Normal,
            Action::Back => {
                self.view.mode = Mode::Normal;
                self.filter.clear();
                self.rebuild_rows();
            }
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            _ => {}
        }
        Vec::new()
    }

    fn update_palette(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Input(c) => {
                self.input.push(c);
                self.sel.palette = 0;
            }
            Action::Backspace => {
                self.input.pop();
                self.sel.palette = 0;
            }
            Action::Back => {
                self.view.mode = Mode::Normal;
                self.input.clear();
            }
            Action::Up => self.sel.palette = self.sel.palette.saturating_sub(1),
            Action::Down => {
                let n = self.palette().len();
                self.sel.palette = (self.sel.palette + 1).min(n.saturating_sub(1));
            }
            Action::Enter => {
                let chosen = self
                    .palette()
                    .get(self.sel.palette)
                    .map(|bd| bd.action.clone());
                self.view.mode = Mode::Normal;
                self.input.clear();
                if let Some(a) = chosen {
                    return self.update(a);
                }
            }
            _ => {}
        }
        Vec::new()
    }
}
