//! The Jobs tab: every background job (price refresh, calibration) with a gauge and its
//! status; `x` cancels the selected running one.

use crate::tui::app::App;
use crate::tui::jobs::{Job, JobStatus};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Gauge, Paragraph, Wrap};

use super::text_width;

/// Most rows a job's note wraps to when it does not fit beside the title.
const NOTE_ROWS: u16 = 3;

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
    // Keep the selected job in view: the jobs before it that fit above it, then as many after.
    let heights: Vec<u16> = app.jobs.iter().map(|j| height(j, inner.width)).collect();
    let sel = app.sel.job.min(app.jobs.len() - 1);
    let mut first = sel;
    let mut used = heights[sel];
    while first > 0 && used + heights[first - 1] <= inner.height {
        used += heights[first - 1];
        first -= 1;
    }
    let mut y = inner.y;
    for (i, job) in app.jobs.iter().enumerate().skip(first) {
        if y >= inner.bottom() {
            break;
        }
        let row = Rect::new(inner.x, y, inner.width, heights[i].min(inner.bottom() - y));
        render_job(frame, row, app, job, i == app.sel.job);
        y += heights[i];
    }
}

/// The job's status word and what it says (its note, or the outcome's message).
fn status(job: &Job) -> (&'static str, String) {
    match &job.status {
        JobStatus::Running if job.cancelling => ("cancelling", job.note.clone()),
        JobStatus::Running => ("running", job.note.clone()),
        JobStatus::Done(m) => ("done", m.clone()),
        JobStatus::Failed(m) => ("failed", m.clone()),
        JobStatus::Cancelled => ("cancelled", String::new()),
    }
}

/// The title line's text before the note: marker, title, status and their gaps.
fn head_width(job: &Job) -> u16 {
    let (word, _) = status(job);
    text_width(&job.title)
        .saturating_add(text_width(word))
        .saturating_add(6)
}

/// Rows of the note under the title line: none when it fits beside the title, else as many
/// as it wraps to (indented by 2), at most [`NOTE_ROWS`].
fn note_rows(job: &Job, width: u16) -> u16 {
    let (_, note) = status(job);
    let w = text_width(&note);
    if w == 0 || head_width(job).saturating_add(w) <= width {
        return 0;
    }
    wrapped_rows(&note, width.saturating_sub(2).max(1)).clamp(1, NOTE_ROWS)
}

/// Rows `text` takes wrapped at word boundaries into `room` columns, as the paragraph wraps
/// it (a word longer than a row is broken across rows).
fn wrapped_rows(text: &str, room: u16) -> u16 {
    let mut rows = 1u16;
    let mut used = 0u16;
    for word in text.split_whitespace() {
        let w = text_width(word);
        let need = if used == 0 {
            w
        } else {
            used.saturating_add(1).saturating_add(w)
        };
        if need <= room {
            used = need;
        } else if w <= room {
            rows = rows.saturating_add(1);
            used = w;
        } else {
            // Broken across rows: what is left over starts the last one.
            let start = if used == 0 { 0 } else { 1 };
            rows = rows.saturating_add(start + (w - 1) / room);
            used = (w - 1) % room + 1;
        }
    }
    rows
}

/// Rows one job takes: title and status (with the note when it fits), the note's own rows,
/// the gauge.
fn height(job: &Job, width: u16) -> u16 {
    2 + note_rows(job, width)
}

fn render_job(frame: &mut Frame, area: Rect, app: &App, job: &Job, selected: bool) {
    let t = &app.theme;
    let rows = note_rows(job, area.width);
    let [top, note_area, gauge] = area.layout(&Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(rows),
        Constraint::Length(1),
    ]));
    let (word, note) = status(job);
    let style = match &job.status {
        JobStatus::Running if job.cancelling => t.warn(),
        JobStatus::Running => t.accent(),
        JobStatus::Done(_) => t.good(),
        JobStatus::Failed(_) => t.error(),
        JobStatus::Cancelled => t.muted(),
    };
    let marker = if selected { "▶ " } else { "  " };
    let title_style = if selected { t.selected() } else { t.header() };
    let mut head = vec![
        Span::styled(marker, t.accent()),
        Span::styled(job.title.clone(), title_style),
        Span::raw("  "),
        Span::styled(word, style),
    ];
    if rows == 0 {
        head.push(Span::raw("  "));
        head.push(Span::styled(note, t.muted()));
    } else {
        let [_, text] = note_area.layout(&Layout::horizontal([
            Constraint::Length(2),
            Constraint::Fill(1),
        ]));
        frame.render_widget(
            Paragraph::new(Line::styled(note, t.muted())).wrap(Wrap { trim: true }),
            text,
        );
    }
    frame.render_widget(Paragraph::new(Line::from(head)), top);
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

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::buffer::Buffer;
    use ratatui::widgets::Widget;

    /// Rows the paragraph really fills when it wraps `text` into `room` columns.
    fn rendered_rows(text: &str, room: u16) -> u16 {
        let area = Rect::new(0, 0, room, 20);
        let mut buf = Buffer::empty(area);
        Paragraph::new(Line::raw(text.to_string()))
            .wrap(Wrap { trim: true })
            .render(area, &mut buf);
        (0..area.height)
            .filter(|&y| (0..room).any(|x| buf[(x, y)].symbol() != " "))
            .map(|y| y + 1)
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn wrapped_rows_counts_rows_as_the_paragraph_wraps_them() {
        let note = "512 MB ✓ 1,441 ms, 1 error · 1024 MB 7/20, 2 throttled · 2048 MB";
        for text in [
            note,
            "aaa bbb ccc",
            "a-very-long-word-with-no-spaces-at-all and then some",
            "one",
        ] {
            for room in [4u16, 7, 10, 16, 24, 40, 76] {
                assert_eq!(
                    wrapped_rows(text, room),
                    rendered_rows(text, room),
                    "{text:?} in {room}"
                );
            }
        }
    }
}
