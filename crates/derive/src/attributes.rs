//! Payload attributes (derivation.md, "Deriving Payload Attributes"; Holocene's EIP-1559 params,
//! Jovian's min base fee).

use crate::batch::SingleBatch;
use crate::config::{Fork, RollupConfig};
use crate::deposits::user_deposits;
use crate::error::DeriveError;
use crate::l1_info::l1_info_deposit;
use crate::provider::{BytecodeSource, L1Provider, L2Provider};
use crate::types::L2BlockRef;
use crate::upgrades::upgrade_transactions;
use alloc::format;
use alloc::vec::Vec;
use alloy_eips::eip4895::Withdrawal;
use alloy_primitives::{address, Address, Bytes, B256, B64};

/// The sequencer fee vault, every derived block's fee recipient.
pub const SEQUENCER_FEE_VAULT: Address = address!("4200000000000000000000000000000000000011");

/// The attributes of one L2 block, as the engine API's extended `PayloadAttributesV3` has them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PayloadAttributes {
    /// The block timestamp.
    pub timestamp: u64,
    /// `prevRandao`: the L1 origin's mix hash.
    pub prev_randao: B256,
    /// The fee recipient.
    pub suggested_fee_recipient: Address,
    /// `None` before Canyon, empty from Canyon on.
    pub withdrawals: Option<Vec<Withdrawal>>,
    /// The L1 origin's parent beacon block root (from Ecotone on).
    pub parent_beacon_block_root: Option<B256>,
    /// The transactions: L1 info deposit, user deposits, upgrade transactions, batch
    /// transactions; EIP-2718 encoded.
    pub transactions: Vec<Bytes>,
    /// Always true for derived blocks.
    pub no_tx_pool: bool,
    /// The system config's gas limit.
    pub gas_limit: u64,
    /// Holocene's `denominator ++ elasticity` (zero in the activation block).
    pub eip1559_params: Option<B64>,
    /// Jovian's minimum base fee.
    pub min_base_fee: Option<u64>,
}

impl PayloadAttributes {
    /// The number of leading deposit transactions.
    pub fn deposit_count(&self) -> usize {
        self.transactions
            .iter()
            .take_while(|t| t.first() == Some(&0x7e))
            .count()
    }

    /// The same attributes with only their deposits (Holocene's replacement of an invalid
    /// payload).
    pub fn deposits_only(&self) -> Self {
        let mut a = self.clone();
        a.transactions.truncate(self.deposit_count());
        a
    }
}

/// Builds the attributes of the block after `parent` from `batch`.
pub fn build_attributes(
    cfg: &RollupConfig,
    l1: &mut dyn L1Provider,
    l2: &mut dyn L2Provider,
    code: &mut dyn BytecodeSource,
    parent: &L2BlockRef,
    batch: &SingleBatch,
) -> Result<PayloadAttributes, DeriveError> {
    let timestamp = parent.timestamp + cfg.block_time;
    if batch.timestamp != timestamp {
        return Err(DeriveError::BadL2(format!(
            "batch timestamp {} is not the next block's {timestamp}",
            batch.timestamp
        )));
    }
    let mut sc = l2.system_config(parent.number)?;
    let header = l1.header_by_hash(batch.epoch_hash)?;
    let mut transactions = Vec::new();
    let sequence_number = if parent.l1_origin.number != batch.epoch_num {
        if header.parent_hash != parent.l1_origin.hash {
            return Err(DeriveError::BadL2(format!(
                "new epoch {} does not follow the parent's origin {}",
                batch.epoch_num, parent.l1_origin.number
            )));
        }
        let receipts = l1.receipts(batch.epoch_hash)?;
        transactions = user_deposits(batch.epoch_hash, &receipts, cfg.deposit_contract_address)?;
        // Skipped updates were recorded by the traversal, which read this block's logs too.
        let _skipped = sc.update_from_receipts(cfg, &receipts, header.timestamp);
        0
    } else {
        if parent.l1_origin.hash != batch.epoch_hash {
            return Err(DeriveError::BadL2(format!(
                "epoch {} hash differs from the parent's origin",
                batch.epoch_num
            )));
        }
        parent.sequence_number + 1
    };
    if timestamp < header.timestamp {
        return Err(DeriveError::BadL2(format!(
            "L2 time {timestamp} is before its L1 origin's {}",
            header.timestamp
        )));
    }
    let l1_info = l1_info_deposit(
        cfg,
        &sc,
        &header,
        batch.epoch_hash,
        sequence_number,
        timestamp,
    )?;
    transactions.insert(0, l1_info);
    transactions.extend(upgrade_transactions(
        cfg,
        parent.timestamp,
        timestamp,
        code,
    )?);
    transactions.extend(batch.transactions.iter().cloned());
    let holocene = cfg.is_active(Fork::Holocene, timestamp);
    let eip1559_params = holocene.then(|| {
        if cfg.is_active(Fork::Holocene, parent.timestamp) {
            let mut p = [0u8; 8];
            p[..4].copy_from_slice(&sc.eip1559_denominator.to_be_bytes());
            p[4..].copy_from_slice(&sc.eip1559_elasticity.to_be_bytes());
            B64::from(p)
        } else {
            B64::ZERO
        }
    });
    Ok(PayloadAttributes {
        timestamp,
        prev_randao: header.mix_hash,
        suggested_fee_recipient: SEQUENCER_FEE_VAULT,
        withdrawals: cfg.is_active(Fork::Canyon, timestamp).then(Vec::new),
        parent_beacon_block_root: cfg
            .is_active(Fork::Ecotone, timestamp)
            .then(|| header.parent_beacon_block_root.unwrap_or_default()),
        transactions,
        no_tx_pool: true,
        gas_limit: sc.gas_limit,
        eip1559_params,
        min_base_fee: cfg
            .is_active(Fork::Jovian, timestamp)
            .then_some(sc.min_base_fee),
    })
}
