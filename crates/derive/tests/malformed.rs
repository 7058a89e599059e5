//! One test per kind of bad input: each puts one malformed or invalid item among the batches of
//! a generated chain, derives, and checks that the chain is still the expected one and that the
//! pipeline dropped exactly that item, for its reason, in the L1 block and the stage where the
//! spec drops it (derivation.md, "L2 Chain Derivation Pipeline"; the fork pages for the rules
//! they add). Chains "before Holocene" have every fork through Granite at genesis, "Holocene"
//! chains every fork through Isthmus.

mod common;

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_primitives::{Bytes, Signature, TxKind, B256, U256};
use common::bench::Bench;
use verdict_derive::batch::validity::InvalidBatch;
use verdict_derive::batch::{Batch, SingleBatch};
use verdict_derive::blob::{encode_blob, BlobError, BLOB_SIZE};
use verdict_derive::channel::FrameRejection;
use verdict_derive::compression::{Compression, CompressionError};
use verdict_derive::encode::{self, SigningKey};
use verdict_derive::frame::{Frame, FrameError};
use verdict_derive::generator::{CodeStore, ForkSchedule, Options};
use verdict_derive::log::{DropReason, MalformedBatch, Stage};
use verdict_derive::Fork;

/// Holocene and every fork before it (and Isthmus) at genesis.
const HOLOCENE: Fork = Fork::Isthmus;
/// Every fork before Holocene at genesis.
const BEFORE: Fork = Fork::Granite;

fn code() -> Option<CodeStore> {
    common::code_store()
}

/// An L2 block to put an input before (time 28 s, the second block of L1 origin 2 in these
/// chains of 12 s L1 blocks): its batch goes in L1 block 3.
const N: usize = 14;

/// The frames of a channel of `data` (zlib) in `count` frames.
fn frames(b: &mut Bench, data: &[u8], count: usize) -> Vec<Frame> {
    let compressed = encode::compress(data, Compression::Zlib);
    let id = b.channel_id();
    let frames = encode::split_frames(id, &compressed, compressed.len().div_ceil(count));
    assert_eq!(frames.len(), count);
    frames
}

/// Puts `payload` in the L1 block of L2 block `n`'s batch, right before it, and checks that
/// exactly `drops` (reason, stage) happen there.
fn before_batch(b: &mut Bench, n: usize, payload: Vec<u8>, drops: &[(DropReason, Stage)]) {
    b.post_batches(1..n);
    let at = b.at[n - 1];
    b.post(at, payload);
    let drops: Vec<_> = drops.iter().map(|(r, s)| (at, *r, *s)).collect();
    b.expect(&drops);
}

// --- L1 retrieval: batcher transactions and blobs -------------------------------------------

#[test]
fn wrong_sender() {
    let Some(code) = code() else { return };
    let mut b = Bench::through(&code, HOLOCENE);
    b.post_batches(1..N);
    let at = b.at[N - 1];
    let stranger = SigningKey::from_slice(&[7u8; 32]).expect("a key");
    let payload = b.channel_payload(&Bench::singles(&[b.alternative(N)]));
    b.post_as(at, payload, &stranger);
    b.expect(&[(at, DropReason::WrongSender, Stage::Retrieval)]);
}

#[test]
fn signature_that_does_not_recover() {
    let Some(code) = code() else { return };
    let mut b = Bench::through(&code, HOLOCENE);
    b.post_batches(1..N);
    let at = b.at[N - 1];
    let payload = b.channel_payload(&Bench::singles(&[b.alternative(N)]));
    let tx = TxEip1559 {
        chain_id: b.s.cfg.l1_chain_id,
        gas_limit: 1_000_000,
        to: TxKind::Call(b.s.cfg.batch_inbox_address),
        input: Bytes::from(payload),
        ..Default::default()
    };
    // r = 0 is no point on the curve: no sender recovers.
    let sig = Signature::new(U256::ZERO, U256::from(1u8), false);
    b.post_tx(at, TxEnvelope::Eip1559(tx.into_signed(sig)));
    b.expect(&[(at, DropReason::BadSignature, Stage::Retrieval)]);
}

/// A blob of a valid-looking channel, damaged by `damage`, in the block of L2 block N's batch.
fn bad_blob(damage: impl Fn(&mut [u8; BLOB_SIZE]), why: BlobError) {
    let Some(code) = code() else { return };
    let mut b = Bench::through(&code, HOLOCENE);
    b.post_batches(1..N);
    let at = b.at[N - 1];
    let payload = b.channel_payload(&Bench::singles(&[b.alternative(N)]));
    let mut blob = encode_blob(&payload).expect("fits a blob");
    damage(&mut blob);
    b.post_blob(at, blob);
    b.expect(&[(at, DropReason::BadBlob(why), Stage::Retrieval)]);
}

#[test]
fn blob_encoding_version() {
    // The version is the first byte of rollup data: the first field element's second byte.
    bad_blob(|blob| blob[1] = 1, BlobError::Version(1));
}

#[test]
fn blob_length_past_capacity() {
    // The three length bytes follow the version byte.
    bad_blob(
        |blob| blob[2..5].copy_from_slice(&[0xff, 0xff, 0xff]),
        BlobError::Length(0xff_ffff),
    );
}

#[test]
fn blob_field_element_top_bits() {
    // Field element 1's first byte carries 6 bits of data; its top two bits must be clear.
    bad_blob(|blob| blob[32] |= 0x80, BlobError::FieldElement(1));
}

#[test]
fn blob_first_field_element_top_bits() {
    // The rule holds for the first field element too (ecotone/derivation.md, "Blob Encoding":
    // "the top-most two bits of each field-element must be 0").
    bad_blob(|blob| blob[0] |= 0x40, BlobError::FieldElement(0));
}

#[test]
fn blob_trailing_data() {
    bad_blob(|blob| blob[BLOB_SIZE - 1] = 1, BlobError::TrailingData);
}

// --- Frame queue: parsing frames, Holocene's frame order ------------------------------------

/// A batcher transaction of a valid-looking channel, damaged by `damage`.
fn bad_frames(damage: impl Fn(&mut Vec<u8>), why: FrameError) {
    let Some(code) = code() else { return };
    let mut b = Bench::through(&code, HOLOCENE);
    let mut payload = b.channel_payload(&Bench::singles(&[b.alternative(N)]));
    damage(&mut payload);
    before_batch(
        &mut b,
        N,
        payload,
        &[(DropReason::BadFrames(why), Stage::FrameQueue)],
    );
}

#[test]
fn frames_of_unknown_derivation_version() {
    bad_frames(|p| p[0] = 1, FrameError::Version(1));
}

#[test]
fn frame_cut_short() {
    bad_frames(
        |p| {
            p.pop();
        },
        FrameError::Truncated,
    );
}

