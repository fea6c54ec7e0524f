//! What changed between two JSON reports (`planner diff`): each workload's recommendation
//! and its monthly cost, every option's cost, the risks added and removed. Markdown, for a
//! pull request comment.
//!
//! Reads the reports leniently, key by key, so a report from an older or newer planner still
//! compares: a missing key is an unknown, `monthly_cost_usd: null` an option without a price,
//! and an option's `status` (when a report has one) is shown where its cost would be.

use crate::format::{self, money, terminal_safe};
use serde_json::Value;
use std::collections::BTreeSet;

/// A comparison of two reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Diff {
    /// The Markdown text.
    pub text: String,
    /// Each workload in both reports whose recommended option's monthly cost can be compared:
    /// its name and the cost's change in percent (`+inf` from zero to a cost).
    pub rises: Vec<(String, f64)>,
}

impl Diff {
    /// The workloads whose recommended cost rose more than `percent`.
    pub fn above(&self, percent: f64) -> Vec<&(String, f64)> {
        self.rises.iter().filter(|(_, r)| *r > percent).collect()
    }
}

/// Compare the report `old` (titled `old_name`) with `new`.
pub fn diff(old: &Value, new: &Value, old_name: &str, new_name: &str) -> Diff {
    let mut text = format!("## planner diff: `{old_name}` → `{new_name}`\n");
    let mut rises = Vec::new();
    let (before, after) = (workloads(old), workloads(new));
    let mut changed = false;
    for w in &before {
        let name = str_at(w, "name");
        match after.iter().find(|a| str_at(a, "name") == name) {
            Some(a) => {
                let (section, rise) = workload(w, a);
                if let Some(r) = rise {
                    rises.push((name.to_string(), r));
                }
                if !section.is_empty() {
                    changed = true;
                    text.push_str(&format!("\n### {}\n\n{section}", safe(name)));
                }
            }
            None => {
                changed = true;
                text.push_str(&format!("\n### {}\n\nRemoved.\n", safe(name)));
            }
        }
    }
    for a in &after {
        let name = str_at(a, "name");
        if !before.iter().any(|w| str_at(w, "name") == name) {
            changed = true;
            text.push_str(&format!(
                "\n### {}\n\nAdded: recommends {}.\n",
                safe(name),
                recommended(a)
            ));
        }
    }
    if !changed {
        text.push_str("\nNo change in recommendations, costs or risks.\n");
    }
    Diff { text, rises }
}

fn workloads(report: &Value) -> Vec<&Value> {
    report
        .get("workloads")
        .and_then(Value::as_array)
        .map(|w| w.iter().collect())
        .unwrap_or_default()
}

fn str_at<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// Text from a report, safe in a terminal and in a Markdown table cell.
fn safe(s: &str) -> String {
    terminal_safe(s).replace('|', "\\|").replace('\n', " ")
}

/// The recommended platform's id, if any.
fn recommendation(w: &Value) -> Option<&str> {
    w.get("recommendation")?.get("platform")?.as_str()
}

fn option<'a>(w: &'a Value, platform: &str) -> Option<&'a Value> {
    w.get("options")?
        .as_array()?
        .iter()
        .find(|o| str_at(o, "platform") == platform)
}

/// An option's monthly cost when it is feasible and priced.
fn cost(o: &Value) -> Option<f64> {
    if o.get("feasible").and_then(Value::as_bool) == Some(false) {
        return None;
    }
    o.get("monthly_cost_usd")?.as_f64()
}

/// An option's cost as a table cell: `$130.83`, or why it has none.
fn cost_cell(o: Option<&Value>) -> String {
    let Some(o) = o else {
        return "—".to_string();
    };
    if let Some(c) = cost(o) {
        return format::usd(c);
    }
    match o.get("status").and_then(Value::as_str) {
        Some(s) if !s.is_empty() && s != "ok" && s != "feasible" => safe(s).replace('_', " "),
        _ if o.get("feasible").and_then(Value::as_bool) == Some(false) => "not feasible".into(),
        _ => "unpriced".to_string(),
    }
}

fn label(platform: &str) -> String {
    crate::model::Platform::from_id(platform)
        .map_or_else(|| safe(platform), |p| p.label().to_string())
}

/// "ECS Fargate ($130.83/month)", or "nothing" when no option is recommended.
fn recommended(w: &Value) -> String {
    match recommendation(w) {
        Some(p) => {
            let c = option(w, p).and_then(cost);
            match c {
                Some(c) => format!("{} ({}/month)", label(p), format::usd(c)),
                None => label(p),
            }
        }
        None => "nothing (no option is feasible)".to_string(),
    }
}

