//! Every rule of the game against values worked out from the spec and the contract.

use verdict_game::alphabet::{self, AlphabetVm, SyntheticChain, ABSOLUTE_PRESTATE_DATA};
use verdict_game::bond::{required_bond_at_depth, BondTable};
use verdict_game::game::local_key;
use verdict_game::rlp::encode_list;
use verdict_game::{
    keccak256, Address, BondDistributionMode, Claim, Game, GameConfig, GameError, GameStatus,
    OutputRoot, OutputRootProof, Position, VmStatus,
};

const T0: u64 = 1_700_000_000;
const A: Address = Address::repeat_byte(0xaa);
const B: Address = Address::repeat_byte(0xbb);

/// max depth 6, split 2: output leaves at depth 2, execution roots at 3, leaves at 6.
fn small_config() -> GameConfig {
    GameConfig {
        game_type: alphabet::GAME_TYPE,
        absolute_prestate: alphabet::absolute_prestate(),
        max_game_depth: 6,
        split_depth: 2,
        max_clock_duration: 20_000,
        clock_extension: 1_000,
        oracle_challenge_period: 2_000,
        l2_chain_id: 901,
    }
}

fn new_game(cfg: GameConfig, root: Claim) -> Game {
    Game::new(
        cfg,
        OutputRoot {
            root: Claim::from_u128(0xa0),
            l2_block_number: 100,
        },
        root,
        104,
        Claim::from_u128(0x11),
        A,
        80_000_000_000_000_000,
        T0,
    )
    .unwrap()
}

/// A move with the right bond; the claim gets the status an execution root needs.
fn mv(
    g: &mut Game,
    parent: usize,
    attack: bool,
    v: u128,
    by: Address,
    now: u64,
) -> Result<usize, GameError> {
    let p = *g.claim(parent)?;
    let pos = p.position.move_to(attack);
    let mut claim = Claim::from_u128(v);
    if pos.depth() == g.config().split_depth + 1 {
        let invalid = g.exec_root_must_be_invalid(parent, attack)?;
        claim = claim.with_status(if invalid {
            VmStatus::Invalid
        } else {
            VmStatus::Valid
        });
    }
    let bond = g.required_bond(pos)?;
    g.move_claim(p.claim, parent, claim, attack, by, bond, now)
}

#[test]
fn positions() {
    let p = Position::new(2, 1);
    assert_eq!((p.raw(), p.depth(), p.index_at_depth()), (5, 2, 1));
    assert_eq!(Position::ROOT.depth(), 0);
    assert_eq!(
        (p.left(), p.right(), p.parent()),
        (Position(10), Position(11), Position(2))
    );
    // rightIndex / traceIndex in a tree of depth 4.
    assert_eq!(Position::ROOT.right_index(4), Position(31));
    assert_eq!(Position::ROOT.trace_index(4), 15);
    assert_eq!(Position(2).trace_index(4), 7);
    assert_eq!(Position(6).trace_index(4), 11);
    assert_eq!(Position(16).trace_index(4), 0);
    assert_eq!(Position(31).trace_index(4), 15);
    // Mainnet: the first attack on the root commits to output trace index 2^29 - 1.
    assert_eq!(Position(2).trace_index(30), 536_870_911);
    assert_eq!(Position::new(30, 0).trace_index(30), 0);
    // attack -> 2p, defend -> 2(p + 1).
    assert_eq!(Position::ROOT.attack(), Position(2));
    assert_eq!(Position(2).defend(), Position(6));
    assert_eq!(Position(6).attack(), Position(12));
    assert_eq!(Position(6).defend(), Position(14));
    // Trace ancestors: shift right past the trailing ones, at least the root.
    assert_eq!(Position(7).trace_ancestor(), Position::ROOT);
    assert_eq!(Position(11).trace_ancestor(), Position(2));
    assert_eq!(Position(12).trace_ancestor(), Position(12));
    assert_eq!(Position(67).trace_ancestor(), Position(16));
    // Bounded below the split (2): an ancestor at or above it becomes its rightmost
    // descendant at depth 3.
    assert_eq!(Position(23).trace_ancestor_bounded(2), Ok(Position(11)));
    assert_eq!(Position(67).trace_ancestor_bounded(2), Ok(Position(16)));
    assert_eq!(
        Position(4).trace_ancestor_bounded(2),
        Err(GameError::ClaimAboveSplit)
    );
    // Same trace index as the ancestor it finds.
    for p in [23u128, 67, 45, 95] {
        let a = Position(p).trace_ancestor();
        assert_eq!(a.trace_index(6), Position(p).trace_index(6));
    }
    // Relative positions within an execution subtree rooted at depth 3.
    assert_eq!(Position(8).relative_to_ancestor_at(3), Position::ROOT);
    assert_eq!(Position(35).relative_to_ancestor_at(3), Position(7));
    assert_eq!(Position(24).relative_to_ancestor_at(3), Position(2));
}

