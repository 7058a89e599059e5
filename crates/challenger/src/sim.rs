//! Playing games: a seeded driver that lets the honest solver and adversaries take turns,
//! advances the clock, resolves the game, pays out the bonds, and checks the honest
//! challenger's invariants.

use core::fmt::Write;
use std::collections::BTreeMap;

use crate::actors::{Action, Actor, CounterHonest, LateMover, RandomMover};
use crate::oracle::{load_for_step, SharedOracle};
use crate::providers::alphabet::AlphabetFactory;
use crate::providers::{OutputTrace, SplitTrace};
use crate::solver::Solver;
use verdict_game::alphabet::{self, AlphabetVm, SyntheticChain};
use verdict_game::{
    Address, Claim, Game, GameConfig, GameError, GameStatus, OutputRoot, StepVm, Timestamp, Wei,
};

/// A small deterministic PRNG (SplitMix64).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5eed_0fd1_59a7)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }
}

/// The honest account in simulations.
pub const HONEST: Address = Address::with_last_byte(1);

/// A step that succeeded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepRecord {
    /// Who stepped.
    pub by: Address,
    /// The leaf stepped on.
    pub leaf: usize,
    /// Attack or defense step.
    pub is_attack: bool,
}

/// A call made on the game, as a replay on the contracts needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Call {
    /// `move(disputed, parent, claim, is_attack)` sending `value` (the required bond, 0 when the
    /// position has none).
    Move {
        /// The claim countered.
        parent: usize,
        /// The claim the mover says it counters.
        disputed: Claim,
        /// The new claim.
        claim: Claim,
        /// Attack or defense.
        is_attack: bool,
        /// The wei sent.
        value: Wei,
    },
    /// `step(parent, is_attack, state_data, proof)`.
    Step {
        /// The leaf stepped on.
        parent: usize,
        /// Attack or defense step.
        is_attack: bool,
        /// The pre-state's preimage.
        state_data: Vec<u8>,
        /// The VM's proof.
        proof: Vec<u8>,
        /// The local context the game passes the VM (None: the game has none for this leaf).
        local_context: Option<[u8; 32]>,
        /// What the VM returned for it (None: the VM reverted or was not reached).
        post: Option<Claim>,
        /// The preimage part the step reads, which the actor loaded into the oracle first.
        preimage: Option<verdict_fpvm::PreimageWitness>,
    },
    /// `resolveClaim(index, 0)`.
    ResolveClaim {
        /// The subgame's root.
        index: usize,
    },
    /// `resolve()`.
    Resolve,
}

/// One call, who made it, when, and what the engine said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedCall {
    /// The sender.
    pub by: Address,
    /// The block timestamp.
    pub now: Timestamp,
    /// The call.
    pub call: Call,
    /// The engine's answer.
    pub result: Result<(), GameError>,
}

/// Everything that happened in a played game.
pub struct Report {
    /// The game, resolved, with the credit paid out.
    pub game: Game,
    /// The game right after `resolve()`, before any credit was claimed.
    pub resolved: Game,
    /// Every call made on the game (moves and steps rejected by the engine included), in order.
    pub log: Vec<LoggedCall>,
    /// Names of the accounts.
    pub names: BTreeMap<Address, String>,
    /// Whether the root claim was the truth.
    pub root_correct: bool,
    /// Rejected actions of adversaries: who and why.
    pub rejected: Vec<(Address, GameError)>,
    /// Failures of the honest actor (rejected actions, trace errors): must stay empty.
    pub honest_errors: Vec<String>,
    /// Successful steps.
    pub steps: Vec<StepRecord>,
    /// What each account received from `claimCredit`.
    pub payouts: BTreeMap<Address, Wei>,
    /// Rounds played.
    pub rounds: u64,
}

/// A table: a game, the honest actor, adversaries, and the VM steps run on.
pub struct Table<'a> {
    /// The game being played.
    pub game: Game,
    /// The honest actor.
    pub honest: Box<dyn Actor + 'a>,
    /// The adversaries.
    pub adversaries: Vec<Box<dyn Actor + 'a>>,
    /// The onchain VM.
    pub vm: &'a dyn StepVm,
    /// The PreimageOracle the VM reads, which actors load before a step.
    pub oracle: SharedOracle,
    /// The current time.
    pub now: Timestamp,
    /// Rounds are 2 to `2 + max_gap` seconds apart.
    pub max_gap: u64,
    /// When nothing happens, time jumps to this many seconds before the next deadline.
    pub late_margin: u64,
    /// Whether the root is the truth.
    pub root_correct: bool,
    /// Safety limit on rounds.
    pub max_rounds: u64,
}

