//! Test support, until the L2 node (crates/node) lands: a stand-in sequencer that builds and
//! executes L2 blocks on top of the L1 chain read over RPC (verdict-derive's attributes,
//! crates/program's executor, crates/testchain's genesis and users), and a minimal JSON-RPC server
//! serving those blocks the way an L2 node does (`eth_chainId`, `eth_blockNumber`,
//! `eth_getBlockByNumber`, `optimism_syncStatus`), so the batcher and the follower are tested
//! through their real RPC clients.

use crate::error::{Error, Result};
use crate::l2::{L2Block, SyncStatus};
use crate::rollup::L2Genesis;
use alloy_consensus::transaction::SignerRecoverable;
use alloy_eips::eip2718::{Decodable2718, Encodable2718};
use alloy_primitives::{Bytes, B256};
use op_alloy_consensus::OpTxEnvelope;
use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use verdict_derive::attributes::build_attributes;
use verdict_derive::batch::SingleBatch;
use verdict_derive::generator::Rng;
use verdict_derive::provider::L1Provider;
use verdict_derive::types::BlockId;
use verdict_derive::{L1BlockRef, RollupConfig};
use verdict_program::execute_block_with_post_state;
use verdict_testchain::l2::{message_passer_root, L2Chain};
use verdict_testchain::sequencer::Users;
use verdict_testchain::world::program_attributes;
use verdict_testchain::{PreimageMap, SynthChain};

/// The chain the stand-in sequences: `verdict-synth`'s genesis state (funded users, Regolith
/// through Isthmus at genesis) at another time.
pub const CHAIN: SynthChain = SynthChain::Synth;

/// The stand-in L2 genesis at `timestamp`: `verdict-synth`'s genesis header with its time changed.
pub fn genesis(timestamp: u64) -> (alloy_consensus::Header, B256, PreimageMap) {
    let g = verdict_testchain::genesis::l2_genesis(CHAIN);
    let mut header = g.header;
    header.timestamp = timestamp;
    let mut pre = PreimageMap::default();
    pre.insert_keccak(vec![0x80]);
    for p in g.preimages {
        pre.insert_keccak(p);
    }
    let hash = header.hash_slow();
    (header, hash, pre)
}

/// A stand-in sequencer: blocks every `block_time` seconds, each on the newest L1 origin it may
/// take (one step at a time, never newer than the block), with the users' transfers, contract
/// creations and calls, executed by crates/program.
pub struct Sequencer {
    /// The rollup config.
    pub cfg: RollupConfig,
    exec: verdict_program::RollupConfig,
    /// The chain, genesis first.
    pub chain: L2Chain,
    pre: PreimageMap,
    code: HashMap<B256, Bytes>,
    users: Users,
    rng: Rng,
    features: BTreeSet<&'static str>,
}

impl Sequencer {
    /// A sequencer for `rollup_json` (whose genesis is [`genesis`]).
    pub fn new(rollup_json: &str, seed: u64) -> Result<Sequencer> {
        let cfg = verdict_derive::json::rollup_config_from_slice(rollup_json.as_bytes())?;
        let exec = verdict_program::json::rollup_config_from_slice(rollup_json.as_bytes())
            .map_err(|e| Error::new(format!("rollup config: {e}")))?;
        let (header, hash, pre) = genesis(cfg.genesis.l2_time);
        if hash != cfg.genesis.l2.hash {
            return Err(Error::new(
                "the rollup config's L2 genesis is not the stand-in's",
            ));
        }
        let g = verdict_testchain::genesis::l2_genesis(CHAIN);
        let chain = L2Chain::genesis(&cfg, header, g.message_passer_root);
        Ok(Sequencer {
            exec,
            chain,
            pre,
            code: HashMap::new(),
            users: Users::new(cfg.l2_chain_id),
            rng: Rng::new(seed),
            features: BTreeSet::new(),
            cfg,
        })
    }

    /// The L2 genesis.
    pub fn l2_genesis(&self) -> L2Genesis {
        let g = &self.chain.blocks[0];
        L2Genesis {
            hash: g.hash,
            number: g.header.number,
            timestamp: g.header.timestamp,
        }
    }