/// The change from `a` to `b` in percent (`+inf` from zero up, 0 when both are zero).
fn percent(a: f64, b: f64) -> f64 {
    if a == 0.0 {
        if b > 0.0 { f64::INFINITY } else { 0.0 }
    } else {
        (b - a) / a.abs() * 100.0
    }
}

fn signed_percent(p: f64) -> String {
    if p.is_infinite() {
        "new cost".to_string()
    } else {
        format!("{}{:.1}%", if p >= 0.0 { "+" } else { "" }, p)
    }
}

/// One workload's changes (empty when none) and its recommended cost's change in percent.
fn workload(old: &Value, new: &Value) -> (String, Option<f64>) {
    let mut out = String::new();
    let (ro, rn) = (recommendation(old), recommendation(new));
    let cost_of = |w: &Value, r: Option<&str>| r.and_then(|p| option(w, p)).and_then(cost);
    let (co, cn) = (cost_of(old, ro), cost_of(new, rn));
    let rise = co.zip(cn).map(|(a, b)| percent(a, b));
    if ro != rn {
        out.push_str(&format!(
            "**Recommendation changed:** {} → {}.\n",
            recommended(old),
            recommended(new)
        ));
    } else if co != cn {
        out.push_str(&format!(
            "Recommendation: {} (unchanged), {} → {} a month ({}).\n",
            ro.map_or_else(|| "nothing".to_string(), label),
            co.map_or_else(|| "unpriced".to_string(), format::usd),
            cn.map_or_else(|| "unpriced".to_string(), format::usd),
            rise.map_or_else(|| "not comparable".to_string(), signed_percent),
        ));
    }

    let platforms: Vec<String> = [old, new]
        .iter()
        .flat_map(|w| {
            w.get("options")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
        })
        .map(|o| str_at(o, "platform").to_string())
        .fold(Vec::new(), |mut v, p| {
            if !v.contains(&p) {
                v.push(p);
            }
            v
        });
    let rows: Vec<String> = platforms
        .iter()
        .filter_map(|p| {
            let (oo, on) = (option(old, p), option(new, p));
            let (before, after) = (cost_cell(oo), cost_cell(on));
            if before == after {
                return None;
            }
            let change = match (oo.and_then(cost), on.and_then(cost)) {
                (Some(a), Some(b)) => {
                    let d = b - a;
                    format!(
                        "{}${} ({})",
                        if d >= 0.0 { "+" } else { "−" },
                        money(d.abs()),
                        signed_percent(percent(a, b))
                    )
                }
                _ => String::new(),
            };
            Some(format!(
                "| {} | {before} | {after} | {change} |\n",
                label(p)
            ))
        })
        .collect();
    if !rows.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str("| option | before | after | change |\n|---|---:|---:|---:|\n");
        out.extend(rows);
    }

    let (mut added, mut removed, mut changed) = (String::new(), String::new(), String::new());
    for p in &platforms {
        let set = |w: &Value| -> BTreeSet<String> {
            option(w, p)
                .and_then(|o| o.get("risks"))
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).map(safe).collect())
                .unwrap_or_default()
        };
        let (before, after) = (set(old), set(new));
        let mut gone: Vec<&String> = before.difference(&after).collect();
        for r in after.difference(&before) {
            // The same risk with other figures (a quota of 10 vCPUs, now 20) is one risk
            // that changed, not one removed and one added.
            match gone.iter().position(|g| skeleton(g) == skeleton(r)) {
                Some(i) => {
                    let was = gone.remove(i);
                    changed.push_str(&format!(
                        "- {}: {r} (before: {})\n",
                        label(p),
                        changed_figures(was, r).join(", ")
                    ));
                }
                None => added.push_str(&format!("- {}: {r}\n", label(p))),
            }
        }
        for r in gone {
            removed.push_str(&format!("- {}: {r}\n", label(p)));
        }
    }
    for (title, list) in [
        ("Risks added", added),
        ("Risks changed", changed),
        ("Risks removed", removed),
    ] {
        if !list.is_empty() {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&format!("{title}:\n\n{list}"));
        }
    }
    (out, rise)
}

/// The figures in a sentence (`10`, `10:53`, `$1,234.50`, `62%`), in order.
fn figures(s: &str) -> Vec<&str> {
    let is_part = |c: char| c.is_ascii_digit() || matches!(c, '.' | ',' | ':' | '%' | '$');
    s.split(|c: char| !is_part(c))
        .map(|t| t.trim_end_matches(['.', ',', ':']))
        .filter(|t| t.chars().any(|c| c.is_ascii_digit()))
        .collect()
}

