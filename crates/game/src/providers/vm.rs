//! The execution trace of a program run by Verdict's RISC-V VM, and the VM's stateless
//! verifier as the game's onchain step.
//!
//! Trace index `i` is the state hash after step `i + 1`; after the program exits the trace
//! is padded with the final state. The absolute prestate is the hash of the initial state.
//! States are kept as snapshots every `snapshot_every` steps so no query re-runs from zero.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;

use verdict_riscv::{State, Vm};
use verdict_riscv_verifier::{NoPreimages, StepContext};

use super::{ExecTraceFactory, StepData, TraceError, TraceProvider};
use crate::{Claim, LocalContext, StepVm};

/// The trace of one run of a program.
pub struct VmTrace {
    snapshots: BTreeMap<u64, State>,
    snapshot_every: u64,
    depth: u64,
}

impl VmTrace {
    /// The trace of running `initial`, in a tree of `depth`, with a snapshot every
    /// `snapshot_every` steps.
    pub fn new(initial: State, depth: u64, snapshot_every: u64) -> Self {
        let mut snapshots = BTreeMap::new();
        snapshots.insert(0, initial);
        VmTrace {
            snapshots,
            snapshot_every: snapshot_every.max(1),
            depth,
        }
    }

    /// The absolute prestate: the hash of the initial state.
    pub fn absolute_prestate(initial: &State) -> Claim {
        Claim(initial.clone().state_hash())
    }

    /// The state after `j` steps (the final state if the program exited before).
    pub fn state_at(&mut self, j: u128) -> Result<State, TraceError> {
        let j = u64::try_from(j).map_err(|_| TraceError("step out of range".into()))?;
        let (&base, snap) = self
            .snapshots
            .range(..=j)
            .next_back()
            .expect("the initial state is a snapshot");
        let mut vm = Vm::new(snap.clone());
        let mut at = base;
        while at < j && !vm.state.exited {
            vm.step()
                .map_err(|e| TraceError(format!("vm step {at}: {e}")))?;
            at += 1;
            if at % self.snapshot_every == 0 {
                self.snapshots.entry(at).or_insert_with(|| vm.state.clone());
            }
        }
        Ok(vm.state)
    }
}

impl TraceProvider for VmTrace {
    fn depth(&self) -> u64 {
        self.depth
    }

    fn get(&mut self, i: u128) -> Result<Claim, TraceError> {
        if i >= 1u128 << self.depth {
            return Err(TraceError("trace index past the end".into()));
        }
        Ok(Claim(self.state_at(i + 1)?.state_hash()))
    }

    fn step_data(&mut self, i: u128) -> Result<StepData, TraceError> {
        let mut vm = Vm::new(self.state_at(i)?);
        let w = vm
            .step_with_proof()
            .map_err(|e| TraceError(format!("vm proof of step {i}: {e}")))?;
        Ok(StepData {
            state_data: w.state.to_vec(),
            proof: w.proof,
        })
    }
}

/// Execution traces of one program, the same for every disputed block (a program that
/// reads no local inputs).
#[derive(Clone)]
pub struct VmFactory {
    /// The program's initial state.
    pub initial: State,
    /// Snapshot interval, in steps.
    pub snapshot_every: u64,
}

impl ExecTraceFactory for VmFactory {
    fn trace_for(
        &mut self,
        _ctx: &LocalContext,
        depth: u64,
    ) -> Result<Box<dyn TraceProvider>, TraceError> {
        Ok(Box::new(VmTrace::new(
            self.initial.clone(),
            depth,
            self.snapshot_every,
        )))
    }
}

/// The onchain step of Verdict's VM: the stateless verifier, bound to the step's local
/// context (the game's address as caller is not modelled: zero).
#[derive(Clone, Copy, Debug, Default)]
pub struct VmStepper;

impl StepVm for VmStepper {
    fn step(&self, state_data: &[u8], proof: &[u8], ctx: &LocalContext) -> Result<Claim, String> {
        let sc = StepContext {
            local_context: ctx.uuid,
            caller: [0; 20],
        };
        verdict_riscv_verifier::step(state_data, proof, &sc, &NoPreimages)
            .map(Claim)
            .map_err(|e| format!("{e:?}"))
    }
}
