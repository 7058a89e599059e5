//! What instructions compute (§4.4, §4.5), written once for the reference step and the
//! interpreter: register results, subword selection within the 8-byte big-endian memory word,
//! the unaligned loads and stores, the HI/LO unit. Shifts by the operand's width or more give 0,
//! as in Solidity and Go.

/// The low 32 bits of `x`, sign-extended.
#[inline(always)]
pub(crate) fn sext32(x: u64) -> u64 {
    x as u32 as i32 as i64 as u64
}

/// The low `bits` bits of `x`, sign-extended (1 <= bits <= 64).
#[inline(always)]
pub(crate) fn sign_extend(x: u64, bits: u32) -> u64 {
    let shift = 64 - bits;
    (((x << shift) as i64) >> shift) as u64
}

/// `x << n`, 0 once `n` reaches 64.
#[inline(always)]
fn shl(x: u64, n: u64) -> u64 {
    x.checked_shl(n as u32).filter(|_| n < 64).unwrap_or(0)
}

/// `x >> n`, 0 once `n` reaches 64.
#[inline(always)]
fn shr(x: u64, n: u64) -> u64 {
    x.checked_shr(n as u32).filter(|_| n < 64).unwrap_or(0)
}

#[inline(always)]
pub(crate) fn sll(rt: u64, sa: u32) -> u64 {
    sext32((rt << sa) & 0xffff_ffff)
}

#[inline(always)]
pub(crate) fn srl(rt: u64, sa: u32) -> u64 {
    sext32((rt & 0xffff_ffff) >> sa)
}

#[inline(always)]
pub(crate) fn sra(rt: u64, sa: u32) -> u64 {
    sign_extend((rt & 0xffff_ffff) >> sa, 32 - sa)
}

#[inline(always)]
pub(crate) fn add32(a: u64, b: u64) -> u64 {
    sext32((a as u32).wrapping_add(b as u32) as u64)
}

#[inline(always)]
pub(crate) fn sub32(a: u64, b: u64) -> u64 {
    sext32((a as u32).wrapping_sub(b as u32) as u64)
}

#[inline(always)]
pub(crate) fn slt(a: u64, b: u64) -> u64 {
    ((a as i64) < (b as i64)) as u64
}

#[inline(always)]
pub(crate) fn sltu(a: u64, b: u64) -> u64 {
    (a < b) as u64
}

#[inline(always)]
pub(crate) fn lui(imm: u64) -> u64 {
    sext32(imm << 16)
}

#[inline(always)]
pub(crate) fn mul(a: u64, b: u64) -> u64 {
    sext32((a as i32).wrapping_mul(b as i32) as u32 as u64)
}

/// Leading ones of the low 32 bits (`clo`); `clz` is `clo` of the complement.
#[inline(always)]
pub(crate) fn clo(a: u64) -> u64 {
    (a as u32).leading_ones() as u64
}

#[inline(always)]
pub(crate) fn clz(a: u64) -> u64 {
    clo(!a)
}

#[inline(always)]
pub(crate) fn dclo(a: u64) -> u64 {
    a.leading_ones() as u64
}

#[inline(always)]
pub(crate) fn dclz(a: u64) -> u64 {
    a.leading_zeros() as u64
}

#[inline(always)]
pub(crate) fn dsllv(rt: u64, rs: u64) -> u64 {
    rt << (rs & 63)
}

#[inline(always)]
pub(crate) fn dsrlv(rt: u64, rs: u64) -> u64 {
    rt >> (rs & 63)
}

#[inline(always)]
pub(crate) fn dsrav(rt: u64, rs: u64) -> u64 {
    ((rt as i64) >> (rs & 63)) as u64
}

/// The bit offset of the naturally aligned `len`-byte subword holding `vaddr` in its
/// big-endian 8-byte word, and the mask of `len` bytes.
#[inline(always)]
fn subword(vaddr: u64, len: u64) -> (u64, u64) {
    let index = vaddr & 7 & !(len - 1);
    let offset = (8 - len - index) * 8;
    let mask = u64::MAX >> (64 - len * 8);
    (offset, mask)
}

/// The naturally aligned `len`-byte subword of `word` holding `vaddr`.
#[inline(always)]
pub(crate) fn select(vaddr: u64, word: u64, len: u64, signed: bool) -> u64 {
    let (offset, mask) = subword(vaddr, len);
    let v = (word >> offset) & mask;
    if signed {
        sign_extend(v, (len * 8) as u32)
    } else {
        v
    }
}

/// `word` with the naturally aligned `len`-byte subword holding `vaddr` replaced by `value`.
#[inline(always)]
pub(crate) fn update(vaddr: u64, word: u64, len: u64, value: u64) -> u64 {
    let (offset, mask) = subword(vaddr, len);
    ((value & mask) << offset) | (word & !(mask << offset))
}

