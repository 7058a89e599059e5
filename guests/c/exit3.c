/* exit3: a non-zero exit code through exit_group (94), writes to both
 * stdout and stderr, a zero-length write, and write's return value. */
#include "rt/rt.h"

static long sys_exit_group(int code) {
    register long a0 __asm__("a0") = code;
    register long a7 __asm__("a7") = 94;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a7) : "memory", "a1");
    return a0;
}

int main(void) {
    static const char out[] = "exit3: this goes to stdout\n";
    static const char err[] = "exit3: this goes to stderr\n";
    long n = sys_write(1, out, sizeof out - 1);
    check("write ret", (u64)n, sizeof out - 1);
    n = sys_write(1, out, 0);
    check("write len 0", (u64)n, 0);
    n = sys_write(2, err, sizeof err - 1);
    check("write stderr ret", (u64)n, sizeof err - 1);
    finish();
    sys_exit_group(3);
    return 0; /* not reached */
}
