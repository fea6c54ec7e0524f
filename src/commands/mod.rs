//! The commands: glue between the CLI, the loaders, the operations, the model and the
//! renderers. One file per command; each prints its progress and results.

mod calibrate;
mod check;
mod diff;
mod docs;
mod pricing;
mod report;
mod tui;

use crate::cli::{Cli, Command, PricingCommand};
use anyhow::Result;
use std::process::ExitCode;

/// Write `text` to standard output: the product of a command, nothing else goes there. A
/// reader that went away (`planner check ... | head -1`) ends the output quietly, as other
/// command-line tools do; any other failure (a full disk) is an error, so a report that was
/// not written never exits 0. Control characters other than line
/// feed and tab are written out ([`crate::format::terminal_safe`]).
pub fn to_stdout(text: &str) -> Result<()> {
    use std::io::Write;
    let text = crate::format::terminal_safe(text);
    // (A standard output closed before start, `>&-`, cannot be told from `> /dev/null`: Rust's
    // runtime reopens it onto /dev/null before `main`.)
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(anyhow::Error::new(e).context("writing to standard output"))
        }
        _ => Ok(()),
    }
}

/// The price book for the profile loaded from `path` (its region, or `--region` when given).
/// A region the profile itself names that has no book is that file's error, at its `region`
/// line, so `check` finds it as `report` would.
pub(crate) fn book_for(
    profile: &crate::profile::Profile,
    path: &std::path::Path,
    region_flag: Option<&str>,
    pricing_dir: Option<&std::path::Path>,
) -> Result<crate::pricing::LoadedBook> {
    let region = region_flag.unwrap_or(&profile.region);
    match crate::pricing::load(region, pricing_dir) {
        Err(e @ crate::pricing::PricingError::UnknownRegion { .. }) if region_flag.is_none() => {
            use crate::profile::{PositionMap, ProfileError, ProfileErrorKind, ProfileErrors};
            let at = crate::input::read_text(path, crate::input::MAX_DOCUMENT_BYTES)
                .map(|text| PositionMap::build(&text).value("region"))
                .unwrap_or((0, 0));
            let error =
                ProfileError::new(ProfileErrorKind::Invalid, path, at, "region", e.to_string());
            Err(ProfileErrors(vec![error]).into())
        }
        other => Ok(other?),
    }
}

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        None => tui::run(cli.path.as_deref(), cli.region, cli.pricing),
        Some(Command::Report {
            profile,
            format,
            output,
        }) => report::run(
            &profile,
            format,
            output.as_deref(),
            cli.region.as_deref(),
            cli.pricing.as_deref(),
        ),
        Some(Command::Check { profiles }) => {
            check::run(&profiles, cli.region.as_deref(), cli.pricing.as_deref())
        }
        Some(Command::Diff {
            old,
            new,
            fail_above,
        }) => diff::run(
            &old,
            &new,
            fail_above,
            cli.region.as_deref(),
            cli.pricing.as_deref(),
        ),
        Some(Command::Schema) => docs::schema(),
        Some(Command::Completions { shell }) => docs::completions(shell),
        Some(Command::Man) => docs::man(),
        Some(Command::Calibrate(args)) => {
            calibrate::run(&args, cli.region.as_deref(), cli.pricing.as_deref())
        }
        Some(Command::Pricing {
            command: PricingCommand::Show,
        }) => pricing::show(cli.region.as_deref(), cli.pricing.as_deref()),
        Some(Command::Pricing {
            command:
                PricingCommand::Refresh {
                    out,
                    endpoint_url,
                    quiet,
                    accept_changes,
                    savings_plans_offer,
                },
        }) => pricing::refresh(
            cli.region.as_deref(),
            out.or(cli.pricing).as_deref(),
            endpoint_url.as_deref(),
            quiet,
            accept_changes,
            savings_plans_offer.as_deref(),
        ),
    }
}
