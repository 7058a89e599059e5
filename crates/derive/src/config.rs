//! The rollup config: every field of op-node's `rollup.json` that derivation reads, the hardfork
//! schedule and the protocol constants that change with it.

use crate::system_config::SystemConfig;
use crate::types::BlockId;
use alloc::vec::Vec;
use alloy_primitives::Address;

/// `MAX_RLP_BYTES_PER_CHANNEL` before Fjord.
pub const MAX_RLP_BYTES_PER_CHANNEL_BEDROCK: u64 = 10_000_000;
/// `MAX_RLP_BYTES_PER_CHANNEL` from Fjord on.
pub const MAX_RLP_BYTES_PER_CHANNEL_FJORD: u64 = 100_000_000;
/// `MAX_CHANNEL_BANK_SIZE` before Fjord.
pub const MAX_CHANNEL_BANK_SIZE_BEDROCK: u64 = 100_000_000;
/// `MAX_CHANNEL_BANK_SIZE` from Fjord on.
pub const MAX_CHANNEL_BANK_SIZE_FJORD: u64 = 1_000_000_000;
/// `MAX_SPAN_BATCH_ELEMENT_COUNT`.
pub const MAX_SPAN_BATCH_ELEMENT_COUNT: u64 = 10_000_000;
/// The constant maximum sequencer drift from Fjord on, in seconds.
pub const MAX_SEQUENCER_DRIFT_FJORD: u64 = 1800;

/// EIP-4844's blob base fee update fraction (Cancun).
pub const BLOB_BASE_FEE_UPDATE_FRACTION_CANCUN: u128 = 3_338_477;
/// EIP-7691's blob base fee update fraction (Prague).
pub const BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE: u128 = 5_007_716;

/// An OP Stack hardfork, in activation order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fork {
    /// Bedrock (always active).
    Bedrock,
    /// Regolith.
    Regolith,
    /// Canyon.
    Canyon,
    /// Delta (span batches).
    Delta,
    /// Ecotone (blobs, new L1 info format).
    Ecotone,
    /// Fjord (brotli, constant drift, larger channels).
    Fjord,
    /// Granite (shorter channel timeout).
    Granite,
    /// Holocene (strict ordering, EIP-1559 params).
    Holocene,
    /// Isthmus (operator fee, SetCode transactions).
    Isthmus,
    /// Jovian (min base fee, DA footprint).
    Jovian,
    /// Interop.
    Interop,
}

impl Fork {
    /// Every fork after Bedrock, in order.
    pub const SCHEDULED: [Fork; 10] = [
        Fork::Regolith,
        Fork::Canyon,
        Fork::Delta,
        Fork::Ecotone,
        Fork::Fjord,
        Fork::Granite,
        Fork::Holocene,
        Fork::Isthmus,
        Fork::Jovian,
        Fork::Interop,
    ];
}

/// The genesis anchor of the rollup.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Genesis {
    /// The L1 block the rollup starts at.
    pub l1: BlockId,
    /// The L2 genesis block.
    pub l2: BlockId,
    /// The L2 genesis timestamp.
    pub l2_time: u64,
    /// The system config at genesis.
    pub system_config: SystemConfig,
}

/// One step of the L1 blob base fee schedule: from `timestamp` on (L1 time), blob base fees use
/// `update_fraction`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlobScheduleEntry {
    /// L1 activation time.
    pub timestamp: u64,
    /// `BLOB_BASE_FEE_UPDATE_FRACTION` from then on.
    pub update_fraction: u128,
}

