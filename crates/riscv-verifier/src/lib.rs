//! Stateless verifier of a single RISC-V FPVM step (the onchain `step` in Rust).
//!
//! Given the 362-byte pre-state witness, the memory proofs of the step and the preimage oracle,
//! [`step`] computes the post-state hash exactly as the OP Stack's Asterisc VM contract
//! (`RISCV.sol`, mirrored by `rvgo/slow/vm.go`) does, or says why that contract would revert.
//!
//! Memory proofs come in 1920-byte slots (a 32-byte leaf then 59 sibling hashes, bottom-up):
//! slot 0 proves the instruction fetch, slot 1 the data leaf, slot 2 the right-hand leaf of an
//! access crossing a 32-byte boundary, and slot 3 the right-hand leaf of an AMO store (proven
//! again after the left leaf was written).
//!
//! The semantics are those of `RISCV.sol` (master; mirrored by `rvgo/slow/vm.go`): mmap needs
//! MAP_ANONYMOUS and fd -1; JAL, JALR and branches (taken or not) must land on a 4-byte aligned
//! pc; CSR instructions only zero rd; OP-32's rs2 is truncated to 32 bits before the W-division
//! zero test; reserved funct3, funct7 and immediate bits revert, as do loads with funct3 = 7,
//! stores of more than 8 bytes, and atomics not aligned to their size.
//!
//! This crate is written separately from the fast VM on purpose, so that each checks the other;
//! it shares only constants (`verdict-riscv-consts`) and the model of the onchain preimage oracle
//! (`verdict-preimage::onchain`) with it.
//!
//! An exited-flag byte other than 0 counts as exited (as in the Go mirror).
#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;

mod error;
mod exec;
mod memory;
mod proof_check;
mod state;

pub use error::{codes, OracleError, StepError};
pub use proof_check::{check_step_proof, ProofError, StepProof};
pub use state::state_hash;
pub use verdict_preimage::onchain::{
    localize_key, NoPreimages, OnchainOracle, PreimagePart, PreimageStore, StepContext,
};

use tiny_keccak::{Hasher, Keccak};

pub use verdict_riscv_consts::{MEMORY_PROOF_SIZE, WITNESS_SIZE};

/// keccak256 of `data`.
pub(crate) fn keccak256(data: &[u8]) -> [u8; 32] {
    let mut k = Keccak::v256();
    k.update(data);
    let mut out = [0u8; 32];
    k.finalize(&mut out);
    out
}

/// keccak256 of `a ++ b`.
pub(crate) fn keccak256_pair(a: &[u8], b: &[u8]) -> [u8; 32] {
    let mut k = Keccak::v256();
    k.update(a);
    k.update(b);
    let mut out = [0u8; 32];
    k.finalize(&mut out);
    out
}

/// Executes one step: returns the post-state hash exactly as the onchain step does, or the
/// reason it reverts.
pub fn step(
    witness: &[u8],
    proof: &[u8],
    ctx: &StepContext,
    oracle: &(impl OnchainOracle + ?Sized),
) -> Result<[u8; 32], StepError> {
    step_witness(witness, proof, ctx, oracle).map(|post| state_hash(&post))
}

/// Same as [`step`], but also returns the full 362-byte post-state witness (useful for
/// debugging and tests).
pub fn step_witness(
    witness: &[u8],
    proof: &[u8],
    ctx: &StepContext,
    oracle: &(impl OnchainOracle + ?Sized),
) -> Result<[u8; WITNESS_SIZE], StepError> {
    step_report(witness, proof, ctx, oracle).map(|report| report.post)
}

/// What a step computed and which of its inputs it read: enough to tell a proof that carries
/// more than the step needs (bytes the onchain step ignores) from an exact one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepReport {
    /// The 362-byte post-state witness.
    pub post: [u8; WITNESS_SIZE],
    /// How many bytes of the memory proof the step read (whole 1920-byte slots).
    pub proof_bytes_used: usize,
    /// The preimage key (as the pre-state holds it, not localized) and offset read, if any.
    pub preimage_read: Option<([u8; 32], u64)>,
}

/// Same as [`step`], with a report of what the step read.
pub fn step_report(
    witness: &[u8],
    proof: &[u8],
    ctx: &StepContext,
    oracle: &(impl OnchainOracle + ?Sized),
) -> Result<StepReport, StepError> {
    let witness: &[u8; WITNESS_SIZE] = witness
        .try_into()
        .map_err(|_| StepError::WitnessLength { len: witness.len() })?;
    let pre = state::State::decode(witness);
    if pre.exited != 0 {
        // An exited VM stays as it is; its witness is returned byte for byte.
        return Ok(StepReport {
            post: *witness,
            proof_bytes_used: 0,
            preimage_read: None,
        });
    }
    let mut machine = exec::Step::new(pre, proof, ctx, oracle);
    machine.run()?;
    let proof_bytes_used = machine.proof_bytes_used();
    let preimage_read = machine.preimage_read;
    Ok(StepReport {
        post: machine.into_state().encode(),
        proof_bytes_used,
        preimage_read,
    })
}

/// The step counter of a 362-byte state witness (big-endian at byte 82).
pub fn witness_step(witness: &[u8; WITNESS_SIZE]) -> u64 {
    state::State::decode(witness).step
}
