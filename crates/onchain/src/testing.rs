//! For tests and demos (functions panic on failure, as a test would): the local chain (anvil on a
//! loopback port, killed when dropped, and verdict's L2 node with a deposit and its blocks batched
//! to anvil, calldata then a blob, as `crates/host/tests/online.rs` builds it); the game contracts
//! deployed over RPC with test parameters; the liar of the tests (a proposer of wrong output roots
//! that defends them with a made-up execution trace); time travel; a proxy that fails on demand.
#![allow(missing_docs)]

use crate::l1::L1;
use crate::traces::RollupOutputs;
use alloy_primitives::{Address, B256, U256};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;
use verdict_challenger::providers::OutputSource;
use verdict_game::Claim;
use verdict_node::testing::{self, Anvil, Post};
use verdict_node::{Node, NodeConfig};
use verdict_rpc::{Client, ClientConfig};

/// `path` if it exists; otherwise skipped, or a failure under `CI=true`.
pub fn needed(path: PathBuf, how: &str) -> Option<PathBuf> {
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{} is missing ({how})",
        path.display()
    );
    eprintln!("SKIPPED: {} is missing ({how})", path.display());
    None
}

/// The claim program's ELF (scripts/build-guests.sh).
pub fn claim_elf() -> Option<PathBuf> {
    needed(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../guests/build/claim.elf"),
        "run scripts/build-guests.sh",
    )
}

/// RPC timeouts for the tests.
pub fn client() -> ClientConfig {
    ClientConfig {
        timeout: Duration::from_secs(60),
        retries: 2,
        backoff: Duration::from_millis(100),
    }
}

/// A funded account of the test (its key from its name).
pub fn account(anvil: &Anvil, name: &str) -> L1 {
    let key = alloy_primitives::keccak256(format!("verdict onchain test {name}"));
    let l1 = L1::new(&anvil.url, key, client()).unwrap();
    rpc(
        anvil,
        "anvil_setBalance",
        json!([l1.address(), "0x3635c9adc5dea00000"]),
    );
    l1
}

/// The private key of [`account`] `name`.
pub fn account_key(name: &str) -> B256 {
    alloy_primitives::keccak256(format!("verdict onchain test {name}"))
}

