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

pub fn run(args: VerifyArgs) -> anyhow::Result<()> {
    let proof = ProofFile::read(&args.proof)?;
    let ctx = StepContext {
        local_context: hex_array("--local-context", &args.local_context)?,
        caller: hex_array("--caller", &args.caller)?,
    };
    let mut oracle = PreimageStore::new();
    if !proof.oracle_key.is_empty() {
        let key: [u8; 32] = proof
            .oracle_key
            .as_slice()
            .try_into()
            .context("oracle-key must be 32 bytes")?;
        if proof.oracle_value.len() < 8 {
            bail!("oracle-value must start with its 8-byte length prefix");
        }
        let value = proof.oracle_value[8..].to_vec();
        if key[0] == 1 {
            oracle.insert_local(verifier::localize_key(&key, &ctx), value);
        } else {
            oracle
                .insert_global(key, value)
                .map_err(|e| anyhow::anyhow!("oracle-value does not match oracle-key: {e}"))?;
        }
    }
    let pre = verifier::state_hash(
        &proof
            .state_data
            .as_slice()
            .try_into()
            .map_err(|_| anyhow::anyhow!("state-data is not 362 bytes"))?,
    );
    if pre != proof.pre {
        bail!(
            "state-data hashes to 0x{}, but the proof says pre = 0x{}",
            hex::encode(pre),
            hex::encode(proof.pre)
        );
    }
    let post = verifier::step(&proof.state_data, &proof.proof_data, &ctx, &oracle)
        .map_err(|e| anyhow::anyhow!("the step reverts: {e}"))?;
    if post != proof.post {
        bail!(
            "the step leads to 0x{}, not to the claimed post-state 0x{}",
            hex::encode(post),
            hex::encode(proof.post)
        );
    }
    crate::out::outln!(
        "valid: step {} from 0x{} to 0x{}",
        proof.step,
        hex::encode(proof.pre),
        hex::encode(post)
    );
    Ok(())
}
