//! Building blocks: the L1 chain read over RPC (cached, checked), the L2 chain from the store,
//! L1 origin selection by the sequencer drift rules, payload attributes from verdict-derive's
//! `build_attributes` (L1 info deposit, user deposits, upgrade transactions: the attributes
//! derivation re-derives from a batch of the same transactions), then the pool's transactions,
//! executed by crates/program.

use crate::eth::{EthClient, EthError};
use crate::store::{BlockInfo, NodeStore, StoredBlock};
use alloy_consensus::{Header, ReceiptEnvelope, TxEnvelope};
use alloy_eips::eip2718::{Decodable2718, Encodable2718};
use alloy_primitives::{Bytes, B256, B64};
use op_alloy_consensus::OpTxEnvelope;
use std::collections::HashMap;
use std::sync::Mutex;
use verdict_derive::attributes::build_attributes;
use verdict_derive::batch::SingleBatch;
use verdict_derive::config::{Fork, RollupConfig};
use verdict_derive::l1_info::decode_l1_info;
use verdict_derive::provider::{BytecodeSource, L1Provider, L2Provider};
use verdict_derive::{BlockId, DeriveError, L2BlockRef, SystemConfig};
use verdict_program::{execute_block_with_post_state, Preimages, ProgramError};

/// Why a block could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// Reading L1 failed.
    #[error("reading L1: {0}")]
    L1(#[from] EthError),
    /// Making the attributes failed.
    #[error("payload attributes: {0}")]
    Derive(#[from] DeriveError),
    /// Execution failed.
    #[error("executing block {number}: {error}")]
    Execute {
        /// The block number.
        number: u64,
        /// Why.
        error: ProgramError,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

/// The L1 chain over RPC, headers and receipts cached (L1 has no reorgs on the local chain; the
/// cache is keyed by hash, and by number only below the head the node has seen).
pub struct L1Chain {
    eth: EthClient,
    headers: Mutex<HashMap<B256, Header>>,
    by_number: Mutex<HashMap<u64, B256>>,
    receipts: Mutex<HashMap<B256, Vec<ReceiptEnvelope>>>,
}

impl L1Chain {
    /// The L1 behind `eth`.
    pub fn new(eth: EthClient) -> Self {
        L1Chain {
            eth,
            headers: Default::default(),
            by_number: Default::default(),
            receipts: Default::default(),
        }
    }

    /// The client.
    pub fn eth(&self) -> &EthClient {
        &self.eth
    }

    /// The latest L1 block's header and hash.
    pub fn latest(&self) -> Result<(Header, B256), EthError> {
        let n = self.eth.block_number()?;
        self.by_number(n)?.ok_or_else(|| EthError::Bad {
            endpoint: self.eth.rpc().url().to_string(),
            request: format!("eth_getBlockByNumber({n:#x})"),
            message: "the latest block is missing".into(),
        })
    }

    /// The header of block `number`, if L1 has it.
    pub fn by_number(&self, number: u64) -> Result<Option<(Header, B256)>, EthError> {
        if let Some(hash) = self.by_number.lock().expect("lock").get(&number).copied() {
            if let Some(h) = self.headers.lock().expect("lock").get(&hash) {
                return Ok(Some((h.clone(), hash)));
            }
        }
        let Some((header, hash)) = self.eth.header_by_number(number)? else {
            return Ok(None);
        };
        self.by_number.lock().expect("lock").insert(number, hash);
        self.headers
            .lock()
            .expect("lock")
            .insert(hash, header.clone());
        Ok(Some((header, hash)))
    }

    /// The hash of L1's block `number` now, asked of the node (never answered from the cache,
    /// which is corrected).
    pub fn canonical(&self, number: u64) -> Result<Option<B256>, EthError> {
        let Some((header, hash)) = self.eth.header_by_number(number)? else {
            self.by_number.lock().expect("lock").remove(&number);
            return Ok(None);
        };
        self.by_number.lock().expect("lock").insert(number, hash);
        self.headers.lock().expect("lock").insert(hash, header);
        Ok(Some(hash))
    }

    /// Forgets which block is at which number (after an L1 reorg).
    pub fn forget_numbers(&self) {
        self.by_number.lock().expect("lock").clear();
    }

    /// The header with `hash`.
    pub fn by_hash(&self, hash: B256) -> Result<Header, EthError> {
        if let Some(h) = self.headers.lock().expect("lock").get(&hash) {
            return Ok(h.clone());
        }
        let header = self.eth.header_by_hash(hash)?;
        self.headers
            .lock()
            .expect("lock")
            .insert(hash, header.clone());
        Ok(header)
    }

    fn receipts_of(&self, hash: B256) -> Result<Vec<ReceiptEnvelope>, EthError> {
        if let Some(r) = self.receipts.lock().expect("lock").get(&hash) {
            return Ok(r.clone());
        }
        let header = self.by_hash(hash)?;
        let (r, _) = self.eth.l1_receipts(hash, &header)?;
        self.receipts.lock().expect("lock").insert(hash, r.clone());
        Ok(r)
    }
}

fn provider(e: EthError) -> DeriveError {
    DeriveError::Provider(e.to_string())
}

impl L1Provider for &L1Chain {
    fn header_by_number(&mut self, number: u64) -> Result<Option<Header>, DeriveError> {
        Ok(self.by_number(number).map_err(provider)?.map(|(h, _)| h))
    }
    fn header_by_hash(&mut self, hash: B256) -> Result<Header, DeriveError> {
        self.by_hash(hash).map_err(provider)
    }
    fn receipts(&mut self, hash: B256) -> Result<Vec<ReceiptEnvelope>, DeriveError> {
        self.receipts_of(hash).map_err(provider)
    }
    fn transactions(&mut self, hash: B256) -> Result<Vec<TxEnvelope>, DeriveError> {
        let header = self.by_hash(hash).map_err(provider)?;
        Ok(self.eth.l1_transactions(hash, &header).map_err(provider)?.0)
    }
}

/// The system config a block carries (its L1 info deposit, gas limit and Holocene extra data),
/// as derivation reads it back from the block.
pub fn system_config_of(
    cfg: &RollupConfig,
    header: &Header,
    transactions: &[Bytes],
) -> Result<SystemConfig, String> {
    if header.number == cfg.genesis.l2.number {
        return Ok(cfg.genesis.system_config);
    }
    let first = transactions
        .first()
        .ok_or_else(|| format!("L2 block {} has no transactions", header.number))?;
    let info = match OpTxEnvelope::decode_2718(&mut first.as_ref()) {
        Ok(OpTxEnvelope::Deposit(d)) => decode_l1_info(&d.inner().input),
        _ => None,
    }
    .ok_or_else(|| format!("L2 block {} has no L1 info deposit first", header.number))?;
    let mut sc = SystemConfig {
        batcher_address: info.batcher,
        overhead: info.overhead,
        scalar: info.scalar,
        gas_limit: header.gas_limit,
        operator_fee_scalar: info.operator_fee_scalar,
        operator_fee_constant: info.operator_fee_constant,
        da_footprint_gas_scalar: info.da_footprint_gas_scalar,
        ..SystemConfig::default()
    };
    if cfg.is_active(Fork::Holocene, header.timestamp) {
        let extra = &header.extra_data;
        if extra.len() < 9 {
            return Err(format!(
                "L2 block {}: extra data {extra} is not Holocene's",
                header.number
            ));
        }
        sc.eip1559_denominator = u32::from_be_bytes(extra[1..5].try_into().expect("4 bytes"));
        sc.eip1559_elasticity = u32::from_be_bytes(extra[5..9].try_into().expect("4 bytes"));
    }
    Ok(sc)
}

/// The L2 chain in the store, as derivation reads it.
pub struct L2View<'a> {
    /// The store.
    pub store: &'a NodeStore,
    /// The rollup config.
    pub cfg: &'a RollupConfig,
}

impl L2View<'_> {
    fn block(&self, number: u64) -> Result<(Header, B256, Vec<Bytes>), DeriveError> {
        let err = |m: String| DeriveError::Provider(m);
        let hash = self
            .store
            .hash_at(number)
            .map_err(|e| err(e.to_string()))?
            .ok_or_else(|| err(format!("no L2 block {number}")))?;
        let header = self
            .store
            .header(hash)
            .map_err(|e| err(e.to_string()))?
            .ok_or_else(|| err(format!("no header of L2 block {number}")))?;
        let txs = self
            .store
            .transactions(hash)
            .map_err(|e| err(e.to_string()))?
            .unwrap_or_default();
        Ok((header, hash, txs))
    }
}

impl L2Provider for L2View<'_> {
    fn block_ref(&mut self, number: u64) -> Result<L2BlockRef, DeriveError> {
        let (_, hash, _) = self.block(number)?;
        self.store
            .block_ref(hash)
            .map_err(|e| DeriveError::Provider(e.to_string()))?
            .ok_or_else(|| DeriveError::Provider(format!("no L2 block {number}")))
    }
    fn sequenced_transactions(&mut self, number: u64) -> Result<Vec<Bytes>, DeriveError> {
        let (_, _, txs) = self.block(number)?;
        Ok(txs
            .into_iter()
            .filter(|t| t.first() != Some(&0x7e))
            .collect())
    }
    fn system_config(&mut self, number: u64) -> Result<SystemConfig, DeriveError> {
        let (header, _, txs) = self.block(number)?;
        system_config_of(self.cfg, &header, &txs).map_err(DeriveError::BadL2)
    }
}

