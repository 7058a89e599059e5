//! Helpers shared by the command-line tests: running `verdict`, checking its outcome, finding
//! prerequisites (guests, fixtures).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `verdict args...` in `dir`.
pub fn verdict(dir: &Path, args: &[&str]) -> Output {
    verdict_env(dir, args, &[])
}

/// Runs `verdict args...` in `dir` with extra environment variables.
pub fn verdict_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_verdict"));
    cmd.current_dir(dir).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("verdict runs")
}

/// Asserts success; returns stderr.
pub fn ok(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "verdict failed: {err}");
    err
}

/// What an error message must mention: one string or several.
pub trait Needles {
    /// The strings.
    fn all(&self) -> Vec<&str>;
}

impl Needles for &str {
    fn all(&self) -> Vec<&str> {
        vec![self]
    }
}

impl Needles for &String {
    fn all(&self) -> Vec<&str> {
        vec![self.as_str()]
    }
}

impl<const N: usize> Needles for &[&str; N] {
    fn all(&self) -> Vec<&str> {
        self.to_vec()
    }
}

/// Asserts a clean failure (exit code 1, or 2 for a usage error, never a panic) whose stderr
/// mentions every needle.
pub fn fails(out: &Output, needles: impl Needles) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(1 | 2)),
        "expected a clean failure: {err}"
    );
    for needle in needles.all() {
        assert!(
            err.contains(needle),
            "error {err:?} should mention {needle:?}"
        );
    }
    assert!(!err.contains("panicked"), "{err}");
}

/// The JSON `verdict vm witness` prints for a state file.
pub fn witness(d: &Path, state: &str) -> serde_json::Value {
    let out = verdict(d, &["vm", "witness", "--input", state]);
    ok(&out);
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Writes a file in `dir`.
pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// `what` if it exists; otherwise a failure in CI (`CI=true`) and a skip (None) elsewhere.
pub fn needed(what: PathBuf, how: &str) -> Option<PathBuf> {
    if what.exists() {
        return Some(what);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{} is missing: {how}",
        what.display()
    );
    eprintln!("SKIPPED: {} is missing ({how})", what.display());
    None
}

/// `verdict vm load-elf` of `elf` into `s.bin.gz` in `dir`, without metadata.
pub fn load_guest(dir: &Path, elf: &Path) {
    let path = elf.to_str().expect("a UTF-8 path");
    ok(&verdict(
        dir,
        &[
            "vm", "load-elf", "--path", path, "--out", "s.bin.gz", "--meta", "",
        ],
    ));
}
