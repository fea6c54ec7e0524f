//! The TUI's `update`, driven through actions with no terminal: select, edit, reset, save,
//! export, quit. Asserts the state, the figures and the effects.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use planner::model::Platform;
use planner::tui::action::{Action, Effect};
use planner::tui::app::{App, Focus, Mode, Overlay, Question, Row, Tab};
use planner::tui::params::Param;
use planner::tui::source::{Options, Source};
use std::path::{Path, PathBuf};

const TODAY: (i32, u32, u32) = (2026, 1, 15);

/// The fixture folder copied into a temporary one, so saves and exports land there.
fn fixture() -> (tempfile::TempDir, Source) {
    let dir = tempfile::tempdir().unwrap();
    for name in ["shop.yaml", "broken.yaml"] {
        std::fs::copy(
            Path::new("tests/fixtures/tui").join(name),
            dir.path().join(name),
        )
        .unwrap();
    }
    let source = Source::Folder(dir.path().to_path_buf());
    (dir, source)
}

fn app(source: &Source) -> App {
    App::new(source.load(&Options::default()).unwrap(), TODAY)
}

/// Apply an action and run its effects, re-planning in line (as the loop does off-thread).
fn act(app: &mut App, action: Action) {
    planner::tui::dispatch(app, action, &Source::BuiltIn, &Options::default());
}

fn lambda_cost(app: &App) -> f64 {
    let (_, _, wp) = app.selected().unwrap();
    wp.options
        .iter()
        .find(|o| o.platform == Platform::Lambda)
        .unwrap()
        .monthly_cost_usd
}

fn value(app: &App, p: Param) -> String {
    let (l, wi, _) = app.selected().unwrap();
    p.value(&l.edited, wi)
}

/// Select the shop's cart-api and put the cursor on `param`.
fn on_param(app: &mut App, param: Param) {
    on_param_in(app, "shop.yaml", param);
}

/// Select the first workload of the profile whose path ends with `file` and put the cursor
/// on `param`.
fn on_param_in(app: &mut App, file: &str, param: Param) {
    let row = app
        .rows
        .iter()
        .position(
            |r| matches!(r, Row::Workload { wi: 0, doc } if app.docs[*doc].path.ends_with(file)),
        )
        .unwrap();
    app.sel.row = row;
    app.view.focus = Focus::Workloads;
    act(app, Action::Enter);
    assert_eq!(app.view.focus, Focus::Params);
    let i = app.params().iter().position(|p| *p == param).unwrap();
    act(app, Action::Top);
    for _ in 0..i {
        act(app, Action::Down);
    }
    assert_eq!(app.param(), Some(param));
}

#[test]
fn a_folder_lists_every_workload_and_the_invalid_profile() {
    let (_dir, source) = fixture();
    let app = app(&source);
    // broken.yaml sorts first: one invalid row, then the shop's two workloads.
    assert_eq!(app.rows.len(), 3);
    assert!(matches!(app.rows[0], Row::Invalid { .. }));
    let err = app.docs[0].state.as_ref().unwrap_err();
    assert!(err.contains("peak_to_average"), "{err}");
    assert!(app.selected().is_none(), "the invalid profile has no plan");
}

#[test]
fn moving_selects_the_next_workload() {
    let (_dir, source) = fixture();
    let mut app = app(&source);
    act(&mut app, Action::Down);
    let (_, wi, wp) = app.selected().unwrap();
    assert_eq!((wi, wp.name.as_str()), (0, "cart-api"));
    act(&mut app, Action::Bottom);
    assert_eq!(app.selected().unwrap().2.name, "resize");
    assert_eq!(app.params()[0], Param::Items);
}

