//! `verdict vm verify`: re-executes the step of a proof file with the stateless verifier of its VM
//! (RISC-V or MIPS64, by the length of its state witness) and checks every field it claims.

use anyhow::Context;
use clap::Args;
use std::path::PathBuf;
use verdict_fpvm::ProofFile;
use verdict_mips64_verifier as mips;
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
    /// For a MIPS64 proof: the state version of the MIPS64 contract that verifies it
    /// (multithreaded64-5, the default, or multithreaded64-4).
    #[arg(long = "type")]
    vm_type: Option<String>,
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
    let post = match super::kind::of_witness(&proof.state_data) {
        super::kind::VmKind::RiscV => {
            anyhow::ensure!(args.vm_type.is_none(), "--type is for MIPS64 proofs");
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
            verifier::check_step_proof(&step_proof, &ctx)
                .map_err(|e| anyhow::anyhow!("{}: {e}", args.proof.display()))?
        }
        super::kind::VmKind::Mips64 => {
            let version = match &args.vm_type {
                None => verdict_mips64::consts::DEFAULT_VERSION,
                Some(t) => verdict_mips64::consts::parse_version(t).ok_or_else(|| {
                    anyhow::anyhow!("--type {t:?}: expected multithreaded64-5 or multithreaded64-4")
                })?,
            };
            let step_proof = mips::StepProof {
                step: proof.step,
                pre: proof.pre,
                post: proof.post,
                state_data: proof.state_data,
                proof_data: proof.proof_data,
                oracle_key: proof.oracle_key,
                oracle_value: proof.oracle_value,
                oracle_offset: proof.oracle_offset,
            };
            let ctx = mips::StepContext {
                local_context: ctx.local_context,
                caller: ctx.caller,
            };
            mips::check_step_proof(&step_proof, &ctx, version)
                .map_err(|e| anyhow::anyhow!("{}: {e}", args.proof.display()))?
        }
    };
    crate::out::outln!(
        "valid: step {} from 0x{} to 0x{}",
        proof.step,
        hex::encode(proof.pre),
        hex::encode(post)
    );
    Ok(())
}
