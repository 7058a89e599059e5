//! The L1 side of a scenario: the rollup config and fork schedule, L1 headers, and the L1
//! events in receipts (deposits, config updates, a batcher change).

use super::{ExpectedDrop, ForkSchedule, Keys, MemL1, Options, Rng};
use crate::config::{Fork, Genesis, RollupConfig};
use crate::deposits::{encode_deposit_log_data, DEPOSIT_EVENT_TOPIC};
use crate::encode;
use crate::log::DropReason;
use crate::system_config::{encode_update_data, SystemConfig, UpdateError, CONFIG_UPDATE_TOPIC};
use crate::types::BlockId;
use alloy_consensus::{Eip658Value, Header, Receipt, ReceiptEnvelope, ReceiptWithBloom};
use alloy_primitives::{address, Address, Log, LogData, B256, U256};

pub(super) const PORTAL: Address = address!("bEb5Fc579115071764c7423A4f12eDde41f106Ed");
pub(super) const SYSTEM_CONFIG: Address = address!("229047fed2591dbec1eF1118d64F7aF3dB9EB290");
pub(super) const INBOX: Address = address!("ff00000000000000000000000000000000000010");

pub(super) fn receipt(logs: Vec<Log>, ok: bool) -> ReceiptEnvelope {
    let r = Receipt {
        status: Eip658Value::Eip658(ok),
        cumulative_gas_used: 21_000,
        logs,
    };
    ReceiptEnvelope::Eip1559(ReceiptWithBloom::new(r, Default::default()))
}

pub(super) fn config_log(kind: u8, payload: &[u8]) -> Log {
    let mut t = [0u8; 32];
    t[31] = kind;
    Log {
        address: SYSTEM_CONFIG,
        data: LogData::new_unchecked(
            vec![CONFIG_UPDATE_TOPIC, B256::ZERO, B256::from(t)],
            encode_update_data(payload).into(),
        ),
    }
}

fn word(v: U256) -> [u8; 32] {
    v.to_be_bytes()
}

/// The forks from Regolith to Jovian: through `last` at genesis, `next` some seconds after
/// genesis (at `t0`), the others never.
fn scheduled(t0: u64, last: Fork, next: Option<(Fork, u64)>) -> [Option<u64>; 9] {
    let mut t = [None; 9];
    for (slot, fork) in t.iter_mut().zip(Fork::SCHEDULED) {
        *slot = if fork <= last {
            Some(0)
        } else {
            next.filter(|(f, _)| *f == fork)
                .map(|(_, after)| t0 + after)
        };
    }
    t
}

/// Fork schedule of a scenario: every fork at genesis, none, or staggered over the chain.
fn fork_times(rng: &mut Rng, t0: u64, span: u64, jovian: bool) -> [Option<u64>; 9] {
    let mode = rng.below(3);
    let mut t = [None; 9];
    let count = if jovian { 9 } else { 8 };
    for (i, slot) in t.iter_mut().enumerate().take(count) {
        *slot = match mode {
            0 => Some(0),
            1 => Some(t0 + span * (i as u64 + 1) / (count as u64 + 2)),
            _ => Some(t0 + rng.below(span)),
        };
    }
    // Keep the order of forks.
    for i in 1..count {
        if t[i] < t[i - 1] {
            t[i] = t[i - 1];
        }
    }
    // Fjord must come a block after Ecotone when not at genesis.
    if t[4].is_some() && t[4] == t[3] && t[3] != Some(0) {
        t[4] = t[3].map(|x| x + 2);
        for i in 5..count {
            if t[i] < t[4] {
                t[i] = t[4];
            }
        }
    }
    t
}

