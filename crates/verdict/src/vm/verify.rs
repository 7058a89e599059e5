//! `verdict vm verify`: re-executes the step of a proof file with the stateless verifier and checks the
//! post-state hash the proof claims.

use anyhow::{bail, Context};
use clap::Args;
use std::path::PathBuf;
use verdict_fpvm::ProofFile;
use verdict_riscv_verifier::{self as verifier, PreimageStore, StepContext};

/// Arguments of `verify`.
#[derive(Args)]
pub struct VerifyArgs {
    /// The proof file (JSON, as `run --proof-at` writes it).
    #[arg(long)]
    proof: PathBuf,
    /// The local context the dispute game passes to step (0x-prefixed 32 bytes); zero by default.
    #[arg(long)]
    local_context: Option<String>,
    /// The address calling step (the dispute game), used to localize local keys; zero by default.
    #[arg(long)]
    caller: Option<String>,
}

fn hex_array<const N: usize>(flag: &str, s: &Option<String>) -> anyhow::Result<[u8; N]> {
    let Some(s) = s else { return Ok([0; N]) };
    let bytes = hex::decode(s.strip_prefix("0x").unwrap_or(s))
        .with_context(|| format!("{flag} is not hex"))?;
    bytes
        .try_into()
        .map_err(|_| anyhow::anyhow!("{flag} must be {N} bytes"))
}

/// Checks every field of the proof file against what it proves: the pre-state hash, the step
/// number, the post-state hash, the preimage (key, offset, length prefix, value) and the memory
/// proof (no bytes past those the step reads).
pub fn run(args: VerifyArgs) -> anyhow::Result<()> {
    let proof = ProofFile::read(&args.proof)?;
    let ctx = StepContext {
        local_context: hex_array("--local-context", &args.local_context)?,
        caller: hex_array("--caller", &args.caller)?,
    };
    let state: &[u8; verifier::WITNESS_SIZE] =
        proof.state_data.as_slice().try_into().map_err(|_| {
            anyhow::anyhow!(
                "state-data has {} bytes, not {}",
                proof.state_data.len(),
                verifier::WITNESS_SIZE
            )
        })?;
    let pre = verifier::state_hash(state);
    if pre != proof.pre {
        bail!(
            "state-data hashes to 0x{}, but the proof says pre = 0x{}",
            hex::encode(pre),
            hex::encode(proof.pre)
        );
    }
    let state_step = verifier::witness_step(state);
    if proof.step != state_step {
        bail!(
            "the proof says step {}, but its state-data is at step {state_step}",
            proof.step
        );
    }
    let oracle = oracle_of(&proof, &ctx)?;
    let report = verifier::step_report(state, &proof.proof_data, &ctx, &oracle)
        .map_err(|e| anyhow::anyhow!("the step reverts: {e}"))?;
    let post = verifier::state_hash(&report.post);
    if post != proof.post {
        bail!(
            "the step leads to 0x{}, not to the claimed post-state 0x{}",
            hex::encode(post),
            hex::encode(proof.post)
        );
    }
    if proof.proof_data.len() != report.proof_bytes_used {
        bail!(
            "proof-data has {} bytes, but the step reads only the first {} ({} bytes past them)",
            proof.proof_data.len(),
            report.proof_bytes_used,
            proof.proof_data.len() - report.proof_bytes_used
        );
    }
    check_preimage_fields(&proof, report.preimage_read)?;
    crate::out::outln!(
        "valid: step {} from 0x{} to 0x{}",
        proof.step,
        hex::encode(proof.pre),
        hex::encode(post)
    );
    Ok(())
}

/// The onchain oracle holding the proof's preimage, if it has one; the value must start with
/// its own length.
fn oracle_of(proof: &ProofFile, ctx: &StepContext) -> anyhow::Result<PreimageStore> {
    let mut oracle = PreimageStore::new();
    if proof.oracle_key.is_empty() {
        if !proof.oracle_value.is_empty() {
            bail!("the proof has an oracle-value but no oracle-key");
        }
        return Ok(oracle);
    }
    let key: [u8; 32] =
        proof.oracle_key.as_slice().try_into().map_err(|_| {
            anyhow::anyhow!("oracle-key has {} bytes, not 32", proof.oracle_key.len())
        })?;
    let Some((prefix, value)) = proof.oracle_value.split_first_chunk::<8>() else {
        bail!("oracle-value must start with its 8-byte length prefix");
    };
    let declared = u64::from_be_bytes(*prefix);
    if declared != value.len() as u64 {
        bail!(
            "oracle-value's length prefix says {declared} bytes, but {} follow it",
            value.len()
        );
    }
    if key[0] == 1 {
        oracle.insert_local(verifier::localize_key(&key, ctx), value.to_vec());
    } else {
        oracle
            .insert_global(key, value.to_vec())
            .map_err(|e| anyhow::anyhow!("oracle-value does not match oracle-key: {e}"))?;
    }
    Ok(oracle)
}

/// The proof's preimage fields must be those of the read the step makes, or absent if it
/// makes none.
fn check_preimage_fields(proof: &ProofFile, read: Option<([u8; 32], u64)>) -> anyhow::Result<()> {
    match read {
        None if !proof.oracle_key.is_empty() || proof.oracle_offset != 0 => bail!(
            "the proof carries a preimage (oracle-key, oracle-offset), but the step reads none"
        ),
        None => Ok(()),
        Some((key, offset)) => {
            if proof.oracle_key != key {
                bail!(
                    "oracle-key is 0x{}, but the step reads key 0x{}",
                    hex::encode(&proof.oracle_key),
                    hex::encode(key)
                );
            }
            if proof.oracle_offset != offset {
                bail!(
                    "oracle-offset is {}, but the step reads at offset {offset}",
                    proof.oracle_offset
                );
            }
            Ok(())
        }
    }
}
