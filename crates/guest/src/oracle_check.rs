//! The oracle check: reads every kind of input the fault proof program reads (local boot inputs,
//! a keccak256 preimage and a sha256 preimage named by them), checks each global preimage against
//! its key, and reports what it read.

use alloc::format;
use alloc::string::String;
use verdict_preimage::{
    HintWriter, LocalKey, PreimageError, PreimageKey, PreimageOracle, VerifiedOracle,
};

/// What the check read.
#[derive(Debug, PartialEq, Eq)]
pub struct Report {
    /// Length of the keccak256 preimage of the L1 head.
    pub l1_head_preimage_len: usize,
    /// Length of the sha256 preimage of the claimed output root.
    pub claim_preimage_len: usize,
    /// The claimed L2 block number.
    pub block_number: u64,
    /// The L2 chain id.
    pub chain_id: u64,
    /// How many extra alternating reads were done (the block number, capped, for benchmarking).
    pub rounds: u64,
}

fn local_bytes<const N: usize>(
    oracle: &impl PreimageOracle,
    key: LocalKey,
) -> Result<[u8; N], String> {
    let v = oracle
        .get(PreimageKey::local(key))
        .map_err(|e| format!("{e}"))?;
    v.try_into().map_err(|v: alloc::vec::Vec<u8>| {
        format!("local input {key:?} has {} bytes, expected {N}", v.len())
    })
}

/// Runs the check. `Err` names what went wrong (a missing or lying preimage).
pub fn run(oracle: &impl PreimageOracle, hints: &impl HintWriter) -> Result<Report, String> {
    let oracle = VerifiedOracle(oracle);
    let l1_head: [u8; 32] = local_bytes(&oracle, LocalKey::L1Head)?;
    let claim: [u8; 32] = local_bytes(&oracle, LocalKey::ClaimedOutputRoot)?;
    let block_number = u64::from_be_bytes(local_bytes(&oracle, LocalKey::ClaimedBlockNumber)?);
    let chain_id = u64::from_be_bytes(local_bytes(&oracle, LocalKey::ChainId)?);
    hints
        .hint(format!("l1-block-header 0x{}", hex(&l1_head)).as_bytes())
        .map_err(|e| format!("{e}"))?;
    let get = |key: PreimageKey| oracle.get(key).map_err(|e: PreimageError| format!("{e}"));
    let l1_key = PreimageKey::from_keccak_hash(l1_head);
    let mut sha_key = PreimageKey(claim);
    sha_key.0[0] = 4;
    let a = get(l1_key)?;
    let b = get(sha_key)?;
    // Benchmark mode: alternate between the two keys, so every read goes to the host.
    let rounds = block_number.min(1_000_000);
    for _ in 0..rounds {
        get(l1_key)?;
        get(sha_key)?;
    }
    Ok(Report {
        l1_head_preimage_len: a.len(),
        claim_preimage_len: b.len(),
        block_number,
        chain_id,
        rounds,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