#[test]
fn raising_the_rate_raises_lambda_cost_and_reset_restores_it() {
    let (_dir, source) = fixture();
    let mut app = app(&source);
    on_param(&mut app, Param::Rps);
    let before = lambda_cost(&app);
    assert_eq!(value(&app, Param::Rps), "40");

    act(&mut app, Action::Step(1));
    assert_eq!(value(&app, Param::Rps), "50");
    assert!(
        lambda_cost(&app) > before,
        "{} > {before}",
        lambda_cost(&app)
    );
    assert!(app.param_modified(Param::Rps));
    assert!(app.doc().unwrap().state.as_ref().unwrap().modified());
    let (_, _, wp) = app.selected().unwrap();
    assert!((wp.average_rps - 50.0).abs() < 1e-9);

    act(&mut app, Action::Reset);
    assert_eq!(value(&app, Param::Rps), "40");
    assert!((lambda_cost(&app) - before).abs() < 1e-9);
    assert!(!app.doc().unwrap().state.as_ref().unwrap().modified());
}

#[test]
fn typed_values_apply_and_invalid_ones_are_refused_inline() {
    let (_dir, source) = fixture();
    let mut app = app(&source);
    on_param(&mut app, Param::Rps);
    let before = lambda_cost(&app);

    act(&mut app, Action::Enter);
    assert_eq!(app.view.mode, Mode::Editing);
    for c in "abc".chars() {
        act(&mut app, Action::Input(c));
    }
    act(&mut app, Action::Enter);
    assert_eq!(app.view.mode, Mode::Editing, "stays open to fix the value");
    assert!(app.refusal.as_deref().unwrap().contains("not a number"));
    assert_eq!(value(&app, Param::Rps), "40");

    act(&mut app, Action::Back);
    assert_eq!(app.view.mode, Mode::Normal);
    act(&mut app, Action::Enter);
    for c in "400".chars() {
        act(&mut app, Action::Input(c));
    }
    act(&mut app, Action::Enter);
    assert_eq!(app.view.mode, Mode::Normal);
    assert_eq!(value(&app, Param::Rps), "400");
    assert!(lambda_cost(&app) > 5.0 * before);
}

#[test]
fn cross_field_rules_refuse_without_changing_anything() {
    let (_dir, source) = fixture();
    let mut app = app(&source);
    on_param(&mut app, Param::CpuMs);
    act(&mut app, Action::Enter);
    for c in "150".chars() {
        act(&mut app, Action::Input(c));
    }
    act(&mut app, Action::Enter);
    let refusal = app.refusal.clone().unwrap();
    assert!(refusal.contains("exceeds duration"), "{refusal}");
    assert_eq!(value(&app, Param::CpuMs), "20");
    act(&mut app, Action::Back);

    // Raising peak/average on a flat shape is refused; the shape can be changed first.
    on_param(&mut app, Param::Shape);
    act(&mut app, Action::Enter);
    for c in "flat".chars() {
        act(&mut app, Action::Input(c));
    }
    act(&mut app, Action::Enter);
    assert_eq!(value(&app, Param::Shape), "flat");
    assert_eq!(
        value(&app, Param::PeakToAverage),
        "1",
        "flat drops the peak"
    );
    on_param(&mut app, Param::PeakToAverage);
    act(&mut app, Action::Step(1));
    assert!(
        app.refusal
            .as_deref()
            .unwrap()
            .contains("no effect with shape flat")
    );
    assert_eq!(value(&app, Param::PeakToAverage), "1");
}

