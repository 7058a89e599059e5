//! The three ways to run a program agree: the generic step (one instruction at a time, as the
//! onchain step does), the fast interpreter and the JIT. Random programs of every RV64IM
//! computational, load, store, branch and jump instruction (with page- and chunk-crossing
//! accesses, jumps across pages, into the middle of blocks and to unaligned targets, CSR
//! instructions with any operands, W-divisions by values whose low half is zero, and stores into
//! the code itself) are run for a fixed number of steps, in one go and in random slices; the
//! state hash (registers, pc, memory root), the step count and any error must be the same.
//!
//! Programs with the encodings the onchain step reverts on mixed in (reserved funct3/funct7/
//! immediates, `.d` atomics at addresses only 4-byte aligned, branches to odd targets) are also
//! proven step by step: the independent verifier must reach the VM's post-state on every step,
//! and refuse, with the same revert code, the step the VM refuses.

mod common;

use common::{BASE, DATA};
use verdict_riscv::asm;
use verdict_riscv::{State, Vm};

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

/// Instructions in each generated program (a little over three pages).
const LEN: usize = 3200;
/// Registers holding fixed addresses, never written by the random instructions.
const DATA_REG: u32 = 8;
const CODE_REG: u32 = 9;
/// The syscall number register, also fixed (to a syscall without effects but its results).
const A7: u32 = 17;
/// A register holding an address 4- but not 8-byte aligned, for misaligned `.d` atomics.
const ODD_REG: u32 = 18;

/// Which instructions a program is made of.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mix {
    /// Instructions the onchain step executes (and a few ways to fail).
    Ordinary,
    /// The same with the encodings the onchain step reverts on mixed in.
    Edges,
}

/// Whether `r` is one of the registers the programs keep fixed.
fn fixed(r: u32) -> bool {
    [DATA_REG, CODE_REG, A7, ODD_REG].contains(&r)
}

/// A destination register: any but the fixed ones (x0 included).
fn rd(rng: &mut Rng) -> u32 {
    loop {
        let r = rng.below(32) as u32;
        if !fixed(r) {
            return r;
        }
    }
}

fn src(rng: &mut Rng) -> u32 {
    rng.below(32) as u32
}

/// One instruction the onchain step reverts on (or, for a branch, may revert on).
fn edge_instruction(rng: &mut Rng) -> u32 {
    match rng.below(8) {
        // OP / OP-32 with funct7 0x10 where funct7 selects the operation
        0 => asm::r(
            rng.pick(&[0x33, 0x3b]),
            rd(rng),
            rng.pick(&[0, 5]),
            src(rng),
            src(rng),
            0x10,
        ),
        // OP-32's M extension with funct3 1..3, and OP-32 funct3 2, 3, 4, 6, 7
        1 => asm::r(0x3b, rd(rng), rng.pick(&[1, 2, 3]), src(rng), src(rng), 1),
        2 => asm::r(
            0x3b,
            rd(rng),
            rng.pick(&[2, 3, 4, 6, 7]),
            src(rng),
            src(rng),
            0,
        ),
        // OP-IMM-32 with funct3 3 (or 2, 4, 6, 7), or a shift with imm[5] set
        3 => asm::i(0x1b, rd(rng), rng.pick(&[2, 3, 4, 6, 7]), src(rng), 5),
        4 => asm::i(0x1b, rd(rng), rng.pick(&[1, 5]), src(rng), 0x20 | 3),
        // OP-IMM right shifts of an unknown kind
        5 => asm::i(0x13, rd(rng), 5, src(rng), 0x200 | 3),
        // a `.d` atomic (AMO, LR or SC) at an address only 4-byte aligned
        6 => asm::r(
            0x2f,
            rd(rng),
            3,
            ODD_REG,
            src(rng),
            rng.pick(&[0u32, 1, 2, 3, 4, 0x1c]) << 2,
        ),
        // a branch to a target 2 bytes off alignment (reverts only if taken)
        _ => asm::b(
            rng.pick(&[0, 1, 4, 5, 6, 7]),
            src(rng),
            src(rng),
            rng.pick(&[6, 10, 18, -6]),
        ),
    }
}

/// One random instruction at index `at` of the program.
fn instruction(rng: &mut Rng, at: usize, mix: Mix) -> u32 {
    if mix == Mix::Edges && rng.below(40) == 0 {
        return edge_instruction(rng);
    }
    let branch_offset = |rng: &mut Rng| {
        // Mostly a short way forward, sometimes anywhere (across pages; backwards makes loops,
        // long enough not to trap the program in a few instructions).
        let words = match rng.below(50) {
            0 => (rng.below(LEN as u64) as i64 - at as i64) | 1,
            _ => rng.below(120) as i64 + 1,
        };
        (words * 4).clamp(-(at as i64) * 4, (LEN - 1 - at) as i64 * 4) as i32
    };
    match rng.below(100) {
        0..=29 => {
            // register-register ALU and M extension, 64- and 32-bit
            let (f3, f7) = rng.pick(&[
                (0, 0),
                (0, 0x20),
                (1, 0),
                (2, 0),
                (3, 0),
                (4, 0),
                (5, 0),
                (5, 0x20),
                (6, 0),
                (7, 0),
                (0, 1),
                (1, 1),
                (2, 1),
                (3, 1),
                (4, 1),
                (5, 1),
                (6, 1),
                (7, 1),
            ]);
            let opcode = if rng.below(3) == 0 { 0x3b } else { 0x33 };
            let (f3, f7) = if opcode == 0x3b {
                rng.pick(&[
                    (0, 0),
                    (0, 0x20),
                    (1, 0),
                    (5, 0),
                    (5, 0x20),
                    (0, 1),
                    (4, 1),
                    (5, 1),
                    (6, 1),
                    (7, 1),
                ])
            } else {
                (f3, f7)
            };
            asm::r(opcode, rd(rng), f3, src(rng), src(rng), f7)
        }
        30..=49 => {
            // immediate ALU, 64- and 32-bit, and LUI / AUIPC
            let imm = rng.below(4096) as i32 - 2048;
            match rng.below(12) {
                0 => asm::lui(rd(rng), rng.below(1 << 20) as u32),
                1 => (rng.below(1 << 20) as u32) << 12 | rd(rng) << 7 | 0x17,
                2 => asm::i(0x13, rd(rng), 1, src(rng), imm & 0x3f),
                3 => asm::i(
                    0x13,
                    rd(rng),
                    5,
                    src(rng),
                    (imm & 0x3f) | rng.pick(&[0, 0x400]),
                ),
                4 => asm::i(0x1b, rd(rng), 0, src(rng), imm),
                5 => asm::i(0x1b, rd(rng), 1, src(rng), imm & 0x1f),
                6 => asm::i(
                    0x1b,
                    rd(rng),
                    5,
                    src(rng),
                    (imm & 0x1f) | rng.pick(&[0, 0x400]),
                ),
                _ => asm::i(0x13, rd(rng), rng.pick(&[0, 2, 3, 4, 6, 7]), src(rng), imm),
            }
        }
        50..=64 => {
            // loads around the data base (two pages meet there; unaligned offsets cross chunks)
            let imm = rng.below(4096) as i32 - 2048;
            asm::i(
                0x03,
                rd(rng),
                rng.pick(&[0, 1, 2, 3, 4, 5, 6]),
                DATA_REG,
                imm,
            )
        }
        65..=79 => {
            let imm = rng.below(4096) as i32 - 2048;
            asm::s(rng.below(4) as u32, DATA_REG, src(rng), imm)
        }
        80 if rng.below(2) == 0 => asm::ECALL,
        80 if rng.below(2) == 0 => {
            // an atomic (AMOSWAP/ADD/XOR/AND/OR/MIN/MAX/MINU/MAXU, word or double) on the data
            let funct5 = rng.pick(&[1, 0, 4, 0xc, 8, 0x10, 0x14, 0x18, 0x1c]);
            asm::r(
                0x2f,
                rd(rng),
                rng.pick(&[2, 3]),
                DATA_REG,
                src(rng),
                funct5 << 2,
            )
        }
        80 if rng.below(4) == 0 => {
            // a store into the code (self-modifying)
            let imm = (rng.below(2048) as i32) & !3;
            asm::s(2, CODE_REG, src(rng), imm)
        }
        80 => {
            // a CSR instruction with any operands: rd := 0
            asm::i(
                0x73,
                rd(rng),
                rng.pick(&[1, 2, 3, 5, 6, 7]),
                src(rng),
                0x305,
            )
        }
        81..=92 => asm::b(
            rng.pick(&[0, 1, 4, 5, 6, 7]),
            src(rng),
            src(rng),
            branch_offset(rng),
        ),
        93..=98 => asm::jal(rd(rng), branch_offset(rng)),
        _ => {
            // an indirect jump into the first two pages: usually aligned, sometimes not
            let imm = (rng.below(2048) as i32) & !if rng.below(64) == 0 { 1 } else { 3 };
            asm::i(0x67, rd(rng), 0, CODE_REG, imm)
        }
    }
}

