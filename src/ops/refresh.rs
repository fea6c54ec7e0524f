//! Price refresh: rebuild a region's price book from the AWS Price List API.
//!
//! [`prepare`] checks the region and the output folder and reads the previous book;
//! [`run`] downloads and builds the new book (dropping its future midway changes nothing) and
//! refuses one whose figures jump by more than [`pricing::PLAUSIBLE_FACTOR`] unless
//! [`Prepared::accept_changes`]; [`commit`] writes it atomically.

use crate::atomic::AtomicFile;
use crate::aws::pricing::{self as price_list, RefreshError, Refreshed};
use crate::aws::{Retries, pricing_map};
use crate::error::UsageError;
use crate::pricing::{self, BookDiff, LoadedBook, PriceBook, PricingError};
use anyhow::Result;
use aws_config::SdkConfig;
use std::path::{Path, PathBuf};

/// The AWS configuration a refresh uses: the standard chain (or `given`), the SDK's
/// standard retries. The Price List client picks its own endpoint region.
pub async fn load_config(given: Option<&SdkConfig>) -> SdkConfig {
    crate::aws::load_config(given, None, None, Retries::Standard).await
}

/// A refresh checked and ready to download.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub region: String,
    /// The folder the book is written into.
    pub dir: PathBuf,
    /// `None`: the standard endpoint (or `AWS_ENDPOINT_URL`).
    pub endpoint_url: Option<String>,
    /// The book the new one is compared with and takes what the Price List lacks from: the
    /// folder's, else the built-in one for the region.
    pub previous: Option<LoadedBook>,
    /// The built-in us-east-1 book: which instance types and figures a book carries.
    reference: PriceBook,
    /// The new book's date.
    made: String,
    /// Write the book even if figures moved by more than [`pricing::PLAUSIBLE_FACTOR`]
    /// (`--accept-changes`; the TUI never sets it).
    pub accept_changes: bool,
    /// Savings Plans rates read from AWS's bulk offer file (`--savings-plans-offer FILE`,
    /// #12), entered in the new book over the previous book's; the TUI never sets it.
    pub savings_plans: Option<pricing_map::OfferRates>,
}

impl Prepared {
    /// How many services the download reads (one step each).
    pub fn services(&self) -> usize {
        let wanted = pricing_map::wanted_instance_types(
            self.previous.as_ref().map(|l| &l.book),
            &self.reference,
        );
        pricing_map::queries(&self.region, &wanted).len()
    }
}

/// Check `region` and the folder `dir` (created if missing, and writable) and read the
/// previous book, before any download.
pub fn prepare(region: &str, dir: &Path, endpoint_url: Option<&str>) -> Result<Prepared> {
    price_list::validate_region(region)?;
    std::fs::create_dir_all(dir)
        .map_err(|e| UsageError(format!("cannot create {}: {e}", dir.display())))?;
    let target = dir.join(format!("{region}.yaml"));
    drop(
        AtomicFile::create(&target)
            .map_err(|e| UsageError(format!("cannot write in {}: {e}", dir.display())))?,
    );
    let previous = match pricing::load(region, Some(dir)) {
        Ok(book) => Some(book),
        Err(PricingError::UnknownRegion { .. }) => pricing::built_in(region).ok(),
        Err(e) => {
            return Err(anyhow::Error::new(e).context(format!(
                "the existing book {} is not valid; fix or remove it, then refresh again",
                target.display()
            )));
        }
    };
    Ok(Prepared {
        region: region.to_string(),
        dir: dir.to_path_buf(),
        endpoint_url: endpoint_url.map(str::to_string),
        previous,
        reference: pricing::built_in("us-east-1")?.book,
        made: super::today(),
        accept_changes: false,
        savings_plans: None,
    })
}

impl Prepared {
    /// Read the Region's Savings Plans rates from `path`, AWS's bulk offer file (see
    /// [`pricing_map::read_offer`]), before any download: a file that cannot be read, is not
    /// an offer or is another Region's stops the refresh here.
    pub fn read_savings_plans_offer(&mut self, path: &Path) -> Result<&pricing_map::OfferRates> {
        let file = std::fs::File::open(path)
            .map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())))?;
        let name = path.display().to_string();
        let rates = pricing_map::read_offer(file, &self.region, &name).map_err(UsageError)?;
        Ok(self.savings_plans.insert(rates))
    }
}

/// What a refresh reports while it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step<'a> {
    /// The client is set up and talks to `endpoint`; credentials are checked next.
    Connected { endpoint: &'a str },
    /// A page of one service's products was read.
    Page(price_list::Progress<'a>),
}

/// What a refresh found, before it is written.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub refreshed: Refreshed,
    /// The new book against the previous one, if there was one.
    pub changes: Option<Changes>,
}

/// How the new book differs from the previous one.
#[derive(Debug, Clone)]
pub struct Changes {
    /// The previous book, in words: `the built-in eu-west-1 book, made 2026-07-01`.
    pub against: String,
    pub diff: BookDiff,
}

