//! Batches: the singular and span batch formats, reading them from a decompressed channel, and
//! their validity rules.

pub mod single;
pub mod span;
pub mod validity;

pub use single::SingleBatch;
pub use span::{RawSpanBatch, SpanBatch, SpanBatchElement};
pub use validity::Validity;

use crate::config::{Fork, RollupConfig};
use crate::derive_log;
use crate::log::MalformedBatch;
use alloc::vec::Vec;
use alloy_rlp::Header;

/// The batch type byte of singular batches.
pub const SINGLE_BATCH_TYPE: u8 = 0;
/// The batch type byte of span batches.
pub const SPAN_BATCH_TYPE: u8 = 1;

/// A batch as read from a channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Batch {
    /// One L2 block.
    Single(SingleBatch),
    /// A run of L2 blocks.
    Span(SpanBatch),
}

impl Batch {
    /// The (first) L2 timestamp of the batch.
    pub fn timestamp(&self) -> u64 {
        match self {
            Batch::Single(b) => b.timestamp,
            Batch::Span(b) => b.start_timestamp(),
        }
    }

    /// Encodes the batch as a channel holds it: an RLP string of `type ++ content`.
    pub fn encode_for_channel(raw_type: u8, content: &[u8], out: &mut Vec<u8>) {
        let mut inner = Vec::with_capacity(content.len() + 1);
        inner.push(raw_type);
        inner.extend_from_slice(content);
        alloy_rlp::Encodable::encode(&inner.as_slice(), out);
    }
}

/// Reads batches one by one from a decompressed channel.
#[derive(Clone, Debug, Default)]
pub struct BatchReader {
    data: Vec<u8>,
    pos: usize,
}

impl BatchReader {
    /// A reader over decompressed channel data.
    pub fn new(data: Vec<u8>) -> Self {
        Self { data, pos: 0 }
    }

    /// The next batch; `None` at the end of the data, an error (ending the channel) for data
    /// that is not a batch. `l1_time` is the time of the L1 block being read (span batches need
    /// Delta there).
    pub fn next_batch(
        &mut self,
        cfg: &RollupConfig,
        l1_time: u64,
    ) -> Option<Result<Batch, MalformedBatch>> {
        let rest = self.data.get(self.pos..).filter(|r| !r.is_empty())?;
        let mut buf = rest;
        let header = match Header::decode(&mut buf) {
            Ok(h) if !h.list => h,
            // The header, or the string it announces, runs past the end of the channel.
            Err(alloy_rlp::Error::InputTooShort) => return Some(Err(MalformedBatch::CutShort)),
            _ => return Some(Err(MalformedBatch::Rlp)),
        };
        let Some(content) = buf.get(..header.payload_length) else {
            return Some(Err(MalformedBatch::CutShort));
        };
        self.pos += (rest.len() - buf.len()) + header.payload_length;
        Some(decode_batch(cfg, content, l1_time))
    }
}

/// Decodes `type ++ content`.
pub fn decode_batch(
    cfg: &RollupConfig,
    data: &[u8],
    l1_time: u64,
) -> Result<Batch, MalformedBatch> {
    let (&kind, content) = data.split_first().ok_or(MalformedBatch::Empty)?;
    match kind {
        SINGLE_BATCH_TYPE => SingleBatch::decode(&mut &content[..])
            .map(Batch::Single)
            .map_err(|e| {
                derive_log!("singular batch: {e}");
                MalformedBatch::Singular
            }),
        SPAN_BATCH_TYPE => {
            if !cfg.is_active(Fork::Delta, l1_time) {
                return Err(MalformedBatch::SpanBeforeDelta);
            }
            let raw = RawSpanBatch::decode(content).map_err(|e| {
                derive_log!("span batch: {e}");
                MalformedBatch::Span
            })?;
            raw.derive(cfg.genesis.l2_time, cfg.block_time, cfg.l2_chain_id)
                .map(Batch::Span)
                .map_err(|e| {
                    derive_log!("span batch: {e}");
                    MalformedBatch::Span
                })
        }
        t => Err(MalformedBatch::UnknownType(t)),
    }
}
