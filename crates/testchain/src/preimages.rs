//! The preimage world: every preimage by typed key, served to crates/program and to derivation's
//! providers (headers, transactions and receipts through their tries, blobs by field element,
//! bytecode), exactly as a fault proof program reads them.

use crate::error::{Error, Result};
use alloy_consensus::{Header, ReceiptEnvelope, TxEnvelope};
use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::{keccak256, Bytes, B256};
use std::collections::{BTreeMap, HashMap};
use verdict_derive::blob::{versioned_hash, BLOB_SIZE, FIELD_ELEMENTS};
use verdict_derive::provider::{Blob, BlobProvider, BytecodeSource, L1Provider};
use verdict_derive::DeriveError;
use verdict_preimage::{PreimageError, PreimageKey, PreimageOracle};
use verdict_program::{NoNodes, Preimages, Trie};

/// Every preimage of a world, by key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PreimageMap(pub BTreeMap<PreimageKey, Vec<u8>>);

impl PreimageOracle for PreimageMap {
    fn get(&self, key: PreimageKey) -> std::result::Result<Vec<u8>, PreimageError> {
        self.0.get(&key).cloned().ok_or(PreimageError::Missing(key))
    }
}

impl PreimageMap {
    /// Adds `value` under its keccak256 key; returns the hash.
    pub fn insert_keccak(&mut self, value: Vec<u8>) -> B256 {
        let hash = keccak256(&value);
        self.0.insert(PreimageKey::from_keccak_hash(hash.0), value);
        hash
    }

    /// The keccak256 preimage of `hash`.
    pub fn keccak(&self, hash: B256) -> Option<&[u8]> {
        self.0
            .get(&PreimageKey::from_keccak_hash(hash.0))
            .map(|v| v.as_slice())
    }

    /// crates/program's view (checked reads; trie nodes, code, headers).
    pub fn nodes(&self) -> Preimages<&PreimageMap> {
        Preimages::new(self)
    }

    /// Adds every node of the ordered trie of `items` (keys `rlp(index)`, as a block's
    /// transactions and receipts tries); returns its root.
    pub fn insert_ordered_trie<'a>(
        &mut self,
        items: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<B256> {
        let mut trie = Trie::empty();
        for (i, item) in items.into_iter().enumerate() {
            trie.insert(&alloy_rlp::encode(i), item.to_vec(), &NoNodes)?;
        }
        let root = trie.root();
        for node in trie.nodes() {
            self.insert_keccak(node);
        }
        Ok(root)
    }

    /// The values of the ordered trie with root `root`, read through its nodes.
    pub fn ordered_trie(&self, root: B256) -> Result<Vec<Vec<u8>>> {
        let nodes = self.nodes();
        let mut trie = Trie::new(root);
        let mut out = Vec::new();
        loop {
            match trie.get(&alloy_rlp::encode(out.len()), &nodes)? {
                Some(v) => out.push(v.to_vec()),
                None => return Ok(out),
            }
        }
    }

    /// The header whose hash is `hash`.
    pub fn header(&self, hash: B256) -> Result<Header> {
        let rlp = self
            .keccak(hash)
            .ok_or_else(|| Error::new(format!("no header {hash}")))?;
        alloy_rlp::Decodable::decode(&mut &rlp[..])
            .map_err(|e| Error::new(format!("header {hash}: {e}")))
    }
}

fn provider(e: Error) -> DeriveError {
    DeriveError::Provider(e.0)
}

/// The L1 chain up to `head`, blobs and bytecode, read only from preimages (as a program reads
/// them): headers by hash, by number walking back from the head, transactions and receipts
/// through their tries, blobs by field element, bytecode by hash.
pub struct PreimageL1<'a> {
    pre: &'a PreimageMap,
    head: Header,
    /// Hashes by number, filled walking back from the head.
    by_number: HashMap<u64, B256>,
    oldest: (u64, B256),
}

