//! The batcher: L2 blocks into channels (singular or span batches, zlib or brotli) with
//! verdict-derive's encoder, channels into frames, frames posted to the batch inbox from the
//! batcher key as calldata or as EIP-4844 blobs (real KZG commitments and proofs, c-kzg). One
//! channel at a time, its frames in order, so that Holocene's strict ordering holds.

use crate::chain::L1;
use crate::error::{Error, Result};
use crate::l2::L2Block;
use alloy::network::{TransactionBuilder, TransactionBuilder4844};
use alloy::providers::DynProvider;
use alloy::rpc::types::TransactionRequest;
use alloy_eips::eip4844::BlobTransactionSidecar;
use alloy_primitives::{keccak256, Address, B256};
use serde::{Deserialize, Serialize};
use verdict_derive::batch::{RawSpanBatch, SingleBatch};
use verdict_derive::blob::{encode_blob, MAX_BLOB_DATA_SIZE};
use verdict_derive::compression::Compression;
use verdict_derive::encode;
use verdict_derive::frame::{Frame, FRAME_OVERHEAD};
use verdict_derive::types::BlockId;

/// Where frames go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DataMode {
    /// Calldata of type-2 transactions.
    Calldata,
    /// Blobs of type-3 transactions.
    Blobs,
    /// Channel by channel: calldata, then blobs, then calldata...
    Alternate,
}

/// How batches are put in channels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BatchMode {
    /// One singular batch per block.
    Singular,
    /// One span batch per channel.
    Span,
    /// Channel by channel: singular, then span...
    Alternate,
}

/// The batcher's settings.
#[derive(Clone, Debug)]
pub struct BatcherConfig {
    /// The batch inbox.
    pub inbox: Address,
    /// The L2 genesis time (span batches count time from it).
    pub l2_genesis_time: u64,
    /// Where frames go.
    pub data: DataMode,
    /// Singular or span batches.
    pub batches: BatchMode,
    /// The compression of each channel (`None`: alternate zlib and brotli).
    pub compression: Option<Compression>,
    /// The largest frame data: frames of a channel larger than that are split (calldata); a blob
    /// holds one frame of at most what fits.
    pub max_frame_data: usize,
    /// Frames per calldata transaction.
    pub frames_per_tx: usize,
    /// Blobs per blob transaction (at most 6).
    pub blobs_per_tx: usize,
    /// Seed of the channel ids.
    pub seed: u64,
    /// The most blocks one channel carries.
    pub max_blocks_per_channel: usize,
    /// The L2 genesis block's number and its L1 origin (the rollup's genesis L1 block).
    pub genesis: (u64, BlockId),
}

impl BatcherConfig {
    /// Defaults for `inbox` and the L2 genesis time: alternate calldata and blobs, singular and
    /// span batches, zlib and brotli.
    pub fn new(inbox: Address, l2_genesis_time: u64) -> Self {
        BatcherConfig {
            inbox,
            l2_genesis_time,
            data: DataMode::Alternate,
            batches: BatchMode::Alternate,
            compression: None,
            max_frame_data: 100_000,
            frames_per_tx: 1,
            blobs_per_tx: 2,
            seed: 0,
            max_blocks_per_channel: 200,
            genesis: (0, BlockId::default()),
        }
    }

    /// Defaults for the rollup `cfg`.
    pub fn for_rollup(cfg: &verdict_derive::RollupConfig) -> Self {
        let mut c = BatcherConfig::new(cfg.batch_inbox_address, cfg.genesis.l2_time);
        c.genesis = (cfg.genesis.l2.number, cfg.genesis.l1);
        c
    }

    /// The L1 origin of `block`: the genesis block's is the rollup's genesis L1 block, any
    /// other's is named by its L1 info deposit.
    pub fn origin(&self, block: &L2Block) -> Result<BlockId> {
        if block.header.number == self.genesis.0 {
            return Ok(self.genesis.1);
        }
        let bad = |why: &str| Error::new(format!("L2 block {}: {why}", block.header.number));
        let first = block
            .transactions
            .first()
            .ok_or_else(|| bad("no L1 info deposit"))?;
        let tx =
            <op_alloy_consensus::TxDeposit as alloy_eips::eip2718::Decodable2718>::decode_2718(
                &mut first.as_ref(),
            )
            .map_err(|e| bad(&format!("its first transaction is no deposit: {e}")))?;
        let info = verdict_derive::l1_info::decode_l1_info(&tx.input)
            .ok_or_else(|| bad("its first transaction is no L1 info deposit"))?;
        Ok(BlockId {
            hash: info.hash,
            number: info.number,
        })
    }
}