fn program(seed: u64, mix: Mix) -> State {
    program_with(seed, mix, false)
}

/// A run of loads and stores through one base register (the JIT's access groups share one TLB
/// lookup): the base set near the data's page boundary, then accesses within a few bytes to a
/// whole page of each other, mixed with ALU instructions, writes to the base, divisions (which
/// end a group), and maybe a load into the base itself; or, through the code's base, a word of
/// the code read and written back unchanged (a store into a code page from a group).
fn memory_run(rng: &mut Rng, out: &mut Vec<u32>) {
    if rng.below(16) == 0 {
        let at = (rng.below(2048) as i32) & !3;
        let r = loop {
            let r = rd(rng);
            if r != 0 {
                break r;
            }
        };
        out.extend([
            asm::i(0x03, r, 6, CODE_REG, at),       // lwu r, at(code)
            asm::i(0x03, rd(rng), 3, CODE_REG, 8),  // ld _, 8(code)
            asm::s(2, CODE_REG, r, at),             // sw r, at(code)
            asm::i(0x03, rd(rng), 2, CODE_REG, 16), // lw _, 16(code)
        ]);
        return;
    }
    let base = rng.pick(&[5, 6, 7, 10, 11, 28]);
    let other = |rng: &mut Rng| loop {
        let r = rd(rng);
        if r != base {
            return r;
        }
    };
    out.push(asm::addi(base, DATA_REG, rng.below(4096) as i32 - 2048));
    let spread = rng.pick(&[8, 64, 600, 2047]);
    for _ in 0..rng.below(8) + 2 {
        let off = (rng.below(2 * spread) as i32 - spread as i32).clamp(-2048, 2047);
        match rng.below(16) {
            0..=4 => out.push(asm::i(0x03, other(rng), rng.below(7) as u32, base, off)),
            5..=10 => out.push(asm::s(rng.below(4) as u32, base, src(rng), off)),
            11 => out.push(asm::r(
                0x33,
                other(rng),
                rng.below(8) as u32,
                src(rng),
                src(rng),
                0,
            )),
            12 => out.push(asm::addi(base, base, rng.below(64) as i32 - 32)),
            13 => out.push(asm::r(
                0x33,
                other(rng),
                rng.pick(&[1, 3, 4, 7]),
                src(rng),
                src(rng),
                1,
            )),
            14 => out.push(asm::i(0x03, 0, rng.below(7) as u32, base, off)),
            _ => {
                // The last of the run: the base loaded (anything: later runs set it again).
                out.push(asm::i(0x03, base, 3, base, off));
                return;
            }
        }
    }
}

/// A program as [`program`] makes, with runs of same-base loads and stores ([`memory_run`])
/// between its instructions if `runs`.
fn program_with(seed: u64, mix: Mix, runs: bool) -> State {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut prog = Vec::new();
    prog.extend(asm::li(DATA_REG, DATA + 0x1000));
    prog.extend(asm::li(CODE_REG, BASE));
    prog.extend(asm::li(A7, rng.pick(&[124, 214, 220, 172, 0])));
    prog.extend(asm::li(ODD_REG, DATA + 0x1004));
    for r in 1..32 {
        if !fixed(r) {
            // Some values have a zero low half, so that W-divisions by them divide by zero.
            let value = match rng.below(8) {
                0 => rng.next() << 32,
                1 => 1 << 63,
                _ => rng.next() >> rng.below(64),
            };
            prog.extend(asm::li(r, value));
        }
    }
    while prog.len() < LEN - 1 {
        let at = prog.len();
        if runs && rng.below(3) == 0 {
            let mut run = Vec::new();
            memory_run(&mut rng, &mut run);
            run.truncate(LEN - 1 - at);
            prog.extend(run);
        } else {
            prog.push(instruction(&mut rng, at, mix));
        }
    }
    prog.push(asm::jal(0, -4 * (LEN as i32 - 1) + 4 * 40)); // round again, past the setup
    load(&prog)
}

/// What a run ended with: the state hash, the step, and the error if any.
fn outcome<O: verdict_riscv::Oracle>(
    vm: &mut Vm<O>,
    result: Result<(), verdict_riscv::VmError>,
) -> String {
    let hash = hex::encode(vm.state.state_hash());
    let error = result.err().map(|e| e.to_string());
    format!("step {} hash {hash} error {error:?}", vm.state.step)
}

/// Steps between two comparisons of the engines' states.
const CHECKPOINT: u64 = 100;
/// Checkpoints per program.
const CHECKPOINTS: u64 = 100;

/// Runs a program to each checkpoint with `advance` (which runs up to the given number of steps)
/// and records the outcome at each, stopping at the first error or the exit.
fn outcomes<O: verdict_riscv::Oracle>(
    vm: &mut Vm<O>,
    mut advance: impl FnMut(&mut Vm<O>, u64) -> Result<(), verdict_riscv::VmError>,
) -> Vec<String> {
    let mut seen = Vec::new();
    for _ in 0..CHECKPOINTS {
        let result = advance(vm, CHECKPOINT);
        let failed = result.is_err();
        seen.push(outcome(vm, result));
        if failed || vm.state.exited {
            break;
        }
    }
    seen
}

#[test]
fn step_interpreter_and_jit_agree_on_random_programs() {
    const PROGRAMS: u64 = 200;
    let (errors, steps) = compare_on_random_programs(0..PROGRAMS, false);
    // Most programs run their whole budget; some reach the error paths (unaligned jumps, illegal
    // code written over themselves).
    assert!(
        errors > 0 && errors < PROGRAMS / 2,
        "{errors} of {PROGRAMS} programs failed"
    );
    assert!(
        steps > PROGRAMS * CHECKPOINTS / 2,
        "only {steps} checkpoints reached"
    );
}

/// The same with runs of loads and stores through one base register between the instructions
/// ([`memory_run`]), which the JIT serves with one TLB lookup per group.
#[test]
fn step_interpreter_and_jit_agree_on_random_programs_with_same_base_runs() {
    const PROGRAMS: u64 = 100;
    let (errors, steps) = compare_on_random_programs(1000..1000 + PROGRAMS, true);
    assert!(
        errors < PROGRAMS / 2,
        "{errors} of {PROGRAMS} programs failed"
    );
    assert!(
        steps > PROGRAMS * CHECKPOINTS / 2,
        "only {steps} checkpoints reached"
    );
}

/// Runs the programs of `seeds` (with same-base runs if `runs`) on the step, and on the
/// interpreter and the JIT in one go, in random slices and from snapshots, asserting the same
/// outcomes at every checkpoint; returns the programs that ended in an error and the
/// checkpoints reached.
fn compare_on_random_programs(seeds: std::ops::Range<u64>, runs: bool) -> (u64, u64) {
    let mut errors = 0u64;
    let mut steps = 0;
    for seed in seeds {
        let state = program_with(seed, Mix::Ordinary, runs);
        let expected = outcomes(&mut Vm::new(state.clone()), |vm, n| {
            for _ in 0..n {
                vm.step()?;
            }
            Ok(())
        });
        errors += expected.last().unwrap().contains("error Some") as u64;
        steps += expected.len() as u64;
        for jit in [false, true] {
            let mut whole = Vm::new(state.clone());
            whole.set_jit(jit);
            let seen = outcomes(&mut whole, |vm, n| vm.run(n).map(|_| ()));
            assert_eq!(seen, expected, "seed {seed}, jit {jit}, whole checkpoints");

            let mut sliced = Vm::new(state.clone());
            sliced.set_jit(jit);
            // Hashing in the background from the first dirty page on: roots taken while batches
            // are in flight, and translated code ending its run to start them.
            sliced.set_background_hashing_pages(1);
            let mut rng = Rng(seed + 7);
            // Snapshots (clones, sharing pages until written) taken along the way and kept.
            let mut snapshots = Vec::new();
            let seen = outcomes(&mut sliced, |vm, n| {
                let end = vm.state.step + n;
                while vm.state.step < end && !vm.state.exited {
                    vm.run((rng.below(40) + 1).min(end - vm.state.step))?;
                    if rng.below(8) == 0 {
                        snapshots.push(vm.state.clone());
                    }
                }
                Ok(())
            });
            assert_eq!(seen, expected, "seed {seed}, jit {jit}, random slices");
            // A snapshot resumed to the next checkpoint is where the step got to.
            for snapshot in snapshots.into_iter().step_by(5) {
                let checkpoint = snapshot.step / CHECKPOINT + 1;
                let Some(want) = expected.get(checkpoint as usize - 1) else {
                    continue;
                };
                let mut resumed = Vm::new(snapshot);
                resumed.set_jit(jit);
                let result = resumed
                    .run(checkpoint * CHECKPOINT - resumed.state.step)
                    .map(|_| ());
                if !want.contains("error Some") && !resumed.state.exited {
                    assert_eq!(
                        &outcome(&mut resumed, result),
                        want,
                        "seed {seed}, snapshot"
                    );
                }
            }
        }
    }
    (errors, steps)
}

