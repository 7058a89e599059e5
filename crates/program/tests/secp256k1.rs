//! `verdict_program::secp256k1::recover` against k256's recovery (as alloy and revm call it) on
//! signatures of random keys (low and high s), random and edge inputs, and keys at infinity.

use alloy_primitives::{B256, B512};
use k256::ecdsa::{RecoveryId, Signature, SigningKey, VerifyingKey};
use k256::elliptic_curve::ff::PrimeField;
use k256::elliptic_curve::ops::Reduce;
use k256::elliptic_curve::sec1::ToEncodedPoint;
use k256::{FieldBytes, ProjectivePoint, Scalar, U256};
use verdict_derive::generator::Rng;
use verdict_program::secp256k1::{recover, recover_address, PrecompileCrypto};

/// k256's recovery as alloy (`recover_signer_unchecked`) and revm's k256 ecrecover do it.
fn reference(sig: &[u8; 64], recid: u8, msg: &[u8; 32]) -> Option<[u8; 64]> {
    let mut sig = Signature::from_slice(sig).ok()?;
    let mut recid = recid;
    if let Some(normalized) = sig.normalize_s() {
        sig = normalized;
        recid ^= 1;
    }
    let recid = RecoveryId::from_byte(recid)?;
    let vk = VerifyingKey::recover_from_prehash(msg, &sig, recid).ok()?;
    Some(
        vk.to_encoded_point(false).as_bytes()[1..]
            .try_into()
            .unwrap(),
    )
}

fn check(sig: &[u8; 64], recid: u8, msg: &[u8; 32]) -> bool {
    let want = reference(sig, recid, msg);
    assert_eq!(
        recover(sig, recid, msg),
        want,
        "sig {sig:02x?} recid {recid} msg {msg:02x?}"
    );
    if recid < 2 {
        // revm's own ecrecover (k256 or libsecp256k1, whichever this build selected).
        let theirs =
            revm::precompile::secp256k1::ecrecover(&B512::from(*sig), recid, &B256::from(*msg))
                .ok();
        let ours =
            revm::precompile::Crypto::secp256k1_ecrecover(&PrecompileCrypto, sig, recid, msg).ok();
        assert_eq!(
            ours,
            theirs.map(|h| h.0),
            "precompile: sig {sig:02x?} recid {recid}"
        );
        assert_eq!(
            recover_address(sig, recid, msg).map(|a| a.into_word().0),
            theirs.map(|h| h.0)
        );
    }
    want.is_some()
}

fn sig_bytes(r: &[u8; 32], s: &[u8; 32]) -> [u8; 64] {
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(r);
    sig[32..].copy_from_slice(s);
    sig
}

const N: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
];

fn scalar_bytes(s: Scalar) -> [u8; 32] {
    s.to_repr().into()
}

#[test]
fn signatures_of_random_keys() {
    let mut rng = Rng::new(0x1234_5678);
    for _ in 0..300 {
        let key = loop {
            if let Ok(k) = SigningKey::from_slice(&rng.b256().0) {
                break k;
            }
        };
        let msg = rng.b256().0;
        let (sig, recid) = key.sign_prehash_recoverable(&msg).unwrap();
        let bytes: [u8; 64] = sig.to_bytes().into();
        assert!(check(&bytes, recid.to_byte(), &msg));
        let want: [u8; 64] = key.verifying_key().to_encoded_point(false).as_bytes()[1..]
            .try_into()
            .unwrap();
        assert_eq!(recover(&bytes, recid.to_byte(), &msg), Some(want));
        // The same signature with s' = n - s and the other parity: malleable, same key.
        let high = sig_bytes(&bytes[..32].try_into().unwrap(), &scalar_bytes(-*sig.s()));
        assert!(check(&high, recid.to_byte() ^ 1, &msg));
        assert_eq!(recover(&high, recid.to_byte() ^ 1, &msg), Some(want));
        // Wrong parity, wrong message: another key (or none), the same as k256's.
        check(&bytes, recid.to_byte() ^ 1, &msg);
        check(&bytes, recid.to_byte() ^ 2, &msg);
        check(&bytes, recid.to_byte(), &rng.b256().0);
    }
}

