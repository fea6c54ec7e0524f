//! `planner check`: validate profiles.

use crate::pricing::PriceBook;
use crate::profile;
use anyhow::Result;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Validate each profile, and that a price book exists for its region (the profile's, or
/// `--region`), in the built-in books or `--pricing DIR`.
pub fn run(
    paths: &[PathBuf],
    region: Option<&str>,
    pricing_dir: Option<&Path>,
) -> Result<ExitCode> {
    let mut problems = 0usize;
    for path in paths {
        let loaded = profile::load(path).and_then(|p| {
            match super::book_for(&p, path, region, pricing_dir) {
                Ok(book) => match book_problems(&p, path, &book.book) {
                    problems if problems.is_empty() => Ok(p),
                    problems => Err(profile::ProfileErrors(problems)),
                },
                Err(e) => match e.downcast::<profile::ProfileErrors>() {
                    Ok(errors) => Err(errors),
                    Err(other) => Err(profile::ProfileErrors(vec![profile::ProfileError::new(
                        profile::ProfileErrorKind::Invalid,
                        path,
                        (0, 0),
                        "",
                        format!("{other:#}"),
                    )])),
                },
            }
        });
        match loaded {
            Ok(p) => super::to_stdout(&format!(
                "ok: {} ({} workload{})\n",
                crate::format::terminal_safe(&path.display().to_string()),
                p.workloads.len(),
                if p.workloads.len() == 1 { "" } else { "s" }
            ))?,
            Err(errors) => {
                for e in errors.iter() {
                    eprintln!("{}", crate::format::terminal_safe(&e.to_string()));
                }
                problems += errors.len();
            }
        }
    }
    if problems > 0 {
        eprintln!(
            "{problems} problem{} found",
            if problems == 1 { "" } else { "s" }
        );
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

/// What the price book in use cannot price in the profile, each at its line: an EC2
/// `instance_type` it does not list (with the nearest types it does), or a `purchase` it has
/// no prices for (naming the missing price).
fn book_problems(
    p: &profile::Profile,
    path: &Path,
    book: &PriceBook,
) -> Vec<profile::ProfileError> {
    let ec2 = &p.platforms.ec2;
    if !ec2.enabled {
        return Vec::new();
    }
    let text = crate::input::read_text(path, crate::input::MAX_DOCUMENT_BYTES).unwrap_or_default();
    let positions = profile::PositionMap::build(&text);
    let error = |field: &str, message: String| {
        profile::ProfileError::new(
            profile::ProfileErrorKind::Invalid,
            path,
            positions.value(field),
            field,
            message,
        )
    };
    if let Some(name) = ec2.instance_type.fixed()
        && book.instance(name).is_err()
    {
        let known: Vec<&String> = book.instances.keys().collect();
        let field = "platforms.ec2.instance_type";
        let mut e = error(field, unknown_instance_type(name, &known, &book.region));
        e.suggestion = profile::closest(name, &known).map(str::to_string);
        e.allowed = known.into_iter().cloned().collect();
        return vec![e];
    }
    // A book that lists no instance types at all (for `auto`) is the book's gap, reported
    // as EC2 unpriced, not a problem of the profile.
    match crate::model::ec2::missing_price(ec2, book) {
        Some(missing) if missing.what == "price" => vec![error(
            "platforms.ec2.purchase",
            format!(
                "purchase `{}` cannot be priced: {missing}",
                ec2.purchase.as_str()
            ),
        )],
        Some(_) | None => Vec::new(),
    }
}

/// "`m5.larg` is not an instance type the us-east-1 price book knows; did you mean
/// `m5.large`?", or the nearest few it knows when none is close.
fn unknown_instance_type(name: &str, known: &[&String], region: &str) -> String {
    let mut message = format!("`{name}` is not an instance type the {region} price book knows");
    match profile::closest(name, known) {
        Some(s) => message.push_str(&format!("; did you mean `{s}`?")),
        None if known.is_empty() => message.push_str(" (it lists none)"),
        None => {
            let near: Vec<String> = profile::nearest(name, known, 3)
                .iter()
                .map(|t| format!("`{t}`"))
                .collect();
            message.push_str(&format!("; the closest it knows: {}", near.join(", ")));
        }
    }
    message
}
