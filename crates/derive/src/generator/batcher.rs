//! The batcher of a scenario: channels of consecutive blocks (singular or span batches, zlib
//! or brotli, one or more frames, calldata or blobs) posted in order in L1 blocks, with the
//! adversarial inputs of [`Options::adversarial`] around them.

use super::adversary::corrupt;
use super::l1::{receipt, INBOX};
use super::sequencer::Sequenced;
use super::{ExpectedDrop, Keys, MemL1, Options, Rng};
use crate::batch::{RawSpanBatch, SingleBatch};
use crate::compression::Compression;
use crate::config::{Fork, RollupConfig};
use crate::encode;
use crate::error::DeriveError;
use crate::frame::Frame;
use crate::log::DropReason;
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, Bytes};
use k256::ecdsa::SigningKey;

/// Posts the batches of `seq` in `l1`; returns the drops its invalid inputs must cause.
#[allow(clippy::too_many_arguments)]
pub(super) fn submit(
    rng: &mut Rng,
    cfg: &RollupConfig,
    l1: &mut MemL1,
    seq: &Sequenced,
    opts: &Options,
    seed: u64,
    keys: &Keys,
    batcher_change: Option<usize>,
    features: &mut Vec<&'static str>,
) -> Result<Vec<ExpectedDrop>, DeriveError> {
    let n = opts.l1_blocks;
    let t0 = cfg.genesis.l2_time;
    let (batches, withheld) = (&seq.batches, seq.withheld);
    // The batcher: channels of consecutive blocks, submitted in order, with the adversarial
    // inputs of `opts` around them (each one invalid, or valid-looking but never to be used).
    let holocene: Vec<bool> = l1
        .headers
        .iter()
        .map(|h| cfg.is_active(Fork::Holocene, h.timestamp))
        .collect();
    let mut b = Batcher {
        cfg,
        opts,
        seed,
        l1,
        rng,
        features,
        expected_drops: Vec::new(),
        holocene,
        key: keys.batcher.clone(),
        new_key: keys.new_batcher.clone(),
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
        let next = batches
            .get(i + len)
            .filter(|x| withheld != Some(x.epoch_num));
        // A valid-looking alternative of this group in a channel that times out first.
        let canyon = cfg.is_active(Fork::Canyon, b.l1.headers[at].timestamp);
        if opts.adversarial && canyon && b.rng.chance(10) {
            let timeout = cfg.channel_timeout.max(cfg.granite_channel_timeout) as usize;
            let late = at + timeout + 1;
            if late <= window_end && b.holocene_at(at) == b.holocene_at(late) && held.is_empty() {
                let data = b.channel(&b.alternative(group), Compression::Zlib);
                let frames = encode::split_frames(b.next_id(), &data, data.len() / 2 + 1);
                if frames.len() == 2 {
                    b.post_frames(at, &frames[..1], false);
                    b.post_frames(late, &frames[1..], false);
                    b.features.push("timed-out channel");
                    // Nothing else opens a channel before `late`: the channel times out
                    // (Holocene: the staging channel), and from Holocene on its second frame
                    // finds no staging channel.
                    if let Some(t) = b.timed_out_at(at).filter(|t| *t <= late) {
                        b.expect(t, DropReason::ChannelTimedOut);
                        if b.holocene_at(at) {
                            b.expect(late, DropReason::NoStagingChannel);
                        }
                    }
                    at = late;
                }
            }
        }
        let holocene = b.holocene_at(at);
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
        // The time of the channel's first batch (a span batch over derived blocks starts early).
        let mut first_time = group[0].timestamp;
        // The drops the channel's invalid batches must cause once it is read (the L1 block of
        // its last frame, or another L1 block (index) where given), and the L2 timestamp by
        // whose derivation each must have happened.
        let mut channel_drops: Vec<(DropReason, Option<u64>, Option<usize>)> = Vec::new();
        // Whether the channel's frames must all go in `at` (see `undecided_span`).
        let mut pinned = false;
        if span_ok && b.rng.chance(50) {
            // At times the span batch starts a block or two back, over blocks derived already
            // (a batcher resubmitting): still valid, the overlap matching the safe chain
            // (delta/span-batches.md, "Batch Queue"; holocene/derivation.md, "Span Batches").
            // The sequencing window holds for the span batch as a whole, from its first block's
            // L1 origin: the overlap stays within the group's first epoch (or the chain's end).
            let mut back = 0;
            if opts.adversarial && b.rng.chance(20) {
                back = (1 + b.rng.below(2) as usize).min(i);
                let start = (batches[i - back].epoch_num - 1000) as usize;
                if start + (cfg.seq_window_size as usize) < window_end
                    || batches[i - back..i]
                        .iter()
                        .any(|x| withheld == Some(x.epoch_num))
                {
                    back = 0;
                }
            }
            let span = &batches[i - back..i + len];
            let span_parent = seq.l2.blocks[(span[0].timestamp - t0) as usize / 2 - 1].0;
            let raw = RawSpanBatch::from_singles(
                span,
                cfg.genesis.l2_time,
                span[0].epoch_num != span_parent.l1_origin.number,
            )
            .map_err(DeriveError::BadL2)?;
            encode::push_span(&mut data, &raw);
            b.features.push("span batch");
            if back > 0 {
                b.features.push("span batch over derived blocks");
            }
            first_time = span[0].timestamp;
        } else {
            // At times a span batch op-node leaves undecided goes between two of the group's
            // batches, for the slot of the second: from Holocene on it is skipped alone, so the
            // batches after it in the channel are still used (were the channel dropped with
            // it, the chain would show it).
            let undecided_before = (opts.adversarial && span_ok && len >= 2 && b.rng.chance(15))
                .then(|| 1 + b.rng.below(len as u64 - 1) as usize);
            for (k, x) in group.iter().enumerate() {
                if undecided_before == Some(k) {
                    let safe = seq.l2.blocks[(group[k - 1].timestamp - t0) as usize / 2].0;
                    let safe_parent = seq.l2.blocks[safe.number as usize - 1].0;
                    if let Some((span, reason, block, pin)) = b.undecided_span(
                        x,
                        &group[k - 1],
                        &safe,
                        safe_parent.l1_origin.number,
                        first_epoch,
                        at,
                        holocene,
                    ) {
                        data.extend(span);
                        channel_drops.push((reason, Some(x.timestamp), block));
                        pinned |= pin;
                    }
                }
                encode::push_single(&mut data, x);
            }
            b.features.push("singular batch");
        }
        // An invalid batch for the slot after the group, last in the channel.
        if opts.adversarial && b.rng.chance(40) {
            let last = seq.l2.blocks[(group[len - 1].timestamp - t0) as usize / 2].0;
            // Not when the next batch names the inclusion block itself as its L1 origin.
            if let Some(next) = next.filter(|x| ((x.epoch_num - 1000) as usize) < at) {
                channel_drops.extend(
                    b.invalid_batch(
                        &mut data, group, next, &last, at, window_end, holocene, span_ok,
                    )
                    .map(|(reason, by)| (reason, by, None)),
                );
            }
        }
        // Brotli where the L1 block read and the channel's first batch agree on Fjord: kona
        // checks the batch's time (see the brotli-before-Fjord input).
        let brotli = cfg.is_active(Fork::Fjord, l1_time)
            && cfg.is_active(Fork::Fjord, first_time)
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
        let interleave_ok =
            !holocene && at < n && !b.holocene_at((at + 1).min(n)) && next.is_some();
        if held.is_empty() && opts.adversarial && interleave_ok && !pinned && b.rng.chance(20) {
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
            // Mixed frames: either channel may be read first, so their batches' drops are not
            // certain (a slot may be filled before the invalid batch for it is read).
            channel_drops.clear();
            window_end = window_end.min(held_window);
            let mut mixed = Vec::new();
            let (mut x, mut y) = (std::mem::take(&mut held).into_iter(), frames.into_iter());
            loop {
                match (x.next(), y.next()) {
                    (None, None) => break,
                    (a, c) => mixed.extend(a.into_iter().chain(c)),
                }
            }
            frames = mixed;
        }
        let blobs = cfg.is_active(Fork::Ecotone, l1_time) && b.rng.chance(50);
        // The first L1 block each frame is posted in (a copy may come first): the channel is
        // complete, and read, in the last of them.
        let mut first_posted: Vec<Option<usize>> = vec![None; frames.len()];
        for (k, frame) in frames.iter().enumerate() {
            // Later frames may go into the next L1 block (still within the window); a channel
            // never straddles Holocene's activation (its frames would be dropped there).
            let same_rules = at < n && b.holocene_at(at) == b.holocene_at(at + 1);
            if k > 0 && same_rules && !pinned && b.rng.chance(30) && at < window_end {
                at += 1;
            }
            b.post_frames(at, std::slice::from_ref(frame), blobs);
            first_posted[k].get_or_insert(at);
            // Before Canyon the bank reads only its first channel, so a stray channel (a
            // duplicate of a frame of a channel already read opens one) would hold the rest up.
            let fifo = !holocene && !cfg.is_active(Fork::Canyon, l1_time);
            if opts.adversarial && !fifo && b.rng.chance(8) {
                // A duplicate, or (Holocene) a copy of a later frame ahead of its turn.
                let copied = if holocene && k + 1 < frames.len() {
                    k + 1
                } else {
                    k
                };
                let dup = frames[copied].clone();
                first_posted[copied].get_or_insert(at);
                b.post_frames(at, &[dup], blobs);
                b.features.push("duplicate frame");
            }
        }
        let complete = first_posted.iter().flatten().max().copied().unwrap_or(at);
        for (reason, by_timestamp, block) in channel_drops {
            b.expected_drops.push(ExpectedDrop {
                reason,
                l1_block: b.l1.headers[block.unwrap_or(complete)].number,
                by_timestamp,
            });
        }
        next_l1 = at;
        i += len;
    }
    Ok(b.expected_drops)
}

