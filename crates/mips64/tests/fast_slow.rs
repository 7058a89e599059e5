//! Fast/slow: every step of the small MIPS64 guests (and sampled steps of the larger ones) is
//! executed by the VM with its proof and re-executed by the independent stateless verifier
//! (`verdict-mips64-verifier`) to the same post-state; a changed byte in the state witness, the
//! thread witness or a memory proof the step reads is refused, and so is a wrong preimage;
//! snapshots resume to the same final state as a straight run.
//!
//! The guests are `guests/build/mips64/*.elf` (scripts/build-guests.sh); without them the tests
//! are skipped with a notice, except with `CI=true`, where they fail.

mod common;

use common::{onchain_oracle, prove_step};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use verdict_mips64::asm::{self, addiu, daddiu, i, li32, r, SYSCALL};
use verdict_mips64::{load_elf, state_file, MapOracle, Oracle, StepWitness, Vm};
use verdict_mips64_verifier::{self as verifier, PreimageStore, StepContext};
use verdict_preimage::PreimageKey;

fn guest(name: &str) -> Option<Vec<u8>> {
    let p: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../guests/build/mips64")
        .join(format!("{name}.elf"));
    if p.is_file() {
        return Some(std::fs::read(p).unwrap());
    }
    let msg = format!("{} missing (scripts/build-guests.sh)", p.display());
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{msg}");
    eprintln!("SKIPPED: {msg}");
    None
}

/// Flips one bit of a copy of `bytes` at `at`.
fn flipped(bytes: &[u8], at: usize) -> Vec<u8> {
    let mut b = bytes.to_vec();
    b[at] ^= 0x10;
    b
}

/// Checks that changing the witness, the thread witness or any memory proof slot the step reads
/// makes the verifier refuse or reach another post-state.
fn tampering_is_refused(w: &StepWitness, version: u8, honest: [u8; 32]) {
    let ctx = StepContext::default();
    let oracle = onchain_oracle(w, &ctx);
    let report = verifier::step_report(&w.state, &w.proof, &ctx, &oracle, version).unwrap();
    let refused = |state: &[u8], proof: &[u8], what: &str| {
        let got = verifier::step(state, proof, &ctx, &oracle, version);
        assert!(got != Ok(honest), "a tampered {what} is accepted");
    };
    // The memory root, the step counter, the stacks.
    for at in [0, 31, 100, 110, 120, 150] {
        refused(&flipped(&w.state, at), &w.proof, "state witness");
    }
    // The thread (its pc, a register) and the rest of its stack.
    for at in [12, 100, 297, 300] {
        refused(&w.state, &flipped(&w.proof, at), "thread witness");
    }
    let slot = |k: usize| 330 + k * verifier::MEMORY_PROOF_SIZE;
    for (k, read) in report.slots_read.iter().enumerate() {
        if *read {
            for at in [slot(k) + 5, slot(k) + 40, slot(k) + 1900] {
                refused(&w.state, &flipped(&w.proof, at), "memory proof");
            }
        }
    }
    // A short proof is refused, never read past.
    assert!(verifier::step(&w.state, &w.proof[..329], &ctx, &oracle, version).is_err());
}

/// Proves every step of `name` (or every `every`-th, run fast in between), checking tampering
/// at every `tamper_every`-th proven step. Returns the steps proven.
fn fast_slow(name: &str, every: u64, tamper_every: u64) -> Option<u64> {
    let bytes = guest(name)?;
    let mut vm = Vm::new(load_elf(&bytes).unwrap());
    vm.capture_output();
    let mut proven = 0u64;
    while !vm.state.exited {
        if every > 1 {
            vm.run(every - 1).unwrap();
            if vm.state.exited {
                break;
            }
        }
        let w = prove_step(&mut vm);
        if proven.is_multiple_of(tamper_every) {
            let post = vm.state.state_hash();
            tampering_is_refused(&w, vm.state.version, post);
        }
        proven += 1;
    }
    // The same final state as a straight fast run.
    let mut fast = Vm::new(load_elf(&bytes).unwrap());
    fast.capture_output();
    fast.run(u64::MAX).unwrap();
    assert_eq!(fast.state.state_hash(), vm.state.state_hash(), "{name}");
    assert_eq!(fast.stdout(), vm.stdout(), "{name}");
    eprintln!("{name}: {proven} steps proven of {}", vm.state.step);
    Some(proven)
}

