//! The dispute game contracts one rule at a time, beside `verdict-game` where the engine has the
//! rule: the factory's index and refusals, mainnet bonds to the wei, the constructor's checks,
//! `challengeRootL2Block` (good and malformed headers) through to the payout, and the events.
//! Seeded whole games are in `game_replay.rs`.

use alloy_primitives::{keccak256, Address, FixedBytes, Log, U256};
use alloy_sol_types::{SolCall, SolError, SolEvent, SolValue};
use verdict_contracts::bindings::{IDisputeGameFactory as F, IFaultDisputeGame as G};
use verdict_contracts::{
    CallOutcome, Contract, EvmError, GameDeployment, GameParams, TestEvm, VmKind,
};
use verdict_game::bond::required_bond_at_depth;
use verdict_game::rlp::encode_list;
use verdict_game::{
    Claim, Game, GameConfig, GameError, GameStatus, OutputRoot, OutputRootProof, Position,
};

const DEPLOYER: Address = Address::repeat_byte(0xd0);
const ALICE: Address = Address::repeat_byte(0xa1);
const BOB: Address = Address::repeat_byte(0xb0);
const T0: u64 = 1_700_000_000;
const ANCHOR_BLOCK: u64 = 1_000;

/// OP mainnet's parameters (depth 73, split 30, 3.5-day clocks, 3-hour extension, 1-day oracle
/// challenge period) on the RISC-V step.
fn mainnet() -> GameParams {
    GameParams {
        game_type: 2,
        absolute_prestate: [0x03; 32],
        max_game_depth: 73,
        split_depth: 30,
        clock_extension: 10_800,
        max_clock_duration: 302_400,
        oracle_challenge_period: 86_400,
        l2_chain_id: 10,
        weth_delay: 7 * 86_400,
        finality_delay: 302_400,
        starting_root: [0x5a; 32],
        starting_block: ANCHOR_BLOCK,
        init_bond: U256::from(required_bond_at_depth(0, 73).unwrap()),
        vm: VmKind::Riscv,
    }
}

fn engine_config(p: &GameParams) -> GameConfig {
    GameConfig {
        game_type: p.game_type,
        absolute_prestate: Claim(p.absolute_prestate),
        max_game_depth: p.max_game_depth,
        split_depth: p.split_depth,
        max_clock_duration: p.max_clock_duration,
        clock_extension: p.clock_extension,
        oracle_challenge_period: p.oracle_challenge_period,
        l2_chain_id: p.l2_chain_id,
    }
}

fn setup(p: &GameParams) -> (TestEvm, GameDeployment) {
    let mut evm = TestEvm::new();
    evm.set_block(100, T0 - 100);
    for who in [ALICE, BOB] {
        evm.fund(who, U256::from(10u128.pow(24)));
    }
    let d = GameDeployment::deploy(&mut evm, DEPLOYER, p).unwrap();
    evm.set_block(101, T0);
    (evm, d)
}

fn view<C: SolCall>(evm: &mut TestEvm, to: Address, call: C) -> C::Return {
    match evm.call(DEPLOYER, to, call.abi_encode()).unwrap() {
        CallOutcome::Success { output, .. } => C::abi_decode_returns(&output).unwrap(),
        other => panic!("{}: {other:?}", C::SIGNATURE),
    }
}

fn reverts_with(out: &CallOutcome, data: &[u8]) -> bool {
    matches!(out, CallOutcome::Revert { data: d, .. } if d.as_ref() == data)
}

fn extra(n: u64) -> Vec<u8> {
    U256::from(n).to_be_bytes::<32>().to_vec()
}

