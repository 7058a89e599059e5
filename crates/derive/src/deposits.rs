//! Deposit transactions: source hashes, the portal's `TransactionDeposited` logs and their
//! encoding as type-0x7e transactions (deposits.md).
//!
//! A `TransactionDeposited` log of the portal that cannot be decoded stops derivation with
//! [`DeriveError::BadDeposit`] (an error, never a panic). Deposits "must be included as part of
//! the protocol" (deposits.md), so such a log can be neither included nor left out, and the
//! portal cannot emit one: the L1 data is not what the rollup config says it is. A `ConfigUpdate`
//! log that cannot be parsed is different: system-config.md says to skip it, and the traversal
//! stage records it as skipped (see [`crate::system_config`]).

use crate::error::DeriveError;
use alloc::format;
use alloc::vec::Vec;
use alloy_consensus::{Eip658Value, ReceiptEnvelope, TxReceipt};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{b256, keccak256, Address, Bytes, Log, TxKind, B256, U256};
use op_alloy_consensus::TxDeposit;

/// `keccak256("TransactionDeposited(address,address,uint256,bytes)")`.
pub const DEPOSIT_EVENT_TOPIC: B256 =
    b256!("b3813568d9991fc951961fcb4c784893574240a28925604d09fc577c55bb7c32");

/// The source-hash domain of a deposit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceDomain {
    /// A user deposit: L1 block hash and log index.
    User = 0,
    /// An L1 attributes deposit: L1 block hash and sequence number.
    L1Info = 1,
    /// A network upgrade deposit: the intent string.
    Upgrade = 2,
}

/// `keccak256(bytes32(domain) ++ keccak256(block_hash ++ bytes32(index)))`.
pub fn indexed_source_hash(domain: SourceDomain, block_hash: B256, index: u64) -> B256 {
    let mut inner = [0u8; 64];
    inner[..32].copy_from_slice(block_hash.as_slice());
    inner[56..].copy_from_slice(&index.to_be_bytes());
    domain_hash(domain, keccak256(inner))
}

/// `keccak256(bytes32(2) ++ keccak256(intent))`.
pub fn upgrade_source_hash(intent: &str) -> B256 {
    domain_hash(SourceDomain::Upgrade, keccak256(intent.as_bytes()))
}

fn domain_hash(domain: SourceDomain, inner: B256) -> B256 {
    let mut buf = [0u8; 64];
    buf[31] = domain as u8;
    buf[32..].copy_from_slice(inner.as_slice());
    keccak256(buf)
}

/// The EIP-2718 encoding of a deposit transaction.
pub fn encode_deposit(tx: &TxDeposit) -> Bytes {
    let mut out = Vec::with_capacity(tx.encode_2718_len());
    tx.encode_2718(&mut out);
    out.into()
}

fn address_topic(t: &B256, what: &str) -> Result<Address, DeriveError> {
    if t.0[..12].iter().any(|b| *b != 0) {
        return Err(DeriveError::BadDeposit(format!(
            "{what} topic has non-zero padding"
        )));
    }
    Ok(Address::from_slice(&t.0[12..]))
}

/// Decodes one `TransactionDeposited` log (the `index`-th log of L1 block `block_hash`) into its
/// deposit transaction.
pub fn decode_deposit_log(
    block_hash: B256,
    index: u64,
    log: &Log,
) -> Result<TxDeposit, DeriveError> {
    let bad = |why: &str| DeriveError::BadDeposit(format!("log {index} of {block_hash}: {why}"));
    let topics = log.topics();
    if topics.len() != 4 || topics[0] != DEPOSIT_EVENT_TOPIC {
        return Err(bad("not a TransactionDeposited event"));
    }
    let from = address_topic(&topics[1], "from")?;
    let to = address_topic(&topics[2], "to")?;
    if topics[3] != B256::ZERO {
        return Err(bad("unsupported deposit version"));
    }
    let data = log.data.data.as_ref();
    if data.len() < 64 || data.len() % 32 != 0 {
        return Err(bad("data is not whole ABI words"));
    }
    let offset = U256::from_be_slice(&data[..32]);
    if offset != U256::from(32) {
        return Err(bad("opaque data offset is not 32"));
    }
    let len = U256::from_be_slice(&data[32..64]);
    let room = data.len() - 64;
    if len > U256::from(room) {
        return Err(bad("opaque data longer than the log"));
    }
    let len = len.to::<usize>();
    if room - len >= 32 {
        return Err(bad("opaque data has more than one word of padding"));
    }
    let opaque = &data[64..64 + len];
    if opaque.len() < 73 {
        return Err(bad("opaque data shorter than 73 bytes"));
    }
    if opaque[..16].iter().any(|b| *b != 0) {
        return Err(bad("mint larger than 128 bits"));
    }
    let mut mint = [0u8; 16];
    mint.copy_from_slice(&opaque[16..32]);
    let mut gas = [0u8; 8];
    gas.copy_from_slice(&opaque[64..72]);
    Ok(TxDeposit {
        source_hash: indexed_source_hash(SourceDomain::User, block_hash, index),
        from,
        to: if opaque[72] == 0 {
            TxKind::Call(to)
        } else {
            TxKind::Create
        },
        mint: u128::from_be_bytes(mint),
        value: U256::from_be_slice(&opaque[32..64]),
        gas_limit: u64::from_be_bytes(gas),
        is_system_transaction: false,
        input: Bytes::copy_from_slice(&opaque[73..]),
    })
}

