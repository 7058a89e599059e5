//! Regression tests for what an adversarial probe of the command line found (issue 13): each
//! reproduces a finding and checks the fix.

mod common;

use common::*;
use std::path::Path;
use std::process::{Command, Output};

/// Runs `script` with `sh -c` in `dir`, `$V` naming the verdict binary.
fn sh(dir: &Path, script: &str) -> Output {
    Command::new("sh")
        .current_dir(dir)
        .env("V", env!("CARGO_BIN_EXE_verdict"))
        .args(["-c", script])
        .output()
        .expect("sh runs")
}

/// A store with one preimage in `dir/store`; returns the number of preimages `host import` reports.
fn store_with_one_preimage(d: &Path) {
    let value = b"kept";
    let key = format!("0x{}", hex::encode(verdict_preimage::keccak256(value)));
    std::fs::write(
        d.join("pre.json"),
        format!("{{\"{key}\": \"0x{}\"}}", hex::encode(value)),
    )
    .unwrap();
    ok(&verdict(
        d,
        &["host", "import", "--data-dir", "store", "pre.json"],
    ));
}

#[test]
fn the_host_refuses_to_serve_without_its_channels_and_leaves_the_store_alone() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    store_with_one_preimage(d);
    let before = std::fs::read(d.join("store/preimages.redb")).unwrap();
    // No fds 3..6 at all, as when run by hand from a shell.
    let out = sh(
        d,
        "exec 3<&- 4>&- 5<&- 6>&-; exec \"$V\" host --server --data-dir store",
    );
    fails(&out, &["fd 3", "not open", "fds 3..6"]);
    // fd 4 missing only: the store must not take its number.
    let out = sh(
        d,
        "exec 3</dev/null 4>&- 5</dev/null 6>/dev/null; exec \"$V\" host --server --data-dir store",
    );
    fails(&out, "fd 3");
    // Channels that are files, not pipes.
    std::fs::write(d.join("hints"), b"\0\0\0\x05hello").unwrap();
    let out = sh(
        d,
        "exec 3<hints 4>out 5<hints 6>out; exec \"$V\" host --server --data-dir store",
    );
    fails(&out, "not a pipe or a socket");
    assert!(
        std::fs::read(d.join("store/preimages.redb")).unwrap() == before,
        "the store is untouched"
    );
    ok(&verdict(
        d,
        &["host", "import", "--data-dir", "store", "pre.json"],
    ));
}

/// A program that counts down from `n` in a loop (two steps a turn), prints "ok" and exits 0.
fn counting_program(n: u64) -> Vec<u8> {
    use verdict_riscv::asm::{self, reg::*};
    let mut p = asm::li(S0, n);
    p.push(asm::addi(S0, S0, -1));
    p.push(asm::b(1, S0, ZERO, -4));
    p.extend(asm::li(T0, 0x0a6b6f)); // "ok\n"
    p.extend(asm::li(A1, 0x30000));
    p.push(asm::s(2, A1, T0, 0));
    p.extend(asm::li(A0, 1));
    p.extend(asm::li(A2, 3));
    p.extend(asm::li(A7, 64));
    p.push(asm::ECALL);
    p.extend(asm::li(A0, 0));
    p.extend(asm::li(A7, 93));
    p.push(asm::ECALL);
    asm::elf(0x10000, &asm::code(&p))
}

/// `prog.elf` (counting from `n`) loaded into `s.json`.
fn loaded(d: &Path, n: u64) {
    std::fs::write(d.join("prog.elf"), counting_program(n)).unwrap();
    ok(&verdict(
        d,
        &[
            "vm", "load-elf", "--path", "prog.elf", "--out", "s.json", "--meta", "",
        ],
    ));
}

