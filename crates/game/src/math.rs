//! The onchain fixed-point math the bond formula uses, bit for bit (Solady's `lnWad`, `expWad`,
//! `powWad`, `mulWad`, `divWad`), on alloy's 256-bit integers with the EVM's semantics:
//! wrapping `*`/`+`/`-`, `sdiv` truncating toward zero, arithmetic `>>` on signed values.

use alloy_primitives::{I256, U256};

/// WAD = 1e18, the fixed-point scale.
pub const WAD: u128 = 1_000_000_000_000_000_000;

/// The EVM's 256-bit operations on two's complement words, as the contract's math uses them
/// (wrapping `*`/`+`/`-`, `sdiv` truncating toward zero, logical and arithmetic shifts).
trait Evm: Sized {
    fn int(v: i128) -> Self;
    fn dec(s: &str) -> Self;
    fn add(self, o: Self) -> Self;
    fn sub(self, o: Self) -> Self;
    fn mul(self, o: Self) -> Self;
    fn neg(self) -> Self;
    fn shl(self, n: u32) -> Self;
    fn shr(self, n: u32) -> Self;
    fn sar(self, n: u32) -> Self;
    fn udiv(self, d: Self) -> Self;
    fn sdiv(self, d: Self) -> Self;
    fn to_i128(self) -> Option<i128>;
}

impl Evm for I256 {
    fn int(v: i128) -> Self {
        I256::try_from(v).expect("an i128 fits an int256")
    }
    fn dec(s: &str) -> Self {
        I256::from_dec_str(s).expect("a decimal constant")
    }
    fn add(self, o: Self) -> Self {
        self.wrapping_add(o)
    }
    fn sub(self, o: Self) -> Self {
        self.wrapping_sub(o)
    }
    fn mul(self, o: Self) -> Self {
        self.wrapping_mul(o)
    }
    fn neg(self) -> Self {
        self.wrapping_neg()
    }
    fn shl(self, n: u32) -> Self {
        self.wrapping_shl(n as usize)
    }
    fn shr(self, n: u32) -> Self {
        I256::from_raw(self.into_raw().wrapping_shr(n as usize))
    }
    fn sar(self, n: u32) -> Self {
        self.asr(n as usize)
    }
    /// EVM `div`: unsigned, division by zero gives zero.
    fn udiv(self, d: Self) -> Self {
        I256::from_raw(
            self.into_raw()
                .checked_div(d.into_raw())
                .unwrap_or(U256::ZERO),
        )
    }
    /// EVM `sdiv`: truncating toward zero, division by zero gives zero, MIN / -1 is MIN.
    fn sdiv(self, d: Self) -> Self {
        if d.is_zero() {
            I256::ZERO
        } else {
            self.wrapping_div(d)
        }
    }
    fn to_i128(self) -> Option<i128> {
        i128::try_from(self).ok()
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
    let p = I256::int(x as i128).mul(I256::int(y as i128));
    let q = p.udiv(I256::int(WAD as i128));
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
    let p = I256::int(x as i128).mul(I256::int(WAD as i128));
    p.udiv(I256::int(y as i128))
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
    let x256 = I256::int(x);
    let log2 = 127 - x.leading_zeros();
    // Normalize into (1, 2) * 2^96: shift the top bit to bit 255, then down by 159.
    let t = 255 - log2;
    let x = x256.shl(t).shr(159);

    let c = <I256 as Evm>::dec;
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
    let k = I256::int(159 - t as i128);
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
    let c = <I256 as Evm>::dec;
    // From WAD to a 2^96 basis: x * 2^78 / 5^18.
    let five18 = I256::int(3_814_697_265_625);
    let mut x = I256::int(x).shl(78).sdiv(five18);
    // Range reduction: exp(x) = exp(x') * 2^k with k = round(x / ln 2).
    let ln2 = c("54916777467707473351141471128");
    let k = x.shl(96).sdiv(ln2).add(I256::int(1).shl(95)).sar(96);
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
    let l = I256::int(ln_wad(x)?);
    let e = l.mul(I256::int(y)).sdiv(I256::int(WAD as i128));
    exp_wad(e.to_i128().ok_or(MathError::ExpOverflow)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evm_words() {
        let a = I256::int(-5);
        assert_eq!(a.sdiv(I256::int(2)).to_i128(), Some(-2));
        assert_eq!(a.sar(1).to_i128(), Some(-3));
        assert_eq!(I256::int(7).sdiv(I256::int(-2)).to_i128(), Some(-3));
        assert_eq!(I256::int(7).sdiv(I256::ZERO), I256::ZERO);
        assert_eq!(I256::MIN.sdiv(I256::MINUS_ONE), I256::MIN);
        let big = I256::int(1).shl(200);
        assert_eq!(big.shr(199).to_i128(), Some(2));
        assert_eq!(
            a.shr(250).to_i128(),
            Some(63),
            "logical shift of a negative word"
        );
        assert_eq!(big.udiv(I256::int(1).shl(100)), I256::int(1).shl(100));
        assert_eq!(
            I256::dec("123456789012345678901234567890").to_i128(),
            Some(123456789012345678901234567890)
        );
        let m = I256::int(-3).mul(I256::int(1 << 100));
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
