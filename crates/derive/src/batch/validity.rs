//! Batch validity (derivation.md, "Batch Queue"; delta/span-batches.md, "Batch Queue"; Holocene's
//! `past` validity and drop of future batches; Isthmus's SetCode activation; Jovian's empty
//! activation block).

use super::single::SingleBatch;
use super::span::SpanBatch;
use crate::config::{Fork, RollupConfig};
use crate::derive_log;
use crate::error::DeriveError;
use crate::provider::L2Provider;
use crate::types::{L1BlockRef, L2BlockRef};
use alloc::vec::Vec;
use alloy_primitives::Bytes;

/// What to do with a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Validity {
    /// Invalid: drop it.
    Drop,
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
fn transactions_valid(cfg: &RollupConfig, timestamp: u64, txs: &[Bytes]) -> bool {
    for (i, tx) in txs.iter().enumerate() {
        match tx.first() {
            None => {
                derive_log!("batch at {timestamp}: transaction {i} is empty");
                return false;
            }
            Some(0x7e) => {
                derive_log!("batch at {timestamp}: transaction {i} is a deposit");
                return false;
            }
            Some(4) if !cfg.is_active(Fork::Isthmus, timestamp) => {
                derive_log!("batch at {timestamp}: SetCode transaction {i} before Isthmus");
                return false;
            }
            _ => {}
        }
    }
    true
}

