//! `verdict devnet up` as a user runs it: anvil, the contracts, the L2 node (`verdict node`, and
//! the test stand-in `verdict devnet stand-in-node` for a chain the programs do not know), the
//! batcher (calldata and blobs), the proposer and the follower, whose every block must be the
//! node's; SIGTERM stops it all cleanly, and a second start on the same data directory resumes
//! (anvil's state with its blobs and its L1 time, the batcher's channel count, the node's chain)
//! and derives past where the first run stopped. With `verdict node` the chain is the
//! `verdict-devnet` chain compiled into the fault proof program, and `verdict devnet claim` has
//! the program judge its output roots in the VM: VALID, INVALID for a wrong root, and the same
//! again from the host's store alone once the chain is stopped.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const STAND_IN: &str = "{exe} devnet stand-in-node --devnet-file {data}/devnet.json --l1-rpc {l1} --rpc-addr {rpc_addr}";

struct Run {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Run {
    /// `devnet up` with the stand-in node.
    fn start(data: &std::path::Path) -> Run {
        Run::start_with(data, &["--l2-chain-id", "7770901", "--node-cmd", STAND_IN])
    }

    fn start_with(data: &std::path::Path, args: &[&str]) -> Run {
        let mut child = Command::new(env!("CARGO_BIN_EXE_verdict"))
            .args(["devnet", "up", "--data-dir"])
            .arg(data)
            .args(["--l1-block-time", "2"])
            .args(["--batch-interval", "2", "--output-interval", "4"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("verdict starts");
        let out = child.stdout.take().expect("piped");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        Run {
            child,
            lines,
            seen: vec![],
        }
    }

    /// Reads output until `done` holds for what was seen (panics after `limit`).
    fn until(&mut self, limit: Duration, done: impl Fn(&[String]) -> bool) {
        let deadline = Instant::now() + limit;
        while !done(&self.seen) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) => {
                    assert!(
                        !l.contains("!= ") && !l.contains("differ"),
                        "a derived block is not the node's: {l}"
                    );
                    self.seen.push(l);
                }
                Err(_) => {
                    let _ = self.child.kill();
                    panic!(
                        "not done within {limit:?}; output:\n{}",
                        self.seen.join("\n")
                    );
                }
            }
        }
    }

    /// SIGTERM, then the exit status must be success within 60 s.
    fn stop(mut self) -> Vec<String> {
        // SAFETY: signalling the child we started.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(s) = self.child.try_wait().expect("wait") {
                assert!(s.success(), "verdict devnet up exited with {s}");
                break;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("verdict devnet up did not stop on SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        while let Ok(l) = self.lines.recv_timeout(Duration::from_secs(1)) {
            self.seen.push(l);
        }
        self.seen
    }
}

fn followed(seen: &[String]) -> u64 {
    seen.iter()
        .filter_map(|l| l.strip_prefix("follower: L2 block "))
        .filter_map(|l| l.split(' ').next()?.parse().ok())
        .max()
        .unwrap_or(0)
}

fn url_of(seen: &[String], prefix: &str) -> String {
    let l = seen
        .iter()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no `{prefix}` line"));
    let start = l.find("http://").expect("a URL");
    l[start..]
        .split([' ', ')'])
        .next()
        .expect("a URL")
        .to_string()
}

fn refused(url: &str) -> bool {
    let addr = url.trim_start_matches("http://");
    std::net::TcpStream::connect_timeout(&addr.parse().expect("an address"), Duration::from_secs(1))
        .is_err()
}

