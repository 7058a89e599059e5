//! The batch stage: before Holocene the batch queue (buffers batches in inclusion order, picks
//! the first valid one for the next block, derives empty batches when the sequencing window
//! ends); from Holocene on the strict batch stage (span batches streamed as singular batches,
//! each checked on its own, an invalid one flushing its channel).

use super::{StageResult, Step};
use crate::batch::validity::InvalidBatch;
use crate::batch::validity::{check_single, check_span, check_span_prefix, singular_batches};
use crate::batch::{Batch, SingleBatch, Validity};
use crate::config::{Fork, RollupConfig};
use crate::derive_log;
use crate::error::DeriveError;
use crate::log::{DropLog, DropReason};
use crate::provider::L2Provider;
use crate::types::{L1BlockRef, L2BlockRef};
use alloc::collections::VecDeque;
use alloc::format;
use alloc::vec::Vec;

/// Where the batch stage pulls batches from.
pub trait BatchSource {
    /// The next batch read from a channel.
    fn next_batch(&mut self) -> StageResult<Batch>;
    /// Drops the rest of the channel being read (Holocene's fast channel invalidation).
    fn flush_channel(&mut self);
    /// The L1 block the pipeline is reading.
    fn origin(&self) -> L1BlockRef;
    /// Where drops are recorded.
    fn log(&self) -> &DropLog;
}

/// Records the drop of a batch read before L1 traversal caught up with the safe head
/// ([`InvalidBatch::BehindSafeHead`], or [`InvalidBatch::PastTimestamp`] when it ends at or
/// before the safe head).
fn record_behind(up: &dyn BatchSource, last_timestamp: u64, parent: &L2BlockRef) {
    let why = if last_timestamp <= parent.timestamp {
        InvalidBatch::PastTimestamp
    } else {
        InvalidBatch::BehindSafeHead
    };
    up.log()
        .record(up.origin().number, DropReason::InvalidBatch(why));
}

/// The last L2 timestamp of a batch.
fn last_timestamp(batch: &Batch) -> u64 {
    match batch {
        Batch::Single(b) => b.timestamp,
        Batch::Span(b) => b.end_timestamp(),
    }
}

/// Records the drop of a batch for `validity` (nothing for a batch that is kept).
fn record_invalid(up: &dyn BatchSource, validity: Validity) {
    let reason = match validity {
        Validity::Drop(why) => why,
        Validity::Past => InvalidBatch::PastTimestamp,
        _ => return,
    };
    up.log()
        .record(up.origin().number, DropReason::InvalidBatch(reason));
}

/// The batch stage.
#[derive(Clone, Debug, Default)]
pub struct BatchStage {
    origin: Option<L1BlockRef>,
    /// The L1 blocks from the safe head's origin to the current one.
    l1_blocks: Vec<L1BlockRef>,
    /// Pre-Holocene: buffered batches and the L1 block each was read in.
    batches: Vec<(Batch, L1BlockRef)>,
    /// Singular batches of the span batch being applied.
    spans: VecDeque<SingleBatch>,
}

impl BatchStage {
    /// Starts at L1 block `origin`.
    pub fn new(origin: L1BlockRef) -> Self {
        Self {
            origin: Some(origin),
            l1_blocks: alloc::vec![origin],
            ..Default::default()
        }
    }

    /// Drops buffered batches (Holocene activation), keeping the L1 blocks.
    pub fn clear_batches(&mut self) {
        self.batches.clear();
        self.spans.clear();
    }

    /// Whether the last batch returned was the last of its span batch.
    pub fn is_last_in_span(&self) -> bool {
        self.spans.is_empty()
    }

    /// Forgets the rest of the current span batch (its block turned out invalid).
    pub fn flush_spans(&mut self) {
        self.spans.clear();
    }

    fn advance_epochs_to(&mut self, parent: &L2BlockRef) {
        if self
            .l1_blocks
            .first()
            .is_some_and(|b| parent.l1_origin.number > b.number)
        {
            if let Some(i) = self
                .l1_blocks
                .iter()
                .position(|b| b.number == parent.l1_origin.number)
            {
                self.l1_blocks.drain(..i);
            }
        }
    }

