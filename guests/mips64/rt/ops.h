/* Inline-asm macros executing one specific MIPS64 instruction on run-time values, and the table
 * of edge values the guests combine. `.set noreorder` keeps the assembler from filling or
 * moving delay slots; `.set noat` lets no macro expansion touch $at. */
#ifndef MIPS64_OPS_H
#define MIPS64_OPS_H
#include "rt.h"

#define ASM(s) ".set push\n.set noreorder\n.set noat\n" s "\n.set pop\n"

/* rd = op(rs, rt) */
#define OP3(op, a, b) ({ u64 r_; __asm__ volatile(ASM(op " %0, %1, %2") : "=r"(r_) : "r"((u64)(a)), "r"((u64)(b))); r_; })
/* rt = op(rs, imm) */
#define OPI(op, a, imm) ({ u64 r_; __asm__ volatile(ASM(op " %0, %1, " #imm) : "=r"(r_) : "r"((u64)(a))); r_; })
/* rd = op(rt, sa) */
#define OPS(op, a, sa) ({ u64 r_; __asm__ volatile(ASM(op " %0, %1, " #sa) : "=r"(r_) : "r"((u64)(a))); r_; })
/* rd = op(rs) */
#define OP1(op, a) ({ u64 r_; __asm__ volatile(ASM(op " %0, %1") : "=r"(r_) : "r"((u64)(a))); r_; })
/* rd = op(rs, rt), rd's old value an input (movz, movn) */
#define OPM(op, old, a, b) ({ u64 r_ = (old); __asm__ volatile(ASM(op " %0, %1, %2") : "+r"(r_) : "r"((u64)(a)), "r"((u64)(b))); r_; })

static const u64 EDGE[] = {
    0, 1, 2, 3, 0x7f, 0x80, 0xff, 31, 32, 33, 63, 64, 65,
    0x7fffffff, 0x80000000, 0xffffffff, 0x100000000,
    0xffffffff80000000, 0xffffffff7fffffff, 0x000000017fffffff,
    0x7fffffffffffffff, 0x8000000000000000, 0xffffffffffffffff, 0xfffffffffffffffe,
    0x5555555555555555, 0xaaaaaaaaaaaaaaaa, 0x0123456789abcdef, 0xfedcba9876543210,
};
#define N_EDGE (sizeof(EDGE) / sizeof(EDGE[0]))

/* The 32-bit operations' inputs: MIPS64 leaves their result UNPREDICTABLE unless the operand is
 * a sign-extended word (and Cannon's results differ from QEMU's there), so they get the edge
 * values' low halves, sign-extended. */
static inline u64 S(u64 v) { return (u64)(i64)(i32)(u32)v; }

#endif
