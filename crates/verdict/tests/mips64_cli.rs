//! `verdict vm ...` with MIPS64 (Cannon) programs: load-elf picks the VM from the ELF's machine
//! and takes Cannon's `--type`; run, witness and verify pick it from the state or proof file.

mod common;

use common::*;
use std::path::Path;
use verdict_mips64::asm::{self, addiu, i, li32, SYSCALL};

const BASE: u64 = 0x10000;

/// A program that counts down from 300 in a loop, writes "ok\n" and exits with code 0.
fn loop_program() -> Vec<u8> {
    let mut p = vec![addiu(16, 0, 300)];
    p.push(addiu(16, 16, -1)); // loop:
    p.push(i(5, 16, 0, -2)); // bne s0, zero, loop
    p.push(asm::NOP);
    let msg_at = p.len() + 9;
    p.extend(li32(5, (BASE + 4 * msg_at as u64) as u32));
    p.extend([addiu(4, 0, 1), addiu(6, 0, 3), addiu(2, 0, 5001), SYSCALL]);
    p.extend([addiu(4, 0, 0), addiu(2, 0, 5205), SYSCALL]);
    assert_eq!(p.len(), msg_at);
    p.push(0x6f6b_0a00); // "ok\n"
    asm::elf(BASE, &p, 64)
}

fn witness_of(d: &Path, state: &str) -> serde_json::Value {
    let out = verdict(d, &["vm", "witness", "--input", state]);
    ok(&out);
    serde_json::from_slice(&out.stdout).unwrap()
}

fn hash_of(d: &Path, state: &str) -> String {
    witness_of(d, state)["witnessHash"]
        .as_str()
        .unwrap()
        .to_string()
}

fn load(d: &Path, out: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["vm", "load-elf", "--path", "loop.elf", "--out", out];
    args.extend_from_slice(extra);
    verdict(d, &args)
}

#[test]
fn load_elf_picks_the_mips_vm_and_takes_cannons_type() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "loop.elf", &loop_program());
    for fmt in ["bin", "bin.gz", "json", "json.gz"] {
        ok(&load(d, &format!("s.{fmt}"), &["--meta", "meta.json"]));
    }
    let w = witness_of(d, "s.bin");
    assert_eq!(w["stateVersion"], 8);
    assert_eq!(w["step"], 0);
    assert_eq!(w["witness"].as_str().unwrap().len(), 2 + 2 * 188);
    let initial = hash_of(d, "s.bin");
    assert!(initial.starts_with("0x03"), "not exited: {initial}");
    for fmt in ["bin.gz", "json", "json.gz"] {
        assert_eq!(hash_of(d, &format!("s.{fmt}")), initial, "{fmt}");
    }
    ok(&load(d, "t5.bin", &["--type", "multithreaded64-5"]));
    assert_eq!(hash_of(d, "t5.bin"), initial);
    ok(&load(d, "t4.bin", &["--type", "multithreaded64-4"]));
    assert_eq!(witness_of(d, "t4.bin")["stateVersion"], 7);
    // The witness does not hold the version: only the file does.
    assert_eq!(hash_of(d, "t4.bin"), initial);
    assert_eq!(std::fs::read(d.join("t4.bin")).unwrap()[0], 7);
    assert_eq!(std::fs::read(d.join("t5.bin")).unwrap()[0], 8);
    fails(
        &load(d, "x.bin", &["--type", "singlethreaded"]),
        &["singlethreaded", "multithreaded64-5"],
    );
    assert!(!d.join("x.bin").exists());
    // --type is Cannon's: a RISC-V ELF refuses it.
    let riscv = verdict_riscv::asm::elf(0x10000, &verdict_riscv::asm::code(&[0x73]));
    write(d, "rv.elf", &riscv);
    fails(
        &verdict(
            d,
            &[
                "vm",
                "load-elf",
                "--path",
                "rv.elf",
                "--out",
                "rv.bin",
                "--type",
                "multithreaded64-5",
            ],
        ),
        "not MIPS",
    );
}

