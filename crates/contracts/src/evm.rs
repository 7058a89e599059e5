//! An in-memory EVM (revm, Prague rules) holding deployed contracts, for tests.

use alloy_primitives::{Address, Bytes, Log, U256};
use revm::context::result::{ExecutionResult, Output};
use revm::context::TxEnv;
use revm::database::{CacheDB, EmptyDB};
use revm::primitives::hardfork::SpecId;
use revm::primitives::TxKind;
use revm::state::AccountInfo;
use revm::{Context, ExecuteCommitEvm, ExecuteEvm, MainBuilder, MainContext, MainnetEvm};

type Ctx =
    revm::context::Context<revm::context::BlockEnv, TxEnv, revm::context::CfgEnv, CacheDB<EmptyDB>>;

/// The result of a call or deployment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallOutcome {
    /// It returned `output`.
    Success {
        /// The return data (for a deployment, the new address's bytes). Empty for a transaction
        /// mined on a node, whose receipt has no return data (its views have it).
        output: Bytes,
        /// Gas used by the transaction (intrinsic gas included).
        gas_used: u64,
        /// Gas of the execution alone: spent before refunds and the calldata floor, less the
        /// intrinsic 21,000 and the calldata (4 per zero byte, 16 per other byte). What a
        /// contract calling this one pays for the call's execution. On a node
        /// ([`AnvilL1`](crate::AnvilL1)) it is reckoned from the receipt's gas, after refunds.
        execution_gas: u64,
        /// Logs emitted.
        logs: Vec<Log>,
    },
    /// It reverted with `data`.
    Revert {
        /// The revert data.
        data: Bytes,
        /// Gas used.
        gas_used: u64,
    },
    /// It halted (out of gas, invalid opcode, ...).
    Halt {
        /// The reason, as revm prints it.
        reason: String,
        /// Gas used.
        gas_used: u64,
    },
}

impl CallOutcome {
    /// Gas used, whatever the outcome.
    pub fn gas_used(&self) -> u64 {
        match self {
            CallOutcome::Success { gas_used, .. }
            | CallOutcome::Revert { gas_used, .. }
            | CallOutcome::Halt { gas_used, .. } => *gas_used,
        }
    }
}

/// The calldata's intrinsic gas (EIP-2028): 4 per zero byte, 16 per other byte.
fn data_cost(data: &[u8]) -> u64 {
    data.iter().map(|&b| if b == 0 { 4 } else { 16 }).sum()
}

/// Why the EVM could not run a transaction at all (not a revert: an invalid transaction).
#[derive(Debug, thiserror::Error)]
pub enum EvmError {
    /// revm refused the transaction.
    #[error("the EVM refused the transaction: {0}")]
    Invalid(String),
    /// A deployment did not return an address.
    #[error("deployment failed: {0:?}")]
    Deploy(CallOutcome),
    /// The node could not be reached or refused the request (an L1 over JSON-RPC).
    #[error("the node: {0}")]
    Node(String),
}

/// An EVM with an in-memory state; every call is a committed transaction.
pub struct TestEvm {
    evm: MainnetEvm<Ctx>,
    /// Gas limit of each transaction.
    pub gas_limit: u64,
}

impl Default for TestEvm {
    fn default() -> Self {
        Self::new()
    }
}

impl TestEvm {
    /// An empty chain under Prague rules, no base fee.
    pub fn new() -> Self {
        let ctx = Context::mainnet()
            .modify_cfg_chained(|c| {
                c.set_spec_and_mainnet_gas_params(SpecId::PRAGUE);
                c.disable_nonce_check = true;
            })
            .with_db(CacheDB::new(EmptyDB::default()));
        TestEvm {
            evm: ctx.build_mainnet(),
            gas_limit: 30_000_000,
        }
    }

    /// Gives `who` a balance.
    pub fn fund(&mut self, who: Address, wei: U256) {
        self.evm.ctx.journaled_state.database.insert_account_info(
            who,
            AccountInfo {
                balance: wei,
                ..Default::default()
            },
        );
    }

    /// Sets the block the next transactions run in (number and timestamp): time travel.
    pub fn set_block(&mut self, number: u64, timestamp: u64) {
        self.evm.ctx.block.number = U256::from(number);
        self.evm.ctx.block.timestamp = U256::from(timestamp);
    }

    /// The current block's timestamp.
    pub fn timestamp(&self) -> u64 {
        self.evm.ctx.block.timestamp.saturating_to()
    }

