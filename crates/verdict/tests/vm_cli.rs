//! `verdict vm ...` end to end: state files, witnesses, proofs, a preimage server on fds 3..6, and
//! clear errors (with a non-zero exit) for bad input.

mod common;

use common::*;
use std::path::Path;
use verdict_riscv::asm::{self, reg::*};

fn li(r: u32, v: u64) -> Vec<u32> {
    asm::li(r, v)
}

fn syscall(n: u64) -> Vec<u32> {
    let mut v = li(A7, n);
    v.push(asm::ECALL);
    v
}

/// A program that counts down from 300 in a loop, writes "ok\n" and exits with code 0.
fn loop_program() -> Vec<u8> {
    let mut p = li(S0, 300);
    p.push(asm::addi(S0, S0, -1));
    p.push(asm::b(1, S0, ZERO, -4));
    p.extend(li(T0, 0x0a6b6f)); // "ok\n"
    p.extend(li(A1, 0x30000));
    p.push(asm::s(2, A1, T0, 0));
    p.extend(li(A0, 1));
    p.extend(li(A2, 3));
    p.extend(syscall(64));
    p.extend(li(A0, 0));
    p.extend(syscall(93));
    asm::elf(0x10000, &asm::code(&p))
}

fn state_hash_of(dir: &Path, state: &str) -> String {
    let out = verdict(dir, &["vm", "witness", "--input", state]);
    ok(&out);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json["stateHash"].as_str().unwrap().to_string()
}

#[test]
fn load_run_witness_and_formats_agree() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "loop.elf", &loop_program());
    for fmt in ["json", "json.gz", "bin", "bin.gz"] {
        ok(&verdict(
            d,
            &[
                "vm",
                "load-elf",
                "--path",
                "loop.elf",
                "--out",
                &format!("s.{fmt}"),
                "--meta",
                "meta.json",
            ],
        ));
    }
    let initial = state_hash_of(d, "s.json");
    for fmt in ["json.gz", "bin", "bin.gz"] {
        assert_eq!(state_hash_of(d, &format!("s.{fmt}")), initial, "{fmt}");
    }
    let out = verdict(
        d,
        &[
            "vm",
            "run",
            "--input",
            "s.bin.gz",
            "--output",
            "out.bin",
            "--info-at",
            "%100",
            "--meta",
            "meta.json",
        ],
    );
    let log = ok(&out);
    assert_eq!(out.stdout, b"ok\n");
    assert!(
        log.contains("info step=100 ") && log.contains("ips=") && log.contains("mem="),
        "{log}"
    );
    let final_hash = state_hash_of(d, "out.bin");
    assert!(
        log.contains(&final_hash[2..]),
        "run prints the same hash as witness: {log}"
    );
    assert!(final_hash.starts_with("0x00"), "exited with code 0: VALID");
    // The witness file is the 362 bytes whose hash is the state hash.
    ok(&verdict(
        d,
        &["vm", "witness", "--input", "out.bin", "--output", "w.bin"],
    ));
    let w: [u8; 362] = std::fs::read(d.join("w.bin")).unwrap().try_into().unwrap();
    assert_eq!(
        format!("0x{}", hex::encode(verdict_riscv_verifier::state_hash(&w))),
        final_hash
    );
    // Re-serializing a state file reproduces it byte for byte.
    ok(&verdict(
        d,
        &["vm", "run", "--input", "out.bin", "--output", "again.bin"],
    ));
    assert_eq!(
        std::fs::read(d.join("out.bin")).unwrap(),
        std::fs::read(d.join("again.bin")).unwrap()
    );
}

