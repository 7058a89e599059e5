//! Players: the action type, the actor interface, and adversaries to the honest solver.

use std::collections::BTreeSet;

use crate::providers::{StepData, TraceError};
use crate::sim::Rng;
use verdict_game::{Address, Claim, Game, Timestamp, VmStatus};

/// Something an actor does to a game.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// A move against the claim at `parent` (bonded with the required bond).
    Move {
        /// The claim countered.
        parent: usize,
        /// Its value (the `disputed` argument).
        disputed: Claim,
        /// The new claim.
        claim: Claim,
        /// Attack or defense.
        is_attack: bool,
    },
    /// A step against the leaf claim at `parent`.
    Step {
        /// The leaf countered.
        parent: usize,
        /// Attack or defense step.
        is_attack: bool,
        /// Pre-state and proof.
        data: StepData,
    },
}

/// A player.
pub trait Actor {
    /// Its name, for reports.
    fn name(&self) -> &str;
    /// Its account.
    fn address(&self) -> Address;
    /// What it does now, given the game.
    fn actions(
        &mut self,
        game: &Game,
        now: Timestamp,
        rng: &mut Rng,
    ) -> Result<Vec<Action>, TraceError>;
}

/// A made-up claim for a move against `parent`, with the VM status the contract demands if
/// the move starts an execution subgame.
pub fn forged_claim(game: &Game, parent: usize, is_attack: bool, rng: &mut Rng) -> Claim {
    let mut b = [0u8; 32];
    for chunk in b.chunks_mut(8) {
        chunk.copy_from_slice(&rng.next_u64().to_be_bytes());
    }
    let c = Claim(b);
    let split = game.config().split_depth;
    let Ok(p) = game.claim(parent) else { return c };
    if p.position.move_to(is_attack).depth() == split + 1 {
        match game.exec_root_must_be_invalid(parent, is_attack) {
            Ok(true) => return c.with_status(VmStatus::Invalid),
            Ok(false) => return c.with_status(VmStatus::Valid),
            Err(_) => {}
        }
    }
    c
}

fn legal_move_kinds(game: &Game, parent: usize) -> Vec<bool> {
    let c = game.claims()[parent];
    let split = game.config().split_depth;
    let mut kinds = Vec::new();
    if c.position.depth() < game.config().max_game_depth {
        kinds.push(true);
        if parent != 0 && c.position.depth() != split + 1 {
            kinds.push(false);
        }
    }
    kinds
}

fn clock_open(game: &Game, i: usize, now: Timestamp) -> bool {
    game.challenger_duration(i, now)
        .map(|d| d < game.config().max_clock_duration)
        .unwrap_or(false)
}

/// Counters every claim the honest actor (`target`) makes, with made-up values, once each,
/// up to `budget` moves.
pub struct CounterHonest {
    /// Its account.
    pub address: Address,
    /// The account whose claims it counters.
    pub target: Address,
    /// Moves left.
    pub budget: usize,
    done: BTreeSet<usize>,
}

impl CounterHonest {
    /// A counter-honest adversary.
    pub fn new(address: Address, target: Address, budget: usize) -> Self {
        CounterHonest {
            address,
            target,
            budget,
            done: BTreeSet::new(),
        }
    }
}

impl Actor for CounterHonest {
    fn name(&self) -> &str {
        "counter-honest"
    }

    fn address(&self) -> Address {
        self.address
    }

    fn actions(
        &mut self,
        game: &Game,
        now: Timestamp,
        rng: &mut Rng,
    ) -> Result<Vec<Action>, TraceError> {
        let mut out = Vec::new();
        for (i, c) in game.claims().iter().enumerate() {
            if self.budget == 0 {
                break;
            }
            if c.claimant != self.target || self.done.contains(&i) || !clock_open(game, i, now) {
                continue;
            }
            let kinds = legal_move_kinds(game, i);
            if kinds.is_empty() {
                continue;
            }
            let is_attack = kinds[rng.below(kinds.len() as u64) as usize];
            self.done.insert(i);
            self.budget -= 1;
            out.push(Action::Move {
                parent: i,
                disputed: c.claim,
                claim: forged_claim(game, i, is_attack, rng),
                is_attack,
            });
        }
        Ok(out)
    }
}