/// A sentence with its figures blanked out: two risks alike but for their figures match.
fn skeleton(s: &str) -> String {
    let mut out = s.to_string();
    for f in figures(s) {
        out = out.replacen(f, "#", 1);
    }
    out
}

/// The figures of `old` that differ from `new`'s, in order.
fn changed_figures<'a>(old: &'a str, new: &str) -> Vec<&'a str> {
    let new = figures(new);
    figures(old)
        .into_iter()
        .enumerate()
        .filter(|(i, f)| new.get(*i) != Some(f))
        .map(|(_, f)| f)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn report(rec: &str, costs: &[(&str, Value, &[&str])]) -> Value {
        let options: Vec<Value> = costs
            .iter()
            .map(|(p, c, risks)| json!({"platform": p, "feasible": true, "monthly_cost_usd": c, "risks": risks}))
            .collect();
        json!({"workloads": [{"name": "api", "options": options, "recommendation": {"platform": rec}}]})
    }

    #[test]
    fn same_report_has_no_change() {
        let r = report(
            "ecs",
            &[("ecs", json!(100.0), &[]), ("lambda", json!(150.0), &[])],
        );
        let d = diff(&r, &r, "a", "b");
        assert!(d.text.contains("No change"), "{}", d.text);
        assert_eq!(d.rises, vec![("api".to_string(), 0.0)]);
    }

    #[test]
    fn costs_recommendation_and_risks() {
        let old = report(
            "ecs",
            &[
                ("ecs", json!(100.0), &["slow"]),
                ("lambda", json!(150.0), &[]),
            ],
        );
        let new = report(
            "lambda",
            &[
                ("ecs", json!(200.0), &[]),
                ("lambda", json!(160.0), &["cold"]),
            ],
        );
        let d = diff(&old, &new, "a", "b");
        assert!(
            d.text.contains(
                "**Recommendation changed:** ECS Fargate ($100.00/month) → Lambda ($160.00/month)."
            ),
            "{}",
            d.text
        );
        assert!(
            d.text
                .contains("| ECS Fargate | $100.00 | $200.00 | +$100.00 (+100.0%) |"),
            "{}",
            d.text
        );
        assert!(
            d.text.contains("Risks added:\n\n- Lambda: cold\n"),
            "{}",
            d.text
        );
        assert!(
            d.text.contains("Risks removed:\n\n- ECS Fargate: slow\n"),
            "{}",
            d.text
        );
        assert_eq!(d.rises, vec![("api".to_string(), 60.0)]);
        assert_eq!(d.above(50.0).len(), 1);
        assert!(d.above(60.0).is_empty());
    }

    #[test]
    fn a_risk_with_other_figures_changed() {
        let old = report(
            "ecs",
            &[("ecs", json!(100.0), &["Needs 10 vCPUs at 10:53.", "gone"])],
        );
        let new = report(
            "ecs",
            &[("ecs", json!(100.0), &["Needs 20 vCPUs at 10:53.", "new"])],
        );
        let d = diff(&old, &new, "a", "b");
        assert!(
            d.text.contains(
                "Risks changed:\n\n- ECS Fargate: Needs 20 vCPUs at 10:53. (before: 10)\n"
            ),
            "{}",
            d.text
        );
        assert!(
            d.text.contains("Risks added:\n\n- ECS Fargate: new\n"),
            "{}",
            d.text
        );
        assert!(
            d.text.contains("Risks removed:\n\n- ECS Fargate: gone\n"),
            "{}",
            d.text
        );
    }

    /// Null costs and a `status` key (reports that mark options unpriced) are read, not refused.
    #[test]
    fn null_costs_and_status_are_tolerated() {
        let old = report(
            "ecs",
            &[("ecs", json!(100.0), &[]), ("ec2", json!(90.0), &[])],
        );
        let mut new = report(
            "ecs",
            &[("ecs", json!(100.0), &[]), ("ec2", Value::Null, &[])],
        );
        new["workloads"][0]["options"][1]["status"] = json!("unpriced");
        let d = diff(&old, &new, "a", "b");
        assert!(
            d.text.contains("| EC2 | $90.00 | unpriced |  |"),
            "{}",
            d.text
        );
        assert_eq!(d.rises, vec![("api".to_string(), 0.0)]);
    }
}