#[test]
fn frame_data_over_the_limit() {
    // frame_data_length is capped at 1,000,000 bytes.
    bad_frames(
        |p| {
            p.truncate(1 + 18);
            p.extend_from_slice(&1_000_001u32.to_be_bytes());
            p.extend_from_slice(&[0; 64]);
        },
        FrameError::TooLarge(1_000_001),
    );
}

#[test]
fn frame_is_last_byte_neither_0_nor_1() {
    bad_frames(
        |p| {
            let last = p.len() - 1;
            p[last] = 2;
        },
        FrameError::BadIsLast(2),
    );
}

#[test]
fn batcher_transaction_without_frames() {
    bad_frames(|p| p.truncate(1), FrameError::Empty);
}

#[test]
fn holocene_frame_out_of_order() {
    let Some(code) = code() else { return };
    let mut b = Bench::through(&code, HOLOCENE);
    let alt = Bench::singles(&[b.alternative(N)]);
    let f = frames(&mut b, &alt, 3);
    // Frame 2 right after frame 0 is dropped; frame 0 stays, unclosed, until the next channel.
    before_batch(
        &mut b,
        N,
        encode::frames_payload(&[f[0].clone(), f[2].clone()]),
        &[
            (DropReason::FrameOutOfOrder, Stage::FrameQueue),
            (DropReason::StagingChannelReplaced, Stage::ChannelBank),
        ],
    );
}

#[test]
fn holocene_non_first_frame_of_another_channel() {
    let Some(code) = code() else { return };
    let mut b = Bench::through(&code, HOLOCENE);
    let alt = Bench::singles(&[b.alternative(N)]);
    let x = frames(&mut b, &alt, 3);
    let y = frames(&mut b, &alt, 2);
    before_batch(
        &mut b,
        N,
        encode::frames_payload(&[x[0].clone(), x[1].clone(), y[1].clone()]),
        &[
            (DropReason::FrameNotFirst, Stage::FrameQueue),
            (DropReason::StagingChannelReplaced, Stage::ChannelBank),
        ],
    );
}

#[test]
fn holocene_unclosed_channel_before_a_first_frame() {
    let Some(code) = code() else { return };
    let mut b = Bench::through(&code, HOLOCENE);
    b.post_batches(1..N);
    let at = b.at[N - 1];
    let alt = Bench::singles(&[b.alternative(N)]);
    let x = frames(&mut b, &alt, 3);
    // Batch N itself, in the same transaction after the unclosed channel's frames.
    let real = Bench::singles(&b.batches[N - 1..N]);
    let y = frames(&mut b, &real, 1);
    b.post(
        at,
        encode::frames_payload(&[x[0].clone(), x[1].clone(), y[0].clone()]),
    );
    b.skip(N);
    b.expect(&[
        (at, DropReason::UnclosedChannelFrames, Stage::FrameQueue),
        (at, DropReason::UnclosedChannelFrames, Stage::FrameQueue),
    ]);
}

// --- Channel bank: frame insertion, timeouts, Holocene's staging channel --------------------

/// Batch N's channel in two frames, posted as `order` says (indices into the two frames, or 2
/// for `extra`), one transaction each.
fn bank(fork: Fork, order: &[usize], extra: impl Fn(&Frame) -> Frame) -> (Bench, usize) {
    let code = common::code_store().expect("fixtures");
    let mut b = Bench::through(&code, fork);
    b.post_batches(1..N);
    let at = b.at[N - 1];
    let real = Bench::singles(&b.batches[N - 1..N]);
    let mut f = frames(&mut b, &real, 2);
    f.push(extra(&f[1]));
    for i in order {
        b.post_frames(at, &[f[*i].clone()]);
    }
    b.skip(N);
    (b, at)
}

#[test]
fn duplicate_frame() {
    if code().is_none() {
        return;
    }
    let (mut b, at) = bank(BEFORE, &[0, 0, 1], Frame::clone);
    b.expect(&[(
        at,
        DropReason::FrameRejected(FrameRejection::Duplicate(0)),
        Stage::ChannelBank,
    )]);
}

#[test]
fn frame_past_the_closing_frame() {
    if code().is_none() {
        return;
    }
    let (mut b, at) = bank(BEFORE, &[1, 2, 0], |last| Frame {
        number: 2,
        is_last: false,
        ..last.clone()
    });
    b.expect(&[(
        at,
        DropReason::FrameRejected(FrameRejection::PastEnd(2)),
        Stage::ChannelBank,
    )]);
}

#[test]
fn second_closing_frame() {
    if code().is_none() {
        return;
    }
    let (mut b, at) = bank(BEFORE, &[1, 2, 0], |last| Frame {
        number: 2,
        ..last.clone()
    });
    b.expect(&[(
        at,
        DropReason::FrameRejected(FrameRejection::DuplicateClose),
        Stage::ChannelBank,
    )]);
}

#[test]
fn channel_timed_out() {
    let Some(code) = code() else { return };
    let mut b = Bench::through(&code, BEFORE);
    let alt = Bench::singles(&[b.alternative(N)]);
    let x = frames(&mut b, &alt, 2);
    b.post_batches(1..N);
    let at = b.at[N - 1];
    b.post_frames(at, &x[..1]);
    // Timed out once `open + CHANNEL_TIMEOUT < current` (Granite's timeout).
    let out = at + b.s.cfg.granite_channel_timeout as usize + 1;
    b.expect(&[(out, DropReason::ChannelTimedOut, Stage::ChannelBank)]);
}

#[test]
fn holocene_staging_channel_timed_out() {
    let Some(code) = code() else { return };
    let mut b = Bench::through(&code, HOLOCENE);
    let alt = Bench::singles(&[b.alternative(N + 1)]);
    let x = frames(&mut b, &alt, 2);
    b.post_batches(1..N + 1);
    let at = b.at[N - 1];
    b.post_frames(at, &x[..1]);
    // Nothing else opens a channel until the staging channel times out; its next frame then
    // finds no staging channel.
    let out = at + b.s.cfg.granite_channel_timeout as usize + 1;
    b.post_frames(out, &x[1..]);
    b.delay(N + 1, out);
    b.expect(&[
        (out, DropReason::ChannelTimedOut, Stage::ChannelBank),
        (out, DropReason::NoStagingChannel, Stage::ChannelBank),
    ]);
}

#[test]
fn holocene_unclosed_staging_channel_replaced() {
    let Some(code) = code() else { return };
    let mut b = Bench::through(&code, HOLOCENE);
    let alt = Bench::singles(&[b.alternative(N)]);
    let x = frames(&mut b, &alt, 2);
    before_batch(
        &mut b,
        N,
        encode::frames_payload(&x[..1]),
        &[(DropReason::StagingChannelReplaced, Stage::ChannelBank)],
    );
}

#[test]
fn holocene_frame_without_staging_channel() {
    let Some(code) = code() else { return };
    let mut b = Bench::through(&code, HOLOCENE);
    let alt = Bench::singles(&[b.alternative(N)]);
    let x = frames(&mut b, &alt, 2);
    before_batch(
        &mut b,
        N,
        encode::frames_payload(&x[1..]),
        &[(DropReason::NoStagingChannel, Stage::ChannelBank)],
    );
}

