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
    /// The L1 origin is older than the safe head's: a singular batch's; a span batch's first
    /// block's, older than its parent's; or that of a span batch's block after the safe head
    /// (delta/span-batches.md, "Batch Queue"; holocene/derivation.md, "Span Batches").
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
    /// A span batch whose last L1 origin is not among the L1 blocks the stage holds (from the
    /// safe head's L1 origin to the block being read): one after the block being read, or one
    /// before the safe head's. op-node leaves such a span batch undecided
    /// (`checkSpanBatchPrefix`): before Holocene it stays queued and holds up the batch queue
    /// until it is decided (which, for an origin before the safe head's, may be never); from
    /// Holocene on the batch stage skips it alone, reading the rest of its channel on. Recorded
    /// only from Holocene on, where it is skipped.
    SpanUndecided,
    /// A span batch block after the safe head whose L1 origin, not older than the safe head's,
    /// is not among the L1 blocks the stage holds (the stage moved to the next epoch with empty
    /// batches): dropped (op-node's `checkSpanBatch`; from Holocene on, with the rest of its
    /// channel, when the span batch is split into singular batches).
    SpanOriginNotFound,
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
///
/// In op-node's order and with op-node's outcomes (`checkSpanBatchPrefix` in
/// op-node/rollup/derive/batches.go, read for facts; delta/span-batches.md and
/// holocene/derivation.md, "Span Batches", give the rules but not every outcome): a span batch
/// whose last L1 origin is not among `l1_blocks` is [`Validity::Undecided`], whether that origin
/// is after the block being read or before the safe head's, and that comes before the check of
/// its first L1 origin against its parent's.
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
            // A span starting at the genesis block's time has no parent: op-node asks its
            // engine for the block before genesis (the number wraps), fails to get it and
            // leaves the batch undecided ("unable to validate the batch for now").
            return Ok((Validity::Undecided, None));
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
    match l1_blocks.iter().find(|b| b.number == end_epoch) {
        // Not among the L1 blocks held: after the block being read, or before the safe head's
        // L1 origin (a span batch ending there, whose blocks after the safe head are older than
        // the safe head's origin). span-batches.md, "Batch Queue", would drop the second kind
        // ("block_input.l1_origin.number < safe_head.l1_origin.number -> drop"), but that rule
        // is checked per block, after this one: op-node (read for facts) finds the last origin
        // missing first and answers undecided for both, which before Holocene holds the batch
        // queue up and from Holocene on skips the span batch alone. We do the same.
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
        // delta/span-batches.md, "Batch Queue": "block_input.l1_origin.number <
        // safe_head.l1_origin.number -> drop". Then a block whose L1 origin is not among the L1
        // blocks held is dropped too, as op-node's `checkSpanBatch` does (read for facts): the
        // spec has no rule for it, and taking another block's time instead would decide the
        // time rules below on the wrong block.
        if block.epoch_num < safe_head.l1_origin.number {
            return Ok(Validity::Drop(InvalidBatch::EpochTooOld));
        }
        match l1_blocks
            .iter()
            .skip(origin_index)
            .position(|b| b.number == block.epoch_num)
        {
            Some(j) => origin_index += j,
            None => return Ok(Validity::Drop(InvalidBatch::SpanOriginNotFound)),
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
/// `l1_blocks`; the rule a block breaks if one has an L1 origin older than the safe head's
/// ([`InvalidBatch::EpochTooOld`]) or one not among `l1_blocks`
/// ([`InvalidBatch::SpanOriginNotFound`]).
///
/// From Holocene on only the prefix of a span batch is checked before this, so an overlapping
/// span batch can get here with such a block: holocene/derivation.md, "Span Batches", has the
/// singular batches checked by the batch queue rules, which drop a batch whose L1 origin is
/// older than the safe head's, and says finding it here must invalidate the span batch rather
/// than stop derivation. op-node (read for facts: `SpanBatch.GetSingularBatches` and its caller
/// in the Holocene `BatchStage`) drops the span batch and the rest of its channel for either
/// block.
pub fn singular_batches(
    batch: &SpanBatch,
    l1_blocks: &[L1BlockRef],
    safe_head: &L2BlockRef,
) -> Result<Vec<SingleBatch>, InvalidBatch> {
    let mut out = Vec::new();
    let mut origin_index = 0usize;
    for block in batch
        .blocks
        .iter()
        .filter(|b| b.timestamp > safe_head.timestamp)
    {
        if block.epoch_num < safe_head.l1_origin.number {
            return Err(InvalidBatch::EpochTooOld);
        }
        let j = l1_blocks
            .iter()
            .skip(origin_index)
            .position(|b| b.number == block.epoch_num)
            .ok_or(InvalidBatch::SpanOriginNotFound)?;
        origin_index += j;
        out.push(SingleBatch {
            parent_hash: Default::default(),
            epoch_num: block.epoch_num,
            epoch_hash: l1_blocks[origin_index].hash,
            timestamp: block.timestamp,
            transactions: block.transactions.clone(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::span::SpanBatchElement;
    use crate::system_config::SystemConfig;
    use crate::types::BlockId;
    use alloy_primitives::B256;

    /// L2 blocks every 2 s from time 120, six to an L1 block (L1 block `n` at `12 n`, from 10).
    struct Chain(Vec<L2BlockRef>);

    impl L2Provider for Chain {
        fn block_ref(&mut self, number: u64) -> Result<L2BlockRef, DeriveError> {
            self.0
                .get(number as usize)
                .copied()
                .ok_or_else(|| DeriveError::Provider(alloc::format!("no block {number}")))
        }
        fn sequenced_transactions(&mut self, _: u64) -> Result<Vec<Bytes>, DeriveError> {
            Ok(Vec::new())
        }
        fn system_config(&mut self, _: u64) -> Result<SystemConfig, DeriveError> {
            Ok(SystemConfig::default())
        }
    }

    fn cfg() -> RollupConfig {
        RollupConfig {
            block_time: 2,
            max_sequencer_drift: 600,
            seq_window_size: 100,
            regolith_time: Some(0),
            canyon_time: Some(0),
            delta_time: Some(0),
            ..Default::default()
        }
    }

    fn l1(number: u64) -> L1BlockRef {
        L1BlockRef {
            hash: B256::repeat_byte(number as u8),
            number,
            parent_hash: B256::repeat_byte(number as u8 - 1),
            timestamp: 12 * number,
        }
    }

    fn chain() -> Chain {
        Chain(
            (0..12u64)
                .map(|i| {
                    let origin = 10 + i / 6;
                    L2BlockRef {
                        hash: B256::repeat_byte(0x80 + i as u8),
                        number: i,
                        parent_hash: B256::repeat_byte(0x7f + i as u8),
                        timestamp: 120 + 2 * i,
                        l1_origin: BlockId {
                            hash: l1(origin).hash,
                            number: origin,
                        },
                        sequence_number: i % 6,
                    }
                })
                .collect(),
        )
    }

    /// A span batch of the blocks at `times` with L1 origins `epochs`, after L2 block `parent`,
    /// its L1 origin check the hash of L1 block `check`.
    fn span(c: &Chain, parent: usize, times: &[u64], epochs: &[u64], check: u64) -> SpanBatch {
        let mut parent_check = [0u8; 20];
        parent_check.copy_from_slice(&c.0[parent].hash[..20]);
        let mut l1_origin_check = [0u8; 20];
        l1_origin_check.copy_from_slice(&l1(check).hash[..20]);
        SpanBatch {
            parent_check,
            l1_origin_check,
            blocks: times
                .iter()
                .zip(epochs)
                .map(|(t, e)| SpanBatchElement {
                    timestamp: *t,
                    epoch_num: *e,
                    transactions: Vec::new(),
                })
                .collect(),
        }
    }

    #[test]
    fn a_span_batch_ending_before_the_safe_heads_l1_origin_is_undecided() {
        // Safe head 6, the first block of L1 origin 11; the span overlaps it and says both
        // blocks are of origin 10.
        let mut c = chain();
        let safe = c.0[6];
        let b = span(&c, 5, &[132, 134], &[10, 10], 10);
        let held = [l1(11), l1(12)];
        let (v, _) = check_span_prefix(&cfg(), &held, &safe, &b, &l1(13), &mut c).unwrap();
        assert_eq!(v, Validity::Undecided);
        let v = check_span(&cfg(), &held, &safe, &b, &l1(13), &mut c).unwrap();
        assert_eq!(v, Validity::Undecided);
    }

    #[test]
    fn a_span_batch_ending_after_the_l1_block_read_is_undecided() {
        let mut c = chain();
        let safe = c.0[7];
        let b = span(&c, 7, &[136, 138, 140], &[11, 12, 13], 13);
        let held = [l1(11), l1(12)];
        let (v, _) = check_span_prefix(&cfg(), &held, &safe, &b, &l1(12), &mut c).unwrap();
        assert_eq!(v, Validity::Undecided);
    }

    #[test]
    fn a_span_batch_starting_at_genesis_is_undecided() {
        // Its first block's parent would be the block before genesis, which no engine has.
        let mut c = chain();
        let safe = c.0[3];
        let b = span(&c, 0, &[120, 122, 124, 126, 128], &[10; 5], 10);
        let (v, _) = check_span_prefix(&cfg(), &[l1(10)], &safe, &b, &l1(12), &mut c).unwrap();
        assert_eq!(v, Validity::Undecided);
    }

    #[test]
    fn a_span_batch_block_after_the_safe_head_older_than_its_l1_origin_is_dropped() {
        // Safe head 6 (L1 origin 11); the span, after block 5 (origin 10), says blocks 6 and 7
        // are of origin 10 and block 8 of 11: its prefix passes, block 7 does not.
        let mut c = chain();
        let safe = c.0[6];
        let b = span(&c, 5, &[132, 134, 136], &[10, 10, 11], 11);
        let held = [l1(11), l1(12)];
        let (v, _) = check_span_prefix(&cfg(), &held, &safe, &b, &l1(12), &mut c).unwrap();
        assert_eq!(v, Validity::Accept);
        let v = check_span(&cfg(), &held, &safe, &b, &l1(12), &mut c).unwrap();
        assert_eq!(v, Validity::Drop(InvalidBatch::EpochTooOld));
        assert_eq!(
            singular_batches(&b, &held, &safe),
            Err(InvalidBatch::EpochTooOld)
        );
    }

    #[test]
    fn a_span_batch_block_whose_l1_origin_is_not_held_is_dropped() {
        // Safe head 7 (L1 origin 11), but the stage moved on to epoch 12 with empty batches: a
        // span whose next block keeps origin 11 passes its prefix and fails that block.
        let mut c = chain();
        let safe = c.0[7];
        let b = span(&c, 7, &[136, 138], &[11, 12], 12);
        let held = [l1(12), l1(13)];
        let (v, _) = check_span_prefix(&cfg(), &held, &safe, &b, &l1(13), &mut c).unwrap();
        assert_eq!(v, Validity::Accept);
        let v = check_span(&cfg(), &held, &safe, &b, &l1(13), &mut c).unwrap();
        assert_eq!(v, Validity::Drop(InvalidBatch::SpanOriginNotFound));
        assert_eq!(
            singular_batches(&b, &held, &safe),
            Err(InvalidBatch::SpanOriginNotFound)
        );
        // Its singular batches where the origins are held.
        let held = [l1(11), l1(12), l1(13)];
        let singles = singular_batches(&b, &held, &safe).unwrap();
        assert_eq!(singles.len(), 2);
        assert_eq!(singles[1].epoch_hash, l1(12).hash);
    }
}
