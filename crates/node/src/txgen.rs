//! The transaction generator: every poll, a transfer and a call to the L2ToL1MessagePasser
//! (`initiateWithdrawal`, which changes its storage root, the output root's second field) from
//! one of the funded test accounts, through the pool like any submitted transaction.

use crate::devnet;
use crate::node::Inner;
use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, Bytes, Signature, TxKind, U256};
use std::time::Duration;
use verdict_derive::encode::SigningKey;
use verdict_program::block::L2_TO_L1_MESSAGE_PASSER;

/// A signed EIP-1559 transaction.
pub fn sign_1559(key: &SigningKey, tx: TxEip1559) -> Bytes {
    let hash = tx.signature_hash();
    let (sig, recid) = key
        .sign_prehash_recoverable(hash.as_slice())
        .expect("signing a 32-byte hash");
    let sig = Signature::from_signature_and_parity(sig, recid.is_y_odd());
    TxEnvelope::Eip1559(tx.into_signed(sig))
        .encoded_2718()
        .into()
}

/// `initiateWithdrawal(address,uint256,bytes)` calldata with empty data.
pub fn initiate_withdrawal(target: Address, gas_limit: u64) -> Bytes {
    let selector = &alloy_primitives::keccak256("initiateWithdrawal(address,uint256,bytes)")[..4];
    let mut out = selector.to_vec();
    out.extend_from_slice(&[0u8; 12]);
    out.extend_from_slice(target.as_slice());
    out.extend_from_slice(&U256::from(gas_limit).to_be_bytes::<32>());
    out.extend_from_slice(&U256::from(96u64).to_be_bytes::<32>());
    out.extend_from_slice(&[0u8; 32]);
    out.into()
}

/// Runs until the node stops.
pub fn run(inner: &Inner, poll: Duration) {
    let key = SigningKey::from_slice(devnet::KEY_3.as_slice()).expect("a valid key");
    let me = verdict_derive::encode::key_address(&key);
    let mut nonce: Option<u64> = None;
    let mut last_head = u64::MAX;
    let mut i = 0u64;
    while !inner.stopping() {
        std::thread::sleep(poll);
        let Ok((head, _)) = inner.store.head_header() else {
            continue;
        };
        if head.number == last_head {
            continue;
        }
        last_head = head.number;
        // The nonce from the head's state, unless our transactions are still pending.
        if inner.pool.lock().expect("lock").is_empty() || nonce.is_none() {
            match crate::proof::account(&inner.store, head.state_root, me) {
                Ok((acc, _)) => nonce = Some(acc.map_or(0, |a| a.nonce)),
                Err(_) => continue,
            }
        }
        let n = nonce.expect("set above");
        i += 1;
        let to = Address::left_padding_from(&i.to_be_bytes());
        let base = TxEip1559 {
            chain_id: inner.cfg.l2_chain_id,
            nonce: n,
            gas_limit: 21_000,
            max_fee_per_gas: 10_000_000_000,
            max_priority_fee_per_gas: 1_000_000,
            to: TxKind::Call(to),
            value: U256::from(1_000_000_000u64 + i),
            access_list: Default::default(),
            input: Bytes::new(),
        };
        let call = TxEip1559 {
            nonce: n + 1,
            gas_limit: 200_000,
            to: TxKind::Call(L2_TO_L1_MESSAGE_PASSER),
            value: U256::from(i),
            input: initiate_withdrawal(me, 100_000),
            ..base.clone()
        };
        let ok = inner.submit(sign_1559(&key, base)).is_ok()
            && inner.submit(sign_1559(&key, call)).is_ok();
        if ok {
            nonce = Some(n + 2);
        }
    }
}
