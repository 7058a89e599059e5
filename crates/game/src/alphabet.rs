//! The alphabet game (the OP Stack's test game type 255): a stand-in VM whose every step
//! just counts, so games can be played fast without a real program.
//!
//! Our variant keeps the alphabet VM's shape (a 32-byte absolute prestate holding `0x60`,
//! states that carry the disputed block and a step counter) and adds what makes it a fair
//! judge: after `steps` steps it exits VALID if the disputed output root (a local input) is
//! the chain's output at the disputed block, INVALID otherwise. The chain is a
//! [`SyntheticChain`]: output roots derived from a seed.

use alloc::string::String;

use crate::{keccak256, Claim, LocalContext, StepVm, VmStatus};

/// The game type of alphabet games.
pub const GAME_TYPE: u32 = 255;

/// The absolute prestate's preimage: the word `0x60`.
pub const ABSOLUTE_PRESTATE_DATA: [u8; 32] = {
    let mut w = [0u8; 32];
    w[31] = 0x60;
    w
};

/// The absolute prestate claim (status UNFINISHED).
pub fn absolute_prestate() -> Claim {
    Claim(keccak256(&[&ABSOLUTE_PRESTATE_DATA])).with_status(VmStatus::Unfinished)
}

/// A chain of output roots derived from a seed; a fork (from some block on, with a salt)
/// is what a dishonest actor believes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyntheticChain {
    /// The seed of the outputs.
    pub seed: u64,
    /// From this block on, outputs are derived from `fork_salt` instead.
    pub fork_from: Option<u64>,
    /// The salt of the forked outputs.
    pub fork_salt: u64,
}

impl SyntheticChain {
    /// The real chain of `seed`.
    pub fn new(seed: u64) -> Self {
        SyntheticChain {
            seed,
            fork_from: None,
            fork_salt: 0,
        }
    }

    /// The same chain, but with different outputs from `block` on.
    pub fn forked(self, block: u64, salt: u64) -> Self {
        SyntheticChain {
            fork_from: Some(block),
            fork_salt: salt,
            ..self
        }
    }

    /// The output root at `block`.
    pub fn output_at(&self, block: u64) -> Claim {
        let salt = match self.fork_from {
            Some(f) if block >= f => self.fork_salt.wrapping_add(1),
            _ => 0,
        };
        Claim(keccak256(&[
            b"verdict/synthetic-output",
            &self.seed.to_be_bytes(),
            &salt.to_be_bytes(),
            &block.to_be_bytes(),
        ]))
    }
}

/// An alphabet state after `i` steps on `block`; the verdict word is 0 running, 1 exited
/// valid, 2 exited invalid.
pub fn state_data(block: u64, i: u128, verdict: u8) -> [u8; 96] {
    let mut d = [0u8; 96];
    d[24..32].copy_from_slice(&block.to_be_bytes());
    d[48..64].copy_from_slice(&i.to_be_bytes());
    d[95] = verdict;
    d
}

/// The claim of an alphabet state.
pub fn state_claim(data: &[u8; 96]) -> Claim {
    let status = match data[95] {
        0 => VmStatus::Unfinished,
        1 => VmStatus::Valid,
        _ => VmStatus::Invalid,
    };
    Claim(keccak256(&[data])).with_status(status)
}

/// The block, step and verdict of an alphabet state.
pub fn decode(data: &[u8]) -> Option<(u64, u128, u8)> {
    let d: &[u8; 96] = data.try_into().ok()?;
    let block = u64::from_be_bytes(d[24..32].try_into().ok()?);
    let i = u128::from_be_bytes(d[48..64].try_into().ok()?);
    Some((block, i, d[95]))
}

/// The alphabet VM: steps count up; step `steps` exits with the verdict on the disputed
/// output against `chain`.
#[derive(Clone, Copy, Debug)]
pub struct AlphabetVm {
    /// The real chain.
    pub chain: SyntheticChain,
    /// How many steps the program runs before it exits.
    pub steps: u128,
}

impl AlphabetVm {
    fn next(&self, block: u64, i: u128, ctx: &LocalContext) -> [u8; 96] {
        let n = i + 1;
        if n >= self.steps {
            let valid = ctx.disputed == self.chain.output_at(block);
            state_data(block, n, if valid { 1 } else { 2 })
        } else {
            state_data(block, n, 0)
        }
    }
}

impl StepVm for AlphabetVm {
    fn step(&self, state_data: &[u8], _proof: &[u8], ctx: &LocalContext) -> Result<Claim, String> {
        let post = if state_data == ABSOLUTE_PRESTATE_DATA {
            self.next(ctx.disputed_l2_block_number, 0, ctx)
        } else {
            let (block, i, verdict) = decode(state_data).ok_or("malformed alphabet state")?;
            if verdict != 0 {
                state_data.try_into().expect("96 bytes")
            } else {
                self.next(block, i, ctx)
            }
        };
        Ok(state_claim(&post))
    }
}
