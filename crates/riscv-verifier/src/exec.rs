//! Execution of one instruction, with the reference's exact (quirky) semantics.

use crate::memory::ProvenMemory;
use crate::state::State;
use crate::StepError;
use verdict_preimage::onchain::{is_local, localize_key, OnchainOracle, StepContext};

/// Sign-extends `v` from bit `bit` (0..=63): the bits above are filled with bit `bit`.
pub(crate) fn sign_extend(v: u64, bit: u32) -> u64 {
    let shift = 63 - bit.min(63);
    (((v << shift) as i64) >> shift) as u64
}

/// Sign-extends the low 32 bits.
fn sext32(v: u64) -> u64 {
    v as u32 as i32 as i64 as u64
}

/// Memory-proof slots used by the step.
mod slot {
    /// Instruction fetch.
    pub const FETCH: u8 = 0;
    /// Data access (load, store, syscall buffer), left leaf.
    pub const DATA: u8 = 1;
    /// Right leaf of a data access that crosses a 32-byte boundary.
    pub const DATA_RIGHT: u8 = 2;
    /// Right leaf of an AMO store, re-proven after the left leaf was written.
    pub const AMO_RIGHT: u8 = 3;
}

use verdict_riscv_consts::errno::{EACCES, EBADFD as EBADF, EINVAL};
use verdict_riscv_consts::{fd, syscall as sys};

const MAP_ANONYMOUS: u64 = 0x20;

/// Register numbers of the syscall ABI.
const A0: u32 = 10;
const A1: u32 = 11;
const A2: u32 = 12;
const A3: u32 = 13;
const A4: u32 = 14;
const A7: u32 = 17;

/// Fields of an instruction, decoded the way the reference does.
#[derive(Clone, Copy)]
struct Instr {
    raw: u32,
    opcode: u32,
    rd: u32,
    funct3: u32,
    rs1: u32,
    rs2: u32,
    /// All bits above bit 25 (`instr >> 25`).
    funct7: u32,
}

impl Instr {
    fn decode(raw: u32) -> Self {
        Instr {
            raw,
            opcode: raw & 0x7f,
            rd: (raw >> 7) & 0x1f,
            funct3: (raw >> 12) & 7,
            rs1: (raw >> 15) & 0x1f,
            rs2: (raw >> 20) & 0x1f,
            funct7: raw >> 25,
        }
    }

    fn imm_i(self) -> u64 {
        sign_extend(u64::from(self.raw >> 20), 11)
    }

    fn imm_s(self) -> u64 {
        sign_extend(
            u64::from(((self.raw >> 25) << 5) | ((self.raw >> 7) & 0x1f)),
            11,
        )
    }

    fn imm_b(self) -> u64 {
        let r = self.raw;
        let v = (((r >> 8) & 0xf) << 1)
            | (((r >> 25) & 0x3f) << 5)
            | (((r >> 7) & 1) << 11)
            | ((r >> 31) << 12);
        sign_extend(u64::from(v), 12)
    }

    /// The U immediate already shifted into place (bits 31..12), sign-extended.
    fn imm_u(self) -> u64 {
        sign_extend(u64::from(self.raw & 0xffff_f000), 31)
    }

    /// The J immediate as a byte offset, sign-extended.
    fn imm_j(self) -> u64 {
        let r = self.raw;
        let v = (((r >> 21) & 0x3ff) << 1)
            | (((r >> 20) & 1) << 11)
            | (((r >> 12) & 0xff) << 12)
            | ((r >> 31) << 20);
        sign_extend(u64::from(v), 20)
    }
}

/// The machine during one step.
pub(crate) struct Step<'a, O: OnchainOracle + ?Sized> {
    pub st: State,
    pub mem: ProvenMemory<'a>,
    ctx: &'a StepContext,
    oracle: &'a O,
    /// The preimage key (as the state holds it, not localized) and offset read, if any.
    pub preimage_read: Option<([u8; 32], u64)>,
}

impl<'a, O: OnchainOracle + ?Sized> Step<'a, O> {
    pub fn new(st: State, proof: &'a [u8], ctx: &'a StepContext, oracle: &'a O) -> Self {
        let mem = ProvenMemory::new(proof, st.mem_root);
        Step {
            st,
            mem,
            ctx,
            oracle,
            preimage_read: None,
        }
    }

    /// How many proof bytes the step read.
    pub fn proof_bytes_used(&self) -> usize {
        self.mem.proof_bytes_used()
    }

