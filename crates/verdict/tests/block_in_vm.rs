//! Real OP Sepolia blocks executed in the VM: the block-check guest (execution alone; the full
//! fault proof program is tested on synthetic chains in `claim_in_vm.rs`, since these blocks' L1
//! data is not available) executes a real block inside the VM, fed
//! by `verdict host --server --fixture DIR`, and its exit code is the verdict: 0 (VALID) for the
//! real block hash, 1 (INVALID) for a wrong claim. The same program run natively over pipes agrees,
//! and proofs of steps in the middle of the run (one of them reading a preimage) verify in the
//! stateless verifier.
//!
//! Needs `guests/build/block-check.elf` (scripts/build-guests.sh), the native `block-check` next to
//! the `verdict` binary (built by `cargo test --workspace`, or `cargo build -p verdict-guest --bin
//! block-check`; or named by `VERDICT_NATIVE_BLOCK_CHECK`) and the fixtures (`../shared/fixtures`
//! or `VERDICT_FIXTURES`). With `CI=true` a missing one fails the test; otherwise it is skipped.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Output;

/// The smallest fixture block (10 transactions, 953,624 gas, ~68 M instructions).
const BLOCK: &str = "op-sepolia-blocks/block-26207960";
const BLOCK_HASH: &str = "0xdb32d9ddfa5fd26c9fb0260bbfa53da88326aa2a465e34d75180564aa31b851e";

fn fixture() -> Option<PathBuf> {
    let root = match std::env::var_os("VERDICT_FIXTURES") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures"),
    };
    needed(root.join(BLOCK), "the shared fixtures")
}

fn guest() -> Option<PathBuf> {
    needed(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../guests/build/block-check.elf"),
        "run scripts/build-guests.sh",
    )
}

fn native_guest() -> Option<PathBuf> {
    let path = match std::env::var_os("VERDICT_NATIVE_BLOCK_CHECK") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_BIN_EXE_verdict")).with_file_name("block-check"),
    };
    needed(path, "cargo build -p verdict-guest --bin block-check")
}

/// Runs the loaded guest (`s.bin.gz`) with the host serving `fixture`.
fn run_in_vm(d: &Path, fixture: &Path, extra: &[&str], host: &[&str]) -> Output {
    run_from(d, "s.bin.gz", fixture, extra, host)
}

/// Runs the VM from the state file `input` with the host serving `fixture`.
fn run_from(d: &Path, input: &str, fixture: &Path, extra: &[&str], host: &[&str]) -> Output {
    let me = env!("CARGO_BIN_EXE_verdict");
    let mut args = vec!["vm", "run", "--input", input];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--", me, "host", "--server", "--fixture"]);
    args.push(fixture.to_str().unwrap());
    args.extend_from_slice(host);
    verdict(d, &args)
}

/// (exited, exit code, first byte of the state hash = the status) of a state file.
fn outcome(d: &Path, state: &str) -> (bool, u64, String, u64) {
    let w = witness(d, state);
    (
        w["exited"].as_bool().unwrap(),
        w["exitCode"].as_u64().unwrap(),
        w["stateHash"].as_str().unwrap()[..4].to_string(),
        w["step"].as_u64().unwrap(),
    )
}

