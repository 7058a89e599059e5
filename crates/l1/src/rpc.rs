//! L1 over RPC: blocks, receipts and transactions from an execution node's JSON-RPC, blobs from a
//! beacon node's `/eth/v1/beacon/blobs/{block_id}` (anvil serves both on one port). Everything
//! fetched is checked before use: a header against its hash, transactions and receipts against
//! the header's roots, a blob against its versioned hash (its KZG commitment recomputed with
//! c-kzg). Requests time out and transport failures are retried with backoff; errors name the
//! endpoint and the request.
//!
//! [`L1Client`] is async; [`RpcL1`] wraps it for verdict-derive's synchronous [`L1Provider`] and
//! [`BlobProvider`] traits (it blocks on its own runtime: use it outside async code).

use crate::error::{Error, Result};
use alloy::network::Ethereum;
use alloy::providers::{Provider, RootProvider};
use alloy::rpc::types::BlockTransactionsKind;
use alloy_consensus::{Header, ReceiptEnvelope, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Log, B256};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use verdict_derive::blob::{versioned_hash, BLOB_SIZE};
use verdict_derive::provider::{Blob, BlobProvider, L1Provider};
use verdict_derive::{DeriveError, L1BlockRef};

/// How requests are retried.
#[derive(Clone, Copy, Debug)]
pub struct Retry {
    /// Attempts in all (at least 1).
    pub attempts: u32,
    /// The time one attempt may take.
    pub timeout: Duration,
    /// The wait after the first failure; doubled after each next one, up to 5 s.
    pub backoff: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            attempts: 5,
            timeout: Duration::from_secs(15),
            backoff: Duration::from_millis(200),
        }
    }
}

/// A failed attempt: whether trying again may help.
pub enum Attempt {
    /// A transport failure or a timeout.
    Retry(String),
    /// An answer that will not change (an error response, a malformed or inconsistent reply).
    Fail(String),
}

/// Runs `f` under `retry`: each attempt under the timeout, transport failures retried with
/// backoff. `what` names the endpoint and request in the error.
pub async fn retrying<T, F, Fut>(retry: Retry, what: impl Fn() -> String, mut f: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = std::result::Result<T, Attempt>>,
{
    let mut wait = retry.backoff;
    let mut last = String::new();
    for attempt in 1..=retry.attempts.max(1) {
        match tokio::time::timeout(retry.timeout, f()).await {
            Ok(Ok(v)) => return Ok(v),
            Ok(Err(Attempt::Fail(e))) => return Err(Error::new(format!("{}: {e}", what()))),
            Ok(Err(Attempt::Retry(e))) => last = e,
            Err(_) => last = format!("no answer within {:?}", retry.timeout),
        }
        if attempt < retry.attempts {
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(5));
        }
    }
    Err(Error::new(format!(
        "{}: {last} (after {} attempts)",
        what(),
        retry.attempts.max(1)
    )))
}

/// Classifies an alloy RPC error.
pub fn classify<E: std::fmt::Display>(e: alloy::transports::RpcError<E>) -> Attempt {
    if e.is_transport_error() {
        Attempt::Retry(e.to_string())
    } else {
        Attempt::Fail(e.to_string())
    }
}

/// An L1 block: its header (checked against its hash) and transactions (checked against the
/// header's transactions root).
#[derive(Clone, Debug)]
pub struct L1Block {
    /// The header.
    pub header: Header,
    /// Its hash.
    pub hash: B256,
    /// Its transactions, in order.
    pub transactions: Vec<TxEnvelope>,
}

/// An async client of an L1 execution node and its beacon API.
#[derive(Clone, Debug)]
pub struct L1Client {
    url: String,
    beacon: String,
    provider: RootProvider<Ethereum>,
    http: alloy::transports::http::reqwest::Client,
    retry: Retry,
}

impl L1Client {
    /// A client of the execution node at `url` and the beacon API at `beacon`.
    pub fn new(url: &str, beacon: &str) -> Result<Self> {
        let parsed = url
            .parse()
            .map_err(|e| Error::new(format!("L1 endpoint {url}: {e}")))?;
        Ok(L1Client {
            url: url.to_string(),
            beacon: beacon.trim_end_matches('/').to_string(),
            provider: RootProvider::new_http(parsed),
            http: alloy::transports::http::reqwest::Client::new(),
            retry: Retry::default(),
        })
    }

