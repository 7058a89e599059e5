//! The differential: seeded random chains derived by verdict-derive and by kona-derive 0.4.5,
//! every attribute of every block equal.
//!
//! `KONA_DIFF_SEEDS=N` chains (default 100, the CI subset) from seed `KONA_DIFF_FIRST_SEED`
//! (default 0). The full run: `KONA_DIFF_SEEDS=1000 cargo test --release` in this directory.

use std::collections::BTreeMap;
use std::time::Instant;
use verdict_derive::generator::{generate, Options};
use verdict_derive_kona_diff::fixtures::code_store;
use verdict_derive_kona_diff::run::compare;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

#[test]
fn verdict_and_kona_derive_the_same_attributes() {
    let code = code_store().unwrap_or_else(|e| panic!("{e}"));
    let seeds = env("KONA_DIFF_SEEDS", 100);
    let first = env("KONA_DIFF_FIRST_SEED", 0);
    let opts = Options::kona_differential();
    let start = Instant::now();
    let (mut blocks, mut equal) = (0usize, 0u64);
    let mut unequal = Vec::new();
    let mut features: BTreeMap<&str, u32> = BTreeMap::new();
    for seed in first..first + seeds {
        let s = generate(seed, &code, &opts).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        let used: std::collections::BTreeSet<&str> = s.features.iter().copied().collect();
        for f in used {
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
