//! Verdict's RISC-V (RV64IMA) fault proof VM, a drop-in, byte-compatible implementation of the
//! OP Stack's Asterisc: the interpreter, Merkleized memory, step proofs and state files.

mod arith;
pub mod asm;
pub mod elf;
pub mod error;
mod fast;
pub mod files;
pub mod gzip;
pub mod hash;
#[cfg(target_arch = "x86_64")]
mod jit;
pub mod memory;
pub mod oracle;
pub mod process_oracle;
pub mod state;
pub mod vm;

pub use elf::{load_elf, ElfError};
pub use error::VmError;
pub use hash::Hash;
pub use memory::Memory;
pub use oracle::{MapOracle, NoOracle, PreimageOracle};
pub use state::{State, Status, WITNESS_SIZE};
pub use vm::{Output, PreimageWitness, StepWitness, Vm};

/// Cores this process may use, asked of the system once (the answer reads cgroup files).
pub(crate) fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}
