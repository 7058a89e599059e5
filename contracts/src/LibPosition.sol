// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

/// @title LibPosition
/// @notice Positions in the game tree as generalized indices (specs/fault-proof/stage-one/
///         fault-dispute-game.md, "Game Tree"): the root is 1, the children of p are 2p and
///         2p + 1; depth is the index of the top set bit. Mirrors `verdict_game::Position`.
library LibPosition {
    /// @notice Bits a position may use; MAX_GAME_DEPTH is at most this minus one.
    uint256 internal constant MAX_POSITION_BITLEN = 126;

    /// @notice The depth of `p` (0 for the invalid position 0).
    function depth(uint128 p) internal pure returns (uint256 d) {
        uint256 x = p;
        for (uint256 s = 64; s > 0; s >>= 1) {
            if (x >> s != 0) {
                x >>= s;
                d += s;
            }
        }
    }

    /// @notice The index of `p` among the positions at its depth.
    function indexAtDepth(uint128 p) internal pure returns (uint256) {
        if (p == 0) return 0;
        return uint256(p) - (uint256(1) << depth(p));
    }

    /// @notice The position of a move against `p`: its left child for an attack, the left child
    ///         of `p | 1` for a defense.
    function move(uint128 p, bool isAttack) internal pure returns (uint128) {
        return uint128((uint256(p) | (isAttack ? 0 : 1)) << 1);
    }

    /// @notice The deepest, rightmost descendant of `p` at `maxDepth`.
    function rightIndex(uint128 p, uint256 maxDepth) internal pure returns (uint128) {
        uint256 remaining = maxDepth - depth(p);
        return uint128((uint256(p) << remaining) | ((uint256(1) << remaining) - 1));
    }

    /// @notice The trace index `p` commits to in a tree of `maxDepth`.
    function traceIndex(uint128 p, uint256 maxDepth) internal pure returns (uint256) {
        return uint256(rightIndex(p, maxDepth)) - (uint256(1) << maxDepth);
    }

    /// @notice The highest ancestor (or `p`) committing to the same trace index: `p` shifted
    ///         right past its trailing one bits, at least the root.
    function traceAncestor(uint128 p) internal pure returns (uint128 a) {
        uint256 x = p;
        while (x & 1 == 1) x >>= 1;
        a = x == 0 ? 1 : uint128(x);
    }

    /// @notice `traceAncestor`, kept below `upperBoundExclusive`: an ancestor at or above it is
    ///         replaced by its rightmost descendant at `upperBoundExclusive + 1`. The caller
    ///         checks that `p` itself lies below the bound.
    function traceAncestorBounded(uint128 p, uint256 upperBoundExclusive) internal pure returns (uint128 a) {
        a = traceAncestor(p);
        if (depth(a) <= upperBoundExclusive) a = rightIndex(a, upperBoundExclusive + 1);
    }
}
