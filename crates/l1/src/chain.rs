//! The rollup on L1: the keys of its roles, deploying the contracts, deposits and config updates,
//! and mining (anvil with `--no-mining` mines when asked).

use crate::contracts::{DepositCaller, DepositPortal, SystemConfig};
use crate::error::{Context, Error, Result};
use crate::rpc::L1Client;
use alloy::network::{EthereumWallet, TransactionBuilder};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::rpc::types::{TransactionReceipt, TransactionRequest};
use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A key derived from a label: `keccak256("verdict-devnet <label>")` (test and devnet keys only).
pub fn dev_key(label: &str) -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&keccak256(format!("verdict-devnet {label}")))
        .expect("a keccak256 output is a valid secp256k1 key with overwhelming probability")
}

/// The keys of the rollup's L1 roles.
#[derive(Clone, Debug)]
pub struct Keys {
    /// Deploys the contracts.
    pub deployer: PrivateKeySigner,
    /// Owns the SystemConfig (sends config updates).
    pub owner: PrivateKeySigner,
    /// Sends batches to the inbox.
    pub batcher: PrivateKeySigner,
    /// Proposes output roots.
    pub proposer: PrivateKeySigner,
    /// Signs unsafe blocks (its address only is used here).
    pub sequencer: PrivateKeySigner,
    /// Deposits to L2.
    pub user: PrivateKeySigner,
}

impl Keys {
    /// The devnet's keys (labels `deployer`, `owner`, `batcher`, `proposer`, `sequencer`,
    /// `user`).
    pub fn devnet() -> Keys {
        Keys {
            deployer: dev_key("deployer"),
            owner: dev_key("owner"),
            batcher: dev_key("batcher"),
            proposer: dev_key("proposer"),
            sequencer: dev_key("sequencer"),
            user: dev_key("user"),
        }
    }

    /// anvil's default accounts (its default mnemonic, the keys every anvil and hardhat node
    /// funds): 0 deploys and owns, 1 batches, 2 proposes, 3 deposits, 4 signs unsafe blocks. The
    /// local chain compiled into the programs (`verdict-devnet`) is deployed with these: its
    /// contract addresses are account 0's first two, its genesis batcher is account 1.
    pub fn anvil() -> Keys {
        let key = |hex: &str| -> PrivateKeySigner { hex.parse().expect("a valid test key") };
        let account0 = key("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
        Keys {
            deployer: account0.clone(),
            owner: account0,
            batcher: key("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"),
            proposer: key("5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"),
            user: key("7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6"),
            sequencer: key("47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a"),
        }
    }

    /// Every key with its role.
    pub fn all(&self) -> [(&'static str, &PrivateKeySigner); 6] {
        [
            ("deployer", &self.deployer),
            ("owner", &self.owner),
            ("batcher", &self.batcher),
            ("proposer", &self.proposer),
            ("sequencer", &self.sequencer),
            ("user", &self.user),
        ]
    }
}

/// An L1 block's number, hash and time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockInfo {
    /// Its number.
    pub number: u64,
    /// Its hash.
    pub hash: B256,
    /// Its timestamp.
    pub timestamp: u64,
}

/// What the deployment put on L1 (written to the data directory as `l1/deployment.json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    /// The L1 chain id.
    pub l1_chain_id: u64,
    /// The deposit contract.
    pub deposit_contract_address: Address,
    /// The SystemConfig.
    pub l1_system_config_address: Address,
    /// Where batches go.
    pub batch_inbox_address: Address,
    /// The L1 block of the last deployment transaction: the rollup's genesis L1 block (its
    /// config updates are the genesis system config's, never derived).
    pub genesis_l1: BlockInfo,
    /// The SystemConfig's owner.
    pub owner: Address,
    /// The batcher at genesis.
    pub batcher: Address,
    /// The proposer.
    pub proposer: Address,
    /// The unsafe block signer at genesis.
    pub unsafe_block_signer: Address,
    /// The L2 gas limit at genesis.
    pub gas_limit: u64,
    /// The Ecotone base fee scalar at genesis.
    pub base_fee_scalar: u32,
    /// The Ecotone blob base fee scalar at genesis.
    pub blob_base_fee_scalar: u32,
}

impl Deployment {
    /// The genesis system config as derivation sees it.
    pub fn system_config(&self) -> verdict_derive::SystemConfig {
        verdict_derive::SystemConfig {
            batcher_address: self.batcher,
            overhead: U256::ZERO,
            scalar: ecotone_scalar(self.base_fee_scalar, self.blob_base_fee_scalar),
            gas_limit: self.gas_limit,
            ..Default::default()
        }
    }
}