#[inline(always)]
pub(crate) fn lwl(vaddr: u64, mem: u64, rt: u64) -> u64 {
    let w = select(vaddr, mem, 4, false) as u32;
    let k = ((vaddr & 3) * 8) as u32;
    let val = (w << k) as u64;
    let mask = (0xffff_ffffu32 << k) as u64;
    sext32(((rt & !mask) | val) & 0xffff_ffff)
}

#[inline(always)]
pub(crate) fn lwr(vaddr: u64, mem: u64, rt: u64) -> u64 {
    let w = select(vaddr, mem, 4, false) as u32;
    let k = (24 - (vaddr & 3) * 8) as u32;
    let val = w >> k;
    let mask = 0xffff_ffffu32 >> k;
    let r = ((rt as u32) & !mask) | val;
    if vaddr & 3 == 3 {
        sext32(r as u64)
    } else {
        (rt & 0xffff_ffff_0000_0000) | r as u64
    }
}

#[inline(always)]
pub(crate) fn ldl(vaddr: u64, mem: u64, rt: u64) -> u64 {
    let sl = (vaddr & 7) * 8;
    (mem << sl) | (rt & !(u64::MAX << sl))
}

#[inline(always)]
pub(crate) fn ldr(vaddr: u64, mem: u64, rt: u64) -> u64 {
    let sr = 56 - (vaddr & 7) * 8;
    (mem >> sr) | (rt & shl(u64::MAX, 64 - sr))
}

#[inline(always)]
pub(crate) fn lwu(vaddr: u64, mem: u64) -> u64 {
    (mem >> (32 - ((vaddr & 4) << 3))) & 0xffff_ffff
}

#[inline(always)]
pub(crate) fn swl(vaddr: u64, mem: u64, rt: u64) -> u64 {
    let sr = (vaddr & 3) << 3;
    let s = 32 - ((vaddr & 4) << 3);
    let val = ((rt & 0xffff_ffff) >> sr) << s;
    let mask = (0xffff_ffffu64 >> sr) << s;
    (mem & !mask) | val
}

#[inline(always)]
pub(crate) fn swr(vaddr: u64, mem: u64, rt: u64) -> u64 {
    let w = select(vaddr, mem, 4, false) as u32;
    let k = (24 - (vaddr & 3) * 8) as u32;
    let val = (rt << k) as u32;
    let mask = 0xffff_ffffu32 << k;
    update(vaddr, mem, 4, ((w & !mask) | val) as u64)
}

#[inline(always)]
pub(crate) fn sdl(vaddr: u64, mem: u64, rt: u64) -> u64 {
    let sr = (vaddr & 7) * 8;
    (rt >> sr) | (mem & !(u64::MAX >> sr))
}

#[inline(always)]
pub(crate) fn sdr(vaddr: u64, mem: u64, rt: u64) -> u64 {
    let sl = 56 - (vaddr & 7) * 8;
    (rt << sl) | (mem & !(u64::MAX << sl))
}

/// The value a load of `kind` writes to its register: `mem` is the 8-byte word at `addr & !7`,
/// `rt` the register's old value (for the unaligned loads).
#[inline(always)]
pub(crate) fn load_result(kind: crate::decode::Kind, addr: u64, mem: u64, rt: u64) -> u64 {
    use crate::decode::Kind::*;
    match kind {
        Lb => select(addr, mem, 1, true),
        Lh => select(addr, mem, 2, true),
        Lw => select(addr, mem, 4, true),
        Ld => mem,
        Lbu => select(addr, mem, 1, false),
        Lhu => select(addr, mem, 2, false),
        Lwu => lwu(addr, mem),
        Lwl => lwl(addr, mem, rt),
        Lwr => lwr(addr, mem, rt),
        Ldl => ldl(addr, mem, rt),
        Ldr => ldr(addr, mem, rt),
        _ => unreachable!("not a load"),
    }
}

/// The word a store of `kind` leaves at `addr & !7`, which held `mem`; `rt` is the value stored.
#[inline(always)]
pub(crate) fn store_result(kind: crate::decode::Kind, addr: u64, mem: u64, rt: u64) -> u64 {
    use crate::decode::Kind::*;
    match kind {
        Sb => update(addr, mem, 1, rt),
        Sh => update(addr, mem, 2, rt),
        Sw => update(addr, mem, 4, rt),
        Sd => rt,
        Swl => swl(addr, mem, rt),
        Swr => swr(addr, mem, rt),
        Sdl => sdl(addr, mem, rt),
        Sdr => sdr(addr, mem, rt),
        _ => unreachable!("not a store"),
    }
}

