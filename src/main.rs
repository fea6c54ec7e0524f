//! planner: parse the command line, run the command, print errors, set the exit code.

use clap::Parser;
use planner::cli::Cli;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match planner::commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            let message = format!("{err:#}");
            eprintln!("error: {}", planner::format::terminal_safe(&message));
            ExitCode::from(planner::error::exit_code(&err))
        }
    }
}
