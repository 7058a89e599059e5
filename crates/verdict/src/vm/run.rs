//! `verdict vm run`: runs a state, writing proofs and snapshots at the requested steps, talking to a
//! preimage server started as `-- <server command>`.

use super::load_elf::Metadata;
use super::step_matcher::StepMatcher;
use anyhow::{bail, Context};
use clap::Args;
use std::path::{Path, PathBuf};
use std::time::Instant;
use verdict_vm::files::{self, ProofFile};
use verdict_vm::process_oracle::ProcessOracle;
use verdict_vm::{NoOracle, Output, PreimageOracle, Vm};

/// Arguments of `run` (the flags op-challenger passes to the reference VM).
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
    proof_at: StepMatcher,
    /// Proof file name pattern; %d is replaced by the step.
    #[arg(long, default_value = "proof-%d.json")]
    proof_fmt: String,
    /// Steps at which to write a state snapshot: never, always, =N or %N.
    #[arg(long, default_value = "never")]
    snapshot_at: StepMatcher,
    /// Snapshot file name pattern; %d is replaced by the step.
    #[arg(long, default_value = "state-%d.json.gz")]
    snapshot_fmt: String,
    /// Step at which to stop: never, always, =N or %N.
    #[arg(long, default_value = "never")]
    stop_at: StepMatcher,
    /// Stop after the first step that reads the preimage with this key (0x-prefixed hex).
    #[arg(long)]
    stop_at_preimage: Option<String>,
    /// Stop after the first step that reads a preimage of this type: any, local or global.
    #[arg(long)]
    stop_at_preimage_type: Option<String>,
    /// Stop after the first step that reads a preimage larger than this many bytes (0: never).
    #[arg(long, default_value_t = 0)]
    stop_at_preimage_larger_than: u64,
    /// Symbol metadata from load-elf, to name the function in progress lines.
    #[arg(long)]
    meta: Option<String>,
    /// Steps at which to print a progress line: never, always, =N or %N.
    #[arg(long, default_value = "never")]
    info_at: StepMatcher,
    /// The preimage server command, after `--`; started with the hint channel on fds 3/4 and the
    /// preimage channel on fds 5/6.
    #[arg(last = true)]
    server: Vec<String>,
}

/// Conditions that stop a run right after a step that read preimage data.
struct PreimageStops {
    key: Option<[u8; 32]>,
    key_type: Option<u8>,
    any: bool,
    larger_than: u64,
}

impl PreimageStops {
    fn parse(args: &RunArgs) -> anyhow::Result<Self> {
        let key = match &args.stop_at_preimage {
            None => None,
            Some(s) => {
                let bytes = hex::decode(s.strip_prefix("0x").unwrap_or(s))
                    .with_context(|| format!("--stop-at-preimage {s:?} is not hex"))?;
                Some(
                    bytes
                        .try_into()
                        .map_err(|_| anyhow::anyhow!("--stop-at-preimage {s:?} is not 32 bytes"))?,
                )
            }
        };
        let (any, key_type) = match args.stop_at_preimage_type.as_deref() {
            None | Some("") => (false, None),
            Some("any") => (true, None),
            Some("local") => (false, Some(1)),
            Some("global") => (false, Some(2)),
            Some(other) => {
                bail!("invalid --stop-at-preimage-type {other:?}: must be any, local or global")
            }
        };
        Ok(PreimageStops {
            key,
            key_type,
            any,
            larger_than: args.stop_at_preimage_larger_than,
        })
    }

    fn active(&self) -> bool {
        self.key.is_some() || self.key_type.is_some() || self.any || self.larger_than > 0
    }

    fn should_stop<O: PreimageOracle>(&self, vm: &Vm<O>) -> bool {
        let key = vm.state.preimage_key;
        self.any
            || self.key == Some(key)
            || self.key_type == Some(key[0])
            || (self.larger_than > 0
                && vm
                    .last_preimage()
                    .is_some_and(|p| p.len() as u64 - 8 > self.larger_than))
    }
}

fn format_step(pattern: &str, step: u64) -> PathBuf {
    PathBuf::from(pattern.replace("%d", &step.to_string()))
}

fn load_symbols(meta: &Option<String>) -> anyhow::Result<Vec<verdict_vm::elf::Symbol>> {
    match meta.as_deref() {
        None | Some("") => Ok(vec![]),
        Some(path) => {
            let bytes = files::read_maybe_gz(Path::new(path))?;
            let meta: Metadata = serde_json::from_slice(&bytes)
                .with_context(|| format!("reading metadata {path}"))?;
            Ok(meta.symbols)
        }
    }
}