/// The user deposits of an L1 block: every `TransactionDeposited` log of the portal in the
/// receipts of its successful transactions, in log order, EIP-2718 encoded.
pub fn user_deposits(
    block_hash: B256,
    receipts: &[ReceiptEnvelope],
    portal: Address,
) -> Result<Vec<Bytes>, DeriveError> {
    let mut out = Vec::new();
    let mut index = 0u64;
    for receipt in receipts {
        if receipt.status_or_post_state() == Eip658Value::Eip658(false) {
            continue;
        }
        for log in receipt.logs() {
            let this = index;
            index += 1;
            if log.address == portal && log.topics().first() == Some(&DEPOSIT_EVENT_TOPIC) {
                out.push(encode_deposit(&decode_deposit_log(block_hash, this, log)?));
            }
        }
    }
    Ok(out)
}

/// Builds the data of a `TransactionDeposited` log (version 0), for the encoder and tests.
pub fn encode_deposit_log_data(
    mint: u128,
    value: U256,
    gas_limit: u64,
    is_creation: bool,
    data: &[u8],
) -> Vec<u8> {
    let mut opaque = Vec::with_capacity(73 + data.len());
    opaque.extend_from_slice(&U256::from(mint).to_be_bytes::<32>());
    opaque.extend_from_slice(&value.to_be_bytes::<32>());
    opaque.extend_from_slice(&gas_limit.to_be_bytes());
    opaque.push(is_creation as u8);
    opaque.extend_from_slice(data);
    crate::system_config::encode_update_data(&opaque)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{hex, LogData};

    #[test]
    fn event_topic_is_the_signature() {
        assert_eq!(
            keccak256("TransactionDeposited(address,address,uint256,bytes)"),
            DEPOSIT_EVENT_TOPIC
        );
    }

    #[test]
    fn upgrade_source_hashes_match_the_spec() {
        assert_eq!(
            upgrade_source_hash("Ecotone: L1 Block Deployment"),
            b256!("877a6077205782ea15a6dc8699fa5ebcec5e0f4389f09cb8eda09488231346f8")
        );
        assert_eq!(
            upgrade_source_hash("Fjord: Gas Price Oracle Set Fjord"),
            b256!("bac7bb0d5961cad209a345408b0280a0d4686b1b20665e1b0f9cdafd73b19b6b")
        );
    }

    fn deposit_log(data: Vec<u8>, from_topic: B256) -> Log {
        let to = B256::left_padding_from(&[0x42; 20]);
        Log {
            address: Address::ZERO,
            data: LogData::new_unchecked(
                alloc::vec![DEPOSIT_EVENT_TOPIC, from_topic, to, B256::ZERO],
                data.into(),
            ),
        }
    }

    #[test]
    fn deposit_logs_decode_to_transactions() {
        let from = B256::left_padding_from(&[0x11; 20]);
        let data = encode_deposit_log_data(5, U256::from(7), 100_000, false, &hex!("c0ffee"));
        let tx = decode_deposit_log(B256::repeat_byte(1), 3, &deposit_log(data, from)).unwrap();
        assert_eq!(tx.from, Address::repeat_byte(0x11));
        assert_eq!(tx.to, TxKind::Call(Address::repeat_byte(0x42)));
        assert_eq!(
            (tx.mint, tx.value, tx.gas_limit),
            (5, U256::from(7), 100_000)
        );
        assert_eq!(tx.input.as_ref(), hex!("c0ffee"));
        assert_eq!(
            tx.source_hash,
            indexed_source_hash(SourceDomain::User, B256::repeat_byte(1), 3)
        );
        let data = encode_deposit_log_data(0, U256::ZERO, 21_000, true, &[]);
        let tx = decode_deposit_log(B256::ZERO, 0, &deposit_log(data, from)).unwrap();
        assert_eq!(tx.to, TxKind::Create);
        assert_eq!(encode_deposit(&tx)[0], 0x7e);
    }

    #[test]
    fn malformed_deposit_logs_are_errors() {
        let from = B256::left_padding_from(&[0x11; 20]);
        let good = encode_deposit_log_data(0, U256::ZERO, 21_000, false, &[1, 2, 3]);
        let mut short = good.clone();
        short.truncate(64 + 32);
        assert!(decode_deposit_log(B256::ZERO, 0, &deposit_log(short, from)).is_err());
        let mut extra = good.clone();
        extra.extend_from_slice(&[0u8; 32]);
        assert!(decode_deposit_log(B256::ZERO, 0, &deposit_log(extra, from)).is_err());
        assert!(
            decode_deposit_log(B256::ZERO, 0, &deposit_log(good, B256::repeat_byte(1))).is_err()
        );
    }
}
