//! The Solidity dispute game (`DisputeGameFactory`, `AnchorStateRegistry`, `DelayedWETH`,
//! `FaultDisputeGame`) against `verdict-game`: seeded simulations (`verdict_challenger::sim`: the
//! honest solver against the simulator's adversaries, on `verdict-game`'s engine) are replayed
//! call by call on the EVM, with the block timestamp set to each call's time. Every call must
//! succeed or revert as the engine said (the same custom error), every new or changed claim must
//! read back as the engine's (claimant, bond, claim, position, clock, countered-by), the local
//! data a step would read must be what the engine computes, and after resolution the status,
//! every subgame, every credit, the bond distribution mode and the two-phase payouts through
//! DelayedWETH must be the engine's to the wei. Every eighth game is blacklisted before it closes,
//! so bonds are refunded (the engine's refund mode).
//!
//! Steps run on `ScriptedVM.sol`, which returns the post-state the engine's VM (the alphabet VM)
//! computed for exactly that state, proof and local context, so a wrong local context fails.
//!
//! `VERDICT_GAME_REPLAYS` sets how many games (default 300, the CI subset); the full run is
//! `VERDICT_GAME_REPLAYS=10000 cargo test -p verdict-contracts --release --test game_replay --
//! --nocapture` (BENCHMARKS.md).

use alloy_primitives::{keccak256, Address, FixedBytes, U256};
use alloy_sol_types::{SolCall, SolError};
use std::collections::BTreeMap;
use verdict_challenger::sim::{alphabet_game, Call, Report, SimConfig};
use verdict_contracts::bindings::{
    IAnchorStateRegistry, IDelayedWETH, IFaultDisputeGame as G, IPreimageOracle, IScriptedVM,
};
use verdict_contracts::{CallOutcome, GameDeployment, GameParams, TestEvm, VmKind};
use verdict_game::{alphabet, Claim, Game, GameError, GameStatus, Position, Wei};
use verdict_preimage::onchain::{localize_key, StepContext};

const DEPLOYER: Address = Address::repeat_byte(0xd0);
/// Who touches the game only to pay out and read (never a player).
const KEEPER: Address = Address::repeat_byte(0xee);
const WETH_DELAY: u64 = 7 * 86_400;
const FINALITY_DELAY: u64 = 302_400;

const LINEUPS: &[&[&str]] = &[
    &["wrong-proposer", "counter-honest", "random", "late"],
    &["wrong-proposer", "random", "late"],
    &["counter-honest", "random", "late"],
    &["wrong-proposer", "counter-honest"],
    &["random", "late"],
];

