//! Why a step could not be executed: the guest trapped (the onchain step reverts there, whoever
//! runs it), or the host failed (the preimage server), which a retry may cure.

use verdict_mips64_consts::Revert;
use verdict_preimage::{PreimageError, PreimageKey};

/// A step the VM cannot execute.
#[derive(Debug, thiserror::Error)]
pub enum VmError {
    /// The guest trapped: the onchain step reverts on this instruction.
    #[error("{trap} at pc 0x{pc:x}")]
    Trap {
        /// The pc of the thread that trapped.
        pc: u64,
        /// What happened.
        trap: Trap,
    },
    /// The host failed; nothing is wrong with the guest.
    #[error(transparent)]
    Host(#[from] HostError),
    /// The step counter is at u64::MAX. The onchain step would wrap it to 0, but no game reaches
    /// this step, so a state here is crafted and we refuse to go on rather than wrap.
    #[error("the step counter is at its maximum (2^64-1); one more step would wrap it to 0")]
    StepCounterExhausted,
}

/// What made the onchain step revert (`docs/cannon-mips64.md` names each).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Trap {
    /// The active thread stack is empty.
    #[error("no active thread (the active thread stack is empty)")]
    NoActiveThread,
    /// The step would leave the active thread stack empty (the last thread exited without
    /// exiting the VM).
    #[error("the step would leave no thread to run")]
    NoThreadLeft,
    /// The pc is not 4-byte aligned.
    #[error("instruction fetch from an unaligned pc")]
    UnalignedPc,
    /// An instruction the VM does not implement.
    #[error("invalid instruction 0x{insn:08x}")]
    InvalidInstruction {
        /// The instruction.
        insn: u32,
    },
    /// A jump in the delay slot of another.
    #[error("jump in a delay slot")]
    JumpInDelaySlot,
    /// A branch in the delay slot of another.
    #[error("branch in a delay slot")]
    BranchInDelaySlot,
    /// An integer division by zero.
    #[error("division by zero")]
    DivisionByZero,
    /// A syscall the VM does not implement.
    #[error("unimplemented syscall {number}")]
    UnimplementedSyscall {
        /// The syscall number (v0).
        number: u64,
    },
    /// A preimage read at an offset at or past the end of the value.
    #[error("preimage read at offset {offset} at or past the end ({len} bytes with the length prefix) of key {key}")]
    PreimageOffsetOutOfBounds {
        /// The key.
        key: PreimageKey,
        /// The offset read.
        offset: u64,
        /// The value's length with its 8-byte prefix.
        len: u64,
    },
}

impl Trap {
    /// The onchain step's revert reason.
    pub fn revert(&self) -> Revert {
        match self {
            Trap::NoActiveThread => Revert::ActiveStackEmpty,
            Trap::NoThreadLeft => Revert::PostStateStackEmpty,
            Trap::UnalignedPc => Revert::InvalidPc,
            Trap::InvalidInstruction { .. } => Revert::InvalidInstruction,
            Trap::JumpInDelaySlot => Revert::JumpInDelaySlot,
            Trap::BranchInDelaySlot => Revert::BranchInDelaySlot,
            Trap::DivisionByZero => Revert::DivisionByZero,
            Trap::UnimplementedSyscall { .. } => Revert::UnimplementedSyscall,
            Trap::PreimageOffsetOutOfBounds { .. } => Revert::PreimageUnavailable,
        }
    }
}

/// A failure on the host's side of a step.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The preimage oracle could not give the preimage.
    #[error("preimage oracle failed for key {key} at pc 0x{pc:x}: {cause}")]
    Preimage {
        /// The reading instruction.
        pc: u64,
        /// The key.
        key: PreimageKey,
        /// What the oracle said.
        cause: PreimageError,
    },
    /// Sending a hint to the host failed.
    #[error("hint failed at pc 0x{pc:x}: {message}")]
    Hint {
        /// The writing instruction.
        pc: u64,
        /// What went wrong.
        message: String,
    },
}

impl VmError {
    /// A trap of the thread at `pc`.
    pub fn trap(pc: u64, trap: Trap) -> Self {
        VmError::Trap { pc, trap }
    }

    /// The onchain step's revert code ([`Revert::code`]), for a trap; `None` otherwise.
    pub fn revert_code(&self) -> Option<u64> {
        self.as_trap().map(|t| t.revert().code())
    }

    /// The trap, if the guest trapped.
    pub fn as_trap(&self) -> Option<&Trap> {
        match self {
            VmError::Trap { trap, .. } => Some(trap),
            VmError::Host(_) | VmError::StepCounterExhausted => None,
        }
    }
}
