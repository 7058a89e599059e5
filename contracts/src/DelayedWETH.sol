// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {IDelayedWETH} from "./IDisputeGame.sol";

/// @title DelayedWETH
/// @notice The escrow that holds dispute game bonds, with the OP Stack's `DelayedWETH` interface
///         for what games and challengers use: wrapped ether (`deposit`, `withdraw(wad)`,
///         `balanceOf`), and delayed withdrawals. A game `unlock`s an amount for a recipient
///         (adding to it and restarting the delay); after `delay()` seconds the game may
///         `withdraw(guy, wad)` it and pays the recipient. Withdrawals are kept per game
///         (`msg.sender`) and recipient. Left out: the owner's `hold` and `recover`.
contract DelayedWETH is IDelayedWETH {
    /// @notice An unlocked withdrawal: how much, and when it was last unlocked.
    struct WithdrawalRequest {
        uint256 amount;
        uint256 timestamp;
    }

    /// @notice Seconds between an unlock and its withdrawal.
    uint256 internal immutable DELAY_SECONDS;

    /// @notice Wrapped balances.
    mapping(address => uint256) public balanceOf;
    /// @notice Unlocked withdrawals, by game and recipient.
    mapping(address => mapping(address => WithdrawalRequest)) public withdrawals;

    /// @notice Emitted when ether is wrapped.
    event Deposit(address indexed dst, uint256 wad);
    /// @notice Emitted when ether is unwrapped.
    event Withdrawal(address indexed src, uint256 wad);

    /// @param delaySeconds The withdrawal delay.
    constructor(uint256 delaySeconds) {
        DELAY_SECONDS = delaySeconds;
    }

    /// @notice The withdrawal delay in seconds.
    function delay() external view returns (uint256) {
        return DELAY_SECONDS;
    }

    /// @notice Wraps `msg.value` for the sender.
    function deposit() public payable {
        balanceOf[msg.sender] += msg.value;
        emit Deposit(msg.sender, msg.value);
    }

    /// @notice Plain ether is wrapped for the sender.
    receive() external payable {
        deposit();
    }

    /// @notice Unlocks `wad` of the sender's (the game's) escrow for `guy`; restarts the delay.
    function unlock(address guy, uint256 wad) external {
        WithdrawalRequest storage wd = withdrawals[msg.sender][guy];
        wd.timestamp = block.timestamp;
        wd.amount += wad;
    }

    /// @notice Withdraws `wad` unlocked for `guy` to the sender (the game), once the delay passed.
    function withdraw(address guy, uint256 wad) external {
        WithdrawalRequest storage wd = withdrawals[msg.sender][guy];
        require(wd.amount >= wad, "DelayedWETH: insufficient unlocked withdrawal");
        require(wd.timestamp > 0, "DelayedWETH: withdrawal not unlocked");
        require(wd.timestamp + DELAY_SECONDS <= block.timestamp, "DelayedWETH: withdrawal delay not met");
        wd.amount -= wad;
        _withdraw(wad);
    }

    /// @notice Unwraps `wad` of the sender's balance.
    function withdraw(uint256 wad) external {
        _withdraw(wad);
    }

    /// @notice Unwraps `wad` of the sender's balance and sends it the ether.
    function _withdraw(uint256 wad) internal {
        require(balanceOf[msg.sender] >= wad, "DelayedWETH: insufficient balance");
        balanceOf[msg.sender] -= wad;
        emit Withdrawal(msg.sender, wad);
        (bool ok,) = msg.sender.call{value: wad}("");
        require(ok, "DelayedWETH: transfer failed");
    }
}
