//! `verdict vm ...`: load-elf, run, witness and verify, with the flags op-challenger passes to
//! Asterisc and Cannon; the VM is picked from the ELF's machine or the state or proof file.

mod kind;
mod load_elf;
mod run;
mod verify;
mod witness;

use clap::Subcommand;

/// The VM subcommands.
#[derive(Subcommand)]
pub enum VmCommand {
    /// Load an ELF file into an initial VM state.
    LoadElf(load_elf::LoadElfArgs),
    /// Run the VM from a state, writing proofs, snapshots and the final state.
    Run(Box<run::RunArgs>),
    /// Print the witness and state hash of a state.
    Witness(witness::WitnessArgs),
    /// Check a step proof file with the stateless verifier (the onchain step, off chain).
    Verify(verify::VerifyArgs),
}

impl VmCommand {
    /// Runs the subcommand.
    pub fn run(self) -> anyhow::Result<()> {
        match self {
            VmCommand::LoadElf(args) => load_elf::run(args),
            VmCommand::Run(args) => run::run(*args),
            VmCommand::Witness(args) => witness::run(args),
            VmCommand::Verify(args) => verify::run(args),
        }
    }
}
