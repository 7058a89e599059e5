//! The sequencer of a scenario: the L2 chain built on the L1 chain with the attributes
//! builder, one block per slot, and the singular batch of each block.

use super::{CodeStore, FakeL2, Keys, MemL1, Options, Rng};
use crate::attributes::{build_attributes, PayloadAttributes};
use crate::batch::SingleBatch;
use crate::config::{Fork, RollupConfig};
use crate::encode;
use crate::error::DeriveError;
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, Bytes};

/// The sequenced L2 chain.
pub(super) struct Sequenced {
    /// The chain, genesis first.
    pub l2: FakeL2,
    /// The attributes of blocks 1, 2, ...
    pub expected: Vec<PayloadAttributes>,
    /// The batch of each block.
    pub batches: Vec<SingleBatch>,
    /// The epoch whose batches are withheld, if any.
    pub withheld: Option<u64>,
    /// The blocks of the withheld epoch.
    pub deposits_only: Vec<u64>,
}

/// Sequences L2 blocks on `l1` up to a few L1 blocks before its head.
pub(super) fn sequence(
    rng: &mut Rng,
    cfg: &RollupConfig,
    l1: &MemL1,
    code: &CodeStore,
    opts: &Options,
    keys: &Keys,
    features: &mut Vec<&'static str>,
) -> Result<Sequenced, DeriveError> {
    let n = opts.l1_blocks;
    // The sequencer: L2 blocks on the L1 chain, built with the attributes builder.
    let mut seq = FakeL2::new(cfg);
    let mut expected = Vec::new();
    let mut batches: Vec<SingleBatch> = Vec::new();
    let mut origin = 0usize;
    let last_time = l1.headers[n.saturating_sub(cfg.seq_window_size.min(6) as usize + 2)].timestamp;
    // An epoch whose batches never come: its window expires and its blocks are deposits-only.
    let withheld = (opts.adversarial && rng.chance(30))
        .then(|| 1002 + rng.below(n as u64 / 3))
        .filter(|e| e + cfg.seq_window_size + 4 < 1000 + n as u64);
    let mut deposits_only = Vec::new();
    let mut nonce = 0u64;
    let mut code = code.clone();
    loop {
        let parent = seq.head();
        let ts = parent.timestamp + cfg.block_time;
        if ts > last_time {
            break;
        }
        if origin < n && l1.headers[origin + 1].timestamp <= ts {
            origin += 1;
        }
        let mut txs = Vec::new();
        let origin_time = l1.headers[origin].timestamp;
        let drifted = ts > origin_time + cfg.max_sequencer_drift(origin_time);
        let epoch_withheld = withheld == Some(1000 + origin as u64);
        if epoch_withheld {
            deposits_only.push(parent.number + 1);
            features.push("deposits-only block");
        }
        if drifted {
            features.push("block past the drift");
        }
        if !cfg.is_activation_block(Fork::Jovian, ts) && !drifted && !epoch_withheld {
            for _ in 0..rng.below(3) {
                let tx = encode::calldata_tx(
                    &keys.user,
                    cfg.l2_chain_id,
                    nonce,
                    Address::from_slice(&rng.bytes(20)),
                    {
                        let l = rng.below(200) as usize;
                        rng.bytes(l)
                    },
                );
                nonce += 1;
                txs.push(Bytes::from(tx.encoded_2718()));
            }
        }
        let batch = SingleBatch {
            parent_hash: parent.hash,
            epoch_num: 1000 + origin as u64,
            epoch_hash: l1.hashes[origin],
            timestamp: ts,
            transactions: txs,
        };
        let attrs = build_attributes(cfg, &mut &*l1, &mut seq, &mut code, &parent, &batch)?;
        seq.execute(&attrs)?;
        expected.push(attrs);
        batches.push(batch);
    }
    Ok(Sequenced {
        l2: seq,
        expected,
        batches,
        withheld,
        deposits_only,
    })
}
