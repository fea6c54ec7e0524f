//! End to end: the real binary in a pseudo-terminal, keys in, the screen read back through
//! a terminal emulator (vt100). Runs headless (no tmux); Unix only.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ROWS: u16 = 32;
const COLS: u16 = 110;

fn nz(n: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(n).unwrap()
}

struct Tui {
    pty: pty_process::blocking::Pty,
    child: std::process::Child,
    input: File,
    screen: Arc<Mutex<vt100::Parser>>,
    /// Every byte the program wrote, as written.
    raw: Arc<Mutex<Vec<u8>>>,
}

impl Tui {
    fn start(args: &[&std::ffi::OsStr]) -> Tui {
        let (pty, pts) = pty_process::blocking::open().unwrap();
        pty.resize(pty_process::Size::new(ROWS, COLS)).unwrap();
        let child = pty_process::blocking::Command::new(env!("CARGO_BIN_EXE_planner"))
            .args(args)
            .env("TERM", "xterm-256color")
            .env_remove("NO_COLOR")
            .spawn(pts)
            .unwrap();
        let fd: OwnedFd = pty.as_fd().try_clone_to_owned().unwrap();
        let input = File::from(fd);
        let mut output = input.try_clone().unwrap();
        let screen = Arc::new(Mutex::new(vt100::Parser::new(nz(ROWS), nz(COLS), 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&screen);
        let raw_sink = Arc::clone(&raw);
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match output.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        raw_sink.lock().unwrap().extend_from_slice(&buf[..n]);
                        sink.lock().unwrap().process(&buf[..n]);
                    }
                }
            }
        });
        Tui {
            pty,
            child,
            input,
            screen,
            raw,
        }
    }

    /// Send signal `name` (`USR1`, …) from outside, as `kill` does.
    fn signal(&self, name: &str) {
        let status = std::process::Command::new("kill")
            .args(["-s", name, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -s {name}");
    }

    /// Wait until the emulated terminal satisfies `f`; fail with the screen after `secs`.
    fn wait_state(&self, what: &str, secs: u64, f: impl Fn(&vt100::Screen) -> bool) {
        let until = Instant::now() + Duration::from_secs(secs);
        loop {
            if f(self.screen.lock().unwrap().screen()) {
                return;
            }
            if Instant::now() > until {
                panic!("timed out waiting for {what}; screen:\n{}", self.text());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether the terminal line is back in cooked mode (canonical input, echo).
    fn cooked(&self) -> bool {
        use rustix::termios::LocalModes;
        let t = rustix::termios::tcgetattr(&self.pty).unwrap();
        t.local_modes
            .contains(LocalModes::ICANON | LocalModes::ECHO)
    }

    /// The terminal was given back: main screen, cursor shown, mouse capture off (in the
    /// emulator's state and in the bytes written after the screen was last entered), and
    /// raw mode off.
    fn assert_restored(&self, why: &str) {
        self.wait_state(&format!("the terminal restored after {why}"), 30, |s| {
            !s.alternate_screen()
                && !s.hide_cursor()
                && s.mouse_protocol_mode() == vt100::MouseProtocolMode::None
        });
        let raw = self.raw.lock().unwrap().clone();
        let last_enter = find_last(&raw, b"\x1b[?1049h").expect("entered the alternate screen");
        let after = String::from_utf8_lossy(&raw[last_enter..]).into_owned();
        for (what, seq) in [
            ("alternate screen left", "\x1b[?1049l"),
            ("cursor shown", "\x1b[?25h"),
            ("mouse capture off", "\x1b[?1000l"),
            ("any-motion mouse off", "\x1b[?1003l"),
        ] {
            assert!(after.contains(seq), "{why}: {what} ({seq:?}) in {after:?}");
        }
        let until = Instant::now() + Duration::from_secs(30);
        while !self.cooked() {
            assert!(Instant::now() < until, "{why}: raw mode left on");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn text(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    /// Wait until the screen satisfies `f`; fail with the screen after `secs`.
    fn wait(&self, what: &str, secs: u64, f: impl Fn(&str) -> bool) -> String {
        let until = Instant::now() + Duration::from_secs(secs);
        loop {
            let text = self.text();
            if f(&text) {
                return text;
            }
            if Instant::now() > until {
                panic!("timed out waiting for {what}; screen:\n{text}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_for(&self, needle: &str) -> String {
        self.wait(needle, 60, |t| t.contains(needle))
    }

    fn keys(&mut self, keys: &str) {
        self.input.write_all(keys.as_bytes()).unwrap();
        self.input.flush().unwrap();
        // Let the app see the keys as presses, one read at a time.
        std::thread::sleep(Duration::from_millis(100));
    }

    fn exit_code(&mut self, secs: u64) -> Option<i32> {
        let until = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            if Instant::now() > until {
                let _ = self.child.kill();
                panic!("planner did not exit; screen:\n{}", self.text());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn find_last(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// The Lambda row's monthly cost as shown in the platform table.
fn lambda_cost(screen: &str) -> String {
    screen
        .lines()
        .filter_map(|l| {
            l.split('│')
                .find(|c| c.contains("★ lambda") || c.contains("  lambda "))
        })
        .filter_map(|c| {
            let mut words = c.split_whitespace().skip_while(|w| *w != "lambda");
            words.nth(1).map(str::to_string)
        })
        .find(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .unwrap_or_default()
}

#[test]
fn open_edit_the_rate_and_quit_in_a_real_terminal() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy("tests/fixtures/tui/shop.yaml", dir.path().join("shop.yaml")).unwrap();
    let mut tui = Tui::start(&[dir.path().as_os_str()]);

    // The footer is drawn last: once it shows, the first frame is complete (a busy machine
    // can be read back mid-frame).
    let screen = tui.wait_for("? help");
    assert!(screen.contains("planner"), "{screen}");
    assert!(screen.contains("Workloads (2)"), "{screen}");
    assert!(screen.contains("cart-api"), "{screen}");
    // Read the cost twice, a moment apart, so a half-drawn number is never taken.
    let before = loop {
        let first = lambda_cost(&tui.wait("the Lambda cost", 30, |s| !lambda_cost(s).is_empty()));
        std::thread::sleep(Duration::from_millis(150));
        if lambda_cost(&tui.text()) == first {
            break first;
        }
    };

    // Into the parameters, type a new rate, watch the figures move.
    tui.keys("\r");
    tui.wait_for("Enter type");
    tui.keys("\r");
    tui.wait_for("type a number");
    tui.keys("400\r");
    let after = tui.wait("the re-planned cost", 60, |s| {
        !s.contains("computing")
            && s.contains("? help")
            && !lambda_cost(s).is_empty()
            && lambda_cost(s) != before
    });
    assert!(after.contains("modified"), "{after}");
    assert!(after.contains("400"), "{after}");
    let parse = |s: &str| s.replace(',', "").parse::<f64>().unwrap();
    assert!(
        parse(&lambda_cost(&after)) > parse(&before),
        "{before} -> {}",
        lambda_cost(&after)
    );

    // Step it, move around, open help and close it.
    tui.keys("+");
    tui.wait_for("500");
    tui.keys("?");
    tui.wait_for("Keys · j/k scroll");
    tui.keys("\x1b");
    tui.wait("help closed", 10, |s| !s.contains("Keys · j/k scroll"));

    // q asks first (unsaved edits), y quits.
    tui.keys("q");
    tui.wait_for("Quit? The edits are not saved");
    tui.keys("y");
    assert_eq!(tui.exit_code(20), Some(0));
    let parser = tui.screen.lock().unwrap();
    assert!(
        !parser.screen().alternate_screen(),
        "left the alternate screen"
    );
    assert!(!parser.screen().hide_cursor(), "cursor shown again");
}

#[test]
fn a_small_terminal_says_so_and_q_quits() {
    let mut tui = Tui::start(&["tests/fixtures/tui/shop.yaml".as_ref()]);
    tui.wait_for("cart-api");
    // Shrink below 80x24: the app redraws with the notice.
    tui.pty.resize(pty_process::Size::new(20, 70)).unwrap();
    tui.screen.lock().unwrap().set_size(nz(20), nz(70));
    tui.wait_for("terminal too small");
    tui.keys("q");
    assert_eq!(tui.exit_code(20), Some(0));
}

#[test]
fn without_a_terminal_it_exits_2_with_a_hint() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_planner"))
        .arg("tests/fixtures/tui/shop.yaml")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("planner report"), "{err}");
    assert!(out.stdout.is_empty(), "nothing drawn into a pipe");
}

/// Start the TUI on the shop fixture and wait for its first complete frame (the footer is
/// drawn last). The signal handlers are registered before the terminal turns raw.
fn started() -> Tui {
    let tui = Tui::start(&["tests/fixtures/tui/shop.yaml".as_ref()]);
    tui.wait_for("? help");
    tui.wait_state("mouse capture on", 30, |s| {
        s.alternate_screen() && s.mouse_protocol_mode() != vt100::MouseProtocolMode::None
    });
    tui
}

/// A signal from outside ends the TUI with the terminal restored and exit 128 + its number.
fn ends_on(name: &str, number: i32) {
    let mut tui = started();
    tui.signal(name);
    assert_eq!(tui.exit_code(30), Some(128 + number), "SIG{name}");
    tui.assert_restored(&format!("SIG{name}"));
}

#[test]
fn sigint_from_outside_restores_the_terminal_and_exits_130() {
    ends_on("INT", libc::SIGINT);
}

#[test]
fn sigquit_restores_the_terminal_and_exits_131() {
    ends_on("QUIT", libc::SIGQUIT);
}

#[test]
fn sigusr1_restores_the_terminal() {
    ends_on("USR1", libc::SIGUSR1);
}

#[test]
fn sigusr2_restores_the_terminal() {
    ends_on("USR2", libc::SIGUSR2);
}

#[test]
fn sigalrm_restores_the_terminal() {
    ends_on("ALRM", libc::SIGALRM);
}

#[test]
fn sigterm_restores_the_terminal_and_exits_143() {
    ends_on("TERM", libc::SIGTERM);
}

#[test]
fn sighup_restores_the_terminal_and_exits_129() {
    ends_on("HUP", libc::SIGHUP);
}

/// SIGPIPE is ignored (Rust's runtime sets it so): the TUI keeps running and q still quits.
#[test]
fn sigpipe_is_ignored() {
    let mut tui = started();
    tui.signal("PIPE");
    tui.signal("USR1");
    // SIGUSR1 was sent after SIGPIPE; once it is handled, SIGPIPE has been too.
    assert_eq!(tui.exit_code(30), Some(128 + libc::SIGUSR1));
    tui.assert_restored("SIGPIPE then SIGUSR1");
}

/// SIGTSTP gives the terminal back and stops the process; SIGCONT takes the screen back and
/// redraws it all; q then quits normally.
#[test]
fn sigtstp_suspends_with_the_terminal_restored_and_sigcont_resumes() {
    let mut tui = started();
    tui.signal("TSTP");
    tui.assert_restored("SIGTSTP");
    #[cfg(target_os = "linux")]
    {
        let stopped = || {
            let stat = std::fs::read_to_string(format!("/proc/{}/stat", tui.child.id()));
            // The state follows the command name in parentheses.
            stat.ok()
                .and_then(|s| {
                    s.rsplit(')')
                        .next()
                        .map(|r| r.trim_start().starts_with('T'))
                })
                .unwrap_or(false)
        };
        let until = Instant::now() + Duration::from_secs(30);
        while !stopped() {
            assert!(Instant::now() < until, "the process stops");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    // Mark what was on the terminal, so the redraw after SIGCONT is seen to happen.
    tui.screen.lock().unwrap().process(b"\x1b[2J");
    tui.signal("CONT");
    tui.wait_state("the screen taken back", 30, |s| {
        s.alternate_screen()
            && s.hide_cursor()
            && s.mouse_protocol_mode() != vt100::MouseProtocolMode::None
    });
    tui.wait_for("? help");
    assert!(!tui.cooked(), "raw mode again");
    tui.keys("q");
    assert_eq!(tui.exit_code(30), Some(0));
    tui.assert_restored("q after resuming");
}

/// SIGSTOP cannot be caught (the terminal stays as it was); SIGCONT still redraws the whole
/// screen, which the shell may have written over meanwhile.
#[test]
fn sigcont_after_sigstop_redraws_the_screen() {
    let mut tui = started();
    // What the shell might have done while planner was stopped.
    tui.screen.lock().unwrap().process(b"\x1b[2J");
    tui.signal("STOP");
    tui.signal("CONT");
    tui.wait_for("? help");
    tui.keys("q");
    assert_eq!(tui.exit_code(30), Some(0));
    tui.assert_restored("q after SIGCONT");
}

/// A folder holding a 40 KB file of nested `- - - …` next to a valid profile: the TUI runs,
/// lists the file with its error, reloads it with Ctrl-r, and quits cleanly (it used to
/// overflow the stack and abort with the terminal raw).
#[test]
fn a_deeply_nested_file_in_the_folder_is_listed_with_its_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy("tests/fixtures/tui/shop.yaml", dir.path().join("shop.yaml")).unwrap();
    std::fs::write(dir.path().join("deep.yaml"), "- ".repeat(20_000) + "x\n").unwrap();
    let mut tui = Tui::start(&[dir.path().as_os_str()]);
    tui.wait_for("? help");
    tui.wait_for("cart-api");
    let screen = tui.wait_for("nested deeper than 32 levels");
    assert!(screen.contains("deep.yaml:1:"), "{screen}");
    assert!(screen.contains("invalid profile"), "{screen}");
    // Ctrl-r reloads the folder, the nested file with it.
    tui.keys("\x12");
    tui.wait_for("reloaded 2 profile(s); 1 invalid");
    let screen = tui.text();
    assert!(screen.contains("nested deeper than 32 levels"), "{screen}");
    assert!(screen.contains("cart-api"), "{screen}");
    tui.keys("q");
    assert_eq!(tui.exit_code(30), Some(0));
    tui.assert_restored("q");
}

/// kind: queue (#13) in a real terminal: the order-events example, its event source mapping
/// capped at 2 concurrent batches through the `λ max concurrency` knob, re-plans live: the
/// Lambda row's figures move.
#[test]
fn a_queue_knob_re_plans_in_a_real_terminal() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        "profiles/order-events.yaml",
        dir.path().join("order-events.yaml"),
    )
    .unwrap();
    let mut tui = Tui::start(&[dir.path().join("order-events.yaml").as_os_str()]);
    let screen = tui.wait_for("? help");
    assert!(screen.contains("order-events"), "{screen}");
    let before = loop {
        let first = lambda_cost(&tui.wait("the Lambda cost", 30, |s| !lambda_cost(s).is_empty()));
        std::thread::sleep(Duration::from_millis(150));
        if lambda_cost(&tui.text()) == first {
            break first;
        }
    };
    // Into the parameters, down to the mapping's maximum concurrency (the 11th knob).
    tui.keys("\r");
    tui.wait_for("Enter type");
    for _ in 0..10 {
        tui.keys("j");
    }
    tui.wait_for("max concurrency");
    tui.keys("\r");
    tui.wait_for("2 to 1000, or auto");
    tui.keys("2\r");
    let after = tui.wait("the re-planned Lambda", 60, |s| {
        !s.contains("computing")
            && s.contains("? help")
            && !lambda_cost(s).is_empty()
            && lambda_cost(s) != before
    });
    assert!(after.contains("modified"), "{after}");
    tui.keys("q");
    tui.wait_for("Quit? The edits are not saved");
    tui.keys("y");
    assert_eq!(tui.exit_code(20), Some(0));
}