/// No upgrade bytecode: the local chain starts with every fork it runs, so no block carries
/// upgrade transactions.
pub struct NoUpgrades;

impl BytecodeSource for NoUpgrades {
    fn bytecode(&mut self, hash: B256) -> Result<Bytes, DeriveError> {
        Err(DeriveError::Provider(format!(
            "upgrade bytecode {hash} requested, but the local chain schedules no fork after genesis"
        )))
    }
}

/// Derived attributes as the executor takes them.
pub fn to_executable(a: &verdict_derive::PayloadAttributes) -> verdict_program::PayloadAttributes {
    verdict_program::PayloadAttributes {
        timestamp: a.timestamp,
        prev_randao: a.prev_randao,
        suggested_fee_recipient: a.suggested_fee_recipient,
        parent_beacon_block_root: a.parent_beacon_block_root,
        transactions: a.transactions.clone(),
        gas_limit: Some(a.gas_limit),
        eip1559_params: a.eip1559_params,
    }
}

/// The attributes a stored block was built from (for its execution witness).
pub fn attributes_of(
    header: &Header,
    transactions: Vec<Bytes>,
) -> verdict_program::PayloadAttributes {
    let eip1559_params =
        (header.extra_data.len() >= 9).then(|| B64::from_slice(&header.extra_data[1..9]));
    verdict_program::PayloadAttributes {
        timestamp: header.timestamp,
        prev_randao: header.mix_hash,
        suggested_fee_recipient: header.beneficiary,
        parent_beacon_block_root: header.parent_beacon_block_root,
        transactions,
        gas_limit: Some(header.gas_limit),
        eip1559_params,
    }
}

