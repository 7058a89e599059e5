//! Helpers shared by the VM's integration tests: small hand-assembled programs.
#![allow(dead_code)]

use verdict_riscv::asm::{self, reg::*};
use verdict_riscv::{MapOracle, Vm, VmError};

/// Address programs are loaded at.
pub const BASE: u64 = 0x10000;
/// A scratch data area the programs use.
pub const DATA: u64 = 0x20000;

/// `exit(a0)` as instructions.
pub fn exit() -> Vec<u32> {
    vec![asm::addi(A7, ZERO, 93), asm::ECALL]
}

/// A syscall: a7 = number, then ecall.
pub fn syscall(number: u64) -> Vec<u32> {
    let mut v = asm::li(A7, number);
    v.push(asm::ECALL);
    v
}

/// Loads each (register, value) pair.
pub fn set(pairs: &[(u32, u64)]) -> Vec<u32> {
    pairs.iter().flat_map(|&(r, v)| asm::li(r, v)).collect()
}

/// A VM (with an in-memory oracle) loaded with `prog` at BASE.
pub fn machine(prog: &[u32]) -> Vm<MapOracle> {
    let state = verdict_riscv::load_elf(&asm::elf(BASE, &asm::code(prog))).expect("valid test ELF");
    let mut vm = Vm::with_oracle(state, MapOracle::default());
    vm.capture_output();
    vm
}

/// Runs to exit (or a step error), at most a million steps.
pub fn run(vm: &mut Vm<MapOracle>) -> Result<(), VmError> {
    for _ in 0..1_000_000 {
        if vm.state.exited {
            return Ok(());
        }
        vm.step()?;
    }
    panic!("program did not exit");
}

/// Runs `prog` followed by exit and returns the final registers.
pub fn regs_after(prog: &[u32]) -> [u64; 32] {
    let mut p = prog.to_vec();
    p.extend(exit());
    let mut vm = machine(&p);
    run(&mut vm).expect("program runs");
    vm.state.regs
}
