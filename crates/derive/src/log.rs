//! Why the pipeline dropped something: every frame, channel, compressed stream, batch or blob
//! it discards, and every `ConfigUpdate` log it skips, is recorded in a [`DropLog`] as a
//! [`Dropped`] (the L1 block being read and a [`DropReason`]), which the caller reads with
//! `Pipeline::take_drops`. The log keeps at most
//! [`DropLog::CAPACITY`] entries between reads (and counts the rest), so garbage on L1 cannot
//! grow memory without bound.
//!
//! With `std`, every record (and other pipeline events) is also printed to stderr when
//! `VERDICT_DERIVE_LOG` is set; without it the messages go nowhere (the VM has no console).

use crate::batch::validity::InvalidBatch;
use crate::blob::BlobError;
use crate::channel::FrameRejection;
use crate::compression::CompressionError;
use crate::frame::FrameError;
use crate::system_config::UpdateError;
use core::cell::RefCell;
use core::fmt;

/// Logs a derivation event (a drop and its reason, a reset, a stage transition).
#[macro_export]
macro_rules! derive_log {
    ($($arg:tt)*) => {{
        #[cfg(feature = "std")]
        {
            if $crate::log::enabled() {
                std::eprintln!("[derive] {}", core::format_args!($($arg)*));
            }
        }
        #[cfg(not(feature = "std"))]
        {
            let _ = core::format_args!($($arg)*);
        }
    }};
}

/// Whether printing is on (`VERDICT_DERIVE_LOG` set).
#[cfg(feature = "std")]
pub fn enabled() -> bool {
    use std::sync::OnceLock;
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("VERDICT_DERIVE_LOG").is_some())
}

/// The pipeline stage that drops an item (derivation.md, "L2 Chain Derivation Pipeline").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    /// L1 traversal: the system config's `ConfigUpdate` logs.
    Traversal,
    /// L1 retrieval: batcher transactions and blobs.
    Retrieval,
    /// The frame queue: parsing frames, Holocene's frame ordering.
    FrameQueue,
    /// The channel bank (Holocene: the staging channel).
    ChannelBank,
    /// The channel reader: decompression and batch decoding.
    ChannelReader,
    /// The batch queue (Holocene: the batch stage).
    BatchQueue,
    /// Holocene's activation, which discards what earlier stages buffered.
    Activation,
}

/// Why a batch could not be decoded from a channel (the rest of the channel is dropped).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MalformedBatch {
    /// The batch is not an RLP string, or its RLP header is broken.
    Rlp,
    /// The RLP string runs past the end of the channel.
    CutShort,
    /// The string is empty (no batch type).
    Empty,
    /// An unknown batch type byte.
    UnknownType(u8),
    /// A span batch read from an L1 block before Delta.
    SpanBeforeDelta,
    /// A singular batch whose content does not decode.
    Singular,
    /// A span batch whose content does not decode or derive.
    Span,
}

