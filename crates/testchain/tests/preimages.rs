//! The preimage world is complete and honest: every typed key matches its value, every L2 state
//! along the chain can be walked whole (accounts, storage, code), and the L1 chain reads back
//! from preimages as it was built.

mod common;

use alloy_primitives::{keccak256, B256};
use alloy_rlp::Decodable;
use alloy_trie::nodes::TrieNode;
use verdict_derive::provider::L1Provider;
use verdict_preimage::{KeyType, PreimageKey};
use verdict_program::state::TrieAccount;
use verdict_testchain::fixture::{generate, Kind};
use verdict_testchain::{PreimageL1, PreimageMap};

/// Walks the trie under `rlp`, calling `leaf` with every value; panics on a missing node.
fn walk(pre: &PreimageMap, rlp: &[u8], leaf: &mut dyn FnMut(&[u8])) {
    let node = TrieNode::decode(&mut &rlp[..]).expect("a trie node");
    let mut child = |c: &alloy_trie::nodes::RlpNode| match c.as_hash() {
        Some(h) => {
            let n = pre
                .keccak(h)
                .unwrap_or_else(|| panic!("missing trie node {h}"));
            walk(pre, n, leaf)
        }
        None => walk(pre, c.as_ref(), leaf),
    };
    match node {
        TrieNode::EmptyRoot => {}
        TrieNode::Branch(b) => b.stack.iter().for_each(&mut child),
        TrieNode::Extension(e) => child(&e.child),
        TrieNode::Leaf(l) => leaf(&l.value),
    }
}

fn walk_root(pre: &PreimageMap, root: B256, leaf: &mut dyn FnMut(&[u8])) {
    let n = pre
        .keccak(root)
        .unwrap_or_else(|| panic!("missing root {root}"));
    walk(pre, n, leaf)
}

#[test]
fn every_key_matches_and_every_state_is_whole() {
    if !common::fixtures_present() {
        return;
    }
    let (world, _) = generate(Kind::Blobs, 3).unwrap();
    let pre = &world.preimages;
    let mut blob_keys = 0;
    for (k, v) in &pre.0 {
        match k.key_type() {
            Some(KeyType::Keccak256) => assert_eq!(PreimageKey::keccak256(v), *k),
            Some(KeyType::Sha256) => assert_eq!(PreimageKey::sha256(v), *k),
            Some(KeyType::Blob) => {
                blob_keys += 1;
                let mut typed = k.0;
                typed[0] = KeyType::Keccak256 as u8;
                let z = pre
                    .0
                    .get(&PreimageKey(typed))
                    .expect("the point's key preimage");
                assert_eq!(z.len(), 80);
                assert_eq!(
                    v.len(),
                    if z[72..] == 4096u64.to_be_bytes() {
                        48
                    } else {
                        32
                    }
                );
            }
            t => panic!("unexpected key type {t:?}"),
        }
    }
    assert!(
        blob_keys > 0 && blob_keys % 4097 == 0,
        "{blob_keys} blob keys"
    );
    // Every state along the chain, whole.
    let mut accounts = 0;
    for b in &world.l2.blocks {
        walk_root(pre, b.header.state_root, &mut |v| {
            accounts += 1;
            let a = TrieAccount::decode(v).expect("an account");
            walk_root(pre, a.storage_root, &mut |_| {});
            if a.code_hash != alloy_primitives::KECCAK256_EMPTY {
                assert!(
                    pre.keccak(a.code_hash).is_some(),
                    "missing code {}",
                    a.code_hash
                );
            }
        });
        // The output root and the header.
        let o = pre
            .keccak(b.output_root)
            .expect("the output root's preimage");
        assert_eq!(&o[96..], b.hash.as_slice());
        assert_eq!(keccak256(alloy_rlp::encode(&b.header)), b.hash);
        assert!(pre.keccak(b.hash).is_some());
    }
    assert!(accounts > world.l2.blocks.len() * 5);
    // The L1 chain as read back from its preimages.
    let head = world.l1_head().hash_slow();
    let mut l1 = PreimageL1::new(pre, head).unwrap();
    for (i, h) in world.l1.headers.iter().enumerate() {
        let got = l1.header_by_number(h.number).unwrap().unwrap();
        assert_eq!(got, *h);
        let hash = world.l1.hashes[i];
        assert_eq!(l1.transactions(hash).unwrap(), world.l1.txs[i]);
        assert_eq!(l1.receipts(hash).unwrap(), world.l1.receipts[i]);
    }
    assert!(l1
        .header_by_number(world.l1_head().number + 1)
        .unwrap()
        .is_none());
}

#[test]
fn a_missing_preimage_is_a_clear_error() {
    if !common::fixtures_present() {
        return;
    }
    use verdict_derive::provider::BlobProvider;
    let (world, _) = generate(Kind::Blobs, 3).unwrap();
    let (hash, (commitment, _)) = world.l1.blobs.iter().next().unwrap();
    let z = verdict_testchain::kzg::roots_of_unity()[17];
    let mut pre = world.preimages.clone();
    pre.0.remove(&PreimageKey::blob(commitment, &z));
    let head = world.l1_head().hash_slow();
    let block = verdict_derive::L1BlockRef::from_header(world.l1_head());
    let e = PreimageL1::new(&pre, head)
        .unwrap()
        .blob(&block, 0, *hash)
        .unwrap_err();
    assert!(e.to_string().contains("no field element 17"), "{e}");
    // A state node gone: executing the next block fails, naming it.
    let b = &world.l2.blocks[5];
    let mut pre = world.preimages.clone();
    pre.0
        .remove(&PreimageKey::from_keccak_hash(b.header.state_root.0));
    let next = &world.l2.blocks[6];
    let attrs = verdict_program::PayloadAttributes {
        timestamp: next.header.timestamp,
        prev_randao: next.header.mix_hash,
        suggested_fee_recipient: next.header.beneficiary,
        parent_beacon_block_root: next.header.parent_beacon_block_root,
        transactions: next.transactions.clone(),
        gas_limit: Some(next.header.gas_limit),
        eip1559_params: Some(alloy_primitives::B64::from_slice(
            &next.header.extra_data[1..9],
        )),
    };
    let e =
        verdict_program::execute_block(&pre.nodes(), &world.exec, &b.header, &attrs).unwrap_err();
    assert!(
        e.to_string()
            .contains(&format!("{:x}", b.header.state_root)),
        "{e}"
    );
}
