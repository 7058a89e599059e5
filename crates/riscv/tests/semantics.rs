//! The reference VM's rules where they differ from, or go beyond, a plain RISC-V CPU: division edge
//! cases, CSRs, rejected encodings, the syscall table, preimages and hints. (Ordinary RISC-V behaviour
//! is checked against QEMU in `differential.rs`.)

mod common;

use common::*;
use verdict_preimage::PreimageKey;
use verdict_riscv::asm::{self, reg::*};
use verdict_riscv::{HostError, Trap, VmError};

fn r(funct3: u32, funct7: u32) -> u32 {
    asm::r(0x3b, A2, funct3, A0, A1, funct7)
}

#[test]
fn w_division_truncates_the_divisor_to_32_bits_first() {
    // rs2 = 1 << 32 or 1 << 63: non-zero, but its low half is zero: the onchain step truncates
    // rs2 to 32 bits before the zero test, so this divides by zero as RISC-V says (-1, the
    // dividend).
    for rs2 in [1 << 32, 1 << 63] {
        for (funct3, expect) in [(4, u64::MAX), (5, u64::MAX), (6, 7), (7, 7)] {
            let regs = regs_after(&[set(&[(A0, 7), (A1, rs2)]), vec![r(funct3, 1)]].concat());
            assert_eq!(regs[A2 as usize], expect, "funct3 {funct3} rs2 {rs2:#x}");
        }
    }
    // A zero divisor proper follows RISC-V.
    for (funct3, expect) in [
        (4, u64::MAX),
        (5, u64::MAX),
        (6, (-5i64) as u64),
        (7, (-5i64) as u64),
    ] {
        let regs =
            regs_after(&[set(&[(A0, (-5i64) as u64), (A1, 0)]), vec![r(funct3, 1)]].concat());
        assert_eq!(regs[A2 as usize], expect, "funct3 {funct3}");
    }
}

#[test]
fn signed_division_overflow() {
    let min = i64::MIN as u64;
    let div = asm::r(0x33, A2, 4, A0, A1, 1);
    let rem = asm::r(0x33, A3, 6, A0, A1, 1);
    let regs = regs_after(&[set(&[(A0, min), (A1, u64::MAX)]), vec![div, rem]].concat());
    assert_eq!(regs[A2 as usize], min);
    assert_eq!(regs[A3 as usize], 0);
}

#[test]
fn csr_instructions_zero_rd_whatever_their_operands() {
    // RISCV.sol: every SYSTEM instruction with funct3 != 0 sets rd to 0 and goes on (the
    // riscv-tests write mtvec with a CSRRW whose rs1 and rd hold values).
    let csrrs_cycle = asm::i(0x73, A0, 2, ZERO, 0xc00);
    let regs = regs_after(&[set(&[(A0, 5)]), vec![csrrs_cycle]].concat());
    assert_eq!(regs[A0 as usize], 0);
    let csrrw_noop = asm::i(0x73, ZERO, 1, ZERO, 0x001);
    regs_after(&[csrrw_noop]);
    for funct3 in 1..8 {
        let csr = asm::i(0x73, A2, funct3, A1, 0x305);
        let regs = regs_after(&[set(&[(A1, 7), (A2, 9)]), vec![csr]].concat());
        assert_eq!(
            (regs[A1 as usize], regs[A2 as usize]),
            (7, 0),
            "funct3 {funct3}"
        );
    }
}

#[test]
fn floating_point_fences_and_ebreak_are_no_ops() {
    let fld = asm::i(0x07, 1, 3, A0, 0);
    let fsd = asm::s(3, A0, 1, 0) & !0x7f | 0x27;
    let fadd = asm::r(0x53, 1, 0, 1, 1, 0);
    let fence = 0x0ff0000f;
    let ebreak = 0x00100073;
    let regs = regs_after(&[set(&[(A0, 3)]), vec![fld, fsd, fadd, fence, ebreak]].concat());
    assert_eq!(regs[A0 as usize], 3);
}

