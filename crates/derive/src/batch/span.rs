//! Span batches (delta/span-batches.md; Isthmus adds SetCode transactions): a run of consecutive
//! L2 blocks in one batch, `prefix ++ payload` after batch type 1.

use super::single::SingleBatch;
use crate::config::MAX_SPAN_BATCH_ELEMENT_COUNT;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use alloy_consensus::{SignableTransaction, TxEip1559, TxEip2930, TxEip7702, TxEnvelope, TxLegacy};
use alloy_eips::eip2718::{Decodable2718, Encodable2718};
use alloy_eips::eip2930::AccessList;
use alloy_eips::eip7702::SignedAuthorization;
use alloy_primitives::{Address, Bytes, Signature, TxKind, B256, U256};
use alloy_rlp::{Decodable, Encodable, Header};

/// Why a span batch does not decode.
pub type SpanError = String;

/// A span batch as encoded: the prefix, the per-block data and the transactions' columns.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawSpanBatch {
    /// First block's timestamp minus the L2 genesis time.
    pub rel_timestamp: u64,
    /// The last block's L1 origin number.
    pub l1_origin_num: u64,
    /// The first 20 bytes of the first block's parent hash.
    pub parent_check: [u8; 20],
    /// The first 20 bytes of the last block's L1 origin hash.
    pub l1_origin_check: [u8; 20],
    /// For each block, whether it changed the L1 origin.
    pub origin_bits: Vec<bool>,
    /// For each block, its number of transactions.
    pub block_tx_counts: Vec<u64>,
    /// The transactions, column by column.
    pub txs: SpanTxs,
}

/// The transactions of a span batch, column by column.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SpanTxs {
    /// Whether each is a contract creation.
    pub contract_creation_bits: Vec<bool>,
    /// Each signature's y parity.
    pub y_parity_bits: Vec<bool>,
    /// Each signature's `(r, s)`.
    pub sigs: Vec<(U256, U256)>,
    /// The recipients of the non-creations.
    pub tos: Vec<Address>,
    /// Each transaction's type-specific data (`[type ++] rlp(...)`), as encoded.
    pub datas: Vec<Vec<u8>>,
    /// Each nonce.
    pub nonces: Vec<u64>,
    /// Each gas limit.
    pub gases: Vec<u64>,
    /// For each legacy transaction, whether it is EIP-155 protected.
    pub protected_bits: Vec<bool>,
}

/// One block of a span batch, with its derived timestamp and L1 origin number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpanBatchElement {
    /// The block's timestamp.
    pub timestamp: u64,
    /// The block's L1 origin number.
    pub epoch_num: u64,
    /// The block's transactions, EIP-2718 encoded.
    pub transactions: Vec<Bytes>,
}

/// A decoded span batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpanBatch {
    /// The first 20 bytes of the first block's parent hash.
    pub parent_check: [u8; 20],
    /// The first 20 bytes of the last block's L1 origin hash.
    pub l1_origin_check: [u8; 20],
    /// Its blocks.
    pub blocks: Vec<SpanBatchElement>,
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn bytes(&mut self, n: usize, what: &str) -> Result<&'a [u8], SpanError> {
        if self.0.len() < n {
            return Err(format!("{what}: needs {n} bytes, {} left", self.0.len()));
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }

    fn uvarint(&mut self, what: &str) -> Result<u64, SpanError> {
        let mut value = 0u64;
        for i in 0..10 {
            let b = *self.bytes(1, what)?.first().ok_or("empty")?;
            if i == 9 && b > 1 {
                return Err(format!("{what}: uvarint overflows 64 bits"));
            }
            value |= u64::from(b & 0x7f) << (7 * i);
            if b < 0x80 {
                return Ok(value);
            }
        }
        Err(format!("{what}: uvarint overflows 64 bits"))
    }

    fn bits(&mut self, count: usize, what: &str) -> Result<Vec<bool>, SpanError> {
        let n = count.div_ceil(8);
        let raw = self.bytes(n, what)?;
        let mut bits = Vec::with_capacity(count);
        for i in 0..count {
            bits.push(raw[n - 1 - i / 8] >> (i % 8) & 1 == 1);
        }
        // The big-endian integer must have no bit at or above `count`.
        for i in count..n * 8 {
            if raw[n - 1 - i / 8] >> (i % 8) & 1 == 1 {
                return Err(format!("{what}: bitlist has bits past its length"));
            }
        }
        Ok(bits)
    }

    /// One RLP item (its header and payload), optionally behind a type byte.
    fn tx_data(&mut self) -> Result<&'a [u8], SpanError> {
        let start = self.0;
        let first = *start.first().ok_or("tx data: no bytes left")?;
        let type_len = match first {
            0xc0..=0xff => 0,
            1 | 2 | 4 => 1,
            t => return Err(format!("tx data: unsupported transaction type {t}")),
        };
        let mut body = &start[type_len..];
        let before = body.len();
        let header = Header::decode(&mut body).map_err(|e| format!("tx data: {e}"))?;
        if !header.list {
            return Err(String::from("tx data: not an RLP list"));
        }
        let total = type_len + (before - body.len()) + header.payload_length;
        self.bytes(total, "tx data")
    }
}

