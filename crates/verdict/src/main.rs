//! `verdict`: the command line of Verdict, an independent fault proof system for OP Stack rollups.

mod derive;
mod devnet;
mod devnet_claim;
mod devnet_demo;
mod devnet_games;
mod game;
mod host;
mod node;
mod onchain;
mod out;
mod program;
mod vm;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "verdict",
    version,
    about = "Verdict: an independent fault proof system for OP Stack rollups"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The fault proof VMs: RISC-V (Asterisc-compatible) and MIPS64 (Cannon-compatible).
    #[command(subcommand)]
    Vm(vm::VmCommand),
    /// The fault dispute game: simulate games between the honest challenger and adversaries.
    #[command(subcommand)]
    Game(game::GameCommand),
    /// The fault proof program run natively: stateless block execution from preimages.
    #[command(subcommand)]
    Program(program::ProgramCommand),
    /// The preimage host: serves the program's preimages and hints (`--server` on fds 3..6).
    Host(Box<host::HostArgs>),
    /// The local chain's L2 sequencer node (JSON-RPC on loopback).
    Node(Box<node::NodeArgs>),
    /// Derivation over RPC against a running chain.
    #[command(subcommand)]
    Derive(derive::DeriveCommand),
    /// The local chain.
    #[command(subcommand)]
    Devnet(devnet::DevnetCommand),
    /// The challenger: plays every dispute game of a factory on L1 for the truth (op-challenger).
    Challenger(Box<onchain::ChallengerArgs>),
    /// The proposer: proposes the rollup node's output roots to a factory (op-proposer).
    Proposer(Box<onchain::ProposerArgs>),
    /// Deploys the dispute game contracts on an L1 node (real parameters by default).
    DeployGames(Box<onchain::DeployArgs>),
}

fn main() {
    let cli = Cli::parse();
    verdict_fpvm::allocator::keep_freed_memory();
    let result = match cli.command {
        Command::Vm(cmd) => cmd.run(),
        Command::Game(cmd) => cmd.run(),
        Command::Program(cmd) => cmd.run(),
        Command::Host(args) => host::run(*args),
        Command::Node(args) => node::run(*args),
        Command::Derive(cmd) => cmd.run(),
        Command::Devnet(cmd) => cmd.run(),
        Command::Challenger(args) => onchain::challenger(*args),
        Command::Proposer(args) => onchain::proposer(*args),
        Command::DeployGames(args) => onchain::deploy_games(*args),
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
