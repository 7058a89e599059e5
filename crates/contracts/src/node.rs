//! [`AnvilL1`]: the [`L1`] of a real node (anvil) over JSON-RPC, through alloy. Every transaction
//! is a real one, mined in its own block (anvil's automine): EIP-1559 signed with the sender's key
//! where one was given ([`AnvilL1::add_signer`]), otherwise sent from an impersonated account
//! (`anvil_impersonateAccount`). The revert data of a mined, reverted transaction comes from the
//! node's trace of it (`debug_traceTransaction`, call tracer). Time travel is
//! `evm_setNextBlockTimestamp` with a block timestamp interval of zero, so that transactions
//! share a timestamp as they do on the in-process EVM; views are `eth_call` on the latest block.

use crate::anvil::AnvilProcess;
use crate::{CallOutcome, EvmError, L1};
use alloy::consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy::eips::eip2718::Encodable2718;
use alloy::rpc::client::RpcClient;
use alloy::rpc::json_rpc::{RpcError, RpcRecv};
use alloy::rpc::types::TransactionReceipt;
use alloy::signers::local::PrivateKeySigner;
use alloy::signers::SignerSync;
use alloy_primitives::{Address, Bytes, TxKind, B256, U256};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::time::Instant;

/// The flags every replay anvil runs with: Prague, a block gas limit above the transactions'
/// 30,000,000, no accounts of its own (the callers fund theirs), a genesis time long before the
/// games' and no output.
pub const ANVIL_ARGS: &[&str] = &[
    "--hardfork",
    "prague",
    "--chain-id",
    "900",
    "--gas-limit",
    "100000000",
    "--timestamp",
    "1000000000",
    "--accounts",
    "0",
    "--prune-history",
    "8",
    "--silent",
];

/// What a snapshot restores besides the node's state: the nonces and time this side tracks.
#[derive(Clone)]
struct Saved {
    nonces: HashMap<Address, u64>,
    timestamp: u64,
}

/// A node over JSON-RPC as an [`L1`]; with [`AnvilL1::start`], it owns the anvil it started.
pub struct AnvilL1 {
    rt: tokio::runtime::Runtime,
    client: RpcClient,
    /// The node's process, when this started it (killed when this is dropped).
    process: Option<AnvilProcess>,
    chain_id: u64,
    signers: HashMap<Address, PrivateKeySigner>,
    impersonated: HashSet<Address>,
    nonces: HashMap<Address, u64>,
    timestamp: u64,
    snapshots: HashMap<U256, Saved>,
    /// Gas limit of each transaction (as [`TestEvm`](crate::TestEvm)'s).
    pub gas_limit: u64,
    /// The fee cap of each transaction, in wei per gas (the priority fee is zero).
    pub max_fee_per_gas: u128,
    /// Transactions sent and JSON-RPC requests made (a batch counts once).
    pub stats: NodeStats,
}

/// What an [`AnvilL1`] has sent, and the time it waited for the node.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NodeStats {
    /// Transactions mined.
    pub transactions: u64,
    /// Of them reverted.
    pub reverted: u64,
    /// Views (`eth_call`), batched or not.
    pub views: u64,
    /// HTTP requests (a batch is one).
    pub requests: u64,
    /// Seconds waiting for transactions to be mined.
    pub transaction_secs: f64,
    /// Seconds waiting for the traces of reverted transactions.
    pub trace_secs: f64,
    /// Seconds waiting for views.
    pub view_secs: f64,
    /// Seconds waiting for everything else (time travel, balances, snapshots, ...).
    pub other_secs: f64,
}

impl NodeStats {
    /// Adds `other`'s counts and times (of another node) to these.
    pub fn merge(&mut self, other: &NodeStats) {
        self.transactions += other.transactions;
        self.reverted += other.reverted;
        self.views += other.views;
        self.requests += other.requests;
        self.transaction_secs += other.transaction_secs;
        self.trace_secs += other.trace_secs;
        self.view_secs += other.view_secs;
        self.other_secs += other.other_secs;
    }
}

