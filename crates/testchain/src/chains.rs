//! The synthetic chains: their ids, fork schedules and rollup configs. The configs in
//! `crates/chains/configs/verdict-synth*.json` are [`SynthChain::rollup_config_json`]'s output
//! (`cargo run -p verdict-testchain --example configs` writes them; a test compares them).

use crate::error::{Error, Result};
use crate::genesis;
use alloy_primitives::{address, Address, U256};
use verdict_derive::config::{
    BLOB_BASE_FEE_UPDATE_FRACTION_CANCUN, BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE,
};
use verdict_derive::Fork;

/// The synthetic L1's chain id.
pub const L1_CHAIN_ID: u64 = 777_000;
/// The OptimismPortal (deposit contract) on the synthetic L1.
pub const DEPOSIT_CONTRACT: Address = address!("7770000000000000000000000000000000000001");
/// The SystemConfig contract on the synthetic L1.
pub const SYSTEM_CONFIG_CONTRACT: Address = address!("7770000000000000000000000000000000000002");
/// Seconds between L2 blocks.
pub const BLOCK_TIME: u64 = 2;
/// Seconds between L1 blocks.
pub const L1_BLOCK_TIME: u64 = 12;
/// The genesis system config's gas limit.
pub const GAS_LIMIT: u64 = 30_000_000;
/// The genesis Ecotone scalars: blob base fee scalar and base fee scalar.
pub const BLOB_BASE_FEE_SCALAR: u32 = 810_949;
/// See [`BLOB_BASE_FEE_SCALAR`].
pub const BASE_FEE_SCALAR: u32 = 1_368;

/// A synthetic chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SynthChain {
    /// `verdict-synth`: Regolith through Isthmus at genesis.
    Synth,
    /// `verdict-synth-fork`: through Granite at genesis, Holocene at +60 s, Isthmus at +120 s.
    Fork,
    /// `verdict-synth-granite`: through Granite only.
    Granite,
}

impl SynthChain {
    /// Every synthetic chain.
    pub const ALL: [SynthChain; 3] = [SynthChain::Synth, SynthChain::Fork, SynthChain::Granite];

