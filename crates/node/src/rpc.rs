//! The node's JSON-RPC methods: what a host and a challenger call on op-geth/op-reth (eth_,
//! debug_) and on op-node (optimism_).

use crate::chain::attributes_of;
use crate::json::{header_json, l1_ref_json, l2_ref_json, receipt_json, tx_json, TxAt};
use crate::node::Inner;
use crate::proof;
use crate::store::{key_of, PreimageClass, Recording};
use alloy_consensus::Header;
use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use op_alloy_consensus::OpReceiptEnvelope;
use serde_json::{json, Value};
use std::sync::Arc;
use verdict_program::{execute_block_with_output, Preimages};
use verdict_rpc::{Handler, MethodError};

type R = Result<Value, MethodError>;

fn q(v: u64) -> Value {
    Value::String(format!("{v:#x}"))
}

fn param<'a>(params: &'a Value, i: usize, name: &str) -> Result<&'a Value, MethodError> {
    params
        .get(i)
        .ok_or_else(|| MethodError::params(format!("missing parameter {i} ({name})")))
}

fn b256_param(params: &Value, i: usize, name: &str) -> Result<B256, MethodError> {
    param(params, i, name)?
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| MethodError::params(format!("parameter {i} ({name}) is not a 32-byte hash")))
}

fn bytes_param(params: &Value, i: usize, name: &str) -> Result<Bytes, MethodError> {
    param(params, i, name)?
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| MethodError::params(format!("parameter {i} ({name}) is not hex data")))
}

fn store_err(e: impl std::fmt::Display) -> MethodError {
    MethodError::server(e.to_string())
}

/// The handler of every method.
pub fn handler(inner: Arc<Inner>) -> Arc<Handler> {
    Arc::new(move |method: &str, params: &Value| dispatch(&inner, method, params))
}

