//! The fixtures' JSON formats (op-node's rollup config, JSON-RPC headers, engine API payload
//! attributes), parsed without `std` (feature `json`): the host reads fixtures with these, and the
//! in-VM program reads the same JSON from its local inputs.

use crate::block::PayloadAttributes;
use crate::config::RollupConfig;
use crate::error::ProgramError;
use alloc::format;
use alloc::vec::Vec;
use alloy_consensus::Header;
use alloy_primitives::{Address, Bloom, Bytes, B256, B64, U256};
use serde_json::Value;

pub(crate) fn bad(field: &str, why: impl core::fmt::Display) -> ProgramError {
    ProgramError::BadInput(format!("field `{field}`: {why}"))
}

pub(crate) fn field<'a>(obj: &'a Value, path: &str, name: &str) -> Result<&'a Value, ProgramError> {
    let full = format!("{path}.{name}");
    obj.get(name).ok_or_else(|| bad(&full, "missing"))
}

pub(crate) fn as_str<'a>(v: &'a Value, path: &str) -> Result<&'a str, ProgramError> {
    v.as_str().ok_or_else(|| bad(path, "not a string"))
}

pub(crate) fn hex_bytes(v: &Value, path: &str) -> Result<Vec<u8>, ProgramError> {
    let s = as_str(v, path)?;
    let s = s
        .strip_prefix("0x")
        .ok_or_else(|| bad(path, "no 0x prefix"))?;
    alloy_primitives::hex::decode(s).map_err(|e| bad(path, e))
}

pub(crate) fn fixed<const N: usize>(v: &Value, path: &str) -> Result<[u8; N], ProgramError> {
    let b = hex_bytes(v, path)?;
    b.try_into()
        .map_err(|b: Vec<u8>| bad(path, format!("{} bytes, expected {N}", b.len())))
}

/// A quantity: a 0x hex string or a JSON number.
pub(crate) fn quantity(v: &Value, path: &str) -> Result<u64, ProgramError> {
    if let Some(n) = v.as_u64() {
        return Ok(n);
    }
    let s = as_str(v, path)?;
    let s = s
        .strip_prefix("0x")
        .ok_or_else(|| bad(path, "no 0x prefix"))?;
    u64::from_str_radix(s, 16).map_err(|e| bad(path, e))
}

pub(crate) fn u256(v: &Value, path: &str) -> Result<U256, ProgramError> {
    let s = as_str(v, path)?;
    U256::from_str_radix(
        s.strip_prefix("0x")
            .ok_or_else(|| bad(path, "no 0x prefix"))?,
        16,
    )
    .map_err(|e| bad(path, e))
}

pub(crate) fn opt<T>(
    obj: &Value,
    path: &str,
    name: &str,
    f: impl Fn(&Value, &str) -> Result<T, ProgramError>,
) -> Result<Option<T>, ProgramError> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => f(v, &format!("{path}.{name}")).map(Some),
    }
}

pub(crate) fn req<T>(
    obj: &Value,
    path: &str,
    name: &str,
    f: impl Fn(&Value, &str) -> Result<T, ProgramError>,
) -> Result<T, ProgramError> {
    f(field(obj, path, name)?, &format!("{path}.{name}"))
}

/// Parses the rollup config JSON (op-node's format).
pub fn parse_rollup_config(v: &Value) -> Result<RollupConfig, ProgramError> {
    let p = "rollup_config";
    let op = field(v, p, "chain_op_config")?;
    let opp = "rollup_config.chain_op_config";
    Ok(RollupConfig {
        l2_chain_id: req(v, p, "l2_chain_id", quantity)?,
        block_time: req(v, p, "block_time", quantity)?,
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
        eip1559_elasticity: req(op, opp, "eip1559Elasticity", quantity)?,
        eip1559_denominator: req(op, opp, "eip1559Denominator", quantity)?,
        eip1559_denominator_canyon: req(op, opp, "eip1559DenominatorCanyon", quantity)?,
    })
}