/// What the sequencer chose for the next block.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The parent.
    pub parent: L2BlockRef,
    /// The L1 origin.
    pub origin: BlockId,
    /// Whether the drift is exceeded (no pool transactions then).
    pub drift_exceeded: bool,
    /// The attributes with the deposits only (pool transactions go after them).
    pub attributes: verdict_derive::PayloadAttributes,
}

/// Chooses the next block's L1 origin (the parent's, or the next L1 block once the L2 time has
/// reached it: origins advance one L1 block at a time) and builds its attributes without pool
/// transactions. `None` when L1 does not have the parent's origin's successor and the drift
/// would be exceeded with no successor known... which derivation still accepts for an empty
/// block, so the sequencer builds it (empty).
pub fn plan_next(cfg: &RollupConfig, store: &NodeStore, l1: &L1Chain) -> Result<Plan, BuildError> {
    let (_, head_hash) = store.head_header()?;
    let parent = store
        .block_ref(head_hash)?
        .ok_or_else(|| BuildError::Other(format!("the head {head_hash} has no block info")))?;
    let timestamp = parent.timestamp + cfg.block_time;
    let current = l1.by_hash(parent.l1_origin.hash)?;
    let origin = match l1.by_number(parent.l1_origin.number + 1)? {
        Some((next, hash)) if next.timestamp <= timestamp => {
            if next.parent_hash != parent.l1_origin.hash {
                return Err(BuildError::Other(format!(
                    "L1 block {} does not follow the L1 origin {} (an L1 reorg)",
                    next.number, parent.l1_origin.hash
                )));
            }
            (next, hash)
        }
        _ => (current, parent.l1_origin.hash),
    };
    let drift_exceeded =
        timestamp > origin.0.timestamp + cfg.max_sequencer_drift(origin.0.timestamp);
    let batch = SingleBatch {
        parent_hash: parent.hash,
        epoch_num: origin.0.number,
        epoch_hash: origin.1,
        timestamp,
        transactions: vec![],
    };
    let mut l1v = l1;
    let mut l2v = L2View { store, cfg };
    let attributes = build_attributes(cfg, &mut l1v, &mut l2v, &mut NoUpgrades, &parent, &batch)?;
    Ok(Plan {
        parent,
        origin: BlockId {
            hash: origin.1,
            number: origin.0.number,
        },
        drift_exceeded,
        attributes,
    })
}