#[test]
fn platform_knobs_step_through_their_choices() {
    let (_dir, source) = fixture();
    let mut app = app(&source);
    on_param(&mut app, Param::LambdaMemory);
    assert_eq!(value(&app, Param::LambdaMemory), "auto");
    act(&mut app, Action::Step(1));
    assert_eq!(value(&app, Param::LambdaMemory), "128");
    act(&mut app, Action::Step(1));
    assert_eq!(value(&app, Param::LambdaMemory), "256");
    act(&mut app, Action::Step(-1));
    act(&mut app, Action::Step(-1));
    assert_eq!(value(&app, Param::LambdaMemory), "auto");

    on_param(&mut app, Param::EcsVcpu);
    act(&mut app, Action::Step(1));
    assert_eq!(value(&app, Param::EcsVcpu), "0.25");
    on_param(&mut app, Param::EcsMemory);
    act(&mut app, Action::Step(1));
    assert_eq!(value(&app, Param::EcsMemory), "0.5");
    // 4 vCPU does not take 0.5 GB: stepping vCPU moves the memory to fit.
    on_param(&mut app, Param::EcsVcpu);
    for _ in 0..4 {
        act(&mut app, Action::Step(1));
    }
    assert_eq!(value(&app, Param::EcsVcpu), "4");
    assert_eq!(value(&app, Param::EcsMemory), "8");

    on_param(&mut app, Param::Ec2Instance);
    act(&mut app, Action::Enter);
    for c in "m7g.larg".chars() {
        act(&mut app, Action::Input(c));
    }
    act(&mut app, Action::Enter);
    assert!(app.refusal.as_deref().unwrap().contains("did you mean"));
}

#[test]
fn save_writes_a_new_file_beside_the_original() {
    let (dir, source) = fixture();
    let mut app = app(&source);
    on_param(&mut app, Param::Rps);
    act(&mut app, Action::Step(1));
    assert!(app.any_unsaved());

    act(&mut app, Action::Save);
    assert_eq!(
        app.view.overlay,
        Overlay::Prompt(planner::tui::app::PromptKind::Save)
    );
    let expected = dir.path().join("shop.edited.yaml");
    assert_eq!(PathBuf::from(&app.input), expected);
    let effects = app.update(Action::Enter);
    let Some(Effect::Write {
        path,
        contents,
        replace,
        ..
    }) = effects.first()
    else {
        panic!("expected a write, got {effects:?}");
    };
    assert_eq!(path, &expected);
    assert!(!replace);
    let saved = planner::profile::parse(contents, path).unwrap();
    assert_eq!(saved.workloads[0].work.traffic().unwrap().rps, Some(50.0));

    // Through the loop's effect runner: the file appears, the original is unchanged.
    let original = std::fs::read_to_string(dir.path().join("shop.yaml")).unwrap();
    let mut app2 = app.clone();
    act(&mut app2, Action::Back);
    app.view.overlay = Overlay::None;
    assert!(planner::tui::dispatch(
        &mut app2,
        Action::Save,
        &source,
        &Options::default()
    ));
    assert!(planner::tui::dispatch(
        &mut app2,
        Action::Enter,
        &source,
        &Options::default()
    ));
    assert!(expected.exists());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("shop.yaml")).unwrap(),
        original
    );
    let status = app2.status.clone().unwrap().text;
    assert!(status.contains("shop.edited.yaml"), "{status}");
    assert!(
        !app2.any_unsaved(),
        "saved edits no longer count as unsaved"
    );
    assert!(
        app2.doc().unwrap().state.as_ref().unwrap().modified(),
        "still differs from the file"
    );

    // Saving again asks before replacing.
    planner::tui::dispatch(&mut app2, Action::Save, &source, &Options::default());
    planner::tui::dispatch(&mut app2, Action::Enter, &source, &Options::default());
    assert!(matches!(
        app2.view.overlay,
        Overlay::Confirm(Question::Replace { .. })
    ));
    planner::tui::dispatch(
        &mut app2,
        Action::Confirm(true),
        &source,
        &Options::default(),
    );
    assert_eq!(app2.view.overlay, Overlay::None);
}

#[test]
fn save_refuses_the_original_path() {
    let (dir, source) = fixture();
    let mut app = app(&source);
    on_param(&mut app, Param::Rps);
    act(&mut app, Action::Save);
    app.input = dir.path().join("shop.yaml").display().to_string();
    let effects = app.update(Action::Enter);
    assert!(effects.is_empty());
    assert!(
        app.refusal
            .as_deref()
            .unwrap()
            .contains("the profile itself")
    );
}

