// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

/// @title L2ToL1MessagePasser
/// @notice The withdrawals predeploy at 0x4200000000000000000000000000000000000016 of Verdict's
///         local chain, written from the OP Stack specs (withdrawals.md, "The
///         L2ToL1MessagePasser Contract"): a withdrawal is recorded by its hash in `sentMessages`
///         (storage slot 0), whose storage root every output root commits to.
contract L2ToL1MessagePasser {
    /// @notice The version in the top two bytes of every withdrawal's nonce.
    uint16 public constant MESSAGE_VERSION = 1;
    /// @notice The gas limit of a withdrawal started by plain ETH sent here.
    uint256 internal constant RECEIVE_DEFAULT_GAS_LIMIT = 100_000;

    /// @notice Withdrawal hashes sent (slot 0).
    mapping(bytes32 => bool) public sentMessages;
    /// @notice The count of withdrawals sent (slot 1).
    uint240 internal msgNonce;

    /// @notice A withdrawal was started.
    event MessagePassed(
        uint256 indexed nonce,
        address indexed sender,
        address indexed target,
        uint256 value,
        uint256 gasLimit,
        bytes data,
        bytes32 withdrawalHash
    );

    /// @notice ETH sent here is withdrawn to the sender on L1.
    receive() external payable {
        initiateWithdrawal(msg.sender, RECEIVE_DEFAULT_GAS_LIMIT, bytes(""));
    }

    /// @notice Starts a withdrawal of `msg.value` to `_target` on L1, calling it with `_data`.
    function initiateWithdrawal(address _target, uint256 _gasLimit, bytes memory _data) public payable {
        uint256 nonce = messageNonce();
        bytes32 withdrawalHash = keccak256(abi.encode(nonce, msg.sender, _target, msg.value, _gasLimit, _data));
        sentMessages[withdrawalHash] = true;
        emit MessagePassed(nonce, msg.sender, _target, msg.value, _gasLimit, _data, withdrawalHash);
        unchecked {
            ++msgNonce;
        }
    }

    /// @notice The next withdrawal's nonce: the version in the top two bytes, then the count.
    function messageNonce() public view returns (uint256) {
        return (uint256(MESSAGE_VERSION) << 240) | uint256(msgNonce);
    }
}
