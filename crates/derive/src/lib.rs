//! Verdict's derivation pipeline: the consensus half of the fault proof program. From L1 blocks
//! (headers, receipts, transactions, blobs) and the L2 safe head it derives the payload attributes
//! of every following L2 block, as the OP Stack specs define it from Bedrock to Jovian.
//!
//! `no_std` + `alloc` without the default `std` feature, so it runs in the VM.
//!
//! - [`config`]: the rollup config (op-node's `rollup.json`, parsed by [`json`]), fork activation;
//! - [`types`]: L1 and L2 block references;
//! - [`provider`]: the traits the pipeline reads L1 and L2 through (the program backs them with
//!   the preimage oracle, tests with in-memory chains);
//! - [`system_config`]: the system config and its `ConfigUpdate` logs;
//! - [`deposits`], [`l1_info`], [`upgrades`]: the deposit transactions of an L2 block;
//! - [`blob`], [`source`]: batcher data from calldata and EIP-4844 blobs;
//! - [`frame`], [`channel`], [`compression`]: frames, channels and their decompression;
//! - [`batch`]: singular and span batches and their validity rules;
//! - [`stages`]: the pipeline's stages; [`attributes`]: payload attributes;
//! - [`pipeline`]: the driver that pulls attributes from the stages;
//! - `encode` and `generator` (`std`): the batcher side, and synthetic chains for tests.
#![cfg_attr(not(feature = "std"), no_std)]
extern crate alloc;

pub mod attributes;
pub mod batch;
pub mod blob;
pub mod channel;
pub mod compression;
pub mod config;
pub mod deposits;
pub mod error;
pub mod frame;
pub mod json;
pub mod l1_info;
pub mod log;
pub mod pipeline;
pub mod provider;
pub mod source;
pub mod stages;
pub mod system_config;
pub mod types;
pub mod upgrades;

#[cfg(feature = "std")]
pub mod encode;
#[cfg(feature = "std")]
pub mod generator;

pub use attributes::PayloadAttributes;
pub use config::{Fork, RollupConfig};
pub use error::DeriveError;
pub use pipeline::Pipeline;
pub use system_config::SystemConfig;
pub use types::{BlockId, L1BlockRef, L2BlockRef};
