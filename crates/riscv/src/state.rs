//! The VM state, its 362-byte witness and its state hash.

use verdict_fpvm::hash::{keccak256, Hash};
use verdict_fpvm::memory::Memory;

/// Bytes in the state witness.
pub const WITNESS_SIZE: usize = verdict_riscv_consts::WITNESS_SIZE;
/// Heap start: mmap without an address hint bump-allocates from here.
pub const HEAP_START: u64 = 0x7f_00_00_00_00_00;
/// Initial stack pointer.
pub const STACK_POINTER: u64 = 0x1000_0000_0000_0000;

/// VM status, the high byte of a state hash.
pub use verdict_fpvm::VmStatus as Status;

/// The full state of the RISC-V machine.
#[derive(Clone, Debug)]
pub struct State {
    /// All of memory.
    pub memory: Memory,
    /// Key of the preimage being read (built up by writes to fd 6).
    pub preimage_key: Hash,
    /// Read offset into the length-prefixed preimage.
    pub preimage_offset: u64,
    /// Program counter.
    pub pc: u64,
    /// Exit code, meaningful once `exited`.
    pub exit_code: u8,
    /// Whether the program has exited.
    pub exited: bool,
    /// Instructions executed.
    pub step: u64,
    /// Next address mmap hands out.
    pub heap: u64,
    /// Address reserved by the last LR (0 for none).
    pub load_reservation: u64,
    /// Integer registers x0..x31 (x0 is always 0).
    pub regs: [u64; 32],
    /// Hint bytes written to fd 4 and not yet a complete hint (not part of the witness).
    pub last_hint: Vec<u8>,
}

impl Default for State {
    fn default() -> Self {
        State {
            memory: Memory::new(),
            preimage_key: [0; 32],
            preimage_offset: 0,
            pc: 0,
            exit_code: 0,
            exited: false,
            step: 0,
            heap: HEAP_START,
            load_reservation: 0,
            regs: [0; 32],
            last_hint: Vec::new(),
        }
    }
}

impl State {
    /// The 362-byte big-endian witness (computes the memory root).
    pub fn witness(&mut self) -> [u8; WITNESS_SIZE] {
        let root = self.memory.merkle_root();
        self.witness_with_root(&root)
    }

    /// The witness for a given memory root.
    pub fn witness_with_root(&self, root: &Hash) -> [u8; WITNESS_SIZE] {
        let mut w = [0u8; WITNESS_SIZE];
        w[0..32].copy_from_slice(root);
        w[32..64].copy_from_slice(&self.preimage_key);
        w[64..72].copy_from_slice(&self.preimage_offset.to_be_bytes());
        w[72..80].copy_from_slice(&self.pc.to_be_bytes());
        w[80] = self.exit_code;
        w[81] = self.exited as u8;
        w[82..90].copy_from_slice(&self.step.to_be_bytes());
        w[90..98].copy_from_slice(&self.heap.to_be_bytes());
        w[98..106].copy_from_slice(&self.load_reservation.to_be_bytes());
        for (i, r) in self.regs.iter().enumerate() {
            w[106 + 8 * i..114 + 8 * i].copy_from_slice(&r.to_be_bytes());
        }
        w
    }

    /// The VM status.
    pub fn status(&self) -> Status {
        Status::of(self.exited, self.exit_code)
    }

    /// The state hash: keccak256 of the witness with the status in byte 0.
    pub fn state_hash(&mut self) -> Hash {
        state_hash(&self.witness())
    }
}

/// keccak256(witness) with byte 0 replaced by the status the witness encodes.
pub fn state_hash(witness: &[u8; WITNESS_SIZE]) -> Hash {
    let mut h = keccak256(witness);
    h[0] = Status::of(witness[81] == 1, witness[80]) as u8;
    h
}
