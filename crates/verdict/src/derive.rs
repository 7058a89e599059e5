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
    /// Record a running chain for the in-memory pipelines and the kona-derive differential: the
    /// L1 blocks from the rollup's genesis L1 block on (headers, transactions, receipts, blobs),
    /// checked as the follower checks them, and the L2 node's blocks (verdict-derive's recording
    /// JSON; `KONA_DIFF_RECORDINGS=FILE` in crates/derive/kona-diff runs both derivers on it).
    Record(RecordArgs),
}

/// Arguments of `derive record`.
#[derive(Args)]
pub struct RecordArgs {
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
    /// The last L1 block (default: the L1 head).
    #[arg(long)]
    l1_to: Option<u64>,
    /// The last L2 block (default: the node's safe head).
    #[arg(long)]
    l2_to: Option<u64>,
    /// The file to write.
    #[arg(long)]
    out: PathBuf,
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
            DeriveCommand::Record(a) => record(a),
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
        stop: None,
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

fn record(a: RecordArgs) -> anyhow::Result<()> {
    let json = std::fs::read_to_string(&a.rollup_config)
        .with_context(|| format!("reading {}", a.rollup_config.display()))?;
    let l1 = L1Client::new(&a.l1, a.beacon.as_deref().unwrap_or(&a.l1))?;
    let l2 = L2Client::new(&a.l2)?;
    let rt = verdict_l1::rpc::runtime()?;
    let l1_to = match a.l1_to {
        Some(n) => n,
        None => rt.block_on(l1.block_number())?,
    };
    let l2_to = match a.l2_to {
        Some(n) => n,
        None => rt.block_on(l2.sync_status())?.safe_l2.number,
    };
    let r = verdict_l1::record::record(&json, l1, &l2, l1_to, l2_to)?;
    verdict_l1::devnet::write_atomic(&a.out, r.to_json().as_bytes())?;
    println!(
        "recorded {} L1 blocks ({} blobs) and {} L2 blocks into {}",
        r.l1.len(),
        r.blobs.len(),
        r.l2.len(),
        a.out.display()
    );
    Ok(())
}