#[test]
fn export_writes_the_markdown_report_of_the_edited_profile() {
    let (dir, source) = fixture();
    let mut app = app(&source);
    on_param(&mut app, Param::Rps);
    act(&mut app, Action::Step(1));
    act(&mut app, Action::Export);
    assert_eq!(PathBuf::from(&app.input), dir.path().join("shop.report.md"));
    let effects = app.update(Action::Enter);
    let Some(Effect::Write { contents, .. }) = effects.first() else {
        panic!("expected a write, got {effects:?}");
    };
    assert!(contents.contains("cart-api"));
    assert!(contents.contains("50"));

    // A .json path writes the JSON report.
    act(&mut app, Action::Export);
    app.input = dir.path().join("shop.json").display().to_string();
    let effects = app.update(Action::Enter);
    let Some(Effect::Write { contents, .. }) = effects.first() else {
        panic!("expected a write");
    };
    assert!(contents.trim_start().starts_with('{'));
}

#[test]
fn quit_asks_first_when_edits_are_unsaved() {
    let (_dir, source) = fixture();
    let mut app = app(&source);
    assert_eq!(app.update(Action::Quit), vec![Effect::Quit]);

    let mut app = self::app(&source);
    on_param(&mut app, Param::Rps);
    act(&mut app, Action::Step(1));
    assert!(app.update(Action::Quit).is_empty());
    assert_eq!(app.view.overlay, Overlay::Confirm(Question::Quit));
    act(&mut app, Action::Confirm(false));
    assert_eq!(app.view.overlay, Overlay::None);
    act(&mut app, Action::Quit);
    assert_eq!(app.update(Action::Confirm(true)), vec![Effect::Quit]);
    // Ctrl-c never asks.
    let mut app = self::app(&source);
    on_param(&mut app, Param::Rps);
    act(&mut app, Action::Step(1));
    assert_eq!(app.update(Action::ForceQuit), vec![Effect::Quit]);
}

#[test]
fn escape_goes_back_and_never_quits() {
    let (_dir, source) = fixture();
    let mut app = app(&source);
    on_param(&mut app, Param::Rps);
    act(&mut app, Action::Tab(1));
    assert_eq!(app.view.tab, Tab::Breakdown);
    for _ in 0..5 {
        assert!(app.update(Action::Back).is_empty());
    }
    assert_eq!(app.view.tab, Tab::Plan);
    assert_eq!(app.view.focus, Focus::Workloads);
    assert!(!app.quitting);
}

#[test]
fn filter_narrows_the_list_and_escape_clears_it() {
    let (_dir, source) = fixture();
    let mut app = app(&source);
    act(&mut app, Action::StartFilter);
    for c in "resi".chars() {
        act(&mut app, Action::Input(c));
    }
    assert_eq!(app.rows.len(), 1);
    assert_eq!(app.selected().unwrap().2.name, "resize");
    act(&mut app, Action::Enter);
    assert_eq!(app.view.mode, Mode::Normal);
    assert_eq!(app.filter, "resi");
    act(&mut app, Action::Back);
    assert_eq!(app.rows.len(), 3);
}

#[test]
fn palette_runs_actions_without_keys() {
    let (_dir, source) = fixture();
    let mut app = app(&source);
    on_param(&mut app, Param::Rps);
    act(&mut app, Action::Step(1));
    act(&mut app, Action::Step(1));
    act(&mut app, Action::OpenPalette);
    for c in "reset every".chars() {
        act(&mut app, Action::Input(c));
    }
    assert_eq!(app.palette()[0].action, Action::ResetAll);
    act(&mut app, Action::Enter);
    assert_eq!(app.view.mode, Mode::Normal);
    assert_eq!(value(&app, Param::Rps), "40");
}

