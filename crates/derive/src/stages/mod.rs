//! The pipeline's stages (derivation.md, "L2 Chain Derivation Pipeline"), pulled from the inside
//! out: L1 traversal, retrieval and frame queue ([`frames`]), channel bank or Holocene's single
//! staging channel ([`channels`]), channel reader ([`reader`]), batch queue or Holocene's batch
//! stage ([`batches`]).
//!
//! A stage answers with data, or with a [`Step`]: the current L1 block is exhausted (the pipeline
//! then moves to the next), or it made progress without output yet (call again).

pub mod batches;
pub mod channels;
pub mod frames;
pub mod reader;
pub mod traversal;

use crate::error::DeriveError;

/// Why a stage produced nothing this call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// The data of the current L1 block is used up: advance the L1 origin.
    Eof,
    /// Work was done; call again.
    NotEnoughData,
    /// Derivation cannot go on.
    Fatal(DeriveError),
}

impl From<DeriveError> for Step {
    fn from(e: DeriveError) -> Self {
        Step::Fatal(e)
    }
}

/// A stage's result.
pub type StageResult<T> = Result<T, Step>;