    /// With another retry policy.
    pub fn with_retry(mut self, retry: Retry) -> Self {
        self.retry = retry;
        self
    }

    /// The execution node's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The alloy provider.
    pub fn provider(&self) -> &RootProvider<Ethereum> {
        &self.provider
    }

    /// `eth_blockNumber`.
    pub async fn block_number(&self) -> Result<u64> {
        let p = &self.provider;
        retrying(
            self.retry,
            || format!("L1 {}: eth_blockNumber", self.url),
            || async { p.get_block_number().await.map_err(classify) },
        )
        .await
    }

    /// `eth_getBlockByNumber(number, true)`; `None` past the head.
    pub async fn block_by_number(&self, number: u64) -> Result<Option<L1Block>> {
        let p = &self.provider;
        let what = || format!("L1 {}: eth_getBlockByNumber({number}, true)", self.url);
        let block = retrying(self.retry, what, || async {
            p.get_block_by_number(number.into())
                .kind(BlockTransactionsKind::Full)
                .await
                .map_err(classify)
        })
        .await?;
        block
            .map(|b| check_block(b).map_err(|e| e.context(what())))
            .transpose()
    }

    /// `eth_getBlockByHash(hash, true)`.
    pub async fn block_by_hash(&self, hash: B256) -> Result<Option<L1Block>> {
        let p = &self.provider;
        let what = || format!("L1 {}: eth_getBlockByHash({hash}, true)", self.url);
        let block = retrying(self.retry, what, || async {
            p.get_block_by_hash(hash)
                .kind(BlockTransactionsKind::Full)
                .await
                .map_err(classify)
        })
        .await?;
        let block = block
            .map(|b| check_block(b).map_err(|e| e.context(what())))
            .transpose()?;
        if let Some(b) = &block {
            if b.hash != hash {
                return Err(Error::new(format!("{}: got block {}", what(), b.hash)));
            }
        }
        Ok(block)
    }

    /// `eth_getBlockReceipts(hash)`, checked against the header's receipts root.
    pub async fn receipts(&self, header: &Header, hash: B256) -> Result<Vec<ReceiptEnvelope>> {
        let p = &self.provider;
        let what = || format!("L1 {}: eth_getBlockReceipts({hash})", self.url);
        let receipts = retrying(self.retry, what, || async {
            p.get_block_receipts(hash.into()).await.map_err(classify)
        })
        .await?
        .ok_or_else(|| Error::new(format!("{}: no such block", what())))?;
        let receipts: Vec<ReceiptEnvelope> = receipts
            .into_iter()
            .map(|r| {
                r.inner
                    .map_logs(|l: alloy::rpc::types::Log| -> Log { l.inner })
            })
            .collect();
        let root = alloy_consensus::proofs::calculate_receipt_root(&receipts);
        if root != header.receipts_root {
            return Err(Error::new(format!(
                "{}: the receipts' root is {root}, the header's {}",
                what(),
                header.receipts_root
            )));
        }
        Ok(receipts)
    }

    /// Every blob of the block with `hash`, in the block's order, from the beacon API.
    pub async fn blobs(&self, hash: B256) -> Result<Vec<Blob>> {
        let url = format!("{}/eth/v1/beacon/blobs/{hash}", self.beacon);
        let what = || format!("beacon GET {url}");
        let http = &self.http;
        let body: serde_json::Value = retrying(self.retry, what, || async {
            let resp = http
                .get(&url)
                .header("accept", "application/json")
                .send()
                .await
                .map_err(|e| Attempt::Retry(e.to_string()))?;
            let status = resp.status();
            let text = resp
                .text()
                .await
                .map_err(|e| Attempt::Retry(e.to_string()))?;
            if status.is_server_error() {
                return Err(Attempt::Retry(format!("HTTP {status}: {}", short(&text))));
            }
            if !status.is_success() {
                return Err(Attempt::Fail(format!("HTTP {status}: {}", short(&text))));
            }
            serde_json::from_str(&text).map_err(|e| Attempt::Fail(format!("not JSON: {e}")))
        })
        .await?;
        let data = body
            .get("data")
            .and_then(|d| d.as_array())
            .ok_or_else(|| Error::new(format!("{}: no `data` array", what())))?;
        data.iter()
            .enumerate()
            .map(|(i, v)| {
                let s = v.as_str().unwrap_or_default();
                let bytes = alloy_primitives::hex::decode(s.strip_prefix("0x").unwrap_or(s))
                    .map_err(|e| Error::new(format!("{}: blob {i}: {e}", what())))?;
                let blob: Box<[u8; BLOB_SIZE]> =
                    bytes
                        .into_boxed_slice()
                        .try_into()
                        .map_err(|b: Box<[u8]>| {
                            Error::new(format!("{}: blob {i} has {} bytes", what(), b.len()))
                        })?;
                Ok(blob)
            })
            .collect()
    }
}

