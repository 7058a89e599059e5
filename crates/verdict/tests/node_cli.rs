//! The local chain from the command line: `verdict node` as a process against anvil (both on
//! loopback ports the test picks), stopped with SIGTERM and restarted on its data directory; its
//! blocks batched to anvil (calldata and a blob) by the node crate's test batcher, reading them
//! over JSON-RPC; then `verdict host --native` with kona-host's flags judges the claim over RPC
//! (VALID), and again with the node and anvil stopped, from its store alone (VALID, and INVALID
//! for a wrong root). With `guests/build/claim.elf` (scripts/build-guests.sh; with CI=true it is
//! required): the same in the VM, `verdict vm run -- verdict host --server` online, then offline.

mod common;

use alloy_primitives::B256;
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use verdict_node::eth::EthClient;
use verdict_node::testing::{self, Anvil, Post};
use verdict_rpc::{Client, ClientConfig};

const BIN: &str = env!("CARGO_BIN_EXE_verdict");

fn quick() -> ClientConfig {
    ClientConfig {
        timeout: Duration::from_secs(10),
        retries: 0,
        backoff: Duration::from_millis(20),
    }
}

/// `verdict node` on a port of its own, stopped (SIGTERM) when dropped.
struct NodeProcess {
    child: Child,
    url: String,
}

