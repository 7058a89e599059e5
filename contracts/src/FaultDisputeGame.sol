// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {IPreimageOracle} from "./IPreimageOracle.sol";
import {
    BondDistributionMode,
    GameStatus,
    IAnchorStateRegistry,
    IBigStepper,
    IDelayedWETH,
    IDisputeGame
} from "./IDisputeGame.sol";
import {LibBond} from "./LibBond.sol";
import {LibPosition} from "./LibPosition.sol";

/// @title FaultDisputeGame
/// @notice Verdict's fault dispute game, written from the OP Stack specs
///         (specs/fault-proof/stage-one/fault-dispute-game.md, bond-incentives.md) and held to
///         `verdict-game`'s engine by differential tests; its ABI is the OP Stack's
///         `FaultDisputeGame`. Claims are bisected on a tree of depth MAX_GAME_DEPTH: output roots
///         down to SPLIT_DEPTH, then VM state hashes, the last instruction proven by `step` on the
///         VM. Each team's chess clock may run MAX_CLOCK_DURATION; a move that would leave the
///         next player less than the clock extension grants it (twice the extension just above
///         the split, the extension plus the oracle's challenge period just above the leaves).
///         Bonds grow with depth; a resolved subgame pays its root's bond to the leftmost
///         uncountered child's claimant (or to a stepper, or back to the claimant). Bonds sit in
///         DelayedWETH; once the game is final (the anchor state registry's finality delay),
///         `closeGame` picks normal distribution for a proper game, refunds otherwise, and
///         `claimCredit` pays in two calls: the first unlocks, the second (after the WETH delay)
///         withdraws.
///
///         Deployed once per game type as the implementation the factory clones (EIP-1167); the
///         factory hands each clone its creator, root claim, L1 head and extra data (the L2 block
///         number, 32 bytes) through `initializeGame`.
contract FaultDisputeGame is IDisputeGame {
    using LibPosition for uint128;

    /// @notice One claim (`ClaimData`): position and clock are the OP Stack's packed uint128s
    ///         (clock: duration << 64 | timestamp).
    struct ClaimData {
        uint32 parentIndex;
        address counteredBy;
        address claimant;
        uint128 bond;
        bytes32 claim;
        uint128 position;
        uint128 clock;
    }

    /// @notice How far the resolution of a subgame got.
    struct ResolutionCheckpoint {
        bool initialCheckpointComplete;
        uint32 subgameIndex;
        uint128 leftmostPosition;
        address counteredBy;
    }

    /// @notice An output root and its L2 block number.
    struct OutputRoot {
        bytes32 root;
        uint256 l2BlockNumber;
    }

    /// @notice The preimage of an output root.
    struct OutputRootProof {
        bytes32 version;
        bytes32 stateRoot;
        bytes32 messagePasserStorageRoot;
        bytes32 latestBlockhash;
    }

    /// @notice The deployment's parameters.
    struct GameConstructorParams {
        uint32 gameType;
        bytes32 absolutePrestate;
        uint256 maxGameDepth;
        uint256 splitDepth;
        uint64 clockExtension;
        uint64 maxClockDuration;
        IBigStepper vm;
        IDelayedWETH weth;
        IAnchorStateRegistry anchorStateRegistry;
        uint256 l2ChainId;
    }

    uint32 internal constant NO_PARENT = type(uint32).max;
    uint256 internal constant HEADER_BLOCK_NUMBER_INDEX = 8;

    uint32 internal immutable GAME_TYPE;
    bytes32 internal immutable ABSOLUTE_PRESTATE;
    uint256 internal immutable MAX_GAME_DEPTH;
    uint256 internal immutable SPLIT_DEPTH;
    uint64 internal immutable CLOCK_EXTENSION;
    uint64 internal immutable MAX_CLOCK_DURATION;
    uint64 internal immutable ORACLE_CHALLENGE_PERIOD;
    IBigStepper internal immutable VM;
    IDelayedWETH internal immutable WETH;
    IAnchorStateRegistry internal immutable ANCHOR_STATE_REGISTRY;
    uint256 internal immutable L2_CHAIN_ID;

    /// @notice When the game was created and resolved.
    uint64 public createdAt;
    uint64 public resolvedAt;
    /// @notice The game's status.
    GameStatus public status;
    /// @notice Whether `initializeGame` ran.
    bool public initialized;
    /// @notice Whether the game's type was the respected one when it was created.
    bool public wasRespectedGameTypeWhenCreated;
    /// @notice Whether `challengeRootL2Block` succeeded, and who called it.
    bool public l2BlockNumberChallenged;
    address public l2BlockNumberChallenger;
    /// @notice How bonds are paid out.
    BondDistributionMode public bondDistributionMode;

    address internal _gameCreator;
    bytes32 internal _rootClaim;
    bytes32 internal _l1Head;
    uint256 internal _l2BlockNumber;

    /// @notice The anchor the game starts from.
    OutputRoot public startingOutputRoot;
    /// @notice Every claim, in the order made.
    ClaimData[] public claimData;
    /// @notice The indices of the claims countering each claim.
    mapping(uint256 => uint256[]) public subgames;
    /// @notice Whether each subgame is resolved.
    mapping(uint256 => bool) public resolvedSubgames;
    /// @notice Resolution progress per subgame.
    mapping(uint256 => ResolutionCheckpoint) public resolutionCheckpoints;
    /// @notice Claims made, by keccak256(claim ++ (position << 128 | parent index)).
    mapping(bytes32 => bool) public claims;
    /// @notice Credit in normal mode and in refund mode, and whether it was unlocked.
    mapping(address => uint256) public normalModeCredit;
    mapping(address => uint256) public refundModeCredit;
    mapping(address => bool) public hasUnlockedCredit;

    /// @notice A claim was made against the claim at `parentIndex`.
    event Move(uint256 indexed parentIndex, bytes32 indexed claim, address indexed claimant);
    /// @notice The game was resolved.
    event Resolved(GameStatus indexed status);
    /// @notice The bond distribution mode was decided.
    event GameClosed(BondDistributionMode bondDistributionMode);

    error AlreadyInitialized();
    error OnlyFactory();
    error AnchorRootNotFound();
    error BadExtraData();
    error GameNotInProgress();
    error InvalidDisputedClaimIndex();
    error CannotDefendRootClaim();
    error L2BlockNumberChallenged();
    error GameDepthExceeded();
    error UnexpectedRootClaim(bytes32 rootClaim);
    error IncorrectBondAmount();
    error ClockTimeExceeded();
    error ClaimAlreadyExists();
    error InvalidParent();
    error InvalidPrestate();
    error ValidStep();
    error DuplicateStep();
    error ClaimAboveSplit();
    error InvalidLocalIdent();
    error ClockNotExpired();
    error ClaimAlreadyResolved();
    error OutOfOrderResolution();
    error InvalidOutputRootProof();
    error InvalidHeaderRLP();
    error BlockNumberMatches();
    error InvalidSplitDepth();
    error InvalidClockExtension();
    error MaxDepthTooLarge();
    error GameNotFinalized();
    error InvalidBondDistributionMode();
    error NoCreditToClaim();
    error BondTransferFailed();

    /// @notice Checks the parameters as the OP Stack's constructor does (depth, split, clock
    ///         extensions against the max clock duration, the oracle's challenge period included).
    constructor(GameConstructorParams memory p) {
        if (p.maxGameDepth > LibPosition.MAX_POSITION_BITLEN - 1) revert MaxDepthTooLarge();
        if (p.splitDepth + 1 >= p.maxGameDepth || p.splitDepth < 2) revert InvalidSplitDepth();
        uint256 period = p.vm.oracle().challengePeriod();
        uint256 ext = uint256(p.clockExtension) * 2;
        if (uint256(p.clockExtension) + period > ext) ext = uint256(p.clockExtension) + period;
        if (ext > type(uint64).max || ext > p.maxClockDuration) revert InvalidClockExtension();
        GAME_TYPE = p.gameType;
        ABSOLUTE_PRESTATE = p.absolutePrestate;
        MAX_GAME_DEPTH = p.maxGameDepth;
        SPLIT_DEPTH = p.splitDepth;
        CLOCK_EXTENSION = p.clockExtension;
        MAX_CLOCK_DURATION = p.maxClockDuration;
        ORACLE_CHALLENGE_PERIOD = uint64(period);
        VM = p.vm;
        WETH = p.weth;
        ANCHOR_STATE_REGISTRY = p.anchorStateRegistry;
        L2_CHAIN_ID = p.l2ChainId;
    }

    /// @notice The version of this contract.
    function version() external pure returns (string memory) {
        return "1.0.0-verdict";
    }

    ////////////////////////////////////////////////////////////////
    //                        Creation                            //
    ////////////////////////////////////////////////////////////////

    /// @inheritdoc IDisputeGame
    function initializeGame(address creator, bytes32 rootClaim_, bytes32 l1Head_, bytes calldata extraData_)
        external
        payable
    {
        if (initialized) revert AlreadyInitialized();
        if (msg.sender != ANCHOR_STATE_REGISTRY.disputeGameFactory()) revert OnlyFactory();
        (bytes32 anchorRoot, uint256 anchorBlock) = ANCHOR_STATE_REGISTRY.getAnchorRoot();
        if (anchorRoot == bytes32(0)) revert AnchorRootNotFound();
        if (extraData_.length != 32) revert BadExtraData();
        uint256 number = uint256(bytes32(extraData_));
        if (number <= anchorBlock) revert UnexpectedRootClaim(rootClaim_);
        startingOutputRoot = OutputRoot(anchorRoot, anchorBlock);
        _gameCreator = creator;
        _rootClaim = rootClaim_;
        _l1Head = l1Head_;
        _l2BlockNumber = number;
        claimData.push(
            ClaimData({
                parentIndex: NO_PARENT,
                counteredBy: address(0),
                claimant: creator,
                bond: uint128(msg.value),
                claim: rootClaim_,
                position: 1,
                clock: _clock(0, uint64(block.timestamp))
            })
        );
        initialized = true;
        refundModeCredit[creator] += msg.value;
        WETH.deposit{value: msg.value}();
        createdAt = uint64(block.timestamp);
        wasRespectedGameTypeWhenCreated = ANCHOR_STATE_REGISTRY.respectedGameType() == GAME_TYPE;
    }

    ////////////////////////////////////////////////////////////////
    //                          Moves                             //
    ////////////////////////////////////////////////////////////////

    /// @notice Counters the claim at `parentIndex` with `claim` at its left child.
    function attack(bytes32 disputed, uint256 parentIndex, bytes32 claim) external payable {
        move(disputed, parentIndex, claim, true);
    }

    /// @notice Agrees with the claim at `parentIndex` and counters its parent at its right sibling's
    ///         left child.
    function defend(bytes32 disputed, uint256 parentIndex, bytes32 claim) external payable {
        move(disputed, parentIndex, claim, false);
    }

    /// @notice Counters the claim at `challengeIndex` (which must be `disputed`) with `claim`,
    ///         posting the bond of the new position.
    function move(bytes32 disputed, uint256 challengeIndex, bytes32 claim, bool isAttack) public payable {
        _inProgress();
        ClaimData memory parent = claimData[challengeIndex];
        if (parent.claim != disputed) revert InvalidDisputedClaimIndex();
        uint128 next = parent.position.move(isAttack);
        uint256 nextDepth = next.depth();
        if ((challengeIndex == 0 || nextDepth == SPLIT_DEPTH + 2) && !isAttack) revert CannotDefendRootClaim();
        if (l2BlockNumberChallenged && challengeIndex == 0) revert L2BlockNumberChallenged();
        if (nextDepth > MAX_GAME_DEPTH) revert GameDepthExceeded();
        if (nextDepth == SPLIT_DEPTH + 1) _verifyExecBisectionRoot(claim, challengeIndex, parent.position, isAttack);
        if (getRequiredBond(next) != msg.value) revert IncorrectBondAmount();

        uint64 duration = getChallengerDuration(challengeIndex);
        if (duration == MAX_CLOCK_DURATION) revert ClockTimeExceeded();
        uint64 extension = nextDepth == MAX_GAME_DEPTH - 1
            ? CLOCK_EXTENSION + ORACLE_CHALLENGE_PERIOD
            : nextDepth == SPLIT_DEPTH - 1 ? CLOCK_EXTENSION * 2 : CLOCK_EXTENSION;
        if (duration > MAX_CLOCK_DURATION - extension) duration = MAX_CLOCK_DURATION - extension;

        bytes32 key = keccak256(abi.encode(claim, (uint256(next) << 128) | challengeIndex));
        if (claims[key]) revert ClaimAlreadyExists();
        claims[key] = true;

        claimData.push(
            ClaimData({
                parentIndex: uint32(challengeIndex),
                counteredBy: address(0),
                claimant: msg.sender,
                bond: uint128(msg.value),
                claim: claim,
                position: next,
                clock: _clock(duration, uint64(block.timestamp))
            })
        );
        subgames[challengeIndex].push(claimData.length - 1);
        refundModeCredit[msg.sender] += msg.value;
        WETH.deposit{value: msg.value}();
        emit Move(challengeIndex, claim, msg.sender);
    }

    /// @notice Counters the claim at `claimIndex` (at MAX_GAME_DEPTH) by one VM step from
    ///         `stateData` (the preimage of the pre-state claim) with `proof`.
    function step(uint256 claimIndex, bool isAttack, bytes calldata stateData, bytes calldata proof) external {
        _inProgress();
        ClaimData storage parent = claimData[claimIndex];
        uint128 parentPos = parent.position;
        uint128 stepPos = parentPos.move(isAttack);
        if (stepPos.depth() != MAX_GAME_DEPTH + 1) revert InvalidParent();

        bytes32 pre;
        ClaimData storage post;
        if (isAttack) {
            pre = stepPos.indexAtDepth() % (uint256(1) << (MAX_GAME_DEPTH - SPLIT_DEPTH)) == 0
                ? ABSOLUTE_PRESTATE
                : claimData[_findTraceAncestor(parentPos - 1, parent.parentIndex, false)].claim;
            post = parent;
        } else {
            pre = parent.claim;
            post = claimData[_findTraceAncestor(parentPos + 1, parent.parentIndex, false)];
        }
        // The status byte is not part of the hash.
        if (keccak256(stateData) << 8 != pre << 8) revert InvalidPrestate();

        bytes32 uuid = _localContext(claimIndex);
        bool validStep = VM.step(stateData, proof, uuid) == post.claim;
        bool parentPostAgree = (parentPos.depth() - post.position.depth()) % 2 == 0;
        if (parentPostAgree == validStep) revert ValidStep();
        if (parent.counteredBy != address(0)) revert DuplicateStep();
        parent.counteredBy = msg.sender;
    }

    /// @notice Loads local input `ident` of the execution subgame of the claim at `execLeafIdx`
    ///         into the VM's preimage oracle (under the subgame's local context).
    function addLocalData(uint256 ident, uint256 execLeafIdx, uint256 partOffset) external {
        _inProgress();
        (bytes32 starting, uint128 startingPos, bytes32 disputed, uint128 disputedPos) =
            _startingAndDisputedOutputs(execLeafIdx);
        bytes32 uuid = _computeLocalContext(starting, startingPos, disputed, disputedPos);
        IPreimageOracle oracle = VM.oracle();
        if (ident == 1) {
            oracle.loadLocalData(ident, uuid, _l1Head, 32, partOffset);
        } else if (ident == 2) {
            oracle.loadLocalData(ident, uuid, starting, 32, partOffset);
        } else if (ident == 3) {
            oracle.loadLocalData(ident, uuid, disputed, 32, partOffset);
        } else if (ident == 4) {
            uint256 number = startingOutputRoot.l2BlockNumber + disputedPos.traceIndex(SPLIT_DEPTH) + 1;
            if (number > _l2BlockNumber) number = _l2BlockNumber;
            oracle.loadLocalData(ident, uuid, bytes32(number << 192), 8, partOffset);
        } else if (ident == 5) {
            oracle.loadLocalData(ident, uuid, bytes32(L2_CHAIN_ID << 192), 8, partOffset);
        } else {
            revert InvalidLocalIdent();
        }
    }

    /// @notice Counters the root claim by showing that the block its output root commits to does
    ///         not have the claimed number: the output root's preimage and the block's header.
    function challengeRootL2Block(OutputRootProof calldata outputRootProof, bytes calldata headerRLP) external {
        _inProgress();
        if (l2BlockNumberChallenged) revert L2BlockNumberChallenged();
        if (keccak256(abi.encode(outputRootProof)) != _rootClaim) revert InvalidOutputRootProof();
        if (keccak256(headerRLP) != outputRootProof.latestBlockhash) revert InvalidHeaderRLP();
        if (_headerNumber(headerRLP) == _l2BlockNumber) revert BlockNumberMatches();
        l2BlockNumberChallenger = msg.sender;
        l2BlockNumberChallenged = true;
    }

    ////////////////////////////////////////////////////////////////
    //                       Resolution                           //
    ////////////////////////////////////////////////////////////////

    /// @notice Resolves (up to `numToResolve` more children of, 0: all) the subgame rooted at
    ///         `claimIndex`, once its challenger's clock ran out and its children are resolved.
    function resolveClaim(uint256 claimIndex, uint256 numToResolve) external {
        _inProgress();
        ClaimData storage root = claimData[claimIndex];
        if (getChallengerDuration(claimIndex) < MAX_CLOCK_DURATION) revert ClockNotExpired();
        if (resolvedSubgames[claimIndex]) revert ClaimAlreadyResolved();
        uint256[] storage children = subgames[claimIndex];
        uint256 count = children.length;
        if (count == 0 && claimIndex != 0) {
            address to = root.counteredBy == address(0) ? root.claimant : root.counteredBy;
            normalModeCredit[to] += root.bond;
            resolvedSubgames[claimIndex] = true;
            return;
        }
        ResolutionCheckpoint memory cp = resolutionCheckpoints[claimIndex];
        if (!cp.initialCheckpointComplete) {
            cp.leftmostPosition = type(uint128).max;
            cp.initialCheckpointComplete = true;
            if (numToResolve == 0) numToResolve = count;
        }
        uint256 end = cp.subgameIndex + numToResolve;
        if (end > count) end = count;
        for (uint256 i = cp.subgameIndex; i < end; i++) {
            uint256 child = children[i];
            if (!resolvedSubgames[child]) revert OutOfOrderResolution();
            ClaimData storage c = claimData[child];
            if (c.counteredBy == address(0) && cp.leftmostPosition > c.position) {
                cp.counteredBy = c.claimant;
                cp.leftmostPosition = c.position;
            }
        }
        cp.subgameIndex = uint32(end);
        resolutionCheckpoints[claimIndex] = cp;
        if (end == count) {
            resolvedSubgames[claimIndex] = true;
            if (claimIndex == 0 && l2BlockNumberChallenged) {
                normalModeCredit[l2BlockNumberChallenger] += root.bond;
                root.counteredBy = l2BlockNumberChallenger;
            } else {
                address to = cp.counteredBy == address(0) ? root.claimant : cp.counteredBy;
                normalModeCredit[to] += root.bond;
                root.counteredBy = cp.counteredBy;
            }
        }
    }

    /// @notice Decides the game once the root subgame is resolved.
    function resolve() external returns (GameStatus status_) {
        _inProgress();
        if (!resolvedSubgames[0]) revert OutOfOrderResolution();
        status_ = claimData[0].counteredBy == address(0) ? GameStatus.DEFENDER_WINS : GameStatus.CHALLENGER_WINS;
        status = status_;
        resolvedAt = uint64(block.timestamp);
        emit Resolved(status_);
    }

    /// @notice Once the game is final, tries to make it the anchor and decides how bonds are paid:
    ///         normally for a proper game, as refunds otherwise.
    function closeGame() public {
        if (bondDistributionMode != BondDistributionMode.UNDECIDED) return;
        if (!ANCHOR_STATE_REGISTRY.isGameFinalized(this)) revert GameNotFinalized();
        try ANCHOR_STATE_REGISTRY.setAnchorState(this) {} catch {}
        bondDistributionMode = ANCHOR_STATE_REGISTRY.isGameProper(this)
            ? BondDistributionMode.NORMAL
            : BondDistributionMode.REFUND;
        emit GameClosed(bondDistributionMode);
    }

    /// @notice Pays `recipient` its credit under the decided mode, in two calls: the first unlocks
    ///         it in DelayedWETH, the second (after the WETH delay) withdraws and sends it.
    function claimCredit(address recipient) external {
        closeGame();
        uint256 amount = credit(recipient);
        if (!hasUnlockedCredit[recipient]) {
            hasUnlockedCredit[recipient] = true;
            WETH.unlock(recipient, amount);
            return;
        }
        if (amount == 0) revert NoCreditToClaim();
        refundModeCredit[recipient] = 0;
        normalModeCredit[recipient] = 0;
        WETH.withdraw(recipient, amount);
        (bool ok,) = recipient.call{value: amount}("");
        if (!ok) revert BondTransferFailed();
    }

    /// @notice Accepts the ether DelayedWETH returns.
    receive() external payable {
        if (msg.sender != address(WETH)) revert BondTransferFailed();
    }

    ////////////////////////////////////////////////////////////////
    //                          Views                             //
    ////////////////////////////////////////////////////////////////

    /// @notice What `recipient` is owed under the current mode (the refund credit in refund mode).
    function credit(address recipient) public view returns (uint256) {
        return bondDistributionMode == BondDistributionMode.REFUND
            ? refundModeCredit[recipient]
            : normalModeCredit[recipient];
    }

    /// @notice How many claims there are.
    function claimDataLen() external view returns (uint256) {
        return claimData.length;
    }

    /// @notice The bond a claim at `position` must post.
    function getRequiredBond(uint128 position) public view returns (uint256) {
        uint256 d = position.depth();
        if (d > MAX_GAME_DEPTH) revert GameDepthExceeded();
        return LibBond.requiredBond(d, MAX_GAME_DEPTH);
    }

    /// @notice Time elapsed on the clock of whoever would counter the claim at `claimIndex`,
    ///         capped at MAX_CLOCK_DURATION.
    function getChallengerDuration(uint256 claimIndex) public view returns (uint64) {
        _inProgress();
        ClaimData storage c = claimData[claimIndex];
        uint256 parentDuration = c.parentIndex == NO_PARENT ? 0 : claimData[c.parentIndex].clock >> 64;
        uint256 elapsed = parentDuration + (block.timestamp - uint64(c.clock));
        return elapsed > MAX_CLOCK_DURATION ? MAX_CLOCK_DURATION : uint64(elapsed);
    }

    /// @notice How many children of the subgame at `claimIndex` are still to be resolved.
    function getNumToResolve(uint256 claimIndex) external view returns (uint256) {
        return subgames[claimIndex].length - resolutionCheckpoints[claimIndex].subgameIndex;
    }

    /// @notice The game type of this deployment.
    function gameType() external view returns (uint32) {
        return GAME_TYPE;
    }

    /// @notice Who created the game (the root claim's claimant).
    function gameCreator() external view returns (address) {
        return _gameCreator;
    }

    /// @notice The root claim: the output root proposed.
    function rootClaim() external view returns (bytes32) {
        return _rootClaim;
    }

    /// @notice The L1 block hash the game was created at (the parent of the creation block).
    function l1Head() external view returns (bytes32) {
        return _l1Head;
    }

    /// @notice The L2 block number the root claim is about.
    function l2BlockNumber() external view returns (uint256) {
        return _l2BlockNumber;
    }

    /// @notice The L2 block number the root claim is about (the newer name).
    function l2SequenceNumber() external view returns (uint256) {
        return _l2BlockNumber;
    }

    /// @notice The extra data the game was created with: the L2 block number as 32 bytes.
    function extraData() external view returns (bytes memory) {
        return abi.encodePacked(_l2BlockNumber);
    }

    /// @notice The game type, the root claim and the extra data.
    function gameData() external view returns (uint32, bytes32, bytes memory) {
        return (GAME_TYPE, _rootClaim, abi.encodePacked(_l2BlockNumber));
    }

    /// @notice The anchor's L2 block number.
    function startingBlockNumber() external view returns (uint256) {
        return startingOutputRoot.l2BlockNumber;
    }

    /// @notice The anchor's output root.
    function startingRootHash() external view returns (bytes32) {
        return startingOutputRoot.root;
    }

    /// @notice The state hash the execution traces start from.
    function absolutePrestate() external view returns (bytes32) {
        return ABSOLUTE_PRESTATE;
    }

    /// @notice MAX_GAME_DEPTH.
    function maxGameDepth() external view returns (uint256) {
        return MAX_GAME_DEPTH;
    }

    /// @notice SPLIT_DEPTH: the deepest output-root claims.
    function splitDepth() external view returns (uint256) {
        return SPLIT_DEPTH;
    }

    /// @notice MAX_CLOCK_DURATION in seconds.
    function maxClockDuration() external view returns (uint64) {
        return MAX_CLOCK_DURATION;
    }

    /// @notice CLOCK_EXTENSION in seconds.
    function clockExtension() external view returns (uint64) {
        return CLOCK_EXTENSION;
    }

    /// @notice The VM steps run on.
    function vm() external view returns (IBigStepper) {
        return VM;
    }

    /// @notice The bond escrow.
    function weth() external view returns (IDelayedWETH) {
        return WETH;
    }

    /// @notice The anchor state registry the game starts from and is judged by.
    function anchorStateRegistry() external view returns (address) {
        return address(ANCHOR_STATE_REGISTRY);
    }

    /// @notice The L2 chain id (local input 5).
    function l2ChainId() external view returns (uint256) {
        return L2_CHAIN_ID;
    }

    ////////////////////////////////////////////////////////////////
    //                        Internals                           //
    ////////////////////////////////////////////////////////////////

    /// @notice Reverts unless the game is in progress.
    function _inProgress() internal view {
        if (status != GameStatus.IN_PROGRESS) revert GameNotInProgress();
    }

    /// @notice A packed clock: duration << 64 | timestamp.
    function _clock(uint64 duration, uint64 timestamp) internal pure returns (uint128) {
        return (uint128(duration) << 64) | timestamp;
    }

    /// @notice The VM status rule of an execution subgame's root: INVALID or PANIC when it
    ///         attacks, or when the output claim it disputes sits at the split's parity; else VALID.
    function _verifyExecBisectionRoot(bytes32 rootClaim_, uint256 parentIdx, uint128 parentPos, bool isAttack)
        internal
        view
    {
        uint256 disputed = _findTraceAncestor(parentPos + 1, parentIdx, true);
        uint8 vmStatus = uint8(rootClaim_[0]);
        if (isAttack || claimData[disputed].position.depth() % 2 == SPLIT_DEPTH % 2) {
            if (vmStatus != 1 && vmStatus != 2) revert UnexpectedRootClaim(rootClaim_);
        } else if (vmStatus != 0) {
            revert UnexpectedRootClaim(rootClaim_);
        }
    }

    /// @notice The index of the claim at the trace ancestor of `pos` (global, or kept below the
    ///         split), walking up from the claim at `start`.
    function _findTraceAncestor(uint128 pos, uint256 start, bool global) internal view returns (uint256 i) {
        uint128 target;
        if (global) {
            target = pos.traceAncestor();
        } else {
            if (pos.depth() <= SPLIT_DEPTH) revert ClaimAboveSplit();
            target = pos.traceAncestorBounded(SPLIT_DEPTH);
        }
        i = start;
        while (claimData[i].position != target) i = claimData[i].parentIndex;
    }

    /// @notice The agreed starting and the disputed output roots (and positions) of the execution
    ///         subgame holding the claim at `start` (below the split).
    function _startingAndDisputedOutputs(uint256 start)
        internal
        view
        returns (bytes32 starting, uint128 startingPos, bytes32 disputed, uint128 disputedPos)
    {
        uint256 idx = start;
        ClaimData storage c = claimData[idx];
        if (c.position.depth() <= SPLIT_DEPTH) revert ClaimAboveSplit();
        uint128 execRootPos = c.position;
        while (c.position.depth() > SPLIT_DEPTH) {
            execRootPos = c.position;
            idx = c.parentIndex;
            c = claimData[idx];
        }
        uint128 outputPos = c.position;
        if (execRootPos >> 1 == outputPos) {
            // The subgame attacked the output claim: it is disputed, its left neighbour agreed.
            if (outputPos.indexAtDepth() > 0) {
                ClaimData storage s = claimData[_findTraceAncestor(outputPos - 1, idx, true)];
                (starting, startingPos) = (s.claim, s.position);
            } else {
                starting = startingOutputRoot.root;
            }
            (disputed, disputedPos) = (c.claim, outputPos);
        } else {
            // It defended the output claim: agreed, the next one to its right is disputed.
            ClaimData storage d = claimData[_findTraceAncestor(outputPos + 1, idx, true)];
            (starting, startingPos, disputed, disputedPos) = (c.claim, outputPos, d.claim, d.position);
        }
    }

    /// @notice The local context of a step: keccak256 of the starting and disputed output roots and
    ///         their positions, or of the disputed one alone when the start is the anchor.
    function _computeLocalContext(bytes32 starting, uint128 startingPos, bytes32 disputed, uint128 disputedPos)
        internal
        pure
        returns (bytes32)
    {
        if (startingPos == 0) return keccak256(abi.encode(disputed, disputedPos));
        return keccak256(abi.encode(starting, startingPos, disputed, disputedPos));
    }

    /// @notice The local context of the execution subgame holding the claim at `claimIndex`.
    function _localContext(uint256 claimIndex) internal view returns (bytes32) {
        (bytes32 starting, uint128 startingPos, bytes32 disputed, uint128 disputedPos) =
            _startingAndDisputedOutputs(claimIndex);
        return _computeLocalContext(starting, startingPos, disputed, disputedPos);
    }

    /// @notice The number (item 8) of an RLP block header: canonical item headers only; reverts
    ///         `InvalidHeaderRLP` on anything else.
    function _headerNumber(bytes calldata h) internal pure returns (uint256 n) {
        (bool isList, uint256 at, uint256 end) = _rlpItem(h, 0, h.length);
        if (!isList) revert InvalidHeaderRLP();
        for (uint256 i = 0; i < HEADER_BLOCK_NUMBER_INDEX; i++) {
            (,, at) = _rlpItem(h, at, end);
        }
        (bool numIsList, uint256 start, uint256 stop) = _rlpItem(h, at, end);
        if (numIsList || stop - start > 32) revert InvalidHeaderRLP();
        for (uint256 i = start; i < stop; i++) {
            n = (n << 8) | uint8(h[i]);
        }
    }

    /// @notice The RLP item at `at` (ending by `limit`): whether it is a list, where its payload
    ///         starts and where the item ends.
    function _rlpItem(bytes calldata h, uint256 at, uint256 limit)
        internal
        pure
        returns (bool isList, uint256 start, uint256 end)
    {
        if (at >= limit) revert InvalidHeaderRLP();
        uint256 b = uint8(h[at]);
        uint256 len;
        if (b < 0x80) {
            return (false, at, at + 1);
        } else if (b < 0xb8) {
            len = b - 0x80;
            start = at + 1;
            if (len == 1 && (start >= limit || uint8(h[start]) < 0x80)) revert InvalidHeaderRLP();
        } else if (b < 0xc0 || (b >= 0xf8)) {
            isList = b >= 0xf8;
            uint256 lenLen = b - (isList ? 0xf7 : 0xb7);
            start = at + 1 + lenLen;
            if (start > limit || uint8(h[at + 1]) == 0) revert InvalidHeaderRLP();
            for (uint256 i = at + 1; i < start; i++) {
                len = (len << 8) | uint8(h[i]);
            }
            if (len < 56) revert InvalidHeaderRLP();
        } else {
            isList = true;
            len = b - 0xc0;
            start = at + 1;
        }
        end = start + len;
        if (end > limit) revert InvalidHeaderRLP();
    }
}