#[test]
fn rejected_encodings_name_the_pc() {
    type Case = (Vec<u32>, fn(&VmError) -> bool);
    let cases: Vec<Case> = vec![
        (
            vec![0xffff_ffff],
            |e| matches!(e.as_trap(), Some(Trap::UnknownOpcode { instr }) if instr & 0x7f == 0x7f),
        ),
        (vec![asm::i(0x03, A0, 7, ZERO, 0)], |e| {
            matches!(e.as_trap(), Some(Trap::IllegalInstruction { .. }))
        }),
        (vec![asm::s(4, ZERO, ZERO, 0)], |e| {
            matches!(e.as_trap(), Some(Trap::StoreTooLarge { size: 16 }))
        }),
        (vec![asm::i(0x67, RA, 0, ZERO, 0x102)], |e| {
            matches!(e.as_trap(), Some(Trap::UnalignedJump { target: 0x102 }))
        }),
        (vec![asm::jal(ZERO, 6)], |e| {
            matches!(e.as_trap(), Some(Trap::UnalignedJump { .. }))
        }),
        (vec![asm::r(0x2f, A0, 1, ZERO, ZERO, 0)], |e| {
            matches!(e.as_trap(), Some(Trap::BadAtomicSize { size: 2 }))
        }),
        (vec![asm::r(0x2f, A0, 2, A1, ZERO, 0x1f << 2)], |e| {
            matches!(e.as_trap(), Some(Trap::UnknownAtomicOp { op: 0x1f }))
        }),
    ];
    for (prog, check) in cases {
        let mut vm = machine(&[set(&[(A1, DATA)]), prog.clone()].concat());
        let step_before = loop {
            let step = vm.state.step;
            if let Err(e) = vm.step() {
                assert!(check(&e), "{prog:x?}: {e}");
                assert_eq!(
                    e.pc(),
                    Some(vm.state.pc),
                    "the error names the pc of the failing instruction"
                );
                assert!(e.to_string().contains(&format!("{:x}", vm.state.pc)), "{e}");
                break step;
            }
        };
        assert_eq!(
            vm.state.step, step_before,
            "a failed step leaves the step counter"
        );
    }
    let mut vm = machine(
        &[
            set(&[(A1, DATA + 2)]),
            vec![asm::r(0x2f, A0, 2, A1, ZERO, 0)],
        ]
        .concat(),
    );
    assert!(matches!(
        run(&mut vm).unwrap_err().as_trap(),
        Some(Trap::UnalignedAtomic { .. })
    ));
}

