//! MIPS64 states in files (§12): Cannon's binary format (`.bin`, `.bin.gz`), byte for byte, and a
//! JSON form of Verdict's own (`.json`, `.json.gz`; Cannon has no JSON for these states). Written
//! atomically (`verdict-fpvm`'s file I/O), read as they stream, bounded by a memory limit.

use crate::state::{state_hash, State};
use crate::thread::Thread;
use std::io::{Read, Write};
use std::path::Path;
use verdict_fpvm::files::{corrupt, is_binary_path, open_maybe_gz, write_atomic_with, Reader};
use verdict_fpvm::memory::PAGE_SIZE;
use verdict_mips64_consts::{version_name, THREAD_SIZE, WITNESS_SIZE};

pub use verdict_fpvm::files::FileError;

mod json;

pub use json::{read_json_from, write_json};

/// Most threads a state file may hold (each is 298 bytes; Go programs run a few dozen).
pub const MAX_THREADS: u64 = 1 << 20;

pub use verdict_fpvm::state_pages::ReadLimit;
use verdict_fpvm::state_pages::PAGE_INDEX_LIMIT;

pub(crate) fn corrupt_state(path: &Path, reason: impl std::fmt::Display) -> FileError {
    corrupt(path, format!("corrupt MIPS64 state file: {reason}"))
}

/// A page index a state may hold.
pub(crate) fn check_page_index(index: u64, path: &Path) -> Result<(), FileError> {
    if index >= PAGE_INDEX_LIMIT {
        return Err(corrupt_state(
            path,
            format!("page index {index:#x} is outside the 64-bit address space"),
        ));
    }
    Ok(())
}

/// The state version a file starts with, checked.
pub(crate) fn check_version(version: u64, path: &Path) -> Result<u8, FileError> {
    match u8::try_from(version).ok().filter(|v| version_name(*v).is_some()) {
        Some(v) => Ok(v),
        None => Err(corrupt_state(
            path,
            format!(
                "state version {version} is not supported (7 multithreaded64-4, 8 multithreaded64-5)"
            ),
        )),
    }
}

/// Writes a state in Cannon's binary format to `w`.
pub fn write_binary(state: &State, w: &mut dyn Write) -> std::io::Result<()> {
    w.write_all(&[state.version])?;
    let pages = state.memory.pages_sorted();
    w.write_all(&(pages.len() as u64).to_be_bytes())?;
    for (index, data) in pages {
        w.write_all(&index.to_be_bytes())?;
        w.write_all(data)?;
    }
    w.write_all(&state.preimage_key)?;
    w.write_all(&state.preimage_offset.to_be_bytes())?;
    w.write_all(&state.heap.to_be_bytes())?;
    w.write_all(&[state.ll_status])?;
    w.write_all(&state.ll_address.to_be_bytes())?;
    w.write_all(&state.ll_owner.to_be_bytes())?;
    w.write_all(&[state.exit_code, state.exited as u8])?;
    w.write_all(&state.step.to_be_bytes())?;
    w.write_all(&state.steps_since_switch.to_be_bytes())?;
    w.write_all(&[state.traverse_right as u8])?;
    w.write_all(&state.next_thread_id.to_be_bytes())?;
    for stack in [&state.left, &state.right] {
        w.write_all(&(stack.len() as u64).to_be_bytes())?;
        for t in stack.iter() {
            w.write_all(&t.encode())?;
        }
    }
    let hint_len = u32::try_from(state.last_hint.len()).map_err(|_| {
        std::io::Error::other(format!("a {}-byte partial hint", state.last_hint.len()))
    })?;
    w.write_all(&hint_len.to_be_bytes())?;
    w.write_all(&state.last_hint)
}

/// Serializes a state in the binary format.
pub fn encode_binary(state: &State) -> Vec<u8> {
    let mut out = Vec::new();
    write_binary(state, &mut out).expect("writing to a Vec cannot fail");
    out
}

fn bool_field(v: u8, what: &str, path: &Path) -> Result<bool, FileError> {
    match v {
        0 => Ok(false),
        1 => Ok(true),
        v => Err(corrupt_state(path, format!("{what} is {v}, not 0 or 1"))),
    }
}

