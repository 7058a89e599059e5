//! The fixed genesis every synthetic world starts from: the test keys, the L2 alloc and genesis
//! header (its state root computed with crates/program's trie), and the L1 block the rollup
//! starts at.

use crate::chains::{SynthChain, GAS_LIMIT};
use alloy_consensus::constants::EMPTY_OMMER_ROOT_HASH;
use alloy_consensus::Header;
use alloy_eips::eip7685::EMPTY_REQUESTS_HASH;
use alloy_primitives::{address, keccak256, Address, Bytes, B256, B64, U256};
use verdict_derive::encode::{key_address, SigningKey};
use verdict_derive::Fork;
use verdict_program::block::L2_TO_L1_MESSAGE_PASSER;
use verdict_program::state::TrieAccount;
use verdict_program::{NoNodes, Trie, EMPTY_ROOT};

/// The L1 block the rollup starts at.
pub const L1_GENESIS_NUMBER: u64 = 100;
/// Its timestamp.
pub const L1_GENESIS_TIME: u64 = 1_750_000_000;
/// The L2 genesis timestamp (the L1 genesis block's).
pub const L2_GENESIS_TIME: u64 = L1_GENESIS_TIME;
/// The L2 genesis base fee.
pub const GENESIS_BASE_FEE: u64 = 1_000_000_000;
/// Funded L2 test accounts.
pub const USERS: usize = 4;
/// Each funded account's genesis balance: 1,000 ETH.
pub const USER_BALANCE: u128 = 1_000_000_000_000_000_000_000;

/// Code standing in for the L2ToL1MessagePasser: `SSTORE(NUMBER, CALLER)`, so that calls to it
/// change its storage root (the output root's second field).
pub const MESSAGE_PASSER_CODE: [u8; 4] = [0x33, 0x43, 0x55, 0x00];

fn key(label: &str) -> SigningKey {
    SigningKey::from_slice(keccak256(format!("verdict-synth {label}")).as_slice())
        .expect("a keccak256 output is a valid secp256k1 key with overwhelming probability")
}

/// The batcher's key (its address is the genesis batcher).
pub fn batcher_key() -> SigningKey {
    key("batcher")
}

/// The batcher's address.
pub fn batcher_address() -> Address {
    key_address(&batcher_key())
}

/// The funded L2 accounts' keys.
pub fn user_keys() -> Vec<SigningKey> {
    (0..USERS).map(|i| key(&format!("user {i}"))).collect()
}

/// The L1 key that sends deposits to the portal and config updates to the SystemConfig.
pub fn l1_user_key() -> SigningKey {
    key("l1 user")
}

/// A deterministic stand-in for L1 data this crate does not model (L1 state roots, beacon
/// roots, randao), by label and block number.
pub fn synthetic(label: &str, number: u64) -> B256 {
    keccak256(format!("verdict-synth {label} {number}"))
}

/// One genesis account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenesisAccount {
    /// Its address.
    pub address: Address,
    /// Its balance.
    pub balance: U256,
    /// Its code (empty: none).
    pub code: Bytes,
    /// Its storage.
    pub storage: Vec<(U256, U256)>,
}

/// The genesis alloc of `chain`: the funded users and the message passer stand-in, whose slot 1
/// holds the chain id (so each chain has its own genesis). Predeploys otherwise have no code:
/// calls to them succeed and do nothing.
pub fn alloc(chain: SynthChain) -> Vec<GenesisAccount> {
    let mut out: Vec<GenesisAccount> = user_keys()
        .iter()
        .map(|k| GenesisAccount {
            address: key_address(k),
            balance: U256::from(USER_BALANCE),
            code: Bytes::new(),
            storage: vec![],
        })
        .collect();
    out.push(GenesisAccount {
        address: L2_TO_L1_MESSAGE_PASSER,
        balance: U256::ZERO,
        code: Bytes::from_static(&MESSAGE_PASSER_CODE),
        storage: vec![
            (U256::ZERO, U256::from(1u8)),
            (U256::from(1u8), U256::from(chain.chain_id())),
        ],
    });
    out
}

