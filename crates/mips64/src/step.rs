//! The reference step: one step exactly as the onchain step (`MIPS64.sol`) computes it (§6),
//! recording the memory proofs it reads when asked to. The decoder says what the instruction is,
//! [`alu`](crate::alu) computes results; syscalls are in `syscall.rs`.

use crate::alu::{self, select, update};
use crate::decode::{decode, Kind, Op, SINK};
use crate::error::{Trap, VmError};
use crate::thread::Thread;
use crate::vm::Vm;
use verdict_fpvm::Memory;
use verdict_mips64_consts::{reg, SCHED_QUANTUM};
use verdict_preimage::Oracle;

/// The 8-byte big-endian word at `addr` (8-aligned).
#[inline(always)]
pub(crate) fn read_word(memory: &Memory, addr: u64) -> u64 {
    memory.read_le(addr, 8).swap_bytes()
}

/// Writes the 8-byte big-endian word at `addr` (8-aligned).
#[inline(always)]
pub(crate) fn write_word(memory: &mut Memory, addr: u64, value: u64) {
    memory.write_le(addr, 8, value.swap_bytes())
}

/// What the scheduler does after an instruction.
pub(crate) enum After {
    /// Nothing: the thread goes on.
    Next,
    /// The thread yields: it is preempted.
    Yield,
    /// A new thread is pushed (clone): it runs next.
    Push(Box<Thread>),
}

/// Moves a thread to its next instruction.
#[inline(always)]
pub(crate) fn advance(t: &mut Thread) {
    t.pc = t.next_pc;
    t.next_pc = t.next_pc.wrapping_add(4);
}

/// Writes `value` to register `dst` unless it is the sink.
#[inline(always)]
fn set(t: &mut Thread, dst: u8, value: u64) {
    if dst != SINK {
        t.regs[dst as usize] = value;
    }
}

impl<O: Oracle> Vm<O> {
    /// Executes one step unless the program has exited. On error the state is unchanged.
    pub(crate) fn run_step(&mut self) -> Result<(), VmError> {
        let s = &mut self.state;
        if s.exited {
            // The post-state is the pre-state, but the contract still wants an active thread.
            return match s.current() {
                Some(_) => Ok(()),
                None => Err(VmError::trap(0, Trap::NoThreadLeft)),
            };
        }
        let Some(&thread) = s.current() else {
            return Err(VmError::trap(0, Trap::NoActiveThread));
        };
        if s.step == u64::MAX {
            return Err(VmError::StepCounterExhausted);
        }
        if thread.exited {
            if s.thread_count() == 1 {
                return Err(VmError::trap(thread.pc, Trap::NoThreadLeft));
            }
            s.step += 1;
            s.pop_thread();
            return Ok(());
        }
        if s.steps_since_switch >= SCHED_QUANTUM {
            s.step += 1;
            s.preempt();
            return Ok(());
        }
        s.step += 1;
        let mut t = thread;
        match self.execute(&mut t) {
            Err(e) => {
                self.state.step -= 1;
                Err(e)
            }
            Ok(after) => {
                let s = &mut self.state;
                s.steps_since_switch += 1;
                *s.current_mut().expect("the active thread is still there") = t;
                match after {
                    After::Next => {}
                    After::Yield => s.preempt(),
                    After::Push(new) => s.push_thread(*new),
                }
                Ok(())
            }
        }
    }

    /// Records the proof of the word at `addr` in memory proof slot `slot` (1 or 2), as Cannon's
    /// memory tracker does: slot 1 once per step (the first word it reads), slot 2 each time.
    #[inline(always)]
    pub(crate) fn track(&mut self, slot: usize, addr: u64) {
        if !self.proofs.recording {
            return;
        }
        if slot == 1 {
            if self.proofs.slot1.is_some() {
                return;
            }
            self.proofs.slot1 = Some(addr);
        }
        *self.proofs.slots[slot] = self.state.memory.merkle_proof(addr);
    }

