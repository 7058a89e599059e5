//! MIPS64 instructions per second, the VM's fast engine (the interpreter over decoded pages)
//! beside `qemu-mips64`, on the same ELFs: each measured `--repeat` times in this process (VM:
//! loading excluded) and as a whole `qemu-mips64` process, the best kept.
//!
//! ```sh
//! cargo run --release -p verdict-mips64 --example bench -- guests/build/mips64/bench/*.elf
//! ```
//!
//! Prints a markdown table: workload, VM steps (every step is one instruction for these
//! single-threaded programs, bar one preemption per 100,000), VM time and M steps/s, QEMU time
//! and M instructions/s (the VM's count over QEMU's wall time), and whether the outputs agree.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use verdict_mips64::{load_elf, Vm};

fn main() {
    let mut repeat = 3;
    let mut elfs = vec![];
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--repeat" {
            repeat = args
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| fail("--repeat N"));
        } else {
            elfs.push(a);
        }
    }
    if elfs.is_empty() {
        fail("usage: bench [--repeat N] ELF...");
    }
    let qemu = std::env::var("QEMU_MIPS64").unwrap_or_else(|_| "qemu-mips64".into());
    println!("| workload | steps | VM time | VM M steps/s | qemu-mips64 time | qemu M insn/s | same output |");
    println!("|---|---|---|---|---|---|---|");
    for elf in &elfs {
        let bytes = std::fs::read(elf).unwrap_or_else(|e| fail(&format!("{elf}: {e}")));
        let mut best_vm = Duration::MAX;
        let mut steps = 0;
        let mut vm_out = vec![];
        for _ in 0..repeat {
            let state = load_elf(&bytes).unwrap_or_else(|e| fail(&format!("{elf}: {e}")));
            let mut vm = Vm::new(state);
            vm.capture_output();
            let t = Instant::now();
            if let Err(e) = vm.run(u64::MAX) {
                fail(&format!("{elf}: {e}"));
            }
            best_vm = best_vm.min(t.elapsed());
            steps = vm.state.step;
            vm_out = vm.stdout().to_vec();
        }
        let mut best_qemu = Duration::MAX;
        let mut qemu_out = vec![];
        for _ in 0..repeat {
            let t = Instant::now();
            let out = Command::new(&qemu)
                .arg(elf)
                .stdin(Stdio::null())
                .output()
                .unwrap_or_else(|e| fail(&format!("{qemu}: {e}")));
            best_qemu = best_qemu.min(t.elapsed());
            qemu_out = out.stdout;
        }
        let name = Path::new(elf)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mips = |d: Duration| steps as f64 / d.as_secs_f64() / 1e6;
        println!(
            "| {name} | {steps} | {:.3} s | {:.0} | {:.3} s | {:.0} | {} |",
            best_vm.as_secs_f64(),
            mips(best_vm),
            best_qemu.as_secs_f64(),
            mips(best_qemu),
            if vm_out == qemu_out { "yes" } else { "NO" }
        );
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("bench: {msg}");
    std::process::exit(1);
}
