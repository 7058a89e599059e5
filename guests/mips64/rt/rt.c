#include "rt.h"

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

long sys_write(long fd, const void *buf, usize len) { return syscall3(5001, fd, (long)buf, len); }

void sys_exit(long code) {
    syscall3(5205, code, 0, 0);
    for (;;) {}
}

void *memcpy(void *d, const void *s, usize n) {
    unsigned char *dd = d; const unsigned char *ss = s;
    while (n--) *dd++ = *ss++;
    return d;
}

void *memset(void *d, int c, usize n) {
    unsigned char *dd = d;
    while (n--) *dd++ = (unsigned char)c;
    return d;
}

static usize len(const char *s) { usize n = 0; while (s[n]) n++; return n; }

void print_str(const char *s) { sys_write(1, s, len(s)); }

void print_hex(u64 v) {
    char buf[16];
    for (int i = 15; i >= 0; i--) { buf[i] = "0123456789abcdef"[v & 15]; v >>= 4; }
    sys_write(1, buf, 16);
}

static u64 n_checks, n_fail, digest = 0xcbf29ce484222325ul;

void fold(u64 v) {
    n_checks++;
    for (int i = 0; i < 8; i++) { digest ^= (v >> (8 * i)) & 0xff; digest *= 0x100000001b3ul; }
}

void check(const char *name, u64 got, u64 want) {
    fold(got);
    if (got != want) {
        n_fail++;
        print_str("FAIL "); print_str(name); print_str(": got "); print_hex(got);
        print_str(" want "); print_hex(want); print_str("\n");
    }
}

int finish(void) {
    print_str("checks="); print_hex(n_checks);
    print_str(" failed="); print_hex(n_fail);
    print_str(" digest="); print_hex(digest); print_str("\n");
    return n_fail ? 1 : 0;
}
