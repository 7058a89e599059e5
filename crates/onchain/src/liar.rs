//! The liar: a dishonest player that defends a `--wrong` proposer's output roots (demos and
//! tests; a real proposer never runs it). It claims [`wrong_root`]s from a block on and, below
//! the split, a made-up execution trace: the real run of the program up to the first step after
//! its middle that reads a preimage of a given type, invented states from there. So a game it
//! defends is played through both bisections down to one VM step, which the honest challenger
//! wins onchain.

use crate::agent::{self, Event};
use crate::l1::L1;
use crate::proposer::wrong_root;
use crate::traces::{exec_traces, HostNodes, RollupOutputs};
use alloy_primitives::{Address, B256};
use std::collections::BTreeMap;
use std::sync::Arc;
use verdict_challenger::providers::riscv::RiscvFactory;
use verdict_challenger::providers::vm::{VmFactory, VmTraceFactory};
use verdict_challenger::providers::{
    ExecTraceFactory, LyingFactory, OutputSource, OutputTrace, SplitTrace, TraceError,
    TraceProvider,
};
use verdict_challenger::solver::Solver;
use verdict_fpvm::{FaultVm, PreimageStop};
use verdict_game::{Claim, LocalContext, VmStatus};
use verdict_host::InProcess;
use verdict_rpc::ClientConfig;

/// The liar's output roots: the node's before `lie_from`, [`wrong_root`]s from there (so that it
/// defends what a `--wrong` proposer proposed).
pub struct LiarOutputs {
    /// The rollup node's output roots.
    pub truth: RollupOutputs,
    /// The first block it lies about.
    pub lie_from: u64,
}

impl OutputSource for LiarOutputs {
    fn output_at(&mut self, block: u64) -> Result<Claim, TraceError> {
        let root = self.truth.output_at(block)?;
        Ok(if block >= self.lie_from {
            wrong_root(root)
        } else {
            root
        })
    }
}

/// The liar's execution traces: in each subgame, the real run of the program up to the first
/// step after its middle (or from the start) that reads a preimage of `key_type`, made-up states
/// from there, the last one with the real run's exit status (so that the game accepts it as a
/// root).
pub struct LiarTraces {
    /// The real traces.
    pub real: VmTraceFactory<RiscvFactory<InProcess>>,
    /// The key type of the read it lies from (`PreimageStop::key_type`'s names: `global`,
    /// `keccak`, `blob`, ...).
    pub key_type: &'static str,
    /// Whether that read is the first after the middle of the run (else the first of all).
    pub from_middle: bool,
    /// Per subgame: (its local context, steps of the real run, the step that reads the preimage).
    pub found: Vec<(LocalContext, u64, u64)>,
}

fn vm_err(what: &str, e: impl std::fmt::Display) -> TraceError {
    TraceError(format!("the liar's run ({what}): {e}"))
}

impl ExecTraceFactory for LiarTraces {
    fn trace_for(
        &mut self,
        ctx: &LocalContext,
        depth: u64,
    ) -> Result<Box<dyn TraceProvider>, TraceError> {
        let f = &self.real.factory;
        let mut vm = f.vm(self.real.initial.clone(), ctx);
        vm.run(u64::MAX).map_err(|e| vm_err("to the end", e))?;
        let steps = vm.step_count();
        let status = match vm.exit() {
            Some(0) => VmStatus::Valid,
            Some(1) => VmStatus::Invalid,
            _ => VmStatus::Panic,
        };
        let mut vm = f.vm(self.real.initial.clone(), ctx);
        if self.from_middle {
            vm.run(steps / 2).map_err(|e| vm_err("to the middle", e))?;
        }
        let stop = PreimageStop::key_type(self.key_type)
            .map_err(|e| TraceError(format!("preimage key type {}: {e}", self.key_type)))?;
        vm.set_preimage_stop(stop);
        vm.run(u64::MAX)
            .map_err(|e| vm_err("to the preimage read", e))?;
        if !vm.stopped_at_preimage() {
            return Err(TraceError(format!(
                "the liar found no {} preimage read (from the middle: {})",
                self.key_type, self.from_middle
            )));
        }
        let read_step = vm.step_count() - 1;
        eprintln!(
            "liar: subgame of block {}: {steps} steps, lying from step {read_step} (a {} preimage read)",
            ctx.disputed_l2_block_number, self.key_type
        );
        self.found.push((*ctx, steps, read_step));
        LyingFactory {
            inner: self.real.clone(),
            from: u128::from(read_step),
            salt: 17,
            final_status: status,
        }
        .trace_for(ctx, depth)
    }
}

