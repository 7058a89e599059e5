//! Just enough 256-bit two's complement arithmetic to reproduce, bit for bit, the onchain
//! fixed-point math the bond formula uses (Solady's `lnWad`, `expWad`, `powWad`, `mulWad`,
//! `divWad`, as evaluated by the EVM: wrapping `*`/`+`/`-`, `sdiv` truncating toward zero,
//! arithmetic `>>` on signed values).

use core::cmp::Ordering;

/// WAD = 1e18, the fixed-point scale.
pub const WAD: u128 = 1_000_000_000_000_000_000;

/// A 256-bit two's complement integer (little-endian 64-bit limbs).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct I256([u64; 4]);

impl I256 {
    pub const ZERO: I256 = I256([0; 4]);

    pub fn from_i128(v: i128) -> I256 {
        let lo = v as u128;
        let hi = if v < 0 { u64::MAX } else { 0 };
        I256([lo as u64, (lo >> 64) as u64, hi, hi])
    }

    /// Parses a non-negative decimal constant.
    pub fn dec(s: &str) -> I256 {
        let ten = I256::from_i128(10);
        s.bytes().fold(I256::ZERO, |acc, b| {
            debug_assert!(b.is_ascii_digit());
            acc.mul(ten).add(I256::from_i128((b - b'0') as i128))
        })
    }

    pub fn is_neg(self) -> bool {
        self.0[3] >> 63 == 1
    }

    /// The value as i128, if it fits.
    pub fn to_i128(self) -> Option<i128> {
        let lo = (self.0[0] as u128) | ((self.0[1] as u128) << 64);
        let v = lo as i128;
        (I256::from_i128(v) == self).then_some(v)
    }

    pub fn add(self, o: I256) -> I256 {
        let mut out = [0u64; 4];
        let mut carry = 0u128;
        for (i, limb) in out.iter_mut().enumerate() {
            let s = self.0[i] as u128 + o.0[i] as u128 + carry;
            *limb = s as u64;
            carry = s >> 64;
        }
        I256(out)
    }

    pub fn neg(self) -> I256 {
        I256([!self.0[0], !self.0[1], !self.0[2], !self.0[3]]).add(I256::from_i128(1))
    }

    pub fn sub(self, o: I256) -> I256 {
        self.add(o.neg())
    }

    /// Wrapping multiplication (the low 256 bits, the same for signed and unsigned).
    pub fn mul(self, o: I256) -> I256 {
        let mut out = [0u64; 4];
        for i in 0..4 {
            let mut carry = 0u128;
            for j in 0..(4 - i) {
                let t = self.0[i] as u128 * o.0[j] as u128 + out[i + j] as u128 + carry;
                out[i + j] = t as u64;
                carry = t >> 64;
            }
        }
        I256(out)
    }

    pub fn shl(self, n: u32) -> I256 {
        if n >= 256 {
            return I256::ZERO;
        }
        let (limbs, bits) = ((n / 64) as usize, n % 64);
        let mut out = [0u64; 4];
        for i in (limbs..4).rev() {
            let src = i - limbs;
            out[i] = self.0[src] << bits;
            if bits > 0 && src > 0 {
                out[i] |= self.0[src - 1] >> (64 - bits);
            }
        }
        I256(out)
    }

    /// Logical shift right (EVM `shr`).
    pub fn shr(self, n: u32) -> I256 {
        if n >= 256 {
            return I256::ZERO;
        }
        let (limbs, bits) = ((n / 64) as usize, n % 64);
        let mut out = [0u64; 4];
        for (i, limb) in out.iter_mut().enumerate().take(4 - limbs) {
            let src = i + limbs;
            *limb = self.0[src] >> bits;
            if bits > 0 && src + 1 < 4 {
                *limb |= self.0[src + 1] << (64 - bits);
            }
        }
        I256(out)
    }

    /// Arithmetic shift right (EVM `sar`, Solidity `>>` on int256).
    pub fn sar(self, n: u32) -> I256 {
        if !self.is_neg() {
            return self.shr(n);
        }
        // -((-x - 1) >> n) - 1 rounds toward negative infinity.
        let ones = self.neg().sub(I256::from_i128(1));
        ones.shr(n).neg().sub(I256::from_i128(1))
    }

    fn ucmp(self, o: I256) -> Ordering {
        for i in (0..4).rev() {
            match self.0[i].cmp(&o.0[i]) {
                Ordering::Equal => continue,
                ord => return ord,
            }
        }
        Ordering::Equal
    }