// --- Channel reader: decompression and batch decoding ---------------------------------------

#[test]
fn empty_channel() {
    let Some(code) = code() else { return };
    let mut b = Bench::through(&code, HOLOCENE);
    let payload = b.raw_channel_payload(&[]);
    before_batch(
        &mut b,
        N,
        payload,
        &[(
            DropReason::Decompression(CompressionError::Empty),
            Stage::ChannelReader,
        )],
    );
}

#[test]
fn unknown_channel_version() {
    let Some(code) = code() else { return };
    let mut b = Bench::through(&code, HOLOCENE);
    let mut compressed = encode::compress(&Bench::singles(&[b.alternative(N)]), Compression::Zlib);
    compressed[0] = 0x02;
    let payload = b.raw_channel_payload(&compressed);
    before_batch(
        &mut b,
        N,
        payload,
        &[(
            DropReason::Decompression(CompressionError::UnknownVersion(2)),
            Stage::ChannelReader,
        )],
    );
}

#[test]
fn brotli_before_fjord() {
    let Some(code) = code() else { return };
    let mut b = Bench::through(&code, Fork::Ecotone);
    let compressed = encode::compress(&Bench::singles(&[b.alternative(N)]), Compression::Brotli);
    let payload = b.raw_channel_payload(&compressed);
    before_batch(
        &mut b,
        N,
        payload,
        &[(
            DropReason::Decompression(CompressionError::BrotliBeforeFjord),
            Stage::ChannelReader,
        )],
    );
}

#[test]
fn compressed_stream_that_breaks_off() {
    for fork in [BEFORE, HOLOCENE] {
        let Some(code) = code() else { return };
        let mut b = Bench::through(&code, fork);
        b.post_batches(1..N);
        let at = b.at[N - 1];
        // Stored (level 0) deflate blocks hold the bytes as they are: cut right after batch N,
        // the stream yields batch N, which is used, and breaks off before the alternative of
        // N + 1 (derivation.md, "Channel Format": batches are read from the stream as it
        // decompresses).
        let first = Bench::singles(&b.batches[N - 1..N]);
        let both = [first.clone(), Bench::singles(&[b.alternative(N + 1)])].concat();
        let stored = miniz_oxide::deflate::compress_to_vec_zlib(&both, 0);
        let cut = 2 + 5 + first.len();
        assert_eq!(
            &stored[7..cut],
            &first[..],
            "one stored block after the header"
        );
        let payload = b.raw_channel_payload(&stored[..cut]);
        b.post(at, payload);
        b.skip(N);
        b.expect(&[(at, DropReason::CorruptStream, Stage::ChannelReader)]);
    }
}

#[test]
fn decompressed_channel_over_the_limit() {
    let Some(code) = code() else { return };
    // Before Fjord `MAX_RLP_BYTES_PER_CHANNEL` is 10,000,000: the channel reads as its first
    // ten million bytes, batch N and the start of a batch that is cut short there.
    let mut b = Bench::through(&code, Fork::Ecotone);
    b.post_batches(1..N);
    let at = b.at[N - 1];
    let mut data = Bench::singles(&b.batches[N - 1..N]);
    alloy_rlp::Encodable::encode(&vec![0u8; 10_000_000].as_slice(), &mut data);
    let payload = b.channel_payload(&data);
    b.post(at, payload);
    b.skip(N);
    b.expect(&[
        (at, DropReason::StreamClipped, Stage::ChannelReader),
        (
            at,
            DropReason::MalformedBatch(MalformedBatch::CutShort),
            Stage::ChannelReader,
        ),
    ]);
}

/// A channel of batch N, then `bad` (a batch as a channel holds it), then the alternative of
/// N + 1: batch N is used, `bad` is dropped and the rest of the channel with it.
fn malformed_batch(fork: Fork, bad: &[u8], why: MalformedBatch) {
    let Some(code) = code() else { return };
    let mut b = Bench::through(&code, fork);
    b.post_batches(1..N);
    let at = b.at[N - 1];
    let mut data = Bench::singles(&b.batches[N - 1..N]);
    data.extend_from_slice(bad);
    data.extend(Bench::singles(&[b.alternative(N + 1)]));
    let payload = b.channel_payload(&data);
    b.post(at, payload);
    b.skip(N);
    b.expect(&[(at, DropReason::MalformedBatch(why), Stage::ChannelReader)]);
}

#[test]
fn batch_that_is_not_an_rlp_string() {
    malformed_batch(HOLOCENE, &[0xc0], MalformedBatch::Rlp);
}

#[test]
fn batch_cut_short() {
    let Some(code) = code() else { return };
    let mut b = Bench::through(&code, HOLOCENE);
    b.post_batches(1..N);
    let at = b.at[N - 1];
    let mut data = Bench::singles(&b.batches[N - 1..N]);
    // A string of three bytes with one.
    data.extend_from_slice(&[0x83, 0x00]);
    let payload = b.channel_payload(&data);
    b.post(at, payload);
    b.skip(N);
    b.expect(&[(
        at,
        DropReason::MalformedBatch(MalformedBatch::CutShort),
        Stage::ChannelReader,
    )]);
}

#[test]
fn empty_batch_string() {
    malformed_batch(HOLOCENE, &[0x80], MalformedBatch::Empty);
}

#[test]
fn unknown_batch_type() {
    let mut bad = Vec::new();
    Batch::encode_for_channel(9, &[0xc0], &mut bad);
    malformed_batch(HOLOCENE, &bad, MalformedBatch::UnknownType(9));
}

#[test]
fn singular_batch_that_does_not_decode() {
    let mut bad = Vec::new();
    Batch::encode_for_channel(0, &[0xc0], &mut bad);
    for fork in [BEFORE, HOLOCENE] {
        malformed_batch(fork, &bad, MalformedBatch::Singular);
    }
}

#[test]
fn span_batch_that_does_not_decode() {
    let mut bad = Vec::new();
    Batch::encode_for_channel(1, &[0x00], &mut bad);
    for fork in [BEFORE, HOLOCENE] {
        malformed_batch(fork, &bad, MalformedBatch::Span);
    }
}

#[test]
fn span_batch_before_delta() {
    let Some(code) = code() else { return };
    let b = Bench::through(&code, Fork::Canyon);
    let span = b.span(N + 1, &b.batches[N..N + 1]);
    malformed_batch(Fork::Canyon, &span, MalformedBatch::SpanBeforeDelta);
}

// --- Batch queue: the validity rules ---------------------------------------------------------

