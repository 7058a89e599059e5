//! The alphabet game's execution traces (game type 255): what an honest actor claims about the
//! alphabet VM's run for each disputed block (the VM itself is `verdict_game::alphabet`).

use super::{ExecTraceFactory, StepData, TraceError, TraceProvider};
use verdict_game::alphabet::{state_claim, state_data, SyntheticChain, ABSOLUTE_PRESTATE_DATA};
use verdict_game::{keccak256, Claim, LocalContext, VmStatus};

/// One alphabet execution trace: the block, and the verdict its believer expects.
pub struct AlphabetTrace {
    block: u64,
    valid: bool,
    steps: u128,
    depth: u64,
    lie_from: Option<(u128, u64)>,
}

impl AlphabetTrace {
    /// The data of the state after `j` steps (`None` for the absolute prestate).
    fn state(&self, j: u128) -> Option<[u8; 96]> {
        if j == 0 {
            return None;
        }
        let j = j.min(self.steps);
        let verdict = match (j >= self.steps, self.valid) {
            (false, _) => 0,
            (true, true) => 1,
            (true, false) => 2,
        };
        Some(state_data(self.block, j, verdict))
    }
}

impl TraceProvider for AlphabetTrace {
    fn depth(&self) -> u64 {
        self.depth
    }

    fn get(&mut self, i: u128) -> Result<Claim, TraceError> {
        if i >= 1u128 << self.depth {
            return Err(TraceError("trace index past the end".into()));
        }
        let j = (i + 1).min(self.steps);
        if let Some((from, salt)) = self.lie_from {
            if j >= from {
                let final_status = if j >= self.steps {
                    if self.valid {
                        VmStatus::Valid
                    } else {
                        VmStatus::Invalid
                    }
                } else {
                    VmStatus::Unfinished
                };
                let h = keccak256(&[b"lie", &salt.to_be_bytes(), &j.to_be_bytes()]);
                return Ok(Claim(h).with_status(final_status));
            }
        }
        Ok(state_claim(&self.state(j).expect("j >= 1")))
    }

    fn step_data(&mut self, i: u128) -> Result<StepData, TraceError> {
        let state_data = match self.state(i) {
            None => ABSOLUTE_PRESTATE_DATA.to_vec(),
            Some(d) => d.to_vec(),
        };
        Ok(StepData {
            state_data,
            ..StepData::default()
        })
    }
}

/// Makes alphabet traces for a believed chain; a liar's traces also differ from state
/// `lie_from` on.
#[derive(Clone, Copy, Debug)]
pub struct AlphabetFactory {
    /// The chain this actor believes.
    pub chain: SyntheticChain,
    /// The program length (the same as the VM's).
    pub steps: u128,
    /// For liars: garbage claims from this state on, derived from the salt.
    pub lie_from: Option<(u128, u64)>,
}

impl ExecTraceFactory for AlphabetFactory {
    fn trace_for(
        &mut self,
        ctx: &LocalContext,
        depth: u64,
    ) -> Result<Box<dyn TraceProvider>, TraceError> {
        if self.steps == 0 || self.steps > 1u128 << depth {
            return Err(TraceError("the program must exit within the trace".into()));
        }
        let block = ctx.disputed_l2_block_number;
        Ok(Box::new(AlphabetTrace {
            block,
            valid: ctx.disputed == self.chain.output_at(block),
            steps: self.steps,
            depth,
            lie_from: self.lie_from,
        }))
    }
}
