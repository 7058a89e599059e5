//! The local chain's L1 half (`verdict devnet`): anvil with its state in the data directory, the
//! contracts deployed once, the chain's parameters written for the L2 node, the rollup config
//! written once the node has written its genesis, the batcher and the proposer's records.
//!
//! Every devnet starts from the same L1: anvil's genesis at [`GENESIS_TIME`] with its default
//! accounts, which is the rollup's genesis L1 block; the contracts are account 0's first two
//! (`Keys::anvil`). With the default L2 chain id (901) the chain is therefore the
//! `verdict-devnet` chain compiled into the fault proof programs (crates/chains), and
//! `rollup.json` is that config, byte for byte: the programs can judge claims about it. A
//! restart continues L1 time from the last saved block (anvil's `--timestamp`), never from the
//! wall clock.
//!
//! The data directory (each file has one writer, and is written atomically):
//! ```text
//! <data>/
//!   devnet.json        L1 half, once: the chain's parameters and the L1 deployment (what the
//!                      node needs to build its genesis): {"params": ChainParams, "deployment":
//!                      Deployment}
//!   genesis.json       the node: the L2 genesis block {"hash", "number", "timestamp"}
//!   rollup.json        L1 half, once genesis.json exists: op-node's rollup config
//!   LOCK               held (flock) by the running devnet: a second one on the directory stops
//!   endpoints.json     L1 half while it runs: {"l1": URL, "beacon": URL} (removed at shutdown);
//!                      the node adds nothing here: its own URL is its own file's
//!   l1/anvil-state.json  anvil's state (loaded at start, dumped every few seconds and on exit)
//!   l1/anvil.log       anvil's output
//!   l1/deployment.json the L1 deployment (as in devnet.json)
//!   batcher/state.json {"next_l2_block", "channels"}: where the batcher resumes
//!   batcher/posted.jsonl one line per batcher transaction
//!   proposer/outputs.jsonl one line per output root: {"l2_block", "output_root", "block_hash"}
//!   l2/                the node's
//! ```

use crate::anvil::{Anvil, AnvilOptions};
use crate::chain::{DeployParams, Deployment, Keys, L1};
use crate::error::{Context, Error, Result};
use crate::rollup::{rollup_json, ChainParams, L2Genesis};
use alloy::providers::Provider;
use alloy_primitives::B256;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The L1 genesis block's time (anvil `--timestamp`) on a first start; the L2 genesis has the
/// same. The compiled-in `verdict-devnet` chain's genesis time.
pub const GENESIS_TIME: u64 = 1_750_000_000;

/// Writes `bytes` to `path` atomically (verdict-fpvm's [`verdict_fpvm::files::replace_file`]),
/// creating its directory first.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).context(format!("creating {}", dir.display()))?;
    verdict_fpvm::files::replace_file(path, bytes).map_err(|e| Error::new(e.to_string()))
}

/// Appends one line to `path` (created if missing).
pub fn append_line(path: &Path, line: &str) -> Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).context(format!("creating {}", dir.display()))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .context(format!("opening {}", path.display()))?;
    writeln!(f, "{line}").context(format!("appending to {}", path.display()))
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read(path).context(format!("reading {}", path.display()))?;
    serde_json::from_slice(&text).context(format!("{}", path.display()))
}

fn write_json<T: Serialize>(path: &Path, v: &T) -> Result<()> {
    let mut text = serde_json::to_vec_pretty(v).expect("JSON");
    text.push(b'\n');
    write_atomic(path, &text)
}

/// The data directory's files.
#[derive(Clone, Debug)]
pub struct DataDir(pub PathBuf);

