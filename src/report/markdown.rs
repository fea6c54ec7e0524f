//! The Markdown report (SPEC §6): deterministic, GitHub-flavoured, ready to paste into a
//! design doc. Tables are padded so that the raw text lines up too; numbers are
//! right-aligned and units live in the column headers.

use std::fmt::Write as _;

use serde_json::Value;

use crate::format;
use crate::model::{Deadline, OptionPlan, Plan, Platform, WorkloadPlan};

/// Renders `plan` as a Markdown document ending with exactly one newline.
pub fn markdown(plan: &Plan) -> String {
    let sources = Sources::of(plan);
    let mut doc = Doc::default();
    title(&mut doc, plan);
    summary(&mut doc, plan);
    recommendations(&mut doc, plan);
    for w in &plan.workloads {
        workload(&mut doc, w, &sources);
    }
    assumptions(&mut doc, plan);
    price_book(&mut doc, plan, &sources);
    doc.finish()
}

// ---------------------------------------------------------------------------------------------
// Sections

fn title(doc: &mut Doc, plan: &Plan) {
    doc.block(format!("# Concurrency plan: {}", inline(&plan.profile)));
    let free_tier = if plan.free_tier {
        "applied once per profile"
    } else {
        "not applied"
    };
    doc.block(format!(
        "Region `{}` · price book: {}, as of {} · free tier: {}",
        code(&plan.region),
        inline(&plan.pricing.source),
        inline(&plan.pricing.as_of),
        free_tier
    ));
}

fn summary(doc: &mut Doc, plan: &Plan) {
    doc.block("## Summary".to_string());
    if plan.workloads.is_empty() {
        doc.block("The profile has no workloads.".to_string());
        return;
    }
    let options = || plan.workloads.iter().flat_map(|w| &w.options);
    let with_makespan = options().any(|o| o.makespan_s.is_some());
    // Options bought other than on demand show the on-demand bill beside theirs.
    let with_purchase = options().any(|o| o.purchase.is_some() && evaluated(o));
    let mut columns = vec![
        ("Workload", Align::Left),
        ("Kind", Align::Left),
        ("Platform", Align::Left),
        ("Cost [$/mo]", Align::Right),
        ("p99 [ms]", Align::Right),
        ("Peak capacity", Align::Right),
        ("Capacity unit", Align::Left),
    ];
    if with_makespan {
        columns.push(("Makespan [s]", Align::Right));
    }
    if with_purchase {
        columns.push(("Bought as", Align::Left));
        columns.push(("On demand [$/mo]", Align::Right));
    }
    columns.push(("Feasible", Align::Center));
    let mut t = Table::new(&columns);
    for w in &plan.workloads {
        for (i, o) in w.options.iter().enumerate() {
            let recommended = w.recommendation.platform == Some(o.platform);
            let platform = if recommended {
                format!("**{}**", o.platform.label())
            } else {
                o.platform.label().to_string()
            };
            // The workload's name and kind head its first row only, so workloads read as groups.
            let mut row = if i == 0 {
                vec![w.name.clone(), w.kind.as_str().to_string(), platform]
            } else {
                vec![String::new(), String::new(), platform]
            };
            if evaluated(o) {
                row.extend([
                    format::money(o.monthly_cost_usd),
                    format::ms(o.latency_ms.p99),
                    format::number(o.capacity.peak),
                    o.capacity.unit.clone(),
                ]);
            } else {
                row.extend([dash(), dash(), dash(), String::new()]);
            }
            if with_makespan {
                row.push(o.makespan_s.map_or_else(dash, format::seconds));
            }
            if with_purchase {
                match o.purchase.as_ref().filter(|_| evaluated(o)) {
                    Some(b) => row.extend([
                        format!("`{}`", b.purchase.as_str()),
                        format::money(b.on_demand_monthly_cost_usd),
                    ]),
                    None => row.extend([String::new(), String::new()]),
                }
            }
            row.push(tick(o.feasible).to_string());
            t.row(row);
        }
    }
    doc.block(t.render());
    let mut notes = Vec::new();
    if plan
        .workloads
        .iter()
        .any(|w| w.recommendation.platform.is_some())
    {
        notes.push("**Bold**: the recommended platform.");
    }
    if options().any(|o| !evaluated(o)) {
        notes.push("—: not evaluated (see the workload's section for why).");
    }
    doc.block(notes.join(" "));
}

