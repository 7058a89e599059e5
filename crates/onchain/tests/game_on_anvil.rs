//! The dispute game end to end on anvil with the local chain (anvil + verdict's L2 node, blocks
//! batched to L1): the game contracts deployed over RPC; a proposer posts a WRONG output root and
//! its liar keeps defending its claims (output roots wrong from one block on, then a made-up
//! execution trace from a step that reads a keccak256 preimage); our challenger plays the honest
//! side with real transactions through the output bisection and the execution bisection of the
//! real fault proof program (`guests/build/claim.elf` in our RISC-V VM over the online host) down
//! to one step, which `RISCV.sol` accepts onchain after the challenger uploads the preimage. After
//! the clocks (anvil's time travel) the game resolves CHALLENGER_WINS and the bonds are paid as
//! `verdict-game` predicts, to the wei, in DelayedWETH's two phases. A second game with a CORRECT
//! proposal is left alone by the challenger and resolves DEFENDER_WINS.
//!
//! Needs anvil (scripts/install-deps.sh) and the claim guest (scripts/build-guests.sh); with
//! `CI=true` a missing one fails the test.

use alloy_primitives::{Address, U256};
use std::collections::BTreeMap;
use std::time::Instant;
use verdict_challenger::oracle::{load_for_step, SharedOracle};
use verdict_challenger::providers::riscv::RiscvStepper;
use verdict_contracts::bindings::IFaultDisputeGame;
use verdict_game::GameStatus;
use verdict_onchain::agent::Event;
use verdict_onchain::challenger::Challenger;
use verdict_onchain::l1::L1;
use verdict_onchain::load;
use verdict_onchain::testing::*;

fn status_of(l1: &L1, game: Address) -> u8 {
    l1.view(game, IFaultDisputeGame::statusCall {}).unwrap()
}

