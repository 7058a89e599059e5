//! `verdict vm witness`: the witness and state hash of a state file, printed as the VM's
//! reference does (Asterisc's keys for RISC-V states, Cannon's for MIPS64 ones).

use super::kind::{self, VmKind};
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
    /// Where to write the raw witness (optional): 362 bytes for RISC-V, 188 for MIPS64.
    #[arg(long)]
    output: Option<PathBuf>,
}

pub fn run(args: WitnessArgs) -> anyhow::Result<()> {
    let reading = "reading the input state";
    let (witness, output) = match kind::of_state(&args.input).context(reading)? {
        VmKind::RiscV => {
            let mut state = state_file::read_state(&args.input).context(reading)?;
            let witness = state.witness().to_vec();
            let hash = verdict_riscv::state::state_hash(witness.as_slice().try_into()?);
            let output = serde_json::json!({
                "witness": format!("0x{}", hex::encode(&witness)),
                "stateHash": format!("0x{}", hex::encode(hash)),
                "step": state.step,
                "exited": state.exited,
                "exitCode": state.exit_code,
                "pc": state.pc,
            });
            (witness, output)
        }
        VmKind::Mips64 => {
            let mut state = verdict_mips64::state_file::read_state(&args.input).context(reading)?;
            let witness = state.witness();
            let output = serde_json::json!({
                "stateVersion": state.version,
                "witnessHash": format!("0x{}", hex::encode(verdict_mips64::state::state_hash(&witness))),
                "witness": format!("0x{}", hex::encode(witness)),
                "step": state.step,
                "exited": state.exited,
                "exitCode": state.exit_code,
            });
            (witness.to_vec(), output)
        }
    };
    if let Some(out) = &args.output {
        verdict_fpvm::files::write_atomic(out, &witness)?;
    }
    crate::out::outln!("{}", serde_json::to_string_pretty(&output)?);
    Ok(())
}
