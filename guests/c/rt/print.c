/* The C runtime's printing and self-check helpers: portable C over sys_write, shared by the VM
 * runtime (rt.c) and the native builds of the benchmark workloads (guests/bench/c/native_rt.c). */
#include "rt.h"

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