#[test]
fn bonds_to_the_wei() {
    // Depth 0 is 0.08 ETH; depths 1 and 2 are the bonds of mainnet games' claims at
    // positions 2 and 4; depth 73 is the 60 ETH cap as the contract's math rounds it.
    assert_eq!(required_bond_at_depth(0, 73), Ok(80_000_000_000_000_000));
    assert_eq!(required_bond_at_depth(1, 73), Ok(87_594_000_000_000_000));
    assert_eq!(required_bond_at_depth(2, 73), Ok(95_908_800_000_000_000));
    assert_eq!(
        required_bond_at_depth(30, 73),
        Ok(1_215_127_800_000_000_000)
    );
    assert_eq!(
        required_bond_at_depth(73, 73),
        Ok(59_999_999_800_000_000_000)
    );
    assert_eq!(
        required_bond_at_depth(74, 73),
        Err(GameError::GameDepthExceeded)
    );
    // Close to the real-valued formula everywhere, increasing, multiples of 200 gwei.
    let table = BondTable::new(73).unwrap();
    let mut last = 0;
    for d in 0..=73u64 {
        let b = table.at_depth(d).unwrap();
        assert!(b > last);
        assert_eq!(b % 200_000_000_000, 0);
        let exact = 0.08e18 * 750f64.powf(d as f64 / 73.0);
        assert!(
            ((b as f64) - exact).abs() / exact < 1e-5,
            "depth {d}: {b} vs {exact}"
        );
        last = b;
    }
    assert_eq!(table.at_depth(74), Err(GameError::GameDepthExceeded));
}

#[test]
fn config_checks_as_the_constructor() {
    let ok = GameConfig::default();
    assert_eq!(ok.validate(), Ok(()));
    let bad = |f: fn(&mut GameConfig)| {
        let mut c = GameConfig::default();
        f(&mut c);
        c.validate()
    };
    assert_eq!(
        bad(|c| c.split_depth = 72),
        Err(GameError::InvalidSplitDepth)
    );
    assert_eq!(
        bad(|c| c.split_depth = 1),
        Err(GameError::InvalidSplitDepth)
    );
    assert_eq!(
        bad(|c| c.max_game_depth = 126),
        Err(GameError::MaxDepthTooLarge)
    );
    assert_eq!(
        bad(|c| c.clock_extension = 200_000),
        Err(GameError::InvalidClockExtension)
    );
    assert_eq!(
        bad(|c| c.oracle_challenge_period = 300_000),
        Err(GameError::InvalidClockExtension)
    );
}

#[test]
fn root_claim_must_be_after_the_anchor() {
    let r = Game::new(
        small_config(),
        OutputRoot {
            root: Claim::ZERO,
            l2_block_number: 100,
        },
        Claim::from_u128(1),
        100,
        Claim::ZERO,
        A,
        1,
        T0,
    );
    assert_eq!(
        r.err(),
        Some(GameError::UnexpectedRootClaim(Claim::from_u128(1)))
    );
}

