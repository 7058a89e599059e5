//! MIPS64 instructions per second, the VM's fast engines (the x86-64 JIT and the interpreter over
//! decoded pages) beside `qemu-mips64`, on the same ELFs: each measured `--repeat` times in this
//! process (VM: loading excluded) and as a whole `qemu-mips64` process, the best kept.
//!
//! ```sh
//! cargo run --release -p verdict-mips64 --example bench -- guests/build/mips64/bench/*.elf
//! ```
//!
//! Prints a markdown table: workload, VM steps (every step is one instruction for these
//! single-threaded programs, bar one preemption per 100,000), time and M steps/s of the JIT and
//! of the interpreter, QEMU time and M instructions/s (the VM's count over QEMU's wall time), and
//! whether the outputs agree (the two engines must also reach the same state).

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
    println!("| workload | steps | JIT time | JIT M steps/s | interpreter time | interpreter M steps/s | qemu-mips64 time | qemu M insn/s | same output |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for elf in &elfs {
        let bytes = std::fs::read(elf).unwrap_or_else(|e| fail(&format!("{elf}: {e}")));
        let mut results = vec![];
        for jit in [true, false] {
            let mut best = Duration::MAX;
            let mut last = None;
            for _ in 0..repeat {
                let state = load_elf(&bytes).unwrap_or_else(|e| fail(&format!("{elf}: {e}")));
                let mut vm = Vm::new(state);
                vm.set_jit(jit);
                vm.capture_output();
                let t = Instant::now();
                if let Err(e) = vm.run(u64::MAX) {
                    fail(&format!("{elf}: {e}"));
                }
                best = best.min(t.elapsed());
                last = Some(vm);
            }
            let mut vm = last.expect("at least one run");
            results.push((
                best,
                vm.state.step,
                vm.stdout().to_vec(),
                vm.state.state_hash(),
            ));
        }
        let (best_vm, steps, vm_out, hash) = results[0].clone();
        let best_interp = results[1].0;
        if (results[1].1, &results[1].2, results[1].3) != (steps, &vm_out, hash) {
            fail(&format!(
                "{elf}: the JIT and the interpreter end in different states"
            ));
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
            "| {name} | {steps} | {:.3} s | {:.0} | {:.3} s | {:.0} | {:.3} s | {:.0} | {} |",
            best_vm.as_secs_f64(),
            mips(best_vm),
            best_interp.as_secs_f64(),
            mips(best_interp),
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
