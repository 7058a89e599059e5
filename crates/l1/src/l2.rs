//! The L2 node over JSON-RPC, as the batcher and the follower read it: blocks with their
//! transactions (`eth_getBlockByNumber(n, true)`, op-geth's JSON, deposits included, read with
//! op-alloy's network types) and `optimism_syncStatus`. Each block is checked against its hash
//! and its transactions root, and read the way derivation sees it (its L1 origin and sequence
//! number from the L1 info deposit; the system config after it).

use crate::error::{Error, Result};
use crate::rpc::{classify, retrying, Retry};
use alloy::providers::{Provider, RootProvider};
use alloy::rpc::types::BlockTransactionsKind;
use alloy_consensus::Header;
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Bytes, B256};
use op_alloy_network::Optimism;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use verdict_derive::batch::SingleBatch;
use verdict_derive::provider::L2Provider;
use verdict_derive::types::BlockId;
use verdict_derive::{DeriveError, L2BlockRef, RollupConfig, SystemConfig};

/// An L2 block as the batcher and the follower need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct L2Block {
    /// The header.
    pub header: Header,
    /// Its hash.
    pub hash: B256,
    /// Every transaction, EIP-2718 encoded (deposits first).
    pub transactions: Vec<Bytes>,
}

impl L2Block {
    /// A block from its header and transactions, checked against each other.
    pub fn new(header: Header, transactions: Vec<Bytes>) -> Result<L2Block> {
        let root = alloy_consensus::proofs::ordered_trie_root_with_encoder(
            &transactions,
            |t: &Bytes, out| out.extend_from_slice(t),
        );
        if root != header.transactions_root {
            return Err(Error::new(format!(
                "L2 block {}: its transactions' root is {root}, the header's {}",
                header.number, header.transactions_root
            )));
        }
        Ok(L2Block {
            hash: header.hash_slow(),
            header,
            transactions,
        })
    }

    /// The non-deposit transactions (what a batch carries).
    pub fn sequenced_transactions(&self) -> Vec<Bytes> {
        let deposits = self
            .transactions
            .iter()
            .take_while(|t| t.first() == Some(&0x7e))
            .count();
        self.transactions[deposits..].to_vec()
    }

    /// Derivation's view of the block: its reference and the system config after it (read from
    /// its L1 info deposit and header); `parent` is the system config before it.
    pub fn view(
        &self,
        cfg: &RollupConfig,
        parent: &SystemConfig,
    ) -> Result<(L2BlockRef, SystemConfig)> {
        if self.header.number == cfg.genesis.l2.number {
            if self.hash != cfg.genesis.l2.hash {
                return Err(Error::new(format!(
                    "the L2 genesis block is {}, the rollup config says {}",
                    self.hash, cfg.genesis.l2.hash
                )));
            }
            let r = L2BlockRef {
                hash: self.hash,
                number: self.header.number,
                parent_hash: self.header.parent_hash,
                timestamp: self.header.timestamp,
                l1_origin: cfg.genesis.l1,
                sequence_number: 0,
            };
            return Ok((r, cfg.genesis.system_config));
        }
        let b = verdict_testchain::l2::L2Block::new(
            cfg,
            self.header.clone(),
            self.transactions.clone(),
            vec![],
            B256::ZERO,
            parent,
        )?;
        Ok((b.block_ref, b.system_config))
    }

    /// The block's singular batch (its parent, L1 origin, time and sequenced transactions).
    pub fn batch(&self, origin: BlockId) -> SingleBatch {
        SingleBatch {
            parent_hash: self.header.parent_hash,
            epoch_num: origin.number,
            epoch_hash: origin.hash,
            timestamp: self.header.timestamp,
            transactions: self.sequenced_transactions(),
        }
    }
}

/// A block id as op-node's sync status gives it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    /// Its hash.
    pub hash: B256,
    /// Its number.
    pub number: u64,
}

/// The parts of op-node's `optimism_syncStatus` the batcher and follower read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncStatus {
    /// The L1 head the node sees.
    pub head_l1: Head,
    /// The unsafe (sequenced) L2 head.
    pub unsafe_l2: Head,
    /// The safe L2 head.
    pub safe_l2: Head,
    /// The finalized L2 head.
    pub finalized_l2: Head,
}

impl SyncStatus {
    /// Reads op-node's JSON (fields not read may be absent).
    pub fn from_json(v: &serde_json::Value) -> Result<SyncStatus> {
        let head = |name: &str, required: bool| -> Result<Head> {
            match v.get(name) {
                Some(h) if !h.is_null() => serde_json::from_value::<Head>(h.clone())
                    .map_err(|e| Error::new(format!("optimism_syncStatus: `{name}`: {e}"))),
                _ if required => Err(Error::new(format!(
                    "optimism_syncStatus: no `{name}` in {v}"
                ))),
                _ => Ok(Head::default()),
            }
        };
        Ok(SyncStatus {
            head_l1: head("head_l1", false)?,
            unsafe_l2: head("unsafe_l2", true)?,
            safe_l2: head("safe_l2", false)?,
            finalized_l2: head("finalized_l2", false)?,
        })
    }
}