    /// Sequences the next block on L1 `l1` (read up to its head); `with_txs`: whether it carries
    /// user transactions.
    pub fn next_block(&mut self, l1: &mut dyn L1Provider, with_txs: bool) -> Result<L2Block> {
        self.next_block_on(l1, with_txs, None)
    }

    /// [`Sequencer::next_block`], on the L1 origin numbered `origin` if given (replaying a chain
    /// sequenced before).
    pub fn next_block_on(
        &mut self,
        l1: &mut dyn L1Provider,
        with_txs: bool,
        origin: Option<u64>,
    ) -> Result<L2Block> {
        let parent = self.chain.head().clone();
        let timestamp = parent.header.timestamp + self.cfg.block_time;
        // The parent's origin, or the next L1 block if it exists and is not newer than us.
        let origin_now = parent.block_ref.l1_origin;
        let mut origin_ref = l1
            .header_by_hash(origin_now.hash)
            .map(|h| L1BlockRef::from_header(&h))?;
        if origin != Some(origin_ref.number) {
            if let Some(next) = l1.header_by_number(origin_ref.number + 1)? {
                if next.timestamp <= timestamp && origin.is_none_or(|o| o == next.number) {
                    origin_ref = L1BlockRef::from_header(&next);
                }
            }
        }
        if origin.is_some_and(|o| o != origin_ref.number) {
            return Err(Error::new(format!(
                "replaying L2 block {}: L1 origin {origin:?} is not available",
                parent.header.number + 1
            )));
        }
        let origin = origin_ref;
        let transactions = if with_txs {
            self.users.block_txs(&mut self.rng, &mut self.features)?
        } else {
            vec![]
        };
        let batch = SingleBatch {
            parent_hash: parent.hash,
            epoch_num: origin.number,
            epoch_hash: origin.hash,
            timestamp,
            transactions,
        };
        let attrs = build_attributes(
            &self.cfg,
            l1,
            &mut self.chain,
            &mut self.code,
            &parent.block_ref,
            &batch,
        )?;
        let (block, post) = {
            let nodes = self.pre.nodes();
            execute_block_with_post_state(
                &nodes,
                &self.exec,
                &parent.header,
                &program_attributes(&attrs),
                false,
            )
            .map_err(|e| {
                Error::new(format!(
                    "executing L2 block {}: {e}",
                    parent.header.number + 1
                ))
            })?
        };
        for node in post.nodes {
            self.pre.insert_keccak(node);
        }
        for c in post.code {
            self.pre.insert_keccak(c.to_vec());
        }
        let mp_root = message_passer_root(&self.pre, block.header.state_root)?;
        let b = verdict_testchain::l2::L2Block::new(
            &self.cfg,
            block.header,
            attrs.transactions,
            block.receipts,
            mp_root,
            &parent.system_config,
        )?;
        let out = L2Block::new(b.header.clone(), b.transactions.clone())?;
        self.chain.blocks.push(b);
        Ok(out)
    }

    /// The blocks as the L2 node serves them.
    pub fn blocks(&self) -> Vec<L2Block> {
        self.chain
            .blocks
            .iter()
            .map(|b| L2Block {
                header: b.header.clone(),
                hash: b.hash,
                transactions: b.transactions.clone(),
            })
            .collect()
    }

    /// An executor of derived attributes over the states sequenced so far (the follower's hash
    /// check): the block's hash, executed by crates/program on its parent.
    pub fn executor(&self) -> crate::follow::Executor {
        let pre = self.pre.clone();
        let exec = self.exec.clone();
        let headers: HashMap<B256, alloy_consensus::Header> = self
            .chain
            .blocks
            .iter()
            .map(|b| (b.hash, b.header.clone()))
            .collect();
        Box::new(move |d: &verdict_derive::pipeline::Derived| {
            let parent = headers.get(&d.parent.hash).ok_or_else(|| {
                Error::new(format!("executor: no parent block {}", d.parent.hash))
            })?;
            let nodes = pre.nodes();
            let block = verdict_program::execute_block(
                &nodes,
                &exec,
                parent,
                &program_attributes(&d.attributes),
            )
            .map_err(|e| {
                Error::new(format!(
                    "executing derived block {}: {e}",
                    parent.number + 1
                ))
            })?;
            Ok(block.header.hash_slow())
        })
    }

