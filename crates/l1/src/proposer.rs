//! The proposer's first half: output roots of the L2 node's safe chain at an interval, read with
//! `optimism_outputAtBlock`, checked (version 0: `keccak256(0 ++ stateRoot ++
//! withdrawalStorageRoot ++ blockHash)` when the node gives the parts) and recorded. Posting them
//! to a dispute game factory comes with the dispute contracts.

use crate::error::{Error, Result};
use crate::l2::L2Client;
use crate::rpc::{classify, retrying, Retry};
use alloy::providers::Provider;
use alloy_primitives::{keccak256, B256};
use serde::{Deserialize, Serialize};

/// One output root.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Output {
    /// The L2 block.
    pub l2_block: u64,
    /// Its output root.
    pub output_root: B256,
    /// Its hash.
    pub block_hash: B256,
}

fn b256(v: &serde_json::Value, path: &[&str]) -> Option<B256> {
    let mut x = v;
    for p in path {
        x = x.get(*p)?;
    }
    x.as_str()?.parse().ok()
}

/// `optimism_outputAtBlock(number)` of the node, checked.
pub async fn output_at(l2: &L2Client, number: u64) -> Result<Output> {
    let p = l2.provider();
    let what = || format!("L2 {}: optimism_outputAtBlock({number:#x})", l2.url());
    let v: serde_json::Value = retrying(Retry::default(), what, || async {
        p.raw_request::<_, serde_json::Value>(
            "optimism_outputAtBlock".into(),
            (format!("{number:#x}"),),
        )
        .await
        .map_err(classify)
    })
    .await?;
    let root = b256(&v, &["outputRoot"])
        .ok_or_else(|| Error::new(format!("{}: no outputRoot in {v}", what())))?;
    let hash = b256(&v, &["blockRef", "hash"])
        .ok_or_else(|| Error::new(format!("{}: no blockRef.hash in {v}", what())))?;
    if let (Some(state), Some(storage)) = (
        b256(&v, &["stateRoot"]),
        b256(&v, &["withdrawalStorageRoot"]),
    ) {
        let mut pre = [0u8; 128];
        pre[32..64].copy_from_slice(state.as_slice());
        pre[64..96].copy_from_slice(storage.as_slice());
        pre[96..].copy_from_slice(hash.as_slice());
        if keccak256(pre) != root {
            return Err(Error::new(format!(
                "{}: outputRoot {root} is not the version-0 root of its parts",
                what()
            )));
        }
    }
    Ok(Output {
        l2_block: number,
        output_root: root,
        block_hash: hash,
    })
}
