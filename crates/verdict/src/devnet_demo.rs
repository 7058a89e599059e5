//! `verdict devnet demo`: the dispute game demo in one command. It runs `verdict devnet up
//! --games --wrong-proposals` on the data directory as a child process (its output in
//! `<data>/devnet.log`), watches the chain and narrates: the deployment, the wrong proposal, every
//! claim of the game as it is posted (the output bisection, then the execution bisection), the
//! step the onchain RISC-V verifier accepts, the resolution after the clocks run out and the
//! bonds paid. Then it stops the devnet (the chain stays in the data directory) and prints a
//! summary; it fails unless the game resolved CHALLENGER_WINS with the challenger paid. The
//! summary is kept in `<data>/games/demo-summary.txt`; a data directory that has one is refused
//! (the demo plays one new game), one whose game is still in progress is resumed.

use crate::devnet_games::{deployment_file, games_dir, role_address, role_key};
use crate::onchain::duration;
use alloy_primitives::{Address, U256};
use anyhow::{bail, Context};
use clap::Args;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use verdict_contracts::bindings::{IDisputeGameFactory, IFaultDisputeGame};
use verdict_l1::devnet::Endpoints;
use verdict_l1::process::Managed;
use verdict_onchain::deploy::Deployment;
use verdict_onchain::l1::L1;
use verdict_onchain::load::{self, Loaded};
use verdict_rpc::ClientConfig;

/// Arguments of `devnet demo`.
#[derive(Args)]
pub struct DemoArgs {
    /// The devnet's data directory (a new one for a new game; created if missing).
    #[arg(long)]
    data_dir: PathBuf,
    /// The fault proof program.
    #[arg(long, default_value = "guests/build/claim.elf")]
    asterisc_prestate: PathBuf,
    /// Seconds between L1 blocks (short: every move is an L1 transaction).
    #[arg(long, default_value_t = 2)]
    l1_block_time: u64,
    /// Give up (and fail) after this long.
    #[arg(long, default_value = "15m", value_parser = duration)]
    timeout: Duration,
}

/// What the demo saw of the game.
#[derive(Default)]
struct Seen {
    claims: usize,
    step: Option<(usize, Address)>,
    status: u8,
    owed: BTreeMap<Address, U256>,
}

fn client() -> ClientConfig {
    ClientConfig {
        timeout: Duration::from_secs(30),
        retries: 4,
        backoff: Duration::from_millis(250),
    }
}

fn eth(wei: U256) -> String {
    let gwei = u128::try_from(wei / U256::from(1_000_000_000u64)).unwrap_or(u128::MAX);
    format!("{}.{:09} ETH", gwei / 1_000_000_000, gwei % 1_000_000_000)
}

/// `devnet demo`.
pub fn run(a: DemoArgs) -> anyhow::Result<()> {
    if !a.asterisc_prestate.exists() {
        bail!(
            "--asterisc-prestate {}: no such file (scripts/build-guests.sh builds guests/build/claim.elf)",
            a.asterisc_prestate.display()
        );
    }
    let played = result_file(&a.data_dir);
    if played.exists() {
        bail!(
            "{}: the demo has already played its game in this data directory (its summary is in \
             {}); a demo plays one new game: use a new --data-dir, or `verdict devnet up \
             --data-dir {}` to run this chain again",
            a.data_dir.display(),
            played.display(),
            a.data_dir.display()
        );
    }
    std::fs::create_dir_all(&a.data_dir)
        .with_context(|| format!("creating {}", a.data_dir.display()))?;
    let prestate = std::fs::canonicalize(&a.asterisc_prestate)?;
    let exe = std::env::current_exe()?;
    let log = a.data_dir.join("devnet.log");
    let argv: Vec<String> = [
        exe.display().to_string(),
        "devnet".into(),
        "up".into(),
        "--data-dir".into(),
        a.data_dir.display().to_string(),
        "--l1-block-time".into(),
        a.l1_block_time.to_string(),
        "--batch-interval".into(),
        "2".into(),
        "--games".into(),
        "--wrong-proposals".into(),
        "--proposal-interval".into(),
        "1d".into(),
        "--asterisc-prestate".into(),
        prestate.display().to_string(),
    ]
    .into();
    let started = Instant::now();
    println!(
        "demo: starting the devnet with the dispute games (log {})",
        log.display()
    );
    let mut devnet = Managed::start("devnet", &argv, &log)?;
    let result = watch(&a, &mut devnet, &log, started);
    println!("demo: stopping the devnet");
    devnet.stop(Duration::from_secs(60));
    let summary = result?;
    println!("{summary}");
    println!(
        "demo: done in {:.0?}; the chain is in {} (`verdict devnet up --data-dir {}` resumes it)",
        started.elapsed(),
        a.data_dir.display(),
        a.data_dir.display()
    );
    Ok(())
}

