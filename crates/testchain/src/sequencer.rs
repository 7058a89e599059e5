//! What goes into the blocks: the L2 users' transactions (signed EIP-1559 transfers, contract
//! creations and calls), the L1 user's deposits and config updates, and the batcher's channels.

use crate::chains::{genesis_scalar, DEPOSIT_CONTRACT, SYSTEM_CONFIG_CONTRACT};
use crate::error::{Error, Result};
use crate::genesis;
use crate::kzg::{self, BlobCommitment};
use crate::l1::L1Tx;
use crate::world::DataMode;
use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{keccak256, Address, Bytes, Log, LogData, Signature, TxKind, B256, U256};
use std::collections::BTreeSet;
use verdict_derive::batch::{RawSpanBatch, SingleBatch};
use verdict_derive::compression::Compression;
use verdict_derive::deposits::{encode_deposit_log_data, DEPOSIT_EVENT_TOPIC};
use verdict_derive::encode::{self, key_address, SigningKey};
use verdict_derive::generator::Rng;
use verdict_derive::provider::Blob;
use verdict_derive::system_config::{encode_update_data, CONFIG_UPDATE_TOPIC};
use verdict_program::block::L2_TO_L1_MESSAGE_PASSER;

/// A contract's runtime code: `SSTORE(0, SLOAD(0) + 1)`, `SSTORE(NUMBER, CALLER)`, then 4
/// bytes of salt after the `STOP` (so every contract has its own code).
fn runtime(salt: u32) -> Vec<u8> {
    let mut code = vec![
        0x60, 0x00, 0x54, 0x60, 0x01, 0x01, 0x60, 0x00, 0x55, 0x33, 0x43, 0x55, 0x00,
    ];
    code.extend_from_slice(&salt.to_be_bytes());
    code
}

/// Creation code deploying [`runtime`]`(salt)`.
pub fn init_code(salt: u32) -> Vec<u8> {
    let runtime = runtime(salt);
    let len = runtime.len() as u8;
    let mut code = vec![
        0x60, len, 0x60, 12, 0x60, 0x00, 0x39, 0x60, len, 0x60, 0x00, 0xf3,
    ];
    code.extend_from_slice(&runtime);
    code
}

fn sign(key: &SigningKey, tx: TxEip1559) -> Result<TxEnvelope> {
    let hash = tx.signature_hash();
    let (sig, recid) = key
        .sign_prehash_recoverable(hash.as_slice())
        .map_err(|e| Error::new(format!("signing: {e}")))?;
    let sig = Signature::from_signature_and_parity(sig, recid.is_y_odd());
    Ok(TxEnvelope::Eip1559(tx.into_signed(sig)))
}

/// The L2 users: funded keys, their nonces and the contracts they created.
pub struct Users {
    keys: Vec<SigningKey>,
    addresses: Vec<Address>,
    nonces: Vec<u64>,
    contracts: Vec<Address>,
    chain_id: u64,
    salt: u32,
}

impl Users {
    /// The genesis users of a chain.
    pub fn new(chain_id: u64) -> Self {
        let keys = genesis::user_keys();
        Users {
            addresses: keys.iter().map(key_address).collect(),
            nonces: vec![0; keys.len()],
            keys,
            contracts: Vec::new(),
            chain_id,
            salt: 0,
        }
    }

    /// Up to three transactions for the next block.
    pub fn block_txs(
        &mut self,
        rng: &mut Rng,
        features: &mut BTreeSet<&'static str>,
    ) -> Result<Vec<Bytes>> {
        let mut out = Vec::new();
        for _ in 0..rng.below(4) {
            let from = rng.below(self.keys.len() as u64) as usize;
            let (to, value, input, gas_limit) = match rng.below(5) {
                0 => {
                    features.insert("transfer");
                    let to = self.addresses[rng.below(self.keys.len() as u64) as usize];
                    (TxKind::Call(to), rng.below(1 << 50), vec![], 21_000)
                }
                1 => {
                    features.insert("transfer to a new account");
                    let to = Address::from_slice(&rng.bytes(20));
                    (TxKind::Call(to), 1 + rng.below(1 << 40), vec![], 21_000)
                }
                2 => {
                    features.insert("contract creation");
                    self.salt += 1;
                    let nonce = self.nonces[from];
                    self.contracts.push(self.addresses[from].create(nonce));
                    (TxKind::Create, 0, init_code(self.salt), 200_000)
                }
                3 if !self.contracts.is_empty() => {
                    features.insert("contract call");
                    let c = self.contracts[rng.below(self.contracts.len() as u64) as usize];
                    (TxKind::Call(c), 0, rng.bytes(4), 150_000)
                }
                _ => {
                    features.insert("message passer call");
                    (TxKind::Call(L2_TO_L1_MESSAGE_PASSER), 0, vec![], 100_000)
                }
            };
            let tx = TxEip1559 {
                chain_id: self.chain_id,
                nonce: self.nonces[from],
                gas_limit,
                max_fee_per_gas: 3_000_000_000,
                max_priority_fee_per_gas: 1_000_000,
                to,
                value: U256::from(value),
                access_list: Default::default(),
                input: input.into(),
            };
            self.nonces[from] += 1;
            out.push(Bytes::from(sign(&self.keys[from], tx)?.encoded_2718()));
        }
        Ok(out)
    }
}

