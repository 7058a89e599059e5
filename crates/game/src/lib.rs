//! The OP Stack `FaultDisputeGame`'s rules in Rust, pure and `no_std`: what the contract
//! accepts, computes and pays, and nothing of how anyone plays (that is `verdict-challenger`).
//!
//! - [`Position`]: generalized indices, trace indices, attack/defend, trace ancestors.
//! - [`bond`]: `getRequiredBond` to the wei, with the contract's fixed-point math.
//! - [`Game`]: moves, steps, clocks with extensions, duplicate detection,
//!   `challengeRootL2Block`, local data for the preimage oracle, subgame and game resolution,
//!   bond distribution; every failure is the contract's custom error ([`GameError`]).
//! - [`StepVm`]: the onchain VM a step runs on; [`alphabet`]: the test game's VM (type 255).
#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;

pub mod alphabet;
pub mod bond;
mod config;
mod error;
pub mod game;
pub mod math;
mod position;
pub mod rlp;
mod types;

pub use config::GameConfig;
pub use error::GameError;
pub use game::{ClaimData, Game, LocalContext, OutputRootProof, StepVm, NO_PARENT};
pub use position::{Position, MAX_POSITION_BITLEN};
pub use types::{
    claim_hash, keccak256, Address, BondDistributionMode, Claim, Clock, Duration, GameStatus,
    OutputRoot, Timestamp, VmStatus, Wei,
};
