// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

/// @title DepositPortal
/// @notice Verdict's L1 deposit contract for the local chain, written from the OP Stack specs
///         (specs/protocol/deposits.md, "Deposit Contract" and "Address Aliasing";
///         guaranteed-gas-market.md for the per-block limit). Each deposit emits
///         `TransactionDeposited(from, to, version, opaqueData)`, from which derivation builds a
///         user-deposited transaction. Version 0's opaque data is the packed encoding of
///         `mint` (uint256, the ETH sent along), `value` (uint256), `gasLimit` (uint64),
///         `isCreation` (bool) and `data` (the rest).
///
///         Left out on purpose: the gas market's fee burn (deposits only count against a
///         per-L1-block limit here) and withdrawals (proven and finalized against output roots
///         once the dispute contracts exist).
contract DepositPortal {
    /// @notice The opaque data version emitted.
    uint256 public constant DEPOSIT_VERSION = 0;

    /// @notice Added (modulo 2^160) to a contract caller's address: its alias on L2.
    uint160 public constant ALIAS_OFFSET = uint160(0x1111000000000000000000000000000000001111);

    /// @notice The L2 gas that the deposits of one L1 block may guarantee in total.
    uint64 public constant MAX_RESOURCE_LIMIT = 20_000_000;

    /// @notice The largest calldata of a deposit, so that one always fits in an L2 block.
    uint256 public constant MAX_DATA_LENGTH = 120_000;

    /// @notice Emitted for every deposit; derivation reads these logs.
    event TransactionDeposited(address indexed from, address indexed to, uint256 indexed version, bytes opaqueData);

    error CreationWithTarget();
    error GasLimitTooLow(uint64 gasLimit, uint64 minimum);
    error DataTooLarge(uint256 length);
    error BlockResourceLimit(uint64 used, uint64 limit);

    /// @notice The L1 block whose guaranteed gas `usedGas` counts.
    uint256 public usedBlock;
    /// @notice The L2 gas guaranteed by deposits in `usedBlock`.
    uint64 public usedGas;

    /// @notice The smallest gas limit a deposit carrying `length` bytes may ask for: the 21,000
    ///         of a transaction plus 40 per byte of data.
    function minimumGasLimit(uint256 length) public pure returns (uint64) {
        return uint64(21_000 + length * 40);
    }

    /// @notice The address a deposit from `sender` runs as on L2: its alias if `sender` is a
    ///         contract, otherwise itself.
    function l2Sender(address sender, bool isContract) public pure returns (address) {
        if (!isContract) {
            return sender;
        }
        unchecked {
            return address(uint160(sender) + ALIAS_OFFSET);
        }
    }

    /// @notice Deposits a transaction to L2. The ETH sent along is minted to the L2 sender.
    /// @param to The L2 recipient (zero for a contract creation).
    /// @param value The ETH the L2 transaction sends (from the L2 sender's balance, after the mint).
    /// @param gasLimit The L2 gas limit.
    /// @param isCreation Whether the L2 transaction creates a contract (`to` must then be zero).
    /// @param data The L2 calldata, or the creation code.
    function depositTransaction(address to, uint256 value, uint64 gasLimit, bool isCreation, bytes calldata data)
        external
        payable
    {
        _deposit(to, value, gasLimit, isCreation, data);
    }

    /// @notice Plain ETH sent here is deposited to the sender's own L2 address.
    receive() external payable {
        _deposit(msg.sender, msg.value, 100_000, false, "");
    }

    function _deposit(address to, uint256 value, uint64 gasLimit, bool isCreation, bytes memory data) internal {
        if (isCreation && to != address(0)) {
            revert CreationWithTarget();
        }
        if (data.length > MAX_DATA_LENGTH) {
            revert DataTooLarge(data.length);
        }
        uint64 minimum = minimumGasLimit(data.length);
        if (gasLimit < minimum) {
            revert GasLimitTooLow(gasLimit, minimum);
        }
        if (usedBlock != block.number) {
            usedBlock = block.number;
            usedGas = 0;
        }
        uint64 used = usedGas + gasLimit;
        if (used > MAX_RESOURCE_LIMIT) {
            revert BlockResourceLimit(used, MAX_RESOURCE_LIMIT);
        }
        usedGas = used;

        // A call from a contract (including a constructor) has a sender other than the
        // transaction's origin.
        address from = l2Sender(msg.sender, msg.sender != tx.origin);
        bytes memory opaqueData = abi.encodePacked(msg.value, value, gasLimit, isCreation, data);
        emit TransactionDeposited(from, to, DEPOSIT_VERSION, opaqueData);
    }
}
