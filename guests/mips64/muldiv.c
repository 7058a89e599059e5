/* The HI/LO unit on all pairs of edge values: mult multu dmult dmultu, div divu ddiv ddivu
 * (divisors that are not zero; MIN / -1 included), mfhi mflo mthi mtlo. The 32-bit ones get
 * sign-extended words (see ops.h). */
#include "rt/ops.h"

#define HILO(op, a, b) ({ u64 h_, l_; __asm__ volatile(ASM(op " %2, %3\n mfhi %0\n mflo %1") \
    : "=r"(h_), "=r"(l_) : "r"(a), "r"(b) : "hi", "lo"); fold(h_); fold(l_); })

int main(void) {
    for (unsigned i = 0; i < N_EDGE; i++) {
        for (unsigned j = 0; j < N_EDGE; j++) {
            u64 a = EDGE[i], b = EDGE[j];
            HILO("mult", S(a), S(b)); HILO("multu", S(a), S(b));
            HILO("dmult", a, b); HILO("dmultu", a, b);
            if ((u32)b != 0) { HILO("div $0,", S(a), S(b)); HILO("divu $0,", S(a), S(b)); }
            if (b != 0) { HILO("ddiv $0,", a, b); HILO("ddivu $0,", a, b); }
        }
    }
    u64 h, l;
    __asm__ volatile(ASM("mthi %2\n mtlo %3\n mfhi %0\n mflo %1")
                     : "=r"(h), "=r"(l) : "r"(0x1122334455667788ul), "r"(-3l) : "hi", "lo");
    check("mthi", h, 0x1122334455667788ul); check("mtlo", l, -3l);
    __asm__ volatile(ASM("ddiv $0, %2, %3\n mfhi %0\n mflo %1")
                     : "=r"(h), "=r"(l) : "r"(0x8000000000000000ul), "r"(-1l) : "hi", "lo");
    check("ddiv min/-1 lo", l, 0x8000000000000000ul); check("ddiv min/-1 hi", h, 0);
    __asm__ volatile(ASM("div $0, %2, %3\n mfhi %0\n mflo %1")
                     : "=r"(h), "=r"(l) : "r"(-7l), "r"(2l) : "hi", "lo");
    check("div -7/2 lo", l, -3l); check("div -7/2 hi", h, -1l);
    return finish();
}
