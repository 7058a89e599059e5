//! The derivation follower (issue 16, item 6): verdict-derive over RPC (L1 and its blobs from the
//! L1 node and beacon API, the safe chain from the L2 node) derives each next L2 block's payload
//! attributes and checks them against the block the L2 node has at that height: parent, time,
//! randao, fee recipient, beacon root, gas limit, EIP-1559 parameters and every transaction,
//! byte for byte. The node's block then becomes the safe head; optionally an executor recomputes
//! the block from the attributes and its hash must be the node's.

use crate::error::{Error, Result};
use crate::l2::{L2Block, L2Client, RpcL2};
use crate::rpc::{L1Client, RpcL1};
use alloy_primitives::{Bytes, B256};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use verdict_derive::pipeline::{start_block_number, Derived};
use verdict_derive::{DeriveError, Fork, Pipeline, RollupConfig};

/// Recomputes a block's hash from its derived attributes (an executor), when given.
pub type Executor = Box<dyn FnMut(&Derived) -> Result<B256>>;

/// One derived block, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Followed {
    /// The L2 block's number.
    pub number: u64,
    /// Its hash (the node's; the executor's too when there is one).
    pub hash: B256,
    /// The L1 block it was derived from.
    pub derived_from: u64,
    /// Its transactions (deposits included).
    pub transactions: usize,
}

/// When to stop.
#[derive(Clone, Copy, Debug)]
pub struct FollowOptions {
    /// Stop after this L2 block (`None`: never).
    pub until_l2: Option<u64>,
    /// Stop when the L1 head is reached and nothing more can be derived.
    pub stop_at_l1_head: bool,
    /// The wait between polls of the L1 head and of the L2 node.
    pub poll: Duration,
    /// Give up when nothing new is derived for this long (`None`: wait forever).
    pub idle_timeout: Option<Duration>,
    /// Stop (returning what was derived) once this is set.
    pub stop: Option<&'static std::sync::atomic::AtomicBool>,
}

impl FollowOptions {
    fn stopped(&self) -> bool {
        self.stop
            .is_some_and(|s| s.load(std::sync::atomic::Ordering::SeqCst))
    }
}

impl Default for FollowOptions {
    fn default() -> Self {
        FollowOptions {
            until_l2: None,
            stop_at_l1_head: true,
            poll: Duration::from_millis(500),
            idle_timeout: None,
            stop: None,
        }
    }
}

/// The follower.
pub struct Follower {
    pipeline: Pipeline<RpcL1, RpcL1, RpcL2, HashMap<B256, Bytes>>,
    exec: verdict_program::RollupConfig,
    l1_head: Arc<std::sync::atomic::AtomicU64>,
    l1: L1Client,
    l2: L2Client,
    rt: Arc<tokio::runtime::Runtime>,
    executor: Option<Executor>,
}

impl Follower {
    /// A follower of the chain `rollup_json` from its L2 genesis: L1 (and blobs) at `l1`, the L2
    /// node at `l2`.
    pub fn new(rollup_json: &str, l1: L1Client, l2: L2Client) -> Result<Follower> {
        let cfg = verdict_derive::json::rollup_config_from_slice(rollup_json.as_bytes())?;
        let exec = verdict_program::json::rollup_config_from_slice(rollup_json.as_bytes())
            .map_err(|e| Error::new(format!("rollup config: {e}")))?;
        let rt = crate::rpc::runtime()?;
        let headers = RpcL1::new(l1.clone(), rt.clone(), None);
        let l1_head = headers.head_handle();
        let blobs = RpcL1::new(l1.clone(), rt.clone(), None).with_head_handle(l1_head.clone());
        let mut l2p = RpcL2::new(l2.clone(), rt.clone(), cfg.clone());
        let safe = l2p.get(cfg.genesis.l2.number)?.1;
        let start = start_block_number(&cfg, &safe);
        let pipeline = Pipeline::new(cfg, headers, blobs, l2p, HashMap::new(), safe, start)?;
        Ok(Follower {
            pipeline,
            exec,
            l1_head,
            l1,
            l2,
            rt,
            executor: None,
        })
    }

    /// Recompute every block with `executor` and compare its hash too.
    pub fn with_executor(mut self, executor: Executor) -> Self {
        self.executor = Some(executor);
        self
    }

    /// The rollup config.
    pub fn config(&self) -> &RollupConfig {
        self.pipeline.config()
    }

    /// The safe head derived so far.
    pub fn safe_head(&self) -> verdict_derive::L2BlockRef {
        *self.pipeline.safe_head()
    }

