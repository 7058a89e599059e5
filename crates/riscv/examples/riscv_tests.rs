//! Runs the riscv-tests suite (rv64ui, rv64um, rv64ua; `-p`) as the reference Asterisc ships it,
//! on every engine, and proves every step for the independent verifier:
//!
//!     cargo run --release -p verdict-riscv --example riscv_tests -- <dir with rv64u*-p-* ELFs>
//!
//! A test passes when the fast run, the reference step one instruction at a time, and the
//! verifier re-executing every proven step all end in exit code 0 with the same state hash.
//! The binaries are not part of this repository (see BENCHMARKS.md for where they come from).

use verdict_riscv::{load_elf, Vm};
use verdict_riscv_verifier::{self as verifier, NoPreimages, StepContext};

/// Steps after which a test that has not exited fails.
const MAX_STEPS: u64 = 100_000;

fn check(path: &std::path::Path) -> Result<u64, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let initial = load_elf(&bytes).map_err(|e| e.to_string())?;
    let mut fast = Vm::new(initial.clone());
    fast.run(MAX_STEPS).map_err(|e| format!("fast run: {e}"))?;
    let mut slow = Vm::new(initial);
    while !slow.state.exited && slow.state.step < MAX_STEPS {
        let pre = slow.state.state_hash();
        let step = slow.state.step;
        let w = slow
            .step_with_proof()
            .map_err(|e| format!("step {step}: {e}"))?;
        let ctx = StepContext::default();
        let report = verifier::step_report(&w.state, &w.proof, &ctx, &NoPreimages)
            .map_err(|e| format!("verifier at step {step}: {e}"))?;
        if report.proof_bytes_used != w.proof.len() {
            return Err(format!(
                "step {step}: the proof has {} bytes, the step reads {}",
                w.proof.len(),
                report.proof_bytes_used
            ));
        }
        if verifier::state_hash(&report.post) != slow.state.state_hash()
            || verifier::state_hash(w.state.as_slice().try_into().unwrap()) != pre
        {
            return Err(format!("step {step}: the verifier disagrees"));
        }
    }
    if !slow.state.exited || slow.state.exit_code != 0 {
        return Err(format!(
            "did not pass: exited {} with code {} (test case {})",
            slow.state.exited,
            slow.state.exit_code,
            slow.state.exit_code >> 1
        ));
    }
    if fast.state.state_hash() != slow.state.state_hash() {
        return Err("the fast run and the reference step end in different states".into());
    }
    Ok(slow.state.step)
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .expect("usage: riscv_tests <directory of riscv-tests ELFs>");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("reading the directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| !p.to_string_lossy().ends_with(".dump"))
        .collect();
    paths.sort();
    let mut failed = 0;
    for path in &paths {
        match check(path) {
            Ok(steps) => println!(
                "pass {} ({steps} steps, every one verified)",
                path.display()
            ),
            Err(e) => {
                failed += 1;
                println!("FAIL {}: {e}", path.display());
            }
        }
    }
    println!("{} of {} passed", paths.len() - failed, paths.len());
    std::process::exit(i32::from(failed > 0));
}
