//! The VM's I/O (§10): the preimage key and reads through fds 6 and 5 (part of the step), and its
//! extras (not part of the step): guest output forwarded, hints sent to the host, preimages
//! fetched from the oracle, and a read the preimage stop matches halting `run`.

use crate::error::{HostError, Trap, VmError};
use crate::vm::Vm;
use verdict_fpvm::PreimageRead;
use verdict_mips64_consts::fd;
use verdict_preimage::{Oracle, PreimageKey};

use verdict_fpvm::guest_io;

impl<O: Oracle> Vm<O> {
    /// Copies a guest write to stdout or stderr to its destination. The guest's output is a
    /// courtesy: a destination that fails is dropped with a note on stderr, and the run goes on.
    pub(crate) fn forward_output(&mut self, fd: u64, addr: u64, count: u64) {
        let out = if fd == fd::STDOUT {
            &mut self.stdout
        } else {
            &mut self.stderr
        };
        guest_io::forward_write(out, &self.state.memory, addr, count, fd == fd::STDOUT);
    }

    /// Buffers hint bytes and sends every complete hint (u32 big-endian length, then the hint).
    pub(crate) fn write_hint(&mut self, pc: u64, addr: u64, count: u64) -> Result<(), VmError> {
        let oracle = &mut self.oracle;
        let send = |hint: &[u8]| oracle.hint(hint).map_err(|e| e.to_string());
        guest_io::write_hint(
            &mut self.state.last_hint,
            &self.state.memory,
            addr,
            count,
            send,
        )
        .map_err(|message| HostError::Hint { pc, message }.into())
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
