//! Synthetic chains for tests (`std`): a seeded generator of L1 blocks (deposits, config updates,
//! batcher transactions in calldata and blobs) from a sequenced L2 chain, with the expected
//! payload attributes of every L2 block; in-memory L1 and L2 providers and a fake engine.

use crate::attributes::{build_attributes, PayloadAttributes};
use crate::batch::validity::InvalidBatch;
use crate::batch::{Batch, RawSpanBatch, SingleBatch};
use crate::blob::BlobError;
use crate::compression::{Compression, CompressionError};
use crate::config::{Fork, Genesis, RollupConfig};
use crate::deposits::{encode_deposit_log_data, DEPOSIT_EVENT_TOPIC};
use crate::encode;
use crate::error::DeriveError;
use crate::frame::{Frame, FrameError};
use crate::l1_info::decode_l1_info;
use crate::log::{DropReason, Dropped, MalformedBatch};
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
    /// The L2 blocks whose epoch's batches were withheld: derived deposits-only when the
    /// sequencing window expires.
    pub deposits_only: Vec<u64>,
    /// Drops the generator's invalid inputs must cause (each at least once), each with the L2
    /// timestamp by which it must have happened (the drop is certain once that block is derived).
    pub expected_drops: Vec<(u64, DropReason)>,
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
    /// Whether to add invalid and valid-looking-but-unusable inputs (invalid batches of every
    /// kind, duplicate, out-of-order and interleaved frames, timed-out channels, wrong senders,
    /// bad blobs, withheld epochs, a batcher change, missed L1 slots).
    pub adversarial: bool,
    /// Whether to leave out the inputs on which kona-derive 0.4.5 departs from the spec.
    pub kona_safe: bool,
}

