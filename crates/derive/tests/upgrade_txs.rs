//! The network upgrade transactions equal the fixtures byte for byte; their bytecode is served by
//! hash from the fixtures' bytecode files, as a host would.

mod common;

use alloy_primitives::{b256, keccak256, Bytes, B256};
use std::collections::HashMap;
use verdict_derive::config::{Fork, RollupConfig};
use verdict_derive::deposits::upgrade_source_hash;
use verdict_derive::upgrades::{upgrade_transactions, upgrade_txs_of, UpgradeData};

/// A host serving every bytecode file of the fixtures by its keccak256.
fn bytecode_host(dir: &std::path::Path) -> HashMap<B256, Bytes> {
    let mut m = HashMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap().to_owned();
        if name.ends_with(".hex") && !name.contains("_tx_") {
            let code = common::read_hex(&p);
            m.insert(keccak256(&code), Bytes::from(code));
        }
    }
    m
}

#[test]
fn upgrade_transactions_match_the_fixtures() {
    let Some(dir) = common::fixtures() else {
        return;
    };
    let dir = dir.join("upgrade-txs");
    let mut host = bytecode_host(&dir);
    for (fork, name, count) in [
        (Fork::Ecotone, "ecotone", 6),
        (Fork::Fjord, "fjord", 3),
        (Fork::Isthmus, "isthmus", 8),
    ] {
        let txs = upgrade_txs_of(fork);
        assert_eq!(txs.len(), count, "{name}");
        for (i, tx) in txs.iter().enumerate() {
            let want = common::read_hex(&dir.join(format!("{name}_tx_{i}.hex")));
            let got = tx.encode(&mut host).unwrap();
            assert_eq!(got.as_ref(), want.as_slice(), "{name}_tx_{i}");
        }
    }
}

#[test]
fn jovian_upgrade_transactions_follow_the_spec() {
    let Some(dir) = common::fixtures() else {
        return;
    };
    let mut host = bytecode_host(&dir.join("upgrade-txs"));
    let spec_source_hashes = [
        b256!("98faf23b9795967bc0b1c543144739d50dba3ea40420e77ad6ca9848dbfb62e8"),
        b256!("08447273a4fbce97bc8c515f97ac74efc461f6a4001553712f31ebc11288bad2"),
        b256!("d939cca6eca7bd0ee0c7e89f7e5b5cf7bf6f7afe7b6966bb45dfb95344b31545"),
        b256!("46b597e2d8346ed7749b46734074361e0b41a0ab9af7afda5bb4e367e072bcb8"),
        b256!("e836db6a959371756f8941be3e962d000f7e12a32e49e2c9ca42ba177a92716c"),
    ];
    for (tx, want) in upgrade_txs_of(Fork::Jovian).iter().zip(spec_source_hashes) {
        assert_eq!(upgrade_source_hash(tx.intent), want, "{}", tx.intent);
        if let UpgradeData::Code(hash) = tx.data {
            assert!(
                host.contains_key(&hash),
                "bytecode of {} served by the host",
                tx.intent
            );
        }
        assert_eq!(tx.encode(&mut host).unwrap()[0], 0x7e);
    }
}

#[test]
fn activation_blocks_carry_their_forks_upgrades_in_order() {
    let Some(dir) = common::fixtures() else {
        return;
    };
    let mut host = bytecode_host(&dir.join("upgrade-txs"));
    let cfg = RollupConfig {
        block_time: 2,
        ecotone_time: Some(10),
        fjord_time: Some(10),
        isthmus_time: Some(20),
        ..Default::default()
    };
    assert_eq!(
        upgrade_transactions(&cfg, 6, 8, &mut host).unwrap().len(),
        0
    );
    assert_eq!(
        upgrade_transactions(&cfg, 8, 10, &mut host).unwrap().len(),
        9
    );
    assert_eq!(
        upgrade_transactions(&cfg, 10, 12, &mut host).unwrap().len(),
        0
    );
    assert_eq!(
        upgrade_transactions(&cfg, 18, 20, &mut host).unwrap().len(),
        8
    );
    // A host serving the wrong bytes is caught.
    let mut liar: HashMap<B256, Bytes> = host
        .keys()
        .map(|k| (*k, Bytes::from_static(b"not the code")))
        .collect();
    assert!(upgrade_transactions(&cfg, 8, 10, &mut liar).is_err());
}
