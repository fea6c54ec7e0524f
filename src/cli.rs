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
        /// Output format [default: by the -o file's extension (`.json` is JSON), else
        /// markdown].
        #[arg(long, value_enum)]
        format: Option<FormatArg>,
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
    /// Measure a real Lambda function at several memory sizes and write the result into the
    /// profile's calibration sidecar (PROFILE.calibration.yaml).
    ///
    /// It prints a plan first (what it creates and removes, the most it can cost) and asks for
    /// confirmation unless --yes. It always restores the function and deletes what it created.
    Calibrate(CalibrateArgs),
    /// Inspect the price book.
    Pricing {
        #[command(subcommand)]
        command: PricingCommand,
    },
    /// Print what changed between two profiles, or two JSON reports: each workload's
    /// recommendation, the monthly cost of every option, the risks added and removed.
    ///
    /// Markdown-friendly text, for a pull request comment. Profiles are planned first (with
    /// `--region` / `--pricing` as `report`); a file is read as a JSON report when it ends in
    /// `.json` or starts with `{`.
    Diff {
        /// The profile or JSON report before the change.
        old: PathBuf,
        /// The profile or JSON report after the change.
        new: PathBuf,
        /// Exit 1 when a workload's recommended option costs more than PERCENT % more a month
        /// than before (for CI).
        #[arg(long, value_name = "PERCENT")]
        fail_above: Option<f64>,
    },
    /// Print the JSON Schema of the profile format (for editors: `yaml-language-server`).
    Schema,
    /// Print a shell completion script.
    ///
    /// bash: `planner completions bash > ~/.local/share/bash-completion/completions/planner`;
    /// zsh: into a folder on `$fpath` as `_planner`; fish:
    /// `~/.config/fish/completions/planner.fish`.
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `planner man > planner.1; man ./planner.1`.
    Man,
}

#[derive(Debug, Clone, clap::Args)]
pub struct CalibrateArgs {
    /// The workload profile (YAML).
    pub profile: PathBuf,
    /// The workload the function runs.
    #[arg(long, value_name = "NAME")]
    pub workload: String,
    /// The Lambda function: name, ARN or partial ARN.
    #[arg(long, value_name = "FN")]
    pub function: String,
    /// Memory sizes to measure, MB (128..=10240), comma-separated.
    #[arg(
        long,
        value_name = "MB,...",
        value_delimiter = ',',
        default_value = "512,1024,2048"
    )]
    pub memory: Vec<u32>,
    /// Invocations per memory size.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub invocations: u32,
    /// JSON payload to invoke with (default `{}`).
    #[arg(long, value_name = "FILE")]
    pub payload: Option<PathBuf>,
    /// Invocations in flight at once.
    #[arg(long, value_name = "K", default_value_t = 1)]
    pub concurrency: u32,
    /// Refuse to run more invocations than this in all (a guard against typos).
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub max_invocations: u32,
    /// Send AWS requests to this endpoint instead of the Region's (e.g. a local test server).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub yes: bool,
    /// Print the plan and stop (reads the function's configuration only).
    #[arg(long)]
    pub dry_run: bool,
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
        /// Write the book even when figures moved by more than x10 (up or down) against the
        /// previous book (without it such a refresh stops and lists them). Zero, negative
        /// and non-numeric prices are refused all the same.
        #[arg(long)]
        accept_changes: bool,
        /// Also enter the Savings Plans rates (Fargate, Lambda, EC2; no upfront) from AWS's
        /// bulk Savings Plans offer for the Region, a file downloaded beforehand: the
        /// `versionUrl` of the Region in
        /// https://pricing.us-east-1.amazonaws.com/savingsPlan/v1.0/aws/AWSComputeSavingsPlan/current/region_index.json
        #[arg(long, value_name = "FILE")]
        savings_plans_offer: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Markdown,
    Json,
}
