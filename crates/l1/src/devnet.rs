//! The local chain's L1 half (`verdict devnet`): anvil with its state in the data directory, the
//! contracts deployed once, the chain's parameters written for the L2 node, the rollup config
//! written once the node has written its genesis, the batcher and the proposer's records.
//!
//! The data directory (each file has one writer, and is written atomically):
//! ```text
//! <data>/
//!   devnet.json        L1 half, once: the chain's parameters and the L1 deployment (what the
//!                      node needs to build its genesis): {"params": ChainParams, "deployment":
//!                      Deployment}
//!   genesis.json       the node: the L2 genesis block {"hash", "number", "timestamp"}
//!   rollup.json        L1 half, once genesis.json exists: op-node's rollup config
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
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Writes `bytes` to `path` atomically (a temporary file in the same directory, synced, then
/// renamed over it).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).context(format!("creating {}", dir.display()))?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file"),
        std::process::id()
    ));
    let mut f = std::fs::File::create(&tmp).context(format!("creating {}", tmp.display()))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .context(format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).context(format!(
        "renaming {} to {}",
        tmp.display(),
        path.display()
    ))?;
    Ok(())
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatcherState {
    /// The next L2 block to batch.
    pub next_l2_block: u64,
    /// Channels made so far.
    pub channels: u64,
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
}

impl DevnetL1 {
    /// Starts anvil on the data directory's state; deploys the contracts on the first start
    /// (writing `devnet.json` and `l1/deployment.json`), checks they are there on a later one.
    pub async fn start(opts: &L1Options) -> Result<DevnetL1> {
        let dir = DataDir(opts.data_dir.clone());
        std::fs::create_dir_all(dir.0.join("l1"))
            .context(format!("creating {}", dir.0.display()))?;
        let resumed = dir.devnet().exists();
        if resumed && !dir.anvil_state().exists() {
            return Err(Error::new(format!(
                "{} exists but the L1 state {} does not: the data directory is incomplete",
                dir.devnet().display(),
                dir.anvil_state().display()
            )));
        }
        let anvil = Anvil::start(&AnvilOptions {
            chain_id: opts.l1_chain_id,
            block_time: Some(opts.l1_block_time),
            state: Some(dir.anvil_state()),
            state_interval: Some(5),
            log: Some(dir.anvil_log()),
            ..Default::default()
        })?;
        let l1 = L1::new(&anvil.url(), false)?;
        let keys = Keys::devnet();
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
            let deployment = l1.deploy(&keys, &params).await?;
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

/// Reads `batcher/state.json` (a new batcher starts after the L2 genesis).
pub fn batcher_state(dir: &DataDir, genesis_l2: u64) -> Result<BatcherState> {
    let path = dir.batcher_state();
    if !path.exists() {
        return Ok(BatcherState {
            next_l2_block: genesis_l2 + 1,
            channels: 0,
        });
    }
    read_json(&path)
}

/// Writes `batcher/state.json`.
pub fn save_batcher_state(dir: &DataDir, s: &BatcherState) -> Result<()> {
    write_json(&dir.batcher_state(), s)
}
