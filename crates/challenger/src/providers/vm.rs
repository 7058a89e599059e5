//! The execution trace of a program run by any fault proof VM ([`FaultVm`]).
//!
//! Trace index `i` is the state hash after step `i + 1`; after the program exits the trace is
//! padded with the final state. The absolute prestate is the hash of the initial state. A trace
//! belongs to one subgame: its VM's preimage oracle serves that subgame's local inputs. States
//! are kept as snapshots every `snapshot_every` steps and positions are reached with the VM's
//! fast run from the nearest one, so no query re-runs from zero or steps one at a time.

use super::{ExecTraceFactory, StepData, TraceError, TraceProvider};
use std::collections::BTreeMap;
use std::rc::Rc;
use verdict_fpvm::FaultVm;
use verdict_game::{Claim, LocalContext};

/// Makes the VMs of a program's traces.
pub trait VmFactory {
    /// The VM.
    type Vm: FaultVm;
    /// A VM at `state` whose preimage oracle serves the subgame of `ctx`.
    fn vm(&self, state: <Self::Vm as FaultVm>::State, ctx: &LocalContext) -> Self::Vm;
}

/// The state type of a factory's VM.
type StateOf<F> = <<F as VmFactory>::Vm as FaultVm>::State;

/// The trace of one run of a program in one subgame.
pub struct VmTrace<F: VmFactory> {
    factory: Rc<F>,
    ctx: LocalContext,
    /// Snapshots by steps from the initial state.
    snapshots: BTreeMap<u64, StateOf<F>>,
    /// The initial state's step counter.
    first_step: u64,
    snapshot_every: u64,
    depth: u64,
}

impl<F: VmFactory> VmTrace<F> {
    /// The trace of running `initial` in the subgame of `ctx`, in a tree of `depth`, with a
    /// snapshot every `snapshot_every` steps.
    pub fn new(
        factory: Rc<F>,
        ctx: LocalContext,
        initial: StateOf<F>,
        depth: u64,
        snapshot_every: u64,
    ) -> Self {
        let first_step = factory.vm(initial.clone(), &ctx).step_count();
        let mut snapshots = BTreeMap::new();
        snapshots.insert(0, initial);
        VmTrace {
            factory,
            ctx,
            snapshots,
            first_step,
            snapshot_every: snapshot_every.max(1),
            depth,
        }
    }

    /// The snapshots kept, by steps from the initial state.
    pub fn snapshots(&self) -> &BTreeMap<u64, StateOf<F>> {
        &self.snapshots
    }

    /// Keeps `state` as the snapshot after `steps` steps from the initial state (one read back
    /// from disk, say). The caller vouches for it: check its step count and hash first.
    pub fn add_snapshot(&mut self, steps: u64, state: StateOf<F>) {
        self.snapshots.insert(steps, state);
    }

    /// The initial state's step counter.
    pub fn first_step(&self) -> u64 {
        self.first_step
    }

    /// The VM after `j` steps (at the final state if the program exited before).
    pub fn vm_at(&mut self, j: u128) -> Result<F::Vm, TraceError> {
        let j = u64::try_from(j).map_err(|_| TraceError("step out of range".into()))?;
        let (&base, snap) = self
            .snapshots
            .range(..=j)
            .next_back()
            .expect("the initial state is a snapshot");
        let mut vm = self.factory.vm(snap.clone(), &self.ctx);
        let mut at = base;
        while at < j && vm.exit().is_none() {
            let next_snapshot = (at / self.snapshot_every + 1) * self.snapshot_every;
            let target = next_snapshot.min(j);
            vm.run(target - at)
                .map_err(|e| TraceError(format!("vm run at step {at}: {e}")))?;
            at = vm.step_count() - self.first_step;
            if at % self.snapshot_every == 0 {
                self.snapshots
                    .entry(at)
                    .or_insert_with(|| vm.state().clone());
            }
            if at < target && vm.exit().is_none() {
                return Err(TraceError(format!(
                    "the vm stopped at step {at} before {target}"
                )));
            }
        }
        Ok(vm)
    }
}

impl<F: VmFactory> TraceProvider for VmTrace<F> {
    fn depth(&self) -> u64 {
        self.depth
    }

    fn get(&mut self, i: u128) -> Result<Claim, TraceError> {
        if i >= 1u128 << self.depth {
            return Err(TraceError("trace index past the end".into()));
        }
        Ok(Claim(self.vm_at(i + 1)?.state_hash()))
    }

    fn step_data(&mut self, i: u128) -> Result<StepData, TraceError> {
        let mut vm = self.vm_at(i)?;
        let w = vm
            .step_with_proof()
            .map_err(|e| TraceError(format!("vm proof of step {i}: {e}")))?;
        Ok(StepData {
            state_data: w.state,
            proof: w.proof,
            preimage: w.preimage,
            local_context: self.ctx.uuid,
        })
    }
}

/// Execution traces of one program: one per disputed block, each with its own local inputs.
pub struct VmTraceFactory<F: VmFactory> {
    /// Makes the VMs.
    pub factory: Rc<F>,
    /// The program's initial state.
    pub initial: StateOf<F>,
    /// Snapshot interval, in steps.
    pub snapshot_every: u64,
}

impl<F: VmFactory> VmTraceFactory<F> {
    /// The absolute prestate: the hash of the initial state.
    pub fn absolute_prestate(&self) -> Claim {
        Claim(
            self.factory
                .vm(self.initial.clone(), &LocalContext::default())
                .state_hash(),
        )
    }

    /// The trace of the subgame of `ctx`, in a tree of `depth`.
    pub fn trace(&self, ctx: &LocalContext, depth: u64) -> VmTrace<F> {
        VmTrace::new(
            self.factory.clone(),
            *ctx,
            self.initial.clone(),
            depth,
            self.snapshot_every,
        )
    }
}

impl<F: VmFactory> Clone for VmTraceFactory<F> {
    fn clone(&self) -> Self {
        VmTraceFactory {
            factory: self.factory.clone(),
            initial: self.initial.clone(),
            snapshot_every: self.snapshot_every,
        }
    }
}

impl<F: VmFactory + 'static> ExecTraceFactory for VmTraceFactory<F> {
    fn trace_for(
        &mut self,
        ctx: &LocalContext,
        depth: u64,
    ) -> Result<Box<dyn TraceProvider>, TraceError> {
        Ok(Box::new(self.trace(ctx, depth)))
    }
}
