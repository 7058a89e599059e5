//! The derivation pipeline: from the L2 safe head and the L1 chain, the payload attributes of each
//! next L2 block. The caller executes them and hands back the new block
//! ([`Pipeline::advance`]); with Holocene an invalid payload is replaced by its deposits
//! ([`Pipeline::payload_invalid`]).

use crate::attributes::{build_attributes, PayloadAttributes};
use crate::batch::{Batch, SingleBatch};
use crate::config::{Fork, RollupConfig};
use crate::error::DeriveError;
use crate::log::{DropLog, DropReason, Dropped};
use crate::provider::{BlobProvider, BytecodeSource, L1Provider, L2Provider};
use crate::stages::batches::{BatchSource, BatchStage};
use crate::stages::channels::ChannelStage;
use crate::stages::frames::FrameQueue;
use crate::stages::reader::ChannelReader;
use crate::stages::traversal::Traversal;
use crate::stages::{StageResult, Step};
use crate::types::{L1BlockRef, L2BlockRef};

/// The attributes of one derived block and what they were derived on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Derived {
    /// The payload attributes.
    pub attributes: PayloadAttributes,
    /// The safe head they build on.
    pub parent: L2BlockRef,
    /// The L1 block the pipeline was reading when they were derived.
    pub derived_from: L1BlockRef,
    /// Whether this was the last block of its span batch (or a singular batch).
    pub last_in_span: bool,
}

/// The stages above the batch stage, seen as a source of batches.
struct Upstream<'a> {
    cfg: &'a RollupConfig,
    traversal: &'a mut Traversal,
    frames: &'a mut FrameQueue,
    channels: &'a mut ChannelStage,
    reader: &'a mut ChannelReader,
    l1: &'a mut dyn L1Provider,
    blobs: &'a mut dyn BlobProvider,
    log: &'a DropLog,
}

impl BatchSource for Upstream<'_> {
    fn next_batch(&mut self) -> StageResult<Batch> {
        let origin = self.traversal.block;
        let (cfg, traversal, frames, channels) = (
            self.cfg,
            &mut *self.traversal,
            &mut *self.frames,
            &mut *self.channels,
        );
        let (l1, blobs, log) = (&mut *self.l1, &mut *self.blobs, self.log);
        self.reader.next_batch(cfg, &origin, log, || {
            channels.next_channel(cfg, &origin, log, || {
                frames.next_frame(cfg, traversal, l1, blobs, log)
            })
        })
    }

    fn flush_channel(&mut self) {
        self.reader.reset();
    }

    fn origin(&self) -> L1BlockRef {
        self.traversal.block
    }

    fn log(&self) -> &DropLog {
        self.log
    }
}

/// The derivation pipeline over an L1 provider, a blob provider, the L2 chain and a bytecode
/// source.
pub struct Pipeline<L1, B, L2, C> {
    cfg: RollupConfig,
    l1: L1,
    blobs: B,
    l2: L2,
    code: C,
    safe_head: L2BlockRef,
    traversal: Traversal,
    frames: FrameQueue,
    channels: ChannelStage,
    reader: ChannelReader,
    batches: BatchStage,
    drops: DropLog,
    /// Steps taken (stage calls), for diagnostics and benchmarks.
    pub steps: u64,
}

/// The L1 block to start reading at for a safe head: a channel timeout before its L1 origin (so
/// channels that were open then are seen whole), not before the rollup's genesis.
pub fn start_block_number(cfg: &RollupConfig, safe_head: &L2BlockRef) -> u64 {
    safe_head
        .l1_origin
        .number
        .saturating_sub(cfg.channel_timeout)
        .max(cfg.genesis.l1.number)
}

