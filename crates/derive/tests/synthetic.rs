//! Seeded synthetic chains: the pipeline derives every block the sequencer built, attribute for
//! attribute.

mod common;

use alloy_primitives::{keccak256, Bytes};
use verdict_derive::generator::{derive_all, derive_with_drops, generate, CodeStore, Options};

fn code_store() -> Option<CodeStore> {
    let dir = common::fixtures()?.join("upgrade-txs");
    let mut store = CodeStore::default();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap().to_owned();
        if name.ends_with(".hex") && !name.contains("_tx_") {
            let code = common::read_hex(&p);
            store.0.insert(keccak256(&code), Bytes::from(code));
        }
    }
    Some(store)
}

#[test]
fn seeded_chains_derive_as_sequenced() {
    let Some(code) = code_store() else { return };
    let seeds: u64 = std::env::var("VERDICT_DERIVE_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let mut blocks = 0;
    let mut features = std::collections::BTreeMap::new();
    let mut reasons = std::collections::BTreeMap::new();
    for seed in 0..seeds {
        let s = generate(seed, &code, &Options::default()).unwrap();
        let (derived, drops) =
            derive_with_drops(&s, &code).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        for (i, (got, want)) in derived.iter().zip(&s.expected).enumerate() {
            assert_eq!(got, want, "seed {seed}: block {}", i + 1);
        }
        // What the generator knows independently of the attributes builder: the blocks of a
        // withheld epoch carry only deposits, and every invalid input it made is dropped for
        // the reason it broke.
        for n in &s.deposits_only {
            let a = &derived[*n as usize - 1];
            assert_eq!(
                a.deposit_count(),
                a.transactions.len(),
                "seed {seed}: block {n}"
            );
        }
        let reached = derived.last().map_or(0, |a| a.timestamp);
        for (by, want) in &s.expected_drops {
            if *by > reached {
                continue;
            }
            let seen = drops.iter().any(|d| d.reason == *want);
            let e = reasons
                .entry(format!("{:?}: {want:?}", want.stage()))
                .or_insert((0u32, 0u32));
            e.0 += 1;
            e.1 += u32::from(seen);
        }
        assert!(
            derived.len() >= s.expected.len(),
            "seed {seed}: derived {} of {} blocks",
            derived.len(),
            s.expected.len()
        );
        blocks += s.expected.len();
        for f in s.features {
            *features.entry(f).or_insert(0u32) += 1;
        }
    }
    eprintln!("{seeds} chains, {blocks} blocks; features: {features:?}; drops: {reasons:?}");
    assert!(blocks > 0);
    // Every kind of invalid input the generator made was dropped for its reason (a chain may
    // miss one where a span batch or a later channel filled the slot first: counted above).
    for (reason, (made, seen)) in &reasons {
        assert!(
            *seen > 0,
            "{reason}: made {made} times, never dropped for it"
        );
    }
    assert!(
        reasons.is_empty() || reasons.len() >= 15,
        "only {} kinds of drops made",
        reasons.len()
    );
}

#[test]
fn corrupt_batcher_data_is_dropped_and_derivation_goes_on() {
    let Some(code) = code_store() else { return };
    let opts = Options {
        corrupt: 25,
        ..Options::default()
    };
    let mut corrupted = 0;
    for seed in 1000..1040 {
        let s = generate(seed, &code, &opts).unwrap();
        corrupted += s
            .features
            .iter()
            .filter(|f| f.starts_with("corrupt"))
            .count();
        let derived = derive_all(&s, &code).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        // Whatever was dropped, the derived chain is a chain: consecutive timestamps, each block
        // led by its L1 info deposit, and every window that expired filled with empty blocks.
        let mut t = s.cfg.genesis.l2_time;
        for a in &derived {
            assert_eq!(a.timestamp, t + s.cfg.block_time, "seed {seed}");
            assert_eq!(a.transactions[0][0], 0x7e);
            t = a.timestamp;
        }
        assert!(!derived.is_empty(), "seed {seed}");
    }
    assert!(corrupted > 50, "the generator corrupted {corrupted} items");
}