impl DataDir {
    /// `devnet.json`.
    pub fn devnet(&self) -> PathBuf {
        self.0.join("devnet.json")
    }
    /// `genesis.json` (the node's).
    pub fn genesis(&self) -> PathBuf {
        self.0.join("genesis.json")
    }
    /// `rollup.json`.
    pub fn rollup(&self) -> PathBuf {
        self.0.join("rollup.json")
    }
    /// `endpoints.json`.
    pub fn endpoints(&self) -> PathBuf {
        self.0.join("endpoints.json")
    }
    /// `l1/anvil-state.json`.
    pub fn anvil_state(&self) -> PathBuf {
        self.0.join("l1").join("anvil-state.json")
    }
    /// `l1/anvil.log`.
    pub fn anvil_log(&self) -> PathBuf {
        self.0.join("l1").join("anvil.log")
    }
    /// `l1/deployment.json`.
    pub fn deployment(&self) -> PathBuf {
        self.0.join("l1").join("deployment.json")
    }
    /// `batcher/state.json`.
    pub fn batcher_state(&self) -> PathBuf {
        self.0.join("batcher").join("state.json")
    }
    /// `batcher/posted.jsonl`.
    pub fn batcher_log(&self) -> PathBuf {
        self.0.join("batcher").join("posted.jsonl")
    }
    /// `proposer/outputs.jsonl`.
    pub fn outputs(&self) -> PathBuf {
        self.0.join("proposer").join("outputs.jsonl")
    }
}

/// `devnet.json`: what the node reads to build its genesis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevnetFile {
    /// The L2 chain's parameters.
    pub params: ChainParams,
    /// The L1 deployment.
    pub deployment: Deployment,
}

/// `endpoints.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoints {
    /// The L1 JSON-RPC.
    pub l1: String,
    /// The L1 beacon API.
    pub beacon: String,
    /// The L2 node's JSON-RPC (`verdict devnet up` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub l2: Option<String>,
}

/// `batcher/state.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatcherState {
    /// The next L2 block to batch.
    pub next_l2_block: u64,
    /// Channels made so far.
    pub channels: u64,
    /// The last channels posted (at most [`RECENT_CHANNELS`]), newest last: what tells the
    /// batcher that L1 lost them or the node replaced their blocks.
    #[serde(default)]
    pub recent: Vec<PostedChannel>,
}

/// Channels [`BatcherState::recent`] keeps.
pub const RECENT_CHANNELS: usize = 32;

/// A posted channel, its transactions included in L1 blocks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostedChannel {
    /// Its first L2 block.
    pub first: u64,
    /// Its last L2 block.
    pub last: u64,
    /// The last block's hash when it was batched.
    pub last_hash: B256,
    /// Its L1 transactions.
    pub txs: Vec<B256>,
}

impl BatcherState {
    /// Records a posted channel.
    pub fn posted(&mut self, channel: PostedChannel) {
        self.recent.push(channel);
        let extra = self.recent.len().saturating_sub(RECENT_CHANNELS);
        self.recent.drain(..extra);
    }

    /// Where batching must start again, if the newest channels no longer stand: their
    /// transactions left L1 (an L1 reorg, or an L1 restarted from a state saved before them)
    /// or the node replaced their blocks (it rewinds on an L1 reorg). The channels that fell
    /// are dropped; batching resumes after the newest one that stands. `None`: nothing fell.
    pub async fn fallen(&mut self, l1: &L1, l2: &crate::l2::L2Client) -> Result<Option<u64>> {
        let mut resume = None;
        while let Some(ch) = self.recent.last() {
            if still_stands(ch, l1, l2).await? {
                break;
            }
            resume = Some(ch.first);
            self.recent.pop();
        }
        Ok(resume.map(|first| self.recent.last().map_or(first, |ch| ch.last + 1)))
    }
}