impl<L1: L1Provider, B: BlobProvider, L2: L2Provider, C: BytecodeSource> Pipeline<L1, B, L2, C> {
    /// A pipeline deriving the blocks after `safe_head`, reading L1 from block `start` on.
    pub fn new(
        cfg: RollupConfig,
        mut l1: L1,
        blobs: B,
        mut l2: L2,
        code: C,
        safe_head: L2BlockRef,
        start: u64,
    ) -> Result<Self, DeriveError> {
        let header = l1
            .header_by_number(start)?
            .ok_or_else(|| DeriveError::Provider(alloc::format!("no L1 block {start}")))?;
        let origin = L1BlockRef::from_header(&header);
        let system_config = l2.system_config(safe_head.number)?;
        Ok(Self {
            cfg,
            l1,
            blobs,
            l2,
            code,
            safe_head,
            traversal: Traversal::new(origin, system_config),
            frames: FrameQueue::default(),
            channels: ChannelStage::default(),
            reader: ChannelReader::default(),
            batches: BatchStage::new(origin),
            drops: DropLog::default(),
            steps: 0,
        })
    }

    /// The rollup config.
    pub fn config(&self) -> &RollupConfig {
        &self.cfg
    }

    /// The current safe head.
    pub fn safe_head(&self) -> &L2BlockRef {
        &self.safe_head
    }

    /// The L1 block being read.
    pub fn origin(&self) -> L1BlockRef {
        self.traversal.block
    }

    /// Everything dropped since the last call (frames, channels, compressed streams, batches,
    /// blobs), each with the L1 block being read and the reason, and how many drops past
    /// [`DropLog::CAPACITY`] were only counted.
    pub fn take_drops(&mut self) -> (alloc::vec::Vec<Dropped>, u64) {
        self.drops.take()
    }

    /// The L2 provider.
    pub fn l2_mut(&mut self) -> &mut L2 {
        &mut self.l2
    }

    fn next_batch(&mut self) -> StageResult<SingleBatch> {
        let mut up = Upstream {
            cfg: &self.cfg,
            traversal: &mut self.traversal,
            frames: &mut self.frames,
            channels: &mut self.channels,
            reader: &mut self.reader,
            l1: &mut self.l1,
            blobs: &mut self.blobs,
            log: &self.drops,
        };
        self.batches
            .next_batch(&self.cfg, &mut up, &mut self.l2, &self.safe_head)
    }

    fn advance_origin(&mut self) -> Result<(), DeriveError> {
        let was_holocene = self
            .cfg
            .is_active(Fork::Holocene, self.traversal.block.timestamp);
        self.traversal
            .advance(&self.cfg, &mut self.l1, &self.drops)?;
        if !was_holocene
            && self
                .cfg
                .is_active(Fork::Holocene, self.traversal.block.timestamp)
        {
            self.drops
                .record(self.traversal.block.number, DropReason::HoloceneActivation);
            self.frames.reset();
            self.channels.reset();
            self.reader.reset();
            self.batches.clear_batches();
        }
        Ok(())
    }

    /// The attributes of the block after the safe head; [`DeriveError::EndOfL1`] when the L1
    /// data up to the head does not determine it.
    pub fn next_attributes(&mut self) -> Result<Derived, DeriveError> {
        loop {
            self.steps += 1;
            match self.next_batch() {
                Ok(batch) => {
                    let attributes = build_attributes(
                        &self.cfg,
                        &mut self.l1,
                        &mut self.l2,
                        &mut self.code,
                        &self.safe_head,
                        &batch,
                    )?;
                    return Ok(Derived {
                        attributes,
                        parent: self.safe_head,
                        derived_from: self.traversal.block,
                        last_in_span: self.batches.is_last_in_span(),
                    });
                }
                Err(Step::Eof) => self.advance_origin()?,
                Err(Step::NotEnoughData) => {}
                Err(Step::Fatal(e)) => return Err(e),
            }
        }
    }

    /// Records the block built from the last attributes as the new safe head.
    pub fn advance(&mut self, new_safe_head: L2BlockRef) {
        self.safe_head = new_safe_head;
    }

    /// The engine rejected the payload of `derived`: from Holocene on, its deposits-only
    /// replacement (to execute instead), and the rest of its span batch and channel are dropped.
    /// Before Holocene `None`: the batch is simply not used and derivation goes on.
    pub fn payload_invalid(&mut self, derived: &Derived) -> Option<PayloadAttributes> {
        if !self
            .cfg
            .is_active(Fork::Holocene, derived.attributes.timestamp)
        {
            return None;
        }
        self.drops
            .record(self.traversal.block.number, DropReason::ChannelFlushed);
        self.batches.flush_spans();
        self.reader.reset();
        Some(derived.attributes.deposits_only())
    }
}
