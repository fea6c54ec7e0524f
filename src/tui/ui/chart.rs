//! Charts: monthly cost against average rate per platform (log x axis, the current rate and
//! the break-even marked), and the day's traffic with each option's capacity over it.

use crate::format;
use crate::model::Platform;
use crate::tui::app::App;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, LegendPosition, Paragraph, Wrap};

pub fn cost(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let Some((loaded, wi, wp)) = app.selected() else {
        frame.render_widget(super::block(" Cost vs rate [$/mo] ", false, t), area);
        return;
    };
    let mut title = vec![Span::raw(" Cost vs rate [$/mo] (c: traffic) ")];
    if loaded.curve_stale(wi) {
        title.push(Span::styled("updating… ", t.warn()));
    }
    let block = super::block(Line::from(title), false, t);
    let curve = &wp.cost_curve;
    // Each platform's feasible points, in runs of consecutive rates: a line never bridges a
    // rate where the platform is not feasible, and a lone point is drawn as a point.
    let series: Vec<(Platform, Runs)> = curve
        .series
        .iter()
        .map(|(p, costs)| (*p, runs(&curve.rates, costs)))
        .filter(|(_, runs)| !runs.is_empty())
        .collect();
    let xs: Vec<f64> = curve
        .rates
        .iter()
        .filter(|r| **r > 0.0)
        .map(|r| r.log10())
        .collect();
    if series.is_empty() || xs.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled("no feasible option to chart", t.muted())).block(block),
            area,
        );
        return;
    }
    let (x0, x1) = (
        xs.iter().copied().fold(f64::MAX, f64::min),
        xs.iter().copied().fold(f64::MIN, f64::max),
    );
    let ymax = series
        .iter()
        .flat_map(|(_, runs)| runs.iter().flatten().map(|p| p.1))
        .fold(0.0_f64, f64::max)
        .max(1.0)
        * 1.05;
    let now = (wp.average_rps > 0.0).then(|| wp.average_rps.log10());
    let be = wp
        .recommendation
        .break_even()
        .map(|b| b.average_rps)
        .filter(|b| *b > 0.0)
        .map(f64::log10)
        .filter(|b| (x0..=x1).contains(b));
    let now_line = now.map(|x| vec![(x, 0.0), (x, ymax)]).unwrap_or_default();
    let be_line = be.map(|x| vec![(x, 0.0), (x, ymax)]).unwrap_or_default();
    let mut datasets: Vec<Dataset> = series
        .iter()
        .flat_map(|(p, runs)| {
            runs.iter().enumerate().map(move |(i, pts)| {
                let d = Dataset::default()
                    .marker(Marker::Braille)
                    .graph_type(if pts.len() > 1 {
                        GraphType::Line
                    } else {
                        GraphType::Scatter
                    })
                    .style(t.platform(*p))
                    .data(pts);
                // One legend entry per platform.
                if i == 0 { d.name(p.id()) } else { d }
            })
        })
        .collect();
    if !now_line.is_empty() {
        datasets.push(
            Dataset::default()
                .name("now")
                .marker(Marker::Dot)
                .graph_type(GraphType::Line)
                .style(t.marker())
                .data(&now_line),
        );
    }
    if !be_line.is_empty() {
        datasets.push(
            Dataset::default()
                .name("break-even")
                .marker(Marker::Dot)
                .graph_type(GraphType::Scatter)
                .style(t.warn())
                .data(&be_line),
        );
    }
    let unit = wp.kind.rate_unit();
    let rate_label = |x: f64| Span::raw(format::rps(10f64.powf(x)));
    let chart = Chart::new(datasets)
        .block(block)
        .legend_position(Some(LegendPosition::TopLeft))
        .hidden_legend_constraints((Constraint::Percentage(60), Constraint::Percentage(60)))
        .x_axis(
            Axis::default()
                .title(Span::styled(format!("{unit} (log)"), t.muted()))
                .style(t.muted())
                .bounds([x0, x1])
                .labels([rate_label(x0), rate_label((x0 + x1) / 2.0), rate_label(x1)]),
        )
        .y_axis(
            Axis::default()
                .style(t.muted())
                .bounds([0.0, ymax])
                .labels([
                    Span::raw("0"),
                    Span::raw(compact_usd(ymax / 2.0)),
                    Span::raw(compact_usd(ymax)),
                ]),
        );
    frame.render_widget(chart, area);
}

