// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

/// @title LibBond
/// @notice The required bond of a claim at a depth (specs/fault-proof/stage-one/bond-incentives.md):
///         200 gwei * 400,000 gas * (750 ^ (1 / maxGameDepth)) ^ depth, in WAD fixed point with
///         the integer algorithms `crates/game/src/math.rs` implements (a natural logarithm and
///         an exponential by rational approximation, evaluated on 256-bit two's complement
///         words), so that the contract and `verdict-game` agree to the wei.
library LibBond {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant ASSUMED_BASE_FEE = 200 gwei;
    uint256 internal constant BASE_GAS_CHARGED = 400_000;
    uint256 internal constant HIGH_GAS_CHARGED = 300_000_000;

    /// @notice The bond of a claim at `depth` in a game of `maxDepth` (depth <= maxDepth).
    function requiredBond(uint256 depth, uint256 maxDepth) internal pure returns (uint256) {
        int256 lnA = lnWad(int256((HIGH_GAS_CHARGED / BASE_GAS_CHARGED) * WAD));
        uint256 bOverC = (WAD * WAD) / (maxDepth * WAD);
        uint256 exponent = (uint256(lnA) * bOverC) / WAD;
        int256 base = expWad(int256(exponent));
        int256 rawGas = powWad(base, int256(depth * WAD));
        uint256 gas = (BASE_GAS_CHARGED * uint256(rawGas)) / WAD;
        return ASSUMED_BASE_FEE * gas;
    }

    /// @notice x ^ y in WAD: expWad(lnWad(x) * y / WAD).
    function powWad(int256 x, int256 y) internal pure returns (int256) {
        int256 l = lnWad(x);
        int256 e;
        assembly {
            e := sdiv(mul(l, y), 1000000000000000000)
        }
        return expWad(e);
    }

    /// @notice ln(x) in WAD, for x > 0 (reverts otherwise).
    function lnWad(int256 x) internal pure returns (int256 r) {
        require(x > 0, "LibBond: ln of a non-positive number");
        uint256 top = _msb(uint256(x));
        assembly {
            let t := sub(255, top)
            // Normalized into (1, 2) * 2^96.
            x := shr(159, shl(t, x))
            let p := add(x, 3273285459638523848632254066296)
            p := add(sar(96, mul(p, x)), 24828157081833163892658089445524)
            p := add(sar(96, mul(p, x)), 43456485725739037958740375743393)
            p := sub(sar(96, mul(p, x)), 11111509109440967052023855526967)
            p := sub(sar(96, mul(p, x)), 45023709667254063763336534515857)
            p := sub(sar(96, mul(p, x)), 14706773417378608786704636184526)
            p := sub(mul(p, x), shl(96, 795164235651350426258249787498))
            let q := add(x, 5573035233440673466300451813936)
            q := add(sar(96, mul(q, x)), 71694874799317883764090561454958)
            q := add(sar(96, mul(q, x)), 283447036172924575727196451306956)
            q := add(sar(96, mul(q, x)), 401686690394027663651624208769553)
            q := add(sar(96, mul(q, x)), 204048457590392012362485061816622)
            q := add(sar(96, mul(q, x)), 31853899698501571402653359427138)
            q := add(sar(96, mul(q, x)), 909429971244387300277376558375)
            r := sdiv(p, q)
            r := mul(r, 1677202110996718588342820967067443963516166)
            r := add(r, mul(16597577552685614221487285958193947469193820559219878177908093499208371, sub(159, t)))
            r := add(r, 600920179829731861736702779321621459595472258049074101567377883020018308)
            r := sar(174, r)
        }
    }

    /// @notice e^x in WAD (0 far below zero; reverts where the result would not fit).
    function expWad(int256 x) internal pure returns (int256 r) {
        if (x <= -41446531673892822313) return 0;
        require(x < 135305999368893231589, "LibBond: exp overflow");
        assembly {
            x := sdiv(shl(78, x), 3814697265625)
            let k := sar(96, add(sdiv(shl(96, x), 54916777467707473351141471128), shl(95, 1)))
            x := sub(x, mul(k, 54916777467707473351141471128))
            let y := add(x, 1346386616545796478920950773328)
            y := add(sar(96, mul(y, x)), 57155421227552351082224309758442)
            let p := sub(add(y, x), 94201549194550492254356042504812)
            p := add(sar(96, mul(p, y)), 28719021644029726153956944680412240)
            p := add(mul(p, x), shl(96, 4385272521454847904659076985693276))
            let q := sub(x, 2855989394907223263936484059900)
            q := add(sar(96, mul(q, x)), 50020603652535783019961831881945)
            q := sub(sar(96, mul(q, x)), 533845033583426703283633433725380)
            q := add(sar(96, mul(q, x)), 3604857256930695427073651918091429)
            q := sub(sar(96, mul(q, x)), 14423608567350463180887372962807573)
            q := add(sar(96, mul(q, x)), 26449188498355588339934803723976023)
            r := sdiv(p, q)
            r := shr(sub(195, k), mul(r, 3822833074963236453042738258902158003155416615667))
        }
    }

    /// @notice The index of the most significant set bit of `x` (0 for 0).
    function _msb(uint256 x) internal pure returns (uint256 n) {
        for (uint256 s = 128; s > 0; s >>= 1) {
            if (x >> s != 0) {
                x >>= s;
                n += s;
            }
        }
    }
}
