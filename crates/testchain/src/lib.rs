//! Synthetic, self-consistent OP Stack worlds for testing the fault proof program: an L1 chain
//! carrying deposits, config updates and the batcher's data (calldata and blobs with real KZG
//! commitments), the L2 chain sequenced on it and executed with crates/program, every preimage a
//! program could read, and claims over them written as fixtures.
//!
//! - [`chains`]: the synthetic chains and their rollup configs (compiled into crates/chains);
//! - [`genesis`]: the fixed keys, alloc and genesis blocks;
//! - [`world`]: [`World::build`]; [`l1`], [`l2`], [`sequencer`]: what goes into the blocks;
//! - [`kzg`]: commitments and the blob preimages; [`preimages`]: the preimage map and the L1
//!   read back from it;
//! - [`fixture`]: [`ClaimFixture`]s, their kinds, and their files.

pub mod chains;
pub mod error;
pub mod fixture;
pub mod genesis;
pub mod kzg;
pub mod l1;
pub mod l2;
pub mod preimages;
pub mod sequencer;
pub mod world;

pub use chains::SynthChain;
pub use error::{Error, Result};
pub use fixture::{ClaimFixture, Expected, Kind};
pub use preimages::{PreimageL1, PreimageMap};
pub use world::{DataMode, Options, World};