/// Runs of points, each a line on the chart.
type Runs = Vec<Vec<(f64, f64)>>;

/// A platform's feasible points on the log-rate axis, split into runs of consecutive rates
/// where it is feasible (a gap where it is not).
fn runs(rates: &[f64], costs: &[Option<f64>]) -> Runs {
    let mut out: Runs = Vec::new();
    let mut run: Vec<(f64, f64)> = Vec::new();
    for (r, c) in rates.iter().zip(costs) {
        match c {
            Some(c) if *r > 0.0 && c.is_finite() => run.push((r.log10(), *c)),
            _ => {
                if !run.is_empty() {
                    out.push(std::mem::take(&mut run));
                }
            }
        }
    }
    if !run.is_empty() {
        out.push(run);
    }
    out
}

/// A platform's capacity as a horizontal line: platform, requests/s, the line's points.
type CapLine = (Platform, f64, Vec<(f64, f64)>);

pub fn traffic(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let Some((loaded, wi, wp)) = app.selected() else {
        return;
    };
    let kind = loaded.edited.workloads.get(wi).map(|w| w.kind());
    let title = match kind {
        Some(k) if k.is_job() => " Fan-out job (c: cost) ".to_string(),
        k => format!(
            " Traffic over a day [{}] (c: cost) ",
            k.map_or("req/s", |k| k.rate_unit())
        ),
    };
    let block = super::block(title, false, t);
    let has_traffic = loaded
        .edited
        .workloads
        .get(wi)
        .is_some_and(|w| w.work.traffic().is_some());
    if !has_traffic {
        let text = match loaded.edited.workloads.get(wi).and_then(|w| w.work.job()) {
            Some(j) => {
                let mut lines = vec![Line::raw(format!(
                    "A fan-out job: {} items a run, {} runs a month.",
                    format::count(j.items as f64),
                    format::decimal(j.runs_per_month, 2)
                ))];
                for o in &wp.options {
                    if let Some(m) = o.makespan_s {
                        lines.push(Line::from(vec![
                            Span::styled(format!("{:>8}", o.platform.id()), t.platform(o.platform)),
                            Span::raw(format!("  one run takes {} s", format::seconds(m))),
                        ]));
                    }
                }
                lines
            }
            None => vec![Line::styled("no traffic curve", t.muted())],
        };
        frame.render_widget(
            Paragraph::new(text).wrap(Wrap { trim: true }).block(block),
            area,
        );
        return;
    }
    // The curve the plan was made for (the model built it; drawing does not rebuild it).
    let curve = &wp.traffic;
    let step_h = curve.step_s / 3600.0;
    // Braille gives two dots a cell: keep the highest rate in each dot's span (peaks stay).
    let dots = (usize::from(area.width) * 2).max(1);
    let per = curve.rps.len().div_ceil(dots).max(1);
    let pts: Vec<(f64, f64)> = curve
        .rps
        .chunks(per)
        .enumerate()
        .map(|(i, c)| {
            (
                (i * per) as f64 * step_h,
                c.iter().copied().fold(0.0, f64::max),
            )
        })
        .collect();
    let period_h = (curve.rps.len() as f64 * step_h).max(step_h);
    let peak = curve.peak().max(1e-9);
    // Fleets (ECS, EC2) draw what their running capacity carries at each step, lagging the
    // curve, so a scale-out gap shows; the others draw their ceiling as a flat line.
    let fleets: Vec<(Platform, Vec<(f64, f64)>)> = wp
        .options
        .iter()
        .filter(|o| o.feasible && o.capacity_rps.len() == curve.rps.len())
        .map(|o| {
            // The lowest capacity in each dot's span: a gap stays visible.
            let line = o
                .capacity_rps
                .chunks(per)
                .enumerate()
                .map(|(i, c)| {
                    let low = c.iter().copied().fold(f64::INFINITY, f64::min);
                    (
                        (i * per) as f64 * step_h,
                        if low.is_finite() { low } else { 0.0 },
                    )
                })
                .collect();
            (o.platform, line)
        })
        .collect();
    let caps: Vec<(Platform, f64)> = wp
        .options
        .iter()
        .filter(|o| o.feasible && o.throughput_rps > 0.0 && o.throughput_rps.is_finite())
        .filter(|o| !fleets.iter().any(|(p, _)| *p == o.platform))
        .map(|o| (o.platform, o.throughput_rps))
        .collect();
    let fleet_top = fleets
        .iter()
        .flat_map(|(_, l)| l.iter().map(|p| p.1))
        .filter(|c| c.is_finite() && *c <= peak * 2.0)
        .fold(0.0, f64::max);
    let ymax = caps
        .iter()
        .map(|c| c.1)
        .filter(|c| *c <= peak * 2.0)
        .fold(peak.max(fleet_top), f64::max)
        * 1.1;
    let fleets: Vec<(Platform, Vec<(f64, f64)>)> = fleets
        .into_iter()
        .map(|(p, l)| (p, l.into_iter().map(|(x, y)| (x, y.min(ymax))).collect()))
        .collect();
    let cap_lines: Vec<CapLine> = caps
        .iter()
        .map(|(p, c)| (*p, *c, vec![(0.0, c.min(ymax)), (period_h, c.min(ymax))]))
        .collect();
    let mut datasets = vec![
        Dataset::default()
            .name("traffic")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(t.marker())
            .data(&pts),
    ];
    let names: Vec<String> = cap_lines
        .iter()
        .map(|(p, c, _)| {
            let off = if *c > ymax { " ↑" } else { "" };
            format!("{} max {}{off}", p.id(), format::rps(*c))
        })
        .collect();
    let fleet_names: Vec<String> = fleets
        .iter()
        .map(|(p, _)| format!("{} capacity", p.id()))
        .collect();
    for ((p, line), name) in fleets.iter().zip(&fleet_names) {
        datasets.push(
            Dataset::default()
                .name(name.clone())
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(t.platform(*p))
                .data(line),
        );
    }
    for ((p, _, line), name) in cap_lines.iter().zip(&names) {
        datasets.push(
            Dataset::default()
                .name(name.clone())
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(t.platform(*p))
                .data(line),
        );
    }
    let hours = |h: f64| Span::raw(format!("{}h", format::decimal(h, 0)));
    let chart = Chart::new(datasets)
        .block(block)
        .legend_position(Some(LegendPosition::TopRight))
        .hidden_legend_constraints((Constraint::Percentage(60), Constraint::Percentage(60)))
        .x_axis(
            Axis::default()
                .style(t.muted())
                .bounds([0.0, period_h])
                .labels([hours(0.0), hours(period_h / 2.0), hours(period_h)]),
        )
        .y_axis(
            Axis::default()
                .style(t.muted())
                .bounds([0.0, ymax])
                .labels([
                    Span::raw("0"),
                    Span::raw(format::rps(ymax / 2.0)),
                    Span::raw(format::rps(ymax)),
                ]),
        );
    frame.render_widget(chart, area);
}

/// `$1.2k`, `$340`, `$12.5M`: short axis labels.
fn compact_usd(x: f64) -> String {
    if x >= 1e6 {
        format!("${}M", format::decimal(x / 1e6, 1))
    } else if x >= 1e4 {
        format!("${}k", format::decimal(x / 1e3, 0))
    } else if x >= 1e3 {
        format!("${}k", format::decimal(x / 1e3, 1))
    } else {
        format!("${}", format::decimal(x, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partly_infeasible_line_keeps_its_points_with_a_gap() {
        let rates = [1.0, 10.0, 100.0, 1000.0, 10_000.0];
        let costs = [Some(5.0), None, Some(7.0), Some(9.0), None];
        let r = runs(&rates, &costs);
        assert_eq!(r, vec![vec![(0.0, 5.0)], vec![(2.0, 7.0), (3.0, 9.0)]]);
        assert!(runs(&rates, &[None; 5]).is_empty());
    }
}
