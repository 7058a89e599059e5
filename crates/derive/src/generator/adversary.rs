//! The adversarial inputs of a scenario: around each channel, inputs that must all be dropped
//! (wrong senders, broken frames, bad blobs, channels that do not decompress, unclosed
//! channels) and invalid batches of every kind; and [`corrupt`], for random damage.

use super::batcher::Batcher;
use super::l1::{receipt, INBOX};
use super::Rng;
use crate::batch::validity::InvalidBatch;
use crate::batch::{Batch, RawSpanBatch, SingleBatch};
use crate::blob::BlobError;
use crate::compression::{Compression, CompressionError};
use crate::config::Fork;
use crate::encode;
use crate::frame::FrameError;
use crate::log::{DropReason, MalformedBatch};
use crate::types::L2BlockRef;
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{keccak256, Address, Bytes};
use k256::ecdsa::SigningKey;

/// Damages data the way a faulty batcher might: a flipped byte, a cut, garbage appended or
/// prepended, a zeroed run.
pub(super) fn corrupt(rng: &mut Rng, data: &mut Vec<u8>) {
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

impl Batcher<'_> {
    /// Inputs around a group's channel that must all be dropped: an alternative of the group
    /// from the wrong sender, broken batcher data, a blob badly encoded, a channel of unknown
    /// compression or brotli before Fjord, an unclosed channel.
    pub(super) fn extra_inputs(&mut self, at: usize, group: &[SingleBatch], holocene: bool) {
        let l1_time = self.l1.headers[at].timestamp;
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
                    self.expect(at, DropReason::WrongSender);
                }
                self.expect(at, DropReason::WrongSender);
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
                self.expect(at, DropReason::BadFrames(reason));
                self.features.push(what);
            }
            2 if self.cfg.is_active(Fork::Ecotone, l1_time) => {
                let data = self.channel(&alt, Compression::Zlib);
                let frames = encode::split_frames(self.next_id(), &data, data.len() + 1);
                let payload = encode::frames_payload(&frames);
                if let Some((commitment, mut blob)) =
                    encode::blob_with_commitment(&payload, self.seed ^ self.tx_nonce << 24)
                {
                    // The blob's version byte (the first field element's second byte), or the
                    // top bits of the first field element, which must be clear
                    // (ecotone/derivation.md, "Blob Encoding"). kona-derive 0.4.5 does not
                    // check the first element's: that one not in the differential.
                    let why = if !self.opts.kona_safe && self.rng.chance(50) {
                        blob[0] |= 0x80;
                        BlobError::FieldElement(0)
                    } else {
                        blob[1] = 1;
                        BlobError::Version(1)
                    };
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
                    self.expect(at, DropReason::BadBlob(why));
                    self.features.push("bad blob");
                }
            }
            3 => {
                let mut data = self.channel(&alt, Compression::Zlib);
                data[0] = 0x02;
                let frames = encode::split_frames(self.next_id(), &data, data.len() + 1);
                let key = self.key_at(at).clone();
                self.post(at, encode::frames_payload(&frames), &key, false);
                self.expect(
                    at,
                    DropReason::Decompression(CompressionError::UnknownVersion(2)),
                );
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
                self.expect(
                    at,
                    DropReason::Decompression(CompressionError::BrotliBeforeFjord),
                );
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
                // Holocene: replaced by the real channel's first frame, next in this block;
                // before: timed out, unless Holocene's activation discards it first.
                if holocene {
                    self.expect(at, DropReason::StagingChannelReplaced);
                } else if let Some(b) = self.timed_out_at(at).filter(|b| !self.holocene_at(*b)) {
                    self.expect(b, DropReason::ChannelTimedOut);
                }
                self.features.push("unclosed channel");
            }
            _ => {}
        }
    }

    /// Appends to `data` an invalid copy of `next` (the batch after the group, whose parent is
    /// `parent`), breaking one validity rule and no rule checked before it, for a channel read
    /// from L1 block `at` to `last_inclusion`; returns the drop it must cause, and for a batch
    /// the L2 timestamp by whose derivation it must have happened.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn invalid_batch(
        &mut self,
        data: &mut Vec<u8>,
        group: &[SingleBatch],
        next: &SingleBatch,
        parent: &L2BlockRef,
        at: usize,
        last_inclusion: usize,
        holocene: bool,
        span_ok: bool,
    ) -> Option<(DropReason, Option<u64>)> {
        let cfg = self.cfg;
        let window = cfg.seq_window_size as usize;
        let mut bad = next.clone();
        bad.parent_hash = parent.hash;
        let origin = (parent.l1_origin.number - 1000) as usize;
        let hash_of = |e: usize| self.l1.hashes[e];
        let origin_time = self.l1.headers[origin].timestamp;
        let drift = cfg.max_sequencer_drift(origin_time);
        // The transaction rules are checked after the drift rule and Jovian's activation rule.
        let next_origin_time = self.l1.headers[(next.epoch_num - 1000) as usize].timestamp;
        let txs_checked = next.timestamp
            <= next_origin_time + cfg.max_sequencer_drift(next_origin_time)
            && !cfg.is_activation_block(Fork::Jovian, next.timestamp)
            && !cfg.is_activation_block(Fork::Interop, next.timestamp);
        let (kind, what) = match self.rng.below(18) {
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
            // Inside its sequencing window wherever the channel is read.
            2 if origin > 0 && origin - 1 + window >= last_inclusion => {
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
            5 if txs_checked => {
                bad.transactions.push(Bytes::new());
                (
                    InvalidBatch::EmptyTransaction,
                    "invalid batch: empty transaction",
                )
            }
            6 if txs_checked => {
                bad.transactions.push(Bytes::from_static(&[0x7e, 0xc0]));
                (
                    InvalidBatch::DepositTransaction,
                    "invalid batch: deposit transaction",
                )
            }
            7 if txs_checked && !cfg.is_active(Fork::Isthmus, next.timestamp) => {
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
                    return None;
                }
                (InvalidBatch::FutureTimestamp, "invalid batch: future")
            }
            10 if at > window => {
                let e = at - window - 1;
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
            // A batch that does not decode, last in its channel (derivation.md, "Batch
            // Format": malformed contents and unknown versions make a batch invalid). Not an
            // unknown batch type in the differential: kona-protocol 0.4.5 panics on one.
            13 => {
                let delta = cfg.is_active(Fork::Delta, self.l1.headers[at].timestamp);
                let (why, what) = match self.rng.below(6) {
                    0 => {
                        data.push(0xc0);
                        (MalformedBatch::Rlp, "malformed batch: not a string")
                    }
                    1 => {
                        data.push(0x80);
                        (MalformedBatch::Empty, "malformed batch: empty")
                    }
                    2 => {
                        data.extend_from_slice(&[0x83, 0x00]);
                        (MalformedBatch::CutShort, "malformed batch: cut short")
                    }
                    3 => {
                        Batch::encode_for_channel(0, &[0xc0], data);
                        (MalformedBatch::Singular, "malformed batch: singular")
                    }
                    4 if delta => {
                        Batch::encode_for_channel(1, &[0x00], data);
                        (MalformedBatch::Span, "malformed batch: span")
                    }
                    5 if !self.opts.kona_safe => {
                        Batch::encode_for_channel(9, &[0xc0], data);
                        (
                            MalformedBatch::UnknownType(9),
                            "malformed batch: unknown type",
                        )
                    }
                    _ => return None,
                };
                self.features.push(what);
                // Read with the rest of its channel.
                return Some((DropReason::MalformedBatch(why), None));
            }
            // A span batch of the next block (with one more transaction, so the chain would
            // show it used) breaking one of the span batch rules (delta/span-batches.md,
            // "Batch Queue"; holocene/derivation.md, "Span Batches"). From Holocene on,
            // kona-derive 0.4.5 answers a dropped span batch with end-of-data, so it moves to
            // the next L1 block with data of this one unread, which it then reads as included
            // there (channels open there, batches included there); the spec drops the span batch
            // and the rest of its channel and reads on (holocene/derivation.md, "Span Batches";
            // derivation.md: traversal advances once a block's data is used up): those not in
            // the differential.
            14..=16 if span_ok && !(self.opts.kona_safe && holocene) => {
                let tx = encode::calldata_tx(&self.key, 901, 1 << 43, Address::ZERO, vec![]);
                bad.transactions.push(Bytes::from(tx.encoded_2718()));
                let changed = bad.epoch_num != parent.l1_origin.number;
                // Two blocks, so a span shifted back a second still ends after the safe head.
                let mut second = bad.clone();
                second.timestamp += cfg.block_time;
                let Ok(mut raw) =
                    RawSpanBatch::from_singles(&[bad, second], cfg.genesis.l2_time, changed)
                else {
                    return None;
                };
                let (kind, what) = match self.rng.below(3) {
                    0 => {
                        raw.parent_check = [0x5a; 20];
                        (
                            InvalidBatch::SpanParentCheck,
                            "invalid span batch: parent check",
                        )
                    }
                    1 => {
                        raw.l1_origin_check = [0xa5; 20];
                        (
                            InvalidBatch::SpanOriginCheck,
                            "invalid span batch: L1 origin check",
                        )
                    }
                    _ => {
                        // A second before the next block, after the safe head.
                        raw.rel_timestamp -= 1;
                        (
                            InvalidBatch::SpanMisaligned,
                            "invalid span batch: misaligned",
                        )
                    }
                };
                encode::push_span(data, &raw);
                self.features.push(what);
                return Some((DropReason::InvalidBatch(kind), Some(next.timestamp)));
            }
            // A span batch over the last block of the group (derived, the first of its epoch)
            // and the next two, saying the last and the next are of the epoch before: it ends in
            // a held L1 origin, so its prefix passes, but the block after the safe head has an
            // L1 origin older than the safe head's (delta/span-batches.md, "Batch Queue";
            // holocene/derivation.md, "Span Batches"). Dropped by op-node's full span checks
            // before Holocene, and from Holocene on when split into singular batches, with the
            // rest of its channel (read for facts). kona-derive 0.4.5 stops with a critical error
            // there from Holocene on: those not in the differential.
            17 if span_ok
                && group.len() >= 2
                && group[group.len() - 2].epoch_num + 1 == parent.l1_origin.number
                && !(self.opts.kona_safe && holocene) =>
            {
                let older = group[group.len() - 2].epoch_num;
                let older_hash = hash_of((older - 1000) as usize);
                let mut last = group[group.len() - 1].clone();
                (last.epoch_num, last.epoch_hash) = (older, older_hash);
                let tx = encode::calldata_tx(&self.key, 901, 1 << 45, Address::ZERO, vec![]);
                bad.transactions.push(Bytes::from(tx.encoded_2718()));
                (bad.epoch_num, bad.epoch_hash) = (older, older_hash);
                let mut after = next.clone();
                after.timestamp += cfg.block_time;
                after.transactions.clear();
                (after.epoch_num, after.epoch_hash) = (parent.l1_origin.number, hash_of(origin));
                let Ok(raw) =
                    RawSpanBatch::from_singles(&[last, bad, after], cfg.genesis.l2_time, false)
                else {
                    return None;
                };
                encode::push_span(data, &raw);
                self.features
                    .push("invalid span batch: block older than the safe head's L1 origin");
                return Some((
                    DropReason::InvalidBatch(InvalidBatch::EpochTooOld),
                    Some(next.timestamp),
                ));
            }
            _ => return None,
        };
        encode::push_single(data, &bad);
        self.features.push(what);
        Some((DropReason::InvalidBatch(kind), Some(next.timestamp)))
    }

    /// A span batch for the block after `safe` that op-node leaves undecided, its last L1
    /// origin not among the L1 blocks the batch stage holds (op-node's `checkSpanBatchPrefix`,
    /// read for facts), to go right before `next` (that block's batch) in a channel of the
    /// group whose first L1 origin is `first_epoch`, posted in L1 block `at`. Returns its channel
    /// content, the drop it must cause, the L1 block (index) of that drop when it is not the one
    /// the channel is read in, and whether the channel's frames must all go in `at`.
    ///
    /// Either kind is valid-looking otherwise (parent check, timestamps, sequencing window, first
    /// L1 origin), and its first block has one more transaction than `next`, so the chain would
    /// show it used:
    /// - naming L1 blocks up to the one after `at` (made-up hash: it cannot be known when the
    ///   batch is posted), the channel read in `at`. From Holocene on it is skipped alone, the
    ///   rest of the channel read on; before, it holds the batch queue up until that L1 block is
    ///   read, then fails its L1 origin check;
    /// - from Holocene on, a span over `safe` (the first block of its epoch) and the next block
    ///   saying both are of the epoch before, so it ends before the safe head's L1 origin:
    ///   skipped alone. (Before Holocene op-node's batch queue would wait for it for good.)
    #[allow(clippy::too_many_arguments)]
    pub(super) fn undecided_span(
        &mut self,
        next: &SingleBatch,
        safe_batch: &SingleBatch,
        safe: &L2BlockRef,
        safe_parent_origin: u64,
        first_epoch: usize,
        at: usize,
        holocene: bool,
    ) -> Option<(Vec<u8>, DropReason, Option<usize>, bool)> {
        let cfg = self.cfg;
        let tx = encode::calldata_tx(&self.key, 901, 1 << 46, Address::ZERO, vec![]);
        let mut first = next.clone();
        first.transactions.push(Bytes::from(tx.encoded_2718()));
        let origin = (safe.l1_origin.number - 1000) as usize;
        let first_of_epoch = safe.l1_origin.number == safe_parent_origin + 1;
        let stale = holocene && first_of_epoch && origin > first_epoch;
        // Before Holocene the L1 block it names must come, before Holocene activates.
        let future = holocene || (at < self.l1.headers.len() - 1 && !self.holocene_at(at + 1));
        let (singles, pin) = if stale && (!future || self.rng.chance(50)) {
            let older = safe.l1_origin.number - 1;
            let older_hash = self.l1.hashes[origin - 1];
            let mut over = safe_batch.clone();
            (over.epoch_num, over.epoch_hash) = (older, older_hash);
            (first.epoch_num, first.epoch_hash) = (older, older_hash);
            self.features
                .push("undecided span batch: ends before the safe head's L1 origin");
            (vec![over, first], false)
        } else if future && at >= origin {
            // One L1 origin more per block, from the safe head's to the one after `at`.
            let count = at + 2 - origin;
            let mut singles: Vec<SingleBatch> = (0..count)
                .map(|j| SingleBatch {
                    parent_hash: safe.hash,
                    epoch_num: safe.l1_origin.number + j as u64,
                    epoch_hash: self.l1.hashes.get(origin + j).copied().unwrap_or_default(),
                    timestamp: safe.timestamp + cfg.block_time * (j as u64 + 1),
                    transactions: Vec::new(),
                })
                .collect();
            singles[0].transactions = first.transactions;
            singles[count - 1].epoch_hash = self.rng.b256();
            self.features.push(if holocene {
                "undecided span batch: L1 origin after the block read"
            } else {
                "undecided span batch: L1 origin after the block read (waited for)"
            });
            (singles, true)
        } else {
            return None;
        };
        let raw = RawSpanBatch::from_singles(&singles, cfg.genesis.l2_time, false).ok()?;
        let mut data = Vec::new();
        encode::push_span(&mut data, &raw);
        let (reason, block) = if holocene {
            (InvalidBatch::SpanUndecided, None)
        } else {
            (InvalidBatch::SpanOriginCheck, Some(at + 1))
        };
        Some((data, DropReason::InvalidBatch(reason), block, pin))
    }
}
