//! Verdict's L1 contracts as Rust sees them: the compiled artifacts of `contracts/out` (built by
//! `scripts/build-contracts.sh`, committed), their ABI bindings, and [`TestEvm`], an in-memory EVM
//! (revm, Prague) to deploy and call them in tests without a node.
//!
//! The differential tests in `tests/` hold the Solidity RISC-V step (`RISCV.sol`) to the stateless
//! verifier (`verdict-riscv-verifier`) on proven steps of the test guests, preimage reads and
//! reverting steps included.
#![deny(missing_docs)]

mod artifacts;
pub mod bindings;
mod evm;

pub use artifacts::{Artifact, ArtifactError, Contract};
pub use evm::{CallOutcome, EvmError, TestEvm};
