//! planner: parse the command line, run the command, print errors, set the exit code.

use clap::Parser;
use planner::cli::Cli;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match planner::commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(planner::error::exit_code(&err))
        }
    }
}
