//! Signals while the TUI runs, and the terminal modes it sets and gives back.
//!
//! Every catchable signal whose default action ends the process ends the TUI instead, through
//! the loop's normal exit: jobs are cancelled, the terminal is restored (raw mode off, main
//! screen, cursor shown, mouse capture off), a calibration's cleanup is waited for, and the
//! process exits with 128 + the signal's number. An external SIGINT (Ctrl-C itself is a key
//! in raw mode, bound to "quit now") is one of them. SIGTSTP suspends: the terminal is restored
//! and the process stops; SIGCONT takes the screen back and redraws it. SIGTTIN and SIGTTOU
//! keep their default action (catching them would make a background terminal call retry
//! forever); SIGPIPE is ignored by Rust's runtime (a write fails instead). A stack overflow
//! or `abort` cannot be caught without unsafe code; a panic restores through the panic hook.

use std::io::Write;

/// What a signal asks of the TUI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caught {
    /// End now, then exit with 128 + this signal number.
    End(i32),
    /// SIGTSTP: give the terminal back and stop until continued.
    Suspend,
    /// SIGCONT: take the screen back (after a stop nobody announced, SIGSTOP).
    Resume,
}

/// The signals that end the process by default and can be caught without harm, by name
/// (for messages) and number. SIGBUS, SIGFPE, SIGILL, SIGSEGV, SIGSYS and SIGTRAP are left
/// alone: they report a fault in this process, which a handler that returns would repeat.
#[cfg(unix)]
pub const ENDING: [(&str, i32); 12] = [
    ("SIGHUP", libc::SIGHUP),
    ("SIGINT", libc::SIGINT),
    ("SIGQUIT", libc::SIGQUIT),
    ("SIGABRT", libc::SIGABRT),
    ("SIGUSR1", libc::SIGUSR1),
    ("SIGUSR2", libc::SIGUSR2),
    ("SIGALRM", libc::SIGALRM),
    ("SIGTERM", libc::SIGTERM),
    ("SIGVTALRM", libc::SIGVTALRM),
    ("SIGPROF", libc::SIGPROF),
    ("SIGXCPU", libc::SIGXCPU),
    ("SIGXFSZ", libc::SIGXFSZ),
];

/// The exit status for a process ended by signal `n`: 128 + n, as shells report it.
pub fn exit_status(n: i32) -> u8 {
    u8::try_from(128 + n).unwrap_or(255)
}

/// Listeners for [`ENDING`], SIGTSTP and SIGCONT. Registered before the terminal is touched,
/// so no signal finds the terminal raw with its default action still in place; kept for the
/// wait after the screen is gone (a caught signal never gets its default action back).
pub struct Signals {
    #[cfg(unix)]
    streams: Vec<(Caught, tokio::signal::unix::Signal)>,
}

impl Signals {
    /// Listen for every signal above (within a Tokio runtime with I/O enabled). A signal
    /// that cannot be registered keeps its default action.
    pub fn listen() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let wanted = ENDING.iter().map(|&(_, n)| (Caught::End(n), n)).chain([
                (Caught::Suspend, libc::SIGTSTP),
                (Caught::Resume, libc::SIGCONT),
            ]);
            let streams = wanted
                .filter_map(|(c, n)| signal(SignalKind::from_raw(n)).ok().map(|s| (c, s)))
                .collect();
            Signals { streams }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    /// Listen for nothing (tests driving the loop).
    pub fn none() -> Signals {
        Signals {
            #[cfg(unix)]
            streams: Vec::new(),
        }
    }

    /// The next signal caught; pending forever when nothing is listened for.
    pub async fn recv(&mut self) -> Caught {
        #[cfg(unix)]
        if !self.streams.is_empty() {
            return std::future::poll_fn(|cx| {
                for (caught, s) in self.streams.iter_mut() {
                    if let std::task::Poll::Ready(Some(())) = s.poll_recv(cx) {
                        return std::task::Poll::Ready(*caught);
                    }
                }
                std::task::Poll::Pending
            })
            .await;
        }
        std::future::pending().await
    }

    /// After the screen is gone: the first signal that asks to end (a stop request stops
    /// the process as the default action would have).
    pub async fn ending(&mut self) -> i32 {
        loop {
            match self.recv().await {
                Caught::End(n) => return n,
                Caught::Suspend => stop_self(),
                Caught::Resume => {}
            }
        }
    }
}

/// Stop this process (SIGSTOP, which cannot be caught) until a SIGCONT; returns after it.
pub fn stop_self() {
    #[cfg(unix)]
    {
        use rustix::process::{Signal, getpid, kill_process};
        let _ = kill_process(getpid(), Signal::STOP);
    }
}

/// Raw mode, alternate screen, mouse capture; the cursor is hidden by the first draw.
pub fn enter_screen() -> std::io::Result<()> {
    crossterm::terminal::enable_raw_mode()?;
    crossterm::execute!(
        std::io::stdout(),
        crossterm::terminal::EnterAlternateScreen,
        crossterm::event::EnableMouseCapture
    )
}

/// Give the terminal back: mouse capture off, cursor shown, main screen, raw mode off. Best
/// effort (each step is tried even if one fails); safe to repeat.
pub fn restore_screen() {
    let mut out = std::io::stdout();
    let _ = write_restore(&mut out);
    let _ = out.flush();
    let _ = crossterm::terminal::disable_raw_mode();
}

/// The sequences that undo [`enter_screen`] and the hidden cursor, to `out`.
pub fn write_restore(out: &mut impl Write) -> std::io::Result<()> {
    crossterm::queue!(
        out,
        crossterm::event::DisableMouseCapture,
        crossterm::cursor::Show,
        crossterm::terminal::LeaveAlternateScreen
    )?;
    out.flush()
}

/// On a panic, restore the terminal (all of it, mouse capture included) before the previous
/// hook prints the message on the main screen.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_screen();
        previous(info);
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restoring_turns_mouse_capture_off_shows_the_cursor_and_leaves_the_alternate_screen() {
        let mut out = Vec::new();
        write_restore(&mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        for (what, seq) in [
            ("mouse capture off", "\x1b[?1000l"),
            ("any-motion mouse off", "\x1b[?1003l"),
            ("SGR mouse off", "\x1b[?1006l"),
            ("cursor shown", "\x1b[?25h"),
            ("main screen", "\x1b[?1049l"),
        ] {
            assert!(out.contains(seq), "{what}: {out:?}");
        }
    }

    #[test]
    fn exit_status_is_128_plus_the_signal() {
        assert_eq!(exit_status(2), 130);
        assert_eq!(exit_status(15), 143);
        assert_eq!(exit_status(200), 255);
    }

    #[cfg(unix)]
    #[test]
    fn every_ending_signal_is_listened_for() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let _enter = rt.enter();
        let s = Signals::listen();
        assert_eq!(s.streams.len(), ENDING.len() + 2);
    }
}