#[test]
fn the_factory_indexes_and_refuses() {
    let p = mainnet();
    let (mut evm, d) = setup(&p);
    let bond = p.init_bond;
    let mut made = vec![];
    for (i, root) in [[1u8; 32], [2; 32], [3; 32]].into_iter().enumerate() {
        evm.set_block(102 + i as u64, T0 + i as u64);
        let out = evm
            .call_value(
                ALICE,
                d.factory,
                F::createCall {
                    gameType: 2,
                    rootClaim: FixedBytes(root),
                    extraData: extra(ANCHOR_BLOCK + 1 + i as u64).into(),
                }
                .abi_encode(),
                bond,
            )
            .unwrap();
        let CallOutcome::Success { output, logs, .. } = out else {
            panic!("{out:?}")
        };
        let game = F::createCall::abi_decode_returns(&output).unwrap();
        let created = logs
            .iter()
            .find_map(|l: &Log| F::DisputeGameCreated::decode_log(l).ok())
            .expect("DisputeGameCreated");
        assert_eq!(
            (created.disputeProxy, created.gameType, created.rootClaim),
            (game, 2, FixedBytes(root))
        );
        made.push((game, root, T0 + i as u64));
        // The clone answers as the game.
        assert_eq!(view(&mut evm, game, G::rootClaimCall {}), FixedBytes(root));
        assert_eq!(view(&mut evm, game, G::gameCreatorCall {}), ALICE);
        assert_eq!(view(&mut evm, game, G::gameTypeCall {}), 2);
        assert_eq!(
            view(&mut evm, game, G::extraDataCall {}).to_vec(),
            extra(ANCHOR_BLOCK + 1 + i as u64)
        );
        assert!(view(
            &mut evm,
            game,
            G::wasRespectedGameTypeWhenCreatedCall {}
        ));
        assert_eq!(
            view(&mut evm, game, G::l1HeadCall {}).0,
            // revm's stand-in block hashes: keccak256 of the number in decimal.
            keccak256((101 + i as u64).to_string()).0
        );
    }
    assert_eq!(
        view(&mut evm, d.factory, F::gameCountCall {}),
        U256::from(3)
    );
    for (i, (game, root, ts)) in made.iter().enumerate() {
        let at = view(
            &mut evm,
            d.factory,
            F::gameAtIndexCall {
                index: U256::from(i),
            },
        );
        assert_eq!((at.gameType, at.timestamp, at.proxy), (2, *ts, *game));
        let found = view(
            &mut evm,
            d.factory,
            F::gamesCall {
                gameType: 2,
                rootClaim: FixedBytes(*root),
                extraData: extra(ANCHOR_BLOCK + 1 + i as u64).into(),
            },
        );
        assert_eq!((found.proxy, found.timestamp), (*game, *ts));
    }
    let latest = view(
        &mut evm,
        d.factory,
        F::findLatestGamesCall {
            gameType: 2,
            start: U256::from(2),
            n: U256::from(2),
        },
    );
    let idx: Vec<u64> = latest.iter().map(|g| g.index.to::<u64>()).collect();
    assert_eq!(idx, [2, 1]);
    assert_eq!(latest[0].rootClaim, FixedBytes([3; 32]));
    assert_eq!(latest[1].extraData.to_vec(), extra(ANCHOR_BLOCK + 2));
    let none = view(
        &mut evm,
        d.factory,
        F::findLatestGamesCall {
            gameType: 0,
            start: U256::from(2),
            n: U256::from(5),
        },
    );
    assert!(none.is_empty());

    let create = |root: [u8; 32], ty: u32, extra_data: Vec<u8>| F::createCall {
        gameType: ty,
        rootClaim: FixedBytes(root),
        extraData: extra_data.into(),
    };
    // The same game again.
    let out = evm
        .call_value(
            ALICE,
            d.factory,
            create([1; 32], 2, extra(ANCHOR_BLOCK + 1)).abi_encode(),
            bond,
        )
        .unwrap();
    let uuid =
        keccak256((2u32, FixedBytes([1u8; 32]), extra(ANCHOR_BLOCK + 1)).abi_encode_params());
    assert!(
        reverts_with(&out, &F::GameAlreadyExists { uuid }.abi_encode()),
        "{out:?}"
    );
    // A wrong bond, an unknown type, a block at the anchor, extra data of the wrong size.
    let out = evm
        .call_value(
            ALICE,
            d.factory,
            create([9; 32], 2, extra(ANCHOR_BLOCK + 1)).abi_encode(),
            bond - U256::from(1),
        )
        .unwrap();
    assert!(reverts_with(&out, &F::IncorrectBondAmount::SELECTOR));
    let out = evm
        .call_value(
            ALICE,
            d.factory,
            create([9; 32], 7, extra(ANCHOR_BLOCK + 1)).abi_encode(),
            U256::ZERO,
        )
        .unwrap();
    assert!(reverts_with(
        &out,
        &F::NoImplementation { gameType: 7 }.abi_encode()
    ));
    let out = evm
        .call_value(
            ALICE,
            d.factory,
            create([9; 32], 2, extra(ANCHOR_BLOCK)).abi_encode(),
            bond,
        )
        .unwrap();
    assert!(reverts_with(
        &out,
        &G::UnexpectedRootClaim {
            rootClaim: FixedBytes([9; 32])
        }
        .abi_encode()
    ));
    let out = evm
        .call_value(
            ALICE,
            d.factory,
            create([9; 32], 2, vec![1; 31]).abi_encode(),
            bond,
        )
        .unwrap();
    assert!(reverts_with(&out, &G::BadExtraData::SELECTOR));
    // Only the factory initializes a game, and only once.
    let (game, ..) = made[0];
    let data = initializeGameCall {
        creator: BOB,
        rootClaim: FixedBytes([7; 32]),
        l1Head: FixedBytes([0; 32]),
        extraData: extra(ANCHOR_BLOCK + 5).into(),
    }
    .abi_encode();
    let out = evm.call(BOB, game, data.clone()).unwrap();
    assert!(reverts_with(&out, &G::AlreadyInitialized::SELECTOR));
    let out = evm.call(BOB, d.implementation, data).unwrap();
    assert!(reverts_with(&out, &G::OnlyFactory::SELECTOR));
}

