//! The selected workload's calibration (its sidecar, merged into `Workload.calibration`):
//! measured duration (p50, p99) and cost per million invocations against memory, with the
//! fitted curve drawn over the measured points, and on wide screens the measured sizes as a
//! table. Fitted costs come from `calibrate::analysis::fitted` (the model's Lambda bill).

use crate::calibrate::analysis;
use crate::format;
use crate::profile::Calibration;
use crate::tui::app::App;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Cell, Chart, Dataset, GraphType, LegendPosition, Paragraph, Row, Table,
};

/// Points on a fitted curve.
const CURVE_POINTS: u32 = 96;

/// The selected workload's calibration, if it has one.
pub fn selected(app: &App) -> Option<&Calibration> {
    let (l, wi, _) = app.selected()?;
    l.edited.workloads.get(wi)?.calibration.as_ref()
}

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let Some((l, wi, _)) = app.selected() else {
        return;
    };
    let Some(w) = l.edited.workloads.get(wi) else {
        return;
    };
    let Some(cal) = &w.calibration else {
        return;
    };
    let title = format!(
        " Calibration · {} · {} invocations ",
        cal.date,
        format::count(cal.invocations as f64)
    );
    let block = super::block(title, false, t);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [head, body] = inner.layout(&Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
    ]));
    let wide = body.width >= 120;
    let mut head_text = match &cal.fit {
        Some(f) => format!(
            "fit: {} ms + {} ms CPU / min(MB/1769, {}) · RMSE {} ms",
            format::ms(f.io_ms),
            format::ms(f.cpu_ms),
            f.threads,
            format::ms(f.rmse_ms),
        ),
        None => "no fit: the sizes measured cannot separate I/O from CPU".to_string(),
    };
    if wide {
        head_text.push_str(&format!(" · {}", cal.function));
    } else {
        // The charts are too small for their legends.
        head_text.push_str(" · • p50 ▄ p99 ⠤ fit");
    }
    frame.render_widget(Paragraph::new(Line::styled(head_text, t.muted())), head);
    if cal.sizes.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled("no size was measured", t.muted())),
            body,
        );
        return;
    }

    let (x0, x1) = memory_range(cal);
    let curve = cal.fit.as_ref().and_then(|f| {
        analysis::fitted(
            f,
            cal.architecture,
            l.edited.platforms.lambda.ephemeral_storage_mb,
            &l.book.book,
            &curve_sizes(x0, x1, f.threads),
        )
        .ok()
    });
    let (charts, table) = if wide {
        let [c, tb] = body.layout(&Layout::horizontal([
            Constraint::Fill(1),
            Constraint::Length(44),
        ]));
        (c, Some(tb))
    } else {
        (body, None)
    };
    let [dur, cost] =
        charts.layout(&Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).spacing(2));
    let fit_dur: Vec<(f64, f64)> = curve
        .iter()
        .flatten()
        .map(|p| (f64::from(p.memory_mb), p.duration_ms))
        .collect();
    let fit_cost: Vec<(f64, f64)> = curve
        .iter()
        .flatten()
        .map(|p| (f64::from(p.memory_mb), p.cost_per_invocation_usd * 1e6))
        .collect();
    let p50: Vec<(f64, f64)> = cal
        .sizes
        .iter()
        .map(|s| (f64::from(s.memory_mb), s.p50_ms))
        .collect();
    let p99: Vec<(f64, f64)> = cal
        .sizes
        .iter()
        .filter(|s| s.p99_ms > 0.0)
        .map(|s| (f64::from(s.memory_mb), s.p99_ms))
        .collect();
    let measured_cost: Vec<(f64, f64)> = cal
        .sizes
        .iter()
        .map(|s| (f64::from(s.memory_mb), s.cost_per_million_usd))
        .collect();

    let mut datasets = Vec::new();
    if !fit_dur.is_empty() {
        datasets.push(line("fit", &fit_dur, t.accent()));
    }
    if !p99.is_empty() {
        datasets.push(points("p99", &p99, Marker::Bar, t.warn()));
    }
    datasets.push(points("p50", &p50, Marker::Dot, t.header()));
    let ymax = top(&[&fit_dur, &p50, &p99]);
    frame.render_widget(
        chart(datasets, (x0, x1), ymax, "ms", t, format::ms)
            .legend_position(Some(LegendPosition::TopRight)),
        dur,
    );

    let mut datasets = Vec::new();
    if !fit_cost.is_empty() {
        datasets.push(line("fit", &fit_cost, t.accent()));
    }
    datasets.push(points("measured", &measured_cost, Marker::Dot, t.header()));
    let ymax = top(&[&fit_cost, &measured_cost]);
    frame.render_widget(
        chart(datasets, (x0, x1), ymax, "$/M inv.", t, |v| {
            format!("${}", format::decimal(v, 2))
        })
        .legend_position(Some(LegendPosition::TopLeft)),
        cost,
    );

    if let Some(area) = table {
        sizes_table(frame, area, cal, t);
    }
}

