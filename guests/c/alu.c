/* alu: every RV64I integer computational instruction (register and
 * immediate forms, W forms), LUI/AUIPC, SLT/SLTU corners, shift amounts
 * 0/31/32/63 and register shift amounts >= 64, writes to x0. */
#include "rt/ops.h"

static u64 acc = 0;
static void mix(u64 v) { acc = (acc ^ v) * 0x100000001b3ul + 0x9e3779b97f4a7c15ul; }

NOINLINE static void pairwise(void) {
    for (usize i = 0; i < N_EDGE; i++) {
        for (usize j = 0; j < N_EDGE; j++) {
            u64 a = OPAQUE(EDGE[i]), b = OPAQUE(EDGE[j]);
            mix(RR("add", a, b));  mix(RR("sub", a, b));
            mix(RR("sll", a, b));  mix(RR("srl", a, b));  mix(RR("sra", a, b));
            mix(RR("slt", a, b));  mix(RR("sltu", a, b));
            mix(RR("xor", a, b));  mix(RR("or", a, b));   mix(RR("and", a, b));
            mix(RR("addw", a, b)); mix(RR("subw", a, b));
            mix(RR("sllw", a, b)); mix(RR("srlw", a, b)); mix(RR("sraw", a, b));
        }
    }
    print_kv("pairwise", acc);
}

#define IMM_OPS(imm) do { \
    mix(RI("addi", a, imm)); mix(RI("slti", a, imm)); mix(RI("sltiu", a, imm)); \
    mix(RI("xori", a, imm)); mix(RI("ori", a, imm));  mix(RI("andi", a, imm));  \
    mix(RI("addiw", a, imm)); } while (0)
#define SH64(sh) do { mix(RI("slli", a, sh)); mix(RI("srli", a, sh)); mix(RI("srai", a, sh)); } while (0)
#define SH32(sh) do { mix(RI("slliw", a, sh)); mix(RI("srliw", a, sh)); mix(RI("sraiw", a, sh)); } while (0)

NOINLINE static void immediates(void) {
    for (usize i = 0; i < N_EDGE; i++) {
        u64 a = OPAQUE(EDGE[i]);
        IMM_OPS(0); IMM_OPS(1); IMM_OPS(-1); IMM_OPS(2047); IMM_OPS(-2048);
        IMM_OPS(0x555); IMM_OPS(-0x556); IMM_OPS(0x7f); IMM_OPS(-0x80);
        SH64(0); SH64(1); SH64(31); SH64(32); SH64(33); SH64(63);
        SH32(0); SH32(1); SH32(15); SH32(31);
    }
    print_kv("immediates", acc);
}

