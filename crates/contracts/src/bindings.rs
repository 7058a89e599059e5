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
        function challengePeriod() external view returns (uint256);
    }

    /// The fault dispute game (`FaultDisputeGame.sol`): the OP Stack `FaultDisputeGame` ABI.
    interface IFaultDisputeGame {
        struct OutputRootProof {
            bytes32 version;
            bytes32 stateRoot;
            bytes32 messagePasserStorageRoot;
            bytes32 latestBlockhash;
        }
        struct GameConstructorParams {
            uint32 gameType;
            bytes32 absolutePrestate;
            uint256 maxGameDepth;
            uint256 splitDepth;
            uint64 clockExtension;
            uint64 maxClockDuration;
            address vm;
            address weth;
            address anchorStateRegistry;
            uint256 l2ChainId;
        }
        event Move(uint256 indexed parentIndex, bytes32 indexed claim, address indexed claimant);
        event Resolved(uint8 indexed status);
        event GameClosed(uint8 bondDistributionMode);
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
        function attack(bytes32 disputed, uint256 parentIndex, bytes32 claim) external payable;
        function defend(bytes32 disputed, uint256 parentIndex, bytes32 claim) external payable;
        function move(bytes32 disputed, uint256 challengeIndex, bytes32 claim, bool isAttack) external payable;
        function step(uint256 claimIndex, bool isAttack, bytes stateData, bytes proof) external;
        function addLocalData(uint256 ident, uint256 execLeafIdx, uint256 partOffset) external;
        function challengeRootL2Block(OutputRootProof outputRootProof, bytes headerRLP) external;
        function resolveClaim(uint256 claimIndex, uint256 numToResolve) external;
        function resolve() external returns (uint8 status);
        function closeGame() external;
        function claimCredit(address recipient) external;
        function credit(address recipient) external view returns (uint256);
        function normalModeCredit(address recipient) external view returns (uint256);
        function refundModeCredit(address recipient) external view returns (uint256);
        function hasUnlockedCredit(address recipient) external view returns (bool);
        function bondDistributionMode() external view returns (uint8);
        function claimData(uint256 index) external view returns (uint32 parentIndex, address counteredBy, address claimant, uint128 bond, bytes32 claim, uint128 position, uint128 clock);
        function claimDataLen() external view returns (uint256);
        function subgames(uint256 index, uint256 child) external view returns (uint256);
        function resolvedSubgames(uint256 index) external view returns (bool);
        function getNumToResolve(uint256 index) external view returns (uint256);
        function getRequiredBond(uint128 position) external view returns (uint256);
        function getChallengerDuration(uint256 index) external view returns (uint64);
        function status() external view returns (uint8);
        function createdAt() external view returns (uint64);
        function resolvedAt() external view returns (uint64);
        function gameType() external view returns (uint32);
        function gameCreator() external view returns (address);
        function rootClaim() external view returns (bytes32);
        function l1Head() external view returns (bytes32);
        function l2BlockNumber() external view returns (uint256);
        function l2SequenceNumber() external view returns (uint256);
        function extraData() external view returns (bytes);
        function startingOutputRoot() external view returns (bytes32 root, uint256 l2BlockNumber);
        function absolutePrestate() external view returns (bytes32);
        function maxGameDepth() external view returns (uint256);
        function splitDepth() external view returns (uint256);
        function maxClockDuration() external view returns (uint64);
        function clockExtension() external view returns (uint64);
        function vm() external view returns (address);
        function weth() external view returns (address);
        function anchorStateRegistry() external view returns (address);
        function l2ChainId() external view returns (uint256);
        function l2BlockNumberChallenged() external view returns (bool);
        function l2BlockNumberChallenger() external view returns (address);
        function wasRespectedGameTypeWhenCreated() external view returns (bool);
    }

    /// The dispute game factory (`DisputeGameFactory.sol`): the OP Stack `DisputeGameFactory` ABI.
    interface IDisputeGameFactory {
        struct GameSearchResult {
            uint256 index;
            bytes32 metadata;
            uint64 timestamp;
            bytes32 rootClaim;
            bytes extraData;
        }
        event DisputeGameCreated(address indexed disputeProxy, uint32 indexed gameType, bytes32 indexed rootClaim);
        error NoImplementation(uint32 gameType);
        error IncorrectBondAmount();
        error GameAlreadyExists(bytes32 uuid);
        error Unauthorized();
        function create(uint32 gameType, bytes32 rootClaim, bytes extraData) external payable returns (address proxy);
        function games(uint32 gameType, bytes32 rootClaim, bytes extraData) external view returns (address proxy, uint64 timestamp);
        function gameAtIndex(uint256 index) external view returns (uint32 gameType, uint64 timestamp, address proxy);
        function gameCount() external view returns (uint256);
        function findLatestGames(uint32 gameType, uint256 start, uint256 n) external view returns (GameSearchResult[] games);
        function getGameUUID(uint32 gameType, bytes32 rootClaim, bytes extraData) external pure returns (bytes32);
        function initBonds(uint32 gameType) external view returns (uint256);
        function gameImpls(uint32 gameType) external view returns (address);
        function setImplementation(uint32 gameType, address impl) external;
        function setInitBond(uint32 gameType, uint256 initBond) external;
        function owner() external view returns (address);
    }

    /// The anchor state registry (`AnchorStateRegistry.sol`).
    interface IAnchorStateRegistry {
        error AnchorStateRegistry_Unauthorized();
        error AnchorStateRegistry_InvalidAnchorGame();
        error AnchorStateRegistry_AnchorGameBlacklisted();
        function getAnchorRoot() external view returns (bytes32 root, uint256 l2BlockNumber);
        function anchors(uint32 gameType) external view returns (bytes32 root, uint256 l2BlockNumber);
        function anchorGame() external view returns (address);
        function respectedGameType() external view returns (uint32);
        function retirementTimestamp() external view returns (uint64);
        function disputeGameFactory() external view returns (address);
        function disputeGameFinalityDelaySeconds() external view returns (uint256);
        function setRespectedGameType(uint32 gameType) external;
        function updateRetirementTimestamp() external;
        function blacklistDisputeGame(address game) external;
        function isGameRegistered(address game) external view returns (bool);
        function isGameRespected(address game) external view returns (bool);
        function isGameBlacklisted(address game) external view returns (bool);
        function isGameRetired(address game) external view returns (bool);
        function isGameProper(address game) external view returns (bool);
        function isGameResolved(address game) external view returns (bool);
        function isGameFinalized(address game) external view returns (bool);
        function isGameClaimValid(address game) external view returns (bool);
        function setAnchorState(address game) external;
    }

    /// The bond escrow (`DelayedWETH.sol`).
    interface IDelayedWETH {
        function delay() external view returns (uint256);
        function balanceOf(address who) external view returns (uint256);
        function withdrawals(address game, address guy) external view returns (uint256 amount, uint256 timestamp);
    }

    /// The test VM (`ScriptedVM.sol`).
    interface IScriptedVM {
        error UnknownStep(bytes32 key);
        function setPost(bytes stateData, bytes proof, bytes32 localContext, bytes32 post) external;
        function step(bytes stateData, bytes proof, bytes32 localContext) external view returns (bytes32);
        function oracle() external view returns (address);
    }
}
