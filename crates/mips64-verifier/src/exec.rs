//! One step, following `MIPS64.sol`'s control flow (§6, §4, §7): the scheduler's checks, the
//! instruction fetch, then the syscall, LL/SC or core path; the core path tests opcodes and
//! function fields as the contract does, rewriting immediate instructions to SPECIAL functions.

use crate::error::{Detail, StepError};
use crate::memory::Slots;
use crate::state::State;
use crate::thread::{push, Thread};
use crate::{OnchainOracle, StepContext, StepReport};
use verdict_mips64_consts::{
    Revert, EMPTY_THREAD_ROOT, SCHED_QUANTUM, THREAD_SIZE, THREAD_WITNESS_SIZE, WITNESS_SIZE,
};

/// `dat`'s low `idx` bits, sign-extended (the contract's `signExtend(dat, idx)`).
pub(crate) fn sign_extend(dat: u64, idx: u32) -> u64 {
    let negative = (dat >> (idx - 1)) & 1 == 1;
    let mask = if idx >= 64 {
        u64::MAX
    } else {
        (1u64 << idx) - 1
    };
    if negative {
        dat | !mask
    } else {
        dat & mask
    }
}

/// The sign-extended 16-bit immediate.
pub(crate) fn simm(insn: u32) -> u64 {
    sign_extend(u64::from(insn & 0xffff), 16)
}

/// The contract's `calculateSubWordMaskAndOffset`: (data mask, bit offset, bit length).
fn subword(vaddr: u64, len: u64) -> (u64, u64, u32) {
    let bits = len << 3;
    let mask = u64::MAX >> (64 - bits);
    let index = vaddr & 7 & !(len - 1);
    let offset = (8 - len - index) << 3;
    (mask, offset, bits as u32)
}

/// `selectSubWord`.
pub(crate) fn select_subword(vaddr: u64, word: u64, len: u64, signed: bool) -> u64 {
    let (mask, offset, bits) = subword(vaddr, len);
    let v = (word >> offset) & mask;
    if signed {
        sign_extend(v, bits)
    } else {
        v
    }
}

/// `updateSubWord`.
pub(crate) fn update_subword(vaddr: u64, word: u64, len: u64, value: u64) -> u64 {
    let (mask, offset, _) = subword(vaddr, len);
    ((value & mask) << offset) | (!(mask << offset) & word)
}

/// A step in progress.
pub(crate) struct Step<'a, O: OnchainOracle + ?Sized> {
    pub st: State,
    pub t: Thread,
    /// The root of the active stack without the active thread.
    pub inner: [u8; 32],
    pub mem: Slots<'a>,
    pub ctx: &'a StepContext,
    pub oracle: &'a O,
    pub version: u8,
    pub preimage_read: Option<([u8; 32], u64)>,
}

fn revert(reason: Revert, detail: Detail) -> StepError {
    StepError::reverts(reason, detail)
}

impl<'a, O: OnchainOracle + ?Sized> Step<'a, O> {
    /// Runs the step of `witness` with `proof`.
    pub fn run(
        witness: &[u8; WITNESS_SIZE],
        proof: &'a [u8],
        ctx: &'a StepContext,
        oracle: &'a O,
        version: u8,
    ) -> Result<StepReport, StepError> {
        let mut st = State::decode(witness);
        if st.exited > 1 {
            return Err(revert(Revert::InvalidExitedValue, Detail::None));
        }
        if st.exited == 1 {
            if st.active_root() == EMPTY_THREAD_ROOT {
                return Err(revert(Revert::PostStateStackEmpty, Detail::None));
            }
            return Ok(StepReport {
                post: *witness,
                slots_read: [false; 3],
                preimage_read: None,
            });
        }
        if st.active_root() == EMPTY_THREAD_ROOT {
            return Err(revert(Revert::ActiveStackEmpty, Detail::None));
        }
        st.step = st.step.wrapping_add(1);
        let thread_bytes: &[u8; THREAD_SIZE] = proof
            .get(..THREAD_SIZE)
            .and_then(|b| b.try_into().ok())
            .ok_or(revert(Revert::ThreadWitnessMissing, Detail::None))?;
        let t = Thread::decode(thread_bytes);
        let inner: [u8; 32] = proof
            .get(THREAD_SIZE..THREAD_WITNESS_SIZE)
            .and_then(|b| b.try_into().ok())
            .ok_or(revert(Revert::ThreadWitnessMissing, Detail::None))?;
        if push(&inner, &t) != st.active_root() {
            return Err(revert(Revert::InvalidThreadWitness, Detail::None));
        }
        let root = st.mem_root;
        let mut step = Step {
            st,
            t,
            inner,
            mem: Slots::new(proof, root),
            ctx,
            oracle,
            version,
            preimage_read: None,
        };
        step.body()?;
        step.st.mem_root = step.mem.root;
        if step.st.active_root() == EMPTY_THREAD_ROOT {
            return Err(revert(Revert::PostStateStackEmpty, Detail::None));
        }
        Ok(StepReport {
            post: step.st.encode(),
            slots_read: step.mem.read,
            preimage_read: step.preimage_read,
        })
    }

