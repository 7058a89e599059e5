//! The OP Stack blob encoding (ecotone/derivation.md, "Blob Encoding"): 4096 field elements of
//! 32 bytes, each carrying 31 bytes plus 6 bits of rollup data, 127 bytes per 4 elements; a
//! version byte (0) and a 3-byte length lead the data.

use alloc::vec;
use alloc::vec::Vec;
use alloy_primitives::B256;
use core::fmt;
use sha2::{Digest, Sha256};

/// Bytes in a blob.
pub const BLOB_SIZE: usize = 131_072;
/// Field elements in a blob.
pub const FIELD_ELEMENTS: usize = 4096;
/// Rollup data bytes one blob can carry (after the 4-byte header).
pub const MAX_BLOB_DATA_SIZE: usize = (4 * 31 + 3) * 1024 - 4;
/// The only blob encoding version.
pub const BLOB_ENCODING_VERSION: u8 = 0;
const ROUNDS: usize = FIELD_ELEMENTS / 4;

/// Why a blob does not decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BlobError {
    /// The version byte is not 0.
    Version(u8),
    /// The declared length exceeds [`MAX_BLOB_DATA_SIZE`].
    Length(usize),
    /// A field element has one of its top two bits set.
    FieldElement(usize),
    /// Non-zero data after the declared length.
    TrailingData,
}

impl fmt::Display for BlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlobError::Version(v) => write!(f, "blob encoding version {v} is not 0"),
            BlobError::Length(l) => write!(f, "blob declares {l} bytes, more than fit"),
            BlobError::FieldElement(i) => write!(f, "field element {i} has its top bits set"),
            BlobError::TrailingData => write!(f, "blob has non-zero data past its length"),
        }
    }
}

/// The versioned hash of a KZG commitment: `0x01 ++ sha256(commitment)[1..]`.
pub fn versioned_hash(commitment: &[u8; 48]) -> B256 {
    let mut h: [u8; 32] = Sha256::digest(commitment).into();
    h[0] = 1;
    B256::from(h)
}

/// The 127 bytes of one round: 4 field elements' low 31 bytes and their top bytes' 6 bits.
fn decode_round(fe: &[u8], out: &mut Vec<u8>, first: usize) -> Result<(), BlobError> {
    let mut top = [0u8; 4];
    for (j, t) in top.iter_mut().enumerate() {
        let b = fe[j * 32];
        if b & 0b1100_0000 != 0 {
            return Err(BlobError::FieldElement(first + j));
        }
        *t = b;
    }
    let x = top[0] | ((top[1] & 0b0011_0000) << 2);
    let y = (top[1] & 0b0000_1111) | ((top[3] & 0b0000_1111) << 4);
    let z = top[2] | ((top[3] & 0b0011_0000) << 2);
    out.extend_from_slice(&fe[1..32]);
    out.push(x);
    out.extend_from_slice(&fe[33..64]);
    out.push(y);
    out.extend_from_slice(&fe[65..96]);
    out.push(z);
    out.extend_from_slice(&fe[97..128]);
    Ok(())
}

/// Decodes a blob into its rollup data.
pub fn decode_blob(blob: &[u8; BLOB_SIZE]) -> Result<Vec<u8>, BlobError> {
    let mut stream = Vec::with_capacity(127);
    decode_round(&blob[..128], &mut stream, 0)?;
    if stream[0] != BLOB_ENCODING_VERSION {
        return Err(BlobError::Version(stream[0]));
    }
    let len = u32::from_be_bytes([0, stream[1], stream[2], stream[3]]) as usize;
    if len > MAX_BLOB_DATA_SIZE {
        return Err(BlobError::Length(len));
    }
    // Decode the rounds the data needs; every later byte of the blob must be zero.
    let mut round = 1;
    while stream.len() < len + 4 && round < ROUNDS {
        decode_round(
            &blob[round * 128..(round + 1) * 128],
            &mut stream,
            round * 4,
        )?;
        round += 1;
    }
    if stream[4 + len..].iter().any(|b| *b != 0) || blob[round * 128..].iter().any(|b| *b != 0) {
        return Err(BlobError::TrailingData);
    }
    stream.truncate(4 + len);
    stream.drain(..4);
    Ok(stream)
}

/// Encodes rollup data into a blob; `None` if it does not fit.
pub fn encode_blob(data: &[u8]) -> Option<alloc::boxed::Box<[u8; BLOB_SIZE]>> {
    if data.len() > MAX_BLOB_DATA_SIZE {
        return None;
    }
    let mut stream = vec![0u8; ROUNDS * 127];
    stream[0] = BLOB_ENCODING_VERSION;
    stream[1..4].copy_from_slice(&(data.len() as u32).to_be_bytes()[1..]);
    stream[4..4 + data.len()].copy_from_slice(data);
    let mut blob = alloc::boxed::Box::new([0u8; BLOB_SIZE]);
    for (round, chunk) in stream.chunks(127).enumerate() {
        let fe = &mut blob[round * 128..(round + 1) * 128];
        let (x, y, z) = (chunk[31], chunk[63], chunk[95]);
        fe[0] = x & 0b0011_1111;
        fe[1..32].copy_from_slice(&chunk[0..31]);
        fe[32] = (y & 0b0000_1111) | ((x & 0b1100_0000) >> 2);
        fe[33..64].copy_from_slice(&chunk[32..63]);
        fe[64] = z & 0b0011_1111;
        fe[65..96].copy_from_slice(&chunk[64..95]);
        fe[96] = ((z & 0b1100_0000) >> 2) | ((y & 0b1111_0000) >> 4);
        fe[97..128].copy_from_slice(&chunk[96..127]);
    }
    Some(blob)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_round_trip() {
        for len in [0usize, 1, 27, 28, 127, 128, 1000, MAX_BLOB_DATA_SIZE] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            let blob = encode_blob(&data).unwrap();
            assert_eq!(decode_blob(&blob).unwrap(), data, "length {len}");
        }
        assert!(encode_blob(&vec![0u8; MAX_BLOB_DATA_SIZE + 1]).is_none());
    }

    #[test]
    fn bad_blobs_are_rejected() {
        let blob = encode_blob(b"hello").unwrap();
        let mut b = blob.clone();
        b[1] = 1;
        assert_eq!(decode_blob(&b), Err(BlobError::Version(1)));
        let mut b = blob.clone();
        b[32] |= 0x80;
        assert_eq!(decode_blob(&b), Err(BlobError::FieldElement(1)));
        let mut b = blob.clone();
        b[BLOB_SIZE - 1] = 1;
        assert_eq!(decode_blob(&b), Err(BlobError::TrailingData));
        let mut b = blob.clone();
        b[20] = 1; // inside the first round, past the 5 data bytes
        assert_eq!(decode_blob(&b), Err(BlobError::TrailingData));
        let mut b = blob;
        b[2] = 0xff;
        assert!(matches!(decode_blob(&b), Err(BlobError::Length(_))));
    }

    #[test]
    fn versioned_hash_has_version_one() {
        let h = versioned_hash(&[0u8; 48]);
        assert_eq!(h[0], 1);
    }
}
