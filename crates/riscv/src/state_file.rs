//! RISC-V states in the reference's file formats: binary (`.bin`, `.bin.gz`) and JSON (`.json`,
//! `.json.gz`), always written atomically (the shared file I/O of `verdict-fpvm`).

use crate::state::{state_hash, State, WITNESS_SIZE};
use serde::Serialize;
use std::io::Write;
use std::path::Path;
use verdict_fpvm::files::{corrupt, is_binary_path, open_maybe_gz, write_atomic_with, Reader};
use verdict_fpvm::hash::Hash;
use verdict_fpvm::memory::PAGE_SIZE;
use verdict_fpvm::serde_hex::{base64_bytes, hex_bytes, hex_hash};

pub use verdict_fpvm::files::FileError;

/// Serializes a state in the binary format: pages, fields, last hint, witness and state hash.
pub fn encode_binary(state: &mut State) -> Vec<u8> {
    let mut out = Vec::with_capacity(
        8 + state.memory.page_count() * (8 + PAGE_SIZE) + 512 + state.last_hint.len(),
    );
    write_binary(state, &mut out).expect("writing to a Vec cannot fail");
    out
}

/// Writes a state in the binary format (as [`encode_binary`] returns it) to `w`, page by page.
pub fn write_binary(state: &mut State, w: &mut dyn Write) -> std::io::Result<()> {
    let witness = state.witness();
    let pages = state.memory.pages_sorted();
    w.write_all(&(pages.len() as u64).to_be_bytes())?;
    for (index, data) in pages {
        w.write_all(&index.to_be_bytes())?;
        w.write_all(data)?;
    }
    // The fields after memory are the witness fields after the memory root.
    w.write_all(&witness[32..])?;
    // Byte strings are prefixed with their length as a u32, as the reference's `WriteBytes`.
    let hint_len = u32::try_from(state.last_hint.len()).map_err(|_| {
        std::io::Error::other(format!("a {}-byte partial hint", state.last_hint.len()))
    })?;
    w.write_all(&hint_len.to_be_bytes())?;
    w.write_all(&state.last_hint)?;
    w.write_all(&(WITNESS_SIZE as u32).to_be_bytes())?;
    w.write_all(&witness)?;
    w.write_all(&state_hash(&witness))
}

pub use verdict_fpvm::state_pages::ReadLimit;
use verdict_fpvm::state_pages::{JsonPages, PageList, PAGE_INDEX_LIMIT};

fn corrupt_state(path: &Path, reason: impl std::fmt::Display) -> FileError {
    corrupt(path, format!("corrupt state file: {reason}"))
}

/// A page index a state may hold.
fn check_page_index(index: u64, path: &Path) -> Result<(), FileError> {
    if index >= PAGE_INDEX_LIMIT {
        return Err(corrupt_state(
            path,
            format!("page index {index:#x} is outside the 64-bit address space"),
        ));
    }
    Ok(())
}

/// Parses the binary state format from `bytes`.
pub fn decode_binary(bytes: &[u8], path: &Path) -> Result<State, FileError> {
    decode_binary_from(bytes, path, ReadLimit::none())
}

/// Parses the binary state format as it streams from `input`.
pub fn decode_binary_from(
    input: impl std::io::Read,
    path: &Path,
    limit: ReadLimit,
) -> Result<State, FileError> {
    let mut r = Reader::new(input, path);
    let mut state = State::default();
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
    state.pc = r.u64("the pc")?;
    state.exit_code = r.u8("the exit code")?;
    state.exited = match r.u8("the exited flag")? {
        0 => false,
        1 => true,
        v => {
            return Err(corrupt_state(
                path,
                format!("exited flag is {v}, not 0 or 1"),
            ))
        }
    };
    state.step = r.u64("the step")?;
    state.heap = r.u64("the heap")?;
    state.load_reservation = r.u64("the load reservation")?;
    for i in 0..32 {
        state.regs[i] = r.u64("the registers")?;
    }
    let hint_len = r.u32("the last hint length")?;
    state.last_hint = r.take(hint_len.into(), "the last hint")?;
    let witness_len = r.u32("the witness length")?;
    let witness = r.take(witness_len.into(), "the witness")?;
    let hash: Hash = r.array("the state hash")?;
    r.finish("the state hash")?;
    check_stored_witness(&mut state, &witness, Some(hash), path)?;
    Ok(state)
}