/// The memory proofs a reverting step may read before it reverts: the fetch, and the data leaves
/// an atomic's address (rs1) touches. Extra slots are never read.
fn proof_for_refused_step(state: &mut State) -> Vec<u8> {
    let instr = state.memory.read_le(state.pc, 4) as u32;
    let addr = state.regs[((instr >> 15) & 31) as usize];
    [state.pc & !31, addr & !31, addr.wrapping_add(7) & !31]
        .iter()
        .flat_map(|&a| state.memory.merkle_proof(a))
        .collect()
}

#[test]
fn the_verifier_agrees_with_the_step_on_random_programs_with_edge_encodings() {
    use verdict_riscv_verifier::{self as verifier, NoPreimages, StepContext};
    const PROGRAMS: u64 = 40;
    const MAX_STEPS: u64 = 3_000;
    let ctx = StepContext::default();
    let (mut refused, mut proven) = (0, 0);
    for seed in 0..PROGRAMS {
        let state = program(1_000 + seed, Mix::Edges);
        let mut vm = Vm::new(state.clone());
        while !vm.state.exited && vm.state.step < MAX_STEPS {
            let pre = vm.state.clone();
            match vm.step_with_proof() {
                Ok(w) => {
                    let report = verifier::step_report(&w.state, &w.proof, &ctx, &NoPreimages)
                        .unwrap_or_else(|e| panic!("seed {seed} step {}: {e}", pre.step));
                    let post = verifier::state_hash(&report.post);
                    assert_eq!(post, vm.state.state_hash(), "seed {seed} step {}", pre.step);
                    assert_eq!(
                        report.proof_bytes_used,
                        w.proof.len(),
                        "seed {seed} step {}: the proof is exact",
                        pre.step
                    );
                    proven += 1;
                }
                Err(e) => {
                    let mut pre = pre;
                    let witness = pre.witness();
                    let proof = proof_for_refused_step(&mut pre);
                    let refusal = verifier::step(&witness, &proof, &ctx, &NoPreimages)
                        .expect_err("the verifier must refuse the step the VM refuses");
                    assert_eq!(
                        refusal.revert_code(),
                        e.revert_code(),
                        "seed {seed} step {}: the VM says {e}, the verifier {refusal}",
                        pre.step
                    );
                    refused += 1;
                    // The fast engines stop at the same step with the same error.
                    for jit in [false, true] {
                        let mut fast = Vm::new(state.clone());
                        fast.set_jit(jit);
                        let err = fast.run(MAX_STEPS).unwrap_err();
                        assert_eq!(fast.state.step, pre.step, "seed {seed} jit {jit}");
                        assert_eq!(err.to_string(), e.to_string(), "seed {seed} jit {jit}");
                    }
                    break;
                }
            }
        }
    }
    assert!(
        refused > PROGRAMS / 2,
        "only {refused} of {PROGRAMS} programs reverted"
    );
    assert!(proven > PROGRAMS * 100, "only {proven} steps proven");
}

/// The program `prog` loaded at BASE.
fn load(prog: &[u32]) -> State {
    verdict_riscv::load_elf(&asm::elf(BASE, &asm::code(prog))).unwrap()
}

/// Runs `vm` (`every` steps per `run`) beside the step from the same state for `rounds` rounds,
/// asserting the same state hash after each, and calls `after_round` with the VM after each.
fn run_beside_step(vm: &mut Vm, rounds: u64, every: u64, mut after_round: impl FnMut(&Vm)) {
    let mut stepped = Vm::new(vm.state.clone());
    for round in 0..rounds {
        for _ in 0..every {
            stepped.step().unwrap();
        }
        vm.run(every).unwrap();
        assert_eq!(
            vm.state.state_hash(),
            stepped.state.state_hash(),
            "round {round}"
        );
        after_round(vm);
    }
}

/// A loop storing aligned words into two pages (the translated code's direct-write path) and
/// making a syscall, with background hashing started from the first dirty page: the roots at every checkpoint match the
/// step's, so no write is lost while pages are handed to the hashing thread.
#[test]
fn background_hashing_loses_no_write() {
    use verdict_riscv::asm::reg::*;
    let mut prog = asm::li(S0, DATA);
    prog.extend(asm::li(A7, 124)); // sched_yield: a syscall without effects but its results
    prog.extend([
        asm::ECALL, // back to the dispatcher every round, where background batches start
        asm::addi(T0, T0, 1),
        asm::i(0x13, T1, 7, T0, 63), // andi t1, t0, 63
        asm::i(0x13, T1, 1, T1, 3),  // slli t1, t1, 3
        asm::r(0x33, T2, 0, S0, T1, 0),
        asm::s(3, T2, T0, 0),     // sd t0, 0(t2)
        asm::s(3, T2, T0, 2048),  // sd t0, 2048(t2): another chunk
        asm::s(3, T2, T0, -2048), // sd t0, -2048(t2): another page
        asm::jal(ZERO, -32),
    ]);
    let mut vm = Vm::new(load(&prog));
    vm.set_background_hashing_pages(1);
    // Long enough runs for several batches to start and finish within each.
    run_beside_step(&mut vm, 10, 100_000, |_| {});
}

/// Snapshots share pages with the running state until either writes: a page read by translated
/// code, then written by the interpreter (an atomic) after a snapshot, is read again afresh.
#[test]
fn snapshots_share_pages_until_written() {
    use verdict_riscv::asm::reg::*;
    let mut prog = asm::li(S0, DATA);
    prog.extend(asm::li(T1, 1));
    prog.extend([
        asm::s(3, S0, T1, 0),           // sd t1, 0(s0): the page exists
        asm::i(0x03, T0, 3, S0, 0),     // ld t0, 0(s0)
        asm::r(0x2f, T2, 3, S0, T1, 0), // amoadd.d t2, t1, (s0)
        asm::i(0x03, A1, 3, S0, 0),     // ld a1, 0(s0): the value the atomic wrote
        asm::r(0x33, A0, 0, A0, A1, 0), // add a0, a0, a1
        asm::jal(ZERO, -16),
    ]);
    let mut vm = Vm::new(load(&prog));
    let mut snapshots = Vec::new();
    run_beside_step(&mut vm, 50, 997, |vm| snapshots.push(vm.state.clone()));
    // The snapshots kept their own contents: the first resumes to where the step got after it.
    let mut resumed = Vm::new(snapshots.swap_remove(0));
    let mut check = Vm::new(load(&prog));
    resumed.run(997).unwrap();
    for _ in 0..2 * 997 {
        check.step().unwrap();
    }
    assert_eq!(resumed.state.state_hash(), check.state.state_hash());
}

/// A loop that keeps rewriting its own code page (with the same word): each write drops the
/// page's translation, and after a few the page is left to the interpreter. The states still
/// match the step's at every checkpoint.
#[test]
fn a_page_rewritten_again_and_again_runs_correctly() {
    use verdict_riscv::asm::reg::*;
    let mut prog = asm::li(S0, BASE);
    prog.extend([
        asm::i(0x03, T0, 2, S0, 0),     // lw t0, 0(s0): the program's first word
        asm::s(2, S0, T0, 0),           // sw t0, 0(s0): written back, unchanged
        asm::addi(A0, A0, 1),           // addi a0, a0, 1
        asm::r(0x33, A1, 4, A1, A0, 0), // xor a1, a1, a0
        asm::jal(ZERO, -12),
    ]);
    run_beside_step(&mut Vm::new(load(&prog)), 40, 1_000, |_| {});
}