/// A block built, not yet stored.
pub struct Built {
    /// The block.
    pub block: StoredBlock,
    /// The post-state's trie nodes.
    pub nodes: Vec<Vec<u8>>,
    /// The code it created or called.
    pub code: Vec<Bytes>,
    /// The attributes it was built from (deposits then pool transactions).
    pub attributes: verdict_derive::PayloadAttributes,
}

/// Why a pool transaction was left out.
#[derive(Clone, Debug)]
pub struct Rejected {
    /// The transaction.
    pub tx: Bytes,
    /// Why.
    pub reason: String,
}

/// Executes `plan` with `candidates` from the pool after its deposits: a candidate the executor
/// refuses is left out (and returned) and the block built again without it.
pub fn build(
    exec_cfg: &verdict_program::RollupConfig,
    store: &NodeStore,
    plan: &Plan,
    mut candidates: Vec<Bytes>,
) -> Result<(Built, Vec<Rejected>), BuildError> {
    let parent = store
        .header(plan.parent.hash)?
        .ok_or_else(|| BuildError::Other(format!("no header of the head {}", plan.parent.hash)))?;
    if plan.drift_exceeded {
        candidates.clear();
    }
    // Pool transactions fit into the gas the deposits leave.
    let deposit_gas: u64 = plan
        .attributes
        .transactions
        .iter()
        .filter_map(|t| OpTxEnvelope::decode_2718(&mut t.as_ref()).ok())
        .map(|t| alloy_consensus::Transaction::gas_limit(&t))
        .sum();
    let mut room = plan.attributes.gas_limit.saturating_sub(deposit_gas);
    candidates.retain(|t| match OpTxEnvelope::decode_2718(&mut t.as_ref()) {
        Ok(tx) => {
            let g = alloy_consensus::Transaction::gas_limit(&tx);
            if g <= room {
                room -= g;
                true
            } else {
                false
            }
        }
        Err(_) => false,
    });
    let deposits = plan.attributes.transactions.len();
    let mut rejected = Vec::new();
    let preimages = Preimages::new(store);
    loop {
        let mut attributes = plan.attributes.clone();
        attributes.transactions.extend(candidates.iter().cloned());
        let exec = to_executable(&attributes);
        match execute_block_with_post_state(&preimages, exec_cfg, &parent, &exec, true) {
            Ok((executed, post)) => {
                let block = StoredBlock {
                    hash: executed.hash,
                    transactions: attributes.transactions.clone(),
                    receipts: executed
                        .receipts
                        .iter()
                        .map(|r| Bytes::from(r.encoded_2718()))
                        .collect(),
                    info: BlockInfo {
                        l1_origin: plan.origin,
                        sequence_number: if plan.origin.hash == plan.parent.l1_origin.hash {
                            plan.parent.sequence_number + 1
                        } else {
                            0
                        },
                        message_passer_root: executed
                            .message_passer_storage_root
                            .expect("asked for"),
                    },
                    header: executed.header,
                };
                return Ok((
                    Built {
                        block,
                        nodes: post.nodes,
                        code: post.code,
                        attributes,
                    },
                    rejected,
                ));
            }
            Err(ProgramError::InvalidTransaction { index, reason }) if index >= deposits => {
                let tx = candidates.remove(index - deposits);
                rejected.push(Rejected { tx, reason });
            }
            Err(error) => {
                return Err(BuildError::Execute {
                    number: parent.number + 1,
                    error,
                })
            }
        }
    }
}
