//! op-node's rollup config JSON (`rollup.json`), parsed without `std` (serde_json with `alloc`).

use crate::config::{BlobScheduleEntry, Genesis, RollupConfig};
use crate::error::DeriveError;
use crate::system_config::SystemConfig;
use crate::types::BlockId;
use alloc::format;
use alloc::vec::Vec;
use alloy_primitives::{Address, B256, U256};
use serde_json::Value;

fn bad(path: &str, why: impl core::fmt::Display) -> DeriveError {
    DeriveError::Config(format!("`{path}`: {why}"))
}

fn get<'a>(obj: &'a Value, path: &str, name: &str) -> Result<&'a Value, DeriveError> {
    obj.get(name)
        .ok_or_else(|| bad(&format!("{path}.{name}"), "missing"))
}

fn present<'a>(obj: &'a Value, name: &str) -> Option<&'a Value> {
    obj.get(name).filter(|v| !v.is_null())
}

fn hex_bytes(v: &Value, path: &str) -> Result<Vec<u8>, DeriveError> {
    let s = v.as_str().ok_or_else(|| bad(path, "not a string"))?;
    let s = s
        .strip_prefix("0x")
        .ok_or_else(|| bad(path, "no 0x prefix"))?;
    alloy_primitives::hex::decode(s).map_err(|e| bad(path, e))
}

fn b256(v: &Value, path: &str) -> Result<B256, DeriveError> {
    let b = hex_bytes(v, path)?;
    (b.len() == 32)
        .then(|| B256::from_slice(&b))
        .ok_or_else(|| bad(path, "not 32 bytes"))
}

fn address(v: &Value, path: &str) -> Result<Address, DeriveError> {
    let b = hex_bytes(v, path)?;
    (b.len() == 20)
        .then(|| Address::from_slice(&b))
        .ok_or_else(|| bad(path, "not 20 bytes"))
}

/// A quantity: a JSON number or a 0x hex string.
fn quantity(v: &Value, path: &str) -> Result<u64, DeriveError> {
    if let Some(n) = v.as_u64() {
        return Ok(n);
    }
    let s = v.as_str().ok_or_else(|| bad(path, "not a number"))?;
    let s = s
        .strip_prefix("0x")
        .ok_or_else(|| bad(path, "no 0x prefix"))?;
    u64::from_str_radix(s, 16).map_err(|e| bad(path, e))
}

fn req<T>(
    obj: &Value,
    path: &str,
    name: &str,
    f: fn(&Value, &str) -> Result<T, DeriveError>,
) -> Result<T, DeriveError> {
    f(get(obj, path, name)?, &format!("{path}.{name}"))
}

fn opt<T>(
    obj: &Value,
    path: &str,
    name: &str,
    f: fn(&Value, &str) -> Result<T, DeriveError>,
) -> Result<Option<T>, DeriveError> {
    present(obj, name)
        .map(|v| f(v, &format!("{path}.{name}")))
        .transpose()
}

fn block_id(v: &Value, path: &str) -> Result<BlockId, DeriveError> {
    Ok(BlockId {
        hash: req(v, path, "hash", b256)?,
        number: req(v, path, "number", quantity)?,
    })
}

fn system_config(v: &Value, path: &str) -> Result<SystemConfig, DeriveError> {
    let mut sc = SystemConfig {
        batcher_address: req(v, path, "batcherAddr", address)?,
        overhead: U256::from_be_bytes(req(v, path, "overhead", b256)?.0),
        scalar: U256::from_be_bytes(req(v, path, "scalar", b256)?.0),
        gas_limit: req(v, path, "gasLimit", quantity)?,
        ..Default::default()
    };
    let small = |name: &str| opt(v, path, name, quantity);
    sc.eip1559_denominator = small("eip1559Denominator")?.unwrap_or(0) as u32;
    sc.eip1559_elasticity = small("eip1559Elasticity")?.unwrap_or(0) as u32;
    sc.operator_fee_scalar = small("operatorFeeScalar")?.unwrap_or(0) as u32;
    sc.operator_fee_constant = small("operatorFeeConstant")?.unwrap_or(0);
    sc.min_base_fee = small("minBaseFee")?.unwrap_or(0);
    sc.da_footprint_gas_scalar = small("daFootprintGasScalar")?.unwrap_or(0) as u16;
    Ok(sc)
}