/// Why something was dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DropReason {
    /// A `ConfigUpdate` log of the SystemConfig contract that cannot be parsed: skipped, the
    /// config unchanged (system-config.md, "System Config Updates").
    ConfigUpdate(UpdateError),
    /// A transaction to the batch inbox not signed by the batcher.
    WrongSender,
    /// A transaction to the batch inbox whose signature does not recover.
    BadSignature,
    /// A blob that is not validly encoded (ecotone/derivation.md, "Blob Encoding").
    BadBlob(BlobError),
    /// Batcher data that does not parse into frames: all of its frames are dropped.
    BadFrames(FrameError),
    /// Holocene: a frame that does not follow the previous frame of its channel.
    FrameOutOfOrder,
    /// Holocene: a non-first frame that starts no channel.
    FrameNotFirst,
    /// Holocene: frames of a channel left unclosed when a new one starts.
    UnclosedChannelFrames,
    /// A frame the channel does not take (duplicate, past the closing frame, second close).
    FrameRejected(FrameRejection),
    /// A frame of a channel that has timed out but is still in the bank (derivation.md,
    /// "Loading frames"). The pipeline never meets one: reading removes the timed-out channels
    /// at the front of the bank before a frame is loaded, and channels time out in the order
    /// they were opened. Kept as the spec's rule.
    FrameOfTimedOutChannel,
    /// Holocene: a frame with no staging channel to go into.
    NoStagingChannel,
    /// A channel whose timeout passed before it was complete.
    ChannelTimedOut,
    /// The oldest channel, pruned because the bank exceeded `MAX_CHANNEL_BANK_SIZE`.
    ChannelBankFull,
    /// Holocene: a staging channel larger than `MAX_RLP_BYTES_PER_CHANNEL`.
    ChannelTooLarge,
    /// Holocene: an unfinished staging channel replaced by a new first frame.
    StagingChannelReplaced,
    /// A channel whose compression is unknown or not allowed yet.
    Decompression(CompressionError),
    /// The rest of a compressed stream that breaks off (what decoded before is kept).
    CorruptStream,
    /// Decompressed data past `MAX_RLP_BYTES_PER_CHANNEL` (the channel reads as its prefix).
    StreamClipped,
    /// A batch that does not decode: it and the rest of its channel are dropped.
    MalformedBatch(MalformedBatch),
    /// A batch that breaks a validity rule.
    InvalidBatch(InvalidBatch),
    /// Holocene: the rest of a channel flushed after an invalid batch.
    ChannelFlushed,
    /// The remaining blocks of a span batch whose previous block was not used.
    SpanRemainder,
    /// Holocene's activation discarded buffered frames, channels and batches.
    HoloceneActivation,
}

impl DropReason {
    /// The stage that drops for this reason.
    pub fn stage(&self) -> Stage {
        use DropReason::*;
        match self {
            ConfigUpdate(_) => Stage::Traversal,
            WrongSender | BadSignature | BadBlob(_) => Stage::Retrieval,
            BadFrames(_) | FrameOutOfOrder | FrameNotFirst | UnclosedChannelFrames => {
                Stage::FrameQueue
            }
            FrameRejected(_)
            | FrameOfTimedOutChannel
            | NoStagingChannel
            | ChannelTimedOut
            | ChannelBankFull
            | ChannelTooLarge
            | StagingChannelReplaced => Stage::ChannelBank,
            Decompression(_) | CorruptStream | StreamClipped | MalformedBatch(_) => {
                Stage::ChannelReader
            }
            InvalidBatch(_) | ChannelFlushed | SpanRemainder => Stage::BatchQueue,
            HoloceneActivation => Stage::Activation,
        }
    }
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DropReason::ConfigUpdate(e) => write!(f, "config update skipped: {e}"),
            DropReason::BadBlob(e) => write!(f, "bad blob: {e}"),
            DropReason::BadFrames(e) => write!(f, "bad frames: {e}"),
            DropReason::FrameRejected(e) => write!(f, "frame rejected: {e}"),
            DropReason::Decompression(e) => write!(f, "channel not decompressed: {e}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// One drop: the L1 block being read and the reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dropped {
    /// The number of the L1 block the pipeline was reading.
    pub l1_block: u64,
    /// Why.
    pub reason: DropReason,
}

#[derive(Debug, Default)]
struct Entries {
    kept: alloc::vec::Vec<Dropped>,
    overflow: u64,
}

/// The drops recorded since the last read (shared by the stages through `&DropLog`).
#[derive(Debug, Default)]
pub struct DropLog(RefCell<Entries>);

impl DropLog {
    /// Entries kept between two reads; later ones are only counted.
    pub const CAPACITY: usize = 65_536;

    /// Records a drop while reading L1 block `l1_block`.
    pub fn record(&self, l1_block: u64, reason: DropReason) {
        derive_log!("L1 block {l1_block}: {:?} drops: {reason}", reason.stage());
        let mut e = self.0.borrow_mut();
        if e.kept.len() < Self::CAPACITY {
            e.kept.push(Dropped { l1_block, reason });
        } else {
            e.overflow += 1;
        }
    }

    /// The drops recorded so far and how many more were not kept; empties the log.
    pub fn take(&self) -> (alloc::vec::Vec<Dropped>, u64) {
        let mut e = self.0.borrow_mut();
        let overflow = core::mem::take(&mut e.overflow);
        (core::mem::take(&mut e.kept), overflow)
    }
}
