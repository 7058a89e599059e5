//! The challenger under faults, on anvil with the local chain, in one wrong-proposal game played
//! to the onchain step as in `game_on_anvil.rs`:
//! - bad input: a game of a type it does not play (registered in the factory under another type)
//!   is skipped with its reason kept; so is a game whose absolute prestate is not our program's;
//! - the L1 node failing (a proxy switched off): the round fails with an error naming the
//!   endpoint, the next one carries on;
//! - a reverted transaction (a move that exists already, sent again): refused with the node's
//!   reason, no error;
//! - a nonce gap (a transaction with the challenger's key at a later nonce sent behind its back):
//!   the challenger's next transaction fills it and both are mined;
//! - the challenger dropped mid-game and started again on its datadir: it resumes (the factory
//!   is not scanned again, the VM runs from the snapshots it wrote) and plays on;
//! - an L1 reorg (`anvil_reorg`) that drops the challenger's last move: it notices and moves again;
//!
//! and the honest side still wins, with every bond of the game paid to the challenger.

use alloy_primitives::{FixedBytes, U256};
use serde_json::json;
use std::time::Instant;
use verdict_challenger::actors::Action;
use verdict_contracts::bindings::{IDisputeGameFactory, IFaultDisputeGame};
use verdict_onchain::agent::{self, Event};
use verdict_onchain::challenger::Challenger;
use verdict_onchain::l1::L1;
use verdict_onchain::load;
use verdict_onchain::progress::GameState;
use verdict_onchain::testing::*;

