//! The L1 attributes deposit: the first transaction of every L2 block, in the format of the fork
//! active at the block (deposits.md; ecotone, isthmus and jovian `l1-attributes.md`).

use crate::config::{Fork, RollupConfig};
use crate::deposits::{encode_deposit, indexed_source_hash, SourceDomain};
use crate::error::DeriveError;
use crate::system_config::SystemConfig;
use alloc::format;
use alloc::vec::Vec;
use alloy_consensus::Header;
use alloy_primitives::{address, Address, Bytes, TxKind, B256, U256};
use op_alloy_consensus::TxDeposit;

/// The L1 attributes depositor account.
pub const L1_INFO_DEPOSITOR: Address = address!("deaddeaddeaddeaddeaddeaddeaddeaddead0001");
/// The L1Block predeploy.
pub const L1_BLOCK_PREDEPLOY: Address = address!("4200000000000000000000000000000000000015");
/// `setL1BlockValues(uint64,uint64,uint256,bytes32,uint64,bytes32,uint256,uint256)`.
pub const SELECTOR_BEDROCK: [u8; 4] = [0x01, 0x5d, 0x8e, 0xb9];
/// `setL1BlockValuesEcotone()`.
pub const SELECTOR_ECOTONE: [u8; 4] = [0x44, 0x0a, 0x5e, 0x20];
/// `setL1BlockValuesIsthmus()`.
pub const SELECTOR_ISTHMUS: [u8; 4] = [0x09, 0x89, 0x99, 0xbe];
/// `setL1BlockValuesJovian()`.
pub const SELECTOR_JOVIAN: [u8; 4] = [0x3d, 0xb6, 0xbe, 0x2b];
/// The DA footprint gas scalar used when the system config holds 0.
pub const DEFAULT_DA_FOOTPRINT_GAS_SCALAR: u16 = 400;

/// Which calldata layout an L1 attributes deposit uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum L1InfoFormat {
    /// ABI-encoded `setL1BlockValues` (Bedrock to the Ecotone activation block).
    Bedrock,
    /// Packed `setL1BlockValuesEcotone` (164 bytes).
    Ecotone,
    /// Packed `setL1BlockValuesIsthmus` (176 bytes).
    Isthmus,
    /// Packed `setL1BlockValuesJovian` (178 bytes).
    Jovian,
}

impl L1InfoFormat {
    /// The format of the L2 block at `timestamp`: a fork's activation block still uses the
    /// previous format, since the L1Block contract is upgraded later in that block.
    pub fn at(cfg: &RollupConfig, timestamp: u64) -> Self {
        let settled = |f| cfg.is_active(f, timestamp) && !cfg.is_activation_block(f, timestamp);
        if settled(Fork::Jovian) {
            L1InfoFormat::Jovian
        } else if settled(Fork::Isthmus) {
            L1InfoFormat::Isthmus
        } else if settled(Fork::Ecotone) {
            L1InfoFormat::Ecotone
        } else {
            L1InfoFormat::Bedrock
        }
    }
}

/// The L1 blob base fee of a header: `fake_exponential(1, excess_blob_gas, fraction)`, or 1 for
/// a header from before blobs.
pub fn blob_base_fee(cfg: &RollupConfig, header: &Header) -> u128 {
    match header.excess_blob_gas {
        Some(excess) => {
            let fraction =
                cfg.blob_update_fraction(header.timestamp, header.requests_hash.is_some());
            alloy_eips::eip4844::fake_exponential(1, excess as u128, fraction)
        }
        None => 1,
    }
}

/// The Ecotone scalars of a system config, `(base_fee_scalar, blob_base_fee_scalar)`, as the spec
/// reads the versioned scalar: a version-0 scalar with non-zero padding gives `u32::MAX`.
pub fn ecotone_scalars(sc: &SystemConfig) -> Result<(u32, u32), DeriveError> {
    let s = sc.scalar.to_be_bytes::<32>();
    let low = |i: usize| u32::from_be_bytes([s[i], s[i + 1], s[i + 2], s[i + 3]]);
    match s[0] {
        0 if s[1..28].iter().any(|b| *b != 0) => Ok((u32::MAX, 0)),
        0 => Ok((low(28), 0)),
        1 => Ok((low(28), low(24))),
        v => Err(DeriveError::BadL1(format!(
            "system config scalar has unknown version {v}"
        ))),
    }
}