/// Moves against random claims with random values now and then, sometimes illegally, and
/// sometimes tries a step with garbage, up to `budget` actions.
pub struct RandomMover {
    /// Its account.
    pub address: Address,
    /// Actions left.
    pub budget: usize,
    /// Chance per round to act, in percent.
    pub percent: u64,
}

impl Actor for RandomMover {
    fn name(&self) -> &str {
        "random"
    }

    fn address(&self) -> Address {
        self.address
    }

    fn actions(
        &mut self,
        game: &Game,
        _now: Timestamp,
        rng: &mut Rng,
    ) -> Result<Vec<Action>, TraceError> {
        if self.budget == 0 || rng.below(100) >= self.percent {
            return Ok(Vec::new());
        }
        self.budget -= 1;
        let n = game.claims().len() as u64;
        let parent = rng.below(n) as usize;
        let c = game.claims()[parent];
        if c.position.depth() == game.config().max_game_depth {
            let mut state_data = vec![0u8; 96];
            state_data[95] = rng.below(3) as u8;
            return Ok(vec![Action::Step {
                parent,
                is_attack: rng.below(2) == 0,
                data: StepData {
                    state_data,
                    ..StepData::default()
                },
            }]);
        }
        let is_attack = rng.below(4) != 0;
        let claim = if rng.below(4) == 0 {
            // Copy some existing value: freeloading on claims made elsewhere.
            game.claims()[rng.below(n) as usize].claim
        } else {
            forged_claim(game, parent, is_attack, rng)
        };
        Ok(vec![Action::Move {
            parent,
            disputed: c.claim,
            claim,
            is_attack,
        }])
    }
}

/// Waits until a claim of `target`'s is about to time out, then counters it, racing the
/// clock; up to `budget` moves.
pub struct LateMover {
    /// Its account.
    pub address: Address,
    /// The account whose claims it counters.
    pub target: Address,
    /// Moves left.
    pub budget: usize,
    /// It moves once the challenger clock has at most this many seconds left.
    pub margin: u64,
    done: BTreeSet<usize>,
}

impl LateMover {
    /// A late mover.
    pub fn new(address: Address, target: Address, budget: usize, margin: u64) -> Self {
        LateMover {
            address,
            target,
            budget,
            margin,
            done: BTreeSet::new(),
        }
    }
}

impl Actor for LateMover {
    fn name(&self) -> &str {
        "late"
    }

    fn address(&self) -> Address {
        self.address
    }

    fn actions(
        &mut self,
        game: &Game,
        now: Timestamp,
        rng: &mut Rng,
    ) -> Result<Vec<Action>, TraceError> {
        let max = game.config().max_clock_duration;
        let mut out = Vec::new();
        for (i, c) in game.claims().iter().enumerate() {
            if self.budget == 0 {
                break;
            }
            if c.claimant != self.target || self.done.contains(&i) {
                continue;
            }
            let Ok(d) = game.challenger_duration(i, now) else {
                continue;
            };
            if d + self.margin < max {
                continue;
            }
            let kinds = legal_move_kinds(game, i);
            if kinds.is_empty() {
                continue;
            }
            let is_attack = kinds[rng.below(kinds.len() as u64) as usize];
            self.done.insert(i);
            self.budget -= 1;
            out.push(Action::Move {
                parent: i,
                disputed: c.claim,
                claim: forged_claim(game, i, is_attack, rng),
                is_attack,
            });
        }
        Ok(out)
    }
}

/// The names of the adversaries `verdict game simulate` knows.
pub const ADVERSARIES: &[&str] = &["wrong-proposer", "counter-honest", "random", "late"];

/// Parses a comma-separated adversary list.
pub fn parse_adversaries(list: &str) -> Result<Vec<String>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            if ADVERSARIES.contains(&s) {
                Ok(s.into())
            } else {
                Err(format!(
                    "unknown adversary {s:?} (known: {})",
                    ADVERSARIES.join(", ")
                ))
            }
        })
        .collect()
}