    fn track_origin(&mut self, origin: L1BlockRef, behind: bool) {
        if self.origin != Some(origin) {
            self.origin = Some(origin);
            if behind {
                self.l1_blocks.clear();
            } else {
                self.l1_blocks.push(origin);
            }
        }
    }

    /// The batch for the block after `parent`, and whether it ends its span batch.
    pub fn next_batch(
        &mut self,
        cfg: &RollupConfig,
        up: &mut dyn BatchSource,
        l2: &mut dyn L2Provider,
        parent: &L2BlockRef,
    ) -> StageResult<SingleBatch> {
        if cfg.is_active(Fork::Holocene, up.origin().timestamp) {
            self.next_holocene(cfg, up, l2, parent)
        } else {
            self.next_queued(cfg, up, l2, parent)
        }
    }

    fn check(
        &self,
        cfg: &RollupConfig,
        l2: &mut dyn L2Provider,
        parent: &L2BlockRef,
        batch: &Batch,
        inclusion: &L1BlockRef,
    ) -> Result<Validity, DeriveError> {
        match batch {
            Batch::Single(b) => Ok(check_single(cfg, &self.l1_blocks, parent, b, inclusion)),
            Batch::Span(b) => check_span(cfg, &self.l1_blocks, parent, b, inclusion, l2),
        }
    }

    fn next_queued(
        &mut self,
        cfg: &RollupConfig,
        up: &mut dyn BatchSource,
        l2: &mut dyn L2Provider,
        parent: &L2BlockRef,
    ) -> StageResult<SingleBatch> {
        let next_timestamp = parent.timestamp + cfg.block_time;
        if let Some(first) = self.spans.front() {
            if first.timestamp == next_timestamp {
                let mut b = self.spans.pop_front().ok_or(Step::NotEnoughData)?;
                b.parent_hash = parent.hash;
                return Ok(b);
            }
            for _ in 0..self.spans.len() {
                up.log()
                    .record(up.origin().number, DropReason::SpanRemainder);
            }
            self.spans.clear();
        }
        self.advance_epochs_to(parent);
        let origin = up.origin();
        let behind = origin.number < parent.l1_origin.number;
        self.track_origin(origin, behind);
        let mut out_of_data = false;
        match up.next_batch() {
            Ok(batch) if !behind => self.add_batch(cfg, up, l2, parent, batch, origin)?,
            Ok(batch) => record_behind(up, last_timestamp(&batch), parent),
            Err(Step::Eof) => out_of_data = true,
            Err(e) => return Err(e),
        }
        if behind {
            return Err(if out_of_data {
                Step::Eof
            } else {
                Step::NotEnoughData
            });
        }
        let batch = match self.derive_next(cfg, up, l2, parent, out_of_data) {
            Ok(b) => b,
            Err(Step::Eof) if !out_of_data => return Err(Step::NotEnoughData),
            Err(e) => return Err(e),
        };
        match batch {
            Batch::Single(b) => Ok(b),
            Batch::Span(span) => {
                // The full checks just passed on these L1 blocks and this parent, so every block
                // after the safe head has its L1 origin here; op-node's batch queue calls a
                // failure a critical error, and so do we.
                let singles = singular_batches(&span, &self.l1_blocks, parent).map_err(|why| {
                    Step::Fatal(DeriveError::BadL2(format!(
                        "span batch accepted for block {} has a block of no L1 origin ({why:?})",
                        parent.number + 1
                    )))
                })?;
                self.spans = singles.into();
                let mut b = self.spans.pop_front().ok_or(Step::NotEnoughData)?;
                b.parent_hash = parent.hash;
                Ok(b)
            }
        }
    }

    fn add_batch(
        &mut self,
        cfg: &RollupConfig,
        up: &dyn BatchSource,
        l2: &mut dyn L2Provider,
        parent: &L2BlockRef,
        batch: Batch,
        inclusion: L1BlockRef,
    ) -> StageResult<()> {
        match self.check(cfg, l2, parent, &batch, &inclusion)? {
            v @ (Validity::Drop(_) | Validity::Past) => record_invalid(up, v),
            _ => self.batches.push((batch, inclusion)),
        }
        Ok(())
    }