    /// Its name (and its config file's, with `.json`).
    pub fn name(self) -> &'static str {
        match self {
            SynthChain::Synth => "verdict-synth",
            SynthChain::Fork => "verdict-synth-fork",
            SynthChain::Granite => "verdict-synth-granite",
        }
    }

    /// Its L2 chain id.
    pub fn chain_id(self) -> u64 {
        match self {
            SynthChain::Synth => 7_770_001,
            SynthChain::Fork => 7_770_002,
            SynthChain::Granite => 7_770_003,
        }
    }

    /// The chain with this L2 chain id.
    pub fn from_chain_id(id: u64) -> Option<SynthChain> {
        Self::ALL.into_iter().find(|c| c.chain_id() == id)
    }

    /// The batch inbox: `0xff00…` followed by the chain id in decimal digits.
    pub fn batch_inbox(self) -> Address {
        let digits = format!("{:040}", self.chain_id());
        let mut s = String::from("ff");
        s.push_str(&digits[2..]);
        s.parse().expect("40 hex digits")
    }

    /// Activation times relative to genesis, Regolith to Isthmus (`None`: never).
    pub fn fork_offsets(self) -> [(Fork, Option<u64>); 8] {
        let (holocene, isthmus) = match self {
            SynthChain::Synth => (Some(0), Some(0)),
            SynthChain::Fork => (Some(60), Some(120)),
            SynthChain::Granite => (None, None),
        };
        [
            (Fork::Regolith, Some(0)),
            (Fork::Canyon, Some(0)),
            (Fork::Delta, Some(0)),
            (Fork::Ecotone, Some(0)),
            (Fork::Fjord, Some(0)),
            (Fork::Granite, Some(0)),
            (Fork::Holocene, holocene),
            (Fork::Isthmus, isthmus),
        ]
    }

    /// Whether `fork` is active at genesis.
    pub fn at_genesis(self, fork: Fork) -> bool {
        self.fork_offsets()
            .iter()
            .any(|(f, t)| *f >= fork && *t == Some(0))
    }

    /// The rollup config as op-node writes `rollup.json` (plus verdict-derive's
    /// `l1_blob_schedule`), with the genesis this crate builds.
    pub fn rollup_config_json(self) -> String {
        let l1 = genesis::l1_genesis_header();
        let l2 = genesis::l2_genesis(self);
        let scalar = genesis_scalar();
        let mut forks = String::new();
        for (fork, t) in self.fork_offsets() {
            let name = format!("{fork:?}").to_lowercase();
            // op-node writes a fork active at genesis as 0, a later one as its timestamp, and
            // leaves out forks never scheduled.
            match t {
                Some(0) => forks.push_str(&format!("  \"{name}_time\": 0,\n")),
                Some(t) => forks.push_str(&format!(
                    "  \"{name}_time\": {},\n",
                    genesis::L2_GENESIS_TIME + t
                )),
                None => {}
            }
        }
        format!(
            r#"{{
  "genesis": {{
    "l1": {{
      "hash": "{l1_hash}",
      "number": {l1_number}
    }},
    "l2": {{
      "hash": "{l2_hash}",
      "number": 0
    }},
    "l2_time": {l2_time},
    "system_config": {{
      "batcherAddr": "{batcher:#x}",
      "overhead": "0x{overhead:064x}",
      "scalar": "0x{scalar:064x}",
      "gasLimit": {gas_limit}
    }}
  }},
  "block_time": {block_time},
  "max_sequencer_drift": 600,
  "seq_window_size": 3600,
  "channel_timeout": 300,
  "granite_channel_timeout": 50,
  "l1_chain_id": {l1_chain_id},
  "l2_chain_id": {l2_chain_id},
{forks}  "batch_inbox_address": "{inbox:#x}",
  "deposit_contract_address": "{portal:#x}",
  "l1_system_config_address": "{system_config:#x}",
  "l1_blob_schedule": [
    {{ "timestamp": {l1_time}, "update_fraction": {cancun} }},
    {{ "timestamp": {l1_time}, "update_fraction": {prague} }}
  ],
  "chain_op_config": {{
    "eip1559Elasticity": 6,
    "eip1559Denominator": 50,
    "eip1559DenominatorCanyon": 250
  }}
}}
"#,
            l1_hash = l1.hash_slow(),
            l1_number = l1.number,
            l2_hash = l2.hash,
            l2_time = genesis::L2_GENESIS_TIME,
            batcher = genesis::batcher_address(),
            overhead = U256::ZERO,
            gas_limit = GAS_LIMIT,
            block_time = BLOCK_TIME,
            l1_chain_id = L1_CHAIN_ID,
            l2_chain_id = self.chain_id(),
            inbox = self.batch_inbox(),
            portal = DEPOSIT_CONTRACT,
            system_config = SYSTEM_CONFIG_CONTRACT,
            l1_time = l1.timestamp,
            cancun = BLOB_BASE_FEE_UPDATE_FRACTION_CANCUN,
            prague = BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE,
        )
    }

    /// The compiled-in config (`crates/chains`).
    pub fn known(self) -> Result<&'static verdict_chains::KnownChain> {
        verdict_chains::chain(self.chain_id()).ok_or_else(|| {
            Error::new(format!(
                "{} ({}) is not in crates/chains",
                self.name(),
                self.chain_id()
            ))
        })
    }

    /// The compiled-in config as verdict-derive reads it.
    pub fn derive_config(self) -> Result<verdict_derive::RollupConfig> {
        let json = self.known()?.rollup_config;
        verdict_derive::json::rollup_config_from_slice(json.as_bytes())
            .map_err(|e| Error::new(format!("{}: {e}", self.name())))
    }

    /// The compiled-in config as crates/program reads it.
    pub fn program_config(self) -> Result<verdict_program::RollupConfig> {
        let json = self.known()?.rollup_config;
        verdict_program::json::rollup_config_from_slice(json.as_bytes())
            .map_err(|e| Error::new(format!("{}: {e}", self.name())))
    }
}

/// The genesis scalar in the Ecotone format: version 1, blob base fee scalar, base fee scalar.
pub fn genesis_scalar() -> U256 {
    (U256::from(1u8) << 248)
        | (U256::from(BLOB_BASE_FEE_SCALAR) << 32)
        | U256::from(BASE_FEE_SCALAR)
}
