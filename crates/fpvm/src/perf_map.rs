//! Names for JIT-translated code in profiles: with `VERDICT_PERF_MAP=1` in the environment, each
//! translation appends one line per guest instruction to `/tmp/perf-<pid>.map` (the file `perf`
//! reads for code it finds no symbols for), so `perf report` shows time per guest instruction.
//! Off by default: the lines cost a write per translated page.

use std::io::Write;
use std::sync::{Mutex, OnceLock};

/// The open map file, if the environment asks for one and it could be opened.
fn map_file() -> Option<&'static Mutex<std::fs::File>> {
    static FILE: OnceLock<Option<Mutex<std::fs::File>>> = OnceLock::new();
    FILE.get_or_init(|| {
        if std::env::var("VERDICT_PERF_MAP").as_deref() != Ok("1") {
            return None;
        }
        let path = format!("/tmp/perf-{}.map", std::process::id());
        match std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
        {
            Ok(file) => Some(Mutex::new(file)),
            Err(e) => {
                eprintln!("VERDICT_PERF_MAP: cannot open {path}: {e}");
                None
            }
        }
    })
    .as_ref()
}

/// Whether translations should be named (`VERDICT_PERF_MAP=1`).
pub fn enabled() -> bool {
    map_file().is_some()
}

/// Names the translated code of one page: `starts` holds (host address, guest pc) of each
/// translated instruction, in any order; each one's code runs to the next one's start (the last
/// one's to `end`). The name is `<isa> <pc in hex>`.
pub fn record(isa: &str, starts: &mut [(usize, u64)], end: usize) {
    let Some(file) = map_file() else {
        return;
    };
    starts.sort_unstable();
    let mut text = String::new();
    for (i, &(start, pc)) in starts.iter().enumerate() {
        let next = starts.get(i + 1).map_or(end, |s| s.0);
        if next > start {
            text.push_str(&format!("{start:x} {:x} {isa} {pc:#x}\n", next - start));
        }
    }
    if let Ok(mut f) = file.lock() {
        // A profile with a missing name is still a profile: a failed write is not an error.
        let _ = f.write_all(text.as_bytes());
    }
}