fn games() -> u64 {
    std::env::var("VERDICT_GAME_REPLAYS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300)
}

/// The simulator's accounts (0x00..01 to 0x00..05) are precompile addresses on the EVM: each
/// plays from the same address with its first byte set to 0xa0.
fn evm_addr(a: Address) -> Address {
    if a.is_zero() {
        return a;
    }
    let mut b = a.into_array();
    b[0] = 0xa0;
    Address::from(b)
}

fn word(c: Claim) -> FixedBytes<32> {
    FixedBytes(c.0)
}

fn panic_data(code: u8) -> Vec<u8> {
    let mut d = vec![0x4e, 0x48, 0x7b, 0x71];
    d.extend_from_slice(&U256::from(code).to_be_bytes::<32>());
    d
}

/// The revert data the contract must give for the engine's error (None: any revert).
fn expected_revert(e: &GameError) -> Option<Vec<u8>> {
    use GameError::*;
    Some(match e {
        GameNotInProgress => G::GameNotInProgress::SELECTOR.to_vec(),
        InvalidClaimIndex(_) => panic_data(0x32),
        InvalidDisputedClaimIndex => G::InvalidDisputedClaimIndex::SELECTOR.to_vec(),
        CannotDefendRootClaim => G::CannotDefendRootClaim::SELECTOR.to_vec(),
        L2BlockNumberChallenged => G::L2BlockNumberChallenged::SELECTOR.to_vec(),
        GameDepthExceeded => G::GameDepthExceeded::SELECTOR.to_vec(),
        UnexpectedRootClaim(c) => G::UnexpectedRootClaim {
            rootClaim: word(*c),
        }
        .abi_encode(),
        IncorrectBondAmount => G::IncorrectBondAmount::SELECTOR.to_vec(),
        ClockTimeExceeded => G::ClockTimeExceeded::SELECTOR.to_vec(),
        ClaimAlreadyExists => G::ClaimAlreadyExists::SELECTOR.to_vec(),
        InvalidParent => G::InvalidParent::SELECTOR.to_vec(),
        InvalidPrestate => G::InvalidPrestate::SELECTOR.to_vec(),
        ValidStep => G::ValidStep::SELECTOR.to_vec(),
        DuplicateStep => G::DuplicateStep::SELECTOR.to_vec(),
        ClaimAboveSplit => G::ClaimAboveSplit::SELECTOR.to_vec(),
        InvalidLocalIdent => G::InvalidLocalIdent::SELECTOR.to_vec(),
        ClockNotExpired => G::ClockNotExpired::SELECTOR.to_vec(),
        ClaimAlreadyResolved => G::ClaimAlreadyResolved::SELECTOR.to_vec(),
        OutOfOrderResolution => G::OutOfOrderResolution::SELECTOR.to_vec(),
        NoCreditToClaim => G::NoCreditToClaim::SELECTOR.to_vec(),
        GameNotFinalized => G::GameNotFinalized::SELECTOR.to_vec(),
        ArithmeticOverflow => panic_data(0x11),
        // The scripted VM has no post-state for a step the engine's VM refused.
        VmReverted(_) => return None,
        other => panic!("the simulator cannot produce {other}"),
    })
}

/// One game deployed and created on a fresh EVM.
struct Onchain {
    evm: TestEvm,
    d: GameDeployment,
    game: Address,
    block: u64,
    /// Calls replayed, and of them reverting ones.
    calls: u64,
    reverts: u64,
    /// Gas of the successful calls by function: count, sum, max.
    gas: BTreeMap<&'static str, (u64, u64, u64)>,
    /// The VM the game steps on.
    vm: VmKind,
}

/// The game function a calldata calls (for the gas table).
fn function_name(data: &[u8]) -> &'static str {
    let sel = data.get(..4).unwrap_or_default();
    for (s, name) in [
        (G::moveCall::SELECTOR, "move"),
        (G::stepCall::SELECTOR, "step"),
        (G::addLocalDataCall::SELECTOR, "addLocalData"),
        (G::resolveClaimCall::SELECTOR, "resolveClaim"),
        (G::resolveCall::SELECTOR, "resolve"),
        (G::closeGameCall::SELECTOR, "closeGame"),
        (G::claimCreditCall::SELECTOR, "claimCredit"),
    ] {
        if sel == s {
            return name;
        }
    }
    "other"
}

impl Onchain {
    fn at(&mut self, now: u64) {
        if now != self.evm.timestamp() {
            self.block += 1;
            self.evm.set_block(self.block, now);
        }
    }

    fn send(&mut self, from: Address, data: Vec<u8>, value: Wei) -> CallOutcome {
        self.calls += 1;
        let data_name = data.get(..4).unwrap_or_default().to_vec();
        let out = self
            .evm
            .call_value(evm_addr(from), self.game, data, U256::from(value))
            .expect("the EVM runs the transaction");
        match &out {
            CallOutcome::Success { gas_used, .. } => {
                let e = self.gas.entry(function_name(&data_name)).or_default();
                *e = (e.0 + 1, e.1 + gas_used, e.2.max(*gas_used));
            }
            _ => self.reverts += 1,
        }
        out
    }

    fn view<C: SolCall>(&mut self, to: Address, call: C) -> C::Return {
        match self.evm.call(KEEPER, to, call.abi_encode()).unwrap() {
            CallOutcome::Success { output, .. } => C::abi_decode_returns(&output).unwrap(),
            other => panic!("view {}: {other:?}", C::SIGNATURE),
        }
    }

    fn game_view<C: SolCall>(&mut self, call: C) -> C::Return {
        self.view(self.game, call)
    }
}

