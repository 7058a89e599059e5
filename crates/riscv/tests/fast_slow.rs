//! Fast/slow equivalence: for every step of small programs (and sampled steps of large ones), the
//! independent stateless verifier (`verdict-riscv-verifier`), fed the proof the fast VM generates, computes
//! the same post-state hash as the fast VM. Tampered proofs, witnesses and preimages are rejected.

mod common;

use common::*;
use std::path::PathBuf;
use verdict_preimage::PreimageKey;
use verdict_riscv::asm::{self, reg::*};
use verdict_riscv::{MapOracle, StepWitness, Vm};
use verdict_riscv_verifier::{self as verifier, PreimageStore, StepContext};

/// Proves one step with the fast VM and checks it with the verifier; returns the witness.
fn prove_and_verify(vm: &mut Vm<MapOracle>, ctx: &StepContext) -> StepWitness {
    let pre = vm.state.state_hash();
    let step = vm.state.step;
    let w = vm
        .step_with_proof()
        .unwrap_or_else(|e| panic!("step {step}: {e}"));
    assert_eq!(
        verifier::state_hash(w.state.as_slice().try_into().unwrap()),
        pre,
        "step {step}: witness of the pre-state"
    );
    let post = vm.state.state_hash();
    let oracle = oracle_for(&w, ctx);
    match verifier::step_report(&w.state, &w.proof, ctx, &oracle) {
        Ok(report) => {
            assert_eq!(
                verifier::state_hash(&report.post),
                post,
                "step {step} at pc {:#x}: post-state hashes differ",
                vm.state.pc
            );
            // The proof is exact: no bytes the step does not read, the preimage it reads.
            assert_eq!(
                report.proof_bytes_used,
                w.proof.len(),
                "step {step}: proof length"
            );
            assert_eq!(
                report.preimage_read,
                w.preimage.as_ref().map(|p| (p.key, p.offset)),
                "step {step}: the preimage read"
            );
        }
        Err(e) => panic!("step {step}: the verifier rejects the fast VM's proof: {e}"),
    }
    w
}

/// The onchain oracle as it must be loaded for this step.
fn oracle_for(w: &StepWitness, ctx: &StepContext) -> PreimageStore {
    let mut store = PreimageStore::new();
    if let Some(p) = &w.preimage {
        let value = p.value[8..].to_vec();
        if p.key[0] == 1 {
            store.insert_local(verifier::localize_key(&p.key, ctx), value);
        } else {
            store
                .insert_global(p.key, value)
                .expect("the fast VM read a matching preimage");
        }
    }
    store
}

/// Runs a VM to the end, proving every step for which `prove(step)` holds. Returns the steps proven.
fn check_run(vm: &mut Vm<MapOracle>, ctx: &StepContext, prove: impl Fn(u64) -> bool) -> u64 {
    let mut proven = 0;
    while !vm.state.exited {
        assert!(vm.state.step < 2_000_000_000, "runaway program");
        if prove(vm.state.step) {
            prove_and_verify(vm, ctx);
            proven += 1;
        } else {
            vm.step().unwrap();
        }
    }
    // A step of an exited state is proven too: the state is returned unchanged.
    prove_and_verify(vm, ctx);
    proven
}

