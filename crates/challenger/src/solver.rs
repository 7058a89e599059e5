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

use std::collections::{BTreeMap, BTreeSet};

use crate::actors::{Action, Actor};
use crate::providers::{ExecTraceFactory, OutputSource, SplitTrace, TraceError};
use crate::sim::Rng;
use verdict_game::{Address, Claim, Game, Position, Timestamp};

type ClaimId = (Claim, Position, u32);

/// A solver playing by a [`SplitTrace`]: the honest challenger when the trace is the truth,
/// a dishonest but consistent player otherwise.
pub struct Solver<S, F> {
    name: String,
    address: Address,
    trace: SplitTrace<S, F>,
    // Per claim index (claims never change once made): agreement and our counter's value.
    agree_cache: Vec<Option<bool>>,
    counter_cache: Vec<Option<Claim>>,
}

impl<S: OutputSource, F: ExecTraceFactory> Solver<S, F> {
    /// A solver named `name` acting from `address` by `trace`.
    pub fn new(name: &str, address: Address, trace: SplitTrace<S, F>) -> Self {
        Solver {
            name: name.into(),
            address,
            trace,
            agree_cache: Vec::new(),
            counter_cache: Vec::new(),
        }
    }

    /// The solver's view of the game.
    pub fn trace(&mut self) -> &mut SplitTrace<S, F> {
        &mut self.trace
    }

    /// Whether our trace agrees with the claim at `index`. A solver follows one game:
    /// answers are cached by claim index.
    pub fn agrees(&mut self, game: &Game, index: usize) -> Result<bool, TraceError> {
        if let Some(Some(a)) = self.agree_cache.get(index) {
            return Ok(*a);
        }
        let c = *game.claim(index)?;
        let a = self.trace.get(game, index, c.position)? == c.claim;
        if self.agree_cache.len() <= index {
            self.agree_cache.resize(index + 1, None);
        }
        self.agree_cache[index] = Some(a);
        Ok(a)
    }

    fn counter_value(
        &mut self,
        game: &Game,
        index: usize,
        pos: Position,
    ) -> Result<Claim, TraceError> {
        if let Some(Some(v)) = self.counter_cache.get(index) {
            return Ok(*v);
        }
        let v = self.trace.get(game, index, pos)?;
        if self.counter_cache.len() <= index {
            self.counter_cache.resize(index + 1, None);
        }
        self.counter_cache[index] = Some(v);
        Ok(v)
    }

    /// The actions the spec's honest challenger takes on `game` now.
    pub fn next_actions(&mut self, game: &Game) -> Result<Vec<Action>, TraceError> {
        let max = game.config().max_game_depth;
        let split = game.config().split_depth;
        // Honest claims by (value, position, parent): what `hashClaimPos` keys on.
        let mut honest: BTreeSet<ClaimId> = BTreeSet::new();
        let mut counters: BTreeMap<usize, Position> = BTreeMap::new();
        let id = |game: &Game, i: usize| {
            let c = game.claims()[i];
            (c.claim, c.position, c.parent_index)
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
            let value = self.counter_value(game, i, pos)?;
            honest.insert((value, pos, i as u32));
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
        honest: &BTreeSet<ClaimId>,
        counters: &BTreeMap<usize, Position>,
        max: u64,
        id: &dyn Fn(&Game, usize) -> ClaimId,
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
