//! Atomic file output: a temporary file in the target's folder, renamed over the target only
//! once everything is written, so a crash or an error never leaves a half-written file.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A file being written. Nothing appears at `target` until `commit`; dropping it without a
/// commit removes the temporary file.
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    tmp: PathBuf,
    file: Option<fs::File>,
}

impl AtomicFile {
    /// Create the temporary file now, so a bad path fails before any slow work.
    pub fn create(target: &Path) -> io::Result<AtomicFile> {
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = target
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?
            .to_string_lossy()
            .into_owned();
        let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
        let file = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        Ok(AtomicFile {
            target: target.to_path_buf(),
            tmp,
            file: Some(file),
        })
    }

    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Write `contents`, flush to disk and rename over the target.
    pub fn commit(mut self, contents: &[u8]) -> io::Result<PathBuf> {
        self.commit_with(contents, |_| Ok(()))
    }

    /// As `commit`, running `before_rename` (a test hook) just before the rename.
    pub fn commit_with(
        &mut self,
        contents: &[u8],
        before_rename: impl FnOnce(&Path) -> io::Result<()>,
    ) -> io::Result<PathBuf> {
        let mut file = self
            .file
            .take()
            .ok_or_else(|| io::Error::other("already committed"))?;
        file.write_all(contents)?;
        file.sync_all()?;
        drop(file);
        before_rename(&self.tmp)?;
        fs::rename(&self.tmp, &self.target)?;
        if let Some(dir) = self.target.parent()
            && let Ok(d) = fs::File::open(if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            })
        {
            // Make the rename durable where folders can be synced; best effort elsewhere.
            let _ = d.sync_all();
        }
        self.tmp = PathBuf::new();
        Ok(self.target.clone())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.tmp.as_os_str().is_empty() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_replaces_and_failure_keeps_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("plan.md");
        fs::write(&target, "old").unwrap();

        let mut f = AtomicFile::create(&target).unwrap();
        let err = f.commit_with(b"new", |_| Err(io::Error::other("boom")));
        assert!(err.is_err());
        drop(f);
        assert_eq!(fs::read_to_string(&target).unwrap(), "old");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left"
        );

        AtomicFile::create(&target).unwrap().commit(b"new").unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn bad_folder_fails_at_create() {
        let dir = tempfile::tempdir().unwrap();
        assert!(AtomicFile::create(&dir.path().join("missing/plan.md")).is_err());
    }
}
