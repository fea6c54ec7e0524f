//! Drawing: `render` reads the app state and draws one frame. One file per screen region.
//! `state` is read-only; `Widgets` is `&mut` only because ratatui moves scroll offsets.

mod breakdown;
mod calibration;
mod chart;
mod footer;
mod header;
mod jobs;
mod overlay;
mod params;
mod results;
mod workloads;

use super::app::{App, Mode, Overlay, Row, Tab};
use super::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, ListState, Paragraph, TableState, Tabs, Wrap};

/// The smallest terminal the layout is made for.
pub const MIN_SIZE: (u16, u16) = (80, 24);

/// ratatui's scroll state for the lists and tables.
#[derive(Debug, Default)]
pub struct Widgets {
    pub workloads: ListState,
    pub params: TableState,
    pub platforms: TableState,
    pub breakdown: TableState,
    pub palette: ListState,
}

pub fn render(frame: &mut Frame, app: &App, widgets: &mut Widgets) {
    let area = frame.area();
    let theme = &app.theme;
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        let msg = format!(
            "terminal too small (need {}x{}, have {}x{})",
            MIN_SIZE.0, MIN_SIZE.1, area.width, area.height
        );
        let y = area.height / 2;
        let line = Rect::new(area.x, area.y + y, area.width, 1.min(area.height));
        frame.render_widget(Paragraph::new(msg).style(theme.warn()).centered(), line);
        return;
    }
    let [head, tabs, body, foot] = area.layout(&Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ]));
    header::render(frame, head, app);
    render_tabs(frame, tabs, app, theme);
    match app.view.tab {
        Tab::Plan => render_plan(frame, body, app, widgets),
        Tab::Breakdown => breakdown::render(frame, body, app, widgets),
        Tab::Jobs => jobs::render(frame, body, app),
    }
    footer::render(frame, foot, app);
    match &app.view.overlay {
        Overlay::None => {}
        Overlay::Help => overlay::help(frame, area, app),
        Overlay::Prompt(kind) => overlay::prompt(frame, area, app, *kind),
        Overlay::Confirm(q) => overlay::confirm(frame, area, app, q),
    }
    if app.view.mode == Mode::Palette {
        overlay::palette(frame, area, app, widgets);
    }
}

fn render_tabs(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let titles = Tab::ALL.iter().enumerate().map(|(i, t)| {
        Line::from(vec![
            Span::styled(format!("{}", i + 1), theme.key()),
            Span::raw(format!(" {}", t.title())),
        ])
    });
    let selected = Tab::ALL.iter().position(|t| *t == app.view.tab);
    frame.render_widget(
        Tabs::new(titles)
            .select(selected)
            .highlight_style(theme.selected())
            .divider(" ")
            .padding(" ", " "),
        area,
    );
}

fn render_plan(frame: &mut Frame, area: Rect, app: &App, widgets: &mut Widgets) {
    let left_w = if area.width >= 140 {
        40
    } else if area.width >= 110 {
        34
    } else {
        29
    };
    let [left, right] = area.layout(&Layout::horizontal([
        Constraint::Length(left_w),
        Constraint::Fill(1),
    ]));
    let list_h = workloads::height(app).min(left.height / 2).max(4);
    let [list, params] = left.layout(&Layout::vertical([
        Constraint::Length(list_h),
        Constraint::Fill(1),
    ]));
    workloads::render(frame, list, app, widgets);
    params::render(frame, params, app, widgets);

    if let Some(Row::Invalid { doc }) = app.row() {
        let text = app
            .docs
            .get(doc)
            .and_then(|d| d.state.as_ref().err().cloned())
            .unwrap_or_default();
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(app.theme.border(false))
            .title(Span::styled(" Invalid profile ", app.theme.error()));
        let mut lines = vec![Line::styled(
            "This profile did not load; the others still work. Fix the file, then Ctrl-r.",
            app.theme.muted(),
        )];
        lines.extend(
            text.lines()
                .map(|l| Line::styled(l.to_string(), app.theme.error())),
        );
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(block),
            right,
        );
        return;
    }

    let rec_h = if right.height >= 36 {
        9
    } else if right.height >= 26 {
        7
    } else {
        5
    };
    let [table, rec, charts] = right.layout(&Layout::vertical([
        Constraint::Length(7),
        Constraint::Length(rec_h),
        Constraint::Fill(1),
    ]));
    results::table(frame, table, app, widgets);
    results::recommendation(frame, rec, app);
    if charts.width >= 100 {
        let [a, b] = charts.layout(&Layout::horizontal([
            Constraint::Fill(1),
            Constraint::Fill(1),
        ]));
        chart::cost(frame, a, app);
        chart::traffic(frame, b, app);
    } else if charts.height >= 20 {
        let [a, b] = charts.layout(&Layout::vertical([
            Constraint::Fill(1),
            Constraint::Fill(1),
        ]));
        chart::cost(frame, a, app);
        chart::traffic(frame, b, app);
    } else {
        match app.view.chart {
            super::app::ChartKind::Cost => chart::cost(frame, charts, app),
            super::app::ChartKind::Traffic => chart::traffic(frame, charts, app),
        }
    }
}

/// A bordered block with the theme's focused/unfocused styles.
/// Columns `s` takes on screen.
pub(crate) fn text_width(s: &str) -> u16 {
    u16::try_from(s.chars().count()).unwrap_or(u16::MAX)
}

/// The blank columns between a table's columns of `widths`: two where they fit in
/// `area_width` (the borders and the "▶" highlight take 3), else one.
pub(crate) fn column_spacing(widths: &[u16], area_width: u16) -> u16 {
    let gaps = u16::try_from(widths.len().saturating_sub(1)).unwrap_or(u16::MAX);
    let used = widths.iter().fold(0u16, |a, w| a.saturating_add(*w));
    if used.saturating_add(2 * gaps + 3) <= area_width {
        2
    } else {
        1
    }
}

pub(crate) fn block<'a>(title: impl Into<Line<'a>>, focused: bool, theme: &Theme) -> Block<'a> {
    let title: Line<'a> = title.into();
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(focused))
        .title(title.style(theme.title(focused)))
}
