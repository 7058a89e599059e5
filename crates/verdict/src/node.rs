//! `verdict node`: the local chain's L2 sequencer node (crates/node). `verdict node genesis` writes
//! the genesis files only.

use anyhow::Context;
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use verdict_node::{Node, NodeConfig};

/// Arguments of `node`.
#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct NodeArgs {
    #[command(subcommand)]
    command: Option<NodeCommand>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Subcommand)]
enum NodeCommand {
    /// Write `genesis.json` (the L2 genesis header, hash, time and alloc) and `rollup.json` (the
    /// local chain's rollup config) into the data directory, and print the genesis hash.
    Genesis {
        /// The data directory.
        #[arg(long)]
        data_dir: PathBuf,
    },
}

#[derive(Args)]
struct RunArgs {
    /// The data directory (store, genesis.json, rollup.json); the chain survives restarts.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// The L1 node's JSON-RPC URL (http://).
    #[arg(long)]
    l1_rpc: Option<String>,
    /// Where to serve JSON-RPC.
    #[arg(long, default_value = "127.0.0.1:9545")]
    rpc_addr: String,
    /// How far ahead of the L1 clock blocks may be built, in seconds.
    #[arg(long, default_value_t = 0)]
    lead: u64,
    /// Send transfers and contract calls every block.
    #[arg(long)]
    txgen: bool,
    /// Run the chain of the devnet's L1 half (`verdict devnet`): the genesis from its
    /// `devnet.json` (this file), `genesis.json` written beside it, then `rollup.json` (which the
    /// L1 half writes there) awaited and used. Without it: the fixed local chain, whose config is
    /// compiled into the fault proof program (`verdict-devnet`).
    #[arg(long)]
    devnet_file: Option<PathBuf>,
    /// The L1 beacon API for the blobs of the safe chain's derivation (default: --l1-rpc, as
    /// anvil serves both).
    #[arg(long)]
    l1_beacon: Option<String>,
    /// Do not follow L1 for the safe chain (optimism_syncStatus's safe head stays at genesis).
    #[arg(long)]
    no_follow: bool,
    /// With --devnet-file: how long to wait for rollup.json, in seconds.
    #[arg(long, default_value_t = 120)]
    rollup_wait_secs: u64,
}

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

pub fn run(args: NodeArgs) -> anyhow::Result<()> {
    if let Some(NodeCommand::Genesis { data_dir }) = args.command {
        std::fs::create_dir_all(&data_dir)?;
        let g = verdict_node::genesis::genesis();
        let genesis = verdict_node::genesis::genesis_json(&g);
        let rollup = verdict_node::genesis::rollup_config_json(g.hash);
        verdict_node::node::write_atomic(
            &data_dir.join("genesis.json"),
            &serde_json::to_vec_pretty(&genesis)?,
        )?;
        verdict_node::node::write_atomic(
            &data_dir.join("rollup.json"),
            &serde_json::to_vec_pretty(&rollup)?,
        )?;
        println!("{}", g.hash);
        return Ok(());
    }
    let r = args.run;
    let data_dir = r.data_dir.context("--data-dir is required")?;
    let l1 = r.l1_rpc.context("--l1-rpc is required")?;
    let mut config = NodeConfig::new(data_dir, l1);
    config.rpc_addr = r.rpc_addr;
    config.lead = r.lead;
    config.txgen = r.txgen;
    config.beacon_url = r.l1_beacon;
    config.follow = !r.no_follow;
    if let Some(path) = r.devnet_file {
        config.chain = verdict_node::node::ChainSpec::DevnetFile {
            path,
            wait: Duration::from_secs(r.rollup_wait_secs),
        };
    }
    // SAFETY: the handler only stores to an atomic.
    unsafe {
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
    }
    let mut node = Node::start(config)?;
    println!("verdict node: L2 JSON-RPC at {}", node.url());
    let mut last = u64::MAX;
    while !STOP.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(200));
        if let Ok((h, hash)) = node.inner().store.head_header() {
            if h.number != last {
                last = h.number;
                eprintln!("L2 block {} {hash} ({} transactions)", h.number, {
                    node.inner()
                        .store
                        .transactions(hash)
                        .ok()
                        .flatten()
                        .map_or(0, |t| t.len())
                });
            }
        }
    }
    node.stop();
    eprintln!("verdict node: stopped");
    Ok(())
}
