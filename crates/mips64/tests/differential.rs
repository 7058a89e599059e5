//! Differential tests against QEMU: every MIPS64 guest (`guests/build/mips64/*.elf`, built by
//! `scripts/build-guests.sh`) runs under `qemu-mips64`, traced one instruction at a time, and in
//! the VM's reference step side by side. Compared:
//!
//! 1. before every instruction QEMU executes: the pc, HI, LO and all 32 registers. Registers
//!    that differ at the entry point (QEMU's initial sp is not the VM's) are left out until the
//!    two agree on them, which every guest's `__start` makes happen within its first instructions
//!    (it points sp at a static stack); a register still unsynchronized after 16 instructions
//!    fails. Steps where the VM's scheduler preempts the thread execute no instruction and are
//!    stepped over;
//! 2. the bytes written to stdout and stderr, and the exit code;
//! 3. the fast engine (`Vm::run`: the JIT on x86-64, else the interpreter over decoded pages)
//!    reaches the same final state hash, output and step count as the reference step.
//!
//! Without QEMU or the guests the tests are skipped with a notice, except with `CI=true`, where
//! they fail naming what is missing.

mod support;

use std::path::{Path, PathBuf};
use support::qemu::{self, Record, TracedRun, REG_NAMES};
use verdict_mips64::{consts, load_elf, Vm};

/// Registers that may differ at the entry point must agree within this many instructions.
const SYNC_WITHIN: u64 = 16;

fn guest(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../guests/build/mips64")
        .join(format!("{name}.elf"))
}

/// Whether the test can run: a skip notice, or a failure with `CI=true`, naming what is missing.
fn prerequisites(elf: &Path) -> bool {
    let mut missing = vec![];
    if qemu::qemu_binary().is_none() {
        missing.push("qemu-mips64 (Debian package qemu-user; scripts/install-deps.sh)".to_string());
    }
    if !elf.is_file() {
        missing.push(format!("{} (scripts/build-guests.sh)", elf.display()));
    }
    if missing.is_empty() {
        return true;
    }
    let msg = format!("differential prerequisites missing: {}", missing.join("; "));
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{msg}");
    eprintln!("SKIPPED: {msg}");
    false
}

/// The VM's view of the state QEMU prints.
fn vm_record(vm: &Vm) -> Record {
    let t = vm.state.current().expect("a running thread");
    Record {
        pc: t.pc,
        hi: t.hi,
        lo: t.lo,
        regs: t.regs,
    }
}

/// Compares one record; `unsynced` holds registers (bit i; bit 32 HI, 33 LO) not compared yet.
fn compare(n: u64, q: &Record, v: &Record, unsynced: &mut u64) -> Result<(), String> {
    if q.pc != v.pc {
        return Err(format!(
            "instruction {n}: pc: qemu {:#x}, vm {:#x}",
            q.pc, v.pc
        ));
    }
    let pairs = (0..32)
        .map(|i| (REG_NAMES[i], q.regs[i], v.regs[i]))
        .chain([("hi", q.hi, v.hi), ("lo", q.lo, v.lo)]);
    for (i, (name, a, b)) in pairs.enumerate() {
        if *unsynced & (1 << i) != 0 {
            if a == b {
                *unsynced &= !(1 << i);
            }
            continue;
        }
        if a != b {
            return Err(format!(
                "instruction {n} at pc {:#x}: {name}: qemu {a:#018x}, vm {b:#018x}",
                q.pc
            ));
        }
    }
    if n >= SYNC_WITHIN && *unsynced != 0 {
        return Err(format!(
            "registers {unsynced:#x} (bit 32 hi, 33 lo) still differ after {n} instructions"
        ));
    }
    Ok(())
}

/// Runs `name` under QEMU and in the VM, compares them, and returns the instructions compared.
fn differential(name: &str) -> Option<u64> {
    let elf = guest(name);
    if !prerequisites(&elf) {
        return None;
    }
    Some(compare_runs(name, &elf).unwrap_or_else(|e| panic!("{name}: {e}")))
}

