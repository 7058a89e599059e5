/* The C runtime's syscalls and memory functions (guests/c/rt/rt.h) for MIPS64 (n64: number in
 * v0, arguments in a0..a2, a3 set on failure), so the benchmark workloads also run on Cannon's
 * MIPS64 VM and qemu-mips64, with the same printing code (guests/c/rt/print.c). Entry:
 * guests/mips64/rt/start.S. */
#include "rt/rt.h"

static long syscall3(long nr, long a, long b, long c) {
    register long v0 __asm__("$2") = nr;
    register long a0 __asm__("$4") = a;
    register long a1 __asm__("$5") = b;
    register long a2 __asm__("$6") = c;
    register long a3 __asm__("$7");
    __asm__ volatile("syscall"
                     : "+r"(v0), "=r"(a3)
                     : "r"(a0), "r"(a1), "r"(a2)
                     : "$1", "$3", "$8", "$9", "$10", "$11", "$12", "$13", "$14", "$15",
                       "$24", "$25", "hi", "lo", "memory");
    return a3 ? -v0 : v0;
}

long sys_write(int fd, const void *buf, usize len) { return syscall3(5001, fd, (long)buf, len); }

void sys_exit(int code) {
    syscall3(5205, code, 0, 0);
    for (;;) {}
}

void *memcpy(void *d, const void *s, usize n) {
    u8 *dd = d; const u8 *ss = s;
    while (n--) *dd++ = *ss++;
    return d;
}

void *memmove(void *d, const void *s, usize n) {
    u8 *dd = d; const u8 *ss = s;
    if (dd < ss) { while (n--) *dd++ = *ss++; }
    else { while (n--) dd[n] = ss[n]; }
    return d;
}

void *memset(void *d, int c, usize n) {
    u8 *dd = d;
    while (n--) *dd++ = (u8)c;
    return d;
}

int memcmp(const void *a, const void *b, usize n) {
    const u8 *x = a, *y = b;
    for (usize i = 0; i < n; i++) if (x[i] != y[i]) return x[i] - y[i];
    return 0;
}
