//! Bad input never panics: truncated and corrupted ELF files, binary and JSON state files,
//! crafted states stepped by the VM, and damaged witnesses and proofs given to the verifier each
//! give an error (or, where the bytes still form a valid input, a result), thousands of times
//! over with seeded random damage.

use std::path::Path;
use verdict_mips64::asm::{self, addiu, li32, SYSCALL};
use verdict_mips64::state_file::{self, ReadLimit};
use verdict_mips64::Vm;
use verdict_mips64_verifier::{self as verifier, NoPreimages, StepContext};

/// xorshift64*: deterministic damage.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// `bytes` with 1..=4 random bytes replaced.
    fn damaged(&mut self, bytes: &[u8]) -> Vec<u8> {
        let mut b = bytes.to_vec();
        for _ in 0..1 + self.below(4) {
            let at = self.below(b.len());
            b[at] = self.next() as u8;
        }
        b
    }
}

/// A program with a loop, a store and a write: the state files and proofs below come from it.
fn program() -> Vec<u32> {
    let mut p = vec![addiu(16, 0, 20), addiu(16, 16, -1)];
    p.extend(li32(8, 0x20000));
    p.push(asm::i(0x3f, 16, 8, 8)); // sd s0, 8(t0)
    p.extend([asm::i(5, 16, 0, -5), asm::NOP]);
    p.extend([addiu(4, 0, 1), addiu(2, 0, 5001), SYSCALL]);
    p.extend([addiu(4, 0, 0), addiu(2, 0, 5205), SYSCALL]);
    p
}

#[test]
fn damaged_elfs_are_refused_or_loaded_never_a_panic() {
    let elf = asm::elf(0x10000, &program(), 100);
    let mut rng = Rng(0x1234_5678);
    for len in 0..elf.len() {
        let _ = verdict_mips64::elf::load_elf_limited(&elf[..len], 1 << 26);
    }
    let mut refused = 0;
    for _ in 0..5000 {
        // Damage the headers (the first 120 bytes) mostly.
        let mut b = elf.clone();
        for _ in 0..1 + rng.below(3) {
            let at = rng.below(120);
            b[at] = rng.next() as u8;
        }
        match verdict_mips64::elf::load_elf_limited(&b, 1 << 26) {
            Err(e) => {
                assert!(!e.to_string().is_empty());
                refused += 1;
            }
            Ok(state) => {
                // What loads also runs without a panic (it may trap).
                let mut vm = Vm::new(state);
                vm.capture_output();
                let _ = vm.run(1000);
            }
        }
    }
    assert!(refused > 1000, "{refused}");
}

fn some_state() -> verdict_mips64::State {
    let mut vm = Vm::new(asm::program(0x10000, &program()));
    vm.capture_output();
    vm.run(30).unwrap();
    vm.state
}

#[test]
fn damaged_binary_states_are_refused_or_read_never_a_panic() {
    let state = some_state();
    let bytes = state_file::encode_binary(&state);
    let path = Path::new("damaged.bin");
    for len in 0..bytes.len() {
        let e = state_file::decode_binary(&bytes[..len], path).unwrap_err();
        assert!(e.to_string().contains("damaged.bin"), "{e}");
    }
    let mut rng = Rng(99);
    let limit = ReadLimit::bytes(1 << 26);
    for _ in 0..5000 {
        let b = rng.damaged(&bytes);
        if let Ok(s) = state_file::read_binary_from(&b[..], path, limit) {
            let mut vm = Vm::new(s);
            vm.capture_output();
            let _ = vm.run(100);
            let _ = vm.step_with_proof();
        }
    }
    // A page count or thread count that claims the world is refused before it is allocated.
    let mut huge = bytes.clone();
    huge[1..9].copy_from_slice(&u64::MAX.to_be_bytes());
    assert!(state_file::read_binary_from(&huge[..], path, limit).is_err());
}

#[test]
fn damaged_json_states_are_refused_or_read_never_a_panic() {
    let mut state = some_state();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.json");
    state_file::write_state(&p, &mut state).unwrap();
    let text = std::fs::read(&p).unwrap();
    let mut rng = Rng(7);
    let limit = ReadLimit::bytes(1 << 26);
    for len in (0..text.len()).step_by(7) {
        assert!(state_file::read_json_from(&text[..len], &p, limit).is_err());
    }
    for _ in 0..3000 {
        let b = rng.damaged(&text);
        if let Ok(s) = state_file::read_json_from(&b[..], &p, limit) {
            let mut vm = Vm::new(s);
            let _ = vm.run(100);
        }
    }
}

#[test]
fn crafted_states_trap_with_an_error_never_a_panic() {
    let mut rng = Rng(2024);
    for _ in 0..3000 {
        let mut s = some_state();
        let t = s.current_mut().unwrap();
        match rng.below(4) {
            0 => t.pc = rng.next(),
            1 => t.regs[rng.below(32)] = rng.next(),
            2 => t.next_pc = rng.next(),
            _ => {
                // A random instruction word at the pc.
                let pc = t.pc & !3;
                t.pc = pc;
                t.next_pc = pc + 4;
                s.memory.write(pc, &(rng.next() as u32).to_be_bytes());
            }
        }
        let mut vm = Vm::new(s);
        vm.capture_output();
        for _ in 0..3 {
            if vm.step_with_proof().is_err() {
                break;
            }
        }
    }
}

#[test]
fn damaged_witnesses_and_proofs_never_panic_the_verifier() {
    let mut vm = Vm::new(asm::program(0x10000, &program()));
    vm.capture_output();
    let mut proofs = vec![];
    while !vm.state.exited {
        let pre = vm.state.state_hash();
        let w = vm.step_with_proof().unwrap();
        proofs.push((w, pre, vm.state.state_hash()));
    }
    let ctx = StepContext::default();
    let mut rng = Rng(5);
    for (w, _, post) in &proofs {
        assert_eq!(
            verifier::step(&w.state, &w.proof, &ctx, &NoPreimages, 8),
            Ok(*post)
        );
        for _ in 0..200 {
            let state = if rng.below(2) == 0 {
                rng.damaged(&w.state)
            } else {
                w.state.clone()
            };
            let mut proof = rng.damaged(&w.proof);
            if rng.below(4) == 0 {
                proof.truncate(rng.below(proof.len()));
            }
            if let Ok(got) = verifier::step(&state, &proof, &ctx, &NoPreimages, 8) {
                // Accepted only if the damage fell where the step does not look.
                if state == w.state {
                    assert_eq!(got, *post);
                }
            }
        }
        for len in [0, 1, 187, 189] {
            let mut s = w.state.clone();
            s.resize(len, 0);
            assert!(verifier::step(&s, &w.proof, &ctx, &NoPreimages, 8).is_err());
        }
        assert!(verifier::step(&w.state, &w.proof, &ctx, &NoPreimages, 6).is_err());
    }
}
