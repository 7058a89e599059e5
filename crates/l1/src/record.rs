//! Recording a running chain for the in-memory pipelines (verdict-derive's and kona-derive's in
//! `crates/derive/kona-diff`): the L1 blocks from the rollup's genesis L1 block to an L1 block,
//! their receipts and blobs, read and checked over RPC exactly as the follower reads them, with
//! the L2 node's blocks; written as verdict-derive's [`Recording`] JSON.

use crate::error::{Error, Result};
use crate::l2::L2Client;
use crate::rpc::{L1Client, RpcL1};
use alloy_consensus::Transaction;
use verdict_derive::generator::recording::{RecordedL1Block, RecordedL2Block, Recording};
use verdict_derive::provider::{BlobProvider, L1Provider};
use verdict_derive::L1BlockRef;

/// Records the chain of `rollup_json`: L1 blocks from its genesis L1 block through `l1_to`
/// (with every blob of theirs), and the L2 node's blocks after genesis through `l2_to`.
pub fn record(
    rollup_json: &str,
    l1: L1Client,
    l2: &L2Client,
    l1_to: u64,
    l2_to: u64,
) -> Result<Recording> {
    let cfg = verdict_derive::json::rollup_config_from_slice(rollup_json.as_bytes())?;
    let rollup_config: serde_json::Value =
        serde_json::from_str(rollup_json).map_err(|e| Error::new(format!("rollup config: {e}")))?;
    let rt = crate::rpc::runtime()?;
    let url = l1.url().to_string();
    let mut rpc = RpcL1::new(l1, rt.clone(), Some(l1_to));
    let dp = |e: verdict_derive::DeriveError| Error::new(e.to_string());
    let mut out = Recording {
        rollup_config,
        l1: vec![],
        blobs: vec![],
        l2: vec![],
    };
    for n in cfg.genesis.l1.number..=l1_to {
        let header = rpc
            .header_by_number(n)
            .map_err(dp)?
            .ok_or_else(|| Error::new(format!("L1 {url}: no block {n}")))?;
        let r = L1BlockRef::from_header(&header);
        let transactions = rpc.transactions(r.hash).map_err(dp)?;
        let receipts = rpc.receipts(r.hash).map_err(dp)?;
        let mut index = 0u64;
        for tx in &transactions {
            for vh in tx.blob_versioned_hashes().unwrap_or_default() {
                let (c, blob) = rpc.blob(&r, index, *vh).map_err(dp)?;
                out.blobs.push((*vh, c, blob));
                index += 1;
            }
        }
        out.l1.push(RecordedL1Block {
            header,
            transactions,
            receipts,
        });
    }
    for n in cfg.genesis.l2.number + 1..=l2_to {
        let b = rt
            .block_on(l2.block(n))?
            .ok_or_else(|| Error::new(format!("L2 {}: no block {n}", l2.url())))?;
        out.l2.push(RecordedL2Block {
            number: n,
            hash: b.hash,
            parent_hash: b.header.parent_hash,
            timestamp: b.header.timestamp,
            gas_limit: b.header.gas_limit,
            transactions: b.transactions,
        });
    }
    Ok(out)
}