fn recommendations(doc: &mut Doc, plan: &Plan) {
    doc.block("## Recommendation".to_string());
    if plan.workloads.is_empty() {
        doc.block("Nothing to recommend.".to_string());
        return;
    }
    let mut list = String::new();
    for w in &plan.workloads {
        let r = &w.recommendation;
        let unit = rate_unit(w);
        let head = match r.platform {
            Some(p) => format!(
                "- **{}** ({}): **{}**.",
                inline(&w.name),
                inline(w.kind.as_str()),
                p.label()
            ),
            None => format!(
                "- **{}** ({}): no feasible option.",
                inline(&w.name),
                inline(w.kind.as_str())
            ),
        };
        let _ = writeln!(list, "{}", join_sentence(&head, &inline(&r.reason)));
        let feasible = w.options.iter().filter(|o| o.feasible).count();
        let at = format!("this profile: {} {unit}", format::rps(w.average_rps));
        let break_even = match r.break_even_rps {
            Some(b) => format!(
                "  Break-even: the two cheapest options change places at an average of {} {unit} \
                 ({at}).",
                format::rps(b)
            ),
            None if feasible == 0 => continue,
            None if feasible == 1 => {
                format!("  Break-even: not applicable, only one option is feasible ({at}).")
            }
            None => format!(
                "  Break-even: none; the two cheapest options keep their order from 1/128 to \
                 128 times this rate ({at})."
            ),
        };
        let _ = writeln!(list, "{break_even}");
    }
    doc.block(list);
}

fn workload(doc: &mut Doc, w: &WorkloadPlan, sources: &Sources) {
    doc.block(format!("## Workload: {}", inline(&w.name)));
    doc.block(format!(
        "Kind: {} · average rate: {} {}",
        inline(w.kind.as_str()),
        format::rps(w.average_rps),
        rate_unit(w)
    ));
    if !w.notes.is_empty() {
        doc.block(bullets(&w.notes));
    }
    for o in &w.options {
        option_section(doc, w, o, sources);
    }
    chart(doc, w);
}

/// The purchase beside on demand: what the commitment covers, and what it saves.
fn bought(o: &OptionPlan, b: &crate::model::Bought) -> String {
    let od = b.on_demand_monthly_cost_usd;
    let saved = od - o.monthly_cost_usd;
    let share = if od > 0.0 { saved / od } else { 0.0 };
    let covers = if b.purchase.is_commitment() {
        if o.platform == crate::model::Platform::Lambda {
            format!(
                " on duration and provisioned concurrency, sized to the steady baseline (the \
                 quietest minute's rate all month: {} of the duration); requests and the rest are \
                 billed on demand",
                crate::model::words::pct(b.committed_share)
            )
        } else if b.committed_units > 0.0 {
            format!(
                ", sized to the steady baseline of {} {} (the units running all day, {} of the \
                 {}-hours); the hours above it are billed on demand",
                format::number(b.committed_units),
                o.capacity.unit,
                crate::model::words::pct(b.committed_share),
                o.capacity.unit.trim_end_matches('s')
            )
        } else {
            ": nothing runs all month, so there is no steady baseline to commit to and every \
             hour is billed on demand"
                .to_string()
        }
    } else {
        String::new()
    };
    format!(
        "**Bought as:** {}{covers}. The same configuration on demand: {}/mo, so it saves {}/mo \
         ({}).",
        b.purchase.describe(),
        format::usd(od),
        format::usd(saved),
        crate::model::words::pct(share)
    )
}

