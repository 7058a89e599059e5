//! The local chain's L1 side (issue 16): anvil as the L1 node, Verdict's own rollup contracts on it
//! (`contracts/`), deposits and config updates, L1 read over RPC for verdict-derive (headers,
//! receipts, transactions, blobs from the beacon API), the batcher, and derivation following an L2
//! node over RPC.
//!
//! - [`anvil`]: starting and stopping anvil on a loopback port;
//! - [`contracts`]: `sol!` bindings of the compiled contracts;
//! - [`chain`]: the roles' keys, deployment, deposits, config updates, mining;
//! - [`rpc`]: the L1 client and the RPC-backed `L1Provider` / `BlobProvider`;
//! - [`l2`]: the L2 node's client (blocks, sync status) and the RPC-backed `L2Provider`;
//! - [`follow`]: derivation over RPC checked block by block against the L2 node;
//! - [`batcher`]: L2 blocks to channels, frames, calldata and blob transactions;
//! - [`devnet`]: the L1 half of `verdict devnet` and its data directory;
//! - [`process`]: child processes the devnet runs (the L2 node);
//! - [`proposer`]: output roots of the safe chain, checked and recorded;
//! - [`record`]: a running chain's L1 data and L2 blocks recorded for the in-memory pipelines;
//! - [`rollup`]: the chain's parameters and its `rollup.json`;
//! - [`testing`]: a stand-in sequencer and L2 node for tests.

pub mod anvil;
pub mod batcher;
pub mod chain;
pub mod contracts;
pub mod devnet;
pub mod error;
pub mod follow;
pub mod l2;
pub mod process;
pub mod proposer;
pub mod record;
pub mod rollup;
pub mod rpc;
pub mod testing;

pub use error::{Error, Result};
