/* atomic: the A extension. LR.W/SC.W and LR.D/SC.D success (SC right after
 * LR on the same address) and failure (SC without a reservation, SC to a
 * different address, SC after the reservation was consumed); every AMO
 * (swap, add, xor, and, or, min, max, minu, maxu) in .W and .D forms, with
 * values where signed and unsigned min/max differ, negative 32-bit values,
 * garbage in the upper half of rs2 for .W, rd == x0, aq/rl bits.
 *
 * Deliberately NOT tested: misaligned AMO/LR/SC, an SC whose memory was
 * modified by a plain store between LR and SC, LR/SC of different widths
 * (Asterisc's reservation is just an address). */
#include "rt/ops.h"

static u64 acc = 0;
static void mix(u64 v) { acc = (acc ^ v) * 0x100000001b3ul + 0x9e3779b97f4a7c15ul; }

static u64 cell[8] __attribute__((aligned(64)));

#define AMO(op, p, v) ({ u64 _r; __asm__ volatile(op " %0, %2, (%1)" : "=r"(_r) : "r"(p), "r"((u64)(v)) : "memory"); _r; })
#define LR(op, p) ({ u64 _r; __asm__ volatile(op " %0, (%1)" : "=r"(_r) : "r"(p) : "memory"); _r; })
#define SC(op, p, v) ({ u64 _r; __asm__ volatile(op " %0, %2, (%1)" : "=&r"(_r) : "r"(p), "r"((u64)(v)) : "memory"); _r; })

NOINLINE static void lrsc(void) {
    u64 *c = OPAQUE(cell);
    u32 *w = (u32 *)c;
    c[0] = 0x1111111122222222ul; c[1] = 0x3333333344444444ul;

    /* SC with no reservation at all (first SC in the program) fails, memory unchanged */
    check("sc.d no reservation", SC("sc.d", c, 0xdeadul), 1);
    check("sc.d no reservation mem", c[0], 0x1111111122222222ul);
    check("sc.w no reservation", SC("sc.w", w + 2, 0xdeadul), 1);
    check("sc.w no reservation mem", c[1], 0x3333333344444444ul);

    /* LR.D / SC.D success */
    check("lr.d", LR("lr.d", c), 0x1111111122222222ul);
    check("sc.d ok", SC("sc.d", c, 0x5555666677778888ul), 0);
    check("sc.d ok mem", c[0], 0x5555666677778888ul);
    /* the reservation is consumed: a second SC fails */
    check("sc.d again", SC("sc.d", c, 0x1ul), 1);
    check("sc.d again mem", c[0], 0x5555666677778888ul);

    /* LR.W sign-extends; SC.W stores the low 32 bits only */
    w[0] = 0x80000001u;
    check("lr.w sext", LR("lr.w", w), 0xffffffff80000001ul);
    check("sc.w ok", SC("sc.w", w, 0xabcdef01fffffffeul), 0);
    check("sc.w ok mem", c[0], 0x55556666fffffffeul);
    check("sc.w again", SC("sc.w", w, 0ul), 1);

    /* LR.W on the upper word of a doubleword */
    check("lr.w +4", LR("lr.w", w + 1), 0x55556666ul);
    check("sc.w +4", SC("sc.w", w + 1, 0x7fffffffu), 0);
    check("sc.w +4 mem", c[0], 0x7ffffffffffffffeul);

    /* SC to a different address fails, and consumes the reservation */
    LR("lr.d", c);
    check("sc.d other addr", SC("sc.d", c + 1, 0x99ul), 1);
    check("sc.d other addr mem", c[1], 0x3333333344444444ul);
    check("sc.d after failed", SC("sc.d", c, 0x98ul), 1);
    check("sc.d after failed mem", c[0], 0x7ffffffffffffffeul);
    LR("lr.w", w + 2);
    check("sc.w other addr", SC("sc.w", w + 3, 0x99ul), 1);

    /* a newer LR replaces the reservation */
    LR("lr.d", c);
    LR("lr.d", c + 2);
    check("sc.d newest", SC("sc.d", c + 2, 0x42ul), 0);
    check("sc.d newest mem", c[2], 0x42);

    /* aq/rl variants and rd == x0 for LR */
    {
        u64 r;
        __asm__ volatile("lr.d.aq x0, (%1)\n\tsc.d.rl %0, %2, (%1)" : "=&r"(r) : "r"(c + 3), "r"(7ul) : "memory");
        check("lr x0 + sc.rl", r, 0);
        check("lr x0 + sc.rl mem", c[3], 7);
        __asm__ volatile("lr.w.aqrl %0, (%1)\n\tsc.w.aqrl %0, %2, (%1)" : "=&r"(r) : "r"(c + 3), "r"(-9ul) : "memory");
        check("lr.w.aqrl/sc.w.aqrl", r, 0);
        check("sc.w.aqrl mem", c[3], 0xfffffff7ul);
    }
    /* a typical CAS loop */
    {
        c[4] = 10;
        for (int i = 0; i < 5; i++) {
            u64 old, fail;
            __asm__ volatile(
                "1: lr.d %0, (%2)\n\t"
                "addi %0, %0, 3\n\t"
                "sc.d %1, %0, (%2)\n\t"
                "bnez %1, 1b\n\t"
                : "=&r"(old), "=&r"(fail) : "r"(c + 4) : "memory");
            mix(old);
        }
        check("cas loop", c[4], 25);
    }
    print_kv("lrsc", acc);
}