/// The integrity check a state file allows: a stored witness (the reference stores one with
/// every state it runs) must be the state's own, and a stored hash its hash. Memory pages carry
/// no other check in the reference's formats: a page changed together with the stored witness
/// and hash cannot be told from a genuine state.
fn check_stored_witness(
    state: &mut State,
    witness: &[u8],
    hash: Option<Hash>,
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
                Some(h) if h != [0; 32] && h != state_hash(&ours) => Err(corrupt_state(
                    path,
                    "the stored state hash is not the hash of the stored witness",
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

/// The JSON state, field for field as the reference writes it.
#[derive(Serialize)]
struct JsonState<'a> {
    memory: JsonPages<'a>,
    #[serde(rename = "preimageKey", with = "hex_hash")]
    preimage_key: Hash,
    #[serde(rename = "preimageOffset")]
    preimage_offset: u64,
    pc: u64,
    exit: u8,
    exited: bool,
    step: u64,
    heap: u64,
    #[serde(rename = "loadReservation")]
    load_reservation: u64,
    registers: [u64; 32],
    #[serde(
        rename = "lastHint",
        with = "hex_bytes",
        skip_serializing_if = "<[u8]>::is_empty"
    )]
    last_hint: &'a [u8],
    #[serde(with = "base64_bytes")]
    witness: &'a [u8],
    #[serde(rename = "stateHash", with = "hex_hash")]
    state_hash: Hash,
}

/// Writes a state as indented JSON (as the reference does), page by page.
pub fn write_json(state: &mut State, w: &mut dyn Write) -> std::io::Result<()> {
    let witness = state.witness();
    let json = JsonState {
        memory: JsonPages(&state.memory),
        preimage_key: state.preimage_key,
        preimage_offset: state.preimage_offset,
        pc: state.pc,
        exit: state.exit_code,
        exited: state.exited,
        step: state.step,
        heap: state.heap,
        load_reservation: state.load_reservation,
        registers: state.regs,
        last_hint: &state.last_hint,
        witness: &witness,
        state_hash: state_hash(&witness),
    };
    serde_json::to_writer_pretty(&mut *w, &json)?;
    w.write_all(b"\n")
}

/// Serializes a state as JSON.
pub fn encode_json(state: &mut State) -> Vec<u8> {
    let mut out = Vec::new();
    write_json(state, &mut out).expect("writing to a Vec cannot fail");
    out
}

/// Parses a JSON state from `bytes`.
pub fn decode_json(bytes: &[u8], path: &Path) -> Result<State, FileError> {
    decode_json_from(bytes, path, ReadLimit::none())
}

/// Parses a JSON state as it streams from `input`, each page put into memory as it is read.
pub fn decode_json_from(
    input: impl std::io::Read,
    path: &Path,
    limit: ReadLimit,
) -> Result<State, FileError> {
    use serde::de::DeserializeSeed;
    let mut de = serde_json::Deserializer::from_reader(input);
    let parsed = json_seed::StateSeed { limit }
        .deserialize(&mut de)
        .and_then(|parsed| de.end().map(|()| parsed))
        .map_err(|e| corrupt_state(path, format!("bad JSON state: {e}")))?;
    let (mut state, witness, hash) = parsed;
    for &index in state.memory.pages_sorted().iter().map(|(i, _)| i) {
        check_page_index(index, path)?;
    }
    check_stored_witness(&mut state, &witness, hash, path)?;
    Ok(state)
}

/// Reading the JSON state field by field, its pages straight into memory.
mod json_seed {
    use super::{PageList, ReadLimit, State};
    use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
    use serde::Deserialize;
    use std::fmt;
    use verdict_fpvm::hash::Hash;
    use verdict_fpvm::serde_hex::{base64_bytes, hex_bytes, hex_hash};

    /// The state, its stored witness (empty if none) and its stored hash (if any).
    pub type Parsed = (State, Vec<u8>, Option<Hash>);

    pub struct StateSeed {
        pub limit: ReadLimit,
    }