/// Puts `bad` (a batch for L2 block n) in its own channel in the L1 block of batch `n`, right
/// before it, and checks it is dropped for `why`; from Holocene on the rest of its channel is
/// flushed too (nothing is left in it), except for a past batch.
fn invalid(b: &mut Bench, n: usize, bad: SingleBatch, why: InvalidBatch) {
    b.post_batches(1..n);
    let at = b.at[n - 1];
    let payload = b.channel_payload(&Bench::singles(&[bad]));
    b.post(at, payload);
    let mut drops = vec![(at, DropReason::InvalidBatch(why), Stage::BatchQueue)];
    if b.holocene(at) && why != InvalidBatch::PastTimestamp {
        drops.push((at, DropReason::ChannelFlushed, Stage::BatchQueue));
    }
    b.expect(&drops);
}

/// [`invalid`] for the alternative of N changed by `change`, in chains before Holocene and with
/// it.
fn invalid_alternative(change: impl Fn(&Bench, &mut SingleBatch), why: InvalidBatch) {
    for fork in [BEFORE, HOLOCENE] {
        let Some(code) = code() else { return };
        let mut b = Bench::through(&code, fork);
        let mut bad = b.alternative(N);
        change(&b, &mut bad);
        invalid(&mut b, N, bad, why);
    }
}

#[test]
fn batch_for_a_later_block() {
    let Some(code) = code() else { return };
    // Holocene: dropped, as are the rest of its channel.
    let mut b = Bench::through(&code, HOLOCENE);
    let bad = b.alternative(N + 1);
    invalid(&mut b, N, bad, InvalidBatch::FutureTimestamp);
    // Before: kept until its block is next, then used.
    let mut b = Bench::through(&code, BEFORE);
    b.post_batches(1..N);
    let at = b.at[N - 1];
    let next = Bench::singles(&b.batches[N..N + 1]);
    let payload = b.channel_payload(&next);
    b.post(at, payload);
    b.post_batches(N..N + 1);
    b.skip(N + 1);
    b.expect(&[]);
}

#[test]
fn batch_for_a_block_already_derived() {
    invalid_alternative(
        |b, bad| *bad = b.alternative(N - 1),
        InvalidBatch::PastTimestamp,
    );
}

#[test]
fn batch_with_another_parent() {
    invalid_alternative(
        |_, bad| bad.parent_hash = B256::repeat_byte(0x11),
        InvalidBatch::ParentHash,
    );
}

#[test]
fn batch_with_an_l1_origin_hash_off_the_chain() {
    invalid_alternative(
        |_, bad| bad.epoch_hash = B256::repeat_byte(0x22),
        InvalidBatch::EpochHash,
    );
}

#[test]
fn batch_with_an_l1_origin_older_than_the_safe_heads() {
    invalid_alternative(
        |b, bad| {
            let e = b.epoch(N - 1) - 1;
            bad.epoch_num = b.number(e);
            bad.epoch_hash = b.l1_hash(e);
        },
        InvalidBatch::EpochTooOld,
    );
}

#[test]
fn batch_skipping_an_l1_origin() {
    for fork in [BEFORE, HOLOCENE] {
        let Some(code) = code() else { return };
        let mut b = Bench::through(&code, fork);
        let e = b.epoch(N - 1) + 2;
        // Read after the L1 block it names.
        b.delay(N, e + 1);
        let mut bad = b.alternative(N);
        bad.epoch_num = b.number(e);
        bad.epoch_hash = b.l1_hash(e);
        invalid(&mut b, N, bad, InvalidBatch::EpochTooNew);
    }
}

#[test]
fn batch_before_its_l1_origin() {
    for fork in [BEFORE, HOLOCENE] {
        let code = common::code_store();
        let Some(code) = code else { return };
        // A block in its parent's epoch whose time is before the next L1 block's.
        let (mut b, n) = Bench::find(
            &code,
            Options {
                forks: ForkSchedule::Through(fork),
                ..Options::default()
            },
            |b, n| {
                let e = b.epoch(n - 1);
                b.epoch(n) == e && b.l1_time(e + 1) > b.l2_time(n)
            },
        );
        let e = b.epoch(n - 1) + 1;
        b.delay(n, e + 1);
        let mut bad = b.alternative(n);
        bad.epoch_num = b.number(e);
        bad.epoch_hash = b.l1_hash(e);
        invalid(&mut b, n, bad, InvalidBatch::BeforeL1Origin);
    }
}

#[test]
fn batch_outside_its_sequencing_window() {
    for fork in [BEFORE, HOLOCENE] {
        let Some(code) = code() else { return };
        let opts = Options {
            forks: ForkSchedule::Through(fork),
            ..Options::default()
        };
        // A block in its parent's epoch (no empty batches are due when its batch comes late).
        let (mut b, n) = Bench::find(&code, opts, |b, n| {
            b.epoch(n) >= 2 && b.epoch(n) == b.epoch(n - 1)
        });
        let window = b.s.cfg.seq_window_size as usize;
        let late = b.epoch(n) + window - 1;
        b.delay(n, late);
        let mut bad = b.alternative(n);
        let e = late - window - 1;
        bad.epoch_num = b.number(e);
        bad.epoch_hash = b.l1_hash(e);
        invalid(&mut b, n, bad, InvalidBatch::OutsideSequenceWindow);
    }
}

#[test]
fn batch_with_an_empty_transaction() {
    invalid_alternative(
        |_, bad| bad.transactions.push(Bytes::new()),
        InvalidBatch::EmptyTransaction,
    );
}

#[test]
fn batch_with_a_deposit_transaction() {
    invalid_alternative(
        |_, bad| bad.transactions.push(Bytes::from_static(&[0x7e, 0xc0])),
        InvalidBatch::DepositTransaction,
    );
}

#[test]
fn set_code_transaction_before_isthmus() {
    for fork in [BEFORE, Fork::Holocene] {
        let Some(code) = code() else { return };
        let mut b = Bench::through(&code, fork);
        let mut bad = b.alternative(N);
        bad.transactions.push(Bytes::from_static(&[0x04, 0xc0]));
        invalid(&mut b, N, bad, InvalidBatch::SetCodeBeforeIsthmus);
    }
}

/// Chains with a short sequencer drift and missed L1 slots, before Fjord (whose drift is a
/// constant 1800 s, which blocks of these chains never reach; Holocene comes after Fjord).
fn drifting() -> Options {
    Options {
        forks: ForkSchedule::Through(Fork::Ecotone),
        l1_gaps: true,
        ..Options::default()
    }
}

/// Whether L2 block `n` is past the drift of L1 block index `e`.
fn past_drift(b: &Bench, n: usize, e: usize) -> bool {
    b.l2_time(n) > b.l1_time(e) + b.s.cfg.max_sequencer_drift
}

#[test]
fn batch_past_the_drift_with_transactions() {
    let Some(code) = code() else { return };
    let (mut b, n) = Bench::find(&code, drifting(), |b, n| {
        b.epoch(n) == b.epoch(n - 1) && past_drift(b, n, b.epoch(n))
    });
    let bad = b.alternative(n);
    invalid(&mut b, n, bad, InvalidBatch::DriftWithTransactions);
}

