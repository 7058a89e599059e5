/* Shared by the C benchmark workloads: the runtime (guests/c/rt) plus an anonymous mmap that works
 * in the Verdict VM (syscall 222, bump-allocated), under qemu-riscv64 and natively. */
#ifndef VERDICT_BENCH_H
#define VERDICT_BENCH_H

#ifndef __riscv
#include <sys/mman.h>
#endif

#include "rt/rt.h"

/* len bytes of zeroed, readable and writable memory, or 0. */
static inline void *bench_mmap(usize len) {
#ifdef __riscv
    register long a0 __asm__("a0") = 0;
    register long a1 __asm__("a1") = (long)len;
    register long a2 __asm__("a2") = 3;    /* PROT_READ | PROT_WRITE */
    register long a3 __asm__("a3") = 0x22; /* MAP_PRIVATE | MAP_ANONYMOUS */
    register long a4 __asm__("a4") = -1;   /* fd */
    register long a5 __asm__("a5") = 0;    /* offset */
    register long a7 __asm__("a7") = 222;
    /* a1 is clobbered: the VM returns errno there */
    __asm__ volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a2), "r"(a3), "r"(a4), "r"(a5), "r"(a7) : "memory");
    return a0 < 0 && a0 > -4096 ? 0 : (void *)a0;
#else
    void *p = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? 0 : p;
#endif
}

/* xorshift64 */
static inline u64 bench_next(u64 *x) {
    u64 v = *x;
    v ^= v << 13; v ^= v >> 7; v ^= v << 17;
    *x = v;
    return v;
}

#endif
