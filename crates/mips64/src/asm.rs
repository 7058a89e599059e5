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

/// A minimal 64-bit big-endian MIPS ELF: one `PT_LOAD` segment holding `code` at `base` (the
/// entry point), followed by `fill` bytes of zeros in memory. For the VM's loader (Linux and
/// QEMU want more of an ELF than this).
pub fn elf(base: u64, code: &[u32], fill: u64) -> Vec<u8> {
    let bytes: Vec<u8> = code.iter().flat_map(|w| w.to_be_bytes()).collect();
    let mut b = vec![0u8; 64 + 56];
    b[..4].copy_from_slice(b"\x7fELF");
    b[4] = 2; // ELFCLASS64
    b[5] = 2; // big-endian
    b[6] = 1;
    b[16..18].copy_from_slice(&2u16.to_be_bytes()); // ET_EXEC
    b[18..20].copy_from_slice(&crate::elf::EM_MIPS.to_be_bytes());
    b[20..24].copy_from_slice(&1u32.to_be_bytes());
    b[24..32].copy_from_slice(&base.to_be_bytes());
    b[32..40].copy_from_slice(&64u64.to_be_bytes());
    b[52..54].copy_from_slice(&64u16.to_be_bytes());
    b[54..56].copy_from_slice(&56u16.to_be_bytes());
    b[56..58].copy_from_slice(&1u16.to_be_bytes());
    let ph = &mut b[64..120];
    ph[0..4].copy_from_slice(&1u32.to_be_bytes()); // PT_LOAD
    ph[4..8].copy_from_slice(&7u32.to_be_bytes()); // RWX
    ph[8..16].copy_from_slice(&120u64.to_be_bytes());
    ph[16..24].copy_from_slice(&base.to_be_bytes());
    ph[24..32].copy_from_slice(&base.to_be_bytes());
    ph[32..40].copy_from_slice(&(bytes.len() as u64).to_be_bytes());
    ph[40..48].copy_from_slice(&(bytes.len() as u64 + fill).to_be_bytes());
    ph[48..56].copy_from_slice(&4096u64.to_be_bytes());
    b.extend_from_slice(&bytes);
    b
}
