//! What a calibration run will do to the account and the most it can cost, shown before
//! anything changes.

use crate::aws::lambda::FunctionInfo;
use crate::model::billing::{self, FreeTier};
use crate::model::lambda::{self, OWN_LINES, Usage};
use crate::pricing::{Missing, PriceBook};

/// Longest INIT Lambda allows before it retries INIT inside the invocation's timeout.
pub const MAX_INIT_MS: f64 = 10_000.0;

/// Default cap on invocations over all sizes (raise with `--max-invocations`).
pub const DEFAULT_MAX_INVOCATIONS: u32 = 1_000;

/// The memory sizes a run measures: each within Lambda's range (128..=10240 MB), each once,
/// in the order given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemorySizes(Vec<u32>);

/// A memory size outside Lambda's range, MB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfRange(pub u32);

impl MemorySizes {
    /// Add `memory_mb` unless it is already there.
    pub fn add(&mut self, memory_mb: u32) -> Result<(), OutOfRange> {
        if !(128..=10_240).contains(&memory_mb) {
            return Err(OutOfRange(memory_mb));
        }
        if !self.0.contains(&memory_mb) {
            self.0.push(memory_mb);
        }
        Ok(())
    }

    /// The sizes; `None` when none was given.
    pub fn into_list(self) -> Option<Vec<u32>> {
        (!self.0.is_empty()).then_some(self.0)
    }
}

/// What the user asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub function: String,
    pub region: String,
    pub sizes: Vec<u32>,
    pub invocations: u32,
    pub concurrency: u32,
    pub payload_bytes: usize,
    /// Suffix that makes this run's aliases unique.
    pub run_id: String,
}

impl Request {
    pub fn total_invocations(&self) -> u64 {
        self.sizes.len() as u64 * self.invocations as u64
    }

    pub fn alias(&self, memory_mb: u32) -> String {
        alias_name(memory_mb, &self.run_id)
    }
}

/// The temporary alias for one size of one run.
pub fn alias_name(memory_mb: u32, run_id: &str) -> String {
    format!("planner-calibrate-{memory_mb}-{run_id}")
}

/// The plan, ready to print.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub worst_case_usd: f64,
    pub text: String,
}

/// The most the run can cost: every invocation running to the function's timeout, and every
/// environment (up to `concurrency` per size, each version starts cold) spending the longest
/// INIT, priced by `lambda::bill` from the book.
pub fn worst_case_usd(
    req: &Request,
    info: &FunctionInfo,
    book: &PriceBook,
) -> Result<f64, Missing> {
    let mut total = 0.0;
    for &m in &req.sizes {
        let usage = Usage {
            arch: info.architecture,
            memory_mb: m,
            requests: req.invocations as f64,
            duration_ms: info.timeout_s as f64 * 1000.0,
            provisioned: None,
            cold_starts: req.concurrency.min(req.invocations) as f64,
            init_ms: MAX_INIT_MS,
            ephemeral_storage_mb: info.ephemeral_storage_mb,
        };
        total += billing::total(&lambda::bill(&usage, OWN_LINES, book, FreeTier::none())?);
    }
    Ok(total)
}

/// Dollars with enough decimals to show small sums.
pub fn money(x: f64) -> String {
    if x >= 1.0 {
        format!("${x:.2}")
    } else {
        format!("${x:.4}")
    }
}

/// Build the plan text.
pub fn build(req: &Request, info: &FunctionInfo, book: &PriceBook) -> Result<Plan, Missing> {
    let worst = worst_case_usd(req, info, book)?;
    let sizes = req
        .sizes
        .iter()
        .map(|m| format!("{m}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut t = String::new();
    t.push_str(&format!(
        "Calibration plan for {} ({}, {}, {} MB now, timeout {} s, log format {}{})\n",
        info.arn,
        req.region,
        info.architecture.as_str(),
        info.memory_mb,
        info.timeout_s,
        info.log_format,
        if info.snap_start {
            ", SnapStart on"
        } else {
            ""
        }
    ));
    t.push_str(&format!(
        "  memory sizes: {sizes} MB; {} invocations each ({} in all), {} at a time; payload {} bytes\n",
        req.invocations,
        req.total_invocations(),
        req.concurrency,
        req.payload_bytes
    ));
    t.push_str(&format!(
        "  most it can cost: {} (every invocation running to the {} s timeout, plus a {} s INIT per \
         environment; Lambda prices from the price book, no free tier)\n",
        money(worst),
        info.timeout_s,
        MAX_INIT_MS / 1000.0
    ));
    t.push_str("  for each memory size it will:\n");
    t.push_str(
        "    1. UpdateFunctionConfiguration: set $LATEST's memory to the size (meanwhile, calls to the \
         unqualified function run at that size)\n",
    );
    t.push_str("    2. PublishVersion: publish $LATEST as a new version\n");
    t.push_str(&format!(
        "    3. CreateAlias: {} pointing at that version\n",
        req.alias(0).replace("-0-", "-<MB>-")
    ));
    t.push_str(&format!(
        "    4. Invoke the alias {} times (LogType=Tail)\n",
        req.invocations
    ));
    t.push_str("    5. DeleteAlias, then DeleteFunction with Qualifier=<version>\n");
    t.push_str(&format!(
        "  and finally UpdateFunctionConfiguration: restore $LATEST's memory to {} MB.\n",
        info.memory_mb
    ));
    t.push_str(
        "  Whatever happens (an error, Ctrl-C), it deletes what it created and restores the memory; \
         if that fails it prints what is left and the commands to remove it.\n",
    );
    if info.snap_start {
        t.push_str(
            "  SnapStart: each published version takes a snapshot (publishing may take minutes) and \
             restores are billed by SnapStart's own prices, not included above.\n",
        );
    }
    Ok(Plan {
        worst_case_usd: worst,
        text: t,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Architecture;

    fn info() -> FunctionInfo {
        FunctionInfo {
            name: "f".into(),
            arn: "arn:aws:lambda:us-east-1:123456789012:function:f".into(),
            memory_mb: 256,
            timeout_s: 10,
            architecture: Architecture::X86_64,
            ephemeral_storage_mb: 512,
            log_format: "Text".into(),
            snap_start: false,
            runtime: None,
            state: "Active".into(),
            last_update_status: "Successful".into(),
            description: None,
        }
    }

    #[test]
    fn worst_case_is_timeout_plus_init_through_bill() {
        let book = crate::pricing::load("us-east-1", None).unwrap().book;
        let req = Request {
            function: "f".into(),
            region: "us-east-1".into(),
            sizes: vec![1024],
            invocations: 100,
            concurrency: 2,
            payload_bytes: 2,
            run_id: "x".into(),
        };
        let w = worst_case_usd(&req, &info(), &book).unwrap();
        // 100 × 10 s + 2 × 10 s INIT at 1 GB, x86 $0.0000166667/GB-s, plus 100 requests.
        let expected = 1020.0 * 0.0000166667 + 100.0 * 0.0000002;
        assert!((w - expected).abs() < 1e-9, "{w} vs {expected}");
        let plan = build(&req, &info(), &book).unwrap();
        assert!(plan.text.contains("restore $LATEST's memory to 256 MB"));
        assert!(
            plan.text
                .contains("1024 MB; 100 invocations each (100 in all)")
        );
    }
}
