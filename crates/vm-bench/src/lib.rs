//! The VM benchmark: the same RISC-V ELF run side by side by the Verdict VM (fast mode; with a state
//! clone or a `.bin.gz` snapshot file every 10^8 steps; memory roots and step proofs), ckb-vm's
//! fastest mode, `qemu-riscv64`, and the same workload compiled for the host as the floor.
//!
//! Every measurement runs in a process of its own ([`child`]), `repeat` times; the best time is
//! kept. Verdict fast and QEMU run in alternation, so that a slow spell of the machine falls on
//! both. `scripts/bench.sh` builds everything and runs the whole benchmark; BENCHMARKS.md holds
//! the figures.

pub mod child;
pub mod report;

use anyhow::{bail, Context, Result};
use child::{Mode, RootSample, Sample, RESULT_PREFIX};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// One benchmark program: a RISC-V ELF and its native build, both under guests/build.
#[derive(Clone, Copy, Debug)]
pub struct Workload {
    pub name: &'static str,
    pub elf: &'static str,
    pub native: &'static str,
    pub what: &'static str,
}

/// The workloads, in the order they run.
pub const WORKLOADS: &[Workload] = &[
    Workload {
        name: "sha256",
        elf: "sha256.elf",
        native: "bench/native/sha256",
        what: "SHA-256 of 512 KiB + 64 chained short hashes (C, guests/c/sha256.c)",
    },
    Workload {
        name: "keccak",
        elf: "bench/keccak.elf",
        native: "bench/native/keccak",
        what: "keccak256 of 4 MiB streamed in 64 KiB chunks + 200 chained hashes (no_std Rust)",
    },
    Workload {
        name: "sort",
        elf: "bench/sort.elf",
        native: "bench/native/sort",
        what: "quicksort of 1,048,576 pseudo-random 16-bit integers, then checks (C)",
    },
    Workload {
        name: "ecdsa",
        elf: "bench/ecdsa.elf",
        native: "bench/native/ecdsa",
        what: "16 x secp256k1 ECDSA sign + verify + public key recovery, k256 no_std (Rust)",
    },
    Workload {
        name: "memtouch",
        elf: "bench/memtouch.elf",
        native: "bench/native/memtouch",
        what: "writes all of a 1 GiB mmap, 1.5M random read-modify-writes over it, then ~10^8 steps in a 4 MiB window (C)",
    },
];

/// The rows of a workload's table, in order.
pub const RUNNERS: &[Mode] = &[
    Mode::Verdict,
    Mode::VerdictInterp,
    Mode::VerdictClone,
    Mode::VerdictFile,
    Mode::CkbVm,
    Mode::Qemu,
    Mode::Native,
];

/// How the benchmark runs.
#[derive(Clone, Debug)]
pub struct Config {
    /// guests/build.
    pub guests: PathBuf,
    /// This program (re-run as `child` for every measurement).
    pub exe: PathBuf,
    pub repeat: u32,
    /// Snapshot and memory-root interval in steps.
    pub every: u64,
    pub tmp: PathBuf,
    pub qemu: String,
    /// Runners to run (the Verdict fast mode always runs: the others are compared with it).
    pub runners: Vec<Mode>,
    /// Also measure memory roots every `every` steps and a proof in the middle of the run.
    pub roots_and_proof: bool,
}

/// What became of one runner on one workload.
#[derive(Clone, Debug, Serialize)]
pub enum Outcome {
    /// Measured: the best sample (by time) and every time.
    Measured {
        best: Box<Sample>,
        times: Vec<f64>,
        max_peak_rss_kib: u64,
        /// Whether stdout and the exit code equal the reference's (native, else Verdict fast).
        output_ok: bool,
    },
    /// The runner cannot run this workload (why).
    NotApplicable(String),
    /// The runner or the program is not there (what).
    Missing(String),
    /// The measurement failed.
    Failed(String),
}

/// Everything measured on one workload.
#[derive(Clone, Debug, Serialize)]
pub struct WorkloadResult {
    pub name: String,
    pub what: String,
    pub elf: String,
    pub instructions: Option<u64>,
    pub rows: Vec<(Mode, Outcome)>,
    /// Memory roots every `every` steps (best time of each).
    pub roots: Option<Result<Vec<RootSample>, String>>,
    /// Proof at step N: (N, run seconds, first proof seconds, next proof seconds), best of each.
    pub proof: Option<Result<(u64, f64, f64, f64), String>>,
}

impl WorkloadResult {
    /// The outcome of `mode`, if it ran.
    pub fn outcome(&self, mode: Mode) -> Option<&Outcome> {
        self.rows.iter().find(|(m, _)| *m == mode).map(|(_, o)| o)
    }

