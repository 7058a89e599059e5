//! A thread of the VM: its registers and program counters, its 298-byte serialization and hash,
//! and the hash onions the two thread stacks commit to (§5).

use verdict_fpvm::hash::{keccak256, Hash};
use verdict_mips64_consts::{thread as off, EMPTY_THREAD_ROOT, THREAD_SIZE};

/// One thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Thread {
    /// Its id.
    pub id: u64,
    /// Its exit code, meaningful once it exited.
    pub exit_code: u8,
    /// Whether it exited (it is removed when it is next scheduled).
    pub exited: bool,
    /// Program counter.
    pub pc: u64,
    /// The instruction after `pc` (the branch target while `pc` is a delay slot).
    pub next_pc: u64,
    /// LO.
    pub lo: u64,
    /// HI.
    pub hi: u64,
    /// r0..r31 (r0 is read as it is; the step never writes it).
    pub regs: [u64; 32],
}

impl Thread {
    /// Thread `id` starting at `pc`, all registers 0.
    pub fn new(id: u64, pc: u64) -> Self {
        Thread {
            id,
            exit_code: 0,
            exited: false,
            pc,
            next_pc: pc.wrapping_add(4),
            lo: 0,
            hi: 0,
            regs: [0; 32],
        }
    }

    /// The 298-byte big-endian serialization (the thread witness and the state files).
    pub fn encode(&self) -> [u8; THREAD_SIZE] {
        let mut out = [0u8; THREAD_SIZE];
        out[off::ID..off::ID + 8].copy_from_slice(&self.id.to_be_bytes());
        out[off::EXIT_CODE] = self.exit_code;
        out[off::EXITED] = self.exited as u8;
        for (at, v) in [
            (off::PC, self.pc),
            (off::NEXT_PC, self.next_pc),
            (off::LO, self.lo),
            (off::HI, self.hi),
        ] {
            out[at..at + 8].copy_from_slice(&v.to_be_bytes());
        }
        for (i, r) in self.regs.iter().enumerate() {
            let at = off::REGISTERS + 8 * i;
            out[at..at + 8].copy_from_slice(&r.to_be_bytes());
        }
        out
    }

    /// Parses a serialization; `Err` names a field that is not canonical (an exited byte other
    /// than 0 or 1).
    pub fn decode(bytes: &[u8; THREAD_SIZE]) -> Result<Self, String> {
        let u64_at = |at: usize| u64::from_be_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
        let exited = match bytes[off::EXITED] {
            0 => false,
            1 => true,
            v => return Err(format!("a thread's exited byte is {v}, not 0 or 1")),
        };
        let mut regs = [0u64; 32];
        for (i, r) in regs.iter_mut().enumerate() {
            *r = u64_at(off::REGISTERS + 8 * i);
        }
        Ok(Thread {
            id: u64_at(off::ID),
            exit_code: bytes[off::EXIT_CODE],
            exited,
            pc: u64_at(off::PC),
            next_pc: u64_at(off::NEXT_PC),
            lo: u64_at(off::LO),
            hi: u64_at(off::HI),
            regs,
        })
    }

    /// keccak256 of the serialization.
    pub fn hash(&self) -> Hash {
        keccak256(&self.encode())
    }
}

/// The root of a stack after pushing `thread` onto a stack with root `root`.
pub fn push_root(root: &Hash, thread: &Thread) -> Hash {
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(root);
    buf[32..].copy_from_slice(&thread.hash());
    keccak256(&buf)
}

/// The root of a stack holding `threads`, bottom first.
pub fn stack_root(threads: &[Thread]) -> Hash {
    threads
        .iter()
        .fold(EMPTY_THREAD_ROOT, |root, t| push_root(&root, t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_root_is_the_hash_of_64_zero_bytes() {
        assert_eq!(stack_root(&[]), keccak256(&[0u8; 64]));
    }

    #[test]
    fn serialization_round_trips_and_refuses_odd_exited_bytes() {
        let mut t = Thread::new(7, 0x1000);
        t.regs[31] = u64::MAX;
        t.hi = 5;
        t.exited = true;
        t.exit_code = 3;
        let bytes = t.encode();
        assert_eq!(Thread::decode(&bytes).unwrap(), t);
        assert_eq!(bytes[off::NEXT_PC + 7], 4);
        let mut bad = bytes;
        bad[off::EXITED] = 2;
        assert!(Thread::decode(&bad).is_err());
    }
}
