//! The one RV64IMA decoder. The reference step executes its output; the interpreter and the JIT
//! consume the same output through [`decode_page`], where everything rare (syscalls, atomics,
//! encodings the onchain step refuses, jumps and branches to unaligned targets) becomes
//! [`Kind::Slow`] and is left to the reference step, so those semantics live in one place.
//!
//! Which encodings exist follows the onchain step (`RISCV.sol`) exactly, including where it differs
//! from RISC-V: CSR instructions only zero rd, FP and fence opcodes are no-ops, and reserved funct3,
//! funct7 or immediate bits revert ([`Kind::Illegal`]).

use crate::memory::PAGE_SIZE;
use std::collections::HashMap;
use verdict_riscv_consts::revert;

/// Instructions per page.
pub(crate) const OPS_PER_PAGE: usize = PAGE_SIZE / 4;
/// The register index that absorbs writes to x0.
pub(crate) const SINK: u8 = 32;

/// What a decoded instruction does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Kind {
    /// Left to the reference step (only in [`decode_page`]'s output).
    Slow,
    /// Nothing but the next pc: fences, EBREAK, floating point.
    Nop,
    /// rd := 0 (CSR instructions).
    Zero,
    Lui,
    Auipc,
    Jal,
    Jalr,
    Beq,
    Bne,
    Blt,
    Bge,
    Bltu,
    Bgeu,
    /// A branch with funct3 2 or 3: never taken.
    BranchNever,
    Lb,
    Lh,
    Lw,
    Ld,
    Lbu,
    Lhu,
    Lwu,
    Sb,
    Sh,
    Sw,
    Sd,
    Addi,
    Slti,
    Sltiu,
    Xori,
    Ori,
    Andi,
    Slli,
    Srli,
    Srai,
    Add,
    Sub,
    Sll,
    Slt,
    Sltu,
    Xor,
    Srl,
    Sra,
    Or,
    And,
    Addiw,
    Slliw,
    Srliw,
    Sraiw,
    Addw,
    Subw,
    Sllw,
    Srlw,
    Sraw,
    Mul,
    Mulh,
    Mulhsu,
    Mulhu,
    Div,
    Divu,
    Rem,
    Remu,
    Mulw,
    Divw,
    Divuw,
    Remw,
    Remuw,
    /// ECALL: a syscall.
    Ecall,
    /// An A-extension instruction; `imm` holds funct3 in bits 0..3 and funct7 >> 2 above.
    Atomic,
    /// An encoding the onchain step reverts on; `imm` holds the revert code (as u32 bits).
    Illegal,
}

/// A decoded instruction: 8 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Op {
    pub kind: Kind,
    /// The destination register, [`SINK`] for x0.
    pub rd: u8,
    pub rs1: u8,
    pub rs2: u8,
    pub imm: i32,
}

impl Op {
    /// The revert code of an [`Kind::Illegal`] instruction.
    pub fn revert_code(&self) -> u64 {
        self.imm as u32 as u64
    }

    /// The atomic's funct3 (the size is `1 << funct3`) and operation (funct7 >> 2).
    pub fn atomic_parts(&self) -> (u32, u32) {
        (self.imm as u32 & 7, self.imm as u32 >> 3)
    }
}

/// The decoded instructions of one page.
pub(crate) type DecodedPage = [Op; OPS_PER_PAGE];

fn op(kind: Kind, rd: u32, rs1: u32, rs2: u32, imm: i32) -> Op {
    let rd = if rd == 0 { SINK } else { rd as u8 };
    Op {
        kind,
        rd,
        rs1: rs1 as u8,
        rs2: rs2 as u8,
        imm,
    }
}

fn illegal(code: u64) -> Op {
    op(Kind::Illegal, 0, 0, 0, code as u32 as i32)
}

