//! The system config and its updates: the `ConfigUpdate(uint256 version, uint8 updateType, bytes
//! data)` logs of the L1 SystemConfig contract. An update that cannot be parsed is skipped
//! ("If a System Config Update cannot be parsed for any reason, it is not applied and is instead
//! skipped", system-config.md, "System Config Updates"), and the reason is returned so the
//! traversal stage can record it. (A `TransactionDeposited` log of the portal that cannot be
//! decoded is not skipped: deposits must be included, see [`crate::deposits`].)

use crate::config::{Fork, RollupConfig};
use alloc::vec::Vec;
use alloy_consensus::{Eip658Value, ReceiptEnvelope, TxReceipt};
use alloy_primitives::{b256, Address, Log, B256, U256};
use core::fmt;

/// `keccak256("ConfigUpdate(uint256,uint8,bytes)")`.
pub const CONFIG_UPDATE_TOPIC: B256 =
    b256!("1d2b0bda21d56b8bd12d4f94ebacffdfb35f5e226f84b461103bb8beab6353be");

/// The L1 system config as derivation uses it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SystemConfig {
    /// The batcher address (version-0 batcher hash).
    pub batcher_address: Address,
    /// The L1 fee overhead (pre-Ecotone; zeroed by Ecotone updates).
    pub overhead: U256,
    /// The L1 fee scalar (versioned encoding from Ecotone on).
    pub scalar: U256,
    /// The L2 block gas limit.
    pub gas_limit: u64,
    /// EIP-1559 denominator (Holocene; 0 until set).
    pub eip1559_denominator: u32,
    /// EIP-1559 elasticity (Holocene; 0 until set).
    pub eip1559_elasticity: u32,
    /// Operator fee scalar (Isthmus).
    pub operator_fee_scalar: u32,
    /// Operator fee constant (Isthmus).
    pub operator_fee_constant: u64,
    /// Minimum base fee in wei (Jovian).
    pub min_base_fee: u64,
    /// DA footprint gas scalar (Jovian; 0 means the default).
    pub da_footprint_gas_scalar: u16,
}

/// The kinds of `ConfigUpdate` (version 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateType {
    /// 0: the batcher hash.
    Batcher,
    /// 1: overhead and scalar.
    FeeScalars,
    /// 2: the gas limit.
    GasLimit,
    /// 3: the unsafe block signer (no effect on derivation).
    UnsafeBlockSigner,
    /// 4: EIP-1559 denominator and elasticity.
    Eip1559Params,
    /// 5: operator fee scalar and constant.
    OperatorFeeParams,
    /// 6: the minimum base fee.
    MinBaseFee,
    /// 7: the DA footprint gas scalar.
    DaFootprintGasScalar,
}

impl UpdateType {
    fn from_topic(topic: &B256) -> Option<Self> {
        if topic.0[..31].iter().any(|b| *b != 0) {
            return None;
        }
        Some(match topic.0[31] {
            0 => UpdateType::Batcher,
            1 => UpdateType::FeeScalars,
            2 => UpdateType::GasLimit,
            3 => UpdateType::UnsafeBlockSigner,
            4 => UpdateType::Eip1559Params,
            5 => UpdateType::OperatorFeeParams,
            6 => UpdateType::MinBaseFee,
            7 => UpdateType::DaFootprintGasScalar,
            _ => return None,
        })
    }
}

/// Why a `ConfigUpdate` log was skipped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UpdateError {
    /// Not three topics (signature, version, update type).
    Topics(usize),
    /// A version other than 0.
    Version,
    /// An update type version 0 does not have.
    UnknownType,
    /// The data is not the ABI encoding of a `bytes` of the type's size.
    Data,
    /// A value that does not fit its type (non-zero high bytes).
    Value,
    /// From Ecotone on, a scalar that is not a valid versioned scalar.
    EcotoneScalar,
}

impl fmt::Display for UpdateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UpdateError::Topics(n) => write!(f, "{n} topics, expected 3"),
            UpdateError::Version => write!(f, "unsupported version"),
            UpdateError::UnknownType => write!(f, "unknown update type"),
            UpdateError::Data => write!(f, "data is not the ABI encoding of its bytes"),
            UpdateError::Value => write!(f, "a value does not fit its type"),
            UpdateError::EcotoneScalar => write!(f, "invalid Ecotone scalar encoding"),
        }
    }
}

