//! `handleSyscall` (§8): every syscall the contract knows, in its order; the rest revert.

use crate::error::{Detail, StepError};
use crate::exec::{select_subword, Step};
use crate::thread::Thread;
use crate::{localize_key, OnchainOracle};
use verdict_mips64_consts::{
    errno, fd, has_working_getrandom, layout, syscall as nr, Revert, EFD_NONBLOCK,
    FUTEX_WAIT_PRIVATE, FUTEX_WAKE_PRIVATE, HZ, SYSCALL_ERROR, VALID_CLONE_FLAGS,
};

const EBADF: (u64, u64) = (errno::EBADF, SYSCALL_ERROR);
const EINVAL: (u64, u64) = (errno::EINVAL, SYSCALL_ERROR);
const EAGAIN: (u64, u64) = (errno::EAGAIN, SYSCALL_ERROR);

impl<O: OnchainOracle + ?Sized> Step<'_, O> {
    /// `handleSyscallUpdates`: v0, a3, and on to the next instruction.
    fn syscall_updates(&mut self, v0: u64, v1: u64) {
        self.t.regs[2] = v0;
        self.t.regs[7] = v1;
        self.t.pc = self.t.next_pc;
        self.t.next_pc = self.t.next_pc.wrapping_add(4);
    }

    /// `syscallYield`.
    fn yield_thread(&mut self) {
        self.syscall_updates(0, 0);
        self.preempt();
    }

    pub(crate) fn syscall(&mut self) -> Result<(), StepError> {
        let r = self.t.regs;
        let (no, a0, a1, a2) = (r[2], r[4], r[5], r[6]);
        let (v0, v1) = match no {
            nr::MMAP => {
                let mut sz = a1;
                if sz & 4095 != 0 {
                    sz = sz.wrapping_add(4096 - (sz & 4095));
                }
                if a0 == 0 {
                    let heap = self.st.heap;
                    let new_heap = heap.wrapping_add(sz);
                    if new_heap > layout::HEAP_END || new_heap < heap || sz < a1 {
                        EINVAL
                    } else {
                        self.st.heap = new_heap;
                        (heap, 0)
                    }
                } else {
                    (a0, 0)
                }
            }
            nr::BRK => (layout::PROGRAM_BREAK, 0),
            nr::CLONE => {
                if a0 != VALID_CLONE_FLAGS {
                    self.st.exited = 1;
                    self.st.exit_code = 2;
                    return Ok(());
                }
                let mut child = Thread {
                    id: self.st.next_thread_id,
                    exit_code: 0,
                    exited: 0,
                    pc: self.t.next_pc,
                    next_pc: self.t.next_pc.wrapping_add(4),
                    lo: self.t.lo,
                    hi: self.t.hi,
                    regs: self.t.regs,
                };
                child.regs[29] = a1;
                child.regs[2] = 0;
                child.regs[7] = 0;
                let id = self.st.next_thread_id;
                self.st.next_thread_id = id.wrapping_add(1);
                self.syscall_updates(id, 0);
                self.update_current();
                self.push_thread(&child);
                return Ok(());
            }
            nr::EXIT_GROUP => {
                self.st.exited = 1;
                self.st.exit_code = a0 as u8;
                self.update_current();
                return Ok(());
            }
            nr::READ => self.read(a0, a1, a2)?,
            nr::WRITE => self.write(a0, a1, a2)?,
            nr::FCNTL => match a1 {
                1 if a0 <= 6 => (0, 0),
                3 if matches!(a0, 0 | 3 | 5) => (0, 0),
                3 if matches!(a0, 1 | 2 | 4 | 6) => (1, 0),
                1 | 3 => EBADF,
                _ => EINVAL,
            },
            nr::GETTID => (self.t.id, 0),
            nr::EXIT => {
                self.t.exited = 1;
                self.t.exit_code = a0 as u8;
                let last = self.st.inactive_root() == verdict_mips64_consts::EMPTY_THREAD_ROOT
                    && self.inner == verdict_mips64_consts::EMPTY_THREAD_ROOT;
                if last {
                    self.st.exited = 1;
                    self.st.exit_code = a0 as u8;
                }
                self.update_current();
                return Ok(());
            }
            nr::FUTEX => {
                let addr = a0 & 0xffff_ffff_ffff_fffc;
                if a1 == FUTEX_WAIT_PRIVATE {
                    let word = self.mem.read(addr & !7, 1)?;
                    if select_subword(addr, word, 4, false) as u32 != a2 as u32 {
                        EAGAIN
                    } else {
                        self.yield_thread();
                        return Ok(());
                    }
                } else if a1 == FUTEX_WAKE_PRIVATE {
                    self.yield_thread();
                    return Ok(());
                } else {
                    EINVAL
                }
            }
            nr::SCHED_YIELD | nr::NANOSLEEP => {
                self.yield_thread();
                return Ok(());
            }
            nr::OPEN => EBADF,
            nr::CLOCK_GETTIME => {
                if a0 == 0 || a0 == 1 {
                    let (mut secs, mut nsecs) = (0, 0);
                    if a0 == 1 {
                        secs = self.st.step / HZ;
                        nsecs = (self.st.step % HZ) * (1_000_000_000 / HZ);
                    }
                    let addr = a1 & !7;
                    if !self.mem.valid(addr, 1)? {
                        return Err(StepError::reverts(
                            Revert::InvalidMemoryProof,
                            Detail::Slot(1, addr),
                        ));
                    }
                    self.mem.write(addr, 1, secs)?;
                    self.memory_written(addr);
                    let second = addr.wrapping_add(8);
                    if !self.mem.valid(second, 2)? {
                        return Err(StepError::reverts(
                            Revert::InvalidSecondMemoryProof,
                            Detail::Slot(2, second),
                        ));
                    }
                    self.mem.write(second, 2, nsecs)?;
                    self.memory_written(second);
                    (0, 0)
                } else {
                    EINVAL
                }
            }
            nr::GETPID => (0, 0),
            nr::GETRANDOM => {
                if has_working_getrandom(self.version) {
                    self.getrandom(a0, a1)?
                } else {
                    (0, 0)
                }
            }
            nr::EVENTFD2 => {
                if a1 & EFD_NONBLOCK == 0 {
                    EINVAL
                } else {
                    (fd::EVENTFD, 0)
                }
            }
            n if nr::NOOPS.contains(&n) => (0, 0),
            n => {
                return Err(StepError::reverts(
                    Revert::UnimplementedSyscall,
                    Detail::Syscall(n),
                ))
            }
        };
        self.syscall_updates(v0, v1);
        self.update_current();
        Ok(())
    }

    fn read(&mut self, a0: u64, a1: u64, a2: u64) -> Result<(u64, u64), StepError> {
        Ok(match a0 {
            fd::STDIN => (0, 0),
            fd::PREIMAGE_READ => {
                let addr = a1 & !7;
                let mem = self.mem.read(addr, 1)?;
                let mut key = self.st.preimage_key;
                if key[0] == 1 {
                    key = localize_key(&key, self.ctx);
                }
                let offset = self.st.preimage_offset;
                let part = self
                    .oracle
                    .read_part(&key, offset)
                    .map_err(StepError::Oracle)?;
                if part.len == 0 {
                    // No part can be loaded at the end of a value: readPreimage reverts.
                    return Err(StepError::reverts(
                        Revert::PreimageUnavailable,
                        Detail::None,
                    ));
                }
                self.preimage_read = Some((self.st.preimage_key, offset));
                let alignment = a1 & 7;
                let space = 8 - alignment;
                let len = u64::from(part.len).min(space).min(a2);
                // The data right-aligned, then moved to its place in the word; the mask covers
                // bytes alignment..alignment+len.
                let mut dat = 0u128;
                for b in &part.data[..len as usize] {
                    dat = (dat << 8) | u128::from(*b);
                }
                let dat = dat << ((space - len) * 8);
                let mask = ((1u128 << (space * 8)) - 1) & !((1u128 << ((space - len) * 8)) - 1);
                let new = (u128::from(mem) & !mask) | dat;
                self.mem.write(addr, 1, new as u64)?;
                self.memory_written(addr);
                self.st.preimage_offset = offset.wrapping_add(len);
                (len, 0)
            }
            fd::HINT_READ => (a2, 0),
            fd::EVENTFD => EAGAIN,
            _ => EBADF,
        })
    }

    fn write(&mut self, a0: u64, a1: u64, a2: u64) -> Result<(u64, u64), StepError> {
        Ok(match a0 {
            fd::STDOUT | fd::STDERR | fd::HINT_WRITE => (a2, 0),
            fd::PREIMAGE_WRITE => {
                let mem = self.mem.read(a1 & !7, 1)?;
                let alignment = a1 & 7;
                let space = 8 - alignment;
                let n = a2.min(space);
                let bits = u128::from(mem >> ((space - n) * 8)) & ((1u128 << (n * 8)) - 1);
                let mut key = [0u8; 32];
                key[..32 - n as usize].copy_from_slice(&self.st.preimage_key[n as usize..]);
                for (i, b) in key[32 - n as usize..].iter_mut().enumerate() {
                    *b = (bits >> (8 * (n as usize - 1 - i))) as u8;
                }
                self.st.preimage_key = key;
                self.st.preimage_offset = 0;
                (n, 0)
            }
            fd::EVENTFD => EAGAIN,
            _ => EBADF,
        })
    }

    fn getrandom(&mut self, a0: u64, a1: u64) -> Result<(u64, u64), StepError> {
        let addr = a0 & !7;
        let mem = self.mem.read(addr, 1)?;
        let mut z = self.st.step.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        let random = z ^ (z >> 31);
        let index = a0 - addr;
        let count = a1.min(8 - index);
        // In 64 bits, with shifts by 64 or more giving 0, as the contract computes it.
        let mut mask = ((1u128 << (count * 8)) - 1) as u64;
        mask = mask.checked_shl(((8 - count) * 8) as u32).unwrap_or(0);
        mask >>= index * 8;
        self.mem.write(addr, 1, (mem & !mask) | (random & mask))?;
        self.memory_written(addr);
        Ok((count, 0))
    }
}