/// An async client of an L2 node.
#[derive(Clone, Debug)]
pub struct L2Client {
    url: String,
    provider: RootProvider<Optimism>,
    retry: Retry,
}

impl L2Client {
    /// The L2 node at `url`.
    pub fn new(url: &str) -> Result<Self> {
        let parsed = url
            .parse()
            .map_err(|e| Error::new(format!("L2 endpoint {url}: {e}")))?;
        Ok(L2Client {
            url: url.to_string(),
            provider: RootProvider::new_http(parsed),
            retry: Retry::default(),
        })
    }

    /// With another retry policy.
    pub fn with_retry(mut self, retry: Retry) -> Self {
        self.retry = retry;
        self
    }

    /// Its URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The alloy provider (op-alloy's network).
    pub fn provider(&self) -> &RootProvider<Optimism> {
        &self.provider
    }

    /// `eth_getBlockByNumber(number, true)`, checked; `None` past the node's head.
    pub async fn block(&self, number: u64) -> Result<Option<L2Block>> {
        let p = &self.provider;
        let what = || format!("L2 {}: eth_getBlockByNumber({number}, true)", self.url);
        let block = retrying(self.retry, what, || async {
            p.get_block_by_number(number.into())
                .kind(BlockTransactionsKind::Full)
                .await
                .map_err(classify)
        })
        .await?;
        let Some(block) = block else {
            return Ok(None);
        };
        let served = block.header.hash;
        let header = block.header.inner;
        let transactions: Vec<Bytes> = block
            .transactions
            .into_transactions()
            .map(|t| Bytes::from(t.inner.inner.into_inner().encoded_2718()))
            .collect();
        let b = L2Block::new(header, transactions).map_err(|e| e.context(what()))?;
        if b.hash != served {
            return Err(Error::new(format!(
                "{}: served with hash {served}, its header hashes to {}",
                what(),
                b.hash
            )));
        }
        if b.header.number != number {
            return Err(Error::new(format!(
                "{}: got block {}",
                what(),
                b.header.number
            )));
        }
        Ok(Some(b))
    }

    /// `optimism_syncStatus`.
    pub async fn sync_status(&self) -> Result<SyncStatus> {
        let p = &self.provider;
        let v: serde_json::Value = retrying(
            self.retry,
            || format!("L2 {}: optimism_syncStatus", self.url),
            || async {
                p.raw_request::<_, serde_json::Value>("optimism_syncStatus".into(), ())
                    .await
                    .map_err(classify)
            },
        )
        .await?;
        SyncStatus::from_json(&v)
    }
}

/// The L2 chain over RPC for verdict-derive (the safe chain the pipeline builds on): blocks and
/// their derivation view, cached, read from the node one after another from genesis or a known
/// block on.
pub struct RpcL2 {
    client: L2Client,
    rt: Arc<tokio::runtime::Runtime>,
    cfg: RollupConfig,
    blocks: BTreeMap<u64, (L2Block, L2BlockRef, SystemConfig)>,
}

impl RpcL2 {
    /// The L2 node at `client` for the rollup `cfg`.
    pub fn new(client: L2Client, rt: Arc<tokio::runtime::Runtime>, cfg: RollupConfig) -> Self {
        RpcL2 {
            client,
            rt,
            cfg,
            blocks: BTreeMap::new(),
        }
    }

    /// The client.
    pub fn client(&self) -> &L2Client {
        &self.client
    }

    /// Block `number` with its view; the system config needs the parent's, so earlier blocks are
    /// read first (from genesis, or from the last block read).
    pub fn get(&mut self, number: u64) -> Result<&(L2Block, L2BlockRef, SystemConfig)> {
        if !self.blocks.contains_key(&number) {
            let start = self
                .blocks
                .range(..number)
                .next_back()
                .map_or(self.cfg.genesis.l2.number, |(n, _)| n + 1);
            for n in start..=number {
                let block = self.rt.block_on(self.client.block(n))?.ok_or_else(|| {
                    Error::new(format!("L2 {}: no block {n} yet", self.client.url()))
                })?;
                let parent_sc = match n.checked_sub(1).and_then(|p| self.blocks.get(&p)) {
                    Some((_, _, sc)) => *sc,
                    None => self.cfg.genesis.system_config,
                };
                let (r, sc) = block.view(&self.cfg, &parent_sc)?;
                self.blocks.insert(n, (block, r, sc));
            }
        }
        Ok(&self.blocks[&number])
    }

    /// Forgets blocks from `number` on (the node's chain changed there).
    pub fn forget_from(&mut self, number: u64) {
        self.blocks.split_off(&number);
    }
}

fn provider_error(e: Error) -> DeriveError {
    DeriveError::Provider(e.0)
}

impl L2Provider for RpcL2 {
    fn block_ref(&mut self, number: u64) -> Result<L2BlockRef, DeriveError> {
        Ok(self.get(number).map_err(provider_error)?.1)
    }

    fn sequenced_transactions(&mut self, number: u64) -> Result<Vec<Bytes>, DeriveError> {
        Ok(self
            .get(number)
            .map_err(provider_error)?
            .0
            .sequenced_transactions())
    }

    fn system_config(&mut self, number: u64) -> Result<SystemConfig, DeriveError> {
        Ok(self.get(number).map_err(provider_error)?.2)
    }
}