/// Reads word `i` of ABI data.
fn word(data: &[u8], i: usize) -> Option<[u8; 32]> {
    data.get(i * 32..(i + 1) * 32)?.try_into().ok()
}

/// A word holding an unsigned integer of `bytes` bytes: its upper bytes must be zero.
fn uint_word(w: &[u8; 32], bytes: usize) -> Option<U256> {
    w[..32 - bytes]
        .iter()
        .all(|b| *b == 0)
        .then(|| U256::from_be_bytes(*w))
}

/// The ABI-encoded `bytes` payload of an update: pointer 32, then its length, then `len` bytes as
/// whole words, nothing else.
fn payload(data: &[u8], len: usize) -> Result<&[u8], UpdateError> {
    if data.len() != 64 + len {
        return Err(UpdateError::Data);
    }
    let pointer = word(data, 0).and_then(|w| uint_word(&w, 8));
    let length = word(data, 1).and_then(|w| uint_word(&w, 8));
    if pointer != Some(U256::from(32)) || length != Some(U256::from(len)) {
        return Err(UpdateError::Data);
    }
    Ok(&data[64..])
}

fn u64_of(w: &[u8; 32], bytes: usize) -> Result<u64, UpdateError> {
    uint_word(w, bytes)
        .map(|v| v.to::<u64>())
        .ok_or(UpdateError::Value)
}

/// Whether a scalar is a valid Ecotone versioned scalar (system-config.md, "Post-Ecotone Scalar
/// Encoding"): version 0 with bytes 1..28 zero, or version 1 with bytes 1..24 zero.
pub fn is_valid_ecotone_scalar(scalar: &[u8; 32]) -> bool {
    match scalar[0] {
        0 => scalar[1..28].iter().all(|b| *b == 0),
        1 => scalar[1..24].iter().all(|b| *b == 0),
        _ => false,
    }
}

impl SystemConfig {
    /// The Ecotone fee scalars `(base_fee_scalar, blob_base_fee_scalar)` of the versioned scalar.
    pub fn ecotone_scalars(&self) -> (u32, u32) {
        let s = self.scalar.to_be_bytes::<32>();
        let base = u32::from_be_bytes([s[28], s[29], s[30], s[31]]);
        let blob = if s[0] == 1 {
            u32::from_be_bytes([s[24], s[25], s[26], s[27]])
        } else {
            0
        };
        (base, blob)
    }

    /// Applies one `ConfigUpdate` log emitted in an L1 block with time `l1_time`. An error names
    /// why the log is skipped; the config is then unchanged.
    pub fn apply_log(
        &mut self,
        cfg: &RollupConfig,
        log: &Log,
        l1_time: u64,
    ) -> Result<(), UpdateError> {
        let topics = log.topics();
        if topics.len() != 3 {
            return Err(UpdateError::Topics(topics.len()));
        }
        if topics[1] != B256::ZERO {
            return Err(UpdateError::Version);
        }
        let kind = UpdateType::from_topic(&topics[2]).ok_or(UpdateError::UnknownType)?;
        let data = log.data.data.as_ref();
        if kind == UpdateType::FeeScalars {
            let p = payload(data, 64)?;
            let overhead = word(p, 0).ok_or(UpdateError::Data)?;
            let scalar = word(p, 1).ok_or(UpdateError::Data)?;
            if cfg.is_active(Fork::Ecotone, l1_time) {
                if !is_valid_ecotone_scalar(&scalar) {
                    return Err(UpdateError::EcotoneScalar);
                }
                self.overhead = U256::ZERO;
            } else {
                self.overhead = U256::from_be_bytes(overhead);
            }
            self.scalar = U256::from_be_bytes(scalar);
            return Ok(());
        }
        let w = word(payload(data, 32)?, 0).ok_or(UpdateError::Data)?;
        match kind {
            UpdateType::Batcher => {
                uint_word(&w, 20).ok_or(UpdateError::Value)?;
                self.batcher_address = Address::from_slice(&w[12..]);
            }
            UpdateType::GasLimit => self.gas_limit = u64_of(&w, 8)?,
            UpdateType::UnsafeBlockSigner => {
                uint_word(&w, 20).ok_or(UpdateError::Value)?;
            }
            UpdateType::Eip1559Params => {
                let v = u64_of(&w, 8)?;
                self.eip1559_denominator = (v >> 32) as u32;
                self.eip1559_elasticity = v as u32;
            }
            UpdateType::OperatorFeeParams => {
                self.operator_fee_scalar = u32::from_be_bytes([w[20], w[21], w[22], w[23]]);
                let mut c = [0u8; 8];
                c.copy_from_slice(&w[24..]);
                self.operator_fee_constant = u64::from_be_bytes(c);
            }
            UpdateType::MinBaseFee => self.min_base_fee = u64_of(&w, 8)?,
            UpdateType::DaFootprintGasScalar => {
                self.da_footprint_gas_scalar = u64_of(&w, 2)? as u16
            }
            UpdateType::FeeScalars => {}
        }
        Ok(())
    }