    fn body(&mut self) -> Result<(), StepError> {
        if self.t.exited != 0 {
            self.pop_thread();
            return Ok(());
        }
        if self.st.steps_since_switch >= SCHED_QUANTUM {
            self.preempt();
            return Ok(());
        }
        self.st.steps_since_switch = self.st.steps_since_switch.wrapping_add(1);
        let pc = self.t.pc;
        if pc & 3 != 0 {
            return Err(revert(Revert::InvalidPc, Detail::Pc(pc)));
        }
        let word = self.mem.read(pc & !7, 0)?;
        let insn = select_subword(pc, word, 4, false) as u32;
        let opcode = insn >> 26;
        let fun = insn & 0x3f;
        if opcode == 0 && fun == 0xc {
            return self.syscall();
        }
        if matches!(opcode, 0x30 | 0x38 | 0x34 | 0x3c) {
            return self.rmw(insn, opcode);
        }
        self.core(insn, opcode, fun)
    }

    /// Re-hashes the active thread into its stack (`updateCurrentThreadRoot`).
    pub fn update_current(&mut self) {
        let root = push(&self.inner, &self.t);
        self.st.set_active_root(root);
    }

    /// Removes the active thread (`popThread`).
    fn pop_thread(&mut self) {
        self.st.set_active_root(self.inner);
        if self.st.active_root() == EMPTY_THREAD_ROOT {
            self.st.flip();
        }
        self.st.steps_since_switch = 0;
    }

    /// Moves the active thread, as it is now, to the other stack (`preemptThread`).
    pub fn preempt(&mut self) {
        let other = push(&self.st.inactive_root(), &self.t);
        self.st.set_active_root(self.inner);
        self.st.set_inactive_root(other);
        if self.st.active_root() == EMPTY_THREAD_ROOT {
            self.st.flip();
        }
        self.st.steps_since_switch = 0;
    }

    /// Pushes a new thread onto the active stack (`pushThread`).
    pub fn push_thread(&mut self, thread: &Thread) {
        let root = push(&self.st.active_root(), thread);
        self.st.set_active_root(root);
        self.st.steps_since_switch = 0;
    }

    /// Clears the reservation if `addr` is the word of `llAddress` (`handleMemoryUpdate`).
    pub fn memory_written(&mut self, addr: u64) {
        if addr == self.st.ll_address & !7 {
            self.clear_reservation();
        }
    }

    fn clear_reservation(&mut self) {
        self.st.ll_status = 0;
        self.st.ll_address = 0;
        self.st.ll_owner = 0;
    }

    /// `handleRd`: writes `reg` (never r0) if `cond`, then moves on.
    pub fn handle_rd(&mut self, reg: u32, value: u64, cond: bool) {
        if reg != 0 && cond {
            self.t.regs[reg as usize] = value;
        }
        self.t.pc = self.t.next_pc;
        self.t.next_pc = self.t.next_pc.wrapping_add(4);
    }

    fn handle_jump(&mut self, link: u32, dest: u64) -> Result<(), StepError> {
        if self.t.next_pc != self.t.pc.wrapping_add(4) {
            return Err(revert(Revert::JumpInDelaySlot, Detail::Pc(self.t.pc)));
        }
        let prev = self.t.pc;
        self.t.pc = self.t.next_pc;
        self.t.next_pc = dest;
        if link != 0 {
            self.t.regs[link as usize] = prev.wrapping_add(8);
        }
        Ok(())
    }

