/* branch: BEQ/BNE/BLT/BGE/BLTU/BGEU taken and not taken (forward and
 * backward) on corner values where signed and unsigned order differ,
 * JAL (rd = ra, other register, x0), JALR (indirect calls, offsets, rd ==
 * rs1, odd target whose bit 0 is cleared), recursion. */
#include "rt/ops.h"

static u64 acc = 0;
static void mix(u64 v) { acc = (acc ^ v) * 0x100000001b3ul + 0x9e3779b97f4a7c15ul; }

/* 1 if the branch is taken (forward branch) */
#define BR(op, a, b) ({ u64 _r; __asm__ volatile( \
    "li %0, 1\n\t" op " %1, %2, 1f\n\tli %0, 0\n1:" : "=&r"(_r) : "r"((u64)(a)), "r"((u64)(b))); _r; })
/* 1 if the branch is taken (backward branch) */
#define BRB(op, a, b) ({ u64 _r; __asm__ volatile( \
    "j 2f\n1:\n\tli %0, 1\n\tj 3f\n2:\n\t" op " %1, %2, 1b\n\tli %0, 0\n3:" : "=&r"(_r) : "r"((u64)(a)), "r"((u64)(b))); _r; })

NOINLINE static void branches(void) {
    for (usize i = 0; i < N_EDGE; i++) {
        for (usize j = 0; j < N_EDGE; j++) {
            u64 a = OPAQUE(EDGE[i]), b = OPAQUE(EDGE[j]);
            u64 bits = BR("beq", a, b) | BR("bne", a, b) << 1 | BR("blt", a, b) << 2 |
                       BR("bge", a, b) << 3 | BR("bltu", a, b) << 4 | BR("bgeu", a, b) << 5 |
                       BRB("beq", a, b) << 6 | BRB("bne", a, b) << 7 | BRB("blt", a, b) << 8 |
                       BRB("bge", a, b) << 9 | BRB("bltu", a, b) << 10 | BRB("bgeu", a, b) << 11;
            mix(bits);
            /* self-consistency */
            if ((bits & 63) != (bits >> 6)) check("fwd==bwd", bits, 0);
        }
    }
    print_kv("branches", acc);
    const u64 M1 = ~0ul;
    check("beq eq", BR("beq", OPAQUE(M1), OPAQUE(M1)), 1);
    check("beq ne", BR("beq", OPAQUE(M1), OPAQUE(1ul)), 0);
    check("bne ne", BR("bne", OPAQUE(0ul), OPAQUE(1ul)), 1);
    check("bne eq", BR("bne", OPAQUE(0ul), OPAQUE(0ul)), 0);
    check("blt -1<1", BR("blt", OPAQUE(M1), OPAQUE(1ul)), 1);
    check("bltu -1<1", BR("bltu", OPAQUE(M1), OPAQUE(1ul)), 0);
    check("bge -1>=1", BR("bge", OPAQUE(M1), OPAQUE(1ul)), 0);
    check("bgeu -1>=1", BR("bgeu", OPAQUE(M1), OPAQUE(1ul)), 1);
    check("bge eq", BR("bge", OPAQUE(5ul), OPAQUE(5ul)), 1);
    check("bgeu eq", BR("bgeu", OPAQUE(5ul), OPAQUE(5ul)), 1);
    check("blt eq", BR("blt", OPAQUE(5ul), OPAQUE(5ul)), 0);
    check("bltu eq", BR("bltu", OPAQUE(5ul), OPAQUE(5ul)), 0);
    check("blt min<max", BR("blt", OPAQUE(0x8000000000000000ul), OPAQUE(0x7ffffffffffffffful)), 1);
    check("bltu min<max", BR("bltu", OPAQUE(0x8000000000000000ul), OPAQUE(0x7ffffffffffffffful)), 0);
    /* branches against x0 (beqz, bnez, bltz, bgez, blez, bgtz pseudo-ops) */
    {
        u64 r; u64 v = OPAQUE(M1);
        __asm__ volatile(
            "li %0, 0\n\t"
            "beqz %1, 1f\n\t ori %0, %0, 1\n1:\n\t"
            "bnez %1, 1f\n\t ori %0, %0, 2\n1:\n\t"
            "bltz %1, 1f\n\t ori %0, %0, 4\n1:\n\t"
            "bgez %1, 1f\n\t ori %0, %0, 8\n1:\n\t"
            "blez %1, 1f\n\t ori %0, %0, 16\n1:\n\t"
            "bgtz %1, 1f\n\t ori %0, %0, 32\n1:\n\t"
            : "=&r"(r) : "r"(v));
        check("branch vs x0", r, 1 | 8 | 32);
    }
}

NOINLINE static u64 leaf(u64 x) { return x * 3 + 1; }
NOINLINE static u64 twice(u64 (*f)(u64), u64 x) { return f(f(x)); }
NOINLINE static u64 fib(u64 n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

NOINLINE static void jumps(void) {
    /* JAL with a non-ra link register, and JAL x0 (plain jump) */
    {
        u64 link, after;
        __asm__ volatile(
            "jal %0, 1f\n"
            "2:\n\t"
            "j 3f\n"
            "1:\n\t"
            "la %1, 2b\n\t"
            "jal x0, 2b\n"
            "3:\n\t"
            : "=&r"(link), "=&r"(after));
        check("jal link", link, after);
    }
    /* JALR with offset, with rd == rs1, and with bit 0 of the target set */
    {
        u64 t, link, r = 0;
        __asm__ volatile(
            "la %0, 1f\n\t"
            "addi %0, %0, -8\n\t"
            "jalr %1, 8(%0)\n\t"        /* jumps to 1f */
            "li %2, 99\n"
            "1:\n\t"
            "addi %2, %2, 1\n\t"
            : "=&r"(t), "=&r"(link), "+r"(r));
        check("jalr offset", r, 1);
        check("jalr offset link", link - t, 4);   /* t = 1f - 8, link = 1f - 4 */
    }
    {
        u64 t, l1, r = 0;
        __asm__ volatile(
            "la %0, 1f\n\t"
            "jalr %0, 1(%0)\n\t"        /* target 1f + 1, bit 0 cleared -> 1f; rd == rs1 */
            "li %1, 99\n"
            "1:\n\t"
            "addi %1, %1, 2\n\t"
            "la %2, 1b\n\t"
            : "=&r"(t), "+r"(r), "=&r"(l1));
        check("jalr odd target", r, 2);
        check("jalr rd==rs1 link", l1 - t, 4);
    }
    {
        u64 t, r = 0;
        __asm__ volatile(
            "la %0, 1f\n\t"
            "addi %0, %0, -2\n\t"
            "jalr x0, 3(%0)\n\t"        /* (1f - 2 + 3) & ~1 == 1f */
            "li %1, 99\n"
            "1:\n\t"
            "addi %1, %1, 3\n\t"
            : "=&r"(t), "+r"(r));
        check("jalr x0 odd", r, 3);
    }
    /* indirect calls through function pointers (JALR ra) */
    u64 (*volatile fp)(u64) = leaf;
    check("indirect", twice(fp, OPAQUE(5ul)), 49);
    check("fib(20)", fib(OPAQUE(20ul)), 6765);
    /* backward-branch loop */
    u64 s = 0;
    for (u64 i = OPAQUE(1000ul); i != 0; i--) s += i * i;
    check("loop", s, 333833500);
    print_kv("jumps", acc);
}

int main(void) {
    print_str("branch\n");
    branches();
    jumps();
    print_kv("acc", acc);
    return finish() ? 1 : 0;
}