fn write_uvarint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn write_bits(out: &mut Vec<u8>, bits: &[bool]) {
    let n = bits.len().div_ceil(8);
    let start = out.len();
    out.resize(start + n, 0);
    for (i, b) in bits.iter().enumerate() {
        if *b {
            out[start + n - 1 - i / 8] |= 1 << (i % 8);
        }
    }
}

fn checked_count(v: u64, what: &str) -> Result<usize, SpanError> {
    if v > MAX_SPAN_BATCH_ELEMENT_COUNT {
        return Err(format!("{what} {v} exceeds MAX_SPAN_BATCH_ELEMENT_COUNT"));
    }
    Ok(v as usize)
}

impl RawSpanBatch {
    /// Decodes a span batch (the bytes after the batch type); trailing bytes are ignored.
    pub fn decode(data: &[u8]) -> Result<Self, SpanError> {
        let mut r = Reader(data);
        let rel_timestamp = r.uvarint("rel_timestamp")?;
        let l1_origin_num = r.uvarint("l1_origin_num")?;
        let mut parent_check = [0u8; 20];
        parent_check.copy_from_slice(r.bytes(20, "parent_check")?);
        let mut l1_origin_check = [0u8; 20];
        l1_origin_check.copy_from_slice(r.bytes(20, "l1_origin_check")?);
        let block_count = checked_count(r.uvarint("block_count")?, "block count")?;
        if block_count == 0 {
            return Err(String::from("empty span batch"));
        }
        let origin_bits = r.bits(block_count, "origin_bits")?;
        let mut block_tx_counts = Vec::new();
        let mut total = 0u64;
        for _ in 0..block_count {
            let c = r.uvarint("block_tx_count")?;
            checked_count(c, "block tx count")?;
            total = total.saturating_add(c);
            checked_count(total, "total tx count")?;
            block_tx_counts.push(c);
        }
        let total = total as usize;
        // Each transaction needs at least 64 signature bytes: refuse counts the data cannot hold
        // before allocating for them.
        if r.0.len() < total.saturating_mul(64) {
            return Err(format!(
                "{total} transactions cannot fit in {} bytes",
                r.0.len()
            ));
        }
        let contract_creation_bits = r.bits(total, "contract_creation_bits")?;
        let y_parity_bits = r.bits(total, "y_parity_bits")?;
        let mut sigs = Vec::with_capacity(total);
        for _ in 0..total {
            let rs = r.bytes(64, "tx_sigs")?;
            sigs.push((
                U256::from_be_slice(&rs[..32]),
                U256::from_be_slice(&rs[32..]),
            ));
        }
        let creations = contract_creation_bits.iter().filter(|b| **b).count();
        let mut tos = Vec::with_capacity(total - creations);
        for _ in 0..total - creations {
            tos.push(Address::from_slice(r.bytes(20, "tx_tos")?));
        }
        let mut datas = Vec::with_capacity(total);
        for _ in 0..total {
            datas.push(r.tx_data()?.to_vec());
        }
        let mut nonces = Vec::with_capacity(total);
        for _ in 0..total {
            nonces.push(r.uvarint("tx_nonces")?);
        }
        let mut gases = Vec::with_capacity(total);
        for _ in 0..total {
            gases.push(r.uvarint("tx_gases")?);
        }
        let legacy = datas
            .iter()
            .filter(|d| d.first().is_some_and(|b| *b >= 0xc0))
            .count();
        let protected_bits = r.bits(legacy, "protected_bits")?;
        Ok(RawSpanBatch {
            rel_timestamp,
            l1_origin_num,
            parent_check,
            l1_origin_check,
            origin_bits,
            block_tx_counts,
            txs: SpanTxs {
                contract_creation_bits,
                y_parity_bits,
                sigs,
                tos,
                datas,
                nonces,
                gases,
                protected_bits,
            },
        })
    }

