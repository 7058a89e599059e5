//! The L2 genesis: the predeploys the protocol needs (L1Block, L2ToL1MessagePasser and
//! GasPriceOracle with our own Solidity, `contracts/`; the fee vaults need no code: fees are
//! credited to them by the execution engine), the funded test accounts, the genesis header and its
//! state (the nodes of its tries), and the rollup config of the local chain.

use crate::devnet;
use alloy_consensus::constants::EMPTY_OMMER_ROOT_HASH;
use alloy_consensus::Header;
use alloy_eips::eip7685::EMPTY_REQUESTS_HASH;
use alloy_primitives::{address, keccak256, Address, Bytes, B256, B64, U256};
use serde_json::{json, Value};
use verdict_program::block::L2_TO_L1_MESSAGE_PASSER;
use verdict_program::state::TrieAccount;
use verdict_program::{NoNodes, Trie};

/// The L1Block predeploy.
pub const L1_BLOCK: Address = address!("4200000000000000000000000000000000000015");
/// The GasPriceOracle predeploy.
pub const GAS_PRICE_ORACLE: Address = address!("420000000000000000000000000000000000000F");
/// The SequencerFeeVault (every block's fee recipient).
pub const SEQUENCER_FEE_VAULT: Address = address!("4200000000000000000000000000000000000011");
/// The BaseFeeVault.
pub const BASE_FEE_VAULT: Address = address!("4200000000000000000000000000000000000019");
/// The L1FeeVault.
pub const L1_FEE_VAULT: Address = address!("420000000000000000000000000000000000001A");
/// The OperatorFeeVault (Isthmus).
pub const OPERATOR_FEE_VAULT: Address = address!("420000000000000000000000000000000000001B");

/// The runtime code of a predeploy, from `contracts/build` (scripts/compile-contracts.sh).
fn artifact(hex_text: &str) -> Bytes {
    let h = hex_text.trim().trim_start_matches("0x");
    Bytes::from(alloy_primitives::hex::decode(h).expect("the committed artifacts are hex"))
}

/// The L1Block runtime code.
pub fn l1_block_code() -> Bytes {
    artifact(include_str!("../contracts/build/L1Block.hex"))
}
/// The L2ToL1MessagePasser runtime code.
pub fn message_passer_code() -> Bytes {
    artifact(include_str!("../contracts/build/L2ToL1MessagePasser.hex"))
}
/// The GasPriceOracle runtime code.
pub fn gas_price_oracle_code() -> Bytes {
    artifact(include_str!("../contracts/build/GasPriceOracle.hex"))
}

/// One account of the genesis state.
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

/// The address of a secp256k1 key.
pub fn key_address(key: &B256) -> Address {
    let k = verdict_derive::encode::SigningKey::from_slice(key.as_slice())
        .expect("the devnet keys are valid");
    verdict_derive::encode::key_address(&k)
}

/// The funded test accounts: anvil's accounts 0, 2 and 3 (the batcher's is L1 only).
pub fn funded_keys() -> [B256; 3] {
    [devnet::KEY_0, devnet::KEY_2, devnet::KEY_3]
}

/// Each funded account's balance: 10,000 ETH.
pub const FUNDED_BALANCE: u128 = 10_000_000_000_000_000_000_000;

/// The genesis alloc.
pub fn alloc() -> Vec<GenesisAccount> {
    let mut out: Vec<GenesisAccount> = funded_keys()
        .iter()
        .map(|k| GenesisAccount {
            address: key_address(k),
            balance: U256::from(FUNDED_BALANCE),
            code: Bytes::new(),
            storage: vec![],
        })
        .collect();
    for (address, code) in [
        (L1_BLOCK, l1_block_code()),
        (L2_TO_L1_MESSAGE_PASSER, message_passer_code()),
        (GAS_PRICE_ORACLE, gas_price_oracle_code()),
    ] {
        out.push(GenesisAccount {
            address,
            balance: U256::ZERO,
            code,
            storage: vec![],
        });
    }
    out
}

/// The L2 genesis block and its state.
#[derive(Clone, Debug)]
pub struct Genesis {
    /// The header.
    pub header: Header,
    /// Its hash.
    pub hash: B256,
    /// Every state and storage trie node (RLP).
    pub nodes: Vec<Vec<u8>>,
    /// Every contract's code.
    pub code: Vec<Bytes>,
    /// The alloc it was built from.
    pub alloc: Vec<GenesisAccount>,
}