alloy_sol_types::sol! {
    function initializeGame(address creator, bytes32 rootClaim, bytes32 l1Head, bytes extraData) external payable;
}

#[test]
fn mainnet_bonds_and_size() {
    let p = mainnet();
    let (mut evm, d) = setup(&p);
    for depth in 0..=73u64 {
        let got = view(
            &mut evm,
            d.implementation,
            G::getRequiredBondCall {
                position: Position::new(depth, 0).raw(),
            },
        );
        assert_eq!(
            got,
            U256::from(required_bond_at_depth(depth, 73).unwrap()),
            "depth {depth}"
        );
    }
    let out = evm
        .call(
            DEPLOYER,
            d.implementation,
            G::getRequiredBondCall {
                position: Position::new(74, 0).raw(),
            }
            .abi_encode(),
        )
        .unwrap();
    assert!(reverts_with(&out, &G::GameDepthExceeded::SELECTOR));
    let size = Contract::FaultDisputeGame
        .artifact()
        .unwrap()
        .deployed_bytecode
        .len();
    assert!(size <= 24_576, "FaultDisputeGame is {size} bytes");
    assert_eq!(
        view(&mut evm, d.implementation, G::maxGameDepthCall {}),
        U256::from(73)
    );
    assert_eq!(
        view(&mut evm, d.implementation, G::splitDepthCall {}),
        U256::from(30)
    );
    assert_eq!(view(&mut evm, d.implementation, G::vmCall {}), d.vm);
}

#[test]
fn the_constructor_checks_the_parameters() {
    type Change = fn(&mut GameParams);
    let cases: [(Change, &[u8]); 4] = [
        (|p| p.split_depth = 72, &G::InvalidSplitDepth::SELECTOR),
        (|p| p.split_depth = 1, &G::InvalidSplitDepth::SELECTOR),
        (|p| p.max_game_depth = 126, &G::MaxDepthTooLarge::SELECTOR),
        (
            |p| p.max_clock_duration = 10_800 + 86_400 - 1,
            &G::InvalidClockExtension::SELECTOR,
        ),
    ];
    for (change, want) in cases {
        let mut p = mainnet();
        change(&mut p);
        let engine = engine_config(&p).validate().unwrap_err();
        let mut evm = TestEvm::new();
        match GameDeployment::deploy(&mut evm, DEPLOYER, &p) {
            Err(EvmError::Deploy(CallOutcome::Revert { data, .. })) => {
                assert_eq!(data.as_ref(), want, "engine: {engine}")
            }
            other => panic!("{p:?}: {other:?}"),
        }
    }
}

/// A header whose number field (item 8) is `number`.
fn header(number: &[u8]) -> Vec<u8> {
    let fields: [&[u8]; 10] = [
        &[1; 32],
        &[2; 32],
        &[3; 20],
        &[4; 32],
        &[5; 32],
        &[6; 32],
        &[7; 256],
        &[],
        number,
        &[9],
    ];
    encode_list(&fields)
}

