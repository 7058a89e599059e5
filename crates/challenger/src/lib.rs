//! The challenger's side of the fault dispute game, over the contract's rules in `verdict-game`:
//!
//! - [`providers`]: what an actor believes the claim at each position should be: output roots
//!   above the split, and below it one execution trace per disputed block, made by any
//!   [`FaultVm`](verdict_fpvm::FaultVm) (positions advance with the VM's fast run) with a
//!   preimage oracle for that block's local context; the step data carries the preimage the
//!   step reads and the local context, as the onchain step needs them.
//! - [`solver`]: the honest challenger of the spec, and [`actors`]: adversaries.
//! - [`oracle`]: the onchain PreimageOracle a step reads, and how an actor loads it first.
//! - [`sim`]: plays seeded games between them and checks the honest invariants.

pub mod actors;
pub mod oracle;
pub mod providers;
pub mod sim;
pub mod solver;
