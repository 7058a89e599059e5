/* muldiv: the M extension: MUL/MULH/MULHSU/MULHU/MULW and
 * DIV/DIVU/REM/REMU/DIVW/DIVUW/REMW/REMUW, with extreme values, division by
 * zero (rs2 == 0) and signed overflow (MIN / -1).
 *
 * Deliberately NOT tested: W divisions whose 64-bit divisor is non-zero but
 * has zero low 32 bits (Asterisc differs from RISC-V there). */
#include "rt/ops.h"

static u64 acc = 0;
static void mix(u64 v) { acc = (acc ^ v) * 0x100000001b3ul + 0x9e3779b97f4a7c15ul; }

NOINLINE static void pairwise(void) {
    for (usize i = 0; i < N_EDGE; i++) {
        for (usize j = 0; j < N_EDGE; j++) {
            u64 a = OPAQUE(EDGE[i]), b = OPAQUE(EDGE[j]);
            mix(RR("mul", a, b));  mix(RR("mulh", a, b));
            mix(RR("mulhsu", a, b)); mix(RR("mulhu", a, b)); mix(RR("mulw", a, b));
            mix(RR("div", a, b));  mix(RR("divu", a, b));
            mix(RR("rem", a, b));  mix(RR("remu", a, b));
            /* skip divisors that are non-zero but zero in the low 32 bits */
            if (b == 0 || (u32)b != 0) {
                mix(RR("divw", a, b));  mix(RR("divuw", a, b));
                mix(RR("remw", a, b));  mix(RR("remuw", a, b));
            }
        }
    }
    print_kv("pairwise", acc);
}

