//! The node's persistent store (redb, `node.redb` in the data directory): state and storage trie
//! nodes and contract code and headers by their keccak256 preimage key, bodies and receipts by
//! block hash, the canonical chain by number, transaction locations, what derivation knows of each
//! block, and the head. A block goes in with one write transaction: a node killed mid-write
//! leaves the store at the previous block.

use alloy_consensus::Header;
use alloy_primitives::{Bytes, B256};
use alloy_rlp::Decodable;
use redb::{ReadableDatabase, TableDefinition};
use std::path::{Path, PathBuf};
use verdict_derive::{BlockId, L2BlockRef};
use verdict_preimage::{PreimageError, PreimageKey, PreimageOracle};

const NODES: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("trie_nodes");
const CODE: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("code");
const HEADERS: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("headers");
const BODIES: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("bodies");
const RECEIPTS: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("receipts");
const CANONICAL: TableDefinition<u64, &[u8; 32]> = TableDefinition::new("canonical");
const TX_INDEX: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("tx_index");
const BLOCK_INFO: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("block_info");
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
#[error("node store {path}: {message}")]
pub struct StoreError {
    /// The store file.
    pub path: PathBuf,
    /// What went wrong.
    pub message: String,
}

/// A block as the store keeps it.
#[derive(Clone, Debug)]
pub struct StoredBlock {
    /// The header.
    pub header: Header,
    /// Its hash.
    pub hash: B256,
    /// The transactions, EIP-2718 encoded.
    pub transactions: Vec<Bytes>,
    /// The receipts, EIP-2718 encoded.
    pub receipts: Vec<Bytes>,
    /// What derivation knows of it.
    pub info: BlockInfo,
}

/// What derivation knows of a block, and its output's storage root.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockInfo {
    /// The L1 origin.
    pub l1_origin: BlockId,
    /// Its position in the epoch.
    pub sequence_number: u64,
    /// The L2ToL1MessagePasser's storage root after the block.
    pub message_passer_root: B256,
}

impl BlockInfo {
    fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(80);
        v.extend_from_slice(self.l1_origin.hash.as_slice());
        v.extend_from_slice(&self.l1_origin.number.to_be_bytes());
        v.extend_from_slice(&self.sequence_number.to_be_bytes());
        v.extend_from_slice(self.message_passer_root.as_slice());
        v
    }
    fn decode(v: &[u8]) -> Option<Self> {
        if v.len() != 80 {
            return None;
        }
        Some(BlockInfo {
            l1_origin: BlockId {
                hash: B256::from_slice(&v[..32]),
                number: u64::from_be_bytes(v[32..40].try_into().ok()?),
            },
            sequence_number: u64::from_be_bytes(v[40..48].try_into().ok()?),
            message_passer_root: B256::from_slice(&v[48..]),
        })
    }
}

/// A list of byte strings: each with a u32 big-endian length.
fn encode_list(items: &[Bytes]) -> Vec<u8> {
    let mut out = Vec::new();
    for i in items {
        out.extend_from_slice(&(i.len() as u32).to_be_bytes());
        out.extend_from_slice(i);
    }
    out
}

fn decode_list(mut v: &[u8]) -> Option<Vec<Bytes>> {
    let mut out = Vec::new();
    while !v.is_empty() {
        let len = u32::from_be_bytes(v.get(..4)?.try_into().ok()?) as usize;
        out.push(Bytes::copy_from_slice(v.get(4..4 + len)?));
        v = &v[4 + len..];
    }
    Some(out)
}

/// The store key of a keccak256 preimage: its preimage-oracle key (type byte 2).
pub fn key_of(hash: B256) -> [u8; 32] {
    PreimageKey::from_keccak_hash(hash.0).0
}

/// Which table a preimage is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PreimageClass {
    /// A state or storage trie node.
    Node,
    /// Contract code.
    Code,
    /// A block header.
    Header,
}

/// The node's store.
pub struct NodeStore {
    db: redb::Database,
    path: PathBuf,
}

impl NodeStore {
    /// The store's file name in the data directory.
    pub const FILE: &'static str = "node.redb";

