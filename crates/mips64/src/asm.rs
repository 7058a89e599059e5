//! A tiny MIPS64 assembler for tests: instruction words from mnemonics' fields, and a program
//! image as a loadable state.

use crate::state::State;

/// An R-type word: SPECIAL (opcode 0) with `rs rt rd sa fun`.
pub fn r(fun: u32, rd: u32, rs: u32, rt: u32, sa: u32) -> u32 {
    rs << 21 | rt << 16 | rd << 11 | sa << 6 | fun
}

/// An I-type word: `opcode rs rt imm`.
pub fn i(opcode: u32, rt: u32, rs: u32, imm: i32) -> u32 {
    opcode << 26 | rs << 21 | rt << 16 | (imm as u32 & 0xffff)
}

/// A SPECIAL2 (opcode 0x1c) word.
pub fn r2(fun: u32, rd: u32, rs: u32, rt: u32) -> u32 {
    0x1c << 26 | rs << 21 | rt << 16 | rd << 11 | fun
}

/// `j`/`jal` (opcode 2/3) to `target` (within the 256 MiB region of the delay slot).
pub fn j(opcode: u32, target: u64) -> u32 {
    opcode << 26 | ((target >> 2) as u32 & 0x03ff_ffff)
}

/// `daddiu rt, rs, imm`.
pub fn daddiu(rt: u32, rs: u32, imm: i32) -> u32 {
    i(0x19, rt, rs, imm)
}

/// `addiu rt, rs, imm`.
pub fn addiu(rt: u32, rs: u32, imm: i32) -> u32 {
    i(0x09, rt, rs, imm)
}

/// `lui rt, imm`.
pub fn lui(rt: u32, imm: u32) -> u32 {
    i(0x0f, rt, 0, imm as i32)
}

/// `ori rt, rs, imm`.
pub fn ori(rt: u32, rs: u32, imm: u32) -> u32 {
    i(0x0d, rt, rs, imm as i32)
}

/// `syscall`.
pub const SYSCALL: u32 = 0xc;
/// `nop` (`sll r0, r0, 0`).
pub const NOP: u32 = 0;

/// Loads a 32-bit value into `rt` with `lui` + `ori`.
pub fn li32(rt: u32, value: u32) -> [u32; 2] {
    [lui(rt, value >> 16), ori(rt, rt, value & 0xffff)]
}

/// A state holding `code` at `base` with one thread starting there (no stack set up).
pub fn program(base: u64, code: &[u32]) -> State {
    let mut s = State::new(base);
    let bytes: Vec<u8> = code.iter().flat_map(|w| w.to_be_bytes()).collect();
    s.memory.write(base, &bytes);
    s
}
