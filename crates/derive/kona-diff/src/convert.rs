//! Conversions between verdict-derive's types (alloy 2.x) and kona's (alloy 1.x): the rollup
//! config, the system config, L1 headers, transactions, receipts and payload attributes. Headers
//! and transactions cross over as their canonical encodings, so both sides read the same bytes.

use alloy_consensus::{Header, Receipt, TxEnvelope};
use alloy_eips::eip2718::Decodable2718;
use alloy_eips::BlockNumHash;
use alloy_primitives::Bytes;
use kona_genesis::{BaseFeeConfig, ChainGenesis, HardForkConfig, RollupConfig, SystemConfig};
use kona_protocol::{BlockInfo, L2BlockInfo};
use op_alloy_rpc_types_engine::OpPayloadAttributes;
use verdict_derive::attributes::PayloadAttributes;

/// kona's system config from verdict's. kona keeps the EIP-1559 and operator fee fields as
/// options; a zero is passed as `Some(0)`, which kona encodes the same way as verdict.
pub fn system_config(sc: &verdict_derive::SystemConfig) -> SystemConfig {
    let scalar = sc.scalar.to_be_bytes::<32>();
    let ecotone = scalar[0] == 1;
    let word = |at: usize| {
        u32::from_be_bytes([scalar[at], scalar[at + 1], scalar[at + 2], scalar[at + 3]])
    };
    SystemConfig {
        batcher_address: sc.batcher_address,
        overhead: sc.overhead,
        scalar: sc.scalar,
        gas_limit: sc.gas_limit,
        base_fee_scalar: ecotone.then(|| u64::from(word(28))),
        blob_base_fee_scalar: ecotone.then(|| u64::from(word(24))),
        eip1559_denominator: Some(sc.eip1559_denominator),
        eip1559_elasticity: Some(sc.eip1559_elasticity),
        operator_fee_scalar: Some(sc.operator_fee_scalar),
        operator_fee_constant: Some(sc.operator_fee_constant),
    }
}

/// kona's rollup config from verdict's (forks up to Isthmus: kona 0.4.5 has no Jovian).
pub fn rollup_config(cfg: &verdict_derive::RollupConfig) -> RollupConfig {
    RollupConfig {
        genesis: ChainGenesis {
            l1: BlockNumHash::new(cfg.genesis.l1.number, cfg.genesis.l1.hash),
            l2: BlockNumHash::new(cfg.genesis.l2.number, cfg.genesis.l2.hash),
            l2_time: cfg.genesis.l2_time,
            system_config: Some(system_config(&cfg.genesis.system_config)),
        },
        block_time: cfg.block_time,
        max_sequencer_drift: cfg.max_sequencer_drift,
        seq_window_size: cfg.seq_window_size,
        channel_timeout: cfg.channel_timeout,
        granite_channel_timeout: cfg.granite_channel_timeout,
        l1_chain_id: cfg.l1_chain_id,
        l2_chain_id: cfg.l2_chain_id.into(),
        hardforks: HardForkConfig {
            regolith_time: cfg.regolith_time,
            canyon_time: cfg.canyon_time,
            delta_time: cfg.delta_time,
            ecotone_time: cfg.ecotone_time,
            fjord_time: cfg.fjord_time,
            granite_time: cfg.granite_time,
            holocene_time: cfg.holocene_time,
            pectra_blob_schedule_time: cfg.pectra_blob_schedule_time,
            isthmus_time: cfg.isthmus_time,
            jovian_time: None,
            interop_time: None,
        },
        batch_inbox_address: cfg.batch_inbox_address,
        deposit_contract_address: cfg.deposit_contract_address,
        l1_system_config_address: cfg.l1_system_config_address,
        chain_op_config: BaseFeeConfig {
            eip1559_elasticity: cfg.eip1559_elasticity,
            eip1559_denominator: cfg.eip1559_denominator,
            eip1559_denominator_canyon: cfg.eip1559_denominator_canyon,
        },
        ..Default::default()
    }
}