#[test]
fn a_wrong_proposal_is_disputed_to_an_onchain_step_and_lost_a_correct_one_is_left_alone() {
    let Some(bin) = verdict_node::testing::anvil_binary() else {
        return;
    };
    let Some(elf) = claim_elf() else { return };
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let mut chain = Chain::build(&bin, dir.path(), 8);
    eprintln!("chain built in {:.1?}", started.elapsed());

    // The contracts, with the real parameters but a small split depth and the execution depth of
    // one block's run.
    let games = Games::deploy(&chain, elf);
    let (d, params) = (games.deployment, games.params.clone());
    eprintln!("deployed: {d:?}");

    // The liar proposes a wrong root at block 6; an honest proposer the right one at block 5.
    let mut liar_proposer = games.proposer(&chain, "liar", true);
    let bad = liar_proposer.propose(ANCHOR + 4).unwrap();
    let mut honest_proposer = games.proposer(&chain, "honest proposer", false);
    let good = honest_proposer.propose(ANCHOR + 3).unwrap();
    assert_eq!(
        bad.root,
        verdict_onchain::proposer::wrong_root(chain.output(ANCHOR + 4))
    );
    assert_eq!(good.root, chain.output(ANCHOR + 3));
    // Out of the games' reach: at the anchor, or past 2^SPLIT_DEPTH blocks after it.
    assert!(honest_proposer.propose(ANCHOR).is_err());
    assert!(honest_proposer.propose(ANCHOR + 5).is_err());

    // The challenger, and the liar defending its proposal from block 4 on.
    let cfg = games.challenger_config(&chain, &chain.anvil.url, dir.path().join("challenger"));
    let mut challenger = Challenger::new(cfg).unwrap();
    assert_eq!(challenger.absolute_prestate(), games.prestate);
    let mut liar = games.liar(&chain, "liar", ANCHOR + 2, ANCHOR + 4);
    let liar_l1 = L1::new(&chain.anvil.url, account_key("liar"), client()).unwrap();

    // Play until neither side has anything to do.
    let play_start = Instant::now();
    let mut honest_events: Vec<(Address, Event)> = Vec::new();
    let mut liar_events: Vec<Event> = Vec::new();
    for round in 0.. {
        assert!(round < 200, "the game does not settle");
        let lev = liar.tick(bad.game);
        let hev = challenger.tick().unwrap();
        let done = !lev.iter().any(acted) && !hev.iter().any(|(_, e)| acted(e));
        liar_events.extend(lev);
        honest_events.extend(hev);
        if done {
            break;
        }
    }
    let play_time = play_start.elapsed();
    let honest_moves = honest_events
        .iter()
        .filter(|(_, e)| matches!(e, Event::Moved { .. }))
        .count();
    let liar_moves = liar_events
        .iter()
        .filter(|e| matches!(e, Event::Moved { .. }))
        .count();
    eprintln!("played in {play_time:.1?}: {honest_moves} honest moves, {liar_moves} liar moves");
    let g = load::load(&liar_l1, bad.game).unwrap();
    for (i, c) in g.game.claims().iter().enumerate() {
        let who = if c.claimant == challenger.address() {
            "honest"
        } else {
            "liar"
        };
        eprintln!(
            "claim {i}: parent {} depth {} {who} countered by {}",
            c.parent_index as i64,
            c.position.depth(),
            g.countered[i]
        );
    }

    // The challenger never touched the correct proposal.
    assert!(honest_events.iter().all(|(g, _)| *g != good.game));
    let g2 = load::load(&liar_l1, good.game).unwrap();
    assert_eq!(
        g2.game.claims().len(),
        1,
        "the correct proposal is left alone"
    );

    // The decisive step: the challenger's, onchain, against a leaf of the liar, reading the
    // keccak256 preimage it uploaded first.
    let steps: Vec<_> = honest_events
        .iter()
        .filter_map(|(_, e)| match e {
            Event::Stepped {
                leaf,
                is_attack,
                preimage,
                data,
                gas,
            } => Some((*leaf, *is_attack, *preimage, data.clone(), *gas)),
            _ => None,
        })
        .collect();
    assert_eq!(steps.len(), 1, "one step: {honest_events:?}");
    let (leaf, is_attack, preimage, step_data, step_gas) = steps[0].clone();
    let key = preimage.expect("the step reads a preimage");
    assert_eq!(key[0], 2, "a keccak256 preimage");
    assert!(honest_events
        .iter()
        .any(|(_, e)| matches!(e, Event::Uploaded { key: k, .. } if *k == key)));
    let g = load::load(&liar_l1, bad.game).unwrap();
    let max_depth = g.game.config().max_game_depth;
    assert_eq!(g.game.claims()[leaf].position.depth(), max_depth);
    assert_eq!(
        g.countered[leaf],
        challenger.address(),
        "RISCV.sol accepted the step"
    );
    assert_eq!(g.game.claims()[leaf].claimant, liar_l1.address());
    // Both bisections were played: claims at every depth down to the leaves.
    for depth in 1..=max_depth {
        assert!(
            g.game.claims().iter().any(|c| c.position.depth() == depth),
            "no claim at depth {depth}"
        );
    }
    eprintln!(
        "game 1: {} claims, step against claim {leaf} ({}), {step_gas} gas",
        g.game.claims().len(),
        if is_attack { "attack" } else { "defense" }
    );

    // The engine's prediction: the game replayed, the step verified by the stateless verifier
    // over the preimage the challenger uploaded.
    let mut mirror = load_without_steps(&liar_l1, bad.game);
    let oracle = SharedOracle::default();
    let stepper = RiscvStepper {
        oracle: oracle.clone(),
        game_address: bad.game,
    };
    load_for_step(&oracle, &mirror, bad.game, leaf, &step_data).unwrap();
    mirror
        .step(
            leaf,
            is_attack,
            &step_data.state_data,
            &step_data.proof,
            challenger.address(),
            &stepper,
        )
        .expect("the stateless verifier accepts the challenger's step");

    // The clocks run out: the L2 node stops (its sequencer would build the days), time travels.
    chain.stop_node();
    let max_clock = params.max_clock_duration;
    time_travel(&chain.anvil, max_clock + 1);
    let ev = challenger.tick().unwrap();
    let resolved_claims = ev
        .iter()
        .filter(|(_, e)| matches!(e, Event::ResolvedClaim { .. }))
        .count();
    eprintln!("resolved {resolved_claims} claims");
    assert_eq!(status_of(&liar_l1, bad.game), 1, "CHALLENGER_WINS");
    assert_eq!(status_of(&liar_l1, good.game), 2, "DEFENDER_WINS");

    // The engine resolves the same way at the same time.
    let resolved_at: u64 = liar_l1
        .view(bad.game, IFaultDisputeGame::resolvedAtCall {})
        .unwrap();
    for i in (0..mirror.claims().len()).rev() {
        mirror.resolve_claim(i, 0, resolved_at).unwrap();
    }
    assert_eq!(
        mirror.resolve(resolved_at).unwrap(),
        GameStatus::ChallengerWins
    );
    let mut accounts: Vec<Address> = mirror.claims().iter().map(|c| c.claimant).collect();
    accounts.push(challenger.address());
    accounts.sort();
    accounts.dedup();
    let mut predicted = BTreeMap::new();
    for a in &accounts {
        let onchain: U256 = liar_l1
            .view(
                bad.game,
                IFaultDisputeGame::normalModeCreditCall { recipient: *a },
            )
            .unwrap();
        assert_eq!(onchain, U256::from(mirror.credit(a)), "credit of {a}");
        predicted.insert(*a, mirror.credit(a));
    }
    let total: u128 = mirror.claims().iter().map(|c| c.bond).sum();
    assert_eq!(
        predicted[&challenger.address()],
        total,
        "the challenger wins every bond"
    );
    assert_eq!(predicted.get(&liar_l1.address()).copied().unwrap_or(0), 0);

    // Payouts: after the finality delay the first claim unlocks, after the WETH delay the second
    // pays; the liar gets nothing, the honest proposer its bond back.
    time_travel(&chain.anvil, params.finality_delay + 1);
    let ev = challenger.tick().unwrap();
    assert!(ev
        .iter()
        .any(|(g, e)| *g == bad.game && matches!(e, Event::Unlocked { .. })));
    honest_proposer.settle().unwrap();
    time_travel(&chain.anvil, params.weth_delay + 1);
    let before = challenger_balance(&liar_l1, challenger.address());
    let ev = challenger.tick().unwrap();
    let paid: Vec<U256> = ev
        .iter()
        .filter_map(|(g, e)| match e {
            Event::Paid { amount } if *g == bad.game => Some(*amount),
            _ => None,
        })
        .collect();
    assert_eq!(paid, vec![U256::from(total)], "{ev:?}");
    let after = challenger_balance(&liar_l1, challenger.address());
    assert!(after > before, "the challenger was paid");
    let ev = honest_proposer.settle().unwrap();
    assert!(
        ev.iter().any(|(g, e)| *g == good.game
            && matches!(e, Event::Paid { amount } if *amount == params.init_bond)),
        "{ev:?}"
    );
    let ev = liar_proposer.settle().unwrap();
    assert!(!ev.iter().any(|(_, e)| matches!(e, Event::Paid { .. })));
    // Everything the challenger plays is done.
    challenger.tick().unwrap();
    assert!(challenger
        .progress()
        .games
        .values()
        .all(|p| p.state == verdict_onchain::progress::GameState::Done));
    eprintln!("test done in {:.1?}", started.elapsed());
}

