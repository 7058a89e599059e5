//! The pipeline's errors. Bad batcher data is never an error (it is dropped and logged where the
//! spec says); errors are what stops derivation: a provider that cannot answer, L1 or L2 data
//! that contradicts itself, or a config that cannot be read.

use alloc::string::String;
use core::fmt;

/// Why derivation stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeriveError {
    /// A provider could not serve what was asked (missing data, I/O): `what` names it.
    Provider(String),
    /// The L1 chain contradicts itself (a header whose parent is not the previous block, a blob
    /// that does not match its versioned hash, receipts that cannot be decoded).
    BadL1(String),
    /// The L2 chain given to the pipeline contradicts the derivation (a safe head whose L1 origin
    /// is not canonical, a time invariant broken).
    BadL2(String),
    /// The rollup config cannot be parsed or is inconsistent.
    Config(String),
    /// A deposit log of the portal cannot be decoded (the portal is trusted: this is fatal).
    BadDeposit(String),
    /// The L1 head was reached: nothing more can be derived from the data available.
    EndOfL1,
}

impl fmt::Display for DeriveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeriveError::Provider(e) => write!(f, "provider error: {e}"),
            DeriveError::BadL1(e) => write!(f, "inconsistent L1 data: {e}"),
            DeriveError::BadL2(e) => write!(f, "inconsistent L2 data: {e}"),
            DeriveError::Config(e) => write!(f, "bad rollup config: {e}"),
            DeriveError::BadDeposit(e) => write!(f, "bad deposit log: {e}"),
            DeriveError::EndOfL1 => write!(f, "reached the L1 head"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for DeriveError {}