#[test]
fn outputs_follow_symlinks_and_write_fifos_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    loaded(d, 10);
    // A symlink is written through, and stays a symlink.
    std::os::unix::fs::symlink("real.json", d.join("link.json")).unwrap();
    ok(&verdict(
        d,
        &["vm", "run", "--input", "s.json", "--output", "link.json"],
    ));
    assert!(std::fs::symlink_metadata(d.join("link.json"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::read_to_string(d.join("real.json"))
        .unwrap()
        .contains("\"exited\": true"));
    // A FIFO (like /dev/null, not a regular file) is written in place, not replaced.
    let out = sh(
        d,
        "mkfifo meta.fifo && (cat meta.fifo > meta.copy &) && \
         \"$V\" vm load-elf --path prog.elf --out s2.json --meta meta.fifo && sleep 0.2",
    );
    ok(&out);
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::symlink_metadata(d.join("meta.fifo"))
        .unwrap()
        .file_type()
        .is_fifo());
    assert!(std::fs::read_to_string(d.join("meta.copy"))
        .unwrap()
        .contains("symbols"));
    // A long name (the temporary file's name used to pass 255 bytes).
    let long = format!("{}.json", "s".repeat(245));
    ok(&verdict(
        d,
        &["vm", "run", "--input", "s.json", "--output", &long],
    ));
    assert!(d.join(&long).exists());
    // A directory is not replaced.
    std::fs::create_dir(d.join("adir")).unwrap();
    fails(
        &verdict(d, &["vm", "run", "--input", "s.json", "--output", "adir"]),
        "is a directory",
    );
}

#[test]
fn unwritable_outputs_are_found_before_the_run_and_a_proof_past_the_exit_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    loaded(d, 10);
    for (flag, value, at) in [
        ("--output", "missing/out.json", None),
        ("--proof-fmt", "missing/p-%d.json", Some("--proof-at")),
        ("--snapshot-fmt", "missing/s-%d.json", Some("--snapshot-at")),
    ] {
        let mut args = vec!["vm", "run", "--input", "s.json", flag, value];
        if let Some(at) = at {
            args.extend([at, "=3"]);
        }
        let out = verdict(d, &args);
        fails(&out, &[flag, "missing"]);
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("stopped at step"),
            "{flag}: noticed before running"
        );
    }
    let out = verdict(
        d,
        &[
            "vm",
            "run",
            "--input",
            "s.json",
            "--output",
            "end.json",
            "--proof-at",
            "=100000",
        ],
    );
    fails(
        &out,
        &["--proof-at =100000", "past the program's exit", "no proof"],
    );
    assert!(
        d.join("end.json").exists(),
        "the final state is still written"
    );
}

#[test]
fn served_preimages_are_checked_where_the_host_serves_and_where_the_vm_receives() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (key, value) = preimage_setup(d);
    // A server answering the keccak256 key with another value: the VM refuses it.
    let lie = hex::encode(b"Zebra crossinG");
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
            &lie,
        ],
    );
    fails(&out, &["does not match its key", &format!("0x{key}")[..]]);
    // A store whose value was flipped on disk: the host refuses to serve it.
    std::fs::write(
        d.join("pre.json"),
        format!("{{\"0x{key}\": \"0x{value}\"}}"),
    )
    .unwrap();
    ok(&verdict(
        d,
        &["host", "import", "--data-dir", "store", "pre.json"],
    ));
    let db = d.join("store/preimages.redb");
    let mut bytes = std::fs::read(&db).unwrap();
    let at = bytes
        .windows(14)
        .position(|w| w == b"Zebra crossing")
        .expect("the value is stored as is");
    bytes[at + 13] ^= 0x20;
    std::fs::write(&db, bytes).unwrap();
    let me = env!("CARGO_BIN_EXE_verdict");
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
            me,
            "host",
            "--server",
            "--data-dir",
            "store",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("does not hash to the key") && err.contains(&key[2..]),
        "{err}"
    );
}

/// A program that sends one hint of `len` bytes (zeros) and exits 0.
fn big_hint_program(len: u32) -> Vec<u8> {
    use verdict_riscv::asm::{self, reg::*};
    let mut p = asm::li(T0, u32::swap_bytes(len) as u64); // the big-endian length prefix
    p.extend(asm::li(A1, 0x40000));
    p.push(asm::s(2, A1, T0, 0));
    p.extend(asm::li(A0, 4));
    p.extend(asm::li(A2, len as u64 + 4));
    p.extend(asm::li(A7, 64));
    p.push(asm::ECALL);
    p.extend(asm::li(A0, 0));
    p.extend(asm::li(A7, 93));
    p.push(asm::ECALL);
    asm::elf(0x10000, &asm::code(&p))
}

