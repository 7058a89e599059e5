//! Positions in the game tree: generalized indices (`LibPosition`).

use core::fmt;

/// The largest supported `MAX_GAME_DEPTH` (`LibPosition.MAX_POSITION_BITLEN - 1`, with a
/// 126-bit position: a step position at `MAX_GAME_DEPTH + 1` must still fit in 128 bits).
pub const MAX_POSITION_BITLEN: u64 = 126;

/// A node of the game tree as a generalized index: `2^depth + index_at_depth`.
///
/// The root is 1; the children of `p` are `2p` (left) and `2p + 1` (right).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Position(pub u128);

impl Position {
    /// The root claim's position.
    pub const ROOT: Position = Position(1);

    /// The position at `depth` with `index_at_depth` (which must be below `2^depth`).
    pub fn new(depth: u64, index_at_depth: u128) -> Position {
        Position((1u128 << depth) + index_at_depth)
    }

    /// The raw generalized index.
    pub fn raw(self) -> u128 {
        self.0
    }

    /// The depth: the index of the most significant set bit (0 for the invalid position 0).
    pub fn depth(self) -> u64 {
        if self.0 == 0 {
            0
        } else {
            127 - self.0.leading_zeros() as u64
        }
    }

    /// The index among the positions at the same depth, from 0 at the left.
    pub fn index_at_depth(self) -> u128 {
        if self.0 == 0 {
            0
        } else {
            self.0 - (1u128 << self.depth())
        }
    }

    /// The left child.
    pub fn left(self) -> Position {
        Position(self.0 << 1)
    }

    /// The right child.
    pub fn right(self) -> Position {
        Position((self.0 << 1) | 1)
    }

    /// The parent.
    pub fn parent(self) -> Position {
        Position(self.0 >> 1)
    }

    /// The deepest, rightmost descendant at `max_depth`.
    pub fn right_index(self, max_depth: u64) -> Position {
        let remaining = max_depth - self.depth();
        Position((self.0 << remaining) | ((1u128 << remaining) - 1))
    }

    /// The trace index this position commits to in a tree of `max_depth`: the index at depth
    /// of [`Position::right_index`].
    pub fn trace_index(self, max_depth: u64) -> u128 {
        self.right_index(max_depth).0 - (1u128 << max_depth)
    }

    /// The highest ancestor (or itself) that commits to the same trace index: the position
    /// shifted right past its trailing one bits (at least the root).
    pub fn trace_ancestor(self) -> Position {
        let a = self.0 >> self.0.trailing_ones();
        Position(a.max(1))
    }

    /// [`Position::trace_ancestor`], but kept strictly below `upper_bound_exclusive`
    /// (the split depth): an ancestor at or above the bound is replaced by its rightmost
    /// descendant at `upper_bound_exclusive + 1`.
    ///
    /// Fails with `ClaimAboveSplit` for a position at or above the bound.
    pub fn trace_ancestor_bounded(
        self,
        upper_bound_exclusive: u64,
    ) -> Result<Position, crate::GameError> {
        if self.depth() <= upper_bound_exclusive {
            return Err(crate::GameError::ClaimAboveSplit);
        }
        let a = self.trace_ancestor();
        Ok(if a.depth() <= upper_bound_exclusive {
            a.right_index(upper_bound_exclusive + 1)
        } else {
            a
        })
    }

    /// The position of a move against this one: the left child of `self` for an attack,
    /// the left child of `self + 1` (`self | 1`) for a defense.
    pub fn move_to(self, is_attack: bool) -> Position {
        Position((self.0 | (!is_attack) as u128) << 1)
    }

    /// The attack position.
    pub fn attack(self) -> Position {
        self.move_to(true)
    }

    /// The defense position.
    pub fn defend(self) -> Position {
        self.move_to(false)
    }

    /// This position relative to its ancestor at `depth`: the subtree rooted there seen as
    /// a tree of its own (its root becomes 1).
    pub fn relative_to_ancestor_at(self, depth: u64) -> Position {
        let rel_depth = self.depth() - depth;
        let mask = (1u128 << rel_depth) - 1;
        Position((1u128 << rel_depth) | (self.0 & mask))
    }
}

impl fmt::Debug for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Position({}: depth {}, index {})",
            self.0,
            self.depth(),
            self.index_at_depth()
        )
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
