//! Bindings of Verdict's L1 contracts (`contracts/src`, compiled by `scripts/build-contracts.sh`
//! into `contracts/out`): alloy's `sol!` reads each artifact's ABI and bytecode.

#![allow(missing_docs)]
// The SystemConfig's constructor takes every genesis value.
#![allow(clippy::too_many_arguments)]

use alloy::sol;

sol!(
    /// The deposit contract: `TransactionDeposited` logs for derivation.
    #[sol(rpc)]
    #[derive(Debug)]
    DepositPortal,
    "../../contracts/out/DepositPortal.json"
);

sol!(
    /// The SystemConfig: `ConfigUpdate` logs for derivation.
    #[sol(rpc)]
    #[derive(Debug)]
    SystemConfig,
    "../../contracts/out/SystemConfig.json"
);

sol!(
    /// A contract that deposits through the portal (its deposits' sender is aliased).
    #[sol(rpc)]
    #[derive(Debug)]
    DepositCaller,
    "../../contracts/out/DepositCaller.json"
);

/// `0x1111000000000000000000000000000000001111`: added to a contract caller's address (deposits.md,
/// "Address Aliasing").
pub const ALIAS_OFFSET: alloy::primitives::U160 = alloy::primitives::U160::from_be_bytes(
    alloy::primitives::hex!("1111000000000000000000000000000000001111"),
);

/// The L2 alias of an L1 contract's address.
pub fn alias(address: alloy::primitives::Address) -> alloy::primitives::Address {
    let a = alloy::primitives::U160::from_be_bytes(address.0 .0);
    alloy::primitives::Address::from(a.wrapping_add(ALIAS_OFFSET).to_be_bytes::<20>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::{address, keccak256};
    use alloy::sol_types::SolEvent;

    #[test]
    fn events_have_the_topics_derivation_reads() {
        assert_eq!(
            DepositPortal::TransactionDeposited::SIGNATURE_HASH,
            verdict_derive::deposits::DEPOSIT_EVENT_TOPIC
        );
        assert_eq!(
            SystemConfig::ConfigUpdate::SIGNATURE_HASH,
            verdict_derive::system_config::CONFIG_UPDATE_TOPIC
        );
        assert_eq!(
            SystemConfig::ConfigUpdate::SIGNATURE_HASH,
            keccak256("ConfigUpdate(uint256,uint8,bytes)")
        );
    }

    #[test]
    fn aliasing_wraps_around() {
        assert_eq!(
            alias(address!("0000000000000000000000000000000000000001")),
            address!("1111000000000000000000000000000000001112")
        );
        assert_eq!(
            alias(address!("ffffffffffffffffffffffffffffffffffffffff")),
            address!("1111000000000000000000000000000000001110")
        );
    }
}
