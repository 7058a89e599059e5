//! Why a step could not be executed: the guest trapped (the onchain step reverts there, whoever
//! runs it), or the host failed (the preimage server), which a retry may cure.

use verdict_preimage::{PreimageError, PreimageKey};
use verdict_riscv_consts::revert;

/// A step the VM cannot execute.
#[derive(Debug, thiserror::Error)]
pub enum VmError {
    /// The guest trapped: the onchain step reverts on this instruction.
    #[error("{trap} at pc 0x{pc:x}")]
    Trap {
        /// The instruction's address.
        pc: u64,
        /// What the instruction did.
        trap: Trap,
    },
    /// The host failed; nothing is wrong with the guest.
    #[error(transparent)]
    Host(#[from] HostError),
    /// The step counter is at u64::MAX. The onchain step would wrap it to 0, but no game reaches
    /// this step (an execution trace has at most 2^(max depth - split depth) steps from step 0),
    /// so a state here is crafted and we refuse to go on rather than wrap.
    #[error("the step counter is at its maximum (2^64-1); one more step would wrap it to 0")]
    StepCounterExhausted,
}

/// What made the onchain step revert.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Trap {
    /// An unknown major opcode.
    #[error("unknown instruction opcode 0x{:02x} (instruction 0x{instr:08x})", instr & 0x7f)]
    UnknownOpcode {
        /// The instruction.
        instr: u32,
    },
    /// An encoding the step refuses (reserved funct3, funct7 or immediate bits).
    #[error("illegal instruction 0x{instr:08x} (a reserved encoding)")]
    IllegalInstruction {
        /// The instruction.
        instr: u32,
    },
    /// A store of more than 8 bytes.
    #[error("store of {size} bytes (more than 8)")]
    StoreTooLarge {
        /// Its size in bytes.
        size: u64,
    },
    /// A syscall the VM does not support.
    #[error("unsupported syscall {number}")]
    UnsupportedSyscall {
        /// The syscall number (a7).
        number: u64,
    },
    /// getrlimit of a resource other than RLIMIT_NOFILE.
    #[error("unrecognized resource {resource} in getrlimit")]
    UnrecognizedResource {
        /// The resource (a0).
        resource: u64,
    },
    /// A jump, or a branch (taken or not), to an address that is not 4-byte aligned.
    #[error("jump to unaligned address 0x{target:x}")]
    UnalignedJump {
        /// The target.
        target: u64,
    },
    /// An instruction fetch that crosses a 32-byte leaf.
    #[error("instruction fetch crosses a 32-byte memory leaf")]
    FetchCrossesLeaf,
    /// An atomic operation on an address not aligned to its size.
    #[error("atomic access of {size} bytes to unaligned address 0x{addr:x}")]
    UnalignedAtomic {
        /// The address.
        addr: u64,
        /// The access size.
        size: u64,
    },
    /// An atomic operation of a size other than 4 or 8.
    #[error("atomic access of bad size {size}")]
    BadAtomicSize {
        /// The size (1 << funct3).
        size: u64,
    },
    /// An unknown AMO operation.
    #[error("unknown atomic operation 0x{op:x}")]
    UnknownAtomicOp {
        /// The operation (funct7 >> 2).
        op: u32,
    },
    /// A preimage read at an offset past the end of the value.
    #[error("preimage read at offset {offset} past the end ({len} bytes with the length prefix) of key {key}")]
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
    /// The onchain step's revert code.
    pub fn revert_code(&self) -> u64 {
        match self {
            Trap::UnknownOpcode { .. } => revert::UNKNOWN_OPCODE,
            Trap::IllegalInstruction { .. } => revert::ILLEGAL_INSTRUCTION,
            Trap::StoreTooLarge { .. } => revert::STORE_EXCEEDS_8_BYTES,
            Trap::UnsupportedSyscall { .. } => revert::INVALID_SYSCALL,
            Trap::UnrecognizedResource { .. } => revert::UNRECOGNIZED_RESOURCE,
            Trap::UnalignedJump { .. } | Trap::UnalignedAtomic { .. } => revert::NOT_ALIGNED_ADDR,
            Trap::FetchCrossesLeaf => revert::UNEXPECTED_R_PROOF_LOAD,
            Trap::BadAtomicSize { .. } => revert::BAD_AMO_SIZE,
            Trap::UnknownAtomicOp { .. } => revert::UNKNOWN_ATOMIC_OPERATION,
            Trap::PreimageOffsetOutOfBounds { .. } => revert::FAIL_TO_READ_PREIMAGE,
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
    /// A trap of the instruction at `pc`.
    pub fn trap(pc: u64, trap: Trap) -> Self {
        VmError::Trap { pc, trap }
    }

    /// The onchain step's revert code, for a trap; `None` otherwise.
    pub fn revert_code(&self) -> Option<u64> {
        match self {
            VmError::Trap { trap, .. } => Some(trap.revert_code()),
            VmError::Host(_) | VmError::StepCounterExhausted => None,
        }
    }

    /// The trap, if the guest trapped.
    pub fn as_trap(&self) -> Option<&Trap> {
        match self {
            VmError::Trap { trap, .. } => Some(trap),
            VmError::Host(_) | VmError::StepCounterExhausted => None,
        }
    }

    /// The pc of the failing instruction, where known.
    pub fn pc(&self) -> Option<u64> {
        match self {
            VmError::Trap { pc, .. }
            | VmError::Host(HostError::Preimage { pc, .. } | HostError::Hint { pc, .. }) => {
                Some(*pc)
            }
            VmError::StepCounterExhausted => None,
        }
    }
}
