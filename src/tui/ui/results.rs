//! The four platforms side by side, and the recommendation with its reason and the risks.

use super::Widgets;
use crate::format;
use crate::model::{OptionPlan, Status};
use crate::tui::app::{App, Focus, Tab};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};

/// A short name for a capacity unit.
pub fn unit_short(unit: &str) -> &str {
    match unit {
        "concurrent executions" => "conc",
        "concurrent batches" => "batch",
        "instances" => "inst",
        "tasks" => "tasks",
        u => u.split_whitespace().next().unwrap_or(""),
    }
}

pub fn table(frame: &mut Frame, area: Rect, app: &App, widgets: &mut Widgets) {
    let t = &app.theme;
    let focused = app.view.tab == Tab::Plan && app.view.focus == Focus::Platforms;
    let Some((loaded, _, wp)) = app.selected() else {
        return;
    };
    let wide = area.width >= 90;
    let header: Vec<&str> = if wide {
        vec![
            "Platform",
            "Cost [$/mo]",
            "p50 [ms]",
            "p99 [ms]",
            "Peak capacity",
            "Feasible",
        ]
    } else {
        vec!["Platform", "Cost $/mo", "p50 ms", "p99 ms", "Peak", "OK"]
    };
    let rec = wp.recommendation.platform;
    // The figures as text first: each column is as wide as its widest entry, so a number is
    // never cut (a right-aligned cell that is too narrow loses its leading digits).
    let figures: Vec<[String; 4]> = wp
        .options
        .iter()
        .map(|o| {
            if !o.evaluated() {
                // An unpriced or disabled option says so where its cost would be.
                let status = o.status();
                std::array::from_fn(|k| match status {
                    Status::Unpriced | Status::Disabled if k == 0 => status.label().to_string(),
                    Status::Ok | Status::Infeasible | Status::Unpriced | Status::Disabled => {
                        format::NOT_A_NUMBER.to_string()
                    }
                })
            } else {
                [
                    format::money(o.monthly_cost_usd),
                    format::ms_or_unbounded(o.latency_ms.p50, o.backlog_grows()),
                    format::ms_or_unbounded(o.latency_ms.p99, o.backlog_grows()),
                    capacity(o),
                ]
            }
        })
        .collect();
    let rows: Vec<Row> = wp
        .options
        .iter()
        .zip(&figures)
        .map(|(o, texts)| {
            let star = if Some(o.platform) == rec {
                "★ "
            } else {
                "  "
            };
            let name = if wide {
                o.platform.label()
            } else {
                o.platform.short()
            };
            let (ok, ok_style) = match o.status() {
                Status::Ok => ("✓", t.good()),
                Status::Infeasible => ("✗", t.error()),
                Status::Unpriced => ("?", t.warn()),
                Status::Disabled => ("–", t.muted()),
            };
            let mut cells = vec![Cell::from(Line::from(vec![
                Span::styled(star, t.accent()),
                Span::styled(name, t.platform(o.platform)),
            ]))];
            cells.extend(
                texts
                    .iter()
                    .map(|s| Cell::from(Line::from(s.clone()).right_aligned())),
            );
            cells.push(Cell::from(Line::styled(ok, ok_style).centered()));
            Row::new(cells)
        })
        .collect();
    let width = super::text_width;
    let name_width = wp
        .options
        .iter()
        .map(|o| {
            2 + width(if wide {
                o.platform.label()
            } else {
                o.platform.short()
            })
        })
        .max()
        .unwrap_or(0);
    let mut widths = vec![name_width.max(2 + width(header[0]))];
    for (k, h) in header.iter().enumerate().skip(1).take(4) {
        let widest = figures.iter().map(|f| width(&f[k - 1])).max().unwrap_or(0);
        widths.push(widest.max(width(h)));
    }
    widths.push(width(header[5]).max(2));
    let spacing = super::column_spacing(&widths, area.width);
    let widths: Vec<Constraint> = widths.into_iter().map(Constraint::Length).collect();
    widgets
        .platforms
        .select(focused.then_some(app.sel.platform));
    let tbl = Table::new(rows, widths)
        .header(
            Row::new(header.into_iter().enumerate().map(|(k, h)| {
                if k == 0 {
                    // Over the names, which follow the two columns of the "★ " mark.
                    Cell::from(format!("  {h}"))
                } else {
                    Cell::from(Line::from(h).right_aligned())
                }
            }))
            .style(t.muted()),
        )
        .block({
            let mut title = vec![Span::raw(format!(" {} · {} ", wp.name, wp.kind.as_str()))];
            if loaded.stale.is_some() {
                title.push(Span::styled("computing… ", t.warn()));
            }
            super::block(Line::from(title), focused, t)
        })
        .column_spacing(spacing)
        .row_highlight_style(t.selected())
        .highlight_symbol("▶");
    frame.render_stateful_widget(tbl, area, &mut widgets.platforms);
}

