#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Files and streams as a careless user or an attacker hands them over (issue #14, "Files"):
//! planner never writes over its inputs, never replaces what is not a regular file, never
//! waits on a FIFO or reads a device without end, keeps a file's mode, survives a closed or
//! full standard output, and never sends a file's escape sequences to the terminal.

use assert_cmd::Command;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

fn planner() -> Command {
    let mut cmd = Command::cargo_bin("planner").unwrap();
    cmd.env("NO_COLOR", "1").timeout(Duration::from_secs(20));
    cmd
}

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("planner")
}

/// A folder holding a copy of the checkout-api example as `p.yaml`.
fn workspace() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.yaml");
    fs::copy("profiles/checkout-api.yaml", &p).unwrap();
    (dir, p)
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn report_refuses_to_write_over_its_profile() {
    let (dir, p) = workspace();
    let before = fs::read(&p).unwrap();
    let out = planner()
        .args(["report", p.to_str().unwrap(), "-o", p.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("refusing to write the report over"), "{err}");
    assert_eq!(fs::read(&p).unwrap(), before, "the profile is untouched");
    // Under another name (a symlink to it) as well.
    #[cfg(unix)]
    {
        let link = dir.path().join("plan.md");
        std::os::unix::fs::symlink(&p, &link).unwrap();
        let out = planner()
            .args(["report", p.to_str().unwrap(), "-o", link.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(fs::read(&p).unwrap(), before);
    }
    assert_eq!(
        names_in(dir.path())
            .iter()
            .filter(|n| n.ends_with(".tmp"))
            .count(),
        0
    );
}

#[test]
fn report_refuses_to_write_over_the_price_book_in_use() {
    let (dir, p) = workspace();
    let books = dir.path().join("books");
    fs::create_dir(&books).unwrap();
    let book = books.join("us-east-1.yaml");
    fs::copy("pricing-cache/us-east-1.yaml", &book).unwrap();
    let before = fs::read(&book).unwrap();
    let out = planner()
        .args(["report", p.to_str().unwrap(), "--pricing"])
        .arg(&books)
        .arg("-o")
        .arg(&book)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(fs::read(&book).unwrap(), before);
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(ok.success());
}

#[cfg(unix)]
#[test]
fn output_onto_a_fifo_or_a_folder_is_bad_input_and_replaces_nothing() {
    use std::os::unix::fs::FileTypeExt;
    let (dir, p) = workspace();
    let fifo = dir.path().join("out.md");
    mkfifo(&fifo);
    let out = planner()
        .args(["report", p.to_str().unwrap(), "-o", fifo.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("a FIFO is not a regular file"));
    assert!(
        fs::metadata(&fifo).unwrap().file_type().is_fifo(),
        "still a FIFO"
    );

    let out = planner()
        .args([
            "report",
            p.to_str().unwrap(),
            "-o",
            dir.path().to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(fs::metadata(dir.path()).unwrap().is_dir());
}

#[cfg(unix)]
#[test]
fn a_written_file_keeps_its_mode_and_no_temporary_is_left() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, p) = workspace();
    let plan = dir.path().join("plan.md");
    fs::write(&plan, "old").unwrap();
    fs::set_permissions(&plan, fs::Permissions::from_mode(0o600)).unwrap();
    planner()
        .args(["report", p.to_str().unwrap(), "-o", plan.to_str().unwrap()])
        .assert()
        .success();
    assert!(
        fs::read_to_string(&plan)
            .unwrap()
            .starts_with("# Concurrency plan")
    );
    assert_eq!(
        fs::metadata(&plan).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(names_in(dir.path()), ["p.yaml", "plan.md"]);
}

#[test]
fn the_temporary_file_name_cannot_be_predicted() {
    // A planted file at the old predictable name (`.NAME.tmp-PID`) is not used: the
    // temporary is created exclusively under a random name.
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("plan.md");
    let mut seen = Vec::new();
    for text in [b"x", b"y"] {
        let mut file = planner::atomic::AtomicFile::create(&target).unwrap();
        file.commit_with(text, |tmp| {
            seen.push(tmp.file_name().unwrap().to_string_lossy().into_owned());
            Ok(())
        })
        .unwrap();
    }
    assert_eq!(seen.len(), 2);
    assert_ne!(seen[0], seen[1]);
    for name in &seen {
        assert!(
            name.starts_with(".plan.md.") && name.ends_with(".tmp"),
            "{name}"
        );
        assert!(!name.contains(&format!("tmp-{}", std::process::id())));
    }
    assert_eq!(fs::read_to_string(&target).unwrap(), "y");
}

#[cfg(unix)]
#[test]
fn a_fifo_or_a_device_as_input_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("p.yaml");
    mkfifo(&fifo);
    // Without the regular-file check this waits for a writer forever (the timeout fails it).
    let out = planner()
        .args(["check", fifo.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a regular file (a FIFO)"), "{err}");

    let out = planner().args(["report", "/dev/zero"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a regular file (a device)"));

    // A trace that is a FIFO: the same, located at the profile's `trace` field.
    let trace = dir.path().join("t.csv");
    mkfifo(&trace);
    let prof = dir.path().join("q.yaml");
    fs::write(
        &prof,
        "version: 1\nname: x\nworkloads:\n  - name: a\n    kind: service\n    traffic: { rps: 1, shape: trace, trace: t.csv }\n    request: { duration_ms: 10 }\n",
    )
    .unwrap();
    let out = planner()
        .args(["check", prof.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("q.yaml:6:") && err.contains("not a regular file (a FIFO)"),
        "{err}"
    );
}

#[test]
fn an_oversized_profile_is_refused_with_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.yaml");
    let mut text = String::from("version: 1\nname: big\n");
    while text.len() <= (4 << 20) {
        text.push_str("# padding padding padding padding padding padding padding padding\n");
    }
    fs::write(&p, text).unwrap();
    let out = planner()
        .args(["check", p.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("larger than the 4 MiB limit"));
}

#[test]
fn invalid_utf8_is_located() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.yaml");
    fs::write(&p, b"version: 1\nname: caf\xe9\n").unwrap();
    let out = planner()
        .args(["check", p.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("p.yaml:2:10:") && err.contains("not UTF-8"),
        "{err}"
    );
}

#[test]
fn a_reader_that_goes_away_is_not_a_crash() {
    // `planner check ... | head -1`: the pipe's reader is gone before planner writes.
    let mut args = vec!["check".to_string()];
    args.extend(std::iter::repeat_n(
        "profiles/checkout-api.yaml".to_string(),
        200,
    ));
    let mut child = std::process::Command::new(bin())
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_standard_output_is_an_error() {
    let full = fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = std::process::Command::new(bin())
        .args(["pricing", "show"])
        .stdout(Stdio::from(full))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("writing to standard output") && !err.contains("panicked"),
        "{err}"
    );
}

#[test]
fn escape_sequences_in_a_profile_never_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.yaml");
    // "\e]0;pwned\a" sets a terminal's title; "\e[2J" clears it.
    fs::write(
        &p,
        "version: 1\nname: \"\\e]0;pwned\\a\\e[2J\"\nworkloads:\n  - name: a\n    kind: service\n    traffic: { rps: 1 }\n    request: { duration_ms: 10 }\n",
    )
    .unwrap();
    for cmd in ["check", "report"] {
        let out = planner().args([cmd, p.to_str().unwrap()]).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        for stream in [&out.stdout, &out.stderr] {
            assert!(
                !stream.contains(&0x1b),
                "{cmd}: an escape reached the terminal"
            );
        }
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("p.yaml:2:7: name: contains a control character"),
            "{err}"
        );
    }
    // An unknown key spelled with an escape is named, written out.
    fs::write(&p, "version: 1\nname: x\n\"\\e[2Jbad\": 1\nworkloads: []\n").unwrap();
    let out = planner()
        .args(["check", p.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!out.stderr.contains(&0x1b));
    assert!(String::from_utf8_lossy(&out.stderr).contains("\\u{1b}[2Jbad"));
}

#[test]
fn deep_nesting_is_refused_at_once() {
    // 40 KB of `- - -` overflowed the parser's stack (SIGABRT); 200 KB of `[` took a minute.
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("block.yaml", "- ".repeat(20_000) + "x\n", "1:65:"),
        ("flow.yaml", "[".repeat(200_000), "1:33:"),
        ("maps.yaml", "{a: ".repeat(50_000), "1:129:"),
        (
            "indented.yaml",
            (0..1_000)
                .map(|i| format!("{}a:\n", " ".repeat(i)))
                .collect(),
            "33:",
        ),
    ];
    for (name, text, at) in cases {
        let p = dir.path().join(name);
        fs::write(&p, text).unwrap();
        let started = std::time::Instant::now();
        let out = planner()
            .args(["check", p.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&format!("{name}:{at}")), "{name}: {err}");
        assert!(
            err.contains("nested deeper than 32 levels"),
            "{name}: {err}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{name} took {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn a_sidecar_with_huge_figures_or_a_workload_named_twice_is_refused() {
    let (dir, p) = workspace();
    let sidecar = dir.path().join("p.calibration.yaml");
    let block = |function: &str, io_ms: &str| {
        format!(
            "  checkout-api:\n    function: {function}\n    date: 2026-01-01\n    invocations: 10\n    fit: {{ io_ms: {io_ms}, cpu_ms: 10, threads: 1, rmse_ms: 1, max_error_pct: 1 }}\n"
        )
    };
    fs::write(
        &sidecar,
        format!("version: 1\nworkloads:\n{}", block("f", "1e308")),
    )
    .unwrap();
    let out = planner()
        .args(["check", p.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("p.calibration.yaml:7:") && err.contains("io_ms: 1e308"),
        "{err}"
    );

    let text = format!(
        "version: 1\nworkloads:\n{}{}",
        block("f", "5"),
        block("g", "6")
    );
    fs::write(&sidecar, text).unwrap();
    let out = planner()
        .args(["check", p.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("duplicate entry with key \"checkout-api\""),
        "{err}"
    );
}

#[test]
fn a_region_without_a_price_book_fails_check_at_its_line() {
    // `check` used to pass it; `report` then failed without a file:line.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.yaml");
    fs::write(
        &p,
        "version: 1\nname: x\nregion: xx-yyyy-1\nworkloads:\n  - name: a\n    kind: service\n    traffic: { rps: 1 }\n",
    )
    .unwrap();
    for cmd in ["check", "report"] {
        let out = planner().args([cmd, p.to_str().unwrap()]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{cmd}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("p.yaml:3:9: region: no price book for region `xx-yyyy-1`"),
            "{cmd}: {err}"
        );
    }
}
