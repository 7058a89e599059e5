//! The parts of the rollup config that block execution needs: chain id, hardfork times and the
//! EIP-1559 parameters.

use crate::error::ProgramError;
use alloc::format;
use op_revm::OpSpecId;

/// The rollup config, as far as execution goes.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RollupConfig {
    /// The L2 chain id.
    pub l2_chain_id: u64,
    /// Seconds between L2 blocks.
    pub block_time: u64,
    /// Hardfork activation timestamps (`None`: not scheduled).
    pub regolith_time: Option<u64>,
    /// Canyon.
    pub canyon_time: Option<u64>,
    /// Delta (no execution changes).
    pub delta_time: Option<u64>,
    /// Ecotone.
    pub ecotone_time: Option<u64>,
    /// Fjord.
    pub fjord_time: Option<u64>,
    /// Granite.
    pub granite_time: Option<u64>,
    /// Holocene.
    pub holocene_time: Option<u64>,
    /// Isthmus.
    pub isthmus_time: Option<u64>,
    /// Jovian (not implemented: executing a Jovian block is an error).
    pub jovian_time: Option<u64>,
    /// Interop (not implemented).
    pub interop_time: Option<u64>,
    /// EIP-1559 elasticity multiplier.
    pub eip1559_elasticity: u64,
    /// EIP-1559 base fee max change denominator before Canyon.
    pub eip1559_denominator: u64,
    /// EIP-1559 base fee max change denominator from Canyon on.
    pub eip1559_denominator_canyon: u64,
}

/// An OP Stack hardfork.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fork {
    /// Bedrock.
    Bedrock,
    /// Regolith.
    Regolith,
    /// Canyon.
    Canyon,
    /// Delta.
    Delta,
    /// Ecotone.
    Ecotone,
    /// Fjord.
    Fjord,
    /// Granite.
    Granite,
    /// Holocene.
    Holocene,
    /// Isthmus.
    Isthmus,
    /// Jovian.
    Jovian,
    /// Interop.
    Interop,
}

impl RollupConfig {
    /// The latest hardfork active at `timestamp`. A fork implies every earlier one, even if the
    /// config leaves an earlier time out.
    pub fn fork_at(&self, timestamp: u64) -> Fork {
        let forks = [
            (self.interop_time, Fork::Interop),
            (self.jovian_time, Fork::Jovian),
            (self.isthmus_time, Fork::Isthmus),
            (self.holocene_time, Fork::Holocene),
            (self.granite_time, Fork::Granite),
            (self.fjord_time, Fork::Fjord),
            (self.ecotone_time, Fork::Ecotone),
            (self.delta_time, Fork::Delta),
            (self.canyon_time, Fork::Canyon),
            (self.regolith_time, Fork::Regolith),
        ];
        forks
            .iter()
            .find(|(t, _)| t.is_some_and(|t| t <= timestamp))
            .map_or(Fork::Bedrock, |(_, f)| *f)
    }

    /// Whether `fork` is active at `timestamp`.
    pub fn is_active(&self, fork: Fork, timestamp: u64) -> bool {
        self.fork_at(timestamp) >= fork
    }

    /// The revm spec for a block at `timestamp`; an error for forks this program does not
    /// implement.
    pub fn spec_at(&self, timestamp: u64) -> Result<OpSpecId, ProgramError> {
        Ok(match self.fork_at(timestamp) {
            Fork::Bedrock => OpSpecId::BEDROCK,
            Fork::Regolith => OpSpecId::REGOLITH,
            Fork::Canyon | Fork::Delta => OpSpecId::CANYON,
            Fork::Ecotone => OpSpecId::ECOTONE,
            Fork::Fjord => OpSpecId::FJORD,
            Fork::Granite => OpSpecId::GRANITE,
            Fork::Holocene => OpSpecId::HOLOCENE,
            Fork::Isthmus => OpSpecId::ISTHMUS,
            f @ (Fork::Jovian | Fork::Interop) => {
                return Err(ProgramError::UnsupportedFork(format!(
                    "{f:?} is active at timestamp {timestamp}"
                )))
            }
        })
    }

    /// The pre-Holocene EIP-1559 parameters at `timestamp`: (denominator, elasticity).
    pub fn base_fee_params(&self, timestamp: u64) -> (u64, u64) {
        if self.is_active(Fork::Canyon, timestamp) {
            (self.eip1559_denominator_canyon, self.eip1559_elasticity)
        } else {
            (self.eip1559_denominator, self.eip1559_elasticity)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forks_follow_their_times() {
        let c = RollupConfig {
            canyon_time: Some(10),
            ecotone_time: Some(20),
            holocene_time: Some(30),
            isthmus_time: Some(40),
            jovian_time: Some(50),
            ..Default::default()
        };
        assert_eq!(c.fork_at(0), Fork::Bedrock);
        assert_eq!(c.fork_at(10), Fork::Canyon);
        assert_eq!(c.fork_at(29), Fork::Ecotone);
        assert_eq!(c.spec_at(35).unwrap(), OpSpecId::HOLOCENE);
        assert_eq!(c.spec_at(40).unwrap(), OpSpecId::ISTHMUS);
        assert!(c.is_active(Fork::Regolith, 10));
        assert!(c.spec_at(50).is_err());
    }
}
