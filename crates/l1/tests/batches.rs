//! The batcher on a real anvil: channels of real L2 blocks (singular and span batches, zlib and
//! brotli) posted as calldata and as blob transactions, read back over RPC (transactions, and
//! blobs from the beacon API checked against their versioned hashes) into the same frames.

mod common;

use std::collections::BTreeSet;
use verdict_derive::frame::{parse_frames, Frame};
use verdict_derive::log::DropLog;
use verdict_derive::provider::L1Provider;
use verdict_derive::source::{batcher_data, DataOrigin};
use verdict_derive::L1BlockRef;
use verdict_l1::anvil::require_for_test;
use verdict_l1::batcher::{Batcher, BatcherConfig};

#[test]
fn frames_posted_as_calldata_and_blobs_read_back_the_same() {
    if require_for_test("frames_posted_as_calldata_and_blobs_read_back_the_same").is_none() {
        return;
    }
    let mut local = common::Local::start(1);
    let blocks = local.sequence(true);
    assert!(blocks.len() >= 5, "{} blocks", blocks.len());
    let mut config = BatcherConfig::new(
        local.deployment.batch_inbox_address,
        local.sequencer.cfg.genesis.l2_time,
    );
    config.max_frame_data = 300;
    let mut batcher = Batcher::new(config, 0);
    // Four channels: calldata+singular+zlib, blobs+span+zlib, calldata+singular+brotli,
    // blobs+span+brotli.
    let mut frames: Vec<Frame> = Vec::new();
    let mut kinds = BTreeSet::new();
    let wallet = local.l1.wallet(&local.keys.batcher).unwrap();
    // Exactly four non-empty groups.
    let n = blocks.len();
    let groups: Vec<&[verdict_l1::l2::L2Block]> = (0..4)
        .map(|i| &blocks[i * n / 4..(i + 1) * n / 4])
        .collect();
    let mut posted = Vec::new();
    for (i, g) in groups.iter().enumerate() {
        let with_origin: Vec<_> = g
            .iter()
            .map(|b| (b.clone(), local.sequencer.origin(b.header.number).unwrap()))
            .collect();
        let ch = batcher.channel(&with_origin, i == 0).unwrap();
        kinds.insert((ch.blobs, ch.span, format!("{:?}", ch.compression)));
        frames.extend(ch.frames.iter().cloned());
        posted.extend(
            local
                .rt
                .block_on(batcher.post(&local.l1, &wallet, &ch))
                .unwrap(),
        );
    }
    assert_eq!(kinds.len(), 4, "{kinds:?}");
    assert!(posted.iter().any(|p| p.blob_hashes.len() == 2) || frames.len() < 8);
    local.mine();

    // Read back as derivation does.
    let mut rpc = local.rpc();
    let mut blobs = local.rpc();
    let head = rpc
        .header_by_number(local.deployment.genesis_l1.number + 1)
        .unwrap()
        .unwrap();
    let block = L1BlockRef::from_header(&head);
    let cfg = local.sequencer.cfg.clone();
    let log = DropLog::default();
    let data = batcher_data(
        &cfg,
        &mut rpc,
        &mut blobs,
        &block,
        local.deployment.batcher,
        &log,
    )
    .unwrap();
    assert!(log.take().0.is_empty());
    let origins: BTreeSet<_> = data.iter().map(|(o, _)| *o == DataOrigin::Blob).collect();
    assert_eq!(origins.len(), 2, "calldata and blobs");
    let read: Vec<Frame> = data
        .iter()
        .flat_map(|(_, d)| parse_frames(d).unwrap())
        .collect();
    assert_eq!(read, frames);
    // Every item is what was posted, in order.
    let sent: Vec<Vec<u8>> = posted.iter().flat_map(|p| p.data.clone()).collect();
    let got: Vec<Vec<u8>> = data.into_iter().map(|(_, d)| d).collect();
    assert_eq!(got, sent);
}
