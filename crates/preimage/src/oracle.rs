//! The preimage-oracle trait family, the one way every part of Verdict reads preimages and sends
//! hints: [`PreimageOracle`] (a value by key) and [`HintWriter`] (a hint to the host), implemented
//! by the wire-protocol clients (the program's side), by the VM's process oracle (the VM's side of a
//! server), and by the in-memory oracles below. The onchain oracle a step reads 32-byte parts from
//! is modelled in [`crate::onchain`].

use crate::key::{KeyType, PreimageKey};
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::RefCell;
use core::fmt;

/// Why a preimage could not be had.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PreimageError {
    /// The oracle does not know the key.
    Missing(PreimageKey),
    /// The oracle answered with a value that does not hash to the key.
    Mismatch(PreimageKey),
    /// The transport to the host failed (an I/O error, a timeout, a malformed answer).
    Io(String),
    /// The other side closed the channel.
    Closed,
}

impl fmt::Display for PreimageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PreimageError::Missing(k) => write!(f, "unknown preimage key {k}"),
            PreimageError::Mismatch(k) => write!(f, "preimage does not match its key {k}"),
            PreimageError::Io(e) => write!(f, "preimage oracle I/O error: {e}"),
            PreimageError::Closed => write!(f, "the preimage channel was closed by the other side"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for PreimageError {}

/// Reads preimages by key.
pub trait PreimageOracle {
    /// The value of `key` (without a length prefix), as the oracle has it.
    fn get(&self, key: PreimageKey) -> Result<Vec<u8>, PreimageError>;
}

/// Sends hints to the host, so it can fetch what the program is about to ask for.
pub trait HintWriter {
    /// Sends one hint (conventionally `<type> <0x-hex args>`, but any bytes) and waits for the host
    /// to have handled it.
    fn hint(&self, hint: &[u8]) -> Result<(), PreimageError>;
}

/// Both halves: what a VM needs to run a program that talks to a host.
pub trait Oracle: PreimageOracle + HintWriter {}

impl<T: PreimageOracle + HintWriter + ?Sized> Oracle for T {}

impl<T: PreimageOracle + ?Sized> PreimageOracle for &T {
    fn get(&self, key: PreimageKey) -> Result<Vec<u8>, PreimageError> {
        (**self).get(key)
    }
}

impl<T: HintWriter + ?Sized> HintWriter for &T {
    fn hint(&self, hint: &[u8]) -> Result<(), PreimageError> {
        (**self).hint(hint)
    }
}

impl<T: PreimageOracle + ?Sized> PreimageOracle for Box<T> {
    fn get(&self, key: PreimageKey) -> Result<Vec<u8>, PreimageError> {
        (**self).get(key)
    }
}

impl<T: HintWriter + ?Sized> HintWriter for Box<T> {
    fn hint(&self, hint: &[u8]) -> Result<(), PreimageError> {
        (**self).hint(hint)
    }
}

/// Wraps an oracle so every keccak256 and sha256 preimage is checked against its key: a lying host
/// can stop the program, never change its result.
pub struct VerifiedOracle<O>(pub O);

impl<O: PreimageOracle> PreimageOracle for VerifiedOracle<O> {
    fn get(&self, key: PreimageKey) -> Result<Vec<u8>, PreimageError> {
        let value = self.0.get(key)?;
        match key.key_type() {
            Some(KeyType::Keccak256 | KeyType::Sha256) if key.matches(&value) != Some(true) => {
                Err(PreimageError::Mismatch(key))
            }
            _ => Ok(value),
        }
    }
}

impl<O: HintWriter> HintWriter for VerifiedOracle<O> {
    fn hint(&self, hint: &[u8]) -> Result<(), PreimageError> {
        self.0.hint(hint)
    }
}

/// No oracle at all: hints are ignored, every preimage read fails.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoOracle;

impl PreimageOracle for NoOracle {
    fn get(&self, key: PreimageKey) -> Result<Vec<u8>, PreimageError> {
        Err(PreimageError::Io(alloc::format!(
            "no preimage oracle is attached (key {key})"
        )))
    }
}

impl HintWriter for NoOracle {
    fn hint(&self, _hint: &[u8]) -> Result<(), PreimageError> {
        Ok(())
    }
}

/// An in-memory oracle: values by key, and the hints it was sent, in order.
#[derive(Clone, Debug, Default)]
pub struct MapOracle {
    /// Values by key.
    pub preimages: BTreeMap<PreimageKey, Vec<u8>>,
    /// Hints received, in order.
    pub hints: RefCell<Vec<Vec<u8>>>,
}

impl MapOracle {
    /// An oracle holding `preimages`.
    pub fn new(preimages: BTreeMap<PreimageKey, Vec<u8>>) -> Self {
        MapOracle {
            preimages,
            hints: RefCell::default(),
        }
    }

    /// Adds (or replaces) the value of `key`.
    pub fn insert(&mut self, key: PreimageKey, value: Vec<u8>) {
        self.preimages.insert(key, value);
    }
}

impl PreimageOracle for MapOracle {
    fn get(&self, key: PreimageKey) -> Result<Vec<u8>, PreimageError> {
        self.preimages
            .get(&key)
            .cloned()
            .ok_or(PreimageError::Missing(key))
    }
}

impl HintWriter for MapOracle {
    fn hint(&self, hint: &[u8]) -> Result<(), PreimageError> {
        self.hints.borrow_mut().push(hint.to_vec());
        Ok(())
    }
}

#[cfg(feature = "std")]
impl PreimageOracle for std::collections::HashMap<PreimageKey, Vec<u8>> {
    fn get(&self, key: PreimageKey) -> Result<Vec<u8>, PreimageError> {
        self.get(&key).cloned().ok_or(PreimageError::Missing(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn verified_oracle_rejects_lies() {
        let mut m = HashMap::new();
        let good = PreimageKey::keccak256(b"good");
        let lie = PreimageKey::keccak256(b"truth");
        m.insert(good, b"good".to_vec());
        m.insert(lie, b"lie".to_vec());
        let o = VerifiedOracle(m);
        assert_eq!(o.get(good).unwrap(), b"good");
        assert_eq!(o.get(lie), Err(PreimageError::Mismatch(lie)));
        let missing = PreimageKey::keccak256(b"x");
        assert_eq!(o.get(missing), Err(PreimageError::Missing(missing)));
        assert!(o
            .get(missing)
            .unwrap_err()
            .to_string()
            .contains("unknown preimage key 0x02"));
    }

    #[test]
    fn map_oracle_records_hints_and_serves_values() {
        let mut m = MapOracle::default();
        let k = PreimageKey::keccak256(b"v");
        m.insert(k, b"v".to_vec());
        m.hint(b"a 0x01").unwrap();
        m.hint(&[0xff, 0]).unwrap();
        assert_eq!(m.get(k).unwrap(), b"v");
        assert_eq!(*m.hints.borrow(), vec![b"a 0x01".to_vec(), vec![0xff, 0]]);
        assert!(NoOracle
            .get(k)
            .unwrap_err()
            .to_string()
            .contains("no preimage oracle is attached"));
    }
}
