//! The arithmetic of every register-writing instruction, as the onchain step computes it, written
//! once: one small function per instruction, which the interpreter calls from its arm of the
//! dispatch and the reference step through [`eval`]; the JIT's helpers call [`mul_div`] and
//! [`mul_div_w`] for division.

use crate::decode::Kind;

/// Sign-extends the low 32 bits.
#[inline(always)]
pub(crate) fn sext32(v: u64) -> u64 {
    v as u32 as i32 as i64 as u64
}

/// Defines one function per ALU instruction, `fn(a, b, imm, pc) -> u64` (rs1, rs2, the
/// sign-extended immediate or shift amount, the pc), and [`eval`] dispatching on the kind.
macro_rules! alu_ops {
    ($($kind:ident => $name:ident: |$a:ident, $b:ident, $imm:ident, $pc:ident| $body:expr;)*) => {
        $(
            #[doc = concat!("`", stringify!($kind), "`.")]
            #[inline(always)]
            #[allow(unused_variables)]
            pub(crate) fn $name($a: u64, $b: u64, $imm: u64, $pc: u64) -> u64 {
                $body
            }
        )*

        /// The value an ALU instruction of `kind` writes to rd, from rs1 `a`, rs2 `b`, the
        /// immediate `imm` at `pc`; `None` for kinds that are not ALU instructions.
        #[inline]
        pub(crate) fn eval(kind: Kind, a: u64, b: u64, imm: u64, pc: u64) -> Option<u64> {
            Some(match kind {
                $(Kind::$kind => $name(a, b, imm, pc),)*
                _ => return None,
            })
        }
    };
}

alu_ops! {
    Zero => zero: |a, b, imm, pc| 0;
    Lui => lui: |a, b, imm, pc| imm;
    Auipc => auipc: |a, b, imm, pc| pc.wrapping_add(imm);
    Addi => addi: |a, b, imm, pc| a.wrapping_add(imm);
    Slti => slti: |a, b, imm, pc| ((a as i64) < (imm as i64)) as u64;
    Sltiu => sltiu: |a, b, imm, pc| (a < imm) as u64;
    Xori => xori: |a, b, imm, pc| a ^ imm;
    Ori => ori: |a, b, imm, pc| a | imm;
    Andi => andi: |a, b, imm, pc| a & imm;
    Slli => slli: |a, b, imm, pc| a << (imm & 0x3f);
    Srli => srli: |a, b, imm, pc| a >> (imm & 0x3f);
    Srai => srai: |a, b, imm, pc| ((a as i64) >> (imm & 0x3f)) as u64;
    Add => add: |a, b, imm, pc| a.wrapping_add(b);
    Sub => sub: |a, b, imm, pc| a.wrapping_sub(b);
    Sll => sll: |a, b, imm, pc| a << (b & 0x3f);
    Slt => slt: |a, b, imm, pc| ((a as i64) < (b as i64)) as u64;
    Sltu => sltu: |a, b, imm, pc| (a < b) as u64;
    Xor => xor: |a, b, imm, pc| a ^ b;
    Srl => srl: |a, b, imm, pc| a >> (b & 0x3f);
    Sra => sra: |a, b, imm, pc| ((a as i64) >> (b & 0x3f)) as u64;
    Or => or: |a, b, imm, pc| a | b;
    And => and: |a, b, imm, pc| a & b;
    Addiw => addiw: |a, b, imm, pc| sext32(a.wrapping_add(imm));
    Slliw => slliw: |a, b, imm, pc| sext32(a << (imm & 0x1f));
    Srliw => srliw: |a, b, imm, pc| sext32(((a as u32) >> (imm & 0x1f)) as u64);
    Sraiw => sraiw: |a, b, imm, pc| ((a as u32 as i32) >> (imm & 0x1f)) as i64 as u64;
    Addw => addw: |a, b, imm, pc| sext32(a.wrapping_add(b));
    Subw => subw: |a, b, imm, pc| sext32(a.wrapping_sub(b));
    Sllw => sllw: |a, b, imm, pc| sext32(a << (b & 0x1f));
    Srlw => srlw: |a, b, imm, pc| sext32(((a as u32) >> (b & 0x1f)) as u64);
    Sraw => sraw: |a, b, imm, pc| ((a as u32 as i32) >> (b & 0x1f)) as i64 as u64;
    Mul => mul: |a, b, imm, pc| mul_div(0, a, b);
    Mulh => mulh: |a, b, imm, pc| mul_div(1, a, b);
    Mulhsu => mulhsu: |a, b, imm, pc| mul_div(2, a, b);
    Mulhu => mulhu: |a, b, imm, pc| mul_div(3, a, b);
    Div => div: |a, b, imm, pc| mul_div(4, a, b);
    Divu => divu: |a, b, imm, pc| mul_div(5, a, b);
    Rem => rem: |a, b, imm, pc| mul_div(6, a, b);
    Remu => remu: |a, b, imm, pc| mul_div(7, a, b);
    Mulw => mulw: |a, b, imm, pc| mul_div_w(0, a, b);
    Divw => divw: |a, b, imm, pc| mul_div_w(4, a, b);
    Divuw => divuw: |a, b, imm, pc| mul_div_w(5, a, b);
    Remw => remw: |a, b, imm, pc| mul_div_w(6, a, b);
    Remuw => remuw: |a, b, imm, pc| mul_div_w(7, a, b);
}

