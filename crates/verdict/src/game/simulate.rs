//! `verdict game simulate`: plays alphabet games (game type 255) and prints the tree, the
//! clocks, every bond, the result and the payouts, and checks the honest invariants.

use anyhow::{bail, Context};
use clap::Args;
use verdict_challenger::actors::parse_adversaries;
use verdict_challenger::sim::{alphabet_game, SimConfig, HONEST};

/// Arguments of `verdict game simulate`.
#[derive(Args)]
pub struct SimulateArgs {
    /// Seed of the first game (game i uses seed + i).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Adversaries, comma-separated: wrong-proposer, counter-honest, random, late.
    #[arg(long, default_value = "wrong-proposer,counter-honest,random,late")]
    adversaries: String,
    /// How many games to play.
    #[arg(long, default_value_t = 1)]
    games: u64,
    /// MAX_GAME_DEPTH.
    #[arg(long, default_value_t = 10)]
    max_depth: u64,
    /// SPLIT_DEPTH.
    #[arg(long, default_value_t = 4)]
    split_depth: u64,
    /// MAX_CLOCK_DURATION in seconds.
    #[arg(long, default_value_t = 20_000)]
    clock: u64,
    /// CLOCK_EXTENSION in seconds.
    #[arg(long, default_value_t = 1_000)]
    clock_extension: u64,
    /// The preimage oracle's challenge period in seconds.
    #[arg(long, default_value_t = 2_000)]
    challenge_period: u64,
    /// Moves each adversary may make.
    #[arg(long, default_value_t = 12)]
    budget: usize,
    /// Print only one summary line per game.
    #[arg(long)]
    quiet: bool,
}

/// Runs `verdict game simulate`.
pub fn run(args: SimulateArgs) -> anyhow::Result<()> {
    let adversaries = parse_adversaries(&args.adversaries).map_err(anyhow::Error::msg)?;
    let mut failures = 0;
    for i in 0..args.games {
        let seed = args
            .seed
            .checked_add(i)
            .with_context(|| format!("--seed {} + {i} games overflows a u64", args.seed))?;
        let mut sim = SimConfig::small(seed, &[]);
        sim.adversaries = adversaries.clone();
        sim.budget = args.budget;
        sim.game.max_game_depth = args.max_depth;
        sim.game.split_depth = args.split_depth;
        sim.game.max_clock_duration = args.clock;
        sim.game.clock_extension = args.clock_extension;
        sim.game.oracle_challenge_period = args.challenge_period;
        let report = alphabet_game(&sim)
            .map_err(anyhow::Error::msg)
            .with_context(|| format!("game with seed {seed}"))?;
        let verdict = report.check(HONEST);
        if !args.quiet {
            crate::out::outln!("== game {} (seed {seed})", i + 1);
            crate::out::out!("{}", report.render());
        }
        match &verdict {
            Ok(()) => crate::out::outln!(
                "seed {seed}: {:?}, {} claims, {} steps; honest invariants hold",
                report.game.status(),
                report.game.claims().len(),
                report.steps.len()
            ),
            Err(e) => {
                failures += 1;
                crate::out::outln!("seed {seed}: HONEST INVARIANT BROKEN: {e}");
            }
        }
    }
    if failures > 0 {
        bail!(
            "{failures} of {} games broke an honest invariant",
            args.games
        );
    }
    Ok(())
}
