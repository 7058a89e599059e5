//! A preimage-protocol channel over bytes in memory: reads come from a fixed input, writes are
//! kept.

use std::cell::{Cell, RefCell};
use verdict_preimage::protocol::Channel;
use verdict_preimage::PreimageError;

/// Reads from `input` (closed at its end), keeps what is written.
pub struct MemoryChannel<'a> {
    input: &'a [u8],
    read: Cell<usize>,
    /// Everything written so far.
    pub written: RefCell<Vec<u8>>,
}

impl<'a> MemoryChannel<'a> {
    /// A channel reading `input`.
    pub fn new(input: &'a [u8]) -> Self {
        MemoryChannel {
            input,
            read: Cell::new(0),
            written: RefCell::new(Vec::new()),
        }
    }
}

impl Channel for MemoryChannel<'_> {
    fn read_exact(&self, buf: &mut [u8]) -> Result<(), PreimageError> {
        let at = self.read.get();
        let left = &self.input[at..];
        if left.is_empty() && !buf.is_empty() {
            return Err(PreimageError::Closed);
        }
        if left.len() < buf.len() {
            self.read.set(self.input.len());
            return Err(PreimageError::Io(format!(
                "cut off: {} of {} bytes",
                left.len(),
                buf.len()
            )));
        }
        buf.copy_from_slice(&left[..buf.len()]);
        self.read.set(at + buf.len());
        Ok(())
    }

    fn write_all(&self, buf: &[u8]) -> Result<(), PreimageError> {
        self.written.borrow_mut().extend_from_slice(buf);
        Ok(())
    }
}