/// The rollup config and the L1 headers of a scenario (L1 blocks 1000 to 1000 + `l1_blocks`).
pub(super) fn chain(rng: &mut Rng, opts: &Options, keys: &Keys) -> (RollupConfig, MemL1) {
    let t0 = 1_700_000_000u64;
    let n = opts.l1_blocks;
    let span = n as u64 * 12;
    let f = match opts.forks {
        ForkSchedule::Random => fork_times(rng, t0, span, opts.jovian),
        ForkSchedule::Through(last) => scheduled(t0, last, None),
        ForkSchedule::Then(last, next, after) => scheduled(t0, last, Some((next, after))),
    };
    let mut cfg = RollupConfig {
        block_time: 2,
        max_sequencer_drift: 600,
        seq_window_size: 0,
        channel_timeout: 6 + rng.below(6),
        granite_channel_timeout: 4 + rng.below(3),
        l1_chain_id: 900,
        l2_chain_id: 901,
        batch_inbox_address: INBOX,
        deposit_contract_address: PORTAL,
        l1_system_config_address: SYSTEM_CONFIG,
        regolith_time: f[0],
        canyon_time: f[1],
        delta_time: f[2],
        ecotone_time: f[3],
        fjord_time: f[4],
        granite_time: f[5],
        holocene_time: f[6],
        isthmus_time: f[7],
        jovian_time: f[8],
        eip1559_elasticity: 6,
        eip1559_denominator: 50,
        eip1559_denominator_canyon: 250,
        ..Default::default()
    };
    // The window outlasts the longest channel timeout, so a timed-out channel can be followed by
    // the real one in time.
    cfg.seq_window_size = cfg.channel_timeout.max(cfg.granite_channel_timeout) + 4 + rng.below(6);
    // Some chains have a short drift and missed L1 slots, so blocks outrun their origin.
    let gaps = opts.l1_gaps || (opts.adversarial && rng.chance(35));
    if gaps {
        cfg.max_sequencer_drift = 20 + rng.below(20);
    }
    // L1 headers first: their hashes are what batches refer to.
    let mut l1 = MemL1::default();
    let mut parent = rng.b256();
    let mut l1_time = t0;
    for i in 0..=n {
        if i > 0 {
            l1_time += if gaps && rng.chance(12) {
                12 * (2 + rng.below(4))
            } else {
                12
            };
        }
        let h = Header {
            parent_hash: parent,
            number: 1000 + i as u64,
            timestamp: l1_time,
            base_fee_per_gas: Some(1_000_000_000 + rng.below(1_000_000)),
            mix_hash: rng.b256(),
            withdrawals_root: Some(rng.b256()),
            excess_blob_gas: Some(rng.below(1 << 26)),
            blob_gas_used: Some(0),
            parent_beacon_block_root: Some(rng.b256()),
            requests_hash: rng.chance(50).then(|| rng.b256()),
            transactions_root: rng.b256(),
            ..Default::default()
        };
        parent = h.hash_slow();
        l1.hashes.push(parent);
        l1.headers.push(h);
        l1.txs.push(vec![]);
        l1.receipts.push(vec![]);
    }
    let batcher = encode::key_address(&keys.batcher);
    cfg.genesis = Genesis {
        l1: l1.block_ref(0).id(),
        l2: BlockId {
            hash: rng.b256(),
            number: 0,
        },
        l2_time: t0,
        system_config: SystemConfig {
            batcher_address: batcher,
            scalar: U256::from(684_000u64),
            overhead: U256::from(188u64),
            gas_limit: 30_000_000,
            ..Default::default()
        },
    };
    (cfg, l1)
}

/// The L1 block (index from genesis) where the batcher changes, if it does.
pub(super) fn batcher_change(
    rng: &mut Rng,
    cfg: &RollupConfig,
    l1: &MemL1,
    opts: &Options,
) -> Option<usize> {
    let n = opts.l1_blocks;
    // A batcher change at L1 block `batcher_change` (its own batcher transactions already come
    // from the new key). kona 0.4.5 resets its traversal's system config to the L2 safe head's at
    // Holocene's activation (holocene/derivation.md, "Activation", discards only frames, channels
    // and batches), so the differential keeps a change out of the window before that block.
    let holocene_l1 = (0..=n).find(|i| cfg.is_active(Fork::Holocene, l1.headers[*i].timestamp));
    (opts.adversarial && rng.chance(25))
        .then(|| 5 + rng.below(n as u64 / 2) as usize)
        .filter(|k| {
            !opts.kona_safe
                || holocene_l1.is_none_or(|h| {
                    *k > h
                        || *k + cfg.seq_window_size as usize + cfg.channel_timeout as usize + 2 < h
                })
        })
}