/// The rollup config.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RollupConfig {
    /// The genesis anchor.
    pub genesis: Genesis,
    /// Seconds between L2 blocks.
    pub block_time: u64,
    /// Maximum sequencer drift before Fjord, in seconds.
    pub max_sequencer_drift: u64,
    /// The sequencing window size, in L1 blocks.
    pub seq_window_size: u64,
    /// The channel timeout before Granite, in L1 blocks.
    pub channel_timeout: u64,
    /// The channel timeout from Granite on, in L1 blocks.
    pub granite_channel_timeout: u64,
    /// The L1 chain id.
    pub l1_chain_id: u64,
    /// The L2 chain id.
    pub l2_chain_id: u64,
    /// Where batcher transactions are sent.
    pub batch_inbox_address: Address,
    /// The OptimismPortal (deposit contract) on L1.
    pub deposit_contract_address: Address,
    /// The SystemConfig contract on L1.
    pub l1_system_config_address: Address,
    /// Regolith activation time (`None`: not scheduled).
    pub regolith_time: Option<u64>,
    /// Canyon activation time.
    pub canyon_time: Option<u64>,
    /// Delta activation time.
    pub delta_time: Option<u64>,
    /// Ecotone activation time.
    pub ecotone_time: Option<u64>,
    /// Fjord activation time.
    pub fjord_time: Option<u64>,
    /// Granite activation time.
    pub granite_time: Option<u64>,
    /// Holocene activation time.
    pub holocene_time: Option<u64>,
    /// Isthmus activation time.
    pub isthmus_time: Option<u64>,
    /// Jovian activation time.
    pub jovian_time: Option<u64>,
    /// Interop activation time.
    pub interop_time: Option<u64>,
    /// The optional Pectra blob schedule fork (L1 time; Sepolia and Holesky chains).
    pub pectra_blob_schedule_time: Option<u64>,
    /// EIP-1559 elasticity multiplier.
    pub eip1559_elasticity: u64,
    /// EIP-1559 base fee max change denominator before Canyon.
    pub eip1559_denominator: u64,
    /// EIP-1559 base fee max change denominator from Canyon on.
    pub eip1559_denominator_canyon: u64,
    /// The L1 blob base fee schedule (BPO forks), by L1 time. Empty: the update fraction is
    /// Prague's if the L1 header has a requests hash, Cancun's otherwise.
    pub l1_blob_schedule: Vec<BlobScheduleEntry>,
}

impl RollupConfig {
    /// The activation time of `fork` as configured (Bedrock: genesis, `Some(0)`).
    pub fn fork_time(&self, fork: Fork) -> Option<u64> {
        match fork {
            Fork::Bedrock => Some(0),
            Fork::Regolith => self.regolith_time,
            Fork::Canyon => self.canyon_time,
            Fork::Delta => self.delta_time,
            Fork::Ecotone => self.ecotone_time,
            Fork::Fjord => self.fjord_time,
            Fork::Granite => self.granite_time,
            Fork::Holocene => self.holocene_time,
            Fork::Isthmus => self.isthmus_time,
            Fork::Jovian => self.jovian_time,
            Fork::Interop => self.interop_time,
        }
    }

    /// Whether `fork` is active at `timestamp`. A fork implies every earlier one, even if the
    /// config leaves an earlier time out.
    pub fn is_active(&self, fork: Fork, timestamp: u64) -> bool {
        fork == Fork::Bedrock
            || Fork::SCHEDULED
                .iter()
                .filter(|f| **f >= fork)
                .any(|f| self.fork_time(*f).is_some_and(|t| t <= timestamp))
    }

    /// The latest fork active at `timestamp`.
    pub fn fork_at(&self, timestamp: u64) -> Fork {
        Fork::SCHEDULED
            .iter()
            .rev()
            .find(|f| self.is_active(**f, timestamp))
            .copied()
            .unwrap_or(Fork::Bedrock)
    }

    /// Whether the L2 block at `timestamp` is the first with `fork` active (its parent, one block
    /// time earlier, did not have it). A fork active at genesis has no activation block.
    pub fn is_activation_block(&self, fork: Fork, timestamp: u64) -> bool {
        self.is_active(fork, timestamp)
            && timestamp >= self.block_time
            && !self.is_active(fork, timestamp - self.block_time)
    }

    /// The maximum sequencer drift for a batch whose L1 origin has time `l1_time`.
    pub fn max_sequencer_drift(&self, l1_time: u64) -> u64 {
        if self.is_active(Fork::Fjord, l1_time) {
            MAX_SEQUENCER_DRIFT_FJORD
        } else {
            self.max_sequencer_drift
        }
    }

    /// The channel timeout, in L1 blocks, while reading an L1 block with time `l1_time`.
    pub fn channel_timeout(&self, l1_time: u64) -> u64 {
        if self.is_active(Fork::Granite, l1_time) {
            self.granite_channel_timeout
        } else {
            self.channel_timeout
        }
    }

