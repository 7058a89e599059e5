//! `verdict challenger`, `verdict proposer` and `verdict deploy-games`: the dispute game on a real
//! L1 (crates/onchain). Flag names follow op-challenger and op-proposer where they have one.

use alloy_primitives::{Address, B256};
use anyhow::{bail, Context};
use clap::Args;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use verdict_onchain::challenger::{Challenger, ChallengerConfig};
use verdict_onchain::deploy::{self, real_params, RISCV_GAME_TYPE};
use verdict_onchain::l1::L1;
use verdict_onchain::liar::Defender;
use verdict_onchain::proposer::{Proposer, ProposerConfig};
use verdict_onchain::traces::{exec_traces, HostNodes, RollupOutputs};
use verdict_rpc::ClientConfig;

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

fn stop_on_signals() {
    // SAFETY: the handler only stores to an atomic.
    unsafe {
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
    }
}

/// A duration: seconds, or a number with `ms`, `s`, `m`, `h` or `d` (op-proposer's `60s`).
pub(crate) fn duration(s: &str) -> Result<Duration, String> {
    let (n, unit) = match s.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let n: u64 = n.parse().map_err(|_| format!("not a duration: {s:?}"))?;
    let ms = match unit {
        "ms" => Some(n),
        "s" => n.checked_mul(1000),
        "m" => n.checked_mul(60_000),
        "h" => n.checked_mul(3_600_000),
        "d" => n.checked_mul(86_400_000),
        _ => return Err(format!("not a duration: {s:?} (use ms, s, m, h or d)")),
    };
    ms.map(Duration::from_millis)
        .ok_or_else(|| format!("duration too long: {s:?}"))
}

pub(crate) fn key(s: &str) -> Result<B256, String> {
    let hex = s.strip_prefix("0x").unwrap_or(s);
    if hex.len() != 64 {
        return Err("a private key is 32 bytes of hex".into());
    }
    format!("0x{hex}")
        .parse()
        .map_err(|_| "a private key is 32 bytes of hex".to_string())
}

/// RPC settings shared by the commands.
#[derive(Args, Clone)]
pub struct RpcArgs {
    /// Timeout of one RPC attempt, in seconds.
    #[arg(long, default_value_t = 30)]
    rpc_timeout_secs: u64,
    /// Retries of an RPC request that failed in transport (connection, timeout, 5xx).
    #[arg(long, default_value_t = 4)]
    rpc_retries: u32,
}

impl RpcArgs {
    fn client(&self) -> ClientConfig {
        ClientConfig {
            timeout: Duration::from_secs(self.rpc_timeout_secs),
            retries: self.rpc_retries,
            backoff: Duration::from_millis(250),
        }
    }
}

/// Arguments of `challenger`.
#[derive(Args)]
pub struct ChallengerArgs {
    /// The L1 node.
    #[arg(long)]
    l1_eth_rpc: String,
    /// The L1 beacon API (blobs); defaults to --l1-eth-rpc (anvil serves both).
    #[arg(long)]
    l1_beacon: Option<String>,
    /// The rollup node (`optimism_outputAtBlock`, `optimism_syncStatus`).
    #[arg(long)]
    rollup_rpc: String,
    /// The L2 execution node the host fetches from; defaults to --rollup-rpc (verdict's node
    /// serves both).
    #[arg(long)]
    l2_eth_rpc: Option<String>,
    /// The DisputeGameFactory.
    #[arg(long)]
    game_factory_address: Address,
    /// The key the challenger sends its transactions with (hex).
    #[arg(long, value_parser = key)]
    private_key: B256,
    /// Progress, and the preimages the host fetched (`preimages/`); a restart resumes from it.
    #[arg(long)]
    datadir: PathBuf,
    /// The trace type played: `asterisc` (our RISC-V VM, game type 2). op-challenger's other
    /// types (cannon, alphabet, ...) are not played.
    #[arg(long, default_value = "asterisc")]
    trace_type: String,
    /// More game types to play with the same VM (e.g. a test deployment's).
    #[arg(long)]
    game_type: Vec<u32>,
    /// The fault proof program's initial state: a state file or the ELF (`guests/build/claim.elf`).
    /// The VM runs in process over the online host (op-challenger's --asterisc-bin and
    /// --asterisc-server are not needed).
    #[arg(long)]
    asterisc_prestate: PathBuf,
    /// VM snapshot interval in steps (positions are reached from the nearest snapshot).
    #[arg(long, default_value_t = 1 << 24)]
    asterisc_snapshot_freq: u64,
    /// How often the chain is polled.
    #[arg(long, default_value = "2s", value_parser = duration)]
    poll_interval: Duration,
    /// A counter with less than this left on its clock is logged as late; the games with the
    /// tightest clocks are played first.
    #[arg(long, default_value = "1h", value_parser = duration)]
    clock_margin: Duration,
    /// Games created longer ago than this are skipped (`0`: none are).
    #[arg(long, default_value = "28d", value_parser = duration)]
    game_window: Duration,
    /// Run one round and exit.
    #[arg(long)]
    once: bool,
    #[command(flatten)]
    rpc: RpcArgs,
}

