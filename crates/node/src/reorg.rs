//! L1 reorgs under the sequencer: when the L1 origin of the head is no longer on L1 (anvil's
//! `anvil_reorg`, or an L1 restarted from a state saved before its last blocks), the unsafe
//! chain is rewound to the newest block whose origin still is, as op-node's sequencer resets
//! onto the canonical L1 chain; the transactions of the dropped blocks go back to the pool.

use crate::chain::L1Chain;
use crate::store::NodeStore;
use alloy_primitives::{Bytes, B256};
use std::collections::HashMap;

/// What a rewind did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rewind {
    /// The old head's number.
    pub from: u64,
    /// The new head.
    pub to: u64,
    /// Its hash.
    pub to_hash: B256,
    /// The L1 origin that disappeared first (number, hash).
    pub lost_origin: (u64, B256),
    /// The user transactions of the dropped blocks (deposits are not resubmitted).
    pub transactions: Vec<Bytes>,
}

/// Rewinds the unsafe chain if its head's L1 origin is no longer on L1; `None` when it is.
pub fn rewind_if_reorged(store: &NodeStore, l1: &L1Chain) -> Result<Option<Rewind>, String> {
    let (head, _) = store.head_header().map_err(|e| e.to_string())?;
    let mut seen: HashMap<u64, bool> = HashMap::new();
    let mut on_l1 = |number: u64, hash: B256| -> Result<bool, String> {
        if let Some(v) = seen.get(&number) {
            return Ok(*v);
        }
        let v = l1.canonical(number).map_err(|e| e.to_string())? == Some(hash);
        seen.insert(number, v);
        Ok(v)
    };
    let mut lost = None;
    for n in (0..=head.number).rev() {
        let hash = store
            .hash_at(n)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("the chain has no block {n}"))?;
        let info = store
            .info(hash)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("block {n} has no block info"))?;
        let origin = info.l1_origin;
        if on_l1(origin.number, origin.hash)? || n == 0 {
            let Some(lost_origin) = lost else {
                return Ok(None);
            };
            l1.forget_numbers();
            let dropped = store.rewind(hash).map_err(|e| e.to_string())?;
            return Ok(Some(Rewind {
                from: head.number,
                to: n,
                to_hash: hash,
                lost_origin,
                transactions: dropped
                    .into_iter()
                    .filter(|t| t.first() != Some(&0x7e))
                    .collect(),
            }));
        }
        lost = Some((origin.number, origin.hash));
    }
    unreachable!("block 0 ends the walk")
}