    /// `MAX_RLP_BYTES_PER_CHANNEL` while reading an L1 block with time `l1_time`.
    pub fn max_rlp_bytes_per_channel(&self, l1_time: u64) -> u64 {
        if self.is_active(Fork::Fjord, l1_time) {
            MAX_RLP_BYTES_PER_CHANNEL_FJORD
        } else {
            MAX_RLP_BYTES_PER_CHANNEL_BEDROCK
        }
    }

    /// `MAX_CHANNEL_BANK_SIZE` while reading an L1 block with time `l1_time`.
    pub fn max_channel_bank_size(&self, l1_time: u64) -> u64 {
        if self.is_active(Fork::Fjord, l1_time) {
            MAX_CHANNEL_BANK_SIZE_FJORD
        } else {
            MAX_CHANNEL_BANK_SIZE_BEDROCK
        }
    }

    /// The blob base fee update fraction for an L1 block with time `l1_time`; `is_prague` tells
    /// whether its header has a requests hash.
    pub fn blob_update_fraction(&self, l1_time: u64, is_prague: bool) -> u128 {
        if let Some(entry) = self
            .l1_blob_schedule
            .iter()
            .rev()
            .find(|e| e.timestamp <= l1_time)
        {
            return entry.update_fraction;
        }
        let pectra_schedule = self.pectra_blob_schedule_time.is_none_or(|t| t <= l1_time);
        if is_prague && pectra_schedule {
            BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE
        } else {
            BLOB_BASE_FEE_UPDATE_FRACTION_CANCUN
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> RollupConfig {
        RollupConfig {
            block_time: 2,
            max_sequencer_drift: 600,
            channel_timeout: 300,
            granite_channel_timeout: 50,
            canyon_time: Some(10),
            ecotone_time: Some(20),
            fjord_time: Some(30),
            granite_time: Some(40),
            holocene_time: Some(50),
            ..Default::default()
        }
    }

    #[test]
    fn forks_follow_their_times_and_imply_earlier_ones() {
        let c = cfg();
        assert_eq!(c.fork_at(0), Fork::Bedrock);
        assert_eq!(c.fork_at(10), Fork::Canyon);
        assert_eq!(c.fork_at(29), Fork::Ecotone);
        assert!(c.is_active(Fork::Regolith, 10), "Canyon implies Regolith");
        assert!(c.is_active(Fork::Delta, 20), "Ecotone implies Delta");
        assert!(!c.is_active(Fork::Delta, 19));
        assert!(c.is_activation_block(Fork::Ecotone, 20));
        assert!(c.is_activation_block(Fork::Ecotone, 21));
        assert!(!c.is_activation_block(Fork::Ecotone, 22));
        assert!(!c.is_activation_block(Fork::Bedrock, 0));
    }

    #[test]
    fn protocol_constants_change_with_forks() {
        let c = cfg();
        assert_eq!(c.max_sequencer_drift(29), 600);
        assert_eq!(c.max_sequencer_drift(30), 1800);
        assert_eq!(c.channel_timeout(39), 300);
        assert_eq!(c.channel_timeout(40), 50);
        assert_eq!(c.max_rlp_bytes_per_channel(29), 10_000_000);
        assert_eq!(c.max_rlp_bytes_per_channel(30), 100_000_000);
        assert_eq!(c.max_channel_bank_size(30), 1_000_000_000);
    }

    #[test]
    fn blob_fraction_follows_l1_and_the_pectra_schedule() {
        let mut c = cfg();
        assert_eq!(
            c.blob_update_fraction(5, false),
            BLOB_BASE_FEE_UPDATE_FRACTION_CANCUN
        );
        assert_eq!(
            c.blob_update_fraction(5, true),
            BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE
        );
        c.pectra_blob_schedule_time = Some(100);
        assert_eq!(
            c.blob_update_fraction(99, true),
            BLOB_BASE_FEE_UPDATE_FRACTION_CANCUN
        );
        assert_eq!(
            c.blob_update_fraction(100, true),
            BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE
        );
        c.l1_blob_schedule = alloc::vec![BlobScheduleEntry {
            timestamp: 200,
            update_fraction: 8_346_193
        }];
        assert_eq!(
            c.blob_update_fraction(150, true),
            BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE
        );
        assert_eq!(c.blob_update_fraction(200, true), 8_346_193);
    }
}