    /// The post-state (memory root included).
    pub fn into_state(self) -> State {
        let mut st = self.st;
        st.mem_root = self.mem.root;
        st
    }

    fn reg(&self, r: u32) -> u64 {
        self.st.regs[(r & 31) as usize]
    }

    fn set_reg(&mut self, r: u32, v: u64) {
        if r != 0 {
            self.st.regs[(r & 31) as usize] = v;
        }
    }

    /// Executes the step (a no-op on an exited state).
    pub fn run(&mut self) -> Result<(), StepError> {
        if self.st.exited != 0 {
            return Ok(());
        }
        // The onchain step adds modulo 2^64 (`add64`); the verifier models it exactly. The VM
        // refuses that step instead (no game reaches it).
        self.st.step = self.st.step.wrapping_add(1);
        let pc = self.st.pc;
        let raw = self.mem.load(pc, 4, false, slot::FETCH, None)? as u32;
        let i = Instr::decode(raw);
        let next = pc.wrapping_add(4);
        match i.opcode {
            0x03 => self.exec_load(i, pc)?,
            0x23 => self.exec_store(i)?,
            0x63 => {
                // Taken or not, the new pc must be 4-byte aligned.
                let target = if self.branch_taken(i) {
                    pc.wrapping_add(i.imm_b())
                } else {
                    next
                };
                return self.jump(pc, target);
            }
            0x13 => {
                let v = self
                    .op_imm(i)
                    .ok_or(StepError::IllegalInstruction { pc, instr: raw })?;
                self.set_reg(i.rd, v);
            }
            0x1b => {
                let v = self
                    .op_imm_32(i)
                    .ok_or(StepError::IllegalInstruction { pc, instr: raw })?;
                self.set_reg(i.rd, v);
            }
            0x33 => {
                let v = self
                    .op(i)
                    .ok_or(StepError::IllegalInstruction { pc, instr: raw })?;
                self.set_reg(i.rd, v);
            }
            0x3b => {
                let v = self
                    .op_32(i)
                    .ok_or(StepError::IllegalInstruction { pc, instr: raw })?;
                self.set_reg(i.rd, v);
            }
            0x37 => self.set_reg(i.rd, i.imm_u()),
            0x17 => self.set_reg(i.rd, pc.wrapping_add(i.imm_u())),
            0x6f => {
                self.set_reg(i.rd, next);
                return self.jump(pc, pc.wrapping_add(i.imm_j()));
            }
            0x67 => {
                let target = self.reg(i.rs1).wrapping_add(i.imm_i()) & !1;
                self.set_reg(i.rd, next);
                return self.jump(pc, target);
            }
            0x73 => self.exec_system(i, pc)?,
            0x2f => self.exec_amo(i, pc)?,
            // FENCE, and the F/D loads, stores and arithmetic: no-ops.
            0x0f | 0x07 | 0x27 | 0x53 => {}
            _ => return Err(StepError::UnknownOpcode { pc, instr: raw }),
        }
        self.st.pc = next;
        Ok(())
    }

    fn jump(&mut self, pc: u64, target: u64) -> Result<(), StepError> {
        if target & 3 != 0 {
            return Err(StepError::MisalignedJump { pc, target });
        }
        self.st.pc = target;
        Ok(())
    }

    fn exec_load(&mut self, i: Instr, pc: u64) -> Result<(), StepError> {
        if i.funct3 == 7 {
            return Err(StepError::IllegalInstruction { pc, instr: i.raw });
        }
        let signed = i.funct3 & 4 == 0;
        let size = 1u64 << (i.funct3 & 3);
        let addr = self.reg(i.rs1).wrapping_add(i.imm_i());
        let v = self
            .mem
            .load(addr, size, signed, slot::DATA, Some(slot::DATA_RIGHT))?;
        self.set_reg(i.rd, v);
        Ok(())
    }

    /// Stores the low `size` bytes of `value` (size at most 8).
    fn store_u64(&mut self, addr: u64, size: u64, value: u64, slot_r: u8) -> Result<(), StepError> {
        if size > 8 {
            return Err(StepError::StoreTooLarge { size });
        }
        let bytes = value.to_le_bytes();
        let bytes = bytes.get(..size as usize).unwrap_or(&bytes);
        self.mem.store(addr, bytes, slot::DATA, Some(slot_r))
    }

    fn exec_store(&mut self, i: Instr) -> Result<(), StepError> {
        let size = 1u64 << i.funct3;
        let value = self.reg(i.rs2);
        let addr = self.reg(i.rs1).wrapping_add(i.imm_s());
        self.store_u64(addr, size, value, slot::DATA_RIGHT)
    }