/// The L1 user: deposits through the portal and config updates of the SystemConfig.
pub struct L1User {
    key: SigningKey,
    nonce: u64,
    l1_chain_id: u64,
    salt: u32,
}

fn padded(a: Address) -> B256 {
    B256::left_padding_from(a.as_slice())
}

impl L1User {
    /// The L1 user of every world.
    pub fn new(l1_chain_id: u64) -> Self {
        L1User {
            key: genesis::l1_user_key(),
            nonce: 0,
            l1_chain_id,
            salt: 1 << 16,
        }
    }

    fn tx(&mut self, to: Address, logs: Vec<Log>) -> L1Tx {
        let tx = encode::calldata_tx(&self.key, self.l1_chain_id, self.nonce, to, vec![]);
        self.nonce += 1;
        L1Tx {
            tx,
            gas_used: 60_000 + 5_000 * logs.len() as u64,
            logs,
        }
    }

    /// Zero to two deposits: ETH to an L2 user, or a contract creation.
    pub fn deposits(
        &mut self,
        rng: &mut Rng,
        recipients: &[Address],
        features: &mut BTreeSet<&'static str>,
    ) -> Vec<L1Tx> {
        let from = key_address(&self.key);
        let mut out = Vec::new();
        for _ in 0..rng.below(3) {
            let (to, data) = if rng.chance(25) {
                features.insert("contract creation deposit");
                self.salt += 1;
                let data =
                    encode_deposit_log_data(0, U256::ZERO, 300_000, true, &init_code(self.salt));
                (Address::ZERO, data)
            } else {
                features.insert("deposit");
                let to = recipients[rng.below(recipients.len() as u64) as usize];
                let mint = 1_000_000_000_000_000_000u128;
                let data = encode_deposit_log_data(mint, U256::from(mint / 2), 100_000, false, &[]);
                (to, data)
            };
            let log = Log {
                address: DEPOSIT_CONTRACT,
                data: LogData::new_unchecked(
                    vec![DEPOSIT_EVENT_TOPIC, padded(from), padded(to), B256::ZERO],
                    data.into(),
                ),
            };
            out.push(self.tx(DEPOSIT_CONTRACT, vec![log]));
        }
        out
    }

    /// A `ConfigUpdate` of type `kind` with `payload`.
    pub fn config_update(&mut self, kind: u8, payload: &[u8]) -> L1Tx {
        let log = Log {
            address: SYSTEM_CONFIG_CONTRACT,
            data: LogData::new_unchecked(
                vec![CONFIG_UPDATE_TOPIC, B256::ZERO, B256::with_last_byte(kind)],
                encode_update_data(payload).into(),
            ),
        };
        self.tx(SYSTEM_CONFIG_CONTRACT, vec![log])
    }

    /// The gas limit update (type 2).
    pub fn gas_limit_update(&mut self, gas_limit: u64) -> L1Tx {
        self.config_update(2, &U256::from(gas_limit).to_be_bytes::<32>())
    }

    /// The fee scalars update (type 1, Ecotone format): the genesis scalars plus `bump`.
    pub fn scalar_update(&mut self, bump: u32) -> L1Tx {
        let mut payload = [0u8; 64];
        payload[32..].copy_from_slice(&(genesis_scalar() + U256::from(bump)).to_be_bytes::<32>());
        self.config_update(1, &payload)
    }
}

/// An L2 block's batch waiting for the batcher.
#[derive(Clone, Debug)]
pub struct Pending {
    /// The batch.
    pub batch: SingleBatch,
    /// The L2 block's number.
    pub number: u64,
    /// Whether its L1 origin differs from its parent's.
    pub origin_changed: bool,
}

