//! The differential test of verdict-derive against kona-derive 0.4.5 (test-only, in its own
//! workspace so kona's dependency versions never reach Verdict's lock file).
//!
//! Both pipelines derive the same generated chains (`verdict_derive::generator`): kona reads
//! the in-memory L1 chain through its own `ChainProvider` and `BlobProvider` traits ([`providers`]),
//! and both execute their attributes on one fake engine whose block hash is a keccak of the
//! attributes, so a difference in any block shows in every later one. [`run::compare`] compares
//! every field of every block's attributes.

pub mod convert;
pub mod fixtures;
pub mod providers;
pub mod run;