/// `verdict challenger`.
pub fn challenger(a: ChallengerArgs) -> anyhow::Result<()> {
    let mut types = a.game_type.clone();
    match a.trace_type.as_str() {
        "asterisc" => types.push(RISCV_GAME_TYPE),
        other => bail!("--trace-type {other}: only asterisc (our RISC-V VM) is played"),
    }
    let cfg = ChallengerConfig {
        l1_beacon: a.l1_beacon.unwrap_or_else(|| a.l1_eth_rpc.clone()),
        l2_rpc: a.l2_eth_rpc.unwrap_or_else(|| a.rollup_rpc.clone()),
        l1_rpc: a.l1_eth_rpc,
        rollup_rpc: a.rollup_rpc,
        factory: a.game_factory_address,
        key: a.private_key,
        datadir: a.datadir,
        prestate: a.asterisc_prestate,
        game_types: types,
        snapshot_every: a.asterisc_snapshot_freq.max(1),
        clock_margin: a.clock_margin.as_secs(),
        game_window: Some(a.game_window.as_secs()).filter(|w| *w > 0),
        client: a.rpc.client(),
    };
    if a.poll_interval.as_secs() >= cfg.clock_margin {
        bail!("--poll-interval must be shorter than --clock-margin");
    }
    let mut c = Challenger::new(cfg).map_err(anyhow::Error::msg)?;
    println!(
        "verdict challenger: account {}, absolute prestate {}",
        c.address(),
        B256::from(c.absolute_prestate().0)
    );
    if a.once {
        c.tick().map_err(anyhow::Error::msg)?;
        return Ok(());
    }
    stop_on_signals();
    c.run(a.poll_interval, &STOP);
    Ok(())
}

/// Arguments of `proposer`.
#[derive(Args)]
pub struct ProposerArgs {
    /// The L1 node.
    #[arg(long)]
    l1_eth_rpc: String,
    /// The rollup node.
    #[arg(long)]
    rollup_rpc: String,
    /// The DisputeGameFactory.
    #[arg(long)]
    game_factory_address: Address,
    /// The proposer's key (hex).
    #[arg(long, value_parser = key)]
    private_key: B256,
    /// Time between proposals (`60s`, `5m`, ...).
    #[arg(long, default_value = "60s", value_parser = duration)]
    proposal_interval: Duration,
    /// The game type proposed.
    #[arg(long, default_value_t = RISCV_GAME_TYPE)]
    game_type: u32,
    /// Propose WRONG output roots (tests and demos: the challenger must win these games).
    #[arg(long)]
    wrong: bool,
    /// How often the chain is polled.
    #[arg(long, default_value = "2s", value_parser = duration)]
    poll_interval: Duration,
    /// Propose the safe head once (and settle what can be settled), then exit.
    #[arg(long)]
    once: bool,
    /// With --wrong: defend the wrong roots in the games (as the liar: wrong output roots from
    /// two blocks after the anchor, a made-up execution trace from a preimage read), so that
    /// they are played through both bisections to a VM step (demos). Needs --asterisc-prestate.
    #[arg(long, requires = "wrong")]
    defend: bool,
    /// The fault proof program (ELF or state file) whose execution trace --defend fakes.
    #[arg(long, requires = "defend")]
    asterisc_prestate: Option<PathBuf>,
    #[command(flatten)]
    rpc: RpcArgs,
}

