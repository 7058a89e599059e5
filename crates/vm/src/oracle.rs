//! The VM's view of the preimage oracle: hints out, preimages in.

use crate::hash::Hash;

/// Serves preimages (by their raw 32-byte key, as the program wrote it) and takes hints.
pub trait PreimageOracle {
    /// Passes one complete hint (without its length prefix) to the host.
    fn hint(&mut self, hint: &[u8]) -> Result<(), String>;
    /// The preimage value of `key` (without the length prefix).
    fn get_preimage(&mut self, key: &Hash) -> Result<Vec<u8>, String>;
}

/// An oracle with no preimages: hints are ignored, every preimage request fails.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoOracle;

impl PreimageOracle for NoOracle {
    fn hint(&mut self, _hint: &[u8]) -> Result<(), String> {
        Ok(())
    }
    fn get_preimage(&mut self, key: &Hash) -> Result<Vec<u8>, String> {
        Err(format!(
            "no preimage oracle is attached (key 0x{})",
            hex::encode(key)
        ))
    }
}

/// An in-memory oracle: a map from key to value, recording the hints it receives.
#[derive(Clone, Debug, Default)]
pub struct MapOracle {
    /// Values by key.
    pub preimages: std::collections::HashMap<Hash, Vec<u8>>,
    /// Hints received, in order.
    pub hints: Vec<Vec<u8>>,
}

impl PreimageOracle for MapOracle {
    fn hint(&mut self, hint: &[u8]) -> Result<(), String> {
        self.hints.push(hint.to_vec());
        Ok(())
    }
    fn get_preimage(&mut self, key: &Hash) -> Result<Vec<u8>, String> {
        self.preimages
            .get(key)
            .cloned()
            .ok_or_else(|| format!("unknown preimage key 0x{}", hex::encode(key)))
    }
}

impl<T: PreimageOracle + ?Sized> PreimageOracle for Box<T> {
    fn hint(&mut self, hint: &[u8]) -> Result<(), String> {
        (**self).hint(hint)
    }
    fn get_preimage(&mut self, key: &Hash) -> Result<Vec<u8>, String> {
        (**self).get_preimage(key)
    }
}
