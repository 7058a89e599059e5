// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {GameStatus, IAnchorStateRegistry, IDisputeGame, IDisputeGameFactory} from "./IDisputeGame.sol";

/// @title AnchorStateRegistry
/// @notice The anchor (an agreed output root and its L2 block number) new games start from, and
///         the judge of which games count (OP Stack specs, fault-proof/stage-one/
///         anchor-state-registry.md). A game is *proper* when the factory registered it, it is
///         not blacklisted and not retired (created after the retirement timestamp); it is
///         *finalized* once resolved and `disputeGameFinalityDelaySeconds` have passed since; its
///         claim is *valid* when it is proper, of the type respected when it was created,
///         finalized and won by the defender. `setAnchorState` moves the anchor to a game with a
///         valid claim about a later block. The guardian may blacklist games, retire all games
///         created so far and change the respected game type. Left out: the superchain pause.
contract AnchorStateRegistry is IAnchorStateRegistry {
    /// @notice The factory whose games this registry judges.
    address public immutable disputeGameFactory;
    /// @notice Who may blacklist, retire and change the respected game type.
    address public immutable guardian;
    /// @notice Seconds between a game's resolution and its finality.
    uint256 internal immutable FINALITY_DELAY;

    /// @notice The anchor before any game became it.
    bytes32 internal startingRoot;
    uint256 internal startingL2BlockNumber;
    /// @notice The game whose root claim is the anchor (none at first).
    IDisputeGame public anchorGame;
    /// @notice The game type whose games may become the anchor.
    uint32 public respectedGameType;
    /// @notice Games created at or before this time are retired.
    uint64 public retirementTimestamp;
    /// @notice Blacklisted games.
    mapping(IDisputeGame => bool) public disputeGameBlacklist;

    /// @notice The anchor moved to `game`.
    event AnchorUpdated(IDisputeGame indexed game);
    /// @notice `game` was blacklisted.
    event DisputeGameBlacklisted(IDisputeGame indexed game);
    /// @notice The retirement timestamp was set.
    event RetirementTimestampSet(uint256 timestamp);
    /// @notice The respected game type was set.
    event RespectedGameTypeSet(uint32 gameType);

    /// @notice The caller is not the guardian.
    error AnchorStateRegistry_Unauthorized();
    /// @notice The game's claim cannot become the anchor.
    error AnchorStateRegistry_InvalidAnchorGame();
    /// @notice The anchor game was blacklisted.
    error AnchorStateRegistry_AnchorGameBlacklisted();

    /// @param factory The factory whose games count.
    /// @param guardian_ Who may blacklist, retire and set the respected game type.
    /// @param startingRoot_ The first anchor's output root.
    /// @param startingL2BlockNumber_ Its L2 block number.
    /// @param respectedGameType_ The game type respected at first.
    /// @param finalityDelaySeconds The finality delay after a game's resolution.
    constructor(
        address factory,
        address guardian_,
        bytes32 startingRoot_,
        uint256 startingL2BlockNumber_,
        uint32 respectedGameType_,
        uint256 finalityDelaySeconds
    ) {
        disputeGameFactory = factory;
        guardian = guardian_;
        startingRoot = startingRoot_;
        startingL2BlockNumber = startingL2BlockNumber_;
        respectedGameType = respectedGameType_;
        FINALITY_DELAY = finalityDelaySeconds;
    }

    /// @notice The version of this contract.
    function version() external pure returns (string memory) {
        return "1.0.0-verdict";
    }

    /// @notice Seconds between a game's resolution and its finality.
    function disputeGameFinalityDelaySeconds() external view returns (uint256) {
        return FINALITY_DELAY;
    }

    /// @notice Nothing pauses this registry.
    function paused() public pure returns (bool) {
        return false;
    }

    /// @notice The current anchor: the anchor game's root claim and block, or the starting one.
    function getAnchorRoot() public view returns (bytes32 root, uint256 l2BlockNumber) {
        if (address(anchorGame) == address(0)) return (startingRoot, startingL2BlockNumber);
        if (disputeGameBlacklist[anchorGame]) revert AnchorStateRegistry_AnchorGameBlacklisted();
        return (anchorGame.rootClaim(), anchorGame.l2SequenceNumber());
    }

    /// @notice The anchor, under the older per-game-type name (one anchor for every type).
    function anchors(uint32) external view returns (bytes32 root, uint256 l2BlockNumber) {
        return getAnchorRoot();
    }

    /// @notice Reverts unless the guardian calls.
    modifier onlyGuardian() {
        if (msg.sender != guardian) revert AnchorStateRegistry_Unauthorized();
        _;
    }

    /// @notice Sets the respected game type.
    function setRespectedGameType(uint32 gameType) external onlyGuardian {
        respectedGameType = gameType;
        emit RespectedGameTypeSet(gameType);
    }

    /// @notice Retires every game created so far.
    function updateRetirementTimestamp() external onlyGuardian {
        retirementTimestamp = uint64(block.timestamp);
        emit RetirementTimestampSet(block.timestamp);
    }

    /// @notice Blacklists `game`: it is not proper, its bonds are refunded.
    function blacklistDisputeGame(IDisputeGame game) external onlyGuardian {
        disputeGameBlacklist[game] = true;
        emit DisputeGameBlacklisted(game);
    }

    /// @notice Whether the factory created `game` (and it names this registry).
    function isGameRegistered(IDisputeGame game) public view returns (bool) {
        (IDisputeGame registered,) =
            IDisputeGameFactory(disputeGameFactory).games(game.gameType(), game.rootClaim(), game.extraData());
        return address(registered) == address(game) && game.anchorStateRegistry() == address(this);
    }

    /// @notice Whether `game` was of the respected type when it was created.
    function isGameRespected(IDisputeGame game) public view returns (bool) {
        return game.wasRespectedGameTypeWhenCreated();
    }

    /// @notice Whether `game` is blacklisted.
    function isGameBlacklisted(IDisputeGame game) public view returns (bool) {
        return disputeGameBlacklist[game];
    }

    /// @notice Whether `game` was created at or before the retirement timestamp.
    function isGameRetired(IDisputeGame game) public view returns (bool) {
        return game.createdAt() <= retirementTimestamp;
    }

    /// @notice Registered, not blacklisted, not retired.
    function isGameProper(IDisputeGame game) public view returns (bool) {
        return isGameRegistered(game) && !isGameBlacklisted(game) && !isGameRetired(game) && !paused();
    }

    /// @notice Whether `game` is resolved (either side won).
    function isGameResolved(IDisputeGame game) public view returns (bool) {
        GameStatus s = game.status();
        return game.resolvedAt() != 0 && (s == GameStatus.DEFENDER_WINS || s == GameStatus.CHALLENGER_WINS);
    }

    /// @notice Resolved, and more than the finality delay ago.
    function isGameFinalized(IDisputeGame game) public view returns (bool) {
        return isGameResolved(game) && block.timestamp - game.resolvedAt() > FINALITY_DELAY;
    }

    /// @notice Whether `game`'s root claim may become the anchor.
    function isGameClaimValid(IDisputeGame game) public view returns (bool) {
        return isGameProper(game) && isGameRespected(game) && isGameFinalized(game)
            && game.status() == GameStatus.DEFENDER_WINS;
    }

    /// @notice Makes `game` the anchor if its claim is valid and about a later block.
    function setAnchorState(IDisputeGame game) external {
        if (!isGameClaimValid(game)) revert AnchorStateRegistry_InvalidAnchorGame();
        (, uint256 anchorBlock) = getAnchorRoot();
        if (game.l2SequenceNumber() <= anchorBlock) revert AnchorStateRegistry_InvalidAnchorGame();
        anchorGame = game;
        emit AnchorUpdated(game);
    }
}
