//! Why a step reverts, and why a preimage oracle refuses a request.

use alloc::string::String;
use core::fmt;

/// Revert codes of the reference (`rvgo/riscv/constants.go` and `RISCV.sol`).
pub mod codes {
    /// A resource other than RLIMIT_NOFILE was asked of getrlimit.
    pub const UNRECOGNIZED_RESOURCE: u64 = 0xf0012;
    /// An AMO instruction with an unknown operation.
    pub const UNKNOWN_ATOMIC_OPERATION: u64 = 0xf001a70;
    /// An unknown major opcode.
    pub const UNKNOWN_OPCODE: u64 = 0xf001c0de;
    /// An unsupported syscall (also used for the reserved load encoding funct3 = 7).
    pub const INVALID_SYSCALL: u64 = 0xf001ca11;
    /// A misaligned address (jump target, AMO address, leaf address).
    pub const NOT_ALIGNED_ADDR: u64 = 0xbad10ad0;
    /// A load of more than 8 bytes.
    pub const LOAD_EXCEEDS_8_BYTES: u64 = 0xbad512e0;
    /// A store of more than 8 bytes.
    pub const STORE_EXCEEDS_8_BYTES: u64 = 0xbad512e8;
    /// A load crossing a leaf boundary where no right-hand proof is available.
    pub const UNEXPECTED_R_PROOF_LOAD: u64 = 0xbad22220;
    /// A store crossing a leaf boundary where no right-hand proof is available.
    pub const UNEXPECTED_R_PROOF_STORE_UNALIGNED: u64 = 0xbad22221;
    /// An AMO whose size is not 4 or 8 bytes.
    pub const BAD_AMO_SIZE: u64 = 0xbada70;
    /// The preimage oracle call failed.
    pub const FAIL_TO_READ_PREIMAGE: u64 = 0xbadf00d0;
    /// A memory proof does not lead to the state's memory root.
    pub const BAD_MEMORY_PROOF: u64 = 0xbadf00d1;
}

/// Why a preimage oracle could not serve a request or accept a value.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OracleError {
    /// The oracle holds no value for this key.
    UnknownKey {
        /// The (localized) key asked for.
        key: [u8; 32],
    },
    /// The offset lies past the end of the length-prefixed value.
    OffsetOutOfRange {
        /// The (localized) key asked for.
        key: [u8; 32],
        /// The offset asked for.
        offset: u64,
        /// Length of the value including its 8-byte length prefix.
        size: u64,
    },
    /// A value offered for a hash-typed key does not hash to that key.
    HashMismatch {
        /// The key the value was offered for.
        key: [u8; 32],
    },
    /// Any other failure, described by an external oracle implementation.
    Other(String),
}

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
    /// A load with the reserved funct3 = 7.
    ReservedLoad {
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
    /// A JAL / JALR whose target is not 4-byte aligned.
    MisalignedJump {
        /// Address of the instruction.
        pc: u64,
        /// The jump target.
        target: u64,
    },
    /// A CSRRW whose rs1 or rd register holds a non-zero value.
    IllegalCsrrw {
        /// Address of the instruction.
        pc: u64,
        /// The instruction.
        instr: u32,
    },
    /// An AMO whose size (1 << funct3) is not 4 or 8.
    BadAmoSize {
        /// Address of the instruction.
        pc: u64,
        /// Size of the access in bytes.
        size: u64,
    },
    /// An AMO whose address is not 4-byte aligned.
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
    /// code, and the reference's code for an illegal CSRRW is not known here (`None`).
    pub fn revert_code(&self) -> Option<u64> {
        use codes::*;
        Some(match self {
            StepError::WitnessLength { .. } | StepError::IllegalCsrrw { .. } => return None,
            StepError::MissingProofSlot { .. } | StepError::BadMemoryProof { .. } => {
                BAD_MEMORY_PROOF
            }
            StepError::MissingRightProof { store: false, .. } => UNEXPECTED_R_PROOF_LOAD,
            StepError::MissingRightProof { store: true, .. } => UNEXPECTED_R_PROOF_STORE_UNALIGNED,
            StepError::LoadTooLarge { .. } => LOAD_EXCEEDS_8_BYTES,
            StepError::StoreTooLarge { .. } => STORE_EXCEEDS_8_BYTES,
            StepError::ReservedLoad { .. } | StepError::UnsupportedSyscall { .. } => {
                INVALID_SYSCALL
            }
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

impl fmt::Display for OracleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OracleError::UnknownKey { key } => write!(f, "no preimage for key {}", Hex(key)),
            OracleError::OffsetOutOfRange { key, offset, size } => write!(
                f,
                "offset {offset} is past the end ({size} bytes with length prefix) of preimage {}",
                Hex(key)
            ),
            OracleError::HashMismatch { key } => {
                write!(f, "value does not hash to preimage key {}", Hex(key))
            }
            OracleError::Other(msg) => f.write_str(msg),
        }
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
            StepError::ReservedLoad { pc, instr } => write!(
                f,
                "reserved load encoding (funct3 = 7) {instr:#010x} at pc {pc:#x}"
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
            StepError::IllegalCsrrw { pc, instr } => write!(
                f,
                "CSRRW {instr:#010x} at pc {pc:#x} with non-zero rs1 or rd value (only no-op CSRRW is supported)"
            ),
            StepError::BadAmoSize { pc, size } => {
                write!(f, "bad AMO size {size} at pc {pc:#x}")
            }
            StepError::MisalignedAmo { pc, addr } => write!(
                f,
                "AMO at pc {pc:#x} on address {addr:#x}, which is not 4-byte aligned"
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
impl std::error::Error for OracleError {}

#[cfg(feature = "std")]
impl std::error::Error for StepError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StepError::Oracle { error, .. } => Some(error),
            _ => None,
        }
    }
}
