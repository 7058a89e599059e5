//! A real chain as a [`Scenario`]: the L1 blocks (headers, transactions, receipts) and blobs an L1
//! node served from the rollup's genesis L1 block on, with the rollup config and the L2 node's
//! blocks, recorded to JSON (crates/l1 records it from anvil) and read back for the in-memory
//! pipelines (ours, and kona-derive's in `kona-diff`).
//!
//! The fake engine cannot execute, so the L2 node's block hashes come with the recording: a
//! derived block whose timestamp, transactions and gas limit are exactly the node's block's, on
//! the node's parent, gets the node's hash ([`FakeL2::hashes`]); any other gets a fake hash, so
//! the batches of every later block no longer apply and the difference shows.
//! [`Recording::check_derived`] checks derived attributes block for block against the node's.
//!
//! The file (all byte strings `0x` hex):
//! ```text
//! {"rollup_config": <op-node's rollup.json>,
//!  "l1": [{"header": RLP, "transactions": [EIP-2718], "receipts": [EIP-2718]}, ...],
//!  "blobs": [{"versioned_hash", "commitment", "blob"}, ...],
//!  "l2": [{"number", "hash", "parent_hash", "timestamp", "gas_limit",
//!          "transactions": [EIP-2718, deposits first]}, ...]}      (from the block after genesis)
//! ```

use super::{FakeL2, MemL1, Scenario};
use crate::attributes::PayloadAttributes;
use crate::blob::BLOB_SIZE;
use crate::config::RollupConfig;
use crate::error::DeriveError;
use crate::provider::Blob;
use alloy_consensus::{Header, ReceiptEnvelope, TxEnvelope};
use alloy_eips::eip2718::{Decodable2718, Encodable2718};
use alloy_primitives::{hex, Bytes, B256};
use serde_json::{json, Value};
use std::collections::HashMap;

/// One recorded L1 block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedL1Block {
    /// The header.
    pub header: Header,
    /// Its transactions.
    pub transactions: Vec<TxEnvelope>,
    /// Its receipts.
    pub receipts: Vec<ReceiptEnvelope>,
}

/// One recorded L2 block (what derivation's result is checked against).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedL2Block {
    /// Its number.
    pub number: u64,
    /// Its hash (the node's).
    pub hash: B256,
    /// Its parent's hash.
    pub parent_hash: B256,
    /// Its timestamp.
    pub timestamp: u64,
    /// Its gas limit.
    pub gas_limit: u64,
    /// Its transactions, EIP-2718 encoded, deposits first.
    pub transactions: Vec<Bytes>,
}

/// A recorded chain.
#[derive(Clone, Debug)]
pub struct Recording {
    /// op-node's rollup config (`rollup.json`).
    pub rollup_config: Value,
    /// The L1 blocks from the rollup's genesis L1 block on, consecutive.
    pub l1: Vec<RecordedL1Block>,
    /// The blobs of those blocks: versioned hash, commitment, blob.
    pub blobs: Vec<(B256, [u8; 48], Blob)>,
    /// The L2 node's blocks after the genesis, consecutive.
    pub l2: Vec<RecordedL2Block>,
}

fn bad(what: impl core::fmt::Display) -> DeriveError {
    DeriveError::Provider(format!("recording: {what}"))
}

fn hex_of(v: &Value, what: &str) -> Result<Vec<u8>, DeriveError> {
    let s = v
        .as_str()
        .ok_or_else(|| bad(format!("{what}: not a string")))?;
    hex::decode(s).map_err(|e| bad(format!("{what}: {e}")))
}

fn b256_of(v: &Value, what: &str) -> Result<B256, DeriveError> {
    let b = hex_of(v, what)?;
    if b.len() != 32 {
        return Err(bad(format!("{what}: {} bytes, not 32", b.len())));
    }
    Ok(B256::from_slice(&b))
}

fn u64_of(v: &Value, what: &str) -> Result<u64, DeriveError> {
    v.as_u64()
        .ok_or_else(|| bad(format!("{what}: not a number")))
}

fn list<'a>(v: &'a Value, key: &str) -> Result<&'a Vec<Value>, DeriveError> {
    v.get(key)
        .and_then(Value::as_array)
        .ok_or_else(|| bad(format!("no list `{key}`")))
}

