//! The follower on a chain built on a real anvil: the stand-in sequencer builds L2 blocks on L1
//! origins read over RPC (deposits and config updates from the contracts included), the stand-in
//! node serves them, the batcher reads them from the node over RPC and posts them (calldata and
//! blobs, singular and span batches, zlib and brotli), and the follower derives the chain from
//! anvil and checks every block against the node's, attributes and executed hash.

mod common;

use alloy_primitives::{Address, U256};
use verdict_derive::generator::recording::Recording;
use verdict_derive::generator::CodeStore;
use verdict_l1::anvil::require_for_test;
use verdict_l1::batcher::{Batcher, BatcherConfig};
use verdict_l1::chain::{deposit_tx, ConfigChange, Deposit};
use verdict_l1::follow::{FollowOptions, Follower};
use verdict_l1::l2::L2Client;
use verdict_l1::proposer::output_at;
use verdict_l1::record::record;
use verdict_l1::testing::{FakeL2Node, NodeState};

#[test]
fn the_follower_derives_the_sequencers_chain_from_anvil() {
    if require_for_test("the_follower_derives_the_sequencers_chain_from_anvil").is_none() {
        return;
    }
    let started = std::time::Instant::now();
    let mut local = common::Local::start(7);
    let node = FakeL2Node::start(NodeState {
        chain_id: local.sequencer.cfg.l2_chain_id,
        blocks: local.sequencer.blocks(),
        safe: 0,
        roots: vec![],
    })
    .unwrap();
    let l2 = L2Client::new(&node.url()).unwrap();
    let mut batcher = Batcher::new(BatcherConfig::for_rollup(&local.sequencer.cfg), 0);
    let wallet = local.l1.wallet(&local.keys.batcher).unwrap();
    let user = local.l1.wallet(&local.keys.user).unwrap();
    let owner = local.l1.wallet(&local.keys.owner).unwrap();
    let recipient: Address =
        verdict_testchain::genesis::alloc(verdict_l1::testing::CHAIN)[0].address;
    let mut next = 1u64;
    let mut channels = Vec::new();
    for round in 0..8u64 {
        local.sequence(true);
        {
            let mut st = node.state.lock().unwrap();
            st.blocks = local.sequencer.blocks();
            st.roots = local.sequencer.roots();
        }
        // Deposits and config updates for the next L1 block.
        local.rt.block_on(async {
            if round % 2 == 0 {
                let d = Deposit {
                    to: recipient,
                    mint: U256::from(10u64).pow(U256::from(17u64)),
                    value: U256::from(round),
                    gas_limit: 100_000,
                    ..Default::default()
                };
                local
                    .l1
                    .send(
                        &user,
                        deposit_tx(local.deployment.deposit_contract_address, &d),
                        "deposit",
                    )
                    .await
                    .unwrap();
            }
            let change = match round {
                1 => Some(ConfigChange::GasLimit(32_000_000)),
                3 => Some(ConfigChange::EcotoneScalars(2_000, 700_000)),
                5 => Some(ConfigChange::Eip1559Params(100, 4)),
                6 => Some(ConfigChange::OperatorFee(10, 1_000)),
                _ => None,
            };
            if let Some(c) = change {
                local
                    .l1
                    .send(
                        &owner,
                        c.tx(local.deployment.l1_system_config_address),
                        "config update",
                    )
                    .await
                    .unwrap();
            }
            if let Some((ch, _)) = batcher
                .post_new_blocks(&local.l1, &wallet, &l2, &mut next)
                .await
                .unwrap()
            {
                channels.push((ch.blobs, ch.span, ch.compression, ch.blocks));
            }
        });
        local.mine();
    }
    let batched = next - 1;
    assert!(batched >= 30, "{batched} blocks batched");
    assert!(
        channels.iter().any(|c| c.0) && channels.iter().any(|c| !c.0),
        "{channels:?}"
    );
    assert!(
        channels.iter().any(|c| c.1) && channels.iter().any(|c| !c.1),
        "{channels:?}"
    );

    let l1 = local.l1.client.clone();
    let executor = local.sequencer.executor();
    let follower_l2 = l2.clone();
    let mut follower = Follower::new(&local.rollup_json, l1, l2)
        .unwrap()
        .with_executor(executor);
    let followed = follower.run(&FollowOptions::default(), |_| {}).unwrap();
    assert_eq!(
        followed.len() as u64,
        batched,
        "every batched block derived"
    );
    for (f, b) in followed.iter().zip(&local.sequencer.chain.blocks[1..]) {
        assert_eq!((f.number, f.hash), (b.header.number, b.hash));
    }
    // The config updates reached L2: the last block's gas limit and operator fee.
    let last = local.sequencer.chain.block(batched).unwrap();
    assert_eq!(last.header.gas_limit, 32_000_000);
    assert_eq!(last.system_config.ecotone_scalars(), (2_000, 700_000));
    let follow_time = started.elapsed();

    // The proposer's output root of the last block, checked against its parts.
    let o = local.rt.block_on(output_at(&follower_l2, batched)).unwrap();
    let last_block = local.sequencer.chain.block(batched).unwrap();
    assert_eq!(
        (o.output_root, o.block_hash),
        (last_block.output_root, last_block.hash)
    );

    // The same chain recorded from anvil and the node, and derived again in memory (the input of
    // the kona-derive differential): every block the node's, block for block.
    let l1_head = local.rt.block_on(local.l1.client.block_number()).unwrap();
    let l2 = L2Client::new(&node.url()).unwrap();
    let recording = record(
        &local.rollup_json,
        local.l1.client.clone(),
        &l2,
        l1_head,
        batched,
    )
    .unwrap();
    assert!(!recording.blobs.is_empty(), "blobs recorded");
    let text = recording.to_json();
    if let Some(path) = std::env::var_os("VERDICT_RECORD_OUT") {
        verdict_l1::devnet::write_atomic(std::path::Path::new(&path), text.as_bytes()).unwrap();
    }
    let read = Recording::from_json(text.as_bytes()).unwrap();
    assert_eq!(read.to_json(), text, "the recording round-trips");
    let scenario = read.scenario().unwrap();
    let derived = verdict_derive::generator::derive(&scenario, &CodeStore::default()).unwrap();
    assert_eq!(
        read.check_derived(&derived.attributes),
        Ok(batched as usize)
    );
    assert_eq!(
        derived.attributes.len() as u64,
        batched,
        "every recorded block derived"
    );
    eprintln!(
        "recording: {} L1 blocks, {} blobs, {} L2 blocks, {} bytes",
        read.l1.len(),
        read.blobs.len(),
        read.l2.len(),
        text.len()
    );
    eprintln!(
        "followed {} L2 blocks ({} channels) in {:.1} s",
        followed.len(),
        channels.len(),
        follow_time.as_secs_f64()
    );
}
