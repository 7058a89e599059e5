/* The MIPS64 guests' runtime: syscalls (n64: number in v0, arguments in a0..a2, result in v0,
 * a3 set on failure), printing, and a digest of every checked value. */
#ifndef MIPS64_RT_H
#define MIPS64_RT_H

typedef unsigned long u64;
typedef long i64;
typedef unsigned int u32;
typedef int i32;
typedef unsigned long usize;

long sys_write(long fd, const void *buf, usize len);
void sys_exit(long code) __attribute__((noreturn));
void *memcpy(void *d, const void *s, usize n);
void *memset(void *d, int c, usize n);
void print_str(const char *s);
void print_hex(u64 v);
/* Folds `got` into the digest; prints a FAIL line if it differs from `want`. */
void check(const char *name, u64 got, u64 want);
/* Folds a value into the digest without a known answer (compared against QEMU instead). */
void fold(u64 v);
/* Prints the number of checks, failures and the digest; 0 if nothing failed. */
int finish(void);

#endif
