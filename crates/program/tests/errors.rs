//! Failures name what failed: a missing preimage its key, a tampered one its key, an invalid
//! transaction its index and the reason.

mod common;

use alloy_primitives::{address, keccak256, Bytes};
use verdict_preimage::PreimageKey;
use verdict_program::fixture::Fixture;
use verdict_program::state::TrieAccount;
use verdict_program::{NoNodes, PreimageKind, Preimages, ProgramError, Trie};

const BLOCK: u64 = 26207960;

fn fixture() -> Option<Fixture> {
    common::load(BLOCK)
}

#[test]
fn a_missing_state_trie_node_is_named() {
    let Some(mut f) = fixture() else { return };
    let root = f.parent.state_root;
    let key = PreimageKey::from_keccak_hash(root.0);
    assert!(f.preimages.remove(&key).is_some());
    let err = f.run().unwrap_err();
    assert_eq!(
        err,
        ProgramError::MissingPreimage {
            kind: PreimageKind::TrieNode,
            hash: root,
            key
        }
    );
    let msg = err.to_string();
    assert!(msg.contains(&format!("trie node {root} missing")), "{msg}");
    assert!(msg.contains(&key.to_string()), "{msg}");
}

#[test]
fn missing_contract_code_is_named() {
    let Some(mut f) = fixture() else { return };
    // The L1 info deposit calls the L1Block predeploy: remove its code.
    let pre = Preimages::new(&f.preimages);
    let mut state = Trie::new(f.parent.state_root);
    let l1_block = address!("4200000000000000000000000000000000000015");
    let raw = state
        .get(keccak256(l1_block).as_slice(), &pre)
        .unwrap()
        .unwrap()
        .to_vec();
    let code_hash = TrieAccount::decode(&raw).unwrap().code_hash;
    let key = PreimageKey::from_keccak_hash(code_hash.0);
    assert!(f.preimages.remove(&key).is_some());
    let err = f.run().unwrap_err();
    assert_eq!(
        err,
        ProgramError::MissingPreimage {
            kind: PreimageKind::Code,
            hash: code_hash,
            key
        }
    );
    assert!(err
        .to_string()
        .starts_with(&format!("contract code {code_hash} missing")));
}

#[test]
fn a_tampered_preimage_is_named() {
    let Some(mut f) = fixture() else { return };
    let root = f.parent.state_root;
    let key = PreimageKey::from_keccak_hash(root.0);
    let node = f.preimages.get_mut(&key).unwrap();
    let last = node.len() - 1;
    node[last] ^= 0x01;
    let err = f.run().unwrap_err();
    assert_eq!(
        err,
        ProgramError::PreimageMismatch {
            kind: PreimageKind::TrieNode,
            hash: root,
            key
        }
    );
    assert!(err
        .to_string()
        .contains(&format!("trie node {root} does not match its hash")));
}

#[test]
fn every_missing_preimage_fails_the_block_naming_its_key() {
    // The fixture holds what the block touches; removing a sample of them must each fail with a
    // missing-preimage error for that very key (never a wrong result).
    let Some(f) = fixture() else { return };
    let full = f.run().unwrap();
    let mut keys: Vec<_> = f.preimages.keys().copied().collect();
    keys.sort();
    let mut failed = 0;
    for key in keys.iter().step_by(10) {
        let mut g = f.clone();
        g.preimages.remove(key);
        match g.run() {
            Err(ProgramError::MissingPreimage { key: k, .. }) => {
                assert_eq!(k, *key);
                failed += 1;
            }
            Err(e) => panic!("removing {key}: unexpected error {e}"),
            // Not every preimage is needed (e.g. one only needed for a path shared with another).
            Ok(run) => assert_eq!(run.block.hash, full.block.hash),
        }
    }
    assert!(failed > 0);
}

fn with_transactions(f: &Fixture, txs: Vec<Bytes>) -> Fixture {
    let mut g = f.clone();
    g.attributes.transactions = txs;
    g
}

fn invalid_tx(err: ProgramError) -> (usize, String) {
    match err {
        ProgramError::InvalidTransaction { index, reason } => (index, reason),
        e => panic!("expected an invalid transaction, got {e}"),
    }
}

#[test]
fn a_corrupt_signature_fails_the_block() {
    let Some(f) = fixture() else { return };
    let mut txs = f.attributes.transactions.clone();
    let mut tx = txs[1].to_vec();
    assert_ne!(tx[0], 0x7e, "a signed transaction");
    // Make the signature's s (the last 32 bytes of the RLP) high: EIP-2 rejects it.
    let s_at = tx.len() - 32;
    assert_eq!(tx[s_at - 1], 0xa0, "s is a 32-byte string");
    tx[s_at] = 0xff;
    txs[1] = tx.into();
    let err = with_transactions(&f, txs).run().unwrap_err();
    let msg = err.to_string();
    let (index, reason) = invalid_tx(err);
    assert_eq!(index, 1, "{msg}");
    assert!(
        msg.starts_with("invalid transaction 1 in the payload: "),
        "{msg}"
    );
    assert!(reason.contains("cannot recover the sender"), "{msg}");
}

#[test]
fn a_replayed_transaction_fails_on_its_nonce() {
    let Some(f) = fixture() else { return };
    let mut txs = f.attributes.transactions.clone();
    txs.insert(2, txs[1].clone());
    let err = with_transactions(&f, txs).run().unwrap_err();
    let msg = err.to_string();
    let (index, reason) = invalid_tx(err);
    assert_eq!(index, 2, "{msg}");
    assert!(reason.to_lowercase().contains("nonce"), "{msg}");
}

#[test]
fn an_undecodable_transaction_fails_the_block() {
    let Some(f) = fixture() else { return };
    let mut txs = f.attributes.transactions.clone();
    txs[3] = Bytes::from_static(&[0x02, 0xc0]);
    let (index, reason) = invalid_tx(with_transactions(&f, txs).run().unwrap_err());
    assert_eq!(index, 3);
    assert!(reason.starts_with("cannot decode"), "{reason}");
}

#[test]
fn a_transaction_over_the_block_gas_limit_fails_the_block() {
    let Some(mut f) = fixture() else { return };
    // The L1 info deposit has a gas limit of 1,000,000: it does not fit in 200,000.
    f.attributes.gas_limit = Some(200_000);
    let (index, reason) = invalid_tx(f.run().unwrap_err());
    assert_eq!(index, 0, "{reason}");
    assert!(
        reason.contains("exceeds the block's remaining gas"),
        "{reason}"
    );
}

#[test]
fn a_changed_payload_changes_the_hash() {
    let Some(f) = fixture() else { return };
    let mut txs = f.attributes.transactions.clone();
    txs.pop();
    let run = with_transactions(&f, txs).run().unwrap();
    assert_ne!(run.block.hash, f.expected_block_hash);
    // The transactions root is the ordered trie of the payload's transactions.
    let mut t = Trie::empty();
    for (i, tx) in f.attributes.transactions[..f.attributes.transactions.len() - 1]
        .iter()
        .enumerate()
    {
        t.insert(&alloy_rlp::encode(i), tx.to_vec(), &NoNodes)
            .unwrap();
    }
    assert_eq!(run.block.header.transactions_root, t.root());
}

#[test]
fn a_parent_numbered_u64_max_has_no_child() {
    let Some(mut f) = fixture() else { return };
    f.parent.number = u64::MAX;
    let err = f.run().unwrap_err();
    assert!(
        matches!(&err, ProgramError::BadPayload(m) if m.contains("2^64-1")),
        "{err}"
    );
}
