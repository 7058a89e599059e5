// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

/// @title IPreimageOracle
/// @notice The part of the OP Stack's PreimageOracle interface that Verdict's oracle implements
///         (large preimage proposals left out): preimages are stored as 32-byte parts of the
///         value prefixed with its length as a big-endian uint64, each part loaded at its offset.
interface IPreimageOracle {
    /// @notice A part offset at or past the end of the length-prefixed value (or local data over 32 bytes).
    error PartOffsetOOB();
    /// @notice The point-evaluation precompile refused the blob proof.
    error InvalidProof();
    /// @notice Too little gas left to run the precompile with its required gas.
    error NotEnoughGas();

    /// @notice The challenge period of large preimage proposals (games extend clocks by it).
    function challengePeriod() external view returns (uint256);

    /// @notice Reads the part at `offset` of the value of `key`; reverts unless it was loaded.
    /// @return dat The 32 bytes at the offset.
    /// @return datLen How many of them belong to the length-prefixed value (at most 32).
    function readPreimage(bytes32 key, uint256 offset) external view returns (bytes32 dat, uint256 datLen);

    /// @notice Loads local data (at most 32 bytes) under the key localized to the caller.
    function loadLocalData(uint256 ident, bytes32 localContext, bytes32 word, uint256 size, uint256 partOffset)
        external
        returns (bytes32 key);

    /// @notice Loads a part of a keccak256 preimage (key type 2).
    function loadKeccak256PreimagePart(uint256 partOffset, bytes calldata preimage) external;

    /// @notice Loads a part of a sha256 preimage (key type 4).
    function loadSha256PreimagePart(uint256 partOffset, bytes calldata preimage) external;

    /// @notice Loads a part of a blob field element (key type 5), checked by the point-evaluation precompile.
    function loadBlobPreimagePart(uint256 z, uint256 y, bytes calldata commitment, bytes calldata proof, uint256 partOffset)
        external;

    /// @notice Loads a part of a precompile's result (key type 6), running the precompile.
    function loadPrecompilePreimagePart(uint256 partOffset, address precompile, uint64 requiredGas, bytes calldata input)
        external;
}
