//! Constants of the MIPS64 fault proof VM (Cannon's multithreaded 64-bit VM) that the VM
//! (`verdict-mips64`) and its independent stateless verifier (`verdict-mips64-verifier`) share:
//! numbers fixed by the onchain step (`MIPS64.sol`) and Cannon's files, not semantics.
//! `docs/cannon-mips64.md` says what each means; the § numbers below refer to it.
#![no_std]

mod revert;

pub use revert::Revert;

/// State version 7, `multithreaded64-4`: `getrandom` is a no-op.
pub const VERSION_MT64_4: u8 = 7;
/// State version 8, `multithreaded64-5`: `getrandom` writes pseudorandom bytes (the default).
pub const VERSION_MT64_5: u8 = 8;
/// The state version `load-elf` makes unless told otherwise.
pub const DEFAULT_VERSION: u8 = VERSION_MT64_5;

/// The name `--type` takes for a state version, if supported.
pub fn version_name(version: u8) -> Option<&'static str> {
    match version {
        VERSION_MT64_4 => Some("multithreaded64-4"),
        VERSION_MT64_5 => Some("multithreaded64-5"),
        _ => None,
    }
}

/// The state version of a `--type` name, if supported.
pub fn parse_version(name: &str) -> Option<u8> {
    [VERSION_MT64_4, VERSION_MT64_5]
        .into_iter()
        .find(|v| version_name(*v) == Some(name))
}

/// Whether a version's `getrandom` writes pseudorandom bytes (§8).
pub fn has_working_getrandom(version: u8) -> bool {
    version >= VERSION_MT64_5
}

/// Bytes in the state witness (§9.1).
pub const WITNESS_SIZE: usize = 188;
/// Bytes of a serialized thread (§5.1).
pub const THREAD_SIZE: usize = 298;
/// Bytes of the thread witness at the start of a step proof: the thread, then the inner root.
pub const THREAD_WITNESS_SIZE: usize = THREAD_SIZE + 32;
/// Bytes in a Merkle leaf.
pub const LEAF_SIZE: usize = 32;
/// Depth of the memory tree from its root to a leaf (64 - 5).
pub const MEMORY_TREE_DEPTH: usize = 59;
/// Bytes of one memory proof: the leaf, then 59 sibling hashes from the bottom up.
pub const MEMORY_PROOF_SIZE: usize = (MEMORY_TREE_DEPTH + 1) * 32;
/// Memory proof slots a step proof carries: the instruction, the data word, a second data word.
pub const MEMORY_PROOF_SLOTS: usize = 3;
/// Bytes of a step proof as Cannon writes it (§9.3).
pub const PROOF_SIZE: usize = THREAD_WITNESS_SIZE + MEMORY_PROOF_SLOTS * MEMORY_PROOF_SIZE;

/// The root of an empty thread stack: keccak256 of 64 zero bytes.
pub const EMPTY_THREAD_ROOT: [u8; 32] = [
    0xad, 0x32, 0x28, 0xb6, 0x76, 0xf7, 0xd3, 0xcd, 0x42, 0x84, 0xa5, 0x44, 0x3f, 0x17, 0xf1, 0x96,
    0x2b, 0x36, 0xe4, 0x91, 0xb3, 0x0a, 0x40, 0xb2, 0x40, 0x58, 0x49, 0xe5, 0x97, 0xba, 0x5f, 0xb5,
];

/// Steps a thread runs before it is preempted (§6).
pub const SCHED_QUANTUM: u64 = 100_000;
/// Steps per second of the VM's clock (`clock_gettime`, §8).
pub const HZ: u64 = 10_000_000;

/// The only `clone` flags the VM accepts: VM | FS | FILES | SIGHAND | SYSVSEM | THREAD.
pub const VALID_CLONE_FLAGS: u64 = 0x100 | 0x200 | 0x400 | 0x800 | 0x40000 | 0x10000;
/// `futex` operation FUTEX_WAIT_PRIVATE.
pub const FUTEX_WAIT_PRIVATE: u64 = 128;
/// `futex` operation FUTEX_WAKE_PRIVATE.
pub const FUTEX_WAKE_PRIVATE: u64 = 129;
/// `eventfd2` flag EFD_NONBLOCK.
pub const EFD_NONBLOCK: u64 = 0x80;
/// The value of register a3 after a failed syscall.
pub const SYSCALL_ERROR: u64 = u64::MAX;

/// The registers the syscall convention and the step write.
pub mod reg {
    /// v0: the syscall number and its result.
    pub const V0: usize = 2;
    /// a0: the first argument.
    pub const A0: usize = 4;
    /// a1: the second argument.
    pub const A1: usize = 5;
    /// a2: the third argument.
    pub const A2: usize = 6;
    /// a3: 0 after a successful syscall, all ones after a failed one.
    pub const A3: usize = 7;
    /// sp.
    pub const SP: usize = 29;
    /// ra: the link register of `jal`, `bltzal`, `bgezal`.
    pub const RA: usize = 31;
}

/// Where Cannon lays out a program (§3); none of it is enforced by the step.
pub mod layout {
    /// Where anonymous mmaps start: the initial `heap`.
    pub const HEAP_START: u64 = 0x0000_1000_0000_0000;
    /// Anonymous mmaps that would end past this fail.
    pub const HEAP_END: u64 = 0x0000_6000_0000_0000;
    /// What `brk` returns.
    pub const PROGRAM_BREAK: u64 = 0x0000_4000_0000_0000;
    /// The initial stack pointer.
    pub const STACK_POINTER: u64 = 0x0000_7FFF_FFFF_F000;
    /// ELF segments must end below 2^48.
    pub const ADDRESS_LIMIT: u64 = 1 << 48;
}

