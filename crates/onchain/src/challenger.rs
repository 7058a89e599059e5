//! The challenger service (`verdict challenger`), op-challenger's job: watch the factory, load
//! every game in progress, play the honest solver's moves with real transactions, step with the
//! VM's proof (the preimage it reads uploaded first), resolve claims and games once the clocks
//! allow, and claim the credit won.
//!
//! Each tick: new games are read from the factory (`gameCount`, `gameAtIndex`); a game of a type
//! we do not play, with another absolute prestate, or that cannot be loaded as a legal game is
//! skipped with its reason logged and kept. Every game we play is loaded from the chain
//! ([`crate::load`]), the solver (kept per game, with its traces and their VM snapshots) gives
//! the honest actions, [`crate::agent`] sends them, the most urgent clock first. Progress is in
//! `<datadir>/progress.json`, preimages in `<datadir>/preimages` (the online host's store), VM
//! snapshots in `<datadir>/snapshots` ([`crate::snapshots`]).

use crate::agent::{self, acted, Credit, Event};
use crate::l1::L1;
use crate::load::{self, LoadError, Loaded};
use crate::progress::{GameProgress, GameState, Progress};
use crate::snapshots::DiskSnapshots;
use crate::traces::{exec_traces, HostNodes, RollupOutputs};
use alloy_primitives::{Address, B256, U256};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use verdict_challenger::actors::Action;
use verdict_challenger::providers::riscv::RiscvFactory;
use verdict_challenger::providers::vm::VmTraceFactory;
use verdict_challenger::providers::{OutputTrace, SplitTrace};
use verdict_challenger::solver::Solver;
use verdict_contracts::bindings::IDisputeGameFactory;
use verdict_game::Claim;
use verdict_host::{DiskStore, InProcess, Store};
use verdict_rpc::ClientConfig;

/// The challenger's settings (op-challenger's flags where they exist).
#[derive(Clone, Debug)]
pub struct ChallengerConfig {
    /// `--l1-eth-rpc`.
    pub l1_rpc: String,
    /// `--l1-beacon` (anvil serves the beacon API on its RPC port).
    pub l1_beacon: String,
    /// `--rollup-rpc`: output roots (`optimism_outputAtBlock`).
    pub rollup_rpc: String,
    /// `--l2-eth-rpc`: what the host fetches L2 data from.
    pub l2_rpc: String,
    /// `--game-factory-address`.
    pub factory: Address,
    /// `--private-key`.
    pub key: B256,
    /// `--datadir`.
    pub datadir: PathBuf,
    /// `--asterisc-prestate`: the program's initial state (an ELF or a state file).
    pub prestate: PathBuf,
    /// The game types played (`--game-types`; `--trace-type asterisc` is type 2).
    pub game_types: Vec<u32>,
    /// `--asterisc-snapshot-freq`: VM snapshot interval in steps.
    pub snapshot_every: u64,
    /// `--clock-margin`: a counter with less time than this left on its clock is logged as late
    /// (the games with the tightest clocks are played first in each round).
    pub clock_margin: u64,
    /// Timeouts and retries of every RPC request.
    pub client: ClientConfig,
}

/// The time left on the tightest running clock of `g` at `now` (the most urgent counter).
fn time_left(g: &Loaded, now: u64) -> u64 {
    let max = g.game.config().max_clock_duration;
    (0..g.game.claims().len())
        .filter(|&i| g.countered.get(i).is_some_and(|c| c.is_zero()))
        .filter_map(|i| g.game.challenger_duration(i, now).ok())
        .map(|d| max.saturating_sub(d))
        .min()
        .unwrap_or(u64::MAX)
}

type Traces = VmTraceFactory<RiscvFactory<InProcess>>;
type HonestSolver = Solver<RollupOutputs, DiskSnapshots>;

/// The challenger.
pub struct Challenger {
    cfg: ChallengerConfig,
    l1: L1,
    store: Arc<dyn Store>,
    traces: DiskSnapshots,
    prestate: Claim,
    progress: Progress,
    solvers: BTreeMap<Address, (Vec<ClaimId>, HonestSolver)>,
}

/// What identifies a claim to the solver's caches, which are by claim index.
type ClaimId = ([u8; 32], u128, u32);

fn claim_ids(g: &Loaded) -> Vec<ClaimId> {
    g.game
        .claims()
        .iter()
        .map(|c| (c.claim.0, c.position.raw(), c.parent_index))
        .collect()
}

/// What one tick did, by game.
pub type TickEvents = Vec<(Address, Event)>;

