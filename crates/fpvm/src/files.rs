//! File I/O every fault proof VM shares: atomic writes (temporary file, then rename), gzip by name
//! on write and by content on read, the errors that name what is wrong with a file, and a bounds-
//! checked reader for binary formats.

use flate2::read::MultiGzDecoder;
use std::io::{Read, Write};
use std::path::Path;

/// Why a state or proof file cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// File system error.
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: String,
        /// The OS error (in the message, not a source: it is printed once).
        error: std::io::Error,
    },
    /// A binary file ends early.
    #[error("{path}: truncated state file: {what} is cut off")]
    Truncated {
        /// The file.
        path: String,
        /// The field that is cut off.
        what: String,
    },
    /// The file is not valid for its format (the reason names the format).
    #[error("{path}: {reason}")]
    Corrupt {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
}

/// A [`FileError::Io`] for `path`.
pub fn io_err(path: &Path, error: std::io::Error) -> FileError {
    FileError::Io {
        path: path.display().to_string(),
        error,
    }
}

/// A [`FileError::Corrupt`] for `path`.
pub fn corrupt(path: &Path, reason: impl Into<String>) -> FileError {
    FileError::Corrupt {
        path: path.display().to_string(),
        reason: reason.into(),
    }
}

/// Whether `path` names a binary state format (`.bin`, `.bin.gz`).
pub fn is_binary_path(path: &Path) -> bool {
    let s = path.to_string_lossy();
    s.ends_with(".bin") || s.ends_with(".bin.gz")
}

/// Writes `bytes` to `path` atomically, gzip-compressed if the name ends in `.gz`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Writes what `fill` writes to `path`, gzip-compressed on all cores if the name ends in `.gz`.
///
/// A regular file (or a missing one) is replaced atomically: a temporary file beside it is
/// written, synced and renamed over it, so a crash never leaves a partial file at `path`. A
/// symlink is followed to its target (the link stays). A FIFO or a device is written in place:
/// renaming over `/dev/null` would replace the device with a file.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), FileError> {
    let gz = path.to_string_lossy().ends_with(".gz");
    write_file(path, gz, fill)
}

/// Replaces `path` with `bytes` as they are (never compressed, whatever the name), atomically
/// as [`write_atomic_with`] does: the one atomic file write of every crate that keeps files
/// (configs, deployments, progress).
pub fn replace_file(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    write_file(path, false, |w| w.write_all(bytes))
}

/// [`write_atomic_with`], gzip-compressed if `gz`.
fn write_file(
    path: &Path,
    gz: bool,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), FileError> {
    let target = resolve_symlinks(path).map_err(|e| io_err(path, e))?;
    match std::fs::metadata(&target) {
        Ok(m) if m.is_dir() => Err(io_err(
            path,
            std::io::Error::new(std::io::ErrorKind::IsADirectory, "is a directory"),
        )),
        Ok(m) if !m.is_file() => {
            // A FIFO, a device or a socket: write straight to it.
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(&target)
                .map_err(|e| io_err(path, e))?;
            write_all_to(file, gz, fill, false).map_err(|e| io_err(path, e))
        }
        _ => replace_atomically(&target, gz, fill).map_err(|e| io_err(path, e)),
    }
}

/// `path` with every symlink in its last component followed (to a target that may not exist yet).
fn resolve_symlinks(path: &Path) -> std::io::Result<std::path::PathBuf> {
    let mut target = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&target) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = std::fs::read_link(&target)?;
                target = match target.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return Ok(target),
        }
    }
    Err(std::io::Error::other("too many levels of symbolic links"))
}

/// Writes a temporary file beside `target`, syncs it and renames it over `target`.
fn replace_atomically(
    target: &Path,
    gz: bool,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // A short name, whatever the target's length (a name has at most 255 bytes).
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".verdict-{}-{n}.tmp", std::process::id()));
    let result = std::fs::File::create(&tmp)
        .and_then(|file| write_all_to(file, gz, fill, true))
        .and_then(|()| std::fs::rename(&tmp, target));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Writes what `fill` writes to `file` (gzip-compressed if `gz`), then syncs it if `sync`.
fn write_all_to(
    file: std::fs::File,
    gz: bool,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    sync: bool,
) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::new(file);
    if gz {
        let mut gz = crate::gzip::ParallelGzWriter::new(&mut w);
        fill(&mut gz)?;
        gz.finish()?;
    } else {
        fill(&mut w)?;
    }
    let file = w.into_inner().map_err(|e| e.into_error())?;
    if sync {
        file.sync_all()?;
    }
    Ok(())
}

/// Checks, before a long run, that `path` can be written: an existing file (or the target of a
/// symlink) must be writable, a missing one must have a writable directory.
pub fn check_writable(path: &Path) -> Result<(), FileError> {
    let target = resolve_symlinks(path).map_err(|e| io_err(path, e))?;
    let (what, probe) = match std::fs::metadata(&target) {
        Ok(m) if m.is_dir() => {
            return Err(io_err(
                path,
                std::io::Error::new(std::io::ErrorKind::IsADirectory, "is a directory"),
            ))
        }
        Ok(_) => ("the file", target.clone()),
        Err(_) => (
            "its directory",
            match target.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => std::path::PathBuf::from("."),
            },
        ),
    };
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(probe.as_os_str().as_bytes())
        .map_err(|_| corrupt(path, "the path holds a NUL byte"))?;
    // SAFETY: access(2) on a NUL-terminated path.
    if unsafe { libc::access(c.as_ptr(), libc::W_OK) } != 0 {
        let e = std::io::Error::last_os_error();
        return Err(io_err(
            path,
            std::io::Error::new(e.kind(), format!("{what} is not writable: {e}")),
        ));
    }
    Ok(())
}