/// Runs `prog` beside the step in runs of each of these sizes (1 step to 1,000: the translated
/// code stops at block boundaries, hands the rest of a block to the interpreter, and is entered
/// again in the middle of a block), about `steps` steps each.
fn run_beside_step_in_slices(prog: &[u32], steps: u64) {
    for every in [1, 2, 3, 7, 13, 64, 1000] {
        run_beside_step(&mut Vm::new(load(prog)), steps / every, every, |_| {});
    }
}

/// A loop naming more registers than the JIT keeps in host registers, so some of them live in
/// host registers (callee- and caller-saved) and the rest in the register file, while the loop
/// calls into helpers (a load from a page never written, stores into 16 pages in turn that miss
/// the TLB after every stop), divides (inline, with rdx clobbered) and makes a syscall in the
/// middle. The state matches
/// the step's after every run, whatever the runs' length.
#[test]
fn allocated_registers_live_across_helpers_syscalls_and_stops() {
    use verdict_riscv::asm::reg::*;
    const UNWRITTEN: u32 = 26; // points into a page never written: every read goes to the helper
    let (s2, s3, s4, s5) = (18, 19, 20, 21);
    let mut prog = asm::li(S0, DATA);
    prog.extend(asm::li(A7, 124)); // sched_yield: a syscall without effects but its results
    prog.extend(asm::li(UNWRITTEN, DATA + 0x10_0000));
    for (r, v) in [
        (T0, 3),
        (T1, 5),
        (A0, 7),
        (A1, 11),
        (s2, 13),
        (s3, 17),
        (s4, 19),
    ] {
        prog.extend(asm::li(r, v));
    }
    let body = [
        asm::r(0x33, A0, 0, A0, T0, 0),     // add a0, a0, t0
        asm::r(0x33, A1, 4, A1, A0, 0),     // xor a1, a1, a0
        asm::r(0x33, A2, 0, A1, A0, 1),     // mul a2, a1, a0
        asm::r(0x33, A3, 5, A2, T1, 1),     // divu a3, a2, t1
        asm::r(0x33, s2, 0, s2, A3, 0),     // add s2, s2, a3
        asm::i(0x13, T2, 7, T0, 15),        // andi t2, t0, 15
        asm::i(0x13, T2, 1, T2, 12),        // slli t2, t2, 12
        asm::r(0x33, T2, 0, T2, S0, 0),     // add t2, t2, s0: one of 16 pages
        asm::s(3, T2, A2, 8),               // sd a2, 8(t2)
        asm::i(0x03, A4, 3, UNWRITTEN, 16), // ld a4, 16(x26): always the load helper
        asm::i(0x03, A5, 3, T2, 8),         // ld a5, 8(t2)
        asm::r(0x33, s3, 0, s3, A5, 0),     // add s3, s3, a5
        asm::r(0x33, s4, 4, s4, A4, 0),     // xor s4, s4, a4
        asm::ECALL,                         // the generic step in the middle of the loop
        asm::r(0x33, s5, 0, s5, s2, 0),     // add s5, s5, s2
        asm::addi(T0, T0, 1),               // addi t0, t0, 1
        asm::addi(T1, T1, 3),               // addi t1, t1, 3
        asm::r(0x33, s4, 0, s4, s3, 0x20),  // sub s4, s4, s3
        asm::r(0x33, A0, 6, A0, s4, 0),     // or a0, a0, s4
        asm::r(0x33, A1, 0, A1, s5, 0),     // add a1, a1, s5
    ];
    prog.extend(body);
    prog.push(asm::jal(ZERO, -4 * body.len() as i32));
    run_beside_step_in_slices(&prog, 20_000);
}

/// A loop whose block stores, every 64th time round, a new instruction into itself a little
/// further on (the store ends the translated run, the page is translated again and entered in
/// the middle of the block), with registers held in host registers live before and after the
/// store and read by the rewritten instruction. The state matches the step's after every run.
#[test]
fn code_written_into_a_block_with_allocated_registers_runs_correctly() {
    use verdict_riscv::asm::reg::*;
    let (word, flip, t3, t4, here, delta) = (20, 22, 28, 29, 30, 31);
    let first = asm::addi(A0, A0, 1);
    let second = asm::addi(A0, A0, 3);
    // The index of the rewritten instruction in the loop.
    const TARGET: i32 = 11;
    let mut prog = asm::li(S0, DATA);
    prog.extend(asm::li(word, second as u64));
    prog.extend(asm::li(flip, (first ^ second) as u64));
    let body = [
        here << 7 | 0x17,                        // auipc here, 0: the loop's address
        asm::addi(delta, here, 4 * TARGET),      // addi delta, here, 4 * TARGET
        asm::r(0x33, delta, 0, delta, S0, 0x20), // sub delta, delta, s0: from DATA to it
        asm::addi(T0, T0, 1),                    // addi t0, t0, 1
        asm::i(0x13, T1, 7, T0, 63),             // andi t1, t0, 63
        asm::i(0x13, t3, 3, T1, 1),              // sltiu t3, t1, 1: 1 every 64th time
        asm::r(0x33, T2, 0, t3, delta, 1),       // mul t2, t3, delta
        asm::r(0x33, T2, 0, T2, S0, 0),          // add t2, t2, s0: the instruction or DATA
        asm::r(0x33, A1, 0, A1, A0, 0),          // add a1, a1, a0
        asm::s(2, T2, word, 0),                  // sw word, 0(t2)
        asm::r(0x33, A2, 4, A2, A1, 0),          // xor a2, a2, a1
        first,                                   // TARGET, rewritten: addi a0, a0, 1 or 3
        asm::r(0x33, A3, 0, A2, A1, 1),          // mul a3, a2, a1
        asm::r(0x33, A4, 0, A4, A3, 0),          // add a4, a4, a3
        asm::r(0x33, t4, 0, ZERO, t3, 0x20),     // sub t4, zero, t3: all ones if it was written
        asm::r(0x33, t4, 7, t4, flip, 0),        // and t4, t4, flip
        asm::r(0x33, word, 4, word, t4, 0),      // xor word, word, t4: the other word next time
    ];
    prog.extend(body);
    prog.push(asm::jal(ZERO, -4 * body.len() as i32));
    // Seven rewrites: the page stays translated (after eight it is left to the interpreter).
    run_beside_step_in_slices(&prog, 7 * 64 * (body.len() as u64 + 1));
}

/// Loads of every size at every offset near the end of a page whose next page holds other data:
/// a load crossing into the next page reads both (the read TLB's fast path serves only loads
/// whose last byte is in the first byte's page). The state matches the step's after every run.
#[test]
fn loads_crossing_a_page_read_both_pages() {
    use verdict_riscv::asm::reg::*;
    // s0 + 1024 is the page boundary; both pages are written first.
    let mut prog = asm::li(S0, DATA + 0x1000 - 1024);
    prog.extend(asm::li(T1, 0x0102_0304_0506_0708));
    prog.extend(asm::li(T2, 0x8190_a0b0_c0d0_e0f0));
    prog.extend([
        asm::s(3, S0, T1, 1016), // sd t1, 1016(s0): the first page's last 8 bytes
        asm::s(3, S0, T2, 1024), // sd t2, 1024(s0): the next page's first 8 bytes
    ]);
    let body = [
        asm::addi(T0, T0, 1),           // addi t0, t0, 1
        asm::i(0x13, A1, 7, T0, 7),     // andi a1, t0, 7
        asm::r(0x33, A1, 0, A1, S0, 0), // add a1, a1, s0: 0-7 bytes before the end, and on
        asm::i(0x03, A2, 3, A1, 1016),  // ld a2, 1016(a1)
        asm::i(0x03, A3, 2, A1, 1020),  // lw a3, 1020(a1)
        asm::i(0x03, A4, 6, A1, 1020),  // lwu a4, 1020(a1)
        asm::i(0x03, A5, 1, A1, 1022),  // lh a5, 1022(a1)
        asm::i(0x03, S1, 5, A1, 1022),  // lhu s1, 1022(a1)
        asm::r(0x33, A0, 4, A0, A2, 0), // xor a0, a0, a2
        asm::r(0x33, A0, 0, A0, A3, 0), // add a0, a0, a3
        asm::r(0x33, A0, 4, A0, A4, 0), // xor a0, a0, a4
        asm::r(0x33, A0, 0, A0, A5, 0), // add a0, a0, a5
        asm::r(0x33, A0, 4, A0, S1, 0), // xor a0, a0, s1
    ];
    prog.extend(body);
    prog.push(asm::jal(ZERO, -4 * body.len() as i32));
    run_beside_step_in_slices(&prog, 5_000);
}

