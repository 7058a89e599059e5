//! The online host: it answers each hint of the fault proof program by fetching what the hint
//! names from an L1 execution node, an L1 beacon node and an L2 node over JSON-RPC (and the beacon
//! API), checks it, and writes it to the store in one transaction, so that the same run later
//! works from the store alone. Hints and payloads are kona's (crates/claim/src/hints.rs):
//!
//! | hint | fetched with | checked | stored |
//! |---|---|---|---|
//! | `l1-block-header` | L1 `eth_getBlockByHash` | the header hashes to the hash | header RLP |
//! | `l1-transactions` | L1 `eth_getBlockByHash` (full) | the trie root is the header's | every trie node |
//! | `l1-receipts` | L1 `eth_getBlockReceipts` | the trie root is the header's | every trie node |
//! | `l1-blob` | beacon `/eth/v1/beacon/blobs/{slot}` (or the L1 block hash, as anvil serves it) | c-kzg: the commitment of the blob is the versioned hash's, and its proof verifies | commitment (type 4), field elements (type 5, `keccak256(commitment ++ z_i)`) with their key preimages, the proof as element 4096 |
//! | `l2-block-header` | L2 `debug_getRawHeader` | hashes to the hash | header RLP |
//! | `l2-transactions` | L2 `eth_getBlockByHash` (full) | the trie root is the header's | every trie node |
//! | `starting-l2-output` | L2 headers and `eth_getProof` of the message passer (the agreed head from `--agreed-l2-head-hash`, or found by `optimism_outputAtBlock` below the claimed block) | the output hashes to the agreed root | the 128-byte output |
//! | `l2-code`, `l2-state-node` | L2 `debug_dbGet` | keccak256 | the value |
//! | `l2-account-proof`, `l2-account-storage-proof` | L2 `eth_getProof` at the block's number (skipped when the path is already in the store under that block's state root) | keccak256 of each node; the proof's first node is the block's state root when its header is known | every proof node |
//! | `l2-payload-witness` | L2 `debug_executePayload` | keccak256 of each | state nodes, codes, headers |
//!
//! A hint whose data is already in the store is not fetched again (each hint's data goes in with
//! one transaction, so what is there is whole).

use crate::store::Store;
use alloy_consensus::Header;
use alloy_primitives::{keccak256, Address, B256, U256};
use alloy_rlp::Decodable;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use verdict_node::eth::EthClient;
use verdict_preimage::PreimageKey;
use verdict_program::state::TrieAccount;
use verdict_program::{NodeSource, PreimageKind, ProgramError, Trie};
use verdict_rpc::{Client, ClientConfig};

/// The size of a blob.
const BLOB_SIZE: usize = 131_072;
/// Field elements in a blob.
const FIELD_ELEMENTS: usize = 4096;

/// Where the online host fetches from.
#[derive(Clone, Debug, Default)]
pub struct OnlineConfig {
    /// The L1 execution node.
    pub l1: Option<String>,
    /// The L1 beacon node.
    pub beacon: Option<String>,
    /// The L2 node.
    pub l2: Option<String>,
    /// The agreed L2 head's hash, if known.
    pub agreed_l2_head_hash: Option<B256>,
    /// The agreed output root (boot input 2).
    pub agreed_output_root: Option<B256>,
    /// The claimed block number (boot input 4): the agreed head is searched below it.
    pub claimed_block_number: Option<u64>,
    /// Timeouts and retries.
    pub client: ClientConfig,
}

/// Fetches the data of hints.
pub trait Fetcher: Send + Sync {
    /// Fetches, checks and stores what `hint` names.
    fn fetch(&self, hint: &str) -> Result<(), String>;
}

/// The online fetcher.
pub struct Online {
    cfg: OnlineConfig,
    l1: Option<EthClient>,
    beacon: Option<Client>,
    l2: Option<EthClient>,
    store: Arc<dyn Store>,
    /// L1 block hashes by timestamp, from the headers fetched (anvil's beacon API takes them).
    l1_times: Mutex<HashMap<u64, B256>>,
    /// The beacon node's genesis time and seconds per slot.
    beacon_clock: Mutex<Option<(u64, Option<u64>)>>,
    /// L2 state roots by block number, from the L2 headers seen (fetched or in witnesses).
    l2_roots: Mutex<HashMap<u64, B256>>,
}

