//! The 362-byte state witness and its hash.

use crate::WITNESS_SIZE;

/// Byte offsets of the witness fields (all big-endian).
mod offset {
    pub const MEM_ROOT: usize = 0;
    pub const PREIMAGE_KEY: usize = 32;
    pub const PREIMAGE_OFFSET: usize = 64;
    pub const PC: usize = 72;
    pub const EXIT_CODE: usize = 80;
    pub const EXITED: usize = 81;
    pub const STEP: usize = 82;
    pub const HEAP: usize = 90;
    pub const LOAD_RESERVATION: usize = 98;
    pub const REGISTERS: usize = 106;
}

/// Decoded VM state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct State {
    pub mem_root: [u8; 32],
    pub preimage_key: [u8; 32],
    pub preimage_offset: u64,
    pub pc: u64,
    pub exit_code: u8,
    /// Raw byte; any non-zero value means exited, as in the reference.
    pub exited: u8,
    pub step: u64,
    pub heap: u64,
    pub load_reservation: u64,
    pub regs: [u64; 32],
}

fn read_array<const N: usize>(w: &[u8; WITNESS_SIZE], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    if let Some(src) = w.get(at..at + N) {
        out.copy_from_slice(src);
    }
    out
}

fn read_u64(w: &[u8; WITNESS_SIZE], at: usize) -> u64 {
    u64::from_be_bytes(read_array(w, at))
}

fn write_bytes(w: &mut [u8; WITNESS_SIZE], at: usize, bytes: &[u8]) {
    if let Some(dst) = w.get_mut(at..at + bytes.len()) {
        dst.copy_from_slice(bytes);
    }
}

impl State {
    pub fn decode(w: &[u8; WITNESS_SIZE]) -> Self {
        let mut regs = [0u64; 32];
        for (i, r) in regs.iter_mut().enumerate() {
            *r = read_u64(w, offset::REGISTERS + 8 * i);
        }
        State {
            mem_root: read_array(w, offset::MEM_ROOT),
            preimage_key: read_array(w, offset::PREIMAGE_KEY),
            preimage_offset: read_u64(w, offset::PREIMAGE_OFFSET),
            pc: read_u64(w, offset::PC),
            exit_code: w[offset::EXIT_CODE],
            exited: w[offset::EXITED],
            step: read_u64(w, offset::STEP),
            heap: read_u64(w, offset::HEAP),
            load_reservation: read_u64(w, offset::LOAD_RESERVATION),
            regs,
        }
    }

    pub fn encode(&self) -> [u8; WITNESS_SIZE] {
        let mut w = [0u8; WITNESS_SIZE];
        write_bytes(&mut w, offset::MEM_ROOT, &self.mem_root);
        write_bytes(&mut w, offset::PREIMAGE_KEY, &self.preimage_key);
        write_bytes(
            &mut w,
            offset::PREIMAGE_OFFSET,
            &self.preimage_offset.to_be_bytes(),
        );
        write_bytes(&mut w, offset::PC, &self.pc.to_be_bytes());
        w[offset::EXIT_CODE] = self.exit_code;
        w[offset::EXITED] = self.exited;
        write_bytes(&mut w, offset::STEP, &self.step.to_be_bytes());
        write_bytes(&mut w, offset::HEAP, &self.heap.to_be_bytes());
        write_bytes(
            &mut w,
            offset::LOAD_RESERVATION,
            &self.load_reservation.to_be_bytes(),
        );
        for (i, r) in self.regs.iter().enumerate() {
            write_bytes(&mut w, offset::REGISTERS + 8 * i, &r.to_be_bytes());
        }
        w
    }
}

/// VM status byte: 0 valid, 1 invalid, 2 panic (exited with another code), 3 unfinished.
fn vm_status(exited: u8, exit_code: u8) -> u8 {
    match (exited != 0, exit_code) {
        (false, _) => 3,
        (true, 0) => 0,
        (true, 1) => 1,
        (true, _) => 2,
    }
}

/// The state hash: keccak256 of the witness, with its first byte replaced by the VM status
/// (0 exited with code 0, 1 exited with code 1, 2 exited with another code, 3 not exited).
pub fn state_hash(witness: &[u8; WITNESS_SIZE]) -> [u8; 32] {
    let mut h = crate::keccak256(witness);
    h[0] = vm_status(witness[offset::EXITED], witness[offset::EXIT_CODE]);
    h
}
