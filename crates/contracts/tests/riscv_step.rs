//! The Solidity step (`contracts/src/RISCV.sol`) against the stateless verifier
//! (`verdict-riscv-verifier`): on steps the VM proves (test guests, preimage reads of every key
//! type a program reads: local, keccak256, sha256, blob elements and precompile results, the last
//! two loaded through the point-evaluation precompile and the precompile itself; a read at the end
//! of the data refused by all three), on random instructions (reverting encodings included), and
//! on tampered proofs, both must compute the same post-state or revert with the same code.
//!
//! `VERDICT_SOL_STEPS` sets how many guest steps are compared (default 3,000, the CI subset); the
//! full run is `VERDICT_SOL_STEPS=12000 cargo test -p verdict-contracts --release --test
//! riscv_step -- --nocapture` (BENCHMARKS.md).

mod common;

use alloy_sol_types::SolError;
use common::*;
use sha2::Digest;
use std::path::PathBuf;
use verdict_contracts::bindings::IPreimageOracle;
use verdict_contracts::CallOutcome;
use verdict_preimage::PreimageKey;
use verdict_riscv::asm::{self, reg::*};
use verdict_riscv::{MapOracle, StepWitness, Vm};
use verdict_riscv_verifier::{PreimageStore, StepContext};

const BASE: u64 = 0x10000;
const DATA: u64 = 0x20000;

fn guests_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../guests/build")
}

fn ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

