//! The MIPS64 VM behind the shared FPVM boundary.

use crate::error::VmError;
use crate::state::State;
use crate::vm::Vm;
use std::path::Path;
use verdict_fpvm::{FaultVm, FileError, Hash, PreimageRead, PreimageStop, Progress, StepFailure};
use verdict_preimage::Oracle;

impl StepFailure for VmError {
    fn revert_code(&self) -> Option<u64> {
        VmError::revert_code(self)
    }
}

impl<O: Oracle> FaultVm for Vm<O> {
    type Error = VmError;
    type State = State;

    fn state(&self) -> &State {
        &self.state
    }

    fn set_state(&mut self, state: State) {
        self.state = state;
        self.last_preimage = None;
        self.last_preimage_offset = u64::MAX;
    }

    fn step_count(&self) -> u64 {
        self.state.step
    }

    fn exit(&self) -> Option<u8> {
        self.state.exited.then_some(self.state.exit_code)
    }

    fn witness(&mut self) -> Vec<u8> {
        self.state.witness().to_vec()
    }

    fn state_hash(&mut self) -> Hash {
        self.state.state_hash()
    }

    fn step(&mut self) -> Result<(), VmError> {
        Vm::step(self)
    }

    fn step_with_proof(&mut self) -> Result<verdict_fpvm::StepWitness, VmError> {
        Vm::step_with_proof(self)
    }

    fn run(&mut self, budget: u64) -> Result<u64, VmError> {
        Vm::run(self, budget)
    }

    fn set_preimage_stop(&mut self, stop: PreimageStop) {
        Vm::set_preimage_stop(self, stop)
    }

    fn last_preimage_read(&self) -> Option<PreimageRead> {
        Vm::last_preimage_read(self)
    }

    fn stopped_at_preimage(&self) -> bool {
        Vm::stopped_at_preimage(self)
    }

    fn over_memory_limit(&self) -> bool {
        self.state.memory.over_limit()
    }

    fn write_state(&mut self, path: &Path) -> Result<(), FileError> {
        crate::state_file::write_state(path, &mut self.state)
    }

    fn progress(&self) -> Progress {
        let s = &self.state;
        let pc = s.current().map_or(0, |t| t.pc);
        let word = crate::step::read_word(&s.memory, pc & !7);
        Progress {
            pc,
            instr: crate::alu::select(pc, word, 4, false) as u32,
            pages: s.memory.page_count(),
            memory_bytes: s.memory.usage_bytes(),
        }
    }
}
