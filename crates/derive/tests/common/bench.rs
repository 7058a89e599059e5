//! A test bench for single inputs: a generated chain whose batcher data is posted again by the
//! test, every L2 block's batch in its own single-frame zlib channel (one calldata transaction
//! each) in the L1 block after its L1 origin, so a test can put one input exactly where it
//! wants, derive, and check the chain and every drop.

use alloy_primitives::{keccak256, Bytes, B256};
use std::ops::Range;
use verdict_derive::batch::{RawSpanBatch, SingleBatch};
use verdict_derive::blob::BLOB_SIZE;
use verdict_derive::compression::Compression;
use verdict_derive::encode::{self, SigningKey};
use verdict_derive::frame::Frame;
use verdict_derive::generator::{
    batcher_key, derive, generate, CodeStore, Derivation, FakeL2, ForkSchedule, Options, Scenario,
};
use verdict_derive::log::{DropReason, Stage};
use verdict_derive::pipeline::start_block_number;
use verdict_derive::{DeriveError, Pipeline};

/// A chain to put inputs in.
pub struct Bench {
    /// The scenario: its L1 chain holds only what the test posted.
    pub s: Scenario,
    /// Bytecode for the upgrade transactions.
    pub code: CodeStore,
    /// The batch of L2 block `n` at index `n - 1`.
    pub batches: Vec<SingleBatch>,
    /// The L1 block (index from genesis) the batch of L2 block `n` goes in, at index `n - 1`.
    pub at: Vec<usize>,
    /// The batcher's key.
    pub key: SigningKey,
    nonce: u64,
    channel: u64,
    posted: usize,
}

impl Bench {
    /// A chain of `opts` (seed 7) with its batcher transactions removed.
    pub fn new(code: &CodeStore, opts: Options) -> Bench {
        Bench::seeded(code, opts, 7)
    }

    /// The first chain of `opts` (seeds 0 to 199) with an L2 block `n` for which
    /// `pred(bench, n)` holds, and that block; a test fails if there is none.
    pub fn find(
        code: &CodeStore,
        opts: Options,
        pred: impl Fn(&Bench, usize) -> bool,
    ) -> (Bench, usize) {
        for seed in 0..200 {
            let b = Bench::seeded(code, opts.clone(), seed);
            // Blocks with a few more after them, which tests may look at.
            if let Some(n) = (3..b.batches.len().saturating_sub(3)).find(|n| pred(&b, *n)) {
                return (b, n);
            }
        }
        panic!("no chain of {opts:?} has the block the test needs");
    }

    /// A chain of `opts` and `seed` with its batcher transactions removed.
    pub fn seeded(code: &CodeStore, opts: Options, seed: u64) -> Bench {
        let mut s = generate(seed, code, &opts).expect("the generator makes the chain");
        for txs in &mut s.l1.txs {
            txs.clear();
        }
        s.l1.blobs.clear();
        let blocks = &s.l2.blocks;
        let batches: Vec<SingleBatch> = (1..blocks.len())
            .map(|n| SingleBatch {
                parent_hash: blocks[n - 1].0.hash,
                epoch_num: blocks[n].0.l1_origin.number,
                epoch_hash: blocks[n].0.l1_origin.hash,
                timestamp: blocks[n].0.timestamp,
                transactions: blocks[n].1.clone(),
            })
            .collect();
        let first = s.cfg.genesis.l1.number;
        let mut at = Vec::new();
        let mut last = 1;
        for b in &batches {
            last = last.max((b.epoch_num - first) as usize + 1);
            at.push(last);
        }
        Bench {
            s,
            code: code.clone(),
            batches,
            at,
            key: batcher_key(),
            nonce: 0,
            channel: 0,
            posted: 0,
        }
    }

    /// A chain with every fork through `last` at genesis and the later ones never.
    pub fn through(code: &CodeStore, last: verdict_derive::Fork) -> Bench {
        Bench::new(
            code,
            Options {
                forks: ForkSchedule::Through(last),
                ..Options::default()
            },
        )
    }

    /// Marks the batches up to L2 block `n` as posted (the test posted them its own way).
    pub fn skip(&mut self, n: usize) {
        self.posted = self.posted.max(n);
    }

    /// Moves the batches from L2 block `n` on to L1 block `block` at the earliest.
    pub fn delay(&mut self, n: usize, block: usize) {
        for at in &mut self.at[n - 1..] {
            *at = (*at).max(block);
        }
    }