impl Options {
    /// The chains of the differential against kona-derive 0.4.5: no Jovian (kona 0.4.5 predates
    /// it), and none of the inputs where kona departs from the spec (see `kona-diff`).
    pub fn kona_differential() -> Self {
        Self {
            jovian: false,
            adversarial: true,
            kona_safe: true,
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
            adversarial: false,
            kona_safe: false,
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
        seq_window_size: 0,
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
    // The window outlasts the longest channel timeout, so a timed-out channel can be followed by
    // the real one in time.
    cfg.seq_window_size = cfg.channel_timeout.max(cfg.granite_channel_timeout) + 4 + rng.below(6);
    // Some chains have a short drift and missed L1 slots, so blocks outrun their origin.
    let gaps = opts.adversarial && rng.chance(35);
    if gaps {
        cfg.max_sequencer_drift = 20 + rng.below(20);
    }
    // L1 headers first: their hashes are what batches refer to.
    let mut l1 = MemL1::default();
    let mut parent = rng.b256();
    let mut l1_time = t0;
    for i in 0..=n {
        if i > 0 {
            l1_time += if gaps && rng.chance(12) {
                12 * (2 + rng.below(4))
            } else {
                12
            };
        }
        let h = Header {
            parent_hash: parent,
            number: 1000 + i as u64,
            timestamp: l1_time,
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
    // A batcher change at L1 block `batcher_change` (its own batcher transactions already come
    // from the new key). kona 0.4.5 resets its traversal's system config to the L2 safe head's at
    // Holocene's activation (holocene/derivation.md, "Activation", discards only frames, channels
    // and batches), so the differential keeps a change out of the window before that block.
    let holocene_l1 = (0..=n).find(|i| cfg.is_active(Fork::Holocene, l1.headers[*i].timestamp));
    let batcher_change = (opts.adversarial && rng.chance(25))
        .then(|| 5 + rng.below(n as u64 / 2) as usize)
        .filter(|k| {
            !opts.kona_safe
                || holocene_l1.is_none_or(|h| {
                    *k > h
                        || *k + cfg.seq_window_size as usize + cfg.channel_timeout as usize + 2 < h
                })
        });
    let new_batcher_key =
        SigningKey::from_slice(&keccak256(b"verdict batcher 2").0).expect("valid key");
    // Deposits and config updates (the receipts of L1 blocks after genesis).
    for i in 1..=n {
        if batcher_change == Some(i) {
            let addr = B256::left_padding_from(encode::key_address(&new_batcher_key).as_slice());
            l1.receipts[i].push(receipt(vec![config_log(0, addr.as_slice())], true));
            features.push("batcher change");
        }
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
    let last_time = l1.headers[n.saturating_sub(cfg.seq_window_size.min(6) as usize + 2)].timestamp;
    // An epoch whose batches never come: its window expires and its blocks are deposits-only.
    let withheld = (opts.adversarial && rng.chance(30))
        .then(|| 1002 + rng.below(n as u64 / 3))
        .filter(|e| e + cfg.seq_window_size + 4 < 1000 + n as u64);
    let mut deposits_only = Vec::new();
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
        let origin_time = l1.headers[origin].timestamp;
        let drifted = ts > origin_time + cfg.max_sequencer_drift(origin_time);
        let epoch_withheld = withheld == Some(1000 + origin as u64);
        if epoch_withheld {
            deposits_only.push(parent.number + 1);
            features.push("deposits-only block");
        }
        if drifted {
            features.push("block past the drift");
        }
        if !cfg.is_activation_block(Fork::Jovian, ts) && !drifted && !epoch_withheld {
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
    // The batcher: channels of consecutive blocks, submitted in order, with the adversarial
    // inputs of `opts` around them (each one invalid, or valid-looking but never to be used).
    let holo: Vec<bool> = l1
        .headers
        .iter()
        .map(|h| cfg.is_active(Fork::Holocene, h.timestamp))
        .collect();
    let holocene_at = |k: usize| holo[k.min(n)];
    let mut b = Batcher {
        cfg: &cfg,
        opts,
        seed,
        l1: &mut l1,
        rng: &mut rng,
        features: &mut features,
        expected_drops: Vec::new(),
        key: batcher_key.clone(),
        new_key: new_batcher_key.clone(),
        batcher_change,
        tx_nonce: 0,
        channel_no: 0,
    };
    let mut next_l1 = 1usize;
    let mut i = 0usize;
    // Frames held back to interleave with the next channel's (before Holocene).
    let mut held: Vec<Frame> = Vec::new();
    let (mut held_at, mut held_window) = (0usize, 0usize);
    while i < batches.len() {
        if withheld == Some(batches[i].epoch_num) {
            // Skip the withheld epoch; what follows comes once its window has expired.
            i += 1;
            next_l1 =
                next_l1.max((withheld.unwrap_or(0) - 1000 + cfg.seq_window_size) as usize + 1);
            continue;
        }
        let mut len = 1 + b.rng.below(6) as usize;
        len = len.min(batches.len() - i);
        if let Some(w) = withheld {
            len = batches[i..i + len]
                .iter()
                .position(|x| x.epoch_num == w)
                .unwrap_or(len)
                .max(1);
        }
        let group = &batches[i..i + len];
        let last_epoch = (group[len - 1].epoch_num - 1000) as usize;
        let first_epoch = (group[0].epoch_num - 1000) as usize;
        let mut window_end = (first_epoch + cfg.seq_window_size as usize).min(n);
        // Included after its last epoch's L1 block: a batch names its L1 origins by hash, which
        // no L1 block can contain about itself (its hash commits to its transactions and blobs).
        let mut at = next_l1.max(last_epoch + 1);
        if b.rng.chance(30) {
            at += 1;
        }
        at = at.min(window_end);
        let parent = seq.blocks[(group[0].timestamp - t0) as usize / 2 - 1].0;
        let next = batches
            .get(i + len)
            .filter(|x| withheld != Some(x.epoch_num));
        // A valid-looking alternative of this group in a channel that times out first.
        let canyon = cfg.is_active(Fork::Canyon, b.l1.headers[at].timestamp);
        if opts.adversarial && canyon && b.rng.chance(10) {
            let timeout = cfg.channel_timeout.max(cfg.granite_channel_timeout) as usize;
            let late = at + timeout + 1;
            if late <= window_end && holocene_at(at) == holocene_at(late) && held.is_empty() {
                let data = b.channel(&b.alternative(group), Compression::Zlib);
                let frames = encode::split_frames(b.next_id(), &data, data.len() / 2 + 1);
                if frames.len() == 2 {
                    b.post_frames(at, &frames[..1], false);
                    b.post_frames(late, &frames[1..], false);
                    b.features.push("timed-out channel");
                    at = late;
                }
            }
        }
        let holocene = holocene_at(at);
        let l1_time = b.l1.headers[at].timestamp;
        // A span batch is checked against Delta by the L1 origin of the safe head when it is
        // read (delta/span-batches.md, "Batch Queue": `batch_origin` is the safe head's epoch
        // unless the span starts at the next one), which lags the span's own by a few epochs
        // when channels are read ahead of the safe head (interleaved, or after a span batch):
        // span batches only from four epochs past Delta.
        let span_ok = cfg.is_active(Fork::Delta, l1_time)
            && cfg.is_active(
                Fork::Delta,
                b.l1.headers[first_epoch.saturating_sub(4)].timestamp,
            );
        let mut data = Vec::new();
        if span_ok && b.rng.chance(50) {
            let raw = RawSpanBatch::from_singles(
                group,
                cfg.genesis.l2_time,
                group[0].epoch_num != parent.l1_origin.number,
            )
            .map_err(DeriveError::BadL2)?;
            encode::push_span(&mut data, &raw);
            b.features.push("span batch");
        } else {
            for x in group {
                encode::push_single(&mut data, x);
            }
            b.features.push("singular batch");
        }
        // An invalid batch for the slot after the group, last in the channel.
        if opts.adversarial && b.rng.chance(40) {
            let last = seq.blocks[(group[len - 1].timestamp - t0) as usize / 2].0;
            // Not when the next batch names the inclusion block itself as its L1 origin.
            if let Some(next) = next.filter(|x| ((x.epoch_num - 1000) as usize) < at) {
                b.invalid_batch(&mut data, group, next, &last, at, holocene, &seq);
            }
        }
        let brotli = cfg.is_active(Fork::Fjord, l1_time)
            && group
                .iter()
                .all(|x| cfg.is_active(Fork::Fjord, x.timestamp))
            && b.rng.chance(50);
        let compression = if brotli {
            Compression::Brotli
        } else {
            Compression::Zlib
        };
        let compressed = b.channel(&data, compression);
        b.features.push(if brotli { "brotli" } else { "zlib" });
        let max = if b.rng.chance(40) {
            1 + compressed.len() / 3
        } else {
            compressed.len() + 1
        };
        let id = b.next_id();
        let mut frames = encode::split_frames(id, &compressed, max);
        if frames.len() > 1 {
            b.features.push("multi-frame");
        }
        if opts.adversarial {
            b.extra_inputs(at, group, holocene);
        }
        // Before Holocene: frames out of order, or interleaved with the next channel's.
        if opts.adversarial && !holocene && frames.len() > 1 && b.rng.chance(25) {
            frames.reverse();
            b.features.push("out-of-order frames");
        }
        let interleave_ok = !holocene && at < n && !holocene_at((at + 1).min(n)) && next.is_some();
        if held.is_empty() && opts.adversarial && interleave_ok && b.rng.chance(20) {
            held = frames;
            (held_at, held_window) = (at, window_end);
            next_l1 = at;
            i += len;
            b.features.push("interleaved channels");
            continue;
        }
        if !held.is_empty() && at > held_window {
            // Too late for the held channel's window: post it on its own first.
            let frames = std::mem::take(&mut held);
            b.post_frames(held_at, &frames, false);
        }
        if !held.is_empty() {
            window_end = window_end.min(held_window);
            let mut mixed = Vec::new();
            let (mut x, mut y) = (
                held.drain(..).collect::<Vec<_>>().into_iter(),
                frames.into_iter(),
            );
            loop {
                match (x.next(), y.next()) {
                    (None, None) => break,
                    (a, c) => mixed.extend(a.into_iter().chain(c)),
                }
            }
            frames = mixed;
        }
        let blobs = cfg.is_active(Fork::Ecotone, l1_time) && b.rng.chance(50);
        for (k, frame) in frames.iter().enumerate() {
            // Later frames may go into the next L1 block (still within the window); a channel
            // never straddles Holocene's activation (its frames would be dropped there).
            let same_rules = at < n && holocene_at(at) == holocene_at(at + 1);
            if k > 0 && same_rules && b.rng.chance(30) && at < window_end {
                at += 1;
            }
            b.post_frames(at, std::slice::from_ref(frame), blobs);
            // Before Canyon the bank reads only its first channel, so a stray channel (a
            // duplicate of a frame of a channel already read opens one) would hold the rest up.
            let fifo = !holocene && !cfg.is_active(Fork::Canyon, l1_time);
            if opts.adversarial && !fifo && b.rng.chance(8) {
                // A duplicate, or (Holocene) a copy of a later frame ahead of its turn.
                let dup = if holocene && k + 1 < frames.len() {
                    frames[k + 1].clone()
                } else {
                    frame.clone()
                };
                b.post_frames(at, &[dup], blobs);
                b.features.push("duplicate frame");
            }
        }
        next_l1 = at;
        i += len;
    }
    let expected_drops = b.expected_drops;
    Ok(Scenario {
        cfg,
        l1,
        l2: seq,
        expected,
        features,
        deposits_only,
        expected_drops,
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
    derive_with_drops(s, code).map(|(attrs, _)| attrs)
}

/// [`derive_all`], and every drop the pipeline recorded on the way.
pub fn derive_with_drops(
    s: &Scenario,
    code: &CodeStore,
) -> Result<(Vec<PayloadAttributes>, Vec<Dropped>), DeriveError> {
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
    let mut drops = Vec::new();
    loop {
        let next = p.next_attributes();
        drops.extend(p.take_drops().0);
        match next {
            Ok(d) => {
                let block = p.l2_mut().execute(&d.attributes)?;
                p.advance(block);
                out.push(d.attributes);
            }
            Err(DeriveError::EndOfL1) => return Ok((out, drops)),
            Err(e) => return Err(e),
        }
    }
}

/// The batcher side of a scenario: posts frames in L1 blocks and adds the adversarial inputs.
struct Batcher<'a> {
    cfg: &'a RollupConfig,
    opts: &'a Options,
    seed: u64,
    l1: &'a mut MemL1,
    rng: &'a mut Rng,
    features: &'a mut Vec<&'static str>,
    expected_drops: Vec<(u64, DropReason)>,
    key: SigningKey,
    new_key: SigningKey,
    batcher_change: Option<usize>,
    tx_nonce: u64,
    channel_no: u64,
}

impl Batcher<'_> {
    /// The batcher's key for L1 block `block`.
    fn key_at(&self, block: usize) -> &SigningKey {
        match self.batcher_change {
            Some(k) if block >= k => &self.new_key,
            _ => &self.key,
        }
    }

    fn next_id(&mut self) -> [u8; 16] {
        let mut id = [0u8; 16];
        id[..8].copy_from_slice(&self.seed.to_be_bytes());
        id[8..].copy_from_slice(&self.channel_no.to_be_bytes());
        self.channel_no += 1;
        id
    }

    fn channel(&self, data: &[u8], compression: Compression) -> Vec<u8> {
        encode::compress(data, compression)
    }

    /// The group's batches with one more transaction in the first: valid-looking, but never
    /// to be used (if it were, the derived chain would not be the expected one).
    fn alternative(&self, group: &[SingleBatch]) -> Vec<u8> {
        let mut data = Vec::new();
        for (k, x) in group.iter().enumerate() {
            let mut x = x.clone();
            if k == 0 {
                let tx = encode::calldata_tx(&self.key, 901, 1 << 40, Address::ZERO, vec![k as u8]);
                x.transactions.push(Bytes::from(tx.encoded_2718()));
            }
            encode::push_single(&mut data, &x);
        }
        data
    }

    /// Posts one batcher transaction carrying `payload` in L1 block `block`, signed by `key`.
    fn post(&mut self, block: usize, payload: Vec<u8>, key: &SigningKey, blob: bool) {
        let tx = if blob {
            let Some((commitment, data)) = encode::blob_with_commitment(
                &payload,
                self.seed ^ (self.tx_nonce << 20) ^ self.channel_no,
            ) else {
                return;
            };
            let hash = encode::blob_hash(&commitment);
            self.l1.blobs.insert(hash, (commitment, data));
            self.features.push("blob");
            encode::blob_tx(key, self.cfg.l1_chain_id, self.tx_nonce, INBOX, vec![hash])
        } else {
            self.features.push("calldata");
            encode::calldata_tx(key, self.cfg.l1_chain_id, self.tx_nonce, INBOX, payload)
        };
        self.tx_nonce += 1;
        self.l1.txs[block].push(tx);
        self.l1.receipts[block].push(receipt(vec![], true));
    }

    /// Posts frames (one transaction) from the batcher of that block.
    fn post_frames(&mut self, block: usize, frames: &[Frame], blob: bool) {
        let mut payload = encode::frames_payload(frames);
        if self.rng.chance(self.opts.corrupt) {
            corrupt(self.rng, &mut payload);
            self.features.push("corrupt payload");
        }
        let key = self.key_at(block).clone();
        let blob = blob
            && self
                .cfg
                .is_active(Fork::Ecotone, self.l1.headers[block].timestamp);
        self.post(block, payload, &key, blob);
    }

    /// Inputs around a group's channel that must all be dropped: an alternative of the group
    /// from the wrong sender, broken batcher data, a blob badly encoded, a channel of unknown
    /// compression or brotli before Fjord, an unclosed channel.
    fn extra_inputs(&mut self, at: usize, group: &[SingleBatch], holocene: bool) {
        let l1_time = self.l1.headers[at].timestamp;
        let by = group[group.len() - 1].timestamp + self.cfg.block_time;
        let alt = self.alternative(group);
        match self.rng.below(12) {
            0 => {
                let data = self.channel(&alt, Compression::Zlib);
                let frames = encode::split_frames(self.next_id(), &data, data.len() + 1);
                let stranger = SigningKey::from_slice(&keccak256(self.seed.to_be_bytes()).0)
                    .expect("valid key");
                self.post(at, encode::frames_payload(&frames), &stranger, false);
                // The previous batcher after a change is a stranger too.
                if self.batcher_change.is_some_and(|k| at >= k) {
                    let old = self.key.clone();
                    self.post(at, encode::frames_payload(&frames), &old, false);
                    self.expected_drops.push((by, DropReason::WrongSender));
                }
                self.expected_drops.push((by, DropReason::WrongSender));
                self.features.push("wrong sender");
            }
            1 => {
                let data = self.channel(&alt, Compression::Zlib);
                let frames = encode::split_frames(self.next_id(), &data, data.len() + 1);
                let mut payload = encode::frames_payload(&frames);
                // kona-derive 0.4.5 reads an is_last byte other than 1 as "not last" where the
                // spec makes the frame, and with it the whole transaction, invalid
                // (derivation.md, "Frame Format" and "Batcher Transaction Format"): not in the
                // differential.
                let variants = if self.opts.kona_safe { 2 } else { 3 };
                let (reason, what) = match self.rng.below(variants) {
                    0 => {
                        payload[0] = 1;
                        (FrameError::Version(1), "bad derivation version")
                    }
                    1 => {
                        payload.pop();
                        (FrameError::Truncated, "truncated frame")
                    }
                    _ => {
                        let last = payload.len() - 1;
                        payload[last] = 2;
                        (FrameError::BadIsLast(2), "bad is_last byte")
                    }
                };
                let key = self.key_at(at).clone();
                self.post(at, payload, &key, false);
                self.expected_drops
                    .push((by, DropReason::BadFrames(reason)));
                self.features.push(what);
            }
            2 if self.cfg.is_active(Fork::Ecotone, l1_time) => {
                let data = self.channel(&alt, Compression::Zlib);
                let frames = encode::split_frames(self.next_id(), &data, data.len() + 1);
                let payload = encode::frames_payload(&frames);
                if let Some((commitment, mut blob)) =
                    encode::blob_with_commitment(&payload, self.seed ^ self.tx_nonce << 24)
                {
                    // The blob's version byte (the first field element's second byte).
                    blob[1] = 1;
                    let hash = encode::blob_hash(&commitment);
                    self.l1.blobs.insert(hash, (commitment, blob));
                    let key = self.key_at(at).clone();
                    let tx = encode::blob_tx(
                        &key,
                        self.cfg.l1_chain_id,
                        self.tx_nonce,
                        INBOX,
                        vec![hash],
                    );
                    self.tx_nonce += 1;
                    self.l1.txs[at].push(tx);
                    self.l1.receipts[at].push(receipt(vec![], true));
                    self.expected_drops
                        .push((by, DropReason::BadBlob(BlobError::Version(1))));
                    self.features.push("bad blob");
                }
            }
            3 => {
                let mut data = self.channel(&alt, Compression::Zlib);
                data[0] = 0x02;
                let frames = encode::split_frames(self.next_id(), &data, data.len() + 1);
                let key = self.key_at(at).clone();
                self.post(at, encode::frames_payload(&frames), &key, false);
                self.expected_drops.push((
                    by,
                    DropReason::Decompression(CompressionError::UnknownVersion(2)),
                ));
                self.features.push("unknown channel version");
            }
            // kona 0.4.5 checks brotli against the batch's L2 time, not the L1 block being read
            // (fjord/derivation.md, "Timestamp Activation": derivation changes apply by the L1
            // block's time): the differential only has brotli before Fjord where both agree.
            4 if !self.cfg.is_active(Fork::Fjord, l1_time)
                && (!self.opts.kona_safe
                    || group
                        .iter()
                        .all(|x| !self.cfg.is_active(Fork::Fjord, x.timestamp))) =>
            {
                let data = self.channel(&alt, Compression::Brotli);
                let frames = encode::split_frames(self.next_id(), &data, data.len() + 1);
                let key = self.key_at(at).clone();
                self.post(at, encode::frames_payload(&frames), &key, false);
                self.expected_drops.push((
                    by,
                    DropReason::Decompression(CompressionError::BrotliBeforeFjord),
                ));
                self.features.push("brotli before Fjord");
            }
            5 if holocene || self.cfg.is_active(Fork::Canyon, l1_time) => {
                // An unclosed channel of the alternative, before the real one (not before
                // Canyon, whose bank would wait for it to time out before reading the next).
                let data = self.channel(&alt, Compression::Zlib);
                let mut frames = encode::split_frames(self.next_id(), &data, data.len() + 1);
                frames[0].is_last = false;
                let key = self.key_at(at).clone();
                self.post(at, encode::frames_payload(&frames), &key, false);
                if holocene {
                    self.expected_drops
                        .push((by, DropReason::StagingChannelReplaced));
                }
                self.features.push("unclosed channel");
            }
            _ => {}
        }
    }

    /// Appends to `data` an invalid copy of `next` (the batch after the group), breaking one
    /// validity rule, and records the drop it must cause.
    #[allow(clippy::too_many_arguments)]
    fn invalid_batch(
        &mut self,
        data: &mut Vec<u8>,
        group: &[SingleBatch],
        next: &SingleBatch,
        parent: &L2BlockRef,
        at: usize,
        holocene: bool,
        seq: &FakeL2,
    ) {
        let cfg = self.cfg;
        let by = next.timestamp + 2 * cfg.block_time;
        let mut bad = next.clone();
        bad.parent_hash = parent.hash;
        let origin = (parent.l1_origin.number - 1000) as usize;
        let hash_of = |e: usize| self.l1.hashes[e];
        let origin_time = self.l1.headers[origin].timestamp;
        let drift = cfg.max_sequencer_drift(origin_time);
        let (kind, what) = match self.rng.below(14) {
            0 => {
                bad.parent_hash = self.rng.b256();
                // One more transaction, so the chain would show the batch used. kona-derive
                // 0.4.5's Holocene batch stage overwrites a singular batch's parent hash with
                // the safe head's before checking it, where the spec keeps Bedrock's rule
                // (derivation.md, "Batch Queue": `batch.parent_hash != safe_l2_head.hash` ->
                // drop; holocene/derivation.md, "Batch Queue": "the other rules stay the same"):
                // in the differential's Holocene chains the batch stays a copy of the right
                // one, from which both derive the same block.
                if !(self.opts.kona_safe && holocene) {
                    let tx = encode::calldata_tx(&self.key, 901, 1 << 42, Address::ZERO, vec![]);
                    bad.transactions.push(Bytes::from(tx.encoded_2718()));
                }
                (InvalidBatch::ParentHash, "invalid batch: parent hash")
            }
            1 => {
                bad.epoch_hash = self.rng.b256();
                (InvalidBatch::EpochHash, "invalid batch: L1 origin hash")
            }
            2 if origin > 0 => {
                bad.epoch_num = parent.l1_origin.number - 1;
                bad.epoch_hash = hash_of(origin - 1);
                (
                    InvalidBatch::EpochTooOld,
                    "invalid batch: L1 origin too old",
                )
            }
            3 if origin + 2 < at => {
                bad.epoch_num = parent.l1_origin.number + 2;
                bad.epoch_hash = hash_of(origin + 2);
                (
                    InvalidBatch::EpochTooNew,
                    "invalid batch: L1 origin skips a block",
                )
            }
            4 if origin + 1 < at && self.l1.headers[origin + 1].timestamp > next.timestamp => {
                bad.epoch_num = parent.l1_origin.number + 1;
                bad.epoch_hash = hash_of(origin + 1);
                (
                    InvalidBatch::BeforeL1Origin,
                    "invalid batch: before its L1 origin",
                )
            }
            5 => {
                bad.transactions.push(Bytes::new());
                (
                    InvalidBatch::EmptyTransaction,
                    "invalid batch: empty transaction",
                )
            }
            6 => {
                bad.transactions.push(Bytes::from_static(&[0x7e, 0xc0]));
                (
                    InvalidBatch::DepositTransaction,
                    "invalid batch: deposit transaction",
                )
            }
            7 if !cfg.is_active(Fork::Isthmus, next.timestamp) => {
                bad.transactions.push(Bytes::from_static(&[0x04, 0xc0]));
                (
                    InvalidBatch::SetCodeBeforeIsthmus,
                    "invalid batch: SetCode before Isthmus",
                )
            }
            8 => {
                bad = group[0].clone();
                (InvalidBatch::PastTimestamp, "invalid batch: past")
            }
            9 => {
                bad.timestamp += cfg.block_time;
                bad.parent_hash = self.rng.b256();
                if !holocene {
                    // Kept until its slot, then dropped for its parent hash, or as past when a
                    // span batch filled the slot first: only the chain shows it was not used.
                    encode::push_single(data, &bad);
                    self.features.push("invalid batch: future");
                    return;
                }
                (InvalidBatch::FutureTimestamp, "invalid batch: future")
            }
            10 if at > cfg.seq_window_size as usize && at - cfg.seq_window_size as usize > 0 => {
                let e = at - cfg.seq_window_size as usize - 1;
                bad.epoch_num = 1000 + e as u64;
                bad.epoch_hash = hash_of(e);
                (
                    InvalidBatch::OutsideSequenceWindow,
                    "invalid batch: outside its window",
                )
            }
            11 if next.timestamp > origin_time + drift
                && next.epoch_num == parent.l1_origin.number =>
            {
                let tx = encode::calldata_tx(&self.key, 901, 1 << 41, Address::ZERO, vec![]);
                bad.transactions.push(Bytes::from(tx.encoded_2718()));
                (
                    InvalidBatch::DriftWithTransactions,
                    "invalid batch: drift with transactions",
                )
            }
            12 if next.timestamp > origin_time + drift
                && next.epoch_num == parent.l1_origin.number + 1 =>
            {
                bad.epoch_num = parent.l1_origin.number;
                bad.epoch_hash = hash_of(origin);
                bad.transactions.clear();
                (
                    InvalidBatch::DriftCouldAdoptNextOrigin,
                    "invalid batch: drift, next origin",
                )
            }
            // kona-protocol 0.4.5 panics on an unknown batch type (derivation.md, "Batch
            // Format": unknown versions make the batch invalid): not in the differential.
            13 if !self.opts.kona_safe => {
                Batch::encode_for_channel(9, &[0xc0], data);
                self.expected_drops.push((
                    by,
                    DropReason::MalformedBatch(MalformedBatch::UnknownType(9)),
                ));
                self.features.push("malformed batch");
                return;
            }
            _ => return,
        };
        let _ = seq;
        encode::push_single(data, &bad);
        self.expected_drops
            .push((by, DropReason::InvalidBatch(kind)));
        self.features.push(what);
    }
}