#[test]
fn a_hint_the_server_does_not_read_times_out() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Larger than a pipe's buffer: writing it blocks until the server reads.
    std::fs::write(d.join("hint.elf"), big_hint_program(1 << 20)).unwrap();
    ok(&verdict(
        d,
        &[
            "vm", "load-elf", "--path", "hint.elf", "--out", "h.json", "--meta", "",
        ],
    ));
    let started = std::time::Instant::now();
    let out = verdict_env(
        d,
        &[
            "vm", "run", "--input", "h.json", "--output", "", "--", "sleep", "30",
        ],
        &[("VERDICT_ORACLE_TIMEOUT_SECS", "1")],
    );
    fails(
        &out,
        &["sending a hint", "read nothing within 1 s", "sleep 30"],
    );
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
}

#[test]
fn a_closed_stdout_loses_nothing_and_panics_nowhere() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    loaded(d, 10);
    // The guest prints "ok" into a pipe nobody reads any more: the run still ends and is written.
    let out = sh(
        d,
        "{ sleep 0.3; \"$V\" vm run --input s.json --output out.json; echo \"exit $?\" >&2; } | true",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("exit 0") && !err.contains("panicked"), "{err}");
    assert!(std::fs::read_to_string(d.join("out.json"))
        .unwrap()
        .contains("\"exited\": true"));
    // Our own printing stops quietly.
    for cmd in [
        "\"$V\" vm witness --input s.json",
        "\"$V\" game simulate --games 3",
    ] {
        let out = sh(
            d,
            &format!("{{ sleep 0.3; {cmd}; echo \"exit $?\" >&2; }} | true"),
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("exit 0") && !err.contains("panicked"),
            "{cmd}: {err}"
        );
    }
}

/// A program that writes one word to every page from 0x100000000 on, forever.
fn page_eater() -> Vec<u8> {
    use verdict_riscv::asm::{self, reg::*};
    let mut p = asm::li(S0, 0x1_0000_0000);
    p.extend(asm::li(T1, 4096));
    p.push(asm::s(3, S0, S0, 0)); // sd s0, 0(s0)
    p.push(asm::r(0x33, S0, 0, S0, T1, 0)); // add s0, s0, t1
    p.push(asm::jal(ZERO, -8));
    asm::elf(0x10000, &asm::code(&p))
}

#[test]
fn a_memory_limit_stops_a_growing_guest_with_a_valid_state() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("eater.elf"), page_eater()).unwrap();
    ok(&verdict(
        d,
        &[
            "vm",
            "load-elf",
            "--path",
            "eater.elf",
            "--out",
            "e.bin",
            "--meta",
            "",
        ],
    ));
    for jit in ["1", "0"] {
        let out = verdict_env(
            d,
            &[
                "vm",
                "run",
                "--input",
                "e.bin",
                "--output",
                "stopped.bin",
                "--memory-limit",
                "16MiB",
            ],
            &[("VERDICT_JIT", jit)],
        );
        fails(
            &out,
            &[
                "memory grew past the limit of 16 MiB",
                "stopped.bin holds the state",
            ],
        );
        // The state written is one of whole instructions, and the step agrees with it.
        let w: serde_json::Value = serde_json::from_slice(
            &verdict(d, &["vm", "witness", "--input", "stopped.bin"]).stdout,
        )
        .unwrap();
        let step = w["step"].as_u64().unwrap();
        assert!(step > 1000 && step < 20_000, "jit {jit}: step {step}");
    }
    // The state is too large for a smaller limit: refused as it is read.
    fails(
        &verdict(
            d,
            &[
                "vm",
                "run",
                "--input",
                "stopped.bin",
                "--output",
                "",
                "--memory-limit",
                "4MiB",
            ],
        ),
        &["more than the memory limit of 4 MiB"],
    );
}

