mod common;

use common::*;
use verdict_riscv_verifier::{
    codes, localize_key, state_hash, step, step_witness, NoPreimages, OnchainOracle, OracleError,
    PreimageStore, StepContext, StepError, MEMORY_PROOF_SIZE,
};

const DATA: u64 = 0x2000;

/// Independent state hash: keccak256(witness) with byte 0 = status.
fn expected_hash(witness: &[u8]) -> [u8; 32] {
    let mut h = keccak(&[witness]);
    h[0] = match (witness[81] != 0, witness[80]) {
        (false, _) => 3,
        (true, 0) => 0,
        (true, 1) => 1,
        (true, _) => 2,
    };
    h
}

fn run_with(
    s: &Setup,
    proof: &[u8],
    ctx: &StepContext,
    oracle: &impl OnchainOracle,
) -> Result<W, StepError> {
    let pre = s.witness();
    let post = step_witness(&pre, proof, ctx, oracle)?;
    let hash = step(&pre, proof, ctx, oracle).expect("step agrees with step_witness");
    assert_eq!(hash, expected_hash(&post));
    assert_eq!(hash, state_hash(&post));
    Ok(W::decode(&post))
}

fn run(s: &Setup, slots: &[u64]) -> Result<W, StepError> {
    run_with(s, &s.proofs(slots), &StepContext::default(), &NoPreimages)
}

/// Runs a step that must succeed and checks the common bookkeeping (step count, pc + 4 unless
/// told otherwise).
fn run_ok(s: &Setup, slots: &[u64]) -> W {
    let post = run(s, slots).expect("step succeeds");
    assert_eq!(post.step, s.w.step + 1);
    post
}

/// Checks the post memory root against the helper's root of `mem`.
fn assert_mem(post: &W, mem: &Mem) {
    assert_eq!(post.mem_root, mem.root(), "post memory root");
}

// ---------------------------------------------------------------- memory proofs

#[test]
fn empty_memory_root_is_top_zero_hash() {
    let z = zero_hashes();
    assert_eq!(Mem::new().root(), z[59]);
    // The verifier accepts a proof of the empty memory (fetching the all-zero word, opcode 0,
    // which then is an unknown opcode rather than a bad proof).
    let s = Setup {
        mem: Mem::new(),
        w: W {
            pc: 0x40,
            ..W::default()
        },
    };
    assert_eq!(
        run(&s, &[0x40]).unwrap_err(),
        StepError::UnknownOpcode { pc: 0x40, instr: 0 }
    );
}

#[test]
fn tampered_sibling_is_rejected() {
    let s = Setup::with_instr(i_type(0x13, 1, 0, 0, 1));
    let mut proof = s.proofs(&[0x1000]);
    proof[32 + 5 * 32 + 3] ^= 1;
    let err = run_with(&s, &proof, &StepContext::default(), &NoPreimages).unwrap_err();
    assert_eq!(
        err,
        StepError::BadMemoryProof {
            slot: 0,
            addr: 0x1000
        }
    );
    assert_eq!(err.revert_code(), Some(codes::BAD_MEMORY_PROOF));
}

#[test]
fn tampered_leaf_is_rejected() {
    let mut s = Setup::with_instr(i_type(0x03, 6, 3, 5, 0)); // ld x6, 0(x5)
    s.mem.set_u64(DATA, 0x1122_3344_5566_7788);
    s.w.regs[5] = DATA;
    let mut proof = s.proofs(&[0x1000, DATA]);
    proof[MEMORY_PROOF_SIZE] ^= 0xff; // first byte of the slot-1 leaf
    let err = run_with(&s, &proof, &StepContext::default(), &NoPreimages).unwrap_err();
    assert_eq!(
        err,
        StepError::BadMemoryProof {
            slot: 1,
            addr: DATA
        }
    );
}

#[test]
fn proof_for_another_address_is_rejected() {
    let mut s = Setup::with_instr(i_type(0x03, 6, 3, 5, 0)); // ld x6, 0(x5)
    s.mem.set_u64(DATA, 0x1122_3344_5566_7788);
    s.mem.set_u64(0x5000, 0x1122_3344_5566_7788); // same leaf content, other place
    s.w.regs[5] = DATA;
    let proof = s.proofs(&[0x1000, 0x5000]);
    let err = run_with(&s, &proof, &StepContext::default(), &NoPreimages).unwrap_err();
    assert_eq!(
        err,
        StepError::BadMemoryProof {
            slot: 1,
            addr: DATA
        }
    );
}

#[test]
fn truncated_proof_is_rejected() {
    let s = Setup::with_instr(i_type(0x13, 1, 0, 0, 1));
    let mut proof = s.proofs(&[0x1000]);
    proof.pop();
    let err = run_with(&s, &proof, &StepContext::default(), &NoPreimages).unwrap_err();
    assert_eq!(
        err,
        StepError::MissingProofSlot {
            slot: 0,
            proof_len: MEMORY_PROOF_SIZE - 1
        }
    );

    // A load needing slot 1 with only slot 0 present.
    let mut s = Setup::with_instr(i_type(0x03, 6, 3, 5, 0));
    s.w.regs[5] = DATA;
    let err = run(&s, &[0x1000]).unwrap_err();
    assert!(matches!(err, StepError::MissingProofSlot { slot: 1, .. }));
}

#[test]
fn wrong_witness_length_is_rejected() {
    let s = Setup::with_instr(i_type(0x13, 1, 0, 0, 1));
    let proof = s.proofs(&[0x1000]);
    let mut w = s.witness();
    w.pop();
    let err = step(&w, &proof, &StepContext::default(), &NoPreimages).unwrap_err();
    assert_eq!(err, StepError::WitnessLength { len: 361 });
    assert_eq!(err.revert_code(), None);
    w.extend_from_slice(&[0, 0]);
    assert_eq!(
        step(&w, &proof, &StepContext::default(), &NoPreimages).unwrap_err(),
        StepError::WitnessLength { len: 363 }
    );
}