    /// Reads the word at `addr` (8-aligned) through proof slot 1.
    #[inline(always)]
    pub(crate) fn load_word(&mut self, addr: u64) -> u64 {
        self.track(1, addr);
        read_word(&self.state.memory, addr)
    }

    /// Writes the word at `addr` (8-aligned), clearing a reservation of it.
    #[inline(always)]
    pub(crate) fn store_word(&mut self, addr: u64, value: u64) {
        write_word(&mut self.state.memory, addr, value);
        self.state.note_memory_write(addr);
    }

    /// Fetches and executes the instruction of thread `t`.
    fn execute(&mut self, t: &mut Thread) -> Result<After, VmError> {
        let pc = t.pc;
        if pc & 3 != 0 {
            return Err(VmError::trap(pc, Trap::UnalignedPc));
        }
        let word = read_word(&self.state.memory, pc & !7);
        let insn = select(pc, word, 4, false) as u32;
        let op = decode(insn);
        match op.kind {
            Kind::Syscall => self.syscall(t),
            Kind::Ll | Kind::Lld | Kind::Sc | Kind::Scd => {
                self.rmw(t, op);
                Ok(After::Next)
            }
            _ => self.core(t, op, insn).map(|()| After::Next),
        }
    }

    /// LL/SC (§7).
    fn rmw(&mut self, t: &mut Thread, op: Op) {
        let addr = t.regs[op.rs as usize].wrapping_add(op.imm64());
        let (status, len) = match op.kind {
            Kind::Ll | Kind::Sc => (1, 4),
            _ => (2, 8),
        };
        let value = match op.kind {
            Kind::Ll | Kind::Lld => {
                let word = self.load_word(addr & !7);
                let s = &mut self.state;
                s.ll_status = status;
                s.ll_address = addr;
                s.ll_owner = t.id;
                select(addr, word, len, true)
            }
            _ => {
                let s = &self.state;
                if s.ll_status == status && s.ll_owner == t.id && s.ll_address == addr {
                    let s = &mut self.state;
                    s.ll_status = 0;
                    s.ll_address = 0;
                    s.ll_owner = 0;
                    let word = self.load_word(addr & !7);
                    let new = update(addr, word, len, t.regs[op.rt as usize]);
                    self.store_word(addr & !7, new);
                    1
                } else {
                    0
                }
            }
        };
        set(t, op.dst, value);
        advance(t);
    }

