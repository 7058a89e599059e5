//! Synthetic chains for tests (`std`): a seeded generator of L1 blocks (deposits, config updates,
//! batcher transactions in calldata and blobs) from a sequenced L2 chain, with the expected
//! payload attributes of every L2 block; in-memory L1 and L2 providers and a fake engine.

use crate::attributes::{build_attributes, PayloadAttributes};
use crate::batch::{RawSpanBatch, SingleBatch};
use crate::compression::Compression;
use crate::config::{Fork, Genesis, RollupConfig};
use crate::deposits::{encode_deposit_log_data, DEPOSIT_EVENT_TOPIC};
use crate::encode;
use crate::error::DeriveError;
use crate::l1_info::decode_l1_info;
use crate::provider::{Blob, BlobProvider, BytecodeSource, L1Provider, L2Provider};
use crate::system_config::{encode_update_data, SystemConfig, CONFIG_UPDATE_TOPIC};
use crate::types::{BlockId, L1BlockRef, L2BlockRef};
use alloy_consensus::{
    Eip658Value, Header, Receipt, ReceiptEnvelope, ReceiptWithBloom, TxEnvelope,
};
use alloy_eips::eip2718::{Decodable2718, Encodable2718};
use alloy_primitives::{address, keccak256, Address, Bytes, Log, LogData, B256, U256};
use k256::ecdsa::SigningKey;
use op_alloy_consensus::TxDeposit;
use std::collections::HashMap;

/// A seeded xorshift64* generator.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// A number in `0..n` (0 for n = 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }
    /// True with probability `p` percent.
    pub fn chance(&mut self, p: u64) -> bool {
        self.below(100) < p
    }
    /// 32 random bytes.
    pub fn b256(&mut self) -> B256 {
        let mut b = [0u8; 32];
        for c in b.chunks_mut(8) {
            c.copy_from_slice(&self.next_u64().to_be_bytes());
        }
        B256::from(b)
    }
    /// `n` random bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
}

/// An in-memory L1 chain.
#[derive(Clone, Debug, Default)]
pub struct MemL1 {
    /// Headers from the first block on.
    pub headers: Vec<Header>,
    /// Their hashes.
    pub hashes: Vec<B256>,
    /// Each block's transactions.
    pub txs: Vec<Vec<TxEnvelope>>,
    /// Each block's receipts.
    pub receipts: Vec<Vec<ReceiptEnvelope>>,
    /// Blobs by versioned hash.
    pub blobs: HashMap<B256, ([u8; 48], Blob)>,
}

impl MemL1 {
    fn index(&self, hash: B256) -> Result<usize, DeriveError> {
        self.hashes
            .iter()
            .position(|h| *h == hash)
            .ok_or_else(|| DeriveError::Provider(format!("no L1 block {hash}")))
    }
    /// The reference of block `i` (from the first).
    pub fn block_ref(&self, i: usize) -> L1BlockRef {
        L1BlockRef::from_header(&self.headers[i])
    }
}

impl L1Provider for &MemL1 {
    fn header_by_number(&mut self, number: u64) -> Result<Option<Header>, DeriveError> {
        let first = self.headers.first().map_or(0, |h| h.number);
        Ok(number
            .checked_sub(first)
            .and_then(|i| self.headers.get(i as usize))
            .cloned())
    }
    fn header_by_hash(&mut self, hash: B256) -> Result<Header, DeriveError> {
        Ok(self.headers[self.index(hash)?].clone())
    }
    fn receipts(&mut self, hash: B256) -> Result<Vec<ReceiptEnvelope>, DeriveError> {
        Ok(self.receipts[self.index(hash)?].clone())
    }
    fn transactions(&mut self, hash: B256) -> Result<Vec<TxEnvelope>, DeriveError> {
        Ok(self.txs[self.index(hash)?].clone())
    }
}

impl BlobProvider for &MemL1 {
    fn blob(&mut self, _block: B256, hash: B256) -> Result<([u8; 48], Blob), DeriveError> {
        self.blobs
            .get(&hash)
            .cloned()
            .ok_or_else(|| DeriveError::Provider(format!("no blob {hash}")))
    }
}

