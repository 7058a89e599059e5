//! The channel reader: decompresses a channel (bounded by `MAX_RLP_BYTES_PER_CHANNEL`) and reads
//! its batches; a batch that does not decode ends the channel.

use super::{StageResult, Step};
use crate::batch::{Batch, BatchReader};
use crate::compression::decompress;
use crate::config::{Fork, RollupConfig};
use crate::log::{DropLog, DropReason};
use crate::types::L1BlockRef;
use alloc::vec::Vec;

/// The channel reader stage.
#[derive(Clone, Debug, Default)]
pub struct ChannelReader {
    reader: Option<BatchReader>,
}

impl ChannelReader {
    /// Forgets the channel being read.
    pub fn reset(&mut self) {
        self.reader = None;
    }

    /// The next batch; a new channel comes from `next_channel`.
    pub fn next_batch(
        &mut self,
        cfg: &RollupConfig,
        origin: &L1BlockRef,
        log: &DropLog,
        next_channel: impl FnOnce() -> StageResult<Vec<u8>>,
    ) -> StageResult<Batch> {
        if self.reader.is_none() {
            let data = next_channel()?;
            let fjord = cfg.is_active(Fork::Fjord, origin.timestamp);
            let limit = cfg.max_rlp_bytes_per_channel(origin.timestamp) as usize;
            match decompress(&data, fjord, limit) {
                Ok(d) => {
                    if d.truncated {
                        log.record(origin.number, DropReason::StreamClipped);
                    }
                    if d.corrupt {
                        log.record(origin.number, DropReason::CorruptStream);
                    }
                    self.reader = Some(BatchReader::new(d.data));
                }
                Err(e) => {
                    log.record(origin.number, DropReason::Decompression(e));
                    return Err(Step::NotEnoughData);
                }
            }
        }
        let reader = self.reader.as_mut().ok_or(Step::NotEnoughData)?;
        match reader.next_batch(cfg, origin.timestamp) {
            Some(Ok(batch)) => Ok(batch),
            Some(Err(why)) => {
                log.record(origin.number, DropReason::MalformedBatch(why));
                self.reader = None;
                Err(Step::NotEnoughData)
            }
            None => {
                self.reader = None;
                Err(Step::NotEnoughData)
            }
        }
    }
}