    /// Every other instruction (§4.2-§4.5).
    fn core(&mut self, t: &mut Thread, op: Op, insn: u32) -> Result<(), VmError> {
        use Kind::*;
        let pc = t.pc;
        let a = t.regs[op.rs as usize];
        let b = t.regs[op.rt as usize];
        let imm = op.imm64();
        let sa = op.sa as u32;
        let value = match op.kind {
            J | Jal => {
                let target = (t.next_pc & 0xffff_ffff_f000_0000) | op.imm as u32 as u64;
                let link = if op.kind == Jal { reg::RA as u8 } else { SINK };
                return jump(t, target, link);
            }
            Jr => return jump(t, a, SINK),
            Jalr => return jump(t, a, op.dst),
            Beq | Bne | Blez | Bgtz | Bltz | Bgez | Bltzal | Bgezal | BranchNever => {
                return branch(t, op, a, b)
            }
            Movz | Movn => {
                if (b == 0) == (op.kind == Movz) {
                    set(t, op.dst, a);
                }
                advance(t);
                return Ok(());
            }
            Mfhi | Mthi | Mflo | Mtlo | Dsllv | Dsrlv | Dsrav | Mult | Multu | Div | Divu
            | Dmult | Dmultu | Ddiv | Ddivu => alu::hilo(op.kind, a, b, &mut t.hi, &mut t.lo)
                .ok_or(VmError::trap(pc, Trap::DivisionByZero))?,
            Sync => a,
            Sll => alu::sll(b, sa),
            Srl => alu::srl(b, sa),
            Sra => alu::sra(b, sa),
            Sllv => alu::sll(b, (a & 31) as u32),
            Srlv => alu::srl(b, (a & 31) as u32),
            Srav => alu::sra(b, (a & 31) as u32),
            Add => alu::add32(a, b),
            Sub => alu::sub32(a, b),
            And => a & b,
            Or => a | b,
            Xor => a ^ b,
            Nor => !(a | b),
            Slt => alu::slt(a, b),
            Sltu => alu::sltu(a, b),
            Dadd => a.wrapping_add(b),
            Dsub => a.wrapping_sub(b),
            Dsll => b << sa,
            Dsrl => b >> sa,
            Dsra => ((b as i64) >> sa) as u64,
            Dsll32 => b << (sa + 32),
            Dsrl32 => b >> (sa + 32),
            Dsra32 => ((b as i64) >> (sa + 32)) as u64,
            Addi => alu::add32(a, imm),
            Slti => alu::slt(a, imm),
            Sltiu => alu::sltu(a, imm),
            Andi => a & imm,
            Ori => a | imm,
            Xori => a ^ imm,
            Daddi => a.wrapping_add(imm),
            Lui => alu::lui(imm),
            Mul => alu::mul(a, b),
            Clz => alu::clz(a),
            Clo => alu::clo(a),
            Dclz => alu::dclz(a),
            Dclo => alu::dclo(a),
            Lb | Lh | Lw | Ld | Lbu | Lhu | Lwu | Lwl | Lwr | Ldl | Ldr => {
                let addr = a.wrapping_add(imm);
                let mem = self.load_word(addr & !7);
                alu::load_result(op.kind, addr, mem, b)
            }
            Sb | Sh | Sw | Sd | Swl | Swr | Sdl | Sdr => {
                let addr = a.wrapping_add(imm);
                let mem = self.load_word(addr & !7);
                let new = alu::store_result(op.kind, addr, mem, b);
                self.store_word(addr & !7, new);
                advance(t);
                return Ok(());
            }
            InvalidAfterLoad => {
                self.load_word(a.wrapping_add(imm) & !7);
                return Err(VmError::trap(pc, Trap::InvalidInstruction { insn }));
            }
            Invalid => return Err(VmError::trap(pc, Trap::InvalidInstruction { insn })),
            Syscall | Ll | Lld | Sc | Scd | Slow => unreachable!("handled before the core step"),
        };
        set(t, op.dst, value);
        advance(t);
        Ok(())
    }
}

/// A jump to `target`, linking `link` (unless the sink) to the instruction after the delay slot.
fn jump(t: &mut Thread, target: u64, link: u8) -> Result<(), VmError> {
    if t.next_pc != t.pc.wrapping_add(4) {
        return Err(VmError::trap(t.pc, Trap::JumpInDelaySlot));
    }
    set(t, link, t.pc.wrapping_add(8));
    t.pc = t.next_pc;
    t.next_pc = target;
    Ok(())
}

/// A conditional branch on `a` (and `b` for beq/bne).
fn branch(t: &mut Thread, op: Op, a: u64, b: u64) -> Result<(), VmError> {
    use Kind::*;
    if t.next_pc != t.pc.wrapping_add(4) {
        return Err(VmError::trap(t.pc, Trap::BranchInDelaySlot));
    }
    let s = a as i64;
    let taken = match op.kind {
        Beq => a == b,
        Bne => a != b,
        Blez => s <= 0,
        Bgtz => s > 0,
        Bltz | Bltzal => s < 0,
        Bgez | Bgezal => s >= 0,
        _ => false,
    };
    if matches!(op.kind, Bltzal | Bgezal) {
        t.regs[reg::RA] = t.pc.wrapping_add(8);
    }
    let pc = t.pc;
    t.pc = t.next_pc;
    t.next_pc = if taken {
        pc.wrapping_add(4).wrapping_add(op.imm64() << 2)
    } else {
        t.next_pc.wrapping_add(4)
    };
    Ok(())
}
