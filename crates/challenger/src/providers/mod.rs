//! Trace providers: what an actor believes the claim at each position should be.
//!
//! A [`TraceProvider`] is one trace (a list of claims indexed by trace index) with the data
//! to step it. A game uses two kinds: output roots above the split ([`OutputTrace`]) and,
//! below it, one execution trace per disputed block, made by an [`ExecTraceFactory`] from
//! the step's [`LocalContext`]. [`SplitTrace`] joins them and answers for any position of
//! a game.

pub mod alphabet;
#[cfg(feature = "riscv")]
pub mod riscv;
pub mod vm;

use std::collections::BTreeMap;
use verdict_fpvm::PreimageWitness;
use verdict_game::{Claim, Game, LocalContext, Position};

/// Why a provider cannot answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceError(pub String);

impl core::fmt::Display for TraceError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<verdict_game::GameError> for TraceError {
    fn from(e: verdict_game::GameError) -> Self {
        TraceError(format!("game: {e}"))
    }
}

/// What a step needs: the pre-state preimage, the proof of the step from it, the preimage the
/// step reads (loaded into the PreimageOracle before the step) and the local context it is
/// read under.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct StepData {
    /// The pre-state (its hash, status byte aside, is the pre-state claim).
    pub state_data: Vec<u8>,
    /// The VM's proof for the step.
    pub proof: Vec<u8>,
    /// The preimage part the step reads, if it reads one.
    pub preimage: Option<PreimageWitness>,
    /// The local context of the step's subgame (set by [`SplitTrace::step_data`]).
    pub local_context: [u8; 32],
}

/// One trace of claims, over trace indices `0..2^depth`.
pub trait TraceProvider {
    /// The depth of the trace's tree: it has `2^depth` leaves.
    fn depth(&self) -> u64;
    /// The claim at trace index `i`.
    fn get(&mut self, i: u128) -> Result<Claim, TraceError>;
    /// The state before step `i` (the absolute prestate for 0) and the proof of step `i`;
    /// `i` may be `2^depth` (a defense step from the last leaf).
    fn step_data(&mut self, i: u128) -> Result<StepData, TraceError>;
    /// The claim at a position of this trace's tree.
    fn get_position(&mut self, pos: Position) -> Result<Claim, TraceError> {
        let depth = self.depth();
        self.get(pos.trace_index(depth))
    }
}

/// Output roots by L2 block number.
pub trait OutputSource {
    /// The output root at `block`.
    fn output_at(&mut self, block: u64) -> Result<Claim, TraceError>;
}

impl<F: FnMut(u64) -> Claim> OutputSource for F {
    fn output_at(&mut self, block: u64) -> Result<Claim, TraceError> {
        Ok(self(block))
    }
}

/// The output-root trace of the top game: trace index `i` is the output at block
/// `min(starting_block + i + 1, claimed_block)`.
pub struct OutputTrace<S> {
    source: S,
    starting_block: u64,
    claimed_block: u64,
    depth: u64,
}

impl<S: OutputSource> OutputTrace<S> {
    /// The top trace of a game of split depth `split_depth` anchored at `starting_block`
    /// whose root claims `claimed_block`.
    pub fn new(source: S, starting_block: u64, claimed_block: u64, split_depth: u64) -> Self {
        OutputTrace {
            source,
            starting_block,
            claimed_block,
            depth: split_depth,
        }
    }

    /// The block trace index `i` commits to.
    pub fn block_at(&self, i: u128) -> u64 {
        let b = (self.starting_block as u128)
            .saturating_add(i)
            .saturating_add(1);
        b.min(self.claimed_block as u128) as u64
    }
}

impl<S: OutputSource> TraceProvider for OutputTrace<S> {
    fn depth(&self) -> u64 {
        self.depth
    }

    fn get(&mut self, i: u128) -> Result<Claim, TraceError> {
        let block = self.block_at(i);
        self.source.output_at(block)
    }

    fn step_data(&mut self, _i: u128) -> Result<StepData, TraceError> {
        Err(TraceError("no steps in the output-root game".into()))
    }
}

/// Makes the execution trace of one disputed block from its local context.
pub trait ExecTraceFactory {
    /// The trace (of depth `depth`) for the subgame with local context `ctx`.
    fn trace_for(
        &mut self,
        ctx: &LocalContext,
        depth: u64,
    ) -> Result<Box<dyn TraceProvider>, TraceError>;
}

/// An actor's view of a whole game: output roots above the split, one execution trace per
/// disputed block below it (cached by local context).
pub struct SplitTrace<S, F> {
    top: OutputTrace<S>,
    bottom: F,
    cache: BTreeMap<[u8; 32], Box<dyn TraceProvider>>,
}

impl<S: OutputSource, F: ExecTraceFactory> SplitTrace<S, F> {
    /// Joins a top trace and a factory of bottom traces.
    pub fn new(top: OutputTrace<S>, bottom: F) -> Self {
        SplitTrace {
            top,
            bottom,
            cache: BTreeMap::new(),
        }
    }

