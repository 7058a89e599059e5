//! Shared test helpers: finding the fixtures.
#![allow(dead_code)]

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
