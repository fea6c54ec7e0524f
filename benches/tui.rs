//! From a parameter keystroke to a finished frame, for a 20-workload profile: `update`, the
//! re-plan of the edited workload (both stages) and drawing at 160x48 into a TestBackend.
//! Run: `cargo bench --bench tui`. Prints the median and the 90th percentile.
//! `BENCH_TUI_PROFILE=profiles/order-events.yaml cargo bench --bench tui` measures a real
//! profile instead (its first workload is the one edited): the queue and stream examples.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use planner::tui::action::Action;
use planner::tui::app::{App, Document, Focus, Loaded};
use planner::tui::ui::{Widgets, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn profile_yaml(n: usize) -> String {
    let mut s = String::from("version: 1\nname: Bench\nregion: us-east-1\nworkloads:\n");
    for i in 0..n {
        match i % 4 {
            0 | 1 => s.push_str(&format!(
                "  - name: api-{i}\n    kind: service\n    traffic: {{ rps: {}, peak_to_average: 3, shape: diurnal }}\n    request: {{ duration_ms: 120, cpu_ms: 30, memory_mb: 256 }}\n    slo: {{ p99_latency_ms: 500 }}\n",
                10 * (i + 1)
            )),
            2 => s.push_str(&format!(
                "  - name: batch-{i}\n    kind: fanout\n    job: {{ items: 2000, runs_per_month: 720, deadline_s: 300 }}\n    request: {{ duration_ms: 400, cpu_ms: 150, memory_mb: 512 }}\n"
            )),
            _ => s.push_str(&format!(
                "  - name: flow-{i}\n    kind: workflow\n    traffic: {{ monthly_requests: 2000000 }}\n    workflow:\n      transitions: 6\n      steps:\n        - {{ name: a, duration_ms: 60 }}\n        - {{ name: b, duration_ms: 300, cpu_ms: 20, memory_mb: 256 }}\n"
            )),
        }
    }
    s
}

fn main() {
    let label = std::env::var("BENCH_TUI_PROFILE").unwrap_or_else(|_| "20 workloads".into());
    let (path, profile) = match std::env::var("BENCH_TUI_PROFILE") {
        Ok(p) => {
            let path = PathBuf::from(p);
            let profile = planner::profile::load(&path).expect("BENCH_TUI_PROFILE");
            (path, profile)
        }
        Err(_) => {
            let path = PathBuf::from("bench.yaml");
            let profile = planner::profile::parse(&profile_yaml(20), &path).expect("bench profile");
            (path, profile)
        }
    };
    let book = planner::pricing::built_in("us-east-1").expect("built-in book");
    let doc = Document {
        path,
        builtin: false,
        state: Ok(Loaded::new(profile, book)),
    };
    let mut app = App::new(vec![doc], (2026, 1, 1));
    app.update(Action::Enter);
    assert_eq!(app.view.focus, Focus::Params);
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    let mut widgets = Widgets::default();
    let mut times: Vec<Duration> = Vec::new();
    // Keystroke -> frame: update (which asks for a re-plan) and draw; the figures on this
    // frame are the previous ones, marked "computing…".
    for i in 0..100 {
        let dir = if i % 2 == 0 { 1 } else { -1 };
        let start = Instant::now();
        app.update(Action::Step(dir));
        terminal.draw(|f| render(f, &app, &mut widgets)).unwrap();
        times.push(start.elapsed());
    }
    // Keystroke -> frame with the re-planned figures (the re-plan's first stage, done in
    // line here; the loop runs it on a worker), then -> frame with the re-planned cost curve
    // and break-even (the second stage).
    use planner::tui::action::Effect;
    use planner::tui::planning::{self, Stage};
    let mut figures: Vec<Duration> = Vec::new();
    let mut complete: Vec<Duration> = Vec::new();
    let mut parts = [Vec::new(), Vec::new(), Vec::new(), Vec::new()];
    let mut second: Vec<Duration> = Vec::new();
    let mut third: Vec<Duration> = Vec::new();
    let mut sensitive: Vec<Duration> = Vec::new();
    for i in 0..40 {
        let dir = if i % 2 == 0 { 1 } else { -1 };
        let start = Instant::now();
        let effects = app.update(Action::Step(dir));
        let asked = start.elapsed();
        let Some(req) = effects.into_iter().find_map(|e| match e {
            Effect::Plan(req) => Some(req),
            _ => None,
        }) else {
            panic!("a parameter step asks for a re-plan");
        };
        let t = Instant::now();
        let mut update = planning::figures(&req);
        // The worker sends a copy and keeps the update for the second stage; it lets go of
        // the previous plan first.
        let copy = update.clone();
        let planning::PlanRequest {
            doc,
            generation,
            profile,
            book,
            previous,
            ..
        } = *req;
        drop(previous);
        let planned = t.elapsed();
        let t = Instant::now();
        app.update(Action::Planned {
            doc,
            generation,
            stage: Stage::Figures,
            update: copy,
        });
        let applied = t.elapsed();
        let t = Instant::now();
        terminal.draw(|f| render(f, &app, &mut widgets)).unwrap();
        let drawn = t.elapsed();
        figures.push(start.elapsed());
        let t = Instant::now();
        planning::curves(&profile, &book, &mut update);
        second.push(t.elapsed());
        app.update(Action::Planned {
            doc,
            generation,
            stage: Stage::Curves,
            update: update.clone(),
        });
        terminal.draw(|f| render(f, &app, &mut widgets)).unwrap();
        complete.push(start.elapsed());
        let t = Instant::now();
        planning::sensitivity(&profile, &book, &mut update);
        third.push(t.elapsed());
        app.update(Action::Planned {
            doc,
            generation,
            stage: Stage::Complete,
            update,
        });
        terminal.draw(|f| render(f, &app, &mut widgets)).unwrap();
        sensitive.push(start.elapsed());
        for (v, d) in parts.iter_mut().zip([asked, planned, applied, drawn]) {
            v.push(d);
        }
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2].as_secs_f64() * 1e3
    };
    println!(
        "tui keystroke -> frame with re-planned figures: median {:.2} ms (update {:.2}, re-plan {:.2}, apply {:.2}, draw {:.2})",
        median(&mut figures),
        median(&mut parts[0]),
        median(&mut parts[1]),
        median(&mut parts[2]),
        median(&mut parts[3])
    );
    println!(
        "tui keystroke -> frame with re-planned cost curve and break-even: median {:.2} ms (second-stage re-plan {:.2})",
        median(&mut complete),
        median(&mut second)
    );
    println!(
        "tui keystroke -> frame with re-planned sensitivity flips: median {:.2} ms (third-stage re-plan {:.2})",
        median(&mut sensitive),
        median(&mut third)
    );
    let start = Instant::now();
    for _ in 0..20 {
        terminal.draw(|f| render(f, &app, &mut widgets)).unwrap();
    }
    println!(
        "draw only: {:.2} ms",
        start.elapsed().as_secs_f64() * 1e3 / 20.0
    );
    let (l, _, _) = app.selected().unwrap();
    let start = Instant::now();
    let _ = planner::model::plan(&l.edited, &l.book.book, &l.source);
    println!(
        "model::plan only: {:.2} ms",
        start.elapsed().as_secs_f64() * 1e3
    );
    times.sort();
    let median = times[times.len() / 2];
    let p90 = times[times.len() * 9 / 10];
    println!(
        "tui keystroke -> frame ({}, 160x48): median {:.2} ms, p90 {:.2} ms over {} runs",
        label,
        median.as_secs_f64() * 1e3,
        p90.as_secs_f64() * 1e3,
        times.len()
    );
}