/// Trie nodes from the host's store (for checking whether a path is already there).
struct StoreNodes<'a>(&'a dyn Store);

impl NodeSource for StoreNodes<'_> {
    fn node(&self, hash: B256) -> Result<Vec<u8>, ProgramError> {
        match self.0.get(&keccak_key(hash)) {
            Ok(Some(v)) => Ok(v),
            _ => Err(ProgramError::MissingPreimage {
                kind: PreimageKind::TrieNode,
                hash,
                key: keccak_key(hash),
            }),
        }
    }
}

/// Preimages to store, by key.
pub type Entries = Vec<(PreimageKey, Vec<u8>)>;

fn keccak_key(hash: B256) -> PreimageKey {
    PreimageKey::from_keccak_hash(hash.0)
}

/// A keccak256 preimage entry.
fn keccak_entry(value: Vec<u8>) -> (PreimageKey, Vec<u8>) {
    (PreimageKey::keccak256(&value), value)
}

impl Online {
    /// A fetcher writing into `store`.
    pub fn new(cfg: OnlineConfig, store: Arc<dyn Store>) -> Result<Self, String> {
        let eth = |u: &Option<String>| {
            u.as_deref()
                .map(|u| EthClient::new(u, cfg.client))
                .transpose()
        };
        Ok(Online {
            l1: eth(&cfg.l1)?,
            l2: eth(&cfg.l2)?,
            beacon: cfg
                .beacon
                .as_deref()
                .map(|u| Client::new(u, cfg.client))
                .transpose()?,
            cfg,
            store,
            l1_times: Default::default(),
            beacon_clock: Default::default(),
            l2_roots: Default::default(),
        })
    }

    fn l1(&self) -> Result<&EthClient, String> {
        self.l1
            .as_ref()
            .ok_or_else(|| "the program needs L1 data: give --l1-node-address".to_string())
    }

    fn l2(&self) -> Result<&EthClient, String> {
        self.l2
            .as_ref()
            .ok_or_else(|| "the program needs L2 data: give --l2-node-address".to_string())
    }

    fn has(&self, key: PreimageKey) -> Result<bool, String> {
        Ok(self.store.get(&key).map_err(|e| e.to_string())?.is_some())
    }

    fn stored_header(&self, hash: B256) -> Result<Option<Header>, String> {
        match self
            .store
            .get(&keccak_key(hash))
            .map_err(|e| e.to_string())?
        {
            Some(rlp) => Header::decode(&mut rlp.as_slice())
                .map(Some)
                .map_err(|e| format!("the stored header {hash} does not decode: {e}")),
            None => Ok(None),
        }
    }

    fn l1_header(&self, hash: B256) -> Result<Header, String> {
        let header = match self.stored_header(hash)? {
            Some(h) => h,
            None => {
                let h = self.l1()?.header_by_hash(hash).map_err(|e| e.to_string())?;
                self.put(vec![keccak_entry(alloy_rlp::encode(&h))])?;
                h
            }
        };
        self.l1_times
            .lock()
            .expect("lock")
            .insert(header.timestamp, hash);
        Ok(header)
    }

    fn note_l2_root(&self, header: &Header) {
        self.l2_roots
            .lock()
            .expect("lock")
            .insert(header.number, header.state_root);
    }

    fn l2_header(&self, hash: B256) -> Result<Header, String> {
        if let Some(h) = self.stored_header(hash)? {
            self.note_l2_root(&h);
            return Ok(h);
        }
        let l2 = self.l2()?;
        let raw: alloy_primitives::Bytes = l2
            .rpc()
            .call("debug_getRawHeader", json!([hash.to_string()]))
            .map_err(|e| e.to_string())?;
        if keccak256(&raw) != hash {
            return Err(format!(
                "{}: debug_getRawHeader([\"{hash}\"]): the header hashes to {}, not {hash}",
                l2.rpc().url(),
                keccak256(&raw)
            ));
        }
        let h = Header::decode(&mut raw.as_ref())
            .map_err(|e| format!("{}: debug_getRawHeader({hash}): {e}", l2.rpc().url()))?;
        self.put(vec![keccak_entry(raw.to_vec())])?;
        self.note_l2_root(&h);
        Ok(h)
    }