    #[derive(Deserialize)]
    struct HexHash(#[serde(with = "hex_hash")] Hash);
    #[derive(Deserialize)]
    struct HexBytes(#[serde(with = "hex_bytes")] Vec<u8>);
    #[derive(Deserialize)]
    struct Base64(#[serde(with = "base64_bytes")] Vec<u8>);

    impl<'de> DeserializeSeed<'de> for StateSeed {
        type Value = Parsed;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Parsed, D::Error> {
            d.deserialize_map(self)
        }
    }

    impl<'de> Visitor<'de> for StateSeed {
        type Value = Parsed;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a state object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Parsed, A::Error> {
            let mut state = State::default();
            let (mut witness, mut hash) = (Vec::new(), None);
            // The fields the state must have, in the order of the reference's struct.
            let required = [
                "memory",
                "preimageKey",
                "preimageOffset",
                "pc",
                "exit",
                "exited",
                "step",
                "heap",
                "loadReservation",
                "registers",
            ];
            let mut seen = [false; 10];
            while let Some(key) = map.next_key::<String>()? {
                if let Some(i) = required.iter().position(|r| *r == key) {
                    if seen[i] {
                        return Err(de::Error::duplicate_field(required[i]));
                    }
                    seen[i] = true;
                }
                match key.as_str() {
                    "memory" => map.next_value_seed(PageList {
                        memory: &mut state.memory,
                        limit: self.limit,
                    })?,
                    "preimageKey" => state.preimage_key = map.next_value::<HexHash>()?.0,
                    "preimageOffset" => state.preimage_offset = map.next_value()?,
                    "pc" => state.pc = map.next_value()?,
                    "exit" => state.exit_code = map.next_value()?,
                    "exited" => state.exited = map.next_value()?,
                    "step" => state.step = map.next_value()?,
                    "heap" => state.heap = map.next_value()?,
                    "loadReservation" => state.load_reservation = map.next_value()?,
                    "registers" => state.regs = map.next_value()?,
                    "lastHint" => state.last_hint = map.next_value::<HexBytes>()?.0,
                    "witness" => witness = map.next_value::<Base64>()?.0,
                    "stateHash" => hash = Some(map.next_value::<HexHash>()?.0),
                    other => {
                        return Err(de::Error::unknown_field(
                            other,
                            &[
                                "memory",
                                "preimageKey",
                                "preimageOffset",
                                "pc",
                                "exit",
                                "exited",
                                "step",
                                "heap",
                                "loadReservation",
                                "registers",
                                "lastHint",
                                "witness",
                                "stateHash",
                            ],
                        ))
                    }
                }
            }
            if let Some(i) = seen.iter().position(|s| !s) {
                return Err(de::Error::missing_field(required[i]));
            }
            Ok((state, witness, hash))
        }
    }
}

/// Reads a state file in any of the reference's formats (chosen by name; gzip detected by
/// content), streaming, with the default memory limit.
pub fn read_state(path: &Path) -> Result<State, FileError> {
    read_state_limited(path, ReadLimit::default())
}

/// Reads a state file, refusing one that holds more memory than `limit`.
pub fn read_state_limited(path: &Path, limit: ReadLimit) -> Result<State, FileError> {
    let input = open_maybe_gz(path)?;
    if is_binary_path(path) {
        decode_binary_from(input, path, limit)
    } else {
        decode_json_from(input, path, limit)
    }
}

/// Writes a state file atomically in the format its name asks for, page by page.
pub fn write_state(path: &Path, state: &mut State) -> Result<(), FileError> {
    if is_binary_path(path) {
        write_atomic_with(path, |w| write_binary(state, w))
    } else {
        write_atomic_with(path, |w| write_json(state, w))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_state() -> State {
        let mut s = State::default();
        s.memory.write(0x1000, b"hello world");
        s.memory.write(0x7f00_0000_0ff0, &[7; 64]);
        s.pc = 0x1234;
        s.step = 99;
        s.regs[5] = u64::MAX;
        s.preimage_key[0] = 2;
        s.last_hint = vec![0, 0, 0, 9, 1, 2];
        s
    }

    /// The binary layout as the reference (Asterisc's `VMState.Serialize`) writes it, built field
    /// by field here: memory (u64 page count, then u64 index and 4096 bytes per page, in the
    /// order given), the fields, then `WriteBytes` of the last hint and the witness (a u32
    /// big-endian length, then the bytes), then the state hash.
    fn reference_layout(s: &mut State, page_order: &[u64]) -> Vec<u8> {
        let witness = s.witness();
        let mut out = (page_order.len() as u64).to_be_bytes().to_vec();
        for &index in page_order {
            out.extend_from_slice(&index.to_be_bytes());
            out.extend_from_slice(s.memory.page_data(index).unwrap());
        }
        out.extend_from_slice(&s.preimage_key);
        out.extend_from_slice(&s.preimage_offset.to_be_bytes());
        out.extend_from_slice(&s.pc.to_be_bytes());
        out.push(s.exit_code);
        out.push(s.exited as u8);
        out.extend_from_slice(&s.step.to_be_bytes());
        out.extend_from_slice(&s.heap.to_be_bytes());
        out.extend_from_slice(&s.load_reservation.to_be_bytes());
        for r in s.regs {
            out.extend_from_slice(&r.to_be_bytes());
        }
        out.extend_from_slice(&(s.last_hint.len() as u32).to_be_bytes());
        out.extend_from_slice(&s.last_hint);
        out.extend_from_slice(&(witness.len() as u32).to_be_bytes());
        out.extend_from_slice(&witness);
        out.extend_from_slice(&state_hash(&witness));
        out
    }

    #[test]
    fn binary_states_are_the_references_layout_both_ways() {
        let mut s = sample_state();
        let pages: Vec<u64> = s.memory.pages_sorted().iter().map(|(i, _)| *i).collect();
        // What we write is what the reference writes (pages sorted).
        assert_eq!(encode_binary(&mut s), reference_layout(&mut s, &pages));
        // What the reference writes (pages in any order, a partial hint) we read.
        let reversed: Vec<u64> = pages.iter().rev().copied().collect();
        let bytes = reference_layout(&mut s, &reversed);
        let mut back = decode_binary(&bytes, Path::new("ref.bin")).unwrap();
        assert_eq!(back.state_hash(), s.state_hash());
        assert_eq!(back.last_hint, s.last_hint);
        // A u64 length (the old, wrong layout) does not pass for a u32 one.
        let mut wrong = bytes.clone();
        let hint_at = bytes.len() - 32 - WITNESS_SIZE - 4 - s.last_hint.len() - 4;
        wrong.splice(hint_at..hint_at, [0u8; 4]);
        assert!(decode_binary(&wrong, Path::new("old.bin")).is_err());
    }

    #[test]
    fn binary_and_json_round_trip_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["s.bin", "s.bin.gz", "s.json", "s.json.gz"] {
            let path = dir.path().join(name);
            let mut s = sample_state();
            write_state(&path, &mut s).unwrap();
            let mut back = read_state(&path).unwrap();
            assert_eq!(back.state_hash(), s.state_hash(), "{name}");
            assert_eq!(back.last_hint, s.last_hint);
            let first = verdict_fpvm::files::read_maybe_gz(&path, 1 << 30).unwrap();
            let again = dir.path().join(format!("again-{name}"));
            write_state(&again, &mut back).unwrap();
            assert_eq!(
                verdict_fpvm::files::read_maybe_gz(&again, 1 << 30).unwrap(),
                first,
                "{name}"
            );
        }
    }

    #[test]
    fn truncated_and_corrupt_files_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.bin");
        let mut s = sample_state();
        let bytes = encode_binary(&mut s);
        for cut in [0, 5, 8 + 3, 8 + 8 + 4096 + 8 + 4096 + 10, bytes.len() - 1] {
            std::fs::write(&path, &bytes[..cut]).unwrap();
            let err = read_state(&path).unwrap_err().to_string();
            assert!(err.contains("truncated"), "{cut}: {err}");
        }
        let json = dir.path().join("s.json");
        std::fs::write(&json, b"{\"memory\": 7}").unwrap();
        assert!(read_state(&json)
            .unwrap_err()
            .to_string()
            .contains("corrupt"));
        let gz = dir.path().join("s.json.gz");
        std::fs::write(&gz, [0x1f, 0x8b, 1, 2, 3]).unwrap();
        assert!(read_state(&gz).unwrap_err().to_string().contains("gzip"));
    }
}
