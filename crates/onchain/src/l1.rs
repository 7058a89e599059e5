//! An L1 account over JSON-RPC: views (`eth_call`) and signed EIP-1559 transactions, sent and
//! waited for. Blocking, on `verdict-rpc` (timeouts and retries per request); transactions are
//! signed locally (alloy-consensus, k256) and sent raw.
//!
//! What a sender meets on a real node is handled here: a call that would revert is refused before
//! it is sent (`eth_estimateGas`), with the node's reason; a nonce already used (another sender on
//! the same key, a restart) is re-read and the transaction re-signed; a transaction dropped from
//! the pool, or mined and then reorged out, is sent again until its receipt is seen.

use alloy_consensus::TxEip1559;
use alloy_primitives::{Address, Bytes, TxKind, B256, U256};
use alloy_sol_types::SolCall;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use verdict_derive::encode::{key_address, SigningKey};
use verdict_rpc::{Client, ClientConfig, RpcError};

/// Why an L1 request failed.
#[derive(Debug, thiserror::Error)]
pub enum L1Error {
    /// The node could not be reached or answered with an error.
    #[error("{0}")]
    Rpc(#[from] RpcError),
    /// The call reverts (refused by `eth_estimateGas` or `eth_call`), or the mined transaction
    /// failed.
    #[error("{what} reverts: {reason}")]
    Reverted {
        /// The call.
        what: String,
        /// The node's reason.
        reason: String,
    },
    /// An answer that is not what the method returns.
    #[error("{0}")]
    Decode(String),
    /// The transaction was not mined in time.
    #[error("{what}: transaction {hash} not mined within {secs} s")]
    NotMined {
        /// The call.
        what: String,
        /// The transaction hash.
        hash: B256,
        /// The wait.
        secs: u64,
    },
    /// A bad key or URL.
    #[error("{0}")]
    Config(String),
}

impl L1Error {
    /// Whether the error is the call reverting (as opposed to the node failing).
    pub fn is_revert(&self) -> bool {
        matches!(self, L1Error::Reverted { .. })
    }
}

/// A mined transaction.
#[derive(Clone, Debug)]
pub struct Receipt {
    /// Its hash.
    pub hash: B256,
    /// The block it is in.
    pub block_number: u64,
    /// Gas used.
    pub gas_used: u64,
    /// The created contract, for a creation.
    pub contract_address: Option<Address>,
    /// The raw receipt.
    pub raw: Value,
}

/// An account on an L1 node.
pub struct L1 {
    rpc: Client,
    key: SigningKey,
    from: Address,
    chain_id: u64,
    /// How long a transaction may take to be mined.
    pub mine_timeout: Duration,
}

fn quantity(v: &Value, what: &str) -> Result<u64, L1Error> {
    v.as_str()
        .and_then(|s| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok())
        .ok_or_else(|| L1Error::Decode(format!("{what}: not a quantity: {v}")))
}

fn quantity_u256(v: &Value, what: &str) -> Result<U256, L1Error> {
    v.as_str()
        .and_then(|s| U256::from_str_radix(s.trim_start_matches("0x"), 16).ok())
        .ok_or_else(|| L1Error::Decode(format!("{what}: not a quantity: {v}")))
}

/// Whether a node's error says the call reverts (as opposed to a failure of the node).
fn revert_reason(e: &RpcError) -> Option<String> {
    match e {
        RpcError::Server { code, message, .. }
            if *code == 3 || message.contains("revert") || message.contains("Revert") =>
        {
            Some(message.clone())
        }
        _ => None,
    }
}

impl L1 {
    /// The account of `key` on the node at `url`.
    pub fn new(url: &str, key: B256, config: ClientConfig) -> Result<L1, L1Error> {
        let rpc = Client::new(url, config).map_err(L1Error::Config)?;
        let key = SigningKey::from_slice(key.as_slice())
            .map_err(|e| L1Error::Config(format!("not a secp256k1 private key: {e}")))?;
        let from = key_address(&key);
        let chain_id = quantity(&rpc.call_value("eth_chainId", &json!([]))?, "eth_chainId")?;
        Ok(L1 {
            rpc,
            key,
            from,
            chain_id,
            mine_timeout: Duration::from_secs(60),
        })
    }