/// The batcher side of a scenario: posts frames in L1 blocks and adds the adversarial inputs.
pub(super) struct Batcher<'a> {
    pub cfg: &'a RollupConfig,
    pub opts: &'a Options,
    pub seed: u64,
    pub l1: &'a mut MemL1,
    pub rng: &'a mut Rng,
    pub features: &'a mut Vec<&'static str>,
    pub expected_drops: Vec<ExpectedDrop>,
    /// Each L1 block's Holocene activity.
    pub holocene: Vec<bool>,
    pub key: SigningKey,
    pub new_key: SigningKey,
    pub batcher_change: Option<usize>,
    pub tx_nonce: u64,
    pub channel_no: u64,
}

impl Batcher<'_> {
    /// Expects a drop for `reason` in L1 block `block` (index from genesis).
    pub(super) fn expect(&mut self, block: usize, reason: DropReason) {
        self.expected_drops.push(ExpectedDrop {
            reason,
            l1_block: self.l1.headers[block].number,
            by_timestamp: None,
        });
    }

    /// Whether Holocene is active at L1 block `block` (index from genesis).
    pub(super) fn holocene_at(&self, block: usize) -> bool {
        self.holocene
            .get(block)
            .or(self.holocene.last())
            .copied()
            .unwrap_or(false)
    }

    /// The first L1 block (index) in which a channel opened in block `opened` is timed out
    /// (`opened + channel_timeout < block`, the timeout as of that block), if the chain has it.
    pub(super) fn timed_out_at(&self, opened: usize) -> Option<usize> {
        (opened + 1..self.l1.headers.len()).find(|b| {
            let timeout = self.cfg.channel_timeout(self.l1.headers[*b].timestamp);
            opened as u64 + timeout < *b as u64
        })
    }

    /// The batcher's key for L1 block `block`.
    pub(super) fn key_at(&self, block: usize) -> &SigningKey {
        match self.batcher_change {
            Some(k) if block >= k => &self.new_key,
            _ => &self.key,
        }
    }

    pub(super) fn next_id(&mut self) -> [u8; 16] {
        let mut id = [0u8; 16];
        id[..8].copy_from_slice(&self.seed.to_be_bytes());
        id[8..].copy_from_slice(&self.channel_no.to_be_bytes());
        self.channel_no += 1;
        id
    }

    pub(super) fn channel(&self, data: &[u8], compression: Compression) -> Vec<u8> {
        encode::compress(data, compression)
    }

    /// The group's batches with one more transaction in the first: valid-looking, but never
    /// to be used (if it were, the derived chain would not be the expected one).
    pub(super) fn alternative(&self, group: &[SingleBatch]) -> Vec<u8> {
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
    pub(super) fn post(&mut self, block: usize, payload: Vec<u8>, key: &SigningKey, blob: bool) {
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
    pub(super) fn post_frames(&mut self, block: usize, frames: &[Frame], blob: bool) {
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
}
