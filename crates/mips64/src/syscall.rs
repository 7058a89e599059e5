//! Syscalls, as the onchain step handles them (§8): the scheduler's (clone, exit, futex, yield),
//! memory (mmap, brk), time and randomness, and the I/O of `io.rs`; a fixed list of no-ops; the
//! rest revert.

use crate::alu::{self, select};
use crate::error::{Trap, VmError};
use crate::step::{advance, After};
use crate::thread::Thread;
use crate::vm::Vm;
use verdict_mips64_consts::{
    errno, fd, has_working_getrandom, layout, reg, syscall as nr, EFD_NONBLOCK, FUTEX_WAIT_PRIVATE,
    FUTEX_WAKE_PRIVATE, HZ, SYSCALL_ERROR, VALID_CLONE_FLAGS,
};
use verdict_preimage::Oracle;

/// The result registers of a failed syscall.
fn fail(errno: u64) -> (u64, u64) {
    (errno, SYSCALL_ERROR)
}

/// Sets v0 and a3 and moves to the next instruction.
fn finish(t: &mut Thread, v0: u64, a3: u64) {
    t.regs[reg::V0] = v0;
    t.regs[reg::A3] = a3;
    advance(t);
}

impl<O: Oracle> Vm<O> {
    /// The syscall of thread `t`.
    pub(crate) fn syscall(&mut self, t: &mut Thread) -> Result<After, VmError> {
        let r = t.regs;
        let (number, a0, a1, a2) = (r[reg::V0], r[reg::A0], r[reg::A1], r[reg::A2]);
        let (v0, a3) = match number {
            nr::MMAP => self.mmap(a0, a1),
            nr::BRK => (layout::PROGRAM_BREAK, 0),
            nr::CLONE => return Ok(self.clone_thread(t, a0, a1)),
            nr::EXIT_GROUP => {
                self.state.exited = true;
                self.state.exit_code = a0 as u8;
                return Ok(After::Next);
            }
            nr::EXIT => {
                t.exited = true;
                t.exit_code = a0 as u8;
                if self.state.thread_count() == 1 {
                    self.state.exited = true;
                    self.state.exit_code = a0 as u8;
                }
                return Ok(After::Next);
            }
            nr::READ => match a0 {
                fd::STDIN => (0, 0),
                fd::PREIMAGE_READ => (self.read_preimage(t.pc, a1, a2)?, 0),
                fd::HINT_READ => (a2, 0),
                fd::EVENTFD => fail(errno::EAGAIN),
                _ => fail(errno::EBADF),
            },
            nr::WRITE => match a0 {
                fd::STDOUT | fd::STDERR => {
                    self.forward_output(a0, a1, a2);
                    (a2, 0)
                }
                fd::HINT_WRITE => {
                    self.write_hint(t.pc, a1, a2)?;
                    (a2, 0)
                }
                fd::PREIMAGE_WRITE => (self.write_preimage_key(a1, a2), 0),
                fd::EVENTFD => fail(errno::EAGAIN),
                _ => fail(errno::EBADF),
            },
            nr::FCNTL => match (a1, a0) {
                (1, 0..=6) => (0, 0),
                (3, 0 | 3 | 5) => (0, 0),
                (3, 1 | 2 | 4 | 6) => (1, 0),
                (1 | 3, _) => fail(errno::EBADF),
                _ => fail(errno::EINVAL),
            },
            nr::GETTID => (t.id, 0),
            nr::FUTEX => match a1 {
                FUTEX_WAIT_PRIVATE => {
                    let addr = a0 & !3;
                    let word = self.load_word(addr & !7);
                    if select(addr, word, 4, false) as u32 != a2 as u32 {
                        fail(errno::EAGAIN)
                    } else {
                        finish(t, 0, 0);
                        return Ok(After::Yield);
                    }
                }
                FUTEX_WAKE_PRIVATE => {
                    finish(t, 0, 0);
                    return Ok(After::Yield);
                }
                _ => fail(errno::EINVAL),
            },
            nr::SCHED_YIELD | nr::NANOSLEEP => {
                finish(t, 0, 0);
                return Ok(After::Yield);
            }
            nr::OPEN => fail(errno::EBADF),
            nr::CLOCK_GETTIME => self.clock_gettime(a0, a1),
            nr::GETPID => (0, 0),
            nr::GETRANDOM if has_working_getrandom(self.state.version) => self.getrandom(a0, a1),
            nr::GETRANDOM => (0, 0),
            nr::EVENTFD2 if a1 & EFD_NONBLOCK == 0 => fail(errno::EINVAL),
            nr::EVENTFD2 => (fd::EVENTFD, 0),
            n if nr::NOOPS.contains(&n) => (0, 0),
            number => return Err(VmError::trap(t.pc, Trap::UnimplementedSyscall { number })),
        };
        finish(t, v0, a3);
        Ok(After::Next)
    }

    /// Anonymous mmaps bump the heap; a hint is taken as the address.
    fn mmap(&mut self, addr: u64, len: u64) -> (u64, u64) {
        let mut size = len;
        if size & 4095 != 0 {
            size = size.wrapping_add(4096 - (size & 4095));
        }
        if addr != 0 {
            return (addr, 0);
        }
        let heap = self.state.heap;
        let new_heap = heap.wrapping_add(size);
        if new_heap > layout::HEAP_END || new_heap < heap || size < len {
            return fail(errno::EINVAL);
        }
        self.state.heap = new_heap;
        (heap, 0)
    }

    /// A new thread continuing after the syscall with its own stack; bad flags exit the VM.
    fn clone_thread(&mut self, t: &mut Thread, flags: u64, stack: u64) -> After {
        if flags != VALID_CLONE_FLAGS {
            self.state.exited = true;
            self.state.exit_code = 2;
            return After::Next;
        }
        let id = self.state.next_thread_id;
        let mut child = *t;
        child.id = id;
        child.exit_code = 0;
        child.exited = false;
        child.pc = t.next_pc;
        child.next_pc = t.next_pc.wrapping_add(4);
        child.regs[reg::SP] = stack;
        child.regs[reg::V0] = 0;
        child.regs[reg::A3] = 0;
        self.state.next_thread_id = id.wrapping_add(1);
        finish(t, id, 0);
        After::Push(Box::new(child))
    }

    /// Seconds and nanoseconds of the clock at `addr & ~7` and the next word.
    fn clock_gettime(&mut self, clock: u64, addr: u64) -> (u64, u64) {
        if clock > 1 {
            return fail(errno::EINVAL);
        }
        let (secs, nsecs) = if clock == 1 {
            let step = self.state.step;
            (step / HZ, (step % HZ) * (1_000_000_000 / HZ))
        } else {
            (0, 0)
        };
        let first = addr & !7;
        self.track(1, first);
        self.store_word(first, secs);
        let second = first.wrapping_add(8);
        self.track(2, second);
        self.store_word(second, nsecs);
        (0, 0)
    }

    /// Pseudorandom bytes (splitmix64 of the step) into the word at `addr`, up to its end.
    fn getrandom(&mut self, addr: u64, len: u64) -> (u64, u64) {
        let word_addr = addr & !7;
        let word = self.load_word(word_addr);
        let random = alu::splitmix64(self.state.step);
        let index = addr & 7;
        let n = len.min(8 - index);
        let mask = alu::byte_mask(index, n);
        self.store_word(word_addr, (word & !mask) | (random & mask));
        (n, 0)
    }
}