    /// Opens (creating if needed) the store in `dir`.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        let path = dir.join(Self::FILE);
        let err = |m: String| StoreError {
            path: path.clone(),
            message: m,
        };
        std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
        let db = redb::Database::create(&path).map_err(|e| err(e.to_string()))?;
        let store = NodeStore { db, path };
        let tx = store.db.begin_write().map_err(|e| store.err(e))?;
        {
            tx.open_table(NODES).map_err(|e| store.err(e))?;
            tx.open_table(CODE).map_err(|e| store.err(e))?;
            tx.open_table(HEADERS).map_err(|e| store.err(e))?;
            tx.open_table(BODIES).map_err(|e| store.err(e))?;
            tx.open_table(RECEIPTS).map_err(|e| store.err(e))?;
            tx.open_table(CANONICAL).map_err(|e| store.err(e))?;
            tx.open_table(TX_INDEX).map_err(|e| store.err(e))?;
            tx.open_table(BLOCK_INFO).map_err(|e| store.err(e))?;
            tx.open_table(META).map_err(|e| store.err(e))?;
        }
        tx.commit().map_err(|e| store.err(e))?;
        Ok(store)
    }

    fn err(&self, e: impl std::fmt::Display) -> StoreError {
        StoreError {
            path: self.path.clone(),
            message: e.to_string(),
        }
    }

    /// Stores `block` with the post-state's `nodes` and `code`, and makes it the head, in one
    /// transaction.
    pub fn insert_block(
        &self,
        block: &StoredBlock,
        nodes: &[Vec<u8>],
        code: &[Bytes],
    ) -> Result<(), StoreError> {
        let e = |x: redb::Error| self.err(x);
        let tx = self.db.begin_write().map_err(|x| e(x.into()))?;
        {
            let mut t = tx.open_table(NODES).map_err(|x| e(x.into()))?;
            for n in nodes {
                t.insert(&key_of(alloy_primitives::keccak256(n)), n.as_slice())
                    .map_err(|x| e(x.into()))?;
            }
            let mut t = tx.open_table(CODE).map_err(|x| e(x.into()))?;
            for c in code {
                t.insert(&key_of(alloy_primitives::keccak256(c)), c.as_ref())
                    .map_err(|x| e(x.into()))?;
            }
            let h = block.hash.0;
            let mut t = tx.open_table(HEADERS).map_err(|x| e(x.into()))?;
            t.insert(
                &key_of(block.hash),
                alloy_rlp::encode(&block.header).as_slice(),
            )
            .map_err(|x| e(x.into()))?;
            let mut t = tx.open_table(BODIES).map_err(|x| e(x.into()))?;
            t.insert(&h, encode_list(&block.transactions).as_slice())
                .map_err(|x| e(x.into()))?;
            let mut t = tx.open_table(RECEIPTS).map_err(|x| e(x.into()))?;
            t.insert(&h, encode_list(&block.receipts).as_slice())
                .map_err(|x| e(x.into()))?;
            let mut t = tx.open_table(CANONICAL).map_err(|x| e(x.into()))?;
            t.insert(block.header.number, &h).map_err(|x| e(x.into()))?;
            let mut t = tx.open_table(TX_INDEX).map_err(|x| e(x.into()))?;
            for (i, raw) in block.transactions.iter().enumerate() {
                let mut loc = h.to_vec();
                loc.extend_from_slice(&(i as u32).to_be_bytes());
                t.insert(&alloy_primitives::keccak256(raw).0, loc.as_slice())
                    .map_err(|x| e(x.into()))?;
            }
            let mut t = tx.open_table(BLOCK_INFO).map_err(|x| e(x.into()))?;
            t.insert(&h, block.info.encode().as_slice())
                .map_err(|x| e(x.into()))?;
            let mut t = tx.open_table(META).map_err(|x| e(x.into()))?;
            t.insert("head", h.as_slice()).map_err(|x| e(x.into()))?;
        }
        tx.commit().map_err(|x| e(x.into()))
    }

    /// Makes `to`, a canonical block, the head again: the canonical blocks above it are dropped
    /// from the chain (they stay stored by hash) and their transactions from the index, in one
    /// write transaction. Their transactions are returned.
    pub fn rewind(&self, to: B256) -> Result<Vec<Bytes>, StoreError> {
        let number = self
            .header(to)?
            .ok_or_else(|| self.err(format!("rewinding to {to}: no such block")))?
            .number;
        if self.hash_at(number)? != Some(to) {
            return Err(self.err(format!("rewinding to {to}: not a canonical block")));
        }
        let (head, _) = self.head_header()?;
        let mut dropped = Vec::new();
        for n in number + 1..=head.number {
            if let Some(h) = self.hash_at(n)? {
                dropped.extend(self.transactions(h)?.unwrap_or_default());
            }
        }
        let e = |x: redb::Error| self.err(x);
        let tx = self.db.begin_write().map_err(|x| e(x.into()))?;
        {
            let mut t = tx.open_table(CANONICAL).map_err(|x| e(x.into()))?;
            for n in number + 1..=head.number {
                t.remove(n).map_err(|x| e(x.into()))?;
            }
            let mut t = tx.open_table(TX_INDEX).map_err(|x| e(x.into()))?;
            for raw in &dropped {
                t.remove(&alloy_primitives::keccak256(raw).0)
                    .map_err(|x| e(x.into()))?;
            }
            let mut t = tx.open_table(META).map_err(|x| e(x.into()))?;
            t.insert("head", to.as_slice()).map_err(|x| e(x.into()))?;
        }
        tx.commit().map_err(|x| e(x.into()))?;
        Ok(dropped)
    }

    fn read<T>(
        &self,
        f: impl FnOnce(&redb::ReadTransaction) -> Result<T, redb::Error>,
    ) -> Result<T, StoreError> {
        let tx = self.db.begin_read().map_err(|e| self.err(e))?;
        f(&tx).map_err(|e| self.err(e))
    }

    fn get32(
        &self,
        table: TableDefinition<&[u8; 32], &[u8]>,
        key: &[u8; 32],
    ) -> Result<Option<Vec<u8>>, StoreError> {
        self.read(|tx| {
            let t = tx.open_table(table)?;
            Ok(t.get(key)?.map(|v| v.value().to_vec()))
        })
    }

    /// A state or storage trie node by hash.
    pub fn node(&self, hash: B256) -> Result<Option<Vec<u8>>, StoreError> {
        self.get32(NODES, &key_of(hash))
    }

    /// Contract code by hash.
    pub fn code(&self, hash: B256) -> Result<Option<Vec<u8>>, StoreError> {
        self.get32(CODE, &key_of(hash))
    }

    /// A keccak256 preimage (node, code or header) by its preimage key, and its class.
    pub fn preimage(&self, key: &[u8; 32]) -> Result<Option<(PreimageClass, Vec<u8>)>, StoreError> {
        for (table, class) in [
            (NODES, PreimageClass::Node),
            (CODE, PreimageClass::Code),
            (HEADERS, PreimageClass::Header),
        ] {
            if let Some(v) = self.get32(table, key)? {
                return Ok(Some((class, v)));
            }
        }
        Ok(None)
    }

    /// The header with `hash`.
    pub fn header(&self, hash: B256) -> Result<Option<Header>, StoreError> {
        match self.get32(HEADERS, &key_of(hash))? {
            Some(v) => Header::decode(&mut v.as_slice())
                .map(Some)
                .map_err(|e| self.err(format!("header {hash}: {e}"))),
            None => Ok(None),
        }
    }

    /// The RLP of the header with `hash`.
    pub fn raw_header(&self, hash: B256) -> Result<Option<Vec<u8>>, StoreError> {
        self.get32(HEADERS, &key_of(hash))
    }

    /// The canonical block hash at `number`.
    pub fn hash_at(&self, number: u64) -> Result<Option<B256>, StoreError> {
        self.read(|tx| {
            let t = tx.open_table(CANONICAL)?;
            Ok(t.get(number)?.map(|v| B256::from(*v.value())))
        })
    }

    /// The transactions of the block with `hash`.
    pub fn transactions(&self, hash: B256) -> Result<Option<Vec<Bytes>>, StoreError> {
        self.get32(BODIES, &hash.0)?
            .map(|v| decode_list(&v).ok_or_else(|| self.err(format!("body of {hash} is corrupt"))))
            .transpose()
    }

    /// The receipts of the block with `hash`.
    pub fn receipts(&self, hash: B256) -> Result<Option<Vec<Bytes>>, StoreError> {
        self.get32(RECEIPTS, &hash.0)?
            .map(|v| {
                decode_list(&v).ok_or_else(|| self.err(format!("receipts of {hash} are corrupt")))
            })
            .transpose()
    }

    /// What derivation knows of the block with `hash`.
    pub fn info(&self, hash: B256) -> Result<Option<BlockInfo>, StoreError> {
        self.get32(BLOCK_INFO, &hash.0)?
            .map(|v| {
                BlockInfo::decode(&v).ok_or_else(|| self.err(format!("info of {hash} is corrupt")))
            })
            .transpose()
    }

    /// The block and index of a transaction.
    pub fn tx_location(&self, tx_hash: B256) -> Result<Option<(B256, usize)>, StoreError> {
        Ok(self.get32(TX_INDEX, &tx_hash.0)?.and_then(|v| {
            (v.len() == 36).then(|| {
                (
                    B256::from_slice(&v[..32]),
                    u32::from_be_bytes(v[32..].try_into().expect("4 bytes")) as usize,
                )
            })
        }))
    }

    /// The head block's hash (`None` before genesis is stored).
    pub fn head(&self) -> Result<Option<B256>, StoreError> {
        self.read(|tx| {
            let t = tx.open_table(META)?;
            Ok(t.get("head")?.and_then(|v| {
                let b = v.value();
                (b.len() == 32).then(|| B256::from_slice(b))
            }))
        })
    }

    /// The head's header and hash.
    pub fn head_header(&self) -> Result<(Header, B256), StoreError> {
        let hash = self
            .head()?
            .ok_or_else(|| self.err("the store has no head"))?;
        let header = self
            .header(hash)?
            .ok_or_else(|| self.err(format!("the head {hash} has no header")))?;
        Ok((header, hash))
    }

    /// The L2 block reference of the block with `hash`.
    pub fn block_ref(&self, hash: B256) -> Result<Option<L2BlockRef>, StoreError> {
        let (Some(h), Some(info)) = (self.header(hash)?, self.info(hash)?) else {
            return Ok(None);
        };
        Ok(Some(L2BlockRef {
            hash,
            number: h.number,
            parent_hash: h.parent_hash,
            timestamp: h.timestamp,
            l1_origin: info.l1_origin,
            sequence_number: info.sequence_number,
        }))
    }

    /// Counts of stored nodes and code.
    pub fn counts(&self) -> Result<(u64, u64), StoreError> {
        use redb::ReadableTableMetadata;
        self.read(|tx| Ok((tx.open_table(NODES)?.len()?, tx.open_table(CODE)?.len()?)))
    }
}