#[test]
fn clocks_and_extensions() {
    // max 10, split 4: extension 1000 normally, 2000 for a claim at depth 3 (split - 1),
    // 1000 + 2000 (preimage challenge period) for a claim at depth 9 (max - 1).
    let cfg = GameConfig {
        max_game_depth: 10,
        split_depth: 4,
        ..small_config()
    };
    let mut g = new_game(cfg, Claim::from_u128(1));
    // Depth 1 after 19500 s: 0 + 19500 > 20000 - 1000, so 19000.
    let c1 = mv(&mut g, 0, true, 2, B, T0 + 19_500).unwrap();
    assert_eq!(g.claims()[c1].clock.duration, 19_000);
    assert_eq!(g.challenger_duration(0, T0 + 19_500), Ok(19_500));
    // Depth 2 after 50 s: the root's 0 + 50, no extension.
    let c2 = mv(&mut g, c1, true, 3, A, T0 + 19_550).unwrap();
    assert_eq!(g.claims()[c2].clock.duration, 50);
    // Depth 3 (split - 1) after 600 s: 19000 + 600 > 20000 - 2000, so 18000.
    let c3 = mv(&mut g, c2, true, 4, B, T0 + 20_150).unwrap();
    assert_eq!(g.claims()[c3].clock.duration, 18_000);
    // Down to depth 8 quickly, then depth 9 (max - 1) late: capped at 20000 - 3000.
    let mut p = c3;
    let mut t = T0 + 20_151;
    let mut who = [A, B].into_iter().cycle();
    for v in 5..10u128 {
        p = mv(&mut g, p, true, v, who.next().unwrap(), t).unwrap();
        t += 1;
    }
    assert_eq!(g.claims()[p].position.depth(), 8);
    let gp = g.claims()[g.claims()[p].parent().unwrap()].clock.duration;
    let late = t + (20_000 - gp) - 10;
    let c9 = mv(&mut g, p, true, 10, B, late).unwrap();
    assert_eq!(g.claims()[c9].position.depth(), 9);
    assert_eq!(g.claims()[c9].clock.duration, 17_000);
    assert_eq!(g.clock_extension_for(9), 3_000);
    assert_eq!(g.clock_extension_for(3), 2_000);
    assert_eq!(g.clock_extension_for(5), 1_000);
    // Once the challenger's clock reaches the max, moves revert, and the duration is capped.
    let gp = g.claims()[g.claims()[c9].parent().unwrap()].clock.duration;
    let out = late + (20_000 - gp);
    assert_eq!(g.challenger_duration(c9, out), Ok(20_000));
    assert_eq!(g.challenger_duration(c9, out + 999), Ok(20_000));
    assert_eq!(g.challenger_duration(c9, u64::MAX), Ok(20_000));
    // Before the claim existed the contract's checked subtraction panics; so do we, as an error.
    assert_eq!(
        g.challenger_duration(c9, late - 1),
        Err(GameError::ArithmeticOverflow)
    );
    assert_eq!(
        mv(&mut g, c9, true, 11, A, out),
        Err(GameError::ClockTimeExceeded)
    );
    assert_eq!(mv(&mut g, c9, true, 11, A, out - 1).map(|_| ()), Ok(()));
}

/// A game with the path root -> 2 -> 4 (output leaf) -> 8 (exec root) -> 16 -> 32 -> 64.
fn deep_game() -> (Game, Vec<usize>) {
    let mut g = new_game(small_config(), Claim::from_u128(1));
    let mut path = vec![0];
    let mut who = [B, A].into_iter().cycle();
    for v in 2..=7u128 {
        let p = *path.last().unwrap();
        path.push(mv(&mut g, p, true, v, who.next().unwrap(), T0 + v as u64).unwrap());
    }
    (g, path)
}

