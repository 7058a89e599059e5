//! Random inputs: the verifier must never panic, and whenever it succeeds its hash must be the
//! hash of the post-state witness it returns.

mod common;

use common::*;
use verdict_riscv_verifier::{
    state_hash, step, step_witness, PreimageStore, StepContext, MEMORY_PROOF_SIZE, WITNESS_SIZE,
};

/// xorshift64*: deterministic pseudo-random numbers.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

const OPCODES: &[u32] = &[
    0x03, 0x23, 0x63, 0x13, 0x1b, 0x33, 0x3b, 0x37, 0x17, 0x6f, 0x67, 0x73, 0x2f, 0x0f, 0x07, 0x27,
    0x53, 0x7f,
];
const SYSCALLS: &[u64] = &[
    93, 94, 214, 222, 63, 64, 25, 56, 113, 220, 163, 261, 422, 101, 124, 0xffff,
];

fn sext12(v: u32) -> u64 {
    (((v & 0xfff) as i32) << 20 >> 20) as i64 as u64
}

/// The address of the data leaf an instruction probably touches.
fn data_addr(instr: u32, regs: &[u64; 32]) -> u64 {
    let rs1 = regs[((instr >> 15) & 31) as usize];
    match instr & 0x7f {
        0x03 => rs1.wrapping_add(sext12(instr >> 20)),
        0x23 => rs1.wrapping_add(sext12(((instr >> 25) << 5) | ((instr >> 7) & 31))),
        0x2f => rs1,
        _ => regs[11],
    }
}

#[test]
fn random_steps_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut oracle = PreimageStore::new();
    let mut local = [0u8; 32];
    local[0] = 1;
    oracle.insert_local(
        verdict_riscv_verifier::localize_key(&local, &StepContext::default()),
        vec![7; 40],
    );
    let mut ok = 0;
    for _ in 0..3000 {
        let opcode = rng.pick(OPCODES);
        let instr = ((rng.next() as u32) & !0x7f) | opcode;
        let pc = if rng.below(8) == 0 {
            rng.next()
        } else {
            0x1000 + 4 * rng.below(8)
        };
        let mut mem = Mem::new();
        mem.set_u32(pc, instr);
        let mut regs = [0u64; 32];
        for r in regs.iter_mut().skip(1) {
            *r = match rng.below(4) {
                0 => rng.next(),
                1 => rng.below(64),
                _ => 0x2000 + rng.below(0x80),
            };
        }
        regs[17] = rng.pick(SYSCALLS);
        let any = rng.next();
        regs[10] = rng.pick(&[0, 1, 3, 5, 6, 7, any]);
        regs[13] = rng.pick(&[0x22, 0]);
        regs[14] = rng.pick(&[u64::MAX, 0]);
        for _ in 0..rng.below(6) {
            mem.set_u64(0x2000 + rng.below(0x80), rng.next());
        }
        let w = W {
            pc,
            regs,
            step: rng.next(),
            heap: rng.next(),
            reservation: rng.pick(&[0, regs[1], any]),
            preimage_key: if rng.below(2) == 0 { local } else { [3; 32] },
            preimage_offset: rng.below(50),
            exited: if rng.below(20) == 0 { 1 } else { 0 },
            ..W::default()
        };
        let s = Setup { mem, w };
        let addr = data_addr(instr, &s.w.regs);
        let mut proof = s.proofs(&[pc, addr, addr.wrapping_add(32), addr.wrapping_add(32)]);
        match rng.below(10) {
            0 => proof.truncate(rng.below(proof.len() as u64) as usize),
            1 => {
                let i = rng.below(proof.len() as u64) as usize;
                proof[i] ^= 1 << rng.below(8);
            }
            _ => {}
        }
        let pre = s.witness();
        let ctx = StepContext::default();
        let a = step_witness(&pre, &proof, &ctx, &oracle);
        let b = step(&pre, &proof, &ctx, &oracle);
        match (a, b) {
            (Ok(post), Ok(hash)) => {
                ok += 1;
                assert_eq!(hash, state_hash(&post));
            }
            (Err(e1), Err(e2)) => {
                assert_eq!(e1, e2);
                let _ = e1.to_string();
                let _ = e1.revert_code();
            }
            (a, b) => panic!("step and step_witness disagree: {a:?} vs {b:?}"),
        }
    }
    assert!(ok > 1000, "only {ok} random steps succeeded");
}

#[test]
fn garbage_inputs_never_panic() {
    let mut rng = Rng(12345);
    for _ in 0..300 {
        let len = if rng.below(4) == 0 {
            rng.below(400) as usize
        } else {
            WITNESS_SIZE
        };
        let witness: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let proof: Vec<u8> = (0..rng.below(4 * MEMORY_PROOF_SIZE as u64 + 10))
            .map(|_| rng.next() as u8)
            .collect();
        let _ = step(
            &witness,
            &proof,
            &StepContext::default(),
            &PreimageStore::new(),
        );
    }
}
