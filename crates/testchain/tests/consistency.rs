//! Every kind's world is self-consistent: its L2 chain is re-derived from its L1 data by
//! verdict-derive's pipeline and re-executed by crates/program, both reading only the world's
//! preimages (as a program does), from genesis and from each claim's agreed block; every block
//! hash is the sequencer's and the valid claim's root is what that reproduces.

mod common;

use alloy_primitives::{keccak256, B256};
use std::time::Instant;
use verdict_derive::batch::validity::InvalidBatch;
use verdict_derive::log::DropReason;
use verdict_derive::pipeline::start_block_number;
use verdict_derive::{DeriveError, Pipeline};
use verdict_testchain::fixture::{generate, Kind};
use verdict_testchain::l2::{message_passer_root, L2Block, L2Chain};
use verdict_testchain::world::program_attributes;
use verdict_testchain::{ClaimFixture, Expected, PreimageL1, PreimageMap, World};

/// The L2 chain up to the block with `hash`, read back from the preimages as a program reads it.
fn l2_from_preimages(world: &World, hash: B256) -> L2Chain {
    let pre = &world.preimages;
    let mut hashes = vec![hash];
    loop {
        let h = pre.header(*hashes.last().unwrap()).unwrap();
        if h.number == 0 {
            break;
        }
        hashes.push(h.parent_hash);
    }
    hashes.reverse();
    let genesis = pre.header(hashes[0]).unwrap();
    let root = message_passer_root(pre, genesis.state_root).unwrap();
    let mut chain = L2Chain::genesis(&world.cfg, genesis, root);
    for hash in &hashes[1..] {
        let header = pre.header(*hash).unwrap();
        let txs = pre
            .ordered_trie(header.transactions_root)
            .unwrap()
            .into_iter()
            .map(Into::into)
            .collect();
        let root = message_passer_root(pre, header.state_root).unwrap();
        let sc = chain.head().system_config;
        chain
            .blocks
            .push(L2Block::new(&world.cfg, header, txs, vec![], root, &sc).unwrap());
    }
    chain
}

/// Derives and executes from the block with `agreed` (by hash) up to `stop` or the end of L1 at
/// `l1_head`; every block must be the sequencer's. Returns the chain reached.
fn derive_from(world: &World, agreed: B256, l1_head: B256, stop: u64) -> L2Chain {
    let pre: &PreimageMap = &world.preimages;
    let l2 = l2_from_preimages(world, agreed);
    let safe = l2.head().block_ref;
    let from = safe.number;
    let start = start_block_number(&world.cfg, &safe);
    let mut p = Pipeline::new(
        world.cfg.clone(),
        PreimageL1::new(pre, l1_head).unwrap(),
        PreimageL1::new(pre, l1_head).unwrap(),
        l2,
        PreimageL1::new(pre, l1_head).unwrap(),
        safe,
        start,
    )
    .unwrap();
    let nodes = pre.nodes();
    while p.safe_head().number < stop {
        let derived = match p.next_attributes() {
            Ok(d) => d,
            Err(DeriveError::EndOfL1) => break,
            Err(e) => panic!("derivation: {e}"),
        };
        for d in p.take_drops().0 {
            // Only Holocene's activation; from a later agreed block also the batches of the
            // blocks up to it, read again.
            let behind = matches!(
                d.reason,
                DropReason::InvalidBatch(
                    InvalidBatch::PastTimestamp | InvalidBatch::BehindSafeHead
                )
            );
            assert!(
                d.reason == DropReason::HoloceneActivation || (behind && from > 0),
                "unexpected drop {d:?}"
            );
        }
        let parent = p.l2_mut().head().clone();
        let block = verdict_program::execute_block(
            &nodes,
            &world.exec,
            &parent.header,
            &program_attributes(&derived.attributes),
        )
        .unwrap();
        let n = block.header.number;
        let expected = world.l2.block(n).expect("the sequencer's block");
        assert_eq!(
            block.hash, expected.hash,
            "block {n} differs from the sequencer's"
        );
        let root = message_passer_root(pre, block.header.state_root).unwrap();
        let b = L2Block::new(
            &world.cfg,
            block.header,
            derived.attributes.transactions,
            block.receipts,
            root,
            &parent.system_config,
        )
        .unwrap();
        assert_eq!(b.output_root, expected.output_root);
        let r = b.block_ref;
        p.l2_mut().blocks.push(b);
        p.advance(r);
    }
    p.l2_mut().clone()
}

/// What a program concludes from a claim over the world: the output root it reaches.
fn judge(world: &World, c: &ClaimFixture) -> B256 {
    if c.claimed_l2_block_number <= c.agreed_l2_block_number {
        return c.agreed_l2_output_root;
    }
    let preimage = world.preimages.keccak(c.agreed_l2_output_root).unwrap();
    assert_eq!(preimage.len(), 128);
    assert_eq!(keccak256(preimage), c.agreed_l2_output_root);
    let agreed = B256::from_slice(&preimage[96..]);
    let chain = derive_from(world, agreed, c.l1_head, c.claimed_l2_block_number);
    let head = chain.head();
    assert!(head.header.number <= c.claimed_l2_block_number);
    head.output_root
}