/// Deploys the contracts for `engine`'s parameters and creates its game as the simulator did.
fn deploy(engine: &Game, vm: VmKind, what: &str) -> Onchain {
    let cfg = engine.config();
    let root = engine.claims()[0];
    let mut evm = TestEvm::new();
    evm.set_block(1_000, engine.created_at() - 1_000);
    for who in [1u8, 2, 3, 4, 5] {
        evm.fund(
            evm_addr(Address::with_last_byte(who)),
            U256::from(10u128.pow(30)),
        );
    }
    let params = GameParams {
        game_type: cfg.game_type,
        absolute_prestate: cfg.absolute_prestate.0,
        max_game_depth: cfg.max_game_depth,
        split_depth: cfg.split_depth,
        clock_extension: cfg.clock_extension,
        max_clock_duration: cfg.max_clock_duration,
        oracle_challenge_period: cfg.oracle_challenge_period,
        l2_chain_id: cfg.l2_chain_id,
        weth_delay: WETH_DELAY,
        finality_delay: FINALITY_DELAY,
        starting_root: engine.starting_output().root.0,
        starting_block: engine.starting_output().l2_block_number,
        init_bond: U256::from(root.bond),
        vm,
    };
    let d = GameDeployment::deploy(&mut evm, DEPLOYER, &params).expect("deployed");
    evm.set_block(1_001, engine.created_at());
    let game = d
        .create_game(
            &mut evm,
            evm_addr(root.claimant),
            cfg.game_type,
            root.claim.0,
            engine.l2_block_number(),
            U256::from(root.bond),
        )
        .unwrap()
        .unwrap_or_else(|out| panic!("{what}: create: {out:?}"));
    Onchain {
        evm,
        d,
        game,
        block: 1_001,
        calls: 0,
        reverts: 0,
        gas: BTreeMap::new(),
        vm,
    }
}

/// The claim at `i` reads back as the engine's (countered by `countered`, the engine's final
/// value when None).
fn check_claim(o: &mut Onchain, engine: &Game, i: usize, countered: Option<Address>, what: &str) {
    let want = engine.claims()[i];
    let got = o.game_view(G::claimDataCall {
        index: U256::from(i),
    });
    assert_eq!(
        got.parentIndex, want.parent_index,
        "{what}: claim {i} parent"
    );
    assert_eq!(
        got.counteredBy,
        evm_addr(countered.unwrap_or(want.countered_by)),
        "{what}: claim {i} countered by"
    );
    assert_eq!(
        got.claimant,
        evm_addr(want.claimant),
        "{what}: claim {i} claimant"
    );
    assert_eq!(got.bond, want.bond, "{what}: claim {i} bond");
    assert_eq!(got.claim, word(want.claim), "{what}: claim {i} value");
    assert_eq!(
        got.position,
        want.position.raw(),
        "{what}: claim {i} position"
    );
    let clock = (u128::from(want.clock.duration) << 64) | u128::from(want.clock.timestamp);
    assert_eq!(got.clock, clock, "{what}: claim {i} clock");
}

/// The local data of the deepest claim below the split, loaded through `addLocalData`, reads
/// back from the oracle as the engine's local context says.
fn check_local_data(o: &mut Onchain, engine: &Game, what: &str) -> bool {
    let split = engine.config().split_depth;
    let Some(leaf) = (0..engine.claims().len())
        .filter(|&i| engine.claims()[i].position.depth() > split)
        .max_by_key(|&i| engine.claims()[i].position.depth())
    else {
        return false;
    };
    let ctx = engine.local_context(leaf).expect("a claim below the split");
    let l1_head = o.game_view(G::l1HeadCall {});
    let step_ctx = StepContext {
        local_context: ctx.uuid,
        caller: o.game.into_array(),
    };
    for ident in 1u64..=5 {
        let (value, size): ([u8; 32], usize) = match ident {
            1 => (l1_head.0, 32),
            2 => (ctx.starting.0, 32),
            3 => (ctx.disputed.0, 32),
            n => {
                let v = if n == 4 {
                    ctx.disputed_l2_block_number
                } else {
                    ctx.chain_id
                };
                let mut w = [0u8; 32];
                w[..8].copy_from_slice(&v.to_be_bytes());
                (w, 8)
            }
        };
        let out = o.send(
            Address::with_last_byte(1),
            G::addLocalDataCall {
                ident: U256::from(ident),
                execLeafIdx: U256::from(leaf),
                partOffset: U256::from(8),
            }
            .abi_encode(),
            0,
        );
        assert!(
            matches!(out, CallOutcome::Success { .. }),
            "{what}: addLocalData({ident}, {leaf}): {out:?}"
        );
        let mut ident_key = [0u8; 32];
        ident_key[0] = 1;
        ident_key[24..].copy_from_slice(&ident.to_be_bytes());
        let key = localize_key(&ident_key, &step_ctx);
        let oracle = o.d.oracle;
        let part = o.view(
            oracle,
            IPreimageOracle::readPreimageCall {
                key: FixedBytes(key),
                offset: U256::from(8),
            },
        );
        assert_eq!(
            part.datLen,
            U256::from(size),
            "{what}: local {ident} length"
        );
        assert_eq!(
            &part.dat.0[..size],
            &value[..size],
            "{what}: local {ident} value"
        );
    }
    // An unknown ident is refused.
    let out = o.send(
        Address::with_last_byte(1),
        G::addLocalDataCall {
            ident: U256::from(6),
            execLeafIdx: U256::from(leaf),
            partOffset: U256::ZERO,
        }
        .abi_encode(),
        0,
    );
    assert!(
        matches!(&out, CallOutcome::Revert { data, .. } if data.as_ref() == G::InvalidLocalIdent::SELECTOR),
        "{what}: {out:?}"
    );
    true
}

