// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {IPreimageOracle} from "./IPreimageOracle.sol";
import {IBigStepper} from "./IDisputeGame.sol";

/// @title ScriptedVM
/// @notice For tests only: a VM whose steps return post-states registered beforehand for exactly
///         (stateData, proof, localContext), so that a game recorded by `verdict-game` (whose VM
///         ran in Rust) replays on the EVM; a step with any other input, a wrong local context
///         included, reverts `UnknownStep`.
contract ScriptedVM is IBigStepper {
    IPreimageOracle internal immutable ORACLE;

    /// @notice Registered post-states, by keccak256(abi.encode(stateData, proof, localContext)).
    mapping(bytes32 => bytes32) public posts;
    mapping(bytes32 => bool) public known;

    /// @notice No post-state is registered for this input.
    error UnknownStep(bytes32 key);

    /// @param oracle_ The oracle `oracle()` names.
    constructor(IPreimageOracle oracle_) {
        ORACLE = oracle_;
    }

    /// @notice The preimage oracle games load local data into.
    function oracle() external view returns (IPreimageOracle) {
        return ORACLE;
    }

    /// @notice Registers the post-state of a step.
    function setPost(bytes calldata stateData, bytes calldata proof, bytes32 localContext, bytes32 post) external {
        bytes32 key = keccak256(abi.encode(stateData, proof, localContext));
        posts[key] = post;
        known[key] = true;
    }

    /// @notice The registered post-state of the input, or `UnknownStep`.
    function step(bytes calldata stateData, bytes calldata proof, bytes32 localContext)
        external
        view
        returns (bytes32)
    {
        bytes32 key = keccak256(abi.encode(stateData, proof, localContext));
        if (!known[key]) revert UnknownStep(key);
        return posts[key];
    }
}
