//! Channel decompression (derivation.md, "Channel Format"; Fjord's "Brotli Channel
//! Compression"), bounded: at most `limit` bytes are ever produced, and the channel reads as if
//! it held only those (a compression bomb costs `limit` bytes of memory, no more). A stream that
//! breaks off yields what decompressed before the break.

use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

/// The channel version byte of brotli channels.
pub const CHANNEL_VERSION_BROTLI: u8 = 1;
const CHUNK: usize = 64 * 1024;

/// The compression of a channel, from its first byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// RFC 1950 zlib (the low nibble of the first byte is 8 or 15).
    Zlib,
    /// Brotli behind version byte 1 (Fjord).
    Brotli,
}

/// Why a channel yields no data at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CompressionError {
    /// The channel is empty.
    Empty,
    /// The first byte names no known compression.
    UnknownVersion(u8),
    /// Brotli before Fjord.
    BrotliBeforeFjord,
}

impl fmt::Display for CompressionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompressionError::Empty => write!(f, "empty channel"),
            CompressionError::UnknownVersion(v) => {
                write!(f, "unknown channel version byte {v:#04x}")
            }
            CompressionError::BrotliBeforeFjord => write!(f, "brotli channel before Fjord"),
        }
    }
}

/// A decompressed channel: the bytes it yielded (at most the limit) and whether the stream ended
/// cleanly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decompressed {
    /// Which compression it used.
    pub compression: Compression,
    /// The decompressed bytes.
    pub data: Vec<u8>,
    /// Whether the stream was cut off by the limit.
    pub truncated: bool,
    /// Whether the stream was corrupt (or ended early) after `data`.
    pub corrupt: bool,
}

/// The compression a channel's first byte announces.
pub fn compression_of(channel: &[u8], fjord: bool) -> Result<Compression, CompressionError> {
    let first = *channel.first().ok_or(CompressionError::Empty)?;
    if first & 0x0f == 8 || first & 0x0f == 15 {
        Ok(Compression::Zlib)
    } else if first == CHANNEL_VERSION_BROTLI {
        if fjord {
            Ok(Compression::Brotli)
        } else {
            Err(CompressionError::BrotliBeforeFjord)
        }
    } else {
        Err(CompressionError::UnknownVersion(first))
    }
}

/// Decompresses a channel into at most `limit` bytes.
pub fn decompress(
    channel: &[u8],
    fjord: bool,
    limit: usize,
) -> Result<Decompressed, CompressionError> {
    let compression = compression_of(channel, fjord)?;
    let (data, truncated, corrupt) = match compression {
        Compression::Zlib => inflate_zlib(channel, limit),
        Compression::Brotli => inflate_brotli(&channel[1..], limit),
    };
    Ok(Decompressed {
        compression,
        data,
        truncated,
        corrupt,
    })
}

/// (data, truncated by the limit, corrupt)
fn inflate_zlib(input: &[u8], limit: usize) -> (Vec<u8>, bool, bool) {
    use miniz_oxide::inflate::stream::{inflate, InflateState};
    use miniz_oxide::{DataFormat, MZFlush, MZStatus};
    let mut state = InflateState::new_boxed(DataFormat::Zlib);
    let mut out = Vec::new();
    let mut buf = vec![0u8; CHUNK];
    let mut rest = input;
    loop {
        let r = inflate(&mut state, rest, &mut buf, MZFlush::None);
        rest = &rest[r.bytes_consumed..];
        let room = limit - out.len();
        if r.bytes_written > room {
            out.extend_from_slice(&buf[..room]);
            return (out, true, false);
        }
        out.extend_from_slice(&buf[..r.bytes_written]);
        match r.status {
            Ok(MZStatus::StreamEnd) => return (out, false, false),
            Ok(_) if r.bytes_consumed == 0 && r.bytes_written == 0 => return (out, false, true),
            Ok(_) => {}
            Err(_) => return (out, false, true),
        }
        if out.len() == limit && limit > 0 {
            // Anything more would exceed the limit: check whether the stream goes on.
            let r = inflate(&mut state, rest, &mut buf[..1], MZFlush::None);
            let more = r.bytes_written > 0;
            let ended = matches!(r.status, Ok(MZStatus::StreamEnd)) && !more;
            return (out, more, !more && !ended);
        }
    }
}

/// Heap memory for the brotli decoder (its allocator interface, without `std`).
struct HeapSlice<T>(Box<[T]>);

impl<T> Default for HeapSlice<T> {
    fn default() -> Self {
        HeapSlice(Vec::new().into_boxed_slice())
    }
}