#[test]
fn fetch_crossing_a_leaf_reverts() {
    let mut s = Setup::with_instr(0);
    s.w.pc = 0x101e;
    let err = run(&s, &[0x1000, 0x1020]).unwrap_err();
    assert_eq!(
        err,
        StepError::MissingRightProof {
            addr: 0x101e,
            size: 4,
            store: false
        }
    );
    assert_eq!(err.revert_code(), Some(codes::UNEXPECTED_R_PROOF_LOAD));
}

#[test]
fn unaligned_fetch_within_a_leaf_works() {
    let mut s = Setup::with_instr(0);
    s.mem.set_u32(0x1002, i_type(0x13, 1, 0, 0, 9));
    s.w.pc = 0x1002;
    let post = run_ok(&s, &[0x1000]);
    assert_eq!(post.regs[1], 9);
    assert_eq!(post.pc, 0x1006);
}

#[test]
fn exited_state_hash_is_unchanged() {
    for (code, status) in [(0u8, 0u8), (1, 1), (7, 2)] {
        let s = Setup {
            mem: Mem::new(),
            w: W {
                exited: 1,
                exit_code: code,
                pc: 0x1234_5678,
                step: 99,
                ..W::default()
            },
        };
        let pre = s.witness();
        let hash = step(&pre, &[], &StepContext::default(), &NoPreimages).unwrap();
        assert_eq!(hash, expected_hash(&pre));
        assert_eq!(hash[0], status);
        let post = step_witness(&pre, &[], &StepContext::default(), &NoPreimages).unwrap();
        assert_eq!(post.as_slice(), pre.as_slice());
    }
}

// ---------------------------------------------------------------- integer instructions

#[test]
fn addi_lui_auipc() {
    let mut s = Setup::with_instr(i_type(0x13, 2, 0, 1, -7)); // addi x2, x1, -7
    s.w.regs[1] = 5;
    let post = run_ok(&s, &[0x1000]);
    assert_eq!(post.regs[2], (-2i64) as u64);
    assert_eq!(post.pc, 0x1004);
    let mut expect = s.w.clone();
    expect.mem_root = s.mem.root();
    expect.regs[2] = (-2i64) as u64;
    expect.pc = 0x1004;
    expect.step += 1;
    assert_eq!(post, expect);

    // writes to x0 are dropped
    let s = Setup::with_instr(i_type(0x13, 0, 0, 0, 5));
    assert_eq!(run_ok(&s, &[0x1000]).regs[0], 0);

    let s = Setup::with_instr(u_type(0x37, 3, 0x80000)); // lui x3, 0x80000
    assert_eq!(run_ok(&s, &[0x1000]).regs[3], 0xffff_ffff_8000_0000);
    let s = Setup::with_instr(u_type(0x37, 3, 0x12345));
    assert_eq!(run_ok(&s, &[0x1000]).regs[3], 0x1234_5000);

    let s = Setup::with_instr(u_type(0x17, 4, 1)); // auipc x4, 1
    assert_eq!(run_ok(&s, &[0x1000]).regs[4], 0x2000);
    let s = Setup::with_instr(u_type(0x17, 4, 0xfffff)); // auipc x4, -1
    assert_eq!(run_ok(&s, &[0x1000]).regs[4], 0x0000);
}

#[test]
fn branches() {
    let cases: &[(u32, u64, u64, bool)] = &[
        (0, 5, 5, true),               // beq
        (0, 5, 6, false),              // beq
        (1, 5, 6, true),               // bne
        (4, (-1i64) as u64, 1, true),  // blt signed
        (6, (-1i64) as u64, 1, false), // bltu
        (5, 1, (-1i64) as u64, true),  // bge
        (7, 1, (-1i64) as u64, false), // bgeu
        (2, 1, 2, false),              // funct3 2: never taken
        (3, 1, 1, false),              // funct3 3: never taken
    ];
    for &(funct3, a, b, taken) in cases {
        let mut s = Setup::with_instr(b_type(funct3, 1, 2, -16));
        s.w.regs[1] = a;
        s.w.regs[2] = b;
        let post = run_ok(&s, &[0x1000]);
        let want = if taken { 0x1000 - 16 } else { 0x1004 };
        assert_eq!(post.pc, want, "funct3 {funct3} a {a:#x} b {b:#x}");
    }
    // A taken branch to a target that is not 4-byte aligned reverts; not taken, it does not.
    let s = Setup::with_instr(b_type(0, 0, 0, 0x7fe)); // beq x0, x0, +2046
    let err = run(&s, &[0x1000]).unwrap_err();
    assert_eq!(
        err,
        StepError::MisalignedJump {
            pc: 0x1000,
            target: 0x1000 + 0x7fe
        }
    );
    assert_eq!(err.revert_code(), Some(codes::NOT_ALIGNED_ADDR));
    let mut s = Setup::with_instr(b_type(1, 0, 0, 0x7fe)); // bne x0, x0: not taken
    assert_eq!(run_ok(&s, &[0x1000]).pc, 0x1004);
    // From a pc that is not 4-byte aligned, even the fall-through reverts.
    s.w.pc = 0x1002;
    s.mem.set_u32(0x1000, 0);
    s.mem.set_u32(0x1002, b_type(1, 0, 0, 8));
    assert!(matches!(
        run(&s, &[0x1000]),
        Err(StepError::MisalignedJump {
            pc: 0x1002,
            target: 0x1006
        })
    ));
}

#[test]
fn jal_and_jalr() {
    let s = Setup::with_instr(j_type(1, -8)); // jal x1, -8
    let post = run_ok(&s, &[0x1000]);
    assert_eq!((post.pc, post.regs[1]), (0xff8, 0x1004));
    let s = Setup::with_instr(j_type(1, 0x7_fffe & !3)); // large forward
    assert_eq!(run_ok(&s, &[0x1000]).pc, 0x1000 + 0x7fffc);

    let s = Setup::with_instr(j_type(1, 2));
    let err = run(&s, &[0x1000]).unwrap_err();
    assert_eq!(
        err,
        StepError::MisalignedJump {
            pc: 0x1000,
            target: 0x1002
        }
    );
    assert_eq!(err.revert_code(), Some(codes::NOT_ALIGNED_ADDR));

    let mut s = Setup::with_instr(i_type(0x67, 1, 0, 5, 3)); // jalr x1, 3(x5)
    s.w.regs[5] = 0x2001;
    let post = run_ok(&s, &[0x1000]);
    assert_eq!((post.pc, post.regs[1]), (0x2004, 0x1004));

    // rd == rs1: the target uses the old value
    let mut s = Setup::with_instr(i_type(0x67, 5, 0, 5, -4));
    s.w.regs[5] = 0x3000;
    let post = run_ok(&s, &[0x1000]);
    assert_eq!((post.pc, post.regs[5]), (0x2ffc, 0x1004));

    let mut s = Setup::with_instr(i_type(0x67, 1, 0, 5, 0));
    s.w.regs[5] = 0x2002;
    assert!(matches!(
        run(&s, &[0x1000]),
        Err(StepError::MisalignedJump { target: 0x2002, .. })
    ));
}