/// Waits for `f` to give `Some`, checking the devnet is alive and the deadline every half second.
fn wait_for<T>(
    a: &DemoArgs,
    devnet: &mut Managed,
    log: &Path,
    started: Instant,
    what: &str,
    mut f: impl FnMut() -> anyhow::Result<Option<T>>,
) -> anyhow::Result<T> {
    loop {
        if let Some(status) = devnet.exited() {
            bail!(
                "the devnet exited ({status}) while the demo waited for {what}; its log: {} \
                 (the games' logs are in {})",
                log.display(),
                games_dir(&a.data_dir).display()
            );
        }
        if started.elapsed() > a.timeout {
            bail!(
                "the demo did not finish in {:?} (waiting for {what}); the logs: {} and {}",
                a.timeout,
                log.display(),
                games_dir(&a.data_dir).display()
            );
        }
        if let Some(x) = f()? {
            return Ok(x);
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Where the demo keeps the summary of its game once the game has resolved: a data directory
/// with one has had its demo (its proposer proposes once a day, so no new game would come).
fn result_file(data_dir: &Path) -> PathBuf {
    games_dir(data_dir).join("demo-summary.txt")
}

fn role(a: Address) -> &'static str {
    if a == role_address("challenger") {
        "the challenger"
    } else if a == role_address("proposer") {
        "the liar"
    } else {
        "someone else"
    }
}

/// Watches the game to its end; the summary.
fn watch(
    a: &DemoArgs,
    devnet: &mut Managed,
    log: &Path,
    started: Instant,
) -> anyhow::Result<String> {
    let endpoints_file = a.data_dir.join("endpoints.json");
    let ends: Endpoints = wait_for(a, devnet, log, started, "the endpoints", || {
        Ok(std::fs::read(&endpoints_file)
            .ok()
            .and_then(|b| serde_json::from_slice::<Endpoints>(&b).ok())
            .filter(|e| e.l2.is_some()))
    })?;
    println!(
        "demo: the devnet runs: L1 {} , L2 {}",
        ends.l1,
        ends.l2.as_deref().unwrap_or("")
    );
    let dep_file = deployment_file(&a.data_dir);
    let d: Deployment = wait_for(a, devnet, log, started, "the game contracts", || {
        Ok(std::fs::read(&dep_file)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok()))
    })?;
    println!(
        "demo: the game contracts are deployed: factory {}",
        d.factory
    );
    let l1 = L1::new(&ends.l1, role_key("watcher"), client())?;
    let liar = role_address("proposer");
    let challenger = role_address("challenger");
    // The first game in progress (a new data directory: the first game).
    let game: Address = wait_for(a, devnet, log, started, "the wrong proposal", || {
        let Ok(count) = l1.view(d.factory, IDisputeGameFactory::gameCountCall {}) else {
            return Ok(None);
        };
        for i in 0..u64::try_from(count).unwrap_or(0) {
            let g = l1.view(
                d.factory,
                IDisputeGameFactory::gameAtIndexCall {
                    index: U256::from(i),
                },
            )?;
            if l1.view(g.proxy, IFaultDisputeGame::statusCall {})? == 0 {
                return Ok(Some(g.proxy));
            }
        }
        Ok(None)
    })?;
    let first = load::load(&l1, game)?;
    let cfg = first.game.config().clone();
    println!(
        "demo: {} proposed {} as the output root of L2 block {} (anchor: block {}): game {game}",
        role(first.game.claims()[0].claimant),
        alloy_primitives::B256::from(first.game.claims()[0].claim.0),
        first.game.l2_block_number(),
        first.game.starting_output().l2_block_number
    );
    println!(
        "demo: the game: split depth {}, max depth {}, clocks {} s (extension {} s); the \
         output bisection is depths 1 to {}, the execution bisection {} to {}",
        cfg.split_depth,
        cfg.max_game_depth,
        cfg.max_clock_duration,
        cfg.clock_extension,
        cfg.split_depth,
        cfg.split_depth + 1,
        cfg.max_game_depth
    );
    let mut seen = Seen::default();
    let mut said_clocks = false;
    let mut said_resolving = false;
    let done = wait_for(a, devnet, log, started, "the game's end", || {
        let g = match load::load(&l1, game) {
            Ok(g) => g,
            Err(load::LoadError::L1 { .. }) => return Ok(None),
            Err(e) => {
                // Claims resolved while the game is not: keep waiting for its status.
                if l1.view(game, IFaultDisputeGame::statusCall {})? == 0 {
                    eprintln!("demo: {e} (waiting)");
                    return Ok(None);
                }
                return Err(e.into());
            }
        };
        narrate(&g, &mut seen);
        let max_depth = cfg.max_game_depth;
        let resolved = (0..g.countered.len())
            .filter(|&i| {
                !g.countered[i].is_zero() && g.game.claims()[i].position.depth() < max_depth
            })
            .count();
        if g.status == 0 && resolved > 0 && !said_resolving {
            said_resolving = true;
            println!("demo: the clocks have run out: the claims are resolved, bottom up");
        }
        if g.status == 0 {
            if seen.step.is_some() && !said_clocks {
                said_clocks = true;
                println!(
                    "demo: no more moves; the clocks run out (up to {} s) before the game resolves",
                    cfg.max_clock_duration
                );
            }
            return Ok(None);
        }
        if seen.status == 0 {
            seen.status = g.status;
            println!(
                "demo: the game resolved: {}",
                match g.status {
                    1 => "CHALLENGER_WINS",
                    2 => "DEFENDER_WINS",
                    _ => "unknown status",
                }
            );
            let mut who: Vec<Address> = g.game.claims().iter().map(|c| c.claimant).collect();
            who.extend([liar, challenger]);
            who.sort();
            who.dedup();
            for w in who {
                let owed = l1.view(
                    game,
                    IFaultDisputeGame::normalModeCreditCall { recipient: w },
                )?;
                println!("demo: {} ({w}) is owed {}", role(w), eth(owed));
                seen.owed.insert(w, owed);
            }
            if g.status != 1 {
                return Ok(Some(g));
            }
        }
        // Paid: unlocked, then withdrawn (the credit zeroed) after DelayedWETH's delay.
        for (w, owed) in &seen.owed {
            if owed.is_zero() {
                continue;
            }
            let unlocked = l1.view(
                game,
                IFaultDisputeGame::hasUnlockedCreditCall { recipient: *w },
            )?;
            let left = l1.view(
                game,
                IFaultDisputeGame::normalModeCreditCall { recipient: *w },
            )?;
            if !unlocked || !left.is_zero() {
                return Ok(None);
            }
        }
        Ok(Some(g))
    })?;
    let result = summary(a, game, &done, &seen);
    let text = match &result {
        Ok(text) => text.clone(),
        Err(e) => format!("{e:#}"),
    };
    verdict_fpvm::files::write_atomic(&result_file(&a.data_dir), text.as_bytes())
        .with_context(|| format!("writing {}", result_file(&a.data_dir).display()))?;
    result
}

/// Prints the claims not seen before, and the step once a leaf is countered.
fn narrate(g: &Loaded, seen: &mut Seen) {
    let cfg = g.game.config();
    for (i, c) in g.game.claims().iter().enumerate().skip(seen.claims.max(1)) {
        let depth = c.position.depth();
        let parent = c.parent().unwrap_or(0);
        let attack = g.game.claims()[parent].position.attack() == c.position;
        let part = if depth <= cfg.split_depth {
            "output bisection"
        } else {
            "execution bisection"
        };
        println!(
            "demo: claim {i} by {}: {} claim {parent} at depth {depth} ({part})",
            role(c.claimant),
            if attack { "attacks" } else { "defends against" }
        );
    }
    seen.claims = g.game.claims().len();
    if seen.step.is_none() {
        for (i, c) in g.game.claims().iter().enumerate() {
            let by = g.countered.get(i).copied().unwrap_or_default();
            if c.position.depth() == cfg.max_game_depth && !by.is_zero() {
                println!(
                    "demo: {} stepped against claim {i} (a leaf of {}): the onchain RISC-V step \
                     verifier ran one instruction of the fault proof program and the leaf is \
                     countered",
                    role(by),
                    role(c.claimant)
                );
                seen.step = Some((i, by));
            }
        }
    }
}

/// The lines of the challenger's log about its step (the preimage it uploaded, the step).
fn step_lines(a: &DemoArgs, game: Address) -> Vec<String> {
    let log = games_dir(&a.data_dir).join("challenger.log");
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let tag = format!("game {game}: ");
    text.lines()
        .filter(|l| l.contains(&tag) && (l.contains("step against") || l.contains("uploaded")))
        .map(|l| l.split(&tag).nth(1).unwrap_or(l).to_string())
        .collect()
}

fn summary(a: &DemoArgs, game: Address, g: &Loaded, seen: &Seen) -> anyhow::Result<String> {
    let mut s = String::from("\n== summary ==\n");
    let claims = g.game.claims();
    s += &format!(
        "game {game}: L2 block {}, root claim {} by {}\n",
        g.game.l2_block_number(),
        alloy_primitives::B256::from(claims[0].claim.0),
        role(claims[0].claimant)
    );
    let by = |who: &str| claims.iter().filter(|c| role(c.claimant) == who).count();
    s += &format!(
        "claims: {} ({} by the liar, {} by the challenger), down to depth {}\n",
        claims.len(),
        by("the liar"),
        by("the challenger"),
        claims.iter().map(|c| c.position.depth()).max().unwrap_or(0)
    );
    match seen.step {
        Some((leaf, who)) => {
            s += &format!(
                "step: by {} against claim {leaf}, accepted onchain",
                role(who)
            );
            for l in step_lines(a, game) {
                s += &format!("; {l}");
            }
            s += "\n";
        }
        None => s += "step: none seen\n",
    }
    s += &format!(
        "resolution: {}\n",
        match g.status {
            1 => "CHALLENGER_WINS",
            2 => "DEFENDER_WINS",
            _ => "in progress",
        }
    );
    for (w, owed) in &seen.owed {
        s += &format!("bonds: {} ({w}) got {}\n", role(*w), eth(*owed));
    }
    if g.status != 1 {
        bail!(
            "{s}the liar did not lose: the game resolved with status {}",
            g.status
        );
    }
    if seen.step.is_none() {
        bail!("{s}the game was not decided by a step");
    }
    let challenger = role_address("challenger");
    let won = seen.owed.get(&challenger).copied().unwrap_or_default();
    let total: u128 = claims.iter().map(|c| c.bond).sum();
    if won != U256::from(total) {
        bail!(
            "{s}the challenger got {} of the {} posted",
            eth(won),
            eth(U256::from(total))
        );
    }
    s += "the liar lost: every bond went to the challenger\n";
    Ok(s)
}