    /// Whether the proof of `address` (and `slot` of it) in the state of L2 block `block` is
    /// already in the store: the block's state root is known and the path resolves.
    fn proof_stored(&self, block: u64, address: Address, slot: Option<U256>) -> bool {
        let Some(root) = self.l2_roots.lock().expect("lock").get(&block).copied() else {
            return false;
        };
        let src = StoreNodes(self.store.as_ref());
        let account = match Trie::new(root).get(keccak256(address).as_slice(), &src) {
            Ok(Some(v)) => v.to_vec(),
            Ok(None) => return true,
            Err(_) => return false,
        };
        let Some(slot) = slot else { return true };
        let Ok(acc) = TrieAccount::decode(&account) else {
            return false;
        };
        Trie::new(acc.storage_root)
            .get(keccak256(slot.to_be_bytes::<32>()).as_slice(), &src)
            .is_ok()
    }

    /// `l2-account-proof` and `l2-account-storage-proof`: `eth_getProof` at the block's number,
    /// every node stored.
    fn account_proof(&self, payload: &[u8], with_slot: bool) -> Result<Entries, String> {
        let name = if with_slot {
            "l2-account-storage-proof"
        } else {
            "l2-account-proof"
        };
        let want = if with_slot { 60 } else { 28 };
        if payload.len() != want {
            return Err(format!(
                "{name}: the payload has {} bytes, not {want}",
                payload.len()
            ));
        }
        let block = u64::from_be_bytes(payload[..8].try_into().expect("8 bytes"));
        let address = Address::from_slice(&payload[8..28]);
        let slot = with_slot.then(|| U256::from_be_slice(&payload[28..60]));
        if self.proof_stored(block, address, slot) {
            return Ok(vec![]);
        }
        let l2 = self.l2()?;
        let slots: Vec<String> = slot
            .iter()
            .map(|s| B256::from(s.to_be_bytes::<32>()).to_string())
            .collect();
        let params = json!([address.to_string(), slots, format!("{block:#x}")]);
        let request = format!("{}: eth_getProof({params})", l2.rpc().url());
        let v: Value = l2
            .rpc()
            .call("eth_getProof", params.clone())
            .map_err(|e| e.to_string())?;
        let mut nodes = Vec::new();
        let mut list = |v: &Value, what: &str| -> Result<(), String> {
            for (i, n) in v
                .as_array()
                .ok_or(format!("{request}: no {what}"))?
                .iter()
                .enumerate()
            {
                let bytes = n
                    .as_str()
                    .and_then(|s| alloy_primitives::hex::decode(s.trim_start_matches("0x")).ok())
                    .ok_or_else(|| format!("{request}: {what}[{i}] is not hex"))?;
                nodes.push(bytes);
            }
            Ok(())
        };
        list(&v["accountProof"], "accountProof")?;
        if with_slot {
            list(&v["storageProof"][0]["proof"], "storageProof[0].proof")?;
        }
        if let (Some(root), Some(first)) = (
            self.l2_roots.lock().expect("lock").get(&block).copied(),
            nodes.first(),
        ) {
            if keccak256(first) != root {
                return Err(format!(
                    "{request}: the account proof starts at {}, not at block {block}'s state root {root}",
                    keccak256(first)
                ));
            }
        }
        Ok(nodes.into_iter().map(keccak_entry).collect())
    }

    fn put(&self, items: Entries) -> Result<(), String> {
        self.store.insert_all(&items).map_err(|e| e.to_string())
    }

    fn trie_done(&self, root: B256) -> Result<bool, String> {
        Ok(root == verdict_program::EMPTY_ROOT || self.has(keccak_key(root))?)
    }