/// The liar's solver for one game.
pub type LiarSolver = Solver<LiarOutputs, LiarTraces>;

/// Builds the liar's solver for a game anchored at `anchor` about block `top` with split depth
/// `split`: it lies about the output roots from `lie_from` on and, below the split, from the
/// first read of a `key_type` preimage (after the middle of the run with `from_middle`).
#[allow(clippy::too_many_arguments)]
pub fn liar_solver(
    name: &str,
    me: Address,
    initial: verdict_riscv::State,
    nodes: HostNodes,
    rollup_rpc: &str,
    (anchor, top, split): (u64, u64, u64),
    lie_from: u64,
    (key_type, from_middle): (&'static str, bool),
) -> Result<LiarSolver, String> {
    let client = nodes.client;
    let traces = LiarTraces {
        real: exec_traces(
            initial,
            Arc::new(verdict_host::MemoryStore::default()),
            nodes,
            1 << 20,
        ),
        key_type,
        from_middle,
        found: Vec::new(),
    };
    let outputs = LiarOutputs {
        truth: RollupOutputs::new(rollup_rpc, client)?,
        lie_from,
    };
    Ok(Solver::new(
        name,
        me,
        SplitTrace::new(OutputTrace::new(outputs, anchor, top, split), traces),
    ))
}

/// The liar as a service beside a `--wrong` proposer (`verdict proposer --wrong --defend`): it
/// defends every game it is given, lying about the output roots from two blocks after the
/// game's anchor (from the game's own block, if that is nearer) and about the execution
/// trace from the first keccak256 preimage read after the middle of the run (a preimage the
/// challenger uploads before its step; precompile parts it cannot upload yet).
pub struct Defender {
    l1: L1,
    rollup_rpc: String,
    nodes: HostNodes,
    initial: verdict_riscv::State,
    solvers: BTreeMap<Address, LiarSolver>,
}

impl Defender {
    /// Connects with `key`; `prestate` is the program (ELF or state file) whose traces it fakes.
    pub fn new(
        l1_rpc: &str,
        rollup_rpc: &str,
        key: B256,
        prestate: &std::path::Path,
        client: ClientConfig,
    ) -> Result<Defender, String> {
        let l1 = L1::new(l1_rpc, key, client).map_err(|e| e.to_string())?;
        RollupOutputs::new(rollup_rpc, client).map_err(|e| format!("--rollup-rpc: {e}"))?;
        let initial = crate::traces::load_prestate(prestate)?;
        Ok(Defender {
            l1,
            rollup_rpc: rollup_rpc.to_string(),
            nodes: HostNodes {
                l1: l1_rpc.to_string(),
                beacon: l1_rpc.to_string(),
                l2: rollup_rpc.to_string(),
                client,
            },
            initial,
            solvers: BTreeMap::new(),
        })
    }

    /// One round over `games`: the liar's moves in those in progress. A game's trouble is
    /// logged and the others carry on; an error is the L1 node failing.
    pub fn tick(&mut self, games: &[Address]) -> Result<Vec<(Address, Event)>, String> {
        let (_, now) = self.l1.head().map_err(|e| e.to_string())?;
        let mut all = Vec::new();
        for &game in games {
            let g = match crate::load::load(&self.l1, game) {
                Ok(g) if g.status == 0 => g,
                Ok(_) => {
                    self.solvers.remove(&game);
                    continue;
                }
                Err(e) => {
                    eprintln!("liar: game {game}: {e}");
                    continue;
                }
            };
            if !self.solvers.contains_key(&game) {
                let anchor = g.game.starting_output().l2_block_number;
                let top = g.game.l2_block_number();
                let lie_from = top.min(anchor + 2);
                let solver = liar_solver(
                    "liar",
                    self.l1.address(),
                    self.initial.clone(),
                    self.nodes.clone(),
                    &self.rollup_rpc,
                    (anchor, top, g.game.config().split_depth),
                    lie_from,
                    ("keccak", true),
                )?;
                eprintln!("liar: game {game}: defending the root at block {top}, lying from block {lie_from}");
                self.solvers.insert(game, solver);
            }
            let Some(solver) = self.solvers.get_mut(&game) else {
                continue;
            };
            let actions = match solver.next_actions(&g.game) {
                Ok(a) => a,
                Err(e) => {
                    eprintln!("liar: game {game}: solver: {e}");
                    continue;
                }
            };
            let mut events = Vec::new();
            let r = agent::play(&self.l1, &g, actions, now, None, &mut events);
            for e in events {
                eprintln!("liar: game {game}: {e}");
                all.push((game, e));
            }
            r.map_err(|e| e.to_string())?;
        }
        Ok(all)
    }
}
