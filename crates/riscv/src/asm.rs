//! A tiny RV64IMA assembler and ELF writer, for tests and fixtures that need exact instructions.

/// Register numbers by ABI name.
pub mod reg {
    #![allow(missing_docs)]
    pub const ZERO: u32 = 0;
    pub const RA: u32 = 1;
    pub const SP: u32 = 2;
    pub const GP: u32 = 3;
    pub const TP: u32 = 4;
    pub const T0: u32 = 5;
    pub const T1: u32 = 6;
    pub const T2: u32 = 7;
    pub const A0: u32 = 10;
    pub const A1: u32 = 11;
    pub const A2: u32 = 12;
    pub const A3: u32 = 13;
    pub const A4: u32 = 14;
    pub const A5: u32 = 15;
    pub const A7: u32 = 17;
    pub const S0: u32 = 8;
    pub const S1: u32 = 9;
}

/// R-type: funct7 | rs2 | rs1 | funct3 | rd | opcode.
pub fn r(opcode: u32, rd: u32, funct3: u32, rs1: u32, rs2: u32, funct7: u32) -> u32 {
    funct7 << 25 | rs2 << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | opcode
}

/// I-type with a 12-bit signed immediate.
pub fn i(opcode: u32, rd: u32, funct3: u32, rs1: u32, imm: i32) -> u32 {
    ((imm as u32) & 0xfff) << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | opcode
}

/// S-type store.
pub fn s(funct3: u32, rs1: u32, rs2: u32, imm: i32) -> u32 {
    let imm = imm as u32;
    ((imm >> 5) & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | funct3 << 12 | (imm & 0x1f) << 7 | 0x23
}

/// B-type branch with a byte offset.
pub fn b(funct3: u32, rs1: u32, rs2: u32, offset: i32) -> u32 {
    let o = offset as u32;
    ((o >> 12) & 1) << 31
        | ((o >> 5) & 0x3f) << 25
        | rs2 << 20
        | rs1 << 15
        | funct3 << 12
        | ((o >> 1) & 0xf) << 8
        | ((o >> 11) & 1) << 7
        | 0x63
}

/// LUI rd, imm20.
pub fn lui(rd: u32, imm20: u32) -> u32 {
    (imm20 & 0xfffff) << 12 | rd << 7 | 0x37
}

/// JAL rd, byte offset.
pub fn jal(rd: u32, offset: i32) -> u32 {
    let o = offset as u32;
    ((o >> 20) & 1) << 31
        | ((o >> 1) & 0x3ff) << 21
        | ((o >> 11) & 1) << 20
        | ((o >> 12) & 0xff) << 12
        | rd << 7
        | 0x6f
}

/// ADDI rd, rs1, imm.
pub fn addi(rd: u32, rs1: u32, imm: i32) -> u32 {
    i(0x13, rd, 0, rs1, imm)
}

/// ECALL.
pub const ECALL: u32 = 0x73;

/// Instructions that load a 64-bit constant into `rd` (LUI/ADDI/SLLI sequence, without touching
/// other registers).
pub fn li(rd: u32, value: u64) -> Vec<u32> {
    let mut out = Vec::new();
    // Build 16 bits at a time from the top: rd = 0; for each chunk: rd = (rd << 16) | chunk.
    out.push(addi(rd, reg::ZERO, 0));
    let mut started = false;
    for shift in [48u32, 32, 16, 0] {
        let chunk = ((value >> shift) & 0xffff) as i32;
        if started {
            out.push(i(0x13, rd, 1, rd, 16)); // slli rd, rd, 16
        }
        if chunk != 0 || started {
            // ori with two halves to stay within the signed 12-bit immediate
            out.push(i(0x13, rd, 6, rd, chunk & 0x7ff)); // ori low 11 bits
            if chunk >> 11 != 0 {
                // set bits 11..16 with shifted ORs: (chunk >> 11) << 11
                out.push(i(0x13, reg::T2, 0, reg::ZERO, (chunk >> 11) & 0x1f)); // t2 = high bits
                out.push(i(0x13, reg::T2, 1, reg::T2, 11)); // slli t2, t2, 11
                out.push(r(0x33, rd, 6, rd, reg::T2, 0)); // or rd, rd, t2
            }
            started = true;
        }
    }
    out
}

/// Encodes instructions as little-endian bytes.
pub fn code(instrs: &[u32]) -> Vec<u8> {
    instrs.iter().flat_map(|w| w.to_le_bytes()).collect()
}

/// A minimal static RISC-V ELF with one loadable segment holding `code` at `addr`, entry at `addr`.
pub fn elf(addr: u64, code: &[u8]) -> Vec<u8> {
    let mut b = vec![0u8; 64 + 56];
    b[..4].copy_from_slice(b"\x7fELF");
    b[4] = 2; // 64-bit
    b[5] = 1; // little-endian
    b[6] = 1; // version
    b[16] = 2; // executable
    b[18..20].copy_from_slice(&243u16.to_le_bytes()); // RISC-V
    b[20..24].copy_from_slice(&1u32.to_le_bytes());
    b[24..32].copy_from_slice(&addr.to_le_bytes());
    b[32..40].copy_from_slice(&64u64.to_le_bytes());
    b[52..54].copy_from_slice(&64u16.to_le_bytes());
    b[54..56].copy_from_slice(&56u16.to_le_bytes());
    b[56..58].copy_from_slice(&1u16.to_le_bytes());
    let ph = &mut b[64..120];
    ph[0..4].copy_from_slice(&1u32.to_le_bytes()); // PT_LOAD
    ph[4..8].copy_from_slice(&7u32.to_le_bytes()); // rwx
    ph[8..16].copy_from_slice(&120u64.to_le_bytes());
    ph[16..24].copy_from_slice(&addr.to_le_bytes());
    ph[24..32].copy_from_slice(&addr.to_le_bytes());
    ph[32..40].copy_from_slice(&(code.len() as u64).to_le_bytes());
    ph[40..48].copy_from_slice(&(code.len() as u64).to_le_bytes());
    ph[48..56].copy_from_slice(&0x1000u64.to_le_bytes());
    b.extend_from_slice(code);
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn li_loads_any_constant() {
        for v in [
            0u64,
            1,
            0x7ff,
            0x800,
            0xffff,
            0x1234_5678_9abc_def0,
            u64::MAX,
            1 << 63,
        ] {
            let mut prog = li(reg::A0, v);
            prog.extend([addi(reg::A7, 0, 93), ECALL]);
            let mut vm = crate::Vm::new(crate::load_elf(&elf(0x1000, &code(&prog))).unwrap());
            vm.run(1000).unwrap();
            assert!(vm.state.exited);
            assert_eq!(vm.state.regs[reg::A0 as usize], v, "{v:#x}");
        }
    }
}
