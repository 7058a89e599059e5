//! Batch validity (derivation.md, "Batch Queue"; delta/span-batches.md, "Batch Queue"; Holocene's
//! `past` validity and drop of future batches; Isthmus's SetCode activation; Jovian's empty
//! activation block).

use super::single::SingleBatch;
use super::span::SpanBatch;
use crate::config::{Fork, RollupConfig};
use crate::error::DeriveError;
use crate::provider::L2Provider;
use crate::types::{L1BlockRef, L2BlockRef};
use alloc::vec::Vec;
use alloy_primitives::Bytes;

/// The validity rule a dropped batch breaks (derivation.md, "Batch Queue"; span-batches.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InvalidBatch {
    /// For a later L2 block (dropped from Holocene on; kept before).
    FutureTimestamp,
    /// For an L2 block already in the safe chain.
    PastTimestamp,
    /// The parent hash is not the safe head's (span batches: the parent check).
    ParentHash,
    /// Included after its epoch's sequencing window.
    OutsideSequenceWindow,
    /// The L1 origin is older than the safe head's.
    EpochTooOld,
    /// The L1 origin advances by more than one block.
    EpochTooNew,
    /// The L1 origin's hash is not the canonical block's.
    EpochHash,
    /// The L2 timestamp is before its L1 origin's.
    BeforeL1Origin,
    /// Past the maximum sequencer drift with transactions.
    DriftWithTransactions,
    /// Past the maximum sequencer drift, empty, while the next L1 origin could have been adopted.
    DriftCouldAdoptNextOrigin,
    /// Sequenced transactions in a Jovian (or Interop) activation block.
    ActivationBlockTransactions,
    /// An empty transaction.
    EmptyTransaction,
    /// A deposit transaction among the sequenced ones.
    DepositTransaction,
    /// A SetCode (EIP-7702) transaction before Isthmus.
    SetCodeBeforeIsthmus,
    /// A span batch whose L1 origin is before Delta.
    SpanOriginBeforeDelta,
    /// A span batch that starts off the safe chain's block times.
    SpanMisaligned,
    /// A span batch whose parent check does not match.
    SpanParentCheck,
    /// A span batch whose L1 origin check does not match.
    SpanOriginCheck,
    /// A span batch block overlapping the safe chain with other transactions.
    SpanOverlapTransactions,
    /// A span batch block overlapping the safe chain with another L1 origin.
    SpanOverlapOrigin,
    /// A span batch naming an L1 origin the pipeline does not have: from Holocene on, one after
    /// the L1 block being read (no such batch can be valid), or a block after the safe head
    /// whose L1 origin is older than the safe head's (holocene/derivation.md, "Span Batches":
    /// such singular batches, and with them the span batch, are invalid).
    SpanUnknownOrigin,
    /// For a block after the safe head, but read before L1 traversal caught up with the safe
    /// head: from an L1 block before its L1 origin, or from Holocene on from that origin itself
    /// (derivation.md, "Finding the sync starting point": outputs are dropped "until L1
    /// traversal has caught up with the actual L2 safe head"). The next block's batch names its
    /// L1 origin, the safe head's or a later one, by hash, which neither an earlier L1 block nor
    /// that block itself can contain, so no batch read there can be valid.
    BehindSafeHead,
}

/// What to do with a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Validity {
    /// Invalid: drop it, for this reason.
    Drop(InvalidBatch),
    /// Valid: use it.
    Accept,
    /// More L1 data is needed to decide.
    Undecided,
    /// For a later L2 block (before Holocene: keep it).
    Future,
    /// For an L2 block already in the safe chain (Holocene: drop it silently).
    Past,
}

/// The transaction rules: no empty transaction, no deposit, no SetCode before Isthmus.
fn transactions_valid(
    cfg: &RollupConfig,
    timestamp: u64,
    txs: &[Bytes],
) -> Result<(), InvalidBatch> {
    for tx in txs {
        match tx.first() {
            None => return Err(InvalidBatch::EmptyTransaction),
            Some(0x7e) => return Err(InvalidBatch::DepositTransaction),
            Some(4) if !cfg.is_active(Fork::Isthmus, timestamp) => {
                return Err(InvalidBatch::SetCodeBeforeIsthmus)
            }
            _ => {}
        }
    }
    Ok(())
}