fn short(s: &str) -> &str {
    let end = s.char_indices().nth(300).map_or(s.len(), |(i, _)| i);
    s[..end].trim()
}

/// A block as served: the header hashes to the hash served, the transactions to its root.
fn check_block(b: alloy::rpc::types::Block) -> Result<L1Block> {
    let hash = b.header.hash;
    let header = b.header.inner;
    if header.hash_slow() != hash {
        return Err(Error::new(format!(
            "block {} served with hash {hash}, its header hashes to {}",
            header.number,
            header.hash_slow()
        )));
    }
    let transactions: Vec<TxEnvelope> = b
        .transactions
        .into_transactions()
        .map(|t| t.into_inner())
        .collect();
    let root = alloy_consensus::proofs::ordered_trie_root_with_encoder(&transactions, |t, out| {
        t.encode_2718(out)
    });
    if root != header.transactions_root {
        return Err(Error::new(format!(
            "block {} ({hash}): its transactions' root is {root}, the header's {}",
            header.number, header.transactions_root
        )));
    }
    Ok(L1Block {
        header,
        hash,
        transactions,
    })
}

/// The KZG commitment of a blob (c-kzg, Ethereum's trusted setup).
pub fn blob_commitment(blob: &[u8; BLOB_SIZE]) -> Result<[u8; 48]> {
    let kzg = |e: c_kzg::Error| Error::new(format!("KZG: {e:?}"));
    let b = c_kzg::Blob::from_bytes(blob).map_err(kzg)?;
    let c = c_kzg::ethereum_kzg_settings(0)
        .blob_to_kzg_commitment(&b)
        .map_err(kzg)?;
    Ok(*c.to_bytes())
}

/// A tokio runtime for the synchronous wrappers.
pub fn runtime() -> Result<Arc<tokio::runtime::Runtime>> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map(Arc::new)
        .map_err(|e| Error::new(format!("tokio runtime: {e}")))
}

/// L1 over RPC for verdict-derive: headers, receipts and transactions from the execution node,
/// blobs from the beacon API, cached, up to a head.
pub struct RpcL1 {
    client: L1Client,
    rt: Arc<tokio::runtime::Runtime>,
    head: Arc<AtomicU64>,
    by_number: BTreeMap<u64, B256>,
    blocks: HashMap<B256, L1Block>,
    receipts: HashMap<B256, Vec<ReceiptEnvelope>>,
    blobs: HashMap<B256, Vec<Blob>>,
    blob_order: VecDeque<B256>,
    /// Requests made (blocks, receipts, blob lists), for tests and statistics.
    pub requests: u64,
}

/// How many blocks' blobs stay cached.
const BLOB_CACHE_BLOCKS: usize = 16;

impl RpcL1 {
    /// L1 at `client`, on runtime `rt`; `head`: the last block derivation may read (`None`: the
    /// node's head at each request).
    pub fn new(client: L1Client, rt: Arc<tokio::runtime::Runtime>, head: Option<u64>) -> Self {
        RpcL1 {
            client,
            rt,
            head: Arc::new(AtomicU64::new(head.unwrap_or(u64::MAX))),
            by_number: BTreeMap::new(),
            blocks: HashMap::new(),
            receipts: HashMap::new(),
            blobs: HashMap::new(),
            blob_order: VecDeque::new(),
            requests: 0,
        }
    }

    /// The client.
    pub fn client(&self) -> &L1Client {
        &self.client
    }