impl<T> alloc_no_stdlib::SliceWrapper<T> for HeapSlice<T> {
    fn slice(&self) -> &[T] {
        &self.0
    }
}

impl<T> alloc_no_stdlib::SliceWrapperMut<T> for HeapSlice<T> {
    fn slice_mut(&mut self) -> &mut [T] {
        &mut self.0
    }
}

#[derive(Default)]
struct HeapAlloc;

impl<T: Clone + Default> alloc_no_stdlib::Allocator<T> for HeapAlloc {
    type AllocatedMemory = HeapSlice<T>;
    fn alloc_cell(&mut self, len: usize) -> HeapSlice<T> {
        HeapSlice(vec![T::default(); len].into_boxed_slice())
    }
    fn free_cell(&mut self, _data: HeapSlice<T>) {}
}

fn inflate_brotli(input: &[u8], limit: usize) -> (Vec<u8>, bool, bool) {
    use brotli_decompressor::{BrotliDecompressStream, BrotliResult, BrotliState, HuffmanCode};
    let mut state: BrotliState<HeapAlloc, HeapAlloc, HeapAlloc> =
        BrotliState::new(HeapAlloc, HeapAlloc, HeapAlloc);
    let _: Option<HuffmanCode> = None;
    let mut out = Vec::new();
    let mut buf = vec![0u8; CHUNK];
    let (mut avail_in, mut in_off) = (input.len(), 0usize);
    let mut total = 0usize;
    loop {
        let (mut avail_out, mut out_off) = (buf.len(), 0usize);
        let r = BrotliDecompressStream(
            &mut avail_in,
            &mut in_off,
            input,
            &mut avail_out,
            &mut out_off,
            &mut buf,
            &mut total,
            &mut state,
        );
        let room = limit - out.len();
        if out_off > room {
            out.extend_from_slice(&buf[..room]);
            return (out, true, false);
        }
        out.extend_from_slice(&buf[..out_off]);
        match r {
            BrotliResult::ResultSuccess => return (out, false, false),
            BrotliResult::NeedsMoreOutput => {
                if out.len() == limit {
                    return (out, true, false);
                }
            }
            BrotliResult::NeedsMoreInput | BrotliResult::ResultFailure => {
                return (out, false, true)
            }
        }
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;

    fn zlib(data: &[u8]) -> Vec<u8> {
        miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
    }

    fn brotli(data: &[u8]) -> Vec<u8> {
        let mut out = alloc::vec![CHANNEL_VERSION_BROTLI];
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 6, 22);
        std::io::Write::write_all(&mut w, data).unwrap();
        drop(w);
        out
    }

    #[test]
    fn both_compressions_round_trip() {
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        let z = decompress(&zlib(&data), false, 1 << 20).unwrap();
        assert_eq!(
            (z.compression, z.truncated, z.corrupt),
            (Compression::Zlib, false, false)
        );
        assert_eq!(z.data, data);
        let b = decompress(&brotli(&data), true, 1 << 20).unwrap();
        assert_eq!(
            (b.compression, b.truncated, b.corrupt),
            (Compression::Brotli, false, false)
        );
        assert_eq!(b.data, data);
        assert_eq!(
            decompress(&brotli(&data), false, 1 << 20),
            Err(CompressionError::BrotliBeforeFjord)
        );
    }

    #[test]
    fn bombs_stop_at_the_limit() {
        let zeros = alloc::vec![0u8; 50_000_000];
        for c in [zlib(&zeros), brotli(&zeros)] {
            assert!(c.len() < 100_000);
            let d = decompress(&c, true, 1_000_000).unwrap();
            assert_eq!(d.data.len(), 1_000_000);
            assert!(d.truncated);
        }
        // Exactly the limit is not truncated.
        let d = decompress(&zlib(&zeros[..1000]), true, 1000).unwrap();
        assert_eq!((d.data.len(), d.truncated, d.corrupt), (1000, false, false));
    }

    #[test]
    fn broken_streams_yield_their_prefix() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i * 31 % 256) as u8).collect();
        for c in [zlib(&data), brotli(&data)] {
            let cut = &c[..c.len() / 2];
            let d = decompress(cut, true, 1 << 20).unwrap();
            assert!(d.corrupt);
            assert!(!d.data.is_empty() && data.starts_with(&d.data));
        }
        assert_eq!(decompress(&[], true, 10), Err(CompressionError::Empty));
        assert_eq!(
            decompress(&[2, 1, 2], true, 10),
            Err(CompressionError::UnknownVersion(2))
        );
        let d = decompress(&[0x78, 0xff, 0xff], true, 10).unwrap();
        assert!(d.corrupt && d.data.is_empty());
    }
}