/// Loads and stores crossing from the top of the address space into page 0, and from page 0
/// into page 1, starting on empty TLBs: an empty TLB entry must not match the page of such an
/// access's last byte (the TLBs' empty entries are zero bytes, page 0's tag). The state matches
/// the step's after every run.
#[test]
fn accesses_crossing_into_pages_zero_and_one_miss_empty_tlbs() {
    use verdict_riscv::asm::reg::*;
    let mut prog = asm::li(S0, -4i64 as u64); // the top page's last 4 bytes, then page 0
    prog.extend(asm::li(S1, 0x1000 - 4)); // page 0's last 4 bytes, then page 1
    prog.extend(asm::li(T1, 0x0102_0304_0506_0708));
    let body = [
        asm::i(0x03, A2, 3, S0, 0),     // ld a2, 0(s0)
        asm::i(0x03, A3, 3, S1, 0),     // ld a3, 0(s1)
        asm::r(0x33, A0, 4, A0, A2, 0), // xor a0, a0, a2
        asm::r(0x33, A0, 0, A0, A3, 0), // add a0, a0, a3
        asm::s(3, S0, T1, 0),           // sd t1, 0(s0)
        asm::s(3, S1, A0, 0),           // sd a0, 0(s1)
        asm::addi(T1, T1, 3),           // addi t1, t1, 3
    ];
    prog.extend(body);
    prog.push(asm::jal(ZERO, -4 * body.len() as i32));
    run_beside_step_in_slices(&prog, 2_000);
}

/// `prog` padded with `addi x0, x0, 0` up to the instruction at `addr` (loaded at BASE).
fn pad_to(prog: &mut Vec<u32>, addr: u64) {
    let at = BASE + 4 * prog.len() as u64;
    assert!(at <= addr, "the code before {addr:#x} is too long");
    prog.extend(std::iter::repeat_n(
        asm::addi(0, 0, 0),
        ((addr - at) / 4) as usize,
    ));
}

/// The byte offset from the instruction `prog` gets next to `addr`, for a jump or branch.
fn offset_to(prog: &[u32], addr: u64) -> i32 {
    (addr as i64 - (BASE + 4 * prog.len() as u64) as i64) as i32
}

/// A loop over three code pages that leaves each page in a different way: an inner loop on the
/// first page (a branch back inside the page), a `jal` to the second page, a block falling off
/// the second page's end into the third, and a `jalr` from the third back to the first.
fn three_page_loop() -> Vec<u32> {
    use verdict_riscv::asm::reg::*;
    let (first, second, third) = (BASE + 0x1000, BASE + 0x2000 + 0xfe0, BASE + 0x3000);
    let mut prog = asm::li(S1, first);
    prog.extend(asm::li(T1, 5));
    prog.push(asm::jal(ZERO, offset_to(&prog, first)));
    pad_to(&mut prog, first);
    prog.extend([
        asm::addi(T0, ZERO, 3),         // t0 = 3: the inner loop's count
        asm::r(0x33, A0, 0, A0, T1, 0), // add a0, a0, t1
        asm::r(0x33, A1, 4, A1, A0, 0), // xor a1, a1, a0
        asm::addi(T0, T0, -1),          // addi t0, t0, -1
        asm::b(1, T0, ZERO, -12),       // bne t0, zero, back to the add
        asm::i(0x13, A2, 1, A1, 3),     // slli a2, a1, 3
    ]);
    prog.push(asm::jal(ZERO, offset_to(&prog, second)));
    pad_to(&mut prog, second);
    // Eight instructions to the page's end, then on into the third page.
    prog.extend([
        asm::r(0x33, A3, 0, A3, A2, 0),    // add a3, a3, a2
        asm::r(0x33, A4, 0, A3, A1, 1),    // mul a4, a3, a1
        asm::addi(T1, T1, 7),              // addi t1, t1, 7
        asm::r(0x33, A5, 4, A5, A4, 0),    // xor a5, a5, a4
        asm::r(0x33, A0, 0, A0, A5, 0),    // add a0, a0, a5
        asm::i(0x13, A4, 5, A4, 17),       // srli a4, a4, 17
        asm::r(0x33, A1, 0x6, A1, A4, 0),  // or a1, a1, a4
        asm::r(0x33, A2, 0, A2, T1, 0x20), // sub a2, a2, t1
    ]);
    assert_eq!(BASE + 4 * prog.len() as u64, third);
    prog.extend([
        asm::r(0x33, A3, 4, A3, A2, 0), // xor a3, a3, a2
        asm::addi(A5, A5, 11),          // addi a5, a5, 11
        asm::i(0x67, ZERO, 0, S1, 0),   // jalr zero, 0(s1): back to the first page
    ]);
    prog
}

/// Translated code goes from page to page without returning to the dispatcher: a loop over three
/// pages (a branch inside the first, a jump, a fall-through off a page's end and an indirect
/// jump between them) runs 100,000 steps in a handful of entries into translated code (each
/// page's first entry goes through the dispatcher, the rest are chained), and the state matches
/// the step's.
#[test]
fn blocks_chain_within_and_across_pages() {
    let prog = three_page_loop();
    let mut vm = Vm::new(load(&prog));
    run_beside_step(&mut vm, 1, 100_000, |_| {});
    assert!(
        vm.jit_runs() <= 8,
        "{} entries from the dispatcher",
        vm.jit_runs()
    );
}

/// A full code arena drops every translation, chained blocks included, and translating starts
/// again: the three-page loop with arenas too small for all its code, down to too small for one
/// page's (the interpreter takes over), keeps the step's states, and in some of them the JIT
/// went on after dropping everything.
#[test]
fn a_full_code_arena_drops_every_translation_and_runs_on() {
    let mut prog = three_page_loop();
    // The rest of the last page is code too (no-ops), so that every page's code is small.
    pad_to(&mut prog, BASE + 0x4000);
    let mut vm = Vm::new(load(&prog));
    run_beside_step(&mut vm, 1, 20_000, |_| {});
    let all = vm.jit_code_bytes();
    assert_eq!(vm.jit_code_resets(), 0);
    let mut went_on = 0;
    for bytes in (0..all).step_by(256) {
        let mut vm = Vm::new(load(&prog));
        vm.set_jit_code_bytes(bytes);
        run_beside_step(&mut vm, 20, 1_000, |_| {});
        if vm.jit_code_resets() > 5 && vm.jit_runs() > 100 {
            went_on += 1;
        }
    }
    assert!(
        went_on > 0,
        "no arena was both refilled and still used ({all} bytes in all)"
    );
}

/// A run stops at exactly the step asked for when it ends inside a chained run: from the
/// same start, runs of every length from 1 to 400 steps (and a few longer) each land where as
/// many steps of the generic step do, and the step count says so.
#[test]
fn stops_inside_chained_runs_land_exactly() {
    let prog = three_page_loop();
    let mut warm = Vm::new(load(&prog));
    warm.run(1_000).unwrap();
    // Runs from inside the loop on a fresh VM: after each page's first entry, chained.
    let mut stepped = Vm::new(warm.state.clone());
    for n in (1..=400).chain([997, 4_099, 10_007]) {
        let mut vm = Vm::new(warm.state.clone());
        vm.run(n).unwrap();
        while stepped.state.step < warm.state.step + n {
            stepped.step().unwrap();
        }
        assert_eq!(vm.state.step, warm.state.step + n, "run of {n}");
        assert_eq!(
            vm.state.state_hash(),
            stepped.state.state_hash(),
            "run of {n}"
        );
    }
    // The same in one VM whose pages are translated and chained: a run of n from where the
    // last one stopped.
    let mut stepped = Vm::new(warm.state.clone());
    for n in 1..=300 {
        let before = warm.state.step;
        warm.run(n).unwrap();
        for _ in 0..n {
            stepped.step().unwrap();
        }
        assert_eq!(warm.state.step, before + n, "run of {n}");
        assert_eq!(
            warm.state.state_hash(),
            stepped.state.state_hash(),
            "run of {n}"
        );
    }
    run_beside_step_in_slices(&prog, 5_000);
}

