/* memtouch: memory-heavy workload over a 1 GiB anonymous mmap.
 *   1. writes one 8-byte word in every 128 bytes of the whole GiB (every page is touched);
 *   2. 1.5M pseudo-random read-modify-writes anywhere in the GiB;
 *   3. 7M pseudo-random read-modify-writes confined to a 4 MiB window (1,024 pages): just over
 *      10^8 instructions that dirty few pages. Phases 1 and 2 end before step 10^8, so a memory
 *      root at step 10^8 covers the whole GiB and one at step 2*10^8 only what phase 3 dirtied.
 * Prints checksums of each phase. */
#include "bench.h"

#define REGION (1ul << 30)
#define WINDOW (4ul << 20)

int main(void) {
    print_str("memtouch\n");
    u64 *m = bench_mmap(REGION);
    if (!m) { print_str("mmap failed\n"); return 1; }
    const u64 words = REGION / 8;

    u64 x = 0x0123456789abcdeful;
    for (u64 i = 0; i < words; i += 16) m[i] = bench_next(&x);
    print_kv("phase1", x);

    u64 acc = 0;
    for (u64 k = 0; k < (3ul << 19); k++) {
        u64 i = bench_next(&x) & (words - 1);
        acc += m[i];
        m[i] = acc ^ k;
    }
    print_kv("phase2", acc);

    u64 *w = m + (REGION / 2) / 8; /* a window in the middle */
    const u64 wwords = WINDOW / 8;
    for (u64 k = 0; k < (7ul << 20); k++) {
        u64 i = bench_next(&x) & (wwords - 1);
        acc += w[i];
        w[i] = acc + k;
    }
    print_kv("phase3", acc);

    u64 h = 0;
    for (u64 i = 0; i < words; i += 4096 / 8) h = (h ^ m[i] ^ m[i + 1]) * 0x100000001b3ul;
    print_kv("pages_fnv", h);
    return 0;
}
