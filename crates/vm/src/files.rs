//! State and proof files in the reference's formats: binary (`.bin`, `.bin.gz`) and JSON (`.json`,
//! `.json.gz`), always written atomically (temporary file, then rename).

use crate::hash::Hash;
use crate::memory::PAGE_SIZE;
use crate::state::{state_hash, State, WITNESS_SIZE};
use crate::vm::StepWitness;
use flate2::read::MultiGzDecoder;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::path::Path;

/// Why a state or proof file cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// File system error.
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// The binary state ends early.
    #[error("{path}: truncated state file: {what} is cut off")]
    Truncated { path: String, what: String },
    /// The file is not valid for its format.
    #[error("{path}: corrupt state file: {reason}")]
    Corrupt { path: String, reason: String },
}

/// Whether `path` names the binary state format.
pub fn is_binary_path(path: &Path) -> bool {
    let s = path.to_string_lossy();
    s.ends_with(".bin") || s.ends_with(".bin.gz")
}

fn io_err(path: &Path, source: std::io::Error) -> FileError {
    FileError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Writes `bytes` to `path` atomically, gzip-compressed if the name ends in `.gz`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Writes what `fill` writes to `path` atomically (a temporary file beside it, synced, then renamed
/// over it), gzip-compressed on all cores if the name ends in `.gz`.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), FileError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let file = std::fs::File::create(&tmp)?;
        let mut w = std::io::BufWriter::new(file);
        if path.to_string_lossy().ends_with(".gz") {
            let mut gz = crate::gzip::ParallelGzWriter::new(&mut w);
            fill(&mut gz)?;
            gz.finish()?;
        } else {
            fill(&mut w)?;
        }
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|e| io_err(path, e))
}

/// Reads a file, decompressing it if it is gzip (by its magic bytes).
pub fn read_maybe_gz(path: &Path) -> Result<Vec<u8>, FileError> {
    let raw = std::fs::read(path).map_err(|e| io_err(path, e))?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        // Every member: files we write in parallel are several gzip members one after another.
        MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|e| FileError::Corrupt {
                path: path.display().to_string(),
                reason: format!("bad gzip data: {e}"),
            })?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

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
    w.write_all(&(state.last_hint.len() as u64).to_be_bytes())?;
    w.write_all(&state.last_hint)?;
    w.write_all(&(WITNESS_SIZE as u64).to_be_bytes())?;
    w.write_all(&witness)?;
    w.write_all(&state_hash(&witness))
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    path: &'a Path,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: u64, what: &str) -> Result<&'a [u8], FileError> {
        if n > (self.bytes.len() - self.at) as u64 {
            return Err(FileError::Truncated {
                path: self.path.display().to_string(),
                what: what.to_string(),
            });
        }
        let s = &self.bytes[self.at..self.at + n as usize];
        self.at += n as usize;
        Ok(s)
    }
    fn u64(&mut self, what: &str) -> Result<u64, FileError> {
        Ok(u64::from_be_bytes(self.take(8, what)?.try_into().unwrap()))
    }
    fn u8(&mut self, what: &str) -> Result<u8, FileError> {
        Ok(self.take(1, what)?[0])
    }
}

fn corrupt(path: &Path, reason: impl Into<String>) -> FileError {
    FileError::Corrupt {
        path: path.display().to_string(),
        reason: reason.into(),
    }
}

/// Parses the binary state format.
pub fn decode_binary(bytes: &[u8], path: &Path) -> Result<State, FileError> {
    let mut r = Reader { bytes, at: 0, path };
    let mut state = State::default();
    let pages = r.u64("the page count")?;
    for i in 0..pages {
        let index = r.u64(&format!("page {i} of {pages}"))?;
        if index >= 1 << 52 {
            return Err(corrupt(
                path,
                format!("page index {index:#x} is outside the 64-bit address space"),
            ));
        }
        if state.memory.has_page(index) {
            return Err(corrupt(path, format!("page {index:#x} appears twice")));
        }
        let data: &[u8; PAGE_SIZE] = r
            .take(PAGE_SIZE as u64, &format!("page {i} of {pages}"))?
            .try_into()
            .unwrap();
        state.memory.set_page(index, data);
    }
    state.preimage_key = r.take(32, "the preimage key")?.try_into().unwrap();
    state.preimage_offset = r.u64("the preimage offset")?;
    state.pc = r.u64("the pc")?;
    state.exit_code = r.u8("the exit code")?;
    state.exited = match r.u8("the exited flag")? {
        0 => false,
        1 => true,
        v => return Err(corrupt(path, format!("exited flag is {v}, not 0 or 1"))),
    };
    state.step = r.u64("the step")?;
    state.heap = r.u64("the heap")?;
    state.load_reservation = r.u64("the load reservation")?;
    for i in 0..32 {
        state.regs[i] = r.u64("the registers")?;
    }
    let hint_len = r.u64("the last hint length")?;
    state.last_hint = r.take(hint_len, "the last hint")?.to_vec();
    let witness_len = r.u64("the witness length")?;
    r.take(witness_len, "the witness")?;
    r.take(32, "the state hash")?;
    if r.at != bytes.len() {
        return Err(corrupt(
            path,
            format!(
                "{} unexpected bytes after the state hash",
                bytes.len() - r.at
            ),
        ));
    }
    Ok(state)
}

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("0x{}", hex::encode(v)))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        hex::decode(s.strip_prefix("0x").unwrap_or(&s)).map_err(serde::de::Error::custom)
    }
}