/// The game's address in simulations (the caller local preimage keys are bound to).
pub const GAME_ADDRESS: Address = Address::repeat_byte(0x6a);

#[allow(clippy::too_many_arguments)]
fn apply(
    game: &mut Game,
    vm: &dyn StepVm,
    oracle: &SharedOracle,
    by: Address,
    action: &Action,
    now: Timestamp,
    steps: &mut Vec<StepRecord>,
    log: &mut Vec<LoggedCall>,
) -> Result<(), GameError> {
    match action {
        Action::Move {
            parent,
            disputed,
            claim,
            is_attack,
        } => {
            // The bond of the position, if it has one: otherwise the contract's checks decide.
            let value = game
                .claim(*parent)
                .ok()
                .and_then(|c| game.required_bond(c.position.move_to(*is_attack)).ok())
                .unwrap_or(0);
            let result = game
                .move_claim(*disputed, *parent, *claim, *is_attack, by, value, now)
                .map(|_| ());
            log.push(LoggedCall {
                by,
                now,
                call: Call::Move {
                    parent: *parent,
                    disputed: *disputed,
                    claim: *claim,
                    is_attack: *is_attack,
                    value,
                },
                result: result.clone(),
            });
            result?;
        }
        Action::Step {
            parent,
            is_attack,
            data,
        } => {
            load_for_step(oracle, game, GAME_ADDRESS, *parent, data)
                .map_err(GameError::VmReverted)?;
            let ctx = game.local_context(*parent).ok();
            let post = ctx
                .as_ref()
                .and_then(|c| vm.step(&data.state_data, &data.proof, c).ok());
            let result = game.step(*parent, *is_attack, &data.state_data, &data.proof, by, vm);
            log.push(LoggedCall {
                by,
                now,
                call: Call::Step {
                    parent: *parent,
                    is_attack: *is_attack,
                    state_data: data.state_data.clone(),
                    proof: data.proof.clone(),
                    local_context: ctx.map(|c| c.uuid),
                    post,
                    preimage: data.preimage.clone(),
                },
                result: result.clone(),
            });
            result?;
            steps.push(StepRecord {
                by,
                leaf: *parent,
                is_attack: *is_attack,
            });
        }
    }
    Ok(())
}

/// The earliest time after `now` at which some open claim's challenger clock runs out (a
/// deadline past the last second of the clock's range never comes).
fn next_deadline(game: &Game, now: Timestamp) -> Option<Timestamp> {
    let max = game.config().max_clock_duration;
    game.claims()
        .iter()
        .filter_map(|c| {
            let parent = c.parent().map_or(0, |p| game.claims()[p].clock.duration);
            let deadline = c.clock.timestamp.checked_add(max.saturating_sub(parent))?;
            (deadline > now).then_some(deadline)
        })
        .min()
}

