/* Inline-asm helpers: run one specific instruction on runtime values. */
#ifndef VERDICT_OPS_H
#define VERDICT_OPS_H
#include "rt.h"

/* rd = op rs1, rs2 */
#define RR(op, a, b) ({ u64 _r; __asm__ volatile(op " %0, %1, %2" : "=r"(_r) : "r"((u64)(a)), "r"((u64)(b))); _r; })
/* rd = op rs1, imm */
#define RI(op, a, imm) ({ u64 _r; __asm__ volatile(op " %0, %1, %2" : "=r"(_r) : "r"((u64)(a)), "i"(imm)); _r; })
/* rd = op imm (lui) */
#define UI(op, imm) ({ u64 _r; __asm__ volatile(op " %0, %1" : "=r"(_r) : "i"(imm)); _r; })

/* Table of interesting 64-bit values used for exhaustive pairwise testing. */
static const u64 EDGE[] = {
    0x0000000000000000ul, 0x0000000000000001ul, 0x0000000000000002ul, 0x0000000000000003ul,
    0x0000000000000007ul, 0x000000000000001ful, 0x0000000000000020ul, 0x000000000000003ful,
    0x0000000000000040ul, 0x0000000000000041ul, 0x000000000000007ful, 0x00000000000000fful,
    0x0000000000000100ul, 0x0000000000007ffful, 0x0000000000008000ul, 0x000000000000fffful,
    0x000000007ffffffful, 0x0000000080000000ul, 0x0000000080000001ul, 0x00000000fffffffful,
    0x0000000100000000ul, 0x0000000100000001ul, 0x00000001fffffffful, 0x123456789abcdef0ul,
    0x7ffffffffffffffful, 0x8000000000000000ul, 0x8000000000000001ul, 0xfffffffffffffffful,
    0xfffffffffffffffeul, 0xffffffff80000000ul, 0xffffffff7ffffffful, 0xffffffff00000000ul,
    0xfedcba9876543210ul, 0x00000000deadbeeful, 0xffffffffffffffc0ul, 0xffffffffffffffd7ul,
    0x0000000000000005ul, 0xfffffffffffffffbul, 0x5555555555555555ul, 0xaaaaaaaaaaaaaaaaul,
};
#define N_EDGE (sizeof(EDGE) / sizeof(EDGE[0]))

#endif
