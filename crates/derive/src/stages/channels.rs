//! Channels: before Holocene the channel bank (FIFO of channels, timeouts, size pruning,
//! Canyon's scan for the first ready channel); from Holocene on a single staging channel.

use super::{StageResult, Step};
use crate::channel::Channel;
use crate::config::{Fork, RollupConfig};
use crate::frame::{ChannelId, Frame};
use crate::log::{DropLog, DropReason};
use crate::types::L1BlockRef;
use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec::Vec;

/// The channel stage.
#[derive(Clone, Debug, Default)]
pub struct ChannelStage {
    queue: VecDeque<ChannelId>,
    channels: BTreeMap<ChannelId, Channel>,
    staging: Option<Channel>,
}

impl ChannelStage {
    /// Drops every channel.
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// A ready channel's data if there is one now (before Holocene); `Err(Eof)` when a frame
    /// must be read first.
    fn read_bank(
        &mut self,
        cfg: &RollupConfig,
        origin: &L1BlockRef,
        log: &DropLog,
    ) -> StageResult<Option<Vec<u8>>> {
        let timeout = cfg.channel_timeout(origin.timestamp);
        let Some(first) = self.queue.front().copied() else {
            return Err(Step::Eof);
        };
        if self
            .channels
            .get(&first)
            .is_none_or(|c| c.is_timed_out(origin, timeout))
        {
            log.record(origin.number, DropReason::ChannelTimedOut);
            self.channels.remove(&first);
            self.queue.pop_front();
            return Ok(None);
        }
        let candidates = if cfg.is_active(Fork::Canyon, origin.timestamp) {
            self.queue.len()
        } else {
            1
        };
        for i in 0..candidates {
            let id = self.queue[i];
            let ready = self
                .channels
                .get(&id)
                .is_some_and(|c| c.is_ready() && !c.is_timed_out(origin, timeout));
            if ready {
                self.queue.remove(i);
                let channel = self.channels.remove(&id);
                return Ok(channel.map(|c| c.data()));
            }
        }
        Err(Step::Eof)
    }

    fn ingest_bank(
        &mut self,
        cfg: &RollupConfig,
        origin: &L1BlockRef,
        frame: Frame,
        log: &DropLog,
    ) {
        let id = frame.id;
        let channel = self.channels.entry(id).or_insert_with(|| {
            self.queue.push_back(id);
            Channel::new(id, *origin)
        });
        if channel.is_timed_out(origin, cfg.channel_timeout(origin.timestamp)) {
            log.record(origin.number, DropReason::FrameOfTimedOutChannel);
            return;
        }
        if let Err(why) = channel.add_frame(frame) {
            log.record(origin.number, DropReason::FrameRejected(why));
            return;
        }
        let max = cfg.max_channel_bank_size(origin.timestamp);
        let mut total: u64 = self.channels.values().map(|c| c.size() as u64).sum();
        while total > max {
            let Some(oldest) = self.queue.pop_front() else {
                break;
            };
            if let Some(c) = self.channels.remove(&oldest) {
                log.record(origin.number, DropReason::ChannelBankFull);
                total -= c.size() as u64;
            }
        }
    }

    fn next_holocene(
        &mut self,
        cfg: &RollupConfig,
        origin: &L1BlockRef,
        frame: Frame,
        log: &DropLog,
    ) -> StageResult<Vec<u8>> {
        if frame.number == 0 {
            if self.staging.as_ref().is_some_and(|c| !c.is_ready()) {
                log.record(origin.number, DropReason::StagingChannelReplaced);
            }
            self.staging = Some(Channel::new(frame.id, *origin));
        }
        let Some(channel) = self.staging.as_mut() else {
            log.record(origin.number, DropReason::NoStagingChannel);
            return Err(Step::NotEnoughData);
        };
        if let Err(why) = channel.add_frame(frame) {
            log.record(origin.number, DropReason::FrameRejected(why));
            return Err(Step::NotEnoughData);
        }
        if channel.size() as u64 > cfg.max_rlp_bytes_per_channel(origin.timestamp) {
            log.record(origin.number, DropReason::ChannelTooLarge);
            self.staging = None;
            return Err(Step::NotEnoughData);
        }
        if channel.is_ready() {
            let data = channel.data();
            self.staging = None;
            return Ok(data);
        }
        Err(Step::NotEnoughData)
    }

    /// The next complete channel's data; frames come from `next_frame`.
    pub fn next_channel(
        &mut self,
        cfg: &RollupConfig,
        origin: &L1BlockRef,
        log: &DropLog,
        next_frame: impl FnOnce() -> StageResult<Frame>,
    ) -> StageResult<Vec<u8>> {
        if cfg.is_active(Fork::Holocene, origin.timestamp) {
            let timeout = cfg.channel_timeout(origin.timestamp);
            if self
                .staging
                .as_ref()
                .is_some_and(|c| c.is_timed_out(origin, timeout))
            {
                log.record(origin.number, DropReason::ChannelTimedOut);
                self.staging = None;
            }
            let frame = next_frame()?;
            return self.next_holocene(cfg, origin, frame, log);
        }
        match self.read_bank(cfg, origin, log) {
            Ok(Some(data)) => return Ok(data),
            Ok(None) => return Err(Step::NotEnoughData),
            Err(Step::Eof) => {}
            Err(e) => return Err(e),
        }
        let frame = next_frame()?;
        self.ingest_bank(cfg, origin, frame, log);
        Err(Step::NotEnoughData)
    }
}
