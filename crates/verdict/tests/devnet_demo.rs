//! `verdict devnet demo`, the one-command dispute game demo, end to end: it starts the devnet with
//! the games (anvil, the L2 node, the batcher, the proposer as a liar that defends its wrong
//! root, the challenger) on loopback ports they pick, and must exit 0 with the liar's loss
//! narrated. Then nothing it started is left running (/proc), and the chain itself is asked,
//! through the L1 half started again on the data directory: the game resolved CHALLENGER_WINS,
//! a leaf at the max depth was countered by the challenger's step, every bond was paid to the
//! challenger (its credit withdrawn, DelayedWETH holds nothing of the game), the liar got
//! nothing.
//!
//! Needs anvil (scripts/install-deps.sh) and the claim guest (scripts/build-guests.sh); with
//! `CI=true` a missing one fails the test.

use alloy_primitives::{keccak256, Address, U256};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use verdict_contracts::bindings::{IDelayedWETH, IDisputeGameFactory, IFaultDisputeGame};
use verdict_onchain::deploy::Deployment;
use verdict_onchain::l1::L1;

const EXE: &str = env!("CARGO_BIN_EXE_verdict");

/// A child process killed (with its process group) when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        // SAFETY: signalling a process we started.
        unsafe {
            libc::kill(self.0.id() as i32, libc::SIGKILL);
        }
        let _ = self.0.wait();
    }
}

fn role_address(role: &str) -> Address {
    let key = keccak256(format!("verdict-devnet games {role}"));
    verdict_derive::encode::key_address(
        &verdict_derive::encode::SigningKey::from_slice(key.as_slice()).unwrap(),
    )
}

/// What the games' tests need, or `None` to skip where that is allowed (not under `CI=true`):
/// anvil, and the claim guest (returned). Also the lock that runs those tests one at a time:
/// their proposers share a key, which [`left_running`] looks for.
fn games_test() -> Option<(PathBuf, std::sync::MutexGuard<'static, ()>)> {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    verdict_node::testing::anvil_binary()?;
    let elf = verdict_onchain::testing::claim_elf()?;
    let lock = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    Some((elf, lock))
}

/// The processes the demo started that are still running: those whose command line mentions
/// the data directory (the devnet, anvil, the node, the challenger) or the proposer's key.
fn left_running(data: &Path) -> Vec<String> {
    let key = keccak256("verdict-devnet games proposer").to_string();
    let mut left = processes_with(&data.display().to_string());
    left.extend(processes_with(&key));
    left
}

/// The processes whose command line mentions `needle`.
fn processes_with(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        if e.file_name().to_string_lossy().parse::<u32>().is_err() {
            continue;
        }
        let Ok(cmd) = std::fs::read(e.path().join("cmdline")) else {
            continue;
        };
        let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
        if cmd.contains(needle) {
            found.push(format!("{}: {cmd}", e.file_name().to_string_lossy()));
        }
    }
    found
}

