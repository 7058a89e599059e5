//! `verdict vm witness`: the witness and state hash of a state file.

use anyhow::Context;
use clap::Args;
use std::path::PathBuf;
use verdict_riscv::state_file;

/// Arguments of `witness`.
#[derive(Args)]
pub struct WitnessArgs {
    /// The state file.
    #[arg(long)]
    input: PathBuf,
    /// Where to write the raw 362-byte witness (optional).
    #[arg(long)]
    output: Option<PathBuf>,
}

pub fn run(args: WitnessArgs) -> anyhow::Result<()> {
    let mut state = state_file::read_state(&args.input).context("reading the input state")?;
    let witness = state.witness();
    if let Some(out) = &args.output {
        verdict_fpvm::files::write_atomic(out, &witness)?;
    }
    let output = serde_json::json!({
        "witness": format!("0x{}", hex::encode(witness)),
        "stateHash": format!("0x{}", hex::encode(verdict_riscv::state::state_hash(&witness))),
        "step": state.step,
        "exited": state.exited,
        "exitCode": state.exit_code,
        "pc": state.pc,
    });
    crate::out::outln!("{}", serde_json::to_string_pretty(&output)?);
    Ok(())
}