impl Challenger {
    /// Opens the datadir (resuming its progress) and connects to the L1 node.
    pub fn new(cfg: ChallengerConfig) -> Result<Challenger, String> {
        std::fs::create_dir_all(&cfg.datadir)
            .map_err(|e| format!("--datadir {}: {e}", cfg.datadir.display()))?;
        let l1 = L1::new(&cfg.l1_rpc, cfg.key, cfg.client).map_err(|e| e.to_string())?;
        RollupOutputs::new(&cfg.rollup_rpc, cfg.client)
            .map_err(|e| format!("--rollup-rpc: {e}"))?;
        let progress = Progress::load(&cfg.datadir, cfg.factory)?;
        let store: Arc<dyn Store> =
            Arc::new(DiskStore::open(&cfg.datadir.join("preimages")).map_err(|e| e.to_string())?);
        let initial = crate::traces::load_prestate(&cfg.prestate)?;
        let nodes = HostNodes {
            l1: cfg.l1_rpc.clone(),
            beacon: cfg.l1_beacon.clone(),
            l2: cfg.l2_rpc.clone(),
            client: cfg.client,
        };
        let vm_traces: Traces = exec_traces(initial, store.clone(), nodes, cfg.snapshot_every);
        let prestate = vm_traces.absolute_prestate();
        let traces = DiskSnapshots::new(vm_traces, cfg.datadir.join("snapshots"));
        Ok(Challenger {
            cfg,
            l1,
            store,
            traces,
            prestate,
            progress,
            solvers: BTreeMap::new(),
        })
    }

    /// The challenger's account.
    pub fn address(&self) -> Address {
        self.l1.address()
    }

    /// The absolute prestate of our program (the games we play must have it).
    pub fn absolute_prestate(&self) -> Claim {
        self.prestate
    }

    /// VM snapshots read back from `<datadir>/snapshots` so far.
    pub fn snapshots_loaded(&self) -> u64 {
        self.traces.loaded.get()
    }

    /// The progress so far.
    pub fn progress(&self) -> &Progress {
        &self.progress
    }

