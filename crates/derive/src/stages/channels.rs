//! Channels: before Holocene the channel bank (FIFO of channels, timeouts, size pruning,
//! Canyon's scan for the first ready channel); from Holocene on a single staging channel.

use super::{StageResult, Step};
use crate::channel::Channel;
use crate::config::{Fork, RollupConfig};
use crate::derive_log;
use crate::frame::{ChannelId, Frame};
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
            derive_log!("channel {} timed out", alloy_primitives::hex::encode(first));
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

    fn ingest_bank(&mut self, cfg: &RollupConfig, origin: &L1BlockRef, frame: Frame) {
        let id = frame.id;
        let channel = self.channels.entry(id).or_insert_with(|| {
            self.queue.push_back(id);
            Channel::new(id, *origin)
        });
        if channel.is_timed_out(origin, cfg.channel_timeout(origin.timestamp)) {
            derive_log!("dropping frame {} of timed-out channel", frame.number);
            return;
        }
        let number = frame.number;
        if let Err(why) = channel.add_frame(frame) {
            derive_log!("dropping frame {number}: {why}");
            return;
        }
        let max = cfg.max_channel_bank_size(origin.timestamp);
        let mut total: u64 = self.channels.values().map(|c| c.size() as u64).sum();
        while total > max {
            let Some(oldest) = self.queue.pop_front() else {
                break;
            };
            if let Some(c) = self.channels.remove(&oldest) {
                derive_log!("channel bank full: pruning the oldest channel");
                total -= c.size() as u64;
            }
        }
    }

    fn next_holocene(
        &mut self,
        cfg: &RollupConfig,
        origin: &L1BlockRef,
        frame: Frame,
    ) -> StageResult<Vec<u8>> {
        if frame.number == 0 {
            if self.staging.as_ref().is_some_and(|c| !c.is_ready()) {
                derive_log!("a new channel replaces the unfinished staging channel");
            }
            self.staging = Some(Channel::new(frame.id, *origin));
        }
        let Some(channel) = self.staging.as_mut() else {
            derive_log!("dropping frame {}: no staging channel", frame.number);
            return Err(Step::NotEnoughData);
        };
        let number = frame.number;
        if let Err(why) = channel.add_frame(frame) {
            derive_log!("dropping frame {number}: {why}");
            return Err(Step::NotEnoughData);
        }
        if channel.size() as u64 > cfg.max_rlp_bytes_per_channel(origin.timestamp) {
            derive_log!("staging channel exceeds MAX_RLP_BYTES_PER_CHANNEL: dropped");
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
        next_frame: impl FnOnce() -> StageResult<Frame>,
    ) -> StageResult<Vec<u8>> {
        if cfg.is_active(Fork::Holocene, origin.timestamp) {
            let timeout = cfg.channel_timeout(origin.timestamp);
            if self
                .staging
                .as_ref()
                .is_some_and(|c| c.is_timed_out(origin, timeout))
            {
                derive_log!("staging channel timed out");
                self.staging = None;
            }
            let frame = next_frame()?;
            return self.next_holocene(cfg, origin, frame);
        }
        match self.read_bank(cfg, origin) {
            Ok(Some(data)) => return Ok(data),
            Ok(None) => return Err(Step::NotEnoughData),
            Err(Step::Eof) => {}
            Err(e) => return Err(e),
        }
        let frame = next_frame()?;
        self.ingest_bank(cfg, origin, frame);
        Err(Step::NotEnoughData)
    }
}
