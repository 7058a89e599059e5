//! The reference step: one instruction exactly as the onchain step (`RISCV.sol`) executes it,
//! recording the memory proofs it reads when asked to. The decoder says what the instruction is;
//! [`alu`](crate::alu) computes register results; syscalls are in `syscall.rs`.

use crate::alu::{eval, sext32};
use crate::decode::{decode, Kind, Op, SINK};
use crate::error::{Trap, VmError};
use crate::vm::Vm;
use verdict_preimage::Oracle;

/// No right-hand proof slot: an access crossing a leaf here reverts.
const NO_RIGHT: usize = usize::MAX;

impl<O: Oracle> Vm<O> {
    /// Executes one instruction unless the program has exited; the step counter only moves when
    /// the instruction completes.
    pub(crate) fn run_step<const PROOF: bool>(&mut self) -> Result<(), VmError> {
        if self.state.exited {
            return Ok(());
        }
        if self.state.step == u64::MAX {
            return Err(VmError::StepCounterExhausted);
        }
        self.state.step += 1;
        let result = self.execute::<PROOF>();
        if result.is_err() {
            self.state.step -= 1;
        }
        result
    }

    /// Records the proof of the leaf at `addr` (32-aligned) in `slot`, as the onchain step reads it.
    #[inline(always)]
    pub(crate) fn track<const PROOF: bool>(&mut self, addr: u64, slot: usize) {
        if !PROOF {
            return;
        }
        if slot < self.proof_addrs.len() {
            // A slot read again must be the same leaf (the AMO store re-reads its load's left leaf).
            debug_assert_eq!(
                self.proof_addrs[slot], addr,
                "proof slot {slot} reused for another leaf"
            );
            return;
        }
        debug_assert_eq!(
            slot,
            self.proof_addrs.len(),
            "proof slots must be filled in order"
        );
        let proof = self.state.memory.merkle_proof(addr);
        self.proofs.push(proof);
        self.proof_addrs.push(addr);
    }

    /// Loads `size` bytes at `addr` (sign-extended if `signed`), proving the left leaf in slot
    /// `left` and a right leaf the access crosses into in slot `right`.
    #[inline(always)]
    pub(crate) fn load<const PROOF: bool>(
        &mut self,
        addr: u64,
        size: u64,
        signed: bool,
        left: usize,
        right: usize,
    ) -> u64 {
        if PROOF {
            self.track::<PROOF>(addr & !31, left);
            let last = addr.wrapping_add(size - 1) & !31;
            if last != addr & !31 {
                self.track::<PROOF>(last, right);
            }
        }
        let v = self.state.memory.read_le(addr, size as usize);
        if signed && size < 8 {
            let shift = 64 - 8 * size;
            (((v << shift) as i64) >> shift) as u64
        } else {
            v
        }
    }

    /// Stores the low `size` bytes (at most 16) of `value` at `addr`, proving the left leaf in `left`
    /// and, for an access crossing into the next leaf, the right leaf (after the left write) in `right`.
    #[inline(always)]
    pub(crate) fn store<const PROOF: bool>(
        &mut self,
        addr: u64,
        size: u64,
        value: u128,
        left: usize,
        right: usize,
    ) {
        let bytes = value.to_le_bytes();
        let left_addr = addr & !31;
        let right_addr = addr.wrapping_add(size - 1) & !31;
        if !PROOF {
            if size <= 8 {
                self.state
                    .memory
                    .write_le(addr, size as usize, value as u64);
            } else {
                self.state.memory.write(addr, &bytes[..size as usize]);
            }
            return;
        }
        self.track::<PROOF>(left_addr, left);
        if left_addr == right_addr {
            self.state.memory.write(addr, &bytes[..size as usize]);
            return;
        }
        let left_len = left_addr.wrapping_add(32).wrapping_sub(addr) as usize;
        self.state.memory.write(addr, &bytes[..left_len]);
        self.track::<PROOF>(right_addr, right);
        self.state
            .memory
            .write(right_addr, &bytes[left_len..size as usize]);
    }

    /// Writes `v` to register `rd` unless it is x0 ([`SINK`]).
    #[inline(always)]
    pub(crate) fn set_reg(&mut self, rd: u8, v: u64) {
        if rd != SINK {
            self.state.regs[rd as usize] = v;
        }
    }

    /// Moves to `target`, or traps if it is not 4-byte aligned.
    #[inline(always)]
    fn jump(&mut self, pc: u64, target: u64) -> Result<(), VmError> {
        if target & 3 != 0 {
            return Err(VmError::trap(pc, Trap::UnalignedJump { target }));
        }
        self.state.pc = target;
        Ok(())
    }