/// MUL, MULH, MULHSU, MULHU, DIV, DIVU, REM, REMU by `funct3`: RISC-V's results for division by
/// zero and overflow.
#[inline(always)]
pub(crate) fn mul_div(funct3: u32, a: u64, b: u64) -> u64 {
    match funct3 & 7 {
        0 => a.wrapping_mul(b),
        1 => ((a as i64 as i128 * b as i64 as i128) >> 64) as u64,
        2 => ((a as i64 as i128).wrapping_mul(b as i128) >> 64) as u64,
        3 => ((a as u128 * b as u128) >> 64) as u64,
        4 => match b {
            0 => u64::MAX,
            _ => (a as i64).wrapping_div(b as i64) as u64,
        },
        5 => a.checked_div(b).unwrap_or(u64::MAX),
        6 => match b {
            0 => a,
            _ => (a as i64).wrapping_rem(b as i64) as u64,
        },
        _ => a.checked_rem(b).unwrap_or(a),
    }
}

/// MULW, DIVW, DIVUW, REMW, REMUW by `funct3` (the others give 0; the decoder never emits them).
/// As onchain, rs2 is truncated to its low 32 bits first, so the division-by-zero test looks at
/// those bits only; the rest is RISC-V's semantics.
#[inline(always)]
pub(crate) fn mul_div_w(funct3: u32, a: u64, b: u64) -> u64 {
    let b = b & 0xffff_ffff;
    let (sa, sb) = (sext32(a) as i64, sext32(b) as i64);
    let ua = a & 0xffff_ffff;
    match funct3 & 7 {
        0 => sext32(ua.wrapping_mul(b)),
        4 if b == 0 => u64::MAX,
        4 => sext32(sa.wrapping_div(sb) as u64),
        5 if b == 0 => u64::MAX,
        5 => sext32(ua / b),
        6 | 7 if b == 0 => sext32(a),
        6 => sext32(sa.wrapping_rem(sb) as u64),
        7 => sext32(ua % b),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn w_division_truncates_rs2_before_the_zero_test() {
        let high_only = 0x8000_0000_0000_0000;
        assert_eq!(mul_div_w(4, 7, high_only), u64::MAX, "divw by 0");
        assert_eq!(mul_div_w(5, 7, high_only), u64::MAX, "divuw by 0");
        assert_eq!(mul_div_w(6, 0x1_8000_0007, high_only), sext32(0x8000_0007));
        assert_eq!(mul_div_w(7, 0x1_0000_0007, high_only), 7);
        // The upper half of rs2 never matters.
        assert_eq!(mul_div_w(4, 100, 0xffff_ffff_0000_0007), 14);
        assert_eq!(mul_div_w(4, 0x8000_0000, u64::MAX), sext32(0x8000_0000));
        assert_eq!(mul_div_w(6, 0x8000_0000, u64::MAX), 0);
    }
}
