//! L1 retrieval: the batcher data of an L1 block (derivation.md, "L1 Retrieval"; Ecotone's blob
//! retrieval). A transaction is a batcher transaction if it is sent to the batch inbox, has an
//! allowed type and is signed by the batcher of the system config; its calldata is one item of
//! data, or, for a blob transaction from Ecotone on, each of its blobs is.

use crate::blob::{decode_blob, versioned_hash};
use crate::config::{Fork, RollupConfig};
use crate::error::DeriveError;
use crate::log::{DropLog, DropReason};
use crate::provider::{BlobProvider, L1Provider};
use crate::types::L1BlockRef;
use alloc::collections::VecDeque;
use alloc::format;
use alloc::vec::Vec;
use alloy_consensus::transaction::SignerRecoverable;
use alloy_consensus::{Transaction, TxEnvelope};
use alloy_primitives::{Address, TxKind};

/// Where one item of batcher data came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataOrigin {
    /// A transaction's calldata.
    Calldata,
    /// A blob.
    Blob,
}

fn is_allowed_type(tx: &TxEnvelope) -> bool {
    matches!(
        tx,
        TxEnvelope::Legacy(_)
            | TxEnvelope::Eip2930(_)
            | TxEnvelope::Eip1559(_)
            | TxEnvelope::Eip4844(_)
    )
}

/// The batcher data of `block`, in transaction order.
pub fn batcher_data(
    cfg: &RollupConfig,
    l1: &mut dyn L1Provider,
    blobs: &mut dyn BlobProvider,
    block: &L1BlockRef,
    batcher: Address,
    log: &DropLog,
) -> Result<VecDeque<(DataOrigin, Vec<u8>)>, DeriveError> {
    let txs = l1.transactions(block.hash)?;
    let ecotone = cfg.is_active(Fork::Ecotone, block.timestamp);
    let mut out = VecDeque::new();
    // Blobs are numbered across the block, every blob transaction's counted.
    let mut next_blob_index = 0u64;
    for tx in &txs {
        let first_blob_index = next_blob_index;
        next_blob_index += tx.blob_versioned_hashes().map_or(0, |h| h.len() as u64);
        if tx.kind() != TxKind::Call(cfg.batch_inbox_address) || !is_allowed_type(tx) {
            continue;
        }
        match tx.recover_signer() {
            Ok(sender) if sender == batcher => {}
            Ok(_) => {
                log.record(block.number, DropReason::WrongSender);
                continue;
            }
            Err(_) => {
                log.record(block.number, DropReason::BadSignature);
                continue;
            }
        }
        let hashes = tx.blob_versioned_hashes().filter(|_| ecotone);
        let Some(hashes) = hashes else {
            out.push_back((DataOrigin::Calldata, tx.input().to_vec()));
            continue;
        };
        for (i, hash) in hashes.iter().enumerate() {
            let (commitment, blob) = blobs.blob(block, first_blob_index + i as u64, *hash)?;
            if versioned_hash(&commitment) != *hash {
                return Err(DeriveError::BadL1(format!(
                    "blob commitment served for {hash} does not match it"
                )));
            }
            match decode_blob(&blob) {
                Ok(data) => out.push_back((DataOrigin::Blob, data)),
                Err(e) => log.record(block.number, DropReason::BadBlob(e)),
            }
        }
    }
    Ok(out)
}
