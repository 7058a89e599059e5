//! Finding the shared fixtures: in CI (`CI=true`) a missing fixture fails, elsewhere it skips.

#![allow(dead_code)]

use std::path::PathBuf;
use verdict_program::fixture::{fixtures_dir, Fixture};

/// The directory of block `n`, or `None` (with a notice) if the fixtures are not here and this
/// is not CI.
pub fn block_dir(n: u64) -> Option<PathBuf> {
    let dir = fixtures_dir().join(format!("op-sepolia-blocks/block-{n}"));
    if dir.join("fixture.json").is_file() && dir.join("preimages.json").is_file() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "fixture {} missing (CI=true: a missing fixture is a failure)",
            dir.display()
        );
    }
    eprintln!(
        "notice: fixture {} missing: skipping (set VERDICT_FIXTURES)",
        dir.display()
    );
    None
}

/// Loads block `n`'s fixture, if present.
pub fn load(n: u64) -> Option<Fixture> {
    block_dir(n).map(|d| Fixture::load(&d).expect("fixture loads"))
}
