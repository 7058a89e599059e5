//! The preimage oracle: every input of the fault proof program is a preimage fetched by a 32-byte key.
//!
//! This crate holds what the program (inside the VM or natively), the VMs, the host and the
//! verifiers share: key types, the check of a global preimage against its key, the one
//! preimage-oracle trait family ([`PreimageOracle`], [`HintWriter`]; [`onchain`] for the contract's
//! 32-byte reads), and the hint and preimage wire protocol with its transports.
#![cfg_attr(not(feature = "std"), no_std)]
extern crate alloc;

mod key;
pub mod onchain;
mod oracle;
pub mod protocol;
pub mod transport;

pub use key::{keccak256, sha256, KeyType, LocalKey, PreimageKey};
pub use onchain::{OnchainOracle, PreimagePart, PreimageStore, StepContext};
pub use oracle::{
    HintWriter, MapOracle, NoOracle, Oracle, PreimageError, PreimageOracle, VerifiedOracle,
};
pub use protocol::{Channel, Hint, HintClient, HintServer, OracleClient, OracleServer};
