//! `verdict program claim`: the fault proof program run natively, in this process, on a
//! full-claim fixture (its boot inputs and preimages); and `verdict program claim-fixture`, which
//! writes such fixtures from a synthetic chain.

use anyhow::Context;
use clap::{Args, ValueEnum};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;
use verdict_preimage::{HintWriter, LocalKey, PreimageError, PreimageKey};
use verdict_testchain::fixture::{generate, ClaimFixture, Kind};
use verdict_testchain::Expected;

/// Arguments of `verdict program claim`.
#[derive(Args)]
pub struct ClaimArgs {
    /// The full-claim fixture directory (`claim.json` + `preimages.json`).
    #[arg(long)]
    fixture: PathBuf,
}

/// Hints need no answer here: every preimage is already in memory.
struct Ignored;

impl HintWriter for Ignored {
    fn hint(&self, _: &[u8]) -> Result<(), PreimageError> {
        Ok(())
    }
}

/// Runs the program; exits with its exit code.
pub fn run(args: ClaimArgs) -> anyhow::Result<()> {
    let (fixture, map) = ClaimFixture::load(&args.fixture)
        .with_context(|| format!("loading {}", args.fixture.display()))?;
    let mut preimages: HashMap<PreimageKey, Vec<u8>> = map.0.into_iter().collect();
    let mut local = |k: LocalKey, v: Vec<u8>| preimages.insert(PreimageKey::local(k), v);
    local(LocalKey::L1Head, fixture.l1_head.to_vec());
    local(
        LocalKey::AgreedOutputRoot,
        fixture.agreed_l2_output_root.to_vec(),
    );
    local(
        LocalKey::ClaimedOutputRoot,
        fixture.claimed_l2_output_root.to_vec(),
    );
    local(
        LocalKey::ClaimedBlockNumber,
        fixture.claimed_l2_block_number.to_be_bytes().to_vec(),
    );
    local(
        LocalKey::ChainId,
        fixture.l2_chain_id.to_be_bytes().to_vec(),
    );
    let start = Instant::now();
    match verdict_claim::run(preimages, Ignored) {
        Ok(report) => {
            crate::out::outln!("claim: {report} in {:.2?}", start.elapsed());
            std::process::exit(i32::from(!report.valid()));
        }
        Err(e) => {
            eprintln!("claim: {e}");
            std::process::exit(e.exit_code());
        }
    }
}

/// Which claims of a fixture to write.
#[derive(Clone, Copy, ValueEnum)]
enum Which {
    Valid,
    Invalid,
}

/// Arguments of `verdict program claim-fixture`.
#[derive(Args)]
pub struct ClaimFixtureArgs {
    /// The kind of claim: one-block, hundred-blocks, fork, l1-short, blobs, at-or-below, granite.
    #[arg(long)]
    kind: String,
    /// The seed of the synthetic chain.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where to write: DIR/valid and DIR/invalid, or DIR itself with --claim.
    #[arg(long)]
    out: PathBuf,
    /// Write only this claim, into --out itself.
    #[arg(long, value_enum)]
    claim: Option<Which>,
}

/// Writes the fixture(s).
pub fn write_fixture(args: ClaimFixtureArgs) -> anyhow::Result<()> {
    let kind = Kind::parse(&args.kind)?;
    let start = Instant::now();
    let (world, claims) = generate(kind, args.seed)?;
    for c in &claims {
        let dir = match (args.claim, c.expected) {
            (Some(Which::Valid), Expected::Invalid) | (Some(Which::Invalid), Expected::Valid) => {
                continue
            }
            (Some(_), _) => args.out.clone(),
            (None, Expected::Valid) => args.out.join("valid"),
            (None, Expected::Invalid) => args.out.join("invalid"),
        };
        c.write(&dir, &world.preimages)?;
        crate::out::outln!("{}: {}", dir.display(), c.description);
    }
    eprintln!(
        "{} L1 blocks, {} L2 blocks, {} preimages, in {:.2?}",
        world.l1.headers.len(),
        world.l2.blocks.len(),
        world.preimages.0.len(),
        start.elapsed()
    );
    Ok(())
}
