//! `planner schema`, `planner completions` and `planner man`: documents generated from the
//! definitions planner itself runs on (the profile types, the command line), so they cannot
//! drift from it.

use anyhow::{Context, Result};
use std::process::ExitCode;

/// Print the JSON Schema of the profile format ([`crate::profile::schema_json`]).
pub fn schema() -> Result<ExitCode> {
    super::to_stdout(&crate::profile::schema_json())?;
    Ok(ExitCode::SUCCESS)
}

/// Print `shell`'s completion script for the command line.
pub fn completions(shell: clap_complete::Shell) -> Result<ExitCode> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command(), "planner", &mut out);
    super::to_stdout(&String::from_utf8(out).context("completion script")?)?;
    Ok(ExitCode::SUCCESS)
}

/// Print the man page (roff) of the command line, its subcommands included.
pub fn man() -> Result<ExitCode> {
    super::to_stdout(&man_page()?)?;
    Ok(ExitCode::SUCCESS)
}

fn command() -> clap::Command {
    <crate::cli::Cli as clap::CommandFactory>::command()
}

/// The man page: planner(1), then a section for each subcommand (theirs, nested, included).
pub fn man_page() -> Result<String> {
    let cmd = command();
    let mut out = Vec::new();
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    man.render_options_section(&mut out)?;
    man.render_subcommands_section(&mut out)?;
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        render_command(&mut out, sub, "planner")?;
    }
    man.render_version_section(&mut out)?;
    man.render_authors_section(&mut out)?;
    String::from_utf8(out).context("man page")
}

/// One subcommand's section (synopsis, description and options as its subsections), then
/// its own subcommands'.
fn render_command(out: &mut Vec<u8>, cmd: &clap::Command, parent: &str) -> Result<()> {
    let name = format!("{parent} {}", cmd.get_name());
    let cmd = cmd.clone().bin_name(name.clone());
    out.extend_from_slice(format!(".SH \"{}\"\n", name.to_uppercase()).as_bytes());
    let man = clap_mangen::Man::new(cmd.clone());
    let mut section = Vec::new();
    man.render_synopsis_section(&mut section)?;
    man.render_description_section(&mut section)?;
    man.render_options_section(&mut section)?;
    let section = String::from_utf8(section).context("man page")?;
    for line in section.lines() {
        let line = match line.strip_prefix(".SH ") {
            Some(title) => format!(".SS {title}"),
            None => line.to_string(),
        };
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
    }
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        render_command(out, sub, &name)?;
    }
    Ok(())
}
