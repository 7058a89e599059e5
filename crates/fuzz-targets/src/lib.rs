//! The bodies of Verdict's fuzz targets, one per parser of untrusted input. Each takes arbitrary
//! bytes and must return without panicking, hanging or allocating without bound; where a parse
//! succeeds it also checks a property (a state file round-trips, the VM's engines agree).
//!
//! `fuzz/` runs them under cargo-fuzz (libFuzzer); `tests/corpus.rs` replays the corpus kept in
//! `fuzz/corpus/<target>/` as an ordinary test, so every input that once found a bug stays a test.

mod channel;

use std::path::Path;
use verdict_fpvm::ProofFile;
use verdict_preimage::{HintClient, HintWriter, OracleClient, PreimageKey, PreimageOracle};
use verdict_riscv::state_file::{self, ReadLimit};
use verdict_riscv::Vm;

pub use channel::MemoryChannel;

/// Guest memory a fuzz input may use (the real default is 8 GiB).
const MEMORY_LIMIT: u64 = 64 << 20;
/// Steps each engine runs on a loaded ELF.
const STEPS: u64 = 300;

/// A fuzz target's body.
pub type Target = fn(&[u8]);

/// Every target by name, as `fuzz/fuzz_targets/<name>.rs` and `fuzz/corpus/<name>/` name them.
pub const TARGETS: &[(&str, Target)] = &[
    ("elf", elf),
    ("state_file", state_file),
    ("proof_file", proof_file),
    ("preimage_server", preimage_server),
    ("preimage_client", preimage_client),
    ("fixture", fixture),
];

/// An ELF: loaded under a memory limit; if it loads, a few hundred steps run on the reference
/// step, the interpreter and the JIT, which must agree.
pub fn elf(data: &[u8]) {
    let Ok(state) = verdict_riscv::elf::load_elf_limited(data, MEMORY_LIMIT) else {
        return;
    };
    let engine = |jit: Option<bool>| {
        let mut vm = Vm::new(state.clone());
        vm.state.memory.set_limit(MEMORY_LIMIT);
        vm.set_background_hashing(false);
        let result = match jit {
            // The reference step, one at a time (it does not stop at the memory limit).
            None => (0..STEPS)
                .try_for_each(|_| vm.step())
                .map_err(|e| e.revert_code()),
            Some(on) => {
                vm.set_jit(on);
                let mut left = STEPS;
                let mut result = Ok(());
                // Stops early at an exit or the memory limit; an error ends the run.
                while left > 0 && !vm.state.exited {
                    match vm.run(left) {
                        Ok(0) => break,
                        Ok(n) => left -= n,
                        Err(e) => {
                            result = Err(e.revert_code());
                            break;
                        }
                    }
                }
                result
            }
        };
        let over_limit = vm.state.memory.over_limit();
        (
            (result, vm.state.step, vm.state.pc, vm.state.state_hash()),
            over_limit,
        )
    };
    let (reference, _) = engine(None);
    for jit in [false, true] {
        let (fast, over_limit) = engine(Some(jit));
        if fast.1 == reference.1 {
            assert_eq!(fast, reference, "jit {jit}: the engines disagree");
        } else {
            assert!(
                over_limit && fast.1 < reference.1,
                "jit {jit}: stopped at step {} ({:?}), the reference at {} ({:?})",
                fast.1,
                fast.0,
                reference.1,
                reference.0
            );
        }
    }
}

