//! What every Verdict fault proof VM shares: the paged Merkleized memory and its keccak hashing,
//! step witnesses and proof files, atomic state-file I/O, and the preimage server a run talks to.
//!
//! A VM (RISC-V in `verdict-riscv`, MIPS64 next) brings its own instruction set, state layout and
//! witness; this crate holds everything around them, so a second VM plugs into the same run
//! driver, files and dispute game.

pub mod allocator;
pub mod code_arena;
pub mod driver;
pub mod elf;
pub mod files;
pub mod guest_io;
pub mod gzip;
pub mod hash;
pub mod json;
pub mod memory;
pub mod meta;
pub mod pattern;
pub mod perf_map;
pub mod process_oracle;
pub mod proof;
pub mod serde_hex;
pub mod size;
pub mod state_pages;
pub mod stop;
pub mod vm;

pub use files::FileError;
pub use hash::Hash;
pub use memory::Memory;
pub use pattern::StepPattern;
pub use proof::{PreimageWitness, ProofFile, StepWitness};
pub use stop::{PreimageRead, PreimageStop};
pub use vm::{FaultVm, Progress, StepFailure, VmStatus};

/// Cores this process may use, asked of the system once (the answer reads cgroup files).
pub fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Gives the calling thread the lowest scheduling priority (nice 19). For work done beside a
/// VM's run (hashing pages ahead of a root, populating memory ahead of use): when no core is
/// free, it waits rather than taking the running VM's core.
pub(crate) fn yield_to_the_run() {
    // SAFETY: changes only the calling thread's priority; failing leaves it as it was.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS as _, libc::gettid() as _, 19);
    }
}