#[test]
fn step_pre_and_post_states() {
    let (mut g, path) = deep_game();
    let leaf = path[6];
    assert_eq!(g.claims()[leaf].position, Position(64));
    // Attack step at the first leaf: the absolute prestate, post = the leaf.
    let (pre, post) = g.step_states(leaf, true).unwrap();
    assert_eq!((pre, post), (alphabet::absolute_prestate(), leaf));
    // Defense step: pre = the leaf, post = the claim at 65's trace ancestor (32).
    let (pre, post) = g.step_states(leaf, false).unwrap();
    assert_eq!(pre, g.claims()[leaf].claim);
    assert_eq!(g.claims()[post].position, Position(32));
    // A leaf further right: 16 -> defend 34 -> attack 68: the pre-state is the claim at
    // traceAncestorBounded(67) = 16.
    let c34 = mv(&mut g, path[4], false, 20, A, T0 + 20).unwrap();
    let c68 = mv(&mut g, c34, true, 21, B, T0 + 21).unwrap();
    assert_eq!(g.claims()[c68].position, Position(68));
    let (pre, post) = g.step_states(c68, true).unwrap();
    assert_eq!((pre, post), (g.claims()[path[4]].claim, c68));
    // Steps only one below the max depth.
    assert_eq!(g.step_states(path[5], true), Err(GameError::InvalidParent));
    // In the second execution subgame (output leaf at index 1), the first leaf's attack
    // step again starts from the absolute prestate (index at depth localized mod 2^4).
    let c6 = mv(&mut g, path[1], false, 30, A, T0 + 30).unwrap();
    let mut p = c6;
    for v in 31..=34u128 {
        p = mv(
            &mut g,
            p,
            true,
            v,
            if v % 2 == 0 { A } else { B },
            T0 + v as u64,
        )
        .unwrap();
    }
    assert_eq!(g.claims()[p].position, Position(96));
    assert_eq!(
        g.step_states(p, true).unwrap().0,
        alphabet::absolute_prestate()
    );
}

#[test]
fn local_context() {
    let (g, path) = deep_game();
    // The exec root 8 attacked output leaf 4 at index 0: the start is the anchor.
    let ctx = g.local_context(path[6]).unwrap();
    let disputed = g.claims()[path[2]];
    assert_eq!(
        (ctx.disputed, ctx.disputed_pos),
        (disputed.claim, Position(4))
    );
    assert_eq!(ctx.starting_pos, Position(0));
    let mut pos_word = [0u8; 32];
    pos_word[31] = 4;
    assert_eq!(ctx.uuid, keccak256(&[&disputed.claim.0, &pos_word]));
    // Block: anchor 100 + traceIndex(4, 2) + 1 = 101.
    assert_eq!(ctx.disputed_l2_block_number, 101);
    let (uuid, word, size) = g
        .local_data(local_key::DISPUTED_L2_BLOCK_NUMBER, path[6])
        .unwrap();
    assert_eq!(
        (uuid, &word[..8], size),
        (ctx.uuid, &101u64.to_be_bytes()[..], 8)
    );
    assert_eq!(
        g.local_data(local_key::CHAIN_ID, path[6]).unwrap().1[..8],
        901u64.to_be_bytes()
    );
    assert_eq!(g.local_data(9, path[6]), Err(GameError::InvalidLocalIdent));
    assert_eq!(g.local_context(path[2]), Err(GameError::ClaimAboveSplit));
}