/// The version-1 (Ecotone) scalar (system-config.md, "Post-Ecotone Scalar Encoding").
pub fn ecotone_scalar(base_fee_scalar: u32, blob_base_fee_scalar: u32) -> U256 {
    (U256::from(1u8) << 248)
        | (U256::from(blob_base_fee_scalar) << 32)
        | U256::from(base_fee_scalar)
}

/// What to deploy.
#[derive(Clone, Debug)]
pub struct DeployParams {
    /// The L2 chain id (the batch inbox is derived from it).
    pub l2_chain_id: u64,
    /// The L2 gas limit at genesis.
    pub gas_limit: u64,
    /// The Ecotone base fee scalar at genesis.
    pub base_fee_scalar: u32,
    /// The Ecotone blob base fee scalar at genesis.
    pub blob_base_fee_scalar: u32,
}

impl Default for DeployParams {
    fn default() -> Self {
        DeployParams {
            l2_chain_id: 901,
            gas_limit: 30_000_000,
            base_fee_scalar: 1_368,
            blob_base_fee_scalar: 810_949,
        }
    }
}

/// The batch inbox of an L2 chain: `0xff00…` followed by the chain id in decimal digits (the
/// convention of the OP Stack's chains).
pub fn batch_inbox(l2_chain_id: u64) -> Address {
    let digits = format!("{l2_chain_id:040}");
    let mut s = String::from("ff");
    s.push_str(&digits[2..]);
    s.parse().expect("40 hex digits")
}

/// The L1 node as the rollup's actors use it: a client, and whether blocks are mined on request.
#[derive(Clone, Debug)]
pub struct L1 {
    /// The client.
    pub client: L1Client,
    /// Whether anvil mines only when asked (`--no-mining`).
    pub manual_mining: bool,
}

impl L1 {
    /// The L1 node at `url` (the beacon API on the same URL, as anvil serves it).
    pub fn new(url: &str, manual_mining: bool) -> Result<L1> {
        Ok(L1 {
            client: L1Client::new(url, url)?,
            manual_mining,
        })
    }

    /// A provider signing with `key` (nonce, gas, fees and chain id filled in).
    pub fn wallet(&self, key: &PrivateKeySigner) -> Result<DynProvider> {
        let url = self
            .client
            .url()
            .parse()
            .context(format!("L1 endpoint {}", self.client.url()))?;
        Ok(ProviderBuilder::new()
            .wallet(EthereumWallet::from(key.clone()))
            .connect_http(url)
            .erased())
    }

    /// `anvil_setBalance` of each address.
    pub async fn fund(&self, addresses: &[Address], wei: U256) -> Result<()> {
        for a in addresses {
            self.client
                .provider()
                .raw_request::<_, serde_json::Value>("anvil_setBalance".into(), (a, wei))
                .await
                .context(format!("L1 {}: anvil_setBalance({a})", self.client.url()))?;
        }
        Ok(())
    }

    /// Mines one block (`evm_mine`), at `timestamp` if given.
    pub async fn mine(&self, timestamp: Option<u64>) -> Result<()> {
        let p = self.client.provider();
        if let Some(t) = timestamp {
            p.raw_request::<_, serde_json::Value>("evm_setNextBlockTimestamp".into(), (t,))
                .await
                .context(format!(
                    "L1 {}: evm_setNextBlockTimestamp({t})",
                    self.client.url()
                ))?;
        }
        p.raw_request::<_, serde_json::Value>("evm_mine".into(), ())
            .await
            .context(format!("L1 {}: evm_mine", self.client.url()))?;
        Ok(())
    }