#[test]
fn proofs_and_snapshots_at_requested_steps() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "loop.elf", &loop_program());
    ok(&verdict(
        d,
        &["vm", "load-elf", "--path", "loop.elf", "--out", "s.json"],
    ));
    let run = verdict(
        d,
        &[
            "vm",
            "run",
            "--input",
            "s.json",
            "--output",
            "mid.json",
            "--proof-at",
            "%97",
            "--proof-fmt",
            "p-%d.json",
            "--snapshot-at",
            "=200",
            "--snapshot-fmt",
            "snap-%d.bin.gz",
            "--stop-at",
            "=300",
        ],
    );
    ok(&run);
    let progress = String::from_utf8_lossy(&run.stderr);
    for step in [0u64, 97, 194, 291] {
        assert!(
            progress.contains(&format!(
                "proof of step {step} written to p-{step}.json in "
            )),
            "{progress}"
        );
    }
    assert_eq!(state_hash_of(d, "mid.json"), {
        let out = verdict(d, &["vm", "witness", "--input", "mid.json"]);
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["stateHash"]
            .as_str()
            .unwrap()
            .to_string()
    });
    let mid: serde_json::Value =
        serde_json::from_slice(&verdict(d, &["vm", "witness", "--input", "mid.json"]).stdout)
            .unwrap();
    assert_eq!(mid["step"], 300);
    for step in [0u64, 97, 194, 291] {
        let proof: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.join(format!("p-{step}.json"))).unwrap())
                .unwrap();
        assert_eq!(proof["step"], step);
        let state = hex::decode(&proof["state-data"].as_str().unwrap()[2..]).unwrap();
        let data = hex::decode(&proof["proof-data"].as_str().unwrap()[2..]).unwrap();
        let post = verdict_riscv_verifier::step(
            &state,
            &data,
            &Default::default(),
            &verdict_riscv_verifier::NoPreimages,
        )
        .unwrap();
        assert_eq!(
            format!("0x{}", hex::encode(post)),
            proof["post"].as_str().unwrap()
        );
    }
    let out = verdict(d, &["vm", "verify", "--proof", "p-97.json"]);
    ok(&out);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("valid: step 97"));
    let mut proof: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("p-97.json")).unwrap()).unwrap();
    proof["post"] = serde_json::Value::String(format!("0x03{}", "00".repeat(31)));
    write(d, "forged.json", &serde_json::to_vec(&proof).unwrap());
    fails(
        &verdict(d, &["vm", "verify", "--proof", "forged.json"]),
        "not to the claimed post-state",
    );
    let snap: serde_json::Value = serde_json::from_slice(
        &verdict(d, &["vm", "witness", "--input", "snap-200.bin.gz"]).stdout,
    )
    .unwrap();
    assert_eq!(snap["step"], 200);
    // Running on from the snapshot to step 300 gives the same state as the straight run.
    ok(&verdict(
        d,
        &[
            "vm",
            "run",
            "--input",
            "snap-200.bin.gz",
            "--output",
            "mid2.json",
            "--stop-at",
            "=300",
        ],
    ));
    assert_eq!(state_hash_of(d, "mid2.json"), state_hash_of(d, "mid.json"));
}