    /// Each block's state root and message passer storage root (for [`NodeState::roots`]).
    pub fn roots(&self) -> Vec<(B256, B256)> {
        self.chain
            .blocks
            .iter()
            .map(|b| (b.header.state_root, b.message_passer_root))
            .collect()
    }

    /// The L1 origin of block `number`.
    pub fn origin(&self, number: u64) -> Option<BlockId> {
        self.chain.block(number).map(|b| b.block_ref.l1_origin)
    }
}

/// What the stand-in node serves.
#[derive(Default)]
pub struct NodeState {
    /// The chain id.
    pub chain_id: u64,
    /// The blocks, genesis first.
    pub blocks: Vec<L2Block>,
    /// The safe head's number.
    pub safe: u64,
    /// Each block's state root and L2ToL1MessagePasser storage root, by number (for
    /// `optimism_outputAtBlock`; blocks without them have no output root).
    pub roots: Vec<(B256, B256)>,
}

/// A minimal JSON-RPC server on a loopback port serving [`NodeState`]; stopped on drop.
pub struct FakeL2Node {
    /// What it serves (change it while it runs).
    pub state: Arc<Mutex<NodeState>>,
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeL2Node {
    /// Starts serving `state` on a free loopback port.
    pub fn start(state: NodeState) -> Result<FakeL2Node> {
        Self::start_on("127.0.0.1:0", state)
    }

    /// Starts serving `state` on `addr`.
    pub fn start_on(addr: &str, state: NodeState) -> Result<FakeL2Node> {
        let listener =
            TcpListener::bind(addr).map_err(|e| Error::new(format!("binding {addr}: {e}")))?;
        let port = listener.local_addr().expect("bound").port();
        listener
            .set_nonblocking(true)
            .map_err(|e| Error::new(format!("listener: {e}")))?;
        let state = Arc::new(Mutex::new(state));
        let stop = Arc::new(AtomicBool::new(false));
        let (s, st) = (state.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !st.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((conn, _)) => {
                        let s = s.clone();
                        std::thread::spawn(move || {
                            let _ = serve(conn, &s);
                        });
                    }
                    Err(_) => std::thread::sleep(std::time::Duration::from_millis(5)),
                }
            }
        });
        Ok(FakeL2Node {
            state,
            port,
            stop,
            thread: Some(thread),
        })
    }

    /// Its URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for FakeL2Node {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Serves HTTP/1.1 requests on one connection until it closes.
fn serve(conn: TcpStream, state: &Mutex<NodeState>) -> std::io::Result<()> {
    conn.set_nonblocking(false)?;
    conn.set_read_timeout(Some(std::time::Duration::from_secs(30)))?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut out = conn;
    loop {
        let mut len = 0usize;
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            let l = line.trim();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0u8; len];
        reader.read_exact(&mut body)?;
        let reply = match serde_json::from_slice::<serde_json::Value>(&body) {
            Ok(req) => answer(&req, state),
            Err(e) => serde_json::json!({"jsonrpc": "2.0", "id": null,
                "error": {"code": -32700, "message": e.to_string()}}),
        };
        let text = reply.to_string();
        write!(
            out,
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{}",
            text.len(),
            text
        )?;
        out.flush()?;
    }
}