/// Decodes one instruction the way the onchain step executes it.
pub(crate) fn decode(instr: u32) -> Op {
    use Kind::*;
    let opcode = instr & 0x7f;
    let rd = (instr >> 7) & 0x1f;
    let funct3 = (instr >> 12) & 7;
    let rs1 = (instr >> 15) & 0x1f;
    let rs2 = (instr >> 20) & 0x1f;
    let funct7 = instr >> 25;
    let imm_i = (instr as i32) >> 20;
    let reserved = || illegal(revert::ILLEGAL_INSTRUCTION);
    match opcode {
        0x03 => match funct3 {
            7 => reserved(),
            _ => op(
                [Lb, Lh, Lw, Ld, Lbu, Lhu, Lwu][funct3 as usize],
                rd,
                rs1,
                0,
                imm_i,
            ),
        },
        0x23 => {
            let imm = (((instr as i32) >> 25) << 5) | ((instr >> 7) & 0x1f) as i32;
            match funct3 {
                0..=3 => op([Sb, Sh, Sw, Sd][funct3 as usize], 0, rs1, rs2, imm),
                _ => illegal(revert::STORE_EXCEEDS_8_BYTES),
            }
        }
        0x63 => {
            let imm = ((((instr as i32) >> 31) << 12) as u32
                | ((instr >> 7) & 1) << 11
                | ((instr >> 25) & 0x3f) << 5
                | ((instr >> 8) & 0xf) << 1) as i32;
            let kind = [Beq, Bne, BranchNever, BranchNever, Blt, Bge, Bltu, Bgeu][funct3 as usize];
            op(kind, 0, rs1, rs2, imm)
        }
        0x13 => {
            let shamt = imm_i & 0x3f;
            match funct3 {
                0 => op(Addi, rd, rs1, 0, imm_i),
                1 => op(Slli, rd, rs1, 0, shamt),
                2 => op(Slti, rd, rs1, 0, imm_i),
                3 => op(Sltiu, rd, rs1, 0, imm_i),
                4 => op(Xori, rd, rs1, 0, imm_i),
                5 => match imm_i >> 6 {
                    0 => op(Srli, rd, rs1, 0, shamt),
                    0x10 => op(Srai, rd, rs1, 0, shamt),
                    _ => reserved(),
                },
                6 => op(Ori, rd, rs1, 0, imm_i),
                _ => op(Andi, rd, rs1, 0, imm_i),
            }
        }
        0x1b => {
            let shamt = imm_i & 0x1f;
            match funct3 {
                0 => op(Addiw, rd, rs1, 0, imm_i),
                1 if imm_i & 0x20 == 0 => op(Slliw, rd, rs1, 0, shamt),
                5 if imm_i & 0x20 == 0 => match imm_i >> 5 {
                    0 => op(Srliw, rd, rs1, 0, shamt),
                    0x20 => op(Sraiw, rd, rs1, 0, shamt),
                    _ => reserved(),
                },
                _ => reserved(),
            }
        }
        0x33 => {
            let kind = if funct7 == 1 {
                [Mul, Mulh, Mulhsu, Mulhu, Div, Divu, Rem, Remu][funct3 as usize]
            } else {
                match (funct3, funct7) {
                    (0, 0) => Add,
                    (0, 0x20) => Sub,
                    (0, _) => return reserved(),
                    (1, _) => Sll,
                    (2, _) => Slt,
                    (3, _) => Sltu,
                    (4, _) => Xor,
                    (5, 0) => Srl,
                    (5, 0x20) => Sra,
                    (5, _) => return reserved(),
                    (6, _) => Or,
                    _ => And,
                }
            };
            op(kind, rd, rs1, rs2, 0)
        }
        0x3b => {
            let kind = match (funct7, funct3) {
                (1, 0) => Mulw,
                (1, 4) => Divw,
                (1, 5) => Divuw,
                (1, 6) => Remw,
                (1, 7) => Remuw,
                (1, _) => return reserved(),
                (0, 0) => Addw,
                (0x20, 0) => Subw,
                (_, 1) => Sllw,
                (0, 5) => Srlw,
                (0x20, 5) => Sraw,
                _ => return reserved(),
            };
            op(kind, rd, rs1, rs2, 0)
        }
        0x37 => op(Lui, rd, 0, 0, (instr & 0xffff_f000) as i32),
        0x17 => op(Auipc, rd, 0, 0, (instr & 0xffff_f000) as i32),
        0x6f => {
            let imm = ((((instr as i32) >> 31) << 20) as u32
                | (instr & 0x000f_f000)
                | ((instr >> 20) & 1) << 11
                | ((instr >> 21) & 0x3ff) << 1) as i32;
            op(Jal, rd, 0, 0, imm)
        }
        0x67 => op(Jalr, rd, rs1, 0, imm_i),
        0x73 => match funct3 {
            0 if instr >> 20 == 0 => op(Ecall, 0, 0, 0, 0),
            0 => op(Nop, 0, 0, 0, 0),   // EBREAK and the rest: ignored
            _ => op(Zero, rd, 0, 0, 0), // CSR instructions: rd := 0
        },
        0x2f => op(Atomic, rd, rs1, rs2, (funct3 | (funct7 >> 2) << 3) as i32),
        0x0f | 0x07 | 0x27 | 0x53 => op(Nop, 0, 0, 0, 0),
        _ => illegal(revert::UNKNOWN_OPCODE),
    }
}