#[test]
fn every_step_of_the_small_guests() {
    for name in ["hello", "exit3", "llsc", "threads"] {
        fast_slow(name, 1, 7);
    }
}

#[test]
fn every_step_of_mem() {
    fast_slow("mem", 1, 997);
}

#[test]
fn sampled_steps_of_branch() {
    fast_slow("branch", 7, 101);
}

#[test]
fn sampled_steps_of_alu_and_muldiv() {
    for name in ["alu", "muldiv"] {
        fast_slow(name, 97, 101);
    }
}

#[test]
fn snapshots_resume_to_the_same_final_state() {
    let Some(bytes) = guest("mem") else { return };
    let mut straight = Vm::new(load_elf(&bytes).unwrap());
    straight.capture_output();
    straight.run(u64::MAX).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (at, file) in [
        (1u64, "a.bin"),
        (54_321, "b.bin.gz"),
        (100_000, "c.json"),
        (150_001, "d.json.gz"),
    ] {
        let mut vm = Vm::new(load_elf(&bytes).unwrap());
        vm.capture_output();
        vm.run(at).unwrap();
        let path = dir.path().join(file);
        state_file::write_state(&path, &mut vm.state).unwrap();
        let mut resumed = Vm::new(state_file::read_state(&path).unwrap());
        assert_eq!(resumed.state.state_hash(), vm.state.state_hash(), "{file}");
        resumed.capture_output();
        resumed.run(u64::MAX).unwrap();
        assert_eq!(
            resumed.state.state_hash(),
            straight.state.state_hash(),
            "{file}"
        );
        let mut out = vm.stdout().to_vec();
        out.extend_from_slice(resumed.stdout());
        assert_eq!(out, straight.stdout(), "{file}");
    }
}

/// A program that writes the 32-byte key at 0x20000 to fd 6 (8 bytes a write), reads `total`
/// bytes of the preimage (its length prefix included) from fd 5 into 0x30000, 8 at a time, and
/// exits with the first value byte. (A read at the end of a preimage reverts: there is no part
/// there.)
fn preimage_program(total: u32) -> Vec<u32> {
    let mut p = vec![];
    p.extend(li32(16, 0x20000));
    p.push(addiu(17, 0, 4));
    // key: a0 = 6, a1 = s0, a2 = 8, write; s0 += 8; s1 -= 1; loop
    p.extend([addiu(4, 0, 6), daddiu(5, 16, 0), addiu(6, 0, 8)]);
    p.extend([addiu(2, 0, 5001), SYSCALL]);
    p.extend([daddiu(16, 16, 8), addiu(17, 17, -1)]);
    p.extend([i(5, 17, 0, -8), asm::NOP]);
    p.extend(li32(16, 0x30000));
    p.extend(li32(18, 0x30000 + total));
    // read: a0 = 5, a1 = s0, a2 = 8; s0 += v0; loop while s0 != s2
    p.extend([addiu(4, 0, 5), daddiu(5, 16, 0), addiu(6, 0, 8)]);
    p.extend([addiu(2, 0, 5000), SYSCALL]);
    p.extend([r(0x2d, 16, 16, 2, 0), i(5, 16, 18, -7), asm::NOP]);
    p.extend(li32(8, 0x30000));
    p.push(i(0x24, 4, 8, 8)); // lbu a0, 8(t0): the first value byte
    p.extend([addiu(2, 0, 5205), SYSCALL]);
    p
}