#[test]
fn huge_segments_and_bomb_like_state_files_are_refused_without_taking_the_memory() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // One zero-filled segment of 1 TiB.
    let mut elf = counting_program(1);
    let ph = 64;
    elf[ph + 40..ph + 48].copy_from_slice(&(1u64 << 40).to_le_bytes());
    std::fs::write(d.join("huge.elf"), &elf).unwrap();
    fails(
        &verdict(
            d,
            &["vm", "load-elf", "--path", "huge.elf", "--out", "h.json"],
        ),
        &["need", "more than the memory limit of 8 GiB"],
    );
    // A binary state claiming 2^40 pages: refused before any page is read.
    std::fs::write(d.join("claims.bin"), (1u64 << 40).to_be_bytes()).unwrap();
    fails(
        &verdict(d, &["vm", "witness", "--input", "claims.bin"]),
        "more than the memory limit",
    );
    // 256 MiB of zeros, gzipped to a few hundred KiB: a "state" with no pages and zero fields,
    // then far too many bytes; read only up to the first extra byte.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..256 {
        std::io::Write::write_all(&mut gz, &zeros).unwrap();
    }
    std::fs::write(d.join("bomb.bin.gz"), gz.finish().unwrap()).unwrap();
    let started = std::time::Instant::now();
    fails(
        &verdict(d, &["vm", "witness", "--input", "bomb.bin.gz"]),
        "unexpected bytes after the state hash",
    );
    assert!(started.elapsed().as_secs() < 5);
}

#[test]
fn json_states_stream_instead_of_being_built_whole() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A state of 64 MiB of memory (the eater stopped at a limit) as JSON: about 130 MB of text.
    std::fs::write(d.join("eater.elf"), page_eater()).unwrap();
    ok(&verdict(
        d,
        &[
            "vm",
            "load-elf",
            "--path",
            "eater.elf",
            "--out",
            "e.bin",
            "--meta",
            "",
        ],
    ));
    let _ = verdict(
        d,
        &[
            "vm",
            "run",
            "--input",
            "e.bin",
            "--output",
            "big.json",
            "--memory-limit",
            "64MiB",
        ],
    );
    let size = std::fs::metadata(d.join("big.json")).unwrap().len();
    assert!(size > 128 << 20, "{size}");
    // Reading it peaks well below the file's size plus the memory it holds.
    let out = sh(
        d,
        "/usr/bin/time -f 'peak %M KiB' \"$V\" vm witness --input big.json > /dev/null",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    let peak_kib: u64 = err
        .split("peak ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{err}"));
    assert!(
        peak_kib * 1024 < (64 << 20) + size / 4,
        "peak {peak_kib} KiB for a {size}-byte file"
    );
}

/// Finding 9: counters do not wrap. A state at step 2^64-1 does not step to 0 (the onchain step
/// would, but no game reaches it); a run that reaches it stops there with an error.
#[test]
fn the_step_counter_does_not_wrap() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    loaded(d, 100);
    let mut state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("s.json")).unwrap()).unwrap();
    let obj = state.as_object_mut().unwrap();
    obj.remove("witness");
    obj.remove("stateHash");
    for (name, step) in [("max.json", u64::MAX), ("near.json", u64::MAX - 3)] {
        state["step"] = step.into();
        std::fs::write(d.join(name), serde_json::to_vec(&state).unwrap()).unwrap();
        let out = verdict(d, &["vm", "run", "--input", name, "--output", "o.json"]);
        fails(&out, "the step counter is at its maximum");
        assert!(!d.join("o.json").exists());
    }
}

/// Finding 9: the simulator's clocks and seeds do not wrap into false alarms.
#[test]
fn simulated_clocks_and_seeds_do_not_wrap() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = verdict(
        d,
        &[
            "game",
            "simulate",
            "--quiet",
            "--clock",
            "9223372036854775808",
        ],
    );
    fails(&out, "too long to play");
    let out = verdict(
        d,
        &[
            "game",
            "simulate",
            "--quiet",
            "--seed",
            "18446744073709551615",
            "--games",
            "2",
        ],
    );
    fails(&out, "overflows a u64");
    ok(&verdict(
        d,
        &[
            "game",
            "simulate",
            "--quiet",
            "--seed",
            "18446744073709551615",
        ],
    ));
}