    fn blob(&self, versioned_hash: B256, timestamp: u64) -> Result<Entries, String> {
        let mut key = versioned_hash.0;
        key[0] = 4;
        if self.has(PreimageKey(key))? {
            return Ok(vec![]);
        }
        let beacon = self
            .beacon
            .as_ref()
            .ok_or("the program needs a blob: give --l1-beacon-address")?;
        let clock = {
            let mut c = self.beacon_clock.lock().expect("lock");
            if c.is_none() {
                let g: Value = beacon
                    .get_json("/eth/v1/beacon/genesis")
                    .map_err(|e| e.to_string())?;
                let genesis = g["data"]["genesis_time"]
                    .as_str()
                    .and_then(|s| s.parse::<u64>().ok())
                    .ok_or_else(|| {
                        format!(
                            "{}: GET /eth/v1/beacon/genesis: no genesis_time",
                            beacon.url()
                        )
                    })?;
                // anvil answers the spec only when it mines at an interval.
                let sps = beacon
                    .get_json::<Value>("/eth/v1/config/spec")
                    .ok()
                    .and_then(|s| s["data"]["SECONDS_PER_SLOT"].as_str()?.parse::<u64>().ok())
                    .filter(|s| *s > 0);
                *c = Some((genesis, sps));
            }
            c.expect("set")
        };
        let mut block_ids = Vec::new();
        if let (genesis, Some(sps)) = clock {
            if timestamp >= genesis {
                block_ids.push(((timestamp - genesis) / sps).to_string());
            }
        }
        if let Some(h) = self.l1_times.lock().expect("lock").get(&timestamp) {
            block_ids.push(h.to_string());
        }
        let mut tried = Vec::new();
        for id in block_ids {
            let path = format!("/eth/v1/beacon/blobs/{id}?versioned_hashes={versioned_hash}");
            let v: Value = match beacon.get_json(&path) {
                Ok(v) => v,
                Err(e) => {
                    tried.push(e.to_string());
                    continue;
                }
            };
            for b in v["data"].as_array().into_iter().flatten() {
                let bytes = b
                    .as_str()
                    .and_then(|s| alloy_primitives::hex::decode(s.trim_start_matches("0x")).ok())
                    .filter(|b| b.len() == BLOB_SIZE);
                let Some(bytes) = bytes else { continue };
                let blob: [u8; BLOB_SIZE] = bytes.try_into().expect("checked length");
                if let Some(items) = blob_preimages(&blob, versioned_hash)? {
                    return Ok(items);
                }
            }
            tried.push(format!(
                "{}: GET {path}: no blob with that versioned hash",
                beacon.url()
            ));
        }
        Err(format!(
            "blob {versioned_hash} of the L1 block at time {timestamp} not found: {}",
            if tried.is_empty() {
                "the beacon node gives no seconds per slot and the L1 block was not fetched".into()
            } else {
                tried.join("; ")
            }
        ))
    }

    /// The agreed output's preimage: from the agreed head (given, or found below the claimed
    /// block with `optimism_outputAtBlock`), its header and the message passer's storage root.
    fn starting_output(&self, root: B256) -> Result<Entries, String> {
        if self.has(keccak_key(root))? {
            return Ok(vec![]);
        }
        let l2 = self.l2()?;
        let head = match self.cfg.agreed_l2_head_hash {
            Some(h) => h,
            None => {
                let top = self.cfg.claimed_block_number.ok_or(
                    "finding the agreed L2 head needs --agreed-l2-head-hash or --claimed-l2-block-number",
                )?;
                let mut found = None;
                for n in (top.saturating_sub(4096)..=top).rev() {
                    let v: Value = l2
                        .rpc()
                        .call("optimism_outputAtBlock", json!([format!("{n:#x}")]))
                        .map_err(|e| e.to_string())?;
                    let out: Option<B256> = v["outputRoot"].as_str().and_then(|s| s.parse().ok());
                    if out == Some(root) {
                        found = v["blockRef"]["hash"].as_str().and_then(|s| s.parse().ok());
                        break;
                    }
                }
                found.ok_or_else(|| {
                    format!(
                        "{}: no L2 block at or below {top} has the output root {root} (optimism_outputAtBlock)",
                        l2.rpc().url()
                    )
                })?
            }
        };
        let header = self.l2_header(head)?;
        let params = json!([
            "0x4200000000000000000000000000000000000016",
            [],
            head.to_string()
        ]);
        let proof: Value = l2
            .rpc()
            .call("eth_getProof", params.clone())
            .map_err(|e| e.to_string())?;
        let storage_root: B256 = proof["storageHash"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("{}: eth_getProof({params}): no storageHash", l2.rpc().url()))?;
        let mut pre = vec![0u8; 128];
        pre[32..64].copy_from_slice(header.state_root.as_slice());
        pre[64..96].copy_from_slice(storage_root.as_slice());
        pre[96..].copy_from_slice(head.as_slice());
        if keccak256(&pre) != root {
            return Err(format!(
                "{}: the output of L2 block {head} is {}, not the agreed {root}",
                l2.rpc().url(),
                keccak256(&pre)
            ));
        }
        Ok(vec![keccak_entry(pre)])
    }

