//! A dispute over the real fault proof program: the claim program (in our RISC-V VM) on a
//! synthetic chain (L1 blocks carrying the batcher's data, the L2 chain executed by our executor).
//! A proposer claims a wrong output root four blocks past the anchor, wrong from the second block
//! on, and defends it with a made-up execution trace that agrees with the real run of the disputed
//! block up to the middle, right before a step that reads a global preimage. The honest
//! challenger bisects the output roots to that block, then its execution to that step; the step's
//! data carries the preimage and the local context; the challenger loads the preimage into the
//! PreimageOracle and steps; the stateless verifier accepts the step; the honest side wins.
//!
//! Needs `guests/build/claim.elf` (scripts/build-guests.sh) and `../shared/fixtures/upgrade-txs`
//! (the synthetic chain's upgrade transactions); with `CI=true` a missing one fails the test.
#![cfg(feature = "riscv")]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::rc::Rc;
use verdict_challenger::oracle::{load_for_step, SharedOracle};
use verdict_challenger::providers::riscv::{RiscvFactory, RiscvStepper};
use verdict_challenger::providers::vm::{VmFactory, VmTraceFactory};
use verdict_challenger::providers::{
    LyingFactory, OutputSource, OutputTrace, SplitTrace, TraceError, TraceProvider,
};
use verdict_challenger::sim::{Rng, Table, GAME_ADDRESS, HONEST};
use verdict_challenger::solver::Solver;
use verdict_fpvm::{FaultVm, PreimageStop};
use verdict_game::{
    Address, Claim, Game, GameConfig, GameStatus, LocalContext, OutputRoot, StepVm, VmStatus,
};
use verdict_preimage::{
    HintWriter, LocalKey, MapOracle, PreimageError, PreimageKey, PreimageOracle,
};
use verdict_testchain::fixture::{generate, Kind};

fn needed(path: PathBuf, how: &str) -> Option<PathBuf> {
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{} is missing ({how})",
        path.display()
    );
    eprintln!("SKIPPED: {} is missing ({how})", path.display());
    None
}

/// What the VM reads in one subgame: the world's preimages, and the subgame's local inputs
/// (idents 1-5) from its local context.
struct SubgameOracle {
    shared: Rc<MapOracle>,
    locals: BTreeMap<PreimageKey, Vec<u8>>,
}

impl SubgameOracle {
    fn new(shared: Rc<MapOracle>, ctx: &LocalContext) -> Self {
        let mut locals = BTreeMap::new();
        let mut local = |k: LocalKey, v: Vec<u8>| locals.insert(PreimageKey::local(k), v);
        local(LocalKey::L1Head, ctx.l1_head.0.to_vec());
        local(LocalKey::AgreedOutputRoot, ctx.starting.0.to_vec());
        local(LocalKey::ClaimedOutputRoot, ctx.disputed.0.to_vec());
        local(
            LocalKey::ClaimedBlockNumber,
            ctx.disputed_l2_block_number.to_be_bytes().to_vec(),
        );
        local(LocalKey::ChainId, ctx.chain_id.to_be_bytes().to_vec());
        SubgameOracle { shared, locals }
    }
}

impl PreimageOracle for SubgameOracle {
    fn get(&self, key: PreimageKey) -> Result<Vec<u8>, PreimageError> {
        match self.locals.get(&key) {
            Some(v) => Ok(v.clone()),
            None => self.shared.get(key),
        }
    }
}

impl HintWriter for SubgameOracle {
    fn hint(&self, _hint: &[u8]) -> Result<(), PreimageError> {
        Ok(())
    }
}

/// Output roots by block number: the chain's, or a liar's from some block on.
#[derive(Clone)]
struct Outputs {
    roots: BTreeMap<u64, Claim>,
}

impl OutputSource for Outputs {
    fn output_at(&mut self, block: u64) -> Result<Claim, TraceError> {
        self.roots
            .get(&block)
            .copied()
            .ok_or_else(|| TraceError(format!("no output at block {block}")))
    }
}

