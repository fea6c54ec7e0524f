//! Where the TUI's profiles come from: a file, a folder, `./profiles`, or the examples built
//! into the binary. This is the TUI's only profile I/O; it runs in the loop, never in `update`.

use super::app::{Document, Loaded};
use crate::pricing::{self, LoadedBook};
use crate::profile::{self, Profile, ProfileErrors};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The example profiles shipped in `profiles/`, built in for `planner` with no PATH.
pub const BUILT_IN: &[(&str, &str)] = &[
    (
        "checkout-api.yaml",
        include_str!("../../profiles/checkout-api.yaml"),
    ),
    (
        "clickstream.yaml",
        include_str!("../../profiles/clickstream.yaml"),
    ),
    (
        "high-throughput-api.yaml",
        include_str!("../../profiles/high-throughput-api.yaml"),
    ),
    (
        "image-fanout.yaml",
        include_str!("../../profiles/image-fanout.yaml"),
    ),
    (
        "marketplace.yaml",
        include_str!("../../profiles/marketplace.yaml"),
    ),
    (
        "order-events.yaml",
        include_str!("../../profiles/order-events.yaml"),
    ),
    (
        "order-workflow.yaml",
        include_str!("../../profiles/order-workflow.yaml"),
    ),
    (
        "webhook-receiver.yaml",
        include_str!("../../profiles/webhook-receiver.yaml"),
    ),
];

/// A calibration sidecar (`X.calibration.yaml`): merged into its profile, not one itself.
fn is_sidecar(path: &Path) -> bool {
    path.file_stem()
        .is_some_and(|s| s.to_string_lossy().ends_with(".calibration"))
}

/// What the user asked to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    Folder(PathBuf),
    BuiltIn,
}

/// Options that apply to every profile (`--region`, `--pricing`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    pub region: Option<String>,
    pub pricing: Option<PathBuf>,
}

impl Source {
    /// `planner [PATH]`: the path, else `./profiles` when present, else the built-in examples.
    pub fn resolve(path: Option<&Path>) -> Source {
        match path {
            Some(p) if p.is_dir() => Source::Folder(p.to_path_buf()),
            Some(p) => Source::File(p.to_path_buf()),
            None if Path::new("profiles").is_dir() => Source::Folder(PathBuf::from("profiles")),
            None => Source::BuiltIn,
        }
    }

    /// Read every profile. A profile that fails becomes a document with its error; the
    /// others still load. `Err` only when there is nothing to show at all.
    pub fn load(&self, opts: &Options) -> Result<Vec<Document>, String> {
        let mut books = Books::default();
        let docs = match self {
            Source::File(p) => {
                if !p.exists() {
                    return Err(format!("{}: file not found", p.display()));
                }
                vec![document(
                    p.clone(),
                    false,
                    profile::load(p),
                    opts,
                    &mut books,
                )]
            }
            Source::Folder(dir) => {
                let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
                    .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| {
                        p.is_file()
                            && p.extension().is_some_and(|x| x == "yaml" || x == "yml")
                            && !is_sidecar(p)
                    })
                    .collect();
                files.sort();
                if files.is_empty() {
                    return Err(format!("no profiles (*.yaml) in {}", dir.display()));
                }
                files
                    .into_iter()
                    .map(|p| {
                        let r = profile::load(&p);
                        document(p, false, r, opts, &mut books)
                    })
                    .collect()
            }
            Source::BuiltIn => BUILT_IN
                .iter()
                .map(|(name, text)| {
                    let path = Path::new("profiles").join(name);
                    let r = profile::parse(text, &path);
                    document(path, true, r, opts, &mut books)
                })
                .collect(),
        };
        Ok(docs)
    }
}

/// Price books by region, loaded once.
#[derive(Default)]
struct Books(BTreeMap<String, Result<LoadedBook, String>>);

impl Books {
    fn get(&mut self, region: &str, dir: Option<&Path>) -> Result<LoadedBook, String> {
        self.0
            .entry(region.to_string())
            .or_insert_with(|| pricing::load(region, dir).map_err(|e| e.to_string()))
            .clone()
    }
}

fn document(
    path: PathBuf,
    builtin: bool,
    loaded: Result<Profile, ProfileErrors>,
    opts: &Options,
    books: &mut Books,
) -> Document {
    let state = match loaded {
        Err(errors) => Err(errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")),
        Ok(mut p) => {
            if let Some(r) = &opts.region {
                p.region = r.clone();
            }
            books
                .get(&p.region, opts.pricing.as_deref())
                .map(|book| Loaded::new(p, book))
        }
    };
    Document {
        path,
        builtin,
        state,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_examples_all_load() {
        let docs = Source::BuiltIn.load(&Options::default()).unwrap();
        assert_eq!(docs.len(), BUILT_IN.len());
        for d in &docs {
            assert!(
                d.state.is_ok(),
                "{}: {:?}",
                d.path.display(),
                d.state.as_ref().err()
            );
        }
    }

    #[test]
    fn built_in_list_matches_the_profiles_folder() {
        let mut files: Vec<String> = std::fs::read_dir("profiles")
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".yaml"))
            .collect();
        files.sort();
        let built: Vec<&str> = BUILT_IN.iter().map(|(n, _)| *n).collect();
        assert_eq!(files, built);
    }
}
