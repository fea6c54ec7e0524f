//! The interactive planner: `planner [PATH]` with no subcommand.
//!
//! `mod.rs` owns the terminal and the loop; `app.rs` holds the state and `update` (no I/O);
//! `keymap.rs` turns keys into actions; `ui/` draws. Effects returned by `update` (write a
//! file, reload, quit) run here.

pub mod action;
pub mod app;
pub mod jobs;
pub mod keymap;
pub mod params;
pub mod planning;
pub mod signals;
pub mod source;
pub mod theme;
pub mod ui;

use action::{Action, Effect};
use anyhow::{Context as _, Result};
use app::App;
use crossterm::event::{Event, MouseEventKind};
use futures_util::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use signals::{Caught, Signals};
use source::{Options, Source};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// Shortest gap between two frames.
const FRAME_GAP: Duration = Duration::from_millis(16);
/// How long a status message stays in the footer.
const STATUS_FOR: Duration = Duration::from_secs(5);
/// On quit, how long running jobs get to stop (and clean up) once cancelled.
const JOBS_STOP_WITHIN: Duration = Duration::from_secs(1);
/// After that, with the terminal restored: how long a calibration still cleaning up (restoring
/// the function, deleting its versions and aliases) is waited for.
const CLEANUP_WITHIN: Duration = Duration::from_secs(120);
/// Messages from jobs and re-plans applied at most per frame.
const BATCH: usize = 256;

/// Open the TUI on `path` (a profile, a folder, or nothing for `./profiles` or the built-in
/// examples). The caller has checked that stdin and stdout are terminals.
pub fn run(path: Option<&Path>, opts: Options) -> Result<ExitCode> {
    let source = Source::resolve(path);
    // Load before touching the terminal, so an unusable PATH is a plain error message.
    let docs = source.load(&opts).map_err(crate::error::UsageError)?;
    let mut app = App::new(docs, crate::pricing::today_utc());
    app.theme = theme::Theme::from_env();
    app.pricing_dir = opts.pricing.clone();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .enable_io()
        .build()
        .context("starting the event loop")?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Action>(64);
    let result = runtime.block_on(async {
        // Before the terminal turns raw: from here on a signal ends the loop (or suspends
        // it) instead of leaving the terminal raw.
        let mut signals = Signals::listen();
        let mut runner = jobs::Runner::new(tx);
        let result = async {
            let (_guard, mut terminal) = TerminalGuard::enter()?;
            let events = crossterm::event::EventStream::new();
            run_loop(
                &mut terminal,
                &mut app,
                events,
                &source,
                &opts,
                &mut runner,
                &mut rx,
                &mut signals,
            )
            .await
        }
        .await;
        // The terminal is restored by now (the guard is dropped): a calibration still
        // cleaning up is waited for here, saying so on stderr.
        let finish = jobs::finish_calibrations(
            &mut runner,
            &mut rx,
            CLEANUP_WITHIN,
            stop_waiting(&mut signals),
            &mut std::io::stderr(),
        )
        .await;
        result.map(|ended| (ended, finish))
    });
    // Don't wait for a re-plan nobody will see.
    runtime.shutdown_timeout(Duration::from_millis(100));
    let (ended, finish) = result?;
    Ok(exit_code(ended, &finish))
}

/// How the process exits: 1 when a calibration's cleanup failed or was abandoned (something
/// may be left in the account, which matters most); otherwise 128 + the signal that ended
/// the screen, as shells expect; otherwise success.
fn exit_code(ended: Option<i32>, finish: &jobs::Finish) -> ExitCode {
    match (finish, ended) {
        (jobs::Finish::Finished { ok: false } | jobs::Finish::Abandoned { .. }, _) => {
            ExitCode::from(1)
        }
        (jobs::Finish::Nothing | jobs::Finish::Finished { ok: true }, Some(n)) => {
            ExitCode::from(signals::exit_status(n))
        }
        (jobs::Finish::Nothing | jobs::Finish::Finished { ok: true }, None) => ExitCode::SUCCESS,
    }
}

