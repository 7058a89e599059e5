//! The safe chain: derivation (verdict-derive's pipeline over the L1 node, blobs from its beacon
//! API) re-derives the node's blocks from the batches posted to L1, and each derived block whose
//! attributes are the stored block's becomes the safe head, as op-node's safe head follows L1.
//! Each round starts a pipeline from the safe head (a channel timeout of L1 blocks before its
//! origin, as the fault proof program starts) and derives until L1 runs out.

use crate::chain::{L1Chain, L2View, NoUpgrades};
use crate::eth::EthClient;
use crate::node::Inner;
use alloy_primitives::B256;
use serde_json::Value;
use std::time::Duration;
use verdict_derive::pipeline::{start_block_number, Pipeline};
use verdict_derive::provider::{Blob, BlobProvider};
use verdict_derive::{DeriveError, L1BlockRef, L2BlockRef};
use verdict_rpc::Client;

/// Blobs from a beacon API that takes the L1 block's hash as its block id (anvil's), checked
/// against their versioned hash with c-kzg.
pub struct BeaconBlobs<'a>(pub &'a Client);

impl BlobProvider for BeaconBlobs<'_> {
    fn blob(
        &mut self,
        block: &L1BlockRef,
        _index: u64,
        versioned_hash: B256,
    ) -> Result<([u8; 48], Blob), DeriveError> {
        let path = format!(
            "/eth/v1/beacon/blobs/{}?versioned_hashes={versioned_hash}",
            block.hash
        );
        let v: Value = self
            .0
            .get_json(&path)
            .map_err(|e| DeriveError::Provider(e.to_string()))?;
        let settings = c_kzg::ethereum_kzg_settings(0);
        for b in v["data"].as_array().into_iter().flatten() {
            let Some(raw) = b
                .as_str()
                .and_then(|s| alloy_primitives::hex::decode(s.trim_start_matches("0x")).ok())
            else {
                continue;
            };
            let Ok(raw) = <[u8; verdict_derive::blob::BLOB_SIZE]>::try_from(raw) else {
                continue;
            };
            let kzg = c_kzg::Blob::from_bytes(&raw)
                .and_then(|b| settings.blob_to_kzg_commitment(&b))
                .map_err(|e| DeriveError::Provider(format!("KZG: {e:?}")))?;
            let commitment: [u8; 48] = *kzg.to_bytes();
            if verdict_derive::blob::versioned_hash(&commitment) == versioned_hash {
                return Ok((commitment, Box::new(raw)));
            }
        }
        Err(DeriveError::Provider(format!(
            "{}: GET {path}: no blob with that versioned hash",
            self.0.url()
        )))
    }
}

/// The safe head and the L1 block it was derived from.
#[derive(Clone, Copy)]
struct Safe {
    head: L2BlockRef,
    from: Option<L1BlockRef>,
}

/// One round: derives from the safe head until L1 runs out; returns the new safe head.
fn round(inner: &Inner, l1: &L1Chain, beacon: &Client, start_at: Safe) -> Result<Safe, String> {
    let safe = start_at.head;
    let mut from = start_at.from;
    let cfg = inner.cfg.clone();
    let start = start_block_number(&cfg, &safe).max(cfg.genesis.l1.number);
    let l2 = L2View {
        store: &inner.store,
        cfg: &cfg,
    };
    let blobs = BeaconBlobs(beacon);
    let mut p = Pipeline::new(cfg.clone(), l1, blobs, l2, NoUpgrades, safe, start)
        .map_err(|e| format!("derivation from L2 block {}: {e}", safe.number))?;
    let mut safe = safe;
    loop {
        if inner.stopping() {
            return Ok(Safe { head: safe, from });
        }
        let d = match p.next_attributes() {
            Ok(d) => d,
            Err(DeriveError::EndOfL1) => return Ok(Safe { head: safe, from }),
            Err(e) => return Err(format!("derivation after L2 block {}: {e}", safe.number)),
        };
        let n = safe.number + 1;
        let err = |m: String| format!("derived L2 block {n}: {m}");
        let hash = inner
            .store
            .hash_at(n)
            .map_err(|e| err(e.to_string()))?
            .ok_or_else(|| err("the node has no such block (batches of another chain?)".into()))?;
        let header = inner
            .store
            .header(hash)
            .map_err(|e| err(e.to_string()))?
            .ok_or_else(|| err("no header".into()))?;
        let txs = inner
            .store
            .transactions(hash)
            .map_err(|e| err(e.to_string()))?
            .unwrap_or_default();
        let a = &d.attributes;
        if a.transactions != txs
            || a.timestamp != header.timestamp
            || a.prev_randao != header.mix_hash
            || a.gas_limit != header.gas_limit
            || a.parent_beacon_block_root != header.parent_beacon_block_root
            || d.parent.hash != header.parent_hash
        {
            return Err(err(format!(
                "the attributes derived from L1 block {} are not the node's block {hash}",
                d.derived_from.number
            )));
        }
        safe = inner
            .store
            .block_ref(hash)
            .map_err(|e| err(e.to_string()))?
            .ok_or_else(|| err("no block info".into()))?;
        from = Some(d.derived_from);
        p.advance(safe);
    }
}

/// Whether the safe head still stands: its block is canonical and the L1 block it was derived
/// from is still on L1 (an L1 reorg, or a restarted L1 that lost its last blocks, takes it
/// back).
fn still_safe(inner: &Inner, l1: &L1Chain, safe: &Safe) -> Result<bool, String> {
    if inner
        .store
        .hash_at(safe.head.number)
        .map_err(|e| e.to_string())?
        != Some(safe.head.hash)
    {
        return Ok(false);
    }
    match safe.from {
        None => Ok(true),
        Some(f) => Ok(l1.canonical(f.number).map_err(|e| e.to_string())? == Some(f.hash)),
    }
}

/// Follows L1 until the node stops, keeping `inner.safe` current; a block derived differently
/// from the node's stops the safe head there (the error is kept in `inner.safe_error`).
pub fn follow(inner: &Inner, l1: EthClient, beacon: Client, poll: Duration) {
    let l1 = L1Chain::new(l1);
    let genesis = *inner.safe.lock().expect("lock");
    let mut safe = Safe {
        head: genesis,
        from: None,
    };
    while !inner.stopping() {
        match still_safe(inner, &l1, &safe) {
            Ok(true) => {}
            Ok(false) => {
                eprintln!(
                    "verdict node: safe chain: L2 block {} is no longer safe (an L1 reorg); \
                     deriving again from the genesis",
                    safe.head.number
                );
                l1.forget_numbers();
                safe = Safe {
                    head: genesis,
                    from: None,
                };
                *inner.safe.lock().expect("lock") = genesis;
            }
            Err(e) => {
                *inner.safe_error.lock().expect("lock") = Some(e);
                std::thread::sleep(poll.max(Duration::from_millis(500)));
                continue;
            }
        }
        match round(inner, &l1, &beacon, safe) {
            Ok(new) => {
                safe = new;
                *inner.safe.lock().expect("lock") = new.head;
                *inner.safe_error.lock().expect("lock") = None;
            }
            Err(e) => {
                let mut last = inner.safe_error.lock().expect("lock");
                if last.as_deref() != Some(e.as_str()) {
                    eprintln!("verdict node: safe chain: {e}");
                }
                *last = Some(e);
            }
        }
        std::thread::sleep(poll.max(Duration::from_millis(500)));
    }
}