    /// The account's address.
    pub fn address(&self) -> Address {
        self.from
    }

    /// The node's URL.
    pub fn url(&self) -> String {
        self.rpc.url().to_string()
    }

    /// The raw JSON-RPC client.
    pub fn rpc(&self) -> &Client {
        &self.rpc
    }

    /// `eth_call` of `data` on `to` at the latest block.
    pub fn call_raw(&self, to: Address, data: Vec<u8>) -> Result<Vec<u8>, L1Error> {
        let params = json!([{"from": self.from, "to": to, "data": Bytes::from(data)}, "latest"]);
        match self.rpc.call_value("eth_call", &params) {
            Ok(v) => v
                .as_str()
                .and_then(|s| hex::decode(s.trim_start_matches("0x")).ok())
                .ok_or_else(|| L1Error::Decode(format!("eth_call on {to}: not hex: {v}"))),
            Err(e) => match revert_reason(&e) {
                Some(reason) => Err(L1Error::Reverted {
                    what: format!("eth_call on {to}"),
                    reason,
                }),
                None => Err(e.into()),
            },
        }
    }

    /// A view of the contract at `to`, decoded.
    pub fn view<C: SolCall>(&self, to: Address, call: C) -> Result<C::Return, L1Error> {
        let out = self.call_raw(to, call.abi_encode())?;
        C::abi_decode_returns(&out)
            .map_err(|e| L1Error::Decode(format!("{} on {to}: {e}", C::SIGNATURE)))
    }

    /// The latest block's number and timestamp.
    pub fn head(&self) -> Result<(u64, u64), L1Error> {
        let b = self
            .rpc
            .call_value("eth_getBlockByNumber", &json!(["latest", false]))?;
        Ok((
            quantity(&b["number"], "block number")?,
            quantity(&b["timestamp"], "block timestamp")?,
        ))
    }

    /// The balance of `who`.
    pub fn balance(&self, who: Address) -> Result<U256, L1Error> {
        quantity_u256(
            &self
                .rpc
                .call_value("eth_getBalance", &json!([who, "latest"]))?,
            "balance",
        )
    }

    /// The next nonce: the count of mined transactions. A sender waits for each transaction
    /// before the next, so nothing of ours is pending; a transaction someone else sent with this
    /// key at a later nonce (a gap) waits in the pool until ours fills the gap.
    fn nonce(&self) -> Result<u64, L1Error> {
        quantity(
            &self
                .rpc
                .call_value("eth_getTransactionCount", &json!([self.from, "latest"]))?,
            "nonce",
        )
    }

    fn fees(&self) -> Result<(u128, u128), L1Error> {
        let b = self
            .rpc
            .call_value("eth_getBlockByNumber", &json!(["latest", false]))?;
        let base = b["baseFeePerGas"]
            .as_str()
            .and_then(|s| u128::from_str_radix(s.trim_start_matches("0x"), 16).ok())
            .unwrap_or(1_000_000_000);
        let tip = 1_000_000_000u128;
        Ok((base.saturating_mul(2).saturating_add(tip), tip))
    }