/// Jovian's activation block (and Interop's) must carry no sequenced transaction.
fn activation_block_valid(cfg: &RollupConfig, timestamp: u64, txs: &[Bytes]) -> bool {
    for fork in [Fork::Jovian, Fork::Interop] {
        if !txs.is_empty() && cfg.is_activation_block(fork, timestamp) {
            derive_log!("batch at {timestamp}: transactions in the {fork:?} activation block");
            return false;
        }
    }
    true
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
        derive_log!(
            "batch at {} is for the future (next {next_timestamp})",
            batch.timestamp
        );
        return if holocene {
            Validity::Drop
        } else {
            Validity::Future
        };
    }
    if batch.timestamp < next_timestamp {
        derive_log!(
            "batch at {} is older than the next block ({next_timestamp})",
            batch.timestamp
        );
        return if holocene {
            Validity::Past
        } else {
            Validity::Drop
        };
    }
    if batch.parent_hash != safe_head.hash {
        derive_log!(
            "batch at {}: parent hash is not the safe head's",
            batch.timestamp
        );
        return Validity::Drop;
    }
    if batch.epoch_num.saturating_add(cfg.seq_window_size) < inclusion.number {
        derive_log!(
            "batch at {}: included after its sequencing window",
            batch.timestamp
        );
        return Validity::Drop;
    }
    let batch_origin = if batch.epoch_num < epoch.number {
        derive_log!(
            "batch at {}: epoch older than the safe head's",
            batch.timestamp
        );
        return Validity::Drop;
    } else if batch.epoch_num == epoch.number {
        *epoch
    } else if batch.epoch_num == epoch.number + 1 {
        match l1_blocks.get(1) {
            Some(next) => *next,
            None => return Validity::Undecided,
        }
    } else {
        derive_log!(
            "batch at {}: epoch advances by more than one",
            batch.timestamp
        );
        return Validity::Drop;
    };
    if batch.epoch_hash != batch_origin.hash {
        derive_log!("batch at {}: epoch hash is not canonical", batch.timestamp);
        return Validity::Drop;
    }
    if batch.timestamp < batch_origin.timestamp {
        derive_log!("batch at {}: earlier than its L1 origin", batch.timestamp);
        return Validity::Drop;
    }
    let max = batch_origin
        .timestamp
        .saturating_add(cfg.max_sequencer_drift(batch_origin.timestamp));
    if batch.timestamp > max {
        if !batch.transactions.is_empty() {
            derive_log!(
                "batch at {}: exceeds the sequencer drift with transactions",
                batch.timestamp
            );
            return Validity::Drop;
        }
        if epoch.number == batch_origin.number {
            match l1_blocks.get(1) {
                None => return Validity::Undecided,
                Some(next) if batch.timestamp >= next.timestamp => {
                    derive_log!(
                        "batch at {}: exceeds the drift but could adopt the next origin",
                        batch.timestamp
                    );
                    return Validity::Drop;
                }
                Some(_) => {}
            }
        }
    }
    if !activation_block_valid(cfg, batch.timestamp, &batch.transactions)
        || !transactions_valid(cfg, batch.timestamp, &batch.transactions)
    {
        return Validity::Drop;
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
        derive_log!("span batch with an L1 origin before Delta");
        return Ok((Validity::Drop, None));
    }
    if batch.start_timestamp() > next_timestamp {
        derive_log!(
            "span batch starts in the future ({} > {next_timestamp})",
            batch.start_timestamp()
        );
        return Ok((
            if holocene {
                Validity::Drop
            } else {
                Validity::Future
            },
            None,
        ));
    }
    if batch.end_timestamp() < next_timestamp {
        derive_log!("span batch has no block after the safe head");
        return Ok((
            if holocene {
                Validity::Past
            } else {
                Validity::Drop
            },
            None,
        ));
    }
    let mut parent = *safe_head;
    if batch.start_timestamp() < next_timestamp {
        if batch.start_timestamp() > safe_head.timestamp {
            derive_log!("span batch start is misaligned with the block time");
            return Ok((Validity::Drop, None));
        }
        let behind = safe_head.timestamp - batch.start_timestamp();
        if behind.checked_rem(cfg.block_time) != Some(0) {
            derive_log!("span batch start is misaligned with the safe chain");
            return Ok((Validity::Drop, None));
        }
        let Some(number) = safe_head
            .number
            .checked_sub(behind / cfg.block_time.max(1) + 1)
        else {
            derive_log!("span batch starts before the L2 genesis");
            return Ok((Validity::Drop, None));
        };
        parent = l2.block_ref(number)?;
    }
    if !batch.parent_matches(&parent.hash) {
        derive_log!(
            "span batch parent check does not match block {}",
            parent.number
        );
        return Ok((Validity::Drop, None));
    }
    if start_epoch.saturating_add(cfg.seq_window_size) < inclusion.number {
        derive_log!("span batch included after its sequencing window");
        return Ok((Validity::Drop, None));
    }
    if start_epoch > parent.l1_origin.number + 1 {
        derive_log!("span batch starts more than one epoch after its parent's");
        return Ok((Validity::Drop, None));
    }
    let end_epoch = batch.end_epoch();
    match l1_blocks.iter().find(|b| b.number == end_epoch) {
        None => return Ok((Validity::Undecided, None)),
        Some(b) if !batch.origin_matches(&b.hash) => {
            derive_log!("span batch L1 origin check does not match block {end_epoch}");
            return Ok((Validity::Drop, None));
        }
        Some(_) => {}
    }
    if start_epoch < parent.l1_origin.number {
        derive_log!("span batch starts in an epoch older than its parent's");
        return Ok((Validity::Drop, None));
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
            derive_log!(
                "span batch block at {}: L1 origin older than the safe head's",
                block.timestamp
            );
            return Ok(Validity::Drop);
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
            derive_log!(
                "span batch block at {}: earlier than its L1 origin",
                block.timestamp
            );
            return Ok(Validity::Drop);
        }
        let max = origin
            .timestamp
            .saturating_add(cfg.max_sequencer_drift(origin.timestamp));
        if block.timestamp > max {
            if !block.transactions.is_empty() {
                derive_log!(
                    "span batch block at {}: exceeds the drift with transactions",
                    block.timestamp
                );
                return Ok(Validity::Drop);
            }
            if !origin_advanced {
                match l1_blocks.get(origin_index + 1) {
                    None => return Ok(Validity::Undecided),
                    Some(next) if block.timestamp >= next.timestamp => {
                        derive_log!(
                            "span batch block at {}: could have adopted the next origin",
                            block.timestamp
                        );
                        return Ok(Validity::Drop);
                    }
                    Some(_) => {}
                }
            }
        }
        if !activation_block_valid(cfg, block.timestamp, &block.transactions)
            || !transactions_valid(cfg, block.timestamp, &block.transactions)
        {
            return Ok(Validity::Drop);
        }
    }
    let next_timestamp = safe_head.timestamp + cfg.block_time;
    if batch.start_timestamp() < next_timestamp {
        for i in 0..safe_head.number - parent.number {
            let number = parent.number + 1 + i;
            let Some(block) = batch.blocks.get(i as usize) else {
                return Ok(Validity::Drop);
            };
            if l2.sequenced_transactions(number)? != block.transactions {
                derive_log!("span batch overlaps block {number} with other transactions");
                return Ok(Validity::Drop);
            }
            if l2.block_ref(number)?.l1_origin.number != block.epoch_num {
                derive_log!("span batch overlaps block {number} with another L1 origin");
                return Ok(Validity::Drop);
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
