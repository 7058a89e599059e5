//! The node on the devnet L1 half's chain (`--devnet-file`): it reads `devnet.json` as the L1
//! half writes it, writes `genesis.json` beside it in the shape the L1 half reads, waits for the
//! L1 half's `rollup.json` and builds on it; a `rollup.json` naming another genesis is refused.

use alloy_primitives::B256;
use serde::Deserialize;
use serde_json::{json, Value};
use std::path::Path;
use std::time::{Duration, Instant};
use verdict_node::node::ChainSpec;
use verdict_node::testing::{self, Anvil};
use verdict_node::{Node, NodeConfig};
use verdict_rpc::{Client, ClientConfig};

/// `genesis.json` as the L1 half reads it (crates/l1 `rollup::L2Genesis` on branch devnet-l1).
#[derive(Deserialize)]
struct L2Genesis {
    hash: B256,
    number: u64,
    timestamp: u64,
}

const FORKS: [&str; 8] = [
    "regolith", "canyon", "delta", "ecotone", "fjord", "granite", "holocene", "isthmus",
];

fn devnet_json(genesis_l1: (u64, B256, u64)) -> Value {
    json!({
        "params": {
            "l2_chain_id": 901, "l2_block_time": 2,
            "forks": FORKS.iter().map(|f| json!([f, 0])).collect::<Vec<_>>(),
            "max_sequencer_drift": 600, "seq_window_size": 3600, "channel_timeout": 300,
            "granite_channel_timeout": 50, "eip1559_elasticity": 6, "eip1559_denominator": 50,
            "eip1559_denominator_canyon": 250
        },
        "deployment": {
            "l1_chain_id": 900,
            "deposit_contract_address": "0x5fbdb2315678afecb367f032d93f642f64180aa3",
            "l1_system_config_address": "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512",
            "batch_inbox_address": "0xff00000000000000000000000000000000000901",
            "genesis_l1": {"number": genesis_l1.0, "hash": genesis_l1.1, "timestamp": genesis_l1.2},
            "owner": "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
            "batcher": "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
            "proposer": "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
            "unsafe_block_signer": "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
            "gas_limit": 45_000_000u64, "base_fee_scalar": 1368, "blob_base_fee_scalar": 810949
        }
    })
}

/// `rollup.json` as the L1 half writes it from the two files.
fn rollup_json(d: &Value, g: &L2Genesis) -> Value {
    let dep = &d["deployment"];
    let mut v = json!({
        "genesis": {
            "l1": {"hash": dep["genesis_l1"]["hash"], "number": dep["genesis_l1"]["number"]},
            "l2": {"hash": g.hash, "number": g.number},
            "l2_time": g.timestamp,
            "system_config": {
                "batcherAddr": dep["batcher"],
                "overhead": B256::ZERO,
                "scalar": "0x010000000000000000000000000000000000000000000000000c5fc500000558",
                "gasLimit": dep["gas_limit"],
            }
        },
        "block_time": 2, "max_sequencer_drift": 600, "seq_window_size": 3600,
        "channel_timeout": 300, "granite_channel_timeout": 50,
        "l1_chain_id": 900, "l2_chain_id": 901,
        "batch_inbox_address": dep["batch_inbox_address"],
        "deposit_contract_address": dep["deposit_contract_address"],
        "l1_system_config_address": dep["l1_system_config_address"],
        "chain_op_config": {"eip1559Elasticity": 6, "eip1559Denominator": 50, "eip1559DenominatorCanyon": 250}
    });
    for f in FORKS {
        v[format!("{f}_time")] = json!(0);
    }
    v
}

fn write(path: &Path, v: &Value) {
    std::fs::write(path, serde_json::to_vec_pretty(v).unwrap()).unwrap();
}

fn config(dir: &Path, l1: &str) -> NodeConfig {
    let mut c = NodeConfig::new(dir.join("l2"), l1);
    c.lead = 10;
    c.poll = Duration::from_millis(50);
    c.chain = ChainSpec::DevnetFile {
        path: dir.join("devnet.json"),
        wait: Duration::from_secs(30),
    };
    c
}

/// Plays the L1 half: waits for genesis.json, writes rollup.json (`tamper` changes it first).
fn l1_half(dir: &Path, devnet: &Value, tamper: impl Fn(&mut Value)) -> L2Genesis {
    let start = Instant::now();
    let path = dir.join("genesis.json");
    while !path.exists() {
        assert!(start.elapsed() < Duration::from_secs(30), "no genesis.json");
        std::thread::sleep(Duration::from_millis(20));
    }
    let g: L2Genesis = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let mut r = rollup_json(devnet, &g);
    tamper(&mut r);
    write(&dir.join("rollup.json"), &r);
    g
}

#[test]
fn the_node_builds_on_the_l1_halfs_files() {
    let Some(bin) = testing::anvil_binary() else {
        return;
    };
    let anvil = Anvil::start(&bin, &[]);
    let eth = anvil.eth();
    testing::mine(&eth, 2);
    let (h, hash) = eth.header_by_number(2).unwrap().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let devnet = devnet_json((2, hash, h.timestamp));
    write(&dir.path().join("devnet.json"), &devnet);

    let cfg = config(dir.path(), &anvil.url);
    let starting = std::thread::spawn(move || Node::start(cfg));
    let g = l1_half(dir.path(), &devnet, |_| {});
    let node = starting.join().unwrap().unwrap();
    assert_eq!((g.number, g.timestamp), (0, h.timestamp));
    node.wait_for_block(3, Duration::from_secs(30)).unwrap();
    let c = Client::new(
        &node.url(),
        ClientConfig {
            timeout: Duration::from_secs(10),
            retries: 0,
            backoff: Duration::from_millis(10),
        },
    )
    .unwrap();
    let b0: Value = c
        .call("eth_getBlockByNumber", json!(["0x0", false]))
        .unwrap();
    assert_eq!(b0["hash"], json!(g.hash));
    assert_eq!(b0["gasLimit"], json!("0x2aea540"));
    let b1: Value = c
        .call("eth_getBlockByNumber", json!(["0x1", false]))
        .unwrap();
    assert_eq!(b1["timestamp"], json!(format!("{:#x}", h.timestamp + 2)));
    let served: Value = c.call("optimism_rollupConfig", json!([])).unwrap();
    let written: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("rollup.json")).unwrap()).unwrap();
    assert_eq!(served, written);
    drop(node);

    // Another chain's rollup.json is refused, naming both.
    let other = tempfile::tempdir().unwrap();
    write(&other.path().join("devnet.json"), &devnet);
    let cfg = config(other.path(), &anvil.url);
    let starting = std::thread::spawn(move || Node::start(cfg));
    l1_half(other.path(), &devnet, |r| {
        r["genesis"]["l2"]["hash"] = json!(B256::repeat_byte(9))
    });
    let err = starting.join().unwrap().err().expect("refused").to_string();
    assert!(
        err.contains("rollup.json") && err.contains("devnet.json"),
        "{err}"
    );
}
