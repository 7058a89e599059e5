//! Keccak-256 and the zero-subtree hashes of the memory Merkle tree.

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