/// Raw mode, alternate screen and mouse capture while alive; restored on drop, so every exit
/// path (`?` errors and signals included) gives the terminal back. A panic restores it all
/// through the panic hook installed here.
struct TerminalGuard;

impl TerminalGuard {
    fn enter() -> Result<(TerminalGuard, ratatui::DefaultTerminal)> {
        signals::install_panic_hook();
        // The guard first, so a failure half-way still restores what was set.
        let guard = TerminalGuard;
        signals::enter_screen().context("setting up the terminal")?;
        let terminal = Terminal::new(ratatui::backend::CrosstermBackend::new(std::io::stdout()))
            .context("setting up the terminal")?;
        Ok((guard, terminal))
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        signals::restore_screen();
    }
}

/// The loop: terminal events and timers in, effects out; draws only when something changed,
/// at most once per `FRAME_GAP`. Generic over the backend and the event source so tests can
/// drive it with a `TestBackend` and a scripted stream. Jobs run on `runner`, whose channel
/// `rx` drains; on the way out every job is cancelled and given `JOBS_STOP_WITHIN`. Returns
/// the number of the signal that ended it, if one did (see [`signals`]); SIGTSTP and SIGCONT
/// suspend and resume the screen on the real terminal.
// Each argument is a separate thing the loop reads or drives; bundling them would only move
// the list into a struct built once.
#[allow(clippy::too_many_arguments)]
pub async fn run_loop<B, S>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    mut events: S,
    source: &Source,
    opts: &Options,
    runner: &mut jobs::Runner,
    rx: &mut tokio::sync::mpsc::Receiver<Action>,
    signals: &mut Signals,
) -> Result<Option<i32>>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    S: Stream<Item = std::io::Result<Event>> + Unpin,
{
    let mut widgets = ui::Widgets::default();
    let mut dirty = true;
    let mut next_frame = Instant::now();
    let mut status: Option<(u64, Instant)> = None;
    let mut planner = Planner {
        tx: runner.sender(),
        busy: Default::default(),
        queued: Default::default(),
        latest: Default::default(),
    };
    let result = loop {
        if dirty && Instant::now() >= next_frame {
            terminal
                .draw(|f| ui::render(f, app, &mut widgets))
                .context("drawing")?;
            dirty = false;
            next_frame = Instant::now() + FRAME_GAP;
        }
        let frame_due = async {
            if dirty {
                tokio::time::sleep_until(next_frame).await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        let status_due = async {
            match status {
                Some((_, at)) => tokio::time::sleep_until(at).await,
                None => std::future::pending::<()>().await,
            }
        };
        let actions: Vec<Action> = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(ev)) => {
                    dirty = true;
                    to_action(app, &ev).into_iter().collect()
                }
                Some(Err(e)) => break Err(e).context("reading terminal input"),
                None => break Ok(None),
            },
            Some(msg) = rx.recv() => {
                // Take what else is queued (bounded), so a burst costs one frame.
                let mut batch = vec![msg];
                while batch.len() < BATCH
                    && let Ok(m) = rx.try_recv()
                {
                    batch.push(m);
                }
                for m in &batch {
                    if let Action::Planned { doc, stage: planning::Stage::Complete, .. } = m {
                        planner.finished(*doc);
                    }
                }
                collapse_progress(batch)
            }
            () = frame_due => Vec::new(),
            () = status_due => status.take().map(|(g, _)| Action::ClearStatus(g)).into_iter().collect(),
            caught = signals.recv() => match caught {
                Caught::End(n) => break Ok(Some(n)),
                Caught::Suspend | Caught::Resume => {
                    if caught == Caught::Suspend {
                        signals::restore_screen();
                        signals::stop_self();
                    }
                    // Continued: take the screen back and draw all of it again.
                    signals::enter_screen().context("taking the terminal back")?;
                    // (`resize` clears and resets the back buffer without asking the terminal
                    // for the cursor, whose answer the event reader would take.)
                    let size = terminal.size().context("reading the terminal size")?;
                    terminal
                        .resize(ratatui::layout::Rect::new(0, 0, size.width, size.height))
                        .context("drawing")?;
                    dirty = true;
                    Vec::new()
                }
            },
        };
        if actions.is_empty() {
            continue;
        }
        dirty = true;
        let before = app.status.as_ref().map(|s| s.generation);
        let mut go = true;
        for action in actions {
            go = dispatch_with(app, action, source, opts, &mut |e| match e {
                Effect::Plan(r) => planner.submit(*r),
                Effect::Spawn { id, kind } => runner.spawn(id, kind),
                Effect::Cancel(id) => runner.cancel(id),
                _ => {}
            });
            if !go {
                break;
            }
        }
        if !go {
            break Ok(None);
        }
        let after = app.status.as_ref().map(|s| s.generation);
        if after != before {
            status = after.map(|g| (g, Instant::now() + STATUS_FOR));
        }
    };
    // Every exit: cancel the jobs and give them a moment to clean up (calibration restores
    // the function) before the terminal is restored. A calibration still cleaning up after
    // that is waited for once the terminal is back (`jobs::finish_calibrations`).
    runner.shutdown(JOBS_STOP_WITHIN).await;
    result
}

