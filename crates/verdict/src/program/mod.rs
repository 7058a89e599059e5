//! `verdict program ...`: the fault proof program run natively.

mod claim;
mod execute_block;

use clap::Subcommand;

/// The program subcommands.
#[derive(Subcommand)]
pub enum ProgramCommand {
    /// Execute one block of a fixture directory statelessly from its preimages and compare its
    /// hash with the expected one.
    ExecuteBlock(execute_block::ExecuteBlockArgs),
    /// Run the fault proof program natively in this process on a full-claim fixture: exits 0 if
    /// the claim holds, 1 if not, 3-5 if it cannot tell.
    Claim(claim::ClaimArgs),
    /// Write full-claim fixtures (a valid and an invalid claim) from a synthetic chain.
    ClaimFixture(claim::ClaimFixtureArgs),
}

impl ProgramCommand {
    /// Runs the subcommand.
    pub fn run(self) -> anyhow::Result<()> {
        match self {
            ProgramCommand::ExecuteBlock(args) => execute_block::run(args),
            ProgramCommand::Claim(args) => claim::run(args),
            ProgramCommand::ClaimFixture(args) => claim::write_fixture(args),
        }
    }
}