/// A fake L2 engine and chain: a block's hash is the keccak of its parent hash and attributes;
/// its system config is read back from its attributes as a node reads it from the block.
#[derive(Clone, Debug)]
pub struct FakeL2 {
    cfg: RollupConfig,
    /// The blocks: reference, sequenced transactions, system config after it.
    pub blocks: Vec<(L2BlockRef, Vec<Bytes>, SystemConfig)>,
}

impl FakeL2 {
    /// A chain holding the genesis block.
    pub fn new(cfg: &RollupConfig) -> Self {
        let genesis = L2BlockRef {
            hash: cfg.genesis.l2.hash,
            number: cfg.genesis.l2.number,
            timestamp: cfg.genesis.l2_time,
            l1_origin: cfg.genesis.l1,
            ..Default::default()
        };
        Self {
            cfg: cfg.clone(),
            blocks: vec![(genesis, vec![], cfg.genesis.system_config)],
        }
    }

    /// The head block.
    pub fn head(&self) -> L2BlockRef {
        self.blocks.last().map(|b| b.0).unwrap_or_default()
    }

    /// Executes attributes on the head.
    pub fn execute(&mut self, attrs: &PayloadAttributes) -> Result<L2BlockRef, DeriveError> {
        let parent = self.head();
        let parent_sc = self.blocks.last().map(|b| b.2).unwrap_or_default();
        let first = attrs
            .transactions
            .first()
            .ok_or_else(|| DeriveError::BadL2("no L1 info".into()))?;
        let info_tx = TxDeposit::decode_2718(&mut first.as_ref())
            .map_err(|e| DeriveError::BadL2(e.to_string()))?;
        let info = decode_l1_info(&info_tx.input)
            .ok_or_else(|| DeriveError::BadL2("bad L1 info".into()))?;
        let mut h = Vec::new();
        h.extend_from_slice(parent.hash.as_slice());
        h.extend_from_slice(&attrs.timestamp.to_be_bytes());
        for t in &attrs.transactions {
            h.extend_from_slice(keccak256(t).as_slice());
        }
        h.extend_from_slice(&attrs.gas_limit.to_be_bytes());
        let block = L2BlockRef {
            hash: keccak256(&h),
            number: parent.number + 1,
            parent_hash: parent.hash,
            timestamp: attrs.timestamp,
            l1_origin: BlockId {
                hash: info.hash,
                number: info.number,
            },
            sequence_number: info.sequence_number,
        };
        let mut sc = parent_sc;
        sc.batcher_address = info.batcher;
        sc.overhead = info.overhead;
        sc.scalar = info.scalar;
        sc.gas_limit = attrs.gas_limit;
        sc.operator_fee_scalar = info.operator_fee_scalar;
        sc.operator_fee_constant = info.operator_fee_constant;
        sc.da_footprint_gas_scalar = info.da_footprint_gas_scalar;
        if let Some(p) = attrs.eip1559_params {
            let (d, e) = if p.is_zero() {
                (
                    self.cfg.eip1559_denominator_canyon as u32,
                    self.cfg.eip1559_elasticity as u32,
                )
            } else {
                (
                    u32::from_be_bytes(p[..4].try_into().unwrap_or_default()),
                    u32::from_be_bytes(p[4..].try_into().unwrap_or_default()),
                )
            };
            sc.eip1559_denominator = d;
            sc.eip1559_elasticity = e;
        }
        if let Some(m) = attrs.min_base_fee {
            sc.min_base_fee = m;
        }
        let sequenced = attrs.transactions[attrs.deposit_count()..].to_vec();
        self.blocks.push((block, sequenced, sc));
        Ok(block)
    }

    fn get(&self, number: u64) -> Result<&(L2BlockRef, Vec<Bytes>, SystemConfig), DeriveError> {
        self.blocks
            .get(number as usize)
            .ok_or_else(|| DeriveError::Provider(format!("no L2 block {number}")))
    }
}

impl L2Provider for FakeL2 {
    fn block_ref(&mut self, number: u64) -> Result<L2BlockRef, DeriveError> {
        Ok(self.get(number)?.0)
    }
    fn sequenced_transactions(&mut self, number: u64) -> Result<Vec<Bytes>, DeriveError> {
        Ok(self.get(number)?.1.clone())
    }
    fn system_config(&mut self, number: u64) -> Result<SystemConfig, DeriveError> {
        Ok(self.get(number)?.2)
    }
}

