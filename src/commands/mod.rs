//! The commands: glue between the CLI, the loaders, the operations, the model and the
//! renderers. One file per command; each prints its progress and results.

mod calibrate;
mod check;
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
        Some(Command::Check { profiles }) => check::run(&profiles),
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
                },
        }) => pricing::refresh(
            cli.region.as_deref(),
            out.or(cli.pricing).as_deref(),
            endpoint_url.as_deref(),
            quiet,
            accept_changes,
        ),
    }
}
