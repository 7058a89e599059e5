//! The client side: how the program asks for preimages and sends hints.

use crate::key::{KeyType, PreimageKey};
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// Why a preimage could not be had.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PreimageError {
    /// The oracle does not know the key.
    Missing(PreimageKey),
    /// The oracle answered with a value that does not hash to the key.
    Mismatch(PreimageKey),
    /// The transport to the host failed.
    Io(String),
    /// The other side closed the channel.
    Closed,
}

impl fmt::Display for PreimageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PreimageError::Missing(k) => write!(f, "missing preimage for key {k}"),
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
    /// The value of `key`, unchecked.
    fn get(&self, key: PreimageKey) -> Result<Vec<u8>, PreimageError>;
}

/// Sends hints to the host (so it can fetch what the program is about to ask for).
pub trait HintWriter {
    /// Sends one hint (`<type> <hex args>`) and waits for the host to have handled it.
    fn hint(&self, hint: &str) -> Result<(), PreimageError>;
}

impl<T: PreimageOracle + ?Sized> PreimageOracle for &T {
    fn get(&self, key: PreimageKey) -> Result<Vec<u8>, PreimageError> {
        (**self).get(key)
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
            .contains("missing preimage for key 0x02"));
    }
}
