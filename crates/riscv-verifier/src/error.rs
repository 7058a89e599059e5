//! Why a step reverts, and why a preimage oracle refuses a request.

use core::fmt;

pub use verdict_preimage::onchain::OracleError;
/// Revert codes of the onchain step (`RISCV.sol`), shared with the VM.
pub use verdict_riscv_consts::revert as codes;

/// Why a step cannot be executed: each variant is a case where the onchain `step` reverts
/// (or where the inputs could not even be handed to it).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StepError {
    /// The witness is not exactly [`crate::WITNESS_SIZE`] bytes long.
    WitnessLength {
        /// Length of the witness given.
        len: usize,
    },
    /// The proof bytes end before memory-proof slot `slot` does.
    MissingProofSlot {
        /// Slot that was needed.
        slot: u8,
        /// Length of the proof bytes given.
        proof_len: usize,
    },
    /// The memory proof in `slot` for the leaf at `addr` does not lead to the memory root.
    BadMemoryProof {
        /// Slot of the proof.
        slot: u8,
        /// 32-byte aligned address of the leaf.
        addr: u64,
    },
    /// An access crosses into a second leaf but no right-hand proof slot is available
    /// (e.g. an instruction fetch crossing a 32-byte boundary).
    MissingRightProof {
        /// Address of the access.
        addr: u64,
        /// Size of the access in bytes.
        size: u64,
        /// Whether the access is a store.
        store: bool,
    },
    /// A load of more than 8 bytes.
    LoadTooLarge {
        /// Size of the load in bytes.
        size: u64,
    },
    /// A store of more than 8 bytes (funct3 >= 4).
    StoreTooLarge {
        /// Size of the store in bytes.
        size: u64,
    },
    /// An encoding the step refuses: reserved funct3, funct7 or immediate bits.
    IllegalInstruction {
        /// Address of the instruction.
        pc: u64,
        /// The instruction.
        instr: u32,
    },
    /// An unknown major opcode.
    UnknownOpcode {
        /// Address of the instruction.
        pc: u64,
        /// The instruction.
        instr: u32,
    },
    /// A JAL, JALR or branch (taken or not) whose target is not 4-byte aligned.
    MisalignedJump {
        /// Address of the instruction.
        pc: u64,
        /// The jump target.
        target: u64,
    },
    /// An AMO whose size (1 << funct3) is not 4 or 8.
    BadAmoSize {
        /// Address of the instruction.
        pc: u64,
        /// Size of the access in bytes.
        size: u64,
    },
    /// An AMO whose address is not aligned to its size.
    MisalignedAmo {
        /// Address of the instruction.
        pc: u64,
        /// The memory address.
        addr: u64,
    },
    /// An AMO with an unknown operation (funct7 >> 2).
    UnknownAmoOp {
        /// Address of the instruction.
        pc: u64,
        /// The operation.
        op: u64,
    },
    /// A syscall the VM refuses (prlimit64, futex, nanosleep).
    UnsupportedSyscall {
        /// Syscall number (a7).
        number: u64,
        /// Address of the ecall.
        pc: u64,
    },
    /// getrlimit of a resource other than RLIMIT_NOFILE.
    UnknownResource {
        /// The resource (a0).
        resource: u64,
        /// Address of the ecall.
        pc: u64,
    },
    /// The preimage oracle refused to serve a part.
    Oracle {
        /// The (localized) key asked for.
        key: [u8; 32],
        /// The offset asked for.
        offset: u64,
        /// What the oracle said.
        error: OracleError,
    },
}

