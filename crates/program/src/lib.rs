//! Verdict's fault proof program, execution half: stateless execution of OP Stack blocks from
//! preimages.
//!
//! Every input beyond the payload attributes and the parent header is a keccak256 preimage fetched
//! through [`verdict_preimage::PreimageOracle`] and checked against its hash: state and storage
//! trie nodes, contract code and older block headers. `no_std` + `alloc`, so it can run in the VM.
#![cfg_attr(not(feature = "std"), no_std)]
extern crate alloc;

pub mod error;
pub mod oracle;
pub mod trie;

pub use error::{PreimageKind, ProgramError};
pub use oracle::{NoNodes, NodeSource, Preimages};
pub use trie::{Trie, EMPTY_ROOT};

pub mod block;
pub mod config;
pub mod state;

pub use block::{execute_block, ExecutedBlock, PayloadAttributes};
pub use config::{Fork, RollupConfig};
pub use state::State;
#[cfg(feature = "std")]
pub mod fixture;
