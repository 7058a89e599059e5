//! Verdict's fault dispute game engine: the OP Stack `FaultDisputeGame` rules in Rust.
//!
//! - [`Position`]: generalized indices, trace indices, attack/defend, trace ancestors.
//! - [`bond`]: `getRequiredBond` to the wei, with the contract's fixed-point math.
//! - [`Game`]: moves, steps, clocks with extensions, duplicate detection,
//!   `challengeRootL2Block`, subgame and game resolution, bond distribution; every failure is
//!   the contract's custom error ([`GameError`]).
//! - [`providers`]: trace providers (alphabet, output roots, and behind the `vm` feature our
//!   RISC-V VM) and the split between output-root and execution-trace bisection.
//! - [`solver`]: the honest challenger of the spec, and [`actors`]: adversaries.
//! - [`sim`]: plays seeded games between them and checks the honest invariants.
#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;

pub mod actors;
pub mod bond;
mod config;
mod error;
pub mod game;
pub mod math;
mod position;
pub mod providers;
pub mod rlp;
pub mod sim;
pub mod solver;
mod types;

pub use config::GameConfig;
pub use error::GameError;
pub use game::{ClaimData, Game, LocalContext, OutputRootProof, StepVm, NO_PARENT};
pub use position::{Position, MAX_POSITION_BITLEN};
pub use types::{
    claim_hash, keccak256, Address, BondDistributionMode, Claim, Clock, Duration, GameStatus,
    OutputRoot, Timestamp, VmStatus, Wei,
};
