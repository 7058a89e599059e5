//! The honest challenger's solver, as the spec (honest-challenger-fdg) describes it.
//!
//! Claims are visited in the order they were made. The root is honest iff it matches our
//! trace. A claim is countered iff it is not one of our (planned) honest claims and either
//! is the root, counters an honest claim, or is a sibling of our counter to its parent at a
//! trace index not to the right of it. Counters attack claims we disagree with and defend
//! claims we agree with (never the root of the game or of an execution subgame). At
//! `MAX_GAME_DEPTH` the counter is a step (attack step on a wrong claim, defense step on a
//! right one) unless the claim is countered already. A planned move that already exists in
//! the game is not made again.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

use crate::actors::{Action, Actor};
use crate::providers::{ExecTraceFactory, OutputSource, SplitTrace, TraceError};
use crate::sim::Rng;
use crate::{claim_hash, Address, Game, Position, Timestamp};

/// A solver playing by a [`SplitTrace`]: the honest challenger when the trace is the truth,
/// a dishonest but consistent player otherwise.
pub struct Solver<S, F> {
    name: alloc::string::String,
    address: Address,
    trace: SplitTrace<S, F>,
}

impl<S: OutputSource, F: ExecTraceFactory> Solver<S, F> {
    /// A solver named `name` acting from `address` by `trace`.
    pub fn new(name: &str, address: Address, trace: SplitTrace<S, F>) -> Self {
        Solver {
            name: name.into(),
            address,
            trace,
        }
    }

    /// The solver's view of the game.
    pub fn trace(&mut self) -> &mut SplitTrace<S, F> {
        &mut self.trace
    }

    /// Whether our trace agrees with the claim at `index`.
    pub fn agrees(&mut self, game: &Game, index: usize) -> Result<bool, TraceError> {
        let c = *game.claim(index)?;
        Ok(self.trace.get(game, index, c.position)? == c.claim)
    }

    /// The actions the spec's honest challenger takes on `game` now.
    pub fn next_actions(&mut self, game: &Game) -> Result<Vec<Action>, TraceError> {
        let max = game.config().max_game_depth;
        let split = game.config().split_depth;
        let mut honest: BTreeSet<[u8; 32]> = BTreeSet::new();
        let mut counters: BTreeMap<usize, Position> = BTreeMap::new();
        let id = |game: &Game, i: usize| {
            let c = game.claims()[i];
            claim_hash(&c.claim, c.position, c.parent_index as u64)
        };
        if self.agrees(game, 0)? {
            honest.insert(id(game, 0));
        }
        let mut actions = Vec::new();
        for i in 0..game.claims().len() {
            if !self.should_counter(game, i, &honest, &counters, max, &id) {
                continue;
            }
            let c = game.claims()[i];
            let agree = self.agrees(game, i)?;
            if c.position.depth() == max {
                if c.countered_by.is_zero() {
                    let data = self.trace.step_data(game, i, !agree)?;
                    actions.push(Action::Step {
                        parent: i,
                        is_attack: !agree,
                        data,
                    });
                }
                continue;
            }
            let is_attack = !agree;
            if !is_attack && (i == 0 || c.position.depth() == split + 1) {
                // Agreeing with a root: nothing to do (it cannot be defended).
                continue;
            }
            let pos = c.position.move_to(is_attack);
            let value = self.trace.get(game, i, pos)?;
            honest.insert(claim_hash(&value, pos, i as u64));
            counters.insert(i, pos);
            let exists = game.children(i).iter().any(|&ch| {
                game.claims()[ch as usize].claim == value
                    && game.claims()[ch as usize].position == pos
            });
            if !exists {
                actions.push(Action::Move {
                    parent: i,
                    disputed: c.claim,
                    claim: value,
                    is_attack,
                });
            }
        }
        Ok(actions)
    }

    fn should_counter(
        &self,
        game: &Game,
        i: usize,
        honest: &BTreeSet<[u8; 32]>,
        counters: &BTreeMap<usize, Position>,
        max: u64,
        id: &dyn Fn(&Game, usize) -> [u8; 32],
    ) -> bool {
        if honest.contains(&id(game, i)) {
            return false;
        }
        let c = game.claims()[i];
        let Some(parent) = c.parent() else {
            return true;
        };
        if honest.contains(&id(game, parent)) {
            return true;
        }
        match counters.get(&parent) {
            None => false,
            Some(ours) => c.position.trace_index(max) <= ours.trace_index(max),
        }
    }
}

impl<S: OutputSource, F: ExecTraceFactory> Actor for Solver<S, F> {
    fn name(&self) -> &str {
        &self.name
    }

    fn address(&self) -> Address {
        self.address
    }

    fn actions(
        &mut self,
        game: &Game,
        _now: Timestamp,
        _rng: &mut Rng,
    ) -> Result<Vec<Action>, TraceError> {
        self.next_actions(game)
    }
}