/// What the batcher posts in one L1 block.
#[derive(Default)]
pub struct Posted {
    /// Its transactions.
    pub txs: Vec<L1Tx>,
    /// The blobs they carry.
    pub blobs: Vec<(BlobCommitment, Blob)>,
}

/// The batcher: channels of pending batches (singular or span, zlib or brotli, one or more
/// frames) in calldata or blobs.
pub struct Batcher {
    key: SigningKey,
    nonce: u64,
    inbox: Address,
    l1_chain_id: u64,
    genesis_time: u64,
    mode: DataMode,
    channel_seed: B256,
    channels: u64,
}

impl Batcher {
    /// The batcher of a world.
    pub fn new(
        inbox: Address,
        l1_chain_id: u64,
        genesis_time: u64,
        mode: DataMode,
        seed: u64,
    ) -> Self {
        Batcher {
            key: genesis::batcher_key(),
            nonce: 0,
            inbox,
            l1_chain_id,
            genesis_time,
            mode,
            channel_seed: keccak256(seed.to_be_bytes()),
            channels: 0,
        }
    }

    fn channel_id(&mut self) -> [u8; 16] {
        self.channels += 1;
        let h = keccak256([self.channel_seed.as_slice(), &self.channels.to_be_bytes()].concat());
        h[..16].try_into().expect("16 bytes")
    }

    /// Posts `group` (consecutive blocks) as one channel.
    pub fn post(
        &mut self,
        rng: &mut Rng,
        group: &[Pending],
        out: &mut Posted,
        features: &mut BTreeSet<&'static str>,
    ) -> Result<()> {
        let mut data = Vec::new();
        if group.len() > 1 && rng.chance(50) {
            let singles: Vec<SingleBatch> = group.iter().map(|p| p.batch.clone()).collect();
            let raw =
                RawSpanBatch::from_singles(&singles, self.genesis_time, group[0].origin_changed)
                    .map_err(|e| Error::new(format!("span batch: {e:?}")))?;
            encode::push_span(&mut data, &raw);
            features.insert("span batch");
        } else {
            for p in group {
                encode::push_single(&mut data, &p.batch);
            }
            features.insert("singular batch");
        }
        let compression = if rng.chance(50) {
            features.insert("brotli");
            Compression::Brotli
        } else {
            features.insert("zlib");
            Compression::Zlib
        };
        let compressed = encode::compress(&data, compression);
        let max = compressed.len() / (1 + rng.below(3) as usize) + 1;
        let frames = encode::split_frames(self.channel_id(), &compressed, max);
        if frames.len() > 1 {
            features.insert("multi-frame channel");
        }
        let blobs = match self.mode {
            DataMode::Calldata => false,
            DataMode::Blobs => true,
            DataMode::Mixed => rng.chance(50),
        };
        if blobs {
            features.insert("blob");
            // One frame per blob, one or two blobs per transaction.
            let mut k = 0;
            while k < frames.len() {
                let n = (1 + rng.below(2) as usize).min(frames.len() - k);
                let mut hashes = Vec::new();
                for frame in &frames[k..k + n] {
                    let payload = encode::frames_payload(std::slice::from_ref(frame));
                    let blob = verdict_derive::blob::encode_blob(&payload)
                        .ok_or_else(|| Error::new("a frame does not fit in a blob"))?;
                    let c = kzg::commit(&blob)?;
                    hashes.push(c.versioned_hash);
                    out.blobs.push((c, blob));
                }
                if n > 1 {
                    features.insert("blob transaction with two blobs");
                }
                let tx =
                    encode::blob_tx(&self.key, self.l1_chain_id, self.nonce, self.inbox, hashes);
                self.nonce += 1;
                out.txs.push(L1Tx {
                    tx,
                    gas_used: 21_000,
                    logs: vec![],
                });
                k += n;
            }
        } else {
            features.insert("calldata");
            let per_tx = if rng.chance(50) { frames.len() } else { 1 };
            for chunk in frames.chunks(per_tx) {
                let payload = encode::frames_payload(chunk);
                let gas_used = 21_000 + 16 * payload.len() as u64;
                let tx = encode::calldata_tx(
                    &self.key,
                    self.l1_chain_id,
                    self.nonce,
                    self.inbox,
                    payload,
                );
                self.nonce += 1;
                out.txs.push(L1Tx {
                    tx,
                    gas_used,
                    logs: vec![],
                });
            }
        }
        Ok(())
    }
}