    /// Appends the encoding (without the batch type).
    pub fn encode(&self, out: &mut Vec<u8>) {
        write_uvarint(out, self.rel_timestamp);
        write_uvarint(out, self.l1_origin_num);
        out.extend_from_slice(&self.parent_check);
        out.extend_from_slice(&self.l1_origin_check);
        write_uvarint(out, self.origin_bits.len() as u64);
        write_bits(out, &self.origin_bits);
        for c in &self.block_tx_counts {
            write_uvarint(out, *c);
        }
        let t = &self.txs;
        write_bits(out, &t.contract_creation_bits);
        write_bits(out, &t.y_parity_bits);
        for (r, s) in &t.sigs {
            out.extend_from_slice(&r.to_be_bytes::<32>());
            out.extend_from_slice(&s.to_be_bytes::<32>());
        }
        for to in &t.tos {
            out.extend_from_slice(to.as_slice());
        }
        for d in &t.datas {
            out.extend_from_slice(d);
        }
        for n in &t.nonces {
            write_uvarint(out, *n);
        }
        for g in &t.gases {
            write_uvarint(out, *g);
        }
        write_bits(out, &t.protected_bits);
    }

    /// The blocks: timestamps from the genesis time and block time, L1 origin numbers from the
    /// origin bits counted back from the last block's, transactions rebuilt with `chain_id`.
    pub fn derive(
        &self,
        genesis_time: u64,
        block_time: u64,
        chain_id: u64,
    ) -> Result<SpanBatch, SpanError> {
        let count = self.origin_bits.len();
        let mut epochs = alloc::vec![0u64; count];
        let mut epoch = self.l1_origin_num;
        for i in (0..count).rev() {
            epochs[i] = epoch;
            if i > 0 && self.origin_bits[i] {
                epoch = epoch
                    .checked_sub(1)
                    .ok_or("L1 origin numbers go below zero")?;
            }
        }
        let txs = self.full_transactions(chain_id)?;
        let mut txs = txs.into_iter();
        let start = genesis_time
            .checked_add(self.rel_timestamp)
            .ok_or("timestamp overflows")?;
        let mut blocks = Vec::with_capacity(count);
        for (i, n) in self.block_tx_counts.iter().enumerate() {
            let timestamp = (i as u64)
                .checked_mul(block_time)
                .and_then(|d| start.checked_add(d))
                .ok_or("timestamp overflows")?;
            blocks.push(SpanBatchElement {
                timestamp,
                epoch_num: epochs[i],
                transactions: txs.by_ref().take(*n as usize).collect(),
            });
        }
        Ok(SpanBatch {
            parent_check: self.parent_check,
            l1_origin_check: self.l1_origin_check,
            blocks,
        })
    }

    /// Every transaction, EIP-2718 encoded.
    pub fn full_transactions(&self, chain_id: u64) -> Result<Vec<Bytes>, SpanError> {
        let t = &self.txs;
        let mut tos = t.tos.iter();
        let mut protected = t.protected_bits.iter();
        let mut out = Vec::with_capacity(t.datas.len());
        for (i, data) in t.datas.iter().enumerate() {
            let to = if t.contract_creation_bits[i] {
                TxKind::Create
            } else {
                TxKind::Call(*tos.next().ok_or("missing tx_to")?)
            };
            let (r, s) = t.sigs[i];
            let sig = Signature::new(r, s, t.y_parity_bits[i]);
            let (nonce, gas_limit) = (t.nonces[i], t.gases[i]);
            let envelope = match data[0] {
                0xc0..=0xff => {
                    let (value, gas_price, input): (U256, u128, Bytes) =
                        decode_fields(data, |b| {
                            Ok((U256::decode(b)?, u128::decode(b)?, Bytes::decode(b)?))
                        })?;
                    let is_protected = *protected.next().ok_or("missing protected bit")?;
                    let tx = TxLegacy {
                        chain_id: is_protected.then_some(chain_id),
                        nonce,
                        gas_price,
                        gas_limit,
                        to,
                        value,
                        input,
                    };
                    TxEnvelope::Legacy(tx.into_signed(sig))
                }
                1 => {
                    let (value, gas_price, input, access_list) = decode_fields(&data[1..], |b| {
                        Ok((
                            U256::decode(b)?,
                            u128::decode(b)?,
                            Bytes::decode(b)?,
                            AccessList::decode(b)?,
                        ))
                    })?;
                    let tx = TxEip2930 {
                        chain_id,
                        nonce,
                        gas_price,
                        gas_limit,
                        to,
                        value,
                        access_list,
                        input,
                    };
                    TxEnvelope::Eip2930(tx.into_signed(sig))
                }
                2 => {
                    let (value, max_priority_fee_per_gas, max_fee_per_gas, input, access_list) =
                        decode_fields(&data[1..], |b| {
                            Ok((
                                U256::decode(b)?,
                                u128::decode(b)?,
                                u128::decode(b)?,
                                Bytes::decode(b)?,
                                AccessList::decode(b)?,
                            ))
                        })?;
                    let tx = TxEip1559 {
                        chain_id,
                        nonce,
                        gas_limit,
                        max_fee_per_gas,
                        max_priority_fee_per_gas,
                        to,
                        value,
                        access_list,
                        input,
                    };
                    TxEnvelope::Eip1559(tx.into_signed(sig))
                }
                4 => {
                    let TxKind::Call(to) = to else {
                        return Err(String::from("SetCode transaction cannot create a contract"));
                    };
                    let (
                        value,
                        max_priority_fee_per_gas,
                        max_fee_per_gas,
                        input,
                        access_list,
                        authorization_list,
                    ) = decode_fields(&data[1..], |b| {
                        Ok((
                            U256::decode(b)?,
                            u128::decode(b)?,
                            u128::decode(b)?,
                            Bytes::decode(b)?,
                            AccessList::decode(b)?,
                            Vec::<SignedAuthorization>::decode(b)?,
                        ))
                    })?;
                    let tx = TxEip7702 {
                        chain_id,
                        nonce,
                        gas_limit,
                        max_fee_per_gas,
                        max_priority_fee_per_gas,
                        to,
                        value,
                        access_list,
                        authorization_list,
                        input,
                    };
                    TxEnvelope::Eip7702(tx.into_signed(sig))
                }
                t => return Err(format!("unsupported transaction type {t}")),
            };
            out.push(envelope.encoded_2718().into());
        }
        Ok(out)
    }

