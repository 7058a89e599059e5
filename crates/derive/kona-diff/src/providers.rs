//! kona's provider traits backed by the generator's in-memory chains: [`L1`] (its
//! `ChainProvider` and `BlobProvider`) over the generated L1 chain, [`L2`] (its
//! `L2ChainProvider`) over the [`Engine`] both pipelines execute their attributes on.

use crate::convert;
use alloy_consensus::{Header, Receipt, TxEnvelope};
use alloy_eips::eip4844::{Blob, IndexedBlobHash};
use alloy_primitives::{Bytes, B256};
use async_trait::async_trait;
use kona_derive::{PipelineError, PipelineErrorKind};
use kona_genesis::{RollupConfig, SystemConfig};
use kona_protocol::{BatchValidationProvider, BlockInfo, L2BlockInfo};
use std::fmt;
use std::sync::{Arc, Mutex};
use verdict_derive::attributes::PayloadAttributes;
use verdict_derive::generator::{FakeL2, MemL1};
use verdict_derive::{DeriveError, L2BlockRef};

/// A provider's failure: `end` when the pipeline asked past the L1 head (the run is over).
#[derive(Clone, Debug)]
pub struct ProviderError {
    /// What failed.
    pub what: String,
    /// Whether this is the end of the L1 chain.
    pub end: bool,
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.what)
    }
}

impl From<ProviderError> for PipelineErrorKind {
    fn from(e: ProviderError) -> Self {
        if e.end {
            PipelineError::EndOfSource.crit()
        } else {
            PipelineError::Provider(e.what).temp()
        }
    }
}

fn missing(what: impl Into<String>) -> ProviderError {
    ProviderError {
        what: what.into(),
        end: false,
    }
}

/// The generated L1 chain, as kona reads it.
#[derive(Clone, Debug)]
pub struct L1(pub Arc<MemL1>);

impl L1 {
    fn index(&self, hash: B256) -> Result<usize, ProviderError> {
        self.0
            .hashes
            .iter()
            .position(|h| *h == hash)
            .ok_or_else(|| missing(format!("no L1 block {hash}")))
    }
}

#[async_trait]
impl kona_derive::ChainProvider for L1 {
    type Error = ProviderError;

    async fn header_by_hash(&mut self, hash: B256) -> Result<Header, ProviderError> {
        Ok(convert::header(&self.0.headers[self.index(hash)?]))
    }

    async fn block_info_by_number(&mut self, number: u64) -> Result<BlockInfo, ProviderError> {
        let first = self.0.headers.first().map_or(0, |h| h.number);
        number
            .checked_sub(first)
            .and_then(|i| self.0.headers.get(i as usize))
            .map(convert::block_info)
            .ok_or(ProviderError {
                what: format!("L1 block {number} is past the head"),
                end: true,
            })
    }

    async fn receipts_by_hash(&mut self, hash: B256) -> Result<Vec<Receipt>, ProviderError> {
        let i = self.index(hash)?;
        Ok(self.0.receipts[i].iter().map(convert::receipt).collect())
    }

    async fn block_info_and_transactions_by_hash(
        &mut self,
        hash: B256,
    ) -> Result<(BlockInfo, Vec<TxEnvelope>), ProviderError> {
        let i = self.index(hash)?;
        let txs = self.0.txs[i].iter().map(convert::transaction).collect();
        Ok((convert::block_info(&self.0.headers[i]), txs))
    }
}

#[async_trait]
impl kona_derive::BlobProvider for L1 {
    type Error = ProviderError;

    async fn get_blobs(
        &mut self,
        _block: &BlockInfo,
        hashes: &[IndexedBlobHash],
    ) -> Result<Vec<Box<Blob>>, ProviderError> {
        hashes
            .iter()
            .map(|h| {
                let (_, blob) = self
                    .0
                    .blobs
                    .get(&h.hash)
                    .ok_or_else(|| missing(format!("no blob {}", h.hash)))?;
                Ok(Box::new(Blob::from_slice(&blob[..])))
            })
            .collect()
    }
}

/// The fake engine both pipelines execute on: verdict's [`FakeL2`] (a block's hash is a keccak
/// of its parent hash and attributes) plus every block's full transaction list, which kona's
/// span batch checks read.
#[derive(Clone, Debug)]
pub struct Engine {
    /// The chain.
    pub chain: FakeL2,
    /// Every block's transactions, deposits included (genesis: none).
    pub transactions: Vec<Vec<Bytes>>,
}

impl Engine {
    /// An engine holding the genesis block of `cfg`.
    pub fn new(cfg: &verdict_derive::RollupConfig) -> Self {
        Self {
            chain: FakeL2::new(cfg),
            transactions: vec![vec![]],
        }
    }

    /// Executes attributes on the head; returns the new block.
    pub fn execute(&mut self, attrs: &PayloadAttributes) -> Result<L2BlockRef, DeriveError> {
        let block = self.chain.execute(attrs)?;
        self.transactions.push(attrs.transactions.clone());
        Ok(block)
    }
}

/// The L2 chain as kona reads it: a shared handle on the [`Engine`].
#[derive(Clone, Debug)]
pub struct L2(pub Arc<Mutex<Engine>>);

impl L2 {
    fn with<T>(
        &self,
        f: impl FnOnce(&mut Engine) -> Result<T, DeriveError>,
    ) -> Result<T, ProviderError> {
        let mut engine = self.0.lock().map_err(|_| missing("engine lock poisoned"))?;
        f(&mut engine).map_err(|e| missing(e.to_string()))
    }
}

#[async_trait]
impl BatchValidationProvider for L2 {
    type Error = ProviderError;

    async fn l2_block_info_by_number(&mut self, number: u64) -> Result<L2BlockInfo, ProviderError> {
        self.with(|e| {
            use verdict_derive::provider::L2Provider;
            e.chain
                .block_ref(number)
                .map(|b| convert::l2_block_info(&b))
        })
    }

    async fn block_by_number(
        &mut self,
        number: u64,
    ) -> Result<op_alloy_consensus::OpBlock, ProviderError> {
        let (block, txs) = self.with(|e| {
            use verdict_derive::provider::L2Provider;
            let block = e.chain.block_ref(number)?;
            let txs = e
                .transactions
                .get(number as usize)
                .cloned()
                .unwrap_or_default();
            Ok((block, txs))
        })?;
        convert::op_block(&block, &txs).map_err(missing)
    }
}

#[async_trait]
impl kona_derive::L2ChainProvider for L2 {
    type Error = ProviderError;

    async fn system_config_by_number(
        &mut self,
        number: u64,
        _cfg: Arc<RollupConfig>,
    ) -> Result<SystemConfig, ProviderError> {
        self.with(|e| {
            use verdict_derive::provider::L2Provider;
            e.chain
                .system_config(number)
                .map(|sc| convert::system_config(&sc))
        })
    }
}