/// A preimage server in Python on fds 3..6: acks hints, logs them, and serves one preimage.
#[test]
fn a_preimage_server_on_fds_3_to_6_serves_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (key, value) = preimage_setup(d);
    let out = verdict(
        d,
        &[
            "vm",
            "run",
            "--input",
            "s.json",
            "--output",
            "out.json",
            "--",
            "python3",
            "server.py",
            &key,
            &value,
        ],
    );
    let log = ok(&out);
    assert!(log.contains("hint: hello"), "{log}");
    let w: serde_json::Value =
        serde_json::from_slice(&verdict(d, &["vm", "witness", "--input", "out.json"]).stdout)
            .unwrap();
    assert_eq!(
        w["exitCode"], b'Z',
        "the guest exits with the first byte of the preimage"
    );
    // --stop-at-preimage-type global stops right after the first preimage read.
    ok(&verdict(
        d,
        &[
            "vm",
            "run",
            "--input",
            "s.json",
            "--output",
            "stop.json",
            "--stop-at-preimage-type",
            "global",
            "--proof-at",
            "always",
            "--proof-fmt",
            "p-%d.json",
            "--",
            "python3",
            "server.py",
            &key,
            &value,
        ],
    ));
    let w: serde_json::Value =
        serde_json::from_slice(&verdict(d, &["vm", "witness", "--input", "stop.json"]).stdout)
            .unwrap();
    assert_eq!(w["exited"], false);
    let last = w["step"].as_u64().unwrap() - 1;
    let state_text = std::fs::read_to_string(d.join("s.json")).unwrap();
    assert!(
        state_text.starts_with("{\n  \"memory\": ["),
        "states are indented JSON too"
    );
    let proof_text = std::fs::read_to_string(d.join(format!("p-{last}.json"))).unwrap();
    assert!(
        proof_text.starts_with("{\n  \"step\": ") && proof_text.ends_with("}\n"),
        "proofs are indented JSON, as the reference writes them: {proof_text}"
    );
    let proof: serde_json::Value = serde_json::from_str(&proof_text).unwrap();
    assert_eq!(proof["oracle-key"].as_str().unwrap(), format!("0x{key}"));
    assert_eq!(
        proof["oracle-value"].as_str().unwrap(),
        format!("0x{:016x}{value}", value.len() / 2)
    );
    // --stop-at-preimage KEY and --stop-at-preimage-larger-than N stop right after the read too.
    let server = ["--", "python3", "server.py", &key, &value];
    for (flags, stops) in [
        (
            vec!["--stop-at-preimage".to_string(), format!("0x{key}")],
            true,
        ),
        (
            vec![
                "--stop-at-preimage".to_string(),
                format!("0x{}", "11".repeat(32)),
            ],
            false,
        ),
        (
            vec![
                "--stop-at-preimage-larger-than".to_string(),
                "5".to_string(),
            ],
            true,
        ),
        (
            vec![
                "--stop-at-preimage-larger-than".to_string(),
                "100".to_string(),
            ],
            false,
        ),
        // The reference's forms: a key prefix, KEY@OFFSET (the only read is at offset 0), and
        // the type names (a type matches a read of that key type at offset 0).
        (
            vec!["--stop-at-preimage".to_string(), "0x02".to_string()],
            true,
        ),
        (
            vec!["--stop-at-preimage".to_string(), format!("0x{key}@0")],
            true,
        ),
        (
            vec!["--stop-at-preimage".to_string(), format!("0x{key}@8")],
            false,
        ),
        (
            vec!["--stop-at-preimage-type".to_string(), "keccak".to_string()],
            true,
        ),
        (
            vec!["--stop-at-preimage-type".to_string(), "any".to_string()],
            true,
        ),
        (
            vec!["--stop-at-preimage-type".to_string(), "sha256".to_string()],
            false,
        ),
        (
            vec!["--stop-at-preimage-type".to_string(), "local".to_string()],
            false,
        ),
    ] {
        let mut args = vec!["vm", "run", "--input", "s.json", "--output", "flag.json"];
        args.extend(flags.iter().map(|s| s.as_str()));
        args.extend(server);
        ok(&verdict(d, &args));
        let w: serde_json::Value =
            serde_json::from_slice(&verdict(d, &["vm", "witness", "--input", "flag.json"]).stdout)
                .unwrap();
        assert_eq!(w["exited"], !stops, "{flags:?}");
        if stops {
            assert_eq!(
                w["step"].as_u64().unwrap(),
                last + 1,
                "{flags:?} stops right after the read"
            );
        }
    }
    let mut store = verdict_riscv_verifier::PreimageStore::new();
    store
        .insert_global(
            hex::decode(&key).unwrap().try_into().unwrap(),
            hex::decode(&value).unwrap(),
        )
        .unwrap();
    let state = hex::decode(&proof["state-data"].as_str().unwrap()[2..]).unwrap();
    let data = hex::decode(&proof["proof-data"].as_str().unwrap()[2..]).unwrap();
    let post = verdict_riscv_verifier::step(&state, &data, &Default::default(), &store).unwrap();
    assert_eq!(
        format!("0x{}", hex::encode(post)),
        proof["post"].as_str().unwrap()
    );
}