    fn handle_branch(
        &mut self,
        opcode: u32,
        insn: u32,
        rt_reg: u32,
        rs: u64,
    ) -> Result<(), StepError> {
        if self.t.next_pc != self.t.pc.wrapping_add(4) {
            return Err(revert(Revert::BranchInDelaySlot, Detail::Pc(self.t.pc)));
        }
        let signed = rs as i64;
        let mut taken = false;
        match opcode {
            4 | 5 => {
                let rt = self.t.regs[rt_reg as usize];
                taken = (rs == rt) == (opcode == 4);
            }
            6 => taken = signed <= 0,
            7 => taken = signed > 0,
            _ => {
                let rtv = (insn >> 16) & 0x1f;
                if rtv == 0 || rtv == 0x10 {
                    taken = signed < 0;
                }
                if rtv == 1 || rtv == 0x11 {
                    taken = signed >= 0;
                }
                if rtv == 0x10 || rtv == 0x11 {
                    self.t.regs[31] = self.t.pc.wrapping_add(8);
                }
            }
        }
        let prev = self.t.pc;
        self.t.pc = self.t.next_pc;
        self.t.next_pc = if taken {
            prev.wrapping_add(4).wrapping_add(simm(insn) << 2)
        } else {
            self.t.next_pc.wrapping_add(4)
        };
        Ok(())
    }

    /// `handleRMWOps`: LL/LLD and SC/SCD (§7).
    fn rmw(&mut self, insn: u32, opcode: u32) -> Result<(), StepError> {
        let base = self.t.regs[((insn >> 21) & 0x1f) as usize];
        let rt_reg = (insn >> 16) & 0x1f;
        let addr = base.wrapping_add(simm(insn));
        let (target, len) = if opcode == 0x34 || opcode == 0x3c {
            (2, 8)
        } else {
            (1, 4)
        };
        let ret = if opcode == 0x30 || opcode == 0x34 {
            let word = self.mem.read(addr & !7, 1)?;
            self.st.ll_status = target;
            self.st.ll_address = addr;
            self.st.ll_owner = self.t.id;
            select_subword(addr, word, len, true)
        } else if self.st.ll_status == target
            && self.st.ll_owner == self.t.id
            && self.st.ll_address == addr
        {
            self.clear_reservation();
            let word = self.mem.read(addr & !7, 1)?;
            let value = self.t.regs[rt_reg as usize];
            self.mem
                .write(addr & !7, 1, update_subword(addr, word, len, value))?;
            1
        } else {
            0
        };
        self.handle_rd(rt_reg, ret, true);
        self.update_current();
        Ok(())
    }

    /// `execMipsCoreStepLogic`.
    fn core(&mut self, insn: u32, opcode: u32, fun: u32) -> Result<(), StepError> {
        if opcode == 2 || opcode == 3 {
            let target = (self.t.next_pc & sign_extend(0xf000_0000, 32))
                | u64::from((insn & 0x03ff_ffff) << 2);
            self.handle_jump(if opcode == 2 { 0 } else { 31 }, target)?;
            self.update_current();
            return Ok(());
        }
        let rt_reg = (insn >> 16) & 0x1f;
        let mut rs = self.t.regs[((insn >> 21) & 0x1f) as usize];
        let mut rt = 0u64;
        let mut rd_reg = rt_reg;
        if opcode == 0x27 || opcode == 0x1a || opcode == 0x1b {
            rt = self.t.regs[rt_reg as usize];
        } else if opcode == 0 || opcode == 0x1c {
            rt = self.t.regs[rt_reg as usize];
            rd_reg = (insn >> 11) & 0x1f;
        } else if opcode < 0x20 {
            rt = if opcode == 0xc || opcode == 0xd || opcode == 0xe {
                u64::from(insn & 0xffff)
            } else {
                simm(insn)
            };
        } else if opcode >= 0x28 || opcode == 0x22 || opcode == 0x26 {
            rt = self.t.regs[rt_reg as usize];
        }
        if (4..8).contains(&opcode) || opcode == 1 {
            self.handle_branch(opcode, insn, rt_reg, rs)?;
            self.update_current();
            return Ok(());
        }
        let mut store_addr = u64::MAX;
        let mut mem = 0u64;
        if opcode >= 0x20 || opcode == 0x1a || opcode == 0x1b {
            rs = rs.wrapping_add(simm(insn));
            let addr = rs & !7;
            mem = self.mem.read(addr, 1)?;
            if opcode >= 0x28 && opcode != 0x37 {
                store_addr = addr;
                rd_reg = 0;
            }
        }
        let value = crate::exec::alu(insn, opcode, fun, rs, rt, mem)?;
        if opcode == 0 && (8..0x20).contains(&fun) {
            if fun == 8 || fun == 9 {
                self.handle_jump(if fun == 8 { 0 } else { rd_reg }, rs)?;
                self.update_current();
                return Ok(());
            }
            if fun == 0xa || fun == 0xb {
                self.handle_rd(rd_reg, rs, (rt == 0) == (fun == 0xa));
                self.update_current();
                return Ok(());
            }
            if fun >= 0x10 {
                self.hilo(fun, rs, rt, rd_reg)?;
                self.update_current();
                return Ok(());
            }
        }
        if store_addr != u64::MAX {
            self.mem.write(store_addr, 1, value)?;
        }
        self.handle_rd(rd_reg, value, true);
        self.update_current();
        if store_addr != u64::MAX {
            self.memory_written(store_addr);
        }
        Ok(())
    }

