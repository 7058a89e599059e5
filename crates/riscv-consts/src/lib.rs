//! Constants of the RISC-V fault proof VM (Asterisc) that the fast VM and its independent
//! stateless verifier share: numbers fixed by the onchain step (`RISCV.sol`), not semantics.
//! Keeping them in one place lets a caller tell a guest trap (a revert code) from a host failure
//! without matching on either implementation's error type.
#![no_std]

/// Bytes in the state witness.
pub const WITNESS_SIZE: usize = 362;
/// Bytes in a Merkle leaf.
pub const LEAF_SIZE: usize = 32;
/// Depth of the memory tree from its root to a leaf (64 - 5).
pub const MEMORY_TREE_DEPTH: usize = 59;
/// Bytes of one memory proof: the leaf, then 59 sibling hashes from the bottom up.
pub const MEMORY_PROOF_SIZE: usize = (MEMORY_TREE_DEPTH + 1) * 32;

/// The revert codes of the onchain step (`RISCV.sol`, `rvgo/riscv/constants.go`): the step
/// reverts with one of these where the VM cannot execute an instruction.
pub mod revert {
    /// getrlimit of a resource other than RLIMIT_NOFILE.
    pub const UNRECOGNIZED_RESOURCE: u64 = 0xf0012;
    /// An AMO with an unknown operation.
    pub const UNKNOWN_ATOMIC_OPERATION: u64 = 0xf001a70;
    /// An unknown major opcode.
    pub const UNKNOWN_OPCODE: u64 = 0xf001c0de;
    /// An unsupported syscall.
    pub const INVALID_SYSCALL: u64 = 0xf001ca11;
    /// A register number above 31 (cannot happen with a 5-bit field).
    pub const INVALID_REGISTER: u64 = 0xbad4e9;
    /// A misaligned address: a jump or branch target, an AMO address, a leaf address.
    pub const NOT_ALIGNED_ADDR: u64 = 0xbad10ad0;
    /// A load of more than 8 bytes.
    pub const LOAD_EXCEEDS_8_BYTES: u64 = 0xbad512e0;
    /// A store of more than 8 bytes.
    pub const STORE_EXCEEDS_8_BYTES: u64 = 0xbad512e8;
    /// A store of more than 32 bytes.
    pub const STORE_EXCEEDS_32_BYTES: u64 = 0xbad512e1;
    /// A load crossing a leaf where no right-hand proof is allowed (an instruction fetch).
    pub const UNEXPECTED_R_PROOF_LOAD: u64 = 0xbad22220;
    /// A store crossing a leaf where no right-hand proof is allowed.
    pub const UNEXPECTED_R_PROOF_STORE_UNALIGNED: u64 = 0xbad22221;
    /// An instruction encoding the step refuses (reserved funct3/funct7/immediate bits).
    pub const ILLEGAL_INSTRUCTION: u64 = 0xbadc0de;
    /// An AMO whose size is not 4 or 8 bytes.
    pub const BAD_AMO_SIZE: u64 = 0xbada70;
    /// The preimage oracle could not serve the read.
    pub const FAIL_TO_READ_PREIMAGE: u64 = 0xbadf00d0;
    /// A memory proof does not lead to the state's memory root.
    pub const BAD_MEMORY_PROOF: u64 = 0xbadf00d1;
}

/// Linux syscall numbers (riscv64) the VM implements or refuses.
pub mod syscall {
    /// exit.
    pub const EXIT: u64 = 93;
    /// exit_group.
    pub const EXIT_GROUP: u64 = 94;
    /// brk.
    pub const BRK: u64 = 214;
    /// mmap.
    pub const MMAP: u64 = 222;
    /// read.
    pub const READ: u64 = 63;
    /// write.
    pub const WRITE: u64 = 64;
    /// fcntl.
    pub const FCNTL: u64 = 25;
    /// openat.
    pub const OPENAT: u64 = 56;
    /// clock_gettime.
    pub const CLOCK_GETTIME: u64 = 113;
    /// clone.
    pub const CLONE: u64 = 220;
    /// getrlimit.
    pub const GETRLIMIT: u64 = 163;
    /// prlimit64 (refused).
    pub const PRLIMIT64: u64 = 261;
    /// futex (refused).
    pub const FUTEX: u64 = 422;
    /// nanosleep (refused).
    pub const NANOSLEEP: u64 = 101;
}

/// The file descriptors of the VM's I/O.
pub mod fd {
    /// Standard input.
    pub const STDIN: u64 = 0;
    /// Standard output.
    pub const STDOUT: u64 = 1;
    /// Standard error.
    pub const STDERR: u64 = 2;
    /// Hint acknowledgements (the program reads).
    pub const HINT_READ: u64 = 3;
    /// Hints (the program writes).
    pub const HINT_WRITE: u64 = 4;
    /// Preimage data (the program reads).
    pub const PREIMAGE_READ: u64 = 5;
    /// Preimage keys (the program writes).
    pub const PREIMAGE_WRITE: u64 = 6;
}

/// Linux errno values the syscalls return in a1.
pub mod errno {
    /// File descriptor in bad state (what the reference returns for fds it does not serve).
    pub const EBADFD: u64 = 0x4d;
    /// Permission denied.
    pub const EACCES: u64 = 0xd;
    /// Invalid argument.
    pub const EINVAL: u64 = 0x16;
}
