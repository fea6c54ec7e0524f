#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Benchmarks (a bench binary, `cargo bench --bench plan`): whole-process `planner report`
//! on each example profile, the in-process plan, and one workload's `auto` searches.
//!
//! Prints the median and the 90th percentile of repeated runs. Targets (issue #2): the
//! report under 20 ms wall, one workload's full search under 5 ms.

use planner::model::{self, Demand, Platform, billing::FreeTier};
use planner::profile::{self, Platforms};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn measure(runs: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    f(); // warm up
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    (times[runs / 2], times[(runs * 9) / 10])
}

fn ms(d: Duration) -> String {
    format!("{:8.3} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    // `cargo bench` passes `--bench`; an optional filter narrows what runs.
    let filter = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .unwrap_or_default();
    let mut profiles: Vec<PathBuf> = std::fs::read_dir("profiles")
        .expect("profiles/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    profiles.sort();
    let book = planner::pricing::built_in("us-east-1").expect("book").book;
    let exe = env!("CARGO_BIN_EXE_planner");

    println!("{:<44} {:>11} {:>11}", "benchmark", "median", "p90");
    for path in &profiles {
        let name = path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        if !name.contains(&filter) && !"report".contains(&filter) {
            continue;
        }
        let (med, p90) = measure(21, || {
            let out = Command::new(exe)
                .args(["report"])
                .arg(path)
                .output()
                .expect("run planner");
            assert!(out.status.success());
        });
        println!(
            "{:<44} {} {}",
            format!("report (process) {name}"),
            ms(med),
            ms(p90)
        );
        let prof = profile::load(path).expect("profile");
        let (med, p90) = measure(21, || {
            std::hint::black_box(model::plan(&prof, &book, "bench"));
        });
        println!(
            "{:<44} {} {}",
            format!("plan (in process) {name}"),
            ms(med),
            ms(p90)
        );
    }

    // One workload's `auto` search per platform, without chart and break-even.
    let which =
        std::env::var("BENCH_PROFILE").unwrap_or_else(|_| "profiles/checkout-api.yaml".into());
    let prof = profile::load(Path::new(&which)).expect("profile");
    let w = &prof.workloads[0];
    let platforms = Platforms {
        lambda: prof.platforms.lambda.clone(),
        ..Platforms::default()
    };
    let d = Demand::new(w, FreeTier::none()).with_network(&prof.network);
    for p in Platform::ALL {
        let (med, p90) = measure(51, || {
            std::hint::black_box(model::evaluate(p, &d, &platforms, &book));
        });
        println!(
            "{:<44} {} {}",
            format!("auto search checkout-api {}", p.id()),
            ms(med),
            ms(p90)
        );
    }
    let (med, p90) = measure(51, || {
        for p in Platform::ALL {
            std::hint::black_box(model::evaluate(p, &d, &platforms, &book));
        }
    });
    println!(
        "{:<44} {} {}",
        "auto search checkout-api, all four",
        ms(med),
        ms(p90)
    );
}
