//! Reading a whole ordered-list trie (a block's transactions or receipts: keys `rlp(index)`) from
//! its root, node by node, each node fetched once.

use crate::error::ClaimError;
use alloc::format;
use alloc::vec::Vec;
use alloy_primitives::B256;
use alloy_rlp::Decodable;
use alloy_trie::nodes::{RlpNode, TrieNode};
use alloy_trie::EMPTY_ROOT_HASH;

/// The values of the list trie with `root`, in index order; `fetch` returns a node's RLP by hash.
pub fn list_values(
    root: B256,
    fetch: &mut dyn FnMut(B256) -> Result<Vec<u8>, ClaimError>,
) -> Result<Vec<Vec<u8>>, ClaimError> {
    if root == EMPTY_ROOT_HASH {
        return Ok(Vec::new());
    }
    let mut leaves: Vec<(u64, Vec<u8>)> = Vec::new();
    let mut stack: Vec<(Vec<u8>, Vec<u8>)> = alloc::vec![(fetch(root)?, Vec::new())];
    while let Some((rlp, path)) = stack.pop() {
        let node = TrieNode::decode(&mut rlp.as_slice())
            .map_err(|e| ClaimError::BadPreimage(format!("trie node under {root}: {e}")))?;
        match node {
            TrieNode::EmptyRoot => {}
            TrieNode::Branch(branch) => {
                for (nibble, child) in branch.as_ref().children() {
                    if let Some(child) = child {
                        let mut p = path.clone();
                        p.push(nibble);
                        stack.push((resolve(child, fetch)?, p));
                    }
                }
            }
            TrieNode::Extension(ext) => {
                let mut p = path;
                p.extend_from_slice(&ext.key.to_vec());
                stack.push((resolve(&ext.child, fetch)?, p));
            }
            TrieNode::Leaf(leaf) => {
                let mut p = path;
                p.extend_from_slice(&leaf.key.to_vec());
                leaves.push((index_of(&p, root)?, leaf.value));
            }
        }
    }
    leaves.sort_by_key(|(i, _)| *i);
    for (expected, (index, _)) in leaves.iter().enumerate() {
        if *index != expected as u64 {
            return Err(ClaimError::BadPreimage(format!(
                "the trie under {root} is not a list: index {expected} is missing"
            )));
        }
    }
    Ok(leaves.into_iter().map(|(_, v)| v).collect())
}

/// A child's RLP: fetched by hash, or the node itself when it is embedded.
fn resolve(
    child: &RlpNode,
    fetch: &mut dyn FnMut(B256) -> Result<Vec<u8>, ClaimError>,
) -> Result<Vec<u8>, ClaimError> {
    match child.as_hash() {
        Some(hash) => fetch(hash),
        None => Ok(child.as_slice().to_vec()),
    }
}

/// The list index a leaf's full path (nibbles of `rlp(index)`) stands for.
fn index_of(nibbles: &[u8], root: B256) -> Result<u64, ClaimError> {
    let bad =
        || ClaimError::BadPreimage(format!("the trie under {root} has a key that is no index"));
    if !nibbles.len().is_multiple_of(2) {
        return Err(bad());
    }
    let key: Vec<u8> = nibbles.chunks(2).map(|p| (p[0] << 4) | p[1]).collect();
    let mut slice = key.as_slice();
    let index = u64::decode(&mut slice).map_err(|_| bad())?;
    if !slice.is_empty() {
        return Err(bad());
    }
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeMap;
    use alloy_primitives::keccak256;
    use alloy_trie::{HashBuilder, Nibbles};

    /// A list trie of `n` values of `len` bytes built by alloy-trie, its nodes by hash.
    fn list(n: u64, len: usize) -> (B256, BTreeMap<B256, Vec<u8>>, Vec<Vec<u8>>) {
        let values: Vec<Vec<u8>> = (0..n).map(|i| alloc::vec![i as u8; len]).collect();
        let mut keyed: Vec<(Vec<u8>, &Vec<u8>)> = values
            .iter()
            .enumerate()
            .map(|(i, v)| (alloy_rlp::encode(i as u64), v))
            .collect();
        keyed.sort();
        // Every node is on the proof of some key.
        let mut hb =
            HashBuilder::default().with_proof_retainer(alloy_trie::proof::ProofRetainer::new(
                keyed.iter().map(|(k, _)| Nibbles::unpack(k)).collect(),
            ));
        for (k, v) in &keyed {
            hb.add_leaf(Nibbles::unpack(k), v);
        }
        let root = hb.root();
        let mut nodes = BTreeMap::new();
        for (_, node) in hb.take_proof_nodes().into_inner() {
            nodes.insert(keccak256(&node), node.to_vec());
        }
        (root, nodes, values)
    }

    fn read(root: B256, nodes: &BTreeMap<B256, Vec<u8>>) -> Result<Vec<Vec<u8>>, ClaimError> {
        list_values(root, &mut |h| {
            nodes
                .get(&h)
                .cloned()
                .ok_or_else(|| ClaimError::BadPreimage(format!("missing {h}")))
        })
    }

    #[test]
    fn reads_lists_of_every_shape() {
        for (n, len) in [(1, 40), (2, 1), (3, 40), (17, 5), (130, 40), (300, 3)] {
            let (root, nodes, values) = list(n, len);
            assert_eq!(
                read(root, &nodes).unwrap(),
                values,
                "{n} values of {len} bytes"
            );
        }
        assert_eq!(
            read(EMPTY_ROOT_HASH, &BTreeMap::new()).unwrap(),
            Vec::<Vec<u8>>::new()
        );
    }

    #[test]
    fn a_missing_node_is_an_error() {
        let (root, mut nodes, _) = list(130, 40);
        let some = *nodes.keys().nth(1).unwrap();
        nodes.remove(&some);
        assert!(read(root, &nodes).is_err());
    }
}