/// A program exercising every kind of memory access that needs more than one proof: loads and stores
/// of every width across 32-byte leaves and pages, AMOs and LR/SC at the ends of leaves and pages,
/// 16-byte syscall writes across leaves, and reads of a global and a local preimage.
fn memory_program() -> Vec<u32> {
    let mut p = vec![];
    let mut addrs = vec![];
    for base in [DATA, DATA + 0xfe0] {
        for off in [0u64, 1, 7, 25, 28, 29, 30, 31] {
            addrs.push(base + off);
        }
    }
    for (i, &addr) in addrs.iter().enumerate() {
        p.extend(set(&[
            (A0, addr),
            (A1, 0x0102_0304_0506_0708u64.wrapping_mul(i as u64 + 3)),
        ]));
        for funct3 in 0..4 {
            p.push(asm::s(funct3, A0, A1, 0)); // sb/sh/sw/sd
        }
        for funct3 in [0, 1, 2, 3, 4, 5, 6] {
            p.push(asm::i(0x03, A2, funct3, A0, 0)); // lb/lh/lw/ld/lbu/lhu/lwu
        }
    }
    // AMOs (.W and .D) aligned to their size (as the onchain step requires), at the ends of
    // leaves and pages.
    for (funct3, addrs) in [
        (2, [DATA + 0x40, DATA + 0x5c, DATA + 0xffc]),
        (3, [DATA + 0x40, DATA + 0x58, DATA + 0xff8]),
    ] {
        for addr in addrs {
            p.extend(set(&[(A0, addr), (A1, 0xffff_ffff_8000_0001)]));
            for op in [0u32, 1, 4, 8, 0xc, 0x10, 0x14, 0x18, 0x1c] {
                p.push(asm::r(0x2f, A2, funct3, A0, A1, op << 2));
            }
            p.push(asm::r(0x2f, A2, funct3, A0, ZERO, 2 << 2)); // lr
            p.push(asm::r(0x2f, A3, funct3, A0, A1, 3 << 2)); // sc: succeeds
            p.push(asm::r(0x2f, A3, funct3, A0, A1, 3 << 2)); // sc: fails (no reservation)
        }
    }
    // clock_gettime and getrlimit writing across a leaf.
    p.extend(set(&[(A0, 0), (A1, DATA + 0x78)]));
    p.extend(syscall(113));
    p.extend(set(&[(A0, 7), (A1, DATA + 0x98)]));
    p.extend(syscall(163));
    p.extend(set(&[
        (A0, 0),
        (A1, DATA + 0x200),
        (A2, 0),
        (A3, 0x22),
        (A4, u64::MAX),
    ]));
    p.extend(syscall(222));
    p
}

fn preimage_program(key_addr: u64, dest: u64, total: u64) -> Vec<u32> {
    let mut p = vec![];
    p.extend(set(&[(A0, 6), (A1, key_addr), (A2, 32)]));
    p.extend(syscall(64));
    p.extend(set(&[(S0, total), (S1, dest)]));
    let start = p.len();
    p.extend(set(&[(A0, 5)]));
    p.push(asm::addi(A1, S1, 0));
    p.push(asm::addi(A2, S0, 0));
    p.extend(syscall(63));
    p.push(asm::r(0x33, S1, 0, S1, A0, 0));
    p.push(asm::r(0x33, S0, 0, S0, A0, 0x20));
    p.push(asm::b(1, S0, ZERO, -(((p.len() - start) * 4) as i32)));
    p
}

const GLOBAL_VALUE: &[u8] =
    b"a global preimage of some length, long enough to take several 32-byte parts to read.";
const LOCAL_VALUE: &[u8] = b"local data: the claimed output root";

fn keys() -> ([u8; 32], [u8; 32]) {
    let mut global = verdict_riscv::hash::keccak256(GLOBAL_VALUE);
    global[0] = 2;
    let mut local = [0u8; 32];
    local[0] = 1;
    local[31] = 3;
    (global, local)
}

fn full_program() -> Vec<u32> {
    let mut p = memory_program();
    p.extend(preimage_program(
        DATA + 0x400,
        DATA + 0x503,
        GLOBAL_VALUE.len() as u64 + 8,
    ));
    p.extend(preimage_program(
        DATA + 0x420,
        DATA + 0x601,
        LOCAL_VALUE.len() as u64 + 8,
    ));
    p.extend(set(&[(A0, 0)]));
    p.extend(exit());
    p
}

fn full_vm() -> Vm<MapOracle> {
    let (global, local) = keys();
    let mut vm = machine(&full_program());
    vm.state.memory.write(DATA + 0x400, &global);
    vm.state.memory.write(DATA + 0x420, &local);
    vm.oracle_mut()
        .preimages
        .insert(PreimageKey(global), GLOBAL_VALUE.to_vec());
    vm.oracle_mut()
        .preimages
        .insert(PreimageKey(local), LOCAL_VALUE.to_vec());
    vm
}

fn ctx() -> StepContext {
    StepContext {
        local_context: [7; 32],
        caller: [9; 20],
    }
}

#[test]
fn every_step_of_the_memory_and_preimage_program_verifies() {
    let mut vm = full_vm();
    let proven = check_run(&mut vm, &ctx(), |_| true);
    assert_eq!(vm.state.exit_code, 0);
    assert!(proven > 500, "{proven}");
    let mut got = vec![0u8; GLOBAL_VALUE.len()];
    vm.state.memory.read(DATA + 0x503 + 8, &mut got);
    assert_eq!(got, GLOBAL_VALUE);
}

/// Steps of `full_vm` whose proof has at least `slots` memory proofs, or that read a preimage.
fn interesting_witnesses() -> Vec<StepWitness> {
    let mut vm = full_vm();
    let mut out = vec![];
    while !vm.state.exited {
        let w = vm.step_with_proof().unwrap();
        if w.proof.len() >= 3 * 1920 || w.preimage.is_some() {
            out.push(w);
        }
    }
    out
}

