//! The local chain's parameters and its rollup config in op-node's `rollup.json` format (as
//! `crates/chains/configs/*.json`), from the L1 deployment and the L2 genesis.

use crate::chain::Deployment;
use crate::error::{Error, Result};
use alloy_primitives::B256;
use serde::{Deserialize, Serialize};
use verdict_derive::Fork;

/// The L2 chain's parameters (the devnet's choices; written to the data directory as
/// `devnet.json` with the deployment, read by the node to build its genesis).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainParams {
    /// The L2 chain id.
    pub l2_chain_id: u64,
    /// Seconds between L2 blocks.
    pub l2_block_time: u64,
    /// Fork activations, seconds after the L2 genesis (`None`: not scheduled), Regolith to
    /// Jovian, by op-node's names (`regolith`, ..., `isthmus`).
    pub forks: Vec<(String, Option<u64>)>,
    /// `max_sequencer_drift` (before Fjord).
    pub max_sequencer_drift: u64,
    /// `seq_window_size`, L1 blocks.
    pub seq_window_size: u64,
    /// `channel_timeout`, L1 blocks (before Granite).
    pub channel_timeout: u64,
    /// `granite_channel_timeout`.
    pub granite_channel_timeout: u64,
    /// EIP-1559 elasticity.
    pub eip1559_elasticity: u64,
    /// EIP-1559 denominator before Canyon.
    pub eip1559_denominator: u64,
    /// EIP-1559 denominator from Canyon on.
    pub eip1559_denominator_canyon: u64,
}

impl ChainParams {
    /// Every fork from Regolith through Isthmus active at genesis.
    pub fn new(l2_chain_id: u64) -> Self {
        let forks = [
            "regolith", "canyon", "delta", "ecotone", "fjord", "granite", "holocene", "isthmus",
        ];
        ChainParams {
            l2_chain_id,
            l2_block_time: 2,
            forks: forks.iter().map(|f| (f.to_string(), Some(0))).collect(),
            max_sequencer_drift: 600,
            seq_window_size: 3600,
            channel_timeout: 300,
            granite_channel_timeout: 50,
            eip1559_elasticity: 6,
            eip1559_denominator: 50,
            eip1559_denominator_canyon: 250,
        }
    }

    /// Whether `fork` is active at genesis.
    pub fn at_genesis(&self, fork: Fork) -> bool {
        let name = format!("{fork:?}").to_lowercase();
        let order: Vec<&str> = self.forks.iter().map(|(n, _)| n.as_str()).collect();
        let pos = order.iter().position(|n| *n == name);
        // A fork is active at genesis if it, or a later one, is scheduled at 0.
        self.forks
            .iter()
            .enumerate()
            .any(|(i, (_, t))| *t == Some(0) && pos.is_some_and(|p| i >= p))
    }
}

/// The L2 genesis as the node reports it (`genesis.json` in the data directory).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct L2Genesis {
    /// The genesis block's hash.
    pub hash: B256,
    /// Its number (0).
    pub number: u64,
    /// Its timestamp.
    pub timestamp: u64,
}

/// EIP-7691's blob base fee update fraction (Prague).
const PRAGUE_BLOB_BASE_FEE_UPDATE_FRACTION: u64 = 5_007_716;

/// The rollup config in op-node's format.
pub fn rollup_json(p: &ChainParams, d: &Deployment, g: &L2Genesis) -> Result<String> {
    if g.timestamp < d.genesis_l1.timestamp {
        return Err(Error::new(format!(
            "the L2 genesis time {} is before its L1 genesis block's ({})",
            g.timestamp, d.genesis_l1.timestamp
        )));
    }
    let mut v = serde_json::json!({
        "genesis": {
            "l1": { "hash": d.genesis_l1.hash, "number": d.genesis_l1.number },
            "l2": { "hash": g.hash, "number": g.number },
            "l2_time": g.timestamp,
            "system_config": {
                "batcherAddr": d.batcher,
                "overhead": B256::ZERO,
                "scalar": B256::from(crate::chain::ecotone_scalar(d.base_fee_scalar, d.blob_base_fee_scalar)),
                "gasLimit": d.gas_limit,
            }
        },
        "block_time": p.l2_block_time,
        "max_sequencer_drift": p.max_sequencer_drift,
        "seq_window_size": p.seq_window_size,
        "channel_timeout": p.channel_timeout,
        "granite_channel_timeout": p.granite_channel_timeout,
        "l1_chain_id": d.l1_chain_id,
        "l2_chain_id": p.l2_chain_id,
        "batch_inbox_address": d.batch_inbox_address,
        "deposit_contract_address": d.deposit_contract_address,
        "l1_system_config_address": d.l1_system_config_address,
        // anvil's L1 runs Prague from its genesis: its blob base fee has Prague's update
        // fraction (EIP-7691) from the rollup's first L1 block.
        "l1_blob_schedule": [{
            "timestamp": d.genesis_l1.timestamp,
            "update_fraction": PRAGUE_BLOB_BASE_FEE_UPDATE_FRACTION,
        }],
        "chain_op_config": {
            "eip1559Elasticity": p.eip1559_elasticity,
            "eip1559Denominator": p.eip1559_denominator,
            "eip1559DenominatorCanyon": p.eip1559_denominator_canyon,
        }
    });
    let obj = v.as_object_mut().expect("an object");
    for (name, offset) in &p.forks {
        // op-node writes a fork active at genesis as 0, a later one as its timestamp.
        if let Some(t) = offset {
            let at = if *t == 0 { 0 } else { g.timestamp + t };
            obj.insert(format!("{name}_time"), at.into());
        }
    }
    let mut text = serde_json::to_string_pretty(&v).expect("JSON");
    text.push('\n');
    // Both parsers must read it.
    verdict_derive::json::rollup_config_from_slice(text.as_bytes())
        .map_err(|e| Error::new(format!("the rollup config written does not parse: {e}")))?;
    verdict_program::json::rollup_config_from_slice(text.as_bytes()).map_err(|e| {
        Error::new(format!(
            "the rollup config written does not parse for execution: {e}"
        ))
    })?;
    Ok(text)
}