impl Table<'_> {
    /// Plays the game to the end: turns until every clock has run out, then bottom-up
    /// resolution, `resolve()`, and `claimCredit` for everyone.
    pub fn play(mut self, rng: &mut Rng) -> Report {
        let mut names = BTreeMap::new();
        names.insert(self.honest.address(), String::from("honest"));
        for a in &self.adversaries {
            names.insert(a.address(), String::from(a.name()));
        }
        let mut rejected = Vec::new();
        let mut honest_errors = Vec::new();
        let mut steps = Vec::new();
        let mut log = Vec::new();
        let mut rounds = 0;
        loop {
            rounds += 1;
            if rounds > self.max_rounds {
                honest_errors.push(String::from("round limit reached"));
                break;
            }
            let mut acted = false;
            let mut order: Vec<usize> = (0..self.adversaries.len()).collect();
            for i in (1..order.len()).rev() {
                order.swap(i, rng.below(i as u64 + 1) as usize);
            }
            for i in order {
                let a = &mut self.adversaries[i];
                let by = a.address();
                for action in a.actions(&self.game, self.now, rng).unwrap_or_default() {
                    match apply(
                        &mut self.game,
                        self.vm,
                        &self.oracle,
                        by,
                        &action,
                        self.now,
                        &mut steps,
                        &mut log,
                    ) {
                        Ok(()) => acted = true,
                        Err(e) => rejected.push((by, e)),
                    }
                }
            }
            let Some(t) = self.now.checked_add(1) else {
                honest_errors.push(String::from("the clock reached its last second"));
                break;
            };
            let by = self.honest.address();
            match self.honest.actions(&self.game, t, rng) {
                Ok(actions) => {
                    for action in actions {
                        match apply(
                            &mut self.game,
                            self.vm,
                            &self.oracle,
                            by,
                            &action,
                            t,
                            &mut steps,
                            &mut log,
                        ) {
                            Ok(()) => acted = true,
                            Err(e) => honest_errors.push(format!("{action:?}: {e}")),
                        }
                    }
                }
                Err(e) => honest_errors.push(format!("trace: {e}")),
            }
            let deadline = next_deadline(&self.game, t);
            if !acted && deadline.is_none() {
                self.now = t;
                break;
            }
            let gap = 2 + rng.below(self.max_gap);
            self.now = match (acted, deadline) {
                (false, Some(d)) => t
                    .saturating_add(gap)
                    .max(d.saturating_sub(self.late_margin)),
                _ => t.saturating_add(gap),
            };
        }
        let now = self.now.saturating_add(1);
        let by = self.honest.address();
        for i in (0..self.game.claims().len()).rev() {
            let result = self.game.resolve_claim(i, 0, now);
            log.push(LoggedCall {
                by,
                now,
                call: Call::ResolveClaim { index: i },
                result: result.clone(),
            });
            if let Err(e) = result {
                honest_errors.push(format!("resolveClaim({i}): {e}"));
            }
        }
        let result = self.game.resolve(now).map(|_| ());
        log.push(LoggedCall {
            by,
            now,
            call: Call::Resolve,
            result: result.clone(),
        });
        if let Err(e) = result {
            honest_errors.push(format!("resolve: {e}"));
        }
        let resolved = self.game.clone();
        let mut payouts = BTreeMap::new();
        for addr in names.keys() {
            if let Ok(v) = self.game.claim_credit(*addr) {
                payouts.insert(*addr, v);
            }
        }
        Report {
            game: self.game,
            resolved,
            log,
            names,
            root_correct: self.root_correct,
            rejected,
            honest_errors,
            steps,
            payouts,
            rounds,
        }
    }
}

impl Report {
    /// The bonds the honest actor must get back: every bond it posted, plus the bond of
    /// every claim it countered (by a move or a step).
    pub fn honest_expected(&self, honest: Address) -> Wei {
        let claims = self.game.claims();
        let mut sum = 0;
        for c in claims.iter().filter(|c| c.claimant == honest) {
            sum += c.bond;
            if let Some(p) = c.parent() {
                sum += claims[p].bond;
            }
        }
        for s in self.steps.iter().filter(|s| s.by == honest) {
            sum += claims[s.leaf].bond;
        }
        sum
    }

    /// Checks the honest challenger's invariants: the game resolves correctly, the honest
    /// actor gets back exactly its bonds plus those of the claims it countered, it never
    /// counters itself, and nothing it did failed.
    pub fn check(&self, honest: Address) -> Result<(), String> {
        if let Some(e) = self.honest_errors.first() {
            return Err(format!("honest actor failed: {e}"));
        }
        let expected_status = if self.root_correct {
            GameStatus::DefenderWins
        } else {
            GameStatus::ChallengerWins
        };
        if self.game.status() != expected_status {
            return Err(format!(
                "game resolved {:?}, expected {expected_status:?}",
                self.game.status()
            ));
        }
        let claims = self.game.claims();
        for (i, c) in claims.iter().enumerate() {
            if c.claimant == honest {
                if let Some(p) = c.parent() {
                    if claims[p].claimant == honest {
                        return Err(format!("honest claim {i} counters honest claim {p}"));
                    }
                }
            }
        }
        for s in &self.steps {
            if s.by == honest && claims[s.leaf].claimant == honest {
                return Err(format!("honest step on its own claim {}", s.leaf));
            }
        }
        let got = self.payouts.get(&honest).copied().unwrap_or(0);
        let expected = self.honest_expected(honest);
        if got != expected {
            return Err(format!("honest got {got} wei, expected {expected}"));
        }
        Ok(())
    }

