//! The rules of the onchain step that a MIPS CPU does not share, and the scheduler's, each on a
//! small hand-assembled program, proven step by step and re-executed by the verifier.

mod common;

use common::prove_step;
use verdict_mips64::asm::{self, addiu, daddiu, i, li32, r, SYSCALL};
use verdict_mips64::{consts, Vm};

const BASE: u64 = 0x10000;

/// v0 := nr; syscall.
fn sys(nr: u32) -> [u32; 2] {
    [addiu(2, 0, nr as i32), SYSCALL]
}

#[test]
fn hello_writes_and_exits() {
    let mut code = vec![];
    code.extend(li32(5, 0x20000)); // a1 = msg
    code.extend([addiu(4, 0, 1), addiu(6, 0, 6)]);
    code.extend(sys(5001));
    code.extend([addiu(4, 0, 7)]);
    code.extend(sys(5205));
    let mut state = asm::program(BASE, &code);
    state.memory.write(0x20000, b"hello\n");
    let mut vm = Vm::new(state);
    vm.capture_output();
    while !vm.state.exited {
        prove_step(&mut vm);
    }
    assert_eq!(vm.stdout(), b"hello\n");
    assert_eq!(vm.state.exit_code, 7);
    assert_eq!(vm.state.step, 9);
}

#[test]
fn delay_slots_run_before_the_branch_target() {
    // beq r0, r0, +2 (to BASE + 12); delay slot addiu r3 = 1; skipped addiu r3 = 99; target
    // addiu r4 = 2; then exit.
    let mut code = vec![
        i(4, 0, 0, 2),
        addiu(3, 0, 1),
        addiu(3, 0, 99),
        addiu(4, 0, 2),
    ];
    code.extend(sys(5205));
    let mut vm = Vm::new(asm::program(BASE, &code));
    for _ in 0..3 {
        prove_step(&mut vm);
    }
    let t = *vm.state.current().unwrap();
    assert_eq!((t.regs[3], t.regs[4]), (1, 2));
    assert_eq!(t.pc, BASE + 16);
}

#[test]
fn a_branch_in_a_delay_slot_reverts() {
    let code = [i(4, 0, 0, 2), i(4, 0, 0, 2), 0, 0];
    let mut vm = Vm::new(asm::program(BASE, &code));
    prove_step(&mut vm);
    let err = vm.step().unwrap_err();
    assert_eq!(
        err.revert_code(),
        Some(consts::Revert::BranchInDelaySlot.code())
    );
}

#[test]
fn clone_pushes_a_thread_that_runs_next_and_yield_preempts() {
    let mut code = vec![];
    code.extend(li32(4, consts::VALID_CLONE_FLAGS as u32));
    code.extend([daddiu(5, 0, 0x4000)]);
    code.extend(sys(5055)); // clone: the child runs next, with v0 = 0
    code.extend(sys(5023)); // sched_yield
    code.extend(sys(5178)); // gettid
    code.extend([r(0x25, 4, 2, 0, 0)]); // or a0, v0, r0
    code.extend(sys(5058)); // exit (thread)
    let mut vm = Vm::new(asm::program(BASE, &code));
    let mut ids = vec![];
    for _ in 0..40 {
        if vm.state.exited {
            break;
        }
        ids.push(vm.state.current().unwrap().id);
        prove_step(&mut vm);
    }
    assert!(
        vm.state.exited,
        "both threads exit, the last one exits the VM"
    );
    // The child runs first and yields; the parent yields too and is scheduled again (the
    // traversal turns), exits (not the last thread); then the child exits the VM with its id.
    assert_eq!(vm.state.exit_code, 1);
    assert_eq!(&ids[..8], &[0, 0, 0, 0, 0, 1, 1, 0], "{ids:?}");
}
