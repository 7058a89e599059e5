//! Property test: in 10,000 seeded alphabet games against several adversaries at once, the
//! honest challenger always wins, gets back every bond it posted plus the bonds of the
//! claims it countered, never counters itself, and every game resolves.

use verdict_challenger::sim::{alphabet_game, SimConfig, HONEST};
use verdict_game::GameStatus;

const LINEUPS: &[&[&str]] = &[
    &["wrong-proposer", "counter-honest", "random", "late"],
    &["wrong-proposer", "random", "late"],
    &["counter-honest", "random", "late"],
    &["wrong-proposer", "counter-honest"],
    &["random", "late"],
];

#[test]
fn honest_challenger_always_wins() {
    let games = 10_000u64;
    let (mut defender_wins, mut challenger_wins, mut steps, mut claims) = (0, 0, 0, 0);
    for seed in 0..games {
        let lineup = LINEUPS[(seed % LINEUPS.len() as u64) as usize];
        let mut sim = SimConfig::small(seed, lineup);
        // Vary the tree: depth 8/split 3, 10/4, 12/5.
        let shape = seed % 3;
        sim.game.split_depth = 3 + shape;
        sim.game.max_game_depth = 8 + 2 * shape;
        let report = alphabet_game(&sim).expect("game set up");
        if let Err(e) = report.check(HONEST) {
            panic!("seed {seed} {lineup:?}: {e}\n{}", report.render());
        }
        match report.game.status() {
            GameStatus::DefenderWins => defender_wins += 1,
            GameStatus::ChallengerWins => challenger_wins += 1,
            GameStatus::InProgress => panic!("seed {seed}: unresolved"),
        }
        steps += report.steps.len();
        claims += report.game.claims().len();
    }
    println!(
        "{games} games: {defender_wins} defender wins, {challenger_wins} challenger wins, {claims} claims, {steps} steps"
    );
    assert!(defender_wins > 0 && challenger_wins > 0 && steps > games as usize);
}