/// What the genesis header depends on besides the (fixed) alloc.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GenesisParams {
    /// The genesis time (the rollup config's `l2_time`).
    pub timestamp: u64,
    /// The gas limit (the genesis system config's).
    pub gas_limit: u64,
    /// Holocene's EIP-1559 denominator in the extra data (`eip1559DenominatorCanyon`).
    pub eip1559_denominator: u32,
    /// Holocene's EIP-1559 elasticity in the extra data.
    pub eip1559_elasticity: u32,
}

impl Default for GenesisParams {
    /// The fixed local chain's (`devnet`, compiled into the program as `verdict-devnet`).
    fn default() -> Self {
        GenesisParams {
            timestamp: devnet::GENESIS_TIME,
            gas_limit: devnet::GAS_LIMIT,
            eip1559_denominator: 250,
            eip1559_elasticity: 6,
        }
    }
}

/// Builds the genesis of the fixed local chain (Isthmus from genesis, as every fork before it).
pub fn genesis() -> Genesis {
    genesis_with(&GenesisParams::default())
}

/// Builds a genesis with `p` (Isthmus from genesis, as every fork before it).
pub fn genesis_with(p: &GenesisParams) -> Genesis {
    let mut extra_data = vec![0u8];
    extra_data.extend_from_slice(&p.eip1559_denominator.to_be_bytes());
    extra_data.extend_from_slice(&p.eip1559_elasticity.to_be_bytes());
    let alloc = alloc();
    let mut state = Trie::empty();
    let mut nodes = Vec::new();
    let mut code = Vec::new();
    let mut message_passer_root = verdict_program::EMPTY_ROOT;
    for acc in &alloc {
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
        nodes.extend(storage.nodes());
        if acc.address == L2_TO_L1_MESSAGE_PASSER {
            message_passer_root = storage_root;
        }
        if !acc.code.is_empty() {
            code.push(acc.code.clone());
        }
        let account = TrieAccount {
            nonce: 0,
            balance: acc.balance,
            storage_root,
            code_hash: keccak256(&acc.code),
        };
        state
            .insert(keccak256(acc.address).as_slice(), account.rlp(), &NoNodes)
            .expect("an in-memory trie needs no nodes");
    }
    let state_root = state.root();
    nodes.extend(state.nodes());
    let header = Header {
        parent_hash: B256::ZERO,
        ommers_hash: EMPTY_OMMER_ROOT_HASH,
        beneficiary: Address::ZERO,
        state_root,
        transactions_root: verdict_program::EMPTY_ROOT,
        receipts_root: verdict_program::EMPTY_ROOT,
        number: 0,
        gas_limit: p.gas_limit,
        gas_used: 0,
        timestamp: p.timestamp,
        // Holocene's extraData: version 0, the denominator, the elasticity.
        extra_data: Bytes::from(extra_data),
        mix_hash: B256::ZERO,
        nonce: B64::ZERO,
        base_fee_per_gas: Some(devnet::GENESIS_BASE_FEE),
        // Isthmus: the withdrawals root is the message passer's storage root, at genesis too.
        withdrawals_root: Some(message_passer_root),
        blob_gas_used: Some(0),
        excess_blob_gas: Some(0),
        parent_beacon_block_root: Some(B256::ZERO),
        requests_hash: Some(EMPTY_REQUESTS_HASH),
        ..Default::default()
    };
    let hash = header.hash_slow();
    Genesis {
        header,
        hash,
        nodes,
        code,
        alloc,
    }
}

fn quantity(v: u64) -> Value {
    Value::String(format!("{v:#x}"))
}