    fn db_get(&self, hash: B256, code: bool) -> Result<Entries, String> {
        if self.has(keccak_key(hash))? {
            return Ok(vec![]);
        }
        let l2 = self.l2()?;
        let mut tries = Vec::new();
        if code {
            let mut k = vec![b'c'];
            k.extend_from_slice(hash.as_slice());
            tries.push(alloy_primitives::Bytes::from(k).to_string());
        }
        tries.push(hash.to_string());
        let mut last = String::new();
        for key in tries {
            match l2
                .rpc()
                .call::<alloy_primitives::Bytes>("debug_dbGet", json!([key]))
            {
                Ok(v) if keccak256(&v) == hash => return Ok(vec![keccak_entry(v.to_vec())]),
                Ok(_) => {
                    last = format!(
                        "{}: debug_dbGet([\"{key}\"]): the value does not hash to {hash}",
                        l2.rpc().url()
                    )
                }
                Err(e) => last = e.to_string(),
            }
        }
        Err(last)
    }

    fn payload_witness(&self, payload: &[u8]) -> Result<Entries, String> {
        if payload.len() < 32 {
            return Err("l2-payload-witness: the payload is shorter than a parent hash".into());
        }
        // A marker records that this witness was fetched: a keccak256 preimage of its own.
        let mut marker = b"verdict l2-payload-witness ".to_vec();
        marker.extend_from_slice(keccak256(payload).as_slice());
        let parent = B256::from_slice(&payload[..32]);
        if self.has(PreimageKey::keccak256(&marker))? {
            // The proofs of the accounts it reads are then under the parent's state root.
            if let Some(h) = self.stored_header(parent)? {
                self.note_l2_root(&h);
            }
            return Ok(vec![]);
        }
        let attrs: Value = serde_json::from_slice(&payload[32..])
            .map_err(|e| format!("l2-payload-witness: the attributes are not JSON: {e}"))?;
        let l2 = self.l2()?;
        let params = json!([parent.to_string(), attrs]);
        let w: Value = l2
            .rpc()
            .call("debug_executePayload", params.clone())
            .map_err(|e| e.to_string())?;
        let mut items = Vec::new();
        for field in ["state", "codes", "keys", "headers"] {
            for (i, v) in w[field].as_array().into_iter().flatten().enumerate() {
                let bytes = v
                    .as_str()
                    .and_then(|s| alloy_primitives::hex::decode(s.trim_start_matches("0x")).ok())
                    .ok_or_else(|| {
                        format!(
                            "{}: debug_executePayload({parent}, ...): {field}[{i}] is not hex",
                            l2.rpc().url()
                        )
                    })?;
                if field == "headers" {
                    if let Ok(h) = Header::decode(&mut bytes.as_slice()) {
                        self.note_l2_root(&h);
                    }
                }
                items.push(keccak_entry(bytes));
            }
        }
        items.push(keccak_entry(marker));
        Ok(items)
    }
}

fn b256(payload: &[u8], name: &str) -> Result<B256, String> {
    if payload.len() != 32 {
        return Err(format!(
            "{name}: the payload has {} bytes, not 32",
            payload.len()
        ));
    }
    Ok(B256::from_slice(payload))
}