fn dispatch(n: &Inner, method: &str, p: &Value) -> R {
    match method {
        "eth_chainId" => Ok(q(n.cfg.l2_chain_id)),
        "net_version" => Ok(json!(n.cfg.l2_chain_id.to_string())),
        "web3_clientVersion" => Ok(json!(format!("verdict-node/{}", env!("CARGO_PKG_VERSION")))),
        "eth_syncing" => Ok(json!(false)),
        "eth_blockNumber" => Ok(q(head(n)?.0.number)),
        "eth_gasPrice" => Ok(q(head(n)?.0.base_fee_per_gas.unwrap_or(0) + 1_000_000)),
        "eth_maxPriorityFeePerGas" => Ok(q(1_000_000)),
        "eth_getBlockByNumber" | "eth_getBlockByHash" => {
            let full = p.get(1).and_then(Value::as_bool).unwrap_or(false);
            match resolve(n, param(p, 0, "block")?)? {
                Some(hash) => block_json(n, hash, full),
                None => Ok(Value::Null),
            }
        }
        "eth_getTransactionByHash" => {
            let h = b256_param(p, 0, "transaction hash")?;
            let Some((block, index)) = n.store.tx_location(h).map_err(store_err)? else {
                return Ok(Value::Null);
            };
            let (header, txs) = body(n, block)?;
            Ok(tx_json(&TxAt {
                raw: &txs[index],
                block: (block, header.number, header.base_fee_per_gas.unwrap_or(0)),
                index,
            })
            .unwrap_or(Value::Null))
        }
        "eth_getTransactionReceipt" => {
            let h = b256_param(p, 0, "transaction hash")?;
            let Some((block, index)) = n.store.tx_location(h).map_err(store_err)? else {
                return Ok(Value::Null);
            };
            Ok(receipts_json(n, block)?
                .as_array()
                .and_then(|a| a.get(index).cloned())
                .unwrap_or(Value::Null))
        }
        "eth_getBlockReceipts" => match resolve(n, param(p, 0, "block")?)? {
            Some(h) => receipts_json(n, h),
            None => Ok(Value::Null),
        },
        "eth_sendRawTransaction" => {
            let raw = bytes_param(p, 0, "transaction")?;
            n.submit(raw)
                .map(|h| json!(h.to_string()))
                .map_err(MethodError::server)
        }
        "eth_getProof" => get_proof(n, p),
        "eth_getBalance" | "eth_getTransactionCount" | "eth_getCode" => {
            let address = address_param(p, 0)?;
            let (header, _) = header_at(n, p.get(1))?;
            let (acc, _) =
                proof::account(&n.store, header.state_root, address).map_err(store_err)?;
            Ok(match method {
                "eth_getBalance" => json!(format!("{:#x}", acc.map_or(U256::ZERO, |a| a.balance))),
                "eth_getTransactionCount" => q(acc.map_or(0, |a| a.nonce)),
                _ => {
                    let code = match acc {
                        Some(a) if a.code_hash != keccak256([]) => n
                            .store
                            .code(a.code_hash)
                            .map_err(store_err)?
                            .unwrap_or_default(),
                        _ => vec![],
                    };
                    json!(Bytes::from(code).to_string())
                }
            })
        }
        "eth_getStorageAt" => {
            let address = address_param(p, 0)?;
            let slot = U256::from_str_radix(
                param(p, 1, "slot")?
                    .as_str()
                    .unwrap_or("")
                    .trim_start_matches("0x"),
                16,
            )
            .map_err(|_| MethodError::params("parameter 1 (slot) is not a quantity"))?;
            let (header, _) = header_at(n, p.get(2))?;
            let (acc, _) =
                proof::account(&n.store, header.state_root, address).map_err(store_err)?;
            let v = match acc {
                Some(a) => {
                    proof::storage(
                        &n.store,
                        a.storage_root,
                        B256::from(slot.to_be_bytes::<32>()),
                    )
                    .map_err(store_err)?
                    .0
                }
                None => U256::ZERO,
            };
            Ok(json!(B256::from(v.to_be_bytes::<32>()).to_string()))
        }
        "debug_getRawHeader" => {
            let hash = resolve(n, param(p, 0, "block")?)?
                .ok_or_else(|| MethodError::server("no such block"))?;
            let raw = n
                .store
                .raw_header(hash)
                .map_err(store_err)?
                .unwrap_or_default();
            Ok(json!(Bytes::from(raw).to_string()))
        }
        "debug_getRawReceipts" => {
            let hash = resolve(n, param(p, 0, "block")?)?
                .ok_or_else(|| MethodError::server("no such block"))?;
            let r = n
                .store
                .receipts(hash)
                .map_err(store_err)?
                .unwrap_or_default();
            Ok(json!(r.iter().map(|r| r.to_string()).collect::<Vec<_>>()))
        }
        "debug_getRawTransaction" => {
            let h = b256_param(p, 0, "transaction hash")?;
            let Some((block, index)) = n.store.tx_location(h).map_err(store_err)? else {
                return Ok(json!("0x"));
            };
            let (_, txs) = body(n, block)?;
            Ok(json!(txs[index].to_string()))
        }
        "debug_dbGet" => db_get(n, p),
        "debug_executionWitness" => {
            let hash = resolve(n, param(p, 0, "block")?)?
                .ok_or_else(|| MethodError::server("no such block"))?;
            let (header, txs) = body(n, hash)?;
            if header.number == 0 {
                return Err(MethodError::server("the genesis block is not executed"));
            }
            witness(n, header.parent_hash, &attributes_of(&header, txs))
        }
        "debug_executePayload" => {
            let parent = b256_param(p, 0, "parent hash")?;
            let attrs = verdict_program::json::parse_attributes(param(p, 1, "payload attributes")?)
                .map_err(|e| MethodError::params(format!("payload attributes: {e}")))?;
            witness(n, parent, &attrs)
        }
        "optimism_outputAtBlock" => {
            let number = param(p, 0, "block number")?
                .as_str()
                .and_then(|s| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok())
                .ok_or_else(|| {
                    MethodError::params("parameter 0 (block number) is not a quantity")
                })?;
            let hash = n
                .store
                .hash_at(number)
                .map_err(store_err)?
                .ok_or_else(|| MethodError::server(format!("no L2 block {number}")))?;
            output_at(n, hash)
        }
        "optimism_syncStatus" => sync_status(n),
        "optimism_rollupConfig" => Ok(n.rollup_json.clone()),
        "optimism_version" => Ok(json!(format!("verdict-node/{}", env!("CARGO_PKG_VERSION")))),
        m => Err(MethodError::not_found(m)),
    }
}

fn address_param(p: &Value, i: usize) -> Result<Address, MethodError> {
    param(p, i, "address")?
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| MethodError::params(format!("parameter {i} (address) is not an address")))
}

fn head(n: &Inner) -> Result<(Header, B256), MethodError> {
    n.store.head_header().map_err(store_err)
}

/// A block id: a tag, a hex number, a hash, or an EIP-1898 object.
fn resolve(n: &Inner, v: &Value) -> Result<Option<B256>, MethodError> {
    let by_number = |num: u64| n.store.hash_at(num).map_err(store_err);
    match v {
        Value::String(s) => match s.as_str() {
            "latest" | "pending" | "safe" | "finalized" => Ok(Some(head(n)?.1)),
            "earliest" => by_number(0),
            s if s.len() == 66 => Ok(s
                .parse::<B256>()
                .ok()
                .filter(|h| n.store.header(*h).ok().flatten().is_some())),
            s => {
                let num = u64::from_str_radix(s.trim_start_matches("0x"), 16).map_err(|_| {
                    MethodError::params(format!("{s:?} is no block number, tag or hash"))
                })?;
                by_number(num)
            }
        },
        Value::Object(o) => {
            if let Some(h) = o.get("blockHash") {
                resolve(n, h)
            } else if let Some(num) = o.get("blockNumber") {
                resolve(n, num)
            } else {
                Err(MethodError::params(
                    "a block object needs blockHash or blockNumber",
                ))
            }
        }
        Value::Number(num) => by_number(num.as_u64().unwrap_or(u64::MAX)),
        _ => Err(MethodError::params("not a block id")),
    }
}