NOINLINE static void corners(void) {
    const u64 MIN = 0x8000000000000000ul, MAX = 0x7ffffffffffffffful, M1 = ~0ul;
    const u64 X = 0x123456789abcdef0ul;
    /* multiplication */
    check("mul min*-1", RR("mul", OPAQUE(MIN), OPAQUE(M1)), MIN);
    check("mulh min*min", RR("mulh", OPAQUE(MIN), OPAQUE(MIN)), 0x4000000000000000ul);
    check("mulh min*-1", RR("mulh", OPAQUE(MIN), OPAQUE(M1)), 0);
    check("mulh -1*-1", RR("mulh", OPAQUE(M1), OPAQUE(M1)), 0);
    check("mulh max*max", RR("mulh", OPAQUE(MAX), OPAQUE(MAX)), 0x3ffffffffffffffful);
    check("mulh min*max", RR("mulh", OPAQUE(MIN), OPAQUE(MAX)), 0xc000000000000000ul);
    check("mulhu -1*-1", RR("mulhu", OPAQUE(M1), OPAQUE(M1)), 0xfffffffffffffffeul);
    check("mulhu min*2", RR("mulhu", OPAQUE(MIN), OPAQUE(2ul)), 1);
    check("mulhsu -1*-1", RR("mulhsu", OPAQUE(M1), OPAQUE(M1)), M1);  /* -1 * (2^64-1) */
    check("mulhsu 1*-1", RR("mulhsu", OPAQUE(1ul), OPAQUE(M1)), 0);
    check("mulhsu min*-1", RR("mulhsu", OPAQUE(MIN), OPAQUE(M1)), 0x8000000000000000ul);
    check("mulhsu max*-1", RR("mulhsu", OPAQUE(MAX), OPAQUE(M1)), 0x7ffffffffffffffeul);
    check("mulw sext", RR("mulw", OPAQUE(0x10000ul), OPAQUE(0x8000ul)), 0xffffffff80000000ul);
    check("mulw upper ignored", RR("mulw", OPAQUE(0xabcdef0000000003ul), OPAQUE(0x1234567800000005ul)), 15);
    check("mulw -1*-1", RR("mulw", OPAQUE(0xfffffffful), OPAQUE(0xfffffffful)), 1);
    /* division by zero: quotient all ones, remainder = dividend */
    check("div x/0", RR("div", OPAQUE(X), OPAQUE(0ul)), M1);
    check("div -5/0", RR("div", OPAQUE(-5ul), OPAQUE(0ul)), M1);
    check("divu x/0", RR("divu", OPAQUE(X), OPAQUE(0ul)), M1);
    check("rem x/0", RR("rem", OPAQUE(X), OPAQUE(0ul)), X);
    check("rem -5/0", RR("rem", OPAQUE(-5ul), OPAQUE(0ul)), -5ul);
    check("remu x/0", RR("remu", OPAQUE(X), OPAQUE(0ul)), X);
    check("divw x/0", RR("divw", OPAQUE(X), OPAQUE(0ul)), M1);
    check("divuw x/0", RR("divuw", OPAQUE(X), OPAQUE(0ul)), M1);
    check("remw x/0", RR("remw", OPAQUE(X), OPAQUE(0ul)), 0xffffffff9abcdef0ul);
    check("remuw x/0", RR("remuw", OPAQUE(X), OPAQUE(0ul)), 0xffffffff9abcdef0ul);
    check("remw 5/0", RR("remw", OPAQUE(0xffffffff00000005ul), OPAQUE(0ul)), 5);
    /* signed overflow */
    check("div min/-1", RR("div", OPAQUE(MIN), OPAQUE(M1)), MIN);
    check("rem min/-1", RR("rem", OPAQUE(MIN), OPAQUE(M1)), 0);
    check("divw min/-1", RR("divw", OPAQUE(0x80000000ul), OPAQUE(M1)), 0xffffffff80000000ul);
    check("remw min/-1", RR("remw", OPAQUE(0x80000000ul), OPAQUE(M1)), 0);
    check("divw min/-1 (32-bit -1)", RR("divw", OPAQUE(0x0000000080000000ul), OPAQUE(0xfffffffful)), 0xffffffff80000000ul);
    /* rounding toward zero, sign of remainder follows dividend */
    check("div -7/2", RR("div", OPAQUE(-7ul), OPAQUE(2ul)), -3ul);
    check("rem -7/2", RR("rem", OPAQUE(-7ul), OPAQUE(2ul)), -1ul);
    check("div 7/-2", RR("div", OPAQUE(7ul), OPAQUE(-2ul)), -3ul);
    check("rem 7/-2", RR("rem", OPAQUE(7ul), OPAQUE(-2ul)), 1);
    check("divu -7/2", RR("divu", OPAQUE(-7ul), OPAQUE(2ul)), 0x7ffffffffffffffcul);
    check("remu -7/2", RR("remu", OPAQUE(-7ul), OPAQUE(2ul)), 1);
    check("divw -7/2", RR("divw", OPAQUE(0xfffffff9ul), OPAQUE(2ul)), -3ul);
    check("remw -7/2", RR("remw", OPAQUE(0xfffffff9ul), OPAQUE(2ul)), -1ul);
    check("divuw -7/2", RR("divuw", OPAQUE(0xfffffff9ul), OPAQUE(2ul)), 0x7ffffffcul);
    check("divuw sext", RR("divuw", OPAQUE(0xfffffffeul), OPAQUE(1ul)), 0xfffffffffffffffeul);
    check("remuw sext", RR("remuw", OPAQUE(0xfffffffeul), OPAQUE(0xfffffffful)), 0xfffffffffffffffeul);
    check("divw upper ignored", RR("divw", OPAQUE(0x7777777700000064ul), OPAQUE(0x123456780000000aul)), 10);
    check("divu max", RR("divu", OPAQUE(M1), OPAQUE(M1)), 1);
    check("div max/min", RR("div", OPAQUE(MAX), OPAQUE(MIN)), 0);
    check("rem max/min", RR("rem", OPAQUE(MAX), OPAQUE(MIN)), MAX);
    /* results into x0 */
    {
        u64 z;
        __asm__ volatile("mul x0, %1, %1\n\tdiv x0, %1, x0\n\tremuw x0, %1, %1\n\tmv %0, x0" : "=r"(z) : "r"(OPAQUE(9ul)));
        check("muldiv x0", z, 0);
    }
}

int main(void) {
    print_str("muldiv\n");
    pairwise();
    corners();
    print_kv("acc", acc);
    return finish();
}