#[test]
fn batch_past_the_drift_that_could_adopt_the_next_origin() {
    let Some(code) = code() else { return };
    let (mut b, n) = Bench::find(&code, drifting(), |b, n| {
        b.epoch(n) == b.epoch(n - 1) + 1 && past_drift(b, n, b.epoch(n - 1))
    });
    let e = b.epoch(n - 1);
    let mut bad = b.batches[n - 1].clone();
    bad.epoch_num = b.number(e);
    bad.epoch_hash = b.l1_hash(e);
    bad.transactions.clear();
    invalid(&mut b, n, bad, InvalidBatch::DriftCouldAdoptNextOrigin);
}

#[test]
fn transactions_in_jovians_activation_block() {
    let Some(code) = code() else { return };
    let opts = Options {
        forks: ForkSchedule::Then(Fork::Isthmus, Fork::Jovian, 100),
        ..Options::default()
    };
    let (mut b, n) = Bench::find(&code, opts, |b, n| {
        b.s.cfg.is_activation_block(Fork::Jovian, b.l2_time(n))
    });
    let bad = b.alternative(n);
    invalid(&mut b, n, bad, InvalidBatch::ActivationBlockTransactions);
}

#[test]
fn batch_read_before_the_safe_heads_l1_origin() {
    for fork in [BEFORE, HOLOCENE] {
        let Some(code) = code() else { return };
        let mut b = Bench::through(&code, fork);
        // Restarted at the safe head M, the pipeline reads L1 from a channel timeout before
        // its L1 origin: the batches of blocks up to M read there are past, and a batch for M + 1
        // read in an L1 block before that origin cannot be valid.
        const M: usize = 30;
        let origin = b.epoch(M);
        let start = verdict_derive::pipeline::start_block_number(&b.s.cfg, &b.s.l2.blocks[M].0)
            - b.s.cfg.genesis.l1.number;
        let early = origin - 1;
        b.post_batches(1..M + 1);
        let payload = b.channel_payload(&Bench::singles(&[b.alternative(M + 1)]));
        let mut drops = Vec::new();
        let mut added = false;
        for n in 1..=M {
            let at = b.at[n - 1];
            if !added && at > early {
                drops.push((
                    early,
                    DropReason::InvalidBatch(InvalidBatch::BehindSafeHead),
                ));
                added = true;
            }
            if at as u64 >= start {
                drops.push((at, DropReason::InvalidBatch(InvalidBatch::PastTimestamp)));
            }
        }
        b.post(early, payload);
        let d = b.derive_from(M);
        let drops: Vec<_> = drops
            .into_iter()
            .map(|(at, r)| (at, r, Stage::BatchQueue))
            .collect();
        b.check(&d, M + 1, &drops);
    }
}

// --- Span batches ------------------------------------------------------------------------------

/// A span batch of the batches of L2 blocks `blocks`, changed by `change` (which may change
/// the batches or set the channel content itself), in its own channel read once L2 block
/// `after` is derived: right before the batch of `after + 1`.
fn invalid_span(
    fork: Fork,
    blocks: std::ops::Range<usize>,
    after: usize,
    change: impl Fn(&Bench, &mut Vec<SingleBatch>, &mut Vec<u8>),
    why: InvalidBatch,
) {
    let Some(code) = code() else { return };
    let mut b = Bench::through(&code, fork);
    invalid_span_in(&mut b, blocks, after, change, why);
}

fn invalid_span_in(
    b: &mut Bench,
    blocks: std::ops::Range<usize>,
    after: usize,
    change: impl Fn(&Bench, &mut Vec<SingleBatch>, &mut Vec<u8>),
    why: InvalidBatch,
) {
    let first = blocks.start;
    let mut singles = b.batches[blocks.start - 1..blocks.end - 1].to_vec();
    let mut data = Vec::new();
    change(b, &mut singles, &mut data);
    if data.is_empty() {
        data = b.span(first, &singles);
    }
    b.post_batches(1..after + 1);
    let at = b.at[after];
    let payload = b.channel_payload(&data);
    b.post(at, payload);
    let mut drops = vec![(at, DropReason::InvalidBatch(why), Stage::BatchQueue)];
    if b.holocene(at) {
        drops.push((at, DropReason::ChannelFlushed, Stage::BatchQueue));
    }
    b.expect(&drops);
}

/// `data` as the span of `singles` from L2 block `first` with its raw fields changed by
/// `change`.
fn raw_span(
    b: &Bench,
    first: usize,
    singles: &[SingleBatch],
    change: impl Fn(&mut verdict_derive::batch::RawSpanBatch),
) -> Vec<u8> {
    let parent_origin = b.s.l2.blocks[first - 1].0.l1_origin.number;
    let mut raw = verdict_derive::batch::RawSpanBatch::from_singles(
        singles,
        b.s.cfg.genesis.l2_time,
        singles[0].epoch_num != parent_origin,
    )
    .expect("a span batch");
    change(&mut raw);
    let mut data = Vec::new();
    encode::push_span(&mut data, &raw);
    data
}

#[test]
fn span_batch_misaligned() {
    for fork in [BEFORE, HOLOCENE] {
        invalid_span(
            fork,
            N..N + 3,
            N - 1,
            |b, singles, data| {
                // One second before the next block: between the safe head and it.
                *data = raw_span(b, N, singles, |raw| raw.rel_timestamp -= 1);
            },
            InvalidBatch::SpanMisaligned,
        );
    }
}

#[test]
fn span_batch_parent_check() {
    for fork in [BEFORE, HOLOCENE] {
        invalid_span(
            fork,
            N..N + 3,
            N - 1,
            |b, singles, data| {
                *data = raw_span(b, N, singles, |raw| raw.parent_check = [0x33; 20]);
            },
            InvalidBatch::SpanParentCheck,
        );
    }
}

#[test]
fn span_batch_l1_origin_check() {
    for fork in [BEFORE, HOLOCENE] {
        invalid_span(
            fork,
            N..N + 3,
            N - 1,
            |b, singles, data| {
                *data = raw_span(b, N, singles, |raw| raw.l1_origin_check = [0x44; 20]);
            },
            InvalidBatch::SpanOriginCheck,
        );
    }
}

#[test]
fn span_batch_whose_l1_origin_is_before_delta() {
    let Some(code) = code() else { return };
    // Delta two minutes after genesis; a span of blocks whose L1 origin is before it, read
    // after it (before, it would not even decode as a span batch).
    let opts = Options {
        forks: ForkSchedule::Then(Fork::Canyon, Fork::Delta, 120),
        ..Options::default()
    };
    let (mut b, n) = Bench::find(&code, opts, |b, n| {
        let delta = b.s.cfg.genesis.l2_time + 120;
        b.l1_time(b.epoch(n)) < delta
            && b.l1_time(b.epoch(n + 2)) < delta
            && b.l1_time(b.epoch(n + 2) + 1) >= delta
            && b.epoch(n - 1) == b.epoch(n)
    });
    let at = b.at[n + 1];
    b.delay(n, at);
    invalid_span_in(
        &mut b,
        n..n + 3,
        n - 1,
        |_, _, _| {},
        InvalidBatch::SpanOriginBeforeDelta,
    );
}

