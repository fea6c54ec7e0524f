//! The top line: profile, region, price book age, jobs, the modified marker.

use crate::pricing;
use crate::tui::app::App;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let sep = || Span::styled(" · ", t.muted());
    let mut spans = vec![Span::styled(" planner", t.accent())];
    if let Some(doc) = app.doc() {
        spans.push(sep());
        let shown = if doc.builtin {
            format!("{} (built-in)", doc.path.display())
        } else {
            doc.path.display().to_string()
        };
        spans.push(Span::styled(shown, t.header()));
        if let Ok(l) = &doc.state {
            spans.push(sep());
            spans.push(Span::raw(l.edited.region.clone()));
            spans.push(sep());
            let made = &l.book.book.made;
            let age = pricing::age_days(made, app.today)
                .map(|d| format!(" ({d} d)"))
                .unwrap_or_default();
            let stale = l.book.book.staleness_warning(app.today).is_some();
            spans.push(Span::styled(
                format!("prices {made}{age}"),
                if stale { t.warn() } else { t.base() },
            ));
        }
    }
    spans.push(sep());
    match app.running_jobs() {
        0 => spans.push(Span::styled("no jobs", t.muted())),
        1 => spans.push(Span::styled("1 job", t.accent())),
        n => spans.push(Span::styled(format!("{n} jobs"), t.accent())),
    }
    let modified = app
        .doc()
        .and_then(|d| d.state.as_ref().ok())
        .is_some_and(|l| l.modified());
    let marker = if modified {
        let saved = app
            .doc()
            .and_then(|d| d.state.as_ref().ok())
            .is_some_and(|l| !l.unsaved());
        if saved {
            "● modified (saved) "
        } else {
            "● modified "
        }
    } else {
        ""
    };
    // One blank column between the line and the marker.
    let gap = if marker.is_empty() { 0 } else { 1 };
    let width = area
        .width
        .saturating_sub(marker.chars().count() as u16 + gap);
    frame.render_widget(
        Paragraph::new(Line::from(spans)),
        Rect::new(area.x, area.y, width, area.height),
    );
    if !marker.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled(marker, t.modified())).right_aligned(),
            area,
        );
    }
}