#[test]
fn exec_root_status_rule() {
    let mut g = new_game(small_config(), Claim::from_u128(1));
    let c1 = mv(&mut g, 0, true, 2, B, T0 + 1).unwrap();
    let c2 = mv(&mut g, c1, true, 3, A, T0 + 2).unwrap();
    let bond = g.required_bond(Position(8)).unwrap();
    let disputed = g.claims()[c2].claim;
    // An attack on an output leaf needs INVALID or PANIC; VALID and UNFINISHED revert.
    for (status, ok) in [
        (VmStatus::Valid, false),
        (VmStatus::Unfinished, false),
        (VmStatus::Invalid, true),
        (VmStatus::Panic, true),
    ] {
        let claim = Claim::from_u128(9).with_status(status);
        let mut g2 = g.clone();
        let r = g2.move_claim(disputed, c2, claim, true, B, bond, T0 + 3);
        assert_eq!(r.is_ok(), ok, "{status:?}");
        if !ok {
            assert_eq!(r, Err(GameError::UnexpectedRootClaim(claim)));
        }
    }
    // A defense of output leaf 4 (an attack on 2 by A): the disputed output is 2's, made
    // by the other team (depth 1, split 2): the root must be VALID.
    let bond10 = g.required_bond(Position(10)).unwrap();
    assert_eq!(g.required_bond(Position(8)), Ok(bond));
    assert_eq!(bond, bond10);
    let valid = Claim::from_u128(9).with_status(VmStatus::Valid);
    assert!(!g.exec_root_must_be_invalid(c2, false).unwrap());
    let mut g2 = g.clone();
    assert!(g2
        .move_claim(disputed, c2, valid, false, B, bond, T0 + 3)
        .is_ok());
    let invalid = valid.with_status(VmStatus::Invalid);
    assert_eq!(
        g.move_claim(disputed, c2, invalid, false, B, bond, T0 + 3),
        Err(GameError::UnexpectedRootClaim(invalid))
    );
}

#[test]
fn bad_moves_revert_with_the_contract_reason() {
    let mut g = new_game(small_config(), Claim::from_u128(1));
    let root = g.claims()[0].claim;
    let b1 = g.required_bond(Position(2)).unwrap();
    // Unknown claim: the contract's array access panics; here a typed error.
    assert_eq!(
        g.move_claim(root, 5, Claim::from_u128(2), true, B, b1, T0),
        Err(GameError::InvalidClaimIndex(5))
    );
    assert_eq!(
        g.move_claim(Claim::from_u128(7), 0, Claim::from_u128(2), true, B, b1, T0),
        Err(GameError::InvalidDisputedClaimIndex)
    );
    assert_eq!(
        g.move_claim(root, 0, Claim::from_u128(2), false, B, b1, T0),
        Err(GameError::CannotDefendRootClaim)
    );
    assert_eq!(
        g.move_claim(root, 0, Claim::from_u128(2), true, B, b1 - 1, T0),
        Err(GameError::IncorrectBondAmount)
    );
    assert_eq!(
        g.move_claim(root, 0, Claim::from_u128(2), true, B, b1 + 1, T0),
        Err(GameError::IncorrectBondAmount)
    );
    let c1 = g
        .move_claim(root, 0, Claim::from_u128(2), true, B, b1, T0 + 1)
        .unwrap();
    assert_eq!(
        g.move_claim(root, 0, Claim::from_u128(2), true, A, b1, T0 + 2),
        Err(GameError::ClaimAlreadyExists)
    );
    // The same value against the same parent at another position, or another value, is fine.
    assert!(g
        .move_claim(root, 0, Claim::from_u128(3), true, A, b1, T0 + 2)
        .is_ok());
    assert_eq!(
        g.move_claim(root, 0, Claim::from_u128(4), true, A, b1, T0 + 20_000),
        Err(GameError::ClockTimeExceeded)
    );
    // Execution roots cannot be defended; the max depth cannot be passed.
    let (mut d, path) = deep_game();
    let exec_root = path[3];
    let c = d.claims()[exec_root].claim;
    let b4 = d.required_bond(Position(16)).unwrap();
    assert_eq!(
        d.move_claim(c, exec_root, Claim::from_u128(9), false, A, b4, T0 + 10),
        Err(GameError::CannotDefendRootClaim)
    );
    let leaf = path[6];
    let lc = d.claims()[leaf].claim;
    assert_eq!(
        d.move_claim(lc, leaf, Claim::from_u128(9), true, A, b4, T0 + 10),
        Err(GameError::GameDepthExceeded)
    );
    let _ = c1;
}

