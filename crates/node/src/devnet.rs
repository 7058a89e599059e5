//! The local chain's fixed parameters: the L1 node's flags, the test keys (anvil's default
//! accounts), the L1 contract and inbox addresses, the fork schedule. Everything that the rollup
//! config holds is fixed so that the config can be compiled into the fault proof program
//! (`crates/chains/configs/verdict-devnet.json`): a fresh L1 started with [`ANVIL_ARGS`] has the
//! same genesis block, and so the same rollup config, every time.

use alloy_primitives::{address, b256, Address, B256};

/// The L1 chain id.
pub const L1_CHAIN_ID: u64 = 900;
/// The L2 chain id.
pub const L2_CHAIN_ID: u64 = 901;
/// The L1 genesis timestamp (anvil `--timestamp`); the L2 genesis has the same time.
pub const GENESIS_TIME: u64 = 1_750_000_000;
/// The flags the L1 node (anvil, `@foundry-rs/anvil`, the version in scripts/install-deps.sh)
/// is started with, after `--port`: its genesis block, the rollup's L1 genesis, depends on them.
pub const ANVIL_ARGS: &[&str] = &[
    "--chain-id",
    "900",
    "--timestamp",
    "1750000000",
    "--hardfork",
    "prague",
    "--mnemonic",
    "test test test test test test test test test test test junk",
    "--silent",
];
/// The hash of block 0 of an L1 started with [`ANVIL_ARGS`] (anvil 1.7.1): the rollup's L1
/// genesis.
pub const L1_GENESIS_HASH: B256 =
    b256!("e6a6fb7ae9baf10d67cba14a2fa03b7ff8718bcf2bfac59e573606373dcf798a");

/// Anvil's default account 0 (the deployer and depositor of the L1 side; funded on L2).
pub const KEY_0: B256 = b256!("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
/// Anvil's default account 1: the batcher.
pub const BATCHER_KEY: B256 =
    b256!("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
/// Anvil's default account 2 (the proposer; funded on L2).
pub const KEY_2: B256 = b256!("5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");
/// Anvil's default account 3 (the transaction generator's; funded on L2).
pub const KEY_3: B256 = b256!("7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6");
/// The batcher's address (the genesis system config's batcher).
pub const BATCHER: Address = address!("70997970C51812dc3A010C7d01b50e0d17dc79C8");

/// The deposit contract (OptimismPortal): account 0's first contract (nonce 0).
pub const DEPOSIT_CONTRACT: Address = address!("5FbDB2315678afecb367f032d93F642f64180aa3");
/// The SystemConfig: account 0's second contract (nonce 1).
pub const SYSTEM_CONFIG: Address = address!("e7f1725E7734CE288F8367e1Bb143E90bb3F0512");
/// The batch inbox.
pub const BATCH_INBOX: Address = address!("ff00000000000000000000000000000000000901");

/// Seconds between L2 blocks.
pub const BLOCK_TIME: u64 = 2;
/// The L2 gas limit.
pub const GAS_LIMIT: u64 = 30_000_000;
/// The L2 genesis base fee.
pub const GENESIS_BASE_FEE: u64 = 1_000_000_000;
/// The genesis fee scalars (version 1: base fee scalar 1368, blob base fee scalar 810949).
pub const GENESIS_SCALAR: B256 =
    b256!("010000000000000000000000000000000000000000000000000c5fc500000558");