fn alu(instr: u32, a: u64, b: u64) -> u64 {
    let mut s = Setup::with_instr(instr);
    s.w.regs[1] = a;
    s.w.regs[2] = b;
    let post = run_ok(&s, &[0x1000]);
    assert_eq!(post.pc, 0x1004);
    post.regs[3]
}

fn op(funct3: u32, funct7: u32, a: u64, b: u64) -> u64 {
    alu(r_type(0x33, 3, funct3, 1, 2, funct7), a, b)
}

fn op32(funct3: u32, funct7: u32, a: u64, b: u64) -> u64 {
    alu(r_type(0x3b, 3, funct3, 1, 2, funct7), a, b)
}

fn op_imm(funct3: u32, a: u64, imm: i32) -> u64 {
    alu(i_type(0x13, 3, funct3, 1, imm), a, 0)
}

fn op_imm32(funct3: u32, a: u64, imm: i32) -> u64 {
    alu(i_type(0x1b, 3, funct3, 1, imm), a, 0)
}

/// Asserts that `instr` is a reserved encoding: the step reverts with ILLEGAL_INSTRUCTION.
fn assert_illegal(instr: u32) {
    let mut s = Setup::with_instr(instr);
    s.w.regs[1] = 3;
    s.w.regs[2] = 4;
    let err = run(&s, &[0x1000]).unwrap_err();
    assert!(
        matches!(err, StepError::IllegalInstruction { pc: 0x1000, .. }),
        "{instr:#010x}: {err}"
    );
    assert_eq!(err.revert_code(), Some(codes::ILLEGAL_INSTRUCTION));
}

const MIN: u64 = 1 << 63;
const NEG1: u64 = u64::MAX;

#[test]
fn m_extension() {
    assert_eq!(op(0, 1, 7, NEG1), (-7i64) as u64); // mul
    let a = 0x8765_4321_0fed_cba9u64;
    let b = 0xfedc_ba98_7654_3210u64;
    let mulh = ((a as i64 as i128 * b as i64 as i128) >> 64) as u64;
    assert_eq!(op(1, 1, a, b), mulh);
    let mulhsu = ((a as i64 as i128 * b as i128) >> 64) as u64;
    assert_eq!(op(2, 1, a, b), mulhsu);
    let mulhu = ((a as u128 * b as u128) >> 64) as u64;
    assert_eq!(op(3, 1, a, b), mulhu);

    assert_eq!(op(4, 1, (-7i64) as u64, 2), (-3i64) as u64); // div truncates
    assert_eq!(op(4, 1, 5, 0), NEG1);
    assert_eq!(op(4, 1, MIN, NEG1), MIN);
    assert_eq!(op(5, 1, 5, 0), NEG1);
    assert_eq!(op(5, 1, NEG1, 2), NEG1 / 2);
    assert_eq!(op(6, 1, (-7i64) as u64, 2), (-1i64) as u64); // rem sign of dividend
    assert_eq!(op(6, 1, 5, 0), 5);
    assert_eq!(op(6, 1, MIN, NEG1), 0);
    assert_eq!(op(7, 1, 7, 0), 7);
    assert_eq!(op(7, 1, 7, 4), 3);
}

#[test]
fn m_extension_32() {
    assert_eq!(op32(0, 1, 0x1_0000_0003, 0xffff_ffff), (-3i64) as u64); // mulw
                                                                        // divw/divuw/remw/remuw: rs2 is truncated to 32 bits before the zero check.
    assert_eq!(op32(4, 1, 100, 0x1_0000_0000), NEG1);
    assert_eq!(op32(5, 1, 100, 0x1_0000_0000), NEG1);
    assert_eq!(op32(6, 1, 100, 0x1_0000_0000), 100);
    assert_eq!(op32(7, 1, 100, 0x1_0000_0000), 100);
    assert_eq!(op32(4, 1, 7, MIN), NEG1); // rs2 = 0x8000000000000000 divides by zero
    assert_eq!(op32(4, 1, 100, 0xffff_ffff_0000_0007), 14); // the upper half never matters
    assert_eq!(op32(4, 1, 100, 0), NEG1);
    assert_eq!(op32(5, 1, 100, 0), NEG1);
    assert_eq!(op32(6, 1, 0x1_8000_0001, 0), 0xffff_ffff_8000_0001);
    assert_eq!(op32(7, 1, 0x1_0000_0005, 0), 5);
    assert_eq!(op32(4, 1, 0x8000_0000, NEG1), 0xffff_ffff_8000_0000); // MIN32 / -1
    assert_eq!(op32(6, 1, 0x8000_0000, NEG1), 0);
    assert_eq!(op32(4, 1, (-7i64) as u64, 2), (-3i64) as u64);
    assert_eq!(op32(5, 1, 0xffff_fff9, 2), 0x7fff_fffc);
    assert_eq!(op32(6, 1, (-7i64) as u64, 2), (-1i64) as u64);
    assert_eq!(op32(7, 1, 0xffff_fff9, 0x1_0000_0010), 9);
    // MULHW-like encodings do not exist: the step reverts.
    for f3 in 1..4 {
        assert_illegal(r_type(0x3b, 3, f3, 1, 2, 1));
    }
}

