/* mem: every load (LB/LBU/LH/LHU/LW/LWU/LD) and store (SB/SH/SW/SD) at every
 * alignment, including misaligned accesses that cross a 32-byte boundary
 * (e.g. an 8-byte access at an address = 28 mod 32) and a 4 KiB page
 * boundary, immediate offsets -2048/2047, loads into x0, .data/.rodata/.bss
 * contents, FENCE. */
#include "rt/ops.h"

static u64 acc = 0;
static void mix(u64 v) { acc = (acc ^ v) * 0x100000001b3ul + 0x9e3779b97f4a7c15ul; }

static u8 buf[3 * 4096] __attribute__((aligned(4096)));       /* .bss */
static u64 data_words[4] = { 0x0123456789abcdeful, 0xfedcba9876543210ul,
                             0x8000000080008080ul, 0x7fffffff7fff7f7ful }; /* .data */
static const u8 ro_bytes[16] = { 0x80, 0x7f, 0xff, 0x00, 0x01, 0xfe, 0x80, 0x00,
                                 0x00, 0x80, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x80 };

#define LOAD(op, p, off) ({ u64 _r; __asm__ volatile(op " %0, %2(%1)" : "=r"(_r) : "r"(p), "i"(off) : "memory"); _r; })
#define STORE(op, v, p, off) __asm__ volatile(op " %0, %2(%1)" : : "r"((u64)(v)), "r"(p), "i"(off) : "memory")

static void fill(void) {
    u64 x = 0x9e3779b97f4a7c15ul;
    for (usize i = 0; i < sizeof buf; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        buf[i] = (u8)(x >> 24);
    }
}

static void all_loads(const u8 *p) {
    mix(LOAD("lb", p, 0));  mix(LOAD("lbu", p, 0));
    mix(LOAD("lh", p, 0));  mix(LOAD("lhu", p, 0));
    mix(LOAD("lw", p, 0));  mix(LOAD("lwu", p, 0));
    mix(LOAD("ld", p, 0));
}

NOINLINE static void loads(void) {
    fill();
    /* every alignment around a 32-byte boundary: offsets 0..40 */
    for (usize off = 0; off <= 40; off++) all_loads(OPAQUE(buf + off));
    print_kv("loads32", acc);
    /* around the page boundary at buf + 4096 and buf + 8192 */
    for (usize off = 4096 - 12; off <= 4096 + 4; off++) all_loads(OPAQUE(buf + off));
    for (usize off = 8192 - 8; off <= 8192; off++) all_loads(OPAQUE(buf + off));
    print_kv("loadspage", acc);
    /* immediate offsets at the extremes */
    const u8 *mid = OPAQUE(buf + 4096);
    mix(LOAD("ld", mid, 2047)); mix(LOAD("ld", mid, -2048));
    mix(LOAD("lw", mid, 2047)); mix(LOAD("lhu", mid, -2047)); mix(LOAD("lb", mid, -1));
    mix(LOAD("lbu", mid, 2047)); mix(LOAD("lwu", mid, -3)); mix(LOAD("lh", mid, -1));
    /* sign / zero extension on known data */
    const u8 *r = OPAQUE(ro_bytes);
    check("lb 0x80", LOAD("lb", r, 0), 0xffffffffffffff80ul);
    check("lbu 0x80", LOAD("lbu", r, 0), 0x80);
    check("lb 0x7f", LOAD("lb", r, 1), 0x7f);
    check("lh 0x7f80", LOAD("lh", r, 0), 0x7f80);
    check("lh 0xff7f (misaligned)", LOAD("lh", r, 1), 0xffffffffffffff7ful);
    check("lhu 0xff7f (misaligned)", LOAD("lhu", r, 1), 0xff7f);
    check("lw", LOAD("lw", r, 8), 0xffffffffffff8000ul);
    check("lw 0x7fffffff", LOAD("lw", r, 10), 0x7fffffff);
    check("lwu", LOAD("lwu", r, 8), 0xffff8000ul);
    check("lw misaligned", LOAD("lw", r, 3), 0xffffffff80fe0100ul);
    check("ld", LOAD("ld", r, 8), 0x80007fffffff8000ul);
    check("ld misaligned", LOAD("ld", r, 5), 0xffffff80000080feul);
    const u64 *d = OPAQUE(data_words);
    check("ld .data", LOAD("ld", d, 0), 0x0123456789abcdeful);
    check("lw .data +8", LOAD("lw", d, 8), 0x76543210);
    check("lw .data +12", LOAD("lw", d, 12), 0xfffffffffedcba98ul);
    check("ld .data +12", LOAD("ld", d, 12), 0x80008080fedcba98ul);
    /* loads into x0 are performed but discarded */
    {
        u64 z;
        __asm__ volatile("ld x0, 0(%1)\n\tlb x0, 1(%1)\n\tlwu x0, 3(%1)\n\tmv %0, x0" : "=r"(z) : "r"(r) : "memory");
        check("load x0", z, 0);
    }
    print_kv("loads", acc);
}

