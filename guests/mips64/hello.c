/* The smallest end-to-end run: one write(1, ...) and exit 0. */
#include "rt/rt.h"

int main(void) {
    print_str("hello from mips64\n");
    return 0;
}
