//! Test helpers: a sparse merkle memory, a witness builder and instruction encoders, written
//! independently of the crate's own code.
#![allow(dead_code)]

use std::collections::BTreeMap;

use tiny_keccak::{Hasher, Keccak};
use verdict_riscv_verifier::{MEMORY_PROOF_SIZE, WITNESS_SIZE};

pub fn keccak(parts: &[&[u8]]) -> [u8; 32] {
    let mut k = Keccak::v256();
    for p in parts {
        k.update(p);
    }
    let mut out = [0u8; 32];
    k.finalize(&mut out);
    out
}

pub const DEPTH: usize = 59;

/// z[i] = root of an empty subtree of height i.
pub fn zero_hashes() -> Vec<[u8; 32]> {
    let mut z = vec![[0u8; 32]];
    for i in 0..DEPTH {
        let h = keccak(&[&z[i], &z[i]]);
        z.push(h);
    }
    z
}

/// Non-empty node hashes of one tree level, by index.
type Level = BTreeMap<u64, [u8; 32]>;

/// Sparse memory: leaf index (addr >> 5) -> 32 bytes.
#[derive(Clone, Default)]
pub struct Mem {
    leaves: BTreeMap<u64, [u8; 32]>,
}

impl Mem {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn set_byte(&mut self, addr: u64, b: u8) {
        let leaf = self.leaves.entry(addr >> 5).or_insert([0u8; 32]);
        leaf[(addr & 31) as usize] = b;
    }

    pub fn set_bytes(&mut self, addr: u64, bytes: &[u8]) {
        for (i, b) in bytes.iter().enumerate() {
            self.set_byte(addr.wrapping_add(i as u64), *b);
        }
    }

    pub fn byte(&self, addr: u64) -> u8 {
        self.leaves
            .get(&(addr >> 5))
            .map(|l| l[(addr & 31) as usize])
            .unwrap_or(0)
    }

    pub fn set_u32(&mut self, addr: u64, v: u32) {
        self.set_bytes(addr, &v.to_le_bytes());
    }

    pub fn set_u64(&mut self, addr: u64, v: u64) {
        self.set_bytes(addr, &v.to_le_bytes());
    }

    pub fn leaf(&self, index: u64) -> [u8; 32] {
        self.leaves.get(&index).copied().unwrap_or([0u8; 32])
    }

    /// Hashes of all non-empty nodes, per level (0 = leaves).
    fn levels(&self) -> (Vec<[u8; 32]>, Vec<Level>) {
        let z = zero_hashes();
        let mut levels = vec![self.leaves.clone()];
        for level in 0..DEPTH {
            let below = &levels[level];
            let mut next = BTreeMap::new();
            for &idx in below.keys() {
                let parent = idx >> 1;
                if next.contains_key(&parent) {
                    continue;
                }
                let l = below.get(&(parent * 2)).unwrap_or(&z[level]);
                let r = below.get(&(parent * 2 + 1)).unwrap_or(&z[level]);
                next.insert(parent, keccak(&[l, r]));
            }
            levels.push(next);
        }
        (z, levels)
    }

    pub fn root(&self) -> [u8; 32] {
        let (z, levels) = self.levels();
        levels[DEPTH].get(&0).copied().unwrap_or(z[DEPTH])
    }

    /// The 1920-byte proof of the leaf holding `addr`.
    pub fn proof(&self, addr: u64) -> Vec<u8> {
        let (z, levels) = self.levels();
        let index = addr >> 5;
        let mut out = Vec::with_capacity(MEMORY_PROOF_SIZE);
        out.extend_from_slice(&self.leaf(index));
        for level in 0..DEPTH {
            let sibling = (index >> level) ^ 1;
            out.extend_from_slice(levels[level].get(&sibling).unwrap_or(&z[level]));
        }
        assert_eq!(out.len(), MEMORY_PROOF_SIZE);
        out
    }
}

/// A VM state for building witnesses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct W {
    pub mem_root: [u8; 32],
    pub preimage_key: [u8; 32],
    pub preimage_offset: u64,
    pub pc: u64,
    pub exit_code: u8,
    pub exited: u8,
    pub step: u64,
    pub heap: u64,
    pub reservation: u64,
    pub regs: [u64; 32],
}