/// Parses a JSON-RPC block header.
pub fn parse_header(v: &Value, p: &str) -> Result<Header, ProgramError> {
    Ok(Header {
        parent_hash: req(v, p, "parentHash", fixed::<32>)?.into(),
        ommers_hash: req(v, p, "sha3Uncles", fixed::<32>)?.into(),
        beneficiary: Address::from(req(v, p, "miner", fixed::<20>)?),
        state_root: req(v, p, "stateRoot", fixed::<32>)?.into(),
        transactions_root: req(v, p, "transactionsRoot", fixed::<32>)?.into(),
        receipts_root: req(v, p, "receiptsRoot", fixed::<32>)?.into(),
        logs_bloom: Bloom::from(req(v, p, "logsBloom", fixed::<256>)?),
        difficulty: req(v, p, "difficulty", u256)?,
        number: req(v, p, "number", quantity)?,
        gas_limit: req(v, p, "gasLimit", quantity)?,
        gas_used: req(v, p, "gasUsed", quantity)?,
        timestamp: req(v, p, "timestamp", quantity)?,
        extra_data: req(v, p, "extraData", hex_bytes)?.into(),
        mix_hash: req(v, p, "mixHash", fixed::<32>)?.into(),
        nonce: B64::from(req(v, p, "nonce", fixed::<8>)?),
        base_fee_per_gas: opt(v, p, "baseFeePerGas", quantity)?,
        withdrawals_root: opt(v, p, "withdrawalsRoot", fixed::<32>)?.map(B256::from),
        blob_gas_used: opt(v, p, "blobGasUsed", quantity)?,
        excess_blob_gas: opt(v, p, "excessBlobGas", quantity)?,
        parent_beacon_block_root: opt(v, p, "parentBeaconBlockRoot", fixed::<32>)?.map(B256::from),
        requests_hash: opt(v, p, "requestsHash", fixed::<32>)?.map(B256::from),
        ..Default::default()
    })
}

/// Parses payload attributes.
pub fn parse_attributes(v: &Value) -> Result<PayloadAttributes, ProgramError> {
    let p = "executing_payload";
    let txs = field(v, p, "transactions")?
        .as_array()
        .ok_or_else(|| bad("executing_payload.transactions", "not an array"))?;
    let transactions = txs
        .iter()
        .enumerate()
        .map(|(i, t)| {
            hex_bytes(t, &format!("executing_payload.transactions[{i}]")).map(Bytes::from)
        })
        .collect::<Result<_, _>>()?;
    Ok(PayloadAttributes {
        timestamp: req(v, p, "timestamp", quantity)?,
        prev_randao: req(v, p, "prevRandao", fixed::<32>)?.into(),
        suggested_fee_recipient: Address::from(req(v, p, "suggestedFeeRecipient", fixed::<20>)?),
        parent_beacon_block_root: opt(v, p, "parentBeaconBlockRoot", fixed::<32>)?.map(B256::from),
        transactions,
        gas_limit: opt(v, p, "gasLimit", quantity)?,
        eip1559_params: opt(v, p, "eip1559Params", fixed::<8>)?.map(B64::from),
    })
}

/// Parses a JSON text holding the rollup config (op-node's format).
pub fn rollup_config_from_slice(json: &[u8]) -> Result<RollupConfig, ProgramError> {
    parse_rollup_config(&from_slice(json, "rollup_config")?)
}

/// Parses a JSON text holding payload attributes (the fixtures' `executing_payload`).
pub fn attributes_from_slice(json: &[u8]) -> Result<PayloadAttributes, ProgramError> {
    parse_attributes(&from_slice(json, "executing_payload")?)
}

fn from_slice(json: &[u8], what: &str) -> Result<Value, ProgramError> {
    serde_json::from_slice(json).map_err(|e| bad(what, e))
}
