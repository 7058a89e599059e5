//! Why a step could not be executed.

use crate::hash::Hash;

/// A step the VM cannot execute: the onchain step would revert (the code says which reference revert),
/// or the host side failed (preimage oracle, output).
#[derive(Debug, thiserror::Error)]
pub enum VmError {
    /// Unknown instruction opcode.
    #[error(
        "unknown instruction opcode 0x{opcode:02x} (instruction 0x{instr:08x}) at pc 0x{pc:x}"
    )]
    UnknownOpcode { pc: u64, instr: u32, opcode: u32 },
    /// An instruction encoding the VM rejects.
    #[error("illegal instruction 0x{instr:08x} at pc 0x{pc:x}: {reason}")]
    IllegalInstruction {
        pc: u64,
        instr: u32,
        reason: &'static str,
        code: Option<u64>,
    },
    /// A syscall the VM does not support.
    #[error("unsupported syscall {number} at pc 0x{pc:x}")]
    UnsupportedSyscall { pc: u64, number: u64 },
    /// getrlimit of a resource other than RLIMIT_NOFILE.
    #[error("unrecognized resource {resource} in getrlimit at pc 0x{pc:x}")]
    UnrecognizedResource { pc: u64, resource: u64 },
    /// A jump to an address that is not 4-byte aligned.
    #[error("jump to unaligned address 0x{target:x} at pc 0x{pc:x}")]
    UnalignedJump { pc: u64, target: u64 },
    /// An instruction fetch that crosses a 32-byte leaf.
    #[error("instruction fetch at pc 0x{pc:x} crosses a 32-byte memory leaf")]
    FetchCrossesLeaf { pc: u64 },
    /// An atomic memory operation on an address that is not 4-byte aligned.
    #[error("atomic access to unaligned address 0x{addr:x} at pc 0x{pc:x}")]
    UnalignedAtomic { pc: u64, addr: u64 },
    /// An atomic memory operation of a size other than 4 or 8.
    #[error("atomic access of bad size {size} at pc 0x{pc:x}")]
    BadAtomicSize { pc: u64, size: u64 },
    /// An unknown AMO operation.
    #[error("unknown atomic operation 0x{op:x} at pc 0x{pc:x}")]
    UnknownAtomicOp { pc: u64, op: u32 },
    /// A load larger than 8 bytes.
    #[error("load of {size} bytes (more than 8) at pc 0x{pc:x}")]
    LoadTooLarge { pc: u64, size: u64 },
    /// A store larger than 8 bytes.
    #[error("store of {size} bytes (more than 8) at pc 0x{pc:x}")]
    StoreTooLarge { pc: u64, size: u64 },
    /// The preimage oracle could not give the preimage.
    #[error(
        "preimage oracle failed for key 0x{} at pc 0x{pc:x}: {message}",
        hex::encode(key)
    )]
    Preimage { pc: u64, key: Hash, message: String },
    /// A preimage read past the end of the value.
    #[error("preimage read at offset {offset} past the end ({len} bytes with the length prefix) of key 0x{} at pc 0x{pc:x}", hex::encode(key))]
    PreimageOffsetOutOfBounds {
        pc: u64,
        key: Hash,
        offset: u64,
        len: u64,
    },
    /// Sending a hint to the host failed.
    #[error("hint failed at pc 0x{pc:x}: {message}")]
    Hint { pc: u64, message: String },
    /// Writing the guest's output failed.
    #[error("writing guest output failed: {0}")]
    Output(#[from] std::io::Error),
}

impl VmError {
    /// The revert code of the reference VM for this error, where it has one.
    pub fn revert_code(&self) -> Option<u64> {
        Some(match self {
            VmError::UnknownOpcode { .. } => 0xf001c0de,
            VmError::IllegalInstruction { code, .. } => return *code,
            VmError::UnsupportedSyscall { .. } => 0xf001ca11,
            VmError::UnrecognizedResource { .. } => 0xf0012,
            VmError::UnalignedJump { .. } | VmError::UnalignedAtomic { .. } => 0xbad10ad0,
            VmError::FetchCrossesLeaf { .. } => 0xbad22220,
            VmError::BadAtomicSize { .. } => 0xbada70,
            VmError::UnknownAtomicOp { .. } => 0xf001a70,
            VmError::LoadTooLarge { .. } => 0xbad512e0,
            VmError::StoreTooLarge { .. } => 0xbad512e8,
            VmError::Preimage { .. } | VmError::PreimageOffsetOutOfBounds { .. } => 0xbadf00d0,
            VmError::Hint { .. } | VmError::Output(_) => return None,
        })
    }

    /// The pc of the failing instruction, where known.
    pub fn pc(&self) -> Option<u64> {
        match self {
            VmError::UnknownOpcode { pc, .. }
            | VmError::IllegalInstruction { pc, .. }
            | VmError::UnsupportedSyscall { pc, .. }
            | VmError::UnrecognizedResource { pc, .. }
            | VmError::UnalignedJump { pc, .. }
            | VmError::FetchCrossesLeaf { pc }
            | VmError::UnalignedAtomic { pc, .. }
            | VmError::BadAtomicSize { pc, .. }
            | VmError::UnknownAtomicOp { pc, .. }
            | VmError::LoadTooLarge { pc, .. }
            | VmError::StoreTooLarge { pc, .. }
            | VmError::Preimage { pc, .. }
            | VmError::PreimageOffsetOutOfBounds { pc, .. }
            | VmError::Hint { pc, .. } => Some(*pc),
            VmError::Output(_) => None,
        }
    }
}
