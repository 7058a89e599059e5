//! `verdict game ...`: the fault dispute game engine on the command line.

mod simulate;

use clap::Subcommand;

/// The game subcommands.
#[derive(Subcommand)]
pub enum GameCommand {
    /// Play seeded alphabet games between the honest challenger and chosen adversaries.
    Simulate(simulate::SimulateArgs),
}

impl GameCommand {
    /// Runs the subcommand.
    pub fn run(self) -> anyhow::Result<()> {
        match self {
            GameCommand::Simulate(args) => simulate::run(args),
        }
    }
}