/// Loads the preimage part a step reads, as the stepper does first: local data through the
/// game's `addLocalData` (so it is bound to the game and the leaf's local context), keccak256
/// and sha256 preimages through the oracle's loaders.
fn load_preimage(
    o: &mut Onchain,
    by: Address,
    leaf: usize,
    p: &verdict_fpvm::PreimageWitness,
    what: &str,
) {
    let value = p.value.get(8..).unwrap_or_default().to_vec();
    let offset = U256::from(p.offset);
    let out = match p.key[0] {
        1 => {
            let ident = u64::from_be_bytes(p.key[24..].try_into().unwrap());
            o.send(
                by,
                G::addLocalDataCall {
                    ident: U256::from(ident),
                    execLeafIdx: U256::from(leaf),
                    partOffset: offset,
                }
                .abi_encode(),
                0,
            )
        }
        2 | 4 => {
            let data = if p.key[0] == 2 {
                IPreimageOracle::loadKeccak256PreimagePartCall {
                    partOffset: offset,
                    preimage: value.into(),
                }
                .abi_encode()
            } else {
                IPreimageOracle::loadSha256PreimagePartCall {
                    partOffset: offset,
                    preimage: value.into(),
                }
                .abi_encode()
            };
            let oracle = o.d.oracle;
            o.evm.call(evm_addr(by), oracle, data).unwrap()
        }
        t => panic!("{what}: no loader for key type {t}"),
    };
    assert!(
        matches!(out, CallOutcome::Success { .. }),
        "{what}: loading the preimage: {out:?}"
    );
}

/// Replays every logged call; returns whether local data was checked.
fn replay_calls(o: &mut Onchain, report: &Report, what: &str) -> bool {
    let engine = &report.game;
    let mut local_checked = false;
    let mut claims = 1usize;
    for (n, logged) in report.log.iter().enumerate() {
        o.at(logged.now);
        let what = format!("{what} call #{n} {:?}", logged.call);
        let (data, value) = match &logged.call {
            Call::Move {
                parent,
                disputed,
                claim,
                is_attack,
                value,
            } => (
                G::moveCall {
                    disputed: word(*disputed),
                    challengeIndex: U256::from(*parent),
                    claim: word(*claim),
                    isAttack: *is_attack,
                }
                .abi_encode(),
                *value,
            ),
            Call::Step {
                parent,
                is_attack,
                state_data,
                proof,
                local_context,
                post,
                preimage,
            } => {
                if let Some(p) = preimage {
                    load_preimage(o, logged.by, *parent, p, &what);
                }
                if let (VmKind::Scripted, Some(uuid), Some(post)) = (o.vm, local_context, post) {
                    let vm = o.d.vm;
                    let set = IScriptedVM::setPostCall {
                        stateData: state_data.clone().into(),
                        proof: proof.clone().into(),
                        localContext: FixedBytes(*uuid),
                        post: word(*post),
                    };
                    let out = o.evm.call(DEPLOYER, vm, set.abi_encode()).unwrap();
                    assert!(matches!(out, CallOutcome::Success { .. }), "{what}");
                }
                (
                    G::stepCall {
                        claimIndex: U256::from(*parent),
                        isAttack: *is_attack,
                        stateData: state_data.clone().into(),
                        proof: proof.clone().into(),
                    }
                    .abi_encode(),
                    0,
                )
            }
            Call::ResolveClaim { index } => {
                if !local_checked {
                    local_checked = check_local_data(o, engine, &what);
                }
                (
                    G::resolveClaimCall {
                        claimIndex: U256::from(*index),
                        numToResolve: U256::ZERO,
                    }
                    .abi_encode(),
                    0,
                )
            }
            Call::Resolve => (G::resolveCall {}.abi_encode(), 0),
        };
        let out = o.send(logged.by, data, value);
        match (&logged.result, &out) {
            (Ok(()), CallOutcome::Success { .. }) => {}
            (Err(e), CallOutcome::Revert { data, .. }) => {
                if let Some(want) = expected_revert(e) {
                    assert_eq!(
                        data.as_ref(),
                        want.as_slice(),
                        "{what}: the engine says {e}"
                    );
                } else if o.vm == VmKind::Scripted {
                    assert!(
                        data.starts_with(&IScriptedVM::UnknownStep::SELECTOR),
                        "{what}: the engine's VM refused, the contract reverts {data}"
                    );
                }
            }
            (want, got) => panic!("{what}: the engine says {want:?}, the contract {got:?}"),
        }
        if logged.result.is_ok() {
            match &logged.call {
                Call::Move { .. } => {
                    // Nobody has countered it yet.
                    check_claim(o, engine, claims, Some(Address::ZERO), &what);
                    claims += 1;
                }
                Call::Step { parent, .. } => {
                    // Countered by the stepper.
                    check_claim(o, engine, *parent, Some(logged.by), &what);
                }
                _ => {}
            }
        }
    }
    local_checked
}

