//! Singular batches (derivation.md, "Batch Format"): `rlp([parent_hash, epoch_number, epoch_hash,
//! timestamp, transaction_list])` after batch type 0.

use alloc::vec::Vec;
use alloy_primitives::{Bytes, B256};
use alloy_rlp::{Decodable, Encodable, Header};

/// One L2 block's batch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SingleBatch {
    /// The parent L2 block's hash.
    pub parent_hash: B256,
    /// The L1 origin's number.
    pub epoch_num: u64,
    /// The L1 origin's hash.
    pub epoch_hash: B256,
    /// The L2 block's timestamp.
    pub timestamp: u64,
    /// The sequenced transactions, EIP-2718 encoded.
    pub transactions: Vec<Bytes>,
}

impl SingleBatch {
    /// Decodes the RLP list (trailing bytes after it are ignored, as the spec allows).
    pub fn decode(buf: &mut &[u8]) -> alloy_rlp::Result<Self> {
        let header = Header::decode(buf)?;
        if !header.list {
            return Err(alloy_rlp::Error::UnexpectedString);
        }
        let mut body = buf
            .get(..header.payload_length)
            .ok_or(alloy_rlp::Error::InputTooShort)?;
        *buf = &buf[header.payload_length..];
        let batch = SingleBatch {
            parent_hash: B256::decode(&mut body)?,
            epoch_num: u64::decode(&mut body)?,
            epoch_hash: B256::decode(&mut body)?,
            timestamp: u64::decode(&mut body)?,
            transactions: Vec::<Bytes>::decode(&mut body)?,
        };
        if !body.is_empty() {
            return Err(alloy_rlp::Error::ListLengthMismatch {
                expected: header.payload_length,
                got: header.payload_length - body.len(),
            });
        }
        Ok(batch)
    }

    fn payload_length(&self) -> usize {
        self.parent_hash.length()
            + self.epoch_num.length()
            + self.epoch_hash.length()
            + self.timestamp.length()
            + self.transactions.length()
    }

    /// Appends the RLP list.
    pub fn encode(&self, out: &mut Vec<u8>) {
        Header {
            list: true,
            payload_length: self.payload_length(),
        }
        .encode(out);
        self.parent_hash.encode(out);
        self.epoch_num.encode(out);
        self.epoch_hash.encode(out);
        self.timestamp.encode(out);
        self.transactions.encode(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn singular_batches_round_trip() {
        let b = SingleBatch {
            parent_hash: B256::repeat_byte(1),
            epoch_num: 77,
            epoch_hash: B256::repeat_byte(2),
            timestamp: 1_700_000_000,
            transactions: alloc::vec![
                Bytes::from_static(&[2, 0xc0]),
                Bytes::from_static(&[0xc1, 1])
            ],
        };
        let mut out = Vec::new();
        b.encode(&mut out);
        out.extend_from_slice(b"trailing");
        let mut s = out.as_slice();
        assert_eq!(SingleBatch::decode(&mut s).unwrap(), b);
        assert_eq!(s, b"trailing");
        assert!(SingleBatch::decode(&mut &out[..out.len() - 12]).is_err());
    }
}
