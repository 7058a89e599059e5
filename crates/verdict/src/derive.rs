//! `verdict derive follow`: verdict-derive over RPC follows an L2 node, deriving each block from
//! L1 (and blobs from the beacon API) and checking it against the node's block at that height.

use anyhow::Context;
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::time::Duration;
use verdict_l1::follow::{FollowOptions, Follower};
use verdict_l1::l2::L2Client;
use verdict_l1::rpc::L1Client;

/// `verdict derive ...`.
#[derive(Subcommand)]
pub enum DeriveCommand {
    /// Derive the safe chain from L1 over RPC and check every block against the L2 node's
    /// (parent, time, randao, fee recipient, beacon root, gas limit, EIP-1559 parameters, every
    /// transaction). Prints one line per block; exits non-zero at the first difference.
    Follow(FollowArgs),
}

/// Arguments of `derive follow`.
#[derive(Args)]
pub struct FollowArgs {
    /// The L1 execution node's JSON-RPC.
    #[arg(long)]
    l1: String,
    /// The L1 beacon API (default: the L1 URL, as anvil serves both).
    #[arg(long)]
    beacon: Option<String>,
    /// The L2 node's JSON-RPC.
    #[arg(long)]
    l2: String,
    /// The rollup config (op-node's rollup.json).
    #[arg(long)]
    rollup_config: PathBuf,
    /// Stop after this L2 block.
    #[arg(long)]
    until: Option<u64>,
    /// Keep following as L1 grows (default: stop at the L1 head).
    #[arg(long)]
    wait: bool,
    /// With --wait: fail when nothing is derived for this many seconds.
    #[arg(long)]
    idle_timeout: Option<u64>,
}

impl DeriveCommand {
    /// Runs the command.
    pub fn run(self) -> anyhow::Result<()> {
        match self {
            DeriveCommand::Follow(a) => follow(a),
        }
    }
}

fn follow(a: FollowArgs) -> anyhow::Result<()> {
    let json = std::fs::read_to_string(&a.rollup_config)
        .with_context(|| format!("reading {}", a.rollup_config.display()))?;
    let l1 = L1Client::new(&a.l1, a.beacon.as_deref().unwrap_or(&a.l1))?;
    let l2 = L2Client::new(&a.l2)?;
    let mut follower = Follower::new(&json, l1, l2)?;
    let opts = FollowOptions {
        until_l2: a.until,
        stop_at_l1_head: !a.wait,
        poll: Duration::from_millis(500),
        idle_timeout: a.idle_timeout.map(Duration::from_secs),
    };
    let started = std::time::Instant::now();
    let followed = follower.run(&opts, |f| {
        println!(
            "L2 block {} {} derived from L1 block {}: equal to the node's ({} transactions)",
            f.number, f.hash, f.derived_from, f.transactions
        );
    })?;
    println!(
        "derived {} blocks in {:.1} s; safe head {} ({})",
        followed.len(),
        started.elapsed().as_secs_f64(),
        follower.safe_head().number,
        follower.safe_head().hash
    );
    Ok(())
}
