/* The C runtime's two syscalls (guests/c/rt/rt.h) on a Linux host, so the benchmark workloads also
 * compile natively (x86-64, host gcc + libc) as the floor of the VM benchmark, with the same
 * printing code (guests/c/rt/print.c); memcpy & co. come from libc. */
#include <stdlib.h>
#include <unistd.h>

#include "rt/rt.h"

long sys_write(int fd, const void *buf, usize len) { return (long)write(fd, buf, len); }

void sys_exit(int code) { _exit(code); }
