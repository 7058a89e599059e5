//! The L1 the contracts run on, as the tests and the deployment see it: the in-process
//! [`TestEvm`](crate::TestEvm) or a real node over JSON-RPC ([`AnvilL1`](crate::AnvilL1)). The same
//! deployment and the same replays run on either.

use crate::{CallOutcome, EvmError};
use alloy_primitives::{Address, U256};

/// An L1 chain that takes transactions from any account the caller names, time travel and views.
///
/// Every transaction is committed in order: when `transact` returns, the next one and every view
/// see its effects. On a node each transaction is a real signed one mined in its own block.
pub trait L1 {
    /// Sets the balance of `who` to `wei` (on a node, the account also becomes one it can send
    /// from).
    fn fund(&mut self, who: Address, wei: U256) -> Result<(), EvmError>;

    /// The balance of `who` now (zero for an unknown account).
    fn balance_of(&mut self, who: Address) -> Result<U256, EvmError>;

    /// The next transactions run in blocks with timestamp `timestamp` (time travel forward; the
    /// same timestamp again is allowed, several transactions may share it).
    fn set_timestamp(&mut self, timestamp: u64) -> Result<(), EvmError>;

    /// The timestamp the next transactions run at.
    fn timestamp(&self) -> u64;

    /// Sends a transaction from `from` to `to` (`None`: a creation with `data` as the init code),
    /// with `value` wei, and commits it. A revert is an `Ok` [`CallOutcome::Revert`] with the
    /// revert data.
    ///
    /// The return data of a successful call is in [`CallOutcome::Success`]'s `output` on the
    /// in-process EVM only: a node's receipt has none, so there it is empty (a creation's is the new
    /// address on both). Read results from logs or views.
    fn transact(
        &mut self,
        from: Address,
        to: Option<Address>,
        data: Vec<u8>,
        value: U256,
    ) -> Result<CallOutcome, EvmError>;

    /// Runs a call to `to` against the current state without committing it (`eth_call`).
    fn view(&mut self, to: Address, data: Vec<u8>) -> Result<CallOutcome, EvmError>;

    /// Runs several views against the current state (on a node, in one batch request).
    fn views(&mut self, calls: &[(Address, Vec<u8>)]) -> Result<Vec<CallOutcome>, EvmError> {
        calls
            .iter()
            .map(|(to, data)| self.view(*to, data.clone()))
            .collect()
    }

    /// Deploys `creation` (constructor arguments appended) from `from`; returns the address.
    fn deploy(&mut self, from: Address, creation: Vec<u8>) -> Result<Address, EvmError> {
        match self.transact(from, None, creation, U256::ZERO)? {
            CallOutcome::Success { output, .. } if output.len() == 20 => {
                Ok(Address::from_slice(&output))
            }
            other => Err(EvmError::Deploy(other)),
        }
    }

    /// Calls `to` with `data` from `from`, sending `value` wei, committing the changes.
    fn call_value(
        &mut self,
        from: Address,
        to: Address,
        data: Vec<u8>,
        value: U256,
    ) -> Result<CallOutcome, EvmError> {
        self.transact(from, Some(to), data, value)
    }

    /// Calls `to` with `data` from `from`, committing the changes.
    fn call(&mut self, from: Address, to: Address, data: Vec<u8>) -> Result<CallOutcome, EvmError> {
        self.transact(from, Some(to), data, U256::ZERO)
    }
}
