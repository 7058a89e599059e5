/* The C runtime's interface (guests/c/rt/rt.h) on a Linux host, so the benchmark workloads also
 * compile natively (x86-64, host gcc + libc) as the floor of the VM benchmark. Prints exactly what
 * guests/c/rt/rt.c prints in the VM; memcpy & co. come from libc. */
#include <stdlib.h>
#include <unistd.h>

#include "rt/rt.h"

long sys_write(int fd, const void *buf, usize len) { return (long)write(fd, buf, len); }

void sys_exit(int code) { _exit(code); }

usize rt_strlen(const char *s) { usize n = 0; while (s[n]) n++; return n; }

void print_str(const char *s) { sys_write(1, s, rt_strlen(s)); }

void print_hex(u64 v) {
    char buf[16];
    for (int i = 15; i >= 0; i--) { buf[i] = "0123456789abcdef"[v & 15]; v >>= 4; }
    sys_write(1, buf, 16);
}

void print_dec(i64 v) {
    char buf[24]; int i = 24; int neg = v < 0;
    u64 u = neg ? -(u64)v : (u64)v;
    do { buf[--i] = '0' + (u % 10); u /= 10; } while (u);
    if (neg) buf[--i] = '-';
    sys_write(1, buf + i, 24 - i);
}

void print_kv(const char *name, u64 v) {
    print_str(name); print_str("="); print_hex(v); print_str("\n");
}

static u64 n_checks, n_fail, digest = 0xcbf29ce484222325ul;

void check(const char *name, u64 got, u64 want) {
    n_checks++;
    for (int i = 0; i < 8; i++) { digest ^= (got >> (8 * i)) & 0xff; digest *= 0x100000001b3ul; }
    if (got != want) {
        n_fail++;
        print_str("FAIL "); print_str(name); print_str(": got "); print_hex(got);
        print_str(" want "); print_hex(want); print_str("\n");
    }
}

int finish(void) {
    print_str("checks="); print_dec((i64)n_checks);
    print_str(" failures="); print_dec((i64)n_fail);
    print_str(" digest="); print_hex(digest); print_str("\n");
    return (int)n_fail;
}