fn header_at(n: &Inner, v: Option<&Value>) -> Result<(Header, B256), MethodError> {
    let hash = match v {
        Some(v) => resolve(n, v)?.ok_or_else(|| MethodError::server("no such block"))?,
        None => head(n)?.1,
    };
    let h = n
        .store
        .header(hash)
        .map_err(store_err)?
        .ok_or_else(|| MethodError::server(format!("no header {hash}")))?;
    Ok((h, hash))
}

fn body(n: &Inner, hash: B256) -> Result<(Header, Vec<Bytes>), MethodError> {
    let header = n
        .store
        .header(hash)
        .map_err(store_err)?
        .ok_or_else(|| MethodError::server(format!("no block {hash}")))?;
    let txs = n
        .store
        .transactions(hash)
        .map_err(store_err)?
        .unwrap_or_default();
    Ok((header, txs))
}

fn block_json(n: &Inner, hash: B256, full: bool) -> R {
    let (header, txs) = body(n, hash)?;
    let mut v = header_json(&header, hash);
    let base_fee = header.base_fee_per_gas.unwrap_or(0);
    let list: Vec<Value> = txs
        .iter()
        .enumerate()
        .map(|(index, raw)| {
            if full {
                tx_json(&TxAt {
                    raw,
                    block: (hash, header.number, base_fee),
                    index,
                })
                .unwrap_or(Value::Null)
            } else {
                json!(keccak256(raw).to_string())
            }
        })
        .collect();
    let m = v.as_object_mut().expect("an object");
    m.insert("transactions".into(), Value::Array(list));
    m.insert("uncles".into(), json!([]));
    if header.withdrawals_root.is_some() {
        m.insert("withdrawals".into(), json!([]));
    }
    Ok(v)
}

fn receipts_json(n: &Inner, hash: B256) -> R {
    let (header, txs) = body(n, hash)?;
    let receipts = n
        .store
        .receipts(hash)
        .map_err(store_err)?
        .unwrap_or_default();
    let mut out = Vec::with_capacity(txs.len());
    let (mut prev, mut logs) = (0u64, 0u64);
    for (index, (raw, r)) in txs.iter().zip(&receipts).enumerate() {
        let at = TxAt {
            raw,
            block: (hash, header.number, header.base_fee_per_gas.unwrap_or(0)),
            index,
        };
        out.push(receipt_json(&at, r, prev, logs).unwrap_or(Value::Null));
        if let Ok(d) = OpReceiptEnvelope::decode_2718(&mut r.as_ref()) {
            prev = d.cumulative_gas_used();
            logs += d.logs().len() as u64;
        }
    }
    Ok(Value::Array(out))
}

fn get_proof(n: &Inner, p: &Value) -> R {
    let address = address_param(p, 0)?;
    let slots: Vec<B256> = match p.get(1) {
        Some(Value::Array(a)) => a
            .iter()
            .map(|s| {
                let s = s.as_str().unwrap_or("");
                U256::from_str_radix(s.trim_start_matches("0x"), 16)
                    .map(|u| B256::from(u.to_be_bytes::<32>()))
                    .map_err(|_| MethodError::params(format!("{s:?} is not a storage key")))
            })
            .collect::<Result<_, _>>()?,
        _ => vec![],
    };
    let (header, _) = header_at(n, p.get(2))?;
    let (acc, account_proof) =
        proof::account(&n.store, header.state_root, address).map_err(store_err)?;
    let storage_root = acc.map_or(verdict_program::EMPTY_ROOT, |a| a.storage_root);
    let mut storage_proof = Vec::new();
    for slot in slots {
        let (value, nodes) = proof::storage(&n.store, storage_root, slot).map_err(store_err)?;
        storage_proof.push(json!({
            "key": slot.to_string(),
            "value": format!("{value:#x}"),
            "proof": nodes.iter().map(|x| Bytes::from(x.clone()).to_string()).collect::<Vec<_>>(),
        }));
    }
    Ok(json!({
        "address": address.to_string(),
        "accountProof": account_proof.iter().map(|x| Bytes::from(x.clone()).to_string()).collect::<Vec<_>>(),
        "balance": format!("{:#x}", acc.map_or(U256::ZERO, |a| a.balance)),
        "codeHash": acc.map_or(keccak256([]), |a| a.code_hash).to_string(),
        "nonce": q(acc.map_or(0, |a| a.nonce)),
        "storageHash": storage_root.to_string(),
        "storageProof": storage_proof,
    }))
}