/// The L2 genesis: header, hash, and the preimages of its state.
#[derive(Clone, Debug)]
pub struct L2Genesis {
    /// The genesis header.
    pub header: Header,
    /// Its hash.
    pub hash: B256,
    /// The message passer's storage root.
    pub message_passer_root: B256,
    /// Every state and storage trie node and every code.
    pub preimages: Vec<Vec<u8>>,
}

/// The L2 genesis of `chain`.
pub fn l2_genesis(chain: SynthChain) -> L2Genesis {
    let mut state = Trie::empty();
    let mut preimages = Vec::new();
    let mut message_passer_root = EMPTY_ROOT;
    for acc in alloc(chain) {
        let mut storage = Trie::empty();
        for (slot, value) in &acc.storage {
            storage
                .insert(
                    keccak256(slot.to_be_bytes::<32>()).as_slice(),
                    alloy_rlp::encode(value),
                    &NoNodes,
                )
                .expect("an in-memory trie needs no nodes");
        }
        let storage_root = storage.root();
        if acc.address == L2_TO_L1_MESSAGE_PASSER {
            message_passer_root = storage_root;
        }
        preimages.extend(storage.nodes());
        let code_hash = keccak256(&acc.code);
        if !acc.code.is_empty() {
            preimages.push(acc.code.to_vec());
        }
        let account = TrieAccount {
            nonce: 0,
            balance: acc.balance,
            storage_root,
            code_hash,
        };
        state
            .insert(keccak256(acc.address).as_slice(), account.rlp(), &NoNodes)
            .expect("an in-memory trie needs no nodes");
    }
    let state_root = state.root();
    preimages.extend(state.nodes());
    let isthmus = chain.at_genesis(Fork::Isthmus);
    let extra_data = if chain.at_genesis(Fork::Holocene) {
        // Holocene's extraData: version 0, denominator and elasticity (the chain's defaults).
        Bytes::from(vec![0, 0, 0, 0, 250, 0, 0, 0, 6])
    } else {
        Bytes::new()
    };
    let header = Header {
        parent_hash: B256::ZERO,
        ommers_hash: EMPTY_OMMER_ROOT_HASH,
        beneficiary: Address::ZERO,
        state_root,
        transactions_root: EMPTY_ROOT,
        receipts_root: EMPTY_ROOT,
        number: 0,
        gas_limit: GAS_LIMIT,
        gas_used: 0,
        timestamp: L2_GENESIS_TIME,
        extra_data,
        mix_hash: B256::ZERO,
        nonce: B64::ZERO,
        base_fee_per_gas: Some(GENESIS_BASE_FEE),
        withdrawals_root: Some(if isthmus {
            message_passer_root
        } else {
            EMPTY_ROOT
        }),
        blob_gas_used: Some(0),
        excess_blob_gas: Some(0),
        parent_beacon_block_root: Some(B256::ZERO),
        requests_hash: isthmus.then_some(EMPTY_REQUESTS_HASH),
        ..Default::default()
    };
    let hash = header.hash_slow();
    L2Genesis {
        header,
        hash,
        message_passer_root,
        preimages,
    }
}

/// The L1 block the rollup starts at (a Prague header; its parent is not part of the world).
pub fn l1_genesis_header() -> Header {
    Header {
        parent_hash: synthetic("l1 parent", L1_GENESIS_NUMBER - 1),
        ommers_hash: EMPTY_OMMER_ROOT_HASH,
        beneficiary: address!("7770000000000000000000000000000000000c0b"),
        state_root: synthetic("l1 state", L1_GENESIS_NUMBER),
        transactions_root: EMPTY_ROOT,
        receipts_root: EMPTY_ROOT,
        number: L1_GENESIS_NUMBER,
        gas_limit: crate::l1::L1_GAS_LIMIT,
        gas_used: 0,
        timestamp: L1_GENESIS_TIME,
        mix_hash: synthetic("randao", L1_GENESIS_NUMBER),
        base_fee_per_gas: Some(crate::l1::L1_BASE_FEE),
        withdrawals_root: Some(EMPTY_ROOT),
        blob_gas_used: Some(0),
        excess_blob_gas: Some(0),
        parent_beacon_block_root: Some(synthetic("beacon", L1_GENESIS_NUMBER)),
        requests_hash: Some(EMPTY_REQUESTS_HASH),
        ..Default::default()
    }
}
