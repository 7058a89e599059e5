// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {IPreimageOracle} from "./IPreimageOracle.sol";

/// @title RISCV
/// @notice Verdict's onchain RISC-V (RV64IMA) step verifier, ABI-compatible with the OP Stack's
///         Asterisc VM contract: `step(stateData, proof, localContext)` executes one instruction
///         of the 362-byte state witness and returns the post-state hash. Its semantics are
///         exactly those of Verdict's stateless verifier (`crates/riscv-verifier`), which the
///         differential tests of `crates/contracts` hold it to, revert codes included.
///
///         Memory proofs are 1920-byte slots (a 32-byte leaf, then 59 siblings bottom-up): slot 0
///         proves the instruction, slot 1 the data leaf, slot 2 the right leaf of an access that
///         crosses 32 bytes, slot 3 the right leaf of an AMO store proven again after the left
///         write. A slot past the end of `proof` is a bad memory proof (0xbadf00d1).
///
///         Reverts: with no data when `stateData` is not 362 bytes; otherwise with a 32-byte
///         revert code (see `crates/riscv-consts`, module `revert`).
contract RISCV {
    /// @notice The preimage oracle the steps read from.
    IPreimageOracle internal immutable ORACLE;

    /// @param oracle_ The preimage oracle the steps read from.
    constructor(IPreimageOracle oracle_) {
        ORACLE = oracle_;
    }

    /// @notice The preimage oracle the steps read from (the `IBigStepper` interface).
    function oracle() external view returns (IPreimageOracle) {
        return ORACLE;
    }

    /// @notice Executes one step.
    /// @param stateData The 362-byte pre-state witness.
    /// @param proof The memory proofs of the step (1920-byte slots).
    /// @param localContext The context local preimage keys are bound to (with the caller).
    /// @return The post-state hash, its first byte the VM status. The post-state witness itself is
    ///         logged (an anonymous log of its 362 bytes), for debugging and tests.
    function step(bytes calldata stateData, bytes calldata proof, bytes32 localContext)
        external
        returns (bytes32)
    {
        address oracleAddress = address(ORACLE);
        assembly {
            // Memory: 0x00-0x3f scratch for hashing; the state witness at 0x80 (362 bytes,
            // big-endian fields); 0x220 proof offset, 0x240 proof length, 0x260 oracle,
            // 0x280 local context; 0x300 the oracle call. Solidity code never runs after this
            // block (it returns), so the free memory pointer is not kept.
            function fail(code) {
                mstore(0, code)
                revert(0, 0x20)
            }
            function u64() -> m {
                m := 0xffffffffffffffff
            }
            // State fields.
            function st64(off) -> v {
                v := shr(192, mload(add(0x80, off)))
            }
            function setSt64(off, v) {
                let p := add(0x80, off)
                mstore(p, or(and(mload(p), not(shl(192, u64()))), shl(192, and(v, u64()))))
            }
            function memRoot() -> r {
                r := mload(0x80)
            }
            function setMemRoot(r) {
                mstore(0x80, r)
            }
            function reg(r) -> v {
                v := st64(add(106, mul(8, r)))
            }
            function setReg(r, v) {
                if r {
                    setSt64(add(106, mul(8, r)), v)
                }
            }
            function ret2(a0, a1) {
                setReg(10, a0)
                setReg(11, a1)
            }
            // 64-bit arithmetic helpers.
            function sx(v, bit) -> out {
                let s := sub(255, bit)
                out := and(sar(s, shl(s, v)), u64())
            }
            function s64(v) -> out {
                out := signextend(7, v)
            }
            function sext32(v) -> out {
                out := and(signextend(3, v), u64())
            }
            function add64(a, b) -> out {
                out := and(add(a, b), u64())
            }
            function sub64(a, b) -> out {
                out := and(sub(a, b), u64())
            }
            // Little-endian bytes of a u64, as the first 8 bytes of a word (memory order).
            function leWord(v) -> w {
                for { let i := 0 } lt(i, 8) { i := add(i, 1) } {
                    w := or(w, shl(sub(248, mul(8, i)), and(shr(mul(8, i), v), 0xff)))
                }
            }

            // Memory proofs.
            function slotOffset(slot) -> off {
                if gt(mul(add(slot, 1), 1920), mload(0x240)) {
                    fail(0xbadf00d1)
                }
                off := add(mload(0x220), mul(slot, 1920))
            }
            function rootWith(leaf, sibs, addr) -> node {
                let path := shr(5, addr)
                node := leaf
                for { let i := 0 } lt(i, 59) { i := add(i, 1) } {
                    let sib := calldataload(add(sibs, mul(32, i)))
                    switch and(shr(i, path), 1)
                    case 0 {
                        mstore(0, node)
                        mstore(0x20, sib)
                    }
                    default {
                        mstore(0, sib)
                        mstore(0x20, node)
                    }
                    node := keccak256(0, 0x40)
                }
            }
            function readLeaf(addr, slot) -> leaf {
                let off := slotOffset(slot)
                leaf := calldataload(off)
                if iszero(eq(rootWith(leaf, add(off, 32), addr), memRoot())) {
                    fail(0xbadf00d1)
                }
            }
            function writeLeaf(addr, leaf, slot) {
                let off := slotOffset(slot)
                setMemRoot(rootWith(leaf, add(off, 32), addr))
            }
            // Loads `size` (<= 8) bytes little-endian from addr; slotR 0xff: no right proof.
            function load(addr, size, signed, slotL, slotR) -> v {
                if gt(size, 8) {
                    fail(0xbad512e0)
                }
                let leftAddr := and(addr, 0xffffffffffffffe0)
                let left := readLeaf(leftAddr, slotL)
                let right := 0
                if iszero(eq(and(add(addr, sub(size, 1)), 0xffffffffffffffe0), leftAddr)) {
                    if eq(slotR, 0xff) {
                        fail(0xbad22220)
                    }
                    right := readLeaf(and(add(addr, sub(size, 1)), 0xffffffffffffffe0), slotR)
                }
                let al := and(addr, 31)
                for { let i := 0 } lt(i, size) { i := add(i, 1) } {
                    let j := add(al, i)
                    let b := 0
                    switch lt(j, 32)
                    case 1 { b := byte(j, left) }
                    default { b := byte(sub(j, 32), right) }
                    v := or(v, shl(mul(8, i), b))
                }
                if and(signed, gt(size, 0)) {
                    v := sx(v, sub(mul(size, 8), 1))
                }
            }
            // Stores the first `size` (<= 32) bytes of the word `data` (memory order) at addr.
            function storeBytes(addr, data, size, slotL, slotR) {
                let leftAddr := and(addr, 0xffffffffffffffe0)
                let rightAddr := and(add(addr, sub(size, 1)), 0xffffffffffffffe0)
                let al := and(addr, 31)
                let sizeMask := not(shr(mul(8, size), not(0)))
                let mask := shr(mul(8, al), sizeMask)
                let left := readLeaf(leftAddr, slotL)
                left := or(and(left, not(mask)), and(shr(mul(8, al), data), mask))
                writeLeaf(leftAddr, left, slotL)
                if eq(leftAddr, rightAddr) {
                    leave
                }
                if eq(slotR, 0xff) {
                    fail(0xbad22221)
                }
                let right := readLeaf(rightAddr, slotR)
                let shift := mul(8, sub(32, al))
                mask := shl(shift, sizeMask)
                right := or(and(right, not(mask)), and(shl(shift, data), mask))
                writeLeaf(rightAddr, right, slotR)
            }
            function store64(addr, size, value, slotR) {
                if gt(size, 8) {
                    fail(0xbad512e8)
                }
                storeBytes(addr, leWord(value), size, 1, slotR)
            }

            // Instruction fields and immediates.
            function fRd(i) -> r {
                r := and(shr(7, i), 31)
            }
            function fF3(i) -> r {
                r := and(shr(12, i), 7)
            }
            function fRs1(i) -> r {
                r := and(shr(15, i), 31)
            }
            function fRs2(i) -> r {
                r := and(shr(20, i), 31)
            }
            function fF7(i) -> r {
                r := shr(25, i)
            }
            function immI(i) -> v {
                v := sx(shr(20, i), 11)
            }
            function immS(i) -> v {
                v := sx(or(shl(5, shr(25, i)), and(shr(7, i), 0x1f)), 11)
            }
            function immB(i) -> v {
                v := or(or(shl(1, and(shr(8, i), 0xf)), shl(5, and(shr(25, i), 0x3f))),
                        or(shl(11, and(shr(7, i), 1)), shl(12, shr(31, i))))
                v := sx(v, 12)
            }
            function immU(i) -> v {
                v := sx(and(i, 0xfffff000), 31)
            }
            function immJ(i) -> v {
                v := or(or(shl(1, and(shr(21, i), 0x3ff)), shl(11, and(shr(20, i), 1))),
                        or(shl(12, and(shr(12, i), 0xff)), shl(20, shr(31, i))))
                v := sx(v, 20)
            }

            function jumpTo(target) {
                if and(target, 3) {
                    fail(0xbad10ad0)
                }
                setSt64(72, target)
            }

            // OP-IMM.
            function opImm(i) -> v {
                let a := reg(fRs1(i))
                let imm := immI(i)
                let shamt := and(imm, 0x3f)
                switch fF3(i)
                case 0 { v := add64(a, imm) }
                case 1 { v := and(shl(shamt, a), u64()) }
                case 2 { v := slt(s64(a), s64(imm)) }
                case 3 { v := lt(a, imm) }
                case 4 { v := xor(a, imm) }
                case 5 {
                    switch shr(6, imm)
                    case 0 { v := shr(shamt, a) }
                    case 0x10 { v := and(sar(shamt, s64(a)), u64()) }
                    default { fail(0xbadc0de) }
                }
                case 6 { v := or(a, imm) }
                default { v := and(a, imm) }
            }
            // OP-IMM-32.
            function opImm32(i) -> v {
                let a := reg(fRs1(i))
                let imm := immI(i)
                let shamt := and(imm, 0x1f)
                let f3 := fF3(i)
                if and(or(eq(f3, 1), eq(f3, 5)), iszero(iszero(and(imm, 0x20)))) {
                    fail(0xbadc0de)
                }
                switch f3
                case 0 { v := sext32(add(a, imm)) }
                case 1 { v := sext32(shl(shamt, a)) }
                case 5 {
                    switch shr(5, imm)
                    case 0 { v := sext32(shr(shamt, and(a, 0xffffffff))) }
                    case 0x20 { v := and(sar(shamt, signextend(3, a)), u64()) }
                    default { fail(0xbadc0de) }
                }
                default { fail(0xbadc0de) }
            }
            // OP, the M extension included.
            function op(i) -> v {
                let a := reg(fRs1(i))
                let b := reg(fRs2(i))
                let f3 := fF3(i)
                let f7 := fF7(i)
                if eq(f7, 1) {
                    switch f3
                    case 0 { v := and(mul(a, b), u64()) }
                    case 1 { v := and(sar(64, mul(s64(a), s64(b))), u64()) }
                    case 2 { v := and(sar(64, mul(s64(a), b)), u64()) }
                    case 3 { v := shr(64, mul(a, b)) }
                    case 4 {
                        switch b
                        case 0 { v := u64() }
                        default { v := and(sdiv(s64(a), s64(b)), u64()) }
                    }
                    case 5 {
                        switch b
                        case 0 { v := u64() }
                        default { v := div(a, b) }
                    }
                    case 6 {
                        switch b
                        case 0 { v := a }
                        default { v := and(smod(s64(a), s64(b)), u64()) }
                    }
                    default {
                        switch b
                        case 0 { v := a }
                        default { v := mod(a, b) }
                    }
                    leave
                }
                let shamt := and(b, 0x3f)
                switch f3
                case 0 {
                    switch f7
                    case 0 { v := add64(a, b) }
                    case 0x20 { v := sub64(a, b) }
                    default { fail(0xbadc0de) }
                }
                case 1 { v := and(shl(shamt, a), u64()) }
                case 2 { v := slt(s64(a), s64(b)) }
                case 3 { v := lt(a, b) }
                case 4 { v := xor(a, b) }
                case 5 {
                    switch f7
                    case 0 { v := shr(shamt, a) }
                    case 0x20 { v := and(sar(shamt, s64(a)), u64()) }
                    default { fail(0xbadc0de) }
                }
                case 6 { v := or(a, b) }
                default { v := and(a, b) }
            }
            // OP-32: rs2 is truncated to 32 bits before anything, the zero tests included.
            function op32(i) -> v {
                let a := reg(fRs1(i))
                let b := and(reg(fRs2(i)), 0xffffffff)
                let f3 := fF3(i)
                let f7 := fF7(i)
                if eq(f7, 1) {
                    switch f3
                    case 0 { v := sext32(mul(and(a, 0xffffffff), b)) }
                    case 4 {
                        switch b
                        case 0 { v := u64() }
                        default { v := sext32(sdiv(signextend(3, a), signextend(3, b))) }
                    }
                    case 5 {
                        switch b
                        case 0 { v := u64() }
                        default { v := sext32(div(and(a, 0xffffffff), b)) }
                    }
                    case 6 {
                        switch b
                        case 0 { v := sext32(a) }
                        default { v := sext32(smod(signextend(3, a), signextend(3, b))) }
                    }
                    case 7 {
                        switch b
                        case 0 { v := sext32(a) }
                        default { v := sext32(mod(and(a, 0xffffffff), b)) }
                    }
                    default { fail(0xbadc0de) }
                    leave
                }
                let shamt := and(b, 0x1f)
                switch f3
                case 0 {
                    switch f7
                    case 0 { v := sext32(add(a, b)) }
                    case 0x20 { v := sext32(sub(a, b)) }
                    default { fail(0xbadc0de) }
                }
                case 1 { v := sext32(shl(shamt, a)) }
                case 5 {
                    switch f7
                    case 0 { v := sext32(shr(shamt, and(a, 0xffffffff))) }
                    case 0x20 { v := and(sar(shamt, signextend(3, a)), u64()) }
                    default { fail(0xbadc0de) }
                }
                default { fail(0xbadc0de) }
            }
            function branchTaken(i) -> t {
                let a := reg(fRs1(i))
                let b := reg(fRs2(i))
                switch fF3(i)
                case 0 { t := eq(a, b) }
                case 1 { t := iszero(eq(a, b)) }
                case 4 { t := slt(s64(a), s64(b)) }
                case 5 { t := iszero(slt(s64(a), s64(b))) }
                case 6 { t := lt(a, b) }
                case 7 { t := iszero(lt(a, b)) }
            }
            function execLoad(i) {
                let f3 := fF3(i)
                if eq(f3, 7) {
                    fail(0xbadc0de)
                }
                let addr := add64(reg(fRs1(i)), immI(i))
                setReg(fRd(i), load(addr, shl(and(f3, 3), 1), iszero(and(f3, 4)), 1, 2))
            }
            function execStore(i) {
                let addr := add64(reg(fRs1(i)), immS(i))
                store64(addr, shl(fF3(i), 1), reg(fRs2(i)), 2)
            }
            function amoResult(opc, old, value) -> r {
                switch opc
                case 0x00 { r := add64(old, value) }
                case 0x01 { r := value }
                case 0x04 { r := xor(old, value) }
                case 0x08 { r := or(old, value) }
                case 0x0c { r := and(old, value) }
                case 0x10 {
                    r := value
                    if slt(s64(old), s64(value)) { r := old }
                }
                case 0x14 {
                    r := value
                    if sgt(s64(old), s64(value)) { r := old }
                }
                case 0x18 {
                    r := value
                    if lt(old, value) { r := old }
                }
                case 0x1c {
                    r := value
                    if gt(old, value) { r := old }
                }
                default { fail(0xf001a70) }
            }
            function execAmo(i) {
                let f3 := fF3(i)
                if or(lt(f3, 2), gt(f3, 3)) {
                    fail(0xbada70)
                }
                let size := shl(f3, 1)
                let addr := reg(fRs1(i))
                if mod(addr, size) {
                    fail(0xbad10ad0)
                }
                let opc := shr(2, fF7(i))
                switch opc
                case 2 {
                    setReg(fRd(i), load(addr, size, 1, 1, 2))
                    setSt64(98, addr)
                }
                case 3 {
                    let result := 1
                    if eq(addr, st64(98)) {
                        store64(addr, size, reg(fRs2(i)), 2)
                        result := 0
                    }
                    setReg(fRd(i), result)
                    setSt64(98, 0)
                }
                default {
                    let value := reg(fRs2(i))
                    if eq(size, 4) {
                        value := sext32(value)
                    }
                    let old := load(addr, size, 1, 1, 2)
                    store64(addr, size, amoResult(opc, old, value), 3)
                    setReg(fRd(i), old)
                }
            }

            // Preimages.
            function preimageKeyWrite(addr, count) -> n {
                let al := and(addr, 31)
                n := count
                if gt(n, sub(32, al)) {
                    n := sub(32, al)
                }
                let leaf := readLeaf(sub(addr, al), 1)
                let fresh := shr(mul(8, sub(32, n)), shl(mul(8, al), leaf))
                mstore(add(0x80, 32), or(shl(mul(8, n), mload(add(0x80, 32))), fresh))
                setSt64(64, 0)
            }
            function localizedKey(key) -> k {
                mstore(0, key)
                mstore(0x20, caller())
                mstore(0x40, mload(0x280))
                k := or(and(keccak256(0, 0x60), not(shl(248, 0xff))), shl(248, 1))
                mstore(0x40, 0)
            }
            function readPart(key, offset) -> dat, len {
                mstore(0x300, shl(224, 0xe03110e1)) // readPreimage(bytes32,uint256)
                mstore(0x304, key)
                mstore(0x324, offset)
                if iszero(staticcall(gas(), mload(0x260), 0x300, 0x44, 0x300, 0x40)) {
                    fail(0xbadf00d0)
                }
                if lt(returndatasize(), 0x40) {
                    fail(0xbadf00d0)
                }
                dat := mload(0x300)
                len := mload(0x320)
            }
            function preimageRead(addr, count) -> n {
                let key := mload(add(0x80, 32))
                if eq(byte(0, key), 1) {
                    key := localizedKey(key)
                }
                let offset := st64(64)
                let dat, len := readPart(key, offset)
                if iszero(len) {
                    leave
                }
                let al := and(addr, 31)
                n := count
                if gt(n, sub(32, al)) {
                    n := sub(32, al)
                }
                if gt(n, len) {
                    n := len
                }
                setSt64(64, add64(offset, n))
                let leafAddr := sub(addr, al)
                let leaf := readLeaf(leafAddr, 1)
                let mask := shr(mul(8, al), not(shr(mul(8, n), not(0))))
                leaf := or(and(leaf, not(mask)), and(shr(mul(8, al), dat), mask))
                writeLeaf(leafAddr, leaf, 1)
            }

            // Syscalls.
            function sysMmap() {
                let addr := reg(10)
                let len := reg(11)
                if or(iszero(and(reg(13), 0x20)), iszero(eq(reg(14), u64()))) {
                    ret2(u64(), 0x4d)
                    leave
                }
                if addr {
                    ret2(addr, 0)
                    leave
                }
                let rem := and(len, 4095)
                if rem {
                    len := add64(len, sub(4096, rem))
                }
                let heap := st64(90)
                setSt64(90, add64(heap, len))
                ret2(heap, 0)
            }
            function sysFcntl() {
                let fd := reg(10)
                let cmd := reg(11)
                if and(eq(cmd, 1), lt(fd, 7)) {
                    ret2(0, 0)
                    leave
                }
                if eq(cmd, 3) {
                    switch fd
                    case 0 { ret2(0, 0) }
                    case 3 { ret2(0, 0) }
                    case 5 { ret2(0, 0) }
                    case 1 { ret2(1, 0) }
                    case 2 { ret2(1, 0) }
                    case 4 { ret2(1, 0) }
                    case 6 { ret2(1, 0) }
                    default { ret2(u64(), 0x4d) }
                    leave
                }
                switch cmd
                case 1 { ret2(u64(), 0x4d) }
                default { ret2(u64(), 0x16) }
            }
            function syscall() {
                switch reg(17)
                case 93 { sysExit() }
                case 94 { sysExit() }
                case 214 { ret2(shl(30, 1), 0) }
                case 222 { sysMmap() }
                case 63 {
                    switch reg(10)
                    case 0 { ret2(0, 0) }
                    case 3 { ret2(reg(12), 0) }
                    case 5 { ret2(preimageRead(reg(11), reg(12)), 0) }
                    default { ret2(u64(), 0x4d) }
                }
                case 64 {
                    switch reg(10)
                    case 1 { ret2(reg(12), 0) }
                    case 2 { ret2(reg(12), 0) }
                    case 4 { ret2(reg(12), 0) }
                    case 6 { ret2(preimageKeyWrite(reg(11), reg(12)), 0) }
                    default { ret2(u64(), 0x4d) }
                }
                case 25 { sysFcntl() }
                case 56 { ret2(u64(), 0xd) }
                case 113 {
                    storeBytes(reg(11), or(leWord(1337), shr(64, leWord(42))), 16, 1, 2)
                    ret2(0, 0)
                }
                case 220 { ret2(1, 0) }
                case 163 {
                    if iszero(eq(reg(10), 7)) {
                        fail(0xf0012)
                    }
                    storeBytes(reg(11), or(leWord(1024), shr(64, leWord(1024))), 16, 1, 2)
                    ret2(0, 0)
                }
                case 261 { fail(0xf001ca11) }
                case 422 { fail(0xf001ca11) }
                case 101 { fail(0xf001ca11) }
                default { ret2(0, 0) }
            }
            function sysExit() {
                mstore8(add(0x80, 80), and(reg(10), 0xff))
                mstore8(add(0x80, 81), 1)
            }

            // One instruction.
            function exec() {
                setSt64(82, add64(st64(82), 1))
                let at := st64(72)
                let i := load(at, 4, 0, 0, 0xff)
                let next := add64(at, 4)
                switch and(i, 0x7f)
                case 0x03 { execLoad(i) }
                case 0x23 { execStore(i) }
                case 0x63 {
                    let target := next
                    if branchTaken(i) {
                        target := add64(at, immB(i))
                    }
                    jumpTo(target)
                    leave
                }
                case 0x13 { setReg(fRd(i), opImm(i)) }
                case 0x1b { setReg(fRd(i), opImm32(i)) }
                case 0x33 { setReg(fRd(i), op(i)) }
                case 0x3b { setReg(fRd(i), op32(i)) }
                case 0x37 { setReg(fRd(i), immU(i)) }
                case 0x17 { setReg(fRd(i), add64(at, immU(i))) }
                case 0x6f {
                    setReg(fRd(i), next)
                    jumpTo(add64(at, immJ(i)))
                    leave
                }
                case 0x67 {
                    let target := and(add64(reg(fRs1(i)), immI(i)), 0xfffffffffffffffe)
                    setReg(fRd(i), next)
                    jumpTo(target)
                    leave
                }
                case 0x73 {
                    switch fF3(i)
                    case 0 {
                        if iszero(shr(20, i)) {
                            syscall()
                        }
                    }
                    default { setReg(fRd(i), 0) }
                }
                case 0x2f { execAmo(i) }
                case 0x0f {}
                case 0x07 {}
                case 0x27 {}
                case 0x53 {}
                default { fail(0xf001c0de) }
                setSt64(72, next)
            }

            if iszero(eq(stateData.length, 362)) {
                revert(0, 0)
            }
            calldatacopy(0x80, stateData.offset, 362)
            mstore(0x220, proof.offset)
            mstore(0x240, proof.length)
            mstore(0x260, oracleAddress)
            mstore(0x280, localContext)
            let exited := byte(0, mload(add(0x80, 81)))
            if iszero(exited) {
                exec()
                exited := byte(0, mload(add(0x80, 81)))
            }
            let status := 3
            if exited {
                status := 2
                let code := byte(0, mload(add(0x80, 80)))
                if lt(code, 2) {
                    status := code
                }
            }
            log0(0x80, 362)
            let h := keccak256(0x80, 362)
            mstore(0, or(and(h, not(shl(248, 0xff))), shl(248, status)))
            return(0, 0x20)
        }
    }
}
