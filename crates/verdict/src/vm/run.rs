//! `verdict vm run`: runs a state with the shared run driver, writing proofs and snapshots at the
//! requested steps, talking to a preimage server started as `-- <server command>`.

use super::kind::{self, VmKind};
use anyhow::Context;
use clap::Args;
use std::path::{Path, PathBuf};
use verdict_fpvm::driver::{drive, format_step, RunOptions};
use verdict_fpvm::files;
use verdict_fpvm::meta::Metadata;
use verdict_fpvm::process_oracle::ProcessOracle;
use verdict_fpvm::size::{parse_size, show_size};
use verdict_fpvm::{FaultVm, PreimageStop, StepPattern};
use verdict_mips64 as mips64;
use verdict_preimage::{NoOracle, Oracle, VerifiedOracle};
use verdict_riscv::state_file::ReadLimit;
use verdict_riscv::{state_file, Output, Vm};

/// Arguments of `run` (the flags op-challenger passes to the reference VMs).
#[derive(Args)]
pub struct RunArgs {
    /// Input state file (.json, .json.gz, .bin, .bin.gz).
    #[arg(long, default_value = "state.json")]
    input: PathBuf,
    /// Where to write the final state (empty: do not write it).
    #[arg(long, default_value = "out.json")]
    output: String,
    /// Steps at which to write a proof: never, always, =N or %N.
    #[arg(long, default_value = "never")]
    proof_at: StepPattern,
    /// Proof file name pattern; %d is replaced by the step.
    #[arg(long, default_value = "proof-%d.json")]
    proof_fmt: String,
    /// Steps at which to write a state snapshot: never, always, =N or %N.
    #[arg(long, default_value = "never")]
    snapshot_at: StepPattern,
    /// Snapshot file name pattern; %d is replaced by the step.
    #[arg(long, default_value = "state-%d.json.gz")]
    snapshot_fmt: String,
    /// Step at which to stop: never, always, =N or %N.
    #[arg(long, default_value = "never")]
    stop_at: StepPattern,
    /// Stop after the first step that reads this preimage: KEY (a key or a prefix of one, in hex)
    /// or KEY@OFFSET; the offset read must match (0 by default).
    #[arg(long)]
    stop_at_preimage: Option<PreimageStop>,
    /// Stop after the first step that reads a preimage of this type (at offset 0): keccak, sha256,
    /// blob, precompile, local, global (any but local) or any (any read at all).
    #[arg(long, default_value = "")]
    stop_at_preimage_type: String,
    /// Stop after the first step that reads a preimage longer than this many bytes, counting its
    /// 8-byte length prefix (0: never).
    #[arg(long, default_value_t = 0)]
    stop_at_preimage_larger_than: u64,
    /// Symbol metadata from load-elf, to name the function in progress lines.
    #[arg(long)]
    meta: Option<String>,
    /// Steps at which to print a progress line: never, always, =N or %N.
    #[arg(long, default_value = "never")]
    info_at: StepPattern,
    /// The most memory the guest may use (e.g. 8GiB, 512MiB): past it the run stops with an
    /// error, after writing the (valid) state it reached; a state file holding more is refused.
    #[arg(long, default_value = "8GiB", value_parser = parse_size)]
    memory_limit: u64,
    /// The preimage server command, after `--`; started with the hint channel on fds 3/4 and the
    /// preimage channel on fds 5/6. The VM waits at most VERDICT_ORACLE_TIMEOUT_SECS seconds
    /// (default 600) for the server to answer a request or to take a hint.
    #[arg(last = true)]
    server: Vec<String>,
}

impl RunArgs {
    /// The preimage stop the flags ask for (`--stop-at-preimage` wins over the type, as in the
    /// reference).
    fn preimage_stop(&self) -> anyhow::Result<PreimageStop> {
        let mut stop = match &self.stop_at_preimage {
            Some(key) => key.clone(),
            None => PreimageStop::key_type(&self.stop_at_preimage_type)
                .map_err(|e| anyhow::anyhow!("--stop-at-preimage-type: {e}"))?,
        };
        stop.larger_than = self.stop_at_preimage_larger_than;
        Ok(stop)
    }
}

