//! The JSON form of a MIPS64 state (Verdict's own: Cannon refuses JSON for multithreaded
//! states). Threads are Cannon's JSON of its `ThreadState`; pages stream straight into memory.

use super::{
    check_page_index, check_stored_witness, check_version, corrupt_state, FileError, ReadLimit,
};
use crate::state::{state_hash, State};
use crate::thread::Thread;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::io::{Read, Write};
use std::path::Path;
use verdict_fpvm::hash::Hash;
use verdict_fpvm::serde_hex::{hex_bytes, hex_hash};
use verdict_fpvm::state_pages::{JsonPages, PageList};
use verdict_mips64_consts::WITNESS_SIZE;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonCpu {
    pc: u64,
    #[serde(rename = "nextPC")]
    next_pc: u64,
    lo: u64,
    hi: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonThread {
    #[serde(rename = "threadId")]
    id: u64,
    exit: u8,
    exited: bool,
    cpu: JsonCpu,
    registers: [u64; 32],
}

impl From<&Thread> for JsonThread {
    fn from(t: &Thread) -> Self {
        JsonThread {
            id: t.id,
            exit: t.exit_code,
            exited: t.exited,
            cpu: JsonCpu {
                pc: t.pc,
                next_pc: t.next_pc,
                lo: t.lo,
                hi: t.hi,
            },
            registers: t.regs,
        }
    }
}

impl From<JsonThread> for Thread {
    fn from(t: JsonThread) -> Self {
        Thread {
            id: t.id,
            exit_code: t.exit,
            exited: t.exited,
            pc: t.cpu.pc,
            next_pc: t.cpu.next_pc,
            lo: t.cpu.lo,
            hi: t.cpu.hi,
            regs: t.registers,
        }
    }
}

#[derive(Serialize)]
struct JsonState<'a> {
    #[serde(rename = "stateVersion")]
    version: u8,
    memory: JsonPages<'a>,
    #[serde(rename = "preimageKey", with = "hex_hash")]
    preimage_key: Hash,
    #[serde(rename = "preimageOffset")]
    preimage_offset: u64,
    heap: u64,
    #[serde(rename = "llReservationStatus")]
    ll_status: u8,
    #[serde(rename = "llAddress")]
    ll_address: u64,
    #[serde(rename = "llOwnerThread")]
    ll_owner: u64,
    exit: u8,
    exited: bool,
    step: u64,
    #[serde(rename = "stepsSinceLastContextSwitch")]
    steps_since_switch: u64,
    #[serde(rename = "traverseRight")]
    traverse_right: bool,
    #[serde(rename = "nextThreadId")]
    next_thread_id: u64,
    #[serde(rename = "leftThreadStack")]
    left: Vec<JsonThread>,
    #[serde(rename = "rightThreadStack")]
    right: Vec<JsonThread>,
    #[serde(
        rename = "lastHint",
        with = "hex_bytes",
        skip_serializing_if = "<[u8]>::is_empty"
    )]
    last_hint: &'a [u8],
    #[serde(with = "hex_bytes")]
    witness: &'a [u8],
    #[serde(rename = "stateHash", with = "hex_hash")]
    state_hash: Hash,
}

/// Writes a state (whose witness is `witness`) as indented JSON, page by page.
pub fn write_json(
    state: &State,
    witness: &[u8; WITNESS_SIZE],
    w: &mut dyn Write,
) -> std::io::Result<()> {
    let json = JsonState {
        version: state.version,
        memory: JsonPages(&state.memory),
        preimage_key: state.preimage_key,
        preimage_offset: state.preimage_offset,
        heap: state.heap,
        ll_status: state.ll_status,
        ll_address: state.ll_address,
        ll_owner: state.ll_owner,
        exit: state.exit_code,
        exited: state.exited,
        step: state.step,
        steps_since_switch: state.steps_since_switch,
        traverse_right: state.traverse_right,
        next_thread_id: state.next_thread_id,
        left: state.left.iter().map(JsonThread::from).collect(),
        right: state.right.iter().map(JsonThread::from).collect(),
        last_hint: &state.last_hint,
        witness,
        state_hash: state_hash(witness),
    };
    serde_json::to_writer_pretty(&mut *w, &json)?;
    w.write_all(b"\n")
}