/// An L2 block that is the first of its epoch, followed by one more in that epoch.
fn first_of_epoch(b: &Bench, n: usize) -> bool {
    n >= 4 && b.epoch(n - 1) == b.epoch(n - 2) + 1 && b.epoch(n) == b.epoch(n - 1)
}

#[test]
fn span_batch_overlapping_the_safe_chain_with_other_transactions() {
    let Some(code) = code() else { return };
    let mut b = Bench::through(&code, BEFORE);
    // Blocks N - 1 (derived already, but with one more transaction here) and N.
    invalid_span_in(
        &mut b,
        N - 1..N + 1,
        N - 1,
        |b, singles, _| singles[0] = b.alternative(N - 1),
        InvalidBatch::SpanOverlapTransactions,
    );
}

#[test]
fn span_batch_overlapping_the_safe_chain_with_another_l1_origin() {
    let Some(code) = code() else { return };
    let opts = Options {
        forks: ForkSchedule::Through(BEFORE),
        ..Options::default()
    };
    let (mut b, n) = Bench::find(&code, opts, first_of_epoch);
    // Block n - 1 (derived already) said to be of the previous epoch.
    invalid_span_in(
        &mut b,
        n - 1..n + 1,
        n - 1,
        |b, singles, _| {
            let e = b.epoch(n - 2);
            singles[0].epoch_num = b.number(e);
            singles[0].epoch_hash = b.l1_hash(e);
        },
        InvalidBatch::SpanOverlapOrigin,
    );
}

#[test]
fn span_batch_with_a_block_after_the_safe_head_of_an_older_l1_origin() {
    for fork in [BEFORE, HOLOCENE] {
        let Some(code) = code() else { return };
        let opts = Options {
            forks: ForkSchedule::Through(fork),
            ..Options::default()
        };
        let (mut b, n) = Bench::find(&code, opts, |b, n| {
            first_of_epoch(b, n) && b.epoch(n + 1) == b.epoch(n)
        });
        // Blocks n - 1 (derived) and n said to be of the previous epoch, n + 1 of the right one:
        // block n, the first after the safe head, has an L1 origin older than the safe head's
        // (delta/span-batches.md, "Batch Queue"). The span's last origin is held, so its prefix
        // passes; op-node (read for facts) drops it in `checkSpanBatch` before Holocene and, from
        // Holocene on, when it splits it into singular batches, with the rest of its channel.
        // (kona-derive 0.4.5 stops with a critical error there from Holocene on: not in the
        // differential.)
        invalid_span_in(
            &mut b,
            n - 1..n + 2,
            n - 1,
            |b, singles, _| {
                let e = b.epoch(n - 2);
                for s in &mut singles[..2] {
                    s.epoch_num = b.number(e);
                    s.epoch_hash = b.l1_hash(e);
                }
            },
            InvalidBatch::EpochTooOld,
        );
    }
}

/// Puts `span` (channel content) and the batch of L2 block `n` in one channel in the L1 block
/// of batch `n`, and checks that from Holocene on the span batch is skipped alone as undecided
/// (op-node's batch stage, read for facts): batch `n`, after it in the channel, is still used.
fn skipped_alone(b: &mut Bench, n: usize, span: &[u8]) {
    assert!(b.holocene(b.at[n - 1]));
    b.post_batches(1..n);
    let at = b.at[n - 1];
    let mut data = span.to_vec();
    data.extend(Bench::singles(&b.batches[n - 1..n]));
    let payload = b.channel_payload(&data);
    b.post(at, payload);
    b.skip(n);
    b.expect(&[(
        at,
        DropReason::InvalidBatch(InvalidBatch::SpanUndecided),
        Stage::BatchQueue,
    )]);
}

/// Puts `span` (channel content) in its own channel in the L1 block of batch `n`, before it, and
/// checks that before Holocene it holds the batch queue up for good, as op-node's does (read for
/// facts): undecided, it stays first in the queue, nothing after it is looked at, and no empty
/// batch is derived while it is there. Derivation reaches the L1 head with block `n - 1` last.
fn stalls_for_good(b: &mut Bench, n: usize, span: &[u8]) {
    assert!(!b.holocene(b.at[n - 1]));
    b.post_batches(1..n);
    let at = b.at[n - 1];
    let payload = b.channel_payload(span);
    b.post(at, payload);
    let d = b.derive();
    assert_eq!(d.attributes, b.s.expected[..n - 1], "blocks 1 to {}", n - 1);
    assert!(d.drops.is_empty(), "{:?}", d.drops);
}

#[test]
fn span_batch_ending_before_the_safe_heads_l1_origin() {
    for fork in [BEFORE, HOLOCENE] {
        let Some(code) = code() else { return };
        let opts = Options {
            forks: ForkSchedule::Through(fork),
            ..Options::default()
        };
        let (mut b, n) = Bench::find(&code, opts, first_of_epoch);
        // Blocks n - 1 (derived) and n said to be of the previous epoch: the span ends before
        // the safe head's L1 origin, which the stage no longer holds. span-batches.md's rule for
        // such blocks ("block_input.l1_origin.number < safe_head.l1_origin.number -> drop") is
        // never reached: op-node finds the last L1 origin missing first and leaves the batch
        // undecided.
        let e = b.epoch(n - 2);
        let mut singles = b.batches[n - 2..n].to_vec();
        for s in singles.iter_mut() {
            s.epoch_num = b.number(e);
            s.epoch_hash = b.l1_hash(e);
        }
        singles[1] = {
            let mut alt = b.alternative(n);
            alt.epoch_num = b.number(e);
            alt.epoch_hash = b.l1_hash(e);
            alt
        };
        let span = b.span(n - 1, &singles);
        if fork == HOLOCENE {
            skipped_alone(&mut b, n, &span);
        } else {
            stalls_for_good(&mut b, n, &span);
        }
    }
}

#[test]
fn span_batch_naming_an_l1_block_after_the_one_read() {
    for fork in [BEFORE, HOLOCENE] {
        let Some(code) = code() else { return };
        let mut b = Bench::through(&code, fork);
        let at = b.at[N - 1];
        // From block N on, one L1 origin more per block, from the safe head's to the L1 block
        // after `at`, the one the batch is read in (its hash made up: it cannot be known).
        let first = b.epoch(N - 1);
        let count = at + 2 - first;
        let singles: Vec<SingleBatch> = (0..count)
            .map(|j| {
                let mut s = if j == 0 {
                    b.alternative(N)
                } else {
                    b.batches[N - 1].clone()
                };
                s.timestamp = b.l2_time(N) + 2 * j as u64;
                s.epoch_num = b.number(first + j);
                s.epoch_hash = B256::repeat_byte(0x77);
                s
            })
            .collect();
        let span = b.span(N, &singles);
        if fork == HOLOCENE {
            skipped_alone(&mut b, N, &span);
        } else {
            // Before Holocene it waits in the batch queue, holding it up, until the L1 block it
            // names is read: then its L1 origin check fails, and batch N, behind it in the
            // channel, is used.
            b.post_batches(1..N);
            let mut data = span;
            data.extend(Bench::singles(&b.batches[N - 1..N]));
            let payload = b.channel_payload(&data);
            b.post(at, payload);
            b.skip(N);
            b.expect(&[(
                at + 1,
                DropReason::InvalidBatch(InvalidBatch::SpanOriginCheck),
                Stage::BatchQueue,
            )]);
        }
    }
}