/// `debug_dbGet`: a trie node or code by its hash (32 bytes), or code by `'c' ++ hash` (the key
/// geth's hash database files code under).
fn db_get(n: &Inner, p: &Value) -> R {
    let key = bytes_param(p, 0, "key")?;
    let value = match key.len() {
        32 => n
            .store
            .preimage(&key_of(B256::from_slice(&key)))
            .map_err(store_err)?
            .map(|(_, v)| v),
        33 if key[0] == b'c' => n
            .store
            .code(B256::from_slice(&key[1..]))
            .map_err(store_err)?,
        _ => {
            return Err(MethodError::params(
                "the key is a 32-byte hash, or 'c' (0x63) and a code hash",
            ))
        }
    };
    value
        .map(|v| json!(Bytes::from(v).to_string()))
        .ok_or_else(|| MethodError::server(format!("not found: {key}")))
}

/// The execution witness of building `attrs` on `parent`: every trie node, code and header the
/// block reads (its output's message passer storage root included), as reth and kona's
/// `debug_executePayload` return them.
fn witness(n: &Inner, parent: B256, attrs: &verdict_program::PayloadAttributes) -> R {
    let parent_header = n
        .store
        .header(parent)
        .map_err(store_err)?
        .ok_or_else(|| MethodError::server(format!("unknown parent block {parent}")))?;
    let rec = Recording::new(&n.store);
    execute_block_with_output(
        &Preimages::new(&rec),
        &n.exec_cfg,
        &parent_header,
        attrs,
        true,
    )
    .map_err(|e| MethodError::server(format!("executing the payload on {parent}: {e}")))?;
    let (mut state, mut codes, mut headers) = (vec![], vec![], vec![]);
    for (_, (class, v)) in rec.read.into_inner() {
        let s = Bytes::from(v).to_string();
        match class {
            PreimageClass::Node => state.push(s),
            PreimageClass::Code => codes.push(s),
            PreimageClass::Header => headers.push(s),
        }
    }
    headers.push(Bytes::from(alloy_rlp::encode(&parent_header)).to_string());
    Ok(json!({"state": state, "codes": codes, "keys": [], "headers": headers}))
}

fn output_at(n: &Inner, hash: B256) -> R {
    let header = n
        .store
        .header(hash)
        .map_err(store_err)?
        .ok_or_else(|| MethodError::server(format!("no block {hash}")))?;
    let info = n
        .store
        .info(hash)
        .map_err(store_err)?
        .ok_or_else(|| MethodError::server(format!("no info of block {hash}")))?;
    let r = n
        .store
        .block_ref(hash)
        .map_err(store_err)?
        .ok_or_else(|| MethodError::server(format!("no block reference of {hash}")))?;
    let mut pre = [0u8; 128];
    pre[32..64].copy_from_slice(header.state_root.as_slice());
    pre[64..96].copy_from_slice(info.message_passer_root.as_slice());
    pre[96..].copy_from_slice(hash.as_slice());
    Ok(json!({
        "version": B256::ZERO.to_string(),
        "outputRoot": keccak256(pre).to_string(),
        "blockRef": l2_ref_json(&r),
        "withdrawalStorageRoot": info.message_passer_root.to_string(),
        "stateRoot": header.state_root.to_string(),
        "syncStatus": sync_status(n)?,
    }))
}

fn sync_status(n: &Inner) -> R {
    let (_, head_hash) = head(n)?;
    let unsafe_ref = n
        .store
        .block_ref(head_hash)
        .map_err(store_err)?
        .ok_or_else(|| MethodError::server(format!("the head {head_hash} has no block info")))?;
    let genesis = n
        .store
        .block_ref(n.genesis_hash)
        .map_err(store_err)?
        .ok_or_else(|| MethodError::server("the genesis block has no block info"))?;
    let l1 = n.l1_head.lock().expect("lock").unwrap_or_default();
    let l1j = l1_ref_json(&l1);
    // The safe chain is what derivation gave back from L1 (`safe`); nothing finalizes it on an
    // L1 without finality, so finalized stays at genesis.
    let safe = l2_ref_json(&n.safe.lock().expect("lock"));
    let g = l2_ref_json(&genesis);
    Ok(json!({
        "current_l1": l1j, "current_l1_finalized": l1j, "head_l1": l1j, "safe_l1": l1j,
        "finalized_l1": l1j,
        "unsafe_l2": l2_ref_json(&unsafe_ref), "safe_l2": safe, "finalized_l2": g,
        "pending_safe_l2": safe, "cross_unsafe_l2": l2_ref_json(&unsafe_ref), "local_safe_l2": safe,
    }))
}
