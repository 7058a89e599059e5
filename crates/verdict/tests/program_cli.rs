//! `verdict program execute-block` end to end: a fixture block matches and exits 0; a wrong
//! expected hash, a missing preimage or a bad fixture exit non-zero with a clear message.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture_dir(n: u64) -> Option<PathBuf> {
    let root = match std::env::var_os("VERDICT_FIXTURES") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures"),
    };
    let dir = root.join(format!("op-sepolia-blocks/block-{n}"));
    if dir.join("fixture.json").is_file() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "fixture {} missing (CI=true: a missing fixture is a failure)",
            dir.display()
        );
    }
    eprintln!("notice: fixture {} missing: skipping", dir.display());
    None
}

fn execute_block(dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_verdict"))
        .args(["program", "execute-block", "--fixture"])
        .arg(dir)
        .output()
        .expect("verdict runs")
}

/// A copy of fixture `n` in a temporary directory, with `edit` applied to the JSON texts.
fn edited_copy(
    n: u64,
    edit: impl Fn(String, String) -> (String, String),
) -> Option<tempfile::TempDir> {
    let src = fixture_dir(n)?;
    let tmp = tempfile::tempdir().unwrap();
    let f = std::fs::read_to_string(src.join("fixture.json")).unwrap();
    let p = std::fs::read_to_string(src.join("preimages.json")).unwrap();
    let (f, p) = edit(f, p);
    std::fs::write(tmp.path().join("fixture.json"), f).unwrap();
    std::fs::write(tmp.path().join("preimages.json"), p).unwrap();
    Some(tmp)
}

#[test]
fn a_fixture_block_matches() {
    let Some(dir) = fixture_dir(26207960) else {
        return;
    };
    let out = execute_block(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = "0xdb32d9ddfa5fd26c9fb0260bbfa53da88326aa2a465e34d75180564aa31b851e";
    for needle in [
        &format!("block hash:      {expected}")[..],
        &format!("expected hash:   {expected}")[..],
        "match:           yes",
        "gas used:        ",
        "transactions:    10",
        "preimages read:  ",
        "time:            ",
    ] {
        assert!(stdout.contains(needle), "{needle:?} in {stdout}");
    }
}

#[test]
fn a_wrong_expected_hash_fails() {
    let Some(tmp) = edited_copy(26207960, |f, p| {
        (
            f.replace(
                "0xdb32d9ddfa5fd26c9fb0260bbfa53da88326aa2a465e34d75180564aa31b851e",
                "0x00000000000000000000000000000000000000000000000000000000000000aa",
            ),
            p,
        )
    }) else {
        return;
    };
    let out = execute_block(tmp.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("match:           no"), "{stdout}");
    assert!(stderr.contains("does not match the expected"), "{stderr}");
}

#[test]
fn a_missing_preimage_is_named() {
    let Some(tmp) = edited_copy(26207960, |f, p| {
        let v: serde_json::Value = serde_json::from_str(&f).unwrap();
        let root = v["parent_header"]["stateRoot"]
            .as_str()
            .unwrap()
            .to_string();
        let mut m: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&p).unwrap();
        assert!(m.remove(&root).is_some());
        (f, serde_json::to_string(&m).unwrap())
    }) else {
        return;
    };
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("fixture.json")).unwrap())
            .unwrap();
    let state_root = v["parent_header"]["stateRoot"].as_str().unwrap();
    let out = execute_block(tmp.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("trie node {state_root} missing")),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn bad_fixture_json_names_the_field() {
    let Some(tmp) = edited_copy(26207960, |f, p| {
        (f.replace("\"prevRandao\"", "\"prevRandaoX\""), p)
    }) else {
        return;
    };
    let out = execute_block(tmp.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("executing_payload.prevRandao"), "{stderr}");
}

#[test]
fn a_missing_fixture_directory_fails_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    let out = execute_block(&tmp.path().join("nope"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("fixture.json"), "{stderr}");
}
