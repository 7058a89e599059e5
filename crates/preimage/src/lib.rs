//! The preimage oracle: every input of the fault proof program is a preimage fetched by a 32-byte key.
//!
//! This crate holds what the program (inside the VM or natively) and the host share: key types, the
//! check of a global preimage against its key, and the client traits the program reads through.
#![cfg_attr(not(feature = "std"), no_std)]
extern crate alloc;

mod key;
mod oracle;
pub mod protocol;
pub mod transport;

pub use key::{keccak256, sha256, KeyType, LocalKey, PreimageKey};
pub use oracle::{HintWriter, PreimageError, PreimageOracle, VerifiedOracle};
pub use protocol::{Channel, Hint, HintClient, HintServer, OracleClient, OracleServer};