/// The credit each account is paid in `refund` or normal mode, as the engine pays it.
fn engine_payouts(report: &Report, refund: bool) -> Vec<(Address, Wei)> {
    report
        .names
        .keys()
        .map(|a| {
            let mut g = report.resolved.clone();
            g.close_game(!refund).unwrap();
            (*a, g.claim_credit(*a).unwrap_or(0))
        })
        .collect()
}

#[derive(Default)]
struct Totals {
    games: u64,
    calls: u64,
    reverts: u64,
    claims: u64,
    steps: u64,
    defender_wins: u64,
    challenger_wins: u64,
    refunded: u64,
    local_checked: u64,
    paid: u128,
    gas: BTreeMap<&'static str, (u64, u64, u64)>,
}

fn replay(seed: u64, t: &mut Totals) {
    let lineup = LINEUPS[(seed % LINEUPS.len() as u64) as usize];
    let mut sim = SimConfig::small(seed, lineup);
    let shape = seed % 3;
    sim.game.split_depth = 3 + shape;
    sim.game.max_game_depth = 8 + 2 * shape;
    let report = alphabet_game(&sim).expect("game set up");
    assert_eq!(
        report.game.config().absolute_prestate,
        alphabet::absolute_prestate()
    );
    let what = format!("seed {seed} {lineup:?}");
    replay_report(&report, VmKind::Scripted, seed % 8 == 7, &what, t);
}