mod hex_hash {
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        super::hex_bytes::serialize(v, s)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let v = super::hex_bytes::deserialize(d)?;
        v.try_into().map_err(|v: Vec<u8>| {
            serde::de::Error::custom(format!("expected 32 bytes, got {}", v.len()))
        })
    }
}

mod base64_bytes {
    use serde::{Deserialize, Deserializer, Serializer};
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    pub fn encode(v: &[u8]) -> String {
        let mut out = String::with_capacity(v.len().div_ceil(3) * 4);
        for chunk in v.chunks(3) {
            let n = (chunk[0] as u32) << 16
                | (*chunk.get(1).unwrap_or(&0) as u32) << 8
                | *chunk.get(2).unwrap_or(&0) as u32;
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }
    pub fn decode(s: &str) -> Result<Vec<u8>, String> {
        let s = s.trim_end_matches('=');
        let mut out = Vec::with_capacity(s.len() * 3 / 4);
        let (mut acc, mut bits) = (0u32, 0);
        for c in s.bytes() {
            let v = ALPHABET
                .iter()
                .position(|&a| a == c)
                .ok_or_else(|| format!("bad base64 character {:?}", c as char))?;
            acc = acc << 6 | v as u32;
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out.push((acc >> bits) as u8);
            }
        }
        Ok(out)
    }
    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&encode(v))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        decode(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

#[derive(Serialize, Deserialize)]
struct JsonPage {
    index: u64,
    #[serde(with = "page_hex")]
    data: Box<[u8; PAGE_SIZE]>,
}

mod page_hex {
    use super::PAGE_SIZE;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8; PAGE_SIZE], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(v))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Box<[u8; PAGE_SIZE]>, D::Error> {
        let s = <&str>::deserialize(d)?;
        if s.len() != PAGE_SIZE * 2 {
            return Err(serde::de::Error::custom(format!(
                "page data has {} hex characters, not {}",
                s.len(),
                PAGE_SIZE * 2
            )));
        }
        let mut out = Box::new([0u8; PAGE_SIZE]);
        hex::decode_to_slice(s, &mut out[..]).map_err(serde::de::Error::custom)?;
        Ok(out)
    }
}

/// The JSON state, field for field as the reference writes it.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonState {
    memory: Vec<JsonPage>,
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
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    last_hint: Vec<u8>,
    #[serde(with = "base64_bytes", default, skip_serializing_if = "Vec::is_empty")]
    witness: Vec<u8>,
    #[serde(rename = "stateHash", with = "hex_hash", default)]
    state_hash: Hash,
}

/// Serializes a state as JSON.
pub fn encode_json(state: &mut State) -> Vec<u8> {
    let witness = state.witness();
    let json = JsonState {
        memory: state
            .memory
            .pages_sorted()
            .into_iter()
            .map(|(index, data)| JsonPage {
                index,
                data: Box::new(*data),
            })
            .collect(),
        preimage_key: state.preimage_key,
        preimage_offset: state.preimage_offset,
        pc: state.pc,
        exit: state.exit_code,
        exited: state.exited,
        step: state.step,
        heap: state.heap,
        load_reservation: state.load_reservation,
        registers: state.regs,
        last_hint: state.last_hint.clone(),
        witness: witness.to_vec(),
        state_hash: state_hash(&witness),
    };
    let mut out = serde_json::to_vec(&json).expect("a state always serializes");
    out.push(b'\n');
    out
}

