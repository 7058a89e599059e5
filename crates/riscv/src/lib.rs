//! Verdict's RISC-V (RV64IMA) fault proof VM, a drop-in, byte-compatible implementation of the
//! OP Stack's Asterisc: one decoder, the reference step with proofs, an interpreter and a JIT for
//! fast runs, state files in the reference's formats. Memory, witnesses, proof files and the run
//! driver are `verdict-fpvm`'s, shared with every VM; [`Vm`] implements its
//! [`FaultVm`](verdict_fpvm::FaultVm).

mod alu;
pub mod asm;
mod decode;
pub mod elf;
pub mod error;
pub mod fault_vm;
mod interp;
#[cfg(target_arch = "x86_64")]
mod jit;
pub mod state;
pub mod state_file;
mod step;
mod syscall;
pub mod vm;

pub use elf::{load_elf, ElfError};
pub use error::{HostError, Trap, VmError};
pub use state::{State, Status, WITNESS_SIZE};
pub use verdict_fpvm::{hash, memory, FaultVm, Hash, Memory, PreimageWitness, StepWitness};
pub use verdict_preimage::{HintWriter, MapOracle, NoOracle, Oracle, PreimageOracle};
pub use vm::{Output, Vm};
