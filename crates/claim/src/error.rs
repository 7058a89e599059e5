//! Why the program could not judge the claim, and the exit code of each kind of failure. A
//! verdict exits 0 (the claim holds) or 1 (it does not); everything else exits with a code that
//! says what kind of thing went wrong, never 0 or 1.

use alloc::string::String;
use core::fmt;

/// The exit code of a claim that holds.
pub const EXIT_VALID: i32 = 0;
/// The exit code of a claim that does not hold.
pub const EXIT_INVALID: i32 = 1;
/// The exit code of a panic (the guest runtime's, and natively the program's own).
pub const EXIT_PANIC: i32 = 2;

/// What stopped the program before a verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClaimError {
    /// A boot input (local key 1-5) is missing or malformed, or names a chain the program does
    /// not know.
    BadBootInput(String),
    /// A preimage is missing, or its value is not what its key commits to or what it must be.
    BadPreimage(String),
    /// Derivation or execution failed on input the protocol does not allow (not a bad claim:
    /// the program cannot tell).
    Failed(String),
}

impl ClaimError {
    /// The process exit code for this failure.
    pub fn exit_code(&self) -> i32 {
        match self {
            ClaimError::BadBootInput(_) => 3,
            ClaimError::BadPreimage(_) => 4,
            ClaimError::Failed(_) => 5,
        }
    }
}

impl fmt::Display for ClaimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClaimError::BadBootInput(m) => write!(f, "bad boot input: {m}"),
            ClaimError::BadPreimage(m) => write!(f, "bad preimage: {m}"),
            ClaimError::Failed(m) => write!(f, "cannot judge the claim: {m}"),
        }
    }
}