/// A raw call to anvil.
pub fn rpc(anvil: &Anvil, method: &str, params: serde_json::Value) -> serde_json::Value {
    Client::new(&anvil.url, client())
        .unwrap()
        .call_value(method, &params)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Moves anvil's clock `secs` ahead and mines a block.
pub fn time_travel(anvil: &Anvil, secs: u64) {
    rpc(anvil, "evm_increaseTime", json!([secs]));
    rpc(anvil, "evm_mine", json!([]));
}

/// The local chain: anvil and the node, blocks `1..=head` batched.
pub struct Chain {
    pub anvil: Anvil,
    pub node: Option<Node>,
    pub node_url: String,
    pub head: u64,
}

impl Chain {
    /// Builds it: a deposit in block 2's L1 origin, `head` L2 blocks, the first half batched
    /// as calldata, the rest in a blob.
    pub fn build(bin: &str, dir: &Path, head: u64) -> Chain {
        let anvil = Anvil::start(bin, &[]);
        let eth = anvil.eth();
        testing::deploy_deposit_contract(&eth);
        let mut c = NodeConfig::new(dir.join("node"), &anvil.url);
        c.lead = 30;
        c.txgen = true;
        c.poll = Duration::from_millis(50);
        let node = Node::start(c).unwrap();
        node.wait_for_block(2, Duration::from_secs(60)).unwrap();
        testing::deposit(
            &eth,
            verdict_node::genesis::key_address(&verdict_node::devnet::KEY_0),
            alloy_primitives::address!("00000000000000000000000000000000000d0d0d"),
            1_000_000_000_000_000_000,
            U256::from(7u8),
            100_000,
            &[],
        );
        testing::mine(&eth, 1);
        node.wait_for_block(head, Duration::from_secs(120)).unwrap();
        let store = &node.inner().store;
        testing::post_batches(&eth, store, 1, head / 2, Post::Calldata);
        testing::post_batches(&eth, store, head / 2 + 1, head, Post::Blob);
        testing::mine(&eth, 1);
        let node_url = node.url();
        Chain {
            anvil,
            node: Some(node),
            node_url,
            head,
        }
    }

    /// The node's output root at `block`.
    pub fn output(&self, block: u64) -> Claim {
        RollupOutputs::new(&self.node_url, client())
            .unwrap()
            .output_at(block)
            .unwrap()
    }

    /// Stops the L2 node (before time travel: its sequencer would build days of blocks).
    pub fn stop_node(&mut self) {
        if let Some(mut n) = self.node.take() {
            n.stop();
        }
    }
}

pub use crate::liar::{LiarOutputs, LiarTraces};

/// The address of an account key.
pub fn address_of(key: B256) -> Address {
    verdict_derive::encode::key_address(
        &verdict_derive::encode::SigningKey::from_slice(key.as_slice()).unwrap(),
    )
}

/// Split depth 2 (four output roots: blocks anchor+1..=anchor+4); the execution game deep enough
/// for one block's run of the program (about 7.7 million steps), and of a depth that makes the
/// liar post the leaves (so that the honest challenger steps).
pub const SPLIT: u64 = 2;
/// The execution game's depth.
pub const EXEC_DEPTH: u64 = 25;
/// The anchor's L2 block.
pub const ANCHOR: u64 = 2;

/// The game contracts deployed on the chain, and what the players need.
pub struct Games {
    pub params: verdict_contracts::GameParams,
    pub deployment: crate::deploy::Deployment,
    pub deployer: L1,
    pub elf: PathBuf,
    pub initial: verdict_riscv::State,
    pub nodes: crate::traces::HostNodes,
    pub prestate: Claim,
}

impl Games {
    /// Deploys with the real parameters but [`SPLIT`] and [`EXEC_DEPTH`], anchored at [`ANCHOR`].
    pub fn deploy(chain: &Chain, elf: PathBuf) -> Games {
        Self::deploy_with_depth(chain, elf, EXEC_DEPTH)
    }

    /// [`Games::deploy`] with an execution game of depth `exec_depth`.
    pub fn deploy_with_depth(chain: &Chain, elf: PathBuf, exec_depth: u64) -> Games {
        let deployer = account(&chain.anvil, "deployer");
        let initial = crate::traces::load_prestate(&elf).unwrap();
        let nodes = crate::traces::HostNodes {
            l1: chain.anvil.url.clone(),
            beacon: chain.anvil.url.clone(),
            l2: chain.node_url.clone(),
            client: client(),
        };
        let prestate = crate::traces::exec_traces(
            initial.clone(),
            std::sync::Arc::new(verdict_host::MemoryStore::default()),
            nodes.clone(),
            1,
        )
        .absolute_prestate();
        let mut params = crate::deploy::real_params(
            prestate.0,
            verdict_node::devnet::L2_CHAIN_ID,
            chain.output(ANCHOR).0,
            ANCHOR,
        );
        params.split_depth = SPLIT;
        params.max_game_depth = SPLIT + 1 + exec_depth;
        let deployment = crate::deploy::deploy(&deployer, &params).unwrap();
        Games {
            params,
            deployment,
            deployer,
            elf,
            initial,
            nodes,
            prestate,
        }
    }

    /// A proposer (wrong roots with `wrong`) with the key of account `name`.
    pub fn proposer(&self, chain: &Chain, name: &str, wrong: bool) -> crate::proposer::Proposer {
        account(&chain.anvil, name);
        crate::proposer::Proposer::new(crate::proposer::ProposerConfig {
            l1_rpc: chain.anvil.url.clone(),
            rollup_rpc: chain.node_url.clone(),
            factory: self.deployment.factory,
            key: account_key(name),
            game_type: self.params.game_type,
            interval: Duration::from_secs(3600),
            wrong,
            client: client(),
        })
        .unwrap()
    }

    /// The challenger's settings: account "challenger", its datadir `datadir`, the L1 at `l1`.
    pub fn challenger_config(
        &self,
        chain: &Chain,
        l1: &str,
        datadir: PathBuf,
    ) -> crate::challenger::ChallengerConfig {
        account(&chain.anvil, "challenger");
        crate::challenger::ChallengerConfig {
            l1_rpc: l1.to_string(),
            l1_beacon: l1.to_string(),
            rollup_rpc: chain.node_url.clone(),
            l2_rpc: chain.node_url.clone(),
            factory: self.deployment.factory,
            key: account_key("challenger"),
            datadir,
            prestate: self.elf.clone(),
            game_types: vec![self.params.game_type],
            snapshot_every: 1 << 20,
            clock_margin: 3600,
            game_window: None,
            client: client(),
        }
    }

    /// The liar (account `name`): it defends the wrong roots of a `--wrong` proposer from block
    /// `lie_from` on, the game's root at `top`.
    pub fn liar(&self, chain: &Chain, name: &str, lie_from: u64, top: u64) -> Liar {
        Liar::new(chain, self.initial.clone(), name, lie_from, top)
    }
}

/// The liar: its account and solver.
pub struct Liar {
    pub l1: L1,
    pub solver: crate::liar::LiarSolver,
}

impl Liar {
    /// The liar (account `name`) of the program whose initial state is `initial`: it defends the
    /// wrong roots of a `--wrong` proposer from block `lie_from` on, the game's root at `top`
    /// (anchor [`ANCHOR`], split depth [`SPLIT`]).
    pub fn new(
        chain: &Chain,
        initial: verdict_riscv::State,
        name: &str,
        lie_from: u64,
        top: u64,
    ) -> Liar {
        Self::lying_at(chain, initial, name, lie_from, top, "global", true)
    }

    /// [`Liar::new`], its execution trace made up from the first read of a `key_type` preimage
    /// (after the middle of the run with `from_middle`).
    pub fn lying_at(
        chain: &Chain,
        initial: verdict_riscv::State,
        name: &str,
        lie_from: u64,
        top: u64,
        key_type: &'static str,
        from_middle: bool,
    ) -> Liar {
        let l1 = L1::new(&chain.anvil.url, account_key(name), client()).unwrap();
        let nodes = crate::traces::HostNodes {
            l1: chain.anvil.url.clone(),
            beacon: chain.anvil.url.clone(),
            l2: chain.node_url.clone(),
            client: client(),
        };
        let solver = crate::liar::liar_solver(
            name,
            l1.address(),
            initial,
            nodes,
            &chain.node_url,
            (ANCHOR, top, SPLIT),
            lie_from,
            (key_type, from_middle),
        )
        .unwrap();
        Liar { l1, solver }
    }

    /// One round on `game`: its moves (and failed steps), printed.
    pub fn tick(&mut self, game: Address) -> Vec<crate::agent::Event> {
        let g = crate::load::load(&self.l1, game).unwrap();
        let (_, now) = self.l1.head().unwrap();
        let actions = self.solver.next_actions(&g.game).unwrap();
        let mut events = Vec::new();
        crate::agent::play(&self.l1, &g, actions, now, None, &mut events).unwrap();
        for e in &events {
            eprintln!("liar: {e}");
        }
        events
    }
}

pub use crate::agent::acted;

/// A TCP proxy on loopback in front of `upstream` that can be switched off: while off, every
/// connection is closed at once (the client sees the node fail).
pub struct Proxy {
    pub url: String,
    on: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Proxy {
    /// Starts it (its threads end with the test process).
    pub fn start(upstream: &str) -> Proxy {
        use std::io::copy;
        use std::net::{TcpListener, TcpStream};
        use std::sync::atomic::Ordering;
        let up = upstream.trim_start_matches("http://").to_string();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let on = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let flag = on.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(client) = conn else { continue };
                if !flag.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&up) else {
                    continue;
                };
                let (mut c1, mut s1) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                let (mut c2, mut s2) = (client, server);
                std::thread::spawn(move || {
                    let _ = copy(&mut c1, &mut s1);
                    let _ = s1.shutdown(std::net::Shutdown::Write);
                });
                std::thread::spawn(move || {
                    let _ = copy(&mut s2, &mut c2);
                    let _ = c2.shutdown(std::net::Shutdown::Write);
                });
            }
        });
        Proxy { url, on }
    }

    /// Switches it on or off.
    pub fn set(&self, on: bool) {
        self.on.store(on, std::sync::atomic::Ordering::SeqCst);
    }
}