/// Waits for `child` at most `limit`; its exit status.
fn wait(child: &mut Proc, limit: Duration) -> std::process::ExitStatus {
    let t = Instant::now();
    loop {
        if let Some(s) = child.0.try_wait().unwrap() {
            return s;
        }
        assert!(t.elapsed() < limit, "still running after {limit:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn the_one_command_demo_makes_the_liar_lose_a_game_played_to_a_step() {
    let Some((elf, _one_at_a_time)) = games_test() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let out = dir.path().join("demo.out");
    let started = Instant::now();
    let mut demo = Proc(
        Command::new(EXE)
            .args(["devnet", "demo", "--data-dir"])
            .arg(&data)
            .arg("--asterisc-prestate")
            .arg(&elf)
            .args(["--timeout", "9m"])
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    let status = wait(&mut demo, Duration::from_secs(600));
    let wall = started.elapsed();
    let text = std::fs::read_to_string(&out).unwrap();
    eprintln!("{text}");
    eprintln!("the demo took {wall:.1?}");
    if !status.success() {
        for log in ["devnet.log", "games/proposer.log", "games/challenger.log"] {
            let l = std::fs::read_to_string(data.join(log)).unwrap_or_default();
            let tail: Vec<&str> = l.lines().rev().take(40).collect();
            eprintln!("--- {log} (last lines)");
            for t in tail.iter().rev() {
                eprintln!("{t}");
            }
        }
        panic!("the demo failed: {status}");
    }
    for want in [
        "proposed",
        "execution bisection",
        "stepped against claim",
        "the game resolved: CHALLENGER_WINS",
        "the liar lost",
    ] {
        assert!(text.contains(want), "the demo did not say {want:?}");
    }

    // Nothing left running.
    let left = left_running(&data);
    assert!(left.is_empty(), "left running: {left:?}");

    // The demo again on the same directory: refused at once (its game is over), not a wait for
    // a new game until the timeout.
    let again = Command::new(EXE)
        .args(["devnet", "demo", "--data-dir"])
        .arg(&data)
        .arg("--asterisc-prestate")
        .arg(&elf)
        .args(["--timeout", "1m"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(!again.status.success(), "a second demo on {data:?} ran");
    assert!(
        err.contains("has already played its game"),
        "the second demo's error: {err}"
    );
    let summary = std::fs::read_to_string(data.join("games/demo-summary.txt")).unwrap();
    assert!(
        summary.contains("the liar lost"),
        "the kept summary: {summary}"
    );

    // The chain's word: the L1 half alone, on the data directory.
    let mut l1_half = Proc(
        Command::new(EXE)
            .args(["devnet", "l1", "--data-dir"])
            .arg(&data)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    let endpoints = data.join("endpoints.json");
    let t = Instant::now();
    let l1_url = loop {
        if let Ok(b) = std::fs::read(&endpoints) {
            if let Ok(e) = serde_json::from_slice::<serde_json::Value>(&b) {
                break e["l1"].as_str().unwrap().to_string();
            }
        }
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "devnet l1 did not start"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    check_chain(&l1_url, &data);
    // SAFETY: signalling a process we started.
    unsafe {
        libc::kill(l1_half.0.id() as i32, libc::SIGTERM);
    }
    assert!(wait(&mut l1_half, Duration::from_secs(60)).success());
    let left = left_running(&data);
    assert!(left.is_empty(), "left running: {left:?}");
    eprintln!("test done in {:.1?}", started.elapsed());
}

fn check_chain(l1_url: &str, data: &Path) {
    let d: Deployment =
        serde_json::from_slice(&std::fs::read(data.join("games/deployment.json")).unwrap())
            .unwrap();
    let l1 = L1::new(l1_url, keccak256("demo test viewer"), Default::default()).unwrap();
    let count = l1
        .view(d.factory, IDisputeGameFactory::gameCountCall {})
        .unwrap();
    assert_eq!(count, U256::from(1), "one game");
    let game = l1
        .view(
            d.factory,
            IDisputeGameFactory::gameAtIndexCall { index: U256::ZERO },
        )
        .unwrap()
        .proxy;
    let g = verdict_onchain::load::load(&l1, game).unwrap();
    assert_eq!(g.status, 1, "CHALLENGER_WINS");
    let (liar, challenger) = (role_address("proposer"), role_address("challenger"));
    let claims = g.game.claims();
    assert_eq!(claims[0].claimant, liar);
    let max = g.game.config().max_game_depth;
    let leaves: Vec<usize> = (0..claims.len())
        .filter(|&i| claims[i].position.depth() == max)
        .collect();
    assert!(
        leaves
            .iter()
            .any(|&i| claims[i].claimant == liar && g.countered[i] == challenger),
        "a liar's leaf countered by the challenger's step"
    );
    for depth in 1..=max {
        assert!(
            claims.iter().any(|c| c.position.depth() == depth),
            "no claim at depth {depth}"
        );
    }
    // Every bond paid to the challenger, nothing to the liar, nothing left in DelayedWETH.
    for who in [liar, challenger] {
        let left = l1
            .view(
                game,
                IFaultDisputeGame::normalModeCreditCall { recipient: who },
            )
            .unwrap();
        assert!(left.is_zero(), "credit left to {who}");
    }
    assert!(l1
        .view(
            game,
            IFaultDisputeGame::hasUnlockedCreditCall {
                recipient: challenger
            }
        )
        .unwrap());
    let w = l1
        .view(
            d.weth,
            IDelayedWETH::withdrawalsCall {
                game,
                guy: challenger,
            },
        )
        .unwrap();
    assert!(w.amount.is_zero(), "the challenger withdrew its credit");
    let held = l1
        .view(d.weth, IDelayedWETH::balanceOfCall { who: game })
        .unwrap();
    assert!(held.is_zero(), "DelayedWETH still holds {held} of the game");
    let liar_w = l1
        .view(d.weth, IDelayedWETH::withdrawalsCall { game, guy: liar })
        .unwrap();
    assert!(liar_w.amount.is_zero(), "nothing unlocked for the liar");
    let total: u128 = claims.iter().map(|c| c.bond).sum();
    eprintln!(
        "chain: game {game}: {} claims, CHALLENGER_WINS, {total} wei of bonds paid to the challenger",
        claims.len()
    );
}

/// Waits (at most `limit`, while `child` runs) for a line of the file `out` that starts with
/// `prefix`; that line.
fn wait_for_line(out: &Path, prefix: &str, child: &mut Proc, limit: Duration) -> String {
    let t = Instant::now();
    loop {
        let text = std::fs::read_to_string(out).unwrap_or_default();
        if let Some(l) = text.lines().find(|l| l.starts_with(prefix)) {
            return l.to_string();
        }
        if let Some(s) = child.0.try_wait().unwrap() {
            panic!("exited ({s}) before printing {prefix:?}:\n{text}");
        }
        assert!(
            t.elapsed() < limit,
            "no {prefix:?} line within {limit:?}:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `verdict devnet up --games` on `data`, its stdout and stderr into `<name>.out` and
/// `<name>.err` beside it.
fn devnet_up_with_games(data: &Path, elf: &Path, name: &str) -> (Proc, PathBuf, PathBuf) {
    let dir = data.parent().unwrap();
    let (out, err) = (
        dir.join(format!("{name}.out")),
        dir.join(format!("{name}.err")),
    );
    let proc = Proc(
        Command::new(EXE)
            .args(["devnet", "up", "--data-dir"])
            .arg(data)
            .arg("--games")
            .arg("--asterisc-prestate")
            .arg(elf)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(std::fs::File::create(&err).unwrap())
            .spawn()
            .unwrap(),
    );
    (proc, out, err)
}

/// `devnet up --games` with honest proposals: when the challenger dies, the devnet stops, naming
/// it and its log, and leaves nothing running; started again on the same data directory it
/// reuses the deployment (no second deployment) and starts both children again; SIGTERM stops
/// it all cleanly.
#[test]
fn devnet_up_with_games_stops_when_a_child_dies_and_reuses_its_deployment() {
    let Some((elf, _one_at_a_time)) = games_test() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("games");
    let started = Instant::now();

    let (mut up, out, err) = devnet_up_with_games(&data, &elf, "first");
    wait_for_line(
        &out,
        "games: deployed (factory ",
        &mut up,
        Duration::from_secs(300),
    );
    let line = wait_for_line(
        &out,
        "games: challenger (pid ",
        &mut up,
        Duration::from_secs(60),
    );
    wait_for_line(
        &out,
        "games: proposer (pid ",
        &mut up,
        Duration::from_secs(60),
    );
    let pid: i32 = line["games: challenger (pid ".len()..]
        .split(',')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // SAFETY: killing the challenger the devnet started for this test.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
    let status = wait(&mut up, Duration::from_secs(90));
    let stderr = std::fs::read_to_string(&err).unwrap();
    assert!(!status.success(), "devnet up ran on without its challenger");
    assert!(
        stderr.contains("the challenger exited") && stderr.contains("challenger.log"),
        "devnet up's error: {stderr}"
    );
    let left = left_running(&data);
    assert!(left.is_empty(), "left running: {left:?}");
    let deployment = std::fs::read(data.join("games/deployment.json")).unwrap();

    let (mut up, out, _) = devnet_up_with_games(&data, &elf, "second");
    wait_for_line(
        &out,
        "games: the deployment of ",
        &mut up,
        Duration::from_secs(300),
    );
    wait_for_line(
        &out,
        "games: challenger (pid ",
        &mut up,
        Duration::from_secs(60),
    );
    wait_for_line(
        &out,
        "games: proposer (pid ",
        &mut up,
        Duration::from_secs(60),
    );
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        !text.contains("games: deploying"),
        "deployed again:\n{text}"
    );
    assert_eq!(
        std::fs::read(data.join("games/deployment.json")).unwrap(),
        deployment,
        "the deployment file changed"
    );
    // SAFETY: signalling a process we started.
    unsafe {
        libc::kill(up.0.id() as i32, libc::SIGTERM);
    }
    let status = wait(&mut up, Duration::from_secs(90));
    assert!(status.success(), "devnet up stopped with {status}");
    let left = left_running(&data);
    assert!(left.is_empty(), "left running: {left:?}");
    eprintln!("test done in {:.1?}", started.elapsed());
}
