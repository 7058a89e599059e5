//! secp256k1 public key recovery for transaction senders and the ecrecover precompile.
//!
//! The same results as alloy's and revm's k256 recovery (`VerifyingKey::recover_from_prehash`
//! after normalizing `s`), for every input, with half the work: k256 verifies the signature
//! against the key it has just recovered, a second double-scalar multiplication that cannot
//! fail. With `s` low (nonzero, at most n/2) and `Q = r⁻¹(sR - zG)` not the identity, the
//! verification computes `zs⁻¹G + rs⁻¹Q = zs⁻¹G + s⁻¹(sR - zG) = R`, whose x coordinate is `r`
//! modulo n by the choice of `R`, so it always succeeds. Both callers normalize `s` first, and so
//! does [`recover`]. `tests/secp256k1.rs` compares the two on random and edge inputs.
//!
//! The double-scalar multiplication itself is not k256's constant-time one (complete formulas,
//! constant-time table lookups) but a variable-time one (`ecmult`: GLV split, wNAF, Jacobian
//! coordinates, G's multiples precomputed once), with the same result for every input: nothing
//! here is secret, the program recovers keys from public signatures.
mod ecmult;
mod glv;
mod point;

use alloy_consensus::crypto::{InvalidSignatureS, RecoveryError, SECP256K1N_HALF};
use alloy_consensus::{SignableTransaction, Signed};
use alloy_primitives::{keccak256, Address, Signature};
use k256::elliptic_curve::ff::PrimeField;
use k256::elliptic_curve::ops::{Invert, Reduce};
use k256::elliptic_curve::scalar::IsHigh;
use k256::{FieldBytes, FieldElement, Scalar, U256};
use revm::precompile::{Crypto, PrecompileHalt};

/// The curve order n, big-endian.
const ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
];

/// `r + n` as 32 big-endian bytes, or `None` if it does not fit.
fn add_order(r: &[u8; 32]) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in (0..32).rev() {
        let sum = u16::from(r[i]) + u16::from(ORDER[i]) + carry;
        out[i] = sum as u8;
        carry = sum >> 8;
    }
    (carry == 0).then_some(out)
}

/// A nonzero scalar below n from 32 big-endian bytes.
fn nonzero_scalar(bytes: &[u8]) -> Option<Scalar> {
    let s = Option::<Scalar>::from(Scalar::from_repr(*FieldBytes::from_slice(bytes)))?;
    (!bool::from(s.is_zero())).then_some(s)
}

/// The public key (x ++ y, big-endian) that signed `prehash` with the signature `r ++ s` (64
/// bytes) and recovery id `recid` (bit 0: R's y is odd; bit 1: R's x is r + n), as k256 recovers
/// it after normalizing `s`: `None` where k256 fails (r or s zero or not below n, `recid` above
/// 3, no point with that x, the key at infinity).
pub fn recover(sig: &[u8; 64], recid: u8, prehash: &[u8; 32]) -> Option<[u8; 64]> {
    let r = nonzero_scalar(&sig[..32])?;
    let mut s = nonzero_scalar(&sig[32..])?;
    if recid > 3 {
        return None;
    }
    let mut y_odd = recid & 1;
    if bool::from(s.is_high()) {
        s = -s;
        y_odd ^= 1;
    }
    let z = <Scalar as Reduce<U256>>::reduce_bytes(FieldBytes::from_slice(prehash));
    let r_bytes: [u8; 32] = sig[..32].try_into().ok()?;
    let x = if recid & 2 != 0 {
        add_order(&r_bytes)?
    } else {
        r_bytes
    };
    let big_r = decompress(&x, y_odd == 1)?;
    let r_inv = Option::<Scalar>::from(r.invert_vartime())?;
    let u1 = -(r_inv * z);
    let u2 = r_inv * s;
    let q = ecmult::mul_add(&u1, &big_r, &u2).to_affine()?;
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&q.x.to_bytes());
    out[32..].copy_from_slice(&q.y.to_bytes());
    Some(out)
}

/// The curve point with x coordinate `x` (big-endian, below p) and y of parity `y_odd`, as k256's
/// `AffinePoint::decompress` finds it.
fn decompress(x: &[u8; 32], y_odd: bool) -> Option<point::Affine> {
    let x = Option::<FieldElement>::from(FieldElement::from_bytes(FieldBytes::from_slice(x)))?;
    let y2 = x.square().mul(&x) + FieldElement::from_u64(7);
    let y = Option::<FieldElement>::from(y2.sqrt())?.normalize();
    let y = if bool::from(y.is_odd()) == y_odd {
        y
    } else {
        y.negate(1).normalize()
    };
    Some(point::Affine { x, y })
}

/// The address of [`recover`]'s key.
pub fn recover_address(sig: &[u8; 64], recid: u8, prehash: &[u8; 32]) -> Option<Address> {
    let key = recover(sig, recid, prehash)?;
    Some(Address::from_slice(&keccak256(key)[12..]))
}

/// The sender of a signed transaction, as alloy's `SignerRecoverable::recover_signer`: EIP-2's
/// low `s` required, then [`recover_address`].
pub fn sender<T: SignableTransaction<Signature>>(
    signed: &Signed<T>,
) -> Result<Address, RecoveryError> {
    let sig: &Signature = signed.signature();
    if sig.s() > SECP256K1N_HALF {
        return Err(RecoveryError::from_source(InvalidSignatureS));
    }
    let mut bytes = [0u8; 64];
    bytes[..32].copy_from_slice(&sig.r().to_be_bytes::<32>());
    bytes[32..].copy_from_slice(&sig.s().to_be_bytes::<32>());
    recover_address(&bytes, sig.v() as u8, &signed.signature_hash().0)
        .ok_or_else(RecoveryError::new)
}

/// revm's precompile cryptography with [`recover`] as ecrecover (the rest revm's defaults).
#[derive(Debug)]
pub struct PrecompileCrypto;

impl Crypto for PrecompileCrypto {
    fn secp256k1_ecrecover(
        &self,
        sig: &[u8; 64],
        recid: u8,
        msg: &[u8; 32],
    ) -> Result<[u8; 32], PrecompileHalt> {
        let key = recover(sig, recid, msg).ok_or(PrecompileHalt::Secp256k1RecoverFailed)?;
        let mut hash = keccak256(key).0;
        hash[..12].fill(0);
        Ok(hash)
    }
}

/// Installs [`PrecompileCrypto`] as revm's precompile cryptography (once per process; later
/// calls do nothing).
pub fn install_precompile_crypto() {
    let _ = revm::install_crypto(PrecompileCrypto);
}
