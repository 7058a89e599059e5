/* exit_group(3) after writes to stdout and stderr, a zero-length write and write's result. */
#include "rt/rt.h"

int main(void) {
    long n = sys_write(1, "out\n", 4);
    sys_write(2, "err\n", 4);
    long z = sys_write(1, "", 0);
    if (n != 4 || z != 0) return 1;
    sys_exit(3);
}
