//! `verdict vm verify`: re-executes the step of a proof file with the stateless verifier and checks the
//! post-state hash the proof claims.

use anyhow::Context;
use clap::Args;
use std::path::PathBuf;
use verdict_fpvm::ProofFile;
use verdict_riscv_verifier::{self as verifier, StepContext, StepProof};

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
    let step_proof = StepProof {
        step: proof.step,
        pre: proof.pre,
        post: proof.post,
        state_data: proof.state_data,
        proof_data: proof.proof_data,
        oracle_key: proof.oracle_key,
        oracle_value: proof.oracle_value,
        oracle_offset: proof.oracle_offset,
    };
    let post = verifier::check_step_proof(&step_proof, &ctx)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.proof.display()))?;
    crate::out::outln!(
        "valid: step {} from 0x{} to 0x{}",
        step_proof.step,
        hex::encode(step_proof.pre),
        hex::encode(post)
    );
    Ok(())
}