/// Linux (MIPS n64) syscall numbers (§8).
pub mod syscall {
    /// read.
    pub const READ: u64 = 5000;
    /// write.
    pub const WRITE: u64 = 5001;
    /// open (fails with EBADF).
    pub const OPEN: u64 = 5002;
    /// mmap.
    pub const MMAP: u64 = 5009;
    /// brk.
    pub const BRK: u64 = 5012;
    /// sched_yield.
    pub const SCHED_YIELD: u64 = 5023;
    /// nanosleep.
    pub const NANOSLEEP: u64 = 5034;
    /// getpid.
    pub const GETPID: u64 = 5038;
    /// clone.
    pub const CLONE: u64 = 5055;
    /// exit (one thread).
    pub const EXIT: u64 = 5058;
    /// fcntl.
    pub const FCNTL: u64 = 5070;
    /// gettid.
    pub const GETTID: u64 = 5178;
    /// futex.
    pub const FUTEX: u64 = 5194;
    /// exit_group.
    pub const EXIT_GROUP: u64 = 5205;
    /// clock_gettime.
    pub const CLOCK_GETTIME: u64 = 5222;
    /// eventfd2.
    pub const EVENTFD2: u64 = 5284;
    /// getrandom.
    pub const GETRANDOM: u64 = 5313;
    /// The syscalls that only set v0 = a3 = 0: munmap, mprotect, sched_getaffinity, madvise,
    /// rt_sigprocmask, sigaltstack, rt_sigaction, prlimit64, close, pread64, stat, fstat, openat,
    /// readlink, readlinkat, ioctl, epoll_create1, pipe2, epoll_ctl, epoll_pwait, uname, getuid,
    /// getgid, mincore, tgkill, getrlimit, lseek, setitimer, timer_create, timer_settime,
    /// timer_delete.
    pub const NOOPS: [u64; 31] = [
        5011, 5010, 5196, 5027, 5014, 5129, 5013, 5297, 5003, 5016, 5004, 5005, 5247, 5087, 5257,
        5015, 5285, 5287, 5208, 5272, 5061, 5100, 5102, 5026, 5225, 5095, 5008, 5036, 5216, 5217,
        5220,
    ];
}

/// The file descriptors of the VM's I/O (§10).
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
    /// What `eventfd2` returns; reads and writes fail with EAGAIN.
    pub const EVENTFD: u64 = 100;
}

/// Linux (MIPS) errno values the syscalls return in v0.
pub mod errno {
    /// Bad file descriptor.
    pub const EBADF: u64 = 0x9;
    /// Try again.
    pub const EAGAIN: u64 = 0xb;
    /// Invalid argument.
    pub const EINVAL: u64 = 0x16;
}

/// Byte offsets of the state witness fields (§9.1).
pub mod witness {
    /// memRoot (32 bytes).
    pub const MEM_ROOT: usize = 0;
    /// preimageKey (32 bytes).
    pub const PREIMAGE_KEY: usize = 32;
    /// preimageOffset (u64).
    pub const PREIMAGE_OFFSET: usize = 64;
    /// heap (u64).
    pub const HEAP: usize = 72;
    /// llReservationStatus (u8).
    pub const LL_STATUS: usize = 80;
    /// llAddress (u64).
    pub const LL_ADDRESS: usize = 81;
    /// llOwnerThread (u64).
    pub const LL_OWNER: usize = 89;
    /// exitCode (u8).
    pub const EXIT_CODE: usize = 97;
    /// exited (u8).
    pub const EXITED: usize = 98;
    /// step (u64).
    pub const STEP: usize = 99;
    /// stepsSinceLastContextSwitch (u64).
    pub const STEPS_SINCE_SWITCH: usize = 107;
    /// traverseRight (u8).
    pub const TRAVERSE_RIGHT: usize = 115;
    /// leftThreadStack (32 bytes).
    pub const LEFT_STACK: usize = 116;
    /// rightThreadStack (32 bytes).
    pub const RIGHT_STACK: usize = 148;
    /// nextThreadID (u64).
    pub const NEXT_THREAD_ID: usize = 180;
}

/// Byte offsets of a serialized thread's fields (§5.1).
pub mod thread {
    /// threadID (u64).
    pub const ID: usize = 0;
    /// exitCode (u8).
    pub const EXIT_CODE: usize = 8;
    /// exited (u8).
    pub const EXITED: usize = 9;
    /// pc (u64).
    pub const PC: usize = 10;
    /// nextPC (u64).
    pub const NEXT_PC: usize = 18;
    /// lo (u64).
    pub const LO: usize = 26;
    /// hi (u64).
    pub const HI: usize = 34;
    /// registers[0..32] (u64 each).
    pub const REGISTERS: usize = 42;
}

/// The VM status of the state hash's first byte: 0 valid, 1 invalid, 2 panic, 3 unfinished.
pub fn vm_status(exited: bool, exit_code: u8) -> u8 {
    match (exited, exit_code) {
        (false, _) => 3,
        (true, 0) => 0,
        (true, 1) => 1,
        (true, _) => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_add_up() {
        assert_eq!(witness::NEXT_THREAD_ID + 8, WITNESS_SIZE);
        assert_eq!(thread::REGISTERS + 32 * 8, THREAD_SIZE);
        assert_eq!(PROOF_SIZE, 6090);
        assert_eq!(VALID_CLONE_FLAGS, 0x50f00);
        assert_eq!(parse_version("multithreaded64-5"), Some(8));
        assert_eq!(parse_version("multithreaded64-3"), None);
        assert!(has_working_getrandom(8) && !has_working_getrandom(7));
    }
}
