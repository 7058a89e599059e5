//! The fast path: code pages decoded once into compact operations, run by a tight dispatch loop.
//!
//! Only plain RV64IM computation, loads, stores, branches and jumps are decoded; everything else
//! (syscalls, atomics, CSRs, rejected encodings, unaligned jump targets) is executed by the generic
//! step, so the reference's semantics live in one place (`vm.rs`). Writes to a decoded page drop its
//! decoding.

use crate::memory::PAGE_SIZE;
use std::collections::HashMap;

/// Instructions per page.
const OPS_PER_PAGE: usize = PAGE_SIZE / 4;
/// The register index that absorbs writes to x0.
pub(crate) const SINK: u8 = 32;

/// What a decoded instruction does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Kind {
    Slow,
    Nop,
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
}

/// A decoded instruction: 8 bytes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Op {
    pub kind: Kind,
    pub rd: u8,
    pub rs1: u8,
    pub rs2: u8,
    pub imm: i32,
}

/// The decoded instructions of one page.
pub(crate) type DecodedPage = [Op; OPS_PER_PAGE];

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

/// Decodes one instruction the way the generic step executes it.
pub(crate) fn decode(instr: u32) -> Op {
    use Kind::*;
    let opcode = instr & 0x7f;
    let rd = (instr >> 7) & 0x1f;
    let funct3 = (instr >> 12) & 7;
    let rs1 = (instr >> 15) & 0x1f;
    let rs2 = (instr >> 20) & 0x1f;
    let funct7 = instr >> 25;
    let imm_i = (instr as i32) >> 20;
    let slow = op(Slow, 0, 0, 0, 0);
    match opcode {
        0x03 => {
            let kind = [Lb, Lh, Lw, Ld, Lbu, Lhu, Lwu, Slow][funct3 as usize];
            op(kind, rd, rs1, 0, imm_i)
        }
        0x23 => {
            let imm = (((instr as i32) >> 25) << 5) | ((instr >> 7) & 0x1f) as i32;
            match funct3 {
                0 => op(Sb, 0, rs1, rs2, imm),
                1 => op(Sh, 0, rs1, rs2, imm),
                2 => op(Sw, 0, rs1, rs2, imm),
                3 => op(Sd, 0, rs1, rs2, imm),
                _ => slow,
            }
        }
        0x63 => {
            let imm = ((((instr as i32) >> 31) << 12) as u32
                | ((instr >> 7) & 1) << 11
                | ((instr >> 25) & 0x3f) << 5
                | ((instr >> 8) & 0xf) << 1) as i32;
            let kind = [Beq, Bne, Nop, Nop, Blt, Bge, Bltu, Bgeu][funct3 as usize];
            Op {
                kind,
                rd: SINK,
                rs1: rs1 as u8,
                rs2: rs2 as u8,
                imm,
            }
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
                    _ => op(Zero, rd, 0, 0, 0),
                },
                6 => op(Ori, rd, rs1, 0, imm_i),
                _ => op(Andi, rd, rs1, 0, imm_i),
            }
        }
        0x1b => {
            let shamt = imm_i & 0x1f;
            match funct3 {
                0 => op(Addiw, rd, rs1, 0, imm_i),
                1 => op(Slliw, rd, rs1, 0, shamt),
                5 => match imm_i >> 5 {
                    0 => op(Srliw, rd, rs1, 0, shamt),
                    0x20 => op(Sraiw, rd, rs1, 0, shamt),
                    _ => op(Zero, rd, 0, 0, 0),
                },
                _ => op(Zero, rd, 0, 0, 0),
            }
        }
        0x33 => {
            let kind = if funct7 == 1 {
                [Mul, Mulh, Mulhsu, Mulhu, Div, Divu, Rem, Remu][funct3 as usize]
            } else {
                match (funct3, funct7) {
                    (0, 0) => Add,
                    (0, 0x20) => Sub,
                    (1, _) => Sll,
                    (2, _) => Slt,
                    (3, _) => Sltu,
                    (4, _) => Xor,
                    (5, 0) => Srl,
                    (5, 0x20) => Sra,
                    (6, _) => Or,
                    (7, _) => And,
                    _ => Zero,
                }
            };
            op(kind, rd, rs1, rs2, 0)
        }
        0x3b => {
            let kind = if funct7 == 1 {
                [Mulw, Zero, Zero, Zero, Divw, Divuw, Remw, Remuw][funct3 as usize]
            } else {
                match (funct3, funct7) {
                    (0, 0) => Addw,
                    (0, 0x20) => Subw,
                    (1, _) => Sllw,
                    (5, 0) => Srlw,
                    (5, 0x20) => Sraw,
                    _ => Zero,
                }
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
            if imm & 3 != 0 {
                slow // the generic step reports the unaligned target
            } else {
                op(Jal, rd, 0, 0, imm)
            }
        }
        0x67 => op(Jalr, rd, rs1, 0, imm_i),
        0x73 => match funct3 {
            0 if instr >> 20 == 0 => slow,
            0 => op(Nop, 0, 0, 0, 0),
            1 => slow,
            _ => op(Zero, rd, 0, 0, 0),
        },
        0x0f | 0x07 | 0x27 | 0x53 => op(Nop, 0, 0, 0, 0),
        _ => slow,
    }
}

/// Decodes a page of code (zeros if the page is absent).
pub(crate) fn decode_page(data: Option<&[u8; PAGE_SIZE]>) -> Box<DecodedPage> {
    let mut ops = Box::new([op(Kind::Slow, 0, 0, 0, 0); OPS_PER_PAGE]);
    if let Some(data) = data {
        for (i, w) in data.chunks_exact(4).enumerate() {
            ops[i] = decode(u32::from_le_bytes(w.try_into().unwrap()));
        }
    }
    ops
}