    /// The local context of the execution subgame `pos` (below the split) belongs to, when
    /// `pos` is a move against (or the position of) the claim at `ref_index`.
    pub fn context_of(
        &self,
        game: &Game,
        ref_index: usize,
        pos: Position,
    ) -> Result<LocalContext, TraceError> {
        let split = game.config().split_depth;
        let mut idx = ref_index;
        while game.claim(idx)?.position.depth() > split {
            idx = game
                .claim(idx)?
                .parent()
                .ok_or_else(|| TraceError("no output claim above".into()))?;
        }
        let output = game.claim(idx)?.position;
        if output.depth() != split {
            return Err(TraceError("reference claim above the split".into()));
        }
        let exec_root = Position(pos.raw() >> (pos.depth() - split - 1));
        Ok(game.exec_context(idx, exec_root.parent() == output)?)
    }

    fn bottom_trace(
        &mut self,
        game: &Game,
        ref_index: usize,
        pos: Position,
    ) -> Result<&mut Box<dyn TraceProvider>, TraceError> {
        let ctx = self.context_of(game, ref_index, pos)?;
        if !self.cache.contains_key(&ctx.uuid) {
            let t = self.bottom.trace_for(&ctx, game.config().exec_depth())?;
            self.cache.insert(ctx.uuid, t);
        }
        Ok(self.cache.get_mut(&ctx.uuid).expect("just inserted"))
    }

    /// The claim this view expects at `pos`, a move against (or the position of) the claim
    /// at `ref_index`.
    pub fn get(
        &mut self,
        game: &Game,
        ref_index: usize,
        pos: Position,
    ) -> Result<Claim, TraceError> {
        let split = game.config().split_depth;
        if pos.depth() <= split {
            return self.top.get(pos.trace_index(split));
        }
        let rel = pos.relative_to_ancestor_at(split + 1);
        let t = self.bottom_trace(game, ref_index, pos)?;
        t.get_position(rel)
    }

    /// The step data to counter the leaf claim at `leaf_index`: the state at its own trace
    /// index for an attack, at the next one for a defense.
    pub fn step_data(
        &mut self,
        game: &Game,
        leaf_index: usize,
        is_attack: bool,
    ) -> Result<StepData, TraceError> {
        let split = game.config().split_depth;
        let pos = game.claim(leaf_index)?.position;
        let rel = pos.relative_to_ancestor_at(split + 1);
        let depth = game.config().exec_depth();
        let i = rel.trace_index(depth) + u128::from(!is_attack);
        let ctx = self.context_of(game, leaf_index, pos)?;
        let t = self.bottom_trace(game, leaf_index, pos)?;
        let mut data = t.step_data(i)?;
        data.local_context = ctx.uuid;
        Ok(data)
    }

    /// The top (output-root) trace.
    pub fn top(&mut self) -> &mut OutputTrace<S> {
        &mut self.top
    }
}

/// A dishonest trace: `inner`'s claims before trace index `from`, made-up ones from there
/// (the last one, the subgame root's, with `final_status`).
pub struct LyingTrace {
    inner: Box<dyn TraceProvider>,
    from: u128,
    salt: u64,
    final_status: verdict_game::VmStatus,
}

impl TraceProvider for LyingTrace {
    fn depth(&self) -> u64 {
        self.inner.depth()
    }

    fn get(&mut self, i: u128) -> Result<Claim, TraceError> {
        if i < self.from {
            return self.inner.get(i);
        }
        let last = (1u128 << self.depth()) - 1;
        let status = if i == last {
            self.final_status
        } else {
            verdict_game::VmStatus::Unfinished
        };
        let h = verdict_game::keccak256(&[b"lie", &self.salt.to_be_bytes(), &i.to_be_bytes()]);
        Ok(Claim(h).with_status(status))
    }

    fn step_data(&mut self, i: u128) -> Result<StepData, TraceError> {
        self.inner.step_data(i)
    }
}

/// Makes [`LyingTrace`]s over another factory's traces.
pub struct LyingFactory<F> {
    /// The true traces.
    pub inner: F,
    /// The first made-up trace index.
    pub from: u128,
    /// Salt of the made-up claims.
    pub salt: u64,
    /// The status the liar gives its final state.
    pub final_status: verdict_game::VmStatus,
}

impl<F: ExecTraceFactory> ExecTraceFactory for LyingFactory<F> {
    fn trace_for(
        &mut self,
        ctx: &LocalContext,
        depth: u64,
    ) -> Result<Box<dyn TraceProvider>, TraceError> {
        Ok(Box::new(LyingTrace {
            inner: self.inner.trace_for(ctx, depth)?,
            from: self.from,
            salt: self.salt,
            final_status: self.final_status,
        }))
    }
}
