//! One error type: a message that names what went wrong (the endpoint and request, the file, the
//! contract call).

use std::fmt;

/// An error with its full explanation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error(pub String);

/// This crate's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error saying `msg`.
    pub fn new(msg: impl Into<String>) -> Self {
        Error(msg.into())
    }

    /// This error with `context` in front.
    pub fn context(self, context: impl fmt::Display) -> Self {
        Error(format!("{context}: {}", self.0))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl From<verdict_derive::DeriveError> for Error {
    fn from(e: verdict_derive::DeriveError) -> Self {
        Error(format!("derivation: {e}"))
    }
}

impl From<verdict_testchain::Error> for Error {
    fn from(e: verdict_testchain::Error) -> Self {
        Error(format!("{e}"))
    }
}

/// Adds context to errors of any displayable type.
pub trait Context<T> {
    /// The error as an [`Error`] with `what` in front.
    fn context(self, what: impl fmt::Display) -> Result<T>;
    /// Like [`Context::context`], the text made only on error.
    fn with_context<D: fmt::Display>(self, what: impl FnOnce() -> D) -> Result<T>;
}

impl<T, E: fmt::Display> Context<T> for std::result::Result<T, E> {
    fn context(self, what: impl fmt::Display) -> Result<T> {
        self.map_err(|e| Error(format!("{what}: {e}")))
    }

    fn with_context<D: fmt::Display>(self, what: impl FnOnce() -> D) -> Result<T> {
        self.map_err(|e| Error(format!("{}: {e}", what())))
    }
}
