//! Reading an Ethereum (L1) or OP Stack (L2) node over JSON-RPC, checked: a header must hash to
//! the hash asked for, a block's transactions and receipts must rebuild the roots its header
//! commits to. Used by the node (its L1) and by the online host (L1 and L2).

use alloy_consensus::{
    Eip658Value, Header, Receipt, ReceiptEnvelope, ReceiptWithBloom, TxEnvelope,
};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, Bytes, Log, LogData, B256};
use op_alloy_consensus::OpTxEnvelope;
use serde_json::{json, Value};
use verdict_program::{NoNodes, Trie};
use verdict_rpc::{Client, ClientConfig, RpcError};

/// Why a read failed: the call, or what was wrong with the answer (naming endpoint and request).
#[derive(Debug, thiserror::Error)]
pub enum EthError {
    /// The call failed.
    #[error(transparent)]
    Rpc(#[from] RpcError),
    /// The answer is wrong: it does not parse, or does not match what it must.
    #[error("{endpoint}: {request}: {message}")]
    Bad {
        /// The endpoint.
        endpoint: String,
        /// The request.
        request: String,
        /// What is wrong.
        message: String,
    },
}

/// An L1 block's transactions: decoded, EIP-2718 encoded, and the nodes of their trie.
pub type L1Transactions = (Vec<TxEnvelope>, Vec<Bytes>, Vec<Vec<u8>>);

/// A node's JSON-RPC endpoint.
#[derive(Debug)]
pub struct EthClient {
    rpc: Client,
}

/// The root of the ordered trie of `items` (keys `rlp(index)`) and every node of it.
pub fn ordered_trie(items: &[Bytes]) -> (B256, Vec<Vec<u8>>) {
    let mut trie = Trie::empty();
    for (i, item) in items.iter().enumerate() {
        trie.insert(&alloy_rlp::encode(i), item.to_vec(), &NoNodes)
            .expect("an in-memory trie needs no nodes");
    }
    (trie.root(), trie.nodes())
}

fn hex_u64(v: &Value) -> Option<u64> {
    u64::from_str_radix(v.as_str()?.strip_prefix("0x")?, 16).ok()
}

fn hex_bytes(v: &Value) -> Option<Vec<u8>> {
    alloy_primitives::hex::decode(v.as_str()?.strip_prefix("0x")?).ok()
}

/// A receipt from its JSON-RPC form.
pub fn parse_receipt(v: &Value) -> Result<ReceiptEnvelope, String> {
    let ty = v.get("type").and_then(hex_u64).ok_or("no type")?;
    let status = v.get("status").and_then(hex_u64).ok_or("no status")?;
    let cumulative = v
        .get("cumulativeGasUsed")
        .and_then(hex_u64)
        .ok_or("no cumulativeGasUsed")?;
    let mut logs = Vec::new();
    for (i, l) in v
        .get("logs")
        .and_then(Value::as_array)
        .ok_or("no logs")?
        .iter()
        .enumerate()
    {
        let address: Address = l
            .get("address")
            .and_then(|a| a.as_str()?.parse().ok())
            .ok_or(format!("log {i}: no address"))?;
        let topics: Vec<B256> = l
            .get("topics")
            .and_then(Value::as_array)
            .ok_or(format!("log {i}: no topics"))?
            .iter()
            .map(|t| t.as_str().and_then(|s| s.parse().ok()))
            .collect::<Option<_>>()
            .ok_or(format!("log {i}: bad topics"))?;
        let data = l
            .get("data")
            .and_then(hex_bytes)
            .ok_or(format!("log {i}: no data"))?;
        logs.push(Log {
            address,
            data: LogData::new(topics, data.into()).ok_or(format!("log {i}: too many topics"))?,
        });
    }
    let receipt = Receipt {
        status: Eip658Value::Eip658(status == 1),
        cumulative_gas_used: cumulative,
        logs,
    };
    let r = ReceiptWithBloom::from(receipt);
    Ok(match ty {
        0 => ReceiptEnvelope::Legacy(r),
        1 => ReceiptEnvelope::Eip2930(r),
        2 => ReceiptEnvelope::Eip1559(r),
        3 => ReceiptEnvelope::Eip4844(r),
        4 => ReceiptEnvelope::Eip7702(r),
        t => return Err(format!("receipt type {t} is not an L1 type")),
    })
}

impl EthClient {
    /// A client of the node at `url`.
    pub fn new(url: &str, config: ClientConfig) -> Result<Self, String> {
        Ok(EthClient {
            rpc: Client::new(url, config)?,
        })
    }

    /// The JSON-RPC client.
    pub fn rpc(&self) -> &Client {
        &self.rpc
    }

    fn bad(&self, request: String, message: impl Into<String>) -> EthError {
        EthError::Bad {
            endpoint: self.rpc.url().to_string(),
            request,
            message: message.into(),
        }
    }

    /// The latest block number.
    pub fn block_number(&self) -> Result<u64, EthError> {
        let v: Value = self.rpc.call("eth_blockNumber", json!([]))?;
        hex_u64(&v)
            .ok_or_else(|| self.bad("eth_blockNumber([])".into(), format!("{v} is no quantity")))
    }