/// Parses a rollup config from op-node's JSON format.
pub fn parse_rollup_config(v: &Value) -> Result<RollupConfig, DeriveError> {
    let p = "rollup";
    let g = get(v, p, "genesis")?;
    let gp = "rollup.genesis";
    let op = present(v, "chain_op_config");
    let op_field = |name: &str, default: u64| -> Result<u64, DeriveError> {
        match op {
            Some(op) => Ok(opt(op, "rollup.chain_op_config", name, quantity)?.unwrap_or(default)),
            None => Ok(default),
        }
    };
    let mut blob_schedule = Vec::new();
    if let Some(entries) = present(v, "l1_blob_schedule").and_then(|s| s.as_array()) {
        for (i, e) in entries.iter().enumerate() {
            let ep = format!("rollup.l1_blob_schedule[{i}]");
            blob_schedule.push(BlobScheduleEntry {
                timestamp: req(e, &ep, "timestamp", quantity)?,
                update_fraction: req(e, &ep, "update_fraction", quantity)? as u128,
            });
        }
    }
    Ok(RollupConfig {
        genesis: Genesis {
            l1: req(g, gp, "l1", block_id)?,
            l2: req(g, gp, "l2", block_id)?,
            l2_time: req(g, gp, "l2_time", quantity)?,
            system_config: req(g, gp, "system_config", system_config)?,
        },
        block_time: req(v, p, "block_time", quantity)?,
        max_sequencer_drift: req(v, p, "max_sequencer_drift", quantity)?,
        seq_window_size: req(v, p, "seq_window_size", quantity)?,
        channel_timeout: req(v, p, "channel_timeout", quantity)?,
        granite_channel_timeout: opt(v, p, "granite_channel_timeout", quantity)?.unwrap_or(50),
        l1_chain_id: req(v, p, "l1_chain_id", quantity)?,
        l2_chain_id: req(v, p, "l2_chain_id", quantity)?,
        batch_inbox_address: req(v, p, "batch_inbox_address", address)?,
        deposit_contract_address: req(v, p, "deposit_contract_address", address)?,
        l1_system_config_address: req(v, p, "l1_system_config_address", address)?,
        regolith_time: opt(v, p, "regolith_time", quantity)?,
        canyon_time: opt(v, p, "canyon_time", quantity)?,
        delta_time: opt(v, p, "delta_time", quantity)?,
        ecotone_time: opt(v, p, "ecotone_time", quantity)?,
        fjord_time: opt(v, p, "fjord_time", quantity)?,
        granite_time: opt(v, p, "granite_time", quantity)?,
        holocene_time: opt(v, p, "holocene_time", quantity)?,
        isthmus_time: opt(v, p, "isthmus_time", quantity)?,
        jovian_time: opt(v, p, "jovian_time", quantity)?,
        interop_time: opt(v, p, "interop_time", quantity)?,
        pectra_blob_schedule_time: opt(v, p, "pectra_blob_schedule_time", quantity)?,
        eip1559_elasticity: op_field("eip1559Elasticity", 6)?,
        eip1559_denominator: op_field("eip1559Denominator", 50)?,
        eip1559_denominator_canyon: op_field("eip1559DenominatorCanyon", 250)?,
        l1_blob_schedule: blob_schedule,
    })
}

/// Parses a rollup config from JSON text.
pub fn rollup_config_from_slice(json: &[u8]) -> Result<RollupConfig, DeriveError> {
    let v: Value = serde_json::from_slice(json).map_err(|e| bad("rollup", e))?;
    parse_rollup_config(&v)
}