fn option_section(doc: &mut Doc, w: &WorkloadPlan, o: &OptionPlan, sources: &Sources) {
    let status = if o.feasible {
        "✓ feasible"
    } else {
        "✗ not feasible"
    };
    let heading = if evaluated(o) {
        format!(
            "### {}: {}/mo, {}",
            o.platform.label(),
            format::usd(o.monthly_cost_usd),
            status
        )
    } else {
        format!("### {}: {}", o.platform.label(), status)
    };
    doc.block(heading);

    if !evaluated(o) {
        doc.block(risks_block(o));
        return;
    }

    if !o.cost_breakdown.is_empty() {
        let mut t = Table::new(&[
            ("Item", Align::Left),
            ("Quantity", Align::Right),
            ("Unit", Align::Left),
            ("Unit price [$]", Align::Right),
            ("Cost [$/mo]", Align::Right),
            ("Source", Align::Left),
        ]);
        for l in &o.cost_breakdown {
            t.row(vec![
                format!("`{}`", code(&l.item)),
                format::quantity_value(l.quantity, &l.unit),
                l.unit.clone(),
                format::unit_price(l.unit_price_usd),
                format::money(l.cost_usd),
                sources.reference(&l.source),
            ]);
        }
        t.row(vec![
            "**Total**".to_string(),
            String::new(),
            String::new(),
            String::new(),
            format!("**{}**", format::money(o.monthly_cost_usd)),
            String::new(),
        ]);
        doc.block(t.render());
    }
    if let Some(b) = &o.purchase {
        doc.block(bought(o, b));
    }

    if !o.config.is_empty() {
        let settings: Vec<String> = o
            .config
            .iter()
            .map(|(k, v)| format!("`{} = {}`", code(k), code(&config_value(v))))
            .collect();
        doc.block(format!("**Configuration:** {}", settings.join(", ")));
    }

    let unit = rate_unit(w);
    let mut perf = format!(
        "**Performance:** latency p50 {} ms, p99 {} ms; sustains {} {unit} at a peak of {} {}",
        format::ms(o.latency_ms.p50),
        format::ms(o.latency_ms.p99),
        format::rps(o.throughput_rps),
        format::number(o.capacity.peak),
        inline(&o.capacity.unit),
    );
    let _ = write!(
        perf,
        "; throttled or shed: {}",
        format::share(o.throttled_share)
    );
    if let Some(m) = o.makespan_s {
        let _ = write!(perf, "; makespan {} s per run", format::seconds(m));
        if let Some(dl) = &w.deadline {
            perf.push_str(&headroom(m, dl));
        }
    }
    perf.push('.');
    doc.block(perf);
    doc.block(risks_block(o));
}

fn risks_block(o: &OptionPlan) -> String {
    let label = if o.feasible {
        "**Limits and risks:**"
    } else {
        "**Why it is not feasible:**"
    };
    if o.risks.is_empty() {
        if o.feasible {
            format!("{label} none hit.")
        } else {
            format!("{label} no reason given.")
        }
    } else {
        format!("{label}\n\n{}", bullets(&o.risks))
    }
}

/// Mermaid's palette, one colour per platform, so a platform keeps its colour in every chart.
fn colour(p: Platform) -> (&'static str, &'static str) {
    match p {
        Platform::Lambda => ("#ff9900", "orange"),
        Platform::StepFunctions => ("#e7157b", "pink"),
        Platform::Ecs => ("#1f77b4", "blue"),
        Platform::Ec2 => ("#2ca02c", "green"),
    }
}