#[test]
fn random_inputs() {
    let mut rng = Rng::new(42);
    let mut ok = 0;
    for i in 0..2000 {
        let mut r = rng.b256().0;
        if i % 3 == 0 {
            // Small r, so that r + n is a field element and recovery ids 2 and 3 can succeed.
            r[..16].fill(0);
        }
        let sig = sig_bytes(&r, &rng.b256().0);
        let msg = rng.b256().0;
        for recid in 0..4 {
            ok += usize::from(check(&sig, recid, &msg));
        }
    }
    assert!(ok > 1000, "{ok} recoveries succeeded");
}

#[test]
fn edge_inputs() {
    let zero = [0u8; 32];
    let mut one = [0u8; 32];
    one[31] = 1;
    let ff = [0xffu8; 32];
    let n_minus_1 = scalar_bytes(-Scalar::ONE);
    let mut n_half = [0u8; 32];
    // n / 2 (rounded down) and n / 2 + 1: the largest low s and the smallest high s.
    let mut carry = 0u16;
    for i in 0..32 {
        let v = (carry << 8) | u16::from(N[i]);
        n_half[i] = (v / 2) as u8;
        carry = v % 2;
    }
    let n_half_plus_1 = scalar_bytes(Scalar::from_repr(n_half.into()).unwrap() + Scalar::ONE);
    // p - n - 1 and p - n: the largest r with r + n a field element, and the smallest without.
    let p_minus_n: [u8; 32] = {
        let mut b = [0u8; 32];
        // p - n = 0x14551231950b75fc4402da1722fc9baee
        let hex = "000000000000000000000000000000014551231950b75fc4402da1722fc9baee";
        for i in 0..32 {
            b[i] = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
        }
        b
    };
    let p_minus_n_minus_1 =
        scalar_bytes(Scalar::from_repr(p_minus_n.into()).unwrap() - Scalar::ONE);
    let values = [
        zero,
        one,
        ff,
        N,
        n_minus_1,
        n_half,
        n_half_plus_1,
        p_minus_n,
        p_minus_n_minus_1,
    ];
    let msgs = [zero, one, ff, N, n_minus_1];
    for r in &values {
        for s in &values {
            for msg in &msgs {
                for recid in 0..4 {
                    check(&sig_bytes(r, s), recid, msg);
                }
            }
        }
    }
}

#[test]
fn keys_at_infinity_are_refused() {
    // R = kG, r = x(R), s = z / k: then sR - zG is the point at infinity.
    let mut rng = Rng::new(7);
    for _ in 0..50 {
        let k = <Scalar as Reduce<U256>>::reduce_bytes(FieldBytes::from_slice(&rng.b256().0));
        let msg = rng.b256().0;
        let z = <Scalar as Reduce<U256>>::reduce_bytes(FieldBytes::from_slice(&msg));
        let big_r = (ProjectivePoint::GENERATOR * k).to_affine();
        let encoded = big_r.to_encoded_point(true);
        let x: [u8; 32] = encoded.as_bytes()[1..].try_into().unwrap();
        let y_odd = encoded.as_bytes()[0] == 3;
        let r = <Scalar as Reduce<U256>>::reduce_bytes(FieldBytes::from_slice(&x));
        let s = z * k.invert().unwrap();
        let sig = sig_bytes(&scalar_bytes(r), &scalar_bytes(s));
        let recid = u8::from(y_odd) | if scalar_bytes(r) != x { 2 } else { 0 };
        assert_eq!(recover(&sig, recid, &msg), None);
        check(&sig, recid, &msg);
    }
}

/// A signature, recovery id, message and the key [`recover`] should return.
type Chosen = ([u8; 64], u8, [u8; 32], Option<[u8; 64]>);

/// The signature and message with which [`recover`] computes `u1·G + u2·R` for `R = k·G`
/// (`r = x(R) mod n`, `s = u2·r`, `z = -u1·r`), and that point as k256 computes it (`None` at
/// infinity). `None` for u2 = 0 (s would be zero).
fn chosen(u1: Scalar, u2: Scalar, k: Scalar) -> Option<Chosen> {
    if bool::from(u2.is_zero()) {
        return None;
    }
    let big_r = (ProjectivePoint::GENERATOR * k).to_affine();
    let encoded = big_r.to_encoded_point(false);
    let x: [u8; 32] = encoded.as_bytes()[1..33].try_into().unwrap();
    let y_odd = encoded.as_bytes()[64] & 1;
    let r = <Scalar as Reduce<U256>>::reduce_bytes(FieldBytes::from_slice(&x));
    let recid = y_odd | if scalar_bytes(r) != x { 2 } else { 0 };
    let sig = sig_bytes(&scalar_bytes(r), &scalar_bytes(u2 * r));
    let msg = scalar_bytes(-(u1 * r));
    let q = ProjectivePoint::GENERATOR * u1 + ProjectivePoint::from(big_r) * u2;
    let want = (q != ProjectivePoint::IDENTITY).then(|| {
        q.to_affine().to_encoded_point(false).as_bytes()[1..]
            .try_into()
            .unwrap()
    });
    Some((sig, recid, msg, want))
}