    /// Applies every `ConfigUpdate` log of the SystemConfig contract in a block's receipts
    /// (successful transactions only), skipping those that cannot be parsed; returns why each
    /// skipped one was.
    pub fn update_from_receipts(
        &mut self,
        cfg: &RollupConfig,
        receipts: &[ReceiptEnvelope],
        l1_time: u64,
    ) -> Vec<UpdateError> {
        let mut skipped = Vec::new();
        for receipt in receipts {
            if receipt.status_or_post_state() == Eip658Value::Eip658(false) {
                continue;
            }
            for log in receipt.logs() {
                if log.address != cfg.l1_system_config_address
                    || log.topics().first() != Some(&CONFIG_UPDATE_TOPIC)
                {
                    continue;
                }
                if let Err(why) = self.apply_log(cfg, log, l1_time) {
                    skipped.push(why);
                }
            }
        }
        skipped
    }
}

/// Builds the data of a `ConfigUpdate` log (the ABI encoding of `bytes`), for the encoder and
/// tests.
pub fn encode_update_data(payload: &[u8]) -> alloc::vec::Vec<u8> {
    let mut out = alloc::vec![0u8; 64];
    out[31] = 32;
    out[56..64].copy_from_slice(&(payload.len() as u64).to_be_bytes());
    out.extend_from_slice(payload);
    out.resize(64 + payload.len().div_ceil(32) * 32, 0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{keccak256, LogData};

    fn log(kind: u8, data: alloc::vec::Vec<u8>) -> Log {
        let mut t = [0u8; 32];
        t[31] = kind;
        Log {
            address: Address::ZERO,
            data: LogData::new_unchecked(
                alloc::vec![CONFIG_UPDATE_TOPIC, B256::ZERO, B256::from(t)],
                data.into(),
            ),
        }
    }

    fn word_of(v: U256) -> [u8; 32] {
        v.to_be_bytes()
    }

    #[test]
    fn topic_is_the_event_signature() {
        assert_eq!(
            keccak256("ConfigUpdate(uint256,uint8,bytes)"),
            CONFIG_UPDATE_TOPIC
        );
    }

    #[test]
    fn every_update_type_applies() {
        let cfg = RollupConfig {
            ecotone_time: Some(100),
            ..Default::default()
        };
        let mut sc = SystemConfig::default();
        let batcher = Address::repeat_byte(0xab);
        let mut w = [0u8; 32];
        w[12..].copy_from_slice(batcher.as_slice());
        sc.apply_log(&cfg, &log(0, encode_update_data(&w)), 0)
            .unwrap();
        assert_eq!(sc.batcher_address, batcher);

        let mut fee = word_of(U256::from(7)).to_vec();
        fee.extend_from_slice(&word_of(U256::from(9)));
        sc.apply_log(&cfg, &log(1, encode_update_data(&fee)), 0)
            .unwrap();
        assert_eq!((sc.overhead, sc.scalar), (U256::from(7), U256::from(9)));
        // After Ecotone the overhead is zeroed and the scalar must be versioned.
        let mut v1 = [0u8; 32];
        v1[0] = 1;
        v1[27] = 5;
        v1[31] = 6;
        let mut fee = word_of(U256::from(7)).to_vec();
        fee.extend_from_slice(&v1);
        sc.apply_log(&cfg, &log(1, encode_update_data(&fee)), 100)
            .unwrap();
        assert_eq!(sc.overhead, U256::ZERO);
        assert_eq!(sc.ecotone_scalars(), (6, 5));
        let mut bad = v1;
        bad[0] = 2;
        let mut fee = word_of(U256::ZERO).to_vec();
        fee.extend_from_slice(&bad);
        assert!(sc
            .apply_log(&cfg, &log(1, encode_update_data(&fee)), 100)
            .is_err());
        assert_eq!(
            sc.ecotone_scalars(),
            (6, 5),
            "a bad scalar leaves the config unchanged"
        );

        sc.apply_log(
            &cfg,
            &log(2, encode_update_data(&word_of(U256::from(30_000_000)))),
            0,
        )
        .unwrap();
        assert_eq!(sc.gas_limit, 30_000_000);
        sc.apply_log(&cfg, &log(3, encode_update_data(&w)), 0)
            .unwrap();
        let p = (U256::from(250u64) << 32) | U256::from(6u64);
        sc.apply_log(&cfg, &log(4, encode_update_data(&word_of(p))), 0)
            .unwrap();
        assert_eq!((sc.eip1559_denominator, sc.eip1559_elasticity), (250, 6));
        let op = (U256::from(11u64) << 64) | U256::from(12u64);
        sc.apply_log(&cfg, &log(5, encode_update_data(&word_of(op))), 0)
            .unwrap();
        assert_eq!((sc.operator_fee_scalar, sc.operator_fee_constant), (11, 12));
        sc.apply_log(
            &cfg,
            &log(6, encode_update_data(&word_of(U256::from(1000)))),
            0,
        )
        .unwrap();
        assert_eq!(sc.min_base_fee, 1000);
        sc.apply_log(
            &cfg,
            &log(7, encode_update_data(&word_of(U256::from(400)))),
            0,
        )
        .unwrap();
        assert_eq!(sc.da_footprint_gas_scalar, 400);
    }

    #[test]
    fn malformed_updates_are_skipped() {
        let cfg = RollupConfig {
            ecotone_time: Some(0),
            ..Default::default()
        };
        let mut sc = SystemConfig::default();
        let before = sc;
        // Gas limit larger than u64.
        let big = U256::from(u64::MAX) + U256::from(1);
        assert_eq!(
            sc.apply_log(&cfg, &log(2, encode_update_data(&word_of(big))), 0),
            Err(UpdateError::Value)
        );
        // Wrong length, wrong pointer, unknown type, bad version.
        assert_eq!(
            sc.apply_log(&cfg, &log(2, alloc::vec![0u8; 95]), 0),
            Err(UpdateError::Data)
        );
        let mut d = encode_update_data(&word_of(U256::from(1)));
        d[31] = 64;
        assert_eq!(sc.apply_log(&cfg, &log(2, d), 0), Err(UpdateError::Data));
        assert_eq!(
            sc.apply_log(&cfg, &log(8, encode_update_data(&[0u8; 32])), 0),
            Err(UpdateError::UnknownType)
        );
        let mut l = log(2, encode_update_data(&word_of(U256::from(1))));
        let mut topics = l.data.topics().to_vec();
        topics[1] = B256::with_last_byte(1);
        l.data = LogData::new_unchecked(topics.clone(), l.data.data.clone());
        assert_eq!(sc.apply_log(&cfg, &l, 0), Err(UpdateError::Version));
        topics.pop();
        l.data = LogData::new_unchecked(topics, l.data.data.clone());
        assert_eq!(sc.apply_log(&cfg, &l, 0), Err(UpdateError::Topics(2)));
        // Batcher address with dirty padding.
        assert_eq!(
            sc.apply_log(&cfg, &log(0, encode_update_data(&[0xffu8; 32])), 0),
            Err(UpdateError::Value)
        );
        // An Ecotone scalar of version 2.
        let mut fee = [0u8; 64];
        fee[32] = 2;
        assert_eq!(
            sc.apply_log(&cfg, &log(1, encode_update_data(&fee)), 0),
            Err(UpdateError::EcotoneScalar)
        );
        assert_eq!(sc, before);
    }
}
