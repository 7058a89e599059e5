//! The Solidity dispute game (`DisputeGameFactory`, `AnchorStateRegistry`, `DelayedWETH`,
//! `FaultDisputeGame`) against `verdict-game`: seeded simulations (`verdict_challenger::sim`: the
//! honest solver against the simulator's adversaries, on `verdict-game`'s engine) are replayed
//! call by call on an L1, with the block timestamp set to each call's time. Every call must
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
//! The same replay (`replay/mod.rs`) runs on two L1s: revm in process (a fresh EVM per game) and
//! anvil, a real node over JSON-RPC (signed transactions each mined in its own block, reverts
//! read from the node's trace, time travel by `evm_setNextBlockTimestamp`, views by `eth_call`;
//! one node per test, returned to a snapshot after each game, killed at the end).
//!
//! `VERDICT_GAME_REPLAYS` sets how many games on revm (default 300, the CI subset);
//! `VERDICT_ANVIL_GAME_REPLAYS` how many on anvil (default 24). The full runs are
//! `VERDICT_GAME_REPLAYS=10000 cargo test -p verdict-contracts --test game_replay revm --
//! --nocapture` and `VERDICT_ANVIL_GAME_REPLAYS=10000 cargo test -p verdict-contracts --test
//! game_replay anvil -- --nocapture` (BENCHMARKS.md). `VERDICT_ANVIL_GAME_FIRST_SEED` (default 0)
//! starts the anvil replay at a later seed, so a long run can be split into seed ranges. Without
//! anvil the anvil tests are skipped, unless `CI=true`.

mod replay;

use alloy_primitives::{keccak256, Address, U256};
use replay::{replay, replay_report_with, Chain, Loader, Loaders, Totals};
use std::time::Instant;
use verdict_challenger::sim::{Call, Report};
use verdict_contracts::{NodeStats, VmKind};
use verdict_game::{Claim, Game};
use verdict_node::testing::anvil_binary;

