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
    /// Execute the block this many times and report the fastest and median times (benchmarks).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    repeat: u32,
}

/// Runs `execute-block`.
pub fn run(args: ExecuteBlockArgs) -> anyhow::Result<()> {
    let load_start = Instant::now();
    let fixture = Fixture::load(&args.fixture)
        .with_context(|| format!("loading fixture {}", args.fixture.display()))?;
    let load_time = load_start.elapsed();
    let number = fixture
        .parent
        .number
        .checked_add(1)
        .context("the fixture's parent number is 2^64-1: no block follows it")?;
    let mut runs = Vec::with_capacity(args.repeat as usize);
    for _ in 0..args.repeat {
        runs.push(
            fixture
                .run()
                .with_context(|| format!("executing block {number}"))?,
        );
    }
    let mut times: Vec<_> = runs.iter().map(|r| r.elapsed).collect();
    times.sort();
    let median = times[times.len() / 2];
    let run = &runs[0];
    let header = &run.block.header;
    let matches = run.block.hash == fixture.expected_block_hash;
    crate::out::outln!("block:           {}", header.number);
    crate::out::outln!("block hash:      {}", run.block.hash);
    crate::out::outln!("expected hash:   {}", fixture.expected_block_hash);
    crate::out::outln!("match:           {}", if matches { "yes" } else { "no" });
    crate::out::outln!("state root:      {}", header.state_root);
    crate::out::outln!("gas used:        {}", header.gas_used);
    crate::out::outln!("transactions:    {}", fixture.attributes.transactions.len());
    crate::out::outln!(
        "preimages read:  {} ({} bytes; {} in the fixture)",
        run.preimages_read,
        run.preimage_bytes_read,
        fixture.preimages.len()
    );
    if args.repeat == 1 {
        crate::out::outln!(
            "time:            {:.3} ms (loading the fixture: {:.3} ms)",
            ms(median),
            ms(load_time)
        );
    } else {
        crate::out::outln!(
            "time:            {:.3} ms median, {:.3} ms fastest of {} runs (loading the fixture: {:.3} ms)",
            ms(median),
            ms(times[0]),
            args.repeat,
            ms(load_time)
        );
    }
    if header.gas_used > 0 {
        let mgas = header.gas_used as f64 / 1e6;
        crate::out::outln!("time per Mgas:   {:.3} ms", ms(median) / mgas);
    }
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
