//! The breakdown tab: every line item of one option with quantity, unit price and source.

use super::Widgets;
use crate::format;
use crate::model::{Platform, Status};
use crate::tui::app::App;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};

pub fn render(frame: &mut Frame, area: Rect, app: &App, widgets: &mut Widgets) {
    let t = &app.theme;
    let Some((_, _, wp)) = app.selected() else {
        frame.render_widget(
            Paragraph::new(Line::styled(
                "select a valid workload on the Plan tab",
                t.muted(),
            ))
            .block(super::block(" Breakdown ", true, t)),
            area,
        );
        return;
    };
    let platform = app.platform();
    let Some(o) = wp.options.iter().find(|o| o.platform == platform) else {
        return;
    };
    // A calibrated workload also shows what was measured, between the items and the detail.
    let calibrated = super::calibration::selected(app).is_some();
    // Tall: the items take what they need and the calibration the rest; small: the items
    // scroll above a compact calibration.
    let items_h = o.cost_breakdown.len() as u16 + 4;
    let (table_c, cal_c, detail_h) = match (calibrated, area.height >= 40) {
        (false, _) => (Constraint::Fill(1), Constraint::Length(0), 7),
        (true, true) => (
            Constraint::Length(items_h.clamp(6, area.height / 3)),
            Constraint::Fill(1),
            7,
        ),
        (true, false) => (Constraint::Fill(1), Constraint::Length(10), 4),
    };
    let [picker, table_area, cal_area, detail] = area.layout(&Layout::vertical([
        Constraint::Length(1),
        table_c,
        cal_c,
        Constraint::Length(detail_h),
    ]));
    if calibrated {
        super::calibration::render(frame, cal_area, app);
    }
    let mut spans = vec![Span::styled(format!(" {} · ", wp.name), t.header())];
    for p in Platform::ALL {
        let style = if p == platform {
            t.selected()
        } else {
            t.muted()
        };
        spans.push(Span::styled(format!(" {} ", p.label()), style));
    }
    spans.push(Span::styled("  ←/→ platform", t.muted()));
    frame.render_widget(Paragraph::new(Line::from(spans)), picker);

    let wide = area.width >= 120;
    // The figures as text first, so each column can be as wide as its widest entry (a
    // right-aligned quantity cut to fit would lose its leading digits).
    let texts: Vec<[String; 5]> = o
        .cost_breakdown
        .iter()
        .map(|l| {
            [
                l.item.clone(),
                format::quantity_value(l.quantity, &l.unit),
                l.unit.clone(),
                format::unit_price(l.unit_price_usd),
                format::money(l.cost_usd),
            ]
        })
        .collect();
    let rows: Vec<Row> = o
        .cost_breakdown
        .iter()
        .zip(&texts)
        .map(|(l, [item, quantity, unit, price, cost])| {
            let mut cells = vec![
                Cell::from(item.clone()),
                Cell::from(Line::from(quantity.clone()).right_aligned()),
                Cell::from(unit.clone()),
                Cell::from(Line::from(price.clone()).right_aligned()),
                Cell::from(Line::from(cost.clone()).right_aligned()),
            ];
            if wide {
                cells.push(Cell::from(Span::styled(l.source.clone(), t.muted())));
            }
            Row::new(cells)
        })
        .collect();
    let mut header = vec!["Item", "Quantity", "Unit", "Unit price [$]", "Cost [$/mo]"];
    let total_text = format::money(o.monthly_cost_usd);
    let widths: Vec<u16> = header
        .iter()
        .enumerate()
        .map(|(k, h)| {
            texts
                .iter()
                .map(|row| super::text_width(&row[k]))
                .chain([super::text_width(h)])
                .chain((k == 4).then(|| super::text_width(&total_text)))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let spacing = super::column_spacing(&widths, table_area.width);
    let mut widths: Vec<Constraint> = widths.into_iter().map(Constraint::Length).collect();
    if wide {
        header.push("Source");
        widths.push(Constraint::Fill(1));
    }
    let total = Row::new(vec![
        Cell::from(Span::styled("total", t.header())),
        Cell::from(""),
        Cell::from(""),
        Cell::from(""),
        Cell::from(Line::styled(total_text, t.header()).right_aligned()),
    ]);
    let empty = rows.is_empty();
    let mut all = rows;
    if !empty {
        all.push(total);
    }
    widgets.breakdown.select((!empty).then_some(app.sel.line));
    // Bought other than on demand: the purchase and the on-demand bill beside it.
    let bought = o
        .purchase
        .as_ref()
        .map(|b| {
            format!(
                " as {} (on demand {})",
                b.purchase.as_str(),
                format::usd(b.on_demand_monthly_cost_usd)
            )
        })
        .unwrap_or_default();
    let title = if o.evaluated() {
        format!(
            " {} · {}{bought} · {} ",
            platform.label(),
            format::usd(o.monthly_cost_usd),
            o.status().label()
        )
    } else {
        format!(" {} · {} ", platform.label(), o.status().label())
    };
    let table = Table::new(all, widths)
        .header(
            Row::new(header.into_iter().enumerate().map(|(k, h)| {
                // Numbers are right-aligned, and so are their headers.
                if matches!(k, 1 | 3 | 4) {
                    Cell::from(Line::from(h).right_aligned())
                } else {
                    Cell::from(h)
                }
            }))
            .style(t.muted()),
        )
        .column_spacing(spacing)
        .block(super::block(title, true, t))
        .row_highlight_style(t.selected())
        .highlight_symbol("▶");
    frame.render_stateful_widget(table, table_area, &mut widgets.breakdown);
    if empty {
        let inner = table_area.inner(ratatui::layout::Margin::new(2, 2));
        frame.render_widget(
            Paragraph::new(Line::styled(
                match o.status() {
                    Status::Unpriced => {
                        "no line items: unpriced, the price book lacks a figure (see Detail)"
                    }
                    Status::Disabled => "no line items: disabled in the profile",
                    Status::Ok | Status::Infeasible => {
                        "no line items: this option was not evaluated (see Detail)"
                    }
                },
                t.muted(),
            )),
            inner,
        );
    }

    let mut lines: Vec<Line> = Vec::new();
    if let Some(l) = o.cost_breakdown.get(app.sel.line) {
        lines.push(Line::from(vec![
            Span::styled(format!("{}: ", l.item), t.header()),
            Span::styled(format!("source {}", l.source), t.muted()),
        ]));
    }
    if !o.config.is_empty() {
        let cfg = o
            .config
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k}={}",
                    v.as_str().map_or_else(|| v.to_string(), str::to_string)
                )
            })
            .collect::<Vec<_>>()
            .join("  ");
        lines.push(Line::from(vec![
            Span::styled("config ", t.header()),
            Span::raw(cfg),
        ]));
    }
    for r in &o.risks {
        lines.push(Line::styled(
            format!("• {r}"),
            match o.status() {
                Status::Ok | Status::Unpriced => t.warn(),
                Status::Infeasible => t.error(),
                Status::Disabled => t.muted(),
            },
        ));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(super::block(" Detail ", false, t)),
        detail,
    );
}
