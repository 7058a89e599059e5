//! Symbol metadata, as the reference VMs' `load-elf --meta` writes it, to name the function a
//! program is in on progress lines.

use crate::files::{corrupt, read_maybe_gz, write_atomic, FileError};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One symbol of the program.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Symbol {
    /// Name.
    pub name: String,
    /// Address.
    pub start: u64,
    /// Size in bytes.
    pub size: u64,
}

/// A program's symbols, sorted by address.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// Symbols sorted by address.
    pub symbols: Vec<Symbol>,
}

impl Metadata {
    /// Metadata of `symbols` (sorted here).
    pub fn new(mut symbols: Vec<Symbol>) -> Self {
        symbols.sort_by_key(|s| s.start);
        Metadata { symbols }
    }

    /// Reads a metadata file (gzip detected by content).
    pub fn read(path: &Path) -> Result<Self, FileError> {
        let bytes = read_maybe_gz(path, 1 << 28)?;
        let mut meta: Metadata = serde_json::from_slice(&bytes)
            .map_err(|e| corrupt(path, format!("corrupt metadata file: bad JSON: {e}")))?;
        meta.symbols.sort_by_key(|s| s.start);
        Ok(meta)
    }

    /// Writes the metadata atomically.
    pub fn write(&self, path: &Path) -> Result<(), FileError> {
        write_atomic(path, &crate::json::to_reference_json(self))
    }

    /// The name of the symbol holding `pc`, if any.
    pub fn lookup(&self, pc: u64) -> Option<&str> {
        self.symbols
            .partition_point(|sym| sym.start <= pc)
            .checked_sub(1)
            .map(|i| &self.symbols[i])
            .filter(|sym| pc < sym.start.saturating_add(sym.size.max(1)))
            .map(|sym| sym.name.as_str())
    }
}
