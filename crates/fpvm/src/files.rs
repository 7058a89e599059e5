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
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
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
pub fn io_err(path: &Path, source: std::io::Error) -> FileError {
    FileError::Io {
        path: path.display().to_string(),
        source,
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

/// Writes what `fill` writes to `path` atomically (a temporary file beside it, synced, then renamed
/// over it), gzip-compressed on all cores if the name ends in `.gz`.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), FileError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let file = std::fs::File::create(&tmp)?;
        let mut w = std::io::BufWriter::new(file);
        if path.to_string_lossy().ends_with(".gz") {
            let mut gz = crate::gzip::ParallelGzWriter::new(&mut w);
            fill(&mut gz)?;
            gz.finish()?;
        } else {
            fill(&mut w)?;
        }
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|e| io_err(path, e))
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
