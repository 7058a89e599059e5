//! The node against a real L1 (anvil, started by the test on a loopback port, killed at the
//! end): blocks with deposits from L1, the JSON-RPC methods, execution witnesses that re-execute
//! the blocks statelessly, restarts, L1 faults, and derivation over the posted batches (calldata
//! and a blob) giving back the node's blocks attribute for attribute.

use alloy_consensus::Header;
use alloy_primitives::{address, keccak256, Address, Bytes, B256, U256};
use alloy_rlp::Decodable;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use verdict_derive::pipeline::Pipeline;
use verdict_derive::provider::{Blob, BlobProvider};
use verdict_derive::{DeriveError, L1BlockRef};
use verdict_node::chain::{attributes_of, to_executable, L1Chain, L2View, NoUpgrades};
use verdict_node::devnet;
use verdict_node::eth::EthClient;
use verdict_node::testing::{self, Anvil, Post};
use verdict_node::{Node, NodeConfig};
use verdict_preimage::{MapOracle, PreimageKey};
use verdict_rpc::{Client, ClientConfig};

fn rpc(url: &str) -> Client {
    Client::new(
        url,
        ClientConfig {
            timeout: Duration::from_secs(20),
            retries: 1,
            backoff: Duration::from_millis(50),
        },
    )
    .unwrap()
}

fn call(c: &Client, method: &str, params: Value) -> Value {
    c.call(method, params).unwrap_or_else(|e| panic!("{e}"))
}