#[test]
fn base_alu() {
    assert_eq!(op(0, 0, 3, 4), 7);
    assert_eq!(op(0, 0x20, 3, 4), NEG1);
    assert_illegal(r_type(0x33, 3, 0, 1, 2, 0x10)); // unknown funct7 of ADD/SUB
    assert_eq!(op(1, 0, 1, 65), 2); // sll uses low 6 bits
    assert_eq!(op(2, 0, NEG1, 0), 1);
    assert_eq!(op(3, 0, NEG1, 0), 0);
    assert_eq!(op(5, 0, MIN, 63), 1);
    assert_eq!(op(5, 0x20, MIN, 63), NEG1);
    assert_illegal(r_type(0x33, 3, 5, 1, 2, 0x10)); // unknown funct7 of SRL/SRA
    assert_eq!(op(4, 0x10, 6, 3), 5); // funct7 does not matter for XOR
    assert_eq!(op(6, 0, 0xf0, 0x0f), 0xff);
    assert_eq!(op(7, 0, 0xf0, 0x3c), 0x30);

    assert_eq!(op32(0, 0, 0x7fff_ffff, 1), 0xffff_ffff_8000_0000); // addw
    assert_eq!(op32(0, 0x20, 0, 1), NEG1); // subw
    assert_eq!(op32(1, 0, 1, 31), 0xffff_ffff_8000_0000); // sllw
    assert_eq!(op32(5, 0, 0x8000_0000, 0), 0xffff_ffff_8000_0000); // srlw by 0 sign-extends
    assert_eq!(op32(5, 0, 0x8000_0000, 4), 0x0800_0000);
    assert_eq!(op32(5, 0x20, 0x8000_0000, 4), 0xffff_ffff_f800_0000); // sraw
    assert_illegal(r_type(0x3b, 3, 2, 1, 2, 0)); // unknown funct3
    assert_illegal(r_type(0x3b, 3, 0, 1, 2, 0x10)); // unknown funct7 of ADDW/SUBW
    assert_illegal(r_type(0x3b, 3, 5, 1, 2, 0x10)); // unknown funct7 of SRLW/SRAW

    assert_eq!(op_imm(1, 1, 63), MIN); // slli
    assert_eq!(op_imm(2, NEG1, 0), 1); // slti
    assert_eq!(op_imm(3, 5, -1), 1); // sltiu against sign-extended imm
    assert_eq!(op_imm(4, 0xff, -1), !0xffu64); // xori
    assert_eq!(op_imm(5, MIN, 4), MIN >> 4); // srli
    assert_eq!(op_imm(5, MIN, 0x400 | 4), 0xf800_0000_0000_0000); // srai
    assert_illegal(i_type(0x13, 3, 5, 1, 0x200 | 4)); // unknown shift type
    assert_eq!(op_imm(6, 1, 6), 7);
    assert_eq!(op_imm(7, 0xff, 0x0f), 0x0f);

    assert_eq!(op_imm32(0, 0x7fff_ffff, 1), 0xffff_ffff_8000_0000); // addiw
    assert_eq!(op_imm32(1, 1, 31), 0xffff_ffff_8000_0000); // slliw
    assert_eq!(op_imm32(5, 0xffff_ffff_8000_0000, 4), 0x0800_0000); // srliw
    assert_eq!(op_imm32(5, 0x8000_0000, 0), 0xffff_ffff_8000_0000); // srliw by 0
    assert_eq!(op_imm32(5, 0x8000_0000, 0x400 | 4), 0xffff_ffff_f800_0000); // sraiw
    assert_illegal(i_type(0x1b, 3, 5, 1, 0x20 | 4)); // shamt bit 5 is reserved
    assert_illegal(i_type(0x1b, 3, 1, 1, 0x20 | 4)); // for SLLIW too
    assert_illegal(i_type(0x1b, 3, 5, 1, 0x200 | 4)); // unknown shift type
    for f3 in [2, 3, 4, 6, 7] {
        assert_illegal(i_type(0x1b, 3, f3, 1, 5)); // unknown funct3
    }
}

// ---------------------------------------------------------------- loads and stores

#[test]
fn loads_within_a_leaf() {
    let mut s = Setup::with_instr(i_type(0x03, 6, 3, 5, 8)); // ld x6, 8(x5)
    s.w.regs[5] = DATA;
    s.mem.set_u64(DATA + 8, 0x8877_6655_4433_2211);
    let post = run_ok(&s, &[0x1000, DATA]);
    assert_eq!(post.regs[6], 0x8877_6655_4433_2211);
    assert_mem(&post, &s.mem);

    for (funct3, want) in [
        (0u32, 0x11u64),  // lb
        (1, 0x2211),      // lh
        (2, 0x4433_2211), // lw
        (4, 0x11),        // lbu
        (5, 0x2211),      // lhu
        (6, 0x4433_2211), // lwu
    ] {
        let mut t = s.clone();
        t.mem.set_u32(0x1000, i_type(0x03, 6, funct3, 5, 8));
        assert_eq!(run_ok(&t, &[0x1000, DATA]).regs[6], want);
    }
    // sign extension
    let mut t = s.clone();
    t.mem.set_u64(DATA + 8, 0x0000_0000_8000_ff80);
    t.mem.set_u32(0x1000, i_type(0x03, 6, 0, 5, 8));
    assert_eq!(run_ok(&t, &[0x1000, DATA]).regs[6], 0xffff_ffff_ffff_ff80);
    t.mem.set_u32(0x1000, i_type(0x03, 6, 2, 5, 8));
    assert_eq!(run_ok(&t, &[0x1000, DATA]).regs[6], 0xffff_ffff_8000_ff80);
    // negative offset
    let mut t = s.clone();
    t.w.regs[5] = DATA + 16;
    t.mem.set_u32(0x1000, i_type(0x03, 6, 3, 5, -8));
    assert_eq!(run_ok(&t, &[0x1000, DATA]).regs[6], 0x8877_6655_4433_2211);

    // funct3 = 7 is reserved
    t.mem.set_u32(0x1000, i_type(0x03, 6, 7, 5, 0));
    let err = run(&t, &[0x1000, DATA]).unwrap_err();
    assert!(matches!(
        err,
        StepError::IllegalInstruction { pc: 0x1000, .. }
    ));
    assert_eq!(err.revert_code(), Some(codes::ILLEGAL_INSTRUCTION));
}

