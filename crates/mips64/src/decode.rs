//! The one MIPS64 decoder (§4). The reference step executes its output; the interpreter consumes
//! the same output through [`decode_page`], where everything rare (syscalls, LL/SC, divisions,
//! encodings the onchain step reverts on) becomes [`Kind::Slow`] and is left to the reference
//! step, so those semantics live in one place.
//!
//! Which encodings exist follows the onchain step (`MIPS64.sol`) exactly, including where it
//! differs from a MIPS64 CPU: `rotr`/`rotrv` are `srl`/`srlv`, unknown REGIMM branches are never
//! taken, `sync` copies rs to rd, the HI/LO instructions write their rd field.

use std::collections::HashMap;
use verdict_fpvm::memory::PAGE_SIZE;

/// Instructions per page.
pub(crate) const OPS_PER_PAGE: usize = PAGE_SIZE / 4;
/// The register index that absorbs writes to r0 (the step never writes r0).
pub(crate) const SINK: u8 = 32;

/// What a decoded instruction does. Operands: `a` = reg[rs], `b` = reg[rt] for register forms
/// and the immediate for immediate forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Kind {
    /// Left to the reference step (only in [`decode_page`]'s output).
    Slow,
    Sll,
    Srl,
    Sra,
    Sllv,
    Srlv,
    Srav,
    Jr,
    Jalr,
    Movz,
    Movn,
    Syscall,
    /// rd := rs.
    Sync,
    Mfhi,
    Mthi,
    Mflo,
    Mtlo,
    Dsllv,
    Dsrlv,
    Dsrav,
    Mult,
    Multu,
    Div,
    Divu,
    Dmult,
    Dmultu,
    Ddiv,
    Ddivu,
    Add,
    Sub,
    And,
    Or,
    Xor,
    Nor,
    Slt,
    Sltu,
    Dadd,
    Dsub,
    Dsll,
    Dsrl,
    Dsra,
    Dsll32,
    Dsrl32,
    Dsra32,
    /// addi, addiu.
    Addi,
    Slti,
    Sltiu,
    Andi,
    Ori,
    Xori,
    /// daddi, daddiu.
    Daddi,
    Lui,
    Mul,
    Clz,
    Clo,
    Dclz,
    Dclo,
    /// `imm` holds the 26-bit target index shifted left by 2.
    J,
    Jal,
    Beq,
    Bne,
    Blez,
    Bgtz,
    Bltz,
    Bgez,
    Bltzal,
    Bgezal,
    /// A REGIMM branch with another rt: never taken.
    BranchNever,
    Lb,
    Lh,
    Lw,
    Ld,
    Lbu,
    Lhu,
    Lwu,
    Lwl,
    Lwr,
    Ldl,
    Ldr,
    Sb,
    Sh,
    Sw,
    Sd,
    Swl,
    Swr,
    Sdl,
    Sdr,
    Ll,
    Lld,
    Sc,
    Scd,
    /// The step reverts.
    Invalid,
    /// The step reads the memory word at rs + imm (proof slot 1), then reverts.
    InvalidAfterLoad,
}

/// A decoded instruction: 8 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Op {
    pub kind: Kind,
    pub rs: u8,
    pub rt: u8,
    /// The register written, [`SINK`] for none.
    pub dst: u8,
    /// The shift amount field.
    pub sa: u8,
    /// The immediate: sign-extended, zero-extended for andi/ori/xori, the jump target for j/jal.
    pub imm: i32,
}

impl Op {
    /// The immediate as a 64-bit operand.
    #[inline(always)]
    pub fn imm64(&self) -> u64 {
        self.imm as i64 as u64
    }
}

/// The decoded instructions of one page.
pub(crate) type DecodedPage = [Op; OPS_PER_PAGE];

fn reg(r: u32) -> u8 {
    if r == 0 {
        SINK
    } else {
        r as u8
    }
}

