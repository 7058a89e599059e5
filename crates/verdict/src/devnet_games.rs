//! `verdict devnet up --games`: the dispute games on the devnet. Once the L2 node has a safe
//! block, the game contracts are deployed on the devnet's anvil (anchored at that block; with
//! the short clocks of a demo by default, since the devnet's L2 follows L1 time and a live chain
//! cannot travel days ahead) and the deployment is written to `<data>/games/deployment.json`
//! (reused by a later start, never deployed again). Then `verdict proposer` and `verdict
//! challenger` run as child processes of this binary, each in its own process group, their logs
//! `<data>/games/{proposer,challenger}.log`, the challenger's datadir `<data>/games/challenger`;
//! they are stopped with the devnet, and one exiting stops the devnet with the reason.
//!
//! The roles sign with devnet keys (`keccak256("verdict-devnet games <role>")`), funded on anvil
//! when they run low.

use crate::onchain::{deploy_with, DeploySpec, TimingArgs};
use alloy_primitives::{keccak256, Address, B256, U256};
use anyhow::{bail, Context};
use clap::Args;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use verdict_l1::process::Managed;
use verdict_onchain::deploy::Deployment;
use verdict_onchain::l1::L1;
use verdict_onchain::traces::RollupOutputs;
use verdict_rpc::{Client, ClientConfig};

/// The demo's split depth: four output roots after the anchor.
pub const DEMO_SPLIT_DEPTH: u64 = 2;
/// The demo's max game depth: an execution game of depth 27 (2^27 steps, more than one block's
/// run, a blob-carried block's included), and even, so that the liar posts the leaves and the
/// honest challenger steps.
pub const DEMO_MAX_GAME_DEPTH: u64 = 30;
/// The demo's clocks and delays, in seconds: max clock duration, clock extension, preimage
/// challenge period, DelayedWETH delay, finality delay.
pub const DEMO_TIMING: [u64; 5] = [90, 30, 30, 2, 2];

/// Arguments of `devnet up` for the games.
#[derive(Args, Clone)]
pub struct GamesArgs {
    /// Deploy the dispute game contracts and run the proposer and the challenger with the chain.
    #[arg(long)]
    pub games: bool,
    /// The proposer proposes WRONG output roots and defends them as a liar (through both
    /// bisections, with a made-up execution trace), so that the challenger plays each game down
    /// to a VM step and wins it (demos).
    #[arg(long, requires = "games")]
    pub wrong_proposals: bool,
    /// The fault proof program (the games' absolute prestate; the challenger runs it).
    #[arg(long, default_value = "guests/build/claim.elf")]
    pub asterisc_prestate: PathBuf,
    /// Time between the proposer's proposals.
    #[arg(long, default_value = "5m", value_parser = crate::onchain::duration)]
    pub proposal_interval: Duration,
    /// SPLIT_DEPTH of a new deployment (default: the demo's 2).
    #[arg(long, default_value_t = DEMO_SPLIT_DEPTH)]
    pub split_depth: u64,
    /// MAX_GAME_DEPTH of a new deployment (default: the demo's 30).
    #[arg(long, default_value_t = DEMO_MAX_GAME_DEPTH)]
    pub max_game_depth: u64,
    /// Clocks and delays of a new deployment; the defaults under the devnet are the demo's:
    /// 90 s clocks, 30 s clock extension, 30 s preimage challenge period, 2 s DelayedWETH and
    /// finality delays.
    #[command(flatten)]
    pub timing: TimingArgs,
}

/// A devnet role's key.
pub fn role_key(role: &str) -> B256 {
    keccak256(format!("verdict-devnet games {role}"))
}

/// A devnet role's address.
pub fn role_address(role: &str) -> Address {
    let key = role_key(role);
    verdict_derive::encode::key_address(
        &verdict_derive::encode::SigningKey::from_slice(key.as_slice())
            .expect("a keccak256 output is a valid key"),
    )
}

/// `<data>/games`.
pub fn games_dir(data: &Path) -> PathBuf {
    data.join("games")
}

/// `<data>/games/deployment.json`.
pub fn deployment_file(data: &Path) -> PathBuf {
    games_dir(data).join("deployment.json")
}

fn client() -> ClientConfig {
    ClientConfig {
        timeout: Duration::from_secs(30),
        retries: 4,
        backoff: Duration::from_millis(250),
    }
}

/// Gives `who` 10,000 ETH on anvil if it has less than 100.
fn fund(l1: &str, who: Address) -> anyhow::Result<()> {
    let c = Client::new(l1, client()).map_err(anyhow::Error::msg)?;
    let bal: U256 = c
        .call("eth_getBalance", json!([who, "latest"]))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if bal < U256::from(100u128 * 10u128.pow(18)) {
        c.call_value("anvil_setBalance", &json!([who, "0x21e19e0c9bab2400000"]))
            .map_err(|e| anyhow::anyhow!("funding {who}: {e}"))?;
    }
    Ok(())
}

