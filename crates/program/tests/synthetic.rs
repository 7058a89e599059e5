//! A synthetic chain (no fixture): the fork-dependent parts of a block that the real fixtures
//! (all Holocene) do not reach. The parent state is built here, its nodes served by the oracle; the
//! expected roots are computed independently with alloy-trie's HashBuilder.
//!
//! - Isthmus: the EIP-2935 system call with the parent hash, the withdrawals root (the
//!   L2ToL1MessagePasser's storage root), the requests hash;
//! - Ecotone on: the EIP-4788 system call with the parent beacon block root;
//! - a deposit: mint and value, its receipt's deposit nonce and version;
//! - Holocene: extraData from zero eip1559Params (the chain's defaults), the base fee from the
//!   parent's extraData;
//! - Jovian is refused.

use alloy_consensus::{Header, Sealed};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{address, b256, keccak256, Address, Bytes, TxKind, B256, B64, U256};
use alloy_trie::{HashBuilder, Nibbles, TrieAccount as RefAccount};
use op_alloy_consensus::{OpReceiptEnvelope, OpTxEnvelope, TxDeposit};
use std::collections::{BTreeMap, HashMap};
use verdict_preimage::PreimageKey;
use verdict_program::block::{
    BEACON_ROOTS_ADDRESS, HISTORY_STORAGE_ADDRESS, L2_TO_L1_MESSAGE_PASSER,
};
use verdict_program::state::TrieAccount;
use verdict_program::{
    execute_block, NoNodes, PayloadAttributes, Preimages, ProgramError, RollupConfig, Trie,
    EMPTY_ROOT,
};