/// Whether a posted channel's transactions are still in L1 blocks and its last block is still
/// the node's.
async fn still_stands(ch: &PostedChannel, l1: &L1, l2: &crate::l2::L2Client) -> Result<bool> {
    match l2.block(ch.last).await? {
        Some(b) if b.hash == ch.last_hash => {}
        _ => return Ok(false),
    }
    for tx in &ch.txs {
        let r = l1
            .client
            .provider()
            .get_transaction_receipt(*tx)
            .await
            .context(format!(
                "L1 {}: eth_getTransactionReceipt({tx})",
                l1.client.url()
            ))?;
        if r.is_none() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// How the L1 half starts.
#[derive(Clone, Debug)]
pub struct L1Options {
    /// The data directory.
    pub data_dir: PathBuf,
    /// The L1 chain id.
    pub l1_chain_id: u64,
    /// Seconds between L1 blocks.
    pub l1_block_time: u64,
    /// The L2 chain's parameters (used on the first start only; later starts read
    /// `devnet.json`).
    pub params: ChainParams,
}

impl L1Options {
    /// Defaults: L1 chain id 900, a block every 4 s, L2 chain id 901.
    pub fn new(data_dir: PathBuf) -> Self {
        L1Options {
            data_dir,
            l1_chain_id: 900,
            l1_block_time: 4,
            params: ChainParams::new(901),
        }
    }
}

/// The running L1 half.
pub struct DevnetL1 {
    /// anvil (stopped, its state written, on drop).
    pub anvil: Anvil,
    /// The data directory.
    pub dir: DataDir,
    /// The chain.
    pub devnet: DevnetFile,
    /// The L1 node.
    pub l1: L1,
    /// The keys.
    pub keys: Keys,
    /// The data directory's lock, held while this runs.
    _lock: DirLock,
}

/// An exclusive lock on a data directory (`flock` on `<data>/LOCK`, released when the process
/// exits, however it exits): two devnets on one directory would clobber each other's L1 state.
struct DirLock(#[allow(dead_code)] std::fs::File);

impl DirLock {
    fn acquire(dir: &Path) -> Result<DirLock> {
        use std::io::{Read, Seek, Write};
        use std::os::fd::AsRawFd;
        let path = dir.join("LOCK");
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .context(format!("opening {}", path.display()))?;
        // SAFETY: flock on a descriptor we own.
        if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            let mut holder = String::new();
            let _ = f.read_to_string(&mut holder);
            return Err(Error::new(format!(
                "the data directory {} is in use by another verdict devnet (pid {}): stop it \
                 first, or use another --data-dir",
                dir.display(),
                holder.trim()
            )));
        }
        f.set_len(0)
            .and_then(|_| f.rewind())
            .and_then(|_| write!(f, "{}", std::process::id()))
            .context(format!("writing {}", path.display()))?;
        Ok(DirLock(f))
    }
}

impl DevnetL1 {
    /// Starts anvil on the data directory's state; deploys the contracts on the first start
    /// (writing `devnet.json` and `l1/deployment.json`), checks they are there on a later one.
    pub async fn start(opts: &L1Options) -> Result<DevnetL1> {
        let dir = DataDir(opts.data_dir.clone());
        std::fs::create_dir_all(dir.0.join("l1"))
            .context(format!("creating {}", dir.0.display()))?;
        let lock = DirLock::acquire(&dir.0)?;
        let resumed = dir.devnet().exists();
        if resumed && !dir.anvil_state().exists() {
            return Err(Error::new(format!(
                "{} exists but the L1 state {} does not: the data directory is incomplete",
                dir.devnet().display(),
                dir.anvil_state().display()
            )));
        }
        // A first start has the fixed genesis; a restart continues after the last saved block
        // (without `--timestamp` anvil would jump to the wall clock, with the genesis time it
        // would go back in time).
        let genesis_timestamp = if resumed {
            last_saved_timestamp(&dir.anvil_state())? + 1
        } else {
            GENESIS_TIME
        };
        let anvil = Anvil::start(&AnvilOptions {
            chain_id: opts.l1_chain_id,
            block_time: Some(opts.l1_block_time),
            genesis_timestamp: Some(genesis_timestamp),
            state: Some(dir.anvil_state()),
            state_interval: Some(5),
            log: Some(dir.anvil_log()),
            ..Default::default()
        })?;
        let l1 = L1::new(&anvil.url(), false)?;
        let keys = Keys::anvil();
        let known = KnownChain::of(opts.params.l2_chain_id)?;
        if let Some(k) = &known {
            k.check_l1_genesis(&l1).await?;
        }
        let devnet = if resumed {
            let devnet: DevnetFile = read_json(&dir.devnet())?;
            // The contracts must be on the chain anvil loaded.
            for (name, a) in [
                ("DepositPortal", devnet.deployment.deposit_contract_address),
                ("SystemConfig", devnet.deployment.l1_system_config_address),
            ] {
                let code = l1
                    .client
                    .provider()
                    .get_code_at(a)
                    .await
                    .context(format!("L1 {}: eth_getCode({a})", l1.client.url()))?;
                if code.is_empty() {
                    return Err(Error::new(format!(
                        "the {name} of {} is not on the L1 loaded from {}",
                        dir.devnet().display(),
                        dir.anvil_state().display()
                    )));
                }
            }
            devnet
        } else {
            let params = DeployParams {
                l2_chain_id: opts.params.l2_chain_id,
                ..Default::default()
            };
            let mut deployment = l1.deploy(&keys, &params).await?;
            // The rollup starts at L1's genesis block; the constructors' config updates after it
            // repeat the genesis system config.
            deployment.genesis_l1 = l1.block_info(0).await?;
            write_json(&dir.deployment(), &deployment)?;
            let devnet = DevnetFile {
                params: opts.params.clone(),
                deployment,
            };
            write_json(&dir.devnet(), &devnet)?;
            devnet
        };
        write_json(
            &dir.endpoints(),
            &Endpoints {
                l1: anvil.url(),
                beacon: anvil.url(),
                l2: None,
            },
        )?;
        Ok(DevnetL1 {
            anvil,
            dir,
            devnet,
            l1,
            keys,
            _lock: lock,
        })
    }

    /// Writes `rollup.json` from `genesis.json` once the node has written it (waiting at most
    /// `wait`); returns its text. An existing `rollup.json` must agree with it.
    pub async fn rollup_config(&self, wait: Duration) -> Result<String> {
        let deadline = std::time::Instant::now() + wait;
        while !self.dir.genesis().exists() {
            if std::time::Instant::now() > deadline {
                return Err(Error::new(format!(
                    "{} did not appear within {wait:?} (the L2 node writes it)",
                    self.dir.genesis().display()
                )));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let genesis: L2Genesis = read_json(&self.dir.genesis())?;
        let text = rollup_json(&self.devnet.params, &self.devnet.deployment, &genesis)?;
        let text = match KnownChain::of(self.devnet.params.l2_chain_id)? {
            Some(known) => known.same_chain(&text)?,
            None => text,
        };
        let path = self.dir.rollup();
        if path.exists() {
            let old =
                std::fs::read_to_string(&path).context(format!("reading {}", path.display()))?;
            if old != text {
                return Err(Error::new(format!(
                    "{} differs from the one {} and {} give: the data directory mixes two chains",
                    path.display(),
                    self.dir.devnet().display(),
                    self.dir.genesis().display()
                )));
            }
        } else {
            write_atomic(&path, text.as_bytes())?;
        }
        Ok(text)
    }

    /// Adds the L2 node's URL to `endpoints.json`.
    pub fn set_l2_endpoint(&self, l2: &str) -> Result<()> {
        write_json(
            &self.dir.endpoints(),
            &Endpoints {
                l1: self.anvil.url(),
                beacon: self.anvil.url(),
                l2: Some(l2.to_string()),
            },
        )
    }

    /// Stops anvil (its state written) and removes `endpoints.json`.
    pub fn stop(mut self) -> Result<()> {
        self.anvil.stop(Duration::from_secs(20))?;
        let _ = std::fs::remove_file(self.dir.endpoints());
        Ok(())
    }
}

/// The timestamp of the last block in an anvil state file (`--state`: `{"block": {"timestamp":
/// "0x.."}, ...}`).
pub fn last_saved_timestamp(path: &Path) -> Result<u64> {
    let v: serde_json::Value = read_json(path)?;
    v.pointer("/block/timestamp")
        .and_then(|t| t.as_str())
        .and_then(|t| u64::from_str_radix(t.trim_start_matches("0x"), 16).ok())
        .ok_or_else(|| {
            Error::new(format!(
                "{}: no block timestamp (block.timestamp) in the anvil state",
                path.display()
            ))
        })
}

/// A chain compiled into the fault proof programs (crates/chains) that a devnet with its L2
/// chain id must be, exactly.
struct KnownChain {
    name: &'static str,
    text: &'static str,
    config: verdict_derive::RollupConfig,
}

impl KnownChain {
    fn of(l2_chain_id: u64) -> Result<Option<KnownChain>> {
        let Some(k) = verdict_chains::chain(l2_chain_id) else {
            return Ok(None);
        };
        let config = verdict_derive::json::rollup_config_from_slice(k.rollup_config.as_bytes())
            .map_err(|e| Error::new(format!("the compiled-in {} config: {e}", k.name)))?;
        Ok(Some(KnownChain {
            name: k.name,
            text: k.rollup_config,
            config,
        }))
    }

    /// Fails unless anvil's block 0 is this chain's L1 genesis.
    async fn check_l1_genesis(&self, l1: &L1) -> Result<()> {
        let g = l1.block_info(0).await?;
        let want: (u64, B256) = (self.config.genesis.l1.number, self.config.genesis.l1.hash);
        if (g.number, g.hash) != want {
            return Err(Error::new(format!(
                "anvil's genesis block is {} but the compiled-in {} chain's L1 genesis is {} \
                 (anvil {} is the version whose genesis it records: scripts/install-deps.sh)",
                g.hash,
                self.name,
                want.1,
                crate::anvil::ANVIL_VERSION
            )));
        }
        Ok(())
    }

    /// The compiled-in config's text if `ours` (the config this data directory's deployment
    /// and genesis give) is the same chain; otherwise an error naming what differs.
    fn same_chain(&self, ours: &str) -> Result<String> {
        let cfg = verdict_derive::json::rollup_config_from_slice(ours.as_bytes())
            .map_err(|e| Error::new(format!("the devnet's rollup config: {e}")))?;
        if cfg != self.config {
            return Err(Error::new(format!(
                "this devnet has the L2 chain id {} of the compiled-in {} chain but not its \
                 config (L1 genesis {:?}, L2 genesis {:?}, deposit contract {}, SystemConfig {}): \
                 use another --l2-chain-id or a fresh data directory",
                self.config.l2_chain_id,
                self.name,
                cfg.genesis.l1,
                cfg.genesis.l2,
                cfg.deposit_contract_address,
                cfg.l1_system_config_address
            )));
        }
        Ok(self.text.to_string())
    }
}

/// Reads `batcher/state.json` (a new batcher starts after the L2 genesis).
pub fn batcher_state(dir: &DataDir, genesis_l2: u64) -> Result<BatcherState> {
    let path = dir.batcher_state();
    if !path.exists() {
        return Ok(BatcherState {
            next_l2_block: genesis_l2 + 1,
            channels: 0,
            recent: Vec::new(),
        });
    }
    read_json(&path)
}

/// Writes `batcher/state.json`.
pub fn save_batcher_state(dir: &DataDir, s: &BatcherState) -> Result<()> {
    write_json(&dir.batcher_state(), s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixed_genesis_is_the_compiled_in_devnets() {
        let known = KnownChain::of(901)
            .unwrap()
            .expect("verdict-devnet is compiled in");
        assert_eq!(known.config.genesis.l2_time, GENESIS_TIME);
        let keys = Keys::anvil();
        assert_eq!(
            known.config.genesis.system_config.batcher_address,
            keys.batcher.address()
        );
        assert_eq!(
            known.config.deposit_contract_address,
            keys.deployer.address().create(0)
        );
        assert_eq!(
            known.config.l1_system_config_address,
            keys.deployer.address().create(1)
        );
        assert!(KnownChain::of(4242).unwrap().is_none());
    }

    #[test]
    fn reads_the_last_saved_l1_time() {
        let dir = std::env::temp_dir().join(format!("verdict-anvil-state-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("s.json");
        std::fs::write(
            &p,
            br#"{"block": {"number": "0x9", "timestamp": "0x684ee185"}}"#,
        )
        .unwrap();
        assert_eq!(last_saved_timestamp(&p).unwrap(), 1_750_000_005);
        std::fs::write(&p, br#"{"block": {}}"#).unwrap();
        assert!(last_saved_timestamp(&p)
            .unwrap_err()
            .to_string()
            .contains("block.timestamp"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
