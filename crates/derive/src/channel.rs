//! A channel being assembled from frames (derivation.md, "Channel Bank", "Loading frames").

use crate::frame::{ChannelId, Frame};
use crate::types::L1BlockRef;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::fmt;

/// Why a frame is not added to a channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FrameRejection {
    /// It belongs to another channel.
    OtherChannel,
    /// The channel already has its closing frame.
    DuplicateClose,
    /// A frame with this number is already there.
    Duplicate(u16),
    /// It lies past the closing frame.
    PastEnd(u16),
}

impl fmt::Display for FrameRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameRejection::OtherChannel => write!(f, "frame of another channel"),
            FrameRejection::DuplicateClose => write!(f, "duplicate closing frame"),
            FrameRejection::Duplicate(n) => write!(f, "duplicate frame {n}"),
            FrameRejection::PastEnd(n) => write!(f, "frame {n} past the closing frame"),
        }
    }
}

/// A channel: its frames so far and the L1 block it was opened in.
#[derive(Clone, Debug)]
pub struct Channel {
    /// The channel id.
    pub id: ChannelId,
    /// The L1 block its first-seen frame came from.
    pub open_block: L1BlockRef,
    frames: BTreeMap<u16, Frame>,
    last_frame: Option<u16>,
    size: usize,
}

impl Channel {
    /// A new, empty channel opened in `open_block`.
    pub fn new(id: ChannelId, open_block: L1BlockRef) -> Self {
        Self {
            id,
            open_block,
            frames: BTreeMap::new(),
            last_frame: None,
            size: 0,
        }
    }

    /// Adds a frame by the spec's insertion rules; a closing frame removes higher frames.
    pub fn add_frame(&mut self, frame: Frame) -> Result<(), FrameRejection> {
        if frame.id != self.id {
            return Err(FrameRejection::OtherChannel);
        }
        if frame.is_last && self.last_frame.is_some() {
            return Err(FrameRejection::DuplicateClose);
        }
        if self.frames.contains_key(&frame.number) {
            return Err(FrameRejection::Duplicate(frame.number));
        }
        if self.last_frame.is_some_and(|last| frame.number >= last) {
            return Err(FrameRejection::PastEnd(frame.number));
        }
        if frame.is_last {
            self.last_frame = Some(frame.number);
            let beyond: Vec<u16> = self.frames.range(frame.number..).map(|(n, _)| *n).collect();
            for n in beyond {
                if let Some(f) = self.frames.remove(&n) {
                    self.size -= f.bank_size();
                }
            }
        }
        self.size += frame.bank_size();
        self.frames.insert(frame.number, frame);
        Ok(())
    }

    /// Whether the channel is closed and has every frame up to the closing one.
    pub fn is_ready(&self) -> bool {
        self.last_frame
            .is_some_and(|last| self.frames.len() == last as usize + 1)
    }

    /// Whether the closing frame was seen.
    pub fn is_closed(&self) -> bool {
        self.last_frame.is_some()
    }

    /// The channel's size as the bank counts it.
    pub fn size(&self) -> usize {
        self.size
    }

    /// The number of the highest frame so far.
    pub fn highest_frame(&self) -> Option<u16> {
        self.frames.keys().next_back().copied()
    }

    /// Whether the channel has timed out when the pipeline reads `current` (`timeout` blocks).
    pub fn is_timed_out(&self, current: &L1BlockRef, timeout: u64) -> bool {
        self.open_block.number.saturating_add(timeout) < current.number
    }

    /// The concatenated frame data (meaningful once ready).
    pub fn data(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.size);
        for f in self.frames.values() {
            out.extend_from_slice(&f.data);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(n: u16, last: bool) -> Frame {
        Frame {
            id: [1; 16],
            number: n,
            data: alloc::vec![n as u8; 4],
            is_last: last,
        }
    }

    #[test]
    fn frames_assemble_in_any_order() {
        let mut c = Channel::new([1; 16], L1BlockRef::default());
        c.add_frame(f(2, true)).unwrap();
        c.add_frame(f(0, false)).unwrap();
        assert!(!c.is_ready());
        c.add_frame(f(1, false)).unwrap();
        assert!(c.is_ready());
        assert_eq!(c.data(), [[0u8; 4], [1; 4], [2; 4]].concat());
        assert_eq!(c.size(), 3 * 204);
    }

    #[test]
    fn insertion_rules() {
        let mut c = Channel::new([1; 16], L1BlockRef::default());
        c.add_frame(f(0, false)).unwrap();
        c.add_frame(f(3, false)).unwrap();
        assert_eq!(c.add_frame(f(0, false)), Err(FrameRejection::Duplicate(0)));
        c.add_frame(f(2, true)).unwrap();
        assert_eq!(c.highest_frame(), Some(2), "a close removes higher frames");
        assert_eq!(c.size(), 2 * 204);
        assert_eq!(c.add_frame(f(1, true)), Err(FrameRejection::DuplicateClose));
        assert_eq!(c.add_frame(f(5, false)), Err(FrameRejection::PastEnd(5)));
        let mut other = f(1, false);
        other.id = [2; 16];
        assert_eq!(c.add_frame(other), Err(FrameRejection::OtherChannel));
    }

    #[test]
    fn timeout_is_strictly_after_the_window() {
        let open = L1BlockRef {
            number: 10,
            ..Default::default()
        };
        let c = Channel::new([1; 16], open);
        let at = |n| L1BlockRef {
            number: n,
            ..Default::default()
        };
        assert!(!c.is_timed_out(&at(60), 50));
        assert!(c.is_timed_out(&at(61), 50));
    }
}