impl NodeProcess {
    fn start(dir: &Path, l1: &str) -> NodeProcess {
        let port = testing::free_port();
        let child = Command::new(BIN)
            .args(["node", "--data-dir"])
            .arg(dir)
            .args(["--l1-rpc", l1, "--rpc-addr", &format!("127.0.0.1:{port}")])
            .args(["--lead", "30", "--txgen"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let url = format!("http://127.0.0.1:{port}");
        let n = NodeProcess { child, url };
        let start = Instant::now();
        while n.head().is_none() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "verdict node did not answer"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        n
    }

    fn client(&self) -> Client {
        Client::new(&self.url, quick()).unwrap()
    }

    fn head(&self) -> Option<u64> {
        let v: Value = self.client().call("eth_blockNumber", json!([])).ok()?;
        u64::from_str_radix(v.as_str()?.trim_start_matches("0x"), 16).ok()
    }

    fn wait_for(&self, n: u64) {
        let start = Instant::now();
        while self.head().unwrap_or(0) < n {
            assert!(
                start.elapsed() < Duration::from_secs(90),
                "block {n} not built"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// SIGTERM, and the exit status.
    fn stop(mut self) -> std::process::ExitStatus {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let status = self.child.wait().unwrap();
        std::mem::forget(self);
        status
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn output_at(c: &Client, n: u64) -> (B256, B256) {
    let v: Value = c
        .call("optimism_outputAtBlock", json!([format!("{n:#x}")]))
        .unwrap();
    let h = |p: &str| {
        v.pointer(p)
            .and_then(Value::as_str)
            .unwrap()
            .parse()
            .unwrap()
    };
    (h("/outputRoot"), h("/blockRef/hash"))
}

fn host(args: &[String]) -> Output {
    Command::new(BIN).arg("host").args(args).output().unwrap()
}

#[test]
fn node_and_online_host_from_the_command_line() {
    let Some(bin) = testing::anvil_binary() else {
        return;
    };
    let mut anvil = Anvil::start(&bin, &[]);
    let eth = anvil.eth();
    testing::deploy_deposit_contract(&eth);
    let dir = tempfile::tempdir().unwrap();
    let node_dir = dir.path().join("node");
    let node = NodeProcess::start(&node_dir, &anvil.url);
    node.wait_for(6);
    // Stopped and restarted on its data directory: the same chain, and it goes on.
    let before = node.head().unwrap();
    let (_, hash_before) = output_at(&node.client(), before);
    let status = node.stop();
    assert!(
        status.success(),
        "verdict node exits cleanly on SIGTERM: {status}"
    );
    let node = NodeProcess::start(&node_dir, &anvil.url);
    assert!(node.head().unwrap() >= before);
    assert_eq!(output_at(&node.client(), before).1, hash_before);
    node.wait_for(12);

    let head = 12;
    let l2 = EthClient::new(&node.url, quick()).unwrap();
    testing::post(&eth, &testing::batches_from_rpc(&l2, 1, 6), Post::Calldata);
    testing::post(&eth, &testing::batches_from_rpc(&l2, 7, head), Post::Blob);
    testing::mine(&eth, 1);
    let (_, l1_head) = eth
        .header_by_number(eth.block_number().unwrap())
        .unwrap()
        .unwrap();
    let (agreed, _) = output_at(&node.client(), 3);
    let (claimed, _) = output_at(&node.client(), head);
    let store = dir.path().join("host");
    let boot = |root: B256| -> Vec<String> {
        [
            "--native",
            "--data-dir",
            store.to_str().unwrap(),
            "--l1-head",
            &l1_head.to_string(),
            "--agreed-l2-output-root",
            &agreed.to_string(),
            "--claimed-l2-output-root",
            &root.to_string(),
            "--claimed-l2-block-number",
            &head.to_string(),
            "--l2-chain-id",
            "901",
            "--rollup-config-path",
            node_dir.join("rollup.json").to_str().unwrap(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let online_flags: Vec<String> = [
        "--l1-node-address",
        &anvil.url,
        "--l1-beacon-address",
        &anvil.url,
        "--l2-node-address",
        &node.url,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // In the VM, the host fetching over RPC into its own store.
    let elf = common::needed(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../guests/build/claim.elf"),
        "run scripts/build-guests.sh",
    );
    let vm_store = dir.path().join("vm-host");
    let vm = |root: B256, online: bool| -> (i64, String) {
        let mut args: Vec<String> = ["vm", "run", "--input", "s.bin.gz", "--output", "out.json"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.extend(
            ["--", BIN, "host", "--server"]
                .iter()
                .map(|s| s.to_string()),
        );
        let mut b = boot(root);
        b.remove(0); // --native
        b[1] = vm_store.to_str().unwrap().to_string();
        args.extend(b);
        if online {
            args.extend(online_flags.iter().cloned());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = common::verdict(dir.path(), &args);
        common::ok(&out);
        let w = common::witness(dir.path(), "out.json");
        assert_eq!(w["exited"], true);
        (
            w["exitCode"].as_i64().unwrap(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    if let Some(elf) = &elf {
        common::load_guest(dir.path(), elf);
        let start = Instant::now();
        let (code, said) = vm(claimed, true);
        eprintln!("in the VM, online ({:.2?}): {said}", start.elapsed());
        assert_eq!(code, 0, "{said}");
        assert!(said.contains(": VALID"), "{said}");
    }
    let mut online = boot(claimed);
    online.extend(online_flags.iter().cloned());
    let start = Instant::now();
    let out = host(&online);
    let text = String::from_utf8_lossy(&out.stdout);
    eprintln!("online ({:.2?}): {text}", start.elapsed());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("VALID"), "{text}");

    // Offline: the chain stopped, the store alone.
    assert!(node.stop().success());
    anvil.kill();
    let out = host(&boot(claimed));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = host(&boot(B256::repeat_byte(0x77)));
    assert_eq!(
        out.status.code(),
        Some(1),
        "a wrong root is INVALID: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if elf.is_some() {
        let (code, said) = vm(claimed, false);
        assert_eq!(code, 0, "offline in the VM: {said}");
        let (code, said) = vm(B256::repeat_byte(0x77), false);
        assert_eq!(code, 1, "a wrong root in the VM: {said}");
        assert!(said.contains(": INVALID"), "{said}");
    }
    // A rollup config that is not the compiled-in one is refused.
    let other = dir.path().join("other.json");
    let mut cfg: Value =
        serde_json::from_slice(&std::fs::read(node_dir.join("rollup.json")).unwrap()).unwrap();
    cfg["block_time"] = json!(4);
    std::fs::write(&other, cfg.to_string()).unwrap();
    let mut args = boot(claimed);
    let n = args.len();
    args[n - 1] = other.to_str().unwrap().to_string();
    let out = host(&args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("compiled into the program"),
        "{err}"
    );
}
