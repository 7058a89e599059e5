//! The VM's I/O (§10): the preimage key and reads through fds 6 and 5 (part of the step), and its
//! extras (not part of the step): guest output forwarded, hints sent to the host, preimages
//! fetched from the oracle, and a read the preimage stop matches halting `run`.

use crate::error::{HostError, Trap, VmError};
use crate::vm::{Output, Vm};
use verdict_fpvm::PreimageRead;
use verdict_mips64_consts::fd;
use verdict_preimage::{Oracle, PreimageKey};

/// Largest guest write forwarded to stdout/stderr in one syscall (the step succeeds regardless).
const MAX_FORWARDED_OUTPUT: u64 = 1 << 30;
/// Largest buffered, incomplete hint.
const MAX_HINT_BUFFER: usize = 1 << 30;

impl<O: Oracle> Vm<O> {
    /// Copies a guest write to stdout or stderr to its destination. The guest's output is a
    /// courtesy: a destination that fails is dropped with a note on stderr, and the run goes on.
    pub(crate) fn forward_output(&mut self, fd: u64, addr: u64, count: u64) {
        let out = if fd == fd::STDOUT {
            &mut self.stdout
        } else {
            &mut self.stderr
        };
        if matches!(out, Output::Discard) {
            return;
        }
        let mut buf = vec![0u8; count.min(MAX_FORWARDED_OUTPUT) as usize];
        self.state.memory.read(addr, &mut buf);
        match out {
            Output::Capture(v) => v.extend_from_slice(&buf),
            Output::Writer(w) => {
                if let Err(e) = w.write_all(&buf).and_then(|()| w.flush()) {
                    *out = Output::Discard;
                    if fd == fd::STDOUT && e.kind() != std::io::ErrorKind::BrokenPipe {
                        eprintln!("note: the guest's stdout is no longer forwarded: {e}");
                    }
                }
            }
            Output::Discard => {}
        }
    }

    /// Buffers hint bytes and sends every complete hint (u32 big-endian length, then the hint).
    pub(crate) fn write_hint(&mut self, pc: u64, addr: u64, count: u64) -> Result<(), VmError> {
        if (self.state.last_hint.len() as u64).saturating_add(count) > MAX_HINT_BUFFER as u64 {
            return Err(HostError::Hint {
                pc,
                message: format!("hint of more than {MAX_HINT_BUFFER} bytes"),
            }
            .into());
        }
        let start = self.state.last_hint.len();
        self.state.last_hint.resize(start + count as usize, 0);
        self.state
            .memory
            .read(addr, &mut self.state.last_hint[start..]);
        let mut consumed = 0;
        let buf = &self.state.last_hint;
        while buf.len() - consumed >= 4 {
            let len = u32::from_be_bytes(buf[consumed..consumed + 4].try_into().unwrap()) as usize;
            if len > buf.len() - consumed - 4 {
                break;
            }
            let hint = &buf[consumed + 4..consumed + 4 + len];
            self.oracle.hint(hint).map_err(|e| HostError::Hint {
                pc,
                message: e.to_string(),
            })?;
            consumed += 4 + len;
        }
        self.state.last_hint.drain(..consumed);
        Ok(())
    }

    /// Shifts up to 8 bytes (within the word of `addr`) into the preimage key and resets the read
    /// offset; returns the bytes taken.
    pub(crate) fn write_preimage_key(&mut self, addr: u64, count: u64) -> u64 {
        let word = self.load_word(addr & !7);
        let alignment = addr & 7;
        let n = count.min(8 - alignment) as usize;
        let bytes = word.to_be_bytes();
        let mut key = [0u8; 32];
        key[..32 - n].copy_from_slice(&self.state.preimage_key[n..]);
        key[32 - n..].copy_from_slice(&bytes[alignment as usize..alignment as usize + n]);
        self.state.preimage_key = key;
        self.state.preimage_offset = 0;
        n as u64
    }

    /// Reads up to 8 bytes (within the word of `addr`) of the length-prefixed preimage of the
    /// current key at the current offset; returns the bytes read.
    pub(crate) fn read_preimage(&mut self, pc: u64, addr: u64, count: u64) -> Result<u64, VmError> {
        let key = self.state.preimage_key;
        let offset = self.state.preimage_offset;
        if self.last_preimage.is_none() || key != self.last_preimage_key {
            let value = self
                .oracle
                .get(PreimageKey(key))
                .map_err(|cause| HostError::Preimage {
                    pc,
                    key: PreimageKey(key),
                    cause,
                })?;
            let mut prefixed = Vec::with_capacity(8 + value.len());
            prefixed.extend_from_slice(&(value.len() as u64).to_be_bytes());
            prefixed.extend_from_slice(&value);
            self.last_preimage_key = key;
            self.last_preimage = Some(prefixed);
        }
        let preimage = self.last_preimage.as_deref().unwrap_or_default();
        let len = preimage.len() as u64;
        let mut data = [0u8; 8];
        if offset >= len {
            return Err(VmError::trap(
                pc,
                Trap::PreimageOffsetOutOfBounds {
                    key: PreimageKey(key),
                    offset,
                    len,
                },
            ));
        }
        self.last_preimage_offset = offset;
        let available = (len - offset).min(32);
        let alignment = addr & 7;
        let n = available.min(8 - alignment).min(count);
        let start = offset as usize;
        data[..n as usize].copy_from_slice(&preimage[start..start + n as usize]);
        let word_addr = addr & !7;
        let mut bytes = self.load_word(word_addr).to_be_bytes();
        bytes[alignment as usize..(alignment + n) as usize].copy_from_slice(&data[..n as usize]);
        self.store_word(word_addr, u64::from_be_bytes(bytes));
        self.state.preimage_offset = offset + n;
        if self.preimage_stop.is_active() {
            let read = PreimageRead {
                key,
                offset,
                prefixed_len: len,
            };
            self.halted |= self.preimage_stop.matches(&read);
        }
        Ok(n)
    }
}
