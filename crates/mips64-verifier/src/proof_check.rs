//! Checking a whole step proof as a proof file carries it: every field against what the step
//! proves, not only the post-state (the onchain step ignores proof bytes it does not read and
//! takes the preimage from the oracle contract, so a file can be wrong and still "step").

use crate::{localize_key, state_hash, step_report, PreimageStore, StepContext, StepError};
use crate::{PROOF_SIZE, WITNESS_SIZE};
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// The fields of a step proof (the proof file's, by their names there).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepProof {
    /// `step`: the pre-state's step.
    pub step: u64,
    /// `pre`: the pre-state hash.
    pub pre: [u8; 32],
    /// `post`: the post-state hash.
    pub post: [u8; 32],
    /// `state-data`: the pre-state witness.
    pub state_data: Vec<u8>,
    /// `proof-data`: the thread witness and the memory proofs.
    pub proof_data: Vec<u8>,
    /// `oracle-key`: the key of the preimage read (empty if none).
    pub oracle_key: Vec<u8>,
    /// `oracle-value`: that preimage with its 8-byte length prefix.
    pub oracle_value: Vec<u8>,
    /// `oracle-offset`: the offset read.
    pub oracle_offset: u64,
}

/// What is wrong with a step proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProofError {
    /// A field is malformed or disagrees with what the step proves; the text says which.
    Field(String),
    /// The onchain step reverts.
    Reverts(StepError),
}

impl fmt::Display for ProofError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProofError::Field(m) => f.write_str(m),
            ProofError::Reverts(e) => write!(f, "the step {e}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ProofError {}

fn field(message: String) -> ProofError {
    ProofError::Field(message)
}

struct Hex<'a>(&'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("0x")?;
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

/// Checks every field of `proof` against the step it proves under state version `version`, run
/// with `ctx`; returns the post-state hash. The proof data must be Cannon's 6,090 bytes; the
/// bytes of memory proof slots the step does not read are not checked (Cannon leaves in them
/// whatever it proved last).
pub fn check_step_proof(
    proof: &StepProof,
    ctx: &StepContext,
    version: u8,
) -> Result<[u8; 32], ProofError> {
    let state: &[u8; WITNESS_SIZE] = proof.state_data.as_slice().try_into().map_err(|_| {
        field(alloc::format!(
            "state-data has {} bytes, not {WITNESS_SIZE}",
            proof.state_data.len()
        ))
    })?;
    let pre = state_hash(state);
    if pre != proof.pre {
        return Err(field(alloc::format!(
            "state-data hashes to {}, but the proof says pre = {}",
            Hex(&pre),
            Hex(&proof.pre)
        )));
    }
    let state_step = crate::witness_step(state);
    if proof.step != state_step {
        return Err(field(alloc::format!(
            "the proof says step {}, but its state-data is at step {state_step}",
            proof.step
        )));
    }
    if proof.proof_data.len() != PROOF_SIZE {
        return Err(field(alloc::format!(
            "proof-data has {} bytes, not {PROOF_SIZE} (the thread witness and three memory proofs)",
            proof.proof_data.len()
        )));
    }
    let oracle = oracle_of(proof, ctx)?;
    let report = step_report(state, &proof.proof_data, ctx, &oracle, version)
        .map_err(ProofError::Reverts)?;
    let post = state_hash(&report.post);
    if post != proof.post {
        return Err(field(alloc::format!(
            "the step leads to {}, not to the claimed post-state {}",
            Hex(&post),
            Hex(&proof.post)
        )));
    }
    check_preimage_fields(proof, report.preimage_read)?;
    Ok(post)
}

/// The onchain oracle holding the proof's preimage, if it has one; the value must start with
/// its own length.
fn oracle_of(proof: &StepProof, ctx: &StepContext) -> Result<PreimageStore, ProofError> {
    let mut oracle = PreimageStore::new();
    if proof.oracle_key.is_empty() {
        if !proof.oracle_value.is_empty() {
            return Err(field(
                "the proof has an oracle-value but no oracle-key".into(),
            ));
        }
        return Ok(oracle);
    }
    let key: [u8; 32] = proof.oracle_key.as_slice().try_into().map_err(|_| {
        field(alloc::format!(
            "oracle-key has {} bytes, not 32",
            proof.oracle_key.len()
        ))
    })?;
    let Some((prefix, value)) = proof.oracle_value.split_first_chunk::<8>() else {
        return Err(field(
            "oracle-value must start with its 8-byte length prefix".into(),
        ));
    };
    let declared = u64::from_be_bytes(*prefix);
    if declared != value.len() as u64 {
        return Err(field(alloc::format!(
            "oracle-value's length prefix says {declared} bytes, but {} follow it",
            value.len()
        )));
    }
    if key[0] == 1 {
        oracle.insert_local(localize_key(&key, ctx), value.to_vec());
    } else {
        oracle.insert_global(key, value.to_vec()).map_err(|e| {
            field(alloc::format!(
                "oracle-value does not match oracle-key: {e}"
            ))
        })?;
    }
    Ok(oracle)
}

/// The proof's preimage fields must be those of the read the step makes, or absent if it
/// makes none.
fn check_preimage_fields(
    proof: &StepProof,
    read: Option<([u8; 32], u64)>,
) -> Result<(), ProofError> {
    match read {
        None if !proof.oracle_key.is_empty() || proof.oracle_offset != 0 => Err(field(
            "the proof carries a preimage (oracle-key, oracle-offset), but the step reads none"
                .into(),
        )),
        None => Ok(()),
        Some((key, offset)) => {
            if proof.oracle_key != key {
                return Err(field(alloc::format!(
                    "oracle-key is {}, but the step reads key {}",
                    Hex(&proof.oracle_key),
                    Hex(&key)
                )));
            }
            if proof.oracle_offset != offset {
                return Err(field(alloc::format!(
                    "oracle-offset is {}, but the step reads at offset {offset}",
                    proof.oracle_offset
                )));
            }
            Ok(())
        }
    }
}