    fn branch_taken(&self, i: Instr) -> bool {
        let (a, b) = (self.reg(i.rs1), self.reg(i.rs2));
        match i.funct3 {
            0 => a == b,
            1 => a != b,
            4 => (a as i64) < (b as i64),
            5 => (a as i64) >= (b as i64),
            6 => a < b,
            7 => a >= b,
            _ => false,
        }
    }

    /// OP-IMM's result; `None` for a reserved encoding.
    fn op_imm(&self, i: Instr) -> Option<u64> {
        let a = self.reg(i.rs1);
        let imm = i.imm_i();
        let shamt = (imm & 0x3f) as u32;
        Some(match i.funct3 {
            0 => a.wrapping_add(imm),
            1 => a << shamt,
            2 => u64::from((a as i64) < (imm as i64)),
            3 => u64::from(a < imm),
            4 => a ^ imm,
            5 => match imm >> 6 {
                0 => a >> shamt,
                0x10 => ((a as i64) >> shamt) as u64,
                _ => return None,
            },
            6 => a | imm,
            _ => a & imm,
        })
    }

    /// OP-IMM-32's result; `None` for a reserved encoding (imm[5] set in a shift included).
    fn op_imm_32(&self, i: Instr) -> Option<u64> {
        let a = self.reg(i.rs1);
        let imm = i.imm_i();
        let shamt = (imm & 0x1f) as u32;
        Some(match i.funct3 {
            0 => sext32(a.wrapping_add(imm)),
            1 | 5 if imm & 0x20 != 0 => return None,
            1 => sext32(a << shamt),
            5 => match imm >> 5 {
                0 => sext32(u64::from(a as u32 >> shamt)),
                0x20 => ((a as u32 as i32) >> shamt) as i64 as u64,
                _ => return None,
            },
            _ => return None,
        })
    }

    /// OP's result; `None` for a reserved encoding.
    fn op(&self, i: Instr) -> Option<u64> {
        let (a, b) = (self.reg(i.rs1), self.reg(i.rs2));
        if i.funct7 == 1 {
            return Some(match i.funct3 {
                0 => a.wrapping_mul(b),
                1 => ((i128::from(a as i64) * i128::from(b as i64)) >> 64) as u64,
                2 => ((i128::from(a as i64) * i128::from(b)) >> 64) as u64,
                3 => ((u128::from(a) * u128::from(b)) >> 64) as u64,
                4 if b == 0 => u64::MAX,
                4 => (a as i64).wrapping_div(b as i64) as u64,
                5 if b == 0 => u64::MAX,
                5 => a / b,
                6 if b == 0 => a,
                6 => (a as i64).wrapping_rem(b as i64) as u64,
                _ if b == 0 => a,
                _ => a % b,
            });
        }
        let shamt = (b & 0x3f) as u32;
        Some(match (i.funct3, i.funct7) {
            (0, 0) => a.wrapping_add(b),
            (0, 0x20) => a.wrapping_sub(b),
            (1, _) => a << shamt,
            (2, _) => u64::from((a as i64) < (b as i64)),
            (3, _) => u64::from(a < b),
            (4, _) => a ^ b,
            (5, 0) => a >> shamt,
            (5, 0x20) => ((a as i64) >> shamt) as u64,
            (6, _) => a | b,
            (7, _) => a & b,
            _ => return None,
        })
    }

    /// OP-32's result; `None` for a reserved encoding.
    fn op_32(&self, i: Instr) -> Option<u64> {
        // rs2 is truncated to its low 32 bits before anything else, the zero test included.
        let (a, b) = (self.reg(i.rs1), self.reg(i.rs2) & 0xffff_ffff);
        if i.funct7 == 1 {
            let (sa, sb) = (sext32(a) as i64, sext32(b) as i64);
            let ua = a & 0xffff_ffff;
            return Some(match i.funct3 {
                0 => sext32(ua.wrapping_mul(b)),
                4 if b == 0 => u64::MAX,
                4 => sext32(sa.wrapping_div(sb) as u64),
                5 if b == 0 => u64::MAX,
                5 => sext32(ua / b),
                6 | 7 if b == 0 => sext32(a),
                6 => sext32(sa.wrapping_rem(sb) as u64),
                7 => sext32(ua % b),
                _ => return None,
            });
        }
        let shamt = (b & 0x1f) as u32;
        Some(match (i.funct3, i.funct7) {
            (0, 0) => sext32(a.wrapping_add(b)),
            (0, 0x20) => sext32(a.wrapping_sub(b)),
            (1, _) => sext32(a << shamt),
            (5, 0) => sext32(u64::from(a as u32 >> shamt)),
            (5, 0x20) => ((a as u32 as i32) >> shamt) as i64 as u64,
            _ => return None,
        })
    }