/// Replays a played game on freshly deployed contracts over `vm` and checks everything against
/// the engine; the game is blacklisted before it closes when `refund`.
fn replay_report(report: &Report, vm: VmKind, refund: bool, what: &str, t: &mut Totals) {
    let resolved = &report.resolved;
    let mut o = deploy(resolved, vm, what);

    // As created.
    assert_eq!(
        o.game_view(G::absolutePrestateCall {}),
        word(resolved.config().absolute_prestate)
    );
    let start = o.game_view(G::startingOutputRootCall {});
    assert_eq!(start.root, word(resolved.starting_output().root));
    assert_eq!(
        start.l2BlockNumber,
        U256::from(resolved.starting_output().l2_block_number)
    );
    assert_eq!(
        o.game_view(G::l2BlockNumberCall {}),
        U256::from(resolved.l2_block_number())
    );
    let max = resolved.config().max_game_depth;
    for depth in 0..=max {
        let p = Position::new(depth, 0);
        let bond = o.game_view(G::getRequiredBondCall { position: p.raw() });
        assert_eq!(
            bond,
            U256::from(resolved.required_bond(p).unwrap()),
            "{what}: bond at depth {depth}"
        );
    }

    t.local_checked += u64::from(replay_calls(&mut o, report, what));

    // Resolved as the engine.
    let status = o.game_view(G::statusCall {});
    assert_eq!(status, resolved.status() as u8, "{what}: status");
    assert_eq!(
        o.game_view(G::resolvedAtCall {}),
        resolved.resolved_at(),
        "{what}: resolvedAt"
    );
    let n = resolved.claims().len();
    assert_eq!(
        o.game_view(G::claimDataLenCall {}),
        U256::from(n),
        "{what}: claims"
    );
    for i in 0..n {
        check_claim(&mut o, resolved, i, None, &format!("{what} resolved"));
        assert!(o.game_view(G::resolvedSubgamesCall {
            index: U256::from(i)
        }));
    }
    for a in report.names.keys() {
        let normal = o.game_view(G::normalModeCreditCall {
            recipient: evm_addr(*a),
        });
        assert_eq!(normal, U256::from(resolved.credit(a)), "{what}: credit {a}");
        let refund = o.game_view(G::refundModeCreditCall {
            recipient: evm_addr(*a),
        });
        assert_eq!(
            refund,
            U256::from(resolved.refund_credit(a)),
            "{what}: refund credit {a}"
        );
    }

    // Closing: not before the finality delay; every eighth game blacklisted (refund mode).
    let resolved_at = resolved.resolved_at();
    o.at(resolved_at + FINALITY_DELAY);
    let out = o.send(KEEPER, G::closeGameCall {}.abi_encode(), 0);
    assert!(
        matches!(&out, CallOutcome::Revert { data, .. } if data.as_ref() == G::GameNotFinalized::SELECTOR),
        "{what}: closed before the finality delay: {out:?}"
    );
    o.at(resolved_at + FINALITY_DELAY + 1);
    if refund {
        let registry = o.d.registry;
        let out = o
            .evm
            .call(
                DEPLOYER,
                registry,
                IAnchorStateRegistry::blacklistDisputeGameCall { game: o.game }.abi_encode(),
            )
            .unwrap();
        assert!(matches!(out, CallOutcome::Success { .. }), "{what}");
        t.refunded += 1;
    }
    let payouts = engine_payouts(report, refund);
    // Phase one: every account unlocks (even with nothing to claim).
    for (a, _) in &payouts {
        let out = o.send(
            KEEPER,
            G::claimCreditCall {
                recipient: evm_addr(*a),
            }
            .abi_encode(),
            0,
        );
        assert!(
            matches!(out, CallOutcome::Success { .. }),
            "{what}: unlock {a}: {out:?}"
        );
    }
    let mode = o.game_view(G::bondDistributionModeCall {});
    assert_eq!(mode, if refund { 2 } else { 1 }, "{what}: mode");
    // The anchor moves to a proper game the defender won, only.
    let registry = o.d.registry;
    let anchor = o.view(registry, IAnchorStateRegistry::anchorGameCall {});
    let should_anchor = !refund && resolved.status() == GameStatus::DefenderWins;
    assert_eq!(anchor == o.game, should_anchor, "{what}: anchor");
    // Phase two: not before the WETH delay, then exactly the engine's payout.
    let (first, _) = payouts[0];
    let out = o.send(
        KEEPER,
        G::claimCreditCall {
            recipient: evm_addr(first),
        }
        .abi_encode(),
        0,
    );
    assert!(
        matches!(out, CallOutcome::Revert { .. }),
        "{what}: withdrawn before the delay"
    );
    o.at(resolved_at + FINALITY_DELAY + 1 + WETH_DELAY);
    for (a, amount) in &payouts {
        let who = evm_addr(*a);
        let before = o.evm.balance(who);
        let out = o.send(
            KEEPER,
            G::claimCreditCall { recipient: who }.abi_encode(),
            0,
        );
        if *amount == 0 {
            assert!(
                matches!(&out, CallOutcome::Revert { data, .. } if data.as_ref() == G::NoCreditToClaim::SELECTOR),
                "{what}: {a} has nothing: {out:?}"
            );
            continue;
        }
        assert!(
            matches!(out, CallOutcome::Success { .. }),
            "{what}: claim {a}: {out:?}"
        );
        let got = o.evm.balance(who) - before;
        assert_eq!(got, U256::from(*amount), "{what}: payout of {a}");
        t.paid += amount;
    }
    // No bond is left behind.
    let weth = o.d.weth;
    let left = o.view(weth, IDelayedWETH::balanceOfCall { who: o.game });
    assert_eq!(left, U256::ZERO, "{what}: bonds left in DelayedWETH");

    t.games += 1;
    t.calls += o.calls;
    for (k, (n, sum, max)) in &o.gas {
        let e = t.gas.entry(k).or_default();
        *e = (e.0 + n, e.1 + sum, e.2.max(*max));
    }
    t.reverts += o.reverts;
    t.claims += n as u64;
    t.steps += report.steps.len() as u64;
    match resolved.status() {
        GameStatus::DefenderWins => t.defender_wins += 1,
        GameStatus::ChallengerWins => t.challenger_wins += 1,
        GameStatus::InProgress => panic!("{what}: unresolved"),
    }
}

#[test]
fn replayed_games_agree_with_the_engine() {
    let n = games();
    let started = std::time::Instant::now();
    let mut t = Totals::default();
    for seed in 0..n {
        replay(seed, &mut t);
    }
    eprintln!(
        "{} games replayed in {:.1} s: {} calls ({} reverting as the engine said), {} claims, {} steps, \
         {} defender / {} challenger wins, {} refunded, local data checked in {}, {} wei paid out",
        t.games,
        started.elapsed().as_secs_f64(),
        t.calls,
        t.reverts,
        t.claims,
        t.steps,
        t.defender_wins,
        t.challenger_wins,
        t.refunded,
        t.local_checked,
        t.paid
    );
    for (name, (n, sum, max)) in &t.gas {
        eprintln!(
            "gas of {name}: {n} calls, avg {} max {} (transaction gas)",
            sum / n.max(&1),
            max
        );
    }
    assert!(t.defender_wins > 0 && t.challenger_wins > 0 && t.steps > 0 && t.refunded > 0);
    assert!(t.local_checked > 0 && t.reverts > 0);
}