static const u64 AVALS[] = {
    0, 1, 3, 0x7fffffff, 0x80000000, 0xfffffffb, 0xffffffff, 0x100000000ul,
    0x1234567800000003ul, 0xfffffffffffffffbul, 0x8000000000000000ul, 0x7ffffffffffffffful,
    0xffffffff80000000ul, 0xdeadbeefcafebabeul,
};
#define N_AVALS (sizeof(AVALS) / sizeof(AVALS[0]))

#define AMO_BOTH(op) do { \
    c[0] = m; r = AMO(op ".d", c, v); mix(r); mix(c[0]); \
    c[1] = m; r = AMO(op ".w", (u32 *)(c + 1), v); mix(r); mix(c[1]); \
    c[2] = m; r = AMO(op ".w", (u32 *)(c + 2) + 1, v); mix(r); mix(c[2]); \
} while (0)

NOINLINE static void amos(void) {
    u64 *c = OPAQUE(cell);
    u64 r;
    for (usize i = 0; i < N_AVALS; i++) {
        for (usize j = 0; j < N_AVALS; j++) {
            u64 m = OPAQUE(AVALS[i]), v = OPAQUE(AVALS[j]);
            AMO_BOTH("amoswap"); AMO_BOTH("amoadd"); AMO_BOTH("amoxor");
            AMO_BOTH("amoand");  AMO_BOTH("amoor");
            AMO_BOTH("amomin");  AMO_BOTH("amomax");
            AMO_BOTH("amominu"); AMO_BOTH("amomaxu");
        }
    }
    print_kv("amo pairwise", acc);

    /* signed vs unsigned min/max, .W with negative values */
    u32 *w = (u32 *)c;
#define W_CASE(name, op, mem, val, want_old, want_mem) do { \
        w[0] = (mem); w[1] = 0x5a5a5a5a; \
        check(name " old", AMO(op, w, (val)), (want_old)); \
        check(name " mem", c[0], 0x5a5a5a5a00000000ul | (u32)(want_mem)); } while (0)
    W_CASE("amomin.w", "amomin.w", 0xfffffffbu, 3ul, 0xfffffffffffffffbul, 0xfffffffbu);
    W_CASE("amominu.w", "amominu.w", 0xfffffffbu, 3ul, 0xfffffffffffffffbul, 3);
    W_CASE("amomax.w", "amomax.w", 0xfffffffbu, 3ul, 0xfffffffffffffffbul, 3);
    W_CASE("amomaxu.w", "amomaxu.w", 0xfffffffbu, 3ul, 0xfffffffffffffffbul, 0xfffffffbu);
    /* upper half of rs2 is ignored by .W */
    W_CASE("amomin.w hi", "amomin.w", 5, 0x00000001fffffffful, 0x5, 0xffffffffu);
    W_CASE("amominu.w hi", "amominu.w", 5, 0xffffffff00000007ul, 0x5, 5);
    W_CASE("amomax.w hi", "amomax.w", 0x80000000u, 0x7fffffff80000001ul, 0xffffffff80000000ul, 0x80000001u);
    W_CASE("amoadd.w wrap", "amoadd.w", 0x7fffffffu, 1ul, 0x7ffffffful, 0x80000000u);
    W_CASE("amoadd.w carry", "amoadd.w", 0xffffffffu, 1ul, 0xfffffffffffffffful, 0);
    W_CASE("amoswap.w", "amoswap.w", 0x80000000u, 0x1234567876543210ul, 0xffffffff80000000ul, 0x76543210u);
    W_CASE("amoxor.w", "amoxor.w", 0xf0f0f0f0u, 0xfffffffffffffffful, 0xfffffffff0f0f0f0ul, 0x0f0f0f0fu);
    W_CASE("amoand.w", "amoand.w", 0xf0f0f0f0u, 0x3c3c3c3cul, 0xfffffffff0f0f0f0ul, 0x30303030u);
    W_CASE("amoor.w", "amoor.w", 0x0f0f0f0fu, 0x80000000ul, 0x0f0f0f0ful, 0x8f0f0f0fu);
