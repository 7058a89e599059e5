//! Small typed values of the game: claims, addresses, clocks, statuses.

use core::fmt;

use tiny_keccak::{Hasher, Keccak};

/// An amount of wei. Bonds fit in 128 bits, as in the contract's `ClaimData.bond`.
pub type Wei = u128;

/// A duration in seconds.
pub type Duration = u64;

/// A timestamp in seconds.
pub type Timestamp = u64;

/// keccak256 of the concatenation of `parts`.
pub fn keccak256(parts: &[&[u8]]) -> [u8; 32] {
    let mut k = Keccak::v256();
    for p in parts {
        k.update(p);
    }
    let mut out = [0u8; 32];
    k.finalize(&mut out);
    out
}

/// A 32-byte claim: an output root above the split, a VM state hash (status in byte 0) below.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Claim(pub [u8; 32]);

impl Claim {
    /// The zero claim.
    pub const ZERO: Claim = Claim([0; 32]);

    /// The VM status byte (the high-order byte).
    pub fn vm_status(&self) -> u8 {
        self.0[0]
    }

    /// The same claim with its high-order byte replaced by `status`.
    pub fn with_status(mut self, status: VmStatus) -> Claim {
        self.0[0] = status as u8;
        self
    }

    /// A claim whose low 16 bytes hold `v` (handy in tests).
    pub fn from_u128(v: u128) -> Claim {
        let mut b = [0u8; 32];
        b[16..].copy_from_slice(&v.to_be_bytes());
        Claim(b)
    }
}

impl fmt::Debug for Claim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x")?;
        for b in &self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Claim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// A 20-byte account address (alloy's).
pub use alloy_primitives::Address;

/// A chess clock: the time accumulated on a team's clock and when it was last set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Clock {
    /// Seconds accumulated.
    pub duration: Duration,
    /// When the clock was started (the claim's creation time).
    pub timestamp: Timestamp,
}

/// The status of a game.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum GameStatus {
    /// Still being played.
    InProgress = 0,
    /// The root claim was countered.
    ChallengerWins = 1,
    /// The root claim stands.
    DefenderWins = 2,
}

/// The VM status byte of a state hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum VmStatus {
    /// Exited with code 0: the disputed output is valid.
    Valid = 0,
    /// Exited with code 1: the disputed output is invalid.
    Invalid = 1,
    /// Exited with another code.
    Panic = 2,
    /// Still running.
    Unfinished = 3,
}

/// How bonds are paid out once the game is closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BondDistributionMode {
    /// Not decided yet (`closeGame` not called).
    Undecided,
    /// Bonds go to the winners of each subgame.
    Normal,
    /// Every claimant gets back exactly what it posted (the game was not proper).
    Refund,
}

/// A game's anchor: an agreed output root and its L2 block number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct OutputRoot {
    /// The output root.
    pub root: Claim,
    /// Its L2 block number.
    pub l2_block_number: u64,
}

/// `keccak256(claim ++ (position << 128 | challengeIndex as u128))`: the key of the
/// duplicate check (`hashClaimPos`).
pub fn claim_hash(claim: &Claim, position: crate::Position, parent_index: u64) -> [u8; 32] {
    let mut word = [0u8; 32];
    word[..16].copy_from_slice(&position.raw().to_be_bytes());
    word[24..].copy_from_slice(&parent_index.to_be_bytes());
    keccak256(&[&claim.0, &word])
}
