// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

interface IL1Block {
    function basefee() external view returns (uint256);
    function blobBaseFee() external view returns (uint256);
    function baseFeeScalar() external view returns (uint32);
    function blobBaseFeeScalar() external view returns (uint32);
    function operatorFeeScalar() external view returns (uint32);
    function operatorFeeConstant() external view returns (uint64);
}

/// @title GasPriceOracle
/// @notice The fee parameters predeploy at 0x420000000000000000000000000000000000000F of Verdict's
///         local chain (predeploys.md, "GasPriceOracle"): the L1 fee parameters as the L1Block
///         predeploy holds them. The local chain starts at Isthmus, so the fork flags are set.
///         The L1 fee of a transaction itself is computed by the execution engine; this
///         contract does not estimate it.
contract GasPriceOracle {
    /// @notice The number of decimals of the scalars.
    uint256 public constant DECIMALS = 6;
    /// @notice The L1Block predeploy.
    IL1Block internal constant L1_BLOCK = IL1Block(0x4200000000000000000000000000000000000015);

    /// @notice Ecotone is active.
    bool public constant isEcotone = true;
    /// @notice Fjord is active.
    bool public constant isFjord = true;
    /// @notice Isthmus is active.
    bool public constant isIsthmus = true;

    /// @notice The number of decimals of the scalars.
    function decimals() external pure returns (uint256) {
        return DECIMALS;
    }

    /// @notice The L1 base fee of the current L1 origin.
    function l1BaseFee() external view returns (uint256) {
        return L1_BLOCK.basefee();
    }

    /// @notice The L1 blob base fee of the current L1 origin.
    function blobBaseFee() external view returns (uint256) {
        return L1_BLOCK.blobBaseFee();
    }

    /// @notice The base fee scalar.
    function baseFeeScalar() external view returns (uint32) {
        return L1_BLOCK.baseFeeScalar();
    }

    /// @notice The blob base fee scalar.
    function blobBaseFeeScalar() external view returns (uint32) {
        return L1_BLOCK.blobBaseFeeScalar();
    }

    /// @notice The L2 base fee.
    function gasPrice() external view returns (uint256) {
        return block.basefee;
    }

    /// @notice The L2 base fee.
    function baseFee() external view returns (uint256) {
        return block.basefee;
    }

    /// @notice The operator fee of a transaction using `_gasUsed` gas (isthmus/exec-engine.md).
    function getOperatorFee(uint256 _gasUsed) external view returns (uint256) {
        return _gasUsed * L1_BLOCK.operatorFeeScalar() / 1e6 + L1_BLOCK.operatorFeeConstant();
    }
}