/// Bytecode by hash, for upgrade transactions.
#[derive(Clone, Debug, Default)]
pub struct CodeStore(pub HashMap<B256, Bytes>);

impl BytecodeSource for CodeStore {
    fn bytecode(&mut self, hash: B256) -> Result<Bytes, DeriveError> {
        self.0
            .get(&hash)
            .cloned()
            .ok_or_else(|| DeriveError::Provider(format!("no bytecode {hash}")))
    }
}

/// A generated chain.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The rollup config.
    pub cfg: RollupConfig,
    /// The L1 chain.
    pub l1: MemL1,
    /// The sequencer's L2 chain.
    pub l2: FakeL2,
    /// The expected attributes of L2 blocks 1, 2, ...
    pub expected: Vec<PayloadAttributes>,
    /// Which features the scenario used (for coverage counts).
    pub features: Vec<&'static str>,
}

const PORTAL: Address = address!("bEb5Fc579115071764c7423A4f12eDde41f106Ed");
const SYSTEM_CONFIG: Address = address!("229047fed2591dbec1eF1118d64F7aF3dB9EB290");
const INBOX: Address = address!("ff00000000000000000000000000000000000010");

fn receipt(logs: Vec<Log>, ok: bool) -> ReceiptEnvelope {
    let r = Receipt {
        status: Eip658Value::Eip658(ok),
        cumulative_gas_used: 21_000,
        logs,
    };
    ReceiptEnvelope::Eip1559(ReceiptWithBloom::new(r, Default::default()))
}

fn config_log(kind: u8, payload: &[u8]) -> Log {
    let mut t = [0u8; 32];
    t[31] = kind;
    Log {
        address: SYSTEM_CONFIG,
        data: LogData::new_unchecked(
            vec![CONFIG_UPDATE_TOPIC, B256::ZERO, B256::from(t)],
            encode_update_data(payload).into(),
        ),
    }
}

fn word(v: U256) -> [u8; 32] {
    v.to_be_bytes()
}

/// Fork schedule of a scenario: every fork at genesis, none, or staggered over the chain.
fn fork_times(rng: &mut Rng, t0: u64, span: u64, jovian: bool) -> [Option<u64>; 9] {
    let mode = rng.below(3);
    let mut t = [None; 9];
    let count = if jovian { 9 } else { 8 };
    for (i, slot) in t.iter_mut().enumerate().take(count) {
        *slot = match mode {
            0 => Some(0),
            1 => Some(t0 + span * (i as u64 + 1) / (count as u64 + 2)),
            _ => Some(t0 + rng.below(span)),
        };
    }
    // Keep the order of forks.
    for i in 1..count {
        if t[i] < t[i - 1] {
            t[i] = t[i - 1];
        }
    }
    // Fjord must come a block after Ecotone when not at genesis.
    if t[4].is_some() && t[4] == t[3] && t[3] != Some(0) {
        t[4] = t[3].map(|x| x + 2);
        for i in 5..count {
            if t[i] < t[4] {
                t[i] = t[4];
            }
        }
    }
    t
}

/// Generation knobs.
#[derive(Clone, Debug)]
pub struct Options {
    /// L1 blocks after genesis.
    pub l1_blocks: usize,
    /// Whether Jovian may be scheduled.
    pub jovian: bool,
    /// Percent chance to corrupt each channel and each batcher payload (bad input tests).
    pub corrupt: u64,
}

