//! The boot inputs, read from the dispute game's local keys: only idents 1-5, each at most 32
//! bytes, so that a step reading them can be proven onchain. Larger data (the rollup config of a
//! chain) is compiled into the program, never read from a local key.

use crate::error::ClaimError;
use alloc::format;
use alloc::vec::Vec;
use alloy_primitives::B256;
use verdict_preimage::{LocalKey, PreimageKey, PreimageOracle};

/// What the game gives the program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BootInputs {
    /// 1: the L1 head block hash: derivation never reads past it.
    pub l1_head: B256,
    /// 2: the agreed L2 output root, where derivation starts.
    pub agreed_output_root: B256,
    /// 3: the claimed L2 output root.
    pub claimed_output_root: B256,
    /// 4: the L2 block number the claim is about.
    pub claimed_block_number: u64,
    /// 5: the L2 chain id.
    pub chain_id: u64,
}

fn local<const N: usize>(
    oracle: &impl PreimageOracle,
    key: LocalKey,
) -> Result<[u8; N], ClaimError> {
    let value = oracle.get(PreimageKey::local(key)).map_err(|e| {
        ClaimError::BadBootInput(format!("local input {} ({key:?}): {e}", key as u8))
    })?;
    value.try_into().map_err(|v: Vec<u8>| {
        ClaimError::BadBootInput(format!(
            "local input {} ({key:?}) has {} bytes, not {N}",
            key as u8,
            v.len()
        ))
    })
}

impl BootInputs {
    /// Reads the five boot inputs (numbers are u64 big-endian, hashes 32 bytes).
    pub fn read(oracle: &impl PreimageOracle) -> Result<Self, ClaimError> {
        Ok(BootInputs {
            l1_head: local::<32>(oracle, LocalKey::L1Head)?.into(),
            agreed_output_root: local::<32>(oracle, LocalKey::AgreedOutputRoot)?.into(),
            claimed_output_root: local::<32>(oracle, LocalKey::ClaimedOutputRoot)?.into(),
            claimed_block_number: u64::from_be_bytes(local(oracle, LocalKey::ClaimedBlockNumber)?),
            chain_id: u64::from_be_bytes(local(oracle, LocalKey::ChainId)?),
        })
    }
}