#[test]
fn span_batch_starting_at_the_genesis_block() {
    for fork in [BEFORE, HOLOCENE] {
        let Some(code) = code() else { return };
        let mut b = Bench::through(&code, fork);
        // Blocks 0 to N: the span's first block would have the block before genesis as its
        // parent. op-node asks its engine for that block, fails, and leaves the batch undecided
        // (read for facts; the spec has no rule for it).
        let genesis = SingleBatch {
            parent_hash: B256::ZERO,
            epoch_num: b.number(0),
            epoch_hash: b.l1_hash(0),
            timestamp: b.l2_time(0),
            transactions: Vec::new(),
        };
        let mut singles = vec![genesis];
        singles.extend(b.batches[..N - 1].iter().cloned());
        singles.push(b.alternative(N));
        let parent_origin = b.s.l2.blocks[0].0.l1_origin.number;
        let raw = verdict_derive::batch::RawSpanBatch::from_singles(
            &singles,
            b.s.cfg.genesis.l2_time,
            singles[0].epoch_num != parent_origin,
        )
        .expect("a span batch");
        let mut span = Vec::new();
        encode::push_span(&mut span, &raw);
        if fork == HOLOCENE {
            skipped_alone(&mut b, N, &span);
        } else {
            stalls_for_good(&mut b, N, &span);
        }
    }
}

#[test]
fn holocene_flushes_the_rest_of_the_channel_after_an_invalid_batch() {
    let Some(code) = code() else { return };
    for fork in [BEFORE, HOLOCENE] {
        let mut b = Bench::through(&code, fork);
        b.post_batches(1..N);
        let at = b.at[N - 1];
        let mut bad = b.alternative(N);
        bad.parent_hash = B256::repeat_byte(0x55);
        // Before Holocene the channel goes on to batch N; from Holocene on its rest is dropped
        // (the alternative would be used otherwise) and batch N comes in its own channel.
        let holocene = b.holocene(at);
        let after = if holocene {
            b.alternative(N)
        } else {
            b.batches[N - 1].clone()
        };
        let payload = b.channel_payload(&Bench::singles(&[bad, after]));
        b.post(at, payload);
        let mut drops = vec![(
            at,
            DropReason::InvalidBatch(InvalidBatch::ParentHash),
            Stage::BatchQueue,
        )];
        if holocene {
            drops.push((at, DropReason::ChannelFlushed, Stage::BatchQueue));
        } else {
            b.skip(N);
        }
        b.expect(&drops);
    }
}

#[test]
fn rest_of_a_span_batch_after_an_invalid_payload() {
    let Some(code) = code() else { return };
    for fork in [BEFORE, HOLOCENE] {
        let mut b = Bench::through(&code, fork);
        b.post_batches(1..N);
        let at = b.at[N - 1];
        let span = b.span(N, &b.batches[N - 1..N + 2]);
        let payload = b.channel_payload(&span);
        b.post(at, payload);
        b.post_rest();
        let holocene = b.holocene(at);
        // The engine rejects block N's payload.
        let mut l2 = verdict_derive::generator::FakeL2::new(&b.s.cfg);
        l2.blocks = b.s.l2.blocks[..N].to_vec();
        let safe = l2.head();
        let start = verdict_derive::pipeline::start_block_number(&b.s.cfg, &safe);
        let mut p = verdict_derive::Pipeline::new(
            b.s.cfg.clone(),
            &b.s.l1,
            &b.s.l1,
            l2,
            b.code.clone(),
            safe,
            start,
        )
        .expect("starts");
        let d = p.next_attributes().expect("block N");
        assert_eq!(d.attributes, b.s.expected[N - 1]);
        let replacement = p.payload_invalid(&d);
        let (drops, _) = p.take_drops();
        if holocene {
            // Holocene: its deposits-only replacement, and the rest of the span and channel
            // are dropped.
            let r = replacement.expect("a deposits-only replacement");
            assert_eq!(r, b.s.expected[N - 1].deposits_only());
            let reasons: Vec<_> = drops.iter().map(|x| x.reason).collect();
            assert!(
                reasons.ends_with(&[DropReason::ChannelFlushed]),
                "{reasons:?}"
            );
            let block = p.l2_mut().execute(&r).expect("executes");
            p.advance(block);
            // Block N + 1 no longer comes from the span (its batch in its own channel names
            // the sequencer's block N as parent): it is an empty batch of an expired window.
            let next = p.next_attributes().expect("block N + 1");
            assert_eq!(
                next.attributes.transactions.len(),
                next.attributes.deposit_count()
            );
        } else {
            // Before: the batch is not used; the rest of the span no longer follows the safe
            // head and is dropped; block N comes again from its own batch.
            assert!(replacement.is_none());
            let next = p.next_attributes().expect("block N again");
            assert_eq!(next.attributes, b.s.expected[N - 1]);
            let (drops, _) = p.take_drops();
            let reasons: Vec<_> = drops.iter().map(|x| (x.l1_block, x.reason)).collect();
            assert_eq!(
                reasons[..2],
                [
                    (b.number(at), DropReason::SpanRemainder),
                    (b.number(at), DropReason::SpanRemainder)
                ]
            );
            assert_eq!(DropReason::SpanRemainder.stage(), Stage::BatchQueue);
        }
    }
}

#[test]
fn never_a_panic_on_addresses_or_inputs_of_any_shape() {
    // Calldata of every length up to 64 bytes and a few sizes past the frame overhead,
    // arbitrary bytes: every one dropped somewhere, derivation goes on.
    let Some(code) = code() else { return };
    let mut b = Bench::through(&code, HOLOCENE);
    b.post_batches(1..N);
    let at = b.at[N - 1];
    let mut x = 0x1234_5678_9abc_def0u64;
    for len in (0..64).chain([100, 1000, 5000]) {
        let data: Vec<u8> = (0..len)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                if i == 0 {
                    0
                } else {
                    x as u8
                }
            })
            .collect();
        b.post(at, data);
    }
    b.post_as(
        at,
        vec![0],
        &SigningKey::from_slice(&[9u8; 32]).expect("key"),
    );
    let d = b.derive();
    for (i, (got, want)) in d.attributes.iter().zip(&b.s.expected).enumerate() {
        assert_eq!(got, want, "block {}", i + 1);
    }
    assert!(d.drops.len() >= 68, "{} drops", d.drops.len());
}

