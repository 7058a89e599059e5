//! L1 blocks: transactions with their receipts sealed under a Prague header whose transactions
//! and receipts roots, logs bloom, gas and blob gas are real; the state root, beacon root and
//! randao are deterministic stand-ins (the programs never read L1 state).

use crate::error::Result;
use crate::genesis::synthetic;
use crate::preimages::PreimageMap;
use alloy_consensus::constants::EMPTY_OMMER_ROOT_HASH;
use alloy_consensus::{Eip658Value, Header, Receipt, ReceiptEnvelope, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_eips::eip7685::EMPTY_REQUESTS_HASH;
use alloy_primitives::{Bloom, Log};
use verdict_program::EMPTY_ROOT;

/// The L1 block gas limit.
pub const L1_GAS_LIMIT: u64 = 36_000_000;
/// The L1 base fee (constant).
pub const L1_BASE_FEE: u64 = 1_000_000_000;
/// Blob gas per blob.
pub const BLOB_GAS_PER_BLOB: u64 = 131_072;
/// Prague's target blob gas per block (6 blobs).
pub const TARGET_BLOB_GAS: u64 = 6 * BLOB_GAS_PER_BLOB;

/// One L1 transaction to include: the transaction, the gas it used and the logs it emitted.
#[derive(Clone, Debug)]
pub struct L1Tx {
    /// The signed transaction.
    pub tx: TxEnvelope,
    /// Gas used.
    pub gas_used: u64,
    /// Its logs.
    pub logs: Vec<Log>,
}

/// A sealed L1 block.
#[derive(Clone, Debug)]
pub struct SealedL1 {
    /// Its header.
    pub header: Header,
    /// Its transactions.
    pub txs: Vec<TxEnvelope>,
    /// Their receipts.
    pub receipts: Vec<ReceiptEnvelope>,
}

/// Seals the block after `parent` at `timestamp` holding `txs` and `blobs` blobs; its header,
/// transactions trie and receipts trie go into `pre`.
pub fn seal(
    parent: &Header,
    timestamp: u64,
    txs: Vec<L1Tx>,
    blobs: u64,
    pre: &mut PreimageMap,
) -> Result<SealedL1> {
    let number = parent.number + 1;
    let mut cumulative = 0u64;
    let mut bloom = Bloom::ZERO;
    let mut receipts = Vec::with_capacity(txs.len());
    let mut envelopes = Vec::with_capacity(txs.len());
    for t in txs {
        cumulative += t.gas_used;
        let receipt = Receipt {
            status: Eip658Value::Eip658(true),
            cumulative_gas_used: cumulative,
            logs: t.logs,
        }
        .with_bloom();
        bloom.accrue_bloom(&receipt.logs_bloom);
        receipts.push(match &t.tx {
            TxEnvelope::Legacy(_) => ReceiptEnvelope::Legacy(receipt),
            TxEnvelope::Eip2930(_) => ReceiptEnvelope::Eip2930(receipt),
            TxEnvelope::Eip4844(_) => ReceiptEnvelope::Eip4844(receipt),
            TxEnvelope::Eip7702(_) => ReceiptEnvelope::Eip7702(receipt),
            _ => ReceiptEnvelope::Eip1559(receipt),
        });
        envelopes.push(t.tx);
    }
    let encoded_txs: Vec<Vec<u8>> = envelopes.iter().map(|t| t.encoded_2718()).collect();
    let encoded_receipts: Vec<Vec<u8>> = receipts.iter().map(|r| r.encoded_2718()).collect();
    let transactions_root = pre.insert_ordered_trie(encoded_txs.iter().map(|t| t.as_slice()))?;
    let receipts_root = pre.insert_ordered_trie(encoded_receipts.iter().map(|r| r.as_slice()))?;
    let excess_blob_gas = (parent.excess_blob_gas.unwrap_or(0) + parent.blob_gas_used.unwrap_or(0))
        .saturating_sub(TARGET_BLOB_GAS);
    let header = Header {
        parent_hash: parent.hash_slow(),
        ommers_hash: EMPTY_OMMER_ROOT_HASH,
        beneficiary: parent.beneficiary,
        state_root: synthetic("l1 state", number),
        transactions_root,
        receipts_root,
        logs_bloom: bloom,
        number,
        gas_limit: L1_GAS_LIMIT,
        gas_used: cumulative,
        timestamp,
        mix_hash: synthetic("randao", number),
        base_fee_per_gas: Some(L1_BASE_FEE),
        withdrawals_root: Some(EMPTY_ROOT),
        blob_gas_used: Some(blobs * BLOB_GAS_PER_BLOB),
        excess_blob_gas: Some(excess_blob_gas),
        parent_beacon_block_root: Some(synthetic("beacon", number)),
        requests_hash: Some(EMPTY_REQUESTS_HASH),
        ..Default::default()
    };
    pre.insert_keccak(alloy_rlp::encode(&header));
    Ok(SealedL1 {
        header,
        txs: envelopes,
        receipts,
    })
}