impl PreimageOracle for NodeStore {
    fn get(&self, key: PreimageKey) -> Result<Vec<u8>, PreimageError> {
        match self.preimage(&key.0) {
            Ok(Some((_, v))) => Ok(v),
            Ok(None) => Err(PreimageError::Missing(key)),
            Err(e) => Err(PreimageError::Io(e.to_string())),
        }
    }
}

/// The preimages a [`Recording`] read, by key, with their class.
pub type ReadLog = std::collections::BTreeMap<[u8; 32], (PreimageClass, Vec<u8>)>;

/// Reads through a store and records every key read (an execution witness).
pub struct Recording<'a> {
    store: &'a NodeStore,
    /// The keys read, in order, with their values.
    pub read: std::cell::RefCell<ReadLog>,
}

impl<'a> Recording<'a> {
    /// Records reads of `store`.
    pub fn new(store: &'a NodeStore) -> Self {
        Recording {
            store,
            read: Default::default(),
        }
    }
}

impl PreimageOracle for Recording<'_> {
    fn get(&self, key: PreimageKey) -> Result<Vec<u8>, PreimageError> {
        match self.store.preimage(&key.0) {
            Ok(Some((class, v))) => {
                self.read.borrow_mut().insert(key.0, (class, v.clone()));
                Ok(v)
            }
            Ok(None) => Err(PreimageError::Missing(key)),
            Err(e) => Err(PreimageError::Io(e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_infos_round_trip() {
        let l = vec![
            Bytes::from_static(b"ab"),
            Bytes::new(),
            Bytes::from_static(b"c"),
        ];
        assert_eq!(decode_list(&encode_list(&l)).unwrap(), l);
        assert!(decode_list(&[0, 0, 0, 5, 1]).is_none());
        let i = BlockInfo {
            l1_origin: BlockId {
                hash: B256::repeat_byte(1),
                number: 7,
            },
            sequence_number: 3,
            message_passer_root: B256::repeat_byte(2),
        };
        assert_eq!(BlockInfo::decode(&i.encode()), Some(i));
    }
}
