//! Verdict's L1 contracts as Rust sees them: the compiled artifacts of `contracts/out` (built by
//! `scripts/build-contracts.sh`, committed), their ABI bindings, and [`TestEvm`], an in-memory EVM
//! (revm, Prague) to deploy and call them in tests without a node.
//!
//! [`GameDeployment`] deploys the dispute game contracts (factory, anchor state registry,
//! DelayedWETH, the game implementation over a VM and the preimage oracle).
//!
//! The differential tests in `tests/` hold the Solidity RISC-V step (`RISCV.sol`) to the stateless
//! verifier (`verdict-riscv-verifier`) on proven steps of the test guests, preimage reads and
//! reverting steps included, and the Solidity game to `verdict-game` on replayed simulations.
#![deny(missing_docs)]

mod artifacts;
pub mod bindings;
mod deploy;
mod evm;

pub use artifacts::{Artifact, ArtifactError, Contract};
pub use deploy::{GameDeployment, GameParams, VmKind};
pub use evm::{CallOutcome, EvmError, TestEvm};
