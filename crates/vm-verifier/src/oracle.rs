//! The preimage oracle a step reads from, and key localization.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use crate::{keccak256, OracleError};

/// Context of the onchain `step` call that local preimage keys are bound to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct StepContext {
    /// The `localContext` argument of `step`.
    pub local_context: [u8; 32],
    /// The address calling `step` (`msg.sender` of the VM contract, usually the dispute game).
    pub caller: [u8; 20],
}

/// Up to 32 bytes of a preimage, as served by the oracle at some offset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PreimagePart {
    /// The bytes, left-aligned; bytes past `len` are not meaningful.
    pub data: [u8; 32],
    /// How many bytes of `data` exist (0 only at the end of the value).
    pub len: u8,
}

/// Serves preimage parts, like the onchain `PreimageOracle.readPreimage(key, offset)`.
///
/// A part is the 32 bytes at `offset` of the value prefixed with its length as a big-endian
/// u64; `len` says how many of them exist.
pub trait PreimageOracle {
    /// The part of the value of (already localized) `key` at `offset`.
    fn read_part(&self, key: &[u8; 32], offset: u64) -> Result<PreimagePart, OracleError>;
}

impl<T: PreimageOracle + ?Sized> PreimageOracle for &T {
    fn read_part(&self, key: &[u8; 32], offset: u64) -> Result<PreimagePart, OracleError> {
        (**self).read_part(key, offset)
    }
}

/// An oracle that has nothing: every read is an error.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoPreimages;

impl PreimageOracle for NoPreimages {
    fn read_part(&self, key: &[u8; 32], _offset: u64) -> Result<PreimagePart, OracleError> {
        Err(OracleError::UnknownKey { key: *key })
    }
}

/// Key type byte of a local key.
const KEY_TYPE_LOCAL: u8 = 1;
/// Key type byte of a keccak256 key.
const KEY_TYPE_KECCAK256: u8 = 2;
/// Key type byte of a sha256 key.
const KEY_TYPE_SHA256: u8 = 4;

/// An oracle holding full preimage values by (already localized) key, like the onchain
/// PreimageOracle; inserting a keccak256 (type 2) or sha256 (type 4) key checks the value
/// against the key and refuses a mismatch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PreimageStore {
    values: BTreeMap<[u8; 32], Vec<u8>>,
}

impl PreimageStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a global preimage. A keccak256 (type 2) or sha256 (type 4) key must be the hash of
    /// `value` with its first byte replaced by the type, else the value is refused.
    pub fn insert_global(&mut self, key: [u8; 32], value: Vec<u8>) -> Result<(), OracleError> {
        let expected = match key[0] {
            KEY_TYPE_KECCAK256 => Some(keccak256(&value)),
            KEY_TYPE_SHA256 => Some(crate::sha256::sha256(&value)),
            _ => None,
        };
        if let Some(mut hash) = expected {
            hash[0] = key[0];
            if hash != key {
                return Err(OracleError::HashMismatch { key });
            }
        }
        self.values.insert(key, value);
        Ok(())
    }

    /// Adds a local preimage under its localized key (see [`localize_key`]); not checked.
    pub fn insert_local(&mut self, localized_key: [u8; 32], value: Vec<u8>) {
        self.values.insert(localized_key, value);
    }

    /// The value stored under `key`, if any.
    pub fn get(&self, key: &[u8; 32]) -> Option<&[u8]> {
        self.values.get(key).map(Vec::as_slice)
    }
}

impl PreimageOracle for PreimageStore {
    fn read_part(&self, key: &[u8; 32], offset: u64) -> Result<PreimagePart, OracleError> {
        let value = self
            .values
            .get(key)
            .ok_or(OracleError::UnknownKey { key: *key })?;
        let value_len = value.len() as u64;
        let size = value_len.saturating_add(8);
        if offset > size {
            return Err(OracleError::OffsetOutOfRange {
                key: *key,
                offset,
                size,
            });
        }
        let mut part = PreimagePart::default();
        let prefix = value_len.to_be_bytes();
        let served = (size - offset).min(32);
        for (i, dst) in part.data.iter_mut().take(served as usize).enumerate() {
            let pos = offset + i as u64;
            *dst = if pos < 8 {
                prefix.get(pos as usize).copied().unwrap_or(0)
            } else {
                value.get((pos - 8) as usize).copied().unwrap_or(0)
            };
        }
        part.len = served as u8;
        Ok(part)
    }
}

/// The key a local key (type 1) is served under onchain:
/// keccak256(key ++ caller as a left-padded 32-byte word ++ local context), first byte set to 1.
pub fn localize_key(key: &[u8; 32], ctx: &StepContext) -> [u8; 32] {
    let mut input = [0u8; 96];
    input[..32].copy_from_slice(key);
    input[44..64].copy_from_slice(&ctx.caller);
    input[64..].copy_from_slice(&ctx.local_context);
    let mut out = keccak256(&input);
    out[0] = KEY_TYPE_LOCAL;
    out
}

/// Whether `key` is a local key (type 1), which is localized before it is read.
pub(crate) fn is_local(key: &[u8; 32]) -> bool {
    key[0] == KEY_TYPE_LOCAL
}
