//! Shared test helpers: finding the fixtures, the upgrade bytecode, a bench for single inputs.
#![allow(dead_code)]

pub mod bench;

use std::path::PathBuf;

/// The shared fixtures directory: `$VERDICT_FIXTURES`, or `../shared/fixtures` from the project
/// root. `None` when absent, which is a failure in CI (`CI=true`) and a skip elsewhere.
pub fn fixtures() -> Option<PathBuf> {
    let dir = match std::env::var_os("VERDICT_FIXTURES") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures"),
    };
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "fixtures missing at {} (CI=true: a missing fixture is a failure)",
            dir.display()
        );
    }
    eprintln!("skipping: fixtures missing at {}", dir.display());
    None
}

/// Reads a hex text file (no 0x prefix needed).
pub fn read_hex(path: &std::path::Path) -> Vec<u8> {
    let s = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let s = s.trim();
    alloy_primitives::hex::decode(s.strip_prefix("0x").unwrap_or(s))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The upgrade transactions' bytecode by hash, from the fixtures (`None` as for
/// [`fixtures`]).
pub fn code_store() -> Option<verdict_derive::generator::CodeStore> {
    let dir = fixtures()?.join("upgrade-txs");
    let mut store = verdict_derive::generator::CodeStore::default();
    for e in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let p = e.expect("directory entry").path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if name.ends_with(".hex") && !name.contains("_tx_") {
            let code = read_hex(&p);
            store.0.insert(
                alloy_primitives::keccak256(&code),
                alloy_primitives::Bytes::from(code),
            );
        }
    }
    assert!(!store.0.is_empty(), "no bytecode in {}", dir.display());
    Some(store)
}
