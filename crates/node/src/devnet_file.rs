//! `devnet.json`, the file the devnet's L1 half (`verdict devnet`) writes into its data directory
//! for the node: the L2 chain's parameters and the L1 deployment. The node builds its genesis
//! from it, writes `genesis.json` beside it, and waits for the L1 half to write `rollup.json`
//! there from the two.

use crate::genesis::GenesisParams;
use serde_json::Value;
use std::path::Path;

/// Why `devnet.json` cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct DevnetFileError {
    /// The file.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// The forks the node's genesis has active, in order: each must be active at genesis (offset 0),
/// and none after them may be scheduled.
const FORKS_AT_GENESIS: [&str; 8] = [
    "regolith", "canyon", "delta", "ecotone", "fjord", "granite", "holocene", "isthmus",
];

/// The genesis parameters `devnet.json` gives: the L1 genesis block's time (the L2 genesis has
/// the same), the genesis gas limit and the EIP-1559 parameters; the forks checked.
pub fn genesis_params(v: &Value) -> Result<GenesisParams, String> {
    let u64_at = |ptr: &str| -> Result<u64, String> {
        v.pointer(ptr)
            .and_then(Value::as_u64)
            .ok_or_else(|| format!("{ptr} is missing or not a number"))
    };
    let u32_at = |ptr: &str| -> Result<u32, String> {
        u32::try_from(u64_at(ptr)?).map_err(|_| format!("{ptr} does not fit 32 bits"))
    };
    let forks = v
        .pointer("/params/forks")
        .and_then(Value::as_array)
        .ok_or("/params/forks is missing or not a list")?;
    for f in forks {
        let name = f
            .get(0)
            .and_then(Value::as_str)
            .ok_or("a fork without a name")?;
        let at = f.get(1).and_then(Value::as_u64);
        let at_genesis = FORKS_AT_GENESIS.contains(&name);
        match (at_genesis, at) {
            (true, Some(0)) | (false, None) => {}
            (true, _) => {
                return Err(format!(
                    "fork {name} must be active at genesis (the node's genesis is Isthmus's)"
                ))
            }
            (false, Some(_)) => {
                return Err(format!(
                    "fork {name} is scheduled, but the node builds only through Isthmus"
                ))
            }
        }
    }
    for name in FORKS_AT_GENESIS {
        if !forks
            .iter()
            .any(|f| f.get(0).and_then(Value::as_str) == Some(name))
        {
            return Err(format!(
                "fork {name} is not scheduled; the node's genesis is Isthmus's"
            ));
        }
    }
    Ok(GenesisParams {
        timestamp: u64_at("/deployment/genesis_l1/timestamp")?,
        gas_limit: u64_at("/deployment/gas_limit")?,
        eip1559_denominator: u32_at("/params/eip1559_denominator_canyon")?,
        eip1559_elasticity: u32_at("/params/eip1559_elasticity")?,
    })
}

/// Reads `path` (`devnet.json`) and gives its genesis parameters.
pub fn read(path: &Path) -> Result<GenesisParams, DevnetFileError> {
    let err = |message: String| DevnetFileError {
        path: path.display().to_string(),
        message,
    };
    let text = std::fs::read(path).map_err(|e| err(e.to_string()))?;
    let v: Value = serde_json::from_slice(&text).map_err(|e| err(format!("not JSON: {e}")))?;
    genesis_params(&v).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn file(forks: Value) -> Value {
        json!({
            "params": {
                "l2_chain_id": 901, "l2_block_time": 2, "forks": forks,
                "max_sequencer_drift": 600, "seq_window_size": 3600, "channel_timeout": 300,
                "granite_channel_timeout": 50, "eip1559_elasticity": 6, "eip1559_denominator": 50,
                "eip1559_denominator_canyon": 250
            },
            "deployment": {
                "l1_chain_id": 900,
                "genesis_l1": {"number": 7, "hash": format!("0x{}", "11".repeat(32)), "timestamp": 1_800_000_000u64},
                "gas_limit": 60_000_000u64, "base_fee_scalar": 1368, "blob_base_fee_scalar": 810949
            }
        })
    }

    #[test]
    fn reads_the_l1_halfs_file_and_checks_the_forks() {
        let all: Vec<Value> = FORKS_AT_GENESIS.iter().map(|f| json!([f, 0])).collect();
        let p = genesis_params(&file(Value::Array(all.clone()))).unwrap();
        assert_eq!(
            p,
            GenesisParams {
                timestamp: 1_800_000_000,
                gas_limit: 60_000_000,
                eip1559_denominator: 250,
                eip1559_elasticity: 6
            }
        );
        let mut later = all.clone();
        later.push(json!(["jovian", 100]));
        assert!(genesis_params(&file(Value::Array(later)))
            .unwrap_err()
            .contains("jovian"));
        let mut off = all.clone();
        off[7] = json!(["isthmus", null]);
        assert!(genesis_params(&file(Value::Array(off)))
            .unwrap_err()
            .contains("isthmus"));
        let mut v = file(Value::Array(all));
        v["deployment"].as_object_mut().unwrap().remove("gas_limit");
        assert!(genesis_params(&v).unwrap_err().contains("gas_limit"));
    }
}
