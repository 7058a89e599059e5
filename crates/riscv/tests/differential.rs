//! Differential tests: every guest program of the corpus (`guests/build/*.elf`, built by
//! `scripts/build-guests.sh`) runs under QEMU (`qemu-riscv64`, traced one instruction at a time)
//! and in the VM side by side. Compared, in order:
//!
//! 1. the pc and all 32 integer registers before every instruction (the first divergence is
//!    reported with the instruction index, the pc, the register and both values). Before the very
//!    first instruction only the pc is compared: QEMU's initial sp (and possibly other registers)
//!    differ from the VM's, and every guest's `_start` sets sp with its first instruction;
//! 2. the bytes the guest wrote to stdout (and stderr);
//! 3. the exit code.
//!
//! Traces longer than `VERDICT_DIFF_TRACE_LIMIT` instructions (default 2,000,000; 0 = no limit)
//! are compared up to the limit only; the rest runs untraced and only the output and exit code
//! are compared.
//!
//! When QEMU or the guests are missing the tests are skipped with a notice, except on CI
//! (`CI=true`), where they fail naming what is missing.

mod support;

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use support::qemu::{self, reg_name, writes_rd, ArchState, CodeImage, TracedRun, ECALL};

/// Default number of instructions compared register by register.
const DEFAULT_TRACE_LIMIT: u64 = 2_000_000;
/// Steps after which the VM is considered stuck (after the traced part).
const MAX_STEPS: u64 = 4_000_000_000;

fn guests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../guests/build")
}

fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

fn trace_limit() -> u64 {
    match std::env::var("VERDICT_DIFF_TRACE_LIMIT") {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("bad VERDICT_DIFF_TRACE_LIMIT {v:?}")),
        Err(_) => DEFAULT_TRACE_LIMIT,
    }
}

/// Whether the test can run; prints a skip notice (or panics on CI) naming what is missing.
fn prerequisites(elfs: &[PathBuf]) -> bool {
    let mut missing = Vec::new();
    if qemu::qemu_binary().is_none() {
        missing.push(
            "qemu-riscv64 (Debian package qemu-user; run scripts/install-deps.sh)".to_string(),
        );
    }
    for elf in elfs {
        if !elf.is_file() {
            missing.push(format!(
                "guest {} (run scripts/build-guests.sh)",
                elf.display()
            ));
        }
    }
    if missing.is_empty() {
        return true;
    }
    let msg = format!(
        "differential test prerequisites missing: {}",
        missing.join("; ")
    );
    if is_ci() {
        panic!("{msg}");
    }
    eprintln!("SKIPPED: {msg}");
    false
}

/// What one comparison covered.
struct Summary {
    instructions: u64,
    traced: u64,
    stdout_len: usize,
    exit_code: u8,
}

fn hex_word(code: &CodeImage, pc: u64) -> String {
    match code.word_at(pc) {
        Some(w) => format!("{w:08x}"),
        None => "????????".into(),
    }
}

/// Describes a state divergence at instruction `index`.
fn divergence(
    index: u64,
    q: &ArchState,
    vm_pc: u64,
    vm_regs: &[u64; 32],
    a1_after_syscall: bool,
    code: &CodeImage,
    recent: &VecDeque<u64>,
) -> String {
    let mut msg = format!("first divergence before instruction #{index}: ");
    if q.pc != vm_pc {
        msg += &format!("pc: qemu={:#x} vm={:#x}", q.pc, vm_pc);
    } else {
        let diffs: Vec<String> = (0..32)
            .filter(|&r| q.regs[r] != vm_regs[r] && !(r == 11 && a1_after_syscall))
            .map(|r| {
                format!(
                    "register {}: qemu={:#018x} vm={:#018x}",
                    reg_name(r),
                    q.regs[r],
                    vm_regs[r]
                )
            })
            .collect();
        msg += &format!("pc={:#x}, {}", q.pc, diffs.join(", "));
    }
    if let Some(&prev) = recent.back() {
        msg += &format!(
            "\n  the last instruction executed, #{}, was at pc {prev:#x} (instruction word {})",
            index - 1,
            hex_word(code, prev)
        );
    }
    let trail: Vec<String> = recent.iter().map(|pc| format!("{pc:#x}")).collect();
    msg += &format!("\n  recent pcs: {}", trail.join(" "));
    msg
}

