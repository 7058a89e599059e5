//! Verdict's MIPS64 fault proof VM, byte-compatible with the OP Stack's multithreaded 64-bit
//! Cannon (state versions 7 and 8; `docs/cannon-mips64.md`): one decoder, the reference step with
//! proofs, a fast interpreter and an x86-64 JIT, state files in Cannon's binary format (and a JSON form of our own),
//! the ELF loader. Memory, witnesses, proof files and the run driver are `verdict-fpvm`'s, shared
//! with every VM; [`Vm`] implements its [`FaultVm`](verdict_fpvm::FaultVm).

mod alu;
pub mod asm;
mod decode;
pub mod elf;
pub mod error;
pub mod fault_vm;
mod interp;
mod io;
#[cfg(target_arch = "x86_64")]
mod jit;
pub mod state;
pub mod state_file;
mod step;
mod syscall;
pub mod thread;
pub mod vm;

pub use elf::{load_elf, ElfError};
pub use error::{HostError, Trap, VmError};
pub use state::{State, Status};
pub use thread::Thread;
pub use verdict_fpvm::{hash, memory, FaultVm, Hash, Memory, PreimageWitness, StepWitness};
pub use verdict_mips64_consts as consts;
pub use verdict_preimage::{HintWriter, MapOracle, NoOracle, Oracle, PreimageOracle};
pub use vm::{Output, Vm};
