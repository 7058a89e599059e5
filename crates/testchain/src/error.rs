//! The crate's one error type: what went wrong, in words.

use std::fmt;

/// Building a world or writing a fixture failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error(pub String);

impl Error {
    /// An error saying `msg`.
    pub fn new(msg: impl Into<String>) -> Self {
        Error(msg.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl From<verdict_program::ProgramError> for Error {
    fn from(e: verdict_program::ProgramError) -> Self {
        Error(format!("execution: {e}"))
    }
}

impl From<verdict_derive::DeriveError> for Error {
    fn from(e: verdict_derive::DeriveError) -> Self {
        Error(format!("derivation: {e}"))
    }
}

/// This crate's results.
pub type Result<T> = std::result::Result<T, Error>;
