//! The block check's logic natively, from an in-memory oracle holding a fixture's preimages and
//! the boot inputs under their local keys: the real hash is VALID, a wrong one INVALID, and
//! inconsistent boot inputs or a lying oracle are errors (exit 2 in the program).

use std::collections::HashMap;
use std::path::PathBuf;
use verdict_guest::block_check;
use verdict_preimage::{keccak256, HintWriter, LocalKey, PreimageError, PreimageKey};
use verdict_program::fixture::{fixtures_dir, header_preimage, parse_header, parse_preimages};

struct NoHints;

impl HintWriter for NoHints {
    fn hint(&self, _: &[u8]) -> Result<(), PreimageError> {
        Ok(())
    }
}

/// The smallest fixture's preimages and boot inputs, or `None` (skipped) outside CI.
fn oracle() -> Option<HashMap<PreimageKey, Vec<u8>>> {
    let dir: PathBuf = fixtures_dir().join("op-sepolia-blocks/block-26207960");
    if !dir.exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{} is missing",
            dir.display()
        );
        eprintln!("SKIPPED: {} is missing", dir.display());
        return None;
    }
    let read = |f: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(dir.join(f)).unwrap()).unwrap()
    };
    let f = read("fixture.json");
    let mut map = parse_preimages(&read("preimages.json")).unwrap();
    let parent = parse_header(&f["parent_header"], "parent_header").unwrap();
    let (parent_hash, rlp) = header_preimage(&parent);
    map.insert(PreimageKey::from_keccak_hash(parent_hash.0), rlp);
    let claim = hex::decode(&f["expected_block_hash"].as_str().unwrap()[2..]).unwrap();
    let mut local = |ident: u64, v: Vec<u8>| map.insert(PreimageKey::local_index(ident), v);
    local(LocalKey::AgreedOutputRoot as u64, parent_hash.to_vec());
    local(LocalKey::ClaimedOutputRoot as u64, claim);
    local(
        LocalKey::ClaimedBlockNumber as u64,
        (parent.number + 1).to_be_bytes().to_vec(),
    );
    local(LocalKey::ChainId as u64, 11155420u64.to_be_bytes().to_vec());
    // The payload attributes: a keccak256 preimage, committed to by local input 1.
    let attributes = serde_json::to_vec(&f["executing_payload"]).unwrap();
    let hash = keccak256(&attributes);
    local(LocalKey::L1Head as u64, hash.to_vec());
    map.insert(PreimageKey::from_keccak_hash(hash), attributes);
    Some(map)
}

fn set_local(map: &mut HashMap<PreimageKey, Vec<u8>>, key: LocalKey, v: Vec<u8>) {
    map.insert(PreimageKey::local_index(key as u64), v);
}

#[test]
fn the_real_hash_is_valid_and_a_wrong_one_invalid() {
    let Some(mut map) = oracle() else { return };
    let report = block_check::run(&map, &NoHints).unwrap();
    assert!(report.valid(), "{report}");
    assert_eq!(
        (report.block_number, report.gas_used, report.transactions),
        (26207960, 953_624, 10)
    );
    assert!(report.to_string().contains(": VALID"));
    set_local(&mut map, LocalKey::ClaimedOutputRoot, vec![0x11; 32]);
    let report = block_check::run(&map, &NoHints).unwrap();
    assert!(!report.valid());
    assert!(report.to_string().contains(": INVALID"), "{report}");
}

#[test]
fn inconsistent_inputs_and_lies_are_errors() {
    let Some(good) = oracle() else { return };
    let err = |map: &HashMap<PreimageKey, Vec<u8>>| block_check::run(map, &NoHints).unwrap_err();

    let mut map = good.clone();
    set_local(&mut map, LocalKey::ChainId, 12345u64.to_be_bytes().to_vec());
    assert!(
        err(&map).contains("unknown chain id 12345"),
        "{}",
        err(&map)
    );

    let mut map = good.clone();
    set_local(
        &mut map,
        LocalKey::ClaimedBlockNumber,
        5u64.to_be_bytes().to_vec(),
    );
    assert!(err(&map).contains("does not follow"), "{}", err(&map));

    let mut map = good.clone();
    set_local(&mut map, LocalKey::ClaimedOutputRoot, vec![1; 31]);
    assert!(err(&map).contains("31 bytes"), "{}", err(&map));

    // Attributes committed to but not served, or not attributes at all.
    let mut map = good.clone();
    set_local(&mut map, LocalKey::L1Head, vec![0x22; 32]);
    assert!(err(&map).contains("payload attributes"), "{}", err(&map));
    let mut map = good.clone();
    let bogus = b"{}".to_vec();
    set_local(&mut map, LocalKey::L1Head, keccak256(&bogus).to_vec());
    map.insert(PreimageKey::keccak256(&bogus), bogus);
    assert!(err(&map).contains("executing_payload"), "{}", err(&map));

    // Nothing but idents 1-5, each at most 32 bytes, is read from local inputs (all the onchain
    // PreimageOracle and the dispute game can load).
    let locals: Vec<_> = good.keys().filter(|k| k.0[0] == 1).collect();
    assert_eq!(locals.len(), 5);
    assert!(locals.iter().all(|k| (1..=5)
        .contains(&u64::from_be_bytes(k.0[24..].try_into().unwrap()))
        && good[k].len() <= 32));

    // A lying oracle: the parent header replaced by something else.
    let mut map = good;
    let parent_hash = &map[&PreimageKey::local(LocalKey::AgreedOutputRoot)];
    let key = PreimageKey::from_keccak_hash(parent_hash.clone().try_into().unwrap());
    map.insert(key, b"not the parent header".to_vec());
    assert!(err(&map).contains("does not match"), "{}", err(&map));
}
