//! Go programs (Debian's Go 1.19, `GOOS=linux GOARCH=mips64 GOMIPS64=softfloat`, standard
//! library only: goroutines, channels, the garbage collector, timers), built by
//! `scripts/build-guests.sh` into `guests/build/mips64/go-*.elf`: under `qemu-mips64` and in the
//! VM they print the same and exit with the same code; the VM's run uses several threads and is
//! deterministic (the same state hash every time); the reference step reaches the fast engine's
//! final state; sampled steps are proven and re-executed by the verifier; a snapshot resumes to
//! the same final state.
//!
//! Without QEMU or the guests the tests are skipped with a notice, except with `CI=true`.

mod common;
mod support;

use common::prove_step;
use std::path::{Path, PathBuf};
use support::qemu;
use verdict_mips64::{load_elf, state_file, Vm};

fn guest(name: &str) -> Option<(PathBuf, Vec<u8>)> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../guests/build/mips64")
        .join(format!("go-{name}.elf"));
    let mut missing = vec![];
    if qemu::qemu_binary().is_none() {
        missing.push("qemu-mips64 (Debian package qemu-user; scripts/install-deps.sh)".into());
    }
    if !p.is_file() {
        missing.push(format!("{} (scripts/build-guests.sh)", p.display()));
    }
    if missing.is_empty() {
        let bytes = std::fs::read(&p).unwrap();
        return Some((p, bytes));
    }
    let msg = format!("Go guest prerequisites missing: {}", missing.join("; "));
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{msg}");
    eprintln!("SKIPPED: {msg}");
    None
}

/// A fast run to the end: the VM, with its output captured.
fn run_fast(bytes: &[u8]) -> Vm {
    let mut vm = Vm::new(load_elf(bytes).expect("the Go guest loads"));
    vm.capture_output();
    vm.run(u64::MAX).expect("the Go guest runs");
    assert!(vm.state.exited);
    vm
}

fn same_as_qemu(name: &str, exit: u8) {
    let Some((path, bytes)) = guest(name) else {
        return;
    };
    let q = qemu::run_plain(&path).expect("qemu runs");
    let mut a = run_fast(&bytes);
    assert_eq!(
        q.status.code(),
        Some(exit as i32),
        "{name}: qemu's exit code"
    );
    assert_eq!(a.state.exit_code, exit, "{name}: the VM's exit code");
    assert_eq!(
        String::from_utf8_lossy(a.stdout()),
        String::from_utf8_lossy(&q.stdout),
        "{name}: stdout"
    );
    assert_eq!(
        String::from_utf8_lossy(a.stderr()),
        String::from_utf8_lossy(&q.stderr),
        "{name}: stderr"
    );
    // Several threads (the Go runtime's Ms) were created and scheduled.
    assert!(
        a.state.next_thread_id >= 3,
        "{name}: {} threads",
        a.state.next_thread_id
    );
    // Deterministic: another run gives the same state, step for step.
    let mut b = run_fast(&bytes);
    assert_eq!(a.state.step, b.state.step, "{name}: steps");
    assert_eq!(
        a.state.state_hash(),
        b.state.state_hash(),
        "{name}: state hash"
    );
    let hash = hex(&a.state.state_hash());
    eprintln!(
        "{name}: {} steps, {} threads, exit {exit}, state hash 0x{hash}",
        a.state.step, a.state.next_thread_id,
    );
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn go_hello_matches_qemu() {
    same_as_qemu("hello", 0);
}

#[test]
fn go_concurrency_matches_qemu() {
    same_as_qemu("concurrency", 7);
}

#[test]
fn the_reference_step_reaches_the_fast_engines_final_state() {
    let Some((_, bytes)) = guest("hello") else {
        return;
    };
    let mut fast = run_fast(&bytes);
    let mut slow = Vm::new(load_elf(&bytes).unwrap());
    slow.capture_output();
    while !slow.state.exited {
        slow.step().expect("the reference step");
    }
    assert_eq!(slow.state.step, fast.state.step);
    assert_eq!(slow.state.state_hash(), fast.state.state_hash());
    assert_eq!(slow.stdout(), fast.stdout());
}

#[test]
fn sampled_steps_are_proven_and_snapshots_resume() {
    let Some((_, bytes)) = guest("concurrency") else {
        return;
    };
    let mut end = run_fast(&bytes);
    let mut vm = Vm::new(load_elf(&bytes).unwrap());
    vm.capture_output();
    let mut proven = 0;
    let mut threads_seen = std::collections::BTreeSet::new();
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap.bin.gz");
    while !vm.state.exited {
        vm.run(200_003).unwrap();
        if vm.state.exited {
            break;
        }
        threads_seen.insert(vm.state.current().unwrap().id);
        prove_step(&mut vm);
        proven += 1;
        if proven == 40 {
            state_file::write_state(&snap, &mut vm.state).unwrap();
        }
    }
    assert_eq!(vm.state.state_hash(), end.state.state_hash());
    assert!(proven >= 50, "{proven}");
    assert!(threads_seen.len() >= 2, "{threads_seen:?}");
    let mut resumed = Vm::new(state_file::read_state(&snap).unwrap());
    resumed.run(u64::MAX).unwrap();
    assert_eq!(resumed.state.state_hash(), end.state.state_hash());
    eprintln!("{proven} steps proven, threads seen at them: {threads_seen:?}");
}
