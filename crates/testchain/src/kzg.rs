//! Real KZG commitments and proofs (c-kzg with the Ethereum trusted setup), and the preimages of
//! a blob as the OP Stack's fault proof programs read them (specs/fault-proof/index.md, "Type 5:
//! Global EIP-4844 Point-evaluation key"), in the layout kona's host stores.

use crate::error::{Error, Result};
use alloy_primitives::{B256, U256};
use std::sync::OnceLock;
use verdict_derive::blob::{versioned_hash, BLOB_SIZE, FIELD_ELEMENTS};
use verdict_preimage::PreimageKey;

/// The BLS12-381 scalar field's modulus.
pub const BLS_MODULUS: U256 = U256::from_be_bytes(alloy_primitives::hex!(
    "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001"
));
/// EIP-4844's primitive root of unity.
const PRIMITIVE_ROOT: u64 = 7;

/// A blob's commitment, its proof (`compute_blob_kzg_proof`) and versioned hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlobCommitment {
    /// The KZG commitment.
    pub commitment: [u8; 48],
    /// The blob's KZG proof.
    pub proof: [u8; 48],
    /// `0x01 ++ sha256(commitment)[1..]`.
    pub versioned_hash: B256,
}

fn settings() -> &'static c_kzg::KzgSettings {
    c_kzg::ethereum_kzg_settings(0)
}

/// The blob's commitment and proof.
pub fn commit(blob: &[u8; BLOB_SIZE]) -> Result<BlobCommitment> {
    let kzg = |e: c_kzg::Error| Error::new(format!("KZG: {e:?}"));
    let b = c_kzg::Blob::from_bytes(blob).map_err(kzg)?;
    let commitment = settings()
        .blob_to_kzg_commitment(&b)
        .map_err(kzg)?
        .to_bytes();
    let proof = settings()
        .compute_blob_kzg_proof(&b, &commitment)
        .map_err(kzg)?
        .to_bytes();
    let commitment: [u8; 48] = *commitment;
    Ok(BlobCommitment {
        commitment,
        proof: *proof,
        versioned_hash: versioned_hash(&commitment),
    })
}

/// The evaluation of the blob's polynomial at `z` (c-kzg's `compute_kzg_proof`), big-endian.
pub fn evaluate(blob: &[u8; BLOB_SIZE], z: &[u8; 32]) -> Result<[u8; 32]> {
    let kzg = |e: c_kzg::Error| Error::new(format!("KZG: {e:?}"));
    let b = c_kzg::Blob::from_bytes(blob).map_err(kzg)?;
    let z = c_kzg::Bytes32::new(*z);
    let (_, y) = settings().compute_kzg_proof(&b, &z).map_err(kzg)?;
    Ok(*y)
}

/// The 4096th roots of unity in bit-reversed order, big-endian: `z_i`, where the blob's field
/// element `i` is its polynomial's value.
pub fn roots_of_unity() -> &'static [[u8; 32]] {
    static ROOTS: OnceLock<Vec<[u8; 32]>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let n = FIELD_ELEMENTS as u64;
        let omega = U256::from(PRIMITIVE_ROOT)
            .pow_mod((BLS_MODULUS - U256::from(1)) / U256::from(n), BLS_MODULUS);
        let mut powers = Vec::with_capacity(FIELD_ELEMENTS);
        let mut x = U256::from(1);
        for _ in 0..n {
            powers.push(x);
            x = x.mul_mod(omega, BLS_MODULUS);
        }
        let bits = FIELD_ELEMENTS.trailing_zeros();
        (0..FIELD_ELEMENTS)
            .map(|i| powers[i.reverse_bits() >> (usize::BITS - bits)].to_be_bytes::<32>())
            .collect()
    })
}

/// Every preimage a program may read for one blob, as kona's host stores them:
/// - the commitment under the sha256 key of the versioned hash (type 4: `sha256(commitment)`);
/// - for each field element `i`: `commitment ++ z_i` under its keccak256 key (type 2), and the
///   element under the same hash typed 5;
/// - the blob's KZG proof as "element 4096": the 80 bytes of the last element's key with their
///   last 8 bytes replaced by 4096 (big-endian), the proof under that hash typed 5.
pub fn blob_preimages(c: &BlobCommitment, blob: &[u8; BLOB_SIZE]) -> Vec<(PreimageKey, Vec<u8>)> {
    let mut out = Vec::with_capacity(2 * FIELD_ELEMENTS + 3);
    out.push((PreimageKey::sha256(&c.commitment), c.commitment.to_vec()));
    let mut key = [0u8; 80];
    key[..48].copy_from_slice(&c.commitment);
    for (i, z) in roots_of_unity().iter().enumerate() {
        key[48..].copy_from_slice(z);
        out.push((PreimageKey::keccak256(&key), key.to_vec()));
        out.push((
            PreimageKey::blob(&c.commitment, z),
            blob[i * 32..(i + 1) * 32].to_vec(),
        ));
    }
    key[72..].copy_from_slice(&(FIELD_ELEMENTS as u64).to_be_bytes());
    let z: [u8; 32] = key[48..].try_into().expect("32 bytes");
    out.push((PreimageKey::keccak256(&key), key.to_vec()));
    out.push((PreimageKey::blob(&c.commitment, &z), c.proof.to_vec()));
    out
}
