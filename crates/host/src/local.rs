//! Local inputs: the boot values of one dispute, served under local keys (type 1).

use std::collections::BTreeMap;
use verdict_preimage::{LocalKey, PreimageKey};

/// The local inputs given on the command line.
#[derive(Clone, Debug, Default)]
pub struct LocalInputs {
    /// L1 head block hash.
    pub l1_head: Option<[u8; 32]>,
    /// Agreed (starting) L2 output root.
    pub agreed_output_root: Option<[u8; 32]>,
    /// Claimed (disputed) L2 output root.
    pub claimed_output_root: Option<[u8; 32]>,
    /// Claimed L2 block number.
    pub claimed_block_number: Option<u64>,
    /// L2 chain id.
    pub chain_id: Option<u64>,
    /// Any other local input, by ident (e.g. 7: the rollup config; 256: the block check's payload
    /// attributes). The named fields above take precedence over the same idents here.
    pub other: BTreeMap<u64, Vec<u8>>,
}

impl LocalInputs {
    /// The value of a local key: `Ok(None)` if the key is not local, `Err(name)` if this input is
    /// local but was not given.
    pub fn get(&self, key: &PreimageKey) -> Result<Option<Vec<u8>>, &'static str> {
        if key.0[0] != 1 {
            return Ok(None);
        }
        let ident = u64::from_be_bytes(key.0[24..].try_into().expect("8 bytes"));
        let known = |k: LocalKey| PreimageKey::local(k) == *key;
        let value = if known(LocalKey::L1Head) {
            self.l1_head.map(|v| v.to_vec()).ok_or("--l1-head")?
        } else if known(LocalKey::AgreedOutputRoot) {
            self.agreed_output_root
                .map(|v| v.to_vec())
                .ok_or("--agreed-l2-output-root")?
        } else if known(LocalKey::ClaimedOutputRoot) {
            self.claimed_output_root
                .map(|v| v.to_vec())
                .ok_or("--claimed-l2-output-root")?
        } else if known(LocalKey::ClaimedBlockNumber) {
            self.claimed_block_number
                .map(|v| v.to_be_bytes().to_vec())
                .ok_or("--claimed-l2-block-number")?
        } else if known(LocalKey::ChainId) {
            self.chain_id
                .map(|v| v.to_be_bytes().to_vec())
                .ok_or("--l2-chain-id")?
        } else if let Some(v) = self
            .other
            .get(&ident)
            .filter(|_| *key == PreimageKey::local_index(ident))
        {
            v.clone()
        } else {
            return Err("a local input this host does not know");
        };
        Ok(Some(value))
    }
}
