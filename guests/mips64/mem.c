/* Loads and stores at every offset of a buffer straddling an 8-byte word, a 32-byte leaf and
 * a 4 KiB page: lb lbu lh lhu lw lwu ld (naturally aligned), sb sh sw sd read back, the
 * unaligned pairs lwl/lwr, ldl/ldr, swl/swr, sdl/sdr at every alignment, negative and large
 * offsets, loads into $zero, .data/.rodata/.bss. */
#include "rt/ops.h"

static unsigned char page[3 * 4096] __attribute__((aligned(4096)));
static const u64 ro[4] = {0x0011223344556677ul, 0x8899aabbccddeefful, 0xfedcba9876543210ul, 1};
u64 dat[4] = {0x8081828384858687ul, 0x7071727374757677ul, 0, 0xfffffffffffffffful};

#define LD(op, p, off) ({ u64 r_; __asm__ volatile(ASM(op " %0, " #off "(%1)") : "=r"(r_) : "r"(p) : "memory"); r_; })
#define ST(op, v, p, off) __asm__ volatile(ASM(op " %0, " #off "(%1)") :: "r"(v), "r"(p) : "memory")
/* The unaligned pairs as assemblers expand ulw/uld/usw/usd on big-endian. */
#define ULW(p) ({ u64 r_ = 0x1122334455667788ul; __asm__ volatile(ASM("lwl %0, 0(%1)\n lwr %0, 3(%1)") : "+r"(r_) : "r"(p) : "memory"); r_; })
#define ULD(p) ({ u64 r_ = 0x1122334455667788ul; __asm__ volatile(ASM("ldl %0, 0(%1)\n ldr %0, 7(%1)") : "+r"(r_) : "r"(p) : "memory"); r_; })
#define LDL(p) ({ u64 r_ = 0x1122334455667788ul; __asm__ volatile(ASM("ldl %0, 0(%1)") : "+r"(r_) : "r"(p) : "memory"); r_; })
#define LDR(p) ({ u64 r_ = 0x1122334455667788ul; __asm__ volatile(ASM("ldr %0, 0(%1)") : "+r"(r_) : "r"(p) : "memory"); r_; })
#define LWL(p) ({ u64 r_ = 0x1122334455667788ul; __asm__ volatile(ASM("lwl %0, 0(%1)") : "+r"(r_) : "r"(p) : "memory"); r_; })

static void fill(void) {
    for (unsigned i = 0; i < sizeof page; i++) page[i] = (unsigned char)(i * 37 + 11);
}

static u64 sum_around(unsigned char *p) {
    u64 s = 0;
    for (int i = -16; i < 24; i++) s = s * 31 + p[i];
    return s;
}

int main(void) {
    fill();
    /* Around the page boundary at page + 4096, which is also a leaf and a word boundary. */
    unsigned char *b = page + 4096 - 20;
    for (unsigned k = 0; k < 40; k++) {
        unsigned char *p = b + k;
        fold(LD("lb", p, 0)); fold(LD("lbu", p, 0));
        if ((k & 1) == ((4096 - 20) & 1)) { fold(LD("lh", p, 0)); fold(LD("lhu", p, 0)); }
        if (((u64)p & 3) == 0) { fold(LD("lw", p, 0)); fold(LD("lwu", p, 0)); }
        if (((u64)p & 7) == 0) fold(LD("ld", p, 0));
        fold(ULW(p)); fold(ULD(p)); fold(LDL(p)); fold(LDR(p)); fold(LWL(p));
    }
    /* Stores of every width at every alignment they allow, and the unaligned store pairs. */
    for (unsigned k = 0; k < 40; k++) {
        unsigned char *p = b + k;
        u64 v = 0xa1b2c3d4e5f60718ul ^ (k * 0x0101010101010101ul);
        ST("sb", v, p, 0); fold(sum_around(p));
        if (((u64)p & 1) == 0) { ST("sh", v, p, 0); fold(sum_around(p)); }
        if (((u64)p & 3) == 0) { ST("sw", v, p, 0); fold(sum_around(p)); }
        if (((u64)p & 7) == 0) { ST("sd", v, p, 0); fold(sum_around(p)); }
        __asm__ volatile(ASM("swl %0, 0(%1)\n swr %0, 3(%1)") :: "r"(v), "r"(p) : "memory");
        fold(sum_around(p));
        __asm__ volatile(ASM("sdl %0, 0(%1)\n sdr %0, 7(%1)") :: "r"(v), "r"(p) : "memory");
        fold(sum_around(p));
        __asm__ volatile(ASM("swl %0, 0(%1)") :: "r"(~v), "r"(p) : "memory"); fold(sum_around(p));
        __asm__ volatile(ASM("swr %0, 0(%1)") :: "r"(v * 3), "r"(p) : "memory"); fold(sum_around(p));
        __asm__ volatile(ASM("sdl %0, 0(%1)") :: "r"(~v), "r"(p) : "memory"); fold(sum_around(p));
        __asm__ volatile(ASM("sdr %0, 0(%1)") :: "r"(v * 5), "r"(p) : "memory"); fold(sum_around(p));
    }
    /* Immediate offsets: the extremes of the 16-bit range. */
    unsigned char *mid = page + 4096 + 2048;
    volatile u64 up = (u64)mid + 32768, down = (u64)mid - 32760;
    ST("sd", 0x0102030405060708ul, mid, 0);
    check("ld -32768", LD("ld", up, -32768), 0x0102030405060708ul);
    check("ld 32760", LD("ld", down, 32760), 0x0102030405060708ul);
    /* Sign and zero extension on known bytes. */
    check("lb", LD("lb", &ro[1], 0), 0xffffffffffffff88ul);
    check("lbu", LD("lbu", &ro[1], 0), 0x88);
    check("lh", LD("lh", &ro[1], 2), 0xffffffffffffaabbul);
    check("lhu", LD("lhu", &ro[1], 2), 0xaabb);
    check("lw", LD("lw", &ro[1], 4), 0xffffffffccddeefful);
    check("lwu", LD("lwu", &ro[1], 4), 0xccddeefful);
    check("ld", LD("ld", &ro[2], 0), 0xfedcba9876543210ul);
    check("data", LD("ld", &dat[0], 0), 0x8081828384858687ul);
    __asm__ volatile(ASM("ld $0, 0(%0)") :: "r"(&dat[3]) : "memory");
    static u64 bss[2];
    check("bss", bss[0] | bss[1], 0);
    ST("sd", -1l, &bss[1], 0);
    check("bss written", LD("ld", &bss[1], 0), -1l);
    /* A store whose value and base are one register. */
    u64 self = (u64)&bss[0];
    __asm__ volatile(ASM("sd %0, 0(%0)") :: "r"(self) : "memory");
    check("sd self", bss[0], self);
    __asm__ volatile(ASM("sync") ::: "memory");
    return finish();
}
