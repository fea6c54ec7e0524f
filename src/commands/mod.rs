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
                },
        }) => pricing::refresh(
            cli.region.as_deref(),
            out.or(cli.pricing).as_deref(),
            endpoint_url.as_deref(),
            quiet,
        ),
    }
}