    /// `handleHiLo`.
    fn hilo(&mut self, fun: u32, rs: u64, rt: u64, store: u32) -> Result<(), StepError> {
        let t = &mut self.t;
        let zero = || revert(Revert::DivisionByZero, Detail::Pc(t.pc));
        let mut val = 0u64;
        match fun {
            0x10 => val = t.hi,
            0x11 => t.hi = rs,
            0x12 => val = t.lo,
            0x13 => t.lo = rs,
            0x18 => {
                let acc = (i64::from(rs as u32 as i32) * i64::from(rt as u32 as i32)) as u64;
                t.hi = sign_extend(acc >> 32, 32);
                t.lo = sign_extend(u64::from(acc as u32), 32);
            }
            0x19 => {
                let acc = u64::from(rs as u32) * u64::from(rt as u32);
                t.hi = sign_extend(acc >> 32, 32);
                t.lo = sign_extend(u64::from(acc as u32), 32);
            }
            0x1a => {
                if rt as u32 == 0 {
                    return Err(zero());
                }
                let (a, b) = (rs as u32 as i32, rt as u32 as i32);
                t.hi = sign_extend(u64::from(a.wrapping_rem(b) as u32), 32);
                t.lo = sign_extend(u64::from(a.wrapping_div(b) as u32), 32);
            }
            0x1b => {
                if rt as u32 == 0 {
                    return Err(zero());
                }
                t.hi = sign_extend(u64::from(rs as u32 % rt as u32), 32);
                t.lo = sign_extend(u64::from(rs as u32 / rt as u32), 32);
            }
            0x14 => val = rt << (rs & 0x3f),
            0x16 => val = rt >> (rs & 0x3f),
            0x17 => val = ((rt as i64) >> (rs & 0x3f)) as u64,
            0x1c => {
                let res = i128::from(rs as i64) * i128::from(rt as i64);
                t.hi = ((res >> 64) as i64) as u64;
                t.lo = res as u128 as u64;
            }
            0x1d => {
                let res = u128::from(rs) * u128::from(rt);
                t.hi = (res >> 64) as u64;
                t.lo = res as u64;
            }
            0x1e => {
                if rt == 0 {
                    return Err(zero());
                }
                t.hi = (rs as i64).wrapping_rem(rt as i64) as u64;
                t.lo = (rs as i64).wrapping_div(rt as i64) as u64;
            }
            0x1f => {
                if rt == 0 {
                    return Err(zero());
                }
                t.hi = rs % rt;
                t.lo = rs / rt;
            }
            _ => {}
        }
        if store != 0 {
            t.regs[store as usize] = val;
        }
        t.pc = t.next_pc;
        t.next_pc = t.next_pc.wrapping_add(4);
        Ok(())
    }
}

