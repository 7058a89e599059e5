// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

/// @title SystemConfig
/// @notice Verdict's L1 SystemConfig for the local chain, written from the OP Stack specs
///         (specs/protocol/system-config.md and its Holocene, Isthmus and Jovian additions). It
///         holds the rollup's L1-governed parameters and announces every change with
///         `ConfigUpdate(version, updateType, data)`, version 0, `data` the ABI encoding of the
///         update's payload as `bytes`:
///           0 batcher hash (bytes32), 1 overhead and scalar (two uint256 words), 2 gas limit
///           (uint64), 3 unsafe block signer (address), 4 EIP-1559 params (uint256:
///           denominator << 32 | elasticity), 5 operator fee params (uint256: scalar << 64 |
///           constant), 6 minimum base fee (uint64), 7 DA footprint gas scalar (uint16).
///         The parameters a rollup starts with are set by the constructor; its events come before
///         the rollup's genesis L1 block and derivation never reads them.
contract SystemConfig {
    /// @notice The ConfigUpdate version emitted.
    uint256 public constant VERSION = 0;

    uint8 public constant UPDATE_BATCHER = 0;
    uint8 public constant UPDATE_FEE_SCALARS = 1;
    uint8 public constant UPDATE_GAS_LIMIT = 2;
    uint8 public constant UPDATE_UNSAFE_BLOCK_SIGNER = 3;
    uint8 public constant UPDATE_EIP_1559_PARAMS = 4;
    uint8 public constant UPDATE_OPERATOR_FEE_PARAMS = 5;
    uint8 public constant UPDATE_MIN_BASE_FEE = 6;
    uint8 public constant UPDATE_DA_FOOTPRINT_GAS_SCALAR = 7;

    /// @notice The smallest L2 gas limit: the deposits' guaranteed 20M plus 1M for system
    ///         transactions (guaranteed-gas-market.md).
    uint64 public constant MINIMUM_GAS_LIMIT = 21_000_000;
    /// @notice The largest L2 gas limit (configurability.md, "Gas Limit").
    uint64 public constant MAXIMUM_GAS_LIMIT = 200_000_000;

    /// @notice Announces a change of a derivation parameter.
    event ConfigUpdate(uint256 indexed version, uint8 indexed updateType, bytes data);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    error NotOwner(address caller);
    error GasLimitOutOfRange(uint64 gasLimit);
    error ScalarTooLarge(uint256 scalar);
    error ZeroEip1559Param();

    address public owner;
    /// @notice Where batches are sent (not changeable: it is part of the rollup config).
    address public immutable batchInbox;
    /// @notice The deposit contract of this rollup.
    address public immutable optimismPortal;
    /// @notice The L1 block the contract was deployed in.
    uint256 public immutable startBlock;

    bytes32 public batcherHash;
    uint256 public overhead;
    uint256 public scalar;
    uint64 public gasLimit;
    address public unsafeBlockSigner;
    uint32 public eip1559Denominator;
    uint32 public eip1559Elasticity;
    uint32 public operatorFeeScalar;
    uint64 public operatorFeeConstant;
    uint64 public minBaseFee;
    uint16 public daFootprintGasScalar;

    modifier onlyOwner() {
        if (msg.sender != owner) {
            revert NotOwner(msg.sender);
        }
        _;
    }

    /// @param owner_ Who may change the parameters.
    /// @param batcher_ The batcher (version-0 batcher hash: the address, left-padded).
    /// @param basefeeScalar_ The Ecotone base fee scalar.
    /// @param blobbasefeeScalar_ The Ecotone blob base fee scalar.
    /// @param gasLimit_ The L2 block gas limit.
    /// @param unsafeBlockSigner_ The sequencer's block-signing key.
    /// @param batchInbox_ The batch inbox address.
    /// @param optimismPortal_ The deposit contract.
    constructor(
        address owner_,
        address batcher_,
        uint32 basefeeScalar_,
        uint32 blobbasefeeScalar_,
        uint64 gasLimit_,
        address unsafeBlockSigner_,
        address batchInbox_,
        address optimismPortal_
    ) {
        owner = owner_;
        emit OwnershipTransferred(address(0), owner_);
        batchInbox = batchInbox_;
        optimismPortal = optimismPortal_;
        startBlock = block.number;
        _setBatcherHash(bytes32(uint256(uint160(batcher_))));
        _setGasConfig(0, ecotoneScalar(basefeeScalar_, blobbasefeeScalar_));
        _setGasLimit(gasLimit_);
        _setUnsafeBlockSigner(unsafeBlockSigner_);
    }

    /// @notice The version-1 (Ecotone) scalar: version byte 1, the blob base fee scalar in
    ///         bytes 24..28 and the base fee scalar in bytes 28..32.
    function ecotoneScalar(uint32 basefeeScalar_, uint32 blobbasefeeScalar_) public pure returns (uint256) {
        return (uint256(1) << 248) | (uint256(blobbasefeeScalar_) << 32) | uint256(basefeeScalar_);
    }

    /// @notice The batcher address of a version-0 batcher hash.
    function batcher() external view returns (address) {
        return address(uint160(uint256(batcherHash)));
    }

    function transferOwnership(address newOwner) external onlyOwner {
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    /// @notice Type 0: the batcher hash.
    function setBatcherHash(bytes32 batcherHash_) external onlyOwner {
        _setBatcherHash(batcherHash_);
    }

    /// @notice Type 1, pre-Ecotone: overhead and scalar (the scalar's top byte must be zero).
    function setGasConfig(uint256 overhead_, uint256 scalar_) external onlyOwner {
        if (scalar_ >> 248 != 0) {
            revert ScalarTooLarge(scalar_);
        }
        _setGasConfig(overhead_, scalar_);
    }

    /// @notice Type 1, from Ecotone: the versioned scalar of the two scalars, overhead zero.
    function setGasConfigEcotone(uint32 basefeeScalar_, uint32 blobbasefeeScalar_) external onlyOwner {
        _setGasConfig(0, ecotoneScalar(basefeeScalar_, blobbasefeeScalar_));
    }

    /// @notice Type 2: the L2 gas limit.
    function setGasLimit(uint64 gasLimit_) external onlyOwner {
        _setGasLimit(gasLimit_);
    }

    /// @notice Type 3: the unsafe block signer.
    function setUnsafeBlockSigner(address unsafeBlockSigner_) external onlyOwner {
        _setUnsafeBlockSigner(unsafeBlockSigner_);
    }

    /// @notice Type 4 (Holocene): the EIP-1559 denominator and elasticity, both at least 1.
    function setEIP1559Params(uint32 denominator, uint32 elasticity) external onlyOwner {
        if (denominator < 1 || elasticity < 1) {
            revert ZeroEip1559Param();
        }
        eip1559Denominator = denominator;
        eip1559Elasticity = elasticity;
        _emit(UPDATE_EIP_1559_PARAMS, abi.encode(uint256(denominator) << 32 | uint256(elasticity)));
    }

    /// @notice Type 5 (Isthmus): the operator fee scalar and constant.
    function setOperatorFeeScalars(uint32 scalar_, uint64 constant_) external onlyOwner {
        operatorFeeScalar = scalar_;
        operatorFeeConstant = constant_;
        _emit(UPDATE_OPERATOR_FEE_PARAMS, abi.encode(uint256(scalar_) << 64 | uint256(constant_)));
    }

    /// @notice Type 6 (Jovian): the minimum base fee.
    function setMinBaseFee(uint64 minBaseFee_) external onlyOwner {
        minBaseFee = minBaseFee_;
        _emit(UPDATE_MIN_BASE_FEE, abi.encode(minBaseFee_));
    }

    /// @notice Type 7 (Jovian): the DA footprint gas scalar.
    function setDAFootprintGasScalar(uint16 scalar_) external onlyOwner {
        daFootprintGasScalar = scalar_;
        _emit(UPDATE_DA_FOOTPRINT_GAS_SCALAR, abi.encode(scalar_));
    }

    function _setBatcherHash(bytes32 batcherHash_) internal {
        batcherHash = batcherHash_;
        _emit(UPDATE_BATCHER, abi.encode(batcherHash_));
    }

    function _setGasConfig(uint256 overhead_, uint256 scalar_) internal {
        overhead = overhead_;
        scalar = scalar_;
        _emit(UPDATE_FEE_SCALARS, abi.encode(overhead_, scalar_));
    }

    function _setGasLimit(uint64 gasLimit_) internal {
        if (gasLimit_ < MINIMUM_GAS_LIMIT || gasLimit_ > MAXIMUM_GAS_LIMIT) {
            revert GasLimitOutOfRange(gasLimit_);
        }
        gasLimit = gasLimit_;
        _emit(UPDATE_GAS_LIMIT, abi.encode(gasLimit_));
    }

    function _setUnsafeBlockSigner(address unsafeBlockSigner_) internal {
        unsafeBlockSigner = unsafeBlockSigner_;
        _emit(UPDATE_UNSAFE_BLOCK_SIGNER, abi.encode(unsafeBlockSigner_));
    }

    /// @dev `payload` is emitted as the ABI encoding of a `bytes`.
    function _emit(uint8 updateType, bytes memory payload) internal {
        emit ConfigUpdate(VERSION, updateType, payload);
    }
}
