//! The Markdown report (SPEC §6): deterministic, GitHub-flavoured, ready to paste into a
//! design doc. Tables are padded so that the raw text lines up too; numbers are
//! right-aligned and units live in the column headers.

use std::fmt::Write as _;

use serde_json::Value;

use crate::format;
use crate::model::sensitivity::{Flip, Input};
use crate::model::{Band, Deadline, OptionPlan, Plan, Platform, Status, WorkloadPlan};

/// Renders `plan` as a Markdown document ending with exactly one newline.
pub fn markdown(plan: &Plan) -> String {
    let sources = Sources::of(plan);
    let mut doc = Doc::default();
    title(&mut doc, plan);
    unpriced_banner(&mut doc, plan);
    summary(&mut doc, plan);
    recommendations(&mut doc, plan);
    for w in &plan.workloads {
        workload(&mut doc, w, &sources);
    }
    not_included(&mut doc, plan);
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

/// A warning at the top when the book lacks figures some options need: which keys, what
/// they are, the options left unpriced, and how to get them.
fn unpriced_banner(doc: &mut Doc, plan: &Plan) {
    let missing = plan.missing_figures();
    if missing.is_empty() {
        return;
    }
    let list: Vec<String> = missing
        .iter()
        .map(|f| {
            let what = crate::pricing::keys::describe(&f.missing)
                .unwrap_or_else(|| f.missing.what.to_string());
            format!(
                "`{}` ({}): leaves {} unpriced.",
                code(&f.missing.key),
                what,
                f.options_text()
            )
        })
        .collect();
    let region = code(&plan.region);
    doc.block(format!(
        "> **Warning: some options could not be priced.** The `{region}` price book lacks \
         these figures, so the options that need them are `unpriced`: left out of the \
         comparison and never recommended, not ruled out.\n>\n{}\n>\n> To price them, rebuild \
         the book from the AWS Price List API with `planner pricing refresh --region {region}`, \
         or point `--pricing DIR` at a folder holding a complete `{region}.yaml`.",
        list.iter()
            .map(|l| format!("> - {}", inline(l)))
            .collect::<Vec<_>>()
            .join("\n")
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
    let with_purchase = options().any(|o| o.purchase.is_some() && o.evaluated());
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
            let status = o.status();
            if o.evaluated() {
                row.extend([
                    format::money(o.monthly_cost_usd),
                    format::ms_or_unbounded(o.latency_ms.p99, o.backlog_grows()),
                    format::number(o.capacity.peak),
                    o.capacity.unit.clone(),
                ]);
            } else {
                let cost = match status {
                    Status::Unpriced | Status::Disabled => status.label().to_string(),
                    Status::Ok | Status::Infeasible => dash(),
                };
                row.extend([cost, dash(), dash(), String::new()]);
            }
            if with_makespan {
                row.push(o.makespan_s.map_or_else(dash, format::seconds));
            }
            if with_purchase {
                match o.purchase.as_ref().filter(|_| o.evaluated()) {
                    Some(b) => row.extend([
                        format!("`{}`", b.purchase.as_str()),
                        format::money(b.on_demand_monthly_cost_usd),
                    ]),
                    None => row.extend([String::new(), String::new()]),
                }
            }
            row.push(feasible_cell(status).to_string());
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
    if options().any(|o| !o.evaluated()) {
        notes.push("—: not evaluated (see the workload's section for why).");
    }
    if options().any(|o| o.status() == Status::Unpriced) {
        notes.push("unpriced: the price book lacks a figure it needs (see the warning above); left out of the comparison, not ruled out.");
    }
    if plan
        .workloads
        .iter()
        .any(|w| w.kind == crate::profile::WorkloadKind::Stream)
    {
        notes.push("A stream's p99 is its records' iterator age (their age when processed).");
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
        let at = format!("this profile: {} {unit}", format::rps(w.average_rps));
        if let Some(line) = break_even_line(w, &at) {
            let _ = writeln!(list, "  {line}");
        }
        if let Some(band) = &r.band {
            let _ = writeln!(list, "  {}", band_line(band, unit));
        }
    }
    doc.block(list);
}

/// "Break-even: below 140 req/s Lambda is cheaper than ECS Fargate; above it, ECS Fargate
/// (this profile: …)." — the recommended option against the other camp's cheapest (SPEC §5).
fn break_even_line(w: &WorkloadPlan, at: &str) -> Option<String> {
    let v = w.recommendation.versus.as_ref()?;
    let unit = rate_unit(w);
    let Some(other) = v.other else {
        let camp = if v.recommended.serverless() {
            "server option (ECS Fargate or EC2)"
        } else {
            "serverless option (Lambda or Step Functions)"
        };
        let other_camp_unpriced = w.options.iter().any(|o| {
            o.status() == Status::Unpriced && o.platform.serverless() != v.recommended.serverless()
        });
        let priced = if other_camp_unpriced {
            "priced and "
        } else {
            ""
        };
        return Some(format!(
            "Break-even: none; no {camp} is {priced}feasible at this rate, so there is nothing \
             to weigh {} against ({at}).",
            v.recommended.label()
        ));
    };
    Some(match &v.break_even {
        Some(b) => {
            let caveat = |p: Platform, feasible: bool, side: &str| {
                if feasible {
                    String::new()
                } else {
                    format!(
                        " But {} is not feasible just {side} it (it misses a limit or the SLO \
                         there), so the crossing does not flip the answer.",
                        p.label()
                    )
                }
            };
            format!(
                "Break-even: below {} {unit} {} is cheaper than {}; above it, {} ({at}).{}{}",
                format::rps(b.average_rps),
                b.cheaper_below.label(),
                b.cheaper_above.label(),
                b.cheaper_above.label(),
                caveat(b.cheaper_below, b.below_feasible, "below"),
                caveat(b.cheaper_above, b.above_feasible, "above"),
            )
        }
        None => {
            let cheaper = v.cheaper_now.unwrap_or(v.recommended);
            let dearer = if cheaper == other {
                v.recommended
            } else {
                other
            };
            format!(
                "Break-even: none; {} stays cheaper than {} from {} to {} times this rate ({at}).",
                cheaper.label(),
                dearer.label(),
                scale_words(v.searched.0),
                scale_words(v.searched.1)
            )
        }
    })
}

/// A scale factor in words: `1/128`, `128`.
fn scale_words(k: f64) -> String {
    if k < 1.0 {
        format!("1/{}", format::number(1.0 / k))
    } else {
        format::number(k)
    }
}

/// "Near-tie: ECS Fargate and EC2 stay within 10% of each other from X to Y req/s; …".
fn band_line(b: &Band, unit: &str) -> String {
    let (lo, hi) = b.searched_rps;
    let range = match (b.from_rps, b.to_rps) {
        (Some(f), Some(t)) => format!("from {} to {} {unit}", format::rps(f), format::rps(t)),
        (None, Some(t)) => format!(
            "from {} {unit} or less to {} {unit}",
            format::rps(lo),
            format::rps(t)
        ),
        (Some(f), None) => format!(
            "from {} to {} {unit} or more",
            format::rps(f),
            format::rps(hi)
        ),
        (None, None) => format!(
            "across the whole charted range, {} to {} {unit}",
            format::rps(lo),
            format::rps(hi)
        ),
    };
    format!(
        "Near-tie: {} and {} stay within {:.0}% of each other {range}, so which of the two is \
         cheaper there is within the model's precision; no crossing between them is reported.",
        b.platforms[0].label(),
        b.platforms[1].label(),
        crate::model::recommend::NEAR_TIE * 100.0
    )
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
    sensitivity(doc, w);
}

/// "What would change the answer": per input, the value at which the recommendation flips,
/// nearest first (a tornado as a table).
fn sensitivity(doc: &mut Doc, w: &WorkloadPlan) {
    let Some(today) = w.recommendation.platform else {
        return;
    };
    if w.sensitivity.is_empty() {
        return;
    }
    doc.block(format!(
        "### {}: what would change the answer",
        inline(&w.name)
    ));
    let mut t = Table::new(&[
        ("Input", Align::Left),
        ("Today", Align::Right),
        ("Flips to", Align::Left),
        ("At", Align::Right),
        ("Change", Align::Right),
    ]);
    for s in &w.sensitivity {
        let label = s.input.label(w.kind);
        let now = input_value(s.input, s.today);
        let flips: Vec<&Flip> = [&s.down, &s.up].into_iter().flatten().collect();
        if flips.is_empty() {
            t.row(vec![
                label,
                now,
                dash(),
                dash(),
                format!(
                    "no flip within ×{}–×{}",
                    format::number(s.searched.0),
                    format::number(s.searched.1)
                ),
            ]);
            continue;
        }
        for f in flips {
            t.row(vec![
                label.clone(),
                now.clone(),
                f.to.map_or_else(|| "nothing feasible".to_string(), |p| p.label().to_string()),
                match f.between {
                    Some((a, b)) => format!(
                        "{}–{}",
                        input_value(s.input, a.min(b)),
                        input_value(s.input, a.max(b))
                    ),
                    None => input_value(s.input, f.value),
                },
                change(f.factor),
            ]);
        }
    }
    doc.block(format!(
        "Today: **{}**. Each input varied alone from ×0.1 to ×10 (within its valid range), the \
         others as stated: the nearest value each way at which the recommendation changes, \
         interpolated between planned points where two options' costs cross; a range where a \
         limit starts or stops biting somewhere within it. A price row scales every price of \
         that platform's bill.",
        today.label()
    ));
    doc.block(t.render());
}

/// An input's value in its unit, for the sensitivity table.
fn input_value(input: Input, v: f64) -> String {
    match input {
        Input::AverageRate => format::rps(v),
        Input::PeakToAverage => format::number(v),
        Input::Duration => format::ms(v),
        Input::CpuShare => format::share(v),
        Input::Memory | Input::Concurrency(_) => format::count(v),
        Input::Prices(_) => format!("×{}", format::decimal(v, 3)),
    }
}

/// A factor as a change: `+27%`, `−40%`, `+0.3%` between ×0.5 and ×2, else `×4.5`,
/// `×0.25`.
fn change(factor: f64) -> String {
    if (0.5..=2.0).contains(&factor) {
        let pct = (factor - 1.0) * 100.0;
        // A knife-edge shows as one: +0.3%, not +0%.
        let digits = if pct.abs() < 1.0 { 1 } else { 0 };
        if pct < 0.0 {
            format!("−{:.*}%", digits, -pct)
        } else {
            format!("+{:.*}%", digits, pct)
        }
    } else {
        format!("×{}", format::number(factor))
    }
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
    let status = match o.status() {
        Status::Ok | Status::Infeasible => {
            format!("{} {}", feasible_cell(o.status()), o.status().label())
        }
        Status::Unpriced | Status::Disabled => o.status().label().to_string(),
    };
    let heading = if o.evaluated() {
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

    if !o.evaluated() {
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
    let latency = if o.backlog_grows() {
        format!(
            "{} unbounded (the backlog grows day after day)",
            w.kind.latency_word()
        )
    } else {
        format!(
            "{} p50 {} ms, p99 {} ms",
            w.kind.latency_word(),
            format::ms(o.latency_ms.p50),
            format::ms(o.latency_ms.p99),
        )
    };
    let mut perf = format!(
        "**Performance:** {latency}; sustains {} {unit} at a peak of {} {}",
        format::rps(o.throughput_rps),
        format::number(o.capacity.peak),
        inline(&o.capacity.unit),
    );
    match o
        .config
        .get("peak_backlog_messages")
        .and_then(serde_json::Value::as_f64)
    {
        // A queue sheds nothing: the backlog its consumers leave at the day's peak.
        Some(backlog) => {
            let _ = write!(
                perf,
                "; backlog at the day's peak: {} messages",
                format::number(backlog)
            );
        }
        None => {
            let _ = write!(
                perf,
                "; throttled or shed: {}",
                format::share(o.throttled_share)
            );
        }
    }
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
    let label = match o.status() {
        Status::Ok => "**Limits and risks:**",
        Status::Infeasible => "**Why it is not feasible:**",
        Status::Unpriced => "**Why it is not priced:**",
        Status::Disabled => "**Why it is not evaluated:**",
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

    // A series is drawn as a line only when the platform is feasible at every rate:
    // xychart-beta cannot leave gaps, and a line through the infeasible rates would show
    // costs that are not there. When a platform is feasible at some rates only, every
    // feasible point is in a table below the chart, with "—" where it is not feasible.
    let mut columns: Vec<(Platform, Vec<Option<f64>>)> = Vec::new();
    for p in Platform::ALL {
        let costs: Vec<Option<f64>> = match curve.series.iter().find(|(q, _)| *q == p) {
            Some((_, c)) => (0..n)
                .map(|i| c.get(i).copied().flatten().filter(|x| x.is_finite()))
                .collect(),
            None => continue,
        };
        columns.push((p, costs));
    }
    let drawn: Vec<(Platform, Vec<f64>)> = columns
        .iter()
        .filter(|(_, c)| c.iter().all(Option::is_some))
        .map(|(p, c)| (*p, c.iter().copied().flatten().collect()))
        .collect();
    let partial: Vec<&str> = columns
        .iter()
        .filter(|(_, c)| c.iter().any(Option::is_some) && c.iter().any(Option::is_none))
        .map(|(p, _)| p.label())
        .collect();
    let status = |p: Platform| {
        w.options
            .iter()
            .find(|o| o.platform == p)
            .map(|o| o.status())
    };
    let none_with = |wanted: fn(Option<Status>) -> bool| -> Vec<&str> {
        columns
            .iter()
            .filter(|(p, c)| c.iter().all(Option::is_none) && wanted(status(*p)))
            .map(|(p, _)| p.label())
            .collect()
    };
    let unpriced = none_with(|s| s == Some(Status::Unpriced));
    let disabled = none_with(|s| s == Some(Status::Disabled));
    let none = none_with(|s| !matches!(s, Some(Status::Unpriced | Status::Disabled)));

    if drawn.is_empty() && partial.is_empty() {
        let priced = if unpriced.is_empty() { "" } else { "priced " };
        doc.block(format!(
            "No {priced}platform is feasible at any of these rates: there is nothing to chart."
        ));
    } else if drawn.is_empty() {
        doc.block(
            "No platform is feasible at every rate, so no line is drawn (a Mermaid xychart \
             cannot leave gaps); the feasible points are in the table."
                .to_string(),
        );
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
        let mut text = format!("Lines, in order: {}.", legend.join(", "));
        if !partial.is_empty() {
            let _ = write!(
                text,
                " Not drawn as a line, feasible at some rates only (a Mermaid xychart cannot \
                 leave gaps): {}; its points are in the table.",
                partial.join(", ")
            );
        }
        doc.block(text);
    }

    // The table, when the chart leaves points out (with every platform that has one, so
    // that its gaps read against the others).
    let mut headers: Vec<String> = vec![format!("Average rate [{unit}]")];
    let shown: Vec<&(Platform, Vec<Option<f64>>)> = columns
        .iter()
        .filter(|(_, c)| c.iter().any(Option::is_some))
        .filter(|_| !partial.is_empty())
        .collect();
    if !shown.is_empty() {
        headers.extend(shown.iter().map(|(p, _)| format!("{} [$/mo]", p.label())));
        let mut aligns: Vec<(&str, Align)> = vec![(headers[0].as_str(), Align::Right)];
        aligns.extend(headers[1..].iter().map(|h| (h.as_str(), Align::Right)));
        let mut t = Table::new(&aligns);
        for (i, r) in curve.rates.iter().enumerate() {
            let mut row = vec![format::rps(*r)];
            row.extend(
                shown
                    .iter()
                    .map(|(_, c)| c.get(i).copied().flatten().map_or_else(dash, format::money)),
            );
            t.row(row);
        }
        doc.block(t.render());
    }
    let mut notes: Vec<String> = Vec::new();
    if shown.iter().any(|(_, c)| c.iter().any(Option::is_none)) {
        notes.push("—: not feasible at that rate.".to_string());
    }
    if !none.is_empty() {
        notes.push(format!(
            "Not feasible at any of these rates: {}.",
            none.join(", ")
        ));
    }
    if !unpriced.is_empty() {
        notes.push(format!(
            "Not priced (see the warning above): {}.",
            unpriced.join(", ")
        ));
    }
    if !disabled.is_empty() {
        notes.push(format!("Disabled in the profile: {}.", disabled.join(", ")));
    }
    doc.block(notes.join(" "));
}

fn not_included(doc: &mut Doc, plan: &Plan) {
    if plan.not_included.is_empty() {
        return;
    }
    doc.block("## Not included".to_string());
    doc.block(format!(
        "The monthly costs above leave out:\n\n{}",
        bullets(&plan.not_included)
    ));
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

/// The summary's Feasible cell: ✓, ✗, or — for an option that was not judged (unpriced,
/// disabled).
fn feasible_cell(status: Status) -> &'static str {
    match status {
        Status::Ok => "✓",
        Status::Infeasible => "✗",
        Status::Unpriced | Status::Disabled => "—",
    }
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
