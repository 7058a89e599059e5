//! The onchain step's rules where they differ from a RISC-V CPU, one test per rule, from
//! `RISCV.sol` (see the "Conformance facts" of the RISC-V FPVM docs): the VM executes the
//! instruction (or refuses it) and the independent verifier, given the VM's proof (or the proof
//! of the fetch for a refused step), must agree, refusals and revert codes included.

mod common;

use common::*;
use verdict_riscv::asm::{self, reg::*};
use verdict_riscv::{MapOracle, Vm};
use verdict_riscv_consts::revert;
use verdict_riscv_verifier::{self as verifier, NoPreimages, StepContext};

/// Runs the setup `prefix`, then executes `instr` on the VM and the verifier. Returns the VM's
/// registers after `instr`, or the revert code both gave.
fn execute(prefix: &[u32], instr: u32) -> Result<[u64; 32], u64> {
    let mut prog = prefix.to_vec();
    prog.push(instr);
    prog.extend(exit());
    let mut vm = machine(&prog);
    for _ in 0..prefix.len() * 8 {
        if vm.state.pc == BASE + 4 * prefix.len() as u64 {
            break;
        }
        vm.step().expect("the setup runs");
    }
    assert_eq!(
        vm.state.pc,
        BASE + 4 * prefix.len() as u64,
        "reached the instruction"
    );
    both_agree(&mut vm)
}

/// One step on the VM (with its proof) and on the verifier; they must agree.
fn both_agree(vm: &mut Vm<MapOracle>) -> Result<[u64; 32], u64> {
    let ctx = StepContext::default();
    let mut pre = vm.state.clone();
    match vm.step_with_proof() {
        Ok(w) => {
            let post = verifier::step(&w.state, &w.proof, &ctx, &NoPreimages)
                .unwrap_or_else(|e| panic!("the verifier refuses what the VM executes: {e}"));
            assert_eq!(
                post,
                vm.state.state_hash(),
                "the verifier reaches the VM's post-state"
            );
            Ok(vm.state.regs)
        }
        Err(e) => {
            let code = e.revert_code().expect("a guest trap");
            let witness = pre.witness();
            let instr = pre.memory.read_le(pre.pc, 4) as u32;
            let addr = pre.regs[((instr >> 15) & 31) as usize];
            let proof: Vec<u8> = [pre.pc & !31, addr & !31]
                .iter()
                .flat_map(|&a| pre.memory.merkle_proof(a))
                .collect();
            let refusal = verifier::step(&witness, &proof, &ctx, &NoPreimages)
                .expect_err("the verifier refuses what the VM refuses");
            assert_eq!(
                refusal.revert_code(),
                Some(code),
                "VM: {e}; verifier: {refusal}"
            );
            Err(code)
        }
    }
}

#[test]
fn csr_instructions_set_rd_to_zero_whatever_rs1_and_rd_hold() {
    // csrw mtvec, t0 as the riscv-tests begin, then every CSR form with live rs1 and rd.
    let setup = set(&[(T0, 0x8000_0040), (A0, 5), (A1, 9)]);
    assert_eq!(
        execute(&setup, 0x3052_9073).unwrap()[T0 as usize],
        0x8000_0040
    );
    for funct3 in [1, 2, 3, 5, 6, 7] {
        let regs = execute(&setup, asm::i(0x73, A0, funct3, A1, 0x305)).unwrap();
        assert_eq!(
            (regs[A0 as usize], regs[A1 as usize]),
            (0, 9),
            "funct3 {funct3}"
        );
    }
}

#[test]
fn w_division_truncates_rs2_to_32_bits_before_the_zero_check() {
    let setup = set(&[(A0, 7), (A1, 0x8000_0000_0000_0000)]);
    let op = |funct3| asm::r(0x3b, A2, funct3, A0, A1, 1);
    assert_eq!(
        execute(&setup, op(4)).unwrap()[A2 as usize],
        u64::MAX,
        "divw"
    );
    assert_eq!(
        execute(&setup, op(5)).unwrap()[A2 as usize],
        u64::MAX,
        "divuw"
    );
    assert_eq!(execute(&setup, op(6)).unwrap()[A2 as usize], 7, "remw");
    assert_eq!(execute(&setup, op(7)).unwrap()[A2 as usize], 7, "remuw");
}

#[test]
fn reserved_encodings_revert() {
    let setup = set(&[(A0, 7), (A1, 3)]);
    let illegal = [
        asm::r(0x33, A2, 0, A0, A1, 0x10), // OP, funct7 0x10
        asm::r(0x33, A2, 5, A0, A1, 0x10),
        asm::r(0x3b, A2, 0, A0, A1, 0x10), // OP-32, funct7 0x10
        asm::r(0x3b, A2, 5, A0, A1, 0x10),
        asm::r(0x3b, A2, 1, A0, A1, 1), // OP-32, funct3 1 and funct7 1
        asm::i(0x1b, A2, 3, A0, 1),     // OP-IMM-32, funct3 3
        asm::i(0x1b, A2, 1, A0, 0x21),  // SLLIW with imm[5] set
        asm::i(0x13, A2, 5, A0, 0x201), // OP-IMM shift of no kind
        asm::i(0x03, A2, 7, A0, 0),     // load funct3 7
    ];
    for instr in illegal {
        assert_eq!(
            execute(&setup, instr),
            Err(revert::ILLEGAL_INSTRUCTION),
            "{instr:#010x}"
        );
    }
    // Where funct7 does not select the operation, any value goes.
    assert_eq!(
        execute(&setup, asm::r(0x33, A2, 4, A0, A1, 0x10)).unwrap()[A2 as usize],
        7 ^ 3
    );
}

#[test]
fn doubleword_atomics_need_8_byte_alignment() {
    let setup = set(&[(A0, DATA + 4), (A1, 1)]);
    for funct5 in [0x00u32, 0x01, 0x02, 0x03, 0x1c] {
        let d = asm::r(0x2f, A2, 3, A0, A1, funct5 << 2);
        assert_eq!(
            execute(&setup, d),
            Err(revert::NOT_ALIGNED_ADDR),
            "funct5 {funct5:#x}"
        );
        let w = asm::r(0x2f, A2, 2, A0, A1, funct5 << 2);
        assert!(
            execute(&setup, w).is_ok(),
            "the .w form at the same address"
        );
    }
}

#[test]
fn branches_to_targets_not_4_byte_aligned_revert_when_taken() {
    let setup = set(&[(A0, 1), (A1, 1)]);
    let beq = asm::b(0, A0, A1, 6);
    assert_eq!(execute(&setup, beq), Err(revert::NOT_ALIGNED_ADDR));
    let bne = asm::b(1, A0, A1, 6);
    assert!(execute(&setup, bne).is_ok(), "not taken: pc + 4");
}