impl Outcome {
    pub fn book(&self) -> &PriceBook {
        &self.refreshed.assembled.book
    }

    /// `Read 512 products (AWSLambda 12, ...): 300 used, 200 not needed, 12 skipped`.
    pub fn summary(&self) -> String {
        let mapped = &self.refreshed.mapped;
        let per_service: Vec<String> = mapped
            .read
            .iter()
            .map(|(service, n)| format!("{service} {n}"))
            .collect();
        let used = mapped.total_read() - mapped.ignored - mapped.skipped.len();
        format!(
            "Read {} products ({}): {used} used, {} not needed, {} skipped",
            mapped.total_read(),
            per_service.join(", "),
            mapped.ignored,
            mapped.skipped.len()
        )
    }
}

/// Download the prices with `sdk` (credentials are checked first) and build the new book.
pub async fn run(
    p: &Prepared,
    sdk: &SdkConfig,
    progress: &mut (dyn FnMut(Step<'_>) + Send),
) -> Result<Outcome, RefreshError> {
    let endpoint_url = p.endpoint_url.as_deref();
    let client = price_list::client(sdk, endpoint_url)?;
    let endpoint = price_list::endpoint_name(sdk, endpoint_url);
    progress(Step::Connected {
        endpoint: &endpoint,
    });
    price_list::check_credentials(sdk).await?;
    let mut refreshed = price_list::refresh(
        &client,
        &endpoint,
        &p.region,
        &p.made,
        p.previous.as_ref(),
        &p.reference,
        &mut |page| progress(Step::Page(page)),
    )
    .await?;
    if let Some(rates) = &p.savings_plans {
        rates.apply(&mut refreshed.assembled.book);
    }
    let changes = p.previous.as_ref().map(|prev| Changes {
        against: describe(prev),
        diff: pricing::diff(&prev.book, &refreshed.assembled.book),
    });
    if !p.accept_changes {
        check_plausible(p, &refreshed)?;
    }
    Ok(Outcome { refreshed, changes })
}

/// `the built-in eu-west-1 book, made 2026-07-01`, or the file's path and date.
fn describe(book: &LoadedBook) -> String {
    if book.origin == pricing::BUILT_IN_ORIGIN {
        format!(
            "the built-in {} book, made {}",
            book.book.region, book.book.made
        )
    } else {
        format!("{}, made {}", book.origin, book.book.made)
    }
}

/// Refuse a new book whose figures moved by more than [`pricing::PLAUSIBLE_FACTOR`] against
/// the previous book, or, for a Region without one, against the built-in us-east-1 book
/// (Regions' prices differ by far less than that factor).
fn check_plausible(p: &Prepared, refreshed: &Refreshed) -> Result<(), RefreshError> {
    let (old, against) = match &p.previous {
        Some(prev) => (&prev.book, describe(prev)),
        None => (
            &p.reference,
            format!(
                "the built-in us-east-1 book, made {} (there is no previous {} book)",
                p.reference.made, p.region
            ),
        ),
    };
    let jumps = pricing::jumps(old, &refreshed.assembled.book, pricing::PLAUSIBLE_FACTOR);
    if jumps.is_empty() {
        return Ok(());
    }
    let jumps = jumps
        .into_iter()
        .map(|j| {
            let item = item_of(&refreshed.mapped, &j.key);
            (j, item)
        })
        .collect();
    Err(RefreshError::Implausible { against, jumps })
}

/// The Price List item a key of the new book came from: `SKU X (usagetype)`; a modelled
/// key (Fargate Spot) names the item of the price it is modelled from.
fn item_of(mapped: &pricing_map::Mapped, key: &str) -> String {
    if let Some(itype) = key.strip_prefix("instances.")
        && let Some(f) = mapped.instances.get(itype)
    {
        return format!("SKU {} ({})", f.sku, f.usagetype);
    }
    let from = pricing::keys::prices()
        .into_iter()
        .find(|k| k.key == key)
        .and_then(|k| match k.origin {
            pricing::keys::Origin::Modelled { from } => Some(from),
            pricing::keys::Origin::PriceList { .. } | pricing::keys::Origin::Published { .. } => {
                None
            }
        });
    let modelled = from.is_some();
    match mapped.prices.get(from.as_deref().unwrap_or(key)) {
        Some(f) if modelled => format!("modelled from SKU {} ({})", f.sku, f.usagetype),
        Some(f) => format!("SKU {} ({})", f.sku, f.usagetype),
        None => "kept from the previous book".into(),
    }
}

/// Write the new book into the folder, atomically: its path, and the book as loaded from
/// there.
pub fn commit(p: &Prepared, outcome: &Outcome) -> Result<(PathBuf, LoadedBook), PricingError> {
    let path = pricing::write_atomic(&p.dir, outcome.book())?;
    let book = LoadedBook {
        book: outcome.book().clone(),
        origin: path.display().to_string(),
    };
    Ok((path, book))
}
