//! Why the onchain step (`MIPS64.sol`) reverts. The contract reverts with strings and custom
//! errors, not numbers: [`Revert::code`] is Verdict's numbering of them, shared by the VM and the
//! verifier so that a caller can compare refusals without matching either's error type.

/// A reason the onchain step reverts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Revert {
    /// `InvalidExitedValue()`: the state's exited byte is neither 0 nor 1.
    InvalidExitedValue = 1,
    /// "MIPS64: active thread stack is empty".
    ActiveStackEmpty = 2,
    /// "MIPS64: post-state active thread stack is empty".
    PostStateStackEmpty = 3,
    /// "MIPS64: insufficient calldata for thread witness".
    ThreadWitnessMissing = 4,
    /// "MIPS64: invalid thread witness".
    InvalidThreadWitness = 5,
    /// "MIPS64Memory: check that there is enough calldata": a memory proof slot is missing.
    MemoryProofMissing = 6,
    /// `InvalidMemoryProof()`.
    InvalidMemoryProof = 7,
    /// `InvalidSecondMemoryProof()`: clock_gettime's second word.
    InvalidSecondMemoryProof = 8,
    /// `InvalidPC()`: the pc is not 4-byte aligned.
    InvalidPc = 9,
    /// "MIPS64: invalid instruction".
    InvalidInstruction = 10,
    /// "MIPS64: jump in delay slot".
    JumpInDelaySlot = 11,
    /// "MIPS64: branch in delay slot".
    BranchInDelaySlot = 12,
    /// "MIPS64: division by zero".
    DivisionByZero = 13,
    /// "MIPS64: unimplemented syscall".
    UnimplementedSyscall = 14,
    /// The PreimageOracle has no part at the key and offset read ("pre-image must exist").
    PreimageUnavailable = 15,
}

impl Revert {
    /// Verdict's number for the reason (stable).
    pub fn code(self) -> u64 {
        self as u64
    }

    /// The reason as the contract states it.
    pub fn message(self) -> &'static str {
        match self {
            Revert::InvalidExitedValue => "InvalidExitedValue()",
            Revert::ActiveStackEmpty => "MIPS64: active thread stack is empty",
            Revert::PostStateStackEmpty => "MIPS64: post-state active thread stack is empty",
            Revert::ThreadWitnessMissing => "MIPS64: insufficient calldata for thread witness",
            Revert::InvalidThreadWitness => "MIPS64: invalid thread witness",
            Revert::MemoryProofMissing => "MIPS64Memory: check that there is enough calldata",
            Revert::InvalidMemoryProof => "InvalidMemoryProof()",
            Revert::InvalidSecondMemoryProof => "InvalidSecondMemoryProof()",
            Revert::InvalidPc => "InvalidPC()",
            Revert::InvalidInstruction => "MIPS64: invalid instruction",
            Revert::JumpInDelaySlot => "MIPS64: jump in delay slot",
            Revert::BranchInDelaySlot => "MIPS64: branch in delay slot",
            Revert::DivisionByZero => "MIPS64: division by zero",
            Revert::UnimplementedSyscall => "MIPS64: unimplemented syscall",
            Revert::PreimageUnavailable => "pre-image must exist",
        }
    }
}

impl core::fmt::Display for Revert {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.message())
    }
}
