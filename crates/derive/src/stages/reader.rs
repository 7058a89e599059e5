//! The channel reader: decompresses a channel (bounded by `MAX_RLP_BYTES_PER_CHANNEL`) and reads
//! its batches; a batch that does not decode ends the channel.

use super::{StageResult, Step};
use crate::batch::{Batch, BatchReader};
use crate::compression::decompress;
use crate::config::{Fork, RollupConfig};
use crate::derive_log;
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
        next_channel: impl FnOnce() -> StageResult<Vec<u8>>,
    ) -> StageResult<Batch> {
        if self.reader.is_none() {
            let data = next_channel()?;
            let fjord = cfg.is_active(Fork::Fjord, origin.timestamp);
            let limit = cfg.max_rlp_bytes_per_channel(origin.timestamp) as usize;
            match decompress(&data, fjord, limit) {
                Ok(d) => {
                    if d.truncated {
                        derive_log!("channel clipped to {limit} decompressed bytes");
                    }
                    if d.corrupt {
                        derive_log!(
                            "channel's {:?} stream is corrupt after {} bytes",
                            d.compression,
                            d.data.len()
                        );
                    }
                    self.reader = Some(BatchReader::new(d.data));
                }
                Err(e) => {
                    derive_log!("dropping channel: {e}");
                    return Err(Step::NotEnoughData);
                }
            }
        }
        let reader = self.reader.as_mut().ok_or(Step::NotEnoughData)?;
        match reader.next_batch(cfg, origin.timestamp) {
            Some(Ok(batch)) => Ok(batch),
            Some(Err(why)) => {
                derive_log!("dropping the rest of the channel: {why}");
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
