//! Variable-time `u₁·G + u₂·R` for key recovery: both scalars split with the endomorphism
//! (`glv`), four wNAF digit strings scanned together (Strauss–Shamir: one doubling per bit for
//! all four), G's odd multiples precomputed once in affine coordinates (mixed additions), R's
//! computed per call in Jacobian coordinates.
//!
//! Variable time (table indices, branches and loop lengths follow the scalars) is safe here: the
//! program only recovers public keys from public signatures and hashes, it holds no secrets.
use super::glv::{split, wnaf, Half, WNAF_MAX};
use super::point::{batch_to_affine, Affine, Jacobian};
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicPtr, Ordering};
use k256::elliptic_curve::sec1::ToEncodedPoint;
use k256::{AffinePoint, FieldBytes, FieldElement as Fe};

/// The wNAF window for R (per call: 2^(W_R-2) = 8 odd multiples, and their λ images).
const W_R: u32 = 5;
/// The wNAF window for G (once: 2^(W_G-2) = 64 odd multiples, and their λ images).
const W_G: u32 = 8;

/// β, the cube root of unity modulo p with λ·(x, y) = (β·x, y), big-endian.
const BETA: [u8; 32] = [
    0x7a, 0xe9, 0x6a, 0x2b, 0x65, 0x7c, 0x07, 0x10, 0x6e, 0x64, 0x47, 0x9e, 0xac, 0x34, 0x34, 0xe9,
    0x9c, 0xf0, 0x49, 0x75, 0x12, 0xf5, 0x89, 0x95, 0xc1, 0x39, 0x6c, 0x28, 0x71, 0x95, 0x01, 0xee,
];

/// G's tables, computed on first use.
struct Context {
    beta: Fe,
    /// G, 3G, 5G, …, (2^(W_G-1) - 1)·G.
    g: Vec<Affine>,
    /// The same multiples of λG.
    lambda_g: Vec<Affine>,
}

/// The shared context: a leaked box published with a compare-and-swap, so it works without
/// std and stays sound if the host's tests race to create it (the loser frees its copy).
static CONTEXT: AtomicPtr<Context> = AtomicPtr::new(core::ptr::null_mut());

fn context() -> &'static Context {
    let p = CONTEXT.load(Ordering::Acquire);
    if !p.is_null() {
        // SAFETY: a non-null pointer was published from `Box::into_raw` below and is never freed.
        return unsafe { &*p };
    }
    let new = Box::into_raw(Box::new(build_context()));
    match CONTEXT.compare_exchange(
        core::ptr::null_mut(),
        new,
        Ordering::AcqRel,
        Ordering::Acquire,
    ) {
        // SAFETY: `new` is ours and now published; it is never freed.
        Ok(_) => unsafe { &*new },
        Err(existing) => {
            // SAFETY: `new` was not published, so this is its only owner; `existing` was.
            drop(unsafe { Box::from_raw(new) });
            unsafe { &*existing }
        }
    }
}

fn build_context() -> Context {
    let beta = Option::<Fe>::from(Fe::from_bytes(&FieldBytes::from(BETA))).expect("β below p");
    let encoded = AffinePoint::GENERATOR.to_encoded_point(false);
    let coordinate = |range: core::ops::Range<usize>| {
        Option::<Fe>::from(Fe::from_bytes(FieldBytes::from_slice(
            &encoded.as_bytes()[range],
        )))
        .expect("G's coordinates are below p")
    };
    let g = Affine {
        x: coordinate(1..33),
        y: coordinate(33..65),
    };
    let g = batch_to_affine(&odd_multiples(&Jacobian::from_affine(&g), 1 << (W_G - 2)));
    let lambda_g = g
        .iter()
        .map(|p| Affine {
            x: p.x.mul(&beta),
            y: p.y,
        })
        .collect();
    Context { beta, g, lambda_g }
}

/// P, 3P, 5P, … (`count` points) for a point P of order n (none of them the identity).
fn odd_multiples(p: &Jacobian, count: usize) -> Vec<Jacobian> {
    let twice = p.double();
    let mut out = Vec::with_capacity(count);
    out.push(*p);
    for i in 1..count {
        out.push(out[i - 1].add(&twice));
    }
    out
}

/// One scalar half's digits and where its odd multiples are.
struct Term<'a, T> {
    digits: [i16; WNAF_MAX],
    len: usize,
    neg: bool,
    table: &'a [T],
}

impl<'a, T> Term<'a, T> {
    fn new(half: &Half, w: u32, table: &'a [T]) -> Self {
        let mut digits = [0i16; WNAF_MAX];
        let len = wnaf(&half.value, w, &mut digits);
        Self {
            digits,
            len,
            neg: half.neg,
            table,
        }
    }

    /// The table entry for digit `i` and whether to negate it, if the digit is nonzero.
    #[inline(always)]
    fn at(&self, i: usize) -> Option<(&T, bool)> {
        let d = self.digits[i];
        if d == 0 {
            return None;
        }
        let index = (d.unsigned_abs() as usize - 1) / 2;
        Some((&self.table[index], (d < 0) != self.neg))
    }
}

/// `u₁·G + u₂·R` (the identity possible), in variable time.
pub fn mul_add(u1: &k256::Scalar, r: &Affine, u2: &k256::Scalar) -> Jacobian {
    let ctx = context();
    let r_table = odd_multiples(&Jacobian::from_affine(r), 1 << (W_R - 2));
    let lambda_r_table: Vec<Jacobian> = r_table
        .iter()
        .map(|p| Jacobian {
            x: p.x.mul(&ctx.beta),
            ..*p
        })
        .collect();
    let (g1, g2) = split(u1);
    let (r1, r2) = split(u2);
    let tg1 = Term::new(&g1, W_G, &ctx.g);
    let tg2 = Term::new(&g2, W_G, &ctx.lambda_g);
    let tr1 = Term::new(&r1, W_R, &r_table);
    let tr2 = Term::new(&r2, W_R, &lambda_r_table);
    let len = tg1.len.max(tg2.len).max(tr1.len).max(tr2.len);
    let mut acc = Jacobian::INFINITY;
    for i in (0..len).rev() {
        acc = acc.double();
        for t in [&tg1, &tg2] {
            if let Some((p, neg)) = t.at(i) {
                acc = if neg {
                    acc.add_affine(&p.neg())
                } else {
                    acc.add_affine(p)
                };
            }
        }
        for t in [&tr1, &tr2] {
            if let Some((p, neg)) = t.at(i) {
                acc = if neg { acc.add(&p.neg()) } else { acc.add(p) };
            }
        }
    }
    acc
}