/// An L1 header in kona's alloy version, field by field.
pub fn header(h: &alloy_consensus_v2::Header) -> Header {
    Header {
        parent_hash: h.parent_hash,
        ommers_hash: h.ommers_hash,
        beneficiary: h.beneficiary,
        state_root: h.state_root,
        transactions_root: h.transactions_root,
        receipts_root: h.receipts_root,
        logs_bloom: h.logs_bloom,
        difficulty: h.difficulty,
        number: h.number,
        gas_limit: h.gas_limit,
        gas_used: h.gas_used,
        timestamp: h.timestamp,
        extra_data: h.extra_data.clone(),
        mix_hash: h.mix_hash,
        nonce: h.nonce,
        base_fee_per_gas: h.base_fee_per_gas,
        withdrawals_root: h.withdrawals_root,
        blob_gas_used: h.blob_gas_used,
        excess_blob_gas: h.excess_blob_gas,
        parent_beacon_block_root: h.parent_beacon_block_root,
        requests_hash: h.requests_hash,
    }
}

/// The block info of an L1 header.
pub fn block_info(h: &alloy_consensus_v2::Header) -> BlockInfo {
    BlockInfo::new(h.hash_slow(), h.number, h.parent_hash, h.timestamp)
}

/// A transaction in kona's alloy version (through its EIP-2718 encoding).
pub fn transaction(tx: &alloy_consensus_v2::TxEnvelope) -> TxEnvelope {
    let bytes = alloy_eips_v2::eip2718::Encodable2718::encoded_2718(tx);
    TxEnvelope::decode_2718(&mut bytes.as_slice()).expect("an EIP-2718 transaction decodes")
}

/// A receipt in kona's form (status, gas and logs; the logs are the same type on both sides).
pub fn receipt(r: &alloy_consensus_v2::ReceiptEnvelope) -> Receipt {
    Receipt {
        status: if r.status() {
            alloy_consensus::Eip658Value::Eip658(true)
        } else {
            alloy_consensus::Eip658Value::Eip658(false)
        },
        cumulative_gas_used: r.cumulative_gas_used(),
        logs: r.logs().to_vec(),
    }
}

/// kona's view of an L2 block.
pub fn l2_block_info(b: &verdict_derive::L2BlockRef) -> L2BlockInfo {
    L2BlockInfo {
        block_info: BlockInfo::new(b.hash, b.number, b.parent_hash, b.timestamp),
        l1_origin: BlockNumHash::new(b.l1_origin.number, b.l1_origin.hash),
        seq_num: b.sequence_number,
    }
}

/// kona's attributes as verdict's type, field by field, so they compare with `==`. A field kona
/// leaves out is kept out (`None` becomes an empty list or `false` only where verdict's type has
/// no option, and then the raw option is checked by [`raw_fields_present`]).
pub fn attributes(a: &OpPayloadAttributes) -> PayloadAttributes {
    let p = &a.payload_attributes;
    PayloadAttributes {
        timestamp: p.timestamp,
        prev_randao: p.prev_randao,
        suggested_fee_recipient: p.suggested_fee_recipient,
        withdrawals: p.withdrawals.as_ref().map(|w| {
            w.iter()
                .map(|w| alloy_eips_v2::eip4895::Withdrawal {
                    index: w.index,
                    validator_index: w.validator_index,
                    address: w.address,
                    amount: w.amount,
                })
                .collect()
        }),
        parent_beacon_block_root: p.parent_beacon_block_root,
        transactions: a.transactions.clone().unwrap_or_default(),
        no_tx_pool: a.no_tx_pool.unwrap_or(false),
        gas_limit: a.gas_limit.unwrap_or(0),
        eip1559_params: a.eip_1559_params,
        min_base_fee: None,
    }
}

/// Whether kona set the fields verdict's type has without an option (a derived block always has
/// its transactions, `no_tx_pool` and gas limit).
pub fn raw_fields_present(a: &OpPayloadAttributes) -> bool {
    a.transactions.is_some() && a.no_tx_pool.is_some() && a.gas_limit.is_some()
}

/// An L2 block's full transaction list as kona's `OpBlock` (for span batch overlap checks).
pub fn op_block(
    b: &verdict_derive::L2BlockRef,
    txs: &[Bytes],
) -> Result<op_alloy_consensus::OpBlock, String> {
    let mut body = Vec::with_capacity(txs.len());
    for t in txs {
        body.push(
            op_alloy_consensus::OpTxEnvelope::decode_2718(&mut t.as_ref())
                .map_err(|e| format!("L2 block {}: {e}", b.number))?,
        );
    }
    Ok(alloy_consensus::Block {
        header: Header {
            parent_hash: b.parent_hash,
            number: b.number,
            timestamp: b.timestamp,
            ..Default::default()
        },
        body: alloy_consensus::BlockBody {
            transactions: body,
            ommers: vec![],
            withdrawals: None,
        },
    })
}
