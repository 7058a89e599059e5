//! Writes the seed corpus of every fuzz target into `fuzz/corpus/<target>/seed-*`, from programs,
//! states and proofs made here (nothing taken from elsewhere):
//! `cargo run -p verdict-fuzz-targets --example seeds`.

use std::path::{Path, PathBuf};
use verdict_fpvm::ProofFile;
use verdict_preimage::{MapOracle, PreimageKey};
use verdict_riscv::asm::{self, reg::*};
use verdict_riscv::{state_file, Vm};

fn ecall(p: &mut Vec<u32>, n: u64) {
    p.extend(asm::li(A7, n));
    p.push(asm::ECALL);
}

/// Counts down, writes "ok" to stdout and exits 0.
fn counting() -> Vec<u32> {
    let mut p = asm::li(S0, 20);
    p.push(asm::addi(S0, S0, -1));
    p.push(asm::b(1, S0, ZERO, -4));
    p.extend(asm::li(T0, 0x0a6b6f));
    p.extend(asm::li(A1, 0x11000));
    p.push(asm::s(2, A1, T0, 0));
    p.extend(asm::li(A0, 1));
    p.extend(asm::li(A2, 3));
    ecall(&mut p, 64);
    p.extend(asm::li(A0, 0));
    ecall(&mut p, 93);
    p
}

/// Loads, stores (one crossing a leaf), an atomic add, a multiply and a division, then exits.
fn memory() -> Vec<u32> {
    let mut p = asm::li(A1, 0x1101c);
    p.extend(asm::li(T0, 0x1122334455667788));
    p.push(asm::s(3, A1, T0, 0)); // sd across the 32-byte leaf boundary
    p.push(asm::i(0x03, T1, 3, A1, 0)); // ld
    p.push(asm::r(0x33, T2, 0, T0, T1, 1)); // mul
    p.push(asm::r(0x33, T2, 4, T2, T1, 1)); // div
    p.extend(asm::li(A2, 0x11040));
    p.push(asm::r(0x2f, T1, 3, A2, T0, 0)); // amoadd.d
    p.extend(asm::li(A0, 7));
    ecall(&mut p, 93);
    p
}

/// mmap's a page, writes into it and exits with what it reads back.
fn mmap() -> Vec<u32> {
    let mut p = asm::li(A0, 0);
    p.extend(asm::li(A1, 4096));
    p.extend(asm::li(A3, 0x22));
    p.extend(asm::li(A4, u64::MAX));
    ecall(&mut p, 222);
    p.extend(asm::li(T0, 42));
    p.push(asm::s(0, A0, T0, 8));
    p.push(asm::i(0x03, A0, 4, A0, 8));
    ecall(&mut p, 93);
    p
}

/// Hints, then reads the keccak256 preimage whose key is at 0x11000 and exits with its first byte.
fn preimage() -> Vec<u32> {
    let mut p = vec![];
    p.extend(asm::li(A0, 4));
    p.extend(asm::li(A1, 0x11040));
    p.extend(asm::li(A2, 9));
    ecall(&mut p, 64);
    p.extend(asm::li(A0, 3));
    p.extend(asm::li(A2, 1));
    ecall(&mut p, 63);
    p.extend(asm::li(A0, 6));
    p.extend(asm::li(A1, 0x11000));
    p.extend(asm::li(A2, 32));
    ecall(&mut p, 64);
    p.extend(asm::li(A0, 5));
    p.extend(asm::li(A1, 0x30100));
    p.extend(asm::li(A2, 32));
    ecall(&mut p, 63);
    p.extend(asm::li(A1, 0x30108));
    p.push(asm::i(0x03, A0, 4, A1, 0));
    ecall(&mut p, 93);
    p
}

const VALUE: &[u8] = b"a value kept by the host";

/// The program with its data page (the preimage key and a hint) as one ELF.
fn elf(program: &[u32]) -> Vec<u8> {
    let mut full = asm::code(program);
    full.resize(0x1000, 0);
    let mut data = vec![0u8; 0x100];
    data[..32].copy_from_slice(&PreimageKey::keccak256(VALUE).0);
    data[0x40..0x49].copy_from_slice(b"\0\0\0\x05hello");
    full.extend_from_slice(&data);
    asm::elf(0x10000, &full)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(name), bytes).unwrap();
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

