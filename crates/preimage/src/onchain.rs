//! The onchain PreimageOracle as a step sees it: values by (localized) key, read 32 bytes at a time
//! at an offset into the value prefixed with its length (`readPreimage(key, offset)`). The
//! stateless step verifiers read through [`OnchainOracle`]; [`PreimageStore`] models the contract's
//! storage, refusing a global value that does not hash to its key as the contract does.
//!
//! Bounds, as the OP Stack's PreimageOracle loads parts (`PartOffsetOOB` unless
//! `partOffset < size + 8`, for every key type): a part exists at every offset *before* the end of
//! the length-prefixed value, none at its end. A read at the end of the data is therefore not
//! provable onchain: the oracle refuses it and the step reverts (0xbadf00d0), as the VM refuses it.

use crate::key::{keccak256, sha256, KeyType};
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

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
    /// How many bytes of `data` exist (1 to 32: no part is served at the end of the value).
    pub len: u8,
}

/// Why the onchain oracle could not serve a read or accept a value.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OracleError {
    /// The oracle holds no value for this key.
    UnknownKey {
        /// The (localized) key asked for.
        key: [u8; 32],
    },
    /// The offset lies at or past the end of the length-prefixed value (the contract cannot load
    /// a part there).
    OffsetOutOfRange {
        /// The (localized) key asked for.
        key: [u8; 32],
        /// The offset asked for.
        offset: u64,
        /// Length of the value including its 8-byte length prefix.
        size: u64,
    },
    /// A value offered for a hash-typed key does not hash to that key.
    HashMismatch {
        /// The key the value was offered for.
        key: [u8; 32],
    },
    /// Any other failure, described by an external oracle implementation.
    Other(String),
}

impl fmt::Display for OracleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex = |k: &[u8; 32]| crate::key::PreimageKey(*k);
        match self {
            OracleError::UnknownKey { key } => write!(f, "no preimage for key {}", hex(key)),
            OracleError::OffsetOutOfRange { key, offset, size } => write!(
                f,
                "offset {offset} is at or past the end ({size} bytes with length prefix) of preimage {}",
                hex(key)
            ),
            OracleError::HashMismatch { key } => {
                write!(f, "value does not hash to preimage key {}", hex(key))
            }
            OracleError::Other(msg) => f.write_str(msg),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for OracleError {}

/// Serves preimage parts, like the onchain `PreimageOracle.readPreimage(key, offset)`.
///
/// A part is the 32 bytes at `offset` of the value prefixed with its length as a big-endian
/// u64; `len` says how many of them exist.
pub trait OnchainOracle {
    /// The part of the value of (already localized) `key` at `offset`.
    fn read_part(&self, key: &[u8; 32], offset: u64) -> Result<PreimagePart, OracleError>;
}

impl<T: OnchainOracle + ?Sized> OnchainOracle for &T {
    fn read_part(&self, key: &[u8; 32], offset: u64) -> Result<PreimagePart, OracleError> {
        (**self).read_part(key, offset)
    }
}

/// An oracle that has nothing: every read is an error.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoPreimages;

impl OnchainOracle for NoPreimages {
    fn read_part(&self, key: &[u8; 32], _offset: u64) -> Result<PreimagePart, OracleError> {
        Err(OracleError::UnknownKey { key: *key })
    }
}

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
        let expected = match KeyType::from_byte(key[0]) {
            Some(KeyType::Keccak256) => Some(keccak256(&value)),
            Some(KeyType::Sha256) => Some(sha256(&value)),
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

impl OnchainOracle for PreimageStore {
    fn read_part(&self, key: &[u8; 32], offset: u64) -> Result<PreimagePart, OracleError> {
        let value = self
            .values
            .get(key)
            .ok_or(OracleError::UnknownKey { key: *key })?;
        let value_len = value.len() as u64;
        let size = value_len.saturating_add(8);
        if offset >= size {
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
    out[0] = KeyType::Local as u8;
    out
}

/// Whether `key` is a local key (type 1), which is localized before it is read.
pub fn is_local(key: &[u8; 32]) -> bool {
    key[0] == KeyType::Local as u8
}
