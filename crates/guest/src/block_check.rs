//! The block check: the first fault proof program. Reads its boot inputs from local keys, builds
//! the claimed block on top of its parent from preimages served by the host, and compares the
//! block hash with the claim.
//!
//! Everything it reads can be proven onchain: local inputs are only the dispute game's idents 1-5,
//! each at most 32 bytes (served by `verdict host --fixture DIR`):
//!
//! | ident | value |
//! |---|---|
//! | 1 ([`LocalKey::L1Head`]) | keccak256 of the payload attributes of the claimed block (JSON, the fixtures' `executing_payload`), which are read as its keccak256 preimage: the commitment to the data the block is built from, until derivation from L1 takes its place |
//! | 2 ([`LocalKey::AgreedOutputRoot`]) | the parent (agreed) L2 block hash; its header is read as the keccak256 preimage of this hash |
//! | 3 ([`LocalKey::ClaimedOutputRoot`]) | the claimed L2 block hash (in place of an output root for now) |
//! | 4 ([`LocalKey::ClaimedBlockNumber`]) | the claimed block number, u64 big-endian: must be the parent's + 1 |
//! | 5 ([`LocalKey::ChainId`]) | the L2 chain id, u64 big-endian: one of the chains compiled into the program ([`verdict_chains`]) |
//!
//! Everything else (the attributes, the parent header, trie nodes, code, older headers) is a
//! keccak256 preimage, checked against its key before use.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use alloy_consensus::Header;
use alloy_primitives::B256;
use alloy_rlp::Decodable;
use verdict_preimage::{HintWriter, LocalKey, PreimageKey, PreimageOracle};
use verdict_program::{execute_block, json, PreimageKind, Preimages};

/// The boot inputs, read from local keys.
#[derive(Clone, Debug)]
pub struct BootInputs {
    /// The parent block hash.
    pub parent_hash: B256,
    /// The claimed block hash.
    pub claimed_hash: B256,
    /// The claimed block number.
    pub block_number: u64,
    /// The L2 chain id.
    pub chain_id: u64,
    /// keccak256 of the payload attributes JSON.
    pub attributes_hash: B256,
}

/// What the check found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The block built.
    pub block_number: u64,
    /// Its hash.
    pub computed_hash: B256,
    /// The claimed hash.
    pub claimed_hash: B256,
    /// Gas used by the block.
    pub gas_used: u64,
    /// Transactions in the block.
    pub transactions: usize,
    /// Global preimages read.
    pub preimages_read: u64,
}

impl Report {
    /// Whether the claim holds (exit code 0; 1 if not).
    pub fn valid(&self) -> bool {
        self.computed_hash == self.claimed_hash
    }
}

impl core::fmt::Display for Report {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "block {}: computed {}, claimed {}: {} ({} txs, {} gas, {} preimages read)",
            self.block_number,
            self.computed_hash,
            self.claimed_hash,
            if self.valid() { "VALID" } else { "INVALID" },
            self.transactions,
            self.gas_used,
            self.preimages_read
        )
    }
}

fn local_fixed<const N: usize>(
    oracle: &impl PreimageOracle,
    key: LocalKey,
) -> Result<[u8; N], String> {
    oracle
        .get(PreimageKey::local(key))
        .map_err(|e| format!("local input {key:?}: {e}"))?
        .try_into()
        .map_err(|v: Vec<u8>| format!("local input {key:?} has {} bytes, expected {N}", v.len()))
}

impl BootInputs {
    /// Reads the boot inputs from their local keys.
    pub fn read(oracle: &impl PreimageOracle) -> Result<BootInputs, String> {
        Ok(BootInputs {
            attributes_hash: local_fixed(oracle, LocalKey::L1Head)?.into(),
            parent_hash: local_fixed(oracle, LocalKey::AgreedOutputRoot)?.into(),
            claimed_hash: local_fixed(oracle, LocalKey::ClaimedOutputRoot)?.into(),
            block_number: u64::from_be_bytes(local_fixed(oracle, LocalKey::ClaimedBlockNumber)?),
            chain_id: u64::from_be_bytes(local_fixed(oracle, LocalKey::ChainId)?),
        })
    }
}

/// Runs the check. `Err` names what stopped it (bad inputs, a missing or lying preimage, an invalid
/// block): the program then exits with a code other than 0 and 1.
pub fn run(oracle: &impl PreimageOracle, hints: &impl HintWriter) -> Result<Report, String> {
    let boot = BootInputs::read(oracle)?;
    let chain = verdict_chains::chain(boot.chain_id).ok_or_else(|| {
        format!(
            "unknown chain id {}: this program knows {}",
            boot.chain_id,
            verdict_chains::CHAINS
                .iter()
                .map(|c| format!("{} ({})", c.name, c.chain_id))
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    let config = json::rollup_config_from_slice(chain.rollup_config.as_bytes())
        .map_err(|e| e.to_string())?;
    hints
        .hint(format!("l2-block-header {}", boot.parent_hash).as_bytes())
        .map_err(|e| e.to_string())?;
    let preimages = Preimages::new(oracle);
    let attributes_json = preimages
        .fetch(PreimageKind::PayloadAttributes, boot.attributes_hash)
        .map_err(|e| e.to_string())?;
    let attributes = json::attributes_from_slice(&attributes_json).map_err(|e| e.to_string())?;
    let parent_rlp = preimages
        .fetch(PreimageKind::Header, boot.parent_hash)
        .map_err(|e| e.to_string())?;
    let parent = Header::decode(&mut parent_rlp.as_slice())
        .map_err(|e| format!("the parent header {}: {e}", boot.parent_hash))?;
    if parent.number.checked_add(1) != Some(boot.block_number) {
        return Err(format!(
            "the claimed block number {} does not follow the parent's {}",
            boot.block_number, parent.number
        ));
    }
    let block =
        execute_block(&preimages, &config, &parent, &attributes).map_err(|e| e.to_string())?;
    Ok(Report {
        block_number: block.header.number,
        computed_hash: block.hash,
        claimed_hash: boot.claimed_hash,
        gas_used: block.header.gas_used,
        transactions: attributes.transactions.len(),
        preimages_read: preimages.reads(),
    })
}