/// Parses a JSON state as it streams from `input`, each page put into memory as it is read.
pub fn read_json_from(input: impl Read, path: &Path, limit: ReadLimit) -> Result<State, FileError> {
    let mut de = serde_json::Deserializer::from_reader(input);
    let parsed = StateSeed { limit }
        .deserialize(&mut de)
        .and_then(|parsed| de.end().map(|()| parsed))
        .map_err(|e| corrupt_state(path, format!("bad JSON state: {e}")))?;
    let (mut state, version, witness, hash) = parsed;
    state.version = check_version(version, path)?;
    for (index, _) in state.memory.pages_sorted() {
        check_page_index(index, path)?;
    }
    check_stored_witness(&mut state, &witness, hash, path)?;
    Ok(state)
}

/// The state, its version, its stored witness (empty if none) and its stored hash (if any).
type Parsed = (State, u64, Vec<u8>, Option<Hash>);

struct StateSeed {
    limit: ReadLimit,
}

#[derive(Deserialize)]
struct HexHash(#[serde(with = "hex_hash")] Hash);
#[derive(Deserialize)]
struct HexBytes(#[serde(with = "hex_bytes")] Vec<u8>);

impl<'de> DeserializeSeed<'de> for StateSeed {
    type Value = Parsed;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Parsed, D::Error> {
        d.deserialize_map(self)
    }
}

/// The fields a JSON state must have.
const REQUIRED: [&str; 16] = [
    "stateVersion",
    "memory",
    "preimageKey",
    "preimageOffset",
    "heap",
    "llReservationStatus",
    "llAddress",
    "llOwnerThread",
    "exit",
    "exited",
    "step",
    "stepsSinceLastContextSwitch",
    "traverseRight",
    "nextThreadId",
    "leftThreadStack",
    "rightThreadStack",
];

/// Every field a JSON state may have.
const ALL_FIELDS: [&str; 19] = [
    "stateVersion",
    "memory",
    "preimageKey",
    "preimageOffset",
    "heap",
    "llReservationStatus",
    "llAddress",
    "llOwnerThread",
    "exit",
    "exited",
    "step",
    "stepsSinceLastContextSwitch",
    "traverseRight",
    "nextThreadId",
    "leftThreadStack",
    "rightThreadStack",
    "lastHint",
    "witness",
    "stateHash",
];

impl<'de> Visitor<'de> for StateSeed {
    type Value = Parsed;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a MIPS64 state object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Parsed, A::Error> {
        let mut state = State::new(0);
        let (mut version, mut witness, mut hash) = (0u64, Vec::new(), None);
        let mut seen = [false; REQUIRED.len()];
        let threads = |v: Vec<JsonThread>| v.into_iter().map(Thread::from).collect::<Vec<_>>();
        while let Some(key) = map.next_key::<String>()? {
            if let Some(i) = REQUIRED.iter().position(|r| *r == key) {
                if seen[i] {
                    return Err(de::Error::duplicate_field(REQUIRED[i]));
                }
                seen[i] = true;
            }
            match key.as_str() {
                "stateVersion" => version = map.next_value()?,
                "memory" => map.next_value_seed(PageList {
                    memory: &mut state.memory,
                    limit: self.limit,
                })?,
                "preimageKey" => state.preimage_key = map.next_value::<HexHash>()?.0,
                "preimageOffset" => state.preimage_offset = map.next_value()?,
                "heap" => state.heap = map.next_value()?,
                "llReservationStatus" => state.ll_status = map.next_value()?,
                "llAddress" => state.ll_address = map.next_value()?,
                "llOwnerThread" => state.ll_owner = map.next_value()?,
                "exit" => state.exit_code = map.next_value()?,
                "exited" => state.exited = map.next_value()?,
                "step" => state.step = map.next_value()?,
                "stepsSinceLastContextSwitch" => state.steps_since_switch = map.next_value()?,
                "traverseRight" => state.traverse_right = map.next_value()?,
                "nextThreadId" => state.next_thread_id = map.next_value()?,
                "leftThreadStack" => state.left = threads(map.next_value()?),
                "rightThreadStack" => state.right = threads(map.next_value()?),
                "lastHint" => state.last_hint = map.next_value::<HexBytes>()?.0,
                "witness" => witness = map.next_value::<HexBytes>()?.0,
                "stateHash" => hash = Some(map.next_value::<HexHash>()?.0),
                other => return Err(de::Error::unknown_field(other, &ALL_FIELDS)),
            }
        }
        if let Some(i) = seen.iter().position(|s| !s) {
            return Err(de::Error::missing_field(REQUIRED[i]));
        }
        Ok((state, version, witness, hash))
    }
}