/// Two pages whose code names different registers most (so each keeps a different set in host
/// registers, and a register held in a host register on one page is in the register file, or in
/// another host register, on the other) jump to each other, values computed on one read on the
/// other, with a division (inline, clobbering rdx) and a load from a page never written (the
/// load helper) on the second page. The state matches the step's after every run, whatever its length.
#[test]
fn allocated_registers_live_across_chained_pages() {
    use verdict_riscv::asm::reg::*;
    let (s2, s3, s4, s5, s6, s7, s8) = (18, 19, 20, 21, 22, 23, 24);
    let (first, second) = (BASE + 0x1000, BASE + 0x2000);
    let mut prog = asm::li(S0, DATA + 0x10_0000); // a page never written
    for (r, v) in [
        (s2, 3),
        (s3, 5),
        (s4, 7),
        (A0, 11),
        (A1, 13),
        (A2, 17),
        (T0, 19),
    ] {
        prog.extend(asm::li(r, v));
    }
    prog.push(asm::jal(ZERO, offset_to(&prog, first)));
    pad_to(&mut prog, first);
    // The first page: s2-s8 named most, a0 and a1 read once each.
    prog.extend([
        asm::r(0x33, s2, 0, s2, A0, 0),    // add s2, s2, a0
        asm::r(0x33, s3, 4, s3, s2, 0),    // xor s3, s3, s2
        asm::r(0x33, s4, 0, s3, s2, 1),    // mul s4, s3, s2
        asm::r(0x33, s5, 0, s5, s4, 0),    // add s5, s5, s4
        asm::i(0x13, s6, 5, s5, 7),        // srli s6, s5, 7
        asm::r(0x33, s7, 4, s7, s6, 0),    // xor s7, s7, s6
        asm::r(0x33, s8, 0, s8, s7, 0),    // add s8, s8, s7
        asm::r(0x33, s2, 4, s2, s8, 0),    // xor s2, s2, s8
        asm::r(0x33, s3, 0, s3, A1, 0),    // add s3, s3, a1
        asm::r(0x33, s4, 0, s4, s6, 0x20), // sub s4, s4, s6
    ]);
    prog.push(asm::jal(ZERO, offset_to(&prog, second)));
    pad_to(&mut prog, second);
    // The second page: a0-a5 and t0-t2 named most, s2-s4 and s8 read.
    let back = first;
    prog.extend([
        asm::r(0x33, A0, 0, A0, s2, 0), // add a0, a0, s2
        asm::r(0x33, A1, 4, A1, s3, 0), // xor a1, a1, s3
        asm::r(0x33, A2, 0, A1, A0, 1), // mul a2, a1, a0
        asm::addi(T1, T0, 1),           // addi t1, t0, 1
        asm::r(0x33, A3, 5, A2, T1, 1), // divu a3, a2, t1
        asm::i(0x03, A4, 3, S0, 8),     // ld a4, 8(s0): the load helper
        asm::r(0x33, A5, 0, A3, s4, 0), // add a5, a3, s4
        asm::r(0x33, T0, 0, T0, A5, 0), // add t0, t0, a5
        asm::i(0x13, T2, 7, T0, 255),   // andi t2, t0, 255
        asm::r(0x33, A0, 4, A0, T2, 0), // xor a0, a0, t2
        asm::r(0x33, A1, 0, A1, s8, 0), // add a1, a1, s8
        asm::r(0x33, A2, 0, A2, A4, 0), // add a2, a2, a4
        asm::r(0x33, A3, 4, A3, T1, 0), // xor a3, a3, t1
    ]);
    prog.push(asm::jal(ZERO, offset_to(&prog, back)));
    let mut vm = Vm::new(load(&prog));
    run_beside_step(&mut vm, 1, 30_000, |_| {});
    assert!(
        vm.jit_runs() <= 8,
        "{} entries from the dispatcher",
        vm.jit_runs()
    );
    run_beside_step_in_slices(&prog, 20_000);
}

/// A loop on one page that jumps into a block of another page (a chained jump once both are
/// translated) and back, and every 64th time round first stores a new instruction into that
/// block: the store ends the translated run, the other page's translation and its chain entries
/// are dropped, and the next jump goes through the dispatcher to the new code. Ten rewrites:
/// after the eighth the page is left to the interpreter. The state matches the step's after
/// every run.
#[test]
fn code_written_into_a_chained_block_runs_correctly() {
    use verdict_riscv::asm::reg::*;
    let (word, flip, t3, t4, target) = (20, 22, 28, 29, 30);
    let (first, second) = (BASE + 0x1000, BASE + 0x2000);
    let one = asm::addi(A0, A0, 1);
    let three = asm::addi(A0, A0, 3);
    // Where the rewritten instruction is: the second page's third instruction.
    let rewritten = second + 8;
    let mut prog = asm::li(S0, DATA);
    prog.extend(asm::li(word, three as u64));
    prog.extend(asm::li(flip, (one ^ three) as u64));
    prog.extend(asm::li(target, rewritten.wrapping_sub(DATA)));
    prog.extend(asm::li(S1, first));
    prog.push(asm::jal(ZERO, offset_to(&prog, first)));
    pad_to(&mut prog, first);
    prog.extend([
        asm::addi(T0, T0, 1),                // addi t0, t0, 1
        asm::i(0x13, T1, 7, T0, 63),         // andi t1, t0, 63
        asm::i(0x13, t3, 3, T1, 1),          // sltiu t3, t1, 1: 1 every 64th time
        asm::r(0x33, T2, 0, t3, target, 1),  // mul t2, t3, target
        asm::r(0x33, T2, 0, T2, S0, 0),      // add t2, t2, s0: the instruction or DATA
        asm::s(2, T2, word, 0),              // sw word, 0(t2)
        asm::r(0x33, t4, 0, ZERO, t3, 0x20), // sub t4, zero, t3: all ones if it was written
        asm::r(0x33, t4, 7, t4, flip, 0),    // and t4, t4, flip
        asm::r(0x33, word, 4, word, t4, 0),  // xor word, word, t4: the other word next time
    ]);
    prog.push(asm::jal(ZERO, offset_to(&prog, second)));
    pad_to(&mut prog, second);
    prog.extend([
        asm::r(0x33, A1, 0, A1, A0, 0), // add a1, a1, a0
        asm::r(0x33, A2, 4, A2, A1, 0), // xor a2, a2, a1
        one,                            // rewritten: addi a0, a0, 1 or 3
        asm::r(0x33, A3, 0, A2, A0, 1), // mul a3, a2, a0
        asm::r(0x33, A4, 0, A4, A3, 0), // add a4, a4, a3
        asm::i(0x67, ZERO, 0, S1, 0),   // jalr zero, 0(s1): back to the first page
    ]);
    // 16 steps round the loop, 64 rounds per rewrite.
    let steps = 10 * 64 * 16;
    run_beside_step(&mut Vm::new(load(&prog)), 10 * 64, 16, |_| {});
    let mut vm = Vm::new(load(&prog));
    run_beside_step(&mut vm, 1, steps + 100, |_| {});
    // A few entries per rewrite (the page written, then the new translation), not two a round.
    assert!(
        vm.jit_runs() <= 40,
        "{} entries from the dispatcher",
        vm.jit_runs()
    );
    run_beside_step_in_slices(&prog, steps);
}

