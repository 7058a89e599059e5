//! Gzip on all cores: the input is cut into blocks, each compressed on a thread of its own into a
//! gzip member, and the members are written in order. Members one after another are a valid gzip
//! file: `gzip -d`, Go's `gzip.Reader` and flate2's `MultiGzDecoder` read them as one stream.

use flate2::write::GzEncoder;
use flate2::Compression;
use std::collections::VecDeque;
use std::io::{self, Write};
use std::thread::JoinHandle;

/// Uncompressed bytes per gzip member.
const BLOCK: usize = 8 << 20;

/// A writer that gzips what it is given on all cores (see the module docs).
pub struct ParallelGzWriter<W: Write> {
    out: W,
    block: Vec<u8>,
    /// Members being compressed, oldest first.
    in_flight: VecDeque<JoinHandle<io::Result<Vec<u8>>>>,
    max_in_flight: usize,
    members: usize,
}

impl<W: Write> ParallelGzWriter<W> {
    /// A writer compressing into `out`.
    pub fn new(out: W) -> Self {
        ParallelGzWriter {
            out,
            block: Vec::new(),
            in_flight: VecDeque::new(),
            max_in_flight: crate::cores(),
            members: 0,
        }
    }

    /// Compresses what is left, writes every member and returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        if !self.block.is_empty() || self.members == 0 {
            self.dispatch()?;
        }
        while !self.in_flight.is_empty() {
            self.write_oldest()?;
        }
        Ok(self.out)
    }

    fn dispatch(&mut self) -> io::Result<()> {
        while self.in_flight.len() >= self.max_in_flight {
            self.write_oldest()?;
        }
        let block = std::mem::take(&mut self.block);
        self.in_flight.push_back(std::thread::spawn(move || {
            let mut gz = GzEncoder::new(Vec::with_capacity(block.len() / 4), Compression::fast());
            gz.write_all(&block)?;
            gz.finish()
        }));
        self.members += 1;
        Ok(())
    }

    fn write_oldest(&mut self) -> io::Result<()> {
        let Some(worker) = self.in_flight.pop_front() else {
            return Ok(());
        };
        let member = worker
            .join()
            .map_err(|_| io::Error::other("a gzip compression thread panicked"))??;
        self.out.write_all(&member)
    }
}

impl<W: Write> Write for ParallelGzWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.block.capacity() == 0 {
            self.block.reserve_exact(BLOCK);
        }
        let n = buf.len().min(BLOCK - self.block.len());
        self.block.extend_from_slice(&buf[..n]);
        if self.block.len() == BLOCK {
            self.dispatch()?;
        }
        Ok(n)
    }

    /// Flushes the inner writer only: a partial block is compressed by `finish`.
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::read::MultiGzDecoder;
    use std::io::Read;

    fn roundtrip(data: &[u8]) -> Vec<u8> {
        let mut gz = ParallelGzWriter::new(Vec::new());
        // In uneven pieces, across block boundaries.
        for piece in data.chunks(1_000_003) {
            gz.write_all(piece).unwrap();
        }
        let compressed = gz.finish().unwrap();
        let mut out = Vec::new();
        MultiGzDecoder::new(&compressed[..])
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn members_decompress_to_the_input() {
        assert_eq!(roundtrip(&[]), Vec::<u8>::new());
        let mut x = 1u64;
        let data: Vec<u8> = (0..3 * BLOCK + 12345)
            .map(|i| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                if i % 3 == 0 {
                    (x >> 56) as u8
                } else {
                    0
                }
            })
            .collect();
        assert_eq!(roundtrip(&data), data);
    }
}