impl StepError {
    /// The revert code the reference contract would revert with, where it has one.
    ///
    /// A missing proof slot maps to the bad-memory-proof code: the contract reads zeros past the
    /// end of its calldata and the root check fails. A wrong witness length reverts without a
    /// code (`None`).
    pub fn revert_code(&self) -> Option<u64> {
        use codes::*;
        Some(match self {
            StepError::WitnessLength { .. } => return None,
            StepError::MissingProofSlot { .. } | StepError::BadMemoryProof { .. } => {
                BAD_MEMORY_PROOF
            }
            StepError::MissingRightProof { store: false, .. } => UNEXPECTED_R_PROOF_LOAD,
            StepError::MissingRightProof { store: true, .. } => UNEXPECTED_R_PROOF_STORE_UNALIGNED,
            StepError::LoadTooLarge { .. } => LOAD_EXCEEDS_8_BYTES,
            StepError::StoreTooLarge { .. } => STORE_EXCEEDS_8_BYTES,
            StepError::IllegalInstruction { .. } => ILLEGAL_INSTRUCTION,
            StepError::UnsupportedSyscall { .. } => INVALID_SYSCALL,
            StepError::UnknownOpcode { .. } => UNKNOWN_OPCODE,
            StepError::MisalignedJump { .. } | StepError::MisalignedAmo { .. } => NOT_ALIGNED_ADDR,
            StepError::BadAmoSize { .. } => BAD_AMO_SIZE,
            StepError::UnknownAmoOp { .. } => UNKNOWN_ATOMIC_OPERATION,
            StepError::UnknownResource { .. } => UNRECOGNIZED_RESOURCE,
            StepError::Oracle { .. } => FAIL_TO_READ_PREIMAGE,
        })
    }
}

/// Writes bytes as `0x`-prefixed lowercase hex.
struct Hex<'a>(&'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("0x")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepError::WitnessLength { len } => write!(
                f,
                "witness is {len} bytes, expected {}",
                crate::WITNESS_SIZE
            ),
            StepError::MissingProofSlot { slot, proof_len } => write!(
                f,
                "memory proof slot {slot} is missing: proof bytes are {proof_len} long, need {}",
                (usize::from(*slot) + 1) * crate::MEMORY_PROOF_SIZE
            ),
            StepError::BadMemoryProof { slot, addr } => write!(
                f,
                "bad memory proof in slot {slot} for leaf at {addr:#x}: root does not match"
            ),
            StepError::MissingRightProof { addr, size, store } => write!(
                f,
                "{} of {size} bytes at {addr:#x} crosses a 32-byte leaf, but no right-hand proof is allowed here",
                if *store { "store" } else { "load" }
            ),
            StepError::LoadTooLarge { size } => write!(f, "cannot load {size} bytes (max 8)"),
            StepError::StoreTooLarge { size } => write!(f, "cannot store {size} bytes (max 8)"),
            StepError::IllegalInstruction { pc, instr } => write!(
                f,
                "illegal instruction {instr:#010x} (a reserved encoding) at pc {pc:#x}"
            ),
            StepError::UnknownOpcode { pc, instr } => write!(
                f,
                "unknown opcode {:#04x} in instruction {instr:#010x} at pc {pc:#x}",
                instr & 0x7f
            ),
            StepError::MisalignedJump { pc, target } => write!(
                f,
                "jump at pc {pc:#x} to {target:#x}, which is not 4-byte aligned"
            ),
            StepError::BadAmoSize { pc, size } => {
                write!(f, "bad AMO size {size} at pc {pc:#x}")
            }
            StepError::MisalignedAmo { pc, addr } => write!(
                f,
                "AMO at pc {pc:#x} on address {addr:#x}, which is not aligned to its size"
            ),
            StepError::UnknownAmoOp { pc, op } => {
                write!(f, "unknown atomic operation {op:#x} at pc {pc:#x}")
            }
            StepError::UnsupportedSyscall { number, pc } => {
                write!(f, "unsupported syscall {number} at pc {pc:#x}")
            }
            StepError::UnknownResource { resource, pc } => write!(
                f,
                "getrlimit of unrecognized resource {resource} at pc {pc:#x}"
            ),
            StepError::Oracle { key, offset, error } => write!(
                f,
                "preimage oracle failed to serve key {} at offset {offset}: {error}",
                Hex(key)
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for StepError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StepError::Oracle { error, .. } => Some(error),
            _ => None,
        }
    }
}