    /// The game tree, the clocks, every bond, the result and the payouts, as text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let g = &self.game;
        let cfg = g.config();
        let name = |a: &Address| {
            if a.is_zero() {
                String::from("-")
            } else {
                self.names
                    .get(a)
                    .cloned()
                    .unwrap_or_else(|| format!("{a:?}"))
            }
        };
        let _ = writeln!(
            out,
            "game: max depth {}, split depth {}, clock {} s (+{} s extension), anchor block {}, root claims block {}",
            cfg.max_game_depth,
            cfg.split_depth,
            cfg.max_clock_duration,
            cfg.clock_extension,
            g.starting_output().l2_block_number,
            g.l2_block_number()
        );
        let _ = writeln!(
            out,
            "{:>4} {:>6} {:>22} {:>5} {:>8} {:<15} {:>22} {:>8} {:>12} {:<15} claim",
            "idx",
            "parent",
            "position",
            "depth",
            "trace",
            "claimant",
            "bond (wei)",
            "clock",
            "at",
            "countered by"
        );
        for (i, c) in g.claims().iter().enumerate() {
            let depth = c.position.depth();
            let trace = if depth <= cfg.split_depth {
                c.position.trace_index(cfg.split_depth)
            } else {
                c.position
                    .relative_to_ancestor_at(cfg.split_depth + 1)
                    .trace_index(cfg.exec_depth())
            };
            let parent = c.parent().map_or(String::from("-"), |p| format!("{p}"));
            let _ = writeln!(
                out,
                "{:>4} {:>6} {:>22} {:>5} {:>8} {:<15} {:>22} {:>8} {:>12} {:<15} {}",
                i,
                parent,
                c.position.raw(),
                depth,
                trace,
                name(&c.claimant),
                c.bond,
                c.clock.duration,
                c.clock.timestamp,
                name(&c.countered_by),
                short(&c.claim)
            );
        }
        for s in &self.steps {
            let _ = writeln!(
                out,
                "step: {} {} claim {}",
                name(&s.by),
                if s.is_attack {
                    "attack-stepped"
                } else {
                    "defense-stepped"
                },
                s.leaf
            );
        }
        let _ = writeln!(
            out,
            "result: {:?} (root claim {}), {} rounds, {} adversary actions rejected",
            g.status(),
            if self.root_correct { "true" } else { "false" },
            self.rounds,
            self.rejected.len()
        );
        for (a, v) in &self.payouts {
            let posted: Wei = g
                .claims()
                .iter()
                .filter(|c| c.claimant == *a)
                .map(|c| c.bond)
                .sum();
            let _ = writeln!(
                out,
                "payout: {:<15} received {} wei (posted {} wei)",
                name(a),
                v,
                posted
            );
        }
        for e in &self.honest_errors {
            let _ = writeln!(out, "HONEST ERROR: {e}");
        }
        out
    }
}

fn short(c: &Claim) -> String {
    let mut s = String::from("0x");
    for b in &c.0[..6] {
        let _ = write!(s, "{b:02x}");
    }
    s.push_str("..");
    s
}

/// What to simulate.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// The game parameters (the absolute prestate is set to the alphabet one).
    pub game: GameConfig,
    /// The seed of the chain, the choices and the adversaries.
    pub seed: u64,
    /// Adversaries by name (see [`crate::actors::ADVERSARIES`]).
    pub adversaries: Vec<String>,
    /// Rounds are at most this many seconds apart (plus 2).
    pub max_gap: u64,
    /// Moves each budgeted adversary may make.
    pub budget: usize,
}

impl SimConfig {
    /// Small, fast games: depth 4 + 1 + 5 below the split, short clocks.
    pub fn small(seed: u64, adversaries: &[&str]) -> Self {
        SimConfig {
            game: GameConfig {
                max_game_depth: 10,
                split_depth: 4,
                max_clock_duration: 20_000,
                clock_extension: 1_000,
                oracle_challenge_period: 2_000,
                ..GameConfig::default()
            },
            seed,
            adversaries: adversaries.iter().map(|s| String::from(*s)).collect(),
            max_gap: 600,
            budget: 12,
        }
    }
}