#[test]
fn platforms_pane_opens_the_breakdown() {
    let (_dir, source) = fixture();
    let mut app = app(&source);
    on_param(&mut app, Param::Rps);
    act(&mut app, Action::FocusNext);
    assert_eq!(app.view.focus, Focus::Platforms);
    act(&mut app, Action::Top);
    act(&mut app, Action::Enter);
    assert_eq!(app.view.tab, Tab::Breakdown);
    assert_eq!(app.platform(), Platform::Lambda);
    act(&mut app, Action::Right);
    assert_eq!(app.platform(), Platform::StepFunctions);
    act(&mut app, Action::JobsTab);
    assert_eq!(app.view.tab, Tab::Jobs);
    act(&mut app, Action::JobsTab);
    assert_eq!(app.view.tab, Tab::Plan);
}

/// The Plan effect an action asks for (there is exactly one for a parameter step).
fn plan_request(effects: Vec<Effect>) -> planner::tui::planning::PlanRequest {
    let mut reqs: Vec<_> = effects
        .into_iter()
        .filter_map(|e| match e {
            Effect::Plan(r) => Some(*r),
            _ => None,
        })
        .collect();
    assert_eq!(reqs.len(), 1, "one re-plan asked for");
    reqs.remove(0)
}

/// The three stages: the figures, then the cost curve, break-even and band (the chart is
/// current, the sensitivity flips still the previous plan's), then the sensitivity flips,
/// equal to what a one-go completion gives.
#[test]
fn the_curve_lands_before_the_sensitivity_search() {
    use planner::tui::planning::{self, Stage};
    let (_dir, source) = fixture();
    let mut app = app(&source);
    on_param(&mut app, Param::Rps);
    let (_, wi, wp) = app.selected().unwrap();
    let (old_curve, old_sensitivity) = (wp.cost_curve.clone(), wp.sensitivity.clone());
    assert!(!old_sensitivity.is_empty());

    let req = plan_request(app.update(Action::Step(1)));
    let mut update = planning::figures(&req);
    let mut whole = update.clone();
    planning::complete(&req.profile, &req.book, &mut whole);
    app.update(Action::Planned {
        doc: req.doc,
        generation: req.generation,
        stage: Stage::Figures,
        update: update.clone(),
    });
    planning::curves(&req.profile, &req.book, &mut update);
    app.update(Action::Planned {
        doc: req.doc,
        generation: req.generation,
        stage: Stage::Curves,
        update: update.clone(),
    });
    let (l, _, wp) = app.selected().unwrap();
    assert!(
        !l.curve_stale(wi),
        "the chart is current after the curves stage"
    );
    assert_ne!(wp.cost_curve, old_curve);
    assert_eq!(
        wp.sensitivity, old_sensitivity,
        "the flips are the previous plan's"
    );

    planning::sensitivity(&req.profile, &req.book, &mut update);
    app.update(Action::Planned {
        doc: req.doc,
        generation: req.generation,
        stage: Stage::Complete,
        update,
    });
    let (_, _, wp) = app.selected().unwrap();
    let planning::Replanned::Workloads(done) = &whole else {
        panic!("a step re-plans one workload");
    };
    assert_eq!(wp.sensitivity, done[0].1.sensitivity);
    assert_eq!(wp.cost_curve, done[0].1.cost_curve);
}