/// Every division and remainder, 64-bit and W, over every pair of 16 operands with the edge
/// cases (zero, ±1, the 64- and 32-bit minimums, values whose low half is zero or -1 and whose
/// upper half is not): by zero, MIN / -1 and a W-division by a value whose low half is zero give
/// what the reference step gives, into registers kept in host registers and in the register
/// file, and with rd the same as rs1 or rs2. The state matches the step's after every run.
#[test]
fn divisions_and_remainders_agree_on_edge_operands() {
    use verdict_riscv::asm::reg::*;
    const VALUES: [u64; 16] = [
        0,
        1,
        u64::MAX,
        2,
        -2i64 as u64,
        7,
        1 << 63,
        i64::MAX as u64,
        0xffff_ffff_8000_0000,
        0x8000_0000,
        0xffff_ffff,
        0x1_0000_0000,
        0xffff_ffff_0000_0000,
        0x8000_0000_ffff_ffff,
        0x1234_5678_9abc_def0,
        0x7fff_ffff,
    ];
    let mut prog = asm::li(S0, DATA);
    for (i, v) in VALUES.iter().enumerate() {
        prog.extend(asm::li(A0, *v));
        prog.push(asm::s(3, S0, A0, 8 * i as i32)); // sd a0, 8i(s0)
    }
    // Operands in a0 and a1; results in x18-x27 (more registers than the JIT keeps in host
    // registers, so some results go to the register file).
    let op = |rd, f3, rs1, rs2, w: bool| asm::r(if w { 0x3b } else { 0x33 }, rd, f3, rs1, rs2, 1);
    let body = [
        asm::i(0x13, T1, 7, T0, 15),      // andi t1, t0, 15
        asm::i(0x13, T1, 1, T1, 3),       // slli t1, t1, 3
        asm::r(0x33, T1, 0, T1, S0, 0),   // add t1, t1, s0
        asm::i(0x03, A0, 3, T1, 0),       // ld a0, 0(t1)
        asm::i(0x13, T2, 5, T0, 4),       // srli t2, t0, 4
        asm::i(0x13, T2, 7, T2, 15),      // andi t2, t2, 15
        asm::i(0x13, T2, 1, T2, 3),       // slli t2, t2, 3
        asm::r(0x33, T2, 0, T2, S0, 0),   // add t2, t2, s0
        asm::i(0x03, A1, 3, T2, 0),       // ld a1, 0(t2)
        op(18, 4, A0, A1, false),         // div
        op(19, 5, A0, A1, false),         // divu
        op(20, 6, A0, A1, false),         // rem
        op(21, 7, A0, A1, false),         // remu
        op(22, 4, A0, A1, true),          // divw
        op(23, 5, A0, A1, true),          // divuw
        op(24, 6, A0, A1, true),          // remw
        op(25, 7, A0, A1, true),          // remuw
        asm::r(0x33, A2, 0, A0, ZERO, 0), // mv a2, a0
        asm::r(0x33, A3, 0, A1, ZERO, 0), // mv a3, a1
        op(A2, 6, A2, A3, false),         // rem a2, a2, a3: rd = rs1
        op(A3, 4, A0, A3, true),          // divw a3, a0, a3: rd = rs2
        op(26, 7, A1, A0, true),          // remuw x26, a1, a0: the other way round
        op(27, 4, A1, A0, false),         // div x27, a1, a0
        asm::r(0x33, A4, 4, A4, 18, 0),   // xor a4, a4, x18
        asm::r(0x33, A4, 0, A4, 25, 0),   // add a4, a4, x25
        asm::addi(T0, T0, 1),             // addi t0, t0, 1
    ];
    prog.extend(body);
    prog.push(asm::jal(ZERO, -4 * body.len() as i32));
    // Every pair twice in one go, and in slices (a run of one step stops after each division).
    let mut vm = Vm::new(load(&prog));
    run_beside_step(&mut vm, 20, 2 * 256 * (body.len() as u64 + 1) / 20, |_| {});
    run_beside_step_in_slices(&prog, 256 * (body.len() as u64 + 1));
}

/// Code rewritten by a single `step` between two runs: a loop on one page jumps to a block on
/// another (translated and chained by the first run); the program then stores a new instruction
/// into that block, and that store is run with `step`, not `run`. The next `run` executes the new
/// instruction, as the step does (the JIT's translation and the interpreter's decoding of the
/// page are dropped at the run's start).
#[test]
fn code_written_by_a_step_between_runs_is_not_run_stale() {
    use verdict_riscv::asm::reg::*;
    let (first, second) = (BASE + 0x1000, BASE + 0x2000);
    let three = asm::addi(A0, A0, 3);
    let mut prog = asm::li(S0, second + 4);
    prog.extend(asm::li(T1, three as u64));
    prog.extend(asm::li(S1, first));
    prog.push(asm::jal(ZERO, offset_to(&prog, first)));
    pad_to(&mut prog, first);
    prog.extend([
        asm::addi(T0, T0, 1),     // addi t0, t0, 1
        asm::addi(T2, ZERO, 100), // addi t2, zero, 100
        asm::b(1, T0, T2, 8),     // bne t0, t2, +8: the 100th time round, the store
        asm::s(2, S0, T1, 0),     // sw t1, 0(s0): addi a0, a0, 3 over the second block's
    ]);
    prog.push(asm::jal(ZERO, offset_to(&prog, second)));
    pad_to(&mut prog, second);
    prog.extend([
        asm::r(0x33, A1, 0, A1, A0, 0), // add a1, a1, a0
        asm::addi(A0, A0, 1),           // rewritten: addi a0, a0, 1, then 3
        asm::i(0x67, ZERO, 0, S1, 0),   // jalr zero, 0(s1)
    ]);
    for jit in [true, false] {
        let start = load(&prog);
        let mut stepped = Vm::new(start.clone());
        let mut vm = Vm::new(start);
        vm.set_jit(jit);
        // Up to the store, which is the 4th instruction of the first page on its 100th time round.
        let store = first + 12;
        while !(stepped.state.pc == store && stepped.state.step > 0) {
            stepped.step().unwrap();
            let n = stepped.state.step - vm.state.step;
            if stepped.state.pc == store {
                vm.run(n).unwrap();
            }
        }
        assert_eq!(vm.state.state_hash(), stepped.state.state_hash());
        assert_eq!(vm.jit_runs() > 0, jit);
        vm.step().unwrap();
        stepped.step().unwrap();
        for _ in 0..50 {
            vm.run(7).unwrap();
            for _ in 0..7 {
                stepped.step().unwrap();
            }
            assert_eq!(vm.state.state_hash(), stepped.state.state_hash());
        }
    }
}

/// Groups of loads and stores through one base register (one TLB lookup for the group's whole
/// span): at every alignment around a page boundary (the span then crosses into the next page
/// and the group falls back to one lookup per access), with stores straddling chunks, an ALU
/// instruction inside a group, the base written in the middle (two groups), a load into the base
/// ending a group, high multiplications inside a group (on x86 they clobber rdx, the group's
/// address), a group on a page never written (the lookup always misses) and a division between
/// two accesses. The state matches the step's after every run.
#[test]
fn same_base_access_groups_agree_with_the_step() {
    use verdict_riscv::asm::reg::*;
    const UNWRITTEN: u32 = 26;
    let (a6, t3, t4, t5) = (16, 28, 29, 30);
    // 64 bytes before a page boundary.
    let mut prog = asm::li(S0, DATA + 0x1000 - 64);
    prog.extend(asm::li(UNWRITTEN, DATA + 0x10_0000));
    prog.extend(asm::li(T1, 0x0102_0304_0506_0708));
    prog.extend(asm::li(A0, 0x8190_a0b0_c0d0_e0f0));
    let body = [
        asm::addi(T0, T0, 7),                 // addi t0, t0, 7
        asm::i(0x13, A1, 7, T0, 255),         // andi a1, t0, 255
        asm::r(0x33, A1, 0, A1, S0, 0),       // add a1, a1, s0: any alignment, some spans cross
        asm::s(3, A1, T1, 0),                 // sd t1, 0(a1)
        asm::s(2, A1, A0, 12),                // sw a0, 12(a1)
        asm::i(0x03, A2, 3, A1, 8),           // ld a2, 8(a1)
        asm::r(0x33, A0, 4, A0, A2, 0),       // xor a0, a0, a2: inside the group
        asm::i(0x03, A3, 4, A1, 3),           // lbu a3, 3(a1)
        asm::r(0x33, a6, 3, A0, T1, 1),       // mulhu a6, a0, t1: inside the group too
        asm::r(0x33, A7, 1, a6, A2, 1),       // mulh a7, a6, a2
        asm::s(1, A1, A3, 30),                // sh a3, 30(a1)
        asm::i(0x03, A4, 2, A1, 4),           // lw a4, 4(a1)
        asm::s(0, A1, A4, 17),                // sb a4, 17(a1)
        asm::addi(A1, A1, 24),                // addi a1, a1, 24: the base written
        asm::s(3, A1, A0, 0),                 // sd a0, 0(a1)
        asm::i(0x03, A5, 5, A1, -20),         // lhu a5, -20(a1)
        asm::r(0x33, A2, 0, A2, A5, 0),       // add a2, a2, a5
        asm::addi(T2, A1, -1800),             // addi t2, a1, -1800: stores over several chunks
        asm::s(3, T2, A2, 0),                 // sd a2, 0(t2)
        asm::s(3, T2, A0, 500),               // sd a0, 500(t2)
        asm::s(1, T2, A4, 251),               // sh a4, 251(t2)
        asm::s(2, T2, A5, 1006),              // sw a5, 1006(t2)
        asm::i(0x03, A4, 3, T2, 505),         // ld a4, 505(t2)
        asm::s(3, A1, S0, 40),                // sd s0, 40(a1)
        asm::i(0x03, A1, 3, A1, 40),          // ld a1, 40(a1): the base loaded (s0)
        asm::s(3, A1, A3, 8),                 // sd a3, 8(a1): through the new base
        asm::i(0x03, t3, 3, A1, 8),           // ld t3, 8(a1)
        asm::i(0x03, t4, 3, UNWRITTEN, 16),   // ld t4, 16(x26): never in the TLB
        asm::i(0x03, t5, 2, UNWRITTEN, 2044), // lw t5, 2044(x26)
        asm::r(0x33, A0, 0, A0, t4, 0),       // add a0, a0, t4
        asm::r(0x33, A0, 0, A0, t3, 0),       // add a0, a0, t3
        asm::r(0x33, A0, 4, A0, t5, 0),       // xor a0, a0, t5
        asm::r(0x33, A0, 4, A0, A4, 0),       // xor a0, a0, a4
        asm::r(0x33, A0, 0, A0, A7, 0),       // add a0, a0, a7
        asm::i(0x03, A2, 3, S0, 0),           // ld a2, 0(s0)
        asm::r(0x33, A3, 5, A2, T1, 1),       // divu a3, a2, t1: between two accesses
        asm::i(0x03, A4, 3, S0, 8),           // ld a4, 8(s0)
        asm::r(0x33, A0, 0, A0, A3, 0),       // add a0, a0, a3
        asm::r(0x33, T1, 0, T1, A4, 0),       // add t1, t1, a4
    ];
    prog.extend(body);
    prog.push(asm::jal(ZERO, -4 * body.len() as i32));
    run_beside_step_in_slices(&prog, 20_000);
}