fn main() {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    let programs = [
        ("counting", counting()),
        ("memory", memory()),
        ("mmap", mmap()),
        ("preimage", preimage()),
    ];
    let mut oracle = MapOracle::default();
    oracle.insert(PreimageKey::keccak256(VALUE), VALUE.to_vec());
    for (name, program) in &programs {
        let elf = elf(program);
        write(&corpus.join("elf"), &format!("seed-{name}"), &elf);
        let mut state = verdict_riscv::elf::load_elf(&elf).unwrap();
        // A state after a few steps (registers and memory changed), in every format.
        let mut vm = Vm::with_oracle(state.clone(), oracle.clone());
        vm.run(12).unwrap();
        let states = corpus.join("state_file");
        for (tag, st) in [("loaded", &mut state), ("stepped", &mut vm.state)] {
            let bin = state_file::encode_binary(st);
            let json = state_file::encode_json(st);
            write(&states, &format!("seed-{name}-{tag}.bin.gz"), &gzip(&bin));
            write(&states, &format!("seed-{name}-{tag}.json.gz"), &gzip(&json));
        }
        if *name == "counting" {
            write(
                &states,
                "seed-counting.bin",
                &state_file::encode_binary(&mut state),
            );
        }
        // Proofs of every 16th step and of each preimage read.
        let mut vm = Vm::with_oracle(state, oracle.clone());
        let proofs = corpus.join("proof_file");
        std::fs::create_dir_all(&proofs).unwrap();
        while !vm.state.exited && vm.state.step < 300 {
            let step = vm.state.step;
            let pre = vm.state.state_hash();
            let witness = vm.step_with_proof().unwrap();
            let post = vm.state.state_hash();
            if witness.preimage.is_some() || step % 16 == 0 {
                let file = ProofFile::new(step, pre, post, &witness);
                file.write(&proofs.join(format!("seed-{name}-{step}.json")))
                    .unwrap();
            }
        }
    }
    // The protocol: a hint stream and a request stream for the server; answers for the client.
    let mut hints = Vec::new();
    for h in [
        "l1-block-header 0x00ff",
        "l2-output 0x",
        "bad hint",
        "x 0x0",
    ] {
        hints.extend_from_slice(&(h.len() as u32).to_be_bytes());
        hints.extend_from_slice(h.as_bytes());
    }
    let mut requests = Vec::new();
    requests.extend_from_slice(&PreimageKey::keccak256(b"value").0);
    requests.extend_from_slice(&PreimageKey::local_index(1).0);
    requests.extend_from_slice(&PreimageKey::local_index(5).0);
    requests.extend_from_slice(&[2; 32]);
    let mut server = (hints.len() as u16).to_be_bytes().to_vec();
    server.extend_from_slice(&hints);
    server.extend_from_slice(&requests);
    write(&corpus.join("preimage_server"), "seed-streams", &server);
    let mut answers = vec![0u8];
    answers.extend_from_slice(&5u64.to_be_bytes());
    answers.extend_from_slice(b"value");
    answers.extend_from_slice(&0u64.to_be_bytes());
    answers.push(0);
    answers.extend_from_slice(&(1u64 << 40).to_be_bytes());
    write(&corpus.join("preimage_client"), "seed-answers", &answers);
    // A made-up fixture: a chain with every fork at genesis, an empty parent state, one block.
    let hash = |b: u8| format!("0x{}", hex(&[b; 32]));
    let fixture = serde_json::json!({
        "rollup_config": {
            "l2_chain_id": 901, "block_time": 2, "regolith_time": 0, "canyon_time": 0,
            "delta_time": 0, "ecotone_time": 0, "fjord_time": 0, "granite_time": 0,
            "holocene_time": 0,
            "chain_op_config": {
                "eip1559Elasticity": 6, "eip1559Denominator": 50, "eip1559DenominatorCanyon": 250
            }
        },
        "parent_header": {
            "parentHash": hash(1), "sha3Uncles": hash(2),
            "miner": "0x4200000000000000000000000000000000000011",
            "stateRoot": "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421",
            "transactionsRoot": hash(3), "receiptsRoot": hash(4),
            "logsBloom": format!("0x{}", hex(&[0; 256])), "difficulty": "0x0", "number": "0x10",
            "gasLimit": "0x1c9c380", "gasUsed": "0x0", "timestamp": "0x64",
            "extraData": "0x00000000fa00000006", "mixHash": hash(5), "nonce": "0x0000000000000000",
            "baseFeePerGas": "0x3b9aca00", "withdrawalsRoot": hash(6), "blobGasUsed": "0x0",
            "excessBlobGas": "0x0", "parentBeaconBlockRoot": hash(7)
        },
        "executing_payload": {
            "timestamp": "0x66", "prevRandao": hash(8),
            "suggestedFeeRecipient": "0x4200000000000000000000000000000000000011",
            "parentBeaconBlockRoot": hash(9), "transactions": ["0x7e00", "0x02c0"],
            "gasLimit": "0x1c9c380", "eip1559Params": "0x000000fa00000006"
        },
        "expected_block_hash": hash(10),
        "preimages": {
            format!("0x{}", hex(&PreimageKey::keccak256(b"node").0[..])): "0x6e6f6465"
        }
    });
    write(
        &corpus.join("fixture"),
        "seed-fixture.json",
        &serde_json::to_vec_pretty(&fixture).unwrap(),
    );
    let map = serde_json::json!({
        format!("0x{}", hex(&verdict_preimage::keccak256(b"v"))): "0x76",
        format!("0x{}", hex(&PreimageKey::sha256(b"w").0)): "0x77"
    });
    write(
        &corpus.join("fixture"),
        "seed-preimage-map.json",
        &serde_json::to_vec(&map).unwrap(),
    );
    println!("seeds written under {}", corpus.display());
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