impl Recording {
    /// The rollup config, parsed.
    pub fn config(&self) -> Result<RollupConfig, DeriveError> {
        crate::json::rollup_config_from_slice(self.rollup_config.to_string().as_bytes())
    }

    /// The JSON text.
    pub fn to_json(&self) -> String {
        let h = |b: &[u8]| format!("0x{}", hex::encode(b));
        let l1: Vec<Value> = self
            .l1
            .iter()
            .map(|b| {
                json!({
                    "header": h(&alloy_rlp::encode(&b.header)),
                    "transactions": b.transactions.iter().map(|t| h(&t.encoded_2718())).collect::<Vec<_>>(),
                    "receipts": b.receipts.iter().map(|r| h(&r.encoded_2718())).collect::<Vec<_>>(),
                })
            })
            .collect();
        let blobs: Vec<Value> = self
            .blobs
            .iter()
            .map(|(v, c, b)| json!({"versioned_hash": h(v.as_slice()), "commitment": h(c), "blob": h(&b[..])}))
            .collect();
        let l2: Vec<Value> = self
            .l2
            .iter()
            .map(|b| {
                json!({
                    "number": b.number, "hash": h(b.hash.as_slice()),
                    "parent_hash": h(b.parent_hash.as_slice()),
                    "timestamp": b.timestamp, "gas_limit": b.gas_limit,
                    "transactions": b.transactions.iter().map(|t| h(t)).collect::<Vec<_>>(),
                })
            })
            .collect();
        let v = json!({"rollup_config": self.rollup_config, "l1": l1, "blobs": blobs, "l2": l2});
        let mut text = v.to_string();
        text.push('\n');
        text
    }

    /// Reads the JSON text, every item decoded.
    pub fn from_json(text: &[u8]) -> Result<Recording, DeriveError> {
        let v: Value = serde_json::from_slice(text).map_err(bad)?;
        let rollup_config = v
            .get("rollup_config")
            .cloned()
            .ok_or_else(|| bad("no rollup_config"))?;
        let mut l1 = Vec::new();
        for (i, b) in list(&v, "l1")?.iter().enumerate() {
            let raw = hex_of(&b["header"], &format!("l1[{i}].header"))?;
            let header: Header = alloy_rlp::Decodable::decode(&mut raw.as_slice())
                .map_err(|e| bad(format!("l1[{i}].header: {e}")))?;
            let mut transactions = Vec::new();
            for (j, t) in list(b, "transactions")?.iter().enumerate() {
                let raw = hex_of(t, &format!("l1[{i}].transactions[{j}]"))?;
                transactions.push(
                    TxEnvelope::decode_2718(&mut raw.as_slice())
                        .map_err(|e| bad(format!("l1[{i}].transactions[{j}]: {e}")))?,
                );
            }
            let mut receipts = Vec::new();
            for (j, r) in list(b, "receipts")?.iter().enumerate() {
                let raw = hex_of(r, &format!("l1[{i}].receipts[{j}]"))?;
                receipts.push(
                    ReceiptEnvelope::decode_2718(&mut raw.as_slice())
                        .map_err(|e| bad(format!("l1[{i}].receipts[{j}]: {e}")))?,
                );
            }
            l1.push(RecordedL1Block {
                header,
                transactions,
                receipts,
            });
        }
        let mut blobs = Vec::new();
        for (i, b) in list(&v, "blobs")?.iter().enumerate() {
            let vh = b256_of(&b["versioned_hash"], &format!("blobs[{i}].versioned_hash"))?;
            let c = hex_of(&b["commitment"], &format!("blobs[{i}].commitment"))?;
            let c: [u8; 48] = c
                .try_into()
                .map_err(|_| bad(format!("blobs[{i}].commitment: not 48 bytes")))?;
            let data = hex_of(&b["blob"], &format!("blobs[{i}].blob"))?;
            let blob: Blob = data
                .into_boxed_slice()
                .try_into()
                .map_err(|_| bad(format!("blobs[{i}].blob: not {BLOB_SIZE} bytes")))?;
            blobs.push((vh, c, blob));
        }
        let mut l2 = Vec::new();
        for (i, b) in list(&v, "l2")?.iter().enumerate() {
            let w = |k: &str| format!("l2[{i}].{k}");
            let mut transactions = Vec::new();
            for (j, t) in list(b, "transactions")?.iter().enumerate() {
                transactions.push(Bytes::from(hex_of(t, &w(&format!("transactions[{j}]")))?));
            }
            l2.push(RecordedL2Block {
                number: u64_of(&b["number"], &w("number"))?,
                hash: b256_of(&b["hash"], &w("hash"))?,
                parent_hash: b256_of(&b["parent_hash"], &w("parent_hash"))?,
                timestamp: u64_of(&b["timestamp"], &w("timestamp"))?,
                gas_limit: u64_of(&b["gas_limit"], &w("gas_limit"))?,
                transactions,
            });
        }
        let r = Recording {
            rollup_config,
            l1,
            blobs,
            l2,
        };
        r.config()?;
        Ok(r)
    }

