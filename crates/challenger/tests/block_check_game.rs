//! A dispute over real chain data: the block-check program (in our RISC-V VM; one block from its
//! parent, the execution half of the fault proof program) on a real OP Sepolia block (the full
//! program's dispute, on a synthetic chain, is `claim_game.rs`). A proposer claims a wrong block hash and defends it with a made-up execution
//! trace that agrees with the real run up to the middle of the block, right before a step that
//! reads a global preimage (a trie node). The honest challenger bisects down to that step; the
//! step's data carries the preimage and the local context; the challenger loads the preimage into
//! the PreimageOracle and steps; the stateless verifier accepts the step; the honest side wins.
//!
//! Needs `guests/build/block-check.elf` (scripts/build-guests.sh) and the shared fixtures; with
//! `CI=true` a missing one fails the test.
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
    keccak256, HintWriter, LocalKey, MapOracle, PreimageError, PreimageKey, PreimageOracle,
};
use verdict_program::fixture::{fixtures_dir, header_preimage, parse_header, parse_preimages};

const BLOCK: &str = "op-sepolia-blocks/block-26207960";
const CHAIN_ID: u64 = 11155420;

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

/// The fixture's preimages (trie nodes, code, the parent header, the payload attributes), the
/// attributes' hash, the parent's number and hash, and the real block hash.
struct Chain {
    preimages: Rc<MapOracle>,
    attributes_hash: [u8; 32],
    parent_number: u64,
    parent_hash: Claim,
    block_hash: Claim,
}

fn load_chain(dir: &std::path::Path) -> Chain {
    let read = |f: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(dir.join(f)).unwrap()).unwrap()
    };
    let f = read("fixture.json");
    let mut oracle = MapOracle::default();
    for (k, v) in parse_preimages(&read("preimages.json")).unwrap() {
        oracle.insert(k, v);
    }
    let parent = parse_header(&f["parent_header"], "parent_header").unwrap();
    let (parent_hash, rlp) = header_preimage(&parent);
    oracle.insert(PreimageKey::from_keccak_hash(parent_hash.0), rlp);
    let attributes = serde_json::to_vec(&f["executing_payload"]).unwrap();
    let attributes_hash = keccak256(&attributes);
    oracle.insert(PreimageKey::from_keccak_hash(attributes_hash), attributes);
    let block_hash: [u8; 32] = hex::decode(&f["expected_block_hash"].as_str().unwrap()[2..])
        .unwrap()
        .try_into()
        .unwrap();
    Chain {
        preimages: Rc::new(oracle),
        attributes_hash,
        parent_number: parent.number,
        parent_hash: Claim(parent_hash.0),
        block_hash: Claim(block_hash),
    }
}

/// What the VM reads in one subgame: the fixture's preimages, and the subgame's local inputs
/// (the block check's idents 1-5) from its local context.
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

/// Output roots as the block check sees them: block hashes.
#[derive(Clone, Copy)]
struct Outputs {
    parent_number: u64,
    parent_hash: Claim,
    block_hash: Claim,
}

impl OutputSource for Outputs {
    fn output_at(&mut self, block: u64) -> Result<Claim, TraceError> {
        match block - self.parent_number {
            0 => Ok(self.parent_hash),
            1 => Ok(self.block_hash),
            _ => Err(TraceError(format!("no output at block {block}"))),
        }
    }
}

#[test]
fn a_dispute_over_the_block_check_ends_in_a_verified_step_that_reads_a_preimage() {
    let (Some(dir), Some(elf)) = (
        needed(fixtures_dir().join(BLOCK), "the shared fixtures"),
        needed(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../guests/build/block-check.elf"),
            "run scripts/build-guests.sh",
        ),
    ) else {
        return;
    };
    let chain = load_chain(&dir);
    let initial = verdict_riscv::load_elf(&std::fs::read(elf).unwrap()).unwrap();
    let shared = chain.preimages.clone();
    let traces = VmTraceFactory {
        factory: Rc::new(RiscvFactory::new(move |ctx: &LocalContext| {
            SubgameOracle::new(shared.clone(), ctx)
        })),
        initial: initial.clone(),
        snapshot_every: 1 << 20,
    };

    // The honest run, and the first step reading a global preimage after its middle.
    let wrong_hash = Claim([0xab; 32]);
    let ctx = LocalContext {
        l1_head: Claim(chain.attributes_hash),
        starting: chain.parent_hash,
        disputed: wrong_hash,
        disputed_l2_block_number: chain.parent_number + 1,
        chain_id: CHAIN_ID,
        ..LocalContext::default()
    };
    let mut vm = traces.factory.vm(initial.clone(), &ctx);
    vm.run(u64::MAX).unwrap();
    let steps = vm.step_count();
    assert_eq!(
        vm.exit(),
        Some(1),
        "the block check judges the wrong hash INVALID"
    );
    let mut vm = traces.factory.vm(initial.clone(), &ctx);
    vm.run(steps / 2).unwrap();
    vm.set_preimage_stop(PreimageStop::key_type("global").unwrap());
    vm.run(u64::MAX).unwrap();
    assert!(vm.stopped_at_preimage());
    let read_step = vm.step_count() - 1;

    // A game whose execution subgames cover the run: split depth 2, then 2^27 steps.
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
        l2_chain_id: CHAIN_ID,
    };
    let now = 1_700_000_000;
    let proposer = Address::with_last_byte(2);
    let game = Game::new(
        cfg.clone(),
        OutputRoot {
            root: chain.parent_hash,
            l2_block_number: chain.parent_number,
        },
        wrong_hash,
        chain.parent_number + 1,
        Claim(chain.attributes_hash),
        proposer,
        80_000_000_000_000_000,
        now,
    )
    .unwrap();
    let truth = Outputs {
        parent_number: chain.parent_number,
        parent_hash: chain.parent_hash,
        block_hash: chain.block_hash,
    };
    let lie = Outputs {
        block_hash: wrong_hash,
        ..truth
    };
    let top = |o: Outputs| OutputTrace::new(o, chain.parent_number, chain.parent_number + 1, 2);
    let honest = Solver::new(
        "honest",
        HONEST,
        SplitTrace::new(top(truth), traces.clone()),
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
