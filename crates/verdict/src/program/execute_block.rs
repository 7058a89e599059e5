//! `verdict program execute-block --fixture DIR`: builds the fixture's block from its parent
//! header, payload attributes and preimages, and checks the hash.

use anyhow::{bail, Context};
use clap::Args;
use std::path::PathBuf;
use std::time::Instant;
use verdict_program::fixture::Fixture;

/// Arguments of `execute-block`.
#[derive(Args)]
pub struct ExecuteBlockArgs {
    /// A fixture directory holding `fixture.json` and `preimages.json`.
    #[arg(long)]
    fixture: PathBuf,
}

/// Runs `execute-block`.
pub fn run(args: ExecuteBlockArgs) -> anyhow::Result<()> {
    let load_start = Instant::now();
    let fixture = Fixture::load(&args.fixture)
        .with_context(|| format!("loading fixture {}", args.fixture.display()))?;
    let load_time = load_start.elapsed();
    let number = fixture.parent.number + 1;
    let run = fixture
        .run()
        .with_context(|| format!("executing block {number}"))?;
    let header = &run.block.header;
    let matches = run.block.hash == fixture.expected_block_hash;
    println!("block:           {}", header.number);
    println!("block hash:      {}", run.block.hash);
    println!("expected hash:   {}", fixture.expected_block_hash);
    println!("match:           {}", if matches { "yes" } else { "no" });
    println!("state root:      {}", header.state_root);
    println!("gas used:        {}", header.gas_used);
    println!("transactions:    {}", fixture.attributes.transactions.len());
    println!(
        "preimages read:  {} ({} bytes; {} in the fixture)",
        run.preimages_read,
        run.preimage_bytes_read,
        fixture.preimages.len()
    );
    println!(
        "time:            {:.3} ms (loading the fixture: {:.3} ms)",
        ms(run.elapsed),
        ms(load_time)
    );
    if !matches {
        bail!(
            "block {number}: hash {} does not match the expected {}",
            run.block.hash,
            fixture.expected_block_hash
        );
    }
    Ok(())
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