/// Counts `n` down in a loop (2 steps per turn), then exits with code 1 ("invalid").
fn looping_program(n: u64) -> verdict_riscv::State {
    use verdict_riscv::asm::{self, reg::*};
    let mut prog = asm::li(A0, n);
    prog.push(asm::addi(A0, A0, -1));
    prog.push(asm::b(1, A0, ZERO, -4)); // bne a0, zero, -4
    prog.push(asm::addi(A0, ZERO, 1));
    prog.push(asm::addi(A7, ZERO, 93));
    prog.push(asm::ECALL);
    verdict_riscv::load_elf(&asm::elf(0x10000, &asm::code(&prog))).expect("valid ELF")
}

/// A game with our RISC-V VM in the bottom half (as `crates/challenger/tests/vm_game.rs`): a
/// wrong proposal, the honest solver, and a proposer defending it with an execution trace made up
/// from trace index `liar_from` on, played by the engine over the stateless verifier to a step,
/// the VM reading preimages from `oracle(ctx)`.
fn play_vm_game<O: verdict_preimage::Oracle + 'static>(
    initial: verdict_riscv::State,
    oracle: impl Fn(&verdict_game::LocalContext) -> O + 'static,
    liar_from: u128,
) -> Report {
    use std::rc::Rc;
    use verdict_challenger::oracle::SharedOracle;
    use verdict_challenger::providers::riscv::{RiscvFactory, RiscvStepper};
    use verdict_challenger::providers::vm::VmTraceFactory;
    use verdict_challenger::providers::{LyingFactory, OutputTrace, SplitTrace};
    use verdict_challenger::sim::{Rng, Table, GAME_ADDRESS, HONEST};
    use verdict_challenger::solver::Solver;
    use verdict_game::alphabet::SyntheticChain;
    use verdict_game::{GameConfig, OutputRoot, VmStatus};

    let factory = VmTraceFactory {
        factory: Rc::new(RiscvFactory::new(oracle)),
        initial,
        snapshot_every: 256,
    };
    let cfg = GameConfig {
        game_type: 2,
        absolute_prestate: factory.absolute_prestate(),
        max_game_depth: 4 + 1 + 13,
        split_depth: 4,
        max_clock_duration: 20_000,
        clock_extension: 1_000,
        oracle_challenge_period: 2_000,
        l2_chain_id: 901,
    };
    let chain = SyntheticChain::new(42);
    let (start, l2_block) = (500u64, 510u64);
    let lying = chain.forked(start + 1, 7);
    let proposer = Address::with_last_byte(2);
    let now = 1_700_000_000;
    let bond0 = verdict_game::bond::required_bond_at_depth(0, cfg.max_game_depth).unwrap();
    let game = Game::new(
        cfg.clone(),
        OutputRoot {
            root: chain.output_at(start),
            l2_block_number: start,
        },
        lying.output_at(l2_block),
        l2_block,
        Claim::from_u128(0x11),
        proposer,
        bond0,
        now,
    )
    .unwrap();
    let split = cfg.split_depth;
    let honest = Solver::new(
        "honest",
        HONEST,
        SplitTrace::new(
            OutputTrace::new(move |b| chain.output_at(b), start, l2_block, split),
            factory.clone(),
        ),
    );
    let liar = Solver::new(
        "wrong-proposer",
        proposer,
        SplitTrace::new(
            OutputTrace::new(move |b| lying.output_at(b), start, l2_block, split),
            LyingFactory {
                inner: factory.clone(),
                from: liar_from,
                salt: 9,
                final_status: VmStatus::Valid,
            },
        ),
    );
    let shared = SharedOracle::default();
    let stepper = RiscvStepper {
        oracle: shared.clone(),
        game_address: GAME_ADDRESS,
    };
    let table = Table {
        game,
        honest: Box::new(honest),
        adversaries: vec![Box::new(liar)],
        vm: &stepper,
        oracle: shared,
        now,
        max_gap: 600,
        late_margin: 100,
        root_correct: false,
        max_rounds: 10_000,
    };
    let report = table.play(&mut Rng::new(1));
    report.check(HONEST).unwrap();
    assert!(!report.steps.is_empty(), "{}", report.render());
    report
}

