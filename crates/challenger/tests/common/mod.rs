//! A dispute over a real program's run, played to the step that reads a preimage: shared by the
//! block-check and the full-program games.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
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

/// `path` if it exists; otherwise skipped, or a failure under `CI=true`.
pub fn needed(path: PathBuf, how: &str) -> Option<PathBuf> {
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

/// A guest ELF built by scripts/build-guests.sh.
pub fn guest(name: &str) -> Option<PathBuf> {
    needed(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../../guests/build/{name}")),
        "run scripts/build-guests.sh",
    )
}

/// What the VM reads in one subgame: the shared preimages, and the subgame's local inputs
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

/// Output roots by block number: the chain's, or a liar's.
#[derive(Clone, Default)]
pub struct Outputs {
    pub roots: BTreeMap<u64, Claim>,
}

impl OutputSource for Outputs {
    fn output_at(&mut self, block: u64) -> Result<Claim, TraceError> {
        self.roots
            .get(&block)
            .copied()
            .ok_or_else(|| TraceError(format!("no output at block {block}")))
    }
}

/// A dispute: the program, what it reads, and the two sides' output roots from the anchor to the
/// root claim's block.
pub struct Dispute<'a> {
    pub elf: &'a Path,
    pub preimages: MapOracle,
    pub l1_head: Claim,
    pub chain_id: u64,
    pub anchor: u64,
    pub top_block: u64,
    pub truth: Outputs,
    pub lie: Outputs,
    /// The first block where the two sides' roots differ.
    pub disputed_block: u64,
}

/// Plays `d`: the liar's execution trace agrees with the real run of the disputed block up to the
/// middle, right before a step that reads a global preimage, then makes states up, ending VALID.
/// Checks that the honest side wins by stepping on exactly that read, that the step's data carries
/// the preimage and the local context, and that the stateless verifier (with the preimage loaded
/// into a fresh PreimageOracle, and reverting without it) reaches the real next state.
pub fn play_to_a_preimage_step(d: Dispute) {
    let initial = verdict_riscv::load_elf(&std::fs::read(d.elf).unwrap()).unwrap();
    let shared = Rc::new(d.preimages);
    let traces = VmTraceFactory {
        factory: Rc::new(RiscvFactory::new(move |ctx: &LocalContext| {
            SubgameOracle::new(shared.clone(), ctx)
        })),
        initial: initial.clone(),
        snapshot_every: 1 << 20,
    };

    // The honest run of the disputed block against the liar's root, and the first step reading a
    // global preimage after its middle.
    let ctx = LocalContext {
        l1_head: d.l1_head,
        starting: d.truth.roots[&(d.disputed_block - 1)],
        disputed: d.lie.roots[&d.disputed_block],
        disputed_l2_block_number: d.disputed_block,
        chain_id: d.chain_id,
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
        l2_chain_id: d.chain_id,
    };
    let now = 1_700_000_000;
    let proposer = Address::with_last_byte(2);
    let game = Game::new(
        cfg.clone(),
        OutputRoot {
            root: d.truth.roots[&d.anchor],
            l2_block_number: d.anchor,
        },
        d.lie.roots[&d.top_block],
        d.top_block,
        d.l1_head,
        proposer,
        80_000_000_000_000_000,
        now,
    )
    .unwrap();
    let top = |o: Outputs| OutputTrace::new(o, d.anchor, d.top_block, 2);
    let honest = Solver::new(
        "honest",
        HONEST,
        SplitTrace::new(top(d.truth.clone()), traces.clone()),
    );
    let liar = Solver::new(
        "wrong-proposer",
        proposer,
        SplitTrace::new(
            top(d.lie.clone()),
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
