//! Game parameters, mainnet values by default.

use crate::position::MAX_POSITION_BITLEN;
use crate::{Claim, Duration, GameError};

/// The immutables of a `FaultDisputeGame` deployment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GameConfig {
    /// The game type (0 Cannon, 2 Asterisc, 255 Alphabet, ...).
    pub game_type: u32,
    /// The absolute prestate of the execution trace (status byte included).
    pub absolute_prestate: Claim,
    /// `MAX_GAME_DEPTH`: the depth of the deepest claims; steps sit one below.
    pub max_game_depth: u64,
    /// `SPLIT_DEPTH`: the deepest output-root claims.
    pub split_depth: u64,
    /// `MAX_CLOCK_DURATION`: the time a team's chess clock may accumulate.
    pub max_clock_duration: Duration,
    /// `CLOCK_EXTENSION`: the time granted when a clock runs low.
    pub clock_extension: Duration,
    /// The preimage oracle's challenge period (added to the extension before a step).
    pub oracle_challenge_period: Duration,
    /// The L2 chain id (a local input of the program).
    pub l2_chain_id: u64,
}

impl Default for GameConfig {
    /// OP mainnet's parameters: depth 73, split 30, 3.5-day clocks, 3-hour extension,
    /// 1-day preimage challenge period.
    fn default() -> Self {
        GameConfig {
            game_type: 0,
            absolute_prestate: Claim::ZERO,
            max_game_depth: 73,
            split_depth: 30,
            max_clock_duration: 302_400,
            clock_extension: 10_800,
            oracle_challenge_period: 86_400,
            l2_chain_id: 10,
        }
    }
}

impl GameConfig {
    /// Checks the parameters as the contract's constructor does.
    pub fn validate(&self) -> Result<(), GameError> {
        if self.max_game_depth > MAX_POSITION_BITLEN - 1 {
            return Err(GameError::MaxDepthTooLarge);
        }
        if self.split_depth + 1 >= self.max_game_depth || self.split_depth < 2 {
            return Err(GameError::InvalidSplitDepth);
        }
        let split_ext = self.clock_extension as u128 * 2;
        let max_ext = self.clock_extension as u128 + self.oracle_challenge_period as u128;
        let ext = split_ext.max(max_ext);
        if ext > u64::MAX as u128 || ext > self.max_clock_duration as u128 {
            return Err(GameError::InvalidClockExtension);
        }
        Ok(())
    }

    /// The depth of the execution-trace game below the split: its root is at
    /// `split_depth + 1`, its leaves at `max_game_depth`.
    pub fn exec_depth(&self) -> u64 {
        self.max_game_depth - self.split_depth - 1
    }
}