#[test]
fn load_across_two_leaves() {
    let mut s = Setup::with_instr(i_type(0x03, 6, 3, 5, 0)); // ld x6, 0(x5)
    s.w.regs[5] = DATA + 0x1c;
    s.mem.set_u64(DATA + 0x1c, 0x8877_6655_4433_2211);
    let post = run_ok(&s, &[0x1000, DATA, DATA + 0x20]);
    assert_eq!(post.regs[6], 0x8877_6655_4433_2211);
    // without the right-hand proof
    assert!(matches!(
        run(&s, &[0x1000, DATA]),
        Err(StepError::MissingProofSlot { slot: 2, .. })
    ));
    // right-hand proof for the wrong leaf
    assert_eq!(
        run(&s, &[0x1000, DATA, DATA]).unwrap_err(),
        StepError::BadMemoryProof {
            slot: 2,
            addr: DATA + 0x20
        }
    );
}

#[test]
fn load_wrapping_around_the_address_space() {
    let mut s = Setup::with_instr(i_type(0x03, 6, 2, 5, 0)); // lw x6, 0(x5)
    s.w.regs[5] = u64::MAX - 1;
    s.mem.set_bytes(u64::MAX - 1, &[0x11, 0x22]);
    s.mem.set_bytes(0, &[0x33, 0x44]);
    let post = run_ok(&s, &[0x1000, u64::MAX - 1, 0]);
    assert_eq!(post.regs[6], 0x4433_2211);
}

#[test]
fn store_within_a_leaf() {
    let mut s = Setup::with_instr(s_type(0x23, 3, 5, 7, 4)); // sd x7, 4(x5)
    s.w.regs[5] = DATA;
    s.w.regs[7] = 0x0102_0304_0506_0708;
    s.mem.set_u64(DATA, u64::MAX);
    let post = run_ok(&s, &[0x1000, DATA]);
    let mut mem = s.mem.clone();
    mem.set_u64(DATA + 4, 0x0102_0304_0506_0708);
    assert_mem(&post, &mem);

    for (funct3, len) in [(0u32, 1usize), (1, 2), (2, 4)] {
        let mut t = s.clone();
        t.mem.set_u32(0x1000, s_type(0x23, funct3, 5, 7, 4));
        let post = run_ok(&t, &[0x1000, DATA]);
        let mut mem = t.mem.clone();
        mem.set_bytes(DATA + 4, &0x0102_0304_0506_0708u64.to_le_bytes()[..len]);
        assert_mem(&post, &mem);
    }
    // funct3 >= 4: more than 8 bytes
    let mut t = s.clone();
    t.mem.set_u32(0x1000, s_type(0x23, 4, 5, 7, 4));
    let err = run(&t, &[0x1000, DATA]).unwrap_err();
    assert_eq!(err, StepError::StoreTooLarge { size: 16 });
    assert_eq!(err.revert_code(), Some(codes::STORE_EXCEEDS_8_BYTES));
}

#[test]
fn store_across_two_leaves() {
    let mut s = Setup::with_instr(s_type(0x23, 3, 5, 7, 0)); // sd x7, 0(x5)
    let addr = DATA + 0x1d;
    s.w.regs[5] = addr;
    s.w.regs[7] = 0x0102_0304_0506_0708;
    s.mem.set_u64(DATA + 0x18, 0xaaaa_aaaa_aaaa_aaaa);
    s.mem.set_u64(DATA + 0x20, 0xbbbb_bbbb_bbbb_bbbb);
    let bytes = 0x0102_0304_0506_0708u64.to_le_bytes();

    // slot 2 proves the right leaf against the root after the left write
    let mut after_left = s.mem.clone();
    after_left.set_bytes(addr, &bytes[..3]);
    let mut proof = s.proofs(&[0x1000, DATA]);
    proof.extend(after_left.proof(DATA + 0x20));
    let post = run_with(&s, &proof, &StepContext::default(), &NoPreimages).unwrap();
    let mut mem = s.mem.clone();
    mem.set_bytes(addr, &bytes);
    assert_mem(&post, &mem);

    // a right proof against the pre-state root does not verify
    let err = run(&s, &[0x1000, DATA, DATA + 0x20]).unwrap_err();
    assert_eq!(
        err,
        StepError::BadMemoryProof {
            slot: 2,
            addr: DATA + 0x20
        }
    );
}

// ---------------------------------------------------------------- atomics

fn amo(funct5: u32, funct3: u32) -> u32 {
    r_type(0x2f, 3, funct3, 1, 2, funct5 << 2)
}

#[test]
fn doubleword_atomics_must_be_8_byte_aligned() {
    // A `.d` AMO, LR or SC at a 4- but not 8-byte aligned address reverts before any memory
    // access (so no AMO ever crosses a leaf); `.w` needs only 4-byte alignment.
    for funct5 in [0x00, 0x02, 0x03] {
        let addr = DATA + 0x1c;
        let mut s = Setup::with_instr(amo(funct5, 3));
        s.w.regs[1] = addr;
        let err = run(&s, &[0x1000]).unwrap_err();
        assert_eq!(err, StepError::MisalignedAmo { pc: 0x1000, addr });
        assert_eq!(err.revert_code(), Some(codes::NOT_ALIGNED_ADDR));
        s.mem.set_u32(0x1000, amo(funct5, 2));
        assert!(
            run_ok(&s, &[0x1000, addr]).pc == 0x1004,
            "funct5 {funct5:#x}"
        );
    }
}

