//! The active thread as the proof carries it (298 bytes, §5.1), single bytes kept raw, and the
//! hash onion of the thread stacks (§5.2).

use verdict_mips64_consts::{thread as off, THREAD_SIZE};

/// A thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Thread {
    pub id: u64,
    pub exit_code: u8,
    /// Raw: any non-zero byte means exited.
    pub exited: u8,
    pub pc: u64,
    pub next_pc: u64,
    pub lo: u64,
    pub hi: u64,
    pub regs: [u64; 32],
}

impl Thread {
    pub fn decode(b: &[u8; THREAD_SIZE]) -> Self {
        let u64_at = |at: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[at..at + 8]);
            u64::from_be_bytes(w)
        };
        let mut regs = [0u64; 32];
        for (i, r) in regs.iter_mut().enumerate() {
            *r = u64_at(off::REGISTERS + 8 * i);
        }
        Thread {
            id: u64_at(off::ID),
            exit_code: b[off::EXIT_CODE],
            exited: b[off::EXITED],
            pc: u64_at(off::PC),
            next_pc: u64_at(off::NEXT_PC),
            lo: u64_at(off::LO),
            hi: u64_at(off::HI),
            regs,
        }
    }

    pub fn encode(&self) -> [u8; THREAD_SIZE] {
        let mut b = [0u8; THREAD_SIZE];
        let mut put = |at: usize, v: u64| b[at..at + 8].copy_from_slice(&v.to_be_bytes());
        put(off::ID, self.id);
        put(off::PC, self.pc);
        put(off::NEXT_PC, self.next_pc);
        put(off::LO, self.lo);
        put(off::HI, self.hi);
        for (i, r) in self.regs.iter().enumerate() {
            put(off::REGISTERS + 8 * i, *r);
        }
        b[off::EXIT_CODE] = self.exit_code;
        b[off::EXITED] = self.exited;
        b
    }
}

/// The stack root after pushing `thread` onto `root`: keccak256(root ++ keccak256(thread)).
pub(crate) fn push(root: &[u8; 32], thread: &Thread) -> [u8; 32] {
    let hash = crate::keccak(&[&thread.encode()]);
    crate::keccak(&[root, &hash])
}
