/* sort: quicksort (median of three, insertion sort below 16 elements) of 1,048,576 pseudo-random
 * 16-bit integers held in .bss (2 MiB, so the program fits ckb-vm's 4 MiB memory). Checks the result
 * is ordered and is a permutation of the input (order-independent sums), prints checksums. */
#include "bench.h"

#define N (1u << 20)
typedef u16 elem;
static elem a[N];

static void insertion(elem *v, long n) {
    for (long i = 1; i < n; i++) {
        elem x = v[i];
        long j = i - 1;
        while (j >= 0 && v[j] > x) { v[j + 1] = v[j]; j--; }
        v[j + 1] = x;
    }
}

static void quicksort(elem *v, long n) {
    while (n > 16) {
        elem x = v[0], y = v[n / 2], z = v[n - 1];
        elem p = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        long i = -1, j = n;
        for (;;) { /* Hoare partition */
            do i++; while (v[i] < p);
            do j--; while (v[j] > p);
            if (i >= j) break;
            elem t = v[i]; v[i] = v[j]; v[j] = t;
        }
        /* recurse into the smaller half, loop on the larger: O(log n) stack */
        long left = j + 1;
        if (left < n - left) { quicksort(v, left); v += left; n -= left; }
        else { quicksort(v + left, n - left); n = left; }
    }
    insertion(v, n);
}

int main(void) {
    print_str("sort\n");
    u64 x = 0x9e3779b97f4a7c15ul, sum = 0, sq = 0;
    for (u64 i = 0; i < N; i++) {
        elem e = (elem)(bench_next(&x) >> 17);
        a[i] = e;
        sum += e;
        sq += (u64)e * e;
    }
    quicksort(a, N);
    u64 sum2 = 0, sq2 = 0, h = 0xcbf29ce484222325ul, bad = 0;
    for (u64 i = 0; i < N; i++) {
        sum2 += a[i];
        sq2 += (u64)a[i] * a[i];
        h = (h ^ a[i]) * 0x100000001b3ul;
        if (i && a[i - 1] > a[i]) bad++;
    }
    check("ordered", bad, 0);
    check("sum", sum2, sum);
    check("sum of squares", sq2, sq);
    print_kv("sorted_fnv", h);
    print_kv("min", a[0]);
    print_kv("median", a[N / 2]);
    print_kv("max", a[N - 1]);
    return finish();
}