#define D_CASE(name, op, mem, val, want_mem) do { \
        c[0] = (mem); check(name " old", AMO(op, c, (val)), (mem)); check(name " mem", c[0], (want_mem)); } while (0)
    const u64 NEG = 0xfffffffffffffffbul;
    D_CASE("amomin.d", "amomin.d", NEG, 3ul, NEG);
    D_CASE("amominu.d", "amominu.d", NEG, 3ul, 3);
    D_CASE("amomax.d", "amomax.d", NEG, 3ul, 3);
    D_CASE("amomaxu.d", "amomaxu.d", NEG, 3ul, NEG);
    D_CASE("amomin.d min", "amomin.d", 0x8000000000000000ul, 0x7ffffffffffffffful, 0x8000000000000000ul);
    D_CASE("amomaxu.d min", "amomaxu.d", 0x8000000000000000ul, 0x7ffffffffffffffful, 0x8000000000000000ul);
    D_CASE("amoadd.d wrap", "amoadd.d", 0xfffffffffffffffful, 2ul, 1);
    D_CASE("amoswap.d", "amoswap.d", 1ul, NEG, NEG);
    D_CASE("amoxor.d", "amoxor.d", 0xff00ff00ff00ff00ul, 0x0ff00ff00ff00ff0ul, 0xf0f0f0f0f0f0f0f0ul);
    D_CASE("amoand.d", "amoand.d", 0xff00ff00ff00ff00ul, 0x0ff00ff00ff00ff0ul, 0x0f000f000f000f00ul);
    D_CASE("amoor.d", "amoor.d", 0xff00ff00ff00ff00ul, 0x0ff00ff00ff00ff0ul, 0xfff0fff0fff0fff0ul);
    D_CASE("amoadd.d.aq", "amoadd.d.aq", 5ul, 6ul, 11);
    D_CASE("amoor.d.rl", "amoor.d.rl", 5ul, 2ul, 7);
    D_CASE("amomaxu.d.aqrl", "amomaxu.d.aqrl", 5ul, 9ul, 9);
    /* rd == x0: the memory is still updated */
    {
        u64 z;
        c[5] = 40;
        __asm__ volatile("amoadd.d x0, %2, (%1)\n\tamoswap.w.aqrl x0, %2, (%1)\n\tmv %0, x0" : "=r"(z) : "r"(c + 5), "r"(2ul) : "memory");
        check("amo rd=x0", z, 0);
        check("amo rd=x0 mem", c[5], 2);
    }
    /* rd == rs2 */
    {
        u64 v = 0x77;
        c[6] = 0x11;
        __asm__ volatile("amoswap.d %0, %0, (%1)" : "+r"(v) : "r"(c + 6) : "memory");
        check("amoswap rd==rs2 old", v, 0x11);
        check("amoswap rd==rs2 mem", c[6], 0x77);
    }
    print_kv("amo", acc);
}

int main(void) {
    print_str("atomic\n");
    lrsc();
    amos();
    print_kv("acc", acc);
    return finish();
}
