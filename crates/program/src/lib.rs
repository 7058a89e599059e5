//! Verdict's fault proof program, execution half: stateless execution of OP Stack blocks from
//! preimages.
//!
//! Every input beyond the payload attributes, the parent header and the rollup config is a
//! keccak256 preimage fetched through [`verdict_preimage::PreimageOracle`] and checked against its
//! hash ([`Preimages`]): state and storage trie nodes, contract code and older block headers.
//! `no_std` + `alloc` without the default `std` feature, so it can run in the VM
//! (`riscv64imac-unknown-none-elf`).
//!
//! - [`trie`]: the Merkle Patricia trie, nodes fetched by hash on demand;
//! - [`state`]: accounts, storage, code and block hashes over the state trie; revm's `Database`;
//!   the changes of each transaction and the new state root;
//! - [`block`]: [`execute_block`]: system calls, transactions on op-revm, receipts, roots, header
//!   and block hash;
//! - [`secp256k1`]: sender and ecrecover key recovery (k256's, without its redundant check);
//! - [`config`]: hardfork selection by timestamp, EIP-1559 parameters;
//! - `json` (feature `json`, no_std): the fixtures' JSON formats;
//! - `fixture` (`std`): the shared test fixtures.
#![cfg_attr(not(feature = "std"), no_std)]
extern crate alloc;

pub mod block;
pub mod config;
pub mod error;
#[cfg(feature = "json")]
pub mod json;
pub mod oracle;
pub mod secp256k1;
pub mod state;
pub mod trie;

#[cfg(feature = "std")]
pub mod fixture;

pub use block::{
    execute_block, execute_block_with_output, execute_block_with_post_state, ExecutedBlock,
    PayloadAttributes, PostState,
};
pub use config::{Fork, RollupConfig};
pub use error::{PreimageKind, ProgramError};
pub use oracle::{NoNodes, NodeSource, Preimages, StateHints, StateRead};
pub use state::State;
pub use trie::{Trie, EMPTY_ROOT};