    /// The preimage store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    fn log(&self, game: Address, what: &str) {
        eprintln!("challenger: game {game}: {what}");
    }

    fn save(&self) -> Result<(), String> {
        self.progress.save(&self.cfg.datadir)
    }

    fn skip(&mut self, game: Address, reason: String) -> Result<(), String> {
        self.log(game, &format!("skipped: {reason}"));
        if let Some(p) = self.progress.games.get_mut(&game) {
            p.state = GameState::Skipped;
            p.reason = Some(reason);
        }
        self.solvers.remove(&game);
        self.save()
    }

    /// Reads the games created since the last scan.
    fn scan(&mut self) -> Result<(), String> {
        let factory = self.cfg.factory;
        let count = self
            .l1
            .view(factory, IDisputeGameFactory::gameCountCall {})
            .map_err(|e| e.to_string())?;
        let count = u64::try_from(count).unwrap_or(u64::MAX);
        while self.progress.next_index < count {
            let i = self.progress.next_index;
            let g = self
                .l1
                .view(
                    factory,
                    IDisputeGameFactory::gameAtIndexCall {
                        index: U256::from(i),
                    },
                )
                .map_err(|e| e.to_string())?;
            let mut p = GameProgress {
                index: i,
                state: GameState::Playing,
                reason: None,
                transactions: 0,
            };
            if !self.cfg.game_types.contains(&g.gameType) {
                let reason = format!(
                    "game type {} is not one we play ({:?})",
                    g.gameType, self.cfg.game_types
                );
                self.log(g.proxy, &format!("skipped: {reason}"));
                p.state = GameState::Skipped;
                p.reason = Some(reason);
            } else {
                self.log(g.proxy, &format!("new game at index {i}"));
            }
            self.progress.games.entry(g.proxy).or_insert(p);
            self.progress.next_index = i + 1;
            self.save()?;
        }
        Ok(())
    }

    /// The game's solver. Its caches are by claim index: when the claims seen before are no
    /// longer a prefix of the game's (an L1 reorg dropped or reordered moves), it starts afresh.
    fn solver(&mut self, g: &Loaded) -> &mut HonestSolver {
        let ids = claim_ids(g);
        if let Some((seen, _)) = self.solvers.get(&g.address) {
            if !ids.starts_with(seen) {
                eprintln!(
                    "challenger: game {}: the claims changed under us (an L1 reorg?): solving afresh",
                    g.address
                );
                self.solvers.remove(&g.address);
            }
        }
        let (cfg, traces, me) = (&self.cfg, &self.traces, self.l1.address());
        let entry = self.solvers.entry(g.address).or_insert_with(|| {
            let outputs = RollupOutputs::new(&cfg.rollup_rpc, cfg.client)
                .expect("the rollup URL was checked at start");
            let top = OutputTrace::new(
                outputs,
                g.game.starting_output().l2_block_number,
                g.game.l2_block_number(),
                g.game.config().split_depth,
            );
            (
                Vec::new(),
                Solver::new("honest", me, SplitTrace::new(top, traces.clone())),
            )
        });
        entry.0 = ids;
        &mut entry.1
    }

    /// One round over every game: scan, play, resolve, claim. Returns what was done. An error
    /// is the L1 node failing; a game's own trouble is logged and kept in its record.
    pub fn tick(&mut self) -> Result<TickEvents, String> {
        self.scan()?;
        let (_, now) = self.l1.head().map_err(|e| e.to_string())?;
        let playing: Vec<Address> = self
            .progress
            .games
            .iter()
            .filter(|(_, p)| p.state == GameState::Playing)
            .map(|(a, _)| *a)
            .collect();
        // Load every game first, and play the one whose tightest clock runs out first first.
        let mut loaded: Vec<(Address, Result<Loaded, LoadError>)> = playing
            .into_iter()
            .map(|a| (a, load::load(&self.l1, a)))
            .collect();
        loaded.sort_by_key(|(_, g)| g.as_ref().ok().map_or(u64::MAX, |g| time_left(g, now)));
        let mut all = Vec::new();
        for (game, g) in loaded {
            let (events, error) = self.tick_game(game, g, now);
            let sent = events.iter().filter(|e| acted(e)).count() as u64;
            if let Some(p) = self.progress.games.get_mut(&game) {
                p.transactions += sent;
                if let Some(e) = &error {
                    p.reason = Some(e.clone());
                }
            }
            if let Some(e) = error {
                self.log(game, &e);
            }
            self.save()?;
            all.extend(events.into_iter().map(|e| (game, e)));
        }
        Ok(all)
    }

    /// One round on `game`: what was done, and the error that stopped the round early, if any.
    fn tick_game(
        &mut self,
        game: Address,
        loaded: Result<Loaded, LoadError>,
        now: u64,
    ) -> (Vec<Event>, Option<String>) {
        let mut events = Vec::new();
        let r = self.play_game(game, loaded, now, &mut events);
        for e in &events {
            self.log(game, &e.to_string());
        }
        (events, r.err())
    }

    fn play_game(
        &mut self,
        game: Address,
        loaded: Result<Loaded, LoadError>,
        now: u64,
        events: &mut Vec<Event>,
    ) -> Result<(), String> {
        let loaded = match loaded {
            Ok(g) => g,
            Err(LoadError::Malformed { reason, .. }) => return self.skip(game, reason),
            Err(e) => return Err(e.to_string()),
        };
        if loaded.game.config().absolute_prestate != self.prestate {
            let reason = format!(
                "absolute prestate {} is not our program's {}",
                B256::from(loaded.game.config().absolute_prestate.0),
                B256::from(self.prestate.0)
            );
            return self.skip(game, reason);
        }
        if loaded.status == 0 {
            let actions = self
                .solver(&loaded)
                .next_actions(&loaded.game)
                .map_err(|e| format!("solver: {e}"))?;
            let max = loaded.game.config().max_clock_duration;
            for a in &actions {
                let parent = match a {
                    Action::Move { parent, .. } | Action::Step { parent, .. } => *parent,
                };
                let used = loaded.game.challenger_duration(parent, now).unwrap_or(max);
                if max - used < self.cfg.clock_margin {
                    self.log(
                        game,
                        &format!(
                            "late: {} s left to counter claim {parent} (margin {} s)",
                            max - used,
                            self.cfg.clock_margin
                        ),
                    );
                }
            }
            let before = events.len();
            agent::play(&self.l1, &loaded, actions, now, Some(&*self.store), events)
                .map_err(|e| e.to_string())?;
            if events.len() == before {
                agent::resolve(&self.l1, &loaded, now, events).map_err(|e| e.to_string())?;
            }
        }
        let me = self.l1.address();
        let credit =
            agent::claim_credit(&self.l1, game, me, now, events).map_err(|e| e.to_string())?;
        if credit == Credit::Nothing {
            self.log(game, "resolved, nothing left to claim");
            if let Some(p) = self.progress.games.get_mut(&game) {
                p.state = GameState::Done;
            }
            self.solvers.remove(&game);
        }
        Ok(())
    }

    /// Ticks every `poll` until `stop` is set; a failing L1 node is logged and retried.
    pub fn run(&mut self, poll: Duration, stop: &AtomicBool) {
        while !stop.load(Ordering::Relaxed) {
            if let Err(e) = self.tick() {
                eprintln!("challenger: {e} (retrying)");
            }
            let mut slept = Duration::ZERO;
            while slept < poll && !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(100));
                slept += Duration::from_millis(100);
            }
        }
    }
}