fn chart(doc: &mut Doc, w: &WorkloadPlan) {
    let unit = rate_unit(w);
    doc.block(format!(
        "### {}: monthly cost against average rate",
        inline(&w.name)
    ));
    let curve = &w.cost_curve;
    if curve.rates.is_empty() {
        doc.block("No cost curve was computed for this workload.".to_string());
        return;
    }
    let n = curve.rates.len();

    // A series is drawn only when the platform is feasible at every rate: xychart-beta
    // cannot leave gaps. The others are described in text below the chart.
    let mut drawn: Vec<(Platform, Vec<f64>)> = Vec::new();
    let mut not_drawn: Vec<String> = Vec::new();
    for p in Platform::ALL {
        let costs: Vec<Option<f64>> = match curve.series.iter().find(|(q, _)| *q == p) {
            Some((_, c)) => (0..n)
                .map(|i| c.get(i).copied().flatten().filter(|x| x.is_finite()))
                .collect(),
            None => continue,
        };
        if costs.iter().all(Option::is_some) {
            drawn.push((p, costs.into_iter().flatten().collect()));
            continue;
        }
        let feasible_at: Vec<String> = curve
            .rates
            .iter()
            .zip(&costs)
            .filter(|(_, c)| c.is_some())
            .map(|(r, _)| format::rps(*r))
            .collect();
        not_drawn.push(if feasible_at.is_empty() {
            format!("{}: not feasible at any of these rates.", p.label())
        } else {
            format!(
                "{}: feasible only at {} {unit}.",
                p.label(),
                feasible_at.join(", ")
            )
        });
    }

    if drawn.is_empty() {
        doc.block("No platform is feasible at every rate, so there is no chart.".to_string());
    } else {
        let palette: Vec<&str> = drawn.iter().map(|(p, _)| colour(*p).0).collect();
        let labels: Vec<String> = curve
            .rates
            .iter()
            .map(|r| format!("\"{}\"", format::rps(*r)))
            .collect();
        let values = || drawn.iter().flat_map(|(_, c)| c.iter().copied());
        let top = nice_ceiling(values().fold(0.0, f64::max));
        let lowest = values().fold(0.0, f64::min);
        let bottom = if lowest < 0.0 {
            -nice_ceiling(-lowest)
        } else {
            0.0
        };
        let mut m = String::new();
        let _ = writeln!(m, "```mermaid");
        let _ = writeln!(m, "---");
        let _ = writeln!(m, "config:");
        let _ = writeln!(m, "  themeVariables:");
        let _ = writeln!(m, "    xyChart:");
        let _ = writeln!(m, "      plotColorPalette: \"{}\"", palette.join(", "));
        let _ = writeln!(m, "---");
        let _ = writeln!(m, "xychart-beta");
        let _ = writeln!(
            m,
            "  title \"{}: monthly cost against average rate\"",
            mermaid_text(&w.name)
        );
        let _ = writeln!(
            m,
            "  x-axis \"Average rate [{unit}]\" [{}]",
            labels.join(", ")
        );
        let _ = writeln!(
            m,
            "  y-axis \"Cost [$/mo]\" {} --> {}",
            mermaid_number(bottom),
            mermaid_number(top)
        );
        for (p, costs) in &drawn {
            let values: Vec<String> = costs.iter().map(|c| mermaid_number(*c)).collect();
            let _ = writeln!(m, "  line \"{}\" [{}]", p.label(), values.join(", "));
        }
        let _ = write!(m, "```");
        doc.block(m);
        let legend: Vec<String> = drawn
            .iter()
            .map(|(p, _)| format!("{} ({})", p.label(), colour(*p).1))
            .collect();
        doc.block(format!("Lines, in order: {}.", legend.join(", ")));
    }
    if !not_drawn.is_empty() {
        doc.block(format!("Not drawn:\n\n{}", bullets(&not_drawn)));
    }
}

fn assumptions(doc: &mut Doc, plan: &Plan) {
    doc.block("## Assumptions".to_string());
    if plan.assumptions.is_empty() {
        doc.block("None stated.".to_string());
    } else {
        doc.block(bullets(&plan.assumptions));
    }
}

fn price_book(doc: &mut Doc, plan: &Plan, sources: &Sources) {
    doc.block("## Price book".to_string());
    doc.block(format!(
        "- Source: {}\n- As of: {}",
        inline(&plan.pricing.source),
        inline(&plan.pricing.as_of)
    ));
    if sources.list.is_empty() {
        doc.block("No price sources cited.".to_string());
    } else {
        let list: Vec<String> = sources
            .list
            .iter()
            .enumerate()
            .map(|(i, s)| format!("{}. {}", i + 1, inline(s)))
            .collect();
        doc.block(format!(
            "Sources of the prices used, numbered as in the cost breakdowns:\n\n{}",
            list.join("\n")
        ));
    }
}

/// The price sources, numbered once for the whole report: the plan's cited list first, then
/// any line-item source missing from it, in order of appearance.
struct Sources {
    list: Vec<String>,
}