    fn derive_next(
        &mut self,
        cfg: &RollupConfig,
        up: &dyn BatchSource,
        l2: &mut dyn L2Provider,
        parent: &L2BlockRef,
        out_of_data: bool,
    ) -> StageResult<Batch> {
        let epoch = *self.l1_blocks.first().ok_or_else(|| {
            Step::Fatal(DeriveError::BadL2(format!(
                "no L1 origin for block {}",
                parent.number + 1
            )))
        })?;
        self.check_epoch(parent, &epoch)?;
        let mut remaining = Vec::with_capacity(self.batches.len());
        let mut chosen = None;
        let batches = core::mem::take(&mut self.batches);
        let mut iter = batches.into_iter();
        for (batch, inclusion) in iter.by_ref() {
            match self.check(cfg, l2, parent, &batch, &inclusion)? {
                Validity::Future => remaining.push((batch, inclusion)),
                v @ (Validity::Drop(_) | Validity::Past) => record_invalid(up, v),
                Validity::Accept => {
                    chosen = Some(batch);
                    break;
                }
                Validity::Undecided => {
                    remaining.push((batch, inclusion));
                    remaining.extend(iter);
                    self.batches = remaining;
                    return Err(Step::Eof);
                }
            }
        }
        remaining.extend(iter);
        self.batches = remaining;
        if let Some(batch) = chosen {
            return Ok(batch);
        }
        let origin = self.origin.unwrap_or(epoch);
        let expiry = epoch.number + cfg.seq_window_size;
        let force = (expiry == origin.number && out_of_data) || expiry < origin.number;
        self.empty_batch(cfg, parent, force).map(Batch::Single)
    }

    fn check_epoch(&self, parent: &L2BlockRef, epoch: &L1BlockRef) -> StageResult<()> {
        if parent.l1_origin != epoch.id() && parent.l1_origin.number + 1 != epoch.number {
            return Err(Step::Fatal(DeriveError::BadL2(format!(
                "safe head origin {} does not match the batch stage's epoch {}",
                parent.l1_origin.number, epoch.number
            ))));
        }
        Ok(())
    }

    /// The empty batch of an expired sequencing window, or moving to the next epoch.
    fn empty_batch(
        &mut self,
        cfg: &RollupConfig,
        parent: &L2BlockRef,
        force: bool,
    ) -> StageResult<SingleBatch> {
        if !force {
            return Err(Step::Eof);
        }
        let (Some(epoch), Some(next_epoch)) = (
            self.l1_blocks.first().copied(),
            self.l1_blocks.get(1).copied(),
        ) else {
            return Err(Step::Eof);
        };
        let next_timestamp = parent.timestamp + cfg.block_time;
        let first_of_epoch = epoch.number == parent.l1_origin.number + 1;
        if next_timestamp < next_epoch.timestamp || first_of_epoch {
            derive_log!(
                "sequencing window expired: empty batch at {next_timestamp} in epoch {}",
                epoch.number
            );
            return Ok(SingleBatch {
                parent_hash: parent.hash,
                epoch_num: epoch.number,
                epoch_hash: epoch.hash,
                timestamp: next_timestamp,
                transactions: Vec::new(),
            });
        }
        self.l1_blocks.remove(0);
        Err(Step::Eof)
    }