    #[inline(always)]
    fn execute<const PROOF: bool>(&mut self) -> Result<(), VmError> {
        let pc = self.state.pc;
        if pc & 31 > 28 {
            return Err(VmError::trap(pc, Trap::FetchCrossesLeaf));
        }
        let instr = self.load::<PROOF>(pc, 4, false, 0, NO_RIGHT) as u32;
        let op = decode(instr);
        let regs = &self.state.regs;
        let (a, b) = (regs[op.rs1 as usize], regs[op.rs2 as usize]);
        let imm = op.imm as i64 as u64;
        let next = pc.wrapping_add(4);
        use Kind::*;
        match op.kind {
            Lb | Lh | Lw | Ld | Lbu | Lhu | Lwu => {
                let (size, signed) = match op.kind {
                    Lb => (1, true),
                    Lh => (2, true),
                    Lw => (4, true),
                    Ld => (8, false),
                    Lbu => (1, false),
                    Lhu => (2, false),
                    _ => (4, false),
                };
                let v = self.load::<PROOF>(a.wrapping_add(imm), size, signed, 1, 2);
                self.set_reg(op.rd, v);
                self.state.pc = next;
            }
            Sb | Sh | Sw | Sd => {
                let size = match op.kind {
                    Sb => 1,
                    Sh => 2,
                    Sw => 4,
                    _ => 8,
                };
                self.store::<PROOF>(a.wrapping_add(imm), size, b as u128, 1, 2);
                self.state.pc = next;
            }
            Beq | Bne | Blt | Bge | Bltu | Bgeu | BranchNever => {
                let taken = match op.kind {
                    Beq => a == b,
                    Bne => a != b,
                    Blt => (a as i64) < (b as i64),
                    Bge => (a as i64) >= (b as i64),
                    Bltu => a < b,
                    Bgeu => a >= b,
                    _ => false,
                };
                // Taken or not, the new pc must be 4-byte aligned.
                self.jump(pc, if taken { pc.wrapping_add(imm) } else { next })?;
            }
            Jal => {
                self.jump(pc, pc.wrapping_add(imm))?;
                self.set_reg(op.rd, next);
            }
            Jalr => {
                self.jump(pc, a.wrapping_add(imm) & !1)?;
                self.set_reg(op.rd, next);
            }
            Nop => self.state.pc = next,
            Ecall => {
                self.syscall::<PROOF>(pc)?;
                self.state.pc = next; // exit included, as onchain
            }
            Atomic => self.atomic::<PROOF>(pc, op, a, b)?,
            Illegal => return Err(VmError::trap(pc, illegal_trap(op, instr))),
            Slow => unreachable!("the decoder never emits Slow"),
            kind => {
                let v = eval(kind, a, b, imm, pc).expect("every other kind is an ALU kind");
                self.set_reg(op.rd, v);
                self.state.pc = next;
            }
        }
        Ok(())
    }

    /// An LR, SC or AMO: the size must be 4 or 8 and the address aligned to it.
    #[inline(always)]
    fn atomic<const PROOF: bool>(
        &mut self,
        pc: u64,
        op: Op,
        addr: u64,
        rs2_value: u64,
    ) -> Result<(), VmError> {
        let (funct3, operation) = op.atomic_parts();
        let size = 1u64 << funct3;
        if !(4..=8).contains(&size) {
            return Err(VmError::trap(pc, Trap::BadAtomicSize { size }));
        }
        if !addr.is_multiple_of(size) {
            return Err(VmError::trap(pc, Trap::UnalignedAtomic { addr, size }));
        }
        match operation {
            0x2 => {
                let v = self.load::<PROOF>(addr, size, true, 1, 2);
                self.set_reg(op.rd, v);
                self.state.load_reservation = addr;
            }
            0x3 => {
                let mut result = 1;
                if addr == self.state.load_reservation {
                    self.store::<PROOF>(addr, size, rs2_value as u128, 1, 2);
                    result = 0;
                }
                self.set_reg(op.rd, result);
                self.state.load_reservation = 0;
            }
            _ => {
                let value = if size == 4 {
                    sext32(rs2_value)
                } else {
                    rs2_value
                };
                let old = self.load::<PROOF>(addr, size, true, 1, 2);
                let new = match operation {
                    0x00 => old.wrapping_add(value),
                    0x01 => value,
                    0x04 => old ^ value,
                    0x08 => old | value,
                    0x0c => old & value,
                    0x10 => (value as i64).min(old as i64) as u64,
                    0x14 => (value as i64).max(old as i64) as u64,
                    0x18 => value.min(old),
                    0x1c => value.max(old),
                    op => return Err(VmError::trap(pc, Trap::UnknownAtomicOp { op })),
                };
                // The right leaf is proven again (slot 3) because the left write changed the root.
                self.store::<PROOF>(addr, size, new as u128, 1, 3);
                self.set_reg(op.rd, old);
            }
        }
        self.state.pc = pc.wrapping_add(4);
        Ok(())
    }
}

/// The trap of an instruction the decoder found illegal, by its revert code.
fn illegal_trap(op: Op, instr: u32) -> Trap {
    use verdict_riscv_consts::revert;
    match op.revert_code() {
        revert::UNKNOWN_OPCODE => Trap::UnknownOpcode { instr },
        revert::STORE_EXCEEDS_8_BYTES => Trap::StoreTooLarge {
            size: 1 << ((instr >> 12) & 7),
        },
        _ => Trap::IllegalInstruction { instr },
    }
}