/// Runs `elf` under QEMU and in the VM and compares them.
fn compare(elf: &Path) -> Result<Summary, String> {
    let bytes = std::fs::read(elf).map_err(|e| format!("reading {}: {e}", elf.display()))?;
    let state = verdict_riscv::load_elf(&bytes).map_err(|e| format!("load_elf: {e}"))?;
    let code = CodeImage::new(&bytes);
    let mut vm = verdict_riscv::Vm::new(state);
    vm.capture_output();
    // Asterisc sets a1 to an errno (0) after every syscall; Linux preserves a1. So a1 is not
    // compared from an ecall until the next instruction that writes a1 (the guests' syscall
    // wrappers treat a1 as clobbered, so they never read it before).
    let mut a1_after_syscall = false;

    let limit = trace_limit();
    let mut run = TracedRun::spawn(elf).map_err(|e| format!("starting traced QEMU: {e}"))?;
    let mut index: u64 = 0;
    let mut recent: VecDeque<u64> = VecDeque::with_capacity(9);
    let fully_traced = loop {
        if limit != 0 && index >= limit {
            break false;
        }
        let q = run
            .next_state()
            .map_err(|e| format!("reading QEMU's trace at instruction #{index}: {e}"))?;
        let (vm_pc, vm_regs) = (vm.state.pc, vm.state.regs);
        match q {
            None if vm.state.exited => break true,
            None => {
                let out = run.finish().map_err(|e| e.to_string())?;
                return Err(format!(
                    "QEMU's trace ended after {index} instructions ({}) but the VM has not exited (vm pc {vm_pc:#x})\n  qemu stderr: {}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
            Some(q) if vm.state.exited => {
                return Err(format!(
                    "the VM exited (code {}) after {index} instructions, but QEMU goes on with pc {:#x}",
                    vm.state.exit_code, q.pc
                ));
            }
            Some(q) => {
                let same = if index == 0 {
                    q.pc == vm_pc
                } else if a1_after_syscall {
                    let mut masked = q.regs;
                    masked[11] = vm_regs[11];
                    q.pc == vm_pc && masked == vm_regs
                } else {
                    q.pc == vm_pc && q.regs == vm_regs
                };
                if !same {
                    return Err(divergence(
                        index,
                        &q,
                        vm_pc,
                        &vm_regs,
                        a1_after_syscall,
                        &code,
                        &recent,
                    ));
                }
            }
        }
        if recent.len() == 8 {
            recent.pop_front();
        }
        recent.push_back(vm_pc);
        let word = code.word_at(vm_pc);
        vm.step().map_err(|e| {
            format!(
                "VM error at instruction #{index} (pc {vm_pc:#x}, word {}): {e}",
                hex_word(&code, vm_pc)
            )
        })?;
        match word {
            Some(ECALL) => a1_after_syscall = true,
            Some(w) if a1_after_syscall && writes_rd(w) == Some(11) => a1_after_syscall = false,
            _ => {}
        }
        index += 1;
    };
    let traced = index;

    let reference = if fully_traced {
        run.finish().map_err(|e| format!("QEMU: {e}"))?
    } else {
        run.kill().map_err(|e| format!("stopping QEMU: {e}"))?;
        while !vm.state.exited {
            if index >= MAX_STEPS {
                return Err(format!(
                    "the VM has not exited after {index} instructions (pc {:#x})",
                    vm.state.pc
                ));
            }
            let pc = vm.state.pc;
            vm.step().map_err(|e| {
                format!("VM error at instruction #{index} (pc {pc:#x}, untraced): {e}")
            })?;
            index += 1;
        }
        qemu::run_plain(elf).map_err(|e| format!("running QEMU: {e}"))?
    };

    if vm.stdout() != reference.stdout.as_slice() {
        let n = vm
            .stdout()
            .iter()
            .zip(&reference.stdout)
            .take_while(|(a, b)| a == b)
            .count();
        return Err(format!(
            "stdout differs (first difference at byte {n}):\n  qemu: {:?}\n  vm:   {:?}",
            String::from_utf8_lossy(&reference.stdout),
            String::from_utf8_lossy(vm.stdout())
        ));
    }
    if vm.stderr() != reference.stderr.as_slice() {
        return Err(format!(
            "stderr differs:\n  qemu: {:?}\n  vm:   {:?}",
            String::from_utf8_lossy(&reference.stderr),
            String::from_utf8_lossy(vm.stderr())
        ));
    }
    match reference.exit_code() {
        Some(code) if code as u8 == vm.state.exit_code => {}
        Some(code) => {
            return Err(format!(
                "exit code differs: qemu={code} vm={}",
                vm.state.exit_code
            ))
        }
        None => return Err(format!("QEMU did not exit normally: {}", reference.status)),
    }
    Ok(Summary {
        instructions: index,
        traced,
        stdout_len: reference.stdout.len(),
        exit_code: vm.state.exit_code,
    })
}

fn check_guest(name: &str) {
    let elf = guests_dir().join(format!("{name}.elf"));
    if !prerequisites(std::slice::from_ref(&elf)) {
        return;
    }
    match compare(&elf) {
        Ok(s) => eprintln!(
            "{name}: identical ({} instructions, {} compared register by register; {} bytes of stdout; exit code {})",
            s.instructions, s.traced, s.stdout_len, s.exit_code
        ),
        Err(msg) => panic!("{name}: {msg}"),
    }
}

/// The corpus: every guest `scripts/build-guests.sh` builds.
const CORPUS: &[&str] = &[
    "hello",
    "alu",
    "muldiv",
    "mem",
    "branch",
    "atomic",
    "exit3",
    "sha256",
    "rust-compute",
];

macro_rules! guest_tests {
    ($($test:ident => $name:literal),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                assert!(CORPUS.contains(&$name));
                check_guest($name);
            }
        )*
    };
}

guest_tests! {
    hello => "hello",
    alu => "alu",
    muldiv => "muldiv",
    mem => "mem",
    branch => "branch",
    atomic => "atomic",
    exit3 => "exit3",
    sha256 => "sha256",
    rust_compute => "rust-compute",
}

/// Guests that read preimages from a host (fds 3..6): a Linux process under QEMU has no such host.
const NEEDS_PREIMAGE_HOST: &[&str] = &["oracle-check", "block-check", "claim"];

/// Guests in guests/build that are not in CORPUS (added later) are compared too, except those that
/// need a preimage host.
#[test]
fn other_guests() {
    let dir = guests_dir();
    let corpus: Vec<PathBuf> = CORPUS
        .iter()
        .map(|n| dir.join(format!("{n}.elf")))
        .collect();
    if !prerequisites(&corpus) {
        return;
    }
    let mut others: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("reading guests/build")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "elf") && !corpus.contains(p))
        .filter(|p| {
            !NEEDS_PREIMAGE_HOST
                .iter()
                .any(|n| p.file_stem().is_some_and(|s| s == *n))
        })
        .collect();
    others.sort();
    for elf in others {
        let name = elf.file_stem().unwrap().to_string_lossy().into_owned();
        check_guest(&name);
    }
}
