// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {DepositPortal} from "./DepositPortal.sol";

/// @title DepositCaller
/// @notice A contract that deposits through the portal, so that tests see a contract caller's
///         address aliased on L2.
contract DepositCaller {
    /// @notice Deposits `data` to `to` through `portal`, forwarding the ETH sent along.
    function deposit(DepositPortal portal, address to, uint256 value, uint64 gasLimit, bytes calldata data)
        external
        payable
    {
        portal.depositTransaction{value: msg.value}(to, value, gasLimit, false, data);
    }
}
