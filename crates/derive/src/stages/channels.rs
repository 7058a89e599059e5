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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::Stage;
    use alloc::vec;

    /// A frame of `len` zero bytes.
    fn frame(id: u8, number: u16, len: usize, is_last: bool) -> Frame {
        Frame {
            id: [id; 16],
            number,
            data: vec![0; len],
            is_last,
        }
    }

    /// Feeds one frame; the channel data if one is ready after it.
    fn feed(
        stage: &mut ChannelStage,
        cfg: &RollupConfig,
        log: &DropLog,
        f: Frame,
    ) -> Option<Vec<u8>> {
        let origin = L1BlockRef::default();
        let mut f = Some(f);
        loop {
            match stage.next_channel(cfg, &origin, log, || f.take().ok_or(Step::Eof)) {
                Ok(data) => return Some(data),
                Err(Step::NotEnoughData) => {}
                Err(_) => return None,
            }
        }
    }

    #[test]
    fn a_bank_past_its_size_drops_its_oldest_channel() {
        // Before Fjord `MAX_CHANNEL_BANK_SIZE` is 100,000,000 bytes, each frame counting its
        // data and 200 bytes (derivation.md, "Channel Bank", "Pruning").
        let cfg = RollupConfig::default();
        let log = DropLog::default();
        let mut stage = ChannelStage::default();
        for n in 0..60 {
            assert_eq!(
                feed(&mut stage, &cfg, &log, frame(1, n, 1_000_000, false)),
                None
            );
        }
        for n in 0..40 {
            assert_eq!(
                feed(&mut stage, &cfg, &log, frame(2, n, 1_000_000, false)),
                None
            );
        }
        let (drops, _) = log.take();
        let reasons: Vec<_> = drops.iter().map(|d| d.reason).collect();
        assert_eq!(reasons, [DropReason::ChannelBankFull]);
        assert_eq!(DropReason::ChannelBankFull.stage(), Stage::ChannelBank);
        // The younger channel stays and completes.
        let data = feed(&mut stage, &cfg, &log, frame(2, 40, 3, true));
        assert_eq!(data.map(|d| d.len()), Some(40_000_003));
        assert!(log.take().0.is_empty());
    }

    #[test]
    fn a_holocene_staging_channel_past_max_rlp_bytes_is_dropped() {
        // From Holocene on (so Fjord: 100,000,000 bytes) the staging channel is dropped once its
        // size passes `MAX_RLP_BYTES_PER_CHANNEL` (holocene/derivation.md, "Pruning").
        let cfg = RollupConfig {
            holocene_time: Some(0),
            ..Default::default()
        };
        let log = DropLog::default();
        let mut stage = ChannelStage::default();
        for n in 0..100 {
            assert_eq!(
                feed(&mut stage, &cfg, &log, frame(1, n, 1_000_000, false)),
                None
            );
        }
        let (drops, _) = log.take();
        let reasons: Vec<_> = drops.iter().map(|d| d.reason).collect();
        assert_eq!(reasons, [DropReason::ChannelTooLarge]);
        assert_eq!(DropReason::ChannelTooLarge.stage(), Stage::ChannelBank);
        // Its next frame finds no channel.
        assert_eq!(feed(&mut stage, &cfg, &log, frame(1, 100, 1, true)), None);
        let reasons: Vec<_> = log.take().0.iter().map(|d| d.reason).collect();
        assert_eq!(reasons, [DropReason::NoStagingChannel]);
    }
}