#[test]
fn amo_operations() {
    let cases: &[(u32, u32, u64, u64, u64)] = &[
        // funct5, funct3, memory, rs2, expected memory (rd = old memory, sign-extended)
        (0x01, 3, 5, 9, 9),                     // swap
        (0x04, 3, 0b1100, 0b1010, 0b0110),      // xor
        (0x08, 3, 0b1100, 0b1010, 0b1110),      // or
        (0x0c, 3, 0b1100, 0b1010, 0b1000),      // and
        (0x10, 3, 5, NEG1, NEG1),               // min
        (0x14, 3, 5, NEG1, 5),                  // max
        (0x18, 3, 5, NEG1, 5),                  // minu
        (0x1c, 3, 5, NEG1, NEG1),               // maxu
        (0x10, 2, 5, 0xffff_ffff, 0xffff_ffff), // min.w: rs2 sign-extended
        (0x00, 2, 0xffff_ffff, 1, 0),           // add.w wraps in 32 bits
    ];
    for &(f5, f3, m, v, want) in cases {
        let mut s = Setup::with_instr(amo(f5, f3));
        s.w.regs[1] = DATA + 8;
        s.w.regs[2] = v;
        s.mem.set_u64(DATA + 8, m);
        let post = run_ok(&s, &[0x1000, DATA]);
        let size = if f3 == 2 { 4 } else { 8 };
        let old = if size == 4 {
            m as u32 as i32 as i64 as u64
        } else {
            m
        };
        assert_eq!(post.regs[3], old, "funct5 {f5:#x}");
        let mut mem = s.mem.clone();
        mem.set_bytes(DATA + 8, &want.to_le_bytes()[..size]);
        assert_mem(&post, &mem);
    }

    let mut s = Setup::with_instr(amo(0x05, 3));
    s.w.regs[1] = DATA;
    let err = run(&s, &[0x1000, DATA]).unwrap_err();
    assert_eq!(err, StepError::UnknownAmoOp { pc: 0x1000, op: 5 });
    assert_eq!(err.revert_code(), Some(codes::UNKNOWN_ATOMIC_OPERATION));

    s.w.regs[1] = DATA + 2;
    let err = run(&s, &[0x1000, DATA]).unwrap_err();
    assert_eq!(
        err,
        StepError::MisalignedAmo {
            pc: 0x1000,
            addr: DATA + 2
        }
    );

    let s = Setup::with_instr(amo(0x00, 1));
    let err = run(&s, &[0x1000]).unwrap_err();
    assert_eq!(
        err,
        StepError::BadAmoSize {
            pc: 0x1000,
            size: 2
        }
    );
    assert_eq!(err.revert_code(), Some(codes::BAD_AMO_SIZE));
}

#[test]
fn lr_sc() {
    let mut s = Setup::with_instr(amo(0x02, 2)); // lr.w x3, (x1)
    s.w.regs[1] = DATA + 4;
    s.mem.set_u32(DATA + 4, 0x8000_0001);
    let post = run_ok(&s, &[0x1000, DATA]);
    assert_eq!(post.regs[3], 0xffff_ffff_8000_0001);
    assert_eq!(post.reservation, DATA + 4);

    // sc.d succeeds at the reserved address
    let mut s = Setup::with_instr(amo(0x03, 3));
    s.w.regs[1] = DATA + 8;
    s.w.regs[2] = 0xdead_beef_0000_0001;
    s.w.reservation = DATA + 8;
    let post = run_ok(&s, &[0x1000, DATA]);
    assert_eq!((post.regs[3], post.reservation), (0, 0));
    let mut mem = s.mem.clone();
    mem.set_u64(DATA + 8, 0xdead_beef_0000_0001);
    assert_mem(&post, &mem);

    // sc fails elsewhere: no memory access at all
    s.w.reservation = DATA + 16;
    let post = run_ok(&s, &[0x1000]);
    assert_eq!((post.regs[3], post.reservation), (1, 0));
    assert_mem(&post, &s.mem);
}

// ---------------------------------------------------------------- system

fn syscall(number: u64, args: &[u64]) -> Setup {
    let mut s = Setup::with_instr(ECALL);
    s.w.regs[17] = number;
    for (i, a) in args.iter().enumerate() {
        s.w.regs[10 + i] = *a;
    }
    s
}

#[test]
fn exit_sets_status() {
    for (a0, code, status) in [(0u64, 0u8, 0u8), (0x101, 1, 1), (3, 3, 2)] {
        for nr in [93, 94] {
            let s = syscall(nr, &[a0]);
            let pre = s.witness();
            let proof = s.proofs(&[0x1000]);
            let hash = step(&pre, &proof, &StepContext::default(), &NoPreimages).unwrap();
            assert_eq!(hash[0], status);
            let post = W::decode(
                &step_witness(&pre, &proof, &StepContext::default(), &NoPreimages).unwrap(),
            );
            assert_eq!((post.exited, post.exit_code), (1, code));
            assert_eq!(post.regs, s.w.regs);
            assert_eq!(post.pc, 0x1004);
        }
    }
}

#[test]
fn simple_syscalls() {
    let heap = 0x7f00_0000_0000u64;
    let r = |s: &Setup| {
        let p = run_ok(s, &[0x1000]);
        assert_eq!(p.pc, 0x1004);
        (p.regs[10], p.regs[11], p.heap)
    };
    assert_eq!(r(&syscall(214, &[0])), (1 << 30, 0, heap));
    // mmap
    assert_eq!(
        r(&syscall(222, &[0, 5000, 3, 0x22, NEG1])),
        (heap, 0, heap + 8192)
    );
    assert_eq!(
        r(&syscall(222, &[0, 4096, 3, 0x22, NEG1])),
        (heap, 0, heap + 4096)
    );
    assert_eq!(
        r(&syscall(222, &[0x5000, 4096, 3, 0x22, NEG1])),
        (0x5000, 0, heap)
    );
    assert_eq!(
        r(&syscall(222, &[0, 4096, 3, 0x02, NEG1])),
        (NEG1, 0x4d, heap)
    );
    assert_eq!(r(&syscall(222, &[0, 4096, 3, 0x22, 3])), (NEG1, 0x4d, heap));
    // read
    assert_eq!(r(&syscall(63, &[0, 0x2000, 10])), (0, 0, heap));
    assert_eq!(r(&syscall(63, &[3, 0x2000, 10])), (10, 0, heap));
    assert_eq!(r(&syscall(63, &[4, 0x2000, 10])), (NEG1, 0x4d, heap));
    // write
    for f in [1, 2, 4] {
        assert_eq!(r(&syscall(64, &[f, 0x2000, 10])), (10, 0, heap));
    }
    assert_eq!(r(&syscall(64, &[5, 0x2000, 10])), (NEG1, 0x4d, heap));
    // fcntl
    for f in 0..=6 {
        assert_eq!(r(&syscall(25, &[f, 1])), (0, 0, heap));
        let mode = if [1, 2, 4, 6].contains(&f) { 1 } else { 0 };
        assert_eq!(r(&syscall(25, &[f, 3])), (mode, 0, heap));
    }
    assert_eq!(r(&syscall(25, &[7, 1])), (NEG1, 0x4d, heap));
    assert_eq!(r(&syscall(25, &[7, 3])), (NEG1, 0x4d, heap));
    assert_eq!(r(&syscall(25, &[1, 2])), (NEG1, 0x16, heap));
    assert_eq!(r(&syscall(56, &[0])), (NEG1, 0xd, heap));
    assert_eq!(r(&syscall(220, &[0])), (1, 0, heap));
    assert_eq!(r(&syscall(124, &[9, 9])), (0, 0, heap)); // anything else: 0, 0

    for nr in [261, 422, 101] {
        let err = run(&syscall(nr, &[]), &[0x1000]).unwrap_err();
        assert_eq!(
            err,
            StepError::UnsupportedSyscall {
                number: nr,
                pc: 0x1000
            }
        );
        assert_eq!(err.revert_code(), Some(codes::INVALID_SYSCALL));
    }
    let err = run(&syscall(163, &[3, 0x2000]), &[0x1000]).unwrap_err();
    assert_eq!(
        err,
        StepError::UnknownResource {
            resource: 3,
            pc: 0x1000
        }
    );
    assert_eq!(err.revert_code(), Some(codes::UNRECOGNIZED_RESOURCE));
}