#[test]
fn a_re_plan_shows_the_figures_first_then_the_curve_and_drops_superseded_stages() {
    use planner::tui::planning::{self, Stage};
    let (_dir, source) = fixture();
    let mut app = app(&source);
    on_param(&mut app, Param::Rps);
    let (_, wi, wp) = app.selected().unwrap();
    let old_curve = wp.cost_curve.clone();

    // 40 -> 50 req/s: the first stage brings every figure and keeps the old curve, marked.
    let req = plan_request(app.update(Action::Step(1)));
    let mut update = planning::figures(&req);
    app.update(Action::Planned {
        doc: req.doc,
        generation: req.generation,
        stage: Stage::Figures,
        update: update.clone(),
    });
    let (l, _, wp) = app.selected().unwrap();
    assert!(l.stale.is_none(), "the figures are current");
    assert!(l.curve_stale(wi), "the curve is still being re-planned");
    assert!((wp.average_rps - 50.0).abs() < 1e-9);
    assert_eq!(wp.cost_curve, old_curve);

    // Another step before the second stage lands: that stage is stale, dropped,
    // and the new request re-plans the workload in full.
    planning::complete(&req.profile, &req.book, &mut update);
    let newer = plan_request(app.update(Action::Step(1)));
    app.update(Action::Planned {
        doc: req.doc,
        generation: req.generation,
        stage: Stage::Complete,
        update,
    });
    let (l, _, wp) = app.selected().unwrap();
    assert!(l.curve_stale(wi));
    assert_eq!(wp.cost_curve, old_curve, "a superseded stage is dropped");
    assert!(matches!(&newer.stale, planning::Stale::Workloads(s) if s.contains(&wi)));

    // Both stages of the newer request: everything current, the curve at the new rate.
    let whole = planning::compute(&newer);
    app.update(Action::Planned {
        doc: newer.doc,
        generation: newer.generation,
        stage: Stage::Complete,
        update: planning::Replanned::Whole(Box::new(whole)),
    });
    let rate: f64 = value(&app, Param::Rps).parse().unwrap();
    assert!(rate > 50.0);
    let (l, _, wp) = app.selected().unwrap();
    assert!(!l.curve_stale(wi));
    assert!((wp.average_rps - rate).abs() < 1e-9);
    assert!(
        (wp.cost_curve.rates[3] - rate).abs() < 1e-9,
        "{:?}",
        wp.cost_curve.rates
    );
    assert_ne!(wp.cost_curve, old_curve);
}

#[test]
fn a_re_plan_of_the_profile_before_a_reload_does_not_land_on_the_reloaded_one() {
    use planner::tui::planning::{self, Stage};
    let (_dir, source) = fixture();
    let mut app = app(&source);
    on_param(&mut app, Param::Rps);
    // A re-plan is asked for and still running when the folder is reloaded.
    let req = plan_request(app.update(Action::Step(1)));
    let (_, wi, before) = app.selected().unwrap();
    let before = before.clone();
    app.update(Action::ProfileReloaded(
        source.load(&Options::default()).unwrap(),
    ));
    let (l, _, reloaded) = app.selected().unwrap();
    assert_eq!(
        reloaded.average_rps, before.average_rps,
        "the file's own rate"
    );
    assert!(
        l.generation > req.generation,
        "generations go on past a reload"
    );
    // An edit to the reloaded profile asks for its own re-plan...
    on_param(&mut app, Param::Rps);
    let newer = plan_request(app.update(Action::Step(1)));
    assert_eq!(newer.doc, req.doc);
    assert!(newer.generation > req.generation);
    // ...and the old request's answer, for the same document index, is dropped.
    let mut update = planning::figures(&req);
    planning::complete(&req.profile, &req.book, &mut update);
    app.update(Action::Planned {
        doc: req.doc,
        generation: req.generation,
        stage: Stage::Complete,
        update,
    });
    let (l, _, wp) = app.selected().unwrap();
    assert!(l.stale.is_some(), "still waiting for the newer re-plan");
    assert_eq!(
        wp.average_rps, before.average_rps,
        "the old answer did not land"
    );
    assert_eq!(app.selected().map(|(_, w, _)| w), Some(wi));
}