#[test]
fn syscall_table() {
    let heap = verdict_riscv::state::HEAP_START;
    /// (syscall number, argument registers, expected a0, expected a1)
    type Case<'a> = (u64, &'a [(u32, u64)], u64, u64);
    let cases: &[Case] = &[
        (214, &[], 1 << 30, 0), // brk
        (
            222,
            &[(A0, 0), (A1, 5000), (A3, 0x22), (A4, u64::MAX)],
            heap,
            0,
        ), // mmap anonymous
        (
            222,
            &[(A0, 0x5000), (A1, 10), (A3, 0x22), (A4, u64::MAX)],
            0x5000,
            0,
        ), // mmap with a hint
        (
            222,
            &[(A0, 0), (A1, 10), (A3, 0x2), (A4, u64::MAX)],
            u64::MAX,
            0x4d,
        ), // not anonymous
        (
            222,
            &[(A0, 0), (A1, 10), (A3, 0x22), (A4, 3)],
            u64::MAX,
            0x4d,
        ), // a file
        (63, &[(A0, 0), (A2, 10)], 0, 0), // read stdin
        (63, &[(A0, 3), (A2, 10)], 10, 0), // read hint ack
        (63, &[(A0, 9), (A2, 10)], u64::MAX, 0x4d), // read bad fd
        (64, &[(A0, 3), (A2, 10)], u64::MAX, 0x4d), // write to a read fd
        (25, &[(A0, 1), (A1, 3)], 1, 0), // F_GETFL stdout
        (25, &[(A0, 5), (A1, 3)], 0, 0), // F_GETFL preimage read
        (25, &[(A0, 6), (A1, 1)], 0, 0), // F_GETFD
        (25, &[(A0, 7), (A1, 1)], u64::MAX, 0x4d), // bad fd
        (25, &[(A0, 1), (A1, 4)], u64::MAX, 0x16), // bad command
        (56, &[], u64::MAX, 0xd), // openat
        (220, &[], 1, 0),       // clone
        (124, &[(A0, 5), (A1, 6)], 0, 0), // sched_yield: no-op
        (9999, &[(A0, 5), (A1, 6)], 0, 0), // unknown: no-op
    ];
    for &(number, args, a0, a1) in cases {
        let regs = regs_after(&[set(args), syscall(number)].concat());
        assert_eq!(
            (regs[A0 as usize], regs[A1 as usize]),
            (a0, a1),
            "syscall {number} {args:x?}"
        );
    }
    // mmap rounds the length up to pages.
    let mut vm = machine(
        &[
            set(&[(A0, 0), (A1, 5000), (A3, 0x22), (A4, u64::MAX)]),
            syscall(222),
            exit(),
        ]
        .concat(),
    );
    run(&mut vm).unwrap();
    assert_eq!(vm.state.heap, heap + 8192);
    // clock_gettime and getrlimit write 16 bytes, here across a 32-byte leaf.
    for (number, a0, words) in [(113u64, 0u64, [1337u64, 42]), (163, 7, [1024, 1024])] {
        let mut vm =
            machine(&[set(&[(A0, a0), (A1, DATA + 24)]), syscall(number), exit()].concat());
        run(&mut vm).unwrap();
        assert_eq!(
            [
                vm.state.memory.read_le(DATA + 24, 8),
                vm.state.memory.read_le(DATA + 32, 8)
            ],
            words
        );
    }
    let mut vm = machine(&[set(&[(A0, 3), (A1, DATA)]), syscall(163)].concat());
    assert!(matches!(
        run(&mut vm).unwrap_err().as_trap(),
        Some(Trap::UnrecognizedResource { resource: 3 })
    ));
    for number in [261u64, 422, 101] {
        let mut vm = machine(&syscall(number));
        let err = run(&mut vm).unwrap_err();
        assert!(
            matches!(err.as_trap(), Some(Trap::UnsupportedSyscall { number: n }) if *n == number),
            "{err}"
        );
        assert!(err.to_string().contains(&number.to_string()));
    }
}

#[test]
fn exit_sets_status_and_later_steps_do_nothing() {
    let mut vm = machine(&[set(&[(A0, 0x1_02)]), exit()].concat());
    run(&mut vm).unwrap();
    assert_eq!(vm.state.exit_code, 2);
    assert_eq!(vm.state.status(), verdict_riscv::Status::Panic);
    let (step, pc) = (vm.state.step, vm.state.pc);
    vm.step().unwrap();
    assert_eq!((vm.state.step, vm.state.pc), (step, pc));
    assert_eq!(vm.state.state_hash()[0], 2);
}

