//! `verdict deploy-games`, `verdict proposer --wrong` and `verdict challenger` as processes on the
//! local chain (anvil + verdict's L2 node, as crates/onchain's tests build it): the game contracts
//! deployed from the command line, a wrong output root proposed, its liar (the library's test
//! liar) defending it; the challenger process plays, is killed with SIGKILL mid-game, is started
//! again on its datadir, resumes and wins with a step verified onchain; after the clocks it
//! resolves the game (CHALLENGER_WINS); SIGTERM stops it with exit code 0.
//!
//! Needs anvil (scripts/install-deps.sh) and the claim guest (scripts/build-guests.sh); with
//! `CI=true` a missing one fails the test.

use alloy_primitives::{Address, B256};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use verdict_contracts::bindings::IFaultDisputeGame;
use verdict_onchain::deploy::Deployment;
use verdict_onchain::l1::L1;
use verdict_onchain::testing::*;
use verdict_onchain::traces::RollupOutputs;

const EXE: &str = env!("CARGO_BIN_EXE_verdict");

/// A child process killed when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn hex_key(k: B256) -> String {
    format!("{k}")
}

fn start_challenger(args: &[String], log: &Path) -> Proc {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    Proc(
        Command::new(EXE)
            .arg("challenger")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap(),
    )
}

#[test]
fn the_challenger_process_is_killed_mid_game_resumes_and_wins() {
    let Some(bin) = verdict_node::testing::anvil_binary() else {
        return;
    };
    let Some(elf) = claim_elf() else { return };
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let mut chain = Chain::build(&bin, dir.path(), 8);

    // The contracts, from the command line.
    account(&chain.anvil, "deployer");
    let out = dir.path().join("deployment.json");
    let status = Command::new(EXE)
        .args(["deploy-games", "--l1-eth-rpc", &chain.anvil.url])
        .args(["--private-key", &hex_key(account_key("deployer"))])
        .args([
            "--rollup-rpc",
            &chain.node_url,
            "--anchor-block",
            &ANCHOR.to_string(),
        ])
        .arg("--asterisc-prestate")
        .arg(&elf)
        .args(["--split-depth", &SPLIT.to_string()])
        .args(["--max-game-depth", &(SPLIT + 1 + EXEC_DEPTH).to_string()])
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let d: Deployment = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let factory = format!("{}", d.factory);

    // A wrong proposal at the safe head (capped at what a game of split depth 2 can bisect:
    // block 6) once the node's safe chain is there.
    let outputs = RollupOutputs::new(&chain.node_url, client()).unwrap();
    let t = Instant::now();
    while outputs.safe_head().unwrap() < ANCHOR + 4 {
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "the safe head stays behind"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    account(&chain.anvil, "liar");
    let o = Command::new(EXE)
        .args(["proposer", "--l1-eth-rpc", &chain.anvil.url])
        .args([
            "--rollup-rpc",
            &chain.node_url,
            "--game-factory-address",
            &factory,
        ])
        .args([
            "--private-key",
            &hex_key(account_key("liar")),
            "--wrong",
            "--once",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let game: Address = String::from_utf8_lossy(&o.stdout)
        .lines()
        .last()
        .unwrap()
        .trim()
        .parse()
        .unwrap();

    // A bad flag is refused with a clear error.
    let o = Command::new(EXE)
        .args([
            "challenger",
            "--trace-type",
            "cannon",
            "--l1-eth-rpc",
            &chain.anvil.url,
        ])
        .args([
            "--rollup-rpc",
            &chain.node_url,
            "--game-factory-address",
            &factory,
        ])
        .args(["--private-key", &hex_key(account_key("challenger"))])
        .args([
            "--datadir",
            "/nonexistent",
            "--asterisc-prestate",
            "/nonexistent",
        ])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--trace-type cannon"));

    // The challenger process, and the liar.
    account(&chain.anvil, "challenger");
    let datadir = dir.path().join("challenger");
    let log = dir.path().join("challenger.log");
    let args: Vec<String> = [
        "--l1-eth-rpc",
        &chain.anvil.url,
        "--rollup-rpc",
        &chain.node_url,
        "--game-factory-address",
        &factory,
        "--private-key",
        &hex_key(account_key("challenger")),
        "--datadir",
        datadir.to_str().unwrap(),
        "--asterisc-prestate",
        elf.to_str().unwrap(),
        "--asterisc-snapshot-freq",
        "1048576",
        "--poll-interval",
        "200ms",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut challenger = start_challenger(&args, &log);
    let me = address_of(account_key("challenger"));
    let initial = verdict_onchain::traces::load_prestate(&elf).unwrap();
    let mut liar = Liar::new(&chain, initial, "liar", ANCHOR + 2, ANCHOR + 4);
    let watcher = L1::new(&chain.anvil.url, account_key("liar"), client()).unwrap();
    let dump = || String::from_utf8_lossy(&std::fs::read(&log).unwrap_or_default()).into_owned();
    let mut killed = false;
    let t = Instant::now();
    loop {
        assert!(
            t.elapsed() < Duration::from_secs(300),
            "no step after 300 s; challenger log:\n{}",
            dump()
        );
        liar.tick(game);
        let g = verdict_onchain::load::load(&watcher, game).unwrap();
        let n = g.game.claims().len();
        if !killed && n >= 12 {
            // SIGKILL mid-game, then the same command again.
            challenger.0.kill().unwrap();
            challenger.0.wait().unwrap();
            challenger = start_challenger(&args, &log);
            killed = true;
            eprintln!("killed and restarted the challenger at {n} claims");
        }
        if g.countered.contains(&me) {
            break;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    let g = verdict_onchain::load::load(&watcher, game).unwrap();
    let leaf = g.countered.iter().position(|c| *c == me).unwrap();
    assert_eq!(
        g.game.claims()[leaf].position.depth(),
        SPLIT + 1 + EXEC_DEPTH,
        "a step at the leaves"
    );
    eprintln!("stepped after {:.1?}", t.elapsed());

    // After the clocks the challenger resolves the game for itself.
    chain.stop_node();
    let max_clock = verdict_onchain::deploy::real_params([0; 32], 0, [0; 32], 0).max_clock_duration;
    time_travel(&chain.anvil, max_clock + 1);
    let t = Instant::now();
    loop {
        let status: u8 = watcher
            .view(game, IFaultDisputeGame::statusCall {})
            .unwrap();
        if status == 1 {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "not resolved; log:\n{}",
            dump()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // SIGTERM: exit 0.
    // SAFETY: a plain kill(2) of our own child.
    unsafe {
        libc::kill(challenger.0.id() as i32, libc::SIGTERM);
    }
    let t = Instant::now();
    let code = loop {
        if let Some(s) = challenger.0.try_wait().unwrap() {
            break s;
        }
        assert!(t.elapsed() < Duration::from_secs(20), "SIGTERM ignored");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(code.success(), "{code:?}");
    let text = dump();
    assert_eq!(
        text.matches("new game at index 0").count(),
        1,
        "resumed, not rescanned:\n{text}"
    );
    let progress: serde_json::Value =
        serde_json::from_slice(&std::fs::read(datadir.join("progress.json")).unwrap()).unwrap();
    assert_eq!(progress["next_index"], 1);
    eprintln!("test done in {:.1?}", started.elapsed());
}