    fn next_holocene(
        &mut self,
        cfg: &RollupConfig,
        up: &mut dyn BatchSource,
        l2: &mut dyn L2Provider,
        parent: &L2BlockRef,
    ) -> StageResult<SingleBatch> {
        let origin = up.origin();
        let behind = origin.number < parent.l1_origin.number;
        self.track_origin(origin, behind);
        self.advance_epochs_to(parent);
        if behind || parent.l1_origin.number == origin.number {
            // Not caught up with the safe head yet: whatever is read here is dropped (see
            // `InvalidBatch::BehindSafeHead`), a span batch whole.
            let last = match self.spans.pop_front() {
                Some(b) => b.timestamp,
                None => last_timestamp(&up.next_batch()?),
            };
            record_behind(up, last, parent);
            return Err(Step::NotEnoughData);
        }
        let epoch = *self.l1_blocks.first().ok_or_else(|| {
            Step::Fatal(DeriveError::BadL2(format!(
                "no L1 origin for block {}",
                parent.number + 1
            )))
        })?;
        if self.l1_blocks.len() < 2 {
            return Err(Step::Fatal(DeriveError::BadL2(format!(
                "batch stage at L1 block {} lacks the next epoch",
                origin.number
            ))));
        }
        self.check_epoch(parent, &epoch)?;
        let batch = match self.stream_next(cfg, up, l2, parent) {
            Ok(b) => b,
            Err(Step::Eof) => {
                let force = epoch.number + cfg.seq_window_size <= origin.number;
                return self.empty_batch(cfg, parent, force);
            }
            Err(e) => return Err(e),
        };
        match check_single(cfg, &self.l1_blocks, parent, &batch, &origin) {
            Validity::Accept => Ok(batch),
            v @ Validity::Drop(_) => {
                record_invalid(up, v);
                self.flush(up);
                Err(Step::NotEnoughData)
            }
            // Dropped alone: the rest of the channel goes on. (`Future` and `Undecided` need
            // an L1 block the stage lacks; it holds the epoch and the next one, checked above,
            // and Holocene makes future batches `Drop`.)
            v => {
                record_invalid(up, v);
                Err(Step::NotEnoughData)
            }
        }
    }

    fn flush(&mut self, up: &mut dyn BatchSource) {
        up.log()
            .record(up.origin().number, DropReason::ChannelFlushed);
        up.flush_channel();
        self.spans.clear();
    }

    /// Holocene's span batch stage: singular batches pass; a span batch is checked by its prefix
    /// and then streamed block by block.
    fn stream_next(
        &mut self,
        cfg: &RollupConfig,
        up: &mut dyn BatchSource,
        l2: &mut dyn L2Provider,
        parent: &L2BlockRef,
    ) -> StageResult<SingleBatch> {
        if self.spans.is_empty() {
            let inclusion = up.origin();
            match up.next_batch()? {
                Batch::Single(b) => return Ok(b),
                Batch::Span(span) => {
                    let (validity, _) =
                        check_span_prefix(cfg, &self.l1_blocks, parent, &span, &inclusion, l2)?;
                    match validity {
                        Validity::Accept => {
                            match singular_batches(&span, &self.l1_blocks, parent) {
                                Ok(singles) => self.spans = singles.into(),
                                // A block after the safe head with an L1 origin older than the
                                // safe head's, or not held: the span batch is invalid, dropped
                                // with the rest of its channel (see `singular_batches`).
                                Err(why) => {
                                    record_invalid(up, Validity::Drop(why));
                                    self.flush(up);
                                    return Err(Step::NotEnoughData);
                                }
                            }
                        }
                        v @ Validity::Drop(_) => {
                            record_invalid(up, v);
                            self.flush(up);
                            return Err(Step::NotEnoughData);
                        }
                        // Dropped alone: the rest of the channel goes on.
                        Validity::Past => {
                            record_invalid(up, Validity::Past);
                            return Err(Step::NotEnoughData);
                        }
                        // Its last L1 origin is not held (after the block being read, or before
                        // the safe head's), or its parent is not there. Holocene buffers no
                        // batch to decide later, and holocene/derivation.md, "Span Batches",
                        // does not say what becomes of it; op-node's batch stage (read for
                        // facts) skips it alone and reads the rest of the channel on, without
                        // dropping the channel. We do the same.
                        Validity::Undecided => {
                            record_invalid(up, Validity::Drop(InvalidBatch::SpanUndecided));
                            return Err(Step::NotEnoughData);
                        }
                        // `check_span_prefix` drops future span batches from Holocene on, by
                        // the same L1 block as this stage; op-node calls this critical.
                        Validity::Future => {
                            return Err(Step::Fatal(DeriveError::BadL2(format!(
                                "future span batch for block {} under Holocene",
                                parent.number + 1
                            ))));
                        }
                    }
                }
            }
        }
        let mut b = self.spans.pop_front().ok_or(Step::NotEnoughData)?;
        b.parent_hash = parent.hash;
        Ok(b)
    }
}