/// A channel ready to post: its frames and what it carries.
#[derive(Clone, Debug)]
pub struct Channel {
    /// Its number (counted by the batcher from 0).
    pub number: u64,
    /// Its frames, in order.
    pub frames: Vec<Frame>,
    /// The first and last L2 block it carries.
    pub blocks: (u64, u64),
    /// The hash of the last block it carries, as batched (a node that rewinds afterwards
    /// replaces it: the channel then no longer stands).
    pub last_hash: B256,
    /// Whether it holds a span batch.
    pub span: bool,
    /// Its compression.
    pub compression: Compression,
    /// Whether it goes in blobs.
    pub blobs: bool,
}

/// What one posted transaction carried.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posted {
    /// The L1 transaction.
    pub tx: B256,
    /// The channel's number.
    pub channel: u64,
    /// The frames' numbers.
    pub frames: Vec<u16>,
    /// The blobs' versioned hashes (empty: calldata).
    pub blob_hashes: Vec<B256>,
    /// The data it carries: the calldata, or each blob's decoded data, in order.
    #[serde(skip)]
    pub data: Vec<Vec<u8>>,
}

/// The batcher's state: the channels made so far.
#[derive(Clone, Debug)]
pub struct Batcher {
    /// Its settings.
    pub config: BatcherConfig,
    channels: u64,
}

/// The largest frame data one blob holds (the version byte and a frame's overhead taken off).
pub const MAX_BLOB_FRAME_DATA: usize = MAX_BLOB_DATA_SIZE - 1 - FRAME_OVERHEAD;

impl Batcher {
    /// A batcher with `config`, `channels` channels made before (0 for a new one).
    pub fn new(config: BatcherConfig, channels: u64) -> Self {
        Batcher { config, channels }
    }

    /// Channels made so far.
    pub fn channels(&self) -> u64 {
        self.channels
    }

    /// Encodes `blocks` (consecutive, each with its L1 origin) as the next channel.
    /// `first_origin_changed`: whether the first block's L1 origin differs from its parent's.
    pub fn channel(
        &mut self,
        blocks: &[(L2Block, BlockId)],
        first_origin_changed: bool,
    ) -> Result<Channel> {
        let first = blocks
            .first()
            .ok_or_else(|| Error::new("a channel needs at least one block"))?;
        let last = blocks.last().expect("not empty");
        let number = self.channels;
        self.channels += 1;
        let c = &self.config;
        let singles: Vec<SingleBatch> = blocks.iter().map(|(b, o)| b.batch(*o)).collect();
        let span = match c.batches {
            BatchMode::Singular => false,
            BatchMode::Span => true,
            BatchMode::Alternate => number % 2 == 1,
        };
        let mut data = Vec::new();
        if span {
            let raw = RawSpanBatch::from_singles(&singles, c.l2_genesis_time, first_origin_changed)
                .map_err(|e| Error::new(format!("span batch of channel {number}: {e:?}")))?;
            encode::push_span(&mut data, &raw);
        } else {
            for s in &singles {
                encode::push_single(&mut data, s);
            }
        }
        let compression = c.compression.unwrap_or(if (number / 2).is_multiple_of(2) {
            Compression::Zlib
        } else {
            Compression::Brotli
        });
        let compressed = encode::compress(&data, compression);
        let blobs = match c.data {
            DataMode::Calldata => false,
            DataMode::Blobs => true,
            DataMode::Alternate => number % 2 == 1,
        };
        let max = if blobs {
            c.max_frame_data.min(MAX_BLOB_FRAME_DATA)
        } else {
            c.max_frame_data
        };
        let id_hash = keccak256([c.seed.to_be_bytes(), number.to_be_bytes()].concat());
        let id: [u8; 16] = id_hash[..16].try_into().expect("16 bytes");
        let frames = encode::split_frames(id, &compressed, max);
        Ok(Channel {
            number,
            frames,
            blocks: (first.0.header.number, last.0.header.number),
            last_hash: last.0.hash,
            span,
            compression,
            blobs,
        })
    }