fn capacity(o: &OptionPlan) -> String {
    let u = unit_short(&o.capacity.unit);
    if u.is_empty() {
        format::count(o.capacity.peak)
    } else {
        format!("{} {u}", format::count(o.capacity.peak))
    }
}

pub fn recommendation(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let Some((_, _, wp)) = app.selected() else {
        return;
    };
    let r = &wp.recommendation;
    let mut lines: Vec<Line> = Vec::new();
    match r.platform {
        Some(p) => lines.push(Line::from(vec![
            Span::styled("★ ", t.accent()),
            Span::styled(p.label(), t.platform(p).patch(t.header())),
            Span::raw(" — "),
            Span::raw(r.reason.clone()),
        ])),
        None => lines.push(Line::from(vec![
            Span::styled("no feasible option — ", t.error()),
            Span::raw(r.reason.clone()),
        ])),
    }
    let unit = wp.kind.rate_unit();
    let mut rate = vec![Span::styled(
        format!("at {} {unit}", format::rps(wp.average_rps)),
        t.muted(),
    )];
    if let Some(be) = r.break_even() {
        rate.push(Span::styled(
            format!(
                " · break-even {} {unit}: {} below{}, {} above{}",
                format::rps(be.average_rps),
                be.cheaper_below.short(),
                if be.below_feasible {
                    ""
                } else {
                    " (✗ there)"
                },
                be.cheaper_above.short(),
                if be.above_feasible {
                    ""
                } else {
                    " (✗ there)"
                },
            ),
            t.muted(),
        ));
    }
    if let Some(b) = &r.band {
        let range = match (b.from_rps, b.to_rps) {
            (Some(f), Some(t)) => format!("from {} to {} {unit}", format::rps(f), format::rps(t)),
            (Some(f), None) => format!("from {} {unit} up", format::rps(f)),
            (None, Some(t)) => format!("up to {} {unit}", format::rps(t)),
            (None, None) => "at every charted rate".to_string(),
        };
        rate.push(Span::styled(
            format!(
                " · {}≈{} within 10% {range}",
                b.platforms[0].short(),
                b.platforms[1].short(),
            ),
            t.muted(),
        ));
    }
    lines.push(Line::from(rate));
    // What would change the answer: the nearest flips (computed with the cost curve).
    for s in wp
        .sensitivity
        .iter()
        .filter(|s| s.nearest().is_some())
        .take(3)
    {
        for f in [&s.down, &s.up].into_iter().flatten() {
            let to = f.to.map_or("nothing feasible", |p| p.label());
            lines.push(Line::from(vec![
                Span::styled("↯ ", t.accent()),
                Span::raw(match s.input {
                    crate::model::sensitivity::Input::Prices(_) => {
                        format!(
                            "{} ×{} → {to}",
                            s.input.label(wp.kind),
                            format::decimal(f.factor, 3)
                        )
                    }
                    _ => format!(
                        "{} {} → {to} (×{})",
                        s.input.label(wp.kind),
                        format::number(f.value),
                        format::number(f.factor)
                    ),
                }),
            ]));
        }
    }
    // Risks: the selected platform's first, then the others'.
    let sel = app.platform();
    let mut options: Vec<&OptionPlan> = wp.options.iter().collect();
    options.sort_by_key(|o| o.platform != sel);
    for o in options {
        for risk in &o.risks {
            let style = if o.feasible { t.warn() } else { t.muted() };
            lines.push(Line::from(vec![
                Span::styled(
                    format!("• {}: ", o.platform.short()),
                    t.platform(o.platform),
                ),
                Span::styled(risk.clone(), style),
            ]));
        }
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(super::block(" Recommendation & risks ", false, t)),
        area,
    );
}