/// The form the fast engines run: `op`, or [`Kind::Slow`] where only the reference step may
/// execute it (syscalls, atomics, reverts, direct jumps and branches whose target is not 4-byte
/// aligned when taken from an aligned pc).
pub(crate) fn fast_form(op: Op) -> Op {
    use Kind::*;
    let slow = match op.kind {
        Ecall | Atomic | Illegal => true,
        Jal | Beq | Bne | Blt | Bge | Bltu | Bgeu => op.imm & 3 != 0,
        _ => false,
    };
    if slow {
        Op {
            kind: Slow,
            rd: SINK,
            rs1: 0,
            rs2: 0,
            imm: 0,
        }
    } else {
        op
    }
}

/// Decodes a page of code for the fast engines (all slow if the page is absent).
pub(crate) fn decode_page(data: Option<&[u8; PAGE_SIZE]>) -> Box<DecodedPage> {
    let slow = fast_form(illegal(revert::UNKNOWN_OPCODE));
    let mut ops = Box::new([slow; OPS_PER_PAGE]);
    if let Some(data) = data {
        for (i, w) in data.chunks_exact(4).enumerate() {
            ops[i] = fast_form(decode(u32::from_le_bytes(w.try_into().unwrap())));
        }
    }
    ops
}

/// Decoded pages of one memory.
#[derive(Default)]
pub(crate) struct CodeCache {
    /// The memory these decodings belong to.
    pub memory_id: u64,
    pub pages: HashMap<u64, std::sync::Arc<DecodedPage>>,
    /// How often each page's code was dropped because the page was written: a page rewritten
    /// often (code and data sharing it) is left to the generic step instead of being decoded
    /// (or translated) again and again.
    pub rewrites: HashMap<u64, u32>,
}

/// Times a page's code may be dropped for writes before the page is left to the generic step.
const MAX_REWRITES: u32 = 8;

impl CodeCache {
    /// Forgets everything (the code belongs to another memory now).
    pub fn reset(&mut self, memory_id: u64) {
        self.pages.clear();
        self.rewrites.clear();
        self.memory_id = memory_id;
    }

    /// Notes that `page`, which held code, was written.
    pub fn note_rewrite(&mut self, page: u64) {
        self.pages.remove(&page);
        *self.rewrites.entry(page).or_default() += 1;
    }