const KECCAK_EMPTY: B256 =
    b256!("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
const FEE_RECIPIENT: Address = address!("4200000000000000000000000000000000000011");
const DEPOSITOR: Address = address!("00000000000000000000000000000000000d3b05");
const RECEIVER: Address = address!("0000000000000000000000000000000000bee000");
const BEACON_ROOT: B256 = b256!("1111111111111111111111111111111111111111111111111111111111111111");

/// `SSTORE(NUMBER - 1, CALLDATALOAD(0))`: stands in for the EIP-2935 contract.
const STORE_AT_PARENT_NUMBER: [u8; 9] = [0x60, 0x00, 0x35, 0x60, 0x01, 0x43, 0x03, 0x55, 0x00];
/// `SSTORE(TIMESTAMP, CALLDATALOAD(0))`: stands in for the EIP-4788 contract.
const STORE_AT_TIMESTAMP: [u8; 6] = [0x60, 0x00, 0x35, 0x42, 0x55, 0x00];

#[derive(Clone, Default)]
struct Account {
    nonce: u64,
    balance: U256,
    code: Vec<u8>,
    storage: BTreeMap<U256, U256>,
}

/// The storage root of `storage`, by HashBuilder.
fn storage_root(storage: &BTreeMap<U256, U256>) -> B256 {
    let leaves: BTreeMap<_, _> = storage
        .iter()
        .filter(|(_, v)| !v.is_zero())
        .map(|(k, v)| (keccak256(k.to_be_bytes::<32>()), alloy_rlp::encode(v)))
        .collect();
    let mut hb = HashBuilder::default();
    for (k, v) in leaves {
        hb.add_leaf(Nibbles::unpack(k), &v);
    }
    hb.root()
}

/// The state root of `accounts`, by HashBuilder.
fn state_root(accounts: &BTreeMap<Address, Account>) -> B256 {
    let leaves: BTreeMap<_, _> = accounts
        .iter()
        .map(|(a, acc)| {
            let code_hash = if acc.code.is_empty() {
                KECCAK_EMPTY
            } else {
                keccak256(&acc.code)
            };
            let account = RefAccount {
                nonce: acc.nonce,
                balance: acc.balance,
                storage_root: storage_root(&acc.storage),
                code_hash,
            };
            (keccak256(a), alloy_rlp::encode(account))
        })
        .collect();
    let mut hb = HashBuilder::default();
    for (k, v) in leaves {
        hb.add_leaf(Nibbles::unpack(k), &v);
    }
    hb.root()
}

/// The oracle holding every node of the state (our trie's export) and every code.
fn oracle_of(accounts: &BTreeMap<Address, Account>) -> (B256, HashMap<PreimageKey, Vec<u8>>) {
    let mut oracle = HashMap::new();
    let mut put = |v: Vec<u8>| {
        oracle.insert(PreimageKey::keccak256(&v), v);
    };
    let mut state = Trie::empty();
    for (address, acc) in accounts {
        let mut storage = Trie::empty();
        for (k, v) in &acc.storage {
            storage
                .insert(
                    keccak256(k.to_be_bytes::<32>()).as_slice(),
                    alloy_rlp::encode(v),
                    &NoNodes,
                )
                .unwrap();
        }
        let code_hash = if acc.code.is_empty() {
            KECCAK_EMPTY
        } else {
            put(acc.code.clone());
            keccak256(&acc.code)
        };
        let account = TrieAccount {
            nonce: acc.nonce,
            balance: acc.balance,
            storage_root: storage.root(),
            code_hash,
        };
        storage.nodes().into_iter().for_each(&mut put);
        state
            .insert(keccak256(address).as_slice(), account.rlp(), &NoNodes)
            .unwrap();
    }
    let root = state.root();
    state.nodes().into_iter().for_each(put);
    assert_eq!(
        root,
        state_root(accounts),
        "our trie and HashBuilder agree on the parent"
    );
    (root, oracle)
}

fn parent_accounts() -> BTreeMap<Address, Account> {
    let mut accounts = BTreeMap::new();
    let mut passer = Account {
        nonce: 1,
        code: vec![0x00],
        ..Default::default()
    };
    passer.storage.insert(U256::from(0), U256::from(5));
    passer.storage.insert(U256::from(7), U256::from(0xabcdef));
    accounts.insert(L2_TO_L1_MESSAGE_PASSER, passer);
    accounts.insert(
        HISTORY_STORAGE_ADDRESS,
        Account {
            nonce: 1,
            code: STORE_AT_PARENT_NUMBER.to_vec(),
            ..Default::default()
        },
    );
    accounts.insert(
        BEACON_ROOTS_ADDRESS,
        Account {
            nonce: 1,
            code: STORE_AT_TIMESTAMP.to_vec(),
            ..Default::default()
        },
    );
    accounts.insert(
        FEE_RECIPIENT,
        Account {
            balance: U256::from(1),
            ..Default::default()
        },
    );
    accounts
}

fn config(isthmus_time: Option<u64>) -> RollupConfig {
    RollupConfig {
        l2_chain_id: 901,
        block_time: 2,
        regolith_time: Some(0),
        canyon_time: Some(0),
        delta_time: Some(0),
        ecotone_time: Some(0),
        fjord_time: Some(0),
        granite_time: Some(0),
        holocene_time: Some(0),
        isthmus_time,
        eip1559_elasticity: 6,
        eip1559_denominator: 50,
        eip1559_denominator_canyon: 250,
        ..Default::default()
    }
}

fn parent(state_root: B256) -> Header {
    Header {
        number: 100,
        timestamp: 1000,
        gas_limit: 30_000_000,
        gas_used: 15_000_000,
        base_fee_per_gas: Some(1000),
        // Holocene: version 0, denominator 250, elasticity 6.
        extra_data: Bytes::from_static(&[0, 0, 0, 0, 250, 0, 0, 0, 6]),
        state_root,
        withdrawals_root: Some(EMPTY_ROOT),
        blob_gas_used: Some(0),
        excess_blob_gas: Some(0),
        parent_beacon_block_root: Some(B256::repeat_byte(0x22)),
        ..Default::default()
    }
}

fn deposit() -> Bytes {
    let tx = TxDeposit {
        source_hash: B256::repeat_byte(0x33),
        from: DEPOSITOR,
        to: TxKind::Call(RECEIVER),
        mint: 1_000_000_000_000_000_000,
        value: U256::from(400_000_000_000_000_000u128),
        gas_limit: 100_000,
        is_system_transaction: false,
        input: Bytes::new(),
    };
    OpTxEnvelope::Deposit(Sealed::new(tx)).encoded_2718().into()
}

fn attributes() -> PayloadAttributes {
    PayloadAttributes {
        timestamp: 1002,
        prev_randao: B256::repeat_byte(0x44),
        suggested_fee_recipient: FEE_RECIPIENT,
        parent_beacon_block_root: Some(BEACON_ROOT),
        transactions: vec![deposit()],
        gas_limit: Some(30_000_000),
        eip1559_params: Some(B64::ZERO),
    }
}

#[test]
fn an_isthmus_block() {
    let mut accounts = parent_accounts();
    let (root, oracle) = oracle_of(&accounts);
    let parent = parent(root);
    let pre = Preimages::new(&oracle);
    let block = execute_block(&pre, &config(Some(1002)), &parent, &attributes()).unwrap();
    let h = &block.header;

    // What the block must have done, applied to the parent state here.
    let parent_hash = parent.hash_slow();
    accounts
        .get_mut(&HISTORY_STORAGE_ADDRESS)
        .unwrap()
        .storage
        .insert(U256::from(100), U256::from_be_bytes(parent_hash.0));
    accounts
        .get_mut(&BEACON_ROOTS_ADDRESS)
        .unwrap()
        .storage
        .insert(U256::from(1002), U256::from_be_bytes(BEACON_ROOT.0));
    accounts.insert(
        DEPOSITOR,
        Account {
            nonce: 1,
            balance: U256::from(600_000_000_000_000_000u128),
            ..Default::default()
        },
    );
    accounts.insert(
        RECEIVER,
        Account {
            balance: U256::from(400_000_000_000_000_000u128),
            ..Default::default()
        },
    );
    assert_eq!(h.state_root, state_root(&accounts));

    assert_eq!(h.parent_hash, parent_hash);
    assert_eq!(h.number, 101);
    assert_eq!(
        h.withdrawals_root,
        Some(storage_root(&accounts[&L2_TO_L1_MESSAGE_PASSER].storage))
    );
    assert_ne!(h.withdrawals_root, Some(EMPTY_ROOT));
    assert_eq!(
        h.requests_hash,
        Some(alloy_eips::eip7685::EMPTY_REQUESTS_HASH)
    );
    assert_eq!(h.extra_data.as_ref(), &[0, 0, 0, 0, 250, 0, 0, 0, 6]);
    // Target 5M gas (30M / 6), 15M used: 1000 + 1000 * 10M / 5M / 250 = 1008.
    assert_eq!(h.base_fee_per_gas, Some(1008));
    assert_eq!(h.gas_used, 21_000);
    assert_eq!((h.blob_gas_used, h.excess_blob_gas), (Some(0), Some(0)));
    assert_eq!(h.parent_beacon_block_root, Some(BEACON_ROOT));
    assert_eq!(h.mix_hash, B256::repeat_byte(0x44));
    assert_eq!(block.hash, h.hash_slow());

    let [OpReceiptEnvelope::Deposit(r)] = block.receipts.as_slice() else {
        panic!("one deposit receipt: {:?}", block.receipts)
    };
    assert!(r.receipt.inner.status.coerce_status());
    assert_eq!(r.receipt.inner.cumulative_gas_used, 21_000);
    assert_eq!(r.receipt.deposit_nonce, Some(0));
    assert_eq!(r.receipt.deposit_receipt_version, Some(1));
}

#[test]
fn before_isthmus_no_history_call_and_an_empty_withdrawals_root() {
    let accounts = parent_accounts();
    let (root, oracle) = oracle_of(&accounts);
    let parent = parent(root);
    let pre = Preimages::new(&oracle);
    let block = execute_block(&pre, &config(Some(1004)), &parent, &attributes()).unwrap();
    let h = &block.header;
    assert_eq!(h.withdrawals_root, Some(EMPTY_ROOT));
    assert_eq!(h.requests_hash, None);
    // The history contract was not called: only the beacon roots call and the deposit show.
    let mut expected = accounts;
    expected
        .get_mut(&BEACON_ROOTS_ADDRESS)
        .unwrap()
        .storage
        .insert(U256::from(1002), U256::from_be_bytes(BEACON_ROOT.0));
    expected.insert(
        DEPOSITOR,
        Account {
            nonce: 1,
            balance: U256::from(600_000_000_000_000_000u128),
            ..Default::default()
        },
    );
    expected.insert(
        RECEIVER,
        Account {
            balance: U256::from(400_000_000_000_000_000u128),
            ..Default::default()
        },
    );
    assert_eq!(h.state_root, state_root(&expected));
}

#[test]
fn jovian_is_refused() {
    let accounts = parent_accounts();
    let (root, oracle) = oracle_of(&accounts);
    let mut config = config(Some(0));
    config.jovian_time = Some(1002);
    let err = execute_block(
        &Preimages::new(&oracle),
        &config,
        &parent(root),
        &attributes(),
    )
    .unwrap_err();
    assert!(matches!(err, ProgramError::UnsupportedFork(_)), "{err}");
}

#[test]
fn bad_eip1559_params_are_refused() {
    let accounts = parent_accounts();
    let (root, oracle) = oracle_of(&accounts);
    let mut attrs = attributes();
    attrs.eip1559_params = Some(B64::from([0, 0, 0, 0, 0, 0, 0, 6]));
    let err = execute_block(
        &Preimages::new(&oracle),
        &config(None),
        &parent(root),
        &attrs,
    )
    .unwrap_err();
    assert!(matches!(err, ProgramError::BadPayload(_)), "{err}");
    attrs.eip1559_params = None;
    let err = execute_block(
        &Preimages::new(&oracle),
        &config(None),
        &parent(root),
        &attrs,
    )
    .unwrap_err();
    assert!(err.to_string().contains("eip1559Params missing"), "{err}");
    let mut config = config(None);
    config.holocene_time = Some(1004);
    attrs.eip1559_params = Some(B64::ZERO);
    let err = execute_block(&Preimages::new(&oracle), &config, &parent(root), &attrs).unwrap_err();
    assert!(
        err.to_string().contains("eip1559Params before Holocene"),
        "{err}"
    );
}

#[test]
fn the_post_state_holds_every_new_node() {
    let mut accounts = parent_accounts();
    let (root, oracle) = oracle_of(&accounts);
    let parent = parent(root);
    let pre = Preimages::new(&oracle);
    let cfg = config(Some(1002));
    let (block, post) =
        verdict_program::execute_block_with_post_state(&pre, &cfg, &parent, &attributes(), false)
            .unwrap();
    assert_eq!(
        block.hash,
        execute_block(&pre, &cfg, &parent, &attributes())
            .unwrap()
            .hash
    );
    // The whole post-state, built independently: each of its nodes is either unchanged from the
    // parent's or among the block's post-state nodes.
    let parent_hash = parent.hash_slow();
    let history = accounts.get_mut(&HISTORY_STORAGE_ADDRESS).unwrap();
    history
        .storage
        .insert(U256::from(100), U256::from_be_bytes(parent_hash.0));
    let beacon = accounts.get_mut(&BEACON_ROOTS_ADDRESS).unwrap();
    beacon
        .storage
        .insert(U256::from(1002), U256::from_be_bytes(BEACON_ROOT.0));
    accounts.insert(
        DEPOSITOR,
        Account {
            nonce: 1,
            balance: U256::from(600_000_000_000_000_000u128),
            ..Default::default()
        },
    );
    accounts.insert(
        RECEIVER,
        Account {
            balance: U256::from(400_000_000_000_000_000u128),
            ..Default::default()
        },
    );
    let (post_root, full) = oracle_of(&accounts);
    assert_eq!(post_root, block.header.state_root);
    let new: HashMap<PreimageKey, Vec<u8>> = post
        .nodes
        .iter()
        .chain(
            post.code
                .iter()
                .map(|c| c.to_vec())
                .collect::<Vec<_>>()
                .iter(),
        )
        .map(|n| (PreimageKey::keccak256(n), n.clone()))
        .collect();
    assert!(new.contains_key(&PreimageKey::from_keccak_hash(post_root.0)));
    let mut missing = 0;
    for key in full.keys() {
        if !new.contains_key(key) && !oracle.contains_key(key) {
            missing += 1;
        }
    }
    assert_eq!(
        missing, 0,
        "post-state nodes missing from the block's output"
    );
    // Code the block ran is handed back.
    assert!(post
        .code
        .iter()
        .any(|c| c.as_ref() == STORE_AT_PARENT_NUMBER));
}
