//! The differential: seeded random chains derived by verdict-derive and by kona-derive 0.4.5,
//! every attribute of every block equal.
//!
//! `KONA_DIFF_SEEDS=N` chains (default 100, the CI subset) from seed `KONA_DIFF_FIRST_SEED`
//! (default 0). The full run: `KONA_DIFF_SEEDS=1000 cargo test --release` in this directory.

use alloy_primitives::{keccak256, Bytes};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;
use verdict_derive::generator::{generate, CodeStore, Options};
use verdict_derive_kona_diff::run::compare;

/// The upgrade transactions' bytecode from the shared fixtures; their absence is a failure.
fn code_store() -> CodeStore {
    let dir = match std::env::var_os("VERDICT_FIXTURES") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../../shared/fixtures"),
    }
    .join("upgrade-txs");
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("fixtures missing at {}: {e}", dir.display()));
    let mut store = CodeStore::default();
    for e in entries {
        let p = e.expect("fixture entry").path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if name.ends_with(".hex") && !name.contains("_tx_") {
            let s = std::fs::read_to_string(&p).expect("fixture readable");
            let s = s.trim();
            let code = alloy_primitives::hex::decode(s.strip_prefix("0x").unwrap_or(s))
                .expect("fixture is hex");
            store.0.insert(keccak256(&code), Bytes::from(code));
        }
    }
    assert!(!store.0.is_empty(), "no bytecode in {}", dir.display());
    store
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

#[test]
fn verdict_and_kona_derive_the_same_attributes() {
    let code = code_store();
    let seeds = env("KONA_DIFF_SEEDS", 100);
    let first = env("KONA_DIFF_FIRST_SEED", 0);
    let opts = Options::kona_differential();
    let start = Instant::now();
    let (mut blocks, mut equal) = (0usize, 0u64);
    let mut unequal = Vec::new();
    let mut features: BTreeMap<&str, u32> = BTreeMap::new();
    for seed in first..first + seeds {
        let s = generate(seed, &code, &opts).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        for f in &s.features {
            *features.entry(f).or_default() += 1;
        }
        let c = compare(seed, &s, &code);
        blocks += c.verdict_blocks;
        match c.difference {
            None => equal += 1,
            Some(d) => unequal.push(format!("seed {seed}: {d}")),
        }
    }
    let time = start.elapsed();
    eprintln!(
        "differential: {seeds} chains (seeds {first}..{}), {blocks} blocks, {:.1} s: {equal} equal, {} unequal",
        first + seeds,
        time.as_secs_f64(),
        unequal.len()
    );
    eprintln!("features (chains using each): {features:?}");
    for u in unequal.iter().take(20) {
        eprintln!("  {u}");
    }
    assert!(unequal.is_empty(), "{} chains differ", unequal.len());
    assert!(blocks > 0);
}