/// The rollup config of the local chain (op-node's `rollup.json`), with the L2 genesis `l2_hash`.
pub fn rollup_config_json(l2_hash: B256) -> Value {
    json!({
        "genesis": {
            "l1": {"hash": devnet::L1_GENESIS_HASH.to_string(), "number": 0},
            "l2": {"hash": l2_hash.to_string(), "number": 0},
            "l2_time": devnet::GENESIS_TIME,
            "system_config": {
                "batcherAddr": devnet::BATCHER.to_string().to_lowercase(),
                "overhead": B256::ZERO.to_string(),
                "scalar": devnet::GENESIS_SCALAR.to_string(),
                "gasLimit": devnet::GAS_LIMIT
            }
        },
        "block_time": devnet::BLOCK_TIME,
        "max_sequencer_drift": 600,
        "seq_window_size": 3600,
        "channel_timeout": 300,
        "granite_channel_timeout": 50,
        "l1_chain_id": devnet::L1_CHAIN_ID,
        "l2_chain_id": devnet::L2_CHAIN_ID,
        "regolith_time": 0,
        "canyon_time": 0,
        "delta_time": 0,
        "ecotone_time": 0,
        "fjord_time": 0,
        "granite_time": 0,
        "holocene_time": 0,
        "isthmus_time": 0,
        "batch_inbox_address": devnet::BATCH_INBOX.to_string().to_lowercase(),
        "deposit_contract_address": devnet::DEPOSIT_CONTRACT.to_string().to_lowercase(),
        "l1_system_config_address": devnet::SYSTEM_CONFIG.to_string().to_lowercase(),
        "l1_blob_schedule": [
            {"timestamp": devnet::GENESIS_TIME, "update_fraction": 5007716}
        ],
        "chain_op_config": {
            "eip1559Elasticity": 6,
            "eip1559Denominator": 50,
            "eip1559DenominatorCanyon": 250
        }
    })
}

/// `genesis.json` of the data directory: the L2 genesis block's `hash`, `number` and `timestamp`
/// (as the devnet's L1 half reads them to write the rollup config), its header (the JSON-RPC
/// form) and alloc, for anyone starting from this genesis.
pub fn genesis_json(g: &Genesis) -> Value {
    let mut alloc = serde_json::Map::new();
    for a in &g.alloc {
        let mut acc = serde_json::Map::new();
        acc.insert("balance".into(), json!(format!("{:#x}", a.balance)));
        if !a.code.is_empty() {
            acc.insert("code".into(), json!(a.code.to_string()));
        }
        if !a.storage.is_empty() {
            let s: serde_json::Map<String, Value> = a
                .storage
                .iter()
                .map(|(k, v)| {
                    (
                        B256::from(k.to_be_bytes::<32>()).to_string(),
                        json!(B256::from(v.to_be_bytes::<32>()).to_string()),
                    )
                })
                .collect();
            acc.insert("storage".into(), Value::Object(s));
        }
        alloc.insert(a.address.to_string().to_lowercase(), Value::Object(acc));
    }
    json!({
        "config": {"chainId": devnet::L2_CHAIN_ID},
        "hash": g.hash.to_string(),
        "number": 0,
        "timestamp": g.header.timestamp,
        "gasLimit": quantity(g.header.gas_limit),
        "baseFeePerGas": quantity(g.header.base_fee_per_gas.unwrap_or_default()),
        "extraData": g.header.extra_data.to_string(),
        "stateRoot": g.header.state_root.to_string(),
        "header": crate::json::header_json(&g.header, g.hash),
        "alloc": Value::Object(alloc),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genesis_is_fixed_and_the_addresses_are_the_keys() {
        let a = genesis();
        let b = genesis();
        assert_eq!(a.hash, b.hash);
        assert_eq!(key_address(&devnet::BATCHER_KEY), devnet::BATCHER);
        let deployer = key_address(&devnet::KEY_0);
        assert_eq!(deployer.create(0), devnet::DEPOSIT_CONTRACT);
        assert_eq!(deployer.create(1), devnet::SYSTEM_CONFIG);
        // Every node is in the list: the state root's node is.
        assert!(a.nodes.iter().any(|n| keccak256(n) == a.header.state_root));
        let cfg = rollup_config_json(a.hash);
        let parsed =
            verdict_derive::json::rollup_config_from_slice(cfg.to_string().as_bytes()).unwrap();
        assert_eq!(parsed.genesis.l2.hash, a.hash);
        assert_eq!(parsed.l2_chain_id, devnet::L2_CHAIN_ID);
        verdict_program::json::rollup_config_from_slice(cfg.to_string().as_bytes()).unwrap();
    }
}