fn budget() -> u64 {
    std::env::var("VERDICT_SOL_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3_000)
}

/// Proves the next step of `vm` and compares both sides on it.
fn prove_and_compare(h: &mut Harness, vm: &mut Vm<MapOracle>, what: &str) -> StepWitness {
    let step = vm.state.step;
    let w = vm
        .step_with_proof()
        .unwrap_or_else(|e| panic!("{what} step {step}: the VM refuses: {e}"));
    let agreed = h.compare(&w, &format!("{what} step {step}"));
    assert!(
        matches!(agreed, Agreed::Post { .. }),
        "{what} step {step}: {agreed:?}"
    );
    w
}

#[test]
fn guest_steps_agree() {
    // (guest, proven at the start, then one proven step every `stride`)
    let guests: [(&str, u64); 9] = [
        ("hello", 0),
        ("exit3", 0),
        ("alu", 0),
        ("muldiv", 0),
        ("atomic", 0),
        ("mem", 0),
        ("branch", 0),
        ("sha256", 997),
        ("rust-compute", 99_991),
    ];
    let mut h = Harness::new();
    for (k, (name, stride)) in guests.into_iter().enumerate() {
        // What the short guests leave of the budget goes to the later ones.
        let left = budget().saturating_sub(h.compared);
        let per_guest = left.div_ceil((guests.len() - k) as u64);
        let path = guests_dir().join(format!("{name}.elf"));
        let Ok(bytes) = std::fs::read(&path) else {
            assert!(
                !ci(),
                "guest {} is missing: run scripts/build-guests.sh",
                path.display()
            );
            eprintln!(
                "skipping {name}: {} not built (run scripts/build-guests.sh)",
                path.display()
            );
            continue;
        };
        let state = verdict_riscv::load_elf(&bytes).unwrap();
        let mut vm = Vm::with_oracle(state, MapOracle::default());
        vm.capture_output();
        let before = h.compared;
        while h.compared - before < per_guest {
            if vm.state.exited {
                // The exited state steps to itself.
                prove_and_compare(&mut h, &mut vm, name);
                break;
            }
            if stride > 0 && h.compared - before >= per_guest / 2 {
                vm.run(stride).unwrap();
                if vm.state.exited {
                    continue;
                }
            }
            prove_and_compare(&mut h, &mut vm, name);
        }
        eprintln!(
            "{name}: {} steps compared, up to step {}",
            h.compared - before,
            vm.state.step
        );
    }
    h.report("guests");
    if ci() {
        assert!(h.compared >= budget(), "only {} steps compared", h.compared);
    }
}

/// Writes the 32-byte key at `key_addr` to the preimage fd (in as many writes as it takes),
/// reads `total` bytes (the length prefix and the value) to `dest`, then once more at the end.
fn read_preimage(key_addr: u64, dest: u64, total: u64) -> Vec<u32> {
    let mut p = vec![];
    p.extend(asm::li(S0, 32));
    p.extend(asm::li(S1, key_addr));
    let top = p.len();
    p.extend(asm::li(A0, 6));
    p.push(asm::addi(A1, S1, 0));
    p.push(asm::addi(A2, S0, 0));
    p.extend(asm::li(A7, 64));
    p.push(asm::ECALL);
    p.push(asm::r(0x33, S1, 0, S1, A0, 0)); // add s1, s1, a0
    p.push(asm::r(0x33, S0, 0, S0, A0, 0x20)); // sub s0, s0, a0
    p.push(asm::b(1, S0, ZERO, -(((p.len() - top) * 4) as i32))); // bne s0, zero, top
    p.extend(asm::li(S0, total));
    p.extend(asm::li(S1, dest));
    let top = p.len();
    p.extend(asm::li(A0, 5));
    p.push(asm::addi(A1, S1, 0));
    p.push(asm::addi(A2, S0, 0));
    p.extend(asm::li(A7, 63));
    p.push(asm::ECALL);
    p.push(asm::r(0x33, S1, 0, S1, A0, 0));
    p.push(asm::r(0x33, S0, 0, S0, A0, 0x20));
    p.push(asm::b(1, S0, ZERO, -(((p.len() - top) * 4) as i32)));
    // At the end of the data: refused by the VM, the verifier and the contract alike.
    p.extend(asm::li(A0, 5));
    p.push(asm::addi(A1, S1, 0));
    p.extend(asm::li(A2, 8));
    p.extend(asm::li(A7, 63));
    p.push(asm::ECALL);
    p
}

const GLOBAL: &[u8] =
    b"a keccak256 preimage, long enough for several 32-byte parts, read at odd addresses";
const SHA: &[u8] = b"a sha256 preimage: forty-eight bytes, a blob's commitment";
const LOCAL_CLAIM: [u8; 32] = [0x33; 32];
const LOCAL_NUMBER: [u8; 8] = 123_456u64.to_be_bytes();

fn typed(mut h: [u8; 32], t: u8) -> [u8; 32] {
    h[0] = t;
    h
}

fn local_key(ident: u8) -> [u8; 32] {
    let mut k = [0u8; 32];
    k[0] = 1;
    k[31] = ident;
    k
}

/// The preimages the programs read: key, value, where the key is written, where the value goes.
fn preimages() -> Vec<([u8; 32], Vec<u8>, u64, u64)> {
    vec![
        (
            typed(verdict_riscv::hash::keccak256(GLOBAL), 2),
            GLOBAL.to_vec(),
            DATA + 0x400,
            DATA + 0x503,
        ),
        (
            typed(sha2::Sha256::digest(SHA).into(), 4),
            SHA.to_vec(),
            DATA + 0x431,
            DATA + 0x601,
        ),
        (
            local_key(3),
            LOCAL_CLAIM.to_vec(),
            DATA + 0x460,
            DATA + 0x71f,
        ),
        (
            local_key(4),
            LOCAL_NUMBER.to_vec(),
            DATA + 0x49e,
            DATA + 0x7e5,
        ),
    ]
}

/// A program reading preimage `which` of [`preimages`] (keys at aligned and unaligned addresses,
/// into unaligned buffers) to its end, then once more at the end of the data.
fn preimage_vm(which: usize) -> Vm<MapOracle> {
    let (key, value, key_addr, dest) = preimages().swap_remove(which);
    let p = read_preimage(key_addr, dest, value.len() as u64 + 8);
    let state = verdict_riscv::load_elf(&asm::elf(BASE, &asm::code(&p))).unwrap();
    let mut vm = Vm::with_oracle(state, MapOracle::default());
    vm.capture_output();
    vm.state.memory.write(key_addr, &key);
    vm.oracle_mut().preimages.insert(PreimageKey(key), value);
    vm
}

/// Every step of the preimage programs up to the read at the end of the data, which the VM
/// refuses (0xbadf00d0: it never reads past a value); that step's witness and proof (fetch,
/// destination leaf) are built by hand so the verifier and the contract can be asked too. Calls
/// `each` with every witness and whether it is the end-of-data read.
fn preimage_steps(mut each: impl FnMut(StepWitness, bool)) {
    for which in 0..preimages().len() {
        let mut vm = preimage_vm(which);
        loop {
            let mut pre = vm.state.clone();
            match vm.step_with_proof() {
                Ok(w) => each(w, false),
                Err(e) => {
                    assert_eq!(e.revert_code(), Some(0xbadf00d0), "{e}");
                    let (key, value, ..) = preimages().swap_remove(which);
                    let mut prefixed = (value.len() as u64).to_be_bytes().to_vec();
                    prefixed.extend_from_slice(&value);
                    let offset = prefixed.len() as u64;
                    assert_eq!(pre.preimage_offset, offset, "the VM stopped at the end");
                    let dest = pre.regs[11];
                    let mut proof = pre.memory.merkle_proof(pre.pc & !31).to_vec();
                    proof.extend(pre.memory.merkle_proof(dest & !31));
                    let w = StepWitness {
                        state: pre.witness().to_vec(),
                        proof,
                        preimage: Some(verdict_riscv::PreimageWitness {
                            key,
                            value: prefixed,
                            offset,
                        }),
                    };
                    each(w, true);
                    break;
                }
            }
        }
    }
}

#[test]
fn preimage_reads_agree() {
    let mut h = Harness::new();
    let mut reads = [0u32; 256];
    preimage_steps(|w, end| {
        if end {
            return; // end_of_data_reads_are_refused_by_all_three
        }
        if let Some(p) = &w.preimage {
            reads[usize::from(p.key[0])] += 1;
        }
        let agreed = h.compare(
            &w,
            &format!(
                "preimages step {}",
                verdict_riscv_verifier::witness_step(w.state.as_slice().try_into().unwrap())
            ),
        );
        assert!(matches!(agreed, Agreed::Post { .. }), "{agreed:?}");
    });
    assert!(
        reads[1] >= 4 && reads[2] >= 3 && reads[4] >= 3,
        "{:?}",
        &reads[..5]
    );
    h.report("preimage programs");
}

/// A read at the end of the data (offset = value length + 8), for local, keccak256 and sha256
/// keys: the VM refuses it (0xbadf00d0, checked in [`preimage_steps`]); the oracle contract
/// refuses to load a part there (`PartOffsetOOB`, as the OP Stack's oracle); the verifier over
/// the oracle model holding the whole value and the contract both revert with 0xbadf00d0. The
/// step is not provable by any of the three.
#[test]
fn end_of_data_reads_are_refused_by_all_three() {
    let mut h = Harness::new();
    let ctx = ctx();
    let oob = IPreimageOracle::PartOffsetOOB::SELECTOR.to_vec();
    let mut at_end = 0;
    preimage_steps(|w, end| {
        if !end {
            return;
        }
        at_end += 1;
        let p = w.preimage.as_ref().unwrap();
        let loaded = h.load(p);
        assert!(
            matches!(&loaded, CallOutcome::Revert { data, .. } if data.to_vec() == oob),
            "the contract loads a part at the end: {loaded:?}"
        );
        // Every part before the end is loaded: the contract holds all it can.
        for offset in 0..p.offset {
            let part = verdict_riscv::PreimageWitness {
                offset,
                ..p.clone()
            };
            assert!(matches!(h.load(&part), CallOutcome::Success { .. }));
        }
        let store = store_for(&w, &ctx);
        let got = h.compare_with(&w.state, &w.proof, &ctx, &store, "end of data");
        assert_eq!(got, Agreed::Revert(Some(0xbadf00d0)));
    });
    assert_eq!(at_end, 4);
}

/// Steps of the preimage programs that read more than the fetch proof or a preimage.
fn interesting_witnesses() -> Vec<StepWitness> {
    let mut out = vec![];
    preimage_steps(|w, end| {
        if !end && (w.proof.len() > 1920 || w.preimage.is_some()) {
            out.push(w);
        }
    });
    out
}

#[test]
fn tampered_steps_are_refused_by_both() {
    let mut h = Harness::new();
    let ctx = ctx();
    let ws = interesting_witnesses();
    assert!(ws.len() >= 12, "{} witnesses", ws.len());
    for (n, w) in ws.iter().enumerate() {
        let store = store_for(w, &ctx);
        // Nothing loaded into the oracle yet: both fail to read the preimage.
        if let Some(p) = &w.preimage {
            let got = h.compare_with(
                &w.state,
                &w.proof,
                &ctx,
                &PreimageStore::new(),
                &format!("#{n} unloaded"),
            );
            assert_eq!(got, Agreed::Revert(Some(0xbadf00d0)));
            h.load(p);
        }
        // Every proof slot the step reads: a flipped leaf byte and a flipped sibling byte.
        let used = verdict_riscv_verifier::step_report(&w.state, &w.proof, &ctx, &store)
            .unwrap()
            .proof_bytes_used;
        for slot in 0..used / 1920 {
            for at in [slot * 1920 + 5, slot * 1920 + 32 * 30 + 3] {
                let mut proof = w.proof.clone();
                proof[at] ^= 1;
                let got = h.compare_with(
                    &w.state,
                    &proof,
                    &ctx,
                    &store,
                    &format!("#{n} flipped {at}"),
                );
                assert_eq!(got, Agreed::Revert(Some(0xbadf00d1)));
            }
        }
        if used == 0 {
            continue;
        }
        // A proof cut short (by a slot, and by one byte).
        let got = h.compare_with(
            &w.state,
            &w.proof[..used - 1920],
            &ctx,
            &store,
            &format!("#{n} short"),
        );
        assert_eq!(got, Agreed::Revert(Some(0xbadf00d1)));
        let got = h.compare_with(
            &w.state,
            &w.proof[..used - 1],
            &ctx,
            &store,
            &format!("#{n} short by 1"),
        );
        assert_eq!(got, Agreed::Revert(Some(0xbadf00d1)));
        // Extra proof bytes are ignored by both.
        let mut long = w.proof.clone();
        long.extend_from_slice(&[7u8; 100]);
        assert!(matches!(
            h.compare_with(&w.state, &long, &ctx, &store, &format!("#{n} long")),
            Agreed::Post { .. }
        ));
        // A changed memory root.
        let mut state = w.state.clone();
        state[3] ^= 1;
        h.compare_with(&state, &w.proof, &ctx, &store, &format!("#{n} root"));
        // A witness of the wrong length: no revert code on either side.
        let got = h.compare_with(
            &w.state[..361],
            &w.proof,
            &ctx,
            &store,
            &format!("#{n} length"),
        );
        assert_eq!(got, Agreed::Revert(None));
        // A local read under another local context: the part is not there for either.
        if w.preimage.as_ref().is_some_and(|p| p.key[0] == 1) {
            let other = StepContext {
                local_context: [0x77; 32],
                ..ctx
            };
            let got = h.compare_with(&w.state, &w.proof, &other, &store, &format!("#{n} context"));
            assert_eq!(got, Agreed::Revert(Some(0xbadf00d0)));
        }
    }
    h.report("tampering");
}

/// A random instruction word: mostly a known opcode with random fields, sometimes anything.
fn random_instruction(rng: &mut Rng) -> u32 {
    const OPCODES: [u32; 16] = [
        0x03, 0x23, 0x63, 0x13, 0x1b, 0x33, 0x3b, 0x37, 0x17, 0x6f, 0x67, 0x73, 0x2f, 0x0f, 0x53,
        0x13,
    ];
    let word = rng.next() as u32;
    match rng.below(16) {
        0 => word,
        _ => {
            let opcode = OPCODES[rng.below(OPCODES.len() as u64) as usize];
            let mut w = (word & !0x7f) | opcode;
            // Small funct7 values are the interesting ones for OP, OP-32 and shifts.
            if rng.below(2) == 0 {
                let f7 = [0u32, 1, 0x20, 0x10, 0x21][rng.below(5) as usize];
                w = (w & 0x01ff_ffff) | (f7 << 25);
            }
            // ecall with a known syscall number.
            if opcode == 0x73 && rng.below(2) == 0 {
                w = 0x73;
            }
            w
        }
    }
}

fn random_register(rng: &mut Rng) -> u64 {
    match rng.below(6) {
        0 => rng.next(),
        1 => DATA + rng.below(0x1000),
        2 => DATA + rng.below(0x100) * 8,
        3 => [0, 1, u64::MAX, 1 << 63, 0x8000_0000, 0xffff_ffff][rng.below(6) as usize],
        4 => rng.below(300),
        _ => (rng.next() as i32) as u64,
    }
}

/// The memory proofs a step of `instr` may read: the fetch, then the leaves at its effective
/// address (rs1 + the I or S immediate, or rs1 for atomics, or a1 for syscalls), each twice over.
fn proof_for(vm: &mut Vm<MapOracle>, instr: u32) -> Vec<u8> {
    let rs1 = vm.state.regs[((instr >> 15) & 31) as usize];
    let imm_i = ((instr as i32) >> 20) as i64 as u64;
    let imm_s = ((((instr as i32) >> 25) << 5) as i64 as u64) | u64::from((instr >> 7) & 31);
    let addr = match instr & 0x7f {
        0x23 => rs1.wrapping_add(imm_s),
        0x2f => rs1,
        0x73 => vm.state.regs[11],
        _ => rs1.wrapping_add(imm_i),
    };
    let pc = vm.state.pc;
    let mem = &mut vm.state.memory;
    let mut proof = mem.merkle_proof(pc & !31).to_vec();
    proof.extend(mem.merkle_proof(addr & !31));
    proof.extend(mem.merkle_proof(addr.wrapping_add(15) & !31));
    proof
}

#[test]
fn random_instructions_agree() {
    let n: u64 = if budget() > 3_000 { 20_000 } else { 3_000 };
    let mut h = Harness::new();
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let ctx = ctx();
    for k in 0..n {
        let instr = random_instruction(&mut rng);
        let prog = [instr, asm::ECALL];
        let state = verdict_riscv::load_elf(&asm::elf(BASE, &asm::code(&prog))).unwrap();
        let mut vm = Vm::with_oracle(state, MapOracle::default());
        vm.capture_output();
        for r in 1..32 {
            vm.state.regs[r] = random_register(&mut rng);
        }
        if instr == 0x73 {
            vm.state.regs[17] = [
                93, 94, 214, 222, 63, 64, 25, 56, 113, 220, 163, 261, 422, 101, 999,
            ][rng.below(15) as usize];
            vm.state.regs[10] = rng.below(8);
            vm.state.regs[13] = [0x22, 0x02, 0x20][rng.below(3) as usize];
            vm.state.regs[14] = [u64::MAX, 3][rng.below(2) as usize];
            vm.state.regs[12] = rng.below(40);
        }
        // The other fields: a reservation on rs1's address (so SC succeeds), a heap near the
        // top, a step counter about to wrap, a preimage key of any type and an offset.
        let rs1 = vm.state.regs[((instr >> 15) & 31) as usize];
        vm.state.load_reservation = [0, rs1, rng.next()][rng.below(3) as usize];
        vm.state.heap = [0x7f_0000_0000, u64::MAX - rng.below(8192)][rng.below(2) as usize];
        vm.state.step = [0, u64::MAX, rng.next()][rng.below(3) as usize];
        vm.state.preimage_key[0] = [0, 1, 2, 4][rng.below(4) as usize];
        vm.state.preimage_offset = rng.below(100);
        // Now and then a pc that is not 4-byte aligned, or whose instruction crosses a leaf.
        if rng.below(10) == 0 {
            let pc = BASE + 0x40 + [2, 0x1c, 0x1e, 0x1f][rng.below(4) as usize];
            vm.state.memory.write(pc, &instr.to_le_bytes());
            vm.state.pc = pc;
        }
        let mut witness = vm.state.witness();
        // Now and then an exited state (any non-zero exited byte, any code): it steps to itself.
        if rng.below(40) == 0 {
            witness[80] = rng.below(4) as u8;
            witness[81] = [1, 2, 0xff][rng.below(3) as usize];
        }
        let proof = proof_for(&mut vm, instr);
        // The proof may hold more than the step reads; it never reads a preimage (fd 5 reads
        // have no key set): both sides see an empty oracle.
        let what = format!("random #{k}: {instr:#010x}");
        h.compare_with(&witness, &proof, &ctx, &PreimageStore::new(), &what);
        // Where the VM proves the step itself, its exact proof agrees too.
        if let Ok(w) = vm.step_with_proof() {
            h.compare(&w, &format!("{what} (VM's proof)"));
        }
    }
    h.report("random instructions");
    assert!(
        h.reverted > n / 20 && h.reverted < h.compared / 2,
        "{} reverted",
        h.reverted
    );
}

/// The compressed BLS12-381 G1 generator: the KZG commitment of the constant polynomial 1 (the
/// blob whose field elements are all 1), whose value at any point is 1, the point at infinity its
/// proof.
const G1: &str = "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb";

/// A blob element and a precompile result, each with the oracle call that loads a part of it:
/// key, value, loader by part offset.
type Loaded = ([u8; 32], Vec<u8>, Box<dyn Fn(u64) -> Vec<u8>>);

fn blob_and_precompile_preimages() -> Vec<Loaded> {
    use alloy_primitives::{Address, U256};
    use alloy_sol_types::SolCall;
    let commitment = hex::decode(G1).unwrap();
    let z = U256::from(987_654_321u64);
    let blob_key = typed(
        verdict_riscv::hash::keccak256(&[&commitment[..], &z.to_be_bytes::<32>()].concat()),
        5,
    );
    let y = U256::from(1);
    let mut infinity = vec![0u8; 48];
    infinity[0] = 0xc0;
    let blob_load = move |offset: u64| {
        IPreimageOracle::loadBlobPreimagePartCall {
            z,
            y,
            commitment: commitment.clone().into(),
            proof: infinity.clone().into(),
            partOffset: U256::from(offset),
        }
        .abi_encode()
    };
    let input = b"the input of a precompile a program reads the result of".to_vec();
    let (address, gas) = (Address::with_last_byte(2), 1_000u64);
    let pre_key = typed(
        verdict_riscv::hash::keccak256(&[address.as_slice(), &gas.to_be_bytes(), &input].concat()),
        6,
    );
    let pre_value = [&[1u8][..], &sha2::Sha256::digest(&input)[..]].concat();
    let pre_load = move |offset: u64| {
        IPreimageOracle::loadPrecompilePreimagePartCall {
            partOffset: U256::from(offset),
            precompile: address,
            requiredGas: gas,
            input: input.clone().into(),
        }
        .abi_encode()
    };
    vec![
        (
            blob_key,
            y.to_be_bytes::<32>().to_vec(),
            Box::new(blob_load),
        ),
        (pre_key, pre_value, Box::new(pre_load)),
    ]
}

/// Programs reading a blob element (the constant blob's value at a point, loaded with
/// `loadBlobPreimagePart`, which checks it with the point-evaluation precompile) and a precompile's
/// result (sha256, loaded with `loadPrecompilePreimagePart`, which runs it) to their ends: every
/// step agrees with the verifier over the onchain oracle model holding the value, and every part
/// the oracle stored reads back as the model serves it.
#[test]
fn blob_and_precompile_reads_agree() {
    use alloy_primitives::{FixedBytes, U256};
    use alloy_sol_types::SolCall;
    use verdict_riscv_verifier::OnchainOracle;
    let mut h = Harness::new();
    for (key, value, load) in blob_and_precompile_preimages() {
        let what = format!("key type {}", key[0]);
        let (key_addr, dest) = (DATA + 0x411, DATA + 0x523);
        let p = read_preimage(key_addr, dest, value.len() as u64 + 8);
        let state = verdict_riscv::load_elf(&asm::elf(BASE, &asm::code(&p))).unwrap();
        let mut vm = Vm::with_oracle(state, MapOracle::default());
        vm.capture_output();
        vm.state.memory.write(key_addr, &key);
        vm.oracle_mut()
            .preimages
            .insert(PreimageKey(key), value.clone());
        let mut model = PreimageStore::new();
        model.insert_global(key, value.clone()).unwrap();
        let mut reads = 0;
        loop {
            let w = match vm.step_with_proof() {
                Ok(w) => w,
                Err(e) => {
                    assert_eq!(e.revert_code(), Some(0xbadf00d0), "{what}: {e}");
                    break;
                }
            };
            if let Some(p) = &w.preimage {
                reads += 1;
                let out = h.oracle_call(load(p.offset));
                assert!(
                    matches!(out, CallOutcome::Success { .. }),
                    "{what}: loading part {}: {out:?}",
                    p.offset
                );
                let call = IPreimageOracle::readPreimageCall {
                    key: FixedBytes(key),
                    offset: U256::from(p.offset),
                };
                let got = match h.oracle_call(call.abi_encode()) {
                    CallOutcome::Success { output, .. } => {
                        IPreimageOracle::readPreimageCall::abi_decode_returns(&output).unwrap()
                    }
                    other => panic!("{what}: {other:?}"),
                };
                let want = model.read_part(&key, p.offset).unwrap();
                let len = usize::from(want.len);
                assert_eq!(got.datLen, U256::from(len), "{what}: part {}", p.offset);
                assert_eq!(
                    got.dat.0[..len],
                    want.data[..len],
                    "{what}: part {}",
                    p.offset
                );
            }
            let agreed = h.compare_with(&w.state, &w.proof, &ctx(), &model, &what);
            assert!(matches!(agreed, Agreed::Post { .. }), "{what}: {agreed:?}");
        }
        assert!(reads >= 2, "{what}: {reads} reads");
    }
    h.report("blob and precompile reads");
}
