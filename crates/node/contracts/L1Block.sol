// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

/// @title L1Block
/// @notice The L1 attributes predeploy at 0x4200000000000000000000000000000000000015 of Verdict's
///         local chain, written from the OP Stack specs (predeploys.md "L1Block"; deposits.md "L1
///         Attributes Deposited Transaction"; ecotone/l1-attributes.md and isthmus/l1-attributes.md
///         for the packed calldata). Every L2 block's first transaction, a deposit from the
///         depositor account, stores the attributes of its L1 origin here. The storage layout is
///         the one the execution engine reads the L1 fee parameters from (slots 1, 3, 5-8).
contract L1Block {
    /// @notice The account the L1 attributes deposit is sent from.
    address public constant DEPOSITOR_ACCOUNT = 0xDeaDDEaDDeAdDeAdDEAdDEaddeAddEAdDEAd0001;

    /// @notice The L1 origin's number (slot 0).
    uint64 public number;
    /// @notice The L1 origin's timestamp (slot 0).
    uint64 public timestamp;
    /// @notice The L1 origin's base fee (slot 1).
    uint256 public basefee;
    /// @notice The L1 origin's hash (slot 2).
    bytes32 public hash;
    /// @notice The L2 block's position in its epoch (slot 3, bytes 24..32).
    uint64 public sequenceNumber;
    /// @notice The blob base fee scalar (slot 3, bytes 20..24).
    uint32 public blobBaseFeeScalar;
    /// @notice The base fee scalar (slot 3, bytes 16..20).
    uint32 public baseFeeScalar;
    /// @notice The batcher's address, left-padded (slot 4).
    bytes32 public batcherHash;
    /// @notice The pre-Ecotone fee overhead (slot 5; zero from Ecotone on).
    uint256 public l1FeeOverhead;
    /// @notice The pre-Ecotone fee scalar (slot 6; zero from Ecotone on).
    uint256 public l1FeeScalar;
    /// @notice The L1 origin's blob base fee (slot 7).
    uint256 public blobBaseFee;
    /// @notice The operator fee constant (slot 8, bytes 24..32).
    uint64 public operatorFeeConstant;
    /// @notice The operator fee scalar (slot 8, bytes 20..24).
    uint32 public operatorFeeScalar;

    /// @notice Only the depositor account sets the attributes.
    error NotDepositor();

    /// @notice Ecotone's packed attributes: baseFeeScalar (4), blobBaseFeeScalar (4),
    ///         sequenceNumber (8), timestamp (8), number (8), basefee (32), blobBaseFee (32),
    ///         hash (32), batcherHash (32), all big-endian, after the selector.
    function setL1BlockValuesEcotone() external {
        _setValues(false);
    }

    /// @notice Isthmus's packed attributes: Ecotone's, then operatorFeeScalar (4) and
    ///         operatorFeeConstant (8).
    function setL1BlockValuesIsthmus() external {
        _setValues(true);
    }

    function _setValues(bool _isthmus) internal {
        if (msg.sender != DEPOSITOR_ACCOUNT) revert NotDepositor();
        bytes calldata d = msg.data[4:];
        baseFeeScalar = uint32(bytes4(d[0:4]));
        blobBaseFeeScalar = uint32(bytes4(d[4:8]));
        sequenceNumber = uint64(bytes8(d[8:16]));
        timestamp = uint64(bytes8(d[16:24]));
        number = uint64(bytes8(d[24:32]));
        basefee = uint256(bytes32(d[32:64]));
        blobBaseFee = uint256(bytes32(d[64:96]));
        hash = bytes32(d[96:128]);
        batcherHash = bytes32(d[128:160]);
        if (_isthmus) {
            operatorFeeScalar = uint32(bytes4(d[160:164]));
            operatorFeeConstant = uint64(bytes8(d[164:172]));
        }
    }
}
