//! The JSON-RPC forms of blocks, transactions and receipts (execution-apis; the OP Stack's
//! deposit fields as op-geth returns them) and of op-node's block references.

use alloy_consensus::{Header, Transaction};
use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::{keccak256, Address, Bytes, B256};
use op_alloy_consensus::{OpReceiptEnvelope, OpTxEnvelope};
use serde_json::{json, Map, Value};
use verdict_derive::{L1BlockRef, L2BlockRef};

fn q(v: u64) -> Value {
    Value::String(format!("{v:#x}"))
}

/// A header's JSON-RPC fields (and its hash).
pub fn header_json(h: &Header, hash: B256) -> Value {
    let mut m = match serde_json::to_value(h).expect("headers serialize") {
        Value::Object(m) => m,
        _ => unreachable!("a header serializes to an object"),
    };
    m.insert("hash".into(), json!(hash.to_string()));
    m.insert("totalDifficulty".into(), q(0));
    m.insert("size".into(), q(alloy_rlp::encode(h).len() as u64));
    Value::Object(m)
}

/// A decoded transaction with its position.
pub struct TxAt<'a> {
    /// The raw transaction.
    pub raw: &'a Bytes,
    /// Its block's hash, number and base fee.
    pub block: (B256, u64, u64),
    /// Its index.
    pub index: usize,
}

fn sender(tx: &OpTxEnvelope) -> Option<Address> {
    use alloy_consensus::transaction::SignerRecoverable;
    match tx {
        OpTxEnvelope::Deposit(d) => Some(d.inner().from),
        t => t.recover_signer().ok(),
    }
}

/// A transaction's JSON-RPC form.
pub fn tx_json(at: &TxAt<'_>) -> Option<Value> {
    let tx = OpTxEnvelope::decode_2718(&mut at.raw.as_ref()).ok()?;
    let mut m = match serde_json::to_value(&tx).ok()? {
        Value::Object(m) => m,
        _ => return None,
    };
    m.insert("hash".into(), json!(keccak256(at.raw).to_string()));
    m.insert("blockHash".into(), json!(at.block.0.to_string()));
    m.insert("blockNumber".into(), q(at.block.1));
    m.insert("transactionIndex".into(), q(at.index as u64));
    if let Some(from) = sender(&tx) {
        m.insert("from".into(), json!(from.to_string()));
    }
    let price = if tx.is_deposit() {
        0
    } else {
        tx.effective_gas_price(Some(at.block.2)) as u64
    };
    m.insert("gasPrice".into(), q(price));
    Some(Value::Object(m))
}

/// A receipt's JSON-RPC form; `prev_cumulative` is the cumulative gas of the receipt before it,
/// `log_index` the number of logs in the block before it.
pub fn receipt_json(
    at: &TxAt<'_>,
    raw_receipt: &Bytes,
    prev_cumulative: u64,
    log_index: u64,
) -> Option<Value> {
    let tx = OpTxEnvelope::decode_2718(&mut at.raw.as_ref()).ok()?;
    let receipt = OpReceiptEnvelope::decode_2718(&mut raw_receipt.as_ref()).ok()?;
    let tx_hash = keccak256(at.raw);
    let from = sender(&tx)?;
    let cumulative = receipt.cumulative_gas_used();
    let logs: Vec<Value> = receipt
        .logs()
        .iter()
        .enumerate()
        .map(|(i, l)| {
            json!({
                "address": l.address.to_string(),
                "topics": l.topics().iter().map(|t| t.to_string()).collect::<Vec<_>>(),
                "data": l.data.data.to_string(),
                "blockHash": at.block.0.to_string(),
                "blockNumber": q(at.block.1),
                "transactionHash": tx_hash.to_string(),
                "transactionIndex": q(at.index as u64),
                "logIndex": q(log_index + i as u64),
                "removed": false,
            })
        })
        .collect();
    let nonce = match &receipt {
        OpReceiptEnvelope::Deposit(d) => d.receipt.deposit_nonce.unwrap_or(0),
        _ => tx.nonce(),
    };
    let contract = tx
        .kind()
        .is_create()
        .then(|| from.create(nonce).to_string());
    let price = if tx.is_deposit() {
        0
    } else {
        tx.effective_gas_price(Some(at.block.2)) as u64
    };
    let mut m = Map::new();
    m.insert("transactionHash".into(), json!(tx_hash.to_string()));
    m.insert("transactionIndex".into(), q(at.index as u64));
    m.insert("blockHash".into(), json!(at.block.0.to_string()));
    m.insert("blockNumber".into(), q(at.block.1));
    m.insert("from".into(), json!(from.to_string()));
    m.insert("to".into(), json!(tx.to().map(|t| t.to_string())));
    m.insert("cumulativeGasUsed".into(), q(cumulative));
    m.insert("gasUsed".into(), q(cumulative - prev_cumulative));
    m.insert("contractAddress".into(), json!(contract));
    m.insert("logs".into(), Value::Array(logs));
    m.insert("logsBloom".into(), json!(receipt.logs_bloom().to_string()));
    m.insert("type".into(), q(receipt.tx_type() as u64));
    m.insert("status".into(), q(receipt.status() as u64));
    m.insert("effectiveGasPrice".into(), q(price));
    if let OpReceiptEnvelope::Deposit(d) = &receipt {
        if let Some(n) = d.receipt.deposit_nonce {
            m.insert("depositNonce".into(), q(n));
        }
        if let Some(v) = d.receipt.deposit_receipt_version {
            m.insert("depositReceiptVersion".into(), q(v));
        }
    }
    Some(Value::Object(m))
}

/// op-node's `L2BlockRef` JSON.
pub fn l2_ref_json(r: &L2BlockRef) -> Value {
    json!({
        "hash": r.hash.to_string(),
        "number": r.number,
        "parentHash": r.parent_hash.to_string(),
        "timestamp": r.timestamp,
        "l1origin": {"hash": r.l1_origin.hash.to_string(), "number": r.l1_origin.number},
        "sequenceNumber": r.sequence_number,
    })
}

/// op-node's `L1BlockRef` JSON.
pub fn l1_ref_json(r: &L1BlockRef) -> Value {
    json!({
        "hash": r.hash.to_string(),
        "number": r.number,
        "parentHash": r.parent_hash.to_string(),
        "timestamp": r.timestamp,
    })
}