static u64 word_at(const u8 *p) { u64 v; memcpy(&v, p, 8); return v; }

NOINLINE static void stores(void) {
    const u64 V = 0x8899aabbccddeeffull;
    /* each store width at each alignment around a 32-byte boundary, then read back */
    for (usize off = 20; off <= 36; off++) {
        u8 *p = OPAQUE(buf + off);
        STORE("sd", V ^ off, p, 0);   mix(word_at(buf + 16)); mix(word_at(buf + 24)); mix(word_at(buf + 32)); mix(word_at(buf + 40));
        STORE("sw", ~V + off, p, 0);  mix(word_at(buf + 16)); mix(word_at(buf + 24)); mix(word_at(buf + 32)); mix(word_at(buf + 40));
        STORE("sh", V >> off, p, 0);  mix(word_at(buf + 16)); mix(word_at(buf + 24)); mix(word_at(buf + 32)); mix(word_at(buf + 40));
        STORE("sb", off * 37, p, 0);  mix(word_at(buf + 16)); mix(word_at(buf + 24)); mix(word_at(buf + 32)); mix(word_at(buf + 40));
        all_loads(p);
    }
    print_kv("stores32", acc);
    /* across the page boundary */
    for (usize off = 4096 - 8; off <= 4096; off++) {
        u8 *p = OPAQUE(buf + off);
        STORE("sd", V + off, p, 0); all_loads(p); mix(word_at(buf + 4088)); mix(word_at(buf + 4096));
        STORE("sw", V - off, p, 1); all_loads(p); mix(word_at(buf + 4088)); mix(word_at(buf + 4096));
        STORE("sh", V * off, p, 2); all_loads(p); mix(word_at(buf + 4088)); mix(word_at(buf + 4096));
    }
    /* the canonical 32-byte-crossing store: sd at 28 mod 32 */
    {
        u8 *p = OPAQUE(buf + 256 + 28);
        STORE("sd", 0x1122334455667788ul, p, 0);
        check("sd@28 low", LOAD("lwu", p, 0), 0x55667788ul);
        check("sd@28 high", LOAD("lwu", p, 4), 0x11223344ul);
        check("sd@28 ld", LOAD("ld", p, 0), 0x1122334455667788ul);
        check("sd@28 ld aligned", LOAD("ld", OPAQUE(buf + 256 + 32), 0) & 0xffffffff, 0x11223344ul);
    }
    /* immediate offsets at the extremes */
    {
        u8 *mid = OPAQUE(buf + 8192);
        STORE("sd", V, mid, 2047);  check("sd +2047", LOAD("ld", mid, 2047), V);
        STORE("sw", V, mid, -2048); check("sw -2048", LOAD("lw", mid, -2048), 0xffffffffccddeefful);
        STORE("sh", V, mid, -1);    check("sh -1", LOAD("lh", mid, -1), 0xffffffffffffeefful);
        STORE("sb", V, mid, 2046);  check("sb +2046", LOAD("lbu", mid, 2046), 0xff);
    }
    /* store with rs1 == rs2 (stores its own address) */
    {
        u64 *slot = OPAQUE((u64 *)(buf + 512));
        __asm__ volatile("sd %0, 0(%0)" : : "r"(slot) : "memory");
        check("sd self", *(volatile u64 *)slot, (u64)slot);
    }
    /* store to .data, then read */
    data_words[1] = OPAQUE(0x55ul);
    STORE("sb", 0xaa, OPAQUE((u8 *)data_words), 9);
    check(".data rw", LOAD("ld", OPAQUE(data_words), 8), 0xaa55ul);
    __asm__ volatile("fence" ::: "memory");
    __asm__ volatile("fence rw, rw" ::: "memory");
    __asm__ volatile("fence r, w" ::: "memory");
    print_kv("stores", acc);
}

int main(void) {
    print_str("mem\n");
    loads();
    stores();
    /* checksum of the whole buffer */
    u64 h = 0;
    for (usize i = 0; i < sizeof buf; i += 8) h = (h ^ word_at(buf + i)) * 0x100000001b3ul;
    print_kv("buffer", h);
    print_kv("acc", acc);
    return finish();
}