fn challenger_balance(l1: &L1, who: Address) -> U256 {
    l1.balance(who).unwrap()
}

/// The game at `game` replayed from the chain without its steps (every leaf uncountered).
fn load_without_steps(l1: &L1, game: Address) -> verdict_game::Game {
    // Steps are recorded by `load` while the game is in progress; rebuild from the claims alone.
    let g = load::load(l1, game).unwrap();
    let mut fresh = verdict_game::Game::new(
        g.game.config().clone(),
        g.game.starting_output(),
        g.game.claims()[0].claim,
        g.game.l2_block_number(),
        l1.view(game, IFaultDisputeGame::l1HeadCall {})
            .map(|h| verdict_game::Claim(h.0))
            .unwrap(),
        g.game.claims()[0].claimant,
        g.game.claims()[0].bond,
        g.game.claims()[0].clock.timestamp,
    )
    .unwrap();
    for (i, c) in g.game.claims().iter().enumerate().skip(1) {
        let p = c.parent().unwrap();
        let is_attack = c.position == fresh.claims()[p].position.move_to(true);
        let disputed = fresh.claims()[p].claim;
        let j = fresh
            .move_claim(
                disputed,
                p,
                c.claim,
                is_attack,
                c.claimant,
                c.bond,
                c.clock.timestamp,
            )
            .unwrap();
        assert_eq!(i, j);
    }
    fresh
}

