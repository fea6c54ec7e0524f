//! Screen snapshots of every view through ratatui's TestBackend, at 80x24 and 160x48.
//! Review changes with `cargo insta review`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use planner::tui::action::Action;
use planner::tui::app::App;
use planner::tui::source::{Options, Source};
use planner::tui::theme::Theme;
use planner::tui::ui::{Widgets, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use std::path::PathBuf;

const TODAY: (i32, u32, u32) = (2026, 12, 15);

fn app() -> App {
    let source = Source::Folder(PathBuf::from("tests/fixtures/tui"));
    let mut app = App::new(source.load(&Options::default()).unwrap(), TODAY);
    // Start on the shop's cart-api (broken.yaml sorts first).
    app.update(Action::Down);
    app
}

/// Apply an action and run its effects, re-planning in line.
fn act(app: &mut App, action: Action) {
    planner::tui::dispatch(app, action, &Source::BuiltIn, &Options::default());
}

fn draw(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    let mut widgets = Widgets::default();
    terminal.draw(|f| render(f, app, &mut widgets)).unwrap();
    terminal
}

/// Snapshot a view at both sizes.
macro_rules! views {
    ($($name:ident => $setup:expr;)*) => {
        $(
            #[test]
            fn $name() {
                let mut app = app();
                let setup: fn(&mut App) = $setup;
                setup(&mut app);
                insta::assert_snapshot!(concat!(stringify!($name), "_80x24"), draw(&app, 80, 24).backend());
                insta::assert_snapshot!(concat!(stringify!($name), "_160x48"), draw(&app, 160, 48).backend());
            }
        )*
    };
}

views! {
    plan => |_| {};
    plan_fanout => |app| { app.update(Action::Bottom); };
    plan_invalid_profile => |app| { app.update(Action::Top); };
    plan_traffic_chart => |app| { app.update(Action::ToggleChart); };
    plan_edited => |app| {
        app.update(Action::Enter);
        act(app, Action::Step(1));
        act(app, Action::Step(1));
    };
    plan_refused_value => |app| {
        app.update(Action::Enter);
        app.update(Action::Enter);
        for c in "-5".chars() { app.update(Action::Input(c)); }
        app.update(Action::Enter);
    };
    plan_computing => |app| {
        // A re-plan asked for but not back yet: the old figures show, marked.
        app.update(Action::Enter);
        app.update(Action::Step(1));
    };
    breakdown => |app| { app.update(Action::Tab(1)); };
    jobs => |app| { app.update(Action::JobsTab); };
    jobs_listed => |app| {
        use planner::tui::jobs::{JobKind, JobOutcome};
        let kind = || JobKind::RefreshPrices {
            region: "us-east-1".into(),
            dir: PathBuf::from("pricing-cache"),
            endpoint_url: None,
        };
        for title in ["refresh us-east-1 prices", "refresh eu-west-1 prices", "a job that fails", "a job to cancel"] {
            app.start_job(title.into(), kind());
        }
        app.update(Action::JobFinished { id: 1, result: JobOutcome::Done("wrote pricing-cache/us-east-1.yaml".into()) });
        app.update(Action::JobProgress { id: 2, done: 2, total: 6, note: "AmazonEC2: 340 products".into() });
        app.update(Action::JobFinished { id: 3, result: JobOutcome::Failed("no network".into()) });
        app.update(Action::JobsTab);
        app.update(Action::CancelJob);
    };
    jobs_calibrating => |app| {
        use planner::tui::jobs::{CalibrationJob, JobKind, SizeCount, SizeProgress};
        let kind = JobKind::Calibrate(CalibrationJob {
            profile: PathBuf::from("tests/fixtures/tui/shop.yaml"),
            workload: "cart-api".into(),
            threads: 1,
            function: "cart-fn".into(),
            region: "us-east-1".into(),
            sizes: vec![512, 1024, 2048],
            invocations: 20,
            book: Box::new(planner::pricing::built_in("us-east-1").unwrap().book),
            endpoint_url: None,
        });
        app.start_job("calibrate cart-api on cart-fn".into(), kind);
        let mut sizes = SizeProgress::new(&[512, 1024, 2048], 20);
        sizes.record(SizeCount { memory_mb: 512, done: 20, errors: 1, throttles: 0, p50_ms: Some(1441.2) });
        sizes.record(SizeCount { memory_mb: 1024, done: 7, errors: 0, throttles: 2, p50_ms: Some(749.0) });
        app.update(Action::JobProgress { id: 1, done: sizes.done(), total: 60, note: sizes.note() });
        app.update(Action::JobsTab);
    };
    refresh_confirm => |app| { app.update(Action::RefreshPrices); };
    help => |app| { app.update(Action::OpenHelp); };
    palette => |app| {
        app.update(Action::OpenPalette);
        for c in "exp".chars() { app.update(Action::Input(c)); }
    };
    save_prompt => |app| { app.update(Action::Save); };
    filter => |app| {
        app.update(Action::StartFilter);
        app.update(Action::Input('c'));
    };
}

/// The shop with cart-api calibrated (a sidecar beside the profile), on the Breakdown tab.
fn calibrated() -> App {
    let source = Source::Folder(PathBuf::from("tests/fixtures/tui-calibrated"));
    let mut app = App::new(source.load(&Options::default()).unwrap(), TODAY);
    app.update(Action::Tab(1));
    app
}

#[test]
fn breakdown_calibrated() {
    let mut app = calibrated();
    assert_eq!(app.docs.len(), 1, "the sidecar is not a profile");
    insta::assert_snapshot!("breakdown_calibrated_80x24", draw(&app, 80, 24).backend());
    insta::assert_snapshot!("breakdown_calibrated_160x48", draw(&app, 160, 48).backend());
    // On Lambda, too (the calibration feeds every platform's durations).
    while app.platform() != planner::model::Platform::Lambda {
        app.update(Action::Left);
    }
    insta::assert_snapshot!(
        "breakdown_calibrated_lambda_160x48",
        draw(&app, 160, 48).backend()
    );
}

#[test]
fn an_uncalibrated_workload_shows_no_calibration() {
    let mut app = calibrated();
    app.update(Action::Tab(0));
    app.update(Action::Down);
    app.update(Action::Tab(1));
    let text = format!("{}", draw(&app, 160, 48).backend());
    assert!(text.contains("resize"), "{text}");
    assert!(!text.contains("Calibration ·"), "{text}");
}

#[test]
fn too_small_says_so() {
    let app = app();
    let t = draw(&app, 79, 24);
    let text = format!("{}", t.backend());
    assert!(text.contains("terminal too small (need 80x24"), "{text}");
    let t = draw(&app, 100, 10);
    assert!(format!("{}", t.backend()).contains("terminal too small"));
}

#[test]
fn no_color_draws_without_colours() {
    let mut app = app();
    app.theme = Theme::new(false);
    let t = draw(&app, 160, 48);
    for cell in t.backend().buffer().content() {
        assert_eq!(
            cell.fg,
            Color::Reset,
            "cell {:?} has a colour",
            cell.symbol()
        );
        assert_eq!(
            cell.bg,
            Color::Reset,
            "cell {:?} has a background",
            cell.symbol()
        );
    }
    // The selection still shows, by the highlight symbol.
    assert!(format!("{}", t.backend()).contains("▶ cart-api"));
}

#[test]
fn colour_marks_the_focused_pane() {
    let app = app();
    let t = draw(&app, 80, 24);
    let buf = t.backend().buffer();
    // The workload list has focus: its top-left corner is drawn in the focus colour.
    assert_eq!(buf[(0, 2)].symbol(), "┌");
    assert_eq!(buf[(0, 2)].fg, Color::Cyan);
}

#[test]
fn no_table_cuts_a_figure_at_80x24() {
    // A right-aligned cell that is too narrow loses its leading digits ("40 tasks" would read
    // "0 tasks"): every figure of every example workload, in the platform table and in each
    // platform's breakdown, shows in full.
    let source = Source::BuiltIn;
    let mut app = App::new(source.load(&Options::default()).unwrap(), TODAY);
    for _ in 0..app.rows.len() {
        let (_, _, wp) = app.selected().unwrap();
        let wp = wp.clone();
        let screen = draw(&app, 80, 24).backend().to_string();
        for o in wp.options.iter().filter(|o| !o.cost_breakdown.is_empty()) {
            let cost = planner::format::money(o.monthly_cost_usd);
            let peak = planner::format::count(o.capacity.peak);
            let row = screen
                .lines()
                .find(|l| l.contains(&format!(" {cost} ")))
                .unwrap_or_else(|| panic!("{}: {cost} not on screen:\n{screen}", wp.name));
            assert!(
                row.contains(&format!(" {peak} ")),
                "{}: peak {peak} cut in {row}",
                wp.name
            );
        }
        // The breakdown of each platform: every line's quantity and cost in full (the table
        // scrolls to the selected line: a long bill is walked line by line).
        app.update(Action::Tab(1));
        for _ in &wp.options {
            let screen = draw(&app, 80, 24).backend().to_string();
            let o = wp
                .options
                .iter()
                .find(|o| screen.contains(&format!("┌ {} · ", o.platform.label())))
                .unwrap_or_else(|| panic!("no breakdown on screen:\n{screen}"));
            for l in &o.cost_breakdown {
                let screen = draw(&app, 80, 24).backend().to_string();
                let quantity = planner::format::quantity_value(l.quantity, &l.unit);
                let cost = planner::format::money(l.cost_usd);
                assert!(
                    screen
                        .lines()
                        .any(|row| row.contains(&format!(" {quantity} "))
                            && row.contains(&format!(" {} ", l.unit))
                            && (row.contains(&format!(" {cost} "))
                                || row.contains(&format!(" {cost}│")))),
                    "{} {}: {} {quantity} {} / {cost} cut:\n{screen}",
                    wp.name,
                    o.platform.id(),
                    l.item,
                    l.unit
                );
                app.update(Action::Down);
            }
            app.update(Action::Right);
        }
        app.update(Action::Tab(0));
        app.update(Action::Down);
    }
}

/// #12: in eu-west-1 (no EC2 prices in the book) the platforms table shows `unpriced` where
/// EC2's cost would be, and the breakdown says why there are no lines.
#[test]
fn unpriced_options_show_their_status() {
    let source = Source::File(PathBuf::from("profiles/checkout-api.yaml"));
    let options = Options {
        region: Some("eu-west-1".into()),
        pricing: None,
    };
    let mut app = App::new(source.load(&options).unwrap(), TODAY);
    let text = format!("{}", draw(&app, 160, 48).backend());
    let ec2_row = text
        .lines()
        .find(|l| l.contains(" EC2 "))
        .unwrap_or_default();
    assert!(
        ec2_row.contains("unpriced") && ec2_row.contains('?'),
        "{text}"
    );
    assert!(
        text.contains("Could not be priced, so not compared: ECS Fargate")
            && text.contains("; EC2 ("),
        "{text}"
    );
    app.update(Action::Tab(1));
    while app.platform() != planner::model::Platform::Ec2 {
        app.update(Action::Right);
    }
    let text = format!("{}", draw(&app, 160, 48).backend());
    assert!(text.contains("EC2 · unpriced"), "{text}");
    assert!(text.contains("the price book lacks a figure"), "{text}");
    assert!(text.contains("has no EC2 instance prices"), "{text}");
}
