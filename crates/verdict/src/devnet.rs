//! `verdict devnet up`: the whole local chain (the L1 half below, the L2 node as a child process,
//! the follower deriving the chain from L1 and checking it block for block against the node).
//! `verdict devnet l1`: the local chain's L1 half. Starts anvil on its state in the data
//! directory (deploying Verdict's contracts on the first start), prints the endpoints, writes
//! `rollup.json` once the L2 node has written `genesis.json`, and with `--l2` runs the batcher
//! and the proposer against the node, until SIGINT or SIGTERM; then stops anvil, whose state is
//! written. The data directory's layout is `verdict_l1::devnet`'s (DEVELOPERS.md).

use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use verdict_l1::batcher::{Batcher, BatcherConfig};
use verdict_l1::devnet::{
    append_line, batcher_state, save_batcher_state, DevnetL1, L1Options, PostedChannel,
};
use verdict_l1::follow::{FollowOptions, Follower};
use verdict_l1::l2::L2Client;
use verdict_l1::process::{free_loopback_addr, Managed};
use verdict_l1::rollup::ChainParams;
use verdict_l1::rpc::L1Client;

/// `verdict devnet ...`.
#[derive(Subcommand)]
pub enum DevnetCommand {
    /// The whole chain: anvil and the contracts, the L2 node (a child process), the batcher, the
    /// proposer and the follower (our derivation over RPC, each block checked against the
    /// node's); prints the endpoints; SIGINT/SIGTERM stop it all, and a later start with the same
    /// data directory resumes.
    Up(UpArgs),
    /// The L1 half: anvil, the contracts, the rollup config, the batcher and the proposer.
    L1(L1Args),
    /// Judge an output root of the running chain with the fault proof program (in the VM, its
    /// preimages fetched by the online host into `<data>/claims/store`); `--offline` judges it
    /// again from the store alone.
    Claim(crate::devnet_claim::ClaimArgs),
    /// The dispute game demo in one command: a devnet with the games (`up --games
    /// --wrong-proposals`) in the data directory; a wrong output root is proposed and defended
    /// by a liar, the challenger plays it down to a VM step verified onchain, the clocks run
    /// out, the game resolves CHALLENGER_WINS and the bonds are paid; the progress is printed,
    /// the devnet stopped at the end. Exit 0 only if the liar lost.
    Demo(crate::devnet_demo::DemoArgs),
    /// A stand-in L2 node for tests of the L1 half (in-memory chain, rebuilt on restart).
    #[command(hide = true)]
    StandInNode(StandInArgs),
}

/// Arguments of `devnet up`.
#[derive(Args)]
pub struct UpArgs {
    #[command(flatten)]
    l1: L1Args,
    /// The L2 node's command, split at spaces, with `{exe}` (this binary), `{data}` (the data
    /// directory), `{l1}` (the L1 URL) and `{rpc_addr}` (the loopback address it must serve
    /// JSON-RPC on) replaced.
    #[arg(
        long,
        default_value = "{exe} node --data-dir {data}/l2 --l1-rpc {l1} --rpc-addr {rpc_addr} --devnet-file {data}/devnet.json --txgen"
    )]
    node_cmd: String,
    /// Where the L2 node serves JSON-RPC (default: a free loopback port).
    #[arg(long)]
    l2_rpc_addr: Option<String>,
    /// Do not run the follower.
    #[arg(long)]
    no_follow: bool,
    #[command(flatten)]
    games: crate::devnet_games::GamesArgs,
}

/// Arguments of `devnet stand-in-node`.
#[derive(Args)]
pub struct StandInArgs {
    /// The devnet's `devnet.json` (genesis.json is written beside it, rollup.json awaited).
    #[arg(long)]
    devnet_file: PathBuf,
    /// The L1 JSON-RPC.
    #[arg(long)]
    l1_rpc: String,
    /// Where to serve JSON-RPC.
    #[arg(long)]
    rpc_addr: String,
}

/// Arguments of `devnet l1` (and the L1 half of `devnet up`).
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
    /// The L2 node's JSON-RPC: run the batcher and the proposer against it (`devnet l1` only).
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
            DevnetCommand::Up(a) => up(a),
            DevnetCommand::Claim(a) => crate::devnet_claim::run(a),
            DevnetCommand::Demo(a) => crate::devnet_demo::run(a),
            DevnetCommand::StandInNode(a) => stand_in(a),
        }
    }
}

fn catch_signals() {
    // SAFETY: the handler only stores to an atomic.
    unsafe {
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
    }
}

fn start_l1(a: &L1Args, rt: &tokio::runtime::Runtime) -> anyhow::Result<DevnetL1> {
    let mut opts = L1Options::new(a.data_dir.clone());
    opts.l1_chain_id = a.l1_chain_id;
    opts.l1_block_time = a.l1_block_time;
    opts.params = ChainParams::new(a.l2_chain_id);
    let devnet = rt.block_on(DevnetL1::start(&opts))?;
    print_l1(&devnet, a);
    Ok(devnet)
}