/// A state file, binary or JSON, gzipped or not: read with a memory limit; a state that loads
/// is written back and must read back to the same state hash.
pub fn state_file(data: &[u8]) {
    let path = Path::new("fuzz-input");
    let limit = ReadLimit::bytes(MEMORY_LIMIT);
    let decoded = if data.starts_with(&[0x1f, 0x8b]) {
        let gz = || flate2::read::GzDecoder::new(data);
        [
            state_file::decode_binary_from(gz(), path, limit),
            state_file::decode_json_from(gz(), path, limit),
        ]
    } else {
        [
            state_file::decode_binary_from(data, path, limit),
            state_file::decode_json_from(data, path, limit),
        ]
    };
    for mut state in decoded.into_iter().flatten() {
        let hash = state.state_hash();
        let binary = state_file::encode_binary(&mut state);
        let mut again = state_file::decode_binary_from(&binary[..], path, limit)
            .expect("a state we wrote reads back");
        assert_eq!(again.state_hash(), hash, "binary round trip");
        let json = state_file::encode_json(&mut state);
        let mut again = state_file::decode_json_from(&json[..], path, limit)
            .expect("a state we wrote reads back");
        assert_eq!(again.state_hash(), hash, "JSON round trip");
    }
}

/// A proof file: parsed, then every field checked by the stateless verifier.
pub fn proof_file(data: &[u8]) {
    let Ok(proof) = serde_json::from_slice::<ProofFile>(data) else {
        return;
    };
    let step_proof = verdict_riscv_verifier::StepProof {
        step: proof.step,
        pre: proof.pre,
        post: proof.post,
        state_data: proof.state_data,
        proof_data: proof.proof_data,
        oracle_key: proof.oracle_key,
        oracle_value: proof.oracle_value,
        oracle_offset: proof.oracle_offset,
    };
    let ctx = verdict_riscv_verifier::StepContext::default();
    let _ = verdict_riscv_verifier::check_step_proof(&step_proof, &ctx);
}

/// The host's side of the protocol: the first two bytes say how much of the rest is the hint
/// stream, the remainder is the preimage-request stream; both are served until they end or fail.
pub fn preimage_server(data: &[u8]) {
    use std::sync::Arc;
    use verdict_host::{Host, LocalInputs, MemoryStore, Store};
    use verdict_preimage::protocol::{HintServer, OracleServer};
    let Some((head, rest)) = data.split_first_chunk::<2>() else {
        return;
    };
    let split = usize::from(u16::from_be_bytes(*head)).min(rest.len());
    let (hints, requests) = rest.split_at(split);
    let store = MemoryStore::default();
    store
        .insert_all(&[(PreimageKey::keccak256(b"value"), b"value".to_vec())])
        .expect("a memory store takes anything");
    let locals = LocalInputs {
        l1_head: Some([1; 32]),
        chain_id: Some(10),
        ..LocalInputs::default()
    };
    let host = Host::new(Arc::new(store), locals);
    let server = HintServer(MemoryChannel::new(hints));
    while let Ok(true) = server.serve_one(|h| host.handle_hint(h)) {}
    let server = OracleServer(MemoryChannel::new(requests));
    while let Ok(true) = server.serve_one(|k| host.lookup(k)) {}
}

/// The program's side of the protocol against a hostile host: `data` is everything the host
/// answers, read as acks and preimages until it fails.
pub fn preimage_client(data: &[u8]) {
    let channel = MemoryChannel::new(data);
    let hints = HintClient(&channel);
    let oracle = OracleClient(&channel);
    for i in 0u32.. {
        let ok = if i % 3 == 0 {
            hints.hint(b"l1-block-header 0x00").is_ok()
        } else {
            oracle.get(PreimageKey::keccak256(&i.to_be_bytes())).is_ok()
        };
        if !ok {
            break;
        }
    }
}

/// A block fixture (`fixture.json` with its preimages under "preimages", and a preimage map):
/// parsed as the host and `program execute-block` parse them; a fixture that parses is executed.
pub fn fixture(data: &[u8]) {
    let _ = verdict_host::import::parse_preimage_map(data, "fuzz-input");
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let preimages = match json.get("preimages") {
        Some(map) => match verdict_program::fixture::parse_preimages(map) {
            Ok(p) => p,
            Err(_) => return,
        },
        None => Default::default(),
    };
    if let Ok(fixture) = verdict_program::fixture::Fixture::from_json(&json, preimages) {
        let _ = fixture.run();
    }
}