/// Decodes one instruction the way the onchain step executes it.
pub(crate) fn decode(insn: u32) -> Op {
    use Kind::*;
    let opcode = insn >> 26;
    let fun = insn & 0x3f;
    let rs = ((insn >> 21) & 31) as u8;
    let rt_field = (insn >> 16) & 31;
    let rt = rt_field as u8;
    let rd = (insn >> 11) & 31;
    let sa = ((insn >> 6) & 31) as u8;
    let simm = (insn & 0xffff) as u16 as i16 as i32;
    let op = |kind, dst: u8, imm: i32| Op {
        kind,
        rs,
        rt,
        dst,
        sa,
        imm,
    };
    match opcode {
        0 => {
            let kind = match fun {
                0x00 => Sll,
                0x02 => Srl,
                0x03 => Sra,
                0x04 => Sllv,
                0x06 => Srlv,
                0x07 => Srav,
                0x08 => Jr,
                0x09 => Jalr,
                0x0a => Movz,
                0x0b => Movn,
                0x0c => Syscall,
                0x0f => Sync,
                0x10 => Mfhi,
                0x11 => Mthi,
                0x12 => Mflo,
                0x13 => Mtlo,
                0x14 => Dsllv,
                0x16 => Dsrlv,
                0x17 => Dsrav,
                0x18 => Mult,
                0x19 => Multu,
                0x1a => Div,
                0x1b => Divu,
                0x1c => Dmult,
                0x1d => Dmultu,
                0x1e => Ddiv,
                0x1f => Ddivu,
                0x20 | 0x21 => Add,
                0x22 | 0x23 => Sub,
                0x24 => And,
                0x25 => Or,
                0x26 => Xor,
                0x27 => Nor,
                0x2a => Slt,
                0x2b => Sltu,
                0x2c | 0x2d => Dadd,
                0x2e | 0x2f => Dsub,
                0x38 => Dsll,
                0x3a => Dsrl,
                0x3b => Dsra,
                0x3c => Dsll32,
                0x3e => Dsrl32,
                0x3f => Dsra32,
                _ => Invalid,
            };
            op(kind, reg(rd), 0)
        }
        1 => {
            let kind = match rt_field {
                0x00 => Bltz,
                0x01 => Bgez,
                0x10 => Bltzal,
                0x11 => Bgezal,
                _ => BranchNever,
            };
            op(kind, SINK, simm)
        }
        2 | 3 => op(
            if opcode == 2 { J } else { Jal },
            SINK,
            ((insn & 0x03ff_ffff) << 2) as i32,
        ),
        4 => op(Beq, SINK, simm),
        5 => op(Bne, SINK, simm),
        6 => op(Blez, SINK, simm),
        7 => op(Bgtz, SINK, simm),
        8 | 9 => op(Addi, reg(rt_field), simm),
        0x0a => op(Slti, reg(rt_field), simm),
        0x0b => op(Sltiu, reg(rt_field), simm),
        0x0c => op(Andi, reg(rt_field), (insn & 0xffff) as i32),
        0x0d => op(Ori, reg(rt_field), (insn & 0xffff) as i32),
        0x0e => op(Xori, reg(rt_field), (insn & 0xffff) as i32),
        0x0f => op(Lui, reg(rt_field), simm),
        0x18 | 0x19 => op(Daddi, reg(rt_field), simm),
        0x1a => op(Ldl, reg(rt_field), simm),
        0x1b => op(Ldr, reg(rt_field), simm),
        0x1c => {
            let kind = match fun {
                0x02 => Mul,
                0x20 => Clz,
                0x21 => Clo,
                0x24 => Dclz,
                0x25 => Dclo,
                _ => Invalid,
            };
            op(kind, reg(rd), 0)
        }
        0x20 => op(Lb, reg(rt_field), simm),
        0x21 => op(Lh, reg(rt_field), simm),
        0x22 => op(Lwl, reg(rt_field), simm),
        0x23 => op(Lw, reg(rt_field), simm),
        0x24 => op(Lbu, reg(rt_field), simm),
        0x25 => op(Lhu, reg(rt_field), simm),
        0x26 => op(Lwr, reg(rt_field), simm),
        0x27 => op(Lwu, reg(rt_field), simm),
        0x28 => op(Sb, SINK, simm),
        0x29 => op(Sh, SINK, simm),
        0x2a => op(Swl, SINK, simm),
        0x2b => op(Sw, SINK, simm),
        0x2c => op(Sdl, SINK, simm),
        0x2d => op(Sdr, SINK, simm),
        0x2e => op(Swr, SINK, simm),
        0x30 => op(Ll, reg(rt_field), simm),
        0x34 => op(Lld, reg(rt_field), simm),
        0x37 => op(Ld, reg(rt_field), simm),
        0x38 => op(Sc, reg(rt_field), simm),
        0x3c => op(Scd, reg(rt_field), simm),
        0x3f => op(Sd, SINK, simm),
        _ if opcode >= 0x20 => op(InvalidAfterLoad, SINK, simm),
        _ => op(Invalid, SINK, 0),
    }
}

