//! The fault proof program: given the L1 head, the agreed L2 output root and a claimed L2 output
//! root at a block number (the dispute game's local inputs 1-5), derive the L2 chain from L1
//! (`verdict-derive`) and execute it statelessly (`verdict-program`), reading everything as
//! preimages, and say whether the claim holds. `no_std` + `alloc`: it runs in the VM.
//!
//! Exit codes: 0 the claim holds, 1 it does not, 2 a panic, 3 a bad boot input or unknown chain,
//! 4 a missing or bad preimage, 5 derivation or execution failed ([`ClaimError::exit_code`]).
#![cfg_attr(not(feature = "std"), no_std)]
extern crate alloc;

pub mod blobs;
pub mod boot;
pub mod chains;
pub mod claim;
pub mod error;
pub mod hints;
pub mod l1;
pub mod l2;
pub mod list_trie;
pub mod oracle;
pub mod output;

pub use claim::{run, Report, Stop};
pub use error::{ClaimError, EXIT_INVALID, EXIT_PANIC, EXIT_VALID};
