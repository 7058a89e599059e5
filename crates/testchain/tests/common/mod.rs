//! Worlds read the upgrade bytecode from the shared fixtures: without them a test is skipped,
//! or fails in CI (`CI=true`).

/// Whether the shared fixtures are there (panics in CI when they are not).
pub fn fixtures_present() -> bool {
    let dir = verdict_testchain::world::fixtures_dir();
    if dir.join("upgrade-txs").is_dir() {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "fixtures missing at {} (CI=true: a missing fixture is a failure)",
        dir.display()
    );
    eprintln!("SKIPPED: fixtures missing at {}", dir.display());
    false
}
