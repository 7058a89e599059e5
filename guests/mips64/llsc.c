/* ll/sc and lld/scd in one thread: success right after the load-linked, failure without a
 * reservation, after the reservation was used, after a store of another value to the word, to
 * another address; ll's sign extension, sc storing 32 bits, a fetch-and-add loop. */
#include "rt/ops.h"

static u64 cell[4] __attribute__((aligned(32))) = {0x80000001fffffffeul, 5, 0, 0};

#define LL(op, p) ({ u64 r_; __asm__ volatile(ASM(op " %0, 0(%1)") : "=r"(r_) : "r"(p) : "memory"); r_; })
#define SC(op, v, p) ({ u64 r_ = (v); __asm__ volatile(ASM(op " %0, 0(%1)") : "+r"(r_) : "r"(p) : "memory"); r_; })

int main(void) {
    u32 *w = (u32 *)&cell[0];
    check("ll sext", LL("ll", w), 0xffffffff80000001ul);
    check("sc ok", SC("sc", 0x12345678, w), 1);
    check("sc stored", cell[0], 0x12345678fffffffeul);
    check("sc again", SC("sc", 0x1, w), 0);
    check("sc kept", cell[0], 0x12345678fffffffeul);
    check("lld", LL("lld", &cell[1]), 5);
    check("scd ok", SC("scd", 0xdeadbeefcafef00dul, &cell[1]), 1);
    check("scd stored", cell[1], 0xdeadbeefcafef00dul);
    LL("lld", &cell[1]);
    check("scd elsewhere", SC("scd", 7, &cell[2]), 0);
    check("not stored", cell[2], 0);
    LL("lld", &cell[2]);
    __asm__ volatile(ASM("sd %0, 0(%1)") :: "r"(99ul), "r"(&cell[2]) : "memory");
    check("scd after a store", SC("scd", 8, &cell[2]), 0);
    check("the store stays", cell[2], 99);
    /* A fetch-and-add loop as atomics compile to. */
    for (int k = 0; k < 50; k++) {
        u64 old, t;
        __asm__ volatile(ASM("1: lld %0, 0(%2)\n daddiu %1, %0, 3\n scd %1, 0(%2)\n beqz %1, 1b\n nop")
                         : "=&r"(old), "=&r"(t) : "r"(&cell[3]) : "memory");
    }
    check("fetch-add", cell[3], 150);
    return finish();
}
