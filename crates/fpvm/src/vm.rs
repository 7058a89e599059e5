//! The boundary every fault proof VM implements: what the run driver, the dispute game's trace
//! providers and the command line need of a VM, whatever its instruction set.

use crate::files::FileError;
use crate::hash::Hash;
use crate::proof::StepWitness;
use crate::stop::{PreimageRead, PreimageStop};
use std::path::Path;

/// A VM's status, the first byte of its state hash (as the dispute game reads it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum VmStatus {
    /// Exited with code 0.
    Valid = 0,
    /// Exited with code 1.
    Invalid = 1,
    /// Exited with any other code.
    Panic = 2,
    /// Still running.
    Unfinished = 3,
}

impl VmStatus {
    /// The status of a state that has (or has not) exited with `exit_code`.
    pub fn of(exited: bool, exit_code: u8) -> VmStatus {
        match (exited, exit_code) {
            (false, _) => VmStatus::Unfinished,
            (true, 0) => VmStatus::Valid,
            (true, 1) => VmStatus::Invalid,
            (true, _) => VmStatus::Panic,
        }
    }
}

/// Why a step failed, as far as a caller must know: a guest trap (the onchain step reverts
/// there: deterministic, never worth retrying) or a host failure (the preimage server, I/O).
pub trait StepFailure: std::error::Error + Send + Sync + 'static {
    /// The onchain step's revert code, for a guest trap.
    fn revert_code(&self) -> Option<u64>;
    /// Whether the guest trapped (as opposed to the host failing).
    fn is_trap(&self) -> bool {
        self.revert_code().is_some()
    }
}

/// Where a program is, for progress lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// The program counter.
    pub pc: u64,
    /// The instruction at `pc`.
    pub instr: u32,
    /// Pages of memory in use.
    pub pages: usize,
    /// Bytes the VM's memory takes on the host.
    pub memory_bytes: u64,
}

/// A fault proof VM: a machine over Merkleized memory that runs a program at full speed, proves
/// any single step, and says when the program reads a preimage.
pub trait FaultVm {
    /// Why a step failed.
    type Error: StepFailure;
    /// The machine state without its oracle and output, cheap to clone (memory is shared
    /// copy-on-write): a snapshot.
    type State: Clone + Send;

    /// The current state.
    fn state(&self) -> &Self::State;
    /// Replaces the current state (caches of the old one are dropped).
    fn set_state(&mut self, state: Self::State);
    /// Instructions executed so far.
    fn step_count(&self) -> u64;
    /// Whether the program has exited, and with which code.
    fn exit(&self) -> Option<u8>;
    /// The status byte of the state hash.
    fn status(&self) -> VmStatus {
        match self.exit() {
            None => VmStatus::Unfinished,
            Some(code) => VmStatus::of(true, code),
        }
    }
    /// The state witness (computes the memory root).
    fn witness(&mut self) -> Vec<u8>;
    /// The state hash: keccak256 of the witness with the status in byte 0.
    fn state_hash(&mut self) -> Hash;

    /// Executes one instruction with the reference step.
    fn step(&mut self) -> Result<(), Self::Error>;
    /// Executes one instruction and returns what proving it onchain takes.
    fn step_with_proof(&mut self) -> Result<StepWitness, Self::Error>;
    /// Executes up to `budget` instructions on the fastest engine, stopping early when the
    /// program exits or right after a read that the preimage stop matches. Returns the steps run.
    fn run(&mut self, budget: u64) -> Result<u64, Self::Error>;
    /// Sets the reads `run` stops after (none by default).
    fn set_preimage_stop(&mut self, stop: PreimageStop);
    /// The preimage read by the last step executed, if it read one.
    fn last_preimage_read(&self) -> Option<PreimageRead>;
    /// Whether the last `run` ended because of the preimage stop.
    fn stopped_at_preimage(&self) -> bool;
    /// Whether memory has grown past its limit: `run` stops (after the instruction that grew
    /// it) and runs no further.
    fn over_memory_limit(&self) -> bool;

    /// Writes the state to `path` in the format its name asks for, atomically.
    fn write_state(&mut self, path: &Path) -> Result<(), FileError>;
    /// Where the program is.
    fn progress(&self) -> Progress;
}
