//! The batcher side (`std`): batches into channels (zlib or brotli), channels into frames,
//! frames into calldata or blobs, signed L1 transactions. For tests and the local chain's batcher.

use crate::batch::{Batch, RawSpanBatch, SingleBatch, SINGLE_BATCH_TYPE, SPAN_BATCH_TYPE};
use crate::blob::{encode_blob, versioned_hash, BLOB_SIZE};
use crate::compression::{Compression, CHANNEL_VERSION_BROTLI};
use crate::frame::{ChannelId, Frame, DERIVATION_VERSION_0};
use alloy_consensus::{SignableTransaction, TxEip1559, TxEip4844, TxEnvelope};
use alloy_primitives::{Address, Bytes, Signature, TxKind, B256, U256};
/// The key type batcher transactions are signed with.
pub use k256::ecdsa::SigningKey;

/// Appends a singular batch as a channel carries it.
pub fn push_single(out: &mut Vec<u8>, batch: &SingleBatch) {
    let mut content = Vec::new();
    batch.encode(&mut content);
    Batch::encode_for_channel(SINGLE_BATCH_TYPE, &content, out);
}

/// Appends a span batch as a channel carries it.
pub fn push_span(out: &mut Vec<u8>, batch: &RawSpanBatch) {
    let mut content = Vec::new();
    batch.encode(&mut content);
    Batch::encode_for_channel(SPAN_BATCH_TYPE, &content, out);
}

/// Compresses channel data.
pub fn compress(data: &[u8], compression: Compression) -> Vec<u8> {
    match compression {
        Compression::Zlib => miniz_oxide::deflate::compress_to_vec_zlib(data, 6),
        Compression::Brotli => {
            let mut out = vec![CHANNEL_VERSION_BROTLI];
            {
                let mut w = brotli::CompressorWriter::new(&mut out, 4096, 6, 22);
                std::io::Write::write_all(&mut w, data).expect("writing to a Vec cannot fail");
            }
            out
        }
    }
}

/// Splits a compressed channel into frames of at most `max_data` bytes each (at least one).
pub fn split_frames(id: ChannelId, data: &[u8], max_data: usize) -> Vec<Frame> {
    let chunks: Vec<&[u8]> = if data.is_empty() {
        vec![&[][..]]
    } else {
        data.chunks(max_data.max(1)).collect()
    };
    let n = chunks.len();
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, c)| Frame {
            id,
            number: i as u16,
            data: c.to_vec(),
            is_last: i + 1 == n,
        })
        .collect()
}

/// Batcher data carrying `frames`: the version byte and the frames.
pub fn frames_payload(frames: &[Frame]) -> Vec<u8> {
    let mut out = vec![DERIVATION_VERSION_0];
    for f in frames {
        f.encode(&mut out);
    }
    out
}

/// A blob and its (stand-in) KZG commitment: tests need the versioned hash to match the
/// commitment, not a real KZG commitment.
pub fn blob_with_commitment(data: &[u8], seed: u64) -> Option<([u8; 48], Box<[u8; BLOB_SIZE]>)> {
    let blob = encode_blob(data)?;
    let mut commitment = [0u8; 48];
    let h = alloy_primitives::keccak256([&seed.to_be_bytes()[..], &blob[..64]].concat());
    commitment[..32].copy_from_slice(h.as_slice());
    commitment[32..40].copy_from_slice(&seed.to_be_bytes());
    Some((commitment, blob))
}

fn sign<T: SignableTransaction<Signature>>(tx: &T, key: &SigningKey) -> Signature {
    let hash = tx.signature_hash();
    let (sig, recid) = key
        .sign_prehash_recoverable(hash.as_slice())
        .expect("signing a 32-byte hash");
    Signature::from_signature_and_parity(sig, recid.is_y_odd())
}

/// The address of a signing key.
pub fn key_address(key: &SigningKey) -> Address {
    Address::from_public_key(key.verifying_key())
}

/// A signed EIP-1559 transaction to `to` carrying `data` as calldata.
pub fn calldata_tx(
    key: &SigningKey,
    chain_id: u64,
    nonce: u64,
    to: Address,
    data: Vec<u8>,
) -> TxEnvelope {
    let tx = TxEip1559 {
        chain_id,
        nonce,
        gas_limit: 1_000_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: TxKind::Call(to),
        value: U256::ZERO,
        access_list: Default::default(),
        input: Bytes::from(data),
    };
    let sig = sign(&tx, key);
    TxEnvelope::Eip1559(tx.into_signed(sig))
}

/// A signed blob transaction to `to` referencing `hashes`.
pub fn blob_tx(
    key: &SigningKey,
    chain_id: u64,
    nonce: u64,
    to: Address,
    hashes: Vec<B256>,
) -> TxEnvelope {
    let tx = TxEip4844 {
        chain_id,
        nonce,
        gas_limit: 100_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to,
        value: U256::ZERO,
        access_list: Default::default(),
        blob_versioned_hashes: hashes,
        max_fee_per_blob_gas: 1_000_000,
        input: Bytes::new(),
    };
    let sig = sign(&tx, key);
    TxEnvelope::Eip4844(tx.into_signed(sig).into())
}

/// The versioned hash of a stand-in commitment.
pub fn blob_hash(commitment: &[u8; 48]) -> B256 {
    versioned_hash(commitment)
}
