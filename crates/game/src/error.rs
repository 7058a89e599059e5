//! Why a game call reverts: one variant per custom error of the contract.

use core::fmt;

use crate::math::MathError;
use crate::Claim;

/// The reasons `FaultDisputeGame` reverts, named after its custom errors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GameError {
    /// The game is resolved already.
    GameNotInProgress,
    /// A claim index that does not exist (the contract reverts with an out-of-bounds panic).
    InvalidClaimIndex(u64),
    /// The `disputed` claim given to a move is not the claim at the index.
    InvalidDisputedClaimIndex,
    /// A defense of the root claim or of an execution-trace subgame root.
    CannotDefendRootClaim,
    /// A move against the root after `challengeRootL2Block` succeeded, or a second challenge.
    L2BlockNumberChallenged,
    /// A move past `MAX_GAME_DEPTH` (or a bond asked for such a position).
    GameDepthExceeded,
    /// An execution-trace root with the wrong VM status, or a root claim at or before the
    /// anchor's block.
    UnexpectedRootClaim(Claim),
    /// `msg.value` differs from the required bond.
    IncorrectBondAmount,
    /// The challenger's clock has run out.
    ClockTimeExceeded,
    /// The same claim at the same position against the same parent exists already.
    ClaimAlreadyExists,
    /// A step whose position is not at `MAX_GAME_DEPTH + 1`.
    InvalidParent,
    /// The step's state data is not the preimage of the expected pre-state.
    InvalidPrestate,
    /// The step agrees with the claim it should counter.
    ValidStep,
    /// The parent was stepped on already.
    DuplicateStep,
    /// The VM reverted during the step (the reason, as the VM gives it).
    VmReverted(alloc::string::String),
    /// A local-context lookup from a claim at or above the split depth.
    ClaimAboveSplit,
    /// An unknown local data identifier.
    InvalidLocalIdent,
    /// A subgame resolved before its clock ran out.
    ClockNotExpired,
    /// A subgame resolved twice.
    ClaimAlreadyResolved,
    /// A subgame resolved before its children, or the game before the root subgame.
    OutOfOrderResolution,
    /// `challengeRootL2Block` with an output root proof that does not hash to the root claim.
    InvalidOutputRootProof,
    /// `challengeRootL2Block` with a header that does not hash to the proof's block hash, or
    /// that does not decode.
    InvalidHeaderRLP,
    /// `challengeRootL2Block` with a header whose number is the claimed one.
    BlockNumberMatches,
    /// Deployment: split depth out of range.
    InvalidSplitDepth,
    /// Deployment: clock extension larger than the max clock duration.
    InvalidClockExtension,
    /// Deployment: max depth larger than the position type allows.
    MaxDepthTooLarge,
    /// Credit claimed before the bond distribution mode was decided, or the game closed
    /// before it was resolved.
    GameNotFinalized,
    /// An invalid bond distribution mode.
    InvalidBondDistributionMode,
    /// `claimCredit` for an account with nothing to claim.
    NoCreditToClaim,
    /// Fixed-point math failure in the bond formula.
    Math(MathError),
    /// An arithmetic overflow (the contract panics: Solidity's checked arithmetic), e.g. a
    /// clock past `2^64` seconds.
    ArithmeticOverflow,
}

impl fmt::Display for GameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GameError::InvalidClaimIndex(i) => write!(f, "InvalidClaimIndex({i})"),
            GameError::UnexpectedRootClaim(c) => write!(f, "UnexpectedRootClaim({c})"),
            GameError::VmReverted(r) => write!(f, "VmReverted({r})"),
            GameError::Math(e) => write!(f, "Math({e:?})"),
            other => write!(f, "{other:?}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for GameError {}