impl W {
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(WITNESS_SIZE);
        v.extend_from_slice(&self.mem_root);
        v.extend_from_slice(&self.preimage_key);
        v.extend_from_slice(&self.preimage_offset.to_be_bytes());
        v.extend_from_slice(&self.pc.to_be_bytes());
        v.push(self.exit_code);
        v.push(self.exited);
        v.extend_from_slice(&self.step.to_be_bytes());
        v.extend_from_slice(&self.heap.to_be_bytes());
        v.extend_from_slice(&self.reservation.to_be_bytes());
        for r in self.regs {
            v.extend_from_slice(&r.to_be_bytes());
        }
        assert_eq!(v.len(), WITNESS_SIZE);
        v
    }

    pub fn decode(b: &[u8]) -> Self {
        assert_eq!(b.len(), WITNESS_SIZE);
        let u = |at: usize| u64::from_be_bytes(b[at..at + 8].try_into().unwrap());
        let mut regs = [0u64; 32];
        for (i, r) in regs.iter_mut().enumerate() {
            *r = u(106 + 8 * i);
        }
        W {
            mem_root: b[0..32].try_into().unwrap(),
            preimage_key: b[32..64].try_into().unwrap(),
            preimage_offset: u(64),
            pc: u(72),
            exit_code: b[80],
            exited: b[81],
            step: u(82),
            heap: u(90),
            reservation: u(98),
            regs,
        }
    }
}

// Instruction encoders (standard RISC-V formats).
pub fn r_type(opcode: u32, rd: u32, funct3: u32, rs1: u32, rs2: u32, funct7: u32) -> u32 {
    opcode | (rd << 7) | (funct3 << 12) | (rs1 << 15) | (rs2 << 20) | (funct7 << 25)
}

pub fn i_type(opcode: u32, rd: u32, funct3: u32, rs1: u32, imm: i32) -> u32 {
    opcode | (rd << 7) | (funct3 << 12) | (rs1 << 15) | (((imm as u32) & 0xfff) << 20)
}

pub fn s_type(opcode: u32, funct3: u32, rs1: u32, rs2: u32, imm: i32) -> u32 {
    let imm = imm as u32;
    opcode
        | ((imm & 0x1f) << 7)
        | (funct3 << 12)
        | (rs1 << 15)
        | (rs2 << 20)
        | (((imm >> 5) & 0x7f) << 25)
}

pub fn b_type(funct3: u32, rs1: u32, rs2: u32, imm: i32) -> u32 {
    let imm = imm as u32;
    0x63 | (((imm >> 11) & 1) << 7)
        | (((imm >> 1) & 0xf) << 8)
        | (funct3 << 12)
        | (rs1 << 15)
        | (rs2 << 20)
        | (((imm >> 5) & 0x3f) << 25)
        | (((imm >> 12) & 1) << 31)
}

pub fn u_type(opcode: u32, rd: u32, imm20: u32) -> u32 {
    opcode | (rd << 7) | (imm20 << 12)
}

pub fn j_type(rd: u32, imm: i32) -> u32 {
    let imm = imm as u32;
    0x6f | (rd << 7)
        | (((imm >> 12) & 0xff) << 12)
        | (((imm >> 11) & 1) << 20)
        | (((imm >> 1) & 0x3ff) << 21)
        | (((imm >> 20) & 1) << 31)
}

pub const ECALL: u32 = 0x73;

/// A test machine: memory plus a state; builds the step inputs.
#[derive(Clone)]
pub struct Setup {
    pub mem: Mem,
    pub w: W,
}

impl Setup {
    /// A state at pc 0x1000 with `instr` there.
    pub fn with_instr(instr: u32) -> Self {
        let mut mem = Mem::new();
        mem.set_u32(0x1000, instr);
        let w = W {
            pc: 0x1000,
            step: 7,
            heap: 0x7f00_0000_0000,
            ..W::default()
        };
        Setup { mem, w }
    }

    pub fn witness(&self) -> Vec<u8> {
        let mut w = self.w.clone();
        w.mem_root = self.mem.root();
        w.encode()
    }

    /// Proofs for the given addresses, one slot each, all against the current memory.
    pub fn proofs(&self, addrs: &[u64]) -> Vec<u8> {
        addrs.iter().flat_map(|a| self.mem.proof(*a)).collect()
    }
}