#[test]
fn clock_gettime_and_getrlimit_store_16_bytes() {
    // clock_gettime across two leaves
    let addr = DATA + 0x18;
    let s = syscall(113, &[0, addr]);
    let mut bytes = 1337u64.to_le_bytes().to_vec();
    bytes.extend_from_slice(&42u64.to_le_bytes());
    let mut after_left = s.mem.clone();
    after_left.set_bytes(addr, &bytes[..8]);
    let mut proof = s.proofs(&[0x1000, DATA]);
    proof.extend(after_left.proof(DATA + 0x20));
    let post = run_with(&s, &proof, &StepContext::default(), &NoPreimages).unwrap();
    assert_eq!((post.regs[10], post.regs[11]), (0, 0));
    let mut mem = s.mem.clone();
    mem.set_bytes(addr, &bytes);
    assert_mem(&post, &mem);

    // getrlimit(RLIMIT_NOFILE) within a leaf
    let s = syscall(163, &[7, DATA]);
    let post = run_ok(&s, &[0x1000, DATA]);
    assert_eq!((post.regs[10], post.regs[11]), (0, 0));
    let mut mem = s.mem.clone();
    mem.set_u64(DATA, 1024);
    mem.set_u64(DATA + 8, 1024);
    assert_mem(&post, &mem);
}

#[test]
fn ebreak_csr_fence_float() {
    // ebreak: nothing happens even with a7 = exit
    let mut s = Setup::with_instr(0x0010_0073);
    s.w.regs[17] = 93;
    let post = run_ok(&s, &[0x1000]);
    assert_eq!((post.exited, post.pc), (0, 0x1004));

    // csrrs x5, 0x300, x6: rd := 0
    let mut s = Setup::with_instr(i_type(0x73, 5, 2, 6, 0x300));
    s.w.regs[5] = 77;
    s.w.regs[6] = 1;
    let post = run_ok(&s, &[0x1000]);
    assert_eq!(post.regs[5], 0);

    // csrrw and every other CSR instruction: rd := 0, whatever rs1 and rd hold
    for funct3 in 1..8 {
        let mut s = Setup::with_instr(i_type(0x73, 5, funct3, 6, 0x300));
        s.w.regs[5] = 1;
        s.w.regs[6] = 1;
        let post = run_ok(&s, &[0x1000]);
        assert_eq!((post.pc, post.regs[5], post.regs[6]), (0x1004, 0, 1));
    }

    for instr in [0x0ff0_000f, 0x0000_2007, 0x0000_2027, 0x0000_0053] {
        let s = Setup::with_instr(instr);
        let post = run_ok(&s, &[0x1000]);
        assert_eq!(post.pc, 0x1004);
        assert_eq!(post.regs, s.w.regs);
    }

    let s = Setup::with_instr(0x0000_007f);
    let err = run(&s, &[0x1000]).unwrap_err();
    assert_eq!(
        err,
        StepError::UnknownOpcode {
            pc: 0x1000,
            instr: 0x7f
        }
    );
    assert_eq!(err.revert_code(), Some(codes::UNKNOWN_OPCODE));
}

// ---------------------------------------------------------------- preimages

fn key_hex(s: &str) -> [u8; 32] {
    let mut k = [0u8; 32];
    for (i, b) in k.iter_mut().enumerate() {
        *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
    }
    k
}

#[test]
fn preimage_key_write() {
    let addr = 0x3005u64;
    let mut s = syscall(64, &[6, addr, 40]);
    let mut old_key = [0u8; 32];
    for (i, b) in old_key.iter_mut().enumerate() {
        *b = i as u8;
    }
    s.w.preimage_key = old_key;
    s.w.preimage_offset = 99;
    let data: Vec<u8> = (0..27).map(|i| 0xa0 + i as u8).collect();
    s.mem.set_bytes(addr, &data);
    s.mem.set_byte(0x3000, 0xee); // before the buffer, must not be taken
    let post = run_ok(&s, &[0x1000, 0x3000]);
    assert_eq!((post.regs[10], post.regs[11]), (27, 0));
    assert_eq!(post.preimage_offset, 0);
    let mut want = old_key[27..].to_vec();
    want.extend_from_slice(&data);
    assert_eq!(post.preimage_key.to_vec(), want);
    assert_mem(&post, &s.mem);

    // a short write in the middle of the leaf
    let mut t = s.clone();
    t.w.regs[12] = 3;
    let post = run_ok(&t, &[0x1000, 0x3000]);
    assert_eq!(post.regs[10], 3);
    let mut want = old_key[3..].to_vec();
    want.extend_from_slice(&data[..3]);
    assert_eq!(post.preimage_key.to_vec(), want);
}