#[test]
fn proofs_use_up_to_three_slots() {
    // An AMO must be aligned to its size, so it never crosses a leaf: slot 3 (its right leaf
    // proven again after the left write) is never needed.
    let ws = interesting_witnesses();
    assert!(ws.iter().all(|w| w.proof.len() <= 3 * 1920));
    assert!(ws.iter().any(|w| w.proof.len() == 3 * 1920));
    assert!(ws
        .iter()
        .any(|w| w.preimage.as_ref().is_some_and(|p| p.key[0] == 1)));
    assert!(ws
        .iter()
        .any(|w| w.preimage.as_ref().is_some_and(|p| p.key[0] == 2)));
}

#[test]
fn tampered_proofs_witnesses_and_preimages_are_rejected() {
    let ctx = ctx();
    for w in interesting_witnesses() {
        let oracle = oracle_for(&w, &ctx);
        let honest = verifier::step(&w.state, &w.proof, &ctx, &oracle).unwrap();
        // Every proof slot: a flipped sibling and a flipped leaf byte.
        for slot in 0..w.proof.len() / 1920 {
            for at in [slot * 1920 + 5, slot * 1920 + 32 * 17 + 3] {
                let mut proof = w.proof.clone();
                proof[at] ^= 1;
                let err = verifier::step(&w.state, &proof, &ctx, &oracle).unwrap_err();
                assert_eq!(err.revert_code(), Some(0xbadf00d1), "slot {slot}: {err}");
            }
        }
        // A truncated proof.
        assert!(verifier::step(&w.state, &w.proof[..w.proof.len() - 1920], &ctx, &oracle).is_err());
        // A changed memory root in the witness.
        let mut state = w.state.clone();
        state[3] ^= 1;
        assert!(verifier::step(&state, &w.proof, &ctx, &oracle).is_err());
        // A changed register: the step may still verify, but never to the honest post-state.
        let mut state = w.state.clone();
        state[106 + 8 * 20 + 7] ^= 1;
        if let Ok(h) = verifier::step(&state, &w.proof, &ctx, &oracle) {
            assert_ne!(h, honest);
        }
        if let Some(p) = &w.preimage {
            let mut value = p.value[8..].to_vec();
            value[0] ^= 1;
            if p.key[0] == 2 {
                assert!(
                    PreimageStore::new().insert_global(p.key, value).is_err(),
                    "a wrong global preimage is refused"
                );
            } else {
                let mut store = PreimageStore::new();
                store.insert_local(verifier::localize_key(&p.key, &ctx), value);
                let got = verifier::step(&w.state, &w.proof, &ctx, &store);
                // A wrong local value changes the result unless the step read only later bytes.
                if p.offset < 9 {
                    assert_ne!(got.unwrap(), honest);
                }
            }
            // A different local context localizes to another key: the part is missing.
            if p.key[0] == 1 {
                let other = StepContext {
                    local_context: [8; 32],
                    ..ctx
                };
                assert!(verifier::step(&w.state, &w.proof, &other, &oracle).is_err());
            }
        }
    }
}

fn guests_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../guests/build")
}

/// Every step of the small guests, and a sample of the large ones.
#[test]
fn guest_programs_verify_step_by_step() {
    let ci = std::env::var("CI").as_deref() == Ok("true");
    let ctx = StepContext::default();
    for (name, every) in [
        ("hello", 1),
        ("exit3", 1),
        ("alu", 1),
        ("muldiv", 1),
        ("atomic", 1),
        ("mem", 1),
        ("branch", 7),
        ("sha256", 10_007),
        ("rust-compute", 1_000_003),
    ] {
        let path = guests_dir().join(format!("{name}.elf"));
        let Ok(bytes) = std::fs::read(&path) else {
            assert!(
                !ci,
                "guest {} is missing: run scripts/build-guests.sh",
                path.display()
            );
            eprintln!(
                "skipping {name}: {} not built (run scripts/build-guests.sh)",
                path.display()
            );
            continue;
        };
        let mut vm = Vm::with_oracle(
            verdict_riscv::load_elf(&bytes).unwrap(),
            MapOracle::default(),
        );
        let proven = check_run(&mut vm, &ctx, |s| s % every == 0 || s < 2000);
        eprintln!(
            "{name}: {proven} of {} steps proven and verified",
            vm.state.step
        );
    }
}