/// A batch of queued messages with each job's progress collapsed to its latest report (kept
/// where that report was); every other message stays, in order.
pub fn collapse_progress(batch: Vec<Action>) -> Vec<Action> {
    let mut seen: std::collections::HashSet<jobs::JobId> = Default::default();
    let mut kept: Vec<Action> = batch
        .into_iter()
        .rev()
        .filter(|a| match a {
            Action::JobProgress { id, .. } => seen.insert(*id),
            _ => true,
        })
        .collect();
    kept.reverse();
    kept
}

/// Apply an action and run the effects it asks for (which may answer with more actions),
/// re-planning in line. Tests use this; the loop runs re-plans on a blocking thread instead.
/// Jobs are not started here (tests feed `JobProgress` / `JobFinished` themselves).
/// Returns false once the app should stop.
pub fn dispatch(app: &mut App, action: Action, source: &Source, opts: &Options) -> bool {
    let mut plans: Vec<planning::PlanRequest> = Vec::new();
    let mut go = dispatch_with(app, action, source, opts, &mut |e| {
        if let Effect::Plan(r) = e {
            plans.push(*r)
        }
    });
    while go && let Some(req) = plans.pop() {
        // Both stages, as the loop's worker delivers them.
        let mut update = planning::figures(&req);
        for stage in [
            planning::Stage::Figures,
            planning::Stage::Curves,
            planning::Stage::Complete,
        ] {
            match stage {
                planning::Stage::Figures => {}
                planning::Stage::Curves => planning::curves(&req.profile, &req.book, &mut update),
                planning::Stage::Complete => {
                    planning::sensitivity(&req.profile, &req.book, &mut update)
                }
            }
            let done = Action::Planned {
                doc: req.doc,
                generation: req.generation,
                stage,
                update: update.clone(),
            };
            go = go
                && dispatch_with(app, done, source, opts, &mut |e| {
                    if let Effect::Plan(r) = e {
                        plans.push(*r)
                    }
                });
        }
    }
    go
}

