//! For tests and local tooling: an anvil L1 started on a loopback port and killed when dropped,
//! signed L1 transactions, a stand-in deposit contract that emits the `TransactionDeposited`
//! logs it is given, and a minimal batcher (singular batches, one zlib channel per call, as
//! calldata or as a blob). The local chain's real L1 contracts and batcher are another part's
//! (the devnet's L1 half); these are only what this crate's tests need to drive the node.

use crate::devnet;
use crate::eth::EthClient;
use crate::store::NodeStore;
use crate::txgen::sign_1559;
use alloy_consensus::{
    SignableTransaction, TxEip1559, TxEip4844, TxEip4844WithSidecar, TxEnvelope,
};
use alloy_eips::eip2718::Encodable2718;
use alloy_eips::eip4844::BlobTransactionSidecar;
use alloy_eips::eip7594::BlobTransactionSidecarVariant;
use alloy_primitives::{Address, Bytes, Signature, TxKind, B256, U256};
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use verdict_derive::batch::SingleBatch;
use verdict_derive::compression::Compression;
use verdict_derive::deposits::{encode_deposit_log_data, DEPOSIT_EVENT_TOPIC};
use verdict_derive::encode::{self, SigningKey};
use verdict_rpc::ClientConfig;

/// A port on loopback nobody listens on (the OS picks it).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("binding a loopback port")
}

/// The anvil binary: `VERDICT_ANVIL`, or `anvil` on the PATH (npm `@foundry-rs/anvil`, installed by
/// scripts/install-deps.sh). The npm package's `anvil` is a node script that starts the platform
/// binary as a child, which a test could not stop by stopping the script: the platform binary is
/// returned instead. `None` if there is none; with `CI=true` that is a failure.
pub fn anvil_binary() -> Option<String> {
    let bin = std::env::var("VERDICT_ANVIL").unwrap_or_else(|_| "anvil".into());
    let bin = platform_anvil(&bin).unwrap_or(bin);
    let found = Command::new(&bin)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if found {
        return Some(bin);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true and anvil is not installed ({bin}): run scripts/install-deps.sh");
    }
    eprintln!("skipping: anvil is not installed (scripts/install-deps.sh installs it)");
    None
}

/// The platform binary the npm wrapper `bin` (a name on the PATH or a path) would run, if `bin`
/// is that wrapper.
fn platform_anvil(bin: &str) -> Option<String> {
    let path = if bin.contains('/') {
        std::path::PathBuf::from(bin)
    } else {
        std::env::split_paths(&std::env::var_os("PATH")?)
            .map(|d| d.join(bin))
            .find(|p| p.is_file())?
    };
    let real = std::fs::canonicalize(path).ok()?;
    let head = std::fs::read(&real).ok()?;
    if !head.starts_with(b"#!") {
        return None;
    }
    let dir = real.parent()?;
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        a => a,
    };
    let name = format!("@foundry-rs/anvil-linux-{arch}/bin/anvil");
    [
        dir.join("node_modules").join(&name),
        dir.join("../..").join(&name),
    ]
    .into_iter()
    .find(|p| p.is_file())
    .map(|p| p.to_string_lossy().into_owned())
}

/// An anvil L1 on a loopback port, killed when dropped (also on a panic).
pub struct Anvil {
    child: Child,
    /// Its JSON-RPC (and beacon API) URL.
    pub url: String,
}

