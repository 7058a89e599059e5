//! L1 retrieval and the frame queue: the batcher data of the current L1 block, parsed into
//! frames one transaction at a time; from Holocene on, out-of-order frames are dropped here.

use super::{StageResult, Step};
use crate::config::RollupConfig;
use crate::frame::{parse_frames, Frame};
use crate::log::{DropLog, DropReason};
use crate::provider::{BlobProvider, L1Provider};
use crate::source::{batcher_data, DataOrigin};
use crate::stages::traversal::Traversal;
use alloc::collections::VecDeque;
use alloc::vec::Vec;

/// Retrieval and frame queue state.
#[derive(Clone, Debug, Default)]
pub struct FrameQueue {
    data: Option<VecDeque<(DataOrigin, Vec<u8>)>>,
    queue: VecDeque<Frame>,
}

impl FrameQueue {
    /// Drops everything buffered.
    pub fn reset(&mut self) {
        self.queue.clear();
        self.data = None;
    }

    /// Forgets the queued frames (Holocene activation), keeping the block's data to come.
    pub fn clear_frames(&mut self) {
        self.queue.clear();
    }

    fn next_data(
        &mut self,
        cfg: &RollupConfig,
        traversal: &mut Traversal,
        l1: &mut dyn L1Provider,
        blobs: &mut dyn BlobProvider,
        log: &DropLog,
    ) -> StageResult<Vec<u8>> {
        if self.data.is_none() {
            let block = traversal.next_block()?;
            let batcher = traversal.system_config.batcher_address;
            self.data = Some(batcher_data(cfg, l1, blobs, &block, batcher, log)?);
        }
        match self.data.as_mut().and_then(|d| d.pop_front()) {
            Some((_, data)) => Ok(data),
            None => {
                self.data = None;
                Err(Step::Eof)
            }
        }
    }

    /// The next frame.
    pub fn next_frame(
        &mut self,
        cfg: &RollupConfig,
        traversal: &mut Traversal,
        l1: &mut dyn L1Provider,
        blobs: &mut dyn BlobProvider,
        log: &DropLog,
    ) -> StageResult<Frame> {
        if self.queue.is_empty() {
            let data = self.next_data(cfg, traversal, l1, blobs, log)?;
            match parse_frames(&data) {
                Ok(frames) => {
                    self.queue.extend(frames);
                    if cfg.is_active(crate::config::Fork::Holocene, traversal.block.timestamp) {
                        self.prune_holocene(traversal.block.number, log);
                    }
                }
                Err(e) => log.record(traversal.block.number, DropReason::BadFrames(e)),
            }
        }
        self.queue.pop_front().ok_or(Step::NotEnoughData)
    }

    /// Holocene's frame queue rules: a non-first frame must follow its channel's previous frame;
    /// a first frame after an unclosed channel drops that channel's queued frames.
    fn prune_holocene(&mut self, l1_block: u64, log: &DropLog) {
        let mut i = 0;
        while i + 1 < self.queue.len() {
            let (prev, next) = (&self.queue[i], &self.queue[i + 1]);
            let same = prev.id == next.id;
            if same && (prev.is_last || prev.number.checked_add(1) != Some(next.number)) {
                log.record(l1_block, DropReason::FrameOutOfOrder);
                self.queue.remove(i + 1);
            } else if !same && next.number != 0 {
                log.record(l1_block, DropReason::FrameNotFirst);
                self.queue.remove(i + 1);
            } else if !same && !prev.is_last {
                let id = prev.id;
                let first = self.queue.iter().position(|f| f.id == id).unwrap_or(i);
                for _ in first..=i {
                    log.record(l1_block, DropReason::UnclosedChannelFrames);
                }
                self.queue.drain(first..=i);
                i = first.saturating_sub(1);
                if first == 0 {
                    i = 0;
                }
            } else {
                i += 1;
            }
        }
    }
}
