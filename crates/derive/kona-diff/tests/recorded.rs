//! The differential over real L1 data: chains recorded from anvil by crates/l1 (the L1 blocks,
//! receipts and blobs the L1 node served, with the L2 node's blocks; verdict-derive's
//! `generator::recording` format), derived by verdict-derive and by kona-derive 0.4.5: every
//! attribute of every block equal, and every derived block the node's (timestamp, transactions,
//! gas limit; the fake engine hands out the node's hashes only for exactly its blocks).
//!
//! Reads `recordings/*.json` in this directory and each file `KONA_DIFF_RECORDINGS` names
//! (colon-separated), e.g. one `verdict derive record` wrote from a running devnet.

use std::path::PathBuf;
use verdict_derive::generator::recording::Recording;
use verdict_derive::generator::{derive_all, CodeStore};
use verdict_derive_kona_diff::run::compare;

fn recordings() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("recordings");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    if let Some(extra) = std::env::var_os("KONA_DIFF_RECORDINGS") {
        out.extend(std::env::split_paths(&extra));
    }
    out
}

#[test]
fn verdict_and_kona_derive_the_recorded_chains_alike() {
    let files = recordings();
    assert!(!files.is_empty(), "no recordings");
    // Every fork of a recorded devnet is active at its genesis: no upgrade transactions.
    let code = CodeStore::default();
    for path in files {
        let text = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let r = Recording::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let s = r
            .scenario()
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let c = compare(0, &s, &code);
        assert_eq!(c.difference, None, "{}", path.display());
        let derived = derive_all(&s, &code).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let checked = r
            .check_derived(&derived)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(checked > 0, "{}: nothing derived", path.display());
        eprintln!(
            "{}: {} L1 blocks, {} blobs: verdict and kona derived the same {} L2 blocks, each \
             the node's ({} recorded)",
            path.display(),
            r.l1.len(),
            r.blobs.len(),
            c.kona_blocks,
            r.l2.len()
        );
    }
}