    /// Derives and checks blocks until `opts` says stop; `each` sees every block checked.
    pub fn run(
        &mut self,
        opts: &FollowOptions,
        mut each: impl FnMut(&Followed),
    ) -> Result<Vec<Followed>> {
        let mut out = Vec::new();
        let mut last_progress = Instant::now();
        // Derive only up to the L1 head seen at the start of each round.
        let head = self.rt.block_on(self.l1.block_number())?;
        self.set_l1_head(head);
        loop {
            if opts.stopped()
                || opts
                    .until_l2
                    .is_some_and(|n| self.pipeline.safe_head().number >= n)
            {
                return Ok(out);
            }
            match self.pipeline.next_attributes() {
                Ok(derived) => {
                    let f = self.check(&derived, opts)?;
                    each(&f);
                    out.push(f);
                    last_progress = Instant::now();
                }
                Err(DeriveError::EndOfL1) => {
                    let head = self.rt.block_on(self.l1.block_number())?;
                    if head > self.l1_head.load(std::sync::atomic::Ordering::Relaxed) {
                        self.set_l1_head(head);
                        continue;
                    }
                    if opts.stop_at_l1_head {
                        return Ok(out);
                    }
                    if opts
                        .idle_timeout
                        .is_some_and(|t| last_progress.elapsed() > t)
                    {
                        return Err(Error::new(format!(
                            "nothing derived for {:?}: the safe head is L2 block {}, L1 is read \
                             up to block {head}",
                            opts.idle_timeout.unwrap_or_default(),
                            self.pipeline.safe_head().number
                        )));
                    }
                    std::thread::sleep(opts.poll);
                }
                Err(e) => return Err(Error::from(e)),
            }
        }
    }

    fn set_l1_head(&self, head: u64) {
        self.l1_head
            .store(head, std::sync::atomic::Ordering::Relaxed);
    }

    /// Checks `derived` against the node's block at its height (waiting for the node to have it
    /// while `opts` lets it wait), then makes that block the safe head.
    fn check(&mut self, derived: &Derived, opts: &FollowOptions) -> Result<Followed> {
        let number = derived.parent.number + 1;
        let started = Instant::now();
        let block = loop {
            if let Some(b) = self.rt.block_on(self.l2.block(number))? {
                break b;
            }
            let waited = started.elapsed();
            if opts.stop_at_l1_head
                || opts.stopped()
                || opts.idle_timeout.is_some_and(|t| waited > t)
            {
                return Err(Error::new(format!(
                    "L2 {}: derived block {number} from L1 block {}, the node has no block {number}",
                    self.l2.url(),
                    derived.derived_from.number
                )));
            }
            std::thread::sleep(opts.poll);
        };
        compare(self.pipeline.config(), &self.exec, derived, &block).map_err(|e| {
            Error::new(format!(
                "L2 block {number} (node {}), derived from L1 block {}: {e}",
                self.l2.url(),
                derived.derived_from.number
            ))
        })?;
        if let Some(exec) = self.executor.as_mut() {
            let hash = exec(derived)?;
            if hash != block.hash {
                return Err(Error::new(format!(
                    "L2 block {number}: executing the derived attributes gives {hash}, the node \
                     has {}",
                    block.hash
                )));
            }
        }
        let r = self.pipeline.l2_mut().get(number)?.1;
        self.pipeline.advance(r);
        Ok(Followed {
            number,
            hash: block.hash,
            derived_from: derived.derived_from.number,
            transactions: block.transactions.len(),
        })
    }
}

/// Checks derived attributes against a block: every field the attributes fix.
pub fn compare(
    cfg: &RollupConfig,
    exec: &verdict_program::RollupConfig,
    derived: &Derived,
    block: &L2Block,
) -> std::result::Result<(), String> {
    let a = &derived.attributes;
    let h = &block.header;
    let mut diffs = Vec::new();
    if h.parent_hash != derived.parent.hash {
        diffs.push(format!(
            "parent {} (node) != {} (derived safe head)",
            h.parent_hash, derived.parent.hash
        ));
    }
    if h.timestamp != a.timestamp {
        diffs.push(format!("timestamp {} != {}", h.timestamp, a.timestamp));
    }
    if h.mix_hash != a.prev_randao {
        diffs.push(format!("prevRandao {} != {}", h.mix_hash, a.prev_randao));
    }
    if h.beneficiary != a.suggested_fee_recipient {
        diffs.push(format!(
            "fee recipient {} != {}",
            h.beneficiary, a.suggested_fee_recipient
        ));
    }
    if h.parent_beacon_block_root != a.parent_beacon_block_root {
        diffs.push(format!(
            "parent beacon root {:?} != {:?}",
            h.parent_beacon_block_root, a.parent_beacon_block_root
        ));
    }
    if h.gas_limit != a.gas_limit {
        diffs.push(format!("gas limit {} != {}", h.gas_limit, a.gas_limit));
    }
    if cfg.is_active(Fork::Holocene, a.timestamp) {
        match verdict_program::block::holocene_extra_data(exec, a.eip1559_params, a.timestamp) {
            Ok(extra) if extra != h.extra_data => diffs.push(format!(
                "extraData {} != {extra} (eip1559Params {:?})",
                h.extra_data, a.eip1559_params
            )),
            Ok(_) => {}
            Err(e) => diffs.push(format!("eip1559Params: {e}")),
        }
    }
    if block.transactions != a.transactions {
        let first = block
            .transactions
            .iter()
            .zip(&a.transactions)
            .position(|(x, y)| x != y)
            .unwrap_or(block.transactions.len().min(a.transactions.len()));
        diffs.push(format!(
            "transactions differ ({} in the node's block, {} derived; first difference at index \
             {first})",
            block.transactions.len(),
            a.transactions.len()
        ));
    }
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(diffs.join("; "))
    }
}