#[test]
fn devnet_up_runs_the_chain_stops_cleanly_and_resumes() {
    if verdict_l1::anvil::require_for_test("devnet_up_runs_the_chain_stops_cleanly_and_resumes")
        .is_none()
    {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("devnet");
    let started = Instant::now();
    let mut run = Run::start(&data);
    // Blocks derived from calldata and from blobs, block for block the node's, and output roots.
    run.until(Duration::from_secs(180), |s| {
        followed(s) >= 8
            && s.iter()
                .any(|l| l.starts_with("batcher:") && l.contains(", blobs,"))
            && s.iter()
                .any(|l| l.starts_with("batcher:") && l.contains(", calldata,"))
            && s.iter().any(|l| l.starts_with("proposer: L2 block"))
    });
    let first_time = started.elapsed();
    let seen = run.stop();
    let (l1, l2) = (url_of(&seen, "L1 (anvil"), url_of(&seen, "L2 node:"));
    assert!(refused(&l1), "anvil still listens at {l1}");
    assert!(refused(&l2), "the L2 node still listens at {l2}");
    assert!(!data.join("endpoints.json").exists());
    let first = followed(&seen);
    let channels = seen
        .iter()
        .filter(|l| l.starts_with("batcher: channel"))
        .count();
    let outputs = std::fs::read_to_string(data.join("proposer/outputs.jsonl")).unwrap();
    assert!(!outputs.is_empty());

    // The same data directory: the chain resumes where it was.
    let mut run = Run::start(&data);
    run.until(Duration::from_secs(180), |s| followed(s) > first + 2);
    let seen = run.stop();
    let next_channel = format!("batcher: channel {channels} ");
    assert!(
        seen.iter().any(|l| l.starts_with(&next_channel)),
        "the batcher resumes at channel {channels}"
    );
    assert!(seen.iter().all(|l| !l.starts_with("batcher: channel 0 ")));
    eprintln!(
        "devnet up: {first} blocks followed in {:.1} s, then resumed to {}",
        first_time.as_secs_f64(),
        followed(&seen)
    );
}

/// `verdict devnet claim` on `data` with `args`: its exit code and output.
fn claim(data: &std::path::Path, args: &[&str]) -> (i32, String) {
    let elf = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../guests/build/claim.elf");
    let out = Command::new(env!("CARGO_BIN_EXE_verdict"))
        .args(["devnet", "claim", "--data-dir"])
        .arg(data)
        .arg("--elf")
        .arg(&elf)
        .args(args)
        .output()
        .expect("verdict runs");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    eprintln!(
        "devnet claim {args:?}:\n{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn devnet_up_with_our_node_runs_the_compiled_in_chain_and_the_program_judges_it() {
    let test = "devnet_up_with_our_node_runs_the_compiled_in_chain_and_the_program_judges_it";
    if verdict_l1::anvil::require_for_test(test).is_none() {
        return;
    }
    let elf = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../guests/build/claim.elf");
    if !elf.exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{} is missing: run scripts/build-guests.sh",
            elf.display()
        );
        eprintln!("{test}: skipped: {} is missing", elf.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("devnet");
    let mut run = Run::start_with(&data, &[]);
    run.until(Duration::from_secs(240), |s| {
        followed(s) >= 8
            && s.iter()
                .any(|l| l.starts_with("batcher:") && l.contains(", blobs,"))
            && s.iter()
                .any(|l| l.starts_with("batcher:") && l.contains(", calldata,"))
            && s.iter().any(|l| l.starts_with("proposer: L2 block 8 "))
    });
    // The chain is the one compiled into the program, byte for byte.
    let compiled = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../chains/configs/verdict-devnet.json");
    assert_eq!(
        std::fs::read(data.join("rollup.json")).unwrap(),
        std::fs::read(compiled).unwrap(),
        "devnet up's rollup.json is not the compiled-in verdict-devnet config"
    );
    let (code, out) = claim(&data, &["--block", "8"]);
    assert_eq!(code, 0, "the proposer's output root: {out}");
    assert!(out.contains("verdict: VALID"));
    let (code, out) = claim(&data, &["--block", "8", "--wrong"]);
    assert_eq!(code, 1, "a wrong output root: {out}");
    assert!(out.contains("verdict: INVALID"));
    // A second devnet on the same data directory is refused, and the first runs on.
    let second = Command::new(env!("CARGO_BIN_EXE_verdict"))
        .args(["devnet", "up", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(!second.status.success());
    assert!(
        String::from_utf8_lossy(&second.stderr).contains("is in use by another verdict devnet"),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    let now = followed(&run.seen);
    run.until(Duration::from_secs(60), |s| followed(s) > now);
    let seen = run.stop();
    let (l1, l2) = (url_of(&seen, "L1 (anvil"), url_of(&seen, "L2 node:"));
    assert!(refused(&l1) && refused(&l2), "the chain still listens");
    // The chain stopped: the store alone.
    let (code, out) = claim(&data, &["--block", "8", "--offline"]);
    assert_eq!(code, 0, "offline, the proposer's output root: {out}");
    let (code, _) = claim(&data, &["--block", "8", "--wrong", "--offline"]);
    assert_eq!(code, 1, "offline, a wrong output root");
    // And the chain resumes where it was, L1 time continuing from its last block.
    let first = followed(&seen);
    let mut run = Run::start_with(&data, &[]);
    run.until(Duration::from_secs(180), |s| followed(s) > first + 2);
    run.stop();
}

#[test]
fn devnet_up_survives_its_l1_killed() {
    if verdict_l1::anvil::require_for_test("devnet_up_survives_its_l1_killed").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("devnet");
    let mut run = Run::start_with(&data, &[]);
    run.until(Duration::from_secs(240), |s| followed(s) >= 10);
    // kill -9 anvil: its state on disk is up to 5 s old, so L1 loses its last blocks (batches,
    // perhaps L1 origins of the node's blocks).
    let state = data.join("l1").join("anvil-state.json");
    let killed = Command::new("pkill")
        .args(["-9", "-f"])
        .arg(state.display().to_string())
        .status()
        .unwrap();
    assert!(killed.success(), "no anvil to kill");
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = run.child.try_wait().unwrap() {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "devnet up runs on without its L1"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(!status.success());
    let first = followed(&run.seen);
    // Started again, it goes on past where it was: the node rewinds blocks whose L1 origin was
    // lost, the batcher posts again what L1 lost, and the follower derives it all.
    let mut run = Run::start_with(&data, &[]);
    run.until(Duration::from_secs(240), |s| followed(s) > first + 6);
    run.stop();
}