/// A dispute over a block whose batch came in a blob, decided by a step that reads a blob field
/// element: the challenger proves it to the PreimageOracle with a KZG proof it computes from the
/// blob in its host's store (`loadBlobPreimagePart`, checked by the point-evaluation
/// precompile), and `RISCV.sol` accepts the step.
#[test]
fn a_step_reading_a_blob_field_element_is_proven_onchain() {
    let Some(bin) = verdict_node::testing::anvil_binary() else {
        return;
    };
    let Some(elf) = claim_elf() else { return };
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    // Blocks 5 to 8 are batched in a blob; a run of the program over one of them takes more
    // steps than one over a block in calldata.
    let mut chain = Chain::build(&bin, dir.path(), 8);
    let games = Games::deploy_with_depth(&chain, elf, 27);
    let mut liar_proposer = games.proposer(&chain, "liar", true);
    let bad = liar_proposer.propose(ANCHOR + 4).unwrap();
    let cfg = games.challenger_config(&chain, &chain.anvil.url, dir.path().join("challenger"));
    let mut challenger = Challenger::new(cfg).unwrap();
    let initial = games.initial.clone();
    let mut liar = Liar::lying_at(
        &chain,
        initial,
        "liar",
        ANCHOR + 3,
        ANCHOR + 4,
        "blob",
        false,
    );
    let mut honest_events = Vec::new();
    for round in 0.. {
        assert!(round < 200, "the game does not settle");
        let lev = liar.tick(bad.game);
        let hev = challenger.tick().unwrap();
        let done = !lev.iter().any(acted) && !hev.iter().any(|(_, e)| acted(e));
        honest_events.extend(hev.into_iter().map(|(_, e)| e));
        if done {
            break;
        }
    }
    let (blob_key, gas) = honest_events
        .iter()
        .find_map(|e| match e {
            Event::Stepped {
                preimage: Some(k),
                gas,
                ..
            } => Some((*k, *gas)),
            _ => None,
        })
        .expect("the challenger stepped on a preimage read");
    assert_eq!(blob_key[0], 5, "a blob field element");
    let upload_gas = honest_events
        .iter()
        .find_map(|e| match e {
            Event::Uploaded { key, gas, .. } if *key == blob_key => Some(*gas),
            _ => None,
        })
        .expect("the blob part was uploaded");
    let g = load::load(&liar.l1, bad.game).unwrap();
    let leaf = g.game.claims().len() - 1;
    assert_eq!(
        g.countered[leaf],
        challenger.address(),
        "RISCV.sol accepted the step"
    );
    eprintln!(
        "blob step: {gas} gas, the blob part's upload {upload_gas} gas; {} claims",
        g.game.claims().len()
    );
    chain.stop_node();
    time_travel(&chain.anvil, games.params.max_clock_duration + 1);
    challenger.tick().unwrap();
    let status: u8 = liar
        .l1
        .view(bad.game, IFaultDisputeGame::statusCall {})
        .unwrap();
    assert_eq!(status, 1, "CHALLENGER_WINS");
    eprintln!("test done in {:.1?}", started.elapsed());
}
