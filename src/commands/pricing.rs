//! `planner pricing show|refresh`.

use crate::aws::pricing::RefreshError;
use crate::error::UsageError;
use crate::ops::refresh::{self, Step};
use crate::pricing;
use anyhow::{Context, Result};
use std::path::Path;
use std::process::ExitCode;

pub fn show(region: Option<&str>, pricing_dir: Option<&Path>) -> Result<ExitCode> {
    let region = region.unwrap_or("us-east-1");
    let book = pricing::load(region, pricing_dir)?;
    let today = pricing::today_utc();
    super::to_stdout(&pricing::show(&book, today))?;
    if let Some(warning) = book.book.staleness_warning(today) {
        eprintln!("warning: {warning}");
    }
    Ok(ExitCode::SUCCESS)
}

/// `planner pricing refresh`: download, compare with the previous book, write atomically.
pub fn refresh(
    region: Option<&str>,
    out: Option<&Path>,
    endpoint_url: Option<&str>,
    quiet: bool,
    accept_changes: bool,
    savings_plans_offer: Option<&Path>,
) -> Result<ExitCode> {
    let region = region.ok_or_else(|| {
        UsageError(
            "`planner pricing refresh` needs --region REGION: the region to price, e.g. \
             `planner pricing refresh --region eu-west-1`"
                .into(),
        )
    })?;
    let mut prepared = refresh::prepare(
        region,
        out.unwrap_or(Path::new("pricing-cache")),
        endpoint_url,
    )?;
    prepared.accept_changes = accept_changes;
    if let Some(path) = savings_plans_offer {
        let rates = prepared.read_savings_plans_offer(path)?;
        if !quiet {
            eprintln!("{}", offer_summary(path, rates));
        }
    }

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let outcome = runtime.block_on(async {
        let sdk = refresh::load_config(None).await;
        let mut progress = |step: Step<'_>| {
            if quiet {
                return;
            }
            match step {
                Step::Connected { endpoint } => {
                    let line =
                        format!("Reading {region} prices from the AWS Price List API ({endpoint})");
                    eprintln!("{}", crate::format::terminal_safe(&line));
                }
                Step::Page(p) => {
                    let pages = if p.pages == 1 { "page" } else { "pages" };
                    if p.done {
                        eprintln!(
                            "  {:<17} {:>5} products ({} {pages})",
                            p.service, p.items, p.pages
                        );
                    } else {
                        eprintln!("  {:<17} {:>5} products so far ...", p.service, p.items);
                    }
                }
            }
        };
        tokio::select! {
            r = refresh::run(&prepared, &sdk, &mut progress) => r,
            _ = tokio::signal::ctrl_c() => Err(RefreshError::Interrupted),
        }
    })?;

    let mapped = &outcome.refreshed.mapped;
    if !mapped.skipped.is_empty() {
        eprintln!(
            "warning: skipped {} Price List item{} whose shape is not understood:",
            mapped.skipped.len(),
            if mapped.skipped.len() == 1 { "" } else { "s" }
        );
        for s in &mapped.skipped {
            let line = format!("  {} {}: {}", s.service, s.item, s.reason);
            eprintln!("{}", crate::format::terminal_safe(&line));
        }
    }
    if !quiet {
        for note in &outcome.refreshed.assembled.notes {
            eprintln!("note: {}", crate::format::terminal_safe(note));
        }
    }
    eprintln!("{}", outcome.summary());
    match &outcome.changes {
        Some(changes) => {
            eprintln!("Changes against {}:", changes.against);
            eprint!("{}", changes.diff);
        }
        None => {
            let book = outcome.book();
            eprintln!(
                "New book: {} prices, {} instance types",
                book.prices.len(),
                book.instances.len()
            );
        }
    }
    let (path, _) = refresh::commit(&prepared, &outcome)?;
    eprintln!("wrote {}", path.display());
    Ok(ExitCode::SUCCESS)
}

/// `Savings Plans offer FILE: 412 rates (no upfront) to enter; 2 given twice at different
/// prices, left out: ...; 1 not a positive price, left out`.
fn offer_summary(path: &Path, rates: &crate::aws::pricing_map::OfferRates) -> String {
    let mut line = format!(
        "Savings Plans offer {}: {} rates (no upfront) to enter",
        path.display(),
        rates.rates.len()
    );
    if !rates.conflicts.is_empty() {
        let names: Vec<String> = rates.conflicts.iter().map(ToString::to_string).collect();
        line.push_str(&format!(
            "; {} given twice at different prices, left out: {}",
            rates.conflicts.len(),
            names.join(", ")
        ));
    }
    if rates.refused > 0 {
        line.push_str(&format!(
            "; {} not a positive price, left out",
            rates.refused
        ));
    }
    crate::format::terminal_safe(&line).into_owned()
}
