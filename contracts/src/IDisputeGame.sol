// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {IPreimageOracle} from "./IPreimageOracle.sol";

/// @notice The status of a dispute game (the OP Stack's `GameStatus`).
enum GameStatus {
    IN_PROGRESS,
    CHALLENGER_WINS,
    DEFENDER_WINS
}

/// @notice How a closed game pays out its bonds (the OP Stack's `BondDistributionMode`).
enum BondDistributionMode {
    UNDECIDED,
    NORMAL,
    REFUND
}

/// @title IDisputeGame
/// @notice What the factory and the anchor state registry ask of a game: the OP Stack's
///         `IDisputeGame` views, plus `initializeGame`, through which Verdict's factory hands a
///         fresh clone its creator, root claim, L1 head and extra data (the OP Stack passes them
///         as immutable arguments appended to the clone's calldata instead).
interface IDisputeGame {
    function gameType() external view returns (uint32);
    function gameCreator() external view returns (address);
    function rootClaim() external view returns (bytes32);
    function l1Head() external view returns (bytes32);
    function extraData() external view returns (bytes memory);
    function l2BlockNumber() external view returns (uint256);
    function l2SequenceNumber() external view returns (uint256);
    function status() external view returns (GameStatus);
    function createdAt() external view returns (uint64);
    function resolvedAt() external view returns (uint64);
    function wasRespectedGameTypeWhenCreated() external view returns (bool);
    function anchorStateRegistry() external view returns (address);

    /// @notice Called once by the factory in the transaction that creates the clone.
    function initializeGame(address creator, bytes32 rootClaim, bytes32 l1Head, bytes calldata extraData)
        external
        payable;
}

/// @title IBigStepper
/// @notice The onchain VM a fault dispute game steps on (`RISCV.sol`).
interface IBigStepper {
    function step(bytes calldata stateData, bytes calldata proof, bytes32 localContext) external returns (bytes32);
    function oracle() external view returns (IPreimageOracle);
}

/// @title IDelayedWETH
/// @notice The bond escrow with a withdrawal delay (`DelayedWETH.sol`).
interface IDelayedWETH {
    function deposit() external payable;
    function unlock(address guy, uint256 wad) external;
    function withdraw(address guy, uint256 wad) external;
    function delay() external view returns (uint256);
}

/// @title IAnchorStateRegistry
/// @notice The part of the anchor state registry games use (`AnchorStateRegistry.sol`).
interface IAnchorStateRegistry {
    function getAnchorRoot() external view returns (bytes32 root, uint256 l2BlockNumber);
    function respectedGameType() external view returns (uint32);
    function disputeGameFactory() external view returns (address);
    function isGameFinalized(IDisputeGame game) external view returns (bool);
    function isGameProper(IDisputeGame game) external view returns (bool);
    function setAnchorState(IDisputeGame game) external;
}

/// @title IDisputeGameFactory
/// @notice The factory lookup the anchor state registry uses to tell a registered game.
interface IDisputeGameFactory {
    function games(uint32 gameType, bytes32 rootClaim, bytes calldata extraData)
        external
        view
        returns (IDisputeGame proxy, uint64 timestamp);
}
