//! The RISC-V VM behind the generic execution traces, and its stateless verifier as the game's
//! onchain step, reading the PreimageOracle the actors loaded.

use super::vm::VmFactory;
use crate::oracle::SharedOracle;
use verdict_game::{Address, Claim, LocalContext, StepVm};
use verdict_preimage::Oracle;
use verdict_riscv::{State, Vm};
use verdict_riscv_verifier::StepContext;

/// Makes RISC-V VMs whose oracle comes from `oracle` for each subgame's local context.
pub struct RiscvFactory<O> {
    oracle: Box<dyn Fn(&LocalContext) -> O>,
}

impl<O: Oracle> RiscvFactory<O> {
    /// VMs reading preimages from `oracle(ctx)` in the subgame of `ctx`.
    pub fn new(oracle: impl Fn(&LocalContext) -> O + 'static) -> Self {
        RiscvFactory {
            oracle: Box::new(oracle),
        }
    }
}

impl<O: Oracle> VmFactory for RiscvFactory<O> {
    type Vm = Vm<O>;

    fn vm(&self, state: State, ctx: &LocalContext) -> Vm<O> {
        Vm::with_oracle(state, (self.oracle)(ctx))
    }
}

/// The onchain step of the RISC-V VM: the stateless verifier, called by the game at
/// `game_address` (the caller local keys are localized with), reading `oracle`.
pub struct RiscvStepper {
    /// The PreimageOracle's contents.
    pub oracle: SharedOracle,
    /// The game's address.
    pub game_address: Address,
}

impl StepVm for RiscvStepper {
    fn step(&self, state_data: &[u8], proof: &[u8], ctx: &LocalContext) -> Result<Claim, String> {
        let sc = StepContext {
            local_context: ctx.uuid,
            caller: self.game_address.into_array(),
        };
        verdict_riscv_verifier::step(state_data, proof, &sc, &*self.oracle.borrow())
            .map(Claim)
            .map_err(|e| e.to_string())
    }
}