fn dispatch_with(
    app: &mut App,
    action: Action,
    source: &Source,
    opts: &Options,
    background: &mut dyn FnMut(Effect),
) -> bool {
    let mut queue = vec![action];
    while let Some(a) = queue.pop() {
        for effect in app.update(a) {
            match effect {
                Effect::Quit => return false,
                e @ (Effect::Plan(_) | Effect::Spawn { .. } | Effect::Cancel(_)) => background(e),
                Effect::Reload => queue.push(match source.load(opts) {
                    Ok(docs) => Action::ProfileReloaded(docs),
                    Err(e) => Action::WriteFailed {
                        what: "reload".into(),
                        error: e,
                    },
                }),
                Effect::Write {
                    path,
                    contents,
                    what,
                    replace,
                } => queue.push(write(path, contents, what, replace)),
            }
        }
    }
    !app.quitting
}

/// Runs re-plans on blocking threads, at most one per document at a time; a request made
/// while one runs waits, and a newer one replaces it (only the latest matters).
struct Planner {
    tx: tokio::sync::mpsc::Sender<Action>,
    busy: std::collections::HashSet<usize>,
    queued: std::collections::HashMap<usize, planning::PlanRequest>,
    /// Per document, the generation of the latest request.
    latest: std::collections::HashMap<usize, Arc<AtomicU64>>,
}

impl Planner {
    fn submit(&mut self, req: planning::PlanRequest) {
        // A running re-plan of this document skips its second stage.
        if let Some(latest) = self.latest.get(&req.doc) {
            latest.store(req.generation, Ordering::Relaxed);
        }
        if self.busy.contains(&req.doc) {
            self.queued.insert(req.doc, req);
        } else {
            self.spawn(req);
        }
    }

    fn spawn(&mut self, req: planning::PlanRequest) {
        self.busy.insert(req.doc);
        let latest = self.latest.entry(req.doc).or_default().clone();
        latest.store(req.generation, Ordering::Relaxed);
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            // The figures first, then the curves, unless a newer request came in meanwhile:
            // then the figures go out as the last stage (`update` drops them as stale) and
            // the worker frees up for the newer request at once.
            let mut update = planning::figures(&req);
            // The rest does not read the previous plan: let go of it now, so the screen's
            // copy is its own again when it applies the figures (no copy-on-write).
            let planning::PlanRequest {
                doc,
                generation,
                profile,
                book,
                previous,
                ..
            } = req;
            drop(previous);
            let superseded = latest.load(Ordering::Relaxed) != generation;
            let stage = if superseded {
                planning::Stage::Complete
            } else {
                let first = Action::Planned {
                    doc,
                    generation,
                    stage: planning::Stage::Figures,
                    update: update.clone(),
                };
                // The loop has stopped when a send fails; nothing is left to tell.
                if tx.blocking_send(first).is_err() {
                    return;
                }
                planning::curves(&profile, &book, &mut update);
                // The curves go out before the slower sensitivity search, unless a newer
                // request came in meanwhile (then this is the last stage).
                if latest.load(Ordering::Relaxed) == generation {
                    let curves = Action::Planned {
                        doc,
                        generation,
                        stage: planning::Stage::Curves,
                        update: update.clone(),
                    };
                    if tx.blocking_send(curves).is_err() {
                        return;
                    }
                    planning::sensitivity(&profile, &book, &mut update);
                }
                planning::Stage::Complete
            };
            let _ = tx.blocking_send(Action::Planned {
                doc,
                generation,
                stage,
                update,
            });
        });
    }

    fn finished(&mut self, doc: usize) {
        self.busy.remove(&doc);
        if let Some(next) = self.queued.remove(&doc) {
            self.spawn(next);
        }
    }
}

fn write(path: std::path::PathBuf, contents: String, what: String, replace: bool) -> Action {
    if !replace && path.exists() {
        return Action::Exists {
            path,
            contents,
            what,
        };
    }
    let result =
        crate::atomic::AtomicFile::create(&path).and_then(|f| f.commit(contents.as_bytes()));
    match result {
        Ok(_) => Action::Written { what, path },
        Err(e) => Action::WriteFailed {
            what,
            error: format!("{}: {e}", path.display()),
        },
    }
}