/// The calldata of the L1 attributes deposit for an L2 block at `l2_time` with L1 origin
/// `header` (its hash `l1_hash`), `sequence_number` in its epoch, under system config `sc`.
pub fn l1_info_calldata(
    cfg: &RollupConfig,
    sc: &SystemConfig,
    header: &Header,
    l1_hash: B256,
    sequence_number: u64,
    l2_time: u64,
) -> Result<Vec<u8>, DeriveError> {
    let base_fee = U256::from(header.base_fee_per_gas.unwrap_or(0));
    let batcher_hash = B256::left_padding_from(sc.batcher_address.as_slice());
    let format = L1InfoFormat::at(cfg, l2_time);
    let mut out = Vec::with_capacity(260);
    if format == L1InfoFormat::Bedrock {
        out.extend_from_slice(&SELECTOR_BEDROCK);
        out.extend_from_slice(&U256::from(header.number).to_be_bytes::<32>());
        out.extend_from_slice(&U256::from(header.timestamp).to_be_bytes::<32>());
        out.extend_from_slice(&base_fee.to_be_bytes::<32>());
        out.extend_from_slice(l1_hash.as_slice());
        out.extend_from_slice(&U256::from(sequence_number).to_be_bytes::<32>());
        out.extend_from_slice(batcher_hash.as_slice());
        out.extend_from_slice(&sc.overhead.to_be_bytes::<32>());
        out.extend_from_slice(&sc.scalar.to_be_bytes::<32>());
        return Ok(out);
    }
    let (base_scalar, blob_scalar) = ecotone_scalars(sc)?;
    out.extend_from_slice(match format {
        L1InfoFormat::Ecotone => &SELECTOR_ECOTONE,
        L1InfoFormat::Isthmus => &SELECTOR_ISTHMUS,
        _ => &SELECTOR_JOVIAN,
    });
    out.extend_from_slice(&base_scalar.to_be_bytes());
    out.extend_from_slice(&blob_scalar.to_be_bytes());
    out.extend_from_slice(&sequence_number.to_be_bytes());
    out.extend_from_slice(&header.timestamp.to_be_bytes());
    out.extend_from_slice(&header.number.to_be_bytes());
    out.extend_from_slice(&base_fee.to_be_bytes::<32>());
    out.extend_from_slice(&U256::from(blob_base_fee(cfg, header)).to_be_bytes::<32>());
    out.extend_from_slice(l1_hash.as_slice());
    out.extend_from_slice(batcher_hash.as_slice());
    if matches!(format, L1InfoFormat::Isthmus | L1InfoFormat::Jovian) {
        out.extend_from_slice(&sc.operator_fee_scalar.to_be_bytes());
        out.extend_from_slice(&sc.operator_fee_constant.to_be_bytes());
    }
    if format == L1InfoFormat::Jovian {
        let da = match sc.da_footprint_gas_scalar {
            0 => DEFAULT_DA_FOOTPRINT_GAS_SCALAR,
            v => v,
        };
        out.extend_from_slice(&da.to_be_bytes());
    }
    Ok(out)
}

/// The L1 attributes deposit transaction, EIP-2718 encoded.
pub fn l1_info_deposit(
    cfg: &RollupConfig,
    sc: &SystemConfig,
    header: &Header,
    l1_hash: B256,
    sequence_number: u64,
    l2_time: u64,
) -> Result<Bytes, DeriveError> {
    let regolith = cfg.is_active(Fork::Regolith, l2_time);
    let tx = TxDeposit {
        source_hash: indexed_source_hash(SourceDomain::L1Info, l1_hash, sequence_number),
        from: L1_INFO_DEPOSITOR,
        to: TxKind::Call(L1_BLOCK_PREDEPLOY),
        mint: 0,
        value: U256::ZERO,
        gas_limit: if regolith { 1_000_000 } else { 150_000_000 },
        is_system_transaction: !regolith,
        input: l1_info_calldata(cfg, sc, header, l1_hash, sequence_number, l2_time)?.into(),
    };
    Ok(encode_deposit(&tx))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::keccak256;

    #[test]
    fn selectors_are_the_functions() {
        let sel = |s: &str| {
            let h = keccak256(s.as_bytes());
            [h[0], h[1], h[2], h[3]]
        };
        assert_eq!(
            sel("setL1BlockValues(uint64,uint64,uint256,bytes32,uint64,bytes32,uint256,uint256)"),
            SELECTOR_BEDROCK
        );
        assert_eq!(sel("setL1BlockValuesEcotone()"), SELECTOR_ECOTONE);
        assert_eq!(sel("setL1BlockValuesIsthmus()"), SELECTOR_ISTHMUS);
        assert_eq!(sel("setL1BlockValuesJovian()"), SELECTOR_JOVIAN);
    }

    #[test]
    fn formats_follow_forks_and_lengths_match_the_spec() {
        let cfg = RollupConfig {
            block_time: 2,
            ecotone_time: Some(10),
            isthmus_time: Some(20),
            jovian_time: Some(30),
            ..Default::default()
        };
        let header = Header {
            number: 7,
            timestamp: 5,
            excess_blob_gas: Some(0),
            ..Default::default()
        };
        let sc = SystemConfig {
            da_footprint_gas_scalar: 0,
            ..Default::default()
        };
        let len = |t| {
            l1_info_calldata(&cfg, &sc, &header, B256::ZERO, 1, t)
                .unwrap()
                .len()
        };
        assert_eq!((len(8), len(10), len(12)), (260, 260, 164));
        assert_eq!((len(20), len(22)), (164, 176));
        assert_eq!((len(30), len(32)), (176, 178));
        let jovian = l1_info_calldata(&cfg, &sc, &header, B256::ZERO, 1, 32).unwrap();
        assert_eq!(
            &jovian[176..],
            &400u16.to_be_bytes(),
            "0 means the default scalar"
        );
    }

    #[test]
    fn scalars_follow_the_versioned_encoding() {
        let mut sc = SystemConfig {
            scalar: U256::from(0xa6fe0u64),
            ..Default::default()
        };
        assert_eq!(ecotone_scalars(&sc).unwrap(), (0xa6fe0, 0));
        sc.scalar = U256::from(1u64) << 40;
        assert_eq!(ecotone_scalars(&sc).unwrap(), (u32::MAX, 0));
        sc.scalar = (U256::from(1u64) << 248) | (U256::from(3u64) << 32) | U256::from(4u64);
        assert_eq!(ecotone_scalars(&sc).unwrap(), (4, 3));
        sc.scalar = U256::from(2u64) << 248;
        assert!(ecotone_scalars(&sc).is_err());
    }

    #[test]
    fn blob_base_fee_uses_the_fraction() {
        let cfg = RollupConfig::default();
        let mut h = Header {
            excess_blob_gas: Some(0x5080000),
            ..Default::default()
        };
        let cancun = blob_base_fee(&cfg, &h);
        h.requests_hash = Some(B256::ZERO);
        let prague = blob_base_fee(&cfg, &h);
        assert!(cancun > prague && prague > 1);
        h.excess_blob_gas = None;
        assert_eq!(blob_base_fee(&cfg, &h), 1);
    }
}

