//! The fault dispute game on a real L1, over JSON-RPC:
//!
//! - [`l1`]: an account on an L1 node: views and signed transactions, sent and waited for.
//! - [`deploy`]: the game contracts deployed on the node (factory, game implementation over
//!   `RISCV.sol` and the PreimageOracle, AnchorStateRegistry, DelayedWETH).
//! - [`load`]: a game read back from the chain into `verdict-game`, every claim replayed as the
//!   move it was (so a malformed game is refused, not trusted).
//! - [`agent`]: the transactions of a player: moves with their bonds, preimage uploads and steps,
//!   resolution, the two-phase credit claim.
//! - [`blob`]: the KZG proof of a blob field element a step reads, for the oracle's loader.
//! - [`traces`]: output roots from the rollup node; execution traces of the fault proof program in
//!   our RISC-V VM over the online host.
//! - [`challenger`] and [`proposer`]: the two services (`verdict challenger`, `verdict proposer`);
//!   [`progress`]: the challenger's progress on disk; [`snapshots`]: its VM snapshots on disk.
//! - [`liar`]: the dishonest defender of a `--wrong` proposer's games (demos and tests).
//! - [`testing`]: the local chain, test deployments and a liar, for tests and demos.
#![deny(missing_docs)]

pub mod agent;
pub mod blob;
pub mod challenger;
pub mod deploy;
pub mod l1;
pub mod liar;
pub mod load;
pub mod progress;
pub mod proposer;
pub mod snapshots;
pub mod testing;
pub mod traces;
