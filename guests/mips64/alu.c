/* Every computational instruction the VM implements, on all pairs of edge values: the 32- and
 * 64-bit register forms (addu subu and or xor nor slt sltu daddu dsubu sllv srlv srav dsllv
 * dsrlv dsrav movz movn mul), the immediate forms with extreme immediates (addiu daddiu slti
 * sltiu andi ori xori lui), shifts by constant amounts (sll srl sra dsll dsrl dsra dsll32 dsrl32
 * dsra32 at 0, 1, 15, 31), clz clo dclz dclo, and the trapping add/sub/addi/dadd/daddi/dsub on
 * values that do not overflow. 32-bit operations get sign-extended words (`S`, see ops.h); sll
 * and the 64-bit ones take any value. */
#include "rt/ops.h"

static void pairs(void) {
    for (unsigned i = 0; i < N_EDGE; i++) {
        for (unsigned j = 0; j < N_EDGE; j++) {
            u64 a = EDGE[i], b = EDGE[j];
            fold(OP3("addu", S(a), S(b))); fold(OP3("subu", S(a), S(b)));
            fold(OP3("daddu", a, b)); fold(OP3("dsubu", a, b));
            fold(OP3("and", a, b)); fold(OP3("or", a, b));
            fold(OP3("xor", a, b)); fold(OP3("nor", a, b));
            fold(OP3("slt", a, b)); fold(OP3("sltu", a, b));
            fold(OP3("sllv", S(a), S(b))); fold(OP3("srlv", S(a), S(b))); fold(OP3("srav", S(a), S(b)));
            fold(OP3("dsllv", a, b)); fold(OP3("dsrlv", a, b)); fold(OP3("dsrav", a, b));
            fold(OP3("mul", S(a), S(b)));
            fold(OPM("movz", 0x1234, a, b)); fold(OPM("movn", 0x1234, a, b));
        }
    }
}

static void unary(void) {
    for (unsigned i = 0; i < N_EDGE; i++) {
        u64 a = EDGE[i];
        fold(OP1("clz", S(a))); fold(OP1("clo", S(a))); fold(OP1("dclz", a)); fold(OP1("dclo", a));
        fold(OPI("addiu", S(a), 0)); fold(OPI("addiu", S(a), 1)); fold(OPI("addiu", S(a), -1));
        fold(OPI("addiu", S(a), 32767)); fold(OPI("addiu", S(a), -32768));
        fold(OPI("daddiu", a, 1)); fold(OPI("daddiu", a, -1));
        fold(OPI("daddiu", a, 32767)); fold(OPI("daddiu", a, -32768));
        fold(OPI("slti", a, 0)); fold(OPI("slti", a, -1)); fold(OPI("slti", a, 32767));
        fold(OPI("slti", a, -32768)); fold(OPI("sltiu", a, 0)); fold(OPI("sltiu", a, -1));
        fold(OPI("sltiu", a, 32767)); fold(OPI("sltiu", a, -32768));
        fold(OPI("andi", a, 0xffff)); fold(OPI("andi", a, 0x8001));
        fold(OPI("ori", a, 0xffff)); fold(OPI("ori", a, 0x8000));
        fold(OPI("xori", a, 0xffff)); fold(OPI("xori", a, 0x5a5a));
        fold(OPS("sll", a, 0)); fold(OPS("sll", a, 1)); fold(OPS("sll", a, 15)); fold(OPS("sll", a, 31));
        fold(OPS("srl", S(a), 0)); fold(OPS("srl", S(a), 1)); fold(OPS("srl", S(a), 15)); fold(OPS("srl", S(a), 31));
        fold(OPS("sra", S(a), 0)); fold(OPS("sra", S(a), 1)); fold(OPS("sra", S(a), 15)); fold(OPS("sra", S(a), 31));
        fold(OPS("dsll", a, 0)); fold(OPS("dsll", a, 1)); fold(OPS("dsll", a, 31));
        fold(OPS("dsrl", a, 0)); fold(OPS("dsrl", a, 1)); fold(OPS("dsrl", a, 31));
        fold(OPS("dsra", a, 0)); fold(OPS("dsra", a, 1)); fold(OPS("dsra", a, 31));
        fold(OPS("dsll32", a, 0)); fold(OPS("dsll32", a, 1)); fold(OPS("dsll32", a, 31));
        fold(OPS("dsrl32", a, 0)); fold(OPS("dsrl32", a, 1)); fold(OPS("dsrl32", a, 31));
        fold(OPS("dsra32", a, 0)); fold(OPS("dsra32", a, 1)); fold(OPS("dsra32", a, 31));
    }
}

static void known(void) {
    u64 r;
    __asm__ volatile(ASM("lui %0, 0xffff") : "=r"(r)); check("lui ffff", r, 0xffffffffffff0000);
    __asm__ volatile(ASM("lui %0, 0x8000") : "=r"(r)); check("lui 8000", r, 0xffffffff80000000);
    __asm__ volatile(ASM("lui %0, 0x7fff") : "=r"(r)); check("lui 7fff", r, 0x7fff0000);
    check("add", OP3("add", 5, -7l), -2l);
    check("sub", OP3("sub", 0x7ffffff0, -15l), 0x7fffffff);
    check("dadd", OP3("dadd", 0x7ffffffffffffff0, 15), 0x7fffffffffffffff);
    check("dsub", OP3("dsub", -5l, 0x7ffffffffffffffb), 0x8000000000000000);
    check("addi", OPI("addi", 0x7fff0000, 0x7fff), 0x7fff7fff);
    check("daddi", OPI("daddi", 0xffffffff, -32768), 0xffff7fff);
    check("clz 0", OP1("clz", 0), 32); check("dclz 0", OP1("dclz", 0), 64);
    check("clo -1", OP1("clo", -1l), 32); check("dclo -1", OP1("dclo", -1l), 64);
    check("mul", OP3("mul", 0x10000, 0x10000), 0);
    check("sra", OPS("sra", 0xffffffff80000000, 4), 0xfffffffff8000000);
    /* A write to $zero is dropped. */
    __asm__ volatile(ASM("addiu $0, $0, 5\n move %0, $0") : "=r"(r)); check("zero", r, 0);
}

int main(void) {
    known();
    pairs();
    unary();
    return finish();
}