    /// Whether anything failed or printed something else than the reference.
    pub fn has_failures(&self) -> bool {
        self.rows.iter().any(|(_, o)| {
            matches!(o, Outcome::Failed(_))
                || matches!(
                    o,
                    Outcome::Measured {
                        output_ok: false,
                        ..
                    }
                )
        }) || matches!(self.roots, Some(Err(_)))
            || matches!(self.proof, Some(Err(_)))
    }
}

/// Runs one child measurement once.
pub fn spawn_child(cfg: &Config, mode: Mode, program: &Path, proof_at: u64) -> Result<Sample> {
    let out = Command::new(&cfg.exe)
        .arg("child")
        .arg("--mode")
        .arg(
            clap::ValueEnum::to_possible_value(&mode)
                .unwrap()
                .get_name(),
        )
        .arg("--program")
        .arg(program)
        .arg("--every")
        .arg(cfg.every.to_string())
        .arg("--proof-at")
        .arg(proof_at.to_string())
        .arg("--tmp")
        .arg(&cfg.tmp)
        .arg("--qemu")
        .arg(&cfg.qemu)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("starting {}", cfg.exe.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().rev().find(|l| l.starts_with(RESULT_PREFIX));
    match line {
        Some(l) if out.status.success() => {
            Ok(serde_json::from_str(&l[RESULT_PREFIX.len()..])
                .context("parsing a child's result")?)
        }
        _ => bail!("the measurement failed ({}): {}", out.status, stdout.trim()),
    }
}

/// Whether `cmd --version` runs.
pub fn tool_available(cmd: &str) -> bool {
    Command::new(cmd)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn progress(msg: &str) {
    let mut e = std::io::stderr().lock();
    let _ = writeln!(e, "{msg}");
}

/// Repeats a measurement and keeps the best time.
fn repeated(
    cfg: &Config,
    w: &Workload,
    mode: Mode,
    program: &Path,
    proof_at: u64,
) -> Result<Vec<Sample>> {
    let [samples] = alternated(cfg, w, [mode], program, proof_at);
    samples
}

/// Repeats the measurements of `modes` in alternation (one of each per round), so that a slow
/// spell of the machine falls on all of them alike; their samples, in the order of `modes`. A
/// mode stops at its first failure or not-applicable sample.
fn alternated<const N: usize>(
    cfg: &Config,
    w: &Workload,
    modes: [Mode; N],
    program: &Path,
    proof_at: u64,
) -> [Result<Vec<Sample>>; N] {
    let mut samples: [Result<Vec<Sample>>; N] = std::array::from_fn(|_| Ok(Vec::new()));
    for i in 0..cfg.repeat.max(1) {
        for (mode, samples) in modes.iter().zip(samples.iter_mut()) {
            let Ok(done) = samples else { continue };
            if done.last().is_some_and(|s| s.not_applicable.is_some()) {
                continue;
            }
            match measure_once(cfg, w, *mode, program, proof_at, i) {
                Ok(s) => done.push(s),
                Err(e) => *samples = Err(e),
            }
        }
    }
    samples
}

/// One measurement in a fresh process (run `i` of the repeats), reported as it ends.
fn measure_once(
    cfg: &Config,
    w: &Workload,
    mode: Mode,
    program: &Path,
    proof_at: u64,
    i: u32,
) -> Result<Sample> {
    let s = spawn_child(cfg, mode, program, proof_at)?;
    progress(&format!(
        "  {:<8} {:<14} run {}/{}: {:.3} s",
        w.name,
        report::runner_name(mode),
        i + 1,
        cfg.repeat.max(1),
        s.seconds
    ));
    Ok(s)
}

fn best_of(samples: Vec<Sample>, reference: Option<&Sample>) -> Outcome {
    if let Some(reason) = samples.iter().find_map(|s| s.not_applicable.clone()) {
        return Outcome::NotApplicable(reason);
    }
    let times: Vec<f64> = samples.iter().map(|s| s.seconds).collect();
    let max_peak_rss_kib = samples.iter().map(|s| s.peak_rss_kib).max().unwrap_or(0);
    let output_ok = samples.iter().all(|s| match reference {
        Some(r) => s.stdout == r.stdout && s.exit_code == r.exit_code,
        None => s.exit_code == 0,
    });
    let best = samples
        .into_iter()
        .min_by(|a, b| a.seconds.total_cmp(&b.seconds))
        .expect("at least one sample");
    Outcome::Measured {
        best: Box::new(best),
        times,
        max_peak_rss_kib,
        output_ok,
    }
}

/// Runs every configured runner on one workload.
pub fn run_workload(cfg: &Config, w: &Workload) -> WorkloadResult {
    let elf = cfg.guests.join(w.elf);
    let native = cfg.guests.join(w.native);
    let mut result = WorkloadResult {
        name: w.name.to_string(),
        what: w.what.to_string(),
        elf: format!("guests/build/{}", w.elf),
        instructions: None,
        rows: Vec::new(),
        roots: None,
        proof: None,
    };
    if !elf.exists() {
        result.rows.push((
            Mode::Verdict,
            Outcome::Missing(format!(
                "{} not built (scripts/build-guests.sh)",
                elf.display()
            )),
        ));
        return result;
    }
    progress(&format!("== {} ({})", w.name, elf.display()));

    // The reference output: the native build's, else the Verdict VM's.
    let mut native_samples = if !cfg.runners.contains(&Mode::Native) {
        None
    } else if native.exists() {
        Some(repeated(cfg, w, Mode::Native, &native, 0))
    } else {
        None
    };
    let reference = match &native_samples {
        Some(Ok(s)) => s.first().cloned(),
        _ => None,
    };

    // Verdict fast and QEMU, the pair the JIT is judged by, run in alternation.
    let beside_qemu = cfg.runners.contains(&Mode::Qemu) && tool_available(&cfg.qemu);
    let (fast, qemu_samples) = if beside_qemu {
        let [fast, qemu] = alternated(cfg, w, [Mode::Verdict, Mode::Qemu], &elf, 0);
        (fast, Some(qemu))
    } else {
        (repeated(cfg, w, Mode::Verdict, &elf, 0), None)
    };
    let fast_outcome = match fast {
        Ok(s) => {
            result.instructions = s[0].instructions;
            best_of(s, reference.as_ref())
        }
        Err(e) => Outcome::Failed(format!("{e:#}")),
    };
    let reference = reference.or_else(|| match &fast_outcome {
        Outcome::Measured { best, .. } => Some((**best).clone()),
        _ => None,
    });
    result.rows.push((Mode::Verdict, fast_outcome));

    // QEMU's outcome, if measured beside Verdict fast.
    let mut qemu_outcome = qemu_samples.map(|samples| match samples {
        Ok(s) => best_of(s, reference.as_ref()),
        Err(e) => Outcome::Failed(format!("{e:#}")),
    });
    for &mode in &RUNNERS[1..] {
        if !cfg.runners.contains(&mode) {
            continue;
        }
        if mode == Mode::Qemu {
            if let Some(outcome) = qemu_outcome.take() {
                result.rows.push((mode, outcome));
                continue;
            }
        }
        let outcome = match mode {
            Mode::Native => match native_samples.take() {
                Some(Ok(s)) => best_of(s, reference.as_ref()),
                Some(Err(e)) => Outcome::Failed(format!("{e:#}")),
                None => Outcome::Missing(format!(
                    "{} not built (scripts/build-guests.sh)",
                    native.display()
                )),
            },
            Mode::Qemu if !tool_available(&cfg.qemu) => {
                Outcome::Missing(format!("{} not found (Debian package qemu-user)", cfg.qemu))
            }
            _ => match repeated(cfg, w, mode, &elf, 0) {
                Ok(s) => best_of(s, reference.as_ref()),
                Err(e) => Outcome::Failed(format!("{e:#}")),
            },
        };
        result.rows.push((mode, outcome));
    }

    if cfg.roots_and_proof {
        result.roots = Some(
            repeated(cfg, w, Mode::VerdictRoots, &elf, 0)
                .map(|samples| {
                    let mut best = samples[0].roots.clone();
                    for s in &samples[1..] {
                        for (b, r) in best.iter_mut().zip(&s.roots) {
                            b.seconds = b.seconds.min(r.seconds);
                        }
                    }
                    best
                })
                .map_err(|e| format!("{e:#}")),
        );
        if let Some(n) = result.instructions {
            let at = n / 2;
            result.proof = Some(
                repeated(cfg, w, Mode::VerdictProof, &elf, at)
                    .map(|samples| {
                        let min = |f: fn(&Sample) -> Option<f64>| {
                            samples.iter().filter_map(f).fold(f64::INFINITY, f64::min)
                        };
                        (
                            at,
                            min(|s| s.proof_run_seconds),
                            min(|s| s.proof_seconds),
                            min(|s| s.next_proof_seconds),
                        )
                    })
                    .map_err(|e| format!("{e:#}")),
            );
        }
    }
    result
}