/// Plays one alphabet game: the honest solver against the chosen adversaries.
pub fn alphabet_game(sim: &SimConfig) -> Result<Report, String> {
    let mut rng = Rng::new(sim.seed);
    let mut cfg = sim.game.clone();
    cfg.game_type = alphabet::GAME_TYPE;
    cfg.absolute_prestate = alphabet::absolute_prestate();
    cfg.validate().map_err(|e| format!("config: {e}"))?;
    let split = cfg.split_depth;
    let exec_leaves = 1u128 << cfg.exec_depth();
    let steps = (1 + rng.below(exec_leaves.min(u64::MAX as u128) as u64) as u128).max(1);
    let chain = SyntheticChain::new(sim.seed);
    let start = 1_000 + rng.below(1_000);
    let span = 1u64 << split.min(40);
    let l2_block = start + 1 + rng.below(span);
    let has = |n: &str| sim.adversaries.iter().any(|a| a == n);

    let fork_block = start + 1 + rng.below(l2_block - start);
    let lying_chain = chain.forked(fork_block, rng.next_u64());
    let (root, creator) = if has("wrong-proposer") {
        (lying_chain.output_at(l2_block), Address::with_last_byte(2))
    } else {
        (chain.output_at(l2_block), HONEST)
    };
    let now: Timestamp = 1_700_000_000;
    // Every clock must be able to run out within a u64 timestamp, or the game never ends.
    let longest = u128::from(cfg.max_clock_duration) * u128::from(cfg.max_game_depth + 2);
    if u128::from(now) + longest > u128::from(u64::MAX) {
        return Err(format!(
            "a clock of {} s is too long to play: the game's deadlines would pass the last second \
             a u64 timestamp holds",
            cfg.max_clock_duration
        ));
    }
    let bond0 = verdict_game::bond::required_bond_at_depth(0, cfg.max_game_depth)
        .map_err(|e| format!("bond: {e}"))?;
    let game = Game::new(
        cfg.clone(),
        OutputRoot {
            root: chain.output_at(start),
            l2_block_number: start,
        },
        root,
        l2_block,
        Claim::from_u128(0x11),
        creator,
        bond0,
        now,
    )
    .map_err(|e| format!("create: {e}"))?;

    let honest_trace = SplitTrace::new(
        OutputTrace::new(move |b| chain.output_at(b), start, l2_block, split),
        AlphabetFactory {
            chain,
            steps,
            lie_from: None,
        },
    );
    let honest = Box::new(Solver::new("honest", HONEST, honest_trace));
    let mut adversaries: Vec<Box<dyn Actor>> = Vec::new();
    for name in &sim.adversaries {
        match name.as_str() {
            "wrong-proposer" => {
                let lie_from = 1 + rng.below(steps as u64) as u128;
                let trace = SplitTrace::new(
                    OutputTrace::new(move |b| lying_chain.output_at(b), start, l2_block, split),
                    AlphabetFactory {
                        chain: lying_chain,
                        steps,
                        lie_from: Some((lie_from, rng.next_u64())),
                    },
                );
                adversaries.push(Box::new(Solver::new(
                    "wrong-proposer",
                    Address::with_last_byte(2),
                    trace,
                )));
            }
            "counter-honest" => adversaries.push(Box::new(CounterHonest::new(
                Address::with_last_byte(3),
                HONEST,
                sim.budget,
            ))),
            "random" => adversaries.push(Box::new(RandomMover {
                address: Address::with_last_byte(4),
                budget: sim.budget,
                percent: 30,
            })),
            "late" => adversaries.push(Box::new(LateMover::new(
                Address::with_last_byte(5),
                HONEST,
                sim.budget,
                cfg.clock_extension / 4,
            ))),
            other => return Err(format!("unknown adversary {other:?}")),
        }
    }
    let vm = AlphabetVm { chain, steps };
    let table = Table {
        game,
        honest,
        adversaries,
        vm: &vm,
        oracle: SharedOracle::default(),
        now,
        max_gap: sim.max_gap,
        late_margin: cfg.clock_extension / 8,
        root_correct: !has("wrong-proposer"),
        max_rounds: 100_000,
    };
    Ok(table.play(&mut rng))
}