    /// The L1 origin (index from genesis) of L2 block `n` (0: genesis).
    pub fn epoch(&self, n: usize) -> usize {
        (self.s.l2.blocks[n].0.l1_origin.number - self.s.cfg.genesis.l1.number) as usize
    }

    /// The timestamp of L1 block index `block`.
    pub fn l1_time(&self, block: usize) -> u64 {
        self.s.l1.headers[block].timestamp
    }

    /// The timestamp of L2 block `n`.
    pub fn l2_time(&self, n: usize) -> u64 {
        self.s.l2.blocks[n].0.timestamp
    }

    /// The channel content of a span batch of `batches` (consecutive blocks from L2 block
    /// `first`), their L1 origins as the batches say.
    pub fn span(&self, first: usize, batches: &[SingleBatch]) -> Vec<u8> {
        let parent_origin = self.s.l2.blocks[first - 1].0.l1_origin.number;
        let raw = RawSpanBatch::from_singles(
            batches,
            self.s.cfg.genesis.l2_time,
            batches[0].epoch_num != parent_origin,
        )
        .expect("a span batch of these blocks");
        let mut data = Vec::new();
        encode::push_span(&mut data, &raw);
        data
    }

    /// Whether Holocene's rules apply in L1 block index `block`.
    pub fn holocene(&self, block: usize) -> bool {
        self.s
            .cfg
            .is_active(verdict_derive::Fork::Holocene, self.l1_time(block))
    }

    /// Posts a transaction as it is in L1 block `block`.
    pub fn post_tx(&mut self, block: usize, tx: alloy_consensus::TxEnvelope) {
        self.s.l1.txs[block].push(tx);
    }

    /// The L1 block number of block index `block`.
    pub fn number(&self, block: usize) -> u64 {
        self.s.l1.headers[block].number
    }

    /// A fresh channel id.
    pub fn channel_id(&mut self) -> [u8; 16] {
        self.channel += 1;
        let mut id = [0xcc; 16];
        id[8..].copy_from_slice(&self.channel.to_be_bytes());
        id
    }

    /// The batcher payload of one single-frame channel of `data` (uncompressed channel content,
    /// compressed with zlib).
    pub fn channel_payload(&mut self, data: &[u8]) -> Vec<u8> {
        self.raw_channel_payload(&encode::compress(data, Compression::Zlib))
    }

    /// The batcher payload of one single-frame channel holding `compressed` as it is.
    pub fn raw_channel_payload(&mut self, compressed: &[u8]) -> Vec<u8> {
        let id = self.channel_id();
        encode::frames_payload(&encode::split_frames(id, compressed, compressed.len() + 1))
    }

    /// The channel content of `batches`, each as a singular batch.
    pub fn singles(batches: &[SingleBatch]) -> Vec<u8> {
        let mut data = Vec::new();
        for b in batches {
            encode::push_single(&mut data, b);
        }
        data
    }

    /// Posts `payload` as calldata to the batch inbox in L1 block `block`, signed by `key`.
    pub fn post_as(&mut self, block: usize, payload: Vec<u8>, key: &SigningKey) {
        let tx = encode::calldata_tx(
            key,
            self.s.cfg.l1_chain_id,
            self.nonce,
            self.s.cfg.batch_inbox_address,
            payload,
        );
        self.nonce += 1;
        self.s.l1.txs[block].push(tx);
    }

    /// Posts `payload` as calldata from the batcher in L1 block `block`.
    pub fn post(&mut self, block: usize, payload: Vec<u8>) {
        let key = self.key.clone();
        self.post_as(block, payload, &key);
    }

    /// Posts frames, one transaction, from the batcher in L1 block `block`.
    pub fn post_frames(&mut self, block: usize, frames: &[Frame]) {
        self.post(block, encode::frames_payload(frames));
    }

    /// Posts `blob` as it is in a blob transaction from the batcher in L1 block `block`.
    pub fn post_blob(&mut self, block: usize, blob: Box<[u8; BLOB_SIZE]>) {
        let mut commitment = [0u8; 48];
        commitment[..32].copy_from_slice(keccak256(&blob[..]).as_slice());
        let hash = encode::blob_hash(&commitment);
        self.s.l1.blobs.insert(hash, (commitment, blob));
        let tx = encode::blob_tx(
            &self.key,
            self.s.cfg.l1_chain_id,
            self.nonce,
            self.s.cfg.batch_inbox_address,
            vec![hash],
        );
        self.nonce += 1;
        self.s.l1.txs[block].push(tx);
    }