/// The preimages of a blob if its commitment is `versioned_hash`'s (checked with c-kzg: the
/// commitment computed from the blob, and its proof verified), `None` if it is another blob.
pub fn blob_preimages(
    blob: &[u8; BLOB_SIZE],
    versioned_hash: B256,
) -> Result<Option<Entries>, String> {
    let kzg = |e: c_kzg::Error| format!("KZG: {e:?}");
    let settings = c_kzg::ethereum_kzg_settings(0);
    let b = c_kzg::Blob::from_bytes(blob).map_err(kzg)?;
    let commitment = settings.blob_to_kzg_commitment(&b).map_err(kzg)?.to_bytes();
    let mut vh = verdict_preimage::sha256(commitment.as_slice());
    vh[0] = 1;
    if B256::from(vh) != versioned_hash {
        return Ok(None);
    }
    let proof = settings
        .compute_blob_kzg_proof(&b, &commitment)
        .map_err(kzg)?
        .to_bytes();
    if !settings
        .verify_blob_kzg_proof(&b, &commitment, &proof)
        .map_err(kzg)?
    {
        return Err(format!(
            "the KZG proof of blob {versioned_hash} does not verify"
        ));
    }
    let c: [u8; 48] = *commitment;
    let mut out = Vec::with_capacity(2 * FIELD_ELEMENTS + 3);
    let mut key4 = versioned_hash.0;
    key4[0] = 4;
    out.push((PreimageKey(key4), c.to_vec()));
    let points = verdict_claim::blobs::evaluation_points();
    let mut kp = [0u8; 80];
    kp[..48].copy_from_slice(&c);
    for (i, z) in points.iter().enumerate() {
        kp[48..].copy_from_slice(z);
        out.push((PreimageKey::keccak256(&kp), kp.to_vec()));
        out.push((
            verdict_claim::blobs::field_element_key(&c, z),
            blob[i * 32..(i + 1) * 32].to_vec(),
        ));
    }
    kp[72..].copy_from_slice(&(FIELD_ELEMENTS as u64).to_be_bytes());
    let z: [u8; 32] = kp[48..].try_into().expect("32 bytes");
    out.push((PreimageKey::keccak256(&kp), kp.to_vec()));
    out.push((
        verdict_claim::blobs::field_element_key(&c, &z),
        proof.to_vec(),
    ));
    Ok(Some(out))
}

impl Fetcher for Online {
    fn fetch(&self, hint: &str) -> Result<(), String> {
        let (name, hex) = hint.split_once(' ').unwrap_or((hint, ""));
        let payload = alloy_primitives::hex::decode(hex.trim().trim_start_matches("0x"))
            .map_err(|e| format!("hint {name}: the payload is not hex: {e}"))?;
        let items = match name {
            "l1-block-header" => {
                self.l1_header(b256(&payload, name)?)?;
                vec![]
            }
            "l1-transactions" => {
                let hash = b256(&payload, name)?;
                let header = self.l1_header(hash)?;
                if self.trie_done(header.transactions_root)? {
                    vec![]
                } else {
                    let (_, _, nodes) = self
                        .l1()?
                        .l1_transactions(hash, &header)
                        .map_err(|e| e.to_string())?;
                    nodes.into_iter().map(keccak_entry).collect()
                }
            }
            "l1-receipts" => {
                let hash = b256(&payload, name)?;
                let header = self.l1_header(hash)?;
                if self.trie_done(header.receipts_root)? {
                    vec![]
                } else {
                    let (_, nodes) = self
                        .l1()?
                        .l1_receipts(hash, &header)
                        .map_err(|e| e.to_string())?;
                    nodes.into_iter().map(keccak_entry).collect()
                }
            }
            "l1-blob" => {
                if payload.len() != 48 {
                    return Err(format!(
                        "l1-blob: the payload has {} bytes, not 48",
                        payload.len()
                    ));
                }
                let vh = B256::from_slice(&payload[..32]);
                let ts = u64::from_be_bytes(payload[40..48].try_into().expect("8 bytes"));
                self.blob(vh, ts)?
            }
            "l2-block-header" => {
                self.l2_header(b256(&payload, name)?)?;
                vec![]
            }
            "l2-transactions" => {
                let hash = b256(&payload, name)?;
                let header = self.l2_header(hash)?;
                if self.trie_done(header.transactions_root)? {
                    vec![]
                } else {
                    let (_, nodes) = self
                        .l2()?
                        .l2_transactions(hash, &header)
                        .map_err(|e| e.to_string())?;
                    nodes.into_iter().map(keccak_entry).collect()
                }
            }
            "starting-l2-output" => self.starting_output(b256(&payload, name)?)?,
            "l2-code" => self.db_get(b256(&payload, name)?, true)?,
            "l2-state-node" => self.db_get(b256(&payload, name)?, false)?,
            "l2-payload-witness" => self.payload_witness(&payload)?,
            "l2-account-proof" => self.account_proof(&payload, false)?,
            "l2-account-storage-proof" => self.account_proof(&payload, true)?,
            // Hints this program does not send (kona's precompile and proof hints): nothing to do.
            _ => vec![],
        };
        if !items.is_empty() {
            self.put(items)?;
        }
        Ok(())
    }
}
