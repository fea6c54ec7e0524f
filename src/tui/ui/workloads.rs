//! The workload list: every profile's workloads, invalid profiles with their error.

use super::Widgets;
use crate::tui::app::{App, Focus, Mode, Row, Tab};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem};

/// Lines the list wants: rows, a heading per profile, borders, and the filter line.
pub fn height(app: &App) -> u16 {
    let mut docs: Vec<usize> = app.rows.iter().map(|r| r.doc()).collect();
    docs.dedup();
    let filter = u16::from(!app.filter.is_empty() || app.view.mode == Mode::Filter);
    (app.rows.len() + docs.len()) as u16 + 2 + filter
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, widgets: &mut Widgets) {
    let t = &app.theme;
    let focused = app.view.tab == Tab::Plan && app.view.focus == Focus::Workloads;
    let mut items: Vec<ListItem> = Vec::new();
    let mut selected_item = None;
    let mut last_doc = None;
    for (i, row) in app.rows.iter().enumerate() {
        let di = row.doc();
        let Some(doc) = app.docs.get(di) else {
            continue;
        };
        if last_doc != Some(di) {
            last_doc = Some(di);
            let name = doc.path.file_name().map_or_else(
                || doc.path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let modified = doc.state.as_ref().is_ok_and(|l| l.modified());
            let mut spans = vec![Span::styled(name, t.muted())];
            if modified {
                spans.push(Span::styled(" ●", t.modified()));
            }
            items.push(ListItem::new(Line::from(spans)));
        }
        if i == app.sel.row {
            selected_item = Some(items.len());
        }
        let line = match row {
            Row::Workload { wi, .. } => {
                let (name, kind) = doc
                    .state
                    .as_ref()
                    .ok()
                    .and_then(|l| l.edited.workloads.get(*wi))
                    .map(|w| (w.name.clone(), w.kind().as_str()))
                    .unwrap_or_default();
                Line::from(vec![
                    Span::raw(format!(" {name} ")),
                    Span::styled(kind, t.muted()),
                ])
            }
            Row::Invalid { .. } => Line::from(vec![Span::styled(" ✗ invalid profile", t.error())]),
        };
        items.push(ListItem::new(line));
    }
    let title = format!(" Workloads ({}) ", app.rows.len());
    let mut block = super::block(title, focused, t);
    if !app.filter.is_empty() || app.view.mode == Mode::Filter {
        let cursor = if app.view.mode == Mode::Filter {
            "▏"
        } else {
            ""
        };
        block = block.title_bottom(Line::styled(
            format!(" /{}{cursor} ", app.filter),
            t.accent(),
        ));
    }
    if items.is_empty() {
        items.push(ListItem::new(Line::styled(" no match", t.muted())));
    }
    widgets.workloads.select(selected_item);
    let list = List::new(items)
        .block(block)
        .highlight_symbol("▶")
        .highlight_style(if focused { t.selected() } else { t.header() });
    frame.render_stateful_widget(list, area, &mut widgets.workloads);
}