/// A terminal event as an action: key presses through the keymap, mouse scroll as moves.
fn to_action(app: &App, ev: &Event) -> Option<Action> {
    if let Some(key) = ev.as_key_press_event() {
        return keymap::lookup(&app.contexts(), &key);
    }
    match ev {
        Event::Mouse(m) => match m.kind {
            MouseEventKind::ScrollDown => Some(Action::Down),
            MouseEventKind::ScrollUp => Some(Action::Up),
            _ => None,
        },
        _ => None,
    }
}

/// After the screen is gone, what stops the wait for a calibration's cleanup: Ctrl-C (now a
/// SIGINT again) or any other signal that ends the process. The signals stay caught once
/// listened for, so the wait must listen for them too.
async fn stop_waiting(signals: &mut Signals) {
    signals.ending().await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::jobs::JobOutcome;

    /// Every signal that ends the TUI also stops the wait for a calibration's cleanup after
    /// the screen is gone (SIGUSR1 and SIGQUIT used to kill the process there, leaving what
    /// the calibration created).
    #[cfg(unix)]
    #[test]
    fn an_ending_signal_stops_the_wait_for_a_cleanup() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            // The handlers are registered before any signal is sent: the default action
            // would end the whole test binary.
            let mut signals = Signals::listen();
            for name in ["TERM", "HUP", "INT", "QUIT", "USR1", "USR2", "ALRM"] {
                let wait = stop_waiting(&mut signals);
                tokio::pin!(wait);
                assert!(
                    tokio::time::timeout(Duration::from_millis(50), &mut wait)
                        .await
                        .is_err(),
                    "the wait stops only on a signal"
                );
                let status = std::process::Command::new("kill")
                    .args([&format!("-{name}"), &std::process::id().to_string()])
                    .status()
                    .unwrap();
                assert!(status.success());
                tokio::time::timeout(Duration::from_secs(10), wait)
                    .await
                    .unwrap_or_else(|_| panic!("SIG{name} stops the wait"));
            }
        });
    }

    #[test]
    fn a_signal_exits_128_plus_its_number_unless_a_cleanup_failed() {
        let code = |ended, finish| format!("{:?}", exit_code(ended, &finish));
        let is = |c: u8| format!("{:?}", ExitCode::from(c));
        assert_eq!(code(Some(10), jobs::Finish::Nothing), is(138));
        assert_eq!(code(Some(15), jobs::Finish::Finished { ok: true }), is(143));
        assert_eq!(code(None, jobs::Finish::Nothing), is(0));
        assert_eq!(code(Some(2), jobs::Finish::Finished { ok: false }), is(1));
        let abandoned = jobs::Finish::Abandoned {
            leftovers: Vec::new(),
        };
        assert_eq!(code(Some(2), abandoned), is(1));
    }

    fn progress(id: jobs::JobId, done: u64) -> Action {
        Action::JobProgress {
            id,
            done,
            total: 10,
            note: format!("{done}"),
        }
    }

    #[test]
    fn progress_collapses_to_the_latest_per_job_and_the_rest_keeps_its_order() {
        let batch = vec![
            progress(1, 1),
            Action::Down,
            progress(2, 1),
            progress(1, 2),
            Action::ClearStatus(7),
            progress(1, 3),
            Action::JobFinished {
                id: 2,
                result: JobOutcome::Cancelled,
            },
            Action::Up,
        ];
        assert_eq!(
            collapse_progress(batch),
            vec![
                Action::Down,
                progress(2, 1),
                Action::ClearStatus(7),
                progress(1, 3),
                Action::JobFinished {
                    id: 2,
                    result: JobOutcome::Cancelled,
                },
                Action::Up,
            ]
        );
        assert!(collapse_progress(Vec::new()).is_empty());
        // Without progress nothing changes.
        let keys = vec![Action::Down, Action::Down, Action::Quit];
        assert_eq!(collapse_progress(keys.clone()), keys);
    }
}