fn check(kind: Kind, seed: u64) -> World {
    let start = Instant::now();
    let (world, [valid, invalid]) = generate(kind, seed).unwrap();
    let built = start.elapsed();
    // The whole chain from genesis with the whole L1: every batched block, and no more.
    let head = world.l1_head().hash_slow();
    let last = world.l2.head().header.number;
    let chain = derive_from(&world, world.l2.blocks[0].hash, head, u64::MAX);
    assert_eq!(
        chain.head().header.number,
        last,
        "derived up to the last block"
    );
    assert_eq!(world.safe_head_at(world.l1_head().number), last);
    // The claims.
    assert_eq!(valid.expected, Expected::Valid);
    assert_eq!(invalid.expected, Expected::Invalid);
    let reached = judge(&world, &valid);
    assert_eq!(
        reached, valid.claimed_l2_output_root,
        "{}",
        valid.description
    );
    assert_ne!(
        reached, invalid.claimed_l2_output_root,
        "{}",
        invalid.description
    );
    for c in [&valid, &invalid] {
        assert_eq!(ClaimFixture::from_json(&c.to_json()).unwrap(), *c);
    }
    eprintln!(
        "{}: {} L1 blocks, {} L2 blocks, {} preimages, built in {built:?}, checked in {:?}; {:?}",
        kind.name(),
        world.l1.headers.len(),
        world.l2.blocks.len(),
        world.preimages.0.len(),
        start.elapsed() - built,
        world.features
    );
    world
}

#[test]
fn one_block() {
    if !common::fixtures_present() {
        return;
    }
    for seed in 1..=3 {
        check(Kind::OneBlock, seed);
    }
}

#[test]
fn hundred_blocks() {
    if !common::fixtures_present() {
        return;
    }
    let w = check(Kind::HundredBlocks, 1);
    for f in [
        "span batch",
        "singular batch",
        "brotli",
        "zlib",
        "blob",
        "calldata",
        "deposit",
    ] {
        assert!(w.features.contains(f), "no {f}");
    }
}

#[test]
fn fork() {
    if !common::fixtures_present() {
        return;
    }
    let w = check(Kind::Fork, 1);
    assert!(w.features.contains("Holocene activation"));
    assert!(w.features.contains("Isthmus activation"));
    // The Isthmus upgrade transactions are in the activation block.
    let isthmus = w.cfg.isthmus_time.unwrap();
    let b =
        w.l2.blocks
            .iter()
            .find(|b| b.header.timestamp == isthmus)
            .unwrap();
    assert!(
        b.transactions.len() >= 9,
        "L1 info and 8 upgrade transactions"
    );
}

#[test]
fn l1_short() {
    if !common::fixtures_present() {
        return;
    }
    let (world, [valid, _]) = generate(Kind::L1Short, 1).unwrap();
    let h = world.preimages.header(valid.l1_head).unwrap().number;
    let safe = world.safe_head_at(h);
    assert!(safe < valid.claimed_l2_block_number);
    assert_eq!(
        valid.claimed_l2_output_root,
        world.output_root(safe).unwrap()
    );
    check(Kind::L1Short, 1);
}

#[test]
fn blobs() {
    if !common::fixtures_present() {
        return;
    }
    let w = check(Kind::Blobs, 1);
    assert!(w.features.contains("blob"));
    assert!(!w.features.contains("calldata"));
}

#[test]
fn at_or_below() {
    if !common::fixtures_present() {
        return;
    }
    for seed in 0..3 {
        check(Kind::AtOrBelow, seed);
    }
}

#[test]
fn granite() {
    if !common::fixtures_present() {
        return;
    }
    let w = check(Kind::Granite, 1);
    assert!(!w
        .cfg
        .is_active(verdict_derive::Fork::Holocene, w.l2.head().header.timestamp));
}

#[test]
fn fixtures_are_deterministic_and_read_back() {
    if !common::fixtures_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let write = |sub: &str| {
        let (world, claims) = generate(Kind::Blobs, 7).unwrap();
        claims[1]
            .write(&dir.path().join(sub), &world.preimages)
            .unwrap();
        (world, claims)
    };
    let (world, claims) = write("a");
    write("b");
    for f in ["claim.json", "preimages.json"] {
        let a = std::fs::read(dir.path().join("a").join(f)).unwrap();
        let b = std::fs::read(dir.path().join("b").join(f)).unwrap();
        assert!(a == b, "{f} differs between two runs");
    }
    let (claim, pre) = ClaimFixture::load(&dir.path().join("a")).unwrap();
    assert_eq!(claim, claims[1]);
    assert!(
        pre == world.preimages,
        "preimages.json reads back as written"
    );
    // Another seed gives another world.
    let (other, _) = generate(Kind::Blobs, 8).unwrap();
    assert_ne!(other.l2.head().hash, world.l2.head().hash);
}