    fn bit_len(self) -> u32 {
        for i in (0..4).rev() {
            if self.0[i] != 0 {
                return 64 * i as u32 + 64 - self.0[i].leading_zeros();
            }
        }
        0
    }

    /// Unsigned division (EVM `div`; division by zero gives zero).
    pub fn udiv(self, d: I256) -> I256 {
        if d == I256::ZERO {
            return I256::ZERO;
        }
        let mut q = I256::ZERO;
        let mut r = I256::ZERO;
        for bit in (0..self.bit_len()).rev() {
            r = r.shl(1);
            if (self.0[(bit / 64) as usize] >> (bit % 64)) & 1 == 1 {
                r.0[0] |= 1;
            }
            if r.ucmp(d) != Ordering::Less {
                r = r.sub(d);
                q.0[(bit / 64) as usize] |= 1 << (bit % 64);
            }
        }
        q
    }

    /// Signed division truncating toward zero (EVM `sdiv`, Solidity `/` on int256).
    pub fn sdiv(self, d: I256) -> I256 {
        let (a, b) = (self.abs(), d.abs());
        let q = a.udiv(b);
        if self.is_neg() != d.is_neg() {
            q.neg()
        } else {
            q
        }
    }

    fn abs(self) -> I256 {
        if self.is_neg() {
            self.neg()
        } else {
            self
        }
    }
}

/// Why a fixed-point operation reverts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MathError {
    /// `lnWad` of a non-positive number.
    LnWadUndefined,
    /// `expWad` result too large for an int256.
    ExpOverflow,
    /// `mulWad` / `divWad` overflow or division by zero.
    Overflow,
}

/// `(x * y) / WAD` rounded down (Solady `mulWad`), for values whose product fits in u128 here.
pub fn mul_wad(x: u128, y: u128) -> Result<u128, MathError> {
    let p = I256::from_i128(x as i128).mul(I256::from_i128(y as i128));
    let q = p.udiv(I256::from_i128(WAD as i128));
    q.to_i128()
        .filter(|v| *v >= 0 && x <= i128::MAX as u128 && y <= i128::MAX as u128)
        .map(|v| v as u128)
        .ok_or(MathError::Overflow)
}

/// `(x * WAD) / y` rounded down (Solady `divWad`).
pub fn div_wad(x: u128, y: u128) -> Result<u128, MathError> {
    if y == 0 || x > i128::MAX as u128 {
        return Err(MathError::Overflow);
    }
    let p = I256::from_i128(x as i128).mul(I256::from_i128(WAD as i128));
    p.udiv(I256::from_i128(y as i128))
        .to_i128()
        .filter(|v| *v >= 0)
        .map(|v| v as u128)
        .ok_or(MathError::Overflow)
}

/// Natural logarithm in WAD (Solady `lnWad`, the same integer result).
pub fn ln_wad(x: i128) -> Result<i128, MathError> {
    if x <= 0 {
        return Err(MathError::LnWadUndefined);
    }
    let x256 = I256::from_i128(x);
    let log2 = 127 - x.leading_zeros();
    // Normalize into (1, 2) * 2^96: shift the top bit to bit 255, then down by 159.
    let t = 255 - log2;
    let x = x256.shl(t).shr(159);

    let c = I256::dec;
    let step = |acc: I256, k: I256| acc.mul(x).sar(96).add(k);
    // Numerator, monic: evaluated in 2^96 basis, left in 2^192 basis for the division.
    let mut p = x.add(c("3273285459638523848632254066296"));
    p = step(p, c("24828157081833163892658089445524"));
    p = step(p, c("43456485725739037958740375743393"));
    p = step(p, c("11111509109440967052023855526967").neg());
    p = step(p, c("45023709667254063763336534515857").neg());
    p = step(p, c("14706773417378608786704636184526").neg());
    p = p.mul(x).sub(c("795164235651350426258249787498").shl(96));
    let mut q = x.add(c("5573035233440673466300451813936"));
    for k in [
        "71694874799317883764090561454958",
        "283447036172924575727196451306956",
        "401686690394027663651624208769553",
        "204048457590392012362485061816622",
        "31853899698501571402653359427138",
        "909429971244387300277376558375",
    ] {
        q = step(q, c(k));
    }
    let mut r = p.sdiv(q);
    // Scale, add k * ln 2 and ln(2^96 / 1e18), then convert from 5^18 * 2^192 to WAD.
    r = r.mul(c("1677202110996718588342820967067443963516166"));
    let k = I256::from_i128(159 - t as i128);
    r = r.add(c("16597577552685614221487285958193947469193820559219878177908093499208371").mul(k));
    r = r.add(c(
        "600920179829731861736702779321621459595472258049074101567377883020018308",
    ));
    Ok(r.sar(174).to_i128().expect("lnWad of an i128 fits an i128"))
}

