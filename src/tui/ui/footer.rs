//! The bottom line: a status message for a few seconds, else the keys that work here.

use crate::tui::app::{App, Mode, StatusKind};
use crate::tui::keymap;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    if let Some(s) = &app.status {
        let style = match s.kind {
            StatusKind::Info => t.good(),
            StatusKind::Error => t.error(),
        };
        frame.render_widget(
            Paragraph::new(Line::styled(format!(" {}", s.text), style)),
            area,
        );
        return;
    }
    let width = area.width as usize;
    let help = "? help ";
    let mut spans: Vec<Span> = vec![Span::raw(" ")];
    let mut used = 1 + help.len();
    if app.view.mode == Mode::Filter {
        spans.push(Span::styled("filter: type to narrow  ", t.muted()));
        used += 23;
    }
    let contexts = app.contexts();
    for (keys, hint) in keymap::hints(&contexts) {
        if hint == "help" {
            continue;
        }
        let len = keys.chars().count() + 1 + hint.chars().count() + 2;
        if used + len > width {
            break;
        }
        used += len;
        spans.push(Span::styled(keys, t.key()));
        spans.push(Span::styled(format!(" {hint}  "), t.muted()));
    }
    let show_help = contexts.contains(&keymap::Context::Global);
    if show_help {
        let pad = width.saturating_sub(used);
        spans.push(Span::raw(" ".repeat(pad)));
        spans.push(Span::styled("?", t.key()));
        spans.push(Span::styled(" help ", t.muted()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
