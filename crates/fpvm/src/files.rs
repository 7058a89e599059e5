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
    /// The file is not valid for its format.
    #[error("{path}: corrupt state file: {reason}")]
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

/// Reads a file, decompressing it if it is gzip (by its magic bytes).
pub fn read_maybe_gz(path: &Path) -> Result<Vec<u8>, FileError> {
    let raw = std::fs::read(path).map_err(|e| io_err(path, e))?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        // Every member: files we write in parallel are several gzip members one after another.
        MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|e| corrupt(path, format!("bad gzip data: {e}")))?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// A bounds-checked reader of a binary file's fields: running out of bytes is a
/// [`FileError::Truncated`] naming the field.
pub struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    path: &'a Path,
}

impl<'a> Reader<'a> {
    /// A reader of `bytes`, the contents of `path`.
    pub fn new(bytes: &'a [u8], path: &'a Path) -> Self {
        Reader { bytes, at: 0, path }
    }

    /// The next `n` bytes, which hold `what`.
    pub fn take(&mut self, n: u64, what: &str) -> Result<&'a [u8], FileError> {
        if n > (self.bytes.len() - self.at) as u64 {
            return Err(FileError::Truncated {
                path: self.path.display().to_string(),
                what: what.to_string(),
            });
        }
        let s = &self.bytes[self.at..self.at + n as usize];
        self.at += n as usize;
        Ok(s)
    }

    /// The next `N` bytes as an array.
    pub fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], FileError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N as u64, what)?);
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

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }

    /// An error if bytes are left after the last field, which is `last`.
    pub fn finish(&self, last: &str) -> Result<(), FileError> {
        match self.remaining() {
            0 => Ok(()),
            n => Err(corrupt(
                self.path,
                format!("{n} unexpected bytes after {last}"),
            )),
        }
    }
}