/// e^x in WAD (Solady `expWad`, the same integer result).
pub fn exp_wad(x: i128) -> Result<i128, MathError> {
    if x <= -41_446_531_673_892_822_313 {
        return Ok(0);
    }
    if x >= 135_305_999_368_893_231_589 {
        return Err(MathError::ExpOverflow);
    }
    let c = I256::dec;
    // From WAD to a 2^96 basis: x * 2^78 / 5^18.
    let five18 = I256::from_i128(3_814_697_265_625);
    let mut x = I256::from_i128(x).shl(78).sdiv(five18);
    // Range reduction: exp(x) = exp(x') * 2^k with k = round(x / ln 2).
    let ln2 = c("54916777467707473351141471128");
    let k = x.shl(96).sdiv(ln2).add(I256::from_i128(1).shl(95)).sar(96);
    x = x.sub(k.mul(ln2));

    let step = |acc: I256, k: I256| acc.mul(x).sar(96).add(k);
    let y = x.add(c("1346386616545796478920950773328"));
    let y = step(y, c("57155421227552351082224309758442"));
    let mut p = y.add(x).sub(c("94201549194550492254356042504812"));
    p = p
        .mul(y)
        .sar(96)
        .add(c("28719021644029726153956944680412240"));
    p = p
        .mul(x)
        .add(c("4385272521454847904659076985693276").shl(96));

    let mut q = x.sub(c("2855989394907223263936484059900"));
    q = step(q, c("50020603652535783019961831881945"));
    q = step(q, c("533845033583426703283633433725380").neg());
    q = step(q, c("3604857256930695427073651918091429"));
    q = step(q, c("14423608567350463180887372962807573").neg());
    q = step(q, c("26449188498355588339934803723976023"));

    let r = p.sdiv(q);
    let k = k.to_i128().expect("k is small");
    let scaled = r
        .mul(c("3822833074963236453042738258902158003155416615667"))
        .shr((195 - k) as u32);
    Ok(scaled
        .to_i128()
        .expect("expWad in the bond's range fits an i128"))
}

/// x^y in WAD (Solady `powWad`: `expWad(lnWad(x) * y / WAD)`).
pub fn pow_wad(x: i128, y: i128) -> Result<i128, MathError> {
    let l = I256::from_i128(ln_wad(x)?);
    let e = l.mul(I256::from_i128(y)).sdiv(I256::from_i128(WAD as i128));
    exp_wad(e.to_i128().ok_or(MathError::ExpOverflow)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn i256_basics() {
        let a = I256::from_i128(-5);
        assert_eq!(a.sdiv(I256::from_i128(2)).to_i128(), Some(-2));
        assert_eq!(a.sar(1).to_i128(), Some(-3));
        assert_eq!(
            I256::from_i128(7).sdiv(I256::from_i128(-2)).to_i128(),
            Some(-3)
        );
        let big = I256::from_i128(1).shl(200);
        assert_eq!(big.shr(199).to_i128(), Some(2));
        assert_eq!(
            big.udiv(I256::from_i128(1).shl(100)),
            I256::from_i128(1).shl(100)
        );
        assert_eq!(
            I256::dec("123456789012345678901234567890").to_i128(),
            Some(123456789012345678901234567890)
        );
        let m = I256::from_i128(-3).mul(I256::from_i128(1 << 100));
        assert_eq!(m.to_i128(), Some(-3 * (1 << 100)));
    }

    #[test]
    fn ln_and_exp_are_close_to_the_real_functions() {
        // Known values of the exact algorithm are checked through the bonds; here only sanity.
        assert_eq!(exp_wad(0).unwrap(), WAD as i128);
        assert_eq!(ln_wad(WAD as i128).unwrap(), 0);
        let e = exp_wad(WAD as i128).unwrap();
        assert!((e - 2_718_281_828_459_045_235).abs() < 10, "{e}");
        let l = ln_wad(2 * WAD as i128).unwrap();
        assert!((l - 693_147_180_559_945_309).abs() < 10, "{l}");
        assert_eq!(ln_wad(0), Err(MathError::LnWadUndefined));
        assert_eq!(exp_wad(-42 * WAD as i128), Ok(0));
        assert_eq!(exp_wad(136 * WAD as i128), Err(MathError::ExpOverflow));
        let p = pow_wad(2 * WAD as i128, 10 * WAD as i128).unwrap();
        assert!((p - 1024 * WAD as i128).abs() < 1_000_000, "{p}");
    }
}