/// The result of the HI/LO unit: the value written to rd (0 for the instructions that only set
/// HI/LO), or `None` for a division by zero (the step reverts).
#[inline(always)]
pub(crate) fn hilo(
    kind: crate::decode::Kind,
    rs: u64,
    rt: u64,
    hi: &mut u64,
    lo: &mut u64,
) -> Option<u64> {
    use crate::decode::Kind::*;
    match kind {
        Mfhi => return Some(*hi),
        Mflo => return Some(*lo),
        Mthi => *hi = rs,
        Mtlo => *lo = rs,
        Dsllv => return Some(dsllv(rt, rs)),
        Dsrlv => return Some(dsrlv(rt, rs)),
        Dsrav => return Some(dsrav(rt, rs)),
        Mult => {
            let acc = ((rs as i32 as i64) * (rt as i32 as i64)) as u64;
            *hi = sext32(acc >> 32);
            *lo = sext32(acc);
        }
        Multu => {
            let acc = (rs as u32 as u64) * (rt as u32 as u64);
            *hi = sext32(acc >> 32);
            *lo = sext32(acc);
        }
        Div => {
            if rt as u32 == 0 {
                return None;
            }
            *hi = sext32((rs as i32).wrapping_rem(rt as i32) as u32 as u64);
            *lo = sext32((rs as i32).wrapping_div(rt as i32) as u32 as u64);
        }
        Divu => {
            if rt as u32 == 0 {
                return None;
            }
            *hi = sext32(((rs as u32) % (rt as u32)) as u64);
            *lo = sext32(((rs as u32) / (rt as u32)) as u64);
        }
        Dmult => {
            let p = (rs as i64 as i128) * (rt as i64 as i128);
            *hi = (p >> 64) as u64;
            *lo = p as u64;
        }
        Dmultu => {
            let p = (rs as u128) * (rt as u128);
            *hi = (p >> 64) as u64;
            *lo = p as u64;
        }
        Ddiv => {
            if rt == 0 {
                return None;
            }
            *hi = (rs as i64).wrapping_rem(rt as i64) as u64;
            *lo = (rs as i64).wrapping_div(rt as i64) as u64;
        }
        Ddivu => {
            if rt == 0 {
                return None;
            }
            *hi = rs % rt;
            *lo = rs / rt;
        }
        _ => unreachable!("not a HI/LO instruction"),
    }
    Some(0)
}

/// getrandom's mask of the `n` bytes at byte `index` of a big-endian word (n + index <= 8).
#[inline(always)]
pub(crate) fn byte_mask(index: u64, n: u64) -> u64 {
    let ones = if n >= 8 {
        u64::MAX
    } else {
        (1u64 << (n * 8)) - 1
    };
    shr(shl(ones, (8 - n) * 8), index * 8)
}

/// splitmix64 of `seed` (getrandom's generator).
pub(crate) fn splitmix64(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subwords_are_big_endian_and_naturally_aligned() {
        let w = 0x0011_2233_4455_6677u64;
        assert_eq!(select(0x1000, w, 1, false), 0x00);
        assert_eq!(select(0x1007, w, 1, false), 0x77);
        assert_eq!(select(0x1003, w, 2, false), 0x2233); // halfword at 2
        assert_eq!(select(0x1004, w, 4, false), 0x4455_6677);
        assert_eq!(select(0x1001, 0x80u64 << 48, 1, true), u64::MAX << 7);
        assert_eq!(update(0x1006, w, 2, 0xabcd), 0x0011_2233_4455_abcd);
    }

    #[test]
    fn shifts_and_sign_extension() {
        assert_eq!(sra(0x8000_0000, 31), u64::MAX);
        assert_eq!(sra(0x8000_0000, 0), 0xffff_ffff_8000_0000);
        assert_eq!(sll(1, 31), 0xffff_ffff_8000_0000);
        assert_eq!(srl(0xffff_ffff_0000_0000, 4), 0);
        assert_eq!(ldr(0x1000, 7, 0xaa << 56), 0xaa00_0000_0000_0000); // sr = 56, mask << 8
        assert_eq!(ldr(0x1007, 7, 0xaa), 7); // sr = 0: the whole word, no shift by 64
        assert_eq!(byte_mask(0, 0), 0);
        assert_eq!(byte_mask(0, 8), u64::MAX);
        assert_eq!(byte_mask(3, 2), 0x0000_00ff_ff00_0000);
    }

    #[test]
    fn clz_and_clo_count_within_their_width() {
        assert_eq!(clz(0), 32);
        assert_eq!(clz(0xffff_ffff_0000_0001), 31);
        assert_eq!(clo(0xffff_fff0), 28);
        assert_eq!(dclz(1), 63);
        assert_eq!(dclo(u64::MAX), 64);
    }

    #[test]
    fn splitmix64_matches_the_reference_values() {
        // splitmix64(0), from the reference C implementation's first output for seed 0.
        assert_eq!(splitmix64(0), 0xe220_a839_7b1d_cdaf);
    }
}
