//! Scalars for the variable-time multiplication: the GLV split of a scalar into two halves of
//! about 128 bits, and their width-w non-adjacent forms (wNAF).
//!
//! secp256k1 has an efficiently computable endomorphism, λ·(x, y) = (β·x, y), so `k·P` is
//! `k₁·P + k₂·(λP)` with `k = k₁ + k₂·λ (mod n)`: half as many doublings. The split here is the
//! usual rounding against a short basis of the lattice {(a, b): a + b·λ ≡ 0 (mod n)}; it is
//! exact for every k (k₁ is computed as k - k₂·λ), and the bound on the halves (about 2¹²⁸) only
//! matters for speed: the wNAF below handles any 256-bit value.
use k256::elliptic_curve::ff::PrimeField;
use k256::elliptic_curve::scalar::IsHigh;
use k256::{FieldBytes, Scalar};

/// λ, a cube root of unity modulo n (little-endian 64-bit limbs).
const LAMBDA: [u64; 4] = [
    0xdf02967c1b23bd72,
    0x122e22ea20816678,
    0xa5261c028812645a,
    0x5363ad4cc05c30e0,
];
/// round(2³⁸⁴·b₂ / n) and round(2³⁸⁴·(-b₁) / n) for the basis (a₁, b₁) = (0x3086…eb15,
/// -0xe443…e4c3), (a₂, b₂) = (0x1_14ca…4cfd8, 0x3086…eb15).
const G1: [u64; 4] = [
    0xe893209a45dbb031,
    0x3daa8a1471e8ca7f,
    0xe86c90e49284eb15,
    0x3086d221a7d46bcd,
];
const G2: [u64; 4] = [
    0x1571b4ae8ac47f71,
    0x221208ac9df506c6,
    0x6f547fa90abfe4c4,
    0xe4437ed6010e8828,
];
/// -b₁ (it fits in 128 bits).
const MINUS_B1: u128 = 0xe4437ed6010e88286f547fa90abfe4c3;
/// -b₂ modulo n.
const MINUS_B2: [u64; 4] = [
    0xd765cda83db1562c,
    0x8a280ac50774346d,
    0xfffffffffffffffe,
    0xffffffffffffffff,
];

/// A scalar below n from little-endian limbs.
fn scalar_from_limbs(limbs: &[u64; 4]) -> Scalar {
    let mut bytes = FieldBytes::default();
    for (i, limb) in limbs.iter().enumerate() {
        bytes[24 - 8 * i..32 - 8 * i].copy_from_slice(&limb.to_be_bytes());
    }
    Option::from(Scalar::from_repr(bytes)).expect("constant below n")
}

/// The little-endian limbs of a scalar.
pub fn limbs(k: &Scalar) -> [u64; 4] {
    let bytes = k.to_repr();
    let mut out = [0u64; 4];
    for (i, limb) in out.iter_mut().enumerate() {
        *limb = u64::from_be_bytes(bytes[24 - 8 * i..32 - 8 * i].try_into().unwrap());
    }
    out
}

/// `round(a·b / 2³⁸⁴)` for 256-bit `a` and `b` (the result fits in 128 bits for b below 2²⁵⁶
/// and a below n).
fn mul_shift_384(a: &[u64; 4], b: &[u64; 4]) -> u128 {
    let mut t = [0u64; 8];
    for i in 0..4 {
        let mut carry = 0u128;
        for j in 0..4 {
            let v = u128::from(a[i]) * u128::from(b[j]) + u128::from(t[i + j]) + carry;
            t[i + j] = v as u64;
            carry = v >> 64;
        }
        t[i + 4] = carry as u64;
    }
    (u128::from(t[7]) << 64 | u128::from(t[6])) + u128::from(t[5] >> 63)
}

/// A half of a split scalar: `value` if `neg` is false, else `-value`.
#[derive(Clone, Copy, Debug)]
pub struct Half {
    /// The absolute value (at most n/2), little-endian limbs.
    pub value: [u64; 4],
    /// Whether the half is the negative of `value`.
    pub neg: bool,
}

fn half(k: Scalar) -> Half {
    let neg = bool::from(k.is_high());
    let k = if neg { -k } else { k };
    Half {
        value: limbs(&k),
        neg,
    }
}

/// `(k₁, k₂)` with `k ≡ k₁ + k₂·λ (mod n)`, each about 128 bits or less in absolute value.
pub fn split(k: &Scalar) -> (Half, Half) {
    let kl = limbs(k);
    let c1 = Scalar::from(mul_shift_384(&kl, &G1));
    let c2 = Scalar::from(mul_shift_384(&kl, &G2));
    let k2 = c1 * Scalar::from(MINUS_B1) + c2 * scalar_from_limbs(&MINUS_B2);
    let k1 = *k - k2 * scalar_from_limbs(&LAMBDA);
    (half(k1), half(k2))
}

/// The largest wNAF length: a 256-bit value and a final carry digit a window past its top.
pub const WNAF_MAX: usize = 256 + 16;

/// The width-`w` NAF of `k` (2 ≤ w ≤ 14): digits zero or odd in (-2^(w-1), 2^(w-1)), every
/// nonzero digit followed by at least w - 1 zeros, `k = Σ digits[i]·2^i`. Returns the length
/// (one past the highest nonzero digit; 0 for k = 0).
pub fn wnaf(k: &[u64; 4], w: u32, digits: &mut [i16; WNAF_MAX]) -> usize {
    debug_assert!((2..=14).contains(&w));
    // The w bits of k from bit `i` (zeros above bit 255).
    let bits = |i: usize| -> u32 {
        if i >= 256 {
            return 0;
        }
        let (limb, shift) = (i / 64, i % 64);
        let mut v = k[limb] >> shift;
        if shift + w as usize > 64 && limb + 1 < 4 {
            v |= k[limb + 1] << (64 - shift);
        }
        (v & ((1u64 << w) - 1)) as u32
    };
    digits.fill(0);
    let mut len = 0;
    // What is left to write is (k >> i) + carry, scanned from bit i upwards.
    let mut carry = 0u32;
    let mut i = 0;
    while i < 256 || carry != 0 {
        if bits(i) & 1 == carry {
            // Bit and carry both 0, or both 1 (their sum carries on): digit 0.
            i += 1;
            continue;
        }
        let word = bits(i) + carry;
        carry = (word >> (w - 1)) & 1;
        digits[i] = word as i16 - (carry << w) as i16;
        len = i + 1;
        i += w as usize;
    }
    len
}
