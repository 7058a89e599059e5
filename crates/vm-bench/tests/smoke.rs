//! Smoke test: the benchmark runs its smallest workload (sha256, 50 M instructions) once on every
//! runner that is available, with snapshots every 2*10^7 steps so the snapshot paths run, and every
//! runner prints what the native build prints. A missing guest or tool is skipped with a notice, or
//! fails when CI=true. The full benchmark is scripts/bench.sh, not part of the test suite.

use std::path::PathBuf;
use std::process::Command;

fn guests_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../guests/build")
}

#[test]
fn every_runner_runs_sha256() {
    let ci = std::env::var("CI").as_deref() == Ok("true");
    let dir = guests_dir();
    for need in ["sha256.elf", "bench/native/sha256"] {
        if !dir.join(need).exists() {
            assert!(
                !ci,
                "guests/build/{need} is missing: run scripts/build-guests.sh"
            );
            eprintln!("SKIPPED: guests/build/{need} not built (run scripts/build-guests.sh)");
            return;
        }
    }
    let tmp = std::env::temp_dir().join(format!("verdict-vm-bench-smoke-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let json = tmp.join("results.json");
    let out = Command::new(env!("CARGO_BIN_EXE_verdict-vm-bench"))
        .args([
            "--workloads",
            "sha256",
            "--repeat",
            "1",
            "--every",
            "20000000",
        ])
        .arg("--guests")
        .arg(&dir)
        .arg("--tmp")
        .arg(tmp.join("snapshots"))
        .arg("--json")
        .arg(&json)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the benchmark failed:\n{stdout}\n{stderr}"
    );
    println!("{stdout}");

    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let _ = std::fs::remove_dir_all(&tmp);
    let w = &results[0];
    assert_eq!(w["name"], "sha256");
    assert!(w["instructions"].as_u64().unwrap() > 40_000_000);
    let rows = w["rows"].as_array().unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r[0].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "Verdict",
            "VerdictInterp",
            "VerdictClone",
            "VerdictFile",
            "CkbVm",
            "Qemu",
            "Native"
        ]
    );
    for row in rows {
        let (runner, outcome) = (row[0].as_str().unwrap(), &row[1]);
        if let Some(what) = outcome.get("Missing") {
            assert!(!ci, "{runner} is missing: {what}");
            eprintln!("SKIPPED runner {runner}: {what}");
            continue;
        }
        let m = outcome
            .get("Measured")
            .unwrap_or_else(|| panic!("{runner}: {outcome}"));
        assert_eq!(m["output_ok"], true, "{runner}: {outcome}");
        assert!(m["best"]["seconds"].as_f64().unwrap() > 0.0);
        match runner {
            "VerdictClone" | "VerdictFile" => assert_eq!(m["best"]["snapshots"], 2),
            "CkbVm" => assert!(m["best"]["instructions"].as_u64().unwrap() > 40_000_000),
            _ => {}
        }
    }
    let roots = w["roots"]["Ok"].as_array().expect("memory roots measured");
    assert_eq!(roots.len(), 3, "roots at 2e7, 4e7 and the end: {roots:?}");
    assert!(
        w["proof"]["Ok"].is_array(),
        "proof measured: {}",
        w["proof"]
    );
    assert!(stdout.contains("### Summary"));
}
