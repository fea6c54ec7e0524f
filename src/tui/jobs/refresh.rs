//! The price refresh job: what `planner pricing refresh --region REGION --out DIR` does,
//! reporting each service as a step of the gauge. It never accepts figures that moved more
//! than x10 (`--accept-changes` is the command line's): such a refresh fails with the list of
//! figures as its message, and the previous book stays.

use super::{JobId, JobOutcome, progress};
use crate::ops::refresh::{self, Step};
use crate::tui::action::Action;
use std::path::Path;
use tokio::sync::mpsc::Sender;

/// Refresh `region`'s prices into `dir` as job `id`. `sdk` is the loaded AWS configuration.
pub async fn refresh_prices(
    id: JobId,
    region: &str,
    dir: &Path,
    endpoint_url: Option<&str>,
    sdk: &aws_config::SdkConfig,
    tx: &Sender<Action>,
) -> JobOutcome {
    let prepared = match refresh::prepare(region, dir, endpoint_url) {
        Ok(p) => p,
        Err(e) => return JobOutcome::Failed(format!("{e:#}")),
    };
    let total = prepared.services() as u64;
    let mut done = 0u64;
    let mut on_step = |step: Step<'_>| match step {
        Step::Connected { endpoint } => progress(
            tx,
            id,
            0,
            total,
            format!("reading {region} prices from {endpoint}"),
        ),
        Step::Page(p) => {
            if p.done {
                done += 1;
            }
            progress(
                tx,
                id,
                done,
                total,
                format!("{}: {} products", p.service, p.items),
            );
        }
    };
    let outcome = match refresh::run(&prepared, sdk, &mut on_step).await {
        Ok(o) => o,
        Err(e) => return JobOutcome::Failed(e.to_string()),
    };
    let moved = outcome.changes.as_ref().map(|c| c.diff.moved.len());
    match refresh::commit(&prepared, &outcome) {
        Ok((path, book)) => {
            let changes = match moved {
                Some(n) => format!("; {n} price(s) moved"),
                None => String::new(),
            };
            let message = format!(
                "wrote {} ({} products read{changes})",
                path.display(),
                outcome.refreshed.mapped.total_read()
            );
            JobOutcome::PricesRefreshed {
                book: Box::new(book),
                path,
                message,
            }
        }
        Err(e) => JobOutcome::Failed(e.to_string()),
    }
}