/// Jovian's activation block (and Interop's) must carry no sequenced transaction.
fn activation_block_valid(
    cfg: &RollupConfig,
    timestamp: u64,
    txs: &[Bytes],
) -> Result<(), InvalidBatch> {
    for fork in [Fork::Jovian, Fork::Interop] {
        if !txs.is_empty() && cfg.is_activation_block(fork, timestamp) {
            return Err(InvalidBatch::ActivationBlockTransactions);
        }
    }
    Ok(())
}

/// Both transaction rules of a block.
fn block_transactions_valid(
    cfg: &RollupConfig,
    timestamp: u64,
    txs: &[Bytes],
) -> Result<(), InvalidBatch> {
    activation_block_valid(cfg, timestamp, txs)?;
    transactions_valid(cfg, timestamp, txs)
}

/// The validity of a singular batch on top of `safe_head`, with `l1_blocks` the L1 blocks from
/// the safe head's origin on (as far as known) and `inclusion` the L1 block the batch was read
/// from.
pub fn check_single(
    cfg: &RollupConfig,
    l1_blocks: &[L1BlockRef],
    safe_head: &L2BlockRef,
    batch: &SingleBatch,
    inclusion: &L1BlockRef,
) -> Validity {
    let Some(epoch) = l1_blocks.first() else {
        return Validity::Undecided;
    };
    let holocene = cfg.is_active(Fork::Holocene, inclusion.timestamp);
    let next_timestamp = safe_head.timestamp + cfg.block_time;
    if batch.timestamp > next_timestamp {
        return if holocene {
            Validity::Drop(InvalidBatch::FutureTimestamp)
        } else {
            Validity::Future
        };
    }
    if batch.timestamp < next_timestamp {
        return if holocene {
            Validity::Past
        } else {
            Validity::Drop(InvalidBatch::PastTimestamp)
        };
    }
    if batch.parent_hash != safe_head.hash {
        return Validity::Drop(InvalidBatch::ParentHash);
    }
    if batch.epoch_num.saturating_add(cfg.seq_window_size) < inclusion.number {
        return Validity::Drop(InvalidBatch::OutsideSequenceWindow);
    }
    let batch_origin = if batch.epoch_num < epoch.number {
        return Validity::Drop(InvalidBatch::EpochTooOld);
    } else if batch.epoch_num == epoch.number {
        *epoch
    } else if batch.epoch_num == epoch.number + 1 {
        match l1_blocks.get(1) {
            Some(next) => *next,
            None => return Validity::Undecided,
        }
    } else {
        return Validity::Drop(InvalidBatch::EpochTooNew);
    };
    if batch.epoch_hash != batch_origin.hash {
        return Validity::Drop(InvalidBatch::EpochHash);
    }
    if batch.timestamp < batch_origin.timestamp {
        return Validity::Drop(InvalidBatch::BeforeL1Origin);
    }
    let max = batch_origin
        .timestamp
        .saturating_add(cfg.max_sequencer_drift(batch_origin.timestamp));
    if batch.timestamp > max {
        if !batch.transactions.is_empty() {
            return Validity::Drop(InvalidBatch::DriftWithTransactions);
        }
        if epoch.number == batch_origin.number {
            match l1_blocks.get(1) {
                None => return Validity::Undecided,
                Some(next) if batch.timestamp >= next.timestamp => {
                    return Validity::Drop(InvalidBatch::DriftCouldAdoptNextOrigin);
                }
                Some(_) => {}
            }
        }
    }
    if let Err(why) = block_transactions_valid(cfg, batch.timestamp, &batch.transactions) {
        return Validity::Drop(why);
    }
    Validity::Accept
}

