//! The fault proof programs built for Cannon's MIPS64 VM (`guests/mips64-verdict-none.json`):
//! the block-check program executes a real OP Sepolia block inside the MIPS64 VM, fed by
//! `verdict host --server --fixture DIR`, and reaches the same verdicts (VALID for the real
//! block, INVALID for a wrong claim) and output as the RISC-V build; a step in the middle, and the
//! step reading the first local input, are proven and verified.
//!
//! Needs `guests/build/mips64/block-check.elf` and `claim.elf` and the RISC-V builds to compare
//! with (`scripts/build-guests.sh` builds them all), and the fixtures (`../shared/fixtures` or
//! `VERDICT_FIXTURES`); with `CI=true` a missing one fails the test, otherwise it is skipped with
//! a notice (`SKIP_MIPS64_PROGRAMS=1 scripts/build-guests.sh` leaves the MIPS64 programs out).
//!
//! The claims: by default (and in CI) the cheap kinds of [`CI_KINDS`] at seed 1; every kind with
//! `VERDICT_MIPS64_ALL_CLAIMS=1`, another seed with `VERDICT_MIPS64_CLAIM_SEED=N`:
//! `VERDICT_MIPS64_ALL_CLAIMS=1 cargo test -p verdict --test mips64_program`.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Output;

const BLOCK: &str = "op-sepolia-blocks/block-26207960";
const BLOCK_HASH: &str = "0xdb32d9ddfa5fd26c9fb0260bbfa53da88326aa2a465e34d75180564aa31b851e";

fn fixture() -> Option<PathBuf> {
    let root = match std::env::var_os("VERDICT_FIXTURES") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures"),
    };
    needed(root.join(BLOCK), "the shared fixtures")
}

fn guest(rel: &str) -> Option<PathBuf> {
    needed(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../guests/build")
            .join(rel),
        "run scripts/build-guests.sh",
    )
}

fn run(d: &Path, input: &str, fixture: &Path, extra: &[&str], host: &[&str]) -> Output {
    let me = env!("CARGO_BIN_EXE_verdict");
    let mut args = vec!["vm", "run", "--input", input];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--", me, "host", "--server", "--fixture"]);
    args.push(fixture.to_str().unwrap());
    args.extend_from_slice(host);
    verdict(d, &args)
}

fn load(d: &Path, elf: &Path, out: &str) {
    ok(&verdict(
        d,
        &[
            "vm",
            "load-elf",
            "--path",
            elf.to_str().unwrap(),
            "--out",
            out,
            "--meta",
            "",
        ],
    ));
}

#[test]
fn a_block_is_judged_the_same_in_the_mips64_vm_as_on_risc_v() {
    let (Some(fixture), Some(mips)) = (fixture(), guest("mips64/block-check.elf")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    load(d, &mips, "m.bin.gz");
    assert_eq!(witness(d, "m.bin.gz")["stateVersion"], 8);
    let out = run(d, "m.bin.gz", &fixture, &["--output", "valid.bin"], &[]);
    ok(&out);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        stdout.contains(BLOCK_HASH) && stdout.contains("VALID"),
        "{stdout}"
    );
    let w = witness(d, "valid.bin");
    assert_eq!(
        (w["exited"].as_bool(), w["exitCode"].as_u64()),
        (Some(true), Some(0))
    );
    assert!(w["witnessHash"].as_str().unwrap().starts_with("0x00"));
    let steps = w["step"].as_u64().unwrap();

    let wrong = format!("0x{}", "11".repeat(32));
    let out = run(
        d,
        "m.bin.gz",
        &fixture,
        &["--output", "invalid.bin"],
        &["--claimed-l2-output-root", &wrong],
    );
    ok(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("INVALID"));
    let w = witness(d, "invalid.bin");
    assert_eq!(w["exitCode"].as_u64(), Some(1));
    assert!(w["witnessHash"].as_str().unwrap().starts_with("0x01"));

    // The RISC-V build prints the same.
    if let Some(riscv) = guest("block-check.elf") {
        load(d, &riscv, "r.bin.gz");
        let out = run(d, "r.bin.gz", &fixture, &[], &[]);
        ok(&out);
        assert_eq!(String::from_utf8_lossy(&out.stdout), stdout);
    }

    // Proofs: the step reading the first local input (a preimage read), and one halfway.
    let out = run(
        d,
        "m.bin.gz",
        &fixture,
        &["--stop-at-preimage-type", "local", "--output", "local.bin"],
        &[],
    );
    ok(&out);
    let at = witness(d, "local.bin")["step"].as_u64().unwrap() - 1;
    let half = steps / 2;
    for step in [at, half] {
        ok(&run(
            d,
            "m.bin.gz",
            &fixture,
            &[
                "--proof-at",
                &format!("={step}"),
                "--proof-fmt",
                "p-%d.json",
                "--stop-at",
                &format!("={}", step + 1),
            ],
            &[],
        ));
        let out = verdict(d, &["vm", "verify", "--proof", &format!("p-{step}.json")]);
        ok(&out);
        assert!(String::from_utf8_lossy(&out.stdout).starts_with(&format!("valid: step {step} ")));
    }
    let proof: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join(format!("p-{at}.json"))).unwrap()).unwrap();
    assert!(
        proof["oracle-key"].as_str().unwrap().starts_with("0x01"),
        "{proof}"
    );
}

