/* hello: smallest end-to-end program: one write(1, ...) and exit(0). */
#include "rt/rt.h"

int main(void) {
    static const char msg[] = "Hello from a Verdict guest!\n";
    sys_write(1, msg, sizeof msg - 1);
    return 0;
}
