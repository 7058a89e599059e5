//! Verdict's L1 contracts as Rust sees them: the compiled artifacts of `contracts/out` (built by
//! `scripts/build-contracts.sh`, committed), their ABI bindings, and [`TestEvm`], an in-memory EVM
//! (revm, Prague) to deploy and call them in tests without a node.
//!
//! [`L1`] is what the deployment and the replays need of a chain; [`TestEvm`] is one, and
//! [`AnvilL1`] is another: a real node (anvil, started by [`AnvilL1::start`] and killed with its
//! process group) over JSON-RPC, with signed transactions, time travel and `eth_call` views.
//!
//! [`GameDeployment`] deploys the dispute game contracts (factory, anchor state registry,
//! DelayedWETH, the game implementation over a VM and the preimage oracle).
//!
//! The differential tests in `tests/` hold the Solidity RISC-V step (`RISCV.sol`) to the stateless
//! verifier (`verdict-riscv-verifier`) on proven steps of the test guests, preimage reads and
//! reverting steps included, and the Solidity game to `verdict-game` on replayed simulations.
#![deny(missing_docs)]

mod anvil;
mod artifacts;
pub mod bindings;
mod deploy;
mod evm;
mod l1;
mod node;

pub use anvil::AnvilProcess;
pub use artifacts::{Artifact, ArtifactError, Contract};
pub use deploy::{creation_code, GameDeployment, GameParams, VmKind};
pub use evm::{CallOutcome, EvmError, TestEvm};
pub use l1::L1;
pub use node::{AnvilL1, NodeStats, ANVIL_ARGS};