/// The fields of an L1 attributes deposit's calldata, as an L2 node reads them back.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct L1InfoFields {
    /// The L1 origin number.
    pub number: u64,
    /// The L1 origin time.
    pub timestamp: u64,
    /// The L1 origin hash.
    pub hash: B256,
    /// The L2 block's sequence number.
    pub sequence_number: u64,
    /// The batcher address.
    pub batcher: Address,
    /// Bedrock overhead.
    pub overhead: U256,
    /// The scalar (Bedrock), or the versioned scalar rebuilt from the Ecotone scalars.
    pub scalar: U256,
    /// Operator fee scalar (Isthmus).
    pub operator_fee_scalar: u32,
    /// Operator fee constant (Isthmus).
    pub operator_fee_constant: u64,
    /// DA footprint gas scalar (Jovian).
    pub da_footprint_gas_scalar: u16,
}

/// Reads L1 attributes calldata back (any format); `None` if it is none of them.
pub fn decode_l1_info(data: &[u8]) -> Option<L1InfoFields> {
    let word = |i: usize| -> Option<&[u8]> { data.get(4 + i * 32..4 + (i + 1) * 32) };
    let u64_at = |o: usize| -> Option<u64> {
        Some(u64::from_be_bytes(data.get(o..o + 8)?.try_into().ok()?))
    };
    let u32_at = |o: usize| -> Option<u32> {
        Some(u32::from_be_bytes(data.get(o..o + 4)?.try_into().ok()?))
    };
    let selector: [u8; 4] = data.get(..4)?.try_into().ok()?;
    if selector == SELECTOR_BEDROCK && data.len() == 260 {
        let w = |i| word(i).map(U256::from_be_slice);
        return Some(L1InfoFields {
            number: w(0)?.to(),
            timestamp: w(1)?.to(),
            hash: B256::from_slice(word(3)?),
            sequence_number: w(4)?.to(),
            batcher: Address::from_slice(&word(5)?[12..]),
            overhead: w(6)?,
            scalar: w(7)?,
            ..Default::default()
        });
    }
    let expected = match selector {
        SELECTOR_ECOTONE => 164,
        SELECTOR_ISTHMUS => 176,
        SELECTOR_JOVIAN => 178,
        _ => return None,
    };
    if data.len() != expected {
        return None;
    }
    let (base, blob) = (u32_at(4)?, u32_at(8)?);
    let scalar = (U256::from(1u8) << 248) | (U256::from(blob) << 32) | U256::from(base);
    let mut f = L1InfoFields {
        sequence_number: u64_at(12)?,
        timestamp: u64_at(20)?,
        number: u64_at(28)?,
        hash: B256::from_slice(data.get(100..132)?),
        batcher: Address::from_slice(data.get(144..164)?),
        scalar,
        ..Default::default()
    };
    if expected >= 176 {
        f.operator_fee_scalar = u32_at(164)?;
        f.operator_fee_constant = u64_at(168)?;
    }
    if expected == 178 {
        f.da_footprint_gas_scalar = u16::from_be_bytes(data.get(176..178)?.try_into().ok()?);
    }
    Some(f)
}
