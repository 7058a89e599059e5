//! Required bonds: `getRequiredBond(position)` to the wei, with the contract's fixed-point math.

use crate::math::{div_wad, exp_wad, ln_wad, mul_wad, pow_wad, WAD};
use crate::{GameError, Position, Wei};

/// The assumed base fee of the bond formula: 200 gwei.
pub const ASSUMED_BASE_FEE: Wei = 200_000_000_000;
/// Gas charged at depth 0.
pub const BASE_GAS_CHARGED: u128 = 400_000;
/// Gas charged at `MAX_GAME_DEPTH`.
pub const HIGH_GAS_CHARGED: u128 = 300_000_000;

/// The bond a claim at `depth` must post in a game of `max_game_depth`:
/// `200 gwei * 400000 * (750 ^ (1 / max_game_depth)) ^ depth`, evaluated exactly as the
/// contract does (`lnWad`, `divWad`, `mulWad`, `expWad`, `powWad`).
///
/// Fails with [`GameError::GameDepthExceeded`] past `max_game_depth`.
pub fn required_bond_at_depth(depth: u64, max_game_depth: u64) -> Result<Wei, GameError> {
    if depth > max_game_depth {
        return Err(GameError::GameDepthExceeded);
    }
    let a = HIGH_GAS_CHARGED / BASE_GAS_CHARGED;
    let ln_a = ln_wad((a * WAD) as i128).map_err(GameError::Math)? as u128;
    let b_over_c = div_wad(WAD, max_game_depth as u128 * WAD).map_err(GameError::Math)?;
    let exponent = mul_wad(ln_a, b_over_c).map_err(GameError::Math)?;
    let base = exp_wad(exponent as i128).map_err(GameError::Math)?;
    let raw_gas = pow_wad(base, depth as i128 * WAD as i128).map_err(GameError::Math)?;
    let gas = mul_wad(BASE_GAS_CHARGED, raw_gas as u128).map_err(GameError::Math)?;
    Ok(ASSUMED_BASE_FEE * gas)
}

/// [`required_bond_at_depth`] of a position.
pub fn required_bond(position: Position, max_game_depth: u64) -> Result<Wei, GameError> {
    required_bond_at_depth(position.depth(), max_game_depth)
}

/// Every required bond of a game, depth 0 to `max_game_depth`, computed once.
#[derive(Clone, Debug)]
pub struct BondTable {
    bonds: alloc::vec::Vec<Wei>,
}

impl BondTable {
    /// Computes the bonds of a game of `max_game_depth`.
    pub fn new(max_game_depth: u64) -> Result<Self, GameError> {
        let bonds = (0..=max_game_depth)
            .map(|d| required_bond_at_depth(d, max_game_depth))
            .collect::<Result<_, _>>()?;
        Ok(BondTable { bonds })
    }

    /// The bond at a depth, or `GameDepthExceeded`.
    pub fn at_depth(&self, depth: u64) -> Result<Wei, GameError> {
        self.bonds
            .get(depth as usize)
            .copied()
            .ok_or(GameError::GameDepthExceeded)
    }

    /// The bond of a position, or `GameDepthExceeded`.
    pub fn of(&self, position: Position) -> Result<Wei, GameError> {
        self.at_depth(position.depth())
    }
}