#[test]
fn a_dispute_over_the_fault_proof_program_ends_in_a_verified_step_that_reads_a_preimage() {
    let (Some(elf), Some(_)) = (
        needed(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../guests/build/claim.elf"),
            "run scripts/build-guests.sh",
        ),
        needed(
            verdict_program::fixture::fixtures_dir().join("upgrade-txs"),
            "the shared fixtures",
        ),
    ) else {
        return;
    };
    let (world, claims) = generate(Kind::OneBlock, 1).unwrap();
    let l1_head = Claim(claims[0].l1_head.0);
    let chain_id = claims[0].l2_chain_id;
    // Anchor at block 2, root claim at block 6: the output bisection covers blocks 3 to 6.
    let (anchor, top_block) = (2u64, 6u64);
    assert!(top_block <= claims[0].claimed_l2_block_number);
    let truth = Outputs {
        roots: (anchor..=top_block)
            .map(|n| (n, Claim(world.output_root(n).unwrap().0)))
            .collect(),
    };
    let mut lie = truth.clone();
    for n in anchor + 2..=top_block {
        lie.roots.insert(n, Claim([n as u8; 32]));
    }
    let disputed_block = anchor + 2;
    let mut oracle = MapOracle::default();
    for (k, v) in &world.preimages.0 {
        oracle.insert(*k, v.clone());
    }
    let preimages = Rc::new(oracle);
    let initial = verdict_riscv::load_elf(&std::fs::read(elf).unwrap()).unwrap();
    let shared = preimages.clone();
    let traces = VmTraceFactory {
        factory: Rc::new(RiscvFactory::new(move |ctx: &LocalContext| {
            SubgameOracle::new(shared.clone(), ctx)
        })),
        initial: initial.clone(),
        snapshot_every: 1 << 20,
    };

    // The honest run of the disputed block against the liar's root, and the first step reading
    // a global preimage after its middle.
    let ctx = LocalContext {
        l1_head,
        starting: truth.roots[&(disputed_block - 1)],
        disputed: lie.roots[&disputed_block],
        disputed_l2_block_number: disputed_block,
        chain_id,
        ..LocalContext::default()
    };
    let mut vm = traces.factory.vm(initial.clone(), &ctx);
    vm.run(u64::MAX).unwrap();
    let steps = vm.step_count();
    assert_eq!(
        vm.exit(),
        Some(1),
        "the program judges the liar's root INVALID"
    );
    let mut vm = traces.factory.vm(initial.clone(), &ctx);
    vm.run(steps / 2).unwrap();
    vm.set_preimage_stop(PreimageStop::key_type("global").unwrap());
    vm.run(u64::MAX).unwrap();
    assert!(vm.stopped_at_preimage());
    let read_step = vm.step_count() - 1;

    // A game whose execution subgames cover a block's run: split depth 2, then 2^27 steps.
    let exec_depth = 27;
    assert!(steps < 1 << exec_depth, "{steps} steps");
    let cfg = GameConfig {
        game_type: 0,
        absolute_prestate: traces.absolute_prestate(),
        max_game_depth: 2 + 1 + exec_depth,
        split_depth: 2,
        max_clock_duration: 302_400,
        clock_extension: 10_800,
        oracle_challenge_period: 86_400,
        l2_chain_id: chain_id,
    };
    let now = 1_700_000_000;
    let proposer = Address::with_last_byte(2);
    let game = Game::new(
        cfg.clone(),
        OutputRoot {
            root: truth.roots[&anchor],
            l2_block_number: anchor,
        },
        lie.roots[&top_block],
        top_block,
        l1_head,
        proposer,
        80_000_000_000_000_000,
        now,
    )
    .unwrap();
    let top = |o: Outputs| OutputTrace::new(o, anchor, top_block, 2);
    let honest = Solver::new(
        "honest",
        HONEST,
        SplitTrace::new(top(truth.clone()), traces.clone()),
    );
    // The liar agrees with the real run up to the step before the read, then makes states up,
    // ending VALID.
    let liar = Solver::new(
        "wrong-proposer",
        proposer,
        SplitTrace::new(
            top(lie),
            LyingFactory {
                inner: traces.clone(),
                from: u128::from(read_step),
                salt: 5,
                final_status: VmStatus::Valid,
            },
        ),
    );
    let oracle = SharedOracle::default();
    let stepper = RiscvStepper {
        oracle: oracle.clone(),
        game_address: GAME_ADDRESS,
    };
    let table = Table {
        game,
        honest: Box::new(honest),
        adversaries: vec![Box::new(liar)],
        vm: &stepper,
        oracle: oracle.clone(),
        now,
        max_gap: 600,
        late_margin: 100,
        root_correct: false,
        max_rounds: 10_000,
    };
    let report = table.play(&mut Rng::new(7));
    report.check(HONEST).unwrap();
    assert_eq!(report.game.status(), GameStatus::ChallengerWins);

    // The decisive step: the honest actor stepped on the liar's first made-up state, the step
    // that reads the preimage.
    let g = &report.game;
    let step = report
        .steps
        .iter()
        .find(|s| s.by == HONEST)
        .expect("the honest actor stepped");
    let leaf = g.claims()[step.leaf];
    assert_eq!(leaf.position.depth(), cfg.max_game_depth);
    assert_eq!(leaf.countered_by, HONEST);
    let rel = leaf
        .position
        .relative_to_ancestor_at(cfg.split_depth + 1)
        .trace_index(exec_depth)
        + u128::from(!step.is_attack);
    assert_eq!(
        rel,
        u128::from(read_step),
        "the step from the state before the read"
    );
    let ctx = g.local_context(step.leaf).unwrap();
    let mut trace = traces.trace(&ctx, exec_depth);
    let data = trace.step_data(rel).unwrap();
    let preimage = data.preimage.clone().expect("the step reads a preimage");
    assert_eq!(preimage.key[0], 2, "a global (keccak256) preimage");
    assert_eq!(data.local_context, ctx.uuid);
    // The PreimageOracle the game's VM read holds it, as the honest actor loaded it.
    assert!(oracle.borrow().get(&preimage.key).is_some());
    // The stateless verifier, given the step data with its preimage and local context, reaches
    // the real next state, not the liar's claim; without the preimage it reverts.
    let fresh = SharedOracle::default();
    let verifier = RiscvStepper {
        oracle: fresh.clone(),
        game_address: GAME_ADDRESS,
    };
    assert!(verifier.step(&data.state_data, &data.proof, &ctx).is_err());
    load_for_step(&fresh, g, GAME_ADDRESS, step.leaf, &data).unwrap();
    let post = verifier.step(&data.state_data, &data.proof, &ctx).unwrap();
    assert_eq!(post, trace.get(rel).unwrap());
    assert_ne!(post, leaf.claim);
}