impl Anvil {
    /// Starts anvil with the local chain's flags ([`devnet::ANVIL_ARGS`]) and `extra` ones, and
    /// waits until it answers.
    pub fn start(bin: &str, extra: &[&str]) -> Anvil {
        let port = free_port();
        use std::os::unix::process::CommandExt;
        let child = Command::new(bin)
            .process_group(0)
            .arg("--port")
            .arg(port.to_string())
            .args(devnet::ANVIL_ARGS)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting anvil");
        let anvil = Anvil {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let eth = anvil.eth();
        let start = Instant::now();
        while eth.block_number().is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "anvil did not start on {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        anvil
    }

    /// A client of it (no retries; a minute per call: a blob transaction on a busy machine is slow).
    pub fn eth(&self) -> EthClient {
        EthClient::new(
            &self.url,
            ClientConfig {
                timeout: Duration::from_secs(60),
                retries: 0,
                backoff: Duration::from_millis(50),
            },
        )
        .expect("an http URL")
    }

    /// Stops it now.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A signing key from its bytes.
pub fn key(k: B256) -> SigningKey {
    SigningKey::from_slice(k.as_slice()).expect("a valid key")
}

fn call(eth: &EthClient, method: &str, params: Value) -> Value {
    eth.rpc()
        .call(method, params)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The pending nonce of `who` on L1.
pub fn nonce(eth: &EthClient, who: Address) -> u64 {
    let v = call(
        eth,
        "eth_getTransactionCount",
        json!([who.to_string(), "pending"]),
    );
    u64::from_str_radix(v.as_str().expect("a quantity").trim_start_matches("0x"), 16)
        .expect("a quantity")
}

/// Sends a raw transaction and waits for its receipt (anvil mines it); returns the receipt.
pub fn send_raw(eth: &EthClient, raw: &[u8]) -> Value {
    let hash = call(
        eth,
        "eth_sendRawTransaction",
        json!([Bytes::copy_from_slice(raw).to_string()]),
    );
    let start = Instant::now();
    loop {
        let r = call(eth, "eth_getTransactionReceipt", json!([hash]));
        if !r.is_null() {
            assert_eq!(r["status"], "0x1", "L1 transaction {hash} failed: {r}");
            return r;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "L1 transaction {hash} not mined"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sends an L1 transaction from `k` to `to` (`None`: a creation).
pub fn send(eth: &EthClient, k: B256, to: Option<Address>, value: U256, input: Vec<u8>) -> Value {
    let sk = key(k);
    let from = encode::key_address(&sk);
    let tx = TxEip1559 {
        chain_id: devnet::L1_CHAIN_ID,
        nonce: nonce(eth, from),
        gas_limit: 3_000_000,
        max_fee_per_gas: 100_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: to.map_or(TxKind::Create, TxKind::Call),
        value,
        access_list: Default::default(),
        input: input.into(),
    };
    send_raw(eth, &sign_1559(&sk, tx))
}

/// The stand-in deposit contract's runtime: `LOG4(data = calldata[128..], topics =
/// calldata[0..128])`.
pub const LOG_EMITTER: [u8; 26] = [
    0x60, 0x60, 0x35, 0x60, 0x40, 0x35, 0x60, 0x20, 0x35, 0x60, 0x00, 0x35, 0x36, 0x60, 0x80, 0x90,
    0x03, 0x80, 0x60, 0x80, 0x60, 0x00, 0x37, 0x60, 0x00, 0xa4,
];

/// Deploys the stand-in deposit contract as account 0's first contract (the local chain's
/// deposit contract address); `anvil` must be fresh.
pub fn deploy_deposit_contract(eth: &EthClient) {
    let mut runtime = LOG_EMITTER.to_vec();
    runtime.push(0x00);
    let len = runtime.len() as u8;
    let mut init = vec![
        0x60, len, 0x60, 12, 0x60, 0x00, 0x39, 0x60, len, 0x60, 0x00, 0xf3,
    ];
    init.extend_from_slice(&runtime);
    let r = send(eth, devnet::KEY_0, None, U256::ZERO, init);
    assert_eq!(
        r["contractAddress"].as_str().map(|s| s.to_lowercase()),
        Some(devnet::DEPOSIT_CONTRACT.to_string().to_lowercase()),
        "the deposit contract must be account 0's first contract: start from a fresh L1"
    );
}

/// Makes a deposit: a `TransactionDeposited` log from the deposit contract, as the portal emits
/// for `depositTransaction` from `from` (mint `mint`, sending `value` to `to` with `gas`).
/// Returns the L1 receipt.
pub fn deposit(
    eth: &EthClient,
    from: Address,
    to: Address,
    mint: u128,
    value: U256,
    gas: u64,
    data: &[u8],
) -> Value {
    let mut input = Vec::new();
    input.extend_from_slice(DEPOSIT_EVENT_TOPIC.as_slice());
    input.extend_from_slice(B256::left_padding_from(from.as_slice()).as_slice());
    input.extend_from_slice(B256::left_padding_from(to.as_slice()).as_slice());
    input.extend_from_slice(&[0u8; 32]);
    input.extend_from_slice(&encode_deposit_log_data(mint, value, gas, false, data));
    send(
        eth,
        devnet::KEY_0,
        Some(devnet::DEPOSIT_CONTRACT),
        U256::ZERO,
        input,
    )
}

/// How the test batcher posts a channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Post {
    /// As calldata to the inbox.
    Calldata,
    /// In one blob.
    Blob,
}

/// The singular batches of L2 blocks `from..=to` of `store`.
pub fn batches_from_store(store: &NodeStore, from: u64, to: u64) -> Vec<SingleBatch> {
    (from..=to)
        .map(|n| {
            let hash = store.hash_at(n).unwrap().expect("the block exists");
            let header = store.header(hash).unwrap().unwrap();
            let info = store.info(hash).unwrap().unwrap();
            let txs = store.transactions(hash).unwrap().unwrap();
            SingleBatch {
                parent_hash: header.parent_hash,
                epoch_num: info.l1_origin.number,
                epoch_hash: info.l1_origin.hash,
                timestamp: header.timestamp,
                transactions: txs
                    .into_iter()
                    .filter(|t| t.first() != Some(&0x7e))
                    .collect(),
            }
        })
        .collect()
}

/// The singular batches of L2 blocks `from..=to` read from an L2 node over JSON-RPC
/// (`optimism_outputAtBlock` for the L1 origin, the block's transactions checked against its
/// header).
pub fn batches_from_rpc(l2: &EthClient, from: u64, to: u64) -> Vec<SingleBatch> {
    (from..=to)
        .map(|n| {
            let (header, hash) = l2.header_by_number(n).unwrap().expect("the block exists");
            let (txs, _) = l2.l2_transactions(hash, &header).unwrap();
            let out = call(l2, "optimism_outputAtBlock", json!([format!("{n:#x}")]));
            let origin = &out["blockRef"]["l1origin"];
            SingleBatch {
                parent_hash: header.parent_hash,
                epoch_num: origin["number"].as_u64().expect("l1origin.number"),
                epoch_hash: origin["hash"]
                    .as_str()
                    .and_then(|h| h.parse().ok())
                    .expect("l1origin.hash"),
                timestamp: header.timestamp,
                transactions: txs
                    .into_iter()
                    .filter(|t| t.first() != Some(&0x7e))
                    .collect(),
            }
        })
        .collect()
}

/// Posts L2 blocks `from..=to` of `store` as singular batches in one channel (zlib), from the
/// batcher key to the inbox. Returns the L1 receipt.
pub fn post_batches(eth: &EthClient, store: &NodeStore, from: u64, to: u64, how: Post) -> Value {
    post(eth, &batches_from_store(store, from, to), how)
}

/// Posts `batches` in one channel (zlib), from the batcher key to the inbox. Returns the L1
/// receipt.
pub fn post(eth: &EthClient, batches: &[SingleBatch], how: Post) -> Value {
    let mut channel = Vec::new();
    for batch in batches {
        encode::push_single(&mut channel, batch);
    }
    let (from, to) = (
        batches.first().map_or(0, |b| b.timestamp),
        batches.last().map_or(0, |b| b.timestamp),
    );
    let data = encode::compress(&channel, Compression::Zlib);
    let mut id = [0u8; 16];
    id[..8].copy_from_slice(&from.to_be_bytes());
    id[8..].copy_from_slice(&to.to_be_bytes());
    let frames = encode::split_frames(id, &data, 100_000);
    let payload = encode::frames_payload(&frames);
    let sk = key(devnet::BATCHER_KEY);
    let n = nonce(eth, devnet::BATCHER);
    match how {
        Post::Calldata => {
            let tx = encode::calldata_tx(&sk, devnet::L1_CHAIN_ID, n, devnet::BATCH_INBOX, payload);
            send_raw(eth, &tx.encoded_2718())
        }
        Post::Blob => {
            let blob =
                verdict_derive::blob::encode_blob(&payload).expect("the channel fits a blob");
            let settings = c_kzg::ethereum_kzg_settings(0);
            let b = c_kzg::Blob::from_bytes(blob.as_slice()).expect("a blob");
            let commitment = settings.blob_to_kzg_commitment(&b).expect("kzg").to_bytes();
            let proof = settings
                .compute_blob_kzg_proof(&b, &commitment)
                .expect("kzg")
                .to_bytes();
            let c: [u8; 48] = *commitment;
            let tx = TxEip4844 {
                chain_id: devnet::L1_CHAIN_ID,
                nonce: n,
                gas_limit: 100_000,
                max_fee_per_gas: 100_000_000_000,
                max_priority_fee_per_gas: 1_000_000_000,
                to: devnet::BATCH_INBOX,
                value: U256::ZERO,
                access_list: Default::default(),
                blob_versioned_hashes: vec![verdict_derive::blob::versioned_hash(&c)],
                max_fee_per_blob_gas: 100_000_000_000,
                input: Bytes::new(),
            };
            let sidecar = BlobTransactionSidecar {
                blobs: vec![(*blob).into()],
                commitments: vec![c.into()],
                proofs: vec![(*proof).into()],
            };
            let hash = tx.signature_hash();
            let (sig, recid) = sk
                .sign_prehash_recoverable(hash.as_slice())
                .expect("signing a 32-byte hash");
            let sig = Signature::from_signature_and_parity(sig, recid.is_y_odd());
            let with = TxEip4844WithSidecar::from_tx_and_sidecar(
                tx,
                BlobTransactionSidecarVariant::Eip4844(sidecar),
            );
            let env = TxEnvelope::Eip4844(with.into_signed(sig).into());
            send_raw(eth, &env.encoded_2718())
        }
    }
}

/// Mines `n` empty L1 blocks.
pub fn mine(eth: &EthClient, n: u64) {
    for _ in 0..n {
        call(eth, "evm_mine", json!([]));
    }
}