/// The receipts of the L1 blocks after genesis: deposits, config updates, failed transactions'
/// logs (which never count) and the batcher change.
pub(super) fn events(
    rng: &mut Rng,
    cfg: &RollupConfig,
    opts: &Options,
    l1: &mut MemL1,
    batcher_change: Option<usize>,
    keys: &Keys,
    features: &mut Vec<&'static str>,
) -> Vec<ExpectedDrop> {
    let mut expected = Vec::new();
    let n = l1.headers.len() - 1;
    // Deposits and config updates (the receipts of L1 blocks after genesis).
    for i in 1..=n {
        if batcher_change == Some(i) {
            let addr = B256::left_padding_from(encode::key_address(&keys.new_batcher).as_slice());
            l1.receipts[i].push(receipt(vec![config_log(0, addr.as_slice())], true));
            features.push("batcher change");
        }
        let mut logs = Vec::new();
        for _ in 0..rng.below(3) {
            let from = B256::left_padding_from(&rng.bytes(20));
            let to = B256::left_padding_from(&rng.bytes(20));
            let data = encode_deposit_log_data(
                rng.below(1 << 40) as u128,
                U256::from(rng.below(1000)),
                21_000 + rng.below(100_000),
                rng.chance(20),
                &{
                    let l = rng.below(80) as usize;
                    rng.bytes(l)
                },
            );
            logs.push(Log {
                address: PORTAL,
                data: LogData::new_unchecked(
                    vec![DEPOSIT_EVENT_TOPIC, from, to, B256::ZERO],
                    data.into(),
                ),
            });
            features.push("deposit");
        }
        let ecotone = cfg.is_active(Fork::Ecotone, l1.headers[i].timestamp);
        if rng.chance(15) {
            let kind = rng.below(4);
            let log = match kind {
                0 => config_log(2, &word(U256::from(20_000_000 + rng.below(20_000_000)))),
                1 => {
                    let scalar = if ecotone {
                        (U256::from(1u8) << 248)
                            | (U256::from(rng.below(1 << 20)) << 32)
                            | U256::from(rng.below(1 << 20))
                    } else {
                        U256::from(rng.below(1 << 20))
                    };
                    let mut p = word(U256::from(rng.below(1000))).to_vec();
                    p.extend_from_slice(&word(scalar));
                    config_log(1, &p)
                }
                2 => config_log(
                    4,
                    &word((U256::from(1 + rng.below(300)) << 32) | U256::from(1 + rng.below(10))),
                ),
                _ => config_log(
                    5,
                    &word((U256::from(rng.below(1 << 20)) << 64) | U256::from(rng.below(1 << 30))),
                ),
            };
            logs.push(log);
            features.push("config update");
        }
        // A failed transaction's logs never count.
        if rng.chance(10) {
            l1.receipts[i].push(receipt(vec![config_log(2, &word(U256::from(1u64)))], false));
        }
        // An update that cannot be parsed is skipped (system-config.md, "System Config
        // Updates"); kona-derive 0.4.5 stops derivation on one instead: not in the
        // differential.
        if opts.adversarial && !opts.kona_safe && rng.chance(8) {
            let (log, why) = malformed_update(cfg, rng, l1.headers[i].timestamp);
            logs.push(log);
            expected.push(ExpectedDrop {
                reason: DropReason::ConfigUpdate(why),
                l1_block: l1.headers[i].number,
                by_timestamp: None,
            });
            features.push("malformed config update");
        }
        l1.receipts[i].push(receipt(logs, true));
    }
    expected
}

/// A `ConfigUpdate` log of the SystemConfig contract that cannot be parsed, and why.
fn malformed_update(cfg: &RollupConfig, rng: &mut Rng, l1_time: u64) -> (Log, UpdateError) {
    let ecotone = cfg.is_active(Fork::Ecotone, l1_time);
    match rng.below(if ecotone { 6 } else { 5 }) {
        // A batcher hash whose padding is not zero.
        0 => (config_log(0, &[0xff; 32]), UpdateError::Value),
        // A gas limit past u64.
        1 => (config_log(2, &[0x01; 32]), UpdateError::Value),
        // An unknown update type.
        2 => (config_log(9, &[0; 32]), UpdateError::UnknownType),
        // Data one byte short.
        3 => {
            let mut log = config_log(2, &word(U256::from(30_000_000u64)));
            let mut data = log.data.data.to_vec();
            data.pop();
            log.data = LogData::new_unchecked(log.data.topics().to_vec(), data.into());
            (log, UpdateError::Data)
        }
        // Version 1.
        4 => {
            let mut log = config_log(2, &word(U256::from(30_000_000u64)));
            let mut topics = log.data.topics().to_vec();
            topics[1] = B256::with_last_byte(1);
            log.data = LogData::new_unchecked(topics, log.data.data.clone());
            (log, UpdateError::Version)
        }
        // From Ecotone on, a scalar of version 2.
        _ => {
            let mut fee = [0u8; 64];
            fee[32] = 2;
            (config_log(1, &fee), UpdateError::EcotoneScalar)
        }
    }
}
