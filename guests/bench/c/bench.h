/* Shared by the C benchmark workloads: the runtime (guests/c/rt) plus an anonymous mmap that works
 * in the Verdict VM (syscall 222, bump-allocated), under qemu-riscv64 and natively; on MIPS64
 * (Cannon's VM and qemu-mips64) syscall 5009. */
#ifndef VERDICT_BENCH_H
#define VERDICT_BENCH_H

#if !defined(__riscv) && !defined(__mips__)
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
#elif defined(__mips__)
    /* mmap (5009) on MIPS64 n64: a3 is set on failure. */
    register long v0 __asm__("$2") = 5009;
    register long a0 __asm__("$4") = 0;
    register long a1 __asm__("$5") = (long)len;
    register long a2 __asm__("$6") = 3;     /* PROT_READ | PROT_WRITE */
    register long a3 __asm__("$7") = 0x802; /* MAP_PRIVATE | MAP_ANONYMOUS (MIPS) */
    register long a4 __asm__("$8") = -1;
    register long a5 __asm__("$9") = 0;
    __asm__ volatile("syscall" : "+r"(v0), "+r"(a3) : "r"(a0), "r"(a1), "r"(a2), "r"(a4), "r"(a5)
                     : "$1", "$3", "$10", "$11", "$12", "$13", "$14", "$15", "$24", "$25", "hi", "lo", "memory");
    return a3 ? 0 : (void *)v0;
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
