//! Frames (derivation.md, "Frame Format"): `channel_id (16) ++ frame_number (u16) ++
//! frame_data_length (u32) ++ frame_data ++ is_last (u8)`, behind a version byte 0 per batcher
//! transaction.

use alloc::vec::Vec;
use core::fmt;

/// A channel id.
pub type ChannelId = [u8; 16];
/// The version byte of batcher data carrying frames.
pub const DERIVATION_VERSION_0: u8 = 0;
/// The largest frame data allowed.
pub const MAX_FRAME_DATA: usize = 1_000_000;
/// The fixed size of a frame around its data.
pub const FRAME_OVERHEAD: usize = 16 + 2 + 4 + 1;

/// One frame of a channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// The channel it belongs to.
    pub id: ChannelId,
    /// Its index in the channel.
    pub number: u16,
    /// Its piece of the channel.
    pub data: Vec<u8>,
    /// Whether it is the channel's last frame.
    pub is_last: bool,
}

/// Why batcher data does not parse into frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FrameError {
    /// No data at all.
    Empty,
    /// The version byte is not 0.
    Version(u8),
    /// A frame is cut short.
    Truncated,
    /// A frame's data is longer than 1,000,000 bytes.
    TooLarge(usize),
    /// A frame's `is_last` byte is neither 0 nor 1.
    BadIsLast(u8),
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Empty => write!(f, "no data"),
            FrameError::Version(v) => write!(f, "unknown derivation version {v}"),
            FrameError::Truncated => write!(f, "frame cut short"),
            FrameError::TooLarge(n) => write!(f, "frame data of {n} bytes exceeds the cap"),
            FrameError::BadIsLast(b) => write!(f, "is_last byte {b}"),
        }
    }
}

impl Frame {
    /// Decodes one frame from the front of `data`; returns it and the bytes it took.
    pub fn decode(data: &[u8]) -> Result<(Frame, usize), FrameError> {
        if data.len() < FRAME_OVERHEAD {
            return Err(FrameError::Truncated);
        }
        let mut id = [0u8; 16];
        id.copy_from_slice(&data[..16]);
        let number = u16::from_be_bytes([data[16], data[17]]);
        let len = u32::from_be_bytes([data[18], data[19], data[20], data[21]]) as usize;
        if len > MAX_FRAME_DATA {
            return Err(FrameError::TooLarge(len));
        }
        let end = 22 + len;
        let is_last = match data.get(end) {
            None => return Err(FrameError::Truncated),
            Some(0) => false,
            Some(1) => true,
            Some(b) => return Err(FrameError::BadIsLast(*b)),
        };
        let frame = Frame {
            id,
            number,
            data: data[22..end].to_vec(),
            is_last,
        };
        Ok((frame, end + 1))
    }

    /// Appends the frame's encoding to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.id);
        out.extend_from_slice(&self.number.to_be_bytes());
        out.extend_from_slice(&(self.data.len() as u32).to_be_bytes());
        out.extend_from_slice(&self.data);
        out.push(self.is_last as u8);
    }

    /// The frame's size as the channel bank counts it (its data plus 200 bytes).
    pub fn bank_size(&self) -> usize {
        self.data.len() + 200
    }
}

/// Parses the frames of one batcher transaction: all of them, or none if any fails.
pub fn parse_frames(data: &[u8]) -> Result<Vec<Frame>, FrameError> {
    let (&version, mut rest) = data.split_first().ok_or(FrameError::Empty)?;
    if version != DERIVATION_VERSION_0 {
        return Err(FrameError::Version(version));
    }
    let mut frames = Vec::new();
    while !rest.is_empty() {
        let (frame, used) = Frame::decode(rest)?;
        frames.push(frame);
        rest = &rest[used..];
    }
    if frames.is_empty() {
        return Err(FrameError::Empty);
    }
    Ok(frames)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(n: u16, last: bool) -> Frame {
        Frame {
            id: [7; 16],
            number: n,
            data: alloc::vec![1, 2, 3],
            is_last: last,
        }
    }

    #[test]
    fn frames_round_trip() {
        let mut data = alloc::vec![0u8];
        frame(0, false).encode(&mut data);
        frame(1, true).encode(&mut data);
        assert_eq!(
            parse_frames(&data).unwrap(),
            alloc::vec![frame(0, false), frame(1, true)]
        );
    }

    #[test]
    fn one_bad_frame_rejects_the_transaction() {
        let mut data = alloc::vec![0u8];
        frame(0, false).encode(&mut data);
        let mut bad = data.clone();
        frame(1, true).encode(&mut bad);
        *bad.last_mut().unwrap() = 2;
        assert_eq!(parse_frames(&bad), Err(FrameError::BadIsLast(2)));
        let mut cut = data.clone();
        cut.pop();
        assert_eq!(parse_frames(&cut), Err(FrameError::Truncated));
        data[0] = 1;
        assert_eq!(parse_frames(&data), Err(FrameError::Version(1)));
        assert_eq!(parse_frames(&[0]), Err(FrameError::Empty));
        assert_eq!(parse_frames(&[]), Err(FrameError::Empty));
        let mut big = alloc::vec![0u8];
        big.extend_from_slice(&[0; 18]);
        big.extend_from_slice(&1_000_001u32.to_be_bytes());
        big.push(0);
        assert_eq!(parse_frames(&big), Err(FrameError::TooLarge(1_000_001)));
    }
}
