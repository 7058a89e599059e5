//! The running node: its store and genesis in the data directory, the sequencer loop, the
//! transaction pool, and the JSON-RPC server.

use crate::chain::{build, plan_next, L1Chain};
use crate::eth::EthClient;
use crate::genesis::{genesis, genesis_json, rollup_config_json};
use crate::store::{BlockInfo, NodeStore, StoredBlock};
use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::{keccak256, Bytes, B256};
use op_alloy_consensus::OpTxEnvelope;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use verdict_derive::config::RollupConfig;
use verdict_derive::L1BlockRef;
use verdict_rpc::{ClientConfig, Server};

/// How the node runs.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    /// The data directory (store, `genesis.json`, `rollup.json`).
    pub data_dir: PathBuf,
    /// The L1 node's JSON-RPC URL.
    pub l1_url: String,
    /// Where to serve JSON-RPC (`127.0.0.1:0`: a port the system picks).
    pub rpc_addr: String,
    /// How far ahead of the L1 clock the sequencer may build, in seconds (0: in step with L1
    /// time; tests use more to build many blocks quickly; at most the sequencer drift).
    pub lead: u64,
    /// How often L1 is polled.
    pub poll: Duration,
    /// Timeouts and retries of L1 calls.
    pub l1_client: ClientConfig,
    /// Run the transaction generator (transfers and contract calls every block).
    pub txgen: bool,
    /// Which chain.
    pub chain: ChainSpec,
    /// Follow L1 for the safe chain (derivation of the posted batches; `safe`), with blobs from
    /// this beacon API (`None`: the L1 URL, as anvil serves both).
    pub follow: bool,
    /// The beacon API's URL.
    pub beacon_url: Option<String>,
}

/// Which chain the node runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainSpec {
    /// The fixed local chain (`devnet`; its rollup config is compiled into the fault proof
    /// program as `verdict-devnet`): the node writes `genesis.json` and `rollup.json` into its data
    /// directory.
    Fixed,
    /// The devnet L1 half's chain: the genesis from `devnet.json` at `path`; the node writes
    /// `genesis.json` beside it and waits (at most `wait`) for the L1 half to write `rollup.json`
    /// there, whose genesis must be the node's.
    DevnetFile {
        /// `devnet.json`.
        path: PathBuf,
        /// How long to wait for `rollup.json`.
        wait: Duration,
    },
}

impl NodeConfig {
    /// Defaults for a data directory and L1 URL.
    pub fn new(data_dir: impl Into<PathBuf>, l1_url: impl Into<String>) -> Self {
        NodeConfig {
            data_dir: data_dir.into(),
            l1_url: l1_url.into(),
            rpc_addr: "127.0.0.1:0".into(),
            lead: 0,
            poll: Duration::from_millis(250),
            l1_client: ClientConfig {
                timeout: Duration::from_secs(10),
                retries: 3,
                backoff: Duration::from_millis(200),
            },
            txgen: false,
            chain: ChainSpec::Fixed,
            follow: true,
            beacon_url: None,
        }
    }
}