    /// The scenario both pipelines derive: the L1 chain in memory, the L2 side a fake engine
    /// that knows the node's hashes. `expected` is empty: check the result with
    /// [`Recording::check_derived`].
    pub fn scenario(&self) -> Result<Scenario, DeriveError> {
        let cfg = self.config()?;
        let first = self.l1.first().ok_or_else(|| bad("no L1 blocks"))?;
        if first.header.number != cfg.genesis.l1.number
            || first.header.hash_slow() != cfg.genesis.l1.hash
        {
            return Err(bad(format!(
                "the first L1 block is {}, not the rollup's genesis L1 block {}",
                first.header.number, cfg.genesis.l1.number
            )));
        }
        let mut l1 = MemL1::default();
        for (i, b) in self.l1.iter().enumerate() {
            let hash = b.header.hash_slow();
            if i > 0 && b.header.parent_hash != l1.hashes[i - 1] {
                return Err(bad(format!(
                    "L1 block {} is not the child of the one before it",
                    b.header.number
                )));
            }
            l1.headers.push(b.header.clone());
            l1.hashes.push(hash);
            l1.txs.push(b.transactions.clone());
            l1.receipts.push(b.receipts.clone());
        }
        for (vh, c, blob) in &self.blobs {
            l1.blobs.insert(*vh, (*c, blob.clone()));
        }
        let mut hashes = HashMap::new();
        let mut parent = cfg.genesis.l2.hash;
        for b in &self.l2 {
            if b.parent_hash != parent {
                return Err(bad(format!(
                    "L2 block {} is not the child of the one before it",
                    b.number
                )));
            }
            let fake = FakeL2::fake_hash(parent, b.timestamp, &b.transactions, b.gas_limit);
            hashes.insert(fake, b.hash);
            parent = b.hash;
        }
        Ok(Scenario {
            l2: FakeL2::new(&cfg).with_hashes(hashes),
            cfg,
            l1,
            expected: vec![],
            features: vec!["recorded"],
            deposits_only: vec![],
            expected_drops: vec![],
        })
    }

    /// Checks derived attributes (of the blocks after the genesis, in order) against the node's
    /// blocks: each block's timestamp, transactions and gas limit equal. Returns how many
    /// blocks were checked (every derived one must be recorded).
    pub fn check_derived(&self, derived: &[PayloadAttributes]) -> Result<usize, String> {
        for (i, a) in derived.iter().enumerate() {
            let Some(b) = self.l2.get(i) else {
                return Err(format!(
                    "derived {} blocks, the recording has {}",
                    derived.len(),
                    self.l2.len()
                ));
            };
            if a.timestamp != b.timestamp {
                return Err(format!(
                    "L2 block {}: timestamp {} derived, {} on the node",
                    b.number, a.timestamp, b.timestamp
                ));
            }
            if a.gas_limit != b.gas_limit {
                return Err(format!(
                    "L2 block {}: gas limit {} derived, {} on the node",
                    b.number, a.gas_limit, b.gas_limit
                ));
            }
            if a.transactions != b.transactions {
                return Err(format!(
                    "L2 block {}: {} transactions derived, {} on the node, or different bytes",
                    b.number,
                    a.transactions.len(),
                    b.transactions.len()
                ));
            }
        }
        Ok(derived.len())
    }
}