fn preimage_vm(key: [u8; 32], value: &[u8]) -> Vm<MapOracle> {
    let mut state = asm::program(0x10000, &preimage_program(8 + value.len() as u32));
    state.memory.write(0x20000, &key);
    let mut oracle = MapOracle::new(BTreeMap::new());
    oracle.insert(PreimageKey(key), value.to_vec());
    Vm::with_oracle(state, oracle)
}

/// Proves every step of a preimage read; returns the witnesses of the steps that read one.
fn prove_preimage_run<O: Oracle>(vm: &mut Vm<O>) -> Vec<(StepWitness, [u8; 32])> {
    let mut reads = vec![];
    while !vm.state.exited {
        let w = prove_step(vm);
        if w.preimage.is_some() {
            reads.push((w, vm.state.state_hash()));
        }
    }
    reads
}

#[test]
fn preimage_reads_are_proven_and_a_wrong_preimage_is_refused() {
    let value: Vec<u8> = (0..45u8)
        .map(|b| b.wrapping_mul(7).wrapping_add(3))
        .collect();
    let key = PreimageKey::keccak256(&value).0;
    let mut vm = preimage_vm(key, &value);
    let reads = prove_preimage_run(&mut vm);
    assert_eq!(vm.state.exit_code, value[0]);
    // 8 length bytes and 45 value bytes, 8 at a time.
    assert_eq!(reads.len(), 7);
    let mut got = vec![0u8; 53];
    vm.state.memory.read(0x30000, &mut got);
    assert_eq!(&got[8..], &value[..]);
    let ctx = StepContext::default();
    for (w, honest) in &reads {
        let pre = w.preimage.as_ref().unwrap();
        // A different value for the key: the store refuses it (it is checked against the key).
        let mut bad = pre.value[8..].to_vec();
        bad[3] ^= 1;
        assert!(PreimageStore::new().insert_global(pre.key, bad).is_err());
        // No preimage at all: the step cannot be executed.
        let none = verifier::step(&w.state, &w.proof, &ctx, &verifier::NoPreimages, 8);
        assert!(none.is_err());
        // The honest one verifies to the VM's post-state.
        let store = onchain_oracle(w, &ctx);
        assert_eq!(
            verifier::step(&w.state, &w.proof, &ctx, &store, 8),
            Ok(*honest)
        );
    }
}

#[test]
fn local_preimages_are_read_under_the_localized_key_and_a_wrong_one_is_refused() {
    let mut key = [0u8; 32];
    key[0] = 1;
    key[31] = 2;
    let value = b"local value, not checked against its key".to_vec();
    let mut vm = preimage_vm(key, &value);
    let reads = prove_preimage_run(&mut vm);
    assert!(!reads.is_empty());
    for ctx in [
        StepContext::default(),
        StepContext {
            local_context: [7; 32],
            caller: [9; 20],
        },
    ] {
        for (w, honest) in &reads {
            let good = onchain_oracle(w, &ctx);
            assert_eq!(
                verifier::step(&w.state, &w.proof, &ctx, &good, 8),
                Ok(*honest)
            );
            // Another value under the localized key (other bytes where the step reads the
            // value, another length where it reads the length prefix): a different post-state
            // or a refusal, never the honest one.
            let mut other = PreimageStore::new();
            let pre = w.preimage.as_ref().unwrap();
            let mut v = pre.value[8..].to_vec();
            if pre.offset < 8 {
                v.push(0);
            } else {
                v.iter_mut().for_each(|b| *b ^= 0x55);
            }
            other.insert_local(verifier::localize_key(&key, &ctx), v);
            assert_ne!(
                verifier::step(&w.state, &w.proof, &ctx, &other, 8),
                Ok(*honest)
            );
            // The value stored for another context is not found for this one.
            let elsewhere = StepContext {
                local_context: [1; 32],
                caller: [2; 20],
            };
            let wrong = onchain_oracle(w, &elsewhere);
            assert!(verifier::step(&w.state, &w.proof, &ctx, &wrong, 8).is_err());
        }
    }
}
