//! The Merkle Patricia trie against an independent root computation (alloy-trie's HashBuilder),
//! in memory and served node by node from a preimage oracle, with deletions that collapse nodes
//! and need their siblings fetched; missing and tampered nodes are named in the errors.

mod common;

use alloy_primitives::{keccak256, B256};
use alloy_trie::{HashBuilder, Nibbles};
use std::collections::{BTreeMap, HashMap};
use verdict_preimage::PreimageKey;
use verdict_program::state::TrieAccount;
use verdict_program::{NoNodes, PreimageKind, Preimages, ProgramError, Trie, EMPTY_ROOT};

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// The root of `entries` by alloy-trie's HashBuilder (keys in order).
fn reference_root(entries: &BTreeMap<Vec<u8>, Vec<u8>>) -> B256 {
    let mut hb = HashBuilder::default();
    for (k, v) in entries {
        hb.add_leaf(Nibbles::unpack(k), v);
    }
    hb.root()
}

/// Random entries: `n` keys of `key_len` bytes (sharing prefixes often), values of 1..=max_value
/// bytes.
fn random_entries(
    rng: &mut Rng,
    n: usize,
    key_len: usize,
    max_value: usize,
) -> BTreeMap<Vec<u8>, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut last = rng.bytes(key_len);
    while out.len() < n {
        let key = if rng.next().is_multiple_of(3) {
            // Share a prefix with the previous key.
            let keep = (rng.next() as usize) % key_len;
            let mut k = last.clone();
            k[keep..].copy_from_slice(&rng.bytes(key_len - keep));
            k
        } else {
            rng.bytes(key_len)
        };
        let len = 1 + (rng.next() as usize) % max_value;
        out.insert(key.clone(), rng.bytes(len));
        last = key;
    }
    out
}

fn oracle_of(nodes: Vec<Vec<u8>>) -> HashMap<PreimageKey, Vec<u8>> {
    nodes
        .into_iter()
        .map(|n| (PreimageKey::keccak256(&n), n))
        .collect()
}

#[test]
fn empty_root() {
    assert_eq!(Trie::empty().root(), EMPTY_ROOT);
    assert_eq!(reference_root(&BTreeMap::new()), EMPTY_ROOT);
    assert_eq!(EMPTY_ROOT, keccak256([0x80]));
}

#[test]
fn a_single_short_leaf_root_is_hashed() {
    // A root node shorter than 32 bytes is still referenced by its hash.
    let mut t = Trie::empty();
    t.insert(&[0x12], vec![0x01], &NoNodes).unwrap();
    let mut entries = BTreeMap::new();
    entries.insert(vec![0x12], vec![0x01]);
    assert_eq!(t.root(), reference_root(&entries));
}

#[test]
fn inserts_match_the_reference_in_any_order() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for (n, key_len, max_value) in [
        (1, 32, 40),
        (2, 32, 40),
        (50, 32, 80),
        (300, 32, 8),
        (200, 3, 4),
        (500, 2, 3),
    ] {
        let entries = random_entries(&mut rng, n, key_len, max_value);
        let expected = reference_root(&entries);
        let mut shuffled: Vec<_> = entries.iter().collect();
        for i in (1..shuffled.len()).rev() {
            shuffled.swap(i, (rng.next() as usize) % (i + 1));
        }
        let mut t = Trie::empty();
        for (k, v) in &shuffled {
            t.insert(k, v.to_vec(), &NoNodes).unwrap();
        }
        assert_eq!(t.root(), expected, "{n} keys of {key_len} bytes");
        for (k, v) in &entries {
            assert_eq!(t.get(k, &NoNodes).unwrap(), Some(v.as_slice()));
        }
    }
}

#[test]
fn overwrites_and_deletes_match_the_reference() {
    let mut rng = Rng(42);
    for (n, key_len, max_value) in [(100, 32, 40), (300, 3, 4), (60, 2, 2)] {
        let mut entries = random_entries(&mut rng, n, key_len, max_value);
        let mut t = Trie::empty();
        for (k, v) in &entries {
            t.insert(k, v.clone(), &NoNodes).unwrap();
        }
        let keys: Vec<_> = entries.keys().cloned().collect();
        for (i, k) in keys.iter().enumerate() {
            match i % 3 {
                0 => {
                    entries.remove(k);
                    t.remove(k, &NoNodes).unwrap();
                }
                1 => {
                    let v = rng.bytes(1 + i % 5);
                    entries.insert(k.clone(), v.clone());
                    t.insert(k, v, &NoNodes).unwrap();
                }
                _ => {}
            }
            // Removing an absent key changes nothing.
            t.remove(&rng.bytes(key_len), &NoNodes).unwrap();
        }
        assert_eq!(t.root(), reference_root(&entries));
        for k in keys {
            entries.remove(&k);
            t.remove(&k, &NoNodes).unwrap();
            assert_eq!(t.root(), reference_root(&entries));
        }
        assert_eq!(t.root(), EMPTY_ROOT);
    }
}