NOINLINE static void corners(void) {
    const u64 MIN = 0x8000000000000000ul, MAX = 0x7ffffffffffffffful, M1 = ~0ul;
    /* SLT / SLTU corner values */
    check("slt min,max", RR("slt", OPAQUE(MIN), OPAQUE(MAX)), 1);
    check("sltu min,max", RR("sltu", OPAQUE(MIN), OPAQUE(MAX)), 0);
    check("slt -1,0", RR("slt", OPAQUE(M1), OPAQUE(0ul)), 1);
    check("sltu -1,0", RR("sltu", OPAQUE(M1), OPAQUE(0ul)), 0);
    check("slt x,x", RR("slt", OPAQUE(5ul), OPAQUE(5ul)), 0);
    check("sltu 0,x (snez)", RR("sltu", OPAQUE(0ul), OPAQUE(7ul)), 1);
    check("slti -1,-2048", RI("slti", OPAQUE(M1), -2048), 0);
    check("slti -2049,-2048", RI("slti", OPAQUE(-2049ul), -2048), 1);
    check("sltiu 5,-1", RI("sltiu", OPAQUE(5ul), -1), 1);   /* imm sign-extended then unsigned */
    check("sltiu -1,-1", RI("sltiu", OPAQUE(M1), -1), 0);
    check("sltiu 0,1 (seqz)", RI("sltiu", OPAQUE(0ul), 1), 1);
    /* shifts */
    check("sll by 64 == by 0", RR("sll", OPAQUE(0x1234ul), OPAQUE(64ul)), 0x1234);
    check("sll by 65", RR("sll", OPAQUE(1ul), OPAQUE(65ul)), 2);
    check("srl by -1 (63)", RR("srl", OPAQUE(MIN), OPAQUE(M1)), 1);
    check("sra by 127 (63)", RR("sra", OPAQUE(MIN), OPAQUE(127ul)), M1);
    check("sllw by 32 == by 0", RR("sllw", OPAQUE(0x80000001ul), OPAQUE(32ul)), 0xffffffff80000001ul);
    check("sllw by 33", RR("sllw", OPAQUE(0x40000001ul), OPAQUE(33ul)), 0xffffffff80000002ul);
    check("srlw by 63 (31)", RR("srlw", OPAQUE(0xffffffff00000000ul | 0x80000000ul), OPAQUE(63ul)), 1);
    check("srlw by 0 sext", RR("srlw", OPAQUE(0x80000000ul), OPAQUE(0ul)), 0xffffffff80000000ul);
    check("sraw by 31", RR("sraw", OPAQUE(0x80000000ul), OPAQUE(31ul)), M1);
    check("sraw ignores upper", RR("sraw", OPAQUE(0x7fffffff00000010ul), OPAQUE(4ul)), 1);
    check("srli 63", RI("srli", OPAQUE(M1), 63), 1);
    check("srai 63", RI("srai", OPAQUE(MIN), 63), M1);
    check("slli 63", RI("slli", OPAQUE(1ul), 63), MIN);
    check("slli 32", RI("slli", OPAQUE(0xfffffffful), 32), 0xffffffff00000000ul);
    check("srai 32", RI("srai", OPAQUE(0x8000000000000000ul), 32), 0xffffffff80000000ul);
    check("srli 0", RI("srli", OPAQUE(MIN), 0), MIN);
    check("slliw 31", RI("slliw", OPAQUE(1ul), 31), 0xffffffff80000000ul);
    check("srliw 0 sext", RI("srliw", OPAQUE(0xfffffffful), 0), M1);
    check("srliw 31", RI("srliw", OPAQUE(0xfffffffful), 31), 1);
    check("sraiw 0 sext", RI("sraiw", OPAQUE(0x1234567880000000ul), 0), 0xffffffff80000000ul);
    /* W ops: 32-bit result, sign-extended */
    check("addw overflow", RR("addw", OPAQUE(0x7ffffffful), OPAQUE(1ul)), 0xffffffff80000000ul);
    check("subw wrap", RR("subw", OPAQUE(0ul), OPAQUE(0x80000000ul)), 0xffffffff80000000ul);
    check("addiw sext.w", RI("addiw", OPAQUE(0x00000000fffffffful), 0), M1);
    check("addiw upper ignored", RI("addiw", OPAQUE(0x123456787ffffffful), 1), 0xffffffff80000000ul);
    check("add wrap", RR("add", OPAQUE(MAX), OPAQUE(1ul)), MIN);
    check("sub wrap", RR("sub", OPAQUE(MIN), OPAQUE(1ul)), MAX);
    check("xori -1 (not)", RI("xori", OPAQUE(0x0f0ful), -1), ~0x0f0ful);
    check("andi -2048", RI("andi", OPAQUE(M1), -2048), 0xfffffffffffff800ul);
    check("ori 2047", RI("ori", OPAQUE(0ul), 2047), 2047);
    /* LUI: 20-bit immediate, sign-extended from bit 31 */
    check("lui 0xfffff", UI("lui", 0xfffff), 0xfffffffffffff000ul);
    check("lui 0x80000", UI("lui", 0x80000), 0xffffffff80000000ul);
    check("lui 0x7ffff", UI("lui", 0x7ffff), 0x7ffff000ul);
    check("lui 0", UI("lui", 0), 0);
    check("lui 1", UI("lui", 1), 0x1000);
    /* AUIPC with positive and negative immediates, relative to each other */
    {
        u64 p0, pm, pn, pp;
        __asm__ volatile(
            "auipc %0, 0\n\t"
            "auipc %1, 0xfffff\n\t"    /* pc - 0x1000 */
            "auipc %2, 0x80000\n\t"    /* pc - 0x80000000 */
            "auipc %3, 0x7ffff\n\t"    /* pc + 0x7ffff000 */
            : "=&r"(p0), "=&r"(pm), "=&r"(pn), "=&r"(pp));
        check("auipc -1", pm - (p0 + 4), (u64)-4096l);
        check("auipc 0x80000", pn - (p0 + 8), 0xffffffff80000000ul);
        check("auipc 0x7ffff", pp - (p0 + 12), 0x7ffff000ul);
        mix(p0); mix(pm); mix(pn); mix(pp);
    }
    /* writes to x0 are discarded */
    {
        u64 z;
        __asm__ volatile(
            "addi x0, x0, 5\n\t"
            "lui x0, 0x12345\n\t"
            "auipc x0, 1\n\t"
            "add x0, %1, %1\n\t"
            "slli x0, %1, 3\n\t"
            "addiw x0, %1, -1\n\t"
            "mv %0, x0\n\t"
            : "=r"(z) : "r"(OPAQUE(77ul)));
        check("x0 stays 0", z, 0);
    }
    /* rd == rs1 == rs2 */
    {
        u64 v = OPAQUE(0x0123456789abcdeful);
        __asm__ volatile("add %0, %0, %0\n\tsub %0, %0, %0\n\taddi %0, %0, -7\n\t" : "+r"(v));
        check("rd==rs1==rs2", v, (u64)-7l);
        u64 w = OPAQUE(0x40000000ul);
        __asm__ volatile("addw %0, %0, %0" : "+r"(w));
        check("addw self", w, 0xffffffff80000000ul);
    }
    /* NOP and pseudo-instructions */
    __asm__ volatile("nop\n\tnop");
}

int main(void) {
    print_str("alu\n");
    pairwise();
    immediates();
    corners();
    print_kv("acc", acc);
    return finish();
}
