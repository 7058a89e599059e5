/* Tiny freestanding runtime for the C guests (no libc). */
#ifndef VERDICT_RT_H
#define VERDICT_RT_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long u64;
typedef signed char i8;
typedef short i16;
typedef int i32;
typedef long i64;
typedef unsigned long usize;

#define NOINLINE __attribute__((noinline))

long sys_write(int fd, const void *buf, usize len);
__attribute__((noreturn)) void sys_exit(int code);

usize rt_strlen(const char *s);
void print_str(const char *s);
void print_hex(u64 v);           /* 16 hex digits, no prefix */
void print_dec(i64 v);
/* "name=0123456789abcdef\n" */
void print_kv(const char *name, u64 v);
/* Running checksum of everything passed to check(), printed by finish(). */
void check(const char *name, u64 got, u64 want);
int finish(void);                /* prints summary, returns number of failures */

void *memcpy(void *d, const void *s, usize n);
void *memmove(void *d, const void *s, usize n);
void *memset(void *d, int c, usize n);
int memcmp(const void *a, const void *b, usize n);

/* Keep the optimizer from constant-folding a value. */
#define OPAQUE(x) ({ __auto_type _v = (x); __asm__ volatile("" : "+r"(_v)); _v; })

#endif