/// `executeMipsInstruction`: the ALU, immediate instructions rewritten to SPECIAL functions.
pub(crate) fn alu(
    insn: u32,
    opcode: u32,
    fun: u32,
    rs: u64,
    rt: u64,
    mem: u64,
) -> Result<u64, StepError> {
    let invalid = || revert(Revert::InvalidInstruction, Detail::Instruction(insn));
    const U32: u64 = 0xffff_ffff;
    if opcode == 0 || (8..0xf).contains(&opcode) || opcode == 0x18 || opcode == 0x19 {
        let fun = match opcode {
            0x8 => 0x20,
            0x9 => 0x21,
            0xa => 0x2a,
            0xb => 0x2b,
            0xc => 0x24,
            0xd => 0x25,
            0xe => 0x26,
            0x18 => 0x2c,
            0x19 => 0x2d,
            _ => fun,
        };
        let sa = (insn >> 6) & 0x1f;
        return Ok(match fun {
            0x00 => sign_extend((rt << sa) & U32, 32),
            0x02 => sign_extend((rt & U32) >> sa, 32),
            0x03 => sign_extend((rt & U32) >> sa, 32 - sa),
            0x04 => sign_extend((rt << (rs & 0x1f)) & U32, 32),
            0x06 => sign_extend((rt & U32) >> (rs & 0x1f), 32),
            0x07 => {
                let s = (rs & 0x1f) as u32;
                sign_extend((rt & U32) >> s, 32 - s)
            }
            0x08..=0x0c | 0x0f..=0x13 | 0x18..=0x1f => rs,
            0x14 | 0x16 | 0x17 => rt,
            0x20 | 0x21 => sign_extend(u64::from((rs as u32).wrapping_add(rt as u32)), 32),
            0x22 | 0x23 => sign_extend(u64::from((rs as u32).wrapping_sub(rt as u32)), 32),
            0x24 => rs & rt,
            0x25 => rs | rt,
            0x26 => rs ^ rt,
            0x27 => !(rs | rt),
            0x2a => u64::from((rs as i64) < (rt as i64)),
            0x2b => u64::from(rs < rt),
            0x2c | 0x2d => rs.wrapping_add(rt),
            0x2e | 0x2f => rs.wrapping_sub(rt),
            0x38 => rt << sa,
            0x3a => rt >> sa,
            0x3b => ((rt as i64) >> sa) as u64,
            0x3c => rt << (sa + 32),
            0x3e => rt >> (sa + 32),
            0x3f => ((rt as i64) >> (sa + 32)) as u64,
            _ => return Err(invalid()),
        });
    }
    Ok(match opcode {
        0x1c => match fun {
            0x02 => sign_extend(
                u64::from((rs as u32 as i32).wrapping_mul(rt as u32 as i32) as u32),
                32,
            ),
            0x20 | 0x21 => {
                let mut v = if fun == 0x20 { !rs } else { rs };
                let mut i = 0;
                while v & 0x8000_0000 != 0 {
                    i += 1;
                    v <<= 1;
                }
                i
            }
            0x24 | 0x25 => {
                let mut v = if fun == 0x24 { !rs } else { rs };
                let mut i = 0;
                while v & 0x8000_0000_0000_0000 != 0 {
                    i += 1;
                    v <<= 1;
                }
                i
            }
            _ => return Err(invalid()),
        },
        0x0f => sign_extend(rt << 16, 32),
        0x20 => select_subword(rs, mem, 1, true),
        0x21 => select_subword(rs, mem, 2, true),
        0x22 => {
            let w = select_subword(rs, mem, 4, false) as u32;
            let k = ((rs & 3) * 8) as u32;
            let val = u64::from(w << k);
            let mask = u64::from(0xffff_ffffu32 << k);
            sign_extend(((rt & !mask) | val) & U32, 32)
        }
        0x23 => select_subword(rs, mem, 4, true),
        0x24 => select_subword(rs, mem, 1, false),
        0x25 => select_subword(rs, mem, 2, false),
        0x26 => {
            let w = select_subword(rs, mem, 4, false) as u32;
            let k = (24 - (rs & 3) * 8) as u32;
            let res = ((rt as u32) & !(0xffff_ffffu32 >> k)) | (w >> k);
            if rs & 3 == 3 {
                sign_extend(u64::from(res), 32)
            } else {
                (rt & 0xffff_ffff_0000_0000) | u64::from(res)
            }
        }
        0x28 => update_subword(rs, mem, 1, rt),
        0x29 => update_subword(rs, mem, 2, rt),
        0x2a => {
            let sr = (rs & 3) << 3;
            let s = 32 - ((rs & 4) << 3);
            let val = ((rt & U32) >> sr) << s;
            let mask = (U32 >> sr) << s;
            (mem & !mask) | val
        }
        0x2b => update_subword(rs, mem, 4, rt),
        0x2e => {
            let w = select_subword(rs, mem, 4, false);
            let k = 24 - (rs & 3) * 8;
            let val = (rt << k) & U32;
            let mask = (U32 << k) & U32;
            update_subword(rs, mem, 4, (w & !mask) | val)
        }
        0x1a => {
            let sl = (rs & 7) << 3;
            (mem << sl) | (rt & !(u64::MAX << sl))
        }
        0x1b => {
            let sr = 56 - ((rs & 7) << 3);
            let mask = if sr == 0 { 0 } else { u64::MAX << (64 - sr) };
            (mem >> sr) | (rt & mask)
        }
        0x27 => (mem >> (32 - ((rs & 4) << 3))) & U32,
        0x2c => {
            let sr = (rs & 7) << 3;
            (rt >> sr) | (mem & !(u64::MAX >> sr))
        }
        0x2d => {
            let sl = 56 - ((rs & 7) << 3);
            (rt << sl) | (mem & !(u64::MAX << sl))
        }
        0x37 => mem,
        0x3f => rt,
        _ => return Err(invalid()),
    })
}