/// The form the interpreter runs: `op`, or [`Kind::Slow`] where only the reference step may
/// execute it (syscalls, LL/SC, divisions, reverts).
pub(crate) fn fast_form(op: Op) -> Op {
    use Kind::*;
    match op.kind {
        Syscall | Ll | Lld | Sc | Scd | Div | Divu | Ddiv | Ddivu | Invalid | InvalidAfterLoad => {
            SLOW
        }
        _ => op,
    }
}

/// An instruction left to the reference step.
const SLOW: Op = Op {
    kind: Kind::Slow,
    rs: 0,
    rt: 0,
    dst: SINK,
    sa: 0,
    imm: 0,
};

/// Decodes a page of code for the interpreter (all slow if the page is absent: a store may
/// allocate it later without the decoding being dropped, so the reference step reads it).
pub(crate) fn decode_page(data: Option<&[u8; PAGE_SIZE]>) -> Box<DecodedPage> {
    let mut ops = Box::new([SLOW; OPS_PER_PAGE]);
    if let Some(data) = data {
        for (i, w) in data.chunks_exact(4).enumerate() {
            ops[i] = fast_form(decode(u32::from_be_bytes(w.try_into().expect("4 bytes"))));
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
    /// often (code and data sharing it) is left to the reference step.
    pub rewrites: HashMap<u64, u32>,
}

/// Times a page's code may be dropped for writes before the page is left to the reference step.
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

    /// Whether `page` is left to the reference step.
    #[inline]
    pub fn unstable(&self, page: u64) -> bool {
        !self.rewrites.is_empty() && self.rewrites.get(&page).is_some_and(|&n| n >= MAX_REWRITES)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SPECIAL: rs rt rd sa fun.
    fn special(fun: u32, rd: u32, sa: u32) -> u32 {
        2 << 21 | 3 << 16 | rd << 11 | sa << 6 | fun
    }

    #[test]
    fn special_functions_as_the_contract_lists_them() {
        let kind = |fun| decode(special(fun, 1, 0)).kind;
        for fun in [
            0x01, 0x05, 0x0d, 0x0e, 0x15, 0x28, 0x29, 0x30, 0x34, 0x37, 0x39, 0x3d,
        ] {
            assert_eq!(kind(fun), Kind::Invalid, "fun {fun:#x}");
        }
        assert_eq!(kind(0x21), Kind::Add);
        assert_eq!(kind(0x2f), Kind::Dsub);
        assert_eq!(kind(0x0f), Kind::Sync);
        // rotr (srl with bit 21 set) is srl.
        assert_eq!(
            decode(1 << 21 | 3 << 16 | 1 << 11 | 4 << 6 | 2).kind,
            Kind::Srl
        );
        // The syscall is recognized whatever its code field holds.
        assert_eq!(
            decode((0x0123_4567 & !0xfc00_003f) | 0xc).kind,
            Kind::Syscall
        );
    }

    #[test]
    fn immediates_and_registers() {
        // addiu r3, r2, -1
        let op = decode(0x2443_ffff);
        assert_eq!((op.kind, op.rs, op.dst, op.imm), (Kind::Addi, 2, 3, -1));
        // ori r3, r2, 0xffff: zero-extended.
        assert_eq!(decode(0x3443_ffff).imm, 0xffff);
        // A write to r0 goes to the sink; sw has no destination.
        assert_eq!(decode(0x2440_0001).dst, SINK);
        assert_eq!(decode(0xac43_0000).dst, SINK);
        // REGIMM with an unknown rt is a branch never taken; opcode 0x2f reads memory first.
        assert_eq!(decode(0x0402_0004).kind, Kind::BranchNever);
        assert_eq!(decode(0xbc00_0000).kind, Kind::InvalidAfterLoad);
        assert_eq!(decode(0x4400_0000).kind, Kind::Invalid); // COP1
        assert_eq!(decode(0x7000_0003).kind, Kind::Invalid); // SPECIAL2 fun 3
    }

    #[test]
    fn fast_form_leaves_rare_work_to_the_step() {
        assert_eq!(fast_form(decode(0xc)).kind, Kind::Slow);
        assert_eq!(fast_form(decode(special(0x1a, 0, 0))).kind, Kind::Slow);
        assert_eq!(fast_form(decode(0xc043_0000)).kind, Kind::Slow); // ll
        assert_eq!(fast_form(decode(0x2443_ffff)).kind, Kind::Addi);
        // An absent page is all slow (it once decoded as 0xffffffff: `sd ra, -1(ra)`, where the
        // reference reads zeros, a nop).
        assert!(decode_page(None).iter().all(|op| op.kind == Kind::Slow));
    }
}