    /// The receipt of `tx`: mined first if mining is manual, else waited for (at most 60 s).
    /// A reverted transaction is an error.
    pub async fn confirm(&self, tx: B256, what: &str) -> Result<TransactionReceipt> {
        if self.manual_mining {
            self.mine(None).await?;
        }
        let p = self.client.provider();
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            let r = p.get_transaction_receipt(tx).await.context(format!(
                "L1 {}: eth_getTransactionReceipt({tx}) ({what})",
                self.client.url()
            ))?;
            if let Some(r) = r {
                if !r.status() {
                    return Err(Error::new(format!(
                        "{what}: transaction {tx} reverted in L1 block {:?}",
                        r.block_number
                    )));
                }
                return Ok(r);
            }
            if std::time::Instant::now() > deadline {
                return Err(Error::new(format!(
                    "{what}: transaction {tx} not mined within 60 s"
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Sends `tx` from `key`'s provider and returns its hash.
    pub async fn send(
        &self,
        wallet: &DynProvider,
        tx: TransactionRequest,
        what: &str,
    ) -> Result<B256> {
        let pending = wallet
            .send_transaction(tx)
            .await
            .context(format!("L1 {}: sending {what}", self.client.url()))?;
        Ok(*pending.tx_hash())
    }

    /// Sends `tx` and waits for its receipt.
    pub async fn send_and_confirm(
        &self,
        wallet: &DynProvider,
        tx: TransactionRequest,
        what: &str,
    ) -> Result<TransactionReceipt> {
        let hash = self.send(wallet, tx, what).await?;
        self.confirm(hash, what).await
    }

    /// The block `number`'s number, hash and time.
    pub async fn block_info(&self, number: u64) -> Result<BlockInfo> {
        let b =
            self.client.block_by_number(number).await?.ok_or_else(|| {
                Error::new(format!("L1 {}: no block {number}", self.client.url()))
            })?;
        Ok(BlockInfo {
            number,
            hash: b.hash,
            timestamp: b.header.timestamp,
        })
    }

    /// Deploys the portal and the SystemConfig from `keys.deployer` (funding every key first).
    pub async fn deploy(&self, keys: &Keys, params: &DeployParams) -> Result<Deployment> {
        let addrs: Vec<Address> = keys.all().iter().map(|(_, k)| k.address()).collect();
        self.fund(
            &addrs,
            U256::from(10_000u64) * U256::from(10u64).pow(U256::from(18u64)),
        )
        .await?;
        if self.manual_mining {
            self.mine(None).await?;
        }
        let chain_id = self
            .client
            .provider()
            .get_chain_id()
            .await
            .context(format!("L1 {}: eth_chainId", self.client.url()))?;
        let wallet = self.wallet(&keys.deployer)?;
        let portal_tx =
            TransactionRequest::default().with_deploy_code(DepositPortal::BYTECODE.clone());
        let r = self
            .send_and_confirm(&wallet, portal_tx, "deploying DepositPortal")
            .await?;
        let portal = r
            .contract_address
            .ok_or_else(|| Error::new("deploying DepositPortal: no contract address"))?;
        let inbox = batch_inbox(params.l2_chain_id);
        let args = SystemConfig::constructorCall {
            owner_: keys.owner.address(),
            batcher_: keys.batcher.address(),
            basefeeScalar_: params.base_fee_scalar,
            blobbasefeeScalar_: params.blob_base_fee_scalar,
            gasLimit_: params.gas_limit,
            unsafeBlockSigner_: keys.sequencer.address(),
            batchInbox_: inbox,
            optimismPortal_: portal,
        };
        let code = [
            SystemConfig::BYTECODE.as_ref(),
            &alloy::sol_types::SolConstructor::abi_encode(&args),
        ]
        .concat();
        let sc_tx = TransactionRequest::default().with_deploy_code(Bytes::from(code));
        let r = self
            .send_and_confirm(&wallet, sc_tx, "deploying SystemConfig")
            .await?;
        let system_config = r
            .contract_address
            .ok_or_else(|| Error::new("deploying SystemConfig: no contract address"))?;
        let number = r
            .block_number
            .ok_or_else(|| Error::new("deploying SystemConfig: no block number"))?;
        Ok(Deployment {
            l1_chain_id: chain_id,
            deposit_contract_address: portal,
            l1_system_config_address: system_config,
            batch_inbox_address: inbox,
            genesis_l1: self.block_info(number).await?,
            owner: keys.owner.address(),
            batcher: keys.batcher.address(),
            proposer: keys.proposer.address(),
            unsafe_block_signer: keys.sequencer.address(),
            gas_limit: params.gas_limit,
            base_fee_scalar: params.base_fee_scalar,
            blob_base_fee_scalar: params.blob_base_fee_scalar,
        })
    }
}

/// One deposit.
#[derive(Clone, Debug, Default)]
pub struct Deposit {
    /// The L2 recipient (zero for a creation).
    pub to: Address,
    /// ETH sent along (minted on L2).
    pub mint: U256,
    /// The L2 value.
    pub value: U256,
    /// The L2 gas limit.
    pub gas_limit: u64,
    /// Whether it creates a contract.
    pub is_creation: bool,
    /// Calldata or creation code.
    pub data: Bytes,
}

/// The transaction depositing `d` through the portal at `portal`.
pub fn deposit_tx(portal: Address, d: &Deposit) -> TransactionRequest {
    let call = DepositPortal::depositTransactionCall {
        to: d.to,
        value: d.value,
        gasLimit: d.gas_limit,
        isCreation: d.is_creation,
        data: d.data.clone(),
    };
    TransactionRequest::default()
        .with_to(portal)
        .with_value(d.mint)
        .with_input(alloy::sol_types::SolCall::abi_encode(&call))
}

/// The transaction depositing `d` through a [`DepositCaller`] at `caller` (so the L2 sender is
/// the caller's alias).
pub fn deposit_via_contract_tx(
    caller: Address,
    portal: Address,
    d: &Deposit,
) -> TransactionRequest {
    let call = DepositCaller::depositCall {
        portal,
        to: d.to,
        value: d.value,
        gasLimit: d.gas_limit,
        data: d.data.clone(),
    };
    TransactionRequest::default()
        .with_to(caller)
        .with_value(d.mint)
        .with_input(alloy::sol_types::SolCall::abi_encode(&call))
}

/// A SystemConfig update, one per `ConfigUpdate` type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigChange {
    /// Type 0: the batcher (as a version-0 batcher hash).
    Batcher(Address),
    /// Type 1: the Ecotone scalars (base fee, blob base fee).
    EcotoneScalars(u32, u32),
    /// Type 1, pre-Ecotone: overhead and scalar.
    GasConfig(U256, U256),
    /// Type 2: the L2 gas limit.
    GasLimit(u64),
    /// Type 3: the unsafe block signer.
    UnsafeBlockSigner(Address),
    /// Type 4: EIP-1559 denominator and elasticity.
    Eip1559Params(u32, u32),
    /// Type 5: operator fee scalar and constant.
    OperatorFee(u32, u64),
    /// Type 6: minimum base fee.
    MinBaseFee(u64),
    /// Type 7: DA footprint gas scalar.
    DaFootprintGasScalar(u16),
}

impl ConfigChange {
    /// The SystemConfig call.
    pub fn calldata(&self) -> Vec<u8> {
        use alloy::sol_types::SolCall;
        use SystemConfig as S;
        match *self {
            ConfigChange::Batcher(a) => S::setBatcherHashCall {
                batcherHash_: B256::left_padding_from(a.as_slice()),
            }
            .abi_encode(),
            ConfigChange::EcotoneScalars(b, bb) => S::setGasConfigEcotoneCall {
                basefeeScalar_: b,
                blobbasefeeScalar_: bb,
            }
            .abi_encode(),
            ConfigChange::GasConfig(o, s) => S::setGasConfigCall {
                overhead_: o,
                scalar_: s,
            }
            .abi_encode(),
            ConfigChange::GasLimit(g) => S::setGasLimitCall { gasLimit_: g }.abi_encode(),
            ConfigChange::UnsafeBlockSigner(a) => S::setUnsafeBlockSignerCall {
                unsafeBlockSigner_: a,
            }
            .abi_encode(),
            ConfigChange::Eip1559Params(d, e) => S::setEIP1559ParamsCall {
                denominator: d,
                elasticity: e,
            }
            .abi_encode(),
            ConfigChange::OperatorFee(s, c) => S::setOperatorFeeScalarsCall {
                scalar_: s,
                constant_: c,
            }
            .abi_encode(),
            ConfigChange::MinBaseFee(m) => S::setMinBaseFeeCall { minBaseFee_: m }.abi_encode(),
            ConfigChange::DaFootprintGasScalar(s) => {
                S::setDAFootprintGasScalarCall { scalar_: s }.abi_encode()
            }
        }
    }

    /// The update type it emits.
    pub fn update_type(&self) -> u8 {
        match self {
            ConfigChange::Batcher(_) => 0,
            ConfigChange::EcotoneScalars(..) | ConfigChange::GasConfig(..) => 1,
            ConfigChange::GasLimit(_) => 2,
            ConfigChange::UnsafeBlockSigner(_) => 3,
            ConfigChange::Eip1559Params(..) => 4,
            ConfigChange::OperatorFee(..) => 5,
            ConfigChange::MinBaseFee(_) => 6,
            ConfigChange::DaFootprintGasScalar(_) => 7,
        }
    }

    /// The transaction making the change on the SystemConfig at `system_config`.
    pub fn tx(&self, system_config: Address) -> TransactionRequest {
        TransactionRequest::default()
            .with_to(system_config)
            .with_input(self.calldata())
    }
}