/// The checks of a span batch that need no block of it: origin, timestamps, parent, sequencing
/// window, L1 origin check. Returns the parent of the span's first block when accepted.
pub fn check_span_prefix(
    cfg: &RollupConfig,
    l1_blocks: &[L1BlockRef],
    safe_head: &L2BlockRef,
    batch: &SpanBatch,
    inclusion: &L1BlockRef,
    l2: &mut dyn L2Provider,
) -> Result<(Validity, Option<L2BlockRef>), DeriveError> {
    let Some(epoch) = l1_blocks.first() else {
        return Ok((Validity::Undecided, None));
    };
    let holocene = cfg.is_active(Fork::Holocene, inclusion.timestamp);
    let next_timestamp = safe_head.timestamp + cfg.block_time;
    let start_epoch = batch.start_epoch();
    let mut batch_origin = *epoch;
    if start_epoch == epoch.number + 1 {
        match l1_blocks.get(1) {
            Some(next) => batch_origin = *next,
            None => return Ok((Validity::Undecided, None)),
        }
    }
    if !cfg.is_active(Fork::Delta, batch_origin.timestamp) {
        return Ok((Validity::Drop(InvalidBatch::SpanOriginBeforeDelta), None));
    }
    if batch.start_timestamp() > next_timestamp {
        return Ok((
            if holocene {
                Validity::Drop(InvalidBatch::FutureTimestamp)
            } else {
                Validity::Future
            },
            None,
        ));
    }
    if batch.end_timestamp() < next_timestamp {
        return Ok((
            if holocene {
                Validity::Past
            } else {
                Validity::Drop(InvalidBatch::PastTimestamp)
            },
            None,
        ));
    }
    let mut parent = *safe_head;
    if batch.start_timestamp() < next_timestamp {
        if batch.start_timestamp() > safe_head.timestamp {
            return Ok((Validity::Drop(InvalidBatch::SpanMisaligned), None));
        }
        let behind = safe_head.timestamp - batch.start_timestamp();
        if behind.checked_rem(cfg.block_time) != Some(0) {
            return Ok((Validity::Drop(InvalidBatch::SpanMisaligned), None));
        }
        let Some(number) = safe_head
            .number
            .checked_sub(behind / cfg.block_time.max(1) + 1)
        else {
            return Ok((Validity::Drop(InvalidBatch::SpanMisaligned), None));
        };
        parent = l2.block_ref(number)?;
    }
    if !batch.parent_matches(&parent.hash) {
        return Ok((Validity::Drop(InvalidBatch::SpanParentCheck), None));
    }
    if start_epoch.saturating_add(cfg.seq_window_size) < inclusion.number {
        return Ok((Validity::Drop(InvalidBatch::OutsideSequenceWindow), None));
    }
    if start_epoch > parent.l1_origin.number + 1 {
        return Ok((Validity::Drop(InvalidBatch::EpochTooNew), None));
    }
    let end_epoch = batch.end_epoch();
    if end_epoch < epoch.number {
        // Its blocks after the safe head have L1 origins older than the safe head's (or, where
        // empty batches moved the epoch past it, the batch is outside its window): invalid
        // whether or not `l1_origin_check` matches the canonical block, which is older than
        // the L1 blocks kept here (span-batches.md, "Batch Queue": "block_input.l1_origin.number
        // < safe_head.l1_origin.number -> drop"; holocene/derivation.md, "Span Batches").
        return Ok((Validity::Drop(InvalidBatch::EpochTooOld), None));
    }
    match l1_blocks.iter().find(|b| b.number == end_epoch) {
        // An L1 origin after the L1 block being read: more L1 data is needed.
        None => return Ok((Validity::Undecided, None)),
        Some(b) if !batch.origin_matches(&b.hash) => {
            return Ok((Validity::Drop(InvalidBatch::SpanOriginCheck), None));
        }
        Some(_) => {}
    }
    if start_epoch < parent.l1_origin.number {
        return Ok((Validity::Drop(InvalidBatch::EpochTooOld), None));
    }
    Ok((Validity::Accept, Some(parent)))
}

