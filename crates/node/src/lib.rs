//! Verdict's L2 sequencer node for the local chain.
//!
//! - [`devnet`]: the fixed parameters (L1 flags, keys, addresses, forks); [`devnet_file`]: the
//!   devnet L1 half's `devnet.json` (a genesis for its deployment);
//! - [`genesis`]: the L2 genesis with the predeploys (our Solidity in `contracts/`), the rollup
//!   config and `genesis.json`;
//! - [`store`]: the persistent redb store (trie nodes, code, headers, bodies, receipts);
//! - [`eth`]: reading L1 (and L2) nodes over JSON-RPC, checked against header roots;
//! - [`chain`]: L1 origin selection, attributes from verdict-derive, execution by crates/program;
//! - [`node`]: the running node (sequencer loop, pool, server); [`rpc`]: its methods; [`safe`]:
//!   the safe chain, derived back from L1;
//! - [`json`], [`proof`]: JSON-RPC forms and Merkle proofs; [`txgen`]: the transaction generator.

pub mod chain;
pub mod devnet;
pub mod devnet_file;
pub mod eth;
pub mod genesis;
pub mod json;
pub mod node;
pub mod proof;
pub mod reorg;
pub mod rpc;
pub mod safe;
pub mod store;
pub mod testing;
pub mod txgen;

pub use node::{Node, NodeConfig};
