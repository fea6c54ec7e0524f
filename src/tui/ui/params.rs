//! The parameter pane: the selected workload's knobs and the platform knobs, with the
//! modified marker, the value being typed, and the reason a value was refused.

use super::Widgets;
use crate::tui::app::{App, Focus, Mode, Tab};
use crate::tui::params::Group;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};

pub fn render(frame: &mut Frame, area: Rect, app: &App, widgets: &mut Widgets) {
    let t = &app.theme;
    let focused = app.view.tab == Tab::Plan && app.view.focus == Focus::Params;
    let params = app.params();
    let Some((loaded, wi, _)) = app.selected() else {
        frame.render_widget(
            Paragraph::new(Line::styled(" select a workload", t.muted())).block(super::block(
                " Parameters ",
                focused,
                t,
            )),
            area,
        );
        return;
    };
    let editing = app.view.mode == Mode::Editing;
    let groups = App::param_groups(&params);
    let mut rows: Vec<Row> = Vec::new();
    let mut selected_row = None;
    let value_w: u16 = 12;
    for (i, p) in params.iter().enumerate() {
        if let Some((_, g)) = groups.iter().find(|(at, _)| *at == i) {
            let (heading, note) = match g {
                Group::Workload => ("workload", ""),
                Group::Platforms => ("platforms", "shared"),
            };
            rows.push(Row::new(vec![
                Cell::from(""),
                Cell::from(Span::styled(heading, t.muted())),
                Cell::from(Line::styled(note, t.muted()).right_aligned()),
            ]));
        }
        let sel = i == app.sel.param;
        if sel {
            selected_row = Some(rows.len());
        }
        let modified = app.param_modified(*p);
        let mark = if modified {
            Span::styled("*", t.modified())
        } else {
            Span::raw(" ")
        };
        let value = if sel && editing {
            Line::from(Span::styled(format!("{}▏", app.input), t.accent())).right_aligned()
        } else {
            let v = p.value(&loaded.edited, wi);
            let style = if modified { t.modified() } else { t.base() };
            Line::from(Span::styled(v, style)).right_aligned()
        };
        rows.push(Row::new(vec![
            Cell::from(mark),
            Cell::from(p.label_for(loaded.edited.workloads[wi].kind())),
            Cell::from(value),
        ]));
    }
    let changed = params.iter().filter(|p| app.param_modified(**p)).count();
    let name = loaded
        .edited
        .workloads
        .get(wi)
        .map_or("", |w| w.name.as_str());
    let title = if changed > 0 {
        Line::from(vec![
            Span::raw(format!(" Parameters · {name} ")),
            Span::styled(format!("{changed}* "), t.modified()),
        ])
    } else {
        Line::raw(format!(" Parameters · {name} "))
    };
    let block = super::block(title, focused, t);
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let note = if let Some(r) = &app.refusal {
        Some(Line::styled(format!("✗ {r}"), t.error()))
    } else if editing {
        app.param().map(|p| {
            Line::styled(
                format!("type {} · Enter apply · Esc cancel", p.hint()),
                t.muted(),
            )
        })
    } else {
        None
    };
    let note_h = if note.is_some() {
        2.min(inner.height / 2)
    } else {
        0
    };
    let [table_area, note_area] = inner.layout(&Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(note_h),
    ]));
    widgets.params.select(selected_row);
    let table = Table::new(
        rows,
        [
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(value_w),
        ],
    )
    .column_spacing(0)
    .row_highlight_style(if focused { t.selected() } else { t.header() });
    frame.render_stateful_widget(table, table_area, &mut widgets.params);
    if let Some(n) = note {
        frame.render_widget(Paragraph::new(n).wrap(Wrap { trim: true }), note_area);
    }
}