#[test]
fn the_runtime_knob_moves_the_fleets_cpu_and_nothing_of_lambda() {
    // cart-api: one core per process by default; a Go runtime lets a process use every vCPU
    // of its task, so the fleets' figures move, while Lambda (one request per environment)
    // does not.
    let (_dir, source) = fixture();
    let mut app = app(&source);
    on_param(&mut app, Param::Runtime);
    assert_eq!(value(&app, Param::Runtime), "one_core");
    let fleet_config = |app: &App| {
        let (_, _, wp) = app.selected().unwrap();
        let o = wp
            .options
            .iter()
            .find(|o| o.platform == Platform::Ec2)
            .unwrap();
        o.config["runtime"].clone()
    };
    let lambda_before = lambda_cost(&app);
    assert_eq!(fleet_config(&app), "one_core");
    act(&mut app, Action::Enter);
    for c in "go".chars() {
        act(&mut app, Action::Input(c));
    }
    act(&mut app, Action::Enter);
    assert_eq!(value(&app, Param::Runtime), "go");
    assert_eq!(fleet_config(&app), "go");
    assert_eq!(lambda_cost(&app), lambda_before);
    // `+` walks on to java; a typo is refused inline.
    act(&mut app, Action::Step(1));
    assert_eq!(value(&app, Param::Runtime), "java");
    act(&mut app, Action::Enter);
    for c in "rust".chars() {
        act(&mut app, Action::Input(c));
    }
    act(&mut app, Action::Enter);
    assert!(
        app.refusal
            .as_deref()
            .unwrap()
            .contains("`rust` is not one_core")
    );
    assert_eq!(value(&app, Param::Runtime), "java");
}

/// A stream's knobs re-plan live: the parallelization factor down from 4 to 1 leaves each
/// shard's consumer a quarter of its batches, so Lambda needs more shards; batch size and
/// capacity take typed values and refuse bad ones.
#[test]
fn stream_knobs_replan_the_stream() {
    let source = Source::File(PathBuf::from("profiles/clickstream.yaml"));
    let mut app = app(&source);
    let shards = |app: &App| {
        let (_, _, wp) = app.selected().unwrap();
        wp.options
            .iter()
            .find(|o| o.platform == Platform::Lambda)
            .unwrap()
            .config["shards"]
            .as_u64()
            .unwrap()
    };
    on_param_in(&mut app, "clickstream.yaml", Param::StreamParallelization);
    let before = shards(&app);
    assert_eq!(value(&app, Param::StreamParallelization), "4");
    for _ in 0..3 {
        act(&mut app, Action::Step(-1));
    }
    assert_eq!(value(&app, Param::StreamParallelization), "1");
    assert!(shards(&app) > before, "{} > {before}", shards(&app));
    act(&mut app, Action::Step(-1));
    assert_eq!(
        value(&app, Param::StreamParallelization),
        "1",
        "clamped at 1"
    );

    let (l, wi, _) = app.selected().unwrap();
    let mut p = l.edited.clone();
    let book = planner::pricing::built_in("us-east-1").unwrap().book;
    assert!(
        Param::StreamBatchSize
            .set_text(&mut p, wi, "20000", &book)
            .is_err()
    );
    Param::StreamBatchSize
        .set_text(&mut p, wi, "500", &book)
        .unwrap();
    assert_eq!(Param::StreamBatchSize.value(&p, wi), "500");
    Param::StreamCapacity
        .set_text(&mut p, wi, "on_demand", &book)
        .unwrap();
    assert_eq!(Param::StreamCapacity.value(&p, wi), "on_demand");
    assert!(
        Param::StreamShards
            .set_text(&mut p, wi, "0", &book)
            .is_err()
    );
}