#[test]
fn bad_input_gets_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Not RISC-V, truncated, not an ELF.
    let mut x86 = loop_program();
    x86[18] = 62;
    write(d, "x86.elf", &x86);
    fails(
        &verdict(
            d,
            &["vm", "load-elf", "--path", "x86.elf", "--out", "s.json"],
        ),
        "not RISC-V",
    );
    write(d, "short.elf", &loop_program()[..90]);
    fails(
        &verdict(
            d,
            &["vm", "load-elf", "--path", "short.elf", "--out", "s.json"],
        ),
        "truncated ELF",
    );
    write(d, "text.elf", b"#!/bin/sh\necho hi\n");
    fails(
        &verdict(
            d,
            &["vm", "load-elf", "--path", "text.elf", "--out", "s.json"],
        ),
        "not an ELF",
    );
    fails(
        &verdict(
            d,
            &["vm", "load-elf", "--path", "missing.elf", "--out", "s.json"],
        ),
        "missing.elf",
    );
    // Corrupt and truncated state files.
    write(d, "loop.elf", &loop_program());
    ok(&verdict(
        d,
        &["vm", "load-elf", "--path", "loop.elf", "--out", "s.bin"],
    ));
    let bytes = std::fs::read(d.join("s.bin")).unwrap();
    write(d, "cut.bin", &bytes[..bytes.len() - 40]);
    fails(
        &verdict(d, &["vm", "run", "--input", "cut.bin"]),
        "truncated state file",
    );
    fails(
        &verdict(d, &["vm", "witness", "--input", "cut.bin"]),
        "truncated state file",
    );
    write(d, "bad.json", b"{\"memory\": [], \"pc\": \"x\"}");
    fails(
        &verdict(d, &["vm", "run", "--input", "bad.json"]),
        "corrupt state file",
    );
    write(d, "bad.json.gz", b"\x1f\x8bnot really gzip");
    fails(
        &verdict(d, &["vm", "witness", "--input", "bad.json.gz"]),
        "gzip",
    );
    // A run past --stop-at.
    ok(&verdict(
        d,
        &[
            "vm",
            "run",
            "--input",
            "s.bin",
            "--output",
            "mid.bin",
            "--stop-at",
            "=50",
        ],
    ));
    fails(
        &verdict(d, &["vm", "run", "--input", "mid.bin", "--stop-at", "=10"]),
        "already past --stop-at =10",
    );
    fails(
        &verdict(
            d,
            &["vm", "run", "--input", "s.bin", "--proof-at", "sometimes"],
        ),
        "invalid step pattern",
    );
    // An unsupported syscall, named with its number and pc.
    let mut p = li(A7, 422);
    p.push(asm::ECALL);
    write(d, "futex.elf", &asm::elf(0x10000, &asm::code(&p)));
    ok(&verdict(
        d,
        &["vm", "load-elf", "--path", "futex.elf", "--out", "f.json"],
    ));
    let ecall_pc = 0x10000 + 4 * (p.len() as u64 - 1);
    fails(
        &verdict(d, &["vm", "run", "--input", "f.json"]),
        &format!("unsupported syscall 422 at pc 0x{ecall_pc:x}"),
    );
    // A preimage server that exits early, one that does not exist, and no server at all.
    let (key, _) = preimage_setup(d);
    fails(
        &verdict(
            d,
            &["vm", "run", "--input", "s.json", "--", "sh", "-c", "exit 3"],
        ),
        "exited (exit status: 3)",
    );
    fails(
        &verdict(
            d,
            &["vm", "run", "--input", "s.json", "--", "./no-such-server"],
        ),
        "starting the preimage server",
    );
    fails(
        &verdict(d, &["vm", "run", "--input", "s.json"]),
        "no preimage oracle",
    );
    // A server answering with the wrong key's value is caught by nothing in the VM (the program must
    // check), but a server that rejects the key and exits is reported.
    fails(
        &verdict(
            d,
            &[
                "vm",
                "run",
                "--input",
                "s.json",
                "--",
                "python3",
                "server.py",
                &"00".repeat(32),
                "00",
            ],
        ),
        "exited (exit status: 7)",
    );
    let _ = key;
}
