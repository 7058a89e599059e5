//! `verdict devnet up` as a user runs it, with the stand-in L2 node (`verdict devnet
//! stand-in-node`) until crates/node's `verdict node` is merged: anvil, the contracts, the node,
//! the batcher (calldata and blobs), the proposer and the follower, whose every block must be the
//! node's; SIGTERM stops it all cleanly, and a second start on the same data directory resumes
//! (anvil's state with its blobs, the batcher's channel count, the node's chain) and derives past
//! where the first run stopped.

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
    fn start(data: &std::path::Path) -> Run {
        let mut child = Command::new(env!("CARGO_BIN_EXE_verdict"))
            .args(["devnet", "up", "--data-dir"])
            .arg(data)
            .args(["--l2-chain-id", "7770001", "--l1-block-time", "2"])
            .args(["--batch-interval", "2", "--output-interval", "4"])
            .args(["--node-cmd", STAND_IN])
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