/// kind: queue (#13): the queue's knobs re-plan live. order-events, its Lambda mapping capped
/// at 2 concurrent batches, cannot keep up (a backlog that grows) and is no longer feasible;
/// `auto` again restores it. FIFO refuses a batch over 10; a typed type applies.
#[test]
fn the_queue_knobs_re_plan_the_event_source_mapping() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        "profiles/order-events.yaml",
        dir.path().join("order-events.yaml"),
    )
    .unwrap();
    let source = Source::Folder(dir.path().to_path_buf());
    let mut app = app(&source);
    let lambda = |app: &App| {
        let (_, _, wp) = app.selected().unwrap();
        wp.options
            .iter()
            .find(|o| o.platform == Platform::Lambda)
            .unwrap()
            .clone()
    };
    let goto = |app: &mut App, param: Param| on_param_in(app, "order-events.yaml", param);
    goto(&mut app, Param::QueueMaxConcurrency);
    assert!(lambda(&app).feasible);
    assert_eq!(value(&app, Param::QueueMaxConcurrency), "auto");
    act(&mut app, Action::Enter);
    act(&mut app, Action::Input('2'));
    act(&mut app, Action::Enter);
    assert_eq!(value(&app, Param::QueueMaxConcurrency), "2");
    let capped = lambda(&app);
    assert!(!capped.feasible, "{:?}", capped.risks);
    assert!(
        capped.risks.iter().any(|r| r.contains("cannot keep up")),
        "{:?}",
        capped.risks
    );
    // Up from 1,000 is `auto` again.
    act(&mut app, Action::Enter);
    for c in "1000".chars() {
        act(&mut app, Action::Input(c));
    }
    act(&mut app, Action::Enter);
    act(&mut app, Action::Step(1));
    assert_eq!(value(&app, Param::QueueMaxConcurrency), "auto");
    assert!(lambda(&app).feasible);

    goto(&mut app, Param::QueueType);
    act(&mut app, Action::Enter);
    for c in "fifo".chars() {
        act(&mut app, Action::Input(c));
    }
    act(&mut app, Action::Enter);
    assert_eq!(value(&app, Param::QueueType), "fifo");
    assert_eq!(lambda(&app).config["queue_type"], "fifo");
    goto(&mut app, Param::QueueBatch);
    act(&mut app, Action::Step(1));
    assert!(
        app.refusal
            .as_deref()
            .unwrap()
            .contains("1..=10 for a fifo queue"),
        "{:?}",
        app.refusal
    );
    assert_eq!(value(&app, Param::QueueBatch), "10");
}

/// The KCL metrics level is a stream knob: stepping it from `detailed` to `summary` re-plans
/// the fleets' `cloudwatch_metrics` line down (and leaves Lambda, which has no KCL, as it
/// was); typed values are checked.
#[test]
fn the_kcl_metrics_knob_re_plans_the_fleets_metrics() {
    let source = Source::File(PathBuf::from("profiles/clickstream.yaml"));
    let mut app = app(&source);
    on_param_in(&mut app, "clickstream.yaml", Param::StreamKclMetrics);
    let metrics = |app: &App, platform: Platform| -> f64 {
        let (_, _, wp) = app.selected().unwrap();
        wp.options
            .iter()
            .find(|o| o.platform == platform)
            .unwrap()
            .cost_breakdown
            .iter()
            .filter(|l| l.item == "cloudwatch_metrics")
            .map(|l| l.cost_usd)
            .sum()
    };
    let total = |app: &App, platform: Platform| -> f64 {
        let (_, _, wp) = app.selected().unwrap();
        wp.options
            .iter()
            .find(|o| o.platform == platform)
            .unwrap()
            .monthly_cost_usd
    };
    let (ecs_before, lambda_before) = (metrics(&app, Platform::Ecs), total(&app, Platform::Lambda));
    assert!(ecs_before > 0.0);
    assert_eq!(metrics(&app, Platform::Lambda), 0.0);
    assert_eq!(value(&app, Param::StreamKclMetrics), "detailed");
    act(&mut app, Action::Step(1));
    assert_eq!(value(&app, Param::StreamKclMetrics), "summary");
    let ecs_summary = metrics(&app, Platform::Ecs);
    assert!(
        ecs_summary > 0.0 && ecs_summary < ecs_before,
        "{ecs_summary} < {ecs_before}"
    );
    assert_eq!(total(&app, Platform::Lambda), lambda_before);

    let (l, wi, _) = app.selected().unwrap();
    let mut p = l.edited.clone();
    let book = planner::pricing::built_in("us-east-1").unwrap().book;
    Param::StreamKclMetrics
        .set_text(&mut p, wi, "none", &book)
        .unwrap();
    assert_eq!(Param::StreamKclMetrics.value(&p, wi), "none");
    let err = Param::StreamKclMetrics
        .set_text(&mut p, wi, "verbose", &book)
        .unwrap_err();
    assert!(err.contains("not a KCL metrics level"), "{err}");
}