#[test]
fn a_trie_served_by_the_oracle_updates_like_the_reference() {
    let mut rng = Rng(7);
    for (n, key_len, max_value) in [(400, 32, 40), (300, 3, 4)] {
        let mut entries = random_entries(&mut rng, n, key_len, max_value);
        let mut full = Trie::empty();
        for (k, v) in &entries {
            full.insert(k, v.clone(), &NoNodes).unwrap();
        }
        let root = full.root();
        let oracle = oracle_of(full.nodes());
        let pre = Preimages::new(&oracle);

        // Open by root hash only: every node is fetched (and verified) on demand.
        let mut t = Trie::new(root);
        assert_eq!(t.root(), root);
        let keys: Vec<_> = entries.keys().cloned().collect();
        for (i, k) in keys.iter().enumerate().step_by(2) {
            if i % 4 == 0 {
                entries.remove(k);
                t.remove(k, &pre).unwrap();
            } else {
                let v = rng.bytes(1 + i % 7);
                entries.insert(k.clone(), v.clone());
                t.insert(k, v, &pre).unwrap();
            }
        }
        let fresh = rng.bytes(key_len);
        entries.insert(fresh.clone(), vec![1, 2, 3]);
        t.insert(&fresh, vec![1, 2, 3], &pre).unwrap();
        assert_eq!(t.root(), reference_root(&entries));
        assert!(pre.reads() > 0);
        assert!(pre.reads() as usize <= oracle.len());
    }
}

#[test]
fn deleting_next_to_an_unfetched_sibling_fetches_it() {
    // Two keys under one branch: deleting one collapses the branch into a leaf, which needs the
    // other (never read) child.
    let a = keccak256(b"a");
    let b = keccak256(b"b");
    let mut full = Trie::empty();
    full.insert(a.as_slice(), vec![0xaa; 40], &NoNodes).unwrap();
    full.insert(b.as_slice(), vec![0xbb; 40], &NoNodes).unwrap();
    let root = full.root();
    let oracle = oracle_of(full.nodes());
    assert_eq!(oracle.len(), 3);

    let pre = Preimages::new(&oracle);
    let mut t = Trie::new(root);
    t.remove(a.as_slice(), &pre).unwrap();
    assert_eq!(pre.reads(), 3, "root, the deleted leaf and its sibling");
    let mut only_b = Trie::empty();
    only_b
        .insert(b.as_slice(), vec![0xbb; 40], &NoNodes)
        .unwrap();
    assert_eq!(t.root(), only_b.root());

    // Without the sibling's preimage the deletion fails naming it.
    let sibling = *oracle
        .iter()
        .find(|(_, v)| v.windows(40).any(|w| w == [0xbb; 40]))
        .unwrap()
        .0;
    let mut partial = oracle.clone();
    partial.remove(&sibling);
    let pre = Preimages::new(&partial);
    let mut t = Trie::new(root);
    let err = t.remove(a.as_slice(), &pre).unwrap_err();
    match &err {
        ProgramError::MissingPreimage {
            kind: PreimageKind::TrieNode,
            key,
            ..
        } => {
            assert_eq!(*key, sibling)
        }
        e => panic!("unexpected error {e}"),
    }
    let msg = err.to_string();
    assert!(
        msg.starts_with("trie node 0x") && msg.contains(" missing"),
        "{msg}"
    );
    assert!(
        msg.contains(&sibling.to_string()[4..]),
        "{msg} names {sibling}"
    );
}

#[test]
fn missing_and_tampered_nodes_are_named() {
    let mut rng = Rng(99);
    let entries = random_entries(&mut rng, 100, 32, 40);
    let mut full = Trie::empty();
    for (k, v) in &entries {
        full.insert(k, v.clone(), &NoNodes).unwrap();
    }
    let root = full.root();
    let oracle = oracle_of(full.nodes());
    let root_key = PreimageKey::from_keccak_hash(root.0);
    let key0 = entries.keys().next().unwrap();

    let mut missing = oracle.clone();
    missing.remove(&root_key);
    let err = Trie::new(root)
        .get(key0, &Preimages::new(&missing))
        .unwrap_err();
    assert_eq!(
        err,
        ProgramError::MissingPreimage {
            kind: PreimageKind::TrieNode,
            hash: root,
            key: root_key
        }
    );
    assert_eq!(
        err.to_string(),
        format!("trie node {root} missing (no preimage for key {root_key})")
    );

    let mut tampered = oracle.clone();
    tampered.get_mut(&root_key).unwrap()[5] ^= 1;
    let err = Trie::new(root)
        .get(key0, &Preimages::new(&tampered))
        .unwrap_err();
    assert_eq!(
        err,
        ProgramError::PreimageMismatch {
            kind: PreimageKind::TrieNode,
            hash: root,
            key: root_key
        }
    );
    assert!(err
        .to_string()
        .starts_with(&format!("trie node {root} does not match its hash")));
}

#[test]
fn the_parent_state_of_a_fixture_reads_and_round_trips() {
    let Some(f) = common::load(26207960) else {
        return;
    };
    let pre = Preimages::new(&f.preimages);
    let mut t = Trie::new(f.parent.state_root);
    // The L1Block predeploy exists and has code and storage.
    let l1_block = alloy_primitives::address!("4200000000000000000000000000000000000015");
    let raw = t
        .get(keccak256(l1_block).as_slice(), &pre)
        .unwrap()
        .unwrap()
        .to_vec();
    let account = TrieAccount::decode(&raw).unwrap();
    assert_eq!(account.rlp(), raw);
    assert_ne!(account.storage_root, EMPTY_ROOT);
    // Writing the same value back keeps the root.
    t.insert(keccak256(l1_block).as_slice(), raw, &pre).unwrap();
    assert_eq!(t.root(), f.parent.state_root);
}