/// Waits for the rollup node's safe head to reach `min`; `None` if stopped first.
fn wait_safe(l2: &str, min: u64, stop: &AtomicBool) -> anyhow::Result<Option<u64>> {
    let outputs = RollupOutputs::new(l2, client()).map_err(anyhow::Error::msg)?;
    loop {
        if stop.load(Ordering::SeqCst) {
            return Ok(None);
        }
        if let Ok(safe) = outputs.safe_head() {
            if safe >= min {
                return Ok(Some(safe));
            }
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// The deployment of `<data>/games/deployment.json`, checked to be on the L1; or a new one,
/// anchored at the safe head, written there. `None` if stopped first.
fn deployment(
    a: &GamesArgs,
    data: &Path,
    l1: &str,
    l2: &str,
    stop: &AtomicBool,
) -> anyhow::Result<Option<Deployment>> {
    let file = deployment_file(data);
    if file.exists() {
        let d: Deployment = serde_json::from_slice(
            &std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?,
        )
        .with_context(|| format!("{} is not a deployment", file.display()))?;
        let viewer = L1::new(l1, role_key("watcher"), client())?;
        viewer
            .view(
                d.factory,
                verdict_contracts::bindings::IDisputeGameFactory::gameCountCall {},
            )
            .map_err(|e| {
                anyhow::anyhow!(
                    "the games of {} are not on the L1 ({e}); remove the file to deploy anew",
                    file.display()
                )
            })?;
        println!(
            "games: the deployment of {} (factory {})",
            file.display(),
            d.factory
        );
        return Ok(Some(d));
    }
    let Some(anchor) = wait_safe(l2, 1, stop)? else {
        return Ok(None);
    };
    let key = role_key("deployer");
    fund(l1, role_address("deployer"))?;
    let [max_clock, ext, period, weth, finality] = DEMO_TIMING;
    let adjust = |p: &mut verdict_contracts::GameParams| {
        p.split_depth = a.split_depth;
        p.max_game_depth = a.max_game_depth;
        p.max_clock_duration = max_clock;
        p.clock_extension = ext;
        p.oracle_challenge_period = period;
        p.weth_delay = weth;
        p.finality_delay = finality;
        a.timing.apply(p);
    };
    let spec = DeploySpec {
        prestate: &a.asterisc_prestate,
        l2_chain_id: verdict_node::devnet::L2_CHAIN_ID,
        anchor_block: anchor,
        adjust: &adjust,
    };
    println!("games: deploying the game contracts, anchored at L2 block {anchor}");
    let (d, p) = deploy_with(l1, l2, key, client(), &spec)?;
    let dir = games_dir(data);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    verdict_fpvm::files::write_atomic(&file, serde_json::to_string_pretty(&d)?.as_bytes())?;
    println!(
        "games: deployed (factory {}, {}); split depth {}, max depth {}, clocks {} s, extension \
         {} s, preimage challenge period {} s, DelayedWETH delay {} s, finality delay {} s",
        d.factory,
        file.display(),
        p.split_depth,
        p.max_game_depth,
        p.max_clock_duration,
        p.clock_extension,
        p.oracle_challenge_period,
        p.weth_delay,
        p.finality_delay
    );
    Ok(Some(d))
}

/// A child `verdict` process and its log.
struct Child {
    proc: Managed,
    log: PathBuf,
}

fn start(exe: &Path, name: &str, args: Vec<String>, log: PathBuf) -> anyhow::Result<Child> {
    let mut argv = vec![exe.display().to_string()];
    argv.extend(args);
    let proc = Managed::start(name, &argv, &log)?;
    println!(
        "games: {name} (pid {}, log {})",
        proc.pid().unwrap_or(0),
        log.display()
    );
    Ok(Child { proc, log })
}

/// Deploys (or reuses) the games and runs the proposer and the challenger until `stop` is set
/// (then stops them) or one of them exits (an error naming it and its log).
pub fn run(
    a: &GamesArgs,
    data: &Path,
    l1: &str,
    l2: &str,
    stop: &AtomicBool,
) -> anyhow::Result<()> {
    if !a.asterisc_prestate.exists() {
        bail!(
            "--asterisc-prestate {}: no such file (scripts/build-guests.sh builds guests/build/claim.elf)",
            a.asterisc_prestate.display()
        );
    }
    let Some(d) = deployment(a, data, l1, l2, stop)? else {
        return Ok(());
    };
    let exe = std::env::current_exe()?;
    let dir = games_dir(data);
    let prestate = a.asterisc_prestate.display().to_string();
    let common = |role: &str| -> Vec<String> {
        [
            "--l1-eth-rpc",
            l1,
            "--rollup-rpc",
            l2,
            "--game-factory-address",
            &d.factory.to_string(),
            "--private-key",
            &role_key(role).to_string(),
            "--poll-interval",
            "1s",
        ]
        .map(String::from)
        .to_vec()
    };
    fund(l1, role_address("challenger"))?;
    fund(l1, role_address("proposer"))?;
    let mut args = vec!["challenger".to_string()];
    args.extend(common("challenger"));
    args.extend(
        [
            "--datadir",
            &dir.join("challenger").display().to_string(),
            "--asterisc-prestate",
            &prestate,
            "--clock-margin",
            "10s",
        ]
        .map(String::from),
    );
    let mut challenger = start(&exe, "challenger", args, dir.join("challenger.log"))?;
    let mut args = vec!["proposer".to_string()];
    args.extend(common("proposer"));
    args.extend([
        "--proposal-interval".to_string(),
        format!("{}s", a.proposal_interval.as_secs().max(1)),
    ]);
    if a.wrong_proposals {
        args.extend(["--wrong", "--defend", "--asterisc-prestate", &prestate].map(String::from));
    }
    let mut proposer = start(&exe, "proposer", args, dir.join("proposer.log"))?;
    while !stop.load(Ordering::SeqCst) {
        let dead = [&mut challenger, &mut proposer].into_iter().find_map(|c| {
            c.proc
                .exited()
                .map(|s| (c.proc.name().to_string(), s, c.log.clone()))
        });
        if let Some((name, status, log)) = dead {
            challenger.proc.stop(Duration::from_secs(10));
            proposer.proc.stop(Duration::from_secs(10));
            bail!("the {name} exited ({status}); its log: {}", log.display());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    challenger.proc.stop(Duration::from_secs(20));
    proposer.proc.stop(Duration::from_secs(20));
    Ok(())
}
