//! Reading input files as hostile: only regular files are read (a FIFO, a device, a socket or
//! a folder is refused at once, never waited on or read without end), each kind of file up to
//! a stated size, and text must be UTF-8 (the first bad byte is located by line and column).

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

/// The largest profile, calibration sidecar or price book planner reads (4 MiB; the biggest
/// example profile is 3 KB, the us-east-1 book 60 KB).
pub const MAX_DOCUMENT_BYTES: u64 = 4 << 20;
/// The largest traffic trace planner reads (64 MiB: about two million rows).
pub const MAX_TRACE_BYTES: u64 = 64 << 20;
/// The largest calibration payload (6 MiB: Lambda's synchronous invocation payload quota).
pub const MAX_PAYLOAD_BYTES: u64 = 6 << 20;

/// Why an input file could not be read.
#[derive(Debug)]
pub enum ReadError {
    Io(io::Error),
    /// Not a regular file: what it is instead ("a folder", "a FIFO", ...).
    NotRegular(&'static str),
    /// Larger than the limit for its kind.
    TooLarge {
        limit: u64,
    },
    /// Not UTF-8: the first invalid byte's line and column (1-based; the column counts bytes).
    NotUtf8 {
        line: usize,
        column: usize,
    },
}

impl ReadError {
    /// Where in the file the problem is, when it is at a place in the file.
    pub fn position(&self) -> Option<(usize, usize)> {
        match self {
            ReadError::NotUtf8 { line, column } => Some((*line, *column)),
            _ => None,
        }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io(e) => f.write_str(&io_reason(e)),
            ReadError::NotRegular(what) => write!(f, "not a regular file ({what})"),
            ReadError::TooLarge { limit } => {
                write!(f, "larger than the {} limit for this file", bytes(*limit))
            }
            ReadError::NotUtf8 { .. } => f.write_str("not UTF-8 text"),
        }
    }
}

impl std::error::Error for ReadError {}

/// A short, platform-independent reason for an I/O failure.
pub fn io_reason(e: &io::Error) -> String {
    use io::ErrorKind;
    match e.kind() {
        ErrorKind::NotFound => "file not found".to_string(),
        ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

/// `n` bytes in the largest binary unit that divides it ("4 MiB").
fn bytes(n: u64) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 && n.is_multiple_of(1 << 10) {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}

/// Open `path` for reading without blocking on a FIFO or a device, and refuse anything that
/// is not a regular file.
fn open_regular(path: &Path) -> Result<File, ReadError> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting;
        // O_NOCTTY: a terminal device never becomes the controlling terminal. Neither changes
        // how a regular file reads.
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = options.open(path).map_err(ReadError::Io)?;
    let kind = file.metadata().map_err(ReadError::Io)?.file_type();
    if kind.is_file() {
        return Ok(file);
    }
    Err(ReadError::NotRegular(describe(&kind)))
}

/// What a file that is not regular is, in words.
pub fn describe(kind: &std::fs::FileType) -> &'static str {
    if kind.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    "not a file"
}

/// The bytes of the regular file at `path`, at most `limit` of them.
pub fn read_bytes(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let file = open_regular(path)?;
    let mut buf = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(ReadError::Io)?;
    if buf.len() as u64 > limit {
        return Err(ReadError::TooLarge { limit });
    }
    Ok(buf)
}

/// The UTF-8 text of the regular file at `path`, at most `limit` bytes.
pub fn read_text(path: &Path, limit: u64) -> Result<String, ReadError> {
    let bytes = read_bytes(path, limit)?;
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = good.len() - good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) + 1;
        ReadError::NotUtf8 { line, column }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_regular_file_within_its_limit() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.yaml");
        std::fs::write(&p, "version: 1\n").unwrap();
        assert_eq!(read_text(&p, 11).unwrap(), "version: 1\n");
        let err = read_text(&p, 10).unwrap_err();
        assert!(matches!(err, ReadError::TooLarge { limit: 10 }));
        assert_eq!(
            err.to_string(),
            "larger than the 10 bytes limit for this file"
        );
        assert_eq!(
            ReadError::TooLarge { limit: 4 << 20 }.to_string(),
            "larger than the 4 MiB limit for this file"
        );
    }

    #[test]
    fn refuses_folders_and_devices_without_reading_them() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_text(dir.path(), 100).unwrap_err();
        assert_eq!(err.to_string(), "not a regular file (a folder)");
        #[cfg(unix)]
        {
            // /dev/zero would never end: refused before a byte is read.
            let err = read_text(Path::new("/dev/zero"), 100).unwrap_err();
            assert_eq!(err.to_string(), "not a regular file (a device)");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("p.yaml");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        // Without O_NONBLOCK this open would wait for a writer forever.
        let err = read_text(&fifo, 100).unwrap_err();
        assert_eq!(err.to_string(), "not a regular file (a FIFO)");
    }

    #[test]
    fn invalid_utf8_is_located() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.yaml");
        std::fs::write(&p, b"version: 1\nname: ab\xffc\n").unwrap();
        let err = read_text(&p, 100).unwrap_err();
        assert_eq!(err.position(), Some((2, 9)));
        std::fs::write(&p, b"\xfe").unwrap();
        assert_eq!(read_text(&p, 100).unwrap_err().position(), Some((1, 1)));
    }
}
