//! secp256k1 points (y² = x³ + 7) in affine and Jacobian coordinates over k256's field, with
//! variable-time formulas: the special cases (the identity, equal or opposite points) are branches
//! on the data. That is safe here: the program only recovers keys from public signatures, there
//! are no secrets whose timing could leak.
//!
//! Magnitudes (k256's lazy reduction): every point's x and y have magnitude 1, a Jacobian z at
//! most 2; multiplication inputs may have magnitude up to 8.
use k256::FieldElement as Fe;

/// `a - b` for `b` of magnitude at most `mb` (magnitude: `a`'s + `mb` + 1).
#[inline(always)]
fn sub(a: &Fe, b: &Fe, mb: u32) -> Fe {
    *a + b.negate(mb)
}

/// A finite point in affine coordinates.
#[derive(Clone, Copy, Debug)]
pub struct Affine {
    pub x: Fe,
    pub y: Fe,
}

impl Affine {
    /// The point with the same x and the opposite y.
    #[inline(always)]
    pub fn neg(&self) -> Self {
        Self {
            x: self.x,
            y: self.y.negate(1).normalize_weak(),
        }
    }
}

/// A point in Jacobian coordinates, (x / z², y / z³), or the identity.
#[derive(Clone, Copy, Debug)]
pub struct Jacobian {
    pub x: Fe,
    pub y: Fe,
    pub z: Fe,
    pub infinity: bool,
}

impl Jacobian {
    /// The identity (point at infinity).
    pub const INFINITY: Self = Self {
        x: Fe::ZERO,
        y: Fe::ZERO,
        z: Fe::ONE,
        infinity: true,
    };

    /// The affine point `p` with z = 1.
    pub fn from_affine(p: &Affine) -> Self {
        Self {
            x: p.x,
            y: p.y,
            z: Fe::ONE,
            infinity: false,
        }
    }

    /// The point with the opposite y.
    #[inline(always)]
    pub fn neg(&self) -> Self {
        Self {
            y: self.y.negate(1).normalize_weak(),
            ..*self
        }
    }

    /// `2p` (dbl-2009-l for a = 0, with 4·x·y² for D). No finite point of secp256k1 has y = 0
    /// (the group order is an odd prime), so only the identity is special.
    pub fn double(&self) -> Self {
        if self.infinity {
            return *self;
        }
        let a = self.x.square();
        let b = self.y.square();
        let c = b.square();
        let xb = self.x.mul(&b);
        let d4 = xb.mul_single(4);
        let e = a.mul_single(3);
        let x3 = sub(&e.square(), &xb.mul_single(8), 8).normalize_weak();
        let y3 = sub(&e.mul(&sub(&d4, &x3, 1)), &c.mul_single(8), 8).normalize_weak();
        let z3 = self.y.mul(&self.z).double();
        Self {
            x: x3,
            y: y3,
            z: z3,
            infinity: false,
        }
    }

    /// `p + q` (add-1998-cmo-2), doubling where the points are equal.
    pub fn add(&self, q: &Self) -> Self {
        if self.infinity {
            return *q;
        }
        if q.infinity {
            return *self;
        }
        let z1z1 = self.z.square();
        let z2z2 = q.z.square();
        let u1 = self.x.mul(&z2z2);
        let u2 = q.x.mul(&z1z1);
        let s1 = self.y.mul(&q.z).mul(&z2z2);
        let s2 = q.y.mul(&self.z).mul(&z1z1);
        let h = sub(&u2, &u1, 1);
        let r = sub(&s2, &s1, 1);
        if bool::from(h.normalizes_to_zero()) {
            return if bool::from(r.normalizes_to_zero()) {
                self.double()
            } else {
                Self::INFINITY
            };
        }
        let z3 = self.z.mul(&q.z).mul(&h);
        Self::finish_add(&h, &r, &u1, &s1, z3)
    }

    /// `p + q` for an affine `q` (mixed addition: z₂ = 1), doubling where the points are equal.
    pub fn add_affine(&self, q: &Affine) -> Self {
        if self.infinity {
            return Self::from_affine(q);
        }
        let z1z1 = self.z.square();
        let u2 = q.x.mul(&z1z1);
        let s2 = q.y.mul(&self.z).mul(&z1z1);
        let h = sub(&u2, &self.x, 1);
        let r = sub(&s2, &self.y, 1);
        if bool::from(h.normalizes_to_zero()) {
            return if bool::from(r.normalizes_to_zero()) {
                self.double()
            } else {
                Self::INFINITY
            };
        }
        let z3 = self.z.mul(&h);
        Self::finish_add(&h, &r, &self.x, &self.y, z3)
    }

    /// The common end of both additions: from H = U₂ - U₁ (nonzero), R = S₂ - S₁, U₁, S₁ and
    /// the new z.
    #[inline(always)]
    fn finish_add(h: &Fe, r: &Fe, u1: &Fe, s1: &Fe, z3: Fe) -> Self {
        let hh = h.square();
        let hhh = h.mul(&hh);
        let v = u1.mul(&hh);
        // x3 = R² - H³ - 2V, y3 = R(V - x3) - S₁H³.
        let x3 = sub(&sub(&r.square(), &hhh, 1), &v.double(), 2).normalize_weak();
        let y3 = sub(&r.mul(&sub(&v, &x3, 1)), &s1.mul(&hhh), 1).normalize_weak();
        Self {
            x: x3,
            y: y3,
            z: z3,
            infinity: false,
        }
    }

    /// The affine coordinates (normalized), or `None` for the identity: one field inversion.
    pub fn to_affine(self) -> Option<Affine> {
        if self.infinity {
            return None;
        }
        let zi = Option::<Fe>::from(self.z.invert())?;
        let zi2 = zi.square();
        Some(Affine {
            x: self.x.mul(&zi2).normalize(),
            y: self.y.mul(&zi2).mul(&zi).normalize(),
        })
    }
}

/// The affine forms of finite points, with one field inversion for all (Montgomery's trick).
pub fn batch_to_affine(points: &[Jacobian]) -> alloc::vec::Vec<Affine> {
    debug_assert!(points.iter().all(|p| !p.infinity));
    let mut prefix = alloc::vec::Vec::with_capacity(points.len());
    let mut acc = Fe::ONE;
    for p in points {
        acc = acc.mul(&p.z);
        prefix.push(acc);
    }
    // The z of a finite point is never zero, so the product is invertible.
    let mut inv = Option::<Fe>::from(acc.invert()).expect("finite points have nonzero z");
    let mut out = alloc::vec![
        Affine {
            x: Fe::ZERO,
            y: Fe::ZERO
        };
        points.len()
    ];
    for i in (0..points.len()).rev() {
        let zi = if i == 0 { inv } else { inv.mul(&prefix[i - 1]) };
        inv = inv.mul(&points[i].z);
        let zi2 = zi.square();
        out[i] = Affine {
            x: points[i].x.mul(&zi2).normalize_weak(),
            y: points[i].y.mul(&zi2).mul(&zi).normalize_weak(),
        };
    }
    out
}
