/* Branches on all pairs of edge values, taken and not taken (beq bne blez bgtz bltz bgez, the
 * linking bltzal bgezal, forward and backward), with the delay slot executed either way; j, jal,
 * jr, jalr (link in ra and in another register); calls through pointers and recursion. */
#include "rt/ops.h"

/* r = 1 if the branch is taken; the delay slot adds 2 (it always runs). */
#define BR2(op, a, b) ({ u64 r_; __asm__ volatile(ASM( \
    "move %0, $0\n " op " %1, %2, 1f\n daddiu %0, %0, 2\n daddiu %0, %0, 4\n 1:") \
    : "=&r"(r_) : "r"(a), "r"(b)); r_; })
#define BR1(op, a) ({ u64 r_; __asm__ volatile(ASM( \
    "move %0, $0\n " op " %1, 1f\n daddiu %0, %0, 2\n daddiu %0, %0, 4\n 1:") \
    : "=&r"(r_) : "r"(a)); r_; })
/* The linking forms: r31 is clobbered; the link value is returned relative to the label. */
#define BRAL(op, a) ({ u64 r_, l_, base_; __asm__ volatile(ASM( \
    "move %0, $0\n move $31, $0\n " op " %3, 1f\n daddiu %0, %0, 2\n daddiu %0, %0, 4\n" \
    " 1: dla %2, 1b\n move %1, $31") \
    : "=&r"(r_), "=&r"(l_), "=&r"(base_) : "r"(a) : "$31", "$1"); fold(l_ ? base_ - l_ : 0); r_; })

static u64 fib(u64 n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
static u64 twice(u64 x) { return 2 * x; }
static u64 plus3(u64 x) { return x + 3; }
static u64 (*volatile fns[2])(u64) = {twice, plus3};

int main(void) {
    for (unsigned i = 0; i < N_EDGE; i++) {
        u64 a = EDGE[i];
        for (unsigned j = 0; j < N_EDGE; j++) {
            u64 b = EDGE[j];
            fold(BR2("beq", a, b)); fold(BR2("bne", a, b));
        }
        fold(BR2("beq", a, a));
        fold(BR1("blez", a)); fold(BR1("bgtz", a)); fold(BR1("bltz", a)); fold(BR1("bgez", a));
        fold(BRAL("bltzal", a)); fold(BRAL("bgezal", a));
    }
    /* A backward loop of bne with work in the delay slot. */
    u64 n, acc;
    __asm__ volatile(ASM("li %0, 100\n move %1, $0\n 1: daddiu %0, %0, -1\n bne %0, $0, 1b\n daddiu %1, %1, 3")
                     : "=&r"(n), "=&r"(acc));
    check("loop", acc, 300);
    /* jal and jr $ra with a delay slot; jalr into another link register. */
    u64 r, link;
    __asm__ volatile(ASM("move %0, $0\n jal 2f\n daddiu %0, %0, 1\n b 3f\n nop\n"
                         "2: jr $31\n daddiu %0, %0, 10\n 3:")
                     : "=&r"(r) :: "$31");
    check("jal/jr", r, 11);
    __asm__ volatile(ASM("move %0, $0\n dla $25, 2f\n jalr $24, $25\n daddiu %0, %0, 1\n b 3f\n nop\n"
                         "2: move %1, $24\n jr $24\n daddiu %0, %0, 10\n 3:")
                     : "=&r"(r), "=&r"(link) :: "$24", "$25", "$1");
    check("jalr", r, 11);
    fold(link);
    __asm__ volatile(ASM("move %0, $0\n j 2f\n daddiu %0, %0, 1\n daddiu %0, %0, 100\n 2:")
                     : "=&r"(r));
    check("j", r, 1);
    check("fib", fib(15), 610);
    u64 x = 5;
    for (int k = 0; k < 10; k++) x = fns[k & 1](x);
    fold(x);
    return finish();
}