#[test]
fn steps() {
    let chain = SyntheticChain::new(1);
    let vm = AlphabetVm { chain, steps: 8 };
    let (mut g, path) = deep_game();
    let leaf = path[6];
    // Not the preimage of the prestate.
    assert_eq!(
        g.step(leaf, true, &[1, 2, 3], &[], B, &vm),
        Err(GameError::InvalidPrestate)
    );
    // At the wrong depth.
    assert_eq!(
        g.step(path[5], true, &ABSOLUTE_PRESTATE_DATA, &[], B, &vm),
        Err(GameError::InvalidParent)
    );
    // The leaf (made-up value) is not what the VM computes: the attack step counters it.
    g.step(leaf, true, &ABSOLUTE_PRESTATE_DATA, &[], B, &vm)
        .unwrap();
    assert_eq!(g.claims()[leaf].countered_by, B);
    assert_eq!(
        g.step(leaf, true, &ABSOLUTE_PRESTATE_DATA, &[], A, &vm),
        Err(GameError::DuplicateStep)
    );

    // A leaf that holds the true post-state cannot be attack-stepped.
    let (mut g, path) = deep_game();
    let ctx = g.local_context(path[5]).unwrap();
    let truth = verdict_game::StepVm::step(&vm, &ABSOLUTE_PRESTATE_DATA, &[], &ctx).unwrap();
    let p = path[5];
    let pc = g.claims()[p].claim;
    let bond = g.required_bond(Position(64)).unwrap();
    let good = g.move_claim(pc, p, truth, true, B, bond, T0 + 40).unwrap();
    assert_eq!(
        g.step(good, true, &ABSOLUTE_PRESTATE_DATA, &[], A, &vm),
        Err(GameError::ValidStep)
    );
}

#[test]
fn resolution_order_and_bonds() {
    let mut g = new_game(small_config(), Claim::from_u128(1));
    let root = g.claims()[0];
    // B attacks the root; A counters B twice: a defense (position 6) then an attack (4).
    let c1 = mv(&mut g, 0, true, 2, B, T0 + 10).unwrap();
    let def = mv(&mut g, c1, false, 3, A, T0 + 20).unwrap();
    let att = mv(&mut g, c1, true, 4, Address::repeat_byte(0xcc), T0 + 30).unwrap();
    let end = T0 + 100_000;
    assert_eq!(
        g.resolve_claim(0, 0, T0 + 40),
        Err(GameError::ClockNotExpired)
    );
    assert_eq!(
        g.resolve_claim(0, 0, end),
        Err(GameError::OutOfOrderResolution)
    );
    assert_eq!(
        g.resolve_claim(c1, 0, end),
        Err(GameError::OutOfOrderResolution)
    );
    assert_eq!(g.resolve(end), Err(GameError::OutOfOrderResolution));
    g.resolve_claim(def, 0, end).unwrap();
    assert_eq!(
        g.resolve_claim(def, 0, end),
        Err(GameError::ClaimAlreadyResolved)
    );
    g.resolve_claim(att, 0, end).unwrap();
    // Checkpointed resolution: one child at a time.
    g.resolve_claim(c1, 1, end).unwrap();
    assert!(!g.is_resolved(c1));
    g.resolve_claim(c1, 1, end).unwrap();
    assert!(g.is_resolved(c1));
    // The leftmost uncountered child (position 4, made later) countered c1.
    assert_eq!(g.claims()[c1].countered_by, Address::repeat_byte(0xcc));
    g.resolve_claim(0, 0, end).unwrap();
    assert_eq!(g.resolve(end), Ok(GameStatus::DefenderWins));
    assert_eq!(g.resolve(end), Err(GameError::GameNotInProgress));
    assert_eq!(
        g.challenger_duration(0, end),
        Err(GameError::GameNotInProgress)
    );
    let b1 = g.claims()[c1].bond;
    let b2 = g.required_bond(Position(4)).unwrap();
    assert_eq!(g.credit(&Address::repeat_byte(0xcc)), b1 + b2);
    assert_eq!(g.credit(&A), root.bond + b2);
    assert_eq!(g.credit(&B), 0);
    // Refund mode pays back what each posted instead.
    let mut refund = g.clone();
    assert_eq!(refund.close_game(false), Ok(BondDistributionMode::Refund));
    assert_eq!(refund.claim_credit(B), Ok(b1));
    assert_eq!(g.claim_credit(A), Ok(root.bond + b2));
    assert_eq!(g.claim_credit(A), Err(GameError::NoCreditToClaim));
    assert_eq!(g.claim_credit(B), Err(GameError::NoCreditToClaim));
}

