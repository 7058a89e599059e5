//! Importing preimages from a JSON map {"0x<key>": "0x<value>"}, where the key is keccak256(value)
//! (as in the fixtures) or a typed preimage key: keccak256 (type 2) and sha256 (type 4) entries
//! are checked against their keys (one bad entry and nothing is imported); blob (type 5) and
//! precompile (type 6) entries cannot be checked from the key and are kept as given.

use crate::store::{Store, StoreError};
use std::path::Path;
use verdict_preimage::{keccak256, PreimageKey};

/// Why an import failed (nothing is stored then).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file cannot be read.
    #[error("{path}: {error}")]
    Read { path: String, error: std::io::Error },
    /// The file is not a JSON map of hex strings.
    #[error("{path}: not a JSON map of 0x-hex keys to 0x-hex values: {message}")]
    Format { path: String, message: String },
    /// A value does not hash to its key.
    #[error("{path}: the value of key {key} does not match it (its keccak256 is 0x{actual})")]
    Mismatch {
        path: String,
        key: String,
        actual: String,
    },
    /// The store refused.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn hex_field(s: &str) -> Result<Vec<u8>, String> {
    let h = s
        .strip_prefix("0x")
        .ok_or_else(|| format!("{s:.20}... is not 0x-prefixed"))?;
    hex::decode(h).map_err(|e| format!("{s:.20}...: {e}"))
}

/// Reads a preimage map and checks every entry; returns typed keys and values.
pub fn read_preimage_map(path: &Path) -> Result<Vec<(PreimageKey, Vec<u8>)>, ImportError> {
    let bytes = std::fs::read(path).map_err(|error| ImportError::Read {
        path: path.display().to_string(),
        error,
    })?;
    parse_preimage_map(&bytes, &path.display().to_string())
}

/// Parses a preimage map from `bytes` (named `name` in errors) and checks every entry.
pub fn parse_preimage_map(
    bytes: &[u8],
    name: &str,
) -> Result<Vec<(PreimageKey, Vec<u8>)>, ImportError> {
    let p = name.to_string();
    let map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(bytes).map_err(|e| ImportError::Format {
            path: p.clone(),
            message: e.to_string(),
        })?;
    let mut out = Vec::with_capacity(map.len());
    for (k, v) in map {
        let format = |message: String| ImportError::Format {
            path: p.clone(),
            message,
        };
        let key: [u8; 32] =
            hex_field(&k)
                .map_err(format)?
                .try_into()
                .map_err(|_| ImportError::Format {
                    path: p.clone(),
                    message: format!("key {k} is not 32 bytes"),
                })?;
        let value = hex_field(
            v.as_str()
                .ok_or_else(|| format(format!("the value of {k} is not a string")))?,
        )
        .map_err(|e| ImportError::Format {
            path: p.clone(),
            message: e,
        })?;
        let actual = keccak256(&value);
        let typed = PreimageKey(key);
        let stored = if actual == key {
            PreimageKey::from_keccak_hash(key)
        } else if typed.matches(&value) == Some(true) || unverifiable(typed) {
            typed
        } else {
            return Err(ImportError::Mismatch {
                path: p,
                key: k,
                actual: hex::encode(actual),
            });
        };
        out.push((stored, value));
    }
    Ok(out)
}

/// Blob (type 5) and precompile (type 6) keys commit to their values through a KZG proof or a
/// precompile's execution, which the onchain oracle checks when they are loaded; a host cannot
/// check them from the key alone, so they are kept as given.
fn unverifiable(key: PreimageKey) -> bool {
    matches!(key.0[0], 5 | 6)
}

/// Imports a preimage map into `store` in one transaction. Returns the number imported.
pub fn import_preimage_map(store: &dyn Store, path: &Path) -> Result<usize, ImportError> {
    let items = read_preimage_map(path)?;
    store.insert_all(&items)?;
    Ok(items.len())
}
