//! The fault proof program on full-claim fixtures of every kind (generated from synthetic chains
//! by `verdict program claim-fixture`): each valid claim exits 0 and each invalid one 1, in the
//! VM (`guests/build/claim.elf`, served by `verdict host --server --fixture DIR`), natively over
//! pipes (the `claim` binary, served by `verdict host --fixture DIR -- claim`) and natively in
//! process (`verdict program claim`); and a step in the middle of a long claim that reads a
//! preimage is proven and verified.
//!
//! Needs `guests/build/claim.elf` (scripts/build-guests.sh), the native `claim` next to the
//! `verdict` binary (built by `cargo test --workspace`, or `cargo build -p verdict-guest --bin
//! claim`; or named by `VERDICT_NATIVE_CLAIM`) and `../shared/fixtures/upgrade-txs` (the
//! synthetic chains' upgrade transactions). With `CI=true` a missing one fails the test.

mod common;

use common::*;
use std::path::{Path, PathBuf};

const KINDS: [&str; 7] = [
    "one-block",
    "hundred-blocks",
    "fork",
    "l1-short",
    "blobs",
    "at-or-below",
    "granite",
];

fn guest() -> Option<PathBuf> {
    needed(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../guests/build/claim.elf"),
        "run scripts/build-guests.sh",
    )
}

fn native_guest() -> Option<PathBuf> {
    let path = match std::env::var_os("VERDICT_NATIVE_CLAIM") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_BIN_EXE_verdict")).with_file_name("claim"),
    };
    needed(path, "cargo build -p verdict-guest --bin claim")
}

fn upgrade_txs() -> Option<PathBuf> {
    let root = match std::env::var_os("VERDICT_FIXTURES") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures"),
    };
    needed(root.join("upgrade-txs"), "the shared fixtures")
}

/// Writes the valid and invalid claims of `kind` under `d/kind`.
fn fixtures(d: &Path, kind: &str) -> PathBuf {
    let out = d.join(kind);
    ok(&verdict(
        d,
        &[
            "program",
            "claim-fixture",
            "--kind",
            kind,
            "--seed",
            "1",
            "--out",
            out.to_str().unwrap(),
        ],
    ));
    out
}

/// The VM from `input` with the host serving `fixture`, and more flags.
fn vm_run(d: &Path, input: &str, fixture: &Path, extra: &[&str]) -> std::process::Output {
    let me = env!("CARGO_BIN_EXE_verdict");
    let mut args = vec!["vm", "run", "--input", input];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--", me, "host", "--server", "--fixture"]);
    args.push(fixture.to_str().unwrap());
    verdict(d, &args)
}

#[test]
fn every_kind_of_claim_is_judged_the_same_in_the_vm_and_natively() {
    let (Some(elf), Some(native), Some(_)) = (guest(), native_guest(), upgrade_txs()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    load_guest(d, &elf);
    for kind in KINDS {
        let fixtures = fixtures(d, kind);
        for (claim, code) in [("valid", 0), ("invalid", 1)] {
            let fixture = fixtures.join(claim);
            let what = format!("{kind}/{claim}");
            // In the VM: the exit code is the verdict.
            let out = vm_run(d, "s.bin.gz", &fixture, &["--output", "out.json"]);
            ok(&out);
            let w = witness(d, "out.json");
            assert_eq!(w["exited"], true, "{what}");
            assert_eq!(w["exitCode"], code, "{what} in the VM: {out:?}");
            let said = String::from_utf8_lossy(&out.stdout).into_owned();
            let verdict_word = if code == 0 { ": VALID" } else { ": INVALID" };
            assert!(said.contains(verdict_word), "{what}: {said}");
            // Natively over pipes, and in process.
            let f = fixture.to_str().unwrap();
            let out = verdict(d, &["host", "--fixture", f, "--", native.to_str().unwrap()]);
            assert_eq!(out.status.code(), Some(code), "{what} natively: {out:?}");
            let out = verdict(d, &["program", "claim", "--fixture", f]);
            assert_eq!(out.status.code(), Some(code), "{what} in process: {out:?}");
            assert!(
                String::from_utf8_lossy(&out.stdout).contains(verdict_word),
                "{what}"
            );
        }
    }
}

#[test]
fn a_step_reading_a_preimage_in_the_middle_of_a_claim_is_proven() {
    let (Some(elf), Some(_)) = (guest(), upgrade_txs()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    load_guest(d, &elf);
    let fixture = fixtures(d, "hundred-blocks").join("valid");
    ok(&vm_run(d, "s.bin.gz", &fixture, &["--output", "end.json"]));
    let steps = witness(d, "end.json")["step"].as_u64().unwrap();
    let half = steps / 2;
    ok(&vm_run(
        d,
        "s.bin.gz",
        &fixture,
        &["--output", "half.bin.gz", "--stop-at", &format!("={half}")],
    ));
    ok(&vm_run(
        d,
        "half.bin.gz",
        &fixture,
        &["--output", "read.json", "--stop-at-preimage-type", "global"],
    ));
    let step = witness(d, "read.json")["step"].as_u64().unwrap() - 1;
    assert!(step >= half && step < steps, "{half} <= {step} < {steps}");
    ok(&vm_run(
        d,
        "half.bin.gz",
        &fixture,
        &[
            "--output",
            "",
            "--proof-at",
            &format!("={step}"),
            "--stop-at",
            &format!("={}", step + 1),
            "--proof-fmt",
            "p-%d.json",
        ],
    ));
    let proof = format!("p-{step}.json");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join(&proof)).unwrap()).unwrap();
    assert!(
        json["oracle-key"].as_str().unwrap().starts_with("0x02"),
        "a keccak256 preimage: {json}"
    );
    let out = verdict(d, &["vm", "verify", "--proof", &proof]);
    ok(&out);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("valid: step"));
}
