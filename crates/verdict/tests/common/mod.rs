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

/// A syscall: a7 = `n`, then ecall.
fn syscall_asm(n: u64) -> Vec<u32> {
    use verdict_riscv::asm::{self, reg::A7};
    let mut v = asm::li(A7, n);
    v.push(asm::ECALL);
    v
}

/// A program that hints "hello", then reads the preimage whose key is at 0x30000 (8 length bytes and
/// the first 24 value bytes into 0x30100) and exits with the first value byte.
pub fn preimage_program(key: &[u8; 32]) -> Vec<u8> {
    use verdict_riscv::asm::{self, reg::*};
    let mut p = vec![];
    // hint: u32 length 5 ++ "hello" stored at 0x30040
    p.extend(asm::li(A0, 4));
    p.extend(asm::li(A1, 0x30040));
    p.extend(asm::li(A2, 9));
    p.extend(syscall_asm(64));
    p.extend(asm::li(A0, 3));
    p.extend(asm::li(A2, 1));
    p.extend(syscall_asm(63));
    p.extend(asm::li(A0, 6));
    p.extend(asm::li(A1, 0x30000));
    p.extend(asm::li(A2, 32));
    p.extend(syscall_asm(64));
    p.extend(asm::li(A0, 5));
    p.extend(asm::li(A1, 0x30100));
    p.extend(asm::li(A2, 32));
    p.extend(syscall_asm(63));
    p.extend(asm::li(A1, 0x30108));
    p.push(asm::i(0x03, A0, 4, A1, 0)); // lbu a0, 0(a1)
    p.extend(syscall_asm(93));
    // The data (key at 0x30000, hint at 0x30040) follows the code in the same segment.
    let mut full = asm::code(&p);
    full.resize(0x20000, 0);
    let mut data = vec![0u8; 0x100];
    data[..32].copy_from_slice(key);
    data[0x40..0x49].copy_from_slice(b"\0\0\0\x05hello");
    full.extend_from_slice(&data);
    asm::elf(0x10000, &full)
}

pub const SERVER: &str = r#"
import os, sys
key, value = bytes.fromhex(sys.argv[1]), bytes.fromhex(sys.argv[2])
def read(fd, n):
    b = b""
    while len(b) < n:
        c = os.read(fd, n - len(b))
        if not c: sys.exit(0)
        b += c
    return b
n = int.from_bytes(read(3, 4), "big"); hint = read(3, n); os.write(4, b"\x00")
sys.stderr.write("hint: %s\n" % hint.decode())
k = read(5, 32)
if k != key: sys.exit(7)
os.write(6, len(value).to_bytes(8, "big") + value)
read(5, 32)
"#;

pub fn preimage_setup(d: &Path) -> (String, String) {
    let value = b"Zebra crossing".to_vec();
    let mut key = verdict_riscv::hash::keccak256(&value);
    key[0] = 2;
    std::fs::write(d.join("pre.elf"), preimage_program(&key)).unwrap();
    std::fs::write(d.join("server.py"), SERVER.as_bytes()).unwrap();
    ok(&verdict(
        d,
        &["vm", "load-elf", "--path", "pre.elf", "--out", "s.json"],
    ));
    (hex::encode(key), hex::encode(value))
}