    /// Moves the head (derivation may then read up to it).
    pub fn set_head(&self, head: Option<u64>) {
        self.head.store(head.unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// The head, shared: another handle (a clone of this one) moves it too.
    pub fn head_handle(&self) -> Arc<AtomicU64> {
        self.head.clone()
    }

    /// Shares `head` (see [`RpcL1::head_handle`]).
    pub fn with_head_handle(mut self, head: Arc<AtomicU64>) -> Self {
        self.head = head;
        self
    }

    /// The block `number`, fetched once.
    pub fn block_by_number(&mut self, number: u64) -> Result<Option<&L1Block>> {
        if number > self.head.load(Ordering::Relaxed) {
            return Ok(None);
        }
        if let Some(hash) = self.by_number.get(&number).copied() {
            return Ok(self.blocks.get(&hash));
        }
        self.requests += 1;
        let Some(block) = self.rt.block_on(self.client.block_by_number(number))? else {
            return Ok(None);
        };
        let hash = block.hash;
        self.by_number.insert(number, hash);
        self.blocks.insert(hash, block);
        Ok(self.blocks.get(&hash))
    }

    /// The block with `hash`, fetched once.
    pub fn block_by_hash(&mut self, hash: B256) -> Result<&L1Block> {
        if !self.blocks.contains_key(&hash) {
            self.requests += 1;
            let block = self
                .rt
                .block_on(self.client.block_by_hash(hash))?
                .ok_or_else(|| Error::new(format!("L1 {}: no block {hash}", self.client.url())))?;
            self.blocks.insert(hash, block);
        }
        Ok(&self.blocks[&hash])
    }

    /// The receipts of the block with `hash`, fetched once.
    pub fn block_receipts(&mut self, hash: B256) -> Result<&Vec<ReceiptEnvelope>> {
        if !self.receipts.contains_key(&hash) {
            let header = self.block_by_hash(hash)?.header.clone();
            self.requests += 1;
            let r = self.rt.block_on(self.client.receipts(&header, hash))?;
            self.receipts.insert(hash, r);
        }
        Ok(&self.receipts[&hash])
    }

    /// The blobs of the block with `hash`, fetched once (the last few blocks' are kept).
    pub fn block_blobs(&mut self, hash: B256) -> Result<&Vec<Blob>> {
        if !self.blobs.contains_key(&hash) {
            self.requests += 1;
            let blobs = self.rt.block_on(self.client.blobs(hash))?;
            if self.blob_order.len() >= BLOB_CACHE_BLOCKS {
                if let Some(old) = self.blob_order.pop_front() {
                    self.blobs.remove(&old);
                }
            }
            self.blob_order.push_back(hash);
            self.blobs.insert(hash, blobs);
        }
        Ok(&self.blobs[&hash])
    }
}

fn provider_error(e: Error) -> DeriveError {
    DeriveError::Provider(e.0)
}

impl L1Provider for RpcL1 {
    fn header_by_number(&mut self, number: u64) -> Result<Option<Header>, DeriveError> {
        Ok(self
            .block_by_number(number)
            .map_err(provider_error)?
            .map(|b| b.header.clone()))
    }

    fn header_by_hash(&mut self, hash: B256) -> Result<Header, DeriveError> {
        Ok(self
            .block_by_hash(hash)
            .map_err(provider_error)?
            .header
            .clone())
    }

    fn receipts(&mut self, hash: B256) -> Result<Vec<ReceiptEnvelope>, DeriveError> {
        self.block_receipts(hash).cloned().map_err(provider_error)
    }

    fn transactions(&mut self, hash: B256) -> Result<Vec<TxEnvelope>, DeriveError> {
        Ok(self
            .block_by_hash(hash)
            .map_err(provider_error)?
            .transactions
            .clone())
    }
}

impl BlobProvider for RpcL1 {
    fn blob(
        &mut self,
        block: &L1BlockRef,
        index: u64,
        hash: B256,
    ) -> Result<([u8; 48], Blob), DeriveError> {
        let url = self.client.url().to_string();
        let blobs = self.block_blobs(block.hash).map_err(provider_error)?;
        let blob = blobs.get(index as usize).cloned().ok_or_else(|| {
            DeriveError::Provider(format!(
                "beacon {url}: block {} ({}) has {} blobs, no blob {index} ({hash})",
                block.number,
                block.hash,
                blobs.len()
            ))
        })?;
        let commitment = blob_commitment(&blob).map_err(provider_error)?;
        if versioned_hash(&commitment) != hash {
            return Err(DeriveError::Provider(format!(
                "beacon {url}: blob {index} of block {} ({}) has versioned hash {}, the \
                 transaction names {hash}",
                block.number,
                block.hash,
                versioned_hash(&commitment)
            )));
        }
        Ok((commitment, blob))
    }
}