    fn header_of(&self, request: String, v: &Value) -> Result<(Header, B256), EthError> {
        let header = verdict_program::json::parse_header(v, "block")
            .map_err(|e| self.bad(request.clone(), e.to_string()))?;
        let hash = header.hash_slow();
        let said: Option<B256> = v.get("hash").and_then(|h| h.as_str()?.parse().ok());
        if said != Some(hash) {
            return Err(self.bad(
                request,
                format!(
                    "the header hashes to {hash}, but the node says the block's hash is {said:?}"
                ),
            ));
        }
        Ok((header, hash))
    }

    /// The header of block `number` (`None` if the node has no such block).
    pub fn header_by_number(&self, number: u64) -> Result<Option<(Header, B256)>, EthError> {
        let params = json!([format!("{number:#x}"), false]);
        let request = format!("eth_getBlockByNumber({params})");
        let v: Value = self.rpc.call("eth_getBlockByNumber", params)?;
        if v.is_null() {
            return Ok(None);
        }
        self.header_of(request, &v).map(Some)
    }

    /// The header of the block with `hash` (checked to hash to it).
    pub fn header_by_hash(&self, hash: B256) -> Result<Header, EthError> {
        let params = json!([hash.to_string(), false]);
        let request = format!("eth_getBlockByHash({params})");
        let v: Value = self.rpc.call("eth_getBlockByHash", params)?;
        if v.is_null() {
            return Err(self.bad(request, "no such block"));
        }
        let (header, got) = self.header_of(request.clone(), &v)?;
        if got != hash {
            return Err(self.bad(request, format!("the node answered with block {got}")));
        }
        Ok(header)
    }

    fn block_full(&self, hash: B256) -> Result<(String, Value), EthError> {
        let params = json!([hash.to_string(), true]);
        let request = format!("eth_getBlockByHash({params})");
        let v: Value = self.rpc.call("eth_getBlockByHash", params)?;
        if v.is_null() {
            return Err(self.bad(request, "no such block"));
        }
        Ok((request, v))
    }

    fn check_root(
        &self,
        request: &str,
        what: &str,
        items: &[Bytes],
        root: B256,
    ) -> Result<Vec<Vec<u8>>, EthError> {
        let (got, nodes) = ordered_trie(items);
        if got != root {
            return Err(self.bad(
                request.to_string(),
                format!(
                    "the {} {what} rebuild root {got}, not the header's {root}",
                    items.len()
                ),
            ));
        }
        Ok(nodes)
    }

    /// The transactions of the L1 block with `hash` (whose header is `header`), EIP-2718 encoded,
    /// and the nodes of their trie (checked against the header's transactions root).
    pub fn l1_transactions(&self, hash: B256, header: &Header) -> Result<L1Transactions, EthError> {
        let (request, v) = self.block_full(hash)?;
        let txs = v
            .get("transactions")
            .and_then(Value::as_array)
            .ok_or_else(|| self.bad(request.clone(), "no transactions"))?;
        let mut decoded = Vec::with_capacity(txs.len());
        for (i, t) in txs.iter().enumerate() {
            let tx: TxEnvelope = serde_json::from_value(t.clone())
                .map_err(|e| self.bad(request.clone(), format!("transaction {i}: {e}")))?;
            decoded.push(tx);
        }
        let raw: Vec<Bytes> = decoded.iter().map(|t| t.encoded_2718().into()).collect();
        let nodes = self.check_root(&request, "transactions", &raw, header.transactions_root)?;
        Ok((decoded, raw, nodes))
    }

    /// The transactions of the L2 block with `hash` (an OP Stack node), checked as above.
    pub fn l2_transactions(
        &self,
        hash: B256,
        header: &Header,
    ) -> Result<(Vec<Bytes>, Vec<Vec<u8>>), EthError> {
        let (request, v) = self.block_full(hash)?;
        let txs = v
            .get("transactions")
            .and_then(Value::as_array)
            .ok_or_else(|| self.bad(request.clone(), "no transactions"))?;
        let mut raw = Vec::with_capacity(txs.len());
        for (i, t) in txs.iter().enumerate() {
            let tx: OpTxEnvelope = serde_json::from_value(t.clone())
                .map_err(|e| self.bad(request.clone(), format!("transaction {i}: {e}")))?;
            raw.push(Bytes::from(tx.encoded_2718()));
        }
        let nodes = self.check_root(&request, "transactions", &raw, header.transactions_root)?;
        Ok((raw, nodes))
    }

    /// The receipts of the L1 block with `hash`, and the nodes of their trie (checked against
    /// the header's receipts root).
    pub fn l1_receipts(
        &self,
        hash: B256,
        header: &Header,
    ) -> Result<(Vec<ReceiptEnvelope>, Vec<Vec<u8>>), EthError> {
        let params = json!([hash.to_string()]);
        let request = format!("eth_getBlockReceipts({params})");
        let v: Value = self.rpc.call("eth_getBlockReceipts", params)?;
        let list = v
            .as_array()
            .ok_or_else(|| self.bad(request.clone(), "not a list of receipts"))?;
        let mut receipts = Vec::with_capacity(list.len());
        for (i, r) in list.iter().enumerate() {
            receipts.push(
                parse_receipt(r)
                    .map_err(|e| self.bad(request.clone(), format!("receipt {i}: {e}")))?,
            );
        }
        let raw: Vec<Bytes> = receipts.iter().map(|r| r.encoded_2718().into()).collect();
        let nodes = self.check_root(&request, "receipts", &raw, header.receipts_root)?;
        Ok((receipts, nodes))
    }
}
