//! Atomic file output: a temporary file in the target's folder, renamed over the target only
//! once everything is written, so a crash or an error never leaves a half-written file.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A file to be written. [`AtomicFile::create`] checks at once that the target can be
/// written; nothing appears at the target until [`AtomicFile::commit`], which writes a
/// temporary file with an unpredictable name, created exclusively in the target's folder
/// (so a planted file or symlink cannot redirect the write), syncs it and renames it over
/// the target. An existing target keeps its permissions; a symlink target is followed, so
/// the file it points to is replaced and the link stays.
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    dir: PathBuf,
    /// The existing target's permissions, kept on the new file.
    permissions: Option<fs::Permissions>,
}

impl AtomicFile {
    /// Check now that `target` can be written, so a bad path fails before any slow work: it
    /// is a regular file (or does not exist yet) that can be opened for writing, in a folder
    /// where a file can be created. A folder, a device, a FIFO or a socket is refused
    /// (`InvalidInput`), never replaced.
    pub fn create(target: &Path) -> io::Result<AtomicFile> {
        let target = match fs::symlink_metadata(target) {
            Ok(m) if m.file_type().is_symlink() => fs::canonicalize(target)?,
            _ => target.to_path_buf(),
        };
        let permissions = match fs::metadata(&target) {
            Ok(m) if m.is_file() => {
                // Opened for writing without truncating: fails on a read-only or immutable
                // file now rather than at the rename.
                fs::OpenOptions::new().write(true).open(&target)?;
                Some(m.permissions())
            }
            Ok(m) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "{} is not a regular file",
                        crate::input::describe(&m.file_type())
                    ),
                ));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let file = AtomicFile {
            target,
            dir,
            permissions,
        };
        // A temporary file can be made in the folder (removed again at once).
        drop(file.temporary()?);
        Ok(file)
    }

    /// The file that will be written (a symlink given to `create` resolved).
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Whether the target is the file at `path` (the same file under any name).
    pub fn is_same_file(&self, path: &Path) -> bool {
        same_file(&self.target, path)
    }

    /// A new, exclusively created temporary file beside the target.
    fn temporary(&self) -> io::Result<tempfile::NamedTempFile> {
        let name = self
            .target
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?
            .to_string_lossy()
            .into_owned();
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // A new file gets the usual 0666 less the umask, as any other written file.
            builder.permissions(fs::Permissions::from_mode(0o666));
        }
        builder.tempfile_in(&self.dir)
    }

    /// Write `contents`, flush to disk and rename over the target.
    pub fn commit(mut self, contents: &[u8]) -> io::Result<PathBuf> {
        self.commit_with(contents, |_| Ok(()))
    }

    /// As `commit`, running `before_rename` (a test hook) just before the rename. On any
    /// failure the temporary file is removed and an existing target is left as it was.
    pub fn commit_with(
        &mut self,
        contents: &[u8],
        before_rename: impl FnOnce(&Path) -> io::Result<()>,
    ) -> io::Result<PathBuf> {
        let mut tmp = self.temporary()?;
        if let Some(p) = &self.permissions {
            tmp.as_file().set_permissions(p.clone())?;
        }
        tmp.write_all(contents)?;
        tmp.as_file().sync_all()?;
        before_rename(tmp.path())?;
        tmp.persist(&self.target).map_err(|e| e.error)?;
        // Make the rename durable where folders can be synced; best effort elsewhere.
        if let Ok(d) = fs::File::open(&self.dir) {
            let _ = d.sync_all();
        }
        Ok(self.target.clone())
    }
}

/// Whether `a` and `b` name the same existing file (through links, `..` or hard links).
pub fn same_file(a: &Path, b: &Path) -> bool {
    let (Ok(ma), Ok(mb)) = (fs::metadata(a), fs::metadata(b)) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        ma.dev() == mb.dev() && ma.ino() == mb.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (ma, mb);
        matches!((fs::canonicalize(a), fs::canonicalize(b)), (Ok(x), Ok(y)) if x == y)
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