pub fn run(args: RunArgs) -> anyhow::Result<()> {
    let state = files::read_state(&args.input).context("reading the input state")?;
    for (flag, matcher) in [("--stop-at", args.stop_at), ("--proof-at", args.proof_at)] {
        if let StepMatcher::At(n) = matcher {
            if n < state.step {
                bail!(
                    "the input state is at step {}, already past {flag} ={n}",
                    state.step
                );
            }
        }
    }
    let stops = PreimageStops::parse(&args)?;
    let symbols = load_symbols(&args.meta)?;
    let oracle: Box<dyn PreimageOracle> = match args.server.split_first() {
        None => Box::new(NoOracle),
        Some((program, rest)) => Box::new(
            ProcessOracle::start(program, rest)
                .with_context(|| format!("starting the preimage server {program:?}"))?,
        ),
    };
    let mut vm = Vm::with_oracle(state, oracle);
    vm.set_output(
        Output::Writer(Box::new(std::io::stdout())),
        Output::Writer(Box::new(std::io::stderr())),
    );

    let started = Instant::now();
    let start_step = vm.state.step;
    let events = [args.info_at, args.stop_at, args.snapshot_at, args.proof_at];
    while !vm.state.exited {
        let step = vm.state.step;
        if args.info_at.matches(step) {
            print_info(&vm, started, start_step, &symbols);
        }
        if args.stop_at.matches(step) {
            break;
        }
        if args.snapshot_at.matches(step) {
            files::write_state(&format_step(&args.snapshot_fmt, step), &mut vm.state)
                .context("writing a snapshot")?;
        }
        let prev_offset = vm.state.preimage_offset;
        let step_failed = |e: verdict_vm::VmError| anyhow::anyhow!("step {step} failed: {e}");
        if args.proof_at.matches(step) {
            let proving = Instant::now();
            let pre = vm.state.state_hash();
            let witness = vm.step_with_proof().map_err(step_failed)?;
            let post = vm.state.state_hash();
            let path = format_step(&args.proof_fmt, step);
            ProofFile::new(step, pre, post, &witness)
                .write(&path)
                .context("writing a proof")?;
            if !matches!(args.proof_at, StepMatcher::Always) {
                eprintln!(
                    "proof of step {step} written to {} in {:.1} ms",
                    path.display(),
                    proving.elapsed().as_secs_f64() * 1e3
                );
            }
        } else if stops.active() {
            vm.step().map_err(step_failed)?;
        } else {
            // Nothing to do until the next step some pattern matches: run straight to it.
            let next = events.iter().filter_map(|m| m.next_match(step + 1)).min();
            let count = next.map_or(u64::MAX, |n| n - step);
            vm.run(count)
                .map_err(|e| anyhow::anyhow!("step {} failed: {e}", vm.state.step))?;
        }
        if stops.active() && vm.state.preimage_offset > prev_offset && stops.should_stop(&vm) {
            break;
        }
    }
    if !args.output.is_empty() {
        files::write_state(Path::new(&args.output), &mut vm.state)
            .context("writing the output state")?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let hash = hex::encode(vm.state.state_hash());
    eprintln!(
        "stopped at step {} ({}), {} steps in {:.2} s ({:.1} M steps/s), state hash 0x{}",
        vm.state.step,
        if vm.state.exited {
            format!("exited with code {}", vm.state.exit_code)
        } else {
            "not exited".to_string()
        },
        vm.state.step - start_step,
        elapsed,
        (vm.state.step - start_step) as f64 / elapsed.max(1e-9) / 1e6,
        hash,
    );
    Ok(())
}

fn print_info<O: PreimageOracle>(
    vm: &Vm<O>,
    started: Instant,
    start_step: u64,
    symbols: &[verdict_vm::elf::Symbol],
) {
    let s = &vm.state;
    let elapsed = started.elapsed().as_secs_f64();
    let ips = if elapsed > 0.0 {
        (s.step - start_step) as f64 / elapsed
    } else {
        0.0
    };
    let insn = s.memory.read_le(s.pc, 4);
    let func = symbols
        .partition_point(|sym| sym.start <= s.pc)
        .checked_sub(1)
        .map(|i| &symbols[i])
        .filter(|sym| s.pc < sym.start + sym.size.max(1))
        .map_or("", |sym| sym.name.as_str());
    eprintln!(
        "info step={} pc=0x{:016x} insn=0x{:08x} ips={:.0} pages={} mem={:.1}MiB{}",
        s.step,
        s.pc,
        insn,
        ips,
        s.memory.page_count(),
        s.memory.usage_bytes() as f64 / (1 << 20) as f64,
        if func.is_empty() {
            String::new()
        } else {
            format!(" func={func}")
        },
    );
}