fn answer(req: &serde_json::Value, state: &Mutex<NodeState>) -> serde_json::Value {
    let id = req.get("id").cloned().unwrap_or(serde_json::Value::Null);
    let method = req.get("method").and_then(|m| m.as_str()).unwrap_or("");
    let params = req.get("params").cloned().unwrap_or_default();
    let s = state.lock().expect("not poisoned");
    let result: std::result::Result<serde_json::Value, String> = match method {
        "eth_chainId" => Ok(format!("{:#x}", s.chain_id).into()),
        "eth_blockNumber" => Ok(format!("{:#x}", s.blocks.len().saturating_sub(1)).into()),
        "eth_getBlockByNumber" => {
            let tag = params.get(0).and_then(|t| t.as_str()).unwrap_or("latest");
            let number = match tag {
                "latest" | "pending" | "unsafe" => Some(s.blocks.len() as u64 - 1),
                "safe" | "finalized" => Some(s.safe),
                "earliest" => Some(0),
                t => u64::from_str_radix(t.trim_start_matches("0x"), 16).ok(),
            };
            match number.and_then(|n| s.blocks.get(n as usize)) {
                Some(b) => block_json(b),
                None => Ok(serde_json::Value::Null),
            }
        }
        "optimism_syncStatus" => {
            let head = |n: u64| {
                let b = &s.blocks[n as usize];
                serde_json::json!({"hash": b.hash, "number": b.header.number,
                    "parentHash": b.header.parent_hash, "timestamp": b.header.timestamp})
            };
            let last = s.blocks.len() as u64 - 1;
            Ok(serde_json::json!({
                "unsafe_l2": head(last), "safe_l2": head(s.safe.min(last)),
                "finalized_l2": head(0),
            }))
        }
        "optimism_outputAtBlock" => {
            let n = params
                .get(0)
                .and_then(|t| t.as_str())
                .and_then(|t| u64::from_str_radix(t.trim_start_matches("0x"), 16).ok());
            match n.and_then(|n| Some((s.blocks.get(n as usize)?, s.roots.get(n as usize)?))) {
                Some((b, (state, storage))) => {
                    let mut pre = [0u8; 128];
                    pre[32..64].copy_from_slice(state.as_slice());
                    pre[64..96].copy_from_slice(storage.as_slice());
                    pre[96..].copy_from_slice(b.hash.as_slice());
                    Ok(serde_json::json!({
                        "version": B256::ZERO,
                        "outputRoot": alloy_primitives::keccak256(pre),
                        "blockRef": {"hash": b.hash, "number": b.header.number,
                            "parentHash": b.header.parent_hash, "timestamp": b.header.timestamp},
                        "withdrawalStorageRoot": storage,
                        "stateRoot": state,
                    }))
                }
                None => Err(format!("no output root at {params}")),
            }
        }
        m => Err(format!("method {m} not found")),
    };
    match result {
        Ok(r) => serde_json::json!({"jsonrpc": "2.0", "id": id, "result": r}),
        Err(e) => {
            serde_json::json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32601, "message": e}})
        }
    }
}

/// A block as op-geth's JSON, full transactions (deposits included).
fn block_json(b: &L2Block) -> std::result::Result<serde_json::Value, String> {
    let mut txs = Vec::new();
    for (i, raw) in b.transactions.iter().enumerate() {
        let env = OpTxEnvelope::decode_2718(&mut raw.as_ref()).map_err(|e| e.to_string())?;
        let from = env.recover_signer().map_err(|e| e.to_string())?;
        debug_assert_eq!(env.encoded_2718(), raw.to_vec());
        txs.push(op_alloy_rpc_types::Transaction {
            inner: alloy::rpc::types::Transaction {
                inner: alloy_consensus::transaction::Recovered::new_unchecked(env, from),
                block_hash: Some(b.hash),
                block_number: Some(b.header.number),
                transaction_index: Some(i as u64),
                effective_gas_price: None,
                block_timestamp: Some(b.header.timestamp),
            },
            deposit_nonce: None,
            deposit_receipt_version: None,
        });
    }
    let block = alloy::rpc::types::Block {
        header: alloy::rpc::types::Header {
            hash: b.hash,
            inner: b.header.clone(),
            total_difficulty: None,
            size: None,
        },
        uncles: vec![],
        transactions: alloy::rpc::types::BlockTransactions::Full(txs),
        withdrawals: Some(Default::default()),
    };
    serde_json::to_value(&block).map_err(|e| e.to_string())
}

/// The sync status of a [`NodeState`] (for tests comparing with the RPC's).
pub fn sync_status(s: &NodeState) -> SyncStatus {
    let head = |n: u64| crate::l2::Head {
        hash: s.blocks[n as usize].hash,
        number: n,
    };
    let last = s.blocks.len() as u64 - 1;
    SyncStatus {
        head_l1: Default::default(),
        unsafe_l2: head(last),
        safe_l2: head(s.safe.min(last)),
        finalized_l2: head(0),
    }
}