#[test]
fn frames_buffered_when_holocene_activates() {
    let Some(code) = code() else { return };
    // Holocene two minutes after genesis: its activation block discards the frames, channels
    // and batches buffered before (holocene/derivation.md, "Activation").
    let opts = Options {
        forks: ForkSchedule::Then(Fork::Granite, Fork::Holocene, 120),
        ..Options::default()
    };
    let mut b = Bench::new(&code, opts);
    let act = (0..b.s.l1.headers.len())
        .find(|i| b.holocene(*i))
        .expect("Holocene activates");
    let n = (1..=b.batches.len())
        .find(|n| b.at[n - 1] >= act)
        .expect("a batch after the activation");
    b.post_batches(1..n);
    let alt = Bench::singles(&[b.alternative(n)]);
    let x = frames(&mut b, &alt, 2);
    // A channel's first frame before the activation, its last after: that one finds no
    // staging channel.
    b.post_frames(act - 1, &x[..1]);
    b.post_frames(act, &x[1..]);
    b.expect(&[
        (act, DropReason::HoloceneActivation, Stage::Activation),
        (act, DropReason::NoStagingChannel, Stage::ChannelBank),
    ]);
}

// --- L1 logs: system config updates and deposits --------------------------------------------

/// A receipt of a successful transaction with `logs`.
fn receipt(logs: Vec<alloy_primitives::Log>) -> alloy_consensus::ReceiptEnvelope {
    alloy_consensus::ReceiptEnvelope::Eip1559(alloy_consensus::ReceiptWithBloom::new(
        alloy_consensus::Receipt {
            status: alloy_consensus::Eip658Value::Eip658(true),
            cumulative_gas_used: 21_000,
            logs,
        },
        Default::default(),
    ))
}

/// A log of `address` with `topics` and `data`.
fn log(
    address: alloy_primitives::Address,
    topics: Vec<B256>,
    data: Vec<u8>,
) -> alloy_primitives::Log {
    alloy_primitives::Log {
        address,
        data: alloy_primitives::LogData::new_unchecked(topics, data.into()),
    }
}

#[test]
fn config_updates_that_do_not_parse_are_skipped() {
    use verdict_derive::system_config::{encode_update_data, UpdateError, CONFIG_UPDATE_TOPIC};
    let Some(code) = code() else { return };
    let mut b = Bench::through(&code, HOLOCENE);
    let at = 5;
    let contract = b.s.cfg.l1_system_config_address;
    let kind = |k: u8| B256::with_last_byte(k);
    let update = |version: B256, k: u8, data: Vec<u8>| {
        log(contract, vec![CONFIG_UPDATE_TOPIC, version, kind(k)], data)
    };
    let word = |w: [u8; 32]| encode_update_data(&w);
    // "If a System Config Update cannot be parsed for any reason, it is not applied and is
    // instead skipped" (system-config.md). Were the batcher update applied, every later batch
    // would come from the wrong sender; were the gas limit applied, the attributes would show it.
    let logs = vec![
        update(B256::ZERO, 0, word([0xff; 32])),
        update(B256::ZERO, 2, word([0x01; 32])),
        update(B256::ZERO, 2, vec![0; 95]),
        update(B256::ZERO, 9, word([0; 32])),
        update(B256::with_last_byte(1), 2, word([0; 32])),
        log(
            contract,
            vec![CONFIG_UPDATE_TOPIC, B256::ZERO],
            word([0; 32]),
        ),
        update(B256::ZERO, 1, {
            let mut fee = [0u8; 64];
            fee[32] = 2;
            encode_update_data(&fee)
        }),
    ];
    b.s.l1.receipts[at].push(receipt(logs));
    let skipped = [
        UpdateError::Value,
        UpdateError::Value,
        UpdateError::Data,
        UpdateError::UnknownType,
        UpdateError::Version,
        UpdateError::Topics(2),
        UpdateError::EcotoneScalar,
    ];
    let drops: Vec<_> = skipped
        .iter()
        .map(|e| (at, DropReason::ConfigUpdate(*e), Stage::Traversal))
        .collect();
    b.expect(&drops);
}

#[test]
fn deposit_logs_that_do_not_decode_stop_derivation() {
    use verdict_derive::deposits::DEPOSIT_EVENT_TOPIC;
    use verdict_derive::DeriveError;
    let Some(code) = code() else { return };
    let mut b = Bench::through(&code, HOLOCENE);
    // Deposits must be included (deposits.md); a log of the portal that cannot be decoded is
    // not a deposit the pipeline can include, nor one it may leave out: derivation stops with
    // an error (never a panic) once it reaches that L1 block as an L1 origin.
    let at = 5;
    let portal = b.s.cfg.deposit_contract_address;
    let bad = log(
        portal,
        vec![DEPOSIT_EVENT_TOPIC, B256::ZERO, B256::ZERO, B256::ZERO],
        vec![0x42; 40],
    );
    b.s.l1.receipts[at].push(receipt(vec![bad]));
    b.post_rest();
    let err = verdict_derive::generator::derive(&b.s, &b.code).expect_err("stops");
    assert!(matches!(err, DeriveError::BadDeposit(_)), "{err}");
}

#[test]
fn holocene_reads_on_in_the_same_l1_block_after_a_dropped_span_batch() {
    let Some(code) = code() else { return };
    let mut b = Bench::through(&code, HOLOCENE);
    b.post_batches(1..N);
    let at = b.at[N - 1];
    // An invalid span batch, then in the same L1 block the first frame of a channel whose last
    // frame comes once a channel opened in this block has timed out. The span batch and its
    // channel are dropped and the block is read on (the traversal moves on once a block's data
    // is used up), so that channel opens in this block and times out.
    let span = {
        let mut singles = b.batches[N - 1..N + 1].to_vec();
        singles[0] = b.alternative(N);
        let mut data = Vec::new();
        let parent_origin = b.s.l2.blocks[N - 1].0.l1_origin.number;
        let mut raw = verdict_derive::batch::RawSpanBatch::from_singles(
            &singles,
            b.s.cfg.genesis.l2_time,
            singles[0].epoch_num != parent_origin,
        )
        .expect("a span batch");
        raw.parent_check = [0x66; 20];
        encode::push_span(&mut data, &raw);
        data
    };
    let payload = b.channel_payload(&span);
    b.post(at, payload);
    let alt = Bench::singles(&[b.alternative(N)]);
    let x = frames(&mut b, &alt, 2);
    b.post_frames(at, &x[..1]);
    let late = at + b.s.cfg.granite_channel_timeout as usize + 1;
    b.post_frames(late, &x[1..]);
    b.delay(N, late);
    b.expect(&[
        (
            at,
            DropReason::InvalidBatch(InvalidBatch::SpanParentCheck),
            Stage::BatchQueue,
        ),
        (at, DropReason::ChannelFlushed, Stage::BatchQueue),
        (late, DropReason::ChannelTimedOut, Stage::ChannelBank),
        (late, DropReason::NoStagingChannel, Stage::ChannelBank),
    ]);
}