/// As [`code_written_into_a_block_with_allocated_registers_runs_correctly`], with the store
/// into the code inside a group of same-base accesses: on data the group is served by one
/// lookup, and on the code page (never in the write TLB) the store still goes through the helper
/// and ends the run, the access after it running in the new translation.
#[test]
fn code_written_by_a_group_store_runs_correctly() {
    use verdict_riscv::asm::reg::*;
    let (word, flip, old, t3, t4, here, delta) = (20, 22, 23, 28, 29, 30, 31);
    const A6: u32 = 16;
    let first = asm::addi(A0, A0, 1);
    let second = asm::addi(A0, A0, 3);
    // The index of the rewritten instruction in the loop.
    const TARGET: i32 = 14;
    let mut prog = asm::li(S0, DATA);
    prog.extend(asm::li(word, second as u64));
    prog.extend(asm::li(flip, (first ^ second) as u64));
    let body = [
        here << 7 | 0x17,                        // auipc here, 0: the loop's address
        asm::i(0x03, A6, 2, here, 0),            // lw a6, 0(here): the code page in the read TLB
        asm::addi(delta, here, 4 * TARGET),      // addi delta, here, 4 * TARGET
        asm::r(0x33, delta, 0, delta, S0, 0x20), // sub delta, delta, s0: from DATA to it
        asm::addi(T0, T0, 1),                    // addi t0, t0, 1
        asm::i(0x13, T1, 7, T0, 63),             // andi t1, t0, 63
        asm::i(0x13, t3, 3, T1, 1),              // sltiu t3, t1, 1: 1 every 64th time
        asm::r(0x33, T2, 0, t3, delta, 1),       // mul t2, t3, delta
        asm::r(0x33, T2, 0, T2, S0, 0),          // add t2, t2, s0: the instruction or DATA
        asm::r(0x33, A1, 0, A1, A0, 0),          // add a1, a1, a0
        asm::i(0x03, old, 6, T2, 0),             // lwu old, 0(t2)
        asm::s(2, T2, word, 0),                  // sw word, 0(t2)
        asm::i(0x03, A5, 2, T2, 4),              // lw a5, 4(t2)
        asm::r(0x33, A2, 4, A2, A1, 0),          // xor a2, a2, a1
        first,                                   // TARGET, rewritten: addi a0, a0, 1 or 3
        asm::r(0x33, A3, 0, A2, A5, 1),          // mul a3, a2, a5
        asm::r(0x33, A4, 0, A4, A3, 0),          // add a4, a4, a3
        asm::r(0x33, A4, 4, A4, old, 0),         // xor a4, a4, old
        asm::r(0x33, A4, 0, A4, A6, 0),          // add a4, a4, a6
        asm::r(0x33, t4, 0, ZERO, t3, 0x20),     // sub t4, zero, t3: all ones if it was written
        asm::r(0x33, t4, 7, t4, flip, 0),        // and t4, t4, flip
        asm::r(0x33, word, 4, word, t4, 0),      // xor word, word, t4: the other word next time
    ];
    prog.extend(body);
    prog.push(asm::jal(ZERO, -4 * body.len() as i32));
    // Seven rewrites: the page stays translated (after eight it is left to the interpreter).
    run_beside_step_in_slices(&prog, 7 * 64 * (body.len() as u64 + 1));
}

/// Loads through one base register (sp, whose loads always try the page remembered for it, in a
/// loop or not) that walks three bytes at a time over three pages: aligned loads (served by the
/// remembered page), misaligned ones and ones crossing into the next page (served by the TLB or
/// the helper), with stores and an atomic (the interpreter) writing the pages between them, a
/// page never written, and a snapshot taken after every run so that pages are copied on write
/// while their base register's page is remembered. The state matches the step's after every
/// run, and a snapshot resumes as the step does.
#[test]
fn loads_through_a_remembered_base_page_read_the_current_copy() {
    use verdict_riscv::asm::reg::*;
    const UNWRITTEN: u32 = 26;
    let (a6, back) = (16, 27);
    let mut prog = asm::li(SP, DATA);
    prog.extend(asm::li(S1, DATA + 0x3000));
    prog.extend(asm::li(back, 0x3000 - 1));
    prog.extend(asm::li(UNWRITTEN, DATA + 0x10_0000));
    prog.extend(asm::li(T1, 0x0102_0304_0506_0708));
    let body = [
        asm::s(3, SP, T1, 5),           // sd t1, 5(sp): misaligned, sometimes crossing
        asm::i(0x03, T0, 3, SP, 0),     // ld t0, 0(sp)
        asm::i(0x03, T2, 2, SP, 4),     // lw t2, 4(sp)
        asm::i(0x03, A2, 5, SP, -2),    // lhu a2, -2(sp)
        asm::i(0x03, A3, 4, SP, 7),     // lbu a3, 7(sp)
        asm::i(0x13, a6, 7, SP, -8),    // andi a6, sp, -8
        asm::r(0x2f, A4, 3, a6, T1, 0), // amoadd.d a4, t1, (a6): the interpreter writes
        asm::i(0x03, A1, 3, SP, 0),     // ld a1, 0(sp): what the atomic left
        asm::r(0x33, A0, 0, A0, T0, 0), // add a0, a0, t0
        asm::r(0x33, A0, 4, A0, T2, 0), // xor a0, a0, t2
        asm::r(0x33, A0, 0, A0, A2, 0), // add a0, a0, a2
        asm::r(0x33, A0, 0, A0, A3, 0), // add a0, a0, a3
        asm::r(0x33, A0, 4, A0, A1, 0), // xor a0, a0, a1
        asm::i(0x03, A5, 3, UNWRITTEN, 8), // ld a5, 8(x26): never in the TLB
        asm::r(0x33, A0, 0, A0, A5, 0), // add a0, a0, a5
        asm::addi(T1, T1, 77),          // addi t1, t1, 77
        asm::addi(SP, SP, 3),           // addi sp, sp, 3
        asm::b(6, SP, S1, 8),           // bltu sp, s1, +8: past the wrap
        asm::r(0x33, SP, 0, SP, back, 0x20), // sub sp, sp, back: the first page, a byte on
    ];
    prog.extend(body);
    prog.push(asm::jal(ZERO, -4 * body.len() as i32));
    let mut vm = Vm::new(load(&prog));
    let mut snapshots = Vec::new();
    run_beside_step(&mut vm, 100, 1_009, |vm| snapshots.push(vm.state.clone()));
    let mut resumed = Vm::new(snapshots.swap_remove(3));
    let mut check = Vm::new(load(&prog));
    resumed.run(5 * 1_009).unwrap();
    for _ in 0..9 * 1_009 {
        check.step().unwrap();
    }
    assert_eq!(resumed.state.state_hash(), check.state.state_hash());
}