#[test]
fn closing_needs_a_resolved_game() {
    let mut g = new_game(small_config(), Claim::from_u128(1));
    assert_eq!(g.close_game(true), Err(GameError::GameNotFinalized));
    assert_eq!(g.claim_credit(A), Err(GameError::GameNotFinalized));
}

#[test]
fn challenge_root_l2_block() {
    let header = |n: u64| {
        let num = n.to_be_bytes();
        let skip = num.iter().take_while(|&&b| b == 0).count();
        let fields: Vec<&[u8]> = vec![
            &[1; 32],
            &[2; 32],
            &[3; 20],
            &[4; 32],
            &[5; 32],
            &[6; 32],
            &[0; 256],
            &[],
            &num[skip..],
            &[9],
        ];
        encode_list(&fields)
    };
    let wrong = header(103);
    let proof = OutputRootProof {
        latest_blockhash: keccak256(&[&wrong]),
        state_root: [7; 32],
        ..Default::default()
    };
    let mut g = new_game(small_config(), proof.hash());
    let bad_proof = OutputRootProof {
        state_root: [8; 32],
        ..proof
    };
    assert_eq!(
        g.challenge_root_l2_block(&bad_proof, &wrong, B),
        Err(GameError::InvalidOutputRootProof)
    );
    assert_eq!(
        g.challenge_root_l2_block(&proof, &header(104), B),
        Err(GameError::InvalidHeaderRLP)
    );
    // A header that is the claimed block: nothing to challenge.
    let right = header(104);
    let mut g2 = new_game(
        small_config(),
        OutputRootProof {
            latest_blockhash: keccak256(&[&right]),
            ..proof
        }
        .hash(),
    );
    let p2 = OutputRootProof {
        latest_blockhash: keccak256(&[&right]),
        ..proof
    };
    assert_eq!(
        g2.challenge_root_l2_block(&p2, &right, B),
        Err(GameError::BlockNumberMatches)
    );
    // The real challenge: the root can no longer be moved against, and its bond goes to B.
    g.challenge_root_l2_block(&proof, &wrong, B).unwrap();
    assert_eq!(
        g.challenge_root_l2_block(&proof, &wrong, A),
        Err(GameError::L2BlockNumberChallenged)
    );
    assert_eq!(
        mv(&mut g, 0, true, 2, A, T0 + 1),
        Err(GameError::L2BlockNumberChallenged)
    );
    let end = T0 + 100_000;
    g.resolve_claim(0, 0, end).unwrap();
    assert_eq!(g.resolve(end), Ok(GameStatus::ChallengerWins));
    assert_eq!(g.credit(&B), 80_000_000_000_000_000);
}

#[test]
fn alphabet_vm_counts_and_judges() {
    let chain = SyntheticChain::new(3);
    let vm = AlphabetVm { chain, steps: 2 };
    let (g, path) = deep_game();
    let ctx = g.local_context(path[6]).unwrap();
    let s1 = verdict_game::StepVm::step(&vm, &ABSOLUTE_PRESTATE_DATA, &[], &ctx).unwrap();
    assert_eq!(s1.vm_status(), VmStatus::Unfinished as u8);
    let mut st = [0u8; 96];
    st[24..32].copy_from_slice(&101u64.to_be_bytes());
    st[63] = 1;
    assert_eq!(keccak256(&[&st])[1..], s1.0[1..]);
    let s2 = verdict_game::StepVm::step(&vm, &st, &[], &ctx).unwrap();
    // The disputed output (a made-up claim) is not the chain's: INVALID.
    assert_eq!(s2.vm_status(), VmStatus::Invalid as u8);
}