#[test]
fn challenge_root_l2_block_agrees_with_the_engine() {
    let p = mainnet();
    let (mut evm, d) = setup(&p);
    let claimed = ANCHOR_BLOCK + 10;
    let good = header(&(ANCHOR_BLOCK + 11).to_be_bytes()[6..]);
    let mut malformed = vec![
        ("truncated", good[..good.len() - 1].to_vec()),
        ("not a list", vec![0x83, 1, 2, 3]),
        ("empty", vec![]),
        ("seven items", encode_list(&[&[1u8; 3][..]; 7])),
        ("number a list", {
            let mut h = header(&[]);
            // The number field (an empty string, 0x80) turned into an empty list (0xc0).
            let at = h.len() - 2;
            assert_eq!(h[at], 0x80);
            h[at] = 0xc0;
            h
        }),
        ("number of 33 bytes", header(&[1; 33])),
        ("non-canonical single byte", header(&[0x05])),
    ];
    let canonical_single = header(&[0x05]);
    malformed.pop();
    // encode_list writes 0x05 as itself; write it as 0x81 0x05 (non-canonical).
    let mut nc = canonical_single.clone();
    let pos = nc.len() - 2;
    assert_eq!(nc[pos], 0x05);
    nc[pos] = 0x81;
    nc.insert(pos + 1, 0x05);
    nc[2] += 1; // the list's length (a long-form list with one length byte)
    malformed.push(("non-canonical single byte", nc));
    let matching = header(&claimed.to_be_bytes()[6..]);
    let mut cases: Vec<(&str, Vec<u8>)> = vec![("good", good), ("same number", matching)];
    cases.extend(malformed);

    for (k, (name, h)) in cases.into_iter().enumerate() {
        let proof = OutputRootProof {
            version: [0; 32],
            state_root: [k as u8; 32],
            message_passer_storage_root: [3; 32],
            latest_blockhash: keccak256(&h).0,
        };
        let root = proof.hash();
        evm.set_block(200 + k as u64, T0 + k as u64);
        let game = d
            .create_game(&mut evm, ALICE, 2, root.0, claimed, p.init_bond)
            .unwrap()
            .unwrap();
        let mut engine = Game::new(
            engine_config(&p),
            OutputRoot {
                root: Claim(p.starting_root),
                l2_block_number: ANCHOR_BLOCK,
            },
            root,
            claimed,
            Claim::ZERO,
            ALICE,
            p.init_bond.to(),
            T0 + k as u64,
        )
        .unwrap();
        let call = |proof: &OutputRootProof, h: &[u8]| {
            G::challengeRootL2BlockCall {
                outputRootProof: G::OutputRootProof {
                    version: FixedBytes(proof.version),
                    stateRoot: FixedBytes(proof.state_root),
                    messagePasserStorageRoot: FixedBytes(proof.message_passer_storage_root),
                    latestBlockhash: FixedBytes(proof.latest_blockhash),
                },
                headerRLP: h.to_vec().into(),
            }
            .abi_encode()
        };
        // A proof of another root, and a header that is not the proof's block.
        let mut other = proof;
        other.state_root[0] ^= 1;
        let out = evm.call(BOB, game, call(&other, &h)).unwrap();
        assert_eq!(
            engine.challenge_root_l2_block(&other, &h, BOB),
            Err(GameError::InvalidOutputRootProof)
        );
        assert!(
            reverts_with(&out, &G::InvalidOutputRootProof::SELECTOR),
            "{name}"
        );
        let out = evm
            .call(BOB, game, call(&proof, b"another header"))
            .unwrap();
        assert!(reverts_with(&out, &G::InvalidHeaderRLP::SELECTOR), "{name}");

        let out = evm.call(BOB, game, call(&proof, &h)).unwrap();
        match engine.challenge_root_l2_block(&proof, &h, BOB) {
            Ok(()) => assert!(
                matches!(out, CallOutcome::Success { .. }),
                "{name}: {out:?}"
            ),
            Err(GameError::InvalidHeaderRLP) => {
                assert!(
                    reverts_with(&out, &G::InvalidHeaderRLP::SELECTOR),
                    "{name}: {out:?}"
                )
            }
            Err(GameError::BlockNumberMatches) => {
                assert!(
                    reverts_with(&out, &G::BlockNumberMatches::SELECTOR),
                    "{name}: {out:?}"
                )
            }
            Err(e) => panic!("{name}: {e}"),
        }
        if name != "good" {
            assert!(
                !view(&mut evm, game, G::l2BlockNumberChallengedCall {}),
                "{name}"
            );
            continue;
        }
        assert_eq!(view(&mut evm, game, G::l2BlockNumberChallengerCall {}), BOB);
        let out = evm.call(BOB, game, call(&proof, &h)).unwrap();
        assert!(reverts_with(&out, &G::L2BlockNumberChallenged::SELECTOR));
        // The root can no longer be attacked.
        let bond = required_bond_at_depth(1, 73).unwrap();
        let out = evm
            .call_value(
                BOB,
                game,
                G::attackCall {
                    disputed: FixedBytes(root.0),
                    parentIndex: U256::ZERO,
                    claim: FixedBytes([4; 32]),
                }
                .abi_encode(),
                U256::from(bond),
            )
            .unwrap();
        assert_eq!(
            engine.attack(root, 0, Claim([4; 32]), BOB, bond, T0 + k as u64),
            Err(GameError::L2BlockNumberChallenged)
        );
        assert!(reverts_with(&out, &G::L2BlockNumberChallenged::SELECTOR));
        // After the clock: the root's bond goes to the challenger, who wins.
        let end = T0 + k as u64 + p.max_clock_duration;
        evm.set_block(300, end);
        let resolve = G::resolveClaimCall {
            claimIndex: U256::ZERO,
            numToResolve: U256::ZERO,
        };
        assert!(matches!(
            evm.call(BOB, game, resolve.abi_encode()).unwrap(),
            CallOutcome::Success { .. }
        ));
        engine.resolve_claim(0, 0, end).unwrap();
        let out = evm.call(BOB, game, G::resolveCall {}.abi_encode()).unwrap();
        let CallOutcome::Success { logs, .. } = out else {
            panic!("{out:?}")
        };
        let resolved = G::Resolved::decode_log(&logs[0]).unwrap();
        assert_eq!(resolved.status, GameStatus::ChallengerWins as u8);
        assert_eq!(engine.resolve(end), Ok(GameStatus::ChallengerWins));
        assert_eq!(
            view(&mut evm, game, G::normalModeCreditCall { recipient: BOB }),
            U256::from(engine.credit(&BOB))
        );
        assert_eq!(
            view(&mut evm, game, G::claimDataCall { index: U256::ZERO }).counteredBy,
            BOB
        );
    }
}