    /// Posts the batches of L2 blocks `blocks` (numbers), each in its own channel in its block.
    pub fn post_batches(&mut self, blocks: Range<usize>) {
        for n in blocks {
            let data = Self::singles(&self.batches[n - 1..n]);
            let payload = self.channel_payload(&data);
            self.post(self.at[n - 1], payload);
            self.posted = self.posted.max(n);
        }
    }

    /// Posts the batches not posted yet.
    pub fn post_rest(&mut self) {
        self.post_batches(self.posted + 1..self.batches.len() + 1);
    }

    /// The batch of L2 block `n` with one more transaction (a valid one): if it were used, the
    /// chain would not be the expected one.
    pub fn alternative(&self, n: usize) -> SingleBatch {
        let mut b = self.batches[n - 1].clone();
        let tx = encode::calldata_tx(
            &self.key,
            self.s.cfg.l2_chain_id,
            1 << 40,
            alloy_primitives::Address::ZERO,
            vec![1],
        );
        b.transactions.push(Bytes::from(
            alloy_eips::eip2718::Encodable2718::encoded_2718(&tx),
        ));
        b
    }

    /// The hash of L1 block index `block`.
    pub fn l1_hash(&self, block: usize) -> B256 {
        self.s.l1.hashes[block]
    }

    /// Derives the chain (the batches not posted yet are posted first).
    pub fn derive(&mut self) -> Derivation {
        self.post_rest();
        derive(&self.s, &self.code).expect("derivation goes on")
    }

    /// Derives the chain from the safe head L2 block `m` (the sequencer's), reading L1 from
    /// a channel timeout before its L1 origin as a restarted node or the fault proof program
    /// does (the batches not posted yet are posted first). The blocks are numbered from `m + 1`.
    pub fn derive_from(&mut self, m: usize) -> Derivation {
        self.post_rest();
        let mut l2 = FakeL2::new(&self.s.cfg);
        l2.blocks = self.s.l2.blocks[..=m].to_vec();
        let safe = l2.head();
        let start = start_block_number(&self.s.cfg, &safe);
        let mut p = Pipeline::new(
            self.s.cfg.clone(),
            &self.s.l1,
            &self.s.l1,
            l2,
            self.code.clone(),
            safe,
            start,
        )
        .expect("the pipeline starts");
        let mut out = Derivation::default();
        loop {
            let next = p.next_attributes();
            out.drops.extend(p.take_drops().0);
            match next {
                Ok(d) => {
                    let block = p.l2_mut().execute(&d.attributes).expect("executes");
                    p.advance(block);
                    out.attributes.push(d.attributes);
                    out.derived_from.push(d.derived_from.number);
                }
                Err(DeriveError::EndOfL1) => return out,
                Err(e) => panic!("derivation stopped: {e}"),
            }
        }
    }

    /// Checks a derivation of the blocks from L2 block `first` on: each the expected one, and
    /// the drops exactly `drops` (L1 block index, reason), each recorded by `stage`.
    pub fn check(&self, d: &Derivation, first: usize, drops: &[(usize, DropReason, Stage)]) {
        let expected = &self.s.expected[first - 1..];
        assert!(
            d.attributes.len() >= expected.len(),
            "derived {} of {} blocks",
            d.attributes.len(),
            expected.len()
        );
        for (i, (got, want)) in d.attributes.iter().zip(expected).enumerate() {
            assert_eq!(got, want, "block {}", first + i);
        }
        let want: Vec<(u64, DropReason)> = drops
            .iter()
            .map(|(b, r, stage)| {
                assert_eq!(r.stage(), *stage, "{r:?} is dropped by {:?}", r.stage());
                (self.number(*b), *r)
            })
            .collect();
        let got: Vec<(u64, DropReason)> = d.drops.iter().map(|x| (x.l1_block, x.reason)).collect();
        assert_eq!(got, want, "drops (L1 block, reason)");
    }

    /// Derives the chain and checks it: every block the expected one, and the drops exactly
    /// `drops` (L1 block index, reason), each recorded by `stage`.
    pub fn expect(&mut self, drops: &[(usize, DropReason, Stage)]) -> Derivation {
        let d = self.derive();
        self.check(&d, 1, drops);
        d
    }
}