pub fn run(args: RunArgs) -> anyhow::Result<()> {
    let oracle = |args: &RunArgs| -> anyhow::Result<Box<dyn Oracle>> {
        // What the server answers for a keccak256 or sha256 key is checked against the key.
        Ok(match args.server.split_first() {
            None => Box::new(NoOracle),
            Some((program, rest)) => Box::new(VerifiedOracle(
                ProcessOracle::start(program, rest)
                    .with_context(|| format!("starting the preimage server {program:?}"))?,
            )),
        })
    };
    let input = "reading the input state";
    match kind::of_state(&args.input).context(input)? {
        VmKind::RiscV => {
            let mut state =
                state_file::read_state_limited(&args.input, ReadLimit::bytes(args.memory_limit))
                    .context(input)?;
            state.memory.set_limit(args.memory_limit);
            let options = prepare(&args, state.step)?;
            let mut vm = Vm::with_oracle(state, oracle(&args)?);
            vm.set_output(
                Output::Writer(Box::new(std::io::stdout())),
                Output::Writer(Box::new(std::io::stderr())),
            );
            drive_and_report(&mut vm, &args, &options)
        }
        VmKind::Mips64 => {
            let mut state = mips64::state_file::read_state_limited(
                &args.input,
                mips64::state_file::ReadLimit::bytes(args.memory_limit),
            )
            .context(input)?;
            state.memory.set_limit(args.memory_limit);
            let options = prepare(&args, state.step)?;
            let mut vm = mips64::Vm::with_oracle(state, oracle(&args)?);
            vm.set_output(
                mips64::Output::Writer(Box::new(std::io::stdout())),
                mips64::Output::Writer(Box::new(std::io::stderr())),
            );
            drive_and_report(&mut vm, &args, &options)
        }
    }
}

/// Checks the flags against a state at `step` and the files the run will write, and reads the
/// metadata: the driver's options.
fn prepare(args: &RunArgs, step: u64) -> anyhow::Result<RunOptions> {
    for (flag, pattern) in [("--stop-at", args.stop_at), ("--proof-at", args.proof_at)] {
        if let StepPattern::At(n) = pattern {
            anyhow::ensure!(
                n >= step,
                "the input state is at step {step}, already past {flag} ={n}"
            );
        }
    }
    // Before the run, not after it: every file it will write can be written.
    if !args.output.is_empty() {
        files::check_writable(Path::new(&args.output)).context("--output")?;
    }
    if args.proof_at != StepPattern::Never {
        files::check_writable(&format_step(&args.proof_fmt, step)).context("--proof-fmt")?;
    }
    if args.snapshot_at != StepPattern::Never {
        files::check_writable(&format_step(&args.snapshot_fmt, step)).context("--snapshot-fmt")?;
    }
    let meta = match args.meta.as_deref() {
        None | Some("") => Metadata::default(),
        Some(path) => Metadata::read(Path::new(path)).context("reading the metadata")?,
    };
    Ok(RunOptions {
        info_at: args.info_at,
        stop_at: args.stop_at,
        snapshot_at: args.snapshot_at,
        snapshot_fmt: args.snapshot_fmt.clone(),
        proof_at: args.proof_at,
        proof_fmt: args.proof_fmt.clone(),
        preimage_stop: args.preimage_stop()?,
        meta,
    })
}

/// Runs `vm` with the shared driver, writes the final state and reports.
fn drive_and_report<V: FaultVm>(
    vm: &mut V,
    args: &RunArgs,
    options: &RunOptions,
) -> anyhow::Result<()>
where
    V::Error: std::error::Error + Send + Sync + 'static,
{
    let report = drive(vm, options, &mut std::io::stderr())?;
    if !args.output.is_empty() {
        vm.write_state(Path::new(&args.output))
            .context("writing the output state")?;
    }
    let steps = report.end_step - report.start_step;
    let missed_proof = match (args.proof_at, vm.exit()) {
        (StepPattern::At(n), Some(_)) if n >= report.end_step => Some(n),
        _ => None,
    };
    eprintln!(
        "stopped at step {} ({}), {steps} steps in {:.2} s ({:.1} M steps/s), state hash 0x{}",
        report.end_step,
        match vm.exit() {
            Some(code) => format!("exited with code {code}"),
            None if report.stopped_at_preimage => "after a preimage read".to_string(),
            None => "not exited".to_string(),
        },
        report.seconds,
        steps as f64 / report.seconds.max(1e-9) / 1e6,
        hex::encode(vm.state_hash()),
    );
    if report.over_memory_limit {
        anyhow::bail!(
            "the guest's memory grew past the limit of {} (--memory-limit) at step {}: the run \
             stopped there{}",
            show_size(args.memory_limit),
            report.end_step,
            if args.output.is_empty() {
                String::new()
            } else {
                format!(", and {} holds the state it reached", args.output)
            }
        );
    }
    if let Some(n) = missed_proof {
        anyhow::bail!(
            "--proof-at ={n} is past the program's exit at step {}: no proof was written",
            report.end_step
        );
    }
    Ok(())
}