    /// Whether `page` is left to the generic step.
    #[inline]
    pub fn unstable(&self, page: u64) -> bool {
        !self.rewrites.is_empty() && self.rewrites.get(&page).is_some_and(|&n| n >= MAX_REWRITES)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// R-type: funct7 rs2 rs1 funct3 rd opcode.
    fn r(opcode: u32, funct3: u32, funct7: u32) -> u32 {
        funct7 << 25 | 3 << 20 | 2 << 15 | funct3 << 12 | 1 << 7 | opcode
    }

    /// I-type with a 12-bit immediate.
    fn i(opcode: u32, funct3: u32, imm: u32) -> u32 {
        (imm & 0xfff) << 20 | 2 << 15 | funct3 << 12 | 1 << 7 | opcode
    }

    #[test]
    fn reserved_encodings_are_illegal_as_onchain() {
        let illegal = |instr| decode(instr).kind == Kind::Illegal;
        // OP and OP-32 with funct7 0x10 where funct7 selects the operation.
        assert!(illegal(r(0x33, 0, 0x10)));
        assert!(illegal(r(0x33, 5, 0x10)));
        assert!(illegal(r(0x3b, 0, 0x10)));
        assert!(illegal(r(0x3b, 5, 0x10)));
        // ...but not where it does not: SLL/SLT/SLTU/XOR/OR/AND ignore funct7, as does SLLW.
        for f3 in [1, 2, 3, 4, 6, 7] {
            assert!(!illegal(r(0x33, f3, 0x10)), "OP funct3 {f3}");
        }
        assert!(!illegal(r(0x3b, 1, 0x10)));
        // OP-32 M extension with funct3 1..3, and the other OP-32 funct3 values.
        for f3 in [1, 2, 3] {
            assert!(illegal(r(0x3b, f3, 1)), "OP-32 M funct3 {f3}");
        }
        for f3 in [2, 3, 4, 6, 7] {
            assert!(illegal(r(0x3b, f3, 0)), "OP-32 funct3 {f3}");
        }
        // OP-IMM-32: funct3 other than 0, 1, 5; shifts with imm[5] set or a bad shift type.
        for f3 in [2, 3, 4, 6, 7] {
            assert!(illegal(i(0x1b, f3, 0)), "OP-IMM-32 funct3 {f3}");
        }
        assert!(illegal(i(0x1b, 1, 0x20)));
        assert!(illegal(i(0x1b, 5, 0x20)));
        assert!(illegal(i(0x1b, 5, 0x200)));
        assert!(!illegal(i(0x1b, 5, 0x400 | 3)));
        // OP-IMM right shifts with a bad shift type; SLLI ignores the upper bits.
        assert!(illegal(i(0x13, 5, 0x800)));
        assert!(illegal(i(0x13, 5, 0x200)));
        assert!(!illegal(i(0x13, 1, 0x800)));
        // Loads with funct3 7, stores wider than 8 bytes, unknown opcodes.
        assert!(illegal(i(0x03, 7, 0)));
        assert_eq!(
            decode(i(0x23, 4, 0)).revert_code(),
            revert::STORE_EXCEEDS_8_BYTES
        );
        assert_eq!(decode(0x7f).revert_code(), revert::UNKNOWN_OPCODE);
    }

    #[test]
    fn csr_instructions_zero_rd_whatever_their_operands() {
        // csrw mtvec, t0 (what the riscv-tests do first), and csrrw t0, mtvec, t0.
        let op = decode(0x3052_9073);
        assert_eq!((op.kind, op.rd), (Kind::Zero, SINK));
        let op = decode(0x3052_92f3);
        assert_eq!((op.kind, op.rd), (Kind::Zero, 5));
        for f3 in 1..8 {
            assert_eq!(decode(i(0x73, f3, 0x305)).kind, Kind::Zero, "funct3 {f3}");
        }
        assert_eq!(decode(0x73).kind, Kind::Ecall);
        assert_eq!(decode(0x0010_0073).kind, Kind::Nop);
    }

    #[test]
    fn fast_form_leaves_rare_and_misaligned_transfers_to_the_step() {
        let jal = |imm: u32| {
            (imm >> 20 & 1) << 31 | (imm >> 1 & 0x3ff) << 21 | (imm >> 11 & 1) << 20 | 0x6f
        };
        assert_eq!(fast_form(decode(jal(8))).kind, Kind::Jal);
        assert_eq!(fast_form(decode(jal(6))).kind, Kind::Slow);
        let beq = |imm: u32| (imm >> 1 & 0xf) << 8 | (imm >> 5 & 0x3f) << 25 | 0x63;
        assert_eq!(fast_form(decode(beq(8))).kind, Kind::Beq);
        assert_eq!(fast_form(decode(beq(6))).kind, Kind::Slow);
        assert_eq!(fast_form(decode(0x73)).kind, Kind::Slow);
        assert_eq!(fast_form(decode(0x7f)).kind, Kind::Slow);
        assert_eq!(fast_form(decode(0x1000_202f)).kind, Kind::Slow);
    }
}
