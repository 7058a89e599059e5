//! The benchmark's report: markdown tables, ready for BENCHMARKS.md.

use crate::child::Mode;
use crate::{Config, Outcome, WorkloadResult};
use std::fmt::Write;
use std::process::Command;

/// The short name of a runner.
pub fn runner_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Verdict => "Verdict fast",
        Mode::VerdictInterp => "Verdict interp",
        Mode::VerdictClone => "Verdict +clone",
        Mode::VerdictFile => "Verdict +file",
        Mode::VerdictRoots => "Verdict roots",
        Mode::VerdictProof => "Verdict proof",
        Mode::CkbVm => "ckb-vm",
        Mode::Qemu => "qemu-riscv64",
        Mode::Native => "native",
    }
}

fn runner_label(mode: Mode, cfg: &Config) -> String {
    let every = steps_short(cfg.every);
    match mode {
        Mode::Verdict => "Verdict VM, fast mode (JIT)".into(),
        Mode::VerdictInterp => "Verdict VM, interpreter (JIT off)".into(),
        Mode::VerdictClone => format!("Verdict VM + state clone every {every} steps"),
        Mode::VerdictFile => format!("Verdict VM + `.bin.gz` snapshot every {every} steps"),
        Mode::CkbVm => "ckb-vm 0.24.15, asm (AsmMachine)".into(),
        Mode::Qemu => "qemu-riscv64 (JIT)".into(),
        Mode::Native => format!("native ({}, same source)", std::env::consts::ARCH),
        other => runner_name(other).into(),
    }
}

/// `100000000` as `10^8`, other numbers with separators.
pub fn steps_short(n: u64) -> String {
    let mut p = 0;
    let mut m = n;
    while m >= 10 && m.is_multiple_of(10) {
        m /= 10;
        p += 1;
    }
    if m == 1 && p > 2 {
        format!("10^{p}")
    } else {
        thousands(n)
    }
}

/// 1234567 as "1,234,567".
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Seconds as "1.23 s" or "12.3 ms".
pub fn secs(s: f64) -> String {
    if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 0.01 {
        format!("{:.0} ms", s * 1e3)
    } else {
        format!("{:.2} ms", s * 1e3)
    }
}

fn mib(bytes: u64) -> String {
    let m = bytes as f64 / (1 << 20) as f64;
    if m >= 100.0 {
        format!("{m:.0} MiB")
    } else {
        format!("{m:.1} MiB")
    }
}

fn mips(instructions: u64, s: f64) -> f64 {
    instructions as f64 / s / 1e6
}

/// The machine, the tools and the commit, for the report's header.
pub fn machine_info(cfg: &Config) -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal:"))?
                .split_whitespace()
                .nth(1)?
                .parse::<u64>()
                .ok()
        })
        .map_or("?".into(), |kib| {
            format!("{:.0} GiB", kib as f64 / 1048576.0)
        });
    let first_line = |cmd: &str, args: &[&str]| {
        Command::new(cmd)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .next()
                    .map(str::to_string)
            })
            .unwrap_or_else(|| "n/a".into())
    };
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into());
    format!(
        "Machine: {model}, {cpus} CPUs (nproc), {mem} RAM; load average {load} at the start.\n\
         Commit: {}; {}; every time is the best of {} run(s), each in a fresh process.\n",
        first_line("git", &["describe", "--always", "--dirty"]),
        first_line(&cfg.qemu, &["--version"]),
        cfg.repeat.max(1),
    )
}