impl std::fmt::Display for NodeStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} transactions mined ({} reverted), {} views, {} JSON-RPC requests; waited {:.1} s \
             for transactions, {:.1} s for traces of reverts, {:.1} s for views, {:.1} s for the \
             rest",
            self.transactions,
            self.reverted,
            self.views,
            self.requests,
            self.transaction_secs,
            self.trace_secs,
            self.view_secs,
            self.other_secs
        )
    }
}

fn node_err(what: &str, e: impl std::fmt::Display) -> EvmError {
    EvmError::Node(format!("{what}: {e}"))
}

/// A view's outcome from `eth_call`'s answer: the return data, or the revert data of the error.
fn view_outcome<E: std::fmt::Display>(
    r: Result<Bytes, RpcError<E>>,
) -> Result<CallOutcome, EvmError> {
    match r {
        Ok(output) => Ok(CallOutcome::Success {
            output,
            gas_used: 0,
            execution_gas: 0,
            logs: vec![],
        }),
        Err(RpcError::ErrorResp(p)) => {
            let data = p
                .data
                .as_ref()
                .and_then(|d| serde_json::from_str::<Bytes>(d.get()).ok());
            match data {
                Some(data) => Ok(CallOutcome::Revert { data, gas_used: 0 }),
                None if p.message.contains("revert") => Ok(CallOutcome::Revert {
                    data: Bytes::new(),
                    gas_used: 0,
                }),
                None => Ok(CallOutcome::Halt {
                    reason: p.message.to_string(),
                    gas_used: 0,
                }),
            }
        }
        Err(e) => Err(node_err("eth_call", e)),
    }
}

impl AnvilL1 {
    /// Starts `bin` (as `verdict_node::testing::anvil_binary` finds it) with [`ANVIL_ARGS`] and connects.
    pub fn start(bin: &str) -> Result<AnvilL1, EvmError> {
        let process = AnvilProcess::start(bin, ANVIL_ARGS)?;
        let mut l1 = AnvilL1::connect(&process.url)?;
        l1.process = Some(process);
        Ok(l1)
    }

