//! `verdict host` end to end: the oracle-check guest asks the host, through the VM, for local keys,
//! a keccak256 and a sha256 preimage; proofs of preimage-reading steps verify; bad input is named.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Output;
use verdict_preimage::{keccak256, sha256, PreimageKey};

const L1_VALUE: &[u8] = b"an L1 block header (not really RLP)";
const CLAIM_VALUE: &[u8] = b"an output root preimage";

/// Writes the preimage file and returns the local-input flags for the host.
fn setup(d: &Path, rounds: u64) -> Vec<String> {
    let mut sha_key = PreimageKey(sha256(CLAIM_VALUE));
    sha_key.0[0] = 4;
    let map = serde_json::json!({
        format!("0x{}", hex::encode(keccak256(L1_VALUE))): format!("0x{}", hex::encode(L1_VALUE)),
        format!("0x{}", hex::encode(sha_key.0)): format!("0x{}", hex::encode(CLAIM_VALUE)),
    });
    std::fs::write(d.join("pre.json"), serde_json::to_vec(&map).unwrap()).unwrap();
    [
        "--l1-head".to_string(),
        format!("0x{}", hex::encode(keccak256(L1_VALUE))),
        "--claimed-l2-output-root".into(),
        format!("0x{}", hex::encode(sha256(CLAIM_VALUE))),
        "--claimed-l2-block-number".into(),
        rounds.to_string(),
        "--l2-chain-id".into(),
        "11155420".into(),
    ]
    .to_vec()
}

fn guest() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../guests/build/oracle-check.elf");
    if p.exists() {
        return Some(p);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{} is missing: run scripts/build-guests.sh",
        p.display()
    );
    eprintln!(
        "SKIPPED: {} not built (run scripts/build-guests.sh)",
        p.display()
    );
    None
}

fn run_with_host(d: &Path, extra: &[&str], host: &[String]) -> Output {
    let me = env!("CARGO_BIN_EXE_verdict");
    let mut args: Vec<&str> = vec!["vm", "run", "--input", "s.bin.gz"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--", me, "host", "--server"]);
    args.extend(host.iter().map(|s| s.as_str()));
    verdict(d, &args)
}

#[test]
fn the_guest_reads_and_checks_preimages_through_the_vm() {
    let Some(elf) = guest() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut host = setup(d, 2);
    load_guest(d, &elf);
    ok(&verdict(
        d,
        &["host", "import", "--data-dir", "store", "pre.json"],
    ));
    host.extend(["--data-dir".to_string(), "store".to_string()]);
    let out = run_with_host(d, &["--output", "out.json"], &host);
    ok(&out);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("oracle-check: ok"),
        "{out:?}"
    );
    let w = witness(d, "out.json");
    assert_eq!(
        (w["exited"].as_bool(), w["exitCode"].as_u64()),
        (Some(true), Some(0))
    );
    assert!(
        w["stateHash"].as_str().unwrap().starts_with("0x00"),
        "status VALID"
    );

    // Proofs of the steps that read a local and a global preimage verify statelessly.
    for kind in ["local", "global"] {
        let stop = format!("stop-{kind}.json");
        ok(&run_with_host(
            d,
            &["--output", &stop, "--stop-at-preimage-type", kind],
            &host,
        ));
        let step = witness(d, &stop)["step"].as_u64().unwrap() - 1;
        let (proof_at, stop_at, fmt) = (
            format!("={step}"),
            format!("={}", step + 1),
            format!("{kind}-%d.json"),
        );
        ok(&run_with_host(
            d,
            &[
                "--output",
                "",
                "--proof-at",
                &proof_at,
                "--stop-at",
                &stop_at,
                "--proof-fmt",
                &fmt,
            ],
            &host,
        ));
        let proof = format!("{kind}-{step}.json");
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.join(&proof)).unwrap()).unwrap();
        let key_type = if kind == "local" { "0x01" } else { "0x02" };
        assert!(
            json["oracle-key"].as_str().unwrap().starts_with(key_type),
            "{json}"
        );
        let out = verdict(
            d,
            &[
                "vm",
                "verify",
                "--proof",
                &proof,
                "--local-context",
                &format!("0x{}", "ab".repeat(32)),
            ],
        );
        ok(&out);
    }
}