#[test]
fn moves_emit_move_events() {
    let p = mainnet();
    let (mut evm, d) = setup(&p);
    let root = [0x77; 32];
    let game = d
        .create_game(&mut evm, ALICE, 2, root, ANCHOR_BLOCK + 4, p.init_bond)
        .unwrap()
        .unwrap();
    let bond = U256::from(required_bond_at_depth(1, 73).unwrap());
    let out = evm
        .call_value(
            BOB,
            game,
            G::attackCall {
                disputed: FixedBytes(root),
                parentIndex: U256::ZERO,
                claim: FixedBytes([4; 32]),
            }
            .abi_encode(),
            bond,
        )
        .unwrap();
    let CallOutcome::Success { logs, .. } = out else {
        panic!("{out:?}")
    };
    let mv = logs
        .iter()
        .find_map(|l| G::Move::decode_log(l).ok())
        .expect("Move");
    assert_eq!(
        (mv.parentIndex, mv.claim, mv.claimant),
        (U256::ZERO, FixedBytes([4; 32]), BOB)
    );
    // The bond sits in DelayedWETH, credited to the mover for refunds.
    assert_eq!(
        view(&mut evm, game, G::refundModeCreditCall { recipient: BOB }),
        bond
    );
    assert_eq!(view(&mut evm, game, G::claimDataLenCall {}), U256::from(2));
    assert_eq!(
        view(
            &mut evm,
            game,
            G::getChallengerDurationCall {
                index: U256::from(1)
            }
        ),
        0
    );
}

