//! The command line (SPEC §2).

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "planner",
    version,
    about = "Where should a workload's concurrency live on AWS, and what does it cost?",
    long_about = "planner models a workload profile on AWS Lambda, Step Functions, ECS Fargate and EC2 \
                  (throughput, latency, limits, monthly cost) and recommends one.\n\n\
                  Without a command it opens the interactive planner on PATH (a profile or a folder of \
                  profiles; default ./profiles, else the built-in examples)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Profile file or folder for the interactive planner.
    pub path: Option<PathBuf>,

    /// AWS Region to price in (overrides the profile's `region`).
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,

    /// Folder of price books (`<region>.yaml`) to use instead of the built-in ones.
    #[arg(long, global = true, value_name = "DIR")]
    pub pricing: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the recommendation report for a profile (Markdown by default).
    Report {
        /// The workload profile (YAML).
        profile: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = FormatArg::Markdown)]
        format: FormatArg,
        /// Write the report to FILE (atomically) instead of stdout; `-` is stdout.
        #[arg(short = 'o', long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Validate profiles; print every problem found.
    Check {
        /// Profiles to validate.
        #[arg(required = true)]
        profiles: Vec<PathBuf>,
    },
    /// Inspect the price book.
    Pricing {
        #[command(subcommand)]
        command: PricingCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum PricingCommand {
    /// Show the price book in use, with its provenance and age.
    Show,
    /// Rebuild a region's price book from the AWS Price List API (needs AWS credentials
    /// allowed `pricing:GetProducts`; `--region` names the region to price).
    Refresh {
        /// Folder to write `<region>.yaml` into [default: the `--pricing` folder, else
        /// `pricing-cache`].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Send Price List API requests to this URL instead of AWS's endpoint.
        #[arg(long, value_name = "URL")]
        endpoint_url: Option<String>,
        /// No progress on stderr (errors and the summary of changes still print).
        #[arg(short, long)]
        quiet: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Markdown,
    Json,
}