/// `verdict proposer`.
pub fn proposer(a: ProposerArgs) -> anyhow::Result<()> {
    let mut defender = match (a.defend, &a.asterisc_prestate) {
        (false, _) => None,
        (true, None) => bail!("--defend needs --asterisc-prestate (the program it fakes)"),
        (true, Some(prestate)) => Some(
            Defender::new(
                &a.l1_eth_rpc,
                &a.rollup_rpc,
                a.private_key,
                prestate,
                a.rpc.client(),
            )
            .map_err(anyhow::Error::msg)?,
        ),
    };
    let mut p = Proposer::new(ProposerConfig {
        l1_rpc: a.l1_eth_rpc,
        rollup_rpc: a.rollup_rpc,
        factory: a.game_factory_address,
        key: a.private_key,
        game_type: a.game_type,
        interval: a.proposal_interval,
        wrong: a.wrong,
        client: a.rpc.client(),
    })
    .map_err(anyhow::Error::msg)?;
    println!("verdict proposer: account {}", p.address());
    if a.once {
        if let Some(prop) = p.maybe_propose().map_err(anyhow::Error::msg)? {
            println!("{}", prop.game);
        }
        p.settle().map_err(anyhow::Error::msg)?;
        return Ok(());
    }
    stop_on_signals();
    while !STOP.load(Ordering::SeqCst) {
        if let Some(d) = &mut defender {
            if let Err(e) = d.tick(p.games()) {
                eprintln!("liar: {e} (retrying)");
            }
        }
        if let Err(e) = p.tick() {
            eprintln!("proposer: {e} (retrying)");
        }
        std::thread::sleep(a.poll_interval);
    }
    Ok(())
}

/// Arguments of `deploy-games`.
#[derive(Args)]
pub struct DeployArgs {
    /// The L1 node.
    #[arg(long)]
    l1_eth_rpc: String,
    /// The deployer's key (hex): the factory's owner and the registry's guardian.
    #[arg(long, value_parser = key)]
    private_key: B256,
    /// The rollup node, for the starting anchor's output root.
    #[arg(long)]
    rollup_rpc: String,
    /// The L2 block of the starting anchor.
    #[arg(long, default_value_t = 0)]
    anchor_block: u64,
    /// The fault proof program (ELF or state file): its state hash is the absolute prestate.
    #[arg(long)]
    asterisc_prestate: PathBuf,
    /// The L2 chain id.
    #[arg(long, default_value_t = 901)]
    l2_chain_id: u64,
    /// MAX_GAME_DEPTH (default 73).
    #[arg(long)]
    max_game_depth: Option<u64>,
    /// SPLIT_DEPTH (default 30).
    #[arg(long)]
    split_depth: Option<u64>,
    #[command(flatten)]
    timing: TimingArgs,
    /// Where to write the addresses (JSON); printed as well.
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    rpc: RpcArgs,
}

/// The games' clocks and delays (durations: seconds, or with `ms`, `s`, `m`, `h`, `d`); unset,
/// each is the real deployments' value (`verdict deploy-games`) or the devnet demo's (`verdict
/// devnet up --games`).
#[derive(Args, Clone, Default)]
pub struct TimingArgs {
    /// MAX_CLOCK_DURATION: the time each side's chess clock may run (real: 3.5 days).
    #[arg(long, value_parser = duration)]
    pub max_clock_duration: Option<Duration>,
    /// CLOCK_EXTENSION: the time a side is granted when its clock runs low (real: 3 hours); twice
    /// it, and it plus the preimage challenge period, must not exceed the max clock duration.
    #[arg(long, value_parser = duration)]
    pub clock_extension: Option<Duration>,
    /// The PreimageOracle's challenge period (real: 1 day).
    #[arg(long, value_parser = duration)]
    pub preimage_challenge_period: Option<Duration>,
    /// DelayedWETH's withdrawal delay: bonds are paid this long after they are unlocked (real: 7
    /// days).
    #[arg(long, value_parser = duration)]
    pub weth_delay: Option<Duration>,
    /// The AnchorStateRegistry's dispute game finality delay: credit unlocks this long after a
    /// game resolves (real: 3.5 days).
    #[arg(long, value_parser = duration)]
    pub finality_delay: Option<Duration>,
}