    fn exec_system(&mut self, i: Instr, pc: u64) -> Result<(), StepError> {
        match i.funct3 {
            0 => {
                // ECALL only when all of the top 12 bits are zero; EBREAK and the rest: ignored.
                if i.raw >> 20 == 0 {
                    self.syscall(pc)?;
                }
            }
            // CSR instructions, whatever their operands: rd := 0.
            _ => self.set_reg(i.rd, 0),
        }
        Ok(())
    }

    fn exec_amo(&mut self, i: Instr, pc: u64) -> Result<(), StepError> {
        let size = 1u64 << i.funct3;
        if !(4..=8).contains(&size) {
            return Err(StepError::BadAmoSize { pc, size });
        }
        let addr = self.reg(i.rs1);
        if !addr.is_multiple_of(size) {
            return Err(StepError::MisalignedAmo { pc, addr });
        }
        let op = u64::from(i.funct7 >> 2);
        match op {
            // LR
            0x2 => {
                let v = self
                    .mem
                    .load(addr, size, true, slot::DATA, Some(slot::DATA_RIGHT))?;
                self.set_reg(i.rd, v);
                self.st.load_reservation = addr;
            }
            // SC
            0x3 => {
                let mut result = 1;
                if addr == self.st.load_reservation {
                    let value = self.reg(i.rs2);
                    self.store_u64(addr, size, value, slot::DATA_RIGHT)?;
                    result = 0;
                }
                self.set_reg(i.rd, result);
                self.st.load_reservation = 0;
            }
            _ => {
                let mut value = self.reg(i.rs2);
                if size == 4 {
                    value = sext32(value);
                }
                let old = self
                    .mem
                    .load(addr, size, true, slot::DATA, Some(slot::DATA_RIGHT))?;
                let new = match op {
                    0x00 => old.wrapping_add(value),
                    0x01 => value,
                    0x04 => old ^ value,
                    0x08 => old | value,
                    0x0c => old & value,
                    0x10 => (old as i64).min(value as i64) as u64,
                    0x14 => (old as i64).max(value as i64) as u64,
                    0x18 => old.min(value),
                    0x1c => old.max(value),
                    _ => return Err(StepError::UnknownAmoOp { pc, op }),
                };
                // The right leaf is proven again (slot 3) against the root after the left write.
                self.store_u64(addr, size, new, slot::AMO_RIGHT)?;
                self.set_reg(i.rd, old);
            }
        }
        Ok(())
    }

    /// Sets the syscall results a0 and a1.
    fn ret(&mut self, a0: u64, a1: u64) {
        self.set_reg(A0, a0);
        self.set_reg(A1, a1);
    }