#[test]
fn preimage_read_global_key() {
    let value: Vec<u8> = (0..50u8).collect();
    let mut key = keccak(&[&value]);
    key[0] = 2;
    let mut store = PreimageStore::new();
    store.insert_global(key, value.clone()).unwrap();
    let mut prefixed = (value.len() as u64).to_be_bytes().to_vec();
    prefixed.extend_from_slice(&value);

    // offset 0 into addr 0x4010: 16 bytes fit in the leaf
    let mut s = syscall(63, &[5, 0x4010, 100]);
    s.w.preimage_key = key;
    s.mem.set_bytes(0x4000, &[0x77; 32]);
    let proof = s.proofs(&[0x1000, 0x4000]);
    let post = run_with(&s, &proof, &StepContext::default(), &store).unwrap();
    assert_eq!((post.regs[10], post.regs[11]), (16, 0));
    assert_eq!(post.preimage_offset, 16);
    let mut mem = s.mem.clone();
    mem.set_bytes(0x4010, &prefixed[..16]);
    assert_mem(&post, &mem);

    // the tail: offset 48, 10 bytes left, count 5 asked
    let mut t = s.clone();
    t.w.preimage_offset = 48;
    t.w.regs[12] = 5;
    let post = run_with(&t, &proof, &StepContext::default(), &store).unwrap();
    assert_eq!(post.regs[10], 5);
    assert_eq!(post.preimage_offset, 53);
    let mut mem = t.mem.clone();
    mem.set_bytes(0x4010, &prefixed[48..53]);
    assert_mem(&post, &mem);

    // count limited by what is left of the value
    t.w.preimage_offset = 54;
    t.w.regs[11] = 0x4000;
    t.w.regs[12] = 100;
    let post = run_with(&t, &proof, &StepContext::default(), &store).unwrap();
    assert_eq!(post.regs[10], 4);
    let mut mem = t.mem.clone();
    mem.set_bytes(0x4000, &prefixed[54..58]);
    assert_mem(&post, &mem);

    // At the end of the data and past it: the oracle serves no part (the OP Stack oracle loads
    // none there), the step reverts as the VM does.
    for offset in [58, 59] {
        t.w.preimage_offset = offset;
        let err = run_with(&t, &proof, &StepContext::default(), &store).unwrap_err();
        assert!(
            matches!(
                err,
                StepError::Oracle {
                    offset: o,
                    error: OracleError::OffsetOutOfRange { .. },
                    ..
                } if o == offset
            ),
            "{err:?}"
        );
        assert_eq!(err.revert_code(), Some(codes::FAIL_TO_READ_PREIMAGE));
    }
}

#[test]
fn preimage_read_local_key_is_localized() {
    let ctx = StepContext {
        local_context: [0x5a; 32],
        caller: [0xc1; 20],
    };
    let mut key = [0u8; 32];
    key[0] = 1;
    key[31] = 4;
    // independent localization
    let mut caller_word = [0u8; 32];
    caller_word[12..].copy_from_slice(&ctx.caller);
    let mut localized = keccak(&[&key, &caller_word, &ctx.local_context]);
    localized[0] = 1;
    assert_eq!(localize_key(&key, &ctx), localized);

    let mut store = PreimageStore::new();
    store.insert_local(localized, 0xdead_beefu64.to_be_bytes().to_vec());
    let mut s = syscall(63, &[5, 0x4000, 32]);
    s.w.preimage_key = key;
    s.w.preimage_offset = 4;
    let proof = s.proofs(&[0x1000, 0x4000]);
    let post = run_with(&s, &proof, &ctx, &store).unwrap();
    assert_eq!(post.regs[10], 12);
    let mut mem = s.mem.clone();
    let mut prefixed = 8u64.to_be_bytes().to_vec();
    prefixed.extend_from_slice(&0xdead_beefu64.to_be_bytes());
    mem.set_bytes(0x4000, &prefixed[4..]);
    assert_mem(&post, &mem);

    // another context localizes elsewhere: unknown key
    let err = run_with(&s, &proof, &StepContext::default(), &store).unwrap_err();
    assert!(matches!(
        err,
        StepError::Oracle {
            error: OracleError::UnknownKey { .. },
            ..
        }
    ));
}

#[test]
fn preimage_store_checks_hashes() {
    let mut store = PreimageStore::new();
    let mut key = keccak(&[b"hello"]);
    key[0] = 2;
    assert_eq!(
        store.insert_global(key, b"hellO".to_vec()),
        Err(OracleError::HashMismatch { key })
    );
    store.insert_global(key, b"hello".to_vec()).unwrap();
    assert_eq!(store.get(&key), Some(&b"hello"[..]));

    // sha256("abc") = ba7816bf...15ad
    let sha_key = key_hex("047816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    store.insert_global(sha_key, b"abc".to_vec()).unwrap();
    assert!(store.insert_global(sha_key, b"abd".to_vec()).is_err());
    let part = store.read_part(&sha_key, 0).unwrap();
    assert_eq!(part.len, 11);
    assert_eq!(
        &part.data[..11],
        &[0, 0, 0, 0, 0, 0, 0, 3, b'a', b'b', b'c']
    );
    assert_eq!(store.read_part(&sha_key, 10).unwrap().len, 1);
    // No part at the end of the data (as the OP Stack oracle loads none there), nor past it.
    assert!(store.read_part(&sha_key, 11).is_err());
    assert!(store.read_part(&sha_key, 12).is_err());

    // other types are taken as they are
    let mut generic = [9u8; 32];
    generic[0] = 3;
    store.insert_global(generic, vec![1, 2, 3]).unwrap();
    assert!(NoPreimages.read_part(&generic, 0).is_err());
}

#[test]
fn errors_display() {
    let e = StepError::Oracle {
        key: [1; 32],
        offset: 3,
        error: OracleError::UnknownKey { key: [1; 32] },
    };
    let msg = e.to_string();
    assert!(msg.contains("0x0101"), "{msg}");
    assert!(StepError::BadMemoryProof {
        slot: 2,
        addr: 0x40
    }
    .to_string()
    .contains("slot 2"));
}