/// Finding 10: `vm verify` checks every field of a proof file against what it proves.
#[test]
fn verify_checks_every_field_of_a_proof() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (key, value) = preimage_setup(d);
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
    let stop = witness(d, "stop.json");
    let read_step = stop["step"].as_u64().unwrap() - 1;
    let load = |step: u64| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(d.join(format!("p-{step}.json"))).unwrap()).unwrap()
    };
    let check = |name: &str, proof: &serde_json::Value, error: Option<&str>| {
        std::fs::write(d.join(name), serde_json::to_vec(proof).unwrap()).unwrap();
        let out = verdict(d, &["vm", "verify", "--proof", name]);
        match error {
            None => {
                ok(&out);
                let said = String::from_utf8_lossy(&out.stdout);
                assert!(said.starts_with("valid: step"), "{name}: {said}");
            }
            Some(e) => fails(&out, e),
        }
    };
    let reading = load(read_step);
    let plain = load(read_step - 1);
    check("reading.json", &reading, None);
    check("plain.json", &plain, None);
    let hex_field =
        |p: &serde_json::Value, f: &str| hex::decode(&p[f].as_str().unwrap()[2..]).unwrap();
    let with = |p: &serde_json::Value, f: &str, v: serde_json::Value| {
        let mut p = p.clone();
        p[f] = v;
        p
    };
    // The step number.
    check(
        "step.json",
        &with(&reading, "step", (read_step + 1).into()),
        Some("is at step"),
    );
    // The offset read.
    check(
        "offset.json",
        &with(&reading, "oracle-offset", 8.into()),
        Some("oracle-offset is 8"),
    );
    // The length prefix.
    let mut v = hex_field(&reading, "oracle-value");
    v[7] ^= 1;
    check(
        "prefix.json",
        &with(
            &reading,
            "oracle-value",
            format!("0x{}", hex::encode(&v)).into(),
        ),
        Some("length prefix"),
    );
    // Trailing proof bytes, a whole slot or one byte.
    for (name, extra) in [("slot.json", 1920), ("byte.json", 1)] {
        let mut p = hex_field(&reading, "proof-data");
        p.extend(std::iter::repeat_n(0u8, extra));
        check(
            name,
            &with(
                &reading,
                "proof-data",
                format!("0x{}", hex::encode(&p)).into(),
            ),
            Some("bytes past them"),
        );
    }
    // A preimage on a step that reads none.
    let mut extra = plain.clone();
    extra["oracle-key"] = reading["oracle-key"].clone();
    extra["oracle-value"] = reading["oracle-value"].clone();
    check("extra.json", &extra, Some("the step reads none"));
}

/// Smaller finding: the VM kills the server's whole process group, so a server started through
/// a shell leaves no grandchild behind.
#[test]
fn the_servers_grandchildren_are_killed_too() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (key, value) = preimage_setup(d);
    let script =
        format!("sleep 300 </dev/null >/dev/null 2>&1 & echo $! > grandchild.pid; exec python3 server.py {key} {value}");
    ok(&verdict(
        d,
        &[
            "vm", "run", "--input", "s.json", "--output", "o.json", "--", "sh", "-c", &script,
        ],
    ));
    let pid = std::fs::read_to_string(d.join("grandchild.pid")).unwrap();
    let stat = format!("/proc/{}/stat", pid.trim());
    let gone = (0..200).any(|_| {
        let alive = std::fs::read_to_string(&stat)
            .map(|s| !s.contains(") Z "))
            .unwrap_or(false);
        if alive {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        !alive
    });
    assert!(gone, "the server's child (pid {}) still runs", pid.trim());
}

/// `verdict ARGS` in `d` as a user who cannot write the store: as root (who can write anything),
/// run as `nobody` with setpriv; otherwise the store is made read-only.
fn verdict_without_write_access(d: &Path, store: &Path, args: &[&str]) -> Output {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m));
    // The owner of a file we just made is who we are.
    let root = {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(store.join("preimages.redb"))
            .unwrap()
            .uid()
            == 0
    };
    if !root {
        mode(&store.join("preimages.redb"), 0o444).unwrap();
        mode(store, 0o555).unwrap();
        let out = verdict(d, args);
        mode(store, 0o755).unwrap();
        return out;
    }
    mode(d, 0o755).unwrap();
    std::fs::create_dir_all(d.join("out")).unwrap();
    mode(&d.join("out"), 0o777).unwrap();
    Command::new("setpriv")
        .current_dir(d)
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(env!("CARGO_BIN_EXE_verdict"))
        .args(args)
        .output()
        .expect("setpriv runs (util-linux)")
}