/// The memory axis: the measured sizes with a margin, in steps of 64 MB, within Lambda's
/// range.
fn memory_range(cal: &Calibration) -> (f64, f64) {
    let lo = cal.sizes.iter().map(|s| s.memory_mb).min().unwrap_or(128);
    let hi = cal
        .sizes
        .iter()
        .map(|s| s.memory_mb)
        .max()
        .unwrap_or(10_240);
    let margin = (hi.saturating_sub(lo)).max(lo) / 16;
    let x0 = (lo.saturating_sub(margin) / 64 * 64).max(128);
    let x1 = (hi + margin).div_ceil(64).saturating_mul(64).min(10_240);
    (f64::from(x0), f64::from(x1.max(x0 + 64)))
}

/// Memory sizes to draw the fitted curve at: evenly spread, plus the knee where the CPU part
/// stops speeding up (threads × 1,769 MB).
fn curve_sizes(x0: f64, x1: f64, threads: u32) -> Vec<u32> {
    let mut sizes: Vec<u32> = (0..=CURVE_POINTS)
        .map(|i| (x0 + (x1 - x0) * f64::from(i) / f64::from(CURVE_POINTS)).round() as u32)
        .collect();
    let knee = (crate::model::lambda::MB_PER_VCPU * f64::from(threads.max(1))).ceil();
    if (x0..=x1).contains(&knee) {
        sizes.push(knee as u32);
    }
    sizes.sort_unstable();
    sizes.dedup();
    sizes
}

/// The y axis's top: a round number above every value.
fn top(series: &[&Vec<(f64, f64)>]) -> f64 {
    let max = series
        .iter()
        .flat_map(|s| s.iter().map(|p| p.1))
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::max)
        * 1.05;
    if max <= 0.0 {
        return 1.0;
    }
    let unit = 10f64.powf(max.log10().floor());
    let step = [1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0]
        .into_iter()
        .find(|k| k * unit >= max)
        .unwrap_or(10.0);
    step * unit
}

fn line<'a>(name: &'a str, data: &'a [(f64, f64)], style: ratatui::style::Style) -> Dataset<'a> {
    Dataset::default()
        .name(name)
        .marker(Marker::Braille)
        .graph_type(GraphType::Line)
        .style(style)
        .data(data)
}

fn points<'a>(
    name: &'a str,
    data: &'a [(f64, f64)],
    marker: Marker,
    style: ratatui::style::Style,
) -> Dataset<'a> {
    Dataset::default()
        .name(name)
        .marker(marker)
        .graph_type(GraphType::Scatter)
        .style(style)
        .data(data)
}

fn chart<'a>(
    datasets: Vec<Dataset<'a>>,
    (x0, x1): (f64, f64),
    ymax: f64,
    unit: &'a str,
    t: &Theme,
    label: impl Fn(f64) -> String,
) -> Chart<'a> {
    Chart::new(datasets)
        .hidden_legend_constraints((Constraint::Percentage(50), Constraint::Percentage(60)))
        .x_axis(
            Axis::default()
                .title(Span::styled("MB", t.muted()))
                .style(t.muted())
                .bounds([x0, x1])
                .labels([Span::raw(format::count(x0)), Span::raw(format::count(x1))]),
        )
        .y_axis(
            Axis::default()
                .title(Span::styled(unit, t.muted()))
                .style(t.muted())
                .bounds([0.0, ymax])
                .labels([
                    Span::raw("0"),
                    Span::raw(label(ymax / 2.0)),
                    Span::raw(label(ymax)),
                ]),
        )
}

fn sizes_table(frame: &mut Frame, area: Rect, cal: &Calibration, t: &Theme) {
    let right = |s: String| Cell::from(Line::from(s).right_aligned());
    let rows: Vec<Row> = cal
        .sizes
        .iter()
        .map(|s| {
            Row::new(vec![
                right(format::count(f64::from(s.memory_mb))),
                right(format::count(s.invocations as f64)),
                right(format::ms(s.p50_ms)),
                right(format::ms(s.p99_ms)),
                right(format::fixed(s.cost_per_million_usd, 2)),
                right(format::count((s.errors + s.timeouts) as f64)),
            ])
        })
        .collect();
    let header = Row::new(
        ["MB", "n", "p50 ms", "p99 ms", "$/M inv", "err"]
            .map(|h| Cell::from(Line::from(h).right_aligned())),
    )
    .style(t.muted());
    frame.render_widget(
        Table::new(
            rows,
            [
                Constraint::Length(6),
                Constraint::Length(4),
                Constraint::Length(7),
                Constraint::Length(7),
                Constraint::Length(8),
                Constraint::Length(4),
            ],
        )
        .header(header),
        area,
    );
}