    /// Builds a span batch from consecutive singular batches; `first_origin_changed` tells
    /// whether the first block changed the L1 origin from its parent's.
    pub fn from_singles(
        batches: &[SingleBatch],
        genesis_time: u64,
        first_origin_changed: bool,
    ) -> Result<Self, SpanError> {
        let first = batches.first().ok_or("no batches")?;
        let last = batches.last().ok_or("no batches")?;
        let mut raw = RawSpanBatch {
            rel_timestamp: first
                .timestamp
                .checked_sub(genesis_time)
                .ok_or("before genesis")?,
            l1_origin_num: last.epoch_num,
            ..Default::default()
        };
        raw.parent_check.copy_from_slice(&first.parent_hash[..20]);
        raw.l1_origin_check.copy_from_slice(&last.epoch_hash[..20]);
        for (i, b) in batches.iter().enumerate() {
            raw.origin_bits.push(if i == 0 {
                first_origin_changed
            } else {
                b.epoch_num != batches[i - 1].epoch_num
            });
            raw.block_tx_counts.push(b.transactions.len() as u64);
            for tx in &b.transactions {
                raw.txs.push(tx)?;
            }
        }
        Ok(raw)
    }
}

fn decode_fields<T>(
    data: &[u8],
    f: impl FnOnce(&mut &[u8]) -> alloy_rlp::Result<T>,
) -> Result<T, SpanError> {
    let mut buf = data;
    let header = Header::decode(&mut buf).map_err(|e| format!("tx data: {e}"))?;
    let mut body = buf
        .get(..header.payload_length)
        .ok_or("tx data cut short")?;
    let v = f(&mut body).map_err(|e| format!("tx data: {e}"))?;
    if !body.is_empty() {
        return Err(String::from("tx data: extra fields"));
    }
    Ok(v)
}

fn rlp_list(out: &mut Vec<u8>, fields: &[&dyn Encodable]) {
    let len: usize = fields.iter().map(|f| f.length()).sum();
    Header {
        list: true,
        payload_length: len,
    }
    .encode(out);
    for f in fields {
        f.encode(out);
    }
}