impl<'a> PreimageL1<'a> {
    /// The L1 chain whose head is the block with hash `head`.
    pub fn new(pre: &'a PreimageMap, head: B256) -> Result<Self> {
        let header = pre.header(head)?;
        let mut by_number = HashMap::new();
        by_number.insert(header.number, head);
        Ok(PreimageL1 {
            pre,
            oldest: (header.number, head),
            head: header,
            by_number,
        })
    }
}

impl L1Provider for PreimageL1<'_> {
    fn header_by_number(
        &mut self,
        number: u64,
    ) -> std::result::Result<Option<Header>, DeriveError> {
        if number > self.head.number {
            return Ok(None);
        }
        while self.oldest.0 > number {
            let h = self.pre.header(self.oldest.1).map_err(provider)?;
            if h.number == 0 {
                return Ok(None);
            }
            self.oldest = (h.number - 1, h.parent_hash);
            self.by_number.insert(h.number - 1, h.parent_hash);
        }
        let hash = self.by_number[&number];
        self.pre.header(hash).map(Some).map_err(provider)
    }

    fn header_by_hash(&mut self, hash: B256) -> std::result::Result<Header, DeriveError> {
        self.pre.header(hash).map_err(provider)
    }

    fn receipts(&mut self, hash: B256) -> std::result::Result<Vec<ReceiptEnvelope>, DeriveError> {
        let h = self.pre.header(hash).map_err(provider)?;
        let items = self.pre.ordered_trie(h.receipts_root).map_err(provider)?;
        items
            .iter()
            .map(|r| {
                ReceiptEnvelope::decode_2718(&mut r.as_slice())
                    .map_err(|e| DeriveError::Provider(format!("receipt in {hash}: {e}")))
            })
            .collect()
    }

    fn transactions(&mut self, hash: B256) -> std::result::Result<Vec<TxEnvelope>, DeriveError> {
        let h = self.pre.header(hash).map_err(provider)?;
        let items = self
            .pre
            .ordered_trie(h.transactions_root)
            .map_err(provider)?;
        items
            .iter()
            .map(|t| {
                TxEnvelope::decode_2718(&mut t.as_slice())
                    .map_err(|e| DeriveError::Provider(format!("transaction in {hash}: {e}")))
            })
            .collect()
    }
}

impl BlobProvider for PreimageL1<'_> {
    fn blob(
        &mut self,
        _block: &verdict_derive::L1BlockRef,
        _index: u64,
        hash: B256,
    ) -> std::result::Result<([u8; 48], Blob), DeriveError> {
        let mut key = hash.0;
        key[0] = verdict_preimage::KeyType::Sha256 as u8;
        let commitment: [u8; 48] = self
            .pre
            .0
            .get(&PreimageKey(key))
            .and_then(|c| c.as_slice().try_into().ok())
            .ok_or_else(|| DeriveError::Provider(format!("no commitment for blob {hash}")))?;
        if versioned_hash(&commitment) != hash {
            return Err(DeriveError::Provider(format!(
                "the commitment stored for blob {hash} is another blob's"
            )));
        }
        let mut blob = Box::new([0u8; BLOB_SIZE]);
        for (i, z) in crate::kzg::roots_of_unity().iter().enumerate() {
            let fe = self
                .pre
                .0
                .get(&PreimageKey::blob(&commitment, z))
                .filter(|v| v.len() == 32)
                .ok_or_else(|| {
                    DeriveError::Provider(format!("blob {hash}: no field element {i}"))
                })?;
            blob[i * 32..(i + 1) * 32].copy_from_slice(fe);
        }
        debug_assert_eq!(FIELD_ELEMENTS * 32, BLOB_SIZE);
        Ok((commitment, blob))
    }
}

impl BytecodeSource for PreimageL1<'_> {
    fn bytecode(&mut self, hash: B256) -> std::result::Result<Bytes, DeriveError> {
        self.pre
            .keccak(hash)
            .map(Bytes::copy_from_slice)
            .ok_or_else(|| DeriveError::Provider(format!("no bytecode {hash}")))
    }
}