fn l1(a: L1Args) -> anyhow::Result<()> {
    catch_signals();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let devnet = start_l1(&a, &rt)?;
    let result = rt.block_on(async {
        tokio::select! {
            r = serve(&devnet, &a, None) => r,
            status = watch_anvil(&devnet) => Err(anvil_gone(&devnet, &status)),
        }
    });
    devnet.stop()?;
    println!(
        "stopped; the L1 state is in {}",
        a.data_dir.join("l1").display()
    );
    result
}

fn print_l1(devnet: &DevnetL1, a: &L1Args) {
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
}

/// The follower's safe head (the proposer proposes only what it has derived and checked).
static FOLLOWED: AtomicU64 = AtomicU64::new(0);

fn up(a: UpArgs) -> anyhow::Result<()> {
    if a.l1.l2.is_some() {
        anyhow::bail!("devnet up runs its own L2 node (--node-cmd); --l2 is for devnet l1");
    }
    if a.games.games && !a.games.asterisc_prestate.exists() {
        anyhow::bail!(
            "--asterisc-prestate {}: no such file (scripts/build-guests.sh builds \
             guests/build/claim.elf)",
            a.games.asterisc_prestate.display()
        );
    }
    catch_signals();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let devnet = start_l1(&a.l1, &rt)?;
    let rpc_addr = match &a.l2_rpc_addr {
        Some(x) => x.clone(),
        None => free_loopback_addr()?,
    };
    let l2_url = format!("http://{rpc_addr}");
    let exe = std::env::current_exe()?;
    let data = a.l1.data_dir.display().to_string();
    let argv: Vec<String> = a
        .node_cmd
        .split_whitespace()
        .map(|w| {
            w.replace("{exe}", &exe.display().to_string())
                .replace("{data}", &data)
                .replace("{l1}", &devnet.anvil.url())
                .replace("{rpc_addr}", &rpc_addr)
        })
        .collect();
    let node_log = a.l1.data_dir.join("l2").join("node.log");
    let mut node = Managed::start("L2 node", &argv, &node_log)?;
    devnet.set_l2_endpoint(&l2_url)?;
    println!(
        "L2 node: {l2_url} (pid {}, log {})",
        node.pid().unwrap_or(0),
        node_log.display()
    );
    println!("  started as: {}", argv.join(" "));
    let follower = if a.no_follow {
        None
    } else {
        let (l1_url, rollup) = (devnet.anvil.url(), devnet.dir.rollup());
        let l2 = l2_url.clone();
        Some(std::thread::spawn(move || {
            follow_loop(&l1_url, &l2, &rollup)
        }))
    };
    let mut games = a.games.games.then(|| {
        let (args, data, l1, l2) = (
            a.games.clone(),
            a.l1.data_dir.clone(),
            devnet.anvil.url(),
            l2_url.clone(),
        );
        rt.spawn_blocking(move || crate::devnet_games::run(&args, &data, &l1, &l2, &STOP))
    });
    let result = rt.block_on(async {
        let games_done = async {
            match &mut games {
                Some(h) => match h.await {
                    Ok(Ok(())) => std::future::pending().await,
                    Ok(Err(e)) => Err(e.context("the dispute games")),
                    Err(e) => Err(anyhow::anyhow!("the dispute games: {e}")),
                },
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            r = serve(&devnet, &a.l1, Some((&l2_url, &FOLLOWED))) => r,
            r = games_done => r,
            status = watch(&mut node) => Err(anyhow::anyhow!(
                "the L2 node exited ({status}); its log: {}", node_log.display()
            )),
            status = watch_anvil(&devnet) => Err(anvil_gone(&devnet, &status)),
        }
    });
    STOP.store(true, Ordering::SeqCst);
    if let Some(h) = games {
        // Stops the proposer and the challenger (unless they are gone already).
        if !h.is_finished() {
            let _ = rt.block_on(h);
        }
    }
    node.stop(Duration::from_secs(20));
    if let Some(f) = follower {
        let _ = f.join();
    }
    devnet.stop()?;
    println!("stopped; the chain is in {}", a.l1.data_dir.display());
    result
}

/// Waits until anvil exits by itself (never while the devnet stops); how it ended.
async fn watch_anvil(devnet: &DevnetL1) -> String {
    loop {
        if stopping() {
            std::future::pending::<()>().await;
        }
        if let Some(s) = devnet.anvil.exited() {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The error of a devnet whose L1 node died under it.
fn anvil_gone(devnet: &DevnetL1, status: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "anvil, the L1 node, exited ({status}); its log: {}. Start the devnet again to resume \
         from the L1 state last saved in {} (saved every 5 s and at a clean stop)",
        devnet.dir.anvil_log().display(),
        devnet.dir.anvil_state().display()
    )
}

/// Waits until the child exits (or the devnet stops); its status.
async fn watch(node: &mut Managed) -> String {
    loop {
        if let Some(s) = node.exited() {
            return s;
        }
        if stopping() {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The follower, restarted (from the L2 genesis) after a failure until the devnet stops.
fn follow_loop(l1: &str, l2: &str, rollup: &std::path::Path) {
    let opts = FollowOptions {
        until_l2: None,
        stop_at_l1_head: false,
        poll: Duration::from_millis(500),
        idle_timeout: None,
        stop: Some(&STOP),
    };
    while !stopping() {
        let run = || -> anyhow::Result<()> {
            let json = std::fs::read_to_string(rollup)?;
            let mut f = Follower::new(&json, L1Client::new(l1, l1)?, L2Client::new(l2)?)?;
            f.run(&opts, |b| {
                FOLLOWED.fetch_max(b.number, Ordering::SeqCst);
                println!(
                    "follower: L2 block {} {} derived from L1 block {}: the node's ({} transactions)",
                    b.number, b.hash, b.derived_from, b.transactions
                );
            })?;
            Ok(())
        };
        if !rollup.exists() {
            std::thread::sleep(Duration::from_millis(200));
            continue;
        }
        if let Err(e) = run() {
            if stopping() {
                return;
            }
            eprintln!("follower: {e:#} (starting again from the L2 genesis in 2 s)");
            std::thread::sleep(Duration::from_secs(2));
        }
    }
}

fn stand_in(a: StandInArgs) -> anyhow::Result<()> {
    catch_signals();
    verdict_l1::testing::run_stand_in_node(&a.devnet_file, &a.l1_rpc, &a.rpc_addr, &STOP, |l| {
        println!("{l}")
    })?;
    Ok(())
}

/// The batcher and the proposer until a signal; `node`: the L2 node's URL and, with `devnet up`,
/// the follower's safe head (the proposer's source; otherwise the node's safe head).
async fn serve(
    devnet: &DevnetL1,
    a: &L1Args,
    node: Option<(&str, &AtomicU64)>,
) -> anyhow::Result<()> {
    let l2_arg = a.l2.clone();
    let (l2_url, followed) = match node {
        Some((u, f)) => (Some(u.to_string()), Some(f)),
        None => (l2_arg, None),
    };
    let Some(l2_url) = &l2_url else {
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
    let mut state = batcher_state(&devnet.dir, cfg.genesis.l2.number)?;
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
            match state.fallen(&devnet.l1, &l2).await {
                Ok(None) => {}
                Ok(Some(resume)) => {
                    println!(
                        "batcher: batches from L2 block {resume} on are no longer on L1 or no \
                         longer the node's blocks (an L1 reorg); batching them again"
                    );
                    next = resume;
                    state.next_l2_block = next;
                    save_batcher_state(&devnet.dir, &state)?;
                }
                Err(e) => {
                    eprintln!("batcher: {e} (retrying)");
                    continue;
                }
            }
            let before = next;
            let result = match batcher
                .post_new_blocks(&devnet.l1, &wallet, &l2, &mut next)
                .await
            {
                // A channel counts as posted only once every transaction is in an L1 block: the
                // state saved below must never count a transaction still in anvil's pool, which a
                // shutdown would lose (its blocks would never be batched again).
                Ok(Some((ch, posted))) => {
                    let mut confirmed = Ok(());
                    for p in &posted {
                        let what = format!("batcher transaction of channel {}", ch.number);
                        if let Err(e) = devnet.l1.confirm(p.tx, &what).await {
                            confirmed = Err(e);
                            break;
                        }
                    }
                    confirmed.map(|()| Some((ch, posted)))
                }
                other => other,
            };
            if result.is_err() {
                // Batch the same blocks again in a new channel.
                next = before;
            }
            match result {
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
                    state.next_l2_block = next;
                    state.channels = batcher.channels();
                    state.posted(PostedChannel {
                        first: ch.blocks.0,
                        last: ch.blocks.1,
                        // As batched: if the node has rewound since, the next round sees the
                        // channel fall.
                        last_hash: ch.last_hash,
                        txs: posted.iter().map(|p| p.tx).collect(),
                    });
                    save_batcher_state(&devnet.dir, &state)?;
                }
                Ok(None) => {}
                Err(e) => eprintln!("batcher: {e} (retrying)"),
            }
            // Output roots of the safe chain.
            let safe = match followed {
                Some(f) => Ok(f.load(Ordering::SeqCst)),
                None => l2.sync_status().await.map(|s| s.safe_l2.number),
            };
            match safe {
                Ok(safe) => {
                    while next_output <= safe && !stopping() {
                        let o = match verdict_l1::proposer::output_at(&l2, next_output).await {
                            Ok(o) => o,
                            Err(e) => {
                                eprintln!("proposer: {e} (retrying)");
                                break;
                            }
                        };
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