fn env_count(var: &str, default: u64) -> u64 {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn replayed_games_agree_with_the_engine_on_revm() {
    let n = env_count("VERDICT_GAME_REPLAYS", 300);
    let started = Instant::now();
    let mut t = Totals::default();
    let mut chain = Chain::Revm;
    for seed in 0..n {
        replay(&mut chain, seed, &mut t);
    }
    t.print("revm", started.elapsed().as_secs_f64());
    t.assert_varied();
}

/// Replays seeds `first + job`, `first + job + jobs`, ... below `first + n` on a new anvil;
/// returns the totals, the node's statistics and the node (still running).
fn replay_on_anvil(
    bin: &str,
    first: u64,
    n: u64,
    job: u64,
    jobs: u64,
) -> (Totals, NodeStats, Chain) {
    let mut chain = Chain::anvil(bin);
    let mut t = Totals::default();
    let started = Instant::now();
    for seed in (first + job..first + n).step_by(jobs as usize) {
        replay(&mut chain, seed, &mut t);
        if t.games % 500 == 0 {
            eprintln!(
                "anvil job {job}: {} games in {:.0} s",
                t.games,
                started.elapsed().as_secs_f64()
            );
        }
    }
    let stats = match &chain {
        Chain::Anvil { node, .. } => node.stats,
        Chain::Revm => unreachable!(),
    };
    (t, stats, chain)
}

/// The same replay on anvil: `VERDICT_ANVIL_GAME_REPLAYS` seeds (default 24, every lineup, shape
/// and refund case) from `VERDICT_ANVIL_GAME_FIRST_SEED` (default 0), on `VERDICT_ANVIL_JOBS` nodes side by side (default 1), then
/// the RISC-V VM game with its step verified by `RISCV.sol` on the node. Each node is started on a
/// free loopback port and killed with its process group at the end.
#[test]
fn replayed_games_agree_with_the_engine_on_anvil() {
    let Some(bin) = anvil_binary() else { return };
    let n = env_count("VERDICT_ANVIL_GAME_REPLAYS", 24);
    let jobs = env_count("VERDICT_ANVIL_JOBS", 1).max(1);
    let first = env_count("VERDICT_ANVIL_GAME_FIRST_SEED", 0);
    let started = Instant::now();
    let results: Vec<_> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..jobs)
            .map(|job| {
                let bin = &bin;
                s.spawn(move || replay_on_anvil(bin, first, n, job, jobs))
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let secs = started.elapsed().as_secs_f64();
    let mut t = Totals::default();
    let mut stats = NodeStats::default();
    let mut chains = vec![];
    for (job_totals, job_stats, chain) in results {
        t.merge(&job_totals);
        stats.merge(&job_stats);
        chains.push(chain);
    }
    t.print(
        &format!("anvil ({jobs} node(s), seeds {first}..{})", first + n),
        secs,
    );
    eprintln!("anvil: {stats}");
    t.assert_varied();

    let mut chain = chains.swap_remove(0);
    let report = play_vm_game(looping_program(1000), |_| verdict_preimage::NoOracle, 1234);
    replay_on_riscv_sol(&mut chain, &report, "vm game on anvil");

    chains.push(chain);
    for chain in chains {
        let pid = match &chain {
            Chain::Anvil { node, .. } => node.pid().expect("started here"),
            Chain::Revm => unreachable!(),
        };
        drop(chain);
        assert!(
            !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "anvil {pid} still running"
        );
    }
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
fn replay_on_riscv_sol(chain: &mut Chain, report: &Report, what: &str) -> Vec<[u8; 32]> {
    replay_on_riscv_sol_with(chain, &Loaders::new(), report, what)
}

/// [`replay_on_riscv_sol`] with the loaders of the blob and precompile preimages the steps read.
fn replay_on_riscv_sol_with(
    chain: &mut Chain,
    loaders: &Loaders,
    report: &Report,
    what: &str,
) -> Vec<[u8; 32]> {
    let mut t = Totals::default();
    replay_report_with(chain, loaders, report, VmKind::Riscv, false, what, &mut t);
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
    replay_on_riscv_sol(&mut Chain::Revm, &report, "vm game");
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

/// A program that reads the preimages of `keys` (the length prefix, then 24 bytes of each), then
/// counts down and exits 1. Returns it and the instruction indices of the two prefix reads.
fn reading_program(keys: [[u8; 32]; 2]) -> (verdict_riscv::State, u128, u128) {
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
    state.memory.write(DATA, &keys[0]);
    state.memory.write(DATA + 0x20, &keys[1]);
    (state, reads[0], reads[1])
}

/// The deciding step reads a preimage: first the disputed output root (local data the game loads
/// into the oracle with `addLocalData`, bound to the game and the leaf's local context, which
/// `RISCV.sol` reads back localized with its caller, the game), then a keccak256 preimage.
#[test]
fn vm_games_decided_by_preimage_reading_steps_replay_on_riscv_sol() {
    let (state, local_read, global_read) = reading_program([local_key(3), global_key()]);
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
        let keys = replay_on_riscv_sol(&mut Chain::Revm, &report, what);
        assert!(keys.contains(&key), "{what}: the steps read {keys:?}");
    }
}

/// The compressed BLS12-381 G1 generator: the KZG commitment of the constant polynomial 1 (the
/// blob of field elements all 1), whose value at any point is 1 with the point at infinity as
/// the proof.
const G1: &str = "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb";

/// A blob element's key (type 5), its value and its loader: the constant blob's value at `z`.
fn blob_preimage(z: u64) -> ([u8; 32], Vec<u8>, Loader) {
    let commitment = hex::decode(G1).unwrap();
    let z = U256::from(z);
    let mut key = keccak256([&commitment[..], &z.to_be_bytes::<32>()].concat()).0;
    key[0] = 5;
    let mut proof = vec![0u8; 48];
    proof[0] = 0xc0;
    let y = U256::from(1).to_be_bytes::<32>().to_vec();
    (
        key,
        y,
        Loader::Blob {
            commitment,
            z,
            proof,
        },
    )
}

/// A precompile result's key (type 6), its value (status 1 ++ output) and its loader: sha256
/// (precompile 0x02) of `input` with 1,000 gas.
fn precompile_preimage(input: &[u8]) -> ([u8; 32], Vec<u8>, Loader) {
    use sha2::Digest;
    let address = Address::with_last_byte(2);
    let gas = 1_000u64;
    let mut key = keccak256([address.as_slice(), &gas.to_be_bytes(), input].concat()).0;
    key[0] = 6;
    let value = [&[1u8][..], &sha2::Sha256::digest(input)[..]].concat();
    let loader = Loader::Precompile {
        address,
        gas,
        input: input.to_vec(),
    };
    (key, value, loader)
}

/// Games decided by a step reading a blob element (loaded with `loadBlobPreimagePart`, checked by
/// the point-evaluation precompile) and one reading a precompile's result (loaded with
/// `loadPrecompilePreimagePart`): each step is verified by `RISCV.sol`, and the part the oracle
/// stored reads back as the onchain oracle model serves it. On revm, and on anvil when it is
/// installed.
#[test]
fn vm_games_decided_by_blob_and_precompile_parts_replay_on_riscv_sol() {
    let (blob_key, blob_value, blob_loader) = blob_preimage(123_456_789);
    let (pre_key, pre_value, pre_loader) =
        precompile_preimage(b"a precompile input in the vm game");
    let (state, blob_read, pre_read) = reading_program([blob_key, pre_key]);
    let loaders: Loaders = [(blob_key, blob_loader), (pre_key, pre_loader)].into();
    let oracle = move |_: &verdict_game::LocalContext| {
        let mut m = verdict_preimage::MapOracle::default();
        m.insert(verdict_preimage::PreimageKey(blob_key), blob_value.clone());
        m.insert(verdict_preimage::PreimageKey(pre_key), pre_value.clone());
        m
    };
    let mut chains = vec![("revm", Chain::Revm)];
    if let Some(bin) = anvil_binary() {
        chains.push(("anvil", Chain::anvil(&bin)));
    }
    for (from, key, read) in [
        (blob_read, blob_key, "blob read"),
        (pre_read, pre_key, "precompile read"),
    ] {
        let report = play_vm_game(state.clone(), oracle.clone(), from);
        for (on, chain) in &mut chains {
            let what = format!("{read} on {on}");
            let keys = replay_on_riscv_sol_with(chain, &loaders, &report, &what);
            assert!(keys.contains(&key), "{what}: the steps read {keys:?}");
        }
    }
}