/// The table of one workload, with its memory roots and proof.
pub fn workload_table(cfg: &Config, r: &WorkloadResult) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "### {}: {}\n", r.name, r.what);
    let fast = match r.outcome(Mode::Verdict) {
        Some(Outcome::Measured { best, .. }) => Some(best),
        _ => None,
    };
    let n = r.instructions.unwrap_or(0);
    match (fast, r.instructions) {
        (Some(f), Some(n)) => {
            let _ = writeln!(
                o,
                "`{}`: {} instructions; guest memory the Verdict VM allocated: {}.\n",
                r.elf,
                thousands(n),
                mib(f.touched_bytes.unwrap_or(0))
            );
        }
        _ => {
            let _ = writeln!(o, "`{}`\n", r.elf);
        }
    }
    o.push_str("| runner | time | M instr/s | speed vs Verdict fast | peak RSS | notes |\n");
    o.push_str("|---|---|---|---|---|---|\n");
    for (mode, outcome) in &r.rows {
        let label = runner_label(*mode, cfg);
        match outcome {
            Outcome::Measured {
                best,
                max_peak_rss_kib,
                output_ok,
                ..
            } => {
                let ratio =
                    fast.map_or("?".into(), |f| format!("{:.2}x", f.seconds / best.seconds));
                let mut notes = Vec::new();
                if !output_ok {
                    notes.push("**OUTPUT OR EXIT CODE DIFFERS**".to_string());
                }
                match mode {
                    Mode::Verdict | Mode::VerdictInterp => {
                        if let Some(root) = best.root_seconds {
                            notes.push(format!("memory root after the run: {}", secs(root)));
                        }
                        notes.push("time of `run` (not ELF loading)".into());
                    }
                    Mode::VerdictClone => notes.push(format!(
                        "{} clones, {} in all",
                        best.snapshots,
                        secs(best.snapshot_seconds)
                    )),
                    Mode::VerdictFile => notes.push(format!(
                        "{} files, {} in `write_state`, last {}",
                        best.snapshots,
                        secs(best.snapshot_seconds),
                        mib(best.snapshot_file_bytes)
                    )),
                    Mode::CkbVm => {
                        if let Some(c) = best.instructions {
                            notes.push(format!("{} cycles at 1 per (fused) op", thousands(c)));
                        }
                    }
                    Mode::Qemu | Mode::Native => notes.push("whole process".into()),
                    _ => {}
                }
                let _ = writeln!(
                    o,
                    "| {label} | {} | {:.1} | {ratio} | {} | {} |",
                    secs(best.seconds),
                    mips(n, best.seconds),
                    mib(max_peak_rss_kib * 1024),
                    notes.join("; ")
                );
            }
            Outcome::NotApplicable(why) => {
                let _ = writeln!(o, "| {label} | n/a | | | | {why} |");
            }
            Outcome::Missing(what) => {
                let _ = writeln!(o, "| {label} | skipped | | | | {what} |");
            }
            Outcome::Failed(e) => {
                let _ = writeln!(
                    o,
                    "| {label} | **FAILED** | | | | {} |",
                    e.replace('\n', " ")
                );
            }
        }
    }
    o.push('\n');
    if let (
        Some(Outcome::Measured {
            best,
            max_peak_rss_kib,
            ..
        }),
        Some(touched),
    ) = (r.outcome(Mode::Verdict), fast.and_then(|f| f.touched_bytes))
    {
        let _ = best;
        let rss = max_peak_rss_kib * 1024;
        let _ = writeln!(
            o,
            "- Peak RSS of the Verdict VM (fast mode, with the final root): {} for {} of guest \
             memory: {:.2}x, or {} over it.",
            mib(rss),
            mib(touched),
            rss as f64 / touched as f64,
            mib(rss.saturating_sub(touched))
        );
    }
    match &r.roots {
        Some(Ok(roots)) => {
            let list: Vec<String> = roots
                .iter()
                .map(|r| {
                    format!(
                        "step {}: {} ({} of {} pages changed)",
                        thousands(r.step),
                        secs(r.seconds),
                        thousands(r.changed_pages),
                        thousands(r.pages)
                    )
                })
                .collect();
            let _ = writeln!(
                o,
                "- Memory root every {} steps (the first covers all memory written so far, each \
                 later one what the steps since dirtied): {}.",
                steps_short(cfg.every),
                list.join("; ")
            );
        }
        Some(Err(e)) => {
            let _ = writeln!(o, "- Memory roots: **FAILED**: {e}");
        }
        None => {}
    }
    match &r.proof {
        Some(Ok((at, run, first, next))) => {
            let _ = writeln!(
                o,
                "- Proof at step {}: run to it {}, then `step_with_proof` {} (the first, which \
                 computes the memory root), the next step's {}.",
                thousands(*at),
                secs(*run),
                secs(*first),
                secs(*next)
            );
        }
        Some(Err(e)) => {
            let _ = writeln!(o, "- Proof: **FAILED**: {e}");
        }
        None => {}
    }
    o
}

fn cell(r: &WorkloadResult, mode: Mode) -> String {
    let fast = match r.outcome(Mode::Verdict) {
        Some(Outcome::Measured { best, .. }) => Some(best.seconds),
        _ => None,
    };
    let n = r.instructions.unwrap_or(0);
    match r.outcome(mode) {
        Some(Outcome::Measured { best, .. }) => match (mode, fast) {
            (Mode::Verdict, _) | (_, None) => format!("{:.0} M/s", mips(n, best.seconds)),
            (_, Some(f)) => format!(
                "{:.0} M/s ({:.2}x)",
                mips(n, best.seconds),
                f / best.seconds
            ),
        },
        Some(Outcome::NotApplicable(_)) => "n/a".into(),
        Some(Outcome::Missing(_)) => "skipped".into(),
        Some(Outcome::Failed(_)) => "FAILED".into(),
        None => "-".into(),
    }
}

/// One line per workload: the speed of every runner (and its ratio to the Verdict fast mode), the
/// memory root, the proof and the peak memory.
pub fn summary_table(results: &[WorkloadResult]) -> String {
    let mut o = String::from(
        "| workload | instructions | Verdict fast | interpreter | +clone | +file | ckb-vm | QEMU | \
         native | root at end | proof at N/2 | RSS / guest memory |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in results {
        let (root, rss) = match r.outcome(Mode::Verdict) {
            Some(Outcome::Measured {
                best,
                max_peak_rss_kib,
                ..
            }) => (
                best.root_seconds.map_or("-".into(), secs),
                best.touched_bytes.map_or("-".into(), |t| {
                    format!("{} / {}", mib(max_peak_rss_kib * 1024), mib(t))
                }),
            ),
            _ => ("-".into(), "-".into()),
        };
        let proof = match &r.proof {
            Some(Ok((_, run, first, _))) => format!("{} + {}", secs(*run), secs(*first)),
            Some(Err(_)) => "FAILED".into(),
            None => "-".into(),
        };
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {root} | {proof} | {rss} |",
            r.name,
            r.instructions.map_or("-".into(), thousands),
            cell(r, Mode::Verdict),
            cell(r, Mode::VerdictInterp),
            cell(r, Mode::VerdictClone),
            cell(r, Mode::VerdictFile),
            cell(r, Mode::CkbVm),
            cell(r, Mode::Qemu),
            cell(r, Mode::Native),
        );
    }
    o
}