/// Parses the binary format as it streams from `input`.
pub fn read_binary_from(
    input: impl Read,
    path: &Path,
    limit: ReadLimit,
) -> Result<State, FileError> {
    let mut r = Reader::new(input, path);
    let mut state = State::new(0);
    state.version = check_version(r.u8("the state version")?.into(), path)?;
    let pages = r.u64("the page count")?;
    if let Some(reason) = limit.refusal(pages) {
        return Err(corrupt_state(path, reason));
    }
    let mut data = [0u8; PAGE_SIZE];
    for i in 0..pages {
        let index = r.u64(&format!("page {i} of {pages}"))?;
        check_page_index(index, path)?;
        if state.memory.has_page(index) {
            return Err(corrupt_state(
                path,
                format!("page {index:#x} appears twice"),
            ));
        }
        r.fill(&mut data, &format!("page {i} of {pages}"))?;
        state.memory.set_page(index, &data);
    }
    state.preimage_key = r.array("the preimage key")?;
    state.preimage_offset = r.u64("the preimage offset")?;
    state.heap = r.u64("the heap")?;
    state.ll_status = r.u8("the LL reservation status")?;
    state.ll_address = r.u64("the LL address")?;
    state.ll_owner = r.u64("the LL owner thread")?;
    state.exit_code = r.u8("the exit code")?;
    state.exited = bool_field(r.u8("the exited flag")?, "the exited flag", path)?;
    state.step = r.u64("the step")?;
    state.steps_since_switch = r.u64("the steps since the last context switch")?;
    state.traverse_right = bool_field(
        r.u8("the traverse-right flag")?,
        "the traverse-right flag",
        path,
    )?;
    state.next_thread_id = r.u64("the next thread id")?;
    for (side, name) in [(0, "left"), (1, "right")] {
        let count = r.u64(&format!("the {name} thread count"))?;
        if count > MAX_THREADS {
            return Err(corrupt_state(
                path,
                format!("{count} threads on the {name} stack, more than {MAX_THREADS}"),
            ));
        }
        let mut stack = Vec::new();
        for i in 0..count {
            let what = format!("thread {i} of the {name} stack");
            let bytes: [u8; THREAD_SIZE] = r.array(&what)?;
            stack.push(
                Thread::decode(&bytes).map_err(|e| corrupt_state(path, format!("{what}: {e}")))?,
            );
        }
        if side == 0 {
            state.left = stack;
        } else {
            state.right = stack;
        }
    }
    let hint_len = r.u32("the last hint length")?;
    state.last_hint = r.take(hint_len.into(), "the last hint")?;
    r.finish("the last hint")?;
    Ok(state)
}

/// Parses the binary format from `bytes`.
pub fn decode_binary(bytes: &[u8], path: &Path) -> Result<State, FileError> {
    read_binary_from(bytes, path, ReadLimit::none())
}

/// Whether the first bytes of a (decompressed) state file are a MIPS64 state: a binary state
/// starts with its version byte (7 or 8; a RISC-V state starts with a u64 page count, so with a
/// 0 byte), a JSON one with the `stateVersion` key.
pub fn looks_like_mips64(head: &[u8]) -> bool {
    match head.first() {
        Some(&v) if version_name(v).is_some() => true,
        Some(b'{') => {
            let text = String::from_utf8_lossy(&head[..head.len().min(64)]);
            text[1..].trim_start().starts_with("\"stateVersion\"")
        }
        _ => false,
    }
}

/// Reads a state file (format by name; gzip detected by content), streaming, with the default
/// memory limit.
pub fn read_state(path: &Path) -> Result<State, FileError> {
    read_state_limited(path, ReadLimit::default())
}

/// Reads a state file, refusing one that holds more memory than `limit`.
pub fn read_state_limited(path: &Path, limit: ReadLimit) -> Result<State, FileError> {
    let input = open_maybe_gz(path)?;
    if is_binary_path(path) {
        read_binary_from(input, path, limit)
    } else {
        read_json_from(input, path, limit)
    }
}

/// Writes a state file atomically in the format its name asks for.
pub fn write_state(path: &Path, state: &mut State) -> Result<(), FileError> {
    if is_binary_path(path) {
        write_atomic_with(path, |w| write_binary(state, w))
    } else {
        let witness = state.witness();
        write_atomic_with(path, |w| write_json(state, &witness, w))
    }
}

/// The witness and state hash a JSON file stores, checked against the state's own.
pub(crate) fn check_stored_witness(
    state: &mut State,
    witness: &[u8],
    hash: Option<[u8; 32]>,
    path: &Path,
) -> Result<(), FileError> {
    match witness.len() {
        0 => Ok(()),
        WITNESS_SIZE => {
            let ours = state.witness();
            if witness != ours {
                return Err(corrupt_state(
                    path,
                    "the stored witness disagrees with the state's contents (a changed byte?)",
                ));
            }
            match hash {
                Some(h) if h != state_hash(&ours) => Err(corrupt_state(
                    path,
                    "the stored state hash disagrees with the stored witness",
                )),
                _ => Ok(()),
            }
        }
        n => Err(corrupt_state(
            path,
            format!("the stored witness has {n} bytes, not {WITNESS_SIZE}"),
        )),
    }
}

#[cfg(test)]
mod tests;