    /// Connects to the anvil at `url` (automine on) and sets its block timestamp interval to zero.
    pub fn connect(url: &str) -> Result<AnvilL1, EvmError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| node_err("a runtime", e))?;
        let url = url.parse().map_err(|e| node_err(url, e))?;
        let client = RpcClient::new_http(url);
        let mut l1 = AnvilL1 {
            rt,
            client,
            process: None,
            chain_id: 0,
            signers: HashMap::new(),
            impersonated: HashSet::new(),
            nonces: HashMap::new(),
            timestamp: 0,
            snapshots: HashMap::new(),
            gas_limit: 30_000_000,
            max_fee_per_gas: 100_000_000_000,
            stats: NodeStats::default(),
        };
        l1.chain_id = l1
            .request::<U256>("eth_chainId", json!([]))?
            .saturating_to();
        l1.request::<Value>("anvil_setBlockTimestampInterval", json!([0]))?;
        let latest: Value = l1.request("eth_getBlockByNumber", json!(["latest", false]))?;
        l1.timestamp = latest["timestamp"]
            .as_str()
            .and_then(|t| u64::from_str_radix(t.trim_start_matches("0x"), 16).ok())
            .ok_or_else(|| node_err("the latest block", &latest))?;
        Ok(l1)
    }

    /// The node's URL, when this started it.
    pub fn url(&self) -> Option<&str> {
        self.process.as_ref().map(|p| p.url.as_str())
    }

    /// The process id of the node this started (also its process group's).
    pub fn pid(&self) -> Option<u32> {
        self.process.as_ref().map(AnvilProcess::pid)
    }

    /// Sends transactions from `key`'s address signed with `key`; returns the address.
    pub fn add_signer(&mut self, key: B256) -> Result<Address, EvmError> {
        let signer = PrivateKeySigner::from_bytes(&key).map_err(|e| node_err("a key", e))?;
        let address = signer.address();
        self.signers.insert(address, signer);
        Ok(address)
    }

    /// One JSON-RPC request.
    pub fn request<R: RpcRecv>(
        &mut self,
        method: &'static str,
        params: Value,
    ) -> Result<R, EvmError> {
        self.stats.requests += 1;
        let start = Instant::now();
        let r = self
            .rt
            .block_on(self.client.request(method, params))
            .map_err(|e| node_err(method, e));
        let secs = start.elapsed().as_secs_f64();
        *match method {
            "eth_sendRawTransactionSync" | "eth_sendTransactionSync" => {
                &mut self.stats.transaction_secs
            }
            "debug_traceTransaction" => &mut self.stats.trace_secs,
            "eth_call" => &mut self.stats.view_secs,
            _ => &mut self.stats.other_secs,
        } += secs;
        r
    }

    /// Takes a snapshot of the node's state (`evm_snapshot`); [`AnvilL1::revert`] returns to it.
    pub fn snapshot(&mut self) -> Result<U256, EvmError> {
        let id: U256 = self.request("evm_snapshot", json!([]))?;
        let saved = Saved {
            nonces: self.nonces.clone(),
            timestamp: self.timestamp,
        };
        self.snapshots.insert(id, saved);
        Ok(id)
    }

    /// Returns the node to snapshot `id` (`evm_revert`: blocks, state and time), which is used up.
    pub fn revert(&mut self, id: U256) -> Result<(), EvmError> {
        let saved = self
            .snapshots
            .remove(&id)
            .ok_or_else(|| node_err("evm_revert", format!("no snapshot {id}")))?;
        let done: bool = self.request("evm_revert", json!([id]))?;
        if !done {
            return Err(node_err("evm_revert", format!("snapshot {id} refused")));
        }
        self.snapshots.retain(|k, _| *k < id);
        self.nonces = saved.nonces;
        self.timestamp = saved.timestamp;
        Ok(())
    }

    fn nonce(&mut self, who: Address) -> Result<u64, EvmError> {
        if let Some(n) = self.nonces.get(&who) {
            return Ok(*n);
        }
        let n: U256 = self.request("eth_getTransactionCount", json!([who, "latest"]))?;
        let n = n.saturating_to();
        self.nonces.insert(who, n);
        Ok(n)
    }

    /// Sends a transaction and returns its receipt (the node mines it before it answers).
    fn send(
        &mut self,
        from: Address,
        to: Option<Address>,
        data: Vec<u8>,
        value: U256,
    ) -> Result<TransactionReceipt, EvmError> {
        let nonce = self.nonce(from)?;
        let receipt = if let Some(signer) = self.signers.get(&from) {
            let tx = TxEip1559 {
                chain_id: self.chain_id,
                nonce,
                gas_limit: self.gas_limit,
                max_fee_per_gas: self.max_fee_per_gas,
                max_priority_fee_per_gas: 0,
                to: to.map_or(TxKind::Create, TxKind::Call),
                value,
                access_list: Default::default(),
                input: data.into(),
            };
            let signature = signer
                .sign_hash_sync(&tx.signature_hash())
                .map_err(|e| node_err("signing", e))?;
            let raw = TxEnvelope::from(tx.into_signed(signature)).encoded_2718();
            self.request("eth_sendRawTransactionSync", json!([Bytes::from(raw)]))
        } else {
            if self.impersonated.insert(from) {
                self.request::<Value>("anvil_impersonateAccount", json!([from]))?;
            }
            let mut tx = json!({
                "from": from,
                "input": Bytes::from(data),
                "value": value,
                "nonce": U256::from(nonce),
                "gas": U256::from(self.gas_limit),
                "maxFeePerGas": U256::from(self.max_fee_per_gas),
                "maxPriorityFeePerGas": "0x0",
            });
            if let Some(to) = to {
                tx["to"] = json!(to);
            }
            self.request("eth_sendTransactionSync", json!([tx]))
        };
        match receipt {
            Ok(r) => {
                self.nonces.insert(from, nonce + 1);
                self.stats.transactions += 1;
                Ok(r)
            }
            Err(e) => {
                // The nonce may be off after a refused transaction: ask the node again next time.
                self.nonces.remove(&from);
                Err(e)
            }
        }
    }

    /// The outcome of a reverted transaction, from the node's trace of it.
    fn reverted(&mut self, receipt: &TransactionReceipt) -> Result<CallOutcome, EvmError> {
        self.stats.reverted += 1;
        let trace: Value = self.request(
            "debug_traceTransaction",
            json!([receipt.transaction_hash, {"tracer": "callTracer"}]),
        )?;
        let gas_used = receipt.gas_used;
        let error = trace["error"].as_str().unwrap_or_default();
        if error.contains("revert") {
            let data = trace["output"]
                .as_str()
                .map(|s| s.parse::<Bytes>())
                .transpose()
                .map_err(|e| node_err("a trace's output", e))?
                .unwrap_or_default();
            Ok(CallOutcome::Revert { data, gas_used })
        } else {
            Ok(CallOutcome::Halt {
                reason: error.to_string(),
                gas_used,
            })
        }
    }
}

