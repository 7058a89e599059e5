//! EIP-4844 blobs from the host, as the fault proof oracle serves them: the KZG commitment as the
//! sha256 preimage of the versioned hash (type-4 key), then each of the 4,096 field elements
//! under its type-5 key `keccak256(commitment ++ z_i)`, z_i the evaluation points of the blob's
//! polynomial (EIP-4844's roots of unity in bit-reversed order, big-endian). Onchain each field
//! element is loaded through the point-evaluation precompile, so the oracle vouches for them.

use crate::error::ClaimError;
use crate::hints::Hint;
use crate::oracle::ClaimOracle;
use alloc::boxed::Box;
use alloc::format;
use alloc::string::ToString;
use alloc::vec::Vec;
use alloy_primitives::{keccak256, uint, B256, U256};
use verdict_derive::blob::BLOB_SIZE;
use verdict_derive::provider::{Blob, BlobProvider};
use verdict_derive::{DeriveError, L1BlockRef};
use verdict_preimage::{HintWriter, PreimageKey, PreimageOracle};

/// Field elements in a blob.
pub const FIELD_ELEMENTS: usize = 4096;

/// The BLS12-381 scalar field's modulus (EIP-4844's `BLS_MODULUS`).
const BLS_MODULUS: U256 =
    uint!(52435875175126190479447740508185965837690552500527637822603658699938581184513_U256);
/// EIP-4844's `PRIMITIVE_ROOT_OF_UNITY`.
const PRIMITIVE_ROOT: U256 = uint!(7_U256);

/// The evaluation points of a blob, in the order of its field elements: `z_i` is the
/// `bitrev(i)`-th power of the primitive 4096th root of unity.
pub fn evaluation_points() -> Vec<[u8; 32]> {
    let omega = PRIMITIVE_ROOT.pow_mod(
        (BLS_MODULUS - U256::from(1u8)) / U256::from(FIELD_ELEMENTS),
        BLS_MODULUS,
    );
    let mut powers = Vec::with_capacity(FIELD_ELEMENTS);
    let mut x = U256::from(1u8);
    for _ in 0..FIELD_ELEMENTS {
        powers.push(x);
        x = x.mul_mod(omega, BLS_MODULUS);
    }
    let bits = FIELD_ELEMENTS.trailing_zeros();
    (0..FIELD_ELEMENTS)
        .map(|i| powers[i.reverse_bits() >> (usize::BITS - bits)].to_be_bytes::<32>())
        .collect()
}

/// The key of field element `z` of the blob with `commitment`.
pub fn field_element_key(commitment: &[u8; 48], z: &[u8; 32]) -> PreimageKey {
    let mut preimage = [0u8; 80];
    preimage[..48].copy_from_slice(commitment);
    preimage[48..].copy_from_slice(z);
    let mut key = keccak256(preimage).0;
    key[0] = 5;
    PreimageKey(key)
}

/// Blobs read from the host.
pub struct OracleBlobs<'a, O, H> {
    host: &'a ClaimOracle<O, H>,
    points: Option<Vec<[u8; 32]>>,
}

impl<'a, O: PreimageOracle, H: HintWriter> OracleBlobs<'a, O, H> {
    /// Blobs from `host`.
    pub fn new(host: &'a ClaimOracle<O, H>) -> Self {
        OracleBlobs { host, points: None }
    }

    fn read(
        &mut self,
        block: &L1BlockRef,
        index: u64,
        hash: B256,
    ) -> Result<([u8; 48], Blob), ClaimError> {
        self.host.hint(Hint::L1Blob {
            versioned_hash: hash,
            index,
            timestamp: block.timestamp,
        })?;
        let mut key = hash.0;
        key[0] = 4;
        let commitment: [u8; 48] = self
            .host
            .value("the KZG commitment of blob", PreimageKey(key))?
            .try_into()
            .map_err(|v: Vec<u8>| {
                self.host.fail(ClaimError::BadPreimage(format!(
                    "the KZG commitment of blob {hash} has {} bytes, not 48",
                    v.len()
                )))
            })?;
        let points = self.points.get_or_insert_with(evaluation_points);
        let mut blob: Blob = Box::new([0u8; BLOB_SIZE]);
        for (i, z) in points.iter().enumerate() {
            let element = self
                .host
                .value("a blob field element", field_element_key(&commitment, z))?;
            if element.len() != 32 {
                return Err(self.host.fail(ClaimError::BadPreimage(format!(
                    "field element {i} of blob {hash} has {} bytes, not 32",
                    element.len()
                ))));
            }
            blob[i * 32..(i + 1) * 32].copy_from_slice(&element);
        }
        Ok((commitment, blob))
    }
}

impl<O: PreimageOracle, H: HintWriter> BlobProvider for OracleBlobs<'_, O, H> {
    fn blob(
        &mut self,
        block: &L1BlockRef,
        index: u64,
        versioned_hash: B256,
    ) -> Result<([u8; 48], Blob), DeriveError> {
        self.read(block, index, versioned_hash)
            .map_err(|e| DeriveError::Provider(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evaluation_points_are_the_bit_reversed_roots_of_unity() {
        let points = evaluation_points();
        let z = |i: usize| U256::from_be_bytes(points[i]);
        // z_0 = 1, z_1 = -1 (the 2nd root of unity), z_2 and z_3 the 4th roots.
        assert_eq!(z(0), U256::from(1u8));
        assert_eq!(z(1), BLS_MODULUS - U256::from(1u8));
        assert_eq!(
            z(2).mul_mod(z(2), BLS_MODULUS),
            BLS_MODULUS - U256::from(1u8)
        );
        assert_eq!(z(3), BLS_MODULUS - z(2));
        // Every point is a distinct 4096th root of unity.
        let mut seen = alloc::collections::BTreeSet::new();
        for i in 0..FIELD_ELEMENTS {
            assert_eq!(
                z(i).pow_mod(U256::from(FIELD_ELEMENTS), BLS_MODULUS),
                U256::from(1u8)
            );
            assert!(seen.insert(z(i)));
        }
    }
}
