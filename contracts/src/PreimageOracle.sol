// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {IPreimageOracle} from "./IPreimageOracle.sol";

/// @title PreimageOracle
/// @notice Verdict's preimage oracle, ABI-compatible with the OP Stack's (specs/fault-proof/index.md,
///         "Pre-image Oracle"; the keys of `../shared/docs/preimage-oracle.md`). A value is stored as
///         32-byte parts of `uint64 BE length ++ value`, each loaded at its own offset; the step
///         reads them with `readPreimage`. Every loader checks the value against its key: local data
///         is bound to the caller (the game) and its local context, keccak256 and sha256 values are
///         hashed, blob field elements are checked by the point-evaluation precompile, precompile
///         results are computed here. As in the OP Stack's oracle, a part loads only at an offset
///         before the end of the length-prefixed value (`partOffset < size + 8`, every key type):
///         there is no part at the end of the data, so a step reading there cannot be proven.
///
///         Left out: large preimage proposals (`initLPP`, `addLeavesLPP`, challenges, `squeezeLPP`).
contract PreimageOracle is IPreimageOracle {
    /// @notice Gas kept back beyond a precompile's required gas (as the OP Stack's oracle).
    uint256 public constant PRECOMPILE_CALL_RESERVED_GAS = 100_000;

    /// @notice The point-evaluation precompile (EIP-4844).
    address internal constant POINT_EVALUATION = address(0x0a);

    /// @notice Lengths of the values, by key.
    mapping(bytes32 => uint256) public preimageLengths;
    /// @notice The large preimage proposals' challenge period, which games add to the clock
    ///         extension before a step (no proposals here, but games read it all the same).
    uint256 internal immutable CHALLENGE_PERIOD;

    /// @notice Loaded parts, by key and offset.
    mapping(bytes32 => mapping(uint256 => bytes32)) public preimageParts;
    /// @notice Whether a part was loaded, by key and offset.
    mapping(bytes32 => mapping(uint256 => bool)) public preimagePartOk;

    /// @param challengePeriod_ The challenge period games read (`challengePeriod()`).
    constructor(uint256 challengePeriod_) {
        CHALLENGE_PERIOD = challengePeriod_;
    }

    /// @inheritdoc IPreimageOracle
    function challengePeriod() external view returns (uint256) {
        return CHALLENGE_PERIOD;
    }

    /// @notice The version of this contract.
    function version() external pure returns (string memory) {
        return "1.0.0-verdict";
    }

    /// @inheritdoc IPreimageOracle
    function readPreimage(bytes32 key, uint256 offset) external view returns (bytes32 dat, uint256 datLen) {
        require(preimagePartOk[key][offset], "pre-image must exist");
        uint256 total = preimageLengths[key] + 8;
        datLen = total - offset;
        if (datLen > 32) datLen = 32;
        dat = preimageParts[key][offset];
    }

    /// @inheritdoc IPreimageOracle
    function loadLocalData(uint256 ident, bytes32 localContext, bytes32 word, uint256 size, uint256 partOffset)
        external
        returns (bytes32 key)
    {
        if (size > 32 || partOffset >= size + 8) revert PartOffsetOOB();
        bytes32 identKey = bytes32(ident | (uint256(1) << 248));
        key = _withType(keccak256(abi.encode(identKey, msg.sender, localContext)), 1);
        bytes memory value = abi.encodePacked(word);
        assembly {
            mstore(value, size)
        }
        _store(key, value, partOffset);
    }

    /// @inheritdoc IPreimageOracle
    function loadKeccak256PreimagePart(uint256 partOffset, bytes calldata preimage) external {
        if (partOffset >= preimage.length + 8) revert PartOffsetOOB();
        _store(_withType(keccak256(preimage), 2), preimage, partOffset);
    }

    /// @inheritdoc IPreimageOracle
    function loadSha256PreimagePart(uint256 partOffset, bytes calldata preimage) external {
        if (partOffset >= preimage.length + 8) revert PartOffsetOOB();
        _store(_withType(sha256(preimage), 4), preimage, partOffset);
    }

    /// @inheritdoc IPreimageOracle
    function loadBlobPreimagePart(uint256 z, uint256 y, bytes calldata commitment, bytes calldata proof, uint256 partOffset)
        external
    {
        if (partOffset >= 40) revert PartOffsetOOB();
        bytes32 versionedHash = _withType(sha256(commitment), 1);
        (bool ok,) = POINT_EVALUATION.staticcall(abi.encodePacked(versionedHash, z, y, commitment, proof));
        if (!ok) revert InvalidProof();
        bytes32 key = _withType(keccak256(abi.encodePacked(commitment, z)), 5);
        _store(key, abi.encodePacked(y), partOffset);
    }

    /// @inheritdoc IPreimageOracle
    function loadPrecompilePreimagePart(uint256 partOffset, address precompile, uint64 requiredGas, bytes calldata input)
        external
    {
        bytes32 key = _withType(keccak256(abi.encodePacked(precompile, requiredGas, input)), 6);
        if (gasleft() < (uint256(requiredGas) * 64) / 63 + PRECOMPILE_CALL_RESERVED_GAS) revert NotEnoughGas();
        (bool ok, bytes memory out) = precompile.staticcall{gas: requiredGas}(input);
        bytes memory result = abi.encodePacked(ok ? uint8(1) : uint8(0), out);
        if (partOffset >= result.length + 8) revert PartOffsetOOB();
        _store(key, result, partOffset);
    }

    /// @notice `h` with its first byte replaced by the key type `t`.
    function _withType(bytes32 h, uint8 t) internal pure returns (bytes32) {
        return (h & ~bytes32(uint256(0xff) << 248)) | bytes32(uint256(t) << 248);
    }

    /// @notice Stores the part at `offset` of `uint64 BE length ++ value` (zeros past its end).
    function _store(bytes32 key, bytes memory value, uint256 offset) internal {
        bytes memory prefixed = abi.encodePacked(uint64(value.length), value, bytes32(0));
        bytes32 part;
        assembly {
            part := mload(add(add(prefixed, 0x20), offset))
        }
        preimagePartOk[key][offset] = true;
        preimageParts[key][offset] = part;
        preimageLengths[key] = value.length;
    }
}
