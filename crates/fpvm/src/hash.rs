//! Keccak-256 and the zero-subtree hashes of the memory Merkle tree.

use std::borrow::Borrow;
use std::sync::OnceLock;
use tiny_keccak::{Hasher, Keccak};

/// A 32-byte hash or Merkle leaf.
pub type Hash = [u8; 32];

/// keccak256 of `data`.
pub fn keccak256(data: &[u8]) -> Hash {
    let mut out = [0u8; 32];
    let mut k = Keccak::v256();
    k.update(data);
    k.finalize(&mut out);
    out
}

/// keccak256(left ++ right): a Merkle tree node from its children.
#[inline]
pub fn hash_pair(left: &Hash, right: &Hash) -> Hash {
    let mut out = [0u8; 32];
    let mut k = Keccak::v256();
    k.update(left);
    k.update(right);
    k.finalize(&mut out);
    out
}

/// `zero_hashes()[h]` is the root of an all-zero subtree of height `h` (leaves at height 0).
pub fn zero_hashes() -> &'static [Hash; 64] {
    static ZERO: OnceLock<[Hash; 64]> = OnceLock::new();
    ZERO.get_or_init(|| {
        let mut z = [[0u8; 32]; 64];
        for h in 1..64 {
            z[h] = hash_pair(&z[h - 1], &z[h - 1]);
        }
        z
    })
}

/// keccak256 of each of the eight consecutive 64-byte blocks of `input` (eight Merkle node pairs).
pub fn keccak256_64_x8(input: &[u8; 512]) -> [Hash; 8] {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU supports AVX-512F, checked just above.
        return unsafe { avx512::keccak256_64_x8(input) };
    }
    std::array::from_fn(|j| keccak256(&input[64 * j..64 * j + 64]))
}

/// The parents of node pairs whose children have height `height` (each pair is the two children
/// side by side, 64 bytes), hashed eight at a time where the CPU allows. A pair of empty subtrees
/// is not hashed: its parent is the empty subtree one level up.
pub fn hash_node_pairs<P: Borrow<[u8; 64]>>(pairs: &[P], height: usize) -> Vec<Hash> {
    let zero = zero_hashes();
    let mut empty_pair = [0u8; 64];
    empty_pair[..32].copy_from_slice(&zero[height]);
    empty_pair[32..].copy_from_slice(&zero[height]);
    let mut out = vec![zero[height + 1]; pairs.len()];
    let mut batch = [0u8; 512];
    let mut slots = [0usize; 8];
    let mut filled = 0;
    for (i, pair) in pairs.iter().enumerate() {
        let pair = pair.borrow();
        if *pair == empty_pair {
            continue;
        }
        batch[64 * filled..64 * filled + 64].copy_from_slice(pair);
        slots[filled] = i;
        filled += 1;
        if filled == 8 {
            for (slot, hash) in slots.iter().zip(keccak256_64_x8(&batch)) {
                out[*slot] = hash;
            }
            filled = 0;
        }
    }
    for (k, slot) in slots.iter().enumerate().take(filled) {
        out[*slot] = keccak256(&batch[64 * k..64 * k + 64]);
    }
    out
}

