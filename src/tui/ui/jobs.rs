//! The Jobs tab: every background job (price refresh, calibration) with a gauge and its
//! status; `x` cancels the selected running one.

use crate::tui::app::App;
use crate::tui::jobs::{Job, JobStatus};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Gauge, Paragraph, Wrap};

/// Rows one job takes: title and status, gauge.
const JOB_H: u16 = 2;

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let block = super::block(" Jobs · x cancel the selected job ", true, t);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if app.jobs.is_empty() {
        let lines = vec![
            Line::styled("No jobs.", t.header()),
            Line::raw(""),
            Line::styled(
                "R refreshes this region's price book from the AWS Price List API; it runs here with its progress, and x cancels it.",
                t.muted(),
            ),
        ];
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
        return;
    }
    // Keep the selected job in view: show the window of jobs ending at or after it.
    let fit = (inner.height / JOB_H).max(1) as usize;
    let first = app.sel.job.saturating_sub(fit - 1);
    let mut y = inner.y;
    for (i, job) in app.jobs.iter().enumerate().skip(first).take(fit) {
        let row = Rect::new(inner.x, y, inner.width, JOB_H.min(inner.bottom() - y));
        render_job(frame, row, app, job, i == app.sel.job);
        y += JOB_H;
    }
}

fn render_job(frame: &mut Frame, area: Rect, app: &App, job: &Job, selected: bool) {
    let t = &app.theme;
    let [top, gauge] = area.layout(&Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
    ]));
    let (status, style) = match &job.status {
        JobStatus::Running if job.cancelling => ("cancelling".to_string(), t.warn()),
        JobStatus::Running => ("running".to_string(), t.accent()),
        JobStatus::Done(_) => ("done".to_string(), t.good()),
        JobStatus::Failed(_) => ("failed".to_string(), t.error()),
        JobStatus::Cancelled => ("cancelled".to_string(), t.muted()),
    };
    let detail = match &job.status {
        JobStatus::Running => job.note.clone(),
        JobStatus::Done(m) | JobStatus::Failed(m) => m.clone(),
        JobStatus::Cancelled => String::new(),
    };
    let marker = if selected { "▶ " } else { "  " };
    let title_style = if selected { t.selected() } else { t.header() };
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(marker, t.accent()),
            Span::styled(job.title.clone(), title_style),
            Span::raw("  "),
            Span::styled(status, style),
            Span::raw("  "),
            Span::styled(detail, t.muted()),
        ])),
        top,
    );
    let ratio = match job.status {
        JobStatus::Done(_) => 1.0,
        _ => f64::from(job.progress.unwrap_or(0.0)).clamp(0.0, 1.0),
    };
    let label = match (job.progress, &job.status) {
        (_, JobStatus::Done(_)) => "100%".to_string(),
        (_, JobStatus::Failed(_) | JobStatus::Cancelled) => String::new(),
        (Some(p), _) => format!("{:.0}%", p * 100.0),
        (None, _) => "…".to_string(),
    };
    let [_, bar] = gauge.layout(&Layout::horizontal([
        Constraint::Length(2),
        Constraint::Fill(1),
    ]));
    frame.render_widget(
        Gauge::default()
            .ratio(ratio)
            .label(label)
            .gauge_style(style),
        bar,
    );
}