/// Replays a VM game with `RISCV.sol` as the game's VM; returns the preimage keys its steps read.
fn replay_on_riscv_sol(report: &Report, what: &str) -> Vec<[u8; 32]> {
    let mut t = Totals::default();
    replay_report(report, VmKind::Riscv, false, what, &mut t);
    assert_eq!(t.challenger_wins, 1);
    let steps = t.gas.get("step").map_or(0, |g| g.0);
    assert_eq!(
        steps,
        report.steps.len() as u64,
        "{what}: steps on RISCV.sol"
    );
    let step_gas = t.gas.get("step").map_or(0, |g| g.2);
    eprintln!(
        "{what}: {} calls replayed, {} claims, {} steps verified by RISCV.sol (game step tx gas {})",
        t.calls, t.claims, steps, step_gas
    );
    report
        .log
        .iter()
        .filter(|l| l.result.is_ok())
        .filter_map(|l| match &l.call {
            Call::Step { preimage, .. } => preimage.as_ref().map(|p| p.key),
            _ => None,
        })
        .collect()
}

/// The liar lies from step 1234 of the count-down loop: the deciding step is an ALU one.
#[test]
fn a_vm_game_replays_with_its_step_on_riscv_sol() {
    let report = play_vm_game(looping_program(1000), |_| verdict_preimage::NoOracle, 1234);
    replay_on_riscv_sol(&report, "vm game");
}

const DATA: u64 = 0x20000;
const GLOBAL: &[u8] = b"a keccak256 preimage the program reads in the vm game";

fn local_key(ident: u8) -> [u8; 32] {
    let mut k = [0u8; 32];
    k[0] = 1;
    k[31] = ident;
    k
}

fn global_key() -> [u8; 32] {
    let mut k = keccak256(GLOBAL).0;
    k[0] = 2;
    k
}

/// A program that reads the disputed output root (local ident 3) and a keccak256 preimage (the
/// length prefix, then 24 bytes of each), then counts down and exits 1. Returns it and the
/// instruction indices of the two prefix reads.
fn reading_program() -> (verdict_riscv::State, u128, u128) {
    use verdict_riscv::asm::{self, reg::*};
    let mut p = vec![];
    let mut reads = vec![];
    for key_at in [DATA, DATA + 0x20] {
        for (fd, buf, n, sys) in [
            (6, key_at, 32, 64),
            (5, DATA + 0x100, 8, 63),
            (5, DATA + 0x108, 24, 63),
        ] {
            p.extend(asm::li(A0, fd));
            p.extend(asm::li(A1, buf));
            p.extend(asm::li(A2, n));
            p.extend(asm::li(A7, sys));
            if fd == 5 && n == 8 {
                reads.push(p.len() as u128);
            }
            p.push(asm::ECALL);
        }
    }
    p.extend(asm::li(A0, 1000));
    p.push(asm::addi(A0, A0, -1));
    p.push(asm::b(1, A0, ZERO, -4));
    p.push(asm::addi(A0, ZERO, 1));
    p.push(asm::addi(A7, ZERO, 93));
    p.push(asm::ECALL);
    let mut state = verdict_riscv::load_elf(&asm::elf(0x10000, &asm::code(&p))).unwrap();
    state.memory.write(DATA, &local_key(3));
    state.memory.write(DATA + 0x20, &global_key());
    (state, reads[0], reads[1])
}

/// The deciding step reads a preimage: first the disputed output root (local data the game loads
/// into the oracle with `addLocalData`, bound to the game and the leaf's local context, which
/// `RISCV.sol` reads back localized with its caller, the game), then a keccak256 preimage.
#[test]
fn vm_games_decided_by_preimage_reading_steps_replay_on_riscv_sol() {
    let (state, local_read, global_read) = reading_program();
    let oracle = |ctx: &verdict_game::LocalContext| {
        let mut m = verdict_preimage::MapOracle::default();
        m.insert(
            verdict_preimage::PreimageKey(local_key(3)),
            ctx.disputed.0.to_vec(),
        );
        m.insert(verdict_preimage::PreimageKey(global_key()), GLOBAL.to_vec());
        m
    };
    for (from, key, what) in [
        (local_read, local_key(3), "local read"),
        (global_read, global_key(), "keccak256 read"),
    ] {
        let report = play_vm_game(state.clone(), oracle, from);
        let keys = replay_on_riscv_sol(&report, what);
        assert!(keys.contains(&key), "{what}: the steps read {keys:?}");
    }
}