/// Smaller findings: a store is served read-only (so from a read-only place, and by several
/// hosts at once), and preimages from --preimages or --fixture are served over it from memory,
/// never written into it.
#[test]
fn the_store_is_served_read_only_and_shared() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (key, value) = preimage_setup(d);
    std::fs::write(
        d.join("pre.json"),
        format!("{{\"0x{key}\": \"0x{value}\"}}"),
    )
    .unwrap();
    ok(&verdict(
        d,
        &["host", "import", "--data-dir", "store", "pre.json"],
    ));
    let db = d.join("store/preimages.redb");
    let before = std::fs::read(&db).unwrap();
    let me = env!("CARGO_BIN_EXE_verdict");
    let run = |output: &str| -> Vec<String> {
        [
            "vm",
            "run",
            "--input",
            "s.json",
            "--output",
            output,
            "--",
            me,
            "host",
            "--server",
            "--data-dir",
            "store",
        ]
        .map(String::from)
        .to_vec()
    };
    // Served by a user who cannot write it.
    let args = run("out/o.json");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(&verdict_without_write_access(d, &d.join("store"), &args));
    assert_eq!(witness(d, "out/o.json")["exitCode"], b'Z');
    // Served twice at once: a host holds the store open while another run is served from it.
    let mut holder = Command::new(me)
        .current_dir(d)
        .args(["host", "--data-dir", "store", "--", "sleep", "3"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    let args = run("o2.json");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(&verdict(d, &args));
    assert!(holder.wait().unwrap().success(), "the holding host ran");
    // --preimages over a store that lacks the preimage: served from memory, the store untouched.
    std::fs::create_dir(d.join("empty-src")).unwrap();
    std::fs::write(d.join("none.json"), "{}").unwrap();
    ok(&verdict(
        d,
        &["host", "import", "--data-dir", "other", "none.json"],
    ));
    let other = std::fs::read(d.join("other/preimages.redb")).unwrap();
    ok(&verdict(
        d,
        &[
            "vm",
            "run",
            "--input",
            "s.json",
            "--output",
            "o3.json",
            "--",
            me,
            "host",
            "--server",
            "--data-dir",
            "other",
            "--preimages",
            "pre.json",
        ],
    ));
    assert!(std::fs::read(d.join("other/preimages.redb")).unwrap() == other);
    // --fixture with --data-dir: the fixture is not written into the store.
    let fixtures = match std::env::var_os("VERDICT_FIXTURES") {
        Some(dir) => std::path::PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures"),
    };
    if let Some(fixture) = needed(
        fixtures.join("op-sepolia-blocks/block-26207960"),
        "the shared fixtures (../shared/fixtures)",
    ) {
        ok(&verdict(
            d,
            &[
                "host",
                "--data-dir",
                "other",
                "--fixture",
                fixture.to_str().unwrap(),
                "--",
                "true",
            ],
        ));
        assert!(std::fs::read(d.join("other/preimages.redb")).unwrap() == other);
    }
    assert!(
        std::fs::read(&db).unwrap() == before,
        "the store is never written"
    );
}

/// Smaller finding: `host import a b` is all or nothing for the whole call.
#[test]
fn an_import_of_several_files_is_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    store_with_one_preimage(d);
    let db = d.join("store/preimages.redb");
    let before = std::fs::read(&db).unwrap();
    let value = b"fine";
    let key = hex::encode(verdict_preimage::keccak256(value));
    std::fs::write(
        d.join("good.json"),
        format!("{{\"0x{key}\": \"0x{}\"}}", hex::encode(value)),
    )
    .unwrap();
    std::fs::write(
        d.join("bad.json"),
        format!("{{\"0x{key}\": \"0x{}\"}}", hex::encode(b"other")),
    )
    .unwrap();
    let out = verdict(
        d,
        &[
            "host",
            "import",
            "--data-dir",
            "store",
            "good.json",
            "bad.json",
        ],
    );
    fails(&out, &["bad.json", "does not match"]);
    assert!(std::fs::read(&db).unwrap() == before, "nothing imported");
    let out = verdict(
        d,
        &[
            "host",
            "import",
            "--data-dir",
            "fresh",
            "good.json",
            "bad.json",
        ],
    );
    fails(&out, "bad.json");
    assert!(!d.join("fresh").exists(), "no store created for nothing");
}
