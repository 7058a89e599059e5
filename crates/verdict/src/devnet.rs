//! `verdict devnet l1`: the local chain's L1 half. Starts anvil on its state in the data
//! directory (deploying Verdict's contracts on the first start), prints the endpoints, writes
//! `rollup.json` once the L2 node has written `genesis.json`, and with `--l2` runs the batcher
//! and the proposer against the node, until SIGINT or SIGTERM; then stops anvil, whose state is
//! written. The data directory's layout is `verdict_l1::devnet`'s (DEVELOPERS.md).

use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use verdict_l1::batcher::{Batcher, BatcherConfig};
use verdict_l1::devnet::{
    append_line, batcher_state, save_batcher_state, BatcherState, DevnetL1, L1Options,
};
use verdict_l1::l2::L2Client;
use verdict_l1::rollup::ChainParams;

/// `verdict devnet ...`.
#[derive(Subcommand)]
pub enum DevnetCommand {
    /// The L1 half: anvil, the contracts, the rollup config, the batcher and the proposer.
    L1(L1Args),
}

/// Arguments of `devnet l1`.
#[derive(Args)]
pub struct L1Args {
    /// The data directory (created if missing; a second start resumes from it).
    #[arg(long)]
    data_dir: PathBuf,
    /// The L1 chain id (first start only).
    #[arg(long, default_value_t = 900)]
    l1_chain_id: u64,
    /// Seconds between L1 blocks.
    #[arg(long, default_value_t = 4)]
    l1_block_time: u64,
    /// The L2 chain id (first start only).
    #[arg(long, default_value_t = 901)]
    l2_chain_id: u64,
    /// The L2 node's JSON-RPC: run the batcher and the proposer against it.
    #[arg(long)]
    l2: Option<String>,
    /// Seconds between the batcher's posts.
    #[arg(long, default_value_t = 6)]
    batch_interval: u64,
    /// L2 blocks between output roots.
    #[arg(long, default_value_t = 10)]
    output_interval: u64,
    /// Seconds to wait for the node's genesis.json.
    #[arg(long, default_value_t = 120)]
    genesis_timeout: u64,
}

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

fn stopping() -> bool {
    STOP.load(Ordering::SeqCst)
}

impl DevnetCommand {
    /// Runs the command.
    pub fn run(self) -> anyhow::Result<()> {
        match self {
            DevnetCommand::L1(a) => l1(a),
        }
    }
}

fn l1(a: L1Args) -> anyhow::Result<()> {
    // SAFETY: the handler only stores to an atomic.
    unsafe {
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let mut opts = L1Options::new(a.data_dir.clone());
    opts.l1_chain_id = a.l1_chain_id;
    opts.l1_block_time = a.l1_block_time;
    opts.params = ChainParams::new(a.l2_chain_id);
    let devnet = rt.block_on(DevnetL1::start(&opts))?;
    let d = &devnet.devnet.deployment;
    println!(
        "L1 (anvil {}): {}",
        devnet.anvil.binary().display(),
        devnet.anvil.url()
    );
    println!("L1 beacon API: {}", devnet.anvil.url());
    println!(
        "L1 chain id {}, deposit contract {}, SystemConfig {}, batch inbox {}",
        d.l1_chain_id,
        d.deposit_contract_address,
        d.l1_system_config_address,
        d.batch_inbox_address
    );
    println!(
        "rollup genesis L1 block {} ({})",
        d.genesis_l1.number, d.genesis_l1.hash
    );
    println!(
        "data directory: {} (the node reads devnet.json, writes genesis.json)",
        a.data_dir.display()
    );
    let result = rt.block_on(serve(&devnet, &a));
    devnet.stop()?;
    println!(
        "stopped; the L1 state is in {}",
        a.data_dir.join("l1").display()
    );
    result
}

async fn serve(devnet: &DevnetL1, a: &L1Args) -> anyhow::Result<()> {
    let Some(l2_url) = &a.l2 else {
        // Without a node: write rollup.json if genesis.json appears, and wait for a signal.
        let mut written = false;
        while !stopping() {
            if !written && devnet.dir.genesis().exists() {
                devnet.rollup_config(Duration::ZERO).await?;
                println!("rollup config: {}", devnet.dir.rollup().display());
                written = true;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        return Ok(());
    };
    let json = devnet
        .rollup_config(Duration::from_secs(a.genesis_timeout))
        .await?;
    println!("rollup config: {}", devnet.dir.rollup().display());
    let cfg = verdict_derive::json::rollup_config_from_slice(json.as_bytes())?;
    let l2 = L2Client::new(l2_url)?;
    let state = batcher_state(&devnet.dir, cfg.genesis.l2.number)?;
    let mut batcher = Batcher::new(BatcherConfig::for_rollup(&cfg), state.channels);
    let mut next = state.next_l2_block;
    let wallet = devnet.l1.wallet(&devnet.keys.batcher)?;
    let mut next_output = {
        let done = std::fs::read_to_string(devnet.dir.outputs()).unwrap_or_default();
        let last = done
            .lines()
            .filter_map(|l| serde_json::from_str::<verdict_l1::proposer::Output>(l).ok())
            .map(|o| o.l2_block)
            .max();
        last.map_or(a.output_interval, |n| n + a.output_interval)
    };
    let mut last_batch = Instant::now() - Duration::from_secs(a.batch_interval);
    while !stopping() {
        if last_batch.elapsed() >= Duration::from_secs(a.batch_interval) {
            last_batch = Instant::now();
            match batcher
                .post_new_blocks(&devnet.l1, &wallet, &l2, &mut next)
                .await
            {
                Ok(Some((ch, posted))) => {
                    println!(
                        "batcher: channel {} (L2 blocks {}..={}, {}, {}, {:?}) in {} transactions",
                        ch.number,
                        ch.blocks.0,
                        ch.blocks.1,
                        if ch.blobs { "blobs" } else { "calldata" },
                        if ch.span {
                            "span batch"
                        } else {
                            "singular batches"
                        },
                        ch.compression,
                        posted.len()
                    );
                    for p in &posted {
                        append_line(&devnet.dir.batcher_log(), &serde_json::to_string(p)?)?;
                    }
                    save_batcher_state(
                        &devnet.dir,
                        &BatcherState {
                            next_l2_block: next,
                            channels: batcher.channels(),
                        },
                    )?;
                }
                Ok(None) => {}
                Err(e) => eprintln!("batcher: {e} (retrying)"),
            }
            // Output roots of the safe chain.
            match l2.sync_status().await {
                Ok(s) => {
                    while next_output <= s.safe_l2.number && !stopping() {
                        let o = verdict_l1::proposer::output_at(&l2, next_output).await?;
                        println!(
                            "proposer: L2 block {} output root {}",
                            o.l2_block, o.output_root
                        );
                        append_line(&devnet.dir.outputs(), &serde_json::to_string(&o)?)?;
                        next_output += a.output_interval;
                    }
                }
                Err(e) => eprintln!("proposer: {e} (retrying)"),
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(())
}