/// Keccak-f[1600] on eight states at once, one per 64-bit lane of AVX-512 registers.
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::Hash;
    use std::arch::x86_64::*;

    const ROUND_CONSTANTS: [u64; 24] = [
        0x0000000000000001,
        0x0000000000008082,
        0x800000000000808a,
        0x8000000080008000,
        0x000000000000808b,
        0x0000000080000001,
        0x8000000080008081,
        0x8000000000008009,
        0x000000000000008a,
        0x0000000000000088,
        0x0000000080008009,
        0x000000008000000a,
        0x000000008000808b,
        0x800000000000008b,
        0x8000000000008089,
        0x8000000000008003,
        0x8000000000008002,
        0x8000000000000080,
        0x000000000000800a,
        0x800000008000000a,
        0x8000000080008081,
        0x8000000000008080,
        0x0000000080000001,
        0x8000000080008008,
    ];

    /// Rotation of lane x + 5y.
    const ROTATIONS: [i64; 25] = [
        0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56,
        14,
    ];

    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn keccak256_64_x8(input: &[u8; 512]) -> [Hash; 8] {
        let zero = _mm512_setzero_si512();
        let mut a = [zero; 25];
        // Word i of block j sits at byte 64 j + 8 i.
        let index = _mm512_setr_epi64(0, 8, 16, 24, 32, 40, 48, 56);
        for (i, lane) in a.iter_mut().enumerate().take(8) {
            // SAFETY: every gathered word lies inside `input`.
            *lane = unsafe {
                _mm512_i64gather_epi64::<8>(index, input.as_ptr().add(8 * i) as *const i64)
            };
        }
        // keccak256 padding of a 64-byte message in a 136-byte block.
        a[8] = _mm512_set1_epi64(1);
        a[16] = _mm512_set1_epi64(0x8000_0000_0000_0000u64 as i64);
        for rc in ROUND_CONSTANTS {
            // theta
            let mut c = [zero; 5];
            for x in 0..5 {
                let t = _mm512_ternarylogic_epi64::<0x96>(a[x], a[x + 5], a[x + 10]);
                c[x] = _mm512_ternarylogic_epi64::<0x96>(t, a[x + 15], a[x + 20]);
            }
            for x in 0..5 {
                let d = _mm512_xor_si512(c[(x + 4) % 5], _mm512_rol_epi64::<1>(c[(x + 1) % 5]));
                for y in 0..5 {
                    a[x + 5 * y] = _mm512_xor_si512(a[x + 5 * y], d);
                }
            }
            // rho and pi
            let mut b = [zero; 25];
            for x in 0..5 {
                for y in 0..5 {
                    let r = _mm512_set1_epi64(ROTATIONS[x + 5 * y]);
                    b[y + 5 * ((2 * x + 3 * y) % 5)] = _mm512_rolv_epi64(a[x + 5 * y], r);
                }
            }
            // chi
            for y in 0..5 {
                for x in 0..5 {
                    a[x + 5 * y] = _mm512_ternarylogic_epi64::<0xd2>(
                        b[x + 5 * y],
                        b[(x + 1) % 5 + 5 * y],
                        b[(x + 2) % 5 + 5 * y],
                    );
                }
            }
            // iota
            a[0] = _mm512_xor_si512(a[0], _mm512_set1_epi64(rc as i64));
        }
        let mut out = [[0u8; 32]; 8];
        for (i, lane) in a.iter().enumerate().take(4) {
            let mut words = [0u64; 8];
            // SAFETY: `words` is 64 bytes, an unaligned store is allowed.
            unsafe { _mm512_storeu_si512(words.as_mut_ptr() as *mut _, *lane) };
            for (j, w) in words.iter().enumerate() {
                out[j][8 * i..8 * i + 8].copy_from_slice(&w.to_le_bytes());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_way_keccak_matches_the_scalar_one() {
        let mut input = [0u8; 512];
        for (i, b) in input.iter_mut().enumerate() {
            *b = (i * 7 + i / 64) as u8;
        }
        let batch = keccak256_64_x8(&input);
        for j in 0..8 {
            assert_eq!(
                batch[j],
                keccak256(&input[64 * j..64 * j + 64]),
                "block {j}"
            );
        }
        assert_eq!(hash_pair(&[0; 32], &[0; 32]), keccak256_64_x8(&[0; 512])[3]);
    }

    #[test]
    fn node_pairs_are_hashed_whether_empty_or_not() {
        let zero = zero_hashes();
        for height in [0, 1, 5] {
            // 19 pairs (two full batches and a rest), every third one of empty subtrees
            let pairs: Vec<[u8; 64]> = (0..19u8)
                .map(|i| {
                    let (left, right) = if i % 3 == 0 {
                        (zero[height], zero[height])
                    } else {
                        ([i; 32], [i ^ 0x55; 32])
                    };
                    let mut pair = [0u8; 64];
                    pair[..32].copy_from_slice(&left);
                    pair[32..].copy_from_slice(&right);
                    pair
                })
                .collect();
            let hashes = hash_node_pairs(&pairs, height);
            for (pair, hash) in pairs.iter().zip(&hashes) {
                assert_eq!(*hash, keccak256(pair), "height {height}");
            }
        }
    }
}