/// Reads a file whole, decompressing it if it is gzip (by its magic bytes); more than `max`
/// bytes (after decompression) is an error, so a compression bomb stays bounded.
pub fn read_maybe_gz(path: &Path, max: u64) -> Result<Vec<u8>, FileError> {
    let mut out = Vec::new();
    open_maybe_gz(path)?
        .take(max.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| corrupt(path, e.to_string()))?;
    if out.len() as u64 > max {
        return Err(corrupt(
            path,
            format!("larger than {max} bytes (decompressed): not a file of this kind"),
        ));
    }
    Ok(out)
}

/// Opens `path` for reading, decompressing it if it is gzip (by its magic bytes), without
/// reading it whole: a state is parsed as it streams, so a huge (or bomb-like) file costs no more
/// than what its contents say it holds.
pub fn open_maybe_gz(path: &Path) -> Result<Box<dyn Read>, FileError> {
    use std::io::BufRead;
    let file = std::fs::File::open(path).map_err(|e| io_err(path, e))?;
    let mut reader = std::io::BufReader::with_capacity(1 << 16, file);
    let head = reader.fill_buf().map_err(|e| io_err(path, e))?;
    if head.starts_with(&[0x1f, 0x8b]) {
        // Every member: files we write in parallel are several gzip members one after another.
        Ok(Box::new(std::io::BufReader::with_capacity(
            1 << 16,
            GzipErrors(MultiGzDecoder::new(reader)),
        )))
    } else {
        Ok(Box::new(reader))
    }
}

/// A gzip decoder whose errors say they are about gzip data.
struct GzipErrors<R>(R);

impl<R: Read> Read for GzipErrors<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf).map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("bad gzip data: {e}"),
            )
        })
    }
}

/// A reader of a binary state file's fields as they stream: running out of bytes is a
/// [`FileError::Truncated`] naming the field, a broken gzip stream a [`FileError::Corrupt`].
pub struct Reader<'a, R: Read> {
    inner: R,
    path: &'a Path,
}

impl<'a, R: Read> Reader<'a, R> {
    /// A reader of `inner`, the contents of `path`.
    pub fn new(inner: R, path: &'a Path) -> Self {
        Reader { inner, path }
    }

    fn fail(&self, what: &str, e: std::io::Error) -> FileError {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            FileError::Truncated {
                path: self.path.display().to_string(),
                what: what.to_string(),
            }
        } else {
            corrupt(
                self.path,
                format!("corrupt state file: reading {what}: {e}"),
            )
        }
    }

    /// Fills `buf` with the next bytes, which hold `what`.
    pub fn fill(&mut self, buf: &mut [u8], what: &str) -> Result<(), FileError> {
        self.inner.read_exact(buf).map_err(|e| self.fail(what, e))
    }

    /// The next `n` bytes, which hold `what` (memory grows with the bytes actually there, not
    /// with `n`).
    pub fn take(&mut self, n: u64, what: &str) -> Result<Vec<u8>, FileError> {
        let mut out = Vec::new();
        let got = (&mut self.inner)
            .take(n)
            .read_to_end(&mut out)
            .map_err(|e| self.fail(what, e))?;
        if (got as u64) < n {
            return Err(self.fail(what, std::io::ErrorKind::UnexpectedEof.into()));
        }
        Ok(out)
    }

    /// The next `N` bytes as an array.
    pub fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], FileError> {
        let mut out = [0u8; N];
        self.fill(&mut out, what)?;
        Ok(out)
    }

    /// A big-endian u64.
    pub fn u64(&mut self, what: &str) -> Result<u64, FileError> {
        Ok(u64::from_be_bytes(self.array(what)?))
    }

    /// A big-endian u32.
    pub fn u32(&mut self, what: &str) -> Result<u32, FileError> {
        Ok(u32::from_be_bytes(self.array(what)?))
    }

    /// One byte.
    pub fn u8(&mut self, what: &str) -> Result<u8, FileError> {
        Ok(self.array::<1>(what)?[0])
    }

    /// An error if bytes are left after the last field, which is `last`.
    pub fn finish(mut self, last: &str) -> Result<(), FileError> {
        let mut extra = [0u8; 1];
        match self.inner.read(&mut extra) {
            Ok(0) => Ok(()),
            Ok(_) => Err(corrupt(
                self.path,
                format!("corrupt state file: unexpected bytes after {last}"),
            )),
            Err(e) => Err(self.fail(last, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_file_writes_the_bytes_as_they_are_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deployment.json.gz");
        std::fs::write(&path, b"old").unwrap();
        replace_file(&path, b"new, not compressed").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new, not compressed");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("deployment.json.gz")]);
    }

    #[test]
    fn write_atomic_compresses_a_gz_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json.gz");
        write_atomic(&path, b"{}").unwrap();
        let raw = std::fs::read(&path).unwrap();
        assert_eq!(&raw[..2], &[0x1f, 0x8b], "a gzip header");
    }

    #[test]
    fn replace_file_into_a_missing_directory_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("x.json");
        let err = replace_file(&path, b"x").unwrap_err().to_string();
        assert!(err.contains("x.json"), "{err}");
    }
}