/// Parses a JSON state.
pub fn decode_json(bytes: &[u8], path: &Path) -> Result<State, FileError> {
    let json: JsonState =
        serde_json::from_slice(bytes).map_err(|e| corrupt(path, format!("bad JSON state: {e}")))?;
    let mut state = State::default();
    for page in &json.memory {
        if page.index >= 1 << 52 {
            return Err(corrupt(
                path,
                format!("page index {:#x} is outside the address space", page.index),
            ));
        }
        if state.memory.has_page(page.index) {
            return Err(corrupt(
                path,
                format!("page {:#x} appears twice", page.index),
            ));
        }
        state.memory.set_page(page.index, &page.data);
    }
    state.preimage_key = json.preimage_key;
    state.preimage_offset = json.preimage_offset;
    state.pc = json.pc;
    state.exit_code = json.exit;
    state.exited = json.exited;
    state.step = json.step;
    state.heap = json.heap;
    state.load_reservation = json.load_reservation;
    state.regs = json.registers;
    state.last_hint = json.last_hint;
    Ok(state)
}

/// Reads a state file in any of the reference's formats (chosen by name; gzip detected by content).
pub fn read_state(path: &Path) -> Result<State, FileError> {
    let bytes = read_maybe_gz(path)?;
    if is_binary_path(path) {
        decode_binary(&bytes, path)
    } else {
        decode_json(&bytes, path)
    }
}

/// Writes a state file atomically in the format its name asks for.
pub fn write_state(path: &Path, state: &mut State) -> Result<(), FileError> {
    if is_binary_path(path) {
        write_atomic_with(path, |w| write_binary(state, w))
    } else {
        write_atomic(path, &encode_json(state))
    }
}

/// A step proof file, as the reference's `run --proof-at` writes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofFile {
    /// The step the proof starts from.
    pub step: u64,
    /// Pre-state hash.
    #[serde(with = "hex_hash")]
    pub pre: Hash,
    /// Post-state hash.
    #[serde(with = "hex_hash")]
    pub post: Hash,
    /// Pre-state witness.
    #[serde(rename = "state-data", with = "hex_bytes")]
    pub state_data: Vec<u8>,
    /// Memory proofs.
    #[serde(rename = "proof-data", with = "hex_bytes")]
    pub proof_data: Vec<u8>,
    /// Key of the preimage the step reads.
    #[serde(
        rename = "oracle-key",
        with = "hex_bytes",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub oracle_key: Vec<u8>,
    /// That preimage with its length prefix.
    #[serde(
        rename = "oracle-value",
        with = "hex_bytes",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub oracle_value: Vec<u8>,
    /// The offset read.
    #[serde(rename = "oracle-offset", default, skip_serializing_if = "is_zero")]
    pub oracle_offset: u64,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

impl ProofFile {
    /// The proof file of a step from `step` with pre-state hash `pre` and post-state hash `post`.
    pub fn new(step: u64, pre: Hash, post: Hash, witness: &StepWitness) -> Self {
        let (oracle_key, oracle_value, oracle_offset) = match &witness.preimage {
            Some(p) => (p.key.to_vec(), p.value.clone(), p.offset),
            None => (vec![], vec![], 0),
        };
        ProofFile {
            step,
            pre,
            post,
            state_data: witness.state.to_vec(),
            proof_data: witness.proof.clone(),
            oracle_key,
            oracle_value,
            oracle_offset,
        }
    }

    /// Writes the proof as JSON (gzip if the name ends in `.gz`), atomically.
    pub fn write(&self, path: &Path) -> Result<(), FileError> {
        let mut bytes = serde_json::to_vec(self).expect("a proof always serializes");
        bytes.push(b'\n');
        write_atomic(path, &bytes)
    }

    /// Reads a proof file.
    pub fn read(path: &Path) -> Result<Self, FileError> {
        let bytes = read_maybe_gz(path)?;
        serde_json::from_slice(&bytes).map_err(|e| corrupt(path, format!("bad proof JSON: {e}")))
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
            let first = read_maybe_gz(&path).unwrap();
            let again = dir.path().join(format!("again-{name}"));
            write_state(&again, &mut back).unwrap();
            assert_eq!(read_maybe_gz(&again).unwrap(), first, "{name}");
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

    #[test]
    fn base64_matches_go_encoding() {
        assert_eq!(base64_bytes::encode(b"ab"), "YWI=");
        assert_eq!(base64_bytes::encode(b"abc"), "YWJj");
        assert_eq!(base64_bytes::encode(b"a"), "YQ==");
        assert_eq!(base64_bytes::decode("YWI=").unwrap(), b"ab");
    }
}
