//! `verdict program ...`: the fault proof program run natively.

mod execute_block;

use clap::Subcommand;

/// The program subcommands.
#[derive(Subcommand)]
pub enum ProgramCommand {
    /// Execute one block of a fixture directory statelessly from its preimages and compare its
    /// hash with the expected one.
    ExecuteBlock(execute_block::ExecuteBlockArgs),
}

impl ProgramCommand {
    /// Runs the subcommand.
    pub fn run(self) -> anyhow::Result<()> {
        match self {
            ProgramCommand::ExecuteBlock(args) => execute_block::run(args),
        }
    }
}
