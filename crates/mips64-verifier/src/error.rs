//! Why a step cannot be computed: the onchain step reverts (with which reason), or the input is
//! not a step's calldata at all.

use core::fmt;
use verdict_mips64_consts::Revert;

pub use verdict_preimage::onchain::OracleError;

/// Why the step fails.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepError {
    /// The state witness is not 188 bytes.
    WitnessLength {
        /// Its length.
        len: usize,
    },
    /// The onchain step reverts.
    Reverts {
        /// Why, as the contract says it.
        reason: Revert,
        /// The circumstances (the instruction, the address, the slot).
        detail: Detail,
    },
    /// The oracle has no part at the key and offset read: the contract reverts there.
    Oracle(OracleError),
    /// No deployed MIPS64 contract follows this state version (only 7 and 8 exist).
    UnsupportedVersion {
        /// The version asked for.
        version: u8,
    },
}

/// The circumstances of a revert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detail {
    /// Nothing more to say.
    None,
    /// The instruction word.
    Instruction(u32),
    /// The syscall number.
    Syscall(u64),
    /// The memory proof slot and the word address it should prove.
    Slot(u8, u64),
    /// The pc.
    Pc(u64),
}

impl StepError {
    /// The contract's revert reason, if the contract reverts.
    pub fn revert(&self) -> Option<Revert> {
        match self {
            StepError::Reverts { reason, .. } => Some(*reason),
            StepError::Oracle(_) => Some(Revert::PreimageUnavailable),
            StepError::WitnessLength { .. } | StepError::UnsupportedVersion { .. } => None,
        }
    }

    pub(crate) fn reverts(reason: Revert, detail: Detail) -> Self {
        StepError::Reverts { reason, detail }
    }
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepError::WitnessLength { len } => {
                write!(f, "the state witness has {len} bytes, not 188")
            }
            StepError::Reverts { reason, detail } => {
                write!(f, "reverts: {reason}")?;
                match detail {
                    Detail::None => Ok(()),
                    Detail::Instruction(insn) => write!(f, " (instruction 0x{insn:08x})"),
                    Detail::Syscall(n) => write!(f, " (syscall {n})"),
                    Detail::Slot(slot, addr) => {
                        write!(f, " (memory proof slot {slot}, word 0x{addr:x})")
                    }
                    Detail::Pc(pc) => write!(f, " (pc 0x{pc:x})"),
                }
            }
            StepError::Oracle(e) => {
                write!(f, "reverts: the preimage oracle cannot serve the read: {e}")
            }
            StepError::UnsupportedVersion { version } => write!(
                f,
                "state version {version} is not one a MIPS64 contract follows (7 or 8)"
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for StepError {}