impl Options {
    /// The chains of the differential against kona-derive 0.4.5: no Jovian (kona 0.4.5 predates
    /// it), and none of the inputs where kona departs from the spec (see `kona-diff`).
    pub fn kona_differential() -> Self {
        Self {
            jovian: false,
            ..Self::default()
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Self {
            l1_blocks: 40,
            jovian: true,
            corrupt: 0,
        }
    }
}

/// Generates the scenario of `seed`.
pub fn generate(seed: u64, code: &CodeStore, opts: &Options) -> Result<Scenario, DeriveError> {
    let mut rng = Rng::new(seed);
    let mut features = Vec::new();
    let batcher_key = SigningKey::from_slice(&keccak256(b"verdict batcher").0).expect("valid key");
    let user_key = SigningKey::from_slice(&keccak256(b"verdict user").0).expect("valid key");
    let t0 = 1_700_000_000u64;
    let n = opts.l1_blocks;
    let span = n as u64 * 12;
    let f = fork_times(&mut rng, t0, span, opts.jovian);
    let mut cfg = RollupConfig {
        block_time: 2,
        max_sequencer_drift: 600,
        seq_window_size: 8 + rng.below(8),
        channel_timeout: 6 + rng.below(6),
        granite_channel_timeout: 4 + rng.below(3),
        l1_chain_id: 900,
        l2_chain_id: 901,
        batch_inbox_address: INBOX,
        deposit_contract_address: PORTAL,
        l1_system_config_address: SYSTEM_CONFIG,
        regolith_time: f[0],
        canyon_time: f[1],
        delta_time: f[2],
        ecotone_time: f[3],
        fjord_time: f[4],
        granite_time: f[5],
        holocene_time: f[6],
        isthmus_time: f[7],
        jovian_time: f[8],
        eip1559_elasticity: 6,
        eip1559_denominator: 50,
        eip1559_denominator_canyon: 250,
        ..Default::default()
    };
    // L1 headers first: their hashes are what batches refer to.
    let mut l1 = MemL1::default();
    let mut parent = rng.b256();
    for i in 0..=n {
        let h = Header {
            parent_hash: parent,
            number: 1000 + i as u64,
            timestamp: t0 + 12 * i as u64,
            base_fee_per_gas: Some(1_000_000_000 + rng.below(1_000_000)),
            mix_hash: rng.b256(),
            withdrawals_root: Some(rng.b256()),
            excess_blob_gas: Some(rng.below(1 << 26)),
            blob_gas_used: Some(0),
            parent_beacon_block_root: Some(rng.b256()),
            requests_hash: rng.chance(50).then(|| rng.b256()),
            transactions_root: rng.b256(),
            ..Default::default()
        };
        parent = h.hash_slow();
        l1.hashes.push(parent);
        l1.headers.push(h);
        l1.txs.push(vec![]);
        l1.receipts.push(vec![]);
    }
    let batcher = encode::key_address(&batcher_key);
    cfg.genesis = Genesis {
        l1: l1.block_ref(0).id(),
        l2: BlockId {
            hash: rng.b256(),
            number: 0,
        },
        l2_time: t0,
        system_config: SystemConfig {
            batcher_address: batcher,
            scalar: U256::from(684_000u64),
            overhead: U256::from(188u64),
            gas_limit: 30_000_000,
            ..Default::default()
        },
    };
    // Deposits and config updates (the receipts of L1 blocks after genesis).
    for i in 1..=n {
        let mut logs = Vec::new();
        for _ in 0..rng.below(3) {
            let from = B256::left_padding_from(&rng.bytes(20));
            let to = B256::left_padding_from(&rng.bytes(20));
            let data = encode_deposit_log_data(
                rng.below(1 << 40) as u128,
                U256::from(rng.below(1000)),
                21_000 + rng.below(100_000),
                rng.chance(20),
                &{
                    let l = rng.below(80) as usize;
                    rng.bytes(l)
                },
            );
            logs.push(Log {
                address: PORTAL,
                data: LogData::new_unchecked(
                    vec![DEPOSIT_EVENT_TOPIC, from, to, B256::ZERO],
                    data.into(),
                ),
            });
            features.push("deposit");
        }
        let ecotone = cfg.is_active(Fork::Ecotone, l1.headers[i].timestamp);
        if rng.chance(15) {
            let kind = rng.below(4);
            let log = match kind {
                0 => config_log(2, &word(U256::from(20_000_000 + rng.below(20_000_000)))),
                1 => {
                    let scalar = if ecotone {
                        (U256::from(1u8) << 248)
                            | (U256::from(rng.below(1 << 20)) << 32)
                            | U256::from(rng.below(1 << 20))
                    } else {
                        U256::from(rng.below(1 << 20))
                    };
                    let mut p = word(U256::from(rng.below(1000))).to_vec();
                    p.extend_from_slice(&word(scalar));
                    config_log(1, &p)
                }
                2 => config_log(
                    4,
                    &word((U256::from(1 + rng.below(300)) << 32) | U256::from(1 + rng.below(10))),
                ),
                _ => config_log(
                    5,
                    &word((U256::from(rng.below(1 << 20)) << 64) | U256::from(rng.below(1 << 30))),
                ),
            };
            logs.push(log);
            features.push("config update");
        }
        // A failed transaction's logs never count.
        if rng.chance(10) {
            l1.receipts[i].push(receipt(vec![config_log(2, &word(U256::from(1u64)))], false));
        }
        l1.receipts[i].push(receipt(logs, true));
    }
    // The sequencer: L2 blocks on the L1 chain, built with the attributes builder.
    let mut seq = FakeL2::new(&cfg);
    let mut expected = Vec::new();
    let mut batches: Vec<SingleBatch> = Vec::new();
    let mut origin = 0usize;
    let last_time = t0 + 12 * (n as u64).saturating_sub(cfg.seq_window_size.min(6) + 2);
    let mut nonce = 0u64;
    let mut code = code.clone();
    loop {
        let parent = seq.head();
        let ts = parent.timestamp + cfg.block_time;
        if ts > last_time {
            break;
        }
        if origin < n && l1.headers[origin + 1].timestamp <= ts {
            origin += 1;
        }
        let mut txs = Vec::new();
        if !cfg.is_activation_block(Fork::Jovian, ts) {
            for _ in 0..rng.below(3) {
                let tx = encode::calldata_tx(
                    &user_key,
                    cfg.l2_chain_id,
                    nonce,
                    Address::from_slice(&rng.bytes(20)),
                    {
                        let l = rng.below(200) as usize;
                        rng.bytes(l)
                    },
                );
                nonce += 1;
                txs.push(Bytes::from(tx.encoded_2718()));
            }
        }
        let batch = SingleBatch {
            parent_hash: parent.hash,
            epoch_num: 1000 + origin as u64,
            epoch_hash: l1.hashes[origin],
            timestamp: ts,
            transactions: txs,
        };
        let attrs = build_attributes(&cfg, &mut &l1, &mut seq, &mut code, &parent, &batch)?;
        seq.execute(&attrs)?;
        expected.push(attrs);
        batches.push(batch);
    }
    // The batcher: channels of consecutive blocks, submitted in order.
    let mut next_l1 = 1usize;
    let mut i = 0usize;
    let mut tx_nonce = 0u64;
    let mut channel_no = 0u64;
    while i < batches.len() {
        let len = 1 + rng.below(6) as usize;
        let group = &batches[i..(i + len).min(batches.len())];
        let last_epoch = (group.last().map(|b| b.epoch_num).unwrap_or(1000) - 1000) as usize;
        let first_epoch = (group[0].epoch_num - 1000) as usize;
        let mut at = next_l1.max(last_epoch + 1);
        if rng.chance(30) {
            at += 1;
        }
        let window_end = first_epoch + cfg.seq_window_size as usize;
        at = at.min(window_end).min(n);
        let l1_time = l1.headers[at].timestamp;
        let parent_epoch = seq.blocks[(group[0].timestamp - t0) as usize / 2 - 1]
            .0
            .l1_origin
            .number;
        let span_ok = cfg.is_active(Fork::Delta, l1_time)
            && cfg.is_active(Fork::Delta, l1.headers[first_epoch].timestamp);
        let mut data = Vec::new();
        if span_ok && rng.chance(50) {
            let raw = RawSpanBatch::from_singles(
                group,
                cfg.genesis.l2_time,
                group[0].epoch_num != parent_epoch,
            )
            .map_err(DeriveError::BadL2)?;
            encode::push_span(&mut data, &raw);
            features.push("span batch");
        } else {
            for b in group {
                encode::push_single(&mut data, b);
            }
            features.push("singular batch");
        }
        let brotli = cfg.is_active(Fork::Fjord, l1_time)
            && group
                .iter()
                .all(|b| cfg.is_active(Fork::Fjord, b.timestamp))
            && rng.chance(50);
        let compressed = encode::compress(
            &data,
            if brotli {
                Compression::Brotli
            } else {
                Compression::Zlib
            },
        );
        features.push(if brotli { "brotli" } else { "zlib" });
        let mut id = [0u8; 16];
        id[..8].copy_from_slice(&seed.to_be_bytes());
        id[8..].copy_from_slice(&channel_no.to_be_bytes());
        channel_no += 1;
        let max = if rng.chance(40) {
            1 + compressed.len() / 3
        } else {
            compressed.len() + 1
        };
        let frames = encode::split_frames(id, &compressed, max);
        if frames.len() > 1 {
            features.push("multi-frame");
        }
        let blobs = cfg.is_active(Fork::Ecotone, l1_time) && rng.chance(50);
        for (k, frame) in frames.iter().enumerate() {
            // Later frames may go into the next L1 block (still within the window).
            // A channel never straddles Holocene's activation (its frames would be dropped there).
            let same_rules = at < n
                && cfg.is_active(Fork::Holocene, l1.headers[at].timestamp)
                    == cfg.is_active(Fork::Holocene, l1.headers[at + 1].timestamp);
            let block = if k > 0 && same_rules && rng.chance(30) && at < window_end {
                at + 1
            } else {
                at
            };
            at = block;
            let mut payload = encode::frames_payload(std::slice::from_ref(frame));
            if rng.chance(opts.corrupt) {
                corrupt(&mut rng, &mut payload);
                features.push("corrupt payload");
            }
            let tx = if blobs {
                let (commitment, blob) =
                    encode::blob_with_commitment(&payload, seed ^ (channel_no << 16) ^ k as u64)
                        .ok_or_else(|| DeriveError::BadL2("blob too big".into()))?;
                let hash = encode::blob_hash(&commitment);
                l1.blobs.insert(hash, (commitment, blob));
                features.push("blob");
                encode::blob_tx(&batcher_key, cfg.l1_chain_id, tx_nonce, INBOX, vec![hash])
            } else {
                features.push("calldata");
                encode::calldata_tx(&batcher_key, cfg.l1_chain_id, tx_nonce, INBOX, payload)
            };
            tx_nonce += 1;
            l1.txs[block].push(tx);
            l1.receipts[block].push(receipt(vec![], true));
        }
        next_l1 = at;
        i += group.len();
    }
    Ok(Scenario {
        cfg,
        l1,
        l2: seq,
        expected,
        features,
    })
}

/// Damages data the way a faulty batcher might: a flipped byte, a cut, garbage appended or
/// prepended, a zeroed run.
fn corrupt(rng: &mut Rng, data: &mut Vec<u8>) {
    if data.is_empty() {
        data.push(rng.next_u64() as u8);
        return;
    }
    let at = rng.below(data.len() as u64) as usize;
    match rng.below(5) {
        0 => data[at] ^= 1 << rng.below(8),
        1 => data.truncate(at),
        2 => {
            let n = 1 + rng.below(40) as usize;
            data.extend(rng.bytes(n))
        }
        3 => {
            let n = 1 + rng.below(8) as usize;
            let g = rng.bytes(n);
            data.splice(0..0, g);
        }
        _ => {
            let end = (at + 1 + rng.below(64) as usize).min(data.len());
            data[at..end].iter_mut().for_each(|b| *b = 0);
        }
    }
}

/// Derives a scenario's chain with the pipeline and a fresh fake engine; returns the attributes
/// of every block derived before the L1 head.
pub fn derive_all(s: &Scenario, code: &CodeStore) -> Result<Vec<PayloadAttributes>, DeriveError> {
    let l2 = FakeL2::new(&s.cfg);
    let genesis = l2.head();
    let mut p = crate::Pipeline::new(
        s.cfg.clone(),
        &s.l1,
        &s.l1,
        l2,
        code.clone(),
        genesis,
        s.cfg.genesis.l1.number,
    )?;
    let mut out = Vec::new();
    loop {
        match p.next_attributes() {
            Ok(d) => {
                let block = p.l2_mut().execute(&d.attributes)?;
                p.advance(block);
                out.push(d.attributes);
            }
            Err(DeriveError::EndOfL1) => return Ok(out),
            Err(e) => return Err(e),
        }
    }
}