#[test]
fn a_block_is_judged_inside_the_vm_and_natively() {
    let (Some(fixture), Some(elf)) = (fixture(), guest()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    load_guest(d, &elf);

    // The real block hash: exit 0, status VALID.
    let out = run_in_vm(d, &fixture, &["--output", "valid.json"], &[]);
    ok(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(BLOCK_HASH) && stdout.contains("VALID"),
        "{stdout}"
    );
    let (exited, code, status, steps) = outcome(d, "valid.json");
    assert_eq!((exited, code, status.as_str()), (true, 0, "0x00"), "VALID");
    assert!(steps > 10_000_000, "{steps} steps");

    // A wrong claim: exit 1, status INVALID.
    let wrong = format!("0x{}", "11".repeat(32));
    let out = run_in_vm(
        d,
        &fixture,
        &["--output", "invalid.json"],
        &["--claimed-l2-output-root", &wrong],
    );
    ok(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("INVALID"));
    let (exited, code, status, _) = outcome(d, "invalid.json");
    assert_eq!(
        (exited, code, status.as_str()),
        (true, 1, "0x01"),
        "INVALID"
    );

    // Natively over pipes: the same verdicts.
    if let Some(native) = native_guest() {
        let native = native.to_str().unwrap();
        let fixture = fixture.to_str().unwrap();
        let out = verdict(d, &["host", "--fixture", fixture, "--", native]);
        ok(&out);
        assert!(String::from_utf8_lossy(&out.stdout).contains(BLOCK_HASH));
        let out = verdict(
            d,
            &[
                "host",
                "--fixture",
                fixture,
                "--claimed-l2-output-root",
                &wrong,
                "--",
                native,
            ],
        );
        assert_eq!(out.status.code(), Some(1), "{out:?}");
    }

    // Proofs of steps in the middle of the run verify statelessly: an ordinary step halfway, the
    // step reading the first local input, the one reading the first global preimage (the parent
    // header), and the first global preimage read after halfway (a trie node, in the middle of
    // executing the block), found and proven by resuming from the halfway state.
    let half = steps / 2;
    ok(&run_in_vm(
        d,
        &fixture,
        &["--output", "half.json.gz", "--stop-at", &format!("={half}")],
        &[],
    ));
    let mut to_prove = vec![("middle", "s.bin.gz", half)];
    for (name, kind, from) in [
        ("local", "local", "s.bin.gz"),
        ("global", "global", "s.bin.gz"),
        ("mid-global", "global", "half.json.gz"),
    ] {
        let stop = format!("stop-{name}.json");
        ok(&run_from(
            d,
            from,
            &fixture,
            &["--output", &stop, "--stop-at-preimage-type", kind],
            &[],
        ));
        to_prove.push((name, from, outcome(d, &stop).3 - 1));
    }
    assert!(to_prove[3].2 > half, "{to_prove:?}");
    for (name, from, step) in to_prove {
        let fmt = format!("{name}-%d.json");
        ok(&run_from(
            d,
            from,
            &fixture,
            &[
                "--output",
                "",
                "--proof-at",
                &format!("={step}"),
                "--stop-at",
                &format!("={}", step + 1),
                "--proof-fmt",
                &fmt,
            ],
            &[],
        ));
        let proof = format!("{name}-{step}.json");
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.join(&proof)).unwrap()).unwrap();
        if name != "middle" {
            let key_type = if name == "local" { "0x01" } else { "0x02" };
            assert!(
                json["oracle-key"].as_str().unwrap().starts_with(key_type),
                "{name}: {json}"
            );
        }
        ok(&verdict(
            d,
            &[
                "vm",
                "verify",
                "--proof",
                &proof,
                "--local-context",
                &format!("0x{}", "ab".repeat(32)),
            ],
        ));
    }
}

/// Every fixture block (66.5 Mgas, ~3.2 G instructions in all, about 20 s) is VALID in the VM.
#[test]
fn every_fixture_block_is_valid_in_the_vm() {
    let (Some(first), Some(elf)) = (fixture(), guest()) else {
        return;
    };
    let blocks = first.parent().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    load_guest(d, &elf);
    let mut names: Vec<_> = std::fs::read_dir(blocks)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("fixture.json").exists())
        .collect();
    names.sort();
    assert!(names.len() >= 6, "{names:?}");
    for block in names {
        let out = run_in_vm(d, &block, &["--output", "out.json"], &[]);
        ok(&out);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains(": VALID"), "{}: {stdout}", block.display());
        assert_eq!(outcome(d, "out.json").1, 0, "{}: {stdout}", block.display());
    }
}

/// A host without a preimage the block needs stops the run naming the key; bad fixtures are
/// named.
#[test]
fn missing_preimages_and_bad_fixtures() {
    let (Some(fixture), Some(elf)) = (fixture(), guest()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The fixture without the node of the parent's state root.
    let text = std::fs::read(fixture.join("fixture.json")).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&text).unwrap();
    let state_root = json["parent_header"]["stateRoot"].as_str().unwrap();
    let mut preimages: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&std::fs::read(fixture.join("preimages.json")).unwrap()).unwrap();
    assert!(preimages.remove(state_root).is_some());
    let trimmed = d.join("trimmed");
    std::fs::create_dir(&trimmed).unwrap();
    std::fs::write(trimmed.join("fixture.json"), &text).unwrap();
    std::fs::write(
        trimmed.join("preimages.json"),
        serde_json::to_vec(&preimages).unwrap(),
    )
    .unwrap();
    load_guest(d, &elf);
    let out = run_in_vm(d, &trimmed, &["--output", "out.json"], &[]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("unknown preimage key"), "{log}");
    assert!(
        !out.status.success() && log.contains(&state_root[4..]),
        "{log}"
    );

    // No fixture, or one without its payload attributes (the host given pipes on fds 3..6, as the
    // VM gives them).
    let as_server = |fixture: &str| {
        std::process::Command::new("sh")
            .current_dir(d)
            .env("V", env!("CARGO_BIN_EXE_verdict"))
            .env("F", fixture)
            .args([
                "-c",
                "true | \"$V\" host --server --fixture \"$F\" 3<&0 5<&0 4>&1 6>&1 | cat",
            ])
            .output()
            .unwrap()
    };
    let out = as_server("nowhere");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("error") && err.contains("nowhere/fixture.json"),
        "{err}"
    );
    let mut partial = json.clone();
    partial.as_object_mut().unwrap().remove("executing_payload");
    std::fs::write(
        trimmed.join("fixture.json"),
        serde_json::to_vec(&partial).unwrap(),
    )
    .unwrap();
    let out = as_server(trimmed.to_str().unwrap());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("error") && err.contains("no `executing_payload`"),
        "{err}"
    );
}