/// The genesis and the rollup config's text for `config`'s chain (writing `genesis.json`, and
/// waiting for `rollup.json` of a devnet file).
fn chain_of(config: &NodeConfig) -> Result<(crate::genesis::Genesis, Vec<u8>), NodeError> {
    let genesis_file = serde_json::to_vec_pretty;
    match &config.chain {
        ChainSpec::Fixed => {
            let g = genesis();
            let text = serde_json::to_vec_pretty(&rollup_config_json(g.hash))
                .map_err(|e| NodeError::Other(e.to_string()))?;
            write_atomic(
                &config.data_dir.join("genesis.json"),
                &genesis_file(&genesis_json(&g)).map_err(|e| NodeError::Other(e.to_string()))?,
            )?;
            Ok((g, text))
        }
        ChainSpec::DevnetFile { path, wait } => {
            let params =
                crate::devnet_file::read(path).map_err(|e| NodeError::Other(e.to_string()))?;
            let g = crate::genesis::genesis_with(&params);
            let dir = path.parent().unwrap_or(Path::new("."));
            let json =
                genesis_file(&genesis_json(&g)).map_err(|e| NodeError::Other(e.to_string()))?;
            write_atomic(&dir.join("genesis.json"), &json)?;
            write_atomic(&config.data_dir.join("genesis.json"), &json)?;
            let rollup = dir.join("rollup.json");
            let start = std::time::Instant::now();
            while !rollup.exists() {
                if start.elapsed() > *wait {
                    return Err(NodeError::File {
                        path: rollup,
                        message: format!(
                            "did not appear within {wait:?} (the devnet's L1 half writes it once genesis.json is there)"
                        ),
                    });
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let text = std::fs::read(&rollup).map_err(|e| NodeError::File {
                path: rollup.clone(),
                message: e.to_string(),
            })?;
            let cfg = verdict_derive::json::rollup_config_from_slice(&text).map_err(|e| {
                NodeError::File {
                    path: rollup.clone(),
                    message: e.to_string(),
                }
            })?;
            if cfg.genesis.l2.hash != g.hash || cfg.genesis.l2_time != g.header.timestamp {
                return Err(NodeError::File {
                    path: rollup,
                    message: format!(
                        "its L2 genesis is {} at time {}, but {} gives the node's genesis {} at time {}",
                        cfg.genesis.l2.hash,
                        cfg.genesis.l2_time,
                        path.display(),
                        g.hash,
                        g.header.timestamp
                    ),
                });
            }
            Ok((g, text))
        }
    }
}

/// Why the node could not start.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The store.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// A file of the data directory.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

/// Writes `bytes` to `path` atomically (verdict-fpvm's [`verdict_fpvm::files::replace_file`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), NodeError> {
    verdict_fpvm::files::replace_file(path, bytes).map_err(|e| NodeError::File {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// The node's shared state.
pub struct Inner {
    /// The store.
    pub store: NodeStore,
    /// The rollup config as derivation reads it.
    pub cfg: RollupConfig,
    /// The rollup config as execution reads it.
    pub exec_cfg: verdict_program::RollupConfig,
    /// The rollup config, op-node's JSON.
    pub rollup_json: Value,
    /// L1.
    pub l1: L1Chain,
    /// Pending transactions, in arrival order.
    pub pool: Mutex<Vec<Bytes>>,
    /// The latest L1 block seen.
    pub l1_head: Mutex<Option<L1BlockRef>>,
    /// The last error of the sequencer loop (cleared by a built block).
    pub last_error: Mutex<Option<String>>,
    /// Blocks built since the start.
    pub built: AtomicU64,
    /// The genesis hash.
    pub genesis_hash: B256,
    /// The safe head: the last block derivation gave back from L1 (`safe`).
    pub safe: Mutex<verdict_derive::L2BlockRef>,
    /// Why the safe head stopped, if it did.
    pub safe_error: Mutex<Option<String>>,
    stop: AtomicBool,
}

/// A running node; stopped when dropped.
pub struct Node {
    inner: Arc<Inner>,
    server: Option<Server>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Inner {
    /// Checks and queues a transaction; returns its hash.
    pub fn submit(&self, raw: Bytes) -> Result<B256, String> {
        let tx = OpTxEnvelope::decode_2718_exact(raw.as_ref())
            .map_err(|e| format!("transaction does not decode: {e}"))?;
        if tx.is_deposit() {
            return Err("deposit transactions come from L1 only".into());
        }
        if let Some(id) = alloy_consensus::Transaction::chain_id(&tx) {
            if id != self.cfg.l2_chain_id {
                return Err(format!("chain id {id}, not {}", self.cfg.l2_chain_id));
            }
        }
        use alloy_consensus::transaction::SignerRecoverable;
        tx.recover_signer()
            .map_err(|e| format!("invalid signature: {e}"))?;
        let hash = keccak256(&raw);
        let mut pool = self.pool.lock().expect("lock");
        if pool.len() >= 10_000 {
            return Err("the pool is full".into());
        }
        if !pool.iter().any(|t| keccak256(t) == hash) {
            pool.push(raw);
        }
        Ok(hash)
    }

    /// Whether the node is stopping.
    pub fn stopping(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Node {
    /// Opens the data directory (writing the genesis on first use) and starts the sequencer
    /// and the JSON-RPC server.
    pub fn start(config: NodeConfig) -> Result<Node, NodeError> {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| NodeError::File {
            path: config.data_dir.clone(),
            message: e.to_string(),
        })?;
        let (g, text) = chain_of(&config)?;
        let rollup_json: Value = serde_json::from_slice(&text)
            .map_err(|e| NodeError::Other(format!("the rollup config: {e}")))?;
        let cfg = verdict_derive::json::rollup_config_from_slice(&text)
            .map_err(|e| NodeError::Other(format!("the rollup config: {e}")))?;
        let exec_cfg = verdict_program::json::rollup_config_from_slice(&text)
            .map_err(|e| NodeError::Other(format!("the rollup config: {e}")))?;
        let store = NodeStore::open(&config.data_dir)?;
        match store.hash_at(0)? {
            None => {
                let block = StoredBlock {
                    header: g.header.clone(),
                    hash: g.hash,
                    transactions: vec![],
                    receipts: vec![],
                    info: BlockInfo {
                        l1_origin: cfg.genesis.l1,
                        sequence_number: 0,
                        message_passer_root: g.header.withdrawals_root.expect("Isthmus genesis"),
                    },
                };
                store.insert_block(&block, &g.nodes, &g.code)?;
            }
            Some(h) if h != g.hash => {
                return Err(NodeError::Other(format!(
                    "the data directory {} holds a chain with genesis {h}, not this node's {}",
                    config.data_dir.display(),
                    g.hash
                )))
            }
            Some(_) => {}
        }
        write_atomic(&config.data_dir.join("rollup.json"), &text)?;
        let eth = EthClient::new(&config.l1_url, config.l1_client).map_err(NodeError::Other)?;
        let genesis_ref = store
            .block_ref(g.hash)?
            .ok_or_else(|| NodeError::Other("the genesis block has no block info".into()))?;
        let inner = Arc::new(Inner {
            store,
            cfg,
            exec_cfg,
            rollup_json,
            l1: L1Chain::new(eth),
            pool: Mutex::new(Vec::new()),
            l1_head: Mutex::new(None),
            last_error: Mutex::new(None),
            built: AtomicU64::new(0),
            genesis_hash: g.hash,
            safe: Mutex::new(genesis_ref),
            safe_error: Mutex::new(None),
            stop: AtomicBool::new(false),
        });
        let server =
            Server::start(&config.rpc_addr, crate::rpc::handler(inner.clone())).map_err(|e| {
                NodeError::Other(format!("serving JSON-RPC on {}: {e}", config.rpc_addr))
            })?;
        let mut threads = Vec::new();
        let seq = inner.clone();
        let c = config.clone();
        threads.push(
            std::thread::Builder::new()
                .name("sequencer".into())
                .spawn(move || sequence(&seq, &c))
                .map_err(|e| NodeError::Other(e.to_string()))?,
        );
        if config.follow {
            let f = inner.clone();
            let l1 = EthClient::new(&config.l1_url, config.l1_client).map_err(NodeError::Other)?;
            let beacon_url = config.beacon_url.clone().unwrap_or(config.l1_url.clone());
            let beacon = verdict_rpc::Client::new(&beacon_url, config.l1_client)
                .map_err(NodeError::Other)?;
            let poll = config.poll;
            threads.push(
                std::thread::Builder::new()
                    .name("safe".into())
                    .spawn(move || crate::safe::follow(&f, l1, beacon, poll))
                    .map_err(|e| NodeError::Other(e.to_string()))?,
            );
        }
        if config.txgen {
            let gen = inner.clone();
            let poll = config.poll;
            threads.push(
                std::thread::Builder::new()
                    .name("txgen".into())
                    .spawn(move || crate::txgen::run(&gen, poll))
                    .map_err(|e| NodeError::Other(e.to_string()))?,
            );
        }
        Ok(Node {
            inner,
            server: Some(server),
            threads,
        })
    }

    /// The JSON-RPC URL.
    pub fn url(&self) -> String {
        self.server.as_ref().map(|s| s.url()).unwrap_or_default()
    }

    /// The shared state.
    pub fn inner(&self) -> &Arc<Inner> {
        &self.inner
    }

    /// Waits until the head is at least `number` (or `timeout` passes, or the sequencer keeps
    /// failing: its last error is returned).
    pub fn wait_for_block(&self, number: u64, timeout: Duration) -> Result<(), String> {
        let start = std::time::Instant::now();
        loop {
            let (h, _) = self.inner.store.head_header().map_err(|e| e.to_string())?;
            if h.number >= number {
                return Ok(());
            }
            if start.elapsed() > timeout {
                return Err(format!(
                    "block {number} not built within {timeout:?} (head {}); last error: {:?}",
                    h.number,
                    self.inner.last_error.lock().expect("lock")
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the sequencer and the server, and waits for them.
    pub fn stop(&mut self) {
        self.inner.stop.store(true, Ordering::Relaxed);
        if let Some(mut s) = self.server.take() {
            s.stop();
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The sequencer loop: keeps the L1 clock (L1 time tracks wall time at an offset), and builds
/// the next block once its time has come (plus the lead).
fn sequence(inner: &Inner, config: &NodeConfig) {
    let mut offset: Option<i64> = None;
    let mut failures = 0u32;
    while !inner.stopping() {
        match inner.l1.latest() {
            Ok((h, hash)) => {
                let o = h.timestamp as i64 - now() as i64;
                offset = Some(offset.map_or(o, |x| x.max(o)));
                *inner.l1_head.lock().expect("lock") = Some(L1BlockRef {
                    hash,
                    number: h.number,
                    parent_hash: h.parent_hash,
                    timestamp: h.timestamp,
                });
            }
            Err(e) => {
                fail(inner, &mut failures, format!("reading the L1 head: {e}"));
                continue;
            }
        }
        let head_time = match inner.store.head_header() {
            Ok((h, _)) => h.timestamp,
            Err(e) => {
                fail(inner, &mut failures, e.to_string());
                continue;
            }
        };
        let l1_now = (now() as i64 + offset.unwrap_or(0)).max(0) as u64;
        if head_time + inner.cfg.block_time > l1_now + config.lead {
            std::thread::sleep(config.poll);
            continue;
        }
        match crate::reorg::rewind_if_reorged(&inner.store, &inner.l1) {
            Ok(None) => {}
            Ok(Some(r)) => {
                eprintln!(
                    "verdict node: L1 reorg: L1 block {} ({}), the origin of L2 block {}, is no \
                     longer on L1; the unsafe chain is rewound from L2 block {} to {} ({}), {} \
                     transactions back in the pool",
                    r.lost_origin.0,
                    r.lost_origin.1,
                    r.to + 1,
                    r.from,
                    r.to,
                    r.to_hash,
                    r.transactions.len()
                );
                inner.pool.lock().expect("lock").extend(r.transactions);
                continue;
            }
            Err(e) => {
                fail(
                    inner,
                    &mut failures,
                    format!("checking the L1 origins: {e}"),
                );
                continue;
            }
        }
        // Build as many blocks as are due before looking at L1 again.
        let result = plan_next(&inner.cfg, &inner.store, &inner.l1).and_then(|plan| {
            let candidates = inner.pool.lock().expect("lock").clone();
            build(&inner.exec_cfg, &inner.store, &plan, candidates)
        });
        match result {
            Ok((built, rejected)) => {
                if let Err(e) = inner
                    .store
                    .insert_block(&built.block, &built.nodes, &built.code)
                {
                    fail(inner, &mut failures, e.to_string());
                    continue;
                }
                let mut pool = inner.pool.lock().expect("lock");
                pool.retain(|t| {
                    !built.block.transactions.contains(t)
                        && !rejected
                            .iter()
                            .any(|r| &r.tx == t && !r.reason.contains("nonce too high"))
                });
                drop(pool);
                inner.built.fetch_add(1, Ordering::Relaxed);
                *inner.last_error.lock().expect("lock") = None;
                failures = 0;
            }
            Err(e) => fail(inner, &mut failures, format!("building a block: {e}")),
        }
    }
}

fn fail(inner: &Inner, failures: &mut u32, message: String) {
    if *failures == 0 || failures.is_power_of_two() {
        eprintln!("verdict node: {message}");
    }
    *inner.last_error.lock().expect("lock") = Some(message);
    *failures += 1;
    let wait = Duration::from_millis(100 * u64::from((*failures).min(20)));
    std::thread::sleep(wait);
}