impl SpanTxs {
    /// Adds one EIP-2718 encoded transaction.
    pub fn push(&mut self, encoded: &[u8]) -> Result<(), SpanError> {
        let env =
            TxEnvelope::decode_2718(&mut &encoded[..]).map_err(|e| format!("transaction: {e}"))?;
        let mut data = Vec::new();
        let (sig, to, nonce, gas) = match &env {
            TxEnvelope::Legacy(t) => {
                let tx = t.tx();
                rlp_list(&mut data, &[&tx.value, &tx.gas_price, &tx.input]);
                self.protected_bits.push(tx.chain_id.is_some());
                (*t.signature(), tx.to, tx.nonce, tx.gas_limit)
            }
            TxEnvelope::Eip2930(t) => {
                let tx = t.tx();
                data.push(1);
                rlp_list(
                    &mut data,
                    &[&tx.value, &tx.gas_price, &tx.input, &tx.access_list],
                );
                (*t.signature(), tx.to, tx.nonce, tx.gas_limit)
            }
            TxEnvelope::Eip1559(t) => {
                let tx = t.tx();
                data.push(2);
                rlp_list(
                    &mut data,
                    &[
                        &tx.value,
                        &tx.max_priority_fee_per_gas,
                        &tx.max_fee_per_gas,
                        &tx.input,
                        &tx.access_list,
                    ],
                );
                (*t.signature(), tx.to, tx.nonce, tx.gas_limit)
            }
            TxEnvelope::Eip7702(t) => {
                let tx = t.tx();
                data.push(4);
                rlp_list(
                    &mut data,
                    &[
                        &tx.value,
                        &tx.max_priority_fee_per_gas,
                        &tx.max_fee_per_gas,
                        &tx.input,
                        &tx.access_list,
                        &tx.authorization_list,
                    ],
                );
                (*t.signature(), TxKind::Call(tx.to), tx.nonce, tx.gas_limit)
            }
            TxEnvelope::Eip4844(_) => {
                return Err(String::from("blob transactions cannot be batched"))
            }
        };
        self.contract_creation_bits.push(to.is_create());
        if let TxKind::Call(a) = to {
            self.tos.push(a);
        }
        self.y_parity_bits.push(sig.v());
        self.sigs.push((sig.r(), sig.s()));
        self.datas.push(data);
        self.nonces.push(nonce);
        self.gases.push(gas);
        Ok(())
    }
}

impl SpanBatch {
    /// The first block's timestamp.
    pub fn start_timestamp(&self) -> u64 {
        self.blocks.first().map_or(0, |b| b.timestamp)
    }

    /// The last block's timestamp.
    pub fn end_timestamp(&self) -> u64 {
        self.blocks.last().map_or(0, |b| b.timestamp)
    }

    /// The first block's L1 origin number.
    pub fn start_epoch(&self) -> u64 {
        self.blocks.first().map_or(0, |b| b.epoch_num)
    }

    /// The last block's L1 origin number.
    pub fn end_epoch(&self) -> u64 {
        self.blocks.last().map_or(0, |b| b.epoch_num)
    }

    /// Whether `hash` starts with the parent check.
    pub fn parent_matches(&self, hash: &B256) -> bool {
        hash[..20] == self.parent_check
    }

    /// Whether `hash` starts with the L1 origin check.
    pub fn origin_matches(&self, hash: &B256) -> bool {
        hash[..20] == self.l1_origin_check
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uvarints_and_bitlists_round_trip() {
        for v in [0u64, 1, 127, 128, 300, u64::MAX] {
            let mut out = Vec::new();
            write_uvarint(&mut out, v);
            assert_eq!(Reader(&out).uvarint("v").unwrap(), v);
        }
        assert!(Reader(&[0xff; 10]).uvarint("v").is_err());
        let bits = [true, false, false, true, true, false, true, false, true];
        let mut out = Vec::new();
        write_bits(&mut out, &bits);
        assert_eq!(out, [0b1, 0b0101_1001]);
        assert_eq!(Reader(&out).bits(9, "b").unwrap(), bits);
        assert!(
            Reader(&[0b10, 0]).bits(9, "b").is_err(),
            "a bit past the length"
        );
    }

    #[test]
    fn empty_and_oversized_span_batches_are_rejected() {
        let mut out = Vec::new();
        write_uvarint(&mut out, 0);
        write_uvarint(&mut out, 0);
        out.extend_from_slice(&[0; 40]);
        let mut empty = out.clone();
        write_uvarint(&mut empty, 0);
        assert!(RawSpanBatch::decode(&empty).unwrap_err().contains("empty"));
        let mut big = out.clone();
        write_uvarint(&mut big, MAX_SPAN_BATCH_ELEMENT_COUNT + 1);
        assert!(RawSpanBatch::decode(&big).is_err());
        // A huge transaction count with no data behind it fails without allocating for it.
        let mut bomb = out;
        write_uvarint(&mut bomb, 1);
        bomb.push(0);
        write_uvarint(&mut bomb, MAX_SPAN_BATCH_ELEMENT_COUNT);
        assert!(RawSpanBatch::decode(&bomb)
            .unwrap_err()
            .contains("cannot fit"));
    }
}
