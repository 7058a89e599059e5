/* Threads on Cannon's scheduler (not in the per-instruction differential: QEMU interleaves
 * threads differently; output and exit code are compared): four threads made with the raw clone
 * syscall (flags 0x50f00, a stack each) add to a shared counter with lld/scd loops, yield, wait
 * and wake on a futex, and exit with `exit` (5058); the main thread waits for all of them on the
 * futex and prints the totals, which do not depend on the interleaving. */
#include "../rt/rt.h"

#define THREADS 4
#define ROUNDS 300

static u64 counter __attribute__((aligned(8)));
static u32 done __attribute__((aligned(8)));
static u64 stacks[THREADS][512] __attribute__((aligned(16)));
static u64 per_thread[THREADS];

static long sys3(long nr, long a, long b, long c) {
    register long v0 __asm__("$2") = nr;
    register long a0 __asm__("$4") = a;
    register long a1 __asm__("$5") = b;
    register long a2 __asm__("$6") = c;
    register long a3 __asm__("$7") = 0;
    __asm__ volatile("syscall" : "+r"(v0), "+r"(a3) : "r"(a0), "r"(a1), "r"(a2)
                     : "$1", "$3", "$8", "$9", "$10", "$11", "$12", "$13", "$14", "$15",
                       "$24", "$25", "hi", "lo", "memory");
    return a3 ? -v0 : v0;
}

static void atomic_add(u64 *p, u64 v) {
    u64 old, t;
    __asm__ volatile(".set push\n.set noreorder\n"
                     "1: lld %0, 0(%2)\n daddu %1, %0, %3\n scd %1, 0(%2)\n beqz %1, 1b\n nop\n"
                     ".set pop" : "=&r"(old), "=&r"(t) : "r"(p), "r"(v) : "memory");
}

static u32 atomic_inc32(u32 *p) {
    u32 old, t;
    __asm__ volatile(".set push\n.set noreorder\n"
                     "1: ll %0, 0(%2)\n addiu %1, %0, 1\n sc %1, 0(%2)\n beqz %1, 1b\n nop\n"
                     ".set pop" : "=&r"(old), "=&r"(t) : "r"(p) : "memory");
    return old + 1;
}

/* The body of thread `k`; never returns. */
void worker(long k) __attribute__((noreturn, used));
void worker(long k) {
    for (int i = 0; i < ROUNDS; i++) {
        atomic_add(&counter, (u64)k + 1);
        per_thread[k] += 1;
        if (i % 64 == 0) sys3(5023, 0, 0, 0); /* sched_yield */
    }
    atomic_inc32(&done);
    sys3(5194, (long)&done, 129, 1); /* futex wake */
    sys3(5058, 0, 0, 0);             /* exit (this thread) */
    for (;;) {}
}

/* clone(flags, stack) with the child calling worker(k) on its own stack. */
static long spawn(long k) {
    long r;
    register long v0 __asm__("$2") = 5055;
    register long a0 __asm__("$4") = 0x50f00;
    register long a1 __asm__("$5") = (long)&stacks[k][512];
    register long a2 __asm__("$6") = 0;
    register long a3 __asm__("$7") = 0;
    register long s0 __asm__("$16") = k;
    __asm__ volatile(".set push\n.set noreorder\n"
                     "syscall\n"
                     "bnez $2, 1f\n nop\n"
                     "move $4, $16\n"
                     "dla $25, worker\n"
                     "jalr $25\n nop\n"
                     "1: move %0, $2\n"
                     ".set pop"
                     : "=r"(r), "+r"(v0), "+r"(a3) : "r"(a0), "r"(a1), "r"(a2), "r"(s0)
                     : "$1", "$3", "$8", "$9", "$10", "$11", "$12", "$13", "$14", "$15",
                       "$24", "$25", "$31", "hi", "lo", "memory");
    return r;
}

int main(void) {
    for (long k = 0; k < THREADS; k++) {
        if (spawn(k) <= 0) { print_str("clone failed\n"); return 1; }
    }
    for (;;) {
        u32 d = *(volatile u32 *)&done;
        if (d == THREADS) break;
        sys3(5194, (long)&done, 128, d); /* futex wait while done == d */
    }
    u64 rounds = 0;
    for (int k = 0; k < THREADS; k++) rounds += per_thread[k];
    check("counter", counter, ROUNDS * (1 + 2 + 3 + 4));
    check("rounds", rounds, ROUNDS * THREADS);
    print_str("threads done\n");
    return finish();
}
