//! Merkle proofs out of the node's trie store (EIP-1186 `eth_getProof`), and reading accounts and
//! storage by walking the trie from a state root.

use crate::store::{NodeStore, StoreError};
use alloy_primitives::{keccak256, Address, B256, U256};
use alloy_rlp::Decodable;
use alloy_trie::nodes::{RlpNode, TrieNode};
use alloy_trie::Nibbles;
use verdict_program::state::TrieAccount;
use verdict_program::EMPTY_ROOT;

/// The nodes on a path (RLP, root first) and the value at its end, if any.
pub type Walked = (Vec<Vec<u8>>, Option<Vec<u8>>);

/// The nodes on the path to `key` under `root` (RLP, root first) and the value there, if any.
pub fn walk(store: &NodeStore, root: B256, key: &[u8]) -> Result<Walked, StoreError> {
    let mut proof = Vec::new();
    if root == EMPTY_ROOT {
        return Ok((proof, None));
    }
    let missing = |h: B256| StoreError {
        path: "node.redb".into(),
        message: format!("trie node {h} (under root {root}) is not in the store"),
    };
    let path = Nibbles::unpack(key);
    let mut at = 0usize;
    let mut rlp = store.node(root)?.ok_or_else(|| missing(root))?;
    proof.push(rlp.clone());
    loop {
        let node = TrieNode::decode(&mut rlp.as_slice()).map_err(|e| StoreError {
            path: "node.redb".into(),
            message: format!("a trie node under {root} does not decode: {e}"),
        })?;
        let next: RlpNode = match node {
            TrieNode::EmptyRoot => return Ok((proof, None)),
            TrieNode::Leaf(leaf) => {
                let rest = path.slice(at..);
                return Ok((proof, (leaf.key == rest).then_some(leaf.value)));
            }
            TrieNode::Extension(ext) => {
                let len = ext.key.len();
                if at + len > path.len() || path.slice(at..at + len) != ext.key {
                    return Ok((proof, None));
                }
                at += len;
                ext.child
            }
            TrieNode::Branch(branch) => {
                if at >= path.len() {
                    return Ok((proof, None));
                }
                let nibble = path.get(at).expect("in range");
                at += 1;
                let mut found = None;
                for (n, child) in branch.as_ref().children() {
                    if n == nibble {
                        found = child.cloned();
                    }
                }
                match found {
                    Some(c) => c,
                    None => return Ok((proof, None)),
                }
            }
        };
        rlp = match next.as_hash() {
            Some(h) => {
                let r = store.node(h)?.ok_or_else(|| missing(h))?;
                proof.push(r.clone());
                r
            }
            // An embedded node is part of its parent's RLP, already in the proof.
            None => next.as_slice().to_vec(),
        };
    }
}

/// The account at `address` under `state_root` and the proof of it.
pub fn account(
    store: &NodeStore,
    state_root: B256,
    address: Address,
) -> Result<(Option<TrieAccount>, Vec<Vec<u8>>), StoreError> {
    let (proof, value) = walk(store, state_root, keccak256(address).as_slice())?;
    let account = value
        .map(|v| {
            TrieAccount::decode(&v).map_err(|e| StoreError {
                path: "node.redb".into(),
                message: format!("the account {address} does not decode: {e}"),
            })
        })
        .transpose()?;
    Ok((account, proof))
}

/// The storage slot `slot` under `storage_root` and the proof of it.
pub fn storage(
    store: &NodeStore,
    storage_root: B256,
    slot: B256,
) -> Result<(U256, Vec<Vec<u8>>), StoreError> {
    let (proof, value) = walk(store, storage_root, keccak256(slot).as_slice())?;
    let v = match value {
        Some(v) => U256::decode(&mut v.as_slice()).map_err(|e| StoreError {
            path: "node.redb".into(),
            message: format!("storage slot {slot} does not decode: {e}"),
        })?,
        None => U256::ZERO,
    };
    Ok((v, proof))
}
