//! `verdict-vm-bench`: runs the VM benchmark and prints markdown tables (progress on stderr).
//! See `scripts/bench.sh` and BENCHMARKS.md.

use anyhow::{bail, Result};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use verdict_vm_bench::child::{self, Job, Mode};
use verdict_vm_bench::{report, run_workload, Config, RUNNERS, WORKLOADS};

#[derive(Parser)]
#[command(
    about = "Verdict VM benchmark: Verdict (fast, snapshots, roots, proofs) vs ckb-vm, qemu-riscv64 and native"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Option<Cmd>,
    /// Workloads to run (default: all): sha256, keccak, sort, ecdsa, memtouch.
    #[arg(long, value_delimiter = ',')]
    workloads: Vec<String>,
    /// Runners to compare (default: all); the Verdict fast mode always runs.
    #[arg(long, value_delimiter = ',', value_enum)]
    runners: Vec<Mode>,
    /// Runs of every measurement; the best time is kept.
    #[arg(long, default_value_t = 3)]
    repeat: u32,
    /// Snapshot and memory-root interval, in steps.
    #[arg(long, default_value_t = 100_000_000)]
    every: u64,
    /// Skip the memory-root and proof measurements.
    #[arg(long)]
    no_roots_and_proof: bool,
    /// The built guests (default: guests/build of this repository, or $VERDICT_GUESTS).
    #[arg(long)]
    guests: Option<PathBuf>,
    #[arg(long, default_value = "qemu-riscv64")]
    qemu: String,
    /// Where snapshot files go while measured (default: a directory under the system's temp dir).
    #[arg(long)]
    tmp: Option<PathBuf>,
    /// Also write every measurement as JSON.
    #[arg(long)]
    json: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Cmd {
    /// One measurement in this process (used by the benchmark itself).
    #[command(hide = true)]
    Child {
        #[arg(long, value_enum)]
        mode: Mode,
        #[arg(long)]
        program: PathBuf,
        #[arg(long)]
        every: u64,
        #[arg(long)]
        proof_at: u64,
        #[arg(long)]
        tmp: PathBuf,
        #[arg(long)]
        qemu: String,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    verdict_fpvm::allocator::keep_freed_memory();
    if let Some(Cmd::Child {
        mode,
        program,
        every,
        proof_at,
        tmp,
        qemu,
    }) = cli.cmd
    {
        let sample = child::measure(&Job {
            mode,
            program,
            every,
            proof_at,
            tmp,
            qemu,
        })?;
        println!(
            "{}{}",
            child::RESULT_PREFIX,
            serde_json::to_string(&sample)?
        );
        return Ok(());
    }

    let guests = cli
        .guests
        .or_else(|| std::env::var_os("VERDICT_GUESTS").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../guests/build"));
    let guests = guests.canonicalize().unwrap_or(guests);
    let tmp = cli.tmp.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("verdict-vm-bench-{}", std::process::id()))
    });
    let mut runners = if cli.runners.is_empty() {
        RUNNERS.to_vec()
    } else {
        cli.runners
    };
    if !runners.contains(&Mode::Verdict) {
        runners.insert(0, Mode::Verdict);
    }
    let workloads: Vec<_> = if cli.workloads.is_empty() {
        WORKLOADS.to_vec()
    } else {
        let mut v = Vec::new();
        for name in &cli.workloads {
            match WORKLOADS.iter().find(|w| w.name == name) {
                Some(w) => v.push(*w),
                None => bail!("unknown workload {name}"),
            }
        }
        v
    };
    let cfg = Config {
        guests,
        exe: std::env::current_exe()?,
        repeat: cli.repeat.max(1),
        every: cli.every.max(1),
        tmp: tmp.clone(),
        qemu: cli.qemu,
        runners,
        roots_and_proof: !cli.no_roots_and_proof,
    };

    let started = std::time::Instant::now();
    println!("## VM benchmark\n\n{}", report::machine_info(&cfg));
    let mut results = Vec::new();
    for w in &workloads {
        let r = run_workload(&cfg, w);
        println!("{}", report::workload_table(&cfg, &r));
        results.push(r);
    }
    println!("### Summary\n");
    println!("{}", report::summary_table(&results));
    println!("Whole benchmark: {:.0} s.", started.elapsed().as_secs_f64());
    let _ = std::fs::remove_dir_all(&tmp);
    if let Some(path) = cli.json {
        std::fs::write(&path, serde_json::to_vec_pretty(&results)?)?;
    }
    if results.iter().any(|r| r.has_failures()) {
        bail!("some measurements failed or printed a different output (see the tables)");
    }
    Ok(())
}