/// Runs the stand-in L2 node as `verdict devnet up` runs a node (until `stop`): writes
/// `genesis.json` beside the devnet's `devnet.json` (the stand-in genesis at the rollup's genesis
/// L1 block's time), waits for `rollup.json` there, then sequences a block every block time
/// (never ahead of the wall clock; user transactions in every block) on L1 read from `l1_url`,
/// serving them on `rpc_addr`. Its chain lives in memory; the L1 origin of each block is kept in
/// `l2/stand-in-origins.json`, and a restart sequences the same blocks again on them (the users'
/// transactions are seeded). For tests of the L1 half, not a node.
pub fn run_stand_in_node(
    devnet_file: &std::path::Path,
    l1_url: &str,
    rpc_addr: &str,
    stop: &AtomicBool,
    mut log: impl FnMut(&str),
) -> Result<()> {
    use crate::rollup::L2Genesis;
    let dir = devnet_file.parent().unwrap_or(std::path::Path::new("."));
    let text = std::fs::read(devnet_file)
        .map_err(|e| Error::new(format!("reading {}: {e}", devnet_file.display())))?;
    let devnet: crate::devnet::DevnetFile = serde_json::from_slice(&text)
        .map_err(|e| Error::new(format!("{}: {e}", devnet_file.display())))?;
    let t = devnet.deployment.genesis_l1.timestamp;
    let (_, hash, _) = genesis(t);
    let g = L2Genesis {
        hash,
        number: 0,
        timestamp: t,
    };
    let genesis_path = dir.join("genesis.json");
    crate::devnet::write_atomic(
        &genesis_path,
        &serde_json::to_vec_pretty(&g).map_err(|e| Error::new(e.to_string()))?,
    )?;
    let rollup_path = dir.join("rollup.json");
    while !rollup_path.exists() {
        if stop.load(Ordering::SeqCst) {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let rollup = std::fs::read_to_string(&rollup_path)
        .map_err(|e| Error::new(format!("reading {}: {e}", rollup_path.display())))?;
    let mut seq = Sequencer::new(&rollup, 1)?;
    let node = FakeL2Node::start_on(
        rpc_addr,
        NodeState {
            chain_id: seq.cfg.l2_chain_id,
            blocks: seq.blocks(),
            safe: 0,
            roots: seq.roots(),
        },
    )?;
    log(&format!("stand-in L2 node: {}", node.url()));
    let rt = crate::rpc::runtime()?;
    let l1 = crate::rpc::L1Client::new(l1_url, l1_url)?;
    let mut rpc = crate::rpc::RpcL1::new(l1, rt, None);
    // The L1 origin of each block sequenced before a restart: the chain is rebuilt on them.
    let origins_path = dir.join("l2").join("stand-in-origins.json");
    let mut origins: Vec<u64> = match std::fs::read(&origins_path) {
        Ok(t) => serde_json::from_slice(&t)
            .map_err(|e| Error::new(format!("{}: {e}", origins_path.display())))?,
        Err(_) => vec![],
    };
    for (i, o) in origins.iter().enumerate() {
        let b = seq.next_block_on(&mut rpc, true, Some(*o))?;
        if i + 1 == origins.len() {
            log(&format!(
                "stand-in L2 node: rebuilt blocks 1..={} (head {})",
                b.header.number, b.hash
            ));
        }
    }
    {
        let mut st = node
            .state
            .lock()
            .map_err(|_| Error::new("node state poisoned"))?;
        st.blocks = seq.blocks();
        st.roots = seq.roots();
    }
    while !stop.load(Ordering::SeqCst) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        if seq.chain.head().header.timestamp + seq.cfg.block_time <= now {
            let b = seq.next_block(&mut rpc, true)?;
            origins.push(seq.chain.head().block_ref.l1_origin.number);
            crate::devnet::write_atomic(
                &origins_path,
                &serde_json::to_vec(&origins).map_err(|e| Error::new(e.to_string()))?,
            )?;
            log(&format!(
                "stand-in L2 node: block {} {} ({} transactions)",
                b.header.number,
                b.hash,
                b.transactions.len()
            ));
            let mut st = node
                .state
                .lock()
                .map_err(|_| Error::new("node state poisoned"))?;
            st.blocks = seq.blocks();
            st.roots = seq.roots();
        } else {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
    Ok(())
}