/// The calldata's intrinsic gas (EIP-2028): 4 per zero byte, 16 per other byte.
fn data_cost(data: &[u8]) -> u64 {
    data.iter().map(|&b| if b == 0 { 4 } else { 16 }).sum()
}

impl L1 for AnvilL1 {
    /// `anvil_setBalance`.
    fn fund(&mut self, who: Address, wei: U256) -> Result<(), EvmError> {
        self.request::<Value>("anvil_setBalance", json!([who, wei]))?;
        Ok(())
    }

    fn balance_of(&mut self, who: Address) -> Result<U256, EvmError> {
        self.request("eth_getBalance", json!([who, "latest"]))
    }

    /// `evm_setNextBlockTimestamp` when the timestamp changes (the interval is zero, so the
    /// blocks after the next keep it).
    fn set_timestamp(&mut self, timestamp: u64) -> Result<(), EvmError> {
        if timestamp != self.timestamp {
            self.request::<Value>("evm_setNextBlockTimestamp", json!([timestamp]))?;
            self.timestamp = timestamp;
        }
        Ok(())
    }

    fn timestamp(&self) -> u64 {
        self.timestamp
    }

    /// On success, `output` is empty (a creation's: the new address), `gas_used` the receipt's
    /// and `execution_gas` that less 21,000 and the calldata (after refunds, unlike the
    /// in-process EVM's).
    fn transact(
        &mut self,
        from: Address,
        to: Option<Address>,
        data: Vec<u8>,
        value: U256,
    ) -> Result<CallOutcome, EvmError> {
        let calldata = data_cost(&data);
        let receipt = self.send(from, to, data, value)?;
        if !receipt.status() {
            return self.reverted(&receipt);
        }
        let output = receipt
            .contract_address
            .map(|a| Bytes::copy_from_slice(a.as_slice()))
            .unwrap_or_default();
        Ok(CallOutcome::Success {
            output,
            gas_used: receipt.gas_used,
            execution_gas: receipt.gas_used.saturating_sub(21_000 + calldata),
            logs: receipt
                .inner
                .logs()
                .iter()
                .map(|l| l.inner.clone())
                .collect(),
        })
    }

    /// `eth_call` from the zero address on the latest block; gas is not reported (zero).
    fn view(&mut self, to: Address, data: Vec<u8>) -> Result<CallOutcome, EvmError> {
        self.stats.requests += 1;
        self.stats.views += 1;
        let params = json!([{"to": to, "input": Bytes::from(data)}, "latest"]);
        let start = Instant::now();
        let r = self
            .rt
            .block_on(self.client.request::<_, Bytes>("eth_call", params));
        self.stats.view_secs += start.elapsed().as_secs_f64();
        view_outcome(r)
    }

    /// One batch request of `eth_call`s.
    fn views(&mut self, calls: &[(Address, Vec<u8>)]) -> Result<Vec<CallOutcome>, EvmError> {
        if calls.is_empty() {
            return Ok(vec![]);
        }
        self.stats.requests += 1;
        self.stats.views += calls.len() as u64;
        let mut batch = self.client.new_batch();
        let waiters = calls
            .iter()
            .map(|(to, data)| {
                let params = json!([{"to": to, "input": Bytes::from(data.clone())}, "latest"]);
                batch.add_call::<_, Bytes>("eth_call", &params)
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| node_err("a batch", e))?;
        let start = Instant::now();
        let out = self.rt.block_on(async {
            batch.send().await.map_err(|e| node_err("a batch", e))?;
            let mut out = Vec::with_capacity(waiters.len());
            for w in waiters {
                out.push(view_outcome(w.await)?);
            }
            Ok(out)
        });
        self.stats.view_secs += start.elapsed().as_secs_f64();
        out
    }
}