/// Subgames resolved a child at a time (`resolveClaim(i, 1)`), out of order, too early and twice,
/// beside the engine: the same refusals, checkpoints, counters and credits.
#[test]
fn resolution_in_batches_agrees_with_the_engine() {
    let mut p = mainnet();
    p.max_game_depth = 6;
    p.split_depth = 2;
    p.max_clock_duration = 20_000;
    p.clock_extension = 1_000;
    p.oracle_challenge_period = 2_000;
    p.vm = VmKind::Scripted;
    p.init_bond = U256::from(required_bond_at_depth(0, 6).unwrap());
    let (mut evm, d) = setup(&p);
    const CAROL: Address = Address::repeat_byte(0xca);
    evm.fund(CAROL, U256::from(10u128.pow(24)));
    let root = Claim([0x70; 32]);
    let game = d
        .create_game(&mut evm, ALICE, 2, root.0, ANCHOR_BLOCK + 4, p.init_bond)
        .unwrap()
        .unwrap();
    let mut engine = Game::new(
        engine_config(&p),
        OutputRoot {
            root: Claim(p.starting_root),
            l2_block_number: ANCHOR_BLOCK,
        },
        root,
        ANCHOR_BLOCK + 4,
        Claim::ZERO,
        ALICE,
        p.init_bond.to(),
        T0,
    )
    .unwrap();
    // Three attacks on the root, and one on the second of them.
    let moves: [(Address, usize, Claim, Claim, u64); 4] = [
        (BOB, 0, root, Claim([1; 32]), 10),
        (CAROL, 0, root, Claim([2; 32]), 20),
        (BOB, 0, root, Claim([3; 32]), 30),
        (ALICE, 2, Claim([2; 32]), Claim([4; 32]), 40),
    ];
    for (who, parent, disputed, claim, dt) in moves {
        evm.set_block(200 + dt, T0 + dt);
        let pos = engine.claim(parent).unwrap().position.attack();
        let bond = engine.required_bond(pos).unwrap();
        engine
            .attack(disputed, parent, claim, who, bond, T0 + dt)
            .unwrap();
        let out = evm
            .call_value(
                who,
                game,
                G::attackCall {
                    disputed: FixedBytes(disputed.0),
                    parentIndex: U256::from(parent),
                    claim: FixedBytes(claim.0),
                }
                .abi_encode(),
                U256::from(bond),
            )
            .unwrap();
        assert!(matches!(out, CallOutcome::Success { .. }), "{out:?}");
    }
    let resolve = |evm: &mut TestEvm, i: usize, n: usize| {
        evm.call(
            BOB,
            game,
            G::resolveClaimCall {
                claimIndex: U256::from(i),
                numToResolve: U256::from(n),
            }
            .abi_encode(),
        )
        .unwrap()
    };
    let expect = |out: &CallOutcome, r: Result<(), GameError>, what: &str| match r {
        Ok(()) => assert!(
            matches!(out, CallOutcome::Success { .. }),
            "{what}: {out:?}"
        ),
        Err(GameError::ClockNotExpired) => {
            assert!(
                reverts_with(out, &G::ClockNotExpired::SELECTOR),
                "{what}: {out:?}"
            )
        }
        Err(GameError::OutOfOrderResolution) => assert!(
            reverts_with(out, &G::OutOfOrderResolution::SELECTOR),
            "{what}: {out:?}"
        ),
        Err(GameError::ClaimAlreadyResolved) => assert!(
            reverts_with(out, &G::ClaimAlreadyResolved::SELECTOR),
            "{what}: {out:?}"
        ),
        Err(e) => panic!("{what}: {e}"),
    };
    // Too early for the last move's subgame.
    let early = T0 + 40 + 19_999;
    evm.set_block(300, early);
    let out = resolve(&mut evm, 4, 0);
    expect(&out, engine.resolve_claim(4, 0, early), "early");
    let now = T0 + 40 + 20_000;
    evm.set_block(301, now);
    // The root before its children, then the leaves, the middle claim, the root one at a time.
    let order: [(usize, usize); 9] = [
        (0, 1),
        (4, 0),
        (4, 0),
        (2, 1),
        (1, 0),
        (3, 0),
        (0, 1),
        (0, 1),
        (0, 1),
    ];
    for (k, (i, n)) in order.into_iter().enumerate() {
        let what = format!("#{k} resolveClaim({i}, {n})");
        let out = resolve(&mut evm, i, n);
        expect(&out, engine.resolve_claim(i, n, now), &what);
        let left = view(
            &mut evm,
            game,
            G::getNumToResolveCall {
                index: U256::from(i),
            },
        );
        let done = engine.is_resolved(i);
        assert_eq!(
            view(
                &mut evm,
                game,
                G::resolvedSubgamesCall {
                    index: U256::from(i)
                }
            ),
            done,
            "{what}"
        );
        if done {
            assert_eq!(left, U256::ZERO, "{what}");
        }
    }
    assert!(engine.is_resolved(0));
    let out = evm.call(BOB, game, G::resolveCall {}.abi_encode()).unwrap();
    assert!(matches!(out, CallOutcome::Success { .. }));
    assert_eq!(engine.resolve(now), Ok(GameStatus::ChallengerWins));
    for (i, c) in engine.claims().iter().enumerate() {
        let got = view(
            &mut evm,
            game,
            G::claimDataCall {
                index: U256::from(i),
            },
        );
        assert_eq!(got.counteredBy, c.countered_by, "claim {i}");
    }
    for who in [ALICE, BOB, CAROL] {
        assert_eq!(
            view(&mut evm, game, G::normalModeCreditCall { recipient: who }),
            U256::from(engine.credit(&who)),
            "{who}"
        );
    }
    assert_eq!(
        view(&mut evm, game, G::statusCall {}),
        GameStatus::ChallengerWins as u8
    );
}