/// A program that writes `key` (stored at DATA, written in two parts, the first unaligned) to fd 6,
/// then reads the preimage to DATA + 0x100 until read returns 0 bytes... or rather exactly `len + 8`.
pub fn preimage_reader(total: u64) -> Vec<u32> {
    let mut p = vec![];
    // write(6, DATA + 3, 10): only 10 bytes, then write(6, DATA + 13, 100): clipped to the leaf end.
    p.extend(set(&[(A0, 6), (A1, DATA + 3), (A2, 10)]));
    p.extend(syscall(64));
    p.extend(set(&[(A0, 6), (A1, DATA + 13), (A2, 100)]));
    p.extend(syscall(64));
    // read loop: s0 = remaining, s1 = destination
    p.extend(set(&[(S0, total), (S1, DATA + 0x105)]));
    let loop_start = p.len();
    p.extend(set(&[(A0, 5)]));
    p.push(asm::addi(A1, S1, 0));
    p.push(asm::addi(A2, S0, 0));
    p.extend(syscall(63));
    p.push(asm::r(0x33, S1, 0, S1, A0, 0)); // s1 += a0
    p.push(asm::r(0x33, S0, 0, S0, A0, 0x20)); // s0 -= a0
    let back = -(((p.len() - loop_start) * 4) as i32);
    p.push(asm::b(1, S0, ZERO, back)); // bne s0, zero, loop
    p.extend(set(&[(A0, 0)]));
    p.extend(exit());
    p
}

#[test]
fn preimage_key_write_and_value_read() {
    let value =
        b"the quick brown fox jumps over the lazy dog, twice over: the quick brown fox".to_vec();
    let mut key = verdict_riscv::hash::keccak256(&value);
    key[0] = 2;
    let mut vm = machine(&preimage_reader(value.len() as u64 + 8));
    // The key bytes: 10 at DATA+3.., 19 at DATA+13 (up to the leaf end at DATA+32), so the key is
    // the last 29 bytes... place the whole key so that the two writes take its first 29 bytes, then
    // the state key is shifted: we check against what the shifting rule gives.
    let mut mem = [0u8; 32];
    mem[3..32].copy_from_slice(&key[..29]);
    vm.state.memory.write(DATA, &mem);
    vm.oracle_mut()
        .preimages
        .insert(PreimageKey(key), value.clone());
    // Expected state key: 29 bytes appended to a zero key.
    let mut expected_key = [0u8; 32];
    expected_key[3..].copy_from_slice(&key[..29]);
    vm.oracle_mut()
        .preimages
        .insert(PreimageKey(expected_key), value.clone());
    run(&mut vm).unwrap();
    assert_eq!(vm.state.preimage_key, expected_key);
    assert_eq!(vm.state.preimage_offset, value.len() as u64 + 8);
    let mut got = vec![0u8; value.len() + 8];
    vm.state.memory.read(DATA + 0x105, &mut got);
    assert_eq!(&got[..8], &(value.len() as u64).to_be_bytes());
    assert_eq!(&got[8..], &value[..]);
}

#[test]
fn reading_past_the_preimage_or_an_unknown_key_is_an_error() {
    let mut vm = machine(&preimage_reader(100));
    vm.oracle_mut()
        .preimages
        .insert(PreimageKey([0; 32]), vec![1, 2, 3]);
    let err = run(&mut vm).unwrap_err();
    assert!(
        matches!(
            err.as_trap(),
            Some(Trap::PreimageOffsetOutOfBounds {
                offset: 11,
                len: 11,
                ..
            })
        ),
        "{err}"
    );
    let mut vm = machine(&preimage_reader(100));
    let err = run(&mut vm).unwrap_err();
    assert!(
        matches!(err, VmError::Host(HostError::Preimage { .. })),
        "{err}"
    );
    assert!(err.to_string().contains("unknown preimage key"), "{err}");
}

#[test]
fn hints_are_passed_on_when_complete() {
    // "\0\0\0\x05hello" + "\0\0\0\x02" "hi" written in pieces of 3 bytes.
    let msg = b"\0\0\0\x05hello\0\0\0\x02hi";
    let mut p = vec![];
    for chunk in (0..msg.len()).step_by(3) {
        p.extend(set(&[
            (A0, 4),
            (A1, DATA + chunk as u64),
            (A2, 3.min(msg.len() - chunk) as u64),
        ]));
        p.extend(syscall(64));
    }
    p.extend(exit());
    let mut vm = machine(&p);
    vm.state.memory.write(DATA, msg);
    run(&mut vm).unwrap();
    assert_eq!(
        *vm.oracle().hints.borrow(),
        vec![b"hello".to_vec(), b"hi".to_vec()]
    );
    assert!(vm.state.last_hint.is_empty());
    // An absurd hint length is an error, not an overflow or an allocation of everything.
    let mut vm = machine(&[set(&[(A0, 4), (A1, DATA), (A2, u64::MAX)]), syscall(64)].concat());
    assert!(matches!(
        run(&mut vm),
        Err(VmError::Host(HostError::Hint { .. }))
    ));
}