    fn syscall(&mut self, pc: u64) -> Result<(), StepError> {
        let number = self.reg(A7);
        match number {
            sys::EXIT | sys::EXIT_GROUP => {
                self.st.exit_code = self.reg(A0) as u8;
                self.st.exited = 1;
            }
            sys::BRK => self.ret(1 << 30, 0),
            sys::MMAP => {
                let addr = self.reg(A0);
                let len = self.reg(A1);
                let flags = self.reg(A3);
                let file = self.reg(A4);
                if flags & MAP_ANONYMOUS == 0 || file != u64::MAX {
                    self.ret(u64::MAX, EBADF);
                } else if addr == 0 {
                    let rem = len & 4095;
                    let len = if rem != 0 {
                        len.wrapping_add(4096 - rem)
                    } else {
                        len
                    };
                    let heap = self.st.heap;
                    self.st.heap = heap.wrapping_add(len);
                    self.ret(heap, 0);
                } else {
                    self.ret(addr, 0);
                }
            }
            sys::READ => {
                let (file, addr, count) = (self.reg(A0), self.reg(A1), self.reg(A2));
                match file {
                    fd::STDIN => self.ret(0, 0),
                    fd::HINT_READ => self.ret(count, 0),
                    fd::PREIMAGE_READ => {
                        let n = self.preimage_read(addr, count)?;
                        self.ret(n, 0);
                    }
                    _ => self.ret(u64::MAX, EBADF),
                }
            }
            sys::WRITE => {
                let (file, addr, count) = (self.reg(A0), self.reg(A1), self.reg(A2));
                match file {
                    fd::STDOUT | fd::STDERR | fd::HINT_WRITE => self.ret(count, 0),
                    fd::PREIMAGE_WRITE => {
                        let n = self.preimage_key_write(addr, count)?;
                        self.ret(n, 0);
                    }
                    _ => self.ret(u64::MAX, EBADF),
                }
            }
            sys::FCNTL => {
                let (file, cmd) = (self.reg(A0), self.reg(A1));
                match (cmd, file) {
                    // F_GETFD: no flags on any known descriptor.
                    (1, 0..=6) => self.ret(0, 0),
                    // F_GETFL: read-only or write-only.
                    (3, fd::STDIN | fd::HINT_READ | fd::PREIMAGE_READ) => self.ret(0, 0),
                    (3, fd::STDOUT | fd::STDERR | fd::HINT_WRITE | fd::PREIMAGE_WRITE) => {
                        self.ret(1, 0)
                    }
                    (1 | 3, _) => self.ret(u64::MAX, EBADF),
                    _ => self.ret(u64::MAX, EINVAL),
                }
            }
            sys::OPENAT => self.ret(u64::MAX, EACCES),
            sys::CLOCK_GETTIME => {
                let addr = self.reg(A1);
                let mut timespec = [0u8; 16];
                timespec[..8].copy_from_slice(&1337u64.to_le_bytes());
                timespec[8..].copy_from_slice(&42u64.to_le_bytes());
                self.mem
                    .store(addr, &timespec, slot::DATA, Some(slot::DATA_RIGHT))?;
                self.ret(0, 0);
            }
            sys::CLONE => self.ret(1, 0),
            sys::GETRLIMIT => {
                let (resource, addr) = (self.reg(A0), self.reg(A1));
                if resource != 7 {
                    return Err(StepError::UnknownResource { resource, pc });
                }
                let mut limits = [0u8; 16];
                limits[..8].copy_from_slice(&1024u64.to_le_bytes());
                limits[8..].copy_from_slice(&1024u64.to_le_bytes());
                self.mem
                    .store(addr, &limits, slot::DATA, Some(slot::DATA_RIGHT))?;
                self.ret(0, 0);
            }
            sys::PRLIMIT64 | sys::FUTEX | sys::NANOSLEEP => {
                return Err(StepError::UnsupportedSyscall { number, pc });
            }
            _ => self.ret(0, 0),
        }
        Ok(())
    }

    /// Appends up to 32 - (addr & 31) bytes from memory to the preimage key.
    fn preimage_key_write(&mut self, addr: u64, count: u64) -> Result<u64, StepError> {
        let alignment = addr & 31;
        let count = count.min(32 - alignment);
        let leaf = self.mem.read_leaf(addr - alignment, slot::DATA)?;
        let (a, n) = (alignment as usize, count as usize);
        let new_bytes = leaf.get(a..a + n).unwrap_or(&[]);
        let mut key = [0u8; 32];
        let old = self.st.preimage_key.get(n..).unwrap_or(&[]);
        for (dst, src) in key.iter_mut().zip(old.iter().chain(new_bytes)) {
            *dst = *src;
        }
        self.st.preimage_key = key;
        self.st.preimage_offset = 0;
        Ok(count)
    }

    /// Copies the next part of the current preimage into memory.
    fn preimage_read(&mut self, addr: u64, count: u64) -> Result<u64, StepError> {
        self.preimage_read = Some((self.st.preimage_key, self.st.preimage_offset));
        let mut key = self.st.preimage_key;
        if is_local(&key) {
            key = localize_key(&key, self.ctx);
        }
        let offset = self.st.preimage_offset;
        let part = self
            .oracle
            .read_part(&key, offset)
            .map_err(|error| StepError::Oracle { key, offset, error })?;
        if part.len == 0 {
            return Ok(0);
        }
        let alignment = addr & 31;
        let count = count.min(32 - alignment).min(u64::from(part.len));
        self.st.preimage_offset = offset.wrapping_add(count);
        let leaf_addr = addr - alignment;
        let mut leaf = self.mem.read_leaf(leaf_addr, slot::DATA)?;
        let (a, n) = (alignment as usize, count as usize);
        if let (Some(dst), Some(src)) = (leaf.get_mut(a..a + n), part.data.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.mem.write_leaf(leaf_addr, &leaf, slot::DATA)?;
        Ok(count)
    }
}
