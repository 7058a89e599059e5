// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {IDisputeGame, IDisputeGameFactory} from "./IDisputeGame.sol";

/// @title DisputeGameFactory
/// @notice Creates dispute games and keeps their index, with the OP Stack's `DisputeGameFactory`
///         interface (specs/fault-proof/stage-one/dispute-game-interface.md). A game is a minimal
///         proxy (EIP-1167) of its type's implementation, created with the type's init bond, its
///         L1 head the parent block's hash; one game per (type, root claim, extra data). Games
///         are recorded as the OP Stack packs a `GameId`: type (32 bits) ++ creation timestamp
///         (64 bits) ++ address (160 bits).
contract DisputeGameFactory is IDisputeGameFactory {
    /// @notice A game found by `findLatestGames`.
    struct GameSearchResult {
        uint256 index;
        bytes32 metadata;
        uint64 timestamp;
        bytes32 rootClaim;
        bytes extraData;
    }

    /// @notice Who may set implementations and init bonds.
    address public owner;
    /// @notice The implementation of each game type.
    mapping(uint32 => IDisputeGame) public gameImpls;
    /// @notice The bond each game type's root claim must post.
    mapping(uint32 => uint256) public initBonds;
    /// @notice Game ids by `getGameUUID`.
    mapping(bytes32 => bytes32) internal _disputeGames;
    /// @notice Game ids in creation order.
    bytes32[] internal _disputeGameList;

    /// @notice A game was created.
    event DisputeGameCreated(address indexed disputeProxy, uint32 indexed gameType, bytes32 indexed rootClaim);
    /// @notice A game type's implementation was set.
    event ImplementationSet(address indexed impl, uint32 indexed gameType);
    /// @notice A game type's init bond was set.
    event InitBondUpdated(uint32 indexed gameType, uint256 indexed newBond);
    /// @notice Ownership changed.
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    /// @notice No implementation is set for the game type.
    error NoImplementation(uint32 gameType);
    /// @notice The value sent is not the game type's init bond.
    error IncorrectBondAmount();
    /// @notice A game with this UUID exists already.
    error GameAlreadyExists(bytes32 uuid);
    /// @notice The caller is not the owner.
    error Unauthorized();

    /// @param owner_ Who may set implementations and init bonds.
    constructor(address owner_) {
        owner = owner_;
        emit OwnershipTransferred(address(0), owner_);
    }

    /// @notice The version of this contract.
    function version() external pure returns (string memory) {
        return "1.0.0-verdict";
    }

    /// @notice Reverts unless the owner calls.
    modifier onlyOwner() {
        if (msg.sender != owner) revert Unauthorized();
        _;
    }

    /// @notice Hands the factory to `newOwner`.
    function transferOwnership(address newOwner) external onlyOwner {
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    /// @notice Sets the implementation of `gameType`.
    function setImplementation(uint32 gameType, IDisputeGame impl) external onlyOwner {
        gameImpls[gameType] = impl;
        emit ImplementationSet(address(impl), gameType);
    }

    /// @notice Sets the init bond of `gameType`.
    function setInitBond(uint32 gameType, uint256 initBond) external onlyOwner {
        initBonds[gameType] = initBond;
        emit InitBondUpdated(gameType, initBond);
    }

    /// @notice How many games were created.
    function gameCount() external view returns (uint256) {
        return _disputeGameList.length;
    }

    /// @notice The UUID of a game: keccak256(abi.encode(gameType, rootClaim, extraData)).
    function getGameUUID(uint32 gameType, bytes32 rootClaim, bytes calldata extraData)
        public
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(gameType, rootClaim, extraData));
    }

    /// @notice The game of (type, root claim, extra data) and its creation time; zero if none.
    function games(uint32 gameType, bytes32 rootClaim, bytes calldata extraData)
        external
        view
        returns (IDisputeGame proxy, uint64 timestamp)
    {
        (, timestamp, proxy) = _unpack(_disputeGames[getGameUUID(gameType, rootClaim, extraData)]);
    }

    /// @notice The game at `index` in creation order (reverts past the end).
    function gameAtIndex(uint256 index) external view returns (uint32 gameType, uint64 timestamp, IDisputeGame proxy) {
        return _unpack(_disputeGameList[index]);
    }

    /// @notice Creates a game of `gameType` claiming `rootClaim`, paying the init bond.
    function create(uint32 gameType, bytes32 rootClaim, bytes calldata extraData)
        external
        payable
        returns (IDisputeGame proxy)
    {
        IDisputeGame impl = gameImpls[gameType];
        if (address(impl) == address(0)) revert NoImplementation(gameType);
        if (msg.value != initBonds[gameType]) revert IncorrectBondAmount();
        bytes32 uuid = getGameUUID(gameType, rootClaim, extraData);
        if (_disputeGames[uuid] != bytes32(0)) revert GameAlreadyExists(uuid);

        proxy = IDisputeGame(_clone(address(impl)));
        proxy.initializeGame{value: msg.value}(msg.sender, rootClaim, blockhash(block.number - 1), extraData);

        bytes32 id = bytes32(
            (uint256(gameType) << 224) | (uint256(uint64(block.timestamp)) << 160) | uint256(uint160(address(proxy)))
        );
        _disputeGames[uuid] = id;
        _disputeGameList.push(id);
        emit DisputeGameCreated(address(proxy), gameType, rootClaim);
    }

    /// @notice Up to `n` of the latest games of `gameType`, searching backwards from `start`.
    function findLatestGames(uint32 gameType, uint256 start, uint256 n)
        external
        view
        returns (GameSearchResult[] memory games_)
    {
        if (start >= _disputeGameList.length || n == 0) return games_;
        games_ = new GameSearchResult[](n);
        uint256 found;
        for (uint256 i = start + 1; i > 0 && found < n; i--) {
            bytes32 id = _disputeGameList[i - 1];
            (uint32 t, uint64 timestamp, IDisputeGame proxy) = _unpack(id);
            if (t != gameType) continue;
            games_[found] = GameSearchResult({
                index: i - 1,
                metadata: id,
                timestamp: timestamp,
                rootClaim: proxy.rootClaim(),
                extraData: proxy.extraData()
            });
            found++;
        }
        assembly {
            mstore(games_, found)
        }
    }

    /// @notice The parts of a game id.
    function _unpack(bytes32 id) internal pure returns (uint32 gameType, uint64 timestamp, IDisputeGame proxy) {
        uint256 v = uint256(id);
        gameType = uint32(v >> 224);
        timestamp = uint64(v >> 160);
        proxy = IDisputeGame(address(uint160(v)));
    }

    /// @notice Deploys an EIP-1167 minimal proxy delegating every call to `impl`.
    function _clone(address impl) internal returns (address instance) {
        // Creation code: copy the 45-byte runtime below to memory and return it. Runtime: copy the
        // calldata, DELEGATECALL `impl` with all gas, copy the return data, return or revert.
        bytes memory code = abi.encodePacked(
            hex"3d602d80600a3d3981f3363d3d373d3d3d363d73", impl, hex"5af43d82803e903d91602b57fd5bf3"
        );
        assembly {
            instance := create(0, add(code, 0x20), mload(code))
        }
        require(instance != address(0), "DisputeGameFactory: clone failed");
    }
}