impl TimingArgs {
    /// Sets the parameters given in `p`.
    pub fn apply(&self, p: &mut verdict_contracts::GameParams) {
        let set = |v: &mut u64, d: Option<Duration>| {
            if let Some(d) = d {
                *v = d.as_secs();
            }
        };
        set(&mut p.max_clock_duration, self.max_clock_duration);
        set(&mut p.clock_extension, self.clock_extension);
        set(
            &mut p.oracle_challenge_period,
            self.preimage_challenge_period,
        );
        set(&mut p.weth_delay, self.weth_delay);
        set(&mut p.finality_delay, self.finality_delay);
    }
}

/// What a deployment needs besides the key and the nodes.
pub struct DeploySpec<'a> {
    /// The fault proof program (ELF or state file).
    pub prestate: &'a std::path::Path,
    /// The L2 chain id.
    pub l2_chain_id: u64,
    /// The starting anchor's L2 block.
    pub anchor_block: u64,
    /// Sets the parameters (from [`real_params`] with the prestate and the anchor).
    pub adjust: &'a dyn Fn(&mut verdict_contracts::GameParams),
}

/// Deploys the game contracts from `key`'s account on the L1 node `l1_rpc`, anchored at the
/// rollup node's output root of the spec's block; the parameters are checked as the
/// constructor checks them first. Returns the deployment and its parameters.
pub fn deploy_with(
    l1_rpc: &str,
    rollup_rpc: &str,
    key: B256,
    client: ClientConfig,
    spec: &DeploySpec,
) -> anyhow::Result<(deploy::Deployment, verdict_contracts::GameParams)> {
    let initial =
        verdict_onchain::traces::load_prestate(spec.prestate).map_err(anyhow::Error::msg)?;
    let prestate = exec_traces(
        initial,
        std::sync::Arc::new(verdict_host::MemoryStore::default()),
        HostNodes {
            l1: l1_rpc.to_string(),
            beacon: l1_rpc.to_string(),
            l2: rollup_rpc.to_string(),
            client,
        },
        1,
    )
    .absolute_prestate();
    let mut params = real_params(prestate.0, spec.l2_chain_id, [0; 32], spec.anchor_block);
    (spec.adjust)(&mut params);
    deploy::check_params(&params).map_err(anyhow::Error::msg)?;
    let l1 = L1::new(l1_rpc, key, client)?;
    let mut outputs = RollupOutputs::new(rollup_rpc, client).map_err(anyhow::Error::msg)?;
    let anchor =
        verdict_challenger::providers::OutputSource::output_at(&mut outputs, spec.anchor_block)
            .map_err(|e| anyhow::anyhow!("the anchor's output root: {e}"))?;
    params.starting_root = anchor.0;
    let d = deploy::deploy(&l1, &params).context("deploying the game contracts")?;
    Ok((d, params))
}

/// `verdict deploy-games`.
pub fn deploy_games(a: DeployArgs) -> anyhow::Result<()> {
    let adjust = |p: &mut verdict_contracts::GameParams| {
        if let Some(d) = a.max_game_depth {
            p.max_game_depth = d;
        }
        if let Some(d) = a.split_depth {
            p.split_depth = d;
        }
        a.timing.apply(p);
    };
    let spec = DeploySpec {
        prestate: &a.asterisc_prestate,
        l2_chain_id: a.l2_chain_id,
        anchor_block: a.anchor_block,
        adjust: &adjust,
    };
    let (d, _) = deploy_with(
        &a.l1_eth_rpc,
        &a.rollup_rpc,
        a.private_key,
        a.rpc.client(),
        &spec,
    )?;
    let json = serde_json::to_string_pretty(&d)?;
    if let Some(out) = &a.out {
        verdict_fpvm::files::write_atomic(out, json.as_bytes())?;
    }
    println!("{json}");
    Ok(())
}
