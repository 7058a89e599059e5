//! What proving one step takes: the pre-state witness, the memory proofs, the preimage the step
//! read, and the proof file op-challenger reads (`run --proof-at` writes it).

use crate::files::{corrupt, read_maybe_gz, write_atomic, FileError};
use crate::hash::Hash;
use crate::serde_hex::{hex_bytes, hex_hash};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The preimage a step read: what the onchain oracle must hold before the step can be proven.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreimageWitness {
    /// The key as the state holds it (local keys are not localized).
    pub key: Hash,
    /// The value with its 8-byte big-endian length prefix.
    pub value: Vec<u8>,
    /// The offset the step read from.
    pub offset: u64,
}

/// Everything needed to prove one step onchain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepWitness {
    /// The pre-state witness (its hash, with the status byte, is the pre-state claim).
    pub state: Vec<u8>,
    /// The memory proofs of the step, in the VM's slot layout.
    pub proof: Vec<u8>,
    /// The preimage part the step read, if it read one.
    pub preimage: Option<PreimageWitness>,
}

/// A step proof file, as the reference VMs' `run --proof-at` write it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofFile {
    /// The step the proof starts from.
    pub step: u64,
    /// Pre-state hash.
    #[serde(with = "hex_hash")]
    pub pre: Hash,
    /// Post-state hash.
    #[serde(with = "hex_hash")]
    pub post: Hash,
    /// Pre-state witness.
    #[serde(rename = "state-data", with = "hex_bytes")]
    pub state_data: Vec<u8>,
    /// Memory proofs.
    #[serde(rename = "proof-data", with = "hex_bytes")]
    pub proof_data: Vec<u8>,
    /// Key of the preimage the step reads.
    #[serde(
        rename = "oracle-key",
        with = "hex_bytes",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub oracle_key: Vec<u8>,
    /// That preimage with its length prefix.
    #[serde(
        rename = "oracle-value",
        with = "hex_bytes",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub oracle_value: Vec<u8>,
    /// The offset read.
    #[serde(rename = "oracle-offset", default, skip_serializing_if = "is_zero")]
    pub oracle_offset: u64,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

impl ProofFile {
    /// The proof file of a step from `step` with pre-state hash `pre` and post-state hash `post`.
    pub fn new(step: u64, pre: Hash, post: Hash, witness: &StepWitness) -> Self {
        let (oracle_key, oracle_value, oracle_offset) = match &witness.preimage {
            Some(p) => (p.key.to_vec(), p.value.clone(), p.offset),
            None => (vec![], vec![], 0),
        };
        ProofFile {
            step,
            pre,
            post,
            state_data: witness.state.clone(),
            proof_data: witness.proof.clone(),
            oracle_key,
            oracle_value,
            oracle_offset,
        }
    }

    /// The step witness this file holds.
    pub fn witness(&self) -> Result<StepWitness, String> {
        let preimage = if self.oracle_key.is_empty() {
            None
        } else {
            let key: Hash =
                self.oracle_key.as_slice().try_into().map_err(|_| {
                    format!("oracle-key has {} bytes, not 32", self.oracle_key.len())
                })?;
            Some(PreimageWitness {
                key,
                value: self.oracle_value.clone(),
                offset: self.oracle_offset,
            })
        };
        Ok(StepWitness {
            state: self.state_data.clone(),
            proof: self.proof_data.clone(),
            preimage,
        })
    }

    /// Writes the proof as indented JSON, as the reference does (gzip if the name ends in `.gz`),
    /// atomically.
    pub fn write(&self, path: &Path) -> Result<(), FileError> {
        write_atomic(path, &crate::json::to_reference_json(self))
    }

    /// The largest proof file read (its preimage value included).
    pub const MAX_FILE_SIZE: u64 = 1 << 30;

    /// Reads a proof file.
    pub fn read(path: &Path) -> Result<Self, FileError> {
        let bytes = read_maybe_gz(path, Self::MAX_FILE_SIZE)?;
        serde_json::from_slice(&bytes)
            .map_err(|e| corrupt(path, format!("corrupt proof file: bad proof JSON: {e}")))
    }
}