fn check_chosen(u1: Scalar, u2: Scalar, k: Scalar) {
    if let Some((sig, recid, msg, want)) = chosen(u1, u2, k) {
        assert_eq!(
            recover(&sig, recid, &msg),
            want,
            "u1 {u1:?} u2 {u2:?} k {k:?}"
        );
        check(&sig, recid, &msg);
    }
}

/// The variable-time multiplication's special cases, through [`recover`]: R = ±G, ±2G, ±λG and
/// random; u1 = 0; u2·R = ±u1·G (equal points, so a doubling inside an addition, or the
/// identity); u2·R = u1·λG; scalars near 0, n/2 and n, λ and their negatives.
#[test]
fn chosen_multiplications() {
    let mut rng = Rng::new(0x5ec9_256b);
    let mut random =
        || <Scalar as Reduce<U256>>::reduce_bytes(FieldBytes::from_slice(&rng.b256().0));
    let lambda = Scalar::from_repr(
        [
            0x53, 0x63, 0xad, 0x4c, 0xc0, 0x5c, 0x30, 0xe0, 0xa5, 0x26, 0x1c, 0x02, 0x88, 0x12,
            0x64, 0x5a, 0x12, 0x2e, 0x22, 0xea, 0x20, 0x81, 0x66, 0x78, 0xdf, 0x02, 0x96, 0x7c,
            0x1b, 0x23, 0xbd, 0x72,
        ]
        .into(),
    )
    .unwrap();
    assert_eq!(lambda * lambda * lambda, Scalar::ONE);
    let n_half = Scalar::from_repr(
        [
            0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46,
            0x68, 0x1b, 0x20, 0xa0,
        ]
        .into(),
    )
    .unwrap();
    let two = Scalar::from(2u64);
    let two128 = Scalar::from(u128::MAX) + Scalar::ONE;
    let mut scalars = vec![
        Scalar::ZERO,
        Scalar::ONE,
        two,
        Scalar::from(3u64),
        Scalar::from(15u64),
        Scalar::from(127u64),
        Scalar::from(u64::MAX),
        Scalar::from(u128::MAX),
        two128,
        lambda,
        lambda * lambda,
        lambda + Scalar::ONE,
        n_half,
        n_half + Scalar::ONE,
        random(),
        Scalar::from(u128::MAX / 3),
    ];
    let negatives: Vec<Scalar> = scalars.iter().map(|s| -*s).collect();
    scalars.extend(negatives);
    let ks = [
        Scalar::ONE,
        -Scalar::ONE,
        two,
        -two,
        lambda,
        -lambda,
        lambda * lambda,
        Scalar::from(7u64),
        random(),
    ];
    for k in ks {
        let k_inv = k.invert().unwrap();
        for &u1 in &scalars {
            for &u2 in &scalars {
                check_chosen(u1, u2, k);
            }
            // u2·R = u1·G, -u1·G, u1·λG, -u1·λG, 3u1·G.
            for f in [
                Scalar::ONE,
                -Scalar::ONE,
                lambda,
                -lambda,
                Scalar::from(3u64),
            ] {
                check_chosen(u1, u1 * f * k_inv, k);
            }
        }
    }
    // Many random multiplications, and random ones whose halves meet.
    for i in 0..3000 {
        let (u1, k) = (random(), random());
        let u2 = match i % 3 {
            0 => random(),
            1 => {
                u1 * k.invert().unwrap()
                    * if i % 2 == 0 {
                        Scalar::ONE
                    } else {
                        -Scalar::ONE
                    }
            }
            _ => u1 * lambda * k.invert().unwrap(),
        };
        check_chosen(u1, u2, k);
    }
}
