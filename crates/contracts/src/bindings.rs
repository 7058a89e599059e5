//! ABI bindings of the contracts (`alloy-sol-types`), written after their Solidity interfaces.
#![allow(missing_docs)]

alloy_sol_types::sol! {
    /// The RISC-V step verifier (`RISCV.sol`).
    interface IRISCV {
        function oracle() external view returns (address);
        function step(bytes stateData, bytes proof, bytes32 localContext) external returns (bytes32);
    }

    /// The preimage oracle (`PreimageOracle.sol`, `IPreimageOracle.sol`).
    interface IPreimageOracle {
        error PartOffsetOOB();
        error InvalidProof();
        error NotEnoughGas();
        function readPreimage(bytes32 key, uint256 offset) external view returns (bytes32 dat, uint256 datLen);
        function loadLocalData(uint256 ident, bytes32 localContext, bytes32 word, uint256 size, uint256 partOffset) external returns (bytes32 key);
        function loadKeccak256PreimagePart(uint256 partOffset, bytes preimage) external;
        function loadSha256PreimagePart(uint256 partOffset, bytes preimage) external;
        function loadBlobPreimagePart(uint256 z, uint256 y, bytes commitment, bytes proof, uint256 partOffset) external;
        function loadPrecompilePreimagePart(uint256 partOffset, address precompile, uint64 requiredGas, bytes input) external;
        function preimageLengths(bytes32 key) external view returns (uint256);
        function preimageParts(bytes32 key, uint256 offset) external view returns (bytes32);
        function preimagePartOk(bytes32 key, uint256 offset) external view returns (bool);
        function version() external view returns (string);
    }
}