fn qty(v: &Value) -> u64 {
    u64::from_str_radix(v.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

fn h256(v: &Value) -> B256 {
    v.as_str().unwrap().parse().unwrap()
}

fn bytes(v: &Value) -> Vec<u8> {
    alloy_primitives::hex::decode(v.as_str().unwrap().trim_start_matches("0x")).unwrap()
}

fn start_node(dir: &std::path::Path, l1: &str, lead: u64, txgen: bool) -> Node {
    let mut c = NodeConfig::new(dir, l1);
    c.lead = lead;
    c.txgen = txgen;
    c.poll = Duration::from_millis(50);
    Node::start(c).unwrap()
}

/// Blobs from anvil's beacon API (by the L1 block hash, as anvil takes it).
struct BeaconBlobs(Client);

impl BlobProvider for BeaconBlobs {
    fn blob(
        &mut self,
        block: &L1BlockRef,
        _index: u64,
        versioned_hash: B256,
    ) -> Result<([u8; 48], Blob), DeriveError> {
        let v: Value = self
            .0
            .get_json(&format!(
                "/eth/v1/beacon/blobs/{}?versioned_hashes={versioned_hash}",
                block.hash
            ))
            .map_err(|e| DeriveError::Provider(e.to_string()))?;
        for b in v["data"].as_array().into_iter().flatten() {
            let raw: [u8; 131072] = bytes(b).try_into().unwrap();
            let items = verdict_host_like_commitment(&raw);
            if verdict_derive::blob::versioned_hash(&items) == versioned_hash {
                return Ok((items, Box::new(raw)));
            }
        }
        Err(DeriveError::Provider(format!("no blob {versioned_hash}")))
    }
}

fn verdict_host_like_commitment(blob: &[u8; 131072]) -> [u8; 48] {
    let s = c_kzg::ethereum_kzg_settings(0);
    let b = c_kzg::Blob::from_bytes(blob).unwrap();
    *s.blob_to_kzg_commitment(&b).unwrap().to_bytes()
}

#[test]
fn node_builds_blocks_with_deposits_answers_rpc_and_derivation_agrees() {
    let Some(bin) = testing::anvil_binary() else {
        return;
    };
    let t0 = Instant::now();
    let anvil = Anvil::start(&bin, &[]);
    let eth = anvil.eth();
    // The L1 genesis is the fixed one the rollup config names.
    let (_, g) = eth.header_by_number(0).unwrap().unwrap();
    assert_eq!(
        g,
        devnet::L1_GENESIS_HASH,
        "anvil's genesis changed: see devnet::ANVIL_ARGS"
    );
    testing::deploy_deposit_contract(&eth);
    let dir = tempfile::tempdir().unwrap();
    let mut node = start_node(dir.path(), &anvil.url, 30, true);
    let c = rpc(&node.url());
    node.wait_for_block(3, Duration::from_secs(60)).unwrap();

    // A deposit: 1 ETH minted to a fresh address, plus a call's worth of value.
    let to = address!("00000000000000000000000000000000000d0d0d");
    let receipt = testing::deposit(
        &eth,
        genesis_key_address(devnet::KEY_0),
        to,
        2_000_000_000_000_000_000,
        U256::from(1_000_000_000_000_000_000u128),
        100_000,
        &[],
    );
    let deposit_block = qty(&receipt["blockNumber"]);
    testing::mine(&eth, 2);
    // An L2 transaction sent over JSON-RPC.
    let sk = testing::key(devnet::KEY_2);
    let me = genesis_key_address(devnet::KEY_2);
    let nonce = qty(&call(
        &c,
        "eth_getTransactionCount",
        json!([me.to_string(), "latest"]),
    ));
    let tx = verdict_node::txgen::sign_1559(
        &sk,
        alloy_consensus::TxEip1559 {
            chain_id: devnet::L2_CHAIN_ID,
            nonce,
            gas_limit: 21_000,
            max_fee_per_gas: 10_000_000_000,
            max_priority_fee_per_gas: 1,
            to: alloy_primitives::TxKind::Call(to),
            value: U256::from(5u8),
            access_list: Default::default(),
            input: Bytes::new(),
        },
    );
    let tx_hash = h256(&call(&c, "eth_sendRawTransaction", json!([tx.to_string()])));
    assert_eq!(tx_hash, keccak256(&tx));
    // Wait for the deposit and the transaction.
    let start = Instant::now();
    let tx_receipt = loop {
        let r = call(
            &c,
            "eth_getTransactionReceipt",
            json!([tx_hash.to_string()]),
        );
        let bal =
            qty(&call(&c, "eth_getBalance", json!([to.to_string(), "latest"])).clone()) as u128;
        let _ = bal;
        if !r.is_null() {
            break r;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the L2 transaction was not included"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(tx_receipt["status"], "0x1");
    let start = Instant::now();
    loop {
        let bal = call(&c, "eth_getBalance", json!([to.to_string(), "latest"]));
        if U256::from_str_radix(bal.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
            >= U256::from(1_000_000_000_000_000_000u128)
        {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the deposit never arrived: {bal}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let head = qty(&call(&c, "eth_blockNumber", json!([])));
    eprintln!("{head} L2 blocks in {:?}", t0.elapsed());

    // The deposit's L2 block: its L1 origin is the deposit's L1 block, its second transaction
    // the deposit.
    let store = &node.inner().store;
    let mut found = false;
    for n in 1..=head {
        let hash = store.hash_at(n).unwrap().unwrap();
        let info = store.info(hash).unwrap().unwrap();
        let txs = store.transactions(hash).unwrap().unwrap();
        if info.l1_origin.number == deposit_block && info.sequence_number == 0 {
            assert!(
                txs.len() >= 2 && txs[1][0] == 0x7e,
                "block {n} lacks the deposit"
            );
            found = true;
        }
    }
    assert!(found, "no block starts the deposit's epoch");

    check_rpc(&c, &node, head);
    alloy_shapes(&c, head);

    // Batches for every block so far: two channels, one as calldata, one in a blob.
    let mid = head / 2;
    testing::post_batches(&eth, store, 1, mid, Post::Calldata);
    testing::post_batches(&eth, store, mid + 1, head, Post::Blob);
    testing::mine(&eth, 1);
    derive_and_compare(&node, &anvil, head);
    // The node's own follower makes them safe (optimism_syncStatus).
    let start = Instant::now();
    loop {
        let s = call(&c, "optimism_syncStatus", json!([]));
        if s["safe_l2"]["number"].as_u64().unwrap() >= head {
            assert_eq!(
                s["safe_l2"]["hash"],
                json!(node.inner().store.hash_at(head).unwrap().unwrap())
            );
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the safe head stayed at {}: {:?}",
            s["safe_l2"]["number"],
            node.inner().safe_error.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    // A restart: the chain is where it was and grows on.
    node.stop();
    let before = store_head(&node);
    drop(node);
    let node = start_node(dir.path(), &anvil.url, 30, false);
    assert_eq!(store_head(&node), before);
    node.wait_for_block(before + 3, Duration::from_secs(60))
        .unwrap();
    eprintln!("done in {:?}", t0.elapsed());
}

/// Every block (full transactions, deposits included) and every receipt reads as alloy's
/// Optimism network types, as the devnet's L1 half reads them.
fn alloy_shapes(c: &Client, head: u64) {
    type Block = alloy_rpc_types_eth::Block<op_alloy_rpc_types::Transaction>;
    for n in 0..=head {
        let v = call(c, "eth_getBlockByNumber", json!([format!("{n:#x}"), true]));
        let b: Block = serde_json::from_value(v.clone())
            .unwrap_or_else(|e| panic!("block {n} as alloy's Block: {e}: {v}"));
        assert_eq!(b.header.number, n);
        for t in b.transactions.txns() {
            let r = call(
                c,
                "eth_getTransactionReceipt",
                json!([t.inner.inner.tx_hash()]),
            );
            let _: op_alloy_rpc_types::OpTransactionReceipt = serde_json::from_value(r.clone())
                .unwrap_or_else(|e| panic!("a receipt of block {n} as alloy's: {e}: {r}"));
        }
    }
}

fn store_head(node: &Node) -> u64 {
    node.inner().store.head_header().unwrap().0.number
}

fn genesis_key_address(k: B256) -> Address {
    verdict_node::genesis::key_address(&k)
}

/// Every method a host and a challenger use, checked against the store and recomputation.
fn check_rpc(c: &Client, node: &Node, head: u64) {
    assert_eq!(qty(&call(c, "eth_chainId", json!([]))), devnet::L2_CHAIN_ID);
    assert!(qty(&call(c, "eth_blockNumber", json!([]))) >= head);
    let n = head - 1;
    let b = call(c, "eth_getBlockByNumber", json!([format!("{n:#x}"), false]));
    let hash = h256(&b["hash"]);
    assert_eq!(qty(&b["number"]), n);
    let full = call(c, "eth_getBlockByHash", json!([hash.to_string(), true]));
    assert_eq!(full["hash"], b["hash"]);
    assert_eq!(
        full["transactions"].as_array().unwrap().len(),
        b["transactions"].as_array().unwrap().len()
    );
    assert_eq!(full["transactions"][0]["type"], "0x7e");
    // The header from its JSON hashes to the block hash.
    let parsed = verdict_program::json::parse_header(&b, "b").unwrap();
    assert_eq!(parsed.hash_slow(), hash);
    // Transactions parse back (the online host reads them so), and their root is the header's.
    let eth = EthClient::new(&node.url(), ClientConfig::default()).unwrap();
    eth.l2_transactions(hash, &parsed).unwrap();
    // debug_getRawHeader.
    let raw = bytes(&call(c, "debug_getRawHeader", json!([hash.to_string()])));
    assert_eq!(keccak256(&raw), hash);
    // Receipts: raw, and as JSON.
    let raw_receipts: Vec<Bytes> = call(c, "debug_getRawReceipts", json!([hash.to_string()]))
        .as_array()
        .unwrap()
        .iter()
        .map(|r| bytes(r).into())
        .collect();
    assert_eq!(
        verdict_node::eth::ordered_trie(&raw_receipts).0,
        parsed.receipts_root
    );
    let first_tx = h256(&b["transactions"][0]);
    let r = call(
        c,
        "eth_getTransactionReceipt",
        json!([first_tx.to_string()]),
    );
    assert_eq!(r["blockHash"], b["hash"]);
    assert_eq!(r["status"], "0x1");
    assert!(r["depositNonce"].is_string());
    let t = call(c, "eth_getTransactionByHash", json!([first_tx.to_string()]));
    assert_eq!(t["hash"], json!(first_tx.to_string()));
    // eth_getProof of the message passer: its storage root is the output's.
    let mp = "0x4200000000000000000000000000000000000016";
    let proof = call(c, "eth_getProof", json!([mp, [], hash.to_string()]));
    let account_proof: Vec<Vec<u8>> = proof["accountProof"]
        .as_array()
        .unwrap()
        .iter()
        .map(bytes)
        .collect();
    assert_eq!(keccak256(&account_proof[0]), parsed.state_root);
    assert_eq!(
        h256(&proof["storageHash"]),
        parsed.withdrawals_root.unwrap()
    );
    // A storage proof of a set slot of L1Block (slot 2: the L1 origin's hash).
    let p2 = call(
        c,
        "eth_getProof",
        json!([
            "0x4200000000000000000000000000000000000015",
            ["0x2"],
            hash.to_string()
        ]),
    );
    let info = node.inner().store.info(hash).unwrap().unwrap();
    assert_eq!(
        U256::from_str_radix(
            p2["storageProof"][0]["value"]
                .as_str()
                .unwrap()
                .trim_start_matches("0x"),
            16
        )
        .unwrap(),
        U256::from_be_bytes(info.l1_origin.hash.0),
        "L1Block stores its origin's hash"
    );
    // optimism_outputAtBlock: the version-0 output of the header and that storage root.
    let out = call(c, "optimism_outputAtBlock", json!([format!("{n:#x}")]));
    let mut pre = [0u8; 128];
    pre[32..64].copy_from_slice(parsed.state_root.as_slice());
    pre[64..96].copy_from_slice(parsed.withdrawals_root.unwrap().as_slice());
    pre[96..].copy_from_slice(hash.as_slice());
    assert_eq!(h256(&out["outputRoot"]), keccak256(pre));
    assert_eq!(out["blockRef"]["number"], json!(n));
    assert_eq!(
        out["blockRef"]["l1origin"]["number"],
        json!(info.l1_origin.number)
    );
    let status = call(c, "optimism_syncStatus", json!([]));
    assert!(status["unsafe_l2"]["number"].as_u64().unwrap() >= head);
    assert!(status["head_l1"]["number"].as_u64().unwrap() >= 1);
    let cfg = call(c, "optimism_rollupConfig", json!([]));
    verdict_derive::json::rollup_config_from_slice(cfg.to_string().as_bytes()).unwrap();
    // debug_dbGet: the state root node, and code by 'c' ++ hash.
    let root_node = bytes(&call(
        c,
        "debug_dbGet",
        json!([parsed.state_root.to_string()]),
    ));
    assert_eq!(keccak256(&root_node), parsed.state_root);
    let code_hash = h256(&proof["codeHash"]);
    let mut ck = vec![b'c'];
    ck.extend_from_slice(code_hash.as_slice());
    let code = bytes(&call(
        c,
        "debug_dbGet",
        json!([Bytes::from(ck).to_string()]),
    ));
    assert_eq!(keccak256(&code), code_hash);
    assert!(c
        .call::<Value>("debug_dbGet", json!([B256::repeat_byte(7).to_string()]))
        .is_err());
    // Unknown methods are -32601.
    assert!(c
        .call::<Value>("eth_nope", json!([]))
        .unwrap_err()
        .method_not_found());

    // debug_executionWitness and debug_executePayload: the witness alone re-executes the block.
    for n in [1, head - 1] {
        let hash = node.inner().store.hash_at(n).unwrap().unwrap();
        let header = node.inner().store.header(hash).unwrap().unwrap();
        let parent = node
            .inner()
            .store
            .header(header.parent_hash)
            .unwrap()
            .unwrap();
        let txs = node.inner().store.transactions(hash).unwrap().unwrap();
        let attrs = attributes_of(&header, txs.clone());
        let w = call(c, "debug_executionWitness", json!([format!("{n:#x}")]));
        assert_eq!(
            reexecute(&w, &parent, &attrs),
            hash,
            "block {n} from its witness"
        );
        let json_attrs = json!({
            "timestamp": format!("{:#x}", header.timestamp),
            "prevRandao": header.mix_hash.to_string(),
            "suggestedFeeRecipient": header.beneficiary.to_string(),
            "withdrawals": [],
            "parentBeaconBlockRoot": header.parent_beacon_block_root.unwrap().to_string(),
            "transactions": txs.iter().map(|t| t.to_string()).collect::<Vec<_>>(),
            "noTxPool": true,
            "gasLimit": format!("{:#x}", header.gas_limit),
            "eip1559Params": "0x0000000000000000",
        });
        let w2 = call(
            c,
            "debug_executePayload",
            json!([header.parent_hash.to_string(), json_attrs]),
        );
        let mut a2 = attrs.clone();
        a2.eip1559_params = Some(Default::default());
        assert_eq!(
            reexecute(&w2, &parent, &a2),
            hash,
            "block {n} from debug_executePayload"
        );
    }
}

fn reexecute(w: &Value, parent: &Header, attrs: &verdict_program::PayloadAttributes) -> B256 {
    let mut map = BTreeMap::new();
    for field in ["state", "codes", "headers"] {
        for v in w[field].as_array().unwrap() {
            let b = bytes(v);
            map.insert(PreimageKey::keccak256(&b), b);
        }
    }
    let oracle = MapOracle::new(map);
    let cfg = verdict_program::json::rollup_config_from_slice(
        verdict_node::genesis::rollup_config_json(verdict_node::genesis::genesis().hash)
            .to_string()
            .as_bytes(),
    )
    .unwrap();
    verdict_program::execute_block_with_output(
        &verdict_program::Preimages::new(&oracle),
        &cfg,
        parent,
        attrs,
        true,
    )
    .unwrap()
    .hash
}

/// Derivation (verdict-derive's pipeline over anvil's data, blobs from its beacon API) gives
/// back every block the node built, attribute for attribute.
fn derive_and_compare(node: &Node, anvil: &Anvil, head: u64) {
    let inner = node.inner();
    let l1 = L1Chain::new(anvil.eth());
    let cfg = inner.cfg.clone();
    let genesis = inner.store.block_ref(inner.genesis_hash).unwrap().unwrap();
    // The safe chain the pipeline reads is the node's: the test advances it block by block and
    // checks each derived block is the node's.
    let l2 = L2View {
        store: &inner.store,
        cfg: &cfg,
    };
    let blobs = BeaconBlobs(rpc(&anvil.url));
    let mut p = Pipeline::new(cfg.clone(), &l1, blobs, l2, NoUpgrades, genesis, 0).unwrap();
    let mut derived = 0;
    while derived < head {
        let d = match p.next_attributes() {
            Ok(d) => d,
            Err(DeriveError::EndOfL1) => break,
            Err(e) => panic!("derivation: {e}"),
        };
        let n = derived + 1;
        let hash = inner.store.hash_at(n).unwrap().unwrap();
        let txs = inner.store.transactions(hash).unwrap().unwrap();
        let header = inner.store.header(hash).unwrap().unwrap();
        assert_eq!(d.attributes.transactions, txs, "block {n}: transactions");
        assert_eq!(d.attributes.timestamp, header.timestamp, "block {n}: time");
        assert_eq!(
            d.attributes.prev_randao, header.mix_hash,
            "block {n}: randao"
        );
        assert_eq!(
            d.attributes.gas_limit, header.gas_limit,
            "block {n}: gas limit"
        );
        assert_eq!(
            to_executable(&d.attributes).parent_beacon_block_root,
            header.parent_beacon_block_root
        );
        p.advance(inner.store.block_ref(hash).unwrap().unwrap());
        derived = n;
    }
    assert_eq!(
        derived,
        head,
        "derivation stopped at {derived} of {head}: {:?}",
        p.take_drops()
    );
}

#[test]
fn l1_faults_are_named_and_the_node_keeps_serving() {
    let Some(bin) = testing::anvil_binary() else {
        return;
    };
    let mut anvil = Anvil::start(&bin, &[]);
    let dir = tempfile::tempdir().unwrap();
    let mut c = NodeConfig::new(dir.path(), &anvil.url);
    c.lead = 10;
    c.poll = Duration::from_millis(50);
    c.l1_client.retries = 1;
    c.l1_client.timeout = Duration::from_millis(500);
    let node = Node::start(c).unwrap();
    node.wait_for_block(2, Duration::from_secs(30)).unwrap();
    let url = anvil.url.clone();
    anvil.kill();
    let start = Instant::now();
    let err = loop {
        if let Some(e) = node.inner().last_error.lock().unwrap().clone() {
            break e;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no error after L1 went away"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(err.contains(&url) && err.contains("eth_"), "{err}");
    // The node still answers.
    let r = rpc(&node.url());
    assert!(qty(&call(&r, "eth_blockNumber", json!([]))) >= 2);
    let raw = bytes(&call(&r, "debug_getRawHeader", json!(["latest"])));
    Header::decode(&mut raw.as_slice()).unwrap();
}

/// The head's number, hash and L1 origin.
fn head_and_origin(node: &Node) -> (u64, B256, verdict_derive::BlockId) {
    let store = &node.inner().store;
    let (h, hash) = store.head_header().unwrap();
    (h.number, hash, store.info(hash).unwrap().unwrap().l1_origin)
}

#[test]
fn an_l1_reorg_rewinds_the_unsafe_chain_onto_the_new_l1() {
    let Some(bin) = testing::anvil_binary() else {
        return;
    };
    let anvil = Anvil::start(&bin, &[]);
    let eth = anvil.eth();
    let dir = tempfile::tempdir().unwrap();
    let node = start_node(dir.path(), &anvil.url, 30, true);
    // L1 blocks a second apart, until the L2 head has an origin past L1 block 3.
    let start = Instant::now();
    let (before, before_hash, origin) = loop {
        testing::mine(&eth, 1);
        std::thread::sleep(Duration::from_secs(1));
        let h = head_and_origin(&node);
        if h.2.number >= 3 {
            break h;
        }
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "no L1 origin past block 3"
        );
    };
    let l1_head = eth.block_number().unwrap();
    // Replace L1 from the head's origin on.
    let depth = l1_head - origin.number + 1;
    call(&rpc(&anvil.url), "anvil_reorg", json!([depth, []]));
    let (_, replaced) = eth.header_by_number(origin.number).unwrap().unwrap();
    assert_ne!(
        replaced, origin.hash,
        "anvil_reorg did not replace the origin"
    );
    // The node rewinds below that origin and builds on the new L1, past its old head.
    let start = Instant::now();
    loop {
        testing::mine(&eth, 1);
        std::thread::sleep(Duration::from_millis(500));
        let (n, _, o) = head_and_origin(&node);
        let canonical = eth.header_by_number(o.number).unwrap().map(|(_, h)| h);
        if n > before && canonical == Some(o.hash) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "the node did not build past its old head on the new L1 (head {n}, origin {o:?}, error {:?})",
            node.inner().last_error.lock().unwrap()
        );
    }
    let store = &node.inner().store;
    assert_ne!(
        store.hash_at(before).unwrap(),
        Some(before_hash),
        "the old head is still canonical"
    );
    // Every block's origin is on L1 now.
    let (head, _, _) = head_and_origin(&node);
    for n in 1..=head {
        let hash = store.hash_at(n).unwrap().unwrap();
        let o = store.info(hash).unwrap().unwrap().l1_origin;
        let on_l1 = eth.header_by_number(o.number).unwrap().map(|(_, h)| h);
        assert_eq!(on_l1, Some(o.hash), "L2 block {n}'s origin left L1");
    }
}