#[test]
fn run_proves_snapshots_and_verify_checks() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "loop.elf", &loop_program());
    ok(&load(d, "s.bin.gz", &["--meta", "meta.json"]));
    let run = verdict(
        d,
        &[
            "vm",
            "run",
            "--input",
            "s.bin.gz",
            "--output",
            "out.bin",
            "--proof-at",
            "%97",
            "--proof-fmt",
            "p-%d.json",
            "--snapshot-at",
            "=200",
            "--snapshot-fmt",
            "snap-%d.bin.gz",
            "--info-at",
            "%100",
            "--meta",
            "meta.json",
        ],
    );
    let log = ok(&run);
    assert_eq!(run.stdout, b"ok\n");
    let end = witness_of(d, "out.bin");
    assert_eq!(end["exited"], true);
    assert_eq!(end["exitCode"], 0);
    // 1 + 300 * 3 + 2 + 4 + 3 instructions.
    assert_eq!(end["step"], 910);
    let final_hash = hash_of(d, "out.bin");
    assert!(final_hash.starts_with("0x00"), "VALID: {final_hash}");
    assert!(log.contains(&final_hash[2..]), "{log}");
    for step in [0u64, 97, 194, 291, 388, 485, 582, 679, 776, 873] {
        let out = verdict(d, &["vm", "verify", "--proof", &format!("p-{step}.json")]);
        ok(&out);
        assert!(
            String::from_utf8_lossy(&out.stdout).starts_with(&format!("valid: step {step} ")),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    // The proof of the last step (the exit_group syscall): it claims the final state.
    ok(&verdict(
        d,
        &[
            "vm",
            "run",
            "--input",
            "s.bin.gz",
            "--proof-at",
            "=909",
            "--proof-fmt",
            "last-%d.json",
        ],
    ));
    let last: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("last-909.json")).unwrap()).unwrap();
    assert_eq!(last["post"].as_str().unwrap(), final_hash);
    ok(&verdict(d, &["vm", "verify", "--proof", "last-909.json"]));
    // The same proof under the v7 contract: this step reads no getrandom, so it verifies too.
    ok(&verdict(
        d,
        &[
            "vm",
            "verify",
            "--proof",
            "last-909.json",
            "--type",
            "multithreaded64-4",
        ],
    ));
    // A tampered post-state, thread or memory proof is refused.
    let proof: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("p-97.json")).unwrap()).unwrap();
    let mut forged = proof.clone();
    forged["post"] = serde_json::Value::String(format!("0x03{}", "00".repeat(31)));
    write(d, "forged.json", &serde_json::to_vec(&forged).unwrap());
    fails(
        &verdict(d, &["vm", "verify", "--proof", "forged.json"]),
        "forged.json",
    );
    for at in [10usize, 300, 400, 2000] {
        let mut data = hex::decode(&proof["proof-data"].as_str().unwrap()[2..]).unwrap();
        data[at] ^= 1;
        let mut bad = proof.clone();
        bad["proof-data"] = serde_json::Value::String(format!("0x{}", hex::encode(&data)));
        write(d, "bad.json", &serde_json::to_vec(&bad).unwrap());
        let out = verdict(d, &["vm", "verify", "--proof", "bad.json"]);
        fails(&out, "bad.json");
    }
    // Resuming from the snapshot reaches the same final state.
    assert_eq!(witness_of(d, "snap-200.bin.gz")["step"], 200);
    let resumed = verdict(
        d,
        &[
            "vm",
            "run",
            "--input",
            "snap-200.bin.gz",
            "--output",
            "out2.bin",
        ],
    );
    ok(&resumed);
    assert_eq!(resumed.stdout, b"ok\n");
    assert_eq!(hash_of(d, "out2.bin"), final_hash);
    assert_eq!(
        std::fs::read(d.join("out.bin")).unwrap(),
        std::fs::read(d.join("out2.bin")).unwrap()
    );
}

#[test]
fn bad_mips_input_gets_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let elf = loop_program();
    write(d, "short.elf", &elf[..100]);
    fails(
        &verdict(
            d,
            &["vm", "load-elf", "--path", "short.elf", "--out", "s.bin"],
        ),
        "short.elf",
    );
    let mut le = elf.clone();
    le[5] = 1; // little-endian MIPS
    write(d, "le.elf", &le);
    fails(
        &verdict(d, &["vm", "load-elf", "--path", "le.elf", "--out", "s.bin"]),
        "le.elf",
    );
    write(d, "loop.elf", &elf);
    ok(&load(d, "s.bin", &[]));
    let bytes = std::fs::read(d.join("s.bin")).unwrap();
    for cut in [1, 9, 100, bytes.len() - 1] {
        write(d, "cut.bin", &bytes[..cut]);
        fails(&verdict(d, &["vm", "run", "--input", "cut.bin"]), "cut.bin");
        fails(
            &verdict(d, &["vm", "witness", "--input", "cut.bin"]),
            "cut.bin",
        );
    }
    let mut trailing = bytes.clone();
    trailing.push(0);
    write(d, "trailing.bin", &trailing);
    fails(
        &verdict(d, &["vm", "witness", "--input", "trailing.bin"]),
        "trailing.bin",
    );
    write(d, "bad.json", b"{\"stateVersion\": 8, \"memory\": 3}");
    fails(
        &verdict(d, &["vm", "run", "--input", "bad.json"]),
        "bad.json",
    );
    // A proof whose witness is a MIPS64 one but whose proof data is short.
    ok(&verdict(
        d,
        &[
            "vm",
            "run",
            "--input",
            "s.bin",
            "--proof-at",
            "=0",
            "--proof-fmt",
            "p-%d.json",
            "--stop-at",
            "=1",
        ],
    ));
    let mut proof: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("p-0.json")).unwrap()).unwrap();
    proof["proof-data"] = serde_json::Value::String("0x00".into());
    write(d, "short.json", &serde_json::to_vec(&proof).unwrap());
    fails(
        &verdict(d, &["vm", "verify", "--proof", "short.json"]),
        "short.json",
    );
    fails(
        &verdict(
            d,
            &["vm", "verify", "--proof", "p-0.json", "--type", "cannon-9"],
        ),
        "cannon-9",
    );
}
