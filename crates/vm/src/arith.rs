//! The M extension's arithmetic as the reference computes it, shared by the generic step, the fast
//! interpreter and the JIT's helpers so its edge cases are written once.

/// Sign-extends the low 32 bits.
#[inline(always)]
pub(crate) fn sext32(v: u64) -> u64 {
    v as u32 as i32 as i64 as u64
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

/// MULW, DIVW, DIVUW, REMW, REMUW by `funct3` (1..=3 are not instructions and give 0). The zero
/// test looks at all 64 bits of rs2; a zero low half then divides by zero with EVM semantics
/// (result 0), as the reference does.
#[inline(always)]
pub(crate) fn mul_div_w(funct3: u32, a: u64, b: u64) -> u64 {
    let (sa, sb) = (sext32(a) as i64, sext32(b) as i64);
    let (ua, ub) = (a & 0xffff_ffff, b & 0xffff_ffff);
    match funct3 & 7 {
        0 => sext32(ua.wrapping_mul(ub)),
        4 if b == 0 => u64::MAX,
        4 => sext32(sa.checked_div(sb).unwrap_or(0) as u64),
        5 if b == 0 => u64::MAX,
        5 => sext32(ua.checked_div(ub).unwrap_or(0)),
        6 if b == 0 => sext32(a),
        6 => sext32(sa.checked_rem(sb).unwrap_or(0) as u64),
        7 if b == 0 => sext32(a),
        7 => sext32(ua.checked_rem(ub).unwrap_or(0)),
        _ => 0,
    }
}