/// The full validity of a span batch before Holocene: its prefix, then every block after the
/// safe head, then the blocks that overlap the safe chain.
pub fn check_span(
    cfg: &RollupConfig,
    l1_blocks: &[L1BlockRef],
    safe_head: &L2BlockRef,
    batch: &SpanBatch,
    inclusion: &L1BlockRef,
    l2: &mut dyn L2Provider,
) -> Result<Validity, DeriveError> {
    let (validity, parent) = check_span_prefix(cfg, l1_blocks, safe_head, batch, inclusion, l2)?;
    let (Validity::Accept, Some(parent)) = (validity, parent) else {
        return Ok(validity);
    };
    let mut origin_index = 0usize;
    for (i, block) in batch.blocks.iter().enumerate() {
        if block.timestamp <= safe_head.timestamp {
            continue;
        }
        if block.epoch_num < safe_head.l1_origin.number {
            return Ok(Validity::Drop(InvalidBatch::EpochTooOld));
        }
        if let Some(j) = l1_blocks
            .iter()
            .skip(origin_index)
            .position(|b| b.number == block.epoch_num)
        {
            origin_index += j;
        }
        let origin = l1_blocks[origin_index];
        let origin_advanced = if i == 0 {
            block.epoch_num == parent.l1_origin.number + 1
        } else {
            block.epoch_num > batch.blocks[i - 1].epoch_num
        };
        if block.timestamp < origin.timestamp {
            return Ok(Validity::Drop(InvalidBatch::BeforeL1Origin));
        }
        let max = origin
            .timestamp
            .saturating_add(cfg.max_sequencer_drift(origin.timestamp));
        if block.timestamp > max {
            if !block.transactions.is_empty() {
                return Ok(Validity::Drop(InvalidBatch::DriftWithTransactions));
            }
            if !origin_advanced {
                match l1_blocks.get(origin_index + 1) {
                    None => return Ok(Validity::Undecided),
                    Some(next) if block.timestamp >= next.timestamp => {
                        return Ok(Validity::Drop(InvalidBatch::DriftCouldAdoptNextOrigin));
                    }
                    Some(_) => {}
                }
            }
        }
        if let Err(why) = block_transactions_valid(cfg, block.timestamp, &block.transactions) {
            return Ok(Validity::Drop(why));
        }
    }
    let next_timestamp = safe_head.timestamp + cfg.block_time;
    if batch.start_timestamp() < next_timestamp {
        for i in 0..safe_head.number - parent.number {
            let number = parent.number + 1 + i;
            let Some(block) = batch.blocks.get(i as usize) else {
                return Ok(Validity::Drop(InvalidBatch::SpanOverlapTransactions));
            };
            if l2.sequenced_transactions(number)? != block.transactions {
                return Ok(Validity::Drop(InvalidBatch::SpanOverlapTransactions));
            }
            if l2.block_ref(number)?.l1_origin.number != block.epoch_num {
                return Ok(Validity::Drop(InvalidBatch::SpanOverlapOrigin));
            }
        }
    }
    Ok(Validity::Accept)
}

/// The singular batches of a span batch after the safe head, their epoch hashes from
/// `l1_blocks`; `None` if an L1 origin is not among them.
pub fn singular_batches(
    batch: &SpanBatch,
    l1_blocks: &[L1BlockRef],
    safe_head: &L2BlockRef,
) -> Option<Vec<SingleBatch>> {
    let mut out = Vec::new();
    for block in batch
        .blocks
        .iter()
        .filter(|b| b.timestamp > safe_head.timestamp)
    {
        let origin = l1_blocks.iter().find(|b| b.number == block.epoch_num)?;
        out.push(SingleBatch {
            parent_hash: Default::default(),
            epoch_num: block.epoch_num,
            epoch_hash: origin.hash,
            timestamp: block.timestamp,
            transactions: block.transactions.clone(),
        });
    }
    Some(out)
}