#[test]
fn the_honest_side_wins_through_bad_games_rpc_failures_reverts_a_nonce_gap_a_restart_and_a_reorg() {
    let Some(bin) = verdict_node::testing::anvil_binary() else {
        return;
    };
    let Some(elf) = claim_elf() else { return };
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let mut chain = Chain::build(&bin, dir.path(), 8);
    let games = Games::deploy(&chain, elf);
    let d = games.deployment;
    let mut liar_proposer = games.proposer(&chain, "liar", true);
    let bad = liar_proposer.propose(ANCHOR + 4).unwrap();

    // Bad input: the same implementation registered as game type 7 (which we do not play), and
    // a game of type 2 whose implementation has another absolute prestate.
    let deployer = &games.deployer;
    let unknown_type = 7u32;
    deployer
        .transact(
            d.factory,
            IDisputeGameFactory::setImplementationCall {
                gameType: unknown_type,
                r#impl: d.implementation,
            },
            U256::ZERO,
        )
        .unwrap();
    let liar_l1 = L1::new(&chain.anvil.url, account_key("liar"), client()).unwrap();
    let extra = |b: u64| U256::from(b).to_be_bytes::<32>().to_vec();
    liar_l1
        .transact(
            d.factory,
            IDisputeGameFactory::createCall {
                gameType: unknown_type,
                rootClaim: FixedBytes([7; 32]),
                extraData: extra(ANCHOR + 1).into(),
            },
            U256::ZERO,
        )
        .unwrap();
    let mut other = games.params.clone();
    other.absolute_prestate = [0x03; 32];
    other.game_type = 8;
    let other_impl =
        verdict_onchain::deploy::deploy_implementation(deployer, &other, d.vm, d.weth, d.registry)
            .unwrap();
    deployer
        .transact(
            d.factory,
            IDisputeGameFactory::setImplementationCall {
                gameType: 8,
                r#impl: other_impl,
            },
            U256::ZERO,
        )
        .unwrap();
    liar_l1
        .transact(
            d.factory,
            IDisputeGameFactory::createCall {
                gameType: 8,
                rootClaim: FixedBytes([8; 32]),
                extraData: extra(ANCHOR + 1).into(),
            },
            U256::ZERO,
        )
        .unwrap();

    // The challenger talks to L1 through a proxy that fails on demand.
    let proxy = Proxy::start(&chain.anvil.url);
    let datadir = dir.path().join("challenger");
    let mut cfg = games.challenger_config(&chain, &proxy.url, datadir.clone());
    cfg.game_types.push(8);
    let mut challenger = Challenger::new(cfg.clone()).unwrap();
    let me = challenger.address();
    let mut liar = games.liar(&chain, "liar", ANCHOR + 2, ANCHOR + 4);

    let mut honest_events: Vec<Event> = Vec::new();
    let mut faults = Vec::new();
    for round in 0.. {
        assert!(round < 200, "the game does not settle");
        let lev = liar.tick(bad.game);
        match round {
            3 => {
                // The L1 node fails: the round fails naming it; the next one carries on.
                proxy.set(false);
                let err = challenger.tick().unwrap_err();
                assert!(err.contains(&proxy.url), "{err}");
                proxy.set(true);
                faults.push(format!("RPC failure: {err}"));
            }
            5 => {
                // A reverted transaction: the challenger's first move, sent again.
                let g = load::load(&liar_l1, bad.game).unwrap();
                let first = g.game.claims()[1];
                let stale = Action::Move {
                    parent: 0,
                    disputed: g.game.claims()[0].claim,
                    claim: first.claim,
                    is_attack: true,
                };
                let (_, now) = liar_l1.head().unwrap();
                let me_l1 = L1::new(&chain.anvil.url, account_key("challenger"), client()).unwrap();
                let mut ev = Vec::new();
                agent::play(&me_l1, &g, vec![stale], now, None, &mut ev).unwrap();
                assert!(
                    matches!(&ev[..], [Event::Refused { reason, .. }] if reason.contains("revert")),
                    "{ev:?}"
                );
                faults.push(format!("reverted: {}", ev[0]));
            }
            7 => {
                // A nonce gap: a transfer at nonce + 1 with the challenger's key, behind its back.
                let n: String = serde_json::from_value(rpc(
                    &chain.anvil,
                    "eth_getTransactionCount",
                    json!([me, "latest"]),
                ))
                .unwrap();
                let n = u64::from_str_radix(n.trim_start_matches("0x"), 16).unwrap();
                let raw = gap_transfer(account_key("challenger"), n + 1);
                rpc(&chain.anvil, "eth_sendRawTransaction", json!([raw]));
                faults.push(format!("nonce gap at {}", n));
            }
            9 => {
                // Killed and started again on the same datadir.
                drop(challenger);
                challenger = Challenger::new(cfg.clone()).unwrap();
                assert_eq!(
                    challenger.progress().next_index,
                    3,
                    "resumed, not rescanned"
                );
                faults.push("restarted".into());
            }
            _ => {}
        }
        let hev = challenger.tick().unwrap();
        let mut hev: Vec<Event> = hev.into_iter().map(|(_, e)| e).collect();
        if round == 11 {
            // A reorg drops the block of the challenger's last move.
            let moved = hev.iter().any(|e| matches!(e, Event::Moved { .. }));
            assert!(moved, "the challenger moved in round 11: {hev:?}");
            let before = load::load(&liar_l1, bad.game).unwrap().game.claims().len();
            rpc(&chain.anvil, "anvil_reorg", json!([1, []]));
            let after = load::load(&liar_l1, bad.game).unwrap().game.claims().len();
            assert_eq!(after + 1, before, "the reorg dropped the move");
            faults.push(format!("reorg: {before} claims, then {after}"));
            hev.retain(|e| !matches!(e, Event::Moved { .. }));
        }
        let done = round != 11 && !lev.iter().any(acted) && !hev.iter().any(acted);
        honest_events.extend(hev);
        if done {
            break;
        }
    }
    for f in &faults {
        eprintln!("fault: {f}");
    }
    assert_eq!(faults.len(), 5);

    // After the restart, the execution trace went on from the snapshots on disk.
    eprintln!(
        "snapshots read back after the restart: {}",
        challenger.snapshots_loaded()
    );
    assert!(challenger.snapshots_loaded() > 0);

    // Bad games were skipped, with their reasons kept.
    let p = challenger.progress();
    let skipped: Vec<_> = p
        .games
        .values()
        .filter(|g| g.state == GameState::Skipped)
        .map(|g| g.reason.clone().unwrap_or_default())
        .collect();
    assert_eq!(skipped.len(), 2, "{p:?}");
    assert!(
        skipped.iter().any(|r| r.contains("game type 7")),
        "{skipped:?}"
    );
    assert!(
        skipped.iter().any(|r| r.contains("absolute prestate")),
        "{skipped:?}"
    );

    // The nonce gap was filled: the transfer behind the challenger's back was mined, nothing of
    // the challenger's waits in the pool.
    let count = |tag: &str| rpc(&chain.anvil, "eth_getTransactionCount", json!([me, tag]));
    assert_eq!(count("latest"), count("pending"));
    // The challenger stepped, and RISCV.sol accepted it.
    assert!(honest_events
        .iter()
        .any(|e| matches!(e, Event::Stepped { .. })));
    let g = load::load(&liar_l1, bad.game).unwrap();
    let leaf = g.game.claims().len() - 1;
    assert_eq!(g.countered[leaf], me);

    // Resolution: the challenger wins every bond of the game.
    chain.stop_node();
    time_travel(&chain.anvil, games.params.max_clock_duration + 1);
    challenger.tick().unwrap();
    let status: u8 = liar_l1
        .view(bad.game, IFaultDisputeGame::statusCall {})
        .unwrap();
    assert_eq!(status, 1, "CHALLENGER_WINS");
    let total: u128 = g.game.claims().iter().map(|c| c.bond).sum();
    let credit: U256 = liar_l1
        .view(
            bad.game,
            IFaultDisputeGame::normalModeCreditCall { recipient: me },
        )
        .unwrap();
    assert_eq!(credit, U256::from(total), "no bond lost");
    eprintln!(
        "test done in {:.1?}: {} claims",
        started.elapsed(),
        g.game.claims().len()
    );
}

/// A signed transfer of 1 wei to itself with `key` at `nonce`.
fn gap_transfer(key: alloy_primitives::B256, nonce: u64) -> String {
    let sk = verdict_derive::encode::SigningKey::from_slice(key.as_slice()).unwrap();
    let to = verdict_derive::encode::key_address(&sk);
    let tx = alloy_consensus::TxEip1559 {
        chain_id: verdict_node::devnet::L1_CHAIN_ID,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: 100_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: alloy_primitives::TxKind::Call(to),
        value: U256::from(1),
        access_list: Default::default(),
        input: Default::default(),
    };
    verdict_node::txgen::sign_1559(&sk, tx).to_string()
}