    /// Sends a transaction calling `to` (a creation for `None`) with `data` and `value`, and
    /// waits for its receipt. `what` names it in errors. Refused before sending if it would
    /// revert.
    pub fn send(
        &self,
        what: &str,
        to: Option<Address>,
        data: Vec<u8>,
        value: U256,
    ) -> Result<Receipt, L1Error> {
        let mut call =
            json!({"from": self.from, "data": Bytes::from(data.clone()), "value": value});
        if let Some(to) = to {
            call["to"] = json!(to);
        }
        let gas = match self.rpc.call_value("eth_estimateGas", &json!([call])) {
            Ok(v) => quantity(&v, "gas estimate")?,
            Err(e) => {
                return Err(match revert_reason(&e) {
                    Some(reason) => L1Error::Reverted {
                        what: what.into(),
                        reason,
                    },
                    None => e.into(),
                })
            }
        };
        let gas_limit = gas.saturating_mul(13) / 10 + 30_000;
        let mut attempts = 0;
        loop {
            attempts += 1;
            let (max_fee, tip) = self.fees()?;
            let tx = TxEip1559 {
                chain_id: self.chain_id,
                nonce: self.nonce()?,
                gas_limit,
                max_fee_per_gas: max_fee,
                max_priority_fee_per_gas: tip,
                to: to.map_or(TxKind::Create, TxKind::Call),
                value,
                access_list: Default::default(),
                input: data.clone().into(),
            };
            let raw = verdict_node::txgen::sign_1559(&self.key, tx);
            let hash: B256 = match self
                .rpc
                .call("eth_sendRawTransaction", json!([raw.to_string()]))
            {
                Ok(h) => h,
                Err(e) if attempts < 4 && is_nonce_error(&e) => continue,
                Err(e) => return Err(e.into()),
            };
            match self.wait(what, hash)? {
                Some(r) => return Ok(r),
                // Dropped or reorged out: send it again with a fresh nonce.
                None if attempts < 4 => continue,
                None => {
                    return Err(L1Error::NotMined {
                        what: what.into(),
                        hash,
                        secs: self.mine_timeout.as_secs(),
                    })
                }
            }
        }
    }

    /// Waits for the receipt of `hash`: `None` if the node forgot the transaction (dropped
    /// from its pool, or reorged out and not re-included).
    fn wait(&self, what: &str, hash: B256) -> Result<Option<Receipt>, L1Error> {
        let start = Instant::now();
        loop {
            let r = self
                .rpc
                .call_value("eth_getTransactionReceipt", &json!([hash]))?;
            if !r.is_null() {
                if r["status"] != "0x1" {
                    return Err(L1Error::Reverted {
                        what: what.into(),
                        reason: format!("transaction {hash} failed in block {}", r["blockNumber"]),
                    });
                }
                return Ok(Some(Receipt {
                    hash,
                    block_number: quantity(&r["blockNumber"], "receipt block")?,
                    gas_used: quantity(&r["gasUsed"], "receipt gas")?,
                    contract_address: r["contractAddress"].as_str().and_then(|s| s.parse().ok()),
                    raw: r,
                }));
            }
            let known = self
                .rpc
                .call_value("eth_getTransactionByHash", &json!([hash]))?;
            if known.is_null() {
                return Ok(None);
            }
            if start.elapsed() > self.mine_timeout {
                return Err(L1Error::NotMined {
                    what: what.into(),
                    hash,
                    secs: self.mine_timeout.as_secs(),
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends `call` to the contract at `to` with `value`.
    pub fn transact<C: SolCall>(
        &self,
        to: Address,
        call: C,
        value: U256,
    ) -> Result<Receipt, L1Error> {
        let what = format!("{} on {to}", C::SIGNATURE);
        self.send(&what, Some(to), call.abi_encode(), value)
    }

    /// Deploys `code` (creation bytecode with its arguments); returns the new contract's address.
    pub fn deploy(&self, name: &str, code: Vec<u8>) -> Result<(Address, Receipt), L1Error> {
        let r = self.send(&format!("deploying {name}"), None, code, U256::ZERO)?;
        let a = r.contract_address.ok_or_else(|| {
            L1Error::Decode(format!(
                "deploying {name}: the receipt has no contract address"
            ))
        })?;
        Ok((a, r))
    }
}

/// Whether the node refused a transaction for its nonce (used meanwhile, or a transaction with
/// it already in the pool): re-read the nonce and send again.
fn is_nonce_error(e: &RpcError) -> bool {
    matches!(e, RpcError::Server { message, .. } if {
        let m = message.to_lowercase();
        m.contains("nonce") || m.contains("already known") || m.contains("replacement")
    })
}