    /// The transactions carrying `channel`, in order: calldata (`frames_per_tx` frames each) or
    /// blobs (one frame per blob, `blobs_per_tx` blobs per transaction, with their sidecar).
    pub fn transactions(&self, channel: &Channel) -> Result<Vec<(TransactionRequest, Posted)>> {
        let c = &self.config;
        let mut out = Vec::new();
        if !channel.blobs {
            for chunk in channel.frames.chunks(c.frames_per_tx.max(1)) {
                let payload = encode::frames_payload(chunk);
                let tx = TransactionRequest::default()
                    .with_to(c.inbox)
                    .with_input(payload.clone());
                out.push((
                    tx,
                    Posted {
                        tx: B256::ZERO,
                        channel: channel.number,
                        frames: chunk.iter().map(|f| f.number).collect(),
                        blob_hashes: vec![],
                        data: vec![payload],
                    },
                ));
            }
            return Ok(out);
        }
        for chunk in channel.frames.chunks(c.blobs_per_tx.clamp(1, 6)) {
            let mut sidecar = BlobTransactionSidecar::default();
            let mut hashes = Vec::new();
            let mut data = Vec::new();
            for frame in chunk {
                let payload = encode::frames_payload(std::slice::from_ref(frame));
                let blob = encode_blob(&payload).ok_or_else(|| {
                    Error::new(format!(
                        "channel {}: frame {} ({} bytes) does not fit in a blob",
                        channel.number,
                        frame.number,
                        payload.len()
                    ))
                })?;
                let k = verdict_testchain::kzg::commit(&blob)?;
                hashes.push(k.versioned_hash);
                sidecar.blobs.push((*blob).into());
                sidecar.commitments.push(k.commitment.into());
                sidecar.proofs.push(k.proof.into());
                data.push(payload);
            }
            let tx = TransactionRequest::default()
                .with_to(c.inbox)
                .with_blob_sidecar(sidecar.into());
            out.push((
                tx,
                Posted {
                    tx: B256::ZERO,
                    channel: channel.number,
                    frames: chunk.iter().map(|f| f.number).collect(),
                    blob_hashes: hashes,
                    data,
                },
            ));
        }
        Ok(out)
    }

    /// Reads the L2 node's unsafe blocks from `*next` on (at most `max_blocks_per_channel`),
    /// posts them as one channel and moves `*next` past them; `None` when there is no new block.
    pub async fn post_new_blocks(
        &mut self,
        l1: &L1,
        wallet: &DynProvider,
        l2: &crate::l2::L2Client,
        next: &mut u64,
    ) -> Result<Option<(Channel, Vec<Posted>)>> {
        let head = l2.sync_status().await?.unsafe_l2.number;
        if head < *next {
            return Ok(None);
        }
        let last = head.min(*next + self.config.max_blocks_per_channel as u64 - 1);
        let parent_number = next.checked_sub(1).ok_or_else(|| {
            Error::new("the batcher starts after the L2 genesis block, never at it")
        })?;
        let parent = l2
            .block(parent_number)
            .await?
            .ok_or_else(|| Error::new(format!("L2 {}: no block {parent_number}", l2.url())))?;
        let mut prev_origin = self.config.origin(&parent)?.number;
        let mut prev_hash = parent.hash;
        let mut blocks = Vec::new();
        let mut changed = Vec::new();
        for n in *next..=last {
            let b = l2
                .block(n)
                .await?
                .ok_or_else(|| Error::new(format!("L2 {}: no block {n}", l2.url())))?;
            // Read block by block, the range spans a rewind of the node's chain if the node
            // replaced blocks meanwhile: such a batch would never be derived.
            if b.header.parent_hash != prev_hash {
                return Err(Error::new(format!(
                    "L2 {}: block {n}'s parent is {}, not block {}'s hash {prev_hash} (the node \
                     changed its chain while it was read)",
                    l2.url(),
                    b.header.parent_hash,
                    n - 1
                )));
            }
            prev_hash = b.hash;
            let o = self.config.origin(&b)?;
            changed.push(o.number != prev_origin);
            prev_origin = o.number;
            blocks.push((b, o));
        }
        let channel = self.channel(&blocks, changed.first().copied().unwrap_or(false))?;
        let posted = self.post(l1, wallet, &channel).await?;
        *next = last + 1;
        Ok(Some((channel, posted)))
    }

    /// Posts `channel` from the batcher's wallet; returns each transaction with its hash (not
    /// waited for: the L1 node includes them in order, one sender's nonces).
    pub async fn post(
        &self,
        l1: &L1,
        wallet: &DynProvider,
        channel: &Channel,
    ) -> Result<Vec<Posted>> {
        let mut out = Vec::new();
        for (tx, mut posted) in self.transactions(channel)? {
            let what = format!(
                "batcher transaction of channel {} (frames {:?}, {})",
                channel.number,
                posted.frames,
                if channel.blobs { "blobs" } else { "calldata" }
            );
            posted.tx = l1.send(wallet, tx, &what).await?;
            out.push(posted);
        }
        Ok(out)
    }
}
