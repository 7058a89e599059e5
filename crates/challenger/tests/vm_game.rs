//! A full game with our RISC-V VM in the bottom half: a wrong proposal about a run of a
//! test program, an honest challenger, and a dishonest proposer that defends its claim with
//! a made-up execution trace. The game must end in a step whose proof the stateless
//! verifier accepts, and the honest side must win.
//!
//! The test program does not read the disputed output (it always exits 1, "invalid"), so
//! the liar's chain forks right after the anchor: every output it claims is wrong, the
//! honest actor only ever attacks output claims, and each execution subgame it opens
//! disputes a wrong output, which is what an exit code of 1 says. The liar's team holds the
//! even depths, the execution leaves (depth 18) included, so the game ends in a step.
#![cfg(feature = "riscv")]

use std::rc::Rc;
use verdict_challenger::oracle::SharedOracle;
use verdict_challenger::providers::riscv::{RiscvFactory, RiscvStepper};
use verdict_challenger::providers::vm::VmTraceFactory;
use verdict_challenger::providers::{LyingFactory, OutputTrace, SplitTrace, TraceProvider};
use verdict_challenger::sim::{Rng, Table, GAME_ADDRESS, HONEST};
use verdict_challenger::solver::Solver;
use verdict_game::alphabet::SyntheticChain;
use verdict_game::{
    Address, Claim, Game, GameConfig, GameStatus, LocalContext, OutputRoot, StepVm, VmStatus,
};
use verdict_preimage::NoOracle;
use verdict_riscv::asm::{self, reg::*};
use verdict_riscv::FaultVm;

/// Counts `n` down in a loop (2 steps per turn), then exits with code 1: the program
/// judges the disputed output invalid.
fn looping_program(n: u64) -> verdict_riscv::State {
    let mut prog = asm::li(A0, n);
    prog.push(asm::addi(A0, A0, -1));
    prog.push(asm::b(1, A0, ZERO, -4)); // bne a0, zero, -4
    prog.push(asm::addi(A0, ZERO, 1));
    prog.push(asm::addi(A7, ZERO, 93));
    prog.push(asm::ECALL);
    verdict_riscv::load_elf(&asm::elf(0x10000, &asm::code(&prog))).expect("valid ELF")
}

#[test]
fn vm_bottom_half_game_ends_in_a_verified_step() {
    let initial = looping_program(1000);
    let factory = VmTraceFactory {
        factory: Rc::new(RiscvFactory::new(|_: &LocalContext| NoOracle)),
        initial: initial.clone(),
        snapshot_every: 256,
    };
    // The run takes about 2000 steps: the execution game (depth 13) covers 8192.
    let mut probe = factory.trace(&LocalContext::default(), 13);
    let last = probe.vm_at(1 << 13).unwrap();
    assert!(
        last.exit() == Some(1) && last.step_count() < 8192,
        "{}",
        last.step_count()
    );

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
        80_000_000_000_000_000,
        now,
    )
    .unwrap();

    let honest = Solver::new(
        "honest",
        HONEST,
        SplitTrace::new(
            OutputTrace::new(
                move |b| chain.output_at(b),
                start,
                l2_block,
                cfg.split_depth,
            ),
            factory.clone(),
        ),
    );
    // The liar agrees with the real run for 1234 steps, then makes states up.
    let liar = Solver::new(
        "wrong-proposer",
        proposer,
        SplitTrace::new(
            OutputTrace::new(
                move |b| lying.output_at(b),
                start,
                l2_block,
                cfg.split_depth,
            ),
            LyingFactory {
                inner: factory.clone(),
                from: 1234,
                salt: 9,
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
        oracle,
        now,
        max_gap: 600,
        late_margin: 100,
        root_correct: false,
        max_rounds: 10_000,
    };
    let report = table.play(&mut Rng::new(1));
    println!("{}", report.render());
    report.check(HONEST).unwrap();
    assert_eq!(report.game.status(), GameStatus::ChallengerWins);

    // The decisive step: the honest actor attack-stepped the liar's first made-up state.
    let g = &report.game;
    let step = report
        .steps
        .iter()
        .find(|s| s.by == HONEST)
        .expect("the honest actor stepped");
    assert!(step.is_attack);
    let leaf = g.claims()[step.leaf];
    assert_eq!(leaf.position.depth(), cfg.max_game_depth);
    let rel = leaf
        .position
        .relative_to_ancestor_at(cfg.split_depth + 1)
        .trace_index(cfg.exec_depth());
    assert_eq!(rel, 1234);
    // Its proof, re-checked by the stateless verifier: it computes the real state 1235,
    // not the liar's claim.
    let ctx = g.local_context(step.leaf).unwrap();
    let mut trace = factory.trace(&ctx, cfg.exec_depth());
    let data = trace.step_data(rel).unwrap();
    let post = stepper.step(&data.state_data, &data.proof, &ctx).unwrap();
    assert_eq!(post, trace.get(rel).unwrap());
    assert_ne!(post, leaf.claim);
    assert_eq!(leaf.countered_by, HONEST);
}