impl Sources {
    fn of(plan: &Plan) -> Sources {
        let mut list: Vec<String> = Vec::new();
        let items = plan
            .workloads
            .iter()
            .flat_map(|w| &w.options)
            .flat_map(|o| &o.cost_breakdown)
            .map(|l| &l.source);
        for s in plan.pricing.cited.iter().chain(items) {
            let s = inline(s);
            if !s.is_empty() && !list.contains(&s) {
                list.push(s);
            }
        }
        Sources { list }
    }

    /// `[n]` for a source, `—` when there is none.
    fn reference(&self, source: &str) -> String {
        let s = inline(source);
        match self.list.iter().position(|x| *x == s) {
            Some(i) => format!("[{}]", i + 1),
            None => dash(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// Whether the model evaluated the option at all (an option that does not fit the workload
/// kind has no cost breakdown and no capacity unit).
fn evaluated(o: &OptionPlan) -> bool {
    !(o.cost_breakdown.is_empty() && o.capacity.unit.is_empty() && o.monthly_cost_usd == 0.0)
}

/// The makespan against the deadline and its margin: "of the 120.0 s deadline (10.0% kept
/// free: 108.0 s usable), 12.3 s to spare" or "..., 3.4 s over".
fn headroom(makespan_s: f64, dl: &Deadline) -> String {
    let spare = dl.usable_s - makespan_s;
    let verdict = if spare >= 0.0 {
        format!("{} s to spare", format::seconds(spare))
    } else {
        format!("{} s over", format::seconds(-spare))
    };
    let margin = if dl.margin > 0.0 {
        format!(
            " ({} kept free: {} s usable)",
            format::share(dl.margin),
            format::seconds(dl.usable_s)
        )
    } else {
        String::new()
    };
    format!(
        " of the {} s deadline{margin}, {verdict}",
        format::seconds(dl.deadline_s)
    )
}

fn rate_unit(w: &WorkloadPlan) -> &'static str {
    w.kind.rate_unit()
}

fn tick(ok: bool) -> &'static str {
    if ok { "✓" } else { "✗" }
}

fn dash() -> String {
    "—".to_string()
}

/// Joins a lead-in and a sentence with one space, skipping an empty sentence and making
/// sure it ends with punctuation.
fn join_sentence(head: &str, sentence: &str) -> String {
    let s = sentence.trim();
    if s.is_empty() {
        return head.to_string();
    }
    let end = if s.ends_with(['.', '!', '?']) {
        ""
    } else {
        "."
    };
    format!("{head} {s}{end}")
}

/// Text on one line: newlines and runs of whitespace become single spaces, trailing space
/// dropped.
fn inline(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Text for inside a backtick code span: one line, backticks replaced.
fn code(s: &str) -> String {
    inline(s).replace('`', "'")
}

/// A table cell: one line, `|` escaped.
fn cell(s: &str) -> String {
    inline(s).replace('|', "\\|")
}

/// Text inside a Mermaid double-quoted string, which cannot hold `"` (and where `%%` would
/// start a comment).
fn mermaid_text(s: &str) -> String {
    let mut t = inline(s).replace('"', "'");
    while t.contains("%%") {
        t = t.replace("%%", "%");
    }
    t
}

/// A plain number for Mermaid data: at most 2 decimals, no thousands separators.
fn mermaid_number(x: f64) -> String {
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s.is_empty() {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// The smallest 1, 2, 2.5 or 5 × 10^k at or above `x` (and at least 1): a clean axis top.
fn nice_ceiling(x: f64) -> f64 {
    if !x.is_finite() || x <= 1.0 {
        return 1.0;
    }
    let mag = 10f64.powf(x.log10().floor());
    for step in [1.0, 2.0, 2.5, 5.0, 10.0] {
        let candidate = step * mag;
        if candidate >= x {
            return candidate;
        }
    }
    10.0 * mag
}

fn bullets(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("- {}", inline(i)))
        .collect::<Vec<_>>()
        .join("\n")
}

fn config_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "none".to_string(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() => format::decimal(f, 4).replace(',', ""),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Document and table builders

/// Blocks separated by one blank line; trailing spaces removed; one final newline.
#[derive(Default)]
struct Doc {
    blocks: Vec<String>,
}

impl Doc {
    fn block(&mut self, text: String) {
        let text = text.trim_end_matches('\n').to_string();
        if !text.is_empty() {
            self.blocks.push(text);
        }
    }

    fn finish(self) -> String {
        let mut out = String::new();
        for line in self.blocks.join("\n\n").lines() {
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Right,
    Center,
}

struct Table {
    headers: Vec<String>,
    aligns: Vec<Align>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(columns: &[(&str, Align)]) -> Table {
        Table {
            headers: columns.iter().map(|(h, _)| cell(h)).collect(),
            aligns: columns.iter().map(|(_, a)| *a).collect(),
            rows: Vec::new(),
        }
    }

    fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells.iter().map(|c| cell(c)).collect());
    }

    fn render(&self) -> String {
        let n = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| width(h).max(3)).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate().take(n) {
                widths[i] = widths[i].max(width(c));
            }
        }
        let mut out = String::new();
        out.push_str(&self.line(&self.headers, &widths));
        out.push('\n');
        let rule: Vec<String> = self
            .aligns
            .iter()
            .zip(&widths)
            .map(|(a, &w)| match a {
                Align::Left => format!(":{}", "-".repeat(w - 1)),
                Align::Right => format!("{}:", "-".repeat(w - 1)),
                Align::Center => format!(":{}:", "-".repeat(w - 2)),
            })
            .collect();
        out.push_str(&format!("| {} |", rule.join(" | ")));
        for r in &self.rows {
            out.push('\n');
            out.push_str(&self.line(r, &widths));
        }
        out
    }

    fn line(&self, cells: &[String], widths: &[usize]) -> String {
        let padded: Vec<String> = widths
            .iter()
            .enumerate()
            .map(|(i, &w)| {
                let c = cells.get(i).map(String::as_str).unwrap_or("");
                let pad = w.saturating_sub(width(c));
                match self.aligns[i] {
                    Align::Left => format!("{c}{}", " ".repeat(pad)),
                    Align::Right => format!("{}{c}", " ".repeat(pad)),
                    Align::Center => {
                        let left = pad / 2;
                        format!("{}{c}{}", " ".repeat(left), " ".repeat(pad - left))
                    }
                }
            })
            .collect();
        format!("| {} |", padded.join(" | "))
    }
}

/// Display width of a cell, in characters (all we emit is narrow).
fn width(s: &str) -> usize {
    s.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_tops_are_round() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(0.4), 1.0);
        assert_eq!(nice_ceiling(1.5), 2.0);
        assert_eq!(nice_ceiling(2.1), 2.5);
        assert_eq!(nice_ceiling(431.2), 500.0);
        assert_eq!(nice_ceiling(520.0), 1000.0);
        assert_eq!(nice_ceiling(1000.0), 1000.0);
        assert_eq!(nice_ceiling(f64::NAN), 1.0);
    }

    #[test]
    fn mermaid_numbers_and_text() {
        assert_eq!(mermaid_number(520.0), "520");
        assert_eq!(mermaid_number(0.524), "0.52");
        assert_eq!(mermaid_number(-0.001), "0");
        assert_eq!(mermaid_number(-5.5), "-5.5");
        assert_eq!(mermaid_text("say \"hi\" 100%%"), "say 'hi' 100%");
    }

    #[test]
    fn cells_are_one_line_and_escaped() {
        assert_eq!(cell("a | b\nc"), "a \\| b c");
        assert_eq!(code("x`y"), "x'y");
    }

    #[test]
    fn table_pads_and_aligns() {
        let mut t = Table::new(&[("Name", Align::Left), ("Cost [$/mo]", Align::Right)]);
        t.row(vec!["a|b".to_string(), "1.00".to_string()]);
        t.row(vec!["long name".to_string(), "1,234.00".to_string()]);
        assert_eq!(
            t.render(),
            "| Name      | Cost [$/mo] |\n\
             | :-------- | ----------: |\n\
             | a\\|b      |        1.00 |\n\
             | long name |    1,234.00 |"
        );
    }
}
