//! Stateless verifier of a single MIPS64 (Cannon) FPVM step: the onchain `MIPS64.sol` step in
//! Rust, `no_std`.
//!
//! Given the 188-byte pre-state witness, the step proof (the active thread, the root of the rest
//! of its stack, and three 1920-byte memory proof slots) and the preimage oracle, [`step`]
//! computes the post-state hash exactly as the contract does for a state version (7 or 8), or
//! says why the contract would revert. `docs/cannon-mips64.md` is the specification it follows.
//!
//! This crate is written separately from the VM (`verdict-mips64`) on purpose, so that each
//! checks the other: it follows the contract's own control flow (opcode and function tests,
//! the SPECIAL rewrite of immediate instructions, the HI/LO unit) where the VM decodes once into
//! its own instruction kinds. It shares only constants (`verdict-mips64-consts`) and the model of
//! the onchain preimage oracle (`verdict_preimage::onchain`) with it.
//!
//! Single-byte fields are kept raw, as the contract keeps them: a thread's `exited` byte or the
//! state's `traverseRight` byte other than 0/1 counts as true and is hashed as it is.
#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;

mod error;
mod exec;
mod memory;
mod proof_check;
mod state;
mod syscall;
mod thread;

pub use error::{OracleError, StepError};
pub use proof_check::{check_step_proof, ProofError, StepProof};
pub use state::state_hash;
pub use verdict_mips64_consts::{Revert, MEMORY_PROOF_SIZE, PROOF_SIZE, WITNESS_SIZE};
pub use verdict_preimage::onchain::{
    localize_key, NoPreimages, OnchainOracle, PreimagePart, PreimageStore, StepContext,
};

use tiny_keccak::{Hasher, Keccak};

/// keccak256 of `a ++ b`.
pub(crate) fn keccak(parts: &[&[u8]]) -> [u8; 32] {
    let mut k = Keccak::v256();
    for p in parts {
        k.update(p);
    }
    let mut out = [0u8; 32];
    k.finalize(&mut out);
    out
}

/// What a step computed and which of its inputs it read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepReport {
    /// The 188-byte post-state witness.
    pub post: [u8; WITNESS_SIZE],
    /// Which memory proof slots the step read (0 the instruction, 1 data, 2 a second word).
    pub slots_read: [bool; 3],
    /// The preimage key (as the pre-state holds it, not localized) and offset read, if any.
    pub preimage_read: Option<([u8; 32], u64)>,
}

/// Executes one step under state version `version`: the post-state hash exactly as the onchain
/// step computes it, or why it reverts.
pub fn step(
    witness: &[u8],
    proof: &[u8],
    ctx: &StepContext,
    oracle: &(impl OnchainOracle + ?Sized),
    version: u8,
) -> Result<[u8; 32], StepError> {
    step_report(witness, proof, ctx, oracle, version).map(|r| state_hash(&r.post))
}

/// Same as [`step`], with the post-state witness and what the step read.
pub fn step_report(
    witness: &[u8],
    proof: &[u8],
    ctx: &StepContext,
    oracle: &(impl OnchainOracle + ?Sized),
    version: u8,
) -> Result<StepReport, StepError> {
    if verdict_mips64_consts::version_name(version).is_none() {
        return Err(StepError::UnsupportedVersion { version });
    }
    let witness: &[u8; WITNESS_SIZE] = witness
        .try_into()
        .map_err(|_| StepError::WitnessLength { len: witness.len() })?;
    exec::Step::run(witness, proof, ctx, oracle, version)
}

/// The step counter of a 188-byte state witness.
pub fn witness_step(witness: &[u8; WITNESS_SIZE]) -> u64 {
    state::State::decode(witness).step
}
