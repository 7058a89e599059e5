//! The run driver behind `verdict vm run`, for any [`FaultVm`]: runs at full speed from one event
//! to the next (a progress line, a snapshot, a proof, a stop), as the reference VMs' `run` does
//! one step at a time: at each step, first the progress line, then the stop, the snapshot, and the
//! proof of that step; after each step, the preimage stop.

use crate::meta::Metadata;
use crate::pattern::StepPattern;
use crate::proof::ProofFile;
use crate::stop::PreimageStop;
use crate::vm::{FaultVm, StepFailure};
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

/// What a run does besides running.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Steps at which to print a progress line.
    pub info_at: StepPattern,
    /// Steps at which to stop (before executing them).
    pub stop_at: StepPattern,
    /// Steps at which to write a snapshot of the state.
    pub snapshot_at: StepPattern,
    /// Snapshot file name pattern; `%d` is replaced by the step.
    pub snapshot_fmt: String,
    /// Steps to prove.
    pub proof_at: StepPattern,
    /// Proof file name pattern; `%d` is replaced by the step.
    pub proof_fmt: String,
    /// Reads after which to stop.
    pub preimage_stop: PreimageStop,
    /// Symbols, to name the function on progress lines.
    pub meta: Metadata,
}

/// Why a run stopped early.
#[derive(Debug, thiserror::Error)]
pub enum DriveError<E: StepFailure> {
    /// A step failed (the guest trapped, or the host failed).
    #[error("step {step} failed: {error}")]
    Step {
        /// The step that failed.
        step: u64,
        /// Why.
        error: E,
    },
    /// A snapshot or proof could not be written.
    #[error("writing {what}: {error}")]
    Write {
        /// What was being written.
        what: String,
        /// Why it failed.
        error: crate::files::FileError,
    },
}

/// What a run did.
#[derive(Clone, Copy, Debug)]
pub struct RunReport {
    /// The step the run started at.
    pub start_step: u64,
    /// The step it stopped at.
    pub end_step: u64,
    /// Seconds it took.
    pub seconds: f64,
    /// Whether it stopped right after a preimage read the stop matched.
    pub stopped_at_preimage: bool,
    /// Whether it stopped because memory grew past its limit (after a whole instruction: the
    /// state is valid).
    pub over_memory_limit: bool,
}

/// A step's file name from a pattern with `%d`.
pub fn format_step(pattern: &str, step: u64) -> PathBuf {
    PathBuf::from(pattern.replace("%d", &step.to_string()))
}

/// Runs `vm` until it exits or an option stops it, writing snapshots and proofs and printing
/// progress lines to `log`.
pub fn drive<V: FaultVm>(
    vm: &mut V,
    options: &RunOptions,
    log: &mut dyn Write,
) -> Result<RunReport, DriveError<V::Error>> {
    let started = Instant::now();
    let start_step = vm.step_count();
    let events = [
        options.info_at,
        options.stop_at,
        options.snapshot_at,
        options.proof_at,
    ];
    vm.set_preimage_stop(options.preimage_stop.clone());
    let mut stopped_at_preimage = false;
    while vm.exit().is_none() {
        let step = vm.step_count();
        if options.info_at.matches(step) {
            print_progress(vm, started, start_step, &options.meta, log);
        }
        if options.stop_at.matches(step) {
            break;
        }
        if options.snapshot_at.matches(step) {
            let path = format_step(&options.snapshot_fmt, step);
            vm.write_state(&path).map_err(|error| DriveError::Write {
                what: format!("snapshot {}", path.display()),
                error,
            })?;
        }
        if options.proof_at.matches(step) {
            prove(vm, step, options, log)?;
            stopped_at_preimage = vm
                .last_preimage_read()
                .is_some_and(|read| options.preimage_stop.matches(&read));
        } else {
            // Nothing to do until the next step some pattern matches: run straight to it.
            let next = events
                .iter()
                .filter_map(|p| p.next_match(step.saturating_add(1)))
                .min();
            let budget = next.map_or(u64::MAX, |n| n - step);
            if let Err(error) = vm.run(budget) {
                // A failed step leaves the step counter at the failing instruction.
                let step = vm.step_count();
                return Err(DriveError::Step { step, error });
            }
            stopped_at_preimage = vm.stopped_at_preimage();
        }
        if stopped_at_preimage || vm.over_memory_limit() {
            break;
        }
    }
    Ok(RunReport {
        start_step,
        end_step: vm.step_count(),
        seconds: started.elapsed().as_secs_f64(),
        stopped_at_preimage,
        over_memory_limit: vm.over_memory_limit(),
    })
}

/// Proves the step at `step` and writes its proof file.
fn prove<V: FaultVm>(
    vm: &mut V,
    step: u64,
    options: &RunOptions,
    log: &mut dyn Write,
) -> Result<(), DriveError<V::Error>> {
    let proving = Instant::now();
    let pre = vm.state_hash();
    let witness = vm
        .step_with_proof()
        .map_err(|error| DriveError::Step { step, error })?;
    let post = vm.state_hash();
    let path = format_step(&options.proof_fmt, step);
    ProofFile::new(step, pre, post, &witness)
        .write(&path)
        .map_err(|error| DriveError::Write {
            what: format!("proof {}", path.display()),
            error,
        })?;
    if options.proof_at != StepPattern::Always {
        let _ = writeln!(
            log,
            "proof of step {step} written to {} in {:.1} ms",
            path.display(),
            proving.elapsed().as_secs_f64() * 1e3
        );
    }
    Ok(())
}

/// Prints one progress line (`info step=... pc=... insn=... ips=... pages=... mem=... func=...`).
fn print_progress<V: FaultVm>(
    vm: &V,
    started: Instant,
    start_step: u64,
    meta: &Metadata,
    log: &mut dyn Write,
) {
    let p = vm.progress();
    let step = vm.step_count();
    let elapsed = started.elapsed().as_secs_f64();
    let ips = if elapsed > 0.0 {
        (step - start_step) as f64 / elapsed
    } else {
        0.0
    };
    let func = meta
        .lookup(p.pc)
        .map_or(String::new(), |name| format!(" func={name}"));
    let _ = writeln!(
        log,
        "info step={step} pc=0x{:016x} insn=0x{:08x} ips={ips:.0} pages={} mem={:.1}MiB{func}",
        p.pc,
        p.instr,
        p.pages,
        p.memory_bytes as f64 / (1 << 20) as f64,
    );
}