/// Runs `elf` under QEMU and in the VM: the instructions compared, or the first divergence.
fn compare_runs(name: &str, elf: &Path) -> Result<u64, String> {
    let bytes = std::fs::read(elf).unwrap();
    let mut vm = Vm::new(load_elf(&bytes).expect("the guest loads"));
    vm.capture_output();
    let mut trace = TracedRun::spawn(elf).expect("qemu starts");
    let mut n = 0u64;
    let mut unsynced = 0u64;
    while let Some(q) = trace.next_record().expect("the trace parses") {
        assert!(
            !vm.state.exited,
            "{name}: the VM exited, QEMU runs on at {:#x}",
            q.pc
        );
        while vm.state.steps_since_switch >= consts::SCHED_QUANTUM {
            vm.step().expect("a preemption"); // no instruction executes
        }
        let v = vm_record(&vm);
        if n == 0 {
            for i in 0..32 {
                if q.regs[i] != v.regs[i] {
                    unsynced |= 1 << i;
                }
            }
        }
        compare(n, &q, &v, &mut unsynced)?;
        vm.step()
            .unwrap_or_else(|e| panic!("{name}: instruction {n} at {:#x}: {e}", q.pc));
        n += 1;
    }
    let out = trace.finish().expect("qemu ends");
    assert!(vm.state.exited, "{name}: QEMU exited, the VM did not");
    assert_eq!(
        out.status.code(),
        Some(vm.state.exit_code as i32),
        "{name}: exit code (qemu stderr: {})",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(vm.stdout(), &out.stdout[..], "{name}: stdout");
    assert!(
        out.stderr.ends_with(vm.stderr()),
        "{name}: stderr: qemu {:?}, vm {:?}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(vm.stderr())
    );

    // The fast engine: same final state, output and step count.
    let mut fast = Vm::new(load_elf(&bytes).unwrap());
    fast.capture_output();
    fast.run(u64::MAX).expect("the fast run");
    assert!(fast.state.exited);
    assert_eq!(fast.state.step, vm.state.step, "{name}: steps");
    assert_eq!(
        fast.state.state_hash(),
        vm.state.state_hash(),
        "{name}: state hash"
    );
    assert_eq!(fast.stdout(), vm.stdout(), "{name}: fast stdout");
    eprintln!(
        "{name}: {n} instructions agree, exit {}",
        vm.state.exit_code
    );
    Ok(n)
}

#[test]
fn hello() {
    differential("hello");
}

#[test]
fn exit3() {
    differential("exit3");
}

#[test]
fn alu() {
    differential("alu");
}

#[test]
fn muldiv() {
    differential("muldiv");
}

#[test]
fn mem() {
    differential("mem");
}

#[test]
fn branch() {
    differential("branch");
}

#[test]
fn llsc() {
    differential("llsc");
}

/// Several threads (`guests/mips64/threads/threads.c`): QEMU interleaves them its own way, so
/// only the output and the exit code are compared; the reference step and the fast engine reach
/// the same final state.
#[test]
fn threads_output_and_exit_code() {
    let elf = guest("threads");
    if !prerequisites(&elf) {
        return;
    }
    let bytes = std::fs::read(&elf).unwrap();
    let q = qemu::run_plain(&elf).expect("qemu runs");
    let mut slow = Vm::new(load_elf(&bytes).unwrap());
    slow.capture_output();
    while !slow.state.exited {
        slow.step().expect("the reference step");
    }
    assert_eq!(q.status.code(), Some(slow.state.exit_code as i32));
    assert_eq!(slow.stdout(), &q.stdout[..]);
    assert!(
        slow.state.next_thread_id >= 5,
        "{}",
        slow.state.next_thread_id
    );
    let mut fast = Vm::new(load_elf(&bytes).unwrap());
    fast.capture_output();
    fast.run(u64::MAX).unwrap();
    assert_eq!(fast.state.state_hash(), slow.state.state_hash());
}

/// The no_std Rust guest (`guests/rust`, built for `guests/mips64-verdict-none.json`): 247 M
/// steps on the fast engine, the same output and exit code as under QEMU (and the same digests
/// as the RISC-V build, which the guest checks itself).
#[test]
fn rust_compute_output_and_exit_code() {
    let elf = guest("rust-compute");
    if !prerequisites(&elf) {
        return;
    }
    let q = qemu::run_plain(&elf).expect("qemu runs");
    let mut vm = Vm::new(load_elf(&std::fs::read(&elf).unwrap()).unwrap());
    vm.capture_output();
    vm.run(u64::MAX).unwrap();
    assert!(vm.state.exited);
    assert_eq!(q.status.code(), Some(vm.state.exit_code as i32));
    assert_eq!(vm.state.exit_code, 0);
    assert_eq!(
        String::from_utf8_lossy(vm.stdout()),
        String::from_utf8_lossy(&q.stdout)
    );
    assert!(String::from_utf8_lossy(vm.stdout()).contains(
        "keccak256(data)=166fe627d4a0c15540d02c546904ae19ef6b6895a84f7ea4f8e8db08919c9739"
    ));
}

/// The harness has teeth: `sra` on a register that is not a sign-extended word is UNPREDICTABLE
/// on MIPS64, and Cannon (sign-extending from bit 31 - sa of the low word) and QEMU (shifting the
/// whole register) differ there; the run is caught at that instruction.
#[test]
fn a_known_divergence_from_qemu_is_caught() {
    let elf = guest("diverge/sra");
    if !prerequisites(&elf) {
        return;
    }
    let e = compare_runs("diverge/sra", &elf).unwrap_err();
    assert!(
        e.contains("instruction 3")
            && e.contains("t5: qemu 0x0000000008000000, vm 0xfffffffff8000000"),
        "{e}"
    );
}

/// The comparison can fail: a guest whose register differs from what QEMU computes is caught at
/// that instruction.
#[test]
fn a_divergence_is_caught() {
    let q = Record {
        pc: 0x100,
        hi: 0,
        lo: 0,
        regs: [0; 32],
    };
    let mut v = q;
    v.regs[5] = 1;
    let mut unsynced = 0;
    let e = compare(3, &q, &v, &mut unsynced).unwrap_err();
    assert!(e.contains("a1") && e.contains("instruction 3"), "{e}");
    v = q;
    v.pc = 0x104;
    assert!(compare(3, &q, &v, &mut unsynced)
        .unwrap_err()
        .contains("pc"));
    v = q;
    v.lo = 9;
    assert!(compare(3, &q, &v, &mut unsynced)
        .unwrap_err()
        .contains("lo"));
    v = q;
    v.regs[29] = 7;
    let mut unsynced = 1 << 29;
    assert!(compare(SYNC_WITHIN, &q, &v, &mut unsynced).is_err());
}