/// The claim kinds of every run, CI's included: all but the 40- and 100-block claims (0.4-520 M
/// MIPS64 steps each with the cheaper profile the MIPS64 programs are built with: about half a
/// minute for the valid and invalid claims on both VMs); `fork` and `hundred-blocks` take 2.2-2.6
/// G steps each and most of a full run's time: `VERDICT_MIPS64_ALL_CLAIMS=1` runs every kind.
const CI_KINDS: [&str; 5] = ["one-block", "at-or-below", "l1-short", "blobs", "granite"];
const ALL_KINDS: [&str; 7] = [
    "one-block",
    "hundred-blocks",
    "fork",
    "l1-short",
    "blobs",
    "at-or-below",
    "granite",
];

/// The fault proof program (`claim`) for MIPS64 on full-claim fixtures: each valid claim exits
/// 0 and each invalid one 1, printing what the RISC-V build prints.
#[test]
fn claims_are_judged_the_same_in_the_mips64_vm_as_on_risc_v() {
    let root = match std::env::var_os("VERDICT_FIXTURES") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures"),
    };
    let (Some(mips), Some(_)) = (
        guest("mips64/claim.elf"),
        needed(root.join("upgrade-txs"), "the shared fixtures"),
    ) else {
        return;
    };
    let riscv = guest("claim.elf");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    load(d, &mips, "m.bin.gz");
    if let Some(riscv) = &riscv {
        load(d, riscv, "r.bin.gz");
    }
    let kinds: &[&str] = if std::env::var("VERDICT_MIPS64_ALL_CLAIMS").as_deref() == Ok("1") {
        &ALL_KINDS
    } else {
        &CI_KINDS
    };
    let seed = std::env::var("VERDICT_MIPS64_CLAIM_SEED").unwrap_or_else(|_| "1".to_string());
    assert!(
        seed.parse::<u64>().is_ok(),
        "VERDICT_MIPS64_CLAIM_SEED must be a number, not {seed:?}"
    );
    for kind in kinds {
        let out_dir = d.join(kind);
        ok(&verdict(
            d,
            &[
                "program",
                "claim-fixture",
                "--kind",
                kind,
                "--seed",
                &seed,
                "--out",
                out_dir.to_str().unwrap(),
            ],
        ));
        for (claim, code) in [("valid", 0), ("invalid", 1)] {
            let fixture = out_dir.join(claim);
            let what = format!("{kind}/{claim}");
            let out = run(d, "m.bin.gz", &fixture, &["--output", "out.bin"], &[]);
            ok(&out);
            let w = witness(d, "out.bin");
            assert_eq!(w["exited"], true, "{what}");
            assert_eq!(w["exitCode"], code, "{what} in the MIPS64 VM: {out:?}");
            let said = String::from_utf8_lossy(&out.stdout).into_owned();
            eprintln!("{what}: {} MIPS64 steps", w["step"]);
            if riscv.is_some() {
                let out = run(d, "r.bin.gz", &fixture, &[], &[]);
                ok(&out);
                assert_eq!(String::from_utf8_lossy(&out.stdout), said, "{what}");
            }
        }
    }
}