#[test]
fn the_host_runs_a_native_program_over_pipes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let host = setup(d, 0);
    // A native client in Python: a hint on fd 4 (ack on 3), then the L1 head's local key on fd 6
    // and its value on fd 5; it exits 0 if the value is the L1 head given to the host.
    let client = format!(
        r#"
import os, sys
h = b"l1-block-header 0x00"
os.write(4, len(h).to_bytes(4, "big") + h); assert os.read(3, 1) == b"\0"
os.write(6, bytes([1]) + bytes(30) + bytes([1]))
n = int.from_bytes(os.read(5, 8), "big"); v = os.read(5, n)
sys.exit(0 if v.hex() == "{}" else 5)
"#,
        hex::encode(keccak256(L1_VALUE))
    );
    std::fs::write(d.join("client.py"), client).unwrap();
    let mut args = vec!["host", "--preimages", "pre.json"];
    args.extend(host.iter().map(|s| s.as_str()));
    args.extend(["--", "python3", "client.py"]);
    let log = ok(&verdict(d, &args));
    assert!(log.contains("served 1 preimages and 1 hints"), "{log}");
}

#[test]
fn bad_input_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let host = setup(d, 0);
    // A value that does not match its key: the import is refused and the store keeps what it had.
    ok(&verdict(
        d,
        &["host", "import", "--data-dir", "store", "pre.json"],
    ));
    let wrong_key = format!("0x{}", hex::encode(keccak256(b"something else")));
    std::fs::write(
        d.join("bad.json"),
        format!(r#"{{"{wrong_key}": "0x1234"}}"#),
    )
    .unwrap();
    fails(
        &verdict(d, &["host", "import", "--data-dir", "store", "bad.json"]),
        &["does not match", &wrong_key],
    );
    let log = ok(&verdict(
        d,
        &["host", "import", "--data-dir", "store", "pre.json"],
    ));
    assert!(log.contains("imported 2 preimages; 2 in"), "{log}");
    std::fs::write(d.join("notjson.json"), "{").unwrap();
    fails(
        &verdict(
            d,
            &["host", "import", "--data-dir", "store", "notjson.json"],
        ),
        &["notjson.json", "not a JSON map"],
    );
    // A corrupt store.
    std::fs::create_dir(d.join("corrupt")).unwrap();
    std::fs::write(d.join("corrupt/preimages.redb"), vec![0x17; 5000]).unwrap();
    fails(
        &verdict(d, &["host", "--data-dir", "corrupt", "--", "true"]),
        &["cannot open the preimage store", "preimages.redb"],
    );
    fails(&verdict(d, &["host"]), &["give --server"]);

    let Some(elf) = guest() else { return };
    load_guest(d, &elf);
    // An unknown key: the host names it, the VM names the host's exit.
    let out = run_with_host(d, &["--output", ""], &host);
    let sha_key = {
        let mut k = sha256(CLAIM_VALUE);
        k[0] = 4;
        hex::encode(k)
    };
    let l1_key = {
        let mut k = keccak256(L1_VALUE);
        k[0] = 2;
        hex::encode(k)
    };
    fails(
        &out,
        &[
            "unknown preimage key 0x",
            &l1_key,
            "exited (exit status: 1)",
        ],
    );
    let _ = sha_key;
    // A missing local input.
    let out = run_with_host(d, &["--output", ""], &[]);
    fails(&out, &["--l1-head was not given"]);
    // A host that hangs.
    let out = verdict_env(
        d,
        &[
            "vm", "run", "--input", "s.bin.gz", "--output", "", "--", "sleep", "30",
        ],
        &[("VERDICT_ORACLE_TIMEOUT_SECS", "1")],
    );
    fails(&out, &["no answer within 1 s"]);
}

#[test]
fn a_malformed_hint_is_named() {
    // A guest that sends the hint "Bad Hint!" (u32 length 9) and waits for the ack.
    use verdict_riscv::asm::{self, reg::*};
    let mut p = asm::li(A0, 4);
    p.extend(asm::li(A1, 0x30000));
    p.extend(asm::li(A2, 13));
    p.extend(asm::li(A7, 64));
    p.push(asm::ECALL);
    p.extend(asm::li(A7, 93));
    p.push(asm::ECALL);
    let mut code = asm::code(&p);
    code.resize(0x20000, 0);
    code.extend_from_slice(b"\0\0\0\x09Bad Hint!");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("hint.elf"), asm::elf(0x10000, &code)).unwrap();
    ok(&verdict(
        d,
        &["vm", "load-elf", "--path", "hint.elf", "--out", "s.bin.gz"],
    ));
    let out = run_with_host(d, &["--output", ""], &[]);
    fails(&out, &["malformed hint", "\"Bad Hint!\""]);
}
