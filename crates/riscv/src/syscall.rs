//! Syscalls, as the onchain step handles them: exit, brk, mmap, read and write on the preimage
//! and hint fds, and the few Linux calls the Go and Rust runtimes make; the rest return 0.
//! The VM's extras (not part of the step) are here too: guest output is forwarded, hints reach
//! the host, preimages come from the oracle, and a read the preimage stop matches halts `run`.

use crate::error::{HostError, Trap, VmError};
use crate::vm::Vm;
use verdict_fpvm::PreimageRead;
use verdict_preimage::{Oracle, PreimageKey};
use verdict_riscv_consts::{errno, fd, syscall as nr};

use verdict_fpvm::guest_io;

impl<O: Oracle> Vm<O> {
    /// The syscall of the ECALL at `pc`; sets a0 (result) and a1 (errno) unless it exits.
    pub(crate) fn syscall<const PROOF: bool>(&mut self, pc: u64) -> Result<(), VmError> {
        let r = self.state.regs;
        let (a0, a1, a2) = (r[10], r[11], r[12]);
        let number = r[17];
        let fail = |errno| (u64::MAX, errno);
        let (ret, errno) = match number {
            nr::EXIT | nr::EXIT_GROUP => {
                self.state.exit_code = a0 as u8;
                self.state.exited = true;
                return Ok(());
            }
            nr::BRK => (1 << 30, 0),
            nr::MMAP => {
                let (flags, file) = (r[13], r[14]);
                if flags & 0x20 == 0 || file != u64::MAX {
                    fail(errno::EBADFD)
                } else if a0 == 0 {
                    let mut length = a1;
                    if length & 4095 != 0 {
                        length = length.wrapping_add(4096 - (length & 4095));
                    }
                    let addr = self.state.heap;
                    self.state.heap = addr.wrapping_add(length);
                    (addr, 0)
                } else {
                    (a0, 0)
                }
            }
            nr::READ => match a0 {
                fd::STDIN => (0, 0),
                fd::HINT_READ => (a2, 0),
                fd::PREIMAGE_READ => (self.read_preimage::<PROOF>(pc, a1, a2)?, 0),
                _ => fail(errno::EBADFD),
            },
            nr::WRITE => match a0 {
                fd::STDOUT | fd::STDERR => {
                    self.forward_output(a0, a1, a2);
                    (a2, 0)
                }
                fd::HINT_WRITE => {
                    self.write_hint(pc, a1, a2)?;
                    (a2, 0)
                }
                fd::PREIMAGE_WRITE => (self.write_preimage_key::<PROOF>(a1, a2), 0),
                _ => fail(errno::EBADFD),
            },
            nr::FCNTL => match (a1, a0) {
                (1, 0..=6) => (0, 0),         // F_GETFD: no flags
                (3, 0 | 3 | 5) => (0, 0),     // F_GETFL: O_RDONLY
                (3, 1 | 2 | 4 | 6) => (1, 0), // F_GETFL: O_WRONLY
                (1 | 3, _) => fail(errno::EBADFD),
                _ => fail(errno::EINVAL),
            },
            nr::OPENAT => fail(errno::EACCES),
            nr::CLOCK_GETTIME => {
                self.store::<PROOF>(a1, 16, 1337 | (42u128 << 64), 1, 2);
                (0, 0)
            }
            nr::CLONE => (1, 0),
            nr::GETRLIMIT => {
                if a0 != 7 {
                    return Err(VmError::trap(
                        pc,
                        Trap::UnrecognizedResource { resource: a0 },
                    ));
                }
                self.store::<PROOF>(a1, 16, 1024 | (1024u128 << 64), 1, 2);
                (0, 0)
            }
            nr::PRLIMIT64 | nr::FUTEX | nr::NANOSLEEP => {
                return Err(VmError::trap(pc, Trap::UnsupportedSyscall { number }))
            }
            _ => (0, 0),
        };
        self.set_reg(10, ret);
        self.set_reg(11, errno);
        Ok(())
    }

    /// Copies a guest write to stdout or stderr to its destination. The guest's output is a
    /// courtesy: a destination that fails (a closed pipe, a full disk) is dropped with a note on
    /// stderr, and the run goes on.
    fn forward_output(&mut self, fd: u64, addr: u64, count: u64) {
        let out = if fd == fd::STDOUT {
            &mut self.stdout
        } else {
            &mut self.stderr
        };
        guest_io::forward_write(out, &self.state.memory, addr, count, fd == fd::STDOUT);
    }

    /// Buffers hint bytes and sends every complete hint (u32 big-endian length, then the hint).
    fn write_hint(&mut self, pc: u64, addr: u64, count: u64) -> Result<(), VmError> {
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

    /// Shifts up to 32 bytes (within one leaf) into the preimage key and resets the read offset.
    fn write_preimage_key<const PROOF: bool>(&mut self, addr: u64, count: u64) -> u64 {
        let alignment = addr & 31;
        let count = count.min(32 - alignment);
        self.track::<PROOF>(addr - alignment, 1);
        let n = count as usize;
        let mut key = [0u8; 32];
        key[..32 - n].copy_from_slice(&self.state.preimage_key[n..]);
        self.state.memory.read(addr, &mut key[32 - n..]);
        self.state.preimage_key = key;
        self.state.preimage_offset = 0;
        count
    }

    /// Reads up to 32 bytes (within one leaf) of the length-prefixed preimage of the current key
    /// at the current offset.
    fn read_preimage<const PROOF: bool>(
        &mut self,
        pc: u64,
        addr: u64,
        count: u64,
    ) -> Result<u64, VmError> {
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
        let alignment = addr & 31;
        let count = count.min(32 - alignment).min(available);
        let start = offset as usize;
        let mut data = [0u8; 32];
        data[..count as usize].copy_from_slice(&preimage[start..start + count as usize]);
        self.state.preimage_offset = offset + count;
        self.track::<PROOF>(addr - alignment, 1);
        self.state.memory.write(addr, &data[..count as usize]);
        if self.preimage_stop.is_active() {
            let read = PreimageRead {
                key,
                offset,
                prefixed_len: len,
            };
            self.halted |= self.preimage_stop.matches(&read);
        }
        Ok(count)
    }
}