    /// The current block's number.
    pub fn block_number(&self) -> u64 {
        self.evm.ctx.block.number.saturating_to()
    }

    /// The balance of `who` (zero for an unknown account).
    pub fn balance(&self, who: Address) -> U256 {
        use revm::database::DatabaseRef;
        self.evm
            .ctx
            .journaled_state
            .database
            .basic_ref(who)
            .ok()
            .flatten()
            .map_or(U256::ZERO, |a| a.balance)
    }

    fn execute(
        &mut self,
        from: Address,
        kind: TxKind,
        data: Vec<u8>,
        value: U256,
        commit: bool,
    ) -> Result<CallOutcome, EvmError> {
        let tx = TxEnv::builder()
            .caller(from)
            .value(value)
            .kind(kind)
            .data(data.clone().into())
            .gas_limit(self.gas_limit)
            .gas_price(0)
            .build()
            .map_err(|e| EvmError::Invalid(format!("{e:?}")))?;
        let result = if commit {
            self.evm.transact_commit(tx)
        } else {
            ExecuteEvm::transact(&mut self.evm, tx).map(|r| r.result)
        }
        .map_err(|e| EvmError::Invalid(format!("{e:?}")))?;
        let gas_used = result.tx_gas_used();
        let calldata: u64 = data_cost(&data);
        let execution_gas = result
            .gas()
            .total_gas_spent()
            .saturating_sub(21_000 + calldata);
        Ok(match result {
            ExecutionResult::Success { output, logs, .. } => CallOutcome::Success {
                output: match output {
                    Output::Call(b) => b,
                    Output::Create(_, addr) => addr
                        .map(|a| Bytes::copy_from_slice(a.as_slice()))
                        .unwrap_or_default(),
                },
                gas_used,
                execution_gas,
                logs,
            },
            ExecutionResult::Revert { output, .. } => CallOutcome::Revert {
                data: output,
                gas_used,
            },
            ExecutionResult::Halt { reason, .. } => CallOutcome::Halt {
                reason: format!("{reason:?}"),
                gas_used,
            },
        })
    }

    /// Deploys `creation` (constructor arguments appended) from `from`; returns the address.
    pub fn deploy(&mut self, from: Address, creation: Vec<u8>) -> Result<Address, EvmError> {
        match self.execute(from, TxKind::Create, creation, U256::ZERO, true)? {
            CallOutcome::Success { output, .. } if output.len() == 20 => {
                Ok(Address::from_slice(&output))
            }
            other => Err(EvmError::Deploy(other)),
        }
    }

    /// Calls `to` with `data` from `from`, committing the changes.
    pub fn call(
        &mut self,
        from: Address,
        to: Address,
        data: Vec<u8>,
    ) -> Result<CallOutcome, EvmError> {
        self.execute(from, TxKind::Call(to), data, U256::ZERO, true)
    }

    /// Calls `to` with `data` from `from`, sending `value` wei, committing the changes.
    pub fn call_value(
        &mut self,
        from: Address,
        to: Address,
        data: Vec<u8>,
        value: U256,
    ) -> Result<CallOutcome, EvmError> {
        self.execute(from, TxKind::Call(to), data, value, true)
    }
}

impl crate::L1 for TestEvm {
    fn fund(&mut self, who: Address, wei: U256) -> Result<(), EvmError> {
        TestEvm::fund(self, who, wei);
        Ok(())
    }

    fn balance_of(&mut self, who: Address) -> Result<U256, EvmError> {
        Ok(self.balance(who))
    }

    /// A new block (the next number) when the timestamp changes.
    fn set_timestamp(&mut self, timestamp: u64) -> Result<(), EvmError> {
        if timestamp != TestEvm::timestamp(self) {
            self.set_block(self.block_number() + 1, timestamp);
        }
        Ok(())
    }

    fn timestamp(&self) -> u64 {
        TestEvm::timestamp(self)
    }

    fn transact(
        &mut self,
        from: Address,
        to: Option<Address>,
        data: Vec<u8>,
        value: U256,
    ) -> Result<CallOutcome, EvmError> {
        let kind = to.map_or(TxKind::Create, TxKind::Call);
        TestEvm::execute(self, from, kind, data, value, true)
    }

    /// From the zero address, not committed.
    fn view(&mut self, to: Address, data: Vec<u8>) -> Result<CallOutcome, EvmError> {
        TestEvm::execute(
            self,
            Address::ZERO,
            TxKind::Call(to),
            data,
            U256::ZERO,
            false,
        )
    }
}
