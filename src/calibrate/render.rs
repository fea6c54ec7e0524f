//! The text a finished run prints: per-size table, the fit, the best memory sizes.

use super::analysis::Analysis;
use crate::aws::lambda::FunctionInfo;
use crate::format;
use crate::profile::MeasureSource;

fn opt_ms(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_string(), |x| format!("{x:.1}"))
}

/// Render the results as Markdown-style text (tables read well in a terminal too).
pub fn results(a: &Analysis, info: &FunctionInfo, date: &str) -> String {
    let mut t = String::new();
    t.push_str(&format!(
        "Calibration of {} ({}), {date}: {} successful invocations\n\n",
        info.arn,
        info.architecture.as_str(),
        a.measured
    ));
    t.push_str(
        "| Memory [MB] | OK | p50 [ms] | p90 [ms] | p99 [ms] | mean [ms] | billed [ms] | max mem [MB] | cold | init [ms] | $/invocation | $/1M | errors | timeouts | throttles | no tail |\n",
    );
    t.push_str(
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for s in &a.sizes {
        let d = s.duration;
        t.push_str(&format!(
            "| {}{} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            s.memory_mb,
            if s.source == MeasureSource::Client {
                " (client timing)"
            } else {
                ""
            },
            s.ok,
            opt_ms(d.map(|d| d.p50)),
            opt_ms(d.map(|d| d.p90)),
            opt_ms(d.map(|d| d.p99)),
            opt_ms(d.map(|d| d.mean)),
            opt_ms(s.billed_mean_ms),
            s.max_memory_used_mb
                .map_or_else(|| "—".to_string(), |m| m.to_string()),
            format::share(s.cold_start_share),
            opt_ms(s.init_mean_ms.or(s.restore_mean_ms)),
            s.cost_per_invocation_usd
                .map_or_else(|| "—".to_string(), |c| format!("${c:.10}")),
            s.cost_per_million_usd()
                .map_or_else(|| "—".to_string(), |c| format!("${c:.2}")),
            s.function_errors,
            s.timeouts,
            s.throttles + s.throttled_out,
            s.missing_tails,
        ));
    }
    t.push('\n');
    match &a.fit {
        Ok(f) => {
            t.push_str(&format!(
                "Fit: duration = {:.1} ms + {:.1} ms / min(memory/1769, {}) — RMSE {:.2} ms, worst {:.1}%, R² {:.4}{}\n",
                f.io_ms,
                f.cpu_ms,
                f.threads,
                f.rmse_ms,
                f.max_error_pct,
                f.r_squared,
                match (f.io_se_ms, f.cpu_se_ms) {
                    (Some(a), Some(b)) => format!(" (standard errors: I/O ±{a:.1} ms, CPU ±{b:.1} ms)"),
                    _ => " (two sizes: exact, no error estimate; measure three or more)".to_string(),
                }
            ));
            for s in &a.sizes {
                if let Some(m) = s.warm_mean_ms {
                    t.push_str(&format!(
                        "  {} MB: measured {:.1} ms (warm mean), fitted {:.1} ms\n",
                        s.memory_mb,
                        m,
                        f.predict(s.memory_mb)
                    ));
                }
            }
        }
        Err(e) => t.push_str(&format!("No fit: {e}.\n")),
    }
    let b = &a.best;
    let mb = |m: Option<u32>| m.map_or_else(|| "—".to_string(), |m| format!("{m} MB"));
    t.push_str(&format!(
        "Best measured memory: for cost {}, for speed {}, balanced {}\n",
        mb(b.cost),
        mb(b.speed),
        mb(b.balanced)
    ));
    if let Some(p) = &a.predicted_cheapest {
        t.push_str(&format!(
            "Cheapest by the fit over 128–10,240 MB: {} MB ({:.1} ms, ${:.2} per million)\n",
            p.memory_mb,
            p.duration_ms,
            p.cost_per_invocation_usd * 1e6
        ));
    }
    for n in &a.notes {
        t.push_str(&format!("Note: {n}\n"));
    }
    t
}