#[test]
fn stdout_and_stderr_are_forwarded() {
    let mut p = set(&[(A0, 1), (A1, DATA), (A2, 5)]);
    p.extend(syscall(64));
    p.extend(set(&[(A0, 2), (A1, DATA + 5), (A2, 3)]));
    p.extend(syscall(64));
    p.extend(set(&[(A0, 0)]));
    p.extend(exit());
    let mut vm = machine(&p);
    vm.state.memory.write(DATA, b"helloerr");
    run(&mut vm).unwrap();
    assert_eq!(vm.stdout(), b"hello");
    assert_eq!(vm.stderr(), b"err");
}

/// The fast path (`run`, on pre-decoded code) and the generic step agree on whole programs,
/// including code written at run time (which must drop its decoding).
#[test]
fn fast_path_matches_step_by_step() {
    let ci = std::env::var("CI").as_deref() == Ok("true");
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../guests/build");
    let mut programs: Vec<(String, Vec<u8>)> = vec![];
    for name in [
        "hello", "exit3", "alu", "muldiv", "atomic", "mem", "branch", "sha256",
    ] {
        match std::fs::read(dir.join(format!("{name}.elf"))) {
            Ok(bytes) => programs.push((name.to_string(), bytes)),
            Err(_) => assert!(!ci, "guest {name} is missing: run scripts/build-guests.sh"),
        }
    }
    // Self-modifying code: overwrite the next instruction (addi a0, zero, 1) with addi a0, zero, 7.
    let mut p = set(&[(A1, BASE + 4 * 100), (T0, asm::addi(A0, ZERO, 7) as u64)]);
    p.push(asm::s(2, A1, T0, 0)); // sw t0, 0(a1)
    while p.len() < 100 {
        p.push(asm::addi(ZERO, ZERO, 0));
    }
    p.push(asm::addi(A0, ZERO, 1));
    p.extend(exit());
    programs.push((
        "self-modifying".into(),
        verdict_riscv::asm::elf(BASE, &verdict_riscv::asm::code(&p)),
    ));
    for (name, bytes) in programs {
        let state = verdict_riscv::load_elf(&bytes).unwrap();
        let mut slow = verdict_riscv::Vm::new(state.clone());
        slow.capture_output();
        while !slow.state.exited {
            slow.step().unwrap();
        }
        // Both fast engines: the JIT (where there is one) and the interpreter.
        for jit in [true, false] {
            let mut fast = verdict_riscv::Vm::new(state.clone());
            fast.set_jit(jit);
            fast.capture_output();
            fast.run(u64::MAX).unwrap();
            assert_eq!(
                fast.state.state_hash(),
                slow.state.state_hash(),
                "{name}, jit {jit}"
            );
            assert_eq!(fast.stdout(), slow.stdout(), "{name}, jit {jit}");
            // Stopping at arbitrary steps (as --stop-at does) and resuming gives the same state.
            let mut chunked = verdict_riscv::Vm::new(state.clone());
            chunked.set_jit(jit);
            let mut k = 1;
            while !chunked.state.exited {
                chunked.run(k).unwrap();
                k = k * 3 % 1000 + 1;
            }
            assert_eq!(
                chunked.state.state_hash(),
                slow.state.state_hash(),
                "{name} in chunks, jit {jit}"
            );
            if name == "self-modifying" {
                assert_eq!(fast.state.exit_code, 7);
            }
        }
    }
}
